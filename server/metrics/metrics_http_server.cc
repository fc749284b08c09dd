// MetricsHttpServer: accept, read the request head (bounded in size and
// time), answer, close.
#include "server/metrics/metrics_http_server.h"

#include <unistd.h>

#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/post.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/streambuf.hpp"
#include "boost/asio/write.hpp"
#include "common/absl_compat.h"
#include "server/address.h"
#include "server/metrics/exposition.h"

namespace memgate::server::metrics {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxRequestHead = 8192;
constexpr auto kRequestTimeout = std::chrono::seconds(10);

std::string Response(std::string_view status, std::string_view content_type, std::string_view body,
                     bool with_body, std::string_view extra = "") {
  std::string out = absl::StrCat(
      "HTTP/1.1 ", ToAbsl(status), "\r\nContent-Type: ", ToAbsl(content_type),
      "\r\nContent-Length: ", body.size(), "\r\n", ToAbsl(extra), "Connection: close\r\n\r\n");
  if (with_body) out.append(body);
  return out;
}

}  // namespace

std::string RespondTo(std::string_view request_head, const MetricsHandler& handler) {
  const std::size_t line_end = request_head.find("\r\n");
  std::string_view line = request_head.substr(0, line_end);
  std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(line), ' ');
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.") ||
      !absl::StartsWith(parts[1], "/")) {
    return Response("400 Bad Request", "text/plain", "bad request\n", true);
  }
  const absl::string_view method = parts[0];
  absl::string_view path = parts[1];
  path = path.substr(0, path.find('?'));
  if (method != "GET" && method != "HEAD") {
    return Response("405 Method Not Allowed", "text/plain", "only GET and HEAD\n", true,
                    "Allow: GET, HEAD\r\n");
  }
  const bool with_body = method == "GET";
  if (path != "/metrics") {
    return Response("404 Not Found", "text/plain", "metrics are at /metrics\n", with_body);
  }
  return Response("200 OK", kExpositionContentType, handler(), with_body);
}

// One connection: read the head, answer, close; a client that sends nothing
// is closed at the timeout.
class MetricsHttpServer::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::generic::stream_protocol::socket socket, const MetricsHandler& handler)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        request_(kMaxRequestHead),
        handler_(handler) {}

  void Start() {
    timer_.expires_after(kRequestTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
      if (!error) self->Close();
    });
    asio::async_read_until(socket_, request_, "\r\n\r\n",
                           [self = shared_from_this()](const boost::system::error_code& error,
                                                       std::size_t n) { self->OnRead(error, n); });
  }

 private:
  void OnRead(const boost::system::error_code& error, std::size_t n) {
    if (error == asio::error::not_found) {
      reply_ = Response("431 Request Header Fields Too Large", "text/plain", "too large\n", true);
    } else if (error) {
      Close();
      return;
    } else {
      const std::string_view head(static_cast<const char*>(request_.data().data()), n);
      reply_ = RespondTo(head, handler_);
    }
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        self->Close();
                      });
  }

  void Close() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::generic::stream_protocol::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf request_;
  const MetricsHandler& handler_;
  std::string reply_;
};

MetricsHttpServer::MetricsHttpServer(MetricsHandler handler)
    : handler_(std::move(handler)), acceptor_(io_) {}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    std::string_view address, MetricsHandler handler) {
  absl::StatusOr<Endpoint> endpoint = ResolveAddress(address);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer(std::move(handler)));
  auto fail = [&](std::string_view what, const boost::system::error_code& error) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot ", ToAbsl(what), " ",
                                               ToAbsl(address), ": ", error.message()));
  };
  boost::system::error_code error;
  Acceptor& acceptor = server->acceptor_;
  acceptor.open(endpoint->protocol(), error);
  if (error) return fail("open a socket for", error);
  if (IsUnixEndpoint(*endpoint)) {
    ::unlink(FormatEndpoint(*endpoint).substr(5).c_str());
  } else {
    acceptor.set_option(Acceptor::reuse_address(true), error);
  }
  acceptor.bind(*endpoint, error);
  if (error) return fail("bind", error);
  acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return fail("listen on", error);
  server->bound_address_ = FormatEndpoint(acceptor.local_endpoint(error));
  server->Accept();
  server->thread_ = std::thread([s = server.get()] { s->io_.run(); });
  return server;
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Accept() {
  acceptor_.async_accept(
      [this](const boost::system::error_code& error, asio::generic::stream_protocol::socket s) {
        if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (!error) {
          std::make_shared<Exchange>(std::move(s), handler_)->Start();
        } else {
          // Out of descriptors: back off rather than spin.
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        Accept();
      });
}

void MetricsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    io_.stop();
  });
  thread_.join();
}

}  // namespace memgate::server::metrics
