// memcached-mode commands and replies (see memcached_codec.h).
#include "backends/redis/memcached_codec.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/redis/expiry_args.h"
#include "backends/redis/get_holder.h"
#include "backends/redis/item_header.h"
#include "backends/redis/reply_fields.h"
#include "backends/redis/scripts.h"
#include "backends/redis/touch_plan.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

std::string StepsArg(const MetaSteps& steps) { return std::string(steps.order, steps.count); }

// The SET options for an expiry (expiry_args.h): a time already past makes
// Redis drop the key at once, which is what memcached's negative exptime
// does to the item.
void AddSetExpiry(const ExpiryArg& expiry, std::vector<std::string_view>& argv) {
  if (expiry.kind == "r") {
    argv.insert(argv.end(), {"EX", expiry.seconds});
  } else if (expiry.kind == "a") {
    argv.insert(argv.end(), {"EXAT", expiry.seconds});
  } else if (expiry.kind == "x") {
    argv.insert(argv.end(), {"EXAT", "1"});
  }
}

// gat/gats: the item as it was, with its TTL replaced (or deleted).
Command GetTouchCommand(std::string_view redis_key, const ExpiryArg& expiry) {
  if (expiry.kind == "x") {
    const std::string_view argv[] = {"GETDEL", redis_key};
    return FormatCommand(argv);
  }
  if (expiry.kind == "p") {
    const std::string_view argv[] = {"GETEX", redis_key, "PERSIST"};
    return FormatCommand(argv);
  }
  const std::string_view argv[] = {"GETEX", redis_key, expiry.kind == "r" ? "EX" : "EXAT",
                                   expiry.seconds};
  return FormatCommand(argv);
}

// Adds the hit in `stored` (a string reply) for the holder's key `index`,
// the value left in the holder's reply; nullopt when the string is not an
// item.
std::optional<ItemHeader> AddHit(const redisReply& stored, const std::shared_ptr<GetHolder>& holder,
                                 std::size_t index, GetResult& result) {
  std::string_view value;
  const std::optional<ItemHeader> header = DecodeItem(ReplyText(stored), value);
  if (!header) return std::nullopt;
  result.hits.push_back(Hit{.key = holder->keys[index],
                            .value = value,
                            .flags = header->flags,
                            .cas = header->cas,
                            .owner = holder});
  return header;
}

GetResult NotAnItem() { return ErrorResult<GetResult>(std::string(kNotAnItem)); }

}  // namespace

Capabilities MemcachedCodec::capabilities() const {
  return Capabilities{.meta_commands = true,
                      .access_state = false,
                      .recache_state = false,
                      .explicit_cas = true,
                      .in_order = true};
}

std::string MemcachedCodec::RedisKey(std::string_view key) const {
  return absl::StrCat(prefix_, ToAbsl(key));
}

Plan<GetResult> MemcachedCodec::MetaGet(const GetRequest& request) const {
  const MetaGetFields& meta = *request.meta;
  const std::string redis_key = RedisKey(request.keys[0]);
  Plan<GetResult> plan;
  const bool scripted = meta.steps.count > 0 || meta.vivify;
  if (scripted) {
    const std::string steps = StepsArg(meta.steps);
    const ExpiryArg ttl = ResetExpiry(meta.ttl);
    const ExpiryArg vivify_ttl = ResetExpiry(meta.vivify_ttl);
    const std::string cas = EncodeCas(meta.vivify ? CasFor(meta.explicit_cas) : cas_clock_.Next());
    const std::string_view keys[] = {redis_key};
    const std::string_view args[] = {steps,
                                     ttl.kind,
                                     ttl.seconds,
                                     vivify_ttl.kind,
                                     vivify_ttl.seconds,
                                     meta.vivify ? "1" : "0",
                                     ItemBits(meta.key_binary),
                                     cas};
    plan.commands.push_back(FormatEvalSha(McMetaGetScript(), keys, args));
  } else {
    const std::string_view argv[] = {"GET", redis_key};
    plan.commands.push_back(FormatCommand(argv));
  }
  plan.decode = [holder = MakeGetHolder(request.keys), scripted](ReplyList replies) mutable {
    GetResult result;
    holder->replies = std::move(replies);
    const redisReply& reply = *holder->replies[0];
    if (reply.type == REDIS_REPLY_NIL) return result;
    const redisReply* item = &reply;
    if (scripted) {
      if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 3) {
        return ErrorResult<GetResult>(std::string(kUnexpectedReply));
      }
      item = reply.element[0];
      result.meta.ttl = ReplyInt(*reply.element[1]).value_or(-1);
      // A vivified item's creator wins the right to fill it.
      result.meta.won = ReplyInt(*reply.element[2]).value_or(0) == 1;
    }
    if (item->type != REDIS_REPLY_STRING) {
      return ErrorResult<GetResult>(std::string(kUnexpectedReply));
    }
    const std::optional<ItemHeader> header = AddHit(*item, holder, 0, result);
    if (!header) return NotAnItem();
    result.meta.key_binary = header->key_binary;
    return result;
  };
  return plan;
}

