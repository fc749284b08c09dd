"""Shared pieces of the integration tests: start and stop memgate and
memcached on free ports, and a raw-socket client that never hangs.

Every process started here is killed if the test process dies (PDEATHSIG)
and at interpreter exit, so a failing or interrupted test leaves nothing
behind.
"""

import argparse
import atexit
import ctypes
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

# Paths filled in by parse_args(); tests read them from here.
MEMGATE = None
MEMCACHED = None

_LIVE = []  # every process started and not yet reaped


def parse_args():
    """Takes --memgate/--memcached off sys.argv; the rest goes to unittest."""
    global MEMGATE, MEMCACHED
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--memgate", default=os.environ.get("MEMGATE_BINARY"))
    parser.add_argument("--memcached",
                        default=os.environ.get("MEMCACHED_BINARY", "memcached"))
    known, rest = parser.parse_known_args(sys.argv[1:])
    MEMGATE = known.memgate
    MEMCACHED = known.memcached
    sys.argv[1:] = rest
    return known


def _die_with_parent():
    # Runs in the child between fork and exec: ask the kernel to SIGKILL the
    # child when the test process exits, however it exits.
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _kill_leftovers():
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _LIVE.remove(proc)


atexit.register(_kill_leftovers)


def free_tcp_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerError(Exception):
    pass


