// Slot map and redirection parsing (see cluster_slot_map.h).
#include "backends/redis/cluster_slot_map.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/redis/cluster_slot.h"
#include "backends/redis/reply_fields.h"
#include "backends/redis/resp_command.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

absl::Status Malformed(std::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected ", ToAbsl(what), " reply from redis"));
}

std::string HostOr(std::string_view host, std::string_view replied_host) {
  // "?" is what Redis announces for an endpoint it has no name for.
  if (host.empty() || host == "?") return std::string(replied_host);
  return std::string(host);
}

bool ValidPort(std::optional<int64_t> port) { return port && *port > 0 && *port <= 65535; }

// Adds `master` (or its slots, to the entry already there for its address)
// and marks its slots.
void AddMaster(SlotMap& map, ClusterMaster master) {
  auto same = std::find_if(map.masters.begin(), map.masters.end(),
                           [&](const ClusterMaster& m) { return m.address == master.address; });
  if (same == map.masters.end()) {
    map.masters.push_back(std::move(master));
    same = map.masters.end() - 1;
  } else {
    same->slots.insert(same->slots.end(), master.slots.begin(), master.slots.end());
  }
  std::sort(same->slots.begin(), same->slots.end());
  const int16_t index = static_cast<int16_t>(same - map.masters.begin());
  for (const auto& [first, last] : same->slots) {
    for (int slot = first; slot <= last; ++slot) map.owner[slot] = index;
  }
}

bool ValidRange(std::optional<int64_t> first, std::optional<int64_t> last) {
  return first && last && *first >= 0 && *first <= *last && *last < kClusterSlots;
}

}  // namespace

