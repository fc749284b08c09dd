// The Redis backend in memcached mode against a real redis-server: the
// conformance suite's expectations for every operation, expiry read back as
// Redis TTLs, the data layout in Redis, meta commands, flush_all policies,
// NOSCRIPT recovery and Redis's refusals by name.
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "backends/clock.h"
#include "backends/redis/cas_clock.h"
#include "backends/redis/redis_backend.h"
#include "common/absl_compat.h"
#include "common/item_limits.h"
#include "gtest/gtest.h"
#include "tests/backends/redis/backend_harness.h"
#include "tests/backends/redis/redis_server.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends::redis {
namespace {

using backends::testing::StatValue;
using backends::testing::SyncArith;
using backends::testing::SyncDelete;
using backends::testing::SyncFlushAll;
using backends::testing::SyncGet;
using backends::testing::SyncGetAndTouch;
using backends::testing::SyncMetaGet;
using backends::testing::SyncStats;
using backends::testing::SyncStore;
using backends::testing::SyncTouch;
using backends::testing::SyncValue;
using testing::AttachedBackend;
using testing::OptionsFor;
using testing::RedisServer;

int64_t ToInt(const std::string& text) {
  int64_t value = 0;
  EXPECT_TRUE(absl::SimpleAtoi(text, &value)) << text;
  return value;
}

class MemcachedModeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new RedisServer();
    const absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->running());
    server_->Command({"FLUSHALL"});
    backend_ = std::make_unique<AttachedBackend>(Options(), 2);
    ASSERT_TRUE(backend_->ok());
  }
  void TearDown() override { backend_.reset(); }

  virtual RedisOptions Options() {
    RedisOptions options = OptionsFor(server_->url());
    options.prefix = "mg:";
    options.flush = FlushPolicy::kPrefix;
    return options;
  }
  Backend& b() { return **backend_; }

  StoreResult Store(StoreMode mode, std::string_view key, std::string_view value,
                    uint32_t flags = 0, int64_t exptime = 0, uint64_t cas = 0) {
    return SyncStore(b(), client_, mode, key, value, flags, exptime, cas);
  }
  StoreResult Set(std::string_view key, std::string_view value, uint32_t flags = 0,
                  int64_t exptime = 0) {
    return Store(StoreMode::kSet, key, value, flags, exptime);
  }
  std::optional<std::string> Value(std::string_view key) { return SyncValue(b(), client_, key); }
  Hit MustGet(std::string_view key, GetResult& holder) {
    holder = SyncGet(b(), client_, {key});
    EXPECT_EQ(holder.outcome, GetOutcome::kOk) << holder.error.message;
    EXPECT_EQ(holder.hits.size(), 1u) << key;
    if (holder.hits.empty()) return Hit{};
    return holder.hits.front();
  }
  uint64_t CasOf(std::string_view key) {
    GetResult holder;
    return MustGet(key, holder).cas;
  }
  int64_t RedisTtl(std::string_view key) {
    return ToInt(server_->Text({"TTL", absl::StrCat("mg:", ToAbsl(key))}));
  }

  static RedisServer* server_;
  std::unique_ptr<AttachedBackend> backend_;
  ClientContext client_{7, "127.0.0.1:40000", "test"};
};

RedisServer* MemcachedModeTest::server_ = nullptr;

TEST_F(MemcachedModeTest, SetThenGetReturnsValueFlagsAndCas) {
  const StoreResult stored = Set("key", "value", 42);
  EXPECT_EQ(stored.outcome, StoreOutcome::kStored) << stored.error.message;
  GetResult holder;
  const Hit hit = MustGet("key", holder);
  EXPECT_EQ(hit.key, "key");
  EXPECT_EQ(hit.value, "value");
  EXPECT_EQ(hit.flags, 42u);
  EXPECT_NE(hit.cas, 0u);
  EXPECT_EQ(stored.cas, hit.cas);
}

TEST_F(MemcachedModeTest, OneStringPerItemUnderThePrefix) {
  const StoreResult stored = Set("key", "value", 42);
  ASSERT_EQ(stored.outcome, StoreOutcome::kStored) << stored.error.message;
  EXPECT_EQ(server_->Text({"TYPE", "mg:key"}), "string");
  // Format 1, no bits, flags 42 big-endian, the cas big-endian, the value.
  EXPECT_EQ(server_->Text({"GETRANGE", "mg:key", "0", "5"}), std::string("\1\0\0\0\0\x2a", 6));
  std::string cas;
  for (int shift = 56; shift >= 0; shift -= 8)
    cas.push_back(static_cast<char>(stored.cas >> shift));
  EXPECT_EQ(server_->Text({"GETRANGE", "mg:key", "6", "13"}), cas);
  EXPECT_EQ(server_->Text({"GETRANGE", "mg:key", "14", "-1"}), "value");
  EXPECT_EQ(server_->Text({"EXISTS", "key"}), "0");
  EXPECT_EQ(server_->Text({"DBSIZE"}), "1");
}

