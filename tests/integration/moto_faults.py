#!/usr/bin/env python3
"""moto_faults — retries against a server that fails before it succeeds.

A small fault-injecting HTTP proxy (standard library only) sits on a free
127.0.0.1 port in front of moto's server (harness.Moto, authentication on
after the seeding: every request's SigV4 signature is checked).  Per a
scripted plan it answers the first requests itself — 500, 503, 429 with an
AWS Throttling error document, a dropped connection, a delay, a reply that
never comes — and forwards the rest to moto unchanged: method, path, body
and every header as the client sent it, Host included, since the signature
covers Host.  It counts what it saw and what it forwarded.

The C code is pointed at the proxy the way a user would point it anywhere:
AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_IAM; TFAUTH_HTTP_RETRY_BASE_MS=1
keeps the backoff short.  Drives tests/tools/sts-call and bin/tfauth-doctor;
prints TAP.  Every wait is bounded; the proxy and moto are stopped at the
end whatever happens.  Nothing here prints a secret.
"""
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ACCOUNT, TOOLS, TOP, Moto, MotoError, Tap,  # noqa: E402
                     clean_env, run_tool)

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
DOCTOR = os.path.join(BIN, "tfauth-doctor")
SEED_CALLS = 3           # create_user + put_user_policy + create_access_key
HANG_MAX = 20            # seconds a "hang" reply holds its thread at most
UPSTREAM_TIMEOUT = 15    # seconds the proxy waits for moto
DOCTOR_TIMEOUT = 30      # seconds one doctor run may take

THROTTLE_BODY = (b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                 b"<Error><Type>Sender</Type><Code>Throttling</Code>"
                 b"<Message>Rate exceeded</Message></Error>"
                 b"<RequestId>throttle-req-1</RequestId></ErrorResponse>")
HOP_BY_HOP = ("connection", "keep-alive", "transfer-encoding", "content-length",
              "proxy-connection", "te", "trailer", "upgrade")

STOP = threading.Event()


