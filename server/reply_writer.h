// What a reply formatter writes through: text, and the values of hits, which
// leave straight from the backend's memory when that is cheaper than a copy.
// It hides which reply slot the bytes go to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "backends/backend.h"
#include "server/server_stats.h"
#include "server/session.h"

namespace memgate::server {

// Values at least this large leave from the backend's memory (a
// scatter-gather write) instead of being copied into the reply. Below it the
// copy costs less than the kernel's extra work on a gathered send (measured
// with bench/: even at 4 KiB, ahead from 8 KiB).
inline constexpr std::size_t kShareValuesFrom = 8 * 1024;

class ReplyWriter {
 public:
  ReplyWriter(Session& session, uint64_t seq)
      : session_(session), seq_(seq), text_(session.ReplyBuffer(seq)) {}

  // The reply's bytes so far, for the encoders in server/protocol/ to append to.
  std::string& text() { return text_; }
  void Append(std::string_view bytes) { text_.append(bytes); }

  // Whether AppendValue will send `hit`'s value from the backend's memory.
  static bool Shares(const backends::Hit& hit) {
    return hit.value.size() >= kShareValuesFrom && hit.owner;
  }
  // `hit`'s value and its "\r\n".
  void AppendValue(backends::Hit& hit) {
    if (Shares(hit)) {
      session_.AppendSharedValue(seq_, hit.value, std::move(hit.owner));
    } else {
      text_.append(hit.value);
    }
    text_.append("\r\n", 2);
  }

  // The client's event-loop counters.
  ThreadCounters& counters() { return session_.counters(); }
  const backends::ClientContext& client() const { return session_.client(); }

 private:
  Session& session_;
  const uint64_t seq_;
  std::string& text_;
};

}  // namespace memgate::server
