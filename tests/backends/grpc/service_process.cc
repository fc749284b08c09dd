// fork/exec of a test's backend service, and readiness over gRPC.
#include "tests/backends/grpc/service_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "grpcpp/grpcpp.h"

namespace memgate::backends::testing {

int PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("PickFreePort");
    std::abort();
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool WaitUntilServing(const std::string& target, double seconds) {
  // Retry soon: the child is probably still starting when we first try.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  return channel->WaitForConnected(deadline);
}

ServiceProcess::ServiceProcess(std::vector<std::string> argv)
    : argv_(std::move(argv)), port_(PickFreePort()) {
  const std::string port = std::to_string(port_);
  for (std::string& arg : argv_) {
    if (const std::size_t at = arg.find("{port}"); at != std::string::npos) {
      arg.replace(at, 6, port);
    }
  }
}

ServiceProcess::~ServiceProcess() { Stop(); }

bool ServiceProcess::Start() {
  // Nothing may allocate between fork and exec: other threads may hold the
  // allocator's locks.
  std::vector<char*> args;
  for (std::string& arg : argv_) args.push_back(arg.data());
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    std::perror("fork");
    return false;
  }
  if (pid_ == 0) {
    // Dies with the test, even when the test process crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    execv(args[0], args.data());
    _exit(127);
  }
  if (WaitUntilServing(target(), 20)) return true;
  Stop();
  return false;
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  Reap(5);
}

void ServiceProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  Reap(5);
}

void ServiceProcess::Reap(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  while (waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

}  // namespace memgate::backends::testing
