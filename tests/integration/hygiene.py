#!/usr/bin/env python3
"""hygiene — where secrets may and may not go, against moto's server with
its authentication on (issue #8, part 6).

  argv     whole runs under `strace -f -e trace=execve`: tfauth -> tfauth-env
           -> tfauth-refresh -> credential_process -> AssumeRole; tfauth-run
           -> a terraform stand-in; set-keys -> tfauth-keycheck.  No
           secret in any process's argv; the children that need
           credentials have them in their environment.
  core     the user's core limit is 4 MiB; every tfauth process runs with
           a soft limit of 1 byte (no core file, and piped core_patterns
           abort) from before it reads a secret (read in /proc/PID/limits
           while set-keys waits on stdin); the user's programs it starts
           (credential_process, terraform) get 4 MiB back, through the
           tfauth -> tfauth-env -> tfauth-refresh exec chain too.
  modes    under umask 000 and 022: every file tfauth creates (credentials
           file, its backup, role cache entries, lock files, ~/.aws itself,
           the SSO token, client registration and role credentials of an
           IAM Identity Center login with the SSO emulator) is 0600, every
           folder 0700; the login's browser gets no secret in its argv.
  refused  a credentials file others can write to (0620 in a group not
           the user's private one, 0602), a
           world-writable config file, a group-writable role cache entry
           or SSO token: refused with "chmod 600 PATH", nothing on stdout,
           the file left as it is, no AWS call.  A credentials file others
           can only read (0644) and a group-writable config (umask 002)
           are used; tfauth-doctor warns about the first.

Secrets never reach this suite's output: failure diagnostics go through
harness.mask(), and tests/run.sh checks the whole output at the end.
"""
import json
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ACCOUNT, TOP, Moto, MotoError, Runner, Tap,  # noqa: E402
                     clean_env, register_secret, share_group)
from ssoemu import MotoRoleSource, SsoEmu  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
TIMEOUT = 30
USER_CORE = 4 << 20          # the user's soft core limit in these runs
SANITIZED = bool(os.environ.get("TFAUTH_SANITIZE"))

tap = Tap()
runner = Runner(BIN, TIMEOUT)


def user_core_limit():
    """preexec_fn: the user's core limit, USER_CORE (the hard limit as it
    is, when it allows that much)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if hard == resource.RLIM_INFINITY or hard >= USER_CORE:
        resource.setrlimit(resource.RLIMIT_CORE, (USER_CORE, hard))


def run(argv, env, stdin=b"", timeout=TIMEOUT):
    """argv with USER_CORE as core limit: (rc, out, err)."""
    try:
        p = subprocess.run(argv, env=env, input=stdin, capture_output=True,
                           timeout=timeout, preexec_fn=user_core_limit,
                           start_new_session=True)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return -1, "", "(killed: timeout)"


class Res:
    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def __str__(self):
        return "%s\nrc=%s\nstdout: %s\nstderr: %s" % (
            " ".join(os.path.basename(a) if i == 0 else a
                     for i, a in enumerate(self.argv)),
            self.rc, self.out[:800], self.err[:1500])


def tool(name, *args, env, stdin=b"", strace=None):
    argv = [os.path.join(BIN, name)] + list(args)
    if strace:
        if SANITIZED:
            # LeakSanitizer cannot run under ptrace: it would fail the run.
            env = dict(env, ASAN_OPTIONS=(env.get("ASAN_OPTIONS", "") +
                                          ":detect_leaks=0").lstrip(":"))
        argv = ["strace", "-f", "-qq", "-e", "trace=execve", "-s", "65536",
                "-o", strace] + argv
    rc, out, err = run(argv, env, stdin)
    return Res(argv, rc, out, err)


# -- the world -------------------------------------------------------------

CONFIG = """[profile src]
region = us-east-1
credential_process = {proc}

[profile role]
region = us-east-1
role_arn = {role_arn}
role_session_name = hygiene
source_profile = src

[profile static]
region = us-east-1

[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://hygiene.awsapps.com/start
sso_region = us-east-1
"""

# credential_process: note the core limits of itself and of the tfauth
# process above it, then print the source keys (which it has in its own
# environment as HYG_*, like a vault client would).
PROC = r"""#!/bin/sh
note=$HYG_NOTES/proc.$$
limit() { awk '/^Max core file size/ {print $5}' "/proc/$1/limits"; }
p=$PPID
while [ "$p" -gt 1 ]; do
	# (memcheck-amd64-: a tfauth binary under make check-valgrind)
	case $(cat "/proc/$p/comm" 2>/dev/null) in tfauth*|memcheck*) break ;; esac
	p=$(awk '/^PPid:/ {print $2}' "/proc/$p/status")
