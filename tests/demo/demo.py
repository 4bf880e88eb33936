#!/usr/bin/env python3
"""make demo — tfauth fixing a broken Terraform run, on this machine, with
no AWS account: the AWS side is played by the emulators the tests use.

  1. moto's server (the AWS emulator, its authentication on: unknown keys
     get InvalidClientTokenId) and the IAM Identity Center (SSO) emulator
     start on 127.0.0.1, on ports the kernel picks.
  2. A throwaway HOME gets an AWS config with an SSO profile and a role
     profile, deploy, on top of it; a signed-in SSO session in the token
     cache; and a cached session of role deploy that the emulator does not
     accept (as after the session was revoked).  The shell has
     AWS_PROFILE=deploy and, left over from earlier, a stale
     AWS_ACCESS_KEY_ID and secret.
  3. `terraform plan` (the tests' stand-in: it checks its credentials with
     STS GetCallerIdentity as the AWS provider does) fails with the
     provider's InvalidClientTokenId error.
  4. With the shell integration (eval "$(tfauth init bash)"), the same
     `terraform plan` runs through tfauth-run: the stale key is cleared,
     the cached session is tried, InvalidClientTokenId is recognised, the
     session is refreshed through SSO and AssumeRole, and the plan is run
     again and succeeds.
  5. `tfauth doctor` runs the checklist on the same HOME and shell: the
     stale key is still in this shell (tfauth-run cleared it for terraform
     only); `eval "$(tfauth env)"` clears it and doctor passes.

Everything runs with HOME set to the throwaway folder; the user's own
~/.aws is never read or written.  Every child runs in a process group of
its own with a time limit; the emulators are stopped and the folder is
removed whatever happens (Ctrl-C included).

    python3 tests/demo/demo.py          (make demo builds first)

Exit status: 0 when the story went as told, 1 otherwise, 2 when moto or
boto3 is missing.
"""
import datetime
import hashlib
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
INTEGRATION = os.path.join(TOP, "tests", "integration")
sys.path.insert(0, INTEGRATION)

import harness  # noqa: E402  (also keeps this process's boto3 off ~/.aws)
from harness import ACCOUNT, Moto, MotoError, clean_env  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
FAKE_TF = os.path.join(INTEGRATION, "fake_terraform.py")
REGION = "us-east-1"
START_URL = "https://example-corp.awsapps.com/start"
SEED_CALLS = 6
STEP_TIMEOUT = 90
STALE_KEY = "AKIAOLDSESSIONKEY042"

COLOR = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and \
    os.environ.get("TERM") not in (None, "", "dumb")


def style(code, text):
    return "\033[%sm%s\033[0m" % (code, text) if COLOR else text


def say(text=""):
    print(text)
    sys.stdout.flush()


def heading(text):
    say()
    say(style("1;36", "== " + text))


def typed(cmd, comment=None):
    line = style("1", "$ " + cmd)
    if comment:
        line += "    " + style("2", "# " + comment)
    say(line)


def aside(text):
    for line in text.splitlines():
        say(style("2", "   " + line))


def zulu(epoch):
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_private(path, text):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


