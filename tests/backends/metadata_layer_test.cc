// MetadataLayer beyond the conformance suite: what reaches the store, data
// the store had before, the seed's pass-through mode, error mapping, and a
// store that answers later on another thread.
#include "backends/metadata_layer.h"

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "backends/testing/delayed_simple_store.h"
#include "backends/testing/in_memory_simple_store.h"
#include "backends/testing/sync_calls.h"
#include "gtest/gtest.h"

namespace memgate::backends {
namespace {

using testing::DelayedSimpleStore;
using testing::DelayOptions;
using testing::InMemorySimpleStore;
using testing::SyncArith;
using testing::SyncDelete;
using testing::SyncFlushAll;
using testing::SyncGet;
using testing::SyncStore;
using testing::SyncTouch;
using testing::SyncValue;
using Op = InMemorySimpleStore::Op;

class MetadataLayerTest : public ::testing::Test {
 protected:
  void Make(bool no_extra = false) {
    MetadataLayerOptions options;
    options.clock = &clock_;
    options.no_extra = no_extra;
    layer_ = std::make_unique<MetadataLayer>(store_, options);
  }
  StoreResult Set(std::string_view key, std::string_view value, uint32_t flags = 0,
                  int64_t exptime = 0) {
    return SyncStore(*layer_, client_, StoreMode::kSet, key, value, flags, exptime);
  }

  FakeClock clock_;
  InMemorySimpleStore store_;
  ClientContext client_{3, "127.0.0.1:5000", "main"};
  std::unique_ptr<MetadataLayer> layer_;
};

TEST_F(MetadataLayerTest, SetPassesFlagsAndExptimeToTheStore) {
  Make();
  ASSERT_EQ(Set("k", "v", 5, 100).outcome, Outcome::kStored);
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
  EXPECT_EQ(store_.Peek("k"), "v");  // expiry is lazy
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), std::nullopt);
  EXPECT_EQ(store_.Peek("k"), std::nullopt);
  EXPECT_EQ(store_.calls(Op::kDelete), 1);
  EXPECT_EQ(layer_->MetadataSize(), 0u);
}

TEST_F(MetadataLayerTest, AddOverAnExpiredItemDeletesItFirst) {
  Make();
  Set("k", "old", 0, 5);
  clock_.Advance(5);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAdd, "k", "new").outcome, Outcome::kStored);
  EXPECT_EQ(store_.calls(Op::kDelete), 1);
  EXPECT_EQ(store_.Peek("k"), "new");
}

TEST_F(MetadataLayerTest, DeletingAnExpiredItemIsNotFoundButCleansTheStore) {
  Make();
  Set("k", "v", 0, 5);
  clock_.Advance(5);
  EXPECT_EQ(SyncDelete(*layer_, client_, "k").outcome, Outcome::kNotFound);
  EXPECT_EQ(store_.Peek("k"), std::nullopt);
}

TEST_F(MetadataLayerTest, DataTheStoreHadBeforeHasDefaultMetadata) {
  Make();
  store_.Put("old", "42");
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
      Outcome::kStored);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kIncr, "old", 1).value, 44u);
  EXPECT_EQ(store_.Peek("old"), "44");
}

TEST_F(MetadataLayerTest, MultiKeyGetAsksTheStoreOnce) {
  Make();
  Set("a", "1");
  Set("b", "2");
  const GetResult result = SyncGet(*layer_, client_, {"a", "x", "b"});
  ASSERT_EQ(result.hits.size(), 2u);
  EXPECT_EQ(store_.calls(Op::kGet), 1);
}

TEST_F(MetadataLayerTest, IncrPadsAShorterNumberLikeMemcached) {
  Make();
  Set("n", "100", 9, 0);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kDecr, "n", 1).value, 99u);
  EXPECT_EQ(store_.Peek("n"), "99 ");
  EXPECT_EQ(store_.last_set()->flags, 9u);
}

TEST_F(MetadataLayerTest, AppendKeepsExpiryInTheStoreCall) {
  Make();
  Set("k", "a", 0, 100);
  const int64_t expires_at = clock_.Now() + 100;
  clock_.Advance(50);
  SyncStore(*layer_, client_, StoreMode::kAppend, "k", "b", 0, 5);
  EXPECT_EQ(store_.last_set()->exptime, expires_at);  // an absolute time, as memcached keeps it
  EXPECT_EQ(store_.Peek("k"), "ab");
}

TEST_F(MetadataLayerTest, DelayedFlushReachesTheStoreWhenDue) {
  Make();
  Set("k", "v");
  SyncFlushAll(*layer_, client_, 10);
  EXPECT_EQ(store_.calls(Op::kFlushAll), 0);
  clock_.Advance(10);
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), std::nullopt);
  EXPECT_EQ(store_.calls(Op::kFlushAll), 1);
  EXPECT_EQ(store_.size(), 0u);
}

TEST_F(MetadataLayerTest, BeginAndEndFollowTheClient) {
  Make();
  layer_->ClientOpened(client_);
  layer_->ClientClosed(client_);
  EXPECT_EQ(store_.begun(), std::vector<uint64_t>{3});
  EXPECT_EQ(store_.ended(), std::vector<uint64_t>{3});
}

