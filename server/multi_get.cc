// MultiGet: the keys of a long retrieval and how many the next part asks for.
#include "server/multi_get.h"

#include <algorithm>

namespace memgate::server {

bool MultiGet::Wanted(const protocol::Command& command) {
  switch (command.verb) {
    case protocol::Verb::kGet:
    case protocol::Verb::kGets:
    case protocol::Verb::kGat:
    case protocol::Verb::kGats:
      return command.keys.size() > kFirstPartKeys;
    default:
      return false;
  }
}

MultiGet::MultiGet(const protocol::Command& command)
    : verb_(command.verb), exptime_(command.exptime) {
  std::size_t bytes = 0;
  for (std::string_view key : command.keys) bytes += key.size();
  storage_.reserve(bytes);
  for (std::string_view key : command.keys) storage_.append(key);
  keys_.reserve(command.keys.size());
  std::size_t at = 0;
  for (std::string_view key : command.keys) {
    keys_.push_back(std::string_view(storage_).substr(at, key.size()));
    at += key.size();
  }
}

std::span<const std::string_view> MultiGet::NextPart() {
  asked_ = std::min(part_keys_, keys_.size() - next_);
  std::span<const std::string_view> part(keys_.data() + next_, asked_);
  next_ += asked_;
  return part;
}

void MultiGet::PartAnswered(std::size_t value_bytes) {
  // Size the next part for kPartBytes at this part's average value size
  // (a miss counts as an empty value).
  const std::size_t per_key =
      std::max<std::size_t>(1, value_bytes / std::max<std::size_t>(1, asked_));
  part_keys_ = std::clamp<std::size_t>(kPartBytes / per_key, 1, kMaxPartKeys);
}

}  // namespace memgate::server
