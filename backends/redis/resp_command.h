// One Redis command in wire form (RESP) and the owned reply hiredis parses
// for it (with reply_reader.h's reader).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "backends/redis/reply_reader.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {

struct Script;

struct ReplyFree {
  void operator()(redisReply* reply) const { FreeReply(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

struct Command {
  std::string bytes;
  // Set when `bytes` is an EVALSHA of this script: on NOSCRIPT the
  // connection sends it again as EVAL, which also loads it.
  const Script* script = nullptr;
};

// A request's commands and their replies, in order; most requests have one.
using CommandList = absl::InlinedVector<Command, 1>;
using ReplyList = absl::InlinedVector<Reply, 1>;

// The RESP array of bulk strings for argv (binary-safe), the bytes
// redisFormatCommandArgv makes, written without its sprintf per argument.
Command FormatCommand(std::span<const std::string_view> argv);
// The same, appended to `out` after one reservation.
void AppendCommand(std::string& out, std::span<const std::string_view> argv);
// The command `verb` with each of `keys` as an argument, `prefix` before it:
// FormatCommand's bytes for that argv, without building the prefixed keys.
Command FormatKeysCommand(std::string_view verb, std::string_view prefix,
                          std::span<const std::string_view> keys);

inline std::string_view ReplyText(const redisReply& reply) {
  return std::string_view(reply.str, reply.len);
}

}  // namespace memgate::backends::redis
