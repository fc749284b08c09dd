// Live reload (SIGHUP, admin ReloadConfig): re-reads the config file with the
// start-up flags and applies what can change while memgate runs (listeners
// added and removed, per-listener limits, log level and format, shutdown
// timeout). What cannot (backend, threads, limits of the whole server,
// admin, metrics) is reported and left as it is. A file that does not load
// changes nothing.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "app/config/config.h"
#include "server/server.h"

namespace memgate::app {

struct ReloadReport {
  std::vector<std::string> applied;
  std::vector<std::string> not_applied;
};

// The listeners a configuration asks for: the flags' addresses, then the
// file's listeners; -o idle_timeout fills in those that set no idle timeout.
std::vector<ListenerConfig> ConfiguredListeners(const Config& config);

// How to open `listener` under `config`: its own settings plus the server's
// listen backlog (-b) and the unix socket's mode (-s with -a).
server::ListenerOptions ListenerOptionsFor(const Config& config, const ListenerConfig& listener);

class ConfigReloader {
 public:
  // `running` is the configuration memgate started with; `server` must
  // outlive the reloader.
  ConfigReloader(server::Server& server, Config running);

  // A start-up listener opened for `listener`, now `id`: reloads manage it.
  void Track(const ListenerConfig& listener, const std::string& id);

  // FAILED_PRECONDITION without a config file; the loader's
  // INVALID_ARGUMENT for a bad file; the listener manager's error when a
  // new listener cannot open (the listeners opened for this reload are
  // closed again). Thread-safe; reloads run one at a time.
  absl::StatusOr<ReloadReport> Reload();

  absl::Duration shutdown_timeout() const;

 private:
  server::Server& server_;
  mutable absl::Mutex mu_;
  Config running_ ABSL_GUARDED_BY(mu_);
  // Listener key (its id, or its address when it has none) -> listener id.
  std::map<std::string, std::string> managed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ListenerConfig> managed_config_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::app
