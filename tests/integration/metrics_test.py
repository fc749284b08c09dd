"""--metrics: the real binary's Prometheus endpoint, scraped with urllib
after known traffic, with the counts checked.

  metrics_test.py --memgate PATH
"""

import os
import re
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.headers.get("Content-Type"), response.read().decode()


def samples(text):
    """{'name{labels}': float} for every sample line; fails on a bad line."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError("not an exposition line: %r" % line)
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


class MetricsTest(unittest.TestCase):

    def start(self, *args):
        server = harness.Memgate(listen=(), args=["--listen", "127.0.0.1:0",
                                                  "--metrics", "127.0.0.1:0"] + list(args))
        self.addCleanup(server.stop)
        url = server.wait_for_line(r"metrics on (http://\S+/metrics)").group(1)
        return server, url

    def test_counts_after_known_traffic(self):
        server, url = self.start("-c", "3")
        with harness.Client(server.address) as c:
            self.assertEqual(c.request(b"set a 0 0 1\r\nx\r\nset n 0 0 1\r\n5\r\n",
                                       b"STORED\r\nSTORED\r\n"), b"STORED\r\nSTORED\r\n")
            c.request(b"get a b\r\n", b"END\r\n")
            c.request(b"get a\r\n", b"END\r\n")
            self.assertEqual(c.request(b"delete b\r\n"), b"NOT_FOUND\r\n")
            self.assertEqual(c.request(b"delete a\r\n"), b"DELETED\r\n")
            self.assertEqual(c.request(b"incr n 2\r\n"), b"7\r\n")
            self.assertEqual(c.request(b"decr nope 1\r\n"), b"NOT_FOUND\r\n")
            self.assertEqual(c.request(b"touch n 100\r\n"), b"TOUCHED\r\n")
            self.assertEqual(c.request(b"flush_all\r\n"), b"OK\r\n")
            content_type, text = scrape(url)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")
        s = samples(text)
        expected = {
            'memgate_up': 1,
            'memgate_commands_total{command="get",status="hit"}': 2,
            'memgate_commands_total{command="get",status="miss"}': 1,
            'memgate_commands_total{command="set",status="hit"}': 2,
            'memgate_commands_total{command="delete",status="hit"}': 1,
            'memgate_commands_total{command="delete",status="miss"}': 1,
            'memgate_commands_total{command="incr",status="hit"}': 1,
            'memgate_commands_total{command="decr",status="miss"}': 1,
            'memgate_commands_total{command="touch",status="hit"}': 1,
            'memgate_commands_total{command="flush",status="hit"}': 1,
            'memgate_current_connections{listener="l1"}': 1,
            'memgate_connections_total{listener="l1"}': 1,
            'memgate_listener_state{listener="l1",state="accepting"}': 1,
            'memgate_max_connections': 3,
            'memgate_backend_errors_total{backend="memory",operation="get",'
            'reason="server_error"}': 0,
        }
        for name, value in expected.items():
            self.assertEqual(s.get(name), value, name + "\n" + text)
        self.assertGreater(s["memgate_read_bytes_total"], 100)
        self.assertGreater(s["memgate_written_bytes_total"], 50)
        self.assertIn("memgate_current_items", s)
        self.assertIn("memgate_items_evicted_total", s)
        self.assertIn("memgate_uptime_seconds", s)
        self.assertIn("# TYPE memgate_commands_total counter\n", text)

    def test_rejected_connections_and_closed_clients(self):
        server, url = self.start("-c", "1")
        with harness.Client(server.address) as first:
            first.request(b"version\r\n")
            with harness.Client(server.address) as second:
                self.assertEqual(second.read_until(b"\r\n"),
                                 b"ERROR Too many open connections\r\n")
        self.assertTrue(harness.wait_until(
            lambda: samples(scrape(url)[1])['memgate_current_connections{listener="l1"}'] == 0))
        s = samples(scrape(url)[1])
        self.assertEqual(s["memgate_connections_rejected_total"], 1)
        self.assertEqual(s['memgate_connections_total{listener="l1"}'], 1)

    def test_stats_items_and_slabs_name_what_memcached_names(self):
        """memcached_exporter and other scrapers of memcached read these."""
        memcached = harness.Memcached()
        self.addCleanup(memcached.stop)
        server, _ = self.start()

        def lines(address, command):
            with harness.Client(address) as c:
                raw = c.request(command, b"END\r\n")
            self.assertTrue(raw.endswith(b"END\r\n"), raw)
            out = [line.decode() for line in raw.split(b"\r\n")[:-2]]
            for line in out:
                self.assertRegex(line, r"^STAT [a-z_0-9:]+ \d+$")
            return dict(line.split(" ")[1:] for line in out)

        # Empty: no class at all.
        for address in (memcached.address, server.address):
            self.assertEqual(lines(address, b"stats items\r\n"), {})
            self.assertEqual(sorted(lines(address, b"stats slabs\r\n")),
                             ["active_slabs", "total_malloced"])
        for address in (memcached.address, server.address):
            with harness.Client(address) as c:
                for i in range(3):
                    c.request(b"set k%d 0 0 5\r\nhello\r\n" % i)
                c.request(b"get k0\r\n", b"END\r\n")
        mc_items = lines(memcached.address, b"stats items\r\n")
        mg_items = lines(server.address, b"stats items\r\n")
        strip = lambda names: sorted({n.split(":", 2)[2] for n in names})  # noqa: E731
        self.assertEqual(strip(mg_items), strip(mc_items))
        self.assertEqual(mg_items["items:1:number"], "3")
        mc_slabs = lines(memcached.address, b"stats slabs\r\n")
        mg_slabs = lines(server.address, b"stats slabs\r\n")
        per_class = lambda names: sorted({n.split(":", 1)[1] for n in names if ":" in n})  # noqa: E731
        self.assertEqual(per_class(mg_slabs), per_class(mc_slabs))
        self.assertEqual(mg_slabs["1:used_chunks"], "3")
        self.assertEqual(mg_slabs["1:get_hits"], "1")
        self.assertEqual(mg_slabs["1:cmd_set"], "3")
        self.assertEqual(mg_slabs["active_slabs"], "1")

    def test_backend_failures_by_operation_and_duration_histogram(self):
        port = harness.free_tcp_port()  # nothing listens there
        server, url = self.start("--backend", "redis", "--redis-url",
                                 "redis://127.0.0.1:%d" % port, "--redis-timeout", "200ms")
        with harness.Client(server.address) as c:
            for i in range(32):
                self.assertTrue(c.request(b"get k%d\r\n" % i).startswith(b"SERVER_ERROR "))
            self.assertTrue(c.request(b"set k 0 0 1\r\nx\r\n").startswith(b"SERVER_ERROR "))
            s = samples(scrape(url)[1])
        labels = 'backend="redis",operation="%s"'
        self.assertEqual(s['memgate_backend_errors_total{%s,reason="server_error"}'
                           % (labels % "get")], 32)
        self.assertEqual(s['memgate_backend_errors_total{%s,reason="server_error"}'
                           % (labels % "store")], 1)
        self.assertEqual(s['memgate_backend_errors_total{%s,reason="closed"}'
                           % (labels % "get")], 0)
        # One call in 16 is timed: 2 of the 32 gets, all in the buckets.
        self.assertEqual(s['memgate_backend_request_duration_seconds_count{%s}'
                           % (labels % "get")], 2)
        self.assertEqual(s['memgate_backend_request_duration_seconds_bucket{%s,le="+Inf"}'
                           % (labels % "get")], 2)
        self.assertIn('memgate_backend_reconnects_total{backend="redis"}', s)

    def test_other_paths_and_methods(self):
        server, url = self.start()
        base = url[:-len("/metrics")]
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + "/", timeout=5)
        self.assertEqual(e.exception.code, 404)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(url, data=b"x", method="POST"),
                                   timeout=5)
        self.assertEqual(e.exception.code, 405)

    def test_bad_metrics_address_stops_memgate(self):
        server = harness.Memgate(args=["--metrics", "nowhere"], wait_ready=False)
        self.addCleanup(server.stop)
        server.proc.wait(timeout=10)
        self.assertEqual(server.proc.returncode, 2, server.log())
        self.assertIn('bad address "nowhere"', server.log())


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
