// What both routers share (see command_router.h).
#include "backends/redis/command_router.h"

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "boost/asio/post.hpp"

namespace memgate::backends::redis {

void StopOnLoop(boost::asio::io_context& loop, bool idle, absl::AnyInvocable<void() &&> stop) {
  if (idle || loop.stopped() || loop.get_executor().running_in_this_thread()) {
    std::move(stop)();
    return;
  }
  auto stopped = std::make_shared<absl::Notification>();
  boost::asio::post(loop, [stop = std::move(stop), stopped]() mutable {
    std::move(stop)();
    stopped->Notify();
  });
  stopped->WaitForNotificationWithTimeout(absl::Seconds(2));
}

}  // namespace memgate::backends::redis
