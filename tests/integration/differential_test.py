"""Differential test: every script in differential_cases.py goes to Debian's
memcached and to memgate, and the replies must be identical byte for byte.

Normalised before comparing, because they must differ: the version string,
and the cas unique values (opaque numbers each server picks; they are
renamed <cas1>, <cas2>, ... in order of first appearance on the connection,
so "same unique" and "new unique" must still agree).

  differential_test.py --memgate PATH [--memcached PATH] [--backend NAME]
                       [--memgate-arg ARG]... [--self-check] [--show]
                       [--reference 1.6.18|1.6.45]

--reference names the memcached release at --memcached (1.6.18, Debian's,
by default). memgate follows 1.6.45 where the two differ: against 1.6.18 the
cases 1.6.45 answers differently are skipped; against 1.6.45 they run with
the cases for what changed and the checks of `version`, the `stats` names
and a refused flush_all (ReferenceTest), and every test is reported skipped
when the binary is absent.

--self-check compares memcached with a second memcached (validates the
corpus without memgate); --show prints every transcript; --memgate-arg
passes one more flag to memgate (e.g. --redis-url=redis://127.0.0.1:6390);
--backend redis without a --redis-url starts a redis-server of its own.
"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import differential_cases as cases  # noqa: E402

SELF_CHECK = False
REFERENCE = "1.6.18"  # --reference: the memcached release at --memcached
SHOW = False  # --show: print every transcript, not only differing ones
BACKEND_ARGS = []  # --backend NAME: run memgate with that backend

_VALUE_CAS = re.compile(rb"VALUE (\S+) (\d+) (\d+) (\d+)")
_VALUE = re.compile(rb"VALUE (\S+) (\d+) (\d+)")
_CAS_REF = re.compile(rb"\$CAS\(([^)]*)\)")
_NOW_REF = re.compile(rb"\$NOW\(([+-]\d+)\)")


class Side:
    """One server's connection for one case, and what it answered."""

    def __init__(self, name, address):
        self.name = name
        self.client = harness.Client(address, timeout=10.0)
        self.cas_by_key = {}
        self.cas_names = {}
        self.sync_count = 0
        self.dead = False
        self.transcript = []

    def expand(self, data):
        data = _CAS_REF.sub(lambda m: self.cas_by_key.get(m.group(1), b"0"), data)
        return _NOW_REF.sub(lambda m: b"%d" % (int(time.time()) + int(m.group(1))), data)

    def normalise(self, reply):
        """Renames cas uniques and version strings; records cas per key."""
        out = []
        i = 0
        while i < len(reply):
            j = reply.find(b"\r\n", i)
            if j < 0:
                out.append(reply[i:])
                break
            line = reply[i:j]
            m = _VALUE_CAS.fullmatch(line)
            if m:
                key, flags, size, cas = m.groups()
                self.cas_by_key[key] = cas
                name = self.cas_names.setdefault(cas, b"<cas%d>" % (len(self.cas_names) + 1))
                line = b"VALUE %s %s %s %s" % (key, flags, size, name)
            else:
                m = _VALUE.fullmatch(line)
                if line.startswith(b"VERSION "):
                    line = b"VERSION <version>"
            if m:  # copy the data block untouched, whatever it contains
                end = j + 2 + int(m.group(3)) + 2
                out.append(line + b"\r\n" + reply[j + 2:end])
                i = end
                continue
            out.append(line + b"\r\n")
            i = j + 2
        return b"".join(out)

    def record(self, step, reply, state):
        self.transcript.append((step, self.normalise(reply), state))

    def send(self, data):
        if self.dead:
            return
        if not self.client.send(self.expand(data)):
            self.dead = True

    def sync(self, timeout):
        """Sends a marker get and returns everything before its answer."""
        if self.dead:
            return self.client.read_quiet(0.0, 0.0), "closed"
        self.sync_count += 1
        token = b"sync-%d" % self.sync_count
        marker = b"set __sync__ 0 0 %d\r\n%s\r\nget __sync__\r\n" % (len(token), token)
        answer = re.compile(rb"(STORED\r\n)?VALUE __sync__ 0 %d\r\n%s\r\nEND\r\n" %
                            (len(token), token))
        if not self.client.send(marker):
            self.dead = True
        try:
            got = self.client.read_until(answer, timeout)
        except TimeoutError:
            return self.client.read_quiet(0.0, 0.0), "no answer within %.0fs" % timeout
        except ConnectionError:
            self.dead = True
            return self.client.read_quiet(0.0, 0.0), "closed"
        m = answer.search(got)
        return got[:m.start()], "ok"

    def close(self):
        self.client.close()


