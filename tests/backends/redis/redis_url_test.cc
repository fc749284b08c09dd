// --redis-url forms, --redis-timeout durations and the mode/flush flag values,
// table-driven.
#include "backends/redis/redis_url.h"

#include <string>
#include <vector>

#include "backends/redis/redis_options.h"
#include "gtest/gtest.h"

namespace memgate::backends::redis {
namespace {

using Kind = RedisEndpoint::Kind;

struct GoodUrl {
  std::string url;
  Kind kind;
  std::string host;
  int port;
  std::string path;
  std::string user;
  std::string password;
  bool has_password;
  int db;
};

TEST(RedisUrlTest, ParsesEveryForm) {
  const std::vector<GoodUrl> cases = {
      {"redis://localhost", Kind::kTcp, "localhost", 6379, "", "", "", false, 0},
      {"redis://127.0.0.1:7000", Kind::kTcp, "127.0.0.1", 7000, "", "", "", false, 0},
      {"redis://127.0.0.1:7000/3", Kind::kTcp, "127.0.0.1", 7000, "", "", "", false, 3},
      {"redis://h:1/", Kind::kTcp, "h", 1, "", "", "", false, 0},
      {"redis://:secret@h:6380", Kind::kTcp, "h", 6380, "", "", "secret", true, 0},
      {"redis://alice:secret@h:6380/2", Kind::kTcp, "h", 6380, "", "alice", "secret", true, 2},
      {"redis://alice:p%40ss%3Aw%2Fd@h", Kind::kTcp, "h", 6379, "", "alice", "p@ss:w/d", true, 0},
      {"redis://a:b@c@h", Kind::kTcp, "h", 6379, "", "a", "b@c", true, 0},
      {"redis://[::1]:6390/1", Kind::kTcp, "::1", 6390, "", "", "", false, 1},
      {"redis://[::1]", Kind::kTcp, "::1", 6379, "", "", "", false, 0},
      {"rediss://cache.example:6380", Kind::kTls, "cache.example", 6380, "", "", "", false, 0},
      {"rediss://u:p@h:1/9", Kind::kTls, "h", 1, "", "u", "p", true, 9},
      {"unix:///run/redis.sock", Kind::kUnix, "", 6379, "/run/redis.sock", "", "", false, 0},
      {"unix:///run/redis.sock?db=4", Kind::kUnix, "", 6379, "/run/redis.sock", "", "", false, 4},
  };
  for (const GoodUrl& c : cases) {
    absl::StatusOr<RedisEndpoint> parsed = ParseRedisUrl(c.url);
    ASSERT_TRUE(parsed.ok()) << c.url << ": " << parsed.status();
    EXPECT_EQ(parsed->kind, c.kind) << c.url;
    EXPECT_EQ(parsed->host, c.host) << c.url;
    if (c.kind != Kind::kUnix) EXPECT_EQ(parsed->port, c.port) << c.url;
    EXPECT_EQ(parsed->path, c.path) << c.url;
    EXPECT_EQ(parsed->user, c.user) << c.url;
    EXPECT_EQ(parsed->password, c.password) << c.url;
    EXPECT_EQ(parsed->has_password, c.has_password) << c.url;
    EXPECT_EQ(parsed->db, c.db) << c.url;
  }
}

TEST(RedisUrlTest, RejectsMalformedUrls) {
  for (const std::string url : {
           "",
           "localhost:6379",
           "http://h",
           "redis://",
           "redis://:6379",
           "redis://h:",
           "redis://h:0",
           "redis://h:65536",
           "redis://h:port",
           "redis://h/x",
           "redis://h/-1",
           "redis://user@h",
           "redis://a:%zz@h",
           "redis://a:%4@h",
           "redis://[::1",
           "redis://[::1]x",
           "unix://",
           "unix://relative.sock",
           "unix:///s?db=x",
           "unix:///s?x=1",
       }) {
    EXPECT_FALSE(ParseRedisUrl(url).ok()) << url;
  }
}

TEST(RedisUrlTest, DescribeNeverShowsThePassword) {
  EXPECT_EQ(ParseRedisUrl("redis://u:secret@h:1")->Describe(), "h:1");
  EXPECT_EQ(ParseRedisUrl("redis://[::1]:2")->Describe(), "[::1]:2");
  EXPECT_EQ(ParseRedisUrl("unix:///tmp/r.sock")->Describe(), "unix:/tmp/r.sock");
}

TEST(RedisOptionsTest, Durations) {
  EXPECT_EQ(*ParseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(*ParseDuration("2s"), std::chrono::milliseconds(2000));
  EXPECT_EQ(*ParseDuration("3"), std::chrono::milliseconds(3000));
  EXPECT_EQ(*ParseDuration("1m"), std::chrono::milliseconds(60000));
  EXPECT_EQ(*ParseDuration("1h"), std::chrono::milliseconds(3600000));
  for (const std::string bad : {"", "ms", "1x", "-1s", "1.5s", "s1", "99999999999999999999s"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(RedisOptionsTest, ModesAndFlushPolicies) {
  EXPECT_EQ(*ParseRedisMode("memcached"), RedisMode::kMemcached);
  EXPECT_EQ(*ParseRedisMode("raw"), RedisMode::kRaw);
  EXPECT_FALSE(ParseRedisMode("strings").ok());
  EXPECT_EQ(*ParseFlushPolicy("prefix"), FlushPolicy::kPrefix);
  EXPECT_EQ(*ParseFlushPolicy("db"), FlushPolicy::kDb);
  EXPECT_EQ(*ParseFlushPolicy("off"), FlushPolicy::kOff);
  EXPECT_FALSE(ParseFlushPolicy("all").ok());
  EXPECT_EQ(DefaultFlushPolicy(RedisMode::kMemcached, ""), FlushPolicy::kDb);
  EXPECT_EQ(DefaultFlushPolicy(RedisMode::kMemcached, "app:"), FlushPolicy::kPrefix);
  EXPECT_EQ(DefaultFlushPolicy(RedisMode::kRaw, ""), FlushPolicy::kOff);
  EXPECT_EQ(DefaultFlushPolicy(RedisMode::kRaw, "app:"), FlushPolicy::kOff);
}

RedisSettings Settings() {
  return {.url = "redis://127.0.0.1:6379",
          .timeout = "1s",
          .cluster_refresh = "5s",
          .mode = "memcached"};
}

TEST(RedisOptionsTest, SettingsBecomeOptions) {
  RedisSettings settings = Settings();
  settings.url = "redis+cluster://a:7000,b:7001";
  settings.prefix = "app:";
  settings.timeout = "500ms";
  settings.connections_per_loop = 3;
  absl::StatusOr<RedisOptions> options = ParseRedisOptions(settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->cluster_seeds.size(), 2u);
  EXPECT_EQ(options->timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(options->cluster_refresh, std::chrono::milliseconds(5000));
  EXPECT_EQ(options->flush, FlushPolicy::kPrefix);
  EXPECT_EQ(options->connections_per_loop, 3);
}

TEST(RedisOptionsTest, BadSettingsNameTheirFlag) {
  struct Case {
    void (*change)(RedisSettings&);
    const char* message;
  };
  const Case cases[] = {
      {[](RedisSettings& s) { s.timeout = "soon"; },
       "--redis-timeout: bad duration: 'soon' (see --help)"},
      {[](RedisSettings& s) { s.cluster_refresh = "0s"; },
       "--redis-cluster-refresh: must be positive (see --help)"},
      {[](RedisSettings& s) { s.mode = "fast"; },
       "--redis-mode: --redis-mode must be memcached or raw, not 'fast' (see --help)"},
      {[](RedisSettings& s) { s.flush = "all"; },
       "--redis-flush: --redis-flush must be prefix, db or off, not 'all' (see --help)"},
  };
  for (const Case& c : cases) {
    RedisSettings settings = Settings();
    c.change(settings);
    absl::StatusOr<RedisOptions> options = ParseRedisOptions(settings);
    ASSERT_FALSE(options.ok()) << c.message;
    EXPECT_EQ(options.status().message(), c.message);
  }
  RedisSettings bad_url = Settings();
  bad_url.url = "http://x";
  EXPECT_EQ(ParseRedisOptions(bad_url).status().message().substr(0, 13), "--redis-url: ");
}

}  // namespace
}  // namespace memgate::backends::redis
