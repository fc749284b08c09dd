// Each SimpleStore handler as one BackendService call.
#include "backends/grpc/grpc_store.h"

#include <string>
#include <utility>

#include "backends/grpc/grpc_messages.h"

namespace memgate::backends {

namespace pb = backend::v1;
using Stub = GrpcChannel::Stub;

GrpcStore::GrpcStore(std::shared_ptr<GrpcChannel> channel)
    : channel_(std::move(channel)), events_(channel_) {}

void GrpcStore::Find(const ClientContext& client, std::string_view key, Done<FindReply> done) {
  pb::FindRequest request;
  ToProto(client, request.mutable_client());
  request.set_key(key.data(), key.size());
  channel_->Call(&Stub::async::Find, std::move(request),
                 [done = std::move(done)](const grpc::Status& status, pb::FindRequest&,
                                          pb::FindResponse& response) mutable {
                   FindReply reply;
                   reply.error = CallError(status, response);
                   if (!reply.error) reply.found = response.found();
                   std::move(done)(std::move(reply));
                 });
}

void GrpcStore::Get(const ClientContext& client, std::span<const std::string_view> keys,
                    Done<GetReply> done) {
  pb::GetRequest request;
  ToProto(client, request.mutable_client());
  for (std::string_view key : keys) request.add_keys(key.data(), key.size());
  channel_->Call(&Stub::async::Get, std::move(request),
                 [done = std::move(done)](const grpc::Status& status, pb::GetRequest& request,
                                          pb::GetResponse& response) mutable {
                   GetReply reply;
                   reply.error = CallError(status, response);
                   if (!reply.error && response.items_size() != request.keys_size()) {
                     reply.error = ContractError("Get answered a different number of items");
                   }
                   if (!reply.error) {
                     reply.values.reserve(response.items_size());
                     for (pb::Item& item : *response.mutable_items()) {
                       if (item.found()) {
                         reply.values.emplace_back(std::move(*item.mutable_value()));
                       } else {
                         reply.values.emplace_back(std::nullopt);
                       }
                     }
                   }
                   std::move(done)(std::move(reply));
                 });
}

void GrpcStore::Set(const ClientContext& client, std::string_view key, uint32_t flags,
                    int64_t exptime, std::string_view value, Done<SetReply> done) {
  pb::SetRequest request;
  ToProto(client, request.mutable_client());
  request.set_key(key.data(), key.size());
  request.set_flags(flags);
  request.set_exptime(exptime);
  request.set_value(value.data(), value.size());
  channel_->Call(&Stub::async::Set, std::move(request),
                 [done = std::move(done)](const grpc::Status& status, pb::SetRequest&,
                                          pb::SetResponse& response) mutable {
                   std::move(done)(SetReply{.error = CallError(status, response)});
                 });
}

void GrpcStore::Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) {
  pb::DeleteRequest request;
  ToProto(client, request.mutable_client());
  request.set_key(key.data(), key.size());
  channel_->Call(&Stub::async::Delete, std::move(request),
                 [done = std::move(done)](const grpc::Status& status, pb::DeleteRequest&,
                                          pb::DeleteResponse& response) mutable {
                   DeleteReply reply;
                   reply.error = CallError(status, response);
                   if (!reply.error) reply.deleted = response.deleted();
                   std::move(done)(std::move(reply));
                 });
}

void GrpcStore::FlushAll(const ClientContext& client, Done<DoneReply> done) {
  pb::FlushAllRequest request;
  ToProto(client, request.mutable_client());
  channel_->Call(&Stub::async::FlushAll, std::move(request),
                 [done = std::move(done)](const grpc::Status& status, pb::FlushAllRequest&,
                                          pb::FlushAllResponse& response) mutable {
                   std::move(done)(DoneReply{.error = CallError(status, response)});
                 });
}

void GrpcStore::Begin(const ClientContext& client, Done<BeginReply> done) {
  events_.Opened(client, [done = std::move(done)](std::optional<BackendError> refused) mutable {
    std::move(done)(BeginReply{.refused = std::move(refused)});
  });
}

void GrpcStore::End(const ClientContext& client) { events_.Closed(client); }

}  // namespace memgate::backends
