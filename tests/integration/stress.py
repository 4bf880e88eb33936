#!/usr/bin/env python3
"""stress — 50 processes over 5 profiles on cold caches, all let go at once:
every process gets working credentials, and each profile costs one login
or one STS call per credential it needs.

Profiles (10 processes of `tfauth-env PROFILE --format process` each):

  role     role_arn deploy, source_profile src            1 AssumeRole
  chained  role_arn chaintarget, source_profile hop,      1 AssumeRole per
           hop = role_arn deploy2, source_profile src       hop (2)
  mfa      static keys + mfa_serial: an MFA session       1 GetSessionToken,
           (GetSessionToken), the code typed on a           1 prompt
           terminal
  sso      sso_session corp against the emulator          1 device login,
           (ssoemu.py, device flow approved by it;          1 GetRoleCredentials
           no browser)
  proc     credential_process: a script that counts its   (no STS; the runs
           runs and prints another user's keys             are counted)

STS goes through the counting proxy (stsproxy.py), which holds each
AssumeRole and GetSessionToken 0.3 s so that the processes meet at the
cache locks, and answers GetSessionToken with a session that works against
moto.  Each of the 50 starts under `sh -c`, writes a ready file and blocks
reading a FIFO; when all 50 are ready the test writes 50 lines into it, so
they start together.  The mfa processes each have a terminal of their own
(a pty made their controlling terminal, so tfauth prompts on /dev/tty;
stdin, stdout and stderr are files); the test watches the ten terminals and
types the code where the prompt appears: exactly one prompt must appear in
all.  Then: every process exited 0 with valid credential_process JSON; all
processes of a profile printed the same key, whose identity
(GetCallerIdentity straight on moto) is the profile's; the counts above
hold; every cache file (AWS CLI entries and the SSO token) is valid.

Everything on 127.0.0.1, a temporary HOME; every wait is bounded; every
process group is killed in a finally block.  Nothing prints a secret.
"""
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ACCOUNT, TOP, Moto, MotoError, Tap,  # noqa: E402
                     clean_env, kill_group)
from ssoemu import MotoRoleSource, SsoEmu  # noqa: E402
from stsproxy import StsProxy  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
SEED_CALLS = 12 + 4
PER_PROFILE = 10
PROFILES = ("role", "chained", "mfa", "sso", "proc")
WAIT = 60             # seconds all 50 may take, together
READY_WAIT = 15       # seconds the 50 may take to reach the barrier
SERIAL = "arn:aws:iam::%s:mfa/alice" % ACCOUNT
PROMPT = "Enter MFA code for %s" % SERIAL
CODE = "123456"
START_URL = "https://corp.awsapps.com/start"

tap = Tap()
SECRETS = set()


