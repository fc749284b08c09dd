// The default backend: an in-process, sharded memcached-compatible cache with
// a memory limit, per-shard LRU eviction, lazy expiry and a background
// sweeper. Every call completes inline.
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
#include "server/protocol/limits.h"

namespace memgate::backends {

namespace memory_internal {
struct Item;
struct Shard;
}  // namespace memory_internal

struct MemoryBackendOptions {
  // Not owned; must outlive the backend.
  const Clock* clock = &SystemClock::Instance();
  // -m: total bytes the items may use (keys, values and a fixed per-item
  // overhead estimate). memcached's default is 64 MB.
  uint64_t memory_limit_bytes = uint64_t{64} << 20;
  // -I: largest value an item may hold; larger stores (including the result
  // of append/prepend) answer Outcome::kTooLarge.
  std::size_t max_item_size = protocol::kDefaultMaxItemSize;
  // Independent locks; keys are spread over them by hash.
  std::size_t shard_count = 64;
  // How often the sweeper thread drops expired and flushed items. Zero or
  // negative runs no sweeper (expiry is then lazy only; see SweepNow).
  absl::Duration sweep_interval = absl::Seconds(1);
};

class MemoryBackend final : public Backend {
 public:
  explicit MemoryBackend(MemoryBackendOptions options = {});
  ~MemoryBackend() override;

  MemoryBackend(const MemoryBackend&) = delete;
  MemoryBackend& operator=(const MemoryBackend&) = delete;

  std::string_view Name() const override { return "memory"; }
  bool PipelinesInOrder() const override { return true; }

  void Get(const ClientContext& client, std::span<const std::string_view> keys, bool with_cas,
           Done<GetResult> done) override;
  void GetAndTouch(const ClientContext& client, std::span<const std::string_view> keys,
                   int64_t exptime, Done<GetResult> done) override;
  void Store(const ClientContext& client, StoreMode mode, std::string_view key, uint32_t flags,
             int64_t exptime, std::string_view value, uint64_t cas,
             Done<StoreResult> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteResult> done) override;
  void Arith(const ClientContext& client, ArithOp op, std::string_view key, uint64_t delta,
             Done<ArithResult> done) override;
  void Touch(const ClientContext& client, std::string_view key, int64_t exptime,
             Done<TouchResult> done) override;
  // delay_seconds follows the exptime rule, as memcached's flush_all does:
  // up to 30 days is relative, larger is a unix time; <= 0 flushes now.
  void FlushAll(const ClientContext& client, int64_t delay_seconds,
                Done<FlushResult> done) override;

  void MetaGet(const ClientContext& client, std::string_view key, const MetaGetRequest& request,
               Done<MetaGetResult> done) override;
  void MetaStore(const ClientContext& client, std::string_view key,
                 const MetaStoreRequest& request, std::string_view value,
                 Done<StoreResult> done) override;
  void MetaDelete(const ClientContext& client, std::string_view key,
                  const MetaDeleteRequest& request, Done<DeleteResult> done) override;
  void MetaArith(const ClientContext& client, std::string_view key,
                 const MetaArithRequest& request, Done<MetaArithResult> done) override;

  BackendStats Stats() const override;

  // Drops every expired or flushed item now; returns how many. The sweeper
  // thread calls this; tests call it directly.
  std::size_t SweepNow();

  // Bytes charged for an item beyond its key and value (header, hash slot,
  // allocator rounding), so the limit tracks real memory use.
  static constexpr std::size_t kItemOverhead = 64;

 private:
  using Item = memory_internal::Item;
  using Shard = memory_internal::Shard;

  // Outcome of a store attempt, with the cas it got.
  struct StoreOutcome {
    Outcome outcome;
    uint64_t cas = 0;
  };

  // The key's shard; `table_hash` gets the key's hash for that shard's table.
  Shard& ShardFor(std::string_view key, uint32_t* table_hash);
  // `meta` (may be null) adds ms semantics: the append/prepend cas check,
  // invalidation (I) and the binary-key bit.
  StoreOutcome StoreLocked(Shard& shard, StoreMode mode, std::string_view key, uint32_t hash,
                           uint32_t flags, int64_t exptime, std::string_view value, uint64_t cas,
                           int64_t now, const MetaStoreRequest* meta = nullptr);
  // Store and MetaStore: checks the key, locks its shard and stores.
  StoreResult StoreKey(StoreMode mode, std::string_view key, uint32_t flags, int64_t exptime,
                       std::string_view value, uint64_t cas, const MetaStoreRequest* meta);
  // Makes room for `bytes` more; evicts from `shard` first, then (without
  // blocking) from the others. False when the limit cannot be met.
  bool MakeRoomLocked(Shard& shard, uint64_t bytes, int64_t now);
  // Whether the item stored at `item_time` is hidden by a flush_all at `now`.
  bool IsFlushed(uint32_t item_time, int64_t now) const;
  bool IsLive(const Item& item, int64_t now) const;
  // `key`'s item in `shard` (which the caller has locked), or null; drops it
  // when it has expired or was flushed.
  Item* LookupLocked(Shard& shard, std::string_view key, uint32_t hash, int64_t now);
  void GetImpl(std::span<const std::string_view> keys, bool touch, int64_t exptime,
               Done<GetResult> done);
  void SweeperLoop();

  const MemoryBackendOptions options_;
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
