"""End to end: the stable channel (latest release or a pinned tag) and the
economical use of the GitHub API (ETags and 304s, rate limits deferred)."""

import json
import os
import unittest
import urllib.request

from harness import OtaTestCase, git

V1 = {"main.py": "print('v1')\n", "lib/util.py": "X = 1\n", "README.md": "# app\n"}


class Stable(OtaTestCase):
    config_extra = {"channel": "stable"}

    def release(self, files, tag, annotated=False, message="release"):
        commit = self.repo.commit(files, message)
        if annotated:
            git(self.repo.path, "tag", "-a", tag, "-m", f"release {tag}")
        else:
            git(self.repo.path, "tag", tag)
        return commit

    def test_fresh_install_and_upgrade_follow_the_latest_release(self):
        c1 = self.release(V1, "v1.0.0")
        self.repo.commit({"main.py": "print('unreleased')\n"}, "work in progress")
        code, out, _ = self.ota("update")
        self.assertEqual((out["status"], out["ref"], out["commit"]), ("installed", "v1.0.0", c1))
        self.assert_device_matches("v1.0.0")

        c2 = self.release({"main.py": "print('v1.1')\n", "README.md": None}, "v1.1.0",
                          annotated=True)
        self.release({"main.py": "print('candidate')\n"}, "v1.2.0-rc1")  # prerelease
        code, out, _ = self.ota("check", expect=10)
        self.assertEqual(out["ref"], "v1.1.0")
        code, out, _ = self.ota("update")
        self.assertEqual((out["ref"], out["commit"]), ("v1.1.0", c2))  # the tag, peeled
        self.assertEqual(out["files_fetched"], 1)
        self.assertEqual(out["files_deleted"], 1)
        self.assert_device_matches("v1.1.0")
        with open(os.path.join(self.device, "version.json")) as f:
            self.assertEqual(json.load(f)["ref"], "v1.1.0")

    def test_pinned_tag(self):
        c1 = self.release(V1, "v1.0.0", annotated=True)
        self.release({"main.py": "print('v2')\n"}, "v2.0.0")
        self.write_config(tag="v1.0.0")
        code, out, _ = self.ota("update")
        self.assertEqual((out["ref"], out["commit"]), ("v1.0.0", c1))
        self.assert_device_matches("v1.0.0")
        self.assertEqual([r["path"].split("/releases/")[-1] for r in self.requests("api")
                          if "/releases/" in r["path"]], ["tags/v1.0.0"])
        self.server.reset()
        code, out, _ = self.ota("check")  # the pinned release, revalidated: one 304
        self.assertEqual([r["status"] for r in self.requests()], [304])

    def test_pinned_tag_must_exist(self):
        self.release(V1, "v1.0.0")
        self.write_config(tag="v9.9.9")
        code, out, _ = self.ota("update", expect=8)
        self.assertIn('ref "v9.9.9" not found', out["error"]["reason"])

    def test_pinned_plain_tag_without_release(self):
        commit = self.release(V1, "field-test")  # not a release: no v prefix, no assets
        self.write_config(tag="field-test")
        code, out, _ = self.ota("update")
        self.assertEqual((out["ref"], out["commit"]), ("field-test", commit))

    def test_no_release_is_a_clear_error(self):
        self.repo.commit(V1, "no tags")
        code, out, _ = self.ota("update", expect=8)
        self.assertIn("no published release", out["error"]["reason"])

    def test_unchanged_release_check_is_one_request_answered_304(self):
        self.release(V1, "v1.0.0")
        self.ota("update")
        self.server.reset()
        code, out, _ = self.ota("check")
        log = self.requests()
        self.assertEqual([(r["path"].split("/repos/acme/app/")[-1], r["status"]) for r in log],
                         [("releases/latest", 304)])
        self.assertIn("If-None-Match", log[0]["headers"])
        self.assertEqual(out["not_modified"], 1)
        self.assertEqual(out["status"], "up-to-date")


