// Starting and stopping redis-server for tests (see redis_server.h).
#include "tests/backends/redis/redis_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace memgate::backends::redis::testing {
namespace {

// Binds `port` on loopback (0: any) and returns the port bound, or 0.
int BindLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  int bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    socklen_t length = sizeof(address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    bound = ntohs(address.sin_port);
  }
  close(fd);
  return bound;
}

}  // namespace

int FreePort() {
  // A cluster node also listens on port + 10000 (its bus), which a busy
  // machine's client sockets may hold: both must be free.
  for (;;) {
    const int port = BindLoopback(0);
    if (port + 10000 < 65536 && BindLoopback(port + 10000) != 0) return port;
  }
}

namespace {

std::string TextOf(const redisReply* reply) {
  if (reply == nullptr) return "(unreachable)";
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return absl::StrCat(reply->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> parts;
      for (std::size_t i = 0; i < reply->elements; ++i) parts.push_back(TextOf(reply->element[i]));
      return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
    }
  }
  return "?";
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  char pattern[] = "/tmp/memgate-redis-XXXXXX";
  dir_ = mkdtemp(pattern);
  unix_path_ = dir_ + "/redis.sock";
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url() const {
  return absl::StrCat(options_.tls ? "rediss" : "redis", "://127.0.0.1:", port_);
}

void RedisServer::MakeCertificate() {
  const std::string command =
      absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost",
                   " -addext subjectAltName=DNS:localhost,IP:127.0.0.1", " -keyout ",
                   certificate_dir(), "/key.pem -out ", ca_file(), " >/dev/null 2>&1");
  std::system(command.c_str());
}

void RedisServer::ChoosePort() {
  if (port_ == 0) port_ = FreePort();
}

absl::Status RedisServer::Start() {
  if (running()) return absl::OkStatus();
  ChoosePort();
  if (options_.tls && !std::filesystem::exists(ca_file())) MakeCertificate();
  std::vector<std::string> args = {
      "redis-server", "--save", "",          "--appendonly",     "no", "--bind", "127.0.0.1",
      "--dir",        dir_,     "--logfile", dir_ + "/redis.log"};
  if (options_.tls) {
    args.insert(args.end(), {"--port", "0", "--tls-port", absl::StrCat(port_), "--tls-cert-file",
                             ca_file(), "--tls-key-file", certificate_dir() + "/key.pem",
                             "--tls-ca-cert-file", ca_file(), "--tls-auth-clients", "no"});
  } else {
    args.insert(args.end(), {"--port", absl::StrCat(port_)});
  }
  // The admin client of a TLS server comes in through the unix socket.
  if (options_.unix_socket || options_.tls) {
    args.insert(args.end(), {"--unixsocket", unix_path_, "--unixsocketperm", "700"});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Redis must not outlive a test binary that crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execvp("redis-server", argv.data());
    _exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("redis-server exited; see ", dir_, "/redis.log"));
    }
    if (TextOf(Command({"PING"}).get()) == "PONG") return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
  return absl::DeadlineExceededError("redis-server did not answer PING");
}

void RedisServer::Stop() {
  if (!running()) return;
  kill(pid_, SIGCONT);
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

void RedisServer::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServer::Freeze() {
  if (running()) kill(pid_, SIGSTOP);
}

void RedisServer::Thaw() {
  if (running()) kill(pid_, SIGCONT);
}

RedisServer::Reply RedisServer::Command(const std::vector<std::string>& argv, int db) {
  const timeval timeout{1, 0};
  redisContext* context = options_.tls || options_.unix_socket
                              ? redisConnectUnixWithTimeout(unix_path_.c_str(), timeout)
                              : redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (context == nullptr) return nullptr;
  if (context->err != 0) {
    redisFree(context);
    return nullptr;
  }
  redisSetTimeout(context, timeout);
  if (db != 0) {
    freeReplyObject(redisCommand(context, "SELECT %d", db));
  }
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), pointers.data(), lengths.data()));
  redisFree(context);
  return Reply(reply);
}

std::string RedisServer::Text(const std::vector<std::string>& argv, int db) {
  return TextOf(Command(argv, db).get());
}

}  // namespace memgate::backends::redis::testing
