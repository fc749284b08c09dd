// MetadataLayer beyond the conformance suite: what reaches the store, data
// the store had before, the seed's pass-through mode, error mapping, the
// meta item state it keeps, and pipelining over a store that answers later.
#include "backends/metadata_layer.h"

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "backends/simple_memory/simple_memory_store.h"
#include "gtest/gtest.h"
#include "tests/doubles/delayed_simple_store.h"
#include "tests/doubles/faulty_simple_store.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends {
namespace {

using testing::DelayedSimpleStore;
using testing::DelayOptions;
using testing::FaultySimpleStore;
using testing::StatValue;
using testing::SyncArith;
using testing::SyncClientOpened;
using testing::SyncDelete;
using testing::SyncFlushAll;
using testing::SyncGet;
using testing::SyncGetAndTouch;
using testing::SyncMetaGet;
using testing::SyncStats;
using testing::SyncStore;
using testing::SyncTouch;
using testing::SyncValue;
using Op = FaultySimpleStore::Op;

// The store's own view of a key, bypassing the layer (SimpleMemoryStore
// answers inline).
std::optional<std::string> Peek(SimpleStore& store, std::string_view key) {
  const std::string_view keys[] = {key};
  std::optional<std::string> value;
  store.Get(ClientContext{}, keys, [&](GetReply reply) { value = reply.values.at(0); });
  return value;
}

// Data the store had before the layer saw it.
void Put(SimpleStore& store, std::string_view key, std::string_view value) {
  store.Set(ClientContext{}, key, 0, 0, value, [](SetReply) {});
}

class MetadataLayerTest : public ::testing::Test {
 protected:
  void Make(bool no_extra = false) {
    MetadataLayerOptions options;
    options.clock = &clock_;
    options.no_extra = no_extra;
    options.max_item_size = 16;
    layer_ = std::make_unique<MetadataLayer>(store_, options);
  }
  StoreResult Set(std::string_view key, std::string_view value, uint32_t flags = 0,
                  int64_t exptime = 0) {
    return SyncStore(*layer_, client_, StoreMode::kSet, key, value, flags, exptime);
  }
  std::optional<std::string> Peek(std::string_view key) { return backends::Peek(memory_, key); }

  FakeClock clock_;
  SimpleMemoryStore memory_;
  FaultySimpleStore store_{memory_};
  ClientContext client_{3, "127.0.0.1:5000", "main"};
  std::unique_ptr<MetadataLayer> layer_;
};

TEST_F(MetadataLayerTest, SetPassesFlagsAndExptimeToTheStore) {
  Make();
  ASSERT_EQ(Set("k", "v", 5, 100).outcome, StoreOutcome::kStored);
  const auto set = store_.last_set();
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->key, "k");
  EXPECT_EQ(set->value, "v");
  EXPECT_EQ(set->flags, 5u);
  EXPECT_EQ(set->exptime, 100);
}

TEST_F(MetadataLayerTest, ExpiredItemIsDeletedFromTheStoreWhenTouched) {
  Make();
  Set("k", "v", 0, 10);
  clock_.Advance(10);
  EXPECT_EQ(Peek("k"), "v");  // expiry is lazy
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), std::nullopt);
  EXPECT_EQ(Peek("k"), std::nullopt);
  EXPECT_EQ(store_.calls(Op::kDelete), 1);
  EXPECT_EQ(layer_->MetadataSize(), 0u);
}

TEST_F(MetadataLayerTest, AddOverAnExpiredItemDeletesItFirst) {
  Make();
  Set("k", "old", 0, 5);
  clock_.Advance(5);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAdd, "k", "new").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(store_.calls(Op::kDelete), 1);
  EXPECT_EQ(Peek("k"), "new");
}

TEST_F(MetadataLayerTest, DeletingAnExpiredItemIsNotFoundButCleansTheStore) {
  Make();
  Set("k", "v", 0, 5);
  clock_.Advance(5);
  EXPECT_EQ(SyncDelete(*layer_, client_, "k").outcome, DeleteOutcome::kNotFound);
  EXPECT_EQ(Peek("k"), std::nullopt);
}

TEST_F(MetadataLayerTest, GatWithAPastTimeAnswersOnceThenTheItemIsGone) {
  Make();
  Set("k", "v");
  const GetResult touched = SyncGetAndTouch(*layer_, client_, {"k"}, -1);
  ASSERT_EQ(touched.hits.size(), 1u);
  EXPECT_EQ(touched.hits[0].value, "v");
  EXPECT_EQ(Peek("k"), std::nullopt);
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), std::nullopt);
}

