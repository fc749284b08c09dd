// memcached text-protocol parser, answering as memcached 1.6.45 does (and as
// 1.6.18 did where the two agree). Each acceptance rule was checked against
// the real binaries, quirks included: a storage command's flags and exptime and the meta numbers
// are read the way strtol/strtoul read them and truncated to 32 bits, the other numbers are digits
// alone (a '-' where a sign is allowed) with no wrap, extra tokens are ignored where memcached
// ignores them, tokens are separated by spaces only, and noreply silences errors as well.
#include "server/protocol/parser.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>

#include "absl/strings/numbers.h"
#include "common/absl_compat.h"
#include "server/protocol/base64.h"
#include "server/protocol/reply.h"

namespace memgate::protocol {
namespace {

using Status = ParseResult::Status;

// memcached's MAX_TOKENS (the terminal token included): the tokenizer stops
// after 23 tokens and keeps the rest of the line as one remainder.
constexpr std::size_t kMaxTokens = 24;

// First byte of a binary-protocol request.
constexpr unsigned char kBinaryRequestMagic = 0x80;

// A line longer than kMaxLineLength without a newline is kept only when it is
// a get/gets after at most this many leading spaces.
constexpr std::size_t kMaxLeadingSpaces = 100;

constexpr std::string_view kNoreplyToken = "noreply";

// isspace() in the C locale: what strtol skips and safe_strto* accept after a
// number.
inline bool IsCSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

struct ScannedNumber {
  uint64_t magnitude = 0;
  bool negative = false;
  bool overflow = false;  // the magnitude does not fit in 64 bits (ERANGE)
};

// The grammar strtoull/strtol accept in base 10 (leading white space, a sign,
// at least one digit), plus memcached's safe_strto* rule that the number ends
// the token or is followed by white space.
inline bool ScanNumber(std::string_view token, ScannedNumber& out) {
  const char* p = token.data();
  const char* const end = p + token.size();
  while (p < end && IsCSpace(*p)) ++p;
  if (p < end && (*p == '+' || *p == '-')) {
    out.negative = *p == '-';
    ++p;
  }
  const char* const digits = p;
  uint64_t value = 0;
  for (; p < end; ++p) {
    const unsigned d = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (d > 9) break;
    if (value > (UINT64_MAX - d) / 10) {
      out.overflow = true;
    } else {
      value = value * 10 + d;
    }
  }
  if (p == digits) return false;
  if (p < end && !IsCSpace(*p)) return false;
  out.magnitude = value;
  return true;
}

// memcached's safe_strtoull: a negative number is refused only when its
// two's-complement value looks negative, so "-0" is 0 and
// "-18446744073709551615" is 1, exactly as in memcached.
inline bool ParseU64(std::string_view token, uint64_t& out) {
  ScannedNumber n;
  if (!ScanNumber(token, n) || n.overflow) return false;
  const uint64_t value = n.negative ? 0 - n.magnitude : n.magnitude;
  if (n.negative && static_cast<int64_t>(value) < 0) return false;
  out = value;
  return true;
}

// memcached 1.6.45's E token, cas unique and incr/decr delta: decimal digits
// only (no sign, no space), at most UINT64_MAX.
inline bool ParseDigitsU64(std::string_view token, uint64_t& out) {
  if (token.empty()) return false;
  uint64_t value = 0;
  for (const char c : token) {
    const unsigned d = static_cast<unsigned char>(c) - static_cast<unsigned>('0');
    if (d > 9 || value > (UINT64_MAX - d) / 10) return false;
    value = value * 10 + d;
  }
  out = value;
  return true;
}

// memcached 1.6.45's verbosity level: decimal digits only, at most
// UINT32_MAX (no 32-bit wrap).
inline bool ParseDigitsU32(std::string_view token, uint32_t& out) {
  uint64_t value;
  if (!ParseDigitsU64(token, value) || value > UINT32_MAX) return false;
  out = static_cast<uint32_t>(value);
  return true;
}

// memcached 1.6.45's touch, gat and flush_all exptime: an optional '-', then
// decimal digits only, within int32_t (no '+', no 32-bit wrap).
inline bool ParseDigitsI32(std::string_view token, int32_t& out) {
  const bool negative = !token.empty() && token[0] == '-';
  uint64_t magnitude;
  if (!ParseDigitsU64(token.substr(negative ? 1 : 0), magnitude)) return false;
  if (magnitude > static_cast<uint64_t>(INT32_MAX) + (negative ? 1 : 0)) return false;
  out = static_cast<int32_t>(negative ? -static_cast<int64_t>(magnitude)
                                      : static_cast<int64_t>(magnitude));
  return true;
}

// memcached's safe_strtoul: strtoul with a 64-bit unsigned long, truncated
// to 32 bits ("4294967296" is accepted as 0).
inline bool ParseU32(std::string_view token, uint32_t& out) {
  uint64_t value;
  if (!ParseU64(token, value)) return false;
  out = static_cast<uint32_t>(value);
  return true;
}

// memcached's safe_strtol: strtol with a 64-bit long, truncated to 32 bits
// (1.6.18 has no INT_MAX check, so "4294967396" is accepted as 100).
inline bool ParseI32(std::string_view token, int32_t& out) {
  ScannedNumber n;
  if (!ScanNumber(token, n) || n.overflow) return false;
  constexpr uint64_t kInt64Max = static_cast<uint64_t>(INT64_MAX);
  if (n.magnitude > kInt64Max + (n.negative ? 1 : 0)) return false;
  const uint64_t value = n.negative ? 0 - n.magnitude : n.magnitude;
  out = static_cast<int32_t>(static_cast<int64_t>(value));
  return true;
}

// A storage command's <bytes> as memcached 1.6.45 reads it: digits only (no
// sign, no white space after), at most INT_MAX - 2 (no 32-bit wrap).
inline bool ParseLength(std::string_view token, int32_t& out) {
  if (token.empty()) return false;
  int64_t value = 0;
  for (const char c : token) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
    if (value > INT_MAX - 2) return false;
  }
  out = static_cast<int32_t>(value);
  return true;
}

// memcached's tokenize_command: split on ' ' only (tabs belong to tokens),
// stop after kMaxTokens - 1 tokens.
struct Tokens {
  // Only token[0, count) is ever read, so the array is left uninitialised:
  // zeroing 23 views per command showed in profiles.
  Tokens() {}
  union {
    std::string_view token[kMaxTokens - 1];
  };
  std::size_t count = 0;
  // What follows the last token when the tokenizer stopped early (empty
  // otherwise): more get keys, or ignored junk.
  std::string_view rest;

