// The `stats` family's output (see stats_reply.h).
#include "server/stats_reply.h"

#include <sys/resource.h>
#include <unistd.h>

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/absl_compat.h"
#include "server/protocol/reply.h"
#include "server/version.h"

namespace memgate::server {
namespace {

namespace reply = protocol::reply;

double Seconds(const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

}  // namespace

void AppendGeneralStats(std::string& out, const StatsSources& sources) {
  const CounterTotals t = sources.stats.Totals();
  const backends::ItemStats& b = sources.backend.items;
  const ServerStats& s = sources.stats;
  const int64_t now = std::time(nullptr);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto stat = [&out](std::string_view name, uint64_t value) {
    reply::AppendStat(out, name, value);
  };
  stat("pid", static_cast<uint64_t>(getpid()));
  stat("uptime", static_cast<uint64_t>(now - sources.facts.start_time));
  stat("time", static_cast<uint64_t>(now));
  reply::AppendStat(out, "version", MEMGATE_PROTOCOL_VERSION);
  stat("pointer_size", sizeof(void*) * 8);
  reply::AppendStat(out, "rusage_user", absl::StrFormat("%.6f", Seconds(usage.ru_utime)));
  reply::AppendStat(out, "rusage_system", absl::StrFormat("%.6f", Seconds(usage.ru_stime)));
  stat("max_connections", sources.facts.max_connections);
  stat("curr_connections", s.curr_connections.load(std::memory_order_relaxed));
  stat("total_connections", s.total_connections.load(std::memory_order_relaxed));
  stat("rejected_connections", s.rejected_connections.load(std::memory_order_relaxed));
  stat("cmd_get", t.cmd_get);
  stat("cmd_set", t.cmd_set);
  stat("cmd_flush", t.cmd_flush);
  stat("cmd_touch", t.cmd_touch);
  stat("get_hits", t.get_hits);
  stat("get_misses", t.get_misses);
  stat("get_expired", b.get_expired);
  stat("get_flushed", b.get_flushed);
  stat("delete_misses", t.delete_misses);
  stat("delete_hits", t.delete_hits);
  stat("incr_misses", t.incr_misses);
  stat("incr_hits", t.incr_hits);
  stat("decr_misses", t.decr_misses);
  stat("decr_hits", t.decr_hits);
  stat("cas_misses", t.cas_misses);
  stat("cas_hits", t.cas_hits);
  stat("cas_badval", t.cas_badval);
  stat("touch_hits", t.touch_hits);
  stat("touch_misses", t.touch_misses);
  stat("store_too_large", t.store_too_large);
  stat("store_no_memory", t.store_no_memory);
  stat("idle_kicks", s.idle_kicks.load(std::memory_order_relaxed));
  stat("bytes_read", t.bytes_read);
  stat("bytes_written", t.bytes_written);
  stat("limit_maxbytes", b.limit_maxbytes);
  stat("threads", static_cast<uint64_t>(sources.facts.threads));
  stat("bytes", b.bytes);
  stat("curr_items", b.curr_items);
  stat("total_items", b.total_items);
  stat("expired_unfetched", b.expired_unfetched);
  stat("evicted_unfetched", b.evicted_unfetched);
  stat("evictions", b.evictions);
  stat("reclaimed", b.reclaimed);
  reply::AppendStat(out, "backend", sources.backend_name);
  stat("backend_errors", t.backend_errors);
  reply::AppendStat(out, "memgate_version", MEMGATE_VERSION);
  out.append(reply::kEnd);
}

void AppendSettingsStats(std::string& out, const StatsSources& sources) {
  const bool in_order = sources.capabilities.in_order;
  reply::AppendStat(out, "maxbytes", sources.backend.items.limit_maxbytes);
  reply::AppendStat(out, "maxconns", sources.facts.max_connections);
  reply::AppendStat(out, "verbosity", "0");
  reply::AppendStat(out, "evictions", "on");
  reply::AppendStat(out, "shutdown_command", sources.facts.request_shutdown ? "yes" : "no");
  reply::AppendStat(out, "num_threads", static_cast<uint64_t>(sources.facts.threads));
  reply::AppendStat(out, "detail_enabled", "no");
  reply::AppendStat(out, "cas_enabled", sources.facts.cas_enabled ? "yes" : "no");
  reply::AppendStat(out, "binding_protocol", "ascii");
  // memgate has no SASL and no ascii authentication.
  reply::AppendStat(out, "auth_enabled_sasl", "no");
  reply::AppendStat(out, "auth_enabled_ascii", "no");
  reply::AppendStat(out, "item_size_max", sources.facts.item_size_max);
  reply::AppendStat(out, "flush_enabled", sources.facts.flush_enabled ? "yes" : "no");
  reply::AppendStat(out, "backend", sources.backend_name);
  reply::AppendStat(out, "backend_pipelines_in_order", in_order ? "yes" : "no");
  out.append(reply::kEnd);
}

void AppendItemsStats(std::string& out, const StatsSources& sources) {
  const backends::ItemStats& b = sources.backend.items;
  const uint64_t items = b.curr_items;
  if (items > 0) {
    auto stat = [&out](std::string_view name, uint64_t value) {
      reply::AppendStat(out, absl::StrCat("items:1:", ToAbsl(name)), value);
    };
    stat("number", items);
    for (std::string_view zero : {"number_hot", "number_warm"}) stat(zero, 0);
    stat("number_cold", items);
    for (std::string_view zero : {"age_hot", "age_warm", "age"}) stat(zero, 0);
    stat("mem_requested", b.bytes);
    stat("evicted", b.evictions);
    for (std::string_view zero :
         {"evicted_nonzero", "evicted_time", "outofmemory", "tailrepairs"}) {
      stat(zero, 0);
    }
    stat("reclaimed", b.reclaimed);
    stat("expired_unfetched", b.expired_unfetched);
    stat("evicted_unfetched", b.evicted_unfetched);
    for (std::string_view zero :
         {"evicted_active", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked",
          "moves_to_cold", "moves_to_warm", "moves_within_lru", "direct_reclaims", "hits_to_hot",
          "hits_to_warm", "hits_to_cold", "hits_to_temp"}) {
      stat(zero, 0);
    }
  }
  out.append(reply::kEnd);
}

void AppendSlabsStats(std::string& out, const StatsSources& sources) {
  const uint64_t items = sources.backend.items.curr_items;
  const uint64_t bytes = sources.backend.items.bytes;
  if (items > 0) {
    const CounterTotals t = sources.stats.Totals();
    auto stat = [&out](std::string_view name, uint64_t value) {
      reply::AppendStat(out, absl::StrCat("1:", ToAbsl(name)), value);
    };
    stat("chunk_size", (bytes + items - 1) / items);
    stat("chunks_per_page", items);
    stat("total_pages", 1);
    stat("total_chunks", items);
    stat("used_chunks", items);
    stat("free_chunks", 0);
    stat("free_chunks_end", 0);
    stat("get_hits", t.get_hits);
    stat("cmd_set", t.cmd_set);
    stat("delete_hits", t.delete_hits);
    stat("incr_hits", t.incr_hits);
    stat("decr_hits", t.decr_hits);
    stat("cas_hits", t.cas_hits);
    stat("cas_badval", t.cas_badval);
    stat("touch_hits", t.touch_hits);
  }
  reply::AppendStat(out, "active_slabs", uint64_t{items > 0 ? 1u : 0u});
  reply::AppendStat(out, "total_malloced", bytes);
  out.append(reply::kEnd);
}

void AppendBackendStats(std::string& out, const StatsSources& sources) {
  const CounterTotals t = sources.stats.Totals();
  const int64_t last_error = sources.stats.LastBackendError();
  const bool failing = last_error != 0 && std::time(nullptr) - last_error < 60;
  reply::AppendStat(out, "name", sources.backend_name);
  reply::AppendStat(out, "health", failing ? "failing" : "ok");
  reply::AppendStat(out, "errors", t.backend_errors);
  reply::AppendStat(out, "last_error_time", static_cast<uint64_t>(last_error));
  reply::AppendStat(out, "latency_samples", t.backend_latency_samples);
  reply::AppendStat(
      out, "latency_avg_us",
      t.backend_latency_samples == 0 ? 0 : t.backend_latency_us / t.backend_latency_samples);
  reply::AppendStat(out, "pipelines_in_order", sources.capabilities.in_order ? "yes" : "no");
  for (const backends::Stat& stat : sources.backend.stats) {
    reply::AppendStat(out, stat.name, stat.value);
  }
  out.append(reply::kEnd);
}

}  // namespace memgate::server
