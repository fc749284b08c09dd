// The fake's answers: a map for data, the test's settings for everything else.
#include "tests/backends/grpc/fake_backend_service.h"

#include <cstdlib>

#include "grpcpp/grpcpp.h"

namespace memgate::backends::testing {

namespace pb = backend::v1;

void FakeBackendService::set_delay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  delay_ = delay;
}

void FakeBackendService::RefusePeer(std::string peer, std::string message) {
  absl::MutexLock lock(&mu_);
  refused_peer_ = std::move(peer);
  refusal_ = std::move(message);
}

void FakeBackendService::FailDeletes(grpc::Status status) {
  absl::MutexLock lock(&mu_);
  delete_status_ = std::move(status);
}

void FakeBackendService::set_short_gets(bool short_gets) {
  absl::MutexLock lock(&mu_);
  short_gets_ = short_gets;
}

std::vector<std::pair<std::string, pb::Client>> FakeBackendService::clients() const {
  absl::MutexLock lock(&mu_);
  return clients_;
}

std::optional<std::string> FakeBackendService::last_header(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = headers_.find(name);
  if (it == headers_.end()) return std::nullopt;
  return it->second;
}

void FakeBackendService::Enter(const char* method, grpc::ServerContext* context,
                               const pb::Client& client) {
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    delay = delay_;
    clients_.emplace_back(method, client);
    headers_.clear();
    for (const auto& [name, value] : context->client_metadata()) {
      headers_.emplace(std::string(name.data(), name.size()),
                       std::string(value.data(), value.size()));
    }
  }
  absl::SleepFor(delay);
}

grpc::Status FakeBackendService::Find(grpc::ServerContext* context, const pb::FindRequest* request,
                                      pb::FindResponse* response) {
  Enter("Find", context, request->client());
  absl::MutexLock lock(&mu_);
  response->set_found(data_.contains(request->key()));
  return grpc::Status::OK;
}

grpc::Status FakeBackendService::Get(grpc::ServerContext* context, const pb::GetRequest* request,
                                     pb::GetResponse* response) {
  Enter("Get", context, request->client());
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < request->keys_size() - (short_gets_ ? 1 : 0); ++i) {
    pb::Item* item = response->add_items();
    if (auto it = data_.find(request->keys(i)); it != data_.end()) {
      item->set_found(true);
      item->set_value(it->second);
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeBackendService::Set(grpc::ServerContext* context, const pb::SetRequest* request,
                                     pb::SetResponse* response) {
  Enter("Set", context, request->client());
  if (request->key() == "keep" || request->key() == "close") {
    response->mutable_failure()->set_message("refused\r\nto store " + request->key());
    response->mutable_failure()->set_close_connection(request->key() == "close");
    return grpc::Status::OK;
  }
  absl::MutexLock lock(&mu_);
  data_[request->key()] = request->value();
  return grpc::Status::OK;
}

grpc::Status FakeBackendService::Delete(grpc::ServerContext* context,
                                        const pb::DeleteRequest* request,
                                        pb::DeleteResponse* response) {
  Enter("Delete", context, request->client());
  absl::MutexLock lock(&mu_);
  if (delete_status_.has_value()) return *delete_status_;
  response->set_deleted(data_.erase(request->key()) > 0);
  return grpc::Status::OK;
}

grpc::Status FakeBackendService::FlushAll(grpc::ServerContext* context,
                                          const pb::FlushAllRequest* request,
                                          pb::FlushAllResponse*) {
  Enter("FlushAll", context, request->client());
  absl::MutexLock lock(&mu_);
  data_.clear();
  return grpc::Status::OK;
}

grpc::Status FakeBackendService::ClientOpened(grpc::ServerContext* context,
                                              const pb::ClientOpenedRequest* request,
                                              pb::ClientOpenedResponse* response) {
  Enter("ClientOpened", context, request->client());
  absl::MutexLock lock(&mu_);
  if (!refused_peer_.empty() && request->client().peer() == refused_peer_) {
    response->set_refused(true);
    response->set_message(refusal_);
  }
  return grpc::Status::OK;
}

grpc::Status FakeBackendService::ClientClosed(grpc::ServerContext* context,
                                              const pb::ClientClosedRequest* request,
                                              pb::ClientClosedResponse*) {
  Enter("ClientClosed", context, request->client());
  return grpc::Status::OK;
}

FakeBackendServer::FakeBackendServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) std::abort();
}

FakeBackendServer::~FakeBackendServer() {
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

}  // namespace memgate::backends::testing
