// MemoryBackend beyond the shared conformance suite: memory limit and LRU
// eviction (over all shards, also from many threads), item size limit, lazy
// expiry and the sweeper, flush_all counters, memcached's in-place incr
// padding, zero-copy hits, and a concurrency smoke test.
#include "backends/memory/memory_backend.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "backends/memory/item_allocator.h"
#include "gtest/gtest.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends {
namespace {

using testing::SyncArith;
using testing::SyncDelete;
using testing::SyncFlushAll;
using testing::SyncGet;
using testing::SyncStore;
using testing::SyncValue;

constexpr uint64_t Charge(std::size_t key, std::size_t value) {
  return key + value + MemoryBackend::kItemOverhead;
}

class MemoryBackendTest : public ::testing::Test {
 protected:
  MemoryBackendOptions Options() {
    MemoryBackendOptions options;
    options.clock = &clock_;
    options.sweep_interval = absl::ZeroDuration();
    return options;
  }
  void Make(MemoryBackendOptions options) { backend_ = std::make_unique<MemoryBackend>(options); }
  StoreResult Set(std::string_view key, std::string_view value, int64_t exptime = 0) {
    return SyncStore(*backend_, client_, StoreMode::kSet, key, value, 0, exptime);
  }
  std::optional<std::string> Value(std::string_view key) {
    return SyncValue(*backend_, client_, key);
  }

  FakeClock clock_;
  ClientContext client_{1, "test", ""};
  std::unique_ptr<MemoryBackend> backend_;
};

TEST_F(MemoryBackendTest, EvictsLeastRecentlyUsedWhenFull) {
  MemoryBackendOptions options = Options();
  options.shard_count = 1;  // one LRU: the order is exact
  options.memory_limit_bytes = 10 * Charge(2, 100);
  Make(options);
  const std::string value(100, 'v');
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(Set(absl::StrCat("k", i), value).outcome, StoreOutcome::kStored);
  EXPECT_EQ(backend_->Counters().evictions, 0u);
  EXPECT_EQ(backend_->Counters().bytes, 10 * Charge(2, 100));

  ASSERT_TRUE(Value("k0").has_value());  // k0 is now the most recent; k1 the oldest
  ASSERT_EQ(Set("k_", value).outcome, StoreOutcome::kStored);

  const MemoryStats stats = backend_->Counters();
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.evicted_unfetched, 1u);
  EXPECT_EQ(stats.curr_items, 10u);
  EXPECT_LE(stats.bytes, options.memory_limit_bytes);
  EXPECT_TRUE(Value("k0").has_value());
  EXPECT_FALSE(Value("k1").has_value());
  EXPECT_TRUE(Value("k2").has_value());
  EXPECT_TRUE(Value("k_").has_value());
}

// memcached -M: a full cache refuses the store and keeps what it holds.
TEST_F(MemoryBackendTest, WithoutEvictionsAFullCacheAnswersNoMemory) {
  MemoryBackendOptions options = Options();
  options.shard_count = 1;
  options.memory_limit_bytes = 10 * Charge(2, 100);
  options.evictions = false;
  Make(options);
  const std::string value(100, 'v');
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(Set(absl::StrCat("k", i), value).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Set("k_", value).outcome, StoreOutcome::kNoMemory);
  EXPECT_EQ(backend_->Counters().evictions, 0u);
  EXPECT_TRUE(Value("k0").has_value());
  EXPECT_FALSE(Value("k_").has_value());
}

// memcached 1.6.18: a flush_all unix time from before the start (less 62 s)
// flushes nothing; a later one in the past flushes now.
TEST_F(MemoryBackendTest, FlushAtAUnixTimeBeforeTheStartFlushesNothing) {
  Make(Options());
  Set("k", "v");
  SyncFlushAll(*backend_, client_, 1000000000);
  EXPECT_EQ(Value("k"), "v");
  clock_.Advance(100);
  SyncFlushAll(*backend_, client_, clock_.Now() - 10);
  EXPECT_EQ(Value("k"), std::nullopt);
}

