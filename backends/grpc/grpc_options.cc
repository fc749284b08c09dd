// Parsing of the --grpc-* settings.
#include "backends/grpc/grpc_options.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"

namespace memgate::backends {
namespace {

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// gRPC owns these; a user header with one of these names would break calls.
bool IsReserved(const std::string& name) {
  return absl::StartsWith(name, "grpc-") || name == "content-type" || name == "te" ||
         name == "user-agent" || name == "host";
}

}  // namespace

absl::StatusOr<GrpcHeader> ParseGrpcHeader(std::string_view flag) {
  const std::size_t colon = flag.find(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--grpc-header wants 'name: value', got '", ToAbsl(flag), "'"));
  }
  GrpcHeader header;
  header.name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(ToAbsl(flag.substr(0, colon))));
  header.value = std::string(absl::StripAsciiWhitespace(ToAbsl(flag.substr(colon + 1))));
  if (header.name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--grpc-header has an empty name: '", ToAbsl(flag), "'"));
  }
  for (char c : header.name) {
    if (!IsTokenChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--grpc-header name '", header.name, "' has a character gRPC refuses"));
    }
  }
  if (IsReserved(header.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--grpc-header name '", header.name, "' is reserved by gRPC"));
  }
  for (char c : header.value) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("--grpc-header value of '", header.name, "' has a control character"));
    }
  }
  return header;
}

absl::StatusOr<GrpcBackendOptions> ParseGrpcOptions(const GrpcSettings& settings) {
  GrpcBackendOptions options;
  options.target = settings.target;
  options.timeout = settings.timeout;
  options.tls_ca_file = settings.tls_ca_file;
  options.max_item_size = settings.max_item_size;
  for (const std::string& flag : settings.headers) {
    absl::StatusOr<GrpcHeader> header = ParseGrpcHeader(flag);
    if (!header.ok()) return header.status();
    options.headers.push_back(*std::move(header));
  }
  return options;
}

}  // namespace memgate::backends
