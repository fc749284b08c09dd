// The memgate executable: runs an App until SIGINT or SIGTERM (or the
// shutdown command, which raises SIGTERM); SIGHUP reloads the config file.
#include <pthread.h>

#include <csignal>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "app/app.h"

int main(int argc, char** argv) {
  // Block the signals before any thread starts (the memory backend's sweeper
  // starts with the backend), so every thread inherits the mask and only the
  // main thread's sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reload
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Debian's abseil is built with absl::Mutex deadlock detection on, which
  // records every lock in a global graph: on the data path that costs more
  // than the cache work itself. memgate's lock order is fixed and tested.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  memgate::app::App app;
  if (std::optional<int> exit_code = app.Start(argc, argv)) return *exit_code;
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) app.Reload("SIGHUP");
  app.Stop(signal_number);
  return 0;
}
