// The plain in-memory SimpleStore behind `--backend simple-memory`: a
// thread-safe map with the seed's handler set and nothing more. Wrapped in a
// MetadataLayer it serves memcached's semantics; it completes every call inline.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "backends/simple_store.h"

namespace memgate::backends {

class SimpleMemoryStore final : public SimpleStore {
 public:
  std::string_view Name() const override { return "simple-memory"; }

  void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) override;
  void Get(const ClientContext& client, std::span<const std::string_view> keys,
           Done<GetReply> done) override;
  void Set(const ClientContext& client, std::string_view key, uint32_t flags, int64_t exptime,
           std::string_view value, Done<SetReply> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) override;
  void FlushAll(const ClientContext& client, Done<DoneReply> done) override;

  // Keys held.
  std::size_t size() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> data_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::backends
