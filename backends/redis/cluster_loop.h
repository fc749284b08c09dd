// One event loop's side of a Redis Cluster backend: a LoopConnections pool
// per master, opened when a command first needs it, each client pinned to
// one connection of each pool so a client's commands to one node keep their
// order; every command goes to the node of its key's slot, and MOVED and ASK
// are followed (a few hops at most) without the client seeing them.
//
// Everything here runs on the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/redis/cluster_slot_map.h"
#include "backends/redis/cluster_topology.h"
#include "backends/redis/loop_connections.h"
#include "backends/redis/reply_gather.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/steady_timer.hpp"

namespace memgate::backends::redis {

// Past this many redirections for one command the cluster is taken to be
// bouncing it between nodes, and the client gets SERVER_ERROR.
inline constexpr int kMaxRedirects = 5;

class ClusterLoop : public std::enable_shared_from_this<ClusterLoop> {
 public:
  ClusterLoop(boost::asio::io_context& loop, std::shared_ptr<ClusterTopology> topology,
              std::shared_ptr<boost::asio::ssl::context> tls);

  boost::asio::io_context& context() { return context_; }
  boost::asio::steady_timer& flush_timer() { return flush_timer_; }
  bool stopped() const { return stopped_; }

  // Sends each command (one key each) to its node, those for different
  // nodes in parallel, and calls `done` once with the replies in command
  // order, or with the first failure. A Redis error reply other than a
  // redirection is a reply.
  void SendAll(uint64_t client, std::vector<Command> commands,
               absl::AnyInvocable<void(Replies) &&> done);
  // flush_all on every master of the map (waiting, like other commands,
  // for the first map when started a moment ago).
  void FlushAll(uint64_t client, FlushPolicy policy, const std::string& prefix,
                Backend::Done<FlushResult> done);
  // Fails what is queued and closes every connection.
  void Stop();

 private:
  struct Routed {
    uint64_t client = 0;
    uint16_t slot = 0;
    int hops = 0;
    // Until when it may wait for the first slot map.
    std::chrono::steady_clock::time_point deadline;
    Command command;  // kept to send again after a redirection
    RespConnection::Callback done;
  };

  // To `target`, or to the slot's master when it is null.
  void Dispatch(std::unique_ptr<Routed> routed, const NodeAddress* target, bool asking);
  void OnReply(std::unique_ptr<Routed> routed, const std::string& host,
               absl::StatusOr<Reply> reply);
  // Holds `routed` until the first refresh is over (or its deadline).
  void Park(std::unique_ptr<Routed> routed);
  void OnParkTimer();
  void FlushAllBefore(std::chrono::steady_clock::time_point deadline, uint64_t client,
                      FlushPolicy policy, const std::string& prefix,
                      Backend::Done<FlushResult> done);
  // Adopts a newer slot map, closing the pools of nodes it no longer names.
  void SyncMap();
  std::shared_ptr<LoopConnections> Pool(const NodeAddress& address);

  boost::asio::io_context& context_;
  const std::shared_ptr<ClusterTopology> topology_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer park_timer_;
  bool park_armed_ = false;
  std::vector<std::unique_ptr<Routed>> parked_;
  bool stopped_ = false;

  uint64_t version_ = 0;
  std::shared_ptr<const SlotMap> map_;
  // What MOVED said since the map was read: later commands for the slot go
  // straight there.
  absl::flat_hash_map<uint16_t, NodeAddress> moved_;
  std::map<std::string, std::shared_ptr<LoopConnections>> pools_;
};

}  // namespace memgate::backends::redis
