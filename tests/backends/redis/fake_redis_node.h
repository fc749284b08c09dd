// A stand-in for a Redis Cluster node, for faults a real cluster will not
// produce on demand: it speaks just enough RESP for the backend to connect
// (PING, SCRIPT LOAD), serves a slot map that gives every slot to one node
// (CLUSTER SLOTS; CLUSTER SHARDS is refused, as before Redis 7), and answers
// every other command with what the test's handler says.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace memgate::backends::redis::testing {

class FakeRedisNode {
 public:
  // Raw RESP bytes to send back for one command, e.g. "-TRYAGAIN ...\r\n".
  using Handler = std::function<std::string(const std::vector<std::string>& argv)>;

  // Listens on a free loopback port at once; the slot map names this node
  // until set_slot_owner says otherwise.
  explicit FakeRedisNode(Handler handler);
  ~FakeRedisNode();

  FakeRedisNode(const FakeRedisNode&) = delete;
  FakeRedisNode& operator=(const FakeRedisNode&) = delete;

  int port() const { return port_; }
  std::string url() const;
  // The port the slot map gives every slot to.
  void set_slot_owner(int port) { slot_owner_.store(port); }
  // Commands given to the handler so far.
  int handled() const { return handled_.load(); }

 private:
  void Run();
  std::string Answer(const std::vector<std::string>& argv);

  Handler handler_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> slot_owner_{0};
  std::atomic<int> handled_{0};
  std::thread thread_;
};

}  // namespace memgate::backends::redis::testing
