// raw-mode commands and replies (see raw_codec.h).
#include "backends/redis/raw_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/redis/expiry_args.h"
#include "backends/redis/get_holder.h"
#include "backends/redis/reply_fields.h"
#include "backends/redis/scripts.h"
#include "backends/redis/touch_plan.h"
#include "backends/redis/value_digest.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

std::string_view ModeArg(StoreMode mode) {
  switch (mode) {
    case StoreMode::kSet:
      return "s";
    case StoreMode::kAdd:
      return "a";
    case StoreMode::kReplace:
      return "r";
    case StoreMode::kAppend:
      return "A";
    case StoreMode::kPrepend:
      return "P";
    case StoreMode::kCas:
      return "c";
  }
  return "s";
}

}  // namespace

Capabilities RawCodec::capabilities() const {
  // Plain strings keep no flags, so the meta commands that report them stay
  // off; replies still come in command order.
  return Capabilities{
      .meta_commands = false, .access_state = false, .recache_state = false, .in_order = true};
}

std::string RawCodec::RedisKey(std::string_view key) const {
  return absl::StrCat(prefix_, ToAbsl(key));
}

Plan<GetResult> RawCodec::Get(const GetRequest& request) const {
  // One GET per key rather than MGET: MGET reads a key of another type as a
  // miss, GET names the WRONGTYPE error. They still go out in one write.
  Plan<GetResult> plan;
  plan.commands.reserve(request.keys.size());
  std::optional<ExpiryArg> touch;
  if (request.touch_exptime) touch = ResetExpiry(*request.touch_exptime);
  for (std::string_view key : request.keys) {
    const std::string redis_key = RedisKey(key);
    if (touch) {
      const std::string_view keys[] = {redis_key};
      const std::string_view args[] = {touch->kind, touch->seconds};
      plan.commands.push_back(FormatEvalSha(RawGetTouchScript(), keys, args));
    } else {
      const std::string_view argv[] = {"GET", redis_key};
      plan.commands.push_back(FormatCommand(argv));
    }
  }
  plan.decode = [holder = MakeGetHolder(request.keys),
                 with_cas = request.with_cas](ReplyList replies) mutable {
    GetResult result;
    holder->replies = std::move(replies);
    for (std::size_t i = 0; i < holder->replies.size(); ++i) {
      const redisReply& reply = *holder->replies[i];
      if (reply.type != REDIS_REPLY_STRING) continue;
      Hit hit;
      hit.key = holder->keys[i];
      hit.value = ReplyText(reply);
      if (with_cas) hit.cas = ValueDigest(hit.value);
      hit.owner = holder;
      result.hits.push_back(std::move(hit));
    }
    return result;
  };
  return plan;
}

Plan<StoreResult> RawCodec::Store(const StoreRequest& request) const {
  Plan<StoreResult> plan;
  const std::string redis_key = RedisKey(request.key);
  if (request.value.size() > max_item_size_) {
    plan.decode = [](ReplyList) { return StoreResult{.outcome = StoreOutcome::kTooLarge}; };
    return plan;
  }
  const ExpiryArg expiry = StoreExpiry(request.exptime);
  const bool compares =
      request.mode == StoreMode::kCas ||
      ((request.mode == StoreMode::kAppend || request.mode == StoreMode::kPrepend) &&
       request.cas != 0);
  const std::string digest = compares ? DigestHex(request.cas) : std::string();
  const std::string limit = absl::StrCat(max_item_size_);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {ModeArg(request.mode), request.value, expiry.kind,
                                   expiry.seconds,        digest,        limit};
  plan.commands.push_back(FormatEvalSha(RawStoreScript(), keys, args));
  plan.decode = [](ReplyList replies) {
    const redisReply& reply = *replies[0];
    const std::string_view tag = ReplyTag(reply);
    StoreResult result;
    if (tag == "S" && reply.elements >= 2 && IsText(*reply.element[1])) {
      result.cas = ParseDigestHex(ReplyText(*reply.element[1]));
    } else if (tag == "N") {
      result.outcome = StoreOutcome::kNotStored;
    } else if (tag == "F") {
      result.outcome = StoreOutcome::kNotFound;
    } else if (tag == "E") {
      result.outcome = StoreOutcome::kExists;
    } else if (tag == "L") {
      result.outcome = StoreOutcome::kTooLarge;
    } else {
      return ErrorResult<StoreResult>(std::string(kUnexpectedReply));
    }
    return result;
  };
  return plan;
}

Plan<DeleteResult> RawCodec::Delete(const DeleteRequest& request) const {
  const std::string redis_key = RedisKey(request.key);
  const std::string digest = request.compare_cas ? DigestHex(*request.compare_cas) : std::string();
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {digest};
  Plan<DeleteResult> plan;
  plan.commands.push_back(FormatEvalSha(RawDeleteScript(), keys, args));
  plan.decode = [](ReplyList replies) {
    const std::string_view tag = ReplyTag(*replies[0]);
    DeleteResult result;
    if (tag == "F") {
      result.outcome = DeleteOutcome::kNotFound;
    } else if (tag == "E") {
      result.outcome = DeleteOutcome::kExists;
    } else if (tag != "D") {
      return ErrorResult<DeleteResult>(std::string(kUnexpectedReply));
    }
    return result;
  };
  return plan;
}

Plan<ArithResult> RawCodec::Arith(const ArithRequest& request) const {
  const std::string redis_key = RedisKey(request.key);
  const std::string delta = absl::StrCat(request.delta);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {request.op == ArithOp::kIncr ? "i" : "d", delta};
  Plan<ArithResult> plan;
  plan.commands.push_back(FormatEvalSha(RawArithScript(), keys, args));
  plan.decode = [](ReplyList replies) {
    const redisReply& reply = *replies[0];
    const std::string_view tag = ReplyTag(reply);
    ArithResult result;
    if (tag == "O" && reply.elements >= 3) {
      std::optional<uint64_t> value = ReplyUint(*reply.element[1]);
      if (!value || !IsText(*reply.element[2])) {
        return ErrorResult<ArithResult>(std::string(kUnexpectedReply));
      }
      result.value = *value;
      result.cas = ParseDigestHex(ReplyText(*reply.element[2]));
    } else if (tag == "F") {
      result.outcome = ArithOutcome::kNotFound;
    } else if (tag == "X") {
      result.outcome = ArithOutcome::kNonNumeric;
    } else {
      return ErrorResult<ArithResult>(std::string(kUnexpectedReply));
    }
    return result;
  };
  return plan;
}

Plan<TouchResult> RawCodec::Touch(const TouchRequest& request) const {
  return TouchPlan(RawTouchScript(), RedisKey(request.key), request.exptime);
}

}  // namespace memgate::backends::redis
