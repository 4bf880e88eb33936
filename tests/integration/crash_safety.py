#!/usr/bin/env python3
"""crash_safety — SIGKILL at random moments of tfauth's writes, and a full
disk: the files tfauth writes are always the old or the new complete
version, never half of one, and never lost.

  refresh   200 runs, alternately `tfauth-refresh role --force` and
            `tfauth-env role --format process` with TFAUTH_REFRESH_WINDOW
            past the session's life (so each one refreshes), against moto
            through a proxy (faultproxy.py) that holds each AssumeRole
            0-30 ms; each run is killed (SIGKILL to its process group) at a
            random moment within 1.3 times an uncut run's duration.  After
            every kill: the role's cache entry exists and is a valid entry
            in the AWS CLI's shape, as is every other *.json of the cache
            folder; every 25 runs an uncut run ends with exit 0 within its
            timeout (a lock left by a killed run does not block it).  At
            the end, after the stale-temp age, one uncut run leaves no
            temporary file behind.
  set-keys  200 runs of `tfauth-profile set-keys dev --stdin` (--no-verify,
            every 10th one verified against moto), switching between two
            keys, each killed at a random moment: after every kill the
            credentials file is byte for byte one of the complete versions
            (and so is credentials.bak when present), configparser and
            botocore read it with dev's key one of the two; every 50 runs
            `tfauth-profile show dev` reads it.  At the end no temporary
            file is left.
  full disk RLIMIT_FSIZE (SIGXFSZ ignored, so write() fails with EFBIG) for
            a refresh and a set-keys: exit 1, one message naming the file
            and the limit, the old file byte-identical, no temporary file;
            the same with SIGXFSZ at its default (the tools catch it, so
            that the write fails the same way instead of killing them
            without a word).  Then a tiny tmpfs filled to the brim
            (ENOSPC) under the cache folder and under ~/.aws: the same
            checks; skipped (TAP SKIP) only when mounting is impossible.

Everything on 127.0.0.1, a temporary HOME; every process runs in a session
of its own, is waited for with a bound, and its group is killed in the
end; mounts are undone in finally blocks.  Nothing prints a secret.
"""
import configparser
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TOP, Moto, MotoError, Runner, Tap,  # noqa: E402
                     ToolRun, clean_env, kill_group)
from faultproxy import FaultProxy, action  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
SEED_CALLS = 5
RUN_TIMEOUT = 30
N_REFRESH = int(os.environ.get("TFAUTH_CRASH_RUNS", "200"))
N_KEYS = int(os.environ.get("TFAUTH_CRASH_RUNS", "200"))
TEMP_AGE = 2.2        # seconds after which a dead writer's temp file goes

tap = Tap()
SECRETS = set()
rng = random.Random(int(os.environ.get("TFAUTH_CRASH_SEED") or time.time()))


def redact(text):
    for s in sorted(SECRETS, key=len, reverse=True):
        if s:
            text = text.replace(s, "<secret>")
    return text


class Run(ToolRun):
    def redact(self, text):
        return redact(text)


RUNNER = Runner(BIN, RUN_TIMEOUT, Run)


def sha(data):
    return hashlib.sha256(data).hexdigest()[:12]


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def temps(folder):
    try:
        return sorted(n for n in os.listdir(folder) if ".tmp." in n)
    except OSError:
        return []


