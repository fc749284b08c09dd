// The replies a memcached client may be sent, as a checker over a whole
// reply stream: each line is one known classic or meta reply form, and each
// value's data block has the length its header announced, then "\r\n".
#pragma once

#include <string>
#include <string_view>

namespace memgate::fuzz {

// Empty when `replies` is a sequence of well-formed replies; otherwise where
// the first malformed one starts and why it is refused.
std::string ReplyStreamError(std::string_view replies);

}  // namespace memgate::fuzz
