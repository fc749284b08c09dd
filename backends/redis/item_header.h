// memcached mode's layout: an item is one Redis string, a 14-byte header
// then the value, so a get is a plain GET and a set a plain SET. The header:
// a format byte (1), a bits byte (1: stored with a base64 key), the flags (4
// bytes) and the cas (8 bytes), both big-endian. Scripts read and write it
// with string.sub, comparing cas values as those 8 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memgate::backends::redis {

inline constexpr std::size_t kItemHeaderSize = 14;
inline constexpr char kItemFormat = 1;

struct ItemHeader {
  uint32_t flags = 0;
  uint64_t cas = 0;
  bool key_binary = false;
};

// The bits byte, as scripts take it to build a header.
std::string_view ItemBits(bool key_binary);
// A cas as the header holds it: 8 bytes, big-endian.
std::string EncodeCas(uint64_t cas);
// Flags as the header holds them: 4 bytes, big-endian.
std::string EncodeFlags(uint32_t flags);
// The whole stored string: header, then `value`.
std::string EncodeItem(const ItemHeader& header, std::string_view value);

// A stored string's header, with `value` set to what follows it; nullopt
// when the string is not an item (too short, another format byte).
std::optional<ItemHeader> DecodeItem(std::string_view stored, std::string_view& value);

// The error for a key that holds a string memcached mode did not write.
inline constexpr std::string_view kNotAnItem = "redis key holds a value that is not a memgate item";

}  // namespace memgate::backends::redis
