#!/usr/bin/env python3
"""A fleet of simulated devices updating from a static mirror served by a
real nginx on loopback, written to bench/fleet/RESULTS.md.

1. A small application repository (a few dozen files, tens of KB), a key
   pair, release 1 and release 2 (a few files changed, one added, one
   removed), each with a signed manifest (`ota keygen`, `ota manifest`);
   release 1 published to a mirror with `ota publish`, served by nginx
   (tests/support/nginx.py, the cache headers of docs/fleet.md).
2. N devices, each its own device directory and ota_config.json (source
   mirror, its own device_id), each running the real `ota update --json`:
     A  fresh install of release 1 by every device;
     B  release 2 published (deltas from release 1), every device checks
        with rollout_percent set: only the canary share installs it;
     C  a no-op check by every device: one conditional request, 304.
3. Per phase: devices per second, requests and bytes per device (from
   nginx's access log and from ota's --json), nginx's CPU seconds (utime +
   stime of its processes, /proc/PID/stat), the devices' CPU seconds, and
   the realised canary share against the setting and against the bucket
   formula of docs/scheduling.md.
4. wrk against nginx: the channel pointer, one object, and the pointer with
   If-None-Match (the 304 path).

No request may leave loopback: the devices run with every proxy variable
pointing at a trap listener (loopback excepted), which counts connection
attempts; a device configured for GitHub is run once against it to show
the trap catches what it should.

Python 3 standard library only; nginx and wrk are Debian packages
(scripts/install-deps.sh nginx wrk). Everything runs at nice 10.

    python3 bench/fleet/run.py --ota build-release/ota      # RESULTS.md
    python3 bench/fleet/run.py --smoke --ota build/ota      # assertions only

Exit status: 0 when every check held, 1 when one failed (the report is
still written), 2 when the benchmark could not run, 77 for --smoke when
nginx is missing and cannot be installed (a skip)."""

import argparse
import collections
import concurrent.futures
import datetime
import hashlib
import json
import os
import platform
import random
import re
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from nginx import MIRROR_LOCATIONS, Nginx, ensure_nginx  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from machine_info import cpu_model  # noqa: E402

CHANNEL = "stable"
# Fixed author and commit dates: the releases' commit ids, and so every
# device's canary bucket, are the same on every run.
GIT_ENV = {"GIT_AUTHOR_NAME": "ota", "GIT_AUTHOR_EMAIL": "ota@example.com",
           "GIT_COMMITTER_NAME": "ota", "GIT_COMMITTER_EMAIL": "ota@example.com"}
RELEASE_DATES = {"v1": "1790000000 +0000", "v2": "1790086400 +0000"}
TIMEOUT = 300
SMOKE = {"devices": 20, "parallel": 4}
SKIPPED = 77  # --smoke without nginx (ctest's SKIP_RETURN_CODE)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, env=None, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT,
                          env=dict(os.environ, **(env or {})), **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n"
                           f"{proc.stderr.strip()[-2000:]}")
    return proc.stdout


def git(repo, *args, date=None):
    env = dict(GIT_ENV)
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return run(["git", "-C", repo, *args], env=env).strip()


def bucket(device_id, commit):
    """docs/scheduling.md, "Canary rollout"."""
    digest = hashlib.sha256(device_id.encode() + b"\0" + commit.encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10000


def blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# ---- the application repository --------------------------------------------

def python_module(rng, name, functions):
    lines = [f'"""{name}: part of the sensor node application."""', "",
             "import time", "from lib import config", ""]
    for i in range(functions):
        fn = f"{rng.choice(['read', 'update', 'parse', 'send', 'check', 'scale'])}_{name}_{i}"
        lines += ["", f"def {fn}(value, retries=3):",
                  f'    """{fn.replace("_", " ")} with up to `retries` attempts."""',
                  "    for attempt in range(retries):",
                  f"        result = value * {rng.randint(2, 97)} + {rng.randint(0, 999)}",
                  f"        if result > config.LIMIT_{rng.randint(1, 9)}:",
                  f"            time.sleep_ms({rng.choice([10, 50, 100, 250])})",
                  "            continue",
                  "        return result",
                  f"    raise OSError('{fn} failed after %d attempts' % retries)", ""]
    return "\n".join(lines) + "\n"


def text_block(rng, lines, width=72):
    words = ("sensor node reading battery solar window update release device fleet "
             "mirror channel signed manifest delta firmware radio uplink sample rate "
             "threshold calibration offset").split()
    out = []
    for _ in range(lines):
        line = ""
        while len(line) < width - 10:
            line += rng.choice(words) + " "
        out.append(line.strip())
    return "\n".join(out) + "\n"


def release_1():
    """{path: bytes}: about 35 files, some 70 KB, of the sizes a small
    MicroPython or Linux application has."""
    rng = random.Random(20261125)
    files = {
        "main.py": python_module(rng, "main", 4),
        "boot.py": "import machine\nmachine.freq(125_000_000)\n",
        "version.txt": "1.0.0\n",
        "README.md": "# Sensor node\n\n" + text_block(rng, 40),
        "LICENSE": "MIT License\n\n" + text_block(rng, 18),
        "config/defaults.json": json.dumps({f"param_{i}": rng.randint(0, 1000)
                                            for i in range(40)}, indent=2) + "\n",
        "config/calibration.json": json.dumps({f"channel_{i}": [round(rng.uniform(-1, 1), 4)
                                                                for _ in range(6)]
                                               for i in range(16)}, indent=2) + "\n",
        "web/index.html": "<!doctype html>\n<html><body>\n" +
                          "".join(f"<p id=\"s{i}\">{text_block(rng, 1).strip()}</p>\n"
                                  for i in range(40)) + "</body></html>\n",
        "web/style.css": "".join(
            f".c{i} {{ margin: {i}px; color: #{rng.randrange(1 << 24):06x}; }}\n"
            for i in range(60)),
        "web/app.js": "".join(
            f"function handler{i}(e) {{ return fetch('/api/{i}').then(r => r.json()); }}\n"
            for i in range(50)),
        "assets/icon.bin": rng.randbytes(1536),
        "assets/font.bin": rng.randbytes(6144),
        "assets/splash.bin": rng.randbytes(3072),
    }
    for name, functions in [("sensor", 8), ("radio", 6), ("power", 5), ("storage", 4),
                            ("display", 6), ("net", 7), ("log", 3), ("schedule", 4),
                            ("config", 2), ("legacy", 3), ("util", 5), ("watchdog", 2)]:
        files[f"lib/{name}.py"] = python_module(rng, name, functions)
    for name, functions in [("bme280", 5), ("ina219", 4), ("sx1276", 8), ("ssd1306", 5),
                            ("ds3231", 3), ("gps", 6)]:
        files[f"lib/drivers/{name}.py"] = python_module(rng, name, functions)
    return {p: (d.encode() if isinstance(d, str) else d) for p, d in files.items()}


def release_2(files1):
    """A few files changed in place, one added, one removed."""
    rng = random.Random(2)
    files = dict(files1)
    files["version.txt"] = b"1.1.0\n"
    files["main.py"] = files1["main.py"].replace(b"retries=3", b"retries=5", 1)
    sensor = files1["lib/sensor.py"].decode().splitlines(keepends=True)
    sensor[40:44] = ["    # recalibrated for the new enclosure\n",
                     "    offset = config.OFFSET * 1.07\n"]
    files["lib/sensor.py"] = "".join(sensor).encode()
    files["config/calibration.json"] = files1["config/calibration.json"].replace(
        b"0.", b"0.0", 5)
    files["web/app.js"] = files1["web/app.js"] + b"function handler50(e) { return null; }\n"
    files["lib/ota_hooks.py"] = python_module(rng, "ota_hooks", 2).encode()
    del files["lib/legacy.py"]
    return files


def make_releases(work, ota):
    """The repository, the key pair and both signed manifests."""
    repo = os.path.join(work, "repo")
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    trees = {"v1": release_1()}
    trees["v2"] = release_2(trees["v1"])
    commits = {}
    for tag in ("v1", "v2"):
        for rel in set(trees["v1"]) - set(trees[tag]):
            os.remove(os.path.join(repo, rel))
        for rel, data in trees[tag].items():
            full = os.path.join(repo, rel)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"release {tag}", date=RELEASE_DATES[tag])
        git(repo, "tag", tag)
        commits[tag] = git(repo, "rev-parse", "HEAD")
    key = os.path.join(work, "release")
    public_key = run([ota, "keygen", "--out", key]).splitlines()[0].strip()
    manifests = {}
    for seq, tag in enumerate(("v1", "v2"), 1):
        out = os.path.join(work, f"manifest-{tag}.json")
        since = ["--since", "v1"] if tag == "v2" else []
        run([ota, "manifest", "--repo", repo, "--ref", tag, "--version", tag,
             "--sequence", str(seq), "--key", key + ".key", "-o", out, *since])
        manifests[tag] = out
    return {"repo": repo, "trees": trees, "commits": commits, "key": key,
            "public_key": public_key, "manifests": manifests}


