// What the metadata layer keeps of each key besides its value, behind one
// interface: --no-extra picks PassThroughMetadata over MetadataTable, once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "backends/meta_item.h"

namespace memgate::backends {

struct ItemMeta {
  uint32_t flags = 0;
  uint64_t cas = 0;
  MetaItemState state;
};

// Thread-safe. Without metadata every read answers ItemMeta{} (flags 0, cas
// 0, never expires) and every write is dropped, which is the seed's
// behaviour: cas always succeeds, nothing expires, flags are always 0.
class ItemMetadata {
 public:
  virtual ~ItemMetadata() = default;

  // A cas no item has had yet; 0 without metadata.
  virtual uint64_t NextCas() = 0;
  // When an item stored at `now` with `exptime` stops being visible, as
  // AbsoluteExpiry; 0 (never) without metadata.
  virtual int64_t ExpiresAt(int64_t exptime, int64_t now) const = 0;

  virtual void Put(std::string_view key, const ItemMeta& meta) = 0;
  virtual void Erase(std::string_view key) = 0;
  // The key's metadata, creating the seed's default (flags 0, no expiry,
  // fresh cas, accessed now) for data the store had before the layer saw it.
  virtual ItemMeta GetOrDefault(std::string_view key, int64_t now) = 0;
  // Runs `update` on the key's metadata (created as GetOrDefault does) and
  // returns the result; without metadata `update` does not run.
  virtual ItemMeta Update(std::string_view key, int64_t now,
                          absl::FunctionRef<void(ItemMeta&)> update) = 0;
  virtual bool Expired(std::string_view key, int64_t now) = 0;
  // After the store deleted an expired key: its metadata goes too.
  virtual void EraseIfExpired(std::string_view key, int64_t now) = 0;
  virtual void Clear() = 0;
  // Keys with metadata.
  virtual std::size_t size() const = 0;

  // A write the store failed may have been applied all the same (a
  // deadline): the next read of the key settles which metadata is the
  // key's. Fingerprint is what the pending write remembers of its value.
  virtual uint64_t Fingerprint(std::string_view value) const = 0;
  // After a failed write of `record` (flags, state, and a cas the client
  // chose or 0) with a value whose Fingerprint is `fingerprint`: the key's
  // metadata stays, and the write is pending until the next read.
  virtual void PutPending(std::string_view key, uint64_t fingerprint, const ItemMeta& record,
                          int64_t now) = 0;
  virtual bool HasPending(std::string_view key) = 0;
  // A read of the key found `value`: a pending write whose value it is takes
  // effect (the record's cas, or a fresh one), otherwise the metadata stays;
  // a miss drops the key's metadata, as the store holds no item for it. The
  // write is no longer pending either way.
  virtual void SettlePending(std::string_view key, const std::optional<std::string>& value) = 0;
};

}  // namespace memgate::backends
