// GrpcBackend keeps a client's pipeline in order per key: against a service
// double that holds every Store and FlushAll until the test answers it,
// commands on different keys are at the service together, a second command
// on a key waits for the first to be answered, and flush_all waits for
// everything before it.
#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/grpc/grpc_backend.h"
#include "backends/grpc/grpc_channel.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "memgate/backend/v1/backend.grpc.pb.h"

namespace memgate::backends {
namespace {

namespace pb = backend::v1;

// Records each Store ("key=value") and FlushAll ("flush") as it arrives and
// answers it only when the test releases it.
class HoldingService final : public pb::BackendService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Store(grpc::CallbackServerContext* context,
                                  const pb::StoreRequest* request,
                                  pb::StoreResponse* response) override {
    absl::MutexLock lock(&mu_);
    arrived_.push_back(request->key() + "=" + request->value());
    held_.push_back({request->key(), context->DefaultReactor(), response});
    return held_.back().reactor;
  }

  grpc::ServerUnaryReactor* FlushAll(grpc::CallbackServerContext* context,
                                     const pb::FlushAllRequest*, pb::FlushAllResponse*) override {
    absl::MutexLock lock(&mu_);
    arrived_.push_back("flush");
    held_.push_back({"", context->DefaultReactor(), nullptr});
    return held_.back().reactor;
  }

  // Waits until `count` calls have arrived; what arrived, in order.
  std::vector<std::string> AwaitArrivals(std::size_t count) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return arrived_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return arrived_;
  }

  std::vector<std::string> arrived() {
    absl::MutexLock lock(&mu_);
    return arrived_;
  }

  // Answers the oldest held call on `key` ("" for a flush).
  void Release(const std::string& key) {
    grpc::ServerUnaryReactor* reactor = nullptr;
    {
      absl::MutexLock lock(&mu_);
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->key != key) continue;
        if (it->response != nullptr) it->response->set_outcome(pb::STORE_OUTCOME_STORED);
        reactor = it->reactor;
        held_.erase(it);
        break;
      }
    }
    ASSERT_NE(reactor, nullptr) << "nothing held on '" << key << "'";
    reactor->Finish(grpc::Status::OK);
  }

  // Answers everything still held, so the test can end.
  void ReleaseAll() {
    std::deque<Held> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (Held& call : held) call.reactor->Finish(grpc::Status::OK);
  }

 private:
  struct Held {
    std::string key;
    grpc::ServerUnaryReactor* reactor;
    pb::StoreResponse* response;
  };

  absl::Mutex mu_;
  std::vector<std::string> arrived_ ABSL_GUARDED_BY(mu_);
  std::deque<Held> held_ ABSL_GUARDED_BY(mu_);
};

// Counts completions of the backend's calls and waits for them.
class Completions {
 public:
  Backend::Done<StoreResult> Store(std::string name) {
    return [this, name](StoreResult result) {
      absl::MutexLock lock(&mu_);
      done_.push_back(name + (result.outcome == StoreOutcome::kStored ? "" : " failed"));
    };
  }
  Backend::Done<FlushResult> Flush() {
    return [this](FlushResult) {
      absl::MutexLock lock(&mu_);
      done_.push_back("flush");
    };
  }
  std::vector<std::string> Await(std::size_t count) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return done_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> done_ ABSL_GUARDED_BY(mu_);
};

class GrpcBackendOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    GrpcBackendOptions options;
    options.target = "127.0.0.1:" + std::to_string(port_);
    options.timeout = absl::Seconds(30);
    absl::StatusOr<std::shared_ptr<GrpcChannel>> channel = GrpcChannel::Create(options);
    ASSERT_TRUE(channel.ok()) << channel.status();
    backend_ = std::make_unique<GrpcBackend>(*channel);
  }

  void TearDown() override {
    service_.ReleaseAll();
    backend_.reset();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  }

  void Set(const std::string& key, const std::string& value) {
    backend_->Store(client_, StoreRequest{.mode = StoreMode::kSet, .key = key, .value = value},
                    completions_.Store(key + "=" + value));
  }

  HoldingService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcBackend> backend_;
  Completions completions_;
  ClientContext client_{7, "127.0.0.1:4000", "public"};
};

TEST_F(GrpcBackendOrderTest, PipelinesInOrder) { EXPECT_TRUE(backend_->capabilities().in_order); }

TEST_F(GrpcBackendOrderTest, DifferentKeysAreInFlightTogether) {
  Set("a", "1");
  Set("b", "2");
  // Neither is answered, yet both reached the service.
  std::vector<std::string> arrived = service_.AwaitArrivals(2);
  EXPECT_EQ(arrived.size(), 2u);
  // The later one may complete first.
  service_.Release("b");
  EXPECT_EQ(completions_.Await(1), std::vector<std::string>{"b=2"});
  service_.Release("a");
  EXPECT_EQ(completions_.Await(2), (std::vector<std::string>{"b=2", "a=1"}));
}

TEST_F(GrpcBackendOrderTest, OneKeyWaitsForTheCallBeforeIt) {
  Set("k", "first");
  Set("other", "x");
  Set("k", "second");
  // The other key gets through (the two calls race to the service); the
  // second call on k does not.
  service_.AwaitArrivals(2);
  absl::SleepFor(absl::Milliseconds(200));
  std::vector<std::string> arrived = service_.arrived();
  std::sort(arrived.begin(), arrived.end());
  EXPECT_EQ(arrived, (std::vector<std::string>{"k=first", "other=x"}));
  service_.Release("k");
  EXPECT_EQ(completions_.Await(1), std::vector<std::string>{"k=first"});
  arrived = service_.AwaitArrivals(3);
  ASSERT_EQ(arrived.size(), 3u);
  EXPECT_EQ(arrived[2], "k=second");
  service_.Release("k");
  EXPECT_EQ(completions_.Await(2), (std::vector<std::string>{"k=first", "k=second"}));
  service_.Release("other");
  EXPECT_EQ(completions_.Await(3), (std::vector<std::string>{"k=first", "k=second", "other=x"}));
}

TEST_F(GrpcBackendOrderTest, FlushAllWaitsForWhatCameBeforeIt) {
  Set("a", "1");
  backend_->FlushAll(client_, FlushRequest{}, completions_.Flush());
  Set("b", "2");
  service_.AwaitArrivals(1);
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(service_.arrived(), std::vector<std::string>{"a=1"});
  service_.Release("a");
  EXPECT_EQ(completions_.Await(1), std::vector<std::string>{"a=1"});
  EXPECT_EQ(service_.AwaitArrivals(2), (std::vector<std::string>{"a=1", "flush"}));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(service_.arrived().size(), 2u);
  service_.Release("");
  EXPECT_EQ(service_.AwaitArrivals(3), (std::vector<std::string>{"a=1", "flush", "b=2"}));
  EXPECT_EQ(completions_.Await(2), (std::vector<std::string>{"a=1", "flush"}));
  service_.Release("b");
  EXPECT_EQ(completions_.Await(3), (std::vector<std::string>{"a=1", "flush", "b=2"}));
}

}  // namespace
}  // namespace memgate::backends
