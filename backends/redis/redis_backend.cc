// The Redis Backend (see redis_backend.h): requests become a codec's plan,
// the router sends the plan's commands from the client's loop, the replies
// come back through the plan's decoder on that loop.
#include "backends/redis/redis_backend.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/clock.h"
#include "backends/redis/cluster_router.h"
#include "backends/redis/memcached_codec.h"
#include "backends/redis/raw_codec.h"
#include "backends/redis/single_node_router.h"
#include "boost/asio/ssl/context.hpp"
#include "common/item_limits.h"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;

// A request's result from its replies: a refusal by Redis (WRONGTYPE, OOM,
// READONLY, CLUSTERDOWN...) answers by name, anything else goes through the
// plan's decoder.
template <typename R>
R ResultOf(absl::StatusOr<ReplyList> replies, absl::AnyInvocable<R(ReplyList) &&>& decode) {
  if (!replies.ok()) return ErrorResult<R>(std::string(replies.status().message()));
  for (const Reply& reply : *replies) {
    if (reply->type == REDIS_REPLY_ERROR) return ErrorResult<R>(std::string(ReplyText(*reply)));
  }
  return std::move(decode)(*std::move(replies));
}

// One request in flight: its decoder and the caller's done, with the
// replies the router gathers for it.
template <typename R>
class Exchange final : public PendingReplies {
 public:
  Exchange(absl::AnyInvocable<R(ReplyList) &&> decode, Backend::Done<R> done)
      : decode_(std::move(decode)), done_(std::move(done)) {}

 private:
  void Conclude(absl::StatusOr<ReplyList> replies) override {
    std::move(done_)(ResultOf(std::move(replies), decode_));
  }

  absl::AnyInvocable<R(ReplyList) &&> decode_;
  Backend::Done<R> done_;
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

std::unique_ptr<Codec> MakeCodec(const RedisOptions& options, const CommandRouter& router) {
  if (options.mode == RedisMode::kRaw) {
    return std::make_unique<RawCodec>(options.prefix, options.max_item_size);
  }
  return std::make_unique<MemcachedCodec>(options.prefix, options.max_item_size,
                                          /*mget=*/router.multi_key_commands());
}

constexpr std::string_view kNoLoops = "redis backend is not attached to event loops";

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
  auto shared = std::make_shared<const RedisOptions>(std::move(options));
  std::unique_ptr<CommandRouter> router;
  if (shared->cluster_seeds.empty()) {
    router = std::make_unique<SingleNodeRouter>(shared, *std::move(tls));
  } else {
    router = std::make_unique<ClusterRouter>(shared, *std::move(tls));
  }
  return std::unique_ptr<RedisBackend>(new RedisBackend(std::move(shared), std::move(router)));
}

RedisBackend::RedisBackend(std::shared_ptr<const RedisOptions> options,
                           std::unique_ptr<CommandRouter> router)
    : options_(std::move(options)),
      router_(std::move(router)),
      codec_(MakeCodec(*options_, *router_)) {}

RedisBackend::~RedisBackend() { Shutdown(); }

void RedisBackend::AttachLoops(std::vector<asio::io_context*> loops) { router_->Attach(loops); }

void RedisBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  router_->Stop(false);
}

void RedisBackend::ShutdownIdle() {
  if (shut_down_) return;
  shut_down_ = true;
  router_->Stop(true);
}

bool RedisBackend::Reachable() const {
  RedisCounters totals;
  router_->AddTotals(totals);
  return totals.connected.load(std::memory_order_relaxed) > 0;
}

RedisBackendSnapshot RedisBackend::Snapshot() const {
  RedisBackendSnapshot snapshot;
  router_->Describe(snapshot);
  snapshot.mode = options_->mode;
  RedisCounters c;
  router_->AddTotals(c);
  snapshot.reachable = c.connected.load(std::memory_order_relaxed) > 0;
  snapshot.connections = c.connections.load(std::memory_order_relaxed);
  snapshot.connected = c.connected.load(std::memory_order_relaxed);
  snapshot.connects = c.connects.load(std::memory_order_relaxed);
  snapshot.reconnects = c.reconnects.load(std::memory_order_relaxed);
  snapshot.commands = c.commands.load(std::memory_order_relaxed);
  snapshot.errors = c.errors.load(std::memory_order_relaxed);
  snapshot.timeouts = c.timeouts.load(std::memory_order_relaxed);
  return snapshot;
}

template <typename R>
void RedisBackend::Run(const ClientContext& client, Plan<R> plan, Done<R> done) {
  if (plan.commands.empty()) {
    std::move(done)(std::move(plan.decode)({}));
    return;
  }
  if (!router_->attached()) {
    std::move(done)(ErrorResult<R>(std::string(kNoLoops)));
    return;
  }
  router_->Send(client, std::move(plan.commands),
                std::make_unique<Exchange<R>>(std::move(plan.decode), std::move(done)));
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
    std::move(done)(FlushResult{.outcome = FlushOutcome::kRefused});
    return;
  }
  if (!router_->attached()) {
    std::move(done)(ErrorResult<FlushResult>(std::string(kNoLoops)));
    return;
  }
  int64_t delay = request.delay_seconds;
  if (delay > kMaxRelativeExptime) delay -= SystemClock::Instance().Now();
  const uint64_t flush = flushes_->fetch_add(1, std::memory_order_relaxed) + 1;
  router_->FlushAll(client, delay, FlushTurn{flushes_, flush}, std::move(done));
}

void RedisBackend::Stats(Done<StatsResult> done) {
  RedisCounters c;
  router_->AddTotals(c);
  const uint64_t commands = c.commands.load(std::memory_order_relaxed);
  const uint64_t latency_total = c.latency_us_total.load(std::memory_order_relaxed);
  StatsResult result{.reconnects = c.reconnects.load(std::memory_order_relaxed)};
  auto add = [&](std::string_view name, auto value) {
    result.stats.push_back(Stat{std::string(name), absl::StrCat(value)});
  };
  add("redis_mode", options_->mode == RedisMode::kRaw ? "raw" : "memcached");
  add("redis_endpoint", router_->Endpoint());
  add("redis_reachable", c.connected.load(std::memory_order_relaxed) > 0 ? 1 : 0);
  add("redis_connections", c.connections.load(std::memory_order_relaxed));
  add("redis_connected", c.connected.load(std::memory_order_relaxed));
  add("redis_connects", c.connects.load(std::memory_order_relaxed));
  add("redis_reconnects", result.reconnects);
  add("redis_commands", commands);
  add("redis_errors", c.errors.load(std::memory_order_relaxed));
  add("redis_timeouts", c.timeouts.load(std::memory_order_relaxed));
  add("redis_noscript_retries", c.noscript_retries.load(std::memory_order_relaxed));
  add("redis_latency_us_avg", commands == 0 ? 0 : latency_total / commands);
  add("redis_latency_us_max", c.latency_us_max.load(std::memory_order_relaxed));
  router_->AddStats(result);
  std::move(done)(std::move(result));
}

}  // namespace memgate::backends::redis
