// Process-level start-up steps (see process.h).
#include "app/process.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace memgate::app {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status Daemonize(bool keep_stdio) {
  const pid_t pid = fork();
  if (pid < 0) return Errno("-d: fork");
  // The parent leaves at once, as memcached's does; nothing of it is shared
  // with the child that would need flushing twice.
  if (pid > 0) _exit(0);
  if (setsid() < 0) return Errno("-d: setsid");
  if (chdir("/") != 0) return Errno("-d: chdir /");
  if (keep_stdio) return absl::OkStatus();
  const int null = open("/dev/null", O_RDWR);
  if (null < 0) return Errno("-d: /dev/null");
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) dup2(null, fd);
  if (null > STDERR_FILENO) close(null);
  return absl::OkStatus();
}

std::string Absolute(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  char* cwd = getcwd(nullptr, 0);
  if (cwd == nullptr) return path;
  std::string absolute = absl::StrCat(cwd, "/", path);
  std::free(cwd);
  return absolute;
}

absl::Status WritePidFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return Errno(absl::StrCat("-P: cannot open ", path));
  std::fprintf(file, "%ld\n", static_cast<long>(getpid()));
  if (std::fclose(file) != 0) return Errno(absl::StrCat("-P: cannot write ", path));
  return absl::OkStatus();
}

absl::Status LockMemory() {
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) return Errno("-k: mlockall() failed");
  return absl::OkStatus();
}

absl::Status EnableCoredumps() {
  rlimit limit{};
  if (getrlimit(RLIMIT_CORE, &limit) != 0) return Errno("-r: getrlimit");
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_CORE, &limit) != 0) return Errno("-r: setrlimit");
  return absl::OkStatus();
}

}  // namespace memgate::app
