// Commands to a single Redis over each loop's lanes (see
// single_node_router.h).
#include "backends/redis/single_node_router.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/redis/codec.h"
#include "backends/redis/redis_flush.h"
#include "backends/redis/scripts.h"
#include "boost/asio/post.hpp"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;

// A url that names what `endpoint` names, without the credentials.
std::string UrlOf(const RedisEndpoint& endpoint) {
  if (endpoint.kind == RedisEndpoint::Kind::kUnix) {
    return absl::StrCat("unix://", endpoint.path,
                        endpoint.db != 0 ? absl::StrCat("?db=", endpoint.db) : "");
  }
  return absl::StrCat(endpoint.kind == RedisEndpoint::Kind::kTls ? "rediss://" : "redis://",
                      endpoint.Describe(), endpoint.db != 0 ? absl::StrCat("/", endpoint.db) : "");
}

}  // namespace

SingleNodeRouter::SingleNodeRouter(std::shared_ptr<const RedisOptions> options,
                                   std::shared_ptr<asio::ssl::context> tls)
    : options_(std::move(options)), tls_(std::move(tls)) {}

void SingleNodeRouter::Attach(const std::vector<asio::io_context*>& loops) {
  for (asio::io_context* context : loops) {
    auto loop = std::make_shared<LoopConnections>(*context);
    for (int i = 0; i < options_->connections_per_loop; ++i) {
      auto connection =
          std::make_shared<RespConnection>(*context, options_, tls_, AllScripts(), counters_);
      loop->lanes.push_back(std::make_unique<Lane>(connection));
      asio::post(*context, [connection] { connection->Start(); });
    }
    loops_.push_back(std::move(loop));
  }
  counters_->connections.store(static_cast<int64_t>(loops.size()) * options_->connections_per_loop,
                               std::memory_order_relaxed);
}

void SingleNodeRouter::Stop(bool idle) {
  for (const std::shared_ptr<LoopConnections>& loop : loops_) {
    StopOnLoop(loop->context, idle, [loop] { loop->Stop(); });
  }
}

template <typename Work>
void SingleNodeRouter::OnClientLoop(const ClientContext& client, Work work) {
  const std::shared_ptr<LoopConnections>& loop = loops_[LoopIndex(client, loops_.size())];
  if (loop->context.get_executor().running_in_this_thread()) {
    std::move(work)(loop, loop->LaneFor(client.id));
    return;
  }
  asio::post(loop->context, [loop, id = client.id, work = std::move(work)]() mutable {
    std::move(work)(loop, loop->LaneFor(id));
  });
}

void SingleNodeRouter::Send(const ClientContext& client, CommandList commands,
                            std::unique_ptr<PendingReplies> pending) {
  OnClientLoop(client, [commands = std::move(commands), pending = std::move(pending)](
                           const std::shared_ptr<LoopConnections>&, Lane* lane) mutable {
    if (lane == nullptr) {
      return PendingReplies::Finish(std::move(pending),
                                    absl::UnavailableError(std::string(kRouterStopped)));
    }
    // Sent back to back (one write).
    PendingReplies* gather = PendingReplies::Gather(std::move(pending), commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
      lane->Send(std::move(commands[i]), [gather, i](absl::StatusOr<Reply> reply) {
        PendingReplies::Add(gather, i, std::move(reply));
      });
    }
  });
}

void SingleNodeRouter::FlushAll(const ClientContext& client, int64_t delay_seconds, FlushTurn turn,
                                Backend::Done<FlushResult> done) {
  OnClientLoop(
      client, [options = options_, delay_seconds, turn = std::move(turn), done = std::move(done)](
                  const std::shared_ptr<LoopConnections>& loop, Lane* lane) mutable {
        if (lane == nullptr) {
          return std::move(done)(ErrorResult<FlushResult>(std::string(kRouterStopped)));
        }
        if (delay_seconds <= 0) {
          StartFlush(options->flush, options->prefix, loop, *lane, std::move(done));
          return;
        }
        // memcached answers at once and flushes when the time comes.
        loop->flush_timer.expires_after(std::chrono::seconds(delay_seconds));
        loop->flush_timer.async_wait([options, keep = loop, lane,
                                      turn](boost::system::error_code ec) mutable {
          // The lanes are gone once the loop's connections are stopped.
          if (ec || keep->stopped || turn.superseded()) return;
          StartFlush(options->flush, options->prefix, std::move(keep), *lane, [](FlushResult) {});
        });
        std::move(done)(FlushResult{});
      });
}

std::string SingleNodeRouter::Endpoint() const { return options_->endpoint.Describe(); }

void SingleNodeRouter::Describe(RedisBackendSnapshot& snapshot) const {
  snapshot.target = UrlOf(options_->endpoint);
  snapshot.cluster = false;
}

}  // namespace memgate::backends::redis
