// The in-process memcached-compatible cache (see memory_backend.h).
//
// Each item is one allocation (header, key, value) with an intrusive
// reference count: the shard's table holds one reference, every Hit handed
// out holds another, so a get never copies the value. Items are immutable
// once published except for fields only the shard lock guards (LRU links,
// expiry, the fetched bit); append/incr build a new item and swap it in.
#include "backends/memory/memory_backend.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <new>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "backends/arith.h"
#include "backends/memory/item_allocator.h"
#include "common/absl_compat.h"
#include "backends/expiry.h"

namespace memgate::backends {
namespace memory_internal {

struct Item {
  std::atomic<uint32_t> refs{1};
  uint32_t flags = 0;
  uint64_t cas = 0;
  // LRU neighbours: prev is more recently used. Guarded by the shard mutex.
  Item* lru_prev = nullptr;
  Item* lru_next = nullptr;
  uint32_t expires_at = 0;  // unix seconds, 0 = never; guarded by the shard mutex
  uint32_t time = 0;        // unix seconds when stored, for flush_all
  uint32_t atime = 0;       // unix seconds of the last access; guarded by the shard mutex
  uint32_t value_len = 0;
  uint32_t hash = 0;  // the table's hash of the key (see ShardFor)
  uint16_t key_len = 0;
  // Guarded by the shard mutex.
  bool fetched : 1 = false;
  bool stale : 1 = false;       // marked by md I / ms I (meta commands)
  bool token_sent : 1 = false;  // a client has been told it won the recache
  bool key_binary : 1 = false;  // stored with a base64 (b) key
  bool active : 1 = false;      // accessed since it last came to the LRU front
  // Key, then value, right after the header (not after its padding): 55
  // bytes of header, so a 13-byte key and a 100-byte value take a 168-byte
  // slab slot (see item_allocator.h).
  char bytes[];

  const char* data() const { return bytes; }
  char* data() { return bytes; }
  std::string_view key() const { return {data(), key_len}; }
  std::string_view value() const { return {data() + key_len, value_len}; }
  uint64_t charge() const { return uint64_t{key_len} + value_len + MemoryBackend::kItemOverhead; }

  // A new item holding `key` (whose table hash is `hash`) and the
  // concatenation of `first` and `second`.
  static Item* Create(std::string_view key, uint32_t hash, std::string_view first,
                      std::string_view second) {
    void* memory = ItemAllocator::Allocate(
        offsetof(Item, bytes) + key.size() + first.size() + second.size(), hash);
    Item* item = new (memory) Item();
    item->hash = hash;
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

// A key with its table hash, computed once per call (ShardFor).
struct HashedKey {
  std::string_view key;
  uint32_t hash;
};

struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(const HashedKey& key) const { return key.hash; }
  std::size_t operator()(const Item* item) const { return item->hash; }
};

struct KeyEq {
  using is_transparent = void;
  bool operator()(const Item* a, const Item* b) const { return a == b || a->key() == b->key(); }
  bool operator()(const Item* a, const HashedKey& b) const { return a->key() == b.key; }
  bool operator()(const HashedKey& a, const Item* b) const { return a.key == b->key(); }
};

struct Shard {
  absl::Mutex mu;
  absl::flat_hash_set<Item*, KeyHash, KeyEq> items ABSL_GUARDED_BY(mu);
  Item* lru_head ABSL_GUARDED_BY(mu) = nullptr;  // most recently used
  Item* lru_tail ABSL_GUARDED_BY(mu) = nullptr;  // eviction candidate
  uint64_t bytes ABSL_GUARDED_BY(mu) = 0;
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
    if (lru_tail == nullptr) lru_tail = item;
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
    }
    item->lru_prev = item->lru_next = nullptr;
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

  // Takes over the caller's reference.
  void Insert(Item* item, std::atomic<uint64_t>& total_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    items.insert(item);
    LinkFront(item);
    bytes += item->charge();
    total_bytes.fetch_add(item->charge(), std::memory_order_relaxed);
    ++total_items;
  }

  // Drops the table's reference; outstanding Hits keep the memory alive.
  void Remove(Item* item, std::atomic<uint64_t>& total_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    items.erase(item);
    Unlink(item);
    bytes -= item->charge();
    total_bytes.fetch_sub(item->charge(), std::memory_order_relaxed);
    item->Unref();
  }

