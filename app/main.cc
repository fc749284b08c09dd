// The memgate executable: load the configuration, build the backend, open
// listeners, run until SIGINT or SIGTERM (or the shutdown command, which
// raises SIGTERM); SIGHUP reloads the config file.
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "admin/admin_server.h"
#include "app/backend_factory.h"
#include "app/backend_health.h"
#include "app/config_reload.h"
#include "app/process.h"
#include "server/config.h"
#include "server/config_file.h"
#include "server/lifecycle_log.h"
#include "common/log.h"
#include "server/metrics/metrics_http_server.h"
#include "server/metrics/server_metrics.h"
#include "server/server.h"
#include "server/version.h"

namespace {

using memgate::server::Config;

int Fail(const std::string& message, int exit_code = 2) {
  memgate::LogError(message);
  return exit_code;
}

// -d moves to "/": relative paths must be resolved before.
void ResolvePathsForDaemon(Config& config) {
  config.pid_file = memgate::app::Absolute(config.pid_file);
  for (std::string& address : config.listen) {
    if (address.starts_with("unix:")) {
      address = "unix:" + memgate::app::Absolute(address.substr(5));
    }
  }
  if (!config.unix_socket.empty()) {
    config.unix_socket = memgate::app::Absolute(config.unix_socket);
  }
}

// -A: the shutdown command takes SIGTERM's path, so it stops the process the
// way a signal does. kill, not raise: every thread blocks SIGTERM and only
// main's sigwait takes it, which a signal sent to one thread would miss.
std::function<void(bool)> ShutdownHook(const Config& config) {
  if (!config.enable_shutdown) return nullptr;
  return [](bool graceful) {
    memgate::LogInfo(graceful ? "shutdown graceful command" : "shutdown command");
    kill(getpid(), SIGTERM);
  };
}

void LogListening(const memgate::server::ListenerInfo& listener, int fd = -1) {
  std::string message =
      absl::StrCat("listening on ", listener.bound_address, " (listener ", listener.options.id);
  if (fd >= 0) absl::StrAppend(&message, ", fd ", fd);
  message += ")";
  memgate::LogInfo(message, {memgate::Field("address", listener.bound_address),
                                     memgate::Field("listener", listener.options.id)});
}

// A reload's outcome, one line each for what changed and what did not.
void LogReload(const absl::StatusOr<memgate::app::ReloadReport>& report, const std::string& cause) {
  if (!report.ok()) {
    memgate::LogError(
        absl::StrCat("reload (", cause, ") rejected, nothing changed: ", report.status().message()),
        {memgate::Field("cause", cause)});
    return;
  }
  for (const std::string& change : report->applied) {
    memgate::LogInfo(absl::StrCat("reload: ", change),
                             {memgate::Field("cause", cause)});
  }
  for (const std::string& kept : report->not_applied) {
    memgate::LogWarn(absl::StrCat("reload: not applied: ", kept),
                             {memgate::Field("cause", cause)});
  }
  memgate::LogInfo(absl::StrCat("reload (", cause, ") done: ", report->applied.size(),
                                        " applied, ", report->not_applied.size(), " not applied"),
                           {memgate::Field("cause", cause)});
}

// The log's level and format, and the access log, as configured.
absl::Status SetUpLogs(const Config& config) {
  auto& logger = memgate::Logger::Get();
  absl::StatusOr<memgate::LogLevel> level =
      memgate::ParseLogLevel(memgate::server::EffectiveLogLevel(config));
  if (!level.ok()) return level.status();
  logger.SetLevel(*level);
  logger.SetFormat(config.log_format == "json" ? memgate::LogFormat::kJson
                                               : memgate::LogFormat::kText);
  if (config.access_log.empty()) return absl::OkStatus();
  return logger.OpenAccessLog(config.access_log);
}

}  // namespace

