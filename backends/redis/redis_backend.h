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
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/redis/cluster_loop.h"
#include "backends/redis/cluster_topology.h"
#include "backends/redis/codec.h"
#include "backends/redis/loop_connections.h"
#include "backends/redis/redis_counters.h"
#include "backends/redis/redis_options.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"

namespace memgate::backends::redis {

// What a Redis backend is doing, at one moment (for the admin API).
struct RedisBackendSnapshot {
  std::string target;  // the --redis-url without credentials
  bool cluster = false;
  bool reachable = false;
  RedisMode mode = RedisMode::kMemcached;
  int64_t connections = 0;
  int64_t connected = 0;
  uint64_t connects = 0;
  uint64_t reconnects = 0;
  uint64_t commands = 0;
  uint64_t errors = 0;
  uint64_t timeouts = 0;
  // Cluster only.
  int slots_served = 0;
  std::vector<ClusterTopology::NodeStats> nodes;
};

class RedisBackend final : public Backend {
 public:
  // Fails on options that cannot work (TLS files that do not load).
  static absl::StatusOr<std::unique_ptr<RedisBackend>> Create(RedisOptions options);
  ~RedisBackend() override;

  // Opens options.connections_per_loop connections on each loop (for a
  // cluster: to each master, when first needed, and starts reading the slot
  // map on loops[0]). A client
  // with ClientContext::loop = i is served by loops[i]; a client off the
  // server's loops (loop -1) by loops[0]. Call once, before any other call.
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
  RedisBackend(std::shared_ptr<const RedisOptions> options,
               std::shared_ptr<boost::asio::ssl::context> tls);

  // Runs work(loop, lane) on the client's loop with the client's lane
  // (nullptr once shut down): inline when called there, posted otherwise.
  // There must be loops.
  template <typename Work>
  void OnClientLoop(const ClientContext& client, Work work);
  // The same for a cluster backend, with the client's loop's router.
  void OnClusterLoop(const ClientContext& client,
                     absl::AnyInvocable<void(const std::shared_ptr<ClusterLoop>&) &&> work);
  std::size_t LoopIndex(const ClientContext& client) const;
  bool attached() const { return !loops_.empty() || !cluster_loops_.empty(); }
  // Runs each loop's stop on that loop (or here, when it does not run).
  void StopLoops(bool idle);
  template <typename R>
  void Run(const ClientContext& client, Plan<R> plan, Done<R> done);

  const std::shared_ptr<const RedisOptions> options_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  const std::unique_ptr<Codec> codec_;
  const std::shared_ptr<RedisCounters> counters_;
  // Counts flush_all commands: a delayed flush runs only if no flush_all
  // came after it, on any loop (memcached's latest flush_all wins).
  const std::shared_ptr<std::atomic<uint64_t>> flushes_ =
      std::make_shared<std::atomic<uint64_t>>(0);
  // Written once by AttachLoops, read-only afterwards. Shared with handlers
  // queued on the loops.
  std::vector<std::shared_ptr<LoopConnections>> loops_;
  // Instead of loops_ for a cluster; written once by AttachLoops too.
  std::shared_ptr<ClusterTopology> topology_;
  std::vector<std::shared_ptr<ClusterLoop>> cluster_loops_;
  bool shut_down_ = false;
};

}  // namespace memgate::backends::redis
