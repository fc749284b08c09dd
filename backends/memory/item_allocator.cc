// Slab allocation for items (see item_allocator.h).
//
// A page is 1 MiB of address space, aligned to its size, with a header at
// its start: freeing finds the page by masking the address. A page holds
// slots of one size class and hands them out from its free list, then from
// the part never used (so untouched memory is never counted in RSS). Pages
// with free slots are listed per arena and class; a page whose last slot is
// freed goes back to the system unless it is its class's only page with room.
// Arenas live for the whole process, so an item may outlive its backend.
#include "backends/memory/item_allocator.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <new>
#include <thread>

#include "absl/base/thread_annotations.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define MEMGATE_POISON(address, size) ASAN_POISON_MEMORY_REGION(address, size)
#define MEMGATE_UNPOISON(address, size) ASAN_UNPOISON_MEMORY_REGION(address, size)
#else
#define MEMGATE_POISON(address, size) ((void)(address), (void)(size))
#define MEMGATE_UNPOISON(address, size) ((void)(address), (void)(size))
#endif

namespace memgate::backends::memory_internal {
namespace {

constexpr std::size_t kPageSize = std::size_t{1} << 20;
constexpr std::size_t kGranule = 8;
constexpr std::size_t kClasses = ItemAllocator::kMaxSlabSize / kGranule;
constexpr std::size_t kArenas = 16;
constexpr std::size_t kHeaderSize = 64;  // slots start here, cache-line aligned

std::atomic<std::size_t> pages_in_use{0};

struct FreeSlot {
  FreeSlot* next;
};

struct Arena;

struct Page {
  Arena* arena;
  Page* prev;  // neighbours in the arena's list of pages with room
  Page* next;
  FreeSlot* free;
  char* unused;  // slots from here to `end` were never handed out
  char* end;
  uint32_t live;
  uint32_t size_class;
  bool listed;
};
static_assert(sizeof(Page) <= kHeaderSize);

// Critical sections are a few pointer moves, so a spin lock beats a mutex
// here: no call into the mutex library on every store and delete.
class ABSL_LOCKABLE SpinLock {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (spins++ > 100) std::this_thread::yield();
      }
    }
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

class ABSL_SCOPED_LOCKABLE SpinLockHolder {
 public:
  explicit SpinLockHolder(SpinLock& lock) ABSL_EXCLUSIVE_LOCK_FUNCTION(lock) : lock_(lock) {
    lock_.Lock();
  }
  ~SpinLockHolder() ABSL_UNLOCK_FUNCTION() { lock_.Unlock(); }

 private:
  SpinLock& lock_;
};

struct Arena {
  SpinLock mu;
  Page* with_room[kClasses] ABSL_GUARDED_BY(mu) = {};
};

Arena* Arenas() {
  static Arena* const arenas = new Arena[kArenas];  // never freed: items may outlive backends
  return arenas;
}

std::size_t SlotSize(uint32_t size_class) { return (size_class + 1) * kGranule; }

Page* PageOf(void* memory) {
  return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(memory) & ~(kPageSize - 1));
}

// A page-aligned page: map twice its size, then unmap the misaligned ends.
Page* MapPage() {
  void* mapped =
      mmap(nullptr, 2 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(mapped);
  const uintptr_t aligned = (start + kPageSize - 1) & ~(kPageSize - 1);
  if (aligned > start) munmap(mapped, aligned - start);
  const uintptr_t tail = aligned + kPageSize;
  const uintptr_t mapped_end = start + 2 * kPageSize;
  if (mapped_end > tail) munmap(reinterpret_cast<void*>(tail), mapped_end - tail);
  pages_in_use.fetch_add(1, std::memory_order_relaxed);
  return reinterpret_cast<Page*>(aligned);
}

void UnmapPage(Page* page) {
  MEMGATE_UNPOISON(page, kPageSize);
  munmap(page, kPageSize);
  pages_in_use.fetch_sub(1, std::memory_order_relaxed);
}

void List(Arena& arena, Page* page) ABSL_EXCLUSIVE_LOCKS_REQUIRED(arena.mu) {
  Page*& head = arena.with_room[page->size_class];
  page->prev = nullptr;
  page->next = head;
  if (head != nullptr) head->prev = page;
  head = page;
  page->listed = true;
}

void Unlist(Arena& arena, Page* page) ABSL_EXCLUSIVE_LOCKS_REQUIRED(arena.mu) {
  if (page->prev != nullptr) {
    page->prev->next = page->next;
  } else {
    arena.with_room[page->size_class] = page->next;
  }
  if (page->next != nullptr) page->next->prev = page->prev;
  page->prev = page->next = nullptr;
  page->listed = false;
}

bool HasRoom(const Page& page) {
  return page.free != nullptr || page.unused + SlotSize(page.size_class) <= page.end;
}

}  // namespace

void* ItemAllocator::Allocate(std::size_t size, std::size_t spread) {
  if (size > kMaxSlabSize) return ::operator new(size);
  const auto size_class = static_cast<uint32_t>((size + kGranule - 1) / kGranule - 1);
  const std::size_t slot_size = SlotSize(size_class);
  Arena& arena = Arenas()[spread % kArenas];
  SpinLockHolder lock(arena.mu);
  Page* page = arena.with_room[size_class];
  if (page == nullptr) {
    page = MapPage();
    *page = Page{.arena = &arena,
                 .unused = reinterpret_cast<char*>(page) + kHeaderSize,
                 .end = reinterpret_cast<char*>(page) + kPageSize,
                 .size_class = size_class};
    MEMGATE_POISON(page->unused, kPageSize - kHeaderSize);
    List(arena, page);
  }
  void* slot;
  if (page->free != nullptr) {
    slot = page->free;
    MEMGATE_UNPOISON(slot, slot_size);
    page->free = page->free->next;
  } else {
    slot = page->unused;
    page->unused += slot_size;
    MEMGATE_UNPOISON(slot, slot_size);
  }
  ++page->live;
  if (!HasRoom(*page)) Unlist(arena, page);
  return slot;
}

void ItemAllocator::Free(void* memory, std::size_t size) {
  if (size > kMaxSlabSize) {
    ::operator delete(memory);
    return;
  }
  Page* page = PageOf(memory);
  Arena& arena = *page->arena;
  SpinLockHolder lock(arena.mu);
  --page->live;
  const bool only_page_with_room = page->listed && page->prev == nullptr && page->next == nullptr;
  if (page->live == 0 && !only_page_with_room) {
    if (page->listed) Unlist(arena, page);
    UnmapPage(page);
    return;
  }
  auto* slot = static_cast<FreeSlot*>(memory);
  slot->next = page->free;
  page->free = slot;
  MEMGATE_POISON(memory, SlotSize(page->size_class));
  if (!page->listed) List(arena, page);
}

std::size_t ItemAllocator::PagesInUse() { return pages_in_use.load(std::memory_order_relaxed); }

}  // namespace memgate::backends::memory_internal
