#!/usr/bin/env python3
"""`make bench` (second part): delta updates against the usual tools, written
to bench/delta/RESULTS.md.

The corpus is real and fetched at benchmark time into a cache directory
outside the repository (never committed):

  npm   packages of plain JavaScript, each at ten consecutive published
        versions (`npm pack PKG@VER`); each consecutive pair is an update step.
  git   the last N commits of this repository (first-parent), each against
        its parent, blobs read with `git show COMMIT:PATH`.

In each step a changed file is a path present on both sides whose bytes
differ: it is one (old, new) pair. Every tool makes a patch for every pair
and every patch is applied again and compared byte for byte; failures are
reported. Added files are counted apart (their full size), deleted files
cost nothing.

Python 3 standard library only. `--quick` is a smoke run of well under a
minute; its report goes to the cache directory unless --out says otherwise."""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from machine_info import cpu_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Ten consecutive published (non-prerelease) versions of each package, pinned
# so that every run measures the same corpus.
PACKAGES = [
    ("semver", ["7.5.0", "7.5.1", "7.5.2", "7.5.3", "7.5.4",
                "7.6.0", "7.6.1", "7.6.2", "7.6.3", "7.7.0"]),
    ("commander", ["9.0.0", "9.1.0", "9.2.0", "9.3.0", "9.4.0",
                   "9.4.1", "9.5.0", "10.0.0", "10.0.1", "11.0.0"]),
    ("debug", ["4.3.0", "4.3.1", "4.3.2", "4.3.3", "4.3.4",
               "4.3.5", "4.3.6", "4.3.7", "4.4.0", "4.4.1"]),
    ("yargs-parser", ["20.2.0", "20.2.1", "20.2.2", "20.2.3", "20.2.4",
                      "20.2.5", "20.2.6", "20.2.7", "20.2.9", "21.0.0"]),
    ("uuid", ["11.0.0", "11.0.1", "11.0.2", "11.0.3", "11.0.4",
              "11.0.5", "11.1.0", "11.1.1", "12.0.0", "12.0.1"]),
    ("minimist", ["1.1.3", "1.2.0", "1.2.1", "1.2.2", "1.2.3",
                  "1.2.4", "1.2.5", "1.2.6", "1.2.7", "1.2.8"]),
]
COMMITS = 30
QUICK = {"packages": 2, "versions": 4, "commits": 5}
GIT_SKIP_BYTES = 1 << 20      # binaries larger than this are left out

# Ratios to `zstd -19 --patch-from` quoted by the issue, for comparison.
ISSUE_BAR = {"xd3djw": 1.05, "xd3": 1.15, "bsdiff": 1.36, "gzip": 7.0}

# Debian package of each program the benchmark runs.
PROGRAMS = {"bsdiff": "bsdiff", "bspatch": "bsdiff", "xdelta3": "xdelta3", "zstd": "zstd",
            "gzip": "gzip", "npm": "npm", "/usr/bin/time": "time", "git": "git"}

SIZE_CLASSES = [(0, 4096, "under 4 KiB"), (4096, 32768, "4-32 KiB"),
                (32768, 1 << 62, "32 KiB and over")]

TIMEOUT = 600
REPEAT = 3        # decodes per patch; the best time counts
START_REPEAT = 10  # decodes of a 2-byte file, for the process start-up cost


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw).stdout


def have(prog):
    return os.path.exists(prog) if prog.startswith("/") else shutil.which(prog) is not None


def ensure_programs():
    """Installs the Debian packages of missing programs only (npm, say, may
    come from elsewhere)."""
    missing = sorted({pkg for prog, pkg in PROGRAMS.items() if not have(prog)})
    if missing:
        log("missing programs, installing Debian packages: " + " ".join(missing))
        subprocess.run([os.path.join(ROOT, "scripts", "install-deps.sh")] + missing)
    still = [prog for prog in PROGRAMS if not have(prog)]
    if still:
        sys.exit("delta bench: still missing after scripts/install-deps.sh: " + ", ".join(still))


# ---------------------------------------------------------------- tools

def tool_specs(ota):
    """Each tool: the patch file it writes, how it encodes and decodes, run in
    the pair's work directory where the files are `old` and `new` (so that
    names stored in headers, as xdelta3 does, cost the same few bytes)."""
    return [
        {"key": "gzip", "label": "gzip -9 (new file alone)", "patch": "p.gz",
         "enc": ["gzip", "-9", "-n", "-c", "new"], "enc_stdout": True,
         "dec": ["gzip", "-d", "-c", "p.gz"], "dec_stdout": True},
        {"key": "bsdiff", "label": "bsdiff", "patch": "p.bsdiff",
         "enc": ["bsdiff", "old", "new", "p.bsdiff"],
         "dec": ["bspatch", "old", "out", "p.bsdiff"]},
        {"key": "xd3djw", "label": "xdelta3 -9 -S djw", "patch": "p.xd3djw",
         "enc": ["xdelta3", "-9", "-S", "djw", "-e", "-s", "old", "new", "p.xd3djw"],
         "dec": ["xdelta3", "-d", "-s", "old", "p.xd3djw", "out"]},
        {"key": "xd3", "label": "xdelta3 -9", "patch": "p.xd3",
         "enc": ["xdelta3", "-9", "-e", "-s", "old", "new", "p.xd3"],
         "dec": ["xdelta3", "-d", "-s", "old", "p.xd3", "out"]},
        {"key": "zstd", "label": "zstd -19 --patch-from", "patch": "p.zst",
         "enc": ["zstd", "-q", "-19", "--patch-from=old", "new", "-o", "p.zst"],
         "dec": ["zstd", "-q", "-d", "--patch-from=old", "p.zst", "-o", "out"]},
        {"key": "ours", "label": "ours (`ota delta`)", "patch": "p.ota",
         "enc": [ota, "delta", "old", "new", "-o", "p.ota"],
         "dec": [ota, "delta", "--apply", "old", "p.ota", "-o", "out", "--json"], "json": True},
    ]


