// Command-line parsing: memcached's flags, memgate's own, and clear errors.
#include "server/config.h"

#include <initializer_list>
#include <vector>

#include "gtest/gtest.h"

namespace memgate::server {
namespace {

absl::StatusOr<Config> Parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv = {"memgate"};
  argv.insert(argv.end(), args);
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(ConfigTest, DefaultsToLoopbackMemcachedPortAndMemoryBackend) {
  auto config = Parse({});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->listen, std::vector<std::string>{"127.0.0.1:11211"});
  EXPECT_EQ(config->backend, "memory");
  EXPECT_EQ(config->memory_limit_mb, 64u);
  EXPECT_EQ(config->max_item_size, 1u << 20);
  EXPECT_EQ(config->admin, "127.0.0.1:50051");
}

TEST(ConfigTest, MemcachedStyleFlags) {
  auto config = Parse({"-p", "22122", "-l", "127.0.0.1,::1", "-U", "0", "-t", "3", "-m", "128",
                       "-I", "2m", "-c", "10", "-u", "memcache", "-vv"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, (std::vector<std::string>{"127.0.0.1:22122", "[::1]:22122"}));
  EXPECT_EQ(config->threads, 3);
  EXPECT_EQ(config->memory_limit_mb, 128u);
  EXPECT_EQ(config->max_item_size, 2u << 20);
  EXPECT_EQ(config->max_connections, 10u);
  EXPECT_EQ(config->verbosity, 2);
}

TEST(ConfigTest, ListenFlagsReplaceTheDefault) {
  auto config = Parse({"--listen", "127.0.0.1:0", "--listen=unix:/tmp/m.sock", "--listen-fd", "3",
                       "--admin", "none", "--no-extra", "--backend=simple-memory"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, (std::vector<std::string>{"127.0.0.1:0", "unix:/tmp/m.sock"}));
  EXPECT_EQ(config->listen_fds, std::vector<int>{3});
  EXPECT_EQ(config->admin, "none");
  EXPECT_TRUE(config->no_extra);
  EXPECT_EQ(config->backend, "simple-memory");
}

TEST(ConfigTest, RedisFlags) {
  auto defaults = Parse({"--backend", "redis"});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->redis_url, "redis://127.0.0.1:6379");
  EXPECT_EQ(defaults->redis_connections, 1);
  EXPECT_EQ(defaults->redis_timeout, "1s");
  EXPECT_EQ(defaults->redis_mode, "memcached");
  EXPECT_EQ(defaults->redis_flush, "");
  EXPECT_EQ(defaults->redis_cluster_refresh, "5s");
  auto cluster = Parse({"--backend", "redis", "--redis-url", "redis+cluster://a:7000,b:7001",
                        "--redis-cluster-refresh", "2s"});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ(cluster->redis_url, "redis+cluster://a:7000,b:7001");
  EXPECT_EQ(cluster->redis_cluster_refresh, "2s");
  auto config = Parse({"--backend",
                       "redis",
                       "--redis-url",
                       "rediss://u:p@h:6380/2",
                       "--redis-prefix=app:",
                       "--redis-connections",
                       "3",
                       "--redis-timeout",
                       "500ms",
                       "--redis-mode",
                       "raw",
                       "--redis-flush",
                       "off",
                       "--redis-tls-ca",
                       "ca.pem",
                       "--redis-tls-cert",
                       "c.pem",
                       "--redis-tls-key",
                       "k.pem",
                       "--redis-tls-insecure"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis_url, "rediss://u:p@h:6380/2");
  EXPECT_EQ(config->redis_prefix, "app:");
  EXPECT_EQ(config->redis_connections, 3);
  EXPECT_EQ(config->redis_timeout, "500ms");
  EXPECT_EQ(config->redis_mode, "raw");
  EXPECT_EQ(config->redis_flush, "off");
  EXPECT_EQ(config->redis_tls_ca, "ca.pem");
  EXPECT_EQ(config->redis_tls_cert, "c.pem");
  EXPECT_EQ(config->redis_tls_key, "k.pem");
  EXPECT_TRUE(config->redis_tls_insecure);
  EXPECT_FALSE(Parse({"--redis-connections", "0"}).ok());
  EXPECT_FALSE(Parse({"--redis-url"}).ok());
}

TEST(ConfigTest, RejectsBadValuesWithTheFlagName) {
  for (auto args : std::vector<std::vector<const char*>>{
           {"-p", "70000"}, {"-t", "0"}, {"-U", "11211"}, {"-I", "12x"}, {"--bogus"}, {"-m"}}) {
    std::vector<const char*> argv = {"memgate"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto config = ParseCommandLine(static_cast<int>(argv.size()), argv.data());
    ASSERT_FALSE(config.ok()) << args[0];
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(config.status().message()).find(args[0]), std::string::npos)
        << config.status();
  }
}

}  // namespace
}  // namespace memgate::server