TEST_F(MetadataLayerTest, DataTheStoreHadBeforeHasDefaultMetadata) {
  Make();
  Put(memory_, "old", "42");
  GetResult first = SyncGet(*layer_, client_, {"old"});
  ASSERT_EQ(first.hits.size(), 1u);
  EXPECT_EQ(first.hits[0].value, "42");
  EXPECT_EQ(first.hits[0].flags, 0u);
  EXPECT_NE(first.hits[0].cas, 0u);
  GetResult second = SyncGet(*layer_, client_, {"old"});
  ASSERT_EQ(second.hits.size(), 1u);
  EXPECT_EQ(second.hits[0].cas, first.hits[0].cas);  // stable once seen
  clock_.Advance(10LL * 365 * 24 * 3600);
  EXPECT_EQ(SyncValue(*layer_, client_, "old"), "42");  // never expires
  EXPECT_EQ(
      SyncStore(*layer_, client_, StoreMode::kCas, "old", "43", 0, 0, first.hits[0].cas).outcome,
      StoreOutcome::kStored);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kIncr, "old", 1).value, 44u);
  EXPECT_EQ(Peek("old"), "44");
}

TEST_F(MetadataLayerTest, MultiKeyGetAsksTheStoreOnce) {
  Make();
  Set("a", "1");
  Set("b", "2");
  const GetResult result = SyncGet(*layer_, client_, {"a", "x", "b", "a"});
  ASSERT_EQ(result.hits.size(), 3u);
  EXPECT_EQ(store_.calls(Op::kGet), 1);
}

TEST_F(MetadataLayerTest, IncrPadsAShorterNumberLikeMemcached) {
  Make();
  Set("n", "100", 9, 0);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kDecr, "n", 1).value, 99u);
  EXPECT_EQ(Peek("n"), "99 ");
  EXPECT_EQ(store_.last_set()->flags, 9u);
}

TEST_F(MetadataLayerTest, AppendKeepsExpiryInTheStoreCall) {
  Make();
  Set("k", "a", 0, 100);
  const int64_t expires_at = clock_.Now() + 100;
  clock_.Advance(50);
  SyncStore(*layer_, client_, StoreMode::kAppend, "k", "b", 0, 5);
  EXPECT_EQ(store_.last_set()->exptime, expires_at);  // an absolute time, as memcached keeps it
  EXPECT_EQ(Peek("k"), "ab");
}

TEST_F(MetadataLayerTest, AppendBeyondTheItemSizeIsTooLarge) {
  Make();
  Set("k", std::string(10, 'a'));
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAppend, "k", std::string(7, 'b')).outcome,
            StoreOutcome::kTooLarge);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kSet, "k", std::string(17, 'b')).outcome,
            StoreOutcome::kTooLarge);
  EXPECT_EQ(Peek("k"), std::string(10, 'a'));
}

TEST_F(MetadataLayerTest, DelayedFlushReachesTheStoreWhenDue) {
  Make();
  Set("k", "v");
  SyncFlushAll(*layer_, client_, 10);
  EXPECT_EQ(store_.calls(Op::kFlushAll), 0);
  clock_.Advance(10);
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), std::nullopt);
  EXPECT_EQ(store_.calls(Op::kFlushAll), 1);
  EXPECT_EQ(memory_.size(), 0u);
}

TEST_F(MetadataLayerTest, BeginAndEndFollowTheClient) {
  Make();
  EXPECT_EQ(SyncClientOpened(*layer_, client_).outcome, OpenOutcome::kAccepted);
  layer_->ClientClosed(client_);
  EXPECT_EQ(store_.begun(), std::vector<uint64_t>{3});
  EXPECT_EQ(store_.ended(), std::vector<uint64_t>{3});
}

TEST_F(MetadataLayerTest, AStoreThatRefusesTheClientRefusesItWithItsMessage) {
  Make();
  store_.FailNext(Op::kBegin, BackendError{"too many clients", true});
  const OpenResult opened = SyncClientOpened(*layer_, client_);
  EXPECT_EQ(opened.outcome, OpenOutcome::kRefused);
  EXPECT_EQ(opened.error.message, "too many clients");
}

TEST_F(MetadataLayerTest, StatsCountTheSideTable) {
  Make();
  Set("a", "1");
  Set("b", "2");
  EXPECT_EQ(StatValue(SyncStats(*layer_), "curr_items"), "2");
}

TEST_F(MetadataLayerTest, CapabilitiesFollowTheMode) {
  Make();
  EXPECT_TRUE(layer_->capabilities().meta_commands);
  EXPECT_TRUE(layer_->capabilities().recache_state);
  EXPECT_TRUE(layer_->capabilities().in_order);
  Make(/*no_extra=*/true);
  EXPECT_FALSE(layer_->capabilities().meta_commands);
  EXPECT_FALSE(layer_->capabilities().access_state);
  EXPECT_TRUE(layer_->capabilities().in_order);
}

