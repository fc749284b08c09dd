// The memgate executable: parse flags, build the backend, open listeners, run
// until SIGINT or SIGTERM.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "admin/admin_server.h"
#include "app/backend_factory.h"
#include "app/backend_health.h"
#include "server/config.h"
#include "server/config_file.h"
#include "server/metrics/metrics_http_server.h"
#include "server/metrics/server_metrics.h"
#include "server/server.h"
#include "server/version.h"

namespace {

using memgate::server::Config;

int Fail(const std::string& message) {
  std::fprintf(stderr, "memgate: %s\n", message.c_str());
  return 2;
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
  absl::StatusOr<Config> config = memgate::server::LoadConfiguration(argc, argv);
  if (!config.ok()) return Fail(std::string(config.status().message()));
  if (config->help) {
    std::fputs(memgate::server::Usage().c_str(), stdout);
    return 0;
  }
  if (config->version) {
    std::printf("memgate %s (memcached protocol %s)\n", MEMGATE_VERSION, MEMGATE_PROTOCOL_VERSION);
    return 0;
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
  if (config->check_config) {
    std::fputs(memgate::server::FormatConfig(*config).c_str(), stdout);
    return 0;
  }

  auto backend = memgate::app::MakeBackend(*config);
  if (!backend.ok()) return Fail(std::string(backend.status().message()));

  memgate::server::Server server(
      (*backend)->backend(),
      memgate::server::ServerOptions{.threads = config->threads,
                                     .max_connections = config->max_connections,
                                     .max_item_size = config->max_item_size});
  (*backend)->Attach(server);
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
    std::fprintf(stderr, "memgate: metrics on http://%s/metrics\n",
                 metrics->bound_address().c_str());
  }
  for (const std::string& address : config->listen) {
    auto listener = server.Open(address);
    if (!listener.ok()) return Fail(std::string(listener.status().message()));
    std::fprintf(stderr, "memgate: listening on %s (listener %s)\n",
                 listener->bound_address.c_str(), listener->options.id.c_str());
  }
  for (const memgate::server::ListenerConfig& l : config->listeners) {
    auto listener = server.Open(memgate::server::ListenerOptions{
        .id = l.id,
        .address = l.address,
        .max_clients = l.max_clients,
        .idle_timeout = absl::ToChronoMilliseconds(l.idle_timeout)});
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
    auto started = memgate::admin::AdminServer::Start(server, std::move(*admin_settings));
    if (!started.ok()) {
      server.Stop();
      return Fail(std::string(started.status().message()));
    }
    admin = std::move(*started);
    std::fprintf(stderr, "memgate: admin listening on %s%s%s\n", admin->bound_address().c_str(),
                 admin->tls() ? " (TLS)" : "", admin->token_required() ? " (token required)" : "");
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
  if (metrics) metrics->Stop();
  backend_health.reset();
  if (admin) admin->Stop();
  (*backend)->Detach();
  server.Stop();
  return 0;
}