TEST_F(MemoryBackendTest, AccessedItemsGetASecondChanceInOrder) {
  MemoryBackendOptions options = Options();
  options.shard_count = 1;
  options.memory_limit_bytes = 4 * Charge(2, 100);
  Make(options);
  const std::string value(100, 'v');
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(Set(absl::StrCat("k", i), value).outcome, StoreOutcome::kStored);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Value(absl::StrCat("k", i)).has_value());

  // Every item was read: each goes round once, so the oldest still goes first.
  ASSERT_EQ(Set("n0", value).outcome, StoreOutcome::kStored);
  EXPECT_FALSE(Value("k0").has_value());
  // k2 is read again; k1 (not read since its second chance) and then k3 go.
  ASSERT_TRUE(Value("k2").has_value());
  ASSERT_EQ(Set("n1", value).outcome, StoreOutcome::kStored);
  ASSERT_EQ(Set("n2", value).outcome, StoreOutcome::kStored);
  EXPECT_FALSE(Value("k1").has_value());
  EXPECT_FALSE(Value("k3").has_value());
  EXPECT_TRUE(Value("k2").has_value());
  EXPECT_TRUE(Value("n0").has_value());
  EXPECT_TRUE(Value("n1").has_value());
  EXPECT_TRUE(Value("n2").has_value());
  EXPECT_EQ(backend_->Counters().evictions, 3u);
}

// memcached answers "SERVER_ERROR out of memory" and keeps the old value
// when a grown number finds no room; the item must not be lost.
TEST_F(MemoryBackendTest, IncrThatFindsNoRoomKeepsTheOldValue) {
  MemoryBackendOptions options = Options();
  options.shard_count = 1;
  options.memory_limit_bytes = Charge(1, 2);  // "n" = "99" fills the cache exactly
  Make(options);
  ASSERT_EQ(Set("n", "99").outcome, StoreOutcome::kStored);
  EXPECT_EQ(SyncArith(*backend_, client_, ArithOp::kIncr, "n", 1).outcome, ArithOutcome::kNoMemory);
  EXPECT_EQ(Value("n"), "99");
  // A change that fits in place still works.
  const ArithResult decr = SyncArith(*backend_, client_, ArithOp::kDecr, "n", 9);
  EXPECT_EQ(decr.outcome, ArithOutcome::kOk);
  EXPECT_EQ(Value("n"), "90");
  EXPECT_EQ(backend_->Counters().evictions, 0u);
}

TEST_F(MemoryBackendTest, ItemBiggerThanTheWholeLimitIsNoMemory) {
  MemoryBackendOptions options = Options();
  options.memory_limit_bytes = 1000;
  Make(options);
  EXPECT_EQ(Set("k", std::string(1000, 'x')).outcome, StoreOutcome::kNoMemory);
  EXPECT_EQ(Set("k", "small").outcome, StoreOutcome::kStored);
  EXPECT_EQ(Value("k"), "small");
}

TEST_F(MemoryBackendTest, ManyShardsStayUnderTheLimit) {
  MemoryBackendOptions options = Options();
  options.shard_count = 16;
  options.memory_limit_bytes = 64 * 1024;
  Make(options);
  const std::string value(100, 'v');
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(Set(absl::StrCat("key:", i), value).outcome, StoreOutcome::kStored) << i;
  }
  const MemoryStats stats = backend_->Counters();
  EXPECT_LE(stats.bytes, options.memory_limit_bytes);
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_EQ(stats.curr_items + stats.evictions, 5000u);
  EXPECT_EQ(stats.total_items, 5000u);
  EXPECT_EQ(stats.limit_maxbytes, 64u * 1024);
  // Nearly full: eviction is approximate but does not throw away much more
  // than it needs.
  EXPECT_GT(stats.bytes, options.memory_limit_bytes * 3 / 4);
  EXPECT_TRUE(Value("key:4999").has_value());
}

