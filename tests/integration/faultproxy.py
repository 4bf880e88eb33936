"""faultproxy — a reverse proxy on loopback that breaks the replies of chosen
requests on purpose, in front of any HTTP upstream (moto's server, the SSO
emulator, a metadata server).

    from faultproxy import FaultProxy, action, path_prefix

    with FaultProxy(moto.port) as fp:
        env["AWS_ENDPOINT_URL_STS"] = fp.url
        fp.set("hang", match=action("AssumeRole"))
        ...run a tool...
        fp.count()          # matching requests that met the fault
        fp.big_bytes        # bytes of a "big" body written before the
                            # client hung up

Requests that do not match are forwarded unchanged: method, path, body and
every header (Host included: SigV4 signs it), and the upstream's reply
goes back unchanged.  Each connection carries one request ("Connection:
close"), so a broken reply never spoils the next request.

Faults (what a matching request gets):

  forward    the upstream's reply (the default)
  reset      the upstream's reply with its full Content-Length, cut after
             half the body by a TCP reset (SO_LINGER 0)
  hang       nothing, the connection held open until stop()
  429, 503   that status with a throttling / unavailable error document
             (XML for query-protocol requests, JSON otherwise, and the
             x-amzn-ErrorType header), for ever: a storm
  truncated  a complete HTTP reply whose body is the first half of the
             upstream's (Content-Length says so): a cut document
  big        HTTP 200 announcing and streaming 50 MiB (Content-Length)
  bigstream  HTTP 200 streaming 50 MiB chunked, no length announced
  drip       the upstream's reply, one byte a second, status line included
  delay      the upstream's reply after a random wait in [lo, hi] seconds
             (set(..., lo=, hi=))

"refused" is no fault of the proxy: refused_url() is a loopback URL on a
port nothing listens on.

Every wait is bounded (HOLD_MAX), stop() ends the held connections at
once.  Nothing is logged but method, path, the matched action and the
fault: no body, no header value.  Run directly, it is a self-test
printing TAP.
"""
import http.client
import http.server
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Tap, free_port  # noqa: E402

UPSTREAM_TIMEOUT = 30    # seconds one forwarded request may take
HOLD_MAX = 120           # seconds a hang or a drip holds its thread at most
STOP_TIMEOUT = 5
BIG = 50 << 20           # the "big" bodies: 50 MiB
CHUNK = 64 << 10
MAX_REQUEST = 1 << 20
FAULTS = ("forward", "reset", "hang", "429", "503", "truncated", "big",
          "bigstream", "drip", "delay")
_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
        "te", "trailer", "trailers", "transfer-encoding", "upgrade", "expect",
        "content-length"}


def action(name):
    """Match query-protocol requests (STS, IAM) of one Action."""
    want = ("Action=%s" % name).encode()

    def match(method, path, body):
        q = urllib.parse.urlsplit(path).query.encode()
        return any(want == part for part in body.split(b"&") + q.split(b"&"))
    match.__name__ = "action(%s)" % name
    return match


def path_prefix(prefix):
    """Match requests whose path starts with prefix."""
    def match(method, path, body):
        return path.startswith(prefix)
    match.__name__ = "path_prefix(%s)" % prefix
    return match


def refused_url():
    """http://127.0.0.1:PORT with nothing listening on PORT."""
    return "http://127.0.0.1:%d" % free_port()


def _error_body(status, query):
    code = "Throttling" if status == 429 else "ServiceUnavailable"
    msg = "Rate exceeded" if status == 429 else "Service is unavailable"
    if query:
        return ("text/xml", code,
                ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                 "<Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>"
                 "</Error><RequestId>faultproxy-1</RequestId></ErrorResponse>"
                 % ("Sender" if status == 429 else "Receiver", code, msg)).encode())
    name = "TooManyRequestsException" if status == 429 else "ServiceUnavailableException"
    return ("application/json", name,
            ('{"__type":"%s","message":"%s"}' % (name, msg)).encode())


