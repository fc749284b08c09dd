// Starts the real memgate binary on free ports for admin tests and reads the
// bound addresses from its log; stops it with SIGTERM.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace memgate::testing {

class MemgateProcess {
 public:
  // Runs MEMGATE_BINARY with `args` (stderr to a temporary file) and waits
  // up to 10 s for its "ready" line, or for it to exit.
  explicit MemgateProcess(std::vector<std::string> args);
  ~MemgateProcess();

  MemgateProcess(const MemgateProcess&) = delete;
  MemgateProcess& operator=(const MemgateProcess&) = delete;

  bool ready() const { return ready_; }
  // "127.0.0.1:PORT" of the admin API; empty when it is disabled.
  const std::string& admin_address() const { return admin_address_; }
  // Bound address of each start-up listener, by listener id.
  const std::map<std::string, std::string>& listeners() const { return listeners_; }
  // Everything logged so far.
  std::string Log() const;
  // SIGTERM, then the exit status (or -1). Waits up to 10 s.
  int Stop();
  // When the process exited on its own: its exit code, else -1.
  int WaitForExit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
  bool ready_ = false;
  std::string admin_address_;
  std::map<std::string, std::string> listeners_;
};

// Creates a file with `contents` under the temporary directory; returns its path.
std::string WriteTempFile(const std::string& stem, const std::string& contents);

// Runs a command (through /bin/sh) and returns its exit code, with stdout and
// stderr captured.
int RunCommand(const std::string& command, std::string& out, std::string& err);

}  // namespace memgate::testing
