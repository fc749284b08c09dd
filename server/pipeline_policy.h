// How far a connection lets one client's pipeline run ahead: when it reads
// and parses more, memcached's -R turns, and writes and resumes posted once.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace memgate::server {

// One connection's, on its loop's thread. Everything here is asked once or
// more per command, so it is all inline.
class PipelinePolicy {
 public:
  // Stop reading and parsing while this much output is queued, or while as
  // many replies are outstanding as would take about that much at the size
  // this client's replies have had (within the bounds below), so one client
  // can neither grow our memory without bound nor keep a backend connection
  // it shares with others busy with its replies for long.
  static constexpr std::size_t kMaxQueuedOutput = 4 * 1024 * 1024;
  static constexpr uint64_t kMinOutstandingReplies = 1;
  static constexpr uint64_t kMaxOutstandingReplies = 1024;
  // The reply size assumed until replies have been seen: 4 outstanding.
  static constexpr std::size_t kInitialReplyBytes = kMaxQueuedOutput / 4;

  // When the replies a pass over the input completed go out: at once, or
  // (kCoalesced) after whatever else the loop is handling now, which for a
  // backend's completion is usually more completions from the same read.
  enum class WriteWhen : uint8_t { kNow, kCoalesced };

  // `reqs_per_event`: memcached -R, the commands one pass parses before the
  // loop's other connections get a turn; 0: as many as the buffer holds.
  explicit PipelinePolicy(int reqs_per_event) : reqs_per_event_(reqs_per_event) {}

  // How many replies may be outstanding when recent ones averaged
  // `reply_bytes`.
  static uint64_t MaxOutstandingReplies(std::size_t reply_bytes) {
    return std::clamp<uint64_t>(kMaxQueuedOutput / std::max<std::size_t>(1, reply_bytes),
                                kMinOutstandingReplies, kMaxOutstandingReplies);
  }

  // Whether another command may be parsed with `outstanding` replies not yet
  // in the output (gets parsed but not yet sent count) and `queued` bytes
  // waiting to be written. A backend that cannot keep a client's order
  // (`in_order` false) gets one command at a time.
  static bool MayParse(uint64_t outstanding, std::size_t queued, std::size_t reply_bytes,
                       bool in_order) {
    if (outstanding >= MaxOutstandingReplies(reply_bytes) || queued >= kMaxQueuedOutput) {
      return false;
    }
    return outstanding == 0 || in_order;
  }

  // Whether to read more with `outstanding` replies not yet in the output
  // and `buffered` bytes queued or being written.
  static bool MayRead(uint64_t outstanding, std::size_t buffered, std::size_t reply_bytes) {
    return outstanding < MaxOutstandingReplies(reply_bytes) && buffered < kMaxQueuedOutput;
  }

  // A long retrieval goes one part at a time: each once every reply before
  // it is complete and less than kMaxQueuedOutput waits to be sent.
  static bool MayRetrieveNextPart(uint64_t outstanding, std::size_t queued) {
    return outstanding == 0 && queued < kMaxQueuedOutput;
  }

  // A pass over the input: parsing until nothing more may or can be, then
  // writing. Passes do not nest: a completion during one joins its write.
  // False when a pass is already running.
  bool BeginPass() {
    if (in_pass_) return false;
    in_pass_ = true;
    turns_ = 0;
    return true;
  }
  void EndPass() { in_pass_ = false; }
  bool in_pass() const { return in_pass_; }

  // Counts one more step of this pass; false once the pass has had its -R
  // turn and must yield, the rest being parsed on a later turn of the loop.
  bool TakeTurn() { return reqs_per_event_ <= 0 || turns_++ != reqs_per_event_; }
  // After TakeTurn said to yield: true when the caller is to post the pass
  // that resumes, false when one is posted already.
  bool ClaimResume() { return !std::exchange(resume_posted_, true); }
  // The posted pass runs.
  void Resumed() { resume_posted_ = false; }

  // For WriteWhen::kCoalesced: true when the caller is to post the write,
  // false when one is posted already, however many replies complete
  // meanwhile.
  bool ClaimWrite() { return !std::exchange(write_posted_, true); }
  // The posted write runs.
  void WriteRuns() { write_posted_ = false; }

 private:
  const int reqs_per_event_;
  int turns_ = 0;  // steps of the current pass
  bool in_pass_ = false;
  bool resume_posted_ = false;
  bool write_posted_ = false;
};

}  // namespace memgate::server
