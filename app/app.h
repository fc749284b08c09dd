// The memgate process from start to stop: load the configuration, build the
// backend, open the listeners, the metrics and admin servers, reload on
// request, and take everything down again in the reverse order.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "admin/admin_server.h"
#include "app/backend_factory.h"
#include "app/backend_health.h"
#include "app/config/config.h"
#include "app/config_reload.h"
#include "server/lifecycle_log.h"
#include "server/metrics/metrics_http_server.h"
#include "server/server.h"

namespace memgate::app {

class App {
 public:
  App() = default;
  // Stops what Start started, the backend's hold on the server's event
  // loops first.
  ~App();

  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Reads the command line (and the config file it names) and starts
  // serving; logs "ready" when it does. Returns the exit code when the
  // process should end now instead: 0 after --help, --version, --license,
  // --check-config or --print-config-reference; 2 (64 for memcached's -I
  // refusals) after a bad configuration or a failed start, which it logs.
  // Call with SIGINT, SIGTERM and SIGHUP blocked, before any other thread
  // starts: -d forks.
  std::optional<int> Start(int argc, char** argv);

  // Re-reads the config file with the start-up flags and applies what can
  // change live; logs the outcome, `cause` naming what asked for it.
  void Reload(const std::string& cause);

  // Gives clients the shutdown timeout to receive their replies, then stops
  // serving. `signal_number` is the signal that asked for it.
  void Stop(int signal_number);

 private:
  // After the configuration is read: everything Start does that can fail.
  std::optional<int> Serve();

  Config config_;
  std::unique_ptr<BackendHolder> backend_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<server::LifecycleLog> lifecycle_log_;
  std::unique_ptr<ConfigReloader> reloader_;
  std::unique_ptr<server::metrics::MetricsHttpServer> metrics_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<BackendHealthReporter> backend_health_;
};

}  // namespace memgate::app
