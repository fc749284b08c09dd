// A real redis-server for tests: started on a free port (and, on request, a
// unix socket or TLS), stopped by pid when the test ends or its process dies,
// restartable on the same port. Also a blocking admin client to look at and
// change what Redis holds behind the backend's back.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis::testing {

// A TCP port on loopback that nothing listens on right now.
int FreePort();

struct RedisServerOptions {
  bool unix_socket = false;
  // TLS only (--port 0): a certificate for "localhost" and 127.0.0.1 is made
  // with openssl in the server's directory.
  bool tls = false;
  // Where the TLS certificate is (made there when missing): servers that
  // must trust each other, like the nodes of a cluster, share one. Empty:
  // the server's own directory.
  std::string certificate_dir;
  std::vector<std::string> extra_args;
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts and waits until it answers PING. The port is chosen on the first
  // start and kept for restarts.
  absl::Status Start();
  // SIGTERM, then SIGKILL if it lingers; waits for the process.
  void Stop();
  // SIGKILL: Redis dies mid-traffic.
  void Kill();
  // SIGSTOP / SIGCONT: the socket stays open but nothing answers.
  void Freeze();
  void Thaw();

  // Picks the port now, for a backend that must be pointed at a Redis that
  // is not there yet.
  void ChoosePort();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const std::string& unix_path() const { return unix_path_; }
  const std::string& dir() const { return dir_; }
  std::string ca_file() const { return certificate_dir() + "/ca.pem"; }
  std::string url() const;

  // Runs one command on a fresh admin connection (plain TCP, or unix socket
  // for a TLS server); nullptr when Redis cannot be reached.
  struct ReplyFree {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
  };
  using Reply = std::unique_ptr<redisReply, ReplyFree>;
  Reply Command(const std::vector<std::string>& argv, int db = 0);
  // The reply as text: a string's bytes, an integer in decimal, "(nil)", an
  // error's message, "[a,b]" for arrays.
  std::string Text(const std::vector<std::string>& argv, int db = 0);

 private:
  void MakeCertificate();
  const std::string& certificate_dir() const {
    return options_.certificate_dir.empty() ? dir_ : options_.certificate_dir;
  }

  RedisServerOptions options_;
  std::string dir_;
  std::string unix_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace memgate::backends::redis::testing
