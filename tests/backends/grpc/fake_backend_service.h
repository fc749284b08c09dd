// An in-process BackendService whose answers a test sets: slow calls, Set
// failures that keep or close the client, refused clients, error statuses.
// It records which clients and headers reached it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"
#include "memgate/backend/v1/backend.grpc.pb.h"

namespace memgate::backends::testing {

class FakeBackendService final : public backend::v1::BackendService::Service {
 public:
  // Keys (and values) live in a map; every call first sleeps `delay`.
  void set_delay(absl::Duration delay);
  // ClientOpened refuses clients whose peer is `peer`, with `message`.
  void RefusePeer(std::string peer, std::string message);
  // Delete answers this status instead of deleting.
  void FailDeletes(grpc::Status status);
  // Get answers one item fewer than asked.
  void set_short_gets(bool short_gets);

  // Every Client that reached a call, by method name ("Set", "ClientOpened").
  std::vector<std::pair<std::string, backend::v1::Client>> clients() const;
  // The value of header `name` on the last call, if it had one.
  std::optional<std::string> last_header(const std::string& name) const;

  grpc::Status Find(grpc::ServerContext* context, const backend::v1::FindRequest* request,
                    backend::v1::FindResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const backend::v1::GetRequest* request,
                   backend::v1::GetResponse* response) override;
  // Key "keep" answers a failure that keeps the client, "close" one that
  // closes it; anything else is stored.
  grpc::Status Set(grpc::ServerContext* context, const backend::v1::SetRequest* request,
                   backend::v1::SetResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const backend::v1::DeleteRequest* request,
                      backend::v1::DeleteResponse* response) override;
  grpc::Status FlushAll(grpc::ServerContext* context, const backend::v1::FlushAllRequest* request,
                        backend::v1::FlushAllResponse* response) override;
  grpc::Status ClientOpened(grpc::ServerContext* context,
                            const backend::v1::ClientOpenedRequest* request,
                            backend::v1::ClientOpenedResponse* response) override;
  grpc::Status ClientClosed(grpc::ServerContext* context,
                            const backend::v1::ClientClosedRequest* request,
                            backend::v1::ClientClosedResponse* response) override;

 private:
  // Sleeps the delay and records the call.
  void Enter(const char* method, grpc::ServerContext* context, const backend::v1::Client& client);

  mutable absl::Mutex mu_;
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
  std::string refused_peer_ ABSL_GUARDED_BY(mu_);
  std::string refusal_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> delete_status_ ABSL_GUARDED_BY(mu_);
  bool short_gets_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::pair<std::string, backend::v1::Client>> clients_ ABSL_GUARDED_BY(mu_);
  std::multimap<std::string, std::string> headers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> data_ ABSL_GUARDED_BY(mu_);
};

// The fake served on a port of 127.0.0.1, in this process.
class FakeBackendServer {
 public:
  FakeBackendServer() : FakeBackendServer(grpc::InsecureServerCredentials()) {}
  explicit FakeBackendServer(std::shared_ptr<grpc::ServerCredentials> credentials);
  ~FakeBackendServer();

  FakeBackendService& service() { return service_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  FakeBackendService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace memgate::backends::testing
