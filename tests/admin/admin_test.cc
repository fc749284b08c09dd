// The admin API against the real memgate binary (memcached and admin ports
// both from port 0), through the generated C++ stubs: listeners at run time,
// clients, drain and close-now, events, every error code, health, reflection,
// the token and TLS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "memgate/admin/v1/admin.grpc.pb.h"
#include "tests/admin/memgate_process.h"
#include "tests/server/test_client.h"

namespace memgate::admin {
namespace {

using memgate::testing::MemgateProcess;
using memgate::testing::TestClient;
using memgate::testing::WriteTempFile;

// A context with a deadline, so a broken server fails a test instead of
// hanging it.
std::unique_ptr<grpc::ClientContext> Ctx(std::chrono::seconds timeout = std::chrono::seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// True when a TCP connect to `address` ("127.0.0.1:PORT") is refused.
bool ConnectRefused(const std::string& address) {
  const auto colon = address.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const bool refused =
      ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 && errno == ECONNREFUSED;
  ::close(fd);
  return refused;
}

// True when a TCP connect to `address` ("127.0.0.1:PORT") succeeds.
bool Connects(const std::string& address) {
  const auto colon = address.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return connected;
}

// A loopback address whose port was free a moment ago.
std::string FreeLoopbackAddress() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
}

// Position of the first event satisfying `pred`, or -1.
int IndexOf(const std::vector<v1::Event>& events,
            const std::function<bool(const v1::Event&)>& pred) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (pred(events[i])) return static_cast<int>(i);
  }
  return -1;
}

// Collects a WatchEvents stream on a thread.
class Watcher {
 public:
  Watcher(v1::AdminService::Stub& stub, std::string listener = {}) {
    v1::WatchEventsRequest request;
    request.set_listener(listener);
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    reader_ = stub.WatchEvents(&context_, request);
    // The server sends its initial metadata once it is subscribed.
    reader_->WaitForInitialMetadata();
    thread_ = std::thread([this] {
      v1::Event event;
      while (reader_->Read(&event)) {
        std::lock_guard lock(mu_);
        events_.push_back(event);
        cv_.notify_all();
      }
      std::lock_guard lock(mu_);
      finished_ = true;
      cv_.notify_all();
    });
  }
  ~Watcher() {
    context_.TryCancel();
    thread_.join();
  }

  // Waits for an event after those already matched that satisfies `pred`.
  bool WaitFor(const std::function<bool(const v1::Event&)>& pred,
               std::chrono::seconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    bool found = false;
    cv_.wait_for(lock, timeout, [&] {
      for (; next_ < events_.size(); ++next_) {
        if (pred(events_[next_])) {
          ++next_;
          found = true;
          return true;
        }
      }
      return finished_;
    });
    return found;
  }

  // Waits for any event so far or to come, matched or not, that satisfies `pred`.
  bool Seen(const std::function<bool(const v1::Event&)>& pred,
            std::chrono::seconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return finished_ || std::any_of(events_.begin(), events_.end(), pred);
    }) && std::any_of(events_.begin(), events_.end(), pred);
  }

  std::vector<v1::Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::Event> events_;
  std::size_t next_ = 0;
  bool finished_ = false;
};

class AdminTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    memgate_ = new MemgateProcess(
        {"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "-t", "2", "-c", "100"});
    ASSERT_TRUE(memgate_->ready()) << memgate_->Log();
    ASSERT_FALSE(memgate_->admin_address().empty()) << memgate_->Log();
  }
  static void TearDownTestSuite() {
    delete memgate_;
    memgate_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(memgate_, nullptr);
    channel_ = grpc::CreateChannel(memgate_->admin_address(), grpc::InsecureChannelCredentials());
    stub_ = v1::AdminService::NewStub(channel_);
  }

  grpc::Status Create(const std::string& id, const std::string& address, v1::Listener* out) {
    v1::CreateListenerRequest request;
    request.set_listener_id(id);
    request.mutable_listener()->set_address(address);
    return stub_->CreateListener(Ctx().get(), request, out);
  }

  // Creates a listener on a free loopback port; fails the test otherwise.
  v1::Listener MustCreate(const std::string& id) {
    v1::Listener listener;
    grpc::Status status = Create(id, "127.0.0.1:0", &listener);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return listener;
  }

  grpc::Status Delete(const std::string& name, v1::DeleteListenerRequest::Mode mode,
                      v1::Listener* out, int64_t drain_ms = 0) {
    v1::DeleteListenerRequest request;
    request.set_name(name);
    request.set_mode(mode);
    if (drain_ms > 0) {
      request.mutable_drain_timeout()->set_seconds(drain_ms / 1000);
      request.mutable_drain_timeout()->set_nanos(static_cast<int32_t>(drain_ms % 1000) * 1'000'000);
    }
    return stub_->DeleteListener(Ctx().get(), request, out);
  }

  std::vector<v1::Client> Clients(const std::string& listener) {
    v1::ListClientsRequest request;
    request.set_listener(listener);
    v1::ListClientsResponse response;
    grpc::Status status = stub_->ListClients(Ctx().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.clients().begin(), response.clients().end()};
  }

  static MemgateProcess* memgate_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

MemgateProcess* AdminTest::memgate_ = nullptr;

TEST_F(AdminTest, CommandLineListenersHaveIds) {
  v1::ListListenersResponse response;
  ASSERT_TRUE(stub_->ListListeners(Ctx().get(), {}, &response).ok());
  ASSERT_GE(response.listeners_size(), 1);
  bool found = false;
  for (const v1::Listener& l : response.listeners()) {
    if (l.id() == "l1") {
      found = true;
      EXPECT_EQ(l.name(), "listeners/l1");
      EXPECT_EQ(l.bound_address(), memgate_->listeners().at("l1"));
      EXPECT_EQ(l.state(), v1::Listener::ACCEPTING);
      EXPECT_GT(l.create_time().seconds(), 0);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(AdminTest, CreatedListenerServesAndListsItsClients) {
  v1::Listener created;
  v1::CreateListenerRequest request;
  request.set_listener_id("runtime");
  request.mutable_listener()->set_address("127.0.0.1:0");
  request.mutable_listener()->set_max_clients(10);
  request.mutable_listener()->mutable_idle_timeout()->set_seconds(300);
  grpc::Status status = stub_->CreateListener(Ctx().get(), request, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.name(), "listeners/runtime");
  EXPECT_EQ(created.id(), "runtime");
  EXPECT_EQ(created.address(), "127.0.0.1:0");
  EXPECT_TRUE(created.bound_address().starts_with("127.0.0.1:"));
  EXPECT_NE(created.bound_address(), "127.0.0.1:0");
  EXPECT_EQ(created.max_clients(), 10u);
  EXPECT_EQ(created.idle_timeout().seconds(), 300);
  EXPECT_EQ(created.state(), v1::Listener::ACCEPTING);

  TestClient client(created.bound_address());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.Call("set k 5 0 3\r\nabc\r\n"), "STORED\r\n");
  EXPECT_EQ(client.Call("get k\r\n", "END\r\n"), "VALUE k 5 3\r\nabc\r\nEND\r\n");

  std::vector<v1::Client> clients = Clients("listeners/runtime");
  ASSERT_EQ(clients.size(), 1u);
  const v1::Client& c = clients[0];
  EXPECT_EQ(c.name(), "clients/" + std::to_string(c.id()));
  EXPECT_EQ(c.listener(), "listeners/runtime");
  EXPECT_TRUE(c.peer().starts_with("127.0.0.1:")) << c.peer();
  EXPECT_EQ(c.commands(), 2u);
  EXPECT_EQ(c.bytes_in(), std::string("set k 5 0 3\r\nabc\r\nget k\r\n").size());
  EXPECT_EQ(c.bytes_out(), std::string("STORED\r\nVALUE k 5 3\r\nabc\r\nEND\r\n").size());
  EXPECT_GT(c.connect_time().seconds(), 0);
  EXPECT_GE(c.last_activity_time().seconds(), c.connect_time().seconds());

  // The bare id works as a listener filter too, and GetClient agrees.
  EXPECT_EQ(Clients("runtime").size(), 1u);
  v1::GetClientRequest get;
  get.set_name(c.name());
  v1::Client fetched;
  ASSERT_TRUE(stub_->GetClient(Ctx().get(), get, &fetched).ok());
  EXPECT_EQ(fetched.peer(), c.peer());

  v1::GetListenerRequest get_listener;
  get_listener.set_name("listeners/runtime");
  v1::Listener listener;
  ASSERT_TRUE(stub_->GetListener(Ctx().get(), get_listener, &listener).ok());
  EXPECT_EQ(listener.connected_clients(), 1u);
  EXPECT_EQ(listener.accepted_clients(), 1u);

  v1::Listener deleted;
  ASSERT_TRUE(Delete("listeners/runtime", v1::DeleteListenerRequest::CLOSE_NOW, &deleted).ok());
}

TEST_F(AdminTest, DisconnectClientClosesItsSocket) {
  const v1::Listener listener = MustCreate("kick");
  TestClient client(listener.bound_address());
  EXPECT_EQ(client.Call("version\r\n").substr(0, 8), "VERSION ");
  std::vector<v1::Client> clients = Clients("kick");
  ASSERT_EQ(clients.size(), 1u);

  v1::DisconnectClientRequest request;
  request.set_name(clients[0].name());
  v1::Client kicked;
  grpc::Status status = stub_->DisconnectClient(Ctx().get(), request, &kicked);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(kicked.id(), clients[0].id());
  bool closed = false;
  client.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(Eventually([&] { return Clients("kick").empty(); }));

  v1::GetClientRequest get;
  get.set_name(clients[0].name());
  v1::Client gone;
  EXPECT_EQ(stub_->GetClient(Ctx().get(), get, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::Listener deleted;
  ASSERT_TRUE(Delete("kick", v1::DeleteListenerRequest::STOP_ACCEPTING, &deleted).ok());
  EXPECT_EQ(deleted.state(), v1::Listener::CLOSED);
}

TEST_F(AdminTest, DrainServesConnectedClientsRefusesNewOnesThenClosesAtTheDeadline) {
  const v1::Listener listener = MustCreate("drain");
  TestClient client(listener.bound_address());
  ASSERT_EQ(client.Call("set d 0 0 1\r\nx\r\n"), "STORED\r\n");

  const auto start = std::chrono::steady_clock::now();
  v1::Listener draining;
  grpc::Status status = Delete("drain", v1::DeleteListenerRequest::DRAIN, &draining, 1500);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(draining.state(), v1::Listener::DRAINING);
  EXPECT_GT(draining.drain_deadline().seconds(), 0);
  EXPECT_EQ(draining.connected_clients(), 1u);

  // Still listed, still serving its client; new connects are refused.
  v1::GetListenerRequest get;
  get.set_name("drain");
  v1::Listener fetched;
  ASSERT_TRUE(stub_->GetListener(Ctx().get(), get, &fetched).ok());
  EXPECT_EQ(fetched.state(), v1::Listener::DRAINING);
  EXPECT_EQ(client.Call("get d\r\n", "END\r\n"), "VALUE d 0 1\r\nx\r\nEND\r\n");
  EXPECT_TRUE(ConnectRefused(listener.bound_address()));
  // Draining twice is refused.
  v1::Listener again;
  EXPECT_EQ(Delete("drain", v1::DeleteListenerRequest::DRAIN, &again, 1000).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(client.Call("incr nothing 1\r\n"), "NOT_FOUND\r\n");

  // At the deadline the client is closed and the listener goes away.
  bool closed = false;
  client.ReadUntilClosed(closed);
  EXPECT_TRUE(closed);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
  EXPECT_TRUE(Eventually([&] {
    v1::Listener l;
    return stub_->GetListener(Ctx().get(), get, &l).error_code() == grpc::StatusCode::NOT_FOUND;
  }));
}

TEST_F(AdminTest, DrainEndsEarlyWhenTheLastClientLeaves) {
  const v1::Listener listener = MustCreate("drain-early");
  auto client = std::make_unique<TestClient>(listener.bound_address());
  ASSERT_EQ(client->Call("version\r\n").substr(0, 8), "VERSION ");
  v1::Listener draining;
  ASSERT_TRUE(Delete("drain-early", v1::DeleteListenerRequest::DRAIN, &draining, 60'000).ok());
  client.reset();
  v1::GetListenerRequest get;
  get.set_name("drain-early");
  EXPECT_TRUE(Eventually([&] {
    v1::Listener l;
    return stub_->GetListener(Ctx().get(), get, &l).error_code() == grpc::StatusCode::NOT_FOUND;
  }));
}

TEST_F(AdminTest, CloseNowDropsEveryClient) {
  const v1::Listener listener = MustCreate("now");
  TestClient a(listener.bound_address());
  TestClient b(listener.bound_address());
  ASSERT_EQ(a.Call("version\r\n").substr(0, 8), "VERSION ");
  ASSERT_EQ(b.Call("version\r\n").substr(0, 8), "VERSION ");
  ASSERT_EQ(Clients("now").size(), 2u);
  Watcher watcher(*stub_, "now");
  v1::Listener deleted;
  ASSERT_TRUE(Delete("listeners/now", v1::DeleteListenerRequest::CLOSE_NOW, &deleted).ok());
  EXPECT_EQ(deleted.state(), v1::Listener::CLOSED);
  EXPECT_EQ(deleted.connected_clients(), 0u);
  // Both clients are gone before the listener is.
  ASSERT_TRUE(watcher.Seen([](const v1::Event& e) { return e.has_listener_closed(); }));
  int disconnected = 0;
  for (const v1::Event& e : watcher.events()) {
    if (e.has_listener_closed()) break;
    disconnected += e.has_client_disconnected();
  }
  EXPECT_EQ(disconnected, 2);
  bool a_closed = false, b_closed = false;
  a.ReadUntilClosed(a_closed);
  b.ReadUntilClosed(b_closed);
  EXPECT_TRUE(a_closed);
  EXPECT_TRUE(b_closed);
  EXPECT_TRUE(ConnectRefused(listener.bound_address()));
  for (const v1::Client& c : Clients("")) EXPECT_NE(c.listener(), "listeners/now");
}

TEST_F(AdminTest, StopAcceptingKeepsClientsAndTheListenerUntilTheyLeave) {
  const v1::Listener listener = MustCreate("stop");
  auto client = std::make_unique<TestClient>(listener.bound_address());
  ASSERT_EQ(client->Call("version\r\n").substr(0, 8), "VERSION ");
  Watcher watcher(*stub_, "stop");
  v1::Listener deleted;
  ASSERT_TRUE(Delete("stop", v1::DeleteListenerRequest::STOP_ACCEPTING, &deleted).ok());
  EXPECT_EQ(deleted.state(), v1::Listener::DRAINING);
  EXPECT_FALSE(deleted.has_drain_deadline());
  EXPECT_EQ(deleted.connected_clients(), 1u);
  EXPECT_TRUE(ConnectRefused(listener.bound_address()));
  EXPECT_EQ(client->Call("get x\r\n", "END\r\n"), "END\r\n");

  // The listener stays visible as long as a client row names it.
  v1::GetListenerRequest get;
  get.set_name("stop");
  v1::Listener fetched;
  ASSERT_TRUE(stub_->GetListener(Ctx().get(), get, &fetched).ok());
  EXPECT_EQ(fetched.state(), v1::Listener::DRAINING);
  EXPECT_EQ(fetched.connected_clients(), 1u);
  const std::vector<v1::Client> clients = Clients("stop");
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0].listener(), "listeners/stop");
  // Only CLOSE_NOW goes further.
  v1::Listener again;
  EXPECT_EQ(Delete("stop", v1::DeleteListenerRequest::STOP_ACCEPTING, &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  client->Send("quit\r\n");
  EXPECT_TRUE(watcher.Seen([](const v1::Event& e) { return e.has_listener_closed(); },
                           std::chrono::seconds(5)));
  v1::Listener gone;
  EXPECT_EQ(stub_->GetListener(Ctx().get(), get, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  const std::vector<v1::Event> events = watcher.events();
  const int draining =
      IndexOf(events, [](const v1::Event& e) { return e.has_listener_draining(); });
  const int left = IndexOf(events, [](const v1::Event& e) {
    return e.has_client_disconnected() && e.client_disconnected().reason() == v1::CLIENT_CLOSED;
  });
  const int closed = IndexOf(events, [](const v1::Event& e) { return e.has_listener_closed(); });
  EXPECT_GE(draining, 0);
  EXPECT_GT(left, draining);
  EXPECT_GT(closed, left);
}

TEST_F(AdminTest, ListClientsPages) {
  const v1::Listener listener = MustCreate("pages");
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<TestClient>(listener.bound_address()));
    ASSERT_EQ(clients.back()->Call("version\r\n").substr(0, 8), "VERSION ");
  }
  std::vector<uint64_t> seen;
  v1::ListClientsRequest request;
  request.set_listener("listeners/pages");
  request.set_page_size(2);
  int pages = 0;
  do {
    v1::ListClientsResponse response;
    ASSERT_TRUE(stub_->ListClients(Ctx().get(), request, &response).ok());
    EXPECT_EQ(response.total_size(), 5);
    EXPECT_LE(response.clients_size(), 2);
    for (const v1::Client& c : response.clients()) seen.push_back(c.id());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
  v1::Listener deleted;
  ASSERT_TRUE(Delete("pages", v1::DeleteListenerRequest::CLOSE_NOW, &deleted).ok());
}

TEST_F(AdminTest, WatchEventsDeliversEachStep) {
  Watcher all(*stub_);
  const v1::Listener listener = MustCreate("watched");
  Watcher filtered(*stub_, "listeners/watched");
  const v1::Listener other = MustCreate("unwatched");
  auto is = [](auto field) {
    return [field](const v1::Event& e) { return e.payload_case() == field; };
  };

  EXPECT_TRUE(all.WaitFor([](const v1::Event& e) {
    return e.has_listener_created() && e.listener_created().listener() == "listeners/watched" &&
           e.listener_created().address().starts_with("127.0.0.1:");
  }));
  std::string client_name;
  {
    TestClient quitter(listener.bound_address());
    EXPECT_TRUE(all.WaitFor([&](const v1::Event& e) {
      if (!e.has_client_connected()) return false;
      client_name = e.client_connected().client();
      return e.client_connected().listener() == "listeners/watched" &&
             e.client_connected().peer().starts_with("127.0.0.1:") && e.time().seconds() > 0;
    }));
    quitter.Send("quit\r\n");
    EXPECT_TRUE(all.WaitFor([&](const v1::Event& e) {
      return e.has_client_disconnected() && e.client_disconnected().client() == client_name &&
             e.client_disconnected().reason() == v1::CLIENT_CLOSED;
    }));
  }

  TestClient kicked(listener.bound_address());
  ASSERT_EQ(kicked.Call("version\r\n").substr(0, 8), "VERSION ");
  std::vector<v1::Client> clients = Clients("watched");
  ASSERT_EQ(clients.size(), 1u);
  v1::DisconnectClientRequest kick;
  kick.set_name(clients[0].name());
  v1::Client ignored;
  ASSERT_TRUE(stub_->DisconnectClient(Ctx().get(), kick, &ignored).ok());
  EXPECT_TRUE(all.WaitFor([&](const v1::Event& e) {
    return e.has_client_disconnected() && e.client_disconnected().client() == clients[0].name() &&
           e.client_disconnected().reason() == v1::KICKED;
  }));

  TestClient drained(listener.bound_address());
  ASSERT_EQ(drained.Call("version\r\n").substr(0, 8), "VERSION ");
  v1::Listener deleted;
  ASSERT_TRUE(Delete("watched", v1::DeleteListenerRequest::DRAIN, &deleted, 300).ok());
  EXPECT_TRUE(all.WaitFor([](const v1::Event& e) {
    return e.has_listener_draining() && e.listener_draining().listener() == "listeners/watched";
  }));
  // The deadline closes the client, then the listener.
  EXPECT_TRUE(all.WaitFor([](const v1::Event& e) {
    return e.has_client_disconnected() &&
           e.client_disconnected().listener() == "listeners/watched" &&
           e.client_disconnected().reason() == v1::SHUTDOWN;
  }));
  EXPECT_TRUE(all.WaitFor([](const v1::Event& e) {
    return e.has_listener_closed() && e.listener_closed().listener() == "listeners/watched";
  }));

  // The filtered watcher saw the same steps and nothing of the other listener.
  EXPECT_TRUE(filtered.Seen(is(v1::Event::kListenerClosed)));
  EXPECT_TRUE(filtered.Seen(is(v1::Event::kClientDisconnected)));
  for (const v1::Event& e : filtered.events()) {
    EXPECT_EQ(e.DebugString().find("unwatched"), std::string::npos) << e.DebugString();
  }
  int connected = 0;
  for (const v1::Event& e : filtered.events()) connected += e.has_client_connected();
  EXPECT_EQ(connected, 3);
  ASSERT_TRUE(Delete("unwatched", v1::DeleteListenerRequest::CLOSE_NOW, &deleted).ok());
}

TEST_F(AdminTest, BadRequestsGetTheirStatusCodes) {
  v1::Listener listener;
  // INVALID_ARGUMENT: malformed addresses, names, ids, sizes, tokens, durations.
  EXPECT_EQ(Create("", "nonsense", &listener).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create("", "127.0.0.1:99999", &listener).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create("", "", &listener).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create("bad/id", "127.0.0.1:0", &listener).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  {
    v1::CreateListenerRequest request;
    request.mutable_listener()->set_address("127.0.0.1:0");
    request.mutable_listener()->mutable_idle_timeout()->set_seconds(-1);
    EXPECT_EQ(stub_->CreateListener(Ctx().get(), request, &listener).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  v1::Client client;
  v1::GetClientRequest get_client;
  get_client.set_name("clients/abc");
  EXPECT_EQ(stub_->GetClient(Ctx().get(), get_client, &client).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetListenerRequest get_listener;
  EXPECT_EQ(stub_->GetListener(Ctx().get(), get_listener, &listener).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListClientsRequest list;
  v1::ListClientsResponse listed;
  list.set_page_size(-1);
  EXPECT_EQ(stub_->ListClients(Ctx().get(), list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  list.set_page_size(0);
  list.set_page_token("not-a-token");
  EXPECT_EQ(stub_->ListClients(Ctx().get(), list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  {
    v1::DeleteListenerRequest request;
    request.set_name("l1");
    request.set_mode(static_cast<v1::DeleteListenerRequest::Mode>(42));
    EXPECT_EQ(stub_->DeleteListener(Ctx().get(), request, &listener).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    request.set_mode(v1::DeleteListenerRequest::DRAIN);
    request.mutable_drain_timeout()->set_seconds(-5);
    EXPECT_EQ(stub_->DeleteListener(Ctx().get(), request, &listener).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }

  // ALREADY_EXISTS: the same id, or the same address.
  const v1::Listener taken = MustCreate("taken");
  EXPECT_EQ(Create("taken", "127.0.0.1:0", &listener).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Create("other", taken.bound_address(), &listener).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  // NOT_FOUND: unknown listener or client.
  get_listener.set_name("listeners/missing");
  EXPECT_EQ(stub_->GetListener(Ctx().get(), get_listener, &listener).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      Delete("listeners/missing", v1::DeleteListenerRequest::CLOSE_NOW, &listener).error_code(),
      grpc::StatusCode::NOT_FOUND);
  get_client.set_name("clients/999999");
  EXPECT_EQ(stub_->GetClient(Ctx().get(), get_client, &client).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::DisconnectClientRequest kick;
  kick.set_name("999999");
  EXPECT_EQ(stub_->DisconnectClient(Ctx().get(), kick, &client).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // UNAVAILABLE: a port another socket holds, with the OS's reason.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof(sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  grpc::Status in_use = Create("", "127.0.0.1:" + std::to_string(ntohs(sa.sin_port)), &listener);
  ::close(fd);
  EXPECT_EQ(in_use.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(in_use.error_message().find("in use"), std::string::npos) << in_use.error_message();

  ASSERT_TRUE(Delete("taken", v1::DeleteListenerRequest::CLOSE_NOW, &listener).ok());
}

TEST_F(AdminTest, UnknownListenerFiltersAreNotFound) {
  v1::ListClientsRequest list;
  list.set_listener("listeners/typo");
  v1::ListClientsResponse listed;
  EXPECT_EQ(stub_->ListClients(Ctx().get(), list, &listed).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::WatchEventsRequest watch;
  watch.set_listener("typo");
  auto context = Ctx();
  auto reader = stub_->WatchEvents(context.get(), watch);
  v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

TEST_F(AdminTest, PageTokenOnlyWorksWithItsOwnFilter) {
  const v1::Listener listener = MustCreate("tokens");
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<TestClient>(listener.bound_address()));
    ASSERT_EQ(clients.back()->Call("version\r\n").substr(0, 8), "VERSION ");
  }
  v1::ListClientsRequest request;
  request.set_listener("listeners/tokens");
  request.set_page_size(1);
  v1::ListClientsResponse first;
  ASSERT_TRUE(stub_->ListClients(Ctx().get(), request, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());

  request.set_page_token(first.next_page_token());
  for (const char* other : {"", "l1"}) {
    request.set_listener(other);
    v1::ListClientsResponse response;
    EXPECT_EQ(stub_->ListClients(Ctx().get(), request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << "listener \"" << other << "\"";
  }
  // The bare id is the same filter.
  request.set_listener("tokens");
  v1::ListClientsResponse second;
  ASSERT_TRUE(stub_->ListClients(Ctx().get(), request, &second).ok());
  ASSERT_EQ(second.clients_size(), 1);
  EXPECT_GT(second.clients(0).id(), first.clients(0).id());
  v1::Listener deleted;
  ASSERT_TRUE(Delete("tokens", v1::DeleteListenerRequest::CLOSE_NOW, &deleted).ok());
}

TEST_F(AdminTest, ListenerLimitRefusalsCountAsRejected) {
  v1::CreateListenerRequest request;
  request.set_listener_id("limited");
  request.mutable_listener()->set_address("127.0.0.1:0");
  request.mutable_listener()->set_max_clients(1);
  v1::Listener listener;
  ASSERT_TRUE(stub_->CreateListener(Ctx().get(), request, &listener).ok());
  TestClient served(listener.bound_address());
  ASSERT_EQ(served.Call("version\r\n").substr(0, 8), "VERSION ");
  TestClient refused(listener.bound_address());
  bool closed = false;
  EXPECT_EQ(refused.ReadUntilClosed(closed), "ERROR Too many open connections\r\n");
  EXPECT_TRUE(closed);

  v1::GetListenerRequest get;
  get.set_name("limited");
  v1::Listener fetched;
  // The listener counts the refusal once the refused socket is closed, which
  // the refused client may see first.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    ASSERT_TRUE(stub_->GetListener(Ctx().get(), get, &fetched).ok());
  } while (fetched.rejected_clients() == 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(fetched.connected_clients(), 1u);
  EXPECT_EQ(fetched.accepted_clients(), 1u);
  EXPECT_EQ(fetched.rejected_clients(), 1u);
  v1::Stats stats;
  ASSERT_TRUE(stub_->GetStats(Ctx().get(), {}, &stats).ok());
  bool found = false;
  for (const v1::ListenerStats& l : stats.listeners()) {
    if (l.listener() != "listeners/limited") continue;
    found = true;
    EXPECT_EQ(l.accepted_clients(), 1u);
    EXPECT_EQ(l.rejected_clients(), 1u);
  }
  EXPECT_TRUE(found);
  v1::Listener deleted;
  ASSERT_TRUE(Delete("limited", v1::DeleteListenerRequest::CLOSE_NOW, &deleted).ok());
}

TEST_F(AdminTest, StatsAndServerInfo) {
  TestClient client(memgate_->listeners().at("l1"));
  ASSERT_EQ(client.Call("set s 0 0 1\r\nx\r\n"), "STORED\r\n");
  ASSERT_EQ(client.Call("get s missing\r\n", "END\r\n"), "VALUE s 0 1\r\nx\r\nEND\r\n");
  v1::Stats stats;
  ASSERT_TRUE(stub_->GetStats(Ctx().get(), {}, &stats).ok());
  EXPECT_GE(stats.cmd_set(), 1u);
  EXPECT_GE(stats.cmd_get(), 2u);
  EXPECT_GE(stats.get_hits(), 1u);
  EXPECT_GE(stats.get_misses(), 1u);
  EXPECT_GE(stats.curr_connections(), 1u);
  EXPECT_GE(stats.curr_items(), 1u);
  EXPECT_EQ(stats.max_connections(), 100u);
  EXPECT_EQ(stats.threads(), 2u);
  EXPECT_EQ(stats.backend(), "memory");
  bool found = false;
  for (const v1::ListenerStats& l : stats.listeners()) {
    if (l.listener() == "listeners/l1") {
      found = true;
      EXPECT_GE(l.connected_clients(), 1u);
      EXPECT_GE(l.accepted_clients(), 1u);
    }
  }
  EXPECT_TRUE(found);

  v1::ServerInfo info;
  ASSERT_TRUE(stub_->GetServerInfo(Ctx().get(), {}, &info).ok());
  EXPECT_EQ(info.version(), MEMGATE_VERSION);
  EXPECT_TRUE(info.protocol_version().starts_with("1.6.")) << info.protocol_version();
  EXPECT_EQ(info.backend(), "memory");
  EXPECT_EQ(info.threads(), 2u);
  EXPECT_GT(info.start_time().seconds(), 0);
  EXPECT_GT(info.pid(), 0);
  ASSERT_GE(info.args_size(), 2);
  EXPECT_EQ(info.args(1), "--listen");
}

TEST_F(AdminTest, HealthAnswersServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(Ctx().get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  request.set_service("memgate.admin.v1.AdminService");
  ASSERT_TRUE(health->Check(Ctx().get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  request.set_service("no.such.Service");
  EXPECT_EQ(health->Check(Ctx().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// The two versions of the reflection API, which differ only in package.
template <typename ServiceT, typename RequestT, typename ResponseT>
struct ReflectionApi {
  using Service = ServiceT;
  using Request = RequestT;
  using Response = ResponseT;
};
using ReflectionV1Alpha = ReflectionApi<grpc::reflection::v1alpha::ServerReflection,
                                        grpc::reflection::v1alpha::ServerReflectionRequest,
                                        grpc::reflection::v1alpha::ServerReflectionResponse>;
using ReflectionV1 = ReflectionApi<grpc::reflection::v1::ServerReflection,
                                   grpc::reflection::v1::ServerReflectionRequest,
                                   grpc::reflection::v1::ServerReflectionResponse>;

// What `grpcurl list` and `grpcurl describe` ask, through one version of
// the reflection API: the services, then the files defining them, comments
// included.
template <typename Reflection>
void ExpectReflectionDescribes(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = Reflection::Service::NewStub(channel);
  auto context = Ctx();
  auto stream = stub->ServerReflectionInfo(context.get());
  typename Reflection::Request request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  typename Reflection::Response response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& s : response.list_services_response().service()) services.push_back(s.name());
  for (const char* want : {"memgate.admin.v1.AdminService", "grpc.health.v1.Health"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), want), services.end()) << want;
  }

  for (const char* symbol : {"memgate.admin.v1.AdminService", "grpc.health.v1.Health",
                             "memgate.admin.v1.Listener.bound_address"}) {
    request.set_file_containing_symbol(symbol);
    ASSERT_TRUE(stream->Write(request));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(response.has_file_descriptor_response())
        << symbol << ": " << response.DebugString();
    ASSERT_GE(response.file_descriptor_response().file_descriptor_proto_size(), 1);
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(response.file_descriptor_response().file_descriptor_proto(0)));
    // Source info carries the .proto comments that `describe` prints.
    bool commented = false;
    for (const auto& location : file.source_code_info().location()) {
      commented |= !location.leading_comments().empty();
    }
    EXPECT_TRUE(commented) << symbol << " comes without comments";
  }

  request.set_file_containing_symbol("memgate.admin.v1.NoSuchThing");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(AdminTest, ReflectionV1AlphaDescribesEveryService) {
  ExpectReflectionDescribes<ReflectionV1Alpha>(channel_);
}

TEST_F(AdminTest, ReflectionV1DescribesEveryService) {
  ExpectReflectionDescribes<ReflectionV1>(channel_);
}

TEST(AdminServerTest, TokenIsEnforced) {
  const std::string token_file = WriteTempFile("token", "s3cret-token\n");
  MemgateProcess memgate({"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--admin-token-file",
                          token_file, "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  EXPECT_NE(memgate.Log().find("(token required)"), std::string::npos);
  auto channel = grpc::CreateChannel(memgate.admin_address(), grpc::InsecureChannelCredentials());
  auto stub = v1::AdminService::NewStub(channel);
  v1::ServerInfo info;
  EXPECT_EQ(stub->GetServerInfo(Ctx().get(), {}, &info).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto wrong = Ctx();
  wrong->AddMetadata("authorization", "Bearer nope");
  EXPECT_EQ(stub->GetServerInfo(wrong.get(), {}, &info).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // RFC 6750: the scheme is case-insensitive.
  for (const char* scheme : {"Bearer", "bearer", "BEARER"}) {
    auto right = Ctx();
    right->AddMetadata("authorization", std::string(scheme) + " s3cret-token");
    EXPECT_TRUE(stub->GetServerInfo(right.get(), {}, &info).ok()) << scheme;
  }
  // A token without the scheme is told the expected form, not that it is wrong.
  auto bare = Ctx();
  bare->AddMetadata("authorization", "s3cret-token");
  const grpc::Status no_scheme = stub->GetServerInfo(bare.get(), {}, &info);
  EXPECT_EQ(no_scheme.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(no_scheme.error_message().find("expected 'authorization: Bearer <token>'"),
            std::string::npos)
      << no_scheme.error_message();

  // A stream is refused the same way.
  auto watch = Ctx();
  watch->AddMetadata("authorization", "Bearer nope");
  auto reader = stub->WatchEvents(watch.get(), {});
  v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Health stays open for probes.
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(health->Check(Ctx().get(), {}, &response).ok());
  ::unlink(token_file.c_str());
}

TEST(AdminServerTest, RefusesNonLoopbackWithoutAToken) {
  MemgateProcess memgate({"--listen", "127.0.0.1:0", "--admin", "0.0.0.0:0", "-t", "1"});
  EXPECT_FALSE(memgate.ready());
  EXPECT_EQ(memgate.WaitForExit(std::chrono::seconds(10)), 2);
  EXPECT_NE(memgate.Log().find("non-loopback"), std::string::npos) << memgate.Log();
}

TEST(AdminServerTest, InsecureBeyondLoopbackLogsAWarning) {
  MemgateProcess memgate(
      {"--listen", "127.0.0.1:0", "--admin", "0.0.0.0:0", "--admin-insecure", "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  EXPECT_NE(memgate.Log().find("memgate: warning: "), std::string::npos) << memgate.Log();
  MemgateProcess loopback(
      {"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--admin-insecure", "-t", "1"});
  ASSERT_TRUE(loopback.ready()) << loopback.Log();
  EXPECT_EQ(loopback.Log().find("warning"), std::string::npos) << loopback.Log();
}

// Bad admin flags end memgate before it opens its memcached listener: the
// port is never connectable while the doomed process runs.
TEST(AdminServerTest, BadAdminFlagsExitBeforeAnyListenerOpens) {
  const std::string cert = WriteTempFile("cert", "not used");
  const std::vector<std::vector<std::string>> cases = {
      {"--admin", "0.0.0.0:0"},
      {"--admin", "127.0.0.1:0", "--admin-token-file", "/nonexistent/memgate-token"},
      {"--admin", "127.0.0.1:0", "--admin-tls-cert", cert},
  };
  for (std::vector<std::string> args : cases) {
    const std::string address = FreeLoopbackAddress();
    std::atomic<bool> done{false}, connected{false};
    std::thread poller([&] {
      while (!done) {
        if (Connects(address)) connected = true;
      }
    });
    args.insert(args.end(), {"--listen", address, "-t", "1"});
    MemgateProcess memgate(args);
    const int code = memgate.WaitForExit(std::chrono::seconds(10));
    done = true;
    poller.join();
    EXPECT_EQ(code, 2) << args[2] << ": " << memgate.Log();
    EXPECT_FALSE(connected) << args[2];
    EXPECT_EQ(memgate.Log().find("listening on"), std::string::npos) << memgate.Log();
  }
  ::unlink(cert.c_str());
}

TEST(AdminServerTest, ServerWideLimitRefusalsCountAsRejected) {
  MemgateProcess memgate(
      {"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "-t", "1", "-c", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(memgate.admin_address(), grpc::InsecureChannelCredentials()));
  TestClient served(memgate.listeners().at("l1"));
  ASSERT_EQ(served.Call("version\r\n").substr(0, 8), "VERSION ");
  TestClient refused(memgate.listeners().at("l1"));
  bool closed = false;
  EXPECT_EQ(refused.ReadUntilClosed(closed), "ERROR Too many open connections\r\n");
  EXPECT_TRUE(closed);

  v1::GetListenerRequest get;
  get.set_name("l1");
  v1::Listener listener;
  // Counted once the refused socket is closed, which the client may see first.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    ASSERT_TRUE(stub->GetListener(Ctx().get(), get, &listener).ok());
  } while (listener.rejected_clients() == 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(listener.accepted_clients(), 1u);
  EXPECT_EQ(listener.rejected_clients(), 1u);
  v1::Stats stats;
  ASSERT_TRUE(stub->GetStats(Ctx().get(), {}, &stats).ok());
  EXPECT_EQ(stats.rejected_connections(), 1u);
  ASSERT_EQ(stats.listeners_size(), 1);
  EXPECT_EQ(stats.listeners(0).accepted_clients(), 1u);
  EXPECT_EQ(stats.listeners(0).rejected_clients(), 1u);
}

TEST(AdminServerTest, NoneDisablesTheAdminApi) {
  MemgateProcess memgate({"--listen", "127.0.0.1:0", "--admin", "none", "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  EXPECT_TRUE(memgate.admin_address().empty());
}

TEST(AdminServerTest, ServesOverTls) {
  const std::string dir = ::testing::TempDir();
  const std::string key = dir + "admin-tls.key", cert = dir + "admin-tls.crt";
  std::string out, err;
  const int rc = memgate::testing::RunCommand(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
          key + " -out " + cert,
      out, err);
  if (rc != 0) GTEST_SKIP() << "openssl cannot make a test certificate: " << err;
  MemgateProcess memgate({"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--admin-tls-cert",
                          cert, "--admin-tls-key", key, "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  std::ifstream in(cert);
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(memgate.admin_address(), grpc::SslCredentials(ssl)));
  v1::ServerInfo info;
  grpc::Status status = stub->GetServerInfo(Ctx().get(), {}, &info);
  EXPECT_TRUE(status.ok()) << status.error_message();
  // Plaintext clients get nowhere.
  auto plain = v1::AdminService::NewStub(
      grpc::CreateChannel(memgate.admin_address(), grpc::InsecureChannelCredentials()));
  EXPECT_FALSE(plain->GetServerInfo(Ctx(std::chrono::seconds(3)).get(), {}, &info).ok());
}

TEST(AdminReloadTest, ReloadConfigAppliesTheFileAndRejectsABadOne) {
  const std::string path =
      WriteTempFile("reload.yaml", "listeners:\n  - id: main\n    address: 127.0.0.1:0\n");
  MemgateProcess memgate({"--config", path, "--admin", "127.0.0.1:0", "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(memgate.admin_address(), grpc::InsecureChannelCredentials()));
  const std::string main_address = memgate.listeners().at("main");

  std::ofstream(path) << "listeners:\n  - id: main\n    address: " << main_address
                      << "\n  - id: extra\n    address: 127.0.0.1:0\nthreads: 2\n"
                      << "limits:\n  memory_mb: 8\n";
  v1::ReloadConfigResponse response;
  grpc::Status status = stub->ReloadConfig(Ctx().get(), {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.applied_size(), 1);
  EXPECT_TRUE(response.applied(0).starts_with("listener extra opened on 127.0.0.1:"))
      << response.applied(0);
  ASSERT_EQ(response.not_applied_size(), 1);
  // -t on the command line wins over the file, so only the memory limit
  // changed.
  EXPECT_EQ(response.not_applied(0), "limits.memory_mb: changed; takes a restart");
  v1::Listener extra;
  v1::GetListenerRequest get;
  get.set_name("listeners/extra");
  ASSERT_TRUE(stub->GetListener(Ctx().get(), get, &extra).ok());
  TestClient client(extra.bound_address());
  EXPECT_EQ(client.Call("version\r\n").substr(0, 8), "VERSION ");

  std::ofstream(path) << "listeners:\n  - id: main\n    address: nowhere\n";
  status = stub->ReloadConfig(Ctx().get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            path +
                ":3: listeners[0].address: bad address \"nowhere\": missing port (want "
                "host:port, [v6]:port or unix:/path)");
  v1::ListListenersResponse listeners;
  ASSERT_TRUE(stub->ListListeners(Ctx().get(), {}, &listeners).ok());
  EXPECT_EQ(listeners.listeners_size(), 2);
}

TEST(AdminReloadTest, ReloadConfigWithoutAConfigFileIsAFailedPrecondition) {
  MemgateProcess memgate({"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "-t", "1"});
  ASSERT_TRUE(memgate.ready()) << memgate.Log();
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(memgate.admin_address(), grpc::InsecureChannelCredentials()));
  v1::ReloadConfigResponse response;
  EXPECT_EQ(stub->ReloadConfig(Ctx().get(), {}, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace memgate::admin
