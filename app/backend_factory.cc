// The backends memgate can be started with.
#include "app/backend_factory.h"

#include "absl/strings/str_cat.h"
#include "backends/memory/memory_backend.h"
#include "backends/metadata_layer.h"
#include "backends/simple_memory/simple_memory_store.h"
#include "common/absl_compat.h"

namespace memgate::app {
namespace {

class MemoryHolder final : public BackendHolder {
 public:
  explicit MemoryHolder(const server::Config& config)
      : backend_(backends::MemoryBackendOptions{.memory_limit_bytes = config.memory_limit_mb << 20,
                                                .max_item_size = config.max_item_size,
                                                .evictions = config.evictions_enabled,
                                                .cas_enabled = config.cas_enabled}) {}
  backends::Backend& backend() override { return backend_; }

 private:
  backends::MemoryBackend backend_;
};

// The seed's plain store under the metadata layer: what any SimpleStore gets.
class SimpleMemoryHolder final : public BackendHolder {
 public:
  explicit SimpleMemoryHolder(const server::Config& config)
      : layer_(store_, backends::MetadataLayerOptions{.no_extra = config.no_extra,
                                                      .max_item_size = config.max_item_size}) {}
  backends::Backend& backend() override { return layer_; }

 private:
  backends::SimpleMemoryStore store_;
  backends::MetadataLayer layer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BackendHolder>> MakeBackend(const server::Config& config) {
  if (config.backend == "memory") {
    if (config.no_extra) {
      return absl::InvalidArgumentError(
          "--no-extra applies to plain stores (--backend simple-memory), not to memory");
    }
    return std::make_unique<MemoryHolder>(config);
  }
  if (config.backend == "simple-memory") return std::make_unique<SimpleMemoryHolder>(config);
  return absl::InvalidArgumentError(absl::StrCat("--backend: unknown backend \"",
                                                 ToAbsl(config.backend),
                                                 "\" (known: memory, simple-memory)"));
}

}  // namespace memgate::app
