// Runs each SimpleStore call on a worker thread (see delayed_simple_store.h).
#include "backends/testing/delayed_simple_store.h"

#include <string>
#include <utility>
#include <vector>

namespace memgate::backends::testing {

DelayedSimpleStore::DelayedSimpleStore(SimpleStore& inner, DelayOptions options)
    : inner_(inner), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedSimpleStore::DelayedSimpleStore(std::unique_ptr<SimpleStore> inner, DelayOptions options)
    : owned_(std::move(inner)), inner_(*owned_), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedSimpleStore::~DelayedSimpleStore() { queue_.reset(); }

void DelayedSimpleStore::Find(const ClientContext& client, std::string_view key,
                              Done<FindReply> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), done = std::move(done)]() mutable {
    inner_.Find(client, key, std::move(done));
  });
}

void DelayedSimpleStore::Get(const ClientContext& client, std::span<const std::string_view> keys,
                             Done<GetReply> done) {
  queue_->Post(client.id, [this, client, keys = std::vector<std::string>(keys.begin(), keys.end()),
                           done = std::move(done)]() mutable {
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    inner_.Get(client, views, std::move(done));
  });
}

void DelayedSimpleStore::Set(const ClientContext& client, std::string_view key, uint32_t flags,
                             int64_t exptime, std::string_view value, Done<SetReply> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), flags, exptime,
                           value = std::string(value), done = std::move(done)]() mutable {
    inner_.Set(client, key, flags, exptime, value, std::move(done));
  });
}

void DelayedSimpleStore::Delete(const ClientContext& client, std::string_view key,
                                Done<DeleteReply> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), done = std::move(done)]() mutable {
    inner_.Delete(client, key, std::move(done));
  });
}

void DelayedSimpleStore::FlushAll(const ClientContext& client, Done<DoneReply> done) {
  queue_->Post(client.id, [this, client, done = std::move(done)]() mutable {
    inner_.FlushAll(client, std::move(done));
  });
}

void DelayedSimpleStore::Begin(const ClientContext& client, Done<DoneReply> done) {
  queue_->Post(client.id, [this, client, done = std::move(done)]() mutable {
    inner_.Begin(client, std::move(done));
  });
}

void DelayedSimpleStore::End(const ClientContext& client, Done<DoneReply> done) {
  queue_->Post(client.id, [this, client, done = std::move(done)]() mutable {
    inner_.End(client, std::move(done));
  });
}

}  // namespace memgate::backends::testing
