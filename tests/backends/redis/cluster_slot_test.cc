// Redis Cluster routing without a cluster: key slots (Redis's documented
// examples), command keys, slot maps from CLUSTER SHARDS and CLUSTER SLOTS
// replies, MOVED / ASK parsing and redis+cluster:// urls.
#include "backends/redis/cluster_slot.h"

#include <string>
#include <vector>

#include "backends/redis/cluster_slot_map.h"
#include "backends/redis/cluster_url.h"
#include "backends/redis/resp_command.h"
#include "backends/redis/scripts.h"
#include "gtest/gtest.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {
namespace {

// A reply object as the connections' reader builds it from the wire bytes.
Reply Parse(const std::string& resp) {
  redisReader* reader = CreateReplyReader();
  redisReaderFeed(reader, resp.data(), resp.size());
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader, &reply), REDIS_OK);
  redisReaderFree(reader);
  EXPECT_NE(reply, nullptr);
  return Reply(static_cast<redisReply*>(reply));
}

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Int(int n) { return ":" + std::to_string(n) + "\r\n"; }

TEST(ClusterSlotTest, Crc16MatchesTheRedisSpec) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
}

TEST(ClusterSlotTest, HashTagsPickWhatIsHashed) {
  struct Case {
    std::string key;
    std::string hashed;
  };
  const std::vector<Case> cases = {
      {"{user1000}.following", "user1000"},
      {"{user1000}.followers", "user1000"},
      {"foo{}{bar}", "foo{}{bar}"},  // the first {} is empty: the whole key
      {"foo{{bar}}zap", "{bar"},
      {"foo{bar}{zap}", "bar"},
      {"{", "{"},
      {"}{", "}{"},
      {"plain", "plain"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(KeySlot(c.key), Crc16(c.hashed) % 16384) << c.key;
  }
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  // Values Redis's CLUSTER KEYSLOT gives.
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("somekey"), 11058);
}

TEST(ClusterSlotTest, CommandKeyFindsTheKeyArgument) {
  const std::string_view hmget[] = {"HMGET", "pre:key", "v", "f", "c"};
  EXPECT_EQ(CommandKey(FormatCommand(hmget).bytes), "pre:key");
  const std::string_view keys[] = {"k{tag}"};
  const std::string_view args[] = {"s", "value"};
  EXPECT_EQ(CommandKey(FormatEvalSha(McStoreScript(), keys, args).bytes), "k{tag}");
  const std::string_view eval[] = {"eval", "return 1", "1", "k", "a"};
  EXPECT_EQ(CommandKey(FormatCommand(eval).bytes), "k");
  const std::string_view no_keys[] = {"EVAL", "return 1", "0"};
  EXPECT_FALSE(CommandKey(FormatCommand(no_keys).bytes));
  const std::string_view ping[] = {"PING"};
  EXPECT_FALSE(CommandKey(FormatCommand(ping).bytes));
  EXPECT_FALSE(CommandKey("*2\r\n$3\r\nGET\r\n$10\r\nshort\r\n"));
  const std::string binary("a\r\nb\0c", 6);
  const std::string_view get[] = {"GET", binary};
  EXPECT_EQ(CommandKey(FormatCommand(get).bytes), binary);
}

std::string ShardsNode(const std::string& id, int port, const std::string& ip,
                       const std::string& endpoint, const std::string& role,
                       const std::string& health = "online") {
  return "*14\r\n" + Bulk("id") + Bulk(id) + Bulk("port") + Int(port) + Bulk("ip") + Bulk(ip) +
         Bulk("endpoint") + Bulk(endpoint) + Bulk("role") + Bulk(role) +
         Bulk("replication-offset") + Int(100) + Bulk("health") + Bulk(health);
}

TEST(ClusterSlotMapTest, ParsesClusterShards) {
  const std::string reply =
      "*3\r\n"
      "*4\r\n" +
      Bulk("slots") + "*4\r\n" + Int(0) + Int(5460) + Int(10923) + Int(10923) + Bulk("nodes") +
      "*2\r\n" + ShardsNode("aaa", 7000, "10.0.0.1", "10.0.0.1", "master") +
      ShardsNode("bbb", 7003, "10.0.0.4", "10.0.0.4", "replica") + "*4\r\n" + Bulk("slots") +
      "*2\r\n" + Int(5461) + Int(10922) + Bulk("nodes") + "*1\r\n" +
      ShardsNode("ccc", 7001, "10.0.0.2", "", "master") + "*4\r\n" + Bulk("slots") + "*0\r\n" +
      Bulk("nodes") + "*1\r\n" +
      ShardsNode("ddd", 7002, "10.0.0.3", "10.0.0.3", "master", "failed");
  absl::StatusOr<SlotMap> map = ParseClusterShards(*Parse(reply), "seed", false);
  ASSERT_TRUE(map.ok()) << map.status();
  ASSERT_EQ(map->masters.size(), 2u);
  EXPECT_EQ(map->masters[0].address.Key(), "10.0.0.1:7000");
  EXPECT_EQ(map->masters[0].id, "aaa");
  EXPECT_EQ(map->masters[1].address.Key(), "10.0.0.2:7001");  // empty endpoint: the ip
  EXPECT_EQ(map->MasterFor(0)->id, "aaa");
  EXPECT_EQ(map->MasterFor(5460)->id, "aaa");
  EXPECT_EQ(map->MasterFor(5461)->id, "ccc");
  EXPECT_EQ(map->MasterFor(10923)->id, "aaa");
  EXPECT_EQ(map->MasterFor(10924), nullptr);
  EXPECT_EQ(map->CoveredSlots(), 10924);
}