  // memcached's ntokens, which counts a terminal token.
  std::size_t ntokens() const { return count + 1; }
  std::string_view last() const { return token[count - 1]; }
  bool last_is_noreply() const { return last() == kNoreplyToken; }
};

inline void Tokenize(std::string_view line, Tokens& t) {
  const char* p = line.data();
  const char* const end = p + line.size();
  const char* start = p;
  for (; p < end; ++p) {
    if (*p != ' ') continue;
    if (start != p) {
      t.token[t.count++] = std::string_view(start, static_cast<std::size_t>(p - start));
      if (t.count == kMaxTokens - 1) {
        ++p;
        t.rest = std::string_view(p, static_cast<std::size_t>(end - p));
        return;
      }
    }
    start = p + 1;
  }
  if (start != p) t.token[t.count++] = std::string_view(start, static_cast<std::size_t>(p - start));
}

inline ParseResult NeedMore() { return ParseResult{}; }

inline ParseResult Done(std::size_t consumed) {
  ParseResult r;
  r.status = Status::kCommand;
  r.consumed = consumed;
  return r;
}

// An error reply; noreply silences it, as memcached's out_string does.
inline ParseResult Error(std::string_view reply_line, std::size_t consumed, bool noreply = false) {
  ParseResult r;
  r.status = Status::kError;
  r.consumed = consumed;
  if (!noreply) r.error_reply = reply_line;
  return r;
}

inline ParseResult Close(std::size_t consumed, std::string_view reply_line = {}) {
  ParseResult r;
  r.status = Status::kError;
  r.consumed = consumed;
  r.error_reply = reply_line;
  r.close = true;
  return r;
}

inline void ResetCommand(Command& c) {
  c.keys.resize(0);  // keeps any heap capacity from an earlier large get
  c.flags = 0;
  c.exptime = 0;
  c.cas = 0;
  c.delta = 0;
  c.noreply = false;
  c.value = {};
  c.args = {};
  // c.meta (some 300 bytes) is reset by the meta commands' parser only:
  // nothing else reads it.
}

// Whether memcached -I max_item_size refuses the item (item_size_ok).
inline bool TooLarge(std::size_t max_item_size, std::size_t key_len, uint32_t flags,
                     std::size_t data_len_with_crlf) {
  const std::size_t total =
      kItemHeaderSize + key_len + 1 + (flags != 0 ? sizeof(flags) : 0) + data_len_with_crlf;
  return total > max_item_size;
}

// Appends the keys of a get line; false when one is too long.
inline bool AddKeys(std::string_view text, Command& command) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    const char* start = p;
    const void* space = std::memchr(p, ' ', static_cast<std::size_t>(end - p));
    p = space != nullptr ? static_cast<const char*>(space) : end;
    const std::size_t len = static_cast<std::size_t>(p - start);
    if (len > kMaxKeyLength) return false;
    command.keys.emplace_back(start, len);
  }
  return true;
}

