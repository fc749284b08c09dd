// Runs each SimpleStore call later (see delayed_simple_store.h). Calls keep a
// pointer to the client: it stays valid until their completion has run.
#include "tests/doubles/delayed_simple_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"

namespace memgate::backends::testing {

DelayedSimpleStore::DelayedSimpleStore(SimpleStore& inner, DelayOptions options)
    : inner_(inner), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedSimpleStore::DelayedSimpleStore(std::unique_ptr<SimpleStore> inner, DelayOptions options)
    : owned_(std::move(inner)), inner_(*owned_), queue_(std::make_unique<DelayQueue>(options)) {}

DelayedSimpleStore::~DelayedSimpleStore() {
  {
    absl::MutexLock lock(&mu_);
    holding_ = false;
  }
  ReleaseHeld();
  queue_.reset();
}

void DelayedSimpleStore::Dispatch(const ClientContext& client, std::string call,
                                  absl::AnyInvocable<void() &&> run) {
  {
    absl::MutexLock lock(&mu_);
    if (holding_) {
      held_.push_back(Held{std::move(call), std::move(run)});
      return;
    }
  }
  queue_->Post(client.id, std::move(run));
}

void DelayedSimpleStore::Hold() {
  absl::MutexLock lock(&mu_);
  holding_ = true;
}

std::vector<std::string> DelayedSimpleStore::HeldCalls() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> calls;
  for (const Held& held : held_) calls.push_back(held.call);
  return calls;
}

void DelayedSimpleStore::ReleaseHeld() {
  std::vector<Held> held;
  {
    absl::MutexLock lock(&mu_);
    held.swap(held_);
  }
  for (Held& call : held) std::move(call.run)();
}

void DelayedSimpleStore::Find(const ClientContext& client, std::string_view key,
                              Done<FindReply> done) {
  Dispatch(client, absl::StrCat("find ", ToAbsl(key)),
           [this, client = &client, key = std::string(key), done = std::move(done)]() mutable {
             inner_.Find(*client, key, std::move(done));
           });
}

void DelayedSimpleStore::Get(const ClientContext& client, std::span<const std::string_view> keys,
                             Done<GetReply> done) {
  std::string call = "get";
  for (std::string_view key : keys) absl::StrAppend(&call, " ", ToAbsl(key));
  Dispatch(client, std::move(call),
           [this, client = &client, keys = std::vector<std::string>(keys.begin(), keys.end()),
            done = std::move(done)]() mutable {
             const std::vector<std::string_view> views(keys.begin(), keys.end());
             inner_.Get(*client, views, std::move(done));
           });
}

void DelayedSimpleStore::Set(const ClientContext& client, std::string_view key, uint32_t flags,
                             int64_t exptime, std::string_view value, Done<SetReply> done) {
  Dispatch(client, absl::StrCat("set ", ToAbsl(key)),
           [this, client = &client, key = std::string(key), flags, exptime,
            value = std::string(value), done = std::move(done)]() mutable {
             inner_.Set(*client, key, flags, exptime, value, std::move(done));
           });
}

void DelayedSimpleStore::Delete(const ClientContext& client, std::string_view key,
                                Done<DeleteReply> done) {
  Dispatch(client, absl::StrCat("delete ", ToAbsl(key)),
           [this, client = &client, key = std::string(key), done = std::move(done)]() mutable {
             inner_.Delete(*client, key, std::move(done));
           });
}

void DelayedSimpleStore::FlushAll(const ClientContext& client, Done<DoneReply> done) {
  Dispatch(client, "flush_all", [this, client = &client, done = std::move(done)]() mutable {
    inner_.FlushAll(*client, std::move(done));
  });
}

void DelayedSimpleStore::Begin(const ClientContext& client, Done<BeginReply> done) {
  Dispatch(client, "begin", [this, client = &client, done = std::move(done)]() mutable {
    inner_.Begin(*client, std::move(done));
  });
}

// `client` is valid for this call only, so the delayed call keeps a copy.
void DelayedSimpleStore::End(const ClientContext& client) {
  Dispatch(client, "end", [this, client]() mutable { inner_.End(client); });
}

}  // namespace memgate::backends::testing
