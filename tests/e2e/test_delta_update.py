"""End to end: updates over deltas. A repository publishes .deltas/ (made by
`ota delta OLDDIR NEWDIR`) beside its files; a device with
enable_delta_updates asks for the delta from the blob it has, rebuilds the
file in the stage and verifies it like any download. A corrupted or missing
delta costs one request and the whole file comes instead; nothing bad is
ever installed; .deltas/ itself is never installed."""

import os
import shutil
import subprocess
import unittest

from harness import OTA_BIN, OtaTestCase, git

MAIN = "".join(f"def handler_{i}(event):\n    return process(event, {i})\n"
               for i in range(1500))
LIB = "".join(f"CONSTANT_{i} = {i * 7}\n" for i in range(800))


def not_deltas(path):
    return not path.startswith(".deltas/")


class DeltaUpdates(OtaTestCase):
    def setUp(self):
        super().setUp()
        self.write_config(enable_delta_updates=True)
        self.repo.commit({"main.py": MAIN, "lib/consts.py": LIB, "README.md": "# app\n"}, "v1")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")

    def release(self, changes, tamper=None, publish=True):
        """Commits changes with the deltas from the current tip."""
        before = os.path.join(self.tmp, "before")
        after = os.path.join(self.tmp, "after")
        for d in (before, after):
            shutil.rmtree(d, ignore_errors=True)
        files = {p: d for p, d in self.repo.files_at().items() if not_deltas(p)}
        self.write_tree(before, files)
        for p, d in changes.items():  # None: the file goes
            if d is None:
                files.pop(p, None)
            else:
                files[p] = d.encode() if isinstance(d, str) else d
        self.write_tree(after, files)
        self.repo.write({".deltas": None})
        if publish:
            subprocess.run([OTA_BIN, "delta", before, after, "-o",
                            os.path.join(self.repo.path, ".deltas"), "-q"], check=True)
        if tamper:
            tamper(os.path.join(self.repo.path, ".deltas"))
        self.server.reset()
        return self.repo.commit(changes, "release")

    def write_tree(self, root, files):
        for rel, data in files.items():
            full = os.path.join(root, rel)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)

    def delta_requests(self):
        """Requests for deltas (not for .deltas/index, which lists them)."""
        return [r for r in self.requests("raw")
                if "/.deltas/" in r["path"] and not r["path"].endswith("/.deltas/index")]

    def index_requests(self):
        return [r for r in self.requests("raw") if r["path"].endswith("/.deltas/index")]

    def deltas(self, directory):
        return [n for n in os.listdir(directory) if n.endswith(".otad")]

    def test_changed_file_travels_as_a_delta(self):
        self.release({"main.py": MAIN.replace("process(event, 77)", "handle(event, 77)")})
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual((out["files_by_delta"], out["delta_fallbacks"]), (1, 0))
        self.assertLess(out["file_bytes_received"], len(MAIN) // 50)
        self.assertEqual(len(self.delta_requests()), 1)
        self.assertEqual(len(self.index_requests()), 1)
        self.assert_device_matches(only=not_deltas)
        self.assertFalse(os.path.exists(os.path.join(self.device, ".deltas")))

    def test_corrupted_delta_falls_back_to_the_whole_file(self):
        def corrupt(directory):
            for name in self.deltas(directory):
                path = os.path.join(directory, name)
                with open(path, "r+b") as f:
                    data = bytearray(f.read())
                    data[len(data) // 2] ^= 0x40
                    f.seek(0)
                    f.write(data)
        self.release({"main.py": MAIN.replace("process(event, 9)", "other(event, 9)")},
                     tamper=corrupt)
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual((out["files_by_delta"], out["delta_fallbacks"]), (0, 1))
        self.assertGreater(out["bytes_received"], len(MAIN))
        self.assert_device_matches(only=not_deltas)

    def test_missing_delta_falls_back(self):
        self.release({"lib/consts.py": LIB + "EXTRA = 1\n"}, publish=False)
        code, out, _ = self.ota("update")
        self.assertEqual((out["files_by_delta"], out["delta_fallbacks"]), (0, 1))
        self.assert_device_matches(only=not_deltas)

    def test_moved_file_travels_as_a_delta_from_where_it_was(self):
        # lib/consts.py moves to pkg/consts.py (one line added): the delta is
        # made from the installed lib/consts.py, which then goes
        self.release({"lib/consts.py": None, "pkg/consts.py": LIB + "EXTRA = 1\n"})
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual((out["files_by_delta"], out["delta_fallbacks"]), (1, 0))
        self.assertLess(out["file_bytes_received"], len(LIB) // 10)
        self.assert_device_matches(only=not_deltas)
        self.assertFalse(os.path.exists(os.path.join(self.device, "lib", "consts.py")))

    def test_unpublished_delta_is_not_asked_for(self):
        # a file rewritten whole: its delta would not be smaller, so the
        # index does not list one and the device does not ask
        noise = os.urandom(3000)
        self.release({"README.md": noise})
        code, out, _ = self.ota("update")
        self.assertEqual((out["files_by_delta"], out["delta_fallbacks"]), (0, 0))
        self.assertEqual(self.delta_requests(), [])
        self.assertEqual(len(self.index_requests()), 1)
        self.assert_device_matches(only=not_deltas)

    def test_delta_for_another_blob_is_refused(self):
        def swap(directory):
            # a delta renamed to claim it starts from another blob
            name = self.deltas(directory)[0]
            old, rest = name.split("-", 1)
            os.rename(os.path.join(directory, name), os.path.join(directory, "0" * 40 + "-" + rest))
            with open(os.path.join(directory, old + "-" + rest), "wb") as f:
                f.write(b"\xd0\x7a" + os.urandom(60))
        self.release({"main.py": MAIN + "# end\n"}, tamper=swap)
        code, out, _ = self.ota("update")
        self.assertEqual((out["files_by_delta"], out["delta_fallbacks"]), (0, 1))
        self.assert_device_matches(only=not_deltas)

    def test_off_by_default(self):
        self.write_config()
        self.release({"main.py": MAIN + "# more\n"})
        code, out, _ = self.ota("update")
        self.assertEqual(out["files_by_delta"], 0)
        self.assertEqual(self.delta_requests(), [])
        self.assert_device_matches(only=not_deltas)


class DeltasInRelease(OtaTestCase):
    """The stable channel with the deltas as release assets: made from two
    tags with `ota delta --git`, fetched by their browser download URLs."""

    def setUp(self):
        super().setUp()
        self.write_config(channel="stable", enable_delta_updates=True, deltas_in_release=True,
                          web_url=self.server.api)
        self.repo.commit({"main.py": MAIN, "lib/consts.py": LIB}, "v1")
        git(self.repo.path, "tag", "v1.0.0")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")

    def test_changed_file_comes_as_a_release_asset_delta(self):
        self.repo.commit({"main.py": MAIN.replace("process(event, 5)", "other(event, 5)")}, "v2")
        git(self.repo.path, "tag", "v2.0.0")
        assets = os.path.join(self.repo.path + ".assets", "v2.0.0")
        os.makedirs(assets)
        subprocess.run([OTA_BIN, "delta", "--git", self.repo.path, "v1.0.0", "v2.0.0",
                        "-o", assets, "-q"], check=True)
        self.server.reset()
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual((out["files_by_delta"], out["delta_fallbacks"]), (1, 0))
        downloads = [r["path"] for r in self.requests("api") if "/releases/download/" in r["path"]]
        self.assertEqual(sorted(p.rsplit("/", 1)[1] for p in downloads),
                         sorted(n for n in os.listdir(assets)))
        self.assertEqual([r for r in self.requests("raw") if "main.py" in r["path"]], [])
        self.assert_device_matches()


if __name__ == "__main__":
    unittest.main()
