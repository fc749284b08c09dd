// Connection: the read -> parse -> dispatch -> ordered reply -> write loop.
#include "server/connection.h"

#include <algorithm>
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
// Stop reading and parsing while this much output is queued, or while as many
// replies are outstanding as would take about that much at the size this
// client's replies have had (within the bounds below), so one client can
// neither grow our memory without bound nor keep a backend connection it
// shares with others busy with its replies for long.
constexpr std::size_t kMaxQueuedOutput = 4 * 1024 * 1024;
// On shutdown, how long a half-received command may wait for its rest.
constexpr std::chrono::milliseconds kDrainGrace{200};
constexpr uint64_t kMinOutstandingReplies = 1;
constexpr uint64_t kMaxOutstandingReplies = 1024;
// Until replies have been seen: 4 outstanding.
constexpr std::size_t kInitialReplyBytes = kMaxQueuedOutput / 4;

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
      stats_(stats),
      counters_(stats.ForThread(loop_index)),
      registry_(registry),
      client_(std::move(client)),
      options_(options),
      parser_(protocol::ParserOptions{.max_item_size = options.max_item_size,
                                      .flush_enabled = options.flush_enabled}),
      idle_timer_(loop),
      reply_bytes_(kInitialReplyBytes),
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
  if (closed_) {
    // Gone while the backend was deciding: it still hears of the end.
    if (accepted) dispatcher_.backend().ClientClosed(client_);
    return;
  }
  switch (result.outcome) {
    case backends::OpenOutcome::kAccepted:
      opened_ = true;
      ArmIdleTimer();
      Read();
      return;
    case backends::OpenOutcome::kRefused: {
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
    self->draining_ = true;
    self->CloseIfDrained();
  });
}

