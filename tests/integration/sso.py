#!/usr/bin/env python3
"""sso — IAM Identity Center end to end: tfauth-refresh, tfauth-env and
tfauth-doctor against the OIDC + portal emulator (ssoemu.py) and moto.

moto runs with its authentication on; the emulator's role credentials are
moto sessions of real roles (MotoRoleSource), so the credentials tfauth
prints are checked with GetCallerIdentity straight on moto.  The tools get
AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO at the emulator and
AWS_ENDPOINT_URL_STS at moto, all on 127.0.0.1, and a fixture HOME with an
[sso-session corp], profiles of it, and a legacy profile.

The browser is a fake: BROWSER names a script that notes its pid and the
URL in a marker file and fetches the URL with curl, which approves the
login (the emulator runs in "manual" mode: a device code stays pending
until its verificationUriComplete is fetched).  Every tool runs in a
session of its own (no controlling terminal, stdin /dev/null), so the
login talks on stderr.

Scenarios: the first login (token and role caches in the AWS CLI's places
and formats), reuse, the refresh grant (inside TFAUTH_REFRESH_WINDOW, an
expired token, a token the portal no longer takes), a revoked refresh
token, eight parallel callers of one session, botocore and the AWS CLI v1
reading tfauth's token and tfauth reading a token written the way botocore
writes it, denied and timed-out logins, --non-interactive, --no-browser,
bad replies and bad files, the legacy profile, and tfauth-doctor.

Nothing here prints a token or a secret: a failing check shows outputs with
every secret the emulator issued (tokens, client secrets, device codes) and
every role secret replaced by <secret>; at the end every output of every
run is searched for each of them.  Every wait is bounded; every process
started is stopped.
"""
import datetime
import hashlib
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ACCOUNT, TOP, Moto, MotoError, Runner, Tap,  # noqa: E402
                     ToolRun, clean_env, start_session)
from ssoemu import MotoRoleSource, SsoEmu  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
ROLES = ["Admin", "ReadOnly", "Deploy"]
SEED_CALLS = 3 + len(ROLES)        # MotoRoleSource.seed
RUN_TIMEOUT = 30
REGION = "us-east-1"
CORP_URL = "https://corp.awsapps.com/start"
PLAIN_URL = "https://plain.awsapps.com/start"
LEGACY_URL = "https://legacy.awsapps.com/start"
SCOPE = "sso:account:access"
TOKEN_FIELDS = ("startUrl", "region", "accessToken", "expiresAt", "clientId",
                "clientSecret", "registrationExpiresAt", "refreshToken")

tap = Tap()
SECRETS = set()
EMU = None
SRC = None


# ---------------------------------------------------------------- secrets

def harvest():
    """Every secret the emulator issued so far (access and refresh tokens,
    client secrets, device codes) and every role secret, into SECRETS."""
    if EMU is not None:
        with EMU._lock:
            SECRETS.update(EMU._access)
            SECRETS.update(EMU._refresh)
            SECRETS.update(EMU._devices)
            SECRETS.update(c["secret"] for c in EMU._clients.values())
    if SRC is not None:
        with SRC._lock:
            for c in SRC._cache.values():
                SECRETS.update([c["SecretAccessKey"], c["SessionToken"]])
    SECRETS.discard("")
    SECRETS.discard(None)


def sso_secrets():
    """The SSO ones only (never to be printed anywhere, even stdout)."""
    out = set()
    if EMU is not None:
        with EMU._lock:
            out.update(EMU._access)
            out.update(EMU._refresh)
            out.update(EMU._devices)
            out.update(c["secret"] for c in EMU._clients.values())
    return out


_MASKS = [
    re.compile(r'("(?:SecretAccessKey|SessionToken|accessToken|refreshToken|'
               r'clientSecret)"\s*:\s*")[^"]*'),
    re.compile(r'((?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)[=\s]+[\'"]?)[^\'"\s;]*'),
]


def redact(text):
    harvest()
    for s in sorted(SECRETS, key=len, reverse=True):
        text = text.replace(s, "<secret>")
    for rx in _MASKS:
        text = rx.sub(lambda m: m.group(1) + "<masked>", text)
    return text


def sha1(s):
    return hashlib.sha1(s.encode()).hexdigest()


# ------------------------------------------------------------------ runs

class Run(ToolRun):
    ERR_LIMIT = 1800

    def redact(self, text):
        return redact(text)


# Every child in a session of its own, bounded (harness.Runner).
RUNNER = Runner(BIN, RUN_TIMEOUT, Run)
RUNS = RUNNER.runs  # every Run, for the final no-secret checks
start, finish, run, tool = start_session, RUNNER.finish, RUNNER.run, RUNNER.tool
tfenv, refresh = RUNNER.tfenv, RUNNER.refresh


def parse_time(s):
    if not isinstance(s, str):
        return None
    t = s.strip()
    if t.endswith("UTC"):
        t = t[:-3] + "+00:00"
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    try:
        d = datetime.datetime.fromisoformat(t)
    except ValueError:
        return None
    return d.timestamp() if d.tzinfo else None


def zulu(epoch):
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def process_creds(r):
    if r.rc != 0:
        return None
    try:
        j = json.loads(r.out)
    except ValueError:
        return None
    if not isinstance(j, dict):
        return None
    for k in ("SecretAccessKey", "SessionToken"):
        if isinstance(j.get(k), str):
            SECRETS.add(j[k])
    if j.get("Version") != 1 or not j.get("AccessKeyId") or not j.get("SecretAccessKey"):
        return None
    return j


# ----------------------------------------------------------- the fixtures

CONFIG = """\
[sso-session corp]
sso_start_url = %(corp)s
sso_region = %(region)s
sso_registration_scopes = %(scope)s

[sso-session plain]
sso_start_url = %(plain)s
sso_region = %(region)s

[sso-session noscheme]
sso_start_url = corp.awsapps.com/start
sso_region = %(region)s

[profile ssoprof]
sso_session = corp
sso_account_id = %(account)s
sso_role_name = Admin
region = %(region)s

[profile ssoro]
sso_session = corp
sso_account_id = %(account)s
sso_role_name = ReadOnly
region = %(region)s

[profile ssodeploy]
sso_session = corp
sso_account_id = %(account)s
sso_role_name = Deploy
region = %(region)s

[profile plainprof]
sso_session = plain
sso_account_id = %(account)s
sso_role_name = Admin
region = %(region)s

[profile legacy]
sso_start_url = %(legacy)s
sso_region = %(region)s
sso_account_id = %(account)s
sso_role_name = Admin
region = %(region)s

[profile nosession]
sso_session = nosuch
sso_account_id = %(account)s
sso_role_name = Admin
region = %(region)s

[profile noscheme]
sso_session = noscheme
sso_account_id = %(account)s
sso_role_name = Admin
region = %(region)s

[profile norole]
sso_session = corp
sso_account_id = %(account)s
region = %(region)s
""" % {"corp": CORP_URL, "plain": PLAIN_URL, "legacy": LEGACY_URL,
       "region": REGION, "scope": SCOPE, "account": ACCOUNT}


