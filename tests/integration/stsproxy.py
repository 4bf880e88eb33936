"""stsproxy — a counting HTTP proxy in front of moto's server.

    from harness import Moto
    from stsproxy import StsProxy

    with Moto(no_auth_count=N) as moto, StsProxy(moto) as proxy:
        env = moto.tool_env(AWS_ENDPOINT_URL_STS=proxy.url)
        mark = proxy.mark()
        ...run a tool...
        proxy.count("AssumeRole", since=mark)   # requests that reached moto

Every request is forwarded to moto unchanged: method, path and query,
body, and every header as the client sent it, the Host header included
(SigV4 signs it, and moto checks the signature against what it receives).
Only hop-by-hop headers (Connection, Keep-Alive, Expect, Transfer-Encoding
...) are dropped; a chunked body is sent on with a Content-Length.  Each
connection carries one request (the answer says "Connection: close"), so
no idle connection keeps a thread alive when the proxy stops.

Requests are recorded by their Action (the form body of a POST, or the
query string): proxy.requests() lists them as Request objects with the
action, a few parameters (RoleArn, RoleSessionName, DurationSeconds,
SerialNumber, TokenCode, ExternalId), the access key id that signed it
(from the Authorization header: an id, not a secret) and moto's HTTP
status.

GetSessionToken with MFA: moto's own GetSessionToken hands out a fixed
example key that moto itself then rejects.  After
proxy.intercept_session_token(role_arn, akid, secret), a GetSessionToken
is still forwarded to moto first (so that moto verifies its signature and
the caller's permissions, and answers its errors itself); when moto
answers 200, the proxy replaces the answer by credentials it obtained
from moto with AssumeRole on role_arn (signed with akid/secret, sent
straight to moto, not counted), in GetSessionTokenResponse's XML shape.
Those credentials work against moto, so an MFA session made through the
proxy can go on to assume roles that trust the session's ARN,
arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION_NAME.

A wrong MFA code: after proxy.reject_token_codes(["111111", ...]), a
GetSessionToken whose TokenCode is one of those is still forwarded to
moto first; when moto answers 200, the proxy answers instead HTTP 403 with
the error document STS sends for a wrong code (AccessDenied,
"MultiFactorAuthentication failed with invalid MFA one time pass code.").
The request is recorded with status 403 and rejected = True.  This works
with or without intercept_session_token; other codes go on as before.

proxy.delay(action, seconds) holds requests of one action for a while
before forwarding them (to make parallel clients meet at a lock).

Nothing here prints or logs a secret: the log keeps no secret key, session
token or web identity token.  Run directly, it is a self-test printing TAP.
"""
import http.client
import http.server
import os
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ACCOUNT, Moto, MotoError, Tap  # noqa: E402

UPSTREAM_TIMEOUT = 30   # seconds one forwarded request may take
STOP_TIMEOUT = 5        # seconds stop() waits for the server thread
MAX_BODY = 1 << 20

# Parameters worth recording (none of them is a secret).
_KEEP_PARAMS = ("RoleArn", "RoleSessionName", "DurationSeconds",
                "SerialNumber", "TokenCode", "ExternalId", "UserName")
_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
        "te", "trailer", "trailers", "transfer-encoding", "upgrade", "expect"}


class Request:
    """One request that went through the proxy."""

    def __init__(self, method, path, action, params, akid, host):
        self.method, self.path, self.action = method, path, action
        self.params, self.akid, self.host = params, akid, host
        self.status = None           # moto's HTTP status (None: no answer)
        self.intercepted = False     # answered with the proxy's own creds
        self.rejected = False        # answered 403: a rejected TokenCode
        self.time = time.time()

    def __repr__(self):
        return "<%s %s %s status=%s%s>" % (
            self.method, self.action, self.params, self.status,
            " intercepted" if self.intercepted else "") + (
            "" if not self.rejected else " rejected")


def _akid_of(auth):
    """The access key id of a SigV4 Authorization header, or None."""
    if not auth:
        return None
    i = auth.find("Credential=")
    if i < 0:
        return None
    return auth[i + len("Credential="):].split("/", 1)[0] or None


def _read_chunked(rfile):
    out = b""
    while True:
        line = rfile.readline(1024)
        if not line:
            raise ValueError("truncated chunked body")
        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline(1024).strip():   # trailers
                pass
            return out
        out += rfile.read(size)
        rfile.readline(8)
        if len(out) > MAX_BODY:
            raise ValueError("body too large")


def session_token_xml(akid, secret, token, expiration):
    """A GetSessionTokenResponse as STS sends it (aws-reference.md §4)."""
    return (
        '<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<GetSessionTokenResult><Credentials>"
        "<SessionToken>%s</SessionToken>"
        "<SecretAccessKey>%s</SecretAccessKey>"
        "<Expiration>%s</Expiration>"
        "<AccessKeyId>%s</AccessKeyId>"
        "</Credentials></GetSessionTokenResult>"
        "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
        "</GetSessionTokenResponse>" % (
            escape(token), escape(secret), escape(expiration), escape(akid),
            uuid.uuid4())).encode()


