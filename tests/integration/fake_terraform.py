#!/usr/bin/env python3
"""fake_terraform — a stand-in `terraform` for tfauth-run's tests.

It does what the AWS provider does first: find credentials the way the
AWS SDK does (botocore here: AWS_PROFILE, keys in the environment,
AWS_ENDPOINT_URL_STS, the shared files under HOME) and call STS
GetCallerIdentity.  When that fails it prints the provider's (v5) error,
framed as Terraform frames diagnostics (aws-reference.md §8), on stderr
and exits 1; otherwise it prints a plan on stdout and exits 0.

    terraform plan|init|validate|refresh|output|show|...   check, then a plan
    terraform apply|destroy     check, plan, "Enter a value:" on stdout, a
                                line from stdin: "yes" applies
    terraform version|-version  no credentials needed
    terraform sleep [SECONDS]   "sleeping" on stderr, then sleep (default
                                30 s): for interrupt tests

Knobs (environment):
    FAKE_TF_LOG          append one JSON line per run: argv, AWS_PROFILE,
                         the access key id used (last four characters and
                         a SHA-256 prefix, never the whole), the result
                         ("ok", the AWS error code, "interrupted", ...) and
                         the exit status
    FAKE_TF_FAIL_AFTER_CREATE=1
                         apply: after "yes", print "aws_instance.x:
                         Creating..." on stderr, then fail with the
                         provider's InvalidClientTokenId error (as a
                         second provider configured late would)
    FAKE_TF_SLEEP_AUTH_ERROR=1
                         sleep: print the InvalidClientTokenId error on
                         stderr before sleeping (so only the interrupt
                         stands between it and a retry)

go-v2 (Terraform's SDK) cannot prompt for an MFA code: a role profile
with mfa_serial and no keys in the environment fails here with go-v2's
"AssumeRoleTokenProvider session option not set", as Terraform does,
instead of botocore's prompt.

It never prints a secret.
"""
import hashlib
import json
import os
import signal
import sys
import time
import uuid

BAR = "\u2502 "
PROVIDER_DOCS = "https://registry.terraform.io/providers/hashicorp/aws"


def akid_facts(akid):
    if not akid:
        return None, None
    return akid[-4:], hashlib.sha256(akid.encode()).hexdigest()[:16]


def log(argv, result, status, akid=None):
    path = os.environ.get("FAKE_TF_LOG")
    if not path:
        return
    tail, digest = akid_facts(akid)
    line = json.dumps({
        "pid": os.getpid(), "argv": argv, "profile": os.environ.get("AWS_PROFILE"),
        "akid_tail": tail, "akid_sha": digest, "result": result, "exit": status,
        "time": time.time()}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def diag(summary, detail=()):
    """A Terraform diagnostic, framed, on stderr."""
    out = ["\u2577", BAR + "Error: " + summary]
    if detail:
        out.append(BAR.rstrip())
        out.extend((BAR + d).rstrip() for d in detail)
    out += [BAR.rstrip(),
            BAR + '  with provider["registry.terraform.io/hashicorp/aws"],',
            BAR + '  on main.tf line 1, in provider "aws":',
            BAR + '   1: provider "aws" {',
            BAR.rstrip(), "\u2575"]
    sys.stderr.write("\n" + "\n".join(out) + "\n")
    sys.stderr.flush()


def sts_error(status, request_id, code, message):
    diag("configuring Terraform AWS Provider: validating provider credentials: "
         "retrieving caller identity from STS: operation error STS: "
         "GetCallerIdentity, https response error StatusCode: %d, RequestID: %s, "
         "api error %s: %s" % (status, request_id, code, message))


def no_sources(why):
    diag("No valid credential sources found", [
        "Please see " + PROVIDER_DOCS,
        "for more information about providing credentials.",
        "",
        "Error: failed to refresh cached credentials, " + why])


def has_env_keys():
    return bool(os.environ.get("AWS_ACCESS_KEY_ID") and
                os.environ.get("AWS_SECRET_ACCESS_KEY"))


def check_credentials():
    """(result, akid): result "ok" or what went wrong (already printed)."""
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import (BotoCoreError, ClientError,
                                     EndpointConnectionError,
                                     ProfileNotFound)

    try:
        session = botocore.session.get_session()
        profile = os.environ.get("AWS_PROFILE") or os.environ.get(
            "AWS_DEFAULT_PROFILE")
        if profile and not has_env_keys():
            conf = session.full_config.get("profiles", {}).get(profile)
            if conf is None:
                raise ProfileNotFound(profile=profile)
            if conf.get("role_arn") and conf.get("mfa_serial"):
                no_sources("assume role with MFA enabled, but "
                           "AssumeRoleTokenProvider session option not set.")
                return "mfa-not-supported", None
        creds = session.get_credentials()
    except ProfileNotFound as e:
        diag("failed to get shared config profile, %s" % (
            e.kwargs.get("profile") or ""))
        return "ProfileNotFound", None
    except BotoCoreError as e:
        no_sources(str(e))
        return type(e).__name__, None
    if creds is None:
        no_sources("no EC2 IMDS role found, operation error ec2imds: "
                   "GetMetadata, access disabled to EC2 IMDS via client option, "
                   "or \"AWS_EC2_METADATA_DISABLED\" environment variable")
        return "NoCredentials", None
    try:
        frozen = creds.get_frozen_credentials()
    except BotoCoreError as e:
        no_sources(str(e))
        return type(e).__name__, None
    akid = frozen.access_key
    region = (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
              or session.get_config_variable("region") or "us-east-1")
    sts = session.create_client("sts", region_name=region, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15))
    try:
        sts.get_caller_identity()
    except ClientError as e:
        err = e.response.get("Error", {})
        meta = e.response.get("ResponseMetadata", {})
        sts_error(meta.get("HTTPStatusCode") or 0,
                  meta.get("RequestId") or str(uuid.uuid4()),
                  err.get("Code", "Unknown"), err.get("Message", ""))
        return err.get("Code", "Unknown"), akid
    except EndpointConnectionError as e:
        diag("configuring Terraform AWS Provider: validating provider "
             "credentials: retrieving caller identity from STS: operation error "
             "STS: GetCallerIdentity, https response error StatusCode: 0, "
             "RequestID: , request send failed, Post \"%s\": dial tcp: connect: "
             "connection refused" % e.kwargs.get("endpoint_url", ""))
        return "network", akid
    return "ok", akid


