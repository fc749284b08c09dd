// memcached mode's cas values, made by memgate so that a set is one plain
// SET: the wall clock in microseconds, strictly increasing within this
// process, shifted above a 12-bit tag drawn at random when the process
// starts. A key's cas therefore never repeats across delete, re-create and
// Redis restarts, and two memgates in front of one Redis differ in the tag
// (a shared tag would need the same microsecond on the same key as well).
// It assumes the clock does not step back across a restart of memgate.
#pragma once

#include <atomic>
#include <cstdint>

namespace memgate::backends::redis {

class CasClock {
 public:
  static constexpr int kTagBits = 12;

  // `tag`: the low kTagBits bits; by default random.
  CasClock();
  explicit CasClock(uint64_t tag);

  // The next cas; safe from any thread.
  uint64_t Next();

 private:
  const uint64_t tag_;
  std::atomic<uint64_t> last_us_{0};
};

}  // namespace memgate::backends::redis
