// Base64 as memcached's meta commands use it for binary keys (the b flag):
// decoding follows memcached's base64.c, quirks included, so a key it
// refuses is refused here too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace memgate::protocol {

// Decodes `in` into `out` (replacing its contents). Characters outside the
// alphabet are skipped; the alphabet characters must come in groups of four
// and padding may only end the input. False (memcached's 0) when nothing
// decodes.
bool Base64Decode(std::string_view in, std::string& out);

// Appends the padded standard encoding of `in` to `out`.
void Base64Append(std::string_view in, std::string& out);

}  // namespace memgate::protocol