class Process:
    """A child process whose stderr is collected line by line."""

    def __init__(self, argv, pass_fds=()):
        self.argv = list(argv)
        self.lines = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=tuple(pass_fds),
            preexec_fn=_die_with_parent,
            close_fds=True)
        _LIVE.append(self.proc)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self):
        return self.proc.pid

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        self.proc.stdout.close()
        with self._cond:
            self._cond.notify_all()

    def wait_for_line(self, pattern, timeout=10.0):
        """Returns the first re.search match of pattern in the log."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    m = regex.search(line)
                    if m:
                        return m
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise ServerError("%s exited with %s before logging %r:\n%s" %
                                      (self.argv[0], self.proc.returncode, pattern,
                                       self.log()))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServerError("%s did not log %r within %.0fs:\n%s" %
                                      (self.argv[0], pattern, timeout, self.log()))
                self._cond.wait(min(left, 0.1))

    def log(self):
        with self._cond:
            return "\n".join(self.lines)

    def running(self):
        return self.proc.poll() is None

    def signal(self, signum):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signum)

    def stop(self, timeout=5.0):
        """SIGTERM, then SIGKILL after timeout. Returns the exit status and
        whether SIGTERM alone was enough."""
        graceful = True
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                graceful = False
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc in _LIVE:
            _LIVE.remove(self.proc)
        self._reader.join(timeout=2)
        return self.proc.returncode, graceful


class Memgate(Process):
    """memgate on a free port: --listen 127.0.0.1:0 unless args say where."""

    def __init__(self, args=(), listen=("127.0.0.1:0",), threads=2,
                 pass_fds=(), wait_ready=True, timeout=10.0, binary=None):
        binary = binary or MEMGATE
        if not binary:
            raise ServerError("no memgate binary: pass --memgate PATH")
        argv = [binary, "--admin", "none", "-t", str(threads)]
        for address in listen:
            argv += ["--listen", address]
        argv += list(args)
        super().__init__(argv, pass_fds=pass_fds)
        self.addresses = []  # bound addresses in the order logged
        if wait_ready:
            self.wait_ready(timeout)

    def wait_ready(self, timeout=10.0):
        self.wait_for_line(r"memgate: .* ready$", timeout)
        self.addresses = re.findall(r"memgate: listening on (\S+) \(listener",
                                    self.log())
        return self

    @property
    def address(self):
        """(host, port) of the first TCP listener."""
        for a in self.addresses:
            m = re.match(r"^\[?([^\]]*?)\]?:(\d+)$", a)
            if m and not a.startswith("unix:"):
                return (m.group(1), int(m.group(2)))
        raise ServerError("memgate logged no TCP listener:\n" + self.log())

    @property
    def port(self):
        return self.address[1]


class Memcached(Process):
    """Debian's memcached on a free port, one worker thread, no UDP."""

    def __init__(self, args=(), binary=None, timeout=10.0):
        binary = binary or MEMCACHED
        last = None
        for _ in range(5):  # the chosen port can be taken meanwhile: retry
            port = free_tcp_port()
            argv = [binary, "-u", "root", "-U", "0", "-l", "127.0.0.1",
                    "-p", str(port), "-t", "1"] + list(args)
            try:
                super().__init__(argv)
            except FileNotFoundError:
                raise ServerError("memcached not found at %r" % binary)
            self.address = ("127.0.0.1", port)
            self.port = port
            try:
                self._wait_accepting(timeout)
                return
            except ServerError as e:
                last = e
                self.stop()
        raise last

    def _wait_accepting(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("memcached exited with %s:\n%s" %
                                  (self.proc.returncode, self.log()))
            try:
                with socket.create_connection(self.address, timeout=1) as s:
                    s.sendall(b"version\r\n")
                    s.settimeout(2)
                    if s.recv(100).startswith(b"VERSION "):
                        return
            except OSError:
                time.sleep(0.05)
        raise ServerError("memcached did not accept on %s within %.0fs:\n%s" %
                          (self.address, timeout, self.log()))


class RedisServer(Process):
    """Debian's redis-server on a free port, no persistence. `args` go to
    redis-server too; `port` and `directory` keep a chosen port and working
    directory (a cluster node's nodes.conf lives there)."""

    def __init__(self, binary="redis-server", timeout=10.0, args=(), port=None,
                 directory=None):
        last = None
        for _ in range(1 if port else 5):  # a chosen port can be taken meanwhile: retry
            chosen = port or free_tcp_port()
            argv = [binary, "--port", str(chosen), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--daemonize", "no"]
            if directory:
                argv += ["--dir", directory]
            argv += list(args)
            try:
                super().__init__(argv)
            except FileNotFoundError:
                raise ServerError("redis-server not found at %r" % binary)
            self.port = chosen
            self.url = "redis://127.0.0.1:%d" % chosen
            try:
                self._wait_ping(timeout)
                return
            except ServerError as e:
                last = e
                self.stop()
        raise last

    def _wait_ping(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("redis-server exited with %s:\n%s" %
                                  (self.proc.returncode, self.log()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    s.settimeout(2)
                    if s.recv(100).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise ServerError("redis-server did not answer on port %d within %.0fs:\n%s" %
                          (self.port, timeout, self.log()))


class GrpcService(Process):
    """A memgate.backend.v1 service (the examples) that logs the address it
    listens on; --listen 127.0.0.1:PORT is appended, 0 picks a free port."""

    def __init__(self, argv, port=0, timeout=20.0):
        super().__init__(list(argv) + ["--listen", "127.0.0.1:%d" % port])
        m = self.wait_for_line(r"listening on (\S+):(\d+)$", timeout)
        self.port = int(m.group(2))
        self.target = "%s:%s" % (m.group(1), m.group(2))


BACKENDS = ("memory", "simple-memory", "redis", "grpc")


class Backend:
    """What memgate --backend NAME needs, started: nothing for the in-process
    backends, a redis-server of its own for redis, and for grpc the example
    SQLite service (sqlite_service: its binary; the plain contract) on a
    fresh database (in /dev/shm when there is one: a write is then not an
    fsync), or the example Python service (python_service: its script; the
    full contract, in memory). args are memgate's flags for it; stop() stops
    what was started."""

    def __init__(self, name, sqlite_service=None, python_service=None):
        import tempfile
        self.name = name
        self.process = None
        self.workdir = None
        self.args = ["--backend", name]
        if name == "redis":
            self.process = RedisServer()
            self.args += ["--redis-url", self.process.url]
        elif name == "grpc":
            if sqlite_service:
                self.workdir = tempfile.mkdtemp(
                    prefix="memgate-grpc-",
                    dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
                self.argv = [sqlite_service, "--db", os.path.join(self.workdir, "kv.db")]
            elif python_service:
                self.argv = [sys.executable, python_service]
            else:
                raise ServerError("--backend grpc needs a service: SQLite's binary or Python's")
            self.process = GrpcService(self.argv)
            self.args += ["--grpc-target", self.process.target]
        elif name not in BACKENDS:
            raise ServerError("unknown backend %r" % name)

    def kill(self):
        """SIGKILLs the service (redis-server or the gRPC service)."""
        self.process.proc.kill()
        self.process.stop()

    def restart(self):
        """Starts the service again on the same port (Redis and the Python
        service start empty, the SQLite service on the same database)."""
        port = self.process.port
        if self.name == "redis":
            self.process = RedisServer(port=port)
        else:
            self.process = GrpcService(self.argv, port=port)

    def stop(self):
        import shutil
        if self.process:
            self.process.stop()
        if self.workdir:
            shutil.rmtree(self.workdir, True)


def redis_text(port, *argv, timeout=2.0):
    """One command to the Redis on `port`; a status, error or bulk reply
    as text (a bulk's bytes decoded), or None when nothing answers."""
    command = b"*%d\r\n" % len(argv)
    for arg in argv:
        arg = arg.encode() if isinstance(arg, str) else arg
        command += b"$%d\r\n%s\r\n" % (len(arg), arg)
    try:
        with Client(("127.0.0.1", port), timeout=timeout) as c:
            head = c.request(command, b"\r\n")
            if head[:1] != b"$":
                return head[1:-2].decode()
            size = int(head[1:-2])
            if size < 0:
                return None
            return c.read_until_size(size + 2)[:-2].decode()
    except (OSError, TimeoutError, ConnectionError):
        return None


class RedisCluster:
    """A Redis Cluster of 3 masters and 3 replicas on free loopback ports,
    made with redis-cli --cluster create. The ports are chosen at once, so
    memgate can be pointed at a cluster that is not there yet; start()
    starts the nodes, creates the cluster and waits until every node says
    cluster_state:ok."""

    NODES = 6

    def __init__(self, binary="redis-server", node_args=()):
        import tempfile
        self.binary = binary
        self.node_args = list(node_args)
        self.ports = [free_tcp_port() for _ in range(self.NODES)]
        # The bus port would be port + 10000, which a free port may not leave.
        self.bus_ports = [free_tcp_port() for _ in range(self.NODES)]
        self.dirs = [tempfile.mkdtemp(prefix="memgate-cluster-") for _ in range(self.NODES)]
        self.nodes = []
        self.url = "redis+cluster://" + ",".join("127.0.0.1:%d" % p for p in self.ports[:2])

    def start(self, timeout=30.0):
        if self.nodes:
            return
        for port, bus, directory in zip(self.ports, self.bus_ports, self.dirs):
            self.nodes.append(RedisServer(
                self.binary, port=port, directory=directory,
                args=["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                      "--cluster-node-timeout", "2000", "--cluster-port", str(bus)]
                + self.node_args))
        create = subprocess.run(
            ["redis-cli", "--cluster", "create"]
            + ["127.0.0.1:%d" % p for p in self.ports]
            + ["--cluster-replicas", "1", "--cluster-yes"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=timeout)
        if create.returncode != 0:
            raise ServerError("redis-cli --cluster create failed:\n" +
                              create.stdout.decode("utf-8", "replace"))
        if not wait_until(self.healthy, timeout=timeout, interval=0.1):
            raise ServerError("redis cluster on %s did not become healthy" % self.ports)

    def healthy(self):
        return all("cluster_state:ok" in (redis_text(p, "CLUSTER", "INFO") or "")
                   for p in self.ports)

    def stop(self):
        import shutil
        for node in self.nodes:
            node.stop()
        self.nodes = []
        for directory in self.dirs:
            shutil.rmtree(directory, True)


class Client:
    """A raw socket: send bytes, read until a terminator, quiet, or close.

    Reads keep whatever arrived past the point they stop at for the next
    read. Nothing blocks longer than its timeout.
    """

    def __init__(self, address, timeout=5.0, sock=None):
        self.timeout = timeout
        if sock is not None:
            self.sock = sock
        elif isinstance(address, str):  # unix socket path
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(address)
        else:
            self.sock = socket.create_connection(address, timeout=timeout)
        if self.sock.family != socket.AF_UNIX:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.closed_by_peer = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        """Sends all of data. Returns False if the peer has gone away."""
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout
        while view:
            try:
                n = self.sock.send(view)
                view = view[n:]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("send blocked for %.1fs" % self.timeout)
                # Keep draining replies so a server that answers while we
                # send a large request cannot deadlock us.
                if self._poll(select.POLLIN | select.POLLOUT, left) & select.POLLIN:
                    self._recv_some()
            except (BrokenPipeError, ConnectionResetError):
                self.closed_by_peer = True
                return False
        return True

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def _recv_some(self):
        """Reads what is available; returns False at EOF/reset."""
        try:
            chunk = self.sock.recv(1 << 20)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            self.closed_by_peer = True
            return False
        if not chunk:
            self.closed_by_peer = True
            return False
        self.buf += chunk
        return True

    def _wait_readable(self, timeout):
        if timeout <= 0:
            return False
        return bool(self._poll(select.POLLIN, timeout))

    def _poll(self, events, timeout):
        """The events that happened within timeout seconds (poll, not
        select: descriptors past 1024 are fine)."""
        poller = select.poll()
        poller.register(self.sock, events)
        ready = poller.poll(max(0.0, timeout) * 1000)
        if not ready:
            return 0
        revents = ready[0][1]
        # A hang-up or an error reads as readable: the next recv reports it.
        if revents & (select.POLLHUP | select.POLLERR):
            revents |= select.POLLIN
        return revents & events

    def _take(self, n):
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_until(self, terminator, timeout=None):
        """Reads until terminator (bytes, or a compiled bytes regex whose
        match ends the read). Raises TimeoutError or ConnectionError with
        the bytes read so far in the message."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            if isinstance(terminator, bytes):
                i = self.buf.find(terminator)
                if i >= 0:
                    return self._take(i + len(terminator))
            else:
                m = terminator.search(self.buf)
                if m:
                    return self._take(m.end())
            if self.closed_by_peer:
                raise ConnectionError("closed before %r; got %r" %
                                      (terminator, self.buf))
            if not self._wait_readable(deadline - time.monotonic()):
                raise TimeoutError("no %r within %.1fs; got %r" %
                                   (terminator, timeout, self.buf))
            self._recv_some()

    def read_until_size(self, n, timeout=None):
        """Reads exactly n bytes (more may stay buffered)."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            if self.closed_by_peer:
                raise ConnectionError("closed after %d of %d bytes" % (len(self.buf), n))
            if not self._wait_readable(deadline - time.monotonic()):
                raise TimeoutError("%d of %d bytes within %.1fs" % (len(self.buf), n, timeout))
            self._recv_some()
        return self._take(n)

    def request(self, data, terminator=b"\r\n", timeout=None):
        self.send(data)
        return self.read_until(terminator, timeout)

    def read_quiet(self, quiet=0.1, timeout=None):
        """Reads until nothing arrives for `quiet` seconds (or EOF)."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not self.closed_by_peer:
            wait = min(quiet, deadline - time.monotonic())
            if not self._wait_readable(wait):
                break
            self._recv_some()
        return self._take(len(self.buf))

    def read_until_close(self, timeout=None):
        """Reads to EOF. Returns (bytes, closed): closed is False if the
        peer kept the connection open past the timeout."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not self.closed_by_peer:
            if not self._wait_readable(deadline - time.monotonic()):
                break
            self._recv_some()
        return self._take(len(self.buf)), self.closed_by_peer

    def is_closed(self, timeout=2.0):
        """True if the peer closes within timeout (data before EOF is
        kept in the buffer)."""
        deadline = time.monotonic() + timeout
        while not self.closed_by_peer:
            if not self._wait_readable(deadline - time.monotonic()):
                return False
            self._recv_some()
        return True


def stats(client):
    """Sends `stats` and returns the general counters as a dict of str."""
    raw = client.request(b"stats\r\n", b"END\r\n")
    out = {}
    for line in raw.decode().split("\r\n"):
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] == "STAT":
            out[parts[1]] = parts[2]
    return out


def rss_kib(pid):
    """A process's resident set size (VmRSS) in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise ServerError("no VmRSS for pid %d" % pid)


def wait_until(predicate, timeout=5.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def temp_dir(test_case):
    """A fresh directory removed when the test ends (for unix sockets)."""
    import shutil
    import tempfile
    path = tempfile.mkdtemp(prefix="memgate-it-")
    test_case.addCleanup(shutil.rmtree, path, True)
    return path


def require_binary(test_case, path, what):
    if not path or not (os.path.isfile(path) and os.access(path, os.X_OK)):
        test_case.fail("%s binary not found or not executable: %r" % (what, path))


__all__ = ["parse_args", "free_tcp_port", "ServerError", "Process", "Memgate", "Memcached",
           "RedisServer", "RedisCluster", "redis_text", "GrpcService", "BACKENDS", "Backend",
           "Client", "stats", "rss_kib", "wait_until", "temp_dir", "require_binary"]