// Each row fails one store call and runs a command that needs it: the
// store's error comes back as the command's, keeping or closing the client.
struct ErrorCase {
  std::string name;
  Op fail;
  bool close_connection;
  // Runs the command; the error when its outcome was kError.
  std::function<std::optional<BackendError>(Backend&, const ClientContext&)> run;
};

template <typename Result>
std::optional<BackendError> ErrorOf(Result result) {
  if (result.outcome != decltype(result.outcome)::kError) return std::nullopt;
  return result.error;
}

class MetadataLayerErrorTest : public MetadataLayerTest,
                               public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(MetadataLayerErrorTest, StoreErrorsKeepOrCloseTheConnection) {
  Make();
  Set("k", "1");
  const ErrorCase& row = GetParam();
  store_.FailNext(row.fail, BackendError{"store says no", row.close_connection});
  const std::optional<BackendError> error = row.run(*layer_, client_);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "store says no");
  EXPECT_EQ(error->close_connection, row.close_connection);
  EXPECT_EQ(Peek("k"), "1");
}

INSTANTIATE_TEST_SUITE_P(
    Rows, MetadataLayerErrorTest,
    ::testing::Values(
        ErrorCase{"SetKeeps", Op::kSet, false,
                  [](Backend& b, const ClientContext& c) {
                    return ErrorOf(SyncStore(b, c, StoreMode::kSet, "k", "v"));
                  }},
        ErrorCase{"SetCloses", Op::kSet, true,
                  [](Backend& b, const ClientContext& c) {
                    return ErrorOf(SyncStore(b, c, StoreMode::kSet, "k", "v"));
                  }},
        ErrorCase{"GetCloses", Op::kGet, true,
                  [](Backend& b, const ClientContext& c) { return ErrorOf(SyncGet(b, c, {"k"})); }},
        ErrorCase{"AddFind", Op::kFind, false,
                  [](Backend& b, const ClientContext& c) {
                    return ErrorOf(SyncStore(b, c, StoreMode::kAdd, "k", "v"));
                  }},
        ErrorCase{"AppendGet", Op::kGet, false,
                  [](Backend& b, const ClientContext& c) {
                    return ErrorOf(SyncStore(b, c, StoreMode::kAppend, "k", "v"));
                  }},
        ErrorCase{"IncrGet", Op::kGet, false,
                  [](Backend& b, const ClientContext& c) {
                    return ErrorOf(SyncArith(b, c, ArithOp::kIncr, "k", 1));
                  }},
        // A classic incr that cannot store answers the store's error.
        ErrorCase{"IncrSet", Op::kSet, true,
                  [](Backend& b, const ClientContext& c) {
                    return ErrorOf(SyncArith(b, c, ArithOp::kIncr, "k", 1));
                  }},
        ErrorCase{
            "TouchFind", Op::kFind, false,
            [](Backend& b, const ClientContext& c) { return ErrorOf(SyncTouch(b, c, "k", 10)); }},
        ErrorCase{
            "DeleteCloses", Op::kDelete, true,
            [](Backend& b, const ClientContext& c) { return ErrorOf(SyncDelete(b, c, "k")); }},
        ErrorCase{"FlushAll", Op::kFlushAll, false,
                  [](Backend& b, const ClientContext& c) { return ErrorOf(SyncFlushAll(b, c)); }}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

// --- a failed write the store may have applied ---------------------------------

class MetadataLayerFailedWriteTest : public MetadataLayerTest {
 protected:
  // The one hit of a gets on `key`.
  Hit Gets(std::string_view key) {
    GetResult got = SyncGet(*layer_, client_, {key});
    EXPECT_EQ(got.hits.size(), 1u);
    return got.hits.empty() ? Hit{} : got.hits.front();
  }
  void FailNextSet(bool applied) {
    BackendError error{"deadline exceeded", false};
    if (applied) {
      store_.FailNextSetAfterApplying(std::move(error));
    } else {
      store_.FailNext(Op::kSet, std::move(error));
    }
  }
};

TEST_F(MetadataLayerFailedWriteTest, ASetTheStoreAppliedTakesItsFlagsAndAFreshCas) {
  Make();
  Set("k", "old", 1);
  const uint64_t old_cas = Gets("k").cas;
  FailNextSet(/*applied=*/true);
  EXPECT_EQ(Set("k", "new", 2).outcome, StoreOutcome::kError);
  const Hit hit = Gets("k");
  EXPECT_EQ(hit.value, "new");
  EXPECT_EQ(hit.flags, 2u);
  EXPECT_NE(hit.cas, old_cas);
  EXPECT_EQ(Gets("k").cas, hit.cas);
}

TEST_F(MetadataLayerFailedWriteTest, ASetTheStoreDidNotApplyKeepsTheOldMetadata) {
  Make();
  Set("k", "old", 1);
  const uint64_t old_cas = Gets("k").cas;
  FailNextSet(/*applied=*/false);
  EXPECT_EQ(Set("k", "new", 2).outcome, StoreOutcome::kError);
  const Hit hit = Gets("k");
  EXPECT_EQ(hit.value, "old");
  EXPECT_EQ(hit.flags, 1u);
  EXPECT_EQ(hit.cas, old_cas);
  // The read settled it: the value arriving later does not bring its flags.
  Put(memory_, "k", "new");
  EXPECT_EQ(Gets("k").flags, 1u);
}

TEST_F(MetadataLayerFailedWriteTest, AnAppendTheStoreAppliedTakesAFreshCas) {
  Make();
  Set("k", "a", 3);
  const uint64_t old_cas = Gets("k").cas;
  FailNextSet(/*applied=*/true);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAppend, "k", "b").outcome,
            StoreOutcome::kError);
  const Hit hit = Gets("k");
  EXPECT_EQ(hit.value, "ab");
  EXPECT_EQ(hit.flags, 3u);
  EXPECT_NE(hit.cas, old_cas);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kCas, "k", "c", 0, 0, old_cas).outcome,
            StoreOutcome::kExists);
}

