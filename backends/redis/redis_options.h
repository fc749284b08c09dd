// The Redis backend's settings, one field per --redis-* flag, and their
// parsing from the values as the command line or config file give them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/redis/redis_url.h"
#include "common/item_limits.h"

namespace memgate::backends::redis {

// memcached: items keep flags, expiry and a cas of their own (a hash per
// item). raw: plain Redis strings that other Redis clients read and write.
enum class RedisMode : uint8_t { kMemcached, kRaw };

// What flush_all does: delete the keys under --redis-prefix, FLUSHDB the
// database, or refuse.
enum class FlushPolicy : uint8_t { kPrefix, kDb, kOff };

struct RedisOptions {
  // With a redis+cluster:// url, the first seed (for TLS and descriptions).
  RedisEndpoint endpoint;
  // Non-empty: Redis Cluster, found through these nodes.
  std::vector<RedisEndpoint> cluster_seeds;
  // How often the cluster slot map is read again when nothing asks sooner.
  std::chrono::milliseconds cluster_refresh{5000};
  std::string prefix;                       // Redis key = prefix + memcached key
  int connections_per_loop = 1;             // Redis connections per event loop
  std::chrono::milliseconds timeout{1000};  // per command, from when it is queued
  RedisMode mode = RedisMode::kMemcached;
  FlushPolicy flush = FlushPolicy::kDb;
  std::string tls_ca_file;  // empty: the system's trust store
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_insecure = false;  // no certificate or host name check
  std::size_t max_item_size = kDefaultMaxItemSize;
  // Reconnect backoff: doubles from the first to the cap, with jitter.
  std::chrono::milliseconds backoff_initial{50};
  std::chrono::milliseconds backoff_max{2000};
};

// The --redis-* settings as given, before they are parsed.
struct RedisSettings {
  std::string url;
  std::string prefix;
  int connections_per_loop = 1;
  std::string timeout;          // a duration, as ParseDuration reads it
  std::string cluster_refresh;  // likewise
  std::string mode;             // memcached or raw
  std::string flush;            // prefix, db or off; empty: the mode's default
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_insecure = false;
  std::size_t max_item_size = kDefaultMaxItemSize;
};

// INVALID_ARGUMENT naming the flag of the first bad value, e.g.
// "--redis-url: ... (see --help)".
absl::StatusOr<RedisOptions> ParseRedisOptions(const RedisSettings& settings);

// "500ms", "2s", "1m", "1h"; a bare number is seconds.
absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);
absl::StatusOr<RedisMode> ParseRedisMode(std::string_view text);
absl::StatusOr<FlushPolicy> ParseFlushPolicy(std::string_view text);

// The flush_all policy when --redis-flush is not given: memcached mode
// deletes its own prefix when it has one, else the database; raw mode, whose
// keys belong to other clients too, refuses.
FlushPolicy DefaultFlushPolicy(RedisMode mode, std::string_view prefix);

}  // namespace memgate::backends::redis