class Demo:
    def __init__(self):
        self.root = None
        self.moto = None
        self.sso = None
        self.children = []
        self.failures = []

    # -- the world

    def start_emulators(self):
        from ssoemu import MotoRoleSource, SsoEmu
        self.moto = Moto(no_auth_count=SEED_CALLS, region=REGION)
        self.moto.start()
        iam = self.moto.client("iam")
        before = self.moto.requests_sent
        admin = self.moto.create_user(iam, "sso-admin", allow_all=True)       # 2
        akid, secret = self.moto.create_key(iam, "sso-admin")                  # 3
        harness.register_secret(secret)
        self.moto.create_role(iam, "Admin", [admin], may_assume_roles=True)    # 5
        self.deploy_arn = self.moto.create_role(iam, "deploy", [               # 6
            "arn:aws:sts::%s:assumed-role/Admin/demo-user" % ACCOUNT])
        if self.moto.requests_sent - before != SEED_CALLS:
            raise MotoError("seeding moto took %d calls, not %d" % (
                self.moto.requests_sent - before, SEED_CALLS))
        src = MotoRoleSource(self.moto, akid, secret, session_name="demo-user")
        self.sso = SsoEmu(src, token_lifetime=8 * 3600)
        self.sso.start()

    def make_home(self):
        self.home = os.path.join(self.root, "home")
        aws = os.path.join(self.home, ".aws")
        os.makedirs(aws, mode=0o700)
        self.config = (
            "[sso-session corp]\n"
            "sso_start_url = %s\n"
            "sso_region = %s\n"
            "sso_registration_scopes = sso:account:access\n\n"
            "[profile sso-dev]\n"
            "sso_session = corp\n"
            "sso_account_id = %s\n"
            "sso_role_name = Admin\n"
            "region = %s\n\n"
            "[profile deploy]\n"
            "role_arn = %s\n"
            "source_profile = sso-dev\n"
            "role_session_name = demo\n"
            "region = %s\n" % (START_URL, REGION, ACCOUNT, REGION,
                               self.deploy_arn, REGION))
        write_private(os.path.join(aws, "config"), self.config)
        # A signed-in SSO session, as `aws sso login` leaves it.
        access, refresh, cid, csec, reg_expires = self.sso.issue_token(8 * 3600)
        for s in (access, refresh, csec):
            harness.register_secret(s)
        token = {"startUrl": START_URL, "region": REGION, "accessToken": access,
                 "expiresAt": zulu(time.time() + 8 * 3600), "clientId": cid,
                 "clientSecret": csec, "registrationExpiresAt": zulu(reg_expires),
                 "refreshToken": refresh}
        write_private(os.path.join(aws, "sso", "cache",
                                   hashlib.sha1(b"corp").hexdigest() + ".json"),
                      json.dumps(token))
        # A session of role deploy, cached where the AWS CLI keeps it, that
        # looks fresh (45 minutes left) but that the emulator does not know.
        key = hashlib.sha1(json.dumps({"RoleArn": self.deploy_arn,
                                       "RoleSessionName": "demo"},
                                      sort_keys=True).encode()).hexdigest()
        creds = {"AccessKeyId": "ASIA" + secrets.token_hex(8).upper(),
                 "SecretAccessKey": harness.register_secret(secrets.token_urlsafe(30)),
                 "SessionToken": harness.register_secret(secrets.token_urlsafe(120)),
                 "Expiration": zulu(time.time() + 45 * 60)}
        write_private(os.path.join(aws, "cli", "cache", key + ".json"), json.dumps({
            "Credentials": creds,
            "AssumedRoleUser": {"Arn": "arn:aws:sts::%s:assumed-role/deploy/demo" % ACCOUNT,
                                "AssumedRoleId": "AROADEMOEXAMPLE:demo"},
            "ResponseMetadata": {}}))
        # terraform: the tests' stand-in, first on PATH.
        self.fakebin = os.path.join(self.root, "bin")
        os.mkdir(self.fakebin, 0o700)
        os.symlink(FAKE_TF, os.path.join(self.fakebin, "terraform"))
        self.stale_secret = harness.register_secret(secrets.token_urlsafe(30))

    def env(self):
        path = os.pathsep.join([self.fakebin, BIN, os.path.dirname(sys.executable),
                                "/usr/local/bin", "/usr/bin", "/bin"])
        e = clean_env({
            "HOME": self.home,
            "PATH": path,
            "SHELL": "/bin/bash",
            # The emulators stand in for AWS.
            "AWS_ENDPOINT_URL_STS": self.moto.url,
            "AWS_ENDPOINT_URL_IAM": self.moto.url,
            "AWS_ENDPOINT_URL_SSO": self.sso.url,
            "AWS_ENDPOINT_URL_SSO_OIDC": self.sso.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TFAUTH_HTTP_TIMEOUT": "10",
            # What the user's shell holds.
            "AWS_PROFILE": "deploy",
            "AWS_ACCESS_KEY_ID": STALE_KEY,
            "AWS_SECRET_ACCESS_KEY": self.stale_secret,
        })
        for k in ("TF_LOG", "TF_CLI_ARGS", "DISPLAY", "WAYLAND_DISPLAY", "BROWSER",
                  "TFAUTH_BIN", "TFAUTH_TESTBIN", "TFAUTH_TOP", "TFAUTH_SANITIZE",
                  "BASH_ENV", "ENV"):
            e.pop(k, None)
        return e

    # -- running what the user types

    MARK = "__tfauth_demo_step__"

    def shell(self, steps, env):
        """Run steps, [(what the user types, or None; shell code)], in one
        bash (no rc files, so that the environment carries from step to
        step), stdout and stderr merged as a terminal shows them, in a
        process group of its own with a time limit.  Shows each typed
        command and then its output; returns (status, whole output)."""
        script = ""
        for i, (_, code) in enumerate(steps):
            script += "printf '%s %d\\n'\n%s\n" % (self.MARK, i, code)
        p = subprocess.Popen(["bash", "--norc", "--noprofile", "-c", script],
                             env=env, cwd=self.home, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
        self.children.append(p)
        try:
            out, _ = p.communicate(timeout=STEP_TIMEOUT)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            self.kill(p)
            out, _ = p.communicate(timeout=10)
            rc = -1
            out += b"\n(stopped after %d s)\n" % STEP_TIMEOUT
        text = out.decode("utf-8", "replace")
        for line in text.rstrip("\n").splitlines():
            if line.startswith(self.MARK + " "):
                typed_cmd = steps[int(line.split()[1])][0]
                if typed_cmd:
                    typed(*typed_cmd) if isinstance(typed_cmd, tuple) else typed(typed_cmd)
                continue
            say("  " + line)
        say(style("2", "  (exit status %d)" % rc))
        return rc, text.replace(self.MARK, "")

    @staticmethod
    def kill(p):
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def expect(self, what, cond):
        if not cond:
            self.failures.append(what)

    # -- the story

    def run(self):
        say(style("1", "tfauth demo: Terraform's InvalidClientTokenId, and tfauth fixing it"))
        aside("Everything runs on this machine: AWS is played by local emulators, HOME\n"
              "is a throwaway folder, and your own ~/.aws is not read or touched.")

        heading("Setting the scene")
        self.root = tempfile.mkdtemp(prefix="tfauth-demo.")
        os.chmod(self.root, 0o700)
        self.start_emulators()
        self.make_home()
        say("  moto's server (AWS: STS and IAM, authentication on)  %s" % self.moto.url)
        say("  SSO emulator (IAM Identity Center)                   %s" % self.sso.url)
        say("  HOME=%s" % self.home)
        say()
        typed("cat ~/.aws/config")
        for line in self.config.rstrip("\n").splitlines():
            say("  " + line)
        say()
        aside("~/.aws/sso/cache: a signed-in SSO session (as `aws sso login` leaves it)\n"
              "~/.aws/cli/cache: a session of role deploy that looks fresh, but that\n"
              "                  the emulator no longer accepts")
        say()
        typed("export AWS_PROFILE=deploy")
        typed("export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=..." % STALE_KEY,
              "left over from an old session")
        env = self.env()

        heading("1. terraform plan, as it is today")
        rc, out = self.shell([("terraform plan", "terraform plan")], env)
        self.expect("the bare plan fails with InvalidClientTokenId",
                    rc == 1 and "InvalidClientTokenId" in out)
        aside("The AWS provider took the stale AWS_ACCESS_KEY_ID over AWS_PROFILE, and\n"
              "STS does not know it.  By hand, the checklist starts here: aws sts\n"
              "get-caller-identity, aws configure list, env | grep AWS_, aws sso login...")

        heading("2. The same command with tfauth's shell integration")
        rc, out = self.shell([
            (('eval "$(tfauth init bash)"',
              "once, in ~/.bashrc: terraform now runs through tfauth-run"),
             'eval "$(tfauth init bash)" || exit 99'),
            ("terraform plan", "terraform plan")], env)
        self.expect("the wrapped plan clears the stale key",
                    "cleared AWS_ACCESS_KEY_ID" in out)
        self.expect("the wrapped plan meets InvalidClientTokenId",
                    "InvalidClientTokenId" in out)
        self.expect("the wrapped plan logs in again and reruns",
                    "again" in out)
        self.expect("the wrapped plan succeeds",
                    rc == 0 and "Plan: 1 to add" in out)
        aside("tfauth-run cleared the stale key for terraform, ran it with the cached\n"
              "session of role deploy, recognised InvalidClientTokenId, refreshed the\n"
              "session (SSO sign-in from the cache, then AssumeRole) and ran the plan\n"
              "once more.")

        heading("3. tfauth doctor: the whole checklist, on the same HOME and shell")
        rc, out = self.shell([("tfauth doctor", "tfauth doctor")], env)
        self.expect("doctor names the stale key still in this shell",
                    rc == 1 and "AWS_ACCESS_KEY_ID" in out)
        aside("This shell still holds the stale key (tfauth-run cleared it for terraform\n"
              "only).  `tfp deploy`, or:")
        rc, out = self.shell([
            ('eval "$(tfauth env)"', 'eval "$(tfauth env)" || exit 99'),
            ("tfauth doctor", "tfauth doctor")], env)
        self.expect("after tfauth env, doctor passes", rc == 0)

    def stop(self):
        for p in self.children:
            if p.poll() is None:
                self.kill(p)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        if self.sso is not None:
            self.sso.stop()
            self.sso = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)


def main():
    for tool in ("tfauth", "tfauth-run", "tfauth-env", "tfauth-doctor", "tfauth-refresh"):
        if not os.access(os.path.join(BIN, tool), os.X_OK):
            print("demo: %s/%s is not built: run 'make demo' (or 'make' first)"
                  % (BIN, tool), file=sys.stderr)
            return 1
    ok, why = Moto.available()
    if not ok:
        print("demo: needs moto's server and boto3 in this python3 (%s)\n"
              "hint: pip install 'moto[server]' boto3" % why, file=sys.stderr)
        return 2
    if not shutil.which("bash"):
        print("demo: needs bash", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    signal.signal(signal.SIGHUP, lambda s, f: sys.exit(128 + s))
    demo = Demo()
    try:
        demo.run()
    except MotoError as e:
        print("demo: the emulator did not start: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo: interrupted", file=sys.stderr)
        return 130
    finally:
        demo.stop()
        heading("Done")
        say("  The emulators are stopped and the throwaway HOME is removed.")
    if demo.failures:
        print("demo: the story did not go as told: %s" % "; ".join(demo.failures),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
