// Who a backend call is for: every call carries the client's identity so a
// backend can keep per-connection state (the seed's $client).
#pragma once

#include <cstdint>
#include <string>

namespace memgate::backends {

struct ClientContext {
  uint64_t id = 0;        // unique for the life of the process
  std::string peer;       // "127.0.0.1:53422", "[::1]:4000", "unix:/run/m.sock"
  std::string listener;   // id of the listener that accepted it ("" for serve(fd))
};

}  // namespace memgate::backends
