// GrpcBackend (the full contract) against the example Python service, run as
// a child process: the probe finds the full contract, every operation has
// memcached's outcomes with flags, expiry and cas kept by the service, and
// two channels (two memgates) agree on them.
#include "backends/grpc/grpc_backend.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_contract_probe.h"
#include "gtest/gtest.h"
#include "tests/backends/grpc/service_process.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends {
namespace {

using testing::ServiceProcess;
using testing::SyncArith;
using testing::SyncClientOpened;
using testing::SyncDelete;
using testing::SyncFlushAll;
using testing::SyncGet;
using testing::SyncGetAndTouch;
using testing::SyncStats;
using testing::SyncStore;
using testing::SyncTouch;
using testing::SyncValue;

std::shared_ptr<GrpcChannel> Connect(const std::string& target) {
  GrpcBackendOptions options;
  options.target = target;
  absl::StatusOr<std::shared_ptr<GrpcChannel>> channel = GrpcChannel::Create(options);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return *channel;
}

// One Python service for the whole suite: it starts in about a second.
class GrpcBackendPythonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new ServiceProcess(
        {MEMGATE_TEST_PYTHON, MEMGATE_PYTHON_BACKEND, "--listen", "127.0.0.1:{port}"});
    ASSERT_TRUE(service_->Start()) << "dict_backend.py did not start";
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(service_, nullptr);
    ASSERT_TRUE(service_->running());
    backend_ = std::make_unique<GrpcBackend>(Connect(service_->target()));
    // Each test its own keys: the service outlives the tests.
    prefix_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  std::string Key(const std::string& name) const { return prefix_ + ":" + name; }

  Hit OnlyHit(const GetResult& result) {
    EXPECT_EQ(result.outcome, GetOutcome::kOk) << result.error.message;
    EXPECT_EQ(result.hits.size(), 1u);
    return result.hits.empty() ? Hit{} : result.hits.front();
  }

  static ServiceProcess* service_;
  std::unique_ptr<GrpcBackend> backend_;
  std::string prefix_;
  ClientContext client_{11, "[::1]:5000", "public"};
};

ServiceProcess* GrpcBackendPythonTest::service_ = nullptr;

TEST_F(GrpcBackendPythonTest, ProbeFindsTheFullContract) {
  absl::StatusOr<ServiceContract> contract =
      ProbeServiceContractBlocking(Connect(service_->target()));
  ASSERT_TRUE(contract.ok()) << contract.status();
  EXPECT_TRUE(contract->full());
}

TEST_F(GrpcBackendPythonTest, SetGetKeepsFlagsAndCas) {
  const std::string key = Key("k");
  const StoreResult stored = SyncStore(*backend_, client_, StoreMode::kSet, key, "value", 42);
  ASSERT_EQ(stored.outcome, StoreOutcome::kStored) << stored.error.message;
  EXPECT_NE(stored.cas, 0u);
  const GetResult result = SyncGet(*backend_, client_, {key});
  const Hit hit = OnlyHit(result);
  EXPECT_EQ(hit.key, key);
  EXPECT_EQ(hit.value, "value");
  EXPECT_EQ(hit.flags, 42u);
  EXPECT_EQ(hit.cas, stored.cas);
}

TEST_F(GrpcBackendPythonTest, MultiGetKeepsOrderAndSkipsMisses) {
  SyncStore(*backend_, client_, StoreMode::kSet, Key("a"), "1", 1);
  SyncStore(*backend_, client_, StoreMode::kSet, Key("b"), "2", 2);
  const std::vector<std::string> keys = {Key("b"), Key("none"), Key("a"), Key("b")};
  const GetResult result =
      SyncGet(*backend_, client_, std::vector<std::string_view>(keys.begin(), keys.end()));
  ASSERT_EQ(result.outcome, GetOutcome::kOk);
  std::vector<std::string> seen;
  for (const Hit& hit : result.hits) seen.push_back(std::string(hit.value));
  EXPECT_EQ(seen, (std::vector<std::string>{"2", "1", "2"}));
  EXPECT_EQ(result.hits[1].key, Key("a"));
}

