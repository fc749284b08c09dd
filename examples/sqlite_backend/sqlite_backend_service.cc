// Each plain-contract call as one SqliteTable operation; SQLite errors become
// failures that keep the client's connection.
#include "examples/sqlite_backend/sqlite_backend_service.h"

#include <string>

namespace memgate::examples {
namespace {

namespace pb = backend::v1;

void Fail(const absl::Status& status, pb::Failure* failure) {
  failure->set_message(std::string(status.message()));
}

}  // namespace

grpc::Status SqliteBackendService::Find(grpc::ServerContext*, const pb::FindRequest* request,
                                        pb::FindResponse* response) {
  absl::StatusOr<bool> found = table_.Contains(request->key());
  if (!found.ok()) {
    Fail(found.status(), response->mutable_failure());
  } else {
    response->set_found(*found);
  }
  return grpc::Status::OK;
}

grpc::Status SqliteBackendService::Get(grpc::ServerContext*, const pb::GetRequest* request,
                                       pb::GetResponse* response) {
  for (const std::string& key : request->keys()) {
    absl::StatusOr<std::optional<std::string>> value = table_.Find(key);
    if (!value.ok()) {
      response->clear_items();
      Fail(value.status(), response->mutable_failure());
      break;
    }
    pb::Item* item = response->add_items();
    if (value->has_value()) {
      item->set_found(true);
      item->set_value(**std::move(value));
    }
  }
  return grpc::Status::OK;
}

grpc::Status SqliteBackendService::Set(grpc::ServerContext*, const pb::SetRequest* request,
                                       pb::SetResponse* response) {
  if (absl::Status s = table_.Put(request->key(), request->value()); !s.ok()) {
    Fail(s, response->mutable_failure());
  }
  return grpc::Status::OK;
}

grpc::Status SqliteBackendService::Delete(grpc::ServerContext*, const pb::DeleteRequest* request,
                                          pb::DeleteResponse* response) {
  absl::StatusOr<bool> deleted = table_.Erase(request->key());
  if (!deleted.ok()) {
    Fail(deleted.status(), response->mutable_failure());
  } else {
    response->set_deleted(*deleted);
  }
  return grpc::Status::OK;
}

grpc::Status SqliteBackendService::FlushAll(grpc::ServerContext*, const pb::FlushAllRequest*,
                                            pb::FlushAllResponse* response) {
  if (!allow_flush_) {
    response->mutable_failure()->set_message("flush_all is disabled (start with --allow-flush)");
    return grpc::Status::OK;
  }
  if (absl::Status s = table_.Clear(); !s.ok()) Fail(s, response->mutable_failure());
  return grpc::Status::OK;
}

}  // namespace memgate::examples
