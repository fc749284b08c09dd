// Wall-clock seconds behind an interface, so expiry can be tested with an
// injected clock.
#pragma once

#include <atomic>
#include <cstdint>

namespace memgate::backends {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in seconds.
  virtual int64_t Now() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  int64_t Now() const override;
  static const SystemClock& Instance();
};

// A clock tests move by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start = 1'700'000'000) : now_(start) {}
  int64_t Now() const override { return now_.load(std::memory_order_relaxed); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace memgate::backends
