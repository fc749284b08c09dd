// Meta-command reply encoders (see meta_reply.h).
#include "server/protocol/meta_reply.h"

#include <cstddef>

#include "server/protocol/base64.h"

namespace memgate::protocol::meta_reply {

void AppendUnsigned(std::string& out, uint64_t n) {
  char digits[20];
  char* p = digits + sizeof(digits);
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, static_cast<std::size_t>(digits + sizeof(digits) - p));
}

void AppendSigned(std::string& out, int64_t n) {
  if (n < 0) {
    out.push_back('-');
    AppendUnsigned(out, 0 - static_cast<uint64_t>(n));
  } else {
    AppendUnsigned(out, static_cast<uint64_t>(n));
  }
}

void AppendKey(std::string& out, std::string_view key, bool binary) {
  out.append(" k");
  if (!binary) {
    out.append(key);
    return;
  }
  Base64Append(key, out);
  out.append(" b");
}

void AppendFlag(std::string& out, char letter, int64_t n) {
  out.push_back(' ');
  out.push_back(letter);
  AppendSigned(out, n);
}

void AppendUnsignedFlag(std::string& out, char letter, uint64_t n) {
  out.push_back(' ');
  out.push_back(letter);
  AppendUnsigned(out, n);
}

unsigned SlabClass(uint64_t total) {
  constexpr double kFactor = 1.25;
  constexpr uint64_t kChunkMax = 512 * 1024;
  double size = 96;  // item header + the smallest chunk
  unsigned cls = 1;
  while (size < kChunkMax / kFactor) {
    uint64_t aligned = static_cast<uint64_t>(size);
    if (aligned % 8 != 0) aligned += 8 - aligned % 8;
    if (total <= aligned) return cls;
    size = static_cast<double>(aligned) * kFactor;
    ++cls;
  }
  return cls;
}

}  // namespace memgate::protocol::meta_reply