DELTA_KEYS = ["gzip", "bsdiff", "xd3djw", "xd3", "zstd", "ours"]


def clean(work, names):
    for n in names:
        p = os.path.join(work, n)
        if os.path.exists(p):
            os.remove(p)


def encode(tool, work):
    """Returns (patch bytes or None, seconds, error)."""
    clean(work, [tool["patch"]])
    t0 = time.perf_counter()
    try:
        if tool.get("enc_stdout"):
            with open(os.path.join(work, tool["patch"]), "wb") as out:
                p = subprocess.run(tool["enc"], cwd=work, stdout=out, stderr=subprocess.PIPE,
                                   timeout=TIMEOUT)
        else:
            p = subprocess.run(tool["enc"], cwd=work, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, TIMEOUT, f"encoder timed out after {TIMEOUT} s"
    except OSError as e:
        return None, 0.0, f"encoder did not start: {e}"
    secs = time.perf_counter() - t0
    patch = os.path.join(work, tool["patch"])
    if p.returncode != 0 or not os.path.exists(patch):
        return None, secs, f"encoder exit {p.returncode}: {first_line(p.stderr)}"
    return os.path.getsize(patch), secs, None


def decode_once(tool, work):
    """One decode into `out`: (seconds, json report or None, error)."""
    clean(work, ["out"])
    t0 = time.perf_counter()
    try:
        if tool.get("dec_stdout"):
            with open(os.path.join(work, "out"), "wb") as out:
                p = subprocess.run(tool["dec"], cwd=work, stdout=out, stderr=subprocess.PIPE,
                                   timeout=TIMEOUT)
        else:
            p = subprocess.run(tool["dec"], cwd=work, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return TIMEOUT, None, f"decoder timed out after {TIMEOUT} s"
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        return secs, None, f"decoder exit {p.returncode}: {first_line(p.stderr)}"
    report = None
    if tool.get("json"):
        text = p.stdout.decode("utf-8", "replace").strip()
        for candidate in (text, text.splitlines()[-1] if text else ""):
            try:
                report = json.loads(candidate)
                break
            except ValueError:
                report = None
        if not isinstance(report, dict):
            report = None
    return secs, report, None


def decode(tool, work, expect, repeat):
    """Decodes `repeat` times, checks the first output against `expect`.
    Returns a dict: ok, error, best wall seconds, best self-reported
    seconds and decoder memory (ours)."""
    res = {"ok": False, "error": None, "wall": None, "self": None, "mem": None}
    for i in range(repeat):
        secs, report, err = decode_once(tool, work)
        if err:
            res["error"] = err
            return res
        if i == 0:
            with open(os.path.join(work, "out"), "rb") as f:
                got = f.read()
            if got != expect:
                res["error"] = (f"round trip differs: {len(got)} bytes out, "
                                f"{len(expect)} expected")
                return res
        res["wall"] = secs if res["wall"] is None else min(res["wall"], secs)
        if report is not None:
            if isinstance(report.get("seconds"), (int, float)):
                s = float(report["seconds"])
                res["self"] = s if res["self"] is None else min(res["self"], s)
            if isinstance(report.get("decoder_memory_bytes"), int):
                res["mem"] = report["decoder_memory_bytes"]
    res["ok"] = True
    return res


def first_line(data):
    text = data.decode("utf-8", "replace").strip() if isinstance(data, bytes) else str(data)
    return text.splitlines()[0][:200] if text else "(no message)"


def write_pair(work, old, new):
    os.makedirs(work, exist_ok=True)
    for name, data in (("old", old), ("new", new)):
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)


def probe_ours(ota, work):
    """Tries `ota delta` on a small pair. Returns (why ours is n/a, or None;
    a note when it makes patches but the probe did not round-trip: then it
    runs on the corpus anyway and its failures are reported)."""
    if not os.path.exists(ota):
        return f"`{ota}` does not exist (not built)", None
    old = b"".join(b"line %d of the old file\n" % i for i in range(200))
    new = old.replace(b"line 1", b"LINE 1") + b"and one more\n"
    write_pair(work, old, new)
    tool = [t for t in tool_specs(ota) if t["key"] == "ours"][0]
    size, _, err = encode(tool, work)
    if err:
        return "`ota delta` failed on a probe pair: " + err, None
    res = decode(tool, work, new, 1)
    if not res["ok"]:
        return None, "`ota delta --apply` failed on the probe pair: " + res["error"]
    return None, None


def startup_costs(tools, work):
    """Best wall time to decode a 2-byte file: what starting the process
    costs each decoder (exec, dynamic linking, set-up)."""
    write_pair(work, b"a\n", b"b\n")
    costs, sizes = {}, {}
    for t in tools:
        size, _, err = encode(t, work)
        if err:
            continue
        sizes[t["key"]] = size
        res = decode(t, work, b"b\n", START_REPEAT)
        if res["ok"]:
            costs[t["key"]] = res["wall"]
    return costs, sizes


def peak_rss(tool, work):
    """Peak RSS (KiB) of the decoder process, by /usr/bin/time -f %M."""
    clean(work, ["out", "rss"])
    cmd = ["/usr/bin/time", "-f", "%M", "-o", "rss"] + tool["dec"]
    if tool.get("dec_stdout"):
        with open(os.path.join(work, "out"), "wb") as out:
            p = subprocess.run(cmd, cwd=work, stdout=out, stderr=subprocess.PIPE, timeout=TIMEOUT)
    else:
        p = subprocess.run(cmd, cwd=work, capture_output=True, timeout=TIMEOUT)
    if p.returncode != 0:
        return None
    with open(os.path.join(work, "rss")) as f:
        return int(f.read().strip().splitlines()[-1])


# ---------------------------------------------------------------- corpus

def npm_env():
    env = dict(os.environ)
    env.update({"npm_config_update_notifier": "false", "npm_config_fund": "false",
                "npm_config_audit": "false", "npm_config_loglevel": "error"})
    return env


def fetch_npm(cache, name, version):
    """`npm pack NAME@VERSION` into the cache, unpacked once; returns the
    directory of the package's files (the tarball's top directory removed)."""
    base = os.path.join(cache, "npm", name)
    tree = os.path.join(base, version)
    if os.path.exists(os.path.join(tree, ".complete")):
        return tree
    os.makedirs(base, exist_ok=True)
    tgz = os.path.join(base, f"{name}-{version}.tgz")
    if not os.path.exists(tgz):
        log(f"  npm pack {name}@{version}")
        p = subprocess.run(["npm", "pack", f"{name}@{version}"], cwd=base, env=npm_env(),
                           capture_output=True, timeout=TIMEOUT)
        if p.returncode != 0 or not os.path.exists(tgz):
            sys.exit(f"delta bench: npm pack {name}@{version} failed: {first_line(p.stderr)}")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with tarfile.open(tgz, "r:gz") as tar:
        for m in tar.getmembers():
            parts = m.name.split("/", 1)
            if not m.isfile() or len(parts) < 2 or ".." in parts[1].split("/"):
                continue
            dest = os.path.join(tree, parts[1])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with tar.extractfile(m) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
    open(os.path.join(tree, ".complete"), "w").close()
    return tree


def read_tree(tree):
    files = {}
    for dp, _, fs in os.walk(tree):
        for f in fs:
            full = os.path.join(dp, f)
            rel = os.path.relpath(full, tree)
            if rel == ".complete":
                continue
            with open(full, "rb") as fh:
                files[rel] = fh.read()
    return files


def diff_trees(old, new):
    """(changed [(path, old bytes, new bytes)], added {path: bytes}, deleted count)"""
    changed = [(p, old[p], new[p]) for p in sorted(old) if p in new and old[p] != new[p]]
    added = {p: new[p] for p in sorted(new) if p not in old}
    deleted = sum(1 for p in old if p not in new)
    return changed, added, deleted


def npm_corpus(cache, packages):
    steps = []
    for name, versions in packages:
        trees = [read_tree(fetch_npm(cache, name, v)) for v in versions]
        for i in range(1, len(versions)):
            changed, added, deleted = diff_trees(trees[i - 1], trees[i])
            steps.append({"corpus": "npm", "group": name,
                          "step": f"{name} {versions[i - 1]} -> {versions[i]}",
                          "changed": changed, "added": added, "deleted": deleted,
                          "skipped": 0})
    return steps


def git(*args):
    return run(["git", "-C", ROOT] + list(args))


def ls_tree(commit):
    """{path: (blob id, size)} of a commit's regular files."""
    out = {}
    for entry in git("ls-tree", "-r", "-l", "-z", commit).split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        mode, kind, sha, size = meta.split()
        if kind == b"blob" and not mode.startswith(b"120"):
            out[path.decode("utf-8", "surrogateescape")] = (sha.decode(), int(size))
    return out


def git_corpus(count):
    commits = git("rev-list", "--first-parent", "-n", str(count + 1), "HEAD").decode().split()
    commits.reverse()
    steps = []
    trees = {}
    for parent, commit in zip(commits, commits[1:]):
        for c in (parent, commit):
            if c not in trees:
                trees[c] = ls_tree(c)
        old, new = trees[parent], trees[commit]
        names = git("diff", "--name-only", "--no-renames", "-z", parent, commit).split(b"\0")
        changed, added, deleted, skipped = [], {}, 0, 0

        def show(c, p):
            return git("show", f"{c}:{p}")
        for raw in names:
            if not raw:
                continue
            path = raw.decode("utf-8", "surrogateescape")
            if path in old and path in new:
                if old[path][0] == new[path][0]:
                    continue      # mode change only
                if max(old[path][1], new[path][1]) > GIT_SKIP_BYTES:
                    a, b = show(parent, path), show(commit, path)
                    if b"\0" in a[:8000] or b"\0" in b[:8000]:
                        skipped += 1
                        continue
                    changed.append((path, a, b))
                else:
                    changed.append((path, show(parent, path), show(commit, path)))
            elif path in new:
                added[path] = show(commit, path)
            elif path in old:
                deleted += 1
        subject = git("log", "-1", "--format=%s", commit).decode().strip()
        steps.append({"corpus": "git", "group": "git", "step": f"{commit[:7]} {subject[:60]}",
                      "changed": changed, "added": added, "deleted": deleted,
                      "skipped": skipped})
    return steps, commits


# ---------------------------------------------------------------- measuring

def measure(steps, tools, work):
    """Every tool on every changed file of every step."""
    records = []
    total = sum(len(s["changed"]) for s in steps)
    n = 0
    for s in steps:
        for path, old, new in s["changed"]:
            n += 1
            if n % 25 == 1 or n == total:
                log(f"  [{n}/{total}] {s['step']}: {path}")
            write_pair(work, old, new)
            rec = {"corpus": s["corpus"], "group": s["group"], "step": s["step"],
                   "path": path, "old": len(old), "new": len(new), "tools": {}}
            for t in tools:
                size, esecs, err = encode(t, work)
                r = {"bytes": size, "enc": esecs, "error": err, "ok": False}
                if not err:
                    d = decode(t, work, new, REPEAT)
                    r.update({"ok": d["ok"], "error": d["error"], "dec": d["wall"],
                              "self": d["self"], "mem": d["mem"]})
                rec["tools"][t["key"]] = r
            records.append(rec)
    return records


def gzip_size(data, work):
    write_pair(work, b"", data)
    return len(run(["gzip", "-9", "-n", "-c", "new"], cwd=work))


def totals(records, key):
    """Bytes over the records: a file for which the tool made no patch counts
    as its full new size (what an updater would send instead)."""
    if key == "full":
        return sum(r["new"] for r in records)
    return sum(r["tools"][key]["bytes"] if r["tools"].get(key, {}).get("bytes") is not None
               else r["new"] for r in records)


def failures(records, key):
    return [r for r in records if key in r["tools"] and not r["tools"][key]["ok"]]


def ratio_cell(records, key, base):
    """Ratio of a tool's total to `base`, flagged when some of its patches
    did not round-trip."""
    cell = fmt_ratio(totals(records, key) / base) if base else "n/a"
    n = len(failures(records, key))
    return cell + (f" ({n} of {len(records)} failed)" if n else "")


# ---------------------------------------------------------------- report

def fmt_ratio(x):
    return f"{x:.2f}x" if x is not None else "n/a"


def tool_versions(ota, ours_ok):
    def dpkg(pkg):
        p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                           text=True)
        return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else None

    def out(cmd):
        p = subprocess.run(cmd, capture_output=True, text=True)
        return first_line(p.stdout or p.stderr)
    rows = [
        ("gzip", out(["gzip", "--version"]), dpkg("gzip")),
        ("bsdiff / bspatch", "bsdiff 4.3 (no --version)", dpkg("bsdiff")),
        ("xdelta3", out(["xdelta3", "-V"]).split(",")[0], dpkg("xdelta3")),
        ("zstd", out(["zstd", "--version"]).strip("* "), dpkg("zstd")),
        ("GNU time (peak RSS)", "/usr/bin/time", dpkg("time")),
        ("npm / node", f"npm {out(['npm', '--version'])}, node {out(['node', '--version'])}",
         dpkg("npm") or "not from Debian"),
        ("git", out(["git", "--version"]), dpkg("git")),
    ]
    if os.path.exists(ota):
        rows.append(("ota", out([ota, "--version"]) + ("" if ours_ok else " (no working `delta`)"),
                     "built from this work tree"))
    return rows


