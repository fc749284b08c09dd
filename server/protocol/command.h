// A parsed memcached text-protocol command. Keys and the value are views into
// the connection's read buffer: valid until the parser's caller consumes the
// bytes the parse reported.
#pragma once

#include <array>
#include <cstdint>
#include <string>
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
  kShutdown,  // shutdown [graceful]: args holds the mode
  // slabs automove <0|1|2> or slabs automove ratio <r>: accepted, with no
  // effect (memgate has no slab rebalancer to steer).
  kSlabsAutomove,
  // Meta commands (memcached 1.6's mg ms md ma mn me).
  kMetaGet,
  kMetaSet,
  kMetaDelete,
  kMetaArith,
  kMetaNoop,
  kMetaDebug,
};

// memcached's MFLAG_MAX_OPT_LENGTH less the command, the key and the
// terminal token: the most flag tokens a meta command may carry (ms also
// spends one on its data length, so it gets one fewer).
inline constexpr std::size_t kMaxMetaFlags = 17;

// The flags of one meta command: which letters were given, every flag token
// in command order (replies echo O and k in that order, and t/T/N/R act in
// that order), and the numeric tokens already parsed. Fixed size: no
// allocation per command.
struct MetaFlags {
  static constexpr int Bit(char letter) {
    return letter >= 'a' ? 26 + (letter - 'a') : letter - 'A';
  }
  bool Has(char letter) const { return (present >> Bit(letter)) & 1; }
  void Set(char letter) { present |= uint64_t{1} << Bit(letter); }

  uint64_t present = 0;  // one bit per letter A-Z, a-z
  std::array<std::string_view, kMaxMetaFlags> tokens;
  uint8_t count = 0;
  int32_t ttl = 0;            // T: raw exptime
  int32_t vivify_ttl = 0;     // N: raw exptime
  int32_t recache_ttl = 0;    // R: raw exptime
  uint32_t client_flags = 0;  // F
  uint64_t compare_cas = 0;   // C
  uint64_t explicit_cas = 0;  // E: the changed item's new cas; 0 = the backend's own
  uint64_t delta = 1;         // D
  uint64_t initial = 0;       // J
  char mode = 0;              // M: the mode letter, 0 when not given
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
  // Meta commands: the flags; keys[0] is the key (base64-decoded when the
  // b flag is given, then it points into key_storage).
  MetaFlags meta;
  // Holds a decoded binary key. Reused from command to command, so it
  // allocates at most once per connection; keys[0] may point into it, so a
  // Command must not be copied while it does.
  std::string key_storage;
};

}  // namespace memgate::protocol
