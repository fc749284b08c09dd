// The metadata layer's side table (see metadata_table.h).
#include "backends/metadata_table.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "backends/expiry.h"
#include "common/absl_compat.h"

namespace memgate::backends {

MetadataTable::MetadataTable(std::size_t shard_count) {
  const std::size_t count = std::max<std::size_t>(shard_count, 1);
  for (std::size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

int64_t MetadataTable::ExpiresAt(int64_t exptime, int64_t now) const {
  return AbsoluteExpiry(exptime, now);
}

MetadataTable::Shard& MetadataTable::ShardFor(std::string_view key) {
  const std::size_t hash = absl::Hash<std::string_view>{}(key);
  return *shards_[(static_cast<uint64_t>(hash) >> 32) % shards_.size()];
}

MetadataTable::Entry& MetadataTable::EntryOrDefault(Shard& shard, std::string_view key,
                                                    int64_t now) {
  auto it = shard.entries.find(ToAbsl(key));
  if (it == shard.entries.end()) {
    it = shard.entries
             .emplace(std::string(key),
                      Entry{ItemMeta{0, NextCas(), NewItemState(0, now, false)}, std::nullopt})
             .first;
  }
  return it->second;
}

void MetadataTable::Put(std::string_view key, const ItemMeta& meta) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  shard.entries.insert_or_assign(std::string(key), Entry{meta, std::nullopt});
}

void MetadataTable::Erase(std::string_view key) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  shard.entries.erase(ToAbsl(key));
}

ItemMeta MetadataTable::GetOrDefault(std::string_view key, int64_t now) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  return EntryOrDefault(shard, key, now).meta;
}

ItemMeta MetadataTable::Update(std::string_view key, int64_t now,
                               absl::FunctionRef<void(ItemMeta&)> update) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  ItemMeta& meta = EntryOrDefault(shard, key, now).meta;
  update(meta);
  return meta;
}

bool MetadataTable::Expired(std::string_view key, int64_t now) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(ToAbsl(key));
  return it != shard.entries.end() && IsExpired(it->second.meta.state.expires_at, now);
}

void MetadataTable::EraseIfExpired(std::string_view key, int64_t now) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(ToAbsl(key));
  if (it != shard.entries.end() && IsExpired(it->second.meta.state.expires_at, now)) {
    shard.entries.erase(it);
  }
}

void MetadataTable::Clear() {
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    shard->entries.clear();
  }
}

std::size_t MetadataTable::size() const {
  std::size_t size = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    size += shard->entries.size();
  }
  return size;
}

uint64_t MetadataTable::Fingerprint(std::string_view value) const {
  return static_cast<uint64_t>(absl::Hash<absl::string_view>{}(ToAbsl(value)));
}

void MetadataTable::PutPending(std::string_view key, uint64_t fingerprint, const ItemMeta& record,
                               int64_t now) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  EntryOrDefault(shard, key, now).pending =
      PendingWrite{fingerprint, record.flags, record.cas, record.state};
}

bool MetadataTable::HasPending(std::string_view key) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(ToAbsl(key));
  return it != shard.entries.end() && it->second.pending.has_value();
}

void MetadataTable::SettlePending(std::string_view key, const std::optional<std::string>& value) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(ToAbsl(key));
  if (it == shard.entries.end() || !it->second.pending) return;
  if (!value) {
    shard.entries.erase(it);
    return;
  }
  const PendingWrite& pending = *it->second.pending;
  if (Fingerprint(*value) == pending.fingerprint) {
    it->second.meta =
        ItemMeta{pending.flags, pending.cas != 0 ? pending.cas : NextCas(), pending.state};
  }
  it->second.pending.reset();
}

}  // namespace memgate::backends
