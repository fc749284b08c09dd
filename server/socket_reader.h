// Reads a connection's socket the way memcached does: once a read has
// drained the socket, the next read waits for the socket to become readable
// instead of trying first. Asio's async_read_some tries a receive before
// waiting after every successful read, and on a connection whose client
// waits for its reply that receive fails with EAGAIN: one wasted system call
// per request. async_wait would avoid it but re-arms epoll (epoll_ctl) on
// every call instead.
//
// This is the reactor operation Asio's own receive uses, with one change: a
// read after which the kernel holds nothing more (TCP_INQ: no data and no
// FIN left) reports the socket as exhausted, which Asio's epoll reactor
// (Linux; the socket is registered edge-triggered) takes as "wait for the
// next event". Data or a FIN that arrives after the read raises that event.
// A short read alone would not do: data and a FIN that arrive together
// raise one event, and the FIN would never be read.
#pragma once

#include <cstddef>
#include <memory>

#include "boost/asio/buffer.hpp"
#include "boost/asio/generic/stream_protocol.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/system/error_code.hpp"
// After io_context.hpp, whose scheduler refers to the reactor type.
#include "boost/asio/detail/reactor.hpp"

#if !defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "SocketReader needs Asio's epoll reactor"
#endif

namespace memgate::server {

// One read at a time on one socket; the reader must outlive the socket's
// pending read (the owner passed to Start keeps both alive).
class SocketReader final : private boost::asio::detail::reactor_op {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;
  // Called on the socket's loop with the read's outcome (bytes is 0 on
  // error; asio::error::eof when the peer has closed).
  using OnRead = void (*)(void* owner, const boost::system::error_code& error, std::size_t bytes);

  // `socket` belongs to `loop` and is put in non-blocking mode.
  SocketReader(boost::asio::io_context& loop, Socket& socket);
  SocketReader(const SocketReader&) = delete;
  SocketReader& operator=(const SocketReader&) = delete;

  // Reads into `buffer` (not empty) as soon as the socket has data, then
  // calls on_read(owner.get(), ...) unless the loop is being destroyed.
  // `owner` is held until then. One read at a time. `try_first`: read at
  // once rather than wait for an event, even after a read that drained the
  // socket. A reset that arrives with the data it follows raises no later
  // event, and only a read or a write finds it: the caller tries first when
  // its last read led to no reply, whose write would have.
  void Start(boost::asio::mutable_buffer buffer, std::shared_ptr<void> owner, OnRead on_read,
             bool try_first);

 private:
  static status Perform(boost::asio::detail::reactor_op* base);
  static void Complete(void* scheduler, boost::asio::detail::operation* base,
                       const boost::system::error_code& ignored, std::size_t ignored_bytes);

  boost::asio::detail::reactor& reactor_;
  Socket& socket_;
  boost::asio::mutable_buffer buffer_;
  std::shared_ptr<void> owner_;
  OnRead on_read_ = nullptr;
  bool tcp_inq_ = false;  // TCP_INQ is on: reads say what is left
  // The last read drained the socket: the reactor waits for an event
  // before the next one.
  bool exhausted_ = false;
};

}  // namespace memgate::server
