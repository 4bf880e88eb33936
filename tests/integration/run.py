#!/usr/bin/env python3
"""run — tfauth-run around a stand-in terraform, against moto.

moto's server runs with its authentication on, behind the counting proxy
(stsproxy.py), so a test can say how many AssumeRole and
GetCallerIdentity calls were made.  The stand-in (fake_terraform.py,
installed as `terraform` in a bin folder of the test's own, first on
PATH) resolves credentials as the AWS SDK does (botocore), calls
GetCallerIdentity through the proxy, prints the AWS provider's error
text when that fails, and logs every run (argv, the key id's last four
characters and a digest, the result) to a file: that is how runs are
counted.  The fixture HOME has:

  static      alice's keys (credentials file)
  badsecret   alice's key id with a wrong secret
  role        role deploy, source_profile static
  retry       role deploy, another session name (its cache is spoiled
              by hand to make the provider fail)
  mfarole     role mfatarget with mfa_serial (an MFA session first)

Scenarios: a stale AWS_ACCESS_KEY_ID shadowing the profile is cleared;
the first run on a cold cache refreshes first (one AssumeRole) and
exports the role's credentials; an MFA role without a terminal stops
with exit 3 before the command runs; `apply` answered on stdin; spoiled
cached credentials with --no-retry (advice, no rerun), with apply (a
failure before any change: refresh, one rerun), and an apply that fails
after "Creating..." (refresh, no rerun, "rerun it"); SIGINT to the
process group during `terraform sleep` (130, no retry, stderr seen live
before the end); SIGTERM passed on; moto's reset forgetting every
session (then re-seeded), so the cached role credentials are refused
with InvalidClientTokenId: one refresh, one rerun, success; a wrong
secret: SignatureDoesNotMatch, no retry, the tfauth-doctor line; a
command that does not exist: 127.

Every child runs in a session of its own (no controlling terminal: a
prompt cannot wait on the terminal; the session's process group is what
a terminal would signal) with a bounded wait, and its group is killed if
it overruns.  Everything listens on 127.0.0.1.  Nothing here prints a
secret: diagnostics have every known secret replaced by <secret>.
Speed is not measured here (tests/bench does that).
"""
import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ACCOUNT, TOP, Moto, MotoError, Tap, clean_env, write_env_file, write_tty_wrapper  # noqa: E402
from stsproxy import StsProxy  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
RUN = os.path.join(BIN, "tfauth-run")
FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_terraform.py")
SEED_CALLS = 7
RUN_TIMEOUT = 60
WAIT = 15
MFA_SERIAL = "arn:aws:iam::%s:mfa/alice" % ACCOUNT
MFA_SERIAL_TTY = "arn:aws:iam::%s:mfa/alice-tty" % ACCOUNT
TTY_PROMPT = "Enter MFA code for %s:" % MFA_SERIAL_TTY
STALE_KEY = "AKIASTALEEXAMPLEWZFK"
STALE_SECRET = "staleSecretExampleStaleSecretExample0123"

tap = Tap()
SECRETS = set([STALE_SECRET])
RUNS = []


