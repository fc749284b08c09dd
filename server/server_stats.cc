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
}

}  // namespace memgate::server