def redact(text):
    for s in sorted(SECRETS, key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    return re.sub(r'("(?:SecretAccessKey|SessionToken)"\s*:\s*")[^"]*',
                  r"\1<masked>", text)


class World:
    pass


def seed(moto, w):
    iam = moto.client("iam")
    before = moto.requests_sent
    alice = moto.create_user(iam, "alice", allow_all=True)                 # 2
    w.akid, w.secret = moto.create_key(iam, "alice")                        # 3
    w.carol = moto.create_user(iam, "carol", allow_all=True)               # 5
    w.carol_akid, w.carol_secret = moto.create_key(iam, "carol")            # 6
    w.deploy = moto.create_role(iam, "deploy", [alice])                     # 7
    w.deploy2 = moto.create_role(iam, "deploy2", [alice],
                                 may_assume_roles=True)                     # 9
    w.target = moto.create_role(iam, "chaintarget", [
        "arn:aws:sts::%s:assumed-role/deploy2/hop" % ACCOUNT])              # 10
    w.mfa_session = moto.create_role(iam, "mfa-session", [alice],
                                     may_assume_roles=True)                 # 12
    w.src = MotoRoleSource.seed(moto, iam, ["Admin"])                       # 16
    SECRETS.update([w.secret, w.carol_secret, w.src.secret])
    return moto.requests_sent - before


def write_home(root, w):
    home = os.path.join(root, "home")
    aws = os.path.join(home, ".aws")
    os.makedirs(aws, mode=0o700)
    proc = os.path.join(home, "proc.sh")
    with open(proc, "w") as f:
        f.write("#!/bin/sh\necho run >> '%s'\nprintf '%%s\\n' '%s'\n" % (
            os.path.join(home, "proc.runs"),
            json.dumps({"Version": 1, "AccessKeyId": w.carol_akid,
                        "SecretAccessKey": w.carol_secret})))
    os.chmod(proc, 0o700)
    with open(os.path.join(aws, "config"), "w") as f:
        f.write("""[profile src]
region = us-east-1

[profile role]
region = us-east-1
role_arn = {deploy}
source_profile = src
role_session_name = stress

[profile hop]
region = us-east-1
role_arn = {deploy2}
source_profile = src
role_session_name = hop

[profile chained]
region = us-east-1
role_arn = {target}
source_profile = hop
role_session_name = chained

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

[profile proc]
region = us-east-1
credential_process = {proc}
""".format(deploy=w.deploy, deploy2=w.deploy2, target=w.target, serial=SERIAL,
           start=START_URL, account=ACCOUNT, proc=proc))
    fd = os.open(os.path.join(aws, "credentials"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        for name in ("src", "mfa"):
            f.write("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
                    % (name, w.akid, w.secret))
    return home


def tool_env(w, home):
    e = clean_env({
        "HOME": home,
        "AWS_ENDPOINT_URL_STS": w.proxy.url,
        "AWS_ENDPOINT_URL_IAM": w.proxy.url,
        "AWS_ENDPOINT_URL_SSO": w.emu.url,
        "AWS_ENDPOINT_URL_SSO_OIDC": w.emu.url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "TFAUTH_HTTP_TIMEOUT": "20",
        "TFAUTH_HTTP_RETRY_BASE_MS": "1",
        "BROWSER": "/bin/true",
        "INPUTRC": "/dev/null",
        "TERM": "dumb",
    })
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX", "TMUX_PANE"):
        e.pop(k, None)
    return e


class Proc:
    """One of the 50: its profile, files, pty master (mfa only)."""

    def __init__(self, i, profile, d):
        self.i, self.profile = i, profile
        self.out = os.path.join(d, "%02d.out" % i)
        self.err = os.path.join(d, "%02d.err" % i)
        self.p = None
        self.master = self.slave = None
        self.screen = b""
        self.answered = False

    def text(self, which):
        try:
            with open(self.out if which == "out" else self.err, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def creds(self):
        try:
            j = json.loads(self.text("out"))
        except ValueError:
            return None
        if not isinstance(j, dict):
            return None
        for k in ("SecretAccessKey", "SessionToken"):
            if isinstance(j.get(k), str):
                SECRETS.add(j[k])
        if j.get("Version") != 1 or not j.get("AccessKeyId") or \
                not j.get("SecretAccessKey"):
            return None
        return j

    def __str__(self):
        return "#%d %s rc=%s\nstdout: %s\nstderr: %s\nterminal: %r" % (
            self.i, self.profile, self.p.returncode if self.p else None,
            redact(self.text("out")[:300]), redact(self.text("err")[:800]),
            redact(self.screen.decode("utf-8", "replace"))[-300:])


def ctty(slave_path):
    """preexec: a session of its own with the pty as its terminal."""
    def pre():
        os.setsid()
        fd = os.open(slave_path, os.O_RDWR)
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        os.close(fd)
    return pre


def launch(procs, env, d, fifo):
    import shlex
    ready = shlex.quote(os.path.join(d, "ready"))
    for pr in procs:
        # A ready file, then a line of the FIFO, then the tool itself.
        argv = ["sh", "-c", ': > %s.$$; read _ < "$0"; exec "$@"' % ready, fifo,
                os.path.join(BIN, "tfauth-env"), pr.profile, "--format", "process"]
        out = open(pr.out, "wb")
        err = open(pr.err, "wb")
        try:
            if pr.profile == "mfa":
                # The test keeps the slave open too: a master whose slave
                # nobody has open reads EIO (before tfauth opens /dev/tty).
                pr.master, pr.slave = os.openpty()
                pr.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=err,
                                        preexec_fn=ctty(os.ttyname(pr.slave)))
            else:
                pr.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=err,
                                        start_new_session=True)
        finally:
            out.close()
            err.close()


def watch_terminals(procs, stop):
    """Read every mfa terminal; type the code where the prompt shows."""
    masters = {pr.master: pr for pr in procs if pr.master is not None}
    import select
    while masters and not stop.is_set():
        try:
            ready, _, _ = select.select(list(masters), [], [], 0.1)
        except (OSError, ValueError):
            break
        for fd in ready:
            pr = masters[fd]
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:          # EIO: cannot happen while we hold the slave
                del masters[fd]
                continue
            pr.screen += data
            if not pr.answered and PROMPT.encode() in pr.screen:
                pr.answered = True
                try:
                    os.write(fd, (CODE + "\r").encode())
                except OSError:
                    pass


def valid_entry(path):
    try:
        with open(path) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        return "%s: %s" % (os.path.basename(path), type(e).__name__)
    if "accessToken" in j:       # the SSO token
        return None if isinstance(j.get("accessToken"), str) and \
            isinstance(j.get("expiresAt"), str) else "%s: token fields" % path
    if "clientSecret" in j:      # the OIDC client registration
        return None if isinstance(j.get("clientId"), str) and \
            isinstance(j.get("expiresAt"), str) else "%s: registration fields" % path
    c = j.get("Credentials") if isinstance(j, dict) else None
    if not isinstance(c, dict) or not all(
            isinstance(c.get(k), str) and c[k] for k in
            ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")):
        return "%s: not a complete entry" % os.path.basename(path)
    for k in ("SecretAccessKey", "SessionToken"):
        SECRETS.add(c[k])
    return None


def identity(moto, c):
    if not c:
        return "error: no credentials"
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        sts = moto.client("sts", c["AccessKeyId"], c["SecretAccessKey"],
                          c.get("SessionToken") or None)
        return sts.get_caller_identity()["Arn"]
    except ClientError as e:
        return "error: %s" % e.response.get("Error", {}).get("Code")
    except BotoCoreError as e:
        return "error: %s" % type(e).__name__


def stress(w, root):
    home = write_home(root, w)
    env = tool_env(w, home)
    d = os.path.join(root, "runs")
    os.makedirs(d, mode=0o700)
    fifo = os.path.join(d, "go")
    os.mkfifo(fifo, 0o600)
    procs = [Proc(i, PROFILES[i % len(PROFILES)], d)
             for i in range(PER_PROFILE * len(PROFILES))]
    stop = threading.Event()
    watcher = None
    # Hold the FIFO open for writing (through a read end of our own, so that
    # this open does not block): a late reader still finds its line.
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    wfd = os.open(fifo, os.O_WRONLY)
    os.close(rfd)
    t0 = time.monotonic()
    try:
        launch(procs, env, d, fifo)
        watcher = threading.Thread(target=watch_terminals, args=(procs, stop),
                                   daemon=True)
        watcher.start()
        deadline = time.monotonic() + READY_WAIT
        while time.monotonic() < deadline:
            n = len([x for x in os.listdir(d) if x.startswith("ready.")])
            if n >= len(procs):
                break
            time.sleep(0.02)
        tap.check("all %d processes reached the barrier" % len(procs),
                  n >= len(procs), n)
        m = w.proxy.mark()
        before = w.emu.snapshot()
        t_go = time.monotonic()
        os.write(wfd, b"go\n" * len(procs))
        deadline = t_go + WAIT
        for pr in procs:
            try:
                pr.p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        elapsed = time.monotonic() - t_go
    finally:
        stop.set()
        for pr in procs:
            if pr.p is not None:
                if pr.p.poll() is None:
                    kill_group(pr.p)
                    try:
                        pr.p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        pass
        if watcher is not None:
            watcher.join(5)
        for pr in procs:
            for fd in (pr.master, pr.slave):
                if fd is not None:
                    os.close(fd)
        os.close(wfd)

    bad = [pr for pr in procs if pr.p.returncode != 0 or not pr.creds()]
    tap.check("50 processes over 5 profiles on cold caches, let go at once: "
              "every one exited 0 with credential_process JSON (%.1f s)" % elapsed,
              not bad, "\n".join(str(pr) for pr in bad[:4]))
    want = {"role": "arn:aws:sts::%s:assumed-role/deploy/stress" % ACCOUNT,
            "chained": "arn:aws:sts::%s:assumed-role/chaintarget/chained" % ACCOUNT,
            "mfa": "arn:aws:sts::%s:assumed-role/mfa-session/mfa" % ACCOUNT,
            "sso": w.src.arn("Admin"),
            "proc": w.carol}
    for prof in PROFILES:
        mine = [pr for pr in procs if pr.profile == prof]
        by_key = {}
        for pr in mine:
            c = pr.creds()
            if c:
                by_key.setdefault(c["AccessKeyId"], c)
        keys = set(by_key)
        arns = set(identity(w.moto, c) for c in by_key.values())
        tap.check("%s: all %d printed the same key, which moto knows as %s" % (
            prof, len(mine), want[prof]),
            len(keys) == 1 and arns == {want[prof]}, "%d keys, %s" % (len(keys), arns))

    reqs = w.proxy.requests(m)
    ar = {}
    for q in reqs:
        if q.action == "AssumeRole":
            ar[q.params.get("RoleArn")] = ar.get(q.params.get("RoleArn"), 0) + 1
    tap.check("role: exactly one AssumeRole of deploy",
              ar.get(w.deploy) == 1, ar)
    tap.check("chained: exactly one AssumeRole per hop (deploy2, chaintarget)",
              ar.get(w.deploy2) == 1 and ar.get(w.target) == 1, ar)
    gst = [q for q in reqs if q.action == "GetSessionToken"]
    tap.check("mfa: exactly one GetSessionToken, with the typed code",
              len(gst) == 1 and gst[0].params.get("TokenCode") == CODE and
              gst[0].intercepted, gst)
    prompts = sum(pr.screen.decode("utf-8", "replace").count(PROMPT)
                  for pr in procs if pr.master is not None)
    tap.check("mfa: exactly one prompt on the ten terminals", prompts == 1,
              "\n".join("#%d: %r" % (pr.i, redact(pr.screen.decode(
                  "utf-8", "replace"))[-200:]) for pr in procs if pr.screen))
    others = {q.action for q in reqs} - {"AssumeRole", "GetSessionToken"}
    tap.check("no other STS call", not others, others)
    dl = {k: v - before.get(k, 0) for k, v in w.emu.snapshot().items()
          if v != before.get(k, 0)}
    tap.check("sso: one device login (one registration, one device "
              "authorization, one token) and one GetRoleCredentials",
              dl.get("registrations") == 1 and dl.get("device_authorizations") == 1
              and dl.get("tokens_issued") == 1 and dl.get("role_credentials") == 1
              and not dl.get("refreshes"), dl)
    try:
        with open(os.path.join(home, "proc.runs")) as f:
            runs = len(f.read().splitlines())
    except OSError:
        runs = 0
    tap.note("proc: credential_process ran %d times for %d processes "
             "(its keys have no expiration: nothing to cache)" % (runs, PER_PROFILE))
    tap.check("proc: the credential_process ran at least once and at most "
              "once per process", 1 <= runs <= PER_PROFILE, runs)
    problems = []
    files = 0
    for sub in ("cli/cache", "sso/cache"):
        folder = os.path.join(home, ".aws", sub)
        for n in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            p = os.path.join(folder, n)
            if n.endswith(".json"):
                files += 1
                why = valid_entry(p)
                if why:
                    problems.append(why)
            elif n.endswith(".lock"):
                if os.path.getsize(p):
                    problems.append("%s: a lock file that is not empty" % n)
            else:
                problems.append("%s: a stray file" % n)
    tap.check("every cache file is valid (%d entries and tokens), no stray "
              "file" % files, files >= 5 and not problems, problems)
    leaks = [pr for pr in procs if any(s and (s in pr.text("err") or
                                              s in pr.screen.decode("utf-8", "replace"))
                                       for s in SECRETS)]
    tap.check("no secret on any stderr or terminal", not leaks,
              [pr.i for pr in leaks])
    tap.note("stress: the 50 took %.1f s after the barrier (%.1f s in all)" % (
        elapsed, time.monotonic() - t0))


def main():
    if not os.access(os.path.join(BIN, "tfauth-env"), os.X_OK):
        tap.check("tfauth-env is built (run 'make')", False)
        return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("parallel stress", "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    root = tempfile.mkdtemp(prefix="tfauth-stress.")
    os.chmod(root, 0o700)
    moto = Moto(no_auth_count=SEED_CALLS)
    w = World()
    w.moto = moto
    w.proxy = w.emu = None
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        n = seed(moto, w)
        tap.check("seeding made exactly %d calls" % SEED_CALLS, n == SEED_CALLS, n)
        w.proxy = StsProxy(moto).start()
        w.proxy.intercept_session_token(w.mfa_session, w.akid, w.secret, "mfa")
        w.proxy.delay("AssumeRole", 0.3)
        w.proxy.delay("GetSessionToken", 0.3)
        w.emu = SsoEmu(w.src, assignments={ACCOUNT: ["Admin"]}, interval=1,
                       mode="approve", poll_count=1).start()
        stress(w, root)
        tap.check("no error inside the proxy or the emulator",
                  w.proxy.errors == [] and w.emu.errors == [],
                  w.proxy.errors + w.emu.errors)
        if moto.proc.poll() is not None:
            tap.check("moto stayed up", False, moto.log_tail())
    finally:
        if w.emu is not None:
            w.emu.stop()
        if w.proxy is not None:
            w.proxy.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
