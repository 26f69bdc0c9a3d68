"""The delta format end to end through `ota delta`: every delta made by the
encoder is applied by the device's decoder (src/core/delta.c) to exactly the
new bytes; edge cases (empty, tiny, identical, unrelated, binary, several
sources); real pairs from this repository's history; and broken deltas
(truncated, flipped, applied to the wrong file) refused with exit code 5 and
no output written."""

import json
import os
import random
import subprocess
import tempfile
import unittest

from harness import OTA_BIN, ROOT, git


def ota_delta(*args, expect=0):
    proc = subprocess.run([OTA_BIN, "delta", *args], capture_output=True)
    if expect is not None and proc.returncode != expect:
        raise AssertionError(f"ota delta {args} exited {proc.returncode}: {proc.stderr!r}")
    return proc


class Delta(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ota-delta-")

    def path(self, name, data=None):
        p = os.path.join(self.tmp, name)
        if data is not None:
            with open(p, "wb") as f:
                f.write(data)
        return p

    def round_trip(self, old, new, also=()):
        """Makes the delta, applies it, returns its size."""
        args = []
        for i, data in enumerate(also):
            args += ["--also", self.path(f"also{i}", data)]
        o, n = self.path("old", old), self.path("new", new)
        d, out = self.path("delta"), self.path("out")
        ota_delta(o, n, "-o", d, "-q", *args)
        proc = ota_delta("--apply", o, d, "-o", out, "--json", *args)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), new)
        report = json.loads(proc.stdout)
        self.assertEqual(report["bytes_out"], len(new))
        self.assertLessEqual(report["decoder_memory_bytes"], 16 * 1024)
        return os.path.getsize(d)

    def test_edge_cases(self):
        rng = random.Random(7)
        noise = bytes(rng.randrange(256) for _ in range(20000))
        text = b"".join(b"line %d of a text file\n" % i for i in range(2000))
        cases = [(b"", b""), (b"", b"x"), (b"x", b""), (b"a", b"b"), (text, text),
                 (text, b""), (b"", text), (noise, noise[::-1]), (noise, noise),
                 (text, noise), (b"\0" * 100000, b"\0" * 100001),
                 (b"ab" * 50000, b"ab" * 49000 + b"c")]
        for old, new in cases:
            with self.subTest(old=len(old), new=len(new)):
                self.round_trip(old, new)
        # identical content costs next to nothing, whatever its size
        self.assertLess(self.round_trip(noise, noise), 40)
        self.assertLess(self.round_trip(b"\0" * 100000, b"\0" * 100001), 40)

    def test_random_edits(self):
        rng = random.Random(11)
        base = bytearray(b"".join(b"def f%d(x):\n    return x * %d\n" % (i, i) for i in range(3000)))
        for trial in range(25):
            new = bytearray(base)
            for _ in range(rng.randrange(1, 30)):
                at = rng.randrange(len(new))
                kind = rng.randrange(3)
                if kind == 0:
                    del new[at:at + rng.randrange(1, 200)]
                elif kind == 1:
                    new[at:at] = bytes(rng.randrange(32, 127) for _ in range(rng.randrange(1, 100)))
                else:
                    src = rng.randrange(len(base) - 500)
                    new[at:at] = base[src:src + rng.randrange(1, 500)]  # moved code
            with self.subTest(trial=trial):
                size = self.round_trip(bytes(base), bytes(new))
                self.assertLess(size, len(new) // 10)

    def test_other_sources(self):
        a = b"".join(b"alpha %d\n" % i for i in range(3000))
        b = b"".join(b"beta %d\n" % i for i in range(3000))
        new = a[:5000] + b[:8000] + b"fresh\n"
        alone = self.round_trip(a, new)
        with_b = self.round_trip(a, new, also=[b])
        self.assertLess(with_b * 3, alone)

    def test_this_repositorys_history(self):
        """Consecutive versions of the files the last commits changed."""
        commits = git(ROOT, "log", "--format=%H", "-8").split()
        if len(commits) < 2:
            self.skipTest("a clone with history is needed")
        pairs = 0
        for newer, older in zip(commits, commits[1:]):
            for path in git(ROOT, "diff", "--name-only", older, newer).split():
                try:
                    old = subprocess.run(["git", "-C", ROOT, "show", f"{older}:{path}"],
                                         capture_output=True, check=True).stdout
                    new = subprocess.run(["git", "-C", ROOT, "show", f"{newer}:{path}"],
                                         capture_output=True, check=True).stdout
                except subprocess.CalledProcessError:
                    continue  # added or deleted
                self.round_trip(old, new)
                pairs += 1
        self.assertGreater(pairs, 0)

    def test_broken_deltas_are_refused(self):
        old = b"".join(b"record %d\n" % i for i in range(5000))
        new = old[:20000] + b"changed" + old[20100:]
        self.round_trip(old, new)
        with open(self.path("delta"), "rb") as f:
            good = f.read()
        o, out = self.path("old"), self.path("out")
        os.remove(out)
        rng = random.Random(3)
        broken = [good[:n] for n in range(0, len(good))]
        for _ in range(200):
            flipped = bytearray(good)
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
            broken.append(bytes(flipped))
        broken.append(good + b"\0")
        for data in broken:
            d = self.path("bad", data)
            proc = ota_delta("--apply", o, d, "-o", out, expect=None)
            if proc.returncode == 0:
                # a flip the models absorbed: the output must still be right
                with open(out, "rb") as f:
                    self.assertEqual(f.read(), new)
                os.remove(out)
                continue
            self.assertEqual(proc.returncode, 5, proc.stderr)
            self.assertFalse(os.path.exists(out))
        # applied to another file
        other = self.path("other", old.replace(b"record 1", b"record X"))
        proc = ota_delta("--apply", other, self.path("delta"), "-o", out, expect=5)
        self.assertIn(b"made from other files", proc.stderr)

    def test_git_refs(self):
        """Two commits of a repository give the deltas two checkouts give, made
        from the blobs git stores (text=auto stored a CRLF file with LF: the
        blob is what devices download and hash, not the checkout)."""
        repo = self.path("repo")
        os.makedirs(repo)
        git(repo, "init", "-q")
        code = b"".join(b"value_%d = compute(%d)\r\n" % (i, i) for i in range(800))
        files = {"main.py": code, "lib/util.py": b"X = 1\n" * 300, ".gitattributes": b"* text=auto\n"}
        for step, changes in enumerate(({}, {"main.py": code.replace(b"compute(7", b"calc(7")})):
            files.update(changes)
            for rel, data in files.items():
                os.makedirs(os.path.dirname(os.path.join(repo, rel)), exist_ok=True)
                with open(os.path.join(repo, rel), "wb") as f:
                    f.write(data)
            git(repo, "add", "-A")
            git(repo, "-c", "core.autocrlf=false", "commit", "-q", "-m", f"v{step + 1}")
            git(repo, "tag", f"v{step + 1}")
        out = self.path("deltas")
        ota_delta("--git", repo, "v1", "v2", "-o", out, "-q")
        old_blob = git(repo, "rev-parse", "v1:main.py").strip()
        new_blob = git(repo, "rev-parse", "v2:main.py").strip()
        name = f"{old_blob}-{new_blob}.otad"
        self.assertEqual(sorted(os.listdir(out)), [name, "index"])
        old_file = self.path("old_main", subprocess.run(
            ["git", "-C", repo, "cat-file", "blob", old_blob], capture_output=True,
            check=True).stdout)
        result = self.path("result")
        ota_delta("--apply", old_file, os.path.join(out, name), "-o", result)
        with open(result, "rb") as f:
            rebuilt = f.read()
        blob = subprocess.run(["git", "-C", repo, "cat-file", "blob", new_blob],
                              capture_output=True, check=True).stdout
        self.assertEqual(rebuilt, blob)
        self.assertNotEqual(blob, files["main.py"])  # git stored it with LF
        self.assertEqual(ota_delta("--git", repo, "v1", "nope", "-o", out, expect=2).returncode, 2)

    def test_directories(self):
        """Two trees: one delta per changed file, named by blob ids; a moved
        file's delta is named by the moved file's blob and its new one;
        unchanged, unrelated added and incompressible files get none."""
        def tree(name, files):
            root = self.path(name)
            for rel, data in files.items():
                os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                with open(os.path.join(root, rel), "wb") as f:
                    f.write(data)
            return root
        code = b"".join(b"value_%d = compute(%d)\n" % (i, i) for i in range(800))
        lib = b"".join(b"def helper_%d(): pass\n" % i for i in range(500))
        old = tree("a", {"main.py": code, "lib/util.py": lib, "same.txt": b"same\n"})
        noise = random.Random(1).randbytes(4000)
        new = tree("b", {"main.py": code.replace(b"compute(7", b"calc(7"),
                         "pkg/util.py": lib + b"def extra(): pass\n", "same.txt": b"same\n",
                         "noise.bin": noise, ".git/HEAD": b"x", ".deltas/x": b"y"})
        out = self.path("deltas")
        ota_delta(old, new, "-o", out, "-q")

        def blob(data):
            return subprocess.run(["git", "hash-object", "--stdin"], input=data, check=True,
                                  capture_output=True).stdout.decode().strip()
        moved = lib + b"def extra(): pass\n"
        changed = code.replace(b"compute(7", b"calc(7")
        expected = {f"{blob(code)}-{blob(changed)}.otad": (code, changed),
                    f"{blob(lib)}-{blob(moved)}.otad": (lib, moved)}
        self.assertEqual(sorted(os.listdir(out)), sorted(list(expected) + ["index"]))
        with open(os.path.join(out, "index")) as f:  # what devices read first
            self.assertEqual(f.read(), "".join(
                f"{name} {os.path.getsize(os.path.join(out, name))}\n" for name in sorted(expected)))
        for name, (src, target) in expected.items():
            o, result = self.path("src", src), self.path("result")
            ota_delta("--apply", o, os.path.join(out, name), "-o", result)
            with open(result, "rb") as f:
                self.assertEqual(f.read(), target)

    def test_help(self):
        proc = ota_delta("--help")
        self.assertIn(b"usage: ota delta", proc.stdout)
        ota_delta("onlyone", expect=2)


if __name__ == "__main__":
    unittest.main()
