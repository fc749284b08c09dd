// The pipelined Redis connection (see resp_connection.h).
#include "backends/redis/resp_connection.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/error.hpp"
#include "boost/asio/post.hpp"
#include "common/absl_compat.h"
#include "common/log.h"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kReadChunk = 64 * 1024;
// Once it has parsed 1 KiB, hiredis moves the unparsed rest of its buffer to
// the front after every reply: fed a whole read at once, that copies most of
// the read again for every few replies. Fed in slices, the rest stays short.
constexpr std::size_t kFeedSlice = 1024;
// A write waits at most this many turns of the loop for more commands, and
// not at all once it holds this many bytes.
constexpr int kMaxFlushRounds = 8;
constexpr std::size_t kFullWrite = 64 * 1024;

}  // namespace

RespConnection::RespConnection(asio::io_context& loop, std::shared_ptr<const RedisOptions> options,
                               std::shared_ptr<asio::ssl::context> tls,
                               std::span<const Script* const> scripts,
                               std::shared_ptr<RedisCounters> counters)
    : loop_(loop),
      options_holder_(std::move(options)),
      options_(*options_holder_),
      tls_(std::move(tls)),
      scripts_(scripts),
      counters_holder_(std::move(counters)),
      counters_(*counters_holder_),
      reader_(nullptr, redisReaderFree),
      deadline_timer_(loop),
      retry_timer_(loop),
      backoff_(options_.backoff_initial),
      jitter_(static_cast<unsigned>(reinterpret_cast<uintptr_t>(this))) {}

void RespConnection::Start() {
  if (state_ != State::kIdle) return;
  Connect();
}

void RespConnection::Stop() {
  if (state_ == State::kStopped) return;
  state_ = State::kStopped;
  ++generation_;
  if (transport_ != nullptr) transport_->Close();
  transport_.reset();
  deadline_timer_.cancel();
  retry_timer_.cancel();
  if (counted_connected_) {
    counters_.connected.fetch_sub(1, std::memory_order_relaxed);
    counted_connected_ = false;
  }
  std::deque<Pending> pending = std::move(pending_);
  pending_.clear();
  std::deque<std::pair<Command, Pending>> waiting = std::move(waiting_);
  waiting_.clear();
  FailAll(pending, "redis backend stopped");
  for (auto& [command, entry] : waiting) {
    std::move(entry.done)(absl::UnavailableError("redis backend stopped"));
  }
}

void RespConnection::Connect() {
  state_ = State::kConnecting;
  ++generation_;
  transport_ =
      std::make_shared<Transport>(loop_, options_.endpoint, tls_.get(), !options_.tls_insecure);
  connect_deadline_ = SteadyClock::now() + options_.timeout;
  ArmTimer();
  transport_->AsyncConnect([self = shared_from_this(), transport = transport_,
                            generation = generation_](boost::system::error_code ec) {
    if (generation != self->generation_) return;
    if (ec) {
      self->Broken(absl::StrCat("cannot connect to redis at ", self->options_.endpoint.Describe(),
                                ": ", ec.message()));
      return;
    }
    self->OnConnected();
  });
}

void RespConnection::OnConnected() {
  state_ = State::kHandshake;
  reader_.reset(CreateReplyReader());
  read_buffer_.resize(kReadChunk);
  StartRead();
  Handshake();
}