TEST_F(MetadataLayerFailedWriteTest, AnAppendTheStoreDidNotApplyKeepsTheOldCas) {
  Make();
  Set("k", "a", 3);
  const uint64_t old_cas = Gets("k").cas;
  FailNextSet(/*applied=*/false);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAppend, "k", "b").outcome,
            StoreOutcome::kError);
  const Hit hit = Gets("k");
  EXPECT_EQ(hit.value, "a");
  EXPECT_EQ(hit.flags, 3u);
  EXPECT_EQ(hit.cas, old_cas);
}

TEST_F(MetadataLayerFailedWriteTest, AnIncrTheStoreAppliedTakesAFreshCas) {
  Make();
  Set("n", "1", 4);
  const uint64_t old_cas = Gets("n").cas;
  FailNextSet(/*applied=*/true);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kIncr, "n", 1).outcome, ArithOutcome::kError);
  const Hit hit = Gets("n");
  EXPECT_EQ(hit.value, "2");
  EXPECT_EQ(hit.flags, 4u);
  EXPECT_NE(hit.cas, old_cas);
}

TEST_F(MetadataLayerFailedWriteTest, AnIncrTheStoreDidNotApplyKeepsTheOldCas) {
  Make();
  Set("n", "1", 4);
  const uint64_t old_cas = Gets("n").cas;
  FailNextSet(/*applied=*/false);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kIncr, "n", 1).outcome, ArithOutcome::kError);
  const Hit hit = Gets("n");
  EXPECT_EQ(hit.value, "1");
  EXPECT_EQ(hit.flags, 4u);
  EXPECT_EQ(hit.cas, old_cas);
}

// Composite commands read the key first, and so settle the write too.
TEST_F(MetadataLayerFailedWriteTest, CompositeCommandsSettleTheWriteFirst) {
  Make();
  Set("k", "old", 1);
  const uint64_t old_cas = Gets("k").cas;
  FailNextSet(/*applied=*/true);
  Set("k", "new", 2);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kCas, "k", "x", 5, 0, old_cas).outcome,
            StoreOutcome::kExists);
  FailNextSet(/*applied=*/true);
  Set("k", "x", 6);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAppend, "k", "y").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(Gets("k").flags, 6u);
}

// A write that never reached the store leaves no metadata once a read
// finds the key missing.
TEST_F(MetadataLayerFailedWriteTest, AMissDropsTheWriteAndItsKey) {
  Make();
  FailNextSet(/*applied=*/false);
  Set("k", "v", 2);
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), std::nullopt);
  EXPECT_EQ(layer_->MetadataSize(), 0u);
}

// --- meta item state ----------------------------------------------------------

MetaGetFields Steps(std::string_view steps) {
  MetaGetFields fields;
  for (char step : steps) fields.steps.Add(step);
  return fields;
}

// `ms la_test 2 T100`, two quiet seconds, `mg la_test s t l`: memcached
// answers l2, because a store counts as an access.
TEST_F(MetadataLayerTest, AStoreCountsAsAnAccess) {
  Make();
  ASSERT_EQ(SyncStore(*layer_, client_, StoreMode::kSet, "la_test", "hi", 0, 100).outcome,
            StoreOutcome::kStored);
  clock_.Advance(2);
  const GetResult got = SyncMetaGet(*layer_, client_, "la_test", Steps("t"));
  ASSERT_EQ(got.hits.size(), 1u);
  EXPECT_EQ(got.meta.idle_seconds, 2);
  EXPECT_EQ(got.meta.ttl, 98);
  EXPECT_FALSE(got.meta.fetched_before);
  const GetResult again = SyncMetaGet(*layer_, client_, "la_test", Steps(""));
  EXPECT_EQ(again.meta.idle_seconds, 0);
  EXPECT_TRUE(again.meta.fetched_before);
}

