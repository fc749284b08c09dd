// MemgateProcess: fork/exec, log polling and shutdown.
#include "tests/admin/memgate_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace memgate::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string TempDir() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

}  // namespace

std::string WriteTempFile(const std::string& stem, const std::string& contents) {
  std::string path = TempDir() + "/memgate-" + stem + "-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) return {};
  const ssize_t written = ::write(fd, contents.data(), contents.size());
  (void)written;
  ::close(fd);
  return path;
}

MemgateProcess::MemgateProcess(std::vector<std::string> args) {
  log_path_ = WriteTempFile("log", "");
  args.insert(args.begin(), MEMGATE_BINARY);
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = ::open(log_path_.c_str(), O_WRONLY | O_TRUNC);
    dup2(fd, STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const std::regex listening(R"(memgate: listening on (\S+) \(listener ([^,)]+))");
  const std::regex admin(R"(memgate: admin listening on (\S+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadAll(log_path_);
    if (log.find(" ready\n") != std::string::npos) {
      for (std::sregex_iterator it(log.begin(), log.end(), listening), end; it != end; ++it) {
        listeners_[(*it)[2]] = (*it)[1];
      }
      std::smatch m;
      if (std::regex_search(log, m, admin)) admin_address_ = m[1];
      ready_ = true;
      return;
    }
    if (WaitForExit(std::chrono::milliseconds(0)) >= 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

MemgateProcess::~MemgateProcess() {
  Stop();
  if (!log_path_.empty()) ::unlink(log_path_.c_str());
}

std::string MemgateProcess::Log() const { return ReadAll(log_path_); }

int MemgateProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int MemgateProcess::Stop() {
  if (pid_ <= 0) return exit_code_;
  kill(pid_, SIGTERM);
  if (WaitForExit(std::chrono::seconds(10)) < 0) {
    kill(pid_, SIGKILL);
    WaitForExit(std::chrono::seconds(5));
  }
  return exit_code_;
}

int RunCommand(const std::string& command, std::string& out, std::string& err) {
  const std::string out_path = WriteTempFile("out", "");
  const std::string err_path = WriteTempFile("err", "");
  const int status = std::system((command + " >" + out_path + " 2>" + err_path).c_str());
  out = ReadAll(out_path);
  err = ReadAll(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace memgate::testing
