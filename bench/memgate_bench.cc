// memgate-bench: a load generator for memcached-protocol servers (memgate,
// memcached), Redis, and memgate.backend.v1 gRPC services. N connections
// over T threads (one io_context each), each keeping up to `--pipeline`
// requests in flight; every reply is parsed and checked, and a wrong reply
// is counted and fails the run.
//
//   memgate-bench --server 127.0.0.1:11211 --prefill --duration 10
//   memgate-bench --server 127.0.0.1:6379 --protocol resp --pipeline 16 --json
//   memgate-bench --server 127.0.0.1:50061 --protocol grpc-backend --prefill
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/grpc_backend_load.h"
#include "bench/key_space.h"
#include "bench/latency_histogram.h"
#include "bench/load.h"
#include "bench/wire_protocol.h"

namespace memgate::bench {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// ---------------------------------------------------------------------------
// Options

constexpr std::string_view kUsage = R"(usage: memgate-bench [options]

  --server HOST:PORT      server to load (default 127.0.0.1:11211)
  --protocol P            memcached | resp | grpc-backend (default memcached);
                          grpc-backend calls BackendService Get and Set on a
                          memgate.backend.v1 service (--server is its target)
  --connections N         connections in total, spread over the threads (50)
  --pipeline D            requests in flight per connection (1)
  --keys N                key space: keys 0..N-1 (100000)
  --distribution D        uniform | zipf (uniform)
  --zipf-theta X          zipf exponent (0.99)
  --value-size B          bytes per value (100)
  --get-ratio R           fraction of requests that are gets, 0..1 (0.9)
  --multiget K            keys per get: 1 is get, K>1 is a K-key get / MGET (1)
  --duration S            measure for S seconds (10); 0 with --prefill: load only
  --requests N            measure N requests instead of a duration
  --prefill               set every key once before measuring
  --prefill-pipeline D    pipeline depth for the prefill (32)
  --threads T             threads, one event loop each (1); grpc-backend
                          completes calls on gRPC's threads instead
  --grpc-channels N       grpc-backend: channels (TCP connections) the
                          connections are spread over (1, as memgate's one)
  --key-prefix P          key prefix ("key:"); keys are P + 9 digits
  --seed N                random seed (1)
  --json                  print the result as JSON
Exit status: 0 if every reply was right, 1 if any reply was wrong or a
connection failed, 2 for bad options or no server.
)";

[[noreturn]] void UsageError(std::string_view msg) {
  std::fprintf(stderr, "memgate-bench: %.*s\n(--help for usage)\n", static_cast<int>(msg.size()),
               msg.data());
  std::exit(2);
}

template <typename T>
T ParseNumber(std::string_view name, std::string_view text) {
  T v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    UsageError(absl::StrCat("bad value for --", Av(name), ": '", Av(text), "'"));
  }
  return v;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  struct Flag {
    std::string_view name;
    bool is_bool;
    std::function<void(std::string_view)> set;
  };
  const Flag flags[] = {
      {"server", false, [&](auto v) { o.server = v; }},
      {"protocol", false, [&](auto v) { o.protocol = v; }},
      {"connections", false, [&](auto v) { o.connections = ParseNumber<int>("connections", v); }},
      {"pipeline", false, [&](auto v) { o.pipeline = ParseNumber<int>("pipeline", v); }},
      {"keys", false, [&](auto v) { o.keys = ParseNumber<uint64_t>("keys", v); }},
      {"distribution", false, [&](auto v) { o.distribution = v; }},
      {"zipf-theta", false, [&](auto v) { o.zipf_theta = ParseNumber<double>("zipf-theta", v); }},
      {"value-size", false, [&](auto v) { o.value_size = ParseNumber<size_t>("value-size", v); }},
      {"get-ratio", false, [&](auto v) { o.get_ratio = ParseNumber<double>("get-ratio", v); }},
      {"multiget", false, [&](auto v) { o.multiget = ParseNumber<int>("multiget", v); }},
      {"duration", false, [&](auto v) { o.duration = ParseNumber<double>("duration", v); }},
      {"requests", false, [&](auto v) { o.requests = ParseNumber<uint64_t>("requests", v); }},
      {"prefill", true, [&](auto v) { o.prefill = v != "false" && v != "0"; }},
      {"prefill-pipeline", false,
       [&](auto v) { o.prefill_pipeline = ParseNumber<int>("prefill-pipeline", v); }},
      {"threads", false, [&](auto v) { o.threads = ParseNumber<int>("threads", v); }},
      {"grpc-channels", false,
       [&](auto v) { o.grpc_channels = ParseNumber<int>("grpc-channels", v); }},
      {"json", true, [&](auto v) { o.json = v != "false" && v != "0"; }},
      {"key-prefix", false, [&](auto v) { o.key_prefix = v; }},
      {"seed", false, [&](auto v) { o.seed = ParseNumber<uint64_t>("seed", v); }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      std::exit(0);
    }
    if (!arg.starts_with("--")) UsageError(absl::StrCat("unexpected argument '", Av(arg), "'"));
    arg.remove_prefix(2);
    std::string_view name = arg, value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const auto* flag = std::find_if(std::begin(flags), std::end(flags),
                                    [&](const Flag& f) { return f.name == name; });
    if (flag == std::end(flags)) UsageError(absl::StrCat("unknown flag --", Av(name)));
    if (!has_value) {
      if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        UsageError(absl::StrCat("--", Av(name), " needs a value"));
      }
    }
    flag->set(value);
  }

  if (o.protocol != "memcached" && o.protocol != "resp" && o.protocol != "grpc-backend")
    UsageError("--protocol: memcached, resp or grpc-backend");
  if (o.distribution != "uniform" && o.distribution != "zipf") {
    UsageError("--distribution: uniform or zipf");
  }
  if (o.connections < 1 || o.pipeline < 1 || o.threads < 1 || o.prefill_pipeline < 1 ||
      o.grpc_channels < 1) {
    UsageError(
        "--connections, --pipeline, --threads, --prefill-pipeline and --grpc-channels must be >= "
        "1");
  }
  if (o.keys < 1 || o.keys > 999'999'999) UsageError("--keys: 1..999999999");
  if (o.get_ratio < 0 || o.get_ratio > 1) UsageError("--get-ratio: 0..1");
  if (o.multiget < 1 || o.multiget > 1000) UsageError("--multiget: 1..1000");
  if (o.duration < 0) UsageError("--duration must be >= 0");
  if (o.zipf_theta <= 0 || o.zipf_theta >= 1) UsageError("--zipf-theta: between 0 and 1");
  if (o.value_size > (64u << 20)) UsageError("--value-size: at most 64 MiB");
  if (o.key_prefix.size() > 200 || o.key_prefix.find_first_of(" \r\n") != std::string::npos) {
    UsageError("--key-prefix: at most 200 bytes, no spaces");
  }
  o.threads = std::min(o.threads, o.connections);
  return o;
}

