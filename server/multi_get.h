// A get/gets/gat/gats naming many keys, answered a part at a time: each part
// is one backend call, asked for once the reply before it has gone out, so
// what memgate holds for one client's reply stays near kPartBytes however
// many values it names and however large they are (a backend that copies
// values would otherwise hold them all at once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/protocol/command.h"

namespace memgate::server {

class MultiGet {
 public:
  // The first part's keys; a retrieval naming no more is one call.
  static constexpr std::size_t kFirstPartKeys = 16;
  static constexpr std::size_t kMaxPartKeys = 1024;
  // The value bytes a part aims at: later parts are sized from the values
  // seen so far.
  static constexpr std::size_t kPartBytes = 1024 * 1024;

  // Whether `command` is answered a part at a time.
  static bool Wanted(const protocol::Command& command);

  // Copies the command's keys: its views die with the read buffer.
  explicit MultiGet(const protocol::Command& command);
  MultiGet(const MultiGet&) = delete;  // keys_ views storage_
  MultiGet& operator=(const MultiGet&) = delete;

  protocol::Verb verb() const { return verb_; }
  int64_t exptime() const { return exptime_; }

  // The keys of the next part.
  std::span<const std::string_view> NextPart();
  // Whether the part NextPart() returned last is the final one (its reply
  // carries the END).
  bool LastPart() const { return next_ == keys_.size(); }
  // Nothing is left to ask for: every part was asked, or one failed (its
  // SERVER_ERROR ends the reply, as memcached's does).
  bool Finished() const { return failed_ || next_ == keys_.size(); }

  // A part's reply was written: it held `value_bytes` of values.
  void PartAnswered(std::size_t value_bytes);
  void PartFailed() { failed_ = true; }

 private:
  const protocol::Verb verb_;
  const int64_t exptime_;
  std::string storage_;  // the keys, back to back
  std::vector<std::string_view> keys_;
  std::size_t next_ = 0;
  std::size_t part_keys_ = kFirstPartKeys;
  std::size_t asked_ = 0;  // keys in the part last asked for
  bool failed_ = false;
};

}  // namespace memgate::server
