// The dispatcher without sockets: request bytes go through the parser and
// the dispatcher into a fake session, and the reply bytes are compared with
// memcached's, table-driven, for classic and meta commands and for what a
// backend's capabilities and outcomes turn into.
#include "server/dispatcher.h"

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/memory/memory_backend.h"
#include "gtest/gtest.h"
#include "server/protocol/parser.h"
#include "server/version.h"
#include "tests/doubles/delayed_backend.h"

namespace memgate::server {
namespace {

using backends::MemoryBackend;
using backends::MemoryBackendOptions;

// A session whose reply slots are strings; replies leave in slot order, as a
// connection sends them, and stop after a reply that closes.
class FakeSession final : public Session {
 public:
  explicit FakeSession(ServerStats& stats) : counters_(stats.ForThread(0)) {}

  const backends::ClientContext& client() const override { return client_; }
  ThreadCounters& counters() override { return counters_; }
  uint64_t ReserveReply() override {
    slots_.emplace_back();
    return next_seq_++;
  }
  std::string& ReplyBuffer(uint64_t seq) override { return slots_[seq - head_seq_].bytes; }
  void FinishReply(uint64_t seq, bool close_after) override {
    Slot& slot = slots_[seq - head_seq_];
    slot.done = true;
    slot.close_after = close_after;
    while (!slots_.empty() && slots_.front().done) {
      // Nothing after a closing reply is sent, as on a connection.
      if (!closed_) sent_ += slots_.front().bytes;
      closed_ = closed_ || slots_.front().close_after;
      slots_.pop_front();
      ++head_seq_;
    }
  }
  bool OnSessionThread() const override { return on_thread_; }
  void Post(absl::AnyInvocable<void() &&> task) override {
    absl::MutexLock lock(&mu_);
    posted_.push_back(std::move(task));
  }

  // Runs what other threads post until every reserved slot has been sent.
  void RunPosted() {
    for (;;) {
      std::vector<absl::AnyInvocable<void() &&>> tasks;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](std::vector<absl::AnyInvocable<void() &&>>* posted) { return !posted->empty(); },
            &posted_));
        tasks.swap(posted_);
      }
      for (auto& task : tasks) std::move(task)();
      if (slots_.empty()) return;
    }
  }

  std::string TakeSent() { return std::exchange(sent_, {}); }
  bool closed() const { return closed_; }
  bool pending() const { return !slots_.empty(); }
  void set_on_thread(bool on_thread) { on_thread_ = on_thread; }

 private:
  struct Slot {
    std::string bytes;
    bool done = false;
    bool close_after = false;
  };

  backends::ClientContext client_{1, "127.0.0.1:1", "l1", 0};
  ThreadCounters& counters_;
  std::deque<Slot> slots_;
  uint64_t head_seq_ = 0;
  uint64_t next_seq_ = 0;
  std::string sent_;
  bool closed_ = false;
  bool on_thread_ = true;
  absl::Mutex mu_;
  std::vector<absl::AnyInvocable<void() &&>> posted_ ABSL_GUARDED_BY(mu_);
};

// Parses every command in `input` and dispatches it, as a connection does.
void Feed(std::string_view input, Dispatcher& dispatcher, Session& session) {
  protocol::Parser parser;
  protocol::Command command;
  while (!input.empty()) {
    const protocol::ParseResult result = parser.Parse(input, command);
    input.remove_prefix(result.consumed);
    if (result.status == protocol::ParseResult::Status::kNeedMore) {
      ASSERT_NE(result.consumed, 0u) << "incomplete input: " << input;
      continue;
    }
    dispatcher.Execute(result, command, session);
  }
}

struct Case {
  std::string name;
  std::string input;
  std::string expected;
};

MemoryBackendOptions Options() {
  MemoryBackendOptions options;
  options.sweep_interval = absl::ZeroDuration();
  return options;
}

class DispatcherTest : public ::testing::TestWithParam<Case> {};

