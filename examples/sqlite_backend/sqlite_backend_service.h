// backend.proto's plain contract over a SqliteTable: memgate keeps the
// memcached metadata, this service keeps only the bytes, so the table stays
// an ordinary table other programs read and write.
#pragma once

#include "examples/sqlite_backend/sqlite_table.h"
#include "memgate/backend/v1/backend.grpc.pb.h"

namespace memgate::examples {

// gRPC's synchronous API: SQLite blocks, and the server's thread pool is the
// right place to wait. Methods it does not override (Store, Arith, Touch,
// ClientOpened, ClientClosed) answer UNIMPLEMENTED, which is how memgate
// learns to use the plain contract.
class SqliteBackendService final : public backend::v1::BackendService::Service {
 public:
  // `table` must outlive the service. Without `allow_flush`, flush_all
  // answers a failure that keeps the client's connection.
  SqliteBackendService(SqliteTable& table, bool allow_flush)
      : table_(table), allow_flush_(allow_flush) {}

  grpc::Status Find(grpc::ServerContext* context, const backend::v1::FindRequest* request,
                    backend::v1::FindResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const backend::v1::GetRequest* request,
                   backend::v1::GetResponse* response) override;
  grpc::Status Set(grpc::ServerContext* context, const backend::v1::SetRequest* request,
                   backend::v1::SetResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const backend::v1::DeleteRequest* request,
                      backend::v1::DeleteResponse* response) override;
  grpc::Status FlushAll(grpc::ServerContext* context, const backend::v1::FlushAllRequest* request,
                        backend::v1::FlushAllResponse* response) override;

 private:
  SqliteTable& table_;
  const bool allow_flush_;
};

}  // namespace memgate::examples
