// One suite, every backend: each Backend operation's outcomes must match
// memcached's. A backend joins by adding a factory struct below and listing
// it in BackendTypes.
//
// A factory has:
//   static constexpr const char* kName;
//   static constexpr bool kInjectedClock;  // obeys the Clock it is given
//   std::unique_ptr<Backend> Create(const Clock* clock);
// Tests that move time forward are skipped for backends that keep their own
// clock (for instance a real Redis server), and meta-command tests for
// backends whose capabilities() say they do not keep meta state.
//
// The gRPC backend joins twice, each test against a fresh example service
// run as a child process: the SQLite service (plain contract) under the
// metadata layer, and the Python service (full contract) with no side table.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "backends/backend.h"
#include "backends/clock.h"
#ifndef MEMGATE_CONFORMANCE_REDIS_CLUSTER
#include "backends/grpc/grpc_backend.h"
#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_store.h"
#endif
#include "backends/memory/memory_backend.h"
#include "backends/metadata_layer.h"
#include "backends/redis/cluster_url.h"
#include "backends/redis/redis_backend.h"
#include "backends/simple_memory/simple_memory_store.h"
#include "gtest/gtest.h"
#include "tests/backends/redis/backend_harness.h"
#include "tests/backends/redis/redis_cluster.h"
#include "tests/backends/redis/redis_server.h"
#include "tests/doubles/delayed_backend.h"
#include "tests/doubles/delayed_simple_store.h"
#include "tests/doubles/sync_calls.h"
#ifndef MEMGATE_CONFORMANCE_REDIS_CLUSTER
#include "tests/backends/grpc/service_process.h"
#endif

namespace memgate::backends {
namespace {

using testing::DelayedBackend;
using testing::DelayedSimpleStore;
using testing::DelayOptions;
using testing::SyncArith;
using testing::SyncClientOpened;
using testing::SyncDelete;
using testing::SyncFlushAll;
using testing::SyncGet;
using testing::SyncGetAndTouch;
using testing::SyncMetaGet;
using testing::SyncStore;
using testing::SyncTouch;
using testing::SyncValue;

MemoryBackendOptions MemoryOptions(const Clock* clock) {
  MemoryBackendOptions options;
  options.clock = clock;
  options.shard_count = 8;
  options.sweep_interval = absl::ZeroDuration();
  return options;
}

struct MemoryFactory {
  static constexpr const char* kName = "Memory";
  static constexpr bool kInjectedClock = true;
  std::unique_ptr<Backend> Create(const Clock* clock) {
    return std::make_unique<MemoryBackend>(MemoryOptions(clock));
  }
};

struct DelayedMemoryFactory {
  static constexpr const char* kName = "DelayedMemory";
  static constexpr bool kInjectedClock = true;
  std::unique_ptr<Backend> Create(const Clock* clock) {
    DelayOptions delay;
    delay.max_delay = absl::Microseconds(200);
    return std::make_unique<DelayedBackend>(std::make_unique<MemoryBackend>(MemoryOptions(clock)),
                                            delay);
  }
};

struct MetadataOverMapFactory {
  static constexpr const char* kName = "MetadataOverMap";
  static constexpr bool kInjectedClock = true;
  std::unique_ptr<Backend> Create(const Clock* clock) {
    MetadataLayerOptions options;
    options.clock = clock;
    return std::make_unique<MetadataLayer>(std::make_unique<SimpleMemoryStore>(), options);
  }
};

struct MetadataOverDelayedStoreFactory {
  static constexpr const char* kName = "MetadataOverDelayedStore";
  static constexpr bool kInjectedClock = true;
  std::unique_ptr<Backend> Create(const Clock* clock) {
    MetadataLayerOptions options;
    options.clock = clock;
    DelayOptions delay;
    delay.max_delay = absl::Microseconds(200);
    return std::make_unique<MetadataLayer>(
        std::make_unique<DelayedSimpleStore>(std::make_unique<SimpleMemoryStore>(), delay),
        options);
  }
};

// One redis-server for the whole run (memcached mode keeps its own clock:
// Redis's); each test starts from an empty database.
redis::testing::RedisServer& SharedRedis() {
  static redis::testing::RedisServer* server = [] {
    auto* started = new redis::testing::RedisServer();
    const absl::Status status = started->Start();
    EXPECT_TRUE(status.ok()) << status;
    return started;
  }();
  return *server;
}

// Stops the shared redis-server when the test binary exits normally (a
// crash kills it through its parent-death signal).
struct SharedRedisStop {
  ~SharedRedisStop() { SharedRedis().Stop(); }
};

struct RedisFactory {
  static constexpr const char* kName = "Redis";
  static constexpr bool kInjectedClock = false;
  std::unique_ptr<Backend> Create(const Clock*) {
    static SharedRedisStop stop_at_exit;
    redis::testing::RedisServer& server = SharedRedis();
    server.Command({"FLUSHALL"});
    redis::RedisOptions options = redis::testing::OptionsFor(server.url());
    options.prefix = "conformance:";
    options.flush = redis::FlushPolicy::kPrefix;
    absl::StatusOr<std::unique_ptr<redis::RedisBackend>> backend =
        redis::RedisBackend::Create(options);
    EXPECT_TRUE(backend.ok()) << backend.status();
    if (!backend.ok()) return nullptr;
    (*backend)->AttachLoops(loops_.pointers());
    return *std::move(backend);
  }
  // Outlives the backend: the fixture destroys its backend first.
  redis::testing::LoopThreads loops_{2};
};

#ifndef MEMGATE_CONFORMANCE_REDIS_CLUSTER
// The channel to a service the factory has just started, or nullptr (and a
// test failure) when it did not start.
std::shared_ptr<GrpcChannel> StartAndConnect(testing::ServiceProcess& service) {
  if (!service.Start()) {
    ADD_FAILURE() << "the backend service did not start";
    return nullptr;
  }
  GrpcBackendOptions options;
  options.target = service.target();
  absl::StatusOr<std::shared_ptr<GrpcChannel>> channel = GrpcChannel::Create(options);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? *channel : nullptr;
}

// A fresh, empty database file (SQLite reads an empty file as an empty
// database).
std::string NewDatabasePath() {
  char path[] = "/tmp/memgate-conformance-XXXXXX";
  close(mkstemp(path));
  return path;
}

struct GrpcSqliteFactory {
  static constexpr const char* kName = "GrpcSqliteUnderMetadata";
  static constexpr bool kInjectedClock = true;  // the layer keeps expiry
  ~GrpcSqliteFactory() {
    service.Stop();
    std::filesystem::remove(db);
  }
  std::unique_ptr<Backend> Create(const Clock* clock) {
    MetadataLayerOptions options;
    options.clock = clock;
    return std::make_unique<MetadataLayer>(std::make_unique<GrpcStore>(StartAndConnect(service)),
                                           options);
  }
  std::string db = NewDatabasePath();
  testing::ServiceProcess service{
      {MEMGATE_SQLITE_BACKEND, "--listen", "127.0.0.1:{port}", "--db", db, "--allow-flush"}};
};

struct GrpcPythonFactory {
  static constexpr const char* kName = "GrpcPythonFull";
  static constexpr bool kInjectedClock = false;  // the service keeps expiry
  std::unique_ptr<Backend> Create(const Clock*) {
    return std::make_unique<GrpcBackend>(StartAndConnect(service));
  }
  testing::ServiceProcess service{
      {MEMGATE_TEST_PYTHON, MEMGATE_PYTHON_BACKEND, "--listen", "127.0.0.1:{port}"}};
};
#endif

#ifdef MEMGATE_CONFORMANCE_REDIS_CLUSTER
// One Redis Cluster for the whole run; each test starts from empty masters.
redis::testing::RedisCluster& SharedCluster() {
  static redis::testing::RedisCluster* cluster = [] {
    auto* started = new redis::testing::RedisCluster({"--cluster-require-full-coverage", "no"});
    const absl::Status status = started->Start();
    EXPECT_TRUE(status.ok()) << status;
    return started;
  }();
  return *cluster;
}

// Stops the cluster's servers when the test binary exits normally.
struct SharedClusterStop {
  ~SharedClusterStop() { delete &SharedCluster(); }
};

struct RedisClusterFactory {
  static constexpr const char* kName = "RedisCluster";
  static constexpr bool kInjectedClock = false;
  std::unique_ptr<Backend> Create(const Clock*) {
    static SharedClusterStop stop_at_exit;
    redis::testing::RedisCluster& cluster = SharedCluster();
    cluster.FlushAll();
    absl::StatusOr<std::vector<redis::RedisEndpoint>> seeds = redis::ParseClusterUrl(cluster.url());
    EXPECT_TRUE(seeds.ok()) << seeds.status();
    if (!seeds.ok()) return nullptr;
    redis::RedisOptions options;
    options.cluster_seeds = *seeds;
    options.endpoint = seeds->front();
    options.prefix = "conformance:";
    options.flush = redis::FlushPolicy::kPrefix;
    absl::StatusOr<std::unique_ptr<redis::RedisBackend>> backend =
        redis::RedisBackend::Create(options);
    EXPECT_TRUE(backend.ok()) << backend.status();
    if (!backend.ok()) return nullptr;
    (*backend)->AttachLoops(loops_.pointers());
    return *std::move(backend);
  }
  redis::testing::LoopThreads loops_{2};
};
#endif

// An mg answer as the meta tests read it.
struct MetaAnswer {
  enum Outcome { kOk, kNotFound };
  Outcome outcome = kNotFound;
  Hit hit;
  int64_t ttl = -1;
  bool fetched_before = false;
  bool won = false;
  bool stale = false;
  bool token_sent = false;
  bool key_binary = false;
  GetResult holder;  // keeps hit's bytes
};
template <typename Factory>
class BackendConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = factory_.Create(&clock_);
    ASSERT_EQ(SyncClientOpened(*backend_, client_).outcome, OpenOutcome::kAccepted);
  }
  void TearDown() override { backend_->ClientClosed(client_); }

