// ReplyQueue: handing the output to the socket's write (see reply_queue.h).
#include "server/reply_queue.h"

namespace memgate::server {

std::size_t ReplyQueue::StartWrite() {
  std::swap(sending_, out_);
  std::swap(sending_shared_, out_shared_);
  sending_shared_bytes_ = out_shared_bytes_;
  out_shared_bytes_ = 0;
  if (!sending_shared_.empty()) GatherSending();
  return sending_.size() + sending_shared_bytes_;
}

void ReplyQueue::GatherSending() {
  gather_.clear();
  std::size_t from = 0;
  for (const SharedValue& value : sending_shared_) {
    if (value.at > from) gather_.emplace_back(sending_.data() + from, value.at - from);
    gather_.emplace_back(value.data.data(), value.data.size());
    from = value.at;
  }
  if (from < sending_.size()) gather_.emplace_back(sending_.data() + from, sending_.size() - from);
}

void ReplyQueue::WriteDone() {
  sending_.clear();
  sending_shared_.clear();
  sending_shared_bytes_ = 0;
}

void ReplyQueue::Close() {
  closed_ = true;
  slots_.clear();
  out_shared_.clear();
  out_shared_bytes_ = 0;
  head_seq_ = next_seq_;
}

}  // namespace memgate::server
