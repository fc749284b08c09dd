// The Redis Cluster form of --redis-url: redis+cluster://[[user]:password@]
// host:port[,host:port...] (rediss+cluster:// for TLS), parsed into one seed
// endpoint per host, each carrying the credentials.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/redis/redis_url.h"

namespace memgate::backends::redis {

bool IsClusterUrl(std::string_view url);

// The seeds, in the order given. A cluster has only database 0, so a /db
// other than /0 is refused.
absl::StatusOr<std::vector<RedisEndpoint>> ParseClusterUrl(std::string_view url);

}  // namespace memgate::backends::redis
