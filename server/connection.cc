// Connection: the read -> parse -> dispatch -> ordered reply -> write loop
// over its socket.
#include "server/connection.h"

#include <cstring>
#include <utility>

#include "boost/asio/bind_allocator.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "server/block_cache.h"
#include "server/client_registry.h"
#include "server/protocol/reply.h"

namespace memgate::server {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kInitialReadBuffer = 16 * 1024;
// On shutdown, how long a half-received command may wait for its rest.
constexpr std::chrono::milliseconds kDrainGrace{200};

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Connection::Connection(Socket socket, asio::io_context& loop, int loop_index,
                       Dispatcher& dispatcher, ServerStats& stats, ClientRegistry& registry,
                       backends::ClientContext client, ConnectionOptions options)
    : socket_(std::move(socket)),
      reader_(loop, socket_),
      loop_(loop),
      dispatcher_(dispatcher),
      counters_(stats.ForThread(loop_index)),
      registry_(registry),
      client_(std::move(client)),
      options_(options),
      parser_(protocol::ParserOptions{.max_item_size = options.max_item_size,
                                      .flush_enabled = options.flush_enabled}),
      idle_timer_(loop),
      replies_(PipelinePolicy::kInitialReplyBytes),
      policy_(options.reqs_per_event),
      connected_at_(std::chrono::system_clock::now()),
      last_activity_ns_(NowNanos()) {}

Connection::~Connection() = default;

std::shared_ptr<Connection> Connection::Self() {
  return std::static_pointer_cast<Connection>(shared_from_this());
}

void Connection::Start() {
  registry_.Add(Self());
  // The backend hears of the client before its first command; it may answer
  // later, from any thread, and may refuse the client.
  dispatcher_.backend().ClientOpened(client_, [self = Self()](backends::OpenResult result) mutable {
    Connection& connection = *self;
    if (connection.OnSessionThread()) return connection.OnOpened(result);
    connection.Post(
        [self = std::move(self), result = std::move(result)]() mutable { self->OnOpened(result); });
  });
}

void Connection::OnOpened(const backends::OpenResult& result) {
  const bool accepted = result.outcome == backends::OpenOutcome::kAccepted;
  if (phase_ == Phase::kClosed) {
    // Gone while the backend was deciding: it still hears of the end.
    if (accepted) dispatcher_.backend().ClientClosed(client_);
    return;
  }
  switch (result.outcome) {
    case backends::OpenOutcome::kAccepted:
      phase_ = Phase::kOpen;
      ArmIdleTimer();
      Read();
      return;
    case backends::OpenOutcome::kRefused: {
      phase_ = Phase::kRefusing;
      const uint64_t seq = ReserveReply();
      protocol::reply::AppendServerError(ReplyBuffer(seq), result.error.message);
      close_reason_ = DisconnectReason::kError;
      FinishReply(seq, /*close_after=*/true);
      return;
    }
  }
}

void Connection::Disconnect(DisconnectReason reason) {
  asio::post(loop_, [self = Self(), reason] { self->Close(reason); });
}

void Connection::Drain() {
  asio::post(loop_, [self = Self()] {
    Connection& connection = *self;
    switch (connection.phase_) {
      case Phase::kOpen:
        connection.phase_ = Phase::kDraining;
        connection.CloseIfDrained();
        return;
      case Phase::kOpening:
      case Phase::kRefusing:
        // Not accepted by the backend: nothing of its has been read.
        connection.Close(DisconnectReason::kShutdown);
        return;
      case Phase::kDraining:
      case Phase::kClosing:
      case Phase::kClosed:
        // Closes once its replies are out, or is gone already.
        return;
    }
  });
}

void Connection::CloseIfDrained() {
  if (phase_ != Phase::kDraining || policy_.in_pass()) return;
  if (!replies_.idle() || multi_get_) return;
  boost::system::error_code error;
  if (socket_.available(error) > 0 && !error) return;
  if (in_begin_ != in_end_) {
    // A command cut short: its rest gets a moment to arrive (a value in
    // transit), a client that stopped sending mid-command does not hold
    // the shutdown up.
    const auto quiet = std::chrono::nanoseconds(NowNanos() - last_activity_ns_.load());
    if (quiet < kDrainGrace) {
      idle_timer_.expires_after(kDrainGrace - quiet);
      idle_timer_.async_wait([self = Self()](const boost::system::error_code& e) {
        if (!e) self->CloseIfDrained();
      });
      return;
    }
  }
  Close(DisconnectReason::kShutdown);
}

ClientSnapshot Connection::Snapshot() const {
  ClientSnapshot s;
  s.client = client_;
  s.connected_at = connected_at_;
  s.last_activity = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(last_activity_ns_.load(std::memory_order_relaxed))));
  s.commands = commands_.load(std::memory_order_relaxed);
  s.bytes_in = bytes_in_.load(std::memory_order_relaxed);
  s.bytes_out = bytes_out_.load(std::memory_order_relaxed);
  return s;
}

