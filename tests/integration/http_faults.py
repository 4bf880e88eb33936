#!/usr/bin/env python3
"""http_faults — the curl transport against a loopback server that misbehaves
on purpose: 5xx and throttling replies, dropped connections, a reply that
never comes, a closed port, an oversized body, proxies, TLS and connection
reuse.  Drives tests/tools/http-get; prints TAP.

The server runs in this process on 127.0.0.1, on a port the kernel picked;
every wait is bounded and the server is stopped at the end.
"""
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.environ.get("TFAUTH_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
TESTBIN = os.environ.get("TFAUTH_TESTBIN") or os.path.join(
    TOP, "build", "rel", "tests")
TOOL = os.path.join(TESTBIN, "tools", "http-get")
RUN_TIMEOUT = 30  # seconds any one tool run may take

STOP = threading.Event()
LOCK = threading.Lock()
HITS = {}          # path -> requests seen
CONNS = [0]        # TCP connections accepted (plain server)
CONNECTS = []      # CONNECT targets seen (proxy use)
BIG = b"x" * (2 << 20)  # 2 MiB: over the 1 MiB cap

n_tests = 0
n_failed = 0


def check(desc, cond, diag=""):
    global n_tests, n_failed
    n_tests += 1
    if cond:
        print("ok %d - %s" % (n_tests, desc))
    else:
        n_failed += 1
        print("not ok %d - %s" % (n_tests, desc))
        for line in str(diag).splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()


def skip(desc, why):
    global n_tests
    n_tests += 1
    print("ok %d - %s # SKIP %s" % (n_tests, desc, why))


def hit(path):
    with LOCK:
        HITS[path] = HITS.get(path, 0) + 1
        return HITS[path]


def hits(path):
    with LOCK:
        return HITS.get(path, 0)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so reuse can be seen
    timeout = 20                   # an idle client cannot hold a thread forever

    def setup(self):
        super().setup()
        with LOCK:
            CONNS[0] += 1

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        """Close the connection at once, no reply."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_CONNECT(self):
        with LOCK:
            CONNECTS.append(self.path)
        self.close_connection = True
        self.reply(403, b"no tunnels here\n")

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        n = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(n) if n else b""
        path = self.path
        count = hit(path)
        if path.startswith("http://"):  # absolute form: we are a proxy
            self.reply(200, b"via proxy " + path.encode() + b"\n")
            return
        parts = path.strip("/").split("/")
        kind = parts[0]
        if kind == "ok":
            self.reply(200, b"hello\n")
        elif kind == "echo":
            self.reply(200, self.command.encode() + b" " + sent + b"\n")
        elif kind == "ua":
            self.reply(200, (self.headers.get("User-Agent") or "").encode())
        elif kind == "headers":
            self.reply(200, b"h\n", [("X-Mixed-Case", "Value Kept"),
                                     ("X-Amzn-RequestId", "req-1")])
        elif kind == "fail500":  # /fail500/N/tag: N times 500, then 200
            if count <= int(parts[1]):
                self.reply(500, b"<Error><Code>InternalError</Code></Error>")
            else:
                self.reply(200, b"recovered\n")
        elif kind == "once":  # /once/STATUS/tag: STATUS once, then 200
            if count == 1:
                self.reply(int(parts[1]), b"busy\n")
            else:
                self.reply(200, b"recovered\n")
        elif kind == "throttle400":
            if count == 1:
                self.reply(400, b"<ErrorResponse><Error><Type>Sender</Type>"
                           b"<Code>Throttling</Code><Message>Rate exceeded"
                           b"</Message></Error></ErrorResponse>")
            else:
                self.reply(200, b"recovered\n")
        elif kind == "throttlejson":
            if count == 1:
                self.reply(400, b'{"__type":"com.amazonaws.sso#'
                           b'TooManyRequestsException","message":"slow"}',
                           [("Content-Type", "application/x-amz-json-1.1")])
            else:
                self.reply(200, b"recovered\n")
        elif kind == "denied":
            self.reply(403, b"<ErrorResponse><Error><Code>InvalidClientTokenId"
                       b"</Code></Error></ErrorResponse>")
        elif kind == "always":  # /always/STATUS/tag
            self.reply(int(parts[1]), b"still busy\n")
        elif kind == "truncate":  # first: headers and part of the body
            if count == 1:
                self.close_connection = True
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                                 b"\r\n0123456789")
                self.wfile.flush()
                self.drop()
            else:
                self.reply(200, b"recovered\n")
        elif kind == "nothing":  # first: close without a byte
            if count == 1:
                self.drop()
            else:
                self.reply(200, b"recovered\n")
        elif kind == "hang":  # never answer (until the test ends)
            STOP.wait(15)
            self.drop()
        elif kind == "manyheaders":
            self.reply(200, b"h\n", [("X-H%d" % i, "v") for i in range(300)])
        elif kind == "big":
            self.reply(200, BIG)
        elif kind == "bigstream":  # no Content-Length: only the cap stops it
            self.close_connection = True
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                self.wfile.write(BIG)
            except OSError:
                pass
        else:
            self.reply(404, b"no such test path\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up on purpose are not news


def start(server):
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    t.daemon = True
    t.start()
    return t


def free_closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def base_env():
    env = {}
    for k, v in os.environ.items():
        lk = k.lower()
        if lk in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
            continue  # the machine's proxies have no place here
        if k.startswith("AWS_") or (k.startswith("TFAUTH_") and k not in (
                "TFAUTH_BIN", "TFAUTH_TESTBIN", "TFAUTH_TOP", "TFAUTH_SANITIZE")):
            continue
        env[k] = v
    env["TFAUTH_HTTP_RETRY_BASE_MS"] = "1"
    env["TFAUTH_HTTP_TIMEOUT"] = "10"
    return env


class Run:
    def __init__(self, args, **extra):
        env = base_env()
        env.update(extra)
        start_t = time.monotonic()
        try:
            p = subprocess.run([TOOL] + list(args), env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=RUN_TIMEOUT)
            self.rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            self.rc, out, err = -1, e.stdout or b"", (e.stderr or b"") + b"\n(killed: timeout)"
        self.elapsed = time.monotonic() - start_t
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")

    def status(self):
        first = self.out.split("\n", 1)[0]
        return first[len("status "):] if first.startswith("status ") else None

    def attempts(self):
        for line in self.out.splitlines():
            if line.startswith("attempts "):
                return int(line.split()[1])
        return None

    def body(self):
        return self.out.split("\n\n", 1)[1] if "\n\n" in self.out else ""

    def __str__(self):
        return "rc=%s elapsed=%.2fs\nstdout: %s\nstderr: %s" % (
            self.rc, self.elapsed, self.out[:400], self.err[:800])


def make_cert(tmp):
    """A self-signed certificate for 127.0.0.1, or None without openssl."""
    if not shutil.which("openssl"):
        return None
    key, crt = os.path.join(tmp, "key.pem"), os.path.join(tmp, "crt.pem")
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", key, "-out", crt, "-days", "2",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=30)
    except (subprocess.SubprocessError, OSError):
        return None
    return key, crt


def main():
    if not os.access(TOOL, os.X_OK):
        print("not ok 1 - %s is built (run 'make tests')" % TOOL)
        print("1..1")
        return 1
    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    url = "http://127.0.0.1:%d" % port
    tmp = tempfile.mkdtemp(prefix="tfauth-http.")
    tls = None
    start(server)
    try:
        scenarios(url, port, tmp)
        tls = tls_scenarios(tmp)
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()
        if tls:
            tls.shutdown()
            tls.server_close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n_tests)
    return 1 if n_failed else 0


def scenarios(url, port, tmp):
    r = Run(["GET", url + "/ok"])
    check("200: status and body", r.rc == 0 and r.status() == "200"
          and r.body() == "hello\n" and r.attempts() == 1, r)

    r = Run(["POST", url + "/echo", "Action=GetCallerIdentity&Version=2011-06-15"])
    check("POST sends the body", r.rc == 0 and
          r.body() == "POST Action=GetCallerIdentity&Version=2011-06-15\n", r)

    r = Run(["GET", url + "/ua"])
    check("User-Agent is tfauth/<version> libcurl/<version>",
          r.rc == 0 and r.body().startswith("tfauth/") and " libcurl/" in r.body(), r)

    r = Run(["-i", "GET", url + "/headers"])
    check("response header names are lower-cased, values kept",
          "header x-mixed-case: Value Kept\n" in r.out and
          "header x-amzn-requestid: req-1\n" in r.out, r)

    p = "/fail500/2/a"
    r = Run(["GET", url + p])
    check("500, 500, 200: succeeds on the third attempt",
          r.rc == 0 and r.status() == "200" and r.body() == "recovered\n"
          and r.attempts() == 3, r)
    check("500, 500, 200: the server saw 3 requests", hits(p) == 3, hits(p))

    p = "/once/429/a"
    r = Run(["GET", url + p])
    check("429 then 200: retried", r.rc == 0 and r.status() == "200"
          and hits(p) == 2 and r.attempts() == 2, "%s\nhits=%d" % (r, hits(p)))

    for code in ("502", "504"):
        p = "/once/%s/a" % code
        r = Run(["GET", url + p])
        check("%s then 200: retried" % code, r.rc == 0 and hits(p) == 2, r)

    p = "/throttle400/a"
    r = Run(["GET", url + p])
    check("400 <Code>Throttling</Code> then 200: retried",
          r.rc == 0 and r.status() == "200" and hits(p) == 2, r)

    p = "/throttlejson/a"
    r = Run(["GET", url + p])
    check("400 JSON TooManyRequestsException then 200: retried",
          r.rc == 0 and r.status() == "200" and hits(p) == 2, r)

    p = "/denied/a"
    r = Run(["GET", url + p])
    check("403 InvalidClientTokenId: not retried, exit 1",
          r.rc == 1 and r.status() == "403" and hits(p) == 1
          and "answered HTTP 403" in r.err, "%s\nhits=%d" % (r, hits(p)))

    p = "/always/503/a"
    r = Run(["GET", url + p])
    check("503 forever: fails after AWS_MAX_ATTEMPTS (default 3) attempts",
          r.rc == 1 and hits(p) == 3 and "HTTP 503 after 3 attempts" in r.err
          and "hint:" in r.err, "%s\nhits=%d" % (r, hits(p)))

    p = "/always/503/b"
    r = Run(["GET", url + p], AWS_MAX_ATTEMPTS="5")
    check("AWS_MAX_ATTEMPTS=5: five attempts", r.rc == 1 and hits(p) == 5
          and "after 5 attempts" in r.err, "%s\nhits=%d" % (r, hits(p)))

    p = "/always/503/c"
    r = Run(["GET", url + p], AWS_MAX_ATTEMPTS="1")
    check("AWS_MAX_ATTEMPTS=1: no retry", r.rc == 1 and hits(p) == 1, r)

    p = "/always/503/d"
    r = Run(["GET", url + p], AWS_MAX_ATTEMPTS="4", TFAUTH_HTTP_RETRY_BASE_MS="100")
    check("backoff waits between attempts, within the 2 s cap",
          r.rc == 1 and hits(p) == 4 and r.elapsed < 6.5, r)

    r = Run(["GET", url + "/ok"], AWS_MAX_ATTEMPTS="zero")
    check("bad AWS_MAX_ATTEMPTS: clear error, no request",
          r.rc == 1 and "AWS_MAX_ATTEMPTS" in r.err and "'zero'" in r.err, r)

    p = "/truncate/a"
    r = Run(["GET", url + p])
    check("connection dropped mid-reply, then 200: retried",
          r.rc == 0 and r.body() == "recovered\n" and hits(p) == 2, r)

    p = "/nothing/a"
    r = Run(["GET", url + p])
    check("connection closed without a reply, then 200: retried",
          r.rc == 0 and r.body() == "recovered\n" and hits(p) == 2, r)

    p = "/hang/a"
    r = Run(["GET", url + p], TFAUTH_HTTP_TIMEOUT="2")
    check("no reply: fails within TFAUTH_HTTP_TIMEOUT=2",
          r.rc == 1 and 1.5 <= r.elapsed < 5, r)
    check("no reply: message names the URL, the limit and the knob",
          ("no reply from '%s/hang/a' within 2 s" % url) in r.err
          and "TFAUTH_HTTP_TIMEOUT" in r.err, r)
    check("no reply: not retried past the budget", hits(p) == 1, hits(p))

    r = Run(["GET", url + "/ok"], TFAUTH_HTTP_TIMEOUT="2s")
    check("bad TFAUTH_HTTP_TIMEOUT: clear error",
          r.rc == 1 and "bad value '2s' for TFAUTH_HTTP_TIMEOUT" in r.err, r)

    closed = free_closed_port()
    r = Run(["GET", "http://127.0.0.1:%d/" % closed])
    check("closed port: 'cannot connect' with the reason, quickly",
          r.rc == 1 and ("cannot connect to 'http://127.0.0.1:%d/': Connection refused"
                         % closed) in r.err and "hint:" in r.err and r.elapsed < 2, r)

    r = Run(["GET", url + "/big"])
    check("body over the cap (Content-Length): clear error, no body printed",
          r.rc == 1 and "over the 1 MiB limit" in r.err and r.out == "", r)

    r = Run(["GET", url + "/bigstream"])
    check("body over the cap (streamed): clear error, no body printed",
          r.rc == 1 and "over the 1 MiB limit" in r.err and r.out == "", r)

    r = Run(["GET", url + "/manyheaders"])
    check("300 reply headers: clear error",
          r.rc == 1 and "more than 256 headers" in r.err and r.out == "", r)

    before = CONNS[0]
    r = Run(["-n", "2", "GET", url + "/ok"])
    after = CONNS[0]
    check("two requests in one run share one TCP connection",
          r.rc == 0 and r.out.count("status 200") == 2 and after - before == 1,
          "%s\nconnections=%d" % (r, after - before))

    r = Run(["GET", "http://user:hunter2@127.0.0.1:%d/x?X-Amz-Signature=abc" % closed])
    check("messages show no user information or query string",
          r.rc == 1 and "hunter2" not in r.err and "X-Amz-Signature" not in r.err
          and "'http://127.0.0.1:%d/x'" % closed in r.err, r)

    r = Run(["-H", "Authorization: AWS4-HMAC-SHA256 Credential=AKIDSECRET\r\nX-Evil: 1",
             "GET", url + "/ok"])
    check("a header value with a line break is refused, value not shown",
          r.rc == 1 and "line break" in r.err and "AKIDSECRET" not in r.err, r)

    # Proxies: our server plays the proxy, the target is another loopback
    # address nobody listens on, so a request that skips the proxy fails.
    target = "http://127.0.0.2:%d/through" % closed
    proxy = "http://127.0.0.1:%d" % port
    r = Run(["GET", target + "/a"], HTTP_PROXY=proxy)
    check("HTTP_PROXY from the environment is used",
          r.rc == 0 and "via proxy " + target + "/a" in r.body(), r)

    r = Run(["GET", target + "/b"], http_proxy=proxy)
    check("http_proxy (lower case) is used", r.rc == 0 and "via proxy" in r.body(), r)

    r = Run(["GET", target + "/c"], HTTP_PROXY=proxy, NO_PROXY="example.com,127.0.0.2")
    check("NO_PROXY sends the host direct", r.rc == 1 and hits(target + "/c") == 0
          and "cannot connect" in r.err, r)

    r = Run(["-u", "HTTP_PROXY", "-u", "http_proxy", "GET", target + "/d"],
            HTTP_PROXY=proxy, http_proxy=proxy)
    check("libcurl does not read proxies from the process environment",
          r.rc == 1 and hits(target + "/d") == 0, r)

    r = Run(["GET", url + "/ok"], HTTP_PROXY="http://127.0.0.1:%d" % closed)
    check("loopback is never proxied (like Go)", r.rc == 0 and r.status() == "200", r)

    with LOCK:
        del CONNECTS[:]
    r = Run(["GET", "https://127.0.0.2:%d/tls" % closed],
            HTTPS_PROXY="http://user:hunter2@127.0.0.1:%d" % port)
    with LOCK:
        seen = list(CONNECTS)
    check("HTTPS_PROXY: https goes through CONNECT, a refusal is not retried",
          r.rc == 1 and seen == ["127.0.0.2:%d" % closed], "%s\nCONNECTs=%s" % (r, seen))
    check("proxy refusal: clear message, proxy password hidden",
          "proxy" in r.err and "HTTPS_PROXY" in r.err and "hunter2" not in r.err, r)


def tls_scenarios(tmp):
    pair = make_cert(tmp)
    if not pair:
        for d in ("https: untrusted certificate is refused",
                  "https: AWS_CA_BUNDLE makes it trusted",
                  "https: unreadable AWS_CA_BUNDLE: clear error"):
            skip(d, "no openssl command")
        return None
    key, crt = pair
    tls = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    # Handshake in the handler thread, not in the accept loop.
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True,
                                 do_handshake_on_connect=False)
    start(tls)
    surl = "https://127.0.0.1:%d/ok" % tls.server_address[1]

    r = Run(["GET", surl])
    check("https: untrusted certificate is refused, hint names AWS_CA_BUNDLE",
          r.rc == 1 and "not trusted" in r.err and "AWS_CA_BUNDLE" in r.err, r)

    r = Run(["GET", surl], AWS_CA_BUNDLE=crt)
    check("https: AWS_CA_BUNDLE makes it trusted",
          r.rc == 0 and r.body() == "hello\n", r)

    r = Run(["GET", surl], AWS_CA_BUNDLE=os.path.join(tmp, "missing.pem"))
    check("https: unreadable AWS_CA_BUNDLE: clear error",
          r.rc == 1 and "AWS_CA_BUNDLE" in r.err and "missing.pem" in r.err, r)
    return tls


if __name__ == "__main__":
    sys.exit(main())
