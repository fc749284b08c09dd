// Reading the scalar fields of a Redis reply the scripts and plain commands
// produce: bulk strings holding numbers, integers, status words.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/strings/numbers.h"
#include "backends/redis/resp_command.h"
#include "common/absl_compat.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {

inline bool IsText(const redisReply& reply) {
  return reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS;
}

// The number in a bulk string or an integer reply.
inline std::optional<uint64_t> ReplyUint(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_INTEGER) {
    if (reply.integer < 0) return std::nullopt;
    return static_cast<uint64_t>(reply.integer);
  }
  uint64_t value = 0;
  if (!IsText(reply) || !absl::SimpleAtoi(ToAbsl(ReplyText(reply)), &value)) return std::nullopt;
  return value;
}

inline std::optional<int64_t> ReplyInt(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_INTEGER) return reply.integer;
  int64_t value = 0;
  if (!IsText(reply) || !absl::SimpleAtoi(ToAbsl(ReplyText(reply)), &value)) return std::nullopt;
  return value;
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