class World:
    """What every scenario needs."""

    def __init__(self, moto, emu, src, root):
        self.moto, self.emu, self.src, self.root = moto, emu, src, root
        self.marker = os.path.join(root, "browser.log")
        self.browser = os.path.join(root, "fake-browser")
        with open(self.browser, "w") as f:
            f.write("#!/bin/sh\n"
                    "printf '%%s %%s\\n' \"$$\" \"$1\" >> '%s'\n"
                    "exec curl -s -o /dev/null --noproxy '*' --max-time 5 \"$1\"\n"
                    % self.marker)
        os.chmod(self.browser, 0o700)

    def home(self, name):
        home = os.path.join(self.root, name)
        os.makedirs(os.path.join(home, ".aws"), mode=0o700)
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write(CONFIG)
        return home

    def env(self, home, **extra):
        e = clean_env({
            "HOME": home,
            "AWS_ENDPOINT_URL_STS": self.moto.url,
            "AWS_ENDPOINT_URL_SSO_OIDC": self.emu.url,
            "AWS_ENDPOINT_URL_SSO": self.emu.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TFAUTH_HTTP_TIMEOUT": "10",
            "TFAUTH_HTTP_RETRY_BASE_MS": "1",
            "BROWSER": self.browser,
        })
        for k in ("DISPLAY", "WAYLAND_DISPLAY"):
            e.pop(k, None)
        e.update(extra)
        return e

    def browser_runs(self):
        """[(pid, url)] of the fake browser's runs so far."""
        try:
            with open(self.marker) as f:
                return [tuple(line.split(" ", 1)) for line in f.read().splitlines()]
        except OSError:
            return []

    def identity(self, creds):
        if not creds:
            return "error: no credentials"
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            c = self.moto.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"],
                                 creds.get("SessionToken") or None)
            return c.get_caller_identity()["Arn"]
        except ClientError as e:
            return "error: %s" % e.response.get("Error", {}).get("Code")
        except BotoCoreError as e:
            return "error: %s" % type(e).__name__


def token_path(home, name):
    return os.path.join(home, ".aws", "sso", "cache", sha1(name) + ".json")


def role_key(role, session=None, start_url=None):
    d = {"accountId": ACCOUNT, "roleName": role}
    if session:
        d["sessionName"] = session
    else:
        d["startUrl"] = start_url
    return sha1(json.dumps(d, sort_keys=True, separators=(",", ":")))


def role_path(home, role, session="corp", start_url=None):
    return os.path.join(home, ".aws", "cli", "cache",
                        role_key(role, session, start_url) + ".json")


def registration_key(start_url, session, scopes):
    return sha1(json.dumps({"tool": "botocore", "startUrl": start_url, "region": REGION,
                            "scopes": scopes, "session_name": session}, sort_keys=True))


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path, obj):
    tmp = path + ".test-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, path)


def unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def mode_of(path):
    try:
        st = os.lstat(path)
    except OSError as e:
        return str(e)
    return (stat.S_ISREG(st.st_mode), oct(stat.S_IMODE(st.st_mode)))


