// Memory for the memory backend's items. Small items come from slabs of
// equal slots (sizes in steps of 8 bytes), so an item costs its size rounded
// up to 8 instead of malloc's chunk header plus its 16-byte rounding. Larger
// ones come from slabs too, in classes eight to a doubling, shared by all
// threads: from the heap, each thread's malloc arena kept the memory its
// items had once used, and RSS grew to half as much again as the limit.
// The largest are mapped one by one.
#pragma once

#include <cstddef>

namespace memgate::backends::memory_internal {

class ItemAllocator {
 public:
  // Sizes up to this come from small slabs, in steps of 8 bytes.
  static constexpr std::size_t kMaxSlabSize = 1024;
  // Sizes up to this come from large slabs; larger ones are mapped alone.
  static constexpr std::size_t kMaxLargeSlabSize = 128 * 1024;

  // What Allocate(size) really takes beyond small-slab sizes: the large
  // class's slot, or the size rounded up to whole pages. `size` itself up to
  // kMaxSlabSize (that rounding is at most 7 bytes).
  static std::size_t AllocatedSize(std::size_t size);

  // Memory for `size` bytes, 8-byte aligned. `spread` picks one of several
  // independently locked arenas (a key's hash spreads callers well).
  static void* Allocate(std::size_t size, std::size_t spread);
  // Gives back what Allocate returned for the same `size`. Any thread.
  static void Free(void* memory, std::size_t size);

  // Slab pages currently mapped (not counting single mappings), for tests.
  static std::size_t PagesInUse();
};

}  // namespace memgate::backends::memory_internal
