// Address parsing and formatting over Asio's generic endpoints, so TCP and
// unix-domain listeners share one code path.
#include "server/address.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/local/stream_protocol.hpp"
#include "common/absl_compat.h"

namespace memgate::server {
namespace asio = boost::asio;

namespace {

absl::Status Invalid(std::string_view address, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("bad address \"", ToAbsl(address),
                                                 "\": ", ToAbsl(why),
                                                 " (want host:port, [v6]:port or unix:/path)"));
}

}  // namespace

absl::StatusOr<Endpoint> ResolveAddress(std::string_view address) {
  if (address.starts_with("unix:")) {
    std::string_view path = address.substr(5);
    if (path.empty()) return Invalid(address, "empty socket path");
    if (path.size() >= sizeof(sockaddr_un::sun_path)) return Invalid(address, "path too long");
    return Endpoint(asio::local::stream_protocol::endpoint(std::string(path)));
  }
  std::string_view host;
  std::string_view port_text;
  if (address.starts_with("[")) {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return Invalid(address, "unterminated IPv6 literal");
    }
    host = address.substr(1, close - 1);
    port_text = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return Invalid(address, "missing port");
    host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Invalid(address, "IPv6 addresses go in brackets");
    }
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(ToAbsl(port_text), &port) || port > 65535)
    return Invalid(address, "bad port");
  if (host.empty()) return Invalid(address, "missing host");

  boost::system::error_code ec;
  asio::ip::address ip = asio::ip::make_address(std::string(host), ec);
  if (ec) {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto results = resolver.resolve(std::string(host), std::string(port_text), ec);
    if (ec || results.empty()) {
      return Invalid(address, absl::StrCat("cannot resolve host: ", ec.message()));
    }
    return Endpoint(results.begin()->endpoint());
  }
  return Endpoint(asio::ip::tcp::endpoint(ip, static_cast<uint16_t>(port)));
}

std::string FormatEndpoint(const Endpoint& endpoint) {
  const sockaddr* sa = static_cast<const sockaddr*>(endpoint.data());
  if (sa->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    size_t max = endpoint.size() - offsetof(sockaddr_un, sun_path);
    return absl::StrCat("unix:", std::string(un->sun_path, strnlen(un->sun_path, max)));
  }
  if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
    asio::ip::tcp::endpoint tcp;
    std::memcpy(tcp.data(), endpoint.data(), endpoint.size());
    if (tcp.address().is_v6())
      return absl::StrCat("[", tcp.address().to_string(), "]:", tcp.port());
    return absl::StrCat(tcp.address().to_string(), ":", tcp.port());
  }
  return "unknown";
}

bool IsUnixEndpoint(const Endpoint& endpoint) {
  return static_cast<const sockaddr*>(endpoint.data())->sa_family == AF_UNIX;
}

}  // namespace memgate::server
