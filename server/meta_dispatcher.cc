// Meta command replies (see meta_dispatcher.h). A completion may run later
// than Execute, so what a reply echoes (opaque tokens, the key) is copied
// into a small ReplyPlan first.
#include "server/meta_dispatcher.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"
#include "common/item_limits.h"
#include "server/completion.h"
#include "server/protocol/base64.h"
#include "server/protocol/meta_reply.h"
#include "server/protocol/reply.h"

namespace memgate::server {
namespace {

namespace meta = protocol::meta_reply;
namespace reply = protocol::reply;
using backends::ArithOutcome;
using backends::DeleteOutcome;
using backends::GetOutcome;
using backends::StoreOutcome;
using protocol::MetaFlags;
using protocol::Verb;

// What a reply echoes, copied out of the command: the flag tokens that
// produce output, in command order, and the key when k asks for it.
struct ReplyPlan {
  std::string tokens;  // space separated: one-letter flags and whole O tokens
  std::string key;     // as the client sent it (the decoded bytes for b)
  bool key_binary = false;
  bool noreply = false;

  // Calls fn(token) for each echoed token.
  template <typename Fn>
  void ForEach(Fn fn) const {
    std::size_t start = 0;
    while (start < tokens.size()) {
      std::size_t end = tokens.find(' ', start);
      if (end == std::string::npos) end = tokens.size();
      fn(std::string_view(tokens).substr(start, end - start));
      start = end + 1;
    }
  }
};

// `letters`: the one-letter flags this command answers with a value.
ReplyPlan MakePlan(const protocol::Command& command, std::string_view letters) {
  const MetaFlags& m = command.meta;
  ReplyPlan plan;
  plan.noreply = m.Has('q');
  plan.key_binary = m.Has('b');
  for (std::size_t i = 0; i < m.count; ++i) {
    const std::string_view token = m.tokens[i];
    const char c = token[0];
    if (c == 'O') {
      if (!plan.tokens.empty()) plan.tokens.push_back(' ');
      plan.tokens.append(token);
    } else if (c == 'k' || letters.find(c) != std::string_view::npos) {
      if (!plan.tokens.empty()) plan.tokens.push_back(' ');
      plan.tokens.push_back(c);
    }
  }
  if (m.Has('k')) plan.key = std::string(command.keys[0]);
  return plan;
}

// The echo of O and k alone (misses and failures).
void AppendOpaqueAndKey(std::string& out, const ReplyPlan& plan, bool key_binary) {
  plan.ForEach([&](std::string_view token) {
    if (token[0] == 'O') {
      out.push_back(' ');
      out.append(token);
    } else if (token[0] == 'k') {
      meta::AppendKey(out, plan.key, key_binary);
    }
  });
}

// A return code with the O and k echo: "NF Oabc kfoo\r\n".
void AppendCode(std::string& out, std::string_view code, const ReplyPlan& plan) {
  out.append(code);
  AppendOpaqueAndKey(out, plan, plan.key_binary);
  out.append("\r\n");
}

// Steps that act in command order (see backends::MetaSteps).
backends::MetaSteps StepsOf(const MetaFlags& m, std::string_view which) {
  backends::MetaSteps steps;
  for (std::size_t i = 0; i < m.count; ++i) {
    const char c = m.tokens[i][0];
    if (which.find(c) != std::string_view::npos) steps.Add(c);
  }
  return steps;
}

// mg and me: a get of the command's one key with the meta fields.
backends::GetRequest MetaGetRequest(const protocol::Command& command,
                                    const backends::MetaGetFields& fields) {
  return {.keys = std::span<const std::string_view>(command.keys.data(), 1),
          .with_cas = true,
          .meta = fields};
}

std::string Refusal(std::string_view what, std::string_view backend) {
  return absl::StrCat("CLIENT_ERROR ", ToAbsl(what), ", which the ", ToAbsl(backend),
                      " backend does not keep\r\n");
}

}  // namespace

void MetaDispatcher::Execute(const protocol::Command& command, Session& session) {
  if (command.verb == Verb::kMetaNoop) return ReplyNow(session, reply::kMetaNoop);
  if (RefuseUnsupported(command, session)) return;
  switch (command.verb) {
    case Verb::kMetaGet:
      return Get(command, session);
    case Verb::kMetaSet:
      return Set(command, session);
    case Verb::kMetaDelete:
      return Delete(command, session);
    case Verb::kMetaArith:
      return Arith(command, session);
    case Verb::kMetaDebug:
      return Debug(command, session);
    default:
      return;  // not a meta verb: the dispatcher never sends one
  }
}

bool MetaDispatcher::RefuseUnsupported(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  const std::string_view name = backend_.Name();
  std::string refusal;
  if (!capabilities_.explicit_cas && m.Has('E')) {
    refusal = Refusal("E sets the item's cas value", name);
  } else if (!capabilities_.meta_commands) {
    refusal = Refusal("meta commands need item metadata", name);
  } else if (!capabilities_.access_state &&
             (command.verb == Verb::kMetaDebug ||
              (command.verb == Verb::kMetaGet && (m.Has('h') || m.Has('l'))))) {
    refusal = Refusal("mg h and l and me need the last access and fetched state", name);
  } else if (!capabilities_.recache_state &&
             ((command.verb == Verb::kMetaGet && m.Has('R')) ||
              ((command.verb == Verb::kMetaSet || command.verb == Verb::kMetaDelete) &&
               m.Has('I')))) {
    refusal = Refusal("R and I need the stale and recache-token state", name);
  }
  if (refusal.empty()) return false;
  ReplyNow(session, refusal);
  return true;
}

void MetaDispatcher::Get(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  backends::MetaGetFields fields{.no_bump = m.Has('u'),
                                 .key_binary = m.Has('b'),
                                 .vivify = m.Has('N'),
                                 .ttl = m.ttl,
                                 .vivify_ttl = m.vivify_ttl,
                                 .recache_ttl = m.recache_ttl,
                                 .explicit_cas = m.explicit_cas,
                                 .steps = StepsOf(m, "tTNR")};
  const bool with_value = m.Has('v');
  const bool touch = m.Has('T');
  auto format = [plan = MakePlan(command, "stcflh"), with_value, touch](
                    ReplyWriter& writer, backends::GetResult& result) {
    switch (result.outcome) {
      case GetOutcome::kError:
        return AppendBackendError(writer, result.error, /*noreply=*/false);
      case GetOutcome::kOk:
        break;
    }
    ThreadCounters& c = writer.counters();
    std::string& out = writer.text();
    ThreadCounters::Add(c.cmd_get);
    if (touch) ThreadCounters::Add(c.cmd_touch);
    if (result.hits.empty()) {
      ThreadCounters::Add(c.get_misses);
      if (touch) ThreadCounters::Add(c.touch_misses);
      if (!plan.noreply) AppendCode(out, meta::kMiss, plan);
      return false;
    }
    ThreadCounters::Add(c.get_hits);
    if (touch) ThreadCounters::Add(c.touch_hits);
    backends::Hit& hit = result.hits.front();
    const backends::MetaItemReport& item = result.meta;
    if (with_value) {
      out.append(meta::kValue);
      meta::AppendUnsigned(out, hit.value.size());
    } else {
      out.append(meta::kHit);
    }
    plan.ForEach([&](std::string_view token) {
      switch (token[0]) {
        case 's':
          meta::AppendUnsignedFlag(out, 's', hit.value.size());
          break;
        case 't':
          meta::AppendFlag(out, 't', item.ttl);
          break;
        case 'c':
          meta::AppendUnsignedFlag(out, 'c', hit.cas);
          break;
        case 'f':
          meta::AppendUnsignedFlag(out, 'f', hit.flags);
          break;
        case 'l':
          meta::AppendFlag(out, 'l', item.idle_seconds);
          break;
        case 'h':
          out.append(item.fetched_before ? " h1" : " h0");
          break;
        case 'O':
          out.push_back(' ');
          out.append(token);
          break;
        case 'k':
          meta::AppendKey(out, hit.key, item.key_binary);
          break;
      }
    });
    if (item.token_sent) out.append(meta::kTokenSent);
    if (item.stale) out.append(meta::kStale);
    if (item.won) out.append(meta::kWon);
    out.append("\r\n");
    if (with_value) writer.AppendValue(hit);
    return false;
  };
  backend_.Get(session.client(), MetaGetRequest(command, fields),
               Completion<backends::GetResult>(session, std::move(format)));
}

void MetaDispatcher::Set(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  backends::StoreRequest request{.key = command.keys[0],
                                 .value = command.value,
                                 .flags = m.client_flags,
                                 .exptime = m.ttl,
                                 .invalidate = m.Has('I'),
                                 .key_binary = m.Has('b'),
                                 .explicit_cas = m.explicit_cas};
  switch (m.mode) {
    case 'E':
      request.mode = backends::StoreMode::kAdd;
      break;
    case 'A':
      request.mode = backends::StoreMode::kAppend;
      break;
    case 'P':
      request.mode = backends::StoreMode::kPrepend;
      break;
    case 'R':
      request.mode = backends::StoreMode::kReplace;
      break;
    default:
      request.mode = backends::StoreMode::kSet;
      break;
  }
  // memcached: a cas turns set and replace into cas; add ignores it.
  const bool has_cas = m.Has('C');
  if (has_cas && (request.mode == backends::StoreMode::kSet ||
                  request.mode == backends::StoreMode::kReplace)) {
    request.mode = backends::StoreMode::kCas;
  }
  request.cas = has_cas ? m.compare_cas : 0;
  const bool is_cas = request.mode == backends::StoreMode::kCas;
  // s: the stored item's size (an append's whole value); the command's data
  // length when nothing was stored.
  auto format = [plan = MakePlan(command, "cs"), is_cas, data_size = command.value.size()](
                    ReplyWriter& writer, backends::StoreResult& result) {
    ThreadCounters& c = writer.counters();
    std::string& out = writer.text();
    std::string_view code;
    switch (result.outcome) {
      case StoreOutcome::kError:
        return AppendBackendError(writer, result.error, /*noreply=*/false);
      case StoreOutcome::kStored:
        if (is_cas) ThreadCounters::Add(c.cas_hits);
        if (plan.noreply) {
          ThreadCounters::Add(c.cmd_set);
          return false;
        }
        code = meta::kHit;
        break;
      case StoreOutcome::kExists:
        code = meta::kExists;
        if (is_cas) ThreadCounters::Add(c.cas_badval);
        break;
      case StoreOutcome::kNotFound:
        code = meta::kNotFound;
        if (is_cas) ThreadCounters::Add(c.cas_misses);
        break;
      case StoreOutcome::kNotStored:
        code = meta::kNotStored;
        break;
      case StoreOutcome::kTooLarge:
        ThreadCounters::Add(c.store_too_large);
        out.append(reply::kTooLarge);
        return false;
      case StoreOutcome::kNoMemory:
        ThreadCounters::Add(c.store_no_memory);
        out.append(reply::kOutOfMemory);
        return false;
    }
    ThreadCounters::Add(c.cmd_set);
    out.append(code);
    plan.ForEach([&](std::string_view token) {
      switch (token[0]) {
        case 'O':
          out.push_back(' ');
          out.append(token);
          break;
        case 'k':
          meta::AppendKey(out, plan.key, plan.key_binary);
          break;
        case 'c':
          meta::AppendUnsignedFlag(out, 'c', result.cas);
          break;
        case 's':
          meta::AppendUnsignedFlag(
              out, 's', result.outcome == StoreOutcome::kStored ? result.value_size : data_size);
          break;
      }
    });
    out.append("\r\n");
    return false;
  };
  backend_.Store(session.client(), request,
                 Completion<backends::StoreResult>(session, std::move(format)));
}

void MetaDispatcher::Delete(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  backends::DeleteRequest request{
      .key = command.keys[0], .invalidate = m.Has('I'), .explicit_cas = m.explicit_cas};
  if (m.Has('C')) request.compare_cas = m.compare_cas;
  if (m.Has('T')) request.ttl = m.ttl;
  auto format = [plan = MakePlan(command, "")](ReplyWriter& writer,
                                               backends::DeleteResult& result) {
    ThreadCounters& c = writer.counters();
    switch (result.outcome) {
      case DeleteOutcome::kError:
        return AppendBackendError(writer, result.error, /*noreply=*/false);
      case DeleteOutcome::kDeleted:
        ThreadCounters::Add(c.delete_hits);
        if (!plan.noreply) AppendCode(writer.text(), meta::kHit, plan);
        return false;
      case DeleteOutcome::kNotFound:
        ThreadCounters::Add(c.delete_misses);
        AppendCode(writer.text(), meta::kNotFound, plan);
        return false;
      case DeleteOutcome::kExists:
        ThreadCounters::Add(c.delete_misses);
        AppendCode(writer.text(), meta::kExists, plan);
        return false;
    }
    return false;
  };
  backend_.Delete(session.client(), request,
                  Completion<backends::DeleteResult>(session, std::move(format)));
}

void MetaDispatcher::Arith(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  const bool incr = m.mode != 'D' && m.mode != '-';
  const backends::ArithRequest request{
      .op = incr ? backends::ArithOp::kIncr : backends::ArithOp::kDecr,
      .key = command.keys[0],
      .delta = m.delta,
      .compare_cas = m.compare_cas,
      .vivify = m.Has('N'),
      .initial = m.initial,
      .ttl = m.ttl,
      .vivify_ttl = m.vivify_ttl,
      .explicit_cas = m.explicit_cas,
      .steps = StepsOf(m, "tTN")};
  const bool with_value = m.Has('v');
  auto format = [plan = MakePlan(command, "ct"), with_value, incr](ReplyWriter& writer,
                                                                   backends::ArithResult& result) {
    ThreadCounters& c = writer.counters();
    std::string& out = writer.text();
    switch (result.outcome) {
      case ArithOutcome::kError:
        return AppendBackendError(writer, result.error, /*noreply=*/false);
      case ArithOutcome::kOk:
        ThreadCounters::Add(incr ? c.incr_hits : c.decr_hits);
        break;
      case ArithOutcome::kNotFound:
        ThreadCounters::Add(incr ? c.incr_misses : c.decr_misses);
        AppendCode(out, meta::kNotFound, plan);
        return false;
      case ArithOutcome::kExists:
        AppendCode(out, meta::kExists, plan);
        return false;
      case ArithOutcome::kNonNumeric:
        out.append(reply::kNonNumeric);
        return false;
      case ArithOutcome::kNoMemory:
        out.append(meta::kArithOutOfMemory);
        return false;
    }
    if (plan.noreply) return false;
    std::string number;
    meta::AppendUnsigned(number, result.value);
    if (with_value) {
      out.append(meta::kValue);
      meta::AppendUnsigned(out, number.size());
    } else {
      out.append(meta::kHit);
    }
    plan.ForEach([&](std::string_view token) {
      switch (token[0]) {
        case 'c':
          meta::AppendUnsignedFlag(out, 'c', result.cas);
          break;
        case 't':
          meta::AppendFlag(out, 't', result.ttl);
          break;
        case 'O':
          out.push_back(' ');
          out.append(token);
          break;
        case 'k':
          meta::AppendKey(out, plan.key, plan.key_binary);
          break;
      }
    });
    out.append("\r\n");
    if (with_value) {
      out.append(number);
      out.append("\r\n");
    }
    return false;
  };
  backend_.Arith(session.client(), request,
                 Completion<backends::ArithResult>(session, std::move(format)));
}

// me: memcached's debug line, read without touching the item.
void MetaDispatcher::Debug(const protocol::Command& command, Session& session) {
  backends::MetaGetFields fields{.no_bump = true};
  fields.steps.Add('t');
  auto format = [](ReplyWriter& writer, backends::GetResult& result) {
    switch (result.outcome) {
      case GetOutcome::kError:
        return AppendBackendError(writer, result.error, /*noreply=*/false);
      case GetOutcome::kOk:
        break;
    }
    std::string& out = writer.text();
    if (result.hits.empty()) {
      out.append(reply::kMetaMiss);
      return false;
    }
    const backends::Hit& hit = result.hits.front();
    const backends::MetaItemReport& item = result.meta;
    const uint64_t total = kItemHeaderSize + hit.key.size() + 1 +
                           (hit.flags != 0 ? sizeof(uint32_t) : 0) + hit.value.size() + 2;
    out.append(meta::kDebugPrefix);
    if (item.key_binary) {
      protocol::Base64Append(hit.key, out);
    } else {
      out.append(hit.key);
    }
    out.append(" exp=");
    meta::AppendSigned(out, item.ttl);
    out.append(" la=");
    meta::AppendSigned(out, item.idle_seconds);
    out.append(" cas=");
    meta::AppendUnsigned(out, hit.cas);
    out.append(item.fetched_before ? " fetch=yes" : " fetch=no");
    out.append(" cls=");
    meta::AppendUnsigned(out, meta::SlabClass(total));
    out.append(" size=");
    meta::AppendUnsigned(out, total);
    out.append("\r\n");
    return false;
  };
  backend_.Get(session.client(), MetaGetRequest(command, fields),
               Completion<backends::GetResult>(session, std::move(format)));
}

}  // namespace memgate::server
