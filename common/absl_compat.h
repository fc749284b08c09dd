// Debian's abseil is built with its own absl::string_view rather than
// std::string_view, so a std::string_view must be converted explicitly before
// it is handed to abseil (StrCat, SimpleAtoi, hash-map lookups, Status).
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace memgate {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view FromAbsl(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace memgate
