// The config file's schema. Each setting a flag covers goes through the flag
// parser, so a file and a command line accept and refuse exactly the same
// values; yaml-cpp's exceptions stop here.
#include "server/config_file.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/absl_compat.h"
#include "common/item_limits.h"
#include "server/address.h"
#include "yaml-cpp/yaml.h"

namespace memgate::server {
namespace {

constexpr std::size_t kMaxListenerIdLength = 63;

// A key's value; a bool is applied by `set_bool`, anything else by handing
// `flag` and the text to the flag parser.
struct Setting {
  std::string_view key;  // dotted path
  std::string_view flag;
  bool Config::*boolean = nullptr;
  bool list = false;  // a sequence, one flag per element
  // Values the flag parser leaves to the backend factory, checked here so
  // a bad one is reported with its line: "a|b" (any of them) or "duration".
  std::string_view check;
  // Put before the value handed to the flag (-o takes "name=value").
  std::string_view value_prefix;
};

constexpr Setting kSettings[] = {
    {.key = "threads", .flag = "--threads"},
    {.key = "shutdown_timeout", .flag = "--shutdown-timeout"},
    {.key = "limits.memory_mb", .flag = "--memory-limit"},
    {.key = "limits.max_item_size", .flag = "--max-item-size"},
    {.key = "limits.max_connections", .flag = "--conn-limit"},
    {.key = "limits.idle_timeout", .flag = "-o", .value_prefix = "idle_timeout="},
    {.key = "limits.evictions", .boolean = &Config::evictions_enabled},
    {.key = "limits.reqs_per_event", .flag = "--max-reqs-per-event"},
    {.key = "protocol.flush_all", .boolean = &Config::flush_enabled},
    {.key = "protocol.cas", .boolean = &Config::cas_enabled},
    {.key = "protocol.shutdown_command", .boolean = &Config::enable_shutdown},
    {.key = "network.listen_backlog", .flag = "--listen-backlog"},
    {.key = "network.unix_socket", .flag = "--unix-socket"},
    {.key = "network.unix_mask", .flag = "--unix-mask"},
    {.key = "process.pid_file", .flag = "--pidfile"},
    {.key = "process.daemonize", .boolean = &Config::daemonize},
    {.key = "process.lock_memory", .boolean = &Config::lock_memory},
    {.key = "process.enable_coredumps", .boolean = &Config::enable_coredumps},
    {.key = "backend.name", .flag = "--backend", .check = "memory|simple-memory|redis|grpc"},
    {.key = "backend.no_extra", .boolean = &Config::no_extra},
    {.key = "backend.redis.url", .flag = "--redis-url"},
    {.key = "backend.redis.prefix", .flag = "--redis-prefix"},
    {.key = "backend.redis.connections", .flag = "--redis-connections"},
    {.key = "backend.redis.timeout", .flag = "--redis-timeout", .check = "duration"},
    {.key = "backend.redis.cluster_refresh",
     .flag = "--redis-cluster-refresh",
     .check = "duration"},
    {.key = "backend.redis.mode", .flag = "--redis-mode", .check = "memcached|raw"},
    {.key = "backend.redis.flush", .flag = "--redis-flush", .check = "prefix|db|off|"},
    {.key = "backend.redis.tls_ca", .flag = "--redis-tls-ca"},
    {.key = "backend.redis.tls_cert", .flag = "--redis-tls-cert"},
    {.key = "backend.redis.tls_key", .flag = "--redis-tls-key"},
    {.key = "backend.redis.tls_insecure", .boolean = &Config::redis_tls_insecure},
    {.key = "backend.grpc.target", .flag = "--grpc-target"},
    {.key = "backend.grpc.timeout", .flag = "--grpc-timeout"},
    {.key = "backend.grpc.tls_ca", .flag = "--grpc-tls-ca"},
    {.key = "backend.grpc.headers", .flag = "--grpc-header", .list = true},
    {.key = "admin.address", .flag = "--admin"},
    {.key = "admin.token_file", .flag = "--admin-token-file"},
    {.key = "admin.insecure", .boolean = &Config::admin_insecure},
    {.key = "admin.tls_cert", .flag = "--admin-tls-cert"},
    {.key = "admin.tls_key", .flag = "--admin-tls-key"},
    {.key = "logging.level", .flag = "--log-level"},
    {.key = "logging.format", .flag = "--log-format"},
    {.key = "logging.access_log", .flag = "--access-log"},
    {.key = "metrics.address", .flag = "--metrics"},
};

class Reader {
 public:
  Reader(std::string_view source, Config& config) : source_(source), config_(config) {}