TEST_F(MetadataLayerTest, StoreErrorsKeepOrCloseTheConnection) {
  Make();
  store_.FailNextSet("disk full", /*close_connection=*/false);
  StoreResult r = Set("k", "v");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.error.message, "disk full");
  EXPECT_FALSE(r.error.close_connection);

  store_.FailNextSet("go away", /*close_connection=*/true);
  r = Set("k", "v");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.error.message, "go away");
  EXPECT_TRUE(r.error.close_connection);
  EXPECT_EQ(store_.Peek("k"), std::nullopt);

  Set("k", "v");
  store_.FailNext(Op::kGet, BackendError{"get failed", true});
  const GetResult g = SyncGet(*layer_, client_, {"k"});
  EXPECT_EQ(g.outcome, Outcome::kError);
  EXPECT_EQ(g.error.message, "get failed");
  EXPECT_TRUE(g.error.close_connection);

  store_.FailNext(Op::kFind, BackendError{"find failed", false});
  const StoreResult a = SyncStore(*layer_, client_, StoreMode::kAdd, "k", "v");
  EXPECT_EQ(a.outcome, Outcome::kError);
  EXPECT_EQ(a.error.message, "find failed");

  store_.FailNext(Op::kGet, BackendError{"get failed", false});
  const ArithResult n = SyncArith(*layer_, client_, ArithOp::kIncr, "k", 1);
  EXPECT_EQ(n.outcome, Outcome::kError);

  store_.FailNext(Op::kDelete, BackendError{"delete failed", true});
  const DeleteResult d = SyncDelete(*layer_, client_, "k");
  EXPECT_EQ(d.outcome, Outcome::kError);
  EXPECT_TRUE(d.error.close_connection);

  store_.FailNext(Op::kFlushAll, BackendError{"flush failed", false});
  EXPECT_EQ(SyncFlushAll(*layer_, client_).outcome, Outcome::kError);
}

TEST_F(MetadataLayerTest, ASetErrorDuringIncrIsReported) {
  Make();
  Set("n", "1");
  store_.FailNextSet("nope", true);
  const ArithResult r = SyncArith(*layer_, client_, ArithOp::kIncr, "n", 1);
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_TRUE(r.error.close_connection);
  EXPECT_EQ(store_.Peek("n"), "1");
}

// --- pass-through (no_extra): the seed's exact behaviour --------------------

TEST_F(MetadataLayerTest, PassThroughReturnsWhateverTheStoreHas) {
  Make(/*no_extra=*/true);
  store_.Put("ghost", "boo");
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
  EXPECT_EQ(SyncTouch(*layer_, client_, "k", -1).outcome, Outcome::kTouched);
  EXPECT_EQ(SyncValue(*layer_, client_, "k"), "v");
  EXPECT_EQ(SyncTouch(*layer_, client_, "missing", 1).outcome, Outcome::kNotFound);
  EXPECT_EQ(layer_->MetadataSize(), 0u);
}

TEST_F(MetadataLayerTest, PassThroughCasAlwaysSucceeds) {
  Make(/*no_extra=*/true);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kCas, "k", "v", 0, 0, 999).outcome,
            Outcome::kStored);
  EXPECT_EQ(store_.Peek("k"), "v");
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kCas, "k", "w", 0, 0, 1).outcome,
            Outcome::kStored);
  EXPECT_EQ(store_.Peek("k"), "w");
}

TEST_F(MetadataLayerTest, PassThroughStillBuildsCompositeCommands) {
  Make(/*no_extra=*/true);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAdd, "k", "1").outcome, Outcome::kStored);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAdd, "k", "2").outcome, Outcome::kNotStored);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kReplace, "x", "2").outcome,
            Outcome::kNotStored);
  EXPECT_EQ(SyncStore(*layer_, client_, StoreMode::kAppend, "k", "0").outcome, Outcome::kStored);
  EXPECT_EQ(SyncArith(*layer_, client_, ArithOp::kDecr, "k", 20).value, 0u);
  EXPECT_EQ(store_.Peek("k"), "0 ");
  EXPECT_EQ(SyncDelete(*layer_, client_, "k").outcome, Outcome::kDeleted);
}

// --- a store that answers on another thread ---------------------------------

TEST(MetadataLayerAsyncTest, CompletesOnTheStoreThreadAndCopiesBorrowedArguments) {
  InMemorySimpleStore inner;
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
  layer.Store(client, StoreMode::kAdd, std::string_view(buffer, 4), 1, 0,
              std::string_view(buffer + 4, 6), 0, [&](StoreResult r) {
                result = r;
                completed_on = std::this_thread::get_id();
                done.Notify();
              });
  std::memset(buffer, 'X', sizeof(buffer));
  done.WaitForNotification();
  EXPECT_EQ(result.outcome, Outcome::kStored);
  EXPECT_NE(completed_on, std::this_thread::get_id());
  EXPECT_EQ(inner.Peek("key1"), "value1");
  EXPECT_EQ(inner.calls(InMemorySimpleStore::Op::kFind), 1);
}

TEST(MetadataLayerAsyncTest, ManyClientsOverADelayedStore) {
  InMemorySimpleStore inner;
  DelayOptions delay;
  delay.max_delay = absl::Microseconds(300);
  DelayedSimpleStore store(inner, delay);
  MetadataLayer layer(store);
  constexpr int kThreads = 4;
  constexpr int kOps = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ClientContext client{static_cast<uint64_t>(t + 1), "p", "l"};
      layer.ClientOpened(client);
      const std::string key = absl::StrCat("k", t);
      SyncStore(layer, client, StoreMode::kSet, key, "", t, 0);
      for (int i = 0; i < kOps; ++i) {
        ASSERT_EQ(SyncStore(layer, client, StoreMode::kAppend, key, "x").outcome, Outcome::kStored);
      }
      SyncStore(layer, client, StoreMode::kSet, absl::StrCat("n", t), "0");
      for (int i = 0; i < kOps; ++i) {
        ASSERT_EQ(SyncArith(layer, client, ArithOp::kIncr, absl::StrCat("n", t), 2).outcome,
                  Outcome::kOk);
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

}  // namespace
}  // namespace memgate::backends
