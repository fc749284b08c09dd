// Where a Redis backend's commands go: the one seam between a single Redis
// (single_node_router.h) and a Redis Cluster (cluster_router.h). RedisBackend
// picks one in Create and talks to it only through this interface, one call
// per request.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/redis/redis_backend_snapshot.h"
#include "backends/redis/redis_counters.h"
#include "backends/redis/resp_command.h"
#include "boost/asio/io_context.hpp"

namespace memgate::backends::redis {

// The replies of one request's commands, in command order, handed over at
// once (or the first failure) to Conclude. The subclass that knows the
// request's result type lives in redis_backend.cc, so routers stay untyped;
// one allocation holds the replies, the decoder and the caller's done, and
// each command's callback holds only a pointer to it.
class PendingReplies {
 public:
  virtual ~PendingReplies() = default;

  // Concludes with every reply at once, or with a failure.
  static void Finish(std::unique_ptr<PendingReplies> pending, absl::StatusOr<ReplyList> replies) {
    pending->Conclude(std::move(replies));
  }
  // Hands `pending` over to the callbacks of `count` commands, which Add
  // their replies to the pointer returned.
  static PendingReplies* Gather(std::unique_ptr<PendingReplies> pending, std::size_t count) {
    pending->replies_.resize(count);
    pending->remaining_ = count;
    return pending.release();
  }
  // The outcome of command `index`; the last one concludes and deletes
  // `pending`.
  static void Add(PendingReplies* pending, std::size_t index, absl::StatusOr<Reply> reply) {
    if (reply.ok()) {
      pending->replies_[index] = *std::move(reply);
    } else if (pending->error_.ok()) {
      pending->error_ = reply.status();
    }
    if (--pending->remaining_ > 0) return;
    std::unique_ptr<PendingReplies> self(pending);
    if (!self->error_.ok()) return self->Conclude(self->error_);
    self->Conclude(std::move(self->replies_));
  }

 protected:
  virtual void Conclude(absl::StatusOr<ReplyList> replies) = 0;

 private:
  ReplyList replies_;
  std::size_t remaining_ = 0;
  absl::Status error_;
};

// One flush_all among those the backend received: a delayed flush runs
// only if no flush_all came after it, on any loop (memcached's latest
// flush_all wins).
struct FlushTurn {
  std::shared_ptr<const std::atomic<uint64_t>> flushes;
  uint64_t number = 0;

  bool superseded() const { return flushes->load(std::memory_order_relaxed) != number; }
};

class CommandRouter {
 public:
  virtual ~CommandRouter() = default;

  // Whether a command may name several keys (MGET): a cluster routes each
  // command by its one key.
  virtual bool multi_key_commands() const = 0;

  // Sets up each loop's connections (see RedisBackend::AttachLoops). Once.
  virtual void Attach(const std::vector<boost::asio::io_context*>& loops) = 0;
  virtual bool attached() const = 0;
  // Stops every loop's connections, on the loops, waiting briefly for each;
  // idle: no thread runs the loops, so here.
  virtual void Stop(bool idle) = 0;

  // The request's commands (at least one) on the client's loop, their
  // replies into `pending`. Attached routers only.
  virtual void Send(const ClientContext& client, CommandList commands,
                    std::unique_ptr<PendingReplies> pending) = 0;
  // flush_all on the client's loop: at once when delay_seconds <= 0,
  // otherwise answered at once and run after the delay unless superseded.
  // Attached routers only.
  virtual void FlushAll(const ClientContext& client, int64_t delay_seconds, FlushTurn turn,
                        Backend::Done<FlushResult> done) = 0;

  // Thread-safe: every connection's counters, added into `totals`.
  virtual void AddTotals(RedisCounters& totals) const = 0;
  // What `stats backend` shows as redis_endpoint.
  virtual std::string Endpoint() const = 0;
  // Thread-safe: target, cluster and, for a cluster, its slots and nodes.
  virtual void Describe(RedisBackendSnapshot& snapshot) const = 0;
  // `stats backend` lines after the common ones (a cluster's map and nodes).
  virtual void AddStats(StatsResult& result) const = 0;
};

// The loop that serves `client` among `count`: its own, or the first for a
// client off the server's loops.
inline std::size_t LoopIndex(const ClientContext& client, std::size_t count) {
  return client.loop >= 0 && static_cast<std::size_t>(client.loop) < count ? client.loop : 0;
}

// Runs `stop` on `loop` and waits for it (briefly), or runs it here when
// idle, when the loop has stopped, or when this thread runs it.
void StopOnLoop(boost::asio::io_context& loop, bool idle, absl::AnyInvocable<void() &&> stop);

inline constexpr std::string_view kRouterStopped = "redis backend stopped";

}  // namespace memgate::backends::redis