bool Connection::OnSessionThread() const { return loop_.get_executor().running_in_this_thread(); }

void Connection::Post(absl::AnyInvocable<void() &&> task) {
  asio::post(loop_, [self = Self(), task = std::move(task)]() mutable { std::move(task)(); });
}

uint64_t Connection::ReserveReply() { return replies_.Reserve(); }

std::string& Connection::ReplyBuffer(uint64_t seq) { return replies_.Buffer(seq); }

void Connection::AppendSharedValue(uint64_t seq, std::string_view data, backends::HitOwner owner) {
  replies_.AppendShared(seq, data, std::move(owner));
}

void Connection::FinishReply(uint64_t seq, bool close_after) {
  switch (replies_.Complete(seq, close_after)) {
    case ReplyQueue::Completion::kDiscarded:
      return;
    case ReplyQueue::Completion::kRecorded:
      break;
    case ReplyQueue::Completion::kClosing:
      CloseAfterReplies();
      break;
  }
  // Called by a backend's completion: the client's other replies that
  // complete in this turn of the loop join the same write.
  if (!policy_.in_pass()) ProcessInput(WriteWhen::kCoalesced);
}

void Connection::CloseAfterReplies() {
  // Nothing after a closing reply is sent; later commands are dropped.
  if (phase_ == Phase::kOpen || phase_ == Phase::kDraining) phase_ = Phase::kClosing;
  multi_get_.reset();
}

bool Connection::CanParse() const {
  if (Ending() || in_begin_ == in_end_) return false;
  // The batch counts as outstanding: once asked, its answer may free room
  // for more.
  return PipelinePolicy::MayParse(replies_.outstanding() + batch_.entries().size(),
                                  replies_.queued_bytes(), replies_.average_reply_bytes(),
                                  dispatcher_.PipelinesInOrder());
}

bool Connection::ContinueMultiGet() {
  if (multi_get_->Finished()) {
    multi_get_.reset();
    return true;
  }
  if (!PipelinePolicy::MayRetrieveNextPart(replies_.outstanding(), replies_.queued_bytes())) {
    return false;
  }
  dispatcher_.RetrievePart(multi_get_, *this);
  return true;
}

void Connection::ProcessInput(WriteWhen when) {
  if (phase_ == Phase::kClosed || !policy_.BeginPass()) return;
  while (phase_ != Phase::kClosed) {
    if (multi_get_) {
      if (!ContinueMultiGet()) break;
      continue;
    }
    if (!CanParse()) {
      if (batch_.empty()) break;
      SendBatch();
      continue;
    }
    if (!policy_.TakeTurn()) {
      // Yield to the loop's other connections.
      if (policy_.ClaimResume()) {
        asio::post(loop_, [self = Self()] {
          self->policy_.Resumed();
          self->ProcessInput();
        });
      }
      break;
    }
    std::string_view buffer(in_.get() + in_begin_, in_end_ - in_begin_);
    protocol::ParseResult result = parser_.Parse(buffer, command_);
    in_begin_ += result.consumed;
    if (result.status == protocol::ParseResult::Status::kNeedMore) {
      if (result.consumed == 0) break;
      continue;
    }
    if (result.status == protocol::ParseResult::Status::kCommand) {
      commands_.store(commands_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      if (GetBatch::Batchable(command_)) {
        if (!batch_.empty() && !batch_.Fits(command_)) SendBatch();
        batch_.Add(command_);
        continue;
      }
    }
    // Whatever comes after the batched gets is answered after them, unless
    // one of their replies closes the connection.
    if (!batch_.empty()) {
      SendBatch();
      if (Ending()) break;
    }
    if (result.status == protocol::ParseResult::Status::kCommand) {
      if (command_.verb == protocol::Verb::kQuit) close_reason_ = DisconnectReason::kClientClosed;
      if (MultiGet::Wanted(command_)) {
        multi_get_ = std::make_shared<MultiGet>(command_);
        continue;
      }
    }
    dispatcher_.Execute(result, command_, *this);
  }
  // Its keys point into the read buffer, which may move once parsing stops.
  if (!batch_.empty()) SendBatch();
  policy_.EndPass();
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  if (when == WriteWhen::kNow) {
    Write();
  } else {
    ScheduleWrite();
  }
  Read();
  if ((phase_ == Phase::kClosing || phase_ == Phase::kRefusing) && replies_.idle() && !multi_get_) {
    Close(close_reason_);
  }
  if (phase_ == Phase::kDraining) CloseIfDrained();
}

void Connection::SendBatch() {
  // Nothing is answered after a closing reply.
  if (Ending()) return batch_.Clear();
  dispatcher_.RetrieveBatch(batch_, *this);
}

void Connection::MakeRoomForRead() {
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
    // Give back a buffer that grew for one large value.
    if (in_capacity_ > 4 * kInitialReadBuffer) in_.reset();
  }
  if (!in_) {
    in_capacity_ = kInitialReadBuffer;
    in_ = std::make_unique_for_overwrite<char[]>(in_capacity_);
  }
  if (in_end_ < in_capacity_) return;
  if (in_begin_ > 0) {
    std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
    return;
  }
  // One incomplete command fills the buffer: grow. The parser bounds how much
  // a command may need (line length, item size), so this stays bounded.
  std::size_t capacity = in_capacity_ * 2;
  auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
  std::memcpy(bigger.get(), in_.get(), in_end_);
  in_ = std::move(bigger);
  in_capacity_ = capacity;
}

