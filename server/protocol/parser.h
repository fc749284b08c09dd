// Incremental parser for the memcached text protocol: bytes in, one Command
// (or a protocol error) out. No I/O, no backend knowledge.
#pragma once

#include <cstddef>
#include <string_view>

#include "server/protocol/command.h"
#include "server/protocol/limits.h"

namespace memgate::protocol {

struct ParseResult {
  enum class Status : uint8_t {
    kNeedMore,  // the buffer holds no complete command yet; nothing consumed
    kCommand,   // `command` is filled; `consumed` bytes belong to it
    kError,     // `error_reply` must be sent; `consumed` bytes are dropped
  };
  Status status = Status::kNeedMore;
  std::size_t consumed = 0;
  // kError: the exact reply line, "\r\n" included (empty when memcached sends
  // nothing, e.g. a silent close).
  std::string_view error_reply;
  // kError: close the connection after sending error_reply.
  bool close = false;
};

struct ParserOptions {
  std::size_t max_item_size = kDefaultMaxItemSize;  // -I
};

class Parser {
 public:
  explicit Parser(ParserOptions options = {}) : options_(options) {}

  // Parses the first command in `buffer`. On kNeedMore the caller keeps the
  // bytes and calls again with more appended. `command` is only meaningful on
  // kCommand and refers into `buffer`.
  ParseResult Parse(std::string_view buffer, Command& command);

 private:
  ParserOptions options_;
};

}  // namespace memgate::protocol
