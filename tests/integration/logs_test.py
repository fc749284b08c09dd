"""Logs on the real binary: --log-format json gives one JSON object per
line (time, level, message, fields), --access-log one line per closed
client, --log-level and -v pick what is logged; the backends' lines (Redis
unreachable) follow the same format and level.

  logs_test.py --memgate PATH
"""

import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class JsonMemgate(harness.Memgate):
    """Waits for the JSON start-up summary instead of the text one."""

    def wait_ready(self, timeout=10.0):
        self.wait_for_line(r'"message":"[^"]* ready"', timeout)
        self.addresses = [json.loads(line)["fields"]["address"] for line in self.lines
                          if '"message":"listening on' in line]
        return self


class LogsTest(unittest.TestCase):

    def test_json_lines_parse_as_json(self):
        access = os.path.join(harness.temp_dir(self), "access.log")
        server = JsonMemgate(args=["--log-format", "json", "--access-log", access])
        with harness.Client(server.address) as c:
            self.assertEqual(c.request(b"set k 0 0 1\r\nv\r\n"), b"STORED\r\n")
            c.request(b"get k\r\n", b"END\r\n")
        self.assertTrue(harness.wait_until(lambda: "disconnected" in server.log()))
        status, graceful = server.stop()
        self.assertEqual((status, graceful), (0, True), server.log())

        records = [json.loads(line) for line in server.lines]  # every line is JSON
        for r in records:
            self.assertEqual(set(r), {"time", "level", "message", "fields"}, r)
            self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(r["level"], ("error", "warn", "info", "debug", "trace"))
        messages = [r["message"] for r in records]
        summary = next(r for r in records if r["message"].endswith("ready"))
        self.assertEqual(summary["fields"]["backend"], "memory")
        self.assertEqual(summary["fields"]["threads"], 2)
        connected = next(r for r in records if " connected from " in r["message"])
        self.assertEqual(connected["fields"]["listener"], "l1")
        self.assertTrue(any("disconnected (client_closed)" in m for m in messages), messages)
        self.assertTrue(any(m.startswith("signal 15") for m in messages), messages)

        with open(access) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual(lines[0]["commands"], 2)
        self.assertEqual(lines[0]["reason"], "client_closed")
        self.assertEqual(lines[0]["listener"], "l1")
        self.assertEqual(lines[0]["bytes_in"], len(b"set k 0 0 1\r\nv\r\nget k\r\n"))
        self.assertEqual(lines[0]["bytes_out"],
                         len(b"STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n"))

    def test_levels(self):
        quiet = harness.Memgate(args=["--log-level", "warn"], wait_ready=False)
        self.addCleanup(quiet.stop)
        verbose = harness.Memgate(args=["-v"])
        self.addCleanup(verbose.stop)
        with harness.Client(verbose.address) as c:
            c.request(b"version\r\n")
        # info lines are gone at warn; debug lines appear with -v.
        self.assertTrue(harness.wait_until(lambda: "listener l1 open on" in verbose.log()))
        self.assertEqual(quiet.log(), "")
        self.assertTrue(quiet.running())

    def test_text_lines_keep_their_form(self):
        server = harness.Memgate()
        self.addCleanup(server.stop)
        with harness.Client(server.address) as c:
            c.request(b"version\r\n")
        self.assertTrue(harness.wait_until(
            lambda: "memgate: client 1 disconnected (client_closed)" in server.log()))
        self.assertRegex(server.log(), r"memgate: client 1 connected from 127\.0\.0\.1:\d+ "
                                       r"on listener l1")

    def test_unwritable_access_log_stops_memgate(self):
        server = harness.Memgate(args=["--access-log", "/nonexistent/dir/access.log"],
                                 wait_ready=False)
        self.addCleanup(server.stop)
        server.proc.wait(timeout=10)
        self.assertEqual(server.proc.returncode, 2)
        self.assertIn("--access-log: cannot open /nonexistent/dir/access.log", server.log())


class RedisBackendLogsTest(unittest.TestCase):
    """The Redis backend logs through the process's log, so --log-format and
    --log-level apply to its lines as to the server's."""

    def start(self, *args):
        """memgate on --backend redis with a Redis URL nothing listens on,
        after one get (answered SERVER_ERROR) and a stop, so every line it
        wrote is in; returns the server and the Redis endpoint."""
        listen = "127.0.0.1:%d" % harness.free_tcp_port()
        endpoint = "127.0.0.1:%d" % harness.free_tcp_port()
        server = harness.Memgate(args=["--log-format", "json", "--backend", "redis",
                                       "--redis-url", "redis://" + endpoint,
                                       "--redis-timeout", "1s", *args],
                                 listen=(listen,), wait_ready=False)
        self.addCleanup(server.stop)
        host, port = listen.split(":")
        # Polled, not read from the log: at --log-level error the ready line is
        # not written.
        self.assertTrue(harness.wait_until(lambda: self.accepts(host, int(port)), timeout=10),
                        server.log())
        with harness.Client((host, int(port))) as c:
            reply = c.request(b"get k\r\n")
        self.assertTrue(reply.startswith(b"SERVER_ERROR "), reply)
        status, graceful = server.stop()
        self.assertEqual((status, graceful), (0, True), server.log())
        return server, endpoint

    @staticmethod
    def accepts(host, port):
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            return False

    def test_cannot_connect_warning_is_json(self):
        server, endpoint = self.start()
        records = [json.loads(line) for line in server.lines]  # every line is JSON
        warnings = [r for r in records
                    if r["message"].startswith("redis: cannot connect to redis at " + endpoint)]
        self.assertTrue(warnings, server.log())
        self.assertEqual(set(warnings[0]), {"time", "level", "message", "fields"}, warnings[0])
        self.assertEqual(warnings[0]["level"], "warn")
        self.assertEqual(warnings[0]["fields"]["endpoint"], endpoint)

    def test_error_level_drops_the_warning(self):
        server, _ = self.start("--log-level", "error")
        records = [json.loads(line) for line in server.lines]  # every line is JSON
        self.assertFalse([r for r in records if "cannot connect" in r["message"]], server.log())
        self.assertFalse([r for r in records if r["level"] != "error"], server.log())


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
