// memgate.admin.v1.AdminService over a running Server, with the gRPC callback
// API: handlers run on gRPC's threads and act on listeners and clients through
// the thread-safe ListenerManager and ClientRegistry, never on an event loop.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "admin/backend_state.h"
#include "memgate/admin/v1/admin.grpc.pb.h"
#include "server/server.h"

namespace memgate::admin {

// What a config reload changed and what it left (ReloadConfig).
struct ReloadOutcome {
  std::vector<std::string> applied;
  std::vector<std::string> not_applied;
};
using ReloadHandler = std::function<absl::StatusOr<ReloadOutcome>()>;

struct AdminServiceOptions {
  // The command line the server was started with (ServerInfo.args).
  std::vector<std::string> args;
  // ServerInfo.backend_state. Unset: only its kind, the backend's name, with
  // reachability unspecified.
  BackendStateSource backend_state;
  // When not empty, every AdminService call must carry
  // "authorization: Bearer <token>": a missing header is UNAUTHENTICATED, a
  // wrong token PERMISSION_DENIED.
  std::string token;
};

class AdminService final : public v1::AdminService::CallbackService {
 public:
  // `server` must outlive the service.
  AdminService(server::Server& server, AdminServiceOptions options);
  ~AdminService() override;

  // Ends every WatchEvents stream (status UNAVAILABLE); later calls end at
  // once. Call before shutting the gRPC server down.
  void Shutdown();
  // What ReloadConfig runs (on a gRPC thread); until set it answers
  // FAILED_PRECONDITION.
  void SetReloadHandler(ReloadHandler handler);

  grpc::ServerUnaryReactor* CreateListener(grpc::CallbackServerContext* context,
                                           const v1::CreateListenerRequest* request,
                                           v1::Listener* response) override;
  grpc::ServerUnaryReactor* GetListener(grpc::CallbackServerContext* context,
                                        const v1::GetListenerRequest* request,
                                        v1::Listener* response) override;
  grpc::ServerUnaryReactor* ListListeners(grpc::CallbackServerContext* context,
                                          const v1::ListListenersRequest* request,
                                          v1::ListListenersResponse* response) override;
  grpc::ServerUnaryReactor* DeleteListener(grpc::CallbackServerContext* context,
                                           const v1::DeleteListenerRequest* request,
                                           v1::Listener* response) override;
  grpc::ServerUnaryReactor* ListClients(grpc::CallbackServerContext* context,
                                        const v1::ListClientsRequest* request,
                                        v1::ListClientsResponse* response) override;
  grpc::ServerUnaryReactor* GetClient(grpc::CallbackServerContext* context,
                                      const v1::GetClientRequest* request,
                                      v1::Client* response) override;
  grpc::ServerUnaryReactor* DisconnectClient(grpc::CallbackServerContext* context,
                                             const v1::DisconnectClientRequest* request,
                                             v1::Client* response) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const v1::GetStatsRequest* request,
                                     v1::Stats* response) override;
  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* context,
                                          const v1::GetServerInfoRequest* request,
                                          v1::ServerInfo* response) override;
  grpc::ServerWriteReactor<v1::Event>* WatchEvents(grpc::CallbackServerContext* context,
                                                   const v1::WatchEventsRequest* request) override;
  grpc::ServerUnaryReactor* ReloadConfig(grpc::CallbackServerContext* context,
                                         const v1::ReloadConfigRequest* request,
                                         v1::ReloadConfigResponse* response) override;

 private:
  class EventWriter;

  // OK, or why the caller may not use the service.
  grpc::Status Authorize(const grpc::CallbackServerContext& context) const;
  // Runs `handler` after the token check and finishes the call with its status.
  template <typename Handler>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, Handler handler);

  server::Server& server_;
  const AdminServiceOptions options_;

  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::weak_ptr<server::EventSubscription>> watchers_ ABSL_GUARDED_BY(mu_);
  ReloadHandler reload_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::admin
