"""Live reload on SIGHUP: listeners added and removed (removed ones drain)
while clients on a kept listener keep working; per-listener limits and the
log level change live; what cannot change is reported; a bad file changes
nothing.

  reload_test.py --memgate PATH
"""

import os
import re
import signal
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def listeners_yaml(*entries):
    out = "listeners:\n"
    for e in entries:
        out += "  - " + "\n    ".join("%s: %s" % kv for kv in e.items()) + "\n"
    return out


class ReloadTest(unittest.TestCase):

    def setUp(self):
        self.dir = harness.temp_dir(self)
        self.path = os.path.join(self.dir, "memgate.yaml")

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)

    def start(self, text, *args):
        self.write(text)
        server = harness.Memgate(listen=(), args=["--config", self.path] + list(args))
        self.addCleanup(server.stop)
        return server

    def reload(self, server, done=r"reload \(SIGHUP\) (done|rejected)"):
        before = len(re.findall(done, server.log()))
        server.signal(signal.SIGHUP)
        self.assertTrue(harness.wait_until(
            lambda: len(re.findall(done, server.log())) > before), server.log())

    def bound(self, server, listener_id):
        m = re.findall(r"listening on (\S+):(\d+) \(listener %s\)" % re.escape(listener_id),
                       server.log())
        self.assertTrue(m, server.log())
        return (m[-1][0], int(m[-1][1]))

    def test_sighup_adds_and_removes_listeners_while_kept_clients_work(self):
        server = self.start(listeners_yaml({"id": "main", "address": "127.0.0.1:0"},
                                           {"id": "old", "address": "127.0.0.1:0"}))
        main, old = self.bound(server, "main"), self.bound(server, "old")
        kept = harness.Client(main)
        self.addCleanup(kept.close)
        on_old = harness.Client(old)
        self.addCleanup(on_old.close)
        self.assertEqual(kept.request(b"set k 0 0 1\r\na\r\n"), b"STORED\r\n")
        self.assertEqual(on_old.request(b"version\r\n")[:8], b"VERSION ")

        self.write(listeners_yaml({"id": "main", "address": "%s:%d" % main},
                                  {"id": "new", "address": "127.0.0.1:0"}))
        self.reload(server)
        self.assertIn("reload: listener new opened on", server.log())
        self.assertIn("reload: listener old removed (draining)", server.log())
        new = self.bound(server, "new")
        with harness.Client(new) as c:
            self.assertEqual(c.request(b"get k\r\n", b"END\r\n"), b"VALUE k 0 1\r\na\r\nEND\r\n")
        # The kept listener's client never noticed.
        self.assertEqual(kept.request(b"get k\r\n", b"END\r\n"), b"VALUE k 0 1\r\na\r\nEND\r\n")
        with harness.Client(main) as c:
            self.assertEqual(c.request(b"version\r\n")[:8], b"VERSION ")
        # The removed listener accepts no one, but drains: its client is
        # still served.
        with self.assertRaises(OSError):
            socket.create_connection(old, timeout=2).close()
        self.assertEqual(on_old.request(b"get k\r\n", b"END\r\n"),
                         b"VALUE k 0 1\r\na\r\nEND\r\n")

    def test_limits_and_log_level_change_live(self):
        server = self.start(listeners_yaml({"id": "main", "address": "127.0.0.1:0"}))
        main = self.bound(server, "main")
        first = harness.Client(main)
        self.addCleanup(first.close)
        first.request(b"version\r\n")
        self.write(listeners_yaml({"id": "main", "address": "%s:%d" % main,
                                   "max_clients": 1}) + "logging:\n  level: debug\n")
        self.reload(server)
        self.assertIn("reload: listener main: max_clients 1", server.log())
        self.assertIn("reload: log level debug", server.log())
        with harness.Client(main) as second:
            self.assertEqual(second.read_until(b"\r\n"), b"ERROR Too many open connections\r\n")
        self.assertEqual(first.request(b"version\r\n")[:8], b"VERSION ")

    def test_what_cannot_change_is_reported_and_left(self):
        server = self.start(listeners_yaml({"id": "main", "address": "127.0.0.1:0"}))
        main = self.bound(server, "main")
        self.write(listeners_yaml({"id": "main", "address": "%s:%d" % main}) +
                   "backend:\n  name: simple-memory\nlimits:\n  memory_mb: 8\n")
        self.reload(server)
        self.assertIn("reload: not applied: backend: changed; takes a restart", server.log())
        self.assertIn("reload: not applied: limits.memory_mb: changed; takes a restart",
                      server.log())
        with harness.Client(main) as c:
            self.assertEqual(harness.stats(c)["backend"], "memory")

    def test_bad_reload_changes_nothing(self):
        server = self.start(listeners_yaml({"id": "main", "address": "127.0.0.1:0"}))
        main = self.bound(server, "main")
        kept = harness.Client(main)
        self.addCleanup(kept.close)
        kept.request(b"version\r\n")
        for bad in ("listeners:\n  - id: main\n    address: nowhere\n",
                    "listeners: [\n",
                    listeners_yaml({"id": "main", "address": "%s:%d" % main}) + "bogus: 1\n"):
            self.write(bad)
            self.reload(server)
            self.assertRegex(server.log(), r"reload \(SIGHUP\) rejected, nothing changed: "
                                           + re.escape(self.path) + r":\d+: ")
        # A listener that cannot open rejects the reload too, and the one
        # opened before it in the same reload is closed again.
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        self.addCleanup(taken.close)
        self.write(listeners_yaml({"id": "main", "address": "%s:%d" % main},
                                  {"id": "a", "address": "127.0.0.1:0"},
                                  {"id": "b", "address": "127.0.0.1:%d" % taken.getsockname()[1]}))
        self.reload(server)
        self.assertIn("rejected, nothing changed: cannot bind", server.log())
        self.assertTrue(server.running())
        self.assertEqual(kept.request(b"version\r\n")[:8], b"VERSION ")
        with harness.Client(main) as c:
            self.assertEqual(c.request(b"version\r\n")[:8], b"VERSION ")
        # A good file afterwards applies as usual.
        self.write(listeners_yaml({"id": "main", "address": "%s:%d" % main},
                                  {"id": "a", "address": "127.0.0.1:0"}))
        self.reload(server)
        with harness.Client(self.bound(server, "a")) as c:
            self.assertEqual(c.request(b"version\r\n")[:8], b"VERSION ")


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
