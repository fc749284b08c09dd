// Builds the admin grpc::Server: credentials, health, reflection and the
// bound port.
#include "admin/admin_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "memgate/admin/v1/admin_descriptor_set.h"

namespace memgate::admin {

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(server::Server& server,
                                                                AdminSettings settings) {
  const std::string address = settings.address;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  const bool tls = !settings.tls_cert_pem.empty();
  if (tls) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({settings.tls_key_pem, settings.tls_cert_pem});
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  std::unique_ptr<AdminServer> admin(new AdminServer());
  admin->tls_ = tls;
  admin->token_required_ = !settings.token.empty();
  admin->service_ = std::make_unique<AdminService>(
      server, AdminServiceOptions{.args = std::move(settings.args),
                                  .backend_state = std::move(settings.backend_state),
                                  .token = std::move(settings.token)});
  admin->health_ = std::make_unique<HealthService>();
  admin->health_->SetServingStatus(v1::AdminService::service_full_name(), true);

  absl::StatusOr<std::unique_ptr<ReflectionService>> reflection = ReflectionService::Create(
      AdminDescriptorSet(),
      {std::string(v1::AdminService::service_full_name()),
       std::string(grpc::health::v1::Health::service_full_name()),
       std::string(grpc::reflection::v1::ServerReflection::service_full_name()),
       std::string(grpc::reflection::v1alpha::ServerReflection::service_full_name())});
  if (!reflection.ok()) return reflection.status();
  admin->reflection_ = std::move(*reflection);

  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second memgate would then share the
  // port silently instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int selected_port = 0;
  builder.AddListeningPort(address, credentials, &selected_port);
  builder.RegisterService(admin->service_.get());
  builder.RegisterService(admin->health_.get());
  builder.RegisterService(admin->reflection_->v1());
  builder.RegisterService(admin->reflection_->v1alpha());
  admin->grpc_server_ = builder.BuildAndStart();
  if (!admin->grpc_server_ || (!address.starts_with("unix:") && selected_port == 0)) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve the admin API on ", address, " (address in use or not local?)"));
  }
  admin->bound_address_ =
      address.starts_with("unix:")
          ? address
          : absl::StrCat(address.substr(0, address.rfind(':') + 1), selected_port);
  return admin;
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Stop() {
  if (stopped_ || !grpc_server_) return;
  stopped_ = true;
  health_->Shutdown();
  service_->Shutdown();
  grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  grpc_server_->Wait();
}

}  // namespace memgate::admin
