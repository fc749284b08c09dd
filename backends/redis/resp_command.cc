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

}  // namespace

void AppendCommand(std::string& out, std::span<const std::string_view> argv) {
  std::size_t size = 3 + Digits(argv.size());
  for (std::string_view arg : argv) size += 5 + Digits(arg.size()) + arg.size();
  const std::size_t from = out.size();
  out.resize(from + size);
  char* at = PutHeader(out.data() + from, '*', argv.size());
  for (std::string_view arg : argv) {
    at = PutHeader(at, '$', arg.size());
    std::memcpy(at, arg.data(), arg.size());
    at += arg.size();
    *at++ = '\r';
    *at++ = '\n';
  }
}

Command FormatCommand(std::span<const std::string_view> argv) {
  Command command;
  AppendCommand(command.bytes, argv);
  return command;
}

}  // namespace memgate::backends::redis
