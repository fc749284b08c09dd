// memcached-mode commands and replies (see memcached_codec.h).
#include "backends/redis/memcached_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/redis/expiry_args.h"
#include "backends/redis/get_holder.h"
#include "backends/redis/reply_fields.h"
#include "backends/redis/scripts.h"
#include "backends/redis/touch_plan.h"
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

std::string StepsArg(const MetaSteps& steps) { return std::string(steps.order, steps.count); }

// A hit from fields v f c of `reply` (an array), or false when v is nil.
bool FillHit(const redisReply& reply, std::string_view key, Hit& hit) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 3) return false;
  const redisReply& value = *reply.element[0];
  if (value.type != REDIS_REPLY_STRING) return false;
  hit.key = key;
  hit.value = ReplyText(value);
  hit.flags = static_cast<uint32_t>(ReplyUint(*reply.element[1]).value_or(0));
  hit.cas = ReplyUint(*reply.element[2]).value_or(0);
  return true;
}

Plan<GetResult> MetaGet(std::string redis_key, const GetRequest& request) {
  const MetaGetFields& meta = *request.meta;
  const std::string steps = StepsArg(meta.steps);
  const ExpiryArg ttl = ResetExpiry(meta.ttl);
  const ExpiryArg vivify_ttl = ResetExpiry(meta.vivify_ttl);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {steps,
                                   ttl.kind,
                                   ttl.seconds,
                                   vivify_ttl.kind,
                                   vivify_ttl.seconds,
                                   meta.vivify ? "1" : "0",
                                   meta.key_binary ? "1" : "0"};
  Plan<GetResult> plan;
  plan.commands.push_back(FormatEvalSha(McMetaGetScript(), keys, args));
  plan.decode = [holder = MakeGetHolder(request.keys)](ReplyList replies) mutable {
    GetResult result;
    holder->replies = std::move(replies);
    const redisReply& reply = *holder->replies[0];
    if (reply.type == REDIS_REPLY_NIL) return result;
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 6) {
      return ErrorResult<GetResult>(std::string(kUnexpectedReply));
    }
    Hit hit;
    if (!FillHit(reply, holder->keys[0], hit)) {
      return ErrorResult<GetResult>(std::string(kUnexpectedReply));
    }
    const redisReply& binary = *reply.element[3];
    result.meta.key_binary = binary.type == REDIS_REPLY_STRING && ReplyText(binary) == "1";
    result.meta.ttl = ReplyInt(*reply.element[4]).value_or(-1);
    // A vivified item's creator wins the right to fill it.
    result.meta.won = ReplyInt(*reply.element[5]).value_or(0) == 1;
    hit.owner = holder;
    result.hits.push_back(std::move(hit));
    return result;
  };
  return plan;
}

}  // namespace

Capabilities MemcachedCodec::capabilities() const {
  return Capabilities{
      .meta_commands = true, .access_state = false, .recache_state = false, .in_order = true};
}

std::string MemcachedCodec::RedisKey(std::string_view key) const {
  return absl::StrCat(prefix_, ToAbsl(key));
}

Plan<GetResult> MemcachedCodec::Get(const GetRequest& request) const {
  if (request.meta && request.keys.size() == 1) return MetaGet(RedisKey(request.keys[0]), request);
  Plan<GetResult> plan;
  plan.commands.reserve(request.keys.size());
  std::optional<ExpiryArg> touch;
  if (request.touch_exptime) touch = ResetExpiry(*request.touch_exptime);
  for (std::string_view key : request.keys) {
    const std::string redis_key = RedisKey(key);
    if (touch) {
      const std::string_view keys[] = {redis_key};
      const std::string_view args[] = {touch->kind, touch->seconds};
      plan.commands.push_back(FormatEvalSha(McGetTouchScript(), keys, args));
    } else {
      const std::string_view argv[] = {"HMGET", redis_key, "v", "f", "c"};
      plan.commands.push_back(FormatCommand(argv));
    }
  }
  plan.decode = [holder = MakeGetHolder(request.keys)](ReplyList replies) mutable {
    GetResult result;
    holder->replies = std::move(replies);
    for (std::size_t i = 0; i < holder->replies.size(); ++i) {
      Hit hit;
      if (!FillHit(*holder->replies[i], holder->keys[i], hit)) continue;
      hit.owner = holder;
      result.hits.push_back(std::move(hit));
    }
    return result;
  };
  return plan;
}

