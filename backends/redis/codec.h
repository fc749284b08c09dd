// How one Backend request becomes Redis commands and how their replies become
// the request's result. The memcached and raw data layouts each implement it;
// the backend only sends the commands and hands back the replies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "backends/backend.h"
#include "backends/redis/resp_command.h"

namespace memgate::backends::redis {

// A request's commands (sent back to back on the client's connection) and
// the decoder of their replies, which owns whatever it needs of the request.
// Replies reach the decoder only when none is a Redis error. With no
// commands, `decode` runs at once on an empty list.
template <typename R>
struct Plan {
  CommandList commands;
  absl::AnyInvocable<R(ReplyList replies) &&> decode;
};

class Codec {
 public:
  virtual ~Codec() = default;

  virtual Capabilities capabilities() const = 0;
  virtual Plan<GetResult> Get(const GetRequest& request) const = 0;
  virtual Plan<StoreResult> Store(const StoreRequest& request) const = 0;
  virtual Plan<DeleteResult> Delete(const DeleteRequest& request) const = 0;
  virtual Plan<ArithResult> Arith(const ArithRequest& request) const = 0;
  virtual Plan<TouchResult> Touch(const TouchRequest& request) const = 0;
};

// A result of type R that reports `message` as a backend error.
template <typename R>
R ErrorResult(std::string message) {
  R result;
  result.outcome = decltype(result.outcome)::kError;
  result.error.message = std::move(message);
  return result;
}

// What a decoder answers for a reply of a shape the scripts never produce.
inline constexpr std::string_view kUnexpectedReply = "unexpected reply from redis";

}  // namespace memgate::backends::redis
