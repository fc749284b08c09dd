// memcached exptimes as the (kind, number) pair the Lua scripts apply to a
// key's TTL: '' no TTL (a fresh key), 'p' persist, 'r' relative seconds, 'a'
// a unix time (Redis deletes a key whose time has passed), 'x' delete now.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/item_limits.h"

namespace memgate::backends::redis {

struct ExpiryArg {
  std::string_view kind;
  std::string seconds;
};

// For a key the command just created: 0 leaves it without a TTL.
inline ExpiryArg StoreExpiry(int64_t exptime) {
  if (exptime == 0) return {"", "0"};
  if (exptime < 0) return {"x", "0"};
  if (exptime <= kMaxRelativeExptime) return {"r", absl::StrCat(exptime)};
  return {"a", absl::StrCat(exptime)};
}

// For a key that may already have a TTL (touch, gat, meta T and N): 0
// removes it.
inline ExpiryArg ResetExpiry(int64_t exptime) {
  if (exptime == 0) return {"p", "0"};
  return StoreExpiry(exptime);
}

}  // namespace memgate::backends::redis
