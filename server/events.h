// A bounded fan-out of lifecycle events (clients, listeners) for watchers such
// as the admin service's WatchEvents. Publishing never blocks: a watcher that
// falls behind loses events and is told how many.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace memgate::server {

enum class DisconnectReason : uint8_t {
  kClientClosed,  // the peer closed or sent quit
  kKicked,        // an operator disconnected it
  kIdle,          // idle timeout
  kError,         // protocol or socket error, or the backend asked to close
  kShutdown,      // server shutdown or listener closed
};

std::string_view DisconnectReasonName(DisconnectReason reason);

struct Event {
  enum class Type : uint8_t {
    kClientConnected,
    kClientDisconnected,
    kListenerCreated,
    kListenerDraining,
    kListenerClosed,
  };
  Type type;
  std::chrono::system_clock::time_point time;
  uint64_t client_id = 0;                                     // client events
  std::string peer;                                           // client events
  std::string listener_id;                                    // both
  std::string address;                                        // listener events: the bound address
  DisconnectReason reason = DisconnectReason::kClientClosed;  // kClientDisconnected
  // kClientDisconnected: what the client did, for the access log.
  std::chrono::system_clock::time_point connected_at;
  uint64_t commands = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

class EventSubscription {
 public:
  explicit EventSubscription(std::size_t capacity) : capacity_(capacity) {}

  // Waits up to `timeout` for events. Returns the queued events and, through
  // `dropped`, how many were lost since the previous call.
  std::vector<Event> Next(absl::Duration timeout, uint64_t& dropped);
  // Wakes a waiting Next() for good (the watcher is going away).
  void Cancel();
  bool cancelled() const;

 private:
  friend class EventBus;
  void Push(const Event& event);

  const std::size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<Event> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

class EventBus {
 public:
  void Publish(Event event);
  std::shared_ptr<EventSubscription> Subscribe(std::size_t capacity = 1024);

 private:
  absl::Mutex mu_;
  std::vector<std::weak_ptr<EventSubscription>> subscribers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::server