// Issue 18: eviction used to drain whichever shard it tried first, down to
// items just stored, while other shards kept far older ones. Eviction must
// follow one LRU order over all shards.
constexpr std::size_t kFillValueSize = 10000;
constexpr uint64_t kFillCapacity = 640;  // items of kFillValueSize the limit holds

MemoryBackendOptions FillOptions(MemoryBackendOptions options) {
  options.shard_count = 64;
  options.memory_limit_bytes = kFillCapacity * Charge(12, kFillValueSize);
  return options;
}

TEST_F(MemoryBackendTest, SequentialFillKeepsTheNewestItemsAndDropsTheOldest) {
  const MemoryBackendOptions options = FillOptions(Options());
  Make(options);
  const std::string value(kFillValueSize, 'v');
  constexpr int kSets = 20000;  // about 30 times the limit
  for (int i = 0; i < kSets; ++i) {
    ASSERT_EQ(Set(absl::StrFormat("key:%08d", i), value).outcome, StoreOutcome::kStored) << i;
  }
  EXPECT_LE(backend_->Counters().bytes, options.memory_limit_bytes);
  // The newest 90% of what fits are all there ...
  int missing = 0;
  for (int i = kSets - kFillCapacity * 9 / 10; i < kSets; ++i) {
    if (!Value(absl::StrFormat("key:%08d", i)).has_value()) ++missing;
  }
  EXPECT_EQ(missing, 0);
  // ... and nothing older than twice what fits.
  int kept = 0;
  for (int i = 0; i < kSets - 2 * static_cast<int>(kFillCapacity); ++i) {
    if (Value(absl::StrFormat("key:%08d", i)).has_value()) ++kept;
  }
  EXPECT_EQ(kept, 0);
  EXPECT_GT(backend_->Counters().curr_items, kFillCapacity * 9 / 10);
}

TEST_F(MemoryBackendTest, ConcurrentFillKeepsWhatEachClientJustStored) {
  const MemoryBackendOptions options = FillOptions(Options());
  Make(options);
  constexpr int kThreads = 4;
  constexpr int kFillPerThread = 5000;  // 20,000 in all: about 30 times the limit
  constexpr int kCheckPerThread = 100;  // 400 in all: well within the limit
  const std::size_t pages_before = memory_internal::ItemAllocator::PagesInUse();
  std::atomic<int> filled{0};
  std::vector<int> missing(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ClientContext client{static_cast<uint64_t>(100 + t), "t", ""};
      const std::string value(kFillValueSize, static_cast<char>('a' + t));
      for (int i = 0; i < kFillPerThread; ++i) {
        SyncStore(*backend_, client, StoreMode::kSet, absl::StrFormat("fill:%d:%06d", t, i), value);
      }
      ++filled;
      while (filled.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kCheckPerThread; ++i) {
        const StoreResult stored = SyncStore(*backend_, client, StoreMode::kSet,
                                             absl::StrFormat("new:%d:%06d", t, i), value);
        ASSERT_EQ(stored.outcome, StoreOutcome::kStored);
      }
      for (int i = 0; i < kCheckPerThread; ++i) {
        if (!SyncValue(*backend_, client, absl::StrFormat("new:%d:%06d", t, i))) ++missing[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(missing[t], 0) << "thread " << t;
  EXPECT_LE(backend_->Counters().bytes, options.memory_limit_bytes);
  // The items' memory (1 MiB slab pages) stays near the limit: allocated
  // from each thread's malloc arena it grew to half as much again.
  const std::size_t pages = memory_internal::ItemAllocator::PagesInUse() - pages_before;
  EXPECT_LE(pages, options.memory_limit_bytes / (1 << 20) + 2);
}

TEST_F(MemoryBackendTest, ValueOverItemSizeLimitIsTooLarge) {
  MemoryBackendOptions options = Options();
  options.max_item_size = 10;
  Make(options);
  EXPECT_EQ(Set("k", std::string(10, 'x')).outcome, StoreOutcome::kStored);
  // memcached drops the old value when a set fails, so no stale data is served.
  EXPECT_EQ(Set("k", std::string(11, 'x')).outcome, StoreOutcome::kTooLarge);
  EXPECT_EQ(Value("k"), std::nullopt);

  EXPECT_EQ(Set("a", "12345").outcome, StoreOutcome::kStored);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kAppend, "a", "678901").outcome,
            StoreOutcome::kTooLarge);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kPrepend, "a", "678901").outcome,
            StoreOutcome::kTooLarge);
  EXPECT_EQ(Value("a"), "12345");  // append/prepend failures keep the item
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kAppend, "a", "67890").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(Value("a"), "1234567890");
}

