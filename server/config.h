// memgate's command line: memcached's own flags where they make sense (-p -l
// -t -m -I -c -U -u -v), plus the gateway's (--listen, --listen-fd,
// --backend, --no-extra, --grpc-*, --admin...).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace memgate::server {

// A listener as the config file describes it (ids and limits have no flag).
struct ListenerConfig {
  std::string id;  // empty: generated
  std::string address;
  uint32_t max_clients = 0;                            // 0: only -c applies
  absl::Duration idle_timeout = absl::ZeroDuration();  // zero: never

  bool operator==(const ListenerConfig&) const = default;
};

struct Config {
  std::vector<std::string> listen;      // --listen, and -l/-p combined
  std::vector<int> listen_fds;          // --listen-fd
  int threads = 0;                      // -t; 0: one per core
  uint64_t memory_limit_mb = 64;        // -m
  std::size_t max_item_size = 1 << 20;  // -I
  uint64_t max_connections = 1024;      // -c
  std::string backend = "memory";       // --backend
  bool no_extra = false;                // --no-extra
  // --backend redis: the --redis-* flags as given; the backend factory
  // parses and checks them.
  std::string redis_url = "redis://127.0.0.1:6379";  // --redis-url
  std::string redis_prefix;                          // --redis-prefix
  int redis_connections = 1;                         // --redis-connections (per event loop)
  std::string redis_timeout = "1s";                  // --redis-timeout
  std::string redis_cluster_refresh = "5s";          // --redis-cluster-refresh
  std::string redis_mode = "memcached";              // --redis-mode
  std::string redis_flush;                           // --redis-flush; empty: the mode's default
  std::string redis_tls_ca;                          // --redis-tls-ca
  std::string redis_tls_cert;                        // --redis-tls-cert
  std::string redis_tls_key;                         // --redis-tls-key
  bool redis_tls_insecure = false;                   // --redis-tls-insecure
  // --backend grpc: the service's gRPC target, per-call deadline, CA file
  // (set: TLS) and "name: value" headers, checked by the backend factory.
  std::string grpc_target;                         // --grpc-target
  absl::Duration grpc_timeout = absl::Seconds(1);  // --grpc-timeout
  std::string grpc_tls_ca;                         // --grpc-tls-ca
  std::vector<std::string> grpc_headers;           // --grpc-header, repeatable
  std::string admin = "127.0.0.1:50051";           // --admin; "none" disables
  std::string admin_token_file;                    // --admin-token-file
  bool admin_insecure = false;                     // --admin-insecure
  std::string admin_tls_cert;                      // --admin-tls-cert
  std::string admin_tls_key;                       // --admin-tls-key
  int verbosity = 0;                               // -v, -vv
  bool help = false;                               // -h, --help
  bool version = false;                            // -V, --version
  std::vector<std::string> args;                   // the command line as given, for reporting
  bool admin_explicit = false;  // --admin was given (a bind failure is then fatal)

  // memcached drop-in flags: the rest of memcached 1.6's command line, so an
  // init script written for memcached starts memgate unchanged.
  bool enable_shutdown = false;          // -A: the `shutdown` command
  bool flush_enabled = true;             // -F clears it
  bool cas_enabled = true;               // -C clears it
  bool evictions_enabled = true;         // -M clears it
  int reqs_per_event = 0;                // -R; 0: no limit
  int listen_backlog = 0;                // -b; 0: the OS maximum
  std::string unix_socket;               // -s: replaces the TCP listeners
  uint32_t unix_mask = 0700;             // -a, octal
  std::string pid_file;                  // -P
  bool daemonize = false;                // -d
  bool lock_memory = false;              // -k
  bool enable_coredumps = false;         // -r
  bool license = false;                  // -i
  std::chrono::seconds idle_timeout{0};  // -o idle_timeout=N
  // One line per flag or -o option accepted only for compatibility; main
  // logs each as a warning.
  std::vector<std::string> warnings;

  // Operations: the config file (server/config_file.h), metrics, logs and
  // shutdown.
  std::string config_file;                              // --config FILE, --check-config FILE
  bool check_config = false;                            // --check-config: validate, print, exit
  bool listeners_from_flags = false;                    // -p, -l, --listen or --listen-fd given
  std::vector<ListenerConfig> listeners;                // the config file's listeners
  std::string metrics;                                  // --metrics ADDR; empty: off
  std::string log_level;                                // --log-level; empty: from -v
  std::string log_format = "text";                      // --log-format text|json
  std::string access_log;                               // --access-log FILE; empty: none
  absl::Duration shutdown_timeout = absl::Seconds(10);  // --shutdown-timeout
};

// The largest -m, in MiB (4 TiB).
inline constexpr uint64_t kMaxMemoryLimitMb = uint64_t{1} << 22;

// memcached's exit code for a bad command line (EX_USAGE), used where memgate
// mirrors one of memcached's own start-up refusals (the -I limits).
inline constexpr int kMemcachedUsageExit = 64;
// The exit code for a failed ParseCommandLine: kMemcachedUsageExit for the
// refusals memcached makes itself, 2 for every other error.
int ExitCodeFor(const absl::Status& status);

// INVALID_ARGUMENT with a message naming the bad flag.
absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv);
// The same over `base` (the config file's settings): a flag given replaces
// the base's value; listener flags replace the base's listeners.
absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv, Config base);

std::string Usage();

}  // namespace memgate::server
