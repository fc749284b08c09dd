// Listeners and clients at run time: open, close in each mode, errors with
// their status codes, the client registry and the event stream.
#include "server/listener_manager.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "backends/memory/memory_backend.h"
#include "gtest/gtest.h"
#include "server/address.h"
#include "server/server.h"
#include "tests/server/test_client.h"

namespace memgate::server {
namespace {

using backends::MemoryBackend;
using testing::TestClient;

class ListenerManagerTest : public ::testing::Test {
 protected:
  ListenerManagerTest() : server_(backend_, {.threads = 2}) { server_.Start(); }

  ListenerManager& listeners() { return server_.listeners(); }

  // Waits until `pred` holds (the registry is updated on the event loops).
  template <typename Pred>
  bool Eventually(Pred pred) {
    for (int i = 0; i < 500; ++i) {
      if (pred()) return true;
      usleep(10'000);
    }
    return pred();
  }

  MemoryBackend backend_;
  Server server_;
};

TEST_F(ListenerManagerTest, OpensOnAFreePortAndReportsIt) {
  auto info = listeners().Open({.id = "main", .address = "127.0.0.1:0"});
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->options.id, "main");
  EXPECT_TRUE(info->bound_address.starts_with("127.0.0.1:"));
  EXPECT_NE(info->bound_address, "127.0.0.1:0");
  TestClient client(info->bound_address);
  EXPECT_EQ(client.Call("set a 0 0 1\r\nx\r\n"), "STORED\r\n");
  auto listed = listeners().List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].options.id, "main");
  EXPECT_EQ(listed[0].clients, 1u);
}

TEST_F(ListenerManagerTest, GeneratesIdsAndServesUnixSockets) {
  const std::string path = absl::StrCat("/tmp/memgate-test-", getpid(), ".sock");
  auto info = listeners().Open({.address = "unix:" + path});
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->options.id, "l1");
  EXPECT_EQ(info->bound_address, "unix:" + path);
  TestClient client(info->bound_address);
  EXPECT_EQ(client.Call("get nothing\r\n"), "END\r\n");
  ASSERT_TRUE(listeners().Close("l1", CloseMode::kCloseNow).ok());
  EXPECT_TRUE(Eventually([&] { return access(path.c_str(), F_OK) != 0; }));
}

