// Serves memcached's meta commands (mg ms md ma mn me): turns their flags into
// backend requests and builds the replies byte for byte as memcached 1.6.18
// does, flags echoed in the order the client gave them. What the backend's
// capabilities rule out is refused with a CLIENT_ERROR before any call.
#pragma once

#include "backends/backend.h"
#include "server/protocol/command.h"
#include "server/session.h"

namespace memgate::server {

class MetaDispatcher {
 public:
  MetaDispatcher(backends::Backend& backend, backends::Capabilities capabilities)
      : backend_(backend), capabilities_(capabilities) {}

  // `command` is a meta verb; its views need only live for this call.
  void Execute(const protocol::Command& command, Session& session);

 private:
  // True (and the refusal answered) when the backend cannot serve `command`.
  bool RefuseUnsupported(const protocol::Command& command, Session& session);
  void Get(const protocol::Command& command, Session& session);
  void Set(const protocol::Command& command, Session& session);
  void Delete(const protocol::Command& command, Session& session);
  void Arith(const protocol::Command& command, Session& session);
  void Debug(const protocol::Command& command, Session& session);

  backends::Backend& backend_;
  const backends::Capabilities capabilities_;
};

}  // namespace memgate::server
