// Meta command replies (see meta_dispatcher.h). A completion may run later
// than Execute, so what a reply echoes (opaque tokens, the key) is copied
// into a small ReplyPlan first.
#include "server/meta_dispatcher.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "server/completion.h"
#include "server/protocol/base64.h"
#include "server/protocol/limits.h"
#include "server/protocol/reply.h"

namespace memgate::server {
namespace {

namespace reply = protocol::reply;
using backends::Outcome;
using protocol::MetaFlags;
using protocol::Verb;

inline constexpr std::string_view kMetaHit = "HD";
inline constexpr std::string_view kMetaValue = "VA ";
inline constexpr std::string_view kMetaExists = "EX";
inline constexpr std::string_view kMetaNotFound = "NF";
inline constexpr std::string_view kMetaNotStored = "NS";
inline constexpr std::string_view kMetaMissCode = "EN";
inline constexpr std::string_view kMetaDebugPrefix = "ME ";
inline constexpr std::string_view kArithOutOfMemory = "SERVER_ERROR out of memory\r\n";

void AppendUnsigned(std::string& out, uint64_t n) {
  char digits[20];
  char* p = digits + sizeof(digits);
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, static_cast<std::size_t>(digits + sizeof(digits) - p));
}

void AppendSigned(std::string& out, int64_t n) {
  if (n < 0) {
    out.push_back('-');
    AppendUnsigned(out, 0 - static_cast<uint64_t>(n));
  } else {
    AppendUnsigned(out, static_cast<uint64_t>(n));
  }
}

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

// memcached's META_KEY: " k<key>", base64 with a " b" after it for a binary key.
void AppendKey(std::string& out, std::string_view key, bool binary) {
  out.append(" k");
  if (!binary) {
    out.append(key);
    return;
  }
  protocol::Base64Append(key, out);
  out.append(" b");
}

// The echo of O and k alone (misses and failures).
void AppendOpaqueAndKey(std::string& out, const ReplyPlan& plan, bool key_binary) {
  plan.ForEach([&](std::string_view token) {
    if (token[0] == 'O') {
      out.push_back(' ');
      out.append(token);
    } else if (token[0] == 'k') {
      AppendKey(out, plan.key, key_binary);
    }
  });
}

// A backend that cannot serve the command: CLIENT_ERROR, always sent.
bool AppendUnsupported(std::string& out, const backends::BackendError& error) {
  out.append("CLIENT_ERROR ");
  out.append(error.message);
  out.append("\r\n");
  return false;
}

// memcached's slab class for an item of `total` bytes with default settings
// (-n 48, -f 1.25, 1 MiB pages): what `me` reports as cls.
unsigned SlabClass(uint64_t total) {
  constexpr double kFactor = 1.25;
  constexpr uint64_t kChunkMax = 512 * 1024;
  double size = 96;  // item header + the smallest chunk
  unsigned cls = 1;
  while (size < kChunkMax / kFactor) {
    uint64_t aligned = static_cast<uint64_t>(size);
    if (aligned % 8 != 0) aligned += 8 - aligned % 8;
    if (total <= aligned) return cls;
    size = static_cast<double>(aligned) * kFactor;
    ++cls;
  }
  return cls;
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

}  // namespace

void MetaDispatcher::Execute(const protocol::Command& command, Session& session) {
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
    case Verb::kMetaNoop:
    default: {
      const uint64_t seq = session.ReserveReply();
      session.ReplyBuffer(seq).append(reply::kMetaNoop);
      return session.FinishReply(seq, false);
    }
  }
}

