// Backend completions for ordered reply slots: a completion formats its
// result into the slot it was given, on the session's thread (hopping there
// first when the backend completed on another thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "backends/backend.h"
#include "server/block_cache.h"
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

// Values at least this large leave from the backend's memory (a
// scatter-gather write) instead of being copied into the reply. Below it the
// copy costs less than the kernel's extra work on a gathered send (measured
// with bench/: even at 4 KiB, ahead from 8 KiB).
inline constexpr std::size_t kShareValuesFrom = 8 * 1024;

inline bool SharesValue(const backends::Hit& hit) {
  return hit.value.size() >= kShareValuesFrom && hit.owner;
}

// Appends `hit`'s value and its "\r\n" to slot `seq`, whose buffer is `out`.
inline void AppendHitValue(Session& session, uint64_t seq, std::string& out, backends::Hit& hit) {
  if (SharesValue(hit)) {
    session.AppendSharedValue(seq, hit.value, std::move(hit.owner));
  } else {
    out.append(hit.value);
  }
  out.append("\r\n", 2);
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

namespace completion_internal {

// What a completion carries: the session (kept alive until the reply is
// written), its reply slot, the sampled start time and the formatter.
template <typename Format>
struct State {
  std::shared_ptr<Session> session;
  uint64_t seq;
  int64_t started_us;
  Format format;
};

struct StateDelete {
  template <typename T>
  void operator()(T* state) const {
    state->~T();
    block_cache::Free(state, sizeof(T));
  }
};

}  // namespace completion_internal

// The backend completion for one reply slot: formats inline when the backend
// completed on the session's thread, otherwise hops there first. The
// callable is one pointer, so absl::AnyInvocable stores it without
// allocating.
template <typename Result, typename Format>
auto Completion(Session& session, uint64_t seq, Format format) {
  using State = completion_internal::State<Format>;
  static_assert(alignof(State) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  const bool timed = ++session.counters().latency_tick % kLatencySampleEvery == 0;
  const int64_t started_us = timed ? SteadyMicros() : 0;
  std::shared_ptr<Session> owner = session.shared_from_this();
  void* memory = block_cache::Allocate(sizeof(State));
  std::unique_ptr<State, completion_internal::StateDelete> state(
      new (memory) State{std::move(owner), seq, started_us, std::move(format)});
  return [state = std::move(state)](Result result) mutable {
    Session& target = *state->session;
    if (target.OnSessionThread()) {
      Deliver(target, state->seq, state->started_us, result, state->format);
      return;
    }
    target.Post([state = std::move(state), result = std::move(result)]() mutable {
      Deliver(*state->session, state->seq, state->started_us, result, state->format);
    });
  };
}

}  // namespace memgate::server
