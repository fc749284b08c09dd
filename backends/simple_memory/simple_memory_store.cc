// The map behind `--backend simple-memory` (see simple_memory_store.h).
#include "backends/simple_memory/simple_memory_store.h"

#include <optional>
#include <utility>

namespace memgate::backends {
namespace {

// abseil here is built with its own string_view, so heterogeneous lookups
// into the map need one.
absl::string_view Key(std::string_view key) { return absl::string_view(key.data(), key.size()); }

}  // namespace

void SimpleMemoryStore::Find(const ClientContext& client, std::string_view key,
                             Done<FindReply> done) {
  FindReply reply;
  {
    absl::MutexLock lock(&mu_);
    reply.found = data_.contains(Key(key));
  }
  std::move(done)(std::move(reply));
}

void SimpleMemoryStore::Get(const ClientContext& client, std::span<const std::string_view> keys,
                            Done<GetReply> done) {
  GetReply reply;
  reply.values.reserve(keys.size());
  {
    absl::MutexLock lock(&mu_);
    for (std::string_view key : keys) {
      auto it = data_.find(Key(key));
      if (it == data_.end()) {
        reply.values.emplace_back(std::nullopt);
      } else {
        reply.values.emplace_back(it->second);
      }
    }
  }
  std::move(done)(std::move(reply));
}

void SimpleMemoryStore::Set(const ClientContext& client, std::string_view key, uint32_t flags,
                            int64_t exptime, std::string_view value, Done<SetReply> done) {
  {
    absl::MutexLock lock(&mu_);
    data_.insert_or_assign(std::string(key), std::string(value));
  }
  std::move(done)(SetReply{});
}

void SimpleMemoryStore::Delete(const ClientContext& client, std::string_view key,
                               Done<DeleteReply> done) {
  DeleteReply reply;
  {
    absl::MutexLock lock(&mu_);
    reply.deleted = data_.erase(Key(key)) > 0;
  }
  std::move(done)(std::move(reply));
}

void SimpleMemoryStore::FlushAll(const ClientContext& client, Done<DoneReply> done) {
  {
    absl::MutexLock lock(&mu_);
    data_.clear();
  }
  std::move(done)(DoneReply{});
}

std::size_t SimpleMemoryStore::size() const {
  absl::MutexLock lock(&mu_);
  return data_.size();
}

}  // namespace memgate::backends
