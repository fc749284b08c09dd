// The in-process memcached-compatible cache (see memory_backend.h).
//
// A get hands out references to items (backends/memory/item.h), never
// copies. Items are immutable once published except for fields only the
// shard lock guards (LRU links, expiry, access and meta state); append and
// incr build a new item and swap it in.
#include "backends/memory/memory_backend.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <new>
#include <thread>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/inlined_vector.h"
#include "backends/arith.h"
#include "backends/expiry.h"
#include "backends/memory/item_allocator.h"
#include "backends/meta_item.h"

namespace memgate::backends {

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

// memcached's ITEM_UPDATE_INTERVAL + 2: how far before its start memcached
// places process_started.
constexpr int64_t kStartedBefore = 62;

MemoryBackend::MemoryBackend(MemoryBackendOptions options)
    : options_(options), started_at_(options_.clock->Now() - kStartedBefore) {
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
  // table gets the low 32 bits; the shard comes from the high ones.
  const uint64_t h = memory_internal::KeyHashOf(key);
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
  return !IsExpired(item.expires_at, now) && !IsFlushed(item.atime, now);
}

// Finds `key` in `shard`, dropping it (and counting why) when it has expired
// or was flushed. The caller holds shard.mu.
Item* MemoryBackend::LookupLocked(Shard& shard, std::string_view key, uint32_t hash, int64_t now) {
  auto it = shard.items.find(HashedKey{key, hash});
  if (it == shard.items.end()) return nullptr;
  Item* item = *it;
  if (IsExpired(item->expires_at, now)) {
    ++shard.get_expired;
    if (!item->fetched) ++shard.expired_unfetched;
    shard.Remove(item, hash, bytes_);
    return nullptr;
  }
  if (IsFlushed(item->atime, now)) {
    ++shard.get_flushed;
    shard.Remove(item, hash, bytes_);
    return nullptr;
  }
  return item;
}

void MemoryBackend::EvictTailLocked(Shard& shard, int64_t now) {
  Item* victim = shard.TakeEvictionVictim([&](const Item& item) { return IsLive(item, now); });
  if (!IsLive(*victim, now)) {
    ++shard.reclaimed;
    if (!victim->fetched && IsExpired(victim->expires_at, now)) ++shard.expired_unfetched;
  } else {
    ++shard.evictions;
    if (!victim->fetched) ++shard.evicted_unfetched;
  }
  shard.Remove(victim, bytes_);
}

bool MemoryBackend::TryReserve(uint64_t bytes) {
  const uint64_t limit = options_.memory_limit_bytes;
  uint64_t used = bytes_.load(std::memory_order_relaxed);
  while (used + bytes <= limit) {
    if (bytes_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed)) return true;
  }
  return false;
}

void MemoryBackend::EvictOldestLocked(Shard& shard, uint64_t bytes, uint64_t runner_up_cas,
                                      int64_t now) {
  // One scan of the shards per eviction would cost more than the eviction;
  // while this shard's tail is still older than every other shard's, it goes
  // on paying. The scan read the tail without the lock: another thread may
  // have evicted it since, or emptied the shard, so the tail is checked
  // again here and a newer one is left for the next scan.
  const uint64_t limit = options_.memory_limit_bytes;
  while (shard.lru_tail != nullptr && shard.lru_tail->cas <= runner_up_cas) {
    EvictTailLocked(shard, now);
    if (bytes_.load(std::memory_order_relaxed) + bytes <= limit) return;
  }
}

bool MemoryBackend::MakeRoomLocked(Shard& shard, uint64_t bytes, int64_t now) {
  // One LRU over the whole cache, approximated: the victim is the LRU tail of
  // the shard whose tail has the smallest cas, i.e. was stored first. Other
  // shards are only tried (a shard is locked here already, so waiting could
  // deadlock with a thread evicting the other way); a busy one is passed over
  // for the next oldest, which is nearly as old.
  if (!options_.evictions) return TryReserve(bytes);  // -M: a full cache refuses
  absl::InlinedVector<const Shard*, 8> busy;
  int passes = 0;
  while (!TryReserve(bytes)) {
    Shard* oldest = nullptr;
    uint64_t oldest_cas = Shard::kNoTail;
    uint64_t runner_up_cas = Shard::kNoTail;
    for (const auto& candidate : shards_) {
      const uint64_t tail = candidate->tail_cas.load(std::memory_order_relaxed);
      if (tail == Shard::kNoTail || absl::c_linear_search(busy, candidate.get())) continue;
      if (tail < oldest_cas) {
        runner_up_cas = oldest_cas;
        oldest_cas = tail;
        oldest = candidate.get();
      } else if (tail < runner_up_cas) {
        runner_up_cas = tail;
      }
    }
    if (oldest == nullptr) {
      // Everything left to evict sits in shards that other threads hold:
      // they are about to release them, or to free memory themselves.
      if (busy.empty() || ++passes > kMaxEvictionPasses) return TryReserve(bytes);
      busy.clear();
      std::this_thread::yield();
    } else if (oldest == &shard) {
      EvictOldestLocked(shard, bytes, runner_up_cas, now);
    } else if (oldest->mu.TryLock()) {
      EvictOldestLocked(*oldest, bytes, runner_up_cas, now);
      oldest->mu.Unlock();
    } else {
      busy.push_back(oldest);
    }
  }
  return true;
}