void Connection::Read() {
  if (reading_ || Ending() || multi_get_) return;
  if (!PipelinePolicy::MayRead(replies_.outstanding(), replies_.buffered_bytes(),
                               replies_.average_reply_bytes())) {
    return;
  }
  MakeRoomForRead();
  reading_ = true;
  // No reply since the last read (a command still arriving, noreply
  // commands): no write will find a reset that came with that read's data.
  const bool try_first = replies_.reserved() == seq_at_read_;
  seq_at_read_ = replies_.reserved();
  reader_.Start(
      asio::buffer(in_.get() + in_end_, in_capacity_ - in_end_), Self(),
      [](void* self, const boost::system::error_code& error, std::size_t bytes) {
        static_cast<Connection*>(self)->OnRead(error, bytes);
      },
      try_first);
}

void Connection::OnRead(const boost::system::error_code& error, std::size_t bytes) {
  reading_ = false;
  if (phase_ == Phase::kClosed) return;
  if (error) {
    if (error != asio::error::eof) {
      Close(DisconnectReason::kError);
      return;
    }
    // The peer finished sending: answer what it sent, then close.
    if (phase_ == Phase::kOpen || phase_ == Phase::kDraining) phase_ = Phase::kClosing;
    close_reason_ = DisconnectReason::kClientClosed;
    in_begin_ = in_end_;
    ProcessInput();
    return;
  }
  in_end_ += bytes;
  bytes_in_.store(bytes_in_.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
  ThreadCounters::Add(counters_.bytes_read, bytes);
  last_activity_ns_.store(NowNanos(), std::memory_order_relaxed);
  ProcessInput();
}

void Connection::Write() {
  if (replies_.writing() || phase_ == Phase::kClosed || !replies_.has_output()) return;
  const std::size_t total = replies_.StartWrite();
  // Counted when handed to the socket, so a client that has read its reply
  // also sees it counted.
  bytes_out_.store(bytes_out_.load(std::memory_order_relaxed) + total, std::memory_order_relaxed);
  ThreadCounters::Add(counters_.bytes_written, total);
  auto on_write =
      asio::bind_allocator(block_cache::Allocator<void>(),
                           [self = Self()](const boost::system::error_code& error,
                                           std::size_t bytes) { self->OnWrite(error, bytes); });
  if (replies_.sending_contiguous()) {
    asio::async_write(socket_, replies_.sending_buffer(), std::move(on_write));
    return;
  }
  asio::async_write(socket_, replies_.sending_gather(), std::move(on_write));
}

void Connection::ScheduleWrite() {
  if (replies_.writing() || phase_ == Phase::kClosed || !replies_.has_output()) return;
  if (!policy_.ClaimWrite()) return;
  asio::post(loop_, [self = Self()] {
    self->policy_.WriteRuns();
    self->Write();
  });
}

void Connection::OnWrite(const boost::system::error_code& error, std::size_t bytes) {
  replies_.WriteDone();
  if (phase_ == Phase::kClosed) return;
  if (error) {
    Close(DisconnectReason::kError);
    return;
  }
  ProcessInput();
}

void Connection::ArmIdleTimer() {
  if (options_.idle_timeout.count() <= 0 || phase_ == Phase::kClosed) return;
  const auto idle_for = std::chrono::nanoseconds(NowNanos() - last_activity_ns_.load());
  const auto remaining = options_.idle_timeout - idle_for;
  if (remaining <= std::chrono::nanoseconds::zero()) {
    Close(DisconnectReason::kIdle);
    return;
  }
  idle_timer_.expires_after(remaining);
  idle_timer_.async_wait([self = Self()](const boost::system::error_code& error) {
    if (!error) self->ArmIdleTimer();
  });
}

void Connection::Close(DisconnectReason reason) {
  if (phase_ == Phase::kClosed) return;
  const bool accepted = Accepted();
  phase_ = Phase::kClosed;
  boost::system::error_code ignored;
  idle_timer_.cancel();
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  replies_.Close();
  multi_get_.reset();
  registry_.Remove(client_, reason);
  if (accepted) dispatcher_.backend().ClientClosed(client_);
}

}  // namespace memgate::server