TEST_F(MemcachedModeTest, AMultiKeyGetIsOneMgetAndOtherTypesInItAreMisses) {
  Set("a", "1", 1);
  Set("c", "3", 3);
  server_->Command({"RPUSH", "mg:list", "x"});
  server_->Command({"CONFIG", "RESETSTAT"});
  const GetResult got = SyncGet(b(), client_, {"a", "b", "list", "c"});
  ASSERT_EQ(got.outcome, GetOutcome::kOk) << got.error.message;
  ASSERT_EQ(got.hits.size(), 2u);
  EXPECT_EQ(got.hits[0].key, "a");
  EXPECT_EQ(got.hits[0].flags, 1u);
  EXPECT_EQ(got.hits[1].key, "c");
  EXPECT_EQ(got.hits[1].value, "3");
  const std::string commands = server_->Text({"INFO", "commandstats"});
  EXPECT_TRUE(absl::StrContains(commands, "cmdstat_mget:calls=1,")) << commands;
  EXPECT_FALSE(absl::StrContains(commands, "cmdstat_get:")) << commands;
  EXPECT_EQ(server_->Text({"LRANGE", "mg:list", "0", "-1"}), "[x]");
}

TEST_F(MemcachedModeTest, AStringNotWrittenByMemgateIsAnErrorNotAGuess) {
  server_->Command({"SET", "mg:plain", "hello"});
  const GetResult got = SyncGet(b(), client_, {"plain"});
  EXPECT_EQ(got.outcome, GetOutcome::kError);
  EXPECT_TRUE(absl::StrContains(got.error.message, "not a memgate item")) << got.error.message;
  const StoreResult appended = SyncStore(b(), client_, StoreMode::kAppend, "plain", "x");
  EXPECT_EQ(appended.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(appended.error.message, "not a memgate item"))
      << appended.error.message;
  EXPECT_EQ(server_->Text({"GET", "mg:plain"}), "hello");
}

TEST_F(MemcachedModeTest, SetOverwritesAndKeepsNoOldFlags) {
  Set("key", "one", 1);
  EXPECT_EQ(Set("key", "two", 2).outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = MustGet("key", holder);
  EXPECT_EQ(hit.value, "two");
  EXPECT_EQ(hit.flags, 2u);
}

TEST_F(MemcachedModeTest, BinaryAndEmptyValuesRoundTrip) {
  const std::string binary("a\0b\r\nc\xff", 7);
  EXPECT_EQ(Set("bin", binary).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Value("bin"), binary);
  EXPECT_EQ(Set("empty", "").outcome, StoreOutcome::kStored);
  EXPECT_EQ(Value("empty"), "");
}

TEST_F(MemcachedModeTest, MultiGetKeepsRequestOrderAndSkipsMisses) {
  Set("a", "1", 1);
  Set("b", "2", 2);
  Set("c", "3", 3);
  const GetResult result = SyncGet(b(), client_, {"c", "nope", "a", "b", "a"});
  ASSERT_EQ(result.outcome, GetOutcome::kOk);
  std::vector<std::string> seen;
  for (const Hit& hit : result.hits) {
    seen.push_back(absl::StrCat(ToAbsl(hit.key), "=", ToAbsl(hit.value), "/", hit.flags));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"c=3/3", "a=1/1", "b=2/2", "a=1/1"}));
  EXPECT_TRUE(SyncGet(b(), client_, {"missing"}).hits.empty());
}

