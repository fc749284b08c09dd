// memcached's exptime rule (see expiry.h).
#include "backends/expiry.h"

#include "common/item_limits.h"

namespace memgate::backends {

int64_t AbsoluteExpiry(int64_t exptime, int64_t now) {
  if (exptime == 0) return 0;
  if (exptime < 0) return kAlreadyExpired;
  if (exptime <= kMaxRelativeExptime) return now + exptime;
  return exptime <= now ? kAlreadyExpired : exptime;
}

}  // namespace memgate::backends
