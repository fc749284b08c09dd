"""memcached's command-line flags, differentially: Debian's memcached and
memgate are each started with the same flag, sent the same byte scripts, and
their replies (connection closes included) must match byte for byte. Also:
start-up refusals match memcached's words and exit codes, -d -P leaves a
daemon that SIGTERM stops, two memgates started with memcached's flags alone
both serve, and every flag `memcached -h` lists is honoured by memgate or
accepted with a warning naming it.

  flags_differential_test.py --memgate PATH [--memcached PATH]
"""

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# Every script ends with "mn": its "MN" answer marks the end of the replies,
# and needs neither flush_all nor cas, which some flags disable.
_SYNC = b"mn\r\n"
_MN = b"MN\r\n"
_VERSION = re.compile(rb"VERSION [^\r]*\r\n")


# memcached 1.6.45 (which memgate follows, checked by its own shutdown.t in
# tests/upstream) answers a disabled shutdown with SERVER_ERROR, 1.6.18 with ERROR.
_SHUTDOWN_REFUSED = re.compile(rb"(?:SERVER_)?ERROR: shutdown not enabled\r\n")


def _normalise(reply):
    reply = _SHUTDOWN_REFUSED.sub(b"<shutdown not enabled>\r\n", reply)
    return _VERSION.sub(b"VERSION <version>\r\n", reply)


class Transcript:
    """One server's connection and what it answered to each step."""

    def __init__(self, address):
        self.client = harness.Client(address, timeout=10.0)
        self.replies = []

    def step(self, data, close=False, timeout=5.0):
        if close:
            self.client.send(data)
            got, closed = self.client.read_until_close(timeout)
            self.replies.append((_normalise(got), "closed" if closed else "open"))
            return
        if not self.client.send(data + _SYNC):
            self.replies.append((b"", "closed"))
            return
        try:
            got = self.client.read_until(_MN, timeout)
            self.replies.append((_normalise(got[:-len(_MN)]), "open"))
        except ConnectionError:
            self.replies.append((_normalise(self.client.read_quiet(0, 0)), "closed"))


class FlagCase(unittest.TestCase):
    """Runs scripts on memcached and memgate started with the same flags."""

    def start_pair(self, args, memgate_args=None):
        memcached = harness.Memcached(args)
        self.addCleanup(memcached.stop)
        memgate = harness.Memgate(list(args if memgate_args is None else memgate_args))
        self.addCleanup(memgate.stop)
        return memcached, memgate

    def compare(self, servers, steps):
        """steps: bytes (answered, then synchronised) or ("close", bytes)."""
        sides = [Transcript(server.address) for server in servers]
        try:
            for step in steps:
                close = isinstance(step, tuple)
                data = step[1] if close else step
                for side in sides:
                    side.step(data, close=close)
        finally:
            for side in sides:
                side.client.close()
        expected, got = sides[0].replies, sides[1].replies
        for i, (want, have) in enumerate(zip(expected, got)):
            self.assertEqual(want, have, "step %d %r: memcached %r, memgate %r" %
                             (i, steps[i], want, have))
        return sides


class ShutdownTest(FlagCase):
    def test_without_enable_shutdown(self):
        servers = self.start_pair([])
        self.compare(servers, [b"shutdown\r\n", b"shutdown graceful\r\n", b"shutdown x\r\n"])
        for server in servers:
            self.assertTrue(server.running())

    def test_shutdown_and_shutdown_graceful_stop_the_process(self):
        for command in (b"shutdown\r\n", b"shutdown graceful\r\n"):
            servers = self.start_pair(["-A"])
            self.compare(servers, [b"shutdown bogus\r\n", b"shutdown graceful now\r\n",
                                   ("close", command)])
            for server in servers:
                server.proc.wait(timeout=10)
                self.assertEqual(server.proc.returncode, 0, server.log())


class DisableFlushTest(FlagCase):
    def test_flush_all_is_refused(self):
        servers = self.start_pair(["-F"])
        self.compare(servers, [
            b"set a 0 0 1\r\nx\r\n", b"flush_all\r\n", b"flush_all 0\r\n",
            b"flush_all noreply\r\n", b"flush_all 10 noreply\r\n", b"flush_all x\r\n",
            b"flush_all 1 2\r\n", b"get a\r\n"])


