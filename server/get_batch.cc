// GetBatch: which retrievals join a batch and what it keeps of each.
#include "server/get_batch.h"

namespace memgate::server {

bool GetBatch::Batchable(const protocol::Command& command) {
  switch (command.verb) {
    case protocol::Verb::kGet:
    case protocol::Verb::kGets:
      return !command.keys.empty() && command.keys.size() <= kMaxKeys;
    default:
      return false;
  }
}

bool GetBatch::Fits(const protocol::Command& command) const {
  if (keys_.size() + command.keys.size() > kMaxKeys) return false;
  for (std::string_view key : command.keys) {
    for (std::string_view held : keys_) {
      if (key == held) return false;
    }
  }
  return true;
}

void GetBatch::Add(const protocol::Command& command) {
  keys_.insert(keys_.end(), command.keys.begin(), command.keys.end());
  entries_.push_back(Entry{.keys = static_cast<uint32_t>(command.keys.size()),
                           .with_cas = command.verb == protocol::Verb::kGets});
}

}  // namespace memgate::server
