// A real Redis Cluster for tests: 3 masters and 3 replicas, redis-server
// processes on free loopback ports, created with redis-cli --cluster create
// and stopped by pid when the test ends (or killed with the test process).
// On request every port is TLS (clients, the cluster bus and replication),
// with one certificate the nodes share, made with openssl.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/backends/redis/redis_server.h"

namespace memgate::backends::redis::testing {

struct ClusterNodeState {
  std::string id;
  int port = 0;
  bool master = false;
  bool failed = false;
  std::string master_id;  // a replica's master; empty for a master
  std::vector<std::pair<int, int>> slots;
};

class RedisCluster {
 public:
  // `extra_args` go to every node.
  explicit RedisCluster(std::vector<std::string> extra_args = {}, bool tls = false);

  // Picks every node's ports now (for a backend pointed at a cluster that
  // is not there yet).
  void ChoosePorts();
  // Starts the nodes, creates the cluster and waits until every node says
  // cluster_state:ok and every replica is in sync.
  absl::Status Start();

  // redis+cluster:// (rediss+cluster:// with TLS) with the first `seeds`
  // nodes.
  std::string url(int seeds = 2) const;
  // The certificate every TLS node serves, to trust.
  std::string ca_file() const { return servers_.front()->ca_file(); }

  // The nodes as a live node sees them (CLUSTER NODES).
  std::vector<ClusterNodeState> Nodes();
  std::vector<ClusterNodeState> Masters();
  // The node listening on `port`; nullptr if none.
  RedisServer* ServerOn(int port);
  // Runs a command on the node on `port`.
  std::string Text(int port, const std::vector<std::string>& argv);
  // FLUSHALL on every live master.
  void FlushAll();
  // Until every live node reports cluster_state:ok and agrees on who the
  // masters are, or `timeout`.
  absl::Status WaitHealthy(std::chrono::seconds timeout);

  // Runs redis-cli with `args` (after "redis-cli" and, for TLS, its TLS
  // flags); the exit status.
  int Cli(const std::string& args);

 private:
  bool tls_ = false;
  std::vector<std::unique_ptr<RedisServer>> servers_;
};

}  // namespace memgate::backends::redis::testing
