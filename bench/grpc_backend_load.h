// The load generator's gRPC driver: the same get/set mix as the socket
// driver, sent as memgate.backend.v1.BackendService Get and Set calls
// straight to a backend service, so a service can be measured with and
// without memgate in front of it.
#ifndef MEMGATE_BENCH_GRPC_BACKEND_LOAD_H_
#define MEMGATE_BENCH_GRPC_BACKEND_LOAD_H_

#include <cstdint>

#include "bench/key_space.h"
#include "bench/load.h"

namespace memgate::bench {

// Runs one phase against the service at o.server: o.connections logical
// connections, each keeping o.pipeline calls in flight (the prefill depth
// for a prefill) over o.grpc_channels channels, until each one's source is
// done. Every reply is checked as the socket driver checks it: a found item
// must hold exactly its key's value, and a Failure or a non-OK status is a
// wrong reply (a status also ends that connection, as a broken socket does).
PhaseResult RunGrpcBackendPhase(const Options& o, const KeySpace& keys, const KeyChooser& chooser,
                                OpSource::Mode mode, uint64_t phase_seed);

}  // namespace memgate::bench

#endif  // MEMGATE_BENCH_GRPC_BACKEND_LOAD_H_