def publish(ota, rel, tag, mirror):
    out = run([ota, "publish", "--git", rel["repo"], "--ref", tag, "-m", rel["manifests"][tag],
               "-o", mirror, "--public-key", rel["key"] + ".pub", "--channel", CHANNEL,
               "--json"])
    return json.loads(out)


# ---- measuring --------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """(ppid, utime + stime in ticks) of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    rest = text[text.rfind(")") + 2:].split()
    return int(rest[1]), int(rest[11]) + int(rest[12])


def nginx_cpu(master):
    """CPU seconds used so far by nginx's master and its workers."""
    ticks = (proc_stat(master) or (0, 0))[1]
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st and st[0] == master:
                ticks += st[1]
    return ticks / CLK_TCK


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class ProxyTrap:
    """A TCP listener the devices are given as their proxy for every host
    but loopback: every connection it accepts is a request that would have
    left the machine (to GitHub or anywhere else). Keeps the first line."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.lines = []
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(1024)
                except OSError:
                    data = b""
                self.lines.append(data.split(b"\r\n")[0].decode(errors="replace"))

    def env(self):
        url = f"http://127.0.0.1:{self.port}"
        return {"http_proxy": url, "https_proxy": url, "HTTPS_PROXY": url,
                "all_proxy": url, "ALL_PROXY": url,
                "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}

    def stop(self):
        self.stopping = True
        self.thread.join()
        self.sock.close()


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


# ---- the fleet --------------------------------------------------------------

def write_config(root, web, rel, rollout, device_id, deltas=True):
    os.makedirs(root, exist_ok=True)
    config = {"source": "mirror", "base_url": web.url(), "mirror_channel": CHANNEL,
              "channel": CHANNEL, "public_key": rel["public_key"],
              "update_scheduling": {"rollout_percent": rollout, "device_id": device_id},
              "retries": 2, "backoff_sec": 0}
    if deltas:
        config["enable_delta_updates"] = True
    with open(os.path.join(root, "ota_config.json"), "w") as f:
        json.dump(config, f)


def run_device(ota, root, env):
    """ota update --json on one device: (exit code, its JSON or {})."""
    proc = subprocess.run([ota, "update", "--root", root, "--json"], capture_output=True,
                          text=True, timeout=TIMEOUT, env=env)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        return proc.returncode, {}


class Fleet:
    def __init__(self, args, work, rel, web, trap):
        self.args, self.work, self.rel, self.web, self.trap = args, work, rel, web, trap
        width = max(4, len(str(args.devices)))
        self.ids = [f"device-{i:0{width}d}" for i in range(1, args.devices + 1)]
        self.dirs = {d: os.path.join(work, "devices", d) for d in self.ids}
        self.env = dict(os.environ, **trap.env())

    def configure(self, rollout):
        for device_id, path in self.dirs.items():
            write_config(path, self.web, self.rel, rollout, device_id)

    def _one(self, device_id):
        start = time.monotonic()
        proc = subprocess.run([self.args.ota, "update", "--root", self.dirs[device_id], "--json"],
                              capture_output=True, text=True, timeout=TIMEOUT, env=self.env)
        seconds = time.monotonic() - start
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            out = {"status": "no-json", "stdout": proc.stdout[-500:]}
        out["exit"] = proc.returncode
        out["seconds"] = seconds
        out["stderr"] = proc.stderr[-500:]
        return device_id, out

    def phase(self, name):
        """Every device runs `ota update` once, --parallel at a time."""
        self.web.wait_requests(0)
        time.sleep(0.3)
        self.web.forget_requests()
        cpu0, dev0, t0 = nginx_cpu(self.web.proc.pid), children_cpu(), time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(self.args.parallel) as pool:
            results = dict(pool.map(self._one, self.ids))
        wall = time.monotonic() - t0
        expected = sum(r.get("http_requests", 0) for r in results.values())
        requests = self.web.wait_requests(expected, timeout=10)
        time.sleep(0.3)  # any request ota did not count would land now
        requests = self.web.requests()
        cpu1, dev1 = nginx_cpu(self.web.proc.pid), children_cpu()
        log(f"phase {name}: {len(results)} devices in {wall:.1f} s, {len(requests)} requests")
        return {"name": name, "results": results, "requests": requests, "wall": wall,
                "nginx_cpu": cpu1 - cpu0, "device_cpu": dev1 - dev0, "load": loadavg()}

    def files(self, device_id):
        """{path: bytes} of the application files on a device."""
        root = self.dirs[device_id]
        own = {"ota_config.json", "version.json", "ota_error.json"}
        out = {}
        for dirpath, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                if rel in own or name.startswith("."):
                    continue
                with open(os.path.join(dirpath, name), "rb") as f:
                    out[rel] = f.read()
        return out

    def installed(self, device_id):
        try:
            with open(os.path.join(self.dirs[device_id], "version.json")) as f:
                return json.load(f).get("commit")
        except (OSError, ValueError):
            return None


def kind(uri):
    for k in ("channels", "manifests", "objects", "deltas"):
        if uri.startswith(f"/{k}/"):
            return k
    return "other"


def summarise(ph, n):
    res = ph["results"].values()
    reqs = ph["requests"]
    by_kind = collections.Counter((kind(r["uri"]), r["status"]) for r in reqs)
    per_device_requests = [r.get("http_requests", 0) for r in res]
    return {
        "devices": n,
        "wall": ph["wall"],
        "rate": n / ph["wall"] if ph["wall"] else 0,
        "statuses": collections.Counter(r.get("status") for r in res),
        "exits": collections.Counter(r["exit"] for r in res),
        "nginx_requests": len(reqs),
        "nginx_bytes": sum(r["bytes"] for r in reqs),
        "by_kind": by_kind,
        "other_uris": [r["uri"] for r in reqs if kind(r["uri"]) == "other"],
        "ota_requests": sum(per_device_requests),
        "ota_requests_min": min(per_device_requests),
        "ota_requests_max": max(per_device_requests),
        "ota_bytes": sum(r.get("bytes_received", 0) for r in res),
        "ota_file_bytes": sum(r.get("file_bytes_received", 0) for r in res),
        "by_delta": sum(r.get("files_by_delta", 0) for r in res),
        "delta_fallbacks": sum(r.get("delta_fallbacks", 0) for r in res),
        "retries": sum(r.get("retries", 0) for r in res),
        "not_modified": sum(r.get("not_modified", 0) for r in res),
        "p50": percentile([r["seconds"] for r in res], 50),
        "p95": percentile([r["seconds"] for r in res], 95),
        "max": max(r["seconds"] for r in res),
        "nginx_cpu": ph["nginx_cpu"],
        "device_cpu": ph["device_cpu"],
        "load": ph["load"],
    }


def group_stats(results, ids):
    """requests and bytes per device (ota's --json) over a group of devices."""
    if not ids:
        return None
    reqs = [results[d].get("http_requests", 0) for d in ids]
    got = [results[d].get("bytes_received", 0) for d in ids]
    return {"count": len(ids), "req_min": min(reqs), "req_max": max(reqs),
            "req_mean": statistics.mean(reqs), "bytes_mean": statistics.mean(got),
            "bytes_min": min(got), "bytes_max": max(got),
            "statuses": collections.Counter(results[d].get("status") for d in ids),
            "reasons": collections.Counter((results[d].get("schedule") or {}).get("reason")
                                           for d in ids)}


# ---- wrk --------------------------------------------------------------------

def find_wrk():
    return shutil.which("wrk")


def parse_wrk(text):
    out = {}
    m = re.search(r"Requests/sec:\s*([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else None
    m = re.search(r"Latency\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)", text)
    if m:
        out["lat_avg"], out["lat_stdev"], out["lat_max"] = m.groups()
    for p in ("50", "90", "99"):
        m = re.search(rf"^\s*{p}%\s+([\d.]+\w+)", text, re.M)
        out[f"p{p}"] = m.group(1) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", text)
    if m:
        out["requests"], out["duration"], out["read"] = int(m.group(1)), m.group(2), m.group(3)
    m = re.search(r"Transfer/sec:\s*([\d.]+\w+)", text)
    out["transfer"] = m.group(1) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    out["non2xx3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    out["socket_errors"] = m.group(1).strip() if m else "none"
    return out


def wrk_runs(args, web, targets):
    results = []
    for label, path, headers in targets:
        cmd = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.wrk_connections),
               "-d", f"{args.wrk_seconds}s", "--latency"]
        for h in headers:
            cmd += ["-H", h]
        url = web.url(path)
        time.sleep(0.3)
        web.forget_requests()
        cpu0 = nginx_cpu(web.proc.pid)
        log(f"wrk: {label}")
        text = run(cmd + [url])
        time.sleep(0.5)
        cpu = nginx_cpu(web.proc.pid) - cpu0
        statuses = collections.Counter(r["status"] for r in web.requests())
        shown = ["wrk"] + [shlex.quote(a) for a in cmd[1:]] + [f"http://127.0.0.1:PORT/{path}"]
        results.append({"label": label, "cmd": " ".join(shown), "parsed": parse_wrk(text),
                        "nginx_cpu": cpu, "statuses": statuses, "raw": text})
    return results


# ---- machine ----------------------------------------------------------------

def machine():
    model = cpu_model()
    nginx_v = subprocess.run([ensure_nginx()[0] or "nginx", "-v"], capture_output=True,
                             text=True).stderr.strip()
    wrk = find_wrk()
    wrk_v = (subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()
             or ["?"])[0].split(" Copyright")[0].strip() if wrk else "wrk not installed"
    nproc = run(["nproc"]).strip()
    return {"nproc": nproc, "model": model, "arch": platform.machine(),
            "kernel": f"{platform.system()} {platform.release()}",
            "nginx": nginx_v.replace("nginx version: ", ""), "wrk": wrk_v,
            "python": platform.python_version()}


def build_info(ota):
    """CMAKE_BUILD_TYPE and CMAKE_C_FLAGS of the build the binary came from,
    when its CMakeCache.txt is found above it."""
    d = os.path.dirname(ota)
    for _ in range(4):
        cache = os.path.join(d, "CMakeCache.txt")
        if os.path.exists(cache):
            found = {}
            with open(cache, errors="replace") as f:
                for line in f:
                    m = re.match(r"(CMAKE_BUILD_TYPE|CMAKE_C_FLAGS|OTA_SANITIZE):\w+=(.*)", line)
                    if m:
                        found[m.group(1)] = m.group(2).strip()
            return ", ".join(f"{k}={v!r}" for k, v in sorted(found.items()))
        d = os.path.dirname(d)
    return "unknown (no CMakeCache.txt beside the binary)"


def describe_repo():
    try:
        return subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def shown_path(path):
    """A path as the reader should type it: relative to the repository when
    inside it, else only its base name (no paths of this machine)."""
    full = os.path.abspath(path)
    if full.startswith(ROOT + os.sep):
        return os.path.relpath(full, ROOT)
    return os.path.basename(full)


# ---- the benchmark ----------------------------------------------------------

class Checks:
    def __init__(self):
        self.items = []

    def add(self, ok, what):
        self.items.append((bool(ok), what))
        log(("ok    " if ok else "FAIL  ") + what)

    @property
    def failed(self):
        return [w for ok, w in self.items if not ok]


def benchmark(args, work):
    checks = Checks()
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = loadavg()
    rel = make_releases(work, args.ota)
    trees, commits = rel["trees"], rel["commits"]
    mirror = os.path.join(work, "mirror")
    pub1 = publish(args.ota, rel, "v1", mirror)
    n = args.devices
    out = {"started": started, "load_start": load_start, "rel": rel, "pub1": pub1,
           "checks": checks}
    trap = ProxyTrap()
    try:
        with Nginx(mirror, MIRROR_LOCATIONS) as web:
            fleet = Fleet(args, work, rel, web, trap)
            out["control"] = trap_control(args, work, trap)
            checks.add(out["control"]["caught"] >= 1,
                       "control: a device configured for GitHub (default api_url) is caught "
                       f"by the proxy trap ({out['control']['caught']} connection(s): "
                       f"{out['control']['lines']})")
            trap.lines.clear()
            out["fresh_control"] = fresh_control(args, work, web, rel, trap)

            # A: fresh install of release 1 by every device (no rollout
            # limit: the canary rule applies to any release, a first one too).
            fleet.configure(100)
            a = fleet.phase("A")
            out["A"] = summarise(a, n)
            bad = [d for d, r in a["results"].items() if r.get("status") != "installed"]
            checks.add(not bad, f"A: all {n} devices report status installed"
                       + (f" ({len(bad)} did not, e.g. {bad[0]}: "
                          f"{a['results'][bad[0]].get('status')} exit {a['results'][bad[0]]['exit']} "
                          f"{a['results'][bad[0]]['stderr'].strip()})" if bad else ""))
            wrong = [d for d in fleet.ids if fleet.installed(d) != commits["v1"]
                     or fleet.files(d) != trees["v1"]]
            checks.add(not wrong, f"A: every device holds exactly release 1's files and commit"
                       + (f" ({len(wrong)} do not, e.g. {wrong[0]})" if wrong else ""))
            check_traffic(checks, "A", out["A"])
            nodelta_control(args, work, web, rel, trap, 1)

            # B: release 2 with deltas; the canary share takes it.
            fleet.configure(args.rollout)
            out["pub2"] = publish(args.ota, rel, "v2", mirror)
            b = fleet.phase("B")
            out["B"] = summarise(b, n)
            predicted = {d for d in fleet.ids if bucket(d, commits["v2"]) < args.rollout * 100}
            took = {d for d, r in b["results"].items() if r.get("status") == "installed"}
            deferred = {d for d, r in b["results"].items() if r.get("status") == "deferred"}
            out["canary"] = {"predicted": predicted, "installed": took, "deferred": deferred}
            out["B_groups"] = {
                "canaries (installed release 2)": group_stats(b["results"], sorted(took)),
                "held back (deferred)": group_stats(b["results"], sorted(deferred))}
            checks.add(took == predicted,
                       f"B: the devices that installed release 2 ({len(took)}) are exactly those "
                       f"the bucket formula of docs/scheduling.md puts in a {args.rollout}% "
                       f"rollout ({len(predicted)})")
            checks.add(took | deferred == set(fleet.ids),
                       "B: every other device reports status deferred")
            wrong = [d for d in took if fleet.installed(d) != commits["v2"]
                     or fleet.files(d) != trees["v2"]]
            wrong += [d for d in deferred if fleet.installed(d) != commits["v1"]
                      or fleet.files(d) != trees["v1"]]
            checks.add(not wrong, "B: canaries hold exactly release 2, the others still release 1"
                       + (f" ({len(wrong)} do not, e.g. {wrong[0]})" if wrong else ""))
            share = 100 * len(took) / n
            out["share"] = share
            if args.smoke:
                # 20 devices: a binomial count, so only a loose bound.
                checks.add(0 < len(took) < n, f"B: canary share {share:.1f}% is plausible "
                           f"(neither nobody nor everybody at {args.rollout}%)")
            else:
                checks.add(abs(share - args.rollout) <= 1.0,
                           f"B: realised canary share {share:.2f}% within one percentage point "
                           f"of rollout_percent {args.rollout}")
            if took:
                checks.add(out["B"]["by_delta"] > 0, "B: canaries fetched files by delta "
                           f"({out['B']['by_delta']} files by delta in all)")
            check_traffic(checks, "B", out["B"])
            out["nodelta"] = nodelta_control(args, work, web, rel, trap, 2)

            # C: the no-op: one conditional request per device, answered 304.
            c = fleet.phase("C")
            out["C"] = summarise(c, n)
            out["C_groups"] = {
                "canaries (installed release 2 in B)": group_stats(c["results"], sorted(took)),
                "held back (deferred in B)": group_stats(c["results"], sorted(deferred))}
            reqs = c["requests"]
            pointer_304 = [r for r in reqs if r["uri"] == f"/channels/{CHANNEL}.json"
                           and r["status"] == 304]
            checks.add(len(reqs) == n and len(pointer_304) == n,
                       f"C: nginx served exactly one request per device, the channel pointer "
                       f"answered 304 ({len(reqs)} requests for {n} devices, "
                       f"{len(pointer_304)} of them pointer 304; "
                       f"by kind and status: {fmt_kinds(out['C']['by_kind'])})")
            for group, ids in (("canary (up-to-date)", took), ("held-back (deferred)", deferred)):
                more = sorted(d for d in ids if c["results"][d].get("http_requests") != 1)
                if not ids:
                    continue
                first = c["results"][more[0]] if more else {}
                checks.add(not more, f"C: every {group} device's --json reports "
                           f"http_requests 1"
                           + (f" ({len(more)} of {len(ids)} do not, e.g. {more[0]}: "
                              f"{first.get('http_requests')} requests, status "
                              f"{first.get('status')}, not_modified "
                              f"{first.get('not_modified')})" if more else ""))
            check_traffic(checks, "C", out["C"])

            pointer = f"channels/{CHANNEL}.json"
            with urllib.request.urlopen(web.url(pointer)) as resp:
                etag = resp.headers["ETag"]
            out["sizes"] = {"200": response_sizes(web, pointer),
                            "304": response_sizes(web, pointer, f"If-None-Match: {etag}\r\n")}
            if not args.smoke and not args.no_wrk:
                if find_wrk():
                    out["wrk"] = wrk_phase(args, web, mirror, trees)
                else:
                    out["wrk_missing"] = "wrk is not installed (scripts/install-deps.sh wrk)"
            out["trap_fleet"] = len(trap.lines)
            checks.add(not trap.lines, f"no connection to any host but loopback during the "
                       f"fleet phases ({len(trap.lines)} caught by the proxy trap)")
    finally:
        trap.stop()
    out["finished"] = datetime.datetime.now(datetime.timezone.utc)
    out["load_end"] = loadavg()
    return out


def fmt_kinds(by_kind):
    return ", ".join(f"{k} {s}: {c}" for (k, s), c in sorted(by_kind.items())) or "none"


def check_traffic(checks, name, s):
    checks.add(not s["other_uris"], f"{name}: every request nginx logged is a mirror path "
               f"(channels/, manifests/, objects/, deltas/)"
               + (f"; others: {s['other_uris'][:3]}" if s["other_uris"] else ""))
    checks.add(s["nginx_requests"] == s["ota_requests"],
               f"{name}: nginx's access log ({s['nginx_requests']} requests) and the devices' "
               f"--json ({s['ota_requests']}) agree")


def trap_control(args, work, trap):
    """A device configured for GitHub (default api_url): its request must
    reach the trap, or the trap proves nothing."""
    root = os.path.join(work, "control")
    os.makedirs(root)
    with open(os.path.join(root, "ota_config.json"), "w") as f:
        json.dump({"owner": "acme", "repo": "app", "channel": CHANNEL,
                   "retries": 0, "backoff_sec": 0, "connect_timeout_sec": 5,
                   "http_timeout_sec": 5}, f)
    before = len(trap.lines)
    proc = subprocess.run([args.ota, "check", "--root", root, "--json"], capture_output=True,
                          text=True, timeout=TIMEOUT, env=dict(os.environ, **trap.env()))
    time.sleep(0.3)
    return {"caught": len(trap.lines) - before, "lines": trap.lines[before:],
            "exit": proc.returncode}


def fresh_control(args, work, web, rel, trap):
    """One fresh device that the bucket formula leaves out of a
    --rollout% rollout of release 1, run with that setting: does the canary
    rule hold back a first install too?"""
    if args.rollout >= 100:
        return None
    device_id = next(f"control-{i}" for i in range(10 ** 6)
                     if bucket(f"control-{i}", rel["commits"]["v1"]) >= args.rollout * 100)
    root = os.path.join(work, "fresh-control")
    write_config(root, web, rel, args.rollout, device_id)
    code, res = run_device(args.ota, root, dict(os.environ, **trap.env()))
    installed = os.path.exists(os.path.join(root, "version.json"))
    return {"device_id": device_id, "bucket": bucket(device_id, rel["commits"]["v1"]),
            "exit": code, "status": res.get("status"),
            "reason": (res.get("schedule") or {}).get("reason"),
            "requests": res.get("http_requests"), "installed": installed}


def nodelta_control(args, work, web, rel, trap, step):
    """One device without enable_delta_updates, outside the phases' counts:
    step 1 installs release 1, step 2 (after release 2 is out) updates it."""
    root = os.path.join(work, "nodelta-control")
    if step == 1:
        write_config(root, web, rel, 100, "control-nodelta", deltas=False)
    time.sleep(0.3)
    web.forget_requests()
    code, res = run_device(args.ota, root, dict(os.environ, **trap.env()))
    reqs = web.wait_requests(res.get("http_requests", 0))
    return {"exit": code, "status": res.get("status"), "requests": res.get("http_requests"),
            "bytes": res.get("bytes_received"), "by_delta": res.get("files_by_delta"),
            "files": res.get("files_fetched"),
            "kinds": collections.Counter((kind(r["uri"]), r["status"]) for r in reqs)}


def response_sizes(web, path, headers=""):
    """(status line, header bytes, body bytes) of one GET, read off the socket."""
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as conn:
        conn.sendall(f"GET /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
                     "Connection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), len(head) + 4, len(body)


def wrk_phase(args, web, mirror, trees):
    # the largest object of release 2, as a typical download
    objects = {blob_sha1(d): len(d) for d in trees["v2"].values()}
    obj, size = max(objects.items(), key=lambda kv: kv[1])
    pointer = f"channels/{CHANNEL}.json"
    with urllib.request.urlopen(web.url(pointer)) as resp:
        etag = resp.headers["ETag"]
        pointer_size = len(resp.read())
    targets = [(f"channel pointer ({pointer_size} bytes), 200", pointer, []),
               ("channel pointer with If-None-Match, 304", pointer,
                [f"If-None-Match: {etag}"]),
               (f"one object ({size} bytes), 200", f"objects/{obj}", [])]
    return {"runs": wrk_runs(args, web, targets), "etag": etag}


# ---- the report -------------------------------------------------------------

def fmt_bytes(n):
    return f"{n:,.0f}"


def phase_table(s, n):
    rows = [
        ("devices", f"{n}"),
        ("wall time (s)", f"{s['wall']:.2f}"),
        ("devices per second", f"{s['rate']:.1f}"),
        ("`ota update` time per device, median / p95 / max (s)",
         f"{s['p50']:.3f} / {s['p95']:.3f} / {s['max']:.3f}"),
        ("device status (`--json` status)", ", ".join(f"{k}: {v}" for k, v in
                                                       sorted(s["statuses"].items(), key=str))),
        ("requests per device, nginx access log", f"{s['nginx_requests'] / n:.3f}"
         f" ({s['nginx_requests']} in all)"),
        ("requests per device, ota `--json` http_requests",
         f"{s['ota_requests'] / n:.3f} (min {s['ota_requests_min']}, max {s['ota_requests_max']})"),
        ("requests by kind and status (nginx)", fmt_kinds(s["by_kind"])),
        ("response body bytes per device, nginx", fmt_bytes(s["nginx_bytes"] / n)),
        ("bytes received per device, ota `--json` bytes_received", fmt_bytes(s["ota_bytes"] / n)),
        ("of which file bytes (file_bytes_received)", fmt_bytes(s["ota_file_bytes"] / n)),
        ("files fetched by delta / delta fallbacks (all devices)",
         f"{s['by_delta']} / {s['delta_fallbacks']}"),
        ("retries (all devices)", f"{s['retries']}"),
        ("nginx CPU seconds (utime+stime, master+worker)", f"{s['nginx_cpu']:.2f}"
         f" ({1e3 * s['nginx_cpu'] / n:.2f} ms per device)"),
        ("devices' CPU seconds (`ota` processes, getrusage)", f"{s['device_cpu']:.2f}"
         f" ({1e3 * s['device_cpu'] / n:.1f} ms per device)"),
        ("requests outside the mirror's paths (nginx)", f"{len(s['other_uris'])}"),
        ("load average at the end (1, 5, 15 min)", s["load"]),
    ]
    return "\n".join(["| measure | value |", "|---|---:|"] +
                     [f"| {a} | {b} |" for a, b in rows])


def group_table(groups):
    lines = ["| devices | count | status | schedule reason | requests per device (min / mean / max) "
             "| bytes received per device (min / mean / max) |", "|---|---:|---|---|---|---|"]
    for name, g in groups.items():
        if not g:
            lines.append(f"| {name} | 0 | | | | |")
            continue
        lines.append(f"| {name} | {g['count']} | "
                     + ", ".join(f"{k}: {v}" for k, v in sorted(g["statuses"].items(), key=str))
                     + " | " + ", ".join(f"{k}: {v}" for k, v in
                                         sorted(g["reasons"].items(), key=str))
                     + f" | {g['req_min']} / {g['req_mean']:.2f} / {g['req_max']} | "
                     f"{fmt_bytes(g['bytes_min'])} / {fmt_bytes(g['bytes_mean'])} / "
                     f"{fmt_bytes(g['bytes_max'])} |")
    return "\n".join(lines)


def share_spread(rollout, n, trials=1000):
    """How the canary share of n devices spreads over releases: the bucket
    formula applied to `trials` made-up release ids (not a run of ota)."""
    width = max(4, len(str(n)))
    ids = [f"device-{i:0{width}d}" for i in range(1, n + 1)]
    within = 0
    shares = []
    for t in range(trials):
        commit = hashlib.sha1(b"release %d" % t).hexdigest()
        share = 100 * sum(bucket(d, commit) < rollout * 100 for d in ids) / n
        shares.append(share)
        within += abs(share - rollout) <= 1.0
    return within / trials, statistics.pstdev(shares)


def report(args, res, mach, command):
    n = args.devices
    rel, checks = res["rel"], res["checks"]
    t1, t2 = rel["trees"]["v1"], rel["trees"]["v2"]
    changed = sorted(p for p in t2 if t1.get(p) != t2[p])
    removed = sorted(set(t1) - set(t2))
    changed_bytes = sum(len(t2[p]) for p in changed)
    pub2 = res["pub2"]
    took = res["canary"]["installed"]
    spread_within, spread_sd = share_spread(args.rollout, n, 300)
    L = []
    w = L.append
    w("# Fleet simulation: devices updating from a static mirror served by nginx\n")
    w("Generated by `bench/fleet/run.py`; do not edit by hand. Every figure on this page "
      "comes from the run described here; regenerate it with\n")
    w(f"```sh\n{command}\n```\n")
    w(f"(`--ota` names a Release build of `ota`: `cmake -S . -B build-release "
      f"-DCMAKE_BUILD_TYPE=Release -DOTA_BUILD_TESTS=OFF && cmake --build build-release "
      f"--target ota`.) Installing the two programs it needs: `scripts/install-deps.sh nginx wrk`.\n")
    dur = (res["finished"] - res["started"]).total_seconds()
    w(f"- Run: {res['started']:%Y-%m-%d %H:%M} UTC, {dur:.0f} s in all; load average "
      f"{res['load_start']} at the start and {res['load_end']} at the end: the machine was "
      "shared with other work, which the rates below include.")
    w(f"- Machine: {mach['nproc']} CPUs (`nproc`), {mach['model']} (/proc/cpuinfo), "
      f"{mach['arch']}, {mach['kernel']}; {mach['nginx']} (`nginx -v`); {mach['wrk']} (`wrk -v`); "
      f"Python {mach['python']}.")
    w(f"- Repository: {describe_repo()} (`git describe --always --dirty`); "
      f"`{shown_path(args.ota)} --version`: {res.get('ota_version', '?')}, built with "
      f"{build_info(args.ota)} (its CMakeCache.txt).")
    w(f"- Everything (nginx, the devices, wrk) ran at nice 10, on loopback; nginx from "
      "`tests/support/nginx.py` (one worker process, access log on, `sendfile on`, the "
      "cache headers of docs/fleet.md).")
    w(f"- Devices: {n}, {args.parallel} running at a time; each one is a directory with "
      "its own `ota_config.json` and a real `ota update --root DIR --json` process.\n")

    w("## Setup\n")
    sizes = sorted(map(len, t1.values()))
    w(f"The application: {len(t1)} files, {sum(sizes):,} bytes in release 1 (Python "
      f"modules, JSON configuration, HTML/CSS/JS, three binary assets; {sizes[0]:,} to "
      f"{sizes[-1]:,} bytes, median {statistics.median(sizes):,.0f}). Release 2 changes {len(changed)} files in place or adds "
      f"them ({', '.join(changed)}: {changed_bytes:,} bytes in full) and removes "
      f"{', '.join(removed)}. Commits have fixed dates, so the commit ids, and every "
      f"device's canary bucket, are the same on every run: release 1 is "
      f"`{rel['commits']['v1'][:12]}`, release 2 `{rel['commits']['v2'][:12]}`.\n")
    w("Both releases have manifests signed with a fresh key (`ota keygen`, `ota manifest "
      "--key`, release 2 with `--since v1`) and are put into the mirror with `ota publish "
      "--git REPO --ref TAG --public-key release.pub`: release 1 before phase A, release 2 "
      "(with deltas from release 1, the default `--deltas 3`) between A and B. "
      f"Release 2's publication wrote {pub2['objects']['written']} objects "
      f"({pub2['objects']['bytes_written']:,} bytes; {pub2['objects']['existing']} already "
      f"there) and {pub2['deltas']['written']} deltas ({pub2['deltas']['bytes_written']:,} "
      f"bytes, for files of {pub2['deltas']['bytes_of_files']:,} bytes; "
      f"{pub2['deltas']['not_smaller']} not published because not smaller than the file, "
      f"{pub2['deltas']['without_source']} without a source).\n")
    w("Each device's configuration is the mirror contract, with its own `device_id` "
      "(`device-0001`, `device-0002`, ...):\n")
    w("```json\n" + json.dumps({"source": "mirror", "base_url": "http://127.0.0.1:PORT/",
                                "mirror_channel": CHANNEL, "channel": CHANNEL,
                                "public_key": "<the key ota keygen printed>",
                                "update_scheduling": {"rollout_percent": args.rollout,
                                                      "device_id": "device-0042"},
                                "retries": 2, "backoff_sec": 0,
                                "enable_delta_updates": True}) + "\n```\n")
    nd = res["nodelta"]
    w("`enable_delta_updates` is set because on a link that is neither metered nor slow "
      "`ota` asks for deltas only with it (docs/mirror.md, \"The device's side\", step 4): "
      "a control device with the same configuration but no "
      "`enable_delta_updates` (and `rollout_percent` 100), which installed release 1 after "
      f"phase A, took release 2 after phase B with {nd['requests']} requests "
      f"({fmt_kinds(nd['kinds'])}), {nd['by_delta']} files by delta, "
      f"{fmt_bytes(nd['bytes'] or 0)} bytes received (status `{nd['status']}`); the "
      "canaries' figures, with deltas, are in phase B. The mirror is served at the server's "
      "root (`base_url` ends in `/`) because the cache-header locations of docs/fleet.md "
      "are written for a mirror at the root.\n")
    fc = res.get("fresh_control")
    if fc:
        w(f"A fresh device is not held back by the canary (it has nothing to keep): "
          f"`{fc['device_id']}`, bucket {fc['bucket']} for release 1, configured with "
          f"`rollout_percent` {args.rollout} and run once before phase A, reported status "
          f"`{fc['status']}` (schedule reason `{fc['reason']}`, exit {fc['exit']}, "
          f"{fc['requests']} requests) and "
          f"{'installed release 1' if fc['installed'] else 'installed nothing'}. Phase A, "
          "the whole fleet's first install, runs with `rollout_percent` 100 all the same, so "
          "that it measures installs only.\n")

    w("## Phases\n")
    w("Requests and bytes are counted twice: by nginx (its access log lists every request "
      "it answered, with `$body_bytes_sent`: response bodies, not headers) and by each "
      "device (`http_requests` and `bytes_received` of `ota update --json`). CPU seconds "
      "are utime+stime from /proc/PID/stat of nginx's master and worker, read before and "
      "after the phase; the devices' CPU is getrusage(RUSAGE_CHILDREN) over the phase. "
      "Devices per second is N over the phase's wall time with "
      f"{args.parallel} devices at a time, each a fresh process (start-up, configuration, "
      "TLS-free HTTP over loopback, hashing and fsyncs included).\n")
    w(f"### A: fresh install of release 1 by every device\n")
    w(phase_table(res["A"], n) + "\n")
    w(f"### B: release 2 published; every device checks with rollout_percent {args.rollout}\n")
    w(phase_table(res["B"], n) + "\n")
    w("By group (from the devices' `--json`):\n")
    w(group_table(res["B_groups"]) + "\n")
    g = res["B_groups"]["canaries (installed release 2)"]
    if g:
        w(f"A canary received {fmt_bytes(g['bytes_mean'])} bytes on average to install "
          f"release 2; the files that changed are {changed_bytes:,} bytes in full, and the "
          f"whole release {sum(map(len, t2.values())):,}.\n")
    w("**Canary share.** " + f"{len(took)} of {n} devices installed release 2: "
      f"**{res['share']:.2f}%** against `rollout_percent` {args.rollout} "
      f"({res['share'] - args.rollout:+.2f} percentage points). The devices that installed it "
      f"are {'exactly' if took == res['canary']['predicted'] else 'NOT'} the "
      f"{len(res['canary']['predicted'])} that the bucket formula of docs/scheduling.md "
      "(computed here in Python) puts below the threshold for release 2's commit, so the "
      "share is fixed by the commit id, not by chance in the run. How close it comes to the "
      "setting is a property of the hash: over 300 made-up release ids, the same formula "
      f"on these {n} device ids gives a share within one point of {args.rollout}% for "
      f"{100 * spread_within:.0f}% of releases (standard deviation {spread_sd:.2f} points; "
      f"a binomial with p = {args.rollout / 100} gives "
      f"{100 * (args.rollout / 100 * (1 - args.rollout / 100) / n) ** 0.5:.2f}). "
      "That spread is computed, not measured with ota.\n")
    w("### C: no-op check by every device\n")
    w(phase_table(res["C"], n) + "\n")
    w("By group (from the devices' `--json`):\n")
    w(group_table(res["C_groups"]) + "\n")
    extra = {k: v for k, v in res["C"]["by_kind"].items() if k != ("channels", 304)}
    held = res["C_groups"]["held back (deferred in B)"]
    if extra:
        w(f"Besides the {res['C']['by_kind'].get(('channels', 304), 0)} pointer requests "
          f"answered 304, nginx served {fmt_kinds(extra)} in this phase.")
        if set(extra) == {("manifests", 200)} and held and held["req_min"] > 1:
            w("They came from the devices the rollout holds back (schedule reason `canary`): "
              "after the pointer's 304, such a device fetches the release's manifest again "
              "on every check, so its steady state is two requests and the manifest's bytes, "
              "not the one request answered 304 of docs/mirror.md (\"The device's side\").")
        w("")

    w("## No request to GitHub, nor anywhere but the mirror\n")
    ctl = res["control"]
    w("- The devices' configuration names no `owner`/`repo` (so no GitHub source to fall "
      "back to) and no `api_url`/`raw_url`.")
    w("- nginx's access log lists every request it answered; in every phase every logged "
      "request is a mirror path (`channels/`, `manifests/`, `objects/`, `deltas/`), and the "
      "log's count equals the sum of the devices' own `http_requests` (see the checks "
      "below), so the devices made no request that nginx did not answer.")
    w("- The devices ran with `http_proxy`, `https_proxy`, `HTTPS_PROXY`, `all_proxy` and "
      "`ALL_PROXY` pointing at a listener of this script, `no_proxy` exempting only "
      "127.0.0.1: libcurl sends any request for another host (api.github.com, "
      "raw.githubusercontent.com, ...) there. It accepted "
      f"**{res['trap_fleet']}** "
      "connections during the fleet phases. As a control, a device configured for GitHub "
      "(owner/repo, default `api_url`) was run once with the same environment: the "
      f"listener caught {ctl['caught']} connection(s) (`{'; '.join(ctl['lines'])}`), "
      "so the trap does see such requests.\n")

    w("## Load: wrk against nginx\n")
    if "wrk" in res:
        w(f"wrk {args.wrk_seconds} s per run, {args.wrk_threads} thread, "
          f"{args.wrk_connections} connections, on the same machine as nginx (both share the "
          f"{mach['nproc']} CPUs; wrk's own CPU is not counted). The status counts come from "
          "nginx's access log of the run (which nginx writes for every request, part of its "
          f"CPU). The If-None-Match value is the pointer's ETag, `{res['wrk']['etag']}`.\n")
        w("| target | requests/s | latency avg / stdev / max | p50 / p90 / p99 | "
          "transfer/s | statuses (nginx log) | nginx CPU s (per request) | errors |")
        w("|---|---:|---|---|---:|---|---|---|")
        for r in res["wrk"]["runs"]:
            p = r["parsed"]
            st = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
            total = sum(r["statuses"].values()) or 1
            w(f"| {r['label']} | {p['rps']:,.0f} | {p.get('lat_avg')} / {p.get('lat_stdev')} / "
              f"{p.get('lat_max')} | {p['p50']} / {p['p90']} / {p['p99']} | {p['transfer']} | "
              f"{st} | {r['nginx_cpu']:.2f} ({1e6 * r['nginx_cpu'] / total:.1f} µs) | "
              f"non-2xx/3xx {p['non2xx3xx']}; socket {p['socket_errors']} |")
        w("\nCommands (PORT is the free port nginx was given):\n")
        w("```sh\n" + "\n".join(r["cmd"] for r in res["wrk"]["runs"]) + "\n```\n")
    else:
        w(f"Not measured in this run: {res.get('wrk_missing', '--no-wrk was given')}.\n")

    w("## Checks\n")
    w("The behaviour the run asserts (the script exits 1 if any fails):\n")
    for ok, what in checks.items:
        w(f"- {'pass' if ok else '**FAIL**'}: {what}")
    w("")
    w("## Not measured\n")
    w("- Network conditions: everything is on loopback, with no latency, loss or bandwidth "
      "limit; the rates are those of the CPUs, not of a network.")
    sz = res["sizes"]
    w("- Response headers: nginx's `$body_bytes_sent` and ota's `bytes_received` count "
      "bodies only. Measured once on a socket after phase C (request with "
      "`Connection: close`, so a `Connection: close` header included): the pointer's "
      f"`{sz['200'][0]}` has {sz['200'][1]} bytes of headers and {sz['200'][2]} of body, "
      f"the `{sz['304'][0]}` {sz['304'][1]} bytes of headers and {sz['304'][2]} of body. "
      "Request headers, TCP/IP framing and connection set-up are not counted anywhere.")
    w("- TLS: the mirror is plain HTTP here, as mirror.md allows (every file is checked "
      "against the signed manifest).")
    return "\n".join(L) + "\n"


def shown_command(argv):
    """The command line as the reader should type it: paths of this machine
    made relative to the repository."""
    shown = []
    for i, a in enumerate(argv):
        if i and argv[i - 1] in ("--ota", "--out", "--workdir"):
            a = shown_path(a)
        elif a.startswith(("--ota=", "--out=", "--workdir=")):
            key, value = a.split("=", 1)
            a = f"{key}={shown_path(value)}"
        shown.append(shlex.quote(a))
    return " ".join(["python3 bench/fleet/run.py"] + shown)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ota", default=os.path.join(ROOT, "build-release", "ota"),
                        help="the ota binary (default build-release/ota)")
    parser.add_argument("--devices", type=int, default=1000, help="devices (default 1000)")
    parser.add_argument("--parallel", type=int, default=8,
                        help="devices updating at once (default 8)")
    parser.add_argument("--rollout", type=int, default=20,
                        help="rollout_percent for release 2 (default 20)")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--wrk-connections", type=int, default=8)
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk runs")
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE['devices']} devices, no wrk, no report unless --out: "
                             "assert the behaviour only")
    parser.add_argument("--out", help="the report (default bench/fleet/RESULTS.md; "
                                      "with --smoke, none)")
    parser.add_argument("--workdir", help="where devices and the mirror go (default: a "
                                          "temporary directory, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.smoke:
        if "--devices" not in sys.argv:
            args.devices = SMOKE["devices"]
        if "--parallel" not in sys.argv:
            args.parallel = SMOKE["parallel"]
    out_path = args.out or (None if args.smoke else os.path.join(HERE, "RESULTS.md"))
    args.ota = os.path.abspath(args.ota)
    if not os.access(args.ota, os.X_OK):
        sys.exit(f"run.py: no ota binary at {args.ota} (build it, or give --ota)")
    if not 0 <= args.rollout <= 100 or args.devices < 1 or not 1 <= args.parallel <= 60 \
            or not 1 <= args.wrk_connections <= 60:
        # tests/support/nginx.py gives nginx 64 connections
        sys.exit("run.py: --rollout 0..100, --devices at least 1, --parallel and "
                 "--wrk-connections 1..60")
    binary, why = ensure_nginx()
    if not binary:
        log(f"run.py: {why}")
        return SKIPPED if args.smoke else 2
    os.nice(10)
    work = args.workdir or tempfile.mkdtemp(prefix="ota-fleet-")
    os.makedirs(work, exist_ok=True)
    t0 = time.monotonic()
    try:
        res = benchmark(args, work)
        res["ota_version"] = run([args.ota, "--version"]).strip()
    except RuntimeError as e:
        log(f"run.py: {e}")
        return 2
    finally:
        if not args.keep and not args.workdir:
            t1 = time.monotonic()
            shutil.rmtree(work, ignore_errors=True)
            log(f"removed the work directory in {time.monotonic() - t1:.1f} s")
    elapsed = time.monotonic() - t0
    failed = res["checks"].failed
    if out_path:
        command = shown_command(sys.argv[1:])
        text = report(args, res, machine(), command.strip())
        with open(out_path, "w") as f:
            f.write(text)
        log(f"wrote {shown_path(out_path)}")
    summary = (f"{args.devices} devices in {elapsed:.1f} s: A {res['A']['rate']:.1f}/s, "
               f"B {res['B']['rate']:.1f}/s (canary {res['share']:.1f}% at {args.rollout}%), "
               f"C {res['C']['rate']:.1f}/s, {res['C']['nginx_requests'] / args.devices:.2f} "
               "requests per device")
    print(summary)
    if failed:
        print(f"{len(failed)} check(s) failed:")
        for f in failed:
            print("  - " + f)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