TEST_F(MetadataLayerTest, MetaGetVivifiesAMissAndWinsIt) {
  Make();
  MetaGetFields fields = Steps("N");
  fields.vivify = true;
  fields.vivify_ttl = 30;
  const GetResult first = SyncMetaGet(*layer_, client_, "v", fields);
  ASSERT_EQ(first.hits.size(), 1u);
  EXPECT_EQ(first.hits[0].value, "");
  EXPECT_TRUE(first.meta.won);
  EXPECT_EQ(Peek("v"), "");
  const GetResult second = SyncMetaGet(*layer_, client_, "v", fields);
  EXPECT_FALSE(second.meta.won);
  EXPECT_TRUE(second.meta.token_sent);
  EXPECT_TRUE(SyncMetaGet(*layer_, client_, "missing", Steps("")).hits.empty());
}

TEST_F(MetadataLayerTest, InvalidatedItemsAreStaleAndAnOlderCasStoresStale) {
  Make();
  Set("k", "v1");
  const uint64_t cas = SyncGet(*layer_, client_, {"k"}).hits.at(0).cas;
  ASSERT_EQ(SyncDelete(*layer_, client_, DeleteRequest{.key = "k", .invalidate = true}).outcome,
            DeleteOutcome::kDeleted);
  const GetResult stale = SyncMetaGet(*layer_, client_, "k", Steps(""));
  ASSERT_EQ(stale.hits.size(), 1u);
  EXPECT_TRUE(stale.meta.stale);
  EXPECT_TRUE(stale.meta.won);
  // ms I with the cas from before the invalidation: stored, still stale.
  const StoreRequest older{
      .mode = StoreMode::kCas, .key = "k", .value = "v2", .cas = cas, .invalidate = true};
  EXPECT_EQ(SyncStore(*layer_, client_, older).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Peek("k"), "v2");
  const GetResult after = SyncMetaGet(*layer_, client_, "k", Steps(""));
  EXPECT_TRUE(after.meta.stale);
  EXPECT_TRUE(after.meta.token_sent);
  const StoreRequest newer{.mode = StoreMode::kCas,
                           .key = "k",
                           .value = "v3",
                           .cas = after.hits.at(0).cas + 100,
                           .invalidate = true};
  EXPECT_EQ(SyncStore(*layer_, client_, newer).outcome, StoreOutcome::kExists);
}

TEST_F(MetadataLayerTest, MetaDeleteComparesTheCas) {
  Make();
  Set("k", "v");
  const uint64_t cas = SyncGet(*layer_, client_, {"k"}).hits.at(0).cas;
  EXPECT_EQ(SyncDelete(*layer_, client_, DeleteRequest{.key = "k", .compare_cas = cas + 1}).outcome,
            DeleteOutcome::kExists);
  EXPECT_EQ(SyncDelete(*layer_, client_, DeleteRequest{.key = "k", .compare_cas = cas}).outcome,
            DeleteOutcome::kDeleted);
  EXPECT_EQ(Peek("k"), std::nullopt);
}

TEST_F(MetadataLayerTest, AppendWithACasMustMatch) {
  Make();
  Set("k", "a");
  const uint64_t cas = SyncGet(*layer_, client_, {"k"}).hits.at(0).cas;
  const StoreRequest wrong{.mode = StoreMode::kAppend, .key = "k", .value = "b", .cas = cas + 1};
  EXPECT_EQ(SyncStore(*layer_, client_, wrong).outcome, StoreOutcome::kExists);
  const StoreRequest right{.mode = StoreMode::kAppend, .key = "k", .value = "b", .cas = cas};
  EXPECT_EQ(SyncStore(*layer_, client_, right).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Peek("k"), "ab");
}

TEST_F(MetadataLayerTest, MetaArithVivifiesWithTheInitialValueAndAppliesItsSteps) {
  Make();
  ArithRequest request{.key = "n", .vivify = true, .initial = 7, .vivify_ttl = 50};
  request.steps.Add('N');
  request.steps.Add('t');
  const ArithResult created = SyncArith(*layer_, client_, request);
  EXPECT_EQ(created.outcome, ArithOutcome::kOk);
  EXPECT_EQ(created.value, 7u);
  EXPECT_EQ(created.ttl, 50);
  EXPECT_EQ(Peek("n"), "7");
  const ArithResult bumped = SyncArith(*layer_, client_, request);
  EXPECT_EQ(bumped.value, 8u);
  EXPECT_EQ(bumped.ttl, 50);  // N only sets the TTL of an item it creates
  EXPECT_EQ(
      SyncArith(*layer_, client_, ArithRequest{.key = "n", .compare_cas = bumped.cas + 1}).outcome,
      ArithOutcome::kExists);
}

