// Command -> backend call -> reply bytes. Replies are written on the session's
// thread: a completion from another thread is posted back first.
#include "server/dispatcher.h"

#include <sys/resource.h>
#include <unistd.h>

#include <ctime>
#include <span>
#include <utility>

#include "absl/strings/str_format.h"
#include "server/completion.h"
#include "server/meta_dispatcher.h"
#include "server/protocol/reply.h"
#include "server/version.h"

namespace memgate::server {
namespace {

namespace reply = protocol::reply;
using backends::Outcome;
using protocol::Verb;

inline constexpr std::string_view kVersionReply = "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n";
inline constexpr std::string_view kReset = "RESET\r\n";
inline constexpr std::string_view kDetailUsage =
    "CLIENT_ERROR usage: stats detail on|off|dump\r\n";

void AppendFixed(std::string& out, std::string_view text, bool noreply) {
  if (!noreply) out.append(text);
}

// Replies to outcomes every write command may share.
std::string_view StoreOutcomeReply(Outcome outcome) {
  switch (outcome) {
    case Outcome::kStored:
      return reply::kStored;
    case Outcome::kNotStored:
      return reply::kNotStored;
    case Outcome::kExists:
      return reply::kExists;
    case Outcome::kNotFound:
      return reply::kNotFound;
    case Outcome::kTooLarge:
      return reply::kTooLarge;
    case Outcome::kNoMemory:
      return reply::kOutOfMemory;
    default:
      return reply::kError;
  }
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

double Seconds(const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

}  // namespace

Dispatcher::Dispatcher(backends::Backend& backend, ServerStats& stats, DispatcherSettings settings)
    : backend_(backend),
      stats_(stats),
      settings_(settings),
      pipelines_in_order_(backend.PipelinesInOrder()),
      meta_(backend) {}

void Dispatcher::Execute(const protocol::Command& command, Session& session) {
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
    case Verb::kVersion: {
      uint64_t seq = session.ReserveReply();
      session.ReplyBuffer(seq).append(kVersionReply);
      return session.FinishReply(seq, false);
    }
    case Verb::kVerbosity: {
      uint64_t seq = session.ReserveReply();
      AppendFixed(session.ReplyBuffer(seq), reply::kOk, command.noreply);
      return session.FinishReply(seq, false);
    }
    case Verb::kQuit:
      return session.FinishReply(session.ReserveReply(), true);
    case Verb::kMetaGet:
    case Verb::kMetaSet:
    case Verb::kMetaDelete:
    case Verb::kMetaArith:
    case Verb::kMetaNoop:
    case Verb::kMetaDebug:
      return meta_.Execute(command, session);
  }
}

void Dispatcher::Invalidate(std::string_view key, std::string_view error_reply,
                            Session& session) {
  uint64_t seq = session.ReserveReply();
  auto format = [error_reply](Session& s, std::string& out, backends::DeleteResult&) {
    ThreadCounters::Add(s.counters().store_too_large);
    out.append(error_reply);
    return false;
  };
  backend_.Delete(session.client(), key,
                  Completion<backends::DeleteResult>(session, seq, std::move(format)));
}

void Dispatcher::Retrieve(const protocol::Command& command, Session& session) {
  const bool with_cas = command.verb == Verb::kGets || command.verb == Verb::kGats;
  const bool touch = command.verb == Verb::kGat || command.verb == Verb::kGats;
  const uint64_t requested = command.keys.size();
  uint64_t seq = session.ReserveReply();
  auto format = [with_cas, touch, requested, seq](Session& s, std::string& out,
                                                  backends::GetResult& result) {
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, false);
    ThreadCounters& c = s.counters();
    const uint64_t hits = result.hits.size();
    ThreadCounters::Add(c.cmd_get, requested);
    ThreadCounters::Add(c.get_hits, hits);
    ThreadCounters::Add(c.get_misses, requested - hits);
    if (touch) {
      ThreadCounters::Add(c.cmd_touch, requested);
      ThreadCounters::Add(c.touch_hits, hits);
      ThreadCounters::Add(c.touch_misses, requested - hits);
    }
    for (backends::Hit& hit : result.hits) {
      if (SharesValue(hit)) {
        if (with_cas) {
          reply::AppendValueHeaderWithCas(out, hit.key, hit.flags, hit.value.size(), hit.cas);
        } else {
          reply::AppendValueHeader(out, hit.key, hit.flags, hit.value.size());
        }
        AppendHitValue(s, seq, out, hit);
      } else if (with_cas) {
        reply::AppendValueWithCas(out, hit.key, hit.flags, hit.value, hit.cas);
      } else {
        reply::AppendValue(out, hit.key, hit.flags, hit.value);
      }
    }
    out.append(reply::kEnd);
    return false;
  };
  std::span<const std::string_view> keys(command.keys.data(), command.keys.size());
  if (touch) {
    backend_.GetAndTouch(session.client(), keys, command.exptime,
                         Completion<backends::GetResult>(session, seq, std::move(format)));
  } else {
    backend_.Get(session.client(), keys, with_cas,
                 Completion<backends::GetResult>(session, seq, std::move(format)));
  }
}

void Dispatcher::Store(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  const bool is_cas = command.verb == Verb::kCas;
  // memcached answers an append/prepend whose result would be too large with
  // NOT_STORED, not with the too-large error a set gets.
  const bool concatenates = command.verb == Verb::kAppend || command.verb == Verb::kPrepend;
  uint64_t seq = session.ReserveReply();
  auto format = [noreply, is_cas, concatenates](Session& s, std::string& out,
                                                backends::StoreResult& result) {
    if (concatenates && result.outcome == Outcome::kTooLarge) result.outcome = Outcome::kNotStored;
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, noreply);
    ThreadCounters& c = s.counters();
    ThreadCounters::Add(c.cmd_set);
    if (is_cas) {
      if (result.outcome == Outcome::kStored) ThreadCounters::Add(c.cas_hits);
      if (result.outcome == Outcome::kExists) ThreadCounters::Add(c.cas_badval);
      if (result.outcome == Outcome::kNotFound) ThreadCounters::Add(c.cas_misses);
    }
    if (result.outcome == Outcome::kTooLarge) ThreadCounters::Add(c.store_too_large);
    if (result.outcome == Outcome::kNoMemory) ThreadCounters::Add(c.store_no_memory);
    AppendFixed(out, StoreOutcomeReply(result.outcome), noreply);
    return false;
  };
  backend_.Store(session.client(), ModeFor(command.verb), command.keys[0], command.flags,
                 command.exptime, command.value, command.cas,
                 Completion<backends::StoreResult>(session, seq, std::move(format)));
}

