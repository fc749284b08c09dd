// The byte stream under one Redis connection: TCP, a unix socket, or TLS over
// TCP (asio::ssl with OpenSSL), behind one small interface so the connection
// logic does not care which.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <variant>

#include "absl/functional/any_invocable.h"
#include "backends/redis/redis_url.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/local/stream_protocol.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/ssl/stream.hpp"

namespace memgate::backends::redis {

class Transport {
 public:
  using ConnectHandler = absl::AnyInvocable<void(boost::system::error_code)>;
  using IoHandler = absl::AnyInvocable<void(boost::system::error_code, std::size_t)>;

  // `tls` is required for a kTls endpoint and ignored otherwise; it must
  // outlive the transport. A transport connects once; reconnecting takes a
  // new one.
  Transport(boost::asio::io_context& loop, const RedisEndpoint& endpoint,
            boost::asio::ssl::context* tls, bool verify_host);

  // Resolves, connects and (for TLS) completes the handshake.
  void AsyncConnect(ConnectHandler done);
  void AsyncReadSome(boost::asio::mutable_buffer buffer, IoHandler done);
  // TCP and unix sockets (not TLS, whose stream takes one read at a time)
  // can also be read without waiting, between waits for readability.
  bool ReadsWithoutWaiting() const { return !std::holds_alternative<TlsStream>(stream_); }
  void AsyncWaitReadable(ConnectHandler done);
  // What has arrived, without waiting: the bytes read, or 0 with `ec` set
  // (would_block when nothing is there yet, eof when Redis closed,
  // operation_not_supported over TLS).
  std::size_t ReadReady(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);
  // Writes all of `buffer`.
  void AsyncWrite(boost::asio::const_buffer buffer, IoHandler done);
  // Cancels what is pending; handlers run with an error.
  void Close();

 private:
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  void ConnectTcp(boost::asio::ip::tcp::socket& socket, ConnectHandler done);

  const RedisEndpoint& endpoint_;
  const bool verify_host_;
  boost::asio::ip::tcp::resolver resolver_;
  std::variant<boost::asio::ip::tcp::socket, boost::asio::local::stream_protocol::socket, TlsStream>
      stream_;
};

}  // namespace memgate::backends::redis
