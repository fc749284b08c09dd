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

// memcached's -I syntax: bytes, or a number with a k or m suffix.
absl::Status ParseSize(std::string_view flag, std::string_view text, std::size_t& out) {
  uint64_t multiplier = 1;
  std::string_view digits = text;
  if (!text.empty()) {
    char suffix = absl::ascii_tolower(text.back());
    if (suffix == 'k') multiplier = 1024;
    if (suffix == 'm') multiplier = 1024 * 1024;
    if (multiplier != 1) digits.remove_suffix(1);
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(ToAbsl(digits), &value) || value == 0)
    return Bad(flag, "expects a size like 1m");
  value *= multiplier;
  if (value < 1024 || value > (uint64_t{1} << 30)) {
    return Bad(flag, "item size must be between 1k and 1024m");
  }
  out = value;
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
        // Accepted for command-line compatibility with memcached; memgate does
        // not change user.
      } else if (name == "-t" || name == "--threads") {
        status = ParseNumber<int>(name, *v, 1, 256, config.threads);
      } else if (name == "-m" || name == "--memory-limit") {
        status = ParseNumber<uint64_t>(name, *v, 1, uint64_t{1} << 22, config.memory_limit_mb);
      } else if (name == "-I" || name == "--max-item-size") {
        status = ParseSize(name, *v, config.max_item_size);
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
      } else if (name == "--admin-token-file") {
        config.admin_token_file = std::string(*v);
      } else if (name == "--admin-tls-cert") {
        config.admin_tls_cert = std::string(*v);
      } else if (name == "--admin-tls-key") {
        config.admin_tls_key = std::string(*v);
      } else if (IsOperationsFlag(name)) {
        status = ParseOperationsFlag(name, *v, config);
      } else {
        return Bad(arg, "unknown flag");
      }
      if (!status.ok()) return status;
    }
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

std::string Usage() {
  return R"(usage: memgate [flags]

memcached-protocol gateway. Listens on 127.0.0.1:11211 with the memory
backend unless told otherwise.

Listeners:
  --listen ADDR          listen on ADDR: host:port, [v6]:port or unix:/path
                         (repeatable; port 0 picks a free port)
  -p, --port PORT        TCP port for the -l addresses (default 11211)
  -l, --listen-addr A,B  addresses to listen on with -p (default 127.0.0.1)
  --listen-fd FD         serve an inherited socket: a listening socket is
                         accepted on, a connected one is served (repeatable)
  -U 0                   accepted for memcached compatibility (no UDP)
  -c, --conn-limit N     max simultaneous clients (default 1024)

Engine:
  -t, --threads N        event-loop threads (default: number of cores)
  --backend NAME         memory (default), simple-memory (the seed's
                         plain store under the metadata layer), redis, or
                         grpc (a service implementing memgate.backend.v1)
  --no-extra             pass-through mode for plain stores: no flags,
                         expiry or cas checks (the seed's no_extra)
  -m, --memory-limit MB  memory backend size limit (default 64)
  -I, --max-item-size S  largest value, e.g. 512k or 2m (default 1m)

Redis backend (--backend redis):
  --redis-url URL        redis://[[user]:password@]host:port[/db],
                         rediss://... (TLS) or unix:///path[?db=N]
                         (default redis://127.0.0.1:6379)
  --redis-prefix P       Redis key = P + memcached key (default none)
  --redis-connections N  Redis connections per event-loop thread (default 1)
  --redis-timeout D      per command, e.g. 500ms, 2s, 1m (default 1s)
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
  --admin ADDR           admin address (default 127.0.0.1:50051; "none"
                         disables; port 0 picks a free port)
  --admin-token-file F   require "authorization: Bearer <token>"
  --admin-insecure       allow a non-loopback admin address without a token
  --admin-tls-cert F, --admin-tls-key F   serve the admin API over TLS

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

Other:
  -u USER                accepted for memcached compatibility (ignored)
  -v, -vv                log more
  -V, --version          print the version
  -h, --help             this help
)";
}

}  // namespace memgate::server
