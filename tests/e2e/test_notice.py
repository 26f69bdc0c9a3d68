"""End to end: LoRa "update available" notices. `ota notice-frame` makes a
frame as a gateway would; `ota notice FRAME` (what a radio daemon runs for
each frame it hears) refuses a frame with a bad tag, a replay or garbage
without sending a request, and a valid one for a new release triggers a
check (exit 10 when an update is available)."""

import subprocess
import unittest

from harness import OTA_BIN, OtaTestCase, git

KEY = "6b6579206f6620746865206669656c64"  # any length; hex


def frame(sequence, commit, key=KEY):
    proc = subprocess.run([OTA_BIN, "notice-frame", "--key", key, "--sequence", str(sequence),
                           "--release", commit], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


class Notices(OtaTestCase):
    def setUp(self):
        super().setUp()
        self.write_config(lora_key=KEY)
        self.v1 = self.repo.commit({"main.py": "print(1)\n"}, "v1")
        self.ota("update")
        self.v2 = self.repo.commit({"main.py": "print(2)\n"}, "v2")
        self.server.reset()

    def test_frame_is_30_bytes_as_documented(self):
        f = frame(7, self.v2)
        self.assertEqual(len(f), 60)
        self.assertEqual(f[:2], "a1")
        self.assertEqual(f[2:10], "00000007")
        self.assertEqual(f[10:26], self.v2[:16])

    def test_bad_tag_is_ignored_without_a_request(self):
        f = frame(1, self.v2)
        forged = f[:-2] + ("00" if f[-2:] != "00" else "01")
        code, out, _ = self.ota("notice", forged, expect=5)
        self.assertEqual(out["status"], "refused")
        self.assertIn("tag does not verify", out["error"]["reason"])
        self.assertEqual(self.requests(), [])
        code, out, _ = self.ota("notice", frame(1, self.v2, key="00" * 16), expect=5)
        self.assertEqual(self.requests(), [])

    def test_good_notice_triggers_a_check_and_replays_are_refused(self):
        f = frame(3, self.v2)
        code, out, _ = self.ota("notice", f, expect=10)
        self.assertTrue(out["accepted"] and out["new_release"] and out["update_available"])
        self.assertEqual(len(self.requests("api")), 1)
        self.server.reset()
        code, out, _ = self.ota("notice", f, expect=5)  # the same frame again
        self.assertIn("replayed", out["error"]["reason"])
        code, out, _ = self.ota("notice", frame(2, self.v2), expect=5)  # an older one
        self.assertEqual(self.requests(), [])

    def test_notice_for_the_installed_version_needs_nothing(self):
        code, out, _ = self.ota("notice", frame(9, self.v1))
        self.assertEqual((out["status"], out["new_release"]), ("nothing-new", False))
        self.assertEqual(self.requests(), [])

    def test_garbage_and_missing_key(self):
        code, out, _ = self.ota("notice", "a1" + "00" * 10, expect=5)
        self.assertIn("not a notice frame", out["error"]["reason"])
        self.write_config()
        self.ota("notice", frame(1, self.v2), expect=3)


if __name__ == "__main__":
    unittest.main()
