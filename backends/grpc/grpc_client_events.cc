// The client lifecycle calls of backend.proto.
#include "backends/grpc/grpc_client_events.h"

#include <utility>

#include "backends/grpc/grpc_messages.h"

namespace memgate::backends {

namespace pb = backend::v1;

void GrpcClientEvents::Opened(const ClientContext& client,
                              absl::AnyInvocable<void(std::optional<BackendError>) &&> done) {
  if (opened_unimplemented_->load(std::memory_order_relaxed)) {
    std::move(done)(std::nullopt);
    return;
  }
  pb::ClientOpenedRequest request;
  ToProto(client, request.mutable_client());
  channel_->Call(&GrpcChannel::Stub::async::ClientOpened, std::move(request),
                 [unimplemented = opened_unimplemented_, done = std::move(done)](
                     const grpc::Status& status, pb::ClientOpenedRequest&,
                     pb::ClientOpenedResponse& response) mutable {
                   if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
                     unimplemented->store(true, std::memory_order_relaxed);
                   }
                   if (status.ok() && response.refused()) {
                     std::string message =
                         response.message().empty() ? "refused by the backend" : response.message();
                     pb::Failure failure;
                     failure.set_message(std::move(message));
                     std::move(done)(FailureError(failure));
                     return;
                   }
                   std::move(done)(std::nullopt);
                 });
}

void GrpcClientEvents::Closed(const ClientContext& client) {
  if (closed_unimplemented_->load(std::memory_order_relaxed)) return;
  pb::ClientClosedRequest request;
  ToProto(client, request.mutable_client());
  channel_->Call(
      &GrpcChannel::Stub::async::ClientClosed, std::move(request),
      [unimplemented = closed_unimplemented_](const grpc::Status& status, pb::ClientClosedRequest&,
                                              pb::ClientClosedResponse&) {
        if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
          unimplemented->store(true, std::memory_order_relaxed);
        }
      });
}

}  // namespace memgate::backends