  // Tests that move the clock skip themselves for a backend that keeps its
  // own (GTEST_SKIP leaves only the function it is in, so not in a helper).
  bool KeepsOwnClock() const { return !Factory::kInjectedClock; }
  // The server refuses what a backend's capabilities leave out, so the
  // backend is not asked for it either.
  bool Can(bool Capabilities::*capability) { return backend_->capabilities().*capability; }
  bool HasMeta() const { return backend_->capabilities().meta_commands; }

  StoreResult Store(StoreMode mode, std::string_view key, std::string_view value,
                    uint32_t flags = 0, int64_t exptime = 0, uint64_t cas = 0) {
    return SyncStore(*backend_, client_, mode, key, value, flags, exptime, cas);
  }
  StoreResult Set(std::string_view key, std::string_view value, uint32_t flags = 0,
                  int64_t exptime = 0) {
    return Store(StoreMode::kSet, key, value, flags, exptime);
  }
  std::optional<std::string> Value(std::string_view key) {
    return SyncValue(*backend_, client_, key);
  }
  // The one hit for `key`; fails the test when there is none.
  Hit MustGet(std::string_view key, GetResult& holder) {
    holder = SyncGet(*backend_, client_, {key});
    EXPECT_EQ(holder.outcome, GetOutcome::kOk);
    EXPECT_EQ(holder.hits.size(), 1u) << key;
    if (holder.hits.empty()) return Hit{};
    return holder.hits.front();
  }
  MetaAnswer MetaGet(std::string_view key, const MetaGetFields& fields) {
    MetaAnswer answer;
    answer.holder = SyncMetaGet(*backend_, client_, key, fields);
    EXPECT_EQ(answer.holder.outcome, GetOutcome::kOk);
    EXPECT_LE(answer.holder.hits.size(), 1u);
    if (answer.holder.hits.empty()) return answer;
    const MetaItemReport& item = answer.holder.meta;
    answer.outcome = MetaAnswer::kOk;
    answer.hit = answer.holder.hits.front();
    answer.ttl = item.ttl;
    answer.fetched_before = item.fetched_before;
    answer.won = item.won;
    answer.stale = item.stale;
    answer.token_sent = item.token_sent;
    answer.key_binary = item.key_binary;
    return answer;
  }
  StoreResult MetaStore(std::string_view key, StoreRequest request, std::string_view value) {
    request.key = key;
    request.value = value;
    return SyncStore(*backend_, client_, request);
  }
  DeleteResult MetaDelete(std::string_view key, DeleteRequest request) {
    request.key = key;
    return SyncDelete(*backend_, client_, request);
  }
  ArithResult MetaArith(std::string_view key, ArithRequest request) {
    request.key = key;
    return SyncArith(*backend_, client_, request);
  }
  uint64_t CasOf(std::string_view key) {
    GetResult holder;
    return MustGet(key, holder).cas;
  }

