"""Graceful shutdown on SIGTERM/SIGINT: listeners stop accepting, clients
get the replies to everything they sent (a pipelined batch answered whole)
and are then closed, within --shutdown-timeout; memgate exits 0.

  shutdown_test.py --memgate PATH
"""

import os
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

VALUE = b"x" * 4096
GETS = 10000


class ShutdownTest(unittest.TestCase):

    def test_pipelined_batch_is_answered_whole_before_the_close(self):
        server = harness.Memgate(args=["--shutdown-timeout", "30s"])
        self.addCleanup(server.stop)
        with harness.Client(server.address) as c:
            self.assertEqual(c.request(b"set k 0 0 %d\r\n%s\r\n" % (len(VALUE), VALUE)),
                             b"STORED\r\n")
        sock = socket.create_connection(server.address)
        batch = b"get k\r\n" * GETS
        # About 40 MB of replies: memgate stops reading while this client
        # reads nothing, so most of the batch is still in flight at SIGTERM.
        sender = threading.Thread(target=sock.sendall, args=(batch,))
        sender.start()
        time.sleep(0.5)
        server.signal(signal.SIGTERM)
        received = bytearray()
        sock.settimeout(20)
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            received += chunk
        sender.join(timeout=10)
        sock.close()
        one = b"VALUE k 0 %d\r\n%s\r\nEND\r\n" % (len(VALUE), VALUE)
        self.assertEqual(len(received) % len(one), 0)
        self.assertEqual(len(received) // len(one), GETS)
        self.assertEqual(bytes(received[:len(one)]), one)
        server.proc.wait(timeout=10)
        self.assertEqual(server.proc.returncode, 0, server.log())
        self.assertIn("disconnected (shutdown)", server.log())

    def test_stops_accepting_and_closes_idle_clients_at_once(self):
        server = harness.Memgate(args=["--shutdown-timeout", "30s"])
        self.addCleanup(server.stop)
        idle = harness.Client(server.address)
        self.addCleanup(idle.close)
        idle.request(b"version\r\n")
        started = time.monotonic()
        server.signal(signal.SIGINT)
        self.assertTrue(idle.is_closed(timeout=5))
        server.proc.wait(timeout=10)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(server.proc.returncode, 0, server.log())
        with self.assertRaises(OSError):
            socket.create_connection(server.address, timeout=2).close()

    def test_clients_left_at_the_timeout_are_closed(self):
        server = harness.Memgate(args=["--shutdown-timeout", "1s"])
        self.addCleanup(server.stop)
        with harness.Client(server.address) as c:
            c.request(b"set k 0 0 %d\r\n%s\r\n" % (len(VALUE), VALUE))
        # Asks for 40 MB of replies and reads none: it can never be drained.
        stuck = socket.create_connection(server.address)
        self.addCleanup(stuck.close)
        threading.Thread(target=stuck.sendall, args=(b"get k\r\n" * GETS,), daemon=True).start()
        # One that stopped sending mid-command does not hold shutdown up.
        partial = harness.Client(server.address)
        self.addCleanup(partial.close)
        partial.send(b"set k 0 0 100\r\nonly part of the value")
        time.sleep(0.5)
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        self.assertTrue(partial.is_closed(timeout=0.8))
        server.proc.wait(timeout=10)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        self.assertEqual(server.proc.returncode, 0, server.log())
        self.assertIn("shutdown timeout (1s) reached", server.log())


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
