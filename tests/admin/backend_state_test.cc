// GetServerInfo's backend_state against the real memgate binary, through
// the generated C++ stubs and memgatectl: the memory backend (local), a
// Redis that is there, goes away and comes back (reachability, connections,
// reconnects), a Redis that never answers (with the password kept out of
// the target), and a Redis Cluster (its nodes and their slots).
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "memgate/admin/v1/admin.grpc.pb.h"
#include "tests/admin/memgate_process.h"
#include "tests/backends/redis/redis_cluster.h"
#include "tests/backends/redis/redis_server.h"
#include "tests/server/test_client.h"

namespace memgate::admin {
namespace {

using backends::redis::testing::ClusterNodeState;
using backends::redis::testing::RedisCluster;
using backends::redis::testing::RedisServer;
using memgate::testing::MemgateProcess;
using memgate::testing::RunCommand;
using memgate::testing::TestClient;

class Admin {
 public:
  explicit Admin(const MemgateProcess& memgate)
      : stub_(v1::AdminService::NewStub(
            grpc::CreateChannel(memgate.admin_address(), grpc::InsecureChannelCredentials()))),
        admin_address_(memgate.admin_address()) {}

  v1::BackendState State() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ServerInfo info;
    const grpc::Status status = stub_->GetServerInfo(&context, {}, &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info.backend_state();
  }

  // Until `pred` holds for the state (or 10 s); the last state seen.
  template <typename Pred>
  v1::BackendState StateWhen(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    v1::BackendState state = State();
    while (!pred(state) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      state = State();
    }
    return state;
  }

  // `memgatectl info`'s output.
  std::string CtlInfo() {
    std::string out, err;
    const int code = RunCommand(
        std::string(MEMGATECTL_BINARY) + " --admin " + admin_address_ + " info", out, err);
    EXPECT_EQ(code, 0) << err;
    return out;
  }

