// The real wall clock behind the Clock interface.
#include "backends/clock.h"

#include <ctime>

namespace memgate::backends {

int64_t SystemClock::Now() const { return static_cast<int64_t>(std::time(nullptr)); }

const SystemClock& SystemClock::Instance() {
  static const SystemClock* const clock = new SystemClock();
  return *clock;
}

}  // namespace memgate::backends
