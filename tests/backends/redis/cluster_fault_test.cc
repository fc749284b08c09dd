// The Redis Cluster backend against fake nodes that misbehave on purpose:
// nodes that keep redirecting a key to each other (the backend gives up after
// a few hops with an error), and a node answering TRYAGAIN (passed on by
// name). Neither hangs a client, and the backend serves again as soon as the
// node behaves.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/redis/cluster_loop.h"
#include "backends/redis/cluster_slot.h"
#include "backends/redis/cluster_url.h"
#include "gtest/gtest.h"
#include "tests/backends/redis/backend_harness.h"
#include "tests/backends/redis/fake_redis_node.h"

namespace memgate::backends::redis::testing {
namespace {

RedisOptions FakeClusterOptions(const std::string& seeds) {
  RedisOptions options;
  absl::StatusOr<std::vector<RedisEndpoint>> parsed = ParseClusterUrl("redis+cluster://" + seeds);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return options;
  options.cluster_seeds = *parsed;
  options.endpoint = parsed->front();
  options.timeout = std::chrono::milliseconds(500);
  return options;
}

// A call's result, or nullopt when it has not come within `limit` (a hang).
// The result lives in shared state, so a late answer finds it still there.
template <typename R, typename Issue>
std::optional<R> AnswerWithin(absl::Duration limit, Issue issue) {
  struct State {
    absl::Mutex mu;
    std::optional<R> result;
  };
  auto state = std::make_shared<State>();
  issue([state](R result) {
    absl::MutexLock lock(&state->mu);
    state->result = std::move(result);
  });
  absl::MutexLock lock(&state->mu);
  state->mu.AwaitWithTimeout(
      absl::Condition(
          +[](std::optional<R>* r) { return r->has_value(); }, &state->result),
      limit);
  return state->result;
}

std::optional<StoreResult> Set(Backend& backend, std::string_view key, std::string_view value) {
  const ClientContext client{1, "127.0.0.1:1", "test"};
  return AnswerWithin<StoreResult>(absl::Seconds(5), [&](auto done) {
    backend.Store(client, StoreRequest{.mode = StoreMode::kSet, .key = key, .value = value},
                  std::move(done));
  });
}

std::optional<GetResult> Get(Backend& backend, std::vector<std::string_view> keys) {
  const ClientContext client{1, "127.0.0.1:1", "test"};
  return AnswerWithin<GetResult>(absl::Seconds(5), [&](auto done) {
    backend.Get(client, GetRequest{.keys = keys, .with_cas = true}, std::move(done));
  });
}

// What a set's SET ... GET answers when it stored over no older value.
constexpr char kStored[] = "$-1\r\n";

std::string Moved(std::string_view key, int port) {
  return absl::StrCat("-MOVED ", KeySlot(key), " 127.0.0.1:", port, "\r\n");
}

TEST(ClusterFaultTest, RedirectLoopIsCutAfterAFewHops) {
  // Two nodes, each sure the other serves the key.
  std::atomic<int> other_of_a{0};
  std::atomic<int> other_of_b{0};
  FakeRedisNode a([&](const std::vector<std::string>&) { return Moved("loop", other_of_a); });
  FakeRedisNode b([&](const std::vector<std::string>&) { return Moved("loop", other_of_b); });
  other_of_a = b.port();
  other_of_b = a.port();
  AttachedBackend backend(FakeClusterOptions(a.url()), 1);
  ASSERT_TRUE(backend.ok());

  const std::optional<StoreResult> stored = Set(*backend, "loop", "v");
  ASSERT_TRUE(stored) << "a redirect loop must not hang the client";
  EXPECT_EQ(stored->outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(stored->error.message, "too many redirections"))
      << stored->error.message;
  // The first try and kMaxRedirects more, no further.
  EXPECT_EQ(a.handled() + b.handled(), kMaxRedirects + 1);

  const std::optional<GetResult> got = Get(*backend, {"loop"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->outcome, GetOutcome::kError);
  EXPECT_TRUE(absl::StrContains(got->error.message, "too many redirections")) << got->error.message;
}

TEST(ClusterFaultTest, RedirectToAWorkingNodeIsFollowed) {
  // The same nodes, but b answers: the hops end there and the client sees
  // nothing of them (so the loop test above fails for the loop alone).
  FakeRedisNode b([](const std::vector<std::string>&) { return std::string(kStored); });
  std::atomic<int> target{0};
  FakeRedisNode a([&](const std::vector<std::string>&) { return Moved("k", target); });
  target = b.port();
  AttachedBackend backend(FakeClusterOptions(a.url()), 1);
  ASSERT_TRUE(backend.ok());
  const std::optional<StoreResult> stored = Set(*backend, "k", "v");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->outcome, StoreOutcome::kStored) << stored->error.message;
  EXPECT_EQ(b.handled(), 1);
}

TEST(ClusterFaultTest, TryAgainIsAServerErrorByName) {
  std::atomic<bool> busy{true};
  FakeRedisNode node([&](const std::vector<std::string>&) -> std::string {
    if (busy) return "-TRYAGAIN Multiple keys request during rehashing of slot\r\n";
    return kStored;
  });
  AttachedBackend backend(FakeClusterOptions(node.url()), 1);
  ASSERT_TRUE(backend.ok());

  const std::optional<StoreResult> stored = Set(*backend, "k", "v");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StartsWith(stored->error.message, "TRYAGAIN")) << stored->error.message;
  const std::optional<GetResult> got = Get(*backend, {"k", "{k}2", "{k}3"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->outcome, GetOutcome::kError);
  EXPECT_TRUE(absl::StartsWith(got->error.message, "TRYAGAIN")) << got->error.message;
  // Not retried behind the client's back: one command per key asked.
  const int handled = node.handled();

  busy = false;
  const std::optional<StoreResult> again = Set(*backend, "k", "v");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, StoreOutcome::kStored) << again->error.message;
  EXPECT_EQ(node.handled(), handled + 1);
}

}  // namespace
}  // namespace memgate::backends::redis::testing
