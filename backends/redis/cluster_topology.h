// What every event loop of a Redis Cluster backend shares: the current slot
// map, each node's connection settings and counters, and the refreshes that
// keep the map current (at start, periodically, and when a loop asks after a
// redirect or a node failure, at most once per kMinRefreshInterval).
//
// The map, node settings and counters are thread-safe; refreshes run on the
// refresh loop, where Start and Stop must be called.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "backends/redis/cluster_slot_map.h"
#include "backends/redis/redis_counters.h"
#include "backends/redis/redis_options.h"
#include "backends/redis/resp_connection.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/steady_timer.hpp"

namespace memgate::backends::redis {

// Redirections come in bursts (a resharding moves a slot under many
// clients); one refresh answers them all.
inline constexpr std::chrono::milliseconds kMinRefreshInterval{250};

class ClusterTopology : public std::enable_shared_from_this<ClusterTopology> {
 public:
  struct NodeStats {
    std::string address;
    std::string slots;  // "0-5460,10923" for a master of the map; empty otherwise
    int64_t connected = 0;
    uint64_t commands = 0;
    uint64_t errors = 0;
  };

  ClusterTopology(boost::asio::io_context& refresh_loop,
                  std::shared_ptr<const RedisOptions> options,
                  std::shared_ptr<boost::asio::ssl::context> tls);

  boost::asio::io_context& refresh_loop() { return refresh_loop_; }
  const RedisOptions& options() const { return *options_; }

  // On the refresh loop: the first refresh and the periodic timer.
  void Start();
  // On the refresh loop: no more refreshes; closes the refresh connections.
  void Stop();

  // Thread-safe. An empty map until a node answered.
  std::shared_ptr<const SlotMap> map() const;
  // Bumped with each new map, so loops notice without taking the lock.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  bool loaded() const { return loaded_.load(std::memory_order_relaxed); }
  // Whether the first refresh has finished, found a map or not.
  bool settled() const { return settled_.load(std::memory_order_acquire); }

  // Thread-safe and cheap to call often.
  void RequestRefresh();

  // The settings and counters of the connections to `address`, the same for
  // every loop.
  std::shared_ptr<const RedisOptions> NodeOptions(const NodeAddress& address);
  std::shared_ptr<RedisCounters> NodeCounters(const std::string& key);

  // The masters of the map, then nodes that are no longer in it.
  std::vector<NodeStats> Nodes() const;
  // Adds every node's counters into `totals`.
  void AddTotals(RedisCounters& totals) const;

  std::atomic<uint64_t> refreshes{0};
  std::atomic<uint64_t> refresh_failures{0};
  std::atomic<uint64_t> moved{0};
  std::atomic<uint64_t> asked{0};

 private:
  struct Attempt;

  void MaybeRefresh();
  void Refresh();
  void Ask(std::shared_ptr<Attempt> attempt);
  void OnReply(std::shared_ptr<Attempt> attempt, bool shards, absl::StatusOr<Reply> reply);
  void Finish(std::shared_ptr<Attempt> attempt, absl::StatusOr<SlotMap> map);
  void Publish(SlotMap map, const std::string& from);
  void ArmPeriodic();
  RespConnection& RefreshConnection(const NodeAddress& address);

  boost::asio::io_context& refresh_loop_;
  const std::shared_ptr<const RedisOptions> options_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  const std::shared_ptr<RedisCounters> refresh_counters_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const SlotMap> map_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<const RedisOptions>> node_options_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<RedisCounters>> node_counters_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> version_{0};
  std::atomic<bool> loaded_{false};
  std::atomic<bool> settled_{false};
  std::atomic<bool> request_posted_{false};

  // The refresh loop's own state.
  bool stopped_ = false;
  bool refreshing_ = false;
  bool again_ = false;  // asked for while a refresh ran
  bool warned_ = false;
  std::chrono::steady_clock::time_point last_refresh_{};
  boost::asio::steady_timer periodic_timer_;
  boost::asio::steady_timer rate_timer_;
  bool rate_timer_armed_ = false;
  std::map<std::string, std::shared_ptr<RespConnection>> refresh_connections_;
};

}  // namespace memgate::backends::redis
