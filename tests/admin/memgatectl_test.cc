// memgatectl against the real memgate binary: the listener / client / drain
// scenario of admin_test.cc through the CLI, its tables, --json, errors and
// exit codes.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <regex>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/admin/memgate_process.h"
#include "tests/server/test_client.h"

namespace memgate::admin {
namespace {

using memgate::testing::MemgateProcess;
using memgate::testing::RunCommand;
using memgate::testing::TestClient;
using memgate::testing::WriteTempFile;

struct Result {
  int code;
  std::string out;
  std::string err;
};

class MemgatectlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    memgate_ = new MemgateProcess({"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "-t", "2"});
    ASSERT_TRUE(memgate_->ready()) << memgate_->Log();
  }
  static void TearDownTestSuite() {
    delete memgate_;
    memgate_ = nullptr;
  }

  static Result Ctl(const std::string& args, const std::string& admin = "") {
    Result r;
    r.code = RunCommand(std::string(MEMGATECTL_BINARY) + " --admin " +
                            (admin.empty() ? memgate_->admin_address() : admin) + " " + args,
                        r.out, r.err);
    return r;
  }

  static MemgateProcess* memgate_;
};

MemgateProcess* MemgatectlTest::memgate_ = nullptr;

std::string JsonString(const std::string& json, const std::string& field) {
  std::smatch m;
  if (std::regex_search(json, m, std::regex("\"" + field + "\": ?\"([^\"]*)\""))) return m[1];
  return {};
}

TEST_F(MemgatectlTest, Scenario) {
  Result info = Ctl("info");
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("backend"), std::string::npos);
  EXPECT_NE(info.out.find("memory"), std::string::npos);

  // Create a listener and use it.
  Result created =
      Ctl("--json listeners create 127.0.0.1:0 --id ctl --max-clients 5 --idle-timeout 5m");
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string address = JsonString(created.out, "bound_address");
  ASSERT_TRUE(address.starts_with("127.0.0.1:")) << created.out;
  EXPECT_EQ(JsonString(created.out, "state"), "ACCEPTING");
  EXPECT_EQ(JsonString(created.out, "idle_timeout"), "300s");
  TestClient client(address);
  ASSERT_EQ(client.Call("set c 0 0 2\r\nhi\r\n"), "STORED\r\n");

  Result listed = Ctl("listeners list");
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_TRUE(listed.out.starts_with("ID ")) << listed.out;
  EXPECT_NE(listed.out.find("l1 "), std::string::npos) << listed.out;
  EXPECT_TRUE(
      std::regex_search(listed.out, std::regex("ctl +" + address + " +accepting +1 +1 +0 +5 +5m")))
      << listed.out;

  // The client appears, in the table and in JSON.
  Result clients = Ctl("clients list --listener ctl");
  ASSERT_EQ(clients.code, 0) << clients.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(clients.out, m, std::regex("\n(\\d+) +ctl +127\\.0\\.0\\.1:\\d+ ")))
      << clients.out;
  const std::string id = m[1];
  Result json = Ctl("--json clients list --listener=ctl");
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(JsonString(json.out, "name"), "clients/" + id);
  EXPECT_NE(json.out.find("\"commands\": \"1\""), std::string::npos) << json.out;

  // Kill it: its socket closes.
  Result killed = Ctl("clients kill " + id);
  ASSERT_EQ(killed.code, 0) << killed.err;
  EXPECT_NE(killed.out.find("disconnected client " + id), std::string::npos) << killed.out;
  bool closed = false;
  client.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);

  // Drain with a deadline: the table says so.
  TestClient second(address);
  ASSERT_EQ(second.Call("get c\r\n", "END\r\n"), "VALUE c 0 2\r\nhi\r\nEND\r\n");
  Result drained = Ctl("listeners delete ctl --drain 1s");
  ASSERT_EQ(drained.code, 0) << drained.err;
  EXPECT_NE(drained.out.find("draining until "), std::string::npos) << drained.out;
  EXPECT_EQ(second.Call("get c\r\n", "END\r\n"), "VALUE c 0 2\r\nhi\r\nEND\r\n");
  second.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);

  Result stats = Ctl("stats");
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_TRUE(std::regex_search(stats.out, std::regex("\ncmd_set +[1-9]"))) << stats.out;
  Result stats_json = Ctl("stats --json");
  ASSERT_EQ(stats_json.code, 0);
  EXPECT_NE(stats_json.out.find("\"cmd_set\""), std::string::npos);
}

