// libFuzzer target for the text-protocol parser. Besides memory safety it
// checks the parser's contract: results stay within the buffer, kNeedMore
// consumes nothing, views point into the buffer, and feeding the same bytes
// in arbitrary chunks gives the same observable outcome as feeding them at
// once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "server/protocol/command.h"
#include "server/protocol/limits.h"
#include "server/protocol/parser.h"

namespace {

using memgate::protocol::Command;
using memgate::protocol::Parser;
using memgate::protocol::ParseResult;
using memgate::protocol::ParserOptions;
using Status = ParseResult::Status;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Within(std::string_view inner, std::string_view outer) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

// A connection's read loop, recording what a client could observe.
struct Stream {
  explicit Stream(std::size_t max_item_size) : parser(ParserOptions{max_item_size}) {}

  void Feed(std::string_view bytes) {
    if (closed) return;
    buffer.append(bytes);
    Command cmd;
    while (!closed) {
      const ParseResult r = parser.Parse(buffer, cmd);
      Check(r.consumed <= buffer.size());
      const std::string_view parsed(buffer.data(), r.consumed);
      switch (r.status) {
        case Status::kNeedMore:
          Check(r.consumed == 0);
          Check(!r.close && r.error_reply.empty());
          return;
        case Status::kCommand: {
          Check(r.consumed > 0);
          Check(Within(cmd.value, parsed) && Within(cmd.args, parsed));
          std::string e = "cmd " + std::to_string(static_cast<int>(cmd.verb));
          for (std::string_view k : cmd.keys) {
            // A base64 key (meta b flag) is decoded into the command's own
            // storage; every other key is a view into the parsed bytes.
            Check(Within(k, parsed) || Within(k, cmd.key_storage));
            Check(!k.empty() && k.size() <= memgate::kMaxKeyLength);
            e += " ";
            e += k;
          }
          e += "|" + std::to_string(cmd.flags) + "|" + std::to_string(cmd.exptime) + "|" +
               std::to_string(cmd.cas) + "|" + std::to_string(cmd.delta) + "|" +
               std::to_string(cmd.noreply) + "|" + std::string(cmd.value) + "|" +
               std::string(cmd.args) + "|" + std::to_string(r.consumed);
          events.push_back(std::move(e));
          break;
        }
        case Status::kError:
          Check(r.consumed > 0 || r.close);
          Check(Within(r.invalidate_key, parsed) || Within(r.invalidate_key, cmd.key_storage));
          if (!r.error_reply.empty() || r.close || !r.invalidate_key.empty()) {
            events.push_back("err " + std::string(r.error_reply) + (r.close ? " close " : " ") +
                             std::string(r.invalidate_key));
          }
          closed = r.close;
          break;
      }
      buffer.erase(0, r.consumed);
    }
  }

  Parser parser;
  std::string buffer;
  std::vector<std::string> events;
  bool closed = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Byte 0 picks a small item limit so refused values and swallowing are
  // reached; byte 1 seeds the chunking.
  const std::size_t max_item_size = 56 + data[0];
  uint32_t seed = data[1] | 1u;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  Stream whole(max_item_size);
  whole.Feed(input);

  // Past kMaxLineLength the outcome depends on how bytes arrive (memcached
  // closes a connection whose buffered bytes hold no newline), so compare
  // chunked feeding only below it.
  if (input.size() > memgate::protocol::kMaxLineLength) return 0;

  Stream chunked(max_item_size);
  std::size_t pos = 0;
  while (pos < input.size()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = 1 + (seed >> 16) % 17;
    chunked.Feed(input.substr(pos, n));
    pos += n;
  }
  Check(chunked.events == whole.events);
  Check(chunked.closed == whole.closed);
  if (!whole.closed) {
    Check(chunked.buffer == whole.buffer);
    Check(chunked.parser.swallow_remaining() == whole.parser.swallow_remaining());
  }
  return 0;
}
