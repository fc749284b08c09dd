// ListenerManager: one accept loop per listener, on an event loop of the pool;
// accepted sockets go round-robin to all loops.
#include "server/listener_manager.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/functional/any_invocable.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "boost/asio/local/stream_protocol.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "common/absl_compat.h"
#include "server/address.h"

namespace memgate::server {
namespace asio = boost::asio;
using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

class ListenerManager::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(IoPool& pool, int loop_index, ListenerOptions options, const AcceptFn& on_accept)
      : pool_(pool),
        loop_(pool.loop(loop_index)),
        acceptor_(loop_),
        retry_timer_(loop_),
        drain_timer_(loop_),
        on_accept_(on_accept),
        options_(std::move(options)),
        max_clients_(options_.max_clients),
        idle_timeout_ms_(options_.idle_timeout.count()),
        created_at_(std::chrono::system_clock::now()) {}

  // The limits may change while the listener runs (config reload).
  void SetLimits(uint32_t max_clients, std::chrono::milliseconds idle_timeout) {
    max_clients_.store(max_clients, std::memory_order_relaxed);
    idle_timeout_ms_.store(idle_timeout.count(), std::memory_order_relaxed);
  }

  Acceptor& acceptor() { return acceptor_; }
  asio::io_context& loop() { return loop_; }
  const ListenerOptions& options() const { return options_; }
  void set_id(std::string id) { options_.id = std::move(id); }
  std::string bound_address;
  Endpoint bound_endpoint;
  std::chrono::system_clock::time_point created_at() const { return created_at_; }
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<bool> draining{false};
  std::atomic<int64_t> drain_deadline_ns{0};  // 0: none
  asio::steady_timer& drain_timer() { return drain_timer_; }

  // Starts accepting; runs on the listener's loop.
  void Start() {
    asio::post(loop_, [self = shared_from_this()] { self->Accept(); });
  }

  // Stops accepting and releases the address; runs on the listener's loop.
  // `closed`, when set, runs on the loop once the socket is closed.
  // Stops accepting and releases the address. Returns once the socket is
  // closed, so no client gets in afterwards and the address can be reused.
  void StopAccepting() {
    auto close = [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->retry_timer_.cancel();
      if (!self->acceptor_.is_open()) return;
      self->acceptor_.close(ignored);
      if (IsUnixEndpoint(self->bound_endpoint)) {
        ::unlink(FormatEndpoint(self->bound_endpoint).substr(5).c_str());
      }
    };
    // The acceptor belongs to its loop; with no loop running nothing else
    // touches it.
    if (!pool_.running() || loop_.get_executor().running_in_this_thread()) {
      close();
      return;
    }
    auto closed = std::make_shared<absl::Notification>();
    asio::post(loop_, [close, closed] {
      close();
      closed->Notify();
    });
    closed->WaitForNotificationWithTimeout(absl::Seconds(2));
  }

  ListenerInfo Info() const {
    ListenerInfo info;
    info.options = options_;
    info.options.max_clients = max_clients_.load(std::memory_order_relaxed);
    info.options.idle_timeout =
        std::chrono::milliseconds(idle_timeout_ms_.load(std::memory_order_relaxed));
    info.bound_address = bound_address;
    info.state = draining ? ListenerState::kDraining : ListenerState::kAccepting;
    info.created_at = created_at_;
    info.accepted = accepted.load(std::memory_order_relaxed);
    info.rejected = rejected.load(std::memory_order_relaxed);
    if (const int64_t deadline = drain_deadline_ns.load(); deadline != 0) {
      info.drain_deadline = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::nanoseconds(deadline)));
    }
    return info;
  }

 private:
  void Accept() {
    if (!acceptor_.is_open()) return;
    const int target = pool_.NextIndex();
    acceptor_.async_accept(pool_.loop(target),
                           [self = shared_from_this(), target](
                               const boost::system::error_code& error, Socket socket) mutable {
                             self->OnAccept(error, std::move(socket), target);
                           });
  }

  void OnAccept(const boost::system::error_code& error, Socket socket, int target) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (error) {
      // Out of descriptors or a transient network error: back off briefly
      // rather than spin.
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
        if (!e) self->Accept();
      });
      return;
    }
    if (on_accept_(std::move(socket), target, Info())) {
      accepted.fetch_add(1, std::memory_order_relaxed);
    } else {
      rejected.fetch_add(1, std::memory_order_relaxed);
    }
    Accept();
  }

  IoPool& pool_;
  asio::io_context& loop_;
  Acceptor acceptor_;
  asio::steady_timer retry_timer_;
  asio::steady_timer drain_timer_;
  const AcceptFn on_accept_;
  ListenerOptions options_;
  std::atomic<uint32_t> max_clients_;
  std::atomic<int64_t> idle_timeout_ms_;
  const std::chrono::system_clock::time_point created_at_;
};

