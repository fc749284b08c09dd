// Commands to a single Redis: each event loop has its few pipelined
// connections (LoopConnections), and each client is pinned to one of its
// loop's lanes, so a client's commands keep their order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backends/redis/command_router.h"
#include "backends/redis/loop_connections.h"
#include "backends/redis/redis_counters.h"
#include "backends/redis/redis_options.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"

namespace memgate::backends::redis {

class SingleNodeRouter final : public CommandRouter {
 public:
  SingleNodeRouter(std::shared_ptr<const RedisOptions> options,
                   std::shared_ptr<boost::asio::ssl::context> tls);

  // One MGET for a multi-key get.
  bool multi_key_commands() const override { return true; }

  // Opens options.connections_per_loop connections on each loop.
  void Attach(const std::vector<boost::asio::io_context*>& loops) override;
  bool attached() const override { return !loops_.empty(); }
  void Stop(bool idle) override;

  void Send(const ClientContext& client, CommandList commands,
            std::unique_ptr<PendingReplies> pending) override;
  void FlushAll(const ClientContext& client, int64_t delay_seconds, FlushTurn turn,
                Backend::Done<FlushResult> done) override;

  void AddTotals(RedisCounters& totals) const override { AddCounters(*counters_, totals); }
  std::string Endpoint() const override;
  void Describe(RedisBackendSnapshot& snapshot) const override;
  void AddStats(StatsResult& result) const override {}

 private:
  // Runs work(loop, lane) on the client's loop with the client's lane
  // (nullptr once stopped): inline when called there, posted otherwise.
  template <typename Work>
  void OnClientLoop(const ClientContext& client, Work work);

  const std::shared_ptr<const RedisOptions> options_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  const std::shared_ptr<RedisCounters> counters_ = std::make_shared<RedisCounters>();
  // Written once by Attach, read-only afterwards. Shared with handlers
  // queued on the loops.
  std::vector<std::shared_ptr<LoopConnections>> loops_;
};

}  // namespace memgate::backends::redis