class DisableCasTest(FlagCase):
    def test_cas_is_zero_and_compares_fail(self):
        servers = self.start_pair(["-C"])
        self.compare(servers, [
            b"set a 0 0 1\r\nx\r\n", b"gets a\r\n", b"gats 0 a\r\n",
            b"cas a 0 0 1 0\r\ny\r\n", b"cas a 0 0 1 5\r\ny\r\n", b"cas b 0 0 1 0\r\ny\r\n",
            b"mg a c v\r\n", b"ms a 1 C0\r\nz\r\n", b"ms a 1 C5\r\nz\r\n",
            b"ms a 1 c\r\nz\r\n", b"ms b 1 C0\r\nz\r\n", b"ms a 1 MA C0\r\nw\r\n",
            b"md a C5\r\n", b"set n 0 0 1\r\n1\r\n", b"ma n C0\r\n", b"ma n C3 v\r\n",
            b"mg n c v\r\n", b"md a C0\r\n", b"get a\r\n"])


class DisableEvictionsTest(FlagCase):
    def test_full_cache_answers_out_of_memory_and_evicts_nothing(self):
        servers = self.start_pair(["-M", "-m", "2", "-I", "1m"])
        value = b"v" * 100000
        for server in servers:
            with harness.Client(server.address, timeout=10.0) as client:
                error = None
                for i in range(200):
                    reply = client.request(b"set k%d 0 0 %d\r\n%s\r\n" % (i, len(value), value))
                    if reply != b"STORED\r\n":
                        error = reply
                        break
                self.assertEqual(error, b"SERVER_ERROR out of memory storing object\r\n",
                                 "%s after %d stores" % (server.argv[0], i))
                self.assertTrue(client.request(b"get k0\r\n", b"END\r\n").startswith(
                    b"VALUE k0 0 100000\r\n"))
                self.assertEqual(harness.stats(client)["evictions"], "0")


class IdleTimeoutTest(FlagCase):
    def test_idle_clients_are_closed(self):
        servers = self.start_pair(["-o", "idle_timeout=1"])
        sides = [Transcript(server.address) for server in servers]
        for side in sides:
            side.step(b"version\r\n")
        time.sleep(2.5)
        for side in sides:
            got, closed = side.client.read_until_close(3.0)
            side.replies.append((got, closed))
            side.client.close()
        self.assertEqual(sides[0].replies, sides[1].replies)
        self.assertTrue(sides[1].replies[-1][1], "memgate kept an idle client")


class StartupRefusalTest(unittest.TestCase):
    """-I limits and -o errors: memcached's words and exit code."""

    def run_both(self, args):
        memcached = subprocess.run([harness.MEMCACHED, "-u", "root", "-U", "0", "-l",
                                    "127.0.0.1", "-p", str(harness.free_tcp_port())] + args,
                                   capture_output=True, timeout=10)
        memgate = subprocess.run([harness.MEMGATE, "--admin", "none", "--listen",
                                  "127.0.0.1:0"] + args, capture_output=True, timeout=10)
        return memcached, memgate

    def test_item_size_limits(self):
        for args in (["-I", "1023"], ["-I", "12x"], ["-I", "33m"], ["-m", "1", "-I", "1m"],
                     ["-m", "8000", "-I", "1025m"], ["-m", "64", "-I", "64m"]):
            memcached, memgate = self.run_both(args)
            self.assertNotEqual(memcached.returncode, 0, args)
            self.assertEqual(memgate.returncode, memcached.returncode, args)
            self.assertEqual(memgate.stderr.decode().strip(),
                             "memgate: " + memcached.stderr.decode().strip(), args)

    def test_accepted_item_sizes_start(self):
        for args in (["-I", "2m"], ["-m", "4", "-I", "2m"], ["-I", "32m"]):
            server = harness.Memgate(args)
            server.stop()

    def test_illegal_suboption(self):
        memcached, memgate = self.run_both(["-o", "idle_timeout=1,bogus"])
        self.assertNotEqual(memcached.returncode, 0)
        self.assertEqual(memgate.returncode, 2)
        self.assertIn('Illegal suboption "bogus"', memcached.stderr.decode())
        self.assertIn('Illegal suboption "bogus"', memgate.stderr.decode())


