"""`ota publish`: a signed release put into a static mirror (docs/mirror.md),
checked file by file as a device checks it, then served by a real nginx and
read with urllib the way a device reads it: the channel pointer with a
conditional GET (304 in steady state), the manifest by its SHA-256 and
signature, objects by their git blob SHA-1 (also by byte range), deltas
applied with the device's decoder. Also: republishing is a no-op, release 2
keeps release 1 whole for devices halfway through it, pruning removes only
what release 2 does not need, and tampering or wrong inputs are refused."""

import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
import urllib.error
import urllib.request

from harness import OTA_BIN, ROOT, Repo, git

sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from nginx import MIRROR_LOCATIONS, Nginx, ensure_nginx  # noqa: E402

NGINX = None
NGINX_MISSING = None


def setUpModule():
    global NGINX, NGINX_MISSING
    NGINX, NGINX_MISSING = ensure_nginx()


def helper_source(answer):
    body = "".join(f"def helper_{i}(x):\n    return x * {i} + {answer}\n\n" for i in range(60))
    return "\"\"\"Helpers shipped with the application.\"\"\"\n\n" + body


BIG_V1 = "".join(f"line {i}: the quick brown fox jumps over the lazy dog\n" for i in range(2000))
BIG_V2 = BIG_V1.replace("line 1000:", "line one thousand:") + "one more line\n"

RELEASE_1 = {
    "main.py": "print('v1')\n",
    "lib/big.txt": BIG_V1,
    "lib/util.py": "X = 1\n",
    "old/helper.py": helper_source(1),
    "data/blob.bin": random.Random(1).randbytes(4096),
    "README.md": "# app\n",
}
# main.py changes too little for a delta to pay; big.txt changes in place;
# helper.py moves and changes; README.md goes; lib/new.py comes.
RELEASE_2_CHANGES = {
    "main.py": "print('v2')\n",
    "lib/big.txt": BIG_V2,
    "old/helper.py": None,
    "pkg/helper.py": helper_source(2),
    "README.md": None,
    "lib/new.py": "NEW = True\n",
}

POINTER_RE = re.compile(
    r'\{"format":"ota-channel/1","channel":"(?P<channel>[A-Za-z0-9._-]+)",'
    r'"sequence":(?P<sequence>\d+),"commit":"(?P<commit>[0-9a-f]{40})",'
    r'"manifest":"(?P<manifest>[0-9a-f]{64})","manifest_size":(?P<size>\d+),'
    r'"signature":"(?P<signature>[0-9a-f]{128})","published":(?P<published>\d+)\}\n\Z')


def blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tree(root):
    """{relative path: bytes} of the files under root, the lock left out."""
    result = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if rel != ".publish.lock":
                result[rel] = read(full)
    return result


def stat_tree(root):
    """{relative path: (inode, mtime_ns)}: what a rewrite would change."""
    return {rel: (os.stat(os.path.join(root, rel)).st_ino,
                  os.stat(os.path.join(root, rel)).st_mtime_ns) for rel in tree(root)}


