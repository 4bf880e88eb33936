#!/usr/bin/env python3
"""net_faults — every network path of tfauth against every network fault,
through the fault-injecting proxy (faultproxy.py).

Paths (the binary, the call the fault hits, the upstream behind the proxy):

  refresh-role    tfauth-refresh role             STS AssumeRole          moto
  env-mfa         tfauth-env --format process mfa STS GetSessionToken     moto
                  (static keys + mfa_serial, TFAUTH_MFA_CODE)
  doctor          tfauth-doctor src --json        STS GetCallerIdentity   moto
  sso-portal      tfauth-refresh sso              SSO GetRoleCredentials  ssoemu
  sso-oidc        tfauth-refresh sso (the cached  SSO OIDC CreateToken    ssoemu
                  token expired: refresh grant)
  container       tfauth-env --format process     container credentials   metadata
                  (AWS_CONTAINER_CREDENTIALS_FULL_URI)                    server
  imds            tfauth-env --format process     IMDS role credentials   metadata
                  (AWS_EC2_METADATA_SERVICE_ENDPOINT)                     server
  set-keys        tfauth-profile set-keys --stdin STS GetCallerIdentity   moto
                  (through tfauth-keycheck)

Faults: refused (nothing listens), reset (TCP reset mid-body), hang (no
reply), 429 storm, 503 storm, truncated (a complete reply of half the
document), big (50 MiB with Content-Length), bigstream (50 MiB chunked),
drip (one byte a second).

Each path first runs once with nothing broken (the control: exit 0, and
the run writes its cache, so that "nothing written" below means
something).  Then for every path and fault, on a fresh copy of the fixture
HOME (which holds expired cache entries, the SSO token and the credentials
file): the command exits non-zero (not killed, no signal) within its
timeout (TFAUTH_HTTP_TIMEOUT=2; container: 2 s x 3 attempts; IMDS:
AWS_METADATA_SERVICE_TIMEOUT=1), prints one clear message on stderr (the
tool's name, the endpoint, what happened, a hint; a few lines, no noise),
the proxy saw a bounded number of attempts (the storms: exactly
AWS_MAX_ATTEMPTS=3), a 50 MiB body is refused after at most a few MiB,
and ~/.aws is byte-identical to before (SHA-256 of every file; the empty
*.lock files tfauth creates beside cache entries are left out and checked
empty).

Cases run a few at a time (each with a proxy and HOME of its own), so the
slow faults overlap.  Everything is on 127.0.0.1; every process runs in a
session of its own with a bounded wait and its group is killed if it
overruns; nothing prints a secret (diagnostics are redacted).
"""
import concurrent.futures
import datetime
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ACCOUNT, TOP, Moto, MotoError, Runner, Tap,  # noqa: E402
                     ToolRun, clean_env)
from faultproxy import FaultProxy, action, path_prefix, refused_url  # noqa: E402
from ssoemu import MotoRoleSource, SsoEmu  # noqa: E402
from stsproxy import StsProxy  # noqa: E402
import imds_container as meta  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
SEED_CALLS = 7 + 4           # ours + MotoRoleSource.seed with one role
RUN_TIMEOUT = 30
HTTP_TIMEOUT = 2             # TFAUTH_HTTP_TIMEOUT for every case
ATTEMPTS = 3                 # AWS_MAX_ATTEMPTS
WORKERS = 6
SERIAL = "arn:aws:iam::%s:mfa/alice" % ACCOUNT
START_URL = "https://corp.awsapps.com/start"
FAULT_NAMES = ("refused", "reset", "hang", "429", "503", "truncated", "big",
               "bigstream", "drip")

tap = Tap()
SECRETS = set()
_MASKS = [
    re.compile(r'("(?:SecretAccessKey|SessionToken|accessToken|refreshToken|'
               r'clientSecret)"\s*:\s*")[^"]*'),
]


