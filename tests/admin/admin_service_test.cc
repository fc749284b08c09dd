// The admin server in-process: a watcher that falls behind gets an
// events_dropped marker, health statuses set through the C++ API reach Check
// and Watch, and which --admin addresses count as loopback.
#include <chrono>
#include <string>

#include "admin/admin_server.h"
#include "backends/memory/memory_backend.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "memgate/admin/v1/admin.grpc.pb.h"
#include "server/server.h"

namespace memgate::admin {
namespace {

TEST(AdminServiceTest, SlowWatcherGetsAnEventsDroppedMarker) {
  backends::MemoryBackend backend;
  server::Server server(backend, {.threads = 1});
  server.Start();
  auto admin = AdminServer::Start(server, {.address = "127.0.0.1:0"});
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel((*admin)->bound_address(), grpc::InsecureChannelCredentials()));

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub->WatchEvents(&context, {});
  reader->WaitForInitialMetadata();
  // Far more events than the watcher's queue holds, faster than it writes.
  constexpr int kEvents = 100'000;
  for (int i = 0; i < kEvents; ++i) {
    server.events().Publish(server::Event{.type = server::Event::Type::kClientConnected,
                                          .time = std::chrono::system_clock::now(),
                                          .client_id = static_cast<uint64_t>(i + 1),
                                          .peer = "test",
                                          .listener_id = "x"});
  }
  uint64_t received = 0, dropped = 0;
  v1::Event event;
  while (received + dropped < kEvents && reader->Read(&event)) {
    if (event.has_events_dropped()) {
      EXPECT_GT(event.events_dropped().count(), 0u);
      dropped += event.events_dropped().count();
    } else {
      ASSERT_TRUE(event.has_client_connected());
      ++received;
    }
  }
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(received + dropped, static_cast<uint64_t>(kEvents));
  context.TryCancel();
  reader->Finish();
  (*admin)->Stop();
  server.Stop();
}

TEST(AdminServiceTest, StopEndsWatchStreams) {
  backends::MemoryBackend backend;
  server::Server server(backend, {.threads = 1});
  server.Start();
  auto admin = AdminServer::Start(server, {.address = "127.0.0.1:0"});
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel((*admin)->bound_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto reader = stub->WatchEvents(&context, {});
  reader->WaitForInitialMetadata();
  const auto start = std::chrono::steady_clock::now();
  (*admin)->Stop();
  v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  server.Stop();
}

TEST(HealthServiceTest, CheckAndWatchFollowSetServingStatus) {
  using grpc::health::v1::HealthCheckRequest;
  using grpc::health::v1::HealthCheckResponse;
  backends::MemoryBackend backend;
  server::Server server(backend, {.threads = 1});
  server.Start();
  auto admin = AdminServer::Start(server, {.address = "127.0.0.1:0"});
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel((*admin)->bound_address(), grpc::InsecureChannelCredentials()));
  auto check = [&](const std::string& service, HealthCheckResponse::ServingStatus& status) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    const grpc::Status result = health->Check(&context, request, &response);
    status = response.status();
    return result.error_code();
  };
  HealthCheckResponse::ServingStatus status;
  EXPECT_EQ(check("", status), grpc::StatusCode::OK);
  EXPECT_EQ(status, HealthCheckResponse::SERVING);
  EXPECT_EQ(check("memgate.admin.v1.AdminService", status), grpc::StatusCode::OK);
  EXPECT_EQ(status, HealthCheckResponse::SERVING);
  EXPECT_EQ(check("memgate.backend", status), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext watch;
  watch.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  HealthCheckRequest request;
  request.set_service("memgate.backend");
  auto reader = health->Watch(&watch, request);
  HealthCheckResponse update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVICE_UNKNOWN);

  (*admin)->health().SetServingStatus("memgate.backend", false);
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(check("memgate.backend", status), grpc::StatusCode::OK);
  EXPECT_EQ(status, HealthCheckResponse::NOT_SERVING);
  // Only changes are streamed: the repeated status is not sent again.
  (*admin)->health().SetServingStatus("memgate.backend", false);
  (*admin)->health().SetServingStatus("memgate.backend", true);
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  // Stopping reports NOT_SERVING, then ends the stream.
  (*admin)->Stop();
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&update));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  server.Stop();
}

TEST(AdminServerTest, LoopbackAddresses) {
  struct Case {
    const char* address;
    bool loopback;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"127.0.0.1:50051", true},
           {"127.1.2.3:0", true},
           {"[::1]:50051", true},
           {"localhost:50051", true},
           {"unix:/run/memgate-admin.sock", true},
           {"[::ffff:127.0.0.1]:1", true},
           {"0.0.0.0:50051", false},
           {"[::]:50051", false},
           {"10.0.0.1:50051", false},
           {"example.com:50051", false},
           {"nonsense", false},
       }) {
    EXPECT_EQ(IsLoopbackAddress(c.address), c.loopback) << c.address;
  }
}

}  // namespace
}  // namespace memgate::admin
