// The backends memgate can be started with.
#include "app/backend_factory.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/grpc/grpc_backend_factory.h"
#include "backends/grpc/grpc_options.h"
#include "backends/memory/memory_backend.h"
#include "backends/metadata_layer.h"
#include "backends/redis/redis_backend.h"
#include "backends/redis/redis_options.h"
#include "backends/simple_memory/simple_memory_store.h"
#include "common/absl_compat.h"

namespace memgate::app {
namespace {

class MemoryHolder final : public BackendHolder {
 public:
  explicit MemoryHolder(const Config& config)
      : backend_(backends::MemoryBackendOptions{.memory_limit_bytes = config.memory_limit_mb << 20,
                                                .max_item_size = config.max_item_size,
                                                .evictions = config.evictions_enabled,
                                                .cas_enabled = config.cas_enabled}) {}
  backends::Backend& backend() override { return backend_; }
  admin::BackendState State() override { return {.kind = "memory"}; }

 private:
  backends::MemoryBackend backend_;
};

// The seed's plain store under the metadata layer: what any SimpleStore gets.
class SimpleMemoryHolder final : public BackendHolder {
 public:
  explicit SimpleMemoryHolder(const Config& config)
      : layer_(store_, backends::MetadataLayerOptions{.no_extra = config.no_extra,
                                                      .max_item_size = config.max_item_size}) {}
  backends::Backend& backend() override { return layer_; }
  admin::BackendState State() override { return {.kind = "simple-memory"}; }

 private:
  backends::SimpleMemoryStore store_;
  backends::MetadataLayer layer_;
};

class RedisHolder final : public BackendHolder {
 public:
  explicit RedisHolder(std::unique_ptr<backends::redis::RedisBackend> backend)
      : backend_(std::move(backend)) {}
  backends::Backend& backend() override { return *backend_; }
  std::optional<bool> Reachable() override { return backend_->Reachable(); }
  admin::BackendState State() override {
    const backends::redis::RedisBackendSnapshot s = backend_->Snapshot();
    admin::RedisBackendState redis{
        .mode = s.mode == backends::redis::RedisMode::kRaw ? "raw" : "memcached",
        .connections = s.connections,
        .connected = s.connected,
        .connects = s.connects,
        .reconnects = s.reconnects,
        .commands = s.commands,
        .errors = s.errors,
        .timeouts = s.timeouts,
        .cluster_slots_served = s.slots_served};
    for (const backends::redis::ClusterTopology::NodeStats& node : s.nodes) {
      redis.cluster_nodes.push_back({.address = node.address,
                                     .slots = node.slots,
                                     .connected = node.connected,
                                     .commands = node.commands,
                                     .errors = node.errors});
    }
    return {.kind = s.cluster ? "redis-cluster" : "redis",
            .target = s.target,
            .reachable = s.reachable,
            .redis = std::move(redis)};
  }
  void Attach(server::Server& server) override {
    pool_ = &server.io_pool();
    std::vector<boost::asio::io_context*> loops;
    for (int i = 0; i < pool_->size(); ++i) loops.push_back(&pool_->loop(i));
    backend_->AttachLoops(std::move(loops));
  }
  void Detach() override {
    if (pool_ == nullptr) return;
    // A server that failed before Start has no loop threads to do it.
    if (pool_->running()) {
      backend_->Shutdown();
    } else {
      backend_->ShutdownIdle();
    }
  }

 private:
  std::unique_ptr<backends::redis::RedisBackend> backend_;
  server::IoPool* pool_ = nullptr;
};

absl::StatusOr<std::unique_ptr<BackendHolder>> MakeRedis(const Config& config) {
  namespace redis = backends::redis;
  if (config.no_extra) {
    return absl::InvalidArgumentError(
        "--no-extra applies to plain stores (--backend simple-memory), not to redis");
  }
  absl::StatusOr<redis::RedisOptions> options =
      redis::ParseRedisOptions({.url = config.redis_url,
                                .prefix = config.redis_prefix,
                                .connections_per_loop = config.redis_connections,
                                .timeout = config.redis_timeout,
                                .cluster_refresh = config.redis_cluster_refresh,
                                .mode = config.redis_mode,
                                .flush = config.redis_flush,
                                .tls_ca_file = config.redis_tls_ca,
                                .tls_cert_file = config.redis_tls_cert,
                                .tls_key_file = config.redis_tls_key,
                                .tls_insecure = config.redis_tls_insecure,
                                .max_item_size = config.max_item_size});
  if (!options.ok()) return options.status();
  absl::StatusOr<std::unique_ptr<redis::RedisBackend>> backend =
      redis::RedisBackend::Create(*std::move(options));
  if (!backend.ok()) return backend.status();
  return std::make_unique<RedisHolder>(*std::move(backend));
}

// A BackendService over gRPC: the full backend when the service keeps the
// metadata, else its plain store under the metadata layer.
class GrpcHolder final : public BackendHolder {
 public:
  GrpcHolder(backends::GrpcBackendSelection selection, std::string target)
      : selection_(std::move(selection)), target_(std::move(target)) {}
  backends::Backend& backend() override { return *selection_.backend; }
  std::optional<bool> Reachable() override { return selection_.channel->Reachable(); }
  admin::BackendState State() override {
    return {.kind = "grpc", .target = target_, .reachable = Reachable()};
  }

 private:
  backends::GrpcBackendSelection selection_;
  const std::string target_;
};

absl::StatusOr<std::unique_ptr<BackendHolder>> MakeGrpc(const Config& config) {
  absl::StatusOr<backends::GrpcBackendOptions> options =
      backends::ParseGrpcOptions({.target = config.grpc_target,
                                  .timeout = config.grpc_timeout,
                                  .tls_ca_file = config.grpc_tls_ca,
                                  .headers = config.grpc_headers,
                                  .max_item_size = config.max_item_size});
  if (!options.ok()) return options.status();
  const backends::MetadataLayerOptions layer{.no_extra = config.no_extra,
                                             .max_item_size = config.max_item_size};
  absl::StatusOr<backends::GrpcBackendSelection> selection = backends::MakeGrpcBackend(
      *std::move(options), config.no_extra,
      [layer](std::unique_ptr<backends::SimpleStore> store) -> std::unique_ptr<backends::Backend> {
        return std::make_unique<backends::MetadataLayer>(std::move(store), layer);
      });
  if (!selection.ok()) return selection.status();
  return std::make_unique<GrpcHolder>(*std::move(selection), config.grpc_target);
}

}  // namespace

absl::StatusOr<std::unique_ptr<BackendHolder>> MakeBackend(const Config& config) {
  if (config.backend == "grpc") return MakeGrpc(config);
  if (!config.grpc_target.empty() || !config.grpc_tls_ca.empty() || !config.grpc_headers.empty()) {
    return absl::InvalidArgumentError("--grpc-* flags apply to --backend grpc");
  }
  if (config.backend == "memory") {
    if (config.no_extra) {
      return absl::InvalidArgumentError(
          "--no-extra applies to plain stores (--backend simple-memory or grpc), not to memory");
    }
    return std::make_unique<MemoryHolder>(config);
  }
  if (config.backend == "simple-memory") return std::make_unique<SimpleMemoryHolder>(config);
  if (config.backend == "redis") return MakeRedis(config);
  return absl::InvalidArgumentError(absl::StrCat("--backend: unknown backend \"",
                                                 ToAbsl(config.backend),
                                                 "\" (known: memory, simple-memory, redis, grpc)"));
}

}  // namespace memgate::app