class Hit:
    def __init__(self, method, path, fault):
        self.method, self.path, self.fault = method, path, fault
        self.time = time.monotonic()

    def __repr__(self):
        return "<%s %s %s>" % (self.method, urllib.parse.urlsplit(self.path).path,
                               self.fault)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, fmt, *args):
        pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ValueError("truncated chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(8)
                if len(out) > MAX_REQUEST:
                    raise ValueError("request body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_REQUEST:
            raise ValueError("request body too large")
        return self.rfile.read(n) if n else b""

    def _serve(self):
        fp = self.server.fp
        self.close_connection = True
        try:
            body = self._read_body()
        except (ValueError, OSError) as e:
            fp._error("reading a request: %s" % e)
            return
        fault = fp._decide(self.command, self.path, body)
        try:
            self._apply(fp, fault, body)
        except OSError:
            pass   # the client hung up: what several faults are about

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

    # -- pieces

    def _raw(self, status, reason, headers, body=b"", length=None):
        """Status line and headers (Connection: close) as bytes."""
        lines = ["HTTP/1.1 %d %s" % (status, reason)]
        for k, v in headers:
            if k.lower() not in _HOP:
                lines.append("%s: %s" % (k, v))
        if length is not None:
            lines.append("Content-Length: %d" % length)
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _upstream(self, body):
        fp = self.server.fp
        try:
            return fp._forward(self.command, self.path, self.headers, body)
        except (OSError, http.client.HTTPException) as e:
            fp._error("forwarding %s %s: %s" % (self.command, self.path, e))
            return (502, "Bad Gateway", [("Content-Type", "text/plain")],
                    b"faultproxy: the upstream did not answer\n")

    def _send(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    def _apply(self, fp, fault, body):
        name = fault[0]
        if name == "hang":
            fp._stop.wait(HOLD_MAX)
            return
        if name in ("429", "503"):
            status = int(name)
            query = b"Action=" in body or "Action=" in self.path
            ctype, etype, doc = _error_body(status, query)
            self._send(self._raw(status, "Too Many Requests" if status == 429
                                 else "Service Unavailable",
                                 [("Content-Type", ctype),
                                  ("x-amzn-ErrorType", etype),
                                  ("x-amzn-RequestId", "faultproxy-1")],
                                 doc, len(doc)))
            return
        if name in ("big", "bigstream"):
            chunked = name == "bigstream"
            head = [("Content-Type", "text/xml")]
            if chunked:
                head.append(("Transfer-Encoding", "chunked"))
            self.wfile.write(self._raw(200, "OK", head, b"",
                                       None if chunked else BIG))
            block = b"<x>" + b"y" * (CHUNK - 3)
            sent = 0
            while sent < BIG and not fp._stop.is_set():
                data = block if not chunked else (
                    b"%x\r\n" % len(block) + block + b"\r\n")
                self.wfile.write(data)
                sent += len(block)
                fp._add_big(len(block))
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        status, reason, headers, data = self._upstream(body)
        if name == "delay":
            fp._stop.wait(random.uniform(fault[1], fault[2]))
        if name in ("forward", "delay"):
            self._send(self._raw(status, reason, headers, data, len(data)))
        elif name == "truncated":
            cut = data[:len(data) // 2]
            self._send(self._raw(status, reason, headers, cut, len(cut)))
        elif name == "reset":
            self._send(self._raw(status, reason, headers, data[:len(data) // 2],
                                 len(data)))
            # A reset, not a close: SO_LINGER on with a zero timeout.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        elif name == "drip":
            raw = self._raw(status, reason, headers, data, len(data))
            for i in range(len(raw)):
                self._send(raw[i:i + 1])
                fp._add_drip()
                if fp._stop.wait(1.0):
                    return


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if not isinstance(e, (ConnectionError, socket.timeout, BrokenPipeError)):
            self.fp._error(repr(e))


class FaultProxy:
    """See the module's doc."""

    def __init__(self, upstream_port, upstream_host="127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.port = None
        self.url = None
        self.errors = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._hits = []
        self._fault = ("forward",)
        self._match = None
        self.big_bytes = 0
        self.drip_bytes = 0
        self._server = None
        self._thread = None

    # -- life cycle

    def start(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fp = self
        self.port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="faultproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(STOP_TIMEOUT)
            self._server = None

    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- behaviour

    def set(self, fault, match=None, lo=0.0, hi=0.0):
        """Apply fault to requests that match (every request when match is
        None); the others are forwarded."""
        if fault not in FAULTS:
            raise ValueError("fault: one of %s" % ", ".join(FAULTS))
        with self._lock:
            self._fault = (fault, lo, hi) if fault == "delay" else (fault,)
            self._match = match

    # -- what it saw

    def mark(self):
        with self._lock:
            return len(self._hits)

    def hits(self, since=0):
        """[Hit] of every request since a mark (fault "forward" for the
        requests that did not match)."""
        with self._lock:
            return list(self._hits[since:])

    def count(self, since=0):
        """Matching requests since a mark (the ones that met the fault)."""
        with self._lock:
            return sum(1 for h in self._hits[since:] if h.matched)

    # -- inside

    def _error(self, text):
        with self._lock:
            self.errors.append(text)

    def _add_big(self, n):
        with self._lock:
            self.big_bytes += n

    def _add_drip(self):
        with self._lock:
            self.drip_bytes += 1

    def _decide(self, method, path, body):
        with self._lock:
            m = self._match
            matched = m is None or m(method, path, body)
            fault = self._fault if matched else ("forward",)
            h = Hit(method, path, fault[0])
            h.matched = matched
            self._hits.append(h)
            return fault

    def _forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(*self.upstream, timeout=UPSTREAM_TIMEOUT)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                if k.lower() in _HOP:
                    continue
                conn.putheader(k, v)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.reason, resp.getheaders(), data
        finally:
            conn.close()


# -- run directly: a self-test against a loopback upstream of its own.

class _Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _serve(self):
        n = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(n) if n else b""
        body = ("<Echo><Path>%s</Path><Host>%s</Host><Body>%s</Body></Echo>" % (
            self.path, self.headers.get("Host"), sent.decode())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _serve


def _get(url, body=None, timeout=10):
    """(status, body, elapsed) or (exception name, b"", elapsed)."""
    u = urllib.parse.urlsplit(url)
    t0 = time.monotonic()
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        c.request("POST" if body else "GET", path, body=body,
                  headers={"Content-Type": "application/x-www-form-urlencoded"}
                  if body else {})
        r = c.getresponse()
        return r.status, r.read(), time.monotonic() - t0
    except Exception as e:  # noqa: BLE001 -- the exception is the result
        return type(e).__name__, b"", time.monotonic() - t0
    finally:
        c.close()


def _self_test():
    tap = Tap()
    up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    up.daemon_threads = True
    t = threading.Thread(target=up.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True)
    t.start()
    fp = FaultProxy(up.server_address[1]).start()
    try:
        u = fp.url
        s, b, _ = _get(u + "/a?x=1", b"Action=GetCallerIdentity")
        tap.check("forward: the upstream's reply, path, Host and body unchanged",
                  s == 200 and b"<Path>/a?x=1</Path>" in b and
                  ("<Host>127.0.0.1:%d</Host>" % fp.port).encode() in b and
                  b"<Body>Action=GetCallerIdentity</Body>" in b, (s, b))
        fp.set("503", match=action("AssumeRole"))
        m = fp.mark()
        s1, b1, _ = _get(u + "/", b"Action=AssumeRole&Version=2011-06-15")
        s2, _, _ = _get(u + "/", b"Action=GetCallerIdentity")
        tap.check("503 on AssumeRole only: XML error document; others forwarded",
                  s1 == 503 and b"<Code>ServiceUnavailable</Code>" in b1 and
                  s2 == 200 and fp.count(m) == 1, (s1, b1, s2, fp.hits(m)))
        fp.set("429", match=path_prefix("/federation"))
        s, b, _ = _get(u + "/federation/credentials")
        tap.check("429 on a JSON path: TooManyRequestsException",
                  s == 429 and b"TooManyRequestsException" in b, (s, b))
        fp.set("truncated")
        s, b, _ = _get(u + "/t")
        tap.check("truncated: a complete reply of half the document",
                  s == 200 and b.startswith(b"<Echo>") and not b.endswith(b"</Echo>"),
                  (s, b))
        fp.set("reset")
        s, b, _ = _get(u + "/r")
        tap.check("reset: the client sees the connection die mid-body",
                  s in ("IncompleteRead", "ConnectionResetError",
                        "RemoteDisconnected"), s)
        fp.set("hang")
        s, b, el = _get(u + "/h", timeout=0.5)
        tap.check("hang: no reply (client timeout)", s == "TimeoutError" or
                  s == "timeout", (s, el))
        fp.set("drip")
        got = b""
        sk = socket.create_connection(("127.0.0.1", fp.port), timeout=5)
        try:
            sk.sendall(b"GET /d HTTP/1.1\r\nHost: x\r\n\r\n")
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                sk.settimeout(max(0.05, end - time.monotonic()))
                try:
                    data = sk.recv(100)
                except socket.timeout:
                    break
                if not data:
                    break
                got += data
        finally:
            sk.close()
        tap.check("drip: one byte a second (%r in 1.5 s)" % got,
                  got == b"HT", got)
        fp.set("big")
        sk = socket.create_connection(("127.0.0.1", fp.port), timeout=5)
        sk.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        head = sk.recv(4096)
        sk.close()
        tap.check("big: Content-Length 52428800 announced",
                  b"Content-Length: 52428800" in head, head[:200])
        fp.set("delay", lo=0.2, hi=0.3)
        s, b, el = _get(u + "/slow")
        tap.check("delay: forwarded after 0.2-0.3 s", s == 200 and 0.2 <= el < 2, el)
        closed = refused_url()
        s, _, _ = _get(closed + "/")
        tap.check("refused_url: nothing listens", s == "ConnectionRefusedError", s)
        tap.check("no error inside the proxy", fp.errors == [], fp.errors)
    finally:
        fp.stop()
        up.shutdown()
        up.server_close()
    tap.check("stop: the thread ended", not fp.running())
    return tap.done()


if __name__ == "__main__":
    sys.exit(_self_test())