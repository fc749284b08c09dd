// What the Redis backend tests share: event loops on threads of their own
// (standing in for the server's), and a backend attached to them and shut
// down before they stop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backends/redis/redis_backend.h"
#include "backends/redis/redis_options.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "gtest/gtest.h"

namespace memgate::backends::redis::testing {

class LoopThreads {
 public:
  explicit LoopThreads(int count) {
    for (int i = 0; i < count; ++i) {
      auto loop = std::make_unique<Loop>();
      loop->work.emplace(loop->context.get_executor());
      loop->thread = std::thread([context = &loop->context] { context->run(); });
      loops_.push_back(std::move(loop));
    }
  }
  ~LoopThreads() {
    for (auto& loop : loops_) {
      loop->work.reset();
      loop->context.stop();
      loop->thread.join();
    }
  }
  std::vector<boost::asio::io_context*> pointers() {
    std::vector<boost::asio::io_context*> out;
    for (auto& loop : loops_) out.push_back(&loop->context);
    return out;
  }
  boost::asio::io_context& loop(int index) { return loops_[index]->context; }

 private:
  struct Loop {
    boost::asio::io_context context{1};
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Loop>> loops_;
};

// A backend on its own loops; Shutdown runs before the loops stop.
class AttachedBackend {
 public:
  AttachedBackend(RedisOptions options, int loops = 1) : loops_(loops) {
    absl::StatusOr<std::unique_ptr<RedisBackend>> created =
        RedisBackend::Create(std::move(options));
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return;
    backend_ = *std::move(created);
    backend_->AttachLoops(loops_.pointers());
  }
  ~AttachedBackend() {
    if (backend_ != nullptr) backend_->Shutdown();
  }
  RedisBackend& operator*() { return *backend_; }
  RedisBackend* operator->() { return backend_.get(); }
  bool ok() const { return backend_ != nullptr; }
  boost::asio::io_context& loop(int index) { return loops_.loop(index); }

 private:
  LoopThreads loops_;
  std::unique_ptr<RedisBackend> backend_;
};

inline RedisOptions OptionsFor(const std::string& url) {
  RedisOptions options;
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(url);
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  if (endpoint.ok()) options.endpoint = *endpoint;
  return options;
}

}  // namespace memgate::backends::redis::testing