// ---------------------------------------------------------------------------
// Results

// ---------------------------------------------------------------------------
// Load

// What one thread shares with its connections during a phase.
class Connection;
struct ThreadState {
  asio::io_context io{1};
  asio::steady_timer deadline{io};
  asio::steady_timer watchdog{io};
  std::vector<Connection*> connections;
  Stats stats;
  bool stop = false;     // set by the deadline; only touched on this thread
  bool stalled = false;  // set by the watchdog when replies stopped coming
  int active = 0;
  int64_t finished_ns = 0;
};

class Connection {
 public:
  Connection(ThreadState& thread, const tcp::endpoint& endpoint, const WireProtocol& protocol,
             OpSource source, int depth, int max_keys)
      : thread_(thread),
        endpoint_(endpoint),
        protocol_(protocol),
        source_(std::move(source)),
        socket_(thread.io),
        slots_(static_cast<size_t>(depth)),
        keys_(static_cast<size_t>(depth) * static_cast<size_t>(max_keys)),
        max_keys_(max_keys),
        read_buf_(64 * 1024) {}

  // Closes the socket so a pending read or write ends; used by the watchdog.
  void Abort() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  asio::awaitable<void> Run() {
    Stats& stats = thread_.stats;
    auto [cec] = co_await socket_.async_connect(endpoint_, asio::as_tuple(asio::use_awaitable));
    if (cec) {
      ++stats.connect_failures;
      Fail(absl::StrCat("connect: ", cec.message()));
      co_return;
    }
    socket_.set_option(tcp::no_delay(true));
    std::string out;
    size_t begin = 0, end = 0;  // unparsed bytes in read_buf_
    bool more = true;
    for (;;) {
      // Top the window up and send the new requests in one write.
      const size_t before = in_flight_;
      while (more && in_flight_ < slots_.size()) {
        const size_t slot = (head_ + in_flight_) % slots_.size();
        Request& r = slots_[slot];
        uint64_t* keys = &keys_[slot * max_keys_];
        uint32_t count;
        more = source_.Next(thread_.stop, &r.kind, keys, &count);
        if (!more) break;
        r.keys = keys;
        r.key_count = count;
        if (r.kind == Request::Kind::kGet) {
          protocol_.EncodeGet(r.keys, count, &out);
        } else {
          protocol_.EncodeSet(r.keys[0], &out);
        }
        ++in_flight_;
      }
      if (!out.empty()) {
        const int64_t now = NowNs();
        for (size_t i = before; i < in_flight_; ++i)
          slots_[(head_ + i) % slots_.size()].sent_ns = now;
        auto [wec, n] = co_await asio::async_write(socket_, asio::buffer(out),
                                                   asio::as_tuple(asio::use_awaitable));
        if (wec) {
          Fail(thread_.stalled ? "write blocked for a long time"
                               : absl::StrCat("write: ", wec.message()));
          co_return;
        }
        out.clear();
      }
      if (in_flight_ == 0) break;

      if (end == read_buf_.size()) {
        if (begin > 0) {
          std::memmove(read_buf_.data(), read_buf_.data() + begin, end - begin);
          end -= begin;
          begin = 0;
        } else {
          read_buf_.resize(read_buf_.size() * 2);  // one reply larger than the buffer
        }
      }
      auto [rec, n] = co_await socket_.async_read_some(
          asio::buffer(read_buf_.data() + end, read_buf_.size() - end),
          asio::as_tuple(asio::use_awaitable));
      if (rec) {
        Fail(absl::StrCat(thread_.stalled           ? "no reply for a long time"
                          : rec == asio::error::eof ? "server closed the connection"
                                                    : "read: " + rec.message(),
                          " with ", in_flight_, " replies outstanding"));
        co_return;
      }
      end += n;
      const int64_t now = NowNs();
      while (in_flight_ > 0) {
        const Request& r = slots_[head_];
        size_t consumed = 0;
        ReplyOutcome outcome;
        const ParseStatus st = protocol_.Parse(
            std::string_view(read_buf_.data() + begin, end - begin), r, &consumed, &outcome);
        if (st == ParseStatus::kNeedMore) break;
        if (st == ParseStatus::kDesync) {
          Fail(absl::StrCat("unparseable reply: ", outcome.what));
          co_return;
        }
        begin += consumed;
        ++stats.requests;
        stats.latency.Record(static_cast<uint64_t>(std::max<int64_t>(0, now - r.sent_ns)));
        if (r.kind == Request::Kind::kGet) {
          ++stats.gets;
          stats.get_keys += r.key_count;
          stats.hits += outcome.hits;
          stats.misses += outcome.misses;
        } else {
          ++stats.sets;
        }
        if (outcome.error) {
          ++stats.wrong_replies;
          stats.Note(std::move(outcome.what));
        }
        head_ = (head_ + 1) % slots_.size();
        --in_flight_;
      }
      if (in_flight_ == 0 && begin != end) {
        Fail(absl::StrCat(
            "unsolicited bytes from the server: \"",
            Av(std::string_view(read_buf_.data() + begin, std::min<size_t>(end - begin, 60))),
            "\""));
        co_return;
      }
      if (begin == end) begin = end = 0;
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void Fail(std::string what) {
    ++thread_.stats.failed_connections;
    thread_.stats.Note(std::move(what));
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  ThreadState& thread_;
  const tcp::endpoint endpoint_;
  const WireProtocol& protocol_;
  OpSource source_;
  tcp::socket socket_;
  std::vector<Request> slots_;  // ring of requests in flight, oldest at head_
  std::vector<uint64_t> keys_;  // slots_[i].keys points at max_keys_ of these
  size_t max_keys_;
  size_t head_ = 0, in_flight_ = 0;
  std::vector<char> read_buf_;
};

// Gives up on a thread's connections when no reply arrived for kStallTimeout,
// so a server that hangs fails the run instead of hanging it.
asio::awaitable<void> Watchdog(ThreadState& t) {
  uint64_t last = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (t.active > 0) {
    t.watchdog.expires_after(std::chrono::milliseconds(500));
    auto [ec] = co_await t.watchdog.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || t.active == 0) co_return;
    const auto now = std::chrono::steady_clock::now();
    if (t.stats.requests != last) {
      last = t.stats.requests;
      last_progress = now;
    } else if (now - last_progress > kStallTimeout) {
      t.stalled = true;
      for (Connection* c : t.connections) c->Abort();
      co_return;
    }
  }
}

// Runs one phase on all threads: every connection until its source is done.
PhaseResult RunPhase(const Options& o, const tcp::endpoint& endpoint, const WireProtocol& protocol,
                     const KeyChooser& chooser, OpSource::Mode mode, uint64_t phase_seed) {
  const bool prefill = mode == OpSource::Mode::kPrefill;
  const int depth = prefill ? std::max(o.pipeline, o.prefill_pipeline) : o.pipeline;
  const int max_keys = prefill ? 1 : o.multiget;
  const auto conns = static_cast<uint64_t>(o.connections);

  std::vector<std::unique_ptr<ThreadState>> threads;
  for (int t = 0; t < o.threads; ++t) threads.push_back(std::make_unique<ThreadState>());
  std::vector<std::unique_ptr<Connection>> connections;
  for (uint64_t c = 0; c < conns; ++c) {
    ThreadState& t = *threads[c % threads.size()];
    const uint64_t quota = o.requests / conns + (c < o.requests % conns ? 1 : 0);
    OpSource source(mode, o, chooser, /*first=*/c, /*stride=*/conns, quota,
                    o.seed * 1'000'003 + phase_seed * 7919 + c);
    connections.push_back(
        std::make_unique<Connection>(t, endpoint, protocol, std::move(source), depth, max_keys));
    t.connections.push_back(connections.back().get());
    ++t.active;
  }

  const double cpu0 = CpuSeconds();
  const int64_t start = NowNs();
  for (size_t c = 0; c < connections.size(); ++c) {
    ThreadState& t = *threads[c % threads.size()];
    asio::co_spawn(
        t.io,
        [&t, conn = connections[c].get()]() -> asio::awaitable<void> {
          co_await conn->Run();
          if (--t.active == 0) {
            t.finished_ns = NowNs();
            t.deadline.cancel();
            t.watchdog.cancel();
          }
        },
        asio::detached);
  }
  const bool timed = !prefill && o.requests == 0;
  std::vector<std::thread> runners;
  for (auto& tp : threads) {
    ThreadState* t = tp.get();
    if (timed) {
      t->deadline.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(o.duration)));
      t->deadline.async_wait([t](const boost::system::error_code& ec) {
        if (!ec) t->stop = true;
      });
    }
    asio::co_spawn(t->io, Watchdog(*t), asio::detached);
    runners.emplace_back([t] { t->io.run(); });
  }
  for (auto& r : runners) r.join();