// get/gets <key>+, gat/gats <exptime> <key>+. A key over 250 bytes is
// answered with an empty line after the error, as memcached 1.6.45 does.
ParseResult ParseGet(Verb verb, const Tokens& t, std::size_t consumed, Command& command) {
  command.verb = verb;
  std::size_t first_key = 1;
  if (t.ntokens() < 3) return Error(reply::kBadCommandLine, consumed);
  if (verb == Verb::kGat || verb == Verb::kGats) {
    if (t.ntokens() < 4) return Error(reply::kBadCommandLine, consumed);
    int32_t exptime;
    if (!ParseDigitsI32(t.token[1], exptime)) return Error(reply::kInvalidExptime, consumed);
    command.exptime = exptime;
    first_key = 2;
  }
  for (std::size_t i = first_key; i < t.count; ++i) {
    if (t.token[i].size() > kMaxKeyLength) return Error(reply::kBadKeyInGet, consumed);
    command.keys.push_back(t.token[i]);
  }
  if (!t.rest.empty() && !AddKeys(t.rest, command)) {
    return Error(reply::kBadKeyInGet, consumed);
  }
  return Done(consumed);
}

// As memcached 1.6.45, the keyed commands below refuse too few tokens with
// CLIENT_ERROR and ignore tokens past the ones they read; noreply is the last
// token, wherever it is.
ParseResult ParseArithmetic(Verb verb, const Tokens& t, std::size_t consumed, Command& command) {
  if (t.ntokens() < 4) return Error(reply::kBadCommandLine, consumed);
  const bool noreply = t.last_is_noreply();
  if (t.token[1].size() > kMaxKeyLength) return Error(reply::kBadCommandLine, consumed, noreply);
  uint64_t delta;
  if (!ParseDigitsU64(t.token[2], delta)) return Error(reply::kInvalidDelta, consumed, noreply);
  command.verb = verb;
  command.keys.push_back(t.token[1]);
  command.delta = delta;
  command.noreply = noreply;
  return Done(consumed);
}

ParseResult ParseTouch(const Tokens& t, std::size_t consumed, Command& command) {
  if (t.ntokens() < 4) return Error(reply::kBadCommandLine, consumed);
  const bool noreply = t.last_is_noreply();
  if (t.token[1].size() > kMaxKeyLength) return Error(reply::kBadCommandLine, consumed, noreply);
  int32_t exptime;
  if (!ParseDigitsI32(t.token[2], exptime)) {
    return Error(reply::kInvalidExptime, consumed, noreply);
  }
  command.verb = Verb::kTouch;
  command.keys.push_back(t.token[1]);
  command.exptime = exptime;
  command.noreply = noreply;
  return Done(consumed);
}

// delete <key> [anything]: memcached 1.6.45 no longer checks the legacy time
// argument.
ParseResult ParseDelete(const Tokens& t, std::size_t consumed, Command& command) {
  if (t.ntokens() < 3) return Error(reply::kBadCommandLine, consumed);
  const bool noreply = t.last_is_noreply();
  if (t.token[1].size() > kMaxKeyLength) return Error(reply::kBadCommandLine, consumed, noreply);
  command.verb = Verb::kDelete;
  command.keys.push_back(t.token[1]);
  command.noreply = noreply;
  return Done(consumed);
}