def entry_ok(data):
    """A cache entry in the AWS CLI's shape (aws-reference.md 7.7)."""
    try:
        j = json.loads(data)
        c = j["Credentials"]
        ok = all(isinstance(c.get(k), str) and c[k] for k in
                 ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"))
        if ok:
            SECRETS.update([c["SecretAccessKey"], c["SessionToken"]])
        return ok
    except (ValueError, TypeError, KeyError, AttributeError):
        return False


def killed_run(argv, env, delay, stdin=None, preexec=None):
    """Start argv in a session of its own, SIGKILL its group after delay
    seconds (unless it ended), wait: (rc, stderr text)."""
    p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE if stdin else
                         subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True,
                         preexec_fn=preexec)
    try:
        if stdin:
            try:
                p.stdin.write(stdin.encode())
                p.stdin.close()
            except OSError:
                pass
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            kill_group(p)
        try:
            err = p.stderr.read() if p.wait(timeout=10) is not None else b""
        except subprocess.TimeoutExpired:
            err = b"(did not end after SIGKILL)"
        return p.returncode, err.decode("utf-8", "replace")
    finally:
        kill_group(p)
        if p.poll() is None:
            p.wait(timeout=10)
        for f in (p.stdin, p.stderr):
            if f:
                try:
                    f.close()
                except OSError:
                    pass