void Dispatcher::Delete(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  uint64_t seq = session.ReserveReply();
  auto format = [noreply](Session& s, std::string& out, backends::DeleteResult& result) {
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, noreply);
    const bool deleted = result.outcome == Outcome::kDeleted;
    ThreadCounters::Add(deleted ? s.counters().delete_hits : s.counters().delete_misses);
    AppendFixed(out, deleted ? reply::kDeleted : reply::kNotFound, noreply);
    return false;
  };
  backend_.Delete(session.client(), command.keys[0],
                  Completion<backends::DeleteResult>(session, seq, std::move(format)));
}

void Dispatcher::Arith(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  const bool incr = command.verb == Verb::kIncr;
  uint64_t seq = session.ReserveReply();
  auto format = [noreply, incr](Session& s, std::string& out, backends::ArithResult& result) {
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, noreply);
    ThreadCounters& c = s.counters();
    switch (result.outcome) {
      case Outcome::kOk:
        ThreadCounters::Add(incr ? c.incr_hits : c.decr_hits);
        if (!noreply) reply::AppendNumber(out, result.value);
        break;
      case Outcome::kNonNumeric:
        AppendFixed(out, reply::kNonNumeric, noreply);
        break;
      default:
        ThreadCounters::Add(incr ? c.incr_misses : c.decr_misses);
        AppendFixed(out, reply::kNotFound, noreply);
        break;
    }
    return false;
  };
  backend_.Arith(session.client(), incr ? backends::ArithOp::kIncr : backends::ArithOp::kDecr,
                 command.keys[0], command.delta,
                 Completion<backends::ArithResult>(session, seq, std::move(format)));
}