ParseResult ParseFlushAll(const Tokens& t, std::size_t consumed, bool enabled, Command& command) {
  const std::size_t n = t.ntokens();
  const bool noreply = t.last_is_noreply();
  if (!enabled) return Error(reply::kFlushNotAllowed, consumed, noreply);
  int32_t delay = 0;
  if (n != (noreply ? 3u : 2u) && !ParseDigitsI32(t.token[1], delay)) {
    return Error(reply::kInvalidExptime, consumed, noreply);
  }
  command.verb = Verb::kFlushAll;
  command.exptime = delay;
  command.noreply = noreply;
  return Done(consumed);
}

ParseResult ParseVerbosity(const Tokens& t, std::size_t consumed, Command& command) {
  if (t.ntokens() < 3) return Error(reply::kBadCommandLine, consumed);
  const bool noreply = t.last_is_noreply();
  uint32_t level;
  if (!ParseDigitsU32(t.token[1], level)) return Error(reply::kBadCommandLine, consumed, noreply);
  command.verb = Verb::kVerbosity;
  command.flags = level;
  command.noreply = noreply;
  return Done(consumed);
}

// Everything after the command word, trailing spaces dropped.
std::string_view ArgsOf(const Tokens& t, std::string_view line) {
  if (t.count <= 1) return {};
  const char* begin = t.token[1].data();
  const char* end = line.data() + line.size();
  while (end > begin && end[-1] == ' ') --end;
  return std::string_view(begin, static_cast<std::size_t>(end - begin));
}

// shutdown [graceful]: the mode is judged by the dispatcher, which first says
// whether shutdown is enabled at all (memcached's order).
ParseResult ParseShutdown(const Tokens& t, std::string_view line, std::size_t consumed,
                          Command& command) {
  command.verb = Verb::kShutdown;
  command.args = ArgsOf(t, line);
  return Done(consumed);
}

ParseResult ParseStats(const Tokens& t, std::string_view line, std::size_t consumed,
                       Command& command) {
  command.verb = Verb::kStats;
  command.args = ArgsOf(t, line);
  return Done(consumed);
}