done
echo "self $(limit $$)" >"$note"
echo "tfauth $(cat /proc/$p/comm 2>/dev/null) $(limit $p)" >>"$note"
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\n' \
	"$HYG_AKID" "$HYG_SECRET"
"""

# The terraform stand-in: its own limit, its parent's (tfauth-run), and
# whether the credentials came in its environment.
TERRAFORM = r"""#!/bin/sh
note=$HYG_NOTES/terraform.$$
limit() { awk '/^Max core file size/ {print $5}' "/proc/$1/limits"; }
{
	echo "self $(limit $$)"
	echo "parent $(cat /proc/$PPID/comm) $(limit $PPID)"
	[ -n "${AWS_SECRET_ACCESS_KEY:-}" ] && [ -n "${AWS_ACCESS_KEY_ID:-}" ] &&
		echo "env-credentials"
	[ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ] && echo "served-credentials"
} >"$note"
echo "Apply complete! Resources: 0 added, 0 changed, 0 destroyed."
"""


# The browser of an SSO login: approves the device code by visiting the
# verification URL (the emulator's manual mode).
BROWSER = r"""#!/bin/sh
exec curl -s -o /dev/null --noproxy '*' --max-time 5 "$1"
"""


class World:
    def __init__(self, moto, root):
        self.moto, self.root = moto, root
        iam = moto.client("iam")
        with moto.setup_calls(12):
            moto.create_user(iam, "alice", allow_all=True)
            self.akid, self.secret = moto.create_key(iam, "alice")
            self.akid2, self.secret2 = moto.create_key(iam, "alice")
            self.role_arn = moto.create_role(
                iam, "deploy", ["arn:aws:iam::%s:user/alice" % ACCOUNT])
            self.sso_src = MotoRoleSource.seed(moto, iam, ["Admin"])
        self.emu = None
        self.browser = self.script("browser", BROWSER)
        self.notes = os.path.join(root, "notes")
        os.mkdir(self.notes, 0o700)
        self.proc = self.script("proc.sh", PROC)
        self.terraform = self.script("terraform", TERRAFORM)
        self.n = 0

    def script(self, name, text):
        path = os.path.join(self.root, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o700)
        return path

    def home(self, aws=True, credentials=True):
        """A fresh HOME: ~/.aws/config, and the credentials file with
        profile static (0600)."""
        self.n += 1
        home = os.path.join(self.root, "home%d" % self.n)
        os.mkdir(home, 0o700)
        if aws:
            os.mkdir(os.path.join(home, ".aws"), 0o700)
            write(os.path.join(home, ".aws", "config"),
                  CONFIG.format(proc=self.proc, role_arn=self.role_arn))
        if credentials:
            write(os.path.join(home, ".aws", "credentials"),
                  "[static]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                  % (self.akid, self.secret))
        return home

    def env(self, home, **extra):
        e = clean_env({
            "HOME": home,
            "PATH": BIN + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_ENDPOINT_URL_STS": self.moto.url,
            "AWS_ENDPOINT_URL_IAM": self.moto.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TFAUTH_HTTP_TIMEOUT": "10",
            "TFAUTH_HTTP_RETRY_BASE_MS": "1",
            "HYG_NOTES": self.notes,
            "HYG_AKID": self.akid,
            "HYG_SECRET": self.secret,
        })
        if self.emu:
            e["AWS_ENDPOINT_URL_SSO_OIDC"] = self.emu.url
            e["AWS_ENDPOINT_URL_SSO"] = self.emu.url
            e["BROWSER"] = self.browser
        for k in ("TERM", "TMUX", "TMUX_PANE", "DISPLAY", "WAYLAND_DISPLAY"):
            e.pop(k, None)
        if SANITIZED:
            # ASan lowers the core limit itself before main (to 1 byte):
            # let the tools see the user's limit, as they do unsanitized.
            e["ASAN_OPTIONS"] = (e.get("ASAN_OPTIONS", "") +
                                 ":disable_coredump=0").lstrip(":")
        e.update(extra)
        return e

    def notes_of(self, prefix):
        """The notes the stand-ins wrote since the last call, as lists of
        lines; the notes are removed."""
        found = []
        for name in sorted(os.listdir(self.notes)):
            if name.startswith(prefix + "."):
                path = os.path.join(self.notes, name)
                with open(path) as f:
                    found.append(f.read().split("\n"))
                os.unlink(path)
        return found

    def secrets(self):
        return [self.secret, self.secret2]


def write(path, text, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def process_creds(r):
    """The credentials of a --format process output, registered as
    secrets; None when it is not one."""
    try:
        j = json.loads(r.out)
    except ValueError:
        return None
    if not isinstance(j, dict):
        return None
    for k in ("SecretAccessKey", "SessionToken"):
        if isinstance(j.get(k), str):
            register_secret(j[k])
    return j


# -- argv ---------------------------------------------------------------

EXECVE = re.compile(r'^(\d+) +execve\("((?:[^"\\]|\\.)*)", \[(.*)\], ')


def execs(trace):
    """[(pid, path, argv text)] of the successful execve calls in an
    strace -f output file."""
    out = []
    try:
        with open(trace, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = EXECVE.match(line)
                if m and "= -1 " not in line:
                    out.append((m.group(1), m.group(2), m.group(3)))
    except OSError:
        pass
    return out


def have_strace():
    if not shutil.which("strace"):
        return False, "strace is not installed (tests/deps.sh installs it)"
    try:
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o",
                            os.devnull, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    if p.returncode != 0:
        return False, "strace cannot trace here: " + p.stderr.decode(
            "utf-8", "replace").strip()[:200]
    return True, ""


def argv_checks(w):
    ok, why = have_strace()
    if not ok:
        for d in ("tfauth -> tfauth-env -> tfauth-refresh -> credential_process",
                  "tfauth-run -> terraform", "set-keys -> tfauth-keycheck"):
            tap.skip("argv: " + d, why)
        return
    home = w.home()
    env = w.env(home)
    trace = os.path.join(w.root, "trace")
    secrets = w.secrets()

    def no_secret(calls, extra):
        bad = [(pid, os.path.basename(path)) for pid, path, argv in calls
               if any(s in argv for s in secrets + extra)]
        return not bad, bad

    # The dispatcher, the handoff to tfauth-refresh, credential_process.
    r = tool("tfauth", "env", "--format", "process", "role", env=env, strace=trace)
    creds = process_creds(r)
    calls = execs(trace)
    names = [os.path.basename(p) for _, p, _ in calls]
    tap.check("argv: tfauth env --format process role: AssumeRole's credentials "
              "(through tfauth-env -> tfauth-refresh -> credential_process)",
              r.rc == 0 and creds and creds.get("SessionToken"), r)
    tap.check("argv: strace saw tfauth, tfauth-env, tfauth-refresh and the "
              "credential_process",
              all(n in names for n in ("tfauth", "tfauth-env", "tfauth-refresh",
                                        "proc.sh")), names)
    role = [creds.get("SecretAccessKey"), creds.get("SessionToken")] if creds else []
    clean, bad = no_secret(calls, [x for x in role if x])
    tap.check("argv: no secret in the argv of any of the %d processes" % len(calls),
              clean, bad)

    # tfauth-run: the stand-in gets the role's credentials in its environment.
    r = tool("tfauth-run", "--profile", "role", "--", w.terraform, "apply",
             "-auto-approve", env=env, strace=trace)
    calls = execs(trace)
    notes = w.notes_of("terraform")
    tap.check("argv: tfauth-run runs terraform with the credentials in its "
              "environment", r.rc == 0 and notes and (
                  "env-credentials" in notes[0] or "served-credentials" in notes[0]),
              "%s\n%s" % (r, notes))
    clean, bad = no_secret(calls, [x for x in role if x])
    tap.check("argv: tfauth-run -> terraform: no secret in any argv (%d processes)"
              % len(calls), clean and any(
                  os.path.basename(p) == "terraform" for _, p, _ in calls), bad)

    # set-keys -> tfauth-keycheck (STS GetCallerIdentity with the new key).
    r = tool("tfauth-profile", "set-keys", "static", "--stdin", env=env,
             stdin=("%s\n%s\n" % (w.akid2, w.secret2)).encode(), strace=trace)
    calls = execs(trace)
    names = [os.path.basename(p) for _, p, _ in calls]
    tap.check("argv: set-keys --stdin verifies the new key through "
              "tfauth-keycheck and writes it",
              r.rc == 0 and "tfauth-keycheck" in names and
              w.secret2.encode() in (read(os.path.join(home, ".aws", "credentials"))
                                     or b""), "%s\n%s" % (r, names))
    clean, bad = no_secret(calls, [])
    tap.check("argv: set-keys -> tfauth-keycheck: no secret in any argv "
              "(%d processes)" % len(calls), clean, bad)


# -- core ------------------------------------------------------------------

def core_limit(pid):
    try:
        with open("/proc/%d/limits" % pid) as f:
            for line in f:
                if line.startswith("Max core file size"):
                    return line.split()[4]
    except OSError:
        return None
    return None


def core_checks(w):
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if hard != resource.RLIM_INFINITY and hard < USER_CORE:
        for d in ("a tool waiting", "credential_process", "terraform"):
            tap.skip("core: " + d, "the hard core limit is %d here" % hard)
        return
    home = w.home()
    env = w.env(home)
    want_user = str(USER_CORE)

    # A tool waiting to read a secret: set-keys --stdin on a pipe we hold.
    p = subprocess.Popen([os.path.join(BIN, "tfauth-profile"), "set-keys",
                          "static", "--stdin", "--no-verify"], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=user_core_limit,
                         start_new_session=True)
    seen = None
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            exe = ""
            try:
                exe = os.readlink("/proc/%d/exe" % p.pid)
            except OSError:
                pass
            seen = core_limit(p.pid)
            if exe.endswith("tfauth-profile") and seen == "1":
                break
            time.sleep(0.05)
        out, err = p.communicate(("%s\n%s\n" % (w.akid2, w.secret2)).encode(),
                                 timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    err = err.decode("utf-8", "replace")
    tap.check("core: set-keys waiting for the secret on stdin runs with a core "
              "limit of 1 byte (the user's: %d)" % USER_CORE, seen == "1",
              "limit seen: %s\nrc=%s stderr: %s" % (seen, p.returncode, err[:500]))
    tap.check("core: ... and then writes the keys", p.returncode == 0, err[:500])

    # credential_process under tfauth -> tfauth-env -> tfauth-refresh.
    w.notes_of("proc")
    r = tool("tfauth", "env", "--format", "process", "role", env=env)
    process_creds(r)
    notes = w.notes_of("proc")
    note = notes[0] if notes else []
    tap.check("core: credential_process gets the user's core limit back "
              "(through tfauth -> tfauth-env -> tfauth-refresh)",
              r.rc == 0 and ("self " + want_user) in note, "%s\n%s" % (r, notes))
    tap.check("core: ... while the tfauth process that runs it has 1 byte",
              any((x.startswith("tfauth tfauth-") or x.startswith("tfauth memcheck"))
                  and x.endswith(" 1") for x in note),
              notes)

    # terraform under tfauth-run.
    r = tool("tfauth-run", "--profile", "role", "--", w.terraform, "plan", env=env)
    notes = w.notes_of("terraform")
    note = notes[0] if notes else []
    tap.check("core: terraform gets the user's core limit back from tfauth-run",
              r.rc == 0 and ("self " + want_user) in note, "%s\n%s" % (r, notes))
    tap.check("core: ... while tfauth-run has 1 byte",
              any((x.startswith("parent tfauth-run") or
                   x.startswith("parent memcheck")) and x.endswith(" 1")
                  for x in note), notes)


# -- modes ---------------------------------------------------------------

def created(home, before):
    """{relative path: (is_dir, mode)} of what appeared under home."""
    found = {}
    for root, dirs, files in os.walk(home):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, home)
            if rel not in before:
                st = os.lstat(path)
                found[rel] = (stat.S_ISDIR(st.st_mode), stat.S_IMODE(st.st_mode))
    return found


def snapshot(home):
    return set(os.path.relpath(os.path.join(r, n), home)
               for r, ds, fs in os.walk(home) for n in ds + fs)


def bad_modes(found):
    return {k: oct(m) for k, (d, m) in found.items()
            if m != (0o700 if d else 0o600)}


def modes_checks(w):
    for mask in (0o000, 0o022):
        old = os.umask(mask)
        try:
            # set-keys in a HOME without ~/.aws: the folder, the file.
            home = w.home(aws=False, credentials=False)
            cfg = os.path.join(w.root, "config-outside")
            write(cfg, CONFIG.format(proc=w.proc, role_arn=w.role_arn))
            env = w.env(home, AWS_CONFIG_FILE=cfg)
            before = snapshot(home)
            r = tool("tfauth-profile", "set-keys", "static", "--stdin", env=env,
                     stdin=("%s\n%s\n" % (w.akid, w.secret)).encode())
            new = created(home, before)
            tap.check("modes, umask %03o: set-keys without ~/.aws creates ~/.aws "
                      "0700 and the credentials file 0600" % mask,
                      r.rc == 0 and ".aws" in new and ".aws/credentials" in new and
                      not bad_modes(new), "%s\n%s" % (r, new))
            # set-keys again: the backup too.
            before = snapshot(home)
            r = tool("tfauth-profile", "set-keys", "static", "--stdin", env=env,
                     stdin=("%s\n%s\n" % (w.akid2, w.secret2)).encode())
            new = created(home, before)
            st = mode(os.path.join(home, ".aws", "credentials"))
            tap.check("modes, umask %03o: set-keys over a file: the new file 0600, "
                      "every file it adds 0600" % mask,
                      r.rc == 0 and st == 0o600 and not bad_modes(new),
                      "%s\nmode %o, new: %s" % (r, st, new))

            # A role refresh: ~/.aws/cli, ~/.aws/cli/cache, the entry, its lock.
            home = w.home()
            env = w.env(home)
            before = snapshot(home)
            r = tool("tfauth-refresh", "role", env=env)
            new = created(home, before)
            entries = [k for k in new if k.endswith(".json")]
            locks = [k for k in new if k.endswith(".lock")]
            tap.check("modes, umask %03o: a role refresh creates ~/.aws/cli and "
                      "its cache 0700, the entry and its lock 0600" % mask,
                      r.rc == 0 and ".aws/cli" in new and ".aws/cli/cache" in new and
                      entries and locks and not bad_modes(new),
                      "%s\nnew: %s (locks: %s)" % (r, new, locks))
        finally:
            os.umask(old)


def sso_checks(w):
    if not shutil.which("curl"):
        tap.skip("modes: an IAM Identity Center login", "curl (the browser) is missing")
        return
    ok, _ = have_strace()
    for mask in (0o000, 0o022):
        old = os.umask(mask)
        try:
            home = w.home(credentials=False)
            env = w.env(home)
            before = snapshot(home)
            trace = os.path.join(w.root, "trace") if ok and mask == 0 else None
            r = tool("tfauth-refresh", "sso", env=env, strace=trace)
            new = created(home, before)
            secrets = []
            for rel in new:
                if rel.endswith(".json"):
                    try:
                        with open(os.path.join(home, rel)) as f:
                            j = json.load(f)
                    except (OSError, ValueError):
                        continue
                    for k in ("accessToken", "refreshToken", "clientSecret"):
                        if isinstance(j.get(k), str):
                            secrets.append(register_secret(j[k]))
                    c = j.get("Credentials") or {}
                    for k in ("SecretAccessKey", "SessionToken"):
                        if isinstance(c.get(k), str):
                            secrets.append(register_secret(c[k]))
            tap.check("modes, umask %03o: an SSO login creates ~/.aws/sso, its "
                      "cache and ~/.aws/cli/cache 0700, the token, the client "
                      "registration and the role credentials 0600" % mask,
                      r.rc == 0 and ".aws/sso/cache" in new and
                      ".aws/cli/cache" in new and
                      len([k for k in new if k.endswith(".json")]) >= 3 and
                      not bad_modes(new), "%s\nnew: %s" % (r, new))
            if trace:
                calls = execs(trace)
                bad = [os.path.basename(p) for _, p, a in calls
                       if any(x in a for x in secrets)]
                tap.check("argv: an SSO login runs the browser with no secret in "
                          "any argv (%d processes)" % len(calls),
                          len(secrets) >= 3 and not bad and
                          any(os.path.basename(p) == "browser" for _, p, _ in calls),
                          "secrets: %d, bad: %s" % (len(secrets), bad))
        finally:
            os.umask(old)


# -- refused -------------------------------------------------------------

def refused_checks(w):
    home = w.home()
    env = w.env(home)
    creds = os.path.join(home, ".aws", "credentials")
    config = os.path.join(home, ".aws", "config")
    data = read(creds)

    shared = share_group(creds)
    for m in (0o620, 0o602):
        os.chmod(creds, m)
        for prog, args in (("tfauth-env", ("--format", "process", "static")),
                           ("tfauth-profile", ("list",)),
                           ("tfauth-refresh", ("static",))):
            r = tool(prog, *args, env=env)
            tap.check("refused: credentials file %04o: %s %s exits 1 with "
                      "'chmod 600 ~/.aws/credentials', nothing on stdout" % (m, prog, args[0]),
                      shared and r.rc == 1 and r.out == "" and
                      "other users can write" in r.err
                      and "chmod 600 '%s'" % creds in r.err, r)
        tap.check("refused: ... the file left as it was (%04o)" % m,
                  read(creds) == data and mode(creds) == m)

    os.chmod(creds, 0o644)
    r = tool("tfauth-env", "--format", "process", "static", env=env)
    tap.check("a credentials file others can only read (0644) is used",
              r.rc == 0 and process_creds(r) and w.secret in r.out, r)
    r = tool("tfauth-doctor", "static", "--offline", env=env)
    tap.check("... and tfauth-doctor warns about it, with chmod 600 as the fix",
              r.rc == 0 and "WARN  permissions" in r.out and
              "other users can read it (mode 0644)" in r.out and "chmod 600" in r.out, r)
    os.chmod(creds, 0o600)
    r = tool("tfauth-doctor", "static", "--offline", env=env)
    tap.check("... no warning once it is 0600", r.rc == 0 and "permissions" not in r.out, r)

    os.chmod(config, 0o666)
    r = tool("tfauth-env", "static", env=env)
    tap.check("refused: a world-writable config file (it may name a "
              "credential_process): exit 1, chmod 600",
              r.rc == 1 and r.out == "" and "chmod 600" in r.err and
              "other users can write" in r.err, r)
    os.chmod(config, 0o664)
    r = tool("tfauth-env", "static", env=env)
    tap.check("a group-writable config file (umask 002) is used",
              r.rc == 0 and "AWS_PROFILE" in r.out, r)
    os.chmod(config, 0o600)

    # A role cache entry others can write to: refused, not trusted.
    r = tool("tfauth-refresh", "role", env=env)
    cache = os.path.join(home, ".aws", "cli", "cache")
    entries = [os.path.join(cache, n) for n in os.listdir(cache)
               if n.endswith(".json")] if os.path.isdir(cache) else []
    tap.check("refused: (a cached role session to spoil)", r.rc == 0 and
              len(entries) == 1, "%s\n%s" % (r, entries))
    if len(entries) == 1:
        entry = entries[0]
        data = read(entry)
        os.chmod(entry, 0o620)
        shared = share_group(entry)
        r = tool("tfauth-env", "--format", "process", "role", env=env)
        tap.check("refused: a group-writable role cache entry: exit 1, "
                  "'chmod 600 ~/.aws/cli/cache/...', no credentials on stdout",
                  shared and r.rc == 1 and r.out == "" and "chmod 600 '%s'" % entry in r.err, r)
        tap.check("refused: ... the entry left as it was",
                  read(entry) == data and mode(entry) == 0o620)

    # An SSO token others can write to.
    sso = os.path.join(home, ".aws", "sso", "cache")
    os.makedirs(sso, 0o700)
    import hashlib
    token = os.path.join(sso, hashlib.sha1(b"corp").hexdigest() + ".json")
    fake = "aoa" + "HygieneFakeSsoAccessToken0123456789" * 3
    register_secret(fake)
    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    write(token, json.dumps({"startUrl": "https://hygiene.awsapps.com/start",
                             "region": "us-east-1", "accessToken": fake,
                             "expiresAt": exp}), 0o620)
    data = read(token)
    shared = share_group(token)
    r = tool("tfauth-env", "--format", "process", "sso", env=env)
    tap.check("refused: a group-writable SSO token: exit 1, "
              "'chmod 600 ~/.aws/sso/cache/...'",
              shared and r.rc == 1 and r.out == "" and "chmod 600 '%s'" % token in r.err, r)
    tap.check("refused: ... the token left as it was",
              read(token) == data and mode(token) == 0o620)


def main():
    ok, why = Moto.available()
    if not ok:
        tap.skip("hygiene", "moto or boto3 is not installed (%s)" % why)
        return tap.done()
    root = tempfile.mkdtemp(prefix="tfauth-hygiene.")
    os.chmod(root, 0o700)
    moto = Moto(no_auth_count=0)
    emu = None
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        w = World(moto, root)
        w.emu = emu = SsoEmu(w.sso_src, assignments={ACCOUNT: ["Admin"]},
                             interval=1, mode="manual", poll_count=0).start()
        argv_checks(w)
        core_checks(w)
        modes_checks(w)
        sso_checks(w)
        refused_checks(w)
    finally:
        if emu:
            emu.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
