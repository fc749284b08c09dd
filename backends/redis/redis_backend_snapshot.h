// What a Redis backend is doing at one moment, for the admin API: its
// target, its connections' counters and, for a cluster, its nodes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/redis/cluster_topology.h"
#include "backends/redis/redis_options.h"

namespace memgate::backends::redis {

struct RedisBackendSnapshot {
  std::string target;  // the --redis-url without credentials
  bool cluster = false;
  bool reachable = false;
  RedisMode mode = RedisMode::kMemcached;
  int64_t connections = 0;
  int64_t connected = 0;
  uint64_t connects = 0;
  uint64_t reconnects = 0;
  uint64_t commands = 0;
  uint64_t errors = 0;
  uint64_t timeouts = 0;
  // Cluster only.
  int slots_served = 0;
  std::vector<ClusterTopology::NodeStats> nodes;
};

}  // namespace memgate::backends::redis
