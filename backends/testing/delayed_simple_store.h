// A SimpleStore wrapper that runs every call later on its own worker thread:
// the shape of a remote store (gRPC, a database) whose answers arrive on
// another thread, for testing MetadataLayer's asynchronous chains.
#pragma once

#include <memory>

#include "backends/simple_store.h"
#include "backends/testing/delay_queue.h"

namespace memgate::backends::testing {

class DelayedSimpleStore final : public SimpleStore {
 public:
  // `inner` is not owned and must outlive this wrapper.
  DelayedSimpleStore(SimpleStore& inner, DelayOptions options = {});
  DelayedSimpleStore(std::unique_ptr<SimpleStore> inner, DelayOptions options = {});
  // Completes every call still queued before returning.
  ~DelayedSimpleStore() override;

  std::string_view Name() const override { return inner_.Name(); }
  bool PipelinesInOrder() const override {
    return queue_->options().keep_client_order && inner_.PipelinesInOrder();
  }

  void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) override;
  void Get(const ClientContext& client, std::span<const std::string_view> keys,
           Done<GetReply> done) override;
  void Set(const ClientContext& client, std::string_view key, uint32_t flags, int64_t exptime,
           std::string_view value, Done<SetReply> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) override;
  void FlushAll(const ClientContext& client, Done<DoneReply> done) override;
  void Begin(const ClientContext& client, Done<DoneReply> done) override;
  void End(const ClientContext& client, Done<DoneReply> done) override;

 private:
  std::unique_ptr<SimpleStore> owned_;
  SimpleStore& inner_;
  std::unique_ptr<DelayQueue> queue_;
};

}  // namespace memgate::backends::testing
