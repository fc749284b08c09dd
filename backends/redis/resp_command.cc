// RESP command encoding (see resp_command.h).
#include "backends/redis/resp_command.h"

#include <charconv>
#include <cstring>

namespace memgate::backends::redis {
namespace {

// Room for a count or length in decimal.
constexpr std::size_t kMaxHeader = 20;

std::size_t Digits(std::size_t n) {
  std::size_t digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

char* PutHeader(char* at, char type, std::size_t n) {
  *at++ = type;
  at = std::to_chars(at, at + kMaxHeader, n).ptr;
  *at++ = '\r';
  *at++ = '\n';
  return at;
}

// An empty view may have no data at all, which memcpy must not be given.
char* PutBytes(char* at, std::string_view bytes) {
  if (bytes.empty()) return at;
  std::memcpy(at, bytes.data(), bytes.size());
  return at + bytes.size();
}

// The wire size of an array header for `count` elements, and of one bulk
// string of `length` bytes.
std::size_t ArrayHeaderSize(std::size_t count) { return 3 + Digits(count); }
std::size_t BulkSize(std::size_t length) { return 5 + Digits(length) + length; }

// One bulk string made of `first` then `second`.
char* PutBulk(char* at, std::string_view first, std::string_view second = {}) {
  at = PutHeader(at, '$', first.size() + second.size());
  at = PutBytes(at, first);
  at = PutBytes(at, second);
  *at++ = '\r';
  *at++ = '\n';
  return at;
}

}  // namespace

void AppendCommand(std::string& out, std::span<const std::string_view> argv) {
  std::size_t size = ArrayHeaderSize(argv.size());
  for (std::string_view arg : argv) size += BulkSize(arg.size());
  const std::size_t from = out.size();
  out.resize(from + size);
  char* at = PutHeader(out.data() + from, '*', argv.size());
  for (std::string_view arg : argv) at = PutBulk(at, arg);
}

Command FormatKeysCommand(std::string_view verb, std::string_view prefix,
                          std::span<const std::string_view> keys) {
  std::size_t size = ArrayHeaderSize(keys.size() + 1) + BulkSize(verb.size());
  for (std::string_view key : keys) size += BulkSize(prefix.size() + key.size());
  Command command;
  command.bytes.resize(size);
  char* at = PutHeader(command.bytes.data(), '*', keys.size() + 1);
  at = PutBulk(at, verb);
  for (std::string_view key : keys) at = PutBulk(at, prefix, key);
  return command;
}

Command FormatCommand(std::span<const std::string_view> argv) {
  Command command;
  AppendCommand(command.bytes, argv);
  return command;
}

}  // namespace memgate::backends::redis
