// One lock's worth of the memory backend: a hash table of items, their LRU
// list and the shard's counters, all guarded by the shard's mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "backends/memory/item.h"
#include "backends/memory/table_allocator.h"

namespace memgate::backends::memory_internal {

struct Shard {
  // tail_cas when the LRU list is empty.
  static constexpr uint64_t kNoTail = std::numeric_limits<uint64_t>::max();

  absl::Mutex mu;
  absl::flat_hash_set<Item*, KeyHash, KeyEq, TableAllocator<Item*>> items ABSL_GUARDED_BY(mu);
  Item* lru_head ABSL_GUARDED_BY(mu) = nullptr;  // most recently used
  Item* lru_tail ABSL_GUARDED_BY(mu) = nullptr;  // eviction candidate
  // The LRU tail's cas, readable without the lock. Cas numbers are handed out
  // in store order across all shards, so comparing shards' tail_cas finds the
  // one holding the oldest item (see MemoryBackend::MakeRoomLocked). An
  // item with a cas the client chose (meta E) counts as stored when that
  // number says: it only changes which shard evicts first, never whether
  // room is made.
  std::atomic<uint64_t> tail_cas{kNoTail};
  // Counters for stats.
  uint64_t total_items ABSL_GUARDED_BY(mu) = 0;
  uint64_t evictions ABSL_GUARDED_BY(mu) = 0;
  uint64_t evicted_unfetched ABSL_GUARDED_BY(mu) = 0;
  uint64_t expired_unfetched ABSL_GUARDED_BY(mu) = 0;
  uint64_t reclaimed ABSL_GUARDED_BY(mu) = 0;
  uint64_t get_expired ABSL_GUARDED_BY(mu) = 0;
  uint64_t get_flushed ABSL_GUARDED_BY(mu) = 0;

  void LinkFront(Item* item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    item->lru_prev = nullptr;
    item->lru_next = lru_head;
    if (lru_head != nullptr) lru_head->lru_prev = item;
    lru_head = item;
    if (lru_tail == nullptr) {
      lru_tail = item;
      PublishTail();
    }
  }

  void Unlink(Item* item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (item->lru_prev != nullptr) {
      item->lru_prev->lru_next = item->lru_next;
    } else {
      lru_head = item->lru_next;
    }
    if (item->lru_next != nullptr) {
      item->lru_next->lru_prev = item->lru_prev;
    } else {
      lru_tail = item->lru_prev;
      PublishTail();
    }
    item->lru_prev = item->lru_next = nullptr;
  }

  void PublishTail() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    tail_cas.store(lru_tail != nullptr ? lru_tail->cas : kNoTail, std::memory_order_relaxed);
  }

  // An access only marks the item; eviction gives a marked tail item a second
  // chance at the front (see TakeEvictionVictim). Relinking on every access
  // would write to both LRU neighbours, two cache misses per hit.
  void Bump(Item* item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { item->active = true; }

  // The least recently used item that was not accessed since it last came to
  // the front; accessed items on the way move to the front, unmarked. A
  // non-live tail item (expired, flushed) is taken as it is.
  template <typename IsLiveFn>
  Item* TakeEvictionVictim(IsLiveFn is_live) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Item* item = lru_tail;
    while (item->active && is_live(*item)) {
      item->active = false;
      Unlink(item);
      LinkFront(item);
      item = lru_tail;
    }
    return item;
  }

  // Takes over the caller's reference. `prepaid` bytes of the item's charge
  // are already in `total_bytes` (reserved while room was made).
  void Insert(Item* item, std::atomic<uint64_t>& total_bytes, uint64_t prepaid = 0)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    items.insert(item);
    LinkFront(item);
    total_bytes.fetch_add(item->charge() - prepaid, std::memory_order_relaxed);
    ++total_items;
  }

  // Drops the table's reference; outstanding Hits keep the memory alive.
  void Remove(Item* item, std::atomic<uint64_t>& total_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Remove(item, static_cast<uint32_t>(KeyHashOf(item->key())), total_bytes);
  }
  // The same, for an item whose table hash the caller has.
  void Remove(Item* item, uint32_t hash, std::atomic<uint64_t>& total_bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    items.erase(HashedItem{item, hash});
    Unlink(item);
    total_bytes.fetch_sub(item->charge(), std::memory_order_relaxed);
    item->Unref();
  }

  void Clear(std::atomic<uint64_t>& total_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    uint64_t bytes = 0;
    for (Item* item : items) {
      bytes += item->charge();
      item->Unref();
    }
    items.clear();
    lru_head = lru_tail = nullptr;
    PublishTail();
    total_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  }
};

}  // namespace memgate::backends::memory_internal