// --- pass-through (no_extra): the seed's exact behaviour --------------------

TEST_F(MetadataLayerTest, PassThroughReturnsWhateverTheStoreHas) {
  Make(/*no_extra=*/true);
  Put(memory_, "ghost", "boo");
  const GetResult result = SyncGet(*layer_, client_, {"ghost"});
  ASSERT_EQ(result.hits.size(), 1u);
  EXPECT_EQ(result.hits[0].value, "boo");
  EXPECT_EQ(result.hits[0].flags, 0u);
}

TEST_F(MetadataLayerTest, PassThroughFlagsAreAlwaysZeroAndNothingExpires) {
  Make(/*no_extra=*/true);
  Set("k", "v", 77, 1);
  EXPECT_EQ(store_.last_set()->flags, 77u);  // the store still sees them
  clock_.Advance(1000);
  const GetResult result = SyncGet(*layer_, client_, {"k"});
  ASSERT_EQ(result.hits.size(), 1u);
  EXPECT_EQ(result.hits[0].flags, 0u);
  Set("neg", "v", 0, -1);
  EXPECT_EQ(SyncValue(*layer_, client_, "neg"), "v");
  EXPECT_EQ(SyncTouch(*layer_, client_, "k", -1).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), "v");
  EXPECT_EQ(SyncTouch(*layer_, client_, "missing", 1).outcome, TouchOutcome::kNotFound);
  EXPECT_EQ(layer_->MetadataSize(), 0u);
  EXPECT_EQ(StatValue(SyncStats(*layer_), "curr_items"), std::nullopt);
}

TEST_F(MetadataLayerTest, PassThroughCasAlwaysSucceeds) {
  Make(/*no_extra=*/true);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kCas, "k", "v", 0, 0, 999).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(Peek("k"), "v");
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kCas, "k", "w", 0, 0, 1).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(Peek("k"), "w");
}

TEST_F(MetadataLayerTest, PassThroughStillBuildsCompositeCommands) {
  Make(/*no_extra=*/true);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAdd, "k", "1").outcome, StoreOutcome::kStored);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAdd, "k", "2").outcome,
            StoreOutcome::kNotStored);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kReplace, "x", "2").outcome,
            StoreOutcome::kNotStored);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAppend, "k", "0").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kDecr, "k", 20).value, 0u);
  EXPECT_EQ(Peek("k"), "0 ");
  EXPECT_EQ(SyncDelete(*layer_, client_, "k").outcome, DeleteOutcome::kDeleted);
}

TEST_F(MetadataLayerTest, PassThroughAnswersMetaRequestsWithAnError) {
  Make(/*no_extra=*/true);
  EXPECT_EQ(SyncMetaGet(*layer_, client_, "k", Steps("")).outcome, GetOutcome::kError);
  EXPECT_EQ(SyncDelete(*layer_, client_, DeleteRequest{.key = "k", .invalidate = true}).outcome,
            DeleteOutcome::kError);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithRequest{.key = "k", .vivify = true}).outcome,
            ArithOutcome::kError);
}

// --- pipelining over a store whose calls complete later -----------------------

// A store the test completes by hand: each test checks which store calls are
// in flight together, then lets them complete.
class MetadataLayerPipelineTest : public ::testing::Test {
 protected:
  MetadataLayerPipelineTest() {
    MetadataLayerOptions options;
    options.clock = &clock_;
    layer_ = std::make_unique<MetadataLayer>(delayed_, options);
    delayed_.Hold();
  }
  // Calls a failed test left held complete while the layer is still there.
  ~MetadataLayerPipelineTest() override {
    for (int i = 0; i < 100 && !Held().empty(); ++i) Release();
  }

  // Issues a command without waiting; its answer is logged as `name`.
  template <typename Result>
  Backend::Done<Result> Log(std::string name) {
    return [this, name](Result) { answered_.push_back(name); };
  }
  void Set(std::string_view key, std::string_view value, std::string name) {
    layer_->Store(client_, StoreRequest{.key = key, .value = value}, Log<StoreResult>(name));
  }
  std::vector<std::string> Held() { return delayed_.HeldCalls(); }
  void Release() { delayed_.ReleaseHeld(); }

  FakeClock clock_;
  SimpleMemoryStore memory_;
  DelayedSimpleStore delayed_{memory_};
  ClientContext client_{7, "127.0.0.1:6000", "main"};
  std::unique_ptr<MetadataLayer> layer_;
  std::vector<std::string> answered_;
};

using Calls = std::vector<std::string>;

