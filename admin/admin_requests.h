// What each admin RPC takes from its request, checked: every test of caller
// input the service makes before it acts, as functions of the request alone,
// so they can be tested and fuzzed without a server. Each returns OK or the
// status the RPC answers with (INVALID_ARGUMENT, or UNAUTHENTICATED and
// PERMISSION_DENIED for the token).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "grpcpp/support/status.h"
#include "memgate/admin/v1/admin.pb.h"
#include "server/listener_manager.h"

namespace memgate::admin {

inline constexpr std::size_t kMaxListenerIdLength = 63;
inline constexpr int32_t kDefaultPageSize = 100;
inline constexpr int32_t kMaxPageSize = 1000;

// `header` is the call's "authorization" value, if it sent one; an empty
// `token` lets every call through.
grpc::Status CheckAuthorization(std::optional<std::string_view> header, std::string_view token);

// CreateListener: the options to open (the address is checked when opened).
grpc::Status ParseCreateListener(const v1::CreateListenerRequest& request,
                                 server::ListenerOptions& options);

// GetListener, DeleteListener, and the ListClients and WatchEvents filters:
// "listeners/ID" or "ID" -> ID.
grpc::Status ParseListenerName(std::string_view name, std::string& id);

struct DeleteListenerArgs {
  std::string id;
  server::CloseMode mode = server::CloseMode::kStopAccepting;
  std::chrono::milliseconds drain_timeout = std::chrono::seconds(30);
};
grpc::Status ParseDeleteListener(const v1::DeleteListenerRequest& request,
                                 DeleteListenerArgs& args);

struct ListClientsArgs {
  std::string listener;  // empty: every listener
  int32_t page_size = kDefaultPageSize;
  uint64_t first_id = 0;  // from the page token
};
grpc::Status ParseListClients(const v1::ListClientsRequest& request, ListClientsArgs& args);

// The ListClients page token that starts the next page at client `first_id`
// for the `listener` filter.
std::string PageToken(uint64_t first_id, std::string_view listener);

// GetClient, DisconnectClient: "clients/ID" or "ID" -> ID.
grpc::Status ParseClientName(std::string_view name, uint64_t& id);

// WatchEvents: the listener filter, empty for all.
grpc::Status ParseWatchEvents(const v1::WatchEventsRequest& request, std::string& listener);

}  // namespace memgate::admin
