// The contract choice: the Python service (full contract) gets GrpcBackend
// and no side table; the SQLite service (plain) and --no-extra get GrpcStore
// under the layer the caller hands in; an unreachable service fails start-up.
#include "backends/grpc/grpc_backend_factory.h"

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/backends/grpc/service_process.h"
#include "tests/backends/grpc/simple_store_calls.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends {
namespace {

using testing::PickFreePort;
using testing::ServiceProcess;

// Stands in for MetadataLayer: keeps the store it was given, does nothing.
class PlainMarker final : public Backend {
 public:
  explicit PlainMarker(std::unique_ptr<SimpleStore> store) : store_(std::move(store)) {}
  SimpleStore& store() { return *store_; }

  std::string_view Name() const override { return "plain"; }
  Capabilities capabilities() const override { return {}; }
  void Get(const ClientContext&, const GetRequest&, Done<GetResult> done) override {
    std::move(done)(GetResult{});
  }
  void Store(const ClientContext&, const StoreRequest&, Done<StoreResult> done) override {
    std::move(done)(StoreResult{});
  }
  void Delete(const ClientContext&, const DeleteRequest&, Done<DeleteResult> done) override {
    std::move(done)(DeleteResult{});
  }
  void Arith(const ClientContext&, const ArithRequest&, Done<ArithResult> done) override {
    std::move(done)(ArithResult{});
  }
  void Touch(const ClientContext&, const TouchRequest&, Done<TouchResult> done) override {
    std::move(done)(TouchResult{});
  }
  void FlushAll(const ClientContext&, const FlushRequest&, Done<FlushResult> done) override {
    std::move(done)(FlushResult{});
  }
  void Stats(Done<StatsResult> done) override { std::move(done)(StatsResult{}); }

 private:
  std::unique_ptr<SimpleStore> store_;
};

WrapPlainStore Marker() {
  return [](std::unique_ptr<SimpleStore> store) -> std::unique_ptr<Backend> {
    return std::make_unique<PlainMarker>(std::move(store));
  };
}

GrpcBackendOptions To(const std::string& target) {
  GrpcBackendOptions options;
  options.target = target;
  return options;
}

class GrpcBackendFactoryTest : public ::testing::Test {
 protected:
  static std::unique_ptr<ServiceProcess> Python() {
    auto service = std::make_unique<ServiceProcess>(std::vector<std::string>{
        MEMGATE_TEST_PYTHON, MEMGATE_PYTHON_BACKEND, "--listen", "127.0.0.1:{port}"});
    EXPECT_TRUE(service->Start());
    return service;
  }
  std::unique_ptr<ServiceProcess> Sqlite() {
    auto service = std::make_unique<ServiceProcess>(std::vector<std::string>{
        MEMGATE_SQLITE_BACKEND, "--listen", "127.0.0.1:{port}", "--db", db_});
    EXPECT_TRUE(service->Start());
    return service;
  }
  void TearDown() override { std::filesystem::remove(db_); }