def token_problems(j, start_url, life=3600):
    """What is wrong with a token entry as aws-cli writes it (§7.2), []."""
    if not isinstance(j, dict):
        return ["not a JSON object"]
    bad = ["%s missing or not a string" % k for k in TOKEN_FIELDS
           if not isinstance(j.get(k), str) or not j[k]]
    if j.get("startUrl") != start_url:
        bad.append("startUrl %r" % j.get("startUrl"))
    if j.get("region") != REGION:
        bad.append("region %r" % j.get("region"))
    exp = j.get("expiresAt")
    if not (isinstance(exp, str) and
            re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", exp)):
        bad.append("expiresAt %r not YYYY-MM-DDTHH:MM:SSZ" % exp)
    else:
        left = parse_time(exp) - time.time()
        if not life - 120 < left < life + 5:
            bad.append("expiresAt %d s away, not ~%d" % (left, life))
    reg = parse_time(j.get("registrationExpiresAt"))
    if reg is None or not 89 * 86400 < reg - time.time() < 91 * 86400:
        bad.append("registrationExpiresAt %r not ~90 days away"
                   % j.get("registrationExpiresAt"))
    return bad


def cache_entry_problems(j):
    """The AWS CLI's SSO role-credential entry (§7.7)."""
    if not isinstance(j, dict) or not isinstance(j.get("Credentials"), dict):
        return ["no Credentials object"]
    c = j["Credentials"]
    bad = ["%s missing" % k for k in ("AccessKeyId", "SecretAccessKey",
                                      "SessionToken", "Expiration")
           if not isinstance(c.get(k), str) or not c[k]]
    if j.get("ProviderType") != "sso":
        bad.append("ProviderType %r (aws-cli v2 writes \"sso\")" % j.get("ProviderType"))
    if c.get("AccountId") != ACCOUNT:
        bad.append("AccountId %r" % c.get("AccountId"))
    exp = parse_time(c.get("Expiration"))
    if exp is None or not 3000 < exp - time.time() < 3700:
        bad.append("Expiration %r" % c.get("Expiration"))
    for k in ("SecretAccessKey", "SessionToken"):
        if isinstance(c.get(k), str):
            SECRETS.add(c[k])
    return bad


def delta(before, after=None):
    """Counters that changed since before (a snapshot)."""
    after = after or EMU.snapshot()
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


def stable(d, *keys):
    return {k: v for k, v in d.items() if k in keys}


# ----------------------------------------------- a server that answers badly

class Garbler:
    """A loopback proxy in front of the emulator that forwards every request
    but answers the paths in `garble` with 200 and a body of its own."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.garble = {}
        self.seen = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10

            def log_message(self, *a):
                pass

            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                path = urllib.parse.urlsplit(self.path).path
                outer.seen.append(path)
                etype = None
                if path in outer.garble:
                    status, data = 200, outer.garble[path]
                    ctype = "application/json"
                else:
                    c = http.client.HTTPConnection("127.0.0.1", outer.upstream, timeout=10)
                    hdrs = {k: v for k, v in self.headers.items()
                            if k.lower() not in ("host", "connection", "content-length")}
                    c.request(self.command, self.path, body=body or None, headers=hdrs)
                    r = c.getresponse()
                    status, data = r.status, r.read()
                    ctype = r.getheader("Content-Type") or "application/json"
                    etype = r.getheader("x-amzn-ErrorType")
                    c.close()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if etype:
                    self.send_header("x-amzn-ErrorType", etype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            do_GET = do_POST = _serve

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


# ------------------------------------------------------------- scenarios

def first_login(w, home):
    emu, env = w.emu, w.env(home)
    before = emu.snapshot()
    r = refresh("ssoprof", env=env)
    devs = emu.devices()
    d = devs[-1] if devs else {"user_code": "(none)"}
    url = emu.url + "/device?user_code=" + d["user_code"]
    tap.check("first login: tfauth-refresh ssoprof without a terminal exits 0, "
              "nothing on stdout", r.rc == 0 and r.out == "", r)
    tap.check("first login: stderr shows the verification URL and the user code",
              url in r.err and d["user_code"] in r.err and
              "sign in to AWS IAM Identity Center" in r.err, r)
    dl = delta(before)
    tap.check("first login: exactly one registration, one device authorization, "
              "one token, one role call, no early poll",
              stable(dl, "registrations", "device_authorizations", "tokens_issued",
                     "role_credentials", "early_polls", "refreshes") ==
              {"registrations": 1, "device_authorizations": 1, "tokens_issued": 1,
               "role_credentials": 1}, dl)
    regs = emu.registrations()
    tap.check("first login: RegisterClient as aws-cli: clientName "
              "botocore-client-corp, clientType public, the session's scopes, "
              "no grantTypes",
              regs and regs[-1]["clientName"] == "botocore-client-corp" and
              regs[-1]["clientType"] == "public" and regs[-1]["scopes"] == [SCOPE] and
              not regs[-1]["grantTypes"], regs)
    tap.check("first login: StartDeviceAuthorization with the session's start URL",
              d.get("start_url") == CORP_URL, d.get("start_url"))
    runs = w.browser_runs()
    tap.check("first login: the browser ($BROWSER) ran once, on verificationUriComplete",
              len(runs) == 1 and runs[0][1] == url, runs)
    tp = token_path(home, "corp")
    tok = read_json(tp)
    bad = token_problems(tok, CORP_URL)
    tap.check("first login: ~/.aws/sso/cache/<sha1(corp)>.json has the AWS CLI's "
              "fields (%s)" % ", ".join(TOKEN_FIELDS), not bad,
              "%s: %s" % (tp, bad))
    tap.check("first login: the token file is a regular file, mode 0600",
              mode_of(tp) == (True, "0o600"), mode_of(tp))
    dirs = [os.path.join(home, ".aws", d, "cache") for d in ("sso", "cli")]
    dmodes = [oct(stat.S_IMODE(os.lstat(d).st_mode)) if os.path.isdir(d) else None
              for d in dirs]
    tap.check("first login: ~/.aws/sso/cache and ~/.aws/cli/cache are 0700",
              dmodes == ["0o700", "0o700"], dmodes)
    reg_path = os.path.join(home, ".aws", "sso", "cache",
                            registration_key(CORP_URL, "corp", [SCOPE]) + ".json")
    reg = read_json(reg_path)
    tap.check("first login: the registration is cached as botocore does "
              "(sha1 of its JSON key), clientId = the token's, 0600",
              isinstance(reg, dict) and isinstance(tok, dict) and
              reg.get("clientId") == tok.get("clientId") and
              parse_time(reg.get("expiresAt")) is not None and
              "accessToken" not in reg and mode_of(reg_path) == (True, "0o600"),
              "%s: %s %s" % (os.path.basename(reg_path), sorted(reg or {}),
                             mode_of(reg_path)))
    rp = role_path(home, "Admin")
    entry = read_json(rp)
    bad = cache_entry_problems(entry)
    tap.check("first login: role credentials cached at ~/.aws/cli/cache/<key>.json "
              "(key of accountId, roleName, sessionName), AWS CLI format, 0600",
              not bad and mode_of(rp) == (True, "0o600"),
              "%s: %s %s" % (rp, bad, mode_of(rp)))

    m = emu.mark()
    r = tfenv("ssoprof", "--format", "process", env=env)
    c = process_creds(r)
    arn = w.identity(c)
    tap.check("tfauth-env ssoprof --format process: credentials for GetCallerIdentity "
              "on moto: %s" % arn, c is not None and arn == w.src.arn("Admin"),
              "%s\n%s" % (r, arn))
    tap.check("... the cached role credentials, no request to OIDC or the portal",
              c and entry and c["AccessKeyId"] == entry["Credentials"]["AccessKeyId"] and
              emu.ops(m) == {}, emu.ops(m))
    r2 = tfenv("ssoprof", "--format", "process", env=env)
    c2 = process_creds(r2)
    r3 = refresh("ssoprof", env=env)
    tap.check("second runs (tfauth-env, tfauth-refresh): same credentials, no login, "
              "no role call, no request at all",
              c2 and c and c2["AccessKeyId"] == c["AccessKeyId"] and r3.rc == 0 and
              "is fresh" in r3.err and emu.ops(m) == {} and len(w.browser_runs()) == 1,
              "%s\n%s\n%s" % (r2, r3, emu.ops(m)))
    r4 = refresh("ssoprof", "--check", env=env)
    tap.check("tfauth-refresh ssoprof --check: exit 0", r4.rc == 0, r4)

    # Another profile of the same session: the token is shared.
    before = emu.snapshot()
    r = tfenv("ssoro", "--format", "process", env=env)
    c = process_creds(r)
    arn = w.identity(c)
    dl = delta(before)
    tap.check("another profile of session corp (ReadOnly): no login, one role call, "
              "its role's ARN: %s" % arn,
              arn == w.src.arn("ReadOnly") and
              stable(dl, "device_authorizations", "refreshes", "role_credentials",
                     "registrations") == {"role_credentials": 1},
              "%s\n%s" % (r, dl))


BOTO_SCRIPT = r"""
import sys
import boto3
s = boto3.session.Session(profile_name=sys.argv[1])
c = s.get_credentials()
if c is None:
    print("no credentials")
    sys.exit(1)
f = c.get_frozen_credentials()
print(c.method)
print(f.access_key)
print(s.client("sts", region_name="us-east-1").get_caller_identity()["Arn"])
"""


def interop_botocore_reads(w, home):
    emu = w.emu
    before = emu.snapshot()
    r = run([sys.executable, "-c", BOTO_SCRIPT, "ssoprof"], w.env(home))
    lines = r.out.split("\n")
    dl = delta(before)
    tap.check("botocore resolves ssoprof from tfauth's token cache (method sso): "
              "the role's ARN", r.rc == 0 and len(lines) >= 3 and
              lines[0] == "sso" and lines[2] == w.src.arn("Admin"), r)
    tap.check("... with no device authorization and no refresh (one role call of "
              "its own)", stable(dl, "device_authorizations", "refreshes",
                                 "registrations", "role_credentials") ==
              {"role_credentials": 1}, dl)
    before = emu.snapshot()
    r = run([sys.executable, "-m", "awscli", "sts", "get-caller-identity",
             "--profile", "ssoprof", "--output", "json"], w.env(home))
    try:
        arn = json.loads(r.out).get("Arn")
    except ValueError:
        arn = None
    dl = delta(before)
    tap.check("the AWS CLI v1 (python3 -m awscli) on ssoprof: the role's ARN, no login",
              r.rc == 0 and arn == w.src.arn("Admin") and
              dl.get("device_authorizations", 0) == 0 and
              dl.get("refreshes", 0) == 0, "%s\n%s" % (r, dl))


def doctor(w, home):
    before = w.emu.snapshot()
    r = tool("tfauth-doctor", "ssoprof", "--json", env=w.env(home), timeout=40)
    try:
        rep = json.loads(r.out)
    except ValueError:
        rep = None
    ident = [c for c in (rep or {}).get("checks", []) if c.get("id") == "identity"]
    ident = ident[-1] if ident else {}
    tap.check("tfauth-doctor ssoprof after the login: identity ok, the role's ARN",
              ident.get("status") == "ok" and
              w.src.arn("Admin") in (ident.get("summary") or ""),
              "%s\n%s" % (r, ident))
    dl = delta(before)
    tap.check("... no login and no refresh made by the doctor",
              dl.get("device_authorizations", 0) == 0 and dl.get("refreshes", 0) == 0
              and not w.browser_runs()[1:], dl)


def refresh_grant(w, home):
    emu, env = w.emu, w.env(home)
    tp, rp = token_path(home, "corp"), role_path(home, "Admin")

    # 1. inside TFAUTH_REFRESH_WINDOW: a 1 h token, a 2 h window.
    old = read_json(tp) or {}
    old["x-tfauth-test"] = "kept"
    write_json(tp, old)
    before = emu.snapshot()
    r = tfenv("ssoprof", "--format", "process",
              env=w.env(home, TFAUTH_REFRESH_WINDOW="7200"))
    c = process_creds(r)
    arn = w.identity(c)
    dl = delta(before)
    new = read_json(tp) or {}
    tap.check("TFAUTH_REFRESH_WINDOW=7200: tfauth-env refreshes the token silently "
              "(one refresh, no device authorization) and the role credentials: %s"
              % arn, arn == w.src.arn("Admin") and
              stable(dl, "refreshes", "device_authorizations", "role_credentials",
                     "registrations") == {"refreshes": 1, "role_credentials": 1},
              "%s\n%s" % (r, dl))
    tap.check("... the token file rewritten: new access and refresh tokens, same "
              "client, unknown field kept, still 0600",
              not token_problems(new, CORP_URL) and
              new.get("accessToken") != old.get("accessToken") and
              new.get("refreshToken") != old.get("refreshToken") and
              new.get("clientId") == old.get("clientId") and
              new.get("x-tfauth-test") == "kept" and mode_of(tp) == (True, "0o600"),
              "%s %s" % (token_problems(new, CORP_URL), sorted(new)))

    # 2. the access token expired (file and service), the role entry gone.
    emu.expire_access_tokens()
    tok = read_json(tp)
    tok["expiresAt"] = zulu(time.time() - 120)
    write_json(tp, tok)
    unlink(rp)
    before = emu.snapshot()
    r = tfenv("ssoprof", "--format", "process", env=env)
    c = process_creds(r)
    arn = w.identity(c)
    dl = delta(before)
    tap.check("expired access token, valid refresh token: refreshed silently "
              "(refreshes +1, no device authorization, no browser), one role call: %s"
              % arn, arn == w.src.arn("Admin") and
              stable(dl, "refreshes", "device_authorizations", "role_credentials",
                     "registrations") == {"refreshes": 1, "role_credentials": 1} and
              len(w.browser_runs()) == 1, "%s\n%s" % (r, dl))
    tap.check("... the token file holds a fresh expiresAt",
              not token_problems(read_json(tp), CORP_URL),
              token_problems(read_json(tp), CORP_URL))

    # 3. the same with --non-interactive: a refresh needs no prompt.
    emu.expire_access_tokens()
    tok = read_json(tp)
    tok["expiresAt"] = zulu(time.time() - 120)
    write_json(tp, tok)
    unlink(rp)
    before = emu.snapshot()
    r = refresh("ssoprof", "--non-interactive", "--format", "process", env=env)
    arn = w.identity(process_creds(r))
    dl = delta(before)
    tap.check("--non-interactive with an expired token: the refresh grant is still "
              "used (exit 0, no device authorization): %s" % arn,
              r.rc == 0 and arn == w.src.arn("Admin") and
              stable(dl, "refreshes", "device_authorizations") == {"refreshes": 1},
              "%s\n%s" % (r, dl))

    # 4. the file says valid, the portal says no (token revoked server-side).
    emu.expire_access_tokens()
    unlink(rp)
    before = emu.snapshot()
    r = tfenv("ssoprof", "--format", "process", env=env)
    arn = w.identity(process_creds(r))
    dl = delta(before)
    tap.check("a cached token the portal refuses (401): refresh grant, then the role "
              "(no device authorization): %s" % arn,
              arn == w.src.arn("Admin") and
              stable(dl, "refreshes", "device_authorizations", "unauthorized",
                     "role_credentials") ==
              {"refreshes": 1, "unauthorized": 1, "role_credentials": 1},
              "%s\n%s" % (r, dl))

    # 5. the refresh token revoked: a device login again.
    emu.expire_access_tokens()
    emu.revoke_refresh_tokens()
    tok = read_json(tp)
    old_access = tok["accessToken"]
    tok["expiresAt"] = zulu(time.time() - 120)
    write_json(tp, tok)
    unlink(rp)
    before = emu.snapshot()
    nb = len(w.browser_runs())
    r = tfenv("ssoprof", "--format", "process", env=env)
    arn = w.identity(process_creds(r))
    dl = delta(before)
    new = read_json(tp) or {}
    tap.check("refresh token revoked: the refresh fails (invalid_grant), one more "
              "device authorization through the browser, then credentials: %s" % arn,
              arn == w.src.arn("Admin") and
              stable(dl, "refresh_failures", "device_authorizations", "refreshes",
                     "tokens_issued") ==
              {"refresh_failures": 1, "device_authorizations": 1, "tokens_issued": 1}
              and len(w.browser_runs()) == nb + 1, "%s\n%s" % (r, dl))
    tap.check("... a new token cached, complete",
              not token_problems(new, CORP_URL) and new.get("accessToken") != old_access,
              token_problems(new, CORP_URL))

    # 6. --force with a valid token: new role credentials; the token is
    # reused as `aws sso login` reuses one (§7.2), no browser.
    before = emu.snapshot()
    r = refresh("ssoprof", "--force", env=env)
    dl = delta(before)
    tap.check("tfauth-refresh --force with a valid token: a new role call with the "
              "cached token (no refresh, no device authorization)",
              r.rc == 0 and "refreshed" in r.err and
              stable(dl, "refreshes", "device_authorizations", "role_credentials") ==
              {"role_credentials": 1}, "%s\n%s" % (r, dl))

    # 7. the client registration expired at the service (the files still
    # call it valid): the refresh is refused (invalid_client), the cached
    # registration is refused by StartDeviceAuthorization, a new one is made.
    emu.expire_registrations()
    tok = read_json(tp)
    tok["expiresAt"] = zulu(time.time() - 120)
    write_json(tp, tok)
    unlink(rp)
    before = emu.snapshot()
    r = tfenv("ssoprof", "--format", "process", env=env)
    arn = w.identity(process_creds(r))
    dl = delta(before)
    tap.check("a registration the service has expired: refresh refused, one new "
              "registration, one device login, credentials: %s" % arn,
              arn == w.src.arn("Admin") and
              stable(dl, "refresh_failures", "registrations", "device_authorizations",
                     "refreshes") ==
              {"refresh_failures": 1, "registrations": 1, "device_authorizations": 1},
              "%s\n%s" % (r, dl))
    new = read_json(tp) or {}
    tap.check("... the token file names the new client",
              not token_problems(new, CORP_URL) and
              new.get("clientId") != tok.get("clientId"), token_problems(new, CORP_URL))


def bad_files(w, home):
    emu, env = w.emu, w.env(home)
    tp, rp = token_path(home, "corp"), role_path(home, "Admin")

    # expiresAt written as "+00:00" (botocore's isoformat()): accepted.
    tok = read_json(tp)
    good = dict(tok)
    exp = datetime.datetime.fromtimestamp(int(time.time()) + 3000,
                                          datetime.timezone.utc)
    tok["expiresAt"] = exp.isoformat()
    write_json(tp, tok)
    unlink(rp)
    before = emu.snapshot()
    r = tfenv("ssoprof", "--format", "process", env=env)
    arn = w.identity(process_creds(r))
    dl = delta(before)
    tap.check("a token with expiresAt %s (\"+00:00\" form) is used as it is: "
              "no login, no refresh, one role call" % tok["expiresAt"][19:],
              arn == w.src.arn("Admin") and
              stable(dl, "refreshes", "device_authorizations", "role_credentials")
              == {"role_credentials": 1}, "%s\n%s" % (r, dl))

    # A token entry without accessToken: no token, so a new login.
    for missing in ("accessToken", "expiresAt"):
        t = dict(good)
        del t[missing]
        write_json(tp, t)
        unlink(rp)
        before = emu.snapshot()
        r = tfenv("ssoprof", "--format", "process", env=env)
        arn = w.identity(process_creds(r))
        dl = delta(before)
        tap.check("a token file without %s is ignored: a new device login, "
                  "credentials: %s" % (missing, arn),
                  arn == w.src.arn("Admin") and dl.get("device_authorizations") == 1 and
                  dl.get("refreshes", 0) == 0, "%s\n%s" % (r, dl))
        tap.check("... and replaced by a complete token file",
                  not token_problems(read_json(tp), CORP_URL),
                  token_problems(read_json(tp), CORP_URL))

    # Not JSON at all, and a token issued for another start URL: no token.
    good = read_json(tp)
    for what, data in (("is not JSON", b'{"accessToken": "x", '),
                       ("names another startUrl",
                        json.dumps(dict(good, startUrl="https://other.awsapps.com/start"))
                        .encode())):
        fd = os.open(tp, os.O_WRONLY | os.O_TRUNC)
        os.write(fd, data)
        os.close(fd)
        unlink(rp)
        before = emu.snapshot()
        r = tfenv("ssoprof", "--format", "process", env=env)
        arn = w.identity(process_creds(r))
        dl = delta(before)
        tap.check("a token file that %s is not used: a new device login, "
                  "credentials: %s" % (what, arn),
                  arn == w.src.arn("Admin") and dl.get("device_authorizations") == 1
                  and dl.get("refreshes", 0) == 0 and
                  not token_problems(read_json(tp), CORP_URL), "%s\n%s" % (r, dl))


def bad_replies(w, home, fresh_home):
    emu = w.emu
    g = Garbler(emu.port)
    try:
        genv = lambda h: w.env(h, AWS_ENDPOINT_URL_SSO_OIDC=g.url,  # noqa: E731
                               AWS_ENDPOINT_URL_SSO=g.url)
        tp, rp = token_path(home, "corp"), role_path(home, "Admin")

        # The refresh grant answered with something that is not JSON.
        tok = read_json(tp)
        tok["expiresAt"] = zulu(time.time() - 60)
        write_json(tp, tok)
        with open(tp, "rb") as f:
            data = f.read()
        unlink(rp)
        g.garble = {"/token": b'{"accessToken": "aoaGARBLED'}
        before = emu.snapshot()
        r = tfenv("ssoprof", "--format", "process", env=genv(home))
        with open(tp, "rb") as f:
            same = f.read() == data
        tap.check("CreateToken (refresh) answers truncated JSON: exit 1, a clear "
                  "message, nothing on stdout",
                  r.rc == 1 and r.out == "" and "CreateToken" in r.err and
                  "not JSON" in r.err and "aoaGARBLED" not in r.err, r)
        tap.check("... the token file left as it was, no role credentials cached",
                  same and not os.path.exists(rp) and
                  delta(before).get("device_authorizations", 0) == 0,
                  (same, os.path.exists(rp), delta(before)))

        # The portal answers with HTML.
        g.garble = {"/federation/credentials": b"<html>proxy login</html>"}
        tok["expiresAt"] = zulu(time.time() + 3000)
        write_json(tp, tok)
        r = tfenv("ssoprof", "--format", "process", env=genv(home))
        tap.check("GetRoleCredentials answers HTML: exit 1, a clear message, nothing "
                  "on stdout, nothing cached",
                  r.rc == 1 and r.out == "" and "GetRoleCredentials" in r.err and
                  "not JSON" in r.err and not os.path.exists(rp), r)

        # RegisterClient answers with HTML: no login at all.
        g.garble = {"/client/register": b"<html>captive portal</html>"}
        before = emu.snapshot()
        r = refresh("ssoprof", env=genv(fresh_home))
        tap.check("RegisterClient answers HTML: exit 1, a clear message, nothing on "
                  "stdout, no token file",
                  r.rc == 1 and r.out == "" and "RegisterClient" in r.err and
                  "not JSON" in r.err and
                  not os.path.exists(token_path(fresh_home, "corp")) and
                  delta(before).get("device_authorizations", 0) == 0, r)

        # The device-code CreateToken answers broken JSON.
        g.garble = {"/token": b'{"accessToken": "aoaGARBLED", "expiresIn": '}
        before = emu.snapshot()
        r = refresh("ssoprof", env=genv(fresh_home))
        tap.check("CreateToken (device code) answers truncated JSON: exit 1, "
                  "nothing on stdout, no token file",
                  r.rc == 1 and r.out == "" and "not JSON" in r.err and
                  "aoaGARBLED" not in r.err and
                  not os.path.exists(token_path(fresh_home, "corp")), r)
    finally:
        g.stop()

    # An error description that quotes the client secret stays out of the
    # message (the registration cached by the login just above).
    reg = read_json(os.path.join(fresh_home, ".aws", "sso", "cache",
                                 registration_key(CORP_URL, "corp", [SCOPE]) + ".json"))
    csec = (reg or {}).get("clientSecret")
    if csec:
        emu.fail_next("StartDeviceAuthorization", 400, "InvalidRequestException",
                      "clientSecret %s is not accepted here" % csec)
        r = refresh("ssoprof", env=w.env(fresh_home))
        tap.check("an OIDC error description quoting the client secret: exit 1, "
                  "the error named, the secret not shown",
                  r.rc == 1 and r.out == "" and "StartDeviceAuthorization" in r.err and
                  csec not in r.err and
                  not os.path.exists(token_path(fresh_home, "corp")), r)
    else:
        tap.check("the garbled login cached its registration", False, reg)
    # Put the main HOME back in order for later scenarios.
    tok = read_json(token_path(home, "corp"))
    tok["expiresAt"] = zulu(time.time() + 3000)
    write_json(token_path(home, "corp"), tok)


def legacy(w, home):
    emu = w.emu
    before = emu.snapshot()
    r = refresh("legacy", "--format", "process", env=w.env(home))
    arn = w.identity(process_creds(r))
    dl = delta(before)
    regs = emu.registrations()
    tap.check("legacy profile (sso_start_url in the profile): one device login, "
              "credentials: %s" % arn,
              arn == w.src.arn("Admin") and dl.get("device_authorizations") == 1,
              "%s\n%s" % (r, dl))
    tap.check("... RegisterClient as aws-cli: clientName botocore-client-<unix "
              "time>, no scopes",
              regs and re.fullmatch(r"botocore-client-\d{10}", regs[-1]["clientName"] or "")
              and not regs[-1]["scopes"], regs[-1:])
    tp = token_path(home, LEGACY_URL)
    tok = read_json(tp) or {}
    bad = [p for p in token_problems(tok, LEGACY_URL) if "refreshToken" not in p]
    tap.check("... token at ~/.aws/sso/cache/<sha1(start URL)>.json, role "
              "credentials under the startUrl key",
              not bad and mode_of(tp) == (True, "0o600") and
              not cache_entry_problems(read_json(role_path(home, "Admin", None,
                                                           LEGACY_URL))),
              bad)


def parallel(w, home):
    emu = w.emu
    before = emu.snapshot()
    nb = len(w.browser_runs())
    profiles = ["ssoprof", "ssoro", "ssodeploy"]
    roles = {"ssoprof": "Admin", "ssoro": "ReadOnly", "ssodeploy": "Deploy"}
    env = w.env(home)
    procs = []
    t0 = time.monotonic()
    for i in range(8):
        argv = [os.path.join(BIN, "tfauth-env"), profiles[i % 3], "--format", "process"]
        try:
            procs.append((argv, start(argv, env)))
        except OSError as e:
            procs.append((argv, e))
    results = []
    for argv, p in procs:
        if isinstance(p, OSError):
            results.append(Run(argv, -2, "", str(p), 0))
        else:
            results.append(finish(p, argv, t0, t0 + 60))
    bad = []
    for (argv, _), r in zip(procs, results):
        arn = w.identity(process_creds(r))
        if arn != w.src.arn(roles[argv[1]]):
            bad.append("%s -> %s\n%s" % (argv[1], arn, r))
    dl = delta(before)
    tap.check("8 parallel tfauth-env --format process on 3 profiles of session corp, "
              "no token: all print working credentials of their role (%.1f s)"
              % (time.monotonic() - t0), not bad, "\n".join(bad[:3]))
    tap.check("... exactly one device authorization, one registration, one token, "
              "one browser",
              stable(dl, "device_authorizations", "registrations", "tokens_issued",
                     "refreshes") ==
              {"device_authorizations": 1, "registrations": 1, "tokens_issued": 1}
              and len(w.browser_runs()) == nb + 1, (dl, len(w.browser_runs()) - nb))
    tap.check("... one role call per profile (3)", dl.get("role_credentials") == 3, dl)


def interop_botocore_writes(w, home):
    """A token written the way botocore/aws-cli writes it (its own device
    flow with boto3's sso-oidc client, its JSONFileCache and its token
    serializer) is used by tfauth with no new login."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.utils import JSONFileCache
    try:
        from botocore.tokens import _sso_json_dumps
    except ImportError:       # older botocore: the same serializer by hand
        def _sso_json_dumps(obj):
            return json.dumps(obj, default=lambda o: o.strftime("%Y-%m-%dT%H:%M:%SZ"))
    emu = w.emu
    cache = JSONFileCache(os.path.join(home, ".aws", "sso", "cache"),
                          dumps_func=_sso_json_dumps)
    oidc = boto3.session.Session(region_name=REGION).client(
        "sso-oidc", endpoint_url=emu.url,
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1},
                      connect_timeout=5, read_timeout=10))
    utc = datetime.timezone.utc
    now = lambda: datetime.datetime.now(utc)  # noqa: E731
    before = emu.snapshot()
    ok = False
    try:
        reg = oidc.register_client(clientName="botocore-client-corp",
                                   clientType="public", scopes=[SCOPE])
        registration = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
                        "expiresAt": datetime.datetime.fromtimestamp(
                            reg["clientSecretExpiresAt"], utc), "scopes": [SCOPE]}
        cache[registration_key(CORP_URL, "corp", [SCOPE])] = registration
        dev = oidc.start_device_authorization(clientId=reg["clientId"],
                                              clientSecret=reg["clientSecret"],
                                              startUrl=CORP_URL)
        resp, interval, deadline = None, dev.get("interval", 5), time.monotonic() + 15
        pending_called = False
        while time.monotonic() < deadline:
            try:
                resp = oidc.create_token(
                    grantType="urn:ietf:params:oauth:grant-type:device_code",
                    clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                    deviceCode=dev["deviceCode"])
                break
            except oidc.exceptions.AuthorizationPendingException:
                if not pending_called:       # on_pending_authorization
                    pending_called = True
                    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                    opener.open(dev["verificationUriComplete"], timeout=5).read()
                time.sleep(interval)
        if resp:
            token = {"startUrl": CORP_URL, "region": REGION,
                     "accessToken": resp["accessToken"],
                     "expiresAt": now() + datetime.timedelta(seconds=resp["expiresIn"]),
                     "clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
                     "registrationExpiresAt": registration["expiresAt"]}
            if "refreshToken" in resp:
                token["refreshToken"] = resp["refreshToken"]
            cache[sha1("corp")] = token
            ok = True
    except Exception as e:    # shown, not raised
        tap.note("botocore-style login failed: %s" % type(e).__name__)
    harvest()
    tap.check("a token written by a botocore-style device login (JSONFileCache, "
              "botocore's serializer) is in place",
              ok and not token_problems(read_json(token_path(home, "corp")), CORP_URL),
              token_problems(read_json(token_path(home, "corp")), CORP_URL))
    mid = emu.snapshot()
    r = tfenv("ssoprof", "--format", "process", env=w.env(home))
    arn = w.identity(process_creds(r))
    dl = delta(mid)
    tap.check("tfauth-env uses botocore's token: no new login, no refresh, one role "
              "call: %s" % arn,
              arn == w.src.arn("Admin") and
              stable(dl, "device_authorizations", "refreshes", "registrations",
                     "role_credentials") == {"role_credentials": 1},
              "%s\n%s" % (r, dl))
    dl = delta(before)
    tap.check("... one device authorization in all (botocore's)",
              dl.get("device_authorizations") == 1, dl)

    # The refresh grant on botocore's expired token uses botocore's client.
    emu.expire_access_tokens()
    tok = read_json(token_path(home, "corp"))
    tok["expiresAt"] = zulu(time.time() - 60)
    write_json(token_path(home, "corp"), tok)
    unlink(role_path(home, "Admin"))
    before = emu.snapshot()
    r = tfenv("ssoprof", "--format", "process", env=w.env(home))
    arn = w.identity(process_creds(r))
    dl = delta(before)
    tap.check("... and refreshes botocore's expired token with botocore's client: "
              "%s" % arn, arn == w.src.arn("Admin") and
              stable(dl, "refreshes", "device_authorizations") == {"refreshes": 1},
              "%s\n%s" % (r, dl))


