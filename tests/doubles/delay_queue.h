// A worker thread that runs posted tasks later, optionally after a random
// delay, optionally keeping the order of tasks posted for the same client.
// The test doubles use it to complete calls on another thread.
#pragma once

#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace memgate::backends::testing {

struct DelayOptions {
  // Each task waits a uniformly random time in [0, max_delay] (zero: none,
  // the task still runs on the worker thread, in posting order).
  absl::Duration max_delay = absl::ZeroDuration();
  // Tasks posted for one client run in posting order even with delays.
  bool keep_client_order = true;
  uint64_t seed = 42;
};

class DelayQueue {
 public:
  explicit DelayQueue(DelayOptions options = {});
  // Runs every task still queued (without waiting for its delay), including
  // tasks those tasks post, then stops the worker.
  ~DelayQueue();

  DelayQueue(const DelayQueue&) = delete;
  DelayQueue& operator=(const DelayQueue&) = delete;

  void Post(uint64_t client_id, absl::AnyInvocable<void() &&> task);

  const DelayOptions& options() const { return options_; }

 private:
  struct Task {
    absl::Time due;
    uint64_t seq;
    absl::AnyInvocable<void() &&> fn;
  };
  struct Later {
    bool operator()(const Task& a, const Task& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };

  void Run();
  bool ReadyOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DelayOptions options_;
  absl::Mutex mu_;
  std::vector<Task> heap_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, absl::Time> last_due_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace memgate::backends::testing