TEST_F(ListenerManagerTest, ErrorsCarryTheirStatusCodes) {
  EXPECT_EQ(listeners().Open({.address = "nonsense"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(listeners().Open({.address = "127.0.0.1:99999"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto first = listeners().Open({.id = "a", .address = "127.0.0.1:0"});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(listeners().Open({.id = "a", .address = "127.0.0.1:0"}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(listeners().Open({.id = "b", .address = first->bound_address}).status().code(),
            absl::StatusCode::kAlreadyExists);
  // A port some other socket holds: the OS refuses.
  Server other(backend_, {.threads = 1});
  auto taken = other.Open("127.0.0.1:0");
  ASSERT_TRUE(taken.ok());
  auto refused = listeners().Open({.address = taken->bound_address});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(refused.status().message()).find("in use"), std::string::npos)
      << refused.status();
  EXPECT_EQ(listeners().Close("missing", CloseMode::kCloseNow).code(), absl::StatusCode::kNotFound);
}

TEST_F(ListenerManagerTest, StopAcceptingKeepsConnectedClients) {
  auto info = listeners().Open({.address = "127.0.0.1:0"});
  ASSERT_TRUE(info.ok());
  TestClient client(info->bound_address);
  EXPECT_EQ(client.Call("version\r\n").substr(0, 8), "VERSION ");
  ASSERT_TRUE(listeners().Close(info->options.id, CloseMode::kStopAccepting).ok());
  // Listed, without a deadline, while its client stays.
  auto stopped = listeners().Get(info->options.id);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(stopped->state, ListenerState::kDraining);
  EXPECT_FALSE(stopped->drain_deadline.has_value());
  EXPECT_EQ(stopped->clients, 1u);
  EXPECT_EQ(client.Call("get x\r\n"), "END\r\n");
  EXPECT_EQ(listeners().Close(info->options.id, CloseMode::kStopAccepting).code(),
            absl::StatusCode::kFailedPrecondition);
  // Its address is free for a new listener.
  auto reopened = listeners().Open({.id = "again", .address = info->bound_address});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  client.Send("quit\r\n");
  EXPECT_TRUE(Eventually([&] { return !listeners().Get(info->options.id).ok(); }));
  EXPECT_EQ(listeners().List().size(), 1u);
}

TEST_F(ListenerManagerTest, CloseNowDropsClients) {
  auto info = listeners().Open({.address = "127.0.0.1:0"});
  ASSERT_TRUE(info.ok());
  TestClient client(info->bound_address);
  EXPECT_EQ(client.Call("get x\r\n"), "END\r\n");
  auto events = server_.events().Subscribe();
  ASSERT_TRUE(listeners().Close(info->options.id, CloseMode::kCloseNow).ok());
  bool closed = false;
  client.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);
  std::vector<Event> seen;
  EXPECT_TRUE(Eventually([&] {
    uint64_t dropped = 0;
    for (auto& e : events->Next(absl::Milliseconds(10), dropped)) seen.push_back(e);
    return seen.size() >= 2;
  }));
  bool disconnected = false, listener_closed = false;
  for (const Event& e : seen) {
    if (e.type == Event::Type::kClientDisconnected) {
      disconnected = true;
      EXPECT_EQ(e.reason, DisconnectReason::kShutdown);
      EXPECT_EQ(e.listener_id, info->options.id);
    }
    if (e.type == Event::Type::kListenerClosed) listener_closed = true;
  }
  EXPECT_TRUE(disconnected);
  EXPECT_TRUE(listener_closed);
}

TEST_F(ListenerManagerTest, DrainKeepsClientsUntilTheDeadline) {
  auto info = listeners().Open({.address = "127.0.0.1:0"});
  ASSERT_TRUE(info.ok());
  TestClient client(info->bound_address);
  EXPECT_EQ(client.Call("get x\r\n"), "END\r\n");
  ASSERT_TRUE(
      listeners().Close(info->options.id, CloseMode::kDrain, std::chrono::milliseconds(600)).ok());
  auto draining = listeners().Get(info->options.id);
  ASSERT_TRUE(draining.ok());
  EXPECT_EQ(draining->state, ListenerState::kDraining);
  // The connected client still works while the listener drains...
  EXPECT_EQ(client.Call("set a 0 0 1\r\nx\r\n"), "STORED\r\n");
  // ...new ones are refused...
  auto endpoint = ResolveAddress(info->bound_address);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_NE(::connect(fd, static_cast<const sockaddr*>(endpoint->data()), endpoint->size()), 0);
  ::close(fd);
  // ...and at the deadline it is closed.
  bool closed = false;
  client.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(Eventually([&] { return listeners().List().empty(); }));
}

TEST_F(ListenerManagerTest, RegistryListsAndDisconnectsClients) {
  auto info = listeners().Open({.id = "x", .address = "127.0.0.1:0"});
  ASSERT_TRUE(info.ok());
  TestClient a(info->bound_address);
  TestClient b(info->bound_address);
  EXPECT_EQ(a.Call("get k\r\n"), "END\r\n");
  EXPECT_EQ(b.Call("set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  ClientRegistry& clients = server_.clients();
  ASSERT_TRUE(Eventually([&] { return clients.List("x").size() == 2; }));
  auto listed = clients.List("x");
  EXPECT_LT(listed[0].client.id, listed[1].client.id);
  EXPECT_TRUE(listed[0].client.peer.starts_with("127.0.0.1:"));
  EXPECT_EQ(listed[0].commands, 1u);
  EXPECT_GT(listed[1].bytes_in, 0u);
  EXPECT_TRUE(clients.List("other").empty());
  EXPECT_TRUE(clients.Disconnect(listed[0].client.id, DisconnectReason::kKicked));
  bool closed = false;
  a.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(Eventually([&] { return clients.Count() == 1; }));
  EXPECT_FALSE(clients.Disconnect(listed[0].client.id, DisconnectReason::kKicked));
  EXPECT_FALSE(clients.Get(listed[0].client.id).has_value());
  EXPECT_EQ(b.Call("get k\r\n", "END\r\n"), "VALUE k 0 1\r\nv\r\nEND\r\n");
}

}  // namespace
}  // namespace memgate::server
