// Which Redis Cluster hash slot a key lives in (CRC16/XMODEM of the key, or
// of its {hash tag}, modulo 16384, exactly as Redis computes it), and which
// key a formatted command touches, so the router can send it to the slot's
// node.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace memgate::backends::redis {

inline constexpr int kClusterSlots = 16384;

// CRC16 with polynomial 0x1021 and initial value 0 (XMODEM).
uint16_t Crc16(std::string_view data);

// The slot of `key`: only the part between the first '{' and the next '}'
// is hashed when that part is not empty.
uint16_t KeySlot(std::string_view key);

// The key of a RESP-formatted command: argv[3] for EVAL/EVALSHA with at
// least one key, argv[1] otherwise; nullopt for a command without one.
std::optional<std::string_view> CommandKey(std::string_view resp);

}  // namespace memgate::backends::redis
