// memgate's settings as the command line and the config file give them: one
// field per setting of the table in app/config/setting_table.h, which says
// how each one is read, printed and reloaded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace memgate::app {

// A listener as the config file describes it (ids and limits have no flag).
struct ListenerConfig {
  std::string id;  // empty: generated
  std::string address;
  uint32_t max_clients = 0;                            // 0: only -c applies
  absl::Duration idle_timeout = absl::ZeroDuration();  // zero: never

  bool operator==(const ListenerConfig&) const = default;
};

struct Config {
  // Listeners.
  std::vector<std::string> listen;            // --listen, and -l/-p combined
  std::optional<uint32_t> port;               // -p as given, until combined into `listen`
  std::vector<std::string> listen_addresses;  // -l as given, likewise
  std::vector<int> listen_fds;                // --listen-fd
  std::vector<ListenerConfig> listeners;      // the config file's listeners
  bool listeners_from_flags = false;          // -p, -l, --listen or --listen-fd given
  uint64_t max_connections = 1024;            // -c
  int listen_backlog = 0;                     // -b; 0: the OS maximum
  std::string unix_socket;                    // -s: replaces the TCP listeners
  uint32_t unix_mask = 0700;                  // -a, octal
  std::chrono::seconds idle_timeout{0};       // -o idle_timeout=N

  // Engine.
  int threads = 0;                      // -t; 0: one per core
  uint64_t memory_limit_mb = 64;        // -m
  std::size_t max_item_size = 1 << 20;  // -I
  bool evictions_enabled = true;        // -M clears it
  int reqs_per_event = 0;               // -R; 0: no limit
  bool flush_enabled = true;            // -F clears it
  bool cas_enabled = true;              // -C clears it
  bool enable_shutdown = false;         // -A: the `shutdown` command
  bool lock_memory = false;             // -k
  std::string backend = "memory";       // --backend
  bool no_extra = false;                // --no-extra

  // --backend redis: the values as given; backends/redis/redis_options.h
  // parses and checks them.
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string redis_prefix;
  int redis_connections = 1;  // per event loop
  std::string redis_timeout = "1s";
  std::string redis_cluster_refresh = "5s";
  std::string redis_mode = "memcached";
  std::string redis_flush;  // empty: the mode's default
  std::string redis_tls_ca;
  std::string redis_tls_cert;
  std::string redis_tls_key;
  bool redis_tls_insecure = false;

  // --backend grpc: checked by backends/grpc/grpc_options.h.
  std::string grpc_target;
  absl::Duration grpc_timeout = absl::Seconds(1);
  std::string grpc_tls_ca;
  std::vector<std::string> grpc_headers;  // "name: value"

  // The admin service.
  std::string admin = "127.0.0.1:50051";  // "none" disables
  bool admin_explicit = false;            // --admin was given (a bind failure is then fatal)
  std::string admin_token_file;
  bool admin_insecure = false;
  std::string admin_tls_cert;
  std::string admin_tls_key;

  // Process.
  bool daemonize = false;         // -d
  std::string pid_file;           // -P
  bool enable_coredumps = false;  // -r
  int verbosity = 0;              // -v, -vv

  // Operations.
  std::string config_file;          // --config FILE, --check-config FILE
  bool check_config = false;        // --check-config: validate, print, exit
  std::string metrics;              // --metrics ADDR; empty: off
  std::string log_level;            // --log-level; empty: from -v
  std::string log_format = "text";  // --log-format text|json
  std::string access_log;           // --access-log FILE; empty: none
  absl::Duration shutdown_timeout = absl::Seconds(10);

  // Asked for on the command line: print and exit.
  bool help = false;             // -h, --help
  bool version = false;          // -V, --version
  bool license = false;          // -i, --license
  bool print_reference = false;  // --print-config-reference

  std::vector<std::string> args;  // the command line as given, for reporting and reloads
  // One line per flag or -o option accepted only for compatibility; the App
  // logs each as a warning.
  std::vector<std::string> warnings;
};

// The largest -m, in MiB (4 TiB).
inline constexpr uint64_t kMaxMemoryLimitMb = uint64_t{1} << 22;

// memcached's exit code for a bad command line (EX_USAGE), used where memgate
// mirrors one of memcached's own start-up refusals (the -I limits).
inline constexpr int kMemcachedUsageExit = 64;

// memcached's own -I checks over -I and -m, in its order, with its words;
// OUT_OF_RANGE, which ExitCodeFor maps to kMemcachedUsageExit.
absl::Status CheckItemSize(const Config& config);

// The exit code for a configuration that does not load: kMemcachedUsageExit
// for the refusals memcached makes itself, 2 for every other error.
int ExitCodeFor(const absl::Status& status);

// The log level the configuration asks for: --log-level, else from -v/-vv
// (info, debug, trace).
std::string EffectiveLogLevel(const Config& config);

}  // namespace memgate::app
