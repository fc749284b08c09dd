// The admin gRPC server: AdminService plus grpc.health.v1 and server
// reflection on the --admin address, with the token and TLS options.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin/admin_service.h"
#include "grpcpp/server.h"
#include "server/server.h"

namespace memgate::admin {

struct AdminServerOptions {
  // "host:port", "[v6]:port" or "unix:/path"; port 0 picks a free port.
  std::string address = "127.0.0.1:50051";
  // File holding the bearer token clients must send. Empty: no token.
  std::string token_file;
  // Allow a non-loopback address without a token.
  bool insecure = false;
  // PEM certificate chain and private key; both or neither. Set: TLS.
  std::string tls_cert_file;
  std::string tls_key_file;
  // The command line, for GetServerInfo.
  std::vector<std::string> args;
};

// True for 127.0.0.0/8, ::1, localhost and unix: addresses.
bool IsLoopbackAddress(std::string_view address);

class AdminServer {
 public:
  // Starts serving on gRPC's own threads. INVALID_ARGUMENT for bad options
  // (including a non-loopback address with neither a token nor
  // `insecure`), UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(server::Server& server,
                                                            AdminServerOptions options);
  ~AdminServer();

  // The address actually bound (with the real port).
  const std::string& bound_address() const { return bound_address_; }
  bool tls() const { return tls_; }
  bool token_required() const { return token_required_; }

  // Reports `service` (for instance "memgate.backend") in grpc.health.v1.
  // Thread-safe; call it before Stop, which marks everything NOT_SERVING.
  void SetServingStatus(const std::string& service, bool serving);

  // Ends watch streams, finishes in-flight calls (cancelling those still
  // running after a second) and stops. Idempotent.
  void Stop();

 private:
  AdminServer() = default;

  std::unique_ptr<AdminService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::string bound_address_;
  bool tls_ = false;
  bool token_required_ = false;
  bool stopped_ = false;
};

}  // namespace memgate::admin