def redact(text):
    for s in sorted(SECRETS, key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    for rx in _MASKS:
        text = rx.sub(lambda m: m.group(1) + "<masked>", text)
    return text


class Run(ToolRun):
    def redact(self, text):
        return redact(text)


RUNNER = Runner(BIN, RUN_TIMEOUT, Run)


def sha1(s):
    return hashlib.sha1(s.encode()).hexdigest()


def zulu(epoch):
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def role_cache_key(role_arn, session):
    return sha1(json.dumps({"RoleArn": role_arn, "RoleSessionName": session},
                           sort_keys=True))


def mfa_cache_key(akid):
    return sha1(json.dumps({"AccessKeyId": akid, "SerialNumber": SERIAL,
                            "tfauth": "GetSessionToken"}))


def sso_role_key():
    return sha1(json.dumps({"accountId": ACCOUNT, "roleName": "Admin",
                            "sessionName": "corp"}, sort_keys=True,
                           separators=(",", ":")))


def tree(home):
    """{relative path: sha256} of every file under HOME/.aws, the empty
    lock files aside; and the lock files that are not empty."""
    out, bad_locks = {}, []
    base = os.path.join(home, ".aws")
    for d, _, files in os.walk(base):
        for n in files:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                data = f.read()
            rel = os.path.relpath(p, base)
            if n.endswith(".lock"):
                if data:
                    bad_locks.append(rel)
                continue
            out[rel] = hashlib.sha256(data).hexdigest()
    return out, bad_locks


# ------------------------------------------------------------ the fixture

CONFIG = """\
[profile src]
region = us-east-1

[profile role]
region = us-east-1
role_arn = {deploy}
source_profile = src
role_session_name = nf

[profile mfa]
region = us-east-1
mfa_serial = {serial}

[sso-session corp]
sso_start_url = {start}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile sso]
sso_session = corp
sso_account_id = {account}
sso_role_name = Admin
region = us-east-1

[profile dev]
region = us-east-1
"""


class World:
    pass


def expired_entry(akid):
    """A cache entry in the AWS CLI's shape that expired an hour ago."""
    return json.dumps({"Credentials": {
        "AccessKeyId": akid, "SecretAccessKey": "expired-secret-" + akid,
        "SessionToken": "expired-token-" + akid,
        "Expiration": zulu(time.time() - 3600)}})


def make_template(w, root):
    home = os.path.join(root, "template")
    aws = os.path.join(home, ".aws")
    cache = os.path.join(aws, "cli", "cache")
    sso = os.path.join(aws, "sso", "cache")
    for d in (cache, sso):
        os.makedirs(d, mode=0o700)
    for d in (aws, os.path.join(aws, "cli"), os.path.join(aws, "sso")):
        os.chmod(d, 0o700)
    with open(os.path.join(aws, "config"), "w") as f:
        f.write(CONFIG.format(deploy=w.deploy, serial=SERIAL, start=START_URL,
                              account=ACCOUNT))
    fd = os.open(os.path.join(aws, "credentials"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        for name in ("src", "mfa", "dev"):
            f.write("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
                    % (name, w.akid, w.secret))
    for key, akid in ((role_cache_key(w.deploy, "nf"), "ASIAEXPIREDROLE00001"),
                      (mfa_cache_key(w.akid), "ASIAEXPIREDMFA000001"),
                      (sso_role_key(), "ASIAEXPIREDSSO000001")):
        write_private(os.path.join(cache, key + ".json"), expired_entry(akid))
    return home


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def seed_token(w, home, expired):
    """The SSO token of session corp, as aws-cli writes it: valid for an
    hour, or expired a minute ago (with a refresh token that works)."""
    at, rt, cid, csec, reg = w.emu.issue_token()
    SECRETS.update([at, rt, csec])
    exp = time.time() + (-60 if expired else 3600)
    write_private(os.path.join(home, ".aws", "sso", "cache", sha1("corp") + ".json"),
                  json.dumps({"startUrl": START_URL, "region": "us-east-1",
                              "accessToken": at, "expiresAt": zulu(exp),
                              "clientId": cid, "clientSecret": csec,
                              "registrationExpiresAt": zulu(reg),
                              "refreshToken": rt}))


# --------------------------------------------------------------- the paths

class Path:
    """One network path: how to run it and what the fault hits."""

    def __init__(self, name, upstream, var, match, argv, budget, attempts,
                 stdin=None, extra=None, sso_token=None, wrote=None):
        self.name, self.upstream, self.var, self.match = name, upstream, var, match
        self.argv, self.budget, self.attempts = argv, budget, attempts
        self.stdin, self.extra, self.sso_token = stdin, extra or {}, sso_token
        self.wrote = wrote     # the file the control run must change


def paths(w):
    return [
        Path("refresh-role", "moto", "AWS_ENDPOINT_URL_STS", action("AssumeRole"),
             ["tfauth-refresh", "role"], HTTP_TIMEOUT, ATTEMPTS,
             wrote="cli/cache/%s.json" % role_cache_key(w.deploy, "nf")),
        Path("env-mfa", "moto", "AWS_ENDPOINT_URL_STS", action("GetSessionToken"),
             ["tfauth-env", "mfa", "--format", "process"], HTTP_TIMEOUT, ATTEMPTS,
             extra={"TFAUTH_MFA_CODE": "123456"},
             wrote="cli/cache/%s.json" % mfa_cache_key(w.akid)),
        Path("doctor", "moto", "AWS_ENDPOINT_URL_STS", action("GetCallerIdentity"),
             ["tfauth-doctor", "src", "--json"], HTTP_TIMEOUT, ATTEMPTS),
        Path("sso-portal", "emu", "AWS_ENDPOINT_URL_SSO",
             path_prefix("/federation/credentials"),
             ["tfauth-refresh", "sso"], HTTP_TIMEOUT, ATTEMPTS, sso_token="valid",
             wrote="cli/cache/%s.json" % sso_role_key()),
        Path("sso-oidc", "emu", "AWS_ENDPOINT_URL_SSO_OIDC", path_prefix("/token"),
             ["tfauth-refresh", "sso"], HTTP_TIMEOUT, ATTEMPTS, sso_token="expired",
             wrote="sso/cache/%s.json" % sha1("corp")),
        Path("container", "meta", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
             path_prefix("/container/creds"),
             ["tfauth-env", "--format", "process"], 2 * 3, 3,
             extra={"AWS_CONTAINER_AUTHORIZATION_TOKEN": meta.AUTH}),
        Path("imds", "meta", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
             path_prefix(meta.LIST + meta.ROLE),
             ["tfauth-env", "--format", "process"], 1 * 2, 2,
             extra={"AWS_METADATA_SERVICE_TIMEOUT": "1",
                    "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "2"}),
        Path("set-keys", "moto", "AWS_ENDPOINT_URL_STS", action("GetCallerIdentity"),
             ["tfauth-profile", "set-keys", "dev", "--stdin"], HTTP_TIMEOUT,
             ATTEMPTS, stdin="%s\n%s\n" % (w.akid2, w.secret2),
             wrote="credentials"),
    ]


def env_for(w, p, home, url):
    e = clean_env({
        "HOME": home,
        "AWS_ENDPOINT_URL_STS": w.moto.url,
        "AWS_ENDPOINT_URL_IAM": w.moto.url,
        "AWS_ENDPOINT_URL_SSO": w.emu.url,
        "AWS_ENDPOINT_URL_SSO_OIDC": w.emu.url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "TFAUTH_HTTP_TIMEOUT": str(HTTP_TIMEOUT),
        "TFAUTH_HTTP_RETRY_BASE_MS": "1",
        "AWS_MAX_ATTEMPTS": str(ATTEMPTS),
        "BROWSER": "/bin/false",
        "INPUTRC": "/dev/null",
    })
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "TERM"):
        e.pop(k, None)
    if p.var == "AWS_CONTAINER_CREDENTIALS_FULL_URI":
        url += "/container/creds"
    if p.var == "AWS_EC2_METADATA_SERVICE_ENDPOINT":
        e.pop("AWS_EC2_METADATA_DISABLED")
    e[p.var] = url
    e.update(p.extra)
    return e


def run(argv, env, stdin=None, timeout=RUN_TIMEOUT):
    if stdin is None:
        return RUNNER.tool(argv[0], *argv[1:], env=env, timeout=timeout)
    import subprocess
    t0 = time.monotonic()
    p = subprocess.Popen([os.path.join(BIN, argv[0])] + argv[1:], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(stdin.encode(), timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, err = p.communicate(timeout=10)
        rc, err = -1, err + b"\n(killed: timeout)"
    r = Run([os.path.join(BIN, argv[0])] + argv[1:], rc,
            out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
            time.monotonic() - t0)
    RUNNER.runs.append(r)
    return r


def fresh_home(w, p, root, name):
    home = os.path.join(root, name)
    shutil.copytree(w.template, home, symlinks=True)
    if p.sso_token:
        seed_token(w, home, p.sso_token == "expired")
    return home


def upstream_port(w, p):
    # env-mfa: through the STS proxy, whose GetSessionToken interception
    # hands out a session that works (moto's own answers a key it rejects).
    if p.upstream == "moto":
        return w.sts.port if p.name == "env-mfa" else w.moto.port
    return {"emu": w.emu.port, "meta": w.meta_port}[p.upstream]


# ------------------------------------------------------------ the control

def control(w, p, root):
    home = fresh_home(w, p, root, "control-" + p.name)
    before, _ = tree(home)
    with FaultProxy(upstream_port(w, p)) as fp:
        env = env_for(w, p, home, fp.url)
        r = run(p.argv, env, p.stdin)
        n = fp.count()
    after, _ = tree(home)
    ok = r.rc == 0 and n >= 1
    if p.wrote:
        ok = ok and before.get(p.wrote) != after.get(p.wrote)
    tap.check("control %s: nothing broken: exit 0, the call went through the "
              "proxy%s" % (p.name, ", %s rewritten" % p.wrote if p.wrote else ""),
              ok, "%s\nmatching requests: %d" % (r, n))
    return ok


# ------------------------------------------------------------ the faults

# Words the message must hold, per fault (any one of each tuple).
WORDS = {
    "refused": [("cannot connect", "Connection refused")],
    "reset": [("dropped before a complete reply", "reset", "Connection reset")],
    "hang": [("within",)],
    "429": [("429", "Throttling", "TooManyRequests")],
    "503": [("503", "ServiceUnavailable")],
    "truncated": [("not well-formed", "JSON", "json", "truncated", "parse",
                   "not valid", "invalid", "end of")],
    "big": [("MiB limit",)],
    "bigstream": [("MiB limit",)],
    "drip": [("within",)],
}


def expected_attempts(p, fault):
    """(lo, hi) requests of the faulted call the proxy may see."""
    if fault in ("429", "503", "reset"):
        return p.attempts, p.attempts
    if fault == "truncated" and p.upstream == "meta":
        return 1, p.attempts     # botocore retries a bad document too
    return 1, 1


class Case:
    def __init__(self, p, fault):
        self.p, self.fault = p, fault
        self.r = None
        self.diag = []


def run_case(w, root, p, fault):
    c = Case(p, fault)
    home = fresh_home(w, p, root, "%s-%s" % (p.name, fault))
    c.before, c.locks_before = tree(home)
    fp = FaultProxy(upstream_port(w, p)).start()
    try:
        if fault == "refused":
            url = refused_url()
        else:
            url = fp.url
            fp.set(fault, match=p.match)
        env = env_for(w, p, home, url)
        c.url = url
        c.r = run(p.argv, env, p.stdin)
        c.count = fp.count()
        c.big = fp.big_bytes
    finally:
        fp.stop()
    c.after, c.bad_locks = tree(home)
    c.files = sorted(os.listdir(os.path.join(home, ".aws")))
    shutil.rmtree(home, ignore_errors=True)
    return c


def judge(c):
    p, fault, r = c.p, c.fault, c.r
    name = "%s / %s" % (p.name, fault)
    tool = p.argv[0]
    err = r.err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    # The doctor reports in JSON on stdout; its identity check is the message.
    if tool == "tfauth-doctor":
        try:
            rep = json.loads(r.out)
            chk = [x for x in rep.get("checks", []) if x.get("id") == "identity"][-1]
            msg = "%s\nhint: %s" % (chk.get("summary") or "", chk.get("fix") or "")
            status = chk.get("status")
        except (ValueError, IndexError, AttributeError):
            msg, status = "", None
        ok_msg = status == "fail"
        r = Run(r.argv, r.rc, "(the identity check) " + msg, err, r.elapsed)
    else:
        msg = err
        # tfauth-env hands a refresh over to tfauth-refresh.
        ok_msg = (bool(lines) and lines[0].split(":")[0] in (tool, "tfauth-refresh")
                  and len(lines) <= 4)
    host = c.url.split("//", 1)[1].split("/", 1)[0]
    words_ok = all(any(x in msg for x in alt) for alt in WORDS[fault])
    if p.name in ("refresh-role", "sso-portal"):
        tap.note("%s says: %s" % (name, redact(msg.strip()).replace("\n", " | ")))
    lo, hi = expected_attempts(p, fault)
    slack = 4.0
    tap.check("%s: exit 1 (not killed, no signal)" % name,
              r.rc == 1 and "Sanitizer" not in err and "runtime error" not in err, r)
    tap.check("%s: ended within the %d s budget (%.1f s)" % (name, p.budget, r.elapsed),
              r.elapsed < p.budget + slack, r)
    if fault in ("hang", "drip"):
        tap.check("%s: it was the timeout that ended it (not another failure)"
                  % name, r.elapsed >= p.budget * 0.9, r)
    # A reply that arrived whole but does not parse may name the service
    # instead of the address (IMDS's says "EC2 IMDS role 'NAME'").
    named = host in msg or (fault == "truncated" and "IMDS" in msg)
    tap.check("%s: one clear message naming %s, with a hint" % (name, host),
              ok_msg and named and "hint:" in msg and words_ok and
              "Traceback" not in err,
              "%s\nwanted: %s" % (r, WORDS[fault]))
    if fault != "refused":
        tap.check("%s: the proxy saw %s attempt(s) of the call (saw %d)" % (
            name, lo if lo == hi else "%d-%d" % (lo, hi), c.count),
            lo <= c.count <= hi, r)
    if fault in ("big", "bigstream"):
        tap.check("%s: refused after %.1f MiB of the 50 MiB (%.2f s)" % (
            name, c.big / 1048576.0, r.elapsed),
            c.big < (8 << 20) and r.elapsed < 3.0, c.big)
    tap.check("%s: ~/.aws byte-identical, no stray file, locks empty" % name,
              c.after == c.before and not c.bad_locks,
              "added: %s\nremoved: %s\nchanged: %s\nnon-empty locks: %s" % (
                  sorted(set(c.after) - set(c.before)),
                  sorted(set(c.before) - set(c.after)),
                  sorted(k for k in c.after if k in c.before and
                         c.after[k] != c.before[k]), c.bad_locks))


def main():
    for name in ("tfauth-env", "tfauth-refresh", "tfauth-doctor", "tfauth-profile",
                 "tfauth-keycheck"):
        if not os.access(os.path.join(BIN, name), os.X_OK):
            tap.check("%s is built (run 'make')" % os.path.join(BIN, name), False)
            return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("network faults", "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    t_start = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-netfaults.")
    os.chmod(root, 0o700)
    moto = Moto(no_auth_count=SEED_CALLS)
    w = World()
    w.moto = moto
    emu = sts = metasrv = None
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        iam = moto.client("iam")
        alice = moto.create_user(iam, "alice", allow_all=True)             # 2
        w.akid, w.secret = moto.create_key(iam, "alice")                   # 3
        w.akid2, w.secret2 = moto.create_key(iam, "alice")                 # 4
        w.deploy = moto.create_role(iam, "deploy", [alice])                # 5
        w.mfa_session = moto.create_role(iam, "mfa-session", [alice],
                                         may_assume_roles=True)            # 7
        src = MotoRoleSource.seed(moto, iam, ["Admin"])                    # 11
        tap.check("seeding made exactly %d calls" % SEED_CALLS,
                  moto.requests_sent == SEED_CALLS, moto.requests_sent)
        SECRETS.update([w.secret, w.secret2, src.secret])
        w.emu = emu = SsoEmu(src, assignments={ACCOUNT: ["Admin"]}).start()
        w.sts = sts = StsProxy(moto).start()
        sts.intercept_session_token(w.mfa_session, w.akid, w.secret, "mfa")
        metasrv = meta.Server(("127.0.0.1", 0), meta.Handler)
        meta.reset("v2")
        threading.Thread(target=metasrv.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True).start()
        w.meta_port = metasrv.server_address[1]
        SECRETS.update([meta.SECRET, meta.TOKEN, meta.AUTH, meta.IMDS_TOKEN])
        w.template = make_template(w, root)

        ps = paths(w)
        good = [p for p in ps if control(w, p, root)]
        cases = [(p, f) for p in good for f in FAULT_NAMES]
        # The slow ones first, so they overlap the quick ones.
        cases.sort(key=lambda pf: pf[1] not in ("hang", "drip"))
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
            futs = [ex.submit(run_case, w, root, p, f) for p, f in cases]
            results = {}
            for fu, (p, f) in zip(futs, cases):
                try:
                    results[(p.name, f)] = fu.result(timeout=RUN_TIMEOUT * 4)
                except Exception as e:  # noqa: BLE001 -- reported as a failure
                    tap.check("%s / %s ran" % (p.name, f), False, repr(e))
        for p in good:
            for f in FAULT_NAMES:
                c = results.get((p.name, f))
                if c is not None:
                    judge(c)

        # (A control run of tfauth-env --format process prints credentials
        # on stdout: its job.)
        leaks = [r for r in RUNNER.runs if any(
            s and (s in r.err or (r.rc != 0 and s in r.out)) for s in SECRETS)]
        tap.check("no secret on stderr (nor on the stdout of a failed run) in "
                  "%d runs" % len(RUNNER.runs),
                  not leaks, "\n".join(str(r.argv[:3]) for r in leaks))
        tap.check("no error inside the emulator or the STS proxy",
                  emu.errors == [] and sts.errors == [], emu.errors + sts.errors)
        if moto.proc.poll() is not None:
            tap.check("moto stayed up", False, moto.log_tail())
        tap.note("net_faults took %.1f s, %d runs" % (time.monotonic() - t_start,
                                                      len(RUNNER.runs)))
    finally:
        meta.STOP.set()
        if metasrv is not None:
            metasrv.shutdown()
            metasrv.server_close()
        if sts is not None:
            sts.stop()
        if emu is not None:
            emu.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
