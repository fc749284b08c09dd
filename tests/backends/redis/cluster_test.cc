// The Redis backend in front of a real Redis Cluster (3 masters, 3
// replicas): routing by slot, multi-key gets split by node and put back in
// order, flush_all on every master, stats per node, resharding under traffic
// with no client-visible error, a master killed under traffic (errors only
// for its slots and only until the failover), a shard lost for good under
// Redis's default full coverage (CLUSTERDOWN for every key, passed on, then
// recovery), a cluster on TLS only, and a cluster that is not there yet at
// start.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/redis/cluster_slot.h"
#include "backends/redis/cluster_url.h"
#include "common/absl_compat.h"
#include "gtest/gtest.h"
#include "tests/backends/redis/backend_harness.h"
#include "tests/backends/redis/redis_cluster.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends::redis::testing {
namespace {

using Clock = std::chrono::steady_clock;
using backends::testing::StatValue;
using backends::testing::SyncFlushAll;
using backends::testing::SyncGet;
using backends::testing::SyncStats;
using backends::testing::SyncStore;
using backends::testing::SyncValue;

RedisOptions ClusterOptions(const std::string& url) {
  RedisOptions options;
  absl::StatusOr<std::vector<RedisEndpoint>> seeds = ParseClusterUrl(url);
  EXPECT_TRUE(seeds.ok()) << seeds.status();
  if (!seeds.ok()) return options;
  options.cluster_seeds = *seeds;
  options.endpoint = seeds->front();
  options.cluster_refresh = std::chrono::milliseconds(1000);
  return options;
}

int OwnerOf(const std::vector<ClusterNodeState>& masters, std::string_view key) {
  const int slot = KeySlot(key);
  for (const ClusterNodeState& master : masters) {
    for (const auto& [first, last] : master.slots) {
      if (slot >= first && slot <= last) return master.port;
    }
  }
  return 0;
}

bool Stored(Backend& backend, const ClientContext& client, std::string_view key,
            std::string_view value) {
  return SyncStore(backend, client, StoreMode::kSet, key, value).outcome == StoreOutcome::kStored;
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::Status started = cluster_.Start();
    ASSERT_TRUE(started.ok()) << started;
  }
  RedisCluster cluster_{{"--cluster-require-full-coverage", "no"}};
};

TEST_F(ClusterTest, MultiGetAcrossMastersKeepsClientOrder) {
  AttachedBackend backend(ClusterOptions(cluster_.url()), 2);
  ASSERT_TRUE(backend.ok());
  const ClientContext client{1, "127.0.0.1:1", "test"};
  const std::vector<ClusterNodeState> masters = cluster_.Masters();
  std::vector<std::string> keys;
  std::set<int> owners;
  for (int i = 0; i < 40; ++i) {
    keys.push_back(absl::StrCat("key", i));
    owners.insert(OwnerOf(masters, keys.back()));
  }
  ASSERT_EQ(owners.size(), 3u) << "the keys must live on every master";
  for (std::size_t i = 0; i < keys.size(); i += 2) {
    ASSERT_TRUE(Stored(*backend, client, keys[i], "v" + keys[i])) << keys[i];
  }
  std::vector<std::string_view> asked(keys.begin(), keys.end());
  GetResult result = SyncGet(*backend, client, asked);
  ASSERT_EQ(result.outcome, GetOutcome::kOk) << result.error.message;
  ASSERT_EQ(result.hits.size(), keys.size() / 2);
  for (std::size_t i = 0; i < result.hits.size(); ++i) {
    EXPECT_EQ(result.hits[i].key, keys[2 * i]);
    EXPECT_EQ(result.hits[i].value, "v" + keys[2 * i]);
  }
  // Each key is where Redis says its slot is.
  for (std::size_t i = 0; i < keys.size(); i += 2) {
    EXPECT_EQ(cluster_.Text(OwnerOf(masters, keys[i]), {"GETRANGE", keys[i], "14", "-1"}),
              "v" + keys[i]);
  }
}

