"""memgate at its limits, on the memory backend: 5,000 idle connections,
the idle timeout, lines that never end, and a set storm many times over
-m. memgate keeps answering the other clients right, its memory stays
bounded, and what it must close it closes (as memcached 1.6.18 does).
The connection limit (-c) is tested in clients_test.py.

  server_limits_test.py --memgate PATH --memcached PATH
"""

import os
import resource
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MIB_IN_KIB = 1024
IDLE_CONNECTIONS = 5000


def raise_open_files_limit(wanted):
    """Raises this process's RLIMIT_NOFILE (which memgate inherits) to at
    least `wanted`; False if the hard limit does not allow it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return True
    if hard != resource.RLIM_INFINITY and hard < wanted:
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return True


class ServerLimitsTest(unittest.TestCase):

    def start(self, *args):
        server = harness.Memgate(args=list(args))
        self.addCleanup(server.stop)
        return server

    def connect(self, server, timeout=10.0):
        c = harness.Client(server.address, timeout=timeout)
        self.addCleanup(c.close)
        return c

    def assert_serves(self, server, prefix, count=20):
        with harness.Client(server.address, timeout=10) as c:
            for i in range(count):
                key, value = b"%s:%d" % (prefix, i), b"value %d of %s" % (i, prefix)
                self.assertEqual(c.request(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(value), value)),
                                 b"STORED\r\n")
                self.assertEqual(c.request(b"get %s\r\n" % key, b"END\r\n"),
                                 b"VALUE %s 0 %d\r\n%s\r\nEND\r\n" % (key, len(value), value))

    def test_five_thousand_idle_connections(self):
        if not raise_open_files_limit(2 * IDLE_CONNECTIONS + 200):
            self.skipTest("RLIMIT_NOFILE's hard limit is below %d" % (2 * IDLE_CONNECTIONS + 200))
        server = self.start("-c", str(IDLE_CONNECTIONS + 100))
        watcher = self.connect(server)
        before_kib = harness.rss_kib(server.pid)
        idle = []
        self.addCleanup(lambda: [s.close() for s in idle])
        for _ in range(IDLE_CONNECTIONS):
            idle.append(socket.create_connection(server.address, timeout=10))

        def all_counted():
            return int(harness.stats(watcher)["curr_connections"]) == IDLE_CONNECTIONS + 1

        self.assertTrue(harness.wait_until(all_counted, 30.0), harness.stats(watcher))
        self.assert_serves(server, b"beside-idle")
        # The idle ones are served too, and cost little each.
        for s in idle[::500]:
            s.sendall(b"get beside-idle:3\r\n")
            with harness.Client(None, sock=s) as c:
                self.assertEqual(c.read_until(b"END\r\n"),
                                 b"VALUE beside-idle:3 0 22\r\nvalue 3 of beside-idle\r\nEND\r\n")
        per_connection = (harness.rss_kib(server.pid) - before_kib) / IDLE_CONNECTIONS
        self.assertLess(per_connection, 16, "KiB of RSS per idle connection")
        for s in idle:
            s.close()
        self.assertTrue(harness.wait_until(
            lambda: harness.stats(watcher)["curr_connections"] == "1", 30.0),
            harness.stats(watcher))
        self.assert_serves(server, b"after-idle")

    def test_idle_timeout_closes_idle_clients_only(self):
        server = self.start("-o", "idle_timeout=1")
        idle = self.connect(server)
        active = self.connect(server)
        self.assertEqual(idle.request(b"set k 0 0 1\r\nv\r\n"), b"STORED\r\n")
        self.assertFalse(idle.is_closed(0.5), "closed before its timeout")
        for _ in range(10):  # 2.5 s of a command every 0.25 s
            self.assertEqual(active.request(b"get k\r\n", b"END\r\n"),
                             b"VALUE k 0 1\r\nv\r\nEND\r\n")
            time.sleep(0.25)
        self.assertTrue(idle.is_closed(5.0), "an idle client stayed connected")
        self.assertEqual(idle.buf, b"")  # closed without a word, as memcached does
        self.assertEqual(active.request(b"get k\r\n", b"END\r\n"), b"VALUE k 0 1\r\nv\r\nEND\r\n")
        stats = harness.stats(active)
        self.assertEqual(stats["curr_connections"], "1")
        self.assertEqual(stats["idle_kicks"], "1")  # as memcached counts them

    def test_a_line_without_newline_closes_as_memcached_does(self):
        memcached = harness.Memcached()
        self.addCleanup(memcached.stop)
        server = self.start()
        for address in (memcached.address, server.address):
            with self.subTest(server=address):
                # A command line is at most 2048 bytes without its newline.
                c = harness.Client(address)
                self.addCleanup(c.close)
                c.send(b"set k 0 0 1" + b" " * 2037)
                self.assertFalse(c.is_closed(0.3))
                c.send(b" ")
                self.assertTrue(c.is_closed(5.0))
                self.assertEqual(c.buf, b"")
                # Slowly, one 100-byte piece at a time: the same.
                slow = harness.Client(address)
                self.addCleanup(slow.close)
                for _ in range(30):
                    if not slow.send(b"x" * 100) or slow.is_closed(0.01):
                        break
                self.assertTrue(slow.is_closed(5.0))
                self.assertEqual(slow.buf, b"")

    def test_an_endless_get_line_is_closed_at_its_cap(self):
        server = self.start()
        baseline = harness.rss_kib(server.pid)
        endless = self.connect(server)
        piece = b"get" + b" key-that-never-ends" * 50_000  # 1 MB
        peak = baseline
        sent = 0
        while sent < 200 * 1024 * 1024 and endless.send(piece):
            sent += len(piece)
            peak = max(peak, harness.rss_kib(server.pid))
            piece = piece.replace(b"get", b"   ", 1)
        self.assertTrue(endless.is_closed(5.0), "a get line past 64 MiB was kept")
        # 64 MiB, and what the kernel's socket buffers took meanwhile.
        self.assertLess(sent, 100 * 1024 * 1024)
        # The line's buffer (64 MiB, and the copy while it doubles) and no more.
        self.assertLess(peak - baseline, 200 * MIB_IN_KIB, "RSS peak %d KiB" % peak)
        self.assert_serves(server, b"after-endless")
        self.assertTrue(harness.wait_until(
            lambda: harness.rss_kib(server.pid) - baseline < 32 * MIB_IN_KIB, 5.0),
            "RSS stayed at %d KiB after the line closed" % harness.rss_kib(server.pid))

    def test_set_storm_over_the_memory_limit(self):
        # 4 writers, 20,000 distinct 10 KB values: 6 times -m 32.
        limit_mib, value_size, writers, per_writer, batch, newest = 32, 10_000, 4, 5000, 50, 100
        server = self.start("-m", str(limit_mib))
        start_kib = harness.rss_kib(server.pid)
        peak = [start_kib]
        done = threading.Event()

        def sample():
            while not done.wait(0.02):
                peak[0] = max(peak[0], harness.rss_kib(server.pid))

        def value_of(w, i):
            head = b"writer %d item %d " % (w, i)
            return head + bytes([97 + (i + w) % 26]) * (value_size - len(head))

        errors = []

        def write(w):
            try:
                with harness.Client(server.address, timeout=30) as c:
                    for first in range(0, per_writer, batch):
                        c.send(b"".join(b"set storm:%d:%d 0 0 %d\r\n%s\r\n" %
                                        (w, i, value_size, value_of(w, i))
                                        for i in range(first, first + batch)))
                        replies = c.read_until(b"STORED\r\n" * batch)
                        if replies != b"STORED\r\n" * batch:
                            errors.append(replies[:200])
                            return
            except Exception as e:  # reported below
                errors.append(repr(e))

        def write_and_read_newest(w):
            # Once every writer is done: 100 more each, read back at once.
            try:
                with harness.Client(server.address, timeout=30) as c:
                    for i in range(per_writer, per_writer + newest):
                        request = b"set storm:%d:%d 0 0 %d\r\n%s\r\n" % (w, i, value_size,
                                                                         value_of(w, i))
                        if c.request(request) != b"STORED\r\n":
                            errors.append("storm:%d:%d not stored" % (w, i))
                    for i in range(per_writer, per_writer + newest):
                        expected = b"VALUE storm:%d:%d 0 %d\r\n%s\r\nEND\r\n" % (
                            w, i, value_size, value_of(w, i))
                        if c.request(b"get storm:%d:%d\r\n" % (w, i), b"END\r\n") != expected:
                            errors.append("storm:%d:%d lost" % (w, i))
            except Exception as e:  # reported below
                errors.append(repr(e))

        sampler = threading.Thread(target=sample)
        sampler.start()
        for phase in (write, write_and_read_newest):
            threads = [threading.Thread(target=phase, args=(w,)) for w in range(writers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
        done.set()
        sampler.join()
        self.assertEqual(errors, [])
        c = self.connect(server)
        stats = harness.stats(c)
        self.assertGreater(int(stats["evictions"]), 0)
        self.assertLessEqual(int(stats["bytes"]), limit_mib * 1024 * 1024)
        # docs/operations.md's Reliability bound: the limit, what memgate held at start,
        # and 8 MiB for the connections' buffers.
        bound = limit_mib * MIB_IN_KIB + start_kib + 8 * MIB_IN_KIB
        self.assertLessEqual(peak[0], bound, "RSS peaked at %d KiB (start %d KiB)" %
                             (peak[0], start_kib))


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