def plain_session(w, home):
    before = w.emu.snapshot()
    r = refresh("plainprof", "--format", "process", env=w.env(home))
    arn = w.identity(process_creds(r))
    regs = w.emu.registrations()
    tok = read_json(token_path(home, "plain"))
    tap.check("an sso-session without sso_registration_scopes: one login, a "
              "refresh token, credentials: %s" % arn,
              arn == w.src.arn("Admin") and
              delta(before).get("device_authorizations") == 1 and
              not token_problems(tok, PLAIN_URL) and
              regs and regs[-1]["clientName"] == "botocore-client-plain",
              "%s\n%s\n%s" % (r, regs[-1:], token_problems(tok, PLAIN_URL)))


def no_browser(w, home):
    emu = w.emu
    nb = len(w.browser_runs())
    before = emu.snapshot()
    errpath = os.path.join(w.root, "nobrowser.err")
    argv = [os.path.join(BIN, "tfauth-refresh"), "ssoprof", "--no-browser"]
    t0 = time.monotonic()
    with open(errpath, "wb") as ef:
        p = start(argv, w.env(home), stderr=ef)
        # The user reads the address on stderr and opens it by hand.
        url, deadline = None, time.monotonic() + 15
        while url is None and time.monotonic() < deadline and p.poll() is None:
            with open(errpath, "rb") as f:
                m = re.search(r"(http://127\.0\.0\.1:\d+/device\?user_code=[A-F0-9-]+)",
                              f.read().decode("utf-8", "replace"))
            if m:
                url = m.group(1)
            else:
                time.sleep(0.1)
        fetched = None
        if url:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(url, timeout=5) as resp:
                    fetched = resp.status
            except Exception as e:   # noqa: BLE001 — shown
                fetched = type(e).__name__
        r = finish(p, argv, t0, t0 + 30)
    with open(errpath, "rb") as f:
        r.err = f.read().decode("utf-8", "replace")
    tap.check("--no-browser: the URL is printed (and opening it by hand completes "
              "the login: exit 0)",
              url is not None and fetched == 200 and r.rc == 0 and
              "browser window just opened" not in r.err, "%s\nfetched: %s" % (r, fetched))
    tap.check("--no-browser: the fake browser did not run",
              len(w.browser_runs()) == nb, w.browser_runs()[nb:])
    tap.check("--no-browser: one device authorization, a token file",
              delta(before).get("device_authorizations") == 1 and
              not token_problems(read_json(token_path(home, "corp")), CORP_URL),
              delta(before))


