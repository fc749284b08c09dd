// Command-line parsing. Hand-written because memcached's short flags (-p 11211,
// -vv) do not fit absl::flags.
#include "server/config.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/absl_compat.h"

namespace memgate::server {
namespace {

absl::Status Bad(std::string_view flag, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(flag), ": ", ToAbsl(why), " (see --help)"));
}

template <typename T>
absl::Status ParseNumber(std::string_view flag, std::string_view text, T min, T max, T& out) {
  T value{};
  if (!absl::SimpleAtoi(ToAbsl(text), &value) || value < min || value > max) {
    return Bad(flag,
               absl::StrCat("\"", ToAbsl(text), "\" is not a number from ", min, " to ", max));
  }
  out = value;
  return absl::OkStatus();
}

// memcached's -I syntax: bytes, or a number with a k or m suffix, read as
// memcached reads it (atoi: leading digits, anything else is 0), so a bad size
// meets the same "less than 1024 bytes" refusal as in memcached.
std::size_t ParseSize(std::string_view text) {
  uint64_t multiplier = 1;
  std::string_view digits = text;
  if (!text.empty()) {
    char suffix = absl::ascii_tolower(text.back());
    if (suffix == 'k') multiplier = 1024;
    if (suffix == 'm') multiplier = 1024 * 1024;
    if (multiplier != 1) digits.remove_suffix(1);
  }
  uint64_t value = 0;
  for (char c : digits) {
    if (!absl::ascii_isdigit(c) || value > (uint64_t{1} << 40)) break;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value * multiplier;
}

// --- memcached drop-in flags ---------------------------------------------------

constexpr std::string_view kIgnoredWhy = "accepted for compatibility, ignored";

// memcached 1.6.18's -o options that memgate accepts without acting on: its
// slab, LRU, hash table, extstore, TLS and logging tuning, which memgate's
// memory backend does not have.
constexpr std::string_view kIgnoredExtendedOptions[] = {
    "no_maxconns_fast",
    "hashpower",
    "tail_repair_time",
    "hash_algorithm",
    "no_lru_crawler",
    "lru_crawler",
    "lru_crawler_sleep",
    "lru_crawler_tocrawl",
    "no_lru_maintainer",
    "lru_maintainer",
    "hot_lru_pct",
    "warm_lru_pct",
    "hot_max_factor",
    "warm_max_factor",
    "temporary_ttl",
    "watcher_logbuf_size",
    "worker_logbuf_size",
    "slab_sizes",
    "slab_chunk_max",
    "track_sizes",
    "no_inline_ascii_resp",
    "inline_ascii_resp",
    "no_modern",
    "no_chunked_items",
    "no_slab_reassign",
    "slab_reassign",
    "slab_automove",
    "slab_automove_ratio",
    "slab_automove_window",
    "no_hashexpand",
    "read_buf_mem_limit",
    "sock_cookie_id",
    "ext_page_size",
    "ext_wbuf_size",
    "ext_threads",
    "ext_io_depth",
    "ext_path",
    "ext_item_size",
    "ext_item_age",
    "ext_low_ttl",
    "ext_recache_rate",
    "ext_compact_under",
    "ext_drop_under",
    "ext_max_sleep",
    "ext_max_frag",
    "ext_drop_unread",
    "slab_automove_freeratio",
    "ssl_chain_cert",
    "ssl_key",
    "ssl_verify_mode",
    "ssl_keyformat",
    "ssl_ciphers",
    "ssl_ca_cert",
    "ssl_wbuf_size",
    "ssl_session_cache",
    "ssl_kernel_tls",
    "ssl_min_version",
};

void Warn(Config& config, std::string_view flag, std::string_view why) {
  config.warnings.push_back(absl::StrCat(ToAbsl(flag), ": ", ToAbsl(why)));
}

// -o: memcached's comma-separated extended options.
absl::Status ParseExtendedOptions(std::string_view list, Config& config) {
  for (absl::string_view item : absl::StrSplit(ToAbsl(list), ',', absl::SkipEmpty())) {
    const size_t eq = item.find('=');
    const std::string_view name = FromAbsl(item.substr(0, eq));
    if (name == "idle_timeout") {
      if (eq == absl::string_view::npos) {
        return Bad("-o", "Missing numeric argument for idle_timeout");
      }
      int64_t seconds = 0;
      absl::Status status = ParseNumber<int64_t>("-o idle_timeout", FromAbsl(item.substr(eq + 1)),
                                                 0, int64_t{1} << 31, seconds);
      if (!status.ok()) return status;
      config.idle_timeout = std::chrono::seconds(seconds);
    } else if (name == "maxconns_fast" || name == "modern") {
      // memgate already closes a client over -c at once; modern changes
      // nothing in memcached 1.6.18 either.
    } else if (std::find(std::begin(kIgnoredExtendedOptions), std::end(kIgnoredExtendedOptions),
                         name) != std::end(kIgnoredExtendedOptions)) {
      Warn(config, absl::StrCat("-o ", ToAbsl(name)), kIgnoredWhy);
    } else {
      return Bad("-o", absl::StrCat("Illegal suboption \"", item, "\""));
    }
  }
  return absl::OkStatus();
}

// memcached's flags without a value. nullopt when `name` is none of them.
std::optional<absl::Status> ParseDropInSwitch(std::string_view name, Config& config) {
  if (name == "-A" || name == "--enable-shutdown") {
    config.enable_shutdown = true;
  } else if (name == "-F" || name == "--disable-flush-all") {
    config.flush_enabled = false;
  } else if (name == "-C" || name == "--disable-cas") {
    config.cas_enabled = false;
  } else if (name == "-M" || name == "--disable-evictions") {
    config.evictions_enabled = false;
  } else if (name == "-d" || name == "--daemon") {
    config.daemonize = true;
  } else if (name == "-k" || name == "--lock-memory") {
    config.lock_memory = true;
  } else if (name == "-r" || name == "--enable-coredumps") {
    config.enable_coredumps = true;
  } else if (name == "-i" || name == "--license") {
    config.license = true;
  } else if (name == "-X" || name == "--disable-dumping" || name == "-W" ||
             name == "--disable-watch") {
    // memgate has neither cachedump/metadump nor watch: already disabled.
  } else if (name == "-L" || name == "--enable-largepages") {
    Warn(config, name, "accepted for compatibility; the memory backend allocates per item");
  } else if (name == "-S" || name == "--enable-sasl" || name == "-Z" || name == "--enable-ssl") {
    // Serving without the protection asked for would be worse than not
    // starting, so these are refused rather than ignored.
    return Bad(name,
               "SASL and TLS on data listeners are not supported; refusing to serve "
               "without them");
  } else {
    return std::nullopt;
  }
  return absl::OkStatus();
}

// memcached's flags with a value. nullopt when `name` is none of them.
std::optional<absl::Status> ParseDropInValue(std::string_view name, std::string_view value,
                                             Config& config) {
  if (name == "-o" || name == "--extended") return ParseExtendedOptions(value, config);
  if (name == "-R" || name == "--max-reqs-per-event") {
    if (!absl::SimpleAtoi(ToAbsl(value), &config.reqs_per_event) || config.reqs_per_event <= 0) {
      return Bad(name, "Number of requests per event must be greater than 0");
    }
    return absl::OkStatus();
  }
  if (name == "-b" || name == "--listen-backlog") {
    return ParseNumber<int>(name, value, 0, 1 << 20, config.listen_backlog);
  }
  if (name == "-B" || name == "--protocol") {
    if (value == "ascii" || value == "auto") return absl::OkStatus();
    if (value == "binary") {
      return Bad(name, "the binary protocol is not supported yet; use -B ascii or -B auto");
    }
    return Bad(name, absl::StrCat("Invalid value for binding protocol: ", ToAbsl(value),
                                  " -- should be one of auto, binary, or ascii"));
  }
  if (name == "-s" || name == "--unix-socket") {
    if (value.empty()) return Bad(name, "needs a path");
    config.unix_socket = std::string(value);
    return absl::OkStatus();
  }
  if (name == "-a" || name == "--unix-mask") {
    uint32_t mask = 0;
    if (value.empty() || value.size() > 4 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '7'; })) {
      return Bad(name, "expects an octal mask such as 700");
    }
    for (char c : value) mask = mask * 8 + static_cast<uint32_t>(c - '0');
    config.unix_mask = mask & 0777;
    return absl::OkStatus();
  }
  if (name == "-P" || name == "--pidfile") {
    config.pid_file = std::string(value);
    return absl::OkStatus();
  }
  if (name == "-f" || name == "--slab-growth-factor") {
    double factor = 0;
    if (!absl::SimpleAtod(ToAbsl(value), &factor) || factor <= 1.0) {
      return Bad(name, "Factor must be greater than 1");
    }
    Warn(config, name,
         "accepted for compatibility; the memory backend sizes slabs in 8-byte steps");
    return absl::OkStatus();
  }
  if (name == "-n" || name == "--slab-min-size") {
    int size = 0;
    if (!absl::SimpleAtoi(ToAbsl(value), &size) || size <= 0) {
      return Bad(name, "Chunk size must be greater than 0");
    }
    Warn(config, name,
         "accepted for compatibility; the memory backend sizes slabs in 8-byte steps");
    return absl::OkStatus();
  }
  if (name == "-N" || name == "--napi_ids") {
    Warn(config, name, "accepted for compatibility; connections are not grouped by NAPI id");
    return absl::OkStatus();
  }
  if (name == "-D") {
    Warn(config, name, "accepted for compatibility; per-prefix stats stay off");
    return absl::OkStatus();
  }
  if (name == "-e" || name == "--memory-file") {
    Warn(config, name, "accepted for compatibility; the cache is not restartable");
    return absl::OkStatus();
  }
  if (name == "-Y" || name == "--auth-file") {
    return Bad(name, "ASCII authentication is not supported; refusing to serve without it");
  }
  return std::nullopt;
}

