// Command -> backend call -> reply bytes. Replies are written on the session's
// thread: a completion from another thread is posted back first. Every switch
// over an outcome names each one, so a new outcome cannot fall into another's
// reply unnoticed.
#include "server/dispatcher.h"

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "server/completion.h"
#include "server/protocol/meta_reply.h"
#include "server/protocol/reply.h"
#include "server/version.h"

namespace memgate::server {
namespace {

namespace reply = protocol::reply;
using backends::ArithOutcome;
using backends::DeleteOutcome;
using backends::FlushOutcome;
using backends::GetOutcome;
using backends::StoreOutcome;
using backends::TouchOutcome;
using protocol::Verb;

inline constexpr std::string_view kVersionReply = "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n";
inline constexpr std::string_view kReset = "RESET\r\n";
inline constexpr std::string_view kDetailUsage = "CLIENT_ERROR usage: stats detail on|off|dump\r\n";

void AppendFixed(ReplyWriter& out, std::string_view text, bool noreply) {
  if (!noreply) out.Append(text);
}

backends::StoreMode ModeFor(Verb verb) {
  switch (verb) {
    case Verb::kAdd:
      return backends::StoreMode::kAdd;
    case Verb::kReplace:
      return backends::StoreMode::kReplace;
    case Verb::kAppend:
      return backends::StoreMode::kAppend;
    case Verb::kPrepend:
      return backends::StoreMode::kPrepend;
    case Verb::kCas:
      return backends::StoreMode::kCas;
    default:
      return backends::StoreMode::kSet;
  }
}

// Counts a retrieval of `requested` keys that found `hits` of them.
void CountRetrieval(ThreadCounters& c, uint64_t requested, uint64_t hits, bool touch) {
  ThreadCounters::Add(c.cmd_get, requested);
  ThreadCounters::Add(c.get_hits, hits);
  ThreadCounters::Add(c.get_misses, requested - hits);
  if (touch) {
    ThreadCounters::Add(c.cmd_touch, requested);
    ThreadCounters::Add(c.touch_hits, hits);
    ThreadCounters::Add(c.touch_misses, requested - hits);
  }
}

// One VALUE block; returns the value's size.
std::size_t AppendHit(ReplyWriter& out, backends::Hit& hit, bool with_cas) {
  std::string& text = out.text();
  const std::size_t size = hit.value.size();
  if (ReplyWriter::Shares(hit)) {
    if (with_cas) {
      reply::AppendValueHeaderWithCas(text, hit.key, hit.flags, size, hit.cas);
    } else {
      reply::AppendValueHeader(text, hit.key, hit.flags, size);
    }
    out.AppendValue(hit);
  } else if (with_cas) {
    reply::AppendValueWithCas(text, hit.key, hit.flags, hit.value, hit.cas);
  } else {
    reply::AppendValue(text, hit.key, hit.flags, hit.value);
  }
  return size;
}

// A batch's keys and commands, owned by its completion. A batch of several
// commands holds at most GetBatch::kMaxKeys keys, so only the key bytes take
// an allocation of their own.
struct BatchedGets {
  std::string key_bytes;  // back to back
  absl::InlinedVector<uint32_t, GetBatch::kMaxKeys> key_sizes;
  absl::InlinedVector<GetBatch::Entry, GetBatch::kMaxKeys> entries;
};

// Which `stats` output a backend Stats answer feeds.
enum class StatsKind : uint8_t { kGeneral, kSettings, kItems, kSlabs, kBackend };

}  // namespace

Dispatcher::Dispatcher(backends::Backend& backend, ServerStats& stats, ServerFacts facts)
    : backend_(backend),
      stats_(stats),
      facts_(std::move(facts)),
      capabilities_(backend.capabilities()),
      meta_(backend, capabilities_) {}

void Dispatcher::Execute(const protocol::ParseResult& parsed, const protocol::Command& command,
                         Session& session) {
  if (parsed.status == protocol::ParseResult::Status::kCommand) return Run(command, session);
  Refuse(parsed, session);
}

void Dispatcher::Refuse(const protocol::ParseResult& parsed, Session& session) {
  if (parsed.invalidate_key.empty()) {
    if (!parsed.error_reply.empty() || parsed.close) {
      ReplyNow(session, parsed.error_reply, parsed.close);
    }
    return;
  }
  auto format = [error_reply = parsed.error_reply](ReplyWriter& out,
                                                   backends::DeleteResult& result) {
    ThreadCounters::Add(out.counters().store_too_large);
    out.Append(error_reply);
    return false;
  };
  backend_.Delete(session.client(), backends::DeleteRequest{.key = parsed.invalidate_key},
                  Completion<backends::DeleteResult>(session, std::move(format)));
}

void Dispatcher::Run(const protocol::Command& command, Session& session) {
  switch (command.verb) {
    case Verb::kGet:
    case Verb::kGets:
    case Verb::kGat:
    case Verb::kGats:
      return Retrieve(command, session);
    case Verb::kSet:
    case Verb::kAdd:
    case Verb::kReplace:
    case Verb::kAppend:
    case Verb::kPrepend:
    case Verb::kCas:
      return Store(command, session);
    case Verb::kDelete:
      return Delete(command, session);
    case Verb::kIncr:
    case Verb::kDecr:
      return Arith(command, session);
    case Verb::kTouch:
      return Touch(command, session);
    case Verb::kFlushAll:
      return FlushAll(command, session);
    case Verb::kStats:
      return Stats(command, session);
    case Verb::kVersion:
      return ReplyNow(session, kVersionReply);
    case Verb::kVerbosity:
    case Verb::kSlabsAutomove:
      return ReplyNow(session, command.noreply ? std::string_view() : reply::kOk);
    case Verb::kQuit:
      return ReplyNow(session, {}, /*close_after=*/true);
    case Verb::kShutdown:
      return Shutdown(command, session);
    case Verb::kMetaGet:
    case Verb::kMetaSet:
    case Verb::kMetaDelete:
    case Verb::kMetaArith:
    case Verb::kMetaNoop:
    case Verb::kMetaDebug:
      return meta_.Execute(command, session);
  }
}

void Dispatcher::Retrieve(const protocol::Command& command, Session& session) {
  RetrieveKeys(command.verb, command.exptime,
               std::span<const std::string_view>(command.keys.data(), command.keys.size()), nullptr,
               session);
}

void Dispatcher::RetrievePart(const std::shared_ptr<MultiGet>& get, Session& session) {
  const std::span<const std::string_view> keys = get->NextPart();
  RetrieveKeys(get->verb(), get->exptime(), keys, get, session);
}

void Dispatcher::RetrieveKeys(Verb verb, int64_t exptime, std::span<const std::string_view> keys,
                              std::shared_ptr<MultiGet> part_of, Session& session) {
  const bool with_cas = verb == Verb::kGets || verb == Verb::kGats;
  const bool touch = verb == Verb::kGat || verb == Verb::kGats;
  const uint64_t requested = keys.size();
  const bool end = part_of == nullptr || part_of->LastPart();
  auto format = [with_cas, touch, requested, end, part_of = std::move(part_of)](
                    ReplyWriter& out, backends::GetResult& result) {
    switch (result.outcome) {
      case GetOutcome::kError:
        if (part_of) part_of->PartFailed();
        return AppendBackendError(out, result.error, false);
      case GetOutcome::kOk:
        break;
    }
    const uint64_t hits = result.hits.size();
    CountRetrieval(out.counters(), requested, hits, touch);
    std::size_t value_bytes = 0;
    for (backends::Hit& hit : result.hits) value_bytes += AppendHit(out, hit, with_cas);
    if (end) out.Append(reply::kEnd);
    if (part_of) part_of->PartAnswered(value_bytes);
    return false;
  };
  backends::GetRequest request{.keys = keys, .with_cas = with_cas};
  if (touch) request.touch_exptime = exptime;
  backend_.Get(session.client(), request,
               Completion<backends::GetResult>(session, std::move(format)));
}

void Dispatcher::RetrieveBatch(GetBatch& batch, Session& session) {
  const std::span<const GetBatch::Entry> entries = batch.entries();
  if (entries.size() == 1) {
    RetrieveKeys(entries[0].with_cas ? Verb::kGets : Verb::kGet, 0, batch.keys(), nullptr, session);
    batch.Clear();
    return;
  }
  // The keys outlive the read buffer they point into: each hit is matched
  // to its command by key when the answer comes.
  BatchedGets batched;
  bool with_cas = false;
  std::size_t key_bytes = 0;
  for (std::string_view key : batch.keys()) key_bytes += key.size();
  batched.key_bytes.reserve(key_bytes);
  for (std::string_view key : batch.keys()) {
    batched.key_bytes.append(key);
    batched.key_sizes.push_back(static_cast<uint32_t>(key.size()));
  }
  batched.entries.assign(entries.begin(), entries.end());
  for (const GetBatch::Entry& entry : entries) with_cas = with_cas || entry.with_cas;
  auto format = [batched = std::move(batched)](Session& target, uint64_t first,
                                               backends::GetResult& result) {
    const std::vector<backends::Hit>::iterator hits_end = result.hits.end();
    std::vector<backends::Hit>::iterator hit = result.hits.begin();
    std::size_t key = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < batched.entries.size(); ++i) {
      const GetBatch::Entry& entry = batched.entries[i];
      ReplyWriter out(target, first + i);
      if (result.outcome == GetOutcome::kError) {
        const bool close = AppendBackendError(out, result.error, false);
        target.FinishReply(first + i, close);
        continue;
      }
      uint64_t hits = 0;
      for (uint32_t k = 0; k < entry.keys; ++k, ++key) {
        const std::string_view name(batched.key_bytes.data() + at, batched.key_sizes[key]);
        at += name.size();
        if (hit == hits_end || hit->key != name) continue;
        AppendHit(out, *hit, entry.with_cas);
        ++hit;
        ++hits;
      }
      CountRetrieval(out.counters(), entry.keys, hits, /*touch=*/false);
      out.Append(reply::kEnd);
      target.FinishReply(first + i, false);
    }
  };
  backends::GetRequest request{.keys = batch.keys(), .with_cas = with_cas};
  backend_.Get(session.client(), request,
               CompletionForSlots<backends::GetResult>(session, entries.size(), std::move(format)));
  batch.Clear();
}

