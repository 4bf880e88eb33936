"""ssoemu — an emulator of the IAM Identity Center OIDC service and the SSO
portal (aws-reference.md §7), for the tests of tfauth's SSO support: moto
has neither.

    from harness import Moto
    from ssoemu import SsoEmu, MotoRoleSource

    with Moto(no_auth_count=N) as moto:
        iam = moto.client("iam")
        src = MotoRoleSource.seed(moto, iam, ["Admin"])     # 3 + 1 free calls
        with SsoEmu(src) as sso:
            env = moto.tool_env(AWS_ENDPOINT_URL_SSO_OIDC=sso.url,
                                AWS_ENDPOINT_URL_SSO=sso.url)
            sso.set_poll_count(2)
            ...run a tool...
            sso.count("device_authorizations"), sso.poll_gaps(), ...

Both services are served on one loopback port (their paths differ):

OIDC (rest-json, unsigned, JSON bodies)
  POST /client/register        RegisterClient
  POST /device_authorization   StartDeviceAuthorization
  POST /token                  CreateToken, grantType
                               "urn:ietf:params:oauth:grant-type:device_code"
                               or "refresh_token"
  Errors: HTTP 400 (401 for invalid_client), body {"error": "<oauth code>",
  "error_description": "..."} and header x-amzn-ErrorType: <Name>Exception.

Portal (rest-json, bearer token in header x-amz-sso_bearer_token)
  GET  /federation/credentials?role_name=R&account_id=A   GetRoleCredentials
  GET  /assignment/accounts                               ListAccounts
  GET  /assignment/roles?account_id=A                     ListAccountRoles
  POST /logout                                            Logout
  GET  /device?user_code=C     the "browser" page: approves C in manual mode
  Errors: body {"message": "..."} and x-amzn-ErrorType: UnauthorizedException
  (401: unknown, expired or logged-out token), ForbiddenException (403 "No
  access": account/role not assigned, or the role source has none),
  InvalidRequestException (400), and whatever fail_next() injects.

Device flow: a device code answers authorization_pending to its first
poll_count polls (default 1), then, by mode:
  "approve"    the token (accessToken, tokenType Bearer, expiresIn,
               refreshToken unless set_refresh_tokens(False))
  "deny"       access_denied (AccessDeniedException) from then on
  "expire"     expired_token (ExpiredTokenException) from then on
  "slow_down"  slow_down once (its first poll), then pending as above, then
               the token; the client should add 5 s to its interval
  "manual"     pending until approve() or a GET of verificationUriComplete
A device code used once answers invalid_grant; one older than
device_code_lifetime answers expired_token.  Every poll is recorded with
its monotonic time (polls(), poll_gaps()); a poll sooner than the interval
the client was told (plus 5 s per slow_down) after the previous poll of the
same code counts as an "early_poll" (the immediate first poll, as aws-cli
makes it, is not checked).

Refresh: a refresh token issued and neither revoked nor replaced gives a new
access token and a new refresh token (the old one stops working unless
set_rotate_refresh(False)); otherwise invalid_grant.  The client id and
secret must be those of the registration that got the token, and not
expired: else invalid_client (401).

Role credentials come from role_source(account_id, role_name), a callable
returning a dict with AccessKeyId, SecretAccessKey, SessionToken and
Expiration (a datetime or epoch seconds: boto3's Credentials shape), or
None for "no access".  MotoRoleSource assumes the moto role named
role_name with an admin user's key, so the credentials work against moto
(their ARN: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION).

Nothing here logs or prints a token or secret: the request log keeps
operation, status, error and non-secret parameters.  Every wait is
bounded; the server stops at the end of the with-block.  Run directly, it
is a self-test printing TAP (needs moto and boto3, else it skips).
"""
import datetime
import hashlib
import http.server
import json
import os
import secrets
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ACCOUNT, Moto, MotoError, Tap, register_secret  # noqa: E402

STOP_TIMEOUT = 5            # seconds stop() waits for the server thread
MAX_BODY = 1 << 20
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
MODES = ("approve", "deny", "expire", "slow_down", "manual")

# OAuth error code -> (HTTP status, exception name), aws-reference.md §7.1.
OIDC_ERRORS = {
    "access_denied": (400, "AccessDeniedException"),
    "authorization_pending": (400, "AuthorizationPendingException"),
    "slow_down": (400, "SlowDownException"),
    "expired_token": (400, "ExpiredTokenException"),
    "invalid_client": (401, "InvalidClientException"),
    "invalid_grant": (400, "InvalidGrantException"),
    "invalid_request": (400, "InvalidRequestException"),
    "unsupported_grant_type": (400, "UnsupportedGrantTypeException"),
}

COUNTERS = ("requests", "registrations", "device_authorizations",
            "token_polls", "tokens_issued", "early_polls", "refreshes",
            "refresh_failures", "role_credentials", "unauthorized",
            "forbidden", "list_accounts", "list_roles", "logouts",
            "injected")

_DEFAULTS = dict(interval=1, poll_count=1, mode="approve",
                 token_lifetime=3600, registration_lifetime=90 * 86400,
                 device_code_lifetime=600, refresh_tokens=True,
                 rotate_refresh=True, role_credentials_lifetime=None)


def _tok(n):
    return secrets.token_urlsafe(n)


