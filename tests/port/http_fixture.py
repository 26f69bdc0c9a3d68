#!/usr/bin/env python3
"""HTTP(S) server for tests/port/test_posix.c. Python standard library only.

Usage: http_fixture.py [--tls CERT KEY]

Listens on ephemeral ports of 127.0.0.1 and prints "PORT TLSPORT" (TLSPORT is
0 without --tls) on one line once ready. Exits when its stdin closes, so it
never outlives the test that started it.

Endpoints (HTTP/1.1, keep-alive):
  /hello              200, "hello world\\n", headers X-Test and X-Empty
  /echo               200, body = the request headers, "lowercased-name: value\\n"
  /redirect           302 to /hello, body "moved\\n"
  /status/NNN         status NNN, body "status NNN\\n"
  /conn               200, body = the client's port (same port = reused)
  /range              1000 pattern bytes; honours "Range: bytes=N-" with 206
  /norange            the same 1000 bytes, always 200 (ignores Range)
  /big                1 MiB of pattern bytes
  /truncated          Content-Length 100, sends 10 bytes and closes
  /chunked            chunked body "0123456789abcdef" plus a trailer
  /chunked-truncated  chunked, closes in the middle of a chunk
  /chunked-empty      chunked, empty body, then a trailer X-Trailer
  /gzip               the /range bytes; when Accept-Encoding allows gzip the
                      representation is gzip-compressed (Content-Encoding:
                      gzip) and "Range: bytes=N-" selects bytes of the
                      compressed form (RFC 9110, as nginx gzip_static does)
  /slow               Content-Length 100, sends 10 bytes, stalls 5 s
  /slow-headers       stalls 5 s before answering
  /interim            a 103 Early Hints response, then 200 "final\\n"
pattern byte i = (i * 7 + (i >> 8)) & 0xff
"""
import gzip
import os
import http.server
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from quiet_handler import QuietHandler  # noqa: E402


def pattern(n, start=0):
    return bytes(((i * 7 + (i >> 8)) & 0xFF) for i in range(start, n))


RANGE_DATA = pattern(1000)
BIG_DATA = pattern(1 << 20)


class Handler(QuietHandler):

    def hang_up(self):
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        path = self.path
        try:
            self.route(path)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def route(self, path):
        if path == "/hello":
            self.reply(200, b"hello world\n",
                       [("X-Test", "  spaced value  "), ("X-Empty", "")])
        elif path == "/echo":
            lines = "".join("%s: %s\n" % (k.lower(), v)
                            for k, v in self.headers.items())
            self.reply(200, lines.encode())
        elif path == "/redirect":
            self.reply(302, b"moved\n", [("Location", "/hello")])
        elif path.startswith("/status/"):
            code = int(path[8:])
            self.reply(code, ("status %d\n" % code).encode())
        elif path == "/conn":
            self.reply(200, str(self.client_address[1]).encode())
        elif path == "/range":
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
                total = len(RANGE_DATA)
                if start >= total:
                    self.reply(416, b"", [("Content-Range", "bytes */%d" % total)])
                    return
                self.reply(206, RANGE_DATA[start:],
                           [("Content-Range",
                             "bytes %d-%d/%d" % (start, total - 1, total))])
            else:
                self.reply(200, RANGE_DATA)
        elif path == "/norange":
            self.reply(200, RANGE_DATA)
        elif path == "/big":
            self.reply(200, BIG_DATA)
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.hang_up()
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Trailer")
            self.end_headers()
            self.wfile.write(b"a\r\n0123456789\r\n6\r\nabcdef\r\n"
                             b"0\r\nX-Trailer: t\r\n\r\n")
        elif path == "/chunked-empty":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Trailer")
            self.end_headers()
            self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
        elif path == "/gzip":
            accepted = self.headers.get("Accept-Encoding", "")
            body, headers = RANGE_DATA, [("Vary", "Accept-Encoding")]
            if any(p.split(";")[0].strip().lower() in ("gzip", "*")
                   for p in accepted.split(",")):
                body = gzip.compress(RANGE_DATA, 6, mtime=0)
                headers.append(("Content-Encoding", "gzip"))
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes=") and rng.endswith("-") and \
                    int(rng[6:-1]) < len(body):
                start = int(rng[6:-1])
                headers.append(("Content-Range", "bytes %d-%d/%d"
                                % (start, len(body) - 1, len(body))))
                self.reply(206, body[start:], headers)
            else:
                self.reply(200, body, headers)
        elif path == "/chunked-truncated":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"a\r\n01234")
            self.hang_up()
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(5)
            self.wfile.write(b"x" * 90)
        elif path == "/slow-headers":
            time.sleep(5)
            self.reply(200, b"late\n")
        elif path == "/interim":
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\n"
                             b"Link: </style.css>; rel=preload\r\n\r\n")
            self.wfile.flush()
            self.reply(200, b"final\n")
        else:
            self.reply(404, b"no such endpoint\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # aborted transfers are expected here


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main(argv):
    plain = Server(("127.0.0.1", 0), Handler)
    serve(plain)
    tls_port = 0
    if len(argv) == 4 and argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(argv[2], argv[3])
        secure = Server(("127.0.0.1", 0), Handler)
        secure.socket = ctx.wrap_socket(secure.socket, server_side=True)
        serve(secure)
        tls_port = secure.server_address[1]
    sys.stdout.write("%d %d\n" % (plain.server_address[1], tls_port))
    sys.stdout.flush()
    sys.stdin.read()  # until the test closes our stdin (or dies)


if __name__ == "__main__":
    main(sys.argv)
