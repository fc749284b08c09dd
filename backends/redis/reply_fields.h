// Reading the scalar fields of a Redis reply the scripts and plain commands
// produce: bulk strings holding numbers, integers, status words.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include "absl/strings/numbers.h"
#include "backends/redis/resp_command.h"
#include "common/absl_compat.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {

inline bool IsText(const redisReply& reply) {
  return reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS;
}

// The number in text: plain digits (what the scripts write) the quick way,
// anything else (signs, spaces) as absl::SimpleAtoi reads it.
template <typename T>
std::optional<T> ParseNumber(std::string_view text) {
  T value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc() && end == text.data() + text.size()) return value;
  if (!absl::SimpleAtoi(ToAbsl(text), &value)) return std::nullopt;
  return value;
}

// The number in a bulk string or an integer reply.
inline std::optional<uint64_t> ReplyUint(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_INTEGER) {
    if (reply.integer < 0) return std::nullopt;
    return static_cast<uint64_t>(reply.integer);
  }
  if (!IsText(reply)) return std::nullopt;
  return ParseNumber<uint64_t>(ReplyText(reply));
}

inline std::optional<int64_t> ReplyInt(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_INTEGER) return reply.integer;
  if (!IsText(reply)) return std::nullopt;
  return ParseNumber<int64_t>(ReplyText(reply));
}

// The first element's text of an array reply ("S", "N", ...), or of a plain
// bulk/status reply; empty for anything else.
inline std::string_view ReplyTag(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ARRAY) {
    if (reply.elements == 0 || !IsText(*reply.element[0])) return {};
    return ReplyText(*reply.element[0]);
  }
  if (IsText(reply)) return ReplyText(reply);
  return {};
}

}  // namespace memgate::backends::redis
