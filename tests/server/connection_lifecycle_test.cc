// Connection's life on one thread over a socket pair: a client the backend
// refuses, a graceful drain with replies still owed, a drain before the
// backend has answered, the peer's half close, a closing reply, and -R.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "backends/memory/memory_backend.h"
#include "boost/asio/io_context.hpp"
#include "gtest/gtest.h"
#include "server/client_registry.h"
#include "server/connection.h"
#include "server/dispatcher.h"
#include "server/events.h"
#include "server/server_stats.h"
#include "server/version.h"

namespace memgate::server {
namespace {

// The memory backend behind a door: ClientOpened is answered when the test
// says (accepted or refused), and Gets can be held until released.
class DoorBackend final : public backends::Backend {
 public:
  std::string_view Name() const override { return "door"; }
  backends::Capabilities capabilities() const override { return inner_.capabilities(); }
  void Get(const backends::ClientContext& client, const backends::GetRequest& request,
           Done<backends::GetResult> done) override {
    if (!hold_gets_) return inner_.Get(client, request, std::move(done));
    inner_.Get(client, request, [this, done = std::move(done)](backends::GetResult result) mutable {
      held_.push_back([done = std::move(done), result = std::move(result)]() mutable {
        std::move(done)(std::move(result));
      });
    });
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

  void ClientOpened(const backends::ClientContext&, Done<backends::OpenResult> done) override {
    if (answer_at_once_) return std::move(done)(backends::OpenResult{});
    open_ = std::move(done);
  }
  void ClientClosed(const backends::ClientContext&) override { ++closed_; }

  // ClientOpened waits for Accept or Refuse.
  void HoldOpens() { answer_at_once_ = false; }
  void Accept() { std::move(open_)(backends::OpenResult{}); }
  void Refuse(std::string why) {
    std::move(open_)(backends::OpenResult{.outcome = backends::OpenOutcome::kRefused,
                                          .error = {std::move(why), true}});
  }
  void HoldGets() { hold_gets_ = true; }
  void ReleaseGets() {
    std::vector<absl::AnyInvocable<void()&&>> held = std::move(held_);
    for (auto& answer : held) std::move(answer)();
  }
  int closed() const { return closed_; }

 private:
  backends::MemoryBackend inner_;
  bool answer_at_once_ = true;
  Done<backends::OpenResult> open_;
  bool hold_gets_ = false;
  std::vector<absl::AnyInvocable<void() &&>> held_;
  int closed_ = 0;
};

// One Connection over a socket pair; the test is its peer and runs its loop.
class ConnectionLifecycleTest : public ::testing::Test {
 protected:
  ConnectionLifecycleTest()
      : stats_(1),
        registry_(stats_, events_),
        dispatcher_(backend_, stats_,
                    ServerFacts{.item_size_max = 1024 * 1024, .request_shutdown = [](bool) {}}),
        disconnects_(events_.Subscribe()) {}

  ~ConnectionLifecycleTest() override {
    connection_.reset();
    if (peer_ >= 0) close(peer_);
  }

  void Open(ConnectionOptions options = {}) {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    peer_ = fds[1];
    Connection::Socket socket(loop_, boost::asio::generic::stream_protocol(AF_UNIX, 0), fds[0]);
    connection_ = std::make_shared<Connection>(
        std::move(socket), loop_, 0, dispatcher_, stats_, registry_,
        backends::ClientContext{.id = registry_.NextId(), .peer = "test", .loop = 0}, options);
    connection_->Start();
    Pump();
  }

