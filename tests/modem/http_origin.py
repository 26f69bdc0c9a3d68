#!/usr/bin/env python3
"""A tiny HTTP origin for the modem tests: serves the files of a directory
with a strong ETag (the SHA-1 of the content), honours "Range: bytes=N-"
(206) and "If-None-Match" (304), and answers /redirect/NAME with a 302 to
/NAME. Prints its port on stdout, then serves until killed.

usage: http_origin.py DIR
"""
import hashlib
import http.server
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from quiet_handler import QuietHandler  # noqa: E402


class Handler(QuietHandler):

    def do_GET(self):
        root = self.server.root
        name = self.path.lstrip("/")
        if name.startswith("redirect/"):
            target = "/" + name[len("redirect/"):]
            self.reply(302, b"moved\n", [("Location", target)])
            return
        path = os.path.join(root, os.path.basename(name))
        if not name or not os.path.isfile(path):
            self.reply(404, b"not found\n")
            return
        with open(path, "rb") as f:
            data = f.read()
        etag = '"%s"' % hashlib.sha1(data).hexdigest()
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = self.range_start(len(data))
        if start is None:
            self.reply(200, data, [("ETag", etag)])
        else:
            self.reply(206, data[start:], [
                ("ETag", etag),
                ("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])

    def range_start(self, size):
        value = self.headers.get("Range", "")
        if not value.startswith("bytes=") or not value.endswith("-"):
            return None
        try:
            start = int(value[len("bytes="):-1])
        except ValueError:
            return None
        return start if 0 <= start < size else None


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.root = sys.argv[1]
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
