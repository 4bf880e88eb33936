#!/usr/bin/env python3
"""doctor_bad_replies — tfauth-doctor (and sts-call) against a server that
answers badly: the HTML page of a corporate proxy (403 and 200), truncated
XML, an empty 200, a 200 document without Arn or Account, a 2 MB body, a
body that is not UTF-8, XML nested thousands deep, and a few more.  Then bad
input that needs no server: an endpoint URL without a scheme, a region with
blanks.

For each bad reply: the doctor exits 1 (not 0, not a signal), the identity
check fails with one line that says what is wrong (the key words are the
stable part of what lib/awsquery.c and lib/http.c write), the JSON report
parses, and the fixture's recognisable fake secret appears nowhere.

The server runs in this process on 127.0.0.1, on a port the kernel picked;
every wait is bounded and the server is stopped at the end.  Prints TAP.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOOLS, TOP, Tap, clean_env, free_port, run_tool  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
DOCTOR = os.path.join(BIN, "tfauth-doctor")
RUN_TIMEOUT = 30
AKID = "AKIAFAKEBADREPLY7Q2Z"
SECRET = "tfauthFAKEsecretMustNeverBePrinted0xC0FFEE"  # 42 chars, greppable
TOKEN_MARK = "tfauthFAKEsecret"   # any fragment of it is a leak too

GOOD_ARN = "arn:aws:iam::123456789012:user/bad-replies"
GCI = ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
       "<GetCallerIdentityResult>%s</GetCallerIdentityResult>"
       "<ResponseMetadata><RequestId>bad-replies-1</RequestId></ResponseMetadata>"
       "</GetCallerIdentityResponse>")
GCI_GOOD = (GCI % ("<Arn>%s</Arn><UserId>AIDABADREPLIES000001</UserId>"
                   "<Account>123456789012</Account>" % GOOD_ARN)).encode()
HTML_DENIED = b"<html><body>Access denied by policy</body></html>"
BIG = b"x" * (2 << 20)   # 2 MiB: over the 1 MiB cap

LOCK = threading.Lock()
HITS = [0]


def hits():
    with LOCK:
        return HITS[0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 20

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype=None, headers=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(n) if n else b""
        with LOCK:
            HITS[0] += 1
        mode = self.server.mode
        gci = b"Action=GetCallerIdentity" in sent
        if mode == "good":
            if gci:
                self.reply(200, GCI_GOOD, "text/xml")
            else:
                self.reply(403, b"<ErrorResponse><Error><Code>AccessDenied</Code>"
                           b"<Message>not for this test</Message></Error>"
                           b"</ErrorResponse>", "text/xml")
        elif mode == "html403":
            self.reply(403, HTML_DENIED, "text/html")
        elif mode == "html200":
            self.reply(200, HTML_DENIED, "text/html; charset=utf-8")
        elif mode == "html503":
            self.reply(503, b"<html><body>Service Unavailable</body></html>",
                       "text/html")
        elif mode == "json200":
            self.reply(200, b'{"message":"Forbidden"}', "application/json")
        elif mode == "awserr-as-html":  # moto labels its errors text/html
            self.reply(403, b"<ErrorResponse><Error><Type>Sender</Type>"
                       b"<Code>InvalidClientTokenId</Code><Message>The security "
                       b"token included in the request is invalid.</Message>"
                       b"</Error><RequestId>r-1</RequestId></ErrorResponse>",
                       "text/html; charset=utf-8")
        elif mode == "truncated":
            self.reply(200, GCI_GOOD[:len(GCI_GOOD) // 2], "text/xml")
        elif mode == "empty200":
            self.reply(200, b"", "text/xml")
        elif mode == "no-arn-account":
            self.reply(200, (GCI % "<UserId>AIDABADREPLIES000001</UserId>").encode(),
                       "text/xml")
        elif mode == "no-arn":
            self.reply(200, (GCI % ("<UserId>AIDABADREPLIES000001</UserId>"
                                    "<Account>123456789012</Account>")).encode(),
                       "text/xml")
        elif mode == "wrong-root":
            self.reply(200, b"<ListUsersResponse><ListUsersResult/></ListUsersResponse>",
                       "text/xml")
        elif mode == "big":
            self.reply(200, b"<a>" + BIG + b"</a>", "text/xml")
        elif mode == "bigstream":  # no Content-Length: only the cap stops it
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                self.wfile.write(b"<a>" + BIG + b"</a>")
            except OSError:
                pass
        elif mode == "latin1":  # ISO-8859-1 bytes, no encoding declaration
            self.reply(200, (GCI % "<Arn>arn:aws:iam::123456789012:user/caf\xe9"
                             "</Arn>").encode("latin-1") + b"\xff\xfe",
                       "text/xml; charset=ISO-8859-1")
        elif mode == "badct":  # not UTF-8 in a header that reaches a message
            self.reply(403, b"<html>x</html>", "text/html; charset=\xff\xfe")
        elif mode == "badrid":
            self.reply(200, (GCI % "<UserId>AIDABADREPLIES000001</UserId>").encode(),
                       "text/xml", headers=(("x-amzn-RequestId", "r\xffq"),))
        elif mode == "deep":
            self.reply(200, b'<?xml version="1.0"?>' + b"<a>" * 20000 +
                       b"</a>" * 20000, "text/xml")
        else:
            self.reply(404, b"no such mode\n", "text/plain")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    mode = "good"

    def handle_error(self, request, client_address):
        pass  # clients that hang up on a 2 MB body are the point


def doctor(home, args, extra):
    env = clean_env({"HOME": home, "TFAUTH_HTTP_TIMEOUT": "5",
                     "TFAUTH_HTTP_RETRY_BASE_MS": "1"})
    env.update(extra)
    start = time.monotonic()
    try:
        p = subprocess.run([DOCTOR] + list(args), env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=RUN_TIMEOUT)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = -1, e.stdout or b"", (e.stderr or b"") + b"\n(killed: timeout)"
    return Run(rc, out, err, time.monotonic() - start)


class Run:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.raw, self.elapsed = rc, out + err, elapsed
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")
        try:
            self.rep = json.loads(self.out)
        except ValueError:
            self.rep = None

    def check(self, cid):
        found = [c for c in (self.rep or {}).get("checks", []) if c.get("id") == cid]
        return found[-1] if found else {"status": "missing", "summary": "",
                                        "fix": None, "aws_code": None}

    def utf8(self):
        try:
            self.raw.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False

    def sane(self):
        """Exit 1 by a normal exit: no signal, no sanitizer report."""
        return (self.rc == 1 and "Sanitizer" not in self.err and
                "runtime error:" not in self.err)

    def __str__(self):
        return "rc=%s elapsed=%.2fs\nstdout: %s\nstderr: %s" % (
            self.rc, self.elapsed, self.out[-1800:], self.err[-800:])


def one_line(s):
    return bool(s) and not any(c in s for c in "\r\n\t\x1b") and len(s) < 400


def no_secret(r):
    return TOKEN_MARK.encode() not in r.raw


def write_home(root):
    home = os.path.join(root, "home")
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[default]\nregion = us-east-1\n"
                "[profile bad]\nregion = eu-west-1\n"
                "[profile spaced]\noutput = json\nregion = eu west 1\n")
    fd = os.open(os.path.join(home, ".aws", "credentials"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        for name in ("bad", "spaced"):
            f.write("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (name, AKID, SECRET))
    return home


# (mode, description, words every one of which the identity summary holds,
#  words the fix holds)
BAD = [
    ("html403", "HTML page from a proxy, 403",
     ["STS GetCallerIdentity", "not XML", "text/html", "proxy"],
     ["HTTP 403", "AWS_ENDPOINT_URL_STS", "HTTPS_PROXY"]),
    ("html200", "HTML page from a proxy, 200",
     ["STS GetCallerIdentity", "not XML", "text/html", "proxy"],
     ["HTTP 200", "AWS_ENDPOINT_URL_STS"]),
    ("html503", "HTML 503 page (retried, then reported by status)",
     ["STS GetCallerIdentity", "answered HTTP 503 after 3 attempts"],
     ["AWS_MAX_ATTEMPTS"]),
    ("json200", "JSON where XML belongs",
     ["not XML", "application/json", "proxy"], ["HTTP 200"]),
    ("truncated", "GetCallerIdentityResponse cut in the middle",
     ["STS GetCallerIdentity", "not well-formed XML"], ["AWS_ENDPOINT_URL_STS"]),
    ("empty200", "empty 200 body",
     ["STS GetCallerIdentity", "HTTP 200 with an empty body"], ["AWS_ENDPOINT_URL_STS"]),
    ("no-arn-account", "200 document without Arn and Account",
     ["STS GetCallerIdentity", "lacks GetCallerIdentityResult/Account"],
     ["AWS_ENDPOINT_URL_STS", "bad-replies-1"]),
    ("no-arn", "200 document without Arn",
     ["STS GetCallerIdentity", "lacks GetCallerIdentityResult/Arn"],
     ["AWS_ENDPOINT_URL_STS"]),
    ("wrong-root", "200 document of another operation",
     ["root is 'ListUsersResponse', not 'GetCallerIdentityResponse'"],
     ["AWS_ENDPOINT_URL_STS"]),
    ("big", "2 MB body with Content-Length",
     ["STS GetCallerIdentity", "over the 1 MiB limit"], ["AWS_ENDPOINT_URL"]),
    ("bigstream", "2 MB body without Content-Length",
     ["STS GetCallerIdentity", "over the 1 MiB limit"], ["AWS_ENDPOINT_URL"]),
    ("latin1", "body that is not UTF-8",
     ["STS GetCallerIdentity", "not well-formed XML", "invalid token"],
     ["AWS_ENDPOINT_URL_STS"]),
    ("deep", "XML nested 20000 deep",
     ["STS GetCallerIdentity", "deeper than 32 levels"], ["AWS_ENDPOINT_URL_STS"]),
]


def bad_replies(tap, server, url, home):
    env = {"AWS_ENDPOINT_URL_STS": url, "AWS_ENDPOINT_URL_IAM": url}

    # Control: the same server answering well, so the checks below can tell.
    server.mode = "good"
    r = doctor(home, ["bad", "--json"], env)
    idc = r.check("identity")
    tap.check("control: a good reply gives an ok identity check",
              idc["status"] == "ok" and GOOD_ARN in idc["summary"] and
              r.check("region")["status"] == "ok", "%s\n%s" % (idc, r))

    # An AWS error document labelled text/html (as moto does) is read as one.
    server.mode = "awserr-as-html"
    r = doctor(home, ["bad", "--json"], env)
    idc = r.check("identity")
    tap.check("control: an AWS error document labelled text/html is an AWS error, "
              "not 'not XML'",
              r.rc == 1 and idc["aws_code"] == "InvalidClientTokenId" and
              "not XML" not in idc["summary"], "%s\n%s" % (idc, r))

    for mode, desc, words, fix_words in BAD:
        server.mode = mode
        before = hits()
        r = doctor(home, ["bad", "--json"], env)
        idc = r.check("identity")
        summary, fix = idc.get("summary") or "", idc.get("fix") or ""
        tap.check("%s: exit 1, no crash" % desc, r.sane() and hits() > before, r)
        tap.check("%s: the identity check fails: %s" % (desc, " / ".join(words)),
                  r.rep is not None and idc["status"] == "fail" and
                  all(w in summary for w in words), "%s\n%s" % (idc, r))
        tap.check("%s: summary is one line, the fix names %s"
                  % (desc, " / ".join(fix_words)),
                  one_line(summary) and all(w in fix for w in fix_words),
                  "%r\n%r" % (summary, fix))
        t = doctor(home, ["bad"], env)
        line = [ln for ln in t.out.splitlines() if ln.startswith("  FAIL  identity")]
        tap.check("%s: text report: one FAIL identity line with the words, "
                  "UTF-8, no secret" % desc,
                  t.sane() and len(line) == 1 and all(w in line[0] for w in words)
                  and r.utf8() and t.utf8() and no_secret(r) and no_secret(t), t)

    # Bytes that are not UTF-8 in reply headers must not spoil the report.
    for mode, key in (("badct", "summary"), ("badrid", "fix")):
        server.mode = mode
        r = doctor(home, ["bad", "--json"], env)
        idc = r.check("identity")
        t = doctor(home, ["bad"], env)
        tap.check("%s: --json keeps the identity check's %s, all UTF-8" % (mode, key),
                  r.rc == 1 and idc.get(key) and r.utf8() and t.utf8(), "%s\n%s" % (idc, r))

    # sts-call, the library's own message, on two of them.
    for mode, words in (("html403", ["sts-call: STS GetCallerIdentity: STS answered "
                                     "with something that is not XML (text/html); "
                                     "is a proxy in the way?\n",
                                     "http_status=403"]),
                        ("truncated", ["sts-call: STS GetCallerIdentity: the reply "
                                       "is not well-formed XML (",
                                       "http_status=200", "request_id=\n"])):
        server.mode = mode
        r = run_tool("sts-call", ["identity"], clean_env({
            "AWS_ENDPOINT_URL_STS": url, "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET,
            "TFAUTH_HTTP_RETRY_BASE_MS": "1", "TFAUTH_HTTP_TIMEOUT": "5",
            "HOME": home}))
        tap.check("sts-call identity, %s: exit 1 with the message, no secret" % mode,
                  r.rc == 1 and all(w in r.err for w in words) and r.out == "" and
                  TOKEN_MARK not in r.err, r)


def bad_input(tap, server, url, home):
    """No request may leave for these: the server counts."""
    closed = "http://127.0.0.1:%d" % free_port()

    before = hits()
    r = doctor(home, ["bad", "--json"], {"AWS_ENDPOINT_URL_STS": "localhost:5000",
                                         "AWS_ENDPOINT_URL_IAM": url})
    idc = r.check("identity")
    tap.check("AWS_ENDPOINT_URL_STS=localhost:5000: exit 1, no request sent",
              r.sane() and hits() == before, r)
    tap.check("... the identity check names AWS_ENDPOINT_URL_STS and 'no scheme'",
              idc["status"] == "fail" and "AWS_ENDPOINT_URL_STS" in idc["summary"] and
              "'localhost:5000'" in idc["summary"] and "no scheme" in idc["summary"] and
              one_line(idc["summary"]), idc)
    tap.check("... the fix is http://localhost:5000",
              "http://localhost:5000" in (idc["fix"] or ""), idc)
    tap.check("... no secret", no_secret(r))

    before = hits()
    r = doctor(home, ["spaced", "--json"], {"AWS_ENDPOINT_URL_STS": url,
                                            "AWS_ENDPOINT_URL_IAM": url})
    rg, idc = r.check("region"), r.check("identity")
    tap.check("profile 'region = eu west 1': exit 1, no request sent",
              r.sane() and hits() == before, r)
    tap.check("... the region check fails quoting 'eu west 1'",
              rg["status"] == "fail" and "'eu west 1'" in rg["summary"] and
              "not a region name" in rg["summary"], rg)
    tap.check("... the identity check names the profile and ~/.aws/config:7",
              idc["status"] == "fail" and "'eu west 1'" in idc["summary"] and
              "profile 'spaced' (~/.aws/config:7)" in idc["summary"], idc)
    tap.check("... no secret", no_secret(r))

    before = hits()
    r = doctor(home, ["bad", "--json"], {"AWS_REGION": "us-east-1 ",
                                         "AWS_ENDPOINT_URL_STS": url,
                                         "AWS_ENDPOINT_URL_IAM": closed})
    rg, idc = r.check("region"), r.check("identity")
    tap.check("AWS_REGION='us-east-1 ': exit 1, no request sent",
              r.sane() and hits() == before, r)
    tap.check("... the region check fails naming AWS_REGION and the blank",
              rg["status"] == "fail" and "'us-east-1 '" in rg["summary"] and
              "AWS_REGION" in rg["summary"], rg)
    tap.check("... the identity check's fix is 'write it as 'us-east-1''",
              idc["status"] == "fail" and "AWS_REGION" in idc["summary"] and
              "write it as 'us-east-1'" in (idc["fix"] or ""), idc)

    # The doctor's text report for the same: one line each, exit 1.
    t = doctor(home, ["bad"], {"AWS_REGION": "us-east-1 ",
                               "AWS_ENDPOINT_URL_STS": url,
                               "AWS_ENDPOINT_URL_IAM": closed})
    tap.check("... text report: FAIL region and FAIL identity lines",
              t.sane() and "  FAIL  region            'us-east-1 ' (from AWS_REGION)"
              in t.out and "  FAIL  identity          region 'us-east-1 ' from "
              "AWS_REGION" in t.out and no_secret(t), t)


def main():
    tap = Tap()
    for tool in (DOCTOR, os.path.join(TOOLS, "sts-call")):
        if not os.access(tool, os.X_OK):
            tap.check("%s is built (run 'make' and 'make tests')" % tool, False)
            return tap.done()
    server = Server(("127.0.0.1", 0), Handler)
    url = "http://127.0.0.1:%d" % server.server_address[1]
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    t.daemon = True
    t.start()
    root = tempfile.mkdtemp(prefix="tfauth-badreplies.")
    try:
        home = write_home(root)
        bad_replies(tap, server, url, home)
        bad_input(tap, server, url, home)
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
