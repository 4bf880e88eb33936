#!/usr/bin/env python3
"""run_shells — the shell integration's `terraform` function, against moto.

run.py drives tfauth-run directly; this runs the same stand-in terraform
(fake_terraform.py, installed as `terraform` in a bin folder of the
test's own) through the FUNCTION that `tfauth init SHELL` defines, in
real bash, zsh and fish, non-interactive and without the user's rc files:

    bash --norc -c 'eval "$(tfauth init bash)"; type terraform | head -1; ...'
    zsh -f -c 'eval "$(tfauth init zsh)"; whence -w terraform; ...'
    fish --no-config -c 'tfauth init fish | source; type -t terraform;
                         functions -q terraform; and ...'

$TFAUTH_BIN is first on PATH (the functions find tfauth and tfauth-run
there), then the stand-in's folder.  The world is run.py's (its helpers
are imported: run.py runs nothing unless it is __main__): moto with its
authentication on, behind the counting proxy (stsproxy.py), and the
fixture HOME with the profiles static, badsecret and role.

In each shell: the function is what runs (it says it is a function, and
tfauth-run's note on stderr and the key the stand-in used show the call
went through tfauth-run); a stale AWS_ACCESS_KEY_ID shadowing AWS_PROFILE
is cleared and the plan succeeds; cached role credentials invalidated by
moto's reset (then re-seeded) are refused with InvalidClientTokenId, and
tfauth-run logs in again and reruns once; a wrong secret is not retried
and gets the tfauth-doctor hint; TFAUTH_DISABLE=1 runs the stand-in
directly (the stale key reaches it and it fails); an apply answered on
stdin completes.  In bash, SIGINT to the process group during a run
through the function: exit 130, no retry.

Every shell runs in a session of its own with a bounded wait, and its
group is killed if it overruns.  Everything listens on 127.0.0.1.
Nothing here prints a secret: diagnostics go through run.redact.
"""
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402  (defines only; its main() runs as __main__)
from harness import Moto, MotoError, Tap  # noqa: E402
from stsproxy import StsProxy  # noqa: E402

BIN = R.BIN
SHELL_TIMEOUT = 30
WAIT = 15
tap = Tap()
RUNS = []

SHELLS = {
    # shell: (argv before the script, the prelude: load the integration
    # and say what `terraform` is; then the script's last command)
    "bash": (["bash", "--norc", "--noprofile", "-c"],
             'eval "$(tfauth init bash)"; type terraform | head -1; '),
    "zsh": (["zsh", "-f", "-c"],
            'eval "$(tfauth init zsh)"; whence -w terraform; '),
    "fish": (["fish", "--no-config", "-c"],
             "tfauth init fish | source; type -t terraform; "
             "functions -q terraform; and "),
}
IS_FUNCTION = {
    "bash": "terraform is a function",
    "zsh": "terraform: function",
    "fish": "function",
}
NOTE = ("tfauth-run: cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed "
        "profile 'static'")


def check(desc, cond, diag=""):
    return tap.check(desc, cond, R.redact(diag) if not cond else "")


def shell_argv(sh, cmd):
    pre, prelude = SHELLS[sh]
    return pre + [prelude + cmd]


def in_shell(sh, cmd, env, stdin=b""):
    argv = shell_argv(sh, cmd)
    t0 = time.monotonic()
    try:
        p = R.start(argv, env)
    except OSError as e:
        r = R.Run(argv, -2, "", str(e), 0.0)
    else:
        r = R.finish(p, argv, t0, stdin, timeout=SHELL_TIMEOUT)
    RUNS.append(r)
    return r


def is_function(sh, r):
    lines = r.out.splitlines()
    return bool(lines) and lines[0].strip() == IS_FUNCTION[sh]


def shell_env(t, **extra):
    # $TFAUTH_BIN first: `tfauth` and the functions' tfauth-run come from
    # there; then run.py's PATH (the stand-in's folder, this Python's).
    e = t.env(**extra)
    e["PATH"] = os.pathsep.join([BIN, e["PATH"]])
    for k in ("BASH_ENV", "ENV", "ZDOTDIR", "TFAUTH_DISABLE"):
        e.pop(k, None)
    xdg = os.path.join(t.root, "xdg")
    for k, d in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                 ("XDG_CACHE_HOME", "cache")):
        e[k] = os.path.join(xdg, d)
    e.update(extra)
    return e


def retries(err, sub="plan"):
    return err.count("running 'terraform %s' again" % sub)


# -- scenarios, in one shell ----------------------------------------------

