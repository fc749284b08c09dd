// The Redis Backend (see redis_backend.h): requests become a codec's plan,
// the plan's commands go out on the client's lane, the replies come back
// through the plan's decoder on the client's loop.
#include "backends/redis/redis_backend.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "backends/clock.h"
#include "backends/redis/memcached_codec.h"
#include "backends/redis/raw_codec.h"
#include "backends/redis/redis_flush.h"
#include "backends/redis/reply_gather.h"
#include "backends/redis/scripts.h"
#include "boost/asio/post.hpp"
#include "common/absl_compat.h"
#include "common/item_limits.h"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;

using ReplyListOr = absl::StatusOr<ReplyList>;

// A request's result from its replies: a refusal by Redis (WRONGTYPE, OOM,
// READONLY, CLUSTERDOWN...) answers by name, anything else goes through the
// plan's decoder.
template <typename R>
R Conclude(ReplyListOr replies, absl::AnyInvocable<R(ReplyList) &&>& decode) {
  if (!replies.ok()) return ErrorResult<R>(std::string(replies.status().message()));
  for (const Reply& reply : *replies) {
    if (reply->type == REDIS_REPLY_ERROR) return ErrorResult<R>(std::string(ReplyText(*reply)));
  }
  return std::move(decode)(*std::move(replies));
}

// One request's commands on a lane, sent back to back (one write): the
// decoder, the caller's done and the replies gathered so far live in one
// allocation, and each command's callback holds only a pointer to it.
template <typename R>
class Exchange {
 public:
  static void Start(Lane& lane, Plan<R> plan, Backend::Done<R> done) {
    const std::size_t count = plan.commands.size();
    auto* exchange = new Exchange(std::move(plan.decode), std::move(done), count);
    for (std::size_t i = 0; i < count; ++i) {
      lane.Send(std::move(plan.commands[i]), [exchange, i](absl::StatusOr<Reply> reply) {
        exchange->OnReply(i, std::move(reply));
      });
    }
  }

 private:
  Exchange(absl::AnyInvocable<R(ReplyList) &&> decode, Backend::Done<R> done, std::size_t count)
      : decode_(std::move(decode)), done_(std::move(done)), remaining_(count) {
    replies_.resize(count);
  }

  void OnReply(std::size_t i, absl::StatusOr<Reply> reply) {
    if (reply.ok()) {
      replies_[i] = *std::move(reply);
    } else if (error_.ok()) {
      error_ = reply.status();
    }
    if (--remaining_ > 0) return;
    std::unique_ptr<Exchange> self(this);
    ReplyListOr replies = error_.ok() ? ReplyListOr(std::move(replies_)) : ReplyListOr(error_);
    std::move(done_)(Conclude(std::move(replies), decode_));
  }

  absl::AnyInvocable<R(ReplyList) &&> decode_;
  Backend::Done<R> done_;
  ReplyList replies_;
  std::size_t remaining_;
  absl::Status error_;
};

absl::StatusOr<std::shared_ptr<asio::ssl::context>> MakeTlsContext(const RedisOptions& options) {
  const bool tls = options.endpoint.kind == RedisEndpoint::Kind::kTls;
  if (!tls) {
    if (!options.tls_ca_file.empty() || !options.tls_cert_file.empty() ||
        !options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("--redis-tls-* options need a rediss:// url");
    }
    return nullptr;
  }
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (options.tls_ca_file.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->load_verify_file(options.tls_ca_file, ec);
  }
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load redis TLS CA '", options.tls_ca_file, "': ", ec.message()));
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--redis-tls-cert and --redis-tls-key go together");
  }
  if (!options.tls_cert_file.empty()) {
    context->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat("cannot load redis TLS certificate '",
                                                     options.tls_cert_file, "': ", ec.message()));
    }
    context->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load redis TLS key '", options.tls_key_file, "': ", ec.message()));
    }
  }
  return context;
}

std::unique_ptr<Codec> MakeCodec(const RedisOptions& options) {
  if (options.mode == RedisMode::kRaw) {
    return std::make_unique<RawCodec>(options.prefix, options.max_item_size);
  }
  // A cluster routes each command by its one key, so it gets a GET per key.
  return std::make_unique<MemcachedCodec>(options.prefix, options.max_item_size,
                                          /*mget=*/options.cluster_seeds.empty());
}

