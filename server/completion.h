// Backend completions for ordered reply slots: a completion formats its
// result into the slot it was given, on the session's thread (hopping there
// first when the backend completed on another thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "server/session.h"

namespace memgate::server {

// Formats a completed result into the session's reply slot. `format` returns
// true when the connection must close after the reply.
template <typename Result, typename Format>
void Deliver(Session& session, uint64_t seq, Result& result, Format& format) {
  bool close_after = format(session, session.ReplyBuffer(seq), result);
  session.FinishReply(seq, close_after);
}

// The backend completion for one reply slot: formats inline when the backend
// completed on the session's thread, otherwise hops there first.
template <typename Result, typename Format>
auto Completion(Session& session, uint64_t seq, Format format) {
  return [session = session.shared_from_this(), seq,
          format = std::move(format)](Result result) mutable {
    if (session->OnSessionThread()) {
      Deliver(*session, seq, result, format);
      return;
    }
    Session* target = session.get();
    target->Post([session = std::move(session), seq, format = std::move(format),
                  result = std::move(result)]() mutable {
      Deliver(*session, seq, result, format);
    });
  };
}

}  // namespace memgate::server
