// The Redis backend in raw mode: plain Redis strings that redis-cli and any
// other Redis client share with memgate, cas as a value digest, memcached's
// arithmetic, and keys of other types refused by name.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "backends/clock.h"
#include "backends/redis/redis_backend.h"
#include "backends/redis/value_digest.h"
#include "gtest/gtest.h"
#include "tests/backends/redis/backend_harness.h"
#include "tests/backends/redis/redis_server.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends::redis {
namespace {

using backends::testing::SyncArith;
using backends::testing::SyncDelete;
using backends::testing::SyncFlushAll;
using backends::testing::SyncGet;
using backends::testing::SyncGetAndTouch;
using backends::testing::SyncStore;
using backends::testing::SyncTouch;
using backends::testing::SyncValue;
using testing::AttachedBackend;
using testing::OptionsFor;
using testing::RedisServer;

class RawModeTest : public ::testing::Test {
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
    RedisOptions options = OptionsFor(server_->url());
    options.mode = RedisMode::kRaw;
    options.flush = DefaultFlushPolicy(RedisMode::kRaw, "");
    backend_ = std::make_unique<AttachedBackend>(options);
    ASSERT_TRUE(backend_->ok());
  }
  void TearDown() override { backend_.reset(); }

  Backend& b() { return **backend_; }
  StoreResult Store(StoreMode mode, std::string_view key, std::string_view value,
                    uint32_t flags = 0, int64_t exptime = 0, uint64_t cas = 0) {
    return SyncStore(b(), client_, mode, key, value, flags, exptime, cas);
  }
  std::optional<std::string> Value(std::string_view key) { return SyncValue(b(), client_, key); }
  int64_t Ttl(const std::string& key) {
    int64_t ttl = 0;
    EXPECT_TRUE(absl::SimpleAtoi(server_->Text({"TTL", key}), &ttl));
    return ttl;
  }

  static RedisServer* server_;
  std::unique_ptr<AttachedBackend> backend_;
  ClientContext client_{3, "127.0.0.1:40000", "test"};
};

RedisServer* RawModeTest::server_ = nullptr;

TEST_F(RawModeTest, RedisWritesReadThroughMemgateAndBack) {
  const std::string binary("x\0y\r\n", 5);
  server_->Command({"SET", "from-redis", binary});
  const GetResult got = SyncGet(b(), client_, {"from-redis", "absent"});
  ASSERT_EQ(got.hits.size(), 1u);
  EXPECT_EQ(got.hits[0].value, binary);
  EXPECT_EQ(got.hits[0].flags, 0u);
  EXPECT_EQ(got.hits[0].cas, ValueDigest(binary));

  const StoreResult stored = Store(StoreMode::kSet, "from-memgate", "hello", 99);
  EXPECT_EQ(stored.outcome, StoreOutcome::kStored) << stored.error.message;
  EXPECT_EQ(stored.cas, ValueDigest("hello"));
  EXPECT_EQ(server_->Text({"TYPE", "from-memgate"}), "string");
  EXPECT_EQ(server_->Text({"GET", "from-memgate"}), "hello");
  GetResult again = SyncGet(b(), client_, {"from-memgate"});
  ASSERT_EQ(again.hits.size(), 1u);
  EXPECT_EQ(again.hits[0].flags, 0u);  // flags are not kept in raw mode
  EXPECT_FALSE(b().capabilities().meta_commands);
  EXPECT_FALSE(b().capabilities().explicit_cas);  // a raw item's cas is its value's digest
}

TEST_F(RawModeTest, DigestMatchesWhatLuaComputes) {
  for (const std::string& value :
       {std::string(""), std::string("a"), std::string(1000, 'z'), std::string("\0\xff", 2)}) {
    server_->Command({"SET", "d", value});
    const std::string lua = server_->Text(
        {"EVAL", "return string.sub(redis.sha1hex(redis.call('GET', KEYS[1])), 1, 15)", "1", "d"});
    EXPECT_EQ(lua, DigestHex(ValueDigest(value)));
  }
}

