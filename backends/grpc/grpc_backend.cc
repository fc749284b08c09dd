// Each Backend operation as one BackendService call of the full contract.
#include "backends/grpc/grpc_backend.h"

#include <string>
#include <utility>

#include "backends/grpc/grpc_messages.h"

namespace memgate::backends {
namespace {

namespace pb = backend::v1;
using Stub = GrpcChannel::Stub;

pb::StoreMode ToProto(StoreMode mode) {
  switch (mode) {
    case StoreMode::kSet:
      return pb::STORE_MODE_SET;
    case StoreMode::kAdd:
      return pb::STORE_MODE_ADD;
    case StoreMode::kReplace:
      return pb::STORE_MODE_REPLACE;
    case StoreMode::kAppend:
      return pb::STORE_MODE_APPEND;
    case StoreMode::kPrepend:
      return pb::STORE_MODE_PREPEND;
    case StoreMode::kCas:
      return pb::STORE_MODE_CAS;
  }
  return pb::STORE_MODE_UNSPECIFIED;
}

StoreResult StoreError(BackendError error) {
  return StoreResult{.outcome = StoreOutcome::kError, .error = std::move(error)};
}

StoreResult FromProto(const pb::StoreResponse& response) {
  StoreResult result;
  result.cas = response.cas();
  switch (response.outcome()) {
    case pb::STORE_OUTCOME_STORED:
      result.outcome = StoreOutcome::kStored;
      break;
    case pb::STORE_OUTCOME_NOT_STORED:
      result.outcome = StoreOutcome::kNotStored;
      break;
    case pb::STORE_OUTCOME_EXISTS:
      result.outcome = StoreOutcome::kExists;
      break;
    case pb::STORE_OUTCOME_NOT_FOUND:
      result.outcome = StoreOutcome::kNotFound;
      break;
    case pb::STORE_OUTCOME_TOO_LARGE:
      result.outcome = StoreOutcome::kTooLarge;
      break;
    case pb::STORE_OUTCOME_NO_MEMORY:
      result.outcome = StoreOutcome::kNoMemory;
      break;
    default:
      return StoreError(ContractError("Store answered no outcome"));
  }
  return result;
}

ArithResult FromProto(const pb::ArithResponse& response) {
  ArithResult result;
  result.value = response.value();
  result.cas = response.cas();
  switch (response.outcome()) {
    case pb::ARITH_OUTCOME_OK:
      result.outcome = ArithOutcome::kOk;
      break;
    case pb::ARITH_OUTCOME_NOT_FOUND:
      result.outcome = ArithOutcome::kNotFound;
      break;
    case pb::ARITH_OUTCOME_NON_NUMERIC:
      result.outcome = ArithOutcome::kNonNumeric;
      break;
    default:
      return ArithResult{.outcome = ArithOutcome::kError,
                         .error = ContractError("Arith answered no outcome")};
  }
  return result;
}

TouchResult FromProto(const pb::TouchResponse& response) {
  switch (response.outcome()) {
    case pb::TOUCH_OUTCOME_TOUCHED:
      return TouchResult{.outcome = TouchOutcome::kTouched};
    case pb::TOUCH_OUTCOME_NOT_FOUND:
      return TouchResult{.outcome = TouchOutcome::kNotFound};
    default:
      return TouchResult{.outcome = TouchOutcome::kError,
                         .error = ContractError("Touch answered no outcome")};
  }
}

// A Get's request and response, kept alive by the hits that point into them.
struct GetHold {
  pb::GetRequest request;
  pb::GetResponse response;
};

GetResult FromProto(const grpc::Status& status, pb::GetRequest& request,
                    pb::GetResponse& response) {
  if (std::optional<BackendError> error = CallError(status, response)) {
    return GetResult{.outcome = GetOutcome::kError, .error = *std::move(error)};
  }
  if (response.items_size() != request.keys_size()) {
    return GetResult{.outcome = GetOutcome::kError,
                     .error = ContractError("Get answered a different number of items")};
  }
  auto hold = std::make_shared<GetHold>();
  hold->request.Swap(&request);
  hold->response.Swap(&response);
  GetResult result;
  for (int i = 0; i < hold->response.items_size(); ++i) {
    const pb::Item& item = hold->response.items(i);
    if (!item.found()) continue;
    result.hits.push_back(Hit{.key = hold->request.keys(i),
                              .value = item.value(),
                              .flags = item.flags(),
                              .cas = item.cas(),
                              .owner = hold});
  }
  return result;
}

}  // namespace

GrpcBackend::GrpcBackend(std::shared_ptr<GrpcChannel> channel, bool explicit_cas)
    : channel_(std::move(channel)), explicit_cas_(explicit_cas), events_(channel_) {}

GrpcBackend::~GrpcBackend() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* gated) { return *gated == 0; }, &gated_));
}

