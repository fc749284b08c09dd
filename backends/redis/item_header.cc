// The memcached-mode item header (see item_header.h).
#include "backends/redis/item_header.h"

namespace memgate::backends::redis {
namespace {

void PutBigEndian(char* at, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    at[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

uint64_t GetBigEndian(const char* at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(at[i]);
  return value;
}

void PutHeader(char* at, const ItemHeader& header) {
  at[0] = kItemFormat;
  at[1] = header.key_binary ? 1 : 0;
  PutBigEndian(at + 2, header.flags, 4);
  PutBigEndian(at + 6, header.cas, 8);
}

}  // namespace

std::string_view ItemBits(bool key_binary) {
  static constexpr char kBits[] = {0, 1};
  return std::string_view(kBits + (key_binary ? 1 : 0), 1);
}

std::string EncodeCas(uint64_t cas) {
  std::string out(8, '\0');
  PutBigEndian(out.data(), cas, 8);
  return out;
}

std::string EncodeFlags(uint32_t flags) {
  std::string out(4, '\0');
  PutBigEndian(out.data(), flags, 4);
  return out;
}

std::string EncodeItem(const ItemHeader& header, std::string_view value) {
  std::string out(kItemHeaderSize + value.size(), '\0');
  PutHeader(out.data(), header);
  value.copy(out.data() + kItemHeaderSize, value.size());
  return out;
}

std::optional<ItemHeader> DecodeItem(std::string_view stored, std::string_view& value) {
  if (stored.size() < kItemHeaderSize || stored[0] != kItemFormat) return std::nullopt;
  ItemHeader header;
  header.key_binary = stored[1] == 1;
  header.flags = static_cast<uint32_t>(GetBigEndian(stored.data() + 2, 4));
  header.cas = GetBigEndian(stored.data() + 6, 8);
  value = stored.substr(kItemHeaderSize);
  return header;
}

}  // namespace memgate::backends::redis
