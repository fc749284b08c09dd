// Keeps a get's keys and Redis replies alive for as long as its hits are
// held, so hit values point into hiredis's reply buffers without a copy.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "backends/redis/resp_command.h"

namespace memgate::backends::redis {

struct GetHolder {
  absl::InlinedVector<std::string, 1> keys;  // the memcached keys, in request order
  ReplyList replies;                         // one per key
};

inline std::shared_ptr<GetHolder> MakeGetHolder(std::span<const std::string_view> keys) {
  auto holder = std::make_shared<GetHolder>();
  holder->keys.assign(keys.begin(), keys.end());
  return holder;
}

}  // namespace memgate::backends::redis
