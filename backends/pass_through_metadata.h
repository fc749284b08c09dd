// --no-extra: the metadata layer keeps no metadata and passes every command
// straight to the store, as the seed's no_extra mode does.
#pragma once

#include "backends/item_metadata.h"

namespace memgate::backends {

class PassThroughMetadata final : public ItemMetadata {
 public:
  uint64_t NextCas() override { return 0; }
  int64_t ExpiresAt(int64_t, int64_t) const override { return 0; }
  void Put(std::string_view, const ItemMeta&) override {}
  void Erase(std::string_view) override {}
  ItemMeta GetOrDefault(std::string_view, int64_t) override { return ItemMeta{}; }
  ItemMeta Update(std::string_view, int64_t, absl::FunctionRef<void(ItemMeta&)>) override {
    return ItemMeta{};
  }
  bool Expired(std::string_view, int64_t) override { return false; }
  void EraseIfExpired(std::string_view, int64_t) override {}
  void Clear() override {}
  std::size_t size() const override { return 0; }
  uint64_t Fingerprint(std::string_view) const override { return 0; }
  void PutPending(std::string_view, uint64_t, const ItemMeta&, int64_t) override {}
  bool HasPending(std::string_view) override { return false; }
  void SettlePending(std::string_view, const std::optional<std::string>&) override {}
};

}  // namespace memgate::backends
