// Listening sockets, opened and closed at run time (the seed's open, close,
// close_all; the admin service's listener RPCs). Thread-safe: socket work is
// posted to each listener's event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/generic/stream_protocol.hpp"
#include "server/client_registry.h"
#include "server/connection.h"
#include "server/events.h"
#include "server/io_pool.h"

namespace memgate::server {

struct ListenerOptions {
  std::string id;            // empty: one is generated ("l1", "l2", ...)
  std::string address;       // host:port, [v6]:port or unix:/path; port 0 picks a free port
  uint32_t max_clients = 0;  // 0: only the server-wide limit applies
  std::chrono::milliseconds idle_timeout{0};  // 0: never
  int backlog = 0;                            // listen(2) backlog (memcached -b); 0: the OS maximum
  uint32_t unix_mode = 0;  // unix sockets: chmod to this (memcached -a); 0: as the umask left it
};

// A listener that stopped accepting stays (kDraining) until its last client
// has left, so no client names a listener that cannot be found.
enum class ListenerState : uint8_t { kAccepting, kDraining };

struct ListenerInfo {
  ListenerOptions options;
  std::string bound_address;  // with the real port when port 0 was asked for
  ListenerState state = ListenerState::kAccepting;
  std::chrono::system_clock::time_point created_at;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::size_t clients = 0;  // connected now
  // kDraining with a deadline (CloseMode::kDrain): when the clients left are closed.
  std::optional<std::chrono::system_clock::time_point> drain_deadline;
};

enum class CloseMode : uint8_t {
  kStopAccepting,  // no new clients; connected ones stay until they leave
  kDrain,          // no new clients; connected ones are closed at the deadline
  kCloseNow,       // no new clients; connected ones are closed now
};

class ListenerManager {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;
  // Takes over an accepted socket that belongs to pool loop `loop_index`.
  // False when it turned the client away (a connection limit): the listener
  // counts it as rejected, not accepted.
  using AcceptFn = std::function<bool(Socket socket, int loop_index, const ListenerInfo& listener)>;

  ListenerManager(IoPool& pool, ClientRegistry& registry, EventBus& events, AcceptFn on_accept);
  ~ListenerManager();

  // INVALID_ARGUMENT for a bad address, ALREADY_EXISTS for a taken id or an
  // address already open here, UNAVAILABLE when the OS refuses (with its error).
  absl::StatusOr<ListenerInfo> Open(ListenerOptions options);
  // Adopts a socket that is already listening (inherited, socket activation).
  absl::StatusOr<ListenerInfo> Adopt(int fd, ListenerOptions options);

  // NOT_FOUND when no listener has this id; FAILED_PRECONDITION when it is
  // already draining, unless `mode` is kCloseNow. Returns once the listening
  // socket is closed: no new client gets in afterwards. A listener without
  // clients is closed at once (kListenerClosed); one with clients drains
  // (kListenerDraining) and closes after the last one has left. kCloseNow
  // waits briefly for its clients to be gone, so their kClientDisconnected
  // events come before its kListenerClosed.
  absl::Status Close(std::string_view id, CloseMode mode,
                     std::chrono::milliseconds drain_timeout = std::chrono::seconds(30));
  // Stops the accepting listener opened for `address` (as given to Open, or
  // as bound); its clients stay.
  absl::Status CloseAddress(std::string_view address);
  void CloseAll(CloseMode mode);

  // Changes a listener's limits live (config reload): max_clients applies
  // from the next accept, idle_timeout to clients accepted from then on.
  // NOT_FOUND when no listener has this id.
  absl::Status UpdateLimits(std::string_view id, uint32_t max_clients,
                            std::chrono::milliseconds idle_timeout);

  std::vector<ListenerInfo> List() const;
  absl::StatusOr<ListenerInfo> Get(std::string_view id) const;

 private:
  class Listener;

  absl::StatusOr<ListenerInfo> Register(std::shared_ptr<Listener> listener);
  std::shared_ptr<Listener> Find(std::string_view id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Finish(const std::shared_ptr<Listener>& listener);
  void WatchDrain(std::shared_ptr<Listener> listener,
                  std::optional<std::chrono::steady_clock::time_point> deadline);
  bool Registered(const std::shared_ptr<Listener>& listener) const;
  ListenerInfo Describe(const Listener& listener) const;

  IoPool& pool_;
  ClientRegistry& registry_;
  EventBus& events_;
  AcceptFn on_accept_;
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<Listener>> listeners_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace memgate::server
