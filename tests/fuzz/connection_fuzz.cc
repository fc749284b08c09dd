// libFuzzer target for a whole client connection: the fuzzed bytes go over a
// socket into a real Connection (parser, dispatcher, ordered replies, writes)
// on the memory backend, once in a single write and once split into chunks
// the input chooses. Checked besides memory safety: every reply is
// well-formed; the connection closes before the client's end of input
// exactly where memcached would (quit, shutdown, a binary-protocol first
// byte, an HTTP request line, an overlong line), after the same chunk as
// the parser decides; it closes once the client has finished sending; and
// how the bytes arrive does not change the answer.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/clock.h"
#include "backends/memory/memory_backend.h"
#include "boost/asio/io_context.hpp"
#include "server/client_registry.h"
#include "server/connection.h"
#include "server/dispatcher.h"
#include "server/events.h"
#include "server/protocol/command.h"
#include "server/protocol/limits.h"
#include "server/protocol/parser.h"
#include "server/server_stats.h"
#include "tests/fuzz/reply_grammar.h"

namespace {

using memgate::protocol::Command;
using memgate::protocol::kMaxLineLength;
using memgate::protocol::Parser;
using memgate::protocol::ParseResult;
using memgate::protocol::Verb;
namespace server = memgate::server;
namespace backends = memgate::backends;

void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "connection_fuzz: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Whether a command line that may exceed kMaxLineLength is kept whatever
// its length (memcached's rule: at most 100 leading spaces, then "get " or
// "gets ").
bool IsLongGetLine(std::string_view line) {
  const std::size_t spaces = std::min(line.find_first_not_of(' '), line.size());
  const std::string_view rest = line.substr(spaces);
  return spaces <= 100 && (rest.starts_with("get ") || rest.starts_with("gets "));
}

// Where memcached closes a connection before its client has finished.
struct Expected {
  // The index of the chunk after which the parser, fed the same chunks,
  // reaches a closing outcome, if it does.
  std::optional<std::size_t> close_after;
  // A command line grew past kMaxLineLength: whether it closes depends on
  // how much of it had arrived when it was read, in memcached too.
  bool depends_on_arrival = false;
};

Expected ExpectedClose(const std::vector<std::string_view>& chunks, std::size_t max_item_size) {
  Parser parser(memgate::protocol::ParserOptions{.max_item_size = max_item_size});
  Command command;
  std::string buffer;
  Expected expected;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    buffer.append(chunks[i]);
    while (true) {
      if (parser.swallow_remaining() == 0) {
        const std::string_view line = std::string_view(buffer).substr(0, buffer.find('\n'));
        if (line.size() > kMaxLineLength && !IsLongGetLine(line))
          expected.depends_on_arrival = true;
      }
      const ParseResult r = parser.Parse(buffer, command);
      if (r.status == ParseResult::Status::kNeedMore && r.consumed == 0) break;
      bool close = r.status == ParseResult::Status::kError && r.close;
      if (r.status == ParseResult::Status::kCommand) {
        close =
            command.verb == Verb::kQuit || (command.verb == Verb::kShutdown &&
                                            (command.args.empty() || command.args == "graceful"));
      }
      // The command's views point into the buffer: read them first.
      buffer.erase(0, r.consumed);
      if (close) {
        expected.close_after = i;
        return expected;
      }
    }
  }
  return expected;
}

struct Outcome {
  std::string replies;
  std::optional<std::size_t> closed_after;  // chunk index, when closed before the end of input
};

