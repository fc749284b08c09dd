// The plain contract of backend.proto as a SimpleStore: each of the seed's
// handlers is one asynchronous gRPC call (a multi-key get is one Get).
// MetadataLayer on top keeps memcached's metadata in this memgate.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_client_events.h"
#include "backends/simple_store.h"

namespace memgate::backends {

// Completes on gRPC's threads. Every call copies what it borrows before it
// returns. Calls in flight need the channel, not the store: the channel's
// last owner waits for them.
class GrpcStore final : public SimpleStore {
 public:
  explicit GrpcStore(std::shared_ptr<GrpcChannel> channel);

  std::string_view Name() const override { return "grpc"; }

  void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) override;
  void Get(const ClientContext& client, std::span<const std::string_view> keys,
           Done<GetReply> done) override;
  void Set(const ClientContext& client, std::string_view key, uint32_t flags, int64_t exptime,
           std::string_view value, Done<SetReply> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) override;
  void FlushAll(const ClientContext& client, Done<DoneReply> done) override;
  void Begin(const ClientContext& client, Done<BeginReply> done) override;
  void End(const ClientContext& client) override;

  GrpcChannel& channel() { return *channel_; }

 private:
  std::shared_ptr<GrpcChannel> channel_;
  GrpcClientEvents events_;
};

}  // namespace memgate::backends
