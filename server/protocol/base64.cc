// Base64 for meta-command keys (see base64.h).
#include "server/protocol/base64.h"

#include <array>
#include <cstdint>

namespace memgate::protocol {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0x80;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<uint8_t>(i);
  }
  table['='] = 0;
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

bool Base64Decode(std::string_view in, std::string& out) {
  out.clear();
  std::size_t count = 0;
  for (char c : in) {
    if (kDecode[static_cast<unsigned char>(c)] != kInvalid) ++count;
  }
  if (count == 0 || count % 4 != 0) return false;
  out.reserve(count / 4 * 3);
  uint8_t block[4];
  std::size_t filled = 0;
  int pad = 0;
  for (char c : in) {
    const uint8_t v = kDecode[static_cast<unsigned char>(c)];
    if (v == kInvalid) continue;
    if (c == '=') ++pad;
    block[filled++] = v;
    if (filled < 4) continue;
    filled = 0;
    out.push_back(static_cast<char>((block[0] << 2) | (block[1] >> 4)));
    out.push_back(static_cast<char>((block[1] << 4) | (block[2] >> 2)));
    out.push_back(static_cast<char>((block[2] << 6) | block[3]));
    if (pad != 0) {
      // memcached stops at the first padded group.
      if (pad > 2) {
        out.clear();
        return false;
      }
      out.resize(out.size() - static_cast<std::size_t>(pad));
      break;
    }
  }
  return !out.empty();
}

void Base64Append(std::string_view in, std::string& out) {
  out.reserve(out.size() + (in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&in](std::size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(in[at]));
  };
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const std::size_t left = in.size() - i;
  if (left == 0) return;
  uint32_t n = byte(i) << 16;
  if (left == 2) n |= byte(i + 1) << 8;
  out.push_back(kAlphabet[(n >> 18) & 63]);
  out.push_back(kAlphabet[(n >> 12) & 63]);
  out.push_back(left == 2 ? kAlphabet[(n >> 6) & 63] : '=');
  out.push_back('=');
}

}  // namespace memgate::protocol
