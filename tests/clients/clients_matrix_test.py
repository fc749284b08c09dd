"""One language's memcached client library against memgate on every backend:
the memory store, Redis in memcached mode, Redis in raw mode and the example
Python gRPC service, and Debian's memcached as the reference. The client
program (tests/clients/<language>/) runs the same sequence everywhere; on a backend that refuses a step memgate is asked
to do it anyway and the client must see the refusal.

  clients_matrix_test.py --memgate PATH --python-service PATH --work DIR
      --language go|perl|php|java|node [BackendTest.test_memory ...]

Exits 77 (skipped) only when npm cannot fetch the Node.js package.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402

SPYMEMCACHED_JAR = "/usr/share/java/spymemcached.jar"
NODE_PACKAGE = "memcached@2.2.2"

# The steps memgate refuses on a backend, by name (docs/redis.md: raw mode's
# keys are shared with other Redis clients, so flush_all is off there).
REFUSED = {
    "memory": [],
    "redis_memcached": [],
    "redis_raw": ["flush"],
    "grpc_python": [],
}

OPTIONS = None  # the parsed command line
CLIENT = None   # (argv prefix, env) of the prepared client program


def require(program, package):
    if not shutil.which(program):
        sys.exit("%s not found: install Debian's %s (scripts/install-deps test)" %
                 (program, package))


def run_or_exit(argv, what, **kwargs):
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300, **kwargs)
    if done.returncode != 0:
        sys.exit("%s failed (%d):\n%s" % (what, done.returncode,
                                          done.stdout.decode("utf-8", "replace")))


def prepare_go(build):
    require("go", "golang-go")
    # GOPATH mode finds Debian's gomemcache under /usr/share/gocode with no
    # module download; the build cache stays in the work directory.
    env = dict(os.environ, GOPATH="/usr/share/gocode", GO111MODULE="off", GOFLAGS="",
               GOCACHE=os.path.join(OPTIONS.work, "go-build-cache"))
    binary = os.path.join(build, "client")
    run_or_exit(["go", "build", "-o", binary, os.path.join(HERE, "go", "client.go")],
                "go build", env=env, cwd=build)
    return [binary], None


def prepare_perl(build):
    require("perl", "perl")
    return ["perl", os.path.join(HERE, "perl", "client.pl")], None


def prepare_php(build):
    require("php", "php-cli")
    return ["php", os.path.join(HERE, "php", "client.php")], None


def prepare_java(build):
    require("javac", "default-jdk-headless")
    if not os.path.isfile(SPYMEMCACHED_JAR):
        sys.exit("%s not found: install Debian's libspymemcached-java" % SPYMEMCACHED_JAR)
    run_or_exit(["javac", "-cp", SPYMEMCACHED_JAR, "-d", build,
                 os.path.join(HERE, "java", "ClientSequence.java")], "javac")
    return ["java", "-cp", SPYMEMCACHED_JAR + ":" + build, "ClientSequence"], None


def prepare_node(build):
    require("node", "nodejs")
    require("npm", "npm")
    # Installed into the work directory (the build tree), never the repository,
    # and kept there for the next run.
    work = os.path.join(OPTIONS.work, "node")
    modules = os.path.join(work, "node_modules")
    os.makedirs(work, exist_ok=True)
    if not os.path.isdir(os.path.join(modules, "memcached")):
        with open(os.path.join(work, "package.json"), "w") as f:
            f.write('{"private": true}\n')
        try:
            done = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error",
                 NODE_PACKAGE], cwd=work, stdin=subprocess.DEVNULL, timeout=180)
            fetched = done.returncode == 0
        except subprocess.TimeoutExpired:
            fetched = False
        if not fetched:
            print("SKIP: npm could not install %s (registry unreachable?)" % NODE_PACKAGE)
            sys.exit(77)
    return ["node", os.path.join(HERE, "node", "client.js")], dict(os.environ, NODE_PATH=modules)


LANGUAGES = {
    "go": prepare_go,
    "perl": prepare_perl,
    "php": prepare_php,
    "java": prepare_java,
    "node": prepare_node,
}


class BackendTest(unittest.TestCase):
    """The client's sequence against memgate on one backend per test."""

    def run_client(self, backend_name, refused, memgate_args=(), **backend_kwargs):
        """memgate in front of the backend, then the client's sequence."""
        backend = harness.Backend(backend_name, **backend_kwargs)
        self.addCleanup(backend.stop)
        server = harness.Memgate(args=backend.args + list(memgate_args))
        self.addCleanup(server.stop)
        self.run_sequence(server, refused)

    def run_sequence(self, server, refused):
        argv, env = CLIENT
        host, port = server.address
        try:
            done = subprocess.run(argv + ["%s:%d" % (host, port)] + refused, env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=120)
        except subprocess.TimeoutExpired as e:
            self.fail("%s client timed out; its output:\n%s\nthe server's log:\n%s" %
                      (OPTIONS.language, (e.stdout or b"").decode("utf-8", "replace"),
                       server.log()))
        out = done.stdout.decode("utf-8", "replace")
        sys.stderr.write("\n%s on %s:\n%s" % (OPTIONS.language, self._testMethodName[5:], out))
        if done.returncode != 0:
            self.fail("%s client exited %d: %s\nits stderr:\n%s\nthe server's log:\n%s" %
                      (OPTIONS.language, done.returncode, out.strip().splitlines()[-1:],
                       done.stderr.decode("utf-8", "replace"), server.log()))

    def test_memcached_reference(self):
        # Debian's memcached itself: the sequence is right when it passes here.
        server = harness.Memcached()
        self.addCleanup(server.stop)
        self.run_sequence(server, [])

    def test_memory(self):
        self.run_client("memory", REFUSED["memory"])

    def test_redis_memcached(self):
        self.run_client("redis", REFUSED["redis_memcached"])

    def test_redis_raw(self):
        self.run_client("redis", REFUSED["redis_raw"], ["--redis-mode", "raw"])

    def test_grpc_python(self):
        self.run_client("grpc", REFUSED["grpc_python"], python_service=OPTIONS.python_service)


def main():
    global OPTIONS, CLIENT
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--language", required=True, choices=sorted(LANGUAGES))
    parser.add_argument("--python-service", required=True)
    parser.add_argument("--work", required=True)
    OPTIONS, sys.argv[1:] = parser.parse_known_args(sys.argv[1:])
    harness.parse_args()
    os.makedirs(OPTIONS.work, exist_ok=True)
    build = tempfile.mkdtemp(prefix="client-", dir=OPTIONS.work)
    try:
        CLIENT = LANGUAGES[OPTIONS.language](build)
        program = unittest.main(exit=False, verbosity=2)
    finally:
        shutil.rmtree(build, True)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
