// A parsed memcached text-protocol command. Keys and the value are views into
// the connection's read buffer: valid until the parser's caller consumes the
// bytes the parse reported.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/container/inlined_vector.h"

namespace memgate::protocol {

enum class Verb : uint8_t {
  kGet,
  kGets,
  kGat,   // gat <exptime> <key>*
  kGats,  // gats <exptime> <key>*
  kSet,
  kAdd,
  kReplace,
  kAppend,
  kPrepend,
  kCas,
  kDelete,
  kIncr,
  kDecr,
  kTouch,
  kFlushAll,
  kStats,
  kVersion,
  kVerbosity,
  kQuit,
};

struct Command {
  Verb verb = Verb::kGet;
  // get/gets/gat/gats: every key (gat/gats may have none: memcached answers
  // END); every other keyed verb: exactly one.
  absl::InlinedVector<std::string_view, 4> keys;
  uint32_t flags = 0;  // storage commands; also the level of verbosity
  // Raw protocol exptime (relative seconds, absolute unix time, 0 = never,
  // negative = already expired); also the delay of flush_all. Always within
  // int32 range: memcached truncates larger numbers to 32 bits.
  int64_t exptime = 0;
  uint64_t cas = 0;    // cas: the compare value
  uint64_t delta = 0;  // incr/decr
  bool noreply = false;
  // Storage commands: the data block without its trailing "\r\n".
  std::string_view value;
  // stats: everything after "stats " (empty for plain stats).
  std::string_view args;
};

}  // namespace memgate::protocol