TEST_F(ClusterTest, FlushAllEmptiesEveryMasterAndStatsShowTheNodes) {
  RedisOptions options = ClusterOptions(cluster_.url());
  options.prefix = "app:";
  options.flush = FlushPolicy::kPrefix;
  AttachedBackend backend(options, 1);
  ASSERT_TRUE(backend.ok());
  const ClientContext client{1, "127.0.0.1:1", "test"};
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Stored(*backend, client, absl::StrCat("k", i), "v"));
  // A key of another application, on its own slot's master.
  ASSERT_EQ(cluster_.Text(OwnerOf(cluster_.Masters(), "other"), {"SET", "other", "kept"}), "OK");
  ASSERT_EQ(SyncFlushAll(*backend, client).outcome, FlushOutcome::kOk);
  for (const ClusterNodeState& master : cluster_.Masters()) {
    EXPECT_EQ(cluster_.Text(master.port, {"KEYS", "app:*"}), "[]") << master.port;
  }
  int kept = 0;
  for (const ClusterNodeState& master : cluster_.Masters()) {
    kept += cluster_.Text(master.port, {"EXISTS", "other"}) == "1" ? 1 : 0;
  }
  EXPECT_EQ(kept, 1);

  const StatsResult stats = SyncStats(*backend);
  EXPECT_EQ(StatValue(stats, "redis_cluster_masters"), "3");
  EXPECT_EQ(StatValue(stats, "redis_cluster_slots_served"), "16384");
  std::set<std::string> addresses;
  for (int i = 0; i < 3; ++i) {
    const std::string name = absl::StrCat("redis_cluster_node_", i, "_");
    std::optional<std::string> address = StatValue(stats, name + "address");
    ASSERT_TRUE(address) << name;
    addresses.insert(*address);
    EXPECT_NE(StatValue(stats, name + "slots").value_or("none"), "none");
    EXPECT_EQ(StatValue(stats, name + "errors"), "0");
  }
  for (const ClusterNodeState& master : cluster_.Masters()) {
    EXPECT_TRUE(addresses.contains(absl::StrCat("127.0.0.1:", master.port)));
  }
}

