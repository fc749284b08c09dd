// Builds the backend named by --backend from the configuration: the one
// place that knows every backend library.
#pragma once

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "admin/backend_state.h"
#include "app/config/config.h"
#include "backends/backend.h"
#include "server/server.h"

namespace memgate::app {

// Keeps whatever the backend is layered on alive alongside it.
class BackendHolder {
 public:
  virtual ~BackendHolder() = default;
  virtual backends::Backend& backend() = 0;
  // After the server exists and before it starts: a backend that does its
  // I/O on the server's event loops (Redis) takes them here.
  virtual void Attach(server::Server& server) {}
  // Before the server stops: such a backend closes its connections.
  virtual void Detach() {}
  // Whether the storage behind the backend can be reached, for the health
  // report; nullopt when there is nothing remote to reach. Thread-safe.
  virtual std::optional<bool> Reachable() { return std::nullopt; }
  // What the admin API shows of the backend (GetServerInfo). Thread-safe.
  virtual admin::BackendState State() = 0;
};

// INVALID_ARGUMENT for an unknown backend name or flags that do not fit it;
// for grpc, blocks until the service answers the contract probe (at most
// ten seconds) and fails with UNAVAILABLE or DEADLINE_EXCEEDED when it does
// not.
absl::StatusOr<std::unique_ptr<BackendHolder>> MakeBackend(const Config& config);

}  // namespace memgate::app
