// Turns any SimpleStore (the seed's plain find/get/set/delete handler set)
// into a full Backend: the layer keeps memcached's metadata (flags, expiry,
// cas) in a side table and builds the composite commands from the store's
// primitives, as Memcached::Server does. In pass-through mode (`no_extra`)
// it keeps no metadata at all, which is the seed's no_extra behaviour.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "backends/backend.h"
#include "backends/clock.h"
#include "backends/simple_store.h"
#include "server/protocol/limits.h"

namespace memgate::backends {

struct MetadataLayerOptions {
  // Not owned; must outlive the layer.
  const Clock* clock = &SystemClock::Instance();
  // Pass-through: cas always succeeds, nothing expires, flags are always 0,
  // and a get returns whatever the store says exists.
  bool no_extra = false;
  // Largest value append/prepend may build (-I).
  std::size_t max_item_size = protocol::kDefaultMaxItemSize;
  // Locks over the side table.
  std::size_t shard_count = 64;
};

// Composite commands are find-then-set or get-then-set on the store, so they
// are atomic only against other clients of this layer that touch other keys;
// that is the seed's model. The layer must outlive every call it has not yet
// completed.
class MetadataLayer final : public Backend {
 public:
  // `store` is not owned and must outlive the layer.
  MetadataLayer(SimpleStore& store, MetadataLayerOptions options = {});
  MetadataLayer(std::unique_ptr<SimpleStore> store, MetadataLayerOptions options = {});
  ~MetadataLayer() override;

  MetadataLayer(const MetadataLayer&) = delete;
  MetadataLayer& operator=(const MetadataLayer&) = delete;

  std::string_view Name() const override { return store_.Name(); }
  // Chains of store calls complete later; the server waits for each.
  bool PipelinesInOrder() const override { return false; }

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
  // A delay (exptime rule, as memcached) postpones the store's FlushAll until
  // the first call at or after that time; calls wait for it to finish.
  void FlushAll(const ClientContext& client, int64_t delay_seconds,
                Done<FlushResult> done) override;
  void ClientOpened(const ClientContext& client) override;
  void ClientClosed(const ClientContext& client) override;

  // Meta commands keep their per-item state (last access, fetched, stale,
  // win token, binary key) in the side table; in pass-through mode there is
  // none, so they answer Outcome::kUnsupported.
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

  // Keys with metadata in the side table (for tests and stats).
  std::size_t MetadataSize() const;

 private:
  struct Meta {
    uint32_t flags = 0;
    int64_t expires_at = 0;  // AbsoluteExpiry; 0 = never
    uint64_t cas = 0;
    // Meta-command state; a plain store resets it.
    int64_t atime = 0;  // last access, unix seconds (0: unknown, read as the store time)
    bool fetched = false;
    bool stale = false;
    bool token_sent = false;
    bool key_binary = false;
  };
  struct MetaShard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Meta> table ABSL_GUARDED_BY(mu);
  };
  using Op = absl::AnyInvocable<void() &&>;

  // Runs `op` now, or after a flush_all in progress (or now due) completes.
  void Run(const ClientContext& client, Op op);
  void StartFlushLocked(const ClientContext& client, Done<FlushResult> done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(flush_mu_);

  MetaShard& ShardFor(std::string_view key);
  std::optional<Meta> FindMeta(std::string_view key);
  void PutMeta(std::string_view key, const Meta& meta);
  void EraseMeta(std::string_view key);
  // The key's metadata, creating the seed's default (flags 0, no expiry,
  // fresh cas) for data the store had before this layer saw it.
  Meta MetaOrDefault(std::string_view key);
  // True (and the metadata dropped) when the key has expired at `now`; the
  // caller then deletes it from the store.
  bool DropIfExpired(std::string_view key, int64_t now);
  // Runs fn(meta) on the key's metadata (created as MetaOrDefault does)
  // under the shard lock; returns the result.
  template <typename Fn>
  Meta UpdateMeta(std::string_view key, Fn fn);
  void MetaGetImpl(const ClientContext& client, std::string key, MetaGetRequest request,
                   Done<MetaGetResult> done);
  void MetaStoreImpl(const ClientContext& client, std::string key, MetaStoreRequest request,
                     std::string value, Done<StoreResult> done);
  void MetaArithImpl(const ClientContext& client, std::string key, MetaArithRequest request,
                     Done<MetaArithResult> done);
  uint64_t NextCas() { return next_cas_.fetch_add(1, std::memory_order_relaxed) + 1; }

  // Deletes `key` from the store when it has expired, then runs `then`.
  void ExpireThen(const ClientContext& client, const std::string& key, Op then);
  void GetImpl(const ClientContext& client, std::vector<std::string> keys,
               std::optional<int64_t> touch_exptime, Done<GetResult> done);
  void StoreImpl(const ClientContext& client, StoreMode mode, std::string key, uint32_t flags,
                 int64_t exptime, std::string value, uint64_t cas, Done<StoreResult> done);
  // Set on the store and, when it succeeds, record the metadata.
  void SetAndRecord(const ClientContext& client, std::string key, uint32_t flags,
                    int64_t expires_at, int64_t store_exptime, std::string value,
                    Done<StoreResult> done);
  void ArithImpl(const ClientContext& client, ArithOp op, std::string key, uint64_t delta,
                 Done<ArithResult> done);
  void TouchImpl(const ClientContext& client, std::string key, int64_t exptime,
                 Done<TouchResult> done);
  void DeleteImpl(const ClientContext& client, std::string key, Done<DeleteResult> done);

  std::unique_ptr<SimpleStore> owned_store_;
  SimpleStore& store_;
  const MetadataLayerOptions options_;
  std::vector<std::unique_ptr<MetaShard>> shards_;
  std::atomic<uint64_t> next_cas_{0};

  absl::Mutex flush_mu_;
  int64_t flush_at_ ABSL_GUARDED_BY(flush_mu_) = 0;  // pending delayed flush, 0 = none
  bool flushing_ ABSL_GUARDED_BY(flush_mu_) = false;
  std::vector<Op> waiting_ ABSL_GUARDED_BY(flush_mu_);
};

}  // namespace memgate::backends