 private:
  std::unique_ptr<v1::AdminService::Stub> stub_;
  std::string admin_address_;
};

std::vector<std::string> MemgateArgs(std::vector<std::string> backend) {
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "-t", "2"};
  args.insert(args.end(), backend.begin(), backend.end());
  return args;
}

std::string ListenAddress(const MemgateProcess& memgate) {
  return memgate.listeners().begin()->second;
}

TEST(BackendStateTest, MemoryIsLocal) {
  MemgateProcess memgate(MemgateArgs({}));
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  Admin admin(memgate);
  const v1::BackendState state = admin.State();
  EXPECT_EQ(state.kind(), "memory");
  EXPECT_EQ(state.target(), "");
  EXPECT_EQ(state.reachability(), v1::BackendState::LOCAL);
  EXPECT_FALSE(state.has_redis());
  const std::string out = admin.CtlInfo();
  EXPECT_NE(out.find("backend_kind       memory"), std::string::npos) << out;
  EXPECT_NE(out.find("backend_reachable  local"), std::string::npos) << out;
}

TEST(BackendStateTest, RedisConnectionsFollowTheServer) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  MemgateProcess memgate(MemgateArgs({"--backend", "redis", "--redis-url", redis.url(),
                                      "--redis-connections", "2", "--redis-timeout", "300ms"}));
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  Admin admin(memgate);
  v1::BackendState state =
      admin.StateWhen([](const v1::BackendState& s) { return s.redis().connected() == 4; });
  EXPECT_EQ(state.kind(), "redis");
  EXPECT_EQ(state.target(), redis.url());
  EXPECT_EQ(state.reachability(), v1::BackendState::REACHABLE);
  EXPECT_EQ(state.redis().mode(), "memcached");
  EXPECT_EQ(state.redis().connections(), 4);  // 2 event loops x --redis-connections 2
  EXPECT_EQ(state.redis().connected(), 4);
  EXPECT_EQ(state.redis().reconnects(), 0u);
  EXPECT_EQ(state.redis().cluster_nodes_size(), 0);
  {
    TestClient client(ListenAddress(memgate));
    EXPECT_EQ(client.Call("set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  }
  EXPECT_GT(admin.State().redis().commands(), 0u);

  redis.Stop();
  state = admin.StateWhen(
      [](const v1::BackendState& s) { return s.reachability() == v1::BackendState::UNREACHABLE; });
  EXPECT_EQ(state.reachability(), v1::BackendState::UNREACHABLE);
  EXPECT_EQ(state.redis().connected(), 0);
  EXPECT_GT(state.redis().reconnects(), 0u);
  const std::string down = admin.CtlInfo();
  EXPECT_NE(down.find("backend_reachable  no"), std::string::npos) << down;

  ASSERT_TRUE(redis.Start().ok());
  state = admin.StateWhen([](const v1::BackendState& s) { return s.redis().connected() == 4; });
  EXPECT_EQ(state.reachability(), v1::BackendState::REACHABLE);
  EXPECT_EQ(state.redis().connected(), 4);
  EXPECT_GE(state.redis().connects(), 8u);  // every connection connected twice
  const std::string up = admin.CtlInfo();
  EXPECT_NE(up.find("backend_target     " + redis.url()), std::string::npos) << up;
  EXPECT_NE(up.find("redis_connected    4"), std::string::npos) << up;
}

TEST(BackendStateTest, UnreachableRedisHidesThePassword) {
  MemgateProcess memgate(
      MemgateArgs({"--backend", "redis", "--redis-url", "redis://app:secret@127.0.0.1:1/3",
                   "--redis-timeout", "200ms"}));
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  Admin admin(memgate);
  const v1::BackendState state =
      admin.StateWhen([](const v1::BackendState& s) { return s.redis().reconnects() > 0; });
  EXPECT_EQ(state.target(), "redis://127.0.0.1:1/3");
  EXPECT_EQ(state.reachability(), v1::BackendState::UNREACHABLE);
  EXPECT_EQ(state.redis().connected(), 0);
  EXPECT_GT(state.redis().reconnects(), 0u);
  // (ServerInfo.args is the command line as given, password and all.)
  EXPECT_EQ(state.ShortDebugString().find("secret"), std::string::npos) << state.ShortDebugString();
}

TEST(BackendStateClusterTest, ShowsTheNodesAndTheirSlots) {
  RedisCluster cluster;
  const absl::Status started = cluster.Start();
  ASSERT_TRUE(started.ok()) << started;
  MemgateProcess memgate(MemgateArgs({"--backend", "redis", "--redis-url", cluster.url()}));
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  Admin admin(memgate);
  {
    // Keys on every master, so every loop has connected to every master.
    TestClient client(ListenAddress(memgate));
    for (int i = 0; i < 30; ++i) {
      EXPECT_EQ(client.Call("set key" + std::to_string(i) + " 0 0 1\r\nv\r\n"), "STORED\r\n");
    }
  }
  const v1::BackendState state = admin.StateWhen(
      [](const v1::BackendState& s) { return s.redis().cluster_slots_served() == 16384; });
  EXPECT_EQ(state.kind(), "redis-cluster");
  EXPECT_EQ(state.target(), cluster.url());
  EXPECT_EQ(state.reachability(), v1::BackendState::REACHABLE);
  EXPECT_EQ(state.redis().cluster_slots_served(), 16384);
  std::set<std::string> masters;
  for (const ClusterNodeState& master : cluster.Masters()) {
    masters.insert("127.0.0.1:" + std::to_string(master.port));
  }
  ASSERT_EQ(state.redis().cluster_nodes_size(), 3);
  uint64_t commands = 0;
  for (const v1::RedisClusterNode& node : state.redis().cluster_nodes()) {
    EXPECT_TRUE(masters.contains(node.address())) << node.address();
    EXPECT_FALSE(node.slots().empty()) << node.address();
    EXPECT_GT(node.connected(), 0) << node.address();
    commands += node.commands();
  }
  EXPECT_GE(commands, 30u);
  EXPECT_EQ(state.redis().commands(), commands);
  const std::string out = admin.CtlInfo();
  EXPECT_NE(out.find("backend_kind          redis-cluster"), std::string::npos) << out;
  EXPECT_NE(out.find("NODE"), std::string::npos) << out;
  for (const std::string& master : masters) {
    EXPECT_NE(out.find(master), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace memgate::admin