void RespConnection::Handshake() {
  const uint64_t generation = generation_;
  // A refused step (WRONGPASS, NOAUTH, LOADING...) makes the whole
  // connection unusable; its name goes into the SERVER_ERROR.
  auto step = [this, generation](std::string what) {
    return [self = shared_from_this(), generation,
            what = std::move(what)](absl::StatusOr<Reply> reply) {
      if (generation != self->generation_ || !reply.ok()) return;
      if ((*reply)->type == REDIS_REPLY_ERROR) {
        self->Broken(absl::StrCat("redis ", what, " failed: ", ToAbsl(ReplyText(**reply))));
      }
    };
  };
  const auto now = SteadyClock::now();
  const RedisEndpoint& endpoint = options_.endpoint;
  if (endpoint.has_password) {
    if (endpoint.user.empty()) {
      const std::string_view argv[] = {"AUTH", endpoint.password};
      Enqueue(FormatCommand(argv), step("AUTH"), now, true);
    } else {
      const std::string_view argv[] = {"AUTH", endpoint.user, endpoint.password};
      Enqueue(FormatCommand(argv), step("AUTH"), now, true);
    }
  }
  if (endpoint.db != 0) {
    const std::string db = absl::StrCat(endpoint.db);
    const std::string_view argv[] = {"SELECT", db};
    Enqueue(FormatCommand(argv), step("SELECT"), now, true);
  }
  for (const Script* script : scripts_) {
    const std::string_view argv[] = {"SCRIPT", "LOAD", script->body};
    Enqueue(FormatCommand(argv), step(absl::StrCat("SCRIPT LOAD ", ToAbsl(script->name))), now,
            true);
  }
  // PING answers LOADING while Redis reads its data set: not ready yet.
  const std::string_view ping[] = {"PING"};
  Enqueue(
      FormatCommand(ping),
      [self = shared_from_this(), generation](absl::StatusOr<Reply> reply) {
        if (generation != self->generation_ || !reply.ok()) return;
        if ((*reply)->type == REDIS_REPLY_ERROR) {
          self->Broken(absl::StrCat("redis not ready: ", ToAbsl(ReplyText(**reply))));
          return;
        }
        self->OnReady();
      },
      now, true);
}

void RespConnection::OnReady() {
  state_ = State::kReady;
  backoff_ = options_.backoff_initial;
  last_error_.clear();
  if (!logged_error_.empty()) {
    LogInfo(absl::StrCat("redis: connected to ", options_.endpoint.Describe(), " again"),
            {Field("endpoint", options_.endpoint.Describe())});
    logged_error_.clear();
  }
  counters_.connects.fetch_add(1, std::memory_order_relaxed);
  if (!counted_connected_) {
    counters_.connected.fetch_add(1, std::memory_order_relaxed);
    counted_connected_ = true;
  }
  std::deque<std::pair<Command, Pending>> waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [command, entry] : waiting) {
    Enqueue(std::move(command), std::move(entry.done), entry.queued, false);
  }
}

void RespConnection::Broken(const std::string& reason) {
  if (state_ == State::kStopped) return;
  ++generation_;
  if (transport_ != nullptr) transport_->Close();
  transport_.reset();
  reader_.reset();
  out_.clear();
  writing_.clear();
  write_in_flight_ = false;
  last_error_ = reason;
  // One line per change of cause, not one per reconnect attempt.
  if (reason != logged_error_) {
    LogWarn(absl::StrCat("redis: ", reason), {Field("endpoint", options_.endpoint.Describe())});
    logged_error_ = reason;
  }
  if (counted_connected_) {
    counters_.connected.fetch_sub(1, std::memory_order_relaxed);
    counted_connected_ = false;
  }
  counters_.reconnects.fetch_add(1, std::memory_order_relaxed);
  state_ = State::kBackoff;
  std::deque<Pending> pending = std::move(pending_);
  pending_.clear();
  std::deque<std::pair<Command, Pending>> waiting = std::move(waiting_);
  waiting_.clear();
  ScheduleReconnect();
  // Nothing on the broken connection is sent again: a write may or may not
  // have been applied, so only the client may decide to retry it.
  FailAll(pending, reason);
  for (auto& [command, entry] : waiting) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    std::move(entry.done)(absl::UnavailableError(reason));
  }
}

void RespConnection::ScheduleReconnect() {
  // Full jitter over the upper half keeps many loops from reconnecting in
  // lockstep after a Redis restart.
  std::uniform_int_distribution<int64_t> spread(backoff_.count() / 2, backoff_.count());
  retry_timer_.expires_after(std::chrono::milliseconds(spread(jitter_)));
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->state_ != State::kBackoff) return;
    self->Connect();
  });
}

void RespConnection::Send(Command command, Callback done) {
  const auto now = SteadyClock::now();
  switch (state_) {
    case State::kReady:
      Enqueue(std::move(command), std::move(done), now, false);
      return;
    case State::kIdle:
    case State::kConnecting:
    case State::kHandshake:
      waiting_.emplace_back(std::move(command),
                            Pending{std::move(done), now, now + options_.timeout, {}, false});
      ArmTimer();
      return;
    case State::kBackoff:
      counters_.errors.fetch_add(1, std::memory_order_relaxed);
      std::move(done)(absl::UnavailableError(last_error_));
      return;
    case State::kStopped:
      std::move(done)(absl::UnavailableError("redis backend stopped"));
      return;
  }
}