  std::string db_ = "/tmp/memgate-grpc-factory-" + std::to_string(PickFreePort()) + ".db";
  const ClientContext client_{3, "127.0.0.1:3", ""};
};

TEST_F(GrpcBackendFactoryTest, FullServiceGetsTheFullBackend) {
  std::unique_ptr<ServiceProcess> service = Python();
  absl::StatusOr<GrpcBackendSelection> selection =
      MakeGrpcBackend(To(service->target()), /*pass_through=*/false, Marker());
  ASSERT_TRUE(selection.ok()) << selection.status();
  EXPECT_TRUE(selection->full_contract);
  EXPECT_EQ(selection->backend->Name(), "grpc");
  EXPECT_TRUE(selection->channel->Reachable());
  const StoreResult stored =
      testing::SyncStore(*selection->backend, client_, StoreMode::kSet, "k", "v", 9);
  EXPECT_EQ(stored.outcome, StoreOutcome::kStored);
  GetResult got = testing::SyncGet(*selection->backend, client_, {"k"});
  ASSERT_EQ(got.hits.size(), 1u);
  EXPECT_EQ(got.hits[0].flags, 9u);
}

// The Python service says it honours explicit_cas (meta E): the stored
// item takes the client's cas, and a later change gets a new one.
TEST_F(GrpcBackendFactoryTest, FullServiceKeepsAnExplicitCas) {
  std::unique_ptr<ServiceProcess> service = Python();
  absl::StatusOr<GrpcBackendSelection> selection =
      MakeGrpcBackend(To(service->target()), /*pass_through=*/false, Marker());
  ASSERT_TRUE(selection.ok()) << selection.status();
  EXPECT_TRUE(selection->contract.explicit_cas);
  Backend& backend = *selection->backend;
  EXPECT_TRUE(backend.capabilities().explicit_cas);
  const uint64_t chosen = uint64_t{1} << 40;
  StoreRequest set{.key = "k", .value = "1", .explicit_cas = chosen};
  EXPECT_EQ(testing::SyncStore(backend, client_, set).cas, chosen);
  GetResult got = testing::SyncGet(backend, client_, {"k"});
  ASSERT_EQ(got.hits.size(), 1u);
  EXPECT_EQ(got.hits[0].cas, chosen);
  ArithRequest incr{.key = "k", .explicit_cas = chosen + 7};
  EXPECT_EQ(testing::SyncArith(backend, client_, incr).cas, chosen + 7);
  const StoreResult later = testing::SyncStore(backend, client_, StoreMode::kSet, "k", "2");
  EXPECT_GT(later.cas, chosen + 7);
}

TEST_F(GrpcBackendFactoryTest, PlainServiceGoesUnderTheLayer) {
  std::unique_ptr<ServiceProcess> service = Sqlite();
  absl::StatusOr<GrpcBackendSelection> selection =
      MakeGrpcBackend(To(service->target()), /*pass_through=*/false, Marker());
  ASSERT_TRUE(selection.ok()) << selection.status();
  EXPECT_FALSE(selection->full_contract);
  EXPECT_FALSE(selection->contract.explicit_cas);
  ASSERT_EQ(selection->backend->Name(), "plain");
  SimpleStore& store = static_cast<PlainMarker&>(*selection->backend).store();
  EXPECT_EQ(store.Name(), "grpc");
  EXPECT_FALSE(testing::SyncSet(store, client_, "k", "v").error.has_value());
  EXPECT_EQ(testing::SyncValue(store, client_, "k"), "v");
}

TEST_F(GrpcBackendFactoryTest, NoExtraUsesThePlainContractEvenOnAFullService) {
  std::unique_ptr<ServiceProcess> service = Python();
  absl::StatusOr<GrpcBackendSelection> selection =
      MakeGrpcBackend(To(service->target()), /*pass_through=*/true, Marker());
  ASSERT_TRUE(selection.ok()) << selection.status();
  EXPECT_FALSE(selection->full_contract);
  EXPECT_EQ(selection->backend->Name(), "plain");
}

TEST_F(GrpcBackendFactoryTest, UnreachableServiceFailsStartUpWithTheTarget) {
  GrpcBackendOptions options = To("127.0.0.1:" + std::to_string(PickFreePort()));
  options.probe_timeout = absl::Milliseconds(300);
  absl::StatusOr<GrpcBackendSelection> selection =
      MakeGrpcBackend(options, /*pass_through=*/false, Marker());
  ASSERT_FALSE(selection.ok());
  EXPECT_NE(selection.status().message().find(options.target), absl::string_view::npos);
}

TEST_F(GrpcBackendFactoryTest, ServiceStartingLateIsWaitedFor) {
  ServiceProcess service(
      {MEMGATE_TEST_PYTHON, MEMGATE_PYTHON_BACKEND, "--listen", "127.0.0.1:{port}"});
  GrpcBackendOptions options = To(service.target());
  absl::StatusOr<GrpcBackendSelection> selection;
  std::thread start([&] { selection = MakeGrpcBackend(options, false, Marker()); });
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(service.Start());
  start.join();
  ASSERT_TRUE(selection.ok()) << selection.status();
  EXPECT_TRUE(selection->full_contract);
}

}  // namespace
}  // namespace memgate::backends
