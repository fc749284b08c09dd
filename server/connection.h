// One client connection: reads bytes, parses commands, hands them to the
// dispatcher and writes replies back in command order, one write per batch.
// It lives on one event loop; Disconnect() and Snapshot() are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"
#include "backends/client_context.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/generic/stream_protocol.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "server/dispatcher.h"
#include "server/events.h"
#include "server/get_batch.h"
#include "server/multi_get.h"
#include "server/protocol/parser.h"
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
  // A value sent from the backend's memory: it goes out at offset `at` of the
  // bytes it belongs to, and `owner` keeps it alive until it has been written.
  struct SharedValue {
    std::size_t at;
    std::string_view data;
    backends::HitOwner owner;
  };

  struct Slot {
    std::string bytes;
    std::vector<SharedValue> shared;
    bool done = false;
    bool close_after = false;
  };

  std::shared_ptr<Connection> Self();
  // The backend's answer to ClientOpened: serve the client, or refuse it.
  void OnOpened(const backends::OpenResult& result);
  void Read();
  void OnRead(const boost::system::error_code& error, std::size_t bytes);
  // When the replies parsing completed go out: at once, or (kCoalesced)
  // after whatever else the loop is handling now, which for a backend's
  // completion is usually more completions from the same read.
  enum class WriteWhen : uint8_t { kNow, kCoalesced };
  void ProcessInput(WriteWhen when = WriteWhen::kNow);
  // How many replies may be outstanding, from the size of recent ones.
  uint64_t MaxOutstandingReplies() const;
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
  // Points gather_ at sending_ with sending_shared_ spliced in.
  void GatherSending();
  void OnWrite(const boost::system::error_code& error, std::size_t bytes);
  void ArmIdleTimer();
  void Close(DisconnectReason reason);
  void CloseIfDrained();

  Socket socket_;
  SocketReader reader_;
  boost::asio::io_context& loop_;
  Dispatcher& dispatcher_;
  ServerStats& stats_;
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

  // Reply slots [head_seq_, next_seq_); the head slot writes straight into
  // out_, later ones into their own buffer until they reach the head.
  std::deque<Slot> slots_;
  uint64_t head_seq_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t seq_at_read_ = 0;  // next_seq_ when the last read started
  std::string out_;           // ready to send
  std::string sending_;       // owned by the write in flight
  // The values that go out between out_'s (sending_'s) bytes, and their size.
  std::vector<SharedValue> out_shared_;
  std::vector<SharedValue> sending_shared_;
  std::size_t out_shared_bytes_ = 0;
  std::size_t sending_shared_bytes_ = 0;
  std::vector<boost::asio::const_buffer> gather_;  // sending_ with its shared values
  std::string discard_;                            // where replies to a closed connection go
  // A long retrieval being answered a part at a time; nothing after it is
  // read or parsed meanwhile.
  std::shared_ptr<MultiGet> multi_get_;
  // Gets parsed in this pass, not yet asked of the backend.
  GetBatch batch_;
  std::size_t reply_bytes_;  // the recent replies' average size

  bool opened_ = false;  // the backend accepted the client
  bool reading_ = false;
  bool writing_ = false;
  bool write_posted_ = false;
  bool processing_ = false;
  bool resume_posted_ = false;  // a yield (-R) queued the next ProcessInput
  bool close_after_flush_ = false;
  bool closed_ = false;
  bool draining_ = false;
  // Why the connection closes once close_after_flush_ is set.
  DisconnectReason close_reason_ = DisconnectReason::kError;

  const std::chrono::system_clock::time_point connected_at_;
  std::atomic<int64_t> last_activity_ns_;
  std::atomic<uint64_t> commands_{0};
  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
};

}  // namespace memgate::server