Plan<GetResult> MemcachedCodec::Get(const GetRequest& request) const {
  if (request.meta && request.keys.size() == 1) return MetaGet(request);
  Plan<GetResult> plan;
  if (mget_ && !request.touch_exptime && request.keys.size() > 1) return MultiGet(request);
  plan.commands.reserve(request.keys.size());
  std::optional<ExpiryArg> touch;
  if (request.touch_exptime) touch = ResetExpiry(*request.touch_exptime);
  for (std::string_view key : request.keys) {
    const std::string redis_key = RedisKey(key);
    if (touch) {
      plan.commands.push_back(GetTouchCommand(redis_key, *touch));
    } else {
      const std::string_view argv[] = {"GET", redis_key};
      plan.commands.push_back(FormatCommand(argv));
    }
  }
  plan.decode = [holder = MakeGetHolder(request.keys)](ReplyList replies) mutable {
    GetResult result;
    holder->replies = std::move(replies);
    result.hits.reserve(holder->replies.size());
    for (std::size_t i = 0; i < holder->replies.size(); ++i) {
      const redisReply& reply = *holder->replies[i];
      if (reply.type == REDIS_REPLY_STRING && !AddHit(reply, holder, i, result)) return NotAnItem();
    }
    return result;
  };
  return plan;
}