def machine():
    model = cpu_model()
    return (f"{len(os.sched_getaffinity(0))} CPUs (nproc), {model}, {platform.machine()}, "
            f"Linux {platform.release()}")


def size_table(records, keys, labels, added):
    zstd = totals(records, "zstd")
    full = totals(records, "full")
    lines = ["| tool | bytes | ratio to zstd -19 --patch-from | share of full size | "
             "failures (no patch, or wrong output) |", "|---|---:|---:|---:|---:|"]
    for key in ["full"] + keys:
        if key not in labels:
            continue
        if key != "full" and labels.get(key + "_na"):
            lines.append(f"| {labels[key]} | n/a | n/a | n/a | n/a |")
            continue
        b = totals(records, key)
        fails = "" if key == "full" else str(len(failures(records, key)))
        lines.append(f"| {labels[key]} | {b:,} | {fmt_ratio(b / zstd if zstd else None)} | "
                     f"{100.0 * b / full:.1f}% | {fails} |")
    lines.append("")
    lines.append(f"{len(records):,} changed files, {full:,} bytes new; "
                 f"{added['count']:,} added files ({added['bytes']:,} bytes, "
                 f"{added['gzip']:,} with gzip -9, counted apart), "
                 f"{added['deleted']:,} deleted files (cost nothing)"
                 + (f", {added['skipped']} binaries over 1 MB left out" if added['skipped'] else "")
                 + ".")
    return lines