TEST_F(MemcachedModeTest, AddReplaceAppendPrepend) {
  EXPECT_EQ(Store(StoreMode::kAdd, "k", "first").outcome, StoreOutcome::kStored);
  EXPECT_EQ(Store(StoreMode::kAdd, "k", "second").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(Value("k"), "first");
  EXPECT_EQ(Store(StoreMode::kReplace, "r", "v").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(Value("r"), std::nullopt);
  EXPECT_EQ(Store(StoreMode::kAppend, "x", "v").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(Store(StoreMode::kPrepend, "x", "v").outcome, StoreOutcome::kNotStored);
  Set("r", "old", 1);
  EXPECT_EQ(Store(StoreMode::kReplace, "r", "mid", 5).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Store(StoreMode::kAppend, "r", "-end", 77).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Store(StoreMode::kPrepend, "r", "start-", 88).outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = MustGet("r", holder);
  EXPECT_EQ(hit.value, "start-mid-end");
  EXPECT_EQ(hit.flags, 5u);
}

TEST_F(MemcachedModeTest, CasComparesAndSwaps) {
  EXPECT_EQ(Store(StoreMode::kCas, "k", "v", 0, 0, 12345).outcome, StoreOutcome::kNotFound);
  Set("k", "one");
  const uint64_t cas = CasOf("k");
  EXPECT_EQ(Store(StoreMode::kCas, "k", "bad", 0, 0, cas + 1000).outcome, StoreOutcome::kExists);
  EXPECT_EQ(Value("k"), "one");
  const StoreResult swapped = Store(StoreMode::kCas, "k", "two", 3, 0, cas);
  EXPECT_EQ(swapped.outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = MustGet("k", holder);
  EXPECT_EQ(hit.value, "two");
  EXPECT_EQ(hit.flags, 3u);
  EXPECT_NE(hit.cas, cas);
  EXPECT_EQ(swapped.cas, hit.cas);
  EXPECT_EQ(Store(StoreMode::kCas, "k", "three", 0, 0, cas).outcome, StoreOutcome::kExists);
  EXPECT_EQ(Value("k"), "two");
}

TEST_F(MemcachedModeTest, CasChangesOnEveryModificationAndNeverRepeats) {
  std::set<uint64_t> seen;
  uint64_t last = 0;
  auto record = [&] {
    const uint64_t cas = CasOf("k");
    EXPECT_TRUE(seen.insert(cas).second) << "cas repeated: " << cas;
    EXPECT_GT(cas, last);
    last = cas;
  };
  Set("k", "1");
  record();
  Set("k", "1");
  record();
  Store(StoreMode::kReplace, "k", "2");
  record();
  Store(StoreMode::kAppend, "k", "0");
  record();
  Store(StoreMode::kPrepend, "k", "1");
  record();
  SyncArith(b(), client_, ArithOp::kIncr, "k", 1);
  record();
  SyncArith(b(), client_, ArithOp::kDecr, "k", 1);
  record();
  SyncDelete(b(), client_, "k");
  Set("k", "again");
  record();
  Set("other", "x");
  EXPECT_FALSE(seen.contains(CasOf("other")));
}

// The cas bytes of the item under "mg:<key>", as a number.
uint64_t HeaderCas(RedisServer& server, const std::string& key) {
  const std::string bytes = server.Text({"GETRANGE", "mg:" + key, "6", "13"});
  uint64_t cas = 0;
  for (const char c : bytes) cas = (cas << 8) | static_cast<unsigned char>(c);
  return cas;
}

// meta E: the client's cas goes into the item header as memgate's own would,
// and the clock moves past it, so a later change never repeats it, even a
// value the clock was about to make (its next microsecond, same tag).
TEST_F(MemcachedModeTest, AnExplicitCasRoundTripsAndALaterSetChangesIt) {
  EXPECT_TRUE(b().capabilities().explicit_cas);
  Set("k", "v");
  for (const uint64_t ahead : {uint64_t{1} << CasClock::kTagBits, uint64_t{1} << 32}) {
    const uint64_t chosen = CasOf("k") + ahead;
    const StoreResult stored =
        SyncStore(b(), client_, StoreRequest{.key = "k", .value = "mine", .explicit_cas = chosen});
    ASSERT_EQ(stored.outcome, StoreOutcome::kStored);
    EXPECT_EQ(stored.cas, chosen);
    EXPECT_EQ(CasOf("k"), chosen);
    EXPECT_EQ(HeaderCas(*server_, "k"), chosen);
    EXPECT_EQ(Value("k"), "mine");
    const StoreResult later = Set("k", "theirs");
    EXPECT_GT(later.cas, chosen);
    EXPECT_EQ(CasOf("k"), later.cas);
  }
  // incr and a vivifying mg take it the same way.
  Set("n", "1");
  const uint64_t chosen = CasOf("n") + (uint64_t{1} << CasClock::kTagBits);
  EXPECT_EQ(SyncArith(b(), client_, ArithRequest{.key = "n", .explicit_cas = chosen}).cas, chosen);
  EXPECT_GT(SyncArith(b(), client_, ArithOp::kIncr, "n", 1).cas, chosen);
  MetaGetFields vivify{.vivify = true, .explicit_cas = 77};
  vivify.steps.Add('N');
  const GetResult created = SyncMetaGet(b(), client_, "v", vivify);
  ASSERT_EQ(created.hits.size(), 1u);
  EXPECT_EQ(created.hits[0].cas, 77u);
  EXPECT_EQ(HeaderCas(*server_, "v"), 77u);
}

// The clock's last tick is beyond it: the value is stored, and the clock
// goes on from where it was instead of wrapping.
TEST_F(MemcachedModeTest, TheLargestExplicitCasLeavesTheClockAsItWas) {
  Set("k", "v");
  const uint64_t before = CasOf("k");
  const uint64_t top = UINT64_MAX;
  EXPECT_EQ(
      SyncStore(b(), client_, StoreRequest{.key = "k", .value = "x", .explicit_cas = top}).cas,
      top);
  const uint64_t later = Set("k", "y").cas;
  EXPECT_GT(later, before);
  EXPECT_LT(later, top);
}

TEST(CasClockTest, AdvanceMovesEveryLaterCasPastTheValue) {
  CasClock clock(5);
  const uint64_t now = clock.Next();
  const uint64_t chosen = now + (uint64_t{1} << 40);
  EXPECT_EQ(clock.Advance(chosen), chosen);
  const uint64_t next = clock.Next();
  EXPECT_GT(next, chosen);
  EXPECT_EQ(next & 0xfff, 5u);
  // A value behind the clock leaves it where it is.
  EXPECT_EQ(clock.Advance(3), 3u);
  EXPECT_GT(clock.Next(), next);
}

TEST_F(MemcachedModeTest, CasGrowsAcrossRedisRestart) {
  Set("k", "v");
  const uint64_t before = CasOf("k");
  server_->Stop();
  ASSERT_TRUE(server_->Start().ok());
  // The restart emptied Redis; the connection notices and comes back.
  StoreResult stored;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    stored = Set("k", "v");
    if (stored.outcome == StoreOutcome::kStored) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(stored.outcome, StoreOutcome::kStored) << stored.error.message;
  EXPECT_GT(CasOf("k"), before);
}

TEST_F(MemcachedModeTest, TouchAndGatKeepCas) {
  Set("k", "v");
  const uint64_t cas = CasOf("k");
  EXPECT_EQ(SyncTouch(b(), client_, "k", 100).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(CasOf("k"), cas);
  const GetResult touched = SyncGetAndTouch(b(), client_, {"k"}, 50);
  ASSERT_EQ(touched.hits.size(), 1u);
  EXPECT_EQ(touched.hits[0].cas, cas);
  EXPECT_EQ(CasOf("k"), cas);
}

TEST_F(MemcachedModeTest, DeleteRemovesOnce) {
  EXPECT_EQ(SyncDelete(b(), client_, "k").outcome, DeleteOutcome::kNotFound);
  Set("k", "v");
  EXPECT_EQ(SyncDelete(b(), client_, "k").outcome, DeleteOutcome::kDeleted);
  EXPECT_EQ(SyncDelete(b(), client_, "k").outcome, DeleteOutcome::kNotFound);
  EXPECT_EQ(Value("k"), std::nullopt);
  EXPECT_EQ(Store(StoreMode::kAdd, "k", "again").outcome, StoreOutcome::kStored);
}

TEST_F(MemcachedModeTest, IncrDecrArithmetic) {
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kIncr, "n", 1).outcome, ArithOutcome::kNotFound);
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kDecr, "n", 1).outcome, ArithOutcome::kNotFound);
  EXPECT_EQ(Value("n"), std::nullopt);
  Set("n", "5", 31);
  ArithResult r = SyncArith(b(), client_, ArithOp::kIncr, "n", 3);
  EXPECT_EQ(r.outcome, ArithOutcome::kOk) << r.error.message;
  EXPECT_EQ(r.value, 8u);
  EXPECT_EQ(r.cas, CasOf("n"));
  EXPECT_EQ(Value("n"), "8");
  r = SyncArith(b(), client_, ArithOp::kDecr, "n", 10);
  EXPECT_EQ(r.value, 0u);
  EXPECT_EQ(Value("n"), "0");
  GetResult holder;
  EXPECT_EQ(MustGet("n", holder).flags, 31u);
}

TEST_F(MemcachedModeTest, IncrIs64BitUnsigned) {
  Set("n", "18446744073709551615");
  ArithResult r = SyncArith(b(), client_, ArithOp::kIncr, "n", 2);
  EXPECT_EQ(r.value, 1u);
  EXPECT_EQ(absl::StripTrailingAsciiWhitespace(*Value("n")), "1");
  Set("n", "18446744073709551000");
  r = SyncArith(b(), client_, ArithOp::kIncr, "n", 700);
  EXPECT_EQ(r.value, 84u);
  Set("n", "9007199254740993");  // 2^53 + 1: a double would lose it
  r = SyncArith(b(), client_, ArithOp::kIncr, "n", 1);
  EXPECT_EQ(r.value, 9007199254740994u);
  r = SyncArith(b(), client_, ArithOp::kDecr, "n", 18446744073709551615u);
  EXPECT_EQ(r.value, 0u);
  Set("n", "18446744073709551614");
  r = SyncArith(b(), client_, ArithOp::kDecr, "n", 18446744073709551613u);
  EXPECT_EQ(r.value, 1u);
}

TEST_F(MemcachedModeTest, IncrGrowsAndDecrPadsLikeMemcached) {
  Set("n", "99");
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kIncr, "n", 1).value, 100u);
  EXPECT_EQ(Value("n"), "100");
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kDecr, "n", 1).value, 99u);
  EXPECT_EQ(Value("n"), "99 ");
}