  absl::Status Read(const YAML::Node& root) {
    if (root.IsNull()) return absl::OkStatus();  // an empty file: defaults
    if (!root.IsMap()) return Error(root, "", "the file must be a map of settings");
    if (absl::Status status = ReadMap(root, ""); !status.ok()) return status;
    return CheckItemSize();
  }

 private:
  absl::Status Error(const YAML::Node& at, std::string_view key, std::string_view why) const {
    return Error(at.Mark(), key, why);
  }
  absl::Status Error(const YAML::Mark& mark, std::string_view key, std::string_view why) const {
    std::string where = absl::StrCat(ToAbsl(source_), ":", mark.line + 1, ": ");
    if (!key.empty()) absl::StrAppend(&where, ToAbsl(key), ": ");
    return absl::InvalidArgumentError(absl::StrCat(where, ToAbsl(why)));
  }

  // A scalar's text, or an error for a map, a list or nothing.
  absl::StatusOr<std::string> Scalar(const YAML::Node& node, std::string_view key) const {
    // A missing value is reported on its key's line, not the next one.
    if (node.IsNull()) return Error(key_mark_, key, "has no value");
    if (!node.IsScalar()) return Error(node, key, "expects a single value, not a list or map");
    return node.Scalar();
  }

  absl::Status ReadMap(const YAML::Node& map, std::string_view prefix) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) return Error(it->first, prefix, "keys must be names");
      const std::string key = prefix.empty()
                                  ? it->first.Scalar()
                                  : absl::StrCat(ToAbsl(prefix), ".", it->first.Scalar());
      if (!seen_.insert(key).second) return Error(it->first, key, "given twice");
      key_mark_ = it->first.Mark();
      absl::Status status = ReadKey(it->first, it->second, key);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status ReadKey(const YAML::Node& key_node, const YAML::Node& value,
                       const std::string& key) {
    if (key == "listeners") return ReadListeners(value);
    if (key == "listen_fds") return ReadListenFds(value);
    for (const Setting& setting : kSettings) {
      if (setting.key == key) return Apply(setting, value);
    }
    const std::string section = key + ".";
    for (const Setting& setting : kSettings) {
      if (!setting.key.starts_with(section)) continue;
      if (!value.IsMap()) return Error(value, key, "expects a map of settings");
      return ReadMap(value, key);
    }
    return Error(key_node, key, "unknown key");
  }

