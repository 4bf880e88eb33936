#!/usr/bin/env python3
"""set_keys — `tfauth-profile set-keys` against moto's server with its
authentication on, through the counting proxy (stsproxy.py).

The seeded user alice has two keys: the old one sits in the fixture's
credentials file (profile dev, with a stale session token), the new one is
what the user types.  Scenarios, each on a fresh copy of the fixture HOME:

  stdin        --stdin with the new key: one GetCallerIdentity, signed by
               the new key, through tfauth-keycheck; dev's lines replaced,
               the token removed, every other byte the same; .bak is the
               old file; both 0600; botocore reads the new keys and they
               work against moto
  new-profile  a profile the file lacks: a section at the end
  wrong        the right key id with a wrong secret: SignatureDoesNotMatch,
               exit 1, nothing written (file and .bak as they were)
  unknown      an unknown key id: InvalidClientTokenId, nothing written
  no-verify    --no-verify: written, and no request at all
  refused      a symlinked, a group-writable credentials file; an ASIA
               key; a secret with a blank; --stdin lines missing: refused,
               nothing written, no request
  no-tty       no terminal and no --stdin: exit 3
  tty          in tmux: the key id typed and shown, the secret typed and
               never on the screen; written and verified
  tty-ctrlc    Ctrl-C at the secret prompt: exit 130, nothing written

Nothing here prints a secret: diagnostics have every secret replaced by
<secret>, and a last check looks for them in every output and screen.
"""
import atexit
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ACCOUNT, TOP, Moto, MotoError, Tap, Tmux, clean_env, free_port, share_group, write_env_file, write_tty_wrapper  # noqa: E402
from stsproxy import StsProxy  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
PROFILE_BIN = os.path.join(BIN, "tfauth-profile")
SEED_CALLS = 4
WAIT = 15
RUN_TIMEOUT = 30

tap = Tap()
SECRETS = set()
OUTPUTS = []


