// touch in both data layouts: one script call that sets the key's TTL,
// answering 1 when the key exists and 0 when it does not.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "backends/backend.h"
#include "backends/redis/codec.h"
#include "backends/redis/expiry_args.h"
#include "backends/redis/scripts.h"

namespace memgate::backends::redis {

inline Plan<TouchResult> TouchPlan(const Script& script, std::string_view redis_key,
                                   int64_t exptime) {
  const ExpiryArg expiry = ResetExpiry(exptime);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {expiry.kind, expiry.seconds};
  Plan<TouchResult> plan;
  plan.commands.push_back(FormatEvalSha(script, keys, args));
  plan.decode = [](ReplyList replies) {
    const redisReply& reply = *replies[0];
    TouchResult result;
    if (reply.type != REDIS_REPLY_INTEGER) {
      return ErrorResult<TouchResult>(std::string(kUnexpectedReply));
    }
    if (reply.integer == 0) result.outcome = TouchOutcome::kNotFound;
    return result;
  };
  return plan;
}

}  // namespace memgate::backends::redis
