// Server-wide counters for `stats`: one cache-line-aligned block per event-loop
// thread, so the data path never shares a counter between threads; `stats`
// sums the blocks.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "server/backend_call_stats.h"

namespace memgate::server {

// Every per-thread counter, in memcached's `stats` order.
#define MEMGATE_THREAD_COUNTERS(X) \
  X(cmd_get)                       \
  X(cmd_set)                       \
  X(cmd_flush)                     \
  X(cmd_touch)                     \
  X(get_hits)                      \
  X(get_misses)                    \
  X(delete_misses)                 \
  X(delete_hits)                   \
  X(incr_misses)                   \
  X(incr_hits)                     \
  X(decr_misses)                   \
  X(decr_hits)                     \
  X(cas_misses)                    \
  X(cas_hits)                      \
  X(cas_badval)                    \
  X(touch_hits)                    \
  X(touch_misses)                  \
  X(store_too_large)               \
  X(store_no_memory)               \
  X(backend_errors)                \
  X(backend_latency_samples)       \
  X(backend_latency_us)            \
  X(bytes_read)                    \
  X(bytes_written)

struct alignas(64) ThreadCounters {
#define MEMGATE_DECLARE_ATOMIC(name) std::atomic<uint64_t> name{0};
  MEMGATE_THREAD_COUNTERS(MEMGATE_DECLARE_ATOMIC)
#undef MEMGATE_DECLARE_ATOMIC

  // Not summed: when a backend call last failed here (unix seconds).
  std::atomic<int64_t> last_backend_error{0};
  // Which backend calls get timed; the owning thread alone touches it.
  uint32_t latency_tick = 0;
  // Not reset by `stats reset`: Prometheus counters only grow.
  std::array<BackendCallCounters, kBackendOperations> backend_calls;

  // Each block has a single writer: a relaxed load and store is enough.
  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// A plain copy of the sums, for reporting.
struct CounterTotals {
#define MEMGATE_DECLARE_TOTAL(name) uint64_t name = 0;
  MEMGATE_THREAD_COUNTERS(MEMGATE_DECLARE_TOTAL)
#undef MEMGATE_DECLARE_TOTAL
};

class ServerStats {
 public:
  explicit ServerStats(int threads);

  // Index 0..threads-1 is an event loop's block; any other index (e.g. -1)
  // gives the extra block used by code driven on no event loop (tests).
  ThreadCounters& ForThread(int index);
  CounterTotals Totals() const;
  std::array<BackendCallTotals, kBackendOperations> BackendCalls() const;
  // The latest backend failure on any thread (unix seconds; 0: none yet).
  int64_t LastBackendError() const;
  void Reset();

  std::atomic<uint64_t> curr_connections{0};
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> idle_kicks{0};  // clients closed by the idle timeout

 private:
  std::vector<std::unique_ptr<ThreadCounters>> blocks_;
};

}  // namespace memgate::server
