// The Redis backend's connections against a real redis-server: faults (Redis
// absent at start, killed mid-traffic and restarted, frozen, refusing),
// AUTH with an ACL user, SELECT, unix sockets, TLS, and how many Redis
// connections many clients share.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "backends/redis/redis_backend.h"
#include "boost/asio/post.hpp"
#include "gtest/gtest.h"
#include "tests/backends/redis/backend_harness.h"
#include "tests/backends/redis/redis_server.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends::redis {
namespace {

using backends::testing::SyncGet;
using backends::testing::SyncStore;
using backends::testing::SyncValue;
using testing::AttachedBackend;
using testing::OptionsFor;
using testing::RedisServer;
using testing::RedisServerOptions;
using Clock = std::chrono::steady_clock;

const ClientContext kClient{1, "127.0.0.1:1", "test"};

StoreResult Set(Backend& backend, std::string_view key, std::string_view value,
                const ClientContext& client = kClient) {
  return SyncStore(backend, client, StoreMode::kSet, key, value);
}

// Retries a set until Redis takes it; the time that took, or nullopt.
std::optional<Clock::duration> TimeUntilServing(Backend& backend, Clock::duration limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (Set(backend, "probe", "v").outcome == StoreOutcome::kStored) return Clock::now() - start;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

TEST(RedisConnectionTest, UnreachableAtStartAnswersErrorsThenServes) {
  RedisServer server;
  server.ChoosePort();
  RedisOptions options = OptionsFor(server.url());
  options.timeout = std::chrono::milliseconds(300);
  AttachedBackend backend(options);
  ASSERT_TRUE(backend.ok());
  const auto start = Clock::now();
  const StoreResult refused = Set(*backend, "k", "v");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1000));
  EXPECT_EQ(refused.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(refused.error.message, "cannot connect to redis"))
      << refused.error.message;
  EXPECT_FALSE(refused.error.close_connection);
  EXPECT_FALSE(backend->Reachable());

  ASSERT_TRUE(server.Start().ok());
  const std::optional<Clock::duration> serving =
      TimeUntilServing(*backend, std::chrono::seconds(5));
  ASSERT_TRUE(serving.has_value()) << "not serving 5 s after Redis came up";
  EXPECT_TRUE(backend->Reachable());
  EXPECT_EQ(SyncValue(*backend, kClient, "probe"), "v");
}

TEST(RedisConnectionTest, KilledMidTrafficFailsFastNeverLiesAndRecovers) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  RedisOptions options = OptionsFor(server.url());
  options.timeout = std::chrono::milliseconds(500);
  AttachedBackend backend(options, 2);
  ASSERT_TRUE(backend.ok());

  std::atomic<bool> stop{false};
  std::atomic<int64_t> slowest_us{0};
  std::atomic<int> wrong{0};
  std::atomic<int> errors{0};
  std::atomic<int> ok_after_restart{0};
  std::atomic<bool> restarted{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      const ClientContext client{static_cast<uint64_t>(100 + w), "peer", "test", w % 2};
      const std::string key = absl::StrCat("worker", w);
      for (uint64_t n = 1; !stop.load(); ++n) {
        const std::string value = absl::StrCat(n);
        const auto start = Clock::now();
        const StoreResult stored = SyncStore(*backend, client, StoreMode::kSet, key, value);
        const GetResult got = SyncGet(*backend, client, {key});
        const int64_t us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
        int64_t seen = slowest_us.load();
        while (us > seen && !slowest_us.compare_exchange_weak(seen, us)) {
        }
        if (stored.outcome != StoreOutcome::kStored || got.outcome != GetOutcome::kOk) {
          errors.fetch_add(1);
          continue;
        }
        // The set was applied, so the get after it on the same pinned
        // connection sees it (or nothing, if Redis restarted in between).
        if (!got.hits.empty() && got.hits[0].value != value) wrong.fetch_add(1);
        if (restarted.load()) ok_after_restart.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const int errors_while_down = errors.load();
  ASSERT_TRUE(server.Start().ok());
  const auto back = Clock::now();
  restarted.store(true);
  while (ok_after_restart.load() < 60 && Clock::now() - back < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto recovery = Clock::now() - back;
  stop.store(true);
  for (std::thread& worker : workers) worker.join();

  EXPECT_GT(errors_while_down, 0);
  EXPECT_EQ(wrong.load(), 0);
  // A set and a get, each failing within the timeout at worst.
  EXPECT_LT(slowest_us.load(), 2 * 500'000 + 500'000);
  EXPECT_GE(ok_after_restart.load(), 60) << "recovery took longer than 5 s";
  EXPECT_LT(recovery, std::chrono::seconds(5));
}

TEST(RedisConnectionTest, FrozenRedisIsATimeout) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  RedisOptions options = OptionsFor(server.url());
  options.timeout = std::chrono::milliseconds(300);
  AttachedBackend backend(options);
  ASSERT_TRUE(backend.ok());
  ASSERT_EQ(Set(*backend, "k", "v").outcome, StoreOutcome::kStored);
  server.Freeze();
  const auto start = Clock::now();
  const StoreResult frozen = Set(*backend, "k", "w");
  const auto waited = Clock::now() - start;
  server.Thaw();
  EXPECT_EQ(frozen.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(frozen.error.message, "timeout")) << frozen.error.message;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::milliseconds(900));
  ASSERT_TRUE(TimeUntilServing(*backend, std::chrono::seconds(5)).has_value());
}

