// The gRPC adapter when things go wrong: a service killed mid-traffic and
// brought back (recovery without a restart, reachability), a service slower
// than the deadline, Set failures that keep or close the client, error
// statuses and broken answers; and what every call carries (client identity,
// headers) and how a refusal maps.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "backends/grpc/grpc_backend.h"
#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_contract_probe.h"
#include "backends/grpc/grpc_store.h"
#include "gtest/gtest.h"
#include "tests/backends/grpc/fake_backend_service.h"
#include "tests/backends/grpc/service_process.h"
#include "tests/backends/grpc/simple_store_calls.h"
#include "tests/doubles/sync_calls.h"

namespace memgate::backends {
namespace {

using testing::FakeBackendServer;
using testing::PickFreePort;
using testing::ServiceProcess;
using testing::SyncBegin;
using testing::SyncDelete;
using testing::SyncGet;
using testing::SyncSet;
using testing::SyncValue;

std::shared_ptr<GrpcChannel> Connect(GrpcBackendOptions options) {
  absl::StatusOr<std::shared_ptr<GrpcChannel>> channel = GrpcChannel::Create(std::move(options));
  EXPECT_TRUE(channel.ok()) << channel.status();
  return *channel;
}

std::shared_ptr<GrpcChannel> Connect(const std::string& target,
                                     absl::Duration timeout = absl::Seconds(1)) {
  GrpcBackendOptions options;
  options.target = target;
  options.timeout = timeout;
  return Connect(std::move(options));
}

// Polls `condition` until it holds or `seconds` pass.
template <typename Condition>
bool Eventually(Condition condition, double seconds) {
  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
}

const ClientContext kClient{21, "10.1.2.3:4567", "listener-a"};

TEST(GrpcFaults, ServiceKilledMidTrafficAndRestartedRecoversWithoutRestart) {
  char dir[] = "/tmp/memgate-grpc-faults-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string db = std::string(dir) + "/kv.db";
  ServiceProcess service({MEMGATE_SQLITE_BACKEND, "--listen", "127.0.0.1:{port}", "--db", db});
  ASSERT_TRUE(service.Start());
  std::shared_ptr<GrpcChannel> channel = Connect(service.target(), absl::Milliseconds(500));
  GrpcStore store(channel);
  ASSERT_FALSE(SyncSet(store, kClient, "k", "before").error.has_value());
  EXPECT_TRUE(channel->Reachable());

  // Traffic from several threads while the service dies under it.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      const ClientContext client{static_cast<uint64_t>(100 + t), "127.0.0.1:1", ""};
      while (!stop.load()) {
        const SetReply reply = SyncSet(store, client, "t" + std::to_string(t), "v");
        if (reply.error.has_value()) {
          EXPECT_FALSE(reply.error->close_connection);
          ++failed;
        } else {
          ++ok;
        }
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return ok.load() > 20; }, 10));
  service.Kill();
  ASSERT_TRUE(Eventually([&] { return failed.load() > 20; }, 10));
  stop = true;
  for (std::thread& thread : clients) thread.join();

  // Down: every call fails fast with SERVER_ERROR and the client stays.
  const absl::Time start = absl::Now();
  const GetReply down = SyncGet(store, kClient, {"k"});
  ASSERT_TRUE(down.error.has_value());
  EXPECT_EQ(down.error->message, "backend unavailable");
  EXPECT_FALSE(down.error->close_connection);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(Eventually([&] { return !channel->Reachable(); }, 5));

  // Back on the same port: the same channel serves again within the backoff.
  ASSERT_TRUE(service.Start());
  EXPECT_TRUE(Eventually([&] { return SyncValue(store, kClient, "k") == "before"; }, 5));
  EXPECT_TRUE(Eventually([&] { return channel->Reachable(); }, 5));
  EXPECT_GT(channel->counts().unavailable, 0u);
  service.Stop();
  std::filesystem::remove_all(dir);
}