def stale_key(t, sh):
    env = shell_env(t, AWS_PROFILE="static", AWS_ACCESS_KEY_ID=R.STALE_KEY,
                    AWS_SECRET_ACCESS_KEY=R.STALE_SECRET)
    m, pm = t.mark(), t.proxy.mark()
    r = in_shell(sh, "terraform plan", env)
    e = t.entries(m)
    check("%s: `terraform` is a function after loading the integration" % sh,
          is_function(sh, r), r)
    check("%s: stale AWS_ACCESS_KEY_ID with AWS_PROFILE=static: the function "
          "went through tfauth-run (its note on stderr: cleared "
          "AWS_ACCESS_KEY_ID (****WZFK))" % sh, NOTE in r.err, r)
    check("%s: ... exit 0, the plan on stdout" % sh,
          r.rc == 0 and "Plan: 1 to add, 0 to change, 0 to destroy." in r.out, r)
    check("%s: ... the stand-in ran once, with the profile's key, not the "
          "stale one; one GetCallerIdentity, no AssumeRole" % sh,
          R.results(e) == ["ok"] and e[0]["akid_sha"] == R.sha16(t.w.akid) and
          e[0]["profile"] == "static" and
          t.proxy.actions(pm) == {"GetCallerIdentity": 1},
          "%s\n%s" % (e, t.proxy.actions(pm)))


def disabled(t, sh):
    env = shell_env(t, AWS_PROFILE="static", AWS_ACCESS_KEY_ID=R.STALE_KEY,
                    AWS_SECRET_ACCESS_KEY=R.STALE_SECRET, TFAUTH_DISABLE="1")
    m = t.mark()
    r = in_shell(sh, "terraform plan", env)
    e = t.entries(m)
    check("%s: TFAUTH_DISABLE=1: still the function, but the stand-in ran "
          "directly: no tfauth-run line, the stale key reached it, "
          "InvalidClientTokenId, exit 1, no retry" % sh,
          is_function(sh, r) and r.rc == 1 and "tfauth-run" not in r.err and
          "api error InvalidClientTokenId" in r.err and
          R.results(e) == ["InvalidClientTokenId"] and
          e[0]["akid_sha"] == R.sha16(R.STALE_KEY),
          "%s\n%s" % (r, e))


def after_reset(t, sh):
    path = R.cache_file(t.home, t.w.deploy, "tfa-run")
    env = shell_env(t, AWS_PROFILE="role")
    r = in_shell(sh, "terraform plan", env)
    old = R.cached_akid(path)
    ok = check("%s: role profile: exit 0, its credentials cached" % sh,
               r.rc == 0 and "Plan: 1 to add" in r.out and old, r)
    n = R.reset_world(t)
    ok = check("%s: moto reset and re-seeded (%d calls)" % (sh, n),
               n == R.SEED_CALLS, n) and ok
    if not ok:
        return
    m, pm = t.mark(), t.proxy.mark()
    r = in_shell(sh, "terraform plan", env)
    e = t.entries(m)
    new = R.cached_akid(path)
    check("%s: invalidated role session through the function: exit 0, the "
          "plan on stdout" % sh,
          is_function(sh, r) and r.rc == 0 and "Plan: 1 to add" in r.out, r)
    check("%s: ... exactly two stand-in runs: InvalidClientTokenId with the "
          "old cached key, then ok with a new one" % sh,
          R.results(e) == ["InvalidClientTokenId", "ok"] and new and
          old != new and e[0]["akid_sha"] == R.sha16(old) and
          e[1]["akid_sha"] == R.sha16(new), e)
    check("%s: ... one retry: one AssumeRole, two GetCallerIdentity, "
          "'running 'terraform plan' again' once" % sh,
          t.proxy.actions(pm) == {"AssumeRole": 1, "GetCallerIdentity": 2} and
          "logging in again for profile 'role'" in r.err and retries(r.err) == 1,
          "%s\n%s" % (r, t.proxy.actions(pm)))


def wrong_secret(t, sh):
    m, pm = t.mark(), t.proxy.mark()
    r = in_shell(sh, "terraform plan", shell_env(t, AWS_PROFILE="badsecret"))
    hint = R.one_line(r.err, r"^tfauth-run: SignatureDoesNotMatch: .*; run "
                      r"'tfauth-doctor badsecret' to see why$")
    check("%s: wrong secret: exit 1, one stand-in run (SignatureDoesNotMatch), "
          "no refresh, no retry" % sh,
          is_function(sh, r) and r.rc == 1 and
          R.results(t.entries(m)) == ["SignatureDoesNotMatch"] and
          t.proxy.actions(pm) == {"GetCallerIdentity": 1} and
          "again" not in r.err,
          "%s\n%s" % (r, t.proxy.actions(pm)))
    check("%s: ... one line on stderr: 'run 'tfauth-doctor badsecret' to see "
          "why'" % sh, len(hint) == 1, r)