TEST_F(MemoryBackendTest, LazyExpiryFreesTheItemAndCounts) {
  Make(Options());
  Set("k", "v", 10);
  EXPECT_EQ(backend_->Counters().curr_items, 1u);
  clock_.Advance(10);
  EXPECT_EQ(Value("k"), std::nullopt);
  const MemoryStats stats = backend_->Counters();
  EXPECT_EQ(stats.get_expired, 1u);
  EXPECT_EQ(stats.expired_unfetched, 1u);
  EXPECT_EQ(stats.curr_items, 0u);
  EXPECT_EQ(stats.bytes, 0u);
}

TEST_F(MemoryBackendTest, SweepRemovesExpiredAndFlushedItems) {
  Make(Options());
  Set("a", "1", 5);
  Set("b", "2", 5);
  Set("c", "3", 100);
  Set("forever", "4");
  clock_.Advance(5);
  EXPECT_EQ(backend_->SweepNow(), 2u);
  EXPECT_EQ(backend_->Counters().curr_items, 2u);
  EXPECT_EQ(backend_->Counters().bytes, Charge(1, 1) + Charge(7, 1));
  SyncFlushAll(*backend_, client_, 10);
  EXPECT_EQ(backend_->SweepNow(), 0u);
  clock_.Advance(10);
  EXPECT_EQ(backend_->SweepNow(), 2u);
  EXPECT_EQ(backend_->Counters().curr_items, 0u);
  EXPECT_EQ(backend_->Counters().get_expired, 0u);  // nobody asked for them
}

