// Lanes and per-loop connections (see loop_connections.h).
#include "backends/redis/loop_connections.h"

namespace memgate::backends::redis {

void Lane::Send(Command command, RespConnection::Callback done) {
  if (holds_ > 0) {
    held_.push_back([this, command = std::move(command), done = std::move(done)]() mutable {
      connection_->Send(std::move(command), std::move(done));
    });
    return;
  }
  connection_->Send(std::move(command), std::move(done));
}

void Lane::Run(absl::AnyInvocable<void() &&> task) {
  if (holds_ > 0) {
    held_.push_back(std::move(task));
    return;
  }
  std::move(task)();
}

void Lane::Release() {
  --holds_;
  while (holds_ == 0 && !held_.empty()) {
    absl::AnyInvocable<void()&&> task = std::move(held_.front());
    held_.pop_front();
    std::move(task)();
  }
}

void LoopConnections::Stop() {
  if (stopped) return;
  stopped = true;
  flush_timer.cancel();
  // Failing the queued commands runs their callbacks, which may still use
  // their lane: the lanes go only after every connection is stopped.
  for (auto& lane : lanes) lane->connection().Stop();
  lanes.clear();
}

}  // namespace memgate::backends::redis
