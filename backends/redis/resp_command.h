// One Redis command in wire form (RESP, formatted by hiredis) and the owned
// reply hiredis parses for it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hiredis/hiredis.h"

namespace memgate::backends::redis {

struct Script;

struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

struct Command {
  std::string bytes;
  // Set when `bytes` is an EVALSHA of this script: on NOSCRIPT the
  // connection sends it again as EVAL, which also loads it.
  const Script* script = nullptr;
};

// The RESP array of bulk strings for argv (binary-safe).
Command FormatCommand(std::span<const std::string_view> argv);

inline std::string_view ReplyText(const redisReply& reply) {
  return std::string_view(reply.str, reply.len);
}

}  // namespace memgate::backends::redis
