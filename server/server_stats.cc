// Summing and resetting the per-thread counter blocks.
#include "server/server_stats.h"

#include <algorithm>

namespace memgate::server {

ServerStats::ServerStats(int threads) {
  for (int i = 0; i <= threads; ++i) blocks_.push_back(std::make_unique<ThreadCounters>());
}

ThreadCounters& ServerStats::ForThread(int index) {
  if (index < 0 || index + 1 >= static_cast<int>(blocks_.size())) return *blocks_.back();
  return *blocks_[index];
}

CounterTotals ServerStats::Totals() const {
  CounterTotals t;
  for (const auto& b : blocks_) {
#define MEMGATE_SUM(name) t.name += b->name.load(std::memory_order_relaxed);
    MEMGATE_THREAD_COUNTERS(MEMGATE_SUM)
#undef MEMGATE_SUM
  }
  return t;
}

std::array<BackendCallTotals, kBackendOperations> ServerStats::BackendCalls() const {
  std::array<BackendCallTotals, kBackendOperations> totals;
  for (const auto& b : blocks_) {
    for (std::size_t op = 0; op < kBackendOperations; ++op) {
      const BackendCallCounters& c = b->backend_calls[op];
      BackendCallTotals& t = totals[op];
      for (std::size_t i = 0; i < t.buckets.size(); ++i) {
        t.buckets[i] += c.buckets[i].load(std::memory_order_relaxed);
      }
      t.duration_us += c.duration_us.load(std::memory_order_relaxed);
      t.timed += c.timed.load(std::memory_order_relaxed);
      t.server_errors += c.server_errors.load(std::memory_order_relaxed);
      t.closed += c.closed.load(std::memory_order_relaxed);
    }
  }
  return totals;
}

int64_t ServerStats::LastBackendError() const {
  int64_t latest = 0;
  for (const auto& b : blocks_) {
    latest = std::max(latest, b->last_backend_error.load(std::memory_order_relaxed));
  }
  return latest;
}

void ServerStats::Reset() {
  for (auto& b : blocks_) {
#define MEMGATE_ZERO(name) b->name.store(0, std::memory_order_relaxed);
    MEMGATE_THREAD_COUNTERS(MEMGATE_ZERO)
#undef MEMGATE_ZERO
  }
  total_connections.store(0, std::memory_order_relaxed);
  rejected_connections.store(0, std::memory_order_relaxed);
  idle_kicks.store(0, std::memory_order_relaxed);
}

}  // namespace memgate::server