// The cluster's nodes: each master of the map with its slots, then nodes
// that were used and are no longer in it.
void AddClusterStats(const ClusterTopology& topology, StatsResult& result) {
  auto add = [&](std::string name, auto value) {
    result.stats.push_back(Stat{std::move(name), absl::StrCat(value)});
  };
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

// A url that names what `endpoint` names, without the credentials.
std::string UrlOf(const RedisEndpoint& endpoint) {
  if (endpoint.kind == RedisEndpoint::Kind::kUnix) {
    return absl::StrCat("unix://", endpoint.path,
                        endpoint.db != 0 ? absl::StrCat("?db=", endpoint.db) : "");
  }
  return absl::StrCat(endpoint.kind == RedisEndpoint::Kind::kTls ? "rediss://" : "redis://",
                      endpoint.Describe(), endpoint.db != 0 ? absl::StrCat("/", endpoint.db) : "");
}

constexpr std::string_view kNoLoops = "redis backend is not attached to event loops";
constexpr std::string_view kStopped = "redis backend stopped";

}  // namespace

absl::StatusOr<std::unique_ptr<RedisBackend>> RedisBackend::Create(RedisOptions options) {
  if (options.connections_per_loop < 1) {
    return absl::InvalidArgumentError("--redis-connections must be at least 1");
  }
  if (options.timeout <= std::chrono::milliseconds(0)) {
    return absl::InvalidArgumentError("--redis-timeout must be positive");
  }
  absl::StatusOr<std::shared_ptr<asio::ssl::context>> tls = MakeTlsContext(options);
  if (!tls.ok()) return tls.status();
  return std::unique_ptr<RedisBackend>(
      new RedisBackend(std::make_shared<const RedisOptions>(std::move(options)), *std::move(tls)));
}

RedisBackend::RedisBackend(std::shared_ptr<const RedisOptions> options,
                           std::shared_ptr<asio::ssl::context> tls)
    : options_(std::move(options)),
      tls_(std::move(tls)),
      codec_(MakeCodec(*options_)),
      counters_(std::make_shared<RedisCounters>()) {}

RedisBackend::~RedisBackend() { Shutdown(); }

void RedisBackend::AttachLoops(std::vector<asio::io_context*> loops) {
  if (!options_->cluster_seeds.empty()) {
    if (loops.empty()) return;
    topology_ = std::make_shared<ClusterTopology>(*loops[0], options_, tls_);
    for (asio::io_context* context : loops) {
      cluster_loops_.push_back(std::make_shared<ClusterLoop>(*context, topology_, tls_));
    }
    asio::post(*loops[0], [topology = topology_] { topology->Start(); });
    return;
  }
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

void RedisBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  StopLoops(false);
}

void RedisBackend::ShutdownIdle() {
  if (shut_down_) return;
  shut_down_ = true;
  StopLoops(true);
}

void RedisBackend::StopLoops(bool idle) {
  const std::size_t count = topology_ != nullptr ? cluster_loops_.size() : loops_.size();
  for (std::size_t i = 0; i < count; ++i) {
    asio::io_context* context;
    absl::AnyInvocable<void() &&> stop;
    if (topology_ != nullptr) {
      context = &cluster_loops_[i]->context();
      std::shared_ptr<ClusterTopology> topology = i == 0 ? topology_ : nullptr;
      stop = [loop = cluster_loops_[i], topology] {
        loop->Stop();
        if (topology != nullptr) topology->Stop();
      };
    } else {
      context = &loops_[i]->context;
      stop = [loop = loops_[i]] { loop->Stop(); };
    }
    if (idle || context->stopped() || context->get_executor().running_in_this_thread()) {
      std::move(stop)();
      continue;
    }
    auto stopped = std::make_shared<absl::Notification>();
    asio::post(*context, [stop = std::move(stop), stopped]() mutable {
      std::move(stop)();
      stopped->Notify();
    });
    stopped->WaitForNotificationWithTimeout(absl::Seconds(2));
  }
}

bool RedisBackend::Reachable() const {
  if (topology_ != nullptr) {
    RedisCounters totals;
    topology_->AddTotals(totals);
    return totals.connected.load(std::memory_order_relaxed) > 0;
  }
  return counters_->connected.load(std::memory_order_relaxed) > 0;
}

