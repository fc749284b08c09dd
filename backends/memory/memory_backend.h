// The default backend: an in-process, sharded memcached-compatible cache with
// a memory limit, LRU eviction over all shards, lazy expiry and a background
// sweeper. Every call completes inline, so it keeps every client's order.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/backend.h"
#include "backends/clock.h"
#include "backends/memory/item.h"
#include "backends/memory/shard.h"
#include "common/item_limits.h"

namespace memgate::backends {

// What the cache counts: the item stats every backend reports.
using MemoryStats = ItemStats;

struct MemoryBackendOptions {
  // Not owned; must outlive the backend.
  const Clock* clock = &SystemClock::Instance();
  // -m: total bytes the items may use (keys, values and a fixed per-item
  // overhead estimate). memcached's default is 64 MB.
  uint64_t memory_limit_bytes = uint64_t{64} << 20;
  // -I: largest value an item may hold; larger stores (including the result
  // of append/prepend) answer Outcome::kTooLarge.
  std::size_t max_item_size = kDefaultMaxItemSize;
  // Independent locks; keys are spread over them by hash.
  std::size_t shard_count = 64;
  // How often the sweeper thread drops expired and flushed items. Zero or
  // negative runs no sweeper (expiry is then lazy only; see SweepNow).
  absl::Duration sweep_interval = absl::Seconds(1);
  // memcached -M: a store that finds no room answers kNoMemory instead of
  // evicting other items.
  bool evictions = true;
  // memcached -C: every item's cas is 0, so gets reports 0 and a cas compare
  // against a stored item fails, as in memcached.
  bool cas_enabled = true;
};

class MemoryBackend final : public Backend {
 public:
  explicit MemoryBackend(MemoryBackendOptions options = {});
  ~MemoryBackend() override;

  MemoryBackend(const MemoryBackend&) = delete;
  MemoryBackend& operator=(const MemoryBackend&) = delete;

  std::string_view Name() const override { return "memory"; }
  Capabilities capabilities() const override {
    return {.meta_commands = true,
            .access_state = true,
            .recache_state = true,
            .explicit_cas = true,
            .in_order = true};
  }

  void Get(const ClientContext& client, const GetRequest& request, Done<GetResult> done) override;
  void Store(const ClientContext& client, const StoreRequest& request,
             Done<StoreResult> done) override;
  void Delete(const ClientContext& client, const DeleteRequest& request,
              Done<DeleteResult> done) override;
  void Arith(const ClientContext& client, const ArithRequest& request,
             Done<ArithResult> done) override;
  void Touch(const ClientContext& client, const TouchRequest& request,
             Done<TouchResult> done) override;
  // The delay follows the exptime rule, as memcached's flush_all does: up to
  // 30 days is relative, larger is a unix time; <= 0 flushes now. A unix time
  // from before the backend started flushes nothing and cancels a pending
  // delayed flush, as memcached 1.6.18 does.
  void FlushAll(const ClientContext& client, const FlushRequest& request,
                Done<FlushResult> done) override;
  void Stats(Done<StatsResult> done) override;

  MemoryStats Counters() const;

  // Drops every expired or flushed item now; returns how many. The sweeper
  // thread calls this; tests call it directly.
  std::size_t SweepNow();

  // Bytes charged for an item beyond its key and value.
  static constexpr std::size_t kItemOverhead = memory_internal::kItemOverhead;

 private:
  // Rounds of MakeRoomLocked that may find every candidate shard busy before
  // a store gives up with kNoMemory.
  static constexpr int kMaxEvictionPasses = 100;

  using Item = memory_internal::Item;
  using Shard = memory_internal::Shard;

  // Outcome of a store attempt, with the cas it got.
  struct Stored {
    StoreOutcome outcome;
    uint64_t cas = 0;
    uint64_t value_size = 0;
  };

  // The key's shard; `table_hash` gets the key's hash for that shard's table.
  Shard& ShardFor(std::string_view key, uint32_t* table_hash);
  uint64_t NextCas() {
    return options_.cas_enabled ? next_cas_.fetch_add(1, std::memory_order_relaxed) + 1 : 0;
  }
  // A changed item's cas: the client's (meta E) when it gave one, as
  // memcached does, which leaves the counter where it was.
  uint64_t CasFor(uint64_t explicit_cas) {
    return explicit_cas != 0 && options_.cas_enabled ? explicit_cas : NextCas();
  }
  Stored StoreLocked(Shard& shard, const StoreRequest& request, uint32_t hash, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Adds `bytes` to bytes_ if that stays within the limit.
  bool TryReserve(uint64_t bytes);
  // Evicts least recently used items, from whichever shards hold them, until
  // `bytes` more fit, and reserves them in bytes_ (the caller's Insert counts
  // them as prepaid). False when the limit cannot be met.
  bool MakeRoomLocked(Shard& shard, uint64_t bytes, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Evicts from `shard` while `bytes` do not fit and its tail is older than
  // `runner_up_cas` (the next oldest shard's tail, as the scan saw it).
  void EvictOldestLocked(Shard& shard, uint64_t bytes, uint64_t runner_up_cas, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Evicts (or reclaims, when no longer live) the shard's eviction victim.
  void EvictTailLocked(Shard& shard, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Puts `item` in place of `old` (null: none) once there is room for it;
  // `old` is no eviction candidate meanwhile. When no room can be made,
  // `item` is dropped, `old` stays, and the answer is false. `hash` is
  // their key's table hash.
  bool ReplaceLocked(Shard& shard, Item* old, Item* item, uint32_t hash, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Whether the item last accessed (or stored) at `item_time` is hidden by
  // a flush_all at `now` (see Item::atime).
  bool IsFlushed(uint32_t item_time, int64_t now) const;
  bool IsLive(const Item& item, int64_t now) const;
  // `key`'s item in `shard`, or null; drops it when it has expired or was
  // flushed.
  Item* LookupLocked(Shard& shard, std::string_view key, uint32_t hash, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  void MetaGet(std::string_view key, const MetaGetFields& fields, Done<GetResult> done);
  void SweeperLoop();

  const MemoryBackendOptions options_;
  // memcached's process_started: its start less 62 seconds. flush_all takes
  // a unix time at or before it as "no flush".
  const int64_t started_at_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> next_cas_{0};
  std::atomic<uint64_t> bytes_{0};
  // flush_all with a delay: items stored before flush_at_ are invalid once
  // the clock reaches it (0 = none). When a later flush_all replaces one whose
  // time has passed, that time moves to flushed_before_ so the items it hid
  // stay hidden.
  absl::Mutex flush_mu_;  // serialises flush_all updates; readers use the atomics
  std::atomic<int64_t> flush_at_{0};
  std::atomic<int64_t> flushed_before_{0};

  absl::Mutex sweeper_mu_;
  bool stopping_ ABSL_GUARDED_BY(sweeper_mu_) = false;
  std::thread sweeper_;
};

}  // namespace memgate::backends
