#!/usr/bin/env python3
"""demo — `make demo`'s script (tests/demo/demo.py) tells the story it
promises, stops everything it started and leaves HOME alone.

It runs with HOME set to a folder of this test's holding a sentinel
~/.aws (config, credentials, a cache entry) and a file beside it; after
the run every file under that HOME is byte for byte as before, and no new
one appeared.  The output shows, in this order: the bare `terraform plan`
failing with InvalidClientTokenId; then, through the shell integration,
the stale key cleared, InvalidClientTokenId met, the login again
(tfauth-refresh), the rerun and the plan; then tfauth doctor failing on
the stale key, and passing once `eval "$(tfauth env)"` has cleared it.
After the run, no process of the demo is left (nothing listens on the
emulators' ports, no process mentions the demo's folder) and its folder
is gone.  A second run is interrupted (SIGINT to its process group, as
Ctrl-C would) once the emulators are up: it exits 130 and leaves nothing
running either.
"""
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOP, Moto, Tap, clean_env  # noqa: E402

DEMO = os.path.join(TOP, "tests", "demo", "demo.py")
BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
tap = Tap()


def tree_digest(root):
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    out[rel] = (st.st_mode, hashlib.sha256(f.read()).hexdigest())
            else:
                out[rel] = (st.st_mode, os.readlink(p) if os.path.islink(p) else None)
    return out


