// SocketReader: Asio's receive operation, exhausted when the kernel says
// nothing is left.
#include "server/socket_reader.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "boost/asio/error.hpp"

namespace memgate::server {
namespace asio = boost::asio;

namespace {

// The socket's reactor registration, which basic_socket keeps protected.
struct ImplAccess : SocketReader::Socket {
  static auto& Of(SocketReader::Socket& socket) {
    constexpr auto kImpl = &ImplAccess::impl_;
    return (socket.*kImpl).get_implementation();
  }
};

}  // namespace

SocketReader::SocketReader(asio::io_context& loop, Socket& socket)
    : reactor_op(boost::system::error_code(), &SocketReader::Perform, &SocketReader::Complete),
      reactor_(asio::use_service<asio::detail::reactor>(loop)),
      socket_(socket) {
  // TCP reports what is left after each read; elsewhere (Unix sockets)
  // every read that returned data is followed by a try, as in Asio.
  const int on = 1;
  tcp_inq_ = setsockopt(socket_.native_handle(), SOL_TCP, TCP_INQ, &on, sizeof(on)) == 0;
}

void SocketReader::Start(asio::mutable_buffer buffer, std::shared_ptr<void> owner, OnRead on_read,
                         bool try_first) {
  buffer_ = buffer;
  owner_ = std::move(owner);
  on_read_ = on_read;
  ec_ = boost::system::error_code();
  bytes_transferred_ = 0;
  if (!socket_.non_blocking()) {
    socket_.non_blocking(true, ec_);
    if (ec_) {
      reactor_.post_immediate_completion(this, /*is_continuation=*/false);
      return;
    }
  }
  if (try_first && exhausted_ && Perform(this) != not_done) {
    reactor_.post_immediate_completion(this, /*is_continuation=*/false);
    return;
  }
  auto& impl = ImplAccess::Of(socket_);
  reactor_.start_op(asio::detail::reactor::read_op, impl.socket_, impl.reactor_data_, this,
                    /*is_continuation=*/false, /*allow_speculative=*/true);
}

asio::detail::reactor_op::status SocketReader::Perform(asio::detail::reactor_op* base) {
  auto* self = static_cast<SocketReader*>(base);
  self->exhausted_ = false;
  iovec data{self->buffer_.data(), self->buffer_.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  if (self->tcp_inq_) {
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
  }
  ssize_t bytes;
  do {
    bytes = recvmsg(ImplAccess::Of(self->socket_).socket_, &message, 0);
  } while (bytes < 0 && errno == EINTR);
  if (bytes < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;
    self->ec_ = boost::system::error_code(errno, asio::error::get_system_category());
    return done;
  }
  if (bytes == 0) {
    self->ec_ = asio::error::eof;
    self->exhausted_ = true;
    return done_and_exhausted;
  }
  self->bytes_transferred_ = static_cast<std::size_t>(bytes);
  if (!self->tcp_inq_) return done;
  // What the kernel still holds after this read; a received FIN counts
  // as 1, so the end is read before waiting.
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ) {
      int left;
      std::memcpy(&left, CMSG_DATA(c), sizeof(left));
      self->exhausted_ = left == 0;
      return left == 0 ? done_and_exhausted : done;
    }
  }
  return done;
}

void SocketReader::Complete(void* scheduler, asio::detail::operation* base,
                            const boost::system::error_code& /*ignored*/,
                            std::size_t /*ignored_bytes*/) {
  auto* self = static_cast<SocketReader*>(static_cast<asio::detail::reactor_op*>(base));
  // The owner may start the next read from on_read, or be the last holder
  // of this reader: nothing here touches `self` after the call.
  std::shared_ptr<void> owner = std::move(self->owner_);
  if (scheduler == nullptr) return;  // the loop is being destroyed
  const boost::system::error_code error = self->ec_;
  const std::size_t bytes = self->bytes_transferred_;
  self->on_read_(owner.get(), error, bytes);
}

}  // namespace memgate::server
