// A map-backed SimpleStore for tests (see in_memory_simple_store.h).
#include "backends/testing/in_memory_simple_store.h"

#include <utility>

namespace memgate::backends::testing {
namespace {

// abseil here is built with its own string_view, so heterogeneous lookups
// into the map need one.
absl::string_view Key(std::string_view key) { return absl::string_view(key.data(), key.size()); }

}  // namespace

std::optional<BackendError> InMemorySimpleStore::TakeFailure(Op op) {
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

void InMemorySimpleStore::Find(const ClientContext& client, std::string_view key,
                               Done<FindReply> done) {
  FindReply reply;
  {
    absl::MutexLock lock(&mu_);
    reply.error = TakeFailure(Op::kFind);
    if (!reply.error) reply.found = data_.contains(Key(key));
  }
  std::move(done)(std::move(reply));
}

void InMemorySimpleStore::Get(const ClientContext& client, std::span<const std::string_view> keys,
                              Done<GetReply> done) {
  GetReply reply;
  {
    absl::MutexLock lock(&mu_);
    reply.error = TakeFailure(Op::kGet);
    if (!reply.error) {
      reply.values.reserve(keys.size());
      for (std::string_view key : keys) {
        auto it = data_.find(Key(key));
        if (it == data_.end()) {
          reply.values.emplace_back(std::nullopt);
        } else {
          reply.values.emplace_back(it->second);
        }
      }
    }
  }
  std::move(done)(std::move(reply));
}

void InMemorySimpleStore::Set(const ClientContext& client, std::string_view key, uint32_t flags,
                              int64_t exptime, std::string_view value, Done<SetReply> done) {
  SetReply reply;
  {
    absl::MutexLock lock(&mu_);
    reply.error = TakeFailure(Op::kSet);
    if (!reply.error) {
      data_.insert_or_assign(std::string(key), std::string(value));
      last_set_ = SetCall{std::string(key), flags, exptime, std::string(value)};
    }
  }
  std::move(done)(std::move(reply));
}

void InMemorySimpleStore::Delete(const ClientContext& client, std::string_view key,
                                 Done<DeleteReply> done) {
  DeleteReply reply;
  {
    absl::MutexLock lock(&mu_);
    reply.error = TakeFailure(Op::kDelete);
    if (!reply.error) reply.deleted = data_.erase(Key(key)) > 0;
  }
  std::move(done)(std::move(reply));
}

void InMemorySimpleStore::FlushAll(const ClientContext& client, Done<DoneReply> done) {
  DoneReply reply;
  {
    absl::MutexLock lock(&mu_);
    reply.error = TakeFailure(Op::kFlushAll);
    if (!reply.error) data_.clear();
  }
  std::move(done)(std::move(reply));
}

void InMemorySimpleStore::Begin(const ClientContext& client, Done<DoneReply> done) {
  {
    absl::MutexLock lock(&mu_);
    begun_.push_back(client.id);
  }
  std::move(done)(DoneReply{});
}

void InMemorySimpleStore::End(const ClientContext& client, Done<DoneReply> done) {
  {
    absl::MutexLock lock(&mu_);
    ended_.push_back(client.id);
  }
  std::move(done)(DoneReply{});
}

void InMemorySimpleStore::FailNext(Op op, BackendError error) {
  absl::MutexLock lock(&mu_);
  failures_.emplace_back(op, std::move(error));
}

void InMemorySimpleStore::Put(std::string_view key, std::string_view value) {
  absl::MutexLock lock(&mu_);
  data_.insert_or_assign(std::string(key), std::string(value));
}

std::optional<std::string> InMemorySimpleStore::Peek(std::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto it = data_.find(Key(key));
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

std::size_t InMemorySimpleStore::size() const {
  absl::MutexLock lock(&mu_);
  return data_.size();
}

int InMemorySimpleStore::calls(Op op) const {
  absl::MutexLock lock(&mu_);
  return calls_[static_cast<int>(op)];
}

std::optional<InMemorySimpleStore::SetCall> InMemorySimpleStore::last_set() const {
  absl::MutexLock lock(&mu_);
  return last_set_;
}

std::vector<uint64_t> InMemorySimpleStore::begun() const {
  absl::MutexLock lock(&mu_);
  return begun_;
}

std::vector<uint64_t> InMemorySimpleStore::ended() const {
  absl::MutexLock lock(&mu_);
  return ended_;
}

}  // namespace memgate::backends::testing
