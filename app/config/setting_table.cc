// The settings table and the readers its entries are built from. memcached's
// compatibility-only flags and -o options are entries and a list here too,
// so every name memgate accepts is in this file.
#include "app/config/setting_table.h"

#include <algorithm>
#include <climits>
#include <iterator>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/absl_compat.h"
#include "yaml-cpp/yaml.h"

namespace memgate::app {
namespace {

constexpr char kRefusedPart[] = "memgate.config/refused-part";

absl::Status Refuse(std::string_view why) { return absl::InvalidArgumentError(ToAbsl(why)); }

void Warn(const Input& in, Config& config, std::string_view why) {
  config.warnings.push_back(absl::StrCat(ToAbsl(in.name), ": ", ToAbsl(why)));
}

template <typename T>
absl::Status ParseNumber(std::string_view text, T min, T max, T& out) {
  T value{};
  if (!absl::SimpleAtoi(ToAbsl(text), &value) || value < min || value > max) {
    return Refuse(absl::StrCat("\"", ToAbsl(text), "\" is not a number from ", min, " to ", max));
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

std::string FormatSize(std::size_t bytes) {
  if (bytes % (1 << 20) == 0) return absl::StrCat(bytes >> 20, "m");
  if (bytes % (1 << 10) == 0) return absl::StrCat(bytes >> 10, "k");
  return absl::StrCat(bytes);
}

// --- Fields: how each kind of value is read and printed ------------------------

SettingField Text(std::string Config::*member) {
  return {.set =
              [member](const Input& in, Config& c) {
                c.*member = std::string(in.text);
                return absl::OkStatus();
              },
          .value = [member](const Config& c) -> Value { return c.*member; }};
}

// A text the file checks against `choices` ("a|b"), so a bad one is reported
// with its line; on the command line the backend refuses it.
SettingField TextChecked(std::string Config::*member, std::string_view choices) {
  SettingField field = Text(member);
  field.set = [member, choices](const Input& in, Config& c) {
    if (in.origin == Origin::kFile) {
      std::vector<absl::string_view> list = absl::StrSplit(ToAbsl(choices), '|');
      if (std::find(list.begin(), list.end(), ToAbsl(in.text)) == list.end()) {
        return Refuse(
            absl::StrCat("\"", ToAbsl(in.text), "\" is not one of ", absl::StrJoin(list, ", ")));
      }
    }
    c.*member = std::string(in.text);
    return absl::OkStatus();
  };
  return field;
}

// A text that must be one of `choices`, from the flag and the file alike.
SettingField Choice(std::string Config::*member, std::vector<std::string_view> choices,
                    std::string_view why) {
  SettingField field = Text(member);
  field.set = [member, choices = std::move(choices), why](const Input& in, Config& c) {
    if (std::find(choices.begin(), choices.end(), in.text) == choices.end()) return Refuse(why);
    c.*member = std::string(in.text);
    return absl::OkStatus();
  };
  return field;
}

// A duration kept as text for the backend to parse; the file checks it.
SettingField DurationText(std::string Config::*member) {
  SettingField field = Text(member);
  field.set = [member](const Input& in, Config& c) {
    absl::Duration d;
    if (in.origin == Origin::kFile &&
        (!absl::ParseDuration(ToAbsl(in.text), &d) || d <= absl::ZeroDuration())) {
      return Refuse("expects a positive duration like 500ms or 2s");
    }
    c.*member = std::string(in.text);
    return absl::OkStatus();
  };
  return field;
}

SettingField Duration(absl::Duration Config::*member, bool zero_allowed, std::string_view why) {
  return {.set =
              [member, zero_allowed, why](const Input& in, Config& c) {
                absl::Duration d;
                if (!absl::ParseDuration(ToAbsl(in.text), &d) || d < absl::ZeroDuration() ||
                    (d == absl::ZeroDuration() && !zero_allowed)) {
                  return Refuse(why);
                }
                c.*member = d;
                return absl::OkStatus();
              },
          .value = [member](const Config& c) -> Value {
            return std::string(absl::FormatDuration(c.*member));
          }};
}

struct NumberRules {
  // The file may say 0, the default as --check-config prints it, where the
  // flag takes none.
  bool zero_in_file = false;
  // Replaces "is not a number from MIN to MAX".
  std::string_view why;
};

template <typename T>
SettingField Number(T Config::*member, T min, T max, NumberRules rules = {}) {
  return {.set =
              [member, min, max, rules](const Input& in, Config& c) {
                if (rules.zero_in_file && in.origin == Origin::kFile && in.text == "0") {
                  c.*member = 0;
                  return absl::OkStatus();
                }
                absl::Status status = ParseNumber<T>(in.text, min, max, c.*member);
                return status.ok() || rules.why.empty() ? status : Refuse(rules.why);
              },
          .value = [member](const Config& c) -> Value { return static_cast<int64_t>(c.*member); }};
}

// A flag without a value sets `flag_sets`; the file says true or false.
SettingField Switch(bool Config::*member, bool flag_sets) {
  return {.shape = Shape::kSwitch,
          .set =
              [member, flag_sets](const Input& in, Config& c) {
                if (in.origin == Origin::kFlag) {
                  c.*member = flag_sets;
                  return absl::OkStatus();
                }
                bool b = false;
                if (!YAML::convert<bool>::decode(YAML::Node(std::string(in.text)), b)) {
                  return Refuse("expects true or false");
                }
                c.*member = b;
                return absl::OkStatus();
              },
          .value = [member](const Config& c) -> Value { return c.*member; }};
}

SettingField TextList(std::vector<std::string> Config::*member) {
  return {.shape = Shape::kList,
          .set =
              [member](const Input& in, Config& c) {
                (c.*member).emplace_back(in.text);
                return absl::OkStatus();
              },
          .clear = [member](Config& c) { (c.*member).clear(); },
          .value = [member](const Config& c) -> Value { return c.*member; }};
}

// A flag-only setting: `action` reads the flag.
template <typename F>
SettingField Action(F action) {
  return {.set = std::move(action)};
}
template <typename F>
SettingField SwitchAction(F action) {
  return {.shape = Shape::kSwitch, .set = std::move(action)};
}

// --- Readers of one setting each ----------------------------------------------

SettingField ListenerAddresses() {
  return {.shape = Shape::kListeners,
          .set =
              [](const Input& in, Config& c) {
                c.listen.emplace_back(in.text);
                return absl::OkStatus();
              },
          .value = [](const Config& c) -> Value {
            return ListenerValues{.addresses = c.listen, .listeners = c.listeners};
          }};
}

SettingField ListenFds() {
  return {.shape = Shape::kList,
          .set =
              [](const Input& in, Config& c) {
                int fd = -1;
                if (in.origin == Origin::kFile) {
                  if (!absl::SimpleAtoi(ToAbsl(in.text), &fd) || fd < 0) {
                    return Refuse("expects a descriptor number");
                  }
                } else if (absl::Status s = ParseNumber<int>(in.text, 0, 1 << 20, fd); !s.ok()) {
                  return s;
                }
                c.listen_fds.push_back(fd);
                return absl::OkStatus();
              },
          .clear = [](Config& c) { c.listen_fds.clear(); },
          .value = [](const Config& c) -> Value {
            return std::vector<int64_t>(c.listen_fds.begin(), c.listen_fds.end());
          },
          .elements = "descriptors"};
}

SettingField ItemSize() {
  return {.set =
              [](const Input& in, Config& c) {
                c.max_item_size = ParseSize(in.text);
                return absl::OkStatus();
              },
          .value = [](const Config& c) -> Value { return FormatSize(c.max_item_size); }};
}

SettingField UnixSocket() {
  SettingField field = Text(&Config::unix_socket);
  field.set = [](const Input& in, Config& c) {
    if (in.text.empty() && in.origin == Origin::kFlag) return Refuse("needs a path");
    c.unix_socket = std::string(in.text);
    return absl::OkStatus();
  };
  return field;
}

SettingField UnixMask() {
  return {.set =
              [](const Input& in, Config& c) {
                const std::string_view v = in.text;
                if (v.empty() || v.size() > 4 || !std::all_of(v.begin(), v.end(), [](char ch) {
                      return ch >= '0' && ch <= '7';
                    })) {
                  return Refuse("expects an octal mask such as 700");
                }
                uint32_t mask = 0;
                for (char ch : v) mask = mask * 8 + static_cast<uint32_t>(ch - '0');
                c.unix_mask = mask & 0777;
                return absl::OkStatus();
              },
          .value = [](const Config& c) -> Value { return absl::StrFormat("%03o", c.unix_mask); }};
}

SettingField AdminAddress() {
  SettingField field = Text(&Config::admin);
  field.set = [](const Input& in, Config& c) {
    c.admin = std::string(in.text);
    c.admin_explicit = true;
    return absl::OkStatus();
  };
  return field;
}

SettingField LogLevel() {
  SettingField field = Choice(&Config::log_level, {"error", "warn", "info", "debug", "trace"},
                              "expects error, warn, info, debug or trace");
  field.value = [](const Config& c) -> Value { return EffectiveLogLevel(c); };
  return field;
}

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

constexpr int64_t kMaxIdleTimeout = int64_t{1} << 31;

// -o: memcached's comma-separated extended options; the file's
// limits.idle_timeout: the seconds alone.
SettingField ExtendedOptions() {
  return {
      .set =
          [](const Input& in, Config& c) {
            int64_t seconds = 0;
            if (in.origin == Origin::kFile) {
              absl::Status s = ParseNumber<int64_t>(in.text, 0, kMaxIdleTimeout, seconds);
              if (s.ok()) c.idle_timeout = std::chrono::seconds(seconds);
              return s;
            }
            for (absl::string_view item : absl::StrSplit(ToAbsl(in.text), ',', absl::SkipEmpty())) {
              const size_t eq = item.find('=');
              const std::string_view name = FromAbsl(item.substr(0, eq));
              if (name == "idle_timeout") {
                if (eq == absl::string_view::npos) {
                  return Refuse("Missing numeric argument for idle_timeout");
                }
                absl::Status s = ParseNumber<int64_t>(FromAbsl(item.substr(eq + 1)), 0,
                                                      kMaxIdleTimeout, seconds);
                if (!s.ok()) return RefusePart("-o idle_timeout", FromAbsl(s.message()));
                c.idle_timeout = std::chrono::seconds(seconds);
              } else if (name == "maxconns_fast" || name == "modern") {
                // memgate already closes a client over -c at once; modern
                // changes nothing in memcached 1.6.18 either.
              } else if (std::find(std::begin(kIgnoredExtendedOptions),
                                   std::end(kIgnoredExtendedOptions),
                                   name) != std::end(kIgnoredExtendedOptions)) {
                Warn({.name = absl::StrCat("-o ", ToAbsl(name))}, c,
                     "accepted for compatibility, ignored");
              } else {
                return Refuse(absl::StrCat("Illegal suboption \"", item, "\""));
              }
            }
            return absl::OkStatus();
          },
      .value = [](const Config& c) -> Value {
        return static_cast<int64_t>(c.idle_timeout.count());
      }};
}

// A compatibility-only flag that takes a value and logs `why`.
SettingField Compat(std::string_view why) {
  return Action([why](const Input& in, Config& c) {
    Warn(in, c, why);
    return absl::OkStatus();
  });
}

constexpr std::string_view kSlabsWhy =
    "accepted for compatibility; the memory backend sizes slabs in 8-byte steps";

// Serving without the protection asked for would be worse than not starting,
// so these are refused rather than ignored.
constexpr std::string_view kSecurityWhy =
    "SASL and TLS on data listeners are not supported; refusing to serve without them";

constexpr std::string_view kListeners = "Listeners";
constexpr std::string_view kEngine = "Engine";
constexpr std::string_view kRedis = "Redis backend (--backend redis)";
constexpr std::string_view kGrpc = "gRPC backend (--backend grpc)";
constexpr std::string_view kAdmin = "Admin service (gRPC)";
constexpr std::string_view kProcess = "Process";
constexpr std::string_view kOperations = "Operations";
constexpr std::string_view kInformation = "Information";

std::vector<Setting> BuildTable() {
  return {
      {.group = kListeners,
       .flags = "--listen",
       .value_name = "ADDR",
       .key = "listeners",
       .help = "listen on ADDR: host:port, [v6]:port or unix:/path\n"
               "(repeatable; port 0 picks a free port)",
       .reload = Reload::kLive,
       .listener = true,
       .field = ListenerAddresses()},
      {.group = kListeners,
       .flags = "-p, --port",
       .value_name = "PORT",
       .help = "TCP port for the -l addresses (default 11211)",
       .listener = true,
       .field = Action([](const Input& in, Config& c) {
         uint32_t port = 0;
         absl::Status s = ParseNumber<uint32_t>(in.text, 0, 65535, port);
         c.port = port;
         return s;
       })},
      {.group = kListeners,
       .flags = "-l, --listen-addr",
       .value_name = "A,B",
       .help = "addresses to listen on with -p (default 127.0.0.1)",
       .listener = true,
       .field = Action([](const Input& in, Config& c) {
         for (absl::string_view a : absl::StrSplit(ToAbsl(in.text), ',', absl::SkipEmpty())) {
           c.listen_addresses.emplace_back(FromAbsl(a));
         }
         return absl::OkStatus();
       })},
      {.group = kListeners,
       .flags = "--listen-fd",
       .value_name = "FD",
       .key = "listen_fds",
       .help = "serve an inherited socket: a listening socket is\n"
               "accepted on, a connected one is served (repeatable)",
       .reload = Reload::kRestart,
       .listener = true,
       .field = ListenFds()},
      {.group = kListeners,
       .flags = "-U, --udp-port",
       .value_name = "0",
       .help = "no UDP (only 0 is accepted)",
       .field = Action([](const Input& in, Config&) {
         uint32_t udp = 0;
         if (ParseNumber<uint32_t>(in.text, 0, 0, udp).ok()) return absl::OkStatus();
         return Refuse("UDP is not supported; only -U 0 is accepted");
       })},
      {.group = kEngine,
       .flags = "-t, --threads",
       .value_name = "N",
       .key = "threads",
       .help = "event-loop threads (default: number of cores)",
       .reload = Reload::kRestart,
       .field = Number<int>(&Config::threads, 1, 256, {.zero_in_file = true})},
      {.group = kOperations,
       .flags = "--config",
       .value_name = "FILE",
       .help = "read settings from a YAML file (see\n"
               "examples/memgate.yaml); flags override it",
       .field = Action([](const Input& in, Config& c) {
         c.config_file = std::string(in.text);
         return absl::OkStatus();
       })},
      {.group = kOperations,
       .flags = "--check-config",
       .value_name = "FILE",
       .help = "validate FILE with the flags, print the effective\n"
               "configuration and exit (2 when invalid)",
       .field = Action([](const Input& in, Config& c) {
         c.config_file = std::string(in.text);
         c.check_config = true;
         return absl::OkStatus();
       })},
      {.group = kOperations,
       .flags = "--shutdown-timeout",
       .value_name = "D",
       .key = "shutdown_timeout",
       .help = "on SIGTERM/SIGINT, how long clients get to\n"
               "receive their replies (default 10s)",
       .reload = Reload::kLive,
       .field = Duration(&Config::shutdown_timeout, true, "expects a duration like 10s or 500ms")},
      {.group = kEngine,
       .flags = "-m, --memory-limit",
       .value_name = "MB",
       .key = "limits.memory_mb",
       .help = "memory backend size limit (default 64)",
       .reload = Reload::kRestart,
       .field = Number<uint64_t>(&Config::memory_limit_mb, 1, kMaxMemoryLimitMb)},
      {.group = kEngine,
       .flags = "-I, --max-item-size",
       .value_name = "S",
       .key = "limits.max_item_size",
       .help = "largest value, e.g. 512k or 2m (default 1m; 1k to\n"
               "1024m, at most half of -m)",
       .reload = Reload::kRestart,
       .field = ItemSize()},
      {.group = kListeners,
       .flags = "-c, --conn-limit",
       .value_name = "N",
       .key = "limits.max_connections",
       .help = "max simultaneous clients (default 1024)",
       .reload = Reload::kRestart,
       .field = Number<uint64_t>(&Config::max_connections, 1, 1'000'000)},
      {.group = kListeners,
       .flags = "-o, --extended",
       .value_name = "idle_timeout=N",
       .key = "limits.idle_timeout",
       .help = "close clients idle N seconds; -o takes memcached's\n"
               "comma-separated list (other options: (compat))",
       .reload = Reload::kLive,
       .field = ExtendedOptions()},
      {.group = kEngine,
       .flags = "-M, --disable-evictions",
       .key = "limits.evictions",
       .help = "answer SERVER_ERROR out of memory instead of evicting",
       .reload = Reload::kRestart,
       .field = Switch(&Config::evictions_enabled, false)},
      {.group = kEngine,
       .flags = "-R, --max-reqs-per-event",
       .value_name = "N",
       .key = "limits.reqs_per_event",
       .help = "commands one client runs before others get a\n"
               "turn (default: no limit)",
       .reload = Reload::kRestart,
       .field = Number<int>(
           &Config::reqs_per_event, 1, INT_MAX,
           {.zero_in_file = true, .why = "Number of requests per event must be greater than 0"})},
      {.group = kEngine,
       .flags = "-F, --disable-flush-all",
       .key = "protocol.flush_all",
       .help = "flush_all answers CLIENT_ERROR flush_all not allowed",
       .reload = Reload::kRestart,
       .reported_as = "protocol",
       .field = Switch(&Config::flush_enabled, false)},
      {.group = kEngine,
       .flags = "-C, --disable-cas",
       .key = "protocol.cas",
       .help = "cas values are 0; cas and meta C compares fail",
       .reload = Reload::kRestart,
       .reported_as = "protocol",
       .field = Switch(&Config::cas_enabled, false)},
      {.group = kEngine,
       .flags = "-A, --enable-shutdown",
       .key = "protocol.shutdown_command",
       .help = "enable the shutdown command",
       .reload = Reload::kRestart,
       .reported_as = "protocol",
       .field = Switch(&Config::enable_shutdown, true)},
      {.group = kListeners,
       .flags = "-b, --listen-backlog",
       .value_name = "N",
       .key = "network.listen_backlog",
       .help = "listen backlog (default: the OS maximum)",
       .reload = Reload::kRestart,
       .reported_as = "network",
       .field = Number<int>(&Config::listen_backlog, 0, 1 << 20)},
      {.group = kListeners,
       .flags = "-s, --unix-socket",
       .value_name = "PATH",
       .key = "network.unix_socket",
       .help = "listen on a unix socket instead of TCP",
       .reload = Reload::kRestart,
       .reported_as = "network",
       .field = UnixSocket()},
      {.group = kListeners,
       .flags = "-a, --unix-mask",
       .value_name = "MASK",
       .key = "network.unix_mask",
       .help = "the unix socket's permissions, octal (default 700)",
       .reload = Reload::kRestart,
       .reported_as = "network",
       .field = UnixMask()},
      {.group = kListeners,
       .flags = "-B, --protocol",
       .value_name = "P",
       .help = "ascii or auto (binary is refused: not supported yet)",
       .field = Action([](const Input& in, Config&) {
         if (in.text == "ascii" || in.text == "auto") return absl::OkStatus();
         if (in.text == "binary") {
           return Refuse("the binary protocol is not supported yet; use -B ascii or -B auto");
         }
         return Refuse(absl::StrCat("Invalid value for binding protocol: ", ToAbsl(in.text),
                                    " -- should be one of auto, binary, or ascii"));
       })},
      {.group = kProcess,
       .flags = "-P, --pidfile",
       .value_name = "FILE",
       .key = "process.pid_file",
       .help = "write the process id to FILE",
       .reload = Reload::kRestart,
       .reported_as = "process",
       .field = Text(&Config::pid_file)},
      {.group = kProcess,
       .flags = "-d, --daemon",
       .key = "process.daemonize",
       .help = "run in the background",
       .reload = Reload::kRestart,
       .reported_as = "process",
       .field = Switch(&Config::daemonize, true)},
      {.group = kEngine,
       .flags = "-k, --lock-memory",
       .key = "process.lock_memory",
       .help = "mlockall(2) the process",
       .reload = Reload::kRestart,
       .reported_as = "process",
       .field = Switch(&Config::lock_memory, true)},
      {.group = kProcess,
       .flags = "-r, --enable-coredumps",
       .key = "process.enable_coredumps",
       .help = "raise the core file limit to its maximum",
       .reload = Reload::kRestart,
       .reported_as = "process",
       .field = Switch(&Config::enable_coredumps, true)},
      {.group = kEngine,
       .flags = "--backend",
       .value_name = "NAME",
       .key = "backend.name",
       .help = "memory (default), simple-memory (the seed's\n"
               "plain store under the metadata layer), redis, or\n"
               "grpc (a service implementing memgate.backend.v1)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = TextChecked(&Config::backend, "memory|simple-memory|redis|grpc")},
      {.group = kEngine,
       .flags = "--no-extra",
       .key = "backend.no_extra",
       .help = "pass-through mode for plain stores: no flags,\n"
               "expiry or cas checks (the seed's no_extra)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Switch(&Config::no_extra, true)},
      {.group = kEngine,
       .flags = "-L, --enable-largepages",
       .help = "(compat)",
       .field = SwitchAction([](const Input& in, Config& c) {
         Warn(in, c, "accepted for compatibility; the memory backend allocates per item");
         return absl::OkStatus();
       })},
      {.group = kEngine,
       .flags = "-f, --slab-growth-factor",
       .value_name = "F",
       .help = "(compat)",
       .field = Action([](const Input& in, Config& c) {
         double factor = 0;
         if (!absl::SimpleAtod(ToAbsl(in.text), &factor) || factor <= 1.0) {
           return Refuse("Factor must be greater than 1");
         }
         Warn(in, c, kSlabsWhy);
         return absl::OkStatus();
       })},
      {.group = kEngine,
       .flags = "-n, --slab-min-size",
       .value_name = "N",
       .help = "(compat)",
       .field = Action([](const Input& in, Config& c) {
         int size = 0;
         if (!absl::SimpleAtoi(ToAbsl(in.text), &size) || size <= 0) {
           return Refuse("Chunk size must be greater than 0");
         }
         Warn(in, c, kSlabsWhy);
         return absl::OkStatus();
       })},
      {.group = kEngine,
       .flags = "-D",
       .value_name = "CHAR",
       .help = "(compat) per-prefix stats stay off",
       .field = Compat("accepted for compatibility; per-prefix stats stay off")},
      {.group = kEngine,
       .flags = "-N, --napi_ids",
       .value_name = "N",
       .help = "(compat)",
       .field = Compat("accepted for compatibility; connections are not grouped by NAPI id")},
      {.group = kEngine,
       .flags = "-e, --memory-file",
       .value_name = "F",
       .help = "(compat) the cache is not restartable",
       .field = Compat("accepted for compatibility; the cache is not restartable")},
      {.group = kEngine,
       .flags = "-X, --disable-dumping, -W, --disable-watch",
       .help = "no cachedump, metadump or watch: memgate has none",
       // Already disabled: memgate has neither.
       .field = SwitchAction([](const Input&, Config&) { return absl::OkStatus(); })},
      {.group = kEngine,
       .flags = "-S, --enable-sasl",
       .help = "SASL: refused (not supported)",
       .field = SwitchAction([](const Input&, Config&) { return Refuse(kSecurityWhy); })},
      {.group = kEngine,
       .flags = "-Y, --auth-file",
       .value_name = "FILE",
       .help = "ASCII auth: refused (not supported)",
       .field = Action([](const Input&, Config&) {
         return Refuse("ASCII authentication is not supported; refusing to serve without it");
       })},
      {.group = kEngine,
       .flags = "-Z, --enable-ssl",
       .help = "TLS: refused (not supported)",
       .field = SwitchAction([](const Input&, Config&) { return Refuse(kSecurityWhy); })},
      {.group = kRedis,
       .flags = "--redis-url",
       .value_name = "URL",
       .key = "backend.redis.url",
       .help = "redis://[[user]:password@]host:port[/db],\n"
               "rediss://... (TLS) or unix:///path[?db=N];\n"
               "redis+cluster://[[user]:password@]host:port[,host:port...]\n"
               "(rediss+cluster:// for TLS) for a Redis Cluster\n"
               "(default redis://127.0.0.1:6379)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Text(&Config::redis_url)},
      {.group = kRedis,
       .flags = "--redis-prefix",
       .value_name = "P",
       .key = "backend.redis.prefix",
       .help = "Redis key = P + memcached key (default none)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Text(&Config::redis_prefix)},
      {.group = kRedis,
       .flags = "--redis-connections",
       .value_name = "N",
       .key = "backend.redis.connections",
       .help = "Redis connections per event-loop thread (default 1)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Number<int>(&Config::redis_connections, 1, 64)},
      {.group = kRedis,
       .flags = "--redis-timeout",
       .value_name = "D",
       .key = "backend.redis.timeout",
       .help = "per command, e.g. 500ms, 2s, 1m (default 1s)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = DurationText(&Config::redis_timeout)},
      {.group = kRedis,
       .flags = "--redis-cluster-refresh",
       .value_name = "D",
       .key = "backend.redis.cluster_refresh",
       .help = "how often the cluster slot map is read again\n"
               "besides after redirections and node failures\n"
               "(default 5s)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = DurationText(&Config::redis_cluster_refresh)},
      {.group = kRedis,
       .flags = "--redis-mode",
       .value_name = "M",
       .key = "backend.redis.mode",
       .help = "memcached (items keep flags, expiry and cas; the\n"
               "default) or raw (plain Redis strings, flags 0)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = TextChecked(&Config::redis_mode, "memcached|raw")},
      {.group = kRedis,
       .flags = "--redis-flush",
       .value_name = "F",
       .key = "backend.redis.flush",
       .help = "what flush_all does: prefix (delete the keys under\n"
               "--redis-prefix), db (FLUSHDB ASYNC) or off; default\n"
               "prefix with a prefix, else db; raw mode: off",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = TextChecked(&Config::redis_flush, "prefix|db|off|")},
      {.group = kRedis,
       .flags = "--redis-tls-ca",
       .value_name = "F",
       .key = "backend.redis.tls_ca",
       .help = "CA file for rediss:// (default: system store)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Text(&Config::redis_tls_ca)},
      {.group = kRedis,
       .flags = "--redis-tls-cert",
       .value_name = "F",
       .key = "backend.redis.tls_cert",
       .help = "client certificate for rediss://",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Text(&Config::redis_tls_cert)},
      {.group = kRedis,
       .flags = "--redis-tls-key",
       .value_name = "F",
       .key = "backend.redis.tls_key",
       .help = "the client certificate's key",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Text(&Config::redis_tls_key)},
      {.group = kRedis,
       .flags = "--redis-tls-insecure",
       .key = "backend.redis.tls_insecure",
       .help = "skip the server certificate and host name checks",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Switch(&Config::redis_tls_insecure, true)},
      {.group = kGrpc,
       .flags = "--grpc-target",
       .value_name = "TARGET",
       .key = "backend.grpc.target",
       .help = "the service: host:port, unix:/path, any gRPC target",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Text(&Config::grpc_target)},
      {.group = kGrpc,
       .flags = "--grpc-timeout",
       .value_name = "D",
       .key = "backend.grpc.timeout",
       .help = "deadline of each call, e.g. 500ms (default 1s)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field =
           Duration(&Config::grpc_timeout, false, "expects a positive duration like 500ms or 2s")},
      {.group = kGrpc,
       .flags = "--grpc-tls-ca",
       .value_name = "FILE",
       .key = "backend.grpc.tls_ca",
       .help = "use TLS, trusting this CA (PEM)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = Text(&Config::grpc_tls_ca)},
      {.group = kGrpc,
       .flags = "--grpc-header",
       .value_name = "'N: V'",
       .key = "backend.grpc.headers",
       .help = "send this header on every call (repeatable)",
       .reload = Reload::kRestart,
       .reported_as = "backend",
       .field = TextList(&Config::grpc_headers)},
      {.group = kAdmin,
       .flags = "--admin",
       .value_name = "ADDR",
       .key = "admin.address",
       .help = "admin address (default 127.0.0.1:50051, skipped with\n"
               "a warning when taken; \"none\" disables; port 0 picks\n"
               "a free port)",
       .reload = Reload::kRestart,
       .reported_as = "admin",
       .field = AdminAddress()},
      {.group = kAdmin,
       .flags = "--admin-token-file",
       .value_name = "F",
       .key = "admin.token_file",
       .help = "require \"authorization: Bearer <token>\"",
       .reload = Reload::kRestart,
       .reported_as = "admin",
       .field = Text(&Config::admin_token_file)},
      {.group = kAdmin,
       .flags = "--admin-insecure",
       .key = "admin.insecure",
       .help = "allow a non-loopback admin address without a token",
       .reload = Reload::kRestart,
       .reported_as = "admin",
       .field = Switch(&Config::admin_insecure, true)},
      {.group = kAdmin,
       .flags = "--admin-tls-cert",
       .value_name = "F",
       .key = "admin.tls_cert",
       .help = "serve the admin API over TLS with this certificate",
       .reload = Reload::kRestart,
       .reported_as = "admin",
       .field = Text(&Config::admin_tls_cert)},
      {.group = kAdmin,
       .flags = "--admin-tls-key",
       .value_name = "F",
       .key = "admin.tls_key",
       .help = "the admin certificate's key",
       .reload = Reload::kRestart,
       .reported_as = "admin",
       .field = Text(&Config::admin_tls_key)},
      {.group = kProcess,
       .flags = "-u, --user",
       .value_name = "USER",
       .help = "(compat) memgate does not change user",
       .field = Compat("accepted for compatibility; memgate does not change user")},
      {.group = kProcess,
       .flags = "-v, --verbose, -vv, -vvv",
       .help = "log more",
       .field = SwitchAction([](const Input& in, Config& c) {
         const int level = in.name.starts_with("-vv") ? static_cast<int>(in.name.size()) - 1 : 1;
         c.verbosity = in.name.starts_with("-vv") ? level : std::max(c.verbosity, 1);
         return absl::OkStatus();
       })},
      {.group = kOperations,
       .flags = "--log-level",
       .value_name = "L",
       .key = "logging.level",
       .help = "error, warn, info (default), debug or trace",
       .reload = Reload::kLive,
       .field = LogLevel()},
      {.group = kOperations,
       .flags = "--log-format",
       .value_name = "F",
       .key = "logging.format",
       .help = "text (default) or json (one object per line)",
       .reload = Reload::kLive,
       .field = Choice(&Config::log_format, {"text", "json"}, "expects text or json")},
      {.group = kOperations,
       .flags = "--access-log",
       .value_name = "FILE",
       .key = "logging.access_log",
       .help = "one line per closed client connection",
       .reload = Reload::kRestart,
       .field = Text(&Config::access_log)},
      {.group = kOperations,
       .flags = "--metrics",
       .value_name = "ADDR",
       .key = "metrics.address",
       .help = "serve Prometheus metrics on http://ADDR/metrics\n"
               "(default off)",
       .reload = Reload::kRestart,
       .reported_as = "metrics",
       .field = Text(&Config::metrics)},
      {.group = kOperations,
       .flags = "--print-config-reference",
       .help = "print docs/configuration.md, the table of every\n"
               "setting, and exit",
       .field = SwitchAction([](const Input&, Config& c) {
         c.print_reference = true;
         return absl::OkStatus();
       })},
      {.group = kInformation,
       .flags = "-V, --version",
       .help = "print the version",
       .field = SwitchAction([](const Input&, Config& c) {
         c.version = true;
         return absl::OkStatus();
       })},
      {.group = kInformation,
       .flags = "-i, --license",
       .help = "print the license note",
       .field = SwitchAction([](const Input&, Config& c) {
         c.license = true;
         return absl::OkStatus();
       })},
      {.group = kInformation,
       .flags = "-h, --help",
       .help = "this help",
       .field = SwitchAction([](const Input&, Config& c) {
         c.help = true;
         return absl::OkStatus();
       })},
  };
}

}  // namespace

const std::vector<Setting>& SettingTable() {
  static const std::vector<Setting>* const table = new std::vector<Setting>(BuildTable());
  return *table;
}

const std::vector<std::string_view>& SettingGroups() {
  static const std::vector<std::string_view>* const groups = new std::vector<std::string_view>{
      kListeners, kEngine, kRedis, kGrpc, kAdmin, kProcess, kOperations, kInformation};
  return *groups;
}

std::vector<std::string_view> FlagNames(const Setting& setting) {
  std::vector<std::string_view> names;
  for (absl::string_view name : absl::StrSplit(ToAbsl(setting.flags), ", ", absl::SkipEmpty())) {
    names.push_back(FromAbsl(name));
  }
  return names;
}

const Setting* FindFlag(std::string_view name) {
  static const auto* const by_flag = [] {
    auto* map = new absl::flat_hash_map<std::string_view, const Setting*>();
    for (const Setting& setting : SettingTable()) {
      for (std::string_view flag : FlagNames(setting)) map->emplace(flag, &setting);
    }
    return map;
  }();
  auto it = by_flag->find(name);
  return it == by_flag->end() ? nullptr : it->second;
}

const Setting* FindKey(std::string_view key) {
  for (const Setting& setting : SettingTable()) {
    if (!setting.key.empty() && setting.key == key) return &setting;
  }
  return nullptr;
}

absl::Status RefusePart(std::string_view subject, std::string_view why) {
  absl::Status status = absl::InvalidArgumentError(ToAbsl(why));
  status.SetPayload(kRefusedPart, absl::Cord(ToAbsl(subject)));
  return status;
}

std::string RefusedPart(const absl::Status& status) {
  const auto subject = status.GetPayload(kRefusedPart);
  return subject ? std::string(*subject) : std::string();
}

std::string FlagsLabel(const Setting& setting) {
  if (setting.value_name.empty()) return std::string(setting.flags);
  return absl::StrCat(ToAbsl(setting.flags), " ", ToAbsl(setting.value_name));
}

std::string ValueText(const Value& value) {
  struct Visitor {
    std::string operator()(const std::string& s) const { return s.empty() ? "\"\"" : s; }
    std::string operator()(int64_t n) const { return absl::StrCat(n); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::vector<std::string>& list) const {
      return absl::StrCat("[", absl::StrJoin(list, ", "), "]");
    }
    std::string operator()(const std::vector<int64_t>& list) const {
      return absl::StrCat("[", absl::StrJoin(list, ", "), "]");
    }
    std::string operator()(const ListenerValues& l) const {
      std::vector<std::string> addresses = l.addresses;
      for (const ListenerConfig& listener : l.listeners) addresses.push_back(listener.address);
      return absl::StrCat("[", absl::StrJoin(addresses, ", "), "]");
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace memgate::app
