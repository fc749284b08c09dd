// Orders operations by the keys they touch: an operation runs once every
// earlier operation on any of its keys has left, so one key's operations take
// effect in entry order while other keys' run at the same time. A barrier
// (flush_all) waits for everything entered before it and holds everything
// entered after it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace memgate::backends {

class KeyGate {
  struct Entry;

 public:
  enum class Mode : uint8_t {
    kShared,     // runs beside other shared entries on the same keys (plain reads)
    kExclusive,  // runs alone on its keys
  };

  // What a running task hands back to Leave.
  class Ticket {
   public:
    Ticket() = default;

   private:
    friend class KeyGate;
    Entry* entry_ = nullptr;
  };

  // Runs with the ticket the task must pass to Leave exactly once, when its
  // effects are visible to whoever comes next.
  using Task = absl::AnyInvocable<void(Ticket) &&>;

  explicit KeyGate(std::size_t shard_count = 64);
  ~KeyGate();

  KeyGate(const KeyGate&) = delete;
  KeyGate& operator=(const KeyGate&) = delete;

  // Queues `task` on `keys` (repeats count once) and runs it, before
  // returning or later on the thread whose Leave lets it through. The keys
  // are borrowed for the call only: the gate keeps their hashes, so two keys
  // with one hash are merely ordered as if they were one.
  void Enter(std::span<const std::string_view> keys, Mode mode, Task task);
  // Runs `task` alone: after every entry entered before it has left, and
  // before any entered after it runs.
  void EnterBarrier(Task task);
  void Leave(Ticket ticket);

 private:
  struct KeyQueue {
    // In entry order; the first `granted` are running.
    absl::InlinedVector<Entry*, 2> entries;
    std::size_t granted = 0;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<uint64_t, KeyQueue> queues ABSL_GUARDED_BY(mu);
  };

  // In state_: a barrier is pending or running; the rest counts the entries
  // admitted to the key queues and not yet left.
  static constexpr uint64_t kBarrier = uint64_t{1} << 63;

  // Puts an admitted entry on its key queues; adds it to `ready` when it may
  // run at once.
  void Queue(Entry* entry, std::vector<Entry*>& ready);
  // Locks the shards of entry's keys from keys[from] on, in ascending order,
  // and holds them all while it queues, so that two multi-key entries are in
  // the same order on every key they share (FIFO queues cannot deadlock).
  void QueueFrom(Entry& entry, std::size_t from);
  void PushLocked(Shard& shard, uint64_t hash, Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Lets through the entries at the front of `queue` that may run now.
  static void GrantLocked(KeyQueue& queue, std::vector<Entry*>& ready);
  void LeaveKeys(Entry& entry, std::vector<Entry*>& ready);
  // The running barrier left: admits what it held up to the next barrier.
  void LiftBarrier(std::vector<Entry*>& ready);
  // Runs the ready tasks; a task that lets others through while it runs on
  // this thread only queues them, so chains of inline completions do not
  // nest on the stack.
  static void Run(std::vector<Entry*>& ready);

  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> state_{0};
  absl::Mutex barrier_mu_;
  // Entries (barriers among them) that came while a barrier was pending or
  // running, in entry order.
  std::deque<Entry*> held_ ABSL_GUARDED_BY(barrier_mu_);
  // The barrier waiting for the admitted entries to leave.
  Entry* pending_barrier_ ABSL_GUARDED_BY(barrier_mu_) = nullptr;
};

}  // namespace memgate::backends
