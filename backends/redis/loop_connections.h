// The Redis connections of one event loop, and the lane each client is
// pinned to: a connection plus a barrier that holds the lane's new commands
// while a prefix flush_all runs on it, so nothing sent after the flush is
// swept up by it. Everything here runs on the loop.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "backends/redis/resp_connection.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"

namespace memgate::backends::redis {

class Lane {
 public:
  explicit Lane(std::shared_ptr<RespConnection> connection) : connection_(std::move(connection)) {}

  // A client command: held while a barrier is up.
  void Send(Command command, RespConnection::Callback done);
  // Runs `task` now, or after the barriers when one is up (a flush that
  // must wait for the commands sent before it).
  void Run(absl::AnyInvocable<void() &&> task);
  // A step of the flush that raised the barrier.
  void SendThrough(Command command, RespConnection::Callback done) {
    connection_->Send(std::move(command), std::move(done));
  }
  void Hold() { ++holds_; }
  // Runs what was held, in order, until a held task raises a barrier again.
  void Release();

  RespConnection& connection() { return *connection_; }

 private:
  std::shared_ptr<RespConnection> connection_;
  int holds_ = 0;
  std::deque<absl::AnyInvocable<void() &&>> held_;
};

struct LoopConnections {
  explicit LoopConnections(boost::asio::io_context& loop) : context(loop), flush_timer(loop) {}

  boost::asio::io_context& context;
  std::vector<std::unique_ptr<Lane>> lanes;
  // A delayed flush_all; a newer one replaces it, as in memcached.
  boost::asio::steady_timer flush_timer;
  bool stopped = false;

  // The client's lane; nullptr once stopped.
  Lane* LaneFor(uint64_t client_id) {
    if (lanes.empty()) return nullptr;
    return lanes[client_id % lanes.size()].get();
  }
  // Fails whatever is queued, closes every connection and lets go of them,
  // so none outlives the loop's io_context.
  void Stop();
};

}  // namespace memgate::backends::redis
