// What the dispatcher needs from a client connection: its identity, its
// counters, and ordered reply slots that may be filled later, from any thread
// (via Post). Connection implements it; tests use a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "backends/backend.h"
#include "backends/client_context.h"
#include "server/server_stats.h"

namespace memgate::server {

class Session : public std::enable_shared_from_this<Session> {
 public:
  virtual ~Session() = default;

  virtual const backends::ClientContext& client() const = 0;
  // This session's event-loop counter block. Session thread only.
  virtual ThreadCounters& counters() = 0;

  // Reserves the next reply slot; replies leave in reservation order.
  virtual uint64_t ReserveReply() = 0;
  // Where slot `seq` writes its bytes. Session thread only.
  virtual std::string& ReplyBuffer(uint64_t seq) = 0;
  // Appends a backend-owned value to slot `seq` without copying it when the
  // session can send it from where it is; `owner` keeps it alive until then.
  // This default copies it. Session thread only.
  virtual void AppendSharedValue(uint64_t seq, std::string_view data, backends::HitOwner owner) {
    ReplyBuffer(seq).append(data);
  }
  // Slot `seq` is complete; close the connection after it when asked.
  virtual void FinishReply(uint64_t seq, bool close_after) = 0;

  virtual bool OnSessionThread() const = 0;
  // Runs `task` on the session's thread.
  virtual void Post(absl::AnyInvocable<void() &&> task) = 0;
};

}  // namespace memgate::server
