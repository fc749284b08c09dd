// ConfigReloader: the running configuration against the re-read one, one
// setting group at a time.
#include "app/config_reload.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "app/config/config_file.h"
#include "app/config/restart_changes.h"
#include "common/log.h"

namespace memgate::app {
namespace {

std::string Key(const ListenerConfig& listener) {
  return listener.id.empty() ? "address " + listener.address : listener.id;
}

}  // namespace

std::vector<ListenerConfig> ConfiguredListeners(const Config& config) {
  std::vector<ListenerConfig> out;
  for (const std::string& address : config.listen) out.push_back({.address = address});
  out.insert(out.end(), config.listeners.begin(), config.listeners.end());
  // -o idle_timeout is the default of every listener that sets none.
  for (ListenerConfig& l : out) {
    if (l.idle_timeout == absl::ZeroDuration())
      l.idle_timeout = absl::FromChrono(config.idle_timeout);
  }
  return out;
}

server::ListenerOptions ListenerOptionsFor(const Config& config, const ListenerConfig& l) {
  return {.id = l.id,
          .address = l.address,
          .max_clients = l.max_clients,
          .idle_timeout = absl::ToChronoMilliseconds(l.idle_timeout),
          .backlog = config.listen_backlog,
          .unix_mode = l.address == "unix:" + config.unix_socket ? config.unix_mask : 0};
}

ConfigReloader::ConfigReloader(server::Server& server, Config running)
    : server_(server), running_(std::move(running)) {}

void ConfigReloader::Track(const ListenerConfig& listener, const std::string& id) {
  absl::MutexLock lock(&mu_);
  managed_[Key(listener)] = id;
  managed_config_[Key(listener)] = listener;
}

absl::Duration ConfigReloader::shutdown_timeout() const {
  absl::MutexLock lock(&mu_);
  return running_.shutdown_timeout;
}

absl::StatusOr<ReloadReport> ConfigReloader::Reload() {
  absl::MutexLock lock(&mu_);
  if (running_.config_file.empty()) {
    return absl::FailedPreconditionError("memgate was started without --config: nothing to reload");
  }
  absl::StatusOr<Config> loaded = LoadConfiguration(running_.args);
  if (!loaded.ok()) return loaded.status();
  Config& next = *loaded;
  ReloadReport report;
  for (const std::string& what : RestartOnlyChanges(running_, next)) {
    report.not_applied.push_back(absl::StrCat(what, ": changed; takes a restart"));
  }

  // Listeners: open the new ones first, so a failure leaves everything as
  // it was.
  std::map<std::string, ListenerConfig> wanted;
  for (const ListenerConfig& l : ConfiguredListeners(next)) wanted[Key(l)] = l;
  std::vector<std::pair<std::string, server::ListenerInfo>> opened;
  for (const auto& [key, l] : wanted) {
    if (managed_.contains(key)) continue;
    absl::StatusOr<server::ListenerInfo> info = server_.Open(ListenerOptionsFor(next, l));
    if (!info.ok()) {
      for (const auto& [unused, o] : opened) {
        server_.listeners().Close(o.options.id, server::CloseMode::kCloseNow).IgnoreError();
      }
      return info.status();
    }
    opened.emplace_back(key, *info);
  }
  for (const auto& [key, info] : opened) {
    managed_[key] = info.options.id;
    managed_config_[key] = wanted[key];
    report.applied.push_back(
        absl::StrCat("listener ", info.options.id, " opened on ", info.bound_address));
    LogInfo(absl::StrCat("listening on ", info.bound_address, " (listener ", info.options.id, ")"),
            {Field("address", info.bound_address), Field("listener", info.options.id)});
  }
  for (auto it = managed_.begin(); it != managed_.end();) {
    const auto& [key, id] = *it;
    if (wanted.contains(key)) {
      ++it;
      continue;
    }
    absl::Status closed = server_.listeners().Close(
        id, server::CloseMode::kDrain, absl::ToChronoMilliseconds(next.shutdown_timeout));
    report.applied.push_back(closed.ok() ? absl::StrCat("listener ", id, " removed (draining)")
                                         : absl::StrCat("listener ", id, ": ", closed.message()));
    managed_config_.erase(key);
    it = managed_.erase(it);
  }
  for (auto& [key, current] : managed_config_) {
    const ListenerConfig& want = wanted[key];
    const std::string& id = managed_[key];
    // Port 0 in the old file and the port it got in the new one are the
    // same listener.
    if (want.address != current.address) {
      absl::StatusOr<server::ListenerInfo> info = server_.listeners().Get(id);
      if (info.ok() && info->bound_address == want.address) current.address = want.address;
    }
    if (want.address != current.address) {
      report.not_applied.push_back(
          absl::StrCat("listener ", id, ": address change to ", want.address, " takes a new id"));
      continue;
    }
    if (want.max_clients == current.max_clients && want.idle_timeout == current.idle_timeout) {
      continue;
    }
    if (server_.listeners()
            .UpdateLimits(id, want.max_clients, absl::ToChronoMilliseconds(want.idle_timeout))
            .ok()) {
      report.applied.push_back(absl::StrCat("listener ", id, ": max_clients ", want.max_clients,
                                            ", idle_timeout ",
                                            absl::FormatDuration(want.idle_timeout)));
      current.max_clients = want.max_clients;
      current.idle_timeout = want.idle_timeout;
    }
  }

  const std::string level = EffectiveLogLevel(next);
  if (level != EffectiveLogLevel(running_)) {
    if (absl::StatusOr<LogLevel> parsed = ParseLogLevel(level); parsed.ok()) {
      Logger::Get().SetLevel(*parsed);
      report.applied.push_back(absl::StrCat("log level ", level));
    }
  }
  if (next.log_format != running_.log_format) {
    Logger::Get().SetFormat(next.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
    report.applied.push_back(absl::StrCat("log format ", next.log_format));
  }
  if (next.shutdown_timeout != running_.shutdown_timeout) {
    report.applied.push_back(
        absl::StrCat("shutdown timeout ", absl::FormatDuration(next.shutdown_timeout)));
  }

  // What could not change stays as it runs, so the next reload compares
  // against what is in effect.
  Config in_effect = running_;
  in_effect.listen = next.listen;
  in_effect.listeners = next.listeners;
  in_effect.log_level = next.log_level;
  in_effect.verbosity = next.verbosity;
  in_effect.log_format = next.log_format;
  in_effect.shutdown_timeout = next.shutdown_timeout;
  running_ = std::move(in_effect);
  return report;
}

}  // namespace memgate::app
