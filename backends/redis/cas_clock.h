// memcached mode's cas values, made by memgate so that a set is one plain
// SET: the wall clock in microseconds, strictly increasing within this
// process, shifted above a 12-bit tag drawn at random when the process
// starts. A key's cas therefore never repeats across delete, re-create and
// Redis restarts, and two memgates in front of one Redis differ in the tag
// (a shared tag would need the same microsecond on the same key as well).
// It assumes the clock does not step back across a restart of memgate.
//
// A cas the client chose (meta E) is stored as it is; Advance then moves
// the clock past it, so no later change made through this memgate repeats
// it: every cas Next makes afterwards is greater. Two exceptions: a value
// in the clock's last tick (2^64 - 2^12 and up) leaves the clock where it
// is, as the clock reaches it only in the year 2112; and another memgate in
// front of the same Redis is not advanced, so it repeats the value only if
// it draws the same 12-bit tag and changes the key in that very microsecond.
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
  // `cas`, a value the client chose, after which every Next is greater;
  // safe from any thread.
  uint64_t Advance(uint64_t cas);

 private:
  const uint64_t tag_;
  std::atomic<uint64_t> last_us_{0};
};

}  // namespace memgate::backends::redis
