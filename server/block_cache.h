// Small blocks from per-thread free lists rather than from malloc, for what
// an event loop allocates and frees for every command: completion state and
// Asio's write operations (reads use one operation per connection, see
// socket_reader.h). Such a block is almost always allocated
// and freed on the same loop, so reusing it there needs no lock. Blocks freed
// on another thread go to that thread's lists (or back to the heap once it
// exits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace memgate::server::block_cache {

inline constexpr std::size_t kBlockSizes[] = {64, 128, 256, 512};
inline constexpr int kBlockClasses = 4;
inline constexpr uint32_t kMaxCachedBlocks = 1024;  // per class and thread

namespace internal {

struct FreeBlock {
  FreeBlock* next;
};

// Plain data, so reaching it is one thread-pointer access (no guard).
struct FreeLists {
  FreeBlock* head[kBlockClasses];
  uint32_t count[kBlockClasses];
  bool registered;  // the thread's FreeListsDrain exists
  bool closed;      // the thread is exiting: no more caching
};
inline thread_local FreeLists tls_free_lists{};

// Hands a thread's cached blocks back to the heap when the thread exits.
struct FreeListsDrain {
  ~FreeListsDrain() {
    FreeLists& lists = tls_free_lists;
    lists.closed = true;
    for (int c = 0; c < kBlockClasses; ++c) {
      while (FreeBlock* block = lists.head[c]) {
        lists.head[c] = block->next;
        ::operator delete(block);
      }
      lists.count[c] = 0;
    }
  }
};

inline int BlockClass(std::size_t size) {
  for (int c = 0; c < kBlockClasses; ++c) {
    if (size <= kBlockSizes[c]) return c;
  }
  return -1;
}

}  // namespace internal

// At least `size` bytes, aligned for any type (as operator new aligns).
inline void* Allocate(std::size_t size) {
  const int c = internal::BlockClass(size);
  if (c < 0) return ::operator new(size);
  internal::FreeLists& lists = internal::tls_free_lists;
  if (internal::FreeBlock* block = lists.head[c]) {
    lists.head[c] = block->next;
    --lists.count[c];
    return block;
  }
  return ::operator new(kBlockSizes[c]);
}

// Gives back a block Allocate returned for the same `size`. Any thread.
inline void Free(void* memory, std::size_t size) {
  const int c = internal::BlockClass(size);
  internal::FreeLists& lists = internal::tls_free_lists;
  if (c < 0 || lists.closed || lists.count[c] >= kMaxCachedBlocks) {
    ::operator delete(memory);
    return;
  }
  if (!lists.registered) {
    lists.registered = true;
    static thread_local internal::FreeListsDrain drain;
    (void)drain;
  }
  auto* block = static_cast<internal::FreeBlock*>(memory);
  block->next = lists.head[c];
  lists.head[c] = block;
  ++lists.count[c];
}

// A standard allocator over the cache, to bind to Asio handlers: Asio's own
// per-thread cache keeps two operation blocks, which a loop serving many
// connections outruns, and then every read and write goes to the heap.
template <typename T>
struct Allocator {
  using value_type = T;

  Allocator() = default;
  template <typename U>
  Allocator(const Allocator<U>&) {}

  T* allocate(std::size_t n) { return static_cast<T*>(Allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { Free(p, n * sizeof(T)); }

  friend bool operator==(const Allocator&, const Allocator&) { return true; }
};

}  // namespace memgate::server::block_cache
