// Starting a Redis Cluster for tests (see redis_cluster.h).
#include "tests/backends/redis/redis_cluster.h"

#include <cstdlib>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace memgate::backends::redis::testing {
namespace {

constexpr int kNodes = 6;

}  // namespace

RedisCluster::RedisCluster(std::vector<std::string> extra_args, bool tls) : tls_(tls) {
  for (int i = 0; i < kNodes; ++i) {
    RedisServerOptions options;
    options.tls = tls;
    // The first node makes the certificate the others use too.
    if (tls && i > 0) options.certificate_dir = servers_.front()->dir();
    // The bus port would be port + 10000, which a free port may not leave.
    options.extra_args = {"--cluster-enabled",
                          "yes",
                          "--cluster-config-file",
                          "nodes.conf",
                          "--cluster-node-timeout",
                          "2000",
                          "--cluster-port",
                          absl::StrCat(FreePort()),
                          "--cluster-replica-validity-factor",
                          "0"};
    if (tls) {
      options.extra_args.insert(options.extra_args.end(),
                                {"--tls-cluster", "yes", "--tls-replication", "yes"});
    }
    options.extra_args.insert(options.extra_args.end(), extra_args.begin(), extra_args.end());
    servers_.push_back(std::make_unique<RedisServer>(std::move(options)));
  }
}

void RedisCluster::ChoosePorts() {
  for (auto& server : servers_) server->ChoosePort();
}

std::string RedisCluster::url(int seeds) const {
  std::string url = tls_ ? "rediss+cluster://" : "redis+cluster://";
  for (int i = 0; i < seeds && i < kNodes; ++i) {
    absl::StrAppend(&url, i == 0 ? "" : ",", "127.0.0.1:", servers_[i]->port());
  }
  return url;
}

int RedisCluster::Cli(const std::string& args) {
  const std::string tls = tls_ ? absl::StrCat("--tls --cacert ", ca_file(), " ") : "";
  const std::string command = absl::StrCat("redis-cli ", tls, args, " >/dev/null 2>&1");
  return std::system(command.c_str());
}

absl::Status RedisCluster::Start() {
  ChoosePorts();
  for (auto& server : servers_) {
    if (absl::Status started = server->Start(); !started.ok()) return started;
  }
  std::string nodes;
  for (auto& server : servers_) absl::StrAppend(&nodes, " 127.0.0.1:", server->port());
  if (Cli(absl::StrCat("--cluster create", nodes, " --cluster-replicas 1 --cluster-yes")) != 0) {
    return absl::InternalError("redis-cli --cluster create failed");
  }
  return WaitHealthy(std::chrono::seconds(30));
}

RedisServer* RedisCluster::ServerOn(int port) {
  for (auto& server : servers_) {
    if (server->port() == port) return server.get();
  }
  return nullptr;
}

std::string RedisCluster::Text(int port, const std::vector<std::string>& argv) {
  RedisServer* server = ServerOn(port);
  return server == nullptr ? "(no such node)" : server->Text(argv);
}

std::vector<ClusterNodeState> RedisCluster::Nodes() {
  for (auto& server : servers_) {
    if (!server->running()) continue;
    RedisServer::Reply reply = server->Command({"CLUSTER", "NODES"});
    if (reply == nullptr || reply->type != REDIS_REPLY_STRING) continue;
    std::vector<ClusterNodeState> nodes;
    for (absl::string_view line : absl::StrSplit(std::string(reply->str, reply->len), '\n')) {
      std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (fields.size() < 8) continue;
      ClusterNodeState node;
      node.id = std::string(fields[0]);
      const absl::string_view address = fields[1].substr(0, fields[1].find('@'));
      if (!absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &node.port)) continue;
      node.master = absl::StrContains(fields[2], "master");
      node.failed = absl::StrContains(fields[2], "fail");
      if (fields[3] != "-") node.master_id = std::string(fields[3]);
      for (std::size_t i = 8; i < fields.size(); ++i) {
        if (absl::StartsWith(fields[i], "[")) continue;  // a slot being migrated
        std::pair<absl::string_view, absl::string_view> range = absl::StrSplit(fields[i], '-');
        int first = 0;
        int last = 0;
        if (!absl::SimpleAtoi(range.first, &first)) continue;
        if (range.second.empty() || !absl::SimpleAtoi(range.second, &last)) last = first;
        node.slots.emplace_back(first, last);
      }
      nodes.push_back(std::move(node));
    }
    return nodes;
  }
  return {};
}

std::vector<ClusterNodeState> RedisCluster::Masters() {
  std::vector<ClusterNodeState> masters;
  for (ClusterNodeState& node : Nodes()) {
    if (node.master && !node.failed && !node.slots.empty()) masters.push_back(std::move(node));
  }
  return masters;
}

void RedisCluster::FlushAll() {
  for (const ClusterNodeState& master : Masters()) Text(master.port, {"FLUSHALL"});
}

absl::Status RedisCluster::WaitHealthy(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    bool healthy = true;
    for (auto& server : servers_) {
      if (!server->running()) continue;
      const std::string info = server->Text({"CLUSTER", "INFO"});
      if (!absl::StrContains(info, "cluster_state:ok")) healthy = false;
      const std::string replication = server->Text({"INFO", "replication"});
      if (absl::StrContains(replication, "role:slave") &&
          !absl::StrContains(replication, "master_link_status:up")) {
        healthy = false;
      }
    }
    // Every master that serves slots is up, and there are three.
    if (healthy && Masters().size() == 3) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError("redis cluster did not become healthy");
}

}  // namespace memgate::backends::redis::testing
