// incr/decr on a stored value, as memcached does it: the value is parsed with
// strtoull's rules, incr wraps at 2^64 and decr floors at 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backends/backend.h"

namespace memgate::backends {

// The number in `value`, or nullopt when memcached would answer "non-numeric":
// leading whitespace and a sign are accepted, at least one digit is required,
// the digits may be followed only by whitespace or the end, the number must
// fit in 64 bits (leading zeros are fine) and a '-' that yields a negative
// 64-bit value is rejected. An empty value is non-numeric.
std::optional<uint64_t> ParseArithValue(std::string_view value);

// incr wraps at 2^64, decr floors at 0.
uint64_t ApplyArith(ArithOp op, uint64_t current, uint64_t delta);

// The new stored text. memcached rewrites the item in place when the new
// number is no longer than the old value, padding with spaces to the old
// length; pad_to = 0 gives the bare digits.
std::string FormatArithValue(uint64_t value, std::size_t pad_to);

}  // namespace memgate::backends
