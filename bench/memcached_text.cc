// The memcached text protocol for the load generator: writes get/set
// requests and checks every reply — framing, keys in request order, flags,
// value length and content.
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "bench/wire_protocol.h"

namespace memgate::bench {
namespace {

constexpr size_t kMaxLine = 2048;

bool ParseU64(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits off the next space-separated token.
std::string_view NextToken(std::string_view* s) {
  const size_t sp = s->find(' ');
  std::string_view tok = s->substr(0, sp);
  *s = sp == std::string_view::npos ? std::string_view() : s->substr(sp + 1);
  return tok;
}

bool IsErrorReply(std::string_view line) {
  return line == "ERROR" || line.starts_with("CLIENT_ERROR ") ||
         line.starts_with("SERVER_ERROR ") || line == "SERVER_ERROR" || line == "CLIENT_ERROR";
}

class MemcachedTextProtocol final : public WireProtocol {
 public:
  explicit MemcachedTextProtocol(const KeySpace& keys)
      : keys_(keys), set_tail_(absl::StrCat(" 0 ", keys.value_size(), "\r\n")) {}

  void EncodeGet(const uint64_t* keys, uint32_t key_count, std::string* out) const override {
    const size_t ks = keys_.key_size();
    const size_t start = out->size();
    out->resize(start + 3 + key_count * (ks + 1) + 2);
    char* p = out->data() + start;
    std::memcpy(p, "get", 3);
    p += 3;
    for (uint32_t i = 0; i < key_count; ++i) {
      *p++ = ' ';
      keys_.WriteKey(keys[i], p);
      p += ks;
    }
    std::memcpy(p, "\r\n", 2);
  }

  void EncodeSet(uint64_t key, std::string* out) const override {
    const size_t ks = keys_.key_size();
    const size_t vs = keys_.value_size();
    char flags[8];
    const auto [fend, ec] = std::to_chars(flags, flags + sizeof(flags), FlagsOf(key));
    const size_t flen = static_cast<size_t>(fend - flags);
    const size_t start = out->size();
    out->resize(start + 4 + ks + 1 + flen + set_tail_.size() + vs + 2);
    char* p = out->data() + start;
    std::memcpy(p, "set ", 4);
    p += 4;
    keys_.WriteKey(key, p);
    p += ks;
    *p++ = ' ';
    std::memcpy(p, flags, flen);
    p += flen;
    std::memcpy(p, set_tail_.data(), set_tail_.size());
    p += set_tail_.size();
    keys_.WriteValue(key, p);
    p += vs;
    std::memcpy(p, "\r\n", 2);
  }

  ParseStatus Parse(std::string_view in, const Request& request, size_t* consumed,
                    ReplyOutcome* outcome) const override {
    return request.kind == Request::Kind::kSet ? ParseSet(in, consumed, outcome)
                                               : ParseGet(in, request, consumed, outcome);
  }

 private:
  static uint64_t FlagsOf(uint64_t key) { return key & 0xffff; }

  static ParseStatus Desync(ReplyOutcome* outcome, std::string what) {
    outcome->what = std::move(what);
    return ParseStatus::kDesync;
  }

  static std::string Quote(std::string_view s) {
    return absl::StrCat("\"", Av(s.substr(0, 80)), s.size() > 80 ? "...\"" : "\"");
  }

  ParseStatus ParseSet(std::string_view in, size_t* consumed, ReplyOutcome* outcome) const {
    std::string_view line;
    const ParseStatus st = FindLine(in, 0, kMaxLine, &line, consumed);
    if (st == ParseStatus::kNeedMore) return st;
    if (st == ParseStatus::kDesync) return Desync(outcome, "set: malformed reply line");
    if (line == "STORED") return ParseStatus::kDone;
    if (!IsErrorReply(line))
      return Desync(outcome, absl::StrCat("set: unexpected reply ", Quote(line)));
    outcome->error = true;
    outcome->what = absl::StrCat("set: ", Quote(line));
    return ParseStatus::kDone;
  }

  ParseStatus ParseGet(std::string_view in, const Request& request, size_t* consumed,
                       ReplyOutcome* outcome) const {
    size_t pos = 0;
    uint32_t next_key = 0;  // hits must come back in request order
    uint32_t hits = 0;
    bool error = false;
    std::string what;
    auto fail = [&](std::string w) {
      if (!error) what = std::move(w);
      error = true;
    };
    for (;;) {
      std::string_view line;
      size_t after_line;
      const ParseStatus st = FindLine(in, pos, kMaxLine, &line, &after_line);
      if (st == ParseStatus::kNeedMore) return st;
      if (st == ParseStatus::kDesync) return Desync(outcome, "get: malformed reply line");
      if (line == "END") {
        *consumed = after_line;
        outcome->hits = hits;
        outcome->misses = request.key_count - hits;
        outcome->error = error;
        outcome->what = std::move(what);
        return ParseStatus::kDone;
      }
      if (!line.starts_with("VALUE ")) {
        if (!IsErrorReply(line)) {
          return Desync(outcome, absl::StrCat("get: unexpected reply ", Quote(line)));
        }
        *consumed = after_line;
        outcome->hits = hits;
        outcome->error = true;
        outcome->what = absl::StrCat("get: ", Quote(line));
        return ParseStatus::kDone;
      }
      std::string_view rest = line.substr(6);
      const std::string_view key = NextToken(&rest);
      uint64_t flags, bytes, cas;
      if (key.empty() || !ParseU64(NextToken(&rest), &flags) ||
          !ParseU64(NextToken(&rest), &bytes) || (!rest.empty() && !ParseU64(rest, &cas))) {
        return Desync(outcome, absl::StrCat("get: bad VALUE line ", Quote(line)));
      }
      if (bytes > (uint64_t{1} << 30)) return Desync(outcome, "get: absurd value length");
      if (in.size() - after_line < bytes + 2) return ParseStatus::kNeedMore;
      if (in.substr(after_line + bytes, 2) != "\r\n") {
        return Desync(outcome, "get: data block not followed by \\r\\n");
      }
      const std::string_view value = in.substr(after_line, bytes);
      pos = after_line + bytes + 2;

      uint64_t index;
      if (!keys_.ParseKey(key, &index)) {
        fail(absl::StrCat("get: reply for a key never requested ", Quote(key)));
        continue;
      }
      while (next_key < request.key_count && request.keys[next_key] != index) ++next_key;
      if (next_key == request.key_count) {
        fail(absl::StrCat("get: key not requested or out of order ", Quote(key)));
        continue;
      }
      ++next_key;
      ++hits;
      if (bytes != keys_.value_size()) {
        fail(absl::StrCat("get: ", Av(key), " has ", bytes, " bytes, expected ",
                          keys_.value_size()));
      } else if (!keys_.CheckValue(index, value)) {
        fail(absl::StrCat("get: ", Av(key), " has wrong content ", Quote(value)));
      } else if (flags != FlagsOf(index)) {
        fail(absl::StrCat("get: ", Av(key), " has flags ", flags, ", expected ", FlagsOf(index)));
      }
    }
  }

  const KeySpace& keys_;
  const std::string set_tail_;  // " 0 <bytes>\r\n": exptime and length
};

}  // namespace

std::unique_ptr<WireProtocol> MakeMemcachedTextProtocol(const KeySpace& keys) {
  return std::make_unique<MemcachedTextProtocol>(keys);
}

}  // namespace memgate::bench
