// HealthService: Check answers from a map of statuses; each Watch stream is
// a reactor that writes the latest status whenever it differs from the last
// one sent, one write at a time.
#include "admin/health_service.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace memgate::admin {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch stream. Its state is guarded by the service's mutex. gRPC runs
// reactions on its own threads, never inside StartWrite or Finish, so those
// may be called with the mutex held.
class HealthService::Watcher final : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService& service, std::string name) : service_(service), name_(std::move(name)) {
    absl::MutexLock lock(&service_.mu_);
    service_.watchers_.insert(this);
    Send(service_.StatusOf(name_));
    if (service_.shut_down_) End();
  }

  const std::string& name() const { return name_; }

  // The caller holds the service's mutex (the service's own methods reach a
  // watcher through a pointer, where the analysis cannot name that mutex).
  void Send(ServingStatus status) {
    service_.mu_.AssertHeld();
    pending_ = status;
    Flush();
  }

  // Finishes the stream once what is pending has been written. The caller
  // holds the service's mutex.
  void End() {
    service_.mu_.AssertHeld();
    ending_ = true;
    Flush();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&service_.mu_);
    writing_ = false;
    if (!ok) broken_ = true;
    Flush();
  }

  void OnCancel() override {
    absl::MutexLock lock(&service_.mu_);
    broken_ = true;
    Flush();
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&service_.mu_);
      service_.watchers_.erase(this);
    }
    delete this;
  }

 private:
  // Starts the next write, or the finish, if neither is in progress.
  void Flush() ABSL_EXCLUSIVE_LOCKS_REQUIRED(service_.mu_) {
    if (writing_ || finished_) return;
    if (!broken_ && pending_ && pending_ != last_sent_) {
      last_sent_ = *pending_;
      pending_.reset();
      response_.set_status(*last_sent_);
      writing_ = true;
      StartWrite(&response_);
      return;
    }
    pending_.reset();
    if (broken_ || ending_) {
      finished_ = true;
      Finish(broken_ ? grpc::Status::CANCELLED
                     : grpc::Status(grpc::StatusCode::UNAVAILABLE, "memgate is shutting down"));
    }
  }

  HealthService& service_;
  const std::string name_;
  std::optional<ServingStatus> pending_;
  std::optional<ServingStatus> last_sent_;
  HealthCheckResponse response_;  // in use while writing_
  bool writing_ = false;
  bool ending_ = false;
  bool broken_ = false;  // cancelled, or a write failed
  bool finished_ = false;
};

HealthService::HealthService() { serving_[""] = true; }

HealthService::~HealthService() = default;

HealthService::ServingStatus HealthService::StatusOf(const std::string& service) const {
  auto it = serving_.find(service);
  if (it == serving_.end()) return HealthCheckResponse::SERVICE_UNKNOWN;
  return it->second ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

void HealthService::SetServingStatus(std::string service, bool serving) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  serving_[service] = serving;
  const ServingStatus status = StatusOf(service);
  for (Watcher* watcher : watchers_) {
    if (watcher->name() == service) watcher->Send(status);
  }
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  for (auto& [service, serving] : serving_) serving = false;
  for (Watcher* watcher : watchers_) {
    watcher->Send(StatusOf(watcher->name()));
    watcher->End();
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  ServingStatus status;
  {
    absl::MutexLock lock(&mu_);
    status = StatusOf(request->service());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 absl::StrCat("unknown service \"", request->service(), "\"")));
  } else {
    response->set_status(status);
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request) {
  return new Watcher(*this, request->service());
}

}  // namespace memgate::admin
