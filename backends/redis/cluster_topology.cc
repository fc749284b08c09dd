// The shared slot map and its refreshes (see cluster_topology.h).
#include "backends/redis/cluster_topology.h"

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "boost/asio/post.hpp"
#include "common/absl_compat.h"
#include "common/log.h"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;

std::string DescribeSlots(const ClusterMaster& master) {
  std::vector<std::string> ranges;
  for (const auto& [first, last] : master.slots) {
    ranges.push_back(first == last ? absl::StrCat(first) : absl::StrCat(first, "-", last));
  }
  return absl::StrJoin(ranges, ",");
}

NodeAddress AddressOf(const RedisEndpoint& endpoint) {
  return NodeAddress{endpoint.host, endpoint.port};
}

}  // namespace

// One refresh: the nodes to ask, in turn, until one answers.
struct ClusterTopology::Attempt {
  std::vector<NodeAddress> candidates;
  std::size_t next = 0;
  NodeAddress asking;
  std::string last_error;
};

ClusterTopology::ClusterTopology(asio::io_context& refresh_loop,
                                 std::shared_ptr<const RedisOptions> options,
                                 std::shared_ptr<asio::ssl::context> tls)
    : refresh_loop_(refresh_loop),
      options_(std::move(options)),
      tls_(std::move(tls)),
      refresh_counters_(std::make_shared<RedisCounters>()),
      map_(std::make_shared<const SlotMap>()),
      periodic_timer_(refresh_loop),
      rate_timer_(refresh_loop) {}

void ClusterTopology::Start() {
  Refresh();
  ArmPeriodic();
}

void ClusterTopology::Stop() {
  stopped_ = true;
  periodic_timer_.cancel();
  rate_timer_.cancel();
  std::map<std::string, std::shared_ptr<RespConnection>> connections =
      std::move(refresh_connections_);
  refresh_connections_.clear();
  for (auto& [key, connection] : connections) connection->Stop();
}

std::shared_ptr<const SlotMap> ClusterTopology::map() const {
  absl::MutexLock lock(&mu_);
  return map_;
}

void ClusterTopology::RequestRefresh() {
  if (request_posted_.exchange(true, std::memory_order_acq_rel)) return;
  asio::post(refresh_loop_, [self = shared_from_this()] {
    self->request_posted_.store(false, std::memory_order_release);
    self->MaybeRefresh();
  });
}

std::shared_ptr<const RedisOptions> ClusterTopology::NodeOptions(const NodeAddress& address) {
  const std::string key = address.Key();
  absl::MutexLock lock(&mu_);
  std::shared_ptr<const RedisOptions>& options = node_options_[key];
  if (options == nullptr) {
    auto node = std::make_shared<RedisOptions>(*options_);
    node->endpoint.host = address.host;
    node->endpoint.port = address.port;
    options = std::move(node);
  }
  return options;
}

std::shared_ptr<RedisCounters> ClusterTopology::NodeCounters(const std::string& key) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<RedisCounters>& counters = node_counters_[key];
  if (counters == nullptr) counters = std::make_shared<RedisCounters>();
  return counters;
}

namespace {

// What a node's counters say; an address without counters reads as zeros.
ClusterTopology::NodeStats StatsOf(
    const std::map<std::string, std::shared_ptr<RedisCounters>>& counters, const std::string& key) {
  ClusterTopology::NodeStats stats;
  stats.address = key;
  auto found = counters.find(key);
  if (found != counters.end()) {
    stats.connected = found->second->connected.load(std::memory_order_relaxed);
    stats.commands = found->second->commands.load(std::memory_order_relaxed);
    stats.errors = found->second->errors.load(std::memory_order_relaxed);
  }
  return stats;
}

}  // namespace

std::vector<ClusterTopology::NodeStats> ClusterTopology::Nodes() const {
  absl::MutexLock lock(&mu_);
  std::vector<NodeStats> nodes;
  std::set<std::string> listed;
  for (const ClusterMaster& master : map_->masters) {
    NodeStats stats = StatsOf(node_counters_, master.address.Key());
    stats.slots = DescribeSlots(master);
    listed.insert(stats.address);
    nodes.push_back(std::move(stats));
  }
  for (const auto& [key, counters] : node_counters_) {
    if (!listed.contains(key)) nodes.push_back(StatsOf(node_counters_, key));
  }
  return nodes;
}

void ClusterTopology::AddTotals(RedisCounters& totals) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [key, c] : node_counters_) AddCounters(*c, totals);
}

void ClusterTopology::ArmPeriodic() {
  periodic_timer_.expires_after(options_->cluster_refresh);
  periodic_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopped_) return;
    self->MaybeRefresh();
    self->ArmPeriodic();
  });
}

void ClusterTopology::MaybeRefresh() {
  if (stopped_) return;
  if (refreshing_) {
    again_ = true;
    return;
  }
  const auto due = last_refresh_ + kMinRefreshInterval;
  if (std::chrono::steady_clock::now() >= due) {
    Refresh();
    return;
  }
  if (rate_timer_armed_) return;
  rate_timer_armed_ = true;
  rate_timer_.expires_at(due);
  rate_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->rate_timer_armed_ = false;
    if (ec || self->stopped_) return;
    self->MaybeRefresh();
  });
}

