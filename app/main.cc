// The memgate executable: parse flags, build the backend, open listeners, run
// until SIGINT or SIGTERM (or the shutdown command, which raises SIGTERM).
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "admin/admin_server.h"
#include "app/backend_factory.h"
#include "app/backend_health.h"
#include "app/process.h"
#include "server/config.h"
#include "server/server.h"
#include "server/version.h"

namespace {

using memgate::server::Config;

int Fail(const std::string& message, int exit_code = 2) {
  std::fprintf(stderr, "memgate: %s\n", message.c_str());
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
    std::fprintf(stderr, "memgate: shutdown%s command\n", graceful ? " graceful" : "");
    kill(getpid(), SIGTERM);
  };
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
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Debian's abseil is built with absl::Mutex deadlock detection on, which
  // records every lock in a global graph: on the data path that costs more
  // than the cache work itself. memgate's lock order is fixed and tested.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::StatusOr<Config> config = memgate::server::ParseCommandLine(argc, argv);
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
  for (const std::string& warning : config->warnings) {
    std::fprintf(stderr, "memgate: warning: %s\n", warning.c_str());
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
      std::fprintf(stderr, "memgate: warning: %s\n", std::string(status.message()).c_str());
    }
  }
  if (config->lock_memory) {
    if (absl::Status status = memgate::app::LockMemory(); !status.ok()) {
      std::fprintf(stderr, "memgate: warning: %s\n", std::string(status.message()).c_str());
    }
  }

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
    for (const std::string& warning : loaded->warnings) {
      std::fprintf(stderr, "memgate: warning: %s\n", warning.c_str());
    }
    admin_settings = std::move(*loaded);
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
  const std::string unix_socket = "unix:" + config->unix_socket;
  (*backend)->Attach(server);
  // Whatever way main leaves, a backend on the server's loops lets go of
  // them before the server (and its loops) is destroyed.
  struct DetachOnExit {
    memgate::app::BackendHolder& holder;
    ~DetachOnExit() { holder.Detach(); }
  } detach_on_exit{**backend};
  for (const std::string& address : config->listen) {
    auto listener = server.Open(memgate::server::ListenerOptions{
        .address = address,
        .idle_timeout = config->idle_timeout,
        .backlog = config->listen_backlog,
        .unix_mode = address == unix_socket ? config->unix_mask : 0});
    if (!listener.ok()) return Fail(std::string(listener.status().message()));
    std::fprintf(stderr, "memgate: listening on %s (listener %s)\n",
                 listener->bound_address.c_str(), listener->options.id.c_str());
  }
  for (int fd : config->listen_fds) {
    auto listener = server.listeners().Adopt(fd, {});
    if (listener.ok()) {
      std::fprintf(stderr, "memgate: listening on %s (listener %s, fd %d)\n",
                   listener->bound_address.c_str(), listener->options.id.c_str(), fd);
      continue;
    }
    // Not a listening socket: serve it as one client connection.
    if (absl::Status served = server.Serve(fd); !served.ok()) {
      return Fail(std::string(served.message()));
    }
    std::fprintf(stderr, "memgate: serving connected fd %d\n", fd);
  }
  server.Start();
  std::unique_ptr<memgate::admin::AdminServer> admin;
  if (admin_settings) {
    admin_settings->backend_state = [holder = backend->get()] { return holder->State(); };
    auto started = memgate::admin::AdminServer::Start(server, std::move(*admin_settings));
    if (!started.ok() && !config->admin_explicit) {
      // Several memgates started with memcached's flags alone must all run:
      // only the first gets the default admin port.
      std::fprintf(stderr,
                   "memgate: warning: admin API not started: %s (pass --admin to choose "
                   "an address)\n",
                   std::string(started.status().message()).c_str());
    } else if (!started.ok()) {
      server.Stop();
      return Fail(std::string(started.status().message()));
    } else {
      admin = std::move(*started);
      std::fprintf(stderr, "memgate: admin listening on %s%s%s\n", admin->bound_address().c_str(),
                   admin->tls() ? " (TLS)" : "",
                   admin->token_required() ? " (token required)" : "");
    }
  }
  // A remote backend's reachability shows in the admin server's health.
  std::unique_ptr<memgate::app::BackendHealthReporter> backend_health;
  if (admin && (*backend)->Reachable().has_value()) {
    backend_health = std::make_unique<memgate::app::BackendHealthReporter>(
        **backend, [admin = admin.get()](bool serving) {
          admin->health().SetServingStatus(memgate::app::kBackendHealthService, serving);
        });
  }
  std::fprintf(stderr, "memgate: %s backend, %d threads, ready\n",
               std::string(server.backend().Name()).c_str(), server.options().threads);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "memgate: signal %d, shutting down\n", signal_number);
  backend_health.reset();
  if (admin) admin->Stop();
  (*backend)->Detach();
  server.Stop();
  // memcached removes its pid file on a clean exit when it daemonized.
  if (config->daemonize && !config->pid_file.empty()) unlink(config->pid_file.c_str());
  return 0;
}
