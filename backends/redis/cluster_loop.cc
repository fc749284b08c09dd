// Per-loop routing for Redis Cluster (see cluster_loop.h).
#include "backends/redis/cluster_loop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/redis/cluster_slot.h"
#include "backends/redis/codec.h"
#include "backends/redis/redis_flush.h"
#include "backends/redis/scripts.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kStopped = "redis backend stopped";

}  // namespace

ClusterLoop::ClusterLoop(asio::io_context& loop, std::shared_ptr<ClusterTopology> topology,
                         std::shared_ptr<asio::ssl::context> tls)
    : context_(loop),
      topology_(std::move(topology)),
      tls_(std::move(tls)),
      flush_timer_(loop),
      park_timer_(loop),
      map_(topology_->map()) {}

void ClusterLoop::SyncMap() {
  const uint64_t version = topology_->version();
  if (version == version_) return;
  version_ = version;
  map_ = topology_->map();
  moved_.clear();
  std::vector<std::shared_ptr<LoopConnections>> gone;
  for (auto it = pools_.begin(); it != pools_.end();) {
    const bool named =
        std::any_of(map_->masters.begin(), map_->masters.end(),
                    [&](const ClusterMaster& m) { return m.address.Key() == it->first; });
    if (named) {
      ++it;
      continue;
    }
    gone.push_back(std::move(it->second));
    it = pools_.erase(it);
  }
  // Stopping fails the pools' queued commands, whose callbacks may route
  // again: only once the pools are out of the map.
  for (const std::shared_ptr<LoopConnections>& pool : gone) pool->Stop();
}

std::shared_ptr<LoopConnections> ClusterLoop::Pool(const NodeAddress& address) {
  const std::string key = address.Key();
  std::shared_ptr<LoopConnections>& pool = pools_[key];
  if (pool == nullptr) {
    pool = std::make_shared<LoopConnections>(context_);
    std::shared_ptr<const RedisOptions> options = topology_->NodeOptions(address);
    std::shared_ptr<RedisCounters> counters = topology_->NodeCounters(key);
    for (int i = 0; i < options->connections_per_loop; ++i) {
      auto connection =
          std::make_shared<RespConnection>(context_, options, tls_, AllScripts(), counters);
      pool->lanes.push_back(std::make_unique<Lane>(connection));
      connection->Start();
    }
    counters->connections.fetch_add(options->connections_per_loop, std::memory_order_relaxed);
  }
  return pool;
}

void ClusterLoop::SendAll(uint64_t client, std::vector<Command> commands,
                          absl::AnyInvocable<void(Replies) &&> done) {
  auto gather = std::make_shared<ReplyGather>(commands.size(), std::move(done));
  for (std::size_t i = 0; i < commands.size(); ++i) {
    auto routed = std::make_unique<Routed>();
    routed->client = client;
    routed->deadline = std::chrono::steady_clock::now() + topology_->options().timeout;
    routed->done = [gather, i](absl::StatusOr<Reply> reply) { gather->Add(i, std::move(reply)); };
    const std::optional<std::string_view> key = CommandKey(commands[i].bytes);
    if (!key) {
      std::move(routed->done)(absl::InternalError("redis cluster: a command without a key"));
      continue;
    }
    routed->slot = KeySlot(*key);
    routed->command = std::move(commands[i]);
    Dispatch(std::move(routed), nullptr, false);
  }
}

void ClusterLoop::Dispatch(std::unique_ptr<Routed> routed, const NodeAddress* target, bool asking) {
  if (stopped_) return std::move(routed->done)(absl::UnavailableError(std::string(kStopped)));
  SyncMap();
  NodeAddress address;
  if (target != nullptr) {
    address = *target;
  } else if (auto moved = moved_.find(routed->slot); moved != moved_.end()) {
    address = moved->second;
  } else if (const ClusterMaster* master = map_->MasterFor(routed->slot)) {
    address = master->address;
  } else if (!topology_->settled() && std::chrono::steady_clock::now() < routed->deadline) {
    // Started a moment ago: the first map is on its way.
    return Park(std::move(routed));
  } else {
    topology_->RequestRefresh();
    const std::string why =
        topology_->loaded()
            ? absl::StrCat("redis cluster: no master serves slot ", routed->slot)
            : std::string("redis cluster: slot map not known yet (no node answered)");
    return std::move(routed->done)(absl::UnavailableError(why));
  }
  const std::shared_ptr<LoopConnections> pool = Pool(address);
  Lane* lane = pool->LaneFor(routed->client);
  if (asking) {
    // ASKING is good for the one command after it on the same connection.
    const std::string_view argv[] = {"ASKING"};
    lane->Send(FormatCommand(argv), [](absl::StatusOr<Reply>) {});
  }
  Command copy{routed->command.bytes, routed->command.script};
  lane->Send(std::move(copy), [self = shared_from_this(), routed = std::move(routed),
                               host = address.host](absl::StatusOr<Reply> reply) mutable {
    self->OnReply(std::move(routed), host, std::move(reply));
  });
}