  Factory factory_;
  FakeClock clock_;
  ClientContext client_{7, "127.0.0.1:40000", "test"};
  std::unique_ptr<Backend> backend_;
};

struct FactoryNames {
  template <typename Factory>
  static std::string GetName(int) {
    return Factory::kName;
  }
};

#ifdef MEMGATE_CONFORMANCE_REDIS_CLUSTER
// The same suite again, built on its own (cluster_conformance_test), on a
// real Redis Cluster.
using BackendTypes = ::testing::Types<RedisClusterFactory>;
#else
using BackendTypes = ::testing::Types<MemoryFactory, DelayedMemoryFactory, MetadataOverMapFactory,
                                      MetadataOverDelayedStoreFactory, RedisFactory,
                                      GrpcSqliteFactory, GrpcPythonFactory>;
#endif
TYPED_TEST_SUITE(BackendConformanceTest, BackendTypes, FactoryNames);

TYPED_TEST(BackendConformanceTest, SetThenGetReturnsValueAndFlags) {
  const StoreResult stored = this->Set("key", "value", 42);
  EXPECT_EQ(stored.outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = this->MustGet("key", holder);
  EXPECT_EQ(hit.key, "key");
  EXPECT_EQ(hit.value, "value");
  EXPECT_EQ(hit.flags, 42u);
  EXPECT_NE(hit.cas, 0u);
  if (stored.cas != 0) {
    EXPECT_EQ(stored.cas, hit.cas);
  }
}

TYPED_TEST(BackendConformanceTest, SetOverwritesAndKeepsNoOldFlags) {
  this->Set("key", "one", 1);
  EXPECT_EQ(this->Set("key", "two", 2).outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = this->MustGet("key", holder);
  EXPECT_EQ(hit.value, "two");
  EXPECT_EQ(hit.flags, 2u);
}

TYPED_TEST(BackendConformanceTest, BinaryAndEmptyValuesRoundTrip) {
  const std::string binary("a\0b\r\nc\xff", 7);
  EXPECT_EQ(this->Set("bin", binary).outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Value("bin"), binary);
  EXPECT_EQ(this->Set("empty", "").outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Value("empty"), "");
}

TYPED_TEST(BackendConformanceTest, GetMissingKeyFindsNothing) {
  const GetResult result = SyncGet(*this->backend_, this->client_, {"missing"});
  EXPECT_EQ(result.outcome, GetOutcome::kOk);
  EXPECT_TRUE(result.hits.empty());
}

TYPED_TEST(BackendConformanceTest, MultiGetKeepsRequestOrderAndSkipsMisses) {
  this->Set("a", "1", 1);
  this->Set("b", "2", 2);
  this->Set("c", "3", 3);
  const GetResult result = SyncGet(*this->backend_, this->client_, {"c", "nope", "a", "b", "a"});
  ASSERT_EQ(result.outcome, GetOutcome::kOk);
  std::vector<std::string> seen;
  for (const Hit& hit : result.hits) {
    seen.push_back(std::string(hit.key) + "=" + std::string(hit.value) + "/" +
                   std::to_string(hit.flags));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"c=3/3", "a=1/1", "b=2/2", "a=1/1"}));
}

