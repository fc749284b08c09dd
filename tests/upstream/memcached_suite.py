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
# A file still running after this long has hung (the slowest takes about 20 s
# on memcached): it is killed, and its server with it, so the run goes on.
FILE_TIMEOUT_SECONDS = 90

# The files that exercise what memgate serves: the text and meta protocol
# and the flags and options it honours.
CORE = [
    "64bit.t", "bogus-commands.t", "cas.t", "conn-limits.t", "dash-M.t",
    "expirations.t", "flags.t", "flush-all.t", "getandtouch.t", "getset.t",
    "idle-timeout.t", "incrdecr.t", "issue_104.t", "issue_108.t",
    "issue_14.t", "issue_140.t", "issue_152.t", "issue_163.t", "issue_183.t",
    "issue_192.t", "issue_22.t", "issue_260.t", "issue_29.t", "issue_3.t",
    "issue_41.t", "issue_42.t", "issue_50.t", "issue_61.t", "issue_68.t",
    "issue_70.t", "item_size_max.t", "line-lengths.t", "malicious-commands.t",
    "maxconns.t", "metaget.t", "multiversioning.t", "noreply.t", "quit.t",
    "stats.t", "strtol-testing.t", "touch.t", "whitespace.t",
]

# Files of CORE a backend cannot pass by design, with the reason.
BACKEND_EXCLUDED = {
    "memory": {},
    "simple-memory": {},
    "redis": {},
    "grpc": {},
}


def files_for(backend):
    excluded = BACKEND_EXCLUDED[backend]
    return [name for name in CORE if name not in excluded]


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
    files = args.files or files_for(args.backend)

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
        prove = subprocess.run(["prove", "--exec", "timeout -k 5 %d perl" % FILE_TIMEOUT_SECONDS]
                               + ["t/" + name for name in files],
                               cwd=workdir, env=env, stdin=subprocess.DEVNULL)
        return 0 if prove.returncode == 0 else 1
    finally:
        if service:
            service.stop()
        shutil.rmtree(workdir, True)


if __name__ == "__main__":
    sys.exit(main())
