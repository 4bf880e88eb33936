#!/usr/bin/env python3
"""serve — tfauth-run --serve-credentials: the loopback container-credentials
endpoint, with botocore's container provider as the client, against moto.

moto's server runs with its authentication on, behind the counting proxy
(stsproxy.py).  The child tfauth-run starts is a stand-in written here
(child.py): it resolves credentials with botocore's own chain, which must
reach the container provider (AWS_CONTAINER_CREDENTIALS_FULL_URI), calls
GetCallerIdentity through the proxy, and does what the test asks through
files in a state folder (fetch again, exit with a status), so that one run
of one child sees the credentials change.  The fixture HOME has:

  default   bob's static keys (credentials file): the SDK reads the default
            profile before the container provider, so the child must not
            see them
  static    alice's keys (credentials file)
  role      role deploy, source_profile static
  mfatty    role mfatarget with mfa_serial (an MFA session first)

Scenarios: the child's environment (endpoint, 0600 token file in a 0700
folder, no AWS_PROFILE and no keys, the region, a config view without
credentials); botocore fetches the role's credentials (not bob's); a
wrong, missing or unsent token is 401, another method 405, another path
404, each refusal said on stderr without the token; the endpoint is bound
to 127.0.0.1 only; moto's reset forgets every session, the cache entries
are made due (their Expiration rewritten), and the same child fetches new
credentials that work (one AssumeRole); 20 concurrent fetches while a
refresh is due make one AssumeRole; warm fetches make none; the child's
exit status passes through, and then the port refuses connections and the
token file and folder are gone; SIGTERM to tfauth-run reaches the child and
the files go; TFAUTH_SERVE=1 turns it on, --no-serve-credentials off, a
bad value stops; served credentials moto does not know: the stand-in
terraform (fake_terraform.py) fails, tfauth-run logs in again and reruns
it with a new endpoint; export TFAUTH_SERVE=1 through the bash, zsh and
fish wrappers; an SSO profile (ssoemu.py): role credentials due, then the
token too (its refresh token), with no new login; an MFA profile in a
real terminal (tmux): the refresh asks once for the code while several
requests wait, and they all get the new credentials.

Every process runs with a bounded wait and is killed if it overruns;
everything listens on 127.0.0.1; HOME is a temp folder.  Nothing here
prints a secret: diagnostics have every known secret replaced.
"""
import glob
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import http.client
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ACCOUNT, TOP, Moto, MotoError, Tap, clean_env, write_env_file, write_tty_wrapper  # noqa: E402
from stsproxy import StsProxy  # noqa: E402
from ssoemu import MotoRoleSource, SsoEmu  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
RUN = os.path.join(BIN, "tfauth-run")
SEED_CALLS = 9
WAIT = 30
MFA_SERIAL = "arn:aws:iam::%s:mfa/alice-tty" % ACCOUNT
PROMPT = "Enter MFA code for %s:" % MFA_SERIAL

tap = Tap()
SECRETS = set()
RUNS = []

CHILD = r'''
import json, os, signal, sys, time
state = sys.argv[1]

def out(name, obj):
    tmp = os.path.join(state, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, os.path.join(state, name))

def on_term(signum, frame):
    out("term", {"signal": signum})
    os._exit(143)

signal.signal(signal.SIGTERM, on_term)
names = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
         "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION",
         "AWS_DEFAULT_REGION")
out("env.json", {"vars": {k: os.environ.get(k) for k in names},
                 "aws": sorted(k for k in os.environ if k.startswith("AWS_")),
                 "pid": os.getpid()})
n = 0
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    path = os.path.join(state, "cmd.%d" % n)
    if not os.path.exists(path):
        time.sleep(0.02)
        continue
    with open(path) as f:
        cmd = f.read().split()
    if cmd[0] == "exit":
        sys.exit(int(cmd[1]))
    try:
        import botocore.session
        s = botocore.session.get_session()
        c = s.get_credentials()
        fc = c.get_frozen_credentials()
        ident = s.create_client("sts").get_caller_identity()
        res = {"ok": True, "method": c.method, "akid": fc.access_key, "arn": ident["Arn"]}
    except Exception as e:
        res = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    out("res.%d" % n, res)
    n += 1
sys.exit(99)
'''


