// Per-operation backend call counters for the metrics endpoint: a duration
// histogram of the sampled calls and the failures, by reason. One block per
// event-loop thread (inside ThreadCounters), a single writer each, summed at
// scrape time.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "backends/backend.h"

namespace memgate::server {

enum class BackendOperation : uint8_t { kGet, kStore, kDelete, kArith, kTouch, kFlush, kStats };
inline constexpr std::size_t kBackendOperations = 7;
inline constexpr std::array<std::string_view, kBackendOperations> kBackendOperationNames = {
    "get", "store", "delete", "arith", "touch", "flush_all", "stats"};

// Histogram bucket upper bounds, in microseconds; a last bucket is +Inf.
inline constexpr std::array<uint64_t, 12> kCallDurationBucketsUs = {
    25, 50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 100'000, 1'000'000};

// The operation a backend result answers.
template <typename Result>
constexpr BackendOperation OperationOf() {
  if constexpr (std::is_same_v<Result, backends::GetResult>) return BackendOperation::kGet;
  if constexpr (std::is_same_v<Result, backends::StoreResult>) return BackendOperation::kStore;
  if constexpr (std::is_same_v<Result, backends::DeleteResult>) return BackendOperation::kDelete;
  if constexpr (std::is_same_v<Result, backends::ArithResult>) return BackendOperation::kArith;
  if constexpr (std::is_same_v<Result, backends::TouchResult>) return BackendOperation::kTouch;
  if constexpr (std::is_same_v<Result, backends::FlushResult>) return BackendOperation::kFlush;
  if constexpr (std::is_same_v<Result, backends::StatsResult>) return BackendOperation::kStats;
}

// A result's error when it is a failure (its outcome is kError), else
// nullptr; Stats cannot fail.
template <typename Result>
const backends::BackendError* FailureOf(const Result& result) {
  if constexpr (requires { result.outcome; }) {
    return result.outcome == decltype(result.outcome)::kError ? &result.error : nullptr;
  } else {
    return nullptr;
  }
}

struct BackendCallCounters {
  std::array<std::atomic<uint64_t>, kCallDurationBucketsUs.size() + 1> buckets{};
  std::atomic<uint64_t> duration_us{0};
  std::atomic<uint64_t> timed{0};
  std::atomic<uint64_t> server_errors{0};  // answered SERVER_ERROR, client kept
  std::atomic<uint64_t> closed{0};         // the backend asked to close the client

  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void Observe(uint64_t us) {
    std::size_t bucket = 0;
    while (bucket < kCallDurationBucketsUs.size() && us > kCallDurationBucketsUs[bucket]) ++bucket;
    Add(buckets[bucket]);
    Add(duration_us, us);
    Add(timed);
  }
};

// The sums over all threads, for one operation.
struct BackendCallTotals {
  std::array<uint64_t, kCallDurationBucketsUs.size() + 1> buckets{};
  uint64_t duration_us = 0;
  uint64_t timed = 0;
  uint64_t server_errors = 0;
  uint64_t closed = 0;
};

}  // namespace memgate::server
