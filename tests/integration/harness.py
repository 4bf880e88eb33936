"""harness — shared pieces of the integration tests that talk to moto.

    from harness import Moto, Tap, run_tool

    tap = Tap()
    with Moto(no_auth_count=3) as moto:       # moto's server on a free port
        iam = moto.client("iam")              # boto3, pointed at it
        ...three setup calls...               # free: not authenticated
        # from now on moto verifies every request's SigV4 signature
        with moto.setup_calls(1):             # reopen one free call
            iam.update_access_key(...)
        r = run_tool("sts-call", ["identity"], moto.tool_env(akid, secret))
        tap.check("...", r.rc == 0, r)
    sys.exit(tap.done())

How moto counts (moto 5.x, moto/core/authorization.py): every AWS API
request goes through ActionAuthenticatorMixin._authenticate_and_authorize_
action.  While its class-wide request_count is below INITIAL_NO_AUTH_ACTION_
COUNT the request is served without any check and the count goes up by one;
from then on each request's key is looked up (unknown key:
InvalidClientTokenId, or a signature that differs: SignatureDoesNotMatch,
both 403) and its IAM policies are evaluated (AccessDenied), with
GetCallerIdentity always allowed.  Failed setup calls count too; /moto-api/
calls never do.  POST /moto-api/reset-auth with the body N sets the limit to
N and the count to 0, so it opens N more free calls; POST /moto-api/reset
empties every backend.

The server runs as a subprocess on 127.0.0.1, on a port the kernel picked,
with none of the machine's AWS_* settings.  It is stopped at the end of the
with-block, at interpreter exit, and on SIGTERM, whatever happens.  Every
wait is bounded.  Nothing here prints a secret: tool output is shown on
failure, but the tools print only lengths and SHA-256 digests of secrets.
"""
import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOP = os.environ.get("TFAUTH_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
TESTBIN = os.environ.get("TFAUTH_TESTBIN") or os.path.join(
    TOP, "build", "rel", "tests")
TOOLS = os.path.join(TESTBIN, "tools")
ACCOUNT = "123456789012"   # moto's default account
RUN_TIMEOUT = 30           # seconds any one tool run may take
START_TIMEOUT = 20         # seconds moto may take to answer its first request

# boto3 in the test process itself must not read the machine's ~/.aws
# (the clients here name their keys and endpoint; the tools under test get
# their own HOME through clean_env).
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

# Variables a test never inherits from the machine.
_KEEP = ("TFAUTH_BIN", "TFAUTH_TESTBIN", "TFAUTH_TOP", "TFAUTH_SANITIZE",
         "TFAUTH_SECRETS_LOG")

# -- secrets the tests use
#
# tests/run.sh names a file in TFAUTH_SECRETS_LOG and, once every suite has
# run, looks for each secret listed there in every suite's output: none may
# appear.  register_secret() adds secrets made at run time (moto's keys and
# sessions, the SSO emulator's tokens); mask() hides every listed secret in
# a text that is about to be printed (failure diagnostics).

SECRET_MIN = 8     # shorter values are too common to grep for

# moto 5.x answers GetSessionToken and GetFederationToken with fixed
# credentials (moto/sts/responses.py): secrets too, once a test has them.
MOTO_FIXED_SECRETS = (
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT+FvwqnKwRcOIfrRh3c/LTo6UDdy"
    "JwOOvEVPvLXCrrrUtdnniCEXAMPLE/IvU1dYUg2RVAJBanLiHb4IgRmpRV3zrkuWJOgQs8IZZa"
    "Iv2BXIa2R4OlgkBN9bkUDNCJiBeb/AXlzBBko7b15fjrBs2+cTQtpZ3CYWFXG8C5zqx37wnOE4"
    "9mRl/+OtkIKGO7fAE",
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHG"
    "BuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1N"
    "tBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHN"
    "VXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9"
    "FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
)

_registered = set()


TTY_WRAPPER = r"""#!/bin/sh
# run.sh DIR CMD ARGS...: CMD ARGS on this terminal with only the
# environment of DIR/env (and the pane's TERM); the command's pid goes to
# DIR/pid, its exit status to DIR/rc once it has ended%s.  Then the pane
# stays open to be read.
dir=$1
shift
# ':' and not '': this shell outlives a Ctrl-C meant for the command, and
# the command does not inherit an ignored SIGINT.
trap : INT
env -i TERM="${TERM:-screen}" /bin/sh -c \
	'echo $$ >"$0/pid"; set -a; . "$0/env"; set +a; exec "$@"' \
	"$dir" "$@"%s
echo $? >"$dir/rc.tmp"
mv "$dir/rc.tmp" "$dir/rc"
exec sleep 600
"""


def write_tty_wrapper(path, capture=False):
    """Write TTY_WRAPPER to path (executable); with capture, the command's
    stdout and stderr go to DIR/out and DIR/err instead of the pane."""
    with open(path, "w") as f:
        if capture:
            f.write(TTY_WRAPPER % ("; its stdout and stderr to DIR/out and "
                                   "DIR/err", ' >"$dir/out" 2>"$dir/err"'))
        else:
            f.write(TTY_WRAPPER % ("", ""))
    os.chmod(path, 0o755)


def share_group(path):
    """Give path a group that is not the user's private group, so that its
    group bits count (tfauth accepts group-writable files of a user private
    group): root takes a gid no group has; others one of their
    supplementary groups.  True when it did."""
    if os.geteuid() == 0:
        os.chown(path, -1, 4242)
        return True
    for g in os.getgroups():
        if g != os.getgid():
            try:
                os.chown(path, -1, g)
                return True
            except OSError:
                pass
    return False


def register_secret(value):
    """Note value as a secret for tests/run.sh's final check; returns it."""
    path = os.environ.get("TFAUTH_SECRETS_LOG")
    if (path and isinstance(value, str) and len(value) >= SECRET_MIN and
            "\n" not in value and value not in _registered):
        _registered.add(value)
        try:
            with open(path, "a") as f:
                f.write(value + "\n")
        except OSError:
            pass
    return value


def _listed_secrets():
    path = os.environ.get("TFAUTH_SECRETS_LOG")
    found = set(_registered)
    if path:
        try:
            with open(path) as f:
                found.update(line.rstrip("\n") for line in f)
        except OSError:
            pass
    return sorted((x for x in found if len(x) >= SECRET_MIN), key=len,
                  reverse=True)


def mask(text):
    """text with every listed secret replaced by ****LAST4."""
    text = str(text)
    for s in _listed_secrets():
        if s in text:
            text = text.replace(s, "****" + s[-4:])
    return text


def clean_env(extra=None):
    """The process environment less AWS_*, TFAUTH_* (but the runner's own)
    and proxies, plus extra."""
    env = {}
    for k, v in os.environ.items():
        if k.lower() in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
            continue
        if k.startswith("AWS_") or k.startswith("MOTO_") or (
                k.startswith("TFAUTH_") and k not in _KEEP):
            continue
        env[k] = v
    if extra:
        env.update(extra)
    return env


class Tap:
    """TAP lines on stdout: check(), skip(), note(), then done()."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, desc, cond, diag=""):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc))
            for line in mask(diag).splitlines()[:30]:
                print("#   " + line)
        sys.stdout.flush()
        return bool(cond)

    def skip(self, desc, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, why))
        sys.stdout.flush()

    def note(self, text):
        for line in mask(text).splitlines():
            print("# " + line)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.stdout.flush()
        return 1 if self.failed else 0


def free_port():
    """A port nothing listens on (bound once by us, then released)."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class Result:
    """One tool run: rc, out, err, elapsed, and out's key=value lines."""

    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed
        self.kv = {}
        for line in out.splitlines():
            k, sep, v = line.partition("=")
            if sep:
                self.kv[k] = v
        self.ekv = {}
        for line in err.splitlines():
            k, sep, v = line.partition("=")
            if sep and " " not in k:
                self.ekv[k] = v

    def __getitem__(self, k):
        return self.kv.get(k)

    def aws_code(self):
        return self.ekv.get("aws_code")

    def __str__(self):
        return "rc=%s elapsed=%.2fs\nstdout: %s\nstderr: %s" % (
            self.rc, self.elapsed, self.out[:1500], self.err[:1500])


def run_tool(name, args, env, timeout=RUN_TIMEOUT):
    """Run tests/tools/NAME with exactly env; never raises on failure."""
    start = time.monotonic()
    try:
        p = subprocess.run([os.path.join(TOOLS, name)] + list(args), env=env,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = -1, e.stdout or b"", (e.stderr or b"") + b"\n(killed: timeout)"
    except OSError as e:
        rc, out, err = -2, b"", str(e).encode()
    return Result(rc, out.decode("utf-8", "replace"),
                  err.decode("utf-8", "replace"), time.monotonic() - start)


class Tmux:
    """A private tmux server (-L SOCK-PID), no config, bounded commands.

    tm(ARGS...) runs one tmux command: (rc, stdout).  start() opens a
    session of a fixed size and notes the server's socket file and the
    pane's pid (in self.pids); kill() ends the server and removes the
    socket file, which kill-server leaves behind."""

    def __init__(self, prefix, pids=None):
        self.sock = "%s-%d" % (prefix, os.getpid())
        self.env = clean_env()
        for k in ("TMUX", "TMUX_PANE"):
            self.env.pop(k, None)
        self.env.setdefault("TERM", "xterm")
        self.started = False
        self.socket_path = None
        self.pids = [] if pids is None else pids

    def __call__(self, *args):
        try:
            p = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] +
                               list(args), env=self.env,
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=10)
            return p.returncode, p.stdout.decode("utf-8", "replace")
        except (subprocess.TimeoutExpired, OSError) as e:
            return -1, str(e)

    def start(self, name, width, height, *cmd):
        """Session NAME of WIDTHxHEIGHT running cmd: (ok, tmux's output)."""
        rc, text = self("new-session", "-d", "-s", name, "-x", str(width),
                        "-y", str(height), *cmd)
        self.started = True
        ok = rc == 0
        if ok and not self.socket_path:
            rc2, path = self("display-message", "-p", "#{socket_path}")
            if rc2 == 0 and os.path.basename(path.strip()) == self.sock:
                self.socket_path = path.strip()
        rc2, pid = self("display-message", "-p", "-t", name, "#{pane_pid}")
        if rc2 == 0 and pid.strip().isdigit():
            self.pids.append(int(pid.strip()))
        return ok, text

    def send(self, name, *keys):
        self("send-keys", "-t", name, *keys)

    def screen(self, name, *opts):
        """Session NAME's screen ("" if tmux fails); opts go to capture-pane."""
        rc, text = self("capture-pane", "-p", *opts, "-t", name)
        return text if rc == 0 else ""

    def kill(self):
        """Kill the server, and remove the socket file it leaves."""
        if self.started:
            self("kill-server")
            self.started = False
        if self.socket_path:
            try:
                os.unlink(self.socket_path)
            except OSError:
                pass
            self.socket_path = None


