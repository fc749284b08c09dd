// EventBus: copy each event into every live subscriber's bounded queue.
#include "server/events.h"

#include <algorithm>

namespace memgate::server {

std::string_view DisconnectReasonName(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kClientClosed:
      return "client_closed";
    case DisconnectReason::kKicked:
      return "kicked";
    case DisconnectReason::kIdle:
      return "idle";
    case DisconnectReason::kError:
      return "error";
    case DisconnectReason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

std::vector<Event> EventSubscription::Next(absl::Duration timeout, uint64_t& dropped) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || dropped_ > 0 || cancelled_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  std::vector<Event> events(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.end()));
  queue_.clear();
  dropped = dropped_;
  dropped_ = 0;
  return events;
}

void EventSubscription::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

bool EventSubscription::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

void EventSubscription::Push(const Event& event) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= capacity_) {
    ++dropped_;
    return;
  }
  queue_.push_back(event);
}

void EventBus::Publish(Event event) {
  if (event.time == std::chrono::system_clock::time_point{}) {
    event.time = std::chrono::system_clock::now();
  }
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    absl::MutexLock lock(&mu_);
    std::erase_if(subscribers_, [](const auto& weak) { return weak.expired(); });
    for (const auto& weak : subscribers_) {
      if (auto sub = weak.lock()) live.push_back(std::move(sub));
    }
  }
  for (const auto& sub : live) sub->Push(event);
}

std::shared_ptr<EventSubscription> EventBus::Subscribe(std::size_t capacity) {
  auto sub = std::make_shared<EventSubscription>(capacity);
  absl::MutexLock lock(&mu_);
  subscribers_.push_back(sub);
  return sub;
}

}  // namespace memgate::server
