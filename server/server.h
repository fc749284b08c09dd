// memgate's embedding API: a memcached-protocol server over any Backend, with
// the seed's open / close / close_all / serve. main.cc is one user of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "backends/backend.h"
#include "server/client_registry.h"
#include "server/dispatcher.h"
#include "server/events.h"
#include "server/io_pool.h"
#include "server/listener_manager.h"
#include "server/server_stats.h"

namespace memgate::server {

struct ServerOptions {
  int threads = 0;                  // event loops; 0: one per core
  uint64_t max_connections = 1024;  // -c: more are answered with an error and closed
  std::size_t max_item_size = kDefaultMaxItemSize;  // -I
  // memcached drop-in behaviour.
  bool flush_enabled = true;  // -F clears it: flush_all is refused
  bool cas_enabled = true;    // -C clears it; reported by `stats settings`
  int reqs_per_event = 0;     // -R: commands per client before yielding; 0: no limit
  // -A: what the shutdown command calls (graceful: "shutdown graceful").
  // Empty: the command answers "SERVER_ERROR: shutdown not enabled".
  std::function<void(bool graceful)> on_shutdown;
};

class Server {
 public:
  // `backend` must outlive the server.
  Server(backends::Backend& backend, ServerOptions options);
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts the event loops. Listeners opened before Start accept once it runs.
  void Start();
  // Closes every listener and client, then stops the event loops.
  void Stop();
  // Graceful shutdown's first half: stops accepting and lets every client
  // receive the replies to what it has sent, closing each (kShutdown) once
  // it has. Returns when none is left, or false at `timeout`; Stop() then
  // closes the rest.
  bool Drain(absl::Duration timeout);

  // The seed's open(host, port): listen on one more address.
  absl::StatusOr<ListenerInfo> Open(std::string_view address);
  absl::StatusOr<ListenerInfo> Open(ListenerOptions options);
  // The seed's close(host, port): stop listening on an address.
  absl::Status Close(std::string_view address);
  // The seed's close_all: stop listening everywhere (clients stay connected).
  void CloseAll();
  // The seed's serve($fh): serve a socket accepted elsewhere. The server owns
  // the descriptor from now on.
  absl::Status Serve(int fd);

  ListenerManager& listeners() { return listeners_; }
  ClientRegistry& clients() { return registry_; }
  EventBus& events() { return events_; }
  ServerStats& stats() { return stats_; }
  backends::Backend& backend() { return backend_; }
  // The event loops, for a backend that runs its I/O on them (Redis).
  IoPool& io_pool() { return pool_; }
  const ServerOptions& options() const { return options_; }
  int64_t start_time() const { return start_time_; }

 private:
  void AppendConnStats(std::string& out, uint64_t requester) const;
  // False when a connection limit refused the client.
  bool Accept(ListenerManager::Socket socket, int loop_index, const ListenerInfo& listener);
  void StartConnection(ListenerManager::Socket socket, int loop_index, std::string listener_id,
                       ConnectionOptions options);

  backends::Backend& backend_;
  const ServerOptions options_;
  const int64_t start_time_;
  ServerStats stats_;
  EventBus events_;
  IoPool pool_;
  ClientRegistry registry_;
  Dispatcher dispatcher_;
  ListenerManager listeners_;
  bool stopped_ = false;
};

}  // namespace memgate::server
