"""--listen-fd: memgate serves sockets made by another process (the seed's
serve). A listening socket is accepted on; a connected one (a socketpair
end, or a TCP connection accepted here) is served as one client.

  listen_fd_test.py --memgate PATH
"""

import os
import re
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def start_with_fd(test, sock):
    """Starts memgate with sock inherited as --listen-fd and no other
    listener; closes the parent's copy once memgate is ready."""
    fd = sock.fileno()
    os.set_inheritable(fd, True)
    server = harness.Memgate(listen=(), args=["--listen-fd", str(fd)], pass_fds=[fd])
    test.addCleanup(server.stop)
    sock.close()
    return server, fd


class ListenFdTest(unittest.TestCase):

    def exchange(self, client):
        self.assertEqual(client.request(b"set k 5 0 3\r\nabc\r\n"), b"STORED\r\n")
        self.assertEqual(client.request(b"append k 0 0 1\r\nd\r\nget k\r\n", b"END\r\n"),
                         b"STORED\r\nVALUE k 5 4\r\nabcd\r\nEND\r\n")

    def test_inherited_listening_socket(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        server, fd = start_with_fd(self, listener)
        self.assertRegex(server.log(), r"memgate: listening on 127\.0\.0\.1:%d "
                         r"\(listener \S+, fd %d\)" % (port, fd))
        for _ in range(3):  # it keeps accepting
            with harness.Client(("127.0.0.1", port)) as c:
                self.exchange(c)
        status, graceful = server.stop()
        self.assertEqual((status, graceful), (0, True), server.log())

    def test_inherited_unix_listening_socket(self):
        path = os.path.join(harness.temp_dir(self), "fd.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(16)
        server, fd = start_with_fd(self, listener)
        with harness.Client(path) as c:
            self.exchange(c)

    def test_connected_socketpair_is_served_as_a_client(self):
        ours, theirs = socket.socketpair()
        server, fd = start_with_fd(self, theirs)
        self.assertIn("memgate: serving connected fd %d" % fd, server.log())
        with harness.Client(None, sock=ours) as c:
            self.exchange(c)
            self.assertRegex(c.request(b"version\r\n"),
                             rb"^VERSION 1\.6\.45\r\n$")
            c.send(b"quit\r\n")
            self.assertEqual(c.read_until_close(5.0), (b"", True))
        # Losing that client does not stop the server.
        self.assertTrue(server.running(), server.log())
        status, graceful = server.stop()
        self.assertEqual((status, graceful), (0, True), server.log())

    def test_accepted_tcp_connection_is_served_as_a_client(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(listener.close)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname(), timeout=5)
        accepted, _ = listener.accept()
        server, fd = start_with_fd(self, accepted)
        with harness.Client(None, sock=client) as c:
            self.exchange(c)
            # Half-close: every reply still arrives, then memgate closes.
            c.send(b"get k\r\nincr nokey 1\r\n")
            c.shutdown_write()
            self.assertEqual(c.read_until_close(5.0),
                             (b"VALUE k 5 4\r\nabcd\r\nEND\r\nNOT_FOUND\r\n", True))
        self.assertTrue(server.running(), server.log())

    def test_listening_fd_and_a_regular_listener_together(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        fd = listener.fileno()
        os.set_inheritable(fd, True)
        server = harness.Memgate(listen=["127.0.0.1:0"], args=["--listen-fd", str(fd)],
                                 pass_fds=[fd])
        self.addCleanup(server.stop)
        listener.close()
        other = [a for a in server.addresses if a != "127.0.0.1:%d" % port]
        self.assertEqual(len(other), 1, server.addresses)
        other_port = int(re.match(r".*:(\d+)$", other[0]).group(1))
        with harness.Client(("127.0.0.1", port)) as a, \
                harness.Client(("127.0.0.1", other_port)) as b:
            self.assertEqual(a.request(b"set s 0 0 1\r\n1\r\n"), b"STORED\r\n")
            self.assertEqual(b.request(b"incr s 41\r\n"), b"42\r\n")

    def test_bad_fd_is_a_startup_error(self):
        with self.assertRaises(harness.ServerError):
            harness.Memgate(listen=(), args=["--listen-fd", "987"], timeout=10)


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
