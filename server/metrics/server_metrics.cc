// Which counter feeds which metric; see docs/operations.md "Metrics" for the
// list.
#include "server/metrics/server_metrics.h"

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "backends/backend.h"
#include "server/metrics/exposition.h"
#include "server/version.h"

namespace memgate::server::metrics {
namespace {

// The backend's answer, which may come after the scrape gave up on it.
struct PendingStats {
  absl::Mutex mu;
  std::optional<backends::StatsResult> result ABSL_GUARDED_BY(mu);
};

std::optional<backends::StatsResult> BackendStats(backends::Backend& backend,
                                                  absl::Duration timeout) {
  auto pending = std::make_shared<PendingStats>();
  backend.Stats([pending](backends::StatsResult result) {
    absl::MutexLock lock(&pending->mu);
    pending->result = std::move(result);
  });
  absl::MutexLock lock(&pending->mu);
  auto answered = [&pending]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pending->mu) {
    return pending->result.has_value();
  };
  pending->mu.AwaitWithTimeout(absl::Condition(&answered), timeout);
  return pending->result;
}

void Commands(ExpositionWriter& w, const CounterTotals& t) {
  w.Family("memgate_commands_total", "counter",
           "Commands by command and outcome (get counts keys, as memcached does).");
  struct Row {
    std::string_view command;
    std::string_view status;
    uint64_t value;
  };
  const Row rows[] = {
      {"get", "hit", t.get_hits},          {"get", "miss", t.get_misses},
      {"set", "hit", t.cmd_set},           {"delete", "hit", t.delete_hits},
      {"delete", "miss", t.delete_misses}, {"incr", "hit", t.incr_hits},
      {"incr", "miss", t.incr_misses},     {"decr", "hit", t.decr_hits},
      {"decr", "miss", t.decr_misses},     {"cas", "hit", t.cas_hits},
      {"cas", "miss", t.cas_misses},       {"cas", "badval", t.cas_badval},
      {"touch", "hit", t.touch_hits},      {"touch", "miss", t.touch_misses},
      {"flush", "hit", t.cmd_flush},
  };
  for (const Row& row : rows) {
    w.Sample("memgate_commands_total", {{"command", row.command}, {"status", row.status}},
             row.value);
  }
}

void BackendCalls(ExpositionWriter& w, std::string_view backend,
                  const std::array<BackendCallTotals, kBackendOperations>& calls) {
  w.Family("memgate_backend_errors_total", "counter",
           "Backend calls that failed, by operation and by what the client got: server_error "
           "(SERVER_ERROR, connection kept) or closed (the backend closed the connection).");
  for (std::size_t op = 0; op < kBackendOperations; ++op) {
    const std::string_view operation = kBackendOperationNames[op];
    w.Sample("memgate_backend_errors_total",
             {{"backend", backend}, {"operation", operation}, {"reason", "server_error"}},
             calls[op].server_errors);
    w.Sample("memgate_backend_errors_total",
             {{"backend", backend}, {"operation", operation}, {"reason", "closed"}},
             calls[op].closed);
  }
  w.Family("memgate_backend_request_duration_seconds", "histogram",
           "Duration of backend calls, from the call to its reply on the client's thread; one "
           "call in 16 is timed.");
  for (std::size_t op = 0; op < kBackendOperations; ++op) {
    const std::string_view operation = kBackendOperationNames[op];
    const BackendCallTotals& c = calls[op];
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < c.buckets.size(); ++i) {
      cumulative += c.buckets[i];
      const std::string le = i < kCallDurationBucketsUs.size()
                                 ? FormatValue(static_cast<double>(kCallDurationBucketsUs[i]) / 1e6)
                                 : std::string("+Inf");
      w.Sample("memgate_backend_request_duration_seconds_bucket",
               {{"backend", backend}, {"operation", operation}, {"le", le}}, cumulative);
    }
    w.Sample("memgate_backend_request_duration_seconds_sum",
             {{"backend", backend}, {"operation", operation}},
             static_cast<double>(c.duration_us) / 1e6);
    w.Sample("memgate_backend_request_duration_seconds_count",
             {{"backend", backend}, {"operation", operation}}, c.timed);
  }
}

}  // namespace

