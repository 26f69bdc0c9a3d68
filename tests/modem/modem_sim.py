#!/usr/bin/env python3
"""A SIMCom modem on a pseudo-terminal, for the modem driver's tests.

Opens a pty, prints the path of its terminal side on stdout and then answers
AT commands on it in the dialect of a family (sim800, sim7000, sim7600) until
killed: echo until ATE0, OK / ERROR / +CME ERROR: n, SIM and registration,
packet data (AT+SAPBR, AT+CNACT, AT+NETOPEN), and the HTTP service. An
HTTP request is real: AT+HTTPACTION=0 performs the GET (no redirects
followed) against the URL given with AT+HTTPPARA, so the bytes served by
AT+HTTPHEAD and AT+HTTPREAD are the server's. An https:// URL is fetched
over plain http from the same host and port, and only once AT+HTTPSSL=1 was
given on the families that need it.

Faults, for the tests of the driver's error paths:
  --no-sim              AT+CPIN? answers +CME ERROR: 10
  --register-after N    N registration queries answer "searching" first
  --never-register      registration queries always answer "searching"
  --denied              registration queries answer "denied"
  --csq N               the AT+CSQ rssi (99 = unknown)
  --delay MS            every response comes MS milliseconds late
  --action-delay MS     +HTTPACTION comes MS milliseconds after OK
  --noise               unsolicited codes (RING, +CREG: 1...) between the
                        lines of responses, "+CREG: 1" before and after every
                        answer to AT+CREG? (the same for CEREG), and output in
                        small pieces
  --drop-after N        the data link drops once N body bytes were read:
                        the next AT+HTTPREAD gets the family's link-lost
                        code and ERROR, and packet data is down until the
                        driver activates it again
  --silent-drop         with --drop-after: the modem stops answering
                        AT+HTTPREAD instead (no data until the timeout)
  --short-body N        the modem keeps only the first N body bytes of the
                        first response (the link dropped while it received)
  --log FILE            every command received, one per line
"""
import argparse
import http.client
import os
import random
import select
import sys
import time
import tty
import urllib.parse

NOISE = [b"RING", b"+CREG: 1", b"+CEREG: 5", b'+CMTI: "SM",3',
         b'+CREG: 1,"00C3","1234"', b"Call Ready", b"SMS Ready"]

LINK_LOST = {
    "sim800": b"+SAPBR 1: DEACT",
    "sim7000": b"+APP PDP: DEACTIVE",
    "sim7600": b"+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY",
}


