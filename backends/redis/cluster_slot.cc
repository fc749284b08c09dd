// Key slots and command keys (see cluster_slot.h).
#include "backends/redis/cluster_slot.h"

#include <array>
#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

constexpr std::array<uint16_t, 256> MakeCrcTable() {
  std::array<uint16_t, 256> table{};
  for (int byte = 0; byte < 256; ++byte) {
    uint16_t crc = static_cast<uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<uint16_t>((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrcTable = MakeCrcTable();

// Reads the next "$len\r\n<bytes>\r\n" of a RESP array of bulk strings.
std::optional<std::string_view> NextBulk(std::string_view& resp) {
  if (resp.empty() || resp.front() != '$') return std::nullopt;
  const std::size_t end = resp.find("\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  std::size_t length = 0;
  if (!absl::SimpleAtoi(ToAbsl(resp.substr(1, end - 1)), &length)) return std::nullopt;
  const std::size_t start = end + 2;
  if (resp.size() < start + length + 2) return std::nullopt;
  const std::string_view bulk = resp.substr(start, length);
  resp.remove_prefix(start + length + 2);
  return bulk;
}

}  // namespace

uint16_t Crc16(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char c : data) {
    crc = static_cast<uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ c) & 0xff]);
  }
  return crc;
}

uint16_t KeySlot(std::string_view key) {
  const std::size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const std::size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) & (kClusterSlots - 1);
}

std::optional<std::string_view> CommandKey(std::string_view resp) {
  if (resp.empty() || resp.front() != '*') return std::nullopt;
  const std::size_t end = resp.find("\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  int count = 0;
  if (!absl::SimpleAtoi(ToAbsl(resp.substr(1, end - 1)), &count) || count < 2) {
    return std::nullopt;
  }
  resp.remove_prefix(end + 2);
  const std::optional<std::string_view> name = NextBulk(resp);
  if (!name) return std::nullopt;
  const bool script = absl::EqualsIgnoreCase(ToAbsl(*name), "EVALSHA") ||
                      absl::EqualsIgnoreCase(ToAbsl(*name), "EVAL");
  if (!script) return NextBulk(resp);
  if (count < 4 || !NextBulk(resp)) return std::nullopt;
  const std::optional<std::string_view> numkeys = NextBulk(resp);
  int keys = 0;
  if (!numkeys || !absl::SimpleAtoi(ToAbsl(*numkeys), &keys) || keys < 1) return std::nullopt;
  return NextBulk(resp);
}

}  // namespace memgate::backends::redis