void MetaDispatcher::Get(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  backends::MetaGetRequest request;
  request.no_bump = m.Has('u');
  request.key_binary = m.Has('b');
  request.vivify = m.Has('N');
  request.ttl = m.ttl;
  request.vivify_ttl = m.vivify_ttl;
  request.recache_ttl = m.recache_ttl;
  request.steps = StepsOf(m, "tTNR");
  const bool with_value = m.Has('v');
  const bool touch = m.Has('T');
  const uint64_t seq = session.ReserveReply();
  auto format = [plan = MakePlan(command, "stcflh"), with_value, touch, seq](
                    Session& s, std::string& out, backends::MetaGetResult& result) {
    if (result.outcome == Outcome::kUnsupported) return AppendUnsupported(out, result.error);
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, /*noreply=*/false);
    ThreadCounters& c = s.counters();
    ThreadCounters::Add(c.cmd_get);
    if (touch) ThreadCounters::Add(c.cmd_touch);
    if (result.outcome != Outcome::kOk) {
      ThreadCounters::Add(c.get_misses);
      if (touch) ThreadCounters::Add(c.touch_misses);
      if (plan.noreply) return false;
      out.append(kMetaMissCode);
      AppendOpaqueAndKey(out, plan, plan.key_binary);
      out.append("\r\n");
      return false;
    }
    ThreadCounters::Add(c.get_hits);
    if (touch) ThreadCounters::Add(c.touch_hits);
    backends::Hit& hit = result.hit;
    if (with_value) {
      out.append(kMetaValue);
      AppendUnsigned(out, hit.value.size());
    } else {
      out.append(kMetaHit);
    }
    plan.ForEach([&](std::string_view token) {
      switch (token[0]) {
        case 's':
          out.append(" s");
          AppendUnsigned(out, hit.value.size());
          break;
        case 't':
          out.append(" t");
          AppendSigned(out, result.ttl);
          break;
        case 'c':
          out.append(" c");
          AppendUnsigned(out, hit.cas);
          break;
        case 'f':
          out.append(" f");
          AppendUnsigned(out, hit.flags);
          break;
        case 'l':
          out.append(" l");
          AppendSigned(out, result.idle_seconds);
          break;
        case 'h':
          out.append(result.fetched_before ? " h1" : " h0");
          break;
        case 'O':
          out.push_back(' ');
          out.append(token);
          break;
        case 'k':
          AppendKey(out, hit.key, result.key_binary);
          break;
      }
    });
    if (result.token_sent) out.append(" Z");
    if (result.stale) out.append(" X");
    if (result.won) out.append(" W");
    out.append("\r\n");
    if (with_value) AppendHitValue(s, seq, out, hit);
    return false;
  };
  backend_.MetaGet(session.client(), command.keys[0], request,
                   Completion<backends::MetaGetResult>(session, seq, std::move(format)));
}

void MetaDispatcher::Set(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  backends::MetaStoreRequest request;
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
  if (has_cas &&
      (request.mode == backends::StoreMode::kSet || request.mode == backends::StoreMode::kReplace)) {
    request.mode = backends::StoreMode::kCas;
  }
  request.cas = has_cas ? m.compare_cas : 0;
  request.flags = m.client_flags;
  request.exptime = m.ttl;
  request.invalidate = m.Has('I');
  request.key_binary = m.Has('b');
  const bool is_cas = request.mode == backends::StoreMode::kCas;
  const uint64_t seq = session.ReserveReply();
  auto format = [plan = MakePlan(command, "c"), is_cas](Session& s, std::string& out,
                                                        backends::StoreResult& result) {
    ThreadCounters& c = s.counters();
    std::string_view code;
    switch (result.outcome) {
      case Outcome::kStored:
        if (plan.noreply) {
          ThreadCounters::Add(c.cmd_set);
          if (is_cas) ThreadCounters::Add(c.cas_hits);
          return false;
        }
        code = kMetaHit;
        if (is_cas) ThreadCounters::Add(c.cas_hits);
        break;
      case Outcome::kExists:
        code = kMetaExists;
        if (is_cas) ThreadCounters::Add(c.cas_badval);
        break;
      case Outcome::kNotFound:
        code = kMetaNotFound;
        if (is_cas) ThreadCounters::Add(c.cas_misses);
        break;
      case Outcome::kNotStored:
        code = kMetaNotStored;
        break;
      case Outcome::kTooLarge:
        ThreadCounters::Add(c.store_too_large);
        out.append(reply::kTooLarge);
        return false;
      case Outcome::kNoMemory:
        ThreadCounters::Add(c.store_no_memory);
        out.append(reply::kOutOfMemory);
        return false;
      case Outcome::kUnsupported:
        return AppendUnsupported(out, result.error);
      default:
        return AppendBackendError(s, out, result.error, /*noreply=*/false);
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
          AppendKey(out, plan.key, plan.key_binary);
          break;
        case 'c':
          out.append(" c");
          AppendUnsigned(out, result.cas);
          break;
      }
    });
    out.append("\r\n");
    return false;
  };
  backend_.MetaStore(session.client(), command.keys[0], request, command.value,
                     Completion<backends::StoreResult>(session, seq, std::move(format)));
}

void MetaDispatcher::Delete(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  backends::MetaDeleteRequest request;
  request.has_cas = m.Has('C');
  request.cas = m.compare_cas;
  request.invalidate = m.Has('I');
  request.has_ttl = m.Has('T');
  request.ttl = m.ttl;
  const uint64_t seq = session.ReserveReply();
  auto format = [plan = MakePlan(command, "")](Session& s, std::string& out,
                                               backends::DeleteResult& result) {
    ThreadCounters& c = s.counters();
    std::string_view code;
    switch (result.outcome) {
      case Outcome::kDeleted:
        ThreadCounters::Add(c.delete_hits);
        if (plan.noreply) return false;
        code = kMetaHit;
        break;
      case Outcome::kNotFound:
        ThreadCounters::Add(c.delete_misses);
        code = kMetaNotFound;
        break;
      case Outcome::kExists:
        ThreadCounters::Add(c.delete_misses);
        code = kMetaExists;
        break;
      case Outcome::kUnsupported:
        return AppendUnsupported(out, result.error);
      default:
        return AppendBackendError(s, out, result.error, /*noreply=*/false);
    }
    out.append(code);
    AppendOpaqueAndKey(out, plan, plan.key_binary);
    out.append("\r\n");
    return false;
  };
  backend_.MetaDelete(session.client(), command.keys[0], request,
                      Completion<backends::DeleteResult>(session, seq, std::move(format)));
}

