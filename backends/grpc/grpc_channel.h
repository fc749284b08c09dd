// The one gRPC channel memgate keeps to its BackendService, shared by every
// event loop: it issues asynchronous unary calls (the callback API, so no
// thread ever waits on the network), stamps each with the deadline and the
// configured headers, counts outcomes, and tracks whether the service is
// reachable.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "backends/grpc/grpc_options.h"
#include "grpcpp/grpcpp.h"
#include "memgate/backend/v1/backend.grpc.pb.h"

namespace memgate::backends {

// What the channel has seen of the service, for health reporting.
struct GrpcCallCounts {
  uint64_t calls = 0;
  uint64_t failed = 0;             // any non-OK status
  uint64_t unavailable = 0;        // UNAVAILABLE: down or unreachable
  uint64_t deadline_exceeded = 0;  // slower than the timeout
};

// Owned by the adapters over it (shared_ptr). Completions hold no reference:
// a channel freed on a gRPC thread would shut down gRPC's callback queue
// under the thread that runs it. Instead the destructor waits for the calls
// in flight, at most one deadline; so never destroy the last owner from
// inside a completion.
class GrpcChannel {
 public:
  using Stub = backend::v1::BackendService::Stub;
  template <typename Request, typename Response>
  using AsyncMethod = void (Stub::async::*)(grpc::ClientContext*, const Request*, Response*,
                                            std::function<void(grpc::Status)>);
  // Runs once with the call's status; the request and response belong to the
  // call and may be moved from.
  template <typename Request, typename Response>
  using CallDone = absl::AnyInvocable<void(const grpc::Status&, Request&, Response&) &&>;

  // INVALID_ARGUMENT for an empty target or an unreadable CA file.
  static absl::StatusOr<std::shared_ptr<GrpcChannel>> Create(GrpcBackendOptions options);

  ~GrpcChannel();

  GrpcChannel(const GrpcChannel&) = delete;
  GrpcChannel& operator=(const GrpcChannel&) = delete;

  const GrpcBackendOptions& options() const { return options_; }

  // Starts `method` with `request`; `done` runs on a gRPC thread.
  template <typename Request, typename Response>
  void Call(AsyncMethod<Request, Response> method, Request request,
            std::type_identity_t<CallDone<Request, Response>> done) {
    CallWithDeadline(method, std::move(request), options_.timeout, /*wait_for_ready=*/false,
                     std::move(done));
  }

  // As Call, with its own deadline; with wait_for_ready the call waits for
  // the channel to connect (the start-up probe) instead of failing at once.
  template <typename Request, typename Response>
  void CallWithDeadline(AsyncMethod<Request, Response> method, Request request,
                        absl::Duration timeout, bool wait_for_ready,
                        std::type_identity_t<CallDone<Request, Response>> done) {
    auto* call = new PendingCall<Request, Response>(std::move(request), std::move(done));
    Prepare(call->context, timeout, wait_for_ready);
    BeginCall();
    call->started.store(true, std::memory_order_release);
    (stub_->async()->*method)(&call->context, &call->request, &call->response,
                              [this, call](grpc::Status status) {
                                call->started.load(std::memory_order_acquire);
                                std::unique_ptr<PendingCall<Request, Response>> owned(call);
                                Record(status);
                                std::move(owned->done)(status, owned->request, owned->response);
                                owned.reset();
                                EndCall();
                              });
  }

  // Whether the service can be reached, safe from any thread and cheap
  // enough to poll: false while the channel fails to connect or the last
  // call found the service unavailable, true once it is connected or a call
  // got an answer. Asking also wakes an idle channel, so a health check
  // notices a service that came back without waiting for client traffic.
  bool Reachable();
  grpc_connectivity_state State() { return channel_->GetState(/*try_to_connect=*/false); }

  GrpcCallCounts counts() const;

 private:
  template <typename Request, typename Response>
  struct PendingCall {
    PendingCall(Request r, CallDone<Request, Response> d)
        : request(std::move(r)), done(std::move(d)) {}
    grpc::ClientContext context;
    Request request;
    Response response;
    CallDone<Request, Response> done;
    // Orders the starting thread's writes before the completion that gRPC
    // runs on its own thread. gRPC hands the call over with its own
    // synchronization, which a race detector cannot see in a library built
    // without it; this pair makes the hand-off visible and costs nothing.
    std::atomic<bool> started{false};
  };

  GrpcChannel(GrpcBackendOptions options, std::shared_ptr<grpc::Channel> channel);

  void Prepare(grpc::ClientContext& context, absl::Duration timeout, bool wait_for_ready) const;
  void Record(const grpc::Status& status);
  void BeginCall();
  // The call's last touch of the channel.
  void EndCall();

  const GrpcBackendOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> reachable_{true};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> unavailable_{0};
  std::atomic<uint64_t> deadline_exceeded_{0};
};

}  // namespace memgate::backends
