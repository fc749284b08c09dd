// LoadAdminSettings: the admin flags' checks, and the refusal to listen
// beyond loopback unprotected.
#include "admin/admin_settings.h"

#include <arpa/inet.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/absl_compat.h"

namespace memgate::admin {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", ToAbsl(what), " \"", path, "\""));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Splits "host:port" / "[v6]:port" into host and port text.
bool SplitHostPort(std::string_view address, std::string_view& host, std::string_view& port) {
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return false;
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
    return true;
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  return host.find(':') == std::string_view::npos;
}

}  // namespace

bool IsLoopbackAddress(std::string_view address) {
  if (address.starts_with("unix:")) return true;
  std::string_view host, port;
  if (!SplitHostPort(address, host, port)) return false;
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

absl::StatusOr<AdminSettings> LoadAdminSettings(AdminServerOptions options) {
  AdminSettings settings;
  settings.address = std::move(options.address);
  settings.args = std::move(options.args);
  const std::string& address = settings.address;
  std::string_view host, port;
  if (!address.starts_with("unix:") && !SplitHostPort(address, host, port)) {
    return absl::InvalidArgumentError(absl::StrCat("bad --admin address \"", address,
                                                   "\" (want host:port, [v6]:port or unix:/path)"));
  }

  if (!options.token_file.empty()) {
    absl::StatusOr<std::string> contents = ReadFile(options.token_file, "--admin-token-file");
    if (!contents.ok()) return contents.status();
    settings.token = std::string(absl::StripAsciiWhitespace(*contents));
    if (settings.token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--admin-token-file \"", options.token_file, "\" is empty"));
    }
  }
  if (!IsLoopbackAddress(address) && settings.token.empty()) {
    if (!options.insecure) {
      return absl::InvalidArgumentError(
          absl::StrCat("refusing to serve the admin API on non-loopback address ", address,
                       " without --admin-token-file (or --admin-insecure to allow it anyway)"));
    }
    settings.warnings.push_back(
        absl::StrCat("--admin-insecure: the admin API on ", address,
                     " takes no token: anyone who can reach it can open and close listeners and "
                     "disconnect clients"));
  }

  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("--admin-tls-cert and --admin-tls-key go together");
    }
    absl::StatusOr<std::string> cert = ReadFile(options.tls_cert_file, "--admin-tls-cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options.tls_key_file, "--admin-tls-key");
    if (!key.ok()) return key.status();
    settings.tls_cert_pem = std::move(*cert);
    settings.tls_key_pem = std::move(*key);
  }
  return settings;
}

}  // namespace memgate::admin
