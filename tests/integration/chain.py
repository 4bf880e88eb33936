#!/usr/bin/env python3
"""chain — tfauth-env and tfauth-refresh against moto, through a counting
proxy (stsproxy.py), with fixture HOMEs.

moto runs with its authentication on: after the seeding every request must
carry a known key and a matching SigV4 signature.  tfauth talks to the
proxy (AWS_ENDPOINT_URL_STS/_IAM), which forwards to moto and counts the
requests by Action, so a test can say "no AssumeRole was made".  The MFA
scenarios use the proxy's GetSessionToken interception: a session that
really works against moto (see stsproxy.py).

Identities are checked by calling GetCallerIdentity with the printed
credentials straight on moto (boto3, not through the proxy, so the counts
stay tfauth's).  The AWS CLI v1 of this Python (python3 -m awscli) and
botocore serve as references: cache sharing with the CLI both ways, and
the ARN botocore resolves for a profile equals tfauth's.

Nothing here prints a secret: a failing check shows stdout and stderr with
every known secret (seeded keys, printed credentials, cache contents)
replaced by <secret>, and with the values of secret-looking fields
masked.  Every child runs in a session of its own (no controlling
terminal: an MFA prompt cannot wait on the terminal), with a bounded wait,
and its process group is killed if it overruns.
"""
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ACCOUNT, TOP, Moto, MotoError, Runner, Tap,  # noqa: E402
                     ToolRun, clean_env, start_session)
from stsproxy import StsProxy  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
SEED_CALLS = 12
RUN_TIMEOUT = 30
MFA_SERIAL = "arn:aws:iam::%s:mfa/alice" % ACCOUNT
MFA_SERIAL2 = "arn:aws:iam::%s:mfa/alice-backup" % ACCOUNT
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZmF1dGgifQ.c2lnbmF0dXJl"

tap = Tap()
SECRETS = set()


def sha(s):
    return hashlib.sha256((s or "").encode()).hexdigest()


_MASKS = [
    re.compile(r'("(?:SecretAccessKey|SessionToken)"\s*:\s*")[^"]*'),
    re.compile(r'((?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN)'
               r'[=\s]+[\'"]?)[^\'"\s;]*'),
]


