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
  // A kError with an empty error_reply and close == false means "drop
  // `consumed` bytes, send nothing": an error memcached answers silently
  // (noreply), or part of a refused value being swallowed.
  Status status = Status::kNeedMore;
  std::size_t consumed = 0;
  // kError: the exact reply line, "\r\n" included (empty when memcached sends
  // nothing, e.g. a silent close).
  std::string_view error_reply;
  // kError: close the connection after sending error_reply.
  bool close = false;
  // kError: when non-empty, the caller must delete this key before sending
  // error_reply (memcached drops the old value of a `set` whose new value is
  // too large, so a later get cannot return stale data). Refers into the
  // buffer passed to Parse, like Command's views.
  std::string_view invalidate_key;
};

struct ParserOptions {
  std::size_t max_item_size = kDefaultMaxItemSize;  // -I
  // memcached -F: flush_all is refused before its arguments are read.
  bool flush_enabled = true;
  std::size_t max_get_line_length = kMaxMultiGetLineLength;
};

class Parser {
 public:
  explicit Parser(ParserOptions options = {}) : options_(options) {}

  // Parses the first command in `buffer`. On kNeedMore the caller keeps the
  // bytes and calls again with more appended. `command` is only meaningful on
  // kCommand and refers into `buffer`.
  ParseResult Parse(std::string_view buffer, Command& command);

  // Bytes of a refused (too large) value still to be discarded; while this is
  // non-zero, Parse drops incoming bytes as silent kError results.
  std::size_t swallow_remaining() const { return swallow_remaining_; }

 private:
  ParseResult ParseLine(std::string_view buffer, Command& command);

  ParserOptions options_;
  std::size_t swallow_remaining_ = 0;
  // Leading bytes of the buffer already searched for a newline in vain: a
  // long get line arriving in many reads is searched once, not once a read.
  std::size_t line_scanned_ = 0;
  // No byte of the stream seen yet: a leading 0x80 is a binary-protocol client.
  bool at_stream_start_ = true;
};

}  // namespace memgate::protocol
