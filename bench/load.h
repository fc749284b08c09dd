// What both load drivers share: the options, the per-phase counters and
// latency histogram, and the source of requests (prefill, or the measured
// get/set mix) that each connection draws from.
#ifndef MEMGATE_BENCH_LOAD_H_
#define MEMGATE_BENCH_LOAD_H_

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/key_space.h"
#include "bench/latency_histogram.h"
#include "bench/wire_protocol.h"

namespace memgate::bench {

struct Options {
  std::string server = "127.0.0.1:11211";
  std::string protocol = "memcached";
  int connections = 50;
  int pipeline = 1;
  uint64_t keys = 100000;
  std::string distribution = "uniform";
  double zipf_theta = 0.99;
  size_t value_size = 100;
  double get_ratio = 0.9;
  int multiget = 1;
  double duration = 10;
  uint64_t requests = 0;
  bool prefill = false;
  int prefill_pipeline = 32;
  int threads = 1;
  int grpc_channels = 1;  // --protocol grpc-backend: channels (TCP connections) to the service
  bool json = false;
  std::string key_prefix = "key:";
  uint64_t seed = 1;
};

struct Stats {
  LatencyHistogram latency;
  uint64_t requests = 0, gets = 0, sets = 0, get_keys = 0, hits = 0, misses = 0;
  uint64_t wrong_replies = 0;        // error replies and wrong values
  uint64_t failed_connections = 0;   // connect failed, closed early, or unframeable reply
  uint64_t connect_failures = 0;     // of which: the connect itself failed
  std::vector<std::string> samples;  // the first few problems, for the report

  void Note(std::string what) {
    if (samples.size() < 8) samples.push_back(std::move(what));
  }

  void Merge(Stats& other) {
    latency.Merge(other.latency);
    requests += other.requests;
    gets += other.gets;
    sets += other.sets;
    get_keys += other.get_keys;
    hits += other.hits;
    misses += other.misses;
    wrong_replies += other.wrong_replies;
    failed_connections += other.failed_connections;
    connect_failures += other.connect_failures;
    for (auto& s : other.samples) Note(std::move(s));
  }

  uint64_t problems() const { return wrong_replies + failed_connections; }
};

struct PhaseResult {
  Stats stats;
  double elapsed_s = 0;
  double client_cpu_s = 0;
};

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// How long without a single reply before the connections are given up.
constexpr std::chrono::seconds kStallTimeout{10};

// The requests one connection sends: either a prefill (set keys first,
// first + stride, ...) or the measured mix until a count or the deadline.
class OpSource {
 public:
  enum class Mode { kPrefill, kMix };

  OpSource(Mode mode, const Options& o, const KeyChooser& chooser, uint64_t first, uint64_t stride,
           uint64_t quota, uint64_t seed)
      : mode_(mode),
        o_(o),
        chooser_(chooser),
        next_(first),
        stride_(stride),
        quota_(quota),
        rng_(seed) {}

  // Fills the next request; false when this connection is done.
  bool Next(bool stop, Request::Kind* kind, uint64_t* keys, uint32_t* count) {
    if (mode_ == Mode::kPrefill) {
      if (next_ >= o_.keys) return false;
      *kind = Request::Kind::kSet;
      keys[0] = next_;
      *count = 1;
      next_ += stride_;
      return true;
    }
    if (stop || (o_.requests > 0 && issued_ >= quota_)) return false;
    ++issued_;
    if (rng_.NextDouble() < o_.get_ratio) {
      *kind = Request::Kind::kGet;
      *count = static_cast<uint32_t>(o_.multiget);
      for (int i = 0; i < o_.multiget; ++i) keys[i] = chooser_.Next(rng_);
    } else {
      *kind = Request::Kind::kSet;
      *count = 1;
      keys[0] = chooser_.Next(rng_);
    }
    return true;
  }

 private:
  Mode mode_;
  const Options& o_;
  const KeyChooser& chooser_;
  uint64_t next_, stride_, quota_;
  uint64_t issued_ = 0;
  Rng rng_;
};

}  // namespace memgate::bench

#endif  // MEMGATE_BENCH_LOAD_H_
