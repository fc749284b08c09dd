#!/usr/bin/python3
"""Runs memcached's own test suite (t/ of memcached 1.6.45, beside the
source tree in ../shared/anchors/) against memgate on one backend, or with
--reference against that release's binary itself, through prove.

The suite runs from a temporary directory holding `memcached-debug` (this
directory's memcached_debug.py, which starts the server with the test's
arguments), `timedrun` and a link to the anchor's t/, which is how
t/lib/MemcachedTest.pm expects a memcached build tree to look. Exits 77
(SKIPPED) when the anchor is absent, 1 when a test fails.
"""
import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
ANCHOR = os.path.join(SOURCE_ROOT, "..", "shared", "anchors", "memcached-1.6.45")
sys.path.insert(0, os.path.join(SOURCE_ROOT, "tests", "integration"))
import harness  # noqa: E402

SKIP = 77
# A file still running after this long has hung (the slowest, metaget.t,
# takes about 18 s on memcached): it is killed, and its server with it, so the run goes on.
FILE_TIMEOUT_SECONDS = 60

# The files that exercise what memgate serves: the text and meta protocol
# and the flags and options it honours. Each passes on memcached 1.6.45
# (memcached_suite_reference).
CORE = [
    "bogus-commands.t", "cas.t", "chunked-items.t", "conn-limits.t",
    "daemonize.t", "dash-M.t", "evictions.t", "flags.t", "flush-all.t",
    "getandtouch.t", "getset.t", "idle-timeout.t", "incrdecr.t",
    "issue_104.t", "issue_108.t", "issue_14.t", "issue_152.t", "issue_183.t",
    "issue_192.t", "issue_29.t", "issue_3.t", "issue_41.t", "issue_61.t",
    "issue_68.t", "issue_70.t", "item_size_max.t", "malicious-commands.t",
    "maxconns.t", "metaget.t", "multiversioning.t", "noreply.t", "quit.t",
    "shutdown.t", "strtol-testing.t", "touch.t", "unixsocket.t",
]

# The other files of t/, and why they are not run; a pattern covers every
# file it matches.
LEFT_OUT = {
    "binary*.t": "the binary protocol, which memgate does not speak",
    "00-startup.t": "expects -B binary to start and serve",
    "issue_50.t": "starts the server with -B binary",
    "*sasl*.t": "SASL (-S), refused by memgate",
    "ascii-auth*.t": "ASCII authentication (-Y), refused by memgate",
    "ssl_*.t": "TLS on data listeners (-Z), refused by memgate",
    "*extstore*.t": "extstore (-o ext_path)",
    "proxy*.t": "memcached's built-in proxy",
    "lru*.t": "memcached's LRU crawler and maintainer",
    "slabs*.t": "slab page moves between classes (slab_reassign, automove)",
    "slabhang.t": "skips itself (needs hooks of memcached's debug build)",
    "refhang.t": "skips itself (needs hooks of memcached's debug build)",
    "issue_140.t": "skips itself on every server",
    "issue_260.t": "skips itself on every server",
    "watcher*.t": "`watch`, which memgate does not have (-W)",
    "restart.t": "restart from a memory file (-e)",
    "stats-detail.t": "per-prefix stats (`stats detail` stays off)",
    "udp.t": "UDP, which memgate does not serve",
    "issue_67.t": "UDP ports and the MEMCACHED_PORT_FILENAME port file",
    "stats-conns.t": "UDP and listening sockets listed in `stats conns`",
    "misbehave.t": "drop_privileges (the debug build's seccomp sandbox)",
    "dyn-maxbytes.t": "`cache_memlimit` and slab page accounting",
    "issue_163.t": "counts in memcached's slab class 31; memgate reports one class "
                   "(docs/protocol.md)",
    "issue_22.t": "counts evictions in memcached's slab class 31, as issue_163.t",
    "issue_42.t": "expects class 1's chunk_size above the item size; memgate's is "
                  "the mean item size (docs/operations.md)",
    "64bit.t": "T_MEMD_INITIAL_MALLOC, a hook into memcached's allocator",
    "expirations.t": "`debugtime`, a command of memcached's debug build only "
                     "(fails on the 1.6.45 release binary too)",
    "stats.t": "`debugtime` (as expirations.t) and `stats cachedump` (-X), "
               "which memgate does not have",
    "line-lengths.t": "reads doc/protocol.txt of memcached's source tree",
    "whitespace.t": "checks memcached's git working tree",
}

# Files of CORE a backend cannot pass by design, and why.
_MEMORY_LIMIT = {
    "dash-M.t": "-m/-M: stores until the memory limit refuses one, and only "
                "the memory backend has one (elsewhere it never stops)",
    "evictions.t": "-m evictions: memory backend only",
}
# Counts of what memgate holds: the items of Redis and of a full-contract
# service are theirs, and they expire and flush them themselves.
_REMOTE_ITEMS = {
    "issue_29.t": "`stats slabs` used_chunks: the items are not in memgate",
    "issue_183.t": "`reclaimed`: the backend drops expired and flushed items itself",
}
# Files memgate does not pass yet on any backend, each with what fails; they
# are run again as each gap closes (docs/protocol.md lists them too).
_KNOWN_GAPS = {
    "conn-limits.t": "-o read_buf_mem_limit: memgate has no per-connection read "
                     "buffer budget yet, so a 500-key get is not refused with "
                     "SERVER_ERROR out of memory writing",
    "issue_61.t": "with -R 1, a connection that yielded with commands left in "
                  "one read stops answering",
    "issue_183.t": "`reclaimed` does not count an expired item's space taken "
                   "for a new one",
    "metaget.t": "ms in append mode with N (autovivify) is refused",
    "maxconns.t": "on a loaded machine the connection over -c is not always "
                  "counted in rejected_connections within the test's 5 s",
}
BACKEND_EXCLUDED = {
    "memory": dict(_KNOWN_GAPS),
    "simple-memory": dict(_MEMORY_LIMIT, **_KNOWN_GAPS),
    "redis": dict(_KNOWN_GAPS, **_MEMORY_LIMIT, **_REMOTE_ITEMS,
                  **{"metaget.t": "mg h, l and me: Redis keeps no fetched or last-access "
                                  "state (docs/redis.md)"}),
    "grpc": dict(_KNOWN_GAPS, **_MEMORY_LIMIT, **_REMOTE_ITEMS,
                 **{"metaget.t": "meta commands are refused: the grpc backend keeps no "
                                 "item metadata"}),
}