def run_case(steps, servers):
    """Runs steps in lockstep on every server; returns their Sides."""
    sides = [Side(name, address) for name, address in servers]
    try:
        for side in sides:  # a clean slate: nothing left from other cases
            side.client.request(b"flush_all\r\n", b"OK\r\n")
        for step in steps:
            if step.kind == "Sleep":
                time.sleep(step.pause)
                continue
            if step.kind == "D":
                expanded = [side.expand(step.data) for side in sides]
                for i in range(max(len(e) for e in expanded)):
                    for side, data in zip(sides, expanded):
                        if i < len(data) and not side.dead:
                            side.dead = not side.client.send(data[i:i + 1])
                    time.sleep(step.pause)
            else:
                for side in sides:
                    side.send(step.data)
            if step.kind in ("S", "D"):
                for side in sides:
                    reply, state = side.sync(step.timeout)
                    side.record(step, reply, state)
            elif step.kind == "P":
                time.sleep(step.pause)
                if not step.read:
                    continue
                for side in sides:
                    reply = side.client.read_quiet(0.05, 1.0)
                    side.record(step, reply, "closed" if side.client.closed_by_peer
                                else "open")
                    side.dead = side.dead or side.client.closed_by_peer
            elif step.kind == "C":
                for side in sides:
                    reply, closed = side.client.read_until_close(step.timeout)
                    side.record(step, reply, "closed" if closed else
                                "still open after %.0fs" % step.timeout)
                    side.dead = side.dead or closed
    finally:
        for side in sides:
            side.close()
    return sides


def describe(sides):
    a, b = sides
    lines = []
    for n, ((step, ra, sa), (_, rb, sb)) in enumerate(zip(a.transcript, b.transcript)):
        mark = "  " if (ra, sa) == (rb, sb) else "!!"
        lines.append("%s reply %d, to %r" % (mark, n + 1, step))
        if (ra, sa) == (rb, sb):
            lines.append("     both: %s [%s]" % (_shorten(ra), sa))
        else:
            lines.append("     %-9s %s [%s]" % (a.name + ":", _shorten(ra), sa))
            lines.append("     %-9s %s [%s]" % (b.name + ":", _shorten(rb), sb))
    return "\n".join(lines)


def _shorten(data):
    if len(data) <= 300:
        return repr(data)
    return "%r...%r (%d bytes)" % (data[:150], data[-60:], len(data))


class DifferentialTest(unittest.TestCase):
    reference = None
    candidate = None

    redis = None  # --backend redis without --redis-url: a redis-server of our own

    @classmethod
    def setUpClass(cls):
        if _reference_missing():
            return
        cls.reference = harness.Memcached()
        if "redis" in BACKEND_ARGS and not any(a.startswith("--redis-url") for a in BACKEND_ARGS):
            cls.redis = harness.RedisServer()
            BACKEND_ARGS.append("--redis-url=" + cls.redis.url)
        cls.candidate = cls._start_candidate()

    @classmethod
    def _start_candidate(cls):
        if SELF_CHECK:
            return harness.Memcached()
        return harness.Memgate(threads=2, args=BACKEND_ARGS)

    @classmethod
    def tearDownClass(cls):
        for server in (cls.reference, cls.candidate, cls.redis):
            if server is not None:
                server.stop()

    def check(self, steps):
        candidate_name = "memcached2" if SELF_CHECK else "memgate"
        sides = run_case(steps, [("memcached", self.reference.address),
                                 (candidate_name, self.candidate.address)])
        problems = []
        if not self.candidate.running():
            problems.append("%s exited (status %s); log:\n%s" %
                            (candidate_name, self.candidate.proc.returncode,
                             self.candidate.log()[-3000:]))
            type(self).candidate = self._start_candidate()
        if not self.reference.running():
            problems.append("memcached exited; restarting it")
            type(self).reference = harness.Memcached()
        same = sides[0].transcript == sides[1].transcript
        if SHOW:
            print("\n== %s\n%s" % (self.shortDescription(), describe(sides)))
        if problems or not same:
            self.fail("replies differ:\n" + describe(sides) + "\n" + "\n".join(problems))


def _method_name(name):
    return "test_" + re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower()


def _reference_missing():
    return REFERENCE != "1.6.18" and not os.access(harness.MEMCACHED, os.X_OK)


