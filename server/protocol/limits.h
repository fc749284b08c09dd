// Protocol limits shared by the parser, the server and the backends; the
// numbers are memcached 1.6's.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memgate::protocol {

// Longest key memcached accepts.
inline constexpr std::size_t kMaxKeyLength = 250;

// A command line with no newline after this many bytes closes the connection,
// except for get/gets, whose key lists may be long (memcached does the same).
inline constexpr std::size_t kMaxLineLength = 2048;

// Hard cap on a get/gets line, so a client cannot make us buffer forever.
inline constexpr std::size_t kMaxMultiGetLineLength = 1 << 20;

// Default item size limit (-I).
inline constexpr std::size_t kDefaultMaxItemSize = 1 << 20;

// What memcached adds to key and value when it checks an item against -I:
// its item header (48 bytes) plus the cas field (8). An item needs
// kItemHeaderSize + key + 1 + (flags != 0 ? 4 : 0) + value + 2 bytes.
inline constexpr std::size_t kItemHeaderSize = 56;

// exptime values above this many seconds are absolute unix times.
inline constexpr int64_t kMaxRelativeExptime = 60 * 60 * 24 * 30;

}  // namespace memgate::protocol
