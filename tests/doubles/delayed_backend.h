// A Backend wrapper that runs every call later on its own worker thread, so
// the server's asynchronous completion path is exercised even over a backend
// that would complete inline. Arguments are copied at the call, as the
// borrowing rule requires of any backend that completes later.
#pragma once

#include <memory>

#include "backends/backend.h"
#include "tests/doubles/delay_queue.h"

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
  Capabilities capabilities() const override {
    Capabilities capabilities = inner_.capabilities();
    capabilities.in_order = capabilities.in_order && queue_->options().keep_client_order;
    return capabilities;
  }

  void Get(const ClientContext& client, const GetRequest& request, Done<GetResult> done) override;
  void Store(const ClientContext& client, const StoreRequest& request,
             Done<StoreResult> done) override;
  void Delete(const ClientContext& client, const DeleteRequest& request,
              Done<DeleteResult> done) override;
  void Arith(const ClientContext& client, const ArithRequest& request,
             Done<ArithResult> done) override;
  void Touch(const ClientContext& client, const TouchRequest& request,
             Done<TouchResult> done) override;
  void FlushAll(const ClientContext& client, const FlushRequest& request,
                Done<FlushResult> done) override;
  void ClientOpened(const ClientContext& client, Done<OpenResult> done) override;
  void ClientClosed(const ClientContext& client) override;
  void Stats(Done<StatsResult> done) override;

 private:
  std::unique_ptr<Backend> owned_;
  Backend& inner_;
  std::unique_ptr<DelayQueue> queue_;
};

}  // namespace memgate::backends::testing
