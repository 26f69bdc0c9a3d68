#!/usr/bin/env python3
"""Self-test of fake_github.py: runs it against real git repositories and
checks its answers with http.client (standard library only).

Run: python3 tests/support/test_fake_github.py"""

import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_GITHUB = os.path.join(HERE, "fake_github.py")

ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
ENV.update(GIT_AUTHOR_NAME="ota", GIT_AUTHOR_EMAIL="ota@example.com",
           GIT_COMMITTER_NAME="ota", GIT_COMMITTER_EMAIL="ota@example.com")

FILES_V1 = {
    "main.py": b"print('v1')\n",
    "boot.py": b"import main\n",
    "lib/util.py": b"def add(a, b):\n    return a + b\n",
    "lib/sub/deep.txt": b"deep\n",
    # names that sort differently as files and as "dir/"
    "a.b": b"dot\n", "a/x": b"in a\n", "a-b": b"dash\n", "a0": b"zero\n",
    "space name.txt": b"spaces\n",
    "\u00fcn\u00efc\u00f8de.txt": "unicode \u00e9\n".encode(),
    "data/blob.bin": bytes(range(256)) * 40,
    "big.txt": b"0123456789" * 100,
}
ASSET = json.dumps({"version": "v1.0.0", "files": {"main.py": "x"}}).encode()
TOKEN = "s3cret-token"


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          env=ENV).stdout


def write(repo, files):
    for rel, data in files.items():
        full = os.path.join(repo, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)


def commit(repo, files, message):
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").decode().strip()