TEST_F(RawModeTest, ExpiryUsesRedisTtl) {
  Store(StoreMode::kSet, "rel", "v", 0, 100);
  EXPECT_EQ(Ttl("rel"), 100);
  const int64_t now = SystemClock::Instance().Now();
  Store(StoreMode::kSet, "abs", "v", 0, now + 40 * 24 * 3600);
  EXPECT_NEAR(Ttl("abs"), 40 * 24 * 3600, 2);
  Store(StoreMode::kSet, "past", "v", 0, now - 40 * 24 * 3600);
  EXPECT_EQ(server_->Text({"EXISTS", "past"}), "0");
  server_->Command({"SET", "neg", "old"});
  EXPECT_EQ(Store(StoreMode::kSet, "neg", "new", 0, -1).outcome, StoreOutcome::kStored);
  EXPECT_EQ(server_->Text({"EXISTS", "neg"}), "0");
  EXPECT_EQ(SyncTouch(b(), client_, "rel", 0).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(Ttl("rel"), -1);
  EXPECT_EQ(SyncTouch(b(), client_, "nope", 10).outcome, TouchOutcome::kNotFound);
  const GetResult touched = SyncGetAndTouch(b(), client_, {"rel"}, 60);
  ASSERT_EQ(touched.hits.size(), 1u);
  EXPECT_EQ(Ttl("rel"), 60);
}

TEST_F(RawModeTest, CasIsTheValueDigestAndComparesAtomically) {
  server_->Command({"SET", "k", "one"});
  const uint64_t cas = SyncGet(b(), client_, {"k"}).hits.at(0).cas;
  EXPECT_EQ(Store(StoreMode::kCas, "k", "x", 0, 0, cas + 1).outcome, StoreOutcome::kExists);
  EXPECT_EQ(Store(StoreMode::kCas, "missing", "x", 0, 0, cas).outcome, StoreOutcome::kNotFound);
  // Another Redis client changes the value: the old cas no longer matches.
  server_->Command({"SET", "k", "changed"});
  EXPECT_EQ(Store(StoreMode::kCas, "k", "x", 0, 0, cas).outcome, StoreOutcome::kExists);
  const uint64_t now = SyncGet(b(), client_, {"k"}).hits.at(0).cas;
  const StoreResult swapped = Store(StoreMode::kCas, "k", "two", 0, 0, now);
  EXPECT_EQ(swapped.outcome, StoreOutcome::kStored);
  EXPECT_EQ(swapped.cas, ValueDigest("two"));
  EXPECT_EQ(server_->Text({"GET", "k"}), "two");
  DeleteRequest del{.key = "k"};
  del.compare_cas = now;
  EXPECT_EQ(SyncDelete(b(), client_, del).outcome, DeleteOutcome::kExists);
  del.compare_cas = swapped.cas;
  EXPECT_EQ(SyncDelete(b(), client_, del).outcome, DeleteOutcome::kDeleted);
}

TEST_F(RawModeTest, StoreModesKeepTtlWhereMemcachedDoes) {
  EXPECT_EQ(Store(StoreMode::kAdd, "k", "a").outcome, StoreOutcome::kStored);
  EXPECT_EQ(Store(StoreMode::kAdd, "k", "b").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(Store(StoreMode::kReplace, "none", "b").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(Store(StoreMode::kAppend, "none", "b").outcome, StoreOutcome::kNotStored);
  server_->Command({"SET", "k", "mid", "EX", "100"});
  EXPECT_EQ(Store(StoreMode::kAppend, "k", "-end").outcome, StoreOutcome::kStored);
  EXPECT_EQ(Store(StoreMode::kPrepend, "k", "start-").outcome, StoreOutcome::kStored);
  EXPECT_EQ(server_->Text({"GET", "k"}), "start-mid-end");
  EXPECT_NEAR(Ttl("k"), 100, 1);
  EXPECT_EQ(Store(StoreMode::kReplace, "k", "new").outcome, StoreOutcome::kStored);
  EXPECT_EQ(Ttl("k"), -1);
}

TEST_F(RawModeTest, ArithmeticIsMemcachedsAndStaysReadableForIncrBy) {
  server_->Command({"SET", "n", "41"});
  ArithResult r = SyncArith(b(), client_, ArithOp::kIncr, "n", 1);
  EXPECT_EQ(r.outcome, ArithOutcome::kOk) << r.error.message;
  EXPECT_EQ(r.value, 42u);
  EXPECT_EQ(r.cas, ValueDigest("42"));
  EXPECT_EQ(server_->Text({"INCRBY", "n", "8"}), "50");
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kDecr, "n", 100).value, 0u);
  EXPECT_EQ(server_->Text({"GET", "n"}), "0");
  server_->Command({"SET", "n", "18446744073709551615"});
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kIncr, "n", 1).value, 0u);
  server_->Command({"SET", "n", "abc"});
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kIncr, "n", 1).outcome, ArithOutcome::kNonNumeric);
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kIncr, "none", 1).outcome, ArithOutcome::kNotFound);
}

TEST_F(RawModeTest, OtherTypesAnswerWrongTypeAndAreNotOverwritten) {
  server_->Command({"HSET", "h", "f", "v"});
  const GetResult got = SyncGet(b(), client_, {"h"});
  EXPECT_EQ(got.outcome, GetOutcome::kError);
  EXPECT_TRUE(absl::StartsWith(got.error.message, "WRONGTYPE")) << got.error.message;
  for (StoreMode mode : {StoreMode::kSet, StoreMode::kAdd, StoreMode::kReplace, StoreMode::kAppend,
                         StoreMode::kCas}) {
    const StoreResult stored = Store(mode, "h", "v", 0, 0, 1);
    EXPECT_EQ(stored.outcome, StoreOutcome::kError);
    EXPECT_TRUE(absl::StrContains(stored.error.message, "WRONGTYPE")) << stored.error.message;
  }
  EXPECT_EQ(SyncDelete(b(), client_, "h").outcome, DeleteOutcome::kError);
  EXPECT_EQ(SyncArith(b(), client_, ArithOp::kIncr, "h", 1).outcome, ArithOutcome::kError);
  EXPECT_EQ(SyncTouch(b(), client_, "h", 5).outcome, TouchOutcome::kError);
  EXPECT_EQ(server_->Text({"HGET", "h", "f"}), "v");
  EXPECT_EQ(Ttl("h"), -1);
}

TEST_F(RawModeTest, DeleteAndFlushDefaultOff) {
  server_->Command({"SET", "k", "v"});
  EXPECT_EQ(SyncDelete(b(), client_, "k").outcome, DeleteOutcome::kDeleted);
  EXPECT_EQ(SyncDelete(b(), client_, "k").outcome, DeleteOutcome::kNotFound);
  server_->Command({"SET", "keep", "v"});
  const FlushResult flushed = SyncFlushAll(b(), client_);
  EXPECT_EQ(flushed.outcome, FlushOutcome::kRefused);
  EXPECT_EQ(Value("keep"), "v");
}

}  // namespace
}  // namespace memgate::backends::redis
