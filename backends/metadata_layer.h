// Turns any SimpleStore (the seed's plain find/get/set/delete handler set)
// into a full Backend: the layer keeps memcached's metadata (flags, expiry,
// cas, the meta commands' item state) in a side table and builds the
// composite commands from the store's primitives, as Memcached::Server does.
// In pass-through mode (`no_extra`) it keeps no metadata at all, which is the
// seed's no_extra behaviour.
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
#include "backends/key_gate.h"
#include "backends/meta_item.h"
#include "backends/simple_store.h"
#include "common/item_limits.h"

namespace memgate::backends {

struct MetadataLayerOptions {
  // Not owned; must outlive the layer.
  const Clock* clock = &SystemClock::Instance();
  // Pass-through: cas always succeeds, nothing expires, flags are always 0,
  // and a get returns whatever the store says exists.
  bool no_extra = false;
  // Largest value append/prepend may build (-I).
  std::size_t max_item_size = kDefaultMaxItemSize;
  // Locks over the side table and over the key queues.
  std::size_t shard_count = 64;
};

// Pipelines: each command enters a KeyGate on its keys when it is called, so
// commands on different keys are in flight together while one key's commands
// take effect in call order (plain gets of one key run together) and
// flush_all is a barrier. Composite commands are find-then-set or
// get-then-set on the store; the gate makes them atomic against every other
// command through this layer. The layer must outlive every call it has not
// yet completed.
class MetadataLayer final : public Backend {
 public:
  // `store` is not owned and must outlive the layer.
  MetadataLayer(SimpleStore& store, MetadataLayerOptions options = {});
  MetadataLayer(std::unique_ptr<SimpleStore> store, MetadataLayerOptions options = {});
  ~MetadataLayer() override;

  MetadataLayer(const MetadataLayer&) = delete;
  MetadataLayer& operator=(const MetadataLayer&) = delete;

  std::string_view Name() const override { return store_.Name(); }
  // Meta commands need the side table, which pass-through mode has not.
  Capabilities capabilities() const override;

  void Get(const ClientContext& client, const GetRequest& request, Done<GetResult> done) override;
  void Store(const ClientContext& client, const StoreRequest& request,
             Done<StoreResult> done) override;
  void Delete(const ClientContext& client, const DeleteRequest& request,
              Done<DeleteResult> done) override;
  void Arith(const ClientContext& client, const ArithRequest& request,
             Done<ArithResult> done) override;
  void Touch(const ClientContext& client, const TouchRequest& request,
             Done<TouchResult> done) override;
  // A delay (exptime rule, as memcached) postpones the store's FlushAll until
  // the first call at or after that time, which waits for it.
  void FlushAll(const ClientContext& client, const FlushRequest& request,
                Done<FlushResult> done) override;
  void ClientOpened(const ClientContext& client, Done<OpenResult> done) override;
  void ClientClosed(const ClientContext& client) override;
  void Stats(Done<StatsResult> done) override;

  // Keys with metadata in the side table (for tests and stats).
  std::size_t MetadataSize() const;

 private:
  // One command in flight and its steps (metadata_layer.cc).
  class Call;
  template <typename Result>
  class Answering;
  class GetCall;
  class StoreCall;
  class DeleteCall;
  class ArithCall;
  class TouchCall;
  class FlushCall;

  struct ItemMeta {
    uint32_t flags = 0;
    uint64_t cas = 0;
    MetaItemState state;
  };
  // A write the store failed, which it may have applied all the same (a
  // deadline): the next read of the key settles which metadata is the key's.
  struct PendingWrite {
    uint64_t digest = 0;  // of the value written
    uint32_t flags = 0;
    MetaItemState state;
  };
  struct MetaEntry {
    ItemMeta meta;
    std::optional<PendingWrite> pending;
  };
  struct MetaShard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, MetaEntry> table ABSL_GUARDED_BY(mu);
  };

  // Enters `call` into the gate, first starting a delayed flush_all that is
  // due.
  void Start(const ClientContext& client, std::span<const std::string_view> keys,
             KeyGate::Mode mode, Call* call);
  void StartFlush(const ClientContext& client, Done<FlushResult> done);

  MetaShard& ShardFor(std::string_view key);
  void PutMeta(std::string_view key, const ItemMeta& meta);
  void EraseMeta(std::string_view key);
  // The key's metadata, creating the seed's default (flags 0, no expiry,
  // fresh cas, accessed now) for data the store had before this layer saw it.
  ItemMeta MetaOrDefault(std::string_view key, int64_t now);
  MetaEntry& EntryOrDefault(MetaShard& shard, std::string_view key, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Runs fn(meta) on the key's metadata (created as MetaOrDefault does)
  // under the shard lock and returns the result.
  template <typename Fn>
  ItemMeta UpdateMeta(std::string_view key, int64_t now, Fn fn);
  bool Expired(std::string_view key, int64_t now);
  // After a failed write of `record` (flags and state) with value `digest`:
  // the key's metadata stays, and the write is pending until the next read.
  void PutPending(std::string_view key, uint64_t digest, const ItemMeta& record, int64_t now);
  bool HasPending(std::string_view key);
  // A read of the key found `value`: a pending write whose value it is takes
  // effect (fresh cas), otherwise the metadata stays; a miss drops the key's
  // metadata, as the store holds no item for it. The write is no longer
  // pending either way.
  void SettlePending(std::string_view key, const std::optional<std::string>& value);
  // After the store deleted an expired key: its metadata goes too.
  void EraseIfExpired(std::string_view key, int64_t now);
  void ClearMeta();
  uint64_t NextCas() { return next_cas_.fetch_add(1, std::memory_order_relaxed) + 1; }
  int64_t Now() const { return options_.clock->Now(); }

  std::unique_ptr<SimpleStore> owned_store_;
  SimpleStore& store_;
  const MetadataLayerOptions options_;
  std::vector<std::unique_ptr<MetaShard>> shards_;
  std::atomic<uint64_t> next_cas_{0};
  KeyGate gate_;
  // When a delayed flush_all is due (unix seconds), 0 = none.
  std::atomic<int64_t> flush_at_{0};
};

}  // namespace memgate::backends
