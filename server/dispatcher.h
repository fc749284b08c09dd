// Turns parse outcomes into backend calls and backend outcomes into
// memcached replies, counting what `stats` reports.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "backends/backend.h"
#include "server/get_batch.h"
#include "server/meta_dispatcher.h"
#include "server/multi_get.h"
#include "server/protocol/command.h"
#include "server/protocol/parser.h"
#include "server/server_stats.h"
#include "server/session.h"
#include "server/stats_reply.h"

namespace memgate::server {

class Dispatcher {
 public:
  Dispatcher(backends::Backend& backend, ServerStats& stats, ServerFacts facts);

  // Answers one parse outcome (kCommand or kError) for `session`. The
  // command's views need only live for this call. Each answer goes to a slot
  // reserved now, so replies keep command order even when the backend
  // completes later.
  void Execute(const protocol::ParseResult& parsed, const protocol::Command& command,
               Session& session);

  // Asks for the next part of a retrieval answered a part at a time; its
  // reply goes to a slot reserved now, with END after the last part.
  void RetrievePart(const std::shared_ptr<MultiGet>& get, Session& session);

  // Asks for a batch of consecutive get/gets commands in one backend call
  // and clears it; each command's reply goes to its own slot, reserved now.
  void RetrieveBatch(GetBatch& batch, Session& session);

  // True when the backend may receive a client's next command before the
  // previous one completed.
  bool PipelinesInOrder() const { return capabilities_.in_order; }

  backends::Backend& backend() { return backend_; }

 private:
  void Run(const protocol::Command& command, Session& session);
  // A parse error: its reply, after dropping the key's old value when the
  // refused command was a store whose value was too large (as memcached does).
  void Refuse(const protocol::ParseResult& parsed, Session& session);
  void Retrieve(const protocol::Command& command, Session& session);
  // `keys` of a retrieval, in one call: the whole of it, or a part of
  // `part_of` (which hears how the part went).
  void RetrieveKeys(protocol::Verb verb, int64_t exptime, std::span<const std::string_view> keys,
                    std::shared_ptr<MultiGet> part_of, Session& session);
  void Store(const protocol::Command& command, Session& session);
  void Delete(const protocol::Command& command, Session& session);
  void Arith(const protocol::Command& command, Session& session);
  void Touch(const protocol::Command& command, Session& session);
  void FlushAll(const protocol::Command& command, Session& session);
  void Stats(const protocol::Command& command, Session& session);
  void Shutdown(const protocol::Command& command, Session& session);

  backends::Backend& backend_;
  ServerStats& stats_;
  const ServerFacts facts_;
  const backends::Capabilities capabilities_;
  MetaDispatcher meta_;
};

}  // namespace memgate::server
