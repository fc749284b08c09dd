// SHA1 for script names and raw mode's cas: a value's cas is the first 15 hex
// digits (60 bits) of its SHA1, which Lua's redis.sha1hex computes exactly
// too, so a cas script compares digests without 64-bit integers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace memgate::backends::redis {

// Lowercase hex SHA1 of `data`.
std::string Sha1Hex(std::string_view data);

// The raw-mode cas of `value`: never 0 in practice (60 bits of SHA1).
uint64_t ValueDigest(std::string_view value);

// The 15 hex digits a raw-mode script compares; a cas that no digest can be
// (wider than 60 bits) formats wider and so never matches.
std::string DigestHex(uint64_t cas);

// The cas a raw-mode script reports as 15 hex digits; 0 for anything else.
uint64_t ParseDigestHex(std::string_view hex);

}  // namespace memgate::backends::redis
