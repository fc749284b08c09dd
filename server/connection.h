// One client connection: reads bytes from its socket, parses commands, hands
// them to the dispatcher and writes the replies its ReplyQueue orders, one
// write per batch, as its PipelinePolicy paces it. It lives on one event
// loop; Disconnect() and Snapshot() are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "backends/backend.h"
#include "backends/client_context.h"
#include "boost/asio/generic/stream_protocol.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "server/dispatcher.h"
#include "server/events.h"
#include "server/get_batch.h"
#include "server/multi_get.h"
#include "server/pipeline_policy.h"
#include "server/protocol/parser.h"
#include "server/reply_queue.h"
#include "server/session.h"
#include "server/socket_reader.h"

namespace memgate::server {

class ClientRegistry;

// What an operator sees of a client (admin ListClients).
struct ClientSnapshot {
  backends::ClientContext client;
  std::chrono::system_clock::time_point connected_at;
  std::chrono::system_clock::time_point last_activity;
  uint64_t commands = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

struct ConnectionOptions {
  std::size_t max_item_size = kDefaultMaxItemSize;
  // Close after this long without a command; zero disables.
  std::chrono::milliseconds idle_timeout{0};
  bool flush_enabled = true;  // memcached -F
  // memcached -R: commands parsed in one go before other clients on the loop
  // get a turn; 0: as many as the buffer holds.
  int reqs_per_event = 0;
};

class Connection final : public Session {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;

  // `socket` must belong to `loop`, the event loop with index `loop_index`.
  Connection(Socket socket, boost::asio::io_context& loop, int loop_index, Dispatcher& dispatcher,
             ServerStats& stats, ClientRegistry& registry, backends::ClientContext client,
             ConnectionOptions options);
  ~Connection() override;

  // Registers the client and starts reading. Call on the connection's loop.
  void Start();
  // Closes the connection from any thread.
  void Disconnect(DisconnectReason reason);
  // Graceful shutdown, from any thread: the connection keeps answering what
  // the client has sent and closes (kShutdown) once every reply is written
  // and no more input is waiting.
  void Drain();
  ClientSnapshot Snapshot() const;

  // Session.
  const backends::ClientContext& client() const override { return client_; }
  ThreadCounters& counters() override { return counters_; }
  uint64_t ReserveReply() override;
  std::string& ReplyBuffer(uint64_t seq) override;
  void AppendSharedValue(uint64_t seq, std::string_view data, backends::HitOwner owner) override;
  void FinishReply(uint64_t seq, bool close_after) override;
  bool OnSessionThread() const override;
  void Post(absl::AnyInvocable<void() &&> task) override;

 private:
  // Where the connection is in its life.
  enum class Phase : uint8_t {
    kOpening,  // the backend has not yet accepted the client
    kOpen,
    // Open, and closes (kShutdown) once every reply is written and no more
    // input is waiting.
    kDraining,
    // Reads no more: the replies to what was read go out, then it closes
    // (close_reason_).
    kClosing,
    kRefusing,  // kClosing for a client the backend refused
    kClosed,
  };
  using WriteWhen = PipelinePolicy::WriteWhen;

  std::shared_ptr<Connection> Self();
  // The backend's answer to ClientOpened: serve the client, or refuse it.
  void OnOpened(const backends::OpenResult& result);
  void Read();
  void OnRead(const boost::system::error_code& error, std::size_t bytes);
  void ProcessInput(WriteWhen when = WriteWhen::kNow);
  // Nothing more is read or parsed: closing or closed.
  bool Ending() const { return phase_ >= Phase::kClosing; }
  // The backend accepted the client and has not yet heard of its end.
  bool Accepted() const {
    return phase_ == Phase::kOpen || phase_ == Phase::kDraining || phase_ == Phase::kClosing;
  }
  // A reply that closes the connection reached the output.
  void CloseAfterReplies();
  bool CanParse() const;
  // Asks for the next part of multi_get_ when the reply before it is out;
  // false while it waits.
  bool ContinueMultiGet();
  // Asks the backend for batch_ (empty afterwards).
  void SendBatch();
  void MakeRoomForRead();
  void Write();
  // Write, posted to the loop once however many replies complete meanwhile.
  void ScheduleWrite();
  void OnWrite(const boost::system::error_code& error, std::size_t bytes);
  void ArmIdleTimer();
  void Close(DisconnectReason reason);
  void CloseIfDrained();

  Socket socket_;
  SocketReader reader_;
  boost::asio::io_context& loop_;
  Dispatcher& dispatcher_;
  ThreadCounters& counters_;
  ClientRegistry& registry_;
  const backends::ClientContext client_;
  const ConnectionOptions options_;
  protocol::Parser parser_;
  protocol::Command command_;
  boost::asio::steady_timer idle_timer_;

  // Read buffer: unparsed bytes are [in_begin_, in_end_).
  std::unique_ptr<char[]> in_;
  std::size_t in_capacity_ = 0;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;

  ReplyQueue replies_;
  PipelinePolicy policy_;
  uint64_t seq_at_read_ = 0;  // replies reserved when the last read started
  // A long retrieval being answered a part at a time; nothing after it is
  // read or parsed meanwhile.
  std::shared_ptr<MultiGet> multi_get_;
  // Gets parsed in this pass, not yet asked of the backend.
  GetBatch batch_;

  Phase phase_ = Phase::kOpening;
  bool reading_ = false;  // a read is in flight
  // Why the connection closes once it is kClosing.
  DisconnectReason close_reason_ = DisconnectReason::kError;

  const std::chrono::system_clock::time_point connected_at_;
  std::atomic<int64_t> last_activity_ns_;
  std::atomic<uint64_t> commands_{0};
  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
};

}  // namespace memgate::server
