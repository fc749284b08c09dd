// Client identity and error mapping for backend.proto calls.
#include "backends/grpc/grpc_messages.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace memgate::backends {
namespace {

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "error";
  }
}

}  // namespace

void ToProto(const ClientContext& client, backend::v1::Client* out) {
  out->set_id(client.id);
  out->set_peer(client.peer);
  out->set_listener(client.listener);
}

BackendError StatusError(const grpc::Status& status) {
  switch (status.error_code()) {
    // gRPC's own text for these names addresses and internals; the client
    // needs only the fact.
    case grpc::StatusCode::UNAVAILABLE:
      return BackendError{"backend unavailable"};
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return BackendError{"backend timed out"};
    default:
      break;
  }
  if (status.error_message().empty()) {
    return BackendError{absl::StrCat("backend error ", CodeName(status.error_code()))};
  }
  return BackendError{OneLine(status.error_message())};
}

BackendError FailureError(const backend::v1::Failure& failure) {
  std::string message = failure.message().empty() ? "backend error" : failure.message();
  return BackendError{OneLine(std::move(message)), failure.close_connection()};
}

BackendError ContractError(const char* what) {
  return BackendError{absl::StrCat("backend broke the contract: ", what)};
}

}  // namespace memgate::backends