  absl::Status Apply(const Setting& setting, const YAML::Node& value) {
    if (setting.boolean != nullptr) {
      bool b = false;
      if (!value.IsScalar() || !YAML::convert<bool>::decode(value, b)) {
        return Error(value, setting.key, "expects true or false");
      }
      config_.*setting.boolean = b;
      return absl::OkStatus();
    }
    if (setting.list) {
      if (!value.IsSequence()) return Error(value, setting.key, "expects a list");
      std::size_t i = 0;
      for (const YAML::Node& element : value) {
        const std::string key = absl::StrCat(ToAbsl(setting.key), "[", i++, "]");
        absl::StatusOr<std::string> text = Scalar(element, key);
        if (!text.ok()) return text.status();
        if (absl::Status s = ApplyFlag(setting.flag, *text, element, key); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
    absl::StatusOr<std::string> text = Scalar(value, setting.key);
    if (!text.ok()) return text.status();
    if (absl::Status s = Check(setting, *text, value); !s.ok()) return s;
    // -t and -R take no 0, nor -s an empty path, but the file may say "the
    // default" as it is printed.
    if (setting.key == "threads" && *text == "0") {
      config_.threads = 0;
      return absl::OkStatus();
    }
    if (setting.key == "limits.reqs_per_event" && *text == "0") {
      config_.reqs_per_event = 0;
      return absl::OkStatus();
    }
    if (setting.key == "network.unix_socket" && text->empty()) {
      config_.unix_socket.clear();
      return absl::OkStatus();
    }
    return ApplyFlag(setting.flag, absl::StrCat(ToAbsl(setting.value_prefix), *text), value,
                     setting.key);
  }

  absl::Status Check(const Setting& setting, const std::string& text, const YAML::Node& at) const {
    if (setting.check.empty()) return absl::OkStatus();
    if (setting.check == "duration") {
      absl::Duration d;
      if (absl::ParseDuration(text, &d) && d > absl::ZeroDuration()) return absl::OkStatus();
      return Error(at, setting.key, "expects a positive duration like 500ms or 2s");
    }
    for (absl::string_view choice : absl::StrSplit(ToAbsl(setting.check), '|')) {
      if (choice == text) return absl::OkStatus();
    }
    return Error(at, setting.key,
                 absl::StrCat("\"", text, "\" is not one of ",
                              absl::StrReplaceAll(ToAbsl(setting.check), {{"|", ", "}})));
  }

  // Runs "memgate FLAG VALUE" through the flag parser over the settings read
  // so far; its complaint, without the flag's name, becomes the key's.
  absl::Status ApplyFlag(std::string_view flag, const std::string& text, const YAML::Node& at,
                         std::string_view key) {
    const std::string name(flag);
    const char* argv[] = {"memgate", name.c_str(), text.c_str()};
    // Repeated elements add up: the flag parser would restart the list.
    const std::vector<std::string> headers = config_.grpc_headers;
    // -I is weighed against -m, which may come later in the file: both are
    // checked together once the whole file is read.
    Config base = config_;
    base.max_item_size = kDefaultMaxItemSize;
    base.memory_limit_mb = kMaxMemoryLimitMb;
    absl::StatusOr<Config> parsed = ParseCommandLine(3, argv, std::move(base));
    if (!parsed.ok()) {
      absl::string_view why = parsed.status().message();
      absl::ConsumePrefix(&why, absl::StrCat(name, ": "));
      absl::ConsumeSuffix(&why, " (see --help)");
      return Error(at, key, FromAbsl(why));
    }
    // The flag parser adds its default listener when it sees none; the
    // file's listeners are decided after the whole file is read.
    if (flag == "--max-item-size" || flag == "--memory-limit") {
      limits_key_ = key;
      limits_mark_ = at.Mark();
    }
    if (flag != "--max-item-size") parsed->max_item_size = config_.max_item_size;
    if (flag != "--memory-limit") parsed->memory_limit_mb = config_.memory_limit_mb;
    parsed->listen = config_.listen;
    parsed->listeners_from_flags = false;
    parsed->args.clear();
    if (flag == "--grpc-header") {
      std::vector<std::string> all = headers;
      all.push_back(text);
      parsed->grpc_headers = std::move(all);
    }
    config_ = std::move(*parsed);
    return absl::OkStatus();
  }

  // memcached's -I checks over the file's limits.max_item_size and
  // limits.memory_mb together.
  absl::Status CheckItemSize() const {
    const char* argv[] = {"memgate"};
    absl::StatusOr<Config> checked = ParseCommandLine(1, argv, config_);
    if (checked.ok()) return absl::OkStatus();
    return Error(limits_mark_, limits_key_, FromAbsl(checked.status().message()));
  }

  absl::Status ReadListeners(const YAML::Node& list) {
    if (!list.IsSequence()) return Error(list, "listeners", "expects a list of listeners");
    std::size_t i = 0;
    for (const YAML::Node& item : list) {
      const std::string key = absl::StrCat("listeners[", i++, "]");
      if (!item.IsMap()) return Error(item, key, "expects a map with an address");
      ListenerConfig listener;
      bool has_address = false;
      for (auto it = item.begin(); it != item.end(); ++it) {
        const std::string name = it->first.Scalar();
        const std::string field = absl::StrCat(key, ".", name);
        const YAML::Node value = it->second;
        key_mark_ = it->first.Mark();
        absl::StatusOr<std::string> text = Scalar(value, field);
        if (name != "id" && name != "address" && name != "max_clients" && name != "idle_timeout") {
          return Error(it->first, field, "unknown key");
        }
        if (!text.ok()) return text.status();
        if (name == "id") {
          if (absl::Status s = CheckListenerId(*text, value, field); !s.ok()) return s;
          listener.id = *text;
        } else if (name == "address") {
          if (absl::StatusOr<Endpoint> e = ResolveAddress(*text); !e.ok()) {
            return Error(value, field, FromAbsl(e.status().message()));
          }
          listener.address = *text;
          has_address = true;
        } else if (name == "max_clients") {
          if (!absl::SimpleAtoi(*text, &listener.max_clients)) {
            return Error(value, field,
                         absl::StrCat("\"", *text, "\" is not a number from 0 to ",
                                      std::numeric_limits<uint32_t>::max()));
          }
        } else {
          if (!absl::ParseDuration(*text, &listener.idle_timeout) ||
              listener.idle_timeout < absl::ZeroDuration()) {
            return Error(value, field, "expects a duration like 300s or 5m (0: never)");
          }
        }
      }
      if (!has_address) return Error(item, key, "needs an address");
      config_.listeners.push_back(std::move(listener));
    }
    return absl::OkStatus();
  }

  absl::Status CheckListenerId(const std::string& id, const YAML::Node& at,
                               std::string_view key) const {
    const bool valid = !id.empty() && id.size() <= kMaxListenerIdLength &&
                       std::all_of(id.begin(), id.end(), [](char c) {
                         return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
                       });
    if (!valid) {
      return Error(at, key, "expects letters, digits, '-', '_' or '.' (at most 63)");
    }
    for (const ListenerConfig& other : config_.listeners) {
      if (other.id == id) return Error(at, key, absl::StrCat("listener \"", id, "\" given twice"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadListenFds(const YAML::Node& list) {
    if (!list.IsSequence()) return Error(list, "listen_fds", "expects a list of descriptors");
    std::size_t i = 0;
    for (const YAML::Node& element : list) {
      const std::string key = absl::StrCat("listen_fds[", i++, "]");
      absl::StatusOr<std::string> text = Scalar(element, key);
      if (!text.ok()) return text.status();
      int fd = -1;
      if (!absl::SimpleAtoi(*text, &fd) || fd < 0) {
        return Error(element, key, "expects a descriptor number");
      }
      config_.listen_fds.push_back(fd);
    }
    return absl::OkStatus();
  }

  const std::string_view source_;
  Config& config_;
  std::set<std::string> seen_;
  YAML::Mark key_mark_;
  // The later of limits.max_item_size and limits.memory_mb, which the -I
  // checks are reported on.
  std::string limits_key_ = "limits.max_item_size";
  YAML::Mark limits_mark_;
};

std::string FormatSize(std::size_t bytes) {
  if (bytes % (1 << 20) == 0) return absl::StrCat(bytes >> 20, "m");
  if (bytes % (1 << 10) == 0) return absl::StrCat(bytes >> 10, "k");
  return absl::StrCat(bytes);
}

}  // namespace

absl::StatusOr<Config> ParseConfigYaml(std::string_view text, std::string_view source) {
  Config config;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    absl::Status status = Reader(source, config).Read(root);
    if (!status.ok()) return status;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(source), ":", e.mark.line + 1, ": ", e.msg));
  }
  config.listen.clear();
  return config;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the config file"));
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfigYaml(text.str(), path);
}

absl::StatusOr<Config> LoadConfiguration(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return LoadConfiguration(static_cast<int>(argv.size()), argv.data());
}

absl::StatusOr<Config> LoadConfiguration(int argc, const char* const* argv) {
  absl::StatusOr<Config> flags = ParseCommandLine(argc, argv);
  if (!flags.ok() || flags->config_file.empty()) return flags;
  absl::StatusOr<Config> file = LoadConfigFile(flags->config_file);
  if (!file.ok()) return file.status();
  return ParseCommandLine(argc, argv, *std::move(file));
}

std::string EffectiveLogLevel(const Config& config) {
  if (!config.log_level.empty()) return config.log_level;
  if (config.verbosity >= 2) return "trace";
  return config.verbosity == 1 ? "debug" : "info";
}

std::string FormatConfig(const Config& config) {
  YAML::Emitter out;
  auto duration = [](absl::Duration d) { return absl::FormatDuration(d); };
  out << YAML::BeginMap;
  out << YAML::Key << "listeners" << YAML::Value << YAML::BeginSeq;
  for (const std::string& address : config.listen) {
    out << YAML::BeginMap << YAML::Key << "address" << YAML::Value << address << YAML::EndMap;
  }
  for (const ListenerConfig& l : config.listeners) {
    out << YAML::BeginMap;
    if (!l.id.empty()) out << YAML::Key << "id" << YAML::Value << l.id;
    out << YAML::Key << "address" << YAML::Value << l.address;
    out << YAML::Key << "max_clients" << YAML::Value << l.max_clients;
    out << YAML::Key << "idle_timeout" << YAML::Value << duration(l.idle_timeout);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "listen_fds" << YAML::Value << YAML::Flow << config.listen_fds;
  out << YAML::Key << "threads" << YAML::Value << config.threads;
  out << YAML::Key << "shutdown_timeout" << YAML::Value << duration(config.shutdown_timeout);
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "memory_mb" << YAML::Value << config.memory_limit_mb;
  out << YAML::Key << "max_item_size" << YAML::Value << FormatSize(config.max_item_size);
  out << YAML::Key << "max_connections" << YAML::Value << config.max_connections;
  out << YAML::Key << "idle_timeout" << YAML::Value << config.idle_timeout.count();
  out << YAML::Key << "evictions" << YAML::Value << config.evictions_enabled;
  out << YAML::Key << "reqs_per_event" << YAML::Value << config.reqs_per_event;
  out << YAML::EndMap;
  out << YAML::Key << "protocol" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "flush_all" << YAML::Value << config.flush_enabled;
  out << YAML::Key << "cas" << YAML::Value << config.cas_enabled;
  out << YAML::Key << "shutdown_command" << YAML::Value << config.enable_shutdown;
  out << YAML::EndMap;
  out << YAML::Key << "network" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen_backlog" << YAML::Value << config.listen_backlog;
  out << YAML::Key << "unix_socket" << YAML::Value << config.unix_socket;
  out << YAML::Key << "unix_mask" << YAML::Value << absl::StrFormat("%03o", config.unix_mask);
  out << YAML::EndMap;
  out << YAML::Key << "process" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "pid_file" << YAML::Value << config.pid_file;
  out << YAML::Key << "daemonize" << YAML::Value << config.daemonize;
  out << YAML::Key << "lock_memory" << YAML::Value << config.lock_memory;
  out << YAML::Key << "enable_coredumps" << YAML::Value << config.enable_coredumps;
  out << YAML::EndMap;
  out << YAML::Key << "backend" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << config.backend;
  out << YAML::Key << "no_extra" << YAML::Value << config.no_extra;
  out << YAML::Key << "redis" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "url" << YAML::Value << config.redis_url;
  out << YAML::Key << "prefix" << YAML::Value << config.redis_prefix;
  out << YAML::Key << "connections" << YAML::Value << config.redis_connections;
  out << YAML::Key << "timeout" << YAML::Value << config.redis_timeout;
  out << YAML::Key << "cluster_refresh" << YAML::Value << config.redis_cluster_refresh;
  out << YAML::Key << "mode" << YAML::Value << config.redis_mode;
  out << YAML::Key << "flush" << YAML::Value << config.redis_flush;
  out << YAML::Key << "tls_ca" << YAML::Value << config.redis_tls_ca;
  out << YAML::Key << "tls_cert" << YAML::Value << config.redis_tls_cert;
  out << YAML::Key << "tls_key" << YAML::Value << config.redis_tls_key;
  out << YAML::Key << "tls_insecure" << YAML::Value << config.redis_tls_insecure;
  out << YAML::EndMap;
  out << YAML::Key << "grpc" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "target" << YAML::Value << config.grpc_target;
  out << YAML::Key << "timeout" << YAML::Value << duration(config.grpc_timeout);
  out << YAML::Key << "tls_ca" << YAML::Value << config.grpc_tls_ca;
  out << YAML::Key << "headers" << YAML::Value << config.grpc_headers;
  out << YAML::EndMap;
  out << YAML::EndMap;
  out << YAML::Key << "admin" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "address" << YAML::Value << config.admin;
  out << YAML::Key << "token_file" << YAML::Value << config.admin_token_file;
  out << YAML::Key << "insecure" << YAML::Value << config.admin_insecure;
  out << YAML::Key << "tls_cert" << YAML::Value << config.admin_tls_cert;
  out << YAML::Key << "tls_key" << YAML::Value << config.admin_tls_key;
  out << YAML::EndMap;
  out << YAML::Key << "logging" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "level" << YAML::Value << EffectiveLogLevel(config);
  out << YAML::Key << "format" << YAML::Value << config.log_format;
  out << YAML::Key << "access_log" << YAML::Value << config.access_log;
  out << YAML::EndMap;
  out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "address" << YAML::Value << config.metrics;
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace memgate::server