TEST_F(MemgatectlTest, CloseNow) {
  Result created = Ctl("--json listeners create 127.0.0.1:0 --id ctl-now");
  ASSERT_EQ(created.code, 0) << created.err;
  TestClient client(JsonString(created.out, "bound_address"));
  ASSERT_EQ(client.Call("version\r\n").substr(0, 8), "VERSION ");
  Result deleted = Ctl("listeners delete ctl-now --now");
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  EXPECT_NE(deleted.out.find("closed"), std::string::npos) << deleted.out;
  bool closed = false;
  client.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);
}

TEST_F(MemgatectlTest, ErrorsNameTheStatusAndExitNonZero) {
  Result missing = Ctl("listeners get nope");
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(missing.err.starts_with("memgatectl: NOT_FOUND: ")) << missing.err;
  Result bad = Ctl("listeners create nonsense");
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(bad.err.starts_with("memgatectl: INVALID_ARGUMENT: ")) << bad.err;
  Result kill = Ctl("clients kill 123456789");
  EXPECT_EQ(kill.code, 1);
  EXPECT_TRUE(kill.err.starts_with("memgatectl: NOT_FOUND: ")) << kill.err;

  EXPECT_EQ(Ctl("frobnicate").code, 2);
  EXPECT_EQ(Ctl("listeners delete x --drain 1s --now").code, 2);
  EXPECT_EQ(Ctl("listeners delete x --drain soon").code, 2);
  Result usage = Ctl("listeners create");
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.err.find("ADDR is missing"), std::string::npos) << usage.err;

  // Nothing listening there.
  Result unreachable = Ctl("--timeout 2s info", "127.0.0.1:1");
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_TRUE(unreachable.err.starts_with("memgatectl: UNAVAILABLE: ")) << unreachable.err;
}

