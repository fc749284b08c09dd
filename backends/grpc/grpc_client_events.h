// ClientOpened and ClientClosed over gRPC, shared by both adapters: only an
// explicit refusal refuses a client, and a method the service does not
// implement is not called again.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "absl/functional/any_invocable.h"
#include "backends/backend.h"
#include "backends/client_context.h"
#include "backends/grpc/grpc_channel.h"

namespace memgate::backends {

class GrpcClientEvents {
 public:
  explicit GrpcClientEvents(std::shared_ptr<GrpcChannel> channel) : channel_(std::move(channel)) {}

  // `done` gets the refusal, or nullopt when the client is served.
  void Opened(const ClientContext& client,
              absl::AnyInvocable<void(std::optional<BackendError>) &&> done);
  // Fire and forget: nobody waits for the answer.
  void Closed(const ClientContext& client);

 private:
  std::shared_ptr<GrpcChannel> channel_;
  // Shared with calls in flight, which may outlive this object.
  std::shared_ptr<std::atomic<bool>> opened_unimplemented_ =
      std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> closed_unimplemented_ =
      std::make_shared<std::atomic<bool>>(false);
};

}  // namespace memgate::backends
