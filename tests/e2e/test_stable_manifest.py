"""End to end: the stable channel in manifest mode. A release carrying a
manifest.json asset (and manifest.json.sig) is installed from its manifest:
signature, anti-rollback sequence, expiry, deletes and hooks, with the assets
fetched the way GitHub serves them (a redirect to another host, no token
there). Every refusal leaves the device byte-identical."""

import hashlib
import hmac
import json
import os
import subprocess
import unittest
import zlib

from harness import OTA_BIN, OtaTestCase, git, snapshot

V1 = {"main.py": "print('v1')\n", "lib/util.py": "X = 1\n", "README.md": "# app\n"}
V2 = {"main.py": "print('v2')\n", "README.md": None, "lib/new.py": "N = 2\n"}


def blob_sha(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class ManifestCase(OtaTestCase):
    config_extra = {"channel": "stable"}

    def setUp(self):
        super().setUp()
        self.keyprefix = os.path.join(self.tmp, "release")
        proc = subprocess.run([OTA_BIN, "keygen", "--out", self.keyprefix, "-q"],
                              capture_output=True, text=True, check=True)
        self.public_key = proc.stdout.strip()
        self.write_config(public_key=self.public_key)

    def assets(self, tag):
        path = os.path.join(self.repo.path + ".assets", tag)
        os.makedirs(path, exist_ok=True)
        return path

    def publish(self, files, tag, sequence, since=None, sign=True, extra=()):
        """Commits files, tags them, attaches a manifest made by `ota manifest`."""
        commit = self.repo.commit(files, "release " + tag)
        git(self.repo.path, "tag", "-a", tag, "-m", tag)
        out = os.path.join(self.assets(tag), "manifest.json")
        args = [OTA_BIN, "manifest", "--ref", tag, "--repo", self.repo.path, "--version", tag,
                "--sequence", str(sequence), "-o", out, *extra]
        if since:
            args += ["--since", since]
        if sign:
            args += ["--key", self.keyprefix + ".key"]
        proc = subprocess.run(args, capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return commit

    def put_asset(self, tag, name, data):
        with open(os.path.join(self.assets(tag), name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

    def read_asset(self, tag, name):
        with open(os.path.join(self.assets(tag), name), "rb") as f:
            return f.read()

    def sign(self, data):
        """An Ed25519 signature by the configured key, made with openssl."""
        msg = os.path.join(self.tmp, "msg")
        with open(msg, "wb") as f:
            f.write(data)
        return subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey",
                               self.keyprefix + ".key", "-in", msg],
                              capture_output=True, check=True).stdout

    def version(self):
        with open(os.path.join(self.device, "version.json")) as f:
            return json.load(f)

    def device_state(self):
        return snapshot(self.device)

    def assert_refused(self, name, reason=None, expect=None):
        before = self.device_state()
        code, out, _ = self.ota("update", expect=expect)
        self.assertEqual(out["status"], "error", out)
        self.assertEqual(out["error"]["name"], name, out["error"])
        if reason:
            self.assertIn(reason, out["error"]["reason"])
        self.assertEqual(self.device_state(), before)  # nothing changed
        return out


class SignedReleases(ManifestCase):
    def test_fresh_install_then_upgrade_with_deletes(self):
        c1 = self.publish(V1, "v1.0.0", 1)
        code, out, _ = self.ota("update")
        self.assertEqual((out["status"], out["commit"], out["manifest"], out["sequence"]),
                         ("installed", c1, True, 1))
        self.assert_device_matches("v1.0.0")
        self.assertEqual(self.version()["sequence"], 1)

        c2 = self.publish(V2, "v2.0.0", 2, since="v1.0.0")
        self.assertIn("README.md", json.loads(self.read_asset("v2.0.0", "manifest.json"))
                      ["deletes"])
        code, out, _ = self.ota("update")
        self.assertEqual((out["commit"], out["sequence"]), (c2, 2))
        self.assertEqual((out["files_fetched"], out["files_unchanged"], out["files_deleted"]),
                         (2, 1, 1))
        self.assert_device_matches("v2.0.0")
        self.assertEqual(self.version()["sequence"], 2)

    def test_assets_come_through_the_redirect_without_the_token(self):
        token = "ghp_manifestTokenValue"
        with open(self.repo.path + ".private", "w") as f:
            f.write(token)
        self.publish(V1, "v1.0.0", 1)
        self.write_config(public_key=self.public_key, token=token)
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        api = [r for r in self.requests("api") if "/releases/assets/" in r["path"]]
        self.assertEqual(len(api), 2)  # manifest.json and manifest.json.sig
        for r in api:
            self.assertEqual(r["status"], 302)
            self.assertEqual(r["headers"].get("Accept"), "application/octet-stream")
            self.assertEqual(r["headers"].get("Authorization"), "Bearer " + token)
        asset = self.requests("asset")
        self.assertEqual(len(asset), 2)
        for r in asset:
            self.assertEqual(r["status"], 200)
            self.assertNotIn("Authorization", r["headers"])

    def test_private_release_without_token_gets_a_hint(self):
        with open(self.repo.path + ".private", "w") as f:
            f.write("secret")
        self.publish(V1, "v1.0.0", 1)
        out = self.assert_refused("OTA_ERR_HTTP_NOT_FOUND", expect=8)
        self.assertIn("token", out["error"]["reason"])

    def test_pinned_tag_with_a_manifest(self):
        c1 = self.publish(V1, "v1.0.0", 1)
        self.publish(V2, "v2.0.0", 2, since="v1.0.0")
        self.write_config(public_key=self.public_key, tag="v1.0.0")
        code, out, _ = self.ota("update")
        self.assertEqual((out["commit"], out["manifest"]), (c1, True))
        self.assert_device_matches("v1.0.0")

    def test_unchanged_release_after_a_failure_refetches_the_assets(self):
        self.publish(V1, "v1.0.0", 1)
        self.server.control([{"host": "asset", "path": "manifest.json.sig", "status": 500,
                              "count": 10}])
        self.ota("update", expect=None)
        self.server.reset()
        code, out, _ = self.ota("update")  # the release answers 304: asset ids re-read
        self.assertEqual(out["status"], "installed")
        self.assert_device_matches("v1.0.0")

    def test_hooks_and_allow_rules(self):
        files = dict(V1, **{"hooks/post.sh": "echo \"$OTA_REF\" > hook-ran\n"})
        self.publish(files, "v1.0.0", 1, extra=["--post-update", "hooks/post.sh"])
        code, out, _ = self.ota("update")
        self.assertEqual(out["post_update_status"], 0)
        with open(os.path.join(self.device, "hook-ran")) as f:
            self.assertEqual(f.read().strip(), "v1.0.0")
        self.assertEqual(self.version()["post_update"], "hooks/post.sh")

    def test_identical_files_already_on_the_device_are_kept(self):
        for path, text in V1.items():
            os.makedirs(os.path.dirname(os.path.join(self.device, path)) or self.device,
                        exist_ok=True)
            with open(os.path.join(self.device, path), "w") as f:
                f.write(text)
        self.publish(V1, "v1.0.0", 1)
        code, out, _ = self.ota("update")
        self.assertEqual((out["files_fetched"], out["files_unchanged"]), (0, 3))
        self.assertEqual(self.requests("raw"), [])
        self.assert_device_matches("v1.0.0")


class Refusals(ManifestCase):
    def setUp(self):
        super().setUp()
        self.publish(V1, "v1.0.0", 5)
        self.ota("update")

    def test_unsigned_manifest(self):
        self.publish(V2, "v2.0.0", 6, sign=False)
        self.assert_refused("OTA_ERR_SIGNATURE", "has no manifest.json.sig", expect=None)

    def test_release_without_manifest(self):
        self.repo.commit(V2, "v2")
        git(self.repo.path, "tag", "v2.0.0")
        self.assert_refused("OTA_ERR_SIGNATURE", "has no manifest.json", expect=None)

    def test_tampered_manifest(self):
        self.publish(V2, "v2.0.0", 6)
        data = self.read_asset("v2.0.0", "manifest.json").replace(b'"sequence": 6',
                                                                   b'"sequence": 60')
        self.assertIn(b'"sequence": 60', data)
        self.put_asset("v2.0.0", "manifest.json", data)
        self.assert_refused("OTA_ERR_SIGNATURE", "not valid", expect=None)

    def test_signature_by_another_key(self):
        self.publish(V2, "v2.0.0", 6)
        other = os.path.join(self.tmp, "other")
        subprocess.run([OTA_BIN, "keygen", "--out", other, "-q"], check=True,
                       capture_output=True)
        subprocess.run([OTA_BIN, "sign", "--key", other + ".key",
                        os.path.join(self.assets("v2.0.0"), "manifest.json")], check=True,
                       capture_output=True)
        self.assert_refused("OTA_ERR_SIGNATURE", expect=None)

    def test_malformed_signature_file(self):
        self.publish(V2, "v2.0.0", 6)
        self.put_asset("v2.0.0", "manifest.json.sig", "not a signature\n")
        self.assert_refused("OTA_ERR_SIGNATURE", "is not an Ed25519 signature", expect=None)

    def test_replayed_older_manifest(self):
        self.publish(V2, "v2.0.0", 4)  # validly signed, but older than what is installed
        self.assert_refused("OTA_ERR_ROLLBACK", expect=None)

    def test_expired_manifest(self):
        self.publish(V2, "v2.0.0", 6, extra=["--expires", "1000000000"])
        self.assert_refused("OTA_ERR_EXPIRED", expect=None)

    def test_manifest_for_another_commit(self):
        self.publish(V2, "v2.0.0", 6)
        data = json.loads(self.read_asset("v2.0.0", "manifest.json"))
        data["commit"] = "1" * 40
        body = json.dumps(data).encode()
        self.put_asset("v2.0.0", "manifest.json", body)
        self.put_asset("v2.0.0", "manifest.json.sig", self.sign(body))  # openssl's signature
        self.assert_refused("OTA_ERR_MANIFEST", "manifest is for commit", expect=None)

    def test_openssl_signature_is_accepted(self):
        self.publish(V2, "v2.0.0", 6, sign=False)
        body = self.read_asset("v2.0.0", "manifest.json")
        self.put_asset("v2.0.0", "manifest.json.sig", self.sign(body))
        code, out, _ = self.ota("update")
        self.assertEqual((out["status"], out["sequence"]), ("installed", 6))


# Hostile manifests served unsigned to a device without public_key: every one
# is refused by the reader with its own error, and nothing on the device moves.
SHA1 = blob_sha(b"print('v2')\n")
GOOD = {"path": "main.py", "size": 12, "sha1": SHA1}


def doc(files=None, **top):
    body = {"format": "ota-manifest/1", "version": "v2", "sequence": 9,
            "files": [GOOD] if files is None else files}
    body.update(top)
    return json.dumps(body)


def entry(**fields):
    e = dict(GOOD)
    e.update(fields)
    return e


HOSTILE = [
    ("traversal", doc([entry(path="../etc/passwd")]), "OTA_ERR_UNSAFE_PATH"),
    ("traversal inside", doc([entry(path="lib/../../x")]), "OTA_ERR_UNSAFE_PATH"),
    ("dot segment", doc([entry(path="./main.py")]), "OTA_ERR_UNSAFE_PATH"),
    ("absolute", doc([entry(path="/etc/passwd")]), "OTA_ERR_UNSAFE_PATH"),
    ("backslash", doc([entry(path="..\\\\x")]), "OTA_ERR_UNSAFE_PATH"),
    ("empty segment", doc([entry(path="lib//x.py")]), "OTA_ERR_UNSAFE_PATH"),
    ("trailing slash", doc([entry(path="lib/")]), "OTA_ERR_UNSAFE_PATH"),
    ("empty path", doc([entry(path="")]), "OTA_ERR_UNSAFE_PATH"),
    ("control char", doc([entry(path="a\u0001b")]), "OTA_ERR_UNSAFE_PATH"),
    ("nul in path", doc([entry(path="a\u0000b")]), "OTA_ERR_UNSAFE_PATH"),
    ("long path", doc([entry(path="a" * 300)]), "OTA_ERR_PATH_TOO_LONG"),
    ("traversal delete", doc(deletes=["../x"]), "OTA_ERR_UNSAFE_PATH"),
    ("absolute delete", doc(deletes=["/x"]), "OTA_ERR_UNSAFE_PATH"),
    ("traversal hook", doc(post_update="../hook.sh"), "OTA_ERR_UNSAFE_PATH"),
    ("duplicate", doc([GOOD, GOOD]), "OTA_ERR_DUPLICATE"),
    ("case collision", doc([entry(path="MAIN.py"), GOOD]), "OTA_ERR_DUPLICATE"),
    ("file and directory", doc([entry(path="lib"), entry(path="lib/x.py")]),
     "OTA_ERR_DUPLICATE"),
    ("file also deleted", doc(deletes=["main.py"]), "OTA_ERR_DUPLICATE"),
    ("delete twice", doc(deletes=["a.py", "a.py"]), "OTA_ERR_DUPLICATE"),
    ("member twice", '{"format":"ota-manifest/1","version":"v2","sequence":9,"sequence":10,'
     '"files":[]}', "OTA_ERR_DUPLICATE"),
    ("size lies short", doc([entry(size=5)]), "OTA_ERR_SIZE_MISMATCH"),
    ("size lies long", doc([entry(size=13)]), "OTA_ERR_SIZE_MISMATCH"),
    ("wrong sha1", doc([entry(sha1="0" * 39 + "1")]), "OTA_ERR_HASH_MISMATCH"),
    ("wrong sha256", doc([entry(sha256="0" * 64)]), "OTA_ERR_HASH_MISMATCH"),
    ("huge size", doc([entry(size=2 ** 53)]), "OTA_ERR_TOO_LARGE"),
    ("huge sequence", doc(sequence=10 ** 30), "OTA_ERR_TOO_LARGE"),
    ("negative size", doc([entry(size=-1)]), "OTA_ERR_MANIFEST"),
    ("fraction", doc([entry(size=1.5)]), "OTA_ERR_MANIFEST"),
    ("exponent", doc(sequence=1e3), "OTA_ERR_MANIFEST"),
    ("size as string", doc([entry(size="12")]), "OTA_ERR_MANIFEST"),
    ("path as number", doc([entry(path=7)]), "OTA_ERR_MANIFEST"),
    ("files not array", doc(files={"main.py": 1}), "OTA_ERR_MANIFEST"),
    ("no sequence", json.dumps({"format": "ota-manifest/1", "version": "v2",
                                "files": [GOOD]}), "OTA_ERR_MANIFEST"),
    ("no hash", doc([{"path": "main.py", "size": 12}]), "OTA_ERR_MANIFEST"),
    ("uppercase hex", doc([entry(sha1=SHA1.upper())]), "OTA_ERR_MANIFEST"),
    ("short hex", doc([entry(sha1=SHA1[:39])]), "OTA_ERR_MANIFEST"),
    ("unknown format", doc(format="ota-manifest/9"), "OTA_ERR_MANIFEST"),
    ("rollout above 100", doc(rollout_percent=101), "OTA_ERR_MANIFEST"),
    ("unsorted", doc([entry(path="zz.py"), GOOD]), "OTA_ERR_MANIFEST"),
    ("top-level array", "[]", "OTA_ERR_MANIFEST"),
    ("deep nesting", doc(x=json.loads("[" * 40 + "]" * 40)), "OTA_ERR_JSON_DEPTH"),
    ("invalid utf-8", doc().replace('"v2"', '"v\xff"'), "OTA_ERR_JSON_UTF8"),
    ("lone surrogate", doc().replace('"v2"', '"\\ud800"'), "OTA_ERR_JSON_UTF8"),
    ("truncated", doc()[:-7], "OTA_ERR_JSON_INCOMPLETE"),
    ("empty", "", "OTA_ERR_JSON_INCOMPLETE"),
    ("trailing comma", doc()[:-1] + ",}", "OTA_ERR_JSON_SYNTAX"),
    ("comment", "/* x */" + doc(), "OTA_ERR_JSON_SYNTAX"),
    ("two documents", doc() + doc(), "OTA_ERR_JSON_SYNTAX"),
    ("older sequence", doc(sequence=4), "OTA_ERR_ROLLBACK"),
    ("expired", doc(expires=1000000000), "OTA_ERR_EXPIRED"),
]


class HostileManifests(ManifestCase):
    def test_every_hostile_manifest_is_refused_and_nothing_changes(self):
        self.publish(V1, "v1.0.0", 5)
        self.write_config()  # no public_key: the reader alone stands guard
        self.ota("update")
        self.repo.commit({"main.py": "print('v2')\n"}, "v2")
        git(self.repo.path, "tag", "v2.0.0")
        before = self.device_state()
        self.assertGreaterEqual(len(HOSTILE), 40)
        for name, text, error in HOSTILE:
            self.server.reset()  # a fresh rate-limit bucket for every case
            with self.subTest(name):
                data = text.encode("latin-1") if "\xff" in text else text.encode()
                self.put_asset("v2.0.0", "manifest.json", data)
                code, out, _ = self.ota("update", expect=None)
                self.assertNotEqual(code, 0)
                self.assertEqual(out["error"]["name"], error, out["error"]["reason"])
                self.assertEqual(self.device_state(), before)


def original_manifest(files, key, deletes=(), version="v1.0.3", post_update=None):
    """A manifest as the original system's manifest_gen.py writes it: sha256,
    size and crc32 per file, in the order given, and an HMAC-SHA256
    signature over json.dumps(sort_keys=True, separators=(",", ":"))."""
    body = {"version": version, "files": [], "deletes": list(deletes)}
    for path, text in files:
        data = text.encode()
        body["files"].append({"path": path, "sha256": hashlib.sha256(data).hexdigest(),
                              "size": len(data), "crc32": "%08x" % zlib.crc32(data)})
    if post_update:
        body["post_update"] = post_update
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    body["signature"] = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return json.dumps(body, indent=2).encode()


class OriginalManifests(OtaTestCase):
    config_extra = {"channel": "stable", "manifest_key": "s3cret-key"}
    FILES = [("main.py", "print('café')\n"), ("lib/util.py", "X = 1\n"), ("boot.py", "b\n")]

    def setUp(self):
        super().setUp()
        self.repo.commit(dict(self.FILES, **{"old.py": "gone\n"}), "v1")
        git(self.repo.path, "tag", "v1.0.3")
        with open(os.path.join(self.device, "old.py"), "w") as f:
            f.write("left by the original updater\n")
        self.assets = os.path.join(self.repo.path + ".assets", "v1.0.3")
        os.makedirs(self.assets)

    def serve(self, data):
        with open(os.path.join(self.assets, "manifest.json"), "wb") as f:
            f.write(data)

    def test_hmac_signed_unsorted_manifest_installs(self):
        self.serve(original_manifest(self.FILES, "s3cret-key", deletes=["old.py"]))
        code, out, _ = self.ota("update")
        self.assertEqual((out["status"], out["manifest"], out["files_fetched"],
                          out["files_deleted"]), ("installed", True, 3, 1))
        expected = {p: t.encode() for p, t in self.FILES}
        self.assertEqual(self.device_files(), expected)
        self.server.reset()
        code, out, _ = self.ota("update")  # installed: a single 304
        self.assertEqual(out["status"], "up-to-date")
        self.assertEqual([r["status"] for r in self.requests()], [304])

    def test_wrong_hmac_key_is_refused(self):
        self.serve(original_manifest(self.FILES, "another-key"))
        before = snapshot(self.device)
        code, out, _ = self.ota("update", expect=None)
        self.assertEqual(out["error"]["name"], "OTA_ERR_SIGNATURE")
        self.assertIn("HMAC", out["error"]["reason"])
        self.assertEqual(snapshot(self.device), before)

    def test_missing_hmac_is_refused(self):
        data = json.loads(original_manifest(self.FILES, "s3cret-key"))
        del data["signature"]
        self.serve(json.dumps(data).encode())
        code, out, _ = self.ota("update", expect=None)
        self.assertEqual(out["error"]["name"], "OTA_ERR_SIGNATURE")

    def test_sha256_only_entries_verify_the_content(self):
        self.serve(original_manifest(self.FILES, "s3cret-key"))
        self.server.control([{"host": "raw", "path": "main.py", "flip_byte": 3}])
        before = snapshot(self.device)
        code, out, _ = self.ota("update", expect=None)
        self.assertEqual(out["error"]["name"], "OTA_ERR_HASH_MISMATCH")
        self.assertIn("SHA-256", out["error"]["reason"])
        self.assertEqual(snapshot(self.device), before)


if __name__ == "__main__":
    unittest.main()
