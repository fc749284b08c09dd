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

// Cap on a get/gets line (the bytes before its newline), so a client cannot
// make a connection buffer without end; memcached has none. 64 MiB is over
// 250,000 keys of the longest size. A longer get line closes the connection
// whether or not its newline has arrived, so how the bytes arrive never
// changes the answer; a shorter one is served in full.
inline constexpr std::size_t kMaxMultiGetLineLength = std::size_t{64} << 20;

}  // namespace memgate::protocol
