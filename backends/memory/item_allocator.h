// Memory for the memory backend's items. Small items come from slabs of
// equal slots (sizes in steps of 8 bytes), so an item costs its size rounded
// up to 8 instead of malloc's chunk header plus its 16-byte rounding; larger
// items come from the heap, where that overhead is small in proportion.
#pragma once

#include <cstddef>

namespace memgate::backends::memory_internal {

class ItemAllocator {
 public:
  // Sizes up to this come from slabs.
  static constexpr std::size_t kMaxSlabSize = 1024;

  // Memory for `size` bytes, 8-byte aligned. `spread` picks one of several
  // independently locked arenas (a key's hash spreads callers well).
  static void* Allocate(std::size_t size, std::size_t spread);
  // Gives back what Allocate returned for the same `size`. Any thread.
  static void Free(void* memory, std::size_t size);

  // Slab pages currently mapped, for tests.
  static std::size_t PagesInUse();
};

}  // namespace memgate::backends::memory_internal
