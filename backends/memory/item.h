// One cached item of the memory backend: a single allocation holding the
// header, the key and the value, with an intrusive reference count (the
// shard's table holds one reference, every Hit handed out holds another).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "backends/memory/item_allocator.h"
#include "common/absl_compat.h"

namespace memgate::backends::memory_internal {

// Bytes charged for an item beyond its key and value (header, hash slot,
// allocator rounding), so the limit tracks real memory use.
inline constexpr std::size_t kItemOverhead = 64;

struct Item {
  std::atomic<uint32_t> refs{1};
  uint32_t flags = 0;
  uint64_t cas = 0;
  // LRU neighbours: prev is more recently used. Guarded by the shard mutex.
  Item* lru_prev = nullptr;
  Item* lru_next = nullptr;
  uint32_t expires_at = 0;  // unix seconds, 0 = never; guarded by the shard mutex
  // Unix seconds of the last access, a store counting as one (memcached's
  // it->time). flush_all drops items by it: an item is looked up, and so
  // dropped if a flush has passed, before any access moves it forward, so it
  // is before a flush exactly when the store was. Guarded by the shard mutex.
  uint32_t atime = 0;
  uint32_t value_len = 0;
  uint16_t key_len = 0;
  // Guarded by the shard mutex.
  bool fetched : 1 = false;
  bool stale : 1 = false;       // marked by md I / ms I (meta commands)
  bool token_sent : 1 = false;  // a client has been told it won the recache
  bool key_binary : 1 = false;  // stored with a base64 (b) key
  bool active : 1 = false;      // accessed since it last came to the LRU front
  // Key, then value, right after the header (not after its padding): 47
  // bytes of header, so a 13-byte key and a 100-byte value take a 160-byte
  // slab slot (see item_allocator.h). The table's hash is not kept: a rehash
  // or an erase hashes the key again, which costs less than 4 bytes an item.
  char bytes[];

  const char* data() const { return bytes; }
  char* data() { return bytes; }
  std::string_view key() const { return {data(), key_len}; }
  std::string_view value() const { return {data() + key_len, value_len}; }
  uint64_t charge() const { return ChargeFor(key_len, value_len); }

  // Large items are charged their allocator rounding too (up to an eighth of
  // their size), so the limit bounds the memory they really take.
  static uint64_t ChargeFor(std::size_t key_len, std::size_t value_len) {
    const std::size_t size = offsetof(Item, bytes) + key_len + value_len;
    return uint64_t{key_len} + value_len + kItemOverhead + ItemAllocator::AllocatedSize(size) -
           size;
  }

  // A new item holding `key` (whose table hash is `hash`) and the
  // concatenation of `first` and `second`.
  static Item* Create(std::string_view key, uint32_t hash, std::string_view first,
                      std::string_view second) {
    void* memory = ItemAllocator::Allocate(
        offsetof(Item, bytes) + key.size() + first.size() + second.size(), hash);
    Item* item = new (memory) Item();
    item->key_len = static_cast<uint16_t>(key.size());
    item->value_len = static_cast<uint32_t>(first.size() + second.size());
    char* out = item->data();
    out = std::copy(key.begin(), key.end(), out);
    out = std::copy(first.begin(), first.end(), out);
    std::copy(second.begin(), second.end(), out);
    return item;
  }

  void Ref() { refs.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      const std::size_t size = offsetof(Item, bytes) + key_len + value_len;
      this->~Item();
      ItemAllocator::Free(this, size);
    }
  }
};

// abseil's string hash of a key: the low 32 bits are its shard table's
// hash, the high ones pick the shard (see MemoryBackend::ShardFor).
inline uint64_t KeyHashOf(std::string_view key) {
  return absl::Hash<absl::string_view>{}(ToAbsl(key));
}

// A key with its table hash, computed once per call (ShardFor).
struct HashedKey {
  std::string_view key;
  uint32_t hash;
};

// A stored item with its table hash, to erase it without hashing its key
// again.
struct HashedItem {
  const Item* item;
  uint32_t hash;
};

struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(const HashedKey& key) const { return key.hash; }
  std::size_t operator()(const HashedItem& item) const { return item.hash; }
  std::size_t operator()(const Item* item) const {
    return static_cast<uint32_t>(KeyHashOf(item->key()));
  }
};

struct KeyEq {
  using is_transparent = void;
  bool operator()(const Item* a, const Item* b) const { return a == b || a->key() == b->key(); }
  bool operator()(const Item* a, const HashedKey& b) const { return a->key() == b.key; }
  bool operator()(const HashedKey& a, const Item* b) const { return a.key == b->key(); }
  bool operator()(const Item* a, const HashedItem& b) const { return a == b.item; }
  bool operator()(const HashedItem& a, const Item* b) const { return a.item == b; }
};

}  // namespace memgate::backends::memory_internal
