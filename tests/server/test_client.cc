// TestClient over plain POSIX sockets.
#include "tests/server/test_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "gtest/gtest.h"
#include "server/address.h"

namespace memgate::testing {
namespace {

constexpr int kTimeoutMs = 5000;

}  // namespace

TestClient::TestClient(std::string_view address) {
  auto endpoint = server::ResolveAddress(address);
  if (!endpoint.ok()) {
    ADD_FAILURE() << "bad address " << address;
    return;
  }
  const auto* sa = static_cast<const sockaddr*>(endpoint->data());
  fd_ = ::socket(sa->sa_family, SOCK_STREAM, 0);
  if (fd_ < 0 || ::connect(fd_, sa, endpoint->size()) != 0) {
    ADD_FAILURE() << "cannot connect to " << address << ": " << std::strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
}

TestClient TestClient::FromFd(int fd) {
  TestClient client;
  client.fd_ = fd;
  return client;
}

TestClient::TestClient(TestClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

TestClient::~TestClient() {
  if (fd_ >= 0) ::close(fd_);
}

void TestClient::Send(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      ADD_FAILURE() << "send failed: " << std::strerror(errno);
      return;
    }
    bytes.remove_prefix(n);
  }
}

std::string TestClient::ReadUntil(std::string_view ending) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  char buf[65536];
  while (fd_ >= 0 && !std::string_view(got).ends_with(ending)) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    pollfd p{.fd = fd_, .events = POLLIN};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) {
      ADD_FAILURE() << "timed out waiting for \"" << ending << "\"; got: " << got;
      break;
    }
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      ADD_FAILURE() << "connection closed waiting for \"" << ending << "\"; got: " << got;
      break;
    }
    got.append(buf, n);
  }
  return got;
}

std::string TestClient::Call(std::string_view request, std::string_view ending) {
  Send(request);
  return ReadUntil(ending);
}

std::string TestClient::ReadUntilClosed(bool& closed) {
  closed = false;
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  char buf[65536];
  while (fd_ >= 0) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    pollfd p{.fd = fd_, .events = POLLIN};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) break;
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed = true;
      break;
    }
    got.append(buf, n);
  }
  return got;
}

void TestClient::ShutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

}  // namespace memgate::testing
