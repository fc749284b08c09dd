// flush_all on one lane, per --redis-flush: FLUSHDB ASYNC, or SCAN MATCH
// prefix* + UNLINK page by page so Redis never blocks on a large key space.
#pragma once

#include <memory>
#include <string>

#include "backends/backend.h"
#include "backends/redis/loop_connections.h"
#include "backends/redis/redis_options.h"

namespace memgate::backends::redis {

// Runs on the lane's loop; `loop` keeps the lane alive until `done` ran.
// kOff is the caller's to refuse. On a cluster node each UNLINK holds keys
// of one slot only.
void StartFlush(FlushPolicy policy, const std::string& prefix,
                std::shared_ptr<LoopConnections> loop, Lane& lane, Backend::Done<FlushResult> done,
                bool cluster_node = false);

// `prefix` as a SCAN MATCH pattern for every key under it.
std::string PrefixPattern(std::string_view prefix);

}  // namespace memgate::backends::redis
