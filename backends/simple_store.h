// The seed's handler set (Memcached::Server's cmd hash): a plain key/value
// store with no memcached metadata. MetadataLayer turns one into a Backend.
// Same asynchrony, borrowing and ClientContext lifetime rules as Backend.
// Calls on different keys may be in flight together; MetadataLayer never
// issues a call on a key while an earlier call on that key is in flight.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "backends/backend.h"
#include "backends/client_context.h"

namespace memgate::backends {

struct FindReply {
  bool found = false;
  std::optional<BackendError> error;
};

struct GetReply {
  // One entry per requested key, in request order; nullopt = not found.
  std::vector<std::optional<std::string>> values;
  std::optional<BackendError> error;
};

// The seed's set answer: success (1), error keeping the connection (-1), or
// error closing it (-2) — the latter two carry error->close_connection.
struct SetReply {
  std::optional<BackendError> error;
};

struct DeleteReply {
  bool deleted = false;
  std::optional<BackendError> error;
};

struct DoneReply {
  std::optional<BackendError> error;
};

// The seed's _begin answer: the client is served, or refused with `refused`'s
// message (the server sends it as SERVER_ERROR and closes the client).
struct BeginReply {
  std::optional<BackendError> refused;
};

class SimpleStore {
 public:
  template <typename R>
  using Done = absl::AnyInvocable<void(R) &&>;

  virtual ~SimpleStore() = default;

  virtual std::string_view Name() const = 0;

  virtual void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) = 0;
  virtual void Get(const ClientContext& client, std::span<const std::string_view> keys,
                   Done<GetReply> done) = 0;
  virtual void Set(const ClientContext& client, std::string_view key, uint32_t flags,
                   int64_t exptime, std::string_view value, Done<SetReply> done) = 0;
  virtual void Delete(const ClientContext& client, std::string_view key,
                      Done<DeleteReply> done) = 0;
  virtual void FlushAll(const ClientContext& client, Done<DoneReply> done) = 0;
  virtual void Begin(const ClientContext& client, Done<BeginReply> done) {
    std::move(done)(BeginReply{});
  }
  // `client` is valid for this call only.
  virtual void End(const ClientContext& client) {}
};

}  // namespace memgate::backends