// memcached's own -I checks, in its order, with its words and exit code.
absl::Status CheckItemSize(const Config& config) {
  if (config.max_item_size < 1024) {
    return absl::OutOfRangeError("Item max size cannot be less than 1024 bytes.");
  }
  if (config.max_item_size > (config.memory_limit_mb << 20) / 2) {
    return absl::OutOfRangeError("Cannot set item size limit higher than 1/2 of memory max.");
  }
  if (config.max_item_size > (std::size_t{1} << 30)) {
    return absl::OutOfRangeError("Cannot set item size limit higher than a gigabyte.");
  }
  return absl::OkStatus();
}

// The operations flags: config file, metrics, logs, shutdown.
constexpr std::string_view kOperationsFlags[] = {
    "--config",     "--check-config", "--metrics",         "--log-level",
    "--log-format", "--access-log",   "--shutdown-timeout"};

bool IsOperationsFlag(std::string_view name) {
  return std::find(std::begin(kOperationsFlags), std::end(kOperationsFlags), name) !=
         std::end(kOperationsFlags);
}

absl::Status ParseOperationsFlag(std::string_view name, std::string_view v, Config& config) {
  if (name == "--config" || name == "--check-config") {
    config.config_file = std::string(v);
    config.check_config = config.check_config || name == "--check-config";
  } else if (name == "--metrics") {
    config.metrics = std::string(v);
  } else if (name == "--log-level") {
    if (v != "error" && v != "warn" && v != "info" && v != "debug" && v != "trace") {
      return Bad(name, "expects error, warn, info, debug or trace");
    }
    config.log_level = std::string(v);
  } else if (name == "--log-format") {
    if (v != "text" && v != "json") return Bad(name, "expects text or json");
    config.log_format = std::string(v);
  } else if (name == "--access-log") {
    config.access_log = std::string(v);
  } else if (name == "--shutdown-timeout") {
    if (!absl::ParseDuration(ToAbsl(v), &config.shutdown_timeout) ||
        config.shutdown_timeout < absl::ZeroDuration()) {
      return Bad(name, "expects a duration like 10s or 500ms");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv) {
  return ParseCommandLine(argc, argv, Config{});
}

absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv, Config base) {
  Config config = std::move(base);
  config.args.clear();
  std::vector<std::string> addresses;  // -l, possibly comma-separated
  std::optional<uint32_t> port;        // -p
  for (int i = 0; i < argc; ++i) config.args.emplace_back(argv[i]);
  // The first listener flag replaces the config file's listeners, the first
  // --grpc-header its headers.
  auto listener_flag = [&config] {
    if (config.listeners_from_flags) return;
    config.listeners_from_flags = true;
    config.listen.clear();
    config.listen_fds.clear();
    config.listeners.clear();
  };
  bool header_flag = false;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--")) {
      if (size_t eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    } else if (arg.starts_with("-") && arg.size() > 2 && arg != "-vv" && arg != "-vvv") {
      // memcached also takes "-p11211".
      name = arg.substr(0, 2);
      inline_value = arg.substr(2);
    }
    auto value = [&]() -> absl::StatusOr<std::string_view> {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) return Bad(name, "needs a value");
      return std::string_view(argv[++i]);
    };

    if (name == "-h" || name == "--help") {
      config.help = true;
    } else if (name == "-V" || name == "--version") {
      config.version = true;
    } else if (name == "-v" || name == "--verbose") {
      config.verbosity = std::max(config.verbosity, 1);
    } else if (name == "-vv" || name == "-vvv") {
      config.verbosity = static_cast<int>(name.size()) - 1;
    } else if (name == "--no-extra") {
      config.no_extra = true;
    } else if (name == "--admin-insecure") {
      config.admin_insecure = true;
    } else if (name == "--redis-tls-insecure") {
      config.redis_tls_insecure = true;
    } else if (std::optional<absl::Status> done = ParseDropInSwitch(name, config)) {
      if (!done->ok()) return *done;
    } else {
      absl::StatusOr<std::string_view> v = value();
      if (!v.ok()) return v.status();
      absl::Status status;
      if (name == "-p" || name == "--port") {
        uint32_t p = 0;
        status = ParseNumber<uint32_t>(name, *v, 0, 65535, p);
        port = p;
        listener_flag();
      } else if (name == "-l" || name == "--listen-addr") {
        listener_flag();
        for (absl::string_view a : absl::StrSplit(ToAbsl(*v), ',', absl::SkipEmpty())) {
          addresses.emplace_back(FromAbsl(a));
        }
      } else if (name == "-U" || name == "--udp-port") {
        uint32_t udp = 0;
        status = ParseNumber<uint32_t>(name, *v, 0, 0, udp);
        if (!status.ok()) status = Bad(name, "UDP is not supported; only -U 0 is accepted");
      } else if (name == "-u" || name == "--user") {
        Warn(config, name, "accepted for compatibility; memgate does not change user");
      } else if (name == "-t" || name == "--threads") {
        status = ParseNumber<int>(name, *v, 1, 256, config.threads);
      } else if (name == "-m" || name == "--memory-limit") {
        status = ParseNumber<uint64_t>(name, *v, 1, kMaxMemoryLimitMb, config.memory_limit_mb);
      } else if (name == "-I" || name == "--max-item-size") {
        config.max_item_size = ParseSize(*v);
      } else if (name == "-c" || name == "--conn-limit") {
        status = ParseNumber<uint64_t>(name, *v, 1, 1'000'000, config.max_connections);
      } else if (name == "--listen") {
        listener_flag();
        config.listen.emplace_back(*v);
      } else if (name == "--listen-fd") {
        int fd = 0;
        listener_flag();
        status = ParseNumber<int>(name, *v, 0, 1 << 20, fd);
        config.listen_fds.push_back(fd);
      } else if (name == "--backend") {
        config.backend = std::string(*v);
      } else if (name == "--redis-url") {
        config.redis_url = std::string(*v);
      } else if (name == "--redis-prefix") {
        config.redis_prefix = std::string(*v);
      } else if (name == "--redis-connections") {
        status = ParseNumber<int>(name, *v, 1, 64, config.redis_connections);
      } else if (name == "--redis-timeout") {
        config.redis_timeout = std::string(*v);
      } else if (name == "--redis-cluster-refresh") {
        config.redis_cluster_refresh = std::string(*v);
      } else if (name == "--redis-mode") {
        config.redis_mode = std::string(*v);
      } else if (name == "--redis-flush") {
        config.redis_flush = std::string(*v);
      } else if (name == "--redis-tls-ca") {
        config.redis_tls_ca = std::string(*v);
      } else if (name == "--redis-tls-cert") {
        config.redis_tls_cert = std::string(*v);
      } else if (name == "--redis-tls-key") {
        config.redis_tls_key = std::string(*v);
      } else if (name == "--grpc-target") {
        config.grpc_target = std::string(*v);
      } else if (name == "--grpc-timeout") {
        if (!absl::ParseDuration(ToAbsl(*v), &config.grpc_timeout) ||
            config.grpc_timeout <= absl::ZeroDuration()) {
          status = Bad(name, "expects a positive duration like 500ms or 2s");
        }
      } else if (name == "--grpc-tls-ca") {
        config.grpc_tls_ca = std::string(*v);
      } else if (name == "--grpc-header") {
        if (!std::exchange(header_flag, true)) config.grpc_headers.clear();
        config.grpc_headers.emplace_back(*v);
      } else if (name == "--admin") {
        config.admin = std::string(*v);
        config.admin_explicit = true;
      } else if (name == "--admin-token-file") {
        config.admin_token_file = std::string(*v);
      } else if (name == "--admin-tls-cert") {
        config.admin_tls_cert = std::string(*v);
      } else if (name == "--admin-tls-key") {
        config.admin_tls_key = std::string(*v);
      } else if (std::optional<absl::Status> done = ParseDropInValue(name, *v, config)) {
        status = *done;
      } else if (IsOperationsFlag(name)) {
        status = ParseOperationsFlag(name, *v, config);
      } else {
        return Bad(arg, "unknown flag");
      }
      if (!status.ok()) return status;
    }
  }

  if (absl::Status status = CheckItemSize(config); !status.ok()) return status;
  // -s replaces the TCP listeners, as in memcached ("disables network
  // support"); -l/-p are then ignored.
  if (!config.unix_socket.empty()) {
    config.listeners.clear();
    config.listen.push_back(absl::StrCat("unix:", config.unix_socket));
    return config;
  }
  // -l/-p keep memcached's meaning; with neither, and no --listen or
  // --listen-fd, memgate listens on 127.0.0.1:11211 (loopback, unlike
  // memcached's all-interfaces default).
  const bool explicit_listeners =
      !config.listen.empty() || !config.listen_fds.empty() || !config.listeners.empty();
  if (port.has_value() || !addresses.empty() || !explicit_listeners) {
    if (addresses.empty()) addresses.emplace_back("127.0.0.1");
    for (const std::string& a : addresses) {
      if (a.starts_with("unix:")) {
        config.listen.push_back(a);
      } else if (a.find(':') != std::string::npos && !a.starts_with("[")) {
        config.listen.push_back(absl::StrCat("[", a, "]:", port.value_or(11211)));
      } else {
        config.listen.push_back(absl::StrCat(a, ":", port.value_or(11211)));
      }
    }
  }
  return config;
}

