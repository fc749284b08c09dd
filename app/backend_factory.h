// Builds the backend named by --backend from the configuration: the one
// place that knows every backend library.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "server/config.h"

namespace memgate::app {

// Keeps whatever the backend is layered on alive alongside it.
class BackendHolder {
 public:
  virtual ~BackendHolder() = default;
  virtual backends::Backend& backend() = 0;
};

// INVALID_ARGUMENT for an unknown backend name.
absl::StatusOr<std::unique_ptr<BackendHolder>> MakeBackend(const server::Config& config);

}  // namespace memgate::app