def apply_stdin(t, sh):
    m = t.mark()
    r = in_shell(sh, "terraform apply", shell_env(t, AWS_PROFILE="role"),
                 stdin=b"yes\n")
    check("%s: apply, 'yes' piped into the shell: the prompt and 'Apply "
          "complete' on stdout, exit 0, one run" % sh,
          is_function(sh, r) and r.rc == 0 and "Enter a value:" in r.out and
          "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." in r.out
          and R.results(t.entries(m)) == ["ok"] and "again" not in r.err, r)


def interrupt_bash(t):
    env = shell_env(t, AWS_PROFILE="role", FAKE_TF_SLEEP_AUTH_ERROR="1")
    argv = shell_argv("bash", "terraform sleep 30")
    m, pm = t.mark(), t.proxy.mark()
    t0 = time.monotonic()
    p = R.start(argv, env)
    early = R.wait_for(p, "sleeping", t0 + WAIT)
    running = b"sleeping" in early and p.poll() is None
    try:
        os.killpg(p.pid, signal.SIGINT)   # what a terminal's Ctrl-C does
    except ProcessLookupError:
        pass
    r = R.finish(p, argv, t0, timeout=WAIT)
    r.err = early.decode("utf-8", "replace") + r.err
    RUNS.append(r)
    e = t.entries(m)
    check("bash: SIGINT to the shell's process group during `terraform sleep` "
          "(through the function): exit 130 within seconds",
          running and r.rc == 130 and r.elapsed < WAIT, r)
    check("bash: ... the stand-in got it (interrupted), ran once, no retry "
          "though its stderr held an InvalidClientTokenId",
          R.results(e) == ["interrupted"] and "InvalidClientTokenId" in r.err and
          "again" not in r.err and t.proxy.count("AssumeRole", pm) == 0,
          "%s\n%s\n%s" % (r, e, t.proxy.actions(pm)))


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def main():
    run_bin = os.path.join(BIN, "tfauth-run")
    if not (os.access(run_bin, os.X_OK) and
            os.access(os.path.join(BIN, "tfauth"), os.X_OK)):
        tap.check("%s is built (run 'make')" % run_bin, False)
        return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("the terraform function against moto",
                 "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    shells = [sh for sh in SHELLS if shutil.which(sh)]
    for sh in SHELLS:
        if sh not in shells:
            tap.skip("the terraform function in %s" % sh, "%s is not installed" % sh)
    if not shells:
        return tap.done()
    t_start = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-shells.")
    os.chmod(root, 0o700)
    moto = Moto(no_auth_count=R.SEED_CALLS)
    proxy = StsProxy(moto)
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        proxy.start()
        w = R.World()
        n = R.seed(moto, w)
        check("seeding made exactly %d calls; moto and the proxy on loopback"
              % R.SEED_CALLS,
              n == R.SEED_CALLS and moto.url.startswith("http://127.0.0.1:") and
              proxy.url.startswith("http://127.0.0.1:"), (n, moto.url, proxy.url))
        home = R.write_home(root, w)
        bindir = os.path.join(root, "bin")
        os.mkdir(bindir, 0o700)
        os.symlink(R.FAKE, os.path.join(bindir, "terraform"))
        t = R.Ctx(moto, proxy, w, root, home, bindir)

        for sh in shells:
            stale_key(t, sh)
            disabled(t, sh)
            after_reset(t, sh)
            wrong_secret(t, sh)
            apply_stdin(t, sh)
        if "bash" in shells:
            interrupt_bash(t)

        pids = [e["pid"] for e in t.entries()]
        deadline = time.monotonic() + 5
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        check("every stand-in run has ended (%d)" % len(pids),
              pids and not any(alive(p) for p in pids),
              [p for p in pids if alive(p)])
        leaks = [r for r in RUNS if any(s and (s in r.err or s in r.out)
                                        for s in R.SECRETS)]
        check("no secret on stdout or stderr in %d shell runs" % len(RUNS),
              not leaks, "\n".join(r.argv[-1][-60:] for r in leaks))
        check("no error inside the proxy", proxy.errors == [], proxy.errors)
        if moto.proc.poll() is not None:
            check("moto stayed up", False, moto.log_tail())
        tap.note("run_shells took %.1f s" % (time.monotonic() - t_start))
    finally:
        proxy.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
