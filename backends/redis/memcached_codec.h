// memcached mode: one Redis string per item under prefix + key, a header
// (flags, cas, binary key: item_header.h) then the value, its TTL the item's
// expiry. get, gat, set, add, replace and delete are single plain commands;
// the writes that must read the item first are one EVALSHA of a script that
// touches only that key. memgate makes the cas values (cas_clock.h).
#pragma once

#include <cstddef>
#include <string>

#include "backends/redis/cas_clock.h"
#include "backends/redis/codec.h"

namespace memgate::backends::redis {

class MemcachedCodec final : public Codec {
 public:
  // `mget`: a multi-key get is one MGET (its keys may lie in any slot).
  MemcachedCodec(std::string prefix, std::size_t max_item_size, bool mget = false)
      : prefix_(std::move(prefix)), max_item_size_(max_item_size), mget_(mget) {}

  Capabilities capabilities() const override;
  Plan<GetResult> Get(const GetRequest& request) const override;
  Plan<StoreResult> Store(const StoreRequest& request) const override;
  Plan<DeleteResult> Delete(const DeleteRequest& request) const override;
  Plan<ArithResult> Arith(const ArithRequest& request) const override;
  Plan<TouchResult> Touch(const TouchRequest& request) const override;

 private:
  std::string RedisKey(std::string_view key) const;
  Plan<GetResult> MetaGet(const GetRequest& request) const;
  Plan<GetResult> MultiGet(const GetRequest& request) const;

  const std::string prefix_;
  const std::size_t max_item_size_;
  const bool mget_;
  // The cas of an item a command changes: the client's (meta E), past
  // which the clock then moves, or the clock's next.
  uint64_t CasFor(uint64_t explicit_cas) const {
    return explicit_cas != 0 ? cas_clock_.Advance(explicit_cas) : cas_clock_.Next();
  }

  mutable CasClock cas_clock_;
};

}  // namespace memgate::backends::redis
