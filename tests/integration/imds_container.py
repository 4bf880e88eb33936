#!/usr/bin/env python3
"""imds_container — lib/imds against a loopback server that plays the EC2
instance metadata service (IMDSv2 with its session token, or IMDSv1 only,
or one that never answers) and the ECS/EKS container credentials endpoint
(which checks the Authorization header).  Drives tests/tools/imds-get with
AWS_EC2_METADATA_SERVICE_ENDPOINT / AWS_CONTAINER_CREDENTIALS_FULL_URI
pointing at it; prints TAP.

The server runs in this process on 127.0.0.1, on a port the kernel picked;
every wait is bounded and the server is stopped at the end.
"""
import hashlib
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

TOP = os.environ.get("TFAUTH_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
TESTBIN = os.environ.get("TFAUTH_TESTBIN") or os.path.join(
    TOP, "build", "rel", "tests")
TOOL = os.path.join(TESTBIN, "tools", "imds-get")
RUN_TIMEOUT = 30  # seconds any one tool run may take

AKID = "ASIAINTEGRATIONTEST1"
SECRET = "SECRETintegration+/0123456789abcdefghijkl"
TOKEN = "IQoJb3JpZ2luX2VjINTEGRATIONSESSION+/=="
EXPIRATION = "2030-01-02T03:04:05Z"
ROLE = "integration-role"
IMDS_TOKEN = "AQAEAINTEGRATIONimdsV2token=="
AUTH = "Bearer integration.container.token"
LIST = "/latest/meta-data/iam/security-credentials/"

STOP = threading.Event()
LOCK = threading.Lock()
STATE = {"imds": "v2"}  # v2 | v1 | hang | norole
SEEN = []               # (method, path, {header: value}) per request

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


def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


def creds_doc(**extra):
    d = {"AccessKeyId": AKID, "SecretAccessKey": SECRET, "Token": TOKEN,
         "Expiration": EXPIRATION}
    d.update(extra)
    return json.dumps(d).encode()


def seen():
    with LOCK:
        return list(SEEN)


def reset(mode):
    with LOCK:
        STATE["imds"] = mode
        del SEEN[:]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 20  # an idle client cannot hold a thread forever

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        with LOCK:
            SEEN.append((self.command, self.path,
                         {k.lower(): v for k, v in self.headers.items()}))
            return STATE["imds"]

    def hang(self):
        STOP.wait(10)
        self.close_connection = True

    def do_PUT(self):
        mode = self.record()
        if self.path != "/latest/api/token":
            self.reply(404, b"no such path\n")
        elif mode == "hang":
            self.hang()
        elif mode == "v1":
            self.reply(404, b"Not Found\n")  # an IMDS that predates v2
        elif self.headers.get("X-aws-ec2-metadata-token-ttl-seconds") is None:
            self.reply(400, b"Missing TTL\n")
        else:
            self.reply(200, IMDS_TOKEN.encode())

    def do_GET(self):
        mode = self.record()
        if self.path == "/container/creds":
            if self.headers.get("Authorization") != AUTH:
                self.reply(401, json.dumps({
                    "code": "AccessDeniedException",
                    "message": "invalid authorization token"}).encode(),
                    "application/json")
            else:
                self.reply(200, creds_doc(AccountId="123456789012"),
                           "application/json")
            return
        if mode == "hang":
            self.hang()
            return
        token = self.headers.get("X-aws-ec2-metadata-token")
        if mode == "v2" and token != IMDS_TOKEN:
            self.reply(401, b"Unauthorized\n")
        elif self.path == LIST:
            if mode == "norole":
                self.reply(404, b"Not Found\n")
            else:
                self.reply(200, (ROLE + "\n").encode())
        elif self.path == LIST + ROLE and mode != "norole":
            self.reply(200, creds_doc(Code="Success", Type="AWS-HMAC",
                                      LastUpdated="2030-01-01T21:00:00Z"),
                       "application/json")
        else:
            self.reply(404, b"Not Found\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up on purpose are not news


def free_closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def base_env():
    env = {}
    for k, v in os.environ.items():
        if k.lower() in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
            continue  # the machine's proxies have no place here
        if k.startswith("AWS_") or (k.startswith("TFAUTH_") and k not in (
                "TFAUTH_BIN", "TFAUTH_TESTBIN", "TFAUTH_TOP", "TFAUTH_SANITIZE")):
            continue
        env[k] = v
    env["TFAUTH_HTTP_RETRY_BASE_MS"] = "1"
    return env


class Run:
    def __init__(self, what, **extra):
        env = base_env()
        env.update(extra)
        start_t = time.monotonic()
        try:
            p = subprocess.run([TOOL, what], env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=RUN_TIMEOUT)
            self.rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            self.rc, out, err = -1, e.stdout or b"", (e.stderr or b"") + b"\n(killed: timeout)"
        self.elapsed = time.monotonic() - start_t
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")
        self.kv = dict(l.split("=", 1) for l in self.out.splitlines() if "=" in l)

    def creds_ok(self):
        return (self.rc == 0 and self.kv.get("access_key_id") == AKID
                and self.kv.get("secret_access_key_sha256") == sha256(SECRET)
                and self.kv.get("session_token_sha256") == sha256(TOKEN)
                and self.kv.get("expiration") == EXPIRATION)

    def leaks(self):
        text = self.out + self.err
        return any(s in text for s in (SECRET, TOKEN, IMDS_TOKEN, AUTH))

    def __str__(self):
        return "rc=%s elapsed=%.2fs\nstdout: %s\nstderr: %s" % (
            self.rc, self.elapsed, self.out[:400], self.err[:800])


def scenarios(url, tmp):
    ep = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": url}

    reset("v2")
    r = Run("imds", **ep)
    check("IMDSv2: credentials", r.creds_ok(), r)
    s = seen()
    check("IMDSv2: PUT token with TTL 21600, then two GETs",
          [(m, p) for m, p, _ in s] == [("PUT", "/latest/api/token"), ("GET", LIST),
                                         ("GET", LIST + ROLE)]
          and s[0][2].get("x-aws-ec2-metadata-token-ttl-seconds") == "21600", s)
    check("IMDSv2: both GETs carry the session token",
          all(h.get("x-aws-ec2-metadata-token") == IMDS_TOKEN for _, _, h in s[1:]),
          [h.get("x-aws-ec2-metadata-token") for _, _, h in s[1:]])
    check("IMDSv2: no secret on stdout or stderr", not r.leaks(), r)

    reset("v1")
    r = Run("imds", **ep)
    check("IMDSv1-only service: falls back, credentials", r.creds_ok(), r)
    s = seen()
    check("IMDSv1: the GETs carry no token",
          len(s) == 3 and all("x-aws-ec2-metadata-token" not in h for _, _, h in s[1:]), s)

    reset("v1")
    r = Run("imds", AWS_EC2_METADATA_V1_DISABLED="true", **ep)
    check("IMDSv1-only service, AWS_EC2_METADATA_V1_DISABLED=true: fails, exit 1",
          r.rc == 1 and "IMDSv1 has been disabled" in r.err and "hint:" in r.err, r)
    check("v1 disabled: only the token request was made", len(seen()) == 1, seen())

    reset("norole")
    r = Run("imds", **ep)
    check("no role attached: 'no EC2 IMDS role found', exit 1",
          r.rc == 1 and "no EC2 IMDS role found" in r.err
          and "associate-iam-instance-profile" in r.err, r)

    reset("v2")
    r = Run("imds", AWS_EC2_METADATA_DISABLED="TRUE", **ep)
    check("AWS_EC2_METADATA_DISABLED=TRUE: says disabled, no request",
          r.rc == 1 and "disabled" in r.err and not seen(), r)

    reset("v2")
    r = Run("imds", AWS_EC2_METADATA_DISABLED="no", **ep)
    check("AWS_EC2_METADATA_DISABLED=no leaves IMDS on", r.creds_ok(), r)

    reset("hang")
    r = Run("imds", AWS_METADATA_SERVICE_TIMEOUT="1", **ep)
    check("hanging IMDS, AWS_METADATA_SERVICE_TIMEOUT=1: fails within ~2 s",
          r.rc == 1 and r.elapsed < 3.0, r)
    check("hanging IMDS: message names the wait, hint the knob",
          "no EC2 IMDS role found" in r.err and "within 1 s" in r.err
          and "AWS_METADATA_SERVICE_TIMEOUT" in r.err, r)
    check("hanging IMDS: token (timed out), then one IMDSv1 try",
          [m for m, _, _ in seen()] == ["PUT", "GET"], seen())

    reset("hang")
    r = Run("imds", TFAUTH_HTTP_TIMEOUT="30", **ep)
    check("hanging IMDS: the default 1 s holds, TFAUTH_HTTP_TIMEOUT does not apply",
          r.rc == 1 and r.elapsed < 3.0, r)

    closed = free_closed_port()
    reset("v2")
    r = Run("imds", AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d" % closed)
    check("nothing listening: fails at once with 'cannot connect'",
          r.rc == 1 and "cannot connect" in r.err and r.elapsed < 2.0, r)

    # The container endpoint.
    full = url + "/container/creds"
    token_file = os.path.join(tmp, "token")
    with open(token_file, "w") as f:
        f.write(AUTH)
    wrong_file = os.path.join(tmp, "wrong")
    with open(wrong_file, "w") as f:
        f.write("Bearer not-the-token")

    reset("v2")
    r = Run("container", AWS_CONTAINER_CREDENTIALS_FULL_URI=full,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file)
    check("container, token file: credentials and account id",
          r.creds_ok() and r.kv.get("account_id") == "123456789012", r)
    s = seen()
    check("container: one GET with the file's Authorization and Accept JSON",
          len(s) == 1 and s[0][0] == "GET" and s[0][2].get("authorization") == AUTH
          and s[0][2].get("accept") == "application/json", s)
    check("container: no secret on stdout or stderr", not r.leaks(), r)

    r = Run("container", AWS_CONTAINER_CREDENTIALS_FULL_URI=full,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH)
    check("container, token variable: credentials", r.creds_ok(), r)

    r = Run("container", AWS_CONTAINER_CREDENTIALS_FULL_URI=full,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=wrong_file,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH)
    check("container, wrong token (the file wins): clear error, exit 1",
          r.rc == 1 and "received non 200 response 401 from container metadata" in r.err
          and "invalid authorization token" in r.err
          and "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in r.err, r)
    check("container, wrong token: no token shown",
          not r.leaks() and "not-the-token" not in r.err, r)

    reset("v2")
    r = Run("container", AWS_CONTAINER_CREDENTIALS_FULL_URI="http://example.com/creds")
    check("container, http://example.com: refused in botocore's words, no request",
          r.rc == 1 and "unsupported host 'example.com'" in r.err
          and "loopback address" in r.err and not seen(), r)

    r = Run("container")
    check("container, no variable: exit 1, both variables named",
          r.rc == 1 and "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" in r.err
          and "AWS_CONTAINER_CREDENTIALS_FULL_URI" in r.err, r)


def main():
    if not os.access(TOOL, os.X_OK):
        print("not ok 1 - %s is built (run 'make tests')" % TOOL)
        print("1..1")
        return 1
    server = Server(("127.0.0.1", 0), Handler)
    url = "http://127.0.0.1:%d" % server.server_address[1]
    tmp = tempfile.mkdtemp(prefix="tfauth-imds.")
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    t.daemon = True
    t.start()
    try:
        scenarios(url, tmp)
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()
        t.join(5)
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n_tests)
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
