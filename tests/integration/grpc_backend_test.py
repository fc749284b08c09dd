"""The real memgate with --backend grpc in front of the example services:
two memgates in front of the Python service (full contract) agree on cas and
flags; in front of the SQLite service (plain contract) each keeps its own;
--no-extra is the seed's pass-through; a service that dies answers
SERVER_ERROR on a connection that stays, and memgate recovers when it is
back, and its admin health says memgate.backend NOT_SERVING meanwhile. Clients
are pymemcache, raw sockets and a grpc.health.v1 stub.

  grpc_backend_test.py --memgate PATH --sqlite-backend PATH --python-backend PATH
"""

import argparse
import os
import re
import sys
import unittest

from pymemcache.client.base import Client as Pymemcache

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SQLITE_BACKEND = None
PYTHON_BACKEND = None


def with_flags(key, value, flags):
    """A pymemcache deserializer that shows the flags beside the value."""
    return (value, flags)


def health_stubs(test):
    """grpc.health.v1 stubs generated from Debian's grpc-proto, in a module
    path of their own (grpc.health would clash with the grpc package)."""
    import shutil
    import subprocess
    import tempfile
    out = tempfile.mkdtemp(prefix="memgate-health-stubs-")
    test.addCleanup(shutil.rmtree, out, True)
    os.mkdir(os.path.join(out, "memgate_health_stubs"))
    shutil.copy("/usr/share/grpc-proto/grpc/health/v1/health.proto",
                os.path.join(out, "memgate_health_stubs"))
    subprocess.run(["protoc", "-I", out, "--python_out=" + out, "--grpc_python_out=" + out,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    "memgate_health_stubs/health.proto"], check=True)
    sys.path.insert(0, out)
    from memgate_health_stubs import health_pb2, health_pb2_grpc
    return health_pb2, health_pb2_grpc


class Service(harness.Process):
    """An example BackendService on a free port (it logs the port)."""

    def __init__(self, argv):
        super().__init__(argv)
        m = self.wait_for_line(r"listening on (\S+):(\d+)$", timeout=20)
        self.target = "%s:%s" % (m.group(1), m.group(2))