class ApiEconomy(OtaTestCase):
    def rate(self):
        with urllib.request.urlopen(self.server.api + "/rate_limit", timeout=10) as r:
            return json.load(r)["resources"]["core"]

    def test_unchanged_branch_check_is_a_304_costing_no_quota(self):
        self.repo.commit(V1, "v1")
        self.ota("update")
        used = self.rate()["used"]
        self.server.reset()
        for _ in range(3):
            code, out, _ = self.ota("update")
            self.assertEqual(out["status"], "up-to-date")
            self.assertEqual((out["http_requests"], out["not_modified"]), (1, 1))
        log = self.requests()
        self.assertEqual([r["status"] for r in log], [304, 304, 304])
        self.assertTrue(all(r["headers"].get("If-None-Match") for r in log))
        self.assertEqual(self.rate()["used"], 0)  # reset() restarted the window; none used
        self.assertLessEqual(used, 3)

    def test_new_commit_after_304_is_seen(self):
        self.repo.commit(V1, "v1")
        self.ota("update")
        self.ota("update")  # 304
        commit = self.repo.commit({"main.py": "print('v2')\n"}, "v2")
        code, out, _ = self.ota("update")
        self.assertEqual((out["status"], out["commit"]), ("installed", commit))

    def test_rate_limit_is_deferred_not_retried(self):
        self.repo.commit(V1, "v1")
        self.server.control([{"host": "api", "rate_limit": True}])
        code, out, _ = self.ota("update", expect=7)
        self.assertEqual(out["error"]["name"], "OTA_ERR_RATE_LIMITED")
        self.assertEqual(len(self.requests()), 1)  # no retry loop
        self.server.reset()
        code, out, _ = self.ota("check", expect=7)  # still inside the window
        self.assertIn("deferred", out["error"]["reason"])
        self.assertEqual(self.requests(), [])

    def test_secondary_rate_limit_honours_retry_after(self):
        self.repo.commit(V1, "v1")
        self.server.control([{"host": "api", "secondary_rate_limit": True, "retry_after": 120}])
        code, out, _ = self.ota("update", expect=7)
        self.assertEqual(len(self.requests()), 1)
        code, out, _ = self.ota("check", expect=7)
        self.assertRegex(out["error"]["reason"], r"next attempt in 1[012]\d s")

    def test_short_retry_after_is_waited_then_succeeds(self):
        self.repo.commit(V1, "v1")
        self.write_config(backoff_sec=0, max_backoff_sec=5)
        self.server.control([{"host": "api", "status": 429, "retry_after": 1, "count": 1}])
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["retry_delays_ms"], [1000])


if __name__ == "__main__":
    unittest.main()


class Credentials(OtaTestCase):
    TOKEN = "ghp_s3cretT0kenValue"

    def test_token_never_follows_a_redirect_to_another_host(self):
        commit = self.repo.commit(V1, "v1")
        self.write_config(token=self.TOKEN, allow=["main.py"])
        port = self.server.raw.rsplit(":", 1)[1]
        elsewhere = f"http://localhost:{port}/acme/app/{commit}/main.py"
        self.server.control([{"host": "raw", "path": "main.py", "redirect": elsewhere,
                              "count": 1}])
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        raw = self.requests("raw")
        self.assertEqual(len(raw), 2, raw)
        self.assertEqual(raw[0]["headers"].get("Authorization"), "Bearer " + self.TOKEN)
        self.assertNotIn("Authorization", raw[1]["headers"])  # localhost is another origin
        self.assertTrue(all(r["headers"].get("Authorization") for r in self.requests("api")))

    def test_token_never_logged(self):
        with open(self.repo.path + ".private", "w") as f:
            f.write("the-right-one")
        self.repo.commit(V1, "v1")
        self.write_config(token=self.TOKEN)
        proc_out = []
        for args in (("update",), ("update", "-v", "-v")):
            code, out, err = self.ota(*args, expect=8)
            proc_out.append(json.dumps(out) + err)
        with open(os.path.join(self.device, "ota_error.json")) as f:
            proc_out.append(f.read())
        self.assertEqual(out["error"]["name"], "OTA_ERR_UNAUTHORIZED")
        self.assertIn("token", out["error"]["reason"])
        for text in proc_out:
            self.assertNotIn(self.TOKEN, text)
