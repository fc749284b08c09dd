// memcached's meta-command rules for one item, in one place for every
// backend that keeps the state: the ordered t/T/N/R steps, the recache win,
// stale items and the win token, last access and the fetched bit.
#pragma once

#include <cstdint>
#include <optional>

#include "backends/backend.h"

namespace memgate::backends {

// The per-item state the meta rules read and change, beyond value, flags and
// cas. Times are unix seconds.
struct MetaItemState {
  int64_t expires_at = 0;  // 0 = never
  int64_t atime = 0;       // last access (a store counts as one)
  bool fetched = false;
  bool stale = false;       // marked by md I / ms I
  bool token_sent = false;  // a client has been told it won the recache
  bool key_binary = false;  // stored with a base64 (b) key
};

// The state of an item a store (or a vivifying mg/ma) creates at `now`.
MetaItemState NewItemState(int64_t expires_at, int64_t now, bool key_binary);

// The absolute expiry a meta T or N token sets; an exptime already past
// becomes a past time (1), so the item reads as expired from now on.
int64_t MetaExpiry(int64_t exptime, int64_t now);

// Seconds left before `expires_at` (0 once it has passed), -1 for never
// (mg t).
int64_t TtlLeft(int64_t expires_at, int64_t now);

// mg (and me) on an item that exists at `now`, or that this command just
// vivified (`created`): applies the steps in command order, decides the
// recache win, hands out the win token, and records the access unless the
// command said u.
MetaItemReport ApplyMetaGet(const MetaGetFields& fields, bool created, int64_t now,
                            MetaItemState& item);

// ma's t/T/N steps on the item it produced (`created` when N vivified it);
// returns the TTL seen at the t step (-1 without one).
int64_t ApplyArithSteps(const ArithRequest& request, bool created, int64_t now,
                        int64_t& expires_at);

// md I: the item turns stale and open for a new recache winner; a T with it
// sets a new TTL.
void Invalidate(std::optional<int64_t> ttl, int64_t now, MetaItemState& item);

// The state of the item an ms I with an older cas stores: stale, keeping the
// old item's TTL and win token (as memcached does).
MetaItemState StaleReplacement(const MetaItemState& old, int64_t now, bool key_binary);

}  // namespace memgate::backends
