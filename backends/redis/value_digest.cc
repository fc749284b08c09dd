// SHA1 digests through OpenSSL's EVP interface (see value_digest.h).
#include "backends/redis/value_digest.h"

#include <openssl/evp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {

std::string Sha1Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

uint64_t ValueDigest(std::string_view value) {
  return ParseDigestHex(Sha1Hex(value).substr(0, 15));
}

std::string DigestHex(uint64_t cas) { return absl::StrFormat("%015x", cas); }

uint64_t ParseDigestHex(std::string_view hex) {
  uint64_t value = 0;
  if (hex.size() != 15 || !absl::SimpleHexAtoi(ToAbsl(hex), &value)) return 0;
  return value;
}

}  // namespace memgate::backends::redis
