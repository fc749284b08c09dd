// The config file: every key read into the same settings as its flag, every
// kind of bad file refused with its line and key, flags over the file, and
// the printed configuration read back unchanged.
#include "app/config/config_file.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "app/config/config_printer.h"
#include "gtest/gtest.h"

namespace memgate::app {
namespace {

absl::StatusOr<Config> Parse(const std::string& yaml) { return ParseConfigYaml(yaml, "m.yaml"); }

TEST(ConfigFileTest, EmptyFileGivesTheFlagDefaults) {
  absl::StatusOr<Config> config = Parse("");
  ASSERT_TRUE(config.ok()) << config.status();
  const Config defaults;
  EXPECT_TRUE(config->listen.empty());
  EXPECT_TRUE(config->listeners.empty());
  EXPECT_EQ(config->backend, defaults.backend);
  EXPECT_EQ(config->memory_limit_mb, defaults.memory_limit_mb);
  EXPECT_EQ(config->admin, defaults.admin);
  EXPECT_EQ(config->shutdown_timeout, absl::Seconds(10));
}

TEST(ConfigFileTest, ReadsEveryKey) {
  absl::StatusOr<Config> config = Parse(R"(
listeners:
  - id: main
    address: 127.0.0.1:0
    max_clients: 100
    idle_timeout: 5m
  - address: unix:/tmp/memgate-test.sock
listen_fds: [3, 4]
threads: 3
shutdown_timeout: 2s
limits:
  max_item_size: 2m
  memory_mb: 128
  max_connections: 50
  idle_timeout: 30
  evictions: false
  reqs_per_event: 5
protocol:
  flush_all: false
  cas: false
  shutdown_command: true
network:
  listen_backlog: 64
  unix_mask: "750"
process:
  pid_file: /tmp/memgate.pid
  daemonize: true
  lock_memory: true
  enable_coredumps: true
backend:
  name: redis
  no_extra: yes
  redis:
    url: redis://10.0.0.1:6380/2
    prefix: "app:"
    connections: 4
    timeout: 250ms
    cluster_refresh: 2s
    mode: raw
    flush: "off"
    tls_ca: ca.pem
    tls_cert: c.pem
    tls_key: k.pem
    tls_insecure: true
  grpc:
    target: unix:/run/kv.sock
    timeout: 2s
    tls_ca: g.pem
    headers: ["authorization: Bearer x", "x-tenant: blue"]
admin:
  address: 127.0.0.1:0
  token_file: token
  insecure: true
  tls_cert: a.pem
  tls_key: a.key
logging:
  level: warn
  format: json
  access_log: /tmp/access.log
metrics:
  address: 127.0.0.1:9150
)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->listeners.size(), 2u);
  EXPECT_EQ(config->listeners[0], (ListenerConfig{.id = "main",
                                                  .address = "127.0.0.1:0",
                                                  .max_clients = 100,
                                                  .idle_timeout = absl::Minutes(5)}));
  EXPECT_EQ(config->listeners[1], (ListenerConfig{.address = "unix:/tmp/memgate-test.sock"}));
  EXPECT_TRUE(config->listen.empty());
  EXPECT_EQ(config->listen_fds, (std::vector<int>{3, 4}));
  EXPECT_EQ(config->threads, 3);
  EXPECT_EQ(config->shutdown_timeout, absl::Seconds(2));
  EXPECT_EQ(config->memory_limit_mb, 128u);
  EXPECT_EQ(config->max_item_size, 2u << 20);
  EXPECT_EQ(config->max_connections, 50u);
  EXPECT_EQ(config->idle_timeout, std::chrono::seconds(30));
  EXPECT_FALSE(config->evictions_enabled);
  EXPECT_EQ(config->reqs_per_event, 5);
  EXPECT_FALSE(config->flush_enabled);
  EXPECT_FALSE(config->cas_enabled);
  EXPECT_TRUE(config->enable_shutdown);
  EXPECT_EQ(config->listen_backlog, 64);
  EXPECT_EQ(config->unix_mask, 0750u);
  EXPECT_EQ(config->pid_file, "/tmp/memgate.pid");
  EXPECT_TRUE(config->daemonize);
  EXPECT_TRUE(config->lock_memory);
  EXPECT_TRUE(config->enable_coredumps);
  EXPECT_EQ(config->backend, "redis");
  EXPECT_TRUE(config->no_extra);
  EXPECT_EQ(config->redis_url, "redis://10.0.0.1:6380/2");
  EXPECT_EQ(config->redis_prefix, "app:");
  EXPECT_EQ(config->redis_connections, 4);
  EXPECT_EQ(config->redis_timeout, "250ms");
  EXPECT_EQ(config->redis_cluster_refresh, "2s");
  EXPECT_EQ(config->redis_mode, "raw");
  EXPECT_EQ(config->redis_flush, "off");
  EXPECT_EQ(config->redis_tls_ca, "ca.pem");
  EXPECT_EQ(config->redis_tls_cert, "c.pem");
  EXPECT_EQ(config->redis_tls_key, "k.pem");
  EXPECT_TRUE(config->redis_tls_insecure);
  EXPECT_EQ(config->grpc_target, "unix:/run/kv.sock");
  EXPECT_EQ(config->grpc_timeout, absl::Seconds(2));
  EXPECT_EQ(config->grpc_tls_ca, "g.pem");
  EXPECT_EQ(config->grpc_headers,
            (std::vector<std::string>{"authorization: Bearer x", "x-tenant: blue"}));
  EXPECT_EQ(config->admin, "127.0.0.1:0");
  EXPECT_EQ(config->admin_token_file, "token");
  EXPECT_TRUE(config->admin_insecure);
  EXPECT_EQ(config->admin_tls_cert, "a.pem");
  EXPECT_EQ(config->admin_tls_key, "a.key");
  EXPECT_EQ(config->log_level, "warn");
  EXPECT_EQ(config->log_format, "json");
  EXPECT_EQ(config->access_log, "/tmp/access.log");
  EXPECT_EQ(config->metrics, "127.0.0.1:9150");

