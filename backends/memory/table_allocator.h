// Memory for the shards' hash tables. A table doubles as it grows and frees
// its old array; from malloc, the smaller generations (below glibc's mmap
// threshold) stayed in the loop thread's arena, unused, and counted in RSS:
// about 9 bytes an item at 1M items over 64 shards. Arrays of a page or more
// are mapped on their own here, so a freed generation goes back to the
// system.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <memory>
#include <new>

namespace memgate::backends::memory_internal {

template <typename T>
class TableAllocator {
 public:
  using value_type = T;

  TableAllocator() = default;
  template <typename U>
  TableAllocator(const TableAllocator<U>& /*other*/) {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kMapAtLeast) return std::allocator<T>().allocate(n);
    void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(memory);
  }

  void deallocate(T* memory, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kMapAtLeast) return std::allocator<T>().deallocate(memory, n);
    munmap(memory, bytes);
  }

  template <typename U>
  bool operator==(const TableAllocator<U>& /*other*/) const {
    return true;
  }

 private:
  static constexpr std::size_t kMapAtLeast = 4096;
};

}  // namespace memgate::backends::memory_internal