void Dispatcher::Touch(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  uint64_t seq = session.ReserveReply();
  auto format = [noreply](Session& s, std::string& out, backends::TouchResult& result) {
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, noreply);
    ThreadCounters& c = s.counters();
    ThreadCounters::Add(c.cmd_touch);
    const bool touched = result.outcome == Outcome::kTouched;
    ThreadCounters::Add(touched ? c.touch_hits : c.touch_misses);
    AppendFixed(out, touched ? reply::kTouched : reply::kNotFound, noreply);
    return false;
  };
  backend_.Touch(session.client(), command.keys[0], command.exptime,
                 Completion<backends::TouchResult>(session, seq, std::move(format)));
}

void Dispatcher::FlushAll(const protocol::Command& command, Session& session) {
  const bool noreply = command.noreply;
  uint64_t seq = session.ReserveReply();
  auto format = [noreply](Session& s, std::string& out, backends::FlushResult& result) {
    if (result.outcome == Outcome::kError) return AppendBackendError(s, out, result.error, noreply);
    ThreadCounters::Add(s.counters().cmd_flush);
    AppendFixed(out, reply::kOk, noreply);
    return false;
  };
  backend_.FlushAll(session.client(), command.exptime,
                    Completion<backends::FlushResult>(session, seq, std::move(format)));
}

void Dispatcher::Stats(const protocol::Command& command, Session& session) {
  uint64_t seq = session.ReserveReply();
  std::string& out = session.ReplyBuffer(seq);
  if (command.args.empty()) {
    AppendGeneralStats(out);
  } else if (command.args == "reset") {
    stats_.Reset();
    out.append(kReset);
  } else if (command.args == "settings") {
    AppendSettingsStats(out);
  } else if (command.args == "conns") {
    if (settings_.append_conns) settings_.append_conns(out, session.client().id);
    out.append(reply::kEnd);
  } else if (command.args == "backend") {
    AppendBackendStats(out);
  } else if (command.args.starts_with("detail")) {
    // Detail collection stays off, as in a memcached that was never told
    // otherwise: on/off are accepted, a dump is empty.
    const std::string_view arg = command.args.substr(6);
    if (arg == " on" || arg == " off") {
      out.append(reply::kOk);
    } else if (arg == " dump") {
      out.append(reply::kEnd);
    } else {
      out.append(kDetailUsage);
    }
  } else {
    out.append(reply::kError);
  }
  session.FinishReply(seq, false);
}

// memcached's `stats settings` names, for what a gateway has.
void Dispatcher::AppendSettingsStats(std::string& out) const {
  const backends::BackendStats b = backend_.Stats();
  reply::AppendStat(out, "maxbytes", b.limit_maxbytes);
  reply::AppendStat(out, "maxconns", settings_.max_connections);
  reply::AppendStat(out, "verbosity", "0");
  reply::AppendStat(out, "evictions", "on");
  reply::AppendStat(out, "num_threads", static_cast<uint64_t>(settings_.threads));
  reply::AppendStat(out, "detail_enabled", "no");
  reply::AppendStat(out, "cas_enabled", "yes");
  reply::AppendStat(out, "binding_protocol", "ascii");
  reply::AppendStat(out, "item_size_max", settings_.item_size_max);
  reply::AppendStat(out, "flush_enabled", "yes");
  reply::AppendStat(out, "backend", backend_.Name());
  reply::AppendStat(out, "backend_pipelines_in_order", pipelines_in_order_ ? "yes" : "no");
  out.append(reply::kEnd);
}

