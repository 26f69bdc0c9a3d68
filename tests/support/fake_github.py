#!/usr/bin/env python3
"""A GitHub imitation for tests: serves real local git repositories.
Python 3 standard library only; needs the `git` command.

Usage: fake_github.py --repos DIR --port-file FILE [--host 127.0.0.1]
                      [--rate-limit 60] [--auth-rate-limit 5000] [--verbose]

Repositories are working repositories at DIR/{owner}/{repo}. Optional files:
  DIR/{owner}/{repo}.private      the repository is private; content = its token
  DIR/{owner}/{repo}.assets/{tag}/ files = the assets of that tag's release
  DIR/.tokens                     extra valid tokens, one a line; when present,
                                  any other token is answered 401 everywhere

Three HTTP/1.1 keep-alive servers listen on ephemeral ports; once all are up,
{"api": port, "raw": port, "asset": port} is written atomically to FILE.
  api    like api.github.com: commits, git trees and blobs, contents, releases,
         release assets, tarball/zipball, rate_limit; ETag / If-None-Match
         (304s do not count), primary rate limits, private repositories.
         Also /{o}/{r}/releases/download/{tag}/{name} (github.com's
         browser_download_url), redirecting like the asset API.
  raw    like raw.githubusercontent.com: /{o}/{r}/{ref}/{path}, Range, ETag.
  asset  like objects.githubusercontent.com / codeload.github.com: signed,
         expiring URLs that the api host redirects to.

Releases: every tag named v* (or with an assets directory) is a release;
"latest" is the highest semantic version without a prerelease suffix.

Control, on the api port, neither logged nor rate limited:
  POST /_control            JSON rule or list of rules, appended
  GET  /_control            the active rules
  POST /_control/reset      clears the rules, rate-limit counters and limits
  POST /_control/rate_limit {"limit", "auth_limit", "remaining", "reset_in",
                             "token"}: adjust a bucket (unauthenticated unless
                             "token" is given)
  GET  /_log                [{"host","method","path","headers","status",
                              "bytes","client_port","time"}]
  POST /_log/reset          clears the log
A rule matches on "host" (api|raw|asset), "path" (substring of the request
target, raw or percent-decoded) and "method"; "count" limits it to the first N
matching requests. Actions: "status" (+ "retry_after"), "rate_limit",
"secondary_rate_limit" (+ "retry_after"), "redirect", "reset" (RST, no
response), "delay_sec" (before the headers), "stall_sec" (between headers and
body), "truncate_after", "flip_byte", "body" (replaces the body), "headers"
(extra response headers), "tree_extra" and "tree_truncated" (tree responses
only: a rule with only tree actions matches tree requests only). When several
rules match, the first one that names an action wins it (tree_extra entries
and headers are merged).
"""

import argparse
import base64
import gzip
import hashlib
import hmac
import http.server
import json
import mimetypes
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