def added_summary(steps, work):
    a = {"count": 0, "bytes": 0, "gzip": 0, "deleted": 0, "skipped": 0}
    for s in steps:
        a["count"] += len(s["added"])
        a["bytes"] += sum(len(d) for d in s["added"].values())
        a["gzip"] += sum(gzip_size(d, work) for d in s["added"].values())
        a["deleted"] += s["deleted"]
        a["skipped"] += s["skipped"]
    return a


def report(ctx):
    records, steps, labels = ctx["records"], ctx["steps"], ctx["labels"]
    keys = DELTA_KEYS
    npm_recs = [r for r in records if r["corpus"] == "npm"]
    git_recs = [r for r in records if r["corpus"] == "git"]
    work = ctx["work"]
    added = {c: added_summary([s for s in steps if s["corpus"] == c], work) for c in ("npm", "git")}
    added_all = {k: added["npm"][k] + added["git"][k] for k in added["npm"]}
    ours_na = labels.get("ours_na")

    L = ["# Delta updates against the usual tools", ""]
    if ctx["quick"]:
        L += ["Generated by `" + ctx["command"] + "`, a smoke run. The benchmark itself",
              "is `make bench`.", ""]
    else:
        L += ["Generated by `bench/delta/run.py`; regenerate every figure on this page with",
              "`make bench` (a Release build of `ota`, the update benchmarks, then",
              "`python3 bench/delta/run.py --ota build-release/ota`). Do not edit by hand.",
              "This page came from `" + ctx["command"] + "`.", ""]
    L += [f"- Run: {ctx['date']}, {ctx['elapsed']:.0f} s; load average "
          f"{ctx['load'][0]:.2f} at the start and {ctx['load'][1]:.2f} at the end"
          + (" (other work shared the machine)." if max(ctx["load"]) >= 0.5 else "."),
          f"- Machine: {machine()}.",
          f"- Repository: {ctx['head']}.", ""]
    if ctx["quick"]:
        L += ["**Quick smoke run (`--quick`): a small corpus, not the benchmark.**", ""]
    L += ["## What was measured", "",
          "Per changed file (a path present in both versions whose bytes differ), the",
          "bytes each tool needs to turn the old file into the new one, summed over",
          "the corpus. Every patch was applied again with the tool's own decoder and",
          "the output compared byte for byte with the new file; the failures column",
          "counts the files where that did not hold (a tool that made no patch at all",
          "is counted at the full new size). Headers and checksums each tool writes by",
          "default are included (zstd's 4-byte checksum, xdelta3's Adler-32 and its",
          "application header, which holds the file names `old`/`new`, bsdiff's",
          "32-byte header). Patches are per file: no tool sees other files.", "",
          "The last column is the patch for a 2-byte file changed to another 2-byte",
          "file (`a\\n` to `b\\n`): the fixed cost of each format's framing, which",
          "weighs on a corpus where most patches are small.", "",
          "| tool | encode | decode | 2-byte change (bytes) |", "|---|---|---|---:|"]
    for t in tool_specs(ctx["ota"]):
        enc = " ".join(os.path.basename(a) if a == ctx["ota"] else a for a in t["enc"])
        dec = " ".join(os.path.basename(a) if a == ctx["ota"] else a for a in t["dec"])
        if t.get("enc_stdout"):
            enc += " > " + t["patch"]
        if t.get("dec_stdout"):
            dec += " > out"
        L.append(f"| {labels[t['key']]} | `{enc}` | `{dec}` | {ctx['tiny'].get(t['key'], 'n/a')} |")
    L += ["", "zstd is given no `--long`/`--zstd=` options: `--patch-from` sizes the window",
          "to the files, and the decoder needs `--long` only past a 128 MiB window. The",
          f"largest file here is {ctx['largest']:,} bytes, the concatenated corpus "
          f"(see the decoders) {max(ctx['concat']['old'], ctx['concat']['new']):,}.", ""]
    if ours_na:
        L += [f"**Ours: n/a.** {ours_na}. The column is left as n/a until `ota delta`",
              "works; rerun `make bench` then.", ""]
    elif ctx["ours_note"]:
        L += [f"**Ours did not round-trip a probe pair** ({ctx['ours_note']}); it was",
              "measured anyway: see the failures column and the list of failures.", ""]

    L += ["## Corpus", "", "Fetched at benchmark time into a cache directory outside the "
          "repository (`--cache`; here `" + ctx["cache"] + "`), never committed.", ""]
    L += ["npm (`npm pack NAME@VERSION`, unpacked; each consecutive pair of versions is one "
          "update step):", ""]
    for name, versions in ctx["packages"]:
        L.append(f"- {name} {versions[0]} to {versions[-1]} ({len(versions)} versions: "
                 f"{', '.join(versions)})")
    c = ctx["commits"]
    L += ["", f"git: this repository's last {len(c) - 1} first-parent commits, each against "
          f"its parent: {c[0][:7]}..{c[-1][:7]} (`git diff --name-only`, blobs by "
          "`git show COMMIT:PATH`; binaries over 1 MB left out). Committed history only,",
          "not the work tree.", ""]

    L += ["## Patch bytes", ""]
    for title, recs, add in (("npm packages", npm_recs, added["npm"]),
                             ("This repository's git history", git_recs, added["git"]),
                             ("Overall", records, added_all)):
        L += [f"### {title}", ""]
        if not recs:
            L += ["(no changed files)", ""]
            continue
        L += size_table(recs, keys, labels, add) + [""]

    L += ["### Overall, by size of the new file", "",
          "Ratio to `zstd -19 --patch-from` within each size class: fixed framing",
          "costs weigh most on small files.", "",
          "| new file size | files | zstd bytes | " +
          " | ".join(labels[k] for k in keys if k != "zstd") + " |",
          "|---|---:|---:|" + "---:|" * (len(keys) - 1)]
    for lo, hi, name in SIZE_CLASSES:
        recs = [r for r in records if lo <= r["new"] < hi]
        if not recs:
            continue
        z = totals(recs, "zstd")
        cells = ["n/a" if (k == "ours" and ours_na) else ratio_cell(recs, k, z)
                 for k in keys if k != "zstd"]
        L.append(f"| {name} | {len(recs)} | {z:,} | " + " | ".join(cells) + " |")
    L.append("")

    zstd = totals(records, "zstd")
    L += ["### Against the issue's figures", "",
          "Ratios to `zstd -19 --patch-from` over the whole corpus, next to those the",
          "issue quotes.", "", "| tool | measured here | issue |", "|---|---:|---:|"]
    for key in ["xd3djw", "xd3", "bsdiff", "gzip", "ours"]:
        m = "n/a" if (key == "ours" and ours_na) else ratio_cell(records, key, zstd)
        issue = fmt_ratio(ISSUE_BAR[key]) if key in ISSUE_BAR else "-"
        L.append(f"| {labels[key]} | {m} | {issue} |")
    L.append("")

    if npm_recs:
        L += ["### Per npm package", "",
              f"Bytes per tool over each package's {len(ctx['packages'][0][1]) - 1} update "
              "steps (changed files only).",
              ""]
        head = "| package | files | " + " | ".join(labels[k] for k in ["full"] + keys) + \
               " | ours / zstd |"
        L += [head, "|---|" + "---:|" * (len(keys) + 3)]
        for name, _ in ctx["packages"]:
            recs = [r for r in npm_recs if r["group"] == name]
            if not recs:
                continue
            cells = [f"{totals(recs, 'full'):,}"]
            for k in keys:
                cells.append("n/a" if (k == "ours" and ours_na) else f"{totals(recs, k):,}")
            z = totals(recs, "zstd")
            ratio = "n/a" if ours_na else ratio_cell(recs, "ours", z)
            L.append(f"| {name} | {len(recs)} | " + " | ".join(cells) + f" | {ratio} |")
        L.append("")

    fails = [(k, r) for k in keys for r in failures(records, k)
             if not (k == "ours" and ours_na)]
    L += ["### Round-trip failures", ""]
    if fails:
        L += ["| tool | step | file | error |", "|---|---|---|---|"]
        for k, r in fails[:50]:
            L.append(f"| {labels[k]} | {r['step']} | {r['path']} | {r['tools'][k]['error']} |")
        if len(fails) > 50:
            L.append(f"| ... | {len(fails) - 50} more | | |")
    else:
        L.append("None: every patch of every tool rebuilt the new file exactly.")
    L.append("")

    L += decoder_section(ctx, labels, records) + [""]
    L += ["## Caveats", "",
          "- Each file is patched on its own against its own previous version. Added",
          "  files are sent whole here; a delta that may reference other files (as",
          "  ours may later) could send less for them, and for renames.",
          "- The npm corpus is what `npm pack` publishes (sources, maps, typings,",
          "  README and package.json); package.json changes at every step.",
          "- The git corpus is this project's own C, Python and Markdown: a few",
          "  large, often-edited files weigh most.",
          "- Times are wall-clock and vary from run to run, the more so when other work",
          "  shares the machine (see the load average above). Byte counts do not vary.",
          "- The other tools' ratios to zstd come out higher here than the issue's",
          "  figures. Per-patch framing explains part of it (the 2-byte change column,",
          "  and most files here are small), but the size-class table shows the gap on",
          "  files of 32 KiB and over too; the issue does not say on what corpus its",
          "  figures were taken.",
          "- Ours is run exactly as the contract says (`ota delta OLD NEW -o PATCH`, one",
          "  source); options it may have beyond that (more source files) are not",
          "  exercised.",
          ""]
    return "\n".join(L)