class UnixSocketTest(unittest.TestCase):
    def start(self, argv, path):
        server = harness.Process(argv)
        self.addCleanup(server.stop)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(path):
                try:
                    with socket.socket(socket.AF_UNIX) as s:
                        s.connect(path)
                        return server
                except OSError:
                    pass
            self.assertTrue(server.running(), server.log())
            time.sleep(0.05)
        self.fail("no socket at %s:\n%s" % (path, server.log()))

    def test_socket_with_mask(self):
        directory = harness.temp_dir(self)
        paths = [os.path.join(directory, name) for name in ("memcached.sock", "memgate.sock")]
        self.start([harness.MEMCACHED, "-u", "root", "-s", paths[0], "-a", "770"], paths[0])
        self.start([harness.MEMGATE, "--admin", "none", "-s", paths[1], "-a", "770"], paths[1])
        modes = [stat.S_IMODE(os.stat(path).st_mode) for path in paths]
        self.assertEqual(modes[0], modes[1])
        self.assertEqual(modes[1], 0o770)
        script = [b"set a 0 0 1\r\nx\r\n", b"get a\r\n", b"version\r\n", ("close", b"quit\r\n")]
        servers = [type("S", (), {"address": path}) for path in paths]
        FlagCase.compare(self, servers, script)


class DaemonTest(unittest.TestCase):
    def test_daemon_writes_pid_file_and_stops_on_sigterm(self):
        directory = harness.temp_dir(self)
        pid_file = os.path.join(directory, "memgate.pid")
        port = harness.free_tcp_port()
        subprocess.run([harness.MEMGATE, "--admin", "none", "-d", "-P", pid_file,
                        "-l", "127.0.0.1", "-p", str(port)], check=True, timeout=10)
        pid = None
        try:
            self.assertTrue(harness.wait_until(lambda: os.path.exists(pid_file), 10))
            self.assertTrue(harness.wait_until(lambda: _read(pid_file).endswith("\n"), 5))
            pid = int(_read(pid_file))
            os.kill(pid, 0)
            self.assertTrue(harness.wait_until(lambda: _serves(("127.0.0.1", port)), 10))
            os.kill(pid, signal.SIGTERM)
            self.assertTrue(harness.wait_until(lambda: not _alive(pid), 10))
            pid = None
            self.assertFalse(os.path.exists(pid_file))
        finally:
            if pid is not None and _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _read(path):
    with open(path) as f:
        return f.read()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (reaped by init later) no longer runs.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _serves(address):
    try:
        with harness.Client(address, timeout=2) as client:
            return client.request(b"version\r\n").startswith(b"VERSION ")
    except OSError:
        return False