def _add_cases():
    seen = set()
    missing = _reference_missing()
    corpus = cases.ALL + (cases.CASES_1_6_45 if REFERENCE == "1.6.45" else [])
    for name, steps in corpus:
        method = _method_name(name)
        assert method not in seen, "duplicate case name: " + name
        seen.add(method)

        def test(self, steps=steps):
            self.check(steps)

        test.__doc__ = name
        if missing:
            test = unittest.skip("memcached %s not found at %s" %
                                 (REFERENCE, harness.MEMCACHED))(test)
        elif REFERENCE == "1.6.18" and name in cases.CHANGED_SINCE_1_6_18:
            test = unittest.skip("memcached 1.6.45 answers differently (%s): see --reference "
                                 "1.6.45" % cases.CHANGED_SINCE_1_6_18[name])(test)
        elif name in cases.DELIBERATE_DIFFERENCES and not SELF_CHECK:
            test = unittest.expectedFailure(test)
        setattr(DifferentialTest, method, test)


def _stat_names(client, command):
    raw = client.request(command, b"END\r\n")
    return [line.split(b" ")[1].decode() for line in raw.split(b"\r\n")
            if line.startswith(b"STAT ")]


class ReferenceTest(unittest.TestCase):
    """What the corpus cannot compare byte for byte: the version line, the
    names and order of the stats fields, and a flush_all a setting refuses
    on every backend. Run with --reference 1.6.45 only."""

    # memgate's own stats lines, after memcached's.
    MEMGATE_ONLY = {"backend", "backend_errors", "memgate_version", "backend_pipelines_in_order"}

    def setUp(self):
        if REFERENCE != "1.6.45":
            self.skipTest("only against memcached 1.6.45")
        if _reference_missing():
            self.skipTest("memcached 1.6.45 not found at %s" % harness.MEMCACHED)

    def test_version_line_is_memcached_s(self):
        memgate = harness.Memgate(threads=1)
        try:
            with harness.Client(memgate.address) as c:
                self.assertEqual(c.request(b"version\r\n"), b"VERSION 1.6.45\r\n")
                stats = harness.stats(c)
                self.assertEqual(stats["version"], "1.6.45")
                self.assertRegex(stats["memgate_version"], r"^\d+\.\d+\.\d+")
        finally:
            memgate.stop()

    def test_stats_names_follow_memcached_s_order(self):
        args = ["-o", "idle_timeout=30", "-A"]
        memcached = harness.Memcached(args=args)
        memgate = harness.Memgate(threads=1, args=args)
        try:
            with harness.Client(memcached.address) as a, harness.Client(memgate.address) as b:
                for command in (b"stats\r\n", b"stats settings\r\n"):
                    reference = _stat_names(a, command)
                    ours = [n for n in _stat_names(b, command) if n not in self.MEMGATE_ONLY]
                    positions = [reference.index(n) if n in reference else -1 for n in ours]
                    self.assertNotIn(-1, positions, "%r: %r" % (command, ours))
                    self.assertEqual(positions, sorted(positions), "%r: %r" % (command, ours))
                self.assertIn("idle_kicks", _stat_names(b, b"stats\r\n"))
        finally:
            memcached.stop()
            memgate.stop()

    def test_refused_flush_all_on_every_backend(self):
        script = b"set a 0 0 1\r\nx\r\nflush_all\r\nflush_all noreply\r\nget a\r\n"
        expected = b"STORED\r\nCLIENT_ERROR flush_all not allowed\r\nVALUE a 0 1\r\nx\r\nEND\r\n"
        memcached = harness.Memcached(args=["-F"])
        try:
            with harness.Client(memcached.address) as c:
                self.assertEqual(c.request(script, b"END\r\n"), expected)
        finally:
            memcached.stop()
        redis = harness.RedisServer()
        try:
            for args in (["-F"], ["--backend", "simple-memory", "-F"],
                         ["--backend", "redis", "--redis-url", redis.url, "--redis-mode", "raw"],
                         ["--backend", "redis", "--redis-url", redis.url, "--redis-flush", "off"]):
                memgate = harness.Memgate(threads=1, args=args)
                try:
                    with harness.Client(memgate.address) as c:
                        self.assertEqual(c.request(script, b"END\r\n"), expected, args)
                finally:
                    memgate.stop()
        finally:
            redis.stop()


if __name__ == "__main__":
    if "--self-check" in sys.argv:
        sys.argv.remove("--self-check")
        SELF_CHECK = True
    if "--backend" in sys.argv:
        i = sys.argv.index("--backend")
        BACKEND_ARGS += ["--backend", sys.argv[i + 1]]
        del sys.argv[i:i + 2]
    while "--memgate-arg" in sys.argv:
        i = sys.argv.index("--memgate-arg")
        BACKEND_ARGS.append(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    if "--reference" in sys.argv:
        i = sys.argv.index("--reference")
        REFERENCE = sys.argv[i + 1]
        del sys.argv[i:i + 2]
    if "--show" in sys.argv:
        sys.argv.remove("--show")
        SHOW = True
    harness.parse_args()
    _add_cases()
    unittest.main(verbosity=2)
