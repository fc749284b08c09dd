// The server end to end in one process: real sockets, the memory backend, and
// backends that complete later on another thread.
#include "server/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "backends/memory/memory_backend.h"
#include "gtest/gtest.h"
#include "server/completion.h"
#include "server/version.h"
#include "tests/doubles/delayed_backend.h"
#include "tests/server/test_client.h"

namespace memgate::server {
namespace {

using backends::MemoryBackend;
using backends::testing::DelayedBackend;
using backends::testing::DelayOptions;
using testing::TestClient;

// Every call fails with a backend error that keeps or closes the connection.
class FailingBackend final : public backends::Backend {
 public:
  explicit FailingBackend(bool close) : error_{"backend unreachable", close} {}
  std::string_view Name() const override { return "failing"; }
  backends::Capabilities capabilities() const override {
    return {.meta_commands = true, .in_order = true};
  }
  void Get(const backends::ClientContext&, const backends::GetRequest&,
           Done<backends::GetResult> done) override {
    std::move(done)({.outcome = backends::GetOutcome::kError, .error = error_});
  }
  void Store(const backends::ClientContext&, const backends::StoreRequest&,
             Done<backends::StoreResult> done) override {
    std::move(done)({.outcome = backends::StoreOutcome::kError, .error = error_});
  }
  void Delete(const backends::ClientContext&, const backends::DeleteRequest&,
              Done<backends::DeleteResult> done) override {
    std::move(done)({.outcome = backends::DeleteOutcome::kError, .error = error_});
  }
  void Arith(const backends::ClientContext&, const backends::ArithRequest&,
             Done<backends::ArithResult> done) override {
    std::move(done)({.outcome = backends::ArithOutcome::kError, .error = error_});
  }
  void Touch(const backends::ClientContext&, const backends::TouchRequest&,
             Done<backends::TouchResult> done) override {
    std::move(done)({.outcome = backends::TouchOutcome::kError, .error = error_});
  }
  void FlushAll(const backends::ClientContext&, const backends::FlushRequest&,
                Done<backends::FlushResult> done) override {
    std::move(done)({.outcome = backends::FlushOutcome::kError, .error = error_});
  }
  void Stats(Done<backends::StatsResult> done) override { std::move(done)({}); }

 private:
  backends::BackendError error_;
};

// The memory backend, with each Get's key count recorded; the Get numbered
// `fail_get` (from 0) fails instead.
class PartRecordingBackend final : public backends::Backend {
 public:
  explicit PartRecordingBackend(int fail_get = -1) : fail_get_(fail_get) {}
  std::string_view Name() const override { return "recording"; }
  backends::Capabilities capabilities() const override { return inner_.capabilities(); }
  void Get(const backends::ClientContext& client, const backends::GetRequest& request,
           Done<backends::GetResult> done) override {
    if (request.keys.size() > 1) {
      absl::MutexLock lock(&mu_);
      parts_.push_back(request.keys.size());
      if (static_cast<int>(parts_.size()) - 1 == fail_get_) {
        std::move(done)({.outcome = backends::GetOutcome::kError, .error = {"part failed", false}});
        return;
      }
    }
    inner_.Get(client, request, std::move(done));
  }
  void Store(const backends::ClientContext& client, const backends::StoreRequest& request,
             Done<backends::StoreResult> done) override {
    inner_.Store(client, request, std::move(done));
  }
  void Delete(const backends::ClientContext& client, const backends::DeleteRequest& request,
              Done<backends::DeleteResult> done) override {
    inner_.Delete(client, request, std::move(done));
  }
  void Arith(const backends::ClientContext& client, const backends::ArithRequest& request,
             Done<backends::ArithResult> done) override {
    inner_.Arith(client, request, std::move(done));
  }
  void Touch(const backends::ClientContext& client, const backends::TouchRequest& request,
             Done<backends::TouchResult> done) override {
    inner_.Touch(client, request, std::move(done));
  }
  void FlushAll(const backends::ClientContext& client, const backends::FlushRequest& request,
                Done<backends::FlushResult> done) override {
    inner_.FlushAll(client, request, std::move(done));
  }
  void Stats(Done<backends::StatsResult> done) override { inner_.Stats(std::move(done)); }

