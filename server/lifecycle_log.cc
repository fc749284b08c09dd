// The lines LifecycleLog writes; their text form keeps the wording tests and
// operators grep for ("listening on", "client 7 connected ...").
#include "server/lifecycle_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/log.h"

namespace memgate::server {
namespace {

constexpr std::size_t kQueue = 4096;

std::string Listener(const std::string& id) { return id.empty() ? "(served fd)" : id; }

}  // namespace

LifecycleLog::LifecycleLog(EventBus& events, const ServerStats& stats,
                           absl::Duration backend_warning_interval)
    : stats_(stats),
      interval_(backend_warning_interval),
      subscription_(events.Subscribe(kQueue)),
      backend_errors_(stats.Totals().backend_errors),
      last_check_(absl::Now()),
      thread_([this] { Run(); }) {}

LifecycleLog::~LifecycleLog() {
  stop_.Notify();
  thread_.join();
}

void LifecycleLog::Run() {
  while (true) {
    const bool stopping = stop_.HasBeenNotified();
    uint64_t dropped = 0;
    const std::vector<Event> events =
        subscription_->Next(stopping ? absl::ZeroDuration() : absl::Milliseconds(200), dropped);
    if (dropped > 0) {
      LogWarn(absl::StrCat(dropped, " lifecycle events were not logged (too many at once)"),
              {Field("dropped", dropped)});
    }
    for (const Event& event : events) Write(event);
    CheckBackend(stopping);
    if (stopping && events.empty()) return;
  }
}

void LifecycleLog::Write(const Event& event) {
  const std::string listener = Listener(event.listener_id);
  switch (event.type) {
    case Event::Type::kClientConnected:
      LogInfo(absl::StrCat("client ", event.client_id, " connected from ", event.peer,
                           " on listener ", listener),
              {Field("client", event.client_id), Field("peer", event.peer),
               Field("listener", event.listener_id)});
      return;
    case Event::Type::kClientDisconnected: {
      const std::string reason(DisconnectReasonName(event.reason));
      const double seconds =
          event.connected_at == std::chrono::system_clock::time_point{}
              ? 0
              : std::chrono::duration<double>(event.time - event.connected_at).count();
      LogInfo(absl::StrCat("client ", event.client_id, " disconnected (", reason, ")"),
              {Field("client", event.client_id), Field("peer", event.peer),
               Field("listener", event.listener_id), Field("reason", reason)});
      Logger::Get().Access({Field("client", event.client_id), Field("peer", event.peer),
                            Field("listener", event.listener_id), Field("reason", reason),
                            LogField{.key = "duration_seconds",
                                     .value = absl::StrFormat("%.3f", seconds),
                                     .number = true},
                            Field("commands", event.commands), Field("bytes_in", event.bytes_in),
                            Field("bytes_out", event.bytes_out)});
      return;
    }
    case Event::Type::kListenerCreated:
      LogDebug(absl::StrCat("listener ", listener, " open on ", event.address),
               {Field("listener", event.listener_id), Field("address", event.address)});
      return;
    case Event::Type::kListenerDraining:
      LogInfo(absl::StrCat("listener ", listener, " on ", event.address,
                           " stopped accepting; draining its clients"),
              {Field("listener", event.listener_id), Field("address", event.address)});
      return;
    case Event::Type::kListenerClosed:
      LogInfo(absl::StrCat("listener ", listener, " on ", event.address, " closed"),
              {Field("listener", event.listener_id), Field("address", event.address)});
      return;
  }
}

// Rate-limited: a failing backend makes one line per interval, not one per
// failed call.
void LifecycleLog::CheckBackend(bool force) {
  const absl::Time now = absl::Now();
  if (!force && now - last_check_ < interval_) return;
  const uint64_t errors = stats_.Totals().backend_errors;
  if (errors > backend_errors_) {
    const uint64_t failed = errors - backend_errors_;
    LogWarn(absl::StrCat("backend: ", failed, " calls failed in the last ",
                         absl::FormatDuration(absl::Trunc(now - last_check_, absl::Seconds(1)))),
            {Field("failed_calls", failed), Field("total_failed_calls", errors)});
  }
  // A counter reset (stats reset) starts over.
  backend_errors_ = errors;
  last_check_ = now;
}

}  // namespace memgate::server