def files_for(backend):
    excluded = BACKEND_EXCLUDED[backend]
    return [name for name in CORE if name not in excluded]


def left_out_reason(name):
    for pattern, reason in LEFT_OUT.items():
        if fnmatch.fnmatchcase(name, pattern):
            return reason
    return None


def list_files(tests):
    """Every file of t/: which backends run it, or why none does. Returns
    1 when a file is neither run nor left out with a reason."""
    unaccounted = 0
    for name in sorted(n for n in os.listdir(tests) if n.endswith(".t")):
        if name in CORE:
            skipped = ["%s (%s)" % (b, BACKEND_EXCLUDED[b][name])
                       for b in BACKEND_EXCLUDED if name in BACKEND_EXCLUDED[b]]
            print("%-28s run%s" % (name, "; not on " + ", ".join(skipped) if skipped else ""))
        elif left_out_reason(name):
            print("%-28s left out: %s" % (name, left_out_reason(name)))
        else:
            print("%-28s NOT ACCOUNTED FOR" % name)
            unaccounted = 1
    return unaccounted


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memgate", help="the memgate binary")
    parser.add_argument("--backend", default="memory", choices=sorted(BACKEND_EXCLUDED))
    parser.add_argument("--python-service",
                        default=os.path.join(SOURCE_ROOT, "examples", "python_backend",
                                             "dict_backend.py"),
                        help="dict_backend.py, the gRPC service of --backend grpc")
    parser.add_argument("--anchor", default=ANCHOR,
                        help="memcached 1.6.45's directory: its binary and t/")
    parser.add_argument("--reference", action="store_true",
                        help="run the files against the anchor's memcached instead")
    parser.add_argument("--list", action="store_true",
                        help="print every file of t/ with what is done with it")
    parser.add_argument("files", nargs="*",
                        help="test files of t/ (default: the backend's list)")
    return parser.parse_args()


def main():
    args = parse_args()
    anchor = os.path.abspath(args.anchor)
    tests = os.path.join(anchor, "t")
    if not os.path.isfile(os.path.join(tests, "lib", "MemcachedTest.pm")):
        print("SKIPPED: memcached 1.6.45's test suite is not at %s" % anchor)
        return SKIP
    if not shutil.which("prove"):
        print("SKIPPED: prove (perl) is not installed")
        return SKIP
    if args.list:
        return list_files(tests)
    if args.files:
        files = args.files
    elif args.reference:
        files = CORE
    else:
        files = files_for(args.backend)

    env = dict(os.environ)
    if args.reference:
        env["MEMGATE_SUITE_SERVER"] = "memcached"
        env["MEMGATE_SUITE_BINARY"] = os.path.join(anchor, "memcached")
        what = "memcached 1.6.45"
    else:
        if not args.memgate:
            print("--memgate is required", file=sys.stderr)
            return 2
        env["MEMGATE_SUITE_SERVER"] = "memgate"
        env["MEMGATE_SUITE_BINARY"] = os.path.abspath(args.memgate)
        env["MEMGATE_SUITE_BACKEND"] = args.backend
        what = "memgate --backend %s" % args.backend
        excluded = BACKEND_EXCLUDED[args.backend]
        for name in sorted(excluded):
            print("excluded on %s: %s: %s" % (args.backend, name, excluded[name]))

    workdir = tempfile.mkdtemp(prefix="memgate-upstream-")
    service = None
    try:
        os.symlink(tests, os.path.join(workdir, "t"))
        os.symlink(os.path.join(HERE, "memcached_debug.py"),
                   os.path.join(workdir, "memcached-debug"))
        os.symlink(os.path.join(HERE, "timedrun"), os.path.join(workdir, "timedrun"))
        if not args.reference and args.backend == "redis":
            service = harness.RedisServer()
            env["MEMGATE_SUITE_REDIS_URL"] = service.url
        elif not args.reference and args.backend == "grpc":
            # memgate's -I is the limit the tests check, not the service's.
            service = harness.GrpcService(
                [sys.executable, args.python_service, "--max-item-size", str(1 << 30)])
            env["MEMGATE_SUITE_GRPC_TARGET"] = service.target
        print("memcached 1.6.45's t/ against %s: %d files" % (what, len(files)), flush=True)
        timed_perl = "timeout -k 5 %d perl" % FILE_TIMEOUT_SECONDS
        prove = subprocess.run(["prove", "--timer", "--exec", timed_perl]
                               + ["t/" + name for name in files],
                               cwd=workdir, env=env, stdin=subprocess.DEVNULL)
        return 0 if prove.returncode == 0 else 1
    finally:
        if service:
            service.stop()
        shutil.rmtree(workdir, True)


if __name__ == "__main__":
    sys.exit(main())