TEST(GrpcFaults, UnreachableAtStartAnswersServerErrorAndProbeFails) {
  GrpcBackendOptions options;
  options.target = "127.0.0.1:" + std::to_string(PickFreePort());
  options.probe_timeout = absl::Milliseconds(300);
  std::shared_ptr<GrpcChannel> channel = Connect(options);
  GrpcStore store(channel);
  const SetReply reply = SyncSet(store, kClient, "k", "v");
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->message, "backend unavailable");
  const absl::StatusOr<ServiceContract> contract = ProbeServiceContractBlocking(channel);
  EXPECT_FALSE(contract.ok());
  EXPECT_FALSE(channel->Reachable());
}

TEST(GrpcFaults, SlowServicePastTheDeadlineTimesOutAndCallsNeverBlock) {
  FakeBackendServer server;
  server.service().set_delay(absl::Seconds(2));
  std::shared_ptr<GrpcChannel> channel = Connect(server.target(), absl::Milliseconds(200));
  GrpcStore store(channel);

  // The call returns at once; only its completion waits.
  absl::Notification done;
  std::optional<GetReply> reply;
  const std::string_view keys[] = {"k"};
  const absl::Time start = absl::Now();
  store.Get(kClient, keys, [&](GetReply r) {
    reply = std::move(r);
    done.Notify();
  });
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  done.WaitForNotification();
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(150));
  EXPECT_LT(took, absl::Seconds(1));
  ASSERT_TRUE(reply->error.has_value());
  EXPECT_EQ(reply->error->message, "backend timed out");
  EXPECT_FALSE(reply->error->close_connection);
  EXPECT_EQ(channel->counts().deadline_exceeded, 1u);

  // Fast again: the same store serves.
  server.service().set_delay(absl::ZeroDuration());
  EXPECT_FALSE(SyncSet(store, kClient, "k", "v").error.has_value());
  EXPECT_EQ(SyncValue(store, kClient, "k"), "v");
}

TEST(GrpcFaults, SetFailuresKeepOrCloseTheClientWithTheServicesMessage) {
  FakeBackendServer server;
  GrpcStore store(Connect(server.target()));
  const SetReply keep = SyncSet(store, kClient, "keep", "v");
  ASSERT_TRUE(keep.error.has_value());
  EXPECT_EQ(keep.error->message, "refused  to store keep");  // one reply line
  EXPECT_FALSE(keep.error->close_connection);
  const SetReply close = SyncSet(store, kClient, "close", "v");
  ASSERT_TRUE(close.error.has_value());
  EXPECT_EQ(close.error->message, "refused  to store close");
  EXPECT_TRUE(close.error->close_connection);
  EXPECT_FALSE(SyncSet(store, kClient, "fine", "v").error.has_value());
}

TEST(GrpcFaults, AnErrorStatusIsServerErrorWithItsMessage) {
  FakeBackendServer server;
  server.service().FailDeletes(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "read-only"));
  GrpcStore store(Connect(server.target()));
  const DeleteReply reply = SyncDelete(store, kClient, "k");
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->message, "read-only");
  EXPECT_FALSE(reply.error->close_connection);

  server.service().FailDeletes(grpc::Status(grpc::StatusCode::INTERNAL, ""));
  EXPECT_EQ(SyncDelete(store, kClient, "k").error->message, "backend error INTERNAL");
}

TEST(GrpcFaults, AGetWithTheWrongItemCountIsAnError) {
  FakeBackendServer server;
  server.service().set_short_gets(true);
  GrpcStore store(Connect(server.target()));
  const GetReply reply = SyncGet(store, kClient, {"a", "b"});
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_NE(reply.error->message.find("contract"), std::string::npos);
}

TEST(GrpcFaults, EveryCallCarriesTheClientAndTheConfiguredHeaders) {
  FakeBackendServer server;
  GrpcBackendOptions options;
  options.target = server.target();
  options.headers = {{"authorization", "Bearer s3cret"}, {"x-tenant", "blue"}};
  GrpcStore store(Connect(options));
  ASSERT_FALSE(SyncSet(store, kClient, "k", "v").error.has_value());
  EXPECT_EQ(server.service().last_header("authorization"), "Bearer s3cret");
  EXPECT_EQ(server.service().last_header("x-tenant"), "blue");
  SyncGet(store, kClient, {"k"});
  SyncDelete(store, kClient, "k");
  for (const auto& [method, client] : server.service().clients()) {
    EXPECT_EQ(client.id(), 21u) << method;
    EXPECT_EQ(client.peer(), "10.1.2.3:4567") << method;
    EXPECT_EQ(client.listener(), "listener-a") << method;
  }
  EXPECT_EQ(server.service().clients().size(), 3u);
}

