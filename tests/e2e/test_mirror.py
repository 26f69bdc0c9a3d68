"""End to end: devices updating from a static mirror (`source: mirror`,
docs/mirror.md) that `ota publish` made and a real nginx serves on loopback.
A fresh install; a no-op check that is one request answered 304; an upgrade
by delta; the mirror switched to a newer release while a device is halfway
through the previous one (it finishes that one, then takes the new one); a
tampered object refused with nothing installed; and the fallback from a
mirror that is down to GitHub."""

import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from harness import OTA_BIN, ROOT
from test_publish import (MIRROR_LOCATIONS, RELEASE_1, RELEASE_2_CHANGES, Nginx, PublishCase,
                          read, tree)
import test_publish
from test_stable_manifest import ManifestCase


def setUpModule():
    test_publish.setUpModule()


def release_files(changes_from=None):
    files = dict(RELEASE_1)
    for path, data in (changes_from or {}).items():
        if data is None:
            files.pop(path)
        else:
            files[path] = data
    return {p: (d.encode() if isinstance(d, str) else d) for p, d in files.items()}


class MirrorCase(PublishCase):
    """Release 1 published and served; a device configured for the mirror."""
    locations = MIRROR_LOCATIONS

    def setUp(self):
        if not test_publish.NGINX:
            self.skipTest(f"nginx tests skipped: {test_publish.NGINX_MISSING}")
        super().setUp()
        self.publish(self.dir1, self.manifest1)
        self.web = Nginx(self.mirror, self.locations, test_publish.NGINX).start()
        self.addCleanup(self.web.stop)
        self.device = os.path.join(self.tmp, "device")
        os.makedirs(self.device)
        with open(self.key + ".pub") as f:
            self.public_key = f.read()
        self.configure()

    def configure(self, **extra):
        config = {"source": "mirror", "base_url": self.web.url(), "channel": "stable",
                  "public_key": self.public_key, "retries": 1, "backoff_sec": 0}
        config.update(extra)
        with open(os.path.join(self.device, "ota_config.json"), "w") as f:
            json.dump(config, f)

    def ota(self, *args, expect=0):
        proc = subprocess.run([OTA_BIN, *args, "--root", self.device, "--json"],
                              capture_output=True, text=True, timeout=120)
        if expect is not None and proc.returncode != expect:
            self.fail(f"ota {' '.join(args)} exited {proc.returncode}, expected {expect}\n"
                      f"{proc.stdout}\n{proc.stderr}")
        return json.loads(proc.stdout)

    def app_files(self):
        own = {"ota_config.json", "version.json", "ota_error.json", ".ota_state", ".ota_cache"}
        return {p: d for p, d in tree(self.device).items()
                if p not in own and not p.startswith((".ota_stage", ".ota_backup"))}

    def installed_commit(self):
        with open(os.path.join(self.device, "version.json")) as f:
            return json.load(f)["commit"]


class MirrorDevice(MirrorCase):
    def test_fresh_install_then_no_op_is_one_request_answered_304(self):
        out = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertTrue(out["manifest"])
        self.assertEqual(self.app_files(), release_files())
        self.assertEqual(self.installed_commit(), self.commit1)
        uris = [r["uri"] for r in self.web.requests()]
        self.assertEqual(uris[0], "/channels/stable.json")
        self.assertTrue(all(u.startswith(("/channels/", "/manifests/", "/objects/")) for u in uris))
        self.web.forget_requests()
        out = self.ota("update")
        self.assertEqual((out["status"], out["http_requests"]), ("up-to-date", 1))
        log = self.web.wait_requests(1)
        self.assertEqual([(r["uri"], r["status"]) for r in log], [("/channels/stable.json", 304)])

    def test_upgrade_by_delta(self):
        self.ota("update")
        self.publish(self.dir2, self.manifest2)
        self.configure(enable_delta_updates=True)
        self.web.forget_requests()
        out = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertGreaterEqual(out["files_by_delta"], 1)
        self.assertEqual(self.app_files(), release_files(RELEASE_2_CHANGES))
        self.assertEqual(self.installed_commit(), self.commit2)
        self.assertTrue(any(r["uri"].startswith("/deltas/") and r["status"] == 200
                            for r in self.web.requests()))

    def test_tampered_object_is_refused(self):
        big = [n for n in os.listdir(self.mirror_path("objects"))
               if len(read(self.mirror_path("objects", n))) > 50000][0]
        path = self.mirror_path("objects", big)
        data = bytearray(read(path))
        data[1000] ^= 0x20
        os.chmod(path, 0o644)
        with open(path, "wb") as f:
            f.write(data)
        out = self.ota("update", expect=5)
        self.assertEqual(out["error"]["name"], "OTA_ERR_HASH_MISMATCH")
        self.assertEqual(self.app_files(), {})
        self.assertFalse(os.path.exists(os.path.join(self.device, "version.json")))


class MirrorSwitchedMidUpdate(MirrorCase):
    # objects trickle, so that a new release is published mid-download
    locations = MIRROR_LOCATIONS.replace('immutable" always;',
                                         'immutable" always;\n        limit_rate 40k;')

    def test_device_halfway_through_finishes_its_release(self):
        proc = subprocess.Popen([OTA_BIN, "update", "--root", self.device, "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while not any(r["uri"].startswith("/objects/") for r in self.web.requests()):
            self.assertLess(time.time(), deadline, "the device never asked for an object")
            time.sleep(0.05)
        self.publish(self.dir2, self.manifest2)  # the pointer moves on
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(json.loads(out)["status"], "installed")
        self.assertEqual(self.installed_commit(), self.commit1)
        self.assertEqual(self.app_files(), release_files())
        out = self.ota("update")  # the next check takes the new one
        self.assertEqual(self.installed_commit(), self.commit2)
        self.assertEqual(self.app_files(), release_files(RELEASE_2_CHANGES))


class MirrorDownFallsBackToGitHub(ManifestCase):
    def test_mirror_down_then_github(self):
        self.publish({"main.py": "print('v1')\n"}, "v1.0.0", 1)
        self.write_config(public_key=self.public_key, source="mirror",
                          base_url="http://127.0.0.1:9/mirror")  # nothing listens there
        code, out, err = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertIn("mirror failed, trying GitHub", err)
        self.assert_device_matches()


if __name__ == "__main__":
    unittest.main()
