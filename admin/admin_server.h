// The admin gRPC server: AdminService plus grpc.health.v1 and server
// reflection on the --admin address, with the token and TLS settings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin/admin_service.h"
#include "admin/admin_settings.h"
#include "admin/health_service.h"
#include "admin/reflection_service.h"
#include "grpcpp/server.h"
#include "server/server.h"

namespace memgate::admin {

class AdminServer {
 public:
  // Starts serving on gRPC's own threads. `settings` come from
  // LoadAdminSettings. UNAVAILABLE when the address cannot be bound.
  // Reflection serves admin.proto's comments from descriptors built into
  // the binary.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(server::Server& server,
                                                            AdminSettings settings);
  ~AdminServer();

  // The address actually bound (with the real port).
  const std::string& bound_address() const { return bound_address_; }
  bool tls() const { return tls_; }
  bool token_required() const { return token_required_; }
  // grpc.health.v1 as served on this port: AdminService and the server as a
  // whole ("") are SERVING until Stop; other parts of memgate add their own.
  HealthService& health() { return *health_; }
  // ReloadConfig's handler (see AdminService::SetReloadHandler).
  void SetReloadHandler(ReloadHandler handler) { service_->SetReloadHandler(std::move(handler)); }

  // Ends watch streams, finishes in-flight calls (cancelling those still
  // running after a second) and stops. Idempotent.
  void Stop();

 private:
  AdminServer() = default;

  std::unique_ptr<AdminService> service_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<ReflectionService> reflection_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::string bound_address_;
  bool tls_ = false;
  bool token_required_ = false;
  bool stopped_ = false;
};

}  // namespace memgate::admin