  // The key counts of the multi-key Gets so far.
  std::vector<std::size_t> parts() const {
    absl::MutexLock lock(&mu_);
    return parts_;
  }

 private:
  MemoryBackend inner_;
  const int fail_get_;
  mutable absl::Mutex mu_;
  std::vector<std::size_t> parts_ ABSL_GUARDED_BY(mu_);
};

// A running server on a free loopback port.
struct RunningServer {
  explicit RunningServer(backends::Backend& backend, ServerOptions options = {.threads = 2})
      : server(backend, options) {
    auto listener = server.Open("127.0.0.1:0");
    EXPECT_TRUE(listener.ok()) << listener.status();
    if (listener.ok()) address = listener->bound_address;
    server.Start();
  }
  Server server;
  std::string address;
};

TEST(ServerTest, AnswersPipelinedCommandsInOrder) {
  MemoryBackend backend;
  RunningServer running(backend);
  TestClient client(running.address);
  std::string request =
      "set a 1 0 1\r\nA\r\nset b 2 0 2\r\nBB\r\nget a b c\r\ndelete a\r\nget a\r\nversion\r\n";
  EXPECT_EQ(client.Call(request, "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n"),
            "STORED\r\nSTORED\r\nVALUE a 1 1\r\nA\r\nVALUE b 2 2\r\nBB\r\nEND\r\n"
            "DELETED\r\nEND\r\nVERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
}

TEST(ServerTest, CommandSplitAcrossWrites) {
  MemoryBackend backend;
  RunningServer running(backend);
  TestClient client(running.address);
  const std::string request = "set key 0 0 5\r\nhello\r\nget key\r\n";
  for (char c : request) {
    client.Send(std::string(1, c));
    usleep(200);
  }
  EXPECT_EQ(client.ReadUntil("END\r\n"), "STORED\r\nVALUE key 0 5\r\nhello\r\nEND\r\n");
}

TEST(ServerTest, LargeValueRoundTrip) {
  MemoryBackend backend;
  RunningServer running(backend);
  TestClient client(running.address);
  std::string value(900 * 1024, 'x');
  for (size_t i = 0; i < value.size(); i += 4096) value[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(client.Call(absl::StrCat("set big 0 0 ", value.size(), "\r\n", value, "\r\n")),
            "STORED\r\n");
  EXPECT_EQ(client.Call("get big\r\n", "END\r\n"),
            absl::StrCat("VALUE big 0 ", value.size(), "\r\n", value, "\r\nEND\r\n"));
}

// Where two long replies first differ, instead of printing megabytes.
std::string FirstDifference(std::string_view got, std::string_view want) {
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  if (i == got.size() && i == want.size()) return "";
  const auto excerpt = [i](std::string_view s) {
    return absl::CEscape(std::string(s.substr(i, 40)));
  };
  return absl::StrCat("differ at byte ", i, " of ", want.size(), " (got ", got.size(),
                      " bytes): got \"", excerpt(got), "\", want \"", excerpt(want), "\"");
}

// Large values leave from the backend's memory, after the replies queued
// before them. A client that does not read lets those replies wait in the
// server (a unix socket buffers little, and the replies stay under the
// server's 4 MB output cap, so every command has run) while another client
// replaces and deletes the items: every reply must still carry the bytes the
// item had when its command ran, in order, around the small values.
void ExpectQueuedValuesSurviveReplacement(backends::Backend& backend) {
  RunningServer running(backend);
  const std::string path = absl::StrCat(::testing::TempDir(), "memgate-queued-", getpid());
  unlink(path.c_str());
  auto listener = running.server.Open("unix:" + path);
  ASSERT_TRUE(listener.ok()) << listener.status();
  TestClient reader("unix:" + path);
  TestClient writer(running.address);
  const auto value_of = [](char c, std::size_t size) {
    std::string v(size, c);
    for (std::size_t i = 0; i < size; i += 97) v[i] = static_cast<char>('a' + i % 23);
    return v;
  };
  const std::string small = value_of('s', 10);
  const std::string edge = value_of('e', kShareValuesFrom);
  const std::string big = value_of('b', 200 * 1024);
  for (const auto& [key, value] : {std::pair{"small", small}, {"edge", edge}, {"big", big}}) {
    ASSERT_EQ(writer.Call(absl::StrCat("set ", key, " 7 0 ", value.size(), "\r\n", value, "\r\n")),
              "STORED\r\n");
  }
  const std::string gets = reader.Call("gets edge\r\n", "END\r\n");
  const std::size_t line_end = gets.find("\r\n");
  const std::size_t cas_at = gets.rfind(' ', line_end) + 1;
  const std::string cas = gets.substr(cas_at, line_end - cas_at);

  std::string request;
  std::string expected;
  for (int i = 0; i < 8; ++i) {  // about 3.2 MB of replies
    request += "get small edge big\r\ngets edge\r\nmg big v f\r\n";
    absl::StrAppend(&expected, "VALUE small 7 10\r\n", small, "\r\nVALUE edge 7 ", edge.size(),
                    "\r\n", edge, "\r\nVALUE big 7 ", big.size(), "\r\n", big, "\r\nEND\r\n",
                    "VALUE edge 7 ", edge.size(), " ", cas, "\r\n", edge, "\r\nEND\r\n", "VA ",
                    big.size(), " f7\r\n", big, "\r\n");
  }
  request += "mn\r\n";
  expected += "MN\r\n";
  reader.Send(request);
  usleep(200 * 1000);  // every command runs; most replies wait in the server
  EXPECT_EQ(writer.Call("set big 0 0 3\r\nnew\r\ndelete edge\r\n", "DELETED\r\n"),
            "STORED\r\nDELETED\r\n");
  EXPECT_EQ(FirstDifference(reader.ReadUntil("MN\r\n"), expected), "");
  EXPECT_EQ(reader.Call("get big edge\r\n", "END\r\n"), "VALUE big 0 3\r\nnew\r\nEND\r\n");
  unlink(path.c_str());
}

TEST(ServerTest, QueuedLargeValuesSurviveReplacement) {
  MemoryBackend backend;
  ExpectQueuedValuesSurviveReplacement(backend);
}

TEST(ServerTest, QueuedLargeValuesFromAnotherThreadSurviveReplacement) {
  MemoryBackend memory;
  DelayedBackend backend(memory, DelayOptions{.max_delay = absl::Microseconds(300)});
  ExpectQueuedValuesSurviveReplacement(backend);
}

TEST(ServerTest, RepliesStayInOrderWhenCompletionsArriveLaterOnAnotherThread) {
  MemoryBackend memory;
  DelayedBackend backend(memory, DelayOptions{.max_delay = absl::Microseconds(300)});
  ASSERT_TRUE(backend.capabilities().in_order);
  RunningServer running(backend);
  TestClient client(running.address);
  std::string request;
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    absl::StrAppend(&request, "set k", i, " 0 0 ", absl::StrCat(i).size(), "\r\n", i, "\r\n");
    absl::StrAppend(&request, "get k", i, "\r\n");
    absl::StrAppend(&expected, "STORED\r\nVALUE k", i, " 0 ", absl::StrCat(i).size(), "\r\n", i,
                    "\r\nEND\r\n");
  }
  request += "incr k7 3\r\n";
  expected += "10\r\n";
  EXPECT_EQ(client.Call(request, "10\r\n"), expected);
}

TEST(ServerTest, WaitsForEachCommandWhenTheBackendCannotKeepOrder) {
  MemoryBackend memory;
  // Random delays without per-client ordering: only the server's one-at-a-time
  // issuing keeps this sequence right.
  DelayedBackend backend(
      memory, DelayOptions{.max_delay = absl::Microseconds(500), .keep_client_order = false});
  ASSERT_FALSE(backend.capabilities().in_order);
  RunningServer running(backend);
  TestClient client(running.address);
  std::string request = "set n 0 0 1\r\n0\r\n";
  std::string expected = "STORED\r\n";
  for (int i = 1; i <= 50; ++i) {
    request += "incr n 1\r\n";
    absl::StrAppend(&expected, i, "\r\n");
  }
  request += "append n 0 0 1\r\nx\r\nget n\r\n";
  expected += "STORED\r\nVALUE n 0 3\r\n50x\r\nEND\r\n";
  EXPECT_EQ(client.Call(request, "END\r\n"), expected);
}

// A get of `keys` keys k0..k(keys-1) where the even ones hold "v<i>", and
// what memcached answers to it.
std::pair<std::string, std::string> LongGet(TestClient& client, int keys) {
  std::string request = "get";
  std::string reply;
  for (int i = 0; i < keys; ++i) {
    absl::StrAppend(&request, " k", i);
    if (i % 2 != 0) continue;
    const std::string value = absl::StrCat("v", i);
    client.Call(absl::StrCat("set k", i, " 3 0 ", value.size(), "\r\n", value, "\r\n"));
    absl::StrAppend(&reply, "VALUE k", i, " 3 ", value.size(), "\r\n", value, "\r\n");
  }
  return {request + "\r\n", reply};
}

TEST(ServerTest, ALongGetIsAnsweredAPartAtATime) {
  PartRecordingBackend backend;
  RunningServer running(backend, {.threads = 1});
  TestClient client(running.address);
  auto [request, reply] = LongGet(client, 2000);
  EXPECT_EQ(client.Call(request + "version\r\n", "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n"),
            reply + "END\r\nVERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  // 16 keys first; small values make the next parts as large as allowed.
  EXPECT_EQ(backend.parts(), (std::vector<std::size_t>{16, 1024, 960}));
  EXPECT_EQ(client.Call("get k0 k1 k2\r\n", "END\r\n"),
            "VALUE k0 3 2\r\nv0\r\nVALUE k2 3 2\r\nv2\r\nEND\r\n");
}

TEST(ServerTest, AFailedPartEndsALongGetWithItsError) {
  PartRecordingBackend backend(/*fail_get=*/1);
  RunningServer running(backend, {.threads = 1});
  TestClient client(running.address);
  auto [request, reply] = LongGet(client, 100);
  // The first part's values, then the error; no END, and the rest is not
  // asked for. The connection goes on.
  std::string first_part;
  for (int i = 0; i < 16; i += 2) {
    absl::StrAppend(&first_part, "VALUE k", i, " 3 ", absl::StrCat("v", i).size(), "\r\nv", i,
                    "\r\n");
  }
  EXPECT_EQ(client.Call(request + "version\r\n", "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n"),
            first_part + "SERVER_ERROR part failed\r\nVERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  EXPECT_EQ(backend.parts(), (std::vector<std::size_t>{16, 84}));
}

// Loads a b c (flags 1 2 3) and returns their three VALUE blocks, without
// and with cas (the memory backend numbers them 1, 2, 3).
struct ThreeItems {
  std::string a, b, c, b_cas;
};
ThreeItems LoadThree(TestClient& client) {
  EXPECT_EQ(client.Call("set a 1 0 2\r\nva\r\nset b 2 0 2\r\nvb\r\nset c 3 0 2\r\nvc\r\n",
                        "STORED\r\nSTORED\r\nSTORED\r\n"),
            "STORED\r\nSTORED\r\nSTORED\r\n");
  return {"VALUE a 1 2\r\nva\r\n", "VALUE b 2 2\r\nvb\r\n", "VALUE c 3 2\r\nvc\r\n",
          "VALUE b 2 2 2\r\nvb\r\n"};
}

void ExpectPipelinedGetsAreOneCall(backends::Backend& backend, PartRecordingBackend& recording) {
  RunningServer running(backend, {.threads = 1});
  TestClient client(running.address);
  const ThreeItems items = LoadThree(client);
  // Each command keeps its own reply, misses and gets' cas included.
  EXPECT_EQ(client.Call("get a\r\ngets b\r\nget nope c\r\nget d\r\nversion\r\n",
                        "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n"),
            items.a + "END\r\n" + items.b_cas + "END\r\n" + items.c + "END\r\nEND\r\n" +
                "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  EXPECT_EQ(recording.parts(), (std::vector<std::size_t>{5}));
}

TEST(ServerTest, PipelinedGetsAreOneBackendCall) {
  PartRecordingBackend backend;
  ExpectPipelinedGetsAreOneCall(backend, backend);
}

TEST(ServerTest, PipelinedGetsAreOneBackendCallCompletedOnAnotherThread) {
  PartRecordingBackend recording;
  DelayedBackend backend(recording, DelayOptions{.max_delay = absl::Microseconds(300)});
  ExpectPipelinedGetsAreOneCall(backend, recording);
}

TEST(ServerTest, AGetBatchEndsAtAnyOtherCommandAndAtARepeatedKey) {
  PartRecordingBackend backend;
  RunningServer running(backend, {.threads = 1});
  TestClient client(running.address);
  const ThreeItems items = LoadThree(client);
  // The set is applied between the two batches; `get a` again starts a new
  // one, so each hit belongs to one command.
  EXPECT_EQ(client.Call("get a\r\nget b\r\nset a 9 0 1\r\nz\r\nget a\r\nget c\r\n"
                        "get a\r\nget b\r\n",
                        "END\r\n" + items.b + "END\r\n"),
            items.a + "END\r\n" + items.b + "END\r\nSTORED\r\nVALUE a 9 1\r\nz\r\nEND\r\n" +
                items.c + "END\r\nVALUE a 9 1\r\nz\r\nEND\r\n" + items.b + "END\r\n");
  EXPECT_EQ(backend.parts(), (std::vector<std::size_t>{2, 2, 2}));
}

TEST(ServerTest, AGetBatchHoldsAtMostSixteenKeys) {
  PartRecordingBackend backend;
  RunningServer running(backend, {.threads = 1});
  TestClient client(running.address);
  // A new connection may have only a few replies outstanding until its
  // replies prove small.
  for (int i = 0; i < 16; ++i) client.Call("version\r\n");
  std::string request;
  for (int i = 0; i < 20; ++i) absl::StrAppend(&request, "get k", i, "\r\n");
  std::string expected;
  for (int i = 0; i < 20; ++i) expected += "END\r\n";
  EXPECT_EQ(client.Call(request + "version\r\n", "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n"),
            expected + "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  EXPECT_EQ(backend.parts(), (std::vector<std::size_t>{16, 4}));
}

TEST(ServerTest, AFailedGetBatchAnswersEachOfItsCommands) {
  PartRecordingBackend backend(/*fail_get=*/0);
  RunningServer running(backend, {.threads = 1});
  TestClient client(running.address);
  EXPECT_EQ(
      client.Call("get a\r\ngets b c\r\nversion\r\n", "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n"),
      "SERVER_ERROR part failed\r\nSERVER_ERROR part failed\r\n"
      "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  EXPECT_EQ(backend.parts(), (std::vector<std::size_t>{3}));
}

TEST(ServerTest, AGetBatchThatClosesTheConnectionAnswersNothingAfter) {
  FailingBackend backend(/*close=*/true);
  RunningServer running(backend);
  TestClient client(running.address);
  client.Send("get a\r\nget b\r\nversion\r\n");
  bool closed = false;
  EXPECT_EQ(client.ReadUntilClosed(closed), "SERVER_ERROR backend unreachable\r\n");
  EXPECT_TRUE(closed);
}

TEST(ServerTest, BackendErrorKeepsTheConnection) {
  FailingBackend backend(/*close=*/false);
  RunningServer running(backend);
  TestClient client(running.address);
  EXPECT_EQ(client.Call("get a\r\n"), "SERVER_ERROR backend unreachable\r\n");
  EXPECT_EQ(client.Call("set a 0 0 1\r\nx\r\n"), "SERVER_ERROR backend unreachable\r\n");
  EXPECT_EQ(client.Call("version\r\n"), "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
}

TEST(ServerTest, BackendErrorCanCloseTheConnection) {
  FailingBackend backend(/*close=*/true);
  RunningServer running(backend);
  TestClient client(running.address);
  client.Send("get a\r\nversion\r\n");
  bool closed = false;
  EXPECT_EQ(client.ReadUntilClosed(closed), "SERVER_ERROR backend unreachable\r\n");
  EXPECT_TRUE(closed);
}

TEST(ServerTest, QuitClosesAfterEarlierReplies) {
  MemoryBackend backend;
  RunningServer running(backend);
  TestClient client(running.address);
  client.Send("set a 0 0 1\r\nx\r\nquit\r\nget a\r\n");
  bool closed = false;
  EXPECT_EQ(client.ReadUntilClosed(closed), "STORED\r\n");
  EXPECT_TRUE(closed);
}

TEST(ServerTest, AnswersEverythingBeforeAHalfClose) {
  MemoryBackend backend;
  RunningServer running(backend);
  TestClient client(running.address);
  client.Send("set a 0 0 1\r\nx\r\nget a\r\n");
  client.ShutdownWrite();
  bool closed = false;
  EXPECT_EQ(client.ReadUntilClosed(closed), "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
  EXPECT_TRUE(closed);
}

TEST(ServerTest, ServesASocketAcceptedElsewhere) {
  MemoryBackend backend;
  Server server(backend, {.threads = 1});
  server.Start();
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  ASSERT_TRUE(server.Serve(fds[0]).ok());
  TestClient client = TestClient::FromFd(fds[1]);
  EXPECT_EQ(client.Call("set a 0 0 1\r\nx\r\nget a\r\n", "END\r\n"),
            "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
}

TEST(ServerTest, RejectsClientsOverTheConnectionLimit) {
  MemoryBackend backend;
  RunningServer running(backend, {.threads = 1, .max_connections = 1});
  TestClient first(running.address);
  EXPECT_EQ(first.Call("version\r\n"), "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  TestClient second(running.address);
  bool closed = false;
  EXPECT_EQ(second.ReadUntilClosed(closed), "ERROR Too many open connections\r\n");
  EXPECT_TRUE(closed);
}

TEST(ServerTest, StatsCountCommands) {
  MemoryBackend backend;
  RunningServer running(backend);
  TestClient client(running.address);
  client.Call("set a 0 0 1\r\n1\r\nget a b\r\nincr a 1\r\ndelete zz\r\n", "NOT_FOUND\r\n");
  std::string stats = client.Call("stats\r\n", "END\r\n");
  for (std::string_view line :
       {"STAT cmd_get 2\r\n", "STAT get_hits 1\r\n", "STAT get_misses 1\r\n", "STAT cmd_set 1\r\n",
        "STAT incr_hits 1\r\n", "STAT delete_misses 1\r\n", "STAT curr_connections 1\r\n",
        "STAT curr_items 1\r\n", "STAT threads 2\r\n", "STAT backend memory\r\n"}) {
    EXPECT_NE(stats.find(line), std::string::npos) << line << " missing from\n" << stats;
  }
}

}  // namespace
}  // namespace memgate::server

namespace memgate::server {
namespace {

TEST(ServerTest, StatsBackendReportsHealthAndSampledLatency) {
  MemoryBackend memory;
  DelayedBackend delayed(memory, DelayOptions{.max_delay = absl::Microseconds(200)});
  RunningServer healthy(delayed);
  TestClient client(healthy.address);
  std::string request;
  for (int i = 0; i < 64; ++i) request += "get k\r\n";
  client.Call(request + "version\r\n", "VERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  std::string stats = client.Call("stats backend\r\n", "END\r\n");
  EXPECT_NE(stats.find("STAT health ok\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("STAT latency_samples 4\r\n"), std::string::npos) << stats;

  FailingBackend failing(/*close=*/false);
  RunningServer broken(failing);
  TestClient other(broken.address);
  EXPECT_EQ(other.Call("get a\r\n"), "SERVER_ERROR backend unreachable\r\n");
  stats = other.Call("stats backend\r\n", "END\r\n");
  EXPECT_NE(stats.find("STAT health failing\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("STAT errors 1\r\n"), std::string::npos) << stats;
}

}  // namespace
}  // namespace memgate::server