TEST_F(MemcachedModeTest, IncrAcceptsWhatStrtoullAccepts) {
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"  5", 6}, {"005", 6},  {"5  ", 6},
      {"+7", 8},  {"\t9", 10}, {"000000000000000000000000000042", 43},
      {"-0", 1},  {"5 x", 6},  {"-18446744073709551615", 2},
  };
  for (const auto& [stored, expected] : cases) {
    Set("n", stored);
    const ArithResult r = SyncArith(b(), client_, ArithOp::kIncr, "n", 1);
    EXPECT_EQ(r.outcome, ArithOutcome::kOk) << "'" << stored << "' " << r.error.message;
    EXPECT_EQ(r.value, expected) << "'" << stored << "'";
  }
}

TEST_F(MemcachedModeTest, IncrRejectsNonNumericValues) {
  for (const std::string stored : {"", "abc", "1a2", "-1", "   ", "18446744073709551616", "x5", "+",
                                   "0x10", "-9223372036854775808"}) {
    Set("n", stored);
    const ArithResult r = SyncArith(b(), client_, ArithOp::kIncr, "n", 1);
    EXPECT_EQ(r.outcome, ArithOutcome::kNonNumeric) << "'" << stored << "'";
    EXPECT_EQ(Value("n"), stored) << "value must be left alone";
  }
}

