// memgate's command line: memcached's own flags where they make sense (-p -l
// -t -m -I -c -U -u -v), plus the gateway's (--listen, --listen-fd,
// --backend, --no-extra, --admin...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace memgate::server {

struct Config {
  std::vector<std::string> listen;   // --listen, and -l/-p combined
  std::vector<int> listen_fds;       // --listen-fd
  int threads = 0;                   // -t; 0: one per core
  uint64_t memory_limit_mb = 64;     // -m
  std::size_t max_item_size = 1 << 20;  // -I
  uint64_t max_connections = 1024;   // -c
  std::string backend = "memory";    // --backend
  bool no_extra = false;             // --no-extra
  // --backend redis: the --redis-* flags as given; the backend factory
  // parses and checks them.
  std::string redis_url = "redis://127.0.0.1:6379";  // --redis-url
  std::string redis_prefix;          // --redis-prefix
  int redis_connections = 1;         // --redis-connections (per event loop)
  std::string redis_timeout = "1s";  // --redis-timeout
  std::string redis_cluster_refresh = "5s";  // --redis-cluster-refresh
  std::string redis_mode = "memcached";  // --redis-mode
  std::string redis_flush;           // --redis-flush; empty: the mode's default
  std::string redis_tls_ca;          // --redis-tls-ca
  std::string redis_tls_cert;        // --redis-tls-cert
  std::string redis_tls_key;         // --redis-tls-key
  bool redis_tls_insecure = false;   // --redis-tls-insecure
  std::string admin = "127.0.0.1:50051";  // --admin; "none" disables
  std::string admin_token_file;      // --admin-token-file
  bool admin_insecure = false;       // --admin-insecure
  std::string admin_tls_cert;        // --admin-tls-cert
  std::string admin_tls_key;         // --admin-tls-key
  int verbosity = 0;                 // -v, -vv
  bool help = false;                 // -h, --help
  bool version = false;              // -V, --version
  std::vector<std::string> args;     // the command line as given, for reporting
};

// INVALID_ARGUMENT with a message naming the bad flag.
absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv);

std::string Usage();

}  // namespace memgate::server
