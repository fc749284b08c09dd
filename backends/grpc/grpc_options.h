// How memgate reaches a BackendService (proto/memgate/backend/v1): the
// settings behind --grpc-target, --grpc-timeout, --grpc-tls-ca and
// --grpc-header, and their parsing from the values as given.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/item_limits.h"

namespace memgate::backends {

struct GrpcHeader {
  std::string name;  // lower case, as gRPC requires
  std::string value;
};

struct GrpcBackendOptions {
  // Any gRPC target: "host:port", "unix:/path", "dns:///name:port".
  std::string target;
  // Deadline of each call.
  absl::Duration timeout = absl::Seconds(1);
  // PEM file of the CA that signs the service's certificate; empty means a
  // plaintext channel.
  std::string tls_ca_file;
  // Sent on every call.
  std::vector<GrpcHeader> headers;
  // Largest value (-I): the channel's message limits leave room for it.
  std::size_t max_item_size = kDefaultMaxItemSize;
  // How long the start-up probe waits for the service to come up.
  absl::Duration probe_timeout = absl::Seconds(10);
};

// Parses --grpc-header's "name: value". INVALID_ARGUMENT when there is no
// colon, the name is empty or not a valid header name, or it is a name gRPC
// reserves (":path", "grpc-*", "content-type", "te", ...).
absl::StatusOr<GrpcHeader> ParseGrpcHeader(std::string_view flag);

// The --grpc-* settings as given, before they are parsed.
struct GrpcSettings {
  std::string target;
  absl::Duration timeout = absl::Seconds(1);
  std::string tls_ca_file;
  std::vector<std::string> headers;  // "name: value"
  std::size_t max_item_size = kDefaultMaxItemSize;
};

// ParseGrpcHeader's error for the first bad header.
absl::StatusOr<GrpcBackendOptions> ParseGrpcOptions(const GrpcSettings& settings);

}  // namespace memgate::backends