void RespConnection::Enqueue(Command command, Callback done, SteadyClock::time_point queued,
                             bool internal) {
  out_.append(command.bytes);
  Pending entry{std::move(done), queued, queued + options_.timeout, {}, internal};
  if (command.script != nullptr) entry.retry = std::move(command);
  pending_.push_back(std::move(entry));
  ScheduleFlush();
  ArmTimer();
}

void RespConnection::ScheduleFlush() {
  if (write_in_flight_ || flush_posted_) return;
  flush_posted_ = true;
  flush_mark_ = 0;
  flush_rounds_ = 0;
  PostFlush();
}

void RespConnection::PostFlush() {
  // Posted, not written now: whatever else this loop iteration queues (other
  // clients' commands, the rest of a multi-key get) joins the same write. As
  // long as a turn of the loop adds commands, the write waits one more turn
  // (bounded): each write wakes Redis, which shares the machine with memgate,
  // so fewer and fuller writes leave more time for both.
  asio::post(loop_, [self = shared_from_this()] {
    if (self->out_.size() > self->flush_mark_ && self->out_.size() < kFullWrite &&
        self->flush_rounds_ < kMaxFlushRounds) {
      self->flush_mark_ = self->out_.size();
      ++self->flush_rounds_;
      self->PostFlush();
      return;
    }
    self->flush_posted_ = false;
    self->StartWrite();
  });
}

void RespConnection::StartWrite() {
  if (write_in_flight_ || out_.empty() || transport_ == nullptr) return;
  std::swap(writing_, out_);
  out_.clear();
  write_in_flight_ = true;
  transport_->AsyncWrite(asio::buffer(writing_),
                         [self = shared_from_this(), transport = transport_,
                          generation = generation_](boost::system::error_code ec, std::size_t) {
                           if (generation != self->generation_) return;
                           self->write_in_flight_ = false;
                           self->writing_.clear();
                           if (ec) {
                             self->Broken(absl::StrCat("redis write failed: ", ec.message()));
                             return;
                           }
                           // Redis, woken by the write, has often answered by
                           // now: its replies reach their clients in this turn
                           // of the loop instead of the next.
                           if (self->transport_->ReadsWithoutWaiting() && !self->ConsumeArrived()) {
                             return;
                           }
                           if (!self->out_.empty()) self->ScheduleFlush();
                         });
}

void RespConnection::StartRead() {
  if (transport_->ReadsWithoutWaiting()) {
    WaitReadable();
    return;
  }
  transport_->AsyncReadSome(
      asio::buffer(read_buffer_),
      [self = shared_from_this(), transport = transport_, generation = generation_](
          boost::system::error_code ec, std::size_t n) {
        if (generation != self->generation_) return;
        if (ec) {
          self->ReadFailed(ec);
          return;
        }
        if (self->Consume(n)) self->StartRead();
      });
}

void RespConnection::WaitReadable() {
  transport_->AsyncWaitReadable([self = shared_from_this(), transport = transport_,
                                 generation = generation_](boost::system::error_code ec) {
    if (generation != self->generation_) return;
    if (ec) {
      self->ReadFailed(ec);
      return;
    }
    if (self->ConsumeArrived()) self->WaitReadable();
  });
}

bool RespConnection::ConsumeArrived() {
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = transport_->ReadReady(asio::buffer(read_buffer_), ec);
    if (ec == asio::error::would_block) return true;
    if (ec) {
      ReadFailed(ec);
      return false;
    }
    if (!Consume(n)) return false;
    // A short read emptied the socket: what comes next is a new edge for
    // the wait.
    if (n < read_buffer_.size()) return true;
  }
}

void RespConnection::ReadFailed(const boost::system::error_code& ec) {
  Broken(ec == asio::error::eof ? std::string("redis closed the connection")
                                : absl::StrCat("redis connection lost: ", ec.message()));
}

