// Prometheus metrics: the exposition writer's escaping and number forms,
// the HTTP answers, and the metrics of an in-process server after known
// traffic, scraped over a socket.
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "backends/memory/memory_backend.h"
#include "gtest/gtest.h"
#include "server/metrics/exposition.h"
#include "server/metrics/metrics_http_server.h"
#include "server/metrics/server_metrics.h"
#include "server/server.h"
#include "tests/server/test_client.h"

namespace memgate::server::metrics {
namespace {

using testing::TestClient;

TEST(ExpositionTest, FamiliesAndSamples) {
  ExpositionWriter w;
  w.Family("m_total", "counter", "Help with \\ and\nnewline \"quoted\".");
  w.Sample("m_total", {{"a", "x"}, {"b", "back\\slash \"q\"\nnl"}},
           uint64_t{18446744073709551615u});
  w.Sample("m_total", uint64_t{0});
  EXPECT_EQ(w.text(),
            "# HELP m_total Help with \\\\ and\\nnewline \"quoted\".\n"
            "# TYPE m_total counter\n"
            "m_total{a=\"x\",b=\"back\\\\slash \\\"q\\\"\\nnl\"} 18446744073709551615\n"
            "m_total 0\n");
}

TEST(ExpositionTest, Values) {
  struct Case {
    double value;
    std::string text;
  };
  for (const Case& c : std::vector<Case>{{0, "0"},
                                         {-3, "-3"},
                                         {1e15, "1000000000000000"},
                                         {0.25, "0.25"},
                                         {1.5e300, "1.5000000000000001e+300"},
                                         {std::numeric_limits<double>::quiet_NaN(), "NaN"},
                                         {std::numeric_limits<double>::infinity(), "+Inf"},
                                         {-std::numeric_limits<double>::infinity(), "-Inf"}}) {
    EXPECT_EQ(FormatValue(c.value), c.text);
  }
}

TEST(MetricsHttpTest, Answers) {
  const MetricsHandler handler = [] { return std::string("m 1\n"); };
  struct Case {
    std::string request;
    std::string starts;
    bool has_body;
  };
  for (const Case& c : std::vector<Case>{
           {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n", true},
           {"GET /metrics?name[]=up HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK\r\n", true},
           {"HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", false},
           {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", true},
           {"POST /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n", true},
           {"GET /metrics\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", true},
           {"hello\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", true},
       }) {
    const std::string response = RespondTo(c.request, handler);
    EXPECT_TRUE(response.starts_with(c.starts)) << c.request << response;
    const std::string body = response.substr(response.find("\r\n\r\n") + 4);
    EXPECT_EQ(body.empty(), !c.has_body) << c.request << response;
  }
  const std::string ok = RespondTo("GET /metrics HTTP/1.1\r\n\r\n", handler);
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_TRUE(ok.ends_with("\r\n\r\nm 1\n"));
}

TEST(ServerMetricsTest, CountsKnownTraffic) {
  backends::MemoryBackend backend;
  Server server(backend, ServerOptions{.threads = 2});
  auto listener = server.Open(ListenerOptions{.id = "main", .address = "127.0.0.1:0"});
  ASSERT_TRUE(listener.ok()) << listener.status();
  server.Start();
  auto http =
      MetricsHttpServer::Start("127.0.0.1:0", [&server] { return CollectServerMetrics(server); });
  ASSERT_TRUE(http.ok()) << http.status();
  {
    TestClient client(listener->bound_address);
    EXPECT_EQ(client.Call("set a 0 0 1\r\nx\r\n"), "STORED\r\n");
    EXPECT_EQ(client.Call("get a b c\r\n", "END\r\n"), "VALUE a 0 1\r\nx\r\nEND\r\n");
    EXPECT_EQ(client.Call("delete zz\r\n"), "NOT_FOUND\r\n");
    EXPECT_EQ(client.Call("incr a 1\r\n"),
              "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    EXPECT_EQ(client.Call("cas a 0 0 1 999\r\ny\r\n"), "EXISTS\r\n");

    TestClient scrape((*http)->bound_address());
    scrape.Send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
    bool closed = false;
    const std::string text = scrape.ReadUntilClosed(closed);
    EXPECT_TRUE(closed);
    for (const char* line : {
             "memgate_up 1\n",
             "memgate_commands_total{command=\"get\",status=\"hit\"} 1\n",
             "memgate_commands_total{command=\"get\",status=\"miss\"} 2\n",
             // As memcached's cmd_set, a cas counts as a set too.
             "memgate_commands_total{command=\"set\",status=\"hit\"} 2\n",
             "memgate_commands_total{command=\"delete\",status=\"miss\"} 1\n",
             "memgate_commands_total{command=\"cas\",status=\"badval\"} 1\n",
             "memgate_current_items 1\n",
             "memgate_current_connections{listener=\"main\"} 1\n",
             "memgate_connections_total{listener=\"main\"} 1\n",
             "memgate_listener_state{listener=\"main\",state=\"accepting\"} 1\n",
             "memgate_listener_state{listener=\"main\",state=\"draining\"} 0\n",
             "# TYPE memgate_read_bytes_total counter\n",
         }) {
      EXPECT_NE(text.find(line), std::string::npos) << line << text;
    }
  }
  (*http)->Stop();
  server.Stop();
}

// A backend that stores nothing and reports fixed numbers, with no
// `stats backend` lines: the metrics take the numbers as the backend typed
// them.
class NumbersOnlyBackend final : public backends::Backend {
 public:
  explicit NumbersOnlyBackend(backends::StatsResult stats) : stats_(std::move(stats)) {}

  std::string_view Name() const override { return "numbers"; }
  backends::Capabilities capabilities() const override { return {}; }
  void Get(const backends::ClientContext&, const backends::GetRequest&,
           Done<backends::GetResult> done) override {
    std::move(done)({});
  }
  void Store(const backends::ClientContext&, const backends::StoreRequest&,
             Done<backends::StoreResult> done) override {
    std::move(done)({});
  }
  void Delete(const backends::ClientContext&, const backends::DeleteRequest&,
              Done<backends::DeleteResult> done) override {
    std::move(done)({});
  }
  void Arith(const backends::ClientContext&, const backends::ArithRequest&,
             Done<backends::ArithResult> done) override {
    std::move(done)({});
  }
  void Touch(const backends::ClientContext&, const backends::TouchRequest&,
             Done<backends::TouchResult> done) override {
    std::move(done)({});
  }
  void FlushAll(const backends::ClientContext&, const backends::FlushRequest&,
                Done<backends::FlushResult> done) override {
    std::move(done)({});
  }
  void Stats(Done<backends::StatsResult> done) override { std::move(done)(stats_); }

 private:
  const backends::StatsResult stats_;
};

TEST(ServerMetricsTest, BackendNumbersComeFromTheTypedStats) {
  NumbersOnlyBackend backend(backends::StatsResult{.items = {.curr_items = 3,
                                                             .total_items = 9,
                                                             .bytes = 4096,
                                                             .limit_maxbytes = 1 << 20,
                                                             .evictions = 2,
                                                             .reclaimed = 5},
                                                   .reconnects = 7});
  Server server(backend, ServerOptions{.threads = 1});
  const std::string text = CollectServerMetrics(server);
  for (const char* line : {
           "memgate_up 1\n",
           "memgate_current_items 3\n",
           "memgate_items_total 9\n",
           "memgate_items_evicted_total 2\n",
           "memgate_items_reclaimed_total 5\n",
           "memgate_current_bytes 4096\n",
           "memgate_limit_bytes 1048576\n",
           "memgate_backend_reconnects_total{backend=\"numbers\"} 7\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

}  // namespace
}  // namespace memgate::server::metrics
