// Runs each Backend call on a worker thread (see delayed_backend.h).
#include "backends/testing/delayed_backend.h"

#include <string>
#include <utility>
#include <vector>

namespace memgate::backends::testing {
namespace {

std::vector<std::string> CopyKeys(std::span<const std::string_view> keys) {
  return std::vector<std::string>(keys.begin(), keys.end());
}

std::vector<std::string_view> Views(const std::vector<std::string>& keys) {
  return std::vector<std::string_view>(keys.begin(), keys.end());
}

}  // namespace

DelayedBackend::DelayedBackend(Backend& inner, DelayOptions options)
    : inner_(inner), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedBackend::DelayedBackend(std::unique_ptr<Backend> inner, DelayOptions options)
    : owned_(std::move(inner)), inner_(*owned_), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedBackend::~DelayedBackend() { queue_.reset(); }

void DelayedBackend::Get(const ClientContext& client, std::span<const std::string_view> keys,
                         bool with_cas, Done<GetResult> done) {
  queue_->Post(client.id,
               [this, client, keys = CopyKeys(keys), with_cas, done = std::move(done)]() mutable {
                 const std::vector<std::string_view> views = Views(keys);
                 inner_.Get(client, views, with_cas, std::move(done));
               });
}

void DelayedBackend::GetAndTouch(const ClientContext& client,
                                 std::span<const std::string_view> keys, int64_t exptime,
                                 Done<GetResult> done) {
  queue_->Post(client.id,
               [this, client, keys = CopyKeys(keys), exptime, done = std::move(done)]() mutable {
                 const std::vector<std::string_view> views = Views(keys);
                 inner_.GetAndTouch(client, views, exptime, std::move(done));
               });
}

void DelayedBackend::Store(const ClientContext& client, StoreMode mode, std::string_view key,
                           uint32_t flags, int64_t exptime, std::string_view value, uint64_t cas,
                           Done<StoreResult> done) {
  queue_->Post(client.id, [this, client, mode, key = std::string(key), flags, exptime,
                           value = std::string(value), cas, done = std::move(done)]() mutable {
    inner_.Store(client, mode, key, flags, exptime, value, cas, std::move(done));
  });
}

void DelayedBackend::Delete(const ClientContext& client, std::string_view key,
                            Done<DeleteResult> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), done = std::move(done)]() mutable {
    inner_.Delete(client, key, std::move(done));
  });
}

void DelayedBackend::Arith(const ClientContext& client, ArithOp op, std::string_view key,
                           uint64_t delta, Done<ArithResult> done) {
  queue_->Post(client.id,
               [this, client, op, key = std::string(key), delta, done = std::move(done)]() mutable {
                 inner_.Arith(client, op, key, delta, std::move(done));
               });
}

void DelayedBackend::Touch(const ClientContext& client, std::string_view key, int64_t exptime,
                           Done<TouchResult> done) {
  queue_->Post(client.id,
               [this, client, key = std::string(key), exptime, done = std::move(done)]() mutable {
                 inner_.Touch(client, key, exptime, std::move(done));
               });
}

void DelayedBackend::FlushAll(const ClientContext& client, int64_t delay_seconds,
                              Done<FlushResult> done) {
  queue_->Post(client.id, [this, client, delay_seconds, done = std::move(done)]() mutable {
    inner_.FlushAll(client, delay_seconds, std::move(done));
  });
}

void DelayedBackend::MetaGet(const ClientContext& client, std::string_view key,
                             const MetaGetRequest& request, Done<MetaGetResult> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), request,
                           done = std::move(done)]() mutable {
    inner_.MetaGet(client, key, request, std::move(done));
  });
}

void DelayedBackend::MetaStore(const ClientContext& client, std::string_view key,
                               const MetaStoreRequest& request, std::string_view value,
                               Done<StoreResult> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), request,
                           value = std::string(value), done = std::move(done)]() mutable {
    inner_.MetaStore(client, key, request, value, std::move(done));
  });
}

void DelayedBackend::MetaDelete(const ClientContext& client, std::string_view key,
                                const MetaDeleteRequest& request, Done<DeleteResult> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), request,
                           done = std::move(done)]() mutable {
    inner_.MetaDelete(client, key, request, std::move(done));
  });
}

void DelayedBackend::MetaArith(const ClientContext& client, std::string_view key,
                               const MetaArithRequest& request, Done<MetaArithResult> done) {
  queue_->Post(client.id, [this, client, key = std::string(key), request,
                           done = std::move(done)]() mutable {
    inner_.MetaArith(client, key, request, std::move(done));
  });
}

void DelayedBackend::ClientOpened(const ClientContext& client) {
  queue_->Post(client.id, [this, client] { inner_.ClientOpened(client); });
}

void DelayedBackend::ClientClosed(const ClientContext& client) {
  queue_->Post(client.id, [this, client] { inner_.ClientClosed(client); });
}

}  // namespace memgate::backends::testing