template <typename Request, typename Response>
void GrpcBackend::Gated(std::span<const std::string_view> keys, KeyGate::Mode mode,
                        GrpcChannel::AsyncMethod<Request, Response> method, Request request,
                        GrpcChannel::CallDone<Request, Response> done) {
  {
    absl::MutexLock lock(&mu_);
    ++gated_;
  }
  auto issue = [this, method, request = std::move(request),
                done = std::move(done)](KeyGate::Ticket ticket) mutable {
    channel_->Call(method, std::move(request),
                   [this, ticket, done = std::move(done)](
                       const grpc::Status& status, Request& request, Response& response) mutable {
                     gate_.Leave(ticket);
                     std::move(done)(status, request, response);
                     absl::MutexLock lock(&mu_);
                     --gated_;
                   });
  };
  if (keys.empty()) {
    gate_.EnterBarrier(std::move(issue));
  } else {
    gate_.Enter(keys, mode, std::move(issue));
  }
}

void GrpcBackend::Get(const ClientContext& client, const GetRequest& request,
                      Done<GetResult> done) {
  if (request.keys.empty()) {
    std::move(done)(GetResult{});
    return;
  }
  pb::GetRequest call;
  ToProto(client, call.mutable_client());
  for (std::string_view key : request.keys) call.add_keys(key.data(), key.size());
  if (request.touch_exptime.has_value()) call.set_touch_exptime(*request.touch_exptime);
  // Plain reads of one key run together; a get-and-touch changes the item.
  const KeyGate::Mode mode =
      request.touch_exptime.has_value() ? KeyGate::Mode::kExclusive : KeyGate::Mode::kShared;
  Gated<pb::GetRequest, pb::GetResponse>(
      request.keys, mode, &Stub::async::Get, std::move(call),
      [done = std::move(done)](const grpc::Status& status, pb::GetRequest& request,
                               pb::GetResponse& response) mutable {
        std::move(done)(FromProto(status, request, response));
      });
}

void GrpcBackend::Store(const ClientContext& client, const StoreRequest& request,
                        Done<StoreResult> done) {
  pb::StoreRequest call;
  ToProto(client, call.mutable_client());
  call.set_mode(ToProto(request.mode));
  call.set_key(request.key.data(), request.key.size());
  call.set_flags(request.flags);
  call.set_exptime(request.exptime);
  call.set_value(request.value.data(), request.value.size());
  call.set_cas(request.cas);
  if (explicit_cas_ && request.explicit_cas != 0) call.set_explicit_cas(request.explicit_cas);
  Gated<pb::StoreRequest, pb::StoreResponse>(
      {&request.key, 1}, KeyGate::Mode::kExclusive, &Stub::async::Store, std::move(call),
      [done = std::move(done)](const grpc::Status& status, pb::StoreRequest&,
                               pb::StoreResponse& response) mutable {
        if (std::optional<BackendError> error = CallError(status, response)) {
          std::move(done)(StoreError(*std::move(error)));
          return;
        }
        std::move(done)(FromProto(response));
      });
}

void GrpcBackend::Delete(const ClientContext& client, const DeleteRequest& request,
                         Done<DeleteResult> done) {
  pb::DeleteRequest call;
  ToProto(client, call.mutable_client());
  call.set_key(request.key.data(), request.key.size());
  Gated<pb::DeleteRequest, pb::DeleteResponse>(
      {&request.key, 1}, KeyGate::Mode::kExclusive, &Stub::async::Delete, std::move(call),
      [done = std::move(done)](const grpc::Status& status, pb::DeleteRequest&,
                               pb::DeleteResponse& response) mutable {
        if (std::optional<BackendError> error = CallError(status, response)) {
          std::move(done)(
              DeleteResult{.outcome = DeleteOutcome::kError, .error = *std::move(error)});
          return;
        }
        std::move(done)(DeleteResult{.outcome = response.deleted() ? DeleteOutcome::kDeleted
                                                                   : DeleteOutcome::kNotFound});
      });
}

