"""Checks the integration harness itself against Debian's memcached and
memgate: servers start on free ports, stop by pid, leave nothing behind,
and the raw client's reads end on terminator, quiet, close or timeout.
"""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class HarnessTest(unittest.TestCase):

    def test_memcached_starts_answers_and_stops(self):
        server = harness.Memcached()
        try:
            with harness.Client(server.address) as c:
                self.assertEqual(c.request(b"set a 0 0 1\r\nx\r\n"), b"STORED\r\n")
                self.assertEqual(c.request(b"get a\r\n", b"END\r\n"),
                                 b"VALUE a 0 1\r\nx\r\nEND\r\n")
        finally:
            status, graceful = server.stop()
        self.assertTrue(graceful)
        self.assertFalse(server.running())
        with self.assertRaises(OSError):
            socket.create_connection(server.address, timeout=1).close()

    def test_memgate_starts_on_port_zero_and_stops_with_sigterm(self):
        server = harness.Memgate()
        try:
            self.assertNotEqual(server.port, 0)
            self.assertRegex(server.log(), r"memgate: listening on 127\.0\.0\.1:%d "
                             r"\(listener \S+\)" % server.port)
            with harness.Client(server.address) as c:
                self.assertEqual(c.request(b"set a 0 0 1\r\nx\r\n"), b"STORED\r\n")
        finally:
            status, graceful = server.stop()
        self.assertTrue(graceful, "memgate ignored SIGTERM:\n" + server.log())
        self.assertEqual(status, 0, server.log())

    def test_memgate_bad_flag_is_reported_not_hung(self):
        start = time.monotonic()
        with self.assertRaises(harness.ServerError):
            harness.Memgate(args=["--no-such-flag"], timeout=10)
        self.assertLess(time.monotonic() - start, 10)

    def test_client_reads_end_on_quiet_close_and_timeout(self):
        server = harness.Memcached()
        try:
            with harness.Client(server.address, timeout=1.0) as c:
                start = time.monotonic()
                with self.assertRaises(TimeoutError):
                    c.read_until(b"\r\n", timeout=0.3)
                self.assertLess(time.monotonic() - start, 1.0)
                c.send(b"get a\r\nget b\r\n")
                self.assertEqual(c.read_until(b"END\r\n"), b"END\r\n")
                self.assertEqual(c.read_quiet(0.1), b"END\r\n")
                c.send(b"quit\r\n")
                self.assertEqual(c.read_until_close(2.0), (b"", True))
        finally:
            server.stop()

    def test_no_process_left_behind(self):
        a = harness.Memcached()
        b = harness.Memgate()
        pids = [a.pid, b.pid]
        harness._kill_leftovers()
        for pid in pids:
            self.assertFalse(os.path.exists("/proc/%d" % pid) and
                             open("/proc/%d/stat" % pid).read().split()[2] != "Z",
                             "pid %d still running" % pid)


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
