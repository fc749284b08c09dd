// The `stats` family's output: memcached's general counters, `stats
// settings`, and `stats backend`, from the server's counters and what the
// backend reported of itself.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "backends/backend.h"
#include "server/server_stats.h"

namespace memgate::server {

// Facts `stats` reports that no counter holds.
struct ServerFacts {
  int threads = 1;
  uint64_t max_connections = 1024;
  int64_t start_time = 0;            // unix seconds
  uint64_t item_size_max = 1 << 20;  // -I, for `stats settings`
  // Appends memcached's `stats conns` lines for every live client;
  // `requester` is the id of the client asking. Set by the server; when
  // empty, `stats conns` lists nothing.
  std::function<void(std::string& out, uint64_t requester)> append_conns;
  bool flush_enabled = true;  // memcached -F clears it
  bool cas_enabled = true;    // memcached -C clears it (the backend keeps cas 0)
  // The shutdown command (memcached -A): asks the process to stop; graceful
  // is whether "shutdown graceful" was sent. Empty: shutdown is not enabled.
  std::function<void(bool graceful)> request_shutdown;
};

// What the stats output is made from; the backend's part as it answered.
struct StatsSources {
  const ServerStats& stats;
  const ServerFacts& facts;
  std::string_view backend_name;
  const backends::Capabilities& capabilities;
  const backends::StatsResult& backend;
};

// `stats`: memcached's general counters in memcached's order, END included.
void AppendGeneralStats(std::string& out, const StatsSources& sources);
// `stats settings`: memcached's names, for what a gateway has.
void AppendSettingsStats(std::string& out, const StatsSources& sources);
// `stats items` and `stats slabs` in memcached's format, for tools that
// scrape memcached (memcached_exporter). memgate has no slab classes: every
// item is in one class, 1, whose chunk size is the mean item size; with no
// items the class is left out, as memcached leaves out empty classes.
void AppendItemsStats(std::string& out, const StatsSources& sources);
void AppendSlabsStats(std::string& out, const StatsSources& sources);
// `stats backend`: the backend's name, health (whether a call failed in the
// last minute), sampled call latency, then everything it reported.
void AppendBackendStats(std::string& out, const StatsSources& sources);

}  // namespace memgate::server
