// Every live client connection, for `stats`, the admin service (list, get,
// disconnect) and shutdown. Thread-safe; the data path touches it only on
// connect and disconnect.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/connection.h"
#include "server/events.h"
#include "server/server_stats.h"

namespace memgate::server {

class ClientRegistry {
 public:
  ClientRegistry(ServerStats& stats, EventBus& events) : stats_(stats), events_(events) {}

  // A fresh client id (ids are never reused).
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  void Add(const std::shared_ptr<Connection>& connection);
  // Called by the connection as it closes.
  void Remove(const backends::ClientContext& client, DisconnectReason reason);

  // All clients, or those of one listener when `listener_id` is not empty,
  // ordered by id.
  std::vector<ClientSnapshot> List(std::string_view listener_id = {}) const;
  std::optional<ClientSnapshot> Get(uint64_t id) const;
  // False when no such client.
  bool Disconnect(uint64_t id, DisconnectReason reason);
  // Disconnects every client of `listener_id` (all clients when empty).
  std::size_t DisconnectAll(std::string_view listener_id, DisconnectReason reason);
  // Starts a graceful close of every client (Connection::Drain).
  std::size_t DrainAll();
  // Waits up to `timeout` for no client to be left; false on timeout.
  bool AwaitEmpty(absl::Duration timeout) const;

  std::size_t Count() const;
  // Drops only after the client's kClientDisconnected event is published.
  std::size_t CountForListener(std::string_view listener_id) const;
  // Waits up to `timeout` for CountForListener(listener_id) to reach 0;
  // false on timeout.
  bool AwaitNoClients(std::string_view listener_id, absl::Duration timeout) const;

 private:
  std::vector<std::shared_ptr<Connection>> Matching(std::string_view listener_id) const;

  ServerStats& stats_;
  EventBus& events_;
  std::atomic<uint64_t> next_id_{1};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::weak_ptr<Connection>> clients_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::size_t> per_listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::server
