"""End to end: the real `ota` binary updating a device directory from the
GitHub imitation over the developer channel (tip of a branch)."""

import hashlib
import json
import os
import unittest

from harness import OtaTestCase, git, snapshot

APP = {
    "main.py": "print('hello v1')\n",
    "boot.py": "import main\n",
    "lib/util.py": "def add(a, b):\n    return a + b\n",
    "lib/secret/key.txt": "do not ship\n",
    "README.md": "# app\n",
    "data/blob.bin": bytes(range(256)) * 40,
}


class FreshInstall(OtaTestCase):
    def test_fresh_install_then_noop_is_one_request(self):
        self.repo.commit(APP, "v1")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["files_fetched"], len(APP))
        self.assert_device_matches()
        with open(os.path.join(self.device, "version.json")) as f:
            self.assertEqual(json.load(f)["ref"], "main")

        self.server.reset()
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "up-to-date")
        log = self.requests()
        self.assertEqual(len(log), 1, log)
        self.assertIn("/commits/main", log[0]["path"])
        self.assertEqual(log[0]["headers"].get("Accept"), "application/vnd.github.sha")
        self.assertIn("User-Agent", log[0]["headers"])
        self.assertEqual(out["http_requests"], 1)

    def test_check_reports_update_available(self):
        self.repo.commit(APP, "v1")
        code, out, _ = self.ota("check", expect=10)
        self.assertEqual(out["status"], "update-available")
        self.ota("update")
        code, out, _ = self.ota("check", expect=0)
        self.assertEqual(out["status"], "up-to-date")


class OnlyWhatChanged(OtaTestCase):
    def test_one_file_changed_out_of_200(self):
        files = {f"pkg/m{i:03d}.py": f"VALUE = {i}\n" for i in range(200)}
        self.repo.commit(files, "v1")
        self.ota("update")
        self.server.reset()
        self.repo.commit({"pkg/m123.py": "VALUE = 'changed'\n"}, "v2")
        code, out, _ = self.ota("update")
        raw = self.requests("raw")
        self.assertEqual([r["path"].rsplit("/", 1)[-1] for r in raw], ["m123.py"])
        self.assertEqual(out["files_fetched"], 1)
        self.assertEqual(out["files_unchanged"], 199)
        self.assertEqual(len(self.requests("api")), 2)  # commit sha + tree
        self.assert_device_matches()

    def test_connections_are_reused_across_files(self):
        self.repo.commit({f"f{i:02d}.txt": f"{i}\n" for i in range(30)}, "v1")
        self.ota("update")
        raw = self.requests("raw")
        self.assertEqual(len(raw), 30)
        # one connection to the raw host for all 30 files
        self.assertEqual(len({r["client_port"] for r in raw}), 1, raw)

    def test_deleted_and_moved_files_follow_the_branch(self):
        self.repo.commit(APP, "v1")
        self.ota("update")
        self.repo.commit({"lib/util.py": None, "lib/tools/util.py": APP["lib/util.py"],
                          "README.md": None}, "v2")
        code, out, _ = self.ota("update")
        self.assertEqual(out["files_deleted"], 2)
        self.assert_device_matches()
        self.assertFalse(os.path.exists(os.path.join(self.device, "README.md")))

    def test_file_becomes_directory_and_back(self):
        self.repo.commit({"a": "file\n", "z.py": "z\n"}, "v1")
        self.ota("update")
        self.repo.commit({"a": None}, "rm")
        self.repo.commit({"a/b.py": "inside\n"}, "v2")
        self.ota("update")
        self.assert_device_matches()
        self.repo.commit({"a": None}, "rm dir")
        self.repo.commit({"a": "file again\n"}, "v3")
        self.ota("update")
        self.assert_device_matches()


class Rules(OtaTestCase):
    def test_allow_and_ignore(self):
        self.repo.commit(APP, "v1")
        self.write_config(allow=["main.py", "lib/"], ignore=["lib/secret"])
        self.ota("update")
        self.assertEqual(sorted(self.device_files()), ["lib/util.py", "main.py"])

    def test_empty_allow_permits_everything_but_ignored(self):
        self.repo.commit(APP, "v1")
        self.write_config(ignore=["data", "README.md"])
        self.ota("update")
        self.assertEqual(sorted(self.device_files()),
                         ["boot.py", "lib/secret/key.txt", "lib/util.py", "main.py"])

    def test_files_of_others_are_left_alone(self):
        with open(os.path.join(self.device, "notes.txt"), "w") as f:
            f.write("mine\n")
        self.repo.commit(APP, "v1")
        self.ota("update")
        with open(os.path.join(self.device, "notes.txt")) as f:
            self.assertEqual(f.read(), "mine\n")


