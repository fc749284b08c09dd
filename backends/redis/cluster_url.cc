// Parsing of redis+cluster:// URLs (see cluster_url.h): each seed is parsed
// as the plain URL it would be on its own, so hosts, ports and credentials
// follow the same rules as for one Redis.
#include "backends/redis/cluster_url.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

constexpr std::string_view kPlain = "redis+cluster://";
constexpr std::string_view kTls = "rediss+cluster://";

}  // namespace

bool IsClusterUrl(std::string_view url) {
  return absl::StartsWith(ToAbsl(url), ToAbsl(kPlain)) ||
         absl::StartsWith(ToAbsl(url), ToAbsl(kTls));
}

absl::StatusOr<std::vector<RedisEndpoint>> ParseClusterUrl(std::string_view url) {
  std::string_view scheme;
  std::string_view rest;
  if (absl::StartsWith(ToAbsl(url), ToAbsl(kPlain))) {
    scheme = "redis://";
    rest = url.substr(kPlain.size());
  } else if (absl::StartsWith(ToAbsl(url), ToAbsl(kTls))) {
    scheme = "rediss://";
    rest = url.substr(kTls.size());
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "redis cluster url must start with redis+cluster:// or rediss+cluster://: ", ToAbsl(url)));
  }
  std::string_view path;
  const std::size_t at = rest.rfind('@');
  const std::size_t slash = rest.find('/', at == std::string_view::npos ? 0 : at);
  if (slash != std::string_view::npos) {
    path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  std::string_view userinfo;
  std::string_view hosts = rest;
  if (at != std::string_view::npos) {
    userinfo = rest.substr(0, at + 1);
    hosts = rest.substr(at + 1);
  }
  std::vector<RedisEndpoint> seeds;
  for (absl::string_view host : absl::StrSplit(ToAbsl(hosts), ',')) {
    if (host.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("empty host in redis cluster url: ", ToAbsl(url)));
    }
    absl::StatusOr<RedisEndpoint> seed =
        ParseRedisUrl(absl::StrCat(ToAbsl(scheme), ToAbsl(userinfo), host, ToAbsl(path)));
    if (!seed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(seed.status().message(), " (in ", ToAbsl(url), ")"));
    }
    if (seed->db != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("a redis cluster has only database 0: ", ToAbsl(url)));
    }
    seeds.push_back(*std::move(seed));
  }
  return seeds;
}

}  // namespace memgate::backends::redis