class Modem:
    def __init__(self, fd, opts):
        self.fd = fd
        self.o = opts
        self.family = opts.family
        self.echo = True
        self.rng = random.Random(7)
        self.reg_queries = 0
        self.link_up = False
        self.apn = None
        self.http = None          # the HTTP service's state after HTTPINIT
        self.response = None      # (status, reason, headers, body)
        self.body_served = 0
        self.dropped = False
        self.shortened = False
        self.log = open(opts.log, "a") if opts.log else None

    # ---- output ---------------------------------------------------------

    def write(self, data):
        """Writes data, in small pieces under --noise."""
        while data:
            n = len(data) if not self.o.noise else self.rng.randint(1, 48)
            os.write(self.fd, data[:n])
            data = data[n:]
            if self.o.noise and self.rng.random() < 0.2:
                time.sleep(0.0005)  # lets the driver see a piece alone

    def noise(self):
        if self.o.noise and self.rng.random() < 0.5:
            self.write(b"\r\n" + self.rng.choice(NOISE) + b"\r\n")

    def lines(self, *lines):
        """Information lines then nothing: noise may come between them."""
        for line in lines:
            self.noise()
            self.write(b"\r\n" + line + b"\r\n")

    def ok(self, *lines):
        self.lines(*lines)
        self.noise()
        self.write(b"\r\nOK\r\n")

    def error(self):
        self.noise()
        self.write(b"\r\nERROR\r\n")

    def cme(self, code):
        self.noise()
        self.write(b"\r\n+CME ERROR: %d\r\n" % code)

    def event(self, line, delay_ms=0):
        """An unsolicited result code after a command's OK."""
        time.sleep(delay_ms / 1000.0)
        self.noise()
        self.write(b"\r\n" + line + b"\r\n")

    # ---- input ----------------------------------------------------------

    def serve(self):
        buf = b""
        while True:
            select.select([self.fd], [], [])
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # the driver's side closed
                time.sleep(0.01)
                continue
            if self.echo:
                self.write(chunk)
            buf += chunk
            while b"\r" in buf:
                line, buf = buf.split(b"\r", 1)
                line = line.strip(b"\n").decode("latin-1")
                if line:
                    if self.log:
                        self.log.write(line + "\n")
                        self.log.flush()
                    time.sleep(self.o.delay / 1000.0)
                    self.command(line)

    def command(self, cmd):
        upper = cmd.upper()
        for prefix, handler in self.handlers():
            if upper.startswith(prefix):
                handler(cmd[len(prefix):])
                return
        self.error()

    def handlers(self):
        # longest prefixes first where one is the start of another
        return [
            ("ATE0", lambda a: self.set_echo(False)),
            ("ATE1", lambda a: self.set_echo(True)),
            ("AT+CMEE=", lambda a: self.ok()),
            ("AT+CPIN?", self.cpin),
            ("AT+CREG?", lambda a: self.registration(b"+CREG")),
            ("AT+CEREG?", self.cereg),
            ("AT+CSQ", lambda a: self.ok(b"+CSQ: %d,0" % self.o.csq)),
            ("AT+SAPBR=", self.sapbr),
            ("AT+CGDCONT=", self.cgdcont),
            ("AT+CNACT?", self.cnact_query),
            ("AT+CNACT=", self.cnact),
            ("AT+NETOPEN?", self.netopen_query),
            ("AT+NETOPEN", self.netopen),
            ("AT+NETCLOSE", self.netclose),
            ("AT+HTTPINIT", self.httpinit),
            ("AT+HTTPTERM", self.httpterm),
            ("AT+HTTPPARA=", self.httppara),
            ("AT+HTTPSSL=", self.httpssl),
            ("AT+HTTPACTION=", self.httpaction),
            ("AT+HTTPHEAD", self.httphead),
            ("AT+HTTPREAD=", self.httpread),
            ("AT", lambda a: self.ok() if a == "" else self.error()),
        ]

    # ---- general, SIM, registration ---------------------------------------

    def set_echo(self, on):
        self.echo = on
        self.ok()

    def cpin(self, _):
        if self.o.no_sim:
            self.cme(10)
        else:
            self.ok(b"+CPIN: READY")

    def reg_stat(self):
        self.reg_queries += 1
        if self.o.denied:
            return 3
        if self.o.never_register or self.reg_queries <= self.o.register_after:
            return 2
        return 1 if self.family != "sim7600" else 5

    def registration(self, name):
        answer = name + b": 0,%d" % self.reg_stat()
        if not self.o.noise:
            return self.ok(answer)
        urc = b"\r\n" + name + b": 1\r\n"  # the unsolicited form, around the answer
        self.write(urc + b"\r\n" + answer + b"\r\n" + urc + b"\r\nOK\r\n")

    def cereg(self, _):
        if self.family == "sim800":  # 2G only: no such command
            self.error()
        else:
            self.registration(b"+CEREG")

    # ---- packet data ------------------------------------------------------

    def registered(self):
        return not (self.o.no_sim or self.o.denied or self.o.never_register)

    def sapbr(self, args):
        if self.family != "sim800":
            return self.error()
        if args.startswith("3,1,"):
            if args.upper().startswith('3,1,"APN",'):
                self.apn = args.split(",", 3)[3].strip('"')
            return self.ok()
        if args == "2,1":
            ip = b'"10.0.0.2"' if self.link_up else b'"0.0.0.0"'
            return self.ok(b"+SAPBR: 1,%d," % (1 if self.link_up else 3) + ip)
        if args == "1,1":
            if self.link_up or not self.registered() or not self.apn:
                return self.error()
            self.link_up = True
            return self.ok()
        if args == "0,1":
            if not self.link_up:
                return self.error()
            self.link_up = False
            return self.ok()
        self.error()

    def cgdcont(self, args):
        if self.family == "sim800":
            return self.error()
        self.apn = args.split(",")[2].strip('"') if args.count(",") >= 2 else None
        self.ok()

    def cnact_query(self, _):
        if self.family != "sim7000":
            return self.error()
        self.ok(b'+CNACT: %d,"10.0.0.2"' % (1 if self.link_up else 0))

    def cnact(self, args):
        if self.family != "sim7000":
            return self.error()
        if args.startswith("1"):
            if self.link_up or not self.registered():
                return self.error()
            self.link_up = True
            self.ok()
            self.event(b"+APP PDP: ACTIVE", 20)
        else:
            self.link_up = False
            self.ok()
            self.event(b"+APP PDP: DEACTIVE")

    def netopen_query(self, _):
        if self.family != "sim7600":
            return self.error()
        self.ok(b"+NETOPEN: %d" % (1 if self.link_up else 0))

    def netopen(self, _):
        if self.family != "sim7600":
            return self.error()
        if self.link_up:  # as the real one: "already opened" is an error
            self.write(b"\r\n+IP ERROR: Network is already opened\r\n")
            return self.error()
        self.ok()
        if not self.registered() or not self.apn:
            return self.event(b"+NETOPEN: 1", 20)
        self.link_up = True
        self.event(b"+NETOPEN: 0", 20)

    def netclose(self, _):
        if self.family != "sim7600":
            return self.error()
        self.link_up = False
        self.ok()
        self.event(b"+NETCLOSE: 0")

    # ---- HTTP service -----------------------------------------------------

    def httpinit(self, _):
        if self.http is not None:
            return self.error()
        self.http = {"URL": None, "USERDATA": "", "UA": "SIMCOM_MODULE", "CID": None,
                     "SSL": False}
        self.response = None
        self.ok()

    def httpterm(self, _):
        if self.http is None:
            return self.error()
        self.http = None
        self.response = None
        self.ok()

    def httppara(self, args):
        if self.http is None or "," not in args:
            return self.error()
        name, value = args.split(",", 1)
        name = name.strip('"').upper()
        if name == "CID":
            self.http["CID"] = value
        elif name in ("URL", "UA", "USERDATA"):
            # the value runs to the line's last quote: quotes inside stay
            if len(value) < 2 or value[0] != '"' or value[-1] != '"':
                return self.error()
            self.http[name] = value[1:-1]
        else:
            return self.error()
        self.ok()

    def httpssl(self, args):
        if self.family == "sim7600" or self.http is None:  # no such command
            return self.error()
        self.http["SSL"] = args.strip() == "1"
        self.ok()

    def request_headers(self):
        headers = {"User-Agent": self.http["UA"]}
        for line in self.http["USERDATA"].split("\\r\\n"):
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip()] = value.strip()
        return headers

    def fetch(self):
        """The real GET: (status, reason, [(name, value)], body), or None."""
        url = urllib.parse.urlsplit(self.http["URL"] or "")
        if url.scheme not in ("http", "https"):
            return None
        if url.scheme == "https" and self.family != "sim7600" and not self.http["SSL"]:
            return None  # TLS not enabled: the handshake never happens
        if self.family == "sim800" and self.http["CID"] != "1":
            return None  # no bearer profile for the HTTP service
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
            conn.request("GET", path, headers=self.request_headers())
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
        except OSError:
            return None
        return resp.status, resp.reason, resp.getheaders(), body

    def httpaction(self, args):
        if self.http is None or args.strip() != "0":
            return self.error()
        self.ok()
        response = self.fetch() if self.link_up else None
        time.sleep(self.o.action_delay / 1000.0)
        if response is None:
            return self.event(b"+HTTPACTION: 0,601,0")
        status, reason, headers, body = response
        if self.o.short_body is not None and not self.shortened:
            self.shortened = True
            body = body[:self.o.short_body]
        self.response = (status, reason, headers, body)
        self.body_served = 0
        self.event(b"+HTTPACTION: 0,%d,%d" % (status, len(body)))

    def httphead(self, _):
        if self.response is None:
            return self.error()
        status, reason, headers, _ = self.response
        block = b"HTTP/1.1 %d %s\r\n" % (status, reason.encode("latin-1"))
        for name, value in headers:
            block += name.encode("latin-1") + b": " + value.encode("latin-1") + b"\r\n"
        block += b"\r\n"
        self.noise()
        self.write(b"\r\n+HTTPHEAD: %d\r\n" % len(block) + block)
        self.ok()

    def drop_link(self):
        self.dropped = True
        if self.o.silent_drop:
            return  # never answers: the driver's read times out
        self.link_up = False
        self.event(LINK_LOST[self.family])
        self.error()

    def httpread(self, args):
        try:
            offset, size = (int(x) for x in args.split(","))
        except ValueError:
            return self.error()
        if self.response is None or offset > len(self.response[3]) or size <= 0:
            return self.error()
        if self.o.drop_after is not None and not self.dropped and \
                self.body_served >= self.o.drop_after:
            return self.drop_link()
        data = self.response[3][offset:offset + size]
        if self.o.drop_after is not None and not self.dropped:
            data = data[:self.o.drop_after - self.body_served]
        self.body_served += len(data)
        if self.family == "sim7600":
            self.read_blocks(data)
        else:
            self.noise()
            self.write(b"\r\n+HTTPREAD: %d\r\n" % len(data) + data)
            self.ok()

    def read_blocks(self, data):
        """SIM7600: OK first, then DATA blocks, then +HTTPREAD: 0."""
        self.ok()
        while data:
            block, data = data[:200], data[200:]
            self.noise()
            self.write(b"\r\n+HTTPREAD: DATA,%d\r\n" % len(block) + block)
        self.noise()
        self.write(b"\r\n+HTTPREAD: 0\r\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--family", choices=["sim800", "sim7000", "sim7600"], required=True)
    p.add_argument("--no-sim", action="store_true")
    p.add_argument("--register-after", type=int, default=0)
    p.add_argument("--never-register", action="store_true")
    p.add_argument("--denied", action="store_true")
    p.add_argument("--csq", type=int, default=20)
    p.add_argument("--delay", type=int, default=0)
    p.add_argument("--action-delay", type=int, default=0)
    p.add_argument("--noise", action="store_true")
    p.add_argument("--drop-after", type=int)
    p.add_argument("--silent-drop", action="store_true")
    p.add_argument("--short-body", type=int)
    p.add_argument("--log")
    opts = p.parse_args()

    master, slave = os.openpty()
    tty.setraw(slave)  # no echo or CR translation by the line discipline
    print(os.ttyname(slave), flush=True)
    # the terminal side stays open here too, so that the driver's closing
    # and reopening it does not hang up the pty
    Modem(master, opts).serve()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