TYPED_TEST(BackendConformanceTest, AddStoresOnlyWhenMissing) {
  EXPECT_EQ(this->Store(StoreMode::kAdd, "k", "first").outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Store(StoreMode::kAdd, "k", "second").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(this->Value("k"), "first");
}

TYPED_TEST(BackendConformanceTest, ReplaceStoresOnlyWhenPresent) {
  EXPECT_EQ(this->Store(StoreMode::kReplace, "k", "v").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  this->Set("k", "old", 1);
  EXPECT_EQ(this->Store(StoreMode::kReplace, "k", "new", 9).outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = this->MustGet("k", holder);
  EXPECT_EQ(hit.value, "new");
  EXPECT_EQ(hit.flags, 9u);
}

TYPED_TEST(BackendConformanceTest, AppendAndPrependKeepFlags) {
  EXPECT_EQ(this->Store(StoreMode::kAppend, "k", "x").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(this->Store(StoreMode::kPrepend, "k", "x").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  this->Set("k", "mid", 5);
  EXPECT_EQ(this->Store(StoreMode::kAppend, "k", "-end", 77).outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Store(StoreMode::kPrepend, "k", "start-", 88).outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = this->MustGet("k", holder);
  EXPECT_EQ(hit.value, "start-mid-end");
  EXPECT_EQ(hit.flags, 5u);
}

TYPED_TEST(BackendConformanceTest, CasComparesAndSwaps) {
  EXPECT_EQ(this->Store(StoreMode::kCas, "k", "v", 0, 0, 12345).outcome, StoreOutcome::kNotFound);
  this->Set("k", "one");
  const uint64_t cas = this->CasOf("k");
  EXPECT_EQ(this->Store(StoreMode::kCas, "k", "bad", 0, 0, cas + 1000).outcome,
            StoreOutcome::kExists);
  EXPECT_EQ(this->Value("k"), "one");
  const StoreResult swapped = this->Store(StoreMode::kCas, "k", "two", 3, 0, cas);
  EXPECT_EQ(swapped.outcome, StoreOutcome::kStored);
  GetResult holder;
  const Hit hit = this->MustGet("k", holder);
  EXPECT_EQ(hit.value, "two");
  EXPECT_EQ(hit.flags, 3u);
  EXPECT_NE(hit.cas, cas);
  // The old cas is stale now.
  EXPECT_EQ(this->Store(StoreMode::kCas, "k", "three", 0, 0, cas).outcome, StoreOutcome::kExists);
  EXPECT_EQ(this->Value("k"), "two");
}

TYPED_TEST(BackendConformanceTest, CasChangesOnEveryModification) {
  std::set<uint64_t> seen;
  auto record = [&] {
    const uint64_t cas = this->CasOf("k");
    EXPECT_TRUE(seen.insert(cas).second) << "cas repeated: " << cas;
  };
  this->Set("k", "1");
  record();
  this->Set("k", "1");
  record();
  this->Store(StoreMode::kReplace, "k", "2");
  record();
  this->Store(StoreMode::kAppend, "k", "0");
  record();
  this->Store(StoreMode::kPrepend, "k", "1");
  record();
  SyncArith(*this->backend_, this->client_, ArithOp::kIncr, "k", 1);
  record();
  SyncArith(*this->backend_, this->client_, ArithOp::kDecr, "k", 1);
  record();
  // Another key's cas differs too.
  this->Set("other", "x");
  EXPECT_FALSE(seen.contains(this->CasOf("other")));
}

TYPED_TEST(BackendConformanceTest, TouchDoesNotChangeCas) {
  this->Set("k", "v");
  const uint64_t cas = this->CasOf("k");
  EXPECT_EQ(SyncTouch(*this->backend_, this->client_, "k", 100).outcome, TouchOutcome::kTouched);
  EXPECT_EQ(this->CasOf("k"), cas);
}

TYPED_TEST(BackendConformanceTest, DeleteRemovesOnce) {
  EXPECT_EQ(SyncDelete(*this->backend_, this->client_, "k").outcome, DeleteOutcome::kNotFound);
  this->Set("k", "v");
  EXPECT_EQ(SyncDelete(*this->backend_, this->client_, "k").outcome, DeleteOutcome::kDeleted);
  EXPECT_EQ(SyncDelete(*this->backend_, this->client_, "k").outcome, DeleteOutcome::kNotFound);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  EXPECT_EQ(this->Store(StoreMode::kAdd, "k", "again").outcome, StoreOutcome::kStored);
}

TYPED_TEST(BackendConformanceTest, IncrDecrArithmetic) {
  Backend& b = *this->backend_;
  const ClientContext& c = this->client_;
  EXPECT_EQ(SyncArith(b, c, ArithOp::kIncr, "n", 1).outcome, ArithOutcome::kNotFound);
  EXPECT_EQ(SyncArith(b, c, ArithOp::kDecr, "n", 1).outcome, ArithOutcome::kNotFound);
  EXPECT_EQ(this->Value("n"), std::nullopt);  // incr does not create

  this->Set("n", "5", 31);
  ArithResult r = SyncArith(b, c, ArithOp::kIncr, "n", 3);
  EXPECT_EQ(r.outcome, ArithOutcome::kOk);
  EXPECT_EQ(r.value, 8u);
  EXPECT_EQ(this->Value("n"), "8");
  r = SyncArith(b, c, ArithOp::kDecr, "n", 10);
  EXPECT_EQ(r.outcome, ArithOutcome::kOk);
  EXPECT_EQ(r.value, 0u);  // decr floors at 0
  EXPECT_EQ(this->Value("n"), "0");
  GetResult holder;
  EXPECT_EQ(this->MustGet("n", holder).flags, 31u);  // flags survive
}

TYPED_TEST(BackendConformanceTest, IncrWrapsAt64Bits) {
  this->Set("n", "18446744073709551615");
  const ArithResult r = SyncArith(*this->backend_, this->client_, ArithOp::kIncr, "n", 2);
  EXPECT_EQ(r.outcome, ArithOutcome::kOk);
  EXPECT_EQ(r.value, 1u);
  const std::optional<std::string> value = this->Value("n");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(absl::StripTrailingAsciiWhitespace(*value), "1");
}

TYPED_TEST(BackendConformanceTest, IncrGrowsAndDecrShrinksTheNumber) {
  this->Set("n", "99");
  EXPECT_EQ(SyncArith(*this->backend_, this->client_, ArithOp::kIncr, "n", 1).value, 100u);
  EXPECT_EQ(this->Value("n"), "100");
  EXPECT_EQ(SyncArith(*this->backend_, this->client_, ArithOp::kDecr, "n", 1).value, 99u);
  // memcached may leave the old length space padded; the number is what counts.
  const std::optional<std::string> value = this->Value("n");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(absl::StripTrailingAsciiWhitespace(*value), "99");
}

TYPED_TEST(BackendConformanceTest, IncrAcceptsWhatStrtoullAccepts) {
  struct Case {
    std::string stored;
    uint64_t after_incr_1;
  };
  const std::vector<Case> cases = {
      {"  5", 6}, {"005", 6},  {"5  ", 6},
      {"+7", 8},  {"\t9", 10}, {"000000000000000000000000000042", 43},
      {"-0", 1},  {"5 x", 6},
  };
  for (const Case& c : cases) {
    this->Set("n", c.stored);
    const ArithResult r = SyncArith(*this->backend_, this->client_, ArithOp::kIncr, "n", 1);
    EXPECT_EQ(r.outcome, ArithOutcome::kOk) << "'" << c.stored << "'";
    EXPECT_EQ(r.value, c.after_incr_1) << "'" << c.stored << "'";
  }
}

TYPED_TEST(BackendConformanceTest, IncrRejectsNonNumericValues) {
  for (const std::string stored :
       {"", "abc", "1a2", "-1", "   ", "18446744073709551616", "x5", "+", "0x10"}) {
    this->Set("n", stored);
    const ArithResult r = SyncArith(*this->backend_, this->client_, ArithOp::kIncr, "n", 1);
    EXPECT_EQ(r.outcome, ArithOutcome::kNonNumeric) << "'" << stored << "'";
    EXPECT_EQ(this->Value("n"), stored) << "value must be left alone";
  }
}

TYPED_TEST(BackendConformanceTest, FlushAllNowEmptiesEverything) {
  this->Set("a", "1");
  this->Set("b", "2");
  EXPECT_EQ(SyncFlushAll(*this->backend_, this->client_).outcome, FlushOutcome::kOk);
  EXPECT_TRUE(SyncGet(*this->backend_, this->client_, {"a", "b"}).hits.empty());
  EXPECT_EQ(this->Store(StoreMode::kAdd, "a", "new").outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Value("a"), "new");
}

TYPED_TEST(BackendConformanceTest, FlushAllWithDelayHidesOlderItemsLater) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  this->Set("old", "1");
  EXPECT_EQ(SyncFlushAll(*this->backend_, this->client_, 10).outcome, FlushOutcome::kOk);
  this->clock_.Advance(5);
  this->Set("mid", "2");  // stored before the flush time: also goes
  EXPECT_EQ(this->Value("old"), "1");
  EXPECT_EQ(this->Value("mid"), "2");
  this->clock_.Advance(5);
  EXPECT_EQ(this->Value("old"), std::nullopt);
  EXPECT_EQ(this->Value("mid"), std::nullopt);
  this->Set("new", "3");
  EXPECT_EQ(this->Value("new"), "3");
  this->clock_.Advance(100);
  EXPECT_EQ(this->Value("new"), "3");
}

TYPED_TEST(BackendConformanceTest, LaterFlushAllReplacesADelayedOne) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  EXPECT_EQ(SyncFlushAll(*this->backend_, this->client_, 10).outcome, FlushOutcome::kOk);
  EXPECT_EQ(SyncFlushAll(*this->backend_, this->client_).outcome, FlushOutcome::kOk);
  this->Set("new", "1");
  this->clock_.Advance(20);
  EXPECT_EQ(this->Value("new"), "1");
}

TYPED_TEST(BackendConformanceTest, RelativeExpiry) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  this->Set("k", "v", 0, 10);
  this->clock_.Advance(9);
  EXPECT_EQ(this->Value("k"), "v");
  this->clock_.Advance(1);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  EXPECT_EQ(this->Store(StoreMode::kReplace, "k", "x").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(this->Store(StoreMode::kAdd, "k", "fresh").outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Value("k"), "fresh");
}

TYPED_TEST(BackendConformanceTest, AbsoluteExpiry) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  const int64_t at = this->clock_.Now() + 40 * 24 * 3600;  // beyond 30 days: a unix time
  this->Set("k", "v", 0, at);
  this->clock_.Advance(40 * 24 * 3600 - 1);
  EXPECT_EQ(this->Value("k"), "v");
  this->clock_.Advance(1);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  // A unix time already past expires at once.
  this->Set("p", "v", 0, this->clock_.Now() - 31 * 24 * 3600);
  EXPECT_EQ(this->Value("p"), std::nullopt);
}

TYPED_TEST(BackendConformanceTest, ZeroExptimeNeverExpires) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  this->Set("k", "v", 0, 0);
  this->clock_.Advance(10LL * 365 * 24 * 3600);
  EXPECT_EQ(this->Value("k"), "v");
}

TYPED_TEST(BackendConformanceTest, NegativeExptimeStoresNothingVisible) {
  this->Set("k", "old");
  EXPECT_EQ(this->Set("k", "new", 0, -1).outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  EXPECT_EQ(this->Store(StoreMode::kAdd, "k", "again").outcome, StoreOutcome::kStored);
}

TYPED_TEST(BackendConformanceTest, AppendAndIncrKeepExpiry) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  this->Set("s", "a", 0, 10);
  this->Set("n", "1", 0, 10);
  this->clock_.Advance(5);
  EXPECT_EQ(this->Store(StoreMode::kAppend, "s", "b", 0, 1000).outcome, StoreOutcome::kStored);
  EXPECT_EQ(SyncArith(*this->backend_, this->client_, ArithOp::kIncr, "n", 1).outcome,
            ArithOutcome::kOk);
  this->clock_.Advance(4);
  EXPECT_EQ(this->Value("s"), "ab");
  EXPECT_EQ(this->Value("n"), "2");
  this->clock_.Advance(1);
  EXPECT_EQ(this->Value("s"), std::nullopt);
  EXPECT_EQ(this->Value("n"), std::nullopt);
}

TYPED_TEST(BackendConformanceTest, TouchSetsNewExpiry) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  EXPECT_EQ(SyncTouch(*this->backend_, this->client_, "k", 10).outcome, TouchOutcome::kNotFound);
  this->Set("k", "v", 0, 10);
  this->clock_.Advance(8);
  EXPECT_EQ(SyncTouch(*this->backend_, this->client_, "k", 10).outcome, TouchOutcome::kTouched);
  this->clock_.Advance(8);
  EXPECT_EQ(this->Value("k"), "v");
  EXPECT_EQ(SyncTouch(*this->backend_, this->client_, "k", 0).outcome, TouchOutcome::kTouched);
  this->clock_.Advance(1000);
  EXPECT_EQ(this->Value("k"), "v");
  EXPECT_EQ(SyncTouch(*this->backend_, this->client_, "k", 1).outcome, TouchOutcome::kTouched);
  this->clock_.Advance(1);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  EXPECT_EQ(SyncTouch(*this->backend_, this->client_, "k", 10).outcome, TouchOutcome::kNotFound);
}

TYPED_TEST(BackendConformanceTest, GetAndTouchReturnsHitsAndSetsExpiry) {
  if (this->KeepsOwnClock()) GTEST_SKIP() << "keeps its own clock";
  this->Set("a", "1", 4, 5);
  this->Set("b", "2", 0, 0);
  const GetResult result = SyncGetAndTouch(*this->backend_, this->client_, {"b", "x", "a"}, 100);
  ASSERT_EQ(result.outcome, GetOutcome::kOk);
  ASSERT_EQ(result.hits.size(), 2u);
  EXPECT_EQ(result.hits[0].key, "b");
  EXPECT_EQ(result.hits[0].value, "2");
  EXPECT_EQ(result.hits[1].key, "a");
  EXPECT_EQ(result.hits[1].value, "1");
  EXPECT_EQ(result.hits[1].flags, 4u);
  EXPECT_EQ(result.hits[1].cas, this->CasOf("a"));  // gats does not change cas
  this->clock_.Advance(99);
  EXPECT_EQ(this->Value("a"), "1");
  EXPECT_EQ(this->Value("b"), "2");
  this->clock_.Advance(1);
  EXPECT_EQ(this->Value("a"), std::nullopt);
  EXPECT_EQ(this->Value("b"), std::nullopt);
}

TYPED_TEST(BackendConformanceTest, HitsStayValidAfterTheItemChanges) {
  this->Set("k", "original");
  GetResult held = SyncGet(*this->backend_, this->client_, {"k"});
  ASSERT_EQ(held.hits.size(), 1u);
  this->Set("k", "replaced with a longer value");
  SyncDelete(*this->backend_, this->client_, "k");
  SyncFlushAll(*this->backend_, this->client_);
  EXPECT_EQ(held.hits[0].key, "k");
  EXPECT_EQ(held.hits[0].value, "original");
}

TYPED_TEST(BackendConformanceTest, ClientsShareOneKeySpace) {
  ClientContext other{8, "127.0.0.1:40001", "test"};
  ASSERT_EQ(SyncClientOpened(*this->backend_, other).outcome, OpenOutcome::kAccepted);
  SyncStore(*this->backend_, other, StoreMode::kSet, "shared", "from-other");
  EXPECT_EQ(this->Value("shared"), "from-other");
  this->backend_->ClientClosed(other);
}

}  // namespace
}  // namespace memgate::backends