DOCS = "https://docs.github.com/rest"
HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
PERSON_RE = re.compile(rb"^(.*) <(.*)> (\d+) ([+-]\d{4})$")
VERSION_RE = re.compile(r"^[vV]?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
BAD_REF_RE = re.compile(r"(\.\.|@\{|[~^:\\*?\[\s\x00-\x1f\x7f])")
TREE_LIMIT = 100000          # GitHub truncates recursive trees beyond this
CONTENTS_LIMIT = 1 << 20     # contents API: no inline content above 1 MiB
ASSET_TTL = 300              # seconds a signed asset URL stays valid

MATCHERS = {"host", "path", "method", "count"}
ACTIONS = {"status", "retry_after", "truncate_after", "flip_byte", "stall_sec", "delay_sec",
           "reset", "rate_limit", "secondary_rate_limit", "tree_extra", "tree_truncated",
           "redirect", "body", "headers"}
TREE_ACTIONS = {"tree_extra", "tree_truncated"}

GIT_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
GIT_ENV.update(GIT_LITERAL_PATHSPECS="1", GIT_TERMINAL_PROMPT="0", LC_ALL="C")

# stderr is often a pipe nobody reads while we run: never write enough to block.
_stderr_budget = [16384]
_stderr_lock = threading.Lock()
VERBOSE = [False]


def warn(text):
    with _stderr_lock:
        if not VERBOSE[0]:
            text = text[:_stderr_budget[0]]
            _stderr_budget[0] -= len(text)
        if not text:
            return
        try:
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def dumps(obj):
    """Compact UTF-8 JSON like GitHub's; lone surrogates (only injected tree
    paths can carry them) stay \\u escapes rather than becoming invalid UTF-8."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":")).encode("ascii")


def git_sort_key(entry):
    """git's tree order: by path bytes, a directory compared as "name/"."""
    path = entry.get("path")
    key = path.encode("utf-8", "surrogatepass") if isinstance(path, str) else b""
    return key + b"/" if entry.get("type") == "tree" else key


def version_key(tag):
    """(sortable key, is prerelease), or (None, False) when tag is no version."""
    m = VERSION_RE.match(tag)
    if not m:
        return None, False
    core = tuple(int(x) for x in m.group(1).split("."))
    core = core + (0,) * (3 - len(core))
    pre = m.group(2)
    if pre is None:
        return (core, 1, ()), False
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (core, 0, ids), True


def stable_id(*parts):
    return int(hashlib.sha1("\n".join(parts).encode()).hexdigest()[:8], 16) % 2000000000 + 1


def etag_of(body, weak=True):
    tag = '"%s"' % hashlib.sha256(body).hexdigest()
    return "W/" + tag if weak else tag


class Reply:
    def __init__(self, status, body=b"", ctype=None, headers=None, etag=None):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        if ctype:
            self.headers.append(("Content-Type", ctype))
        self.etag = etag

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Abort(Exception):
    def __init__(self, reply):
        super().__init__(reply.status)
        self.reply = reply


def json_reply(status, obj, etag=True):
    body = dumps(obj)
    return Reply(status, body, "application/json; charset=utf-8",
                 etag=etag_of(body) if etag else None)


def gh_error(status, message, doc=DOCS):
    return json_reply(status, {"message": message, "documentation_url": doc,
                               "status": str(status)}, etag=False)


def not_found():
    return gh_error(404, "Not Found")


class GitError(Exception):
    pass


class GitRepo:
    """One repository; object reads go through a long-running `git cat-file
    --batch` (fed only object names, never moving ref names, so nothing it
    caches can go stale); ref resolution runs `git rev-parse` each time."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._batch = None

    def git(self, *args, check=True):
        proc = subprocess.run(["git", "-C", self.path, *args], capture_output=True,
                              env=GIT_ENV, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise GitError("git %s: %s" % (" ".join(args), proc.stderr.decode(errors="replace")))
        return proc

    def close(self):
        with self._lock:
            self._kill_batch()

    def _kill_batch(self):
        if self._batch is not None:
            try:
                self._batch.kill()
                self._batch.wait(timeout=5)
            except (OSError, subprocess.SubprocessError):
                pass
            for f in (self._batch.stdin, self._batch.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            self._batch = None

    def _batch_proc(self):
        if self._batch is None or self._batch.poll() is not None:
            self._kill_batch()
            self._batch = subprocess.Popen(
                ["git", "-C", self.path, "cat-file", "--batch"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=GIT_ENV)
        return self._batch

    def object(self, name):
        """(sha, type, bytes) of an object name such as "SHA", "SHA:path",
        "SHA^{commit}"; None when it does not exist."""
        if "\n" in name or "\r" in name:
            return self._object_slow(name)
        line = name.encode("utf-8", "surrogateescape") + b"\n"
        with self._lock:
            for _attempt in range(2):
                proc = self._batch_proc()
                try:
                    proc.stdin.write(line)
                    proc.stdin.flush()
                    header = proc.stdout.readline()
                    if not header:
                        raise OSError("git cat-file exited")
                    if header.endswith((b" missing\n", b" ambiguous\n")):
                        return None
                    sha, typ, size = header.split()
                    size = int(size)
                    data = proc.stdout.read(size + 1)
                    if len(data) != size + 1:
                        raise OSError("short read from git cat-file")
                    return sha.decode(), typ.decode(), data[:size]
                except (OSError, ValueError):
                    self._kill_batch()
        return None

    def _object_slow(self, name):
        proc = self.git("rev-parse", "--verify", "-q", name, check=False)
        if proc.returncode != 0:
            return None
        sha = proc.stdout.decode().strip()
        typ = self.git("cat-file", "-t", sha).stdout.decode().strip()
        return sha, typ, self.git("cat-file", typ, sha).stdout

    def _resolve(self, ref, kind):
        if not ref or ref.startswith("-") or BAD_REF_RE.search(ref):
            return None
        if HEX40.match(ref):
            obj = self.object("%s^{%s}" % (ref.lower(), kind))
            return obj[0] if obj else None
        proc = self.git("rev-parse", "--verify", "-q", "%s^{%s}" % (ref, kind), check=False)
        out = proc.stdout.decode().strip()
        return out if proc.returncode == 0 and HEX40.match(out) else None

    def resolve_commit(self, ref):
        return self._resolve(ref, "commit")

    def resolve_tree(self, ref):
        return self._resolve(ref, "tree")

    def default_branch(self):
        proc = self.git("symbolic-ref", "--short", "-q", "HEAD", check=False)
        return proc.stdout.decode().strip() or "main"

    def ls_tree(self, treeish, recursive=False, path=None):
        """[(mode, type, sha, size or None, path bytes)] in git's order."""
        args = ["ls-tree", "-l", "-z"] + (["-r", "-t"] if recursive else []) + [treeish]
        if path is not None:
            args += ["--", path]
        out = self.git(*args).stdout
        entries = []
        for rec in out.split(b"\0"):
            if not rec:
                continue
            meta, _, name = rec.partition(b"\t")
            mode, typ, sha, size = meta.split()
            entries.append((mode.decode(), typ.decode(), sha.decode(),
                            None if size == b"-" else int(size), name))
        return entries

    def commit(self, sha):
        obj = self.object(sha)
        if not obj or obj[1] != "commit":
            return None
        head, _, message = obj[2].partition(b"\n\n")
        info = {"sha": obj[0], "parents": [], "message": message.decode("utf-8", "replace")}
        for line in head.split(b"\n"):
            key, _, value = line.partition(b" ")
            if key == b"tree":
                info["tree"] = value.decode()
            elif key == b"parent":
                info["parents"].append(value.decode())
            elif key in (b"author", b"committer"):
                m = PERSON_RE.match(value)
                if m:
                    info[key.decode()] = {"name": m.group(1).decode("utf-8", "replace"),
                                          "email": m.group(2).decode("utf-8", "replace"),
                                          "date": iso(int(m.group(3)))}
        return info

    def tags(self):
        fmt = "%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(creatordate:unix)%00%(contents)%01"
        out = self.git("for-each-ref", "--format=" + fmt, "refs/tags").stdout
        tags = []
        for rec in out.split(b"\x01"):
            rec = rec.lstrip(b"\n")
            if not rec:
                continue
            name, typ, sha, date, contents = (rec.split(b"\0") + [b""] * 5)[:5]
            tags.append({"name": name.decode("utf-8", "replace"), "type": typ.decode(),
                         "sha": sha.decode(), "date": int(date or 0),
                         "message": contents.decode("utf-8", "replace").strip()
                         if typ == b"tag" else ""})
        return tags

    def archive(self, sha, fmt, prefix):
        return self.git("archive", "--format=" + fmt, "--prefix=" + prefix, sha).stdout


class State:
    def __init__(self, repos_dir, rate_limit, auth_rate_limit):
        self.repos_dir = os.path.abspath(repos_dir)
        self.lock = threading.Lock()
        self.defaults = {"unauth": rate_limit, "auth": auth_rate_limit}
        self.limits = dict(self.defaults)
        self.buckets = {}
        self.rules = []
        self.log = []
        self.repos = {}
        self.archives = {}
        self.secret = secrets.token_bytes(16)
        self.bases = {}

    # -- repositories -------------------------------------------------------
    def repo(self, owner, name):
        if not (NAME_RE.match(owner) and NAME_RE.match(name)) or owner in (".", "..") \
                or name in (".", "..") or name.endswith((".private", ".assets")):
            return None
        path = os.path.join(self.repos_dir, owner, name)
        if not os.path.exists(os.path.join(path, ".git")) and \
                not os.path.exists(os.path.join(path, "HEAD")):
            return None
        with self.lock:
            repo = self.repos.get(path)
            if repo is None:
                repo = self.repos[path] = GitRepo(path)
            return repo

    def private_token(self, owner, name):
        if not (NAME_RE.match(owner or "") and NAME_RE.match(name or "")):
            return None
        try:
            with open(os.path.join(self.repos_dir, owner, name + ".private")) as f:
                return f.read().strip()
        except OSError:
            return None

    def token_list(self):
        """(known tokens, whether DIR/.tokens restricts tokens)."""
        known = set()
        listed = False
        try:
            with open(os.path.join(self.repos_dir, ".tokens")) as f:
                known.update(line.strip() for line in f if line.strip())
            listed = True
        except OSError:
            pass
        try:
            owners = os.listdir(self.repos_dir)
        except OSError:
            owners = []
        for owner in owners:
            try:
                names = os.listdir(os.path.join(self.repos_dir, owner))
            except OSError:
                continue
            for n in names:
                if n.endswith(".private"):
                    token = self.private_token(owner, n[:-len(".private")])
                    if token:
                        known.add(token)
        return known, listed

    def raw_token(self, owner, name):
        """The ?token= that download_url carries for private repositories."""
        return hmac.new(self.secret, ("raw\n%s\n%s" % (owner, name)).encode(),
                        hashlib.sha256).hexdigest()[:32]

    def sign(self, *parts):
        return hmac.new(self.secret, "\n".join(parts).encode(), hashlib.sha256).hexdigest()[:40]

    def signed_url(self, kind, segs):
        """A URL on the asset host for segs, valid ASSET_TTL seconds."""
        expires = str(int(time.time()) + ASSET_TTL)
        path = "/" + "/".join(urllib.parse.quote(s, safe="") for s in (kind,) + tuple(segs))
        query = urllib.parse.urlencode([
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Expires", str(ASSET_TTL)),
            ("expires", expires), ("token", self.sign(kind, *segs, expires))])
        return self.bases["asset"] + path + "?" + query

    def archive(self, repo, sha, fmt, prefix):
        key = (repo.path, sha, fmt, prefix)
        with self.lock:
            data = self.archives.get(key)
        if data is None:
            data = repo.archive(sha, fmt, prefix)
            with self.lock:
                if len(self.archives) > 16:
                    self.archives.clear()
                self.archives[key] = data
        return data

    # -- rate limits ----------------------------------------------------------
    def bucket(self, key):
        """Call with self.lock held."""
        now = time.time()
        b = self.buckets.get(key)
        if b is None or now >= b["reset"]:
            limit = self.limits["unauth" if key == "unauth" else "auth"]
            b = self.buckets[key] = {"limit": limit, "used": 0, "reset": int(now) + 3600}
        return b

    def rate_headers(self, key, count=False):
        with self.lock:
            b = self.bucket(key)
            if count:
                b["used"] += 1
            return rate_headers_of(b)

    def exhausted(self, key):
        with self.lock:
            b = self.bucket(key)
            return b["used"] >= b["limit"]

    def set_rate(self, spec):
        with self.lock:
            if "limit" in spec:
                self.limits["unauth"] = int(spec["limit"])
            if "auth_limit" in spec:
                self.limits["auth"] = int(spec["auth_limit"])
            key = "token:" + spec["token"] if spec.get("token") else "unauth"
            b = self.bucket(key)
            b["limit"] = self.limits["unauth" if key == "unauth" else "auth"]
            if "remaining" in spec:
                b["used"] = max(0, b["limit"] - int(spec["remaining"]))
            if "reset_in" in spec:
                b["reset"] = int(time.time() + float(spec["reset_in"]))
            return dict(b)

    # -- rules and log -------------------------------------------------------
    def add_rules(self, rules):
        with self.lock:
            for rule in rules:
                rule = dict(rule)
                rule["_left"] = int(rule["count"]) if "count" in rule else None
                rule["_tree_only"] = not (set(rule) & (ACTIONS - TREE_ACTIONS - {"retry_after"}))
                self.rules.append(rule)
            return len(self.rules)

    def match(self, host, target, method, is_tree):
        decoded = urllib.parse.unquote(target)
        hits = []
        with self.lock:
            for rule in self.rules:
                if rule["_left"] == 0:
                    continue
                if "host" in rule and rule["host"] != host:
                    continue
                if "path" in rule and rule["path"] not in target and rule["path"] not in decoded:
                    continue
                if "method" in rule and rule["method"].upper() != method:
                    continue
                if rule["_tree_only"] and not is_tree:
                    continue
                if rule["_left"] is not None:
                    rule["_left"] -= 1
                hits.append(rule)
            self.rules = [r for r in self.rules if r["_left"] != 0]
        act = {}
        for rule in hits:
            for k, v in rule.items():
                if k in MATCHERS or k.startswith("_"):
                    continue
                if k == "tree_extra":
                    act.setdefault(k, []).extend(v)
                elif k == "headers":
                    merged = act.setdefault(k, {})
                    for hk, hv in v.items():
                        merged.setdefault(hk, hv)
                else:
                    act.setdefault(k, v)
        return act

    def reset_rules(self):
        with self.lock:
            self.rules = []
            self.buckets = {}
            self.limits = dict(self.defaults)

    def log_start(self, entry):
        with self.lock:
            self.log.append(entry)

    def log_json(self):
        with self.lock:
            return dumps(self.log)


def rate_headers_of(b):
    return [("X-RateLimit-Limit", str(b["limit"])),
            ("X-RateLimit-Remaining", str(max(0, b["limit"] - b["used"]))),
            ("X-RateLimit-Reset", str(b["reset"])),
            ("X-RateLimit-Used", str(b["used"])),
            ("X-RateLimit-Resource", "core")]


def validate_rule(rule):
    if not isinstance(rule, dict):
        raise ValueError("a rule must be a JSON object")
    unknown = set(rule) - MATCHERS - ACTIONS
    if unknown:
        raise ValueError("unknown rule keys: %s" % ", ".join(sorted(unknown)))
    if not set(rule) & (ACTIONS - {"retry_after"}):
        raise ValueError("rule has no action: %r" % (rule,))
    if "host" in rule and rule["host"] not in ("api", "raw", "asset"):
        raise ValueError("host must be api, raw or asset")
    if "tree_extra" in rule and not (isinstance(rule["tree_extra"], list) and
                                     all(isinstance(e, dict) for e in rule["tree_extra"])):
        raise ValueError("tree_extra must be a list of objects")
    if "headers" in rule and not isinstance(rule["headers"], dict):
        raise ValueError("headers must be an object")
    for k in ("status", "count", "truncate_after", "flip_byte"):
        if k in rule and not (isinstance(rule[k], int) and rule[k] >= 0):
            raise ValueError("%s must be a non-negative integer" % k)


def user(login, base):
    return {"login": login, "id": stable_id("user", login), "node_id": "U_" + login,
            "type": "User", "site_admin": False, "url": "%s/users/%s" % (base, login),
            "html_url": "%s/%s" % (base, login)}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 120
    kind = None

    def log_message(self, fmt, *args):
        pass

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        try:  # headers and body must not wait for a delayed ACK (40 ms stalls)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    @property
    def state(self):
        return self.server.state

    # -- plumbing -------------------------------------------------------------
    def _read_request_body(self):
        length = self.headers.get("Content-Length")
        if length:
            try:
                return self.rfile.read(int(length))
            except ValueError:
                self.close_connection = True
                return b""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return b""

    def dispatch(self):
        self.req_body = self._read_request_body()
        url = urllib.parse.urlsplit(self.path)
        self.url_path = url.path
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if self.kind == "api" and (self.url_path in ("/_control", "/_log") or
                                   self.url_path.startswith(("/_control/", "/_log/"))):
            return self.send(self.control(), {}, None)
        entry = {"host": self.kind, "method": self.command, "path": self.path,
                 "headers": dict(self.headers.items()), "status": None, "bytes": 0,
                 "client_port": self.client_address[1], "time": time.time()}
        self.state.log_start(entry)
        is_tree = self.kind == "api" and re.match(r"^/repos/[^/]+/[^/]+/git/trees/", self.url_path)
        act = self.state.match(self.kind, self.path, self.command, bool(is_tree))
        self.act = act
        try:
            if act.get("delay_sec"):
                time.sleep(float(act["delay_sec"]))
            if act.get("reset"):
                entry["status"] = 0
                return self.abort()
            reply = self.fault(act)
            if reply is None:
                try:
                    reply = self.route()
                except Abort as e:
                    reply = e.reply
                except Exception:  # noqa: BLE001 - a test server answers 500, keeps going
                    warn(traceback.format_exc())
                    reply = gh_error(500, "Server Error")
            if "body" in act:
                b = act["body"]
                reply.body = b.encode() if isinstance(b, str) else dumps(b)
                reply.etag = None
            for k, v in act.get("headers", {}).items():
                reply.headers.append((k, str(v)))
            self.send(reply, act, entry)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = dispatch

    def send(self, reply, act, entry):
        if reply.status == 304 or reply.status < 200 or reply.status == 204:
            body = b""
        else:
            body = reply.body
        if act.get("flip_byte") is not None and act["flip_byte"] < len(body):
            body = bytearray(body)
            body[act["flip_byte"]] ^= 0x01
            body = bytes(body)
        if body and reply.status != 206 and self.wants_gzip() and \
                not reply.header("Content-Encoding"):
            # as GitHub does: compressed when asked, faults above act on the
            # content, truncation below on the bytes of the wire
            body = gzip.compress(body, 6, mtime=0)
            reply.headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        trunc = act.get("truncate_after")
        sent = body if trunc is None else body[:trunc]
        if self.command == "HEAD":
            sent = b""
        if entry is not None:
            entry["status"] = reply.status
            entry["bytes"] = len(sent)
        self.send_response(reply.status)
        for k, v in reply.headers:
            self.send_header(k, v)
        if reply.etag and not reply.header("ETag"):
            self.send_header("ETag", reply.etag)
        if reply.status not in (204, 304) and reply.status >= 200:
            self.send_header("Content-Length", str(len(body)))
        if act.get("stall_sec"):
            self.end_headers()
            time.sleep(float(act["stall_sec"]))
            if sent:
                self.wfile.write(sent)
        else:  # one write: headers and body in the same segment when small
            self._headers_buffer.append(b"\r\n")
            self._headers_buffer.append(sent)
            self.flush_headers()
        if trunc is not None and trunc < len(body) and self.command != "HEAD":
            self.close_connection = True

    def wants_gzip(self):
        accepted = self.headers.get("Accept-Encoding") or ""
        return any(part.split(";")[0].strip().lower() in ("gzip", "*")
                   for part in accepted.split(","))

    def abort(self):
        """Closes the socket at once with an RST, no response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for f in (self.rfile, self.connection):
            try:
                f.close()
            except OSError:
                pass

    def request_id(self):
        r = secrets.randbits(64)
        return "%04X:%04X:%06X:%06X:%08X" % (r & 0xFFFF, (r >> 16) & 0xFFFF, secrets.randbits(24),
                                            secrets.randbits(24), int(time.time()))

    def token(self):
        """The token of the Authorization header: None, or str, or False when
        the header is malformed."""
        auth = self.headers.get("Authorization")
        if auth is None:
            return None
        scheme, _, value = auth.strip().partition(" ")
        if scheme.lower() not in ("bearer", "token") or not value.strip():
            return False
        return value.strip()

    def inm_matches(self, etag):
        inm = self.headers.get("If-None-Match")
        if not inm or not etag:
            return False
        mine = etag[2:] if etag.startswith("W/") else etag
        for cand in inm.split(","):
            cand = cand.strip()
            if cand == "*" or (cand[2:] if cand.startswith("W/") else cand) == mine:
                return True
        return False

    def bytes_reply(self, data, etag, ctype, headers=()):
        """200/206/304/416 for data, honouring If-None-Match and Range."""
        headers = list(headers) + [("Accept-Ranges", "bytes")]
        if self.inm_matches(etag):
            return Reply(304, headers=headers, etag=etag)
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if rng and (if_range is None or if_range.strip() == etag):
            m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", rng)
            if m and (m.group(1) or m.group(2)):
                n = len(data)
                if m.group(1):
                    start = int(m.group(1))
                    end = min(int(m.group(2)), n - 1) if m.group(2) else n - 1
                else:
                    start, end = max(0, n - int(m.group(2))), n - 1
                if start >= n or end < start:
                    return Reply(416, b"", ctype, headers + [("Content-Range", "bytes */%d" % n)])
                return Reply(206, data[start:end + 1], ctype,
                             headers + [("Content-Range", "bytes %d-%d/%d" % (start, end, n))],
                             etag=etag)
        return Reply(200, data, ctype, headers, etag=etag)

    def fault(self, act):
        """The reply an action imposes in place of the real one, or None."""
        if "redirect" in act:
            return Reply(302, b"", headers=[("Location", act["redirect"])])
        if act.get("rate_limit"):
            with self.state.lock:
                reset = self.state.bucket("unauth")["reset"]
                limit = self.state.limits["unauth"]
            reply = gh_error(403, "API rate limit exceeded for %s. (But here's the good news: "
                             "Authenticated requests get a higher rate limit. Check out the "
                             "documentation for more details.)" % self.client_address[0],
                             DOCS + "/overview/rate-limits-for-the-rest-api")
            reply.headers += rate_headers_of({"limit": limit, "used": limit, "reset": reset})
            if "retry_after" in act:
                reply.headers.append(("Retry-After", str(act["retry_after"])))
            return reply
        if act.get("secondary_rate_limit"):
            reply = gh_error(403, "You have exceeded a secondary rate limit. Please wait a few "
                             "minutes before you try again. If you reach out to GitHub Support "
                             "for help, please include the request ID %s." % self.request_id(),
                             DOCS + "/overview/rate-limits-for-the-rest-api"
                             "#about-secondary-rate-limits")
            reply.headers.append(("Retry-After", str(act.get("retry_after", 60))))
            return reply
        if "status" in act:
            status = int(act["status"])
            phrase = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ \
                else "Error"
            if self.kind == "api":
                reply = gh_error(status, phrase)
            else:
                reply = Reply(status, ("%d: %s" % (status, phrase)).encode(),
                              "text/plain; charset=utf-8")
            if "retry_after" in act:
                reply.headers.append(("Retry-After", str(act["retry_after"])))
            return reply
        return None

    def route(self):
        raise Abort(not_found())

    def segments(self):
        return [urllib.parse.unquote(s, errors="surrogateescape")
                for s in self.url_path.split("/")[1:]]

    # -- control ----------------------------------------------------------------
    def control(self):
        st = self.state
        p, m = self.url_path.rstrip("/") or "/", self.command
        try:
            body = json.loads(self.req_body.decode() or "null")
        except (ValueError, UnicodeDecodeError) as e:
            return gh_error(400, "bad JSON: %s" % e)
        try:
            if p == "/_control" and m == "POST":
                rules = body if isinstance(body, list) else [body]
                for rule in rules:
                    validate_rule(rule)
                return json_reply(200, {"active": st.add_rules(rules)}, etag=False)
            if p == "/_control" and m == "GET":
                with st.lock:
                    rules = [dict(r) for r in st.rules]
                return json_reply(200, rules, etag=False)
            if p == "/_control/reset" and m == "POST":
                st.reset_rules()
                return json_reply(200, {"active": 0}, etag=False)
            if p == "/_control/rate_limit" and m == "POST":
                return json_reply(200, st.set_rate(body or {}), etag=False)
            if p == "/_log" and m == "GET":
                return Reply(200, st.log_json(), "application/json; charset=utf-8")
            if p == "/_log/reset" and m == "POST":
                with st.lock:
                    st.log = []
                return json_reply(200, [], etag=False)
        except (ValueError, TypeError, KeyError) as e:
            return gh_error(400, str(e))
        return not_found()


class ApiHandler(Handler):
    kind = "api"

    @property
    def base(self):
        return self.state.bases["api"]

    def route(self):
        st = self.state
        if self.command not in ("GET", "HEAD"):
            raise Abort(not_found())
        segs = self.segments()
        if len(segs) >= 6 and segs[2:4] == ["releases", "download"]:
            return self.with_headers(self.browser_download(segs), None)
        token = self.token()
        if token is not None:
            known, listed = st.token_list()
            private = len(segs) >= 3 and segs[0] == "repos" and \
                st.private_token(segs[1], segs[2]) is not None
            if token is False or (token not in known and (listed or private)):
                reply = gh_error(401, "Bad credentials")
                reply.headers += st.rate_headers("unauth")
                return self.with_headers(reply, None)
        key = "token:" + token if token else "unauth"
        if segs == ["rate_limit"]:
            return self.with_headers(self.rate_limit(key), key)
        if st.exhausted(key):
            who = "user ID %d" % stable_id("token", token) if token else self.client_address[0]
            msg = "API rate limit exceeded for %s." % who
            msg += (" If you reach out to GitHub Support for help, please include the request "
                    "ID %s." % self.request_id()) if token else \
                (" (But here's the good news: Authenticated requests get a higher rate limit. "
                 "Check out the documentation for more details.)")
            reply = gh_error(403, msg, DOCS + "/overview/rate-limits-for-the-rest-api")
            reply.headers += st.rate_headers(key)
            return self.with_headers(reply, key)
        try:
            reply = self.endpoint(segs, token)
        except Abort as e:
            reply = e.reply
        if reply.status == 200 and self.inm_matches(reply.etag):
            reply = Reply(304, etag=reply.etag)
            reply.headers += st.rate_headers(key)
        else:
            reply.headers += st.rate_headers(key, count=True)
        return self.with_headers(reply, key)

    def with_headers(self, reply, key):
        reply.headers += [
            ("X-GitHub-Request-Id", self.request_id()),
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Api-Version-Selected",
             self.headers.get("X-GitHub-Api-Version", "2022-11-28")),
            ("Cache-Control", "%s, max-age=60, s-maxage=60" %
             ("private" if key and key != "unauth" else "public")),
            ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding"),
            ("Access-Control-Allow-Origin", "*"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return reply

    def rate_limit(self, key):
        with self.state.lock:
            b = self.state.bucket(key)
            core = {"limit": b["limit"], "used": b["used"],
                    "remaining": max(0, b["limit"] - b["used"]), "reset": b["reset"]}
        reset = int(time.time()) + 60
        small = {"limit": 10, "used": 0, "remaining": 10, "reset": reset}
        reply = json_reply(200, {"resources": {
            "core": core, "search": dict(small), "graphql": dict(core),
            "integration_manifest": {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset},
            "code_search": dict(small)}, "rate": core}, etag=False)
        reply.headers += rate_headers_of(b)
        return reply

    # -- endpoints -------------------------------------------------------------
    def open_repo(self, owner, name, token):
        repo = self.state.repo(owner, name)
        if repo is None:
            raise Abort(not_found())
        private = self.state.private_token(owner, name)
        if private is not None and token != private:
            raise Abort(not_found())
        return repo

    def accept(self, *media):
        accept = self.headers.get("Accept", "")
        return any(m in accept for m in media)

    def endpoint(self, segs, token):
        if len(segs) < 3 or segs[0] != "repos":
            raise Abort(not_found())
        owner, name, rest = segs[1], segs[2], segs[3:]
        repo = self.open_repo(owner, name, token)
        self.repo_url = "%s/repos/%s/%s" % (self.base, owner, name)
        self.web_url = "%s/%s/%s" % (self.base, owner, name)
        self.owner, self.name, self.repo = owner, name, repo
        if not rest or rest == [""]:
            return self.repo_info()
        head, args = rest[0], rest[1:]
        if head == "commits" and args and "/".join(args):
            return self.get_commit("/".join(args))
        if head == "git" and len(args) >= 2 and args[0] == "trees":
            return self.get_tree("/".join(args[1:]))
        if head == "git" and len(args) == 2 and args[0] == "blobs":
            return self.get_blob(args[1])
        if head == "git" and len(args) >= 3 and args[0] == "ref":
            return self.get_ref("/".join(args[1:]))
        if head == "git" and len(args) == 2 and args[0] == "tags":
            return self.get_tag_object(args[1])
        if head == "releases":
            return self.get_releases(args)
        if head == "contents":
            return self.get_contents("/".join(args).strip("/"))
        if head in ("tarball", "zipball"):
            return self.get_archive(head, "/".join(args))
        raise Abort(not_found())

    def repo_info(self):
        private = self.state.private_token(self.owner, self.name) is not None
        return json_reply(200, {
            "id": stable_id("repo", self.owner, self.name), "node_id": "R_" + self.name,
            "name": self.name, "full_name": "%s/%s" % (self.owner, self.name),
            "private": private, "visibility": "private" if private else "public",
            "owner": user(self.owner, self.base), "html_url": self.web_url,
            "url": self.repo_url, "default_branch": self.repo.default_branch(),
            "fork": False, "archived": False, "disabled": False})

    def commit_json(self, info):
        sha = info["sha"]
        return {
            "sha": sha, "node_id": "C_" + sha,
            "commit": {"author": info.get("author"), "committer": info.get("committer"),
                       "message": info["message"],
                       "tree": {"sha": info.get("tree"),
                                "url": "%s/git/trees/%s" % (self.repo_url, info.get("tree"))},
                       "url": "%s/git/commits/%s" % (self.repo_url, sha), "comment_count": 0,
                       "verification": {"verified": False, "reason": "unsigned",
                                        "signature": None, "payload": None}},
            "url": "%s/commits/%s" % (self.repo_url, sha),
            "html_url": "%s/commit/%s" % (self.web_url, sha),
            "comments_url": "%s/commits/%s/comments" % (self.repo_url, sha),
            "author": None, "committer": None,
            "parents": [{"sha": p, "url": "%s/commits/%s" % (self.repo_url, p),
                         "html_url": "%s/commit/%s" % (self.web_url, p)}
                        for p in info["parents"]]}

    def get_commit(self, ref):
        sha = self.repo.resolve_commit(ref)
        if sha is None:
            raise Abort(gh_error(422, "No commit found for SHA: %s" % ref,
                                 DOCS + "/commits/commits#get-a-commit"))
        if re.search(r"application/vnd\.github(\.v3)?\.sha", self.headers.get("Accept", "")):
            body = sha.encode()
            return Reply(200, body, "application/vnd.github.sha; charset=utf-8",
                         etag=etag_of(body, weak=False))
        return json_reply(200, self.commit_json(self.repo.commit(sha)))

    def get_tree(self, treeish):
        tree = self.repo.resolve_tree(treeish)
        if tree is None:
            raise Abort(not_found())
        items = []
        for mode, typ, sha, size, path in self.repo.ls_tree(tree, "recursive" in self.query):
            item = {"path": path.decode("utf-8", "replace"), "mode": mode, "type": typ, "sha": sha}
            if typ == "blob":
                item["size"] = size
            if typ in ("blob", "tree"):
                item["url"] = "%s/git/%ss/%s" % (self.repo_url, typ, sha)
            items.append(item)
        truncated = False
        if self.act.get("tree_extra"):
            items += [dict(e) for e in self.act["tree_extra"]]
            items.sort(key=git_sort_key)
        if len(items) > TREE_LIMIT:
            items, truncated = items[:TREE_LIMIT], True
        if self.act.get("tree_truncated"):
            truncated = True
        return json_reply(200, {"sha": tree, "url": "%s/git/trees/%s" % (self.repo_url, tree),
                                "tree": items, "truncated": truncated})

    def get_blob(self, sha):
        obj = self.repo.object(sha) if HEX40.match(sha) else None
        if obj is None or obj[1] != "blob":
            raise Abort(not_found())
        if self.accept("application/vnd.github.raw", "application/vnd.github.v3.raw"):
            return Reply(200, obj[2], "application/vnd.github.raw", etag=etag_of(obj[2], False))
        return json_reply(200, {"sha": obj[0], "node_id": "B_" + obj[0], "size": len(obj[2]),
                                "url": "%s/git/blobs/%s" % (self.repo_url, obj[0]),
                                "content": b64_lines(obj[2]), "encoding": "base64"})

    # refs and annotated tag objects (what older clients walk: ref -> tag -> commit)
    def get_ref(self, ref):
        proc = self.repo.git("rev-parse", "--verify", "-q", "refs/" + ref, check=False)
        sha = proc.stdout.decode().strip()
        obj = self.repo.object(sha) if proc.returncode == 0 and HEX40.match(sha) else None
        if obj is None:
            raise Abort(not_found())
        typ = obj[1]
        return json_reply(200, {"ref": "refs/" + ref, "node_id": "REF_" + sha,
                                "url": "%s/git/refs/%s" % (self.repo_url, ref),
                                "object": {"sha": sha, "type": typ,
                                           "url": "%s/git/%ss/%s" % (self.repo_url, typ, sha)}})

    def get_tag_object(self, sha):
        obj = self.repo.object(sha) if HEX40.match(sha) else None
        if obj is None or obj[1] != "tag":
            raise Abort(not_found())
        fields, _, message = obj[2].decode("utf-8", "replace").partition("\n\n")
        head = dict(line.split(" ", 1) for line in fields.splitlines() if " " in line)
        return json_reply(200, {"sha": sha, "node_id": "TAG_" + sha, "tag": head.get("tag"),
                                "message": message, "url": "%s/git/tags/%s" % (self.repo_url, sha),
                                "object": {"sha": head.get("object"), "type": head.get("type"),
                                           "url": "%s/git/commits/%s" % (self.repo_url,
                                                                         head.get("object"))}})

    # releases
    def releases(self):
        """All releases, newest version first."""
        assets_root = os.path.join(self.state.repos_dir, self.owner, self.name + ".assets")
        rels = []
        for tag in self.repo.tags():
            tdir = os.path.join(assets_root, tag["name"])
            if not (tag["name"].startswith("v") or os.path.isdir(tdir)):
                continue
            key, pre = version_key(tag["name"])
            rels.append((key, pre, tag, tdir))
        rels.sort(key=lambda r: (r[0] is not None, r[0] or ((), 0, ()), r[2]["date"]),
                  reverse=True)
        return rels

    def asset_json(self, tag, tdir, filename):
        full = os.path.join(tdir, filename)
        st = os.stat(full)
        aid = stable_id("asset", self.owner, self.name, tag, filename)
        ctype = "application/json" if filename.endswith(".json") else \
            (mimetypes.guess_type(filename)[0] or "application/octet-stream")
        return {"url": "%s/releases/assets/%d" % (self.repo_url, aid), "id": aid,
                "node_id": "RA_%d" % aid, "name": filename, "label": "",
                "uploader": user(self.owner, self.base), "content_type": ctype,
                "state": "uploaded", "size": st.st_size, "download_count": 0,
                "created_at": iso(st.st_mtime), "updated_at": iso(st.st_mtime),
                "browser_download_url": "%s/releases/download/%s/%s" % (
                    self.web_url, urllib.parse.quote(tag, safe=""),
                    urllib.parse.quote(filename, safe=""))}

    def release_json(self, rel):
        _key, pre, tag, tdir = rel
        rid = stable_id("release", self.owner, self.name, tag["name"])
        try:
            files = sorted(f for f in os.listdir(tdir) if not f.startswith(".") and
                           os.path.isfile(os.path.join(tdir, f)))
        except OSError:
            files = []
        url = "%s/releases/%d" % (self.repo_url, rid)
        qtag = urllib.parse.quote(tag["name"], safe="")
        return {"url": url, "assets_url": url + "/assets",
                "upload_url": "https://uploads.github.com/repos/%s/%s/releases/%d/assets"
                              "{?name,label}" % (self.owner, self.name, rid),
                "html_url": "%s/releases/tag/%s" % (self.web_url, qtag),
                "id": rid, "node_id": "RE_%d" % rid, "author": user(self.owner, self.base),
                "tag_name": tag["name"], "target_commitish": self.repo.default_branch(),
                "name": tag["name"], "draft": False, "prerelease": pre,
                "created_at": iso(tag["date"]), "published_at": iso(tag["date"]),
                "assets": [self.asset_json(tag["name"], tdir, f) for f in files],
                "tarball_url": "%s/tarball/%s" % (self.repo_url, qtag),
                "zipball_url": "%s/zipball/%s" % (self.repo_url, qtag),
                "body": tag["message"]}

    def get_releases(self, args):
        rels = self.releases()
        if not args or args == [""]:
            try:
                per_page = max(1, min(100, int(self.query.get("per_page", ["30"])[0])))
                page = max(1, int(self.query.get("page", ["1"])[0]))
            except ValueError:
                per_page, page = 30, 1
            chosen = rels[(page - 1) * per_page: page * per_page]
            return json_reply(200, [self.release_json(r) for r in chosen])
        if args == ["latest"]:
            stable = [r for r in rels if r[0] is not None and not r[1]]
            if not stable:
                raise Abort(not_found())
            return json_reply(200, self.release_json(stable[0]))
        if args[0] == "tags" and len(args) >= 2:
            tag = "/".join(args[1:])
            for r in rels:
                if r[2]["name"] == tag:
                    return json_reply(200, self.release_json(r))
            raise Abort(not_found())
        if len(args) == 2 and args[0] == "assets" and args[1].isdigit():
            return self.get_asset(rels, int(args[1]))
        if args[0].isdigit() and len(args) <= 2:
            for r in rels:
                rel = self.release_json(r)
                if rel["id"] == int(args[0]):
                    if len(args) == 1:
                        return json_reply(200, rel)
                    if args[1] == "assets":
                        return json_reply(200, rel["assets"])
        raise Abort(not_found())

    def get_asset(self, rels, aid):
        for _key, _pre, tag, tdir in rels:
            try:
                files = os.listdir(tdir)
            except OSError:
                continue
            for f in files:
                if stable_id("asset", self.owner, self.name, tag["name"], f) == aid and \
                        os.path.isfile(os.path.join(tdir, f)):
                    if self.accept("application/octet-stream"):
                        return Reply(302, b"", headers=[("Location", self.state.signed_url(
                            "github-production-release-asset",
                            (self.owner, self.name, tag["name"], f)))])
                    return json_reply(200, self.asset_json(tag["name"], tdir, f))
        raise Abort(not_found())

    def browser_download(self, segs):
        """github.com/{o}/{r}/releases/download/{tag}/{name}: not an API call."""
        owner, name, tag, filename = segs[0], segs[1], "/".join(segs[4:-1]), segs[-1]
        private = self.state.private_token(owner, name)
        if self.state.repo(owner, name) is None or \
                (private is not None and self.token() != private):
            return Reply(404, b"Not Found", "text/plain; charset=utf-8")
        tdir = os.path.join(self.state.repos_dir, owner, name + ".assets", tag)
        if "/" in filename or filename.startswith(".") or ".." in tag.split("/") or \
                not os.path.isfile(os.path.join(tdir, filename)):
            return Reply(404, b"Not Found", "text/plain; charset=utf-8")
        return Reply(302, b"", headers=[("Location", self.state.signed_url(
            "github-production-release-asset", (owner, name, tag, filename)))])

    # contents
    def contents_entry(self, mode, typ, sha, size, path, ref):
        kind = {"tree": "dir", "commit": "submodule"}.get(typ, "symlink" if mode == "120000"
                                                           else "file")
        qpath = urllib.parse.quote(path)
        url = "%s/contents/%s?ref=%s" % (self.repo_url, qpath, urllib.parse.quote(ref, safe=""))
        git_url = "%s/git/%ss/%s" % (self.repo_url, "tree" if typ == "tree" else "blob", sha)
        html = "%s/%s/%s/%s" % (self.web_url, "tree" if typ == "tree" else "blob", ref, qpath)
        download = None
        if kind == "file":
            download = "%s/%s/%s/%s/%s" % (self.state.bases["raw"], self.owner, self.name,
                                           urllib.parse.quote(ref), qpath)
            if self.state.private_token(self.owner, self.name) is not None:
                download += "?token=" + self.state.raw_token(self.owner, self.name)
        return {"type": kind, "size": size or 0, "name": path.rsplit("/", 1)[-1], "path": path,
                "sha": sha, "url": url, "git_url": git_url, "html_url": html,
                "download_url": download, "_links": {"self": url, "git": git_url, "html": html}}

    def get_contents(self, path):
        ref = self.query.get("ref", [""])[0] or self.repo.default_branch()
        commit = self.repo.resolve_commit(ref)
        if commit is None:
            raise Abort(gh_error(404, "No commit found for the ref %s" % ref,
                                 DOCS + "/repos/contents#get-repository-content"))
        if any(p in ("", ".", "..") for p in path.split("/")) and path:
            raise Abort(not_found())
        if path:
            found = self.repo.ls_tree(commit, path=path)
            found = [e for e in found if e[4].decode("utf-8", "replace") == path]
            if not found:
                raise Abort(not_found())
            mode, typ, sha, size, _ = found[0]
        else:
            mode, typ, sha, size = "040000", "tree", self.repo.resolve_tree(commit), None
        if typ == "tree":
            listing = [self.contents_entry(m, t, s, z, (path + "/" if path else "") +
                                           p.decode("utf-8", "replace"), ref)
                       for m, t, s, z, p in self.repo.ls_tree(sha)]
            return json_reply(200, listing)
        entry = self.contents_entry(mode, typ, sha, size, path, ref)
        if typ == "commit":
            return json_reply(200, entry)
        data = self.repo.object(sha)[2]
        if self.accept("application/vnd.github.raw", "application/vnd.github.v3.raw"):
            return Reply(200, data, "text/plain; charset=utf-8", etag='"%s"' % sha)
        if mode == "120000":
            entry["target"] = data.decode("utf-8", "replace")
        elif len(data) > CONTENTS_LIMIT:
            entry.update(content="", encoding="none")
        else:
            entry.update(content=b64_lines(data), encoding="base64")
        return json_reply(200, entry)

    def get_archive(self, kind, ref):
        commit = self.repo.resolve_commit(ref or self.repo.default_branch())
        if commit is None:
            raise Abort(not_found())
        fmt = "legacy.tar.gz" if kind == "tarball" else "legacy.zip"
        return Reply(302, b"", headers=[("Location", self.state.signed_url(
            "codeload", (self.owner, self.name, fmt, commit)))])


def b64_lines(data):
    """Base64 in lines of 60 characters, each ending with a newline (GitHub)."""
    text = base64.b64encode(data).decode()
    return "".join(text[i:i + 60] + "\n" for i in range(0, len(text), 60))


class RawHandler(Handler):
    kind = "raw"

    def route(self):
        reply = self.serve()
        reply.headers += [("X-GitHub-Request-Id", self.request_id()),
                          ("Access-Control-Allow-Origin", "*"),
                          ("X-Content-Type-Options", "nosniff"),
                          ("Vary", "Authorization,Accept-Encoding,Origin"),
                          ("Via", "1.1 varnish")]
        return reply

    def serve(self):
        st = self.state
        missing = Reply(404, b"404: Not Found", "text/plain; charset=utf-8")
        if self.command not in ("GET", "HEAD"):
            return missing
        segs = self.segments()
        if len(segs) < 4:
            return missing
        owner, name = segs[0], segs[1]
        repo = st.repo(owner, name)
        if repo is None:
            return missing
        private = st.private_token(owner, name)
        if private is not None:
            token = self.token()
            qtoken = self.query.get("token", [""])[0]
            if token != private and qtoken not in (private, st.raw_token(owner, name)):
                return missing
        for k in range(3, len(segs)):
            ref, path = "/".join(segs[2:k]), segs[k:]
            if any(p in ("", ".", "..") for p in path):
                continue
            if HEX40.match(ref):
                commit = ref.lower()
            else:
                commit = repo.resolve_commit(ref)
                if commit is None:
                    continue
            obj = repo.object("%s:%s" % (commit, "/".join(path)))
            if obj is None or obj[1] != "blob":
                continue
            data = obj[2]
            ctype = "application/octet-stream" if b"\0" in data[:8000] else \
                "text/plain; charset=utf-8"
            return self.bytes_reply(data, '"%s"' % hashlib.sha256(data).hexdigest(), ctype,
                                    [("Cache-Control", "max-age=300")])
        return missing


class AssetHandler(Handler):
    kind = "asset"

    def route(self):
        st = self.state
        denied = Reply(403, b'<?xml version="1.0" encoding="utf-8"?><Error><Code>'
                       b'AuthenticationFailed</Code><Message>Server failed to authenticate '
                       b'the request.</Message></Error>', "application/xml")
        missing = Reply(404, b"Not Found", "text/plain; charset=utf-8")
        if self.command not in ("GET", "HEAD"):
            return missing
        segs = self.segments()
        if len(segs) != 5 or segs[0] not in ("github-production-release-asset", "codeload"):
            return missing
        expires = self.query.get("expires", [""])[0]
        token = self.query.get("token", [""])[0]
        if not expires.isdigit() or int(expires) < time.time() or \
                not hmac.compare_digest(token, st.sign(*segs, expires)):
            return denied
        owner, name = segs[1], segs[2]
        repo = st.repo(owner, name)
        if repo is None:
            return missing
        if segs[0] == "codeload":
            fmt, commit = segs[3], segs[4]
            short = commit[:7]
            if fmt == "legacy.tar.gz":
                data = st.archive(repo, commit, "tar.gz", "%s-%s-%s/" % (owner, name, short))
                ctype, ext = "application/x-gzip", "tar.gz"
            else:
                data = st.archive(repo, commit, "zip", "%s-%s-%s/" % (owner, name, short))
                ctype, ext = "application/zip", "zip"
            return self.bytes_reply(data, '"%s"' % hashlib.sha1(data).hexdigest(), ctype, [
                ("Content-Disposition", "attachment; filename=%s-%s-%s.%s" %
                 (owner, name, short, ext))])
        tag, filename = segs[3], segs[4]
        path = os.path.join(st.repos_dir, owner, name + ".assets", tag, filename)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return missing
        return self.bytes_reply(data, '"%s"' % hashlib.md5(data).hexdigest(),
                                "application/octet-stream", [
                                    ("Content-Disposition", "attachment; filename=%s" % filename),
                                    ("Last-Modified", self.date_time_string(os.path.getmtime(path))),
                                    ("x-ms-blob-type", "BlockBlob")])


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            warn(traceback.format_exc())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", required=True, help="directory of {owner}/{repo} repositories")
    parser.add_argument("--port-file", required=True, help="where to write the JSON ports")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--rate-limit", type=int, default=60,
                        help="unauthenticated requests per hour (default 60)")
    parser.add_argument("--auth-rate-limit", type=int, default=5000,
                        help="authenticated requests per hour (default 5000)")
    parser.add_argument("--verbose", action="store_true", help="every error to stderr")
    args = parser.parse_args(argv)
    VERBOSE[0] = args.verbose
    if not os.path.isdir(args.repos):
        parser.error("--repos %s is not a directory" % args.repos)

    state = State(args.repos, args.rate_limit, args.auth_rate_limit)
    url_host = "127.0.0.1" if args.host in ("", "0.0.0.0") else args.host
    if ":" in url_host:
        url_host = "[%s]" % url_host
    servers = {}
    for kind, handler in (("api", ApiHandler), ("raw", RawHandler), ("asset", AssetHandler)):
        cls = Server
        if ":" in args.host:
            cls = type("Server6", (Server,), {"address_family": socket.AF_INET6})
        srv = cls((args.host, 0), handler)
        srv.state = state
        servers[kind] = srv
        state.bases[kind] = "http://%s:%d" % (url_host, srv.server_address[1])

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1},
                                daemon=True, name="serve-" + k) for k, s in servers.items()]
    for t in threads:
        t.start()

    ports = {k: s.server_address[1] for k, s in servers.items()}
    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        json.dump(ports, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, args.port_file)

    while not stop.wait(0.5):
        pass
    stoppers = [threading.Thread(target=s.shutdown, daemon=True) for s in servers.values()]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join(timeout=5)
    for s in servers.values():
        s.server_close()
    for repo in list(state.repos.values()):
        repo.close()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