class PublishCase(unittest.TestCase):
    """Two tagged releases of a small repository, their signed manifests, and
    each release's files exported into a directory."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ota-publish-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)  # even if setUp fails
        self.repo = Repo(os.path.join(self.tmp, "repos"))
        self.commit1 = self.repo.commit(RELEASE_1, "release 1")
        git(self.repo.path, "tag", "v1")
        self.commit2 = self.repo.commit(RELEASE_2_CHANGES, "release 2")
        git(self.repo.path, "tag", "v2")
        self.key = os.path.join(self.tmp, "release")
        self.run_ota("keygen", "--out", self.key, "-q")
        self.manifest1 = self.make_manifest("v1", 1)
        self.manifest2 = self.make_manifest("v2", 2, since="v1")
        self.dir1 = self.export("v1")
        self.dir2 = self.export("v2")
        self.mirror = os.path.join(self.tmp, "mirror")

    def run_ota(self, *args, expect=0, env=None):
        proc = subprocess.run([OTA_BIN, *args], capture_output=True, timeout=300,
                              env=dict(os.environ, **(env or {})))
        if expect is not None and proc.returncode != expect:
            self.fail(f"ota {' '.join(args)} exited {proc.returncode}, expected {expect}\n"
                      f"stderr: {proc.stderr.decode(errors='replace')}")
        return proc

    def make_manifest(self, tag, sequence, since=None):
        out = os.path.join(self.tmp, f"manifest-{tag}", "manifest.json")
        os.makedirs(os.path.dirname(out))
        args = ["manifest", "--repo", self.repo.path, "--ref", tag, "--version", tag,
                "--sequence", str(sequence), "--key", self.key + ".key", "-o", out]
        self.run_ota(*args, *(["--since", since] if since else []))
        return out

    def export(self, tag):
        out = os.path.join(self.tmp, f"files-{tag}")
        archive = os.path.join(self.tmp, f"{tag}.tar")
        git(self.repo.path, "archive", "-o", archive, tag)
        with tarfile.open(archive) as t:
            t.extractall(out)
        return out

    def publish(self, source, manifest, *extra, expect=0, env=None):
        """ota publish SOURCE (a directory, or ("git", ref)) --json; the report."""
        where = ["--git", self.repo.path, "--ref", source[1]] if isinstance(source, tuple) \
            else [source]
        proc = self.run_ota("publish", *where, "-m", manifest, "-o", self.mirror, "--json",
                            *extra, expect=expect, env=env)
        return json.loads(proc.stdout) if proc.returncode == 0 else proc

    def prune(self, keep, *extra, expect=0):
        proc = self.run_ota("publish", "--prune", "--keep", str(keep), "-o", self.mirror,
                            "--json", *extra, expect=expect)
        return json.loads(proc.stdout) if proc.returncode == 0 else proc

    def manifest_of(self, path):
        with open(path) as f:
            return json.load(f)

    def mirror_path(self, *parts):
        return os.path.join(self.mirror, *parts)

    def objects(self):
        return set(os.listdir(self.mirror_path("objects")))

    def deltas(self):
        return set(os.listdir(self.mirror_path("deltas")))

    def pointer(self, channel="stable"):
        return read(self.mirror_path("channels", f"{channel}.json"))


class Publish(PublishCase):
    """The mirror on disk."""

    def test_objects_are_git_blobs_and_the_pointer_has_fixed_bytes(self):
        report = self.publish(self.dir1, self.manifest1, "--public-key", self.key + ".pub",
                              env={"SOURCE_DATE_EPOCH": "1800000000"})
        files = self.manifest_of(self.manifest1)["files"]
        self.assertEqual(report["objects"]["written"], len(files))
        self.assertEqual(report["objects"]["bytes_written"], sum(f["size"] for f in files))
        self.assertTrue(report["pointer_written"] and report["manifest_written"])
        # every object is named by its git blob id, as git itself computes it
        self.assertEqual(self.objects(), {f["sha1"] for f in files})
        for name in self.objects():
            path = self.mirror_path("objects", name)
            hashed = subprocess.run(["git", "hash-object", path], check=True,
                                    capture_output=True, text=True).stdout.strip()
            self.assertEqual(hashed, name)
        for f in files:
            self.assertEqual(f["sha1"], git(self.repo.path, "rev-parse", f"v1:{f['path']}"))
        # the manifest is stored byte for byte under its SHA-256
        signed = read(self.manifest1)
        name = hashlib.sha256(signed).hexdigest()
        self.assertEqual(read(self.mirror_path("manifests", name + ".json")), signed)
        # the pointer: fixed member order, no white space, one newline
        m = POINTER_RE.match(self.pointer().decode())
        self.assertIsNotNone(m, self.pointer())
        self.assertEqual(m["channel"], "stable")
        self.assertEqual((int(m["sequence"]), m["commit"]), (1, self.commit1))
        self.assertEqual((m["manifest"], int(m["size"])), (name, len(signed)))
        self.assertEqual(bytes.fromhex(m["signature"]), read(self.manifest1 + ".sig"))
        self.assertEqual(int(m["published"]), 1800000000)
        # the file's time is "published" (servers make validators from it)
        self.assertEqual(os.stat(self.mirror_path("channels", "stable.json")).st_mtime,
                         1800000000)
        record = json.loads(read(self.mirror_path("releases.json")))
        self.assertEqual(record["format"], "ota-releases/1")
        self.assertEqual([(r["sequence"], r["version"], r["manifest"], r["commit"])
                          for r in record["channels"]["stable"]],
                         [(1, "v1", name, self.commit1)])

    def test_the_documented_pointer_is_in_the_format_the_tool_writes(self):
        with open(os.path.join(ROOT, "docs", "mirror.md")) as f:
            doc = f.read()
        example = next(line for line in doc.splitlines()
                       if line.startswith('{"format":"ota-channel/1"')) + "\n"
        self.assertIsNotNone(POINTER_RE.match(example))
        self.assertIn(f"({len(example)} bytes, the last one `\\n`.)", doc)

    def test_republishing_the_same_release_changes_nothing(self):
        self.publish(self.dir1, self.manifest1)
        before, stats = tree(self.mirror), stat_tree(self.mirror)
        report = self.publish(self.dir1, self.manifest1, env={"SOURCE_DATE_EPOCH": "1900000000"})
        self.assertTrue(report["unchanged"])
        self.assertEqual(report["objects"]["written"], 0)
        self.assertEqual(report["objects"]["existing"], len(self.objects()))
        self.assertFalse(report["pointer_written"] or report["record_written"]
                         or report["manifest_written"])
        self.assertEqual(tree(self.mirror), before)
        self.assertEqual(stat_tree(self.mirror), stats)  # not even rewritten in place

    def test_release_2_keeps_release_1_and_its_deltas_rebuild_the_new_bytes(self):
        self.publish(self.dir1, self.manifest1)
        mirror_after_1 = tree(self.mirror)
        report = self.publish(("git", "v2"), self.manifest2)
        after_2 = tree(self.mirror)
        # nothing of release 1 changed or went: a device halfway through it
        # still finds every file its manifest lists
        for rel, data in mirror_after_1.items():
            if not rel.startswith(("channels/", "releases.json")):
                self.assertEqual(after_2[rel], data, rel)
        files1 = {f["path"]: f for f in self.manifest_of(self.manifest1)["files"]}
        files2 = {f["path"]: f for f in self.manifest_of(self.manifest2)["files"]}
        self.assertTrue(self.objects() >= {f["sha1"] for f in files1.values()})
        self.assertTrue(self.objects() >= {f["sha1"] for f in files2.values()})
        # deltas: in place (big.txt) and for the moved file (helper.py)
        expected = {f"{files1['lib/big.txt']['sha1']}-{files2['lib/big.txt']['sha1']}.otad",
                    f"{files1['old/helper.py']['sha1']}-{files2['pkg/helper.py']['sha1']}.otad"}
        self.assertEqual(self.deltas(), expected)
        self.assertEqual(report["deltas"]["written"], 2)
        self.assertEqual(report["deltas"]["not_smaller"], 1)  # main.py: 12 bytes
        for name in self.deltas():
            old, new = name[:-len(".otad")].split("-")
            out = os.path.join(self.tmp, "applied")
            self.run_ota("delta", "--apply", self.mirror_path("objects", old),
                         self.mirror_path("deltas", name), "-o", out)
            self.assertEqual(read(out), read(self.mirror_path("objects", new)))
            self.assertEqual(blob_sha1(read(out)), new)
            self.assertLess(os.path.getsize(self.mirror_path("deltas", name)), len(read(out)))
        pointer = POINTER_RE.match(self.pointer().decode())
        self.assertEqual((int(pointer["sequence"]), pointer["commit"]), (2, self.commit2))

    def test_git_ref_and_directory_publish_the_same_mirror(self):
        self.publish(("git", "v1"), self.manifest1, env={"SOURCE_DATE_EPOCH": "1800000000"})
        from_git = tree(self.mirror)
        shutil.rmtree(self.mirror)
        self.publish(self.dir1, self.manifest1, env={"SOURCE_DATE_EPOCH": "1800000000"})
        self.assertEqual(tree(self.mirror), from_git)

    def test_prune_keep_1_removes_only_what_release_2_does_not_need(self):
        self.publish(self.dir1, self.manifest1)
        self.publish(self.dir2, self.manifest2)
        before = tree(self.mirror)
        files1 = {f["sha1"] for f in self.manifest_of(self.manifest1)["files"]}
        files2 = {f["sha1"] for f in self.manifest_of(self.manifest2)["files"]}
        dry = self.prune(1, "--dry-run")
        self.assertEqual(tree(self.mirror), before)  # a dry run removes nothing
        report = self.prune(1)
        self.assertEqual(dry["removed"], report["removed"])
        self.assertEqual(self.objects(), files2)
        self.assertEqual(report["removed"]["objects"], len(files1 - files2))
        self.assertEqual(report["removed"]["manifests"], 1)
        name2 = hashlib.sha256(read(self.manifest2)).hexdigest()
        self.assertEqual(os.listdir(self.mirror_path("manifests")), [name2 + ".json"])
        # the deltas to release 2 stay: devices on release 1 still use them
        self.assertEqual(report["removed"]["deltas"], 0)
        self.assertEqual(len(self.deltas()), 2)
        after = tree(self.mirror)
        for rel in after:
            if rel != "releases.json":
                self.assertEqual(after[rel], before[rel], rel)
        record = json.loads(read(self.mirror_path("releases.json")))
        self.assertEqual([r["manifest"] for r in record["channels"]["stable"]], [name2])
        # pruning again finds nothing more
        self.assertEqual(self.prune(1)["removed"]["objects"], 0)

    def test_prune_keeps_every_channel_and_a_pointer_s_release(self):
        self.publish(self.dir1, self.manifest1, "--channel", "beta")
        self.publish(self.dir1, self.manifest1)
        self.publish(self.dir2, self.manifest2)
        self.prune(1)
        files1 = {f["sha1"] for f in self.manifest_of(self.manifest1)["files"]}
        self.assertTrue(self.objects() >= files1)  # beta still points at release 1
        self.assertEqual(len(os.listdir(self.mirror_path("manifests"))), 2)

    def test_channels_share_objects_and_deltas(self):
        clock = {"SOURCE_DATE_EPOCH": "1800000000"}
        for channel in ("beta", "stable"):
            self.publish(self.dir1, self.manifest1, "--channel", channel, env=clock)
        beta = self.publish(self.dir2, self.manifest2, "--channel", "beta", env=clock)
        stable = self.publish(self.dir2, self.manifest2, "--channel", "stable", env=clock)
        self.assertEqual((beta["deltas"]["written"], stable["deltas"]["written"]), (2, 0))
        self.assertEqual(stable["deltas"]["existing"], 2)  # checked by their headers
        self.assertEqual(stable["objects"]["written"], 0)
        self.assertEqual(self.pointer("beta"), self.pointer("stable").replace(
            b'"channel":"stable"', b'"channel":"beta"'))

    def test_a_file_that_differs_from_the_manifest_publishes_nothing(self):
        with open(os.path.join(self.dir1, "lib", "util.py"), "a") as f:
            f.write("# edited after the manifest was made\n")
        os.remove(os.path.join(self.dir1, "main.py"))
        proc = self.publish(self.dir1, self.manifest1, expect=5)
        err = proc.stderr.decode()
        self.assertRegex(err, r"lib/util.py: \d+ bytes, the manifest lists 6\n")
        self.assertIn("main.py: missing", err)
        self.assertFalse(os.path.exists(self.mirror))

    def test_a_signature_by_another_key_is_refused(self):
        other = os.path.join(self.tmp, "other")
        self.run_ota("keygen", "--out", other, "-q")
        proc = self.publish(self.dir1, self.manifest1, "--public-key", other + ".pub", expect=5)
        self.assertIn("signature does not verify", proc.stderr.decode())
        self.assertFalse(os.path.exists(self.mirror))
        shutil.copy(self.manifest2 + ".sig", self.manifest1 + ".sig")  # another manifest's
        proc = self.publish(self.dir1, self.manifest1, "--public-key", self.key + ".pub",
                            expect=5)
        self.assertIn("signature does not verify", proc.stderr.decode())

    def test_an_older_release_after_a_newer_one_is_refused(self):
        self.publish(self.dir2, self.manifest2)
        pointer = self.pointer()
        proc = self.publish(self.dir1, self.manifest1, expect=5)
        self.assertIn("a new release needs a larger one", proc.stderr.decode())
        self.assertEqual(self.pointer(), pointer)

    def test_a_ref_other_than_the_manifest_s_commit_is_refused(self):
        proc = self.publish(("git", "v2"), self.manifest1, expect=5)
        self.assertIn(f"the manifest is for commit {self.commit1}", proc.stderr.decode())
        proc = self.publish(("git", "no-such-tag"), self.manifest1, expect=2)
        self.assertIn("not a git ref", proc.stderr.decode())

    def test_a_corrupt_object_in_the_mirror_is_never_overwritten_nor_trusted(self):
        self.publish(self.dir1, self.manifest1)
        sha = blob_sha1(RELEASE_1["lib/util.py"].encode())
        path = self.mirror_path("objects", sha)
        with open(path, "wb") as f:
            f.write(b"X = 2\n")
        proc = self.publish(self.dir2, self.manifest2, expect=5)
        self.assertIn(f"objects/{sha} exists with other bytes", proc.stderr.decode())
        self.assertEqual(read(path), b"X = 2\n")
        self.assertEqual(POINTER_RE.match(self.pointer().decode())["sequence"], "1")

    def test_one_publisher_at_a_time(self):
        self.publish(self.dir1, self.manifest1)
        with open(self.mirror_path(".publish.lock")) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another publisher at work
            proc = self.publish(self.dir2, self.manifest2, expect=6)
            self.assertIn("another ota publish is working on", proc.stderr.decode())
            self.prune(1, expect=6)
        self.assertEqual(POINTER_RE.match(self.pointer().decode())["sequence"], "1")
        self.publish(self.dir2, self.manifest2)

    def test_a_malformed_pointer_stops_publishing_and_pruning(self):
        self.publish(self.dir1, self.manifest1)
        with open(self.mirror_path("channels", "stable.json"), "w") as f:
            f.write('{"format":"ota-channel/1","channel":"stable"}\n')
        before = tree(self.mirror)
        proc = self.publish(self.dir2, self.manifest2, expect=5)
        self.assertIn("not a channel pointer", proc.stderr.decode())
        proc = self.prune(1, expect=5)
        self.assertIn("nothing removed", proc.stderr.decode())
        self.assertEqual(tree(self.mirror), before)

    def test_usage_errors(self):
        for args in (["publish"], ["publish", self.dir1, "-o", self.mirror],
                     ["publish", "--prune", "-o", self.mirror],
                     ["publish", self.dir1, "-m", self.manifest1, "-o", self.mirror,
                      "--channel", "../x"]):
            self.assertEqual(self.run_ota(*args, expect=None).returncode, 2, args)
        self.assertIn(b"usage: ota publish", self.run_ota("publish", "--help").stdout)
        self.assertIn(b"no mirror at", self.run_ota("publish", "--prune", "--keep", "1", "-o",
                                                    self.mirror, expect=2).stderr)


class Device:
    """What a device does against a mirror over plain HTTP (docs/mirror.md):
    everything it takes is checked against the signed manifest."""

    def __init__(self, test, base_url, public_key):
        self.test, self.base, self.public_key = test, base_url, public_key
        self.etag = None

    def get(self, path, headers=None):
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def poll(self, channel="stable"):
        """The pointer, or None when unchanged since the last poll (304)."""
        status, headers, body = self.get(f"channels/{channel}.json",
                                         {"If-None-Match": self.etag} if self.etag else {})
        if status == 304:
            return None
        self.test.assertEqual(status, 200)
        self.etag = headers["ETag"]
        return json.loads(body)

    def manifest(self, pointer):
        status, _, body = self.get(f"manifests/{pointer['manifest']}.json")
        self.test.assertEqual(status, 200)
        self.test.assertEqual(len(body), pointer["manifest_size"])
        self.test.assertEqual(hashlib.sha256(body).hexdigest(), pointer["manifest"])
        with tempfile.TemporaryDirectory() as d:
            doc, sig = os.path.join(d, "manifest.json"), os.path.join(d, "sig")
            with open(doc, "wb") as f:
                f.write(body)
            with open(sig, "w") as f:
                f.write(pointer["signature"])  # ota verify takes the hex text too
            self.test.run_ota("verify", "--pub", self.public_key, doc, sig)
        return json.loads(body)

    def object(self, sha1):
        """The object's bytes, or None when they are not the blob named."""
        status, _, body = self.get(f"objects/{sha1}")
        self.test.assertEqual(status, 200)
        return body if blob_sha1(body) == sha1 else None