def start_server(repos, workdir, *extra):
    port_file = os.path.join(workdir, "ports-%d.json" % time.monotonic_ns())
    proc = subprocess.Popen([sys.executable, FAKE_GITHUB, "--repos", repos,
                             "--port-file", port_file, *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("fake_github did not start: " + proc.stderr.read().decode())
        time.sleep(0.02)
    with open(port_file) as f:
        return proc, json.load(f)


class FakeGitHubTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fake-github-test-")
        cls.repos = os.path.join(cls.tmp, "repos")
        cls.app = os.path.join(cls.repos, "acme", "app")
        os.makedirs(cls.app)
        git(cls.app, "init", "-q", "-b", "main")
        cls.c1 = commit(cls.app, FILES_V1, "v1")
        os.symlink("main.py", os.path.join(cls.app, "link.py"))
        git(cls.app, "tag", "-a", "v1.0.0", "-m", "Release 1.0.0\n\nFirst one.")
        git(cls.app, "tag", "v0.9.0", "HEAD")
        cls.c2 = commit(cls.app, {"main.py": b"print('v2')\n", "lib/new.py": b"new\n"}, "v2")
        git(cls.app, "tag", "v1.1.0-rc1")
        git(cls.app, "tag", "not-a-release")
        assets = os.path.join(cls.repos, "acme", "app.assets", "v1.0.0")
        os.makedirs(assets)
        with open(os.path.join(assets, "manifest.json"), "wb") as f:
            f.write(ASSET)
        with open(os.path.join(assets, "delta.bin"), "wb") as f:
            f.write(bytes(range(200)))

        cls.secret = os.path.join(cls.repos, "acme", "secret")
        os.makedirs(cls.secret)
        git(cls.secret, "init", "-q", "-b", "main")
        cls.s1 = commit(cls.secret, {"key.txt": b"hidden\n"}, "s1")
        with open(cls.secret + ".private", "w") as f:
            f.write(TOKEN + "\n")

        cls.proc, cls.ports = start_server(cls.repos, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
        cls.proc.stderr.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.call("POST", "/_control/reset", {})
        self.call("POST", "/_log/reset", {})

    # helpers --------------------------------------------------------------
    def conn(self, host="api"):
        return http.client.HTTPConnection("127.0.0.1", self.ports[host], timeout=10)

    def get(self, path, host="api", headers=None, method="GET"):
        c = self.conn(host)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, r, r.read()
        finally:
            c.close()

    def get_url(self, url, headers=None):
        u = urllib.parse.urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        try:
            c.request("GET", u.path + ("?" + u.query if u.query else ""), headers=headers or {})
            r = c.getresponse()
            return r.status, r, r.read()
        finally:
            c.close()

    def json(self, path, host="api", headers=None, expect=200):
        status, r, body = self.get(path, host, headers)
        self.assertEqual(status, expect, body)
        self.assertTrue(r.getheader("Content-Type").startswith("application/json"))
        return json.loads(body)

    def call(self, method, path, body=None):
        c = self.conn("api")
        try:
            c.request(method, path, body=json.dumps(body) if body is not None else None,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            self.assertEqual(r.status, 200, data)
            return json.loads(data)
        finally:
            c.close()

    def control(self, *rules):
        self.call("POST", "/_control", list(rules))

    def log(self):
        return self.call("GET", "/_log")

    # the commit / tree path the updater relies on -------------------------
    def test_commit_sha_media_type(self):
        for ref, want in (("main", self.c2), (self.c1, self.c1), (self.c1[:10], self.c1),
                          ("v1.0.0", self.c1), ("v1.1.0-rc1", self.c2)):
            status, r, body = self.get("/repos/acme/app/commits/" + ref,
                                       headers={"Accept": "application/vnd.github.sha"})
            self.assertEqual(status, 200, ref)
            self.assertEqual(body.decode(), want, ref)
            self.assertTrue(r.getheader("Content-Type").startswith("application/vnd.github.sha"))
            self.assertEqual(r.getheader("Content-Length"), "40")
            self.assertTrue(r.getheader("ETag"))

    def test_commit_json(self):
        c = self.json("/repos/acme/app/commits/main",
                      headers={"Accept": "application/vnd.github+json"})
        self.assertEqual(c["sha"], self.c2)
        self.assertEqual(c["commit"]["tree"]["sha"],
                         git(self.app, "rev-parse", "main^{tree}").decode().strip())
        self.assertEqual(c["commit"]["message"], "v2\n")
        self.assertEqual(c["commit"]["author"]["email"], "ota@example.com")
        self.assertRegex(c["commit"]["author"]["date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual([p["sha"] for p in c["parents"]], [self.c1])
        self.assertIn("html_url", c)

    def test_tree_order_and_sizes_match_git(self):
        out = git(self.app, "ls-tree", "-r", "-t", "-l", "-z", self.c1)
        want = []
        for rec in out.split(b"\0"):
            if rec:
                meta, path = rec.split(b"\t", 1)
                mode, typ, sha, size = meta.split()
                want.append((path.decode(), mode.decode(), typ.decode(), sha.decode(),
                             None if size == b"-" else int(size)))
        for treeish in (self.c1, "v1.0.0", git(self.app, "rev-parse", self.c1 + "^{tree}")
                        .decode().strip()):
            t = self.json("/repos/acme/app/git/trees/%s?recursive=1" % treeish)
            got = [(e["path"], e["mode"], e["type"], e["sha"], e.get("size")) for e in t["tree"]]
            self.assertEqual(got, want)
            self.assertFalse(t["truncated"])
            self.assertEqual(t["sha"], git(self.app, "rev-parse", self.c1 + "^{tree}")
                             .decode().strip())
        paths = [e[0] for e in want]
        # the tricky names really are in git's order, and the sort key agrees
        self.assertLess(paths.index("a-b"), paths.index("a.b"))
        self.assertLess(paths.index("a.b"), paths.index("a"))
        self.assertLess(paths.index("a/x"), paths.index("a0"))
        key = [p.encode() + (b"/" if typ == "tree" else b"") for p, _m, typ, _s, _z in want]
        self.assertEqual(key, sorted(key))
        self.assertIn(("lib/sub", "040000", "tree"), [e[:3] for e in want])
        # without recursive: the top level only
        top = self.json("/repos/acme/app/git/trees/main")
        self.assertTrue(all("/" not in e["path"] for e in top["tree"]))
        self.assertIn("lib", [e["path"] for e in top["tree"]])

    def test_etag_304_costs_no_quota(self):
        status, r, body = self.get("/repos/acme/app/commits/main")
        etag = r.getheader("ETag")
        remaining = int(r.getheader("X-RateLimit-Remaining"))
        for inm in (etag, etag[2:] if etag.startswith("W/") else "W/" + etag, '"x", ' + etag):
            status, r2, body2 = self.get("/repos/acme/app/commits/main",
                                         headers={"If-None-Match": inm})
            self.assertEqual(status, 304)
            self.assertEqual(body2, b"")
            self.assertEqual(int(r2.getheader("X-RateLimit-Remaining")), remaining)
        status, r3, _ = self.get("/repos/acme/app/commits/main",
                                 headers={"If-None-Match": '"other"'})
        self.assertEqual(status, 200)
        self.assertEqual(int(r3.getheader("X-RateLimit-Remaining")), remaining - 1)
        # the sha media type has its own (strong) ETag
        h = {"Accept": "application/vnd.github.sha"}
        _, r4, _ = self.get("/repos/acme/app/commits/main", headers=h)
        self.assertFalse(r4.getheader("ETag").startswith("W/"))
        status, _, _ = self.get("/repos/acme/app/commits/main",
                                headers=dict(h, **{"If-None-Match": r4.getheader("ETag")}))
        self.assertEqual(status, 304)

    def test_error_shapes(self):
        self.assertEqual(self.json("/repos/acme/nope/commits/main", expect=404),
                         {"message": "Not Found", "documentation_url":
                          "https://docs.github.com/rest", "status": "404"})
        err = self.json("/repos/acme/app/commits/nosuchref", expect=422)
        self.assertEqual(err["message"], "No commit found for SHA: nosuchref")
        self.assertEqual(err["status"], "422")
        self.json("/repos/acme/app/git/trees/" + "0" * 40, expect=404)
        self.json("/nowhere", expect=404)
        status, r, body = self.get("/acme/app/main/nope.py", host="raw")
        self.assertEqual((status, body), (404, b"404: Not Found"))

    def test_common_headers(self):
        _, r, _ = self.get("/repos/acme/app/commits/main")
        self.assertEqual(r.getheader("Content-Type"), "application/json; charset=utf-8")
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                     "X-RateLimit-Used", "X-RateLimit-Resource", "X-GitHub-Request-Id", "ETag"):
            self.assertTrue(r.getheader(name), name)
        self.assertEqual(r.getheader("X-RateLimit-Limit"), "60")

    def test_rate_limit_exhaustion(self):
        self.call("POST", "/_control/rate_limit", {"limit": 3, "remaining": 3})
        for left in (2, 1, 0):
            status, r, _ = self.get("/repos/acme/app/commits/main")
            self.assertEqual(status, 200)
            self.assertEqual(r.getheader("X-RateLimit-Remaining"), str(left))
        status, r, body = self.get("/repos/acme/app/commits/main")
        self.assertEqual(status, 403)
        self.assertTrue(json.loads(body)["message"].startswith("API rate limit exceeded for"))
        self.assertEqual(r.getheader("X-RateLimit-Remaining"), "0")
        self.assertGreater(int(r.getheader("X-RateLimit-Reset")), time.time())
        rl = self.json("/rate_limit")  # free
        self.assertEqual(rl["resources"]["core"]["remaining"], 0)
        self.assertEqual(rl["rate"]["limit"], 3)
        # a token has its own, larger bucket
        status, r, _ = self.get("/repos/acme/app/commits/main",
                                headers={"Authorization": "Bearer anything"})
        self.assertEqual(status, 200)
        self.assertEqual(r.getheader("X-RateLimit-Limit"), "5000")
        # the raw host is not rate limited
        self.assertEqual(self.get("/acme/app/main/main.py", host="raw")[0], 200)
        self.call("POST", "/_control/reset", {})
        self.assertEqual(self.get("/repos/acme/app/commits/main")[1]
                         .getheader("X-RateLimit-Remaining"), "59")

    def test_private_repository(self):
        path = "/repos/acme/secret/commits/main"
        self.assertEqual(self.json(path, expect=404)["message"], "Not Found")
        bad = self.json(path, headers={"Authorization": "Bearer wrong"}, expect=401)
        self.assertEqual(bad["message"], "Bad credentials")
        for auth in ("Bearer " + TOKEN, "token " + TOKEN):
            self.assertEqual(self.json(path, headers={"Authorization": auth})["sha"], self.s1)
        raw = "/acme/secret/%s/key.txt" % self.s1
        self.assertEqual(self.get(raw, host="raw")[0], 404)
        self.assertEqual(self.get(raw, host="raw", headers={"Authorization": "token no"})[0], 404)
        status, _, body = self.get(raw, host="raw", headers={"Authorization": "token " + TOKEN})
        self.assertEqual((status, body), (200, b"hidden\n"))
        # contents' download_url carries a token that the raw host accepts
        c = self.json("/repos/acme/secret/contents/key.txt",
                      headers={"Authorization": "Bearer " + TOKEN})
        status, _, body = self.get_url(c["download_url"])
        self.assertEqual((status, body), (200, b"hidden\n"))
        # a public repository does not mind a token
        self.assertEqual(self.get("/repos/acme/app/commits/main",
                                  headers={"Authorization": "Bearer " + TOKEN})[0], 200)

    def test_raw_download_and_range(self):
        for ref in (self.c1, "main", "v1.0.0"):
            status, r, body = self.get("/acme/app/%s/lib/util.py" % ref, host="raw")
            self.assertEqual((status, body), (200, FILES_V1["lib/util.py"]))
            self.assertEqual(r.getheader("Content-Type"), "text/plain; charset=utf-8")
            self.assertEqual(r.getheader("Content-Length"), str(len(body)))
        for name in ("space name.txt", "\u00fcn\u00efc\u00f8de.txt"):
            status, _, body = self.get("/acme/app/%s/%s" % (self.c1, urllib.parse.quote(name)),
                                       host="raw")
            self.assertEqual((status, body), (200, FILES_V1[name]))
        path = "/acme/app/%s/big.txt" % self.c1
        status, r, body = self.get(path, host="raw", headers={"Range": "bytes=995-"})
        self.assertEqual((status, body), (206, b"56789"))
        self.assertEqual(r.getheader("Content-Range"), "bytes 995-999/1000")
        self.assertEqual(self.get(path, host="raw", headers={"Range": "bytes=1000-"})[0], 416)
        _, r, _ = self.get(path, host="raw")
        status, _, body = self.get(path, host="raw", headers={"If-None-Match": r.getheader("ETag")})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(self.get("/acme/app/%s/lib" % self.c1, host="raw")[0], 404)
        self.assertEqual(self.get("/acme/app/%s/../app/main.py" % self.c1, host="raw")[0], 404)
        _, r, _ = self.get("/acme/app/%s/data/blob.bin" % self.c1, host="raw")
        self.assertEqual(r.getheader("Content-Type"), "application/octet-stream")

    def test_releases_and_asset_redirect_chain(self):
        latest = self.json("/repos/acme/app/releases/latest")
        self.assertEqual(latest["tag_name"], "v1.0.0")
        self.assertFalse(latest["prerelease"])
        self.assertFalse(latest["draft"])
        self.assertIn("First one.", latest["body"])
        for field in ("id", "name", "target_commitish", "created_at", "published_at",
                      "html_url", "url", "tarball_url", "zipball_url"):
            self.assertIn(field, latest)
        releases = self.json("/repos/acme/app/releases")
        self.assertEqual([(r["tag_name"], r["prerelease"]) for r in releases],
                         [("v1.1.0-rc1", True), ("v1.0.0", False), ("v0.9.0", False)])
        rc = self.json("/repos/acme/app/releases/tags/v1.1.0-rc1")
        self.assertTrue(rc["prerelease"])
        self.assertEqual(rc["assets"], [])
        self.json("/repos/acme/app/releases/tags/v9", expect=404)
        self.assertEqual(self.json("/repos/acme/app/releases/%d" % latest["id"])["tag_name"],
                         "v1.0.0")

        assets = {a["name"]: a for a in latest["assets"]}
        self.assertEqual(sorted(assets), ["delta.bin", "manifest.json"])
        a = assets["manifest.json"]
        self.assertEqual((a["size"], a["state"], a["content_type"]),
                         (len(ASSET), "uploaded", "application/json"))
        api_path = urllib.parse.urlsplit(a["url"]).path
        self.assertEqual(api_path, "/repos/acme/app/releases/assets/%d" % a["id"])
        self.assertEqual(self.json(api_path)["name"], "manifest.json")
        status, r, _ = self.get(api_path, headers={"Accept": "application/octet-stream"})
        self.assertEqual(status, 302)
        location = r.getheader("Location")
        u = urllib.parse.urlsplit(location)
        self.assertEqual(u.port, self.ports["asset"])
        self.assertIn("token=", u.query)
        status, r, body = self.get_url(location)
        self.assertEqual((status, body), (200, ASSET))
        status, r, body = self.get_url(location, headers={"Range": "bytes=10-"})
        self.assertEqual((status, body), (206, ASSET[10:]))
        self.assertEqual(r.getheader("Content-Range"),
                         "bytes 10-%d/%d" % (len(ASSET) - 1, len(ASSET)))
        self.assertEqual(self.get_url(location.replace("token=", "token=x"))[0], 403)
        # the browser URL (github.com) redirects the same way
        status, r, _ = self.get_url(assets["delta.bin"]["browser_download_url"])
        self.assertEqual(status, 302)
        self.assertEqual(self.get_url(r.getheader("Location"))[2], bytes(range(200)))
        hosts = [e["host"] for e in self.log()]
        self.assertIn("asset", hosts)

    def test_contents(self):
        f = self.json("/repos/acme/app/contents/lib/util.py?ref=" + self.c1)
        self.assertEqual((f["type"], f["encoding"], f["path"], f["name"]),
                         ("file", "base64", "lib/util.py", "util.py"))
        self.assertEqual(base64.b64decode(f["content"]), FILES_V1["lib/util.py"])
        self.assertEqual(f["size"], len(FILES_V1["lib/util.py"]))
        big = self.json("/repos/acme/app/contents/data/blob.bin?ref=" + self.c1)
        lines = big["content"].split("\n")
        self.assertTrue(all(len(x) == 60 for x in lines[:-2]))
        self.assertEqual(base64.b64decode(big["content"]), FILES_V1["data/blob.bin"])
        self.assertEqual(self.get_url(f["download_url"])[2], FILES_V1["lib/util.py"])
        listing = self.json("/repos/acme/app/contents/lib?ref=main")
        self.assertEqual({(e["name"], e["type"]) for e in listing},
                         {("util.py", "file"), ("sub", "dir"), ("new.py", "file")})
        root = self.json("/repos/acme/app/contents")
        self.assertIn("main.py", [e["name"] for e in root])
        status, _, body = self.get("/repos/acme/app/contents/main.py",
                                   headers={"Accept": "application/vnd.github.raw"})
        self.assertEqual((status, body), (200, b"print('v2')\n"))
        self.json("/repos/acme/app/contents/missing.py", expect=404)

    def test_tarball(self):
        status, r, _ = self.get("/repos/acme/app/tarball/v1.0.0")
        self.assertEqual(status, 302)
        status, r, body = self.get_url(r.getheader("Location"))
        self.assertEqual(status, 200)
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            names = tar.getnames()
            prefix = "acme-app-%s/" % self.c1[:7]
            self.assertIn(prefix + "main.py", names)
            self.assertEqual(tar.extractfile(prefix + "main.py").read(), FILES_V1["main.py"])
        self.assertEqual(body[:2], b"\x1f\x8b")
        self.assertIn("filename=acme-app-%s.tar.gz" % self.c1[:7],
                      r.getheader("Content-Disposition"))

    def test_blob_and_repo(self):
        sha = git(self.app, "rev-parse", self.c1 + ":main.py").decode().strip()
        b = self.json("/repos/acme/app/git/blobs/" + sha)
        self.assertEqual(base64.b64decode(b["content"]), FILES_V1["main.py"])
        repo = self.json("/repos/acme/app")
        self.assertEqual((repo["full_name"], repo["default_branch"], repo["private"]),
                         ("acme/app", "main", False))

    def test_gzip_when_asked(self):
        plain = self.get("/repos/acme/app/git/trees/main?recursive=1")[2]
        status, r, body = self.get("/repos/acme/app/git/trees/main?recursive=1",
                                   headers={"Accept-Encoding": "deflate, gzip"})
        self.assertEqual((status, r.getheader("Content-Encoding")), (200, "gzip"))
        self.assertEqual(gzip.decompress(body), plain)
        self.assertLess(len(body), len(plain))
        status, r, body = self.get("/acme/app/main/main.py", host="raw",
                                   headers={"Accept-Encoding": "gzip", "Range": "bytes=2-"})
        self.assertEqual((status, r.getheader("Content-Encoding")), (206, None))

    def test_git_ref_and_tag_object(self):
        ref = self.json("/repos/acme/app/git/ref/tags/v1.0.0")
        tag_sha = git(self.app, "rev-parse", "v1.0.0").decode().strip()
        self.assertEqual(ref["object"], {"sha": tag_sha, "type": "tag",
                                         "url": ref["object"]["url"]})
        tag = self.json("/repos/acme/app/git/tags/" + tag_sha)
        self.assertEqual((tag["tag"], tag["object"]["sha"], tag["object"]["type"]),
                         ("v1.0.0", self.c1, "commit"))
        light = self.json("/repos/acme/app/git/ref/tags/v0.9.0")
        self.assertEqual((light["object"]["type"], light["object"]["sha"]), ("commit", self.c1))
        self.assertEqual(self.get("/repos/acme/app/git/ref/tags/nope")[0], 404)

    # control actions --------------------------------------------------------
    def test_status_with_count(self):
        self.control({"host": "api", "path": "/commits/", "status": 503, "count": 2})
        statuses = [self.get("/repos/acme/app/commits/main")[0] for _ in range(3)]
        self.assertEqual(statuses, [503, 503, 200])
        self.control({"host": "api", "status": 502, "count": 1})
        status, _, body = self.get("/repos/acme/app/commits/main")
        self.assertEqual(status, 502)
        self.assertEqual(json.loads(body)["message"], "Bad Gateway")
        self.control({"host": "raw", "status": 429, "retry_after": 7})
        status, r, _ = self.get("/acme/app/main/main.py", host="raw")
        self.assertEqual((status, r.getheader("Retry-After")), (429, "7"))
        self.assertEqual(self.get("/repos/acme/app/commits/main")[0], 200)  # other host
        self.assertEqual([e["status"] for e in self.log()], [503, 503, 200, 502, 429, 200])

    def test_truncate_after(self):
        self.control({"host": "raw", "truncate_after": 10})
        c = self.conn("raw")
        c.request("GET", "/acme/app/%s/big.txt" % self.c1)
        r = c.getresponse()
        self.assertEqual(r.getheader("Content-Length"), "1000")
        with self.assertRaises(http.client.IncompleteRead) as cm:
            r.read()
        self.assertEqual(cm.exception.partial, FILES_V1["big.txt"][:10])
        c.close()
        self.assertEqual(self.log()[-1]["bytes"], 10)

    def test_flip_byte(self):
        self.control({"host": "raw", "flip_byte": 5, "count": 1})
        status, _, body = self.get("/acme/app/%s/big.txt" % self.c1, host="raw")
        good = FILES_V1["big.txt"]
        self.assertEqual((status, len(body)), (200, len(good)))
        self.assertEqual([i for i in range(len(good)) if body[i] != good[i]], [5])
        self.assertEqual(body[5], good[5] ^ 1)
        self.assertEqual(self.get("/acme/app/%s/big.txt" % self.c1, host="raw")[2], good)

    def test_reset(self):
        self.control({"path": "main.py", "reset": True, "count": 1})
        c = self.conn("raw")
        with self.assertRaises(ConnectionError):
            c.request("GET", "/acme/app/main/main.py")
            c.getresponse().read()
        c.close()
        self.assertEqual(self.get("/acme/app/main/main.py", host="raw")[0], 200)
        self.assertEqual([e["status"] for e in self.log()], [0, 200])

    def test_tree_extra_hostile_paths(self):
        hostile = ["../evil.py", "a\\b.py", "new\nline.py", "/etc/passwd", "quote\".py",
                   "\u00e9t\u00e9.py", "lib/./x.py"]
        self.control({"tree_extra": [{"path": p, "mode": "100644", "type": "blob",
                                      "sha": "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
                                      "size": 0} for p in hostile], "count": 1})
        # a tree-only rule is not used up by other requests
        self.assertEqual(self.get("/repos/acme/app/commits/main")[0], 200)
        status, _, body = self.get("/repos/acme/app/git/trees/%s?recursive=1" % self.c1)
        self.assertEqual(status, 200)
        self.assertIn(b'"new\\nline.py"', body)
        self.assertIn(b'"a\\\\b.py"', body)
        self.assertIn(b'"quote\\".py"', body)
        self.assertNotIn(b"\n", body)
        tree = json.loads(body)["tree"]
        paths = [e["path"] for e in tree]
        for p in hostile:
            self.assertIn(p, paths)
        key = [e["path"].encode() + (b"/" if e["type"] == "tree" else b"") for e in tree]
        self.assertEqual(key, sorted(key))
        self.assertEqual(len(tree), len(hostile) + len(
            [x for x in git(self.app, "ls-tree", "-r", "-t", "-z", self.c1).split(b"\0") if x]))
        # count 1: the next tree is clean
        clean = self.json("/repos/acme/app/git/trees/%s?recursive=1" % self.c1)
        self.assertNotIn("../evil.py", [e["path"] for e in clean["tree"]])

    def test_tree_truncated(self):
        self.control({"tree_truncated": True})
        self.assertTrue(self.json("/repos/acme/app/git/trees/main?recursive=1")["truncated"])
        self.assertEqual(self.get("/repos/acme/app/commits/main")[0], 200)

    def test_rate_limit_actions_redirect_and_stall(self):
        self.control({"host": "api", "rate_limit": True, "count": 1})
        status, r, body = self.get("/repos/acme/app/commits/main")
        self.assertEqual((status, r.getheader("X-RateLimit-Remaining")), (403, "0"))
        self.assertIn("rate limit exceeded", json.loads(body)["message"])
        self.control({"host": "api", "secondary_rate_limit": True, "count": 1})
        status, r, body = self.get("/repos/acme/app/commits/main")
        self.assertEqual((status, r.getheader("Retry-After")), (403, "60"))
        self.assertIn("secondary rate limit", json.loads(body)["message"])
        self.control({"host": "raw", "redirect": "http://example.invalid/x", "count": 1})
        status, r, _ = self.get("/acme/app/main/main.py", host="raw")
        self.assertEqual((status, r.getheader("Location")), (302, "http://example.invalid/x"))
        self.control({"host": "raw", "stall_sec": 0.4, "count": 1})
        t0 = time.monotonic()
        status, _, body = self.get("/acme/app/main/main.py", host="raw")
        self.assertGreaterEqual(time.monotonic() - t0, 0.35)
        self.assertEqual(body, b"print('v2')\n")

    def test_delay_body_headers_actions(self):
        self.control({"host": "api", "path": "/commits/", "delay_sec": 0.3, "count": 1,
                      "body": "not json", "headers": {"X-Test": "1"}})
        t0 = time.monotonic()
        status, r, body = self.get("/repos/acme/app/commits/main")
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)
        self.assertEqual((status, body, r.getheader("X-Test")), (200, b"not json", "1"))
        self.assertEqual(r.getheader("Content-Length"), "8")
        self.control({"tree_extra": [{"path": "lone\ud800.py", "type": "blob",
                                      "mode": "100644", "sha": "0" * 40, "size": 0}]})
        status, _, body = self.get("/repos/acme/app/git/trees/main")
        self.assertIn(b"lone\\ud800.py", body)
        self.assertIn("lone\ud800.py", [e["path"] for e in json.loads(body)["tree"]])

    def test_rate_limit_control_and_window(self):
        state = self.call("POST", "/_control/rate_limit", {"remaining": 0, "reset_in": 1})
        self.assertEqual(state["limit"], 60)
        self.assertEqual(self.get("/repos/acme/app/commits/main")[0], 403)
        time.sleep(1.1)  # the window ends: a fresh quota
        status, r, _ = self.get("/repos/acme/app/commits/main")
        self.assertEqual((status, r.getheader("X-RateLimit-Remaining")), (200, "59"))

    def test_tokens_file_makes_unknown_tokens_bad(self):
        path = os.path.join(self.repos, ".tokens")
        with open(path, "w") as f:
            f.write("good-one\n")
        try:
            h = {"Authorization": "token nope"}
            self.assertEqual(self.get("/repos/acme/app/commits/main", headers=h)[0], 401)
            h = {"Authorization": "token good-one"}
            self.assertEqual(self.get("/repos/acme/app/commits/main", headers=h)[0], 200)
            # a valid token without access to a private repository sees nothing
            self.assertEqual(self.get("/repos/acme/secret/commits/main", headers=h)[0], 404)
        finally:
            os.remove(path)

    def test_control_rejects_bad_rules(self):
        c = self.conn("api")
        c.request("POST", "/_control", body=json.dumps([{"hots": "api", "status": 500}]))
        r = c.getresponse()
        self.assertEqual(r.status, 400)
        self.assertIn("hots", json.loads(r.read())["message"])
        c.close()
        self.assertEqual(self.call("GET", "/_control"), [])

    def test_log(self):
        self.get("/repos/acme/app/commits/main?x=1",
                 headers={"Accept": "application/vnd.github.sha", "User-Agent": "ota/1",
                          "Authorization": "Bearer tok"})
        self.get("/acme/app/main/main.py", host="raw")
        self.control({"host": "raw", "status": 500, "count": 1})
        self.get("/acme/app/main/boot.py", host="raw")
        log = self.log()
        self.assertEqual(len(log), 3, log)  # control calls are not logged
        e = log[0]
        self.assertEqual((e["host"], e["method"], e["path"], e["status"], e["bytes"]),
                         ("api", "GET", "/repos/acme/app/commits/main?x=1", 200, 40))
        self.assertEqual(e["headers"]["Accept"], "application/vnd.github.sha")
        self.assertEqual(e["headers"]["User-Agent"], "ota/1")
        self.assertEqual(e["headers"]["Authorization"], "Bearer tok")
        self.assertEqual((log[1]["host"], log[1]["bytes"]), ("raw", len(b"print('v2')\n")))
        self.assertEqual((log[2]["status"], log[2]["path"]), (500, "/acme/app/main/boot.py"))
        self.call("POST", "/_log/reset", {})
        self.assertEqual(self.log(), [])

    def test_keep_alive(self):
        for host, paths in (("api", ["/repos/acme/app/commits/main", "/nowhere",
                                     "/repos/acme/app/git/trees/main"]),
                            ("raw", ["/acme/app/main/main.py", "/acme/app/main/nope",
                                     "/acme/app/main/boot.py"])):
            c = self.conn(host)
            c.request("GET", paths[0])
            r = c.getresponse()
            r.read()
            sock = c.sock
            etag = r.getheader("ETag")
            c.request("GET", paths[0], headers={"If-None-Match": etag})
            self.assertEqual(c.getresponse().read(), b"")
            for p in paths[1:]:
                c.request("GET", p)
                c.getresponse().read()
                self.assertIs(c.sock, sock)
            c.close()
        log = self.log()
        for host in ("api", "raw"):
            ports = {e["client_port"] for e in log if e["host"] == host}
            self.assertEqual(len(ports), 1, host)

    def test_concurrent_requests(self):
        errors = []

        def worker(i):
            try:
                for _ in range(10):
                    status, _, body = self.get("/acme/app/%s/lib/util.py" % self.c1, host="raw")
                    if (status, body) != (200, FILES_V1["lib/util.py"]):
                        errors.append((i, status))
            except Exception as e:  # noqa: BLE001
                errors.append((i, e))
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_moving_branch_is_seen(self):
        other = os.path.join(self.repos, "acme", "moving")
        os.makedirs(other)
        git(other, "init", "-q", "-b", "main")
        first = commit(other, {"f.txt": b"1\n"}, "1")
        h = {"Accept": "application/vnd.github.sha"}
        self.assertEqual(self.get("/repos/acme/moving/commits/main", headers=h)[2].decode(), first)
        self.assertEqual(self.get("/acme/moving/main/f.txt", host="raw")[2], b"1\n")
        second = commit(other, {"f.txt": b"2\n"}, "2")
        self.assertEqual(self.get("/repos/acme/moving/commits/main", headers=h)[2].decode(),
                         second)
        self.assertEqual(self.get("/acme/moving/main/f.txt", host="raw")[2], b"2\n")
        self.assertEqual(self.get("/acme/moving/%s/f.txt" % second, host="raw")[2], b"2\n")


class Lifecycle(unittest.TestCase):
    def test_port_file_and_sigterm(self):
        tmp = tempfile.mkdtemp(prefix="fake-github-life-")
        try:
            os.makedirs(os.path.join(tmp, "repos"))
            proc, ports = start_server(os.path.join(tmp, "repos"), tmp)
            self.assertEqual(sorted(ports), ["api", "asset", "raw"])
            self.assertEqual(len(set(ports.values())), 3)
            self.assertEqual([f for f in os.listdir(tmp) if ".tmp" in f], [])
            c = http.client.HTTPConnection("127.0.0.1", ports["api"], timeout=5)
            c.request("GET", "/rate_limit")
            self.assertEqual(c.getresponse().status, 200)  # an idle keep-alive connection
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
            self.assertLess(time.monotonic() - t0, 5)
            self.assertEqual(proc.stderr.read(), b"")
            proc.stderr.close()
            c.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
