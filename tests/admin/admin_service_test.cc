// The admin server in-process: a watcher that falls behind gets an
// events_dropped marker, and which --admin addresses count as loopback.
#include <chrono>
#include <string>

#include "admin/admin_server.h"
#include "backends/memory/memory_backend.h"
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