namespace {

absl::Status OsError(std::string_view what, std::string_view address,
                     const boost::system::error_code& error) {
  return absl::UnavailableError(
      absl::StrCat(ToAbsl(what), " ", ToAbsl(address), ": ", error.message()));
}

// A unix socket path left behind by a dead process is removed; one that still
// accepts connections is in use.
absl::Status ClearStaleUnixSocket(const Endpoint& endpoint, std::string_view address) {
  std::string path = FormatEndpoint(endpoint).substr(5);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return absl::OkStatus();
  if (!S_ISSOCK(st.st_mode)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", ToAbsl(address), ": path exists and is not a socket"));
  }
  asio::io_context io;
  asio::local::stream_protocol::socket probe(io);
  boost::system::error_code error;
  probe.connect(asio::local::stream_protocol::endpoint(path), error);
  if (!error) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", ToAbsl(address), ": address already in use"));
  }
  ::unlink(path.c_str());
  return absl::OkStatus();
}

}  // namespace

ListenerManager::ListenerManager(IoPool& pool, ClientRegistry& registry, EventBus& events,
                                 AcceptFn on_accept)
    : pool_(pool), registry_(registry), events_(events), on_accept_(std::move(on_accept)) {}

ListenerManager::~ListenerManager() { CloseAll(CloseMode::kStopAccepting); }

absl::StatusOr<ListenerInfo> ListenerManager::Open(ListenerOptions options) {
  absl::StatusOr<Endpoint> endpoint = ResolveAddress(options.address);
  if (!endpoint.ok()) return endpoint.status();
  {
    absl::MutexLock lock(&mu_);
    if (!options.id.empty() && Find(options.id)) {
      return absl::AlreadyExistsError(absl::StrCat("listener \"", options.id, "\" exists"));
    }
    // A draining listener has released its address.
    for (const auto& l : listeners_) {
      if (!l->draining && l->bound_endpoint == *endpoint) {
        return absl::AlreadyExistsError(absl::StrCat("listener \"", l->options().id,
                                                     "\" already listens on ", options.address));
      }
    }
  }
  if (IsUnixEndpoint(*endpoint)) {
    if (absl::Status status = ClearStaleUnixSocket(*endpoint, options.address); !status.ok()) {
      return status;
    }
  }
  auto listener = std::make_shared<Listener>(pool_, pool_.NextIndex(), options, on_accept_);
  Acceptor& acceptor = listener->acceptor();
  boost::system::error_code error;
  acceptor.open(endpoint->protocol(), error);
  if (error) return OsError("cannot open socket for", options.address, error);
  if (!IsUnixEndpoint(*endpoint)) acceptor.set_option(Acceptor::reuse_address(true), error);
  acceptor.bind(*endpoint, error);
  if (error) return OsError("cannot bind", options.address, error);
  if (options.unix_mode != 0 && IsUnixEndpoint(*endpoint) &&
      chmod(options.address.substr(5).c_str(), options.unix_mode) != 0) {
    return OsError("cannot set the permissions of", options.address,
                   boost::system::error_code(errno, boost::system::system_category()));
  }
  acceptor.listen(options.backlog > 0 ? options.backlog : asio::socket_base::max_listen_connections,
                  error);
  if (error) return OsError("cannot listen on", options.address, error);
  listener->bound_endpoint = acceptor.local_endpoint(error);
  if (error) return OsError("cannot read the bound address of", options.address, error);
  listener->bound_address = FormatEndpoint(listener->bound_endpoint);
  return Register(std::move(listener));
}

