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

}  // namespace memgate::backends::redis