bool MemoryBackend::ReplaceLocked(Shard& shard, Item* old, Item* item, uint32_t hash, int64_t now) {
  const uint64_t needed = item->charge();
  const uint64_t freed = old != nullptr ? old->charge() : 0;
  uint64_t reserved = 0;
  if (needed > freed) {
    // The item being replaced must survive a failed attempt, so it is out of
    // the eviction order while room is made.
    if (old != nullptr) shard.Unlink(old);
    const bool room = MakeRoomLocked(shard, needed - freed, now);
    if (old != nullptr) shard.LinkFront(old);
    if (!room) {
      item->Unref();
      return false;
    }
    reserved = needed - freed;
  }
  if (old != nullptr) shard.Remove(old, hash, bytes_);
  shard.Insert(item, bytes_, reserved);
  return true;
}

namespace {

// The meta rules (backends/meta_item.h) work on this copy of an item's state.
MetaItemState StateOf(const Item& item) {
  return {.expires_at = item.expires_at,
          .atime = item.atime,
          .fetched = item.fetched,
          .stale = item.stale,
          .token_sent = item.token_sent,
          .key_binary = item.key_binary};
}

void SetState(Item& item, const MetaItemState& state) {
  item.expires_at = ToItemTime(state.expires_at);
  item.atime = ToItemTime(state.atime);
  item.fetched = state.fetched;
  item.stale = state.stale;
  item.token_sent = state.token_sent;
  item.key_binary = state.key_binary;
}

// A new item with `old`'s metadata (flags, expiry, access and meta state)
// and `value`: what incr/decr and md I put in its place. `hash` is the key's
// table hash.
Item* CopyWithValue(const Item& old, uint32_t hash, std::string_view value) {
  Item* item = Item::Create(old.key(), hash, value, {});
  item->flags = old.flags;
  item->expires_at = old.expires_at;
  item->atime = old.atime;
  item->fetched = old.fetched;
  item->stale = old.stale;
  item->token_sent = old.token_sent;
  item->key_binary = old.key_binary;
  return item;
}

}  // namespace

void MemoryBackend::Get(const ClientContext& client, const GetRequest& request,
                        Done<GetResult> done) {
  if (request.meta) return MetaGet(request.keys.front(), *request.meta, std::move(done));
  GetResult result;
  result.hits.reserve(request.keys.size());
  const int64_t now = options_.clock->Now();
  for (std::string_view key : request.keys) {
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
      const int64_t expires_at =
          request.touch_exptime ? AbsoluteExpiry(*request.touch_exptime, now) : 0;
      if (expires_at == kAlreadyExpired) {
        shard.Remove(item, hash, bytes_);  // the caller still gets this copy
      } else {
        if (request.touch_exptime) item->expires_at = ToItemTime(expires_at);
        shard.Bump(item);
      }
    }
    result.hits.push_back(Hit{item->key(), item->value(), item->flags, item->cas, OwnerOf(item)});
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::MetaGet(std::string_view key, const MetaGetFields& fields,
                            Done<GetResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(key, &hash);
  GetResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* item = LookupLocked(shard, key, hash, now);
    bool created = false;
    if (item == nullptr && fields.vivify && key.size() <= kMaxKeyLength) {
      // A stub for the client that wins the right to recache.
      Item* stub = Item::Create(key, hash, {}, {});
      stub->cas = CasFor(fields.explicit_cas);
      SetState(*stub, NewItemState(0, now, fields.key_binary));
      if (ReplaceLocked(shard, nullptr, stub, hash, now)) {
        item = stub;
        created = true;
      }
    }
    if (item != nullptr) {
      MetaItemState state = StateOf(*item);
      result.meta = ApplyMetaGet(fields, created, now, state);
      SetState(*item, state);
      if (!fields.no_bump) shard.Bump(item);
      item->Ref();
      result.hits.push_back(Hit{item->key(), item->value(), item->flags, item->cas, OwnerOf(item)});
    }
  }
  std::move(done)(std::move(result));
}

