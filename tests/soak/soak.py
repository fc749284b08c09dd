#!/usr/bin/env python3
"""Soak: memgate on each backend in turn, under bounded checked load for a
given number of minutes, its RSS sampled all along.

Each client thread owns its keys, so it knows what every one of them holds:
every get and multi-get is compared with that (value and flags), deletes,
incrs and appends with their expected replies. Nothing is injected, so every
count of errors must end at 0. Exits 1 if one does not.

  soak.py [--minutes N] [--backends memory,simple-memory,redis,grpc]
          [--memgate PATH] [--sqlite-service PATH] [--threads N]

--minutes is per backend. Paths default to the build in build/test.
"""

import argparse
import os
import random
import re
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402

_VALUE = re.compile(rb"VALUE (\S+) (\d+) (\d+)\r\n")


class Mismatch(Exception):
    pass


class Load(threading.Thread):
    """One client: a random mix of commands on keys of its own, each reply
    checked against what this client wrote."""

    def __init__(self, index, address, stop, seed, keys=400):
        super().__init__(daemon=True)
        self.address = address
        self.stop = stop
        self.rng = random.Random(seed)
        self.keys = [b"soak:%d:%d" % (index, i) for i in range(keys)]
        self.counter = b"soak:%d:counter" % index
        self.known = {}  # key -> (flags, value); absent: not stored
        self.count = 0   # the counter key's value
        self.ops = {}
        self.errors = {"wrong reply": 0, "server error": 0, "disconnected": 0}
        self.first_errors = []

    def value(self):
        size = self.rng.choice((10, 100, 1000, 5000, 20000)) if self.rng.random() > 0.01 \
            else 200_000
        return bytes(self.rng.getrandbits(8) % 26 + 97 for _ in range(min(size, 64))) * (
            size // 64) + b"x" * (size % 64)

    def error(self, kind, detail):
        self.errors[kind] += 1
        if len(self.first_errors) < 5:
            self.first_errors.append("%s: %r" % (kind, detail[:200]))

    def expect(self, c, request, reply):
        got = c.request(request)
        if got != reply:
            self.error("server error" if got.startswith(b"SERVER_ERROR") else "wrong reply",
                       (request[:80], got))

    def read_hits(self, c, request):
        """Sends a get; returns its hits {key: (flags, value)}."""
        c.send(request)
        hits = {}
        while True:
            line = c.read_until(b"\r\n")
            if line == b"END\r\n":
                return hits
            m = _VALUE.fullmatch(line)
            if not m:
                raise Mismatch(line)
            data = c.read_until(b"\r\n")  # values hold no newline
            if len(data) != int(m.group(3)) + 2:
                raise Mismatch(line + data[:80])
            hits[m.group(1)] = (int(m.group(2)), data[:-2])

    def check_get(self, c, keys):
        request = b"get %s\r\n" % b" ".join(keys)
        try:
            hits = self.read_hits(c, request)
        except Mismatch as e:
            line = e.args[0]
            self.error("server error" if line.startswith(b"SERVER_ERROR") else "wrong reply",
                       (request[:80], line))
            return
        expected = {k: self.known[k] for k in keys if k in self.known}
        if hits != expected:
            differ = [k for k in sorted(set(hits) | set(expected)) if hits.get(k) != expected.get(k)]
            self.error("wrong reply", (request[:80], differ[:3]))

    def step(self, c):
        roll = self.rng.random()
        key = self.rng.choice(self.keys)
        if roll < 0.35:
            flags, value = self.rng.getrandbits(16), self.value()
            self.expect(c, b"set %s %d 0 %d\r\n%s\r\n" % (key, flags, len(value), value),
                        b"STORED\r\n")
            self.known[key] = (flags, value)
            return "set"
        if roll < 0.65:
            self.check_get(c, [key])
            return "get"
        if roll < 0.80:
            self.check_get(c, self.rng.sample(self.keys, self.rng.randint(2, 40)))
            return "multi-get"
        if roll < 0.88:
            reply = b"DELETED\r\n" if key in self.known else b"NOT_FOUND\r\n"
            self.expect(c, b"delete %s\r\n" % key, reply)
            self.known.pop(key, None)
            return "delete"
        if roll < 0.95:
            if key not in self.known:
                self.expect(c, b"append %s 0 0 3\r\n+++\r\n" % key, b"NOT_STORED\r\n")
            elif len(self.known[key][1]) < 100_000:
                self.expect(c, b"append %s 0 0 3\r\n+++\r\n" % key, b"STORED\r\n")
                flags, value = self.known[key]
                self.known[key] = (flags, value + b"+++")
            else:
                self.check_get(c, [key])
                return "get"
            return "append"
        delta = self.rng.randint(1, 1000)
        self.count += delta
        self.expect(c, b"incr %s %d\r\n" % (self.counter, delta), b"%d\r\n" % self.count)
        return "incr"

    def run(self):
        try:
            with harness.Client(self.address, timeout=30) as c:
                self.expect(c, b"set %s 0 0 1\r\n0\r\n" % self.counter, b"STORED\r\n")
                while not self.stop.is_set():
                    kind = self.step(c)
                    self.ops[kind] = self.ops.get(kind, 0) + 1
        except (ConnectionError, TimeoutError) as e:
            self.error("disconnected", repr(e))


def chart(samples, width=50):
    """RSS over time as text: one row per sample."""
    top = max(kib for _, kib in samples)
    rows = []
    for t, kib in samples:
        bar = "#" * max(1, round(width * kib / top))
        rows.append("  %6.0fs |%-*s| %7.1f MiB" % (t, width, bar, kib / 1024))
    return "\n".join(rows)


def soak(backend_name, args):
    backend = harness.Backend(backend_name, sqlite_service=args.sqlite_service)
    server = None
    try:
        server = harness.Memgate(args=backend.args + ["-m", "64"], timeout=20,
                                 binary=args.memgate)
        stop = threading.Event()
        loads = [Load(i, server.address, stop, seed=i) for i in range(args.threads)]
        started = time.monotonic()
        samples = [(0.0, harness.rss_kib(server.pid))]
        for load in loads:
            load.start()
        seconds = args.minutes * 60
        interval = max(1.0, seconds / 40)
        while time.monotonic() - started < seconds:
            time.sleep(min(interval, max(0.0, seconds - (time.monotonic() - started))))
            if not server.running():
                break
            samples.append((time.monotonic() - started, harness.rss_kib(server.pid)))
        stop.set()
        for load in loads:
            load.join(60)
        elapsed = time.monotonic() - started
        running = server.running()
    finally:
        if server:
            server.stop()
        backend.stop()

    ops, errors, first = {}, {}, []
    for load in loads:
        for kind, n in load.ops.items():
            ops[kind] = ops.get(kind, 0) + n
        for kind, n in load.errors.items():
            errors[kind] = errors.get(kind, 0) + n
        first += load.first_errors
    if not running:
        errors["memgate exited"] = 1
    total = sum(ops.values())
    print("== %s: %.0f s, %d clients" % (backend_name, elapsed, args.threads))
    print("  ops %d (%.0f/s): %s" % (total, total / elapsed,
                                     ", ".join("%s %d" % kv for kv in sorted(ops.items()))))
    print("  errors: %s" % ", ".join("%s %d" % kv for kv in sorted(errors.items())))
    for line in first:
        print("    " + line)
    kib = [k for _, k in samples]
    print("  RSS: start %.1f MiB, peak %.1f MiB, end %.1f MiB" %
          (kib[0] / 1024, max(kib) / 1024, kib[-1] / 1024))
    print(chart(samples))
    sys.stdout.flush()
    return sum(errors.values()) == 0 and total > 0


def main():
    build = os.path.join(ROOT, "build", "test")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="per backend")
    parser.add_argument("--backends", default=",".join(harness.BACKENDS))
    parser.add_argument("--memgate", default=os.path.join(build, "app", "memgate"))
    parser.add_argument("--sqlite-service", default=os.path.join(
        build, "examples", "sqlite_backend", "memgate-sqlite-backend"))
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    unknown = [b for b in backends if b not in harness.BACKENDS]
    if unknown:
        parser.error("unknown backends: %s" % ", ".join(unknown))
    results = {b: soak(b, args) for b in backends}
    print("== summary: " + ", ".join("%s %s" % (b, "ok" if ok else "FAILED")
                                     for b, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
