// CallbackStore: adapts std::function handlers (which may be copied and
// called later) to SimpleStore's move-only completions.
#include "backends/callback_store.h"

#include <atomic>
#include <memory>
#include <stdexcept>

#include "absl/synchronization/mutex.h"

namespace memgate::backends {
namespace {

// std::function needs a copyable callable; the completion is move-only, so it
// lives behind a shared pointer and runs at most once.
template <typename R>
class SharedDone {
 public:
  explicit SharedDone(SimpleStore::Done<R> done) : done_(std::make_shared<Slot>(std::move(done))) {}

  void operator()(R reply) const {
    SimpleStore::Done<R> done;
    {
      absl::MutexLock lock(&done_->mu);
      if (!done_->done) return;
      done = std::move(done_->done);
      done_->done = nullptr;
    }
    std::move(done)(std::move(reply));
  }

 private:
  struct Slot {
    explicit Slot(SimpleStore::Done<R> d) : done(std::move(d)) {}
    absl::Mutex mu;
    SimpleStore::Done<R> done;
  };
  std::shared_ptr<Slot> done_;
};

// Gathers one get answer per key, then completes the multi-key request.
class GetGather {
 public:
  GetGather(std::size_t keys, SimpleStore::Done<GetReply> done)
      : pending_(keys), done_(std::move(done)) {
    reply_.values.resize(keys);
  }

  void Answer(std::size_t index, std::optional<std::string> value) {
    {
      absl::MutexLock lock(&mu_);
      reply_.values[index] = std::move(value);
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::move(done_)(std::move(reply_));
    }
  }

 private:
  std::atomic<std::size_t> pending_;
  absl::Mutex mu_;
  GetReply reply_;
  SimpleStore::Done<GetReply> done_;
};

}  // namespace

CallbackStore::CallbackStore(CallbackHandlers handlers, std::string name)
    : handlers_(std::move(handlers)), name_(std::move(name)) {
  if (!handlers_.find || !handlers_.get || !handlers_.set || !handlers_.del ||
      !handlers_.flush_all) {
    throw std::invalid_argument("CallbackStore needs find, get, set, del and flush_all");
  }
}

void CallbackStore::Find(const ClientContext& client, std::string_view key, Done<FindReply> done) {
  SharedDone<FindReply> reply(std::move(done));
  handlers_.find(std::string(key), client,
                 [reply](bool found) { reply(FindReply{.found = found}); });
}

void CallbackStore::Get(const ClientContext& client, std::span<const std::string_view> keys,
                        Done<GetReply> done) {
  if (keys.empty()) {
    std::move(done)(GetReply{});
    return;
  }
  auto gather = std::make_shared<GetGather>(keys.size(), std::move(done));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    handlers_.get(std::string(keys[i]), client, [gather, i](std::optional<std::string> value) {
      gather->Answer(i, std::move(value));
    });
  }
}

void CallbackStore::Set(const ClientContext& client, std::string_view key, uint32_t flags,
                        int64_t exptime, std::string_view value, Done<SetReply> done) {
  SharedDone<SetReply> reply(std::move(done));
  handlers_.set(std::string(key), flags, exptime, std::string(value), client,
                [reply](SetReply r) { reply(std::move(r)); });
}

void CallbackStore::Delete(const ClientContext& client, std::string_view key,
                           Done<DeleteReply> done) {
  SharedDone<DeleteReply> reply(std::move(done));
  handlers_.del(std::string(key), client,
                [reply](bool deleted) { reply(DeleteReply{.deleted = deleted}); });
}

void CallbackStore::FlushAll(const ClientContext& client, Done<DoneReply> done) {
  SharedDone<DoneReply> reply(std::move(done));
  handlers_.flush_all(client, [reply] { reply(DoneReply{}); });
}

void CallbackStore::Begin(const ClientContext& client, Done<BeginReply> done) {
  if (!handlers_.begin) {
    std::move(done)(BeginReply{});
    return;
  }
  SharedDone<BeginReply> reply(std::move(done));
  handlers_.begin(client, [reply](BeginReply r) { reply(std::move(r)); });
}

void CallbackStore::End(const ClientContext& client) {
  if (handlers_.end) handlers_.end(client);
}

}  // namespace memgate::backends