class ServedByNginx(PublishCase):
    """The mirror as a fleet sees it, through nginx."""

    CLOCK = {"SOURCE_DATE_EPOCH": "1800000000"}  # publishing twice in one second

    def setUp(self):
        if not NGINX:
            self.skipTest(f"nginx tests skipped: {NGINX_MISSING}")
        super().setUp()
        self.publish(self.dir1, self.manifest1, env=self.CLOCK)
        self.web = Nginx(self.mirror, MIRROR_LOCATIONS, NGINX).start()
        self.addCleanup(self.web.stop)
        self.device = Device(self, self.web.url(), self.key + ".pub")

    def test_steady_state_is_one_request_answered_304(self):
        pointer = self.device.poll()
        self.assertEqual(pointer["sequence"], 1)
        status, headers, _ = self.device.get("channels/stable.json")
        self.assertEqual(headers["Cache-Control"], "no-cache")
        for _ in range(3):
            self.assertIsNone(self.device.poll())
        log = self.web.wait_requests(5)
        self.assertEqual([(r["uri"], r["status"]) for r in log],
                         [("/channels/stable.json", 200)] * 2 +
                         [("/channels/stable.json", 304)] * 3)
        self.assertEqual(log[2]["if_none_match"], self.device.etag)
        self.assertEqual(sum(r["bytes"] for r in log[2:]), 0)
        # a new release changes the validator, even within the same second
        # (nginx's ETag is the file's time and size): the next poll gets it
        length = len(self.pointer())
        self.publish(self.dir2, self.manifest2, env=self.CLOCK)
        self.assertEqual(len(self.pointer()), length)  # only the time can differ
        second = self.device.poll()
        self.assertEqual(second["sequence"], 2)
        self.assertEqual(second["published"], pointer["published"] + 1)

    def test_a_device_updates_by_deltas_and_objects_and_verifies_everything(self):
        installed = {}
        first = self.device.poll()
        for f in self.device.manifest(first)["files"]:
            installed[f["path"]] = self.device.object(f["sha1"])
        self.assertEqual(installed, {p: d.encode() if isinstance(d, str) else d
                                     for p, d in RELEASE_1.items()})
        self.publish(("git", "v2"), self.manifest2)
        self.web.forget_requests()
        target = self.device.manifest(self.device.poll())
        have = {p: blob_sha1(d) for p, d in installed.items()}
        by_name = {}
        for p in sorted(installed):
            by_name.setdefault(os.path.basename(p), p)
        for f in target["files"]:
            # same path, else a moved file: the first path of that name
            source = f["path"] if f["path"] in installed else by_name.get(
                os.path.basename(f["path"]))
            if source and have[source] == f["sha1"]:
                installed[f["path"]] = installed[source]
                continue
            status, _, delta = self.device.get(f"deltas/{have[source]}-{f['sha1']}.otad") \
                if source else (404, {}, b"")
            if status == 200:
                installed[f["path"]] = self.apply(installed[source], delta)
            else:
                installed[f["path"]] = self.device.object(f["sha1"])
            self.assertEqual(blob_sha1(installed[f["path"]]), f["sha1"])
        for p in target["deletes"]:
            installed.pop(p, None)
        self.assertEqual(installed, self.repo.files_at("v2"))
        log = self.web.wait_requests(1)
        fetched = {r["uri"].split("/")[1] for r in log}
        self.assertEqual(sum(r["uri"].startswith("/deltas/") and r["status"] == 200
                             for r in log), 2)
        self.assertEqual(sum(r["uri"].startswith("/deltas/") and r["status"] == 404
                             for r in log), 1)  # main.py: no delta, the object then
        self.assertLessEqual(fetched, {"channels", "manifests", "objects", "deltas"})
        # unchanged files (lib/util.py, data/blob.bin) were not fetched at all
        for sha in (blob_sha1(RELEASE_1["lib/util.py"].encode()),
                    blob_sha1(RELEASE_1["data/blob.bin"])):
            self.assertFalse(any(sha in r["uri"] for r in log))

    def apply(self, old, delta):
        paths = [os.path.join(self.tmp, n) for n in ("old", "delta", "new")]
        for path, data in zip(paths, (old, delta)):
            with open(path, "wb") as f:
                f.write(data)
        self.run_ota("delta", "--apply", paths[0], paths[1], "-o", paths[2])
        return read(paths[2])

    def test_objects_by_range_and_immutable_cache_headers(self):
        big = RELEASE_1["lib/big.txt"].encode()
        sha = blob_sha1(big)
        status, headers, body = self.device.get(f"objects/{sha}", {"Range": "bytes=1000-1999"})
        self.assertEqual(status, 206)
        self.assertEqual(body, big[1000:2000])
        self.assertEqual(headers["Content-Range"], f"bytes 1000-1999/{len(big)}")
        self.assertEqual(headers["Cache-Control"], "max-age=31536000, immutable")
        # resuming a cut download: the rest from where it stopped
        status, _, rest = self.device.get(f"objects/{sha}", {"Range": "bytes=2000-"})
        self.assertEqual((status, big[:2000] + rest), (206, big))
        log = self.web.wait_requests(2)
        self.assertEqual([(r["status"], r["range"]) for r in log],
                         [(206, "bytes=1000-1999"), (206, "bytes=2000-")])

    def test_a_device_halfway_through_release_1_still_finds_everything(self):
        pointer1 = self.device.poll()
        files1 = self.device.manifest(pointer1)["files"]
        half = len(files1) // 2
        got = {f["path"]: self.device.object(f["sha1"]) for f in files1[:half]}
        self.publish(self.dir2, self.manifest2)  # release 2 arrives meanwhile
        self.device.manifest(pointer1)  # release 1's manifest is still served
        got.update({f["path"]: self.device.object(f["sha1"]) for f in files1[half:]})
        self.assertEqual(got, self.repo.files_at("v1"))

    def test_a_tampered_object_is_caught_by_the_git_blob_check(self):
        sha = blob_sha1(RELEASE_1["lib/util.py"].encode())
        self.assertEqual(self.device.object(sha), b"X = 1\n")
        with open(self.mirror_path("objects", sha), "wb") as f:
            f.write(b"X = 666\n")  # a compromised server or disk
        status, _, body = self.device.get(f"objects/{sha}")
        self.assertEqual((status, body), (200, b"X = 666\n"))  # served...
        self.assertNotEqual(blob_sha1(body), sha)              # ...and refused
        self.assertIsNone(self.device.object(sha))


if __name__ == "__main__":
    unittest.main()
