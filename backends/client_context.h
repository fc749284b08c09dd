// Who a backend call is for: every call carries the client's identity so a
// backend can keep per-connection state (the seed's $client).
#pragma once

#include <cstdint>
#include <string>

namespace memgate::backends {

struct ClientContext {
  uint64_t id = 0;       // unique for the life of the process
  std::string peer;      // "127.0.0.1:53422", "[::1]:4000", "unix:/run/m.sock"
  std::string listener;  // id of the listener that accepted it ("" for serve(fd))
  // Index of the server event loop the client lives on (0 .. threads-1), or
  // -1 off the server (tests, embedders calling a backend directly).
  int loop = -1;
};

}  // namespace memgate::backends