class Plan:
    """What the proxy does with each request whose body contains `match`
    (every request when match is None): the scripted actions first, then
    `then` for ever.  Requests that do not match are forwarded.

    An action is "forward", "drop", "hang", ("delay", seconds),
    ("status", code, body, content_type) or "rewrite-host" (forward with
    Host set to moto's own address: a control that must break the
    signature)."""

    def __init__(self, actions=(), then="forward", match=None):
        self.lock = threading.Lock()
        self.actions = list(actions)
        self.then = then
        self.match = match
        self.seen = 0           # matching requests
        self.forwarded = 0      # matching requests forwarded to moto
        self.other = 0          # requests that did not match (forwarded)
        self.hosts = []         # Host headers of matching requests

    def next(self, body, host):
        with self.lock:
            if self.match is not None and self.match.encode() not in body:
                self.other += 1
                return "forward", False
            self.seen += 1
            self.hosts.append(host)
            act = self.actions.pop(0) if self.actions else self.then
            return act, True

    def counted_forward(self):
        with self.lock:
            self.forwarded += 1

    def counts(self):
        with self.lock:
            return self.seen, self.forwarded

    def __str__(self):
        with self.lock:
            return "proxy saw %d matching request(s), forwarded %d; %d other(s)" % (
                self.seen, self.forwarded, self.other)


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.plan = Plan()
        self.errors = []
        super().__init__(("127.0.0.1", 0), ProxyHandler)

    def handle_error(self, request, client_address):
        # Clients that hang up on purpose are not news; anything else is
        # kept for the diagnostics.
        e = sys.exc_info()[1]
        if not isinstance(e, (ConnectionError, socket.timeout, BrokenPipeError)):
            self.errors.append(repr(e))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as a real endpoint
    timeout = 30                    # an idle client cannot hold a thread

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def reply(self, status, body=b"", ctype=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        plan = self.server.plan
        act, matched = plan.next(body, self.headers.get("Host"))
        if act == "forward" or act == "rewrite-host":
            self.forward(body, plan if matched else None, act == "rewrite-host")
        elif act == "drop":
            self.drop()
        elif act == "hang":
            STOP.wait(HANG_MAX)
            self.drop()
        elif act[0] == "delay":
            if STOP.wait(act[1]):
                self.drop()
                return
            self.forward(body, plan if matched else None, False)
        elif act[0] == "status":
            self.reply(act[1], act[2], act[3])
        else:
            self.reply(599, b"bad plan\n", "text/plain")

    def forward(self, body, plan, rewrite_host):
        """The request to moto as it came: same method, path, headers (Host
        too) and body; moto's reply back as it came."""
        up = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port,
                                        timeout=UPSTREAM_TIMEOUT)
        try:
            up.putrequest(self.command, self.path, skip_host=True,
                          skip_accept_encoding=True)
            for k, v in self.headers.items():
                if rewrite_host and k.lower() == "host":
                    v = "127.0.0.1:%d" % self.server.upstream_port
                up.putheader(k, v)
            up.endheaders(body if body else None)
            r = up.getresponse()
            data = r.read()
            if plan:
                plan.counted_forward()
            self.send_response_only(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (OSError, http.client.HTTPException) as e:
            self.server.errors.append("forwarding: %r" % e)
            self.reply(502, b"proxy: moto did not answer\n", "text/plain")
        finally:
            up.close()


def status(code, body=b"", ctype="text/plain"):
    return ("status", code, body, ctype)


E500 = status(500, b"<ErrorResponse><Error><Code>InternalError</Code>"
                   b"<Message>We encountered an internal error</Message>"
                   b"</Error></ErrorResponse>", "text/xml")
T429 = status(429, THROTTLE_BODY, "text/xml")
E503 = status(503, b"Service Unavailable\n", "text/plain")


class World:
    pass


def seed(moto, w):
    iam = moto.client("iam")
    before = moto.requests_sent
    w.arn = moto.create_user(iam, "alice", allow_all=True)      # 2
    w.akid, w.secret = moto.create_key(iam, "alice")            # 3
    return moto.requests_sent - before


def run_doctor(home, args, extra, timeout=DOCTOR_TIMEOUT):
    env = clean_env({"HOME": home, "TFAUTH_HTTP_TIMEOUT": "10",
                     "TFAUTH_HTTP_RETRY_BASE_MS": "1"})
    env.update(extra)
    start = time.monotonic()
    try:
        p = subprocess.run([DOCTOR] + list(args), env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = -1, e.stdout or b"", (e.stderr or b"") + b"\n(killed: timeout)"
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    try:
        rep = json.loads(out)
    except ValueError:
        rep = None
    return rc, out, err, rep, time.monotonic() - start


def check_of(rep, cid):
    """The last check with this id, or a stand-in that fails every test."""
    found = [c for c in (rep or {}).get("checks", []) if c.get("id") == cid]
    return found[-1] if found else {"status": "missing", "summary": "",
                                    "fix": None, "aws_code": None}


def scenarios(tap, moto, proxy, w, home):
    runs = []   # every sts-call run, for the secret check at the end

    def sts(plan, *args, **extra):
        proxy.plan = plan
        env = moto.tool_env(w.akid, w.secret, AWS_ENDPOINT_URL_STS=proxy.url,
                            AWS_ENDPOINT_URL_IAM=proxy.url, **extra)
        r = run_tool("sts-call", list(args) or ["identity"], env)
        runs.append(r)
        return r

    def diag(r, plan):
        return "%s\n%s\nproxy errors: %s" % (r, plan, proxy.errors[-3:])

    # Controls: the proxy is transparent, and moto really checks.
    p = Plan()
    r = sts(p)
    tap.check("through the proxy, no fault: identity is %s, 1 attempt" % w.arn,
              r.rc == 0 and r["arn"] == w.arn and r["account"] == ACCOUNT and
              p.counts() == (1, 1), diag(r, p))
    tap.check("the proxy forwarded the Host header the client sent",
              p.hosts == ["127.0.0.1:%d" % proxy.server_address[1]], p.hosts)
    p = Plan()
    proxy.plan = p
    r = run_tool("sts-call", ["identity"], moto.tool_env(
        w.akid, "wrong-secret-" + "y" * 27, AWS_ENDPOINT_URL_STS=proxy.url))
    tap.check("control: a wrong secret through the proxy is refused "
              "(moto checks signatures)",
              r.rc == 1 and r.aws_code() == "SignatureDoesNotMatch" and
              p.counts() == (1, 1), diag(r, p))
    p = Plan(then="rewrite-host")
    r = sts(p)
    tap.check("control: a proxy that rewrites Host breaks the signature",
              r.rc == 1 and r.aws_code() == "SignatureDoesNotMatch", diag(r, p))

    # 500, 500, then moto.
    p = Plan([E500, E500])
    r = sts(p)
    tap.check("500, 500, then success: identity is %s" % w.arn,
              r.rc == 0 and r["arn"] == w.arn and r["account"] == ACCOUNT, diag(r, p))
    tap.check("500, 500, then success: the proxy saw 3 attempts, forwarded 1",
              p.counts() == (3, 1), diag(r, p))

    # 429 Throttling, then moto.
    p = Plan([T429])
    r = sts(p)
    tap.check("429 Throttling, then success: identity is %s" % w.arn,
              r.rc == 0 and r["arn"] == w.arn, diag(r, p))
    tap.check("429 Throttling, then success: 2 attempts, 1 forwarded",
              p.counts() == (2, 1), diag(r, p))

    # 400 with a Throttling document (what STS really sends), then moto.
    p = Plan([status(400, THROTTLE_BODY, "text/xml")])
    r = sts(p)
    tap.check("400 <Code>Throttling</Code>, then success: retried, 2 attempts",
              r.rc == 0 and r["arn"] == w.arn and p.counts() == (2, 1), diag(r, p))

    # 503 for ever.
    p = Plan(then=E503)
    r = sts(p, AWS_MAX_ATTEMPTS="3")
    tap.check("503 for ever, AWS_MAX_ATTEMPTS=3: exit 1",
              r.rc == 1, diag(r, p))
    tap.check("503 for ever: the error names the status and the attempt count",
              "sts-call: STS GetCallerIdentity: '%s/' answered HTTP 503 after 3 "
              "attempts\n" % proxy.url in r.err and
              r.ekv.get("http_status") == "503", diag(r, p))
    tap.check("503 for ever: the hint names AWS_MAX_ATTEMPTS",
              "hint: " in r.err and "AWS_MAX_ATTEMPTS" in r.err, diag(r, p))
    tap.check("503 for ever: exactly 3 attempts, none forwarded",
              p.counts() == (3, 0), diag(r, p))

    # Throttled for ever: the AWS error is what is reported.
    p = Plan(then=T429)
    r = sts(p, AWS_MAX_ATTEMPTS="2")
    tap.check("429 Throttling for ever, AWS_MAX_ATTEMPTS=2: exit 1, "
              "Throttling named, 2 attempts",
              r.rc == 1 and r.aws_code() == "Throttling" and
              "Throttling: Rate exceeded" in r.err and p.counts() == (2, 0),
              diag(r, p))

    # A dropped connection, then moto.
    p = Plan(["drop"])
    r = sts(p)
    tap.check("dropped connection, then success: identity is %s" % w.arn,
              r.rc == 0 and r["arn"] == w.arn, diag(r, p))
    tap.check("dropped connection, then success: 2 attempts, 1 forwarded",
              p.counts() == (2, 1), diag(r, p))

    # A drop, a 500, a 503: every kind in one request, within 4 attempts.
    p = Plan(["drop", E500, E503])
    r = sts(p, AWS_MAX_ATTEMPTS="4")
    tap.check("drop, 500, 503, then success with AWS_MAX_ATTEMPTS=4: 4 attempts",
              r.rc == 0 and r["arn"] == w.arn and p.counts() == (4, 1), diag(r, p))

    # A slow reply within the timeout is waited for, not retried.
    p = Plan([("delay", 1.0)])
    r = sts(p)
    tap.check("a reply 1 s late (timeout 10 s): success, 1 attempt",
              r.rc == 0 and r["arn"] == w.arn and p.counts() == (1, 1) and
              r.elapsed >= 0.9, diag(r, p))

    # IAM through the proxy: the same retries, another signing name.
    p = Plan([E500])
    r = sts(p, "list-keys")
    tap.check("IAM ListAccessKeys: 500, then success: alice's key listed",
              r.rc == 0 and r["key.0.user_name"] == "alice" and
              r["key.0.access_key_id"] == w.akid and r["count"] == "1" and p.counts() == (2, 1), diag(r, p))

    tap.check("no secret in the output of any of the %d sts-call runs" % len(runs),
              runs and all(w.secret not in r.out + r.err for r in runs))

    # tfauth-doctor, the same 500-then-success plan on GetCallerIdentity.
    env = {"AWS_ENDPOINT_URL_STS": proxy.url, "AWS_ENDPOINT_URL_IAM": proxy.url}
    p = Plan([E500, E500], match="Action=GetCallerIdentity")
    proxy.plan = p
    rc, out, err, rep, took = run_doctor(home, ["alice", "--json"], env)
    idc = check_of(rep, "identity")
    tap.check("doctor, 500, 500, then success: exit 0",
              rc == 0 and rep is not None and rep.get("ok") is True,
              "rc=%s\n%s\n%s\n%s" % (rc, out[-1500:], err, p))
    tap.check("doctor: the identity check is ok and names alice",
              idc["status"] == "ok" and w.arn in idc["summary"], "%s\n%s" % (idc, p))
    tap.check("doctor: GetCallerIdentity took 3 attempts through the proxy",
              p.counts() == (3, 1), p)
    tap.check("doctor: IAM (through the proxy too) says the key is Active",
              check_of(rep, "access-key")["status"] == "ok" and p.other >= 1,
              "%s\n%s" % (check_of(rep, "access-key"), p))
    tap.check("doctor: no secret in the output", w.secret not in out + err)

    # tfauth-doctor, a reply that never comes.
    p = Plan(then="hang", match="Action=GetCallerIdentity")
    proxy.plan = p
    env["TFAUTH_HTTP_TIMEOUT"] = "2"
    rc, out, err, rep, took = run_doctor(home, ["alice", "--json"], env)
    idc = check_of(rep, "identity")
    tap.check("doctor, no reply, TFAUTH_HTTP_TIMEOUT=2: exit 1 within 10 s "
              "(%.1f s)" % took, rc == 1 and took < 10,
              "rc=%s took=%.1f\n%s\n%s" % (rc, took, out[-1500:], err))
    tap.check("doctor, no reply: the identity check fails, naming the wait",
              idc["status"] == "fail" and
              ("no reply from '%s/' within 2 s" % proxy.url) in idc["summary"] and
              "\n" not in idc["summary"], idc)
    tap.check("doctor, no reply: GetCallerIdentity was not retried past the budget",
              p.counts()[0] == 1, p)
    tap.check("doctor, no reply: no secret in the output", w.secret not in out + err)


def write_home(root, w):
    home = os.path.join(root, "home")
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[profile alice]\nregion = us-east-1\n")
    fd = os.open(os.path.join(home, ".aws", "credentials"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("[alice]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (w.akid, w.secret))
    return home


def main():
    tap = Tap()
    ok, why = Moto.available()
    if not ok:
        tap.skip("fault-injecting proxy in front of moto",
                 "moto or boto3 is not installed (%s)" % why)
        return tap.done()
    for tool in (os.path.join(TOOLS, "sts-call"), DOCTOR):
        if not os.access(tool, os.X_OK):
            tap.check("%s is built (run 'make' and 'make tests')" % tool, False)
            return tap.done()
    moto = Moto(no_auth_count=SEED_CALLS)
    proxy = None
    root = tempfile.mkdtemp(prefix="tfauth-faults.")
    try:
        moto.start()
        w = World()
        made = seed(moto, w)
        tap.check("seeding made exactly %d requests" % SEED_CALLS,
                  made == SEED_CALLS, made)
        proxy = Proxy(moto.port)
        t = threading.Thread(target=proxy.serve_forever,
                             kwargs={"poll_interval": 0.1})
        t.daemon = True
        t.start()
        scenarios(tap, moto, proxy, w, write_home(root, w))
    except MotoError as e:
        tap.check("moto's server starts", False, e)
    finally:
        STOP.set()
        if proxy is not None:
            proxy.shutdown()
            proxy.server_close()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