def decoder_section(ctx, labels, records):
    L = ["## Decoders: peak memory and throughput", ""]
    lg, cc = ctx["largest_rec"], ctx["concat"]
    L += ["Peak RSS is `/usr/bin/time -f %M` of the decoder process, the whole process:",
          "program, libc and other shared libraries, and buffers for whole files where",
          "the tool keeps them (bspatch reads old, new and patch into memory). It is a",
          "ceiling for what a device would need, not the decoder's own state. Measured",
          f"on the patch of the largest changed file ({lg['step']}: `{lg['path']}`,",
          f"{lg['old']:,} -> {lg['new']:,} bytes), and on the concatenated corpus below.",
          "",
          "Throughput is MB (10^6 bytes) of output per second, each figure the best of",
          f"{REPEAT} decodes:", "",
          f"- per file: over every changed file of the corpus ({totals(records, 'full'):,} "
          "bytes), one decoder process per file, wall time as run. Files are small, so",
          "  this is dominated by starting the process (the start-up column: best of",
          f"  {START_REPEAT} decodes of a 2-byte file);",
          f"- concatenated: every old file of the corpus one after the other "
          f"({cc['old']:,} bytes) to every new file ({cc['new']:,} bytes), one patch and",
          "  one decoder process, so start-up is negligible: the decoders' own speed;",
          "- decoder's own time, ours only: the `seconds` that `ota delta --apply --json`",
          "  reports, the decoder alone (no process start-up, no argument parsing); per",
          "  file / concatenated.", "",
          "| decoder | peak RSS, largest file (KiB) | peak RSS, concatenated (KiB) | "
          "decoder state (bytes) | MB/s per file | start-up (ms) | MB/s concatenated | "
          "MB/s, decoder's own time |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for t in ctx["tools"]:
        k = t["key"]
        ok = [r for r in records if r["tools"][k]["ok"]]
        out_b = sum(r["new"] for r in ok)
        wall = sum(r["tools"][k]["dec"] for r in ok)
        start = ctx["startup"].get(k)
        rss, crss = ctx["rss"].get(k), cc["rss"].get(k)
        c = cc["tools"].get(k, {})
        mem = self_rate = "-"
        if k == "ours":
            mems = [r["tools"][k]["mem"] for r in ok if r["tools"][k]["mem"] is not None]
            mem = f"{max(mems):,}" if mems else "not reported"
            selfs = [r["tools"][k]["self"] for r in ok if r["tools"][k]["self"] is not None]
            per = (f"{out_b / sum(selfs) / 1e6:.1f}" if selfs and sum(selfs) > 0
                   and len(selfs) == len(ok) else "not reported")
            whole = (f"{cc['new'] / c['self'] / 1e6:.1f}" if c.get("ok") and c.get("self")
                     else "failed" if not c.get("ok") else "not reported")
            self_rate = f"{per} / {whole}"
        partial = "" if len(ok) == len(records) else f" ({len(ok)} of {len(records)} files)"
        cells = [labels[k] + partial,
                 f"{rss:,}" if rss is not None else "failed",
                 f"{crss:,}" if crss is not None else "failed", mem,
                 f"{out_b / wall / 1e6:.1f}" if wall else "n/a",
                 f"{start * 1e3:.2f}" if start is not None else "n/a",
                 f"{cc['new'] / c['dec'] / 1e6:.1f}" if c.get("ok") else "failed",
                 self_rate]
        L.append("| " + " | ".join(cells) + " |")
    if labels.get("ours_na"):
        L.append(f"| {labels['ours']} | n/a | n/a | n/a | n/a | n/a | n/a | n/a |")
    L += ["", "gzip's decoder rebuilds the new file from its compressed copy alone; it is",
          "there for scale. Decoder state for ours is `decoder_memory_bytes` of",
          "`ota delta --apply --json`: the decoder's whole state, fixed at compile time",
          "(the process around it is the `ota` command, which links libcurl and",
          "OpenSSL, and which reads the old file and the patch whole and collects the",
          "output in memory before writing it; a device streams them). Its `seconds`",
          "are as `ota delta --apply` measures them around feeding the patch to the",
          "decoder.", "",
          "Patch bytes for the concatenated corpus (one patch, matches may cross",
          "files; for reference only, the tables above are per file):", "",
          "| tool | bytes | ratio to zstd -19 --patch-from | encode seconds |",
          "|---|---:|---:|---:|"]
    z = cc["tools"].get("zstd", {}).get("bytes")
    for t in ctx["tools"]:
        c = cc["tools"].get(t["key"], {})
        b = c.get("bytes")
        if b is None:
            L.append(f"| {labels[t['key']]} | failed: {c.get('error')} | n/a | n/a |")
            continue
        fail = "" if c.get("ok") else f" ({c.get('error')})"
        L.append(f"| {labels[t['key']]} | {b:,}{fail} | "
                 f"{fmt_ratio(b / z) if z else 'n/a'} | {c['enc']:.1f} |")
    if labels.get("ours_na"):
        L.append(f"| {labels['ours']} | n/a | n/a | n/a |")
    return L


def concatenated(steps, tools, work):
    """Every tool on one pair: all old files of the corpus one after the other,
    and all new files likewise. Patch bytes, decode time and peak RSS."""
    old = b"".join(o for s in steps for _, o, _ in s["changed"])
    new = b"".join(n for s in steps for _, _, n in s["changed"])
    write_pair(work, old, new)
    res = {"old": len(old), "new": len(new), "tools": {}, "rss": {}}
    for t in tools:
        log(f"  concatenated corpus: {t['label']}")
        size, esecs, err = encode(t, work)
        r = {"bytes": size, "enc": esecs, "error": err, "ok": False}
        if not err:
            d = decode(t, work, new, REPEAT)
            r.update({"ok": d["ok"], "error": d["error"], "dec": d["wall"], "self": d["self"],
                      "mem": d["mem"]})
            res["rss"][t["key"]] = peak_rss(t, work)
        res["tools"][t["key"]] = r
    return res


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ota", default=os.path.join(ROOT, "build-release", "ota"),
                        help="the ota binary (default: build-release/ota)")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(),
                                                        "ota-delta-bench-cache"),
                        help="corpus cache, outside the repository")
    parser.add_argument("--commits", type=int, default=None,
                        help=f"git commits of this repository (default {COMMITS})")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK['packages']} packages x {QUICK['versions']} "
                             f"versions, {QUICK['commits']} commits")
    parser.add_argument("--out", default=None,
                        help="report (default bench/delta/RESULTS.md; with --quick, "
                             "RESULTS-quick.md in the cache)")
    args = parser.parse_args()
    started = time.time()
    load0 = os.getloadavg()[0]
    ota = os.path.abspath(args.ota)
    cache = os.path.abspath(args.cache)
    if cache == ROOT or cache.startswith(ROOT + os.sep):
        sys.exit("delta bench: the cache must be outside the repository")
    os.makedirs(cache, exist_ok=True)
    out = args.out or (os.path.join(cache, "RESULTS-quick.md") if args.quick
                       else os.path.join(HERE, "RESULTS.md"))
    ncommits = args.commits or (QUICK["commits"] if args.quick else COMMITS)
    packages = [(n, v[:QUICK["versions"]]) for n, v in PACKAGES[:QUICK["packages"]]] \
        if args.quick else PACKAGES

    ensure_programs()
    work = tempfile.mkdtemp(prefix="work-", dir=cache)
    try:
        ours_na, ours_note = probe_ours(ota, work)
        if ours_na:
            log("ours: n/a: " + ours_na)
        if ours_note:
            log("ours: " + ours_note + " (measured anyway)")
        tools = [t for t in tool_specs(ota) if not (ours_na and t["key"] == "ours")]
        labels = {"full": "full new file"}
        labels.update({t["key"]: t["label"] for t in tool_specs(ota)})
        if ours_na:
            labels["ours_na"] = ours_na

        log("corpus: npm")
        steps = npm_corpus(cache, packages)
        log(f"corpus: git, last {ncommits} commits")
        gsteps, commits = git_corpus(ncommits)
        steps += gsteps

        log("measuring " + ", ".join(t["label"] for t in tools))
        startup, tiny = startup_costs(tools, work)
        records = measure(steps, tools, work)
        if not records:
            sys.exit("delta bench: no changed files in the corpus")
        # keep the ours key present (not ok) so tables can say n/a
        for r in records:
            r["tools"].setdefault("ours", {"bytes": None, "ok": False, "error": ours_na,
                                           "dec": None, "self": None, "mem": None})

        largest = max(records, key=lambda r: r["new"])
        step = [s for s in steps if s["step"] == largest["step"]][0]
        old_b = [o for p, o, n in step["changed"] if p == largest["path"]][0]
        new_b = [n for p, o, n in step["changed"] if p == largest["path"]][0]
        write_pair(work, old_b, new_b)
        rss = {}
        for t in tools:
            if encode(t, work)[2] is None:
                rss[t["key"]] = peak_rss(t, work)
        concat = concatenated(steps, tools, work)

        head = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip()
        command = "python3 bench/delta/run.py" + (" --quick" if args.quick else "")
        command += " --ota " + (os.path.relpath(ota, ROOT) if ota.startswith(ROOT + os.sep)
                                else ota)
        if args.commits:
            command += f" --commits {args.commits}"
        ctx = {"records": records, "steps": steps, "labels": labels, "tools": tools,
               "work": work, "ota": ota, "cache": cache, "ours_note": ours_note,
               "packages": packages, "commits": commits, "startup": startup, "tiny": tiny,
               "rss": rss, "concat": concat, "largest_rec": largest,
               "largest": max(max(r["new"], r["old"]) for r in records),
               "quick": args.quick, "command": command,
               "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
               "head": f"commit {head} (`git describe --always --dirty`; the `ota` binary "
                       "is built from the work tree)",
               "load": (load0, os.getloadavg()[0])}
        ctx["elapsed"] = time.time() - started
        text = report(ctx)
        text += "\n## Tool versions\n\n| tool | version | Debian package |\n|---|---|---|\n"
        for name, ver, pkg in tool_versions(ota, not ours_na):
            text += f"| {name} | {ver} | {pkg or '-'} |\n"
        with open(out, "w") as f:
            f.write(text)
        with open(os.path.join(cache, "results-quick.json" if args.quick else "results.json"),
                  "w") as f:
            json.dump({"records": records, "startup": startup, "rss": rss, "concat": concat},
                      f, indent=1)
        print(text)
        log(f"written: {out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
