// libFuzzer target for the checks behind every admin RPC: byte 0 picks the
// RPC, the rest is parsed as that RPC's request message (or, for the token
// check, split into a token and an authorization header). Besides memory
// safety it checks that each check either accepts, with results inside the
// documented bounds, or refuses with the RPC's status code and a message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "admin/admin_requests.h"
#include "memgate/admin/v1/admin.pb.h"

namespace {

namespace admin = memgate::admin;
namespace v1 = memgate::admin::v1;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "admin_request_fuzz: %s\n", what);
  std::abort();
}

// A refusal is INVALID_ARGUMENT with a message.
void CheckRefusal(const grpc::Status& status) {
  Check(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT, "refused with another code");
  Check(!status.error_message().empty(), "refused without a message");
}

bool ValidId(std::string_view id) { return !id.empty() && id.find('/') == std::string_view::npos; }

void CheckListenerName(std::string_view name) {
  std::string id;
  const grpc::Status status = admin::ParseListenerName(name, id);
  if (!status.ok()) return CheckRefusal(status);
  Check(ValidId(id), "accepted a listener name without an id");
  Check(name == id || name == "listeners/" + id, "listener id is not the name's");
}

void CheckClientName(std::string_view name) {
  uint64_t id = 0;
  const grpc::Status status = admin::ParseClientName(name, id);
  if (!status.ok()) return CheckRefusal(status);
  uint64_t again = 0;
  Check(admin::ParseClientName("clients/" + std::to_string(id), again).ok() && again == id,
        "client id does not round-trip");
}

void CheckCreateListener(const v1::CreateListenerRequest& request) {
  memgate::server::ListenerOptions options;
  const grpc::Status status = admin::ParseCreateListener(request, options);
  if (!status.ok()) return CheckRefusal(status);
  Check(!options.address.empty(), "accepted a listener without an address");
  Check(options.id.size() <= admin::kMaxListenerIdLength, "accepted a long listener id");
  Check(options.id.empty() || ValidId(options.id), "accepted a bad listener id");
  Check(options.idle_timeout.count() >= 0, "accepted a negative idle timeout");
}

void CheckDeleteListener(const v1::DeleteListenerRequest& request) {
  admin::DeleteListenerArgs args;
  const grpc::Status status = admin::ParseDeleteListener(request, args);
  if (!status.ok()) return CheckRefusal(status);
  Check(ValidId(args.id), "accepted a delete without a listener id");
  Check(args.drain_timeout.count() >= 0, "accepted a negative drain timeout");
}

void CheckListClients(const v1::ListClientsRequest& request) {
  admin::ListClientsArgs args;
  const grpc::Status status = admin::ParseListClients(request, args);
  if (!status.ok()) return CheckRefusal(status);
  Check(args.page_size >= 1 && args.page_size <= admin::kMaxPageSize, "page size out of bounds");
  Check(args.listener.empty() || ValidId(args.listener), "accepted a bad listener filter");
  // The token issued for the next page leads back to the same place.
  v1::ListClientsRequest next = request;
  next.set_page_token(admin::PageToken(args.first_id, args.listener));
  admin::ListClientsArgs again;
  Check(admin::ParseListClients(next, again).ok() && again.first_id == args.first_id,
        "page token does not round-trip");
}

void CheckWatchEvents(const v1::WatchEventsRequest& request) {
  std::string listener;
  const grpc::Status status = admin::ParseWatchEvents(request, listener);
  if (!status.ok()) return CheckRefusal(status);
  Check(listener.empty() == request.listener().empty(), "listener filter lost or invented");
}

// Input: the token, a NUL, then the header (none when there is no second
// NUL-free part).
void CheckAuthorization(std::string_view input) {
  const std::size_t nul = input.find('\0');
  const std::string_view token = input.substr(0, nul);
  std::optional<std::string_view> header;
  if (nul != std::string_view::npos) header = input.substr(nul + 1);
  const grpc::Status status = admin::CheckAuthorization(header, token);
  if (token.empty()) return Check(status.ok(), "refused a call when no token is set");
  if (status.ok()) {
    Check(header && header->size() > token.size() && header->find(token) != std::string_view::npos,
          "accepted a header without the token");
    return;
  }
  Check(status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
            status.error_code() == grpc::StatusCode::PERMISSION_DENIED,
        "token refused with another code");
  Check(!status.error_message().empty(), "token refused without a message");
  Check(status.error_code() == grpc::StatusCode::UNAUTHENTICATED || header,
        "a missing header is not UNAUTHENTICATED");
}

template <typename Request, typename Checker>
void Parsed(std::string_view bytes, Checker checker) {
  Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  checker(request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0:
      Parsed<v1::CreateListenerRequest>(rest, CheckCreateListener);
      break;
    case 1:
      Parsed<v1::GetListenerRequest>(
          rest, [](const v1::GetListenerRequest& r) { CheckListenerName(r.name()); });
      break;
    case 2:
      Parsed<v1::DeleteListenerRequest>(rest, CheckDeleteListener);
      break;
    case 3:
      Parsed<v1::ListClientsRequest>(rest, CheckListClients);
      break;
    case 4:
      Parsed<v1::GetClientRequest>(
          rest, [](const v1::GetClientRequest& r) { CheckClientName(r.name()); });
      break;
    case 5:
      Parsed<v1::DisconnectClientRequest>(
          rest, [](const v1::DisconnectClientRequest& r) { CheckClientName(r.name()); });
      break;
    case 6:
      Parsed<v1::WatchEventsRequest>(rest, CheckWatchEvents);
      break;
    default:
      CheckAuthorization(rest);
      break;
  }
  return 0;
}