TEST_F(GrpcBackendPythonTest, AddReplaceAppendPrepend) {
  const std::string key = Key("k");
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kReplace, key, "x").outcome,
            StoreOutcome::kNotStored);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kAppend, key, "x").outcome,
            StoreOutcome::kNotStored);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kAdd, key, "mid", 5).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kAdd, key, "again").outcome,
            StoreOutcome::kNotStored);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kAppend, key, "-end", 77).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kPrepend, key, "start-", 88).outcome,
            StoreOutcome::kStored);
  const GetResult result = SyncGet(*backend_, client_, {key});
  const Hit hit = OnlyHit(result);
  EXPECT_EQ(hit.value, "start-mid-end");
  EXPECT_EQ(hit.flags, 5u);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kReplace, key, "new", 9).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(OnlyHit(SyncGet(*backend_, client_, {key})).flags, 9u);
}

TEST_F(GrpcBackendPythonTest, CasComparesAndSwaps) {
  const std::string key = Key("k");
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kCas, key, "v", 0, 0, 99).outcome,
            StoreOutcome::kNotFound);
  const uint64_t cas = SyncStore(*backend_, client_, StoreMode::kSet, key, "one").cas;
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kCas, key, "bad", 0, 0, cas + 1).outcome,
            StoreOutcome::kExists);
  const StoreResult swapped = SyncStore(*backend_, client_, StoreMode::kCas, key, "two", 3, 0, cas);
  EXPECT_EQ(swapped.outcome, StoreOutcome::kStored);
  EXPECT_NE(swapped.cas, cas);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kCas, key, "three", 0, 0, cas).outcome,
            StoreOutcome::kExists);
  EXPECT_EQ(SyncValue(*backend_, client_, key), "two");
}

TEST_F(GrpcBackendPythonTest, IncrDecrKeepFlagsAndBumpCas) {
  const std::string key = Key("n");
  EXPECT_EQ(SyncArith(*backend_, client_, ArithOp::kIncr, key, 1).outcome, ArithOutcome::kNotFound);
  const uint64_t cas = SyncStore(*backend_, client_, StoreMode::kSet, key, "10", 6).cas;
  const ArithResult incr = SyncArith(*backend_, client_, ArithOp::kIncr, key, 5);
  EXPECT_EQ(incr.outcome, ArithOutcome::kOk);
  EXPECT_EQ(incr.value, 15u);
  EXPECT_NE(incr.cas, cas);
  EXPECT_EQ(SyncArith(*backend_, client_, ArithOp::kDecr, key, 100).value, 0u);
  const Hit hit = OnlyHit(SyncGet(*backend_, client_, {key}));
  EXPECT_EQ(hit.flags, 6u);
  EXPECT_EQ(std::string(hit.value), "0 ");
  SyncStore(*backend_, client_, StoreMode::kSet, key, "abc");
  EXPECT_EQ(SyncArith(*backend_, client_, ArithOp::kIncr, key, 1).outcome,
            ArithOutcome::kNonNumeric);
  SyncStore(*backend_, client_, StoreMode::kSet, key, "18446744073709551615");
  EXPECT_EQ(SyncArith(*backend_, client_, ArithOp::kIncr, key, 2).value, 1u);
}

