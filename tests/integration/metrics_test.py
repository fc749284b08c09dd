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
            'memgate_backend_errors_total': 0,
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