// The backend's name, health (whether a call failed in the last minute),
// sampled call latency, and what it counts.
void Dispatcher::AppendBackendStats(std::string& out) const {
  const CounterTotals t = stats_.Totals();
  const backends::BackendStats b = backend_.Stats();
  const int64_t last_error = stats_.LastBackendError();
  const bool failing = last_error != 0 && std::time(nullptr) - last_error < 60;
  reply::AppendStat(out, "name", backend_.Name());
  reply::AppendStat(out, "health", failing ? "failing" : "ok");
  reply::AppendStat(out, "errors", t.backend_errors);
  reply::AppendStat(out, "last_error_time", static_cast<uint64_t>(last_error));
  reply::AppendStat(out, "latency_samples", t.backend_latency_samples);
  reply::AppendStat(
      out, "latency_avg_us",
      t.backend_latency_samples == 0 ? 0 : t.backend_latency_us / t.backend_latency_samples);
  reply::AppendStat(out, "pipelines_in_order", pipelines_in_order_ ? "yes" : "no");
  reply::AppendStat(out, "curr_items", b.curr_items);
  reply::AppendStat(out, "bytes", b.bytes);
  reply::AppendStat(out, "limit_maxbytes", b.limit_maxbytes);
  out.append(reply::kEnd);
}

void Dispatcher::AppendGeneralStats(std::string& out) const {
  const CounterTotals t = stats_.Totals();
  const backends::BackendStats b = backend_.Stats();
  const int64_t now = std::time(nullptr);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto stat = [&out](std::string_view name, uint64_t value) {
    reply::AppendStat(out, name, value);
  };
  stat("pid", static_cast<uint64_t>(getpid()));
  stat("uptime", static_cast<uint64_t>(now - settings_.start_time));
  stat("time", static_cast<uint64_t>(now));
  reply::AppendStat(out, "version", MEMGATE_PROTOCOL_VERSION);
  stat("pointer_size", sizeof(void*) * 8);
  reply::AppendStat(out, "rusage_user", absl::StrFormat("%.6f", Seconds(usage.ru_utime)));
  reply::AppendStat(out, "rusage_system", absl::StrFormat("%.6f", Seconds(usage.ru_stime)));
  stat("max_connections", settings_.max_connections);
  stat("curr_connections", stats_.curr_connections.load(std::memory_order_relaxed));
  stat("total_connections", stats_.total_connections.load(std::memory_order_relaxed));
  stat("rejected_connections", stats_.rejected_connections.load(std::memory_order_relaxed));
  stat("cmd_get", t.cmd_get);
  stat("cmd_set", t.cmd_set);
  stat("cmd_flush", t.cmd_flush);
  stat("cmd_touch", t.cmd_touch);
  stat("get_hits", t.get_hits);
  stat("get_misses", t.get_misses);
  stat("get_expired", b.get_expired);
  stat("get_flushed", b.get_flushed);
  stat("delete_misses", t.delete_misses);
  stat("delete_hits", t.delete_hits);
  stat("incr_misses", t.incr_misses);
  stat("incr_hits", t.incr_hits);
  stat("decr_misses", t.decr_misses);
  stat("decr_hits", t.decr_hits);
  stat("cas_misses", t.cas_misses);
  stat("cas_hits", t.cas_hits);
  stat("cas_badval", t.cas_badval);
  stat("touch_hits", t.touch_hits);
  stat("touch_misses", t.touch_misses);
  stat("store_too_large", t.store_too_large);
  stat("store_no_memory", t.store_no_memory);
  stat("bytes_read", t.bytes_read);
  stat("bytes_written", t.bytes_written);
  stat("limit_maxbytes", b.limit_maxbytes);
  stat("threads", static_cast<uint64_t>(settings_.threads));
  stat("bytes", b.bytes);
  stat("curr_items", b.curr_items);
  stat("total_items", b.total_items);
  stat("expired_unfetched", b.expired_unfetched);
  stat("evicted_unfetched", b.evicted_unfetched);
  stat("evictions", b.evictions);
  stat("reclaimed", b.reclaimed);
  reply::AppendStat(out, "backend", backend_.Name());
  stat("backend_errors", t.backend_errors);
  out.append(reply::kEnd);
}

}  // namespace memgate::server
