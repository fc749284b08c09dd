// A SimpleStore wrapper that runs every call later, on its own worker thread
// or when a test releases it: the shape of a remote store (gRPC, a database)
// whose answers arrive on another thread, for testing MetadataLayer's
// asynchronous steps and what it keeps in flight together.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "backends/simple_store.h"
#include "tests/doubles/delay_queue.h"

namespace memgate::backends::testing {

class DelayedSimpleStore final : public SimpleStore {
 public:
  // `inner` is not owned and must outlive this wrapper.
  DelayedSimpleStore(SimpleStore& inner, DelayOptions options = {});
  DelayedSimpleStore(std::unique_ptr<SimpleStore> inner, DelayOptions options = {});
  // Completes every call still held or queued before returning.
  ~DelayedSimpleStore() override;

  std::string_view Name() const override { return inner_.Name(); }

  void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) override;
  void Get(const ClientContext& client, std::span<const std::string_view> keys,
           Done<GetReply> done) override;
  void Set(const ClientContext& client, std::string_view key, uint32_t flags, int64_t exptime,
           std::string_view value, Done<SetReply> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) override;
  void FlushAll(const ClientContext& client, Done<DoneReply> done) override;
  void Begin(const ClientContext& client, Done<BeginReply> done) override;
  void End(const ClientContext& client) override;

  // From now on calls wait until ReleaseHeld instead of going to the worker,
  // so a test sees which calls are in flight together.
  void Hold();
  // The calls waiting, in arrival order: "find k", "get a b", "set k",
  // "delete k", "flush_all".
  std::vector<std::string> HeldCalls() const;
  // Runs the calls held so far on the calling thread; the calls their
  // completions issue are held again.
  void ReleaseHeld();

 private:
  struct Held {
    std::string call;
    absl::AnyInvocable<void() &&> run;
  };

  void Dispatch(const ClientContext& client, std::string call, absl::AnyInvocable<void() &&> run);

  std::unique_ptr<SimpleStore> owned_;
  SimpleStore& inner_;
  std::unique_ptr<DelayQueue> queue_;
  mutable absl::Mutex mu_;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Held> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::backends::testing
