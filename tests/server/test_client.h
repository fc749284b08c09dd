// A blocking socket client for server tests: send bytes, read until an
// expected ending, with timeouts so a broken server fails a test instead of
// hanging it.
#pragma once

#include <string>
#include <string_view>

namespace memgate::testing {

class TestClient {
 public:
  // "127.0.0.1:1234", "[::1]:1234" or "unix:/path". Fails the test (and
  // leaves the client unconnected) on error.
  explicit TestClient(std::string_view address);
  // Adopts a connected descriptor.
  static TestClient FromFd(int fd);
  ~TestClient();

  TestClient(TestClient&& other) noexcept;
  TestClient& operator=(TestClient&&) = delete;

  bool connected() const { return fd_ >= 0; }
  void Send(std::string_view bytes);
  // Reads until the received bytes end with `ending` (or 5 s pass).
  std::string ReadUntil(std::string_view ending);
  // Sends `request` and reads the reply up to `ending`.
  std::string Call(std::string_view request, std::string_view ending = "\r\n");
  // Reads whatever arrives until the peer closes (or 5 s pass); `closed`
  // tells whether it did close.
  std::string ReadUntilClosed(bool& closed);
  void ShutdownWrite();

 private:
  TestClient() = default;
  int fd_ = -1;
};

}  // namespace memgate::testing
