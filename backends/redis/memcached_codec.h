// memcached mode: one Redis hash per item (fields v value, f flags, c cas,
// b binary key) under prefix + key, its TTL the item's expiry; every write
// one EVALSHA of a script that touches only that key.
#pragma once

#include <cstddef>
#include <string>

#include "backends/redis/codec.h"

namespace memgate::backends::redis {

class MemcachedCodec final : public Codec {
 public:
  MemcachedCodec(std::string prefix, std::size_t max_item_size)
      : prefix_(std::move(prefix)), max_item_size_(max_item_size) {}

  Capabilities capabilities() const override;
  Plan<GetResult> Get(const GetRequest& request) const override;
  Plan<StoreResult> Store(const StoreRequest& request) const override;
  Plan<DeleteResult> Delete(const DeleteRequest& request) const override;
  Plan<ArithResult> Arith(const ArithRequest& request) const override;
  Plan<TouchResult> Touch(const TouchRequest& request) const override;

 private:
  std::string RedisKey(std::string_view key) const;

  const std::string prefix_;
  const std::size_t max_item_size_;
};

}  // namespace memgate::backends::redis
