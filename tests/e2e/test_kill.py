"""The real `ota` process killed with SIGKILL at random moments of real
updates on the real filesystem, then `ota boot` run: the device must be
exactly the old version or exactly the new one (files, version.json, no
stage left), and a later `ota update` must bring it to the new one.

The moments are drawn from a seeded generator (OTA_KILL_SEED, printed on
failure) over the measured length of an undisturbed update; OTA_KILL_RUNS
sets how many kills (default 24)."""

import json
import os
import random
import shutil
import signal
import subprocess
import time
import unittest

from harness import OTA_BIN, OtaTestCase, snapshot

OLD = dict({f"lib/m{i:02d}.py": f"# module {i}\n" + "x = %d\n" % i * (40 + i * 9)
            for i in range(24)},
           **{"main.py": "print('old')\n", "data/blob.bin": bytes(range(256)) * 300,
              "pkg": "a file that becomes a directory\n", "gone/a.txt": "a\n"})
NEW = dict({f"lib/m{i:02d}.py": f"# module {i}, new\n" + "y = %d\n" % i * (30 + i * 7)
            for i in range(0, 24, 2)},
           **{"main.py": "print('new')\n", "data/blob.bin": bytes(range(255, -1, -1)) * 300,
              "pkg": None, "pkg/inner.py": "inside\n", "gone": "a file, was a directory\n",
              "extra/new.txt": "added\n"})


class KillDuringUpdate(OtaTestCase):
    def device_version(self, root):
        own = ("ota_config.json", "version.json", "ota_error.json", ".ota_state", ".ota_cache")
        files = {p: d for p, d in snapshot(root, skip=()).items()
                 if p not in own and not p.startswith((".ota_stage", ".ota_backup"))}
        try:
            with open(os.path.join(root, "version.json")) as f:
                commit = json.load(f)["commit"]
        except (OSError, ValueError, KeyError):
            commit = None
        return files, commit

    def run_ota(self, root, *args):
        return subprocess.run([OTA_BIN, *args, "--root", root, "--json", "-q"],
                              capture_output=True, text=True, timeout=120)

    def test_sigkill_at_random_moments(self):
        seed = int(os.environ.get("OTA_KILL_SEED", "20261125"))
        runs = int(os.environ.get("OTA_KILL_RUNS", "24"))
        rnd = random.Random(seed)
        self.write_config(retries=0)
        self.old_commit = self.repo.commit(OLD, "old")
        self.assertEqual(self.run_ota(self.device, "update").returncode, 0)
        self.repo.write({"gone": None})  # the directory goes, a file takes its name
        self.new_commit = self.repo.commit(NEW, "new")
        old_files = self.repo.files_at(self.old_commit)
        new_files = self.repo.files_at(self.new_commit)
        template = os.path.join(self.tmp, "template")
        shutil.copytree(self.device, template, symlinks=True)
        slow = [{"host": "raw", "delay_sec": 0.01}]  # so that a run lasts long enough to be hit
        self.server.control(slow)

        start = time.monotonic()
        self.assertEqual(self.run_ota(self.device, "update").returncode, 0)
        length = time.monotonic() - start
        self.assertEqual(self.device_version(self.device), (new_files, self.new_commit))

        outcomes = {"old": 0, "new": 0}
        for i in range(runs):
            self.server.reset()  # a fresh rate-limit window for every run
            self.server.control(slow)
            root = os.path.join(self.tmp, f"kill{i}")
            shutil.copytree(template, root, symlinks=True)
            delay = rnd.uniform(0, length * 1.1)
            proc = subprocess.Popen([OTA_BIN, "update", "--root", root, "-q"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            where = f"seed {seed}, run {i}, killed after {delay:.3f}s of {length:.3f}s"
            boot = self.run_ota(root, "boot")
            self.assertEqual(boot.returncode, 0, f"{where}: ota boot: {boot.stdout}")
            state = self.device_version(root)
            self.assertIn(state, [(old_files, self.old_commit), (new_files, self.new_commit)],
                          where)
            self.assertFalse(os.path.exists(os.path.join(root, ".ota_stage")), where)
            outcomes["old" if state[1] == self.old_commit else "new"] += 1
            done = self.run_ota(root, "update")
            self.assertEqual(done.returncode, 0, f"{where}: then update: {done.stdout}")
            self.assertEqual(self.device_version(root), (new_files, self.new_commit), where)
            shutil.rmtree(root)
        print(f"\n{runs} kills (seed {seed}): {outcomes['old']} left old, "
              f"{outcomes['new']} left new")


if __name__ == "__main__":
    unittest.main()