Plan<StoreResult> MemcachedCodec::Store(const StoreRequest& request) const {
  Plan<StoreResult> plan;
  const std::string redis_key = RedisKey(request.key);
  if (request.value.size() > max_item_size_) {
    // memcached drops the old value of a set that is too large.
    if (request.mode == StoreMode::kSet) {
      const std::string_view argv[] = {"DEL", redis_key};
      plan.commands.push_back(FormatCommand(argv));
    }
    plan.decode = [](ReplyList) { return StoreResult{.outcome = StoreOutcome::kTooLarge}; };
    return plan;
  }
  const ExpiryArg expiry = StoreExpiry(request.exptime);
  const std::string flags = absl::StrCat(request.flags);
  const std::string cas = absl::StrCat(request.cas);
  const std::string limit = absl::StrCat(max_item_size_);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {
      ModeArg(request.mode),          request.value, flags, expiry.kind, expiry.seconds, cas,
      request.key_binary ? "1" : "0", limit};
  plan.commands.push_back(FormatEvalSha(McStoreScript(), keys, args));
  plan.decode = [](ReplyList replies) {
    const redisReply& reply = *replies[0];
    const std::string_view tag = ReplyTag(reply);
    StoreResult result;
    if (tag == "S" && reply.elements >= 2) {
      result.cas = ReplyUint(*reply.element[1]).value_or(0);
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

Plan<DeleteResult> MemcachedCodec::Delete(const DeleteRequest& request) const {
  Plan<DeleteResult> plan;
  const std::string redis_key = RedisKey(request.key);
  if (request.compare_cas) {
    const std::string cas = absl::StrCat(*request.compare_cas);
    const std::string_view keys[] = {redis_key};
    const std::string_view args[] = {cas};
    plan.commands.push_back(FormatEvalSha(McDeleteScript(), keys, args));
  } else {
    const std::string_view argv[] = {"DEL", redis_key};
    plan.commands.push_back(FormatCommand(argv));
  }
  plan.decode = [](ReplyList replies) {
    const redisReply& reply = *replies[0];
    DeleteResult result;
    if (reply.type == REDIS_REPLY_INTEGER) {
      if (reply.integer == 0) result.outcome = DeleteOutcome::kNotFound;
      return result;
    }
    const std::string_view tag = ReplyTag(reply);
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

Plan<ArithResult> MemcachedCodec::Arith(const ArithRequest& request) const {
  const std::string redis_key = RedisKey(request.key);
  const std::string delta = absl::StrCat(request.delta);
  const std::string cas = absl::StrCat(request.compare_cas);
  const std::string initial = absl::StrCat(request.initial);
  const std::string steps = StepsArg(request.steps);
  const ExpiryArg ttl = ResetExpiry(request.ttl);
  const ExpiryArg vivify_ttl = ResetExpiry(request.vivify_ttl);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {request.op == ArithOp::kIncr ? "i" : "d",
                                   delta,
                                   cas,
                                   request.vivify ? "1" : "0",
                                   initial,
                                   steps,
                                   ttl.kind,
                                   ttl.seconds,
                                   vivify_ttl.kind,
                                   vivify_ttl.seconds,
                                   "0"};
  Plan<ArithResult> plan;
  plan.commands.push_back(FormatEvalSha(McArithScript(), keys, args));
  plan.decode = [](ReplyList replies) {
    const redisReply& reply = *replies[0];
    const std::string_view tag = ReplyTag(reply);
    ArithResult result;
    if (tag == "O" && reply.elements >= 4) {
      std::optional<uint64_t> value = ReplyUint(*reply.element[1]);
      if (!value) return ErrorResult<ArithResult>(std::string(kUnexpectedReply));
      result.value = *value;
      result.cas = ReplyUint(*reply.element[2]).value_or(0);
      result.ttl = ReplyInt(*reply.element[3]).value_or(-1);
    } else if (tag == "F") {
      result.outcome = ArithOutcome::kNotFound;
    } else if (tag == "E") {
      result.outcome = ArithOutcome::kExists;
    } else if (tag == "X") {
      result.outcome = ArithOutcome::kNonNumeric;
    } else {
      return ErrorResult<ArithResult>(std::string(kUnexpectedReply));
    }
    return result;
  };
  return plan;
}

Plan<TouchResult> MemcachedCodec::Touch(const TouchRequest& request) const {
  return TouchPlan(McTouchScript(), RedisKey(request.key), request.exptime);
}

}  // namespace memgate::backends::redis
