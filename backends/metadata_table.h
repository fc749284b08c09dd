// The metadata layer's side table: each key's flags, cas, expiry and meta
// item state, and a write the store failed that may have taken effect.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "backends/item_metadata.h"

namespace memgate::backends {

// Sharded by key hash, one lock per shard. Entries enter in two places only
// (Put, and EntryOrDefault for every other write) and leave through Erase,
// EraseIfExpired, a settled miss and Clear, so a bound on the table (expiry
// sweeps, a cap on its size) is a matter of this class alone.
class MetadataTable final : public ItemMetadata {
 public:
  explicit MetadataTable(std::size_t shard_count);

  MetadataTable(const MetadataTable&) = delete;
  MetadataTable& operator=(const MetadataTable&) = delete;

  uint64_t NextCas() override { return next_cas_.fetch_add(1, std::memory_order_relaxed) + 1; }
  int64_t ExpiresAt(int64_t exptime, int64_t now) const override;

  void Put(std::string_view key, const ItemMeta& meta) override;
  void Erase(std::string_view key) override;
  ItemMeta GetOrDefault(std::string_view key, int64_t now) override;
  ItemMeta Update(std::string_view key, int64_t now,
                  absl::FunctionRef<void(ItemMeta&)> update) override;
  bool Expired(std::string_view key, int64_t now) override;
  void EraseIfExpired(std::string_view key, int64_t now) override;
  void Clear() override;
  std::size_t size() const override;

  uint64_t Fingerprint(std::string_view value) const override;
  void PutPending(std::string_view key, uint64_t fingerprint, const ItemMeta& record,
                  int64_t now) override;
  bool HasPending(std::string_view key) override;
  void SettlePending(std::string_view key, const std::optional<std::string>& value) override;

 private:
  struct PendingWrite {
    uint64_t fingerprint = 0;  // of the value written
    uint32_t flags = 0;
    uint64_t cas = 0;  // the client's (meta E); 0: a fresh one when settled
    MetaItemState state;
  };
  struct Entry {
    ItemMeta meta;
    std::optional<PendingWrite> pending;
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
  };

  Shard& ShardFor(std::string_view key);
  Entry& EntryOrDefault(Shard& shard, std::string_view key, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> next_cas_{0};
};

}  // namespace memgate::backends