def redact(text):
    text = str(text)
    for s in sorted(SECRETS, key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    return text


def check(desc, cond, diag=""):
    return tap.check(desc, cond, redact(diag) if not cond else "")


class R:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err
        OUTPUTS.append(out + err)

    def __str__(self):
        return "rc=%s\nstdout: %s\nstderr: %s" % (self.rc, self.out[:800],
                                                  self.err[:2000])


def run(args, env, stdin_text=None):
    """tfauth-profile ARGS in a session of its own (no terminal)."""
    try:
        p = subprocess.run([PROFILE_BIN] + list(args), env=env,
                           input=(stdin_text or "").encode(),
                           capture_output=True, timeout=RUN_TIMEOUT,
                           start_new_session=True)
        return R(p.returncode, p.stdout.decode("utf-8", "replace"),
                 p.stderr.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired as e:
        return R(-1, "", "timeout: %s" % e)


# -- fixture -------------------------------------------------------------

CONFIG = """[profile dev]
region = us-east-1

[profile other]
region = eu-west-1
"""

HEAD = """# team credentials -- keep the comments
[other]
aws_access_key_id = AKIAOTHEROTHEROTHER1
aws_secret_access_key = 0therS3cret0therS3cret0therS3cret0therS3

"""
DEV = """[dev]
; rotated yearly
aws_access_key_id = {akid}
aws_secret_access_key = {secret}
aws_session_token = FwoGZXIvYXdzEOLDTOKEN
region = us-east-1
"""
TAIL = """
# the end
[zzz]
output = json
"""


class Home:
    def __init__(self, root, name, w):
        self.dir = os.path.join(root, "home-" + name)
        self.aws = os.path.join(self.dir, ".aws")
        os.makedirs(self.aws, mode=0o700)
        self.config = os.path.join(self.aws, "config")
        self.creds = os.path.join(self.aws, "credentials")
        self.bak = self.creds + ".bak"
        with open(self.config, "w") as f:
            f.write(CONFIG)
        self.old = (HEAD + DEV.format(akid=w.old_akid, secret=w.old_secret) +
                    TAIL).encode()
        fd = os.open(self.creds, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.old)

    def read(self, path=None):
        try:
            with open(path or self.creds, "rb") as f:
                return f.read()
        except OSError:
            return None

    def mode(self, path):
        try:
            return stat.S_IMODE(os.lstat(path).st_mode)
        except OSError:
            return None

    def unchanged(self):
        return self.read() == self.old and not os.path.exists(self.bak)

    def env(self, sts_url, **extra):
        e = clean_env({
            "HOME": self.dir,
            "AWS_ENDPOINT_URL_STS": sts_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TFAUTH_HTTP_TIMEOUT": "10",
            "TFAUTH_HTTP_RETRY_BASE_MS": "1",
            "INPUTRC": "/dev/null",
        })
        for k in ("TERM", "TMUX", "TMUX_PANE"):
            e.pop(k, None)
        e.update(extra)
        return e


def botocore_identity(moto, home, profile):
    """Read the credentials file with botocore (the AWS CLI's reader) and
    call GetCallerIdentity on moto with what it found."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError
    saved = {k: os.environ.get(k) for k in
             ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")}
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = home.creds
    os.environ["AWS_CONFIG_FILE"] = home.config
    akid = None
    try:
        s = boto3.session.Session(profile_name=profile, region_name="us-east-1")
        akid = s.get_credentials().access_key
        c = s.client("sts", endpoint_url=moto.url)
        return akid, c.get_caller_identity()["Arn"]
    except ClientError as e:
        return akid, "error: %s" % e.response.get("Error", {}).get("Code")
    except BotoCoreError as e:
        return akid, "error: %s" % type(e).__name__
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- scenarios ------------------------------------------------------------

def gci(proxy, m):
    return [(q.akid, q.status) for q in proxy.requests(m, "GetCallerIdentity")]


def scenario_stdin(t):
    w, proxy = t.w, t.proxy
    h = Home(t.root, "stdin", w)
    m = proxy.mark()
    r = run(["set-keys", "dev", "--stdin"], h.env(proxy.url),
            "%s\n%s\n" % (w.new_akid, w.new_secret))
    check("stdin: exit 0", r.rc == 0, r)
    check("stdin: exactly one GetCallerIdentity, signed by the new key, 200",
          gci(proxy, m) == [(w.new_akid, 200)] and proxy.actions(m) ==
          {"GetCallerIdentity": 1}, proxy.requests(m))
    check("stdin: stderr says the keys work, with alice's ARN",
          "the keys work" in r.err and w.alice in r.err, r)
    check("stdin: stderr says the session token was removed and why",
          "session token" in r.err and "old" in r.err, r)
    check("stdin: nothing on stdout", r.out == "", r)
    want = (HEAD + DEV.format(akid=w.new_akid, secret=w.new_secret).replace(
        "aws_session_token = FwoGZXIvYXdzEOLDTOKEN\n", "") + TAIL).encode()
    got = h.read()
    check("stdin: dev's two lines replaced, its token gone, every other byte "
          "as it was", got == want, "got:\n%s\nwant:\n%s" % (
              got.decode() if got else None, want.decode()))
    check("stdin: .bak is the old file, byte for byte", h.read(h.bak) == h.old)
    check("stdin: the file and the .bak are 0600",
          h.mode(h.creds) == 0o600 and h.mode(h.bak) == 0o600,
          (oct(h.mode(h.creds) or 0), oct(h.mode(h.bak) or 0)))
    check("stdin: no temp file left in ~/.aws",
          sorted(os.listdir(h.aws)) == ["config", "credentials",
                                        "credentials.bak"], os.listdir(h.aws))
    akid, arn = botocore_identity(t.moto, h, "dev")
    check("stdin: botocore reads the new key from the file and it works: %s"
          % arn, akid == w.new_akid and arn == w.alice, (akid, arn))
    akid, arn = botocore_identity(t.moto, h, "other")
    check("stdin: botocore still reads profile other", akid ==
          "AKIAOTHEROTHEROTHER1", akid)


def scenario_new_profile(t):
    w, proxy = t.w, t.proxy
    h = Home(t.root, "newprof", w)
    r = run(["set-keys", "fresh", "--stdin"], h.env(proxy.url),
            "%s\r\n%s\r\n" % (w.new_akid, w.new_secret))
    check("new profile (CRLF on stdin): exit 0", r.rc == 0, r)
    want = h.old + ("\n[fresh]\naws_access_key_id = %s\naws_secret_access_key"
                    " = %s\n" % (w.new_akid, w.new_secret)).encode()
    check("new profile: a [fresh] section at the end, nothing else changed",
          h.read() == want, redact(h.read()))
    check("new profile: stderr says the section was added",
          "added at the end" in r.err, r)
    akid, arn = botocore_identity(t.moto, h, "fresh")
    check("new profile: botocore reads it: %s" % arn, arn == w.alice,
          (akid, arn))


def scenario_refused_by_sts(t, name, akid, secret, code):
    w, proxy = t.w, t.proxy
    h = Home(t.root, name, w)
    m = proxy.mark()
    r = run(["set-keys", "dev", "--stdin"], h.env(proxy.url),
            "%s\n%s\n" % (akid, secret))
    check("%s: exit 1" % name, r.rc == 1, r)
    check("%s: the STS error %s on stderr" % (name, code), code in r.err, r)
    check("%s: one GetCallerIdentity, refused (403)" % name,
          gci(proxy, m) == [(akid, 403)], proxy.requests(m))
    check("%s: says nothing was written" % name,
          "nothing written" in r.err, r)
    check("%s: the file is untouched and there is no .bak" % name,
          h.unchanged(), os.listdir(h.aws))
    check("%s: the error comes under tfauth-profile's name" % name,
          "tfauth-keycheck:" not in r.err and "tfauth-profile:" in r.err, r)
    return r


def scenario_no_verify(t):
    w, proxy = t.w, t.proxy
    h = Home(t.root, "noverify", w)
    m = proxy.mark()
    dead = "http://127.0.0.1:%d" % free_port()
    r = run(["set-keys", "dev", "--stdin", "--no-verify"], h.env(dead),
            "%s\n%s\n" % (w.new_akid, w.new_secret))
    check("no-verify: exit 0 with STS unreachable", r.rc == 0, r)
    check("no-verify: no request at all", proxy.actions(m) == {},
          proxy.requests(m))
    check("no-verify: written, the .bak kept",
          w.new_secret.encode() in (h.read() or b"") and
          h.read(h.bak) == h.old)
    check("no-verify: stderr says the keys were not checked",
          "not checked" in r.err, r)
    # Without --no-verify the same unreachable STS stops it.
    h2 = Home(t.root, "unreachable", w)
    r = run(["set-keys", "dev", "--stdin"], h2.env(dead),
            "%s\n%s\n" % (w.new_akid, w.new_secret))
    check("unreachable STS without --no-verify: exit 1, nothing written, the "
          "hint names --no-verify",
          r.rc == 1 and h2.unchanged() and "--no-verify" in r.err, r)


def scenario_refused(t):
    w, proxy = t.w, t.proxy
    m = proxy.mark()
    keys = "%s\n%s\n" % (w.new_akid, w.new_secret)

    h = Home(t.root, "symlink", w)
    real = os.path.join(h.dir, "real-credentials")
    os.rename(h.creds, real)
    os.symlink(real, h.creds)
    r = run(["set-keys", "dev", "--stdin"], h.env(proxy.url), keys)
    check("symlink: refused, exit 1, 'symbolic link'",
          r.rc == 1 and "symbolic link" in r.err, r)
    check("symlink: the link and its target are untouched",
          os.path.islink(h.creds) and open(real, "rb").read() == h.old and
          not os.path.exists(h.bak))

    h = Home(t.root, "groupw", w)
    os.chmod(h.creds, 0o620)
    shared = share_group(h.creds)
    r = run(["set-keys", "dev", "--stdin"], h.env(proxy.url), keys)
    check("group-writable (a group not the user's own): refused with a chmod hint",
          shared and r.rc == 1 and "other users can write" in r.err and "chmod 600" in r.err, r)
    check("group-writable: untouched", h.read() == h.old and
          not os.path.exists(h.bak))

    h = Home(t.root, "asia", w)
    r = run(["set-keys", "dev", "--stdin"], h.env(proxy.url),
            "ASIA%s\n%s\n" % (w.new_akid[4:], w.new_secret))
    check("ASIA key: refused (a temporary key needs its token)",
          r.rc == 1 and "temporary key" in r.err and h.unchanged(), r)

    r = run(["set-keys", "dev", "--stdin"], h.env(proxy.url),
            "%s\n%s \n" % (w.new_akid, w.new_secret[:39]))
    check("a secret with a blank: refused, the secret not shown",
          r.rc == 1 and "a blank" in r.err and h.unchanged(), r)

    r = run(["set-keys", "dev", "--stdin"], h.env(proxy.url), w.new_akid + "\n")
    check("one line on stdin: refused", r.rc == 1 and "not two lines" in r.err
          and h.unchanged(), r)

    r = run(["set-keys", "dev]x", "--stdin"], h.env(proxy.url), keys)
    check("a name that cannot be a section: usage error (2)",
          r.rc == 2 and h.unchanged(), r)
    r = run(["set-keys", "--stdin"], h.env(proxy.url), keys)
    check("no profile named: usage error (2)", r.rc == 2, r)
    check("refusals: no request reached STS", proxy.actions(m) == {},
          proxy.requests(m))


def scenario_no_tty(t):
    w, proxy = t.w, t.proxy
    h = Home(t.root, "notty", w)
    r = run(["set-keys", "dev"], h.env(proxy.url))
    check("no terminal, no --stdin: exit 3, a hint naming --stdin",
          r.rc == 3 and "--stdin" in r.err and h.unchanged(), r)


# -- the terminal ------------------------------------------------------------



class Case:
    def __init__(self, tm, root, name, env, args):
        self.tm, self.name = tm, name
        self.dir = os.path.join(root, "tty-" + name)
        os.makedirs(self.dir, mode=0o700)
        write_env_file(os.path.join(self.dir, "env"), env)
        self.rc = self.out = self.err = None
        self.ok, self.why = tm.start(name, 100, 24,
                                     "sh", os.path.join(root, "run.sh"),
                                     self.dir, PROFILE_BIN, *args)

    def screen(self):
        return self.tm.screen(self.name)

    def wait(self, text):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if text in self.screen():
                return True
            time.sleep(0.1)
        return False

    def keys(self, *keys):
        self.tm.send(self.name, *keys)

    def finish(self):
        path = os.path.join(self.dir, "rc")
        deadline = time.monotonic() + WAIT
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            with open(path) as f:
                self.rc = f.read().strip()
        except OSError:
            self.rc = "timeout"
        for k in ("out", "err"):
            try:
                with open(os.path.join(self.dir, k), "rb") as f:
                    setattr(self, k, f.read().decode("utf-8", "replace"))
            except OSError:
                setattr(self, k, "")
        OUTPUTS.append(self.out + self.err + self.screen())
        return self.rc

    def close(self):
        self.tm("kill-session", "-t", self.name)

    def __str__(self):
        return "rc=%s\nstdout: %s\nstderr: %s\nscreen:\n%s" % (
            self.rc, (self.out or "")[:800], (self.err or "")[:1500],
            "\n".join(l for l in self.screen().splitlines() if l.strip()))


ID_PROMPT = "AWS Access Key ID:"
SECRET_PROMPT = "AWS Secret Access Key (not shown):"


def scenario_tty(t):
    w, proxy = t.w, t.proxy
    h = Home(t.root, "tty", w)
    m = proxy.mark()
    c = Case(t.tm, t.root, "typed", h.env(proxy.url), ["set-keys", "dev"])
    if not check("tty: tmux session started", c.ok, c.why):
        return
    check("tty: the key id prompt shows on the terminal", c.wait(ID_PROMPT), c)
    check("tty: it names the profile and the file",
          c.wait("New keys for profile 'dev' (in ~/.aws/credentials)"), c)
    c.keys(w.new_akid, "Enter")
    check("tty: the typed key id shows", c.wait(ID_PROMPT + " " + w.new_akid), c)
    check("tty: the secret prompt shows", c.wait(SECRET_PROMPT), c)
    c.keys(w.new_secret)
    time.sleep(0.4)
    check("tty: the secret does not show while typed",
          w.new_secret not in c.screen() and w.new_secret[:8] not in c.screen(),
          "(screen not shown: it would hold the secret)")
    c.keys("Enter")
    c.finish()
    check("tty: exit 0", c.rc == "0", c)
    check("tty: one GetCallerIdentity with the typed key",
          gci(proxy, m) == [(w.new_akid, 200)], proxy.requests(m))
    check("tty: written: dev has the new keys, the .bak the old file",
          (w.new_akid + "\naws_secret_access_key = " + w.new_secret).encode()
          in (h.read() or b"") and h.read(h.bak) == h.old)
    check("tty: the secret never showed on the screen, nor on stdout/stderr",
          w.new_secret not in c.screen() + c.out + c.err)
    check("tty: nothing on stdout; the prompts not on stderr",
          c.out == "" and ID_PROMPT not in c.err and SECRET_PROMPT not in c.err, c)
    c.close()

    # A bad key id is answered on the terminal and asked again.
    h = Home(t.root, "tty-again", w)
    c = Case(t.tm, t.root, "again", h.env(proxy.url), ["set-keys", "dev"])
    c.wait(ID_PROMPT)
    c.keys("AKIA-TOO-SHORT", "Enter")
    check("tty-again: a malformed key id: said on the terminal, asked again",
          c.wait("try again") and c.screen().count(ID_PROMPT) == 2, c)
    c.keys(w.new_akid, "Enter")
    c.wait(SECRET_PROMPT)
    c.keys("C-c")
    c.finish()
    check("tty-ctrlc: Ctrl-C at the secret prompt: exit 130", c.rc == "130", c)
    check("tty-ctrlc: nothing written, no .bak", h.unchanged(), os.listdir(h.aws))
    check("tty-ctrlc: says so", "nothing written" in (c.err or ""), c)
    c.close()


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


class World:
    pass


def main():
    for exe in ("tfauth-profile", "tfauth-keycheck"):
        if not os.access(os.path.join(BIN, exe), os.X_OK):
            tap.check("%s is built (run 'make')" % exe, False)
            return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("set-keys against moto", "moto or boto3 is not installed (%s)"
                 % version)
        return tap.done()
    root = tempfile.mkdtemp(prefix="tfauth-set-keys.")
    os.chmod(root, 0o700)
    # boto3 in this process (seeding, botocore_identity) must not read the
    # machine's ~/.aws: an unparseable file there would stop it.
    for var in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        path = os.path.join(root, "empty-" + var.lower())
        open(path, "w").close()
        os.environ[var] = path
    tm = Tmux("tfauth-setkeys")
    atexit.register(tm.kill)
    moto = Moto(no_auth_count=SEED_CALLS)
    proxy = StsProxy(moto)
    left = []
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        proxy.start()
        w = World()
        iam = moto.client("iam")
        before = moto.requests_sent
        w.alice = moto.create_user(iam, "alice", allow_all=True)      # 2
        w.old_akid, w.old_secret = moto.create_key(iam, "alice")       # 3
        w.new_akid, w.new_secret = moto.create_key(iam, "alice")       # 4
        SECRETS.update([w.old_secret, w.new_secret])
        check("seeding made exactly %d calls" % SEED_CALLS,
              moto.requests_sent - before == SEED_CALLS)
        t = World()
        t.w, t.moto, t.proxy, t.tm, t.root = w, moto, proxy, tm, root
        write_tty_wrapper(os.path.join(root, "run.sh"), capture=True)

        scenario_stdin(t)
        scenario_new_profile(t)
        wrong = w.old_secret if w.old_secret != w.new_secret else "x" * 40
        scenario_refused_by_sts(t, "wrong", w.new_akid, wrong,
                                "SignatureDoesNotMatch")
        scenario_refused_by_sts(t, "unknown", "AKIAZZZZZZZZZZZZZZZZ",
                                w.new_secret, "InvalidClientTokenId")
        scenario_no_verify(t)
        scenario_refused(t)
        scenario_no_tty(t)
        if shutil.which("tmux"):
            scenario_tty(t)
        else:
            tap.check("tmux is installed (tests/deps.sh installs it)", False)
        check("no secret on any stdout, stderr or screen",
              not any(s in o for o in OUTPUTS for s in SECRETS))
        check("no error inside the proxy", proxy.errors == [], proxy.errors)
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
        proxy.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    check("every process started in tmux has ended", not left, left)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