void GrpcBackend::Arith(const ClientContext& client, const ArithRequest& request,
                        Done<ArithResult> done) {
  pb::ArithRequest call;
  ToProto(client, call.mutable_client());
  call.set_op(request.op == ArithOp::kIncr ? pb::ARITH_OP_INCR : pb::ARITH_OP_DECR);
  call.set_key(request.key.data(), request.key.size());
  call.set_delta(request.delta);
  if (explicit_cas_ && request.explicit_cas != 0) call.set_explicit_cas(request.explicit_cas);
  Gated<pb::ArithRequest, pb::ArithResponse>(
      {&request.key, 1}, KeyGate::Mode::kExclusive, &Stub::async::Arith, std::move(call),
      [done = std::move(done)](const grpc::Status& status, pb::ArithRequest&,
                               pb::ArithResponse& response) mutable {
        if (std::optional<BackendError> error = CallError(status, response)) {
          std::move(done)(ArithResult{.outcome = ArithOutcome::kError, .error = *std::move(error)});
          return;
        }
        std::move(done)(FromProto(response));
      });
}

void GrpcBackend::Touch(const ClientContext& client, const TouchRequest& request,
                        Done<TouchResult> done) {
  pb::TouchRequest call;
  ToProto(client, call.mutable_client());
  call.set_key(request.key.data(), request.key.size());
  call.set_exptime(request.exptime);
  Gated<pb::TouchRequest, pb::TouchResponse>(
      {&request.key, 1}, KeyGate::Mode::kExclusive, &Stub::async::Touch, std::move(call),
      [done = std::move(done)](const grpc::Status& status, pb::TouchRequest&,
                               pb::TouchResponse& response) mutable {
        if (std::optional<BackendError> error = CallError(status, response)) {
          std::move(done)(TouchResult{.outcome = TouchOutcome::kError, .error = *std::move(error)});
          return;
        }
        std::move(done)(FromProto(response));
      });
}

void GrpcBackend::FlushAll(const ClientContext& client, const FlushRequest& request,
                           Done<FlushResult> done) {
  pb::FlushAllRequest call;
  ToProto(client, call.mutable_client());
  call.set_delay_seconds(request.delay_seconds);
  Gated<pb::FlushAllRequest, pb::FlushAllResponse>(
      {}, KeyGate::Mode::kExclusive, &Stub::async::FlushAll, std::move(call),
      [done = std::move(done)](const grpc::Status& status, pb::FlushAllRequest&,
                               pb::FlushAllResponse& response) mutable {
        if (std::optional<BackendError> error = CallError(status, response)) {
          std::move(done)(FlushResult{.outcome = FlushOutcome::kError, .error = *std::move(error)});
          return;
        }
        std::move(done)(FlushResult{});
      });
}

void GrpcBackend::ClientOpened(const ClientContext& client, Done<OpenResult> done) {
  events_.Opened(client, [done = std::move(done)](std::optional<BackendError> refused) mutable {
    if (refused.has_value()) {
      std::move(done)(OpenResult{.outcome = OpenOutcome::kRefused, .error = *std::move(refused)});
      return;
    }
    std::move(done)(OpenResult{});
  });
}

void GrpcBackend::ClientClosed(const ClientContext& client) { events_.Closed(client); }

void GrpcBackend::Stats(Done<StatsResult> done) {
  std::move(done)(GrpcChannelStats(*channel_, "full"));
}

StatsResult GrpcChannelStats(GrpcChannel& channel, std::string_view contract) {
  const GrpcCallCounts counts = channel.counts();
  StatsResult result;
  result.stats = {
      {"grpc_target", channel.options().target},
      {"grpc_contract", std::string(contract)},
      {"grpc_reachable", channel.Reachable() ? "1" : "0"},
      {"grpc_calls", std::to_string(counts.calls)},
      {"grpc_failed", std::to_string(counts.failed)},
      {"grpc_unavailable", std::to_string(counts.unavailable)},
      {"grpc_deadline_exceeded", std::to_string(counts.deadline_exceeded)},
  };
  return result;
}

}  // namespace memgate::backends
