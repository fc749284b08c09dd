#!/usr/bin/env python3
"""Starts the embedding example (examples/custom_backend) and talks memcached
to it: the lambdas behind it get full memcached semantics from the metadata
layer, or the seed's pass-through behaviour with --no-extra."""
import argparse
import re
import socket
import subprocess
import sys
import time
import unittest

BINARY = None


class Example:
    def __init__(self, *args):
        self.proc = subprocess.Popen([BINARY, "127.0.0.1:0", *args],
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        self.address = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"listening on (\S+):(\d+)", line)
            if m:
                self.address = (m.group(1), int(m.group(2)))
                break
        if self.address is None:
            self.stop()
            raise RuntimeError("example did not start")
        self.sock = socket.create_connection(self.address, timeout=5)
        self.buf = b""

    def call(self, request, ending=b"\r\n"):
        self.sock.sendall(request)
        while not self.buf.endswith(ending):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        out, self.buf = self.buf, b""
        return out

    def stop(self):
        if getattr(self, "sock", None):
            self.sock.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()


class CustomBackendTest(unittest.TestCase):
    def test_full_semantics_over_lambdas(self):
        ex = Example()
        try:
            self.assertEqual(ex.call(b"set a 42 0 5\r\nhello\r\n"), b"STORED\r\n")
            self.assertEqual(ex.call(b"get a\r\n", b"END\r\n"),
                             b"VALUE a 42 5\r\nhello\r\nEND\r\n")
            self.assertEqual(ex.call(b"add a 0 0 1\r\nx\r\n"), b"NOT_STORED\r\n")
            self.assertEqual(ex.call(b"append a 0 0 1\r\n!\r\n"), b"STORED\r\n")
            reply = ex.call(b"gets a\r\n", b"END\r\n")
            m = re.match(rb"VALUE a 42 6 (\d+)\r\nhello!\r\nEND\r\n", reply)
            self.assertIsNotNone(m, reply)
            cas = int(m.group(1))
            self.assertEqual(ex.call(b"cas a 1 0 1 %d\r\nz\r\n" % (cas + 1)), b"EXISTS\r\n")
            self.assertEqual(ex.call(b"cas a 1 0 1 %d\r\nz\r\n" % cas), b"STORED\r\n")
            self.assertEqual(ex.call(b"set n 0 0 1\r\n9\r\nincr n 1\r\n"), b"STORED\r\n10\r\n")
            self.assertEqual(ex.call(b"set gone 0 -1 1\r\nx\r\nget gone\r\n", b"END\r\n"),
                             b"STORED\r\nEND\r\n")
            self.assertEqual(ex.call(b"set readonly 0 0 1\r\nx\r\n"),
                             b"SERVER_ERROR key is read-only\r\n")
            self.assertEqual(ex.call(b"delete a\r\nget a\r\n", b"END\r\n"),
                             b"DELETED\r\nEND\r\n")
            self.assertEqual(ex.call(b"flush_all\r\nget n\r\n", b"END\r\n"), b"OK\r\nEND\r\n")
        finally:
            ex.stop()

    def test_no_extra_is_the_seeds_pass_through(self):
        ex = Example("--no-extra")
        try:
            self.assertEqual(ex.call(b"set a 42 0 2\r\nhi\r\nget a\r\n", b"END\r\n"),
                             b"STORED\r\nVALUE a 0 2\r\nhi\r\nEND\r\n")
            # cas always succeeds, nothing expires.
            self.assertEqual(ex.call(b"cas a 0 0 1 999\r\nz\r\n"), b"STORED\r\n")
            self.assertEqual(ex.call(b"set b 0 -1 1\r\nx\r\nget b\r\n", b"END\r\n"),
                             b"STORED\r\nVALUE b 0 1\r\nx\r\nEND\r\n")
        finally:
            ex.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest)
