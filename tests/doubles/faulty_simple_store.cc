// Fails chosen SimpleStore calls and records the rest (see faulty_simple_store.h).
#include "tests/doubles/faulty_simple_store.h"

#include <utility>

namespace memgate::backends::testing {

std::optional<BackendError> FaultySimpleStore::Enter(Op op) {
  absl::MutexLock lock(&mu_);
  ++calls_[static_cast<int>(op)];
  for (auto it = failures_.begin(); it != failures_.end(); ++it) {
    if (it->first == op) {
      BackendError error = std::move(it->second);
      failures_.erase(it);
      return error;
    }
  }
  return std::nullopt;
}

void FaultySimpleStore::Find(const ClientContext& client, std::string_view key,
                             Done<FindReply> done) {
  if (auto error = Enter(Op::kFind)) {
    std::move(done)(FindReply{.error = std::move(error)});
    return;
  }
  inner_.Find(client, key, std::move(done));
}

void FaultySimpleStore::Get(const ClientContext& client, std::span<const std::string_view> keys,
                            Done<GetReply> done) {
  if (auto error = Enter(Op::kGet)) {
    std::move(done)(GetReply{.error = std::move(error)});
    return;
  }
  inner_.Get(client, keys, std::move(done));
}

void FaultySimpleStore::Set(const ClientContext& client, std::string_view key, uint32_t flags,
                            int64_t exptime, std::string_view value, Done<SetReply> done) {
  if (auto error = Enter(Op::kSet)) {
    std::move(done)(SetReply{.error = std::move(error)});
    return;
  }
  std::optional<BackendError> after_applying;
  {
    absl::MutexLock lock(&mu_);
    last_set_ = SetCall{std::string(key), flags, exptime, std::string(value)};
    after_applying = std::exchange(applied_set_failure_, std::nullopt);
  }
  if (!after_applying) {
    inner_.Set(client, key, flags, exptime, value, std::move(done));
    return;
  }
  inner_.Set(client, key, flags, exptime, value,
             [error = *std::move(after_applying), done = std::move(done)](SetReply) mutable {
               std::move(done)(SetReply{.error = std::move(error)});
             });
}

void FaultySimpleStore::Delete(const ClientContext& client, std::string_view key,
                               Done<DeleteReply> done) {
  if (auto error = Enter(Op::kDelete)) {
    std::move(done)(DeleteReply{.error = std::move(error)});
    return;
  }
  inner_.Delete(client, key, std::move(done));
}

void FaultySimpleStore::FlushAll(const ClientContext& client, Done<DoneReply> done) {
  if (auto error = Enter(Op::kFlushAll)) {
    std::move(done)(DoneReply{.error = std::move(error)});
    return;
  }
  inner_.FlushAll(client, std::move(done));
}

void FaultySimpleStore::Begin(const ClientContext& client, Done<BeginReply> done) {
  if (auto error = Enter(Op::kBegin)) {
    std::move(done)(BeginReply{.refused = std::move(error)});
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    begun_.push_back(client.id);
  }
  inner_.Begin(client, std::move(done));
}

void FaultySimpleStore::End(const ClientContext& client) {
  {
    absl::MutexLock lock(&mu_);
    ended_.push_back(client.id);
  }
  inner_.End(client);
}

void FaultySimpleStore::FailNext(Op op, BackendError error) {
  absl::MutexLock lock(&mu_);
  failures_.emplace_back(op, std::move(error));
}

void FaultySimpleStore::FailNextSetAfterApplying(BackendError error) {
  absl::MutexLock lock(&mu_);
  applied_set_failure_ = std::move(error);
}

int FaultySimpleStore::calls(Op op) const {
  absl::MutexLock lock(&mu_);
  return calls_[static_cast<int>(op)];
}

std::optional<FaultySimpleStore::SetCall> FaultySimpleStore::last_set() const {
  absl::MutexLock lock(&mu_);
  return last_set_;
}

std::vector<uint64_t> FaultySimpleStore::begun() const {
  absl::MutexLock lock(&mu_);
  return begun_;
}

std::vector<uint64_t> FaultySimpleStore::ended() const {
  absl::MutexLock lock(&mu_);
  return ended_;
}

}  // namespace memgate::backends::testing