TEST_F(GrpcBackendPythonTest, TouchAndExpiryAreTheServices) {
  const std::string key = Key("k");
  EXPECT_EQ(SyncTouch(*backend_, client_, key, 10).outcome, TouchOutcome::kNotFound);
  SyncStore(*backend_, client_, StoreMode::kSet, key, "v", 0, 100);
  EXPECT_EQ(SyncTouch(*backend_, client_, key, -1).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(SyncValue(*backend_, client_, key), std::nullopt);
  // A negative exptime stores an item that is already gone.
  SyncStore(*backend_, client_, StoreMode::kSet, key, "v", 0, -1);
  EXPECT_EQ(SyncValue(*backend_, client_, key), std::nullopt);
  // An absolute time in the past, likewise.
  SyncStore(*backend_, client_, StoreMode::kSet, key, "v", 0, absl::ToUnixSeconds(absl::Now()) - 5);
  EXPECT_EQ(SyncValue(*backend_, client_, key), std::nullopt);
}

TEST_F(GrpcBackendPythonTest, GetAndTouchReturnsTheItemWithItsNewExpiry) {
  const std::string key = Key("k");
  SyncStore(*backend_, client_, StoreMode::kSet, key, "v", 3);
  const Hit hit = OnlyHit(SyncGetAndTouch(*backend_, client_, {key}, -1));
  EXPECT_EQ(hit.value, "v");
  EXPECT_EQ(hit.flags, 3u);
  EXPECT_EQ(SyncValue(*backend_, client_, key), std::nullopt);
}

TEST_F(GrpcBackendPythonTest, DeleteAndClientOpened) {
  const std::string key = Key("k");
  EXPECT_EQ(SyncDelete(*backend_, client_, key).outcome, DeleteOutcome::kNotFound);
  SyncStore(*backend_, client_, StoreMode::kSet, key, "v");
  EXPECT_EQ(SyncDelete(*backend_, client_, key).outcome, DeleteOutcome::kDeleted);
  EXPECT_EQ(SyncClientOpened(*backend_, client_).outcome, OpenOutcome::kAccepted);
}

TEST_F(GrpcBackendPythonTest, TwoMemgatesAgreeOnFlagsAndCas) {
  GrpcBackend other(Connect(service_->target()));
  const std::string key = Key("shared");
  const StoreResult stored = SyncStore(*backend_, client_, StoreMode::kSet, key, "one", 1234);
  const Hit seen = OnlyHit(SyncGet(other, client_, {key}));
  EXPECT_EQ(seen.flags, 1234u);
  EXPECT_EQ(seen.cas, stored.cas);
  // A cas from one memgate is valid at the other, and only once.
  EXPECT_EQ(SyncStore(other, client_, StoreMode::kCas, key, "two", 5, 0, seen.cas).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(SyncStore(*backend_, client_, StoreMode::kCas, key, "three", 0, 0, stored.cas).outcome,
            StoreOutcome::kExists);
  const Hit now = OnlyHit(SyncGet(*backend_, client_, {key}));
  EXPECT_EQ(now.value, "two");
  EXPECT_EQ(now.flags, 5u);
}

TEST_F(GrpcBackendPythonTest, StatsReportTheChannel) {
  SyncStore(*backend_, client_, StoreMode::kSet, Key("k"), "v");
  const StatsResult stats = SyncStats(*backend_);
  EXPECT_EQ(testing::StatValue(stats, "grpc_contract"), "full");
  EXPECT_EQ(testing::StatValue(stats, "grpc_reachable"), "1");
  EXPECT_EQ(testing::StatValue(stats, "grpc_target"), service_->target());
}

TEST_F(GrpcBackendPythonTest, FlushAllNowAndDelayed) {
  SyncStore(*backend_, client_, StoreMode::kSet, Key("a"), "1");
  EXPECT_EQ(SyncFlushAll(*backend_, client_).outcome, FlushOutcome::kOk);
  EXPECT_EQ(SyncValue(*backend_, client_, Key("a")), std::nullopt);
  SyncStore(*backend_, client_, StoreMode::kSet, Key("b"), "2");
  EXPECT_EQ(SyncFlushAll(*backend_, client_, 1).outcome, FlushOutcome::kOk);
  EXPECT_EQ(SyncValue(*backend_, client_, Key("b")), "2");
  absl::SleepFor(absl::Milliseconds(2100));
  EXPECT_EQ(SyncValue(*backend_, client_, Key("b")), std::nullopt);
}

}  // namespace
}  // namespace memgate::backends
