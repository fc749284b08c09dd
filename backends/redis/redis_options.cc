// Parsers for the --redis-* values (see redis_options.h).
#include "backends/redis/redis_options.h"

#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/redis/cluster_url.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  int64_t number = 0;
  if (digits == 0 || !absl::SimpleAtoi(ToAbsl(text.substr(0, digits)), &number)) {
    return absl::InvalidArgumentError(absl::StrCat("bad duration: '", ToAbsl(text), "'"));
  }
  int64_t scale;
  if (unit == "ms") {
    scale = 1;
  } else if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 3600 * 1000;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("bad duration unit in '", ToAbsl(text), "' (use ms, s, m or h)"));
  }
  if (number > INT64_MAX / scale) {
    return absl::InvalidArgumentError(absl::StrCat("duration too long: '", ToAbsl(text), "'"));
  }
  return std::chrono::milliseconds(number * scale);
}

absl::StatusOr<RedisMode> ParseRedisMode(std::string_view text) {
  if (text == "memcached") return RedisMode::kMemcached;
  if (text == "raw") return RedisMode::kRaw;
  return absl::InvalidArgumentError(
      absl::StrCat("--redis-mode must be memcached or raw, not '", ToAbsl(text), "'"));
}

absl::StatusOr<FlushPolicy> ParseFlushPolicy(std::string_view text) {
  if (text == "prefix") return FlushPolicy::kPrefix;
  if (text == "db") return FlushPolicy::kDb;
  if (text == "off") return FlushPolicy::kOff;
  return absl::InvalidArgumentError(
      absl::StrCat("--redis-flush must be prefix, db or off, not '", ToAbsl(text), "'"));
}

FlushPolicy DefaultFlushPolicy(RedisMode mode, std::string_view prefix) {
  if (mode == RedisMode::kRaw) return FlushPolicy::kOff;
  return prefix.empty() ? FlushPolicy::kDb : FlushPolicy::kPrefix;
}

namespace {

absl::Status Flag(std::string_view flag, const absl::Status& status) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(flag), ": ", status.message(), " (see --help)"));
}

}  // namespace

absl::StatusOr<RedisOptions> ParseRedisOptions(const RedisSettings& settings) {
  RedisOptions options;
  if (IsClusterUrl(settings.url)) {
    absl::StatusOr<std::vector<RedisEndpoint>> seeds = ParseClusterUrl(settings.url);
    if (!seeds.ok()) return Flag("--redis-url", seeds.status());
    options.cluster_seeds = *std::move(seeds);
    options.endpoint = options.cluster_seeds.front();
  } else {
    absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(settings.url);
    if (!endpoint.ok()) return Flag("--redis-url", endpoint.status());
    options.endpoint = *std::move(endpoint);
  }
  absl::StatusOr<std::chrono::milliseconds> refresh = ParseDuration(settings.cluster_refresh);
  if (!refresh.ok()) return Flag("--redis-cluster-refresh", refresh.status());
  if (refresh->count() <= 0) {
    return Flag("--redis-cluster-refresh", absl::InvalidArgumentError("must be positive"));
  }
  options.cluster_refresh = *refresh;
  absl::StatusOr<std::chrono::milliseconds> timeout = ParseDuration(settings.timeout);
  if (!timeout.ok()) return Flag("--redis-timeout", timeout.status());
  options.timeout = *timeout;
  absl::StatusOr<RedisMode> mode = ParseRedisMode(settings.mode);
  if (!mode.ok()) return Flag("--redis-mode", mode.status());
  options.mode = *mode;
  options.flush = DefaultFlushPolicy(options.mode, settings.prefix);
  if (!settings.flush.empty()) {
    absl::StatusOr<FlushPolicy> flush = ParseFlushPolicy(settings.flush);
    if (!flush.ok()) return Flag("--redis-flush", flush.status());
    options.flush = *flush;
  }
  options.prefix = settings.prefix;
  options.connections_per_loop = settings.connections_per_loop;
  options.tls_ca_file = settings.tls_ca_file;
  options.tls_cert_file = settings.tls_cert_file;
  options.tls_key_file = settings.tls_key_file;
  options.tls_insecure = settings.tls_insecure;
  options.max_item_size = settings.max_item_size;
  return options;
}

}  // namespace memgate::backends::redis