def timed(argv, env, stdin=None, n=3):
    """Median duration of n uncut runs (seconds), and whether all passed."""
    times, ok = [], True
    for _ in range(n):
        t0 = time.monotonic()
        rc, err = killed_run(argv, env, RUN_TIMEOUT, stdin)
        times.append(time.monotonic() - t0)
        ok = ok and rc == 0
    return sorted(times)[len(times) // 2], ok


# ------------------------------------------------------------ the world

class World:
    pass


def make_home(root, name, w):
    home = os.path.join(root, name)
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[profile src]\nregion = us-east-1\n\n"
                "[profile role]\nregion = us-east-1\nrole_arn = %s\n"
                "source_profile = src\nrole_session_name = crash\n\n"
                "[profile dev]\nregion = us-east-1\n" % w.deploy)
    fd = os.open(os.path.join(home, ".aws", "credentials"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# team credentials -- keep the comments\n"
                "[src]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
                "[dev]\n; rotated yearly\naws_access_key_id = %s\n"
                "aws_secret_access_key = %s\n\n# the end\n[zzz]\noutput = json\n"
                % (w.akid, w.secret, w.akid, w.secret))
    return home


def env_for(w, home, **extra):
    e = clean_env({
        "HOME": home,
        "AWS_ENDPOINT_URL_STS": w.fp.url,
        "AWS_ENDPOINT_URL_IAM": w.fp.url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "TFAUTH_HTTP_TIMEOUT": "10",
        "TFAUTH_HTTP_RETRY_BASE_MS": "1",
        "INPUTRC": "/dev/null",
    })
    e.pop("TERM", None)
    e.update(extra)
    return e


def role_entry(w, home):
    key = hashlib.sha1(json.dumps({"RoleArn": w.deploy, "RoleSessionName": "crash"},
                                  sort_keys=True).encode()).hexdigest()
    return os.path.join(home, ".aws", "cli", "cache", key + ".json")


# ------------------------------------------------------------ refreshes

def refreshes(w, root):
    home = make_home(root, "refresh", w)
    env = env_for(w, home)
    wenv = env_for(w, home, TFAUTH_REFRESH_WINDOW="7200")
    entry = role_entry(w, home)
    cache = os.path.dirname(entry)
    argvs = [[os.path.join(BIN, "tfauth-refresh"), "role", "--force"],
             [os.path.join(BIN, "tfauth-env"), "role", "--format", "process"]]
    r = RUNNER.refresh("role", env=env)
    first = read(entry)
    if not tap.check("refresh: a first run writes the role's cache entry",
                     r.rc == 0 and first and entry_ok(first), r):
        return
    t_run, ok = timed(argvs[0], env)
    tap.check("refresh: uncut runs take %.0f ms" % (t_run * 1000), ok)
    bad, changed, max_temps, cut, finished = [], 0, 0, 0, 0
    prev = first
    stuck = []
    for i in range(N_REFRESH):
        argv = argvs[i % 2]
        delay = rng.uniform(0, 1.3 * t_run)
        rc, err = killed_run(argv, wenv if i % 2 else env, delay)
        if rc == 0:
            finished += 1
        elif rc == -signal.SIGKILL:
            cut += 1
        now = read(entry)
        if now is None or not entry_ok(now):
            bad.append("run %d (%s, killed after %.0f ms): the entry is %s" % (
                i, os.path.basename(argv[0]), delay * 1000,
                "gone" if now is None else "invalid (%d bytes, %s)" % (
                    len(now), sha(now))))
        for n in os.listdir(cache):
            if n.endswith(".json") and n != os.path.basename(entry):
                d = read(os.path.join(cache, n))
                if d is None or not entry_ok(d):
                    bad.append("run %d: %s is not a valid entry" % (i, n))
        if now is not None and now != prev:
            changed += 1
            prev = now
        max_temps = max(max_temps, len(temps(cache)))
        if i % 25 == 24:
            r = RUNNER.refresh("role", "--force", env=env, timeout=15)
            if r.rc != 0:
                stuck.append("after run %d: %s" % (i, r))
    tap.note("refresh: %d runs killed, %d ended before the kill, the entry "
             "replaced %d times, at most %d temporary file(s) at once" % (
                 cut, finished, changed, max_temps))
    tap.check("refresh: after each of %d kills the role's entry and every "
              "other entry is a complete, valid cache entry" % N_REFRESH,
              not bad, "\n".join(bad[:10]))
    tap.check("refresh: the kills landed both before and after the write "
              "(the entry changed %d times in %d runs)" % (changed, N_REFRESH),
              0 < changed < N_REFRESH, changed)
    tap.check("refresh: every 25 runs an uncut run succeeds (no lock left "
              "blocking)", not stuck, "\n".join(stuck[:3]))
    time.sleep(TEMP_AGE)
    r = RUNNER.refresh("role", "--force", env=env)
    left = temps(cache)
    tap.check("refresh: one uncut run after the kills removes every temporary "
              "file the killed runs left (%d seen at most)" % max_temps,
              r.rc == 0 and not left, "%s\nleft: %s" % (r, left))
    locks = [n for n in os.listdir(cache) if n.endswith(".lock")]
    tap.check("refresh: one lock file per entry, empty",
              all(os.path.getsize(os.path.join(cache, n)) == 0 for n in locks)
              and len(locks) <= len([n for n in os.listdir(cache)
                                     if n.endswith(".json")]), locks)


# ------------------------------------------------------------ set-keys

def parse_dev(path):
    """dev's key id as configparser and as botocore read the file."""
    from botocore.configloader import raw_config_parse
    cp = configparser.RawConfigParser()
    try:
        cp.read(path)
        a = cp.get("dev", "aws_access_key_id")
    except (configparser.Error, OSError) as e:
        a = "error: %s" % type(e).__name__
    try:
        b = raw_config_parse(path)["dev"]["aws_access_key_id"]
    except Exception as e:  # noqa: BLE001 -- any failure is the answer
        b = "error: %s" % type(e).__name__
    return a, b


def set_keys(w, root):
    home = make_home(root, "setkeys", w)
    aws = os.path.join(home, ".aws")
    creds = os.path.join(aws, "credentials")
    bak = creds + ".bak"
    keys = {w.akid: w.secret, w.akid2: w.secret2}
    argv = [os.path.join(BIN, "tfauth-profile"), "set-keys", "dev", "--stdin"]
    env = env_for(w, home)
    versions = {read(creds)}
    # The complete versions: the fixture, then each key written uncut.
    for akid in (w.akid2, w.akid):
        rc, err = killed_run(argv + ["--no-verify"], env, RUN_TIMEOUT,
                             "%s\n%s\n" % (akid, keys[akid]))
        versions.add(read(creds))
        if rc != 0:
            tap.check("set-keys: an uncut run writes the file", False, redact(err))
            return
    t_run, ok = timed(argv + ["--no-verify"], env, "%s\n%s\n" % (w.akid, w.secret))
    t_ver, ok2 = timed(argv, env, "%s\n%s\n" % (w.akid, w.secret), n=1)
    tap.check("set-keys: uncut runs take %.0f ms (%.0f ms verified)" % (
        t_run * 1000, t_ver * 1000), ok and ok2 and len(versions) >= 2,
        len(versions))
    bad, changed, max_temps, shows = [], 0, 0, []
    prev = read(creds)
    for i in range(N_KEYS):
        cur = parse_dev(creds)[0]
        target = w.akid2 if cur == w.akid else w.akid
        verify = i % 10 == 9
        t = t_ver if verify else t_run
        delay = rng.uniform(0, 1.3 * t)
        killed_run(argv + ([] if verify else ["--no-verify"]), env, delay,
                   "%s\n%s\n" % (target, keys[target]))
        now = read(creds)
        b = read(bak)
        if now not in versions:
            bad.append("run %d (killed after %.1f ms): credentials is %s" % (
                i, delay * 1000, "gone" if now is None else
                "no complete version (%d bytes, %s)" % (len(now), sha(now))))
        elif b is not None and b not in versions:
            bad.append("run %d: credentials.bak is no complete version "
                       "(%d bytes)" % (i, len(b)))
        else:
            a, c = parse_dev(creds)
            if a not in keys or c not in keys:
                bad.append("run %d: configparser reads %s, botocore %s" % (i, a, c))
        if now != prev:
            changed += 1
            prev = now
        max_temps = max(max_temps, len(temps(aws)))
        if i % 50 == 49:
            r = RUNNER.tool("tfauth-profile", "show", "dev", "--json", env=env)
            try:
                shown = json.loads(r.out)
            except ValueError:
                shown = None
            if r.rc != 0 or not shown:
                shows.append(str(r))
    tap.note("set-keys: the file replaced %d times in %d runs, at most %d "
             "temporary file(s) at once" % (changed, N_KEYS, max_temps))
    tap.check("set-keys: after each of %d kills the credentials file (and the "
              ".bak) is one complete version; configparser and botocore read "
              "dev's key" % N_KEYS, not bad, "\n".join(bad[:10]))
    tap.check("set-keys: the kills landed before and after the rename "
              "(replaced %d times)" % changed, 0 < changed < N_KEYS, changed)
    tap.check("set-keys: tfauth-profile show reads the file every 50 runs",
              not shows, "\n".join(shows[:2]))
    time.sleep(TEMP_AGE)
    rc, err = killed_run(argv + ["--no-verify"], env, RUN_TIMEOUT,
                         "%s\n%s\n" % (w.akid, w.secret))
    left = temps(aws)
    tap.check("set-keys: one uncut run after the kills leaves no temporary "
              "file (%d seen at most)" % max_temps, rc == 0 and not left,
              "%s\nleft: %s" % (redact(err), left))


# ------------------------------------------------------------ full disk

def limit_fsize(nbytes, ignore_sigxfsz):
    def pre():
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN if ignore_sigxfsz
                      else signal.SIG_DFL)
    return pre