void MetaDispatcher::Arith(const protocol::Command& command, Session& session) {
  const MetaFlags& m = command.meta;
  backends::MetaArithRequest request;
  const bool incr = m.mode != 'D' && m.mode != '-';
  request.op = incr ? backends::ArithOp::kIncr : backends::ArithOp::kDecr;
  request.delta = m.delta;
  request.cas = m.compare_cas;
  request.vivify = m.Has('N');
  request.initial = m.initial;
  request.ttl = m.ttl;
  request.vivify_ttl = m.vivify_ttl;
  request.steps = StepsOf(m, "tTN");
  const bool with_value = m.Has('v');
  const uint64_t seq = session.ReserveReply();
  auto format = [plan = MakePlan(command, "ct"), with_value, incr](
                    Session& s, std::string& out, backends::MetaArithResult& result) {
    ThreadCounters& c = s.counters();
    switch (result.outcome) {
      case Outcome::kOk:
        ThreadCounters::Add(incr ? c.incr_hits : c.decr_hits);
        break;
      case Outcome::kNotFound:
        ThreadCounters::Add(incr ? c.incr_misses : c.decr_misses);
        out.append(kMetaNotFound);
        AppendOpaqueAndKey(out, plan, plan.key_binary);
        out.append("\r\n");
        return false;
      case Outcome::kExists:
        out.append(kMetaExists);
        AppendOpaqueAndKey(out, plan, plan.key_binary);
        out.append("\r\n");
        return false;
      case Outcome::kNonNumeric:
        out.append(reply::kNonNumeric);
        return false;
      case Outcome::kNoMemory:
        out.append(kArithOutOfMemory);
        return false;
      case Outcome::kUnsupported:
        return AppendUnsupported(out, result.error);
      default:
        return AppendBackendError(s, out, result.error, /*noreply=*/false);
    }
    if (plan.noreply) return false;
    std::string number;
    AppendUnsigned(number, result.value);
    if (with_value) {
      out.append(kMetaValue);
      AppendUnsigned(out, number.size());
    } else {
      out.append(kMetaHit);
    }
    plan.ForEach([&](std::string_view token) {
      switch (token[0]) {
        case 'c':
          out.append(" c");
          AppendUnsigned(out, result.cas);
          break;
        case 't':
          out.append(" t");
          AppendSigned(out, result.ttl);
          break;
        case 'O':
          out.push_back(' ');
          out.append(token);
          break;
        case 'k':
          AppendKey(out, plan.key, plan.key_binary);
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
  backend_.MetaArith(session.client(), command.keys[0], request,
                     Completion<backends::MetaArithResult>(session, seq, std::move(format)));
}

// me: memcached's debug line, read without touching the item.
void MetaDispatcher::Debug(const protocol::Command& command, Session& session) {
  backends::MetaGetRequest request;
  request.no_bump = true;
  request.steps.Add('t');
  const uint64_t seq = session.ReserveReply();
  auto format = [](Session& s, std::string& out, backends::MetaGetResult& result) {
    if (result.outcome == Outcome::kUnsupported) return AppendUnsupported(out, result.error);
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, /*noreply=*/false);
    if (result.outcome != Outcome::kOk) {
      out.append(reply::kMetaMiss);
      return false;
    }
    const backends::Hit& hit = result.hit;
    const uint64_t total = protocol::kItemHeaderSize + hit.key.size() + 1 +
                           (hit.flags != 0 ? sizeof(uint32_t) : 0) + hit.value.size() + 2;
    out.append(kMetaDebugPrefix);
    if (result.key_binary) {
      protocol::Base64Append(hit.key, out);
    } else {
      out.append(hit.key);
    }
    out.append(" exp=");
    AppendSigned(out, result.ttl);
    out.append(" la=");
    AppendSigned(out, result.idle_seconds);
    out.append(" cas=");
    AppendUnsigned(out, hit.cas);
    out.append(result.fetched_before ? " fetch=yes" : " fetch=no");
    out.append(" cls=");
    AppendUnsigned(out, SlabClass(total));
    out.append(" size=");
    AppendUnsigned(out, total);
    out.append("\r\n");
    return false;
  };
  backend_.MetaGet(session.client(), command.keys[0], request,
                   Completion<backends::MetaGetResult>(session, seq, std::move(format)));
}

}  // namespace memgate::server