class BadDownloads(OtaTestCase):
    def setUp(self):
        super().setUp()
        self.repo.commit(APP, "v1")
        self.ota("update")
        self.repo.commit({"main.py": "print('hello v2')\n" * 50}, "v2")
        self.before = snapshot(self.device)

    def assert_unchanged(self):
        self.assertEqual(snapshot(self.device), self.before)
        with open(os.path.join(self.device, "ota_error.json")) as f:
            self.assertTrue(json.load(f))

    def test_flipped_byte_is_rejected(self):
        self.server.control([{"host": "raw", "flip_byte": 5}])
        code, out, err = self.ota("update", expect=5)
        self.assertEqual(out["status"], "error")
        self.assertEqual(out["error"]["name"], "OTA_ERR_HASH_MISMATCH")
        self.assertIn("main.py", out["error"]["reason"])
        self.assert_unchanged()

    def test_truncated_download_is_rejected(self):
        self.server.control([{"host": "raw", "truncate_after": 10}])
        code, out, _ = self.ota("update", expect=4)
        self.assertIn(out["error"]["name"], ("OTA_ERR_TRUNCATED", "OTA_ERR_SIZE_MISMATCH",
                                             "OTA_ERR_NETWORK"))
        self.assert_unchanged()

    def test_server_errors_are_retried_with_backoff_then_reported(self):
        self.write_config(retries=2, backoff_sec=1, max_backoff_sec=60)
        self.before = snapshot(self.device)
        self.server.reset()
        self.server.control([{"host": "api", "status": 503}])
        code, out, err = self.ota("update", expect=4)
        self.assertEqual(out["error"]["name"], "OTA_ERR_SERVER")
        self.assertEqual(len(self.requests("api")), 3)  # 1 + 2 retries
        self.assertEqual(out["retries"], 2)
        self.assertIn("503", out["error"]["reason"])
        # 1 s then 2 s, each with up to a quarter taken off at random
        first, second = out.get("retry_delays_ms")
        self.assertTrue(750 <= first <= 1000, first)
        self.assertTrue(1500 <= second <= 2000, second)
        self.assert_unchanged()

    def test_transient_error_recovers(self):
        self.server.control([{"host": "raw", "status": 502, "count": 1}])
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["retries"], 1)
        self.assert_device_matches()


def sha256sums(files):
    return "".join(f"{hashlib.sha256(d.encode() if isinstance(d, str) else d).hexdigest()}  {p}\n"
                   for p, d in sorted(files.items()))


class Sha256Sidecar(OtaTestCase):
    config_extra = {"sha256_sidecar": "SHA256SUMS"}

    def test_files_match_their_sidecar(self):
        self.repo.commit(dict(APP, SHA256SUMS=sha256sums(APP)), "v1")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assert_device_matches()

    def test_sha256_mismatch_is_rejected(self):
        self.repo.commit(dict(APP, SHA256SUMS=sha256sums(APP)), "v1")
        self.ota("update")
        before = snapshot(self.device)
        v2 = dict(APP, **{"main.py": "print('v2')\n"})
        sums = sha256sums(v2).replace(hashlib.sha256(b"print('v2')\n").hexdigest(), "0" * 64)
        self.repo.commit({"main.py": v2["main.py"], "SHA256SUMS": sums}, "v2")
        code, out, _ = self.ota("update", expect=5)
        self.assertIn("SHA-256", out["error"]["reason"])
        self.assertEqual(snapshot(self.device), before)

    def test_unlisted_file_is_rejected(self):
        listed = {p: d for p, d in APP.items() if p != "boot.py"}
        self.repo.commit(dict(APP, SHA256SUMS=sha256sums(listed)), "v1")
        code, out, _ = self.ota("update", expect=5)
        self.assertIn("boot.py is not listed", out["error"]["reason"])
        self.assertEqual(self.device_files(), {})

    def test_missing_sidecar_is_reported(self):
        self.repo.commit(APP, "v1")
        code, out, _ = self.ota("update", expect=8)
        self.assertIn("SHA256SUMS", out["error"]["reason"])


class HostileTrees(OtaTestCase):
    HOSTILE = ["../evil.py", "/etc/passwd", "a/../../b", "a\\b.py", "a//b.py", "./x.py",
               "lib/./x.py", "x/..", "new\nline.py"]

    def test_hostile_paths_are_refused(self):
        self.repo.commit(APP, "v1")
        self.ota("update")
        self.repo.commit({"main.py": "v2\n"}, "v2")
        before = snapshot(self.device)
        for path in self.HOSTILE:
            with self.subTest(path=path):
                self.server.reset()
                self.server.control([{"tree_extra": [{
                    "path": path, "mode": "100644", "type": "blob",
                    "sha": "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", "size": 0}]}])
                code, out, _ = self.ota("update", expect=5)
                self.assertIn(out["error"]["name"],
                              ("OTA_ERR_UNSAFE_PATH", "OTA_ERR_BAD_RESPONSE"))
                self.assertEqual(snapshot(self.device), before)
                self.assertEqual(self.requests("raw"), [])


if __name__ == "__main__":
    unittest.main()
