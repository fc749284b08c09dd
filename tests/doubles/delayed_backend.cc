// Runs each Backend call on a worker thread (see delayed_backend.h). The
// client context outlives each call's completion (backend.h), so only the
// borrowed request fields are copied.
#include "tests/doubles/delayed_backend.h"

#include <string>
#include <utility>
#include <vector>

namespace memgate::backends::testing {
namespace {

struct OwnedGet {
  GetRequest request;
  std::vector<std::string> keys;
  std::vector<std::string_view> views;

  explicit OwnedGet(const GetRequest& from)
      : request(from), keys(from.keys.begin(), from.keys.end()), views(keys.begin(), keys.end()) {
    request.keys = views;
  }
};

struct OwnedStore {
  StoreRequest request;
  std::string key;
  std::string value;

  explicit OwnedStore(const StoreRequest& from) : request(from), key(from.key), value(from.value) {
    request.key = key;
    request.value = value;
  }
};

// A request whose only borrowed field is its key. Each owner stays where it
// was made (held by pointer): its views point into itself.
template <typename Request>
struct OwnedKey {
  Request request;
  std::string key;

  explicit OwnedKey(const Request& from) : request(from), key(from.key) { request.key = key; }
};

}  // namespace

DelayedBackend::DelayedBackend(Backend& inner, DelayOptions options)
    : inner_(inner), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedBackend::DelayedBackend(std::unique_ptr<Backend> inner, DelayOptions options)
    : owned_(std::move(inner)), inner_(*owned_), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedBackend::~DelayedBackend() { queue_.reset(); }

void DelayedBackend::Get(const ClientContext& client, const GetRequest& request,
                         Done<GetResult> done) {
  queue_->Post(client.id, [this, client = &client, owned = std::make_unique<OwnedGet>(request),
                           done = std::move(done)]() mutable {
    inner_.Get(*client, owned->request, std::move(done));
  });
}

void DelayedBackend::Store(const ClientContext& client, const StoreRequest& request,
                           Done<StoreResult> done) {
  queue_->Post(client.id, [this, client = &client, owned = std::make_unique<OwnedStore>(request),
                           done = std::move(done)]() mutable {
    inner_.Store(*client, owned->request, std::move(done));
  });
}

void DelayedBackend::Delete(const ClientContext& client, const DeleteRequest& request,
                            Done<DeleteResult> done) {
  queue_->Post(client.id,
               [this, client = &client, owned = std::make_unique<OwnedKey<DeleteRequest>>(request),
                done = std::move(done)]() mutable {
                 inner_.Delete(*client, owned->request, std::move(done));
               });
}

void DelayedBackend::Arith(const ClientContext& client, const ArithRequest& request,
                           Done<ArithResult> done) {
  queue_->Post(client.id,
               [this, client = &client, owned = std::make_unique<OwnedKey<ArithRequest>>(request),
                done = std::move(done)]() mutable {
                 inner_.Arith(*client, owned->request, std::move(done));
               });
}

void DelayedBackend::Touch(const ClientContext& client, const TouchRequest& request,
                           Done<TouchResult> done) {
  queue_->Post(client.id,
               [this, client = &client, owned = std::make_unique<OwnedKey<TouchRequest>>(request),
                done = std::move(done)]() mutable {
                 inner_.Touch(*client, owned->request, std::move(done));
               });
}

void DelayedBackend::FlushAll(const ClientContext& client, const FlushRequest& request,
                              Done<FlushResult> done) {
  queue_->Post(client.id, [this, client = &client, request, done = std::move(done)]() mutable {
    inner_.FlushAll(*client, request, std::move(done));
  });
}

void DelayedBackend::ClientOpened(const ClientContext& client, Done<OpenResult> done) {
  queue_->Post(client.id, [this, client = &client, done = std::move(done)]() mutable {
    inner_.ClientOpened(*client, std::move(done));
  });
}

void DelayedBackend::ClientClosed(const ClientContext& client) {
  queue_->Post(client.id, [this, client] { inner_.ClientClosed(client); });
}

void DelayedBackend::Stats(Done<StatsResult> done) { inner_.Stats(std::move(done)); }

}  // namespace memgate::backends::testing
