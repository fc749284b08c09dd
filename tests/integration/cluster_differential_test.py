"""The differential scripts through memgate on a real Redis Cluster (3
masters, 3 replicas, made with redis-cli --cluster create): every case of
differential_test.py and meta_differential_test.py must answer byte for
byte as Debian's memcached does, with keys spread over the masters. One
cluster serves the whole run.

First, memgate is started while nothing listens on the seeds yet: it must
start, answer SERVER_ERROR, and serve once the cluster is up.

  cluster_differential_test.py --memgate PATH [--memcached PATH]
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import differential_test  # noqa: E402
import meta_differential_test  # noqa: E402

CLUSTER = None


def _memgate_args():
    return ["--backend", "redis", "--redis-url=" + CLUSTER.url, "--redis-timeout", "2s"]


class ClusterColdStartTest(unittest.TestCase):
    def test_serves_once_a_seed_answers(self):
        memgate = harness.Memgate(args=_memgate_args())
        try:
            with harness.Client(memgate.address) as client:
                refused = client.request(b"set k 0 0 1\r\nv\r\n")
                self.assertTrue(refused.startswith(b"SERVER_ERROR "), refused)
                CLUSTER.start()

                def serves():
                    return client.request(b"set k 0 0 1\r\nv\r\n") == b"STORED\r\n"
                self.assertTrue(harness.wait_until(serves, timeout=15, interval=0.2))
                self.assertEqual(client.request(b"get k\r\n", b"END\r\n"),
                                 b"VALUE k 0 1\r\nv\r\nEND\r\n")
        finally:
            memgate.stop()


class ClusterDifferentialTest(differential_test.DifferentialTest):
    @classmethod
    def setUpClass(cls):
        CLUSTER.start()
        super().setUpClass()


class ClusterMetaDifferentialTest(meta_differential_test.MetaDifferentialTest):
    @classmethod
    def setUpClass(cls):
        CLUSTER.start()
        super().setUpClass()


def main():
    global CLUSTER
    harness.parse_args()
    CLUSTER = harness.RedisCluster()
    differential_test.BACKEND_ARGS[:] = _memgate_args()
    meta_differential_test.BACKEND_ARGS[:] = _memgate_args()
    differential_test._add_cases()
    meta_differential_test._add_cases(meta_differential_test.CASES)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    # In this order: the cold start brings the cluster up.
    for case in (ClusterColdStartTest, ClusterDifferentialTest, ClusterMetaDifferentialTest):
        suite.addTests(loader.loadTestsFromTestCase(case))
    try:
        result = unittest.TextTestRunner(verbosity=2).run(suite)
    finally:
        CLUSTER.stop()
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
