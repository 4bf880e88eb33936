#!/usr/bin/env python3
"""mfa_terminal — a wrong MFA code: STS AccessDenied, asked again up to
three times on a terminal.

tfauth-refresh runs in a real terminal (tmux, a private server with -L and
no config, 80x24), against moto with its authentication on, through the
counting proxy (stsproxy.py).  The proxy intercepts GetSessionToken (a
session that really works against moto) and answers the rejected codes
with STS's 403 AccessDenied "MultiFactorAuthentication failed with invalid
MFA one time pass code." (stsproxy.reject_token_codes).  The fixture HOME
has a role profile with mfa_serial and source_profile (the seeded user's
keys).  Scenarios, each with a HOME of its own:

  retry      111111 and 222222 are refused, 333333 works: exit 0; three
             GetSessionToken with those codes in order, then one
             AssumeRole; the cached MFA session works afterwards
  3wrong     three refused codes: exit 1, a message naming the refusal,
             no cache entry
  ctrlc      Ctrl-C at the first prompt: exit 130, nothing cached
  ctrlc2     Ctrl-C at the prompt after a refused code: exit 130, nothing
             cached

The tool's environment goes in a 0600 file (DIR/env) that a wrapper
(run.sh) sources under `env -i`: the tmux command line holds paths and the
profile name only.  The wrapper records the tool's pid and exit status,
then keeps the pane open (exec sleep) so that the screen can be read.
Keys go in with send-keys, the screen comes back with capture-pane, every
wait is a poll with a deadline.  At the end the tmux server is killed and
every process the test started is checked gone (and killed by its pid if
not).  Everything listens on 127.0.0.1.  Nothing here prints a secret:
diagnostics have every known secret replaced by <secret>.
"""
import atexit
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ACCOUNT, TOP, Moto, MotoError, Tap, Tmux, clean_env, write_env_file, write_tty_wrapper  # noqa: E402
from stsproxy import StsProxy  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
SEED_CALLS = 6
WAIT = 15            # seconds any one screen or exit wait may take
RUN_TIMEOUT = 30     # seconds a tool run without a terminal may take
SERIAL = "arn:aws:iam::%s:mfa/alice" % ACCOUNT
PROMPT = "Enter MFA code for %s:" % SERIAL   # as capture-pane shows it
AGAIN = "not accepted"                       # "That code was not accepted; ..."

tap = Tap()
SECRETS = set()
PIDS = []            # pids of processes the test started in tmux


