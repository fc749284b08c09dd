// What the admin API shows of the backend (ServerInfo.backend_state), as
// plain values: whoever built the backend describes it, the admin service
// only copies it into the answer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace memgate::admin {

struct RedisClusterNodeState {
  std::string address;
  std::string slots;  // "0-5460,10923"; empty for a node no longer in the map
  int64_t connected = 0;
  uint64_t commands = 0;
  uint64_t errors = 0;
};

struct RedisBackendState {
  std::string mode;  // "memcached" or "raw"
  int64_t connections = 0;
  int64_t connected = 0;
  uint64_t connects = 0;
  uint64_t reconnects = 0;
  uint64_t commands = 0;
  uint64_t errors = 0;
  uint64_t timeouts = 0;
  int cluster_slots_served = 0;
  std::vector<RedisClusterNodeState> cluster_nodes;
};

struct BackendState {
  std::string kind;    // "memory", "simple-memory", "redis", "redis-cluster", "grpc"
  std::string target;  // without credentials; empty for a local backend
  // nullopt: nothing remote to reach.
  std::optional<bool> reachable;
  std::optional<RedisBackendState> redis;
};

// Called on a gRPC thread for each GetServerInfo: must be thread-safe.
using BackendStateSource = std::function<BackendState()>;

}  // namespace memgate::admin
