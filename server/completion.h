// Backend completions for ordered reply slots: a completion formats its
// result into the slot it was given, on the session's thread (hopping there
// first when the backend completed on another thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <utility>

#include "backends/backend.h"
#include "server/protocol/reply.h"
#include "server/session.h"

namespace memgate::server {

// One backend call in this many is timed for `stats backend`, so the clock is
// read rarely on the data path.
inline constexpr uint32_t kLatencySampleEvery = 16;

inline int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A backend failure: "SERVER_ERROR <message>" unless the client asked for no
// reply; the client stays connected unless the backend asked to close it.
inline bool AppendBackendError(Session& session, std::string& out,
                               const backends::BackendError& error, bool noreply) {
  ThreadCounters& c = session.counters();
  ThreadCounters::Add(c.backend_errors);
  c.last_backend_error.store(std::time(nullptr), std::memory_order_relaxed);
  if (!noreply) protocol::reply::AppendServerError(out, error.message);
  return error.close_connection;
}

// Formats a completed result into the session's reply slot. `format` returns
// true when the connection must close after the reply.
template <typename Result, typename Format>
void Deliver(Session& session, uint64_t seq, int64_t started_us, Result& result, Format& format) {
  if (started_us != 0) {
    ThreadCounters& c = session.counters();
    ThreadCounters::Add(c.backend_latency_samples);
    ThreadCounters::Add(c.backend_latency_us, SteadyMicros() - started_us);
  }
  bool close_after = format(session, session.ReplyBuffer(seq), result);
  session.FinishReply(seq, close_after);
}

// The backend completion for one reply slot: formats inline when the backend
// completed on the session's thread, otherwise hops there first.
template <typename Result, typename Format>
auto Completion(Session& session, uint64_t seq, Format format) {
  const bool timed = ++session.counters().latency_tick % kLatencySampleEvery == 0;
  const int64_t started_us = timed ? SteadyMicros() : 0;
  return [session = session.shared_from_this(), seq, started_us,
          format = std::move(format)](Result result) mutable {
    if (session->OnSessionThread()) {
      Deliver(*session, seq, started_us, result, format);
      return;
    }
    Session* target = session.get();
    target->Post([session = std::move(session), seq, started_us, format = std::move(format),
                  result = std::move(result)]() mutable {
      Deliver(*session, seq, started_us, result, format);
    });
  };
}

}  // namespace memgate::server
