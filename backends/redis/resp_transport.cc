// TCP, unix-socket and TLS streams for a Redis connection (see
// resp_transport.h).
#include "backends/redis/resp_transport.h"

#include <openssl/ssl.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ssl/host_name_verification.hpp"
#include "boost/asio/write.hpp"

namespace memgate::backends::redis {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol::socket;

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

Transport::Transport(asio::io_context& loop, const RedisEndpoint& endpoint, asio::ssl::context* tls,
                     bool verify_host)
    : endpoint_(endpoint),
      verify_host_(verify_host),
      resolver_(loop),
      stream_(std::in_place_index<0>, loop) {
  if (endpoint.kind == RedisEndpoint::Kind::kUnix) {
    stream_.emplace<1>(loop);
  } else if (endpoint.kind == RedisEndpoint::Kind::kTls) {
    stream_.emplace<2>(loop, *tls);
  }
}

void Transport::ConnectTcp(tcp::socket& socket, ConnectHandler done) {
  resolver_.async_resolve(
      endpoint_.host, absl::StrCat(endpoint_.port),
      [this, &socket, done = std::move(done)](boost::system::error_code ec,
                                              tcp::resolver::results_type results) mutable {
        if (ec) {
          std::move(done)(ec);
          return;
        }
        asio::async_connect(socket, results,
                            [&socket, done = std::move(done)](boost::system::error_code ec,
                                                              const tcp::endpoint&) mutable {
                              if (!ec) socket.set_option(tcp::no_delay(true), ec);
                              std::move(done)(ec);
                            });
      });
}

void Transport::AsyncConnect(ConnectHandler done) {
  std::visit(Overloaded{
                 [&](tcp::socket& socket) { ConnectTcp(socket, std::move(done)); },
                 [&](unix_socket& socket) {
                   socket.async_connect(asio::local::stream_protocol::endpoint(endpoint_.path),
                                        std::move(done));
                 },
                 [&](TlsStream& stream) {
                   boost::system::error_code ec;
                   asio::ip::make_address(endpoint_.host, ec);
                   const bool is_address = !ec;
                   // SNI lets a TLS proxy in front of Redis pick the certificate.
                   if (!is_address)
                     SSL_set_tlsext_host_name(stream.native_handle(), endpoint_.host.c_str());
                   if (verify_host_) {
                     stream.set_verify_mode(asio::ssl::verify_peer);
                     stream.set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
                   } else {
                     stream.set_verify_mode(asio::ssl::verify_none);
                   }
                   ConnectTcp(stream.next_layer(), [&stream, done = std::move(done)](
                                                       boost::system::error_code ec) mutable {
                     if (ec) {
                       std::move(done)(ec);
                       return;
                     }
                     stream.async_handshake(asio::ssl::stream_base::client, std::move(done));
                   });
                 },
             },
             stream_);
}

void Transport::AsyncReadSome(asio::mutable_buffer buffer, IoHandler done) {
  std::visit([&](auto& stream) { stream.async_read_some(buffer, std::move(done)); }, stream_);
}

void Transport::AsyncWaitReadable(ConnectHandler done) {
  std::visit(
      [&](auto& stream) {
        stream.lowest_layer().async_wait(asio::socket_base::wait_read, std::move(done));
      },
      stream_);
}

std::size_t Transport::ReadReady(asio::mutable_buffer buffer, boost::system::error_code& ec) {
  return std::visit(Overloaded{
                        [&](TlsStream&) -> std::size_t {
                          ec = asio::error::operation_not_supported;
                          return 0;
                        },
                        [&](auto& socket) -> std::size_t {
                          // In non-blocking mode a read returns would_block
                          // instead of waiting; the async operations are
                          // unaffected.
                          if (!socket.non_blocking()) {
                            socket.non_blocking(true, ec);
                            if (ec) return 0;
                          }
                          return socket.receive(asio::mutable_buffers_1(buffer), 0, ec);
                        },
                    },
                    stream_);
}

void Transport::AsyncWrite(asio::const_buffer buffer, IoHandler done) {
  std::visit([&](auto& stream) { asio::async_write(stream, buffer, std::move(done)); }, stream_);
}

void Transport::Close() {
  boost::system::error_code ignored;
  resolver_.cancel();
  std::visit(Overloaded{
                 [&](tcp::socket& socket) { socket.close(ignored); },
                 [&](unix_socket& socket) { socket.close(ignored); },
                 [&](TlsStream& stream) { stream.lowest_layer().close(ignored); },
             },
             stream_);
}

}  // namespace memgate::backends::redis
