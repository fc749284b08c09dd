// Logs what happens to listeners and clients (info), backend failures (warn,
// at most one line per interval) and, with --access-log, one line per closed
// client. It reads the event bus and the counters on a thread of its own, so
// the data path never waits for a log write.
#pragma once

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/events.h"
#include "server/server_stats.h"

namespace memgate::server {

class LifecycleLog {
 public:
  // `events` and `stats` must outlive the log.
  LifecycleLog(EventBus& events, const ServerStats& stats,
               absl::Duration backend_warning_interval = absl::Seconds(10));
  // Logs the events already published, then stops.
  ~LifecycleLog();

  LifecycleLog(const LifecycleLog&) = delete;
  LifecycleLog& operator=(const LifecycleLog&) = delete;

 private:
  void Run();
  void Write(const Event& event);
  void CheckBackend(bool force);

  const ServerStats& stats_;
  const absl::Duration interval_;
  std::shared_ptr<EventSubscription> subscription_;
  absl::Notification stop_;
  uint64_t backend_errors_ = 0;  // as of the last warning
  absl::Time last_check_;
  std::thread thread_;
};

}  // namespace memgate::server
