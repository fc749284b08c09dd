// raw mode: items are plain Redis strings under prefix + key, readable and
// writable by any other Redis client. Flags read as 0 (a set's flags are
// dropped), cas is a digest of the value (value_digest.h), and a key of
// another type answers the WRONGTYPE error without being touched.
#pragma once

#include <cstddef>
#include <string>

#include "backends/redis/codec.h"

namespace memgate::backends::redis {

class RawCodec final : public Codec {
 public:
  RawCodec(std::string prefix, std::size_t max_item_size)
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