def digest(s):
    """What may be printed of a secret: length and a short SHA-256."""
    if s is None:
        return "None"
    return "len=%d sha256=%s" % (len(s), hashlib.sha256(s.encode()).hexdigest()[:12])


class _Reply(Exception):
    """An answer decided inside a handler: status, JSON body, error name."""

    def __init__(self, status, body, error_type=None):
        super().__init__(error_type or status)
        self.status, self.body, self.error_type = status, body, error_type


def _oidc_error(code, description):
    status, name = OIDC_ERRORS[code]
    return _Reply(status, {"error": code, "error_description": description}, name)


def _portal_error(status, name, message):
    return _Reply(status, {"message": message}, name)


class SsoEmu:
    """The emulated OIDC service and portal (see the module's doc)."""

    def __init__(self, role_source=None, assignments=None, **settings):
        """role_source(account_id, role_name) -> credentials dict or None.
        assignments: {account_id: [role names]} for the List calls and for
        GetRoleCredentials (None: every (account, role) is allowed; the
        List calls then show ACCOUNT with no role).  settings: any of
        interval, poll_count, mode, token_lifetime, registration_lifetime,
        device_code_lifetime, refresh_tokens, rotate_refresh,
        role_credentials_lifetime (see the set_* methods)."""
        unknown = set(settings) - set(_DEFAULTS)
        if unknown:
            raise TypeError("unknown settings: %s" % ", ".join(sorted(unknown)))
        self.role_source = role_source
        self.assignments = assignments
        self._init = dict(settings)
        self._lock = threading.Lock()
        self.port = None
        self.url = None
        self.errors = []           # exceptions inside the server (none expected)
        self._server = None
        self._thread = None
        self.reset()

    # -- life cycle

    def start(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.emu = self
        self.port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="ssoemu", daemon=True)
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

    # -- control

    def reset(self):
        """Forget every client, code and token; counters to 0; settings back
        to the constructor's."""
        with self._lock:
            s = dict(_DEFAULTS)
            s.update(self._init)
            if s["mode"] not in MODES:
                raise ValueError("mode: one of %s" % ", ".join(MODES))
            self.settings = s
            self.counters = dict.fromkeys(COUNTERS, 0)
            self._clients = {}       # clientId -> {secret, expires, name}
            self._devices = {}       # deviceCode -> state
            self._device_list = []   # states, in order of authorization
            self._access = {}        # accessToken -> {expires, client, valid}
            self._refresh = {}       # refreshToken -> {client, valid}
            self._log = []
            self._faults = []

    def _set(self, **kw):
        with self._lock:
            self.settings.update(kw)

    def set_poll_count(self, n):
        """authorization_pending answers before the outcome (0: none)."""
        self._set(poll_count=int(n))

    def set_mode(self, mode):
        """approve, deny, expire, slow_down or manual (module doc)."""
        if mode not in MODES:
            raise ValueError("mode: one of %s" % ", ".join(MODES))
        self._set(mode=mode)

    def set_interval(self, seconds):
        """The interval StartDeviceAuthorization tells (default 1)."""
        self._set(interval=int(seconds))

    def set_token_lifetime(self, seconds):
        """expiresIn of access tokens issued from now on."""
        self._set(token_lifetime=int(seconds))

    def set_registration_lifetime(self, seconds):
        """Lifetime of client registrations made from now on."""
        self._set(registration_lifetime=int(seconds))

    def set_device_code_lifetime(self, seconds):
        self._set(device_code_lifetime=int(seconds))

    def set_refresh_tokens(self, on):
        """Whether CreateToken hands out refresh tokens."""
        self._set(refresh_tokens=bool(on))

    def set_rotate_refresh(self, on):
        """Whether a refresh makes the refresh token it used invalid."""
        self._set(rotate_refresh=bool(on))

    def set_role_credentials_lifetime(self, seconds):
        """Report role credentials as expiring this many seconds from now
        (None: their real expiration)."""
        self._set(role_credentials_lifetime=seconds)

    def expire_access_tokens(self):
        with self._lock:
            for t in self._access.values():
                t["expires"] = min(t["expires"], time.time() - 1)

    def revoke_refresh_tokens(self):
        with self._lock:
            for t in self._refresh.values():
                t["valid"] = False

    def expire_registrations(self):
        with self._lock:
            for c in self._clients.values():
                c["expires"] = min(c["expires"], int(time.time()) - 1)

    def approve(self, user_code=None):
        """Approve a pending device authorization (manual mode): the one
        with user_code, or the latest.  True if one was found."""
        with self._lock:
            return self._approve(user_code)

    def fail_next(self, op, status=500, error_type="InternalServerException",
                  message="injected failure", times=1):
        """Answer the next `times` requests of op (RegisterClient,
        StartDeviceAuthorization, CreateToken, GetRoleCredentials,
        ListAccounts, ListAccountRoles, Logout) with this error."""
        with self._lock:
            self._faults.append([op, status, error_type, message, times])

    def issue_token(self, lifetime=None):
        """An access token made without a device flow (for tests seeding a
        token cache): (accessToken, refreshToken, clientId, clientSecret,
        expires_at)."""
        with self._lock:
            cid, csec = self._new_client("seeded")
            t = self._new_token(cid, lifetime)
            c = self._clients[cid]
            return (t["accessToken"], t.get("refreshToken"), cid, csec,
                    c["expires"])

    # -- what it saw

    def count(self, name):
        with self._lock:
            return self.counters[name]

    def snapshot(self):
        with self._lock:
            return dict(self.counters)

    def mark(self):
        with self._lock:
            return len(self._log)

    def requests(self, since=0, op=None):
        """[{time, method, path, op, status, error, params}] since a mark."""
        with self._lock:
            return [dict(r) for r in self._log[since:]
                    if op is None or r["op"] == op]

    def ops(self, since=0):
        out = {}
        for r in self.requests(since):
            out[r["op"]] = out.get(r["op"], 0) + 1
        return out

    def devices(self):
        """Device authorizations: [{index, start_url, client_name,
        user_code, interval, polls: [(monotonic time, answer)]}]."""
        with self._lock:
            return [{"index": d["index"], "start_url": d["start_url"],
                     "client_name": self._clients[d["client"]]["name"],
                     "user_code": d["user_code"], "interval": d["told"],
                     "polls": list(d["polls"])} for d in self._device_list]

    def polls(self, device=-1):
        """[(monotonic time, answer)] of one device authorization (the
        latest by default)."""
        with self._lock:
            if not self._device_list:
                return []
            return list(self._device_list[device]["polls"])

    def poll_gaps(self, device=-1):
        """Seconds between consecutive polls of one device code."""
        p = self.polls(device)
        return [b[0] - a[0] for a, b in zip(p, p[1:])]

    def registrations(self):
        """[{clientName, clientType, scopes, grantTypes, issuerUrl}]."""
        with self._lock:
            return [dict(c["params"]) for c in self._clients.values()
                    if c["name"] != "seeded"]

    def valid_access_tokens(self):
        with self._lock:
            now = time.time()
            return sum(1 for t in self._access.values()
                       if t["valid"] and t["expires"] > now)

    # -- inside (called with self._lock held unless said otherwise)

    def _approve(self, user_code):
        for d in reversed(self._device_list):
            if user_code is None or d["user_code"] == user_code:
                d["approved"] = True
                return True
        return False

    def _new_client(self, name, params=None):
        cid = _tok(16)
        csec = register_secret("eyJ" + _tok(96))
        self._clients[cid] = {"secret": csec, "name": name, "params": params or {},
                              "expires": int(time.time()) +
                              self.settings["registration_lifetime"]}
        return cid, csec

    def _new_token(self, client, lifetime=None):
        life = self.settings["token_lifetime"] if lifetime is None else lifetime
        access = register_secret("aoa" + _tok(120))
        self._access[access] = {"expires": time.time() + life, "client": client,
                                "valid": True}
        out = {"accessToken": access, "tokenType": "Bearer", "expiresIn": life}
        if self.settings["refresh_tokens"]:
            refresh = register_secret("aor" + _tok(120))
            self._refresh[refresh] = {"client": client, "valid": True}
            out["refreshToken"] = refresh
        return out

    def _client(self, body):
        cid, csec = body.get("clientId"), body.get("clientSecret")
        c = self._clients.get(cid) if isinstance(cid, str) else None
        if c is None or c["secret"] != csec:
            raise _oidc_error("invalid_client", "Invalid client credentials")
        if c["expires"] <= time.time():
            raise _oidc_error("invalid_client", "Client registration has expired")
        return cid

    def _fault(self, op):
        for f in self._faults:
            if f[0] == op and f[4] > 0:
                f[4] -= 1
                self.counters["injected"] += 1
                name = f[2]
                body = {"message": f[3]}
                if op in ("RegisterClient", "StartDeviceAuthorization", "CreateToken"):
                    body = {"error": "server_error", "error_description": f[3]}
                raise _Reply(f[1], body, name)

    def _register(self, body, log):
        name, ctype = body.get("clientName"), body.get("clientType")
        if not name or ctype != "public":
            raise _oidc_error("invalid_request",
                              "clientName and clientType public are required")
        params = {k: body.get(k) for k in ("clientName", "clientType", "scopes",
                                           "grantTypes", "issuerUrl")}
        log["params"] = params
        cid, csec = self._new_client(name, params)
        self.counters["registrations"] += 1
        c = self._clients[cid]
        return {"clientId": cid, "clientSecret": csec,
                "clientIdIssuedAt": int(time.time()),
                "clientSecretExpiresAt": c["expires"]}

    def _authorize(self, body, log, base):
        cid = self._client(body)
        start_url = body.get("startUrl")
        if not isinstance(start_url, str) or not start_url:
            raise _oidc_error("invalid_request", "startUrl is required")
        log["params"] = {"startUrl": start_url}
        code = _tok(48)
        user = "%s-%s" % (secrets.token_hex(2).upper(), secrets.token_hex(2).upper())
        life = self.settings["device_code_lifetime"]
        d = {"index": len(self._device_list), "client": cid, "start_url": start_url,
             "user_code": user, "expires": time.time() + life, "polls": [],
             "pending": 0, "slowed": False, "state": "pending", "approved": False,
             "told": self.settings["interval"], "expect": self.settings["interval"],
             "created": time.monotonic()}
        self._devices[code] = d
        self._device_list.append(d)
        self.counters["device_authorizations"] += 1
        return {"deviceCode": code, "userCode": user,
                "verificationUri": base + "/device",
                "verificationUriComplete": base + "/device?user_code=" + user,
                "expiresIn": life, "interval": self.settings["interval"]}

    def _token(self, body, log):
        grant = body.get("grantType")
        log["params"] = {"grantType": grant}
        if grant == DEVICE_GRANT:
            return self._poll(body)
        if grant == "refresh_token":
            try:
                return self._do_refresh(body)
            except _Reply:
                self.counters["refresh_failures"] += 1
                raise
        if not grant:
            raise _oidc_error("invalid_request", "grantType is required")
        raise _oidc_error("unsupported_grant_type", "Unsupported grant type")

    def _poll(self, body):
        self.counters["token_polls"] += 1
        cid = self._client(body)
        d = self._devices.get(body.get("deviceCode"))
        if d is None or d["client"] != cid:
            raise _oidc_error("invalid_grant", "Invalid device code provided")
        now = time.monotonic()
        if d["polls"] and now - d["polls"][-1][0] < d["expect"] - 0.05:
            self.counters["early_polls"] += 1
        answer = self._poll_answer(d)
        d["polls"].append((now, answer))
        if answer == "ok":
            self.counters["tokens_issued"] += 1
            return self._new_token(cid)
        if answer == "slow_down":
            d["expect"] += 5
        raise _oidc_error(answer, {
            "authorization_pending": "Authorization is still pending",
            "slow_down": "Client is polling too quickly",
            "access_denied": "Access denied by the user",
            "expired_token": "Device code has expired",
            "invalid_grant": "Device code has already been used"}[answer])

    def _poll_answer(self, d):
        s = self.settings
        if d["state"] != "pending":
            return d["state"]
        if time.time() >= d["expires"]:
            d["state"] = "expired_token"
            return d["state"]
        if s["mode"] == "slow_down" and not d["slowed"]:
            d["slowed"] = True
            return "slow_down"
        if d["pending"] < s["poll_count"] or (s["mode"] == "manual" and
                                              not d["approved"]):
            d["pending"] += 1
            return "authorization_pending"
        if s["mode"] == "deny":
            d["state"] = "access_denied"
            return d["state"]
        if s["mode"] == "expire":
            d["state"] = "expired_token"
            return d["state"]
        d["state"] = "invalid_grant"    # used
        return "ok"

    def _do_refresh(self, body):
        cid = self._client(body)
        r = self._refresh.get(body.get("refreshToken"))
        if r is None or not r["valid"] or r["client"] != cid:
            raise _oidc_error("invalid_grant", "Invalid refresh token provided")
        if self.settings["rotate_refresh"]:
            r["valid"] = False
        self.counters["refreshes"] += 1
        return self._new_token(cid)

    def _bearer(self, headers):
        t = self._access.get(headers.get("x-amz-sso_bearer_token"))
        if t is None or not t["valid"] or t["expires"] <= time.time():
            self.counters["unauthorized"] += 1
            raise _portal_error(401, "UnauthorizedException",
                                "Session token not found or invalid")
        return t

    def _assigned(self, account, role):
        if self.assignments is None:
            return True
        return role in self.assignments.get(account, ())

    def _role_credentials(self, q, headers, log):
        role, account = q.get("role_name"), q.get("account_id")
        log["params"] = {"role_name": role, "account_id": account}
        if not role or not account:
            raise _portal_error(400, "InvalidRequestException",
                                "role_name and account_id are required")
        self._bearer(headers)
        if not self._assigned(account, role):
            self.counters["forbidden"] += 1
            raise _portal_error(403, "ForbiddenException", "No access")
        return account, role    # the source is called without the lock

    def _finish_credentials(self, c):
        if not c:
            self.counters["forbidden"] += 1
            raise _portal_error(403, "ForbiddenException", "No access")
        exp = c["Expiration"]
        if isinstance(exp, datetime.datetime):
            exp = exp.timestamp()
        life = self.settings["role_credentials_lifetime"]
        if life is not None:
            exp = time.time() + life
        self.counters["role_credentials"] += 1
        return {"roleCredentials": {
            "accessKeyId": c["AccessKeyId"], "secretAccessKey": c["SecretAccessKey"],
            "sessionToken": c["SessionToken"], "expiration": int(exp * 1000)}}

    def _accounts(self):
        return sorted(self.assignments) if self.assignments is not None else [ACCOUNT]

    @staticmethod
    def _page(items, q):
        try:
            start = int(q.get("next_token") or 0)
            size = int(q.get("max_result") or 100)
        except ValueError:
            raise _portal_error(400, "InvalidRequestException", "bad next_token")
        if not 1 <= size <= 100:
            raise _portal_error(400, "InvalidRequestException", "bad max_result")
        out = items[start:start + size]
        nxt = str(start + size) if start + size < len(items) else None
        return out, nxt

    def _list_accounts(self, q, headers):
        self._bearer(headers)
        self.counters["list_accounts"] += 1
        items = [{"accountId": a, "accountName": "account-" + a,
                  "emailAddress": "aws+%s@example.com" % a} for a in self._accounts()]
        page, nxt = self._page(items, q)
        return {"accountList": page, "nextToken": nxt}

    def _list_roles(self, q, headers):
        self._bearer(headers)
        account = q.get("account_id")
        if not account:
            raise _portal_error(400, "InvalidRequestException", "account_id is required")
        self.counters["list_roles"] += 1
        roles = (self.assignments or {}).get(account, [])
        page, nxt = self._page([{"roleName": r, "accountId": account}
                                for r in roles], q)
        return {"roleList": page, "nextToken": nxt}

    def _logout(self, headers):
        t = self._bearer(headers)
        t["valid"] = False
        self.counters["logouts"] += 1
        return None