std::string NodeAddress::Key() const {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

int SlotMap::CoveredSlots() const {
  return static_cast<int>(
      std::count_if(owner.begin(), owner.end(), [](int16_t o) { return o >= 0; }));
}

absl::StatusOr<SlotMap> ParseClusterShards(const redisReply& reply, std::string_view replied_host,
                                           bool tls) {
  if (reply.type != REDIS_REPLY_ARRAY) return Malformed("CLUSTER SHARDS");
  SlotMap map;
  for (std::size_t s = 0; s < reply.elements; ++s) {
    const redisReply& shard = *reply.element[s];
    if (shard.type != REDIS_REPLY_ARRAY || shard.elements % 2 != 0) {
      return Malformed("CLUSTER SHARDS");
    }
    const redisReply* slots = nullptr;
    const redisReply* nodes = nullptr;
    for (std::size_t i = 0; i + 1 < shard.elements; i += 2) {
      if (!IsText(*shard.element[i])) return Malformed("CLUSTER SHARDS");
      const std::string_view name = ReplyText(*shard.element[i]);
      if (name == "slots") slots = shard.element[i + 1];
      if (name == "nodes") nodes = shard.element[i + 1];
    }
    if (slots == nullptr || nodes == nullptr || slots->type != REDIS_REPLY_ARRAY ||
        nodes->type != REDIS_REPLY_ARRAY || slots->elements % 2 != 0) {
      return Malformed("CLUSTER SHARDS");
    }
    std::optional<ClusterMaster> master;
    for (std::size_t n = 0; n < nodes->elements; ++n) {
      const redisReply& node = *nodes->element[n];
      if (node.type != REDIS_REPLY_ARRAY || node.elements % 2 != 0) {
        return Malformed("CLUSTER SHARDS");
      }
      std::string_view id, ip, endpoint, role, health;
      std::optional<int64_t> port, tls_port;
      for (std::size_t i = 0; i + 1 < node.elements; i += 2) {
        if (!IsText(*node.element[i])) return Malformed("CLUSTER SHARDS");
        const std::string_view name = ReplyText(*node.element[i]);
        const redisReply& value = *node.element[i + 1];
        if (name == "id" && IsText(value)) id = ReplyText(value);
        if (name == "ip" && IsText(value)) ip = ReplyText(value);
        if (name == "endpoint" && IsText(value)) endpoint = ReplyText(value);
        if (name == "role" && IsText(value)) role = ReplyText(value);
        if (name == "health" && IsText(value)) health = ReplyText(value);
        if (name == "port") port = ReplyInt(value);
        if (name == "tls-port") tls_port = ReplyInt(value);
      }
      // A master that failed over stays listed, without slots, until it is
      // back as a replica.
      if (role != "master" || health == "failed") continue;
      const std::optional<int64_t> chosen = tls && tls_port ? tls_port : port;
      if (!ValidPort(chosen)) return Malformed("CLUSTER SHARDS");
      master.emplace();
      master->address.host =
          HostOr(endpoint.empty() || endpoint == "?" ? ip : endpoint, replied_host);
      master->address.port = static_cast<uint16_t>(*chosen);
      master->id = std::string(id);
    }
    // A shard whose master failed and has no successor yet serves nothing.
    if (!master) continue;
    for (std::size_t i = 0; i + 1 < slots->elements; i += 2) {
      const std::optional<int64_t> first = ReplyInt(*slots->element[i]);
      const std::optional<int64_t> last = ReplyInt(*slots->element[i + 1]);
      if (!ValidRange(first, last)) return Malformed("CLUSTER SHARDS");
      master->slots.emplace_back(static_cast<int>(*first), static_cast<int>(*last));
    }
    // A master without slots (a failed one still listed, a node just added)
    // has nothing to route to it, nor to flush.
    if (master->slots.empty()) continue;
    AddMaster(map, *std::move(master));
  }
  return map;
}

absl::StatusOr<SlotMap> ParseClusterSlots(const redisReply& reply, std::string_view replied_host) {
  if (reply.type != REDIS_REPLY_ARRAY) return Malformed("CLUSTER SLOTS");
  SlotMap map;
  for (std::size_t r = 0; r < reply.elements; ++r) {
    const redisReply& range = *reply.element[r];
    if (range.type != REDIS_REPLY_ARRAY || range.elements < 3) return Malformed("CLUSTER SLOTS");
    const std::optional<int64_t> first = ReplyInt(*range.element[0]);
    const std::optional<int64_t> last = ReplyInt(*range.element[1]);
    const redisReply& node = *range.element[2];
    if (!ValidRange(first, last) || node.type != REDIS_REPLY_ARRAY || node.elements < 2 ||
        !IsText(*node.element[0])) {
      return Malformed("CLUSTER SLOTS");
    }
    const std::optional<int64_t> port = ReplyInt(*node.element[1]);
    if (!ValidPort(port)) return Malformed("CLUSTER SLOTS");
    ClusterMaster master;
    master.address.host = HostOr(ReplyText(*node.element[0]), replied_host);
    master.address.port = static_cast<uint16_t>(*port);
    if (node.elements >= 3 && IsText(*node.element[2])) {
      master.id = std::string(ReplyText(*node.element[2]));
    }
    master.slots.emplace_back(static_cast<int>(*first), static_cast<int>(*last));
    AddMaster(map, std::move(master));
  }
  return map;
}

std::optional<Redirect> ParseRedirect(std::string_view error, std::string_view replied_host) {
  Redirect redirect;
  if (absl::StartsWith(ToAbsl(error), "MOVED ")) {
    error.remove_prefix(6);
  } else if (absl::StartsWith(ToAbsl(error), "ASK ")) {
    redirect.ask = true;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  const std::size_t space = error.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  int slot = 0;
  if (!absl::SimpleAtoi(ToAbsl(error.substr(0, space)), &slot) || slot < 0 ||
      slot >= kClusterSlots) {
    return std::nullopt;
  }
  redirect.slot = static_cast<uint16_t>(slot);
  const std::string_view address = error.substr(space + 1);
  // The port follows the last ':', so an IPv6 host keeps its colons.
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int port = 0;
  if (!absl::SimpleAtoi(ToAbsl(address.substr(colon + 1)), &port) || port < 1 || port > 65535) {
    return std::nullopt;
  }
  std::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  redirect.target.host = HostOr(host, replied_host);
  redirect.target.port = static_cast<uint16_t>(port);
  return redirect;
}

}  // namespace memgate::backends::redis