// A write to Redis waits while turns of the loop keep adding commands, but
// only a few turns: a loop that adds one every turn still gets answers while
// it goes on.
TEST(RedisConnectionTest, BusyTurnsDelayAWriteOnlyABoundedNumberOfTurns) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  AttachedBackend backend(OptionsFor(server.url()));
  ASSERT_TRUE(backend.ok());
  ASSERT_EQ(Set(*backend, "k", "v").outcome, StoreOutcome::kStored);

  constexpr int kTurns = 400;
  const ClientContext client{7, "peer", "test", 0};
  const std::string_view keys[] = {"k"};
  boost::asio::io_context& loop = backend.loop(0);
  int turn = 0;
  int first_answer_turn = -1;
  int answers = 0;
  absl::Notification all_answered;
  std::function<void()> next_turn = [&] {
    backend->Get(client, GetRequest{.keys = keys}, [&](GetResult result) {
      EXPECT_EQ(result.outcome, GetOutcome::kOk);
      if (first_answer_turn < 0) first_answer_turn = turn;
      if (++answers == kTurns) all_answered.Notify();
    });
    // A turn that takes a millisecond leaves Redis time to answer within the
    // bound even on a loaded machine; a write held until the loop goes quiet
    // still answers only after the last turn.
    absl::SleepFor(absl::Milliseconds(1));
    if (++turn < kTurns) boost::asio::post(loop, next_turn);
  };
  boost::asio::post(loop, next_turn);
  ASSERT_TRUE(all_answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_GE(first_answer_turn, 1);
  EXPECT_LT(first_answer_turn, kTurns / 4) << "the first get waited for the loop to go quiet";
}

TEST(RedisConnectionTest, RefusalsAreNamed) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  AttachedBackend backend(OptionsFor(server.url()));
  ASSERT_TRUE(backend.ok());
  ASSERT_EQ(Set(*backend, "k", "v").outcome, StoreOutcome::kStored);
  server.Command({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  server.Command({"CONFIG", "SET", "maxmemory", "1"});
  const StoreResult full = Set(*backend, "k", "w");
  server.Command({"CONFIG", "SET", "maxmemory", "0"});
  EXPECT_EQ(full.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(full.error.message, "OOM")) << full.error.message;
  EXPECT_EQ(SyncValue(*backend, kClient, "k"), "v");
}

TEST(RedisConnectionTest, ManyClientsShareLoopsTimesConnections) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  RedisOptions options = OptionsFor(server.url());
  options.connections_per_loop = 2;
  AttachedBackend backend(options, 2);
  ASSERT_TRUE(backend.ok());
  for (uint64_t id = 0; id < 40; ++id) {
    const ClientContext client{id, "peer", "test", static_cast<int>(id % 2)};
    ASSERT_EQ(Set(*backend, absl::StrCat("k", id), "v", client).outcome, StoreOutcome::kStored);
  }
  const std::string list = server.Text({"CLIENT", "LIST"});
  const std::vector<std::string> lines = absl::StrSplit(list, '\n', absl::SkipEmpty());
  // Everything but the admin connection asking.
  EXPECT_EQ(lines.size() - 1, 4u) << list;
}

