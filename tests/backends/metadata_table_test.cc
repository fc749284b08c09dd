// MetadataTable on its own: defaults for keys it has not seen, fresh cas
// values, expiry, pending writes settled by the next read, and clearing.
#include "backends/metadata_table.h"

#include <optional>
#include <string>

#include "backends/expiry.h"
#include "backends/pass_through_metadata.h"
#include "gtest/gtest.h"

namespace memgate::backends {
namespace {

constexpr int64_t kNow = 1'700'000'000;

TEST(MetadataTableTest, UnseenKeyGetsTheSeedDefaultWithAFreshCas) {
  MetadataTable table(4);
  const ItemMeta a = table.GetOrDefault("a", kNow);
  EXPECT_EQ(a.flags, 0u);
  EXPECT_NE(a.cas, 0u);
  EXPECT_EQ(a.state.expires_at, 0);
  EXPECT_EQ(a.state.atime, kNow);
  // The default is kept: the same cas on the next read.
  EXPECT_EQ(table.GetOrDefault("a", kNow + 5).cas, a.cas);
  EXPECT_NE(table.GetOrDefault("b", kNow).cas, a.cas);
  EXPECT_EQ(table.size(), 2u);
}

TEST(MetadataTableTest, CasValuesAreNeverReused) {
  MetadataTable table(1);
  const uint64_t first = table.NextCas();
  EXPECT_GT(table.NextCas(), first);
  EXPECT_GT(table.GetOrDefault("k", kNow).cas, first + 1);
}

TEST(MetadataTableTest, PutReplacesAndEraseRemoves) {
  MetadataTable table(4);
  table.Put("k", ItemMeta{7, 42, NewItemState(0, kNow, false)});
  const ItemMeta meta = table.GetOrDefault("k", kNow);
  EXPECT_EQ(meta.flags, 7u);
  EXPECT_EQ(meta.cas, 42u);
  table.Put("k", ItemMeta{8, 43, NewItemState(0, kNow, false)});
  EXPECT_EQ(table.GetOrDefault("k", kNow).flags, 8u);
  EXPECT_EQ(table.size(), 1u);
  table.Erase("k");
  EXPECT_EQ(table.size(), 0u);
}

TEST(MetadataTableTest, UpdateRunsOnTheKeysMetadataAndReturnsIt) {
  MetadataTable table(4);
  table.Put("k", ItemMeta{1, 10, NewItemState(0, kNow, false)});
  const ItemMeta updated = table.Update("k", kNow, [](ItemMeta& m) { m.flags = 9; });
  EXPECT_EQ(updated.flags, 9u);
  EXPECT_EQ(updated.cas, 10u);
  EXPECT_EQ(table.GetOrDefault("k", kNow).flags, 9u);
  // An unseen key is created first.
  EXPECT_EQ(table.Update("new", kNow, [](ItemMeta& m) { m.flags = 3; }).flags, 3u);
  EXPECT_EQ(table.size(), 2u);
}

TEST(MetadataTableTest, ExpiryFollowsTheItemState) {
  MetadataTable table(4);
  EXPECT_EQ(table.ExpiresAt(10, kNow), AbsoluteExpiry(10, kNow));
  table.Put("k", ItemMeta{0, 1, NewItemState(table.ExpiresAt(10, kNow), kNow, false)});
  EXPECT_FALSE(table.Expired("k", kNow + 9));
  EXPECT_TRUE(table.Expired("k", kNow + 10));
  EXPECT_FALSE(table.Expired("unseen", kNow));

  table.EraseIfExpired("k", kNow + 9);
  EXPECT_EQ(table.size(), 1u);
  table.EraseIfExpired("k", kNow + 10);
  EXPECT_EQ(table.size(), 0u);
}

TEST(MetadataTableTest, PendingWriteTakesEffectWhenTheReadFindsItsValue) {
  MetadataTable table(4);
  table.Put("k", ItemMeta{1, 10, NewItemState(0, kNow, false)});
  table.PutPending("k", table.Fingerprint("new"), ItemMeta{5, 0, NewItemState(0, kNow, false)},
                   kNow);
  EXPECT_TRUE(table.HasPending("k"));
  // Until settled, the key keeps the metadata it had.
  EXPECT_EQ(table.GetOrDefault("k", kNow).flags, 1u);

  table.SettlePending("k", std::string("new"));
  EXPECT_FALSE(table.HasPending("k"));
  const ItemMeta meta = table.GetOrDefault("k", kNow);
  EXPECT_EQ(meta.flags, 5u);
  EXPECT_NE(meta.cas, 10u);
}

TEST(MetadataTableTest, PendingWriteIsDroppedWhenTheReadFindsAnotherValue) {
  MetadataTable table(4);
  table.Put("k", ItemMeta{1, 10, NewItemState(0, kNow, false)});
  table.PutPending("k", table.Fingerprint("new"), ItemMeta{5, 0, NewItemState(0, kNow, false)},
                   kNow);
  table.SettlePending("k", std::string("old"));
  EXPECT_FALSE(table.HasPending("k"));
  const ItemMeta meta = table.GetOrDefault("k", kNow);
  EXPECT_EQ(meta.flags, 1u);
  EXPECT_EQ(meta.cas, 10u);
}

TEST(MetadataTableTest, PendingWriteOnAMissDropsTheKey) {
  MetadataTable table(4);
  table.PutPending("k", table.Fingerprint("v"), ItemMeta{}, kNow);
  EXPECT_EQ(table.size(), 1u);
  table.SettlePending("k", std::nullopt);
  EXPECT_EQ(table.size(), 0u);
  // Without a pending write a read settles nothing.
  table.Put("j", ItemMeta{2, 20, NewItemState(0, kNow, false)});
  table.SettlePending("j", std::nullopt);
  EXPECT_EQ(table.GetOrDefault("j", kNow).cas, 20u);
}

TEST(MetadataTableTest, ClearEmptiesEveryShard) {
  MetadataTable table(8);
  for (int i = 0; i < 100; ++i) table.GetOrDefault("key" + std::to_string(i), kNow);
  EXPECT_EQ(table.size(), 100u);
  table.Clear();
  EXPECT_EQ(table.size(), 0u);
}

// --no-extra's side of the choice: nothing is kept, every read is the
// seed's answer (flags 0, cas 0, never expires).
TEST(PassThroughMetadataTest, KeepsNothing) {
  PassThroughMetadata none;
  none.Put("k", ItemMeta{7, 42, NewItemState(kNow + 10, kNow, false)});
  none.PutPending("k", none.Fingerprint("v"), ItemMeta{5, 0, {}}, kNow);
  EXPECT_EQ(none.size(), 0u);
  EXPECT_FALSE(none.HasPending("k"));
  EXPECT_EQ(none.NextCas(), 0u);
  EXPECT_EQ(none.ExpiresAt(-1, kNow), 0);
  EXPECT_FALSE(none.Expired("k", kNow + 100));
  const ItemMeta meta = none.GetOrDefault("k", kNow);
  EXPECT_EQ(meta.flags, 0u);
  EXPECT_EQ(meta.cas, 0u);
  bool ran = false;
  none.Update("k", kNow, [&](ItemMeta&) { ran = true; });
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace memgate::backends