TEST_P(DispatcherTest, RepliesAsMemcached) {
  MemoryBackend backend(Options());
  ServerStats stats(1);
  Dispatcher dispatcher(backend, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  Feed(GetParam().input, dispatcher, *session);
  EXPECT_EQ(session->TakeSent(), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Classic, DispatcherTest,
    ::testing::Values(
        Case{"SetGet", "set k 5 0 2\r\nhi\r\nget k\r\n", "STORED\r\nVALUE k 5 2\r\nhi\r\nEND\r\n"},
        Case{"GetsCas", "set k 0 0 1\r\na\r\ngets k\r\n",
             "STORED\r\nVALUE k 0 1 1\r\na\r\nEND\r\n"},
        Case{"AddExisting", "add k 0 0 1\r\na\r\nadd k 0 0 1\r\nb\r\n", "STORED\r\nNOT_STORED\r\n"},
        Case{"ReplaceMissing", "replace k 0 0 1\r\na\r\n", "NOT_STORED\r\n"},
        Case{"AppendPrepend",
             "set k 0 0 1\r\nb\r\nappend k 0 0 1\r\nc\r\nprepend k 0 0 1\r\na\r\nget k\r\n",
             "STORED\r\nSTORED\r\nSTORED\r\nVALUE k 0 3\r\nabc\r\nEND\r\n"},
        Case{"CasMissAndMismatch",
             "cas k 0 0 1 1\r\na\r\nset k 0 0 1\r\na\r\ncas k 0 0 1 99\r\nb\r\n",
             "NOT_FOUND\r\nSTORED\r\nEXISTS\r\n"},
        Case{"DeleteTwice", "set k 0 0 1\r\na\r\ndelete k\r\ndelete k\r\n",
             "STORED\r\nDELETED\r\nNOT_FOUND\r\n"},
        Case{"IncrDecr", "set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr x 1\r\n",
             "STORED\r\n15\r\n0\r\nNOT_FOUND\r\n"},
        Case{"IncrNonNumeric", "set n 0 0 1\r\na\r\nincr n 1\r\n",
             "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"},
        Case{"Touch", "set k 0 0 1\r\na\r\ntouch k 10\r\ntouch x 10\r\n",
             "STORED\r\nTOUCHED\r\nNOT_FOUND\r\n"},
        Case{"GatMissesAndHits", "set k 3 0 1\r\na\r\ngats 100 x k\r\n",
             "STORED\r\nVALUE k 3 1 1\r\na\r\nEND\r\n"},
        Case{"FlushAll", "set k 0 0 1\r\na\r\nflush_all\r\nget k\r\n", "STORED\r\nOK\r\nEND\r\n"},
        Case{"Noreply", "set k 0 0 1 noreply\r\na\r\ndelete k noreply\r\nget k\r\n", "END\r\n"},
        Case{"TooLargeSetDropsTheOldValue",
             "set k 0 0 1\r\na\r\nset k 0 0 2000000\r\n" + std::string(2000000, 'x') +
                 "\r\nget k\r\n",
             "STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n"},
        Case{"UnknownCommand", "bogus\r\n", "ERROR\r\n"},
        // Clients parse the release number: exactly memcached's line.
        Case{"Version", "version\r\n", "VERSION 1.6.45\r\n"},
        Case{"CasEmptyUniqueSwallowsTheValue", "cas k 0 0 6 \r\nfoobar\r\nget k\r\n",
             "CLIENT_ERROR bad command line format\r\nEND\r\n"},
        Case{"CasShortValueSwallowed", "cas k 0 0 3\r\nfoobar\r\nmn\r\n",
             "CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line "
             "format\r\nMN\r\n"},
        Case{"BlankLines", " \r\n \n\r\n\nversion\r\n",
             "CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line "
             "format\r\nCLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command "
             "line format\r\nVERSION 1.6.45\r\n"},
        Case{"SlabsAutomove",
             "slabs automove 1\r\nslabs automove x\r\nslabs automove 3\r\nslabs automove 0 "
             "noreply\r\n",
             "OK\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n"},
        // Where memcached 1.6.45 answers differently from 1.6.18.
        Case{"DeleteIgnoresWhatFollowsTheKey", "set k 0 0 1\r\na\r\ndelete k 10\r\nget k\r\n",
             "STORED\r\nDELETED\r\nEND\r\n"},
        Case{"TooFewTokens", "get\r\ntouch k\r\nincr k\r\ndelete\r\nverbosity\r\n",
             "CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line "
             "format\r\nCLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command "
             "line format\r\nCLIENT_ERROR bad command line format\r\n"},
        Case{"ExtraTokensIgnored",
             "set k 0 0 1\r\n1\r\nincr k 1 2 3\r\ntouch k 0 1\r\nverbosity 1 2 3\r\n"
             "flush_all 0 1 2\r\nget k\r\n",
             "STORED\r\n2\r\nTOUCHED\r\nOK\r\nOK\r\nEND\r\n"},
        Case{"IncrPlusSign", "incr k +1\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n"},
        Case{"LeadingSpace", " get k\r\n", "ERROR\r\n"},
        Case{"LongKeyInGet", "get a " + std::string(251, 'k') + "\r\nversion\r\n",
             "CLIENT_ERROR bad command line format\r\n\r\nVERSION 1.6.45\r\n"},
        Case{"NumbersAreDigitsAlone",
             "touch k +1\r\nverbosity 4294967296\r\nflush_all 2147483648\r\n",
             "CLIENT_ERROR invalid exptime argument\r\nCLIENT_ERROR bad command line "
             "format\r\nCLIENT_ERROR invalid exptime argument\r\n"},
        Case{"Quit", "quit\r\nget k\r\n", ""}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Meta, DispatcherTest,
    ::testing::Values(
        Case{"SetGet", "ms k 2 F7 T0\r\nhi\r\nmg k v f s k Oab\r\n",
             "HD\r\nVA 2 f7 s2 kk Oab\r\nhi\r\n"},
        Case{"Miss", "mg k v Oq k\r\nmg k q\r\nmn\r\n", "EN Oq kk\r\nMN\r\n"},
        Case{"SetModes", "ms k 1 ME\r\na\r\nms k 1 ME\r\nb\r\nms x 1 MR\r\nc\r\n",
             "HD\r\nNS\r\nNS\r\n"},
        Case{"DeleteWithCas", "ms k 1\r\na\r\nmd k C999\r\nmd k q\r\nmd k\r\n",
             "HD\r\nEX\r\nNF\r\n"},
        Case{"ArithCreatesAndCounts", "ma k N0 J5 v\r\nma k v MD D2\r\nma x\r\n",
             "VA 1\r\n5\r\nVA 1\r\n3\r\nNF\r\n"},
        Case{"NonNumeric", "ms k 1\r\na\r\nma k\r\n",
             "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"}),
    [](const auto& info) { return info.param.name; });

// mg N on a miss creates the item and hands its first reader the win.
TEST(DispatcherMetaTest, VivifyHandsOutTheWinOnce) {
  MemoryBackend backend(Options());
  ServerStats stats(1);
  Dispatcher dispatcher(backend, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  Feed("mg k N30 s t\r\nmg k N30 s\r\n", dispatcher, *session);
  EXPECT_EQ(session->TakeSent(), "HD s0 t30 W\r\nHD s0 Z\r\n");
}

// memcached -A: shutdown closes the asking client without a reply and asks
// the process to stop; without -A it is refused.
TEST(DispatcherShutdownTest, AsMemcachedWithAndWithoutEnableShutdown) {
  MemoryBackend backend(Options());
  ServerStats stats(1);
  Dispatcher disabled(backend, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  Feed("shutdown\r\nshutdown graceful\r\n", disabled, *session);
  EXPECT_EQ(session->TakeSent(),
            "SERVER_ERROR: shutdown not enabled\r\nSERVER_ERROR: shutdown not enabled\r\n");

  std::vector<bool> requests;
  Dispatcher enabled(backend, stats, ServerFacts{.request_shutdown = [&](bool graceful) {
                       requests.push_back(graceful);
                     }});
  auto client = std::make_shared<FakeSession>(stats);
  Feed("shutdown now\r\nshutdown graceful\r\nversion\r\n", enabled, *client);
  EXPECT_EQ(client->TakeSent(), "CLIENT_ERROR invalid shutdown mode\r\n");
  EXPECT_TRUE(client->closed());
  EXPECT_EQ(requests, std::vector<bool>{true});
}

// memcached -C: the memory backend keeps no cas, so gets reports 0 and a cas
// against a stored item fails.
TEST(DispatcherCasDisabledTest, CasIsZeroAndComparesFail) {
  MemoryBackendOptions options = Options();
  options.cas_enabled = false;
  MemoryBackend backend(options);
  ServerStats stats(1);
  Dispatcher dispatcher(backend, stats, ServerFacts{.cas_enabled = false});
  auto session = std::make_shared<FakeSession>(stats);
  Feed("set a 0 0 1\r\nx\r\ngets a\r\ncas a 0 0 1 0\r\ny\r\ncas b 0 0 1 0\r\ny\r\n", dispatcher,
       *session);
  EXPECT_EQ(session->TakeSent(), "STORED\r\nVALUE a 0 1 0\r\nx\r\nEND\r\nEXISTS\r\nNOT_FOUND\r\n");
}

// memcached keeps a number whose incr finds no memory and answers
// SERVER_ERROR out of memory (it used to read as NOT_FOUND, the value gone).
TEST(DispatcherOutcomeTest, IncrWithoutMemoryKeepsTheValue) {
  MemoryBackendOptions options = Options();
  options.shard_count = 1;
  options.memory_limit_bytes = 1 + 2 + MemoryBackend::kItemOverhead;
  MemoryBackend backend(options);
  ServerStats stats(1);
  Dispatcher dispatcher(backend, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  Feed("set n 0 0 2\r\n99\r\nincr n 1\r\nget n\r\n", dispatcher, *session);
  EXPECT_EQ(session->TakeSent(),
            "STORED\r\nSERVER_ERROR out of memory\r\nVALUE n 0 2\r\n99\r\nEND\r\n");
}

// A backend without meta support, or without the access and recache state
// some flags need, is refused before it is called.
class LimitedBackend final : public backends::Backend {
 public:
  explicit LimitedBackend(backends::Capabilities capabilities) : capabilities_(capabilities) {}
  std::string_view Name() const override { return "limited"; }
  backends::Capabilities capabilities() const override { return capabilities_; }
  void Get(const backends::ClientContext& client, const backends::GetRequest& request,
           Done<backends::GetResult> done) override {
    ++calls;
    inner_.Get(client, request, std::move(done));
  }
  void Store(const backends::ClientContext& client, const backends::StoreRequest& request,
             Done<backends::StoreResult> done) override {
    ++calls;
    inner_.Store(client, request, std::move(done));
  }
  void Delete(const backends::ClientContext& client, const backends::DeleteRequest& request,
              Done<backends::DeleteResult> done) override {
    ++calls;
    inner_.Delete(client, request, std::move(done));
  }
  void Arith(const backends::ClientContext& client, const backends::ArithRequest& request,
             Done<backends::ArithResult> done) override {
    ++calls;
    inner_.Arith(client, request, std::move(done));
  }
  void Touch(const backends::ClientContext& client, const backends::TouchRequest& request,
             Done<backends::TouchResult> done) override {
    ++calls;
    inner_.Touch(client, request, std::move(done));
  }
  void FlushAll(const backends::ClientContext& client, const backends::FlushRequest& request,
                Done<backends::FlushResult> done) override {
    ++calls;
    if (refuse_flush)
      return std::move(done)(backends::FlushResult{.outcome = backends::FlushOutcome::kRefused});
    inner_.FlushAll(client, request, std::move(done));
  }
  void Stats(Done<backends::StatsResult> done) override { inner_.Stats(std::move(done)); }

  int calls = 0;
  bool refuse_flush = false;  // answer flush_all as a backend set not to flush

 private:
  const backends::Capabilities capabilities_;
  MemoryBackend inner_{Options()};
};

// A flush the backend's settings forbid (Redis raw mode, --redis-flush off)
// is answered as memcached -F answers, never as a failing server.
TEST(DispatcherFlushTest, RefusedFlushIsNotAllowed) {
  LimitedBackend backend({.meta_commands = true, .access_state = true, .in_order = true});
  backend.refuse_flush = true;
  ServerStats stats(1);
  Dispatcher dispatcher(backend, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  Feed("set k 0 0 1\r\na\r\nflush_all\r\nflush_all 10 noreply\r\nget k\r\n", dispatcher, *session);
  EXPECT_EQ(session->TakeSent(),
            "STORED\r\nCLIENT_ERROR flush_all not allowed\r\nVALUE k 0 1\r\na\r\nEND\r\n");
  EXPECT_EQ(stats.Totals().cmd_flush, 0u);
  EXPECT_EQ(stats.Totals().backend_errors, 0u);
}

// idle_kicks sits where memcached 1.6.45 prints it; memgate's own version
// comes after memcached's fields.
TEST(DispatcherStatsTest, IdleKicksAndMemgateVersion) {
  MemoryBackend backend(Options());
  ServerStats stats(1);
  stats.idle_kicks = 3;
  Dispatcher dispatcher(backend, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  Feed("stats\r\n", dispatcher, *session);
  const std::string sent = session->TakeSent();
  EXPECT_NE(sent.find("STAT version 1.6.45\r\n"), std::string::npos) << sent;
  EXPECT_NE(sent.find("STAT store_no_memory 0\r\nSTAT idle_kicks 3\r\nSTAT bytes_read "),
            std::string::npos)
      << sent;
  EXPECT_TRUE(sent.ends_with("STAT memgate_version " MEMGATE_VERSION "\r\nEND\r\n")) << sent;
  Feed("stats settings\r\n", dispatcher, *session);
  const std::string settings = session->TakeSent();
  EXPECT_NE(settings.find("STAT evictions on\r\nSTAT shutdown_command no\r\nSTAT num_threads "),
            std::string::npos)
      << settings;
}

TEST(DispatcherCapabilitiesTest, RefusesWhatTheBackendCannotKeep) {
  struct Refusal {
    backends::Capabilities capabilities;
    std::string input;
    std::string expected;
  };
  const std::vector<Refusal> refusals = {
      {{.in_order = true},
       "mg k v\r\n",
       "CLIENT_ERROR meta commands need item metadata, which the limited backend does not "
       "keep\r\n"},
      {{.meta_commands = true, .in_order = true},
       "mg k h\r\n",
       "CLIENT_ERROR mg h and l and me need the last access and fetched state, which the "
       "limited backend does not keep\r\n"},
      {{.meta_commands = true, .in_order = true},
       "me k\r\n",
       "CLIENT_ERROR mg h and l and me need the last access and fetched state, which the "
       "limited backend does not keep\r\n"},
      {{.meta_commands = true, .access_state = true, .in_order = true},
       "md k I\r\n",
       "CLIENT_ERROR R and I need the stale and recache-token state, which the limited "
       "backend does not keep\r\n"},
      // E is refused first, also where nothing would take it (a hit, md without I).
      {{.meta_commands = true, .access_state = true, .recache_state = true, .in_order = true},
       "ms k 1 E5\r\na\r\n",
       "CLIENT_ERROR E sets the item's cas value, which the limited backend does not keep\r\n"},
      {{.in_order = true},
       "mg k N30 E5\r\n",
       "CLIENT_ERROR E sets the item's cas value, which the limited backend does not keep\r\n"},
      {{.meta_commands = true, .in_order = true},
       "md k E5\r\n",
       "CLIENT_ERROR E sets the item's cas value, which the limited backend does not keep\r\n"},
  };
  for (const Refusal& refusal : refusals) {
    LimitedBackend backend(refusal.capabilities);
    ServerStats stats(1);
    Dispatcher dispatcher(backend, stats, ServerFacts{});
    auto session = std::make_shared<FakeSession>(stats);
    Feed(refusal.input, dispatcher, *session);
    EXPECT_EQ(session->TakeSent(), refusal.expected) << refusal.input;
    EXPECT_EQ(backend.calls, 0) << refusal.input;
  }
  LimitedBackend full({.meta_commands = true, .access_state = true, .in_order = true});
  ServerStats stats(1);
  Dispatcher dispatcher(full, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  Feed("ms k 1\r\na\r\nmg k h\r\n", dispatcher, *session);
  EXPECT_EQ(session->TakeSent(), "HD\r\nHD h0\r\n");
  EXPECT_EQ(full.calls, 2);
  LimitedBackend with_cas({.meta_commands = true, .explicit_cas = true, .in_order = true});
  Dispatcher cas_dispatcher(with_cas, stats, ServerFacts{});
  Feed("ms k 2 E973 c s\r\nab\r\nms k 1 MA s\r\nc\r\nmg k c s\r\n", cas_dispatcher, *session);
  EXPECT_EQ(session->TakeSent(), "HD c973 s2\r\nHD s3\r\nHD c1 s3\r\n");
}

// Completions from another thread are posted back, and replies still leave
// in command order.
TEST(DispatcherOrderTest, LateCompletionsKeepCommandOrder) {
  MemoryBackend memory(Options());
  backends::testing::DelayedBackend delayed(
      memory, backends::testing::DelayOptions{.max_delay = absl::Microseconds(300)});
  ServerStats stats(1);
  Dispatcher dispatcher(delayed, stats, ServerFacts{});
  auto session = std::make_shared<FakeSession>(stats);
  session->set_on_thread(false);
  std::string input;
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(i);
    input += "set " + key + " 0 0 1\r\nx\r\nget " + key + "\r\n";
    expected += "STORED\r\nVALUE " + key + " 0 1\r\nx\r\nEND\r\n";
  }
  Feed(input, dispatcher, *session);
  session->RunPosted();
  EXPECT_EQ(session->TakeSent(), expected);
}

}  // namespace
}  // namespace memgate::server
