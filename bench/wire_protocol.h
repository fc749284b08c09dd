// What the load generator needs from a wire protocol: write a get, multi-get
// or set for given key indices, and parse and check the reply to the oldest
// outstanding request. Two implementations: the memcached text protocol and
// RESP (Redis), so the same load can be sent to memcached, memgate or Redis.
#ifndef MEMGATE_BENCH_WIRE_PROTOCOL_H_
#define MEMGATE_BENCH_WIRE_PROTOCOL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "bench/key_space.h"

namespace memgate::bench {

// One request on the wire, waiting for its reply.
struct Request {
  enum class Kind : uint8_t { kGet, kSet };
  Kind kind = Kind::kGet;
  uint32_t key_count = 0;
  const uint64_t* keys = nullptr;  // key_count key indices
  int64_t sent_ns = 0;
};

enum class ParseStatus {
  kNeedMore,  // the reply is not complete yet; nothing was consumed
  kDone,      // one reply consumed (it may still be a wrong reply: see ReplyOutcome)
  kDesync,    // the stream cannot be framed any more; the connection is useless
};

struct ReplyOutcome {
  uint32_t hits = 0;
  uint32_t misses = 0;
  bool error = false;  // an error reply, or a value/key/flags that is not what was stored
  std::string what;    // set only when error or desync, for the report
};

class WireProtocol {
 public:
  virtual ~WireProtocol() = default;

  // Appends the request to `out`. key_count > 1 is a multi-get.
  virtual void EncodeGet(const uint64_t* keys, uint32_t key_count, std::string* out) const = 0;
  virtual void EncodeSet(uint64_t key, std::string* out) const = 0;

  // Parses the reply to `request` at the start of `in`. On kDone, *consumed
  // is its length. A miss is not an error: hits and misses are counted
  // separately; a hit must carry exactly the value the key was set to.
  virtual ParseStatus Parse(std::string_view in, const Request& request, size_t* consumed,
                            ReplyOutcome* outcome) const = 0;
};

// The installed abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0), which does not convert from std::string_view; this spells the
// conversion for absl::StrCat arguments.
inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Finds the line starting at `pos`: on success *line is its text without
// "\r\n" and *next the offset after it. Returns kNeedMore when no newline has
// arrived yet, kDesync for a line longer than max_line or one without "\r".
inline ParseStatus FindLine(std::string_view in, size_t pos, size_t max_line,
                            std::string_view* line, size_t* next) {
  const size_t nl = in.find('\n', pos);
  if (nl == std::string_view::npos) {
    return in.size() - pos > max_line ? ParseStatus::kDesync : ParseStatus::kNeedMore;
  }
  if (nl == pos || in[nl - 1] != '\r' || nl - pos > max_line) return ParseStatus::kDesync;
  *line = in.substr(pos, nl - 1 - pos);
  *next = nl + 1;
  return ParseStatus::kDone;
}

// memcached text protocol: "get k1 k2..." / "set k flags 0 len"; flags are
// the key index modulo 2^16 and are checked on every hit.
std::unique_ptr<WireProtocol> MakeMemcachedTextProtocol(const KeySpace& keys);

// RESP2: GET, MGET for multi-get, SET.
std::unique_ptr<WireProtocol> MakeRespProtocol(const KeySpace& keys);

}  // namespace memgate::bench

#endif  // MEMGATE_BENCH_WIRE_PROTOCOL_H_
