// The admin requests' checks (see admin_requests.h).
#include "admin/admin_requests.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"

namespace memgate::admin {
namespace {

constexpr std::string_view kListenersPrefix = "listeners/";
constexpr std::string_view kClientsPrefix = "clients/";
constexpr std::string_view kExpectedAuthorization = "expected 'authorization: Bearer <token>'";

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// INVALID_ARGUMENT for a negative or malformed duration.
grpc::Status ToMillis(const google::protobuf::Duration& d, std::string_view field,
                      std::chrono::milliseconds& out) {
  if (d.seconds() < 0 || d.nanos() < 0 || d.nanos() >= 1'000'000'000) {
    return Invalid(absl::StrCat(ToAbsl(field), " must be a non-negative duration"));
  }
  if (d.seconds() > 100LL * 365 * 24 * 3600) {
    return Invalid(absl::StrCat(ToAbsl(field), " is too long"));
  }
  out = std::chrono::seconds(d.seconds()) +
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(d.nanos()));
  return grpc::Status::OK;
}

bool ValidListenerId(std::string_view id) {
  if (id.empty() || id.size() > kMaxListenerIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

grpc::Status ParsePageToken(const std::string& token, std::string_view listener,
                            uint64_t& first_id) {
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(token, &decoded)) return Invalid("bad page_token");
  const auto slash = decoded.find('/');
  if (slash == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(decoded).substr(0, slash), &first_id)) {
    return Invalid("bad page_token");
  }
  if (std::string_view(decoded).substr(slash + 1) != listener) {
    return Invalid("page_token was issued for a different listener filter");
  }
  return grpc::Status::OK;
}

// Compares without an early exit, so the time taken says nothing about how
// much of the token matched.
bool SameToken(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

}  // namespace

grpc::Status CheckAuthorization(std::optional<std::string_view> header, std::string_view token) {
  if (token.empty()) return grpc::Status::OK;
  if (!header) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat("no authorization header: ", ToAbsl(kExpectedAuthorization)));
  }
  // RFC 6750: "Bearer", in any case, then one or more spaces and the token.
  const absl::string_view value = ToAbsl(*header);
  const auto space = value.find(' ');
  if (space == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(value.substr(0, space), "bearer")) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat("the authorization header has no Bearer scheme: ",
                                     ToAbsl(kExpectedAuthorization)));
  }
  if (!SameToken(FromAbsl(absl::StripAsciiWhitespace(value.substr(space))), token)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "wrong admin token");
  }
  return grpc::Status::OK;
}

grpc::Status ParseCreateListener(const v1::CreateListenerRequest& request,
                                 server::ListenerOptions& options) {
  const v1::Listener& wanted = request.listener();
  if (wanted.address().empty()) return Invalid("listener.address is required");
  if (!request.listener_id().empty() && !ValidListenerId(request.listener_id())) {
    return Invalid(absl::StrCat("bad listener_id \"", request.listener_id(),
                                "\": use letters, digits, '-', '_' or '.', at most ",
                                kMaxListenerIdLength, " characters"));
  }
  options = server::ListenerOptions{.id = request.listener_id(),
                                    .address = wanted.address(),
                                    .max_clients = wanted.max_clients()};
  return ToMillis(wanted.idle_timeout(), "listener.idle_timeout", options.idle_timeout);
}

grpc::Status ParseListenerName(std::string_view name, std::string& id) {
  if (name.starts_with(kListenersPrefix)) name.remove_prefix(kListenersPrefix.size());
  if (name.empty()) return Invalid("a listener name (\"listeners/ID\") is required");
  if (name.find('/') != std::string_view::npos) {
    return Invalid(absl::StrCat("bad listener name \"", ToAbsl(name), "\""));
  }
  id = std::string(name);
  return grpc::Status::OK;
}

grpc::Status ParseDeleteListener(const v1::DeleteListenerRequest& request,
                                 DeleteListenerArgs& args) {
  if (grpc::Status s = ParseListenerName(request.name(), args.id); !s.ok()) return s;
  switch (request.mode()) {
    case v1::DeleteListenerRequest::MODE_UNSPECIFIED:
    case v1::DeleteListenerRequest::STOP_ACCEPTING:
      args.mode = server::CloseMode::kStopAccepting;
      break;
    case v1::DeleteListenerRequest::DRAIN:
      args.mode = server::CloseMode::kDrain;
      break;
    case v1::DeleteListenerRequest::CLOSE_NOW:
      args.mode = server::CloseMode::kCloseNow;
      break;
    default:
      return Invalid(absl::StrCat("unknown mode ", request.mode()));
  }
  if (!request.has_drain_timeout()) return grpc::Status::OK;
  return ToMillis(request.drain_timeout(), "drain_timeout", args.drain_timeout);
}

grpc::Status ParseListClients(const v1::ListClientsRequest& request, ListClientsArgs& args) {
  if (!request.listener().empty()) {
    if (grpc::Status s = ParseListenerName(request.listener(), args.listener); !s.ok()) return s;
  }
  if (request.page_size() < 0) return Invalid("page_size must not be negative");
  args.page_size =
      request.page_size() == 0 ? kDefaultPageSize : std::min(request.page_size(), kMaxPageSize);
  if (request.page_token().empty()) return grpc::Status::OK;
  return ParsePageToken(request.page_token(), args.listener, args.first_id);
}

// A page token: the first client id of the next page (ids only grow, so a
// page boundary stays valid while clients come and go) and the listener
// filter it was issued for, so it cannot be reused with another.
std::string PageToken(uint64_t first_id, std::string_view listener) {
  return absl::WebSafeBase64Escape(absl::StrCat(first_id, "/", ToAbsl(listener)));
}

grpc::Status ParseClientName(std::string_view name, uint64_t& id) {
  const std::string_view given = name;
  if (name.starts_with(kClientsPrefix)) name.remove_prefix(kClientsPrefix.size());
  const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (name.empty() || error != std::errc() || end != name.data() + name.size()) {
    return Invalid(absl::StrCat("bad client name \"", ToAbsl(given),
                                "\" (want \"clients/ID\" with a numeric ID)"));
  }
  return grpc::Status::OK;
}

grpc::Status ParseWatchEvents(const v1::WatchEventsRequest& request, std::string& listener) {
  if (request.listener().empty()) return grpc::Status::OK;
  return ParseListenerName(request.listener(), listener);
}

}  // namespace memgate::admin
