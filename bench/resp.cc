// RESP2 for the load generator (the direct-to-Redis comparison): GET, MGET
// and SET, each reply parsed fully and checked against what was stored.
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "bench/wire_protocol.h"

namespace memgate::bench {
namespace {

constexpr size_t kMaxLine = 2048;

std::string Quote(std::string_view s) {
  return absl::StrCat("\"", Av(s.substr(0, 80)), s.size() > 80 ? "...\"" : "\"");
}

class RespProtocol final : public WireProtocol {
 public:
  explicit RespProtocol(const KeySpace& keys)
      : keys_(keys),
        key_header_(absl::StrCat("$", keys.key_size(), "\r\n")),
        value_header_(absl::StrCat("$", keys.value_size(), "\r\n")) {}

  void EncodeGet(const uint64_t* keys, uint32_t key_count, std::string* out) const override {
    if (key_count == 1) {
      out->append("*2\r\n$3\r\nGET\r\n");
    } else {
      absl::StrAppend(out, "*", key_count + 1, "\r\n$4\r\nMGET\r\n");
    }
    for (uint32_t i = 0; i < key_count; ++i) AppendKey(keys[i], out);
  }

  void EncodeSet(uint64_t key, std::string* out) const override {
    out->append("*3\r\n$3\r\nSET\r\n");
    AppendKey(key, out);
    out->append(value_header_);
    const size_t start = out->size();
    out->resize(start + keys_.value_size() + 2);
    keys_.WriteValue(key, out->data() + start);
    std::memcpy(out->data() + start + keys_.value_size(), "\r\n", 2);
  }

  ParseStatus Parse(std::string_view in, const Request& request, size_t* consumed,
                    ReplyOutcome* outcome) const override {
    std::string_view line;
    size_t pos;
    ParseStatus st = FindLine(in, 0, kMaxLine, &line, &pos);
    if (st == ParseStatus::kNeedMore) return st;
    if (st == ParseStatus::kDesync) return Desync(outcome, "malformed reply line");
    if (line[0] == '-') {  // an error reply, whatever was asked
      *consumed = pos;
      outcome->error = true;
      outcome->what =
          absl::StrCat(request.kind == Request::Kind::kSet ? "SET: " : "GET: ", Quote(line));
      return ParseStatus::kDone;
    }
    if (request.kind == Request::Kind::kSet) {
      if (line == "+OK") {
        *consumed = pos;
        return ParseStatus::kDone;
      }
      return Desync(outcome, absl::StrCat("SET: unexpected reply ", Quote(line)));
    }
    if (request.key_count == 1) {
      return ParseBulk(in, 0, request.keys[0], consumed, outcome);
    }
    // MGET: an array of key_count bulk strings or nils, in request order.
    int64_t n;
    if (line[0] != '*' || !ParseI64(line.substr(1), &n)) {
      return Desync(outcome, absl::StrCat("MGET: unexpected reply ", Quote(line)));
    }
    if (n != static_cast<int64_t>(request.key_count)) {
      return Desync(outcome,
                    absl::StrCat("MGET: ", n, " elements for ", request.key_count, " keys"));
    }
    ReplyOutcome total;
    for (uint32_t i = 0; i < request.key_count; ++i) {
      ReplyOutcome one;
      size_t next;
      st = ParseBulk(in, pos, request.keys[i], &next, &one);
      if (st == ParseStatus::kNeedMore) return st;
      if (st == ParseStatus::kDesync) return Desync(outcome, std::move(one.what));
      total.hits += one.hits;
      total.misses += one.misses;
      if (one.error && !total.error) {
        total.error = true;
        total.what = std::move(one.what);
      }
      pos = next;
    }
    *consumed = pos;
    *outcome = std::move(total);
    return ParseStatus::kDone;
  }

 private:
  static bool ParseI64(std::string_view s, int64_t* v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size();
  }

  static ParseStatus Desync(ReplyOutcome* outcome, std::string what) {
    outcome->what = std::move(what);
    return ParseStatus::kDesync;
  }

  void AppendKey(uint64_t key, std::string* out) const {
    out->append(key_header_);
    const size_t start = out->size();
    out->resize(start + keys_.key_size() + 2);
    keys_.WriteKey(key, out->data() + start);
    std::memcpy(out->data() + start + keys_.key_size(), "\r\n", 2);
  }

  // One bulk string (a hit, checked against key's value) or nil (a miss) at pos.
  ParseStatus ParseBulk(std::string_view in, size_t pos, uint64_t key, size_t* next,
                        ReplyOutcome* outcome) const {
    std::string_view line;
    size_t after;
    const ParseStatus st = FindLine(in, pos, kMaxLine, &line, &after);
    if (st == ParseStatus::kNeedMore) return st;
    if (st == ParseStatus::kDesync) return Desync(outcome, "malformed bulk header");
    int64_t len;
    if (line[0] != '$' || !ParseI64(line.substr(1), &len) || len < -1) {
      if (line[0] == '-' || line[0] == '+' || line[0] == ':') {  // framed, but not a value
        *next = after;
        outcome->error = true;
        outcome->what = absl::StrCat("GET: unexpected reply ", Quote(line));
        return ParseStatus::kDone;
      }
      return Desync(outcome, absl::StrCat("GET: unexpected reply ", Quote(line)));
    }
    if (len == -1) {
      *next = after;
      outcome->misses = 1;
      return ParseStatus::kDone;
    }
    const auto bytes = static_cast<size_t>(len);
    if (in.size() - after < bytes + 2) return ParseStatus::kNeedMore;
    if (in.substr(after + bytes, 2) != "\r\n") {
      return Desync(outcome, "bulk string not followed by \\r\\n");
    }
    *next = after + bytes + 2;
    outcome->hits = 1;
    const std::string_view value = in.substr(after, bytes);
    if (bytes != keys_.value_size()) {
      outcome->error = true;
      outcome->what =
          absl::StrCat("GET: value has ", bytes, " bytes, expected ", keys_.value_size());
    } else if (!keys_.CheckValue(key, value)) {
      outcome->error = true;
      outcome->what = absl::StrCat("GET: wrong content ", Quote(value));
    }
    return ParseStatus::kDone;
  }

  const KeySpace& keys_;
  const std::string key_header_;    // "$<key size>\r\n"
  const std::string value_header_;  // "$<value size>\r\n"
};

}  // namespace

std::unique_ptr<WireProtocol> MakeRespProtocol(const KeySpace& keys) {
  return std::make_unique<RespProtocol>(keys);
}

}  // namespace memgate::bench
