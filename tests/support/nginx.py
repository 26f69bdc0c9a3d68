#!/usr/bin/env python3
"""nginx serving a directory on loopback, for tests of what a fleet sees.

A real nginx (Debian package `nginx`), run unprivileged: the configuration,
pid file, logs and temporary paths all live in a private directory, and
nothing is read from /etc/nginx. Static files get nginx's defaults: an ETag
(answered 304 to a matching If-None-Match) and byte ranges (206). Every
request is written to an access log that tests read back.

    from nginx import Nginx, MIRROR_LOCATIONS

    with Nginx("/path/to/mirror", locations=MIRROR_LOCATIONS) as web:
        urllib.request.urlopen(web.url("channels/stable.json"))
        web.requests()   # [{"method": "GET", "uri": "/channels/stable.json",
                         #   "status": 200, "bytes": 412, "range": "",
                         #   "if_none_match": ""}]

Usage as a command (serves until interrupted):

    nginx.py DIR [--mirror]
"""

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The cache headers of docs/fleet.md: a channel pointer must be revalidated
# on every poll, everything else is immutable (named by its content).
MIRROR_LOCATIONS = """
    location /channels/ {
        add_header Cache-Control "no-cache" always;
    }
    location ~ ^/(objects|manifests|deltas)/ {
        add_header Cache-Control "max-age=31536000, immutable" always;
    }
    location ~ /\\. {
        deny all;
    }
"""

# One line per request: tab-separated, each field as nginx escapes it.
LOG_FIELDS = ("method", "uri", "status", "bytes", "range", "if_none_match")
LOG_FORMAT = "\\t".join(["$request_method", "$uri", "$status", "$body_bytes_sent",
                         "$http_range", "$http_if_none_match"])

CONFIG = """
daemon off;
{user}worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/error.log warn;

events {{
    worker_connections 64;
}}

http {{
    log_format tests escape=none '{log_format}';
    access_log {state}/access.log tests;
    client_body_temp_path {state}/client_body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;

    types {{
        application/json json;
    }}
    default_type application/octet-stream;
    sendfile on;
    etag on;

    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
{locations}
    }}
}}
"""


def find_nginx():
    """The nginx binary, or None."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def ensure_nginx():
    """The nginx binary, installing the Debian package when it is missing
    (scripts/install-deps.sh, never prompting). (path, None) or (None, why)."""
    path = find_nginx()
    if path:
        return path, None
    script = os.path.join(ROOT, "scripts", "install-deps.sh")
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"], capture_output=True,
                                            stdin=subprocess.DEVNULL).returncode != 0:
        return None, ("nginx is not installed, and installing it needs root: "
                      "run scripts/install-deps.sh nginx")
    try:  # a new session: no terminal for anything to prompt on
        proc = subprocess.run(["sh", script, "nginx"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=600,
                              start_new_session=True)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"nginx is not installed and installing it failed: {e}"
    path = find_nginx()
    if path:
        return path, None
    return None, ("nginx is not installed and `scripts/install-deps.sh nginx` could not "
                  f"install it: {(proc.stderr or proc.stdout).strip()[-300:]}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx serving root on 127.0.0.1:<free port>; a context manager."""

    def __init__(self, root, locations="", binary=None):
        self.root = os.path.abspath(root)
        self.locations = locations
        self.binary = binary or find_nginx()
        self.state = None
        self.proc = None
        self.port = None
        self._log_start = 0

    # ---- life ---------------------------------------------------------------

    def start(self, attempts=5):
        if not self.binary:
            raise RuntimeError("nginx is not installed (scripts/install-deps.sh nginx)")
        self.state = tempfile.mkdtemp(prefix="ota-nginx-")
        for _ in range(attempts):  # another process may take the port first
            self.port = free_port()
            self._write_config()
            if self._launch():
                return self
        why = self.error_log()
        self.stop()
        raise RuntimeError("nginx did not start: " + why)

    def _worker_user(self):
        """Started as root, nginx switches its workers to nobody, who cannot
        read a private temporary directory: they run as its owner instead."""
        if os.geteuid() != 0:
            return ""
        owner = os.stat(self.root)
        return (f"user {pwd.getpwuid(owner.st_uid).pw_name} "
                f"{grp.getgrgid(owner.st_gid).gr_name};\n")

    def _write_config(self):
        text = CONFIG.format(state=self.state, port=self.port, root=self.root,
                             log_format=LOG_FORMAT, locations=self.locations,
                             user=self._worker_user())
        with open(os.path.join(self.state, "nginx.conf"), "w") as f:
            f.write(text)

    def _launch(self):
        self.proc = subprocess.Popen(
            [self.binary, "-p", self.state, "-c", os.path.join(self.state, "nginx.conf"),
             "-e", os.path.join(self.state, "error.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish what is being sent
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.state:
            shutil.rmtree(self.state, ignore_errors=True)
            self.state = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- use ------------------------------------------------------------------

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def error_log(self):
        try:
            with open(os.path.join(self.state, "error.log"), errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return "(no error log)"

    def requests(self):
        """Requests served since start (or the last forget_requests()), oldest
        first. nginx writes a request's line once it has answered it."""
        path = os.path.join(self.state, "access.log")
        if not os.path.exists(path):
            return []
        with open(path, "rb") as f:
            f.seek(self._log_start)
            lines = f.read().decode(errors="replace").splitlines()
        result = []
        for line in lines:
            entry = dict(zip(LOG_FIELDS, line.split("\t")))
            entry["status"] = int(entry["status"])
            entry["bytes"] = int(entry["bytes"])
            for key in ("range", "if_none_match"):
                entry[key] = "" if entry.get(key) in (None, "-") else entry[key]
            result.append(entry)
        return result

    def wait_requests(self, count, timeout=10):
        """requests(), once it holds at least count entries: nginx logs a
        request just after answering it, so the client can be faster."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.requests()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def forget_requests(self):
        path = os.path.join(self.state, "access.log")
        self._log_start = os.path.getsize(path) if os.path.exists(path) else 0


def main():
    import argparse
    parser = argparse.ArgumentParser(description="Serve DIR with nginx on loopback.")
    parser.add_argument("dir")
    parser.add_argument("--mirror", action="store_true",
                        help="the cache headers of an ota mirror (docs/fleet.md)")
    args = parser.parse_args()
    binary, why = ensure_nginx()
    if not binary:
        sys.exit(why)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop nginx on the way out
    with Nginx(args.dir, MIRROR_LOCATIONS if args.mirror else "", binary) as web:
        print(f"serving {web.root} at {web.url()} (Ctrl-C stops)", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