RedisBackendSnapshot RedisBackend::Snapshot() const {
  RedisBackendSnapshot snapshot;
  snapshot.cluster = !options_->cluster_seeds.empty();
  if (snapshot.cluster) {
    std::vector<std::string> seeds;
    for (const RedisEndpoint& seed : options_->cluster_seeds) seeds.push_back(seed.Describe());
    snapshot.target =
        absl::StrCat(options_->endpoint.kind == RedisEndpoint::Kind::kTls ? "rediss+cluster://"
                                                                          : "redis+cluster://",
                     absl::StrJoin(seeds, ","));
  } else {
    snapshot.target = UrlOf(options_->endpoint);
  }
  snapshot.reachable = Reachable();
  snapshot.mode = options_->mode;
  RedisCounters cluster_totals;
  if (topology_ != nullptr) {
    topology_->AddTotals(cluster_totals);
    snapshot.slots_served = topology_->map()->CoveredSlots();
    snapshot.nodes = topology_->Nodes();
  }
  const RedisCounters& c = topology_ != nullptr ? cluster_totals : *counters_;
  snapshot.connections = c.connections.load(std::memory_order_relaxed);
  snapshot.connected = c.connected.load(std::memory_order_relaxed);
  snapshot.connects = c.connects.load(std::memory_order_relaxed);
  snapshot.reconnects = c.reconnects.load(std::memory_order_relaxed);
  snapshot.commands = c.commands.load(std::memory_order_relaxed);
  snapshot.errors = c.errors.load(std::memory_order_relaxed);
  snapshot.timeouts = c.timeouts.load(std::memory_order_relaxed);
  return snapshot;
}

std::size_t RedisBackend::LoopIndex(const ClientContext& client) const {
  const std::size_t count = topology_ != nullptr ? cluster_loops_.size() : loops_.size();
  return client.loop >= 0 && static_cast<std::size_t>(client.loop) < count ? client.loop : 0;
}

void RedisBackend::OnClusterLoop(
    const ClientContext& client,
    absl::AnyInvocable<void(const std::shared_ptr<ClusterLoop>&) &&> work) {
  const std::shared_ptr<ClusterLoop>& loop = cluster_loops_[LoopIndex(client)];
  if (loop->context().get_executor().running_in_this_thread()) {
    std::move(work)(loop);
    return;
  }
  asio::post(loop->context(), [loop, work = std::move(work)]() mutable { std::move(work)(loop); });
}

template <typename Work>
void RedisBackend::OnClientLoop(const ClientContext& client, Work work) {
  const std::shared_ptr<LoopConnections>& loop = loops_[LoopIndex(client)];
  if (loop->context.get_executor().running_in_this_thread()) {
    std::move(work)(loop, loop->LaneFor(client.id));
    return;
  }
  asio::post(loop->context, [loop, id = client.id, work = std::move(work)]() mutable {
    std::move(work)(loop, loop->LaneFor(id));
  });
}

template <typename R>
void RedisBackend::Run(const ClientContext& client, Plan<R> plan, Done<R> done) {
  if (plan.commands.empty()) {
    std::move(done)(std::move(plan.decode)({}));
    return;
  }
  if (!attached()) {
    std::move(done)(ErrorResult<R>(std::string(kNoLoops)));
    return;
  }
  if (topology_ != nullptr) {
    auto finish = [decode = std::move(plan.decode),
                   done = std::move(done)](Replies replies) mutable {
      if (!replies.ok()) return std::move(done)(Conclude<R>(replies.status(), decode));
      ReplyList list(std::make_move_iterator(replies->begin()),
                     std::make_move_iterator(replies->end()));
      std::move(done)(Conclude<R>(std::move(list), decode));
    };
    std::vector<Command> commands(std::make_move_iterator(plan.commands.begin()),
                                  std::make_move_iterator(plan.commands.end()));
    OnClusterLoop(client,
                  [id = client.id, commands = std::move(commands),
                   finish = std::move(finish)](const std::shared_ptr<ClusterLoop>& loop) mutable {
                    loop->SendAll(id, std::move(commands), std::move(finish));
                  });
    return;
  }
  OnClientLoop(client, [plan = std::move(plan), done = std::move(done)](
                           const std::shared_ptr<LoopConnections>&, Lane* lane) mutable {
    if (lane == nullptr) return std::move(done)(ErrorResult<R>(std::string(kStopped)));
    Exchange<R>::Start(*lane, std::move(plan), std::move(done));
  });
}

void RedisBackend::Get(const ClientContext& client, const GetRequest& request,
                       Done<GetResult> done) {
  if (request.keys.empty()) {
    std::move(done)(GetResult{});
    return;
  }
  Run(client, codec_->Get(request), std::move(done));
}

void RedisBackend::Store(const ClientContext& client, const StoreRequest& request,
                         Done<StoreResult> done) {
  Run(client, codec_->Store(request), std::move(done));
}

void RedisBackend::Delete(const ClientContext& client, const DeleteRequest& request,
                          Done<DeleteResult> done) {
  Run(client, codec_->Delete(request), std::move(done));
}

void RedisBackend::Arith(const ClientContext& client, const ArithRequest& request,
                         Done<ArithResult> done) {
  Run(client, codec_->Arith(request), std::move(done));
}

