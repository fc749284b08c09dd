// A Backend wrapper that runs every call later on its own worker thread, so
// the server's asynchronous completion path is exercised even over a backend
// that would complete inline. Arguments are copied at the call, as the
// borrowing rule requires of any backend that completes later.
#pragma once

#include <memory>

#include "backends/backend.h"
#include "backends/testing/delay_queue.h"

namespace memgate::backends::testing {

class DelayedBackend final : public Backend {
 public:
  // `inner` is not owned and must outlive this wrapper.
  DelayedBackend(Backend& inner, DelayOptions options = {});
  // Owns `inner`.
  DelayedBackend(std::unique_ptr<Backend> inner, DelayOptions options = {});
  // Completes every call still queued before returning.
  ~DelayedBackend() override;

  std::string_view Name() const override { return inner_.Name(); }
  // In order only when the wrapper keeps each client's order and the inner
  // backend does too.
  bool PipelinesInOrder() const override {
    return queue_->options().keep_client_order && inner_.PipelinesInOrder();
  }

  void Get(const ClientContext& client, std::span<const std::string_view> keys, bool with_cas,
           Done<GetResult> done) override;
  void GetAndTouch(const ClientContext& client, std::span<const std::string_view> keys,
                   int64_t exptime, Done<GetResult> done) override;
  void Store(const ClientContext& client, StoreMode mode, std::string_view key, uint32_t flags,
             int64_t exptime, std::string_view value, uint64_t cas,
             Done<StoreResult> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteResult> done) override;
  void Arith(const ClientContext& client, ArithOp op, std::string_view key, uint64_t delta,
             Done<ArithResult> done) override;
  void Touch(const ClientContext& client, std::string_view key, int64_t exptime,
             Done<TouchResult> done) override;
  void FlushAll(const ClientContext& client, int64_t delay_seconds,
                Done<FlushResult> done) override;
  void MetaGet(const ClientContext& client, std::string_view key, const MetaGetRequest& request,
               Done<MetaGetResult> done) override;
  void MetaStore(const ClientContext& client, std::string_view key,
                 const MetaStoreRequest& request, std::string_view value,
                 Done<StoreResult> done) override;
  void MetaDelete(const ClientContext& client, std::string_view key,
                  const MetaDeleteRequest& request, Done<DeleteResult> done) override;
  void MetaArith(const ClientContext& client, std::string_view key,
                 const MetaArithRequest& request, Done<MetaArithResult> done) override;
  void ClientOpened(const ClientContext& client) override;
  void ClientClosed(const ClientContext& client) override;

  BackendStats Stats() const override { return inner_.Stats(); }

 private:
  std::unique_ptr<Backend> owned_;
  Backend& inner_;
  std::unique_ptr<DelayQueue> queue_;
};

}  // namespace memgate::backends::testing
