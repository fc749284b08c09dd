// The full contract of backend.proto as a Backend: for a service that keeps
// memcached's metadata itself (Store, Arith, Touch, and Get with metadata),
// every command is one gRPC call and memgate keeps no side table, so any
// number of memgates in front of the service agree on flags, expiry and cas.
#pragma once

#include <memory>
#include <string_view>

#include "backends/backend.h"
#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_client_events.h"

namespace memgate::backends {

// Completes on gRPC's threads; calls in flight need the channel, not the
// backend (the channel's last owner waits for them). Meta commands stay off (the contract carries
// no per-item access or recache state), and calls are not ordered in flight: gRPC may deliver two
// calls out of issue order, so the server waits for each completion.
class GrpcBackend final : public Backend {
 public:
  explicit GrpcBackend(std::shared_ptr<GrpcChannel> channel);

  std::string_view Name() const override { return "grpc"; }
  Capabilities capabilities() const override { return Capabilities{}; }

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
  std::shared_ptr<GrpcChannel> channel_;
  GrpcClientEvents events_;
};

// The stats both adapters report for a channel.
StatsResult GrpcChannelStats(GrpcChannel& channel, std::string_view contract);

}  // namespace memgate::backends