def redact(text):
    text = str(text)
    for s in sorted(SECRETS | harness_secrets(), key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    return text


def harness_secrets():
    return set(getattr(harness, "SECRETS", ()) or ())


def check(desc, cond, diag=""):
    return tap.check(desc, cond, redact(diag) if not cond else "")


# -- the world ------------------------------------------------------------

class World:
    pass


def seed(moto, w):
    iam = moto.client("iam")
    before = moto.requests_sent
    w.alice = moto.create_user(iam, "alice", allow_all=True)                # 2
    w.akid, w.secret = moto.create_key(iam, "alice")                         # 3
    moto.create_user(iam, "bob")                                             # 4
    w.bob_akid, w.bob_secret = moto.create_key(iam, "bob")                   # 5
    w.deploy = moto.create_role(iam, "deploy", [w.alice])                    # 6
    w.mfa_session = moto.create_role(iam, "mfa-session", [w.alice],
                                     may_assume_roles=True)                  # 8
    w.target = moto.create_role(iam, "mfatarget", [
        "arn:aws:sts::%s:assumed-role/mfa-session/mfa" % ACCOUNT])           # 9
    SECRETS.update([w.secret, w.bob_secret])
    return moto.requests_sent - before


def write_credentials(home, w):
    path = os.path.join(home, ".aws", "credentials")
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
                "[static]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (w.bob_akid, w.bob_secret, w.akid, w.secret))
    os.rename(tmp, path)


def write_home(root, w):
    home = os.path.join(root, "home")
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[default]\nregion = eu-west-3\n\n"
                "[profile static]\nregion = us-east-1\n\n"
                "[profile role]\nregion = us-east-1\nrole_arn = %s\n"
                "source_profile = static\nrole_session_name = tfa-serve\n"
                "s3 =\n  addressing_style = path\n\n"
                "[profile mfatty]\nregion = us-east-1\nrole_arn = %s\n"
                "source_profile = static\nrole_session_name = mfatty\n"
                "mfa_serial = %s\n" % (w.deploy, w.target, MFA_SERIAL))
    write_credentials(home, w)
    return home


def cache_entries(home):
    return sorted(glob.glob(os.path.join(home, ".aws", "cli", "cache", "*.json")))


def make_due(home, seconds=120):
    """Every cached session expires in `seconds`: inside the refresh window."""
    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))
    n = 0
    for path in cache_entries(home):
        with open(path) as f:
            body = json.load(f)
        c = body.get("Credentials") or {}
        for k in ("SecretAccessKey", "SessionToken"):
            if isinstance(c.get(k), str):
                SECRETS.add(c[k])
        c["Expiration"] = exp
        tmp = path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(body, f)
        os.rename(tmp, path)
        n += 1
    return n


def harvest(home):
    for path in cache_entries(home):
        try:
            with open(path) as f:
                c = json.load(f).get("Credentials") or {}
        except (OSError, ValueError):
            continue
        for k in ("SecretAccessKey", "SessionToken"):
            if isinstance(c.get(k), str):
                SECRETS.add(c[k])


class Ctx:
    def __init__(self, moto, proxy, w, root, home):
        self.moto, self.proxy, self.w, self.root, self.home = moto, proxy, w, root, home
        self.child = os.path.join(root, "child.py")
        with open(self.child, "w") as f:
            f.write(CHILD)
        self.n = 0

    def env(self, **extra):
        path = os.pathsep.join([os.path.dirname(sys.executable),
                                os.environ.get("PATH", "/usr/bin:/bin")])
        e = clean_env({
            "HOME": self.home,
            "PATH": path,
            "TMPDIR": os.path.join(self.root, "tmp"),
            "AWS_ENDPOINT_URL_STS": self.proxy.url,
            "AWS_ENDPOINT_URL_IAM": self.proxy.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TFAUTH_HTTP_TIMEOUT": "10",
            "TFAUTH_HTTP_RETRY_BASE_MS": "1",
        })
        e.update(extra)
        return e

    def state(self):
        self.n += 1
        d = os.path.join(self.root, "state-%d" % self.n)
        os.mkdir(d, 0o700)
        return d


