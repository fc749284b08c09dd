// The reply grammar: classic replies (memcached's protocol.txt) and meta
// replies (HD VA EN NF NS EX MN ME with their return flags).
#include "tests/fuzz/reply_grammar.h"

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"
#include "common/item_limits.h"

namespace memgate::fuzz {
namespace {

constexpr std::string_view kFixed[] = {"STORED",  "NOT_STORED", "EXISTS", "NOT_FOUND",
                                       "DELETED", "TOUCHED",    "OK",     "END",
                                       "ERROR",   "RESET",      "MN"};
constexpr std::string_view kMetaCodes[] = {"HD", "EN", "NF", "NS", "EX"};

bool IsDigits(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A key as echoed: 1 to 250 bytes, none of them a space.
bool IsKey(std::string_view s) {
  return !s.empty() && s.size() <= kMaxKeyLength && s.find(' ') == std::string_view::npos;
}

// Splits at single spaces; false when a field is empty (a doubled or
// trailing space) or there are more than `max`.
bool Fields(std::string_view s, std::string_view* out, std::size_t max, std::size_t& n) {
  n = 0;
  while (true) {
    const std::size_t space = s.find(' ');
    const std::string_view field = s.substr(0, space);
    if (field.empty() || n == max) return false;
    out[n++] = field;
    if (space == std::string_view::npos) return true;
    s.remove_prefix(space + 1);
  }
}

// One return flag of a meta reply, after its code: Oopaque, kkey, b,
// numbers for s t c f l, h0/h1, and W X Z.
bool IsMetaFlag(std::string_view flag) {
  const std::string_view rest = flag.substr(1);
  switch (flag[0]) {
    case 'O':
      return rest.size() <= 32;
    case 'k':
      return IsKey(rest);
    case 'b':
    case 'W':
    case 'X':
    case 'Z':
      return rest.empty();
    case 't':
      return rest == "-1" || IsDigits(rest);
    case 's':
    case 'c':
    case 'f':
    case 'l':
      return IsDigits(rest);
    case 'h':
      return rest == "0" || rest == "1";
    default:
      return false;
  }
}

bool AreMetaFlags(const std::string_view* flags, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!IsMetaFlag(flags[i])) return false;
  }
  return true;
}

// Checks one header or status line; sets `data` to the length of the data
// block that follows it, if any. Empty when the line is well-formed.
std::string LineError(std::string_view line, std::optional<uint64_t>& data) {
  for (std::string_view fixed : kFixed) {
    if (line == fixed) return {};
  }
  if (IsDigits(line)) return {};
  for (std::string_view prefix : {"CLIENT_ERROR ", "SERVER_ERROR ", "VERSION "}) {
    if (line.starts_with(prefix)) {
      return line.size() > prefix.size() ? std::string() : std::string("no message");
    }
  }
  if (line.starts_with("STAT ")) {
    const std::size_t space = line.find(' ', 5);
    if (space == 5 || space == std::string_view::npos) return "STAT without name and value";
    return {};
  }
  constexpr std::size_t kMaxFields = 2 + 64;
  std::string_view f[kMaxFields];
  std::size_t n = 0;
  if (!Fields(line, f, kMaxFields, n)) return "empty field or too many";
  if (f[0] == "VALUE") {
    uint32_t flags = 0;
    uint64_t bytes = 0;
    if (n != 4 && n != 5) return "VALUE takes key flags bytes [cas]";
    if (!IsKey(f[1])) return "bad key";
    if (!IsDigits(f[2]) || !absl::SimpleAtoi(ToAbsl(f[2]), &flags)) return "bad flags";
    if (!IsDigits(f[3]) || !absl::SimpleAtoi(ToAbsl(f[3]), &bytes)) return "bad length";
    if (n == 5 && !IsDigits(f[4])) return "bad cas";
    data = bytes;
    return {};
  }
  if (f[0] == "VA") {
    uint64_t bytes = 0;
    if (n < 2 || !IsDigits(f[1]) || !absl::SimpleAtoi(ToAbsl(f[1]), &bytes))
      return "VA without length";
    if (!AreMetaFlags(f + 2, n - 2)) return "bad meta flag";
    data = bytes;
    return {};
  }
  for (std::string_view code : kMetaCodes) {
    if (f[0] == code) return AreMetaFlags(f + 1, n - 1) ? std::string() : "bad meta flag";
  }
  if (f[0] == "ME") {
    if (n < 3 || !IsKey(f[1])) return "ME takes a key and fields";
    for (std::size_t i = 2; i < n; ++i) {
      if (f[i].find('=') == std::string_view::npos) return "ME field without '='";
    }
    return {};
  }
  return "unknown reply";
}

}  // namespace

std::string ReplyStreamError(std::string_view replies) {
  constexpr std::string_view kBadKeyInGetLine = "CLIENT_ERROR bad command line format";
  std::string_view previous;
  std::size_t at = 0;
  while (at < replies.size()) {
    const std::string_view rest = replies.substr(at);
    const std::size_t end = rest.find("\r\n");
    if (end == std::string_view::npos) return absl::StrCat("at ", at, ": unterminated line");
    const std::string_view line = rest.substr(0, end);
    // A NUL may stand in a line: memcached 1.6.45 takes it as a key's byte,
    // and meta replies echo the key.
    if (line.find('\n') != std::string_view::npos) {
      return absl::StrCat("at ", at, ": newline inside a line");
    }
    // memcached 1.6.45 follows the error for a get key over 250 bytes with
    // an empty line.
    const bool after_bad_key = line.empty() && previous == kBadKeyInGetLine;
    previous = line;
    std::optional<uint64_t> data;
    if (std::string why = after_bad_key ? std::string() : LineError(line, data); !why.empty()) {
      return absl::StrCat("at ", at, ": ", why);
    }
    at += end + 2;
    if (!data) continue;
    const std::size_t left = replies.size() - at;
    if (*data > left || left - *data < 2 || replies.substr(at + *data, 2) != "\r\n") {
      return absl::StrCat("at ", at, ": data block is not ", *data, " bytes and \"\\r\\n\"");
    }
    at += *data + 2;
  }
  return {};
}

}  // namespace memgate::fuzz