absl::StatusOr<ListenerInfo> ListenerManager::Adopt(int fd, ListenerOptions options) {
  int accepting = 0;
  socklen_t len = sizeof(accepting);
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting) {
    return absl::InvalidArgumentError(absl::StrCat("fd ", fd, " is not a listening socket"));
  }
  sockaddr_storage addr{};
  socklen_t addr_len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("fd ", fd, ": ", std::strerror(errno)));
  }
  Endpoint endpoint(&addr, addr_len);
  if (options.address.empty()) options.address = FormatEndpoint(endpoint);
  auto listener = std::make_shared<Listener>(pool_, pool_.NextIndex(), options, on_accept_);
  boost::system::error_code error;
  listener->acceptor().assign(endpoint.protocol(), fd, error);
  if (error) return OsError("cannot adopt", options.address, error);
  listener->bound_endpoint = endpoint;
  listener->bound_address = FormatEndpoint(endpoint);
  return Register(std::move(listener));
}

absl::StatusOr<ListenerInfo> ListenerManager::Register(std::shared_ptr<Listener> listener) {
  {
    absl::MutexLock lock(&mu_);
    if (listener->options().id.empty()) {
      std::string id;
      do {
        id = absl::StrCat("l", next_id_++);
      } while (Find(id));
      listener->set_id(std::move(id));
    } else if (Find(listener->options().id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("listener \"", listener->options().id, "\" exists"));
    }
    listeners_.push_back(listener);
  }
  listener->Start();
  ListenerInfo info = Describe(*listener);
  events_.Publish(Event{.type = Event::Type::kListenerCreated,
                        .listener_id = info.options.id,
                        .address = info.bound_address});
  return info;
}

std::shared_ptr<ListenerManager::Listener> ListenerManager::Find(std::string_view id) const {
  for (const auto& l : listeners_) {
    if (l->options().id == id) return l;
  }
  return nullptr;
}

ListenerInfo ListenerManager::Describe(const Listener& listener) const {
  ListenerInfo info = listener.Info();
  info.clients = registry_.CountForListener(info.options.id);
  return info;
}

void ListenerManager::Finish(const std::shared_ptr<Listener>& listener) {
  {
    absl::MutexLock lock(&mu_);
    if (std::erase(listeners_, listener) == 0) return;
  }
  events_.Publish(Event{.type = Event::Type::kListenerClosed,
                        .listener_id = listener->options().id,
                        .address = listener->bound_address});
}

bool ListenerManager::Registered(const std::shared_ptr<Listener>& listener) const {
  absl::MutexLock lock(&mu_);
  return std::find(listeners_.begin(), listeners_.end(), listener) != listeners_.end();
}

// Runs on the listener's loop, checking every 100 ms at most: closes the
// listener once its last client has gone; at the deadline, closes the
// clients left first and waits for them to be gone.
void ListenerManager::WatchDrain(std::shared_ptr<Listener> listener,
                                 std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (!Registered(listener)) return;  // closed meanwhile (kCloseNow)
  const std::string& id = listener->options().id;
  auto now = std::chrono::steady_clock::now();
  if (deadline && now >= *deadline) {
    registry_.DisconnectAll(id, DisconnectReason::kShutdown);
    deadline.reset();
  }
  if (registry_.CountForListener(id) == 0) {
    Finish(listener);
    return;
  }
  auto wait = std::chrono::steady_clock::duration(std::chrono::milliseconds(100));
  if (deadline) wait = std::min(wait, *deadline - now);
  listener->drain_timer().expires_after(wait);
  listener->drain_timer().async_wait(
      [this, listener, deadline](const boost::system::error_code& error) {
        if (!error) WatchDrain(listener, deadline);
      });
}