TEST_F(MemoryBackendTest, SweeperThreadRemovesExpiredItems) {
  MemoryBackendOptions options = Options();
  options.sweep_interval = absl::Milliseconds(5);
  Make(options);
  Set("k", "v", 1);
  Set("keep", "v");
  clock_.Advance(1);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (backend_->Counters().curr_items != 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(backend_->Counters().curr_items, 1u);
  EXPECT_EQ(backend_->Counters().get_expired, 0u);  // removed by the sweeper, not a get
  backend_.reset();                                 // stops the sweeper promptly
}

TEST_F(MemoryBackendTest, DelayedFlushCountsGetFlushed) {
  Make(Options());
  Set("k", "v");
  SyncFlushAll(*backend_, client_, 2);
  EXPECT_EQ(Value("k"), "v");
  clock_.Advance(2);
  EXPECT_EQ(Value("k"), std::nullopt);
  EXPECT_EQ(backend_->Counters().get_flushed, 1u);
}

TEST_F(MemoryBackendTest, ANewFlushDoesNotBringBackWhatAnEarlierOneHid) {
  Make(Options());
  Set("k", "v");
  SyncFlushAll(*backend_, client_, 5);
  clock_.Advance(6);  // k is now hidden, but not yet removed
  SyncFlushAll(*backend_, client_, 100);
  EXPECT_EQ(Value("k"), std::nullopt);
}

TEST_F(MemoryBackendTest, ImmediateFlushCancelsAPendingOne) {
  Make(Options());
  SyncFlushAll(*backend_, client_, 10);
  SyncFlushAll(*backend_, client_, 0);
  Set("k", "v");
  clock_.Advance(20);
  EXPECT_EQ(Value("k"), "v");
}

TEST_F(MemoryBackendTest, IncrRewritesInPlaceWithSpacePadding) {
  Make(Options());
  struct Case {
    std::string stored;
    ArithOp op;
    uint64_t delta;
    std::string after;  // what memcached 1.6 returns for a get afterwards
  };
  const std::vector<Case> cases = {
      {"  5", ArithOp::kIncr, 1, "6  "},
      {"005", ArithOp::kIncr, 1, "6  "},
      {"100", ArithOp::kDecr, 1, "99 "},
      {"99", ArithOp::kIncr, 1, "100"},
      {"18446744073709551615", ArithOp::kIncr, 2, "1                   "},
      {"5", ArithOp::kDecr, 10, "0"},
      {"1", ArithOp::kIncr, 18446744073709551615u, "0"},
  };
  for (const Case& c : cases) {
    Set("n", c.stored);
    EXPECT_EQ(SyncArith(*backend_, client_, c.op, "n", c.delta).outcome, ArithOutcome::kOk);
    EXPECT_EQ(Value("n"), c.after) << "'" << c.stored << "'";
  }
}

TEST_F(MemoryBackendTest, HitsShareTheStoredBytes) {
  Make(Options());
  Set("k", std::string(1000, 'x'));
  const GetResult first = SyncGet(*backend_, client_, {"k"});
  const GetResult second = SyncGet(*backend_, client_, {"k"});
  ASSERT_EQ(first.hits.size(), 1u);
  ASSERT_EQ(second.hits.size(), 1u);
  EXPECT_EQ(first.hits[0].value.data(), second.hits[0].value.data());
  EXPECT_NE(first.hits[0].owner, nullptr);
}

TEST_F(MemoryBackendTest, CountsItemsAndBytes) {
  Make(Options());
  Set("a", "12345");
  Set("b", "1");
  Set("a", "123");
  SyncDelete(*backend_, client_, "b");
  const MemoryStats stats = backend_->Counters();
  EXPECT_EQ(stats.curr_items, 1u);
  EXPECT_EQ(stats.total_items, 3u);
  EXPECT_EQ(stats.bytes, Charge(1, 3));
  EXPECT_EQ(stats.limit_maxbytes, uint64_t{64} << 20);
}

TEST_F(MemoryBackendTest, ConcurrentClientsSmoke) {
  MemoryBackendOptions options = Options();
  options.memory_limit_bytes = 256 * 1024;  // small enough to evict while racing
  options.sweep_interval = absl::Milliseconds(1);
  Make(options);
  Set("counter", "0");
  constexpr int kThreads = 4;
  constexpr int kOps = 4000;
  std::vector<std::vector<uint64_t>> cas_seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ClientContext client{static_cast<uint64_t>(100 + t), "t", ""};
      for (int i = 0; i < kOps; ++i) {
        const std::string key = absl::StrCat("k", t, ":", i % 300);
        const StoreResult stored = SyncStore(*backend_, client, StoreMode::kSet, key,
                                             std::string(200, 'a' + t), 0, i % 7 == 0 ? 1 : 0);
        if (stored.outcome == StoreOutcome::kStored) cas_seen[t].push_back(stored.cas);
        SyncStore(*backend_, client, StoreMode::kAppend, key, "z");
        const GetResult got = SyncGet(*backend_, client, {key, "counter", "k0:1"});
        for (const Hit& hit : got.hits) {
          if (hit.key == key) {
            ASSERT_GE(hit.value.size(), 200u);
            ASSERT_EQ(hit.value[0], 'a' + t);
          }
        }
        SyncArith(*backend_, client, ArithOp::kIncr, "counter", 1);
        if (i % 5 == 0) SyncDelete(*backend_, client, key);
        if (i % 1000 == 0) clock_.Advance(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // The counter may have been evicted under memory pressure; when present it
  // has every increment.
  const std::optional<std::string> counter = Value("counter");
  if (counter) {
    EXPECT_EQ(*counter, absl::StrCat(kThreads * kOps));
  }
  std::vector<uint64_t> all;
  for (const auto& seen : cas_seen) all.insert(all.end(), seen.begin(), seen.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "duplicate cas";
  EXPECT_LE(backend_->Counters().bytes, options.memory_limit_bytes);
}

}  // namespace
}  // namespace memgate::backends
