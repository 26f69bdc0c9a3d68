"""End to end: trial boots. A version installed over another boots on trial;
`ota confirm` keeps it, and `ota boot` reverts one that is not confirmed
within max_trial_boots boots, exactly: files, .ota_state and version.json as
they were, the rollback hook run first, the reason in ota_error.json. A
reverted commit is not installed again unless forced; `ota rollback` reverts
on demand."""

import json
import os
import unittest

from harness import OtaTestCase, git, snapshot
from test_stable_manifest import ManifestCase

V1 = {"main.py": "print('v1')\n", "lib/util.py": "X = 1\n", "lib/old.py": "O\n",
      "data": "a file\n"}
V2 = {"main.py": "print('v2')\n", "lib/old.py": None, "lib/new.py": "N\n",
      "data": None, "data/inner.txt": "now a directory\n"}


def image(device):
    """The device's files, the updater's backup aside (v1's first install
    keeps one; the revert consumes v2's)."""
    return {p: d for p, d in snapshot(device).items() if not p.startswith(".ota_backup/")}


def last_error(device):
    with open(os.path.join(device, "ota_error.json")) as f:
        return json.load(f)[-1]


class TrialBoots(OtaTestCase):
    def install_v1_then_v2(self, **config):
        self.write_config(**config)
        self.repo.commit(V1, "v1")
        self.ota("update")
        self.v1_image = image(self.device)
        self.v2 = self.repo.commit(V2, "v2")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assert_device_matches()

    def boot(self):
        return self.ota("boot")[1]

    def reverted_after_exactly(self, max_boots):
        self.install_v1_then_v2(**({} if max_boots == 3 else {"max_trial_boots": max_boots}))
        status = self.ota("status")[1]
        self.assertEqual((status["on_trial"], status["trial_boots"]), (True, 0))
        for n in range(1, max_boots + 1):
            out = self.boot()
            self.assertEqual((out["status"], out["trial_boots"]), ("ok", n))
            self.assert_device_matches()  # still the new version
        out = self.boot()
        self.assertEqual(out["status"], "reverted")
        self.assertEqual(out["reverted_from"], self.v2)
        self.assertFalse(out["on_trial"])
        self.assertEqual(image(self.device), self.v1_image_with_notes())
        error = last_error(self.device)
        self.assertEqual((error["code"], error["phase"]), (-55, "boot"))
        self.assertIn(self.v2, error["message"])
        self.assertIn(f"within {max_boots} boots", error["message"])
        # later boots of the old version change nothing
        self.assertEqual(self.boot()["status"], "ok")
        self.assertEqual(image(self.device), self.v1_image_with_notes())

    def test_unconfirmed_version_is_reverted_after_exactly_3_boots(self):
        self.reverted_after_exactly(3)  # the default

    def test_unconfirmed_version_is_reverted_after_exactly_1_boot(self):
        self.reverted_after_exactly(1)

    def v1_image_with_notes(self):
        """v1 as it was, plus the note of what was reverted (the error log and
        the ETag cache are skipped by snapshot)."""
        image = dict(self.v1_image)
        with open(os.path.join(self.device, ".ota_reverted"), "rb") as f:
            image[".ota_reverted"] = f.read()
        self.assertEqual(image[".ota_reverted"], (self.v2 + " trial\n").encode())
        return image

    def test_confirmed_version_is_never_reverted(self):
        self.install_v1_then_v2()
        self.boot()
        out = self.ota("confirm")[1]
        self.assertEqual(out["status"], "confirmed")
        self.assertEqual((out["on_trial"], out["can_rollback"]), (False, False))
        self.assertFalse(os.path.exists(os.path.join(self.device, ".ota_backup")))
        for _ in range(10):
            self.assertEqual(self.boot()["status"], "ok")
        self.assert_device_matches()
        self.assertEqual(self.ota("confirm")[1]["status"], "not_on_trial")
        self.assertEqual(self.ota("rollback", expect=11)[1]["error"]["name"],
                         "OTA_ERR_NO_BACKUP")

    def test_reverted_commit_is_not_reinstalled_unless_forced(self):
        self.install_v1_then_v2(max_trial_boots=1)
        self.boot()
        self.assertEqual(self.boot()["status"], "reverted")
        out = self.ota("update")[1]
        self.assertEqual((out["status"], out["target_reverted"]), ("target-reverted", True))
        self.assertEqual(self.ota("check")[1]["update_available"], False)
        self.assertEqual(image(self.device), self.v1_image_with_notes())
        out = self.ota("update", "--force")[1]
        self.assertEqual(out["status"], "installed")
        self.assert_device_matches()
        # a newer commit installs as usual
        self.ota("confirm")
        self.repo.commit({"main.py": "print('v3')\n"}, "v3")
        self.assertEqual(self.ota("update")[1]["status"], "installed")
        self.assert_device_matches()

    def test_manual_rollback_with_trials_off(self):
        self.install_v1_then_v2(max_trial_boots=0)
        out = self.ota("status")[1]
        self.assertEqual((out["on_trial"], out["can_rollback"]), (False, True))
        for _ in range(5):
            self.assertEqual(self.boot()["status"], "ok")
        out = self.ota("rollback")[1]
        self.assertEqual((out["status"], out["reverted_from"]), ("reverted", self.v2))
        with open(os.path.join(self.device, ".ota_reverted")) as f:
            self.assertEqual(f.read(), self.v2 + " manual\n")
        now = image(self.device)
        del now[".ota_reverted"]
        self.assertEqual(now, self.v1_image)
        self.assertEqual(self.ota("rollback", expect=11)[1]["status"], "error")

    def test_first_install_has_nothing_to_go_back_to(self):
        self.repo.commit(V1, "v1")
        self.ota("update")
        out = self.ota("status")[1]
        self.assertEqual((out["on_trial"], out["can_rollback"]), (False, False))
        self.assertEqual(self.boot()["status"], "ok")
        self.assertEqual(self.ota("rollback", expect=11)[1]["error"]["name"],
                         "OTA_ERR_NO_BACKUP")
        self.assert_device_matches()

    def test_failed_download_keeps_the_way_back(self):
        self.install_v1_then_v2()
        self.repo.commit({"main.py": "print('v3')\n"}, "v3")
        self.server.control([{"host": "raw", "status": 500}])
        self.ota("update", expect=4)
        out = self.ota("status")[1]
        self.assertEqual((out["on_trial"], out["can_rollback"]), (True, True))
        self.assertEqual(self.ota("rollback")[1]["status"], "reverted")
        with open(os.path.join(self.device, "version.json")) as f:
            self.assertEqual(json.load(f)["commit"], git(self.repo.path, "rev-parse", "HEAD~2"))


class RollbackHook(ManifestCase):
    def test_rollback_hook_runs_before_the_files_go_back(self):
        self.publish(V1, "v1.0.0", 1)
        self.ota("update")
        hook = "echo \"$OTA_COMMIT $(cat main.py)\" > hook-saw\n"
        files = dict(V2, **{"hooks/rollback.sh": hook})
        self.publish(files, "v2.0.0", 2, extra=["--rollback", "hooks/rollback.sh"])
        self.assertEqual(self.ota("update")[1]["status"], "installed")
        v2 = git(self.repo.path, "rev-parse", "v2.0.0^{commit}")
        out = self.ota("rollback")[1]
        self.assertEqual(out["rollback_hook"], "hooks/rollback.sh")
        self.assertEqual(out["rollback_hook_status"], 0)
        with open(os.path.join(self.device, "hook-saw")) as f:
            self.assertEqual(f.read(), f"{v2} print('v2')\n")  # v2's files, still in place
        self.assertFalse(os.path.exists(os.path.join(self.device, "hooks")))
        with open(os.path.join(self.device, "main.py")) as f:
            self.assertEqual(f.read(), V1["main.py"])
        self.assertEqual(self.version()["ref"], "v1.0.0")


if __name__ == "__main__":
    unittest.main()