absl::Status ListenerManager::Close(std::string_view id, CloseMode mode,
                                    std::chrono::milliseconds drain_timeout) {
  std::shared_ptr<Listener> listener;
  {
    absl::MutexLock lock(&mu_);
    listener = Find(id);
  }
  if (!listener) return absl::NotFoundError(absl::StrCat("no listener \"", ToAbsl(id), "\""));
  const bool was_draining = listener->draining.exchange(true);
  if (was_draining && mode != CloseMode::kCloseNow) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listener \"", ToAbsl(id), "\" is already draining (only closing now goes further)"));
  }
  listener->StopAccepting();
  if (mode == CloseMode::kCloseNow) {
    registry_.DisconnectAll(listener->options().id, DisconnectReason::kShutdown);
    // The loops close the sockets; waiting on one of them would stall it.
    bool on_a_loop = false;
    for (int i = 0; i < pool_.size(); ++i) {
      on_a_loop |= pool_.loop(i).get_executor().running_in_this_thread();
    }
    if (pool_.running() && !on_a_loop) {
      registry_.AwaitNoClients(listener->options().id, absl::Seconds(2));
    }
    Finish(listener);
    return absl::OkStatus();
  }
  if (registry_.CountForListener(listener->options().id) == 0) {
    Finish(listener);
    return absl::OkStatus();
  }
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (mode == CloseMode::kDrain) {
    deadline = std::chrono::steady_clock::now() + drain_timeout;
    listener->drain_deadline_ns.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            (std::chrono::system_clock::now() + drain_timeout).time_since_epoch())
            .count());
  }
  events_.Publish(Event{.type = Event::Type::kListenerDraining,
                        .listener_id = listener->options().id,
                        .address = listener->bound_address});
  asio::post(listener->loop(), [this, listener, deadline] { WatchDrain(listener, deadline); });
  return absl::OkStatus();
}

absl::Status ListenerManager::CloseAddress(std::string_view address) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& l : listeners_) {
      if (!l->draining && (l->options().address == address || l->bound_address == address)) {
        id = l->options().id;
        break;
      }
    }
  }
  if (id.empty()) return absl::NotFoundError(absl::StrCat("no listener on ", ToAbsl(address)));
  return Close(id, CloseMode::kStopAccepting);
}

void ListenerManager::CloseAll(CloseMode mode) {
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& l : listeners_) ids.push_back(l->options().id);
  }
  for (const auto& id : ids) Close(id, mode).IgnoreError();
}

absl::Status ListenerManager::UpdateLimits(std::string_view id, uint32_t max_clients,
                                           std::chrono::milliseconds idle_timeout) {
  std::shared_ptr<Listener> listener;
  {
    absl::MutexLock lock(&mu_);
    listener = Find(id);
  }
  if (!listener) return absl::NotFoundError(absl::StrCat("no listener \"", ToAbsl(id), "\""));
  listener->SetLimits(max_clients, idle_timeout);
  return absl::OkStatus();
}

std::vector<ListenerInfo> ListenerManager::List() const {
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    absl::MutexLock lock(&mu_);
    listeners = listeners_;
  }
  std::vector<ListenerInfo> out;
  for (const auto& l : listeners) out.push_back(Describe(*l));
  return out;
}

absl::StatusOr<ListenerInfo> ListenerManager::Get(std::string_view id) const {
  std::shared_ptr<Listener> listener;
  {
    absl::MutexLock lock(&mu_);
    listener = Find(id);
  }
  if (!listener) return absl::NotFoundError(absl::StrCat("no listener \"", ToAbsl(id), "\""));
  return Describe(*listener);
}

}  // namespace memgate::server
