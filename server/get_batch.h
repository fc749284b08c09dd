// Consecutive pipelined get/gets commands of one client, asked of the backend
// as one multi-key Get: a backend behind a network answers one call (one
// Redis batch, one gRPC Get) for what the client sent as many. Each command
// keeps its own reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "server/protocol/command.h"

namespace memgate::server {

class GetBatch {
 public:
  // Keys in one batch at most: the first part of a long multi-get, so a
  // batch holds no more values at once than one command may.
  static constexpr std::size_t kMaxKeys = 16;

  struct Entry {
    uint32_t keys;  // the command's keys: this many, after the previous entry's
    bool with_cas;  // gets
  };

  // Whether `command` may be batched at all.
  static bool Batchable(const protocol::Command& command);

  // Whether `command` (Batchable) fits beside what is already here: within
  // kMaxKeys, and naming no key already here, so each hit the backend
  // answers belongs to exactly one command.
  bool Fits(const protocol::Command& command) const;
  // Adds `command`'s keys: views into the read buffer, valid until the
  // batch is sent or cleared, before the buffer moves.
  void Add(const protocol::Command& command);

  bool empty() const { return entries_.empty(); }
  std::span<const std::string_view> keys() const { return keys_; }
  std::span<const Entry> entries() const { return entries_; }
  void Clear() {
    keys_.clear();
    entries_.clear();
  }

 private:
  std::vector<std::string_view> keys_;
  std::vector<Entry> entries_;
};

}  // namespace memgate::server
