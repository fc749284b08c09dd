// Where the Redis backend connects: redis://, rediss:// (TLS) and unix://
// URLs parsed into an endpoint with its credentials and database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace memgate::backends::redis {

struct RedisEndpoint {
  enum class Kind : uint8_t { kTcp, kTls, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;  // kTcp, kTls; an IPv6 address without brackets
  uint16_t port = 6379;
  std::string path;  // kUnix
  std::string user;  // empty: the default user (AUTH with the password only)
  std::string password;
  bool has_password = false;  // "redis://:@host" sends AUTH with an empty password
  int db = 0;

  // "host:port" or "unix:/path", for logs and errors; never the password.
  std::string Describe() const;
};

// redis://[[user]:password@]host[:port][/db], rediss://... with the same
// shape, unix:///path[?db=N]. User and password may be percent-encoded.
absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace memgate::backends::redis