// slabs automove <level> | slabs automove ratio <ratio> [noreply]: memcached
// 1.6.45 reads the level as plain digits (no sign, no 32-bit wrap); a level
// it does not know, a bad ratio and every other slabs word answer ERROR.
ParseResult ParseSlabs(const Tokens& t, std::size_t consumed, Command& command) {
  if (t.count < 3 || t.token[1] != "automove") return Error(reply::kError, consumed);
  const bool noreply = t.last_is_noreply();
  if (t.token[2] == "ratio") {
    double ratio;
    if (t.count < 4 || !absl::SimpleAtod(ToAbsl(t.token[3]), &ratio)) {
      return Error(reply::kError, consumed, noreply);
    }
  } else {
    const std::string_view level = t.token[2];
    uint64_t value = 0;
    for (const char c : level) {
      if (c < '0' || c > '9' || value > UINT32_MAX) {
        return Error(reply::kBadCommandLine, consumed, noreply);
      }
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (value > UINT32_MAX) return Error(reply::kBadCommandLine, consumed, noreply);
    if (value > 2) return Error(reply::kError, consumed, noreply);
  }
  command.verb = Verb::kSlabsAutomove;
  command.noreply = noreply;
  return Done(consumed);
}

// set/add/replace/append/prepend <key> <flags> <exptime> <bytes> [noreply]
// cas <key> <flags> <exptime> <bytes> <cas> [noreply]
// As memcached 1.6.45: tokens past these are ignored, and once <bytes> is
// read every refusal swallows the value (what is in `buffer` now is consumed
// with the error, the rest is left in `swallow_remaining`), so the data line
// never runs as a command. Before that, noreply does not silence the error.
ParseResult ParseStorage(Verb verb, const Tokens& t, std::string_view buffer,
                         std::size_t line_consumed, std::size_t max_item_size,
                         std::size_t& swallow_remaining, Command& command) {
  if (t.count < 5) return Error(reply::kBadCommandLine, line_consumed);
  int32_t bytes;
  if (!ParseLength(t.token[4], bytes)) return Error(reply::kBadCommandLine, line_consumed);
  const bool noreply = t.last_is_noreply();
  const std::size_t value_len = static_cast<std::size_t>(bytes);
  const std::size_t data_len = value_len + 2;  // the value and its "\r\n"
  const std::size_t available = buffer.size() - line_consumed;
  const auto refuse = [&](std::string_view reply_line) {
    const std::size_t now = std::min(available, data_len);
    swallow_remaining = data_len - now;
    return Error(reply_line, line_consumed + now, noreply);
  };
  const std::string_view key = t.token[1];
  if (key.size() > kMaxKeyLength) return refuse(reply::kBadCommandLine);
  uint32_t flags;
  int32_t exptime;
  if (!ParseU32(t.token[2], flags) || !ParseI32(t.token[3], exptime)) {
    return refuse(reply::kBadCommandLine);
  }
  uint64_t cas = 0;
  if (verb == Verb::kCas && (t.count < 6 || !ParseDigitsU64(t.token[5], cas))) {
    return refuse(reply::kBadCommandLine);
  }
  if (TooLarge(max_item_size, key.size(), flags, data_len)) {
    ParseResult r = refuse(reply::kTooLarge);
    if (verb == Verb::kSet) r.invalidate_key = key;
    return r;
  }
  if (available < data_len) return NeedMore();
  const std::size_t end = line_consumed + value_len;
  // memcached reads exactly <bytes>+2 bytes and only then checks the ending.
  if (buffer[end] != '\r' || buffer[end + 1] != '\n') {
    return Error(reply::kBadDataChunk, line_consumed + data_len, noreply);
  }
  command.verb = verb;
  command.keys.push_back(key);
  command.flags = flags;
  command.exptime = exptime;
  command.cas = cas;
  command.noreply = noreply;
  command.value = buffer.substr(line_consumed, value_len);
  return Done(line_consumed + data_len);
}

ParseResult Simple(Verb verb, std::size_t consumed, Command& command) {
  command.verb = verb;
  return Done(consumed);
}

// --- meta commands ----------------------------------------------------------

// memcached's MFLAG_MAX_OPT_LENGTH: a meta line may have at most this many
// tokens, the terminal one included.
constexpr std::size_t kMaxMetaTokens = 20;
// memcached's MFLAG_MAX_OPAQUE_LENGTH, the O included.
constexpr std::size_t kMaxOpaqueLength = 32;

// Why PreparseMetaFlags refused a command: the reply, and whether an E
// token was bad (md words that one as 1.6.45 does, every other flag error
// as 1.6.18 does).
struct MetaFlagError {
  std::string_view reply = reply::kBadCommandLine;
  bool bad_explicit_cas = false;
};

// memcached's _meta_flag_preparse: records each flag token and parses the
// numeric ones. Unknown and repeated flags fail at once; a bad token is
// noted, parsing goes on, and the last message noted wins (F failures keep
// the default message), exactly as memcached reports them.
bool PreparseMetaFlags(const Tokens& t, std::size_t first, Command& command,
                       MetaFlagError& failure) {
  MetaFlags& m = command.meta;
  bool has_error = false;
  std::string_view& error = failure.reply;
  for (std::size_t i = first; i < t.count; ++i) {
    const std::string_view token = t.token[i];
    const char o = token[0];
    const bool letter = (o >= 'A' && o <= 'Z') || (o >= 'a' && o <= 'z');
    if (letter && m.Has(o)) {
      error = reply::kMetaDuplicateFlag;
      return false;
    }
    if (static_cast<unsigned char>(o) >= 127) {
      error = reply::kMetaDuplicateFlag;
      return false;
    }
    const std::string_view arg = token.substr(1);
    switch (o) {
      case 'b': {
        std::string& decoded = command.key_storage;
        if (!Base64Decode(command.keys[0], decoded)) {
          error = reply::kMetaKeyDecode;
          has_error = true;
        }
        command.keys[0] = decoded;
        break;
      }
      case 'N':
      case 'T':
      case 'R': {
        int32_t ttl;
        if (!ParseI32(arg, ttl)) {
          error = reply::kMetaBadToken;
          has_error = true;
        } else {
          (o == 'N' ? m.vivify_ttl : o == 'T' ? m.ttl : m.recache_ttl) = ttl;
        }
        break;
      }
      case 'F':
        if (!ParseU32(arg, m.client_flags)) has_error = true;
        break;
      case 'C':
        if (!ParseU64(arg, m.compare_cas)) {
          error = reply::kMetaBadToken;
          has_error = true;
        }
        break;
      case 'E':
        if (!ParseDigitsU64(arg, m.explicit_cas)) {
          error = reply::kMetaBadToken;
          failure.bad_explicit_cas = true;
          has_error = true;
        }
        break;
      case 'M':
        if (token.size() != 2) {
          error = reply::kMetaModeLength;
          has_error = true;
        } else {
          m.mode = token[1];
        }
        break;
      case 'J':
        if (!ParseU64(arg, m.initial)) {
          error = reply::kMetaBadInitial;
          has_error = true;
        }
        break;
      case 'D':
        if (!ParseU64(arg, m.delta)) {
          error = reply::kMetaBadDelta;
          has_error = true;
        }
        break;
      case 'l':
      case 'O':
      case 'P':
      case 'L':
      case 'k':
      case 's':
      case 't':
      case 'c':
      case 'f':
      case 'v':
      case 'h':
      case 'u':
      case 'q':
      case 'I':
        break;
      default:
        error = reply::kMetaInvalidFlag;
        return false;
    }
    // Only letters get here (every accepted flag is one).
    m.Set(o);
    m.tokens[m.count++] = token;
  }
  return !has_error;
}

// The first O token longer than memcached allows, if any.
bool OpaqueTooLong(const MetaFlags& m) {
  for (std::size_t i = 0; i < m.count; ++i) {
    if (m.tokens[i][0] == 'O' && m.tokens[i].size() > kMaxOpaqueLength) return true;
  }
  return false;
}

// mg, md, ma: <verb> <key> <flags>*
ParseResult ParseMetaKeyed(Verb verb, const Tokens& t, std::size_t consumed, Command& command) {
  if (t.ntokens() < 3) return Error(reply::kError, consumed);
  if (t.token[1].size() > kMaxKeyLength) return Error(reply::kBadCommandLine, consumed);
  if (t.ntokens() > kMaxMetaTokens || !t.rest.empty()) {
    return Error(reply::kMetaTooManyFlags, consumed);
  }
  command.keys.push_back(t.token[1]);
  MetaFlagError failure;
  if (!PreparseMetaFlags(t, 2, command, failure)) {
    // md and ma word every flag error the same way, except md's bad E token
    // (a flag 1.6.18 does not have), which 1.6.45 reports as a bad token.
    const bool own_words =
        verb == Verb::kMetaGet || (verb == Verb::kMetaDelete && failure.bad_explicit_cas &&
                                   failure.reply == reply::kMetaBadToken);
    return Error(own_words ? failure.reply : reply::kMetaInvalidOrDuplicateFlag, consumed);
  }
  if (verb == Verb::kMetaArith) {
    switch (command.meta.mode) {
      case 0:
      case 'I':
      case '+':
      case 'D':
      case '-':
        break;
      default:
        return Error(reply::kMetaArithBadMode, consumed);
    }
  }
  if (OpaqueTooLong(command.meta)) return Error(reply::kMetaOpaqueTooLong, consumed);
  command.verb = verb;
  command.noreply = command.meta.Has('q');
  return Done(consumed);
}

// ms <key> <datalen> <flags>*\r\n<data>\r\n
// Once the data length is known, an error swallows the data block.
ParseResult ParseMetaSet(const Tokens& t, std::string_view buffer, std::size_t line_consumed,
                         std::size_t max_item_size, std::size_t& swallow_remaining,
                         Command& command) {
  if (t.ntokens() < 3) return Error(reply::kError, line_consumed);
  if (t.token[1].size() > kMaxKeyLength) return Error(reply::kBadCommandLine, line_consumed);
  if (t.ntokens() == 3) return Error(reply::kBadCommandLine, line_consumed);
  if (t.ntokens() > kMaxMetaTokens || !t.rest.empty()) {
    return Error(reply::kMetaSetTooManyFlags, line_consumed);
  }
  int32_t bytes;
  if (!ParseI32(t.token[2], bytes) || bytes < 0 || bytes > INT_MAX - 2) {
    return Error(reply::kBadCommandLine, line_consumed);
  }
  const std::size_t data_len = static_cast<std::size_t>(bytes) + 2;
  const std::size_t available = buffer.size() - line_consumed;
  const auto fail = [&](std::string_view reply_line) {
    const std::size_t now = std::min(available, data_len);
    swallow_remaining = data_len - now;
    return Error(reply_line, line_consumed + now);
  };
  command.keys.push_back(t.token[1]);
  MetaFlagError failure;
  if (!PreparseMetaFlags(t, 3, command, failure)) return fail(failure.reply);
  const MetaFlags& m = command.meta;
  switch (m.mode) {
    case 0:
    case 'E':
    case 'A':
    case 'P':
    case 'R':
    case 'S':
      break;
    default:
      return fail(reply::kMetaSetBadMode);
  }
  if (OpaqueTooLong(m)) return fail(reply::kMetaOpaqueTooLong);
  const std::string_view key = command.keys[0];
  if (TooLarge(max_item_size, key.size(), m.client_flags, data_len)) {
    // memcached drops the key's old value whatever the mode.
    ParseResult r = fail(reply::kTooLarge);
    r.invalidate_key = key;
    return r;
  }
  if (available < data_len) return NeedMore();
  const std::size_t end = line_consumed + data_len - 2;
  if (buffer[end] != '\r' || buffer[end + 1] != '\n') {
    return Error(reply::kBadDataChunk, line_consumed + data_len);
  }
  command.verb = Verb::kMetaSet;
  command.noreply = m.Has('q');
  command.value = buffer.substr(line_consumed, data_len - 2);
  return Done(line_consumed + data_len);
}

// me <key> [b]: memcached's debug dump of one item.
ParseResult ParseMetaDebug(const Tokens& t, std::size_t consumed, Command& command) {
  if (t.ntokens() < 3 || t.token[1].size() > kMaxKeyLength) {
    return Error(reply::kBadCommandLine, consumed);
  }
  command.keys.push_back(t.token[1]);
  if (t.count >= 3 && t.token[2] == "b") {
    if (!Base64Decode(t.token[1], command.key_storage)) {
      return Error(reply::kBadCommandLine, consumed);
    }
    command.keys[0] = command.key_storage;
    command.meta.Set('b');
  }
  command.verb = Verb::kMetaDebug;
  return Done(consumed);
}

ParseResult ParseMeta(const Tokens& t, std::string_view buffer, std::size_t consumed,
                      std::size_t max_item_size, std::size_t& swallow_remaining, Command& command) {
  switch (t.token[0][1]) {
    case 'g':
      return ParseMetaKeyed(Verb::kMetaGet, t, consumed, command);
    case 's':
      return ParseMetaSet(t, buffer, consumed, max_item_size, swallow_remaining, command);
    case 'd':
      return ParseMetaKeyed(Verb::kMetaDelete, t, consumed, command);
    case 'a':
      return ParseMetaKeyed(Verb::kMetaArith, t, consumed, command);
    case 'n':
      return Simple(Verb::kMetaNoop, consumed, command);
    case 'e':
      return ParseMetaDebug(t, consumed, command);
    default:
      return Error(reply::kError, consumed);
  }
}

}  // namespace

