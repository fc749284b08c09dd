// grpc.health.v1.Health with the callback API, and the thread-safe
// SetServingStatus through which parts of memgate report on themselves (a
// backend marks "memgate.backend" NOT_SERVING while it is unreachable).
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace memgate::admin {

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  // The server as a whole (service "") starts SERVING.
  HealthService();
  ~HealthService() override;

  // Adds `service` with this status or changes it; Watch streams on it are
  // sent the change. "" is the server as a whole. Ignored after Shutdown.
  void SetServingStatus(std::string service, bool serving);

  // Every service NOT_SERVING for good: Watch streams are sent that, then
  // end (UNAVAILABLE). Call before shutting the gRPC server down.
  void Shutdown();

  // NOT_FOUND for a service never set, as the health protocol says.
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  // The status now (SERVICE_UNKNOWN for a service never set), then each change.
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  ServingStatus StatusOf(const std::string& service) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // Also guards every Watcher's state: a status change and a watcher's
  // write completion must agree on what was sent last.
  mutable absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, bool> serving_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::admin
