// Turns parsed commands into backend calls and backend outcomes into
// memcached replies, counting what `stats` reports.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "backends/backend.h"
#include "server/meta_dispatcher.h"
#include "server/protocol/command.h"
#include "server/server_stats.h"
#include "server/session.h"

namespace memgate::server {

// Facts `stats` reports that the dispatcher does not own.
struct DispatcherSettings {
  int threads = 1;
  uint64_t max_connections = 1024;
  int64_t start_time = 0;  // unix seconds
  uint64_t item_size_max = 1 << 20;  // -I, for `stats settings`
  // Appends memcached's `stats conns` lines for every live client;
  // `requester` is the id of the client asking. Set by the server; when
  // empty, `stats conns` lists nothing.
  std::function<void(std::string& out, uint64_t requester)> append_conns;
};

class Dispatcher {
 public:
  Dispatcher(backends::Backend& backend, ServerStats& stats, DispatcherSettings settings);

  // Executes `command` for `session`. The command's views need only live for
  // this call. The reply goes to a slot reserved now, so replies keep command
  // order even when the backend completes later.
  void Execute(const protocol::Command& command, Session& session);

  // A refused `set` (value too large) drops the key's old value, as memcached
  // does, then answers `error_reply` (static text; may be empty for noreply).
  void Invalidate(std::string_view key, std::string_view error_reply, Session& session);

  // True when the backend may receive a client's next command before the
  // previous one completed.
  bool PipelinesInOrder() const { return pipelines_in_order_; }

  backends::Backend& backend() { return backend_; }

 private:
  void Retrieve(const protocol::Command& command, Session& session);
  void Store(const protocol::Command& command, Session& session);
  void Delete(const protocol::Command& command, Session& session);
  void Arith(const protocol::Command& command, Session& session);
  void Touch(const protocol::Command& command, Session& session);
  void FlushAll(const protocol::Command& command, Session& session);
  void Stats(const protocol::Command& command, Session& session);
  void AppendGeneralStats(std::string& out) const;
  void AppendSettingsStats(std::string& out) const;
  void AppendBackendStats(std::string& out) const;

  backends::Backend& backend_;
  ServerStats& stats_;
  DispatcherSettings settings_;
  bool pipelines_in_order_;
  MetaDispatcher meta_;
};

}  // namespace memgate::server