MemoryBackend::Stored MemoryBackend::StoreLocked(Shard& shard, const StoreRequest& request,
                                                 uint32_t hash, int64_t now) {
  const StoreMode mode = request.mode;
  const std::string_view key = request.key;
  const std::string_view value = request.value;
  Item* old = LookupLocked(shard, key, hash, now);

  // A set that fails leaves no stale value behind (memcached does the same).
  const auto fail_set = [&](StoreOutcome outcome) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    if (mode == StoreMode::kSet && old != nullptr) shard.Remove(old, hash, bytes_);
    return Stored{outcome};
  };
  if (value.size() > options_.max_item_size) return fail_set(StoreOutcome::kTooLarge);

  bool store_stale = false;
  switch (mode) {
    case StoreMode::kSet:
      break;
    case StoreMode::kAdd:
      if (old != nullptr) {
        shard.Bump(old);
        return {StoreOutcome::kNotStored};
      }
      break;
    case StoreMode::kReplace:
    case StoreMode::kAppend:
    case StoreMode::kPrepend:
      if (old == nullptr) return {StoreOutcome::kNotStored};
      // ms: append/prepend with a non-zero cas must match it.
      if (mode != StoreMode::kReplace && request.cas != 0 && old->cas != request.cas) {
        return {StoreOutcome::kExists};
      }
      break;
    case StoreMode::kCas:
      if (old == nullptr) return {StoreOutcome::kNotFound};
      // Without cas no stored item has a cas to match (memcached -C).
      if (!options_.cas_enabled) return {StoreOutcome::kExists};
      if (old->cas != request.cas) {
        // ms I: an older cas still stores, as a stale value.
        if (!request.invalidate || request.cas > old->cas) return {StoreOutcome::kExists};
        store_stale = true;
      }
      break;
  }

  std::string_view first = value;
  std::string_view second;
  uint32_t flags = request.flags;
  int64_t expires_at;
  if (mode == StoreMode::kAppend || mode == StoreMode::kPrepend) {
    if (uint64_t{old->value_len} + value.size() > options_.max_item_size) {
      return {StoreOutcome::kTooLarge};
    }
    flags = old->flags;
    expires_at = old->expires_at;
    first = mode == StoreMode::kAppend ? old->value() : value;
    second = mode == StoreMode::kAppend ? value : old->value();
  } else {
    expires_at = AbsoluteExpiry(request.exptime, now);
  }
  if (store_stale) expires_at = old->expires_at;  // memcached keeps the TTL

  const uint64_t new_cas = CasFor(request.explicit_cas);
  const uint64_t value_size = first.size() + second.size();
  if (expires_at == kAlreadyExpired) {
    // Stored and immediately invisible: what was there is gone.
    if (old != nullptr) shard.Remove(old, hash, bytes_);
    return {StoreOutcome::kStored, new_cas, value_size};
  }
  const uint64_t charge = Item::ChargeFor(key.size(), first.size() + second.size());
  if (charge > options_.memory_limit_bytes) return fail_set(StoreOutcome::kNoMemory);

  Item* item = Item::Create(key, hash, first, second);  // before `old` goes: it may be a part
  item->flags = flags;
  item->cas = new_cas;
  SetState(*item, store_stale ? StaleReplacement(StateOf(*old), now, request.key_binary)
                              : NewItemState(expires_at, now, request.key_binary));
  if (!ReplaceLocked(shard, old, item, hash, now)) return fail_set(StoreOutcome::kNoMemory);
  return {StoreOutcome::kStored, new_cas, value_size};
}

void MemoryBackend::Store(const ClientContext& client, const StoreRequest& request,
                          Done<StoreResult> done) {
  StoreResult result;
  if (request.key.size() > kMaxKeyLength) {
    result.outcome = StoreOutcome::kError;
    result.error.message = "key too long";
    std::move(done)(std::move(result));
    return;
  }
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(request.key, &hash);
  Stored stored;
  {
    absl::MutexLock lock(&shard.mu);
    stored = StoreLocked(shard, request, hash, now);
  }
  result.outcome = stored.outcome;
  result.cas = stored.cas;
  result.value_size = stored.value_size;
  std::move(done)(std::move(result));
}