def redact(text):
    text = str(text)
    for s in sorted(SECRETS, key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    return text


def check(desc, cond, diag=""):
    return tap.check(desc, cond, redact(diag) if not cond else "")


# -- tmux ---------------------------------------------------------------



class Case:
    """One tfauth-refresh run in a tmux session of its own."""

    def __init__(self, tm, root, name, env, args):
        self.tm, self.name = tm, name
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, mode=0o700)
        write_env_file(os.path.join(self.dir, "env"), env)
        self.rc = self.out = self.err = None
        ok, text = tm.start(name, 80, 24,
                            "sh", os.path.join(root, "run.sh"), self.dir,
                            os.path.join(BIN, "tfauth-refresh"), *args)
        self.ok = ok
        self.why = text

    def screen(self):
        return self.tm.screen(self.name)

    def lines(self):
        return self.screen().splitlines()

    def count(self, text):
        return sum(1 for line in self.lines() if text in line)

    def wait(self, text, n=1):
        """Until the screen shows text on n lines (WAIT s at most)."""
        deadline = time.monotonic() + WAIT
        while True:
            if self.count(text) >= n:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def keys(self, *keys):
        self.tm.send(self.name, *keys)

    def finish(self):
        """Until the tool has ended (WAIT s at most); sets rc, out, err."""
        path = os.path.join(self.dir, "rc")
        deadline = time.monotonic() + WAIT
        while not os.path.exists(path):
            if time.monotonic() >= deadline:
                self.rc = "timeout"
                break
            time.sleep(0.1)
        else:
            with open(path) as f:
                self.rc = f.read().strip()
        for k in ("out", "err"):
            try:
                with open(os.path.join(self.dir, k), "rb") as f:
                    setattr(self, k, f.read().decode("utf-8", "replace"))
            except OSError:
                setattr(self, k, "")
        return self.rc

    def tool_pid(self):
        try:
            with open(os.path.join(self.dir, "pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        if pid not in PIDS:
            PIDS.append(pid)
        return pid

    def close(self):
        self.tm("kill-session", "-t", self.name)

    def __str__(self):
        return "rc=%s\nstdout: %s\nstderr: %s\nscreen:\n%s" % (
            self.rc, (self.out or "")[:800], (self.err or "")[:1500],
            "\n".join(l for l in self.lines() if l.strip()))


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is gone for our purpose.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


# -- moto, proxy, fixture -----------------------------------------------

class World:
    pass


def seed(moto, w):
    iam = moto.client("iam")
    before = moto.requests_sent
    w.alice = moto.create_user(iam, "alice", allow_all=True)               # 2
    w.akid, w.secret = moto.create_key(iam, "alice")                        # 3
    w.mfa_session = moto.create_role(iam, "mfa-session", [w.alice],
                                     may_assume_roles=True)                 # 5
    w.target = moto.create_role(iam, "mfatarget", [
        "arn:aws:sts::%s:assumed-role/mfa-session/mfa" % ACCOUNT])          # 6
    SECRETS.add(w.secret)
    return moto.requests_sent - before


def write_home(root, name, w):
    home = os.path.join(root, name)
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[profile src]\nregion = us-east-1\n\n"
                "[profile mfarole]\nregion = us-east-1\nrole_arn = %s\n"
                "source_profile = src\nrole_session_name = mfa1\n"
                "mfa_serial = %s\n" % (w.target, SERIAL))
    fd = os.open(os.path.join(home, ".aws", "credentials"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("[src]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (w.akid, w.secret))
    return home


def tool_env(home, proxy):
    e = clean_env({
        "HOME": home,
        "AWS_ENDPOINT_URL_STS": proxy.url,
        "AWS_ENDPOINT_URL_IAM": proxy.url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "TFAUTH_HTTP_TIMEOUT": "10",
        "TFAUTH_HTTP_RETRY_BASE_MS": "1",
        "INPUTRC": "/dev/null",
    })
    for k in ("TERM", "TMUX", "TMUX_PANE"):
        e.pop(k, None)
    return e


def cache_dir(home):
    return os.path.join(home, ".aws", "cli", "cache")


def role_cache(home, w):
    """The AWS CLI's key for mfarole's AssumeRole entry."""
    args = {"RoleArn": w.target, "RoleSessionName": "mfa1",
            "SerialNumber": SERIAL}
    key = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
    return os.path.join(cache_dir(home), key + ".json")


def mfa_cache(home, w):
    """tfauth's key for the MFA session of (source key, device)."""
    key = json.dumps({"AccessKeyId": w.akid, "SerialNumber": SERIAL,
                      "tfauth": "GetSessionToken"})
    return os.path.join(cache_dir(home),
                        hashlib.sha1(key.encode()).hexdigest() + ".json")


def entries(home):
    """The *.json files in the cache folder (lock files aside)."""
    try:
        return sorted(n for n in os.listdir(cache_dir(home))
                      if n.endswith(".json"))
    except FileNotFoundError:
        return []


def read_creds(path):
    """The Credentials of a cache entry (secrets noted), or None."""
    try:
        with open(path) as f:
            c = json.load(f).get("Credentials")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(c, dict):
        return None
    for k in ("SecretAccessKey", "SessionToken"):
        if isinstance(c.get(k), str):
            SECRETS.add(c[k])
    return c


def identity(moto, c):
    """The ARN moto gives these credentials (straight on moto)."""
    if not c:
        return "error: no credentials"
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        sts = moto.client("sts", c.get("AccessKeyId"), c.get("SecretAccessKey"),
                          c.get("SessionToken") or None)
        return sts.get_caller_identity()["Arn"]
    except ClientError as e:
        return "error: %s" % e.response.get("Error", {}).get("Code")
    except BotoCoreError as e:
        return "error: %s" % type(e).__name__


def run_plain(args, env):
    """tfauth-refresh without a terminal (a session of its own)."""
    argv = [os.path.join(BIN, "tfauth-refresh")] + list(args)
    try:
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    except OSError as e:
        return -2, "", str(e)
    try:
        out, err = p.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate(timeout=10)
        return -1, out.decode("utf-8", "replace"), err.decode(
            "utf-8", "replace") + "\n(killed: timeout)"
    return p.returncode, out.decode("utf-8", "replace"), err.decode(
        "utf-8", "replace")


def gst_codes(proxy, m):
    return [(q.params.get("TokenCode"), q.status)
            for q in proxy.requests(m, "GetSessionToken")]


def order(lines, *texts):
    """True when lines hold texts in this order, each on a later line."""
    i = 0
    for t in texts:
        while i < len(lines) and t not in lines[i]:
            i += 1
        if i == len(lines):
            return False
        i += 1
    return True


# -- scenarios ----------------------------------------------------------

CASES = []


def retry(t):
    w, proxy, moto = t.w, t.proxy, t.moto
    home = write_home(t.root, "home-retry", w)
    env = tool_env(home, proxy)
    proxy.reject_token_codes(["111111", "222222"])
    m = proxy.mark()
    c = Case(t.tm, t.root, "retry", env, ["mfarole"])
    CASES.append(c)
    if not check("retry: tmux session started", c.ok, c.why):
        return
    check("retry: the prompt shows on the terminal", c.wait(PROMPT), c)
    c.keys("111111", "Enter")
    got = c.wait(AGAIN) and c.wait(PROMPT, 2)
    check("retry: 111111 refused: the screen says the code was not accepted, "
          "then asks again", got and order(c.lines(), PROMPT + " 111111", AGAIN,
                                           PROMPT), c)
    check("... by then one GetSessionToken with 111111, answered 403",
          gst_codes(proxy, m) == [("111111", 403)], proxy.requests(m))
    c.keys("222222", "Enter")
    got = c.wait(AGAIN, 2) and c.wait(PROMPT, 3)
    check("retry: 222222 refused: not accepted again, a third prompt",
          got and order(c.lines(), PROMPT + " 111111", AGAIN, PROMPT + " 222222",
                        AGAIN, PROMPT), c)
    c.keys("333333", "Enter")
    c.finish()
    c.tool_pid()
    check("retry: 333333 accepted: exit 0", c.rc == "0", c)
    reqs = proxy.requests(m)
    gst = proxy.requests(m, "GetSessionToken")
    check("... exactly 3 GetSessionToken with 111111, 222222, 333333 in order, "
          "the device's serial, signed by the source key",
          [q.params.get("TokenCode") for q in gst] ==
          ["111111", "222222", "333333"] and
          all(q.params.get("SerialNumber") == SERIAL and q.akid == w.akid
              for q in gst), gst)
    check("... answered 403, 403, then the intercepted session",
          [(q.status, q.rejected, q.intercepted) for q in gst] ==
          [(403, True, False), (403, True, False), (200, False, True)], gst)
    check("... then one AssumeRole of mfatarget with the MFA session's key; "
          "no other request",
          [q.action for q in reqs] == ["GetSessionToken"] * 3 + ["AssumeRole"] and
          reqs[3].params.get("RoleArn") == w.target and
          reqs[3].akid not in (None, w.akid) and reqs[3].status == 200, reqs)
    check("... the tool says the role was refreshed, with the session's ARN",
          "refreshed" in (c.err or "") and
          "assumed-role/mfatarget/mfa1" in (c.err or ""), c)
    check("... the prompts and messages went to the terminal only (stdout "
          "empty, none on stderr)",
          c.out == "" and "Enter MFA" not in c.err and AGAIN not in c.err, c)
    check("... the prompt was shown exactly 3 times, 'not accepted' twice",
          c.count(PROMPT) == 3 and c.count(AGAIN) == 2, c)
    c.close()

    mpath, rpath = mfa_cache(home, w), role_cache(home, w)
    modes = []
    for p in (mpath, rpath):
        try:
            st = os.lstat(p)
            modes.append(stat.S_ISREG(st.st_mode) and
                         stat.S_IMODE(st.st_mode) == 0o600)
        except OSError:
            modes.append(False)
    check("cache: the MFA session's entry and the role's entry, both 0600",
          modes == [True, True], "%s\nfolder: %s" % (modes, entries(home)))
    mc, rc_ = read_creds(mpath), read_creds(rpath)
    arn = identity(moto, mc)
    check("cache: the MFA session works against moto: %s" % arn,
          arn == proxy.session_arn(), arn)
    arn = identity(moto, rc_)
    check("cache: the role's credentials work: %s" % arn,
          arn == "arn:aws:sts::%s:assumed-role/mfatarget/mfa1" % ACCOUNT, arn)

    m = proxy.mark()
    rc, out, err = run_plain(["mfarole", "--non-interactive"], env)
    check("second run, --non-interactive: exit 0, no GetSessionToken, no "
          "request at all",
          rc == 0 and proxy.count("GetSessionToken", m) == 0 and
          proxy.actions(m) == {},
          "rc=%s\n%s\n%s" % (rc, err, proxy.requests(m)))
    try:
        os.unlink(rpath)
    except OSError:
        pass
    m = proxy.mark()
    rc, out, err = run_plain(["mfarole", "--non-interactive"], env)
    reqs = proxy.requests(m)
    check("the role's entry removed, --non-interactive: exit 0, no "
          "GetSessionToken; one AssumeRole signed with the cached MFA session's "
          "key",
          rc == 0 and [q.action for q in reqs] == ["AssumeRole"] and
          mc is not None and reqs[0].akid == mc.get("AccessKeyId") and
          reqs[0].status == 200,
          "rc=%s\n%s\n%s" % (rc, err, reqs))
    arn = identity(moto, read_creds(rpath))
    check("... its new role entry works: %s" % arn,
          arn == "arn:aws:sts::%s:assumed-role/mfatarget/mfa1" % ACCOUNT, arn)
    t.leaks.append(("retry", c.out + c.err + out + err))


def three_wrong(t):
    w, proxy = t.w, t.proxy
    home = write_home(t.root, "home-3wrong", w)
    proxy.reject_token_codes(["111111", "222222", "444444"])
    m = proxy.mark()
    c = Case(t.tm, t.root, "3wrong", tool_env(home, proxy), ["mfarole"])
    CASES.append(c)
    if not check("3wrong: tmux session started", c.ok, c.why):
        return
    c.wait(PROMPT)
    c.keys("111111", "Enter")
    ok1 = c.wait(AGAIN) and c.wait(PROMPT, 2)
    c.keys("222222", "Enter")
    ok2 = c.wait(AGAIN, 2) and c.wait(PROMPT, 3)
    check("3wrong: asked again after each of the first two refusals",
          ok1 and ok2, c)
    c.keys("444444", "Enter")
    c.finish()
    c.tool_pid()
    check("3wrong: the third refusal: exit 1", c.rc == "1", c)
    err = c.err or ""
    check("3wrong: a clear message on stderr: GetSessionToken, AccessDenied, "
          "the MFA code failed",
          "GetSessionToken" in err and "AccessDenied" in err and
          "MultiFactorAuthentication" in err, c)
    check("3wrong: ... and a hint that the code was wrong, naming the profile",
          "hint:" in err and "wrong" in err and "mfarole" in err, c)
    time.sleep(0.3)
    check("3wrong: no fourth prompt (3 prompts, 'not accepted' twice)",
          c.count(PROMPT) == 3 and c.count(AGAIN) == 2, c)
    check("3wrong: exactly 3 GetSessionToken (111111, 222222, 444444, all "
          "403), no AssumeRole",
          gst_codes(proxy, m) == [("111111", 403), ("222222", 403),
                                  ("444444", 403)] and
          proxy.actions(m) == {"GetSessionToken": 3}, proxy.requests(m))
    check("3wrong: no cache entry for the MFA session, none for the role",
          not os.path.exists(mfa_cache(home, w)) and
          not os.path.exists(role_cache(home, w)) and entries(home) == [],
          entries(home))
    t.leaks.append(("3wrong", c.out + c.err))
    c.close()


def ctrl_c(t, name, refused_first):
    w, proxy = t.w, t.proxy
    home = write_home(t.root, "home-" + name, w)
    proxy.reject_token_codes(["111111", "222222"])
    m = proxy.mark()
    c = Case(t.tm, t.root, name, tool_env(home, proxy), ["mfarole"])
    CASES.append(c)
    if not check("%s: tmux session started" % name, c.ok, c.why):
        return
    where = "the first prompt"
    c.wait(PROMPT)
    if refused_first:
        where = "the prompt after a refused code"
        c.keys("111111", "Enter")
        check("%s: 111111 refused, asked again" % name,
              c.wait(AGAIN) and c.wait(PROMPT, 2), c)
    c.keys("12")
    c.wait(PROMPT + " 12")
    c.keys("C-c")
    c.finish()
    c.tool_pid()
    check("%s: Ctrl-C at %s: exit 130" % (name, where), c.rc == "130", c)
    check("%s: ... says \"interrupted\"" % name, "interrupted" in (c.err or ""), c)
    want = [("111111", 403)] if refused_first else []
    check("%s: ... GetSessionToken calls: %s, no AssumeRole" % (
        name, [x[0] for x in want] or "none"),
        gst_codes(proxy, m) == want and proxy.count("AssumeRole", m) == 0,
        proxy.requests(m))
    check("%s: ... nothing cached" % name,
          entries(home) == [] and not os.path.exists(mfa_cache(home, w)),
          entries(home))
    t.leaks.append((name, c.out + c.err))
    c.close()


def main():
    exe = os.path.join(BIN, "tfauth-refresh")
    if not os.access(exe, os.X_OK):
        tap.check("%s is built (run 'make')" % exe, False)
        return tap.done()
    if not shutil.which("tmux"):
        tap.check("tmux is installed (tests/deps.sh installs it)", False)
        return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("MFA retries on a terminal",
                 "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    tap.note("tool: %s" % exe)
    t0 = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-mfa-term.")
    os.chmod(root, 0o700)
    tm = Tmux("tfauth-mfa", PIDS)
    atexit.register(tm.kill)
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
        proxy.intercept_session_token(w.mfa_session, w.akid, w.secret, "mfa")
        write_tty_wrapper(os.path.join(root, "run.sh"), capture=True)
        t = World()
        t.w, t.moto, t.proxy, t.tm, t.root = w, moto, proxy, tm, root
        t.leaks = []

        retry(t)
        three_wrong(t)
        ctrl_c(t, "ctrlc", False)
        ctrl_c(t, "ctrlc2", True)

        screens = "".join(c.screen() for c in CASES)
        leaks = [name for name, text in t.leaks if any(s in text for s in SECRETS)]
        if any(s in screens for s in SECRETS):
            leaks.append("a screen")
        check("no secret on stdout, stderr or the screens", not leaks, leaks)
        check("no error inside the proxy", proxy.errors == [], proxy.errors)
    finally:
        tm.kill()
        # The wrappers and tools: gone with the server, or killed by pid.
        deadline = time.monotonic() + 5
        while any(alive(p) for p in PIDS) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in PIDS if alive(p)]
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        proxy.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    check("every process started in tmux has ended (%d)" % len(PIDS),
          PIDS and not left, left)
    tap.note("mfa_terminal took %.1f s" % (time.monotonic() - t0))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
