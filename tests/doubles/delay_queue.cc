// A delayed task runner for the asynchronous test doubles (see delay_queue.h).
#include "tests/doubles/delay_queue.h"

#include <algorithm>
#include <utility>

namespace memgate::backends::testing {

DelayQueue::DelayQueue(DelayOptions options) : options_(options), rng_(options.seed) {
  worker_ = std::thread([this] { Run(); });
}

DelayQueue::~DelayQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  worker_.join();
}

void DelayQueue::Post(uint64_t client_id, absl::AnyInvocable<void() &&> task) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopped_) {
      absl::Time due = absl::Now();
      if (options_.max_delay > absl::ZeroDuration()) {
        const int64_t max_ns = absl::ToInt64Nanoseconds(options_.max_delay);
        due += absl::Nanoseconds(std::uniform_int_distribution<int64_t>(0, max_ns)(rng_));
      }
      if (options_.keep_client_order) {
        absl::Time& last = last_due_[client_id];
        due = std::max(due, last);
        last = due;
      }
      heap_.push_back(Task{due, next_seq_++, std::move(task)});
      std::push_heap(heap_.begin(), heap_.end(), Later{});
      return;
    }
  }
  std::move(task)();  // the worker is gone: run it here rather than lose it
}

bool DelayQueue::ReadyOrStopping() const {
  return stopping_ || (!heap_.empty() && heap_.front().due <= absl::Now());
}

void DelayQueue::Run() {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (heap_.empty()) {
      if (stopping_) break;
      mu_.Await(absl::Condition(
          +[](DelayQueue* q)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return q->stopping_ || !q->heap_.empty(); },
          this));
      continue;
    }
    if (!stopping_ && heap_.front().due > absl::Now()) {
      // Wake at the due time, or earlier when an earlier task arrives.
      const absl::Time due = heap_.front().due;
      mu_.AwaitWithDeadline(absl::Condition(this, &DelayQueue::ReadyOrStopping), due);
      continue;
    }
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Task task = std::move(heap_.back());
    heap_.pop_back();
    mu_.Unlock();
    std::move(task.fn)();
    mu_.Lock();
  }
  stopped_ = true;
}

}  // namespace memgate::backends::testing