class GrpcBackendTest(unittest.TestCase):

    def python_service(self):
        service = Service([sys.executable, PYTHON_BACKEND, "--listen", "127.0.0.1:0"])
        self.addCleanup(service.stop)
        return service

    def sqlite_service(self, port=0, db=None):
        db = db or os.path.join(harness.temp_dir(self), "kv.db")
        service = Service([SQLITE_BACKEND, "--listen", "127.0.0.1:%d" % port, "--db", db])
        self.addCleanup(service.stop)
        return service, db

    def memgate(self, service, *args):
        server = harness.Memgate(args=["--backend", "grpc", "--grpc-target", service.target,
                                       *args], timeout=20)
        self.addCleanup(server.stop)
        client = Pymemcache(server.address, deserializer=with_flags, timeout=5)
        self.addCleanup(client.close)
        return server, client

    def test_two_memgates_in_front_of_the_full_service_agree_on_cas_and_flags(self):
        service = self.python_service()
        _, a = self.memgate(service)
        _, b = self.memgate(service)
        self.assertTrue(a.set("k", "v1", flags=42, noreply=False))
        (value, flags), cas = b.gets("k")
        self.assertEqual((value, flags), (b"v1", 42))
        self.assertEqual(a.gets("k")[1], cas)
        # A cas read at one memgate is valid at the other, and only once.
        self.assertTrue(b.cas("k", "v2", cas, flags=7))
        self.assertFalse(a.cas("k", "v3", cas))
        self.assertEqual(a.get("k"), (b"v2", 7))
        # Composite commands are the service's too.
        self.assertTrue(a.set("n", "10", noreply=False))
        self.assertEqual(b.incr("n", 5), 15)
        self.assertEqual(a.decr("n", 20), 0)
        self.assertTrue(b.append("k", "+", noreply=False))
        self.assertEqual(a.get("k"), (b"v2+", 7))
        self.assertTrue(a.add("fresh", "x", noreply=False))
        self.assertFalse(b.add("fresh", "y", noreply=False))

    def test_plain_service_metadata_lives_in_each_memgate(self):
        service, _ = self.sqlite_service()
        _, a = self.memgate(service)
        _, b = self.memgate(service)
        self.assertTrue(a.set("k", "v1", flags=42, noreply=False))
        self.assertEqual(a.get("k"), (b"v1", 42))
        # The bytes are shared; the flags stayed in the memgate that set them.
        self.assertEqual(b.get("k"), (b"v1", 0))
        self.assertTrue(a.cas("k", "v2", a.gets("k")[1]))
        self.assertEqual(b.get("k"), (b"v2", 0))

    def test_no_extra_is_the_seeds_pass_through(self):
        for name, make in (("python", self.python_service),
                           ("sqlite", lambda: self.sqlite_service()[0])):
            with self.subTest(service=name):
                service = make()
                _, c = self.memgate(service, "--no-extra")
                self.assertTrue(c.set("k", "v", flags=42, noreply=False))
                self.assertEqual(c.get("k"), (b"v", 0))          # no flags
                self.assertTrue(c.cas("k", "w", 12345))          # cas always succeeds
                self.assertEqual(c.get("k"), (b"w", 0))
        # memgate expires nothing (a service that keeps expiry itself, like
        # the Python one, still may).
        _, c = self.memgate(self.sqlite_service()[0], "--no-extra")
        self.assertTrue(c.set("e", "v", expire=-1, noreply=False))
        self.assertEqual(c.get("e"), (b"v", 0))

    def test_service_down_answers_server_error_and_memgate_recovers(self):
        port = harness.free_tcp_port()
        service, db = self.sqlite_service(port)
        server, _ = self.memgate(service, "--grpc-timeout", "500ms")
        with harness.Client(server.address) as c:
            self.assertEqual(c.request(b"set k 3 0 1\r\nv\r\n"), b"STORED\r\n")
            service.stop()
            self.assertEqual(c.request(b"get k\r\n"), b"SERVER_ERROR backend unavailable\r\n")
            self.assertEqual(c.request(b"set k 0 0 1\r\nw\r\n"),
                             b"SERVER_ERROR backend unavailable\r\n")
            self.assertFalse(c.is_closed(timeout=0.2))
            self.sqlite_service(port, db)

            def served():
                reply = c.request(b"get k\r\n")
                if reply.startswith(b"VALUE"):
                    return reply + c.read_until(b"END\r\n")
                self.assertEqual(reply, b"SERVER_ERROR backend unavailable\r\n")
                return None

            replies = []
            self.assertTrue(harness.wait_until(lambda: replies.append(served()) or replies[-1],
                                               timeout=5))
            self.assertEqual(replies[-1], b"VALUE k 3 1\r\nv\r\nEND\r\n")

    def test_health_reports_the_backend_not_serving_while_unreachable(self):
        import grpc
        health_pb2, health_grpc = health_stubs(self)
        port = harness.free_tcp_port()
        service = Service([sys.executable, PYTHON_BACKEND, "--listen", "127.0.0.1:%d" % port])
        self.addCleanup(lambda: service.stop())
        server = harness.Memgate(args=["--backend", "grpc", "--grpc-target", service.target,
                                       "--admin", "127.0.0.1:0"], timeout=20)
        self.addCleanup(server.stop)
        admin = server.wait_for_line(r"admin listening on (\S+)").group(1)
        channel = grpc.insecure_channel(admin)
        self.addCleanup(channel.close)
        check = health_grpc.HealthStub(channel).Check

        def status():
            request = health_pb2.HealthCheckRequest(service="memgate.backend")
            return check(request, timeout=2).status

        SERVING = health_pb2.HealthCheckResponse.SERVING
        NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
        self.assertTrue(harness.wait_until(lambda: status() == SERVING, timeout=5))
        service.stop()
        self.assertTrue(harness.wait_until(lambda: status() == NOT_SERVING, timeout=5))
        service = Service([sys.executable, PYTHON_BACKEND, "--listen", "127.0.0.1:%d" % port])
        self.assertTrue(harness.wait_until(lambda: status() == SERVING, timeout=5))

    def test_memgate_refuses_to_start_with_a_bad_header(self):
        service = self.python_service()
        with self.assertRaises(harness.ServerError) as raised:
            server = harness.Memgate(args=["--backend", "grpc", "--grpc-target", service.target,
                                           "--grpc-header", "no colon"], timeout=10)
            server.stop()
        self.assertRegex(str(raised.exception), r"--grpc-header")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--sqlite-backend", required=True)
    parser.add_argument("--python-backend", required=True)
    known, sys.argv[1:] = parser.parse_known_args(sys.argv[1:])
    SQLITE_BACKEND, PYTHON_BACKEND = known.sqlite_backend, known.python_backend
    harness.parse_args()
    unittest.main(verbosity=2)
