#!/usr/bin/env python3
"""`make demo`: a real end-to-end update, offline.

Creates a sample application repository, serves it with the local
GitHub-compatible server, updates an empty device directory to v1 with the
real `ota` binary, pushes a change, updates again, and verifies every file on
the device against git."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Repo, Server, git  # noqa: E402

APP_V1 = {
    "main.py": "import lib.sensor\n\nprint('weather station v1')\n",
    "boot.py": "# runs first on every boot\n",
    "lib/sensor.py": "def read():\n    return 21.5\n",
    "lib/net.py": "TIMEOUT = 20\n",
    "static/logo.bin": bytes(range(256)) * 64,
    "docs/notes.md": "not for the device\n",
}


def step(text):
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() else f"\n==> {text}", flush=True)


def run_ota(ota, device, *args):
    cmd = [ota, *args, "--root", device]
    print("$ " + " ".join(os.path.relpath(c) if c == ota else c for c in cmd), flush=True)
    proc = subprocess.run(cmd)
    if proc.returncode not in (0, 10):
        sys.exit(f"demo failed: ota exited {proc.returncode}")
    return proc.returncode


def verify(repo, device, ignore):
    expected = {p: d for p, d in repo.files_at().items()
                if not any(p == r or p.startswith(r.rstrip("/") + "/") for r in ignore)}
    for path, data in expected.items():
        with open(os.path.join(device, path), "rb") as f:
            if f.read() != data:
                sys.exit(f"demo failed: {path} differs from git")
    with open(os.path.join(device, "version.json")) as f:
        version = json.load(f)
    if version["commit"] != git(repo.path, "rev-parse", "HEAD"):
        sys.exit("demo failed: version.json does not name the branch tip")
    print(f"verified: {len(expected)} files identical to git at {version['commit'][:7]},"
          f" version.json = {json.dumps(version)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ota", required=True, help="path to the ota binary")
    parser.add_argument("--keep", action="store_true", help="keep the demo directory")
    args = parser.parse_args()
    ota = os.path.abspath(args.ota)

    work = tempfile.mkdtemp(prefix="ota-demo-")
    repos, device = os.path.join(work, "repos"), os.path.join(work, "device")
    os.makedirs(device)
    server = None
    try:
        step("creating the sample application repository acme/station")
        repo = Repo(repos, "acme", "station")
        repo.commit(APP_V1, "v1")
        server = Server(repos, work)
        print(f"GitHub-compatible server: API {server.api}, raw {server.raw}")

        ignore = ["docs/"]
        config = {"owner": "acme", "repo": "station", "channel": "developer", "branch": "main",
                  "allow": [], "ignore": ignore, "api_url": server.api, "raw_url": server.raw,
                  "reset_mode": "none"}
        with open(os.path.join(device, "ota_config.json"), "w") as f:
            json.dump(config, f, indent=2)
        print("device config:", json.dumps(config))

        step("first update: empty device -> v1")
        run_ota(ota, device, "update")
        verify(repo, device, ignore)

        step("pushing a change to main (one file edited, one added, one removed)")
        repo.commit({"lib/sensor.py": "def read():\n    return 22.0  # recalibrated\n",
                     "lib/display.py": "WIDTH = 128\n", "lib/net.py": None}, "v2")

        step("checking for an update")
        run_ota(ota, device, "check")
        step("second update: only what changed travels")
        server.reset()
        run_ota(ota, device, "update")
        raw = [r["path"] for r in server.log() if r["host"] == "raw"]
        print(f"files downloaded this time: {len(raw)} ({', '.join(p.rsplit('/', 1)[-1] for p in raw)})")
        verify(repo, device, ignore)

        step("status")
        run_ota(ota, device, "status")
        step("the device restarts on the new version: `ota boot` counts a trial boot")
        run_ota(ota, device, "boot")
        step("the application works, so it confirms the version")
        run_ota(ota, device, "confirm")
        run_ota(ota, device, "status")
        step("demo complete: the device followed the branch, verified end to end")
    finally:
        if server:
            server.stop()
        if args.keep:
            print(f"demo files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
