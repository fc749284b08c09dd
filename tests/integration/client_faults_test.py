"""Clients that misbehave, on one backend: a value cut short by a close, a
pipeline closed before its replies are read, clients that never read their
replies, and slow-loris clients. Through each, memgate keeps serving the
other clients with the right values, stores nothing of a half-sent value,
and its memory stays bounded.

  client_faults_test.py --memgate PATH [--backend NAME] [--sqlite-service PATH]

--backend is memory (default), simple-memory, redis (a redis-server of its
own) or grpc (the example SQLite service, whose binary --sqlite-service
names).
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

BACKEND = "memory"
SQLITE_SERVICE = None


def close_abruptly(sock, reset):
    """Closes with a FIN, or with a RST when reset is true."""
    if reset:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def stuffed_socket(address, data, seconds=1.0):
    """A connection that sends data over and over for `seconds` and never
    reads: it stalls once memgate stops reading from it."""
    sock = socket.create_connection(address, timeout=5)
    sock.setblocking(False)
    deadline = time.monotonic() + seconds
    view = memoryview(data)
    while time.monotonic() < deadline:
        try:
            sent = sock.send(view)
            view = view[sent:] or memoryview(data)
        except BlockingIOError:
            time.sleep(0.02)
    return sock


class ClientFaultsTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.backend = harness.Backend(BACKEND, SQLITE_SERVICE)
        cls.server = harness.Memgate(args=cls.backend.args, timeout=20)

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()
        cls.backend.stop()

    def setUp(self):
        self.assertTrue(self.server.running(), self.server.log())
        self.client = harness.Client(self.server.address, timeout=10)
        self.addCleanup(self.client.close)
        self.idle_connections = harness.stats(self.client)["curr_connections"]

    def tearDown(self):
        self.assertTrue(self.server.running(), self.server.log())

    def request(self, data, terminator=b"\r\n"):
        return self.client.request(data, terminator)

    def get(self, key):
        return self.request(b"get %s\r\n" % key, b"END\r\n")

    def assert_connections_drop_back(self):
        self.assertTrue(
            harness.wait_until(
                lambda: harness.stats(self.client)["curr_connections"] == self.idle_connections,
                10.0), "curr_connections stayed above %s" % self.idle_connections)

    def assert_serves(self, prefix, count=20):
        """Another client stores and reads back distinct values."""
        with harness.Client(self.server.address, timeout=10) as c:
            for i in range(count):
                key, value = b"%s:%d" % (prefix, i), b"value %d of %s" % (i, prefix)
                self.assertEqual(c.request(b"set %s 3 0 %d\r\n%s\r\n" % (key, len(value), value)),
                                 b"STORED\r\n")
                self.assertEqual(c.request(b"get %s\r\n" % key, b"END\r\n"),
                                 b"VALUE %s 3 %d\r\n%s\r\nEND\r\n" % (key, len(value), value))

    def test_a_value_cut_short_by_a_close_stores_nothing(self):
        self.assertEqual(self.request(b"set cut 1 0 3\r\nold\r\n"), b"STORED\r\n")
        value = b"0123456789"
        for n, (verb, key) in enumerate([(b"set", b"cut"), (b"set", b"fresh"),
                                         (b"append", b"cut"), (b"add", b"fresh")]):
            header = b"%s %s 7 0 %d\r\n" % (verb, key, len(value))
            noreply = header.replace(b"\r\n", b" noreply\r\n")
            for cut in (header, header + value[:5], header + value, header + value + b"\r",
                        noreply + value[:1], noreply + value):
                for reset in (False, True):
                    with self.subTest(n=n, cut=cut, reset=reset):
                        s = socket.create_connection(self.server.address, timeout=5)
                        s.sendall(cut)
                        close_abruptly(s, reset)
        self.assert_connections_drop_back()
        self.assertEqual(self.get(b"cut"), b"VALUE cut 1 3\r\nold\r\nEND\r\n")
        self.assertEqual(self.get(b"fresh"), b"END\r\n")
        self.assert_serves(b"after-cut")

    def test_a_pipeline_closed_unread_runs_a_prefix_of_it(self):
        count = 2000
        for reset in (False, True):
            prefix = b"pipe%d" % reset
            pairs = [(b"%s:%d" % (prefix, i), b"value-%d-%s" % (i, b"x" * (i % 300)))
                     for i in range(count)]
            pipeline = b"".join(b"set %s 0 0 %d\r\n%s\r\nget %s\r\n" % (k, len(v), v, k)
                                for k, v in pairs)
            s = socket.create_connection(self.server.address, timeout=5)
            s.settimeout(1.0)
            try:
                s.sendall(pipeline)
            except socket.timeout:
                pass  # memgate stopped reading: its replies fill our buffer
            close_abruptly(s, reset)
            self.assert_connections_drop_back()

            def stored():
                found = []
                for i in range(0, count, 100):
                    keys = [k for k, _ in pairs[i:i + 100]]
                    found.append(self.request(b"get %s\r\n" % b" ".join(keys), b"END\r\n"))
                return b"".join(found)

            # Commands handed to the backend before the close may still be
            # finishing: read until two reads agree.
            reads = [stored()]
            self.assertTrue(harness.wait_until(
                lambda: reads.append(stored()) or reads[-1] == reads[-2], 10.0))
            # Every value is whole and right, and the stored keys are the
            # pipeline's first ones.
            got = reads[-1].replace(b"END\r\n", b"")
            hits = [b"VALUE %s 0 %d\r\n%s\r\n" % (k, len(v), v) for k, v in pairs]
            stored_count = 0
            while stored_count < count and got.startswith(hits[stored_count], sum(
                    len(h) for h in hits[:stored_count])):
                stored_count += 1
            self.assertEqual(got, b"".join(hits[:stored_count]),
                             "reset=%s: after %d stored keys" % (reset, stored_count))
        self.assert_serves(b"after-pipe")

    def test_clients_that_never_read_their_replies_stay_bounded(self):
        value = os.urandom(1000 * 1000)
        self.assertEqual(self.request(b"set big 5 0 %d\r\n%s\r\n" % (len(value), value)),
                         b"STORED\r\n")
        baseline = harness.rss_kib(self.server.pid)
        hogs = [
            stuffed_socket(self.server.address, b"get big\r\n" * 100),
            stuffed_socket(self.server.address, b"gets big big big big big\r\n" * 20),
            # One line whose reply is 300 MiB: a gateway that builds a reply
            # whole before sending any of it holds all of that.
            socket.create_connection(self.server.address, timeout=5),
        ]
        for h in hogs:
            self.addCleanup(h.close)
        hogs[2].sendall(b"get" + b" big" * 300 + b"\r\n")
        peak = baseline
        for i in range(10):
            self.assert_serves(b"beside-hogs-%d" % i, 5)
            self.assertEqual(self.get(b"big"), b"VALUE big 5 %d\r\n%s\r\nEND\r\n" % (len(value), value))
            peak = max(peak, harness.rss_kib(self.server.pid))
            time.sleep(0.05)
        # Each hog may hold its queued output (4 MiB) and its replies in
        # flight (the first 16 values of a long get, then about 1 MiB at a
        # time): far less than the 300 MiB one of them asked for at once.
        self.assertLess(peak - baseline, 128 * 1024,
                        "RSS grew from %d KiB to %d KiB" % (baseline, peak))
        # The stuck client gets its reply whole once it reads.
        reader = harness.Client(None, sock=hogs[2])
        one = b"VALUE big 5 %d\r\n%s\r\n" % (len(value), value)
        for i in range(300):
            self.assertEqual(reader.read_until(one, 10.0), one, "value %d" % i)
        self.assertEqual(reader.read_until(b"END\r\n", 10.0), b"END\r\n")
        for h in hogs:
            close_abruptly(h, reset=True)
        self.assert_connections_drop_back()
        self.assert_serves(b"after-hogs")

    def test_slow_loris_clients_do_not_hold_up_others(self):
        count = 20
        commands = [b"set loris%d 0 0 %d\r\n%s\r\n" % (i, 6 + len(b"%d" % i), b"slow #%d" % i)
                    for i in range(count)]
        slow = [harness.Client(self.server.address, timeout=10) for _ in range(count)]
        for c in slow:
            self.addCleanup(c.close)
        fast_done = []

        def fast_client():
            self.assert_serves(b"beside-loris", 50)
            fast_done.append(True)

        # One byte per client per round; a fast client works meanwhile.
        fast = threading.Thread(target=fast_client)
        fast.start()
        for at in range(max(len(c) for c in commands)):
            for c, command in zip(slow, commands):
                if at < len(command):
                    c.send(command[at:at + 1])
            time.sleep(0.01)
        fast.join(30)
        self.assertEqual(fast_done, [True])
        for i, c in enumerate(slow):
            self.assertEqual(c.read_until(b"\r\n"), b"STORED\r\n")
            value = b"slow #%d" % i
            self.assertEqual(self.get(b"loris%d" % i),
                             b"VALUE loris%d 0 %d\r\n%s\r\nEND\r\n" % (i, len(value), value))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--backend", default="memory", choices=harness.BACKENDS)
    parser.add_argument("--sqlite-service")
    known, sys.argv[1:] = parser.parse_known_args(sys.argv[1:])
    BACKEND, SQLITE_SERVICE = known.backend, known.sqlite_service
    harness.parse_args()
    unittest.main(verbosity=2)