class Child:
    """tfauth-run ARGS -- python3 child.py STATE, in a session of its own."""

    def __init__(self, t, args, env):
        self.t = t
        self.state = t.state()
        self.argv = [RUN] + list(args) + ["--", sys.executable, t.child, self.state]
        self.p = subprocess.Popen(self.argv, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  start_new_session=True)
        self.n = 0
        self.rc = None
        self.out = self.err = ""
        self.info = wait_json(os.path.join(self.state, "env.json"), self.p)

    def fetch(self, timeout=WAIT):
        return self.cmd("fetch", timeout)

    def cmd(self, text, timeout=WAIT):
        path = os.path.join(self.state, "cmd.%d" % self.n)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.rename(path + ".tmp", path)
        res = wait_json(os.path.join(self.state, "res.%d" % self.n), self.p, timeout)
        self.n += 1
        return res

    def finish(self, timeout=WAIT):
        try:
            out, err = self.p.communicate(timeout=timeout)
            self.rc = self.p.returncode
        except subprocess.TimeoutExpired:
            kill_group(self.p)
            out, err = self.p.communicate(timeout=10)
            self.rc, err = -1, err + b"\n(killed: timeout)"
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")
        RUNS.append(self)
        return self.rc

    def kill(self):
        if self.p.poll() is None:
            kill_group(self.p)
            self.finish(10)

    def __str__(self):
        return "rc=%s\nstdout: %s\nstderr: %s" % (self.rc, self.out[-1500:],
                                                   self.err[-2500:])


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def wait_json(path, p=None, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        if p is not None and p.poll() is not None:
            return None
        time.sleep(0.02)
    return None


def get(url, token=None, method="GET", path=None, timeout=WAIT, headers=None):
    """(status, parsed body or text) of one request to the endpoint."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = token
        c.request(method, path or u.path, headers=h)
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        try:
            body = json.loads(body)
        except ValueError:
            pass
        if isinstance(body, dict):
            for k in ("SecretAccessKey", "Token"):
                if isinstance(body.get(k), str):
                    SECRETS.add(body[k])
        return r.status, body
    finally:
        c.close()


def refused(url):
    u = urllib.parse.urlsplit(url)
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((u.hostname, u.port))
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    finally:
        s.close()


def non_loopback_ip():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))   # TEST-NET-1: no packet is sent
        ip = s.getsockname()[0]
        return None if ip.startswith("127.") else ip
    except OSError:
        return None
    finally:
        s.close()


def listening_on(port):
    """Local addresses of the listening sockets on port (/proc/net/tcp)."""
    found = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    addr, p = parts[1].split(":")
                    if int(p, 16) == port and parts[3] == "0A":
                        found.append(addr)
        except OSError:
            pass
    return found


def parallel(n, fn):
    results = [None] * n
    start = threading.Event()

    def one(i):
        start.wait(10)
        try:
            results[i] = fn()
        except Exception as e:   # reported, never raised in a thread
            results[i] = ("error", str(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    start.set()
    for th in threads:
        th.join(WAIT + 30)
    return results


# -- scenarios ------------------------------------------------------------

def main_run(t):
    w = t.w
    c = Child(t, ["--serve-credentials", "--profile", "role"], t.env())
    try:
        info = c.info
        if not check("serve: the child started and wrote its environment", info, c):
            c.kill()
            return
        v = info["vars"]
        url, tokfile = v["AWS_CONTAINER_CREDENTIALS_FULL_URI"], v[
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        check("serve: AWS_CONTAINER_CREDENTIALS_FULL_URI is http://127.0.0.1:PORT/...",
              url and url.startswith("http://127.0.0.1:"), v)
        st = os.stat(tokfile) if tokfile and os.path.exists(tokfile) else None
        dst = os.stat(os.path.dirname(tokfile)) if st else None
        check("serve: the token file is 0600 in a 0700 folder under TMPDIR",
              st and stat.S_IMODE(st.st_mode) == 0o600 and
              stat.S_IMODE(dst.st_mode) == 0o700 and
              tokfile.startswith(os.path.join(t.root, "tmp") + "/"), (tokfile, st))
        token = open(tokfile).read() if st else ""
        SECRETS.add(token)
        check("serve: the token is 64 hex digits, no newline",
              len(token) == 64 and all(ch in "0123456789abcdef" for ch in token),
              len(token))
        bad = [k for k in info["aws"] if k in (
            "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION", "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN")]
        check("serve: no AWS_PROFILE, no keys, no other container variable in the "
              "child's environment", not bad, info["aws"])
        check("serve: the profile's region is set", v["AWS_REGION"] == "us-east-1" and
              v["AWS_DEFAULT_REGION"] == "us-east-1", v)
        view = open(v["AWS_CONFIG_FILE"]).read() if v["AWS_CONFIG_FILE"] else ""
        creds_view = open(v["AWS_SHARED_CREDENTIALS_FILE"]).read() if v[
            "AWS_SHARED_CREDENTIALS_FILE"] else "?"
        check("serve: the child's config is a view: [default] with the role "
              "profile's region and s3 settings, no credential setting; an empty "
              "credentials file",
              "[default]" in view and "region = us-east-1" in view and
              "addressing_style = path" in view and "role_arn" not in view and
              "source_profile" not in view and "aws_" not in view and
              "eu-west-3" not in view and creds_view == "", view)

        m = t.proxy.mark()
        r = c.fetch()
        first = r or {}
        check("serve: botocore's chain reaches the container provider and gets the "
              "role's credentials, not the default profile's keys (bob)",
              r and r["ok"] and r["method"] == "container-role" and
              ":assumed-role/deploy/tfa-serve" in r["arn"] and
              r["akid"] != w.bob_akid, r)
        check("serve: a warm fetch calls no STS but GetCallerIdentity",
              t.proxy.actions(m) == {"GetCallerIdentity": 1}, t.proxy.actions(m))

        # Refusals.
        cases = [
            ("no token", dict(), 401),
            ("a wrong token", dict(token="0" * 64), 401),
            ("the token with a byte more", dict(token=token + "0"), 401),
            ("the token's prefix", dict(token=token[:32]), 401),
            ("another method with the token", dict(token=token, method="POST"), 405),
            ("another path with the token", dict(token=token, path="/other"), 404),
            ("another path without the token", dict(path="/other"), 401),
        ]
        for name, kw, want in cases:
            status, body = get(url, **kw)
            check("serve: %s: %d with a JSON body" % (name, want),
                  status == want and isinstance(body, dict) and "code" in body and
                  "AccessKeyId" not in body, (status, body))
        status, body = get(url, token=token)
        check("serve: the token: 200 with AccessKeyId, SecretAccessKey, Token, "
              "Expiration", status == 200 and all(
                  k in body for k in ("AccessKeyId", "SecretAccessKey", "Token",
                                      "Expiration")) and
              body["AccessKeyId"] == first.get("akid"), (status, body))
        # An over-long request: 431, and the server goes on.
        for _ in range(3):
            try:
                status, body = get(url, token=token, headers={"X-Pad": "a" * 8300})
                break
            except ConnectionResetError as e:   # the close raced the answer
                status, body = None, str(e)
        check("serve: a request over 8 KiB: 431", status == 431, (status, body))

        port = urllib.parse.urlsplit(url).port
        addrs = listening_on(port)
        check("serve: it listens on 127.0.0.1 only", addrs == ["0100007F"], addrs)
        ip = non_loopback_ip()
        if ip:
            u = "http://%s:%d/credentials" % (ip, port)
            check("serve: not reachable on %s (connection refused)" % ip, refused(u), u)
        else:
            tap.skip("serve: not reachable on a non-loopback address",
                     "no non-loopback IPv4 address")

        # moto forgets every session; the cache is made due.
        old = first.get("akid")
        t.moto.reset()
        with t.moto.setup_calls(SEED_CALLS):
            n = seed(t.moto, w)
        write_credentials(t.home, w)
        check("serve: moto reset and re-seeded (%d calls)" % n, n == SEED_CALLS, n)
        due = make_due(t.home)
        m = t.proxy.mark()
        r = c.fetch()
        check("serve: after the reset and with the served credentials due, the same "
              "child fetches new credentials that work (%d cache entries made due)"
              % due, r and r["ok"] and r["method"] == "container-role" and
              r["akid"] != old and ":assumed-role/deploy/tfa-serve" in r["arn"], r)
        check("serve: ... one AssumeRole (tfauth-refresh), one GetCallerIdentity",
              t.proxy.actions(m) == {"AssumeRole": 1, "GetCallerIdentity": 1},
              t.proxy.actions(m))
        harvest(t.home)
        second = (r or {}).get("akid")

        # 20 concurrent fetches while a refresh is due.
        make_due(t.home)
        t.proxy.delay("AssumeRole", 0.5)
        m = t.proxy.mark()
        res = parallel(20, lambda: get(url, token=token))
        t.proxy.delay("AssumeRole", 0)
        ids = set(b.get("AccessKeyId") for s_, b in res
                  if s_ == 200 and isinstance(b, dict))
        check("serve: 20 concurrent fetches while a refresh is due: all 200, one "
              "new key, one AssumeRole",
              all(x and x[0] == 200 for x in res) and len(ids) == 1 and
              second not in ids and t.proxy.actions(m) == {"AssumeRole": 1},
              "%s\n%s" % ([x[0] if x else None for x in res], t.proxy.actions(m)))
        m = t.proxy.mark()
        res = [get(url, token=token) for _ in range(5)]
        check("serve: 5 warm fetches: the same key, no STS call",
              all(s_ == 200 and b.get("AccessKeyId") in ids for s_, b in res) and
              t.proxy.actions(m) == {}, t.proxy.actions(m))
        harvest(t.home)

        c.cmd("exit 7", timeout=1)
        c.finish()
        check("serve: the child's exit status (7) is tfauth-run's", c.rc == 7, c)
        check("serve: after the child exited the endpoint is gone (connection "
              "refused)", refused(url), url)
        check("serve: the token file and its folder are gone",
              not os.path.exists(tokfile) and not os.path.exists(os.path.dirname(tokfile)),
              tokfile)
        refusals = [l for l in c.err.splitlines()
                    if l.startswith("tfauth-run: refused a credentials request from "
                                    "127.0.0.1:")]
        check("serve: each refusal is said on stderr ('tfauth-run: refused ...', "
              "8 of them), never with the token",
              len(refusals) == 8 and any("(401)" in l for l in refusals) and
              token not in c.err, c)
        check("serve: the refresh is said on stderr",
              "refreshing them for the running command" in c.err, c)
    finally:
        c.kill()


def sigterm(t):
    c = Child(t, ["-s", "-p", "role"], t.env())
    try:
        if not check("sigterm: the child started", c.info, c):
            return
        tokfile = c.info["vars"]["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        url = c.info["vars"]["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        os.kill(c.p.pid, signal.SIGTERM)
        c.finish()
        term = wait_json(os.path.join(c.state, "term"), None, 1)
        check("sigterm: SIGTERM to tfauth-run reaches the child; exit 143",
              term and term["signal"] == signal.SIGTERM and c.rc == 143, c)
        check("sigterm: the endpoint is gone and the token file too",
              refused(url) and not os.path.exists(tokfile) and
              not os.path.exists(os.path.dirname(tokfile)), (url, tokfile))
    finally:
        c.kill()


def setting(t):
    c = Child(t, [], t.env(TFAUTH_SERVE="1", AWS_PROFILE="role"))
    try:
        v = (c.info or {}).get("vars", {})
        r = c.fetch() if c.info else None
        c.cmd("exit 0", timeout=1)
        c.finish()
        check("TFAUTH_SERVE=1: served without the option (AWS_PROFILE=role)",
              v.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") and r and r["ok"] and
              r["method"] == "container-role" and "deploy" in r["arn"] and c.rc == 0,
              "%s\n%s" % (r, c))
    finally:
        c.kill()
    c = Child(t, ["--no-serve-credentials"], t.env(TFAUTH_SERVE="1", AWS_PROFILE="role"))
    try:
        info = c.info or {}
        c.cmd("exit 0", timeout=1)
        c.finish()
        check("--no-serve-credentials beats TFAUTH_SERVE=1: keys exported as before",
              info and not info["vars"]["AWS_CONTAINER_CREDENTIALS_FULL_URI"] and
              "AWS_ACCESS_KEY_ID" in info["aws"] and c.rc == 0, "%s\n%s" % (info, c))
    finally:
        c.kill()
    st = t.state()
    argv = [RUN, "--", sys.executable, t.child, st]
    p = subprocess.run(argv, env=t.env(TFAUTH_SERVE="maybe", AWS_PROFILE="role"),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=WAIT)
    err = p.stderr.decode("utf-8", "replace")
    check("TFAUTH_SERVE=maybe: one clear message, exit 1, the command not run",
          p.returncode == 1 and "TFAUTH_SERVE is 'maybe'" in err and
          not os.path.exists(os.path.join(st, "env.json")), err)


SSO_CONFIG = """\
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile ssoprof]
sso_session = corp
sso_account_id = %s
sso_role_name = Admin
region = us-east-1
""" % ACCOUNT


def sso_case(t):
    """An SSO profile: role credentials due (GetRoleCredentials with the
    cached token), then the token itself due (its refresh token), in one
    run of one child, with no new device login."""
    with t.moto.setup_calls(4):
        src = MotoRoleSource.seed(t.moto, t.moto.client("iam"), ["Admin"],
                                  user="sso-admin", margin=10 ** 9)
    SECRETS.add(src.secret)
    emu = SsoEmu(src, assignments={ACCOUNT: ["Admin"]}, interval=1, poll_count=1)
    emu.start()
    home = os.path.join(t.root, "home-sso")
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write(SSO_CONFIG)
    env = t.env(HOME=home, AWS_ENDPOINT_URL_SSO_OIDC=emu.url, AWS_ENDPOINT_URL_SSO=emu.url,
                BROWSER="/bin/true")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    c = None
    try:
        before = emu.snapshot()
        c = Child(t, ["-s", "-p", "ssoprof"], env)
        d0 = delta_of(before, emu.snapshot())
        check("sso: the preflight logs in once (device flow, no terminal) and the "
              "child starts", c.info and d0.get("device_authorizations") == 1, "%s\n%s" % (d0, c))
        if not c.info:
            return
        r = c.fetch()
        first = (r or {}).get("akid")
        check("sso: botocore gets the SSO role's credentials from the endpoint",
              r and r["ok"] and r["method"] == "container-role" and
              ":assumed-role/Admin/" in r["arn"], r)
        harvest(home)
        make_due(home)
        before = emu.snapshot()
        r = c.fetch()
        d1 = delta_of(before, emu.snapshot())
        check("sso: role credentials due: new ones from GetRoleCredentials with the "
              "cached token, no login, no token refresh",
              r and r["ok"] and r["akid"] != first and d1.get("role_credentials") == 1 and
              not d1.get("device_authorizations") and not d1.get("refreshes"),
              "%s\n%s" % (r, d1))
        harvest(home)
        second = (r or {}).get("akid")
        # The token is due too: its refresh token gets a new one.
        tok = glob.glob(os.path.join(home, ".aws", "sso", "cache", "*.json"))
        n = 0
        for path in tok:
            with open(path) as f:
                j = json.load(f)
            if "accessToken" not in j:
                continue
            for k in ("accessToken", "refreshToken", "clientSecret"):
                if isinstance(j.get(k), str):
                    SECRETS.add(j[k])
            j["expiresAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                           time.gmtime(time.time() + 60))
            with open(path + ".tmp", "w") as f:
                json.dump(j, f)
            os.chmod(path + ".tmp", 0o600)
            os.rename(path + ".tmp", path)
            n += 1
        make_due(home)
        before = emu.snapshot()
        r = c.fetch()
        d2 = delta_of(before, emu.snapshot())
        check("sso: token and role credentials due (%d token): the refresh token "
              "renews the token, new role credentials, still no login" % n,
              n == 1 and r and r["ok"] and r["akid"] not in (first, second) and
              d2.get("refreshes") == 1 and d2.get("role_credentials") == 1 and
              not d2.get("device_authorizations"), "%s\n%s" % (r, d2))
        harvest(home)
        c.cmd("exit 0", timeout=1)
        c.finish()
        check("sso: exit 0", c.rc == 0, c)
    finally:
        if c is not None:
            c.kill()
        emu.stop()


def delta_of(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in b if b.get(k, 0) != a.get(k, 0)}


def wrappers(t):
    """export TFAUTH_SERVE=1 in each shell: its terraform function gets the
    endpoint (tfauth-run reads the variable; the wrappers pass it on)."""
    bindir = os.path.join(t.root, "tfbin")
    if not os.path.isdir(bindir):
        os.mkdir(bindir, 0o700)
        with open(os.path.join(bindir, "terraform"), "w") as f:
            f.write('#!/bin/sh\nexec %s %s "$SERVE_STATE"\n' % (sys.executable, t.child))
        os.chmod(os.path.join(bindir, "terraform"), 0o700)
    scripts = {
        "bash": 'eval "$(tfauth init bash)"; export TFAUTH_SERVE=1; terraform plan',
        "zsh": 'eval "$(tfauth init zsh)"; export TFAUTH_SERVE=1; terraform plan',
        "fish": 'tfauth init fish | source; set -gx TFAUTH_SERVE 1; terraform plan',
    }
    for sh, script in scripts.items():
        if not shutil.which(sh):
            tap.skip("wrapper: %s" % sh, "%s is not installed" % sh)
            continue
        st = t.state()
        with open(os.path.join(st, "cmd.0"), "w") as f:
            f.write("fetch")
        with open(os.path.join(st, "cmd.1"), "w") as f:
            f.write("exit 0")
        env = t.env(AWS_PROFILE="role", SERVE_STATE=st,
                    PATH=os.pathsep.join([BIN, bindir, t.env()["PATH"]]))
        if sh == "zsh":
            env["ZDOTDIR"] = os.path.join(t.root, "tmp")
        p = subprocess.Popen([sh, "-c", script], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            kill_group(p)
            out, err = p.communicate(timeout=10)
        info = wait_json(os.path.join(st, "env.json"), None, 1) or {}
        r = wait_json(os.path.join(st, "res.0"), None, 1)
        check("wrapper: %s: export TFAUTH_SERVE=1; terraform plan: served (no "
              "AWS_PROFILE, the role's credentials)" % sh,
              p.returncode == 0 and info.get("vars", {}).get(
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI") and
              "AWS_PROFILE" not in info.get("aws", []) and r and r["ok"] and
              ":assumed-role/deploy/" in r["arn"],
              "rc=%s %s\n%s\n%s" % (p.returncode, r, out.decode()[-500:],
                                   err.decode()[-1500:]))


FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_terraform.py")


def rerun(t):
    """Served credentials moto does not know (a spoiled cache entry that
    looks fresh): the stand-in terraform fails with InvalidClientTokenId,
    tfauth-run logs in again and reruns it with a new endpoint: ok."""
    import hashlib
    bindir = os.path.join(t.root, "fakebin")
    os.mkdir(bindir, 0o700)
    os.symlink(FAKE, os.path.join(bindir, "terraform"))
    log = os.path.join(t.root, "terraform.log")
    key = hashlib.sha1(json.dumps({"RoleArn": t.w.deploy, "RoleSessionName": "tfa-serve"},
                                  sort_keys=True).encode()).hexdigest()
    path = os.path.join(t.home, ".aws", "cli", "cache", key + ".json")
    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3000))
    body = {"Credentials": {"AccessKeyId": "ASIASPOILEDEXAMPLE00",
                            "SecretAccessKey": "spoiledSecretExampleSpoiledSecret0123456",
                            "SessionToken": "spoiledTokenExample" * 4, "Expiration": exp},
            "AssumedRoleUser": {"Arn": "arn:aws:sts::%s:assumed-role/deploy/x" % ACCOUNT,
                                "AssumedRoleId": "AROAEXAMPLE:x"}}
    SECRETS.update([body["Credentials"]["SecretAccessKey"],
                    body["Credentials"]["SessionToken"]])
    with open(path + ".tmp", "w") as f:
        json.dump(body, f)
    os.chmod(path + ".tmp", 0o600)
    os.rename(path + ".tmp", path)
    env = t.env(FAKE_TF_LOG=log, PATH=os.pathsep.join([bindir, t.env()["PATH"]]))
    m = t.proxy.mark()
    p = subprocess.Popen([RUN, "--serve-credentials", "-p", "role", "--", "terraform", "plan"],
                         env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=WAIT * 2)
    except subprocess.TimeoutExpired:
        kill_group(p)
        out, err = p.communicate(timeout=10)
    out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    try:
        with open(log) as f:
            runs = [json.loads(line) for line in f]
    except OSError:
        runs = []
    harvest(t.home)
    diag = "rc=%s\n%s\n%s\n%s\n%s" % (p.returncode, [r.get("result") for r in runs],
                                      t.proxy.actions(m), out[-300:], err[-1500:])
    check("rerun: spoiled served credentials: InvalidClientTokenId, a new login, "
          "the rerun with a new endpoint succeeds (exit 0, one AssumeRole)",
          p.returncode == 0 and [r.get("result") for r in runs] ==
          ["InvalidClientTokenId", "ok"] and "Plan: 1 to add" in out and
          "running 'terraform plan' again" in err and
          t.proxy.count("AssumeRole", m) == 1 and
          not any(r.get("profile") for r in runs), diag)
    check("rerun: no private folder left after two runs",
          os.listdir(os.path.join(t.root, "tmp")) == [], os.listdir(os.path.join(t.root, "tmp")))




def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def wait_screen(tm, name, cond, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = tm.screen(name, "-S", "-200")
        if cond(text):
            return text
        time.sleep(0.1)
    return None


def mfa_terminal(t):
    if not shutil.which("tmux"):
        tap.skip("mfa: one prompt for many requests in a terminal", "tmux is not installed")
        return
    w = t.w
    tm = harness.Tmux("tfauth-serve")
    script = os.path.join(t.root, "run.sh")
    write_tty_wrapper(script)
    state = t.state()
    pdir = os.path.join(t.root, "pane-mfa")
    os.mkdir(pdir, 0o700)
    name = "mfa"
    screens = []
    left = []
    try:
        t.proxy.intercept_session_token(w.mfa_session, w.akid, w.secret, "mfa")
        write_env_file(os.path.join(pdir, "env"), t.env(AWS_PROFILE="mfatty"))
        ok, why = tm.start(name, 120, 50, "sh", script, pdir, RUN, "--serve-credentials",
                           "--", sys.executable, t.child, state)
        if not check("mfa: tmux session started", ok, why):
            return
        pm = t.proxy.mark()
        s = wait_screen(tm, name, lambda x: PROMPT in x)
        check("mfa: the preflight asks for the code on the terminal", s, s)
        tm.send(name, "123456", "Enter")
        info = wait_json(os.path.join(state, "env.json"))
        if not check("mfa: code typed: the child started", info,
                     tm.screen(name, "-S", "-200")):
            return
        url = info["vars"]["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        token = open(info["vars"]["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]).read()
        SECRETS.add(token)
        status, body = get(url, token=token)
        first = body.get("AccessKeyId") if isinstance(body, dict) else None
        check("mfa: a warm fetch: 200", status == 200 and first, (status, body))
        harvest(t.home)

        # The role and the MFA session are both due: a new code is needed.
        due = make_due(t.home)
        m = t.proxy.mark()
        results = [None] * 5
        threads = []

        def one(i):
            try:
                results[i] = get(url, token=token, timeout=60)
            except Exception as e:
                results[i] = ("error", str(e))

        for i in range(5):
            th = threading.Thread(target=one, args=(i,))
            th.start()
            threads.append(th)
        s = wait_screen(tm, name, lambda x: x.count(PROMPT) >= 2)
        time.sleep(1.5)   # time for a second prompt, if there were one
        s = tm.screen(name, "-S", "-200")
        check("mfa: 5 requests while both sessions are due (%d entries): exactly one "
              "new prompt on the terminal, none answered yet" % due,
              s.count(PROMPT) == 2 and all(r is None for r in results), s)
        tm.send(name, "654321", "Enter")
        for th in threads:
            th.join(60)
        ids = set(b.get("AccessKeyId") for st_, b in
                  (r for r in results if r and r[0] == 200) if isinstance(b, dict))
        check("mfa: code typed: the 5 requests get the same new credentials",
              all(r and r[0] == 200 for r in results) and len(ids) == 1 and
              first not in ids, results and [r and r[0] for r in results])
        codes = [q.params.get("TokenCode") for q in t.proxy.requests(m, "GetSessionToken")]
        check("mfa: ... one GetSessionToken with the new code, one AssumeRole",
              codes == ["654321"] and t.proxy.count("AssumeRole", m) == 1,
              "%s %s" % (codes, t.proxy.actions(m)))
        r = None
        with open(os.path.join(state, "cmd.0.tmp"), "w") as f:
            f.write("fetch")
        os.rename(os.path.join(state, "cmd.0.tmp"), os.path.join(state, "cmd.0"))
        r = wait_json(os.path.join(state, "res.0"))
        check("mfa: the child's botocore gets them and GetCallerIdentity works",
              r and r["ok"] and r["akid"] in ids and "mfatarget" in r["arn"], r)
        with open(os.path.join(state, "cmd.1"), "w") as f:
            f.write("exit 0")
        deadline = time.monotonic() + WAIT
        while not os.path.exists(os.path.join(pdir, "rc")) and time.monotonic() < deadline:
            time.sleep(0.1)
        rc = open(os.path.join(pdir, "rc")).read().strip() if os.path.exists(
            os.path.join(pdir, "rc")) else "timeout"
        screens.append(tm.screen(name, "-S", "-200"))
        check("mfa: exit 0; the prompt appeared twice in all (preflight, refresh)",
              rc == "0" and screens[-1].count(PROMPT) == 2, screens[-1])
        harvest(t.home)
    finally:
        t.proxy.intercept_session_token(None, None, None)
        try:
            with open(os.path.join(pdir, "pid")) as f:
                tm.pids.append(int(f.read().strip()))
        except (OSError, ValueError):
            pass
        tm.kill()
        deadline = time.monotonic() + 5
        while any(alive(p) for p in tm.pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in tm.pids if alive(p)]
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    check("mfa: every process started in tmux has ended", tm.pids and not left, left)
    check("mfa: no secret on the screen",
          not any(s and s in text for s in SECRETS for text in screens))


def main():
    if not os.access(RUN, os.X_OK):
        tap.check("%s is built (run 'make')" % RUN, False)
        return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("tfauth-run --serve-credentials against moto",
                 "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    t_start = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-serve.")
    os.chmod(root, 0o700)
    os.mkdir(os.path.join(root, "tmp"), 0o700)
    moto = Moto(no_auth_count=SEED_CALLS)
    proxy = StsProxy(moto)
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        proxy.start()
        w = World()
        n = seed(moto, w)
        check("seeding made exactly INITIAL_NO_AUTH_ACTION_COUNT=%d calls"
              % SEED_CALLS, n == SEED_CALLS, n)
        home = write_home(root, w)
        t = Ctx(moto, proxy, w, root, home)

        main_run(t)
        sigterm(t)
        setting(t)
        rerun(t)
        wrappers(t)
        sso_case(t)
        mfa_terminal(t)

        harvest(home)
        leaks = [r for r in RUNS if any(s and (s in r.err or s in r.out)
                                        for s in SECRETS)]
        check("no secret on tfauth-run's stdout or stderr in %d runs" % len(RUNS),
              not leaks, "\n".join(str(r.argv[:4]) for r in leaks))
        check("no private folder left in TMPDIR",
              os.listdir(os.path.join(root, "tmp")) == [],
              os.listdir(os.path.join(root, "tmp")))
        check("no error inside the proxy", proxy.errors == [], proxy.errors)
        tap.note("serve took %.1f s" % (time.monotonic() - t_start))
    finally:
        proxy.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
