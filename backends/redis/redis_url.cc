// Parsing of the --redis-url forms (see redis_url.h).
#include "backends/redis/redis_url.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Passwords often hold ':' '@' '/' and must be percent-encoded in a URL.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexDigit(text[i + 1]);
    const int low = HexDigit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

absl::StatusOr<int> ParseDb(std::string_view text, std::string_view url) {
  int db = 0;
  if (text.empty() || !absl::SimpleAtoi(ToAbsl(text), &db) || db < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad database number in redis url: ", ToAbsl(url)));
  }
  return db;
}

absl::StatusOr<RedisEndpoint> ParseUnix(std::string_view rest, std::string_view url) {
  RedisEndpoint endpoint;
  endpoint.kind = RedisEndpoint::Kind::kUnix;
  const std::size_t query = rest.find('?');
  endpoint.path = std::string(rest.substr(0, query));
  if (endpoint.path.empty() || endpoint.path.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("unix redis url needs an absolute path (unix:///path): ", ToAbsl(url)));
  }
  if (query != std::string_view::npos) {
    const std::string_view params = rest.substr(query + 1);
    if (!absl::StartsWith(ToAbsl(params), "db=")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unix redis url takes only ?db=N: ", ToAbsl(url)));
    }
    absl::StatusOr<int> db = ParseDb(params.substr(3), url);
    if (!db.ok()) return db.status();
    endpoint.db = *db;
  }
  return endpoint;
}

}  // namespace

std::string RedisEndpoint::Describe() const {
  if (kind == Kind::kUnix) return absl::StrCat("unix:", path);
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  RedisEndpoint endpoint;
  std::string_view rest;
  if (absl::StartsWith(ToAbsl(url), "unix://")) {
    return ParseUnix(url.substr(7), url);
  } else if (absl::StartsWith(ToAbsl(url), "redis://")) {
    rest = url.substr(8);
  } else if (absl::StartsWith(ToAbsl(url), "rediss://")) {
    endpoint.kind = RedisEndpoint::Kind::kTls;
    rest = url.substr(9);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("redis url must start with redis://, rediss:// or unix://: ", ToAbsl(url)));
  }

  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db_text = rest.substr(slash + 1);
    if (!db_text.empty()) {
      absl::StatusOr<int> db = ParseDb(db_text, url);
      if (!db.ok()) return db.status();
      endpoint.db = *db;
    }
  }

  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis url credentials must be [user]:password@: ", ToAbsl(url)));
    }
    std::optional<std::string> user = PercentDecode(userinfo.substr(0, colon));
    std::optional<std::string> password = PercentDecode(userinfo.substr(colon + 1));
    if (!user || !password) {
      return absl::InvalidArgumentError("bad percent-encoding in redis url credentials");
    }
    endpoint.user = *std::move(user);
    endpoint.password = *std::move(password);
    endpoint.has_password = true;
  }

  std::string_view port_text;
  if (absl::StartsWith(ToAbsl(authority), "[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("unclosed [ in redis url: ", ToAbsl(url)));
    }
    endpoint.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("bad redis url host: ", ToAbsl(url)));
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("empty port in redis url: ", ToAbsl(url)));
      }
    }
  } else {
    const std::size_t colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("empty port in redis url: ", ToAbsl(url)));
      }
    }
  }
  if (endpoint.host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("redis url has no host: ", ToAbsl(url)));
  }
  if (!port_text.empty()) {
    int port = 0;
    if (!absl::SimpleAtoi(ToAbsl(port_text), &port) || port < 1 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad port in redis url: ", ToAbsl(url)));
    }
    endpoint.port = static_cast<uint16_t>(port);
  }
  return endpoint;
}

}  // namespace memgate::backends::redis