def redact(text):
    for s in sorted(SECRETS, key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    for rx in _MASKS:
        text = rx.sub(lambda m: m.group(1) + "<masked>", text)
    return text


def kcheck(bug, desc, cond, diag=""):
    """tap.check; bug names the tfauth bug this check once caught."""
    return tap.check(desc, cond, diag)


class Run(ToolRun):
    def redact(self, text):
        return redact(text)


# Every child in a session of its own, bounded (harness.Runner).
RUNNER = Runner(BIN, RUN_TIMEOUT, Run)
RUNS = RUNNER.runs  # every Run, for the final no-secret checks
start, finish, run, tool = start_session, RUNNER.finish, RUNNER.run, RUNNER.tool
tfenv, refresh = RUNNER.tfenv, RUNNER.refresh


def parse_time(s):
    """RFC 3339 (Z, +00:00, UTC, fractions) -> epoch seconds, or None."""
    if not isinstance(s, str):
        return None
    t = s.strip()
    if t.endswith("UTC"):
        t = t[:-3] + "+00:00"
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    try:
        d = datetime.datetime.fromisoformat(t)
    except ValueError:
        return None
    if d.tzinfo is None:
        return None
    return d.timestamp()


def process_creds(r):
    """The credential_process JSON a run printed, or None; its secrets go
    into SECRETS at once."""
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
    if (j.get("Version") != 1 or not isinstance(j.get("AccessKeyId"), str) or
            not j["AccessKeyId"] or not isinstance(j.get("SecretAccessKey"), str)
            or not j["SecretAccessKey"]):
        return None
    return j


def cache_key(role_arn, session=None, serial=None):
    args = {"RoleArn": role_arn}
    if session:
        args["RoleSessionName"] = session
    if serial:
        args["SerialNumber"] = serial
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()


def cache_file(home, role_arn, session=None, serial=None):
    return os.path.join(home, ".aws", "cli", "cache",
                        cache_key(role_arn, session, serial) + ".json")


def read_cache(path):
    """(dict or None, why)."""
    try:
        with open(path) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        return None, "%s: %s" % (type(e).__name__, e)
    c = j.get("Credentials") if isinstance(j, dict) else None
    if isinstance(c, dict):
        for k in ("SecretAccessKey", "SessionToken"):
            if isinstance(c.get(k), str):
                SECRETS.add(c[k])
    return j, ""


def cli_format_ok(j):
    """The AWS CLI's cache shape (aws-reference.md §7.7)."""
    if not isinstance(j, dict) or not isinstance(j.get("Credentials"), dict):
        return False
    c = j["Credentials"]
    return (all(isinstance(c.get(k), str) and c[k] for k in
                ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"))
            and parse_time(c["Expiration"]) is not None)


def write_home(root, name, config, credentials):
    home = os.path.join(root, name)
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write(config)
    fd = os.open(os.path.join(home, ".aws", "credentials"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(credentials)
    return home


def write_script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o700)
    return path


class World:
    pass


def seed(moto, w):
    iam = moto.client("iam")
    before = moto.requests_sent
    w.alice_arn = moto.create_user(iam, "alice", allow_all=True)          # 2
    w.akid, w.secret = moto.create_key(iam, "alice")                       # 3
    w.carol_arn = moto.create_user(iam, "carol", allow_all=True)          # 5
    w.carol_akid, w.carol_secret = moto.create_key(iam, "carol")           # 6
    w.deploy = moto.create_role(iam, "deploy", [w.alice_arn],
                                may_assume_roles=True)                     # 8
    # moto matches a trust policy's principal against the caller's ARN as
    # a string: the chained roles trust the session ARNs.
    w.admin = moto.create_role(iam, "admin", [
        w.deploy, "arn:aws:sts::%s:assumed-role/deploy/chain1" % ACCOUNT])  # 9
    w.mfa_session = moto.create_role(iam, "mfa-session", [w.alice_arn],
                                     may_assume_roles=True)                # 11
    w.mfa_target = moto.create_role(iam, "mfatarget", [
        "arn:aws:sts::%s:assumed-role/mfa-session/mfa" % ACCOUNT])         # 12
    SECRETS.update([w.secret, w.carol_secret])
    return moto.requests_sent - before


def make_config(w, home):
    role = lambda name, arn, sess, extra="": (  # noqa: E731
        "[profile %s]\nregion = us-east-1\nrole_arn = %s\nsource_profile = src\n"
        "role_session_name = %s\n%s" % (name, arn, sess, extra))
    parts = ["[profile src]\nregion = us-east-1\n",
             "[profile static]\nregion = us-east-1\n",
             role("role", w.deploy, "tfa-role"),
             role("role1", w.deploy, "chain1"),
             "[profile role2]\nregion = us-east-1\nrole_arn = %s\n"
             "source_profile = role1\nrole_session_name = chain2\n" % w.admin,
             "[profile envrole]\nregion = us-east-1\nrole_arn = %s\n"
             "credential_source = Environment\nrole_session_name = envsess\n"
             % w.deploy,
             "[profile web]\nregion = us-east-1\nrole_arn = %s\n"
             "web_identity_token_file = %s\nrole_session_name = websess\n"
             % (w.deploy, os.path.join(home, "web-token")),
             "[profile proc]\nregion = us-east-1\ncredential_process = %s\n"
             % os.path.join(home, "proc.sh"),
             role("mfarole", w.mfa_target, "mfa1", "mfa_serial = %s\n" % MFA_SERIAL),
             role("mfarole2", w.mfa_target, "mfa2", "mfa_serial = %s\n" % MFA_SERIAL),
             role("mfarole3", w.mfa_target, "mfa3", "mfa_serial = %s\n" % MFA_SERIAL2),
             role("force", w.deploy, "forcesess"),
             role("window", w.deploy, "winsess"),
             role("conc", w.deploy, "concsess"),
             role("cli", w.deploy, "clisess"),
             role("corrupt", w.deploy, "corruptsess"),
             role("worldw", w.deploy, "worldwsess"),
             role("symlink", w.deploy, "symsess"),
             "[profile bad-exit]\nregion = us-east-1\ncredential_process = %s\n"
             % os.path.join(home, "bad-exit.sh"),
             "[profile bad-version]\nregion = us-east-1\ncredential_process = %s\n"
             % os.path.join(home, "bad-version.sh"),
             "[profile hang]\nregion = us-east-1\ncredential_process = %s\n"
             % os.path.join(home, "hang.sh")]
    creds = ("[src]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
             "[static]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
             % (w.akid, w.secret, w.akid, w.secret))
    return "\n".join(parts), creds


def make_scripts(w, home):
    with open(os.path.join(home, "web-token"), "w") as f:
        f.write(WEB_TOKEN)
    write_script(os.path.join(home, "proc.sh"),
                 "printf '%%s\\n' '%s'\n" % json.dumps({
                     "Version": 1, "AccessKeyId": w.carol_akid,
                     "SecretAccessKey": w.carol_secret}))
    write_script(os.path.join(home, "bad-exit.sh"),
                 "echo 'proc: the vault is sealed' >&2\nexit 1\n")
    write_script(os.path.join(home, "bad-version.sh"),
                 "printf '%%s\\n' '%s'\n" % json.dumps({
                     "Version": 2, "AccessKeyId": w.carol_akid,
                     "SecretAccessKey": w.carol_secret}))
    write_script(os.path.join(home, "hang.sh"),
                 'echo $$ > "%s"\nexec sleep 30\n' % os.path.join(home, "hang.pid"))


class Ctx:
    """What every scenario needs."""

    def __init__(self, moto, proxy, w, root):
        self.moto, self.proxy, self.w, self.root = moto, proxy, w, root

    def env(self, home, **extra):
        e = clean_env({
            "HOME": home,
            "AWS_ENDPOINT_URL_STS": self.proxy.url,
            "AWS_ENDPOINT_URL_IAM": self.proxy.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TFAUTH_HTTP_TIMEOUT": "10",
            "TFAUTH_HTTP_RETRY_BASE_MS": "1",
        })
        e.update(extra)
        return e

    def identity(self, creds):
        """The ARN moto gives these credentials (GetCallerIdentity straight
        on moto), or 'error: ...'."""
        if not creds:
            return "error: no credentials"
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            c = self.moto.client("sts", creds["AccessKeyId"],
                                 creds["SecretAccessKey"],
                                 creds.get("SessionToken") or None)
            return c.get_caller_identity()["Arn"]
        except ClientError as e:
            return "error: %s" % e.response.get("Error", {}).get("Code")
        except BotoCoreError as e:
            return "error: %s" % type(e).__name__

    def session_arn(self, role, session):
        return "arn:aws:sts::%s:assumed-role/%s/%s" % (ACCOUNT, role, session)


def check_process_json(name, r, want_token=True):
    c = process_creds(r)
    ok = c is not None
    if ok and want_token:
        exp = parse_time(c.get("Expiration"))
        ok = (isinstance(c.get("SessionToken"), str) and c["SessionToken"] and
              c["AccessKeyId"].startswith("ASIA") and exp is not None and
              time.time() + 1800 < exp < time.time() + 4200)
    tap.check("%s: valid credential_process JSON (Version 1%s)" % (
        name, ", session token, RFC 3339 expiration ~1 h away" if want_token else ""),
        ok, r)
    return c


# -- scenarios

def source_profile_role(t, home):
    w, proxy = t.w, t.proxy
    env = t.env(home)
    m = proxy.mark()
    r = tfenv("role", "--format", "process", env=env)
    c = check_process_json("role (source_profile)", r)
    reqs = proxy.requests(m, "AssumeRole")
    tap.check("role: one AssumeRole, of deploy, session tfa-role, signed by the "
              "source profile's key",
              len(reqs) == 1 and reqs[0].params.get("RoleArn") == w.deploy and
              reqs[0].params.get("RoleSessionName") == "tfa-role" and
              reqs[0].akid == w.akid and reqs[0].status == 200,
              "%s\n%s" % (reqs, proxy.actions(m)))
    arn = t.identity(c)
    tap.check("role: the credentials are the assumed role's: %s" % arn,
              arn == t.session_arn("deploy", "tfa-role"), arn)

    m = proxy.mark()
    r2 = tfenv("role", "--format", "process", env=env)
    c2 = process_creds(r2)
    tap.check("role, second call: same credentials, no request at all",
              c and c2 and c2["AccessKeyId"] == c["AccessKeyId"] and
              sha(c2["SecretAccessKey"]) == sha(c["SecretAccessKey"]) and
              proxy.actions(m) == {}, "%s\n%s" % (r2, proxy.actions(m)))
    r3 = refresh("role", "--check", env=env)
    tap.check("role: tfauth-refresh role --check exits 0, no request",
              r3.rc == 0 and proxy.actions(m) == {}, "%s\n%s" % (r3, proxy.actions(m)))

    path = cache_file(home, w.deploy, "tfa-role")
    try:
        st, dst = os.lstat(path), os.lstat(os.path.dirname(path))
        modes = (stat.S_ISREG(st.st_mode), oct(stat.S_IMODE(st.st_mode)),
                 oct(stat.S_IMODE(dst.st_mode)))
    except OSError as e:
        modes = str(e)
    tap.check("role: cache entry at ~/.aws/cli/cache/<AWS CLI key>.json, 0600 "
              "in a 0700 folder", modes == (True, "0o600", "0o700"),
              "%s: %s\nfolder holds: %s" % (path, modes, sorted(
                  os.listdir(os.path.dirname(path)))
                  if os.path.isdir(os.path.dirname(path)) else "(none)"))
    j, why = read_cache(path)
    tap.check("role: the entry is the AWS CLI's JSON, with the printed "
              "credentials and the session's ARN",
              cli_format_ok(j) and c and
              j["Credentials"]["AccessKeyId"] == c["AccessKeyId"] and
              j["Credentials"]["SessionToken"] == c.get("SessionToken") and
              abs(parse_time(j["Credentials"]["Expiration"]) -
                  (parse_time(c.get("Expiration")) or 0)) < 2 and
              (j.get("AssumedRoleUser") or {}).get("Arn") ==
              t.session_arn("deploy", "tfa-role"),
              why or redact(json.dumps(j)[:600]))

    # The other output formats give the same credentials.
    r = tfenv("role", "--format", "dotenv", env=env)
    kv = dict(line.split("=", 1) for line in r.out.splitlines() if "=" in line)
    kv = {k.replace("export ", "").strip(): v.strip().strip("'\"")
          for k, v in kv.items()}
    tap.check("role --format dotenv: the same key, secret and token",
              r.rc == 0 and c and kv.get("AWS_ACCESS_KEY_ID") == c["AccessKeyId"]
              and sha(kv.get("AWS_SECRET_ACCESS_KEY")) == sha(c["SecretAccessKey"])
              and sha(kv.get("AWS_SESSION_TOKEN")) == sha(c.get("SessionToken")), r)
    r = tfenv("role", "--format", "json", env=env)
    try:
        jj = json.loads(r.out)
    except ValueError:
        jj = None
    tap.check("role --format json: valid JSON naming the same key",
              r.rc == 0 and jj is not None and c and c["AccessKeyId"] in r.out, r)
    r = tfenv("role", "--credentials", "--shell", "bash", env=env)
    got = {}
    if r.rc == 0:
        b = run(["bash", "-c", 'eval "$1" && env', "bash", r.out],
                dict(env, AWS_ACCESS_KEY_ID="AKIASTALE0000000000X"))
        for line in b.out.splitlines():
            k, sep, v = line.partition("=")
            if sep and k.startswith("AWS_"):
                got[k] = v
    tap.check("role --credentials --shell bash: eval exports the profile, the "
              "credentials and AWS_CREDENTIAL_EXPIRATION",
              c and got.get("AWS_PROFILE") == "role" and
              got.get("AWS_ACCESS_KEY_ID") == c["AccessKeyId"] and
              sha(got.get("AWS_SECRET_ACCESS_KEY")) == sha(c["SecretAccessKey"]) and
              sha(got.get("AWS_SESSION_TOKEN")) == sha(c.get("SessionToken")) and
              parse_time(got.get("AWS_CREDENTIAL_EXPIRATION")) is not None,
              "%s\nexported: %s" % (r, sorted(got)))
    return c


def other_sources(t, home):
    w, proxy = t.w, t.proxy
    env = t.env(home)
    out = {}

    m = proxy.mark()
    r = tfenv("role2", "--format", "process", env=env)
    c = check_process_json("chained roles (role2 <- role1 <- src)", r)
    arn = t.identity(c)
    roles = [q.params.get("RoleArn") for q in proxy.requests(m, "AssumeRole")]
    tap.check("chained roles: AssumeRole deploy, then admin; identity %s" % arn,
              roles == [w.deploy, w.admin] and
              arn == t.session_arn("admin", "chain2"),
              "%s\n%s" % (proxy.requests(m), arn))
    out["role2"] = arn

    m = proxy.mark()
    r = tfenv("envrole", "--format", "process",
              env=dict(env, AWS_ACCESS_KEY_ID=w.akid, AWS_SECRET_ACCESS_KEY=w.secret))
    c = check_process_json("credential_source = Environment", r)
    arn = t.identity(c)
    reqs = proxy.requests(m, "AssumeRole")
    tap.check("credential_source = Environment: AssumeRole signed with the "
              "environment's key; identity %s" % arn,
              len(reqs) == 1 and reqs[0].akid == w.akid and
              arn == t.session_arn("deploy", "envsess"),
              "%s\n%s" % (reqs, arn))
    out["envrole"] = arn

    m = proxy.mark()
    with t.moto.setup_calls(1):
        r = tfenv("web", "--format", "process", env=env)
    c = check_process_json("web identity", r)
    arn = t.identity(c)
    reqs = proxy.requests(m)
    tap.check("web identity: one unsigned AssumeRoleWithWebIdentity; identity %s"
              % arn,
              [(q.action, q.akid) for q in reqs] ==
              [("AssumeRoleWithWebIdentity", None)] and
              arn == t.session_arn("deploy", "websess"), "%s\n%s" % (reqs, arn))
    web_key = c and c["AccessKeyId"]
    m = proxy.mark()
    r = tfenv("web", "--format", "process", env=env)
    c = check_process_json("web identity, again", r)
    tap.check("web identity: the session is cached (same key, no request), so "
              "tfauth-run and its credentials endpoint can serve it",
              c and c["AccessKeyId"] == web_key and proxy.requests(m) == [],
              "%s\n%s" % (r, proxy.requests(m)))
    cached = [f for f in os.listdir(os.path.join(home, ".aws", "cli", "cache"))
              if f.endswith(".json")
              and (read_cache(os.path.join(home, ".aws", "cli", "cache", f))[0] or {})
              .get("Credentials", {}).get("AccessKeyId") == web_key]
    tap.check("web identity: one cache file holds the session, mode 0600",
              len(cached) == 1 and os.stat(os.path.join(
                  home, ".aws", "cli", "cache", cached[0])).st_mode & 0o777 == 0o600,
              cached)
    r = tool("tfauth-run", "--profile", "web", "--", "sh", "-c",
             'test "$AWS_ACCESS_KEY_ID" = "%s" && echo child-ran' % web_key,
             env=env)
    tap.check("tfauth-run --profile web: runs the command with the cached "
              "web identity session", r.rc == 0 and "child-ran" in r.out and
              proxy.requests(m) == [], r)

    m = proxy.mark()
    r = tfenv("proc", "--format", "process", env=env)
    c = check_process_json("credential_process", r, want_token=False)
    arn = t.identity(c)
    tap.check("credential_process: the script's keys (carol), no STS request",
              c and c["AccessKeyId"] == w.carol_akid and
              sha(c["SecretAccessKey"]) == sha(w.carol_secret) and
              arn == w.carol_arn and proxy.actions(m) == {},
              "%s\n%s %s" % (r, arn, proxy.actions(m)))
    out["proc"] = arn

    m = proxy.mark()
    r = tfenv("static", "--format", "process", env=env)
    c = check_process_json("static keys", r, want_token=False)
    tap.check("static keys: printed as they are, no token, no expiration, no request",
              c and c["AccessKeyId"] == w.akid and
              sha(c["SecretAccessKey"]) == sha(w.secret) and
              not c.get("SessionToken") and not c.get("Expiration") and
              proxy.actions(m) == {}, r)
    out["static"] = t.identity(c)
    r = refresh("static", env=env)
    tap.check("tfauth-refresh static: exit 1, cannot be refreshed, names set-keys",
              r.rc == 1 and "set-keys" in r.err and "refresh" in r.err and
              proxy.actions(m) == {}, r)
    return out


def mfa(t, home):
    w, proxy = t.w, t.proxy
    env = t.env(home)
    proxy.intercept_session_token(w.mfa_session, w.akid, w.secret, "mfa")

    m = proxy.mark()
    r = refresh("mfarole", "--non-interactive", env=env)
    tap.check("mfa_serial, --non-interactive, no code: exit 3, no request",
              r.rc == 3 and proxy.actions(m) == {}, "%s\n%s" % (r, proxy.actions(m)))
    r = refresh("mfarole", env=env)
    tap.check("mfa_serial, no code and no terminal: exit 3, no request",
              r.rc == 3 and proxy.actions(m) == {}, "%s\n%s" % (r, proxy.actions(m)))
    tap.check("... the message says how to give the code",
              "TFAUTH_MFA_CODE" in r.err or "--mfa-code" in r.err, r)

    r = refresh("mfarole", "--non-interactive",
                env=dict(env, TFAUTH_MFA_CODE="123456"))
    gst = proxy.requests(m, "GetSessionToken")
    ar = proxy.requests(m, "AssumeRole")
    tap.check("TFAUTH_MFA_CODE=123456: exit 0", r.rc == 0, r)
    tap.check("... one GetSessionToken, signed by the source key, with the "
              "device's SerialNumber and the code",
              len(gst) == 1 and gst[0].akid == w.akid and gst[0].intercepted and
              gst[0].params.get("SerialNumber") == MFA_SERIAL and
              gst[0].params.get("TokenCode") == "123456", gst)
    tap.check("... then one AssumeRole of mfatarget with the MFA session's key",
              len(ar) == 1 and ar[0].params.get("RoleArn") == w.mfa_target and
              ar[0].akid not in (None, w.akid) and ar[0].status == 200,
              "%s\n%s" % (ar, proxy.actions(m)))
    if ar:
        tap.note("the AssumeRole after GetSessionToken carried %s" % (
            "SerialNumber and TokenCode (the same code a second time)"
            if ar[0].params.get("TokenCode") else "no MFA code"))
    m = proxy.mark()
    r = tfenv("mfarole", "--format", "process", env=env)
    c = check_process_json("mfarole after the refresh", r)
    arn = t.identity(c)
    tap.check("mfarole: cached, no request; identity %s" % arn,
              arn == t.session_arn("mfatarget", "mfa1") and proxy.actions(m) == {},
              "%s\n%s" % (arn, proxy.actions(m)))

    m = proxy.mark()
    r = refresh("mfarole2", "--non-interactive", env=env)
    kcheck("mfa-reuse", "second role, same mfa_serial, no code: exit 0, the MFA session "
              "reused (no GetSessionToken), one AssumeRole",
              r.rc == 0 and proxy.count("GetSessionToken", m) == 0 and
              proxy.count("AssumeRole", m) == 1, "%s\n%s" % (r, proxy.actions(m)))
    r = tfenv("mfarole2", "--format", "process", env=env)
    arn = t.identity(process_creds(r))
    kcheck("mfa-reuse", "... its identity: %s" % arn,
              arn == t.session_arn("mfatarget", "mfa2"), r)

    m = proxy.mark()
    r = refresh("mfarole3", "--non-interactive", "--mfa-code", "654321", env=env)
    gst = proxy.requests(m, "GetSessionToken")
    tap.check("another device, --mfa-code 654321: exit 0, its own "
              "GetSessionToken with that serial and code",
              r.rc == 0 and len(gst) == 1 and
              gst[0].params.get("SerialNumber") == MFA_SERIAL2 and
              gst[0].params.get("TokenCode") == "654321" and
              proxy.count("AssumeRole", m) == 1, "%s\n%s" % (r, gst))
    proxy.intercept_session_token(None, None, None)


def force_and_window(t, home, role_creds):
    w, proxy = t.w, t.proxy
    env = t.env(home)
    m = proxy.mark()
    r = refresh("role", "--force", env=env)
    tap.check("--force on a fresh entry: exit 0, one new AssumeRole",
              r.rc == 0 and proxy.count("AssumeRole", m) == 1,
              "%s\n%s" % (r, proxy.actions(m)))
    m = proxy.mark()
    c = process_creds(tfenv("role", "--format", "process", env=env))
    tap.check("... tfauth-env then prints the new credentials from the cache",
              c and role_creds and c["AccessKeyId"] != role_creds["AccessKeyId"]
              and proxy.actions(m) == {} and
              t.identity(c) == t.session_arn("deploy", "tfa-role"),
              proxy.actions(m))

    m = proxy.mark()
    r = refresh("window", "--check", env=env)
    tap.check("--check on a profile never refreshed: exit 3, no request",
              r.rc == 3 and proxy.actions(m) == {}, r)
    wenv = dict(env, TFAUTH_REFRESH_WINDOW="7200")
    keys, counts = [], []
    for i in range(2):
        m = proxy.mark()
        c = process_creds(tfenv("window", "--format", "process", env=wenv))
        keys.append(c and c["AccessKeyId"])
        counts.append(proxy.count("AssumeRole", m))
    tap.check("TFAUTH_REFRESH_WINDOW=7200 > a 1 h session: every tfauth-env "
              "refreshes (one AssumeRole each, new keys)",
              counts == [1, 1] and None not in keys and keys[0] != keys[1],
              "AssumeRoles %s, keys differ: %s" % (counts, keys[0] != keys[1]))
    m = proxy.mark()
    r1 = refresh("window", "--check", env=wenv)
    r2 = refresh("window", "--check", env=env)
    tap.check("--check: exit 3 with the 7200 s window, 0 with the default",
              r1.rc == 3 and r2.rc == 0 and proxy.actions(m) == {},
              "%s\n%s" % (r1, r2))
    r = refresh("window", "--check", env=dict(env, TFAUTH_REFRESH_WINDOW="soon"))
    tap.check("a bad TFAUTH_REFRESH_WINDOW: exit 1 or 2 naming the variable",
              r.rc in (1, 2) and "TFAUTH_REFRESH_WINDOW" in r.err, r)


def concurrency(t, home):
    w, proxy = t.w, t.proxy
    env = t.env(home)
    n = 16
    proxy.delay("AssumeRole", 0.5)
    m = proxy.mark()
    t0 = time.monotonic()
    argv = [os.path.join(BIN, "tfauth-env"), "conc", "--format", "process"]
    procs = []
    try:
        for i in range(n):
            procs.append(start(argv, env))
    except OSError as e:
        tap.check("16 parallel tfauth-env start", False, e)
    runs = [finish(p, argv, t0, t0 + 60) for p in procs]
    proxy.delay("AssumeRole", 0)
    creds = [process_creds(r) for r in runs]
    keys = set(c["AccessKeyId"] for c in creds if c)
    tap.check("%d parallel tfauth-env on a cold cache: all exit 0 with valid "
              "credentials (%.1f s)" % (n, time.monotonic() - t0),
              len(procs) == n and all(c for c in creds),
              "\n".join(str(r) for r, c in zip(runs, creds) if not c)[:3000])
    tap.check("... exactly one AssumeRole reached moto",
              proxy.count("AssumeRole", m) == 1, proxy.actions(m))
    tap.check("... all printed the same AccessKeyId", len(keys) == 1, len(keys))
    j, why = read_cache(cache_file(home, w.deploy, "concsess"))
    tap.check("... the cache entry is valid JSON with that key",
              cli_format_ok(j) and j["Credentials"]["AccessKeyId"] in keys,
              why or redact(json.dumps(j)[:400]))


def aws_cli(t, home, w):
    """(a) the CLI reuses tfauth's entry; (b) tfauth reuses the CLI's."""
    proxy = t.proxy
    cli = [sys.executable, "-m", "awscli"]
    v = run(cli + ["--version"], t.env(home), timeout=30)
    version = (v.out + v.err).strip()
    if v.rc != 0 or not version.startswith("aws-cli/1."):
        tap.skip("AWS CLI interop", "python3 -m awscli is not the AWS CLI v1 (%s)"
                 % version[:80])
        tap.skip("AWS CLI interop (b)", "no AWS CLI v1")
        return
    tap.note(version)
    env = t.env(home)
    m = proxy.mark()
    r = run(cli + ["sts", "get-caller-identity", "--profile", "role",
                   "--output", "json"], env, timeout=60)
    try:
        arn = json.loads(r.out).get("Arn")
    except ValueError:
        arn = None
    tap.check("AWS CLI after tfauth cached 'role': no AssumeRole, one "
              "GetCallerIdentity, the assumed-role ARN",
              r.rc == 0 and arn == t.session_arn("deploy", "tfa-role") and
              proxy.actions(m) == {"GetCallerIdentity": 1},
              "%s\n%s" % (r, proxy.actions(m)))

    # (b) in a HOME of its own, so the CLI makes the cache folder.
    home2 = os.path.join(t.root, "home-cli")
    shutil.copytree(home, home2, symlinks=True,
                    ignore=shutil.ignore_patterns("cli"))
    env2 = t.env(home2)
    m = proxy.mark()
    r = run(cli + ["sts", "get-caller-identity", "--profile", "cli",
                   "--output", "json"], env2, timeout=60)
    path = cache_file(home2, w.deploy, "clisess")
    j, why = read_cache(path)
    tap.check("AWS CLI first on 'cli': one AssumeRole, its cache entry at "
              "the key tfauth computes too",
              r.rc == 0 and proxy.count("AssumeRole", m) == 1 and j is not None,
              "%s\n%s\n%s" % (r, proxy.actions(m), why))
    if j:
        tap.note("the AWS CLI wrote Expiration as %s-like text" %
                 re.sub(r"\d", "9", str(j.get("Credentials", {}).get("Expiration"))))
    m = proxy.mark()
    r = tfenv("cli", "--format", "process", env=env2)
    c = process_creds(r)
    tap.check("then tfauth-env cli: no AssumeRole, the AccessKeyId of the "
              "CLI's entry",
              c and j and c["AccessKeyId"] == j["Credentials"]["AccessKeyId"] and
              sha(c.get("SessionToken")) == sha(j["Credentials"]["SessionToken"])
              and proxy.count("AssumeRole", m) == 0,
              "%s\n%s" % (r, proxy.actions(m)))


_BOTO_SNIPPET = r"""
import sys, botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_credentials()
if c is None:
    print("error: no credentials"); sys.exit(1)
f = c.get_frozen_credentials()
sts = s.create_client("sts", region_name="us-east-1",
                      aws_access_key_id=f.access_key,
                      aws_secret_access_key=f.secret_key,
                      aws_session_token=f.token)
print(sts.get_caller_identity()["Arn"])
"""


def differential(t, home, tfauth_arns):
    w = t.w
    for name, extra in (("static", {}), ("role", {}), ("role2", {}),
                        ("envrole", {"AWS_ACCESS_KEY_ID": w.akid,
                                     "AWS_SECRET_ACCESS_KEY": w.secret}),
                        ("proc", {})):
        r = run([sys.executable, "-c", _BOTO_SNIPPET, name],
                t.env(home, **extra), timeout=30)
        arn = r.out.strip() if r.rc == 0 else "error"
        mine = tfauth_arns.get(name)
        tap.check("differential %s: botocore and tfauth resolve %s" % (name, mine),
                  mine and not mine.startswith("error") and arn == mine,
                  "botocore: %s\ntfauth: %s\n%s" % (arn, mine, r))


def bad_input(t, home):
    w, proxy = t.w, t.proxy
    env = t.env(home)

    r = tfenv("bad-exit", "--format", "process", env=env)
    tap.check("credential_process exits 1: exit 1, nothing on stdout, a message "
              "naming the profile",
              r.rc == 1 and r.out == "" and "bad-exit" in r.err and
              "credential_process" in r.err, r)
    r = tfenv("bad-version", "--format", "process", env=env)
    tap.check("credential_process prints Version 2: exit 1, nothing on stdout, "
              "says the version is wrong",
              r.rc == 1 and r.out == "" and "version" in r.err.lower() and
              "bad-version" in r.err, r)
    pidfile = os.path.join(home, "hang.pid")
    r = tfenv("hang", "--format", "process",
              env=dict(env, TFAUTH_PROCESS_TIMEOUT="1"), timeout=20)
    tap.check("credential_process hangs, TFAUTH_PROCESS_TIMEOUT=1: exit 1 "
              "within 5 s, nothing on stdout, says it timed out",
              r.rc == 1 and r.out == "" and r.elapsed < 5 and
              "time" in r.err.lower(), r)
    alive = None
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                alive = True
            except ProcessLookupError:
                alive = False
                break
            time.sleep(0.05)
        if alive:
            os.kill(pid, signal.SIGKILL)   # our descendant: stop it
    except (OSError, ValueError) as e:
        alive = "no pid: %s" % e
    tap.check("... and the hanging process was stopped", alive is False, alive)

    # A corrupt entry is a miss, replaced by a fresh one.
    path = cache_file(home, w.deploy, "corruptsess")
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, b'{"Credentials": {"AccessKeyId": "ASIATRUNCATED", "Secr')
    os.close(fd)
    m = proxy.mark()
    r = tfenv("corrupt", "--format", "process", env=env)
    c = process_creds(r)
    j, why = read_cache(path)
    tap.check("truncated cache entry: ignored, one AssumeRole, replaced by a "
              "valid entry with the printed key",
              c and proxy.count("AssumeRole", m) == 1 and cli_format_ok(j) and
              j["Credentials"]["AccessKeyId"] == c["AccessKeyId"] and
              t.identity(c) == t.session_arn("deploy", "corruptsess"),
              "%s\n%s %s" % (r, proxy.actions(m), why))

    # A world-writable entry is refused.
    path = cache_file(home, w.deploy, "worldwsess")
    src = cache_file(home, w.deploy, "tfa-role")
    with open(src, "rb") as f:
        data = f.read()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, data)
    os.close(fd)
    os.chmod(path, 0o666)
    m = proxy.mark()
    r = tfenv("worldw", "--format", "process", env=env)
    st = os.lstat(path)
    kcheck("cache-refused", "world-writable cache entry: refused (exit 1, a message naming "
              "the file, nothing on stdout)",
              r.rc == 1 and r.out == "" and path in r.err, r)
    with open(path, "rb") as f:
        same = f.read() == data
    kcheck("cache-refused", "... no AssumeRole, the file left as it was",
              same and stat.S_IMODE(st.st_mode) == 0o666 and
              proxy.count("AssumeRole", m) == 0,
              "mode %s, same bytes: %s, requests: %s" % (
                  oct(st.st_mode), same, proxy.actions(m)))

    # A symlinked entry is refused (it points at a valid entry elsewhere).
    path = cache_file(home, w.deploy, "symsess")
    target = os.path.join(t.root, "elsewhere.json")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, data)
    os.close(fd)
    os.symlink(target, path)
    m = proxy.mark()
    r = tfenv("symlink", "--format", "process", env=env)
    with open(target, "rb") as f:
        same = f.read() == data
    kcheck("cache-refused", "symlinked cache entry: refused (exit 1, a message naming it, "
              "nothing on stdout)",
              r.rc == 1 and r.out == "" and path in r.err, r)
    kcheck("cache-refused", "... no AssumeRole, the link and its target left as they were",
              same and os.path.islink(path) and
              proxy.count("AssumeRole", m) == 0,
              "still a link: %s, target unchanged: %s, requests: %s" % (
                  os.path.islink(path), same, proxy.actions(m)))


