// Commands sent together and answered together: the replies of a batch
// (to one lane, or spread over the nodes of a cluster) come back one by one
// and are handed over at once, in command order, or as the first failure.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/redis/resp_command.h"

namespace memgate::backends::redis {

using Replies = absl::StatusOr<std::vector<Reply>>;

// Shared by the callbacks of a batch's commands; `done` runs once, after
// the last reply (or failure) is in.
class ReplyGather {
 public:
  ReplyGather(std::size_t count, absl::AnyInvocable<void(Replies) &&> done)
      : replies_(count), remaining_(count), done_(std::move(done)) {}

  // The outcome of command `index`.
  void Add(std::size_t index, absl::StatusOr<Reply> reply) {
    if (reply.ok()) {
      replies_[index] = *std::move(reply);
    } else if (error_.ok()) {
      error_ = reply.status();
    }
    if (--remaining_ > 0) return;
    if (!error_.ok()) return std::move(done_)(error_);
    std::move(done_)(std::move(replies_));
  }

 private:
  std::vector<Reply> replies_;
  std::size_t remaining_;
  absl::Status error_;
  absl::AnyInvocable<void(Replies) &&> done_;
};

}  // namespace memgate::backends::redis
