// ClientRegistry: a map of weak references, so the registry never keeps a
// closed connection alive.
#include "server/client_registry.h"

#include <algorithm>

#include "common/absl_compat.h"

namespace memgate::server {

void ClientRegistry::Add(const std::shared_ptr<Connection>& connection) {
  const backends::ClientContext& client = connection->client();
  {
    absl::MutexLock lock(&mu_);
    clients_[client.id] = connection;
    ++per_listener_[client.listener];
  }
  stats_.curr_connections.fetch_add(1, std::memory_order_relaxed);
  stats_.total_connections.fetch_add(1, std::memory_order_relaxed);
  events_.Publish(Event{.type = Event::Type::kClientConnected,
                        .client_id = client.id,
                        .peer = client.peer,
                        .listener_id = client.listener});
}

void ClientRegistry::Remove(const backends::ClientContext& client, DisconnectReason reason) {
  // The closing connection is still alive: its totals go with the event.
  std::shared_ptr<Connection> connection;
  {
    absl::MutexLock lock(&mu_);
    auto it = clients_.find(client.id);
    if (it == clients_.end()) return;
    connection = it->second.lock();
    clients_.erase(it);
  }
  stats_.curr_connections.fetch_sub(1, std::memory_order_relaxed);
  if (reason == DisconnectReason::kIdle) stats_.idle_kicks.fetch_add(1, std::memory_order_relaxed);
  Event event{.type = Event::Type::kClientDisconnected,
              .client_id = client.id,
              .peer = client.peer,
              .listener_id = client.listener,
              .reason = reason};
  if (connection) {
    const ClientSnapshot snapshot = connection->Snapshot();
    event.connected_at = snapshot.connected_at;
    event.commands = snapshot.commands;
    event.bytes_in = snapshot.bytes_in;
    event.bytes_out = snapshot.bytes_out;
  }
  events_.Publish(std::move(event));
  // Only now: a listener that closes when its count reaches 0 must publish
  // its kListenerClosed after this event.
  absl::MutexLock lock(&mu_);
  auto it = per_listener_.find(client.listener);
  if (it != per_listener_.end() && --it->second == 0) per_listener_.erase(it);
}

std::vector<std::shared_ptr<Connection>> ClientRegistry::Matching(
    std::string_view listener_id) const {
  std::vector<std::shared_ptr<Connection>> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, weak] : clients_) {
    auto connection = weak.lock();
    if (!connection) continue;
    if (!listener_id.empty() && connection->client().listener != listener_id) continue;
    out.push_back(std::move(connection));
  }
  return out;
}

std::vector<ClientSnapshot> ClientRegistry::List(std::string_view listener_id) const {
  std::vector<ClientSnapshot> out;
  for (const auto& connection : Matching(listener_id)) out.push_back(connection->Snapshot());
  std::sort(out.begin(), out.end(), [](const ClientSnapshot& a, const ClientSnapshot& b) {
    return a.client.id < b.client.id;
  });
  return out;
}

std::optional<ClientSnapshot> ClientRegistry::Get(uint64_t id) const {
  std::shared_ptr<Connection> connection;
  {
    absl::MutexLock lock(&mu_);
    auto it = clients_.find(id);
    if (it == clients_.end()) return std::nullopt;
    connection = it->second.lock();
  }
  if (!connection) return std::nullopt;
  return connection->Snapshot();
}

bool ClientRegistry::Disconnect(uint64_t id, DisconnectReason reason) {
  std::shared_ptr<Connection> connection;
  {
    absl::MutexLock lock(&mu_);
    auto it = clients_.find(id);
    if (it == clients_.end()) return false;
    connection = it->second.lock();
  }
  if (!connection) return false;
  connection->Disconnect(reason);
  return true;
}

std::size_t ClientRegistry::DisconnectAll(std::string_view listener_id, DisconnectReason reason) {
  auto connections = Matching(listener_id);
  for (const auto& connection : connections) connection->Disconnect(reason);
  return connections.size();
}

std::size_t ClientRegistry::DrainAll() {
  auto connections = Matching({});
  for (const auto& connection : connections) connection->Drain();
  return connections.size();
}

bool ClientRegistry::AwaitEmpty(absl::Duration timeout) const {
  auto empty = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return per_listener_.empty(); };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&empty), timeout);
}

std::size_t ClientRegistry::Count() const {
  absl::MutexLock lock(&mu_);
  return clients_.size();
}

bool ClientRegistry::AwaitNoClients(std::string_view listener_id, absl::Duration timeout) const {
  const std::string id(listener_id);
  auto gone = [this, &id]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !per_listener_.contains(id); };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&gone), timeout);
}

std::size_t ClientRegistry::CountForListener(std::string_view listener_id) const {
  absl::MutexLock lock(&mu_);
  auto it = per_listener_.find(ToAbsl(listener_id));
  return it == per_listener_.end() ? 0 : it->second;
}

}  // namespace memgate::server