int main(int argc, char** argv) {
  // Block the signals before any thread starts (the memory backend's sweeper
  // starts with the backend), so every thread inherits the mask and only the
  // main thread's sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reload
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Debian's abseil is built with absl::Mutex deadlock detection on, which
  // records every lock in a global graph: on the data path that costs more
  // than the cache work itself. memgate's lock order is fixed and tested.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::StatusOr<Config> config = memgate::server::LoadConfiguration(argc, argv);
  if (!config.ok()) {
    return Fail(std::string(config.status().message()),
                memgate::server::ExitCodeFor(config.status()));
  }
  if (config->help) {
    std::fputs(memgate::server::Usage().c_str(), stdout);
    return 0;
  }
  if (config->version) {
    std::printf("memgate %s (memcached protocol %s)\n", MEMGATE_VERSION, MEMGATE_PROTOCOL_VERSION);
    return 0;
  }
  if (config->license) {
    std::printf(
        "memgate %s: no bundled license text (memcached's and libevent's do not "
        "apply)\n",
        MEMGATE_VERSION);
    return 0;
  }
  if (absl::Status logs = SetUpLogs(*config); !logs.ok()) {
    return Fail(std::string(logs.message()));
  }
  for (const std::string& warning : config->warnings) memgate::LogWarn(warning);

  // Admin flags are checked before any listener opens: a memgate that exits
  // for a bad flag must not have served anyone.
  std::optional<memgate::admin::AdminSettings> admin_settings;
  if (config->admin != "none") {
    auto loaded = memgate::admin::LoadAdminSettings({.address = config->admin,
                                                     .token_file = config->admin_token_file,
                                                     .insecure = config->admin_insecure,
                                                     .tls_cert_file = config->admin_tls_cert,
                                                     .tls_key_file = config->admin_tls_key,
                                                     .args = config->args});
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    for (const std::string& warning : loaded->warnings) memgate::LogWarn(warning);
    admin_settings = std::move(*loaded);
  }
  if (config->check_config) {
    std::fputs(memgate::server::FormatConfig(*config).c_str(), stdout);
    return 0;
  }
  // Before any thread exists: a fork keeps only the calling thread.
  if (config->daemonize) {
    ResolvePathsForDaemon(*config);
    if (absl::Status status = memgate::app::Daemonize(config->verbosity > 0); !status.ok()) {
      return Fail(std::string(status.message()));
    }
  }
  if (!config->pid_file.empty()) {
    if (absl::Status status = memgate::app::WritePidFile(config->pid_file); !status.ok()) {
      return Fail(std::string(status.message()));
    }
  }
  if (config->enable_coredumps) {
    if (absl::Status status = memgate::app::EnableCoredumps(); !status.ok()) {
      memgate::LogWarn(std::string(status.message()));
    }
  }
  if (config->lock_memory) {
    if (absl::Status status = memgate::app::LockMemory(); !status.ok()) {
      memgate::LogWarn(std::string(status.message()));
    }
  }

  auto backend = memgate::app::MakeBackend(*config);
  if (!backend.ok()) return Fail(std::string(backend.status().message()));

  memgate::server::Server server(
      (*backend)->backend(),
      memgate::server::ServerOptions{.threads = config->threads,
                                     .max_connections = config->max_connections,
                                     .max_item_size = config->max_item_size,
                                     .flush_enabled = config->flush_enabled,
                                     .cas_enabled = config->cas_enabled,
                                     .reqs_per_event = config->reqs_per_event,
                                     .on_shutdown = ShutdownHook(*config)});
  (*backend)->Attach(server);
  memgate::server::LifecycleLog lifecycle_log(server.events(), server.stats());
  memgate::app::ConfigReloader reloader(server, *config);
  // Whatever way main leaves, a backend on the server's loops lets go of
  // them before the server (and its loops) is destroyed.
  struct DetachOnExit {
    memgate::app::BackendHolder& holder;
    ~DetachOnExit() { holder.Detach(); }
  } detach_on_exit{**backend};
  // Before any listener opens, so a bad --metrics address serves no one.
  std::unique_ptr<memgate::server::metrics::MetricsHttpServer> metrics;
  if (!config->metrics.empty()) {
    auto started = memgate::server::metrics::MetricsHttpServer::Start(config->metrics, [&server] {
      return memgate::server::metrics::CollectServerMetrics(server);
    });
    if (!started.ok()) return Fail(std::string(started.status().message()));
    metrics = std::move(*started);
    memgate::LogInfo(
        absl::StrCat("metrics on http://", metrics->bound_address(), "/metrics"),
        {memgate::Field("address", metrics->bound_address())});
  }
  for (const memgate::server::ListenerConfig& l : memgate::app::ConfiguredListeners(*config)) {
    auto listener = server.Open(memgate::app::ListenerOptionsFor(*config, l));
    if (!listener.ok()) return Fail(std::string(listener.status().message()));
    reloader.Track(l, listener->options.id);
    LogListening(*listener);
  }
  for (int fd : config->listen_fds) {
    auto listener = server.listeners().Adopt(fd, {});
    if (listener.ok()) {
      LogListening(*listener, fd);
      continue;
    }
    // Not a listening socket: serve it as one client connection.
    if (absl::Status served = server.Serve(fd); !served.ok()) {
      return Fail(std::string(served.message()));
    }
    memgate::LogInfo(absl::StrCat("serving connected fd ", fd),
                             {memgate::Field("fd", static_cast<uint64_t>(fd))});
  }
  server.Start();
  std::unique_ptr<memgate::admin::AdminServer> admin;
  if (admin_settings) {
    admin_settings->backend_state = [holder = backend->get()] { return holder->State(); };
    auto started = memgate::admin::AdminServer::Start(server, std::move(*admin_settings));
    if (!started.ok() && !config->admin_explicit) {
      // Several memgates started with memcached's flags alone must all run:
      // only the first gets the default admin port.
      memgate::LogWarn(absl::StrCat("admin API not started: ", started.status().message(),
                                            " (pass --admin to choose an address)"));
    } else if (!started.ok()) {
      server.Stop();
      return Fail(std::string(started.status().message()));
    } else {
      admin = std::move(*started);
    }
  }
  if (admin) {
    admin->SetReloadHandler([&reloader]() -> absl::StatusOr<memgate::admin::ReloadOutcome> {
      absl::StatusOr<memgate::app::ReloadReport> report = reloader.Reload();
      LogReload(report, "ReloadConfig");
      if (!report.ok()) return report.status();
      return memgate::admin::ReloadOutcome{.applied = std::move(report->applied),
                                           .not_applied = std::move(report->not_applied)};
    });
    memgate::LogInfo(
        absl::StrCat("admin listening on ", admin->bound_address(), admin->tls() ? " (TLS)" : "",
                     admin->token_required() ? " (token required)" : ""),
        {memgate::Field("address", admin->bound_address()),
         memgate::Field("tls", admin->tls() ? "yes" : "no"),
         memgate::Field("token", admin->token_required() ? "yes" : "no")});
  }
  // A remote backend's reachability shows in the admin server's health.
  std::unique_ptr<memgate::app::BackendHealthReporter> backend_health;
  if (admin && (*backend)->Reachable().has_value()) {
    backend_health = std::make_unique<memgate::app::BackendHealthReporter>(
        **backend, [admin = admin.get()](bool serving) {
          admin->health().SetServingStatus(memgate::app::kBackendHealthService, serving);
        });
  }
  // The start-up summary; tests and scripts wait for its "ready".
  memgate::LogInfo(
      absl::StrCat(std::string(server.backend().Name()), " backend, ", server.options().threads,
                   " threads, ready"),
      {memgate::Field("version", MEMGATE_VERSION),
       memgate::Field("backend", std::string(server.backend().Name())),
       memgate::Field("threads", static_cast<uint64_t>(server.options().threads)),
       memgate::Field("listeners", static_cast<uint64_t>(server.listeners().List().size())),
       memgate::Field("max_connections", server.options().max_connections),
       memgate::Field("memory_limit_mb", config->memory_limit_mb),
       memgate::Field("admin", admin ? admin->bound_address() : "none"),
       memgate::Field("metrics", metrics ? metrics->bound_address() : "none"),
       memgate::Field("config_file", config->config_file),
       memgate::Field("log_level", memgate::server::EffectiveLogLevel(*config))});

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    LogReload(reloader.Reload(), "SIGHUP");
  }
  memgate::LogInfo(
      absl::StrCat("signal ", signal_number, ", shutting down"),
      {memgate::Field("signal", static_cast<uint64_t>(signal_number))});
  // Replies to what clients have sent go out before memgate exits.
  if (!server.Drain(reloader.shutdown_timeout())) {
    memgate::LogWarn(
        absl::StrCat("shutdown timeout (", absl::FormatDuration(reloader.shutdown_timeout()),
                     ") reached; closing the clients left"),
        {memgate::Field("clients", static_cast<uint64_t>(server.clients().Count()))});
  }
  if (metrics) metrics->Stop();
  backend_health.reset();
  if (admin) admin->Stop();
  (*backend)->Detach();
  server.Stop();
  // memcached removes its pid file on a clean exit when it daemonized.
  if (config->daemonize && !config->pid_file.empty()) unlink(config->pid_file.c_str());
  return 0;
}