bool RespConnection::Consume(std::size_t n) {
  const uint64_t generation = generation_;
  for (std::size_t at = 0; at < n; at += kFeedSlice) {
    const std::size_t slice = std::min(kFeedSlice, n - at);
    if (redisReaderFeed(reader_.get(), read_buffer_.data() + at, slice) != REDIS_OK) {
      Broken(absl::StrCat("bad reply from redis: ", reader_->errstr));
      return false;
    }
    for (;;) {
      void* parsed = nullptr;
      if (redisReaderGetReply(reader_.get(), &parsed) != REDIS_OK) {
        Broken(absl::StrCat("bad reply from redis: ", reader_->errstr));
        return false;
      }
      if (parsed == nullptr) break;
      OnReply(Reply(static_cast<redisReply*>(parsed)));
      // A reply's callback may have broken or stopped the connection.
      if (generation != generation_) return false;
    }
  }
  return true;
}

void RespConnection::OnReply(Reply reply) {
  if (pending_.empty()) {
    Broken("redis sent a reply nobody asked for");
    return;
  }
  Pending entry = std::move(pending_.front());
  pending_.pop_front();
  const bool is_error = reply->type == REDIS_REPLY_ERROR;
  if (is_error && entry.retry.script != nullptr &&
      absl::StartsWith(ToAbsl(ReplyText(*reply)), "NOSCRIPT")) {
    // Someone ran SCRIPT FLUSH: EVAL runs the call and loads the script again.
    counters_.noscript_retries.fetch_add(1, std::memory_order_relaxed);
    Command eval{EvalShaToEval(entry.retry.bytes, *entry.retry.script), nullptr};
    Enqueue(std::move(eval), std::move(entry.done), entry.queued, entry.internal);
    return;
  }
  if (!entry.internal) {
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - entry.queued)
            .count();
    const uint64_t us = static_cast<uint64_t>(std::max<int64_t>(latency, 0));
    counters_.commands.fetch_add(1, std::memory_order_relaxed);
    counters_.latency_us_total.fetch_add(us, std::memory_order_relaxed);
    uint64_t max = counters_.latency_us_max.load(std::memory_order_relaxed);
    while (us > max &&
           !counters_.latency_us_max.compare_exchange_weak(max, us, std::memory_order_relaxed)) {
    }
    if (is_error) counters_.errors.fetch_add(1, std::memory_order_relaxed);
  }
  std::move(entry.done)(std::move(reply));
}

void RespConnection::ArmTimer() {
  if (timer_armed_ || state_ == State::kStopped) return;
  // Deadlines only grow along each queue, so the earliest is at a front.
  std::optional<SteadyClock::time_point> earliest;
  auto consider = [&](SteadyClock::time_point at) {
    if (!earliest || at < *earliest) earliest = at;
  };
  if (!pending_.empty()) consider(pending_.front().deadline);
  if (!waiting_.empty()) consider(waiting_.front().second.deadline);
  if (state_ == State::kConnecting) consider(connect_deadline_);
  if (!earliest) return;
  timer_armed_ = true;
  deadline_timer_.expires_at(*earliest);
  deadline_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->timer_armed_ = false;
    if (ec || self->state_ == State::kStopped) return;
    self->OnTimer();
  });
}

void RespConnection::OnTimer() {
  const auto now = SteadyClock::now();
  const std::string timeout = absl::StrCat("redis timeout after ", options_.timeout.count(), "ms (",
                                           options_.endpoint.Describe(), ")");
  if (state_ == State::kConnecting && connect_deadline_ <= now) {
    Broken(
        absl::StrCat("cannot connect to redis at ", options_.endpoint.Describe(), ": timed out"));
  } else if (!pending_.empty() && pending_.front().deadline <= now) {
    // Replies come in order: with the oldest one overdue the connection is
    // stuck (a frozen Redis, a dead peer), and all behind it with it.
    counters_.timeouts.fetch_add(pending_.size(), std::memory_order_relaxed);
    Broken(timeout);
  }
  while (!waiting_.empty() && waiting_.front().second.deadline <= now) {
    Pending entry = std::move(waiting_.front().second);
    waiting_.pop_front();
    counters_.timeouts.fetch_add(1, std::memory_order_relaxed);
    std::move(entry.done)(absl::UnavailableError(timeout));
  }
  ArmTimer();
}

void RespConnection::FailAll(std::deque<Pending>& queue, const std::string& reason) {
  for (Pending& entry : queue) {
    if (!entry.internal) counters_.errors.fetch_add(1, std::memory_order_relaxed);
    std::move(entry.done)(absl::UnavailableError(reason));
  }
}

}  // namespace memgate::backends::redis