Plan<GetResult> MemcachedCodec::MultiGet(const GetRequest& request) const {
  Plan<GetResult> plan;
  plan.commands.push_back(FormatKeysCommand("MGET", prefix_, request.keys));
  plan.decode = [holder = MakeGetHolder(request.keys)](ReplyList replies) mutable {
    GetResult result;
    holder->replies = std::move(replies);
    const redisReply& reply = *holder->replies[0];
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements != holder->keys.size()) {
      return ErrorResult<GetResult>(std::string(kUnexpectedReply));
    }
    result.hits.reserve(reply.elements);
    for (std::size_t i = 0; i < reply.elements; ++i) {
      // MGET reads a key of another type as nil: a miss.
      const redisReply& stored = *reply.element[i];
      if (stored.type == REDIS_REPLY_STRING && !AddHit(stored, holder, i, result))
        return NotAnItem();
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
  const uint64_t cas = CasFor(request.explicit_cas);
  const uint64_t value_size = request.value.size();
  switch (request.mode) {
    case StoreMode::kSet:
    case StoreMode::kAdd:
    case StoreMode::kReplace: {
      // One SET, which also clears any older TTL. add is NX, which writes
      // nothing over an existing key of any type. set and replace (XX) add
      // GET, with which Redis refuses, writing nothing, a key holding
      // another type: a list or hash someone else keeps is never lost.
      const bool add = request.mode == StoreMode::kAdd;
      const std::string item = EncodeItem(
          ItemHeader{.flags = request.flags, .cas = cas, .key_binary = request.key_binary},
          request.value);
      std::vector<std::string_view> argv = {"SET", redis_key, item};
      if (add) argv.push_back("NX");
      if (request.mode == StoreMode::kReplace) argv.push_back("XX");
      if (!add) argv.push_back("GET");
      AddSetExpiry(expiry, argv);
      plan.commands.push_back(FormatCommand(argv));
      // A nil reply: add found the key, or replace did not (SET XX GET
      // answers the old value when it stores); for set, no old value.
      plan.decode = [cas, value_size,
                     stored_on_nil = request.mode == StoreMode::kSet](ReplyList replies) {
        const redisReply& reply = *replies[0];
        StoreResult result;
        if (reply.type == REDIS_REPLY_NIL && !stored_on_nil) {
          result.outcome = StoreOutcome::kNotStored;
        } else if (reply.type == REDIS_REPLY_NIL || reply.type == REDIS_REPLY_STATUS ||
                   reply.type == REDIS_REPLY_STRING) {
          result.cas = cas;
          result.value_size = value_size;
        } else {
          return ErrorResult<StoreResult>(std::string(kUnexpectedReply));
        }
        return result;
      };
      return plan;
    }
    case StoreMode::kAppend:
    case StoreMode::kPrepend:
    case StoreMode::kCas:
      break;
  }
  const bool is_cas = request.mode == StoreMode::kCas;
  // append/prepend compare only a non-zero cas (ms C); cas always does.
  const std::string compare = is_cas || request.cas != 0 ? EncodeCas(request.cas) : std::string();
  const std::string flags = EncodeFlags(request.flags);
  const std::string limit = absl::StrCat(max_item_size_);
  const std::string new_cas = EncodeCas(cas);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {is_cas                               ? "c"
                                   : request.mode == StoreMode::kAppend ? "A"
                                                                        : "P",
                                   request.value,
                                   flags,
                                   expiry.kind,
                                   expiry.seconds,
                                   compare,
                                   ItemBits(request.key_binary),
                                   limit,
                                   new_cas};
  plan.commands.push_back(FormatEvalSha(McStoreScript(), keys, args));
  plan.decode = [cas, value_size](ReplyList replies) {
    const redisReply& reply = *replies[0];
    const std::string_view tag = ReplyTag(reply);
    StoreResult result;
    if (tag == "S") {
      result.cas = cas;
      // append and prepend answer the joined value's length.
      const std::optional<uint64_t> joined = reply.type == REDIS_REPLY_ARRAY && reply.elements >= 2
                                                 ? ReplyUint(*reply.element[1])
                                                 : value_size;
      if (!joined) return ErrorResult<StoreResult>(std::string(kUnexpectedReply));
      result.value_size = *joined;
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
    const std::string cas = EncodeCas(*request.compare_cas);
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
  const std::string compare =
      request.compare_cas != 0 ? EncodeCas(request.compare_cas) : std::string();
  const std::string initial = absl::StrCat(request.initial);
  const std::string steps = StepsArg(request.steps);
  const ExpiryArg ttl = ResetExpiry(request.ttl);
  const ExpiryArg vivify_ttl = ResetExpiry(request.vivify_ttl);
  const uint64_t cas = CasFor(request.explicit_cas);
  const std::string new_cas = EncodeCas(cas);
  const std::string_view keys[] = {redis_key};
  const std::string_view args[] = {request.op == ArithOp::kIncr ? "i" : "d",
                                   delta,
                                   compare,
                                   request.vivify ? "1" : "0",
                                   initial,
                                   steps,
                                   ttl.kind,
                                   ttl.seconds,
                                   vivify_ttl.kind,
                                   vivify_ttl.seconds,
                                   ItemBits(false),
                                   new_cas};
  Plan<ArithResult> plan;
  plan.commands.push_back(FormatEvalSha(McArithScript(), keys, args));
  plan.decode = [cas](ReplyList replies) {
    const redisReply& reply = *replies[0];
    const std::string_view tag = ReplyTag(reply);
    ArithResult result;
    if (tag == "O" && reply.elements >= 3) {
      std::optional<uint64_t> value = ReplyUint(*reply.element[1]);
      if (!value) return ErrorResult<ArithResult>(std::string(kUnexpectedReply));
      result.value = *value;
      result.cas = cas;
      result.ttl = ReplyInt(*reply.element[2]).value_or(-1);
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