TEST(ClusterSlotMapTest, ParsesClusterSlots) {
  auto node = [](const std::string& ip, int port, const std::string& id) {
    return "*3\r\n" + Bulk(ip) + Int(port) + Bulk(id);
  };
  const std::string reply =
      "*3\r\n"
      "*4\r\n" +
      Int(0) + Int(5460) + node("127.0.0.1", 7000, "a") + node("127.0.0.1", 7003, "d") + "*3\r\n" +
      Int(5461) + Int(16383) + node("", 7001, "b") + "*3\r\n" + Int(16383) + Int(99999) +
      node("x", 1, "c");
  EXPECT_FALSE(ParseClusterSlots(*Parse(reply), "seed").ok());  // slot 99999
  const std::string good =
      "*2\r\n"
      "*4\r\n" +
      Int(0) + Int(5460) + node("127.0.0.1", 7000, "a") + node("127.0.0.1", 7003, "d") + "*3\r\n" +
      Int(5461) + Int(16383) + node("", 7001, "b");
  absl::StatusOr<SlotMap> map = ParseClusterSlots(*Parse(good), "seed");
  ASSERT_TRUE(map.ok()) << map.status();
  ASSERT_EQ(map->masters.size(), 2u);
  EXPECT_EQ(map->MasterFor(100)->address.Key(), "127.0.0.1:7000");
  // An empty host is the node that answered.
  EXPECT_EQ(map->MasterFor(16383)->address.Key(), "seed:7001");
  EXPECT_EQ(map->CoveredSlots(), 16384);
}

TEST(ClusterSlotMapTest, RejectsMalformedReplies) {
  EXPECT_FALSE(ParseClusterShards(*Parse("+OK\r\n"), "h", false).ok());
  EXPECT_FALSE(ParseClusterShards(*Parse("*1\r\n*1\r\n" + Bulk("slots")), "h", false).ok());
  EXPECT_FALSE(ParseClusterSlots(*Parse("*1\r\n*1\r\n" + Int(0)), "h").ok());
}

TEST(ClusterSlotMapTest, ParsesRedirections) {
  std::optional<Redirect> moved = ParseRedirect("MOVED 3999 127.0.0.1:6381", "h");
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->target.Key(), "127.0.0.1:6381");
  std::optional<Redirect> ask = ParseRedirect("ASK 1 ::1:7000", "h");
  ASSERT_TRUE(ask);
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->target.Key(), "[::1]:7000");
  EXPECT_EQ(ParseRedirect("MOVED 5 :7002", "node")->target.Key(), "node:7002");
  EXPECT_FALSE(ParseRedirect("ERR wrong", "h"));
  EXPECT_FALSE(ParseRedirect("MOVED 16384 h:1", "h"));
  EXPECT_FALSE(ParseRedirect("MOVED 1 h", "h"));
  EXPECT_FALSE(ParseRedirect("CLUSTERDOWN The cluster is down", "h"));
}

TEST(ClusterUrlTest, ParsesSeedsWithSharedCredentials) {
  EXPECT_TRUE(IsClusterUrl("redis+cluster://h:1"));
  EXPECT_TRUE(IsClusterUrl("rediss+cluster://h:1"));
  EXPECT_FALSE(IsClusterUrl("redis://h:1"));
  absl::StatusOr<std::vector<RedisEndpoint>> seeds =
      ParseClusterUrl("rediss+cluster://alice:p%40ss@a:7000,b:7001,[::1]:7002");
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  ASSERT_EQ(seeds->size(), 3u);
  EXPECT_EQ((*seeds)[0].kind, RedisEndpoint::Kind::kTls);
  EXPECT_EQ((*seeds)[1].Describe(), "b:7001");
  EXPECT_EQ((*seeds)[2].host, "::1");
  EXPECT_EQ((*seeds)[2].user, "alice");
  EXPECT_EQ((*seeds)[2].password, "p@ss");
  absl::StatusOr<std::vector<RedisEndpoint>> plain = ParseClusterUrl("redis+cluster://h/0");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ((*plain)[0].port, 6379);
  EXPECT_FALSE(ParseClusterUrl("redis+cluster://h:1/2").ok());
  EXPECT_FALSE(ParseClusterUrl("redis+cluster://a:1,,b:2").ok());
  EXPECT_FALSE(ParseClusterUrl("redis+cluster://a:99999").ok());
  EXPECT_FALSE(ParseClusterUrl("redis://a:1").ok());
}

}  // namespace
}  // namespace memgate::backends::redis
