// CasClock (see cas_clock.h).
#include "backends/redis/cas_clock.h"

#include <algorithm>
#include <chrono>
#include <random>

namespace memgate::backends::redis {
namespace {

constexpr uint64_t kTagMask = (uint64_t{1} << CasClock::kTagBits) - 1;

uint64_t RandomTag() {
  std::random_device device;
  return device() & kTagMask;
}

uint64_t WallMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

CasClock::CasClock() : CasClock(RandomTag()) {}

CasClock::CasClock(uint64_t tag) : tag_(tag & kTagMask) {}

uint64_t CasClock::Next() {
  const uint64_t now = WallMicros();
  uint64_t last = last_us_.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    next = std::max(now, last + 1);
  } while (!last_us_.compare_exchange_weak(last, next, std::memory_order_relaxed));
  return (next << kTagBits) | tag_;
}

uint64_t CasClock::Advance(uint64_t cas) {
  // Next makes (last + 1) << kTagBits at least, which must not wrap.
  constexpr uint64_t kLastTick = (uint64_t{1} << (64 - kTagBits)) - 1;
  const uint64_t tick = cas >> kTagBits;
  if (tick >= kLastTick) return cas;
  uint64_t last = last_us_.load(std::memory_order_relaxed);
  while (last < tick && !last_us_.compare_exchange_weak(last, tick, std::memory_order_relaxed)) {
  }
  return cas;
}

}  // namespace memgate::backends::redis
