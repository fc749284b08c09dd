// Thread management for the event loops.
#include "server/io_pool.h"

#include <chrono>

namespace memgate::server {

IoPool::IoPool(int threads) {
  for (int i = 0; i < threads; ++i) {
    auto loop = std::make_unique<Loop>();
    // One thread runs each context, so Asio may skip internal locking.
    loop->context = std::make_unique<boost::asio::io_context>(1);
    loop->work.emplace(loop->context->get_executor());
    loops_.push_back(std::move(loop));
  }
}

IoPool::~IoPool() { Stop(); }

void IoPool::Start() {
  if (started_) return;
  started_ = true;
  running_.store(true, std::memory_order_release);
  for (auto& loop : loops_) {
    loop->thread = std::thread([ctx = loop->context.get()] { ctx->run(); });
  }
}

void IoPool::Stop() {
  running_.store(false, std::memory_order_release);
  for (auto& loop : loops_) loop->work.reset();
  // Give the loops a moment to finish what is queued (closing sockets, last
  // replies), then stop them whatever is left.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (auto& loop : loops_) {
    while (loop->thread.joinable() && !loop->context->stopped() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    loop->context->stop();
  }
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

int IoPool::NextIndex() {
  return static_cast<int>(next_.fetch_add(1, std::memory_order_relaxed) % loops_.size());
}

}  // namespace memgate::server
