// The backends memgate can be started with.
#include "server/backend_factory.h"

#include "absl/strings/str_cat.h"
#include "backends/memory/memory_backend.h"

namespace memgate::server {
namespace {

class MemoryHolder final : public BackendHolder {
 public:
  explicit MemoryHolder(const Config& config)
      : backend_(backends::MemoryBackendOptions{
            .memory_limit_bytes = config.memory_limit_mb << 20,
            .max_item_size = config.max_item_size}) {}
  backends::Backend& backend() override { return backend_; }

 private:
  backends::MemoryBackend backend_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BackendHolder>> MakeBackend(const Config& config) {
  if (config.backend == "memory") return std::make_unique<MemoryHolder>(config);
  return absl::InvalidArgumentError(
      absl::StrCat("--backend: unknown backend \"", config.backend, "\" (known: memory)"));
}

}  // namespace memgate::server