def redact(text):
    text = str(text)
    for s in sorted(SECRETS, key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    return text


def check(desc, cond, diag=""):
    return tap.check(desc, cond, redact(diag) if not cond else "")


def sha16(s):
    return hashlib.sha256(s.encode()).hexdigest()[:16]


class Run:
    def __init__(self, argv, rc, out, err, elapsed):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.elapsed = elapsed

    def __str__(self):
        return "%s\nrc=%s elapsed=%.2fs\nstdout: %s\nstderr: %s" % (
            " ".join(os.path.basename(a) if i == 0 else a
                     for i, a in enumerate(self.argv)),
            self.rc, self.elapsed, self.out[-1500:], self.err[-2500:])


def _kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def start(argv, env):
    return subprocess.Popen(argv, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def finish(p, argv, t0, stdin=b"", timeout=RUN_TIMEOUT):
    try:
        out, err = p.communicate(input=stdin, timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        _kill_group(p)
        out, err = p.communicate(timeout=10)
        rc, err = -1, err + b"\n(killed: timeout)"
    r = Run(argv, rc, out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"), time.monotonic() - t0)
    RUNS.append(r)
    return r


def run(args, env, stdin=b"", argv0=RUN):
    argv = [argv0] + list(args)
    t0 = time.monotonic()
    try:
        p = start(argv, env)
    except OSError as e:
        r = Run(argv, -2, "", str(e), 0.0)
        RUNS.append(r)
        return r
    return finish(p, argv, t0, stdin)


def tfrun(*args, env, stdin=b""):
    return run(list(args), env, stdin)


# -- the world ------------------------------------------------------------

class World:
    pass


def seed(moto, w):
    """alice (allow-all) with a key, role deploy trusting her, and the MFA
    pair (mfa-session, mfatarget trusting the MFA session)."""
    iam = moto.client("iam")
    before = moto.requests_sent
    w.alice = moto.create_user(iam, "alice", allow_all=True)                # 2
    w.akid, w.secret = moto.create_key(iam, "alice")                         # 3
    w.deploy = moto.create_role(iam, "deploy", [w.alice])                    # 4
    w.mfa_session = moto.create_role(iam, "mfa-session", [w.alice],
                                     may_assume_roles=True)                  # 6
    w.target = moto.create_role(iam, "mfatarget", [
        "arn:aws:sts::%s:assumed-role/mfa-session/mfa" % ACCOUNT])           # 7
    SECRETS.add(w.secret)
    return moto.requests_sent - before


def write_credentials(home, w):
    path = os.path.join(home, ".aws", "credentials")
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("[static]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
                "[badsecret]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (w.akid, w.secret, w.akid, "wrong" + w.secret[5:]))
    os.rename(tmp, path)
    SECRETS.add("wrong" + w.secret[5:])


def write_home(root, w):
    home = os.path.join(root, "home")
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    role = lambda name, arn, sess, extra="": (  # noqa: E731
        "[profile %s]\nregion = us-east-1\nrole_arn = %s\nsource_profile = static\n"
        "role_session_name = %s\n%s\n" % (name, arn, sess, extra))
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[profile static]\nregion = us-east-1\n\n"
                "[profile badsecret]\nregion = us-east-1\n\n" +
                role("role", w.deploy, "tfa-run") +
                role("retry", w.deploy, "tfa-retry") +
                role("mfarole", w.target, "mfa1", "mfa_serial = %s\n" % MFA_SERIAL) +
                role("mfatty", w.target, "mfatty", "mfa_serial = %s\n" % MFA_SERIAL_TTY))
    write_credentials(home, w)
    return home


def cache_file(home, role_arn, session, serial=None):
    args = {"RoleArn": role_arn, "RoleSessionName": session}
    if serial:
        args["SerialNumber"] = serial
    key = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
    return os.path.join(home, ".aws", "cli", "cache", key + ".json")


def cached_akid(path):
    try:
        with open(path) as f:
            c = json.load(f)["Credentials"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for k in ("SecretAccessKey", "SessionToken"):
        if isinstance(c.get(k), str):
            SECRETS.add(c[k])
    return c.get("AccessKeyId")


def spoil_cache(path):
    """Credentials that look fresh but that moto does not know."""
    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3000))
    body = {"Credentials": {"AccessKeyId": "ASIASPOILEDEXAMPLE00",
                            "SecretAccessKey": "spoiledSecretExampleSpoiledSecret0123456",
                            "SessionToken": "spoiledTokenExample" * 4,
                            "Expiration": exp},
            "AssumedRoleUser": {"Arn": "arn:aws:sts::%s:assumed-role/deploy/x" % ACCOUNT,
                                "AssumedRoleId": "AROAEXAMPLE:x"},
            "ResponseMetadata": {}}
    SECRETS.add(body["Credentials"]["SecretAccessKey"])
    SECRETS.add(body["Credentials"]["SessionToken"])
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(body, f)
    os.rename(tmp, path)


class Ctx:
    def __init__(self, moto, proxy, w, root, home, bindir):
        self.moto, self.proxy, self.w, self.root = moto, proxy, w, root
        self.home, self.bindir = home, bindir
        self.log = os.path.join(root, "terraform.log")

    def env(self, **extra):
        # The Python running the tests first after the stand-in's folder:
        # the stand-in's "#!/usr/bin/env python3" finds botocore there.
        path = os.pathsep.join([self.bindir, os.path.dirname(sys.executable),
                                os.environ.get("PATH", "/usr/bin:/bin")])
        e = clean_env({
            "HOME": self.home,
            "PATH": path,
            "AWS_ENDPOINT_URL_STS": self.proxy.url,
            "AWS_ENDPOINT_URL_IAM": self.proxy.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TFAUTH_HTTP_TIMEOUT": "10",
            "TFAUTH_HTTP_RETRY_BASE_MS": "1",
            "FAKE_TF_LOG": self.log,
        })
        for k in ("TF_LOG", "TF_CLI_ARGS"):
            e.pop(k, None)
        e.update(extra)
        return e

    def mark(self):
        return len(self.entries())

    def entries(self, since=0):
        try:
            with open(self.log) as f:
                return [json.loads(line) for line in f][since:]
        except OSError:
            return []


def results(entries):
    return [e["result"] for e in entries]


def one_line(err, pattern):
    """The stderr lines matching pattern (a regex)."""
    return [l for l in err.splitlines() if re.search(pattern, l)]


# -- scenarios ------------------------------------------------------------

def usage(t):
    r = tfrun("--help", env=t.env())
    check("--help: exit 0, usage and the exit statuses on stdout",
          r.rc == 0 and "usage: tfauth-run" in r.out and "Exit status" in r.out, r)
    r = tfrun("--version", env=t.env())
    check("--version: exit 0", r.rc == 0 and "tfauth-run" in r.out, r)
    r = tfrun(env=t.env())
    check("no command: exit 2, says so", r.rc == 2 and "no command" in r.err, r)
    r = tfrun("--bogus", "--", "terraform", "plan", env=t.env())
    check("an unknown option: exit 2", r.rc == 2 and "--bogus" in r.err, r)
    r = tfrun("--profile", env=t.env())
    check("--profile without a value: exit 2", r.rc == 2, r)
    m = t.mark()
    r = tfrun("--profile", "nosuch", "--", "terraform", "plan", env=t.env())
    check("an unknown profile: exit 1, named, the command not run",
          r.rc == 1 and "nosuch" in r.err and "not run" in r.err and
          t.entries(m) == [], r)
    m = t.mark()
    r = tfrun("--", "terraform", "version", env=t.env(AWS_PROFILE="nosuch"))
    check("an unknown profile, terraform version (no credentials needed): run "
          "anyway, exit 0, the problem said",
          r.rc == 0 and "Terraform v" in r.out and "nosuch" in r.err and
          "anyway" in r.err and results(t.entries(m)) == ["ok"], r)


def stale_key(t):
    env = t.env(AWS_PROFILE="static", AWS_ACCESS_KEY_ID=STALE_KEY,
                AWS_SECRET_ACCESS_KEY=STALE_SECRET)
    m = t.mark()
    r = run(["plan"], env, argv0=os.path.join(t.bindir, "terraform"))
    check("control: terraform alone with a stale AWS_ACCESS_KEY_ID shadowing "
          "AWS_PROFILE fails with InvalidClientTokenId",
          r.rc == 1 and "InvalidClientTokenId" in r.err and
          "configuring Terraform AWS Provider" in r.err, r)
    m = t.mark()
    pm = t.proxy.mark()
    r = tfrun("--", "terraform", "plan", env=env)
    check("stale key: tfauth-run -- terraform plan exits 0 with the plan on stdout",
          r.rc == 0 and "Plan: 1 to add, 0 to change, 0 to destroy." in r.out, r)
    check("stale key: stderr says 'cleared AWS_ACCESS_KEY_ID (****WZFK) that "
          "shadowed profile 'static''",
          "tfauth-run: cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed profile "
          "'static'" in r.err and
          "cleared AWS_SECRET_ACCESS_KEY that shadowed profile 'static'" in r.err, r)
    e = t.entries(m)
    check("stale key: terraform ran once, with the profile's key (not the stale one)",
          results(e) == ["ok"] and e[0]["akid_sha"] == sha16(t.w.akid) and
          e[0]["profile"] == "static", e)
    check("stale key: static keys need no refresh: no AssumeRole, one "
          "GetCallerIdentity (terraform's)",
          t.proxy.actions(pm) == {"GetCallerIdentity": 1}, t.proxy.actions(pm))
    r = tfrun("--quiet", "--", "terraform", "plan", env=env)
    check("--quiet: exit 0, no note on stderr", r.rc == 0 and "cleared" not in r.err, r)
    env = t.env(AWS_ACCESS_KEY_ID=t.w.akid, AWS_SECRET_ACCESS_KEY=t.w.secret)
    m = t.mark()
    r = tfrun("--", "terraform", "plan", env=env)
    e = t.entries(m)
    check("no profile chosen, keys in the environment: they are used as they are",
          r.rc == 0 and "cleared" not in r.err and results(e) == ["ok"] and
          e[0]["akid_sha"] == sha16(t.w.akid) and e[0]["profile"] is None,
          "%s\n%s" % (r, e))


def cold_role(t):
    env = t.env(AWS_PROFILE="role")
    path = cache_file(t.home, t.w.deploy, "tfa-run")
    m, pm = t.mark(), t.proxy.mark()
    r = tfrun("--", "terraform", "plan", env=env)
    akid = cached_akid(path)
    e = t.entries(m)
    check("role, cold cache: exit 0, the plan on stdout",
          r.rc == 0 and "Plan: 1 to add" in r.out, r)
    check("role, cold cache: the preflight refresh made one AssumeRole of deploy "
          "before terraform ran",
          t.proxy.count("AssumeRole", pm) == 1 and
          [q.action for q in t.proxy.requests(pm)][:1] == ["AssumeRole"],
          t.proxy.requests(pm))
    check("role: terraform used the role's credentials, exported by tfauth-run "
          "(the cache entry's key id, ASIA...)",
          akid and akid.startswith("ASIA") and results(e) == ["ok"] and
          e[0]["akid_sha"] == sha16(akid), "%s\n%s" % (e, akid and akid[-4:]))
    pm = t.proxy.mark()
    r = tfrun("--", "terraform", "plan", env=env)
    check("role, warm cache: exit 0, no AssumeRole (the cache is used, no network "
          "but terraform's GetCallerIdentity)",
          r.rc == 0 and t.proxy.actions(pm) == {"GetCallerIdentity": 1},
          "%s\n%s" % (r, t.proxy.actions(pm)))


def apply_prompt(t):
    m = t.mark()
    r = tfrun("--", "terraform", "apply", env=t.env(AWS_PROFILE="role"),
              stdin=b"yes\n")
    check("apply: the prompt on stdout, 'yes' on stdin: Apply complete, exit 0",
          r.rc == 0 and "Enter a value:" in r.out and
          "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." in r.out and
          results(t.entries(m)) == ["ok"], r)
    m = t.mark()
    r = tfrun("--", "terraform", "apply", env=t.env(AWS_PROFILE="role"),
              stdin=b"no\n")
    check("apply answered 'no': exit 1, cancelled, not rerun",
          r.rc == 1 and "cancelled" in r.err and
          results(t.entries(m)) == ["cancelled"] and "again" not in r.err, r)


def mfa(t):
    w, proxy = t.w, t.proxy
    proxy.intercept_session_token(w.mfa_session, w.akid, w.secret, "mfa")
    r = run(["plan"], t.env(AWS_PROFILE="mfarole"),
            argv0=os.path.join(t.bindir, "terraform"))
    check("control: terraform alone cannot use a role with mfa_serial "
          "(go-v2: AssumeRoleTokenProvider session option not set)",
          r.rc == 1 and "AssumeRoleTokenProvider" in r.err, r)
    m, pm = t.mark(), proxy.mark()
    r = tfrun("--", "terraform", "plan", env=t.env(AWS_PROFILE="mfarole"))
    check("MFA role, no terminal, no code: exit 3, terraform not run, no request",
          r.rc == 3 and t.entries(m) == [] and "not run" in r.err and
          proxy.actions(pm) == {}, "%s\n%s" % (r, proxy.actions(pm)))
    m, pm = t.mark(), proxy.mark()
    r = tfrun("--", "terraform", "plan",
              env=t.env(AWS_PROFILE="mfarole", TFAUTH_MFA_CODE="123456"))
    akid = cached_akid(cache_file(t.home, w.target, "mfa1", MFA_SERIAL))
    e = t.entries(m)
    check("MFA role with TFAUTH_MFA_CODE: exit 0, one GetSessionToken, one "
          "AssumeRole, then terraform with the role's credentials",
          r.rc == 0 and "Plan: 1 to add" in r.out and
          proxy.count("GetSessionToken", pm) == 1 and
          proxy.count("AssumeRole", pm) == 1 and results(e) == ["ok"] and
          akid and e[0]["akid_sha"] == sha16(akid),
          "%s\n%s\n%s" % (r, proxy.actions(pm), e))
    proxy.intercept_session_token(None, None, None)


def spoiled(t):
    path = cache_file(t.home, t.w.deploy, "tfa-retry")
    env = t.env(AWS_PROFILE="retry")
    spoil_cache(path)
    m, pm = t.mark(), t.proxy.mark()
    r = tfrun("--no-retry", "--", "terraform", "plan", env=env)
    advice = one_line(r.err, r"^tfauth-run: InvalidClientTokenId: .*run "
                      r"'tfauth-refresh retry' and then 'terraform plan' again$")
    check("spoiled cache, --no-retry: exit 1, terraform ran once, no refresh",
          r.rc == 1 and results(t.entries(m)) == ["InvalidClientTokenId"] and
          t.proxy.count("AssumeRole", pm) == 0, "%s\n%s" % (r, t.proxy.actions(pm)))
    check("... the provider's error passed through, then one line of advice",
          "api error InvalidClientTokenId" in r.err and len(advice) == 1, r)

    m, pm = t.mark(), t.proxy.mark()
    r = tfrun("--", "terraform", "apply", env=env, stdin=b"yes\n")
    e = t.entries(m)
    check("spoiled cache, apply: the provider failed before any change: "
          "refreshed, rerun once, Apply complete, exit 0",
          r.rc == 0 and "Apply complete!" in r.out and
          results(e) == ["InvalidClientTokenId", "ok"],
          "%s\n%s" % (r, results(e)))
    akid = cached_akid(path)
    check("... one AssumeRole (tfauth-refresh --force); the rerun used the new "
          "credentials",
          t.proxy.count("AssumeRole", pm) == 1 and
          len(e) == 2 and akid and e[1]["akid_sha"] == sha16(akid) and
          e[0]["akid_tail"] == "LE00", "%s\n%s" % (t.proxy.actions(pm), e))
    check("... stderr says it logs in again and runs it again",
          "logging in again for profile 'retry'" in r.err and
          "running 'terraform apply' again" in r.err, r)

    # Fresh, valid credentials: terraform gets past the provider, asks, and
    # fails after a change started (as a second provider would, late).
    m, pm = t.mark(), t.proxy.mark()
    r = tfrun("--", "terraform", "apply", env=dict(env, FAKE_TF_FAIL_AFTER_CREATE="1"),
              stdin=b"yes\n")
    e = t.entries(m)
    msg = one_line(r.err, r"^tfauth-run: profile 'retry' has fresh credentials; "
                   r"'terraform apply' was not run again because it may have "
                   r"changed something already: rerun it$")
    check("apply failing after 'Creating...': exit 1, not rerun (one run)",
          r.rc == 1 and results(e) == ["failed-after-create"], "%s\n%s" % (r, e))
    check("... but refreshed (one AssumeRole), and stderr says to rerun it",
          t.proxy.count("AssumeRole", pm) == 1 and len(msg) == 1,
          "%s\n%s" % (r, t.proxy.actions(pm)))


def wait_for(p, text, deadline):
    """Read p's stderr until text shows; returns what was read."""
    buf = b""
    fd = p.stderr.fileno()
    os.set_blocking(fd, False)
    while time.monotonic() < deadline and text.encode() not in buf:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                break
            buf += chunk
    os.set_blocking(fd, True)
    return buf


def interrupt(t):
    env = t.env(AWS_PROFILE="role", FAKE_TF_SLEEP_AUTH_ERROR="1")
    argv = [RUN, "--", "terraform", "sleep", "30"]
    m, pm = t.mark(), t.proxy.mark()
    t0 = time.monotonic()
    p = start(argv, env)
    early = wait_for(p, "sleeping", t0 + WAIT)
    check("sleep: 'sleeping' reached tfauth-run's stderr while terraform still "
          "ran (stderr is copied live)",
          b"sleeping" in early and p.poll() is None, early.decode("utf-8", "replace"))
    try:
        os.killpg(p.pid, signal.SIGINT)   # what a terminal's Ctrl-C does
    except ProcessLookupError:
        pass
    r = finish(p, argv, t0, timeout=WAIT)
    r.err = early.decode("utf-8", "replace") + r.err
    e = t.entries(m)
    check("SIGINT to the process group: exit 130 within seconds",
          r.rc == 130 and r.elapsed < WAIT, r)
    check("... terraform got it (its log says interrupted), ran once, no retry "
          "though its stderr held an InvalidClientTokenId",
          results(e) == ["interrupted"] and "InvalidClientTokenId" in r.err and
          "again" not in r.err and t.proxy.count("AssumeRole", pm) == 0,
          "%s\n%s\n%s" % (r, e, t.proxy.actions(pm)))

    m = t.mark()
    t0 = time.monotonic()
    p = start(argv, env)
    early = wait_for(p, "sleeping", t0 + WAIT)
    try:
        os.kill(p.pid, signal.SIGTERM)    # tfauth-run alone
    except ProcessLookupError:
        pass
    r = finish(p, argv, t0, timeout=WAIT)
    e = t.entries(m)
    check("SIGTERM to tfauth-run alone: passed on to terraform (its log says "
          "interrupted), exit 143, no retry",
          b"sleeping" in early and r.rc == 128 + signal.SIGTERM and
          results(e) == ["interrupted"] and "again" not in r.err, "%s\n%s" % (r, e))


# -- in a real terminal (tmux) --------------------------------------------



class Tmux(harness.Tmux):
    """harness.Tmux, with the root folder that holds run.sh."""

    def __init__(self, root):
        super().__init__("tfauth-run")
        self.root = root
        write_tty_wrapper(os.path.join(root, "run.sh"))


class Pane:
    """One tfauth-run in a tmux session of its own, 100x50."""

    def __init__(self, tm, name, env, args):
        self.tm, self.name = tm, name
        self.dir = os.path.join(tm.root, "tty-" + name)
        os.makedirs(self.dir, mode=0o700)
        write_env_file(os.path.join(self.dir, "env"), env)
        self.rc = None
        self.ok, self.why = tm.start(name, 100, 50, "sh",
                                     os.path.join(tm.root, "run.sh"),
                                     self.dir, RUN, *args)

    def screen(self):
        return self.tm.screen(self.name, "-S", "-200")

    def wait(self, text):
        deadline = time.monotonic() + WAIT
        while text not in self.screen():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True

    def keys(self, *keys):
        self.tm.send(self.name, *keys)

    def finish(self):
        path = os.path.join(self.dir, "rc")
        deadline = time.monotonic() + WAIT
        while not os.path.exists(path):
            if time.monotonic() >= deadline:
                self.rc = "timeout"
                return self.rc
            time.sleep(0.1)
        with open(path) as f:
            self.rc = f.read().strip()
        try:
            with open(os.path.join(self.dir, "pid")) as f:
                self.tm.pids.append(int(f.read().strip()))
        except (OSError, ValueError):
            pass
        return self.rc

    def close(self):
        self.tm("kill-session", "-t", self.name)

    def __str__(self):
        return "rc=%s\nscreen:\n%s" % (self.rc, "\n".join(
            l for l in self.screen().splitlines() if l.strip()))


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


def terminal(t):
    if not shutil.which("tmux"):
        tap.skip("tfauth-run in a terminal", "tmux is not installed")
        return
    tm = Tmux(t.root)
    screens = []
    left = []
    try:
        # An MFA code typed at tfauth-refresh's prompt, during the preflight.
        t.proxy.intercept_session_token(t.w.mfa_session, t.w.akid, t.w.secret, "mfa")
        m, pm = t.mark(), t.proxy.mark()
        c = Pane(tm, "mfa", t.env(AWS_PROFILE="mfatty"), ["--", "terraform", "plan"])
        if check("terminal: tmux session started", c.ok, c.why):
            shown = c.wait(TTY_PROMPT)
            check("terminal: the preflight asks for the MFA code on the terminal",
                  shown and t.entries(m) == [], c)
            c.keys("123456", "Enter")
            c.finish()
            e = t.entries(m)
            check("terminal: code typed: exit 0, the plan on the screen, terraform "
                  "ran once with the role's credentials",
                  c.rc == "0" and "Plan: 1 to add" in c.screen() and
                  results(e) == ["ok"] and
                  t.proxy.count("GetSessionToken", pm) == 1 and
                  [q.params.get("TokenCode") for q in
                   t.proxy.requests(pm, "GetSessionToken")] == ["123456"], c)
            screens.append(c.screen())
            c.close()
        t.proxy.intercept_session_token(None, None, None)

        # apply's "Enter a value:" on the terminal, answered there.
        m = t.mark()
        c = Pane(tm, "apply", t.env(AWS_PROFILE="role"), ["--", "terraform", "apply"])
        if c.ok:
            check("terminal: apply shows 'Enter a value:'", c.wait("Enter a value:"), c)
            c.keys("yes", "Enter")
            c.finish()
            check("terminal: 'yes' typed: Apply complete, exit 0",
                  c.rc == "0" and "Apply complete! Resources: 1 added" in c.screen() and
                  results(t.entries(m)) == ["ok"], c)
            screens.append(c.screen())
            c.close()

        # Ctrl-C: the terminal signals the whole foreground group.
        m, pm = t.mark(), t.proxy.mark()
        c = Pane(tm, "ctrlc", t.env(AWS_PROFILE="role", FAKE_TF_SLEEP_AUTH_ERROR="1"),
                 ["--", "terraform", "sleep", "30"])
        if c.ok:
            check("terminal: 'sleeping' on the screen", c.wait("sleeping"), c)
            t0 = time.monotonic()
            c.keys("C-c")
            c.finish()
            check("terminal: Ctrl-C: exit 130 at once, terraform interrupted, no "
                  "retry",
                  c.rc == "130" and time.monotonic() - t0 < 5 and
                  results(t.entries(m)) == ["interrupted"] and
                  "again" not in c.screen() and
                  t.proxy.count("AssumeRole", pm) == 0, c)
            screens.append(c.screen())
            c.close()
    finally:
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
    check("terminal: every process started in tmux has ended (%d)" % len(tm.pids),
          tm.pids and not left, left)
    check("terminal: no secret on the screens",
          not any(s and s in text for s in SECRETS for text in screens))


def reset_world(t):
    """moto forgets every user, key, role and session; seed them again."""
    t.moto.reset()
    with t.moto.setup_calls(SEED_CALLS):
        n = seed(t.moto, t.w)
    write_credentials(t.home, t.w)
    return n


def after_reset(t):
    path = cache_file(t.home, t.w.deploy, "tfa-run")
    old = cached_akid(path)
    n = reset_world(t)
    check("moto reset and re-seeded (%d calls); alice has a new key" % n,
          n == SEED_CALLS, n)
    env = t.env(AWS_PROFILE="role")
    m, pm = t.mark(), t.proxy.mark()
    r = tfrun("--", "terraform", "plan", env=env)
    e = t.entries(m)
    new = cached_akid(path)
    check("invalidated role session: exit 0, the plan on stdout",
          r.rc == 0 and "Plan: 1 to add" in r.out, r)
    check("... terraform ran exactly twice: InvalidClientTokenId with the old "
          "cached key, then ok with a new one",
          results(e) == ["InvalidClientTokenId", "ok"] and old and new and
          old != new and e[0]["akid_sha"] == sha16(old) and
          e[1]["akid_sha"] == sha16(new), e)
    check("... the proxy saw one new AssumeRole, and two GetCallerIdentity",
          t.proxy.actions(pm) == {"AssumeRole": 1, "GetCallerIdentity": 2},
          t.proxy.actions(pm))
    check("... the provider's error passed through, then the re-login was said",
          "api error InvalidClientTokenId" in r.err and
          "logging in again for profile 'role'" in r.err and
          "running 'terraform plan' again" in r.err, r)


def wrong_secret(t):
    m, pm = t.mark(), t.proxy.mark()
    r = tfrun("--", "terraform", "plan", env=t.env(AWS_PROFILE="badsecret"))
    hint = one_line(r.err, r"^tfauth-run: SignatureDoesNotMatch: .*; run "
                    r"'tfauth-doctor badsecret' to see why$")
    check("wrong secret: exit 1, terraform ran once (SignatureDoesNotMatch), no "
          "refresh, no retry",
          r.rc == 1 and results(t.entries(m)) == ["SignatureDoesNotMatch"] and
          t.proxy.actions(pm) == {"GetCallerIdentity": 1} and "again" not in r.err,
          "%s\n%s" % (r, t.proxy.actions(pm)))
    check("... one line: the cause and 'run 'tfauth-doctor badsecret' to see why'",
          len(hint) == 1, r)


def not_found(t):
    r = tfrun("--", "terraform-that-does-not-exist", "plan", env=t.env())
    check("a command that does not exist: exit 127, 'command not found'",
          r.rc == 127 and "command not found" in r.err, r)


def main():
    if not os.access(RUN, os.X_OK):
        tap.check("%s is built (run 'make')" % RUN, False)
        return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("tfauth-run against moto", "moto or boto3 is not installed (%s)"
                 % version)
        return tap.done()
    t_start = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-run.")
    os.chmod(root, 0o700)
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
        check("moto and the proxy listen on loopback",
              moto.url.startswith("http://127.0.0.1:") and
              proxy.url.startswith("http://127.0.0.1:"), (moto.url, proxy.url))
        home = write_home(root, w)
        bindir = os.path.join(root, "bin")
        os.mkdir(bindir, 0o700)
        os.symlink(FAKE, os.path.join(bindir, "terraform"))
        t = Ctx(moto, proxy, w, root, home, bindir)

        usage(t)
        stale_key(t)
        cold_role(t)
        apply_prompt(t)
        mfa(t)
        spoiled(t)
        interrupt(t)
        terminal(t)
        after_reset(t)
        wrong_secret(t)
        not_found(t)

        leaks = [r for r in RUNS if any(s and (s in r.err or s in r.out)
                                        for s in SECRETS)]
        check("no secret on stdout or stderr in %d runs" % len(RUNS), not leaks,
              "\n".join(str(r.argv[:4]) for r in leaks))
        check("no error inside the proxy", proxy.errors == [], proxy.errors)
        if moto.proc.poll() is not None:
            check("moto stayed up", False, moto.log_tail())
        tap.note("run took %.1f s" % (time.monotonic() - t_start))
    finally:
        proxy.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
