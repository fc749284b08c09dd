// The fake cluster node (see fake_redis_node.h): one thread polls the
// listening socket and every connection; hiredis's reader frames commands.
#include "tests/backends/redis/fake_redis_node.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis::testing {
namespace {

std::string Bulk(const std::string& text) {
  return absl::StrCat("$", text.size(), "\r\n", text, "\r\n");
}

struct Connection {
  int fd = -1;
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader{redisReaderCreate(), redisReaderFree};
};

}  // namespace

FakeRedisNode::FakeRedisNode(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  slot_owner_ = port_;
  listen(listen_fd_, 16);
  pipe(wake_);
  thread_ = std::thread([this] { Run(); });
}

FakeRedisNode::~FakeRedisNode() {
  const char stop = 0;
  write(wake_[1], &stop, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
}

std::string FakeRedisNode::url() const { return absl::StrCat("127.0.0.1:", port_); }

std::string FakeRedisNode::Answer(const std::vector<std::string>& argv) {
  const std::string verb = absl::AsciiStrToUpper(argv.empty() ? "" : argv[0]);
  const std::string sub = absl::AsciiStrToUpper(argv.size() > 1 ? argv[1] : "");
  if (verb == "PING") return "+PONG\r\n";
  if (verb == "SCRIPT" && sub == "LOAD") return Bulk(std::string(40, 'f'));
  if (verb == "CLUSTER" && sub == "SHARDS") return "-ERR unknown subcommand 'shards'\r\n";
  if (verb == "CLUSTER" && sub == "SLOTS") {
    const std::string owner = absl::StrCat(slot_owner_.load());
    return absl::StrCat("*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n", Bulk("127.0.0.1"), ":", owner, "\r\n",
                        Bulk(absl::StrCat("fake-", owner)));
  }
  ++handled_;
  return handler_(argv);
}

void FakeRedisNode::Run() {
  std::vector<Connection> connections;
  while (true) {
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Connection& c : connections) fds.push_back({c.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents != 0) break;
    if (fds[1].revents != 0) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd >= 0) connections.push_back(Connection{fd});
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Connection& c = connections[i - 2];
      char buffer[16384];
      const ssize_t n = read(c.fd, buffer, sizeof(buffer));
      bool open = n > 0 && redisReaderFeed(c.reader.get(), buffer, n) == REDIS_OK;
      void* parsed = nullptr;
      while (open && redisReaderGetReply(c.reader.get(), &parsed) == REDIS_OK &&
             parsed != nullptr) {
        const auto* command = static_cast<redisReply*>(parsed);
        std::vector<std::string> argv;
        for (std::size_t a = 0; a < command->elements; ++a) {
          argv.emplace_back(command->element[a]->str, command->element[a]->len);
        }
        freeReplyObject(parsed);
        parsed = nullptr;
        const std::string answer = Answer(argv);
        open = write(c.fd, answer.data(), answer.size()) == static_cast<ssize_t>(answer.size());
      }
      if (!open) {
        close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
  }
  for (const Connection& c : connections) close(c.fd);
}

}  // namespace memgate::backends::redis::testing
