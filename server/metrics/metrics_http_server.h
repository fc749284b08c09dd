// A minimal HTTP/1.1 server for Prometheus scrapes: GET (or HEAD) /metrics on
// a thread of its own, one request per connection, so a scrape never runs
// on an event loop.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "boost/asio/basic_socket_acceptor.hpp"
#include "boost/asio/generic/stream_protocol.hpp"
#include "boost/asio/io_context.hpp"

namespace memgate::server::metrics {

// Makes the body of a /metrics answer; runs on the server's thread.
using MetricsHandler = std::function<std::string()>;

// The whole response to one request head (request line and headers, up to
// the blank line): 200 with the handler's text for GET /metrics, no body for
// HEAD, 404 for another path, 405 for another method, 400 for a malformed
// request.
std::string RespondTo(std::string_view request_head, const MetricsHandler& handler);

class MetricsHttpServer {
 public:
  // Listens on `address` (host:port, [v6]:port or unix:/path; port 0 picks
  // one). INVALID_ARGUMENT for a bad address, UNAVAILABLE when the OS
  // refuses it.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(std::string_view address,
                                                                  MetricsHandler handler);
  ~MetricsHttpServer();

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // With the real port when port 0 was asked for.
  const std::string& bound_address() const { return bound_address_; }
  // Closes the socket and joins the thread. Idempotent.
  void Stop();

 private:
  using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;
  class Exchange;

  explicit MetricsHttpServer(MetricsHandler handler);
  void Accept();

  MetricsHandler handler_;
  boost::asio::io_context io_;
  Acceptor acceptor_;
  std::string bound_address_;
  std::thread thread_;
};

}  // namespace memgate::server::metrics