ROUTES = {
    ("POST", "/client/register"): "RegisterClient",
    ("POST", "/device_authorization"): "StartDeviceAuthorization",
    ("POST", "/token"): "CreateToken",
    ("GET", "/federation/credentials"): "GetRoleCredentials",
    ("GET", "/assignment/accounts"): "ListAccounts",
    ("GET", "/assignment/roles"): "ListAccountRoles",
    ("POST", "/logout"): "Logout",
    ("GET", "/device"): "DevicePage",
}


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10    # an idle or stalled client connection

    def log_message(self, fmt, *args):   # quiet: tests print TAP only
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline(1024).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(8)
                if len(out) > MAX_BODY:
                    raise ValueError("body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def _serve(self):
        emu = self.server.emu
        parsed = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        op = ROUTES.get((self.command, parsed.path.rstrip("/") or "/"))
        log = {"time": time.time(), "method": self.command, "path": parsed.path,
               "op": op, "status": None, "error": None, "params": {}}
        host = self.headers.get("Host") or "127.0.0.1:%d" % emu.port
        try:
            body = self._body()
            with emu._lock:
                emu.counters["requests"] += 1
                emu._log.append(log)
                if op is None:
                    raise _Reply(404, {"message": "Not Found"},
                                 "UnknownOperationException")
                emu._fault(op)
                todo = None
                if op in ("RegisterClient", "StartDeviceAuthorization", "CreateToken"):
                    try:
                        j = json.loads(body.decode("utf-8") or "{}")
                        if not isinstance(j, dict):
                            raise ValueError
                    except ValueError:
                        raise _oidc_error("invalid_request", "Malformed JSON body")
                    if op == "RegisterClient":
                        reply = emu._register(j, log)
                    elif op == "StartDeviceAuthorization":
                        reply = emu._authorize(j, log, "http://" + host)
                    else:
                        reply = emu._token(j, log)
                elif op == "GetRoleCredentials":
                    todo = emu._role_credentials(q, self.headers, log)
                elif op == "ListAccounts":
                    reply = emu._list_accounts(q, self.headers)
                elif op == "ListAccountRoles":
                    reply = emu._list_roles(q, self.headers)
                elif op == "Logout":
                    reply = emu._logout(self.headers)
                else:   # the verification page a browser would open
                    ok = bool(q.get("user_code")) and emu._approve(q["user_code"])
                    log["params"] = {"approved": ok}
                    raise _Reply(200 if ok else 404, {"approved": ok})
            if todo is not None:
                c = emu.role_source(*todo) if emu.role_source else None
                with emu._lock:
                    reply = emu._finish_credentials(c)
            status, error = 200, None
        except _Reply as r:
            status, reply, error = r.status, r.body, r.error_type
        except Exception as e:   # a bug here, or a role source failing
            with emu._lock:
                emu.errors.append("%s %s: %s: %s" % (self.command, parsed.path,
                                                     type(e).__name__, e))
            status, reply, error = 500, {"message": "internal error"}, \
                "InternalServerException"
        with emu._lock:
            log["status"], log["error"] = status, error
        data = b"" if reply is None else json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-RequestId", _tok(12))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve


class MotoRoleSource:
    """role_source for SsoEmu: assume_role on moto's role
    arn:aws:iam::ACCOUNT:role/ROLE with a user's key that may assume it,
    credentials cached until less than `margin` seconds remain.  Call it
    only after the roles exist; it makes one signed STS call per miss (no
    free call needed when the user has allow_all)."""

    def __init__(self, moto, akid, secret, session_name="sso-user",
                 duration=3600, margin=300):
        self.moto, self.akid, self.secret = moto, akid, secret
        self.session_name, self.duration, self.margin = session_name, duration, margin
        self.calls = 0           # assume_role calls made
        self._cache = {}
        self._lock = threading.Lock()

    @classmethod
    def seed(cls, moto, iam, roles, user="sso-admin", **kw):
        """Create user (allow_all), its key and each role trusting it: 3 +
        len(roles) calls, to make inside a free-call window."""
        arn = moto.create_user(iam, user, allow_all=True)
        akid, secret = moto.create_key(iam, user)
        for r in roles:
            moto.create_role(iam, r, [arn])
        return cls(moto, akid, secret, **kw)

    def arn(self, role, account=ACCOUNT):
        """The assumed-role ARN its credentials have in moto."""
        return "arn:aws:sts::%s:assumed-role/%s/%s" % (account, role,
                                                      self.session_name)

    def __call__(self, account, role):
        from botocore.exceptions import ClientError
        with self._lock:
            c = self._cache.get((account, role))
            if c and c["Expiration"].timestamp() - time.time() > self.margin:
                return c
            sts = self.moto.client("sts", self.akid, self.secret)
            self.calls += 1
            try:
                c = sts.assume_role(
                    RoleArn="arn:aws:iam::%s:role/%s" % (account, role),
                    RoleSessionName=self.session_name,
                    DurationSeconds=self.duration)["Credentials"]
            except ClientError:
                return None      # no such role: the portal says No access
            self._cache[(account, role)] = c
            return c


# -- run directly: a self-test with urllib (and boto3's own sso clients).

def _call(url, method="GET", body=None, headers=None, timeout=10):
    """(status, headers, JSON or None) of one request; never raises on HTTP
    errors."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as r:
            status, hdrs, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    try:
        j = json.loads(raw.decode() or "null")
    except ValueError:
        j = None
    return status, hdrs, j


def _self_test():
    tap = Tap()
    ok, why = Moto.available()
    if not ok:
        tap.skip("ssoemu", "moto or boto3 is not installed (%s)" % why)
        return tap.done()
    moto = Moto(no_auth_count=5)
    try:
        moto.start()
    except MotoError as e:
        tap.check("moto's server starts", False, e)
        return tap.done()
    emu = None
    try:
        iam = moto.client("iam")
        src = MotoRoleSource.seed(moto, iam, ["Admin", "ReadOnly"])   # 5 calls
        emu = SsoEmu(src, assignments={ACCOUNT: ["Admin", "ReadOnly"]},
                     interval=1).start()
        u = emu.url
        tap.check("emulator listens on 127.0.0.1:%d" % emu.port, emu.running())
        _self_test_flows(tap, emu, src, moto, u)
        _self_test_boto3(tap, emu, u)
        tap.check("no error inside the emulator", emu.errors == [], emu.errors)
        port = emu.port
        emu.stop()
        tap.check("stop: the thread ended", not emu.running())
        s = socket.socket()
        s.settimeout(2)
        try:
            refused = s.connect_ex(("127.0.0.1", port)) != 0
        finally:
            s.close()
        tap.check("stop: nothing listens on the port any more", refused)
    finally:
        if emu:
            emu.stop()
        moto.stop()
    return tap.done()


def _device_login(u, name="botocore-client-test", start="https://x.awsapps.com/start"):
    _, _, reg = _call(u + "/client/register", "POST",
                      {"clientName": name, "clientType": "public"})
    _, _, dev = _call(u + "/device_authorization", "POST",
                      {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
                       "startUrl": start})
    return reg, dev


def _poll(u, reg, dev):
    return _call(u + "/token", "POST", {
        "clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
        "grantType": DEVICE_GRANT, "deviceCode": dev["deviceCode"]})


def _poll_until(u, reg, dev, limit=20.0):
    """Poll as aws-cli does (immediately, then at the interval, +5 s per
    slow_down) until an answer that is not pending; bounded."""
    interval = dev["interval"]
    deadline = time.monotonic() + limit
    answers = []
    while time.monotonic() < deadline:
        st, h, j = _poll(u, reg, dev)
        err = (j or {}).get("error")
        answers.append(err or "ok")
        if err == "slow_down":
            interval += 5
        elif err != "authorization_pending":
            return st, h, j, answers
        time.sleep(interval)
    return None, None, None, answers + ["(gave up)"]


def _self_test_flows(tap, emu, src, moto, u):
    before = emu.snapshot()
    st, h, reg = _call(u + "/client/register", "POST",
                       {"clientName": "botocore-client-test", "clientType": "public",
                        "scopes": ["sso:account:access"]})
    tap.check("RegisterClient: 200 with clientId, clientSecret, expiry ~90 days",
              st == 200 and reg["clientId"] and reg["clientSecret"] and
              abs(reg["clientSecretExpiresAt"] - time.time() - 90 * 86400) < 60,
              (st, sorted(reg or {})))
    tap.note("clientSecret %s" % digest(reg and reg.get("clientSecret")))
    st, h, dev = _call(u + "/device_authorization", "POST",
                       {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
                        "startUrl": "https://x.awsapps.com/start"})
    tap.check("StartDeviceAuthorization: codes, URIs, expiresIn, interval 1",
              st == 200 and dev["interval"] == 1 and dev["expiresIn"] == 600 and
              dev["verificationUriComplete"].endswith(dev["userCode"]) and
              dev["verificationUri"].startswith(u), (st, dev and dev.get("userCode")))
    st, h, j = _poll(u, reg, dev)
    tap.check("first poll: 400 authorization_pending, x-amzn-ErrorType "
              "AuthorizationPendingException",
              st == 400 and j.get("error") == "authorization_pending" and
              h.get("x-amzn-ErrorType") == "AuthorizationPendingException",
              (st, j, h.get("x-amzn-ErrorType")))
    time.sleep(1.0)
    st, h, tok = _poll(u, reg, dev)
    tap.check("second poll (1 s later): token, Bearer, expiresIn 3600, refreshToken",
              st == 200 and tok["tokenType"] == "Bearer" and
              tok["expiresIn"] == 3600 and tok["accessToken"] and
              tok["refreshToken"], (st, sorted(tok or {})))
    tap.note("accessToken %s" % digest(tok and tok.get("accessToken")))
    gaps = emu.poll_gaps()
    tap.check("poll times recorded: one gap of ~1 s, no early poll",
              len(gaps) == 1 and 0.95 <= gaps[0] < 3 and
              emu.count("early_polls") == 0, gaps)
    st, h, j = _poll(u, reg, dev)
    tap.check("the used device code: invalid_grant",
              st == 400 and j.get("error") == "invalid_grant", (st, j))
    tap.check("counters: 1 registration, 1 device authorization, 3 polls, 1 token",
              emu.count("registrations") - before["registrations"] == 1 and
              emu.count("device_authorizations") == 1 and
              emu.count("token_polls") == 3 and emu.count("tokens_issued") == 1,
              emu.snapshot())

    creds_url = u + "/federation/credentials?role_name=Admin&account_id=" + ACCOUNT
    bearer = {"x-amz-sso_bearer_token": tok["accessToken"]}
    st, h, rc = _call(creds_url, headers=bearer)
    r = (rc or {}).get("roleCredentials") or {}
    left = r.get("expiration", 0) / 1000.0 - time.time()
    tap.check("GetRoleCredentials: 200, keys, expiration in ms ~1 h away",
              st == 200 and r.get("accessKeyId", "").startswith("ASIA") and
              r.get("sessionToken") and 3000 < left < 3700, (st, sorted(r), left))
    arn = None
    try:
        arn = moto.client("sts", r["accessKeyId"], r["secretAccessKey"],
                          r["sessionToken"]).get_caller_identity()["Arn"]
    except Exception as e:   # shown, not raised
        arn = "%s: %s" % (type(e).__name__, e)
    tap.check("... they work against moto: %s" % arn, arn == src.arn("Admin"), arn)
    st, h, rc2 = _call(creds_url, headers=bearer)
    tap.check("... a second request served from the source's cache",
              st == 200 and src.calls == 1 and emu.count("role_credentials") == 2,
              (st, src.calls))
    st, h, j = _call(u + "/federation/credentials?role_name=Nope&account_id=" +
                     ACCOUNT, headers=bearer)
    tap.check("a role not assigned: 403 ForbiddenException No access",
              st == 403 and h.get("x-amzn-ErrorType") == "ForbiddenException" and
              j == {"message": "No access"}, (st, j))
    st, h, j = _call(creds_url, headers={"x-amz-sso_bearer_token": "garbage"})
    tap.check("a garbage bearer token: 401 UnauthorizedException",
              st == 401 and h.get("x-amzn-ErrorType") == "UnauthorizedException" and
              j == {"message": "Session token not found or invalid"}, (st, j))
    st, h, j = _call(creds_url)
    tap.check("no bearer token: 401", st == 401, st)
    st, h, j = _call(u + "/assignment/roles?account_id=%s&max_result=1" % ACCOUNT,
                     headers=bearer)
    tap.check("ListAccountRoles pages: 1 role and a nextToken",
              st == 200 and j["roleList"] == [{"roleName": "Admin",
                                               "accountId": ACCOUNT}] and
              j["nextToken"] == "1", (st, j))
    st, h, j = _call(u + "/assignment/accounts", headers=bearer)
    tap.check("ListAccounts: the one account",
              st == 200 and [a["accountId"] for a in j["accountList"]] == [ACCOUNT],
              (st, j))

    refresh = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
               "grantType": "refresh_token", "refreshToken": tok["refreshToken"]}
    emu.expire_access_tokens()
    st, h, j = _call(creds_url, headers=bearer)
    tap.check("expire_access_tokens: the token now gets 401", st == 401, st)
    st, h, tok2 = _call(u + "/token", "POST", refresh)
    tap.check("refresh: a new access token and a new refresh token",
              st == 200 and tok2["accessToken"] != tok["accessToken"] and
              tok2["refreshToken"] != tok["refreshToken"] and
              emu.count("refreshes") == 1, (st, sorted(tok2 or {})))
    st, h, j = _call(creds_url, headers={"x-amz-sso_bearer_token": tok2["accessToken"]})
    tap.check("... the refreshed token gets role credentials", st == 200, (st, j))
    st, h, j = _call(u + "/token", "POST", refresh)
    tap.check("the replaced refresh token: invalid_grant",
              st == 400 and j.get("error") == "invalid_grant" and
              h.get("x-amzn-ErrorType") == "InvalidGrantException", (st, j))
    emu.revoke_refresh_tokens()
    st, h, j = _call(u + "/token", "POST", dict(refresh, refreshToken=tok2["refreshToken"]))
    tap.check("revoke_refresh_tokens: invalid_grant, counted as a failure",
              st == 400 and j.get("error") == "invalid_grant" and
              emu.count("refresh_failures") == 2, (st, j, emu.snapshot()))
    st, h, j = _call(u + "/token", "POST", dict(refresh, clientSecret="wrong"))
    tap.check("a wrong client secret: 401 invalid_client InvalidClientException",
              st == 401 and j.get("error") == "invalid_client" and
              h.get("x-amzn-ErrorType") == "InvalidClientException", (st, j))
    st, h, j = _call(u + "/device_authorization", "POST",
                     {"clientId": "nobody", "clientSecret": "x", "startUrl": "s"})
    tap.check("StartDeviceAuthorization, unknown client: 401 invalid_client",
              st == 401 and j.get("error") == "invalid_client", (st, j))

    emu.set_mode("deny")
    reg, dev = _device_login(u)
    st, h, j, answers = _poll_until(u, reg, dev)
    tap.check("mode deny: pending, then 400 access_denied AccessDeniedException",
              answers == ["authorization_pending", "access_denied"] and st == 400 and
              h.get("x-amzn-ErrorType") == "AccessDeniedException", answers)
    emu.set_mode("expire")
    emu.set_poll_count(0)
    reg, dev = _device_login(u)
    st, h, j, answers = _poll_until(u, reg, dev)
    tap.check("mode expire, poll count 0: expired_token ExpiredTokenException at once",
              answers == ["expired_token"] and
              h.get("x-amzn-ErrorType") == "ExpiredTokenException", answers)
    emu.set_mode("slow_down")
    early = emu.count("early_polls")
    reg, dev = _device_login(u)
    st, h, j, answers = _poll_until(u, reg, dev)
    gaps = emu.poll_gaps()
    tap.check("mode slow_down: slow_down, then the token 6 s later (interval + 5)",
              answers == ["slow_down", "ok"] and 5.9 <= gaps[0] < 8 and
              emu.count("early_polls") == early, (answers, gaps))
    emu.set_mode("approve")
    emu.set_poll_count(1)
    reg, dev = _device_login(u)
    _poll(u, reg, dev)
    _poll(u, reg, dev)
    tap.check("a poll sooner than the interval counts as early",
              emu.count("early_polls") == early + 1, emu.snapshot())
    emu.set_mode("manual")
    emu.set_poll_count(0)
    reg, dev = _device_login(u)
    a1 = (_poll(u, reg, dev)[2] or {}).get("error")
    st, _, page = _call(dev["verificationUriComplete"])
    st2, _, tok3 = _poll(u, reg, dev)
    tap.check("mode manual: pending until the verification URL is opened",
              a1 == "authorization_pending" and st == 200 and st2 == 200 and
              tok3.get("accessToken"), (a1, st, st2))
    emu.set_device_code_lifetime(0)
    emu.set_mode("approve")
    reg, dev = _device_login(u)
    st, h, j = _poll(u, reg, dev)
    tap.check("a device code past its lifetime: expired_token",
              j.get("error") == "expired_token", j)
    emu.fail_next("GetRoleCredentials", 429, "TooManyRequestsException", "Slow down")
    st, h, j = _call(creds_url, headers={"x-amz-sso_bearer_token": tok3["accessToken"]})
    st2, _, _ = _call(creds_url, headers={"x-amz-sso_bearer_token": tok3["accessToken"]})
    tap.check("fail_next: one 429 TooManyRequestsException, then 200",
              st == 429 and h.get("x-amzn-ErrorType") == "TooManyRequestsException" and
              st2 == 200, (st, st2))
    st, _, _ = _call(u + "/logout", "POST", {},
                     headers={"x-amz-sso_bearer_token": tok3["accessToken"]})
    st2, _, _ = _call(creds_url, headers={"x-amz-sso_bearer_token": tok3["accessToken"]})
    tap.check("Logout: 200, then the token gets 401", st == 200 and st2 == 401,
              (st, st2))
    st, _, _ = _call(u + "/nowhere")
    tap.check("an unknown path: 404", st == 404, st)
    logged = json.dumps(emu.requests())
    tap.check("the request log holds no token or secret",
              tok["accessToken"] not in logged and reg["clientSecret"] not in logged
              and tok2["refreshToken"] not in logged)
    emu.reset()
    tap.check("reset: counters 0, mode approve, old tokens unknown",
              emu.snapshot() == dict.fromkeys(COUNTERS, 0) and
              emu.settings["mode"] == "approve" and
              _call(creds_url, headers={"x-amz-sso_bearer_token":
                                        tok2["accessToken"]})[0] == 401)


def _self_test_boto3(tap, emu, u):
    """botocore's own sso-oidc and sso clients read the emulator's answers
    and errors as they would AWS's."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError
    cfg = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1},
                 connect_timeout=5, read_timeout=10)
    s = boto3.session.Session(region_name="us-east-1")
    oidc = s.client("sso-oidc", endpoint_url=u, config=cfg)
    portal = s.client("sso", endpoint_url=u, config=cfg)

    def code(fn, **kw):
        try:
            fn(**kw)
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    reg = oidc.register_client(clientName="botocore-client-boto3", clientType="public")
    dev = oidc.start_device_authorization(clientId=reg["clientId"],
                                          clientSecret=reg["clientSecret"],
                                          startUrl="https://x.awsapps.com/start")
    kw = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
              grantType=DEVICE_GRANT, deviceCode=dev["deviceCode"])
    c1 = code(oidc.create_token, **kw)
    tok = oidc.create_token(**kw)
    tap.check("boto3 sso-oidc: AuthorizationPendingException, then a token",
              c1 == "AuthorizationPendingException" and tok["accessToken"] and
              tok["tokenType"] == "Bearer", c1)
    creds = portal.get_role_credentials(roleName="ReadOnly", accountId=ACCOUNT,
                                        accessToken=tok["accessToken"])
    tap.check("boto3 sso: GetRoleCredentials parsed",
              creds["roleCredentials"]["accessKeyId"].startswith("ASIA"))
    c2 = code(portal.get_role_credentials, roleName="ReadOnly", accountId=ACCOUNT,
              accessToken="garbage")
    tap.check("boto3 sso: a garbage token is UnauthorizedException",
              c2 == "UnauthorizedException", c2)
    c3 = code(oidc.create_token, clientId=reg["clientId"],
              clientSecret=reg["clientSecret"], grantType="refresh_token",
              refreshToken="nope")
    tap.check("boto3 sso-oidc: a bad refresh token is InvalidGrantException",
              c3 == "InvalidGrantException", c3)


if __name__ == "__main__":
    sys.exit(_self_test())