void Dispatcher::Store(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  const bool is_cas = command.verb == Verb::kCas;
  // memcached answers an append/prepend whose result would be too large with
  // NOT_STORED, not with the too-large error a set gets.
  const bool concatenates = command.verb == Verb::kAppend || command.verb == Verb::kPrepend;
  auto format = [noreply, is_cas, concatenates](ReplyWriter& out, backends::StoreResult& result) {
    ThreadCounters& c = out.counters();
    std::string_view text;
    switch (result.outcome) {
      case StoreOutcome::kError:
        return AppendBackendError(out, result.error, noreply);
      case StoreOutcome::kStored:
        if (is_cas) ThreadCounters::Add(c.cas_hits);
        text = reply::kStored;
        break;
      case StoreOutcome::kNotStored:
        text = reply::kNotStored;
        break;
      case StoreOutcome::kExists:
        if (is_cas) ThreadCounters::Add(c.cas_badval);
        text = reply::kExists;
        break;
      case StoreOutcome::kNotFound:
        if (is_cas) ThreadCounters::Add(c.cas_misses);
        text = reply::kNotFound;
        break;
      case StoreOutcome::kTooLarge:
        if (concatenates) {
          text = reply::kNotStored;
        } else {
          ThreadCounters::Add(c.store_too_large);
          text = reply::kTooLarge;
        }
        break;
      case StoreOutcome::kNoMemory:
        ThreadCounters::Add(c.store_no_memory);
        text = reply::kOutOfMemory;
        break;
    }
    ThreadCounters::Add(c.cmd_set);
    AppendFixed(out, text, noreply);
    return false;
  };
  backend_.Store(session.client(),
                 backends::StoreRequest{.mode = ModeFor(command.verb),
                                        .key = command.keys[0],
                                        .value = command.value,
                                        .flags = command.flags,
                                        .exptime = command.exptime,
                                        .cas = command.cas},
                 Completion<backends::StoreResult>(session, std::move(format)));
}