TEST_F(MemgatectlTest, WatchPrintsEvents) {
  // `watch --count 1` exits after its first event; keep making events until
  // it has subscribed and seen one.
  auto watch = std::async(std::launch::async, [] { return Ctl("--json watch --count 1"); });
  for (int i = 0; i < 100; ++i) {
    if (watch.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
    const std::string id = "ctl-watch-" + std::to_string(i);
    ASSERT_EQ(Ctl("listeners create 127.0.0.1:0 --id " + id).code, 0);
    ASSERT_EQ(Ctl("listeners delete " + id).code, 0);
    watch.wait_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  Result r = watch.get();
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"re("listener_(created|closed)":\{"listener":"listeners/ctl-watch-)re")))
      << r.out;
  EXPECT_NE(r.out.find("\"time\":\""), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;

  // The human form, filtered to a listener (which must exist).
  Result created = Ctl("--json listeners create 127.0.0.1:0 --id ctl-w");
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string address = JsonString(created.out, "bound_address");
  auto human =
      std::async(std::launch::async, [] { return Ctl("watch --count 1 --listener ctl-w"); });
  for (int i = 0; i < 100; ++i) {
    if (human.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
    TestClient client(address);
    ASSERT_EQ(client.Call("version\r\n").substr(0, 8), "VERSION ");
    human.wait_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(human.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  r = human.get();
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.out,
      std::regex(
          R"(Z client (connected|disconnected) +clients/[0-9]+ listeners/ctl-w peer 127\.0\.0\.1:)")))
      << r.out;
  EXPECT_EQ(Ctl("watch --count 1 --listener no-such-listener").code, 1);
  EXPECT_EQ(Ctl("listeners delete ctl-w --now").code, 0);
}

TEST_F(MemgatectlTest, HealthChecksGrpcHealthV1) {
  Result ok = Ctl("health");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "SERVING\n");
  Result admin = Ctl("health --service memgate.admin.v1.AdminService");
  EXPECT_EQ(admin.code, 0) << admin.err;
  EXPECT_EQ(admin.out, "SERVING\n");
  Result json = Ctl("--json health --service=memgate.admin.v1.AdminService");
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(JsonString(json.out, "status"), "SERVING") << json.out;

  // A name never reported is NOT_FOUND (the health protocol), exit 1.
  Result unknown = Ctl("health --service no.such.Service");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_TRUE(unknown.err.starts_with("memgatectl: NOT_FOUND: ")) << unknown.err;
  Result unreachable = Ctl("--timeout 2s health", "127.0.0.1:1");
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_TRUE(unreachable.err.starts_with("memgatectl: UNAVAILABLE: ")) << unreachable.err;
  EXPECT_EQ(Ctl("health extra").code, 2);
}

TEST(MemgatectlHealthTest, NotServingExitsOne) {
  // The memory backend has no reachability to report; the Redis backend
  // does, and a Redis with nothing behind it is reported NOT_SERVING.
  MemgateProcess memgate({"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "-t", "1",
                          "--backend", "redis", "--redis-url", "redis://127.0.0.1:1",
                          "--redis-timeout", "200ms"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  const std::string ctl = std::string(MEMGATECTL_BINARY) + " --admin " + memgate.admin_address();
  std::string out, err;
  int code = 0;
  for (int i = 0; i < 50; ++i) {
    code = RunCommand(ctl + " health --service memgate.backend", out, err);
    if (code == 1 && out == "NOT_SERVING\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(code, 1) << out << err;
  EXPECT_EQ(out, "NOT_SERVING\n");
  EXPECT_NE(err.find("memgate.backend is NOT_SERVING"), std::string::npos) << err;
}

TEST(MemgatectlTokenTest, SendsTheToken) {
  const std::string token_file = WriteTempFile("ctl-token", "abc123\n");
  const std::string wrong_file = WriteTempFile("ctl-wrong", "nope\n");
  MemgateProcess memgate({"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--admin-token-file",
                          token_file, "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  const std::string ctl = std::string(MEMGATECTL_BINARY) + " --admin " + memgate.admin_address();
  std::string out, err;
  EXPECT_EQ(RunCommand(ctl + " info", out, err), 1);
  EXPECT_TRUE(err.starts_with("memgatectl: UNAUTHENTICATED: ")) << err;
  EXPECT_EQ(RunCommand(ctl + " --token-file " + wrong_file + " info", out, err), 1);
  EXPECT_TRUE(err.starts_with("memgatectl: PERMISSION_DENIED: ")) << err;
  EXPECT_EQ(RunCommand(ctl + " --token-file " + token_file + " listeners list", out, err), 0)
      << err;
  EXPECT_NE(out.find("l1 "), std::string::npos) << out;
  // Health needs no token.
  EXPECT_EQ(RunCommand(ctl + " health", out, err), 0) << err;
  EXPECT_EQ(out, "SERVING\n");
  ::unlink(token_file.c_str());
  ::unlink(wrong_file.c_str());
}

TEST(MemgatectlReloadTest, ReloadPrintsWhatChanged) {
  const std::string path =
      WriteTempFile("ctl-reload.yaml", "listeners:\n  - id: main\n    address: 127.0.0.1:0\n");
  MemgateProcess memgate({"--config", path, "--admin", "127.0.0.1:0", "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  const std::string ctl = std::string(MEMGATECTL_BINARY) + " --admin " + memgate.admin_address();
  std::string out, err;
  EXPECT_EQ(RunCommand(ctl + " reload", out, err), 0) << err;
  EXPECT_EQ(out, "no changes\n");
  std::ofstream(path) << "listeners:\n  - id: main\n    address: " << memgate.listeners().at("main")
                      << "\nlimits:\n  max_connections: 5\n";
  EXPECT_EQ(RunCommand(ctl + " reload", out, err), 0) << err;
  EXPECT_EQ(out, "not applied: limits.max_connections: changed; takes a restart\n");
  std::ofstream(path) << "bogus: 1\n";
  EXPECT_EQ(RunCommand(ctl + " reload", out, err), 1);
  EXPECT_EQ(err, "memgatectl: INVALID_ARGUMENT: " + path + ":1: bogus: unknown key\n");
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace memgate::admin
