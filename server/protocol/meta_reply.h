// Encoders for memcached's meta-command replies (mg ms md ma me): the
// return codes, numbers, the k echo and me's debug fields, byte for byte as
// memcached 1.6.18 writes them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace memgate::protocol::meta_reply {

inline constexpr std::string_view kHit = "HD";
inline constexpr std::string_view kValue = "VA ";
inline constexpr std::string_view kExists = "EX";
inline constexpr std::string_view kNotFound = "NF";
inline constexpr std::string_view kNotStored = "NS";
inline constexpr std::string_view kMiss = "EN";
inline constexpr std::string_view kDebugPrefix = "ME ";
// ma's answer when the grown number found no room (classic incr too).
inline constexpr std::string_view kArithOutOfMemory = "SERVER_ERROR out of memory\r\n";
// The reply flags memcached appends after the echoed ones.
inline constexpr std::string_view kTokenSent = " Z";
inline constexpr std::string_view kStale = " X";
inline constexpr std::string_view kWon = " W";

void AppendUnsigned(std::string& out, uint64_t n);
void AppendSigned(std::string& out, int64_t n);

// memcached's META_KEY: " k<key>", base64 with a " b" after it for a binary key.
void AppendKey(std::string& out, std::string_view key, bool binary);

// " <letter><n>", one numeric reply flag (" s5", " t-1").
void AppendFlag(std::string& out, char letter, int64_t n);
void AppendUnsignedFlag(std::string& out, char letter, uint64_t n);

// memcached's slab class for an item of `total` bytes with default settings
// (-n 48, -f 1.25, 1 MiB pages): what me reports as cls=.
unsigned SlabClass(uint64_t total);

}  // namespace memgate::protocol::meta_reply
