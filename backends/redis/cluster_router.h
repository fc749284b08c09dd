// Commands to a Redis Cluster: each event loop has its ClusterLoop, which
// sends every command to the master of its key's slot, and all loops share
// one ClusterTopology, whose slot map is refreshed on the first loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "backends/redis/cluster_loop.h"
#include "backends/redis/cluster_topology.h"
#include "backends/redis/command_router.h"
#include "backends/redis/redis_options.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"

namespace memgate::backends::redis {

class ClusterRouter final : public CommandRouter {
 public:
  ClusterRouter(std::shared_ptr<const RedisOptions> options,
                std::shared_ptr<boost::asio::ssl::context> tls);

  // A GET per key: a multi-key get's keys may be on different nodes.
  bool multi_key_commands() const override { return false; }

  // Starts reading the slot map on loops[0]; connections to each master
  // open on each loop when first needed.
  void Attach(const std::vector<boost::asio::io_context*>& loops) override;
  bool attached() const override { return !loops_.empty(); }
  void Stop(bool idle) override;

  void Send(const ClientContext& client, CommandList commands,
            std::unique_ptr<PendingReplies> pending) override;
  void FlushAll(const ClientContext& client, int64_t delay_seconds, FlushTurn turn,
                Backend::Done<FlushResult> done) override;

  void AddTotals(RedisCounters& totals) const override;
  std::string Endpoint() const override;
  void Describe(RedisBackendSnapshot& snapshot) const override;
  void AddStats(StatsResult& result) const override;

 private:
  // Runs work(loop) on the client's loop: inline when called there, posted
  // otherwise.
  void OnClientLoop(const ClientContext& client,
                    absl::AnyInvocable<void(const std::shared_ptr<ClusterLoop>&) &&> work);

  const std::shared_ptr<const RedisOptions> options_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  // Written once by Attach, read-only afterwards.
  std::shared_ptr<ClusterTopology> topology_;
  std::vector<std::shared_ptr<ClusterLoop>> loops_;
};

}  // namespace memgate::backends::redis
