// Per-key FIFO queues, sharded by key hash, and a barrier counted with one
// atomic word (see key_gate.h).
#include "backends/key_gate.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace memgate::backends {

struct KeyGate::Entry {
  struct Key {
    std::size_t shard;
    uint64_t hash;
    bool operator<(const Key& other) const {
      return shard != other.shard ? shard < other.shard : hash < other.hash;
    }
    bool operator==(const Key& other) const = default;
  };

  Mode mode = Mode::kExclusive;
  bool barrier = false;
  // Distinct, in ascending shard order.
  absl::InlinedVector<Key, 1> keys;
  // Keys not yet granted, plus one the queuing thread holds until it is done,
  // so that whoever takes it to zero runs the entry exactly once.
  std::atomic<std::size_t> pending{0};
  Task task;
};

KeyGate::KeyGate(std::size_t shard_count) {
  const std::size_t count = std::max<std::size_t>(shard_count, 1);
  for (std::size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

KeyGate::~KeyGate() {
  absl::MutexLock lock(&barrier_mu_);
  for (Entry* entry : held_) delete entry;
  delete pending_barrier_;
}

void KeyGate::Enter(std::span<const std::string_view> keys, Mode mode, Task task) {
  auto* entry = new Entry;
  entry->mode = mode;
  entry->task = std::move(task);
  for (std::string_view key : keys) {
    const uint64_t hash = absl::Hash<std::string_view>{}(key);
    entry->keys.push_back(Entry::Key{(hash >> 32) % shards_.size(), hash});
  }
  std::sort(entry->keys.begin(), entry->keys.end());
  entry->keys.erase(std::unique(entry->keys.begin(), entry->keys.end()), entry->keys.end());

  std::vector<Entry*> ready;
  // The fast path: no barrier, so count the entry in and queue it.
  uint64_t state = state_.load(std::memory_order_acquire);
  while ((state & kBarrier) == 0) {
    if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      Queue(entry, ready);
      Run(ready);
      return;
    }
  }
  {
    // The barrier bit only changes under barrier_mu_, so it is stable here.
    absl::MutexLock lock(&barrier_mu_);
    if ((state_.load(std::memory_order_acquire) & kBarrier) != 0) {
      held_.push_back(entry);
      return;
    }
    state_.fetch_add(1, std::memory_order_acq_rel);
  }
  Queue(entry, ready);
  Run(ready);
}

void KeyGate::EnterBarrier(Task task) {
  auto* barrier = new Entry;
  barrier->barrier = true;
  barrier->task = std::move(task);
  std::vector<Entry*> ready;
  {
    absl::MutexLock lock(&barrier_mu_);
    if ((state_.load(std::memory_order_acquire) & kBarrier) != 0) {
      held_.push_back(barrier);
      return;
    }
    const uint64_t before = state_.fetch_or(kBarrier, std::memory_order_acq_rel);
    if (before == 0) {
      ready.push_back(barrier);
    } else {
      // The entry that takes the count to zero starts it.
      pending_barrier_ = barrier;
    }
  }
  Run(ready);
}

void KeyGate::Leave(Ticket ticket) {
  Entry* entry = ticket.entry_;
  std::vector<Entry*> ready;
  if (entry->barrier) {
    delete entry;
    LiftBarrier(ready);
  } else {
    LeaveKeys(*entry, ready);
    delete entry;
    if (state_.fetch_sub(1, std::memory_order_acq_rel) == (kBarrier | 1)) {
      absl::MutexLock lock(&barrier_mu_);
      ready.push_back(pending_barrier_);
      pending_barrier_ = nullptr;
    }
  }
  Run(ready);
}

void KeyGate::Queue(Entry* entry, std::vector<Entry*>& ready) {
  entry->pending.store(entry->keys.size() + 1, std::memory_order_relaxed);
  QueueFrom(*entry, 0);
  if (entry->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) ready.push_back(entry);
}

void KeyGate::QueueFrom(Entry& entry, std::size_t from) {
  if (from == entry.keys.size()) return;
  Shard& shard = *shards_[entry.keys[from].shard];
  absl::MutexLock lock(&shard.mu);
  std::size_t next = from;
  for (; next < entry.keys.size() && entry.keys[next].shard == entry.keys[from].shard; ++next) {
    PushLocked(shard, entry.keys[next].hash, entry);
  }
  QueueFrom(entry, next);
}

void KeyGate::PushLocked(Shard& shard, uint64_t hash, Entry& entry) {
  KeyQueue& queue = shard.queues[hash];
  queue.entries.push_back(&entry);
  // Only the new entry can become runnable by being queued.
  std::vector<Entry*> none;
  GrantLocked(queue, none);
}

void KeyGate::GrantLocked(KeyQueue& queue, std::vector<Entry*>& ready) {
  while (queue.granted < queue.entries.size()) {
    Entry* next = queue.entries[queue.granted];
    if (queue.granted > 0 &&
        (next->mode == Mode::kExclusive || queue.entries.front()->mode == Mode::kExclusive)) {
      return;
    }
    ++queue.granted;
    if (next->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) ready.push_back(next);
    if (next->mode == Mode::kExclusive) return;
  }
}

void KeyGate::LeaveKeys(Entry& entry, std::vector<Entry*>& ready) {
  for (const Entry::Key& key : entry.keys) {
    Shard& shard = *shards_[key.shard];
    absl::MutexLock lock(&shard.mu);
    auto it = shard.queues.find(key.hash);
    KeyQueue& queue = it->second;
    queue.entries.erase(
        std::find(queue.entries.begin(), queue.entries.begin() + queue.granted, &entry));
    --queue.granted;
    GrantLocked(queue, ready);
    if (queue.entries.empty()) shard.queues.erase(it);
  }
}

void KeyGate::LiftBarrier(std::vector<Entry*>& ready) {
  absl::MutexLock lock(&barrier_mu_);
  while (!held_.empty()) {
    Entry* entry = held_.front();
    held_.pop_front();
    if (entry->barrier) {
      // The next barrier waits for the entries just admitted before it.
      if ((state_.load(std::memory_order_acquire) & ~kBarrier) == 0) {
        ready.push_back(entry);
      } else {
        pending_barrier_ = entry;
      }
      return;
    }
    state_.fetch_add(1, std::memory_order_acq_rel);
    // Queued before the bit clears, so no later entry overtakes a held one.
    Queue(entry, ready);
  }
  state_.fetch_and(~kBarrier, std::memory_order_acq_rel);
}

void KeyGate::Run(std::vector<Entry*>& ready) {
  if (ready.empty()) return;
  thread_local std::deque<Entry*>* running = nullptr;
  if (running != nullptr) {
    running->insert(running->end(), ready.begin(), ready.end());
    return;
  }
  std::deque<Entry*> queue(ready.begin(), ready.end());
  running = &queue;
  while (!queue.empty()) {
    Entry* entry = queue.front();
    queue.pop_front();
    Ticket ticket;
    ticket.entry_ = entry;
    // The task may leave (and so free its entry) before it returns.
    Task task = std::move(entry->task);
    std::move(task)(ticket);
  }
  running = nullptr;
}

}  // namespace memgate::backends