// --- meta commands (mg ms md ma) ----------------------------------------------

namespace memgate::backends {
namespace {

MetaGetFields MetaGetWith(std::string_view steps) {
  MetaGetFields request;
  for (char c : steps) request.steps.Add(c);
  return request;
}

TYPED_TEST(BackendConformanceTest, MetaGetReportsItemState) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  MetaGetFields get = MetaGetWith("t");
  EXPECT_EQ(this->MetaGet("m", get).outcome, MetaAnswer::kNotFound);
  ASSERT_EQ(this->Set("m", "value", 7, 100).outcome, StoreOutcome::kStored);
  MetaAnswer first = this->MetaGet("m", get);
  ASSERT_EQ(first.outcome, MetaAnswer::kOk);
  EXPECT_EQ(first.hit.value, "value");
  EXPECT_EQ(first.hit.flags, 7u);
  EXPECT_EQ(first.hit.cas, this->CasOf("m"));
  EXPECT_EQ(first.ttl, 100);
  EXPECT_FALSE(first.won);
  EXPECT_FALSE(first.stale);
  EXPECT_FALSE(first.fetched_before);

  ASSERT_EQ(this->Set("n", "v").outcome, StoreOutcome::kStored);
  MetaGetFields peek = MetaGetWith("t");
  peek.no_bump = true;
  MetaAnswer never = this->MetaGet("n", peek);
  EXPECT_EQ(never.ttl, -1);
  if (!this->Can(&Capabilities::access_state)) return;
  EXPECT_FALSE(never.fetched_before);
  EXPECT_FALSE(this->MetaGet("n", peek).fetched_before);
  this->MetaGet("n", MetaGetWith(""));
  EXPECT_TRUE(this->MetaGet("n", peek).fetched_before);
}

TYPED_TEST(BackendConformanceTest, MetaGetTtlStepsActInOrder) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  ASSERT_EQ(this->Set("m", "v", 0, 100).outcome, StoreOutcome::kStored);
  MetaGetFields before = MetaGetWith("tT");
  before.ttl = 50;
  EXPECT_EQ(this->MetaGet("m", before).ttl, 100);
  MetaGetFields after = MetaGetWith("Tt");
  after.ttl = 30;
  EXPECT_EQ(this->MetaGet("m", after).ttl, 30);
}

