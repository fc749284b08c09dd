// Listener and peer addresses: "host:port", "[v6]:port", "unix:/path".
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "boost/asio/generic/stream_protocol.hpp"

namespace memgate::server {

using Endpoint = boost::asio::generic::stream_protocol::endpoint;

// Parses and resolves an address. Host names resolve to their first address;
// port 0 asks the OS for a free port. INVALID_ARGUMENT when malformed.
absl::StatusOr<Endpoint> ResolveAddress(std::string_view address);

// The canonical text form of an endpoint ("127.0.0.1:11211", "[::1]:11211",
// "unix:/tmp/m.sock").
std::string FormatEndpoint(const Endpoint& endpoint);

// True for an AF_UNIX endpoint.
bool IsUnixEndpoint(const Endpoint& endpoint);

}  // namespace memgate::server