def non_interactive(w, home):
    emu = w.emu
    m = emu.mark()
    r = refresh("ssoprof", "--non-interactive", env=w.env(home))
    tap.check("--non-interactive without a token: exit 3, a message naming the "
              "session and how to log in, nothing on stdout",
              r.rc == 3 and r.out == "" and "corp" in r.err and
              "tfauth-refresh ssoprof" in r.err, r)
    tap.check("... no request at all (no device authorization), no browser, no "
              "token file", emu.ops(m) == {} and
              not os.path.exists(token_path(home, "corp")), emu.ops(m))
    r = refresh("ssoprof", "--check", env=w.env(home))
    tap.check("--check without a token: exit 3, no request", r.rc == 3 and
              emu.ops(m) == {}, r)


def failed_logins(w, root):
    emu = w.emu
    cases = [("deny", "denied", {"mode": "deny", "poll_count": 1}),
             ("expire", "expired", {"mode": "expire", "poll_count": 1}),
             ("timeout", "expired", {"lifetime": 3})]
    for name, word, how in cases:
        home = w.home("failed-" + name)
        if "mode" in how:
            emu.set_mode(how["mode"])
            emu.set_poll_count(how["poll_count"])
            args = ["ssoprof"]
        else:
            emu.set_device_code_lifetime(how["lifetime"])
            args = ["ssoprof", "--no-browser"]    # nobody approves it
        before = emu.snapshot()
        try:
            r = refresh(*args, "--format", "process", env=w.env(home))
        finally:
            emu.set_mode("manual")
            emu.set_poll_count(0)
            emu.set_device_code_lifetime(600)
        dl = delta(before)
        what = {"deny": "denied in the browser (access_denied)",
                "expire": "expired (expired_token)",
                "timeout": "not approved within the device code's 3 s"}[name]
        tap.check("a login %s: exit 1, a clear message, nothing on stdout (%.1f s)"
                  % (what, r.elapsed),
                  r.rc == 1 and r.out == "" and word in r.err and r.elapsed < 15, r)
        tap.check("... one device authorization, no token file, no role credentials",
                  dl.get("device_authorizations") == 1 and
                  not os.path.exists(token_path(home, "corp")) and
                  not os.path.exists(role_path(home, "Admin")), dl)