PLAN = ("\nTerraform used the selected providers to generate the following "
        "execution plan.\nResource actions are indicated with the following "
        "symbols:\n  + create\n\nTerraform will perform the following actions:\n\n"
        "  # aws_instance.x will be created\n  + resource \"aws_instance\" \"x\" {\n"
        "      + ami           = \"ami-12345678\"\n      + instance_type = \"t3.micro\"\n"
        "    }\n\nPlan: 1 to add, 0 to change, 0 to destroy.\n")


def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def sleep_cmd(argv, args):
    seconds = float(args[0]) if args else 30.0

    def interrupted(signum, frame):
        log(argv, "interrupted", 128 + signum)
        # Die of the signal, as a program that does not handle it does.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    if os.environ.get("FAKE_TF_SLEEP_AUTH_ERROR") == "1":
        sts_error(403, str(uuid.uuid4()), "InvalidClientTokenId",
                  "The security token included in the request is invalid.")
    sys.stderr.write("sleeping\n")
    sys.stderr.flush()
    time.sleep(seconds)
    log(argv, "slept", 0)
    return 0


def apply_cmd(argv, sub, akid):
    out(PLAN if sub == "apply" else
        "\nPlan: 0 to add, 0 to change, 1 to destroy.\n")
    out("\nDo you want to perform these actions?\n"
        "  Terraform will perform the actions described above.\n"
        "  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
    answer = sys.stdin.readline().strip()
    out("\n")
    if answer != "yes":
        sys.stderr.write("\nError: %s cancelled.\n" % sub.capitalize())
        log(argv, "cancelled", 1, akid)
        return 1
    if os.environ.get("FAKE_TF_FAIL_AFTER_CREATE") == "1":
        sys.stderr.write("aws_instance.x: Creating...\n")
        sys.stderr.flush()
        sts_error(403, str(uuid.uuid4()), "InvalidClientTokenId",
                  "The security token included in the request is invalid.")
        log(argv, "failed-after-create", 1, akid)
        return 1
    if sub == "apply":
        out("aws_instance.x: Creating...\naws_instance.x: Creation complete after "
            "0s [id=i-0123456789abcdef0]\n\nApply complete! Resources: 1 added, "
            "0 changed, 0 destroyed.\n")
    else:
        out("aws_instance.x: Destroying... [id=i-0123456789abcdef0]\n"
            "aws_instance.x: Destruction complete after 0s\n\nDestroy complete! "
            "Resources: 1 destroyed.\n")
    log(argv, "ok", 0, akid)
    return 0


def main(argv):
    args = list(argv[1:])
    while args and args[0].startswith("-") and args[0] not in (
            "-version", "--version", "-v"):
        args.pop(0)       # -chdir=DIR and the like
    sub = args.pop(0) if args else None
    if sub in (None, "-version", "--version", "-v", "version"):
        out("Terraform v1.9.8 (tfauth test stand-in)\non linux_amd64\n")
        log(argv, "ok", 0)
        return 0
    if sub == "sleep":
        return sleep_cmd(argv, args)
    result, akid = check_credentials()
    if result != "ok":
        log(argv, result, 1, akid)
        return 1
    if sub in ("apply", "destroy"):
        return apply_cmd(argv, sub, akid)
    out(PLAN)
    log(argv, "ok", 0, akid)
    return 0


# -- run by its own name with no argument (tests/run.sh runs every
# tests/integration/*.py): a self-test of the stand-in, without moto.

def self_test():
    import shutil
    import subprocess
    import tempfile

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from harness import Tap, clean_env, free_port

    tap = Tap()
    root = tempfile.mkdtemp(prefix="tfauth-faketf.")
    try:
        bindir = os.path.join(root, "bin")
        os.mkdir(bindir)
        tf = os.path.join(bindir, "terraform")
        os.symlink(os.path.abspath(__file__), tf)
        logf = os.path.join(root, "log")
        base = clean_env({"HOME": root, "AWS_EC2_METADATA_DISABLED": "true",
                          "FAKE_TF_LOG": logf, "AWS_CONFIG_FILE": os.path.join(root, "c"),
                          "AWS_SHARED_CREDENTIALS_FILE": os.path.join(root, "k")})

        def run(args, stdin=b"", **extra):
            env = dict(base, **extra)
            try:
                p = subprocess.run([tf] + args, env=env, input=stdin,
                                   capture_output=True, timeout=30)
                return p.returncode, p.stdout.decode(), p.stderr.decode()
            except subprocess.TimeoutExpired:
                return -1, "", "timeout"

        def entries():
            try:
                with open(logf) as f:
                    return [json.loads(line) for line in f]
            except OSError:
                return []

        r = run(["version"])
        tap.check("version: exit 0, no credentials needed", r[0] == 0 and
                  "Terraform v" in r[1], r)
        r = run(["plan"])
        tap.check("plan, no credentials anywhere: exit 1, the provider's 'No valid "
                  "credential sources found', framed",
                  r[0] == 1 and "\u2502 Error: No valid credential sources found" in r[2]
                  and r[1] == "", r)
        r = run(["plan"], AWS_PROFILE="nosuch")
        tap.check("plan, an unknown AWS_PROFILE: exit 1, go-v2's message",
                  r[0] == 1 and "failed to get shared config profile, nosuch" in r[2], r)
        r = run(["-chdir=x", "plan"], AWS_ACCESS_KEY_ID="AKIAEXAMPLEEXAMPWZFK",
                AWS_SECRET_ACCESS_KEY="not-a-real-secret-just-a-test-value",
                AWS_ENDPOINT_URL_STS="http://127.0.0.1:%d" % free_port())
        tap.check("plan, STS unreachable: exit 1, StatusCode: 0, request send failed",
                  r[0] == 1 and "StatusCode: 0" in r[2] and
                  "request send failed" in r[2], r)
        r = run(["sleep", "0"])
        tap.check("sleep 0: 'sleeping' on stderr, exit 0", r[0] == 0 and
                  "sleeping" in r[2], r)
        log_ = entries()
        tap.check("the log: one line per run, the key id only as tail and digest",
                  len(log_) == 5 and log_[3]["akid_tail"] == "WZFK" and
                  len(log_[3]["akid_sha"]) == 16 and
                  "AKIAEXAMPLEEXAMPWZFK" not in json.dumps(log_) and
                  [e["result"] for e in log_] == ["ok", "NoCredentials",
                                                  "ProfileNotFound", "network", "slept"],
                  log_)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    if os.path.basename(sys.argv[0]) == "fake_terraform.py" and len(sys.argv) == 1:
        sys.exit(self_test())
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:
        sys.exit(1)