TYPED_TEST(BackendConformanceTest, MetaGetVivifyWinsOnce) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  MetaGetFields vivify = MetaGetWith("Nt");
  vivify.vivify = true;
  vivify.vivify_ttl = 30;
  MetaAnswer first = this->MetaGet("w", vivify);
  ASSERT_EQ(first.outcome, MetaAnswer::kOk);
  EXPECT_TRUE(first.won);
  EXPECT_FALSE(first.token_sent);
  EXPECT_EQ(first.hit.value, "");
  EXPECT_EQ(first.ttl, 30);
  MetaAnswer second = this->MetaGet("w", vivify);
  EXPECT_FALSE(second.won);
  if (!this->Can(&Capabilities::recache_state)) return;
  EXPECT_TRUE(second.token_sent);
  // A real value clears the win state.
  ASSERT_EQ(this->Set("w", "fresh").outcome, StoreOutcome::kStored);
  MetaAnswer third = this->MetaGet("w", vivify);
  EXPECT_FALSE(third.won);
  EXPECT_FALSE(third.token_sent);
  EXPECT_EQ(third.hit.value, "fresh");
}

TYPED_TEST(BackendConformanceTest, MetaGetRecacheWinsBelowTtl) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  if (!this->Can(&Capabilities::recache_state)) GTEST_SKIP() << "no recache state";
  ASSERT_EQ(this->Set("r", "v", 0, 100).outcome, StoreOutcome::kStored);
  MetaGetFields recache = MetaGetWith("R");
  recache.recache_ttl = 50;
  EXPECT_FALSE(this->MetaGet("r", recache).won);
  recache.recache_ttl = 200;
  EXPECT_TRUE(this->MetaGet("r", recache).won);
  MetaAnswer again = this->MetaGet("r", recache);
  EXPECT_FALSE(again.won);
  EXPECT_TRUE(again.token_sent);
}