  // What --check-config prints reads back as the same settings.
  absl::StatusOr<Config> again = Parse(FormatConfig(*config));
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << FormatConfig(*config);
  EXPECT_EQ(FormatConfig(*again), FormatConfig(*config));
  EXPECT_EQ(again->listeners, config->listeners);
  EXPECT_EQ(again->grpc_headers, config->grpc_headers);
}

struct BadFile {
  std::string yaml;
  std::string error;  // the whole message
};

TEST(ConfigFileTest, RefusesBadFilesNamingLineAndKey) {
  const std::vector<BadFile> cases = {
      // Malformed YAML.
      {"threads: [1\n", "m.yaml:2: end of sequence flow not found"},
      {"- a\n- b\n", "m.yaml:1: the file must be a map of settings"},
      // Unknown keys, at any depth.
      {"thread: 2\n", "m.yaml:1: thread: unknown key"},
      {"limits:\n  memory: 1\n", "m.yaml:2: limits.memory: unknown key"},
      {"backend:\n  redis:\n    urls: x\n", "m.yaml:3: backend.redis.urls: unknown key"},
      {"listeners:\n  - address: 127.0.0.1:0\n  - adress: 127.0.0.1:1\n",
       "m.yaml:3: listeners[1].adress: unknown key"},
      {"threads: 2\nthreads: 3\n", "m.yaml:2: threads: given twice"},
      // Wrong types.
      {"threads: [2]\n", "m.yaml:1: threads: expects a single value, not a list or map"},
      {"threads:\n", "m.yaml:1: threads: has no value"},
      {"limits: 5\n", "m.yaml:1: limits: expects a map of settings"},
      {"listeners: 127.0.0.1:0\n", "m.yaml:1: listeners: expects a list of listeners"},
      {"listeners:\n  - 127.0.0.1:0\n", "m.yaml:2: listeners[0]: expects a map with an address"},
      {"backend:\n  no_extra: maybe\n", "m.yaml:2: backend.no_extra: expects true or false"},
      {"backend:\n  grpc:\n    headers: 'a: b'\n",
       "m.yaml:3: backend.grpc.headers: expects a list"},
      // Bad values, checked as the flag parser checks them.
      {"threads: 300\n", "m.yaml:1: threads: \"300\" is not a number from 1 to 256"},
      {"limits:\n  max_item_size: 12x\n",
       "m.yaml:2: limits.max_item_size: Item max size cannot be less than 1024 bytes."},
      // -I against -m, whichever comes first in the file.
      {"limits:\n  max_item_size: 64m\n  memory_mb: 100\n",
       "m.yaml:3: limits.memory_mb: Cannot set item size limit higher than 1/2 of memory max."},
      {"limits:\n  max_connections: -1\n",
       "m.yaml:2: limits.max_connections: \"-1\" is not a number from 1 to 1000000"},
      {"backend:\n  grpc:\n    timeout: soon\n",
       "m.yaml:3: backend.grpc.timeout: expects a positive duration like 500ms or 2s"},
      {"backend:\n  name: mysql\n",
       "m.yaml:2: backend.name: \"mysql\" is not one of memory, simple-memory, redis, grpc"},
      {"backend:\n  redis:\n    mode: fast\n",
       "m.yaml:3: backend.redis.mode: \"fast\" is not one of memcached, raw"},
      {"logging:\n  level: loud\n",
       "m.yaml:2: logging.level: expects error, warn, info, debug or trace"},
      {"logging:\n  format: xml\n", "m.yaml:2: logging.format: expects text or json"},
      {"shutdown_timeout: later\n",
       "m.yaml:1: shutdown_timeout: expects a duration like 10s or 500ms"},
      {"listeners:\n  - address: 127.0.0.1:0\n  - address: nope\n",
       "m.yaml:3: listeners[1].address: bad address \"nope\": missing port (want host:port, "
       "[v6]:port or unix:/path)"},
      {"listeners:\n  - id: main\n", "m.yaml:2: listeners[0]: needs an address"},
      {"listeners:\n  - address: 127.0.0.1:0\n    id: a b\n",
       "m.yaml:3: listeners[0].id: expects letters, digits, '-', '_' or '.' (at most 63)"},
      {"listeners:\n  - {id: a, address: 127.0.0.1:0}\n  - {id: a, address: 127.0.0.1:1}\n",
       "m.yaml:3: listeners[1].id: listener \"a\" given twice"},
      {"listeners:\n  - address: 127.0.0.1:0\n    max_clients: lots\n",
       "m.yaml:3: listeners[0].max_clients: \"lots\" is not a number from 0 to 4294967295"},
      {"listeners:\n  - address: 127.0.0.1:0\n    idle_timeout: 300\n",
       "m.yaml:3: listeners[0].idle_timeout: expects a duration like 300s or 5m (0: never)"},
      {"listen_fds: [x]\n", "m.yaml:1: listen_fds[0]: expects a descriptor number"},
  };
  for (const BadFile& c : cases) {
    absl::StatusOr<Config> config = Parse(c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message(), c.error) << c.yaml;
  }
}

class ConfigFileOnDiskTest : public testing::Test {
 protected:
  std::string Write(const std::string& yaml) {
    std::ofstream(path_) << yaml;
    return path_;
  }
  absl::StatusOr<Config> Load(std::vector<std::string> flags) {
    std::vector<std::string> args = {"memgate", "--config", path_};
    args.insert(args.end(), flags.begin(), flags.end());
    return LoadConfiguration(args);
  }
  void TearDown() override { std::remove(path_.c_str()); }

