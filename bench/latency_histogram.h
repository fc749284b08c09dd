// A log-linear latency histogram in the style of HdrHistogram: exact below
// 2^kSubBits nanoseconds, then 2^(kSubBits-1) buckets per power of two, so
// every recorded value is within 1/128 (0.8%) of its bucket's bounds.
// Recording is a few shifts and an increment; one histogram per thread, merged
// at the end.
#ifndef MEMGATE_BENCH_LATENCY_HISTOGRAM_H_
#define MEMGATE_BENCH_LATENCY_HISTOGRAM_H_

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace memgate::bench {

class LatencyHistogram {
 public:
  LatencyHistogram() : counts_(kBuckets, 0) {}

  void Record(uint64_t value_ns) {
    ++counts_[BucketOf(value_ns)];
    ++total_;
    max_ = std::max(max_, value_ns);
    min_ = std::min(min_, value_ns);
    sum_ += value_ns;
  }

  void Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
    sum_ += other.sum_;
  }

  uint64_t count() const { return total_; }
  uint64_t max() const { return total_ ? max_ : 0; }
  uint64_t min() const { return total_ ? min_ : 0; }
  double mean() const { return total_ ? static_cast<double>(sum_) / total_ : 0.0; }

  // The value at quantile q (0..1]: the upper bound of the bucket holding the
  // ceil(q * count)-th smallest sample, never above the largest sample seen.
  uint64_t Quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    rank = std::clamp<uint64_t>(rank, 1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(UpperBound(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kExact = uint64_t{1} << kSubBits;               // 256 exact buckets
  static constexpr uint64_t kPerMagnitude = uint64_t{1} << (kSubBits - 1);  // 128
  static constexpr size_t kBuckets = kExact + (64 - kSubBits) * kPerMagnitude;

  static size_t BucketOf(uint64_t v) {
    if (v < kExact) return static_cast<size_t>(v);
    const int shift = std::bit_width(v) - kSubBits;     // >= 1
    const uint64_t sub = (v >> shift) - kPerMagnitude;  // 0..kPerMagnitude-1
    return static_cast<size_t>(kExact + (shift - 1) * kPerMagnitude + sub);
  }

  static uint64_t UpperBound(size_t bucket) {
    if (bucket < kExact) return bucket;
    const uint64_t rel = bucket - kExact;
    const int shift = static_cast<int>(rel / kPerMagnitude) + 1;
    const uint64_t sub = rel % kPerMagnitude + kPerMagnitude;
    return ((sub + 1) << shift) - 1;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t sum_ = 0;
};

}  // namespace memgate::bench

#endif  // MEMGATE_BENCH_LATENCY_HISTOGRAM_H_
