// memcached's exptime rule, shared by every backend: 0 never expires, up to
// 30 days is relative seconds, anything larger is an absolute unix time, and a
// negative value means "already expired".
#pragma once

#include <cstdint>

namespace memgate::backends {

// Returned by AbsoluteExpiry for an exptime that is already in the past.
inline constexpr int64_t kAlreadyExpired = -1;

// The unix time at which an item stored at `now` with `exptime` stops being
// visible: 0 = never, kAlreadyExpired = immediately, otherwise a time > now
// (an absolute exptime at or before `now` is kAlreadyExpired).
int64_t AbsoluteExpiry(int64_t exptime, int64_t now);

// True when an item whose AbsoluteExpiry is `expires_at` is gone at `now`.
// memcached treats an item as expired from its expiry second on.
inline bool IsExpired(int64_t expires_at, int64_t now) {
  return expires_at != 0 && expires_at <= now;
}

}  // namespace memgate::backends