void ClusterTopology::Refresh() {
  refreshing_ = true;
  again_ = false;
  last_refresh_ = std::chrono::steady_clock::now();
  refreshes.fetch_add(1, std::memory_order_relaxed);
  auto attempt = std::make_shared<Attempt>();
  std::set<std::string> seen;
  auto add = [&](const NodeAddress& address) {
    if (seen.insert(address.Key()).second) attempt->candidates.push_back(address);
  };
  // The masters know the newest map; the seeds are there for a cold start
  // or when every master known has gone.
  for (const ClusterMaster& master : map()->masters) add(master.address);
  for (const RedisEndpoint& seed : options_->cluster_seeds) add(AddressOf(seed));
  // Connections to nodes that are neither masters nor seeds any more go.
  for (auto it = refresh_connections_.begin(); it != refresh_connections_.end();) {
    if (seen.contains(it->first)) {
      ++it;
      continue;
    }
    std::shared_ptr<RespConnection> connection = std::move(it->second);
    it = refresh_connections_.erase(it);
    connection->Stop();
  }
  Ask(std::move(attempt));
}

RespConnection& ClusterTopology::RefreshConnection(const NodeAddress& address) {
  std::shared_ptr<RespConnection>& connection = refresh_connections_[address.Key()];
  if (connection == nullptr) {
    connection =
        std::make_shared<RespConnection>(refresh_loop_, NodeOptions(address), tls_,
                                         std::span<const Script* const>(), refresh_counters_);
    connection->Start();
  }
  return *connection;
}

void ClusterTopology::Ask(std::shared_ptr<Attempt> attempt) {
  if (stopped_) return;
  if (attempt->next >= attempt->candidates.size()) {
    // Read before the move: argument evaluation order is unspecified.
    absl::Status error = absl::UnavailableError(attempt->last_error);
    return Finish(std::move(attempt), std::move(error));
  }
  attempt->asking = attempt->candidates[attempt->next++];
  const std::string_view argv[] = {"CLUSTER", "SHARDS"};
  RefreshConnection(attempt->asking)
      .Send(FormatCommand(argv),
            [self = shared_from_this(), attempt](absl::StatusOr<Reply> reply) mutable {
              self->OnReply(std::move(attempt), true, std::move(reply));
            });
}

void ClusterTopology::OnReply(std::shared_ptr<Attempt> attempt, bool shards,
                              absl::StatusOr<Reply> reply) {
  if (stopped_) return;
  const std::string node = attempt->asking.Key();
  if (!reply.ok()) {
    attempt->last_error = std::string(reply.status().message());
    return Ask(std::move(attempt));
  }
  const redisReply& answer = **reply;
  if (answer.type == REDIS_REPLY_ERROR) {
    const std::string_view text = ReplyText(answer);
    // Before Redis 7 there is no CLUSTER SHARDS; CLUSTER SLOTS says the same.
    if (shards && absl::StrContains(ToAbsl(text), "nknown subcommand")) {
      const std::string_view argv[] = {"CLUSTER", "SLOTS"};
      RefreshConnection(attempt->asking)
          .Send(FormatCommand(argv),
                [self = shared_from_this(), attempt](absl::StatusOr<Reply> reply) mutable {
                  self->OnReply(std::move(attempt), false, std::move(reply));
                });
      return;
    }
    attempt->last_error = absl::StrCat(node, ": ", ToAbsl(text));
    return Ask(std::move(attempt));
  }
  const bool tls = options_->endpoint.kind == RedisEndpoint::Kind::kTls;
  absl::StatusOr<SlotMap> map = shards ? ParseClusterShards(answer, attempt->asking.host, tls)
                                       : ParseClusterSlots(answer, attempt->asking.host);
  if (!map.ok()) {
    attempt->last_error = absl::StrCat(node, ": ", map.status().message());
    return Ask(std::move(attempt));
  }
  // A node that has lost sight of the others answers an empty map: another
  // may know better.
  if (map->masters.empty()) {
    attempt->last_error = absl::StrCat(node, ": no slots assigned");
    return Ask(std::move(attempt));
  }
  Finish(std::move(attempt), std::move(map));
}

void ClusterTopology::Finish(std::shared_ptr<Attempt> attempt, absl::StatusOr<SlotMap> map) {
  refreshing_ = false;
  if (map.ok()) {
    Publish(*std::move(map), attempt->asking.Key());
  } else {
    refresh_failures.fetch_add(1, std::memory_order_relaxed);
    if (!warned_) {
      warned_ = true;
      std::vector<std::string> tried;
      for (const NodeAddress& address : attempt->candidates) tried.push_back(address.Key());
      LogWarn(absl::StrCat("redis cluster: no node answered with a slot map (tried ",
                           absl::StrJoin(tried, ", "), "; last error: ", map.status().message(),
                           "); answering SERVER_ERROR for what it does not know"));
    }
  }
  settled_.store(true, std::memory_order_release);
  if (again_) MaybeRefresh();
}

void ClusterTopology::Publish(SlotMap map, const std::string& from) {
  const int covered = map.CoveredSlots();
  const std::size_t masters = map.masters.size();
  bool changed = true;
  {
    absl::MutexLock lock(&mu_);
    changed = map_->masters.size() != masters || map_->owner != map.owner;
    if (!changed) {
      for (std::size_t i = 0; i < masters; ++i) {
        if (!(map_->masters[i].address == map.masters[i].address)) changed = true;
      }
    }
    if (changed) map_ = std::make_shared<const SlotMap>(std::move(map));
  }
  if (changed) version_.fetch_add(1, std::memory_order_acq_rel);
  if (warned_ || !loaded_.load(std::memory_order_relaxed)) {
    LogInfo(absl::StrCat("redis cluster: slot map from ", from, ": ", masters, " masters, ",
                         covered, " of 16384 slots served"),
            {Field("from", from), Field("masters", masters),
             Field("covered_slots", static_cast<uint64_t>(covered))});
    warned_ = false;
  }
  loaded_.store(true, std::memory_order_relaxed);
}

}  // namespace memgate::backends::redis