TYPED_TEST(BackendConformanceTest, MetaStoreModesAndCas) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  StoreRequest add;
  add.mode = StoreMode::kAdd;
  add.flags = 3;
  add.key_binary = true;
  EXPECT_EQ(this->MetaStore("s", add, "a").outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->MetaStore("s", add, "b").outcome, StoreOutcome::kNotStored);
  MetaAnswer got = this->MetaGet("s", MetaGetWith(""));
  EXPECT_TRUE(got.key_binary);
  EXPECT_EQ(got.hit.flags, 3u);

  StoreRequest append;
  append.mode = StoreMode::kAppend;
  append.cas = got.hit.cas + 1000;
  EXPECT_EQ(this->MetaStore("s", append, "x").outcome, StoreOutcome::kExists);
  append.cas = got.hit.cas;
  EXPECT_EQ(this->MetaStore("s", append, "x").outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->Value("s"), "ax");

  StoreRequest cas;
  cas.mode = StoreMode::kCas;
  cas.cas = this->CasOf("s") + 1000;
  EXPECT_EQ(this->MetaStore("s", cas, "c").outcome, StoreOutcome::kExists);
  EXPECT_EQ(this->MetaStore("none", cas, "c").outcome, StoreOutcome::kNotFound);
  cas.cas = this->CasOf("s");
  StoreResult stored = this->MetaStore("s", cas, "c");
  EXPECT_EQ(stored.outcome, StoreOutcome::kStored);
  EXPECT_EQ(stored.cas, this->CasOf("s"));
}

TYPED_TEST(BackendConformanceTest, MetaStoreInvalidateStoresStale) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  if (!this->Can(&Capabilities::recache_state)) GTEST_SKIP() << "no recache state";
  ASSERT_EQ(this->Set("i", "old").outcome, StoreOutcome::kStored);
  const uint64_t current = this->CasOf("i");
  StoreRequest stale;
  stale.mode = StoreMode::kCas;
  stale.invalidate = true;
  stale.cas = current - 1;  // older than the item's
  EXPECT_EQ(this->MetaStore("i", stale, "new").outcome, StoreOutcome::kStored);
  MetaAnswer got = this->MetaGet("i", MetaGetWith(""));
  EXPECT_EQ(got.hit.value, "new");
  EXPECT_TRUE(got.stale);
  EXPECT_TRUE(got.won);                 // stale and no token sent yet
  stale.cas = this->CasOf("i") + 1000;  // newer: refused
  EXPECT_EQ(this->MetaStore("i", stale, "x").outcome, StoreOutcome::kExists);
}

TYPED_TEST(BackendConformanceTest, MetaDeleteComparesAndInvalidates) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  DeleteRequest del;
  EXPECT_EQ(this->MetaDelete("d", del).outcome, DeleteOutcome::kNotFound);
  ASSERT_EQ(this->Set("d", "v", 0, 100).outcome, StoreOutcome::kStored);
  const uint64_t cas = this->CasOf("d");
  del.compare_cas = cas + 1000;
  EXPECT_EQ(this->MetaDelete("d", del).outcome, DeleteOutcome::kExists);
  del.compare_cas = cas;
  if (!this->Can(&Capabilities::recache_state)) {
    EXPECT_EQ(this->MetaDelete("d", del).outcome, DeleteOutcome::kDeleted);
    EXPECT_EQ(this->Value("d"), std::nullopt);
    return;
  }
  del.invalidate = true;
  del.ttl = 30;
  EXPECT_EQ(this->MetaDelete("d", del).outcome, DeleteOutcome::kDeleted);
  MetaAnswer got = this->MetaGet("d", MetaGetWith("t"));
  ASSERT_EQ(got.outcome, MetaAnswer::kOk);
  EXPECT_TRUE(got.stale);
  EXPECT_TRUE(got.won);
  EXPECT_EQ(got.ttl, 30);
  EXPECT_NE(got.hit.cas, cas);
  DeleteRequest plain;
  EXPECT_EQ(this->MetaDelete("d", plain).outcome, DeleteOutcome::kDeleted);
  EXPECT_EQ(this->Value("d"), std::nullopt);
}

TYPED_TEST(BackendConformanceTest, MetaArithVivifiesAndComparesCas) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  ArithRequest incr;
  EXPECT_EQ(this->MetaArith("a", incr).outcome, ArithOutcome::kNotFound);
  incr.vivify = true;
  incr.initial = 10;
  incr.vivify_ttl = 100;
  incr.steps.Add('N');
  incr.steps.Add('t');
  ArithResult created = this->MetaArith("a", incr);
  ASSERT_EQ(created.outcome, ArithOutcome::kOk);
  EXPECT_EQ(created.value, 10u);
  EXPECT_EQ(created.ttl, 100);
  EXPECT_EQ(created.cas, this->CasOf("a"));
  ArithResult next = this->MetaArith("a", incr);
  EXPECT_EQ(next.value, 11u);
  EXPECT_EQ(next.ttl, 100);
  ArithRequest decr;
  decr.op = ArithOp::kDecr;
  decr.delta = 100;
  decr.compare_cas = next.cas + 1000;
  EXPECT_EQ(this->MetaArith("a", decr).outcome, ArithOutcome::kExists);
  decr.compare_cas = next.cas;
  EXPECT_EQ(this->MetaArith("a", decr).value, 0u);
  ASSERT_EQ(this->Set("text", "abc").outcome, StoreOutcome::kStored);
  EXPECT_EQ(this->MetaArith("text", ArithRequest{}).outcome, ArithOutcome::kNonNumeric);
}

TYPED_TEST(BackendConformanceTest, MetaStoreReportsValueSize) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  StoreResult set = this->MetaStore("z", StoreRequest{}, "abc");
  ASSERT_EQ(set.outcome, StoreOutcome::kStored);
  EXPECT_EQ(set.value_size, 3u);
  StoreRequest append;
  append.mode = StoreMode::kAppend;
  EXPECT_EQ(this->MetaStore("z", append, "de").value_size, 5u);
  StoreRequest prepend;
  prepend.mode = StoreMode::kPrepend;
  EXPECT_EQ(this->MetaStore("z", prepend, "x").value_size, 6u);
  EXPECT_EQ(this->Value("z"), "xabcde");
}