  void Clear(std::atomic<uint64_t>& total_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (Item* item : items) item->Unref();
    items.clear();
    lru_head = lru_tail = nullptr;
    total_bytes.fetch_sub(bytes, std::memory_order_relaxed);
    bytes = 0;
  }
};

}  // namespace memory_internal

namespace {

using memory_internal::HashedKey;
using memory_internal::Item;
using memory_internal::Shard;

uint32_t ToItemTime(int64_t unix_seconds) {
  return static_cast<uint32_t>(
      std::clamp<int64_t>(unix_seconds, 0, std::numeric_limits<uint32_t>::max()));
}

// An owner for a Hit: takes over one reference to the item the caller holds.
HitOwner OwnerOf(Item* item) {
  return HitOwner::Adopt(item, [](const void* p, int delta) {
    Item* item = const_cast<Item*>(static_cast<const Item*>(p));
    if (delta > 0) {
      item->Ref();
    } else {
      item->Unref();
    }
  });
}

}  // namespace

MemoryBackend::MemoryBackend(MemoryBackendOptions options) : options_(options) {
  const std::size_t count = std::max<std::size_t>(options_.shard_count, 1);
  shards_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
  if (options_.sweep_interval > absl::ZeroDuration() &&
      options_.sweep_interval != absl::InfiniteDuration()) {
    sweeper_ = std::thread([this] { SweeperLoop(); });
  }
}

MemoryBackend::~MemoryBackend() {
  {
    absl::MutexLock lock(&sweeper_mu_);
    stopping_ = true;
  }
  if (sweeper_.joinable()) sweeper_.join();
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    shard->Clear(bytes_);
  }
}

void MemoryBackend::SweeperLoop() {
  absl::MutexLock lock(&sweeper_mu_);
  while (!stopping_) {
    sweeper_mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.sweep_interval);
    if (stopping_) break;
    sweeper_mu_.Unlock();
    SweepNow();
    sweeper_mu_.Lock();
  }
}

Shard& MemoryBackend::ShardFor(std::string_view key, uint32_t* table_hash) {
  // One hash per call: abseil's string hash (std::hash's, which
  // absl::Hash<std::string_view> falls back to, is twice the work). The
  // table gets the low 32 bits (items keep them, so a rehash or an erase
  // never hashes a key again); the shard comes from the high ones.
  const uint64_t h = absl::Hash<absl::string_view>{}(ToAbsl(key));
  *table_hash = static_cast<uint32_t>(h);
  return *shards_[(h >> 32) % shards_.size()];
}

bool MemoryBackend::IsFlushed(uint32_t item_time, int64_t now) const {
  const int64_t before = flushed_before_.load(std::memory_order_acquire);
  if (item_time < before) return true;
  const int64_t at = flush_at_.load(std::memory_order_acquire);
  return at != 0 && now >= at && item_time < at;
}

bool MemoryBackend::IsLive(const Item& item, int64_t now) const {
  return !IsExpired(item.expires_at, now) && !IsFlushed(item.time, now);
}

namespace {

}  // namespace

// Finds `key` in `shard`, dropping it (and counting why) when it has expired
// or was flushed. The caller holds shard.mu.
Item* MemoryBackend::LookupLocked(Shard& shard, std::string_view key, uint32_t hash,
                                  int64_t now) {
  auto it = shard.items.find(HashedKey{key, hash});
  if (it == shard.items.end()) return nullptr;
  Item* item = *it;
  if (IsExpired(item->expires_at, now)) {
    ++shard.get_expired;
    if (!item->fetched) ++shard.expired_unfetched;
    shard.Remove(item, bytes_);
    return nullptr;
  }
  if (IsFlushed(item->time, now)) {
    ++shard.get_flushed;
    shard.Remove(item, bytes_);
    return nullptr;
  }
  return item;
}

