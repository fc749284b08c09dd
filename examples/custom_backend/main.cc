// A memcached server whose storage is a handful of lambdas over a std::map,
// in the shape of Memcached::Server's synopsis: put your own system behind
// the lambdas and every memcached client can use it.
//
// usage: custom_backend [ADDRESS] [--no-extra]     (default 127.0.0.1:11311)
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "backends/callback_store.h"
#include "backends/metadata_layer.h"
#include "server/server.h"

using memgate::backends::BeginReply;
using memgate::backends::CallbackStore;
using memgate::backends::ClientContext;
using memgate::backends::MetadataLayer;
using memgate::backends::SetReply;

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:11311";
  bool no_extra = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--no-extra") {
      no_extra = true;
    } else {
      address = arg;
    }
  }

  // The "existing system": here a map; in real life a database, an API...
  std::mutex mu;
  std::map<std::string, std::string> data;

  // Answer after releasing the lock: a reply may run the next step of a
  // composite command (append is get-then-set) straight away, on this thread.
  CallbackStore store({
      .find =
          [&](const std::string& key, const ClientContext&, auto reply) {
            bool found;
            {
              std::lock_guard lock(mu);
              found = data.contains(key);
            }
            reply(found);
          },
      .get =
          [&](const std::string& key, const ClientContext&, auto reply) {
            std::optional<std::string> value;
            {
              std::lock_guard lock(mu);
              if (auto it = data.find(key); it != data.end()) value = it->second;
            }
            reply(std::move(value));
          },
      .set =
          [&](const std::string& key, uint32_t, int64_t, const std::string& value,
              const ClientContext&, auto reply) {
            // The seed's -1 / -2: refuse with an error that keeps or closes
            // the connection.
            if (key == "readonly") {
              return reply(SetReply{.error = {{"key is read-only", false}}});
            }
            {
              std::lock_guard lock(mu);
              data[key] = value;
            }
            reply(SetReply{});
          },
      .del =
          [&](const std::string& key, const ClientContext&, auto reply) {
            bool erased;
            {
              std::lock_guard lock(mu);
              erased = data.erase(key) > 0;
            }
            reply(erased);
          },
      .flush_all =
          [&](const ClientContext&, auto reply) {
            {
              std::lock_guard lock(mu);
              data.clear();
            }
            reply();
          },
      .begin =
          [](const ClientContext& client, auto reply) {
            std::fprintf(stderr, "custom_backend: client %llu connected from %s\n",
                         static_cast<unsigned long long>(client.id), client.peer.c_str());
            reply(BeginReply{});
          },
      .end =
          [](const ClientContext& client) {
            std::fprintf(stderr, "custom_backend: client %llu left\n",
                         static_cast<unsigned long long>(client.id));
          },
  });
  MetadataLayer backend(store, {.no_extra = no_extra});

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  memgate::server::Server server(backend, {.threads = 1});
  auto listener = server.Open(address);
  if (!listener.ok()) {
    std::fprintf(stderr, "custom_backend: %s\n", std::string(listener.status().message()).c_str());
    return 1;
  }
  server.Start();
  std::fprintf(stderr, "custom_backend: listening on %s\n", listener->bound_address.c_str());
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server.Stop();
  return 0;
}
