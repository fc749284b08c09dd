// Command-line parsing: memcached's flags, memgate's own, and clear errors.
#include <initializer_list>
#include <vector>

#include "app/config/command_line.h"
#include "gtest/gtest.h"

namespace memgate::app {
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

TEST(ConfigTest, GrpcBackendFlags) {
  auto config = Parse({"--backend", "grpc", "--grpc-target", "unix:/run/kv.sock",
                       "--grpc-timeout=250ms", "--grpc-tls-ca", "/etc/ca.pem", "--grpc-header",
                       "authorization: Bearer x", "--grpc-header", "x-tenant: blue"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->backend, "grpc");
  EXPECT_EQ(config->grpc_target, "unix:/run/kv.sock");
  EXPECT_EQ(config->grpc_timeout, absl::Milliseconds(250));
  EXPECT_EQ(config->grpc_tls_ca, "/etc/ca.pem");
  EXPECT_EQ(config->grpc_headers,
            (std::vector<std::string>{"authorization: Bearer x", "x-tenant: blue"}));
  EXPECT_EQ(Parse({})->grpc_timeout, absl::Seconds(1));
}

TEST(ConfigTest, RejectsBadValuesWithTheFlagName) {
  for (auto args : std::vector<std::vector<const char*>>{{"-p", "70000"},
                                                         {"-t", "0"},
                                                         {"-U", "11211"},
                                                         {"--bogus"},
                                                         {"-m"},
                                                         {"--grpc-timeout", "soon"},
                                                         {"--grpc-timeout", "-1s"},
                                                         {"-R", "0"},
                                                         {"-B", "bogus"},
                                                         {"-B", "binary"},
                                                         {"-a", "9"},
                                                         {"-f", "1"},
                                                         {"-n", "0"},
                                                         {"-S"},
                                                         {"-Z"},
                                                         {"-Y", "/etc/auth"},
                                                         {"-o", "bogus"}}) {
    std::vector<const char*> argv = {"memgate"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto config = ParseCommandLine(static_cast<int>(argv.size()), argv.data());
    ASSERT_FALSE(config.ok()) << args[0];
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(config.status().message()).find(args[0]), std::string::npos)
        << config.status();
  }
}

TEST(ConfigTest, MemcachedSwitches) {
  auto config = Parse({"-A", "-F", "-C", "-M", "-d", "-k", "-r", "-X", "-W", "-P", "/run/m.pid",
                       "-R", "5", "-b", "128", "-B", "ascii", "--admin=127.0.0.1:0"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->enable_shutdown);
  EXPECT_FALSE(config->flush_enabled);
  EXPECT_FALSE(config->cas_enabled);
  EXPECT_FALSE(config->evictions_enabled);
  EXPECT_TRUE(config->daemonize);
  EXPECT_TRUE(config->lock_memory);
  EXPECT_TRUE(config->enable_coredumps);
  EXPECT_EQ(config->pid_file, "/run/m.pid");
  EXPECT_EQ(config->reqs_per_event, 5);
  EXPECT_EQ(config->listen_backlog, 128);
  EXPECT_TRUE(config->admin_explicit);
  EXPECT_TRUE(config->warnings.empty());
}

TEST(ConfigTest, DefaultsKeepMemcachedBehaviour) {
  auto config = Parse({});
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->enable_shutdown);
  EXPECT_TRUE(config->flush_enabled);
  EXPECT_TRUE(config->cas_enabled);
  EXPECT_TRUE(config->evictions_enabled);
  EXPECT_FALSE(config->admin_explicit);
  EXPECT_EQ(config->unix_mask, 0700u);
  EXPECT_EQ(config->idle_timeout.count(), 0);
}

TEST(ConfigTest, ExtendedOptionsHonourIdleTimeoutAndWarnOncePerIgnoredOption) {
  auto config = Parse({"-o", "idle_timeout=7,modern,slab_reassign,slab_automove=2", "-o",
                       "hash_algorithm=murmur3"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->idle_timeout.count(), 7);
  ASSERT_EQ(config->warnings.size(), 3u);
  EXPECT_NE(config->warnings[0].find("-o slab_reassign"), std::string::npos);
  EXPECT_NE(config->warnings[1].find("-o slab_automove"), std::string::npos);
  EXPECT_NE(config->warnings[2].find("-o hash_algorithm"), std::string::npos);
}

TEST(ConfigTest, ExtendedOptionsRefuseWhatMemcachedRefuses) {
  auto missing = Parse({"-o", "idle_timeout"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("Missing numeric argument for idle_timeout"),
            std::string::npos);
  auto illegal = Parse({"-o", "idle_timeout=1,bogus=3"});
  ASSERT_FALSE(illegal.ok());
  EXPECT_NE(illegal.status().message().find("Illegal suboption \"bogus=3\""), std::string::npos);
  auto bad_number = Parse({"-o", "idle_timeout=soon"});
  ASSERT_FALSE(bad_number.ok());
  EXPECT_EQ(bad_number.status().message(),
            "-o idle_timeout: \"soon\" is not a number from 0 to 2147483648 (see --help)");
}

TEST(ConfigTest, CompatibilityFlagsWarn) {
  auto config = Parse({"-L", "-f", "1.5", "-n", "64", "-D", ":", "-e", "/tmp/f", "-u", "nobody"});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->warnings.size(), 6u);
  EXPECT_EQ(config->warnings[0].rfind("-L: ", 0), 0u);
  EXPECT_EQ(config->warnings[5].rfind("-u: ", 0), 0u);
}

TEST(ConfigTest, UnixSocketReplacesTcpListeners) {
  auto config = Parse({"-s", "/tmp/m.sock", "-a", "770", "-p", "22122"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, std::vector<std::string>{"unix:/tmp/m.sock"});
  EXPECT_EQ(config->unix_mask, 0770u);
}

TEST(ConfigTest, ItemSizeLimitsAsMemcached) {
  struct Case {
    std::vector<const char*> args;
    const char* message;  // empty: accepted
  };
  const std::vector<Case> cases = {
      {{"-I", "1023"}, "Item max size cannot be less than 1024 bytes."},
      {{"-I", "12x"}, "Item max size cannot be less than 1024 bytes."},
      {{"-I", "1g"}, "Item max size cannot be less than 1024 bytes."},
      {{"-I", "33m"}, "Cannot set item size limit higher than 1/2 of memory max."},
      {{"-m", "1", "-I", "1m"}, "Cannot set item size limit higher than 1/2 of memory max."},
      {{"-m", "8000", "-I", "1025m"}, "Cannot set item size limit higher than a gigabyte."},
      {{"-m", "4096", "-I", "1024m"}, ""},
      {{"-I", "32m"}, ""},
      {{"-I", "1k"}, ""},
  };
  for (const Case& c : cases) {
    std::vector<const char*> argv = {"memgate"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto config = ParseCommandLine(static_cast<int>(argv.size()), argv.data());
    if (std::string_view(c.message).empty()) {
      EXPECT_TRUE(config.ok()) << c.args.back() << ": " << config.status();
      continue;
    }
    ASSERT_FALSE(config.ok()) << c.args.back();
    EXPECT_EQ(config.status().message(), c.message);
    EXPECT_EQ(ExitCodeFor(config.status()), kMemcachedUsageExit);
  }
  EXPECT_EQ(ExitCodeFor(Parse({"--bogus"}).status()), 2);
}

}  // namespace
}  // namespace memgate::app