void MemoryBackend::Delete(const ClientContext& client, const DeleteRequest& request,
                           Done<DeleteResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(request.key, &hash);
  DeleteResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* item = LookupLocked(shard, request.key, hash, now);
    if (item == nullptr) {
      result.outcome = DeleteOutcome::kNotFound;
    } else if (request.compare_cas && item->cas != *request.compare_cas) {
      result.outcome = DeleteOutcome::kExists;
    } else if (request.invalidate) {
      // Stale, with a new cas (a copy: Hits read the cas without the lock),
      // and open for a new recache winner.
      Item* copy = CopyWithValue(*item, hash, item->value());
      copy->cas = CasFor(request.explicit_cas);
      MetaItemState state = StateOf(*copy);
      Invalidate(request.ttl, now, state);
      SetState(*copy, state);
      shard.Remove(item, hash, bytes_);
      shard.Insert(copy, bytes_);
      --shard.total_items;  // the same item, not a new one
      result.outcome = DeleteOutcome::kDeleted;
    } else {
      shard.Remove(item, hash, bytes_);
      result.outcome = DeleteOutcome::kDeleted;
    }
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::Arith(const ClientContext& client, const ArithRequest& request,
                          Done<ArithResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(request.key, &hash);
  ArithResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* old = LookupLocked(shard, request.key, hash, now);
    Item* item = nullptr;
    bool created = false;
    std::optional<uint64_t> current;
    if (old == nullptr) {
      if (!request.vivify) {
        result.outcome = ArithOutcome::kNotFound;
      } else {
        item = Item::Create(request.key, hash, FormatArithValue(request.initial, 0), {});
        item->atime = ToItemTime(now);
        result.value = request.initial;
        created = true;
      }
    } else if (request.compare_cas != 0 && old->cas != request.compare_cas) {
      result.outcome = ArithOutcome::kExists;
    } else if (!(current = ParseArithValue(old->value()))) {
      result.outcome = ArithOutcome::kNonNumeric;
    } else {
      result.value = ApplyArith(request.op, *current, request.delta);
      // memcached rewrites in place when the number still fits, keeping the
      // item's length (space padded).
      item = CopyWithValue(*old, hash, FormatArithValue(result.value, old->value_len));
    }
    if (item != nullptr) {
      item->cas = CasFor(request.explicit_cas);
      int64_t expires_at = item->expires_at;
      result.ttl = ApplyArithSteps(request, created, now, expires_at);
      item->expires_at = ToItemTime(expires_at);
      result.cas = item->cas;
      if (!ReplaceLocked(shard, old, item, hash, now)) {
        result = ArithResult{.outcome = ArithOutcome::kNoMemory};
      }
    }
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::Touch(const ClientContext& client, const TouchRequest& request,
                          Done<TouchResult> done) {
  const int64_t now = options_.clock->Now();
  uint32_t hash;
  Shard& shard = ShardFor(request.key, &hash);
  TouchResult result;
  {
    absl::MutexLock lock(&shard.mu);
    Item* item = LookupLocked(shard, request.key, hash, now);
    if (item == nullptr) {
      result.outcome = TouchOutcome::kNotFound;
    } else {
      const int64_t expires_at = AbsoluteExpiry(request.exptime, now);
      if (expires_at == kAlreadyExpired) {
        shard.Remove(item, hash, bytes_);
      } else {
        item->expires_at = ToItemTime(expires_at);
        shard.Bump(item);
      }
    }
  }
  std::move(done)(std::move(result));
}

void MemoryBackend::FlushAll(const ClientContext& client, const FlushRequest& request,
                             Done<FlushResult> done) {
  const int64_t now = options_.clock->Now();
  const int64_t delay = request.delay_seconds;
  const bool before_start = delay > kMaxRelativeExptime && delay <= started_at_;
  const int64_t at = delay <= 0 ? 0 : AbsoluteExpiry(delay, now);
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
  if (at <= 0 && !before_start) {
    for (auto& shard : shards_) {
      absl::MutexLock lock(&shard->mu);
      shard->Clear(bytes_);
    }
  }
  std::move(done)(FlushResult{});
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

MemoryStats MemoryBackend::Counters() const {
  MemoryStats stats;
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

void MemoryBackend::Stats(Done<StatsResult> done) {
  StatsResult result{.items = Counters()};
  const ItemStats& c = result.items;
  const auto add = [&result](std::string_view name, uint64_t value) {
    result.stats.push_back(Stat{std::string(name), std::to_string(value)});
  };
  add("curr_items", c.curr_items);
  add("total_items", c.total_items);
  add("bytes", c.bytes);
  add("limit_maxbytes", c.limit_maxbytes);
  add("evictions", c.evictions);
  add("evicted_unfetched", c.evicted_unfetched);
  add("expired_unfetched", c.expired_unfetched);
  add("reclaimed", c.reclaimed);
  add("get_expired", c.get_expired);
  add("get_flushed", c.get_flushed);
  std::move(done)(std::move(result));
}

}  // namespace memgate::backends
