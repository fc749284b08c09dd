// A BackendService run as a child process for a test: on a port the test
// picks, stopped by pid when the object goes (so also when a test fails),
// and killed with the test process if that dies first.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace memgate::backends::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now.
int PickFreePort();

// Waits until a gRPC server answers on `target`; false after `seconds`.
bool WaitUntilServing(const std::string& target, double seconds);

class ServiceProcess {
 public:
  // `argv` is the command; "{port}" in any argument becomes the port.
  explicit ServiceProcess(std::vector<std::string> argv);
  ~ServiceProcess();

  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Starts the child and waits until it serves; false when it does not.
  bool Start();
  // SIGKILL, as a crash would: no chance to close connections cleanly.
  void Kill();
  // SIGTERM, then SIGKILL when it does not exit within a few seconds.
  void Stop();

  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

 private:
  void Reap(double seconds);

  std::vector<std::string> argv_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace memgate::backends::testing