void Dispatcher::Delete(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  auto format = [noreply](ReplyWriter& out, backends::DeleteResult& result) {
    ThreadCounters& c = out.counters();
    switch (result.outcome) {
      case DeleteOutcome::kError:
        return AppendBackendError(out, result.error, noreply);
      case DeleteOutcome::kDeleted:
        ThreadCounters::Add(c.delete_hits);
        AppendFixed(out, reply::kDeleted, noreply);
        return false;
      case DeleteOutcome::kNotFound:
      case DeleteOutcome::kExists:  // no cas was given: cannot happen, reads as a miss
        ThreadCounters::Add(c.delete_misses);
        AppendFixed(out, reply::kNotFound, noreply);
        return false;
    }
    return false;
  };
  backend_.Delete(session.client(), backends::DeleteRequest{.key = command.keys[0]},
                  Completion<backends::DeleteResult>(session, std::move(format)));
}

void Dispatcher::Arith(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  const bool incr = command.verb == Verb::kIncr;
  auto format = [noreply, incr](ReplyWriter& out, backends::ArithResult& result) {
    ThreadCounters& c = out.counters();
    switch (result.outcome) {
      case ArithOutcome::kError:
        return AppendBackendError(out, result.error, noreply);
      case ArithOutcome::kOk:
        ThreadCounters::Add(incr ? c.incr_hits : c.decr_hits);
        if (!noreply) reply::AppendNumber(out.text(), result.value);
        return false;
      case ArithOutcome::kNonNumeric:
        AppendFixed(out, reply::kNonNumeric, noreply);
        return false;
      case ArithOutcome::kNoMemory:
        AppendFixed(out, protocol::meta_reply::kArithOutOfMemory, noreply);
        return false;
      case ArithOutcome::kNotFound:
      case ArithOutcome::kExists:  // no cas was given: cannot happen, reads as a miss
        ThreadCounters::Add(incr ? c.incr_misses : c.decr_misses);
        AppendFixed(out, reply::kNotFound, noreply);
        return false;
    }
    return false;
  };
  backend_.Arith(
      session.client(),
      backends::ArithRequest{.op = incr ? backends::ArithOp::kIncr : backends::ArithOp::kDecr,
                             .key = command.keys[0],
                             .delta = command.delta},
      Completion<backends::ArithResult>(session, std::move(format)));
}