ParseResult Parser::Parse(std::string_view buffer, Command& command) {
  if (buffer.empty()) return NeedMore();
  if (swallow_remaining_ > 0) {
    const std::size_t n = std::min(buffer.size(), swallow_remaining_);
    swallow_remaining_ -= n;
    return Error({}, n, /*noreply=*/true);
  }
  if (at_stream_start_) {
    at_stream_start_ = false;
    // memcached picks the protocol from a connection's first byte.
    if (static_cast<unsigned char>(buffer[0]) == kBinaryRequestMagic) {
      return Close(buffer.size(), reply::kBinaryProtocol);
    }
  }
  return ParseLine(buffer, command);
}

namespace {

// Whether a line that may exceed kMaxLineLength is kept (memcached's rule:
// at most 100 leading spaces, then "get " or "gets ").
bool IsLongGetLine(std::string_view line) {
  std::size_t spaces = 0;
  while (spaces < line.size() && line[spaces] == ' ') ++spaces;
  const std::string_view rest = line.substr(spaces);
  return spaces <= kMaxLeadingSpaces && (rest.starts_with("get ") || rest.starts_with("gets "));
}

}  // namespace

ParseResult Parser::ParseLine(std::string_view buffer, Command& command) {
  const std::size_t scanned = std::min(line_scanned_, buffer.size());
  const void* nl = std::memchr(buffer.data() + scanned, '\n', buffer.size() - scanned);
  if (nl == nullptr) {
    line_scanned_ = buffer.size();
    if (buffer.size() > kMaxLineLength) {
      if (!IsLongGetLine(buffer) || buffer.size() > options_.max_get_line_length) {
        return Close(buffer.size());
      }
    }
    return NeedMore();
  }
  line_scanned_ = 0;

  const std::size_t newline_at =
      static_cast<std::size_t>(static_cast<const char*>(nl) - buffer.data());
  // Over the cap the line closes however it arrived, as it does when it
  // arrives without its newline.
  if (newline_at > options_.max_get_line_length && IsLongGetLine(buffer)) {
    return Close(buffer.size());
  }
  const std::size_t consumed = newline_at + 1;
  std::size_t line_len = newline_at;
  // memcached strips the '\r' only from a line longer than one byte.
  if (line_len > 1 && buffer[line_len - 1] == '\r') --line_len;
  // memcached 1.6.45 reads a NUL as any other byte (1.6.18 ended the line
  // there).
  const std::string_view line = buffer.substr(0, line_len);

  Tokens t;
  Tokenize(line, t);
  // memcached 1.6.45 refuses a line under two bytes before looking at its
  // tokens.
  if (line_len < 2) return Error(reply::kBadCommandLine, consumed);
  // 1.6.45 reads the command word from the line's first byte: a line that
  // starts with a space is unknown.
  if (t.count == 0 || t.token[0].size() < 2 || line[0] == ' ') {
    return Error(reply::kError, consumed);
  }

  ResetCommand(command);
  const std::size_t max = options_.max_item_size;
  const std::string_view verb = t.token[0];
  switch (verb[0]) {
    case 'g':
      if (verb == "get") return ParseGet(Verb::kGet, t, consumed, command);
      if (verb == "gets") return ParseGet(Verb::kGets, t, consumed, command);
      if (verb == "gat") return ParseGet(Verb::kGat, t, consumed, command);
      if (verb == "gats") return ParseGet(Verb::kGats, t, consumed, command);
      return Error(reply::kError, consumed);
    case 's':
      if (verb == "set")
        return ParseStorage(Verb::kSet, t, buffer, consumed, max, swallow_remaining_, command);
      if (verb == "stats") return ParseStats(t, line, consumed, command);
      if (verb == "shutdown") return ParseShutdown(t, line, consumed, command);
      if (verb == "slabs") return ParseSlabs(t, consumed, command);
      return Error(reply::kError, consumed);
    case 'a':
      if (verb == "add")
        return ParseStorage(Verb::kAdd, t, buffer, consumed, max, swallow_remaining_, command);
      if (verb == "append")
        return ParseStorage(Verb::kAppend, t, buffer, consumed, max, swallow_remaining_, command);
      return Error(reply::kError, consumed);
    case 'c':
      if (verb == "cas")
        return ParseStorage(Verb::kCas, t, buffer, consumed, max, swallow_remaining_, command);
      return Error(reply::kError, consumed);
    case 'i':
      if (verb == "incr") return ParseArithmetic(Verb::kIncr, t, consumed, command);
      return Error(reply::kError, consumed);
    case 'd':
      if (verb == "delete") return ParseDelete(t, consumed, command);
      if (verb == "decr") return ParseArithmetic(Verb::kDecr, t, consumed, command);
      return Error(reply::kError, consumed);
    case 't':
      if (verb == "touch") return ParseTouch(t, consumed, command);
      return Error(reply::kError, consumed);
    case 'm':
      // Two-letter m* words are meta commands.
      if (verb.size() == 2) {
        command.meta = MetaFlags{};
        return ParseMeta(t, buffer, consumed, max, swallow_remaining_, command);
      }
      break;
    default:
      break;
  }
  if (verb == "replace")
    return ParseStorage(Verb::kReplace, t, buffer, consumed, max, swallow_remaining_, command);
  if (verb == "prepend")
    return ParseStorage(Verb::kPrepend, t, buffer, consumed, max, swallow_remaining_, command);
  if (verb == "flush_all") return ParseFlushAll(t, consumed, options_.flush_enabled, command);
  if (verb == "version") return Simple(Verb::kVersion, consumed, command);
  if (verb == "quit") return Simple(Verb::kQuit, consumed, command);
  if (verb == "verbosity") return ParseVerbosity(t, consumed, command);
  // An HTTP request line: memcached hangs up without a word.
  if (t.last().starts_with("HTTP/")) return Close(consumed);
  return Error(reply::kError, consumed);
}

}  // namespace memgate::protocol
