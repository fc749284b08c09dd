// The Redis Cluster slot map: which master serves each of the 16384 slots,
// read from a node's CLUSTER SHARDS reply (Redis 7) or CLUSTER SLOTS reply
// (older servers), and the MOVED / ASK redirections nodes answer with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {

struct NodeAddress {
  std::string host;  // an IPv6 address without brackets
  uint16_t port = 0;

  // "host:port" ("[v6]:port"): the node's name in logs, stats and maps.
  std::string Key() const;
  bool operator==(const NodeAddress&) const = default;
};

struct ClusterMaster {
  NodeAddress address;
  std::string id;                          // empty when the reply had none
  std::vector<std::pair<int, int>> slots;  // inclusive ranges, ascending
};

struct SlotMap {
  std::vector<ClusterMaster> masters;
  // Index into masters for each slot; -1 for a slot no master serves.
  std::vector<int16_t> owner = std::vector<int16_t>(16384, -1);

  const ClusterMaster* MasterFor(uint16_t slot) const {
    const int16_t index = owner[slot];
    return index < 0 ? nullptr : &masters[index];
  }
  int CoveredSlots() const;
};

// `replied_host` stands in for a node whose reply names no address (Redis
// leaves it empty when it does not know its own): the host that answered.
// `tls` picks a node's tls-port where CLUSTER SHARDS gives one.
absl::StatusOr<SlotMap> ParseClusterShards(const redisReply& reply, std::string_view replied_host,
                                           bool tls);
absl::StatusOr<SlotMap> ParseClusterSlots(const redisReply& reply, std::string_view replied_host);

struct Redirect {
  bool ask = false;  // ASK: this command only, after ASKING; MOVED: for good
  uint16_t slot = 0;
  NodeAddress target;
};

// A "MOVED slot host:port" or "ASK slot host:port" error text; nullopt for
// any other error. An empty host means the node that replied.
std::optional<Redirect> ParseRedirect(std::string_view error, std::string_view replied_host);

}  // namespace memgate::backends::redis