  PhaseResult result;
  int64_t finished = start;
  for (auto& t : threads) {
    result.stats.Merge(t->stats);
    finished = std::max(finished, t->finished_ns);
  }
  result.elapsed_s = static_cast<double>(finished - start) / 1e9;
  result.client_cpu_s = CpuSeconds() - cpu0;
  return result;
}

// ---------------------------------------------------------------------------
// Report

double Us(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }
double Rate(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; }

void PrintProblems(const char* phase, const Stats& s) {
  if (s.problems() == 0) return;
  std::fprintf(stderr, "memgate-bench: %s: %llu wrong replies, %llu failed connections\n", phase,
               static_cast<unsigned long long>(s.wrong_replies),
               static_cast<unsigned long long>(s.failed_connections));
  for (const auto& w : s.samples) std::fprintf(stderr, "  %s\n", w.c_str());
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void PrintJson(const Options& o, const PhaseResult* prefill, const PhaseResult* run) {
  // Flat, one field per line, so scripts can read it without a JSON parser.
  std::vector<std::pair<std::string, std::string>> f;
  auto num = [](double v) { return absl::StrFormat("%.3f", v); };
  auto integer = [](uint64_t v) { return absl::StrCat(v); };
  f.emplace_back("server", JsonString(o.server));
  f.emplace_back("protocol", JsonString(o.protocol));
  f.emplace_back("threads", integer(o.threads));
  f.emplace_back("connections", integer(o.connections));
  f.emplace_back("pipeline", integer(o.pipeline));
  f.emplace_back("keys", integer(o.keys));
  f.emplace_back("distribution", JsonString(o.distribution));
  f.emplace_back("value_size", integer(o.value_size));
  f.emplace_back("get_ratio", num(o.get_ratio));
  f.emplace_back("multiget", integer(o.multiget));
  if (prefill) {
    f.emplace_back("prefill_sets", integer(prefill->stats.requests));
    f.emplace_back("prefill_s", num(prefill->elapsed_s));
    f.emplace_back("prefill_wrong_replies", integer(prefill->stats.wrong_replies));
    f.emplace_back("prefill_failed_connections", integer(prefill->stats.failed_connections));
  }
  if (run) {
    const Stats& s = run->stats;
    f.emplace_back("duration_s", num(run->elapsed_s));
    f.emplace_back("requests", integer(s.requests));
    f.emplace_back("ops_per_sec", num(Rate(s.requests, run->elapsed_s)));
    f.emplace_back("gets", integer(s.gets));
    f.emplace_back("sets", integer(s.sets));
    f.emplace_back("get_keys", integer(s.get_keys));
    f.emplace_back("hits", integer(s.hits));
    f.emplace_back("misses", integer(s.misses));
    f.emplace_back("wrong_replies", integer(s.wrong_replies));
    f.emplace_back("failed_connections", integer(s.failed_connections));
    f.emplace_back("p50_us", num(Us(s.latency.Quantile(0.5))));
    f.emplace_back("p90_us", num(Us(s.latency.Quantile(0.9))));
    f.emplace_back("p99_us", num(Us(s.latency.Quantile(0.99))));
    f.emplace_back("p999_us", num(Us(s.latency.Quantile(0.999))));
    f.emplace_back("max_us", num(Us(s.latency.max())));
    f.emplace_back("mean_us", num(s.latency.mean() / 1000.0));
    f.emplace_back("client_cpu_pct",
                   num(run->elapsed_s > 0 ? 100.0 * run->client_cpu_s / run->elapsed_s : 0));
  }
  uint64_t problems = (prefill ? prefill->stats.problems() : 0) + (run ? run->stats.problems() : 0);
  f.emplace_back("ok", problems == 0 ? "true" : "false");
  std::string out = "{\n";
  for (size_t i = 0; i < f.size(); ++i) {
    absl::StrAppend(&out, "  \"", f[i].first, "\": ", f[i].second, i + 1 < f.size() ? ",\n" : "\n");
  }
  out += "}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void PrintText(const Options& o, const PhaseResult* prefill, const PhaseResult* run) {
  std::printf("server %s (%s), %d connections on %d thread(s), pipeline %d\n", o.server.c_str(),
              o.protocol.c_str(), o.connections, o.threads, o.pipeline);
  std::printf("keys %llu (%s), value %zu bytes, get ratio %.2f, multiget %d\n",
              static_cast<unsigned long long>(o.keys), o.distribution.c_str(), o.value_size,
              o.get_ratio, o.multiget);
  if (prefill) {
    std::printf("prefill: %llu sets in %.2f s (%.0f/s)\n",
                static_cast<unsigned long long>(prefill->stats.requests), prefill->elapsed_s,
                Rate(prefill->stats.requests, prefill->elapsed_s));
  }
  if (run) {
    const Stats& s = run->stats;
    std::printf("run: %llu requests in %.2f s: %.0f ops/s (client cpu %.0f%%)\n",
                static_cast<unsigned long long>(s.requests), run->elapsed_s,
                Rate(s.requests, run->elapsed_s),
                run->elapsed_s > 0 ? 100.0 * run->client_cpu_s / run->elapsed_s : 0.0);
    std::printf("  gets %llu (keys %llu: hits %llu, misses %llu), sets %llu\n",
                static_cast<unsigned long long>(s.gets),
                static_cast<unsigned long long>(s.get_keys),
                static_cast<unsigned long long>(s.hits), static_cast<unsigned long long>(s.misses),
                static_cast<unsigned long long>(s.sets));
    std::printf("  latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
                Us(s.latency.Quantile(0.5)), Us(s.latency.Quantile(0.9)),
                Us(s.latency.Quantile(0.99)), Us(s.latency.Quantile(0.999)), Us(s.latency.max()));
  }
  const uint64_t wrong =
      (prefill ? prefill->stats.wrong_replies : 0) + (run ? run->stats.wrong_replies : 0);
  const uint64_t failed =
      (prefill ? prefill->stats.failed_connections : 0) + (run ? run->stats.failed_connections : 0);
  std::printf("wrong replies: %llu, failed connections: %llu\n",
              static_cast<unsigned long long>(wrong), static_cast<unsigned long long>(failed));
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);

  const bool grpc = o.protocol == "grpc-backend";
  tcp::endpoint endpoint;
  if (!grpc) {  // a gRPC target is resolved by gRPC, and may not be host:port
    const size_t colon = o.server.rfind(':');
    if (colon == std::string::npos) UsageError("--server: HOST:PORT");
    std::string host = o.server.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto results = resolver.resolve(host, o.server.substr(colon + 1), ec);
    if (ec || results.empty()) {
      std::fprintf(stderr, "memgate-bench: cannot resolve %s: %s\n", o.server.c_str(),
                   ec.message().c_str());
      return 2;
    }
    endpoint = results.begin()->endpoint();
  }

  const KeySpace keys(o.key_prefix, o.keys, o.value_size);
  const KeyChooser chooser(o.keys, o.distribution == "zipf", o.zipf_theta);
  std::unique_ptr<WireProtocol> protocol;
  if (o.protocol == "resp") {
    protocol = MakeRespProtocol(keys);
  } else if (!grpc) {
    protocol = MakeMemcachedTextProtocol(keys);
  }
  auto phase = [&](OpSource::Mode mode, uint64_t seed) {
    return grpc ? RunGrpcBackendPhase(o, keys, chooser, mode, seed)
                : RunPhase(o, endpoint, *protocol, chooser, mode, seed);
  };

  std::optional<PhaseResult> prefill, run;
  if (o.prefill) {
    prefill = phase(OpSource::Mode::kPrefill, 1);
    PrintProblems("prefill", prefill->stats);
    if (prefill->stats.connect_failures == static_cast<uint64_t>(o.connections)) {
      std::fprintf(stderr, "memgate-bench: no connection to %s worked\n", o.server.c_str());
      return 2;
    }
  }
  if (o.requests > 0 || o.duration > 0 || !o.prefill) {
    run = phase(OpSource::Mode::kMix, 2);
    PrintProblems("run", run->stats);
    if (run->stats.connect_failures == static_cast<uint64_t>(o.connections)) {
      std::fprintf(stderr, "memgate-bench: no connection to %s worked\n", o.server.c_str());
      return 2;
    }
  }
  const PhaseResult* p = prefill ? &*prefill : nullptr;
  const PhaseResult* r = run ? &*run : nullptr;
  if (o.json) {
    PrintJson(o, p, r);
  } else {
    PrintText(o, p, r);
  }
  const uint64_t problems = (p ? p->stats.problems() : 0) + (r ? r->stats.problems() : 0);
  return problems == 0 ? 0 : 1;
}

}  // namespace
}  // namespace memgate::bench

int main(int argc, char** argv) { return memgate::bench::Main(argc, argv); }