def bad_config(w, home):
    emu = w.emu
    m = emu.mark()
    cases = [("nosession", ["nosuch", "sso-session"]),
             ("noscheme", ["sso_start_url", "corp.awsapps.com/start", "not a URL"]),
             ("norole", ["missing required configuration", "sso_role_name"])]
    for prof, words in cases:
        for name, r in (("tfauth-refresh", refresh(prof, env=w.env(home))),
                        ("tfauth-env --format process",
                         tfenv(prof, "--format", "process", env=w.env(home)))):
            tap.check("%s %s: exit 1, a message with %s, nothing on stdout"
                      % (name, prof, " and ".join(repr(x) for x in words)),
                      r.rc == 1 and r.out == "" and all(x in r.err for x in words), r)
    tap.check("... no request made for a broken profile", emu.ops(m) == {}, emu.ops(m))


def browsers_done(w):
    """The fake browser runs are detached (double fork): wait for them, and
    stop any left (by pid, only if it is still our curl)."""
    left = []
    deadline = time.monotonic() + 8
    pids = [int(p) for p, _ in w.browser_runs() if p.isdigit()]
    while time.monotonic() < deadline:
        left = []
        for pid in pids:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if b"curl" in cmd and w.marker.encode() not in cmd:
                left.append(pid)
        if not left:
            break
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left