def snapshot(folder):
    out = {}
    for d, _, files in os.walk(folder):
        for n in files:
            if n.endswith(".lock"):
                continue
            p = os.path.join(d, n)
            out[os.path.relpath(p, folder)] = sha(read(p) or b"")
    return out


def full_disk_case(w, desc, home, argv, stdin, watch, preexec, words):
    """Run argv under preexec (a limit) and check: the failure, the
    message, and watch (a folder) unchanged, no temp file left."""
    before = snapshot(watch)
    env = env_for(w, home)
    rc, err = killed_run(argv, env, RUN_TIMEOUT, stdin, preexec)
    after = snapshot(watch)
    tmp = temps(watch) + temps(os.path.join(watch, "cli", "cache"))
    lines = [ln for ln in err.splitlines() if ln.strip()]
    tap.check("%s: exit 1 with one message naming the file and the cause, "
              "and a hint" % desc,
              rc == 1 and lines and all(x in err for x in words) and
              "hint:" in err and len(lines) <= 4 and ".tmp." not in err,
              "rc=%s\n%s" % (rc, redact(err)))
    changed = {k for k in set(before) | set(after) if ".tmp." not in k and
               before.get(k) != after.get(k)}
    tap.check("%s: every file as it was" % desc, not changed, sorted(changed))
    tap.check("%s: no temporary file left" % desc, not tmp, tmp)


