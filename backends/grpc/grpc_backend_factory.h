// Picks how memgate talks to a BackendService: the full contract through
// GrpcBackend when the service keeps memcached's metadata, else the plain
// contract through GrpcStore under the caller's MetadataLayer.
#pragma once

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_contract_probe.h"
#include "backends/grpc/grpc_options.h"
#include "backends/simple_store.h"

namespace memgate::backends {

// Makes a Backend of a plain store: the composition root's MetadataLayer
// (in pass-through mode for --no-extra). This library does not link the
// layer, so the caller hands it in.
using WrapPlainStore = absl::AnyInvocable<std::unique_ptr<Backend>(std::unique_ptr<SimpleStore>)>;

struct GrpcBackendSelection {
  std::unique_ptr<Backend> backend;
  // For the health report: GrpcChannel::Reachable() from any thread.
  std::shared_ptr<GrpcChannel> channel;
  // What the probe found (all false with pass_through).
  ServiceContract contract;
  bool full_contract = false;
};

// Opens the channel and, unless `pass_through` (--no-extra: the seed's
// plain pass-through, whatever the service implements), probes the service
// once, waiting up to options.probe_timeout for it to come up. Blocks: call
// it at start-up, not on an event loop. INVALID_ARGUMENT for bad options,
// UNAVAILABLE or DEADLINE_EXCEEDED when the probe got no answer.
absl::StatusOr<GrpcBackendSelection> MakeGrpcBackend(GrpcBackendOptions options, bool pass_through,
                                                     WrapPlainStore wrap);

}  // namespace memgate::backends
