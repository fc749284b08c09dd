// Counters every Redis connection of a backend adds to, read by Stats() and
// Reachable() from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace memgate::backends::redis {

struct RedisCounters {
  std::atomic<int64_t> connections{0};  // configured
  std::atomic<int64_t> connected{0};    // ready to serve right now
  std::atomic<uint64_t> connects{0};    // successful handshakes
  std::atomic<uint64_t> reconnects{0};  // connections lost or refused
  std::atomic<uint64_t> commands{0};    // replies received for user commands
  std::atomic<uint64_t> errors{0};      // commands answered with an error
  std::atomic<uint64_t> timeouts{0};    // commands that saw no reply in time
  std::atomic<uint64_t> noscript_retries{0};
  std::atomic<uint64_t> latency_us_total{0};  // over `commands`
  std::atomic<uint64_t> latency_us_max{0};
};

// Adds `from` into `totals` (the larger of the two maxima), for a total
// over several connections' counters.
inline void AddCounters(const RedisCounters& from, RedisCounters& totals) {
  const auto add = [](auto& into, const auto& value) {
    into.fetch_add(value.load(std::memory_order_relaxed), std::memory_order_relaxed);
  };
  add(totals.connections, from.connections);
  add(totals.connected, from.connected);
  add(totals.connects, from.connects);
  add(totals.reconnects, from.reconnects);
  add(totals.commands, from.commands);
  add(totals.errors, from.errors);
  add(totals.timeouts, from.timeouts);
  add(totals.noscript_retries, from.noscript_retries);
  add(totals.latency_us_total, from.latency_us_total);
  const uint64_t max = from.latency_us_max.load(std::memory_order_relaxed);
  if (max > totals.latency_us_max.load(std::memory_order_relaxed)) {
    totals.latency_us_max.store(max, std::memory_order_relaxed);
  }
}

}  // namespace memgate::backends::redis
