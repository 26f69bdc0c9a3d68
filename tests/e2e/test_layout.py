"""End to end: layouts the swap could not complete are refused before
anything is downloaded, with the device untouched (a file of the new version
where the device keeps a directory of unmanaged files, or a directory of the
new version where the device keeps an unmanaged file)."""

import os
import unittest

from harness import OtaTestCase, snapshot


class Layout(OtaTestCase):
    def put(self, path, text):
        full = os.path.join(self.device, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)

    def refused(self, needle):
        before = snapshot(self.device)
        code, out, _ = self.ota("update", expect=5)
        self.assertEqual(out["error"]["name"], "OTA_ERR_UNSAFE_PATH")
        self.assertIn(needle, out["error"]["reason"])
        self.assertEqual(self.requests("raw"), [])  # refused before any download
        self.assertEqual(snapshot(self.device), before)

    def test_file_over_a_directory_of_unmanaged_files(self):
        self.repo.commit({"main.py": "m\n", "pkg/a.py": "a\n"}, "v1")
        self.ota("update")
        self.put("pkg/notes.txt", "mine\n")  # the user's, not the updater's
        self.repo.write({"pkg": None})
        self.repo.commit({"pkg": "now a file\n"}, "v2")
        self.server.reset()
        self.refused("pkg/notes.txt")

    def test_directory_over_an_unmanaged_file(self):
        self.repo.commit({"main.py": "m\n"}, "v1")
        self.ota("update")
        self.put("lib", "the user's file\n")
        self.repo.commit({"lib/x.py": "x\n"}, "v2")
        self.server.reset()
        self.refused("lib")

    def test_managed_file_and_directory_swap_places(self):
        self.repo.commit({"main.py": "m\n", "pkg/a.py": "a\n", "lib": "file\n"}, "v1")
        self.ota("update")
        self.repo.write({"pkg": None, "lib": None})
        self.repo.commit({"pkg": "file\n", "lib/x.py": "x\n"}, "v2")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assert_device_matches()


if __name__ == "__main__":
    unittest.main()
