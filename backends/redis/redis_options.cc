// Parsers for the --redis-* flag values (see redis_options.h).
#include "backends/redis/redis_options.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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

}  // namespace memgate::backends::redis