TEST(GrpcFaults, ClientOpenedAndClosedCarryIdentityAndARefusalRefuses) {
  FakeBackendServer server;
  server.service().RefusePeer("192.0.2.9:999", "not from there");
  std::shared_ptr<GrpcChannel> channel = Connect(server.target());
  GrpcStore store(channel);
  GrpcBackend backend(channel);

  const ClientContext refused{5, "192.0.2.9:999", "l1"};
  const BeginReply begin = SyncBegin(store, refused);
  ASSERT_TRUE(begin.refused.has_value());
  EXPECT_EQ(begin.refused->message, "not from there");
  const OpenResult open = testing::SyncClientOpened(backend, refused);
  EXPECT_EQ(open.outcome, OpenOutcome::kRefused);
  EXPECT_EQ(open.error.message, "not from there");

  EXPECT_FALSE(SyncBegin(store, kClient).refused.has_value());
  EXPECT_EQ(testing::SyncClientOpened(backend, kClient).outcome, OpenOutcome::kAccepted);
  store.End(kClient);
  backend.ClientClosed(refused);
  ASSERT_TRUE(Eventually([&] { return server.service().clients().size() == 6; }, 5));

  std::vector<std::string> seen;
  for (const auto& [method, client] : server.service().clients()) {
    seen.push_back(method + " " + std::to_string(client.id()) + " " + client.peer() + " " +
                   client.listener());
  }
  std::sort(seen.begin() + 4, seen.end());  // the two closes race each other
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "ClientOpened 5 192.0.2.9:999 l1",
                      "ClientOpened 5 192.0.2.9:999 l1",
                      "ClientOpened 21 10.1.2.3:4567 listener-a",
                      "ClientOpened 21 10.1.2.3:4567 listener-a",
                      "ClientClosed 21 10.1.2.3:4567 listener-a",
                      "ClientClosed 5 192.0.2.9:999 l1",
                  }));
}

TEST(GrpcFaults, ClientOpenedAcceptsWhenTheServiceIsDown) {
  GrpcBackend backend(Connect("127.0.0.1:" + std::to_string(PickFreePort())));
  EXPECT_EQ(testing::SyncClientOpened(backend, kClient).outcome, OpenOutcome::kAccepted);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(GrpcFaults, TlsWithTheGivenCaAndNotWithout) {
  char dir[] = "/tmp/memgate-grpc-tls-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string cert = std::string(dir) + "/cert.pem", key = std::string(dir) + "/key.pem";
  const std::string openssl =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
      " -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(openssl.c_str()), 0) << openssl;
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({ReadFile(key), ReadFile(cert)});
  FakeBackendServer server(grpc::SslServerCredentials(ssl));

  GrpcBackendOptions options;
  options.target = server.target();
  options.tls_ca_file = cert;
  // The first call carries the TLS handshake, which a loaded machine can take
  // past the default one-second deadline.
  options.timeout = absl::Seconds(10);
  GrpcStore secure(Connect(options));
  EXPECT_FALSE(SyncSet(secure, kClient, "k", "v").error.has_value());
  EXPECT_EQ(SyncValue(secure, kClient, "k"), "v");

  GrpcStore plaintext(Connect(server.target()));
  EXPECT_TRUE(SyncSet(plaintext, kClient, "k", "v").error.has_value());
  std::filesystem::remove_all(dir);
}

TEST(GrpcFaults, ChannelCreationRejectsBadSettings) {
  GrpcBackendOptions options;
  EXPECT_FALSE(GrpcChannel::Create(options).ok());
  options.target = "127.0.0.1:1";
  options.tls_ca_file = "/nonexistent/ca.pem";
  const absl::StatusOr<std::shared_ptr<GrpcChannel>> channel = GrpcChannel::Create(options);
  ASSERT_FALSE(channel.ok());
  EXPECT_NE(channel.status().message().find("--grpc-tls-ca"), absl::string_view::npos);
}

}  // namespace
}  // namespace memgate::backends
