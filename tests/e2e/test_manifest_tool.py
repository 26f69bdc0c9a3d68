"""`ota manifest`: the release tool that writes (and signs) a manifest from a
directory or a git ref."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import OTA_BIN, Repo, git

FILES = {"main.py": "print('v1')\n", "lib/util.py": "X = 1\n", "lib/tests/t.py": "t\n",
         "README.md": "# app\n", "data/b.bin": bytes(range(256)) * 3}


def run(*args, cwd=None):
    return subprocess.run([OTA_BIN, "manifest", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)


class ManifestTool(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ota-manifest-")
        self.repo = Repo(os.path.join(self.tmp, "repos"))
        self.v1 = self.repo.commit(FILES, "v1")
        git(self.repo.path, "tag", "-a", "v1.0.0", "-m", "v1")
        self.out = os.path.join(self.tmp, "manifest.json")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def load(self):
        with open(self.out) as f:
            return json.load(f)

    def check_entries(self, manifest, files):
        paths = [f["path"] for f in manifest["files"]]
        self.assertEqual(paths, sorted(paths, key=lambda p: p.encode()))
        self.assertEqual(sorted(paths), sorted(files))
        for entry in manifest["files"]:
            data = files[entry["path"]]
            data = data.encode() if isinstance(data, str) else data
            self.assertEqual(entry["size"], len(data))
            self.assertEqual(entry["sha256"], hashlib.sha256(data).hexdigest())
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            self.assertEqual(entry["sha1"], blob)

    def test_from_a_ref_with_rules_and_deletes(self):
        v2 = self.repo.commit({"README.md": None, "lib/new.py": "n\n", "data/b.bin": None}, "v2")
        proc = run("--ref", "HEAD", "--repo", self.repo.path, "--since", "v1.0.0",
                   "--version", "v2.0.0", "--sequence", "7", "--ignore", "lib/tests",
                   "--allow", "main.py", "--allow", "lib/", "--allow", "README.md",
                   "--expires", "1900000000", "--rollout-percent", "25", "-o", self.out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        m = self.load()
        self.assertEqual((m["format"], m["version"], m["sequence"], m["commit"], m["expires"],
                          m["rollout_percent"]),
                         ("ota-manifest/1", "v2.0.0", 7, v2, 1900000000, 25))
        files = {p: d for p, d in self.repo.files_at("HEAD").items()
                 if p in ("main.py", "lib/util.py", "lib/new.py")}
        self.check_entries(m, files)
        self.assertEqual(m["deletes"], ["README.md"])  # data/ is not the device's

    def test_from_a_directory_matches_git(self):
        work = os.path.join(self.tmp, "work")
        shutil.copytree(self.repo.path, work)
        proc = run("--dir", work, "--version", "v1", "--sequence", "1", "-o", self.out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.check_entries(self.load(), FILES)
        self.assertNotIn("commit", self.load())

    def test_signed_manifest_verifies_with_openssl_and_ota(self):
        key = os.path.join(self.tmp, "release")
        subprocess.run([OTA_BIN, "keygen", "--out", key], check=True, capture_output=True)
        proc = run("--ref", "v1.0.0", "--repo", self.repo.path, "--version", "v1.0.0",
                   "--sequence", "1", "--key", key + ".key", "-o", self.out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key + ".pub",
                        "-rawin", "-in", self.out, "-sigfile", self.out + ".sig"],
                       check=True, capture_output=True)
        ok = subprocess.run([OTA_BIN, "verify", "--pub", key + ".pub", self.out,
                             self.out + ".sig"], capture_output=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(self.load()["commit"], self.v1)  # the annotated tag, peeled

    def test_unsafe_names_are_refused(self):
        work = os.path.join(self.tmp, "work")
        os.makedirs(work)
        with open(os.path.join(work, "a\\b.py"), "w") as f:
            f.write("x")
        proc = run("--dir", work, "--version", "v1", "--sequence", "1", "-o", self.out)
        self.assertEqual(proc.returncode, 5)
        self.assertIn("unsafe path", proc.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_case_collisions_are_refused(self):
        self.repo.commit({"Main.py": "other\n"}, "case")
        proc = run("--ref", "HEAD", "--repo", self.repo.path, "--version", "v2",
                   "--sequence", "2", "-o", self.out)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertIn("differ only in case", proc.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_case_only_rename_is_refused(self):
        self.repo.commit({"README.md": None, "readme.md": "# app\n"}, "rename")
        proc = run("--ref", "HEAD", "--repo", self.repo.path, "--since", "v1.0.0",
                   "--version", "v2", "--sequence", "2", "-o", self.out)
        self.assertEqual(proc.returncode, 5, proc.stderr)

    def test_usage(self):
        self.assertEqual(run("--help").returncode, 0)
        self.assertIn("--sequence", run("--help").stdout)
        self.assertEqual(run("--version", "v1", "--sequence", "1").returncode, 2)  # no source
        self.assertEqual(run("--dir", ".", "--version", "v1").returncode, 2)  # no sequence
        self.assertEqual(run("--dir", ".", "--version", "v1", "--sequence", "-1").returncode, 2)
        self.assertEqual(run("--dir", ".", "--version", "v1", "--sequence", "1",
                             "--rollout-percent", "101").returncode, 2)
        bad_ref = run("--ref", "nope", "--repo", self.repo.path, "--version", "v1",
                      "--sequence", "1", "-o", self.out)
        self.assertNotEqual(bad_ref.returncode, 0)
        self.assertIn("unknown git ref", bad_ref.stderr)


if __name__ == "__main__":
    unittest.main()