def write_env_file(path, env):
    """env as NAME='value' lines, for sh's `set -a; . FILE`; mode 0600."""
    import shlex
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        for k, v in sorted(env.items()):
            if k.isidentifier() and k.isascii():
                f.write("%s=%s\n" % (k, shlex.quote(v)))


class ToolRun:
    """One run of a command: argv, rc (-1: killed at the timeout, -2: did
    not start), out and err (text), elapsed.  str() shows it with the
    outputs cut to OUT_LIMIT and ERR_LIMIT and passed through redact()."""

    OUT_LIMIT = 1200
    ERR_LIMIT = 1500

    def __init__(self, argv, rc, out, err, elapsed):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.elapsed = elapsed

    def redact(self, text):
        return mask(text)

    def __str__(self):
        return "%s\nrc=%s elapsed=%.2fs\nstdout: %s\nstderr: %s" % (
            " ".join(os.path.basename(a) if i == 0 else a
                     for i, a in enumerate(self.argv)),
            self.rc, self.elapsed, self.redact(self.out[:self.OUT_LIMIT]),
            self.redact(self.err[:self.ERR_LIMIT]))


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def start_session(argv, env, stderr=subprocess.PIPE):
    """argv in a session of its own (no controlling terminal), stdin
    /dev/null, stdout (and by default stderr) piped."""
    return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=stderr,
                            start_new_session=True)


