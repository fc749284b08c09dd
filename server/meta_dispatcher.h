// Serves memcached's meta commands (mg ms md ma mn me): turns their flags into
// backend meta calls and builds the replies byte for byte as memcached 1.6.18
// does, flags echoed in the order the client gave them.
#pragma once

#include "backends/backend.h"
#include "server/protocol/command.h"
#include "server/session.h"

namespace memgate::server {

class MetaDispatcher {
 public:
  explicit MetaDispatcher(backends::Backend& backend) : backend_(backend) {}

  // `command` is a meta verb; its views need only live for this call.
  void Execute(const protocol::Command& command, Session& session);

 private:
  void Get(const protocol::Command& command, Session& session);
  void Set(const protocol::Command& command, Session& session);
  void Delete(const protocol::Command& command, Session& session);
  void Arith(const protocol::Command& command, Session& session);
  void Debug(const protocol::Command& command, Session& session);

  backends::Backend& backend_;
};

}  // namespace memgate::server
