// What memcached does to its own process at start-up: daemonize (-d), the pid
// file (-P), locked memory (-k), core dumps (-r). Kept out of main so the
// start-up order there stays readable.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace memgate::app {

// Forks into the background as memcached -d does: the parent exits 0, the
// child leaves the terminal's session and works from "/". Unless
// `keep_stdio` (memcached keeps it with -v), stdin, stdout and stderr go to
// /dev/null. Call before any thread starts: only the calling thread survives
// a fork.
absl::Status Daemonize(bool keep_stdio);

// An absolute form of `path`, so a relative -P or -s still means the
// directory memgate was started in after Daemonize moved to "/".
std::string Absolute(const std::string& path);

// Writes this process's pid and a newline to `path`.
absl::Status WritePidFile(const std::string& path);

// mlockall(MCL_CURRENT | MCL_FUTURE). memcached only warns when it fails, so
// the caller logs the error and carries on.
absl::Status LockMemory();

// Raises the core file size limit to its hard maximum.
absl::Status EnableCoredumps();

}  // namespace memgate::app