class Runner:
    """Runs commands with start_session and a bounded wait (the process
    group is killed if it overruns), as run_class objects, each also kept
    in self.runs.  tool() runs bin_dir/NAME."""

    def __init__(self, bin_dir, timeout, run_class=ToolRun):
        self.bin, self.timeout, self.run_class = bin_dir, timeout, run_class
        self.runs = []

    def finish(self, p, argv, t0, deadline):
        try:
            out, err = p.communicate(
                timeout=max(0.1, deadline - time.monotonic()))
            rc = p.returncode
        except subprocess.TimeoutExpired:
            kill_group(p)
            out, err = p.communicate(timeout=10)
            rc, err = -1, (err or b"") + b"\n(killed: timeout)"
        r = self.run_class(argv, rc, (out or b"").decode("utf-8", "replace"),
                           (err or b"").decode("utf-8", "replace"),
                           time.monotonic() - t0)
        self.runs.append(r)
        return r

    def run(self, argv, env, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        t0 = time.monotonic()
        try:
            p = start_session(argv, env)
        except OSError as e:
            r = self.run_class(argv, -2, "", str(e), 0.0)
            self.runs.append(r)
            return r
        return self.finish(p, argv, t0, t0 + timeout)

    def tool(self, name, *args, env, timeout=None):
        return self.run([os.path.join(self.bin, name)] + list(args), env,
                        timeout)

    def tfenv(self, *args, env, timeout=None):
        return self.tool("tfauth-env", *args, env=env, timeout=timeout)

    def refresh(self, *args, env, timeout=None):
        return self.tool("tfauth-refresh", *args, env=env, timeout=timeout)


def read_env_file(path):
    """NAME=value lines (as sts-call -w writes them) -> dict."""
    out = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                out[k] = v
                if k in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
                    register_secret(v)
    return out


_live = []


def _stop_all():
    for m in list(_live):
        m.stop()


atexit.register(_stop_all)


def _on_term(signum, frame):
    _stop_all()
    sys.exit(128 + signum)


class MotoError(Exception):
    pass


class Moto:
    """moto's server as a subprocess, for one test script."""

    def __init__(self, no_auth_count=None, region="us-east-1"):
        self.no_auth_count = no_auth_count
        self.region = region
        self.port = None
        self.url = None
        self.proc = None
        self.tmp = None
        self.log_path = None
        self.requests_sent = 0    # by clients made with client()
        # urllib without proxies: moto is on loopback.
        self._http = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- life cycle

    @staticmethod
    def available():
        """(True, version) when moto's server and boto3 can be imported."""
        try:
            import boto3  # noqa: F401
            import moto
            import moto.server  # noqa: F401
        except Exception as e:  # ImportError, or a broken install
            return False, str(e)
        return True, moto.__version__

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="tfauth-moto.")
        self.log_path = os.path.join(self.tmp, "moto.log")
        # moto's server reads no one's ~/.aws: its own HOME and empty files.
        env = clean_env({"HOME": self.tmp, "AWS_CONFIG_FILE": os.devnull,
                         "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        if self.no_auth_count is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(self.no_auth_count)
        # The port is free when we look; if moto loses a race for it, it
        # exits and we try another.
        for attempt in range(3):
            self.port = free_port()
            self.url = "http://127.0.0.1:%d" % self.port
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                     "-p", str(self.port)],
                    env=env, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT)
            finally:
                log.close()
            _live.append(self)
            if threading_main():
                signal.signal(signal.SIGTERM, _on_term)
            if self._wait_ready():
                for secret in MOTO_FIXED_SECRETS:
                    register_secret(secret)
                return self
            self.stop(keep_tmp=True)
        raise MotoError("moto's server did not start; its log ends:\n" +
                        self.log_tail())

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with self._http.open(self.url + "/moto-api/", timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def harvest_secrets(self):
        """Register every key secret and session moto holds (its
        /moto-api/data.json lists IAM keys and STS sessions)."""
        if not os.environ.get("TFAUTH_SECRETS_LOG") or self.proc is None or \
                self.proc.poll() is not None:
            return
        try:
            with self._http.open(self.url + "/moto-api/data.json",
                                 timeout=10) as r:
                data = json.loads(r.read().decode("utf-8", "replace"))
        except (urllib.error.URLError, OSError, ValueError):
            return

        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if k in ("secret_access_key", "session_token") and \
                            isinstance(v, str):
                        register_secret(v)
                    else:
                        walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(data)

    def stop(self, keep_tmp=False):
        if self.proc is not None:
            self.harvest_secrets()
            if self.proc.poll() is None:
                # moto's server (werkzeug, no reloader) is one process.  It
                # stays in our process group, so that the test runner's
                # timeout, which kills the group, ends it too.
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
            self.proc = None
        if self in _live:
            _live.remove(self)
        if self.tmp and not keep_tmp:
            for name in os.listdir(self.tmp):
                try:
                    os.unlink(os.path.join(self.tmp, name))
                except OSError:
                    pass
            try:
                os.rmdir(self.tmp)
            except OSError:
                pass
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- moto's own API

    def _post(self, path, body, ctype):
        req = urllib.request.Request(self.url + path, data=body.encode(),
                                     method="POST",
                                     headers={"Content-Type": ctype})
        with self._http.open(req, timeout=10) as r:
            return json.loads(r.read().decode() or "{}")

    def reset(self):
        """Empty every backend (users, keys, roles, sessions)."""
        self.harvest_secrets()
        return self._post("/moto-api/reset", "", "text/plain")

    def reset_auth(self, n):
        """Serve the next n requests unauthenticated, then verify again."""
        return self._post("/moto-api/reset-auth", str(n), "text/plain")

    class _Setup:
        def __init__(self, moto, n):
            self.moto, self.n = moto, n

        def __enter__(self):
            self.moto.reset_auth(self.n)
            return self.moto

        def __exit__(self, *exc):
            # Whatever was used of the n, verification is on again.
            self.moto.reset_auth(0)
            return False

    def setup_calls(self, n):
        """with moto.setup_calls(n): ... — n free calls, then none."""
        return Moto._Setup(self, n)

    # -- clients and tools

    def client(self, service, akid="AKIAIOSFODNN7EXAMPLE",
               secret="setup-secret-not-checked", token=None):
        """A boto3 client on moto; no retries, so one call is one request
        (moto counts requests).  Requests sent are counted in
        self.requests_sent."""
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(
            aws_access_key_id=akid, aws_secret_access_key=secret,
            aws_session_token=token, region_name=self.region)
        c = session.client(service, endpoint_url=self.url, config=Config(
            retries={"total_max_attempts": 1}, connect_timeout=5,
            read_timeout=10))

        def count(**kwargs):
            self.requests_sent += 1
        c.meta.events.register("before-send", count)
        return c

    def tool_env(self, akid=None, secret=None, token=None, **extra):
        """Environment for a tool run against this server."""
        env = clean_env({
            "AWS_ENDPOINT_URL_STS": self.url,
            "AWS_ENDPOINT_URL_IAM": self.url,
            "AWS_REGION": self.region,
            "TFAUTH_HTTP_TIMEOUT": "10",
            "TFAUTH_HTTP_RETRY_BASE_MS": "1",
            "HOME": self.tmp or "/nonexistent",
        })
        if akid is not None:
            env["AWS_ACCESS_KEY_ID"] = akid
        if secret is not None:
            env["AWS_SECRET_ACCESS_KEY"] = register_secret(secret)
        if token is not None:
            env["AWS_SESSION_TOKEN"] = register_secret(token)
        env.update(extra)
        return env

    # -- seeding (call inside the free-call window)

    @staticmethod
    def policy(statements):
        return json.dumps({"Version": "2012-10-17", "Statement": statements})

    def create_user(self, iam, name, allow_all=False):
        """Create a user (1 call, 2 with allow_all)."""
        iam.create_user(UserName=name)
        if allow_all:
            iam.put_user_policy(UserName=name, PolicyName="allow-all",
                                PolicyDocument=self.policy([{
                                    "Effect": "Allow", "Action": "*",
                                    "Resource": "*"}]))
        return "arn:aws:iam::%s:user/%s" % (ACCOUNT, name)

    @staticmethod
    def create_key(iam, user):
        """(access key id, secret) of a new key of user (1 call)."""
        k = iam.create_access_key(UserName=user)["AccessKey"]
        return k["AccessKeyId"], register_secret(k["SecretAccessKey"])

    def create_role(self, iam, name, trusted, may_assume_roles=False):
        """A role trusting the principal ARNs in trusted (1 call, 2 with
        may_assume_roles: an inline policy allowing sts:AssumeRole, so that
        its sessions can chain)."""
        arn = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=self.policy([{
                "Effect": "Allow", "Principal": {"AWS": list(trusted)},
                "Action": "sts:AssumeRole"}]))["Role"]["Arn"]
        if may_assume_roles:
            iam.put_role_policy(RoleName=name, PolicyName="chain",
                                PolicyDocument=self.policy([{
                                    "Effect": "Allow", "Action": "sts:AssumeRole",
                                    "Resource": "*"}]))
        return arn