void Connection::CloseIfDrained() {
  if (closed_ || processing_) return;
  // Not yet accepted by the backend: nothing of its has been read.
  if (!opened_) return Close(DisconnectReason::kShutdown);
  if (writing_ || !out_.empty() || !slots_.empty() || multi_get_) return;
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

uint64_t Connection::ReserveReply() {
  slots_.emplace_back();
  return next_seq_++;
}

std::string& Connection::ReplyBuffer(uint64_t seq) {
  if (closed_ || seq < head_seq_) {
    discard_.clear();
    return discard_;
  }
  if (seq == head_seq_) return out_;
  return slots_[seq - head_seq_].bytes;
}

void Connection::AppendSharedValue(uint64_t seq, std::string_view data, backends::HitOwner owner) {
  if (closed_ || seq < head_seq_) return;
  if (seq == head_seq_) {
    out_shared_.push_back({out_.size(), data, std::move(owner)});
    out_shared_bytes_ += data.size();
    return;
  }
  Slot& slot = slots_[seq - head_seq_];
  slot.shared.push_back({slot.bytes.size(), data, std::move(owner)});
}

void Connection::FinishReply(uint64_t seq, bool close_after) {
  if (closed_ || seq < head_seq_) return;
  Slot& slot = slots_[seq - head_seq_];
  slot.done = true;
  slot.close_after = close_after;
  if (seq != head_seq_) return;
  while (!slots_.empty() && slots_.front().done) {
    Slot& front = slots_.front();
    std::size_t reply_bytes = front.bytes.size();
    for (SharedValue& value : front.shared) {
      value.at += out_.size();
      out_shared_bytes_ += value.data.size();
      reply_bytes += value.data.size();
      out_shared_.push_back(std::move(value));
    }
    // A moving average over about the last eight replies.
    reply_bytes_ = reply_bytes_ - reply_bytes_ / 8 + reply_bytes / 8;
    out_.append(front.bytes);
    const bool close = front.close_after;
    slots_.pop_front();
    ++head_seq_;
    if (close) {
      // Nothing after a closing reply is sent; later commands are dropped.
      close_after_flush_ = true;
      slots_.clear();
      head_seq_ = next_seq_;
      multi_get_.reset();
      break;
    }
  }
  // Called by a backend's completion: the client's other replies that
  // complete in this turn of the loop join the same write.
  if (!processing_) ProcessInput(WriteWhen::kCoalesced);
}

uint64_t Connection::MaxOutstandingReplies() const {
  return std::clamp<uint64_t>(kMaxQueuedOutput / std::max<std::size_t>(1, reply_bytes_),
                              kMinOutstandingReplies, kMaxOutstandingReplies);
}

bool Connection::CanParse() const {
  if (closed_ || close_after_flush_ || in_begin_ == in_end_) return false;
  const uint64_t outstanding = next_seq_ - head_seq_ + batch_.entries().size();
  const std::size_t queued = out_.size() + out_shared_bytes_;
  if (outstanding >= MaxOutstandingReplies() || queued >= kMaxQueuedOutput) return false;
  // A backend that cannot keep a client's order gets one command at a time.
  return outstanding == 0 || dispatcher_.PipelinesInOrder();
}

bool Connection::ContinueMultiGet() {
  if (multi_get_->Finished()) {
    multi_get_.reset();
    return true;
  }
  // One part at a time: each once every reply before it is complete and
  // less than kMaxQueuedOutput waits to be sent.
  if (next_seq_ != head_seq_ || out_.size() + out_shared_bytes_ >= kMaxQueuedOutput) return false;
  dispatcher_.RetrievePart(multi_get_, *this);
  return true;
}

void Connection::ProcessInput(WriteWhen when) {
  if (processing_ || closed_) return;
  processing_ = true;
  int parsed = 0;
  while (!closed_) {
    if (multi_get_) {
      if (!ContinueMultiGet()) break;
      continue;
    }
    if (!CanParse()) {
      // The batch counts as outstanding: once asked, its answer may free
      // room for more.
      if (batch_.empty()) break;
      SendBatch();
      continue;
    }
    if (options_.reqs_per_event > 0 && parsed++ == options_.reqs_per_event) {
      // Yield to the loop's other connections; the rest is parsed on a
      // later turn.
      if (!resume_posted_) {
        resume_posted_ = true;
        asio::post(loop_, [self = Self()] {
          self->resume_posted_ = false;
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
      if (closed_ || close_after_flush_) break;
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
  processing_ = false;
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  if (when == WriteWhen::kNow) {
    Write();
  } else {
    ScheduleWrite();
  }
  Read();
  if (close_after_flush_ && !writing_ && out_.empty() && slots_.empty() && !multi_get_) {
    Close(close_reason_);
  }
  if (draining_) CloseIfDrained();
}

void Connection::SendBatch() {
  // Nothing is answered after a closing reply.
  if (closed_ || close_after_flush_) return batch_.Clear();
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
  if (reading_ || closed_ || close_after_flush_ || multi_get_) return;
  if (next_seq_ - head_seq_ >= MaxOutstandingReplies()) return;
  if (out_.size() + out_shared_bytes_ + sending_.size() + sending_shared_bytes_ >=
      kMaxQueuedOutput) {
    return;
  }
  MakeRoomForRead();
  reading_ = true;
  // No reply since the last read (a command still arriving, noreply
  // commands): no write will find a reset that came with that read's data.
  const bool try_first = next_seq_ == seq_at_read_;
  seq_at_read_ = next_seq_;
  reader_.Start(
      asio::buffer(in_.get() + in_end_, in_capacity_ - in_end_), Self(),
      [](void* self, const boost::system::error_code& error, std::size_t bytes) {
        static_cast<Connection*>(self)->OnRead(error, bytes);
      },
      try_first);
}

void Connection::OnRead(const boost::system::error_code& error, std::size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (error) {
    if (error != asio::error::eof) {
      Close(DisconnectReason::kError);
      return;
    }
    // The peer finished sending: answer what it sent, then close.
    close_after_flush_ = true;
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
  if (writing_ || closed_ || out_.empty()) return;
  std::swap(sending_, out_);
  std::swap(sending_shared_, out_shared_);
  sending_shared_bytes_ = out_shared_bytes_;
  out_shared_bytes_ = 0;
  writing_ = true;
  // Counted when handed to the socket, so a client that has read its reply
  // also sees it counted.
  const std::size_t total = sending_.size() + sending_shared_bytes_;
  bytes_out_.store(bytes_out_.load(std::memory_order_relaxed) + total, std::memory_order_relaxed);
  ThreadCounters::Add(counters_.bytes_written, total);
  auto on_write =
      asio::bind_allocator(block_cache::Allocator<void>(),
                           [self = Self()](const boost::system::error_code& error,
                                           std::size_t bytes) { self->OnWrite(error, bytes); });
  if (sending_shared_.empty()) {
    asio::async_write(socket_, asio::buffer(sending_), std::move(on_write));
    return;
  }
  GatherSending();
  asio::async_write(socket_, gather_, std::move(on_write));
}

void Connection::ScheduleWrite() {
  if (write_posted_ || writing_ || closed_ || out_.empty()) return;
  write_posted_ = true;
  asio::post(loop_, [self = Self()] {
    self->write_posted_ = false;
    self->Write();
  });
}

void Connection::GatherSending() {
  gather_.clear();
  std::size_t from = 0;
  for (const SharedValue& value : sending_shared_) {
    if (value.at > from) gather_.emplace_back(sending_.data() + from, value.at - from);
    gather_.emplace_back(value.data.data(), value.data.size());
    from = value.at;
  }
  if (from < sending_.size()) gather_.emplace_back(sending_.data() + from, sending_.size() - from);
}

void Connection::OnWrite(const boost::system::error_code& error, std::size_t bytes) {
  writing_ = false;
  if (closed_) return;
  if (error) {
    Close(DisconnectReason::kError);
    return;
  }
  sending_.clear();
  sending_shared_.clear();
  sending_shared_bytes_ = 0;
  ProcessInput();
}

void Connection::ArmIdleTimer() {
  if (options_.idle_timeout.count() <= 0 || closed_) return;
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
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  idle_timer_.cancel();
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  slots_.clear();
  out_shared_.clear();
  out_shared_bytes_ = 0;
  head_seq_ = next_seq_;
  multi_get_.reset();
  registry_.Remove(client_, reason);
  if (opened_) dispatcher_.backend().ClientClosed(client_);
}

}  // namespace memgate::server
