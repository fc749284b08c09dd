"""--config and --check-config on the real binary: the effective
configuration printed, bad files refused with file, line and key and exit
code 2, listeners from the file with their ids, flags over the file.

  config_file_test.py --memgate PATH
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "examples", "memgate.yaml")


def write(test, text, name="memgate.yaml"):
    path = os.path.join(harness.temp_dir(test), name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(*args):
    return subprocess.run([harness.MEMGATE] + list(args), capture_output=True, text=True,
                          timeout=30)


class CheckConfigTest(unittest.TestCase):

    def test_prints_the_effective_configuration(self):
        path = write(self, "listeners:\n  - id: main\n    address: 127.0.0.1:0\n"
                           "    max_clients: 7\nlimits:\n  memory_mb: 32\n")
        result = run("--check-config", path, "-I", "2m")
        self.assertEqual(result.returncode, 0, result.stderr)
        out = result.stdout
        self.assertIn("  - id: main\n    address: 127.0.0.1:0\n    max_clients: 7\n", out)
        self.assertIn("  memory_mb: 32\n", out)
        self.assertIn("  max_item_size: 2m\n", out)  # the flag over the default
        self.assertIn("  name: memory\n", out)
        # What it prints is itself a valid file.
        again = run("--check-config", write(self, out, "printed.yaml"))
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stdout, out)

    def test_the_example_file_is_valid(self):
        result = run("--check-config", EXAMPLE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("id: main", result.stdout)

    def test_bad_files_name_file_line_and_key(self):
        cases = [
            ("threads: 2\nlistners: []\n", ":2: listners: unknown key"),
            ("listeners:\n  - address: 127.0.0.1:0\n  - address: nowhere\n",
             ":3: listeners[1].address: bad address \"nowhere\""),
            ("limits:\n  memory_mb: [1]\n", ":2: limits.memory_mb: expects a single value"),
            ("limits:\n  memory_mb: 0\n", ":2: limits.memory_mb: \"0\" is not a number"),
            ("backend: {name: memory\n", "end of map flow not found"),
        ]
        for text, error in cases:
            path = write(self, text)
            for flag in ("--check-config", "--config"):
                result = run(flag, path, "--admin", "none")
                self.assertEqual(result.returncode, 2, (text, result.stderr))
                self.assertIn("memgate: " + path, result.stderr)
                self.assertIn(error, result.stderr)
                self.assertEqual(result.stdout, "")

    def test_missing_file(self):
        result = run("--check-config", "/nonexistent/memgate.yaml")
        self.assertEqual(result.returncode, 2)
        self.assertIn("/nonexistent/memgate.yaml: cannot read the config file", result.stderr)


class ConfigFileServerTest(unittest.TestCase):

    def test_serves_the_files_listeners_with_their_ids_and_limits(self):
        path = write(self, "listeners:\n"
                           "  - id: main\n    address: 127.0.0.1:0\n    max_clients: 1\n"
                           "admin:\n  address: none\n")
        server = harness.Memgate(listen=(), args=["--config", path])
        self.addCleanup(server.stop)
        self.assertRegex(server.log(), r"listening on 127\.0\.0\.1:\d+ \(listener main\)")
        with harness.Client(server.address) as first:
            self.assertEqual(first.request(b"set k 0 0 1\r\nv\r\n"), b"STORED\r\n")
            with harness.Client(server.address) as second:
                self.assertEqual(second.read_until(b"\r\n"),
                                 b"ERROR Too many open connections\r\n")

    def test_flags_override_the_file(self):
        path = write(self, "listeners:\n  - id: fromfile\n    address: 127.0.0.1:0\n"
                           "threads: 1\n")
        server = harness.Memgate(args=["--config", path], threads=2)
        self.addCleanup(server.stop)
        self.assertNotIn("fromfile", server.log())
        self.assertRegex(server.log(), r"2 threads, ready")
        with harness.Client(server.address) as c:
            self.assertEqual(c.request(b"version\r\n")[:8], b"VERSION ")


if __name__ == "__main__":
    harness.parse_args()
    unittest.main(verbosity=2)
