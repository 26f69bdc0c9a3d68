"""Shared pieces of the end-to-end tests: a git repository served by the
GitHub imitation, a device directory, and the real `ota` binary run on it."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAKE_GITHUB = os.path.join(ROOT, "tests", "support", "fake_github.py")
OTA_BIN = os.environ.get("OTA_BIN", os.path.join(ROOT, "build", "ota"))


def git(repo, *args, env=None):
    full_env = dict(os.environ, GIT_AUTHOR_NAME="ota", GIT_AUTHOR_EMAIL="ota@example.com",
                    GIT_COMMITTER_NAME="ota", GIT_COMMITTER_EMAIL="ota@example.com")
    if env:
        full_env.update(env)
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True, env=full_env).stdout.strip()


class Repo:
    """A working git repository at repos/{owner}/{name}."""

    def __init__(self, repos_dir, owner="acme", name="app"):
        self.owner, self.name = owner, name
        self.path = os.path.join(repos_dir, owner, name)
        os.makedirs(self.path)
        git(self.path, "init", "-q", "-b", "main")

    def write(self, files):
        """files: {path: bytes or str, or None to delete}."""
        for rel, data in files.items():
            full = os.path.join(self.path, rel)
            if data is None:
                if os.path.isdir(full):
                    shutil.rmtree(full)
                elif os.path.exists(full):
                    os.remove(full)
                continue
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)

    def commit(self, files=None, message="change"):
        if files:
            self.write(files)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.path, "rev-parse", "HEAD")

    def files_at(self, ref="HEAD"):
        """{path: bytes} of every blob at ref."""
        out = subprocess.run(["git", "-C", self.path, "ls-tree", "-r", "-z", "--name-only", ref],
                             check=True, capture_output=True).stdout
        result = {}
        for p in out.decode().split("\0"):
            if p:
                result[p] = subprocess.run(["git", "-C", self.path, "show", f"{ref}:{p}"],
                                           check=True, capture_output=True).stdout
        return result


class Server:
    """The GitHub imitation on ephemeral loopback ports."""

    def __init__(self, repos_dir, workdir):
        port_file = os.path.join(workdir, "ports.json")
        self.proc = subprocess.Popen([sys.executable, FAKE_GITHUB, "--repos", repos_dir,
                                      "--port-file", port_file],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("fake_github did not start: " +
                                   self.proc.stderr.read().decode(errors="replace"))
            time.sleep(0.05)
        with open(port_file) as f:
            ports = json.load(f)
        self.api = f"http://127.0.0.1:{ports['api']}"
        self.raw = f"http://127.0.0.1:{ports['raw']}"

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def control(self, rules):
        self._call("POST", "/_control", rules)

    def reset(self):
        self._call("POST", "/_control/reset", {})
        self._call("POST", "/_log/reset", {})

    def log(self):
        return json.loads(self._call("GET", "/_log"))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc.stderr.close()


def snapshot(root, skip=("ota_error.json", ".ota_cache")):
    """{relative path: bytes} of every file under root."""
    result = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if rel not in skip:
                with open(full, "rb") as f:
                    result[rel] = f.read()
    return result


class OtaTestCase(unittest.TestCase):
    """Each test gets a repository, a running server and an empty device."""

    config_extra = {}

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ota-e2e-")
        self.repos = os.path.join(self.tmp, "repos")
        self.device = os.path.join(self.tmp, "device")
        os.makedirs(self.device)
        self.repo = Repo(self.repos)
        self.server = Server(self.repos, self.tmp)
        self.write_config()

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_config(self, **overrides):
        config = {
            "owner": self.repo.owner, "repo": self.repo.name, "channel": "developer",
            "branch": "main", "allow": [], "ignore": [], "retries": 2, "backoff_sec": 0,
            "api_url": self.server.api, "raw_url": self.server.raw,
        }
        config.update(self.config_extra)
        config.update(overrides)
        with open(os.path.join(self.device, "ota_config.json"), "w") as f:
            json.dump(config, f, indent=2)

    def ota(self, *args, expect=0):
        """Runs `ota ARGS --json` on the device; returns (exit code, json, stderr)."""
        proc = subprocess.run([OTA_BIN, *args, "--root", self.device, "--json"],
                              capture_output=True, text=True, timeout=120)
        try:
            out = json.loads(proc.stdout) if proc.stdout.strip() else None
        except json.JSONDecodeError:
            self.fail(f"--json output is not JSON: {proc.stdout!r}")
        if expect is not None and proc.returncode != expect:
            self.fail(f"ota {' '.join(args)} exited {proc.returncode}, expected {expect}\n"
                      f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc.returncode, out, proc.stderr

    def device_files(self):
        """Application files on the device (the updater's own excluded)."""
        own = ("ota_config.json", "version.json", "ota_error.json", ".ota_state", ".ota_cache",
               ".ota_reverted", ".ota_health")
        return {p: d for p, d in snapshot(self.device, skip=()).items()
                if p not in own and not p.startswith((".ota_stage", ".ota_backup"))}

    def requests(self, host=None):
        return [r for r in self.server.log() if host is None or r["host"] == host]

    def assert_device_matches(self, ref="HEAD", only=None):
        expected = self.repo.files_at(ref)
        if only is not None:
            expected = {p: d for p, d in expected.items() if only(p)}
        self.assertEqual(sorted(self.device_files()), sorted(expected))
        self.assertEqual(self.device_files(), expected)
        with open(os.path.join(self.device, "version.json")) as f:
            version = json.load(f)
        self.assertEqual(version["commit"], git(self.repo.path, "rev-parse", ref + "^{commit}"))
        self.assertFalse(os.path.exists(os.path.join(self.device, ".ota_stage")))
