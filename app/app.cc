// App: main's start-up, reload and shutdown, in the order memgate has always
// done them (tests wait for the "ready" line it logs last).
#include "app/app.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "app/config/config_file.h"
#include "app/config/config_printer.h"
#include "app/config/config_reference.h"
#include "app/config/usage.h"
#include "app/process.h"
#include "common/log.h"
#include "server/metrics/server_metrics.h"
#include "server/version.h"

namespace memgate::app {
namespace {

int Fail(const std::string& message, int exit_code = 2) {
  LogError(message);
  return exit_code;
}

// -d moves to "/": relative paths must be resolved before.
void ResolvePathsForDaemon(Config& config) {
  config.pid_file = Absolute(config.pid_file);
  for (std::string& address : config.listen) {
    if (address.starts_with("unix:")) address = "unix:" + Absolute(address.substr(5));
  }
  if (!config.unix_socket.empty()) config.unix_socket = Absolute(config.unix_socket);
}

// -A: the shutdown command takes SIGTERM's path, so it stops the process the
// way a signal does. kill, not raise: every thread blocks SIGTERM and only
// main's sigwait takes it, which a signal sent to one thread would miss.
std::function<void(bool)> ShutdownHook(const Config& config) {
  if (!config.enable_shutdown) return nullptr;
  return [](bool graceful) {
    LogInfo(graceful ? "shutdown graceful command" : "shutdown command");
    kill(getpid(), SIGTERM);
  };
}

void LogListening(const server::ListenerInfo& listener, int fd = -1) {
  std::string message =
      absl::StrCat("listening on ", listener.bound_address, " (listener ", listener.options.id);
  if (fd >= 0) absl::StrAppend(&message, ", fd ", fd);
  message += ")";
  LogInfo(message,
          {Field("address", listener.bound_address), Field("listener", listener.options.id)});
}

// A reload's outcome, one line each for what changed and what did not.
void LogReload(const absl::StatusOr<ReloadReport>& report, const std::string& cause) {
  if (!report.ok()) {
    LogError(
        absl::StrCat("reload (", cause, ") rejected, nothing changed: ", report.status().message()),
        {Field("cause", cause)});
    return;
  }
  for (const std::string& change : report->applied) {
    LogInfo(absl::StrCat("reload: ", change), {Field("cause", cause)});
  }
  for (const std::string& kept : report->not_applied) {
    LogWarn(absl::StrCat("reload: not applied: ", kept), {Field("cause", cause)});
  }
  LogInfo(absl::StrCat("reload (", cause, ") done: ", report->applied.size(), " applied, ",
                       report->not_applied.size(), " not applied"),
          {Field("cause", cause)});
}

// The log's level and format, and the access log, as configured.
absl::Status SetUpLogs(const Config& config) {
  auto& logger = Logger::Get();
  absl::StatusOr<LogLevel> level = ParseLogLevel(EffectiveLogLevel(config));
  if (!level.ok()) return level.status();
  logger.SetLevel(*level);
  logger.SetFormat(config.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
  if (config.access_log.empty()) return absl::OkStatus();
  return logger.OpenAccessLog(config.access_log);
}

}  // namespace

App::~App() {
  backend_health_.reset();
  admin_.reset();
  metrics_.reset();
  // A backend on the server's loops lets go of them before the server (and
  // its loops) is destroyed.
  if (backend_) backend_->Detach();
  reloader_.reset();
  lifecycle_log_.reset();
  server_.reset();
}

std::optional<int> App::Start(int argc, char** argv) {
  absl::StatusOr<Config> config = LoadConfiguration(argc, argv);
  if (!config.ok()) {
    return Fail(std::string(config.status().message()), ExitCodeFor(config.status()));
  }
  config_ = *std::move(config);
  if (config_.help) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  if (config_.print_reference) {
    std::fputs(ConfigReference().c_str(), stdout);
    return 0;
  }
  if (config_.version) {
    std::printf("memgate %s (memcached protocol %s)\n", MEMGATE_VERSION, MEMGATE_PROTOCOL_VERSION);
    return 0;
  }
  if (config_.license) {
    std::printf(
        "memgate %s: no bundled license text (memcached's and libevent's do not "
        "apply)\n",
        MEMGATE_VERSION);
    return 0;
  }
  if (absl::Status logs = SetUpLogs(config_); !logs.ok()) return Fail(std::string(logs.message()));
  for (const std::string& warning : config_.warnings) LogWarn(warning);
  return Serve();
}

std::optional<int> App::Serve() {
  // Admin flags are checked before any listener opens: a memgate that exits
  // for a bad flag must not have served anyone.
  std::optional<admin::AdminSettings> admin_settings;
  if (config_.admin != "none") {
    auto loaded = admin::LoadAdminSettings({.address = config_.admin,
                                            .token_file = config_.admin_token_file,
                                            .insecure = config_.admin_insecure,
                                            .tls_cert_file = config_.admin_tls_cert,
                                            .tls_key_file = config_.admin_tls_key,
                                            .args = config_.args});
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    for (const std::string& warning : loaded->warnings) LogWarn(warning);
    admin_settings = std::move(*loaded);
  }
  if (config_.check_config) {
    std::fputs(FormatConfig(config_).c_str(), stdout);
    return 0;
  }
  // Before any thread exists: a fork keeps only the calling thread.
  if (config_.daemonize) {
    ResolvePathsForDaemon(config_);
    if (absl::Status status = Daemonize(config_.verbosity > 0); !status.ok()) {
      return Fail(std::string(status.message()));
    }
  }
  if (!config_.pid_file.empty()) {
    if (absl::Status status = WritePidFile(config_.pid_file); !status.ok()) {
      return Fail(std::string(status.message()));
    }
  }
  if (config_.enable_coredumps) {
    if (absl::Status status = EnableCoredumps(); !status.ok()) {
      LogWarn(std::string(status.message()));
    }
  }
  if (config_.lock_memory) {
    if (absl::Status status = LockMemory(); !status.ok()) LogWarn(std::string(status.message()));
  }

  absl::StatusOr<std::unique_ptr<BackendHolder>> backend = MakeBackend(config_);
  if (!backend.ok()) return Fail(std::string(backend.status().message()));
  backend_ = *std::move(backend);

  server_ = std::make_unique<server::Server>(
      backend_->backend(), server::ServerOptions{.threads = config_.threads,
                                                 .max_connections = config_.max_connections,
                                                 .max_item_size = config_.max_item_size,
                                                 .flush_enabled = config_.flush_enabled,
                                                 .cas_enabled = config_.cas_enabled,
                                                 .reqs_per_event = config_.reqs_per_event,
                                                 .on_shutdown = ShutdownHook(config_)});
  server::Server& server = *server_;
  backend_->Attach(server);
  lifecycle_log_ = std::make_unique<server::LifecycleLog>(server.events(), server.stats());
  reloader_ = std::make_unique<ConfigReloader>(server, config_);
  // Before any listener opens, so a bad --metrics address serves no one.
  if (!config_.metrics.empty()) {
    auto started = server::metrics::MetricsHttpServer::Start(
        config_.metrics, [&server] { return server::metrics::CollectServerMetrics(server); });
    if (!started.ok()) return Fail(std::string(started.status().message()));
    metrics_ = std::move(*started);
    LogInfo(absl::StrCat("metrics on http://", metrics_->bound_address(), "/metrics"),
            {Field("address", metrics_->bound_address())});
  }
  for (const ListenerConfig& l : ConfiguredListeners(config_)) {
    auto listener = server.Open(ListenerOptionsFor(config_, l));
    if (!listener.ok()) return Fail(std::string(listener.status().message()));
    reloader_->Track(l, listener->options.id);
    LogListening(*listener);
  }
  for (int fd : config_.listen_fds) {
    auto listener = server.listeners().Adopt(fd, {});
    if (listener.ok()) {
      LogListening(*listener, fd);
      continue;
    }
    // Not a listening socket: serve it as one client connection.
    if (absl::Status served = server.Serve(fd); !served.ok()) {
      return Fail(std::string(served.message()));
    }
    LogInfo(absl::StrCat("serving connected fd ", fd), {Field("fd", static_cast<uint64_t>(fd))});
  }
  server.Start();
  if (admin_settings) {
    admin_settings->backend_state = [holder = backend_.get()] { return holder->State(); };
    auto started = admin::AdminServer::Start(server, std::move(*admin_settings));
    if (!started.ok() && !config_.admin_explicit) {
      // Several memgates started with memcached's flags alone must all run:
      // only the first gets the default admin port.
      LogWarn(absl::StrCat("admin API not started: ", started.status().message(),
                           " (pass --admin to choose an address)"));
    } else if (!started.ok()) {
      server.Stop();
      return Fail(std::string(started.status().message()));
    } else {
      admin_ = std::move(*started);
    }
  }
  if (admin_) {
    admin_->SetReloadHandler(
        [reloader = reloader_.get()]() -> absl::StatusOr<admin::ReloadOutcome> {
          absl::StatusOr<ReloadReport> report = reloader->Reload();
          LogReload(report, "ReloadConfig");
          if (!report.ok()) return report.status();
          return admin::ReloadOutcome{.applied = std::move(report->applied),
                                      .not_applied = std::move(report->not_applied)};
        });
    LogInfo(
        absl::StrCat("admin listening on ", admin_->bound_address(), admin_->tls() ? " (TLS)" : "",
                     admin_->token_required() ? " (token required)" : ""),
        {Field("address", admin_->bound_address()), Field("tls", admin_->tls() ? "yes" : "no"),
         Field("token", admin_->token_required() ? "yes" : "no")});
  }
  // A remote backend's reachability shows in the admin server's health.
  if (admin_ && backend_->Reachable().has_value()) {
    backend_health_ =
        std::make_unique<BackendHealthReporter>(*backend_, [admin = admin_.get()](bool serving) {
          admin->health().SetServingStatus(kBackendHealthService, serving);
        });
  }
  // The start-up summary; tests and scripts wait for its "ready".
  LogInfo(
      absl::StrCat(std::string(server.backend().Name()), " backend, ", server.options().threads,
                   " threads, ready"),
      {Field("version", MEMGATE_VERSION), Field("backend", std::string(server.backend().Name())),
       Field("threads", static_cast<uint64_t>(server.options().threads)),
       Field("listeners", static_cast<uint64_t>(server.listeners().List().size())),
       Field("max_connections", server.options().max_connections),
       Field("memory_limit_mb", config_.memory_limit_mb),
       Field("admin", admin_ ? admin_->bound_address() : "none"),
       Field("metrics", metrics_ ? metrics_->bound_address() : "none"),
       Field("config_file", config_.config_file), Field("log_level", EffectiveLogLevel(config_))});
  return std::nullopt;
}

void App::Reload(const std::string& cause) { LogReload(reloader_->Reload(), cause); }

void App::Stop(int signal_number) {
  LogInfo(absl::StrCat("signal ", signal_number, ", shutting down"),
          {Field("signal", static_cast<uint64_t>(signal_number))});
  // Replies to what clients have sent go out before memgate exits.
  if (!server_->Drain(reloader_->shutdown_timeout())) {
    LogWarn(absl::StrCat("shutdown timeout (", absl::FormatDuration(reloader_->shutdown_timeout()),
                         ") reached; closing the clients left"),
            {Field("clients", static_cast<uint64_t>(server_->clients().Count()))});
  }
  if (metrics_) metrics_->Stop();
  backend_health_.reset();
  if (admin_) admin_->Stop();
  backend_->Detach();
  server_->Stop();
  // memcached removes its pid file on a clean exit when it daemonized.
  if (config_.daemonize && !config_.pid_file.empty()) unlink(config_.pid_file.c_str());
}

}  // namespace memgate::app
