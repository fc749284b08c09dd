// The event loops: one io_context per thread. A connection lives on one loop
// for its whole life; new connections are spread round-robin.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"

namespace memgate::server {

class IoPool {
 public:
  explicit IoPool(int threads);
  ~IoPool();

  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // Starts one thread per loop. Idempotent.
  void Start();
  // Lets the loops finish their queued work, then joins the threads.
  void Stop();

  // True between Start and Stop: queued work will run.
  bool running() const { return running_.load(std::memory_order_acquire); }

  int size() const { return static_cast<int>(loops_.size()); }
  boost::asio::io_context& loop(int index) { return *loops_[index]->context; }
  // The next loop in round-robin order, with its index.
  int NextIndex();

 private:
  struct Loop {
    std::unique_ptr<boost::asio::io_context> context;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<unsigned> next_{0};
  bool started_ = false;
  std::atomic<bool> running_{false};
};

}  // namespace memgate::server