  void Send(std::string_view bytes) {
    ASSERT_EQ(send(peer_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
    Pump();
  }

  // Runs the loop until it has nothing left to do, collecting what arrives.
  void Pump() {
    for (;;) {
      loop_.restart();
      const std::size_t handlers = loop_.poll();
      const bool received = Receive();
      if (handlers == 0 && !received) return;
    }
  }

  bool Receive() {
    bool any = false;
    char buffer[4096];
    while (!peer_closed_) {
      const ssize_t n = recv(peer_, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) {
        received_.append(buffer, static_cast<std::size_t>(n));
        any = true;
      } else if (n == 0 || errno == ECONNRESET) {
        peer_closed_ = true;
        any = true;
      } else {
        break;
      }
    }
    return any;
  }

  // The reason of the one disconnect so far, if any.
  std::optional<DisconnectReason> DisconnectedFor() {
    uint64_t dropped = 0;
    for (const Event& event : disconnects_->Next(absl::ZeroDuration(), dropped)) {
      if (event.type == Event::Type::kClientDisconnected) reasons_.push_back(event.reason);
    }
    EXPECT_LE(reasons_.size(), 1u);
    if (reasons_.empty()) return std::nullopt;
    return reasons_.front();
  }

  DoorBackend backend_;
  ServerStats stats_;
  EventBus events_;
  ClientRegistry registry_;
  Dispatcher dispatcher_;
  std::shared_ptr<EventSubscription> disconnects_;
  boost::asio::io_context loop_;
  std::shared_ptr<Connection> connection_;
  int peer_ = -1;
  std::string received_;
  bool peer_closed_ = false;
  std::vector<DisconnectReason> reasons_;
};

TEST_F(ConnectionLifecycleTest, ARefusedClientGetsTheReasonAndTheBackendNeverHearsItsEnd) {
  backend_.HoldOpens();
  Open();
  EXPECT_EQ(received_, "");
  backend_.Refuse("not from there");
  Pump();
  EXPECT_EQ(received_, "SERVER_ERROR not from there\r\n");
  EXPECT_TRUE(peer_closed_);
  EXPECT_EQ(DisconnectedFor(), DisconnectReason::kError);
  EXPECT_EQ(backend_.closed(), 0);
  EXPECT_EQ(registry_.Count(), 0u);
}

TEST_F(ConnectionLifecycleTest, DrainBeforeTheBackendAnswersClosesAtOnce) {
  backend_.HoldOpens();
  Open();
  connection_->Drain();
  Pump();
  EXPECT_TRUE(peer_closed_);
  EXPECT_EQ(DisconnectedFor(), DisconnectReason::kShutdown);
  // The backend accepts after all: it hears of the end.
  backend_.Accept();
  Pump();
  EXPECT_EQ(backend_.closed(), 1);
}

TEST_F(ConnectionLifecycleTest, DrainAnswersWhatWasSentThenCloses) {
  Open();
  backend_.HoldGets();
  Send("set a 0 0 1\r\nx\r\nget a\r\n");
  EXPECT_EQ(received_, "STORED\r\n");
  connection_->Drain();
  Pump();
  // A reply is still owed: the connection stays, and keeps reading.
  EXPECT_FALSE(peer_closed_);
  Send("version\r\n");
  backend_.ReleaseGets();
  Pump();
  EXPECT_EQ(received_,
            "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\nVERSION " MEMGATE_PROTOCOL_VERSION "\r\n");
  EXPECT_TRUE(peer_closed_);
  EXPECT_EQ(DisconnectedFor(), DisconnectReason::kShutdown);
  EXPECT_EQ(backend_.closed(), 1);
}

TEST_F(ConnectionLifecycleTest, AHalfCloseIsAnsweredThenClosed) {
  Open();
  backend_.HoldGets();
  Send("set a 0 0 1\r\nx\r\nget a\r\n");
  shutdown(peer_, SHUT_WR);
  Pump();
  EXPECT_FALSE(peer_closed_);
  backend_.ReleaseGets();
  Pump();
  EXPECT_EQ(received_, "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
  EXPECT_TRUE(peer_closed_);
  EXPECT_EQ(DisconnectedFor(), DisconnectReason::kClientClosed);
  EXPECT_EQ(backend_.closed(), 1);
}

TEST_F(ConnectionLifecycleTest, NothingAfterAClosingReplyIsAnswered) {
  Open();
  backend_.HoldGets();
  Send("get a\r\nquit\r\nset b 0 0 1\r\ny\r\n");
  backend_.ReleaseGets();
  Pump();
  EXPECT_EQ(received_, "END\r\n");
  EXPECT_TRUE(peer_closed_);
  EXPECT_EQ(DisconnectedFor(), DisconnectReason::kClientClosed);
  EXPECT_EQ(backend_.closed(), 1);
}

TEST_F(ConnectionLifecycleTest, OneCommandPerTurnStillAnswersThemAll) {
  Open({.reqs_per_event = 1});
  std::string request;
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    request += "set k" + std::to_string(i) + " 0 0 1\r\nv\r\n";
    expected += "STORED\r\n";
  }
  Send(request + "get k7\r\n");
  EXPECT_EQ(received_, expected + "VALUE k7 0 1\r\nv\r\nEND\r\n");
  EXPECT_FALSE(peer_closed_);
}

}  // namespace
}  // namespace memgate::server
