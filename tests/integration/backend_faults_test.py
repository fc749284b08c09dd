"""Backends failing under load, through the real memgate: redis-server
killed and restarted, and frozen past --redis-timeout; a gRPC service (the
Python example, the full contract) killed and restarted, and frozen past
--grpc-timeout.
Clients write and read all along and check every reply: while the backend
is away they get SERVER_ERROR on a connection that stays open, memgate
serves them again once it is back, and no get ever returns a value (or
flags) other than the last one stored or one whose store failed (a failed
write may or may not have happened); after a restart of Redis or of the
Python service, which start empty, a key stored before it may also be gone.

  backend_faults_test.py --memgate PATH --python-service PATH
"""

import argparse
import os
import re
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PYTHON_SERVICE = None

_VALUE = re.compile(rb"VALUE (\S+) (\d+) (\d+)\r\n")


class Key:
    """What a checker knows of one key."""

    def __init__(self):
        self.stored = None     # the last value acknowledged STORED
        self.failed = set()    # values whose store failed since
        self.stored_era = -1   # the backend era it was acknowledged in


class Worker(threading.Thread):
    """Stores numbered values under keys of its own and reads them back,
    checking each answer against what it knows was written."""

    def __init__(self, index, address, era, keys=8):
        super().__init__(daemon=True)
        self.index = index
        self.address = address
        self.era = era  # [n]: bumped each time the backend may have lost data
        self.keys = {b"w%d:k%d" % (index, i): Key() for i in range(keys)}
        self.stop = threading.Event()
        self.counter = 0
        self.stored = 0
        self.hits = 0
        self.server_errors = 0
        self.wrong = []
        self.closed = False

    def value(self, n):
        head = b"worker %d write %d " % (self.index, n)
        return head + b"v" * (100 - len(head))

    def acceptable(self, key, flags, data, state):
        if data is None:
            return state.stored is None or state.stored_era < self.era[0]
        n = int(data.split(b" ")[3])
        return flags == n and data == self.value(n) and (
            data == state.stored or data in state.failed)

    def run(self):
        names = list(self.keys)
        try:
            with harness.Client(self.address, timeout=10) as c:
                while not self.stop.is_set():
                    self.counter += 1
                    key = names[self.counter % len(names)]
                    state = self.keys[key]
                    value = self.value(self.counter)
                    reply = c.request(b"set %s %d 0 %d\r\n%s\r\n" %
                                      (key, self.counter, len(value), value))
                    if reply == b"STORED\r\n":
                        self.stored += 1
                        state.stored, state.failed = value, set()
                        state.stored_era = self.era[0]
                    elif reply.startswith(b"SERVER_ERROR "):
                        self.server_errors += 1
                        state.failed.add(value)
                    else:
                        self.wrong.append((b"set", key, reply))
                    key = names[(self.counter * 7) % len(names)]
                    self.check_get(c, key)
                    time.sleep(0.002)
        except (ConnectionError, TimeoutError) as e:
            self.closed = True
            self.wrong.append(("connection", repr(e)))

    def check_get(self, c, key):
        state = self.keys[key]
        head = c.request(b"get %s\r\n" % key)
        if head.startswith(b"SERVER_ERROR "):
            self.server_errors += 1
            return
        if head == b"END\r\n":
            flags, data = None, None
        else:
            m = _VALUE.fullmatch(head)
            if not m:
                self.wrong.append((b"get", key, head))
                return
            data = c.read_until(b"\r\nEND\r\n")[:-len(b"\r\nEND\r\n")]
            flags = int(m.group(2))
            self.hits += 1
        if not self.acceptable(key, flags, data, state):
            self.wrong.append((b"get", key, flags, data, "stored", state.stored,
                               "in era", state.stored_era, "now", self.era[0]))


class BackendFaultsTest(unittest.TestCase):

    def start(self, backend, *args):
        self.addCleanup(backend.stop)
        server = harness.Memgate(args=backend.args + list(args), timeout=20)
        self.addCleanup(server.stop)
        return server

    def run_with_fault(self, server, fault, era):
        """Workers run before, during and after fault(); returns them."""
        workers = [Worker(i, server.address, era) for i in range(3)]
        for w in workers:
            w.start()
        time.sleep(0.4)
        before = sum(w.stored for w in workers)
        fault()
        # Serving again: every worker stores again after the fault.
        marks = [w.stored for w in workers]
        recovered = harness.wait_until(
            lambda: all(w.stored > m + 20 for w, m in zip(workers, marks)), 15.0)
        for w in workers:
            w.stop.set()
        for w in workers:
            w.join(20)
        self.assertTrue(recovered, "memgate did not serve again:\n" + server.log())
        self.assertGreater(before, 0, "nothing was stored before the fault")
        for w in workers:
            self.assertEqual(w.wrong, [], "worker %d" % w.index)
            self.assertFalse(w.closed, "worker %d was disconnected" % w.index)
        self.assertGreater(sum(w.server_errors for w in workers), 0,
                           "the fault was never seen: SERVER_ERROR expected")
        self.assertGreater(sum(w.hits for w in workers), 0)
        self.assertTrue(server.running(), server.log())
        return workers

    def test_redis_killed_and_restarted_under_load(self):
        backend = harness.Backend("redis")
        server = self.start(backend, "--redis-timeout", "500ms")
        era = [0]

        def fault():
            backend.kill()
            era[0] += 1  # Redis comes back empty: what was stored may be gone
            time.sleep(0.5)
            backend.restart()

        self.run_with_fault(server, fault, era)

    def test_redis_frozen_past_its_timeout(self):
        backend = harness.Backend("redis")
        server = self.start(backend, "--redis-timeout", "300ms")

        def fault():
            backend.process.signal(signal.SIGSTOP)
            time.sleep(1.0)
            backend.process.signal(signal.SIGCONT)

        self.run_with_fault(server, fault, [0])

    def test_grpc_service_killed_and_restarted_under_load(self):
        backend = harness.Backend("grpc", python_service=PYTHON_SERVICE)
        server = self.start(backend, "--grpc-timeout", "500ms")
        era = [0]

        def fault():
            backend.kill()
            era[0] += 1  # the service comes back empty
            time.sleep(0.5)
            backend.restart()

        self.run_with_fault(server, fault, era)

    def test_grpc_service_slower_than_the_deadline(self):
        backend = harness.Backend("grpc", python_service=PYTHON_SERVICE)
        server = self.start(backend, "--grpc-timeout", "300ms")

        def fault():
            backend.process.signal(signal.SIGSTOP)
            time.sleep(1.0)
            backend.process.signal(signal.SIGCONT)

        self.run_with_fault(server, fault, [0])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--python-service", required=True)
    known, sys.argv[1:] = parser.parse_known_args(sys.argv[1:])
    PYTHON_SERVICE = known.python_service
    harness.parse_args()
    unittest.main(verbosity=2)
