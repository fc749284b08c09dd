// memcached's data model limits, shared by the protocol parser and every
// backend: how long a key may be, how large an item, how exptime reads. The
// numbers are memcached 1.6's.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memgate {

// Longest key memcached accepts.
inline constexpr std::size_t kMaxKeyLength = 250;

// Default item size limit (-I).
inline constexpr std::size_t kDefaultMaxItemSize = 1 << 20;

// What memcached adds to key and value when it checks an item against -I:
// its item header (48 bytes) plus the cas field (8). An item needs
// kItemHeaderSize + key + 1 + (flags != 0 ? 4 : 0) + value + 2 bytes.
inline constexpr std::size_t kItemHeaderSize = 56;

// exptime values above this many seconds are absolute unix times.
inline constexpr int64_t kMaxRelativeExptime = 60 * 60 * 24 * 30;

}  // namespace memgate