TEST_F(MetadataLayerPipelineTest, CommandsOnDifferentKeysAreInFlightTogether) {
  Set("a", "1", "set a");
  Set("b", "2", "set b");
  const std::string_view keys[] = {"c"};
  layer_->Get(client_, GetRequest{.keys = keys}, Log<GetResult>("get c"));
  EXPECT_EQ(Held(), (Calls{"set a", "set b", "get c"}));
  Release();
  EXPECT_EQ(answered_, (Calls{"set a", "set b", "get c"}));
  EXPECT_EQ(Held(), Calls{});
}

TEST_F(MetadataLayerPipelineTest, OneKeyKeepsItsOrder) {
  Set("k", "1", "set");
  layer_->Store(client_, StoreRequest{.mode = StoreMode::kAppend, .key = "k", .value = "2"},
                Log<StoreResult>("append"));
  layer_->Arith(client_, ArithRequest{.key = "k", .delta = 1}, Log<ArithResult>("incr"));
  EXPECT_EQ(Held(), Calls{"set k"});
  Release();
  EXPECT_EQ(Held(), Calls{"get k"});  // the append reads what the set stored
  Release();
  EXPECT_EQ(Held(), Calls{"set k"});
  Release();
  EXPECT_EQ(Held(), Calls{"get k"});  // the incr, only now
  Release();
  Release();
  EXPECT_EQ(answered_, (Calls{"set", "append", "incr"}));
  EXPECT_EQ(Peek(memory_, "k"), "13");
}

TEST_F(MetadataLayerPipelineTest, PlainGetsOfOneKeyRunTogetherButAfterAWrite) {
  const std::string_view keys[] = {"k"};
  layer_->Get(client_, GetRequest{.keys = keys}, Log<GetResult>("get 1"));
  layer_->Get(client_, GetRequest{.keys = keys}, Log<GetResult>("get 2"));
  Set("k", "v", "set");
  layer_->Get(client_, GetRequest{.keys = keys}, Log<GetResult>("get 3"));
  EXPECT_EQ(Held(), (Calls{"get k", "get k"}));
  Release();
  EXPECT_EQ(Held(), Calls{"set k"});
  Release();
  EXPECT_EQ(Held(), Calls{"get k"});
  Release();
  EXPECT_EQ(answered_, (Calls{"get 1", "get 2", "set", "get 3"}));
}

TEST_F(MetadataLayerPipelineTest, FlushAllWaitsForEarlierCommandsAndHoldsLaterOnes) {
  Set("a", "1", "set a");
  layer_->FlushAll(client_, FlushRequest{}, Log<FlushResult>("flush_all"));
  Set("b", "2", "set b");
  EXPECT_EQ(Held(), Calls{"set a"});
  Release();
  EXPECT_EQ(Held(), Calls{"flush_all"});
  Release();
  EXPECT_EQ(Held(), Calls{"set b"});
  Release();
  EXPECT_EQ(answered_, (Calls{"set a", "flush_all", "set b"}));
  EXPECT_EQ(Peek(memory_, "a"), std::nullopt);
  EXPECT_EQ(Peek(memory_, "b"), "2");
}

TEST_F(MetadataLayerPipelineTest, ADueDelayedFlushRunsBeforeTheCommandThatFindsIt) {
  layer_->FlushAll(client_, FlushRequest{.delay_seconds = 10}, Log<FlushResult>("flush_all 10"));
  EXPECT_EQ(answered_, Calls{"flush_all 10"});  // answered at once
  clock_.Advance(10);
  Set("k", "v", "set");
  EXPECT_EQ(Held(), Calls{"flush_all"});
  Release();
  EXPECT_EQ(Held(), Calls{"set k"});
  Release();
  EXPECT_EQ(Peek(memory_, "k"), "v");
}

TEST_F(MetadataLayerPipelineTest, AGetAnswersOnceItsLazyDeletesReachedTheStore) {
  Set("k", "v", "set");
  layer_->Store(client_, StoreRequest{.key = "k", .value = "v", .exptime = 5},
                Log<StoreResult>("set 5"));
  Release();
  Release();
  clock_.Advance(5);
  const std::string_view keys[] = {"k"};
  layer_->Get(client_, GetRequest{.keys = keys}, Log<GetResult>("get"));
  Release();
  EXPECT_EQ(Held(), Calls{"delete k"});
  EXPECT_EQ(answered_, (Calls{"set", "set 5"}));
  Release();
  EXPECT_EQ(answered_, (Calls{"set", "set 5", "get"}));
  EXPECT_EQ(Peek(memory_, "k"), std::nullopt);
}

// --- a store that answers on another thread ---------------------------------