def threading_main():
    import threading
    return threading.current_thread() is threading.main_thread()


# -- run directly (tests/run.sh runs every tests/integration/*.py): a
# self-test of the harness and of what it assumes about moto's counting.

def _self_test():
    tap = Tap()
    ok, why = Moto.available()
    if not ok:
        tap.skip("moto harness", "moto or boto3 is not installed (%s)" % why)
        return tap.done()
    from botocore.exceptions import ClientError

    def code_of(fn):
        try:
            fn()
            return "ok"
        except ClientError as e:
            return e.response.get("Error", {}).get("Code", "?")

    moto = Moto(no_auth_count=2)
    try:
        moto.start()
    except MotoError as e:
        tap.check("moto's server starts", False, e)
        return tap.done()
    try:
        tap.check("moto's server answers on 127.0.0.1:%d" % moto.port,
                  moto.proc.poll() is None)
        iam = moto.client("iam")
        tap.check("INITIAL_NO_AUTH_ACTION_COUNT=2: first call free",
                  code_of(lambda: iam.create_user(UserName="h")) == "ok")
        tap.check("... second call free",
                  code_of(lambda: iam.create_access_key(UserName="h")) == "ok")
        tap.check("... third call verified: unknown key refused",
                  code_of(lambda: iam.list_users()) == "InvalidClientTokenId")
        tap.check("the client counted 3 requests", moto.requests_sent == 3,
                  moto.requests_sent)
        moto.reset_auth(2)
        tap.check("reset-auth 2: a failing call is free but counts",
                  code_of(lambda: iam.get_user(UserName="nobody")) == "NoSuchEntity")
        tap.check("... the second is free",
                  code_of(lambda: iam.list_users()) == "ok")
        tap.check("... the third is verified",
                  code_of(lambda: iam.list_users()) == "InvalidClientTokenId")
        with moto.setup_calls(5):
            tap.check("setup_calls(5): free inside",
                      code_of(lambda: iam.list_users()) == "ok")
        tap.check("setup_calls: verified again after the block",
                  code_of(lambda: iam.list_users()) == "InvalidClientTokenId")
        moto.reset()
        with moto.setup_calls(1):
            users = iam.list_users()["Users"]
        tap.check("reset empties the backends", users == [], users)
        port = moto.port
    finally:
        moto.stop()
    s = socket.socket()
    s.settimeout(2)
    try:
        refused = s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        s.close()
    tap.check("stop: the server is gone", refused and moto.proc is None)
    return tap.done()


if __name__ == "__main__":
    sys.exit(_self_test())
