// A connection's replies in command order: slots that backend completions
// fill in any order and that leave, in order, for the socket's next write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/hit_owner.h"
#include "boost/asio/buffer.hpp"

namespace memgate::server {

// One event loop's thread only. The head slot writes straight into the
// output, later ones into their own buffer until they reach the head.
class ReplyQueue {
 public:
  // What Complete did with a slot.
  enum class Completion : uint8_t {
    kDiscarded,  // the queue is closed, or the slot was dropped after a closing reply
    kRecorded,
    // A closing reply reached the output: every slot after it is dropped.
    kClosing,
  };

  // `initial_reply_bytes`: average_reply_bytes() until replies have been
  // seen.
  explicit ReplyQueue(std::size_t initial_reply_bytes) : reply_bytes_(initial_reply_bytes) {}
  ReplyQueue(const ReplyQueue&) = delete;
  ReplyQueue& operator=(const ReplyQueue&) = delete;

  // The next slot, by sequence number; slots complete in any order and leave
  // in this one.
  uint64_t Reserve() {
    slots_.emplace_back();
    return next_seq_++;
  }
  // Where slot `seq` writes its bytes; a scratch buffer for a dropped slot.
  std::string& Buffer(uint64_t seq);
  // Appends a value that stays in the backend's memory, kept alive by
  // `owner` until it has been written.
  void AppendShared(uint64_t seq, std::string_view data, backends::HitOwner owner);
  // Slot `seq` is complete; the completed slots at the head move to the
  // output. `close_after`: nothing after this reply is sent.
  Completion Complete(uint64_t seq, bool close_after);

  // Replies reserved so far.
  uint64_t reserved() const { return next_seq_; }
  // Replies reserved and not yet in the output.
  uint64_t outstanding() const { return next_seq_ - head_seq_; }
  // Bytes in the output, waiting for the next write.
  std::size_t queued_bytes() const { return out_.size() + out_shared_bytes_; }
  // queued_bytes() and the write in flight.
  std::size_t buffered_bytes() const {
    return queued_bytes() + sending_.size() + sending_shared_bytes_;
  }
  // The size of the recent replies (a moving average over about eight).
  std::size_t average_reply_bytes() const { return reply_bytes_; }
  // Nothing reserved, nothing to write, no write in flight.
  bool idle() const { return slots_.empty() && out_.empty() && !writing(); }

  bool has_output() const { return !out_.empty(); }
  bool writing() const { return !sending_.empty(); }
  // Moves the output to the write in flight and returns its size in bytes.
  // Only with has_output() and not writing().
  std::size_t StartWrite();
  // The write in flight as one buffer, when it has no shared values.
  bool sending_contiguous() const { return sending_shared_.empty(); }
  boost::asio::const_buffer sending_buffer() const { return boost::asio::buffer(sending_); }
  // The write in flight with its shared values spliced in.
  const std::vector<boost::asio::const_buffer>& sending_gather() const { return gather_; }
  // The write in flight has ended (written or failed): its bytes and values
  // are released.
  void WriteDone();

  // Drops every reply not yet written; from now on every slot is discarded.
  // The write in flight keeps its bytes until WriteDone.
  void Close();

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

  // Slot `seq` is gone: closed, or dropped after a closing reply.
  bool Dropped(uint64_t seq) const { return closed_ || seq < head_seq_; }
  // Points gather_ at sending_ with sending_shared_ spliced in.
  void GatherSending();

  // Slots [head_seq_, next_seq_).
  std::deque<Slot> slots_;
  uint64_t head_seq_ = 0;
  uint64_t next_seq_ = 0;
  std::string out_;      // ready to send
  std::string sending_;  // owned by the write in flight
  // The values that go out between out_'s (sending_'s) bytes, and their size.
  std::vector<SharedValue> out_shared_;
  std::vector<SharedValue> sending_shared_;
  std::size_t out_shared_bytes_ = 0;
  std::size_t sending_shared_bytes_ = 0;
  std::vector<boost::asio::const_buffer> gather_;  // sending_ with its shared values
  std::string discard_;                            // where dropped replies go
  std::size_t reply_bytes_;
  bool closed_ = false;
};

// Inline: each runs for every reply.

inline std::string& ReplyQueue::Buffer(uint64_t seq) {
  if (Dropped(seq)) {
    discard_.clear();
    return discard_;
  }
  if (seq == head_seq_) return out_;
  return slots_[seq - head_seq_].bytes;
}

inline void ReplyQueue::AppendShared(uint64_t seq, std::string_view data,
                                     backends::HitOwner owner) {
  if (Dropped(seq)) return;
  if (seq == head_seq_) {
    out_shared_.push_back({out_.size(), data, std::move(owner)});
    out_shared_bytes_ += data.size();
    return;
  }
  Slot& slot = slots_[seq - head_seq_];
  slot.shared.push_back({slot.bytes.size(), data, std::move(owner)});
}

inline ReplyQueue::Completion ReplyQueue::Complete(uint64_t seq, bool close_after) {
  if (Dropped(seq)) return Completion::kDiscarded;
  Slot& slot = slots_[seq - head_seq_];
  slot.done = true;
  slot.close_after = close_after;
  if (seq != head_seq_) return Completion::kRecorded;
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
      slots_.clear();
      head_seq_ = next_seq_;
      return Completion::kClosing;
    }
  }
  return Completion::kRecorded;
}

}  // namespace memgate::server