// One client connection over a socket pair, driven on this thread.
class Client {
 public:
  explicit Client(std::size_t max_item_size)
      : backend_({.clock = &clock_,
                  .memory_limit_bytes = 8 << 20,
                  .max_item_size = max_item_size,
                  .shard_count = 4,
                  .sweep_interval = absl::ZeroDuration()}),
        stats_(1),
        registry_(stats_, events_),
        dispatcher_(
            backend_, stats_,
            server::ServerFacts{.item_size_max = max_item_size, .request_shutdown = [](bool) {}}) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) Fail("socketpair");
    peer_ = fds[1];
    server::Connection::Socket socket(loop_, boost::asio::generic::stream_protocol(AF_UNIX, 0),
                                      fds[0]);
    connection_ = std::make_shared<server::Connection>(
        std::move(socket), loop_, 0, dispatcher_, stats_, registry_,
        backends::ClientContext{.id = registry_.NextId(), .peer = "fuzz", .loop = 0},
        server::ConnectionOptions{.max_item_size = max_item_size});
    connection_->Start();
    Pump();
  }
  ~Client() {
    connection_.reset();
    close(peer_);
  }

  Outcome Run(const std::vector<std::string_view>& chunks) {
    for (std::size_t i = 0; i < chunks.size() && !peer_closed_; ++i) {
      Send(chunks[i]);
      Pump();
      if (peer_closed_) outcome_.closed_after = i;
    }
    if (!peer_closed_) {
      shutdown(peer_, SHUT_WR);
      Pump();
      // Nothing is left to wait for: the connection must have answered and
      // closed.
      if (!peer_closed_) Fail("connection still open after the client's end of input");
    }
    return std::move(outcome_);
  }

 private:
  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(peer_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EAGAIN) {
        Pump();
        if (peer_closed_) return;
        continue;
      }
      // The connection closed its end while we were sending.
      if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
        Pump();
        return;
      }
      Fail("write");
    }
  }

  // Runs the connection and reads its replies until neither has more to do.
  void Pump() {
    while (true) {
      const std::size_t handlers = loop_.poll();
      const bool read = Drain();
      if (handlers == 0 && !read) return;
      loop_.restart();
    }
  }

  bool Drain() {
    bool any = false;
    char buffer[16384];
    while (!peer_closed_) {
      const ssize_t n = recv(peer_, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) {
        outcome_.replies.append(buffer, static_cast<std::size_t>(n));
        any = true;
      } else if (n == 0 || (n < 0 && errno == ECONNRESET)) {
        peer_closed_ = true;
        any = true;
      } else if (errno == EAGAIN) {
        break;
      } else {
        Fail("recv");
      }
    }
    return any;
  }

  backends::FakeClock clock_;
  backends::MemoryBackend backend_;
  server::ServerStats stats_;
  server::EventBus events_;
  server::ClientRegistry registry_;
  server::Dispatcher dispatcher_;
  boost::asio::io_context loop_;
  std::shared_ptr<server::Connection> connection_;
  int peer_ = -1;
  bool peer_closed_ = false;
  Outcome outcome_;
};

// The reply stream with each STAT's value blanked: they count bytes, time
// and resources, which differ between two runs.
std::string WithoutStatValues(std::string_view replies) {
  std::string out;
  std::size_t at = 0;
  while (at < replies.size()) {
    std::size_t end = replies.find("\r\n", at);
    if (end == std::string_view::npos) end = replies.size();
    std::string_view line = replies.substr(at, end - at);
    if (line.starts_with("STAT ")) line = line.substr(0, line.find(' ', 5));
    out.append(line);
    out.append("\r\n");
    at = end + 2;
  }
  return out;
}

void CheckRun(const std::vector<std::string_view>& chunks, std::size_t max_item_size,
              const Outcome& outcome) {
  if (std::string why = memgate::fuzz::ReplyStreamError(outcome.replies); !why.empty()) {
    Fail("malformed reply", why);
  }
  const Expected expected = ExpectedClose(chunks, max_item_size);
  if (!expected.depends_on_arrival && outcome.closed_after != expected.close_after) {
    Fail(expected.close_after ? "connection stayed open where memcached closes"
                              : "connection closed where memcached does not");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Byte 0 picks the item size limit, small enough that refused and
  // swallowed values are reached; byte 1 the largest chunk (1 to 128 bytes)
  // and the seed of the chunk sizes.
  const std::size_t max_item_size = 64 + std::size_t{data[0]} * 16;
  const std::size_t max_chunk = std::size_t{1} << (data[1] & 7);
  uint32_t seed = data[1] | 1u;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  const std::vector<std::string_view> whole{input};
  const Outcome at_once = Client(max_item_size).Run(whole);
  CheckRun(whole, max_item_size, at_once);

  std::vector<std::string_view> chunks;
  for (std::size_t pos = 0; pos < input.size();) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = 1 + (seed >> 16) % max_chunk;
    chunks.push_back(input.substr(pos, n));
    pos += n;
  }
  const Outcome split = Client(max_item_size).Run(chunks);
  CheckRun(chunks, max_item_size, split);

  if (!ExpectedClose(whole, max_item_size).depends_on_arrival &&
      !ExpectedClose(chunks, max_item_size).depends_on_arrival &&
      WithoutStatValues(at_once.replies) != WithoutStatValues(split.replies)) {
    Fail("the answer depends on how the bytes arrive");
  }
  return 0;
}
