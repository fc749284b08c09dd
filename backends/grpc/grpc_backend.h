// The full contract of backend.proto as a Backend: for a service that keeps
// memcached's metadata itself (Store, Arith, Touch, and Get with metadata),
// every command is one gRPC call and memgate keeps no side table, so any
// number of memgates in front of the service agree on flags, expiry and cas.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "backends/backend.h"
#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_client_events.h"
#include "backends/key_gate.h"

namespace memgate::backends {

// Completes on gRPC's threads. Pipelines: every command enters a KeyGate on
// its keys, so a client's commands on different keys are in flight together
// while commands on one key reach the service one after another, in call
// order (plain gets of one key together), and flush_all waits for everything
// called before it and holds everything called after it. Meta commands stay
// off: the contract carries no per-item access or recache state.
class GrpcBackend final : public Backend {
 public:
  // `explicit_cas`: the service said it honours StoreRequest.explicit_cas
  // and ArithRequest.explicit_cas (ServiceContract::explicit_cas); only
  // then are they sent.
  explicit GrpcBackend(std::shared_ptr<GrpcChannel> channel, bool explicit_cas = false);
  // Waits for the calls it started (each at most a deadline, those held
  // behind them after it), so never destroy it from inside a completion.
  ~GrpcBackend() override;

  std::string_view Name() const override { return "grpc"; }
  Capabilities capabilities() const override {
    return Capabilities{.explicit_cas = explicit_cas_, .in_order = true};
  }

  void Get(const ClientContext& client, const GetRequest& request, Done<GetResult> done) override;
  void Store(const ClientContext& client, const StoreRequest& request,
             Done<StoreResult> done) override;
  void Delete(const ClientContext& client, const DeleteRequest& request,
              Done<DeleteResult> done) override;
  void Arith(const ClientContext& client, const ArithRequest& request,
             Done<ArithResult> done) override;
  void Touch(const ClientContext& client, const TouchRequest& request,
             Done<TouchResult> done) override;
  void FlushAll(const ClientContext& client, const FlushRequest& request,
                Done<FlushResult> done) override;
  void ClientOpened(const ClientContext& client, Done<OpenResult> done) override;
  void ClientClosed(const ClientContext& client) override;
  // The channel's counts and reachability; completes inline.
  void Stats(Done<StatsResult> done) override;

  GrpcChannel& channel() { return *channel_; }

 private:
  // Issues the call once the gate lets it through on `keys` (no keys: as a
  // barrier) and lets the next one through when it completes, before `done`.
  template <typename Request, typename Response>
  void Gated(std::span<const std::string_view> keys, KeyGate::Mode mode,
             GrpcChannel::AsyncMethod<Request, Response> method, Request request,
             GrpcChannel::CallDone<Request, Response> done);

  std::shared_ptr<GrpcChannel> channel_;
  const bool explicit_cas_;
  GrpcClientEvents events_;
  KeyGate gate_;
  absl::Mutex mu_;
  // Entered into the gate and not yet completed.
  int gated_ ABSL_GUARDED_BY(mu_) = 0;
};

// The stats both adapters report for a channel.
StatsResult GrpcChannelStats(GrpcChannel& channel, std::string_view contract);

}  // namespace memgate::backends