  const std::string path_ = testing::TempDir() + "/memgate-config-test.yaml";
};

TEST_F(ConfigFileOnDiskTest, FlagsOverrideTheFile) {
  Write(R"(
listeners:
  - id: main
    address: 127.0.0.1:0
threads: 3
limits:
  memory_mb: 128
backend:
  grpc:
    headers: ["a: 1"]
logging:
  level: warn
)");
  absl::StatusOr<Config> file_only = Load({});
  ASSERT_TRUE(file_only.ok()) << file_only.status();
  EXPECT_TRUE(file_only->listen.empty());
  ASSERT_EQ(file_only->listeners.size(), 1u);
  EXPECT_EQ(file_only->threads, 3);
  EXPECT_EQ(file_only->grpc_headers, std::vector<std::string>{"a: 1"});
  EXPECT_EQ(file_only->config_file, path_);
  EXPECT_EQ(EffectiveLogLevel(*file_only), "warn");

  absl::StatusOr<Config> overridden =
      Load({"-t", "2", "--listen", "127.0.0.1:1", "--grpc-header", "b: 2", "--log-level", "debug"});
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(overridden->threads, 2);
  EXPECT_EQ(overridden->memory_limit_mb, 128u);  // not given as a flag: the file's
  EXPECT_EQ(overridden->listen, std::vector<std::string>{"127.0.0.1:1"});
  EXPECT_TRUE(overridden->listeners.empty());
  EXPECT_EQ(overridden->grpc_headers, std::vector<std::string>{"b: 2"});
  EXPECT_EQ(EffectiveLogLevel(*overridden), "debug");

  // -p alone replaces the file's listeners with memcached's meaning.
  absl::StatusOr<Config> port = Load({"-p", "22122"});
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(port->listen, std::vector<std::string>{"127.0.0.1:22122"});
  EXPECT_TRUE(port->listeners.empty());
}

TEST_F(ConfigFileOnDiskTest, FileWithoutListenersKeepsTheDefaultListener) {
  Write("threads: 2\n");
  absl::StatusOr<Config> config = Load({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, std::vector<std::string>{"127.0.0.1:11211"});
}

TEST_F(ConfigFileOnDiskTest, MissingFileIsAnError) {
  absl::StatusOr<Config> config =
      LoadConfiguration(std::vector<std::string>{"memgate", "--config", "/nonexistent.yaml"});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), "/nonexistent.yaml: cannot read the config file");
}

TEST(ConfigFileTest, VerbosityGivesTheLogLevel) {
  Config config;
  EXPECT_EQ(EffectiveLogLevel(config), "info");
  config.verbosity = 1;
  EXPECT_EQ(EffectiveLogLevel(config), "debug");
  config.verbosity = 2;
  EXPECT_EQ(EffectiveLogLevel(config), "trace");
  config.log_level = "error";
  EXPECT_EQ(EffectiveLogLevel(config), "error");
}

TEST(ConfigFileTest, ExampleFileIsValid) {
  const std::string path = std::string(MEMGATE_SOURCE_DIR) + "/examples/memgate.yaml";
  absl::StatusOr<Config> config = LoadConfigFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->listeners.empty());

  // It documents every key --check-config prints.
  std::ifstream in(path);
  const std::string example((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Config full;
  full.listeners.push_back({.id = "x", .address = "127.0.0.1:0"});
  std::istringstream printed(FormatConfig(full));
  for (std::string line; std::getline(printed, line);) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon + 1);
    key.erase(0, key.find_first_not_of(" -"));
    if (key.starts_with('"')) continue;  // a list element, not a key
    EXPECT_NE(example.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace memgate::app