def mfa_rejected_xml():
    """STS's answer (HTTP 403) to GetSessionToken with a wrong MFA code."""
    return (
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
        "<Message>MultiFactorAuthentication failed with invalid MFA one time "
        "pass code. </Message></Error><RequestId>%s</RequestId>"
        "</ErrorResponse>" % uuid.uuid4()).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10    # an idle or stalled client connection

    def log_message(self, fmt, *args):   # quiet: tests print TAP only
        pass

    def _serve(self):
        proxy = self.server.proxy
        try:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = _read_chunked(self.rfile)
            else:
                n = int(self.headers.get("Content-Length") or 0)
                if n > MAX_BODY:
                    raise ValueError("body too large")
                body = self.rfile.read(n) if n else b""
        except (ValueError, OSError) as e:
            proxy._error("reading a request: %s" % e)
            self._answer(400, "Bad Request", [], b"")
            return
        req = proxy._record(self.command, self.path, self.headers, body)
        hold = proxy._delays.get(req.action)
        if hold:
            time.sleep(hold)
        try:
            status, reason, headers, data = proxy._forward(
                self.command, self.path, self.headers, body)
        except (OSError, http.client.HTTPException) as e:
            proxy._error("forwarding %s %s: %s" % (self.command, req.action, e))
            self._answer(502, "Bad Gateway", [], b"stsproxy: moto did not answer\n")
            return
        req.status = status
        if (status == 200 and req.action == "GetSessionToken" and
                req.params.get("TokenCode") in proxy._reject):
            req.status = 403
            req.rejected = True
            self._answer(403, "Forbidden", [("Content-Type", "text/xml")],
                         mfa_rejected_xml())
            return
        if (status == 200 and req.action == "GetSessionToken" and
                proxy._gst is not None):
            try:
                data = proxy._session_token_reply(req)
                headers = [("Content-Type", "text/xml")]
                req.intercepted = True
            except Exception as e:  # boto3 failure: say so, answer 500
                proxy._error("intercepting GetSessionToken: %s" % e)
                self._answer(500, "Internal Server Error", [],
                             b"stsproxy: AssumeRole for the MFA session failed\n")
                return
        self._answer(status, reason, headers, data)

    def _answer(self, status, reason, headers, data):
        self.send_response_only(status, reason)
        for k, v in headers:
            if k.lower() in _HOP or k.lower() == "content-length":
                continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class StsProxy:
    """A counting proxy to moto (see the module's doc)."""

    def __init__(self, moto):
        self.moto = moto
        self.port = None
        self.url = None
        self.errors = []          # what went wrong inside the proxy
        self._log = []
        self._lock = threading.Lock()
        self._delays = {}
        self._gst = None
        self._reject = frozenset()
        self._server = None
        self._thread = None
        self._sessions = 0

    # -- life cycle

    def start(self):
        if not self.moto.url:
            raise MotoError("start moto before the proxy")
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="stsproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self):
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

    # -- what it saw

    def mark(self):
        """A position in the log, for count(..., since=mark)."""
        with self._lock:
            return len(self._log)

    def requests(self, since=0, action=None):
        with self._lock:
            return [r for r in self._log[since:]
                    if action is None or r.action == action]

    def count(self, action, since=0):
        return len(self.requests(since, action))

    def actions(self, since=0):
        """{action: count} since a mark."""
        out = {}
        for r in self.requests(since):
            out[r.action] = out.get(r.action, 0) + 1
        return out

    # -- behaviour

    def delay(self, action, seconds):
        """Hold each request of action for seconds (0: no more)."""
        if seconds:
            self._delays[action] = seconds
        else:
            self._delays.pop(action, None)

    def intercept_session_token(self, role_arn, akid, secret,
                                session_name="mfa"):
        """Answer GetSessionToken with credentials of an AssumeRole on
        role_arn made with (akid, secret) — see the module's doc.  None as
        role_arn turns it off."""
        self._gst = None if role_arn is None else (role_arn, akid, secret,
                                                    session_name)

    def reject_token_codes(self, codes):
        """Answer GetSessionToken with one of these TokenCodes by STS's
        403 AccessDenied for a wrong MFA code (see the module's doc).  An
        empty list or None turns it off."""
        self._reject = frozenset(codes or ())

    def session_arn(self):
        """The ARN of the sessions intercept_session_token hands out."""
        role_arn, _, _, name = self._gst
        return "arn:aws:sts::%s:assumed-role/%s/%s" % (
            ACCOUNT, role_arn.rsplit("/", 1)[1], name)

    def client(self, service, akid, secret, token=None):
        """A boto3 client on the proxy (one attempt per call)."""
        import boto3
        from botocore.config import Config
        s = boto3.session.Session(aws_access_key_id=akid,
                                  aws_secret_access_key=secret,
                                  aws_session_token=token,
                                  region_name=self.moto.region)
        return s.client(service, endpoint_url=self.url, config=Config(
            retries={"total_max_attempts": 1}, connect_timeout=5,
            read_timeout=UPSTREAM_TIMEOUT))

    # -- inside

    def _error(self, text):
        with self._lock:
            self.errors.append(text)

    def _record(self, method, path, headers, body):
        parsed = urllib.parse.urlsplit(path)
        params = urllib.parse.parse_qs(parsed.query)
        ctype = headers.get("Content-Type", "")
        if method == "POST" and "x-www-form-urlencoded" in ctype:
            try:
                for k, v in urllib.parse.parse_qs(body.decode("utf-8")).items():
                    params.setdefault(k, []).extend(v)
            except UnicodeDecodeError:
                pass
        action = (params.get("Action") or [None])[0]
        if action is None and parsed.path.startswith("/moto-api"):
            action = "moto-api"
        kept = {k: params[k][0] for k in _KEEP_PARAMS if k in params}
        req = Request(method, path, action, kept,
                      _akid_of(headers.get("Authorization")),
                      headers.get("Host"))
        with self._lock:
            self._log.append(req)
        return req

    def _forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.moto.port,
                                          timeout=UPSTREAM_TIMEOUT)
        try:
            conn.putrequest(method, path, skip_host=True,
                            skip_accept_encoding=True)
            for k, v in headers.items():
                if k.lower() in _HOP or k.lower() == "content-length":
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

    def _session_token_reply(self, req):
        role_arn, akid, secret, name = self._gst
        try:
            duration = int(req.params.get("DurationSeconds") or 3600)
        except ValueError:
            duration = 3600
        duration = max(900, min(duration, 43200))
        sts = self.moto.client("sts", akid, secret)
        c = sts.assume_role(RoleArn=role_arn, RoleSessionName=name,
                            DurationSeconds=duration)["Credentials"]
        exp = c["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")
        return session_token_xml(c["AccessKeyId"], c["SecretAccessKey"],
                                 c["SessionToken"], exp)