TEST(MetadataLayerAsyncTest, CompletesOnTheStoreThreadAndCopiesBorrowedArguments) {
  SimpleMemoryStore memory;
  FaultySimpleStore inner(memory);
  DelayOptions delay;
  delay.max_delay = absl::Milliseconds(2);
  DelayedSimpleStore store(inner, delay);
  MetadataLayer layer(store);
  ClientContext client{1, "p", "l"};

  // The key and value live in a buffer the caller reuses as soon as the call
  // returns, as a connection's read buffer would.
  char buffer[16];
  std::memcpy(buffer, "key1value1", 10);
  absl::Notification done;
  std::thread::id completed_on;
  StoreResult result;
  layer.Store(client,
              StoreRequest{.mode = StoreMode::kAdd,
                           .key = std::string_view(buffer, 4),
                           .value = std::string_view(buffer + 4, 6),
                           .flags = 1},
              [&](StoreResult r) {
                result = r;
                completed_on = std::this_thread::get_id();
                done.Notify();
              });
  std::memset(buffer, 'X', sizeof(buffer));
  done.WaitForNotification();
  EXPECT_EQ(result.outcome, StoreOutcome::kStored);
  EXPECT_NE(completed_on, std::this_thread::get_id());
  EXPECT_EQ(Peek(memory, "key1"), "value1");
  EXPECT_EQ(inner.calls(Op::kFind), 1);
}

TEST(MetadataLayerAsyncTest, ManyClientsOverADelayedStore) {
  SimpleMemoryStore memory;
  DelayOptions delay;
  delay.max_delay = absl::Microseconds(300);
  DelayedSimpleStore store(memory, delay);
  MetadataLayer layer(store);
  constexpr int kThreads = 4;
  constexpr int kOps = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ClientContext client{static_cast<uint64_t>(t + 1), "p", "l"};
      ASSERT_EQ(SyncClientOpened(layer, client).outcome, OpenOutcome::kAccepted);
      const std::string key = absl::StrCat("k", t);
      SyncStore(layer, client, StoreMode::kSet, key, "", t, 0);
      for (int i = 0; i < kOps; ++i) {
        ASSERT_EQ(SyncStore(layer, client, StoreMode::kAppend, key, "x").outcome,
                  StoreOutcome::kStored);
      }
      SyncStore(layer, client, StoreMode::kSet, absl::StrCat("n", t), "0");
      for (int i = 0; i < kOps; ++i) {
        ASSERT_EQ(SyncArith(layer, client, ArithOp::kIncr, absl::StrCat("n", t), 2).outcome,
                  ArithOutcome::kOk);
      }
      layer.ClientClosed(client);
    });
  }
  for (auto& thread : threads) thread.join();
  ClientContext reader{99, "p", "l"};
  for (int t = 0; t < kThreads; ++t) {
    const GetResult got = SyncGet(layer, reader, {absl::StrCat("k", t), absl::StrCat("n", t)});
    ASSERT_EQ(got.hits.size(), 2u);
    EXPECT_EQ(got.hits[0].value, std::string(kOps, 'x'));
    EXPECT_EQ(got.hits[0].flags, static_cast<uint32_t>(t));
    EXPECT_EQ(got.hits[1].value, absl::StrCat(2 * kOps));
  }
}

// Pipelined without waiting: one client's appends on one key and sets on
// others, all in flight at once, take effect in call order.
TEST(MetadataLayerAsyncTest, PipelinedCommandsTakeEffectInCallOrder) {
  SimpleMemoryStore memory;
  DelayOptions delay;
  delay.max_delay = absl::Microseconds(200);
  delay.keep_client_order = false;
  DelayedSimpleStore store(memory, delay);
  MetadataLayer layer(store);
  ClientContext client{1, "p", "l"};
  constexpr int kOps = 200;
  SyncStore(layer, client, StoreMode::kSet, "log", "");
  std::atomic<int> left{2 * kOps};
  absl::Notification all_done;
  auto count = [&](auto) {
    if (left.fetch_sub(1) == 1) all_done.Notify();
  };
  for (int i = 0; i < kOps; ++i) {
    const std::string value = absl::StrCat(i % 10);
    layer.Store(client, StoreRequest{.mode = StoreMode::kAppend, .key = "log", .value = value},
                count);
    const std::string key = absl::StrCat("k", i % 7);
    layer.Store(client, StoreRequest{.key = key, .value = absl::StrCat(i)}, count);
  }
  all_done.WaitForNotification();
  std::string expected;
  for (int i = 0; i < kOps; ++i) absl::StrAppend(&expected, i % 10);
  EXPECT_EQ(SyncValue(layer, client, "log"), expected);
  for (int k = 0; k < 7; ++k) {
    int last = kOps - 1;
    while (last % 7 != k) --last;
    EXPECT_EQ(SyncValue(layer, client, absl::StrCat("k", k)), absl::StrCat(last));
  }
}

}  // namespace
}  // namespace memgate::backends