TEST_F(ClusterTest, ReshardingUnderTrafficShowsClientsNoError) {
  AttachedBackend backend(ClusterOptions(cluster_.url()), 2);
  ASSERT_TRUE(backend.ok());
  const std::vector<ClusterNodeState> masters = cluster_.Masters();
  const ClusterNodeState& from = masters[0];
  const ClusterNodeState& to = masters[1];
  // A key in each of the source's first and last 150 slots: redis-cli
  // moves slots from one end.
  const int first = from.slots.front().first;
  const int last = from.slots.back().second;
  std::vector<std::string> keys;
  std::set<int> covered;
  for (int i = 0; covered.size() < 300 && i < 2000000; ++i) {
    std::string key = absl::StrCat("r", i);
    const int slot = KeySlot(key);
    const bool wanted =
        (slot >= first && slot < first + 150) || (slot > last - 150 && slot <= last);
    if (wanted && covered.insert(slot).second) keys.push_back(std::move(key));
  }
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::atomic<int> operations{0};
  std::mutex mu;
  std::string first_error;
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&, c] {
      const ClientContext client{static_cast<uint64_t>(10 + c), "127.0.0.1:1", "test"};
      for (int round = 0; !done.load(); ++round) {
        for (std::size_t k = c; k < keys.size() && !done.load(); k += 3) {
          const std::string value = absl::StrCat(keys[k], "#", round);
          const StoreResult stored = SyncStore(*backend, client, StoreMode::kSet, keys[k], value);
          const std::string_view key = keys[k];
          const GetResult got = SyncGet(*backend, client, {key});
          ++operations;
          std::string problem;
          if (stored.outcome != StoreOutcome::kStored) {
            problem = "set: " + stored.error.message;
          } else if (got.outcome != GetOutcome::kOk) {
            problem = "get: " + got.error.message;
          } else if (got.hits.size() != 1 || got.hits[0].value != value) {
            problem = "get: wrong value for " + keys[k];
          }
          if (!problem.empty()) {
            ++errors;
            std::lock_guard<std::mutex> lock(mu);
            if (first_error.empty()) first_error = problem;
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int status = cluster_.Cli(absl::StrCat("--cluster reshard 127.0.0.1:", from.port,
                                               " --cluster-from ", from.id, " --cluster-to ", to.id,
                                               " --cluster-slots 100 --cluster-yes"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  done = true;
  for (std::thread& t : clients) t.join();
  ASSERT_EQ(status, 0) << "redis-cli --cluster reshard failed";
  EXPECT_EQ(errors.load(), 0) << first_error;
  EXPECT_GT(operations.load(), 100);
  // The slots did move, and memgate followed them.
  const std::vector<ClusterNodeState> after = cluster_.Masters();
  int moved_keys = 0;
  for (const std::string& key : keys) moved_keys += OwnerOf(after, key) == to.port ? 1 : 0;
  EXPECT_EQ(moved_keys, 100);
  const StatsResult stats = SyncStats(*backend);
  int64_t moved = 0;
  int64_t asked = 0;
  ASSERT_TRUE(absl::SimpleAtoi(StatValue(stats, "redis_cluster_moved").value_or("x"), &moved));
  ASSERT_TRUE(absl::SimpleAtoi(StatValue(stats, "redis_cluster_asked").value_or("x"), &asked));
  EXPECT_GT(moved + asked, 0);
  const ClientContext client{99, "127.0.0.1:1", "test"};
  for (const std::string& key : keys) {
    const std::string_view k = key;
    EXPECT_EQ(SyncGet(*backend, client, {k}).hits.size(), 1u) << key;
  }
}

TEST_F(ClusterTest, KilledMasterFailsOnlyItsSlotsUntilTheFailover) {
  RedisOptions options = ClusterOptions(cluster_.url(3));
  options.timeout = std::chrono::milliseconds(500);
  AttachedBackend backend(options, 2);
  ASSERT_TRUE(backend.ok());
  const std::vector<ClusterNodeState> masters = cluster_.Masters();
  const int victim = masters[0].port;
  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i) keys.push_back(absl::StrCat("f", i));

  struct Trouble {
    std::string key;
    std::string what;
    Clock::time_point at;
  };
  std::atomic<bool> done{false};
  std::mutex mu;
  std::vector<Trouble> errors;       // SERVER_ERROR answers
  std::vector<std::string> corrupt;  // values never written
  std::vector<std::thread> clients;
  constexpr int kClients = 4;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const ClientContext client{static_cast<uint64_t>(20 + c), "127.0.0.1:1", "test"};
      std::map<std::string, int> last_written;
      for (int round = 1; !done.load(); ++round) {
        for (std::size_t k = c; k < keys.size() && !done.load(); k += kClients) {
          const std::string& key = keys[k];
          const StoreResult stored =
              SyncStore(*backend, client, StoreMode::kSet, key, absl::StrCat(key, "#", round));
          if (stored.outcome == StoreOutcome::kStored) {
            last_written[key] = round;
          } else {
            std::lock_guard<std::mutex> lock(mu);
            errors.push_back({key, "set: " + stored.error.message, Clock::now()});
          }
          const std::string_view k_view = key;
          const GetResult got = SyncGet(*backend, client, {k_view});
          if (got.outcome != GetOutcome::kOk) {
            std::lock_guard<std::mutex> lock(mu);
            errors.push_back({key, "get: " + got.error.message, Clock::now()});
            continue;
          }
          if (got.hits.empty()) continue;  // a write lost with the master
          // Only this client writes the key: what it reads is a round it
          // sent, at most the latest.
          const absl::string_view value = ToAbsl(got.hits[0].value);
          int read_round = 0;
          const std::string expected_prefix = key + "#";
          if (!absl::StartsWith(value, expected_prefix) ||
              !absl::SimpleAtoi(value.substr(expected_prefix.size()), &read_round) ||
              read_round < 1 || read_round > round) {
            std::lock_guard<std::mutex> lock(mu);
            corrupt.push_back(absl::StrCat(key, " = ", value));
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const Clock::time_point killed = Clock::now();
  cluster_.ServerOn(victim)->Kill();
  // Until the cluster has failed over and memgate has served every key for
  // a while.
  Clock::time_point quiet_since = Clock::now();
  while (Clock::now() - killed < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::lock_guard<std::mutex> lock(mu);
    if (!errors.empty()) quiet_since = std::max(quiet_since, errors.back().at);
    if (!errors.empty() && Clock::now() - quiet_since > std::chrono::seconds(3)) break;
  }
  done = true;
  for (std::thread& t : clients) t.join();

  ASSERT_FALSE(errors.empty()) << "killing a master should cost its keys something";
  for (const Trouble& error : errors) {
    EXPECT_EQ(OwnerOf(masters, error.key), victim) << error.key << ": " << error.what;
  }
  const auto window = errors.back().at - killed;
  EXPECT_LT(window, std::chrono::seconds(20));
  EXPECT_TRUE(corrupt.empty()) << corrupt.front();
  // Served again without a restart, the dead master's keys included.
  const ClientContext client{99, "127.0.0.1:1", "test"};
  for (const std::string& key : keys) {
    EXPECT_TRUE(Stored(*backend, client, key, "after")) << key;
  }
  const StatsResult stats = SyncStats(*backend);
  EXPECT_EQ(StatValue(stats, "redis_cluster_masters"), "3");
  std::cerr << "failover window: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(window).count() << " ms, "
            << errors.size() << " errors\n";
}

TEST(ClusterStartTest, ServesOnceASeedAnswers) {
  RedisCluster cluster({"--cluster-require-full-coverage", "no"});
  cluster.ChoosePorts();
  RedisOptions options = ClusterOptions(cluster.url());
  options.cluster_refresh = std::chrono::milliseconds(300);
  AttachedBackend backend(options, 1);
  ASSERT_TRUE(backend.ok());
  const ClientContext client{1, "127.0.0.1:1", "test"};
  const auto asked = Clock::now();
  const StoreResult refused = SyncStore(*backend, client, StoreMode::kSet, "k", "v");
  EXPECT_EQ(refused.outcome, StoreOutcome::kError);
  EXPECT_LT(Clock::now() - asked, std::chrono::seconds(2));
  EXPECT_EQ(StatValue(SyncStats(*backend), "redis_reachable"), "0");

  const absl::Status started = cluster.Start();
  ASSERT_TRUE(started.ok()) << started;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  bool served = false;
  while (!served && Clock::now() < deadline) {
    served = Stored(*backend, client, "k", "v");
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(served);
}

TEST(ClusterCoverageTest, LostShardMeansClusterDownForEveryKeyUntilItIsBack) {
  // Redis's default, cluster-require-full-coverage yes: once a shard has
  // neither master nor replica, no node serves any key.
  RedisCluster cluster;
  const absl::Status started = cluster.Start();
  ASSERT_TRUE(started.ok()) << started;
  RedisOptions options = ClusterOptions(cluster.url(3));
  options.timeout = std::chrono::milliseconds(500);
  options.cluster_refresh = std::chrono::milliseconds(300);
  AttachedBackend backend(options, 1);
  ASSERT_TRUE(backend.ok());
  const ClientContext client{1, "127.0.0.1:1", "test"};
  const std::vector<ClusterNodeState> masters = cluster.Masters();
  const ClusterNodeState& victim = masters[0];
  int replica = 0;
  for (const ClusterNodeState& node : cluster.Nodes()) {
    if (node.master_id == victim.id) replica = node.port;
  }
  ASSERT_NE(replica, 0);
  // A key on a master that stays up, and one on the shard that goes.
  std::string survivor;
  std::string lost;
  for (int i = 0; survivor.empty() || lost.empty(); ++i) {
    std::string key = absl::StrCat("c", i);
    const int owner = OwnerOf(masters, key);
    if (owner == victim.port && lost.empty()) lost = key;
    if (owner != victim.port && survivor.empty()) survivor = key;
  }
  ASSERT_TRUE(Stored(*backend, client, survivor, "kept"));
  ASSERT_TRUE(Stored(*backend, client, lost, "gone"));

  cluster.ServerOn(replica)->Kill();
  cluster.ServerOn(victim.port)->Kill();
  // Until the other nodes have marked the shard failed; every answer on the
  // way is the value written or an error, never anything else.
  const std::string_view survivor_key = survivor;
  std::string last_error;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!absl::StrContains(last_error, "CLUSTERDOWN") && Clock::now() < deadline) {
    const GetResult got = SyncGet(*backend, client, {survivor_key});
    if (got.outcome == GetOutcome::kOk) {
      ASSERT_EQ(got.hits.size(), 1u);
      EXPECT_EQ(got.hits[0].value, "kept");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } else {
      last_error = got.error.message;
    }
  }
  EXPECT_TRUE(absl::StartsWith(last_error, "CLUSTERDOWN")) << last_error;
  const StoreResult refused = SyncStore(*backend, client, StoreMode::kSet, survivor, "new");
  EXPECT_EQ(refused.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(refused.error.message, "CLUSTERDOWN")) << refused.error.message;
  const std::string_view lost_key = lost;
  EXPECT_EQ(SyncGet(*backend, client, {lost_key}).outcome, GetOutcome::kError);

  // Back (empty: nothing was persisted), from the nodes' saved cluster
  // config: memgate serves again without a restart.
  ASSERT_TRUE(cluster.ServerOn(victim.port)->Start().ok());
  ASSERT_TRUE(cluster.ServerOn(replica)->Start().ok());
  const absl::Status healthy = cluster.WaitHealthy(std::chrono::seconds(30));
  ASSERT_TRUE(healthy.ok()) << healthy;
  bool served = false;
  const auto recovery = Clock::now() + std::chrono::seconds(15);
  while (!served && Clock::now() < recovery) {
    served = Stored(*backend, client, survivor, "again") && Stored(*backend, client, lost, "again");
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(served);
  EXPECT_EQ(SyncValue(*backend, client, survivor), "again");
  EXPECT_EQ(SyncValue(*backend, client, lost), "again");
}

TEST(ClusterTlsTest, ServesOverTlsOnEveryNode) {
  RedisCluster cluster({"--cluster-require-full-coverage", "no"}, /*tls=*/true);
  const absl::Status started = cluster.Start();
  ASSERT_TRUE(started.ok()) << started;
  ASSERT_TRUE(absl::StartsWith(cluster.url(), "rediss+cluster://")) << cluster.url();
  RedisOptions options = ClusterOptions(cluster.url());
  options.tls_ca_file = cluster.ca_file();
  AttachedBackend backend(options, 2);
  ASSERT_TRUE(backend.ok());
  const ClientContext client{1, "127.0.0.1:1", "test"};
  const std::vector<ClusterNodeState> masters = cluster.Masters();
  std::vector<std::string> keys;
  std::set<int> owners;
  for (int i = 0; i < 30; ++i) {
    keys.push_back(absl::StrCat("t", i));
    owners.insert(OwnerOf(masters, keys.back()));
  }
  ASSERT_EQ(owners.size(), 3u);
  for (const std::string& key : keys) ASSERT_TRUE(Stored(*backend, client, key, "v" + key)) << key;
  std::vector<std::string_view> asked(keys.begin(), keys.end());
  const GetResult got = SyncGet(*backend, client, asked);
  ASSERT_EQ(got.outcome, GetOutcome::kOk) << got.error.message;
  ASSERT_EQ(got.hits.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(got.hits[i].value, "v" + keys[i]);
  for (const std::string& key : keys) {
    EXPECT_EQ(cluster.Text(OwnerOf(masters, key), {"GETRANGE", key, "14", "-1"}), "v" + key);
  }
  // The map names the masters by their TLS ports (the only ones they have).
  const StatsResult stats = SyncStats(*backend);
  EXPECT_EQ(StatValue(stats, "redis_cluster_masters"), "3");
  std::set<std::string> addresses;
  for (int i = 0; i < 3; ++i) {
    addresses.insert(
        StatValue(stats, absl::StrCat("redis_cluster_node_", i, "_address")).value_or(""));
  }
  for (const ClusterNodeState& master : masters) {
    EXPECT_TRUE(addresses.contains(absl::StrCat("127.0.0.1:", master.port))) << master.port;
  }

  // Without the cluster's certificate to trust, nothing is served.
  RedisOptions untrusting = ClusterOptions(cluster.url());
  untrusting.timeout = std::chrono::milliseconds(500);
  AttachedBackend refused(untrusting, 1);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(SyncStore(*refused, client, StoreMode::kSet, "t0", "x").outcome, StoreOutcome::kError);
  EXPECT_EQ(SyncValue(*backend, client, "t0"), "vt0");
}

}  // namespace
}  // namespace memgate::backends::redis::testing
