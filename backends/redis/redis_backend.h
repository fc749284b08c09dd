// The Redis backend: memcached semantics over Redis (memcached mode) or
// plain Redis strings (raw mode). Each client's commands run on the client's
// own event loop, over that loop's few pipelined Redis connections; with a
// Redis Cluster (options.cluster_seeds), over that loop's connections to the
// master of each key's slot.
//
// Lifecycle: Create, then AttachLoops with the server's event loops before
// the first call, then Shutdown before those loops stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/redis/codec.h"
#include "backends/redis/command_router.h"
#include "backends/redis/redis_backend_snapshot.h"
#include "backends/redis/redis_options.h"
#include "boost/asio/io_context.hpp"

namespace memgate::backends::redis {

class RedisBackend final : public Backend {
 public:
  // Fails on options that cannot work (TLS files that do not load).
  static absl::StatusOr<std::unique_ptr<RedisBackend>> Create(RedisOptions options);
  ~RedisBackend() override;

  // Opens options.connections_per_loop connections on each loop (for a
  // cluster: to each master, when first needed, and starts reading the slot
  // map on loops[0]). A client with ClientContext::loop = i is served by
  // loops[i]; a client off the server's loops (loop -1) by loops[0]. Call
  // once, before any other call.
  void AttachLoops(std::vector<boost::asio::io_context*> loops);
  // Fails what is queued and closes every connection, on the loops, waiting
  // (briefly) for them to do it; call it while the loops run. Later calls
  // answer SERVER_ERROR. Must happen before the loops' io_contexts go.
  void Shutdown();
  // The same when no thread runs the loops (never started, or stopped):
  // does the work on the calling thread.
  void ShutdownIdle();

  // Whether at least one connection can serve now (for health reporting).
  // Thread-safe.
  bool Reachable() const;
  // Thread-safe, after AttachLoops.
  RedisBackendSnapshot Snapshot() const;

  const RedisOptions& options() const { return *options_; }

  std::string_view Name() const override { return "redis"; }
  Capabilities capabilities() const override { return codec_->capabilities(); }
  void Get(const ClientContext& client, const GetRequest& request, Done<GetResult> done) override;
  void Store(const ClientContext& client, const StoreRequest& request,
             Done<StoreResult> done) override;
  void Delete(const ClientContext& client, const DeleteRequest& request,
              Done<DeleteResult> done) override;
  void Arith(const ClientContext& client, const ArithRequest& request,
             Done<ArithResult> done) override;
  void Touch(const ClientContext& client, const TouchRequest& request,
             Done<TouchResult> done) override;
  void FlushAll(const ClientContext& client, const FlushRequest& request,
                Done<FlushResult> done) override;
  void Stats(Done<StatsResult> done) override;

 private:
  RedisBackend(std::shared_ptr<const RedisOptions> options, std::unique_ptr<CommandRouter> router);

  template <typename R>
  void Run(const ClientContext& client, Plan<R> plan, Done<R> done);

  const std::shared_ptr<const RedisOptions> options_;
  // A single Redis or a cluster, chosen once by Create.
  const std::unique_ptr<CommandRouter> router_;
  const std::unique_ptr<Codec> codec_;
  // Counts flush_all commands: a delayed flush runs only if no flush_all
  // came after it, on any loop (memcached's latest flush_all wins).
  const std::shared_ptr<std::atomic<uint64_t>> flushes_ =
      std::make_shared<std::atomic<uint64_t>>(0);
  bool shut_down_ = false;
};

}  // namespace memgate::backends::redis