def main():
    global EMU, SRC
    for name in ("tfauth-env", "tfauth-refresh", "tfauth-doctor"):
        if not os.access(os.path.join(BIN, name), os.X_OK):
            tap.check("%s is built (run 'make')" % os.path.join(BIN, name), False)
            return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("IAM Identity Center against moto and the emulator",
                 "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    if not shutil.which("curl"):
        tap.skip("IAM Identity Center end to end", "curl (the fake browser) is missing")
        return tap.done()
    t_start = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-sso.")
    moto = Moto(no_auth_count=SEED_CALLS)
    emu = None
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        iam = moto.client("iam")
        SRC = MotoRoleSource.seed(moto, iam, ROLES)
        tap.check("seeding made exactly INITIAL_NO_AUTH_ACTION_COUNT=%d calls"
                  % SEED_CALLS, moto.requests_sent == SEED_CALLS, moto.requests_sent)
        SECRETS.add(SRC.secret)
        EMU = emu = SsoEmu(SRC, assignments={ACCOUNT: ROLES}, interval=1,
                           mode="manual", poll_count=0).start()
        w = World(moto, emu, SRC, root)

        main_home = w.home("main")
        first_login(w, main_home)
        interop_botocore_reads(w, main_home)
        doctor(w, main_home)
        refresh_grant(w, main_home)
        bad_files(w, main_home)
        bad_replies(w, main_home, w.home("garbled"))
        legacy(w, main_home)
        parallel(w, w.home("parallel"))
        interop_botocore_writes(w, w.home("botocore"))
        plain_session(w, w.home("plain"))
        no_browser(w, w.home("nobrowser"))
        non_interactive(w, w.home("noninteractive"))
        failed_logins(w, root)
        bad_config(w, w.home("badconfig"))

        harvest()
        sso = sso_secrets()
        leaks = [r for r in RUNS if any(s in r.out or s in r.err for s in sso)]
        tap.check("no SSO token, client secret or device code in any output of %d runs "
                  "(%d secrets searched)" % (len(RUNS), len(sso)), sso and not leaks,
                  "\n".join(str(r.argv[:3]) for r in leaks))
        role_leaks = [r for r in RUNS if any(s in r.err for s in SECRETS)]
        tap.check("no role secret on stderr", not role_leaks,
                  "\n".join(str(r.argv[:3]) for r in role_leaks))
        tap.check("no early poll in any device flow (the interval was kept)",
                  emu.count("early_polls") == 0,
                  [(d["index"], d["client_name"], d["interval"],
                    ["%.2f" % (b[0] - a[0]) for a, b in zip(d["polls"], d["polls"][1:])])
                   for d in emu.devices()])
        tap.check("no error inside the emulator", emu.errors == [], emu.errors)
        left = browsers_done(w)
        tap.check("every fake browser run ended by itself", not left, left)
        if moto.proc.poll() is not None:
            tap.check("moto stayed up", False, moto.log_tail())
        tap.note("sso took %.1f s, %d runs, %d device authorizations" % (
            time.monotonic() - t_start, len(RUNS), emu.count("device_authorizations")))
    finally:
        if emu is not None:
            emu.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