void MemoryBackend::GetImpl(std::span<const std::string_view> keys, bool touch, int64_t exptime,
                            Done<GetResult> done) {
  GetResult result;
  result.hits.reserve(keys.size());
  const int64_t now = options_.clock->Now();
  for (std::string_view key : keys) {
    uint32_t hash;
    Shard& shard = ShardFor(key, &hash);
    Item* item;
    {
      absl::MutexLock lock(&shard.mu);
      item = LookupLocked(shard, key, hash, now);
      if (item == nullptr) continue;
      item->fetched = true;
      item->atime = ToItemTime(now);
      item->Ref();
      if (touch) {
        const int64_t expires_at = AbsoluteExpiry(exptime, now);
        if (expires_at == kAlreadyExpired) {
          shard.Remove(item, bytes_);  // the caller still gets this copy
        } else {
          item->expires_at = ToItemTime(expires_at);
          shard.Bump(item);
        }
      } else {
        shard.Bump(item);
      }
    }
    result.hits.push_back(Hit{item->key(), item->value(), item->flags, item->cas, OwnerOf(item)});
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::Get(const ClientContext& client, std::span<const std::string_view> keys,
                        bool with_cas, Done<GetResult> done) {
  GetImpl(keys, /*touch=*/false, 0, std::move(done));
}

void MemoryBackend::GetAndTouch(const ClientContext& client, std::span<const std::string_view> keys,
                                int64_t exptime, Done<GetResult> done) {
  GetImpl(keys, /*touch=*/true, exptime, std::move(done));
}

bool MemoryBackend::MakeRoomLocked(Shard& shard, uint64_t bytes, int64_t now) {
  const uint64_t limit = options_.memory_limit_bytes;
  const auto fits = [&] { return bytes_.load(std::memory_order_relaxed) + bytes <= limit; };
  const auto evict_tail = [&](Shard& from) ABSL_EXCLUSIVE_LOCKS_REQUIRED(from.mu) {
    Item* victim = from.TakeEvictionVictim([&](const Item& item) { return IsLive(item, now); });
    if (!IsLive(*victim, now)) {
      ++from.reclaimed;
      if (!victim->fetched && IsExpired(victim->expires_at, now)) ++from.expired_unfetched;
    } else {
      ++from.evictions;
      if (!victim->fetched) ++from.evicted_unfetched;
    }
    from.Remove(victim, bytes_);
  };
  // Approximate global LRU: a shard over its fair share pays first, then the
  // others (without blocking, so two evicting shards cannot deadlock), then
  // this shard regardless of share.
  const uint64_t fair_share = limit / shards_.size();
  while (!fits() && shard.lru_tail != nullptr && shard.bytes > fair_share) evict_tail(shard);
  if (fits()) return true;
  for (auto& other : shards_) {
    if (other.get() == &shard) continue;
    if (!other->mu.TryLock()) continue;
    while (!fits() && other->lru_tail != nullptr) evict_tail(*other);
    other->mu.Unlock();
    if (fits()) return true;
  }
  while (!fits() && shard.lru_tail != nullptr) evict_tail(shard);
  return fits();
}

MemoryBackend::StoreOutcome MemoryBackend::StoreLocked(Shard& shard, StoreMode mode,
                                                       std::string_view key, uint32_t hash,
                                                       uint32_t flags,
                                                       int64_t exptime, std::string_view value,
                                                       uint64_t cas, int64_t now,
                                                       const MetaStoreRequest* meta) {
  Item* old = LookupLocked(shard, key, hash, now);

  // A set that fails leaves no stale value behind (memcached does the same).
  bool store_stale = false;
  const auto fail_set = [&](Outcome outcome) {
    if (mode == StoreMode::kSet && old != nullptr) shard.Remove(old, bytes_);
    return StoreOutcome{outcome};
  };
  if (value.size() > options_.max_item_size) return fail_set(Outcome::kTooLarge);

  switch (mode) {
    case StoreMode::kSet:
      break;
    case StoreMode::kAdd:
      if (old != nullptr) {
        shard.Bump(old);
        return {Outcome::kNotStored};
      }
      break;
    case StoreMode::kReplace:
    case StoreMode::kAppend:
    case StoreMode::kPrepend:
      if (old == nullptr) return {Outcome::kNotStored};
      // ms: append/prepend with a non-zero cas must match it.
      if (meta != nullptr && mode != StoreMode::kReplace && meta->cas != 0 &&
          old->cas != meta->cas) {
        return {Outcome::kExists};
      }
      break;
    case StoreMode::kCas:
      if (old == nullptr) return {Outcome::kNotFound};
      if (old->cas != cas) {
        // ms I: an older cas still stores, as a stale value.
        if (meta == nullptr || !meta->invalidate || cas > old->cas) return {Outcome::kExists};
        store_stale = true;
      }
      break;
  }

  std::string_view first = value;
  std::string_view second;
  int64_t expires_at;
  if (mode == StoreMode::kAppend || mode == StoreMode::kPrepend) {
    if (uint64_t{old->value_len} + value.size() > options_.max_item_size) {
      return {Outcome::kTooLarge};
    }
    flags = old->flags;
    expires_at = old->expires_at;
    first = mode == StoreMode::kAppend ? old->value() : value;
    second = mode == StoreMode::kAppend ? value : old->value();
  } else {
    expires_at = AbsoluteExpiry(exptime, now);
  }
  if (store_stale) expires_at = old->expires_at;  // memcached keeps the TTL

  const uint64_t new_cas = next_cas_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (expires_at == kAlreadyExpired) {
    // Stored and immediately invisible: what was there is gone.
    if (old != nullptr) shard.Remove(old, bytes_);
    return {Outcome::kStored, new_cas};
  }
  const uint64_t charge = key.size() + first.size() + second.size() + kItemOverhead;
  if (charge > options_.memory_limit_bytes) return fail_set(Outcome::kNoMemory);

  Item* item = Item::Create(key, hash, first, second);  // before `old` goes: it may be a part
  item->flags = flags;
  item->cas = new_cas;
  item->expires_at = ToItemTime(expires_at);
  item->time = ToItemTime(now);
  item->atime = item->time;
  if (meta != nullptr) item->key_binary = meta->key_binary;
  if (store_stale) {
    item->stale = true;
    item->token_sent = old->token_sent;
  }
  if (old != nullptr) shard.Remove(old, bytes_);
  if (!MakeRoomLocked(shard, charge, now)) {
    item->Unref();
    return {Outcome::kNoMemory};
  }
  shard.Insert(item, bytes_);
  return {Outcome::kStored, new_cas};
}

void MemoryBackend::Store(const ClientContext& client, StoreMode mode, std::string_view key,
                          uint32_t flags, int64_t exptime, std::string_view value, uint64_t cas,
                          Done<StoreResult> done) {
  std::move(done)(StoreKey(mode, key, flags, exptime, value, cas, nullptr));
}

StoreResult MemoryBackend::StoreKey(StoreMode mode, std::string_view key, uint32_t flags,
                                    int64_t exptime, std::string_view value, uint64_t cas,
                                    const MetaStoreRequest* meta) {
  StoreResult result;
  if (key.size() > protocol::kMaxKeyLength) {
    result.outcome = Outcome::kError;
    result.error.message = "key too long";
    return result;
  }
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(key, &hash);
  StoreOutcome outcome;
  {
    absl::MutexLock lock(&shard.mu);
    outcome = StoreLocked(shard, mode, key, hash, flags, exptime, value, cas, now, meta);
  }
  result.outcome = outcome.outcome;
  result.cas = outcome.cas;
  return result;
}

void MemoryBackend::Delete(const ClientContext& client, std::string_view key,
                           Done<DeleteResult> done) {
  // A plain delete is a meta delete with no cas check and no invalidation.
  MetaDelete(client, key, MetaDeleteRequest{}, std::move(done));
}

void MemoryBackend::Arith(const ClientContext& client, ArithOp op, std::string_view key,
                          uint64_t delta, Done<ArithResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(key, &hash);
  ArithResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* old = LookupLocked(shard, key, hash, now);
    std::optional<uint64_t> current;
    if (old == nullptr) {
      result.outcome = Outcome::kNotFound;
    } else if (!(current = ParseArithValue(old->value()))) {
      result.outcome = Outcome::kNonNumeric;
    } else {
      const uint64_t value = ApplyArith(op, *current, delta);
      // memcached rewrites in place when the number still fits, keeping the
      // item's length (space padded).
      const std::string text = FormatArithValue(value, old->value_len);
      Item* item = Item::Create(key, hash, text, {});
      item->flags = old->flags;
      item->expires_at = old->expires_at;
      item->time = ToItemTime(now);
      item->cas = next_cas_.fetch_add(1, std::memory_order_relaxed) + 1;
      item->fetched = old->fetched;
      item->atime = old->atime;
      item->stale = old->stale;
      item->token_sent = old->token_sent;
      item->key_binary = old->key_binary;
      shard.Remove(old, bytes_);
      if (MakeRoomLocked(shard, item->charge(), now)) {
        shard.Insert(item, bytes_);
        result.outcome = Outcome::kOk;
        result.value = value;
      } else {
        item->Unref();
        result.outcome = Outcome::kNoMemory;
      }
    }
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::Touch(const ClientContext& client, std::string_view key, int64_t exptime,
                          Done<TouchResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(key, &hash);
  TouchResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* item = LookupLocked(shard, key, hash, now);
    if (item == nullptr) {
      result.outcome = Outcome::kNotFound;
    } else {
      result.outcome = Outcome::kTouched;
      const int64_t expires_at = AbsoluteExpiry(exptime, now);
      if (expires_at == kAlreadyExpired) {
        shard.Remove(item, bytes_);
      } else {
        item->expires_at = ToItemTime(expires_at);
        shard.Bump(item);
      }
    }
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::FlushAll(const ClientContext& client, int64_t delay_seconds,
                             Done<FlushResult> done) {
  const int64_t now = options_.clock->Now();
  const int64_t at = delay_seconds <= 0 ? 0 : AbsoluteExpiry(delay_seconds, now);
  {
    absl::MutexLock lock(&flush_mu_);
    // A pending flush whose time has come stays in force.
    const int64_t pending = flush_at_.load(std::memory_order_relaxed);
    if (pending != 0 && now >= pending &&
        pending > flushed_before_.load(std::memory_order_relaxed)) {
      flushed_before_.store(pending, std::memory_order_release);
    }
    flush_at_.store(at == kAlreadyExpired ? 0 : at, std::memory_order_release);
  }
  if (at <= 0) {
    for (auto& shard : shards_) {
      absl::MutexLock lock(&shard->mu);
      shard->Clear(bytes_);
    }
  }
  std::move(done)(FlushResult{});
}

// --- meta commands ----------------------------------------------------------

namespace {

// The exptime a meta T/N token sets. An exptime that is already past
// becomes a past time, so the item reads as expired from now on.
uint32_t MetaExpiry(int64_t exptime, int64_t now) {
  const int64_t expires_at = AbsoluteExpiry(exptime, now);
  return expires_at == kAlreadyExpired ? 1 : ToItemTime(expires_at);
}

int64_t TtlLeft(uint32_t expires_at, int64_t now) {
  return expires_at == 0 ? -1 : static_cast<int64_t>(expires_at) - now;
}

}  // namespace

void MemoryBackend::MetaGet(const ClientContext& client, std::string_view key,
                            const MetaGetRequest& request, Done<MetaGetResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(key, &hash);
  MetaGetResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* item = LookupLocked(shard, key, hash, now);
    bool created = false;
    if (item == nullptr && request.vivify && key.size() <= protocol::kMaxKeyLength) {
      // A stub for the client that wins the right to recache.
      Item* stub = Item::Create(key, hash, {}, {});
      stub->cas = next_cas_.fetch_add(1, std::memory_order_relaxed) + 1;
      stub->time = stub->atime = ToItemTime(now);
      stub->key_binary = request.key_binary;
      if (MakeRoomLocked(shard, stub->charge(), now)) {
        shard.Insert(stub, bytes_);
        item = stub;
        created = true;
      } else {
        stub->Unref();
      }
    }
    if (item == nullptr) {
      result.outcome = Outcome::kNotFound;
    } else {
      result.fetched_before = item->fetched;
      result.idle_seconds = now - static_cast<int64_t>(item->atime);
      bool won = false;
      for (uint8_t i = 0; i < request.steps.count; ++i) {
        switch (request.steps.order[i]) {
          case 't':
            result.ttl = TtlLeft(item->expires_at, now);
            break;
          case 'T':
            item->expires_at = MetaExpiry(request.ttl, now);
            break;
          case 'N':
            if (created) {
              item->expires_at = MetaExpiry(request.vivify_ttl, now);
              won = true;
            }
            break;
          case 'R':
            if (!item->token_sent && !created && item->expires_at != 0 &&
                item->expires_at < MetaExpiry(request.recache_ttl, now)) {
              won = true;
            }
            break;
        }
      }
      result.token_sent = item->token_sent;
      result.stale = item->stale;
      if (item->stale && !item->token_sent) won = true;
      if (won) item->token_sent = true;
      result.won = won;
      result.key_binary = item->key_binary;
      result.exptime = item->expires_at;
      if (!request.no_bump) {
        item->fetched = true;
        item->atime = ToItemTime(now);
        shard.Bump(item);
      }
      item->Ref();
      result.hit = Hit{item->key(), item->value(), item->flags, item->cas, OwnerOf(item)};
    }
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::MetaStore(const ClientContext& client, std::string_view key,
                              const MetaStoreRequest& request, std::string_view value,
                              Done<StoreResult> done) {
  std::move(done)(StoreKey(request.mode, key, request.flags, request.exptime, value, request.cas,
                           &request));
}

void MemoryBackend::MetaDelete(const ClientContext& client, std::string_view key,
                               const MetaDeleteRequest& request, Done<DeleteResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(key, &hash);
  DeleteResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* item = LookupLocked(shard, key, hash, now);
    if (item == nullptr) {
      result.outcome = Outcome::kNotFound;
    } else if (request.has_cas && item->cas != request.cas) {
      result.outcome = Outcome::kExists;
    } else if (request.invalidate) {
      // Stale, with a new cas (a copy: Hits read the cas without the lock),
      // and open for a new recache winner.
      Item* copy = Item::Create(key, hash, item->value(), {});
      copy->flags = item->flags;
      copy->cas = next_cas_.fetch_add(1, std::memory_order_relaxed) + 1;
      copy->expires_at = request.has_ttl ? MetaExpiry(request.ttl, now) : item->expires_at;
      copy->time = item->time;
      copy->atime = item->atime;
      copy->fetched = item->fetched;
      copy->key_binary = item->key_binary;
      copy->stale = true;
      copy->token_sent = false;
      shard.Remove(item, bytes_);
      shard.Insert(copy, bytes_);
      --shard.total_items;  // the same item, not a new one
      result.outcome = Outcome::kDeleted;
    } else {
      shard.Remove(item, bytes_);
      result.outcome = Outcome::kDeleted;
    }
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::MetaArith(const ClientContext& client, std::string_view key,
                              const MetaArithRequest& request, Done<MetaArithResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(key, &hash);
  MetaArithResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* old = LookupLocked(shard, key, hash, now);
    Item* item = nullptr;
    bool created = false;
    std::optional<uint64_t> current;
    if (old == nullptr) {
      if (!request.vivify) {
        result.outcome = Outcome::kNotFound;
      } else {
        item = Item::Create(key, hash, FormatArithValue(request.initial, 0), {});
        item->time = item->atime = ToItemTime(now);
        result.value = request.initial;
        created = true;
      }
    } else if (request.cas != 0 && old->cas != request.cas) {
      result.outcome = Outcome::kExists;
    } else if (!(current = ParseArithValue(old->value()))) {
      result.outcome = Outcome::kNonNumeric;
    } else {
      result.value = ApplyArith(request.op, *current, request.delta);
      item = Item::Create(key, hash, FormatArithValue(result.value, old->value_len), {});
      item->flags = old->flags;
      item->expires_at = old->expires_at;
      item->time = ToItemTime(now);
      item->atime = old->atime;
      item->fetched = old->fetched;
      item->stale = old->stale;
      item->token_sent = old->token_sent;
      item->key_binary = old->key_binary;
      shard.Remove(old, bytes_);
    }
    if (item != nullptr) {
      item->cas = next_cas_.fetch_add(1, std::memory_order_relaxed) + 1;
      for (uint8_t i = 0; i < request.steps.count; ++i) {
        switch (request.steps.order[i]) {
          case 't':
            result.ttl = TtlLeft(item->expires_at, now);
            break;
          case 'T':
            item->expires_at = MetaExpiry(request.ttl, now);
            break;
          case 'N':
            if (created) item->expires_at = MetaExpiry(request.vivify_ttl, now);
            break;
        }
      }
      result.cas = item->cas;
      if (MakeRoomLocked(shard, item->charge(), now)) {
        shard.Insert(item, bytes_);
      } else {
        item->Unref();
        result.outcome = Outcome::kNoMemory;
      }
    }
  }
  std::move(done)(std::move(result));
}

std::size_t MemoryBackend::SweepNow() {
  const int64_t now = options_.clock->Now();
  std::size_t removed = 0;
  std::vector<Item*> dead;
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    dead.clear();
    for (Item* item : shard->items) {
      if (!IsLive(*item, now)) dead.push_back(item);
    }
    for (Item* item : dead) {
      ++shard->reclaimed;
      if (!item->fetched && IsExpired(item->expires_at, now)) ++shard->expired_unfetched;
      shard->Remove(item, bytes_);
    }
    removed += dead.size();
  }
  return removed;
}

BackendStats MemoryBackend::Stats() const {
  BackendStats stats;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    stats.curr_items += shard->items.size();
    stats.total_items += shard->total_items;
    stats.evictions += shard->evictions;
    stats.evicted_unfetched += shard->evicted_unfetched;
    stats.expired_unfetched += shard->expired_unfetched;
    stats.reclaimed += shard->reclaimed;
    stats.get_expired += shard->get_expired;
    stats.get_flushed += shard->get_flushed;
  }
  stats.bytes = bytes_.load(std::memory_order_relaxed);
  stats.limit_maxbytes = options_.memory_limit_bytes;
  return stats;
}

}  // namespace memgate::backends
