// Keeps a health status in step with the reachability of the storage behind
// the backend (a gRPC service): memgate reports grpc.health.v1 service
// "memgate.backend" NOT_SERVING while it cannot reach it.
#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "app/backend_factory.h"

namespace memgate::app {

// The health service name memgate reports its backend under.
inline constexpr char kBackendHealthService[] = "memgate.backend";

class BackendHealthReporter {
 public:
  // Polls holder.Reachable() every `interval` on a thread of its own and
  // calls `report` with the first answer and every change. `holder` must
  // outlive the reporter; Reachable() must not be nullopt.
  BackendHealthReporter(BackendHolder& holder, std::function<void(bool serving)> report,
                        absl::Duration interval = absl::Milliseconds(500));
  // Stops polling; `report` is not called after this returns.
  ~BackendHealthReporter();

  BackendHealthReporter(const BackendHealthReporter&) = delete;
  BackendHealthReporter& operator=(const BackendHealthReporter&) = delete;

 private:
  void Run(BackendHolder& holder, std::function<void(bool)> report, absl::Duration interval);

  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace memgate::app
