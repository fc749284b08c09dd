"""A real Prometheus server (Debian's) scrapes memgate's /metrics after known
traffic; its HTTP API must report the counts memgate was sent.

  prometheus_scrape_test.py --memgate PATH
"""

import json
import os
import shutil
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PROMETHEUS = shutil.which("prometheus")


def api(base, path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read().decode())


class PrometheusScrapeTest(unittest.TestCase):

    def setUp(self):
        harness.require_binary(self, PROMETHEUS, "prometheus (scripts/install-deps test installs it)")
        self.server = harness.Memgate(listen=(), args=["--listen", "127.0.0.1:0",
                                                       "--metrics", "127.0.0.1:0"])
        self.addCleanup(self.server.stop)
        url = self.server.wait_for_line(r"metrics on http://(\S+)/metrics").group(1)
        work = harness.temp_dir(self)
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n"
                    "scrape_configs:\n  - job_name: memgate\n"
                    "    static_configs:\n      - targets: ['%s']\n" % url)
        port = harness.free_tcp_port()
        self.prometheus = harness.Process([
            PROMETHEUS, "--config.file=" + config,
            "--storage.tsdb.path=" + os.path.join(work, "data"),
            "--web.listen-address=127.0.0.1:%d" % port])
        self.addCleanup(self.prometheus.stop)
        self.base = "http://127.0.0.1:%d" % port
        harness.wait_until(self.ready, timeout=30)

    def ready(self):
        try:
            with urllib.request.urlopen(self.base + "/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def value(self, query):
        """The query's single value, or None while Prometheus has none."""
        result = api(self.base, "/api/v1/query", query=query)["data"]["result"]
        return float(result[0]["value"][1]) if len(result) == 1 else None

    def test_prometheus_sees_the_commands_sent(self):
        with harness.Client(self.server.address) as c:
            for i in range(7):
                self.assertEqual(c.request(b"set k%d 0 0 1\r\nx\r\n" % i), b"STORED\r\n")
            for i in range(5):
                c.request(b"get k%d\r\n" % i, b"END\r\n")
            c.request(b"get nope\r\n", b"END\r\n")
            self.assertEqual(c.request(b"delete k0\r\n"), b"DELETED\r\n")
        wanted = {
            'memgate_commands_total{command="set",status="hit"}': 7,
            'memgate_commands_total{command="get",status="hit"}': 5,
            'memgate_commands_total{command="get",status="miss"}': 1,
            'memgate_commands_total{command="delete",status="hit"}': 1,
            'memgate_up': 1,
        }
        deadline = time.monotonic() + 30
        seen = {}
        while time.monotonic() < deadline:
            seen = {q: self.value(q) for q in wanted}
            if seen == wanted:
                break
            time.sleep(0.5)
        self.assertEqual(seen, wanted)
        targets = api(self.base, "/api/v1/targets")["data"]["activeTargets"]
        self.assertEqual([t["health"] for t in targets], ["up"])


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