TEST(RedisConnectionTest, AuthenticatesAsAnAclUserAndSelectsTheDatabase) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  server.Command({"ACL", "SETUSER", "memgate", "on", ">s3cret", "~app:*", "+@all"});
  RedisOptions options =
      OptionsFor(absl::StrCat("redis://memgate:s3cret@127.0.0.1:", server.port(), "/2"));
  options.prefix = "app:";
  AttachedBackend backend(options);
  ASSERT_TRUE(backend.ok());
  const StoreResult stored = Set(*backend, "k", "v");
  ASSERT_EQ(stored.outcome, StoreOutcome::kStored) << stored.error.message;
  EXPECT_EQ(server.Text({"GETRANGE", "app:k", "14", "-1"}, 2), "v");
  EXPECT_EQ(server.Text({"EXISTS", "app:k"}), "0");

  RedisOptions wrong = OptionsFor(absl::StrCat("redis://memgate:nope@127.0.0.1:", server.port()));
  AttachedBackend refused(wrong);
  ASSERT_TRUE(refused.ok());
  const StoreResult denied = Set(*refused, "k", "v");
  EXPECT_EQ(denied.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(denied.error.message, "WRONGPASS")) << denied.error.message;
  EXPECT_FALSE(refused->Reachable());
}

TEST(RedisConnectionTest, UnixSocketWithDatabase) {
  RedisServer server(RedisServerOptions{.unix_socket = true});
  ASSERT_TRUE(server.Start().ok());
  AttachedBackend backend(OptionsFor(absl::StrCat("unix://", server.unix_path(), "?db=3")));
  ASSERT_TRUE(backend.ok());
  ASSERT_EQ(Set(*backend, "k", "v").outcome, StoreOutcome::kStored);
  EXPECT_EQ(server.Text({"GETRANGE", "k", "14", "-1"}, 3), "v");
}

TEST(RedisConnectionTest, TlsWithTheServersCertificate) {
  RedisServer server(RedisServerOptions{.tls = true});
  ASSERT_TRUE(server.Start().ok());
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    RedisOptions options = OptionsFor(absl::StrCat("rediss://", host, ":", server.port()));
    options.tls_ca_file = server.ca_file();
    AttachedBackend backend(options);
    ASSERT_TRUE(backend.ok());
    const StoreResult stored = Set(*backend, "k", host);
    ASSERT_EQ(stored.outcome, StoreOutcome::kStored) << host << ": " << stored.error.message;
    EXPECT_EQ(SyncValue(*backend, kClient, "k"), host);
  }
  RedisOptions insecure = OptionsFor(absl::StrCat("rediss://127.0.0.1:", server.port()));
  insecure.tls_insecure = true;
  AttachedBackend unchecked(insecure);
  EXPECT_EQ(Set(*unchecked, "k", "v").outcome, StoreOutcome::kStored);

  // The system trust store does not know the test's certificate.
  AttachedBackend untrusted(OptionsFor(absl::StrCat("rediss://localhost:", server.port())));
  const StoreResult refused = Set(*untrusted, "k", "v");
  EXPECT_EQ(refused.outcome, StoreOutcome::kError);
  EXPECT_TRUE(absl::StrContains(refused.error.message, "certificate")) << refused.error.message;
}

TEST(RedisConnectionTest, BadTlsFilesFailAtCreate) {
  RedisOptions options = OptionsFor("rediss://localhost:1");
  options.tls_ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(RedisBackend::Create(options).ok());
  RedisOptions plain = OptionsFor("redis://localhost:1");
  plain.tls_ca_file = "/etc/hosts";
  EXPECT_FALSE(RedisBackend::Create(plain).ok());
}

}  // namespace
}  // namespace memgate::backends::redis