def make_home(tmp):
    home = os.path.join(tmp, "home")
    aws = os.path.join(home, ".aws")
    os.makedirs(os.path.join(aws, "cli", "cache"), mode=0o700)
    with open(os.path.join(aws, "config"), "w") as f:
        f.write("[profile sentinel]\nregion = eu-north-1\n")
    fd = os.open(os.path.join(aws, "credentials"), os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("[sentinel]\naws_access_key_id = AKIASENTINELEXAMPLE1\n"
                "aws_secret_access_key = sentinel/not/a/real/secret/0000000000000\n")
    with open(os.path.join(aws, "cli", "cache", "0" * 40 + ".json"), "w") as f:
        f.write("{}")
    with open(os.path.join(home, ".bashrc"), "w") as f:
        f.write("echo THE-USERS-BASHRC-RAN\n")
    return home


def env_for(home):
    e = clean_env({"HOME": home, "TFAUTH_BIN": BIN, "NO_COLOR": "1",
                   "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    return e


def ports_of(out):
    return [int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", out)]


def root_of(out):
    m = re.search(r"HOME=(\S+)/home", out)
    return m.group(1) if m else None


def listening(port):
    s = socket.socket()
    s.settimeout(1)
    try:
        return s.connect_ex(("127.0.0.1", port)) == 0
    finally:
        s.close()


def procs_mentioning(words):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if any(w and w in cmd for w in words):
            found.append("%s %s" % (pid, cmd[:200]))
    return found


def leftovers(out):
    """What the demo left: listening ports, processes, its folder."""
    root = root_of(out)
    left = []
    deadline = time.monotonic() + 5
    while True:
        left = ["port %d still listening" % p for p in set(ports_of(out)) if listening(p)]
        words = ["moto.server -H 127.0.0.1 -p %d" % p for p in set(ports_of(out))]
        if root:
            words.append(root)
        left += procs_mentioning(words)
        if root and os.path.exists(root):
            left.append("%s still exists" % root)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def in_order(text, needles):
    """True when each needle occurs after the previous one."""
    at = 0
    for n in needles:
        i = text.find(n, at)
        if i < 0:
            return False, n
        at = i + len(n)
    return True, None


def main():
    ok, why = Moto.available()
    if not ok:
        tap.skip("make demo", "moto or boto3 is not installed (%s)" % why)
        return tap.done()
    tmp = tempfile.mkdtemp(prefix="tfauth-demotest.")
    try:
        home = make_home(tmp)
        before = tree_digest(home)
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, DEMO], env=env_for(home), cwd=tmp,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=240, start_new_session=True)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        secs = time.monotonic() - t0
        diag = "rc=%s\nstdout:\n%s\nstderr:\n%s" % (p.returncode, out[-4000:], err[-2000:])
        tap.check("the demo runs to the end, exit 0 (%.1f s)" % secs, p.returncode == 0, diag)
        s1 = out.find("== 1.")
        s2 = out.find("== 2.")
        s3 = out.find("== 3.")
        tap.check("three acts, in order", 0 < s1 < s2 < s3, diag)
        act1, act2, act3 = out[s1:s2], out[s2:s3], out[s3:]
        tap.check("act 1: '$ terraform plan' fails with the provider's "
                  "InvalidClientTokenId, exit 1",
                  "$ terraform plan" in act1 and
                  "configuring Terraform AWS Provider" in act1 and
                  "api error InvalidClientTokenId" in act1 and
                  "(exit status 1)" in act1, act1)
        good, missing = in_order(act2, [
            '$ eval "$(tfauth init bash)"', "$ terraform plan",
            "tfauth-run: cleared AWS_ACCESS_KEY_ID (****Y042) that shadowed profile 'deploy'",
            "api error InvalidClientTokenId",
            "logging in again for profile 'deploy'",
            "tfauth-refresh: 'deploy' refreshed",
            "running 'terraform plan' again",
            "Plan: 1 to add, 0 to change, 0 to destroy.",
            "(exit status 0)"])
        tap.check("act 2: through the shell integration: the stale key cleared, "
                  "InvalidClientTokenId, the login again, the rerun, the plan, exit 0",
                  good, "missing (in order): %s\n%s" % (missing, act2))
        good, missing = in_order(act3, [
            "$ tfauth doctor", "FAIL  environment", "AWS_ACCESS_KEY_ID (****Y042)",
            "ok    identity", "arn:aws:sts::123456789012:assumed-role/deploy/demo",
            "1 check failed.", "(exit status 1)",
            '$ eval "$(tfauth env)"', "$ tfauth doctor",
            "ok    environment", "all checks passed.", "(exit status 0)"])
        tap.check("act 3: tfauth doctor names the stale key still in the shell, "
                  "then passes after eval \"$(tfauth env)\"",
                  good, "missing (in order): %s\n%s" % (missing, act3))
        tap.check("the emulators were on loopback ports and said so",
                  len(set(ports_of(out))) >= 2, out[:1500])
        left = leftovers(out)
        tap.check("nothing is left running and the demo's folder is gone", not left,
                  "\n".join(left))
        after = tree_digest(home)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        tap.check("HOME (a sentinel ~/.aws, .bashrc) is byte for byte as before, "
                  "nothing added", not changed, changed)
        tap.check("the user's .bashrc was not run", "THE-USERS-BASHRC-RAN" not in out)

        # Ctrl-C once the emulators are up.
        q = subprocess.Popen([sys.executable, DEMO], env=env_for(home), cwd=tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        buf = b""
        deadline = time.monotonic() + 60
        os.set_blocking(q.stdout.fileno(), False)
        while b"== 1." not in buf and time.monotonic() < deadline and q.poll() is None:
            try:
                chunk = q.stdout.read()
            except BlockingIOError:
                chunk = None
            if chunk:
                buf += chunk
            else:
                time.sleep(0.05)
        os.killpg(q.pid, signal.SIGINT)
        try:
            rest, qerr = q.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(q.pid, signal.SIGKILL)
            rest, qerr = q.communicate(timeout=10)
        qout = (buf + (rest or b"")).decode("utf-8", "replace")
        tap.check("Ctrl-C during the demo: exit 130, 'interrupted'",
                  q.returncode == 130 and b"interrupted" in (qerr or b""),
                  "rc=%s\n%s\n%s" % (q.returncode, qout[-1500:], qerr[-800:]))
        left = leftovers(qout)
        tap.check("... and nothing is left running, the folder is gone", not left,
                  "\n".join(left))
        after = tree_digest(home)
        tap.check("... and HOME is as before", after == before)
    finally:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
