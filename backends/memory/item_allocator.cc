// Slab allocation for items (see item_allocator.h).
//
// A page is 1 MiB of address space, aligned to its size, with a header at
// its start: freeing finds the page by masking the address. A page holds
// slots of one size class and hands them out from its free list, then from
// the part never used (so untouched memory is never counted in RSS). Pages
// with free slots are listed per arena and class; a page whose last slot is
// freed goes back to the system unless it is its small class's only page with
// room. Small classes are spread over several arenas; large ones share one,
// so a class has at most one partly used page per arena that is not full of
// live items of the same age (items are evicted in store order). Arenas live
// for the whole process, so an item may outlive its backend.
#include "backends/memory/item_allocator.h"

#include <sys/mman.h>

#include <atomic>
#include <bit>
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
constexpr std::size_t kSmallClasses = ItemAllocator::kMaxSlabSize / kGranule;
// Large classes: eight per doubling from kMaxSlabSize to kMaxLargeSlabSize,
// so a slot wastes at most an eighth of its size.
constexpr std::size_t kLargeStepsPerDoubling = 8;
constexpr int kSmallestDoubling = std::bit_width(ItemAllocator::kMaxSlabSize) - 1;
constexpr int kLargestDoubling = std::bit_width(ItemAllocator::kMaxLargeSlabSize) - 1;
constexpr std::size_t kClasses =
    kSmallClasses + kLargeStepsPerDoubling * (kLargestDoubling - kSmallestDoubling);
constexpr std::size_t kSmallArenas = 16;
constexpr std::size_t kLargeArena = kSmallArenas;  // index of the one arena for large classes
constexpr std::size_t kSystemPage = 4096;
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
  // Never freed: items may outlive backends.
  static Arena* const arenas = new Arena[kSmallArenas + 1];
  return arenas;
}

// For sizes up to kMaxLargeSlabSize.
uint32_t ClassOf(std::size_t size) {
  if (size <= ItemAllocator::kMaxSlabSize)
    return static_cast<uint32_t>((size + kGranule - 1) / kGranule - 1);
  // size is in (2^doubling, 2^(doubling + 1)], cut into equal steps.
  const int doubling = std::bit_width(size - 1) - 1;
  const std::size_t base = std::size_t{1} << doubling;
  const std::size_t step = base / kLargeStepsPerDoubling;
  const std::size_t index = (size - base + step - 1) / step - 1;
  return static_cast<uint32_t>(kSmallClasses +
                               kLargeStepsPerDoubling * (doubling - kSmallestDoubling) + index);
}

std::size_t SlotSize(uint32_t size_class) {
  if (size_class < kSmallClasses) return (size_class + 1) * kGranule;
  const std::size_t large = size_class - kSmallClasses;
  const std::size_t base = std::size_t{1} << (kSmallestDoubling + large / kLargeStepsPerDoubling);
  return base + (large % kLargeStepsPerDoubling + 1) * (base / kLargeStepsPerDoubling);
}

std::size_t MappedSize(std::size_t size) { return (size + kSystemPage - 1) & ~(kSystemPage - 1); }

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

std::size_t ItemAllocator::AllocatedSize(std::size_t size) {
  if (size <= kMaxSlabSize) return size;
  if (size <= kMaxLargeSlabSize) return SlotSize(ClassOf(size));
  return MappedSize(size);
}

void* ItemAllocator::Allocate(std::size_t size, std::size_t spread) {
  if (size > kMaxLargeSlabSize) {
    void* mapped =
        mmap(nullptr, MappedSize(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    return mapped;
  }
  const uint32_t size_class = ClassOf(size);
  const std::size_t slot_size = SlotSize(size_class);
  Arena& arena = Arenas()[size_class < kSmallClasses ? spread % kSmallArenas : kLargeArena];
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
  if (size > kMaxLargeSlabSize) {
    munmap(memory, MappedSize(size));
    return;
  }
  Page* page = PageOf(memory);
  Arena& arena = *page->arena;
  SpinLockHolder lock(arena.mu);
  --page->live;
  // A small class keeps its last page: a class that empties and refills
  // would otherwise map and unmap a page each time. A large class does not:
  // one idle page per large class could hold tens of MiB.
  const bool keep = page->size_class < kSmallClasses && page->listed && page->prev == nullptr &&
                    page->next == nullptr;
  if (page->live == 0 && !keep) {
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
