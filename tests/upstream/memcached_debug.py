#!/usr/bin/python3
"""The `memcached-debug` that memcached's own t/ suite starts: memgate with
the test's memcached arguments, or, for the reference run, memcached itself.

t/lib/MemcachedTest.pm runs `./timedrun 600 ./memcached-debug ARGS` from the
suite's working directory and reads `./memcached-debug -h` to learn which
features the server has. memcached_suite.py links this file there and says
what to start through the environment:
  MEMGATE_SUITE_SERVER      memgate or memcached (pass-through)
  MEMGATE_SUITE_BINARY      the binary to start
  MEMGATE_SUITE_BACKEND     memgate's --backend
  MEMGATE_SUITE_REDIS_URL   the suite's redis-server (--backend redis)
  MEMGATE_SUITE_GRPC_TARGET the suite's gRPC service (--backend grpc)
The server replaces this process, so the pid the test holds is the server's
and its signals (SIGINT, SIGTERM, SIGUSR1, SIGHUP) reach it directly; it is
killed when the test process dies.
"""
import ctypes
import os
import signal
import sys

# What MemcachedTest.pm looks for in the help: `sasl` (SASL), `enable-ssl`
# (TLS), `ext_path` (extstore), `proxy_config` (proxy), `no_drop_privileges`
# and `unix-socket`. memgate has unix sockets and none of the others, so only
# that feature is named; the other lines are the memcached flags memgate
# honours.
MEMGATE_HELP = """\
memgate, started as memcached-debug for memcached's test suite
-p, --port=<num>          TCP port to listen on
-s, --unix-socket=<file>  UNIX socket to listen on (disables network support)
-a, --unix-mask=<mask>    access mask for UNIX socket, in octal
-l, --listen=<addr>       interface to listen on
-U, --udp-port=0          UDP is off (only 0 is accepted)
-c, --conn-limit=<num>    max simultaneous connections
-m, --memory-limit=<num>  item memory in megabytes
-M, --disable-evictions   return error on memory exhausted instead of evicting
-I, --max-item-size=<num> adjusts max item size
-C, --disable-cas         disable use of CAS
-F, --disable-flush-all   disable flush_all command
-A, --enable-shutdown     enable ascii "shutdown" command
-t, --threads=<num>       number of threads to use
-R, --max-reqs-per-event  maximum number of requests per event
-o, --extended            comma separated list of extended options
                          - idle_timeout: timeout for idle connections
"""


def die_with_parent():
    # Survives the exec below: the server goes when the test process does,
    # however that ends.
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def translate(args, memgate):
    """The test's arguments as the server takes them. Both memgate and
    memcached's release binary lack the debug build's `-o
    relaxed_privileges`, which MemcachedTest.pm always adds (it loosens that
    build's sandbox); memgate has no UDP, for which MemcachedTest.pm asks a
    port with -U."""
    out = []
    i = 0
    while i < len(args):
        arg, value = args[i], args[i + 1:i + 2]
        if arg == "-o" and value == ["relaxed_privileges"]:
            i += 2
            continue
        if memgate and arg == "-U" and value:
            out += ["-U", "0"]
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def flush_grpc_service(target):
    """Empties the suite's gRPC service, which every memgate of the run
    shares, so each test starts on an empty cache as it would on a fresh
    memcached. An empty FlushAllRequest is zero bytes on the wire."""
    import grpc
    with grpc.insecure_channel(target) as channel:
        flush = channel.unary_unary(
            "/memgate.backend.v1.BackendService/FlushAll")
        flush(b"", timeout=10)


def main():
    args = sys.argv[1:]
    server = os.environ.get("MEMGATE_SUITE_SERVER", "memgate")
    binary = os.environ["MEMGATE_SUITE_BINARY"]
    if server == "memcached":
        argv = [binary] + translate(args, memgate=False)
    elif args == ["-h"]:
        sys.stdout.write(MEMGATE_HELP)
        return 0
    else:
        backend = os.environ.get("MEMGATE_SUITE_BACKEND", "memory")
        # Warnings only: memgate's info lines would bury prove's report.
        argv = [binary, "--admin", "none", "--log-level", "warn", "--backend", backend]
        if backend == "redis":
            # A prefix of its own per memgate: tests that start several
            # servers see separate caches, as with memcached, and flush_all
            # deletes only this memgate's keys.
            argv += ["--redis-url", os.environ["MEMGATE_SUITE_REDIS_URL"],
                     "--redis-prefix", "t%d:" % os.getpid()]
        elif backend == "grpc":
            target = os.environ["MEMGATE_SUITE_GRPC_TARGET"]
            flush_grpc_service(target)
            argv += ["--grpc-target", target]
        argv += translate(args, memgate=True)
    die_with_parent()
    os.execv(binary, argv)


if __name__ == "__main__":
    sys.exit(main())