TEST_F(MemcachedModeTest, ExpiryIsTheKeysTtl) {
  Set("rel", "v", 0, 100);
  EXPECT_EQ(RedisTtl("rel"), 100);
  Set("none", "v", 0, 0);
  EXPECT_EQ(RedisTtl("none"), -1);
  const int64_t now = SystemClock::Instance().Now();
  Set("abs", "v", 0, now + 40 * 24 * 3600);
  EXPECT_NEAR(RedisTtl("abs"), 40 * 24 * 3600, 2);
  Set("past", "v", 0, now - 31 * 24 * 3600);
  EXPECT_EQ(Value("past"), std::nullopt);
  Set("neg", "old");
  EXPECT_EQ(Set("neg", "new", 0, -1).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Value("neg"), std::nullopt);
  EXPECT_EQ(server_->Text({"EXISTS", "mg:neg"}), "0");
  // A set without exptime clears an old TTL.
  Set("rel", "v2");
  EXPECT_EQ(RedisTtl("rel"), -1);
}

TEST_F(MemcachedModeTest, AppendAndIncrKeepTtlTouchAndGatSetIt) {
  Set("s", "a", 0, 100);
  Set("n", "1", 0, 100);
  Store(StoreMode::kAppend, "s", "b", 0, 1000);
  SyncArith(b(), client_, ArithOp::kIncr, "n", 1);
  EXPECT_NEAR(RedisTtl("s"), 100, 1);
  EXPECT_NEAR(RedisTtl("n"), 100, 1);
  EXPECT_EQ(SyncTouch(b(), client_, "s", 500).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(RedisTtl("s"), 500);
  EXPECT_EQ(SyncTouch(b(), client_, "s", 0).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(RedisTtl("s"), -1);
  EXPECT_EQ(SyncTouch(b(), client_, "missing", 10).outcome, TouchOutcome::kNotFound);
  const GetResult touched = SyncGetAndTouch(b(), client_, {"n", "x", "s"}, 300);
  ASSERT_EQ(touched.hits.size(), 2u);
  EXPECT_EQ(touched.hits[0].value, "2");
  EXPECT_EQ(touched.hits[1].value, "ab");
  EXPECT_EQ(RedisTtl("n"), 300);
  EXPECT_EQ(RedisTtl("s"), 300);
  EXPECT_EQ(SyncTouch(b(), client_, "s", -1).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(Value("s"), std::nullopt);
}

TEST_F(MemcachedModeTest, RelativeExpiryPassesInRealTime) {
  Set("k", "v", 0, 1);
  EXPECT_EQ(Value("k"), "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(Value("k"), std::nullopt);
  EXPECT_EQ(Store(StoreMode::kReplace, "k", "x").outcome, StoreOutcome::kNotStored);
}

TEST_F(MemcachedModeTest, TooLargeSetDropsTheOldValue) {
  Set("k", "old");
  const std::string big(kDefaultMaxItemSize + 1, 'x');
  EXPECT_EQ(Set("k", big).outcome, StoreOutcome::kTooLarge);
  EXPECT_EQ(Value("k"), std::nullopt);
  Set("a", std::string(kDefaultMaxItemSize - 1, 'y'));
  EXPECT_EQ(Store(StoreMode::kAppend, "a", "zz").outcome, StoreOutcome::kTooLarge);
}

TEST_F(MemcachedModeTest, HitsStayValidAfterTheItemChanges) {
  Set("k", "original");
  GetResult held = SyncGet(b(), client_, {"k"});
  ASSERT_EQ(held.hits.size(), 1u);
  Set("k", "replaced with a longer value");
  SyncDelete(b(), client_, "k");
  SyncFlushAll(b(), client_);
  EXPECT_EQ(held.hits[0].key, "k");
  EXPECT_EQ(held.hits[0].value, "original");
}

TEST_F(MemcachedModeTest, ClientsOnOtherLoopsShareOneKeySpace) {
  const ClientContext other{8, "127.0.0.1:40001", "test", 1};
  SyncStore(b(), other, StoreMode::kSet, "shared", "from-other");
  EXPECT_EQ(Value("shared"), "from-other");
}

TEST_F(MemcachedModeTest, FlushPrefixDeletesOnlyThePrefixInPages) {
  for (int i = 0; i < 1200; ++i) Set(absl::StrCat("key", i), "v");
  server_->Command({"SET", "foreign", "stays"});
  EXPECT_EQ(SyncFlushAll(b(), client_).outcome, FlushOutcome::kOk);
  EXPECT_EQ(server_->Text({"DBSIZE"}), "1");
  EXPECT_EQ(server_->Text({"GET", "foreign"}), "stays");
  EXPECT_EQ(Store(StoreMode::kAdd, "key1", "new").outcome, StoreOutcome::kStored);
}

TEST_F(MemcachedModeTest, WritesSentRightAfterFlushSurviveIt) {
  for (int i = 0; i < 3000; ++i) Set(absl::StrCat("key", i), "v");
  // Issue the flush and the sets back to back, as a pipelining server does.
  absl::Notification flushed;
  b().FlushAll(client_, FlushRequest{}, [&](FlushResult) { flushed.Notify(); });
  std::vector<std::unique_ptr<absl::Notification>> stored;
  for (int i = 0; i < 50; ++i) {
    stored.push_back(std::make_unique<absl::Notification>());
    const std::string key = absl::StrCat("after", i);
    b().Store(client_, StoreRequest{.key = key, .value = "kept"},
              [done = stored.back().get()](StoreResult) { done->Notify(); });
  }
  flushed.WaitForNotification();
  for (auto& done : stored) done->WaitForNotification();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(Value(absl::StrCat("after", i)), "kept") << i;
  EXPECT_EQ(server_->Text({"DBSIZE"}), "50");
}

TEST_F(MemcachedModeTest, FlushWithDelayHappensLater) {
  Set("old", "1");
  EXPECT_EQ(SyncFlushAll(b(), client_, 1).outcome, FlushOutcome::kOk);
  EXPECT_EQ(Value("old"), "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Value("old"), std::nullopt);
}

// memcached keeps one flush time: a later flush_all replaces a delayed one.
TEST_F(MemcachedModeTest, LaterFlushCancelsADelayedOne) {
  EXPECT_EQ(SyncFlushAll(b(), client_, 1).outcome, FlushOutcome::kOk);
  EXPECT_EQ(SyncFlushAll(b(), client_).outcome, FlushOutcome::kOk);
  Set("new", "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Value("new"), "1");
}

TEST_F(MemcachedModeTest, ScriptsComeBackAfterScriptFlush) {
  Set("k", "1");
  // Every connection loads the scripts when it connects: the other loop's
  // must have done so before the flush, or it would load them again after.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (StatValue(SyncStats(b()), "redis_connected") != "2" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(StatValue(SyncStats(b()), "redis_connected"), "2");
  server_->Command({"SCRIPT", "FLUSH"});
  EXPECT_EQ(SyncStore(b(), client_, StoreMode::kAppend, "k", "2").outcome, StoreOutcome::kStored);
  EXPECT_EQ(Value("k"), "12");
  EXPECT_EQ(SyncStore(b(), client_, StoreMode::kAppend, "k", "3").outcome, StoreOutcome::kStored);
  const StatsResult stats = SyncStats(b());
  EXPECT_EQ(StatValue(stats, "redis_noscript_retries"), "1");
}

TEST_F(MemcachedModeTest, OtherTypesAnswerTheRedisErrorAndStayIntact) {
  server_->Command({"RPUSH", "mg:list", "x"});
  const GetResult got = SyncGet(b(), client_, {"list"});
  EXPECT_EQ(got.outcome, GetOutcome::kError);
  EXPECT_TRUE(absl::StartsWith(got.error.message, "WRONGTYPE")) << got.error.message;
  EXPECT_FALSE(got.error.close_connection);
  const StoreResult stored = Set("list", "v");
  EXPECT_EQ(stored.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(stored.error.message, "WRONGTYPE")) << stored.error.message;
  EXPECT_EQ(server_->Text({"LRANGE", "mg:list", "0", "-1"}), "[x]");
}

TEST_F(MemcachedModeTest, MetaGetStepsActInOrder) {
  ASSERT_EQ(Set("m", "v", 7, 100).outcome, StoreOutcome::kStored);
  MetaGetFields before;
  before.steps.Add('t');
  before.steps.Add('T');
  before.ttl = 50;
  GetResult got = SyncMetaGet(b(), client_, "m", before);
  ASSERT_EQ(got.hits.size(), 1u);
  EXPECT_EQ(got.meta.ttl, 100);
  EXPECT_EQ(got.hits[0].flags, 7u);
  EXPECT_EQ(got.hits[0].cas, CasOf("m"));
  EXPECT_EQ(RedisTtl("m"), 50);
  MetaGetFields after;
  after.steps.Add('T');
  after.steps.Add('t');
  after.ttl = 30;
  EXPECT_EQ(SyncMetaGet(b(), client_, "m", after).meta.ttl, 30);
  MetaGetFields plain;
  plain.steps.Add('t');
  Set("n", "v");
  EXPECT_EQ(SyncMetaGet(b(), client_, "n", plain).meta.ttl, -1);
  EXPECT_TRUE(SyncMetaGet(b(), client_, "none", plain).hits.empty());
}

TEST_F(MemcachedModeTest, MetaGetVivifiesOnce) {
  MetaGetFields vivify;
  vivify.vivify = true;
  vivify.vivify_ttl = 30;
  vivify.key_binary = true;
  vivify.steps.Add('N');
  vivify.steps.Add('t');
  const GetResult first = SyncMetaGet(b(), client_, "w", vivify);
  ASSERT_EQ(first.hits.size(), 1u);
  EXPECT_TRUE(first.meta.won);
  EXPECT_EQ(first.hits[0].value, "");
  EXPECT_EQ(first.meta.ttl, 30);
  EXPECT_TRUE(first.meta.key_binary);
  const GetResult second = SyncMetaGet(b(), client_, "w", vivify);
  ASSERT_EQ(second.hits.size(), 1u);
  EXPECT_FALSE(second.meta.won);
  EXPECT_EQ(second.hits[0].cas, first.hits[0].cas);
}

TEST_F(MemcachedModeTest, MetaStoreKeepsBinaryKeyAndComparesAppendCas) {
  StoreRequest add{.mode = StoreMode::kAdd, .key = "s", .value = "a", .flags = 3};
  add.key_binary = true;
  EXPECT_EQ(SyncStore(b(), client_, add).outcome, StoreOutcome::kStored);
  EXPECT_EQ(SyncStore(b(), client_, add).outcome, StoreOutcome::kNotStored);
  const GetResult got = SyncMetaGet(b(), client_, "s", MetaGetFields{});
  ASSERT_EQ(got.hits.size(), 1u);
  EXPECT_TRUE(got.meta.key_binary);
  EXPECT_EQ(got.hits[0].flags, 3u);
  StoreRequest append{.mode = StoreMode::kAppend, .key = "s", .value = "x"};
  append.cas = got.hits[0].cas + 1000;
  EXPECT_EQ(SyncStore(b(), client_, append).outcome, StoreOutcome::kExists);
  append.cas = got.hits[0].cas;
  EXPECT_EQ(SyncStore(b(), client_, append).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Value("s"), "ax");
}

TEST_F(MemcachedModeTest, MetaDeleteComparesCas) {
  DeleteRequest del{.key = "d"};
  del.compare_cas = 5;
  EXPECT_EQ(SyncDelete(b(), client_, del).outcome, DeleteOutcome::kNotFound);
  Set("d", "v");
  const uint64_t cas = CasOf("d");
  del.compare_cas = cas + 1000;
  EXPECT_EQ(SyncDelete(b(), client_, del).outcome, DeleteOutcome::kExists);
  EXPECT_EQ(Value("d"), "v");
  del.compare_cas = cas;
  EXPECT_EQ(SyncDelete(b(), client_, del).outcome, DeleteOutcome::kDeleted);
  EXPECT_EQ(Value("d"), std::nullopt);
}

TEST_F(MemcachedModeTest, MetaArithVivifiesAndComparesCas) {
  ArithRequest incr{.key = "a"};
  EXPECT_EQ(SyncArith(b(), client_, incr).outcome, ArithOutcome::kNotFound);
  incr.vivify = true;
  incr.initial = 10;
  incr.vivify_ttl = 100;
  incr.steps.Add('N');
  incr.steps.Add('t');
  const ArithResult created = SyncArith(b(), client_, incr);
  ASSERT_EQ(created.outcome, ArithOutcome::kOk) << created.error.message;
  EXPECT_EQ(created.value, 10u);
  EXPECT_EQ(created.ttl, 100);
  EXPECT_EQ(created.cas, CasOf("a"));
  const ArithResult next = SyncArith(b(), client_, incr);
  EXPECT_EQ(next.value, 11u);
  EXPECT_EQ(next.ttl, 100);
  ArithRequest decr{.op = ArithOp::kDecr, .key = "a", .delta = 100};
  decr.compare_cas = next.cas + 1000;
  EXPECT_EQ(SyncArith(b(), client_, decr).outcome, ArithOutcome::kExists);
  decr.compare_cas = next.cas;
  decr.ttl = 500;
  decr.steps.Add('T');
  EXPECT_EQ(SyncArith(b(), client_, decr).value, 0u);
  EXPECT_EQ(RedisTtl("a"), 500);
  Set("text", "abc");
  EXPECT_EQ(SyncArith(b(), client_, ArithRequest{.key = "text"}).outcome,
            ArithOutcome::kNonNumeric);
}

TEST_F(MemcachedModeTest, StatsNameTheConnections) {
  Set("k", "v");
  const StatsResult stats = SyncStats(b());
  EXPECT_EQ(StatValue(stats, "redis_mode"), "memcached");
  EXPECT_EQ(StatValue(stats, "redis_connections"), "2");
  EXPECT_EQ(StatValue(stats, "redis_reachable"), "1");
  EXPECT_TRUE(b().capabilities().meta_commands);
  EXPECT_TRUE(b().capabilities().in_order);
  EXPECT_FALSE(b().capabilities().recache_state);
}

class MemcachedModeDbFlushTest : public MemcachedModeTest {
 protected:
  RedisOptions Options() override {
    RedisOptions options = OptionsFor(server_->url());
    options.flush = DefaultFlushPolicy(RedisMode::kMemcached, "");
    return options;
  }
};

TEST_F(MemcachedModeDbFlushTest, FlushDbEmptiesTheDatabase) {
  EXPECT_EQ(Set("a", "1").outcome, StoreOutcome::kStored);
  server_->Command({"SET", "foreign", "goes"});
  EXPECT_EQ(SyncFlushAll(b(), client_).outcome, FlushOutcome::kOk);
  // FLUSHDB ASYNC frees memory in the background; the keys are gone at once.
  EXPECT_EQ(server_->Text({"DBSIZE"}), "0");
}

class MemcachedModeFlushOffTest : public MemcachedModeTest {
 protected:
  RedisOptions Options() override {
    RedisOptions options = MemcachedModeTest::Options();
    options.flush = FlushPolicy::kOff;
    return options;
  }
};

TEST_F(MemcachedModeFlushOffTest, FlushIsRefused) {
  Set("a", "1");
  const FlushResult result = SyncFlushAll(b(), client_);
  EXPECT_EQ(result.outcome, FlushOutcome::kRefused);
  EXPECT_EQ(Value("a"), "1");
}

}  // namespace
}  // namespace memgate::backends::redis