# -- run directly (tests/run.sh runs every tests/integration/*.py): a
# self-test against moto with its authentication on.

def _self_test():
    tap = Tap()
    ok, why = Moto.available()
    if not ok:
        tap.skip("stsproxy", "moto or boto3 is not installed (%s)" % why)
        return tap.done()
    from botocore.exceptions import ClientError

    def code_of(fn):
        try:
            fn()
            return "ok"
        except ClientError as e:
            return e.response.get("Error", {}).get("Code", "?")

    moto = Moto(no_auth_count=7)
    try:
        moto.start()
    except MotoError as e:
        tap.check("moto's server starts", False, e)
        return tap.done()
    proxy = StsProxy(moto)
    try:
        iam = moto.client("iam")
        alice = moto.create_user(iam, "alice", allow_all=True)             # 2
        akid, secret = moto.create_key(iam, "alice")                       # 3
        mfa_role = moto.create_role(iam, "mfa-session", [alice],
                                    may_assume_roles=True)                 # 5
        sess_arn = "arn:aws:sts::%s:assumed-role/mfa-session/mfa" % ACCOUNT
        target = moto.create_role(iam, "target", [sess_arn])               # 6
        iam.list_users()                                                   # 7
        proxy.start()
        tap.check("proxy listens on 127.0.0.1:%d" % proxy.port, proxy.running())

        sts = proxy.client("sts", akid, secret)
        m = proxy.mark()
        r = sts.get_caller_identity()
        tap.check("a signed request through the proxy passes moto's SigV4 check",
                  r["Arn"] == alice, r.get("Arn"))
        reqs = proxy.requests(m)
        tap.check("... counted as one GetCallerIdentity, status 200, signer's key id",
                  [(q.action, q.status, q.akid) for q in reqs] ==
                  [("GetCallerIdentity", 200, akid)], reqs)
        tap.check("... the Host header went on as the client sent it",
                  reqs and reqs[0].host == "127.0.0.1:%d" % proxy.port,
                  reqs and reqs[0].host)
        bad = proxy.client("sts", akid, "wrong-secret-wrong-secret-wrong-secret")
        m = proxy.mark()
        tap.check("moto's errors come back unchanged (SignatureDoesNotMatch)",
                  code_of(bad.get_caller_identity) == "SignatureDoesNotMatch")
        tap.check("... recorded with status 403",
                  [q.status for q in proxy.requests(m)] == [403],
                  proxy.requests(m))

        m = proxy.mark()
        proxy.delay("AssumeRole", 0.3)
        t0 = time.monotonic()
        r = sts.assume_role(RoleArn=mfa_role, RoleSessionName="plain",
                            DurationSeconds=900)
        held = time.monotonic() - t0
        proxy.delay("AssumeRole", 0)
        tap.check("AssumeRole through the proxy, held by delay()",
                  r["AssumedRoleUser"]["Arn"].endswith("mfa-session/plain") and
                  held >= 0.3, held)
        tap.check("... counted with its parameters",
                  proxy.count("AssumeRole", since=m) == 1 and
                  proxy.requests(m)[0].params.get("RoleSessionName") == "plain" and
                  proxy.actions(m) == {"AssumeRole": 1}, proxy.requests(m))

        # GetSessionToken, intercepted.
        proxy.intercept_session_token(mfa_role, akid, secret)
        m = proxy.mark()
        r = sts.get_session_token(DurationSeconds=3600,
                                  SerialNumber="arn:aws:iam::%s:mfa/alice" % ACCOUNT,
                                  TokenCode="123456")["Credentials"]
        q = proxy.requests(m)
        tap.check("GetSessionToken intercepted: one request, SerialNumber and "
                  "TokenCode recorded",
                  len(q) == 1 and q[0].intercepted and
                  q[0].params.get("SerialNumber") ==
                  "arn:aws:iam::%s:mfa/alice" % ACCOUNT and
                  q[0].params.get("TokenCode") == "123456", q)
        tap.check("... the session's key is not moto's fixed example key",
                  r["AccessKeyId"] != "AKIAIOSFODNN7EXAMPLE" and
                  r["AccessKeyId"].startswith("ASIA"), r["AccessKeyId"])
        left = (r["Expiration"].timestamp() - time.time())
        tap.check("... expiration about an hour away", 3000 < left < 4200, left)
        direct = moto.client("sts", r["AccessKeyId"], r["SecretAccessKey"],
                             r["SessionToken"])
        arn = direct.get_caller_identity()["Arn"]
        tap.check("... the session works against moto: %s" % arn,
                  arn == sess_arn == proxy.session_arn(), arn)
        r2 = direct.assume_role(RoleArn=target, RoleSessionName="after-mfa")
        tap.check("... and can assume a role that trusts the session",
                  r2["AssumedRoleUser"]["Arn"].endswith("target/after-mfa"))

        # A rejected TokenCode: STS's 403 for a wrong MFA code.
        proxy.reject_token_codes(["111111"])
        m = proxy.mark()
        try:
            sts.get_session_token(SerialNumber="arn:aws:iam::%s:mfa/alice" % ACCOUNT,
                                  TokenCode="111111")
            err = None
        except ClientError as e:
            err = e.response
        q = proxy.requests(m)
        tap.check("reject_token_codes: TokenCode 111111 answered 403 "
                  "AccessDenied, MultiFactorAuthentication failed",
                  err is not None and
                  err.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403 and
                  err.get("Error", {}).get("Code") == "AccessDenied" and
                  err.get("Error", {}).get("Message", "").startswith(
                      "MultiFactorAuthentication failed") and
                  err.get("Error", {}).get("Type") == "Sender", err)
        tap.check("... recorded with its code, status 403, rejected, not "
                  "intercepted",
                  len(q) == 1 and q[0].rejected and not q[0].intercepted and
                  q[0].status == 403 and q[0].params.get("TokenCode") == "111111", q)
        m = proxy.mark()
        r = sts.get_session_token(SerialNumber="arn:aws:iam::%s:mfa/alice" % ACCOUNT,
                                  TokenCode="222222")["Credentials"]
        q = proxy.requests(m)
        tap.check("... another code still gets the intercepted session",
                  r["AccessKeyId"].startswith("ASIA") and len(q) == 1 and
                  q[0].intercepted and not q[0].rejected, q)
        proxy.reject_token_codes(None)
        m = proxy.mark()
        tap.check("GetSessionToken with an unknown key: refused by moto, not "
                  "intercepted",
                  code_of(lambda: proxy.client("sts", "AKIANOSUCHKEY0000000",
                                               secret).get_session_token())
                  == "InvalidClientTokenId" and
                  not proxy.requests(m)[0].intercepted, proxy.requests(m))
        tap.check("no error inside the proxy", proxy.errors == [], proxy.errors)
        port = proxy.port
        proxy.stop()
        tap.check("stop: the thread ended", not proxy.running())
        s = socket.socket()
        s.settimeout(2)
        try:
            refused = s.connect_ex(("127.0.0.1", port)) != 0
        finally:
            s.close()
        tap.check("stop: nothing listens on the port any more", refused)
    finally:
        proxy.stop()
        moto.stop()
    return tap.done()


if __name__ == "__main__":
    sys.exit(_self_test())