int ExitCodeFor(const absl::Status& status) {
  return status.code() == absl::StatusCode::kOutOfRange ? kMemcachedUsageExit : 2;
}

std::string Usage() {
  return R"(usage: memgate [flags]

memcached-protocol gateway. Listens on 127.0.0.1:11211 with the memory
backend unless told otherwise. Every flag of memcached 1.6 is taken; those
marked (compat) are accepted for compatibility only and log one warning.

Listeners:
  --listen ADDR          listen on ADDR: host:port, [v6]:port or unix:/path
                         (repeatable; port 0 picks a free port)
  -p, --port PORT        TCP port for the -l addresses (default 11211)
  -l, --listen-addr A,B  addresses to listen on with -p (default 127.0.0.1)
  -s, --unix-socket PATH listen on a unix socket instead of TCP
  -a, --unix-mask MASK   the unix socket's permissions, octal (default 700)
  --listen-fd FD         serve an inherited socket: a listening socket is
                         accepted on, a connected one is served (repeatable)
  -U 0                   no UDP (only 0 is accepted)
  -c, --conn-limit N     max simultaneous clients (default 1024)
  -b, --listen-backlog N listen backlog (default: the OS maximum)
  -B, --protocol P       ascii or auto (binary is refused: not supported yet)
  -o idle_timeout=N      close clients idle N seconds; -o takes memcached's
                         comma-separated list (other options: (compat))

Engine:
  -t, --threads N        event-loop threads (default: number of cores)
  -R, --max-reqs-per-event N  commands one client runs before others get a
                         turn (default: no limit)
  --backend NAME         memory (default), simple-memory (the seed's
                         plain store under the metadata layer), redis, or
                         grpc (a service implementing memgate.backend.v1)
  --no-extra             pass-through mode for plain stores: no flags,
                         expiry or cas checks (the seed's no_extra)
  -m, --memory-limit MB  memory backend size limit (default 64)
  -M, --disable-evictions  answer SERVER_ERROR out of memory instead of evicting
  -I, --max-item-size S  largest value, e.g. 512k or 2m (default 1m; 1k to
                         1024m, at most half of -m)
  -C, --disable-cas      cas values are 0; cas and meta C compares fail
  -F, --disable-flush-all  flush_all answers CLIENT_ERROR flush_all not allowed
  -A, --enable-shutdown  enable the shutdown command
  -k, --lock-memory      mlockall(2) the process
  -L, --enable-largepages  (compat)
  -f, --slab-growth-factor F  (compat)
  -n, --slab-min-size N  (compat)
  -D CHAR                (compat) per-prefix stats stay off
  -N, --napi_ids N       (compat)
  -e, --memory-file F    (compat) the cache is not restartable
  -X, -W                 no cachedump, metadump or watch: memgate has none
  -S, -Y FILE, -Z        SASL, ASCII auth and TLS: refused (not supported)

Redis backend (--backend redis):
  --redis-url URL        redis://[[user]:password@]host:port[/db],
                         rediss://... (TLS) or unix:///path[?db=N];
                         redis+cluster://[[user]:password@]host:port[,host:port...]
                         (rediss+cluster:// for TLS) for a Redis Cluster
                         (default redis://127.0.0.1:6379)
  --redis-prefix P       Redis key = P + memcached key (default none)
  --redis-connections N  Redis connections per event-loop thread (default 1)
  --redis-timeout D      per command, e.g. 500ms, 2s, 1m (default 1s)
  --redis-cluster-refresh D  how often the cluster slot map is read again
                         besides after redirections and node failures
                         (default 5s)
  --redis-mode M         memcached (items keep flags, expiry and cas; the
                         default) or raw (plain Redis strings, flags 0)
  --redis-flush F        what flush_all does: prefix (delete the keys under
                         --redis-prefix), db (FLUSHDB ASYNC) or off; default
                         prefix with a prefix, else db; raw mode: off
  --redis-tls-ca F       CA file for rediss:// (default: system store)
  --redis-tls-cert F, --redis-tls-key F   client certificate for rediss://
  --redis-tls-insecure   skip the server certificate and host name checks
gRPC backend (--backend grpc):
  --grpc-target TARGET   the service: host:port, unix:/path, any gRPC target
  --grpc-timeout D       deadline of each call, e.g. 500ms (default 1s)
  --grpc-tls-ca FILE     use TLS, trusting this CA (PEM)
  --grpc-header 'N: V'   send this header on every call (repeatable)

Admin service (gRPC):
  --admin ADDR           admin address (default 127.0.0.1:50051, skipped with
                         a warning when taken; "none" disables; port 0 picks
                         a free port)
  --admin-token-file F   require "authorization: Bearer <token>"
  --admin-insecure       allow a non-loopback admin address without a token
  --admin-tls-cert F, --admin-tls-key F   serve the admin API over TLS

Process:
  -d, --daemon           run in the background
  -P, --pidfile FILE     write the process id to FILE
  -r, --enable-coredumps raise the core file limit to its maximum
  -u USER                (compat) memgate does not change user
  -v, -vv, -vvv          log more

Operations:
  --config FILE          read settings from a YAML file (see
                         examples/memgate.yaml); flags override it
  --check-config FILE    validate FILE with the flags, print the effective
                         configuration and exit (2 when invalid)
  --metrics ADDR         serve Prometheus metrics on http://ADDR/metrics
                         (default off)
  --log-level L          error, warn, info (default), debug or trace
  --log-format F         text (default) or json (one object per line)
  --access-log FILE      one line per closed client connection
  --shutdown-timeout D   on SIGTERM/SIGINT, how long clients get to
                         receive their replies (default 10s)

  -V, --version          print the version
  -i, --license          print the license note
  -h, --help             this help
)";
}

}  // namespace memgate::server
