"""A get line of 10,000 keys of 200 bytes (2 MB) against memgate and
memcached: sent whole and split in two at many points, every answer must be
memcached's, byte for byte, and the connection must stay open (issue 18: memgate
closed it when the line arrived in two writes).

    python3 long_get_test.py --memgate BUILD/app/memgate --memcached /usr/bin/memcached
"""

import time
import unittest

import harness

KEYS = 10000
KEY_LENGTH = 200


def key(i):
    return b"%0*d" % (KEY_LENGTH, i)


class LongGetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = {"memgate": harness.Memgate(), "memcached": harness.Memcached()}
        # Every third key is stored, so the reply mixes hits and misses.
        stores = b"".join(b"set %s 0 0 %d noreply\r\n%s\r\n" % (key(i), len(b"v%d" % i), b"v%d" % i)
                          for i in range(0, KEYS, 3))
        for server in cls.servers.values():
            with harness.Client(server.address, timeout=30) as c:
                c.send(stores)
                c.request(b"version\r\n", terminator=b"VERSION")
        cls.line = b"get " + b" ".join(key(i) for i in range(KEYS)) + b"\r\n"
        assert len(cls.line) > 2000000

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers.values():
            server.stop()

    def answer(self, server, split):
        with harness.Client(server.address, timeout=30) as c:
            if split:
                c.send(self.line[:split])
                time.sleep(0.05)  # the parts reach the server as separate reads
                c.send(self.line[split:])
            else:
                c.send(self.line)
            reply = c.read_until(b"END\r\n")
            # The connection is still open and in step.
            self.assertEqual(c.request(b"version\r\n")[:8], b"VERSION ")
            return reply

    def test_whole_and_split(self):
        expected = self.answer(self.servers["memcached"], 0)
        self.assertEqual(expected.count(b"VALUE "), len(range(0, KEYS, 3)))
        n = len(self.line)
        splits = [0, 1, 4, 2048, 2049, 65536, 1 << 20, (1 << 20) + 1, n // 2, n - 201, n - 2, n - 1]
        for split in splits:
            with self.subTest(split=split):
                self.assertEqual(self.answer(self.servers["memgate"], split), expected)


if __name__ == "__main__":
    harness.parse_args()
    unittest.main()