def main():
    for name in ("tfauth-env", "tfauth-refresh"):
        if not os.access(os.path.join(BIN, name), os.X_OK):
            tap.check("%s is built (run 'make')" % os.path.join(BIN, name), False)
            return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("credential chain against moto",
                 "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    t_start = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-chain.")
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
        tap.check("seeding made exactly INITIAL_NO_AUTH_ACTION_COUNT=%d calls"
                  % SEED_CALLS, n == SEED_CALLS, n)
        config, creds = make_config(w, os.path.join(root, "home"))
        home = write_home(root, "home", config, creds)
        make_scripts(w, home)
        t = Ctx(moto, proxy, w, root)

        role_creds = source_profile_role(t, home)
        arns = other_sources(t, home)
        arns["role"] = t.identity(role_creds)
        mfa(t, home)
        force_and_window(t, home, role_creds)
        concurrency(t, home)
        aws_cli(t, home, w)
        differential(t, home, arns)
        bad_input(t, home)

        leaks = [r for r in RUNS if any(s and s in r.err for s in SECRETS)]
        tap.check("no secret on stderr in %d runs" % len(RUNS), not leaks,
                  "\n".join(str(r.argv[:3]) for r in leaks))
        tap.check("no error inside the proxy", proxy.errors == [], proxy.errors)
        if moto.proc.poll() is not None:
            tap.check("moto stayed up", False, moto.log_tail())
        tap.note("chain took %.1f s" % (time.monotonic() - t_start))
    finally:
        proxy.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
