// Server: wires the event loops, listeners, client registry and dispatcher
// together, and applies connection limits at accept time.
#include "server/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "server/address.h"
#include "server/protocol/reply.h"

namespace memgate::server {
namespace asio = boost::asio;

namespace {

constexpr std::string_view kTooManyConnections = "ERROR Too many open connections\r\n";

ServerOptions Normalized(ServerOptions options) {
  if (options.threads <= 0) {
    options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  return options;
}

std::string PeerName(const ListenerManager::Socket& socket) {
  boost::system::error_code error;
  Endpoint peer = socket.remote_endpoint(error);
  if (error) return "unknown";
  // A unix-domain client has no name of its own; show the socket path.
  if (IsUnixEndpoint(peer)) {
    Endpoint local = socket.local_endpoint(error);
    return error ? "unix:" : FormatEndpoint(local);
  }
  return FormatEndpoint(peer);
}

}  // namespace

Server::Server(backends::Backend& backend, ServerOptions options)
    : backend_(backend),
      options_(Normalized(options)),
      start_time_(std::time(nullptr)),
      stats_(options_.threads),
      pool_(options_.threads),
      registry_(stats_, events_),
      dispatcher_(backend_, stats_,
                  ServerFacts{.threads = options_.threads,
                              .max_connections = options_.max_connections,
                              .start_time = start_time_,
                              .item_size_max = options_.max_item_size,
                              .append_conns =
                                  [this](std::string& out, uint64_t requester) {
                                    AppendConnStats(out, requester);
                                  },
                              .flush_enabled = options_.flush_enabled,
                              .cas_enabled = options_.cas_enabled,
                              .request_shutdown = options_.on_shutdown}),
      listeners_(
          pool_, registry_, events_,
          [this](ListenerManager::Socket socket, int loop_index, const ListenerInfo& listener) {
            return Accept(std::move(socket), loop_index, listener);
          }) {}

Server::~Server() { Stop(); }

// memcached's `stats conns`, one group per client, keyed by client id
// (memcached uses the fd): peer, listener, state, idle seconds.
void Server::AppendConnStats(std::string& out, uint64_t requester) const {
  const auto now = std::chrono::system_clock::now();
  for (const ClientSnapshot& c : registry_.List()) {
    const std::string prefix = std::to_string(c.client.id) + ":";
    const std::string& peer = c.client.peer;
    protocol::reply::AppendStat(out, prefix + "addr",
                                peer.starts_with("unix:") ? peer : "tcp:" + peer);
    protocol::reply::AppendStat(out, prefix + "listen_addr", c.client.listener);
    protocol::reply::AppendStat(out, prefix + "state",
                                c.client.id == requester ? "conn_parse_cmd" : "conn_waiting");
    const auto idle =
        std::chrono::duration_cast<std::chrono::seconds>(now - c.last_activity).count();
    protocol::reply::AppendStat(out, prefix + "secs_since_last_cmd",
                                static_cast<uint64_t>(idle < 0 ? 0 : idle));
  }
}

void Server::Start() { pool_.Start(); }

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  listeners_.CloseAll(CloseMode::kCloseNow);
  registry_.DisconnectAll({}, DisconnectReason::kShutdown);
  pool_.Stop();
}

bool Server::Drain(absl::Duration timeout) {
  if (stopped_) return true;
  listeners_.CloseAll(CloseMode::kStopAccepting);
  // Asked again each round: a client accepted just before its listener
  // closed may register after the first round.
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    registry_.DrainAll();
    const absl::Duration left = deadline - absl::Now();
    if (registry_.AwaitEmpty(std::min(left, absl::Milliseconds(100)))) return true;
    if (left <= absl::Milliseconds(100)) return false;
  }
}

absl::StatusOr<ListenerInfo> Server::Open(std::string_view address) {
  return Open(ListenerOptions{.address = std::string(address)});
}

absl::StatusOr<ListenerInfo> Server::Open(ListenerOptions options) {
  return listeners_.Open(std::move(options));
}

absl::Status Server::Close(std::string_view address) { return listeners_.CloseAddress(address); }

void Server::CloseAll() { listeners_.CloseAll(CloseMode::kStopAccepting); }

absl::Status Server::Serve(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("fd ", fd, ": ", std::strerror(errno)));
  }
  const int loop_index = pool_.NextIndex();
  ListenerManager::Socket socket(pool_.loop(loop_index));
  const int family = addr.ss_family;
  boost::system::error_code error;
  socket.assign(asio::generic::stream_protocol(family, family == AF_UNIX ? 0 : IPPROTO_TCP), fd,
                error);
  if (error) return absl::InvalidArgumentError(absl::StrCat("fd ", fd, ": ", error.message()));
  StartConnection(std::move(socket), loop_index, "", ConnectionOptions{});
  return absl::OkStatus();
}

bool Server::Accept(ListenerManager::Socket socket, int loop_index, const ListenerInfo& listener) {
  const bool over_server_limit = registry_.Count() >= options_.max_connections;
  const bool over_listener_limit =
      listener.options.max_clients > 0 &&
      registry_.CountForListener(listener.options.id) >= listener.options.max_clients;
  if (over_server_limit || over_listener_limit) {
    stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(kTooManyConnections), ignored);
    socket.close(ignored);
    return false;
  }
  StartConnection(std::move(socket), loop_index, listener.options.id,
                  ConnectionOptions{.idle_timeout = listener.options.idle_timeout});
  return true;
}

void Server::StartConnection(ListenerManager::Socket socket, int loop_index,
                             std::string listener_id, ConnectionOptions options) {
  options.max_item_size = options_.max_item_size;
  options.flush_enabled = options_.flush_enabled;
  options.reqs_per_event = options_.reqs_per_event;
  boost::system::error_code ignored;
  if (!IsUnixEndpoint(socket.local_endpoint(ignored))) {
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  backends::ClientContext client{.id = registry_.NextId(),
                                 .peer = PeerName(socket),
                                 .listener = std::move(listener_id),
                                 .loop = loop_index};
  auto connection =
      std::make_shared<Connection>(std::move(socket), pool_.loop(loop_index), loop_index,
                                   dispatcher_, stats_, registry_, std::move(client), options);
  asio::post(pool_.loop(loop_index), [connection] { connection->Start(); });
}

}  // namespace memgate::server
