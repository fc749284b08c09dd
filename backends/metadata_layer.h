// Turns any SimpleStore (the seed's plain find/get/set/delete handler set)
// into a full Backend: the layer keeps memcached's metadata (flags, expiry,
// cas, the meta commands' item state) in a side table and builds the
// composite commands from the store's primitives, as Memcached::Server does.
// The side table is an ItemMetadata chosen once: a MetadataTable, or in
// pass-through mode (`no_extra`) none at all, which is the seed's no_extra
// behaviour.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "backends/backend.h"
#include "backends/clock.h"
#include "backends/item_metadata.h"
#include "backends/key_gate.h"
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

  // Enters `call` into the gate, first starting a delayed flush_all that is
  // due.
  void Start(const ClientContext& client, std::span<const std::string_view> keys,
             KeyGate::Mode mode, Call* call);
  void StartFlush(const ClientContext& client, Done<FlushResult> done);

  int64_t Now() const { return options_.clock->Now(); }

  std::unique_ptr<SimpleStore> owned_store_;
  SimpleStore& store_;
  const MetadataLayerOptions options_;
  const std::unique_ptr<ItemMetadata> metadata_;
  KeyGate gate_;
  // When a delayed flush_all is due (unix seconds), 0 = none.
  std::atomic<int64_t> flush_at_{0};
};

}  // namespace memgate::backends
