// memcached's meta-command rules for one item (see meta_item.h).
#include "backends/meta_item.h"

#include <algorithm>

#include "backends/expiry.h"

namespace memgate::backends {

MetaItemState NewItemState(int64_t expires_at, int64_t now, bool key_binary) {
  MetaItemState state;
  state.expires_at = expires_at;
  state.atime = now;
  state.key_binary = key_binary;
  return state;
}

int64_t MetaExpiry(int64_t exptime, int64_t now) {
  const int64_t at = AbsoluteExpiry(exptime, now);
  return at == kAlreadyExpired ? 1 : at;
}

int64_t TtlLeft(int64_t expires_at, int64_t now) {
  if (expires_at == 0) return -1;
  // An item given a past time (N-1, T-1) is answered once, with 0 left.
  return std::max<int64_t>(expires_at - now, 0);
}

MetaItemReport ApplyMetaGet(const MetaGetFields& fields, bool created, int64_t now,
                            MetaItemState& item) {
  MetaItemReport report;
  report.fetched_before = item.fetched;
  report.idle_seconds = now - item.atime;
  bool won = false;
  for (uint8_t i = 0; i < fields.steps.count; ++i) {
    switch (fields.steps.order[i]) {
      case 't':
        report.ttl = TtlLeft(item.expires_at, now);
        break;
      case 'T':
        item.expires_at = MetaExpiry(fields.ttl, now);
        break;
      case 'N':
        if (created) {
          item.expires_at = MetaExpiry(fields.vivify_ttl, now);
          won = true;
        }
        break;
      case 'R':
        // A TTL below the threshold wins the right to recache, once.
        if (!item.token_sent && !created && item.expires_at != 0 &&
            item.expires_at < MetaExpiry(fields.recache_ttl, now)) {
          won = true;
        }
        break;
    }
  }
  report.token_sent = item.token_sent;
  report.stale = item.stale;
  // A stale item's first reader recaches it.
  if (item.stale && !item.token_sent) won = true;
  if (won) item.token_sent = true;
  report.won = won;
  report.key_binary = item.key_binary;
  if (!fields.no_bump) {
    item.fetched = true;
    item.atime = now;
  }
  return report;
}

int64_t ApplyArithSteps(const ArithRequest& request, bool created, int64_t now,
                        int64_t& expires_at) {
  int64_t ttl = -1;
  for (uint8_t i = 0; i < request.steps.count; ++i) {
    switch (request.steps.order[i]) {
      case 't':
        ttl = TtlLeft(expires_at, now);
        break;
      case 'T':
        expires_at = MetaExpiry(request.ttl, now);
        break;
      case 'N':
        if (created) expires_at = MetaExpiry(request.vivify_ttl, now);
        break;
    }
  }
  return ttl;
}

void Invalidate(std::optional<int64_t> ttl, int64_t now, MetaItemState& item) {
  if (ttl) item.expires_at = MetaExpiry(*ttl, now);
  item.stale = true;
  item.token_sent = false;
}

MetaItemState StaleReplacement(const MetaItemState& old, int64_t now, bool key_binary) {
  MetaItemState state = NewItemState(old.expires_at, now, key_binary);
  state.stale = true;
  state.token_sent = old.token_sent;
  return state;
}

}  // namespace memgate::backends
