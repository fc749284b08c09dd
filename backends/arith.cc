// memcached's incr/decr value rules (see arith.h).
#include "backends/arith.h"

#include <limits>

#include "absl/strings/str_cat.h"

namespace memgate::backends {
namespace {

// isspace() in the C locale.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::optional<uint64_t> ParseArithValue(std::string_view value) {
  std::size_t i = 0;
  while (i < value.size() && IsSpace(value[i])) ++i;
  bool negative = false;
  if (i < value.size() && (value[i] == '+' || value[i] == '-')) {
    negative = value[i] == '-';
    ++i;
  }
  const std::size_t digits_start = i;
  uint64_t number = 0;
  for (; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i) {
    const uint64_t digit = static_cast<uint64_t>(value[i] - '0');
    if (number > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    number = number * 10 + digit;
  }
  if (i == digits_start) return std::nullopt;
  if (i < value.size() && !IsSpace(value[i])) return std::nullopt;
  if (negative) {
    // strtoull negates in unsigned arithmetic; memcached then refuses a
    // result that is negative as a signed number.
    number = 0 - number;
    if (static_cast<int64_t>(number) < 0) return std::nullopt;
  }
  return number;
}

uint64_t ApplyArith(ArithOp op, uint64_t current, uint64_t delta) {
  if (op == ArithOp::kIncr) return current + delta;  // wraps, as memcached
  return delta > current ? 0 : current - delta;
}

std::string FormatArithValue(uint64_t value, std::size_t pad_to) {
  std::string text = absl::StrCat(value);
  if (text.size() < pad_to) text.append(pad_to - text.size(), ' ');
  return text;
}

}  // namespace memgate::backends
