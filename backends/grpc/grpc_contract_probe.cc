// The four probe calls, issued together; the last to answer reports.
#include "backends/grpc/grpc_contract_probe.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace memgate::backends {
namespace {

namespace pb = backend::v1;

class Probe {
 public:
  explicit Probe(absl::AnyInvocable<void(absl::StatusOr<ServiceContract>) &&> done)
      : done_(std::move(done)) {}

  // The probe of one optional method: UNIMPLEMENTED means no; any answer of
  // the service's means yes; a call that never reached it leaves the
  // question open, which fails the probe.
  void Answer(bool ServiceContract::*field, const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    if (status.ok() || status.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
      if (Unreached(status)) {
        Fail(status);
      } else {
        contract_.*field = true;
      }
    }
  }

  void AnswerGet(const grpc::Status& status, const pb::GetResponse& response) {
    absl::MutexLock lock(&mu_);
    if (!status.ok()) {
      // Get is part of the plain contract: a service must answer it.
      Fail(status);
    } else {
      contract_.get_metadata = response.metadata();
      contract_.explicit_cas = response.explicit_cas();
    }
  }

  // Called once per probe call, after its Answer.
  void Finish() {
    std::optional<absl::StatusOr<ServiceContract>> result;
    {
      absl::MutexLock lock(&mu_);
      if (--outstanding_ > 0) return;
      if (error_.has_value()) {
        result = *error_;
      } else {
        result = contract_;
      }
    }
    std::move(done_)(*std::move(result));
  }

 private:
  static bool Unreached(const grpc::Status& status) {
    return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
           status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  }

  void Fail(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (error_.has_value()) return;
    const std::string message =
        absl::StrCat("probing the backend service: ", status.error_message());
    error_ = status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                 ? absl::DeadlineExceededError(message)
                 : absl::UnavailableError(message);
  }

  absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 4;
  ServiceContract contract_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> error_ ABSL_GUARDED_BY(mu_);
  absl::AnyInvocable<void(absl::StatusOr<ServiceContract>) &&> done_;
};

}  // namespace

void ProbeServiceContract(std::shared_ptr<GrpcChannel> channel,
                          absl::AnyInvocable<void(absl::StatusOr<ServiceContract>) &&> done) {
  auto probe = std::make_shared<Probe>(std::move(done));
  const absl::Duration wait = channel->options().probe_timeout;

  channel->CallWithDeadline(
      &GrpcChannel::Stub::async::Get, pb::GetRequest(), wait,
      /*wait_for_ready=*/true,
      [probe](const grpc::Status& status, pb::GetRequest&, pb::GetResponse& response) {
        probe->AnswerGet(status, response);
        probe->Finish();
      });
  channel->CallWithDeadline(
      &GrpcChannel::Stub::async::Store, pb::StoreRequest(), wait,
      /*wait_for_ready=*/true,
      [probe](const grpc::Status& status, pb::StoreRequest&, pb::StoreResponse&) {
        probe->Answer(&ServiceContract::store, status);
        probe->Finish();
      });
  channel->CallWithDeadline(
      &GrpcChannel::Stub::async::Arith, pb::ArithRequest(), wait,
      /*wait_for_ready=*/true,
      [probe](const grpc::Status& status, pb::ArithRequest&, pb::ArithResponse&) {
        probe->Answer(&ServiceContract::arith, status);
        probe->Finish();
      });
  channel->CallWithDeadline(
      &GrpcChannel::Stub::async::Touch, pb::TouchRequest(), wait,
      /*wait_for_ready=*/true,
      [probe](const grpc::Status& status, pb::TouchRequest&, pb::TouchResponse&) {
        probe->Answer(&ServiceContract::touch, status);
        probe->Finish();
      });
}

absl::StatusOr<ServiceContract> ProbeServiceContractBlocking(std::shared_ptr<GrpcChannel> channel) {
  absl::Notification answered;
  std::optional<absl::StatusOr<ServiceContract>> result;
  ProbeServiceContract(std::move(channel), [&](absl::StatusOr<ServiceContract> contract) {
    result = std::move(contract);
    answered.Notify();
  });
  answered.WaitForNotification();
  return *std::move(result);
}

}  // namespace memgate::backends