void ClusterLoop::Park(std::unique_ptr<Routed> routed) {
  parked_.push_back(std::move(routed));
  if (park_armed_) return;
  park_armed_ = true;
  park_timer_.expires_after(std::chrono::milliseconds(10));
  park_timer_.async_wait([self = shared_from_this()](boost::system::error_code) {
    self->park_armed_ = false;
    self->OnParkTimer();
  });
}

void ClusterLoop::OnParkTimer() {
  std::vector<std::unique_ptr<Routed>> parked = std::move(parked_);
  parked_.clear();
  for (std::unique_ptr<Routed>& routed : parked) Dispatch(std::move(routed), nullptr, false);
}

void ClusterLoop::OnReply(std::unique_ptr<Routed> routed, const std::string& host,
                          absl::StatusOr<Reply> reply) {
  if (!reply.ok()) {
    // A node that cannot be reached may have failed over.
    topology_->RequestRefresh();
    return std::move(routed->done)(std::move(reply));
  }
  if ((*reply)->type != REDIS_REPLY_ERROR) return std::move(routed->done)(std::move(reply));
  const std::string_view text = ReplyText(**reply);
  const std::optional<Redirect> redirect = ParseRedirect(text, host);
  if (!redirect) {
    if (absl::StartsWith(ToAbsl(text), "CLUSTERDOWN")) topology_->RequestRefresh();
    return std::move(routed->done)(std::move(reply));
  }
  if (++routed->hops > kMaxRedirects) {
    return std::move(routed->done)(
        absl::UnavailableError(absl::StrCat("redis cluster: too many redirections for slot ",
                                            routed->slot, " (last: ", ToAbsl(text), ")")));
  }
  if (redirect->ask) {
    topology_->asked.fetch_add(1, std::memory_order_relaxed);
  } else {
    topology_->moved.fetch_add(1, std::memory_order_relaxed);
    moved_[redirect->slot] = redirect->target;
    topology_->RequestRefresh();
  }
  Dispatch(std::move(routed), &redirect->target, redirect->ask);
}

void ClusterLoop::FlushAll(uint64_t client, FlushPolicy policy, const std::string& prefix,
                           Backend::Done<FlushResult> done) {
  FlushAllBefore(std::chrono::steady_clock::now() + topology_->options().timeout, client, policy,
                 prefix, std::move(done));
}

void ClusterLoop::FlushAllBefore(std::chrono::steady_clock::time_point deadline, uint64_t client,
                                 FlushPolicy policy, const std::string& prefix,
                                 Backend::Done<FlushResult> done) {
  if (stopped_) return std::move(done)(ErrorResult<FlushResult>(std::string(kStopped)));
  SyncMap();
  if (map_->masters.empty() && !topology_->settled() &&
      std::chrono::steady_clock::now() < deadline) {
    // Started a moment ago: the first map is on its way.
    auto timer = std::make_shared<asio::steady_timer>(context_, std::chrono::milliseconds(10));
    timer->async_wait([self = shared_from_this(), timer, deadline, client, policy, prefix,
                       done = std::move(done)](boost::system::error_code) mutable {
      self->FlushAllBefore(deadline, client, policy, prefix, std::move(done));
    });
    return;
  }
  if (map_->masters.empty()) {
    topology_->RequestRefresh();
    return std::move(done)(
        ErrorResult<FlushResult>("redis cluster: slot map not known yet (no node answered)"));
  }
  struct Gather {
    std::size_t remaining = 0;
    FlushResult first_error;
    bool failed = false;
    Backend::Done<FlushResult> done;
  };
  auto gather = std::make_shared<Gather>();
  gather->remaining = map_->masters.size();
  gather->done = std::move(done);
  // The map may change under the callbacks: walk a copy of the addresses.
  std::vector<NodeAddress> masters;
  for (const ClusterMaster& master : map_->masters) masters.push_back(master.address);
  for (const NodeAddress& address : masters) {
    std::shared_ptr<LoopConnections> pool = Pool(address);
    Lane* lane = pool->LaneFor(client);
    StartFlush(
        policy, prefix, pool, *lane,
        [gather](FlushResult result) {
          if (result.outcome == FlushOutcome::kError && !gather->failed) {
            gather->failed = true;
            gather->first_error = std::move(result);
          }
          if (--gather->remaining > 0) return;
          std::move(gather->done)(gather->failed ? std::move(gather->first_error) : FlushResult{});
        },
        true);
  }
}

void ClusterLoop::Stop() {
  if (stopped_) return;
  stopped_ = true;
  flush_timer_.cancel();
  park_timer_.cancel();
  OnParkTimer();
  std::map<std::string, std::shared_ptr<LoopConnections>> pools = std::move(pools_);
  pools_.clear();
  for (auto& [key, pool] : pools) pool->Stop();
}

}  // namespace memgate::backends::redis