def full_disk(w, root):
    home = make_home(root, "fsize", w)
    env = env_for(w, home)
    r = RUNNER.refresh("role", env=env)
    tap.check("full disk: a first refresh writes the entry", r.rc == 0, r)
    aws = os.path.join(home, ".aws")
    refresh = [os.path.join(BIN, "tfauth-refresh"), "role", "--force"]
    setkeys = [os.path.join(BIN, "tfauth-profile"), "set-keys", "dev", "--stdin",
               "--no-verify"]
    new = "%s\n%s\n" % (w.akid2, w.secret2)
    full_disk_case(w, "RLIMIT_FSIZE 200 bytes, SIGXFSZ ignored, refresh", home,
                   refresh, None, aws, limit_fsize(200, True),
                   ["File too large", ".json'", "ulimit -f"])
    full_disk_case(w, "RLIMIT_FSIZE 100 bytes, SIGXFSZ ignored, set-keys", home,
                   setkeys, new, aws, limit_fsize(100, True),
                   ["File too large", "credentials", "ulimit -f"])
    # SIGXFSZ at its default would kill the process without a word: the
    # tools catch it, so the write fails with EFBIG the same way.
    full_disk_case(w, "RLIMIT_FSIZE 200 bytes, SIGXFSZ at its default, refresh",
                   home, refresh, None, aws, limit_fsize(200, False),
                   ["File too large", ".json'"])
    full_disk_case(w, "RLIMIT_FSIZE 100 bytes, SIGXFSZ at its default, set-keys",
                   home, setkeys, new, aws, limit_fsize(100, False),
                   ["File too large", "credentials"])
    r1 = RUNNER.refresh("role", "--force", env=env)
    rc, err = killed_run(setkeys, env, RUN_TIMEOUT, new)
    tap.check("full disk: with the limit gone, refresh and set-keys work again",
              r1.rc == 0 and rc == 0, "%s\n%s" % (r1, redact(err)))
    tmpfs(w, root)


def mount_tmpfs(path, size):
    try:
        p = subprocess.run(["mount", "-t", "tmpfs", "-o",
                            "size=%d,mode=0700" % size, "tmpfs", path],
                           capture_output=True, timeout=10)
        return p.returncode == 0, p.stderr.decode("utf-8", "replace").strip()
    except (OSError, subprocess.SubprocessError) as e:
        return False, str(e)


