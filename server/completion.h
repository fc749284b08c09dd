// Backend completions for ordered reply slots: a completion formats its
// result through a ReplyWriter for the slot it was given, on the session's
// thread (hopping there first when the backend completed on another thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "backends/backend.h"
#include "server/block_cache.h"
#include "server/protocol/reply.h"
#include "server/reply_writer.h"
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
inline bool AppendBackendError(ReplyWriter& out, const backends::BackendError& error,
                               bool noreply) {
  ThreadCounters& c = out.counters();
  ThreadCounters::Add(c.backend_errors);
  c.last_backend_error.store(std::time(nullptr), std::memory_order_relaxed);
  if (!noreply) protocol::reply::AppendServerError(out.text(), error.message);
  return error.close_connection;
}

// Counts a completed call for `stats backend` and the metrics: its sampled
// latency (started_us 0: not sampled) and how it failed, if it did.
template <typename Result>
void RecordCall(ThreadCounters& c, int64_t started_us, const Result& result) {
  BackendCallCounters& call = c.backend_calls[static_cast<std::size_t>(OperationOf<Result>())];
  if (started_us != 0) {
    const auto us = static_cast<uint64_t>(SteadyMicros() - started_us);
    ThreadCounters::Add(c.backend_latency_samples);
    ThreadCounters::Add(c.backend_latency_us, us);
    call.Observe(us);
  }
  if (const backends::BackendError* error = FailureOf(result)) {
    BackendCallCounters::Add(error->close_connection ? call.closed : call.server_errors);
  }
}

// Formats a completed result into the session's reply slot:
// `format(ReplyWriter&, Result&)` returns true when the connection must
// close after the reply.
template <typename Result, typename Format>
void Deliver(Session& session, uint64_t seq, int64_t started_us, Result& result, Format& format) {
  RecordCall(session.counters(), started_us, result);
  ReplyWriter out(session, seq);
  const bool close_after = format(out, result);
  session.FinishReply(seq, close_after);
}

namespace completion_internal {

// What a completion carries: the session (kept alive until the reply is
// written), its first reply slot, the sampled start time and what finishes
// the call: `finish(Session&, uint64_t seq, int64_t started_us, Result&)`.
template <typename Finish>
struct State {
  std::shared_ptr<Session> session;
  uint64_t seq;
  int64_t started_us;
  Finish finish;
};

struct StateDelete {
  template <typename T>
  void operator()(T* state) const {
    state->~T();
    block_cache::Free(state, sizeof(T));
  }
};

// A completion for slots from `seq` on, already reserved: runs `finish`
// inline when the backend completed on the session's thread, otherwise hops
// there first. The callable is one pointer, so absl::AnyInvocable stores it
// without allocating.
template <typename Result, typename Finish>
auto Make(Session& session, uint64_t seq, Finish finish) {
  using S = State<Finish>;
  static_assert(alignof(S) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  const bool timed = ++session.counters().latency_tick % kLatencySampleEvery == 0;
  const int64_t started_us = timed ? SteadyMicros() : 0;
  std::shared_ptr<Session> owner = session.shared_from_this();
  void* memory = block_cache::Allocate(sizeof(S));
  std::unique_ptr<S, StateDelete> state(
      new (memory) S{std::move(owner), seq, started_us, std::move(finish)});
  return [state = std::move(state)](Result result) mutable {
    Session& target = *state->session;
    if (target.OnSessionThread()) {
      state->finish(target, state->seq, state->started_us, result);
      return;
    }
    target.Post([state = std::move(state), result = std::move(result)]() mutable {
      state->finish(*state->session, state->seq, state->started_us, result);
    });
  };
}

}  // namespace completion_internal

// The backend completion for the session's next reply slot, which it
// reserves.
template <typename Result, typename Format>
auto Completion(Session& session, Format format) {
  const uint64_t seq = session.ReserveReply();
  return completion_internal::Make<Result>(
      session, seq,
      [format = std::move(format)](Session& target, uint64_t slot, int64_t started_us,
                                   Result& result) mutable {
        Deliver(target, slot, started_us, result, format);
      });
}

// One backend call that answers the session's next `count` reply slots,
// which it reserves: `format(Session&, uint64_t first_seq, Result&)` fills
// and finishes each of them.
template <typename Result, typename Format>
auto CompletionForSlots(Session& session, std::size_t count, Format format) {
  const uint64_t first = session.ReserveReply();
  for (std::size_t i = 1; i < count; ++i) session.ReserveReply();
  return completion_internal::Make<Result>(
      session, first,
      [format = std::move(format)](Session& target, uint64_t first_seq, int64_t started_us,
                                   Result& result) mutable {
        RecordCall(target.counters(), started_us, result);
        format(target, first_seq, result);
      });
}

// A reply that needs no backend: the session's next slot, filled now.
inline void ReplyNow(Session& session, std::string_view text, bool close_after = false) {
  const uint64_t seq = session.ReserveReply();
  session.ReplyBuffer(seq).append(text);
  session.FinishReply(seq, close_after);
}

}  // namespace memgate::server
