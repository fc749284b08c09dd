// Limits of the text protocol itself (line lengths); the numbers are
// memcached 1.6's. The data model's limits (key length, item size, exptime)
// are in common/item_limits.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/item_limits.h"

namespace memgate::protocol {

// A command line with no newline after this many bytes closes the connection,
// except for get/gets, whose key lists may be long (memcached does the same).
inline constexpr std::size_t kMaxLineLength = 2048;

// Hard cap on a get/gets line, so a client cannot make us buffer forever.
inline constexpr std::size_t kMaxMultiGetLineLength = 1 << 20;

}  // namespace memgate::protocol