std::string CollectServerMetrics(Server& server, absl::Duration backend_timeout) {
  const std::optional<backends::StatsResult> backend =
      BackendStats(server.backend(), backend_timeout);
  const ServerStats& stats = server.stats();
  const CounterTotals t = stats.Totals();
  ExpositionWriter w;

  w.Family("memgate_up", "gauge", "1 when the backend answered this scrape's stats call.");
  w.Sample("memgate_up", uint64_t{backend.has_value() ? 1u : 0u});
  w.Family("memgate_version", "gauge", "memgate's version and the backend in use.");
  w.Sample("memgate_version", {{"version", MEMGATE_VERSION}, {"backend", server.backend().Name()}},
           uint64_t{1});
  w.Family("memgate_uptime_seconds", "counter", "Seconds since memgate started.");
  w.Sample("memgate_uptime_seconds",
           static_cast<uint64_t>(std::max<int64_t>(0, std::time(nullptr) - server.start_time())));

  Commands(w, t);

  if (backend) {
    const backends::ItemStats& items = backend->items;
    w.Family("memgate_current_items", "gauge", "Items stored in the backend.");
    w.Sample("memgate_current_items", items.curr_items);
    w.Family("memgate_items_total", "counter", "Items stored since start.");
    w.Sample("memgate_items_total", items.total_items);
    w.Family("memgate_items_evicted_total", "counter", "Items evicted to make room.");
    w.Sample("memgate_items_evicted_total", items.evictions);
    w.Family("memgate_items_reclaimed_total", "counter",
             "Times an expired item's memory was reused.");
    w.Sample("memgate_items_reclaimed_total", items.reclaimed);
    w.Family("memgate_current_bytes", "gauge", "Bytes the backend's items use.");
    w.Sample("memgate_current_bytes", items.bytes);
    w.Family("memgate_limit_bytes", "gauge", "The backend's memory limit (-m), in bytes.");
    w.Sample("memgate_limit_bytes", items.limit_maxbytes);
  }

  const std::vector<ListenerInfo> listeners = server.listeners().List();
  w.Family("memgate_current_connections", "gauge", "Clients connected now, by listener.");
  for (const ListenerInfo& l : listeners) {
    w.Sample("memgate_current_connections", {{"listener", l.options.id}},
             static_cast<uint64_t>(l.clients));
  }
  w.Family("memgate_connections_total", "counter",
           "Clients accepted, by listener (since the listener opened).");
  for (const ListenerInfo& l : listeners) {
    w.Sample("memgate_connections_total", {{"listener", l.options.id}}, l.accepted);
  }
  w.Family("memgate_connections_rejected_total", "counter",
           "Connections refused by a connection limit (-c or a listener's max_clients).");
  w.Sample("memgate_connections_rejected_total",
           stats.rejected_connections.load(std::memory_order_relaxed));
  w.Family("memgate_max_connections", "gauge", "The server-wide client limit (-c).");
  w.Sample("memgate_max_connections", server.options().max_connections);
  w.Family("memgate_listener_state", "gauge", "1 for the state each listener is in.");
  for (const ListenerInfo& l : listeners) {
    const bool accepting = l.state == ListenerState::kAccepting;
    w.Sample("memgate_listener_state", {{"listener", l.options.id}, {"state", "accepting"}},
             uint64_t{accepting ? 1u : 0u});
    w.Sample("memgate_listener_state", {{"listener", l.options.id}, {"state", "draining"}},
             uint64_t{accepting ? 0u : 1u});
  }

  w.Family("memgate_read_bytes_total", "counter", "Bytes read from clients.");
  w.Sample("memgate_read_bytes_total", t.bytes_read);
  w.Family("memgate_written_bytes_total", "counter", "Bytes written to clients.");
  w.Sample("memgate_written_bytes_total", t.bytes_written);

  BackendCalls(w, server.backend().Name(), stats.BackendCalls());
  if (backend) {
    w.Family("memgate_backend_reconnects_total", "counter",
             "Connections to the backend made again after one failed.");
    w.Sample("memgate_backend_reconnects_total", {{"backend", server.backend().Name()}},
             backend->reconnects);
  }
  return w.Take();
}

}  // namespace memgate::server::metrics