// ms E: the stored item takes the client's cas, in every mode that stores;
// a command that stores nothing leaves the item's cas as it was.
TYPED_TEST(BackendConformanceTest, MetaStoreExplicitCas) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  if (!this->Can(&Capabilities::explicit_cas)) GTEST_SKIP() << "no explicit cas";
  StoreRequest set;
  set.explicit_cas = 973;
  StoreResult stored = this->MetaStore("e", set, "ji");
  ASSERT_EQ(stored.outcome, StoreOutcome::kStored);
  EXPECT_EQ(stored.cas, 973u);
  EXPECT_EQ(this->CasOf("e"), 973u);

  StoreRequest cas;
  cas.mode = StoreMode::kCas;
  cas.cas = 973;
  cas.explicit_cas = 4000;
  EXPECT_EQ(this->MetaStore("e", cas, "lo").cas, 4000u);
  cas.explicit_cas = 5000;
  EXPECT_EQ(this->MetaStore("e", cas, "no").outcome, StoreOutcome::kExists);
  StoreRequest add;
  add.mode = StoreMode::kAdd;
  add.explicit_cas = 5000;
  EXPECT_EQ(this->MetaStore("e", add, "no").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(this->CasOf("e"), 4000u);
  EXPECT_EQ(this->Value("e"), "lo");

  StoreRequest append;
  append.mode = StoreMode::kAppend;
  append.explicit_cas = 60;
  EXPECT_EQ(this->MetaStore("e", append, "cd").cas, 60u);
  EXPECT_EQ(this->Value("e"), "locd");
  EXPECT_EQ(this->CasOf("e"), 60u);

  // Without E the backend makes the cas again, and a later change gets a
  // new one, not the client's.
  StoreResult later = this->Set("e", "xx");
  EXPECT_NE(later.cas, 0u);
  EXPECT_NE(later.cas, 60u);
  EXPECT_EQ(this->CasOf("e"), later.cas);
}

TYPED_TEST(BackendConformanceTest, MetaGetVivifyExplicitCas) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  if (!this->Can(&Capabilities::explicit_cas)) GTEST_SKIP() << "no explicit cas";
  MetaGetFields vivify = MetaGetWith("N");
  vivify.vivify = true;
  vivify.vivify_ttl = 30;
  vivify.explicit_cas = 9876;
  MetaAnswer created = this->MetaGet("v", vivify);
  ASSERT_EQ(created.outcome, MetaAnswer::kOk);
  EXPECT_TRUE(created.won);
  EXPECT_EQ(created.hit.cas, 9876u);
  // Nothing is created (and a touch does not change the cas): E is ignored.
  MetaGetFields again = MetaGetWith("NT");
  again.vivify = true;
  again.ttl = 60;
  again.explicit_cas = 5;
  EXPECT_EQ(this->MetaGet("v", again).hit.cas, 9876u);
  EXPECT_EQ(this->CasOf("v"), 9876u);
}

TYPED_TEST(BackendConformanceTest, MetaDeleteExplicitCas) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  if (!this->Can(&Capabilities::explicit_cas)) GTEST_SKIP() << "no explicit cas";
  StoreRequest set;
  set.explicit_cas = 1234;
  ASSERT_EQ(this->MetaStore("d", set, "mE").outcome, StoreOutcome::kStored);
  DeleteRequest del;
  del.compare_cas = 1234;
  del.explicit_cas = 5678;
  if (!this->Can(&Capabilities::recache_state)) {
    // Without I, md deletes: there is no item left to take the cas.
    EXPECT_EQ(this->MetaDelete("d", del).outcome, DeleteOutcome::kDeleted);
    EXPECT_EQ(this->Value("d"), std::nullopt);
    return;
  }
  del.invalidate = true;
  EXPECT_EQ(this->MetaDelete("d", del).outcome, DeleteOutcome::kDeleted);
  MetaAnswer got = this->MetaGet("d", MetaGetWith(""));
  EXPECT_TRUE(got.stale);
  EXPECT_EQ(got.hit.cas, 5678u);
  del.compare_cas = 1234;  // the old cas no longer matches: nothing changes
  del.explicit_cas = 9;
  EXPECT_EQ(this->MetaDelete("d", del).outcome, DeleteOutcome::kExists);
  EXPECT_EQ(this->CasOf("d"), 5678u);
}

TYPED_TEST(BackendConformanceTest, MetaArithExplicitCas) {
  if (!this->HasMeta()) GTEST_SKIP() << "no meta commands";
  if (!this->Can(&Capabilities::explicit_cas)) GTEST_SKIP() << "no explicit cas";
  ArithRequest vivify;
  vivify.vivify = true;
  vivify.initial = 5;
  vivify.explicit_cas = 4321;
  vivify.steps.Add('N');
  ArithResult created = this->MetaArith("n", vivify);
  ASSERT_EQ(created.outcome, ArithOutcome::kOk);
  EXPECT_EQ(created.value, 5u);
  EXPECT_EQ(created.cas, 4321u);
  EXPECT_EQ(this->CasOf("n"), 4321u);
  ArithRequest incr;
  incr.compare_cas = 4321;
  ArithResult next = this->MetaArith("n", incr);
  EXPECT_EQ(next.value, 6u);
  EXPECT_NE(next.cas, 4321u);
  ArithRequest chosen;
  chosen.explicit_cas = 8765;
  ArithResult set = this->MetaArith("n", chosen);
  EXPECT_EQ(set.value, 7u);
  EXPECT_EQ(set.cas, 8765u);
  chosen.compare_cas = 1;
  chosen.explicit_cas = 99;
  EXPECT_EQ(this->MetaArith("n", chosen).outcome, ArithOutcome::kExists);
  EXPECT_EQ(this->CasOf("n"), 8765u);
}

}  // namespace
}  // namespace memgate::backends
