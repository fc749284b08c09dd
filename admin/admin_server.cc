// Builds the admin grpc::Server: credentials, health, reflection, the bound
// port, and the refusal to listen beyond loopback unprotected.
#include "admin/admin_server.h"

#include <arpa/inet.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/absl_compat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace memgate::admin {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", ToAbsl(what), " \"", path, "\""));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Splits "host:port" / "[v6]:port" into host and port text.
bool SplitHostPort(std::string_view address, std::string_view& host, std::string_view& port) {
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return false;
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
    return true;
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  return host.find(':') == std::string_view::npos;
}

}  // namespace

bool IsLoopbackAddress(std::string_view address) {
  if (address.starts_with("unix:")) return true;
  std::string_view host, port;
  if (!SplitHostPort(address, host, port)) return false;
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(server::Server& server,
                                                                AdminServerOptions options) {
  const std::string& address = options.address;
  std::string_view host, port;
  if (!address.starts_with("unix:") && !SplitHostPort(address, host, port)) {
    return absl::InvalidArgumentError(absl::StrCat("bad --admin address \"", address,
                                                   "\" (want host:port, [v6]:port or unix:/path)"));
  }

  std::string token;
  if (!options.token_file.empty()) {
    absl::StatusOr<std::string> contents = ReadFile(options.token_file, "--admin-token-file");
    if (!contents.ok()) return contents.status();
    token = std::string(absl::StripAsciiWhitespace(*contents));
    if (token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--admin-token-file \"", options.token_file, "\" is empty"));
    }
  }
  if (!IsLoopbackAddress(address) && token.empty() && !options.insecure) {
    return absl::InvalidArgumentError(
        absl::StrCat("refusing to serve the admin API on non-loopback address ", address,
                     " without --admin-token-file (or --admin-insecure to allow it anyway)"));
  }

  std::shared_ptr<grpc::ServerCredentials> credentials;
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("--admin-tls-cert and --admin-tls-key go together");
    }
    absl::StatusOr<std::string> cert = ReadFile(options.tls_cert_file, "--admin-tls-cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options.tls_key_file, "--admin-tls-key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  std::unique_ptr<AdminServer> admin(new AdminServer());
  admin->tls_ = tls;
  admin->token_required_ = !token.empty();
  admin->service_ = std::make_unique<AdminService>(
      server, AdminServiceOptions{.args = std::move(options.args), .token = std::move(token)});

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second memgate would then share the
  // port silently instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int selected_port = 0;
  builder.AddListeningPort(address, credentials, &selected_port);
  builder.RegisterService(admin->service_.get());
  admin->grpc_server_ = builder.BuildAndStart();
  if (!admin->grpc_server_ || (!address.starts_with("unix:") && selected_port == 0)) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve the admin API on ", address, " (address in use or not local?)"));
  }
  admin->bound_address_ =
      address.starts_with("unix:")
          ? address
          : absl::StrCat(address.substr(0, address.size() - port.size()), selected_port);
  grpc::HealthCheckServiceInterface* health = admin->grpc_server_->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus(true);
    health->SetServingStatus(v1::AdminService::service_full_name(), true);
  }
  return admin;
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::SetServingStatus(const std::string& service, bool serving) {
  if (grpc::HealthCheckServiceInterface* health = grpc_server_->GetHealthCheckService()) {
    health->SetServingStatus(service, serving);
  }
}

void AdminServer::Stop() {
  if (stopped_ || !grpc_server_) return;
  stopped_ = true;
  if (grpc::HealthCheckServiceInterface* health = grpc_server_->GetHealthCheckService()) {
    health->SetServingStatus(false);
  }
  service_->Shutdown();
  grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  grpc_server_->Wait();
}

}  // namespace memgate::admin
