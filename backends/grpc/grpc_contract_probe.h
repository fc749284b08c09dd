// Asks a BackendService, once per channel, which part of backend.proto it
// implements: the full contract (it keeps flags, expiry and cas itself) or
// only the plain handler set (memgate keeps them under MetadataLayer).
#pragma once

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "backends/grpc/grpc_channel.h"

namespace memgate::backends {

struct ServiceContract {
  bool store = false;         // Store is implemented
  bool arith = false;         // Arith is implemented
  bool touch = false;         // Touch is implemented
  bool get_metadata = false;  // Get answers metadata = true
  bool explicit_cas = false;  // Get answers explicit_cas = true: Store and Arith honour it

  // All of it, or memgate keeps the metadata: it cannot live in two places.
  bool full() const { return store && arith && touch && get_metadata; }
};

// Probes as backend.proto describes: a Get with no keys, and Store, Arith
// and Touch with an empty key. Each call waits up to the channel's
// probe_timeout for the service to come up. `done` runs once, on any thread,
// with the contract or UNAVAILABLE / DEADLINE_EXCEEDED (and the service's
// message) when a probe got no usable answer.
void ProbeServiceContract(std::shared_ptr<GrpcChannel> channel,
                          absl::AnyInvocable<void(absl::StatusOr<ServiceContract>) &&> done);

// ProbeServiceContract, waiting for its answer: for start-up only, never on
// an event loop.
absl::StatusOr<ServiceContract> ProbeServiceContractBlocking(std::shared_ptr<GrpcChannel> channel);

}  // namespace memgate::backends