def umount(path):
    try:
        subprocess.run(["umount", path], capture_output=True, timeout=10)
        if os.path.ismount(path):
            subprocess.run(["umount", "-l", path], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        pass


def fill(folder):
    """Fill a file system to the last byte: a filler file, then small ones."""
    fd = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    for i in range(64):
        try:
            fd = os.open(os.path.join(folder, "filler%d" % i),
                         os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError:
            break
        try:
            os.write(fd, b"\0")
        except OSError:
            break
        finally:
            os.close(fd)


def tmpfs(w, root):
    desc = ["tmpfs full: refresh", "tmpfs full: set-keys"]
    if os.geteuid() != 0 and not shutil.which("mount"):
        for d in desc:
            tap.skip(d, "mounting a tmpfs needs root")
        return
    home = make_home(root, "tmpfs", w)
    env = env_for(w, home)
    cache = os.path.join(home, ".aws", "cli", "cache")
    os.makedirs(cache, mode=0o700)
    ok, why = mount_tmpfs(cache, 64 << 10)
    if not ok:
        for d in desc:
            tap.skip(d, "cannot mount a tmpfs here (%s)" % (why or "mount failed"))
        return
    mounts = [cache]
    try:
        r = RUNNER.refresh("role", env=env)
        tap.check("tmpfs: a first refresh writes the entry on it", r.rc == 0, r)
        fill(cache)
        full_disk_case(w, "tmpfs full: refresh", home,
                       [os.path.join(BIN, "tfauth-refresh"), "role", "--force"],
                       None, cache, None, ["No space left on device", ".json'"])
        umount(cache)
        mounts = []
        # The credentials file on a full tmpfs of its own.
        home2 = os.path.join(root, "tmpfs-keys")
        os.makedirs(home2, mode=0o700)
        aws = os.path.join(home2, ".aws")
        os.makedirs(aws, mode=0o700)
        ok, why = mount_tmpfs(aws, 64 << 10)
        if not ok:
            tap.skip(desc[1], "cannot mount a tmpfs here (%s)" % why)
            return
        mounts = [aws]
        src = make_home(root, "tmpfs-src", w)
        for n in ("config", "credentials"):
            shutil.copy2(os.path.join(src, ".aws", n), os.path.join(aws, n))
        fill(aws)
        full_disk_case(w, "tmpfs full: set-keys", home2,
                       [os.path.join(BIN, "tfauth-profile"), "set-keys", "dev",
                        "--stdin", "--no-verify"],
                       "%s\n%s\n" % (w.akid2, w.secret2), aws, None,
                       ["No space left on device", "credentials"])
    finally:
        for m in mounts:
            umount(m)


def main():
    for name in ("tfauth-env", "tfauth-refresh", "tfauth-profile"):
        if not os.access(os.path.join(BIN, name), os.X_OK):
            tap.check("%s is built (run 'make')" % os.path.join(BIN, name), False)
            return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("crash safety", "moto or boto3 is not installed (%s)" % version)
        return tap.done()
    t_start = time.monotonic()
    root = tempfile.mkdtemp(prefix="tfauth-crash.")
    os.chmod(root, 0o700)
    moto = Moto(no_auth_count=SEED_CALLS)
    w = World()
    fp = None
    try:
        try:
            moto.start()
        except MotoError as e:
            tap.check("moto's server starts", False, e)
            return tap.done()
        iam = moto.client("iam")
        alice = moto.create_user(iam, "alice", allow_all=True)       # 2
        w.akid, w.secret = moto.create_key(iam, "alice")             # 3
        w.akid2, w.secret2 = moto.create_key(iam, "alice")           # 4
        w.deploy = moto.create_role(iam, "deploy", [alice])          # 5
        tap.check("seeding made exactly %d calls" % SEED_CALLS,
                  moto.requests_sent == SEED_CALLS, moto.requests_sent)
        SECRETS.update([w.secret, w.secret2])
        w.fp = fp = FaultProxy(moto.port).start()
        fp.set("delay", match=action("AssumeRole"), lo=0.0, hi=0.03)

        for part in (refreshes, set_keys, full_disk):
            try:
                part(w, root)
            except Exception:  # noqa: BLE001 -- a failure to see, not a crash
                import traceback
                tap.check("%s ran to its end" % part.__name__, False,
                          redact(traceback.format_exc()))

        leaks = [r for r in RUNNER.runs if any(s and s in r.err for s in SECRETS)]
        tap.check("no secret on stderr", not leaks,
                  "\n".join(str(r.argv[:3]) for r in leaks))
        tap.check("no error inside the proxy", fp.errors == [], fp.errors)
        tap.note("crash_safety took %.1f s" % (time.monotonic() - t_start))
    finally:
        if fp is not None:
            fp.stop()
        moto.stop()
        for d, _, _ in os.walk(root):
            if os.path.ismount(d):
                umount(d)
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
