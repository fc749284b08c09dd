// Conversions between the backend interfaces' types and backend.proto's
// messages, shared by the plain (GrpcStore) and full (GrpcBackend) adapters.
#pragma once

#include <optional>

#include "backends/backend.h"
#include "backends/client_context.h"
#include "grpcpp/support/status.h"
#include "memgate/backend/v1/backend.pb.h"

namespace memgate::backends {

void ToProto(const ClientContext& client, backend::v1::Client* out);

// The error a client sees for a call that did not complete: a fixed message
// for what gRPC reports locally (unavailable, timed out), the service's own
// message for a status it sent. Always keeps the connection.
BackendError StatusError(const grpc::Status& status);

// The service's Failure, with CR and LF replaced so it fits one reply line.
BackendError FailureError(const backend::v1::Failure& failure);

// For a response that may carry a failure: the error from the status or the
// failure, or nullopt when the call succeeded.
template <typename Response>
std::optional<BackendError> CallError(const grpc::Status& status, const Response& response) {
  if (!status.ok()) return StatusError(status);
  if (response.has_failure()) return FailureError(response.failure());
  return std::nullopt;
}

// A response that breaks the contract (no outcome, wrong item count).
BackendError ContractError(const char* what);

}  // namespace memgate::backends
