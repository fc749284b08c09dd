// memgate's metrics for Prometheus, named as memcached_exporter names the
// same concepts (memcached_commands_total -> memgate_commands_total), read
// at scrape time from the counters `stats` uses: counting costs the data
// path nothing more.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "server/server.h"

namespace memgate::server::metrics {

// The exposition text of one scrape. Waits up to `backend_timeout` for the
// backend's item counts; without them memgate_up is 0 and the item metrics
// are left out.
std::string CollectServerMetrics(Server& server, absl::Duration backend_timeout = absl::Seconds(2));

}  // namespace memgate::server::metrics
