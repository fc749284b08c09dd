// One pipelined Redis connection owned by one event loop: connects (TCP, unix
// or TLS), authenticates, selects the database and loads the scripts on every
// (re)connect, batches the commands queued in one loop iteration into one
// write, matches replies to commands in order, fails a command that sees no
// reply within the timeout, and reconnects with jittered backoff.
//
// Every member function runs on the connection's loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "backends/redis/redis_counters.h"
#include "backends/redis/redis_options.h"
#include "backends/redis/resp_command.h"
#include "backends/redis/resp_transport.h"
#include "backends/redis/scripts.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {

class RespConnection : public std::enable_shared_from_this<RespConnection> {
 public:
  // A reply (possibly a Redis error reply) or why there is none: the
  // connection is down, broke, or the reply did not come in time. The status
  // message is what the memcached client sees after SERVER_ERROR.
  using Callback = absl::AnyInvocable<void(absl::StatusOr<Reply>) &&>;

  // Shared so that handlers still queued on the loop after the backend is
  // gone find them alive. `tls` may be null for plain endpoints; `scripts`
  // are static.
  RespConnection(boost::asio::io_context& loop, std::shared_ptr<const RedisOptions> options,
                 std::shared_ptr<boost::asio::ssl::context> tls,
                 std::span<const Script* const> scripts, std::shared_ptr<RedisCounters> counters);

  // Starts connecting.
  void Start();
  // Fails every queued command and closes for good.
  void Stop();

  // Queues one command; `done` runs on this loop once, in command order.
  // While a connect is under way the command waits for it (within the
  // timeout); while Redis is known to be down it fails at once.
  void Send(Command command, Callback done);

  bool ready() const { return state_ == State::kReady; }

 private:
  using SteadyClock = std::chrono::steady_clock;

  enum class State : uint8_t { kIdle, kConnecting, kHandshake, kReady, kBackoff, kStopped };

  struct Pending {
    Callback done;
    SteadyClock::time_point queued;
    SteadyClock::time_point deadline;
    Command retry;  // EVALSHA bytes kept for a NOSCRIPT retry (scripts only)
    bool internal = false;
  };

  void Connect();
  void OnConnected();
  void Handshake();
  void OnReady();
  // The connection is unusable: every command on it fails with `reason`, and
  // a reconnect is scheduled.
  void Broken(const std::string& reason);
  void ScheduleReconnect();

  void Enqueue(Command command, Callback done, SteadyClock::time_point queued, bool internal);
  // Writes out_ once the loop stops adding commands to it (see PostFlush).
  void ScheduleFlush();
  void PostFlush();
  void StartWrite();
  // Reads replies: over TLS with a pending read, otherwise by waiting for
  // readability and reading what has arrived (also right after a write).
  void StartRead();
  void WaitReadable();
  // Reads and parses what has arrived, without waiting; false once the
  // connection broke.
  bool ConsumeArrived();
  void ReadFailed(const boost::system::error_code& ec);
  // Parses the first `n` bytes of read_buffer_ and answers their commands;
  // false once a reply broke or stopped the connection.
  bool Consume(std::size_t n);
  void OnReply(Reply reply);

  void ArmTimer();
  void OnTimer();

  void FailAll(std::deque<Pending>& queue, const std::string& reason);

  boost::asio::io_context& loop_;
  const std::shared_ptr<const RedisOptions> options_holder_;
  const RedisOptions& options_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  const std::span<const Script* const> scripts_;
  const std::shared_ptr<RedisCounters> counters_holder_;
  RedisCounters& counters_;
  std::string logged_error_;  // the last failure logged

  State state_ = State::kIdle;
  // Bumped for each transport, so late handlers of an old one do nothing.
  uint64_t generation_ = 0;
  std::shared_ptr<Transport> transport_;
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader_;
  std::string last_error_;

  std::deque<Pending> pending_;                      // sent or in out_, awaiting replies in order
  std::deque<std::pair<Command, Pending>> waiting_;  // queued while connecting
  std::string out_;                                  // the next write
  std::string writing_;                              // the write in flight
  bool write_in_flight_ = false;
  bool flush_posted_ = false;
  std::size_t flush_mark_ = 0;  // out_'s size when the posted flush last looked
  int flush_rounds_ = 0;        // turns the posted flush has waited
  std::vector<char> read_buffer_;

  SteadyClock::time_point connect_deadline_{};
  boost::asio::steady_timer deadline_timer_;
  bool timer_armed_ = false;
  SteadyClock::time_point timer_at_{};
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_;
  std::minstd_rand jitter_;
  bool counted_connected_ = false;
};

}  // namespace memgate::backends::redis
