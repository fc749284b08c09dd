// The admin server's flags, checked and loaded (token and TLS files) before
// memgate opens any memcached listener, so a memgate that is about to exit
// for a bad admin flag never serves a client.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "admin/backend_state.h"

namespace memgate::admin {

struct AdminServerOptions {
  // "host:port", "[v6]:port" or "unix:/path"; port 0 picks a free port.
  std::string address = "127.0.0.1:50051";
  // File holding the bearer token clients must send. Empty: no token.
  std::string token_file;
  // Allow a non-loopback address without a token.
  bool insecure = false;
  // PEM certificate chain and private key; both or neither. Set: TLS.
  std::string tls_cert_file;
  std::string tls_key_file;
  // The command line, for GetServerInfo.
  std::vector<std::string> args;
};

// What AdminServer::Start serves with: the options, checked, with the files
// read.
struct AdminSettings {
  std::string address = "127.0.0.1:50051";
  // Required as "authorization: Bearer <token>". Empty: no token.
  std::string token;
  // PEM certificate chain and private key. Both empty: plaintext.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::vector<std::string> args;
  // The backend's state for GetServerInfo; not set by LoadAdminSettings
  // (the backend does not exist yet), filled in before AdminServer::Start.
  BackendStateSource backend_state;
  // For the operator, at start-up: settings that work but expose the API.
  std::vector<std::string> warnings;
};

// True for 127.0.0.0/8, ::1, localhost and unix: addresses.
bool IsLoopbackAddress(std::string_view address);

// INVALID_ARGUMENT for a malformed address, an unreadable or empty token
// file, a TLS certificate without its key (or the reverse), an unreadable
// TLS file, or a non-loopback address with neither a token nor `insecure`.
absl::StatusOr<AdminSettings> LoadAdminSettings(AdminServerOptions options);

}  // namespace memgate::admin
