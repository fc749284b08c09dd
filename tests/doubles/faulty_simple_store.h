// A SimpleStore wrapper for tests that fails chosen calls (the seed's -1 and
// -2 answers, a refused client) and records what reached the store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "backends/simple_store.h"

namespace memgate::backends::testing {

class FaultySimpleStore final : public SimpleStore {
 public:
  enum class Op : uint8_t { kFind, kGet, kSet, kDelete, kFlushAll, kBegin };

  // What the store was last asked to Set, for tests that check what a layer
  // passes down.
  struct SetCall {
    std::string key;
    uint32_t flags = 0;
    int64_t exptime = 0;
    std::string value;
  };

  // `inner` is not owned and must outlive this wrapper.
  explicit FaultySimpleStore(SimpleStore& inner) : inner_(inner) {}
  explicit FaultySimpleStore(std::unique_ptr<SimpleStore> inner)
      : owned_(std::move(inner)), inner_(*owned_) {}

  std::string_view Name() const override { return inner_.Name(); }

  void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) override;
  void Get(const ClientContext& client, std::span<const std::string_view> keys,
           Done<GetReply> done) override;
  void Set(const ClientContext& client, std::string_view key, uint32_t flags, int64_t exptime,
           std::string_view value, Done<SetReply> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) override;
  void FlushAll(const ClientContext& client, Done<DoneReply> done) override;
  // A kBegin failure refuses the client with the error's message.
  void Begin(const ClientContext& client, Done<BeginReply> done) override;
  void End(const ClientContext& client) override;

  // The next call of `op` fails with `error` (once per call to FailNext),
  // without reaching the inner store.
  void FailNext(Op op, BackendError error);
  // The next Set reaches the inner store and then answers `error`, as a
  // store whose deadline passed while it applied the write does.
  void FailNextSetAfterApplying(BackendError error);

  // Calls that reached this wrapper, failed ones included.
  int calls(Op op) const;
  std::optional<SetCall> last_set() const;
  std::vector<uint64_t> begun() const;  // client ids, in order
  std::vector<uint64_t> ended() const;

 private:
  // Counts the call and takes the failure planned for it, if any.
  std::optional<BackendError> Enter(Op op);

  std::unique_ptr<SimpleStore> owned_;
  SimpleStore& inner_;
  mutable absl::Mutex mu_;
  std::vector<std::pair<Op, BackendError>> failures_ ABSL_GUARDED_BY(mu_);
  std::optional<BackendError> applied_set_failure_ ABSL_GUARDED_BY(mu_);
  int calls_[6] ABSL_GUARDED_BY(mu_) = {};
  std::optional<SetCall> last_set_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> begun_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> ended_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::backends::testing