void RedisBackend::Touch(const ClientContext& client, const TouchRequest& request,
                         Done<TouchResult> done) {
  Run(client, codec_->Touch(request), std::move(done));
}

void RedisBackend::FlushAll(const ClientContext& client, const FlushRequest& request,
                            Done<FlushResult> done) {
  if (options_->flush == FlushPolicy::kOff) {
    std::move(done)(ErrorResult<FlushResult>("flush_all disabled"));
    return;
  }
  if (!attached()) {
    std::move(done)(ErrorResult<FlushResult>(std::string(kNoLoops)));
    return;
  }
  int64_t delay = request.delay_seconds;
  if (delay > kMaxRelativeExptime) delay -= SystemClock::Instance().Now();
  const uint64_t flush = flushes_->fetch_add(1, std::memory_order_relaxed) + 1;
  auto superseded = [flushes = flushes_, flush] {
    return flushes->load(std::memory_order_relaxed) != flush;
  };
  if (topology_ != nullptr) {
    OnClusterLoop(client,
                  [options = options_, delay, id = client.id, superseded,
                   done = std::move(done)](const std::shared_ptr<ClusterLoop>& loop) mutable {
                    if (delay <= 0)
                      return loop->FlushAll(id, options->flush, options->prefix, std::move(done));
                    loop->flush_timer().expires_after(std::chrono::seconds(delay));
                    loop->flush_timer().async_wait(
                        [options, keep = loop, id, superseded](boost::system::error_code ec) {
                          if (ec || keep->stopped() || superseded()) return;
                          keep->FlushAll(id, options->flush, options->prefix, [](FlushResult) {});
                        });
                    std::move(done)(FlushResult{});
                  });
    return;
  }
  OnClientLoop(client, [options = options_, delay, superseded, done = std::move(done)](
                           const std::shared_ptr<LoopConnections>& loop, Lane* lane) mutable {
    if (lane == nullptr) return std::move(done)(ErrorResult<FlushResult>(std::string(kStopped)));
    if (delay <= 0) {
      StartFlush(options->flush, options->prefix, loop, *lane, std::move(done));
      return;
    }
    // memcached answers at once and flushes when the time comes.
    loop->flush_timer.expires_after(std::chrono::seconds(delay));
    loop->flush_timer.async_wait(
        [options, keep = loop, lane, superseded](boost::system::error_code ec) mutable {
          // The lanes are gone once the loop's connections are stopped.
          if (ec || keep->stopped || superseded()) return;
          StartFlush(options->flush, options->prefix, std::move(keep), *lane, [](FlushResult) {});
        });
    std::move(done)(FlushResult{});
  });
}

void RedisBackend::Stats(Done<StatsResult> done) {
  RedisCounters cluster_totals;
  if (topology_ != nullptr) topology_->AddTotals(cluster_totals);
  const RedisCounters& c = topology_ != nullptr ? cluster_totals : *counters_;
  const uint64_t commands = c.commands.load(std::memory_order_relaxed);
  const uint64_t latency_total = c.latency_us_total.load(std::memory_order_relaxed);
  StatsResult result;
  auto add = [&](std::string_view name, auto value) {
    result.stats.push_back(Stat{std::string(name), absl::StrCat(value)});
  };
  add("redis_mode", options_->mode == RedisMode::kRaw ? "raw" : "memcached");
  if (options_->cluster_seeds.empty()) {
    add("redis_endpoint", options_->endpoint.Describe());
  } else {
    std::vector<std::string> seeds;
    for (const RedisEndpoint& seed : options_->cluster_seeds) seeds.push_back(seed.Describe());
    add("redis_endpoint", absl::StrCat("cluster:", absl::StrJoin(seeds, ",")));
  }
  add("redis_reachable", Reachable() ? 1 : 0);
  add("redis_connections", c.connections.load(std::memory_order_relaxed));
  add("redis_connected", c.connected.load(std::memory_order_relaxed));
  add("redis_connects", c.connects.load(std::memory_order_relaxed));
  add("redis_reconnects", c.reconnects.load(std::memory_order_relaxed));
  add("redis_commands", commands);
  add("redis_errors", c.errors.load(std::memory_order_relaxed));
  add("redis_timeouts", c.timeouts.load(std::memory_order_relaxed));
  add("redis_noscript_retries", c.noscript_retries.load(std::memory_order_relaxed));
  add("redis_latency_us_avg", commands == 0 ? 0 : latency_total / commands);
  add("redis_latency_us_max", c.latency_us_max.load(std::memory_order_relaxed));
  if (topology_ != nullptr) AddClusterStats(*topology_, result);
  std::move(done)(std::move(result));
}

}  // namespace memgate::backends::redis
