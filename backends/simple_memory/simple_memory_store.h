// A trivial thread-safe map behind the SimpleStore interface, for tests and
// the embedding example. It completes inline and can be told to fail calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "backends/simple_store.h"

namespace memgate::backends::testing {

class InMemorySimpleStore final : public SimpleStore {
 public:
  enum class Op : uint8_t { kFind, kGet, kSet, kDelete, kFlushAll };

  // What the store was last asked to Set, for tests that check what a layer
  // passes down.
  struct SetCall {
    std::string key;
    uint32_t flags = 0;
    int64_t exptime = 0;
    std::string value;
  };

  std::string_view Name() const override { return "in-memory"; }

  void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) override;
  void Get(const ClientContext& client, std::span<const std::string_view> keys,
           Done<GetReply> done) override;
  void Set(const ClientContext& client, std::string_view key, uint32_t flags, int64_t exptime,
           std::string_view value, Done<SetReply> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) override;
  void FlushAll(const ClientContext& client, Done<DoneReply> done) override;
  void Begin(const ClientContext& client, Done<DoneReply> done) override;
  void End(const ClientContext& client, Done<DoneReply> done) override;

  // The next call of `op` fails with `error` (once per call to FailNext).
  void FailNext(Op op, BackendError error);
  // The seed's set answers -1 (keep the connection) and -2 (close it).
  void FailNextSet(std::string message, bool close_connection) {
    FailNext(Op::kSet, BackendError{std::move(message), close_connection});
  }

  // Direct access that bypasses the interface (data that existed before).
  void Put(std::string_view key, std::string_view value);
  std::optional<std::string> Peek(std::string_view key) const;
  std::size_t size() const;

  // Call counts and history.
  int calls(Op op) const;
  std::optional<SetCall> last_set() const;
  std::vector<uint64_t> begun() const;  // client ids, in order
  std::vector<uint64_t> ended() const;

 private:
  std::optional<BackendError> TakeFailure(Op op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> data_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<Op, BackendError>> failures_ ABSL_GUARDED_BY(mu_);
  int calls_[5] ABSL_GUARDED_BY(mu_) = {};
  std::optional<SetCall> last_set_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> begun_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> ended_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memgate::backends::testing