void Dispatcher::Touch(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  auto format = [noreply](ReplyWriter& out, backends::TouchResult& result) {
    ThreadCounters& c = out.counters();
    switch (result.outcome) {
      case TouchOutcome::kError:
        return AppendBackendError(out, result.error, noreply);
      case TouchOutcome::kTouched:
        ThreadCounters::Add(c.cmd_touch);
        ThreadCounters::Add(c.touch_hits);
        AppendFixed(out, reply::kTouched, noreply);
        return false;
      case TouchOutcome::kNotFound:
        ThreadCounters::Add(c.cmd_touch);
        ThreadCounters::Add(c.touch_misses);
        AppendFixed(out, reply::kNotFound, noreply);
        return false;
    }
    return false;
  };
  backend_.Touch(session.client(),
                 backends::TouchRequest{.key = command.keys[0], .exptime = command.exptime},
                 Completion<backends::TouchResult>(session, std::move(format)));
}

void Dispatcher::FlushAll(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  auto format = [noreply](ReplyWriter& out, backends::FlushResult& result) {
    switch (result.outcome) {
      case FlushOutcome::kError:
        return AppendBackendError(out, result.error, noreply);
      case FlushOutcome::kRefused:
        AppendFixed(out, reply::kFlushNotAllowed, noreply);
        return false;
      case FlushOutcome::kOk:
        ThreadCounters::Add(out.counters().cmd_flush);
        AppendFixed(out, reply::kOk, noreply);
        return false;
    }
    return false;
  };
  backend_.FlushAll(session.client(), backends::FlushRequest{.delay_seconds = command.exptime},
                    Completion<backends::FlushResult>(session, std::move(format)));
}

// As memcached 1.6.18: the asking client is closed without a reply, then the
// process stops (graceful or not, memgate closes clients the same way).
void Dispatcher::Shutdown(const protocol::Command& command, Session& session) {
  if (!facts_.request_shutdown) return ReplyNow(session, reply::kShutdownNotEnabled);
  const std::string_view mode = command.args;
  if (!mode.empty() && mode != "graceful") return ReplyNow(session, reply::kInvalidShutdownMode);
  ReplyNow(session, {}, /*close_after=*/true);
  facts_.request_shutdown(mode == "graceful");
}

void Dispatcher::Stats(const protocol::Command& command, Session& session) {
  const std::string_view args = command.args;
  StatsKind kind;
  if (args.empty()) {
    kind = StatsKind::kGeneral;
  } else if (args == "settings") {
    kind = StatsKind::kSettings;
  } else if (args == "items") {
    kind = StatsKind::kItems;
  } else if (args == "slabs") {
    kind = StatsKind::kSlabs;
  } else if (args == "backend") {
    kind = StatsKind::kBackend;
  } else {
    // Answers from the server alone.
    std::string out;
    if (args == "reset") {
      stats_.Reset();
      out = kReset;
    } else if (args == "conns") {
      if (facts_.append_conns) facts_.append_conns(out, session.client().id);
      out.append(reply::kEnd);
    } else if (args.starts_with("detail")) {
      // Detail collection stays off, as in a memcached that was never told
      // otherwise: on/off are accepted, a dump is empty.
      const std::string_view arg = args.substr(6);
      if (arg == " on" || arg == " off") {
        out = reply::kOk;
      } else if (arg == " dump") {
        out = reply::kEnd;
      } else {
        out = kDetailUsage;
      }
    } else {
      out = reply::kError;
    }
    return ReplyNow(session, out);
  }
  auto format = [this, kind](ReplyWriter& out, backends::StatsResult& result) {
    const StatsSources sources{.stats = stats_,
                               .facts = facts_,
                               .backend_name = backend_.Name(),
                               .capabilities = capabilities_,
                               .backend = result};
    switch (kind) {
      case StatsKind::kGeneral:
        AppendGeneralStats(out.text(), sources);
        break;
      case StatsKind::kSettings:
        AppendSettingsStats(out.text(), sources);
        break;
      case StatsKind::kItems:
        AppendItemsStats(out.text(), sources);
        break;
      case StatsKind::kSlabs:
        AppendSlabsStats(out.text(), sources);
        break;
      case StatsKind::kBackend:
        AppendBackendStats(out.text(), sources);
        break;
    }
    return false;
  };
  backend_.Stats(Completion<backends::StatsResult>(session, std::move(format)));
}

}  // namespace memgate::server
