// The reachability poll behind the "memgate.backend" health status.
#include "app/backend_health.h"

#include <optional>
#include <utility>

namespace memgate::app {

BackendHealthReporter::BackendHealthReporter(BackendHolder& holder,
                                             std::function<void(bool)> report,
                                             absl::Duration interval)
    : thread_([this, &holder, report = std::move(report), interval]() mutable {
        Run(holder, std::move(report), interval);
      }) {}

BackendHealthReporter::~BackendHealthReporter() {
  stop_.Notify();
  thread_.join();
}

void BackendHealthReporter::Run(BackendHolder& holder, std::function<void(bool)> report,
                                absl::Duration interval) {
  std::optional<bool> reported;
  do {
    const bool serving = holder.Reachable().value_or(true);
    if (reported != serving) {
      report(serving);
      reported = serving;
    }
  } while (!stop_.WaitForNotificationWithTimeout(interval));
}

}  // namespace memgate::app
