// Commands to a Redis Cluster through each loop's ClusterLoop (see
// cluster_router.h).
#include "backends/redis/cluster_router.h"

#include <chrono>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/redis/reply_gather.h"
#include "boost/asio/post.hpp"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;

std::vector<std::string> SeedNames(const RedisOptions& options) {
  std::vector<std::string> seeds;
  for (const RedisEndpoint& seed : options.cluster_seeds) seeds.push_back(seed.Describe());
  return seeds;
}

}  // namespace

ClusterRouter::ClusterRouter(std::shared_ptr<const RedisOptions> options,
                             std::shared_ptr<asio::ssl::context> tls)
    : options_(std::move(options)), tls_(std::move(tls)) {}

void ClusterRouter::Attach(const std::vector<asio::io_context*>& loops) {
  if (loops.empty()) return;
  topology_ = std::make_shared<ClusterTopology>(*loops[0], options_, tls_);
  for (asio::io_context* context : loops) {
    loops_.push_back(std::make_shared<ClusterLoop>(*context, topology_, tls_));
  }
  asio::post(*loops[0], [topology = topology_] { topology->Start(); });
}

void ClusterRouter::Stop(bool idle) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    // The topology refreshes on the first loop: it stops there too.
    std::shared_ptr<ClusterTopology> topology = i == 0 ? topology_ : nullptr;
    StopOnLoop(loops_[i]->context(), idle, [loop = loops_[i], topology] {
      loop->Stop();
      if (topology != nullptr) topology->Stop();
    });
  }
}

void ClusterRouter::OnClientLoop(
    const ClientContext& client,
    absl::AnyInvocable<void(const std::shared_ptr<ClusterLoop>&) &&> work) {
  const std::shared_ptr<ClusterLoop>& loop = loops_[LoopIndex(client, loops_.size())];
  if (loop->context().get_executor().running_in_this_thread()) {
    std::move(work)(loop);
    return;
  }
  asio::post(loop->context(), [loop, work = std::move(work)]() mutable { std::move(work)(loop); });
}

void ClusterRouter::Send(const ClientContext& client, CommandList commands,
                         std::unique_ptr<PendingReplies> pending) {
  auto finish = [pending = std::move(pending)](Replies replies) mutable {
    if (!replies.ok()) return PendingReplies::Finish(std::move(pending), replies.status());
    PendingReplies::Finish(std::move(pending), ReplyList(std::make_move_iterator(replies->begin()),
                                                         std::make_move_iterator(replies->end())));
  };
  std::vector<Command> list(std::make_move_iterator(commands.begin()),
                            std::make_move_iterator(commands.end()));
  OnClientLoop(client, [id = client.id, list = std::move(list), finish = std::move(finish)](
                           const std::shared_ptr<ClusterLoop>& loop) mutable {
    loop->SendAll(id, std::move(list), std::move(finish));
  });
}

void ClusterRouter::FlushAll(const ClientContext& client, int64_t delay_seconds, FlushTurn turn,
                             Backend::Done<FlushResult> done) {
  OnClientLoop(client, [options = options_, delay_seconds, id = client.id, turn = std::move(turn),
                        done = std::move(done)](const std::shared_ptr<ClusterLoop>& loop) mutable {
    if (delay_seconds <= 0) {
      return loop->FlushAll(id, options->flush, options->prefix, std::move(done));
    }
    // memcached answers at once and flushes when the time comes.
    loop->flush_timer().expires_after(std::chrono::seconds(delay_seconds));
    loop->flush_timer().async_wait([options, keep = loop, id, turn](boost::system::error_code ec) {
      if (ec || keep->stopped() || turn.superseded()) return;
      keep->FlushAll(id, options->flush, options->prefix, [](FlushResult) {});
    });
    std::move(done)(FlushResult{});
  });
}

void ClusterRouter::AddTotals(RedisCounters& totals) const {
  if (topology_ != nullptr) topology_->AddTotals(totals);
}

std::string ClusterRouter::Endpoint() const {
  return absl::StrCat("cluster:", absl::StrJoin(SeedNames(*options_), ","));
}

void ClusterRouter::Describe(RedisBackendSnapshot& snapshot) const {
  snapshot.target =
      absl::StrCat(options_->endpoint.kind == RedisEndpoint::Kind::kTls ? "rediss+cluster://"
                                                                        : "redis+cluster://",
                   absl::StrJoin(SeedNames(*options_), ","));
  snapshot.cluster = true;
  if (topology_ == nullptr) return;
  snapshot.slots_served = topology_->map()->CoveredSlots();
  snapshot.nodes = topology_->Nodes();
}

// The cluster's nodes: each master of the map with its slots, then nodes
// that were used and are no longer in it.
void ClusterRouter::AddStats(StatsResult& result) const {
  if (topology_ == nullptr) return;
  auto add = [&](std::string name, auto value) {
    result.stats.push_back(Stat{std::move(name), absl::StrCat(value)});
  };
  const ClusterTopology& topology = *topology_;
  const std::shared_ptr<const SlotMap> map = topology.map();
  add("redis_cluster_masters", map->masters.size());
  add("redis_cluster_slots_served", map->CoveredSlots());
  add("redis_cluster_refreshes", topology.refreshes.load(std::memory_order_relaxed));
  add("redis_cluster_refresh_failures", topology.refresh_failures.load(std::memory_order_relaxed));
  add("redis_cluster_moved", topology.moved.load(std::memory_order_relaxed));
  add("redis_cluster_asked", topology.asked.load(std::memory_order_relaxed));
  std::size_t i = 0;
  for (const ClusterTopology::NodeStats& node : topology.Nodes()) {
    const std::string name = absl::StrCat("redis_cluster_node_", i++, "_");
    add(name + "address", node.address);
    add(name + "slots", node.slots.empty() ? std::string("none") : node.slots);
    add(name + "connected", node.connected);
    add(name + "commands", node.commands);
    add(name + "errors", node.errors);
  }
}

}  // namespace memgate::backends::redis