class SeveralInstancesTest(unittest.TestCase):
    def test_two_instances_with_memcached_flags_only(self):
        ports = [harness.free_tcp_port(), harness.free_tcp_port()]
        servers = []
        for port in ports:
            server = harness.Process([harness.MEMGATE, "-l", "127.0.0.1", "-p", str(port)])
            self.addCleanup(server.stop)
            server.wait_for_line(r"memgate: .* ready$")
            servers.append(server)
        for port in ports:
            self.assertTrue(_serves(("127.0.0.1", port)))
        # At most one holds the default admin port; the other says why not.
        self.assertIn("admin API not started", servers[1].log())

    def test_explicit_admin_that_cannot_bind_is_fatal(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            result = subprocess.run([harness.MEMGATE, "--listen", "127.0.0.1:0", "--admin",
                                     "127.0.0.1:%d" % taken.getsockname()[1]],
                                    capture_output=True, timeout=20)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertTrue(result.stderr.decode().splitlines()[-1].startswith("memgate: "))


def _memcached_flags():
    """The flags `memcached -h` lists: [(flag, takes_value)] and -o names."""
    text = subprocess.run([harness.MEMCACHED, "-h"], capture_output=True,
                          timeout=10).stdout.decode()
    flags, options = [], []
    for line in text.splitlines():
        m = re.match(r"^(-[A-Za-z]+)(,\s*--[\w-]+)?(=<\w+>|\s+<\w+>)?", line)
        if m:
            # Help lines without a value placeholder that still take one.
            takes_value = bool(m.group(3)) or m.group(1) in ("-R", "-o", "-N")
            flags.append((m.group(1), takes_value))
        m = re.match(r"^\s+- (\w+):", line)
        if m:
            options.append(m.group(1))
    return flags, options


class EveryFlagTest(unittest.TestCase):
    """Each flag of `memcached -h`: honoured, or accepted with a warning."""

    # Security features memgate does not have: refusing to start is safer
    # than serving without the protection the flag asks for.
    REFUSED = {"-S", "-Y", "-Z"}
    WARNS = {"-L", "-f", "-n", "-D", "-e", "-u", "-N"}
    EXITS = {"-h", "-V", "-i"}

    def sample(self, flag, directory):
        return {
            "-p": str(harness.free_tcp_port()), "-U": "0", "-a": "700", "-l": "127.0.0.1",
            "-u": "root", "-m": "64", "-c": "100", "-t": "2", "-R": "1", "-b": "64",
            "-B": "ascii", "-I": "1m", "-f": "1.25", "-n": "48", "-D": ":", "-o": "modern",
            "-s": os.path.join(directory, "m.sock"), "-P": os.path.join(directory, "m.pid"),
            "-Y": os.path.join(directory, "auth"), "-e": os.path.join(directory, "mem"),
        }.get(flag, "1")

    def test_every_flag(self):
        flags, _ = _memcached_flags()
        self.assertGreater(len(flags), 35)
        directory = harness.temp_dir(self)
        for flag, takes_value in flags:
            with self.subTest(flag=flag):
                args = [flag] + ([self.sample(flag, directory)] if takes_value else [])
                if flag in self.REFUSED or flag in self.EXITS:
                    result = subprocess.run([harness.MEMGATE, "--admin", "none"] + args,
                                            capture_output=True, timeout=10)
                    if flag in self.EXITS:
                        self.assertEqual(result.returncode, 0, result.stderr)
                        self.assertTrue(result.stdout)
                    else:
                        self.assertEqual(result.returncode, 2)
                        self.assertIn("not supported", result.stderr.decode())
                    continue
                if flag == "-d":
                    continue  # DaemonTest: it leaves the process tree
                server = harness.Memgate(args)
                try:
                    if flag in self.WARNS:
                        self.assertRegex(server.log(),
                                         r"memgate: warning: %s: " % re.escape(flag))
                    if flag == "-R":  # one command per turn still answers them all
                        with harness.Client(server.address) as client:
                            got = client.request(b"version\r\n" * 50 + b"mn\r\n", _MN)
                            self.assertEqual(got.count(b"VERSION "), 50)
                finally:
                    server.stop()

    def test_every_extended_option(self):
        _, options = _memcached_flags()
        self.assertIn("idle_timeout", options)
        honoured = {"idle_timeout", "maxconns_fast", "modern"}
        server = harness.Memgate(["-o", ",".join("%s=1" % o for o in options)])
        try:
            log = server.log()
            for option in options:
                warned = len(re.findall(r"memgate: warning: -o %s: " % option, log))
                self.assertEqual(warned, 0 if option in honoured else 1, option)
        finally:
            server.stop()

    def test_help_lists_every_flag(self):
        flags, _ = _memcached_flags()
        text = subprocess.run([harness.MEMGATE, "-h"], capture_output=True,
                              timeout=10).stdout.decode()
        for flag, _ in flags:
            self.assertRegex(text, r"(^|[\s,])%s\b" % re.escape(flag), flag)


if __name__ == "__main__":
    harness.parse_args()
    unittest.main()
