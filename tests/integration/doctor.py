"""tfauth-doctor against moto's server with authentication on.

Each scenario writes a fixture HOME, runs the real bin/tfauth-doctor with
AWS_ENDPOINT_URL_STS/_IAM pointing at moto, and checks the verdicts of the
JSON report (and once the text report).  No secret may appear in any
output.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Moto, Tap, clean_env, free_port, TOP  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
tap = Tap()
secrets = []


def doctor(moto, home, args, extra=None, url=None):
    env = clean_env({
        "HOME": home,
        "AWS_ENDPOINT_URL_STS": url or moto.url,
        "AWS_ENDPOINT_URL_IAM": url or moto.url,
        "TFAUTH_HTTP_TIMEOUT": "3",
        "TFAUTH_HTTP_RETRY_BASE_MS": "1",
    })
    env.update(extra or {})
    start = time.monotonic()
    p = subprocess.run([os.path.join(BIN, "tfauth-doctor")] + args, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    elapsed = time.monotonic() - start
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    for s in secrets:
        if s and (s in out or s in err):
            tap.check("no secret in the output of doctor %s" % args, False, "a secret leaked")
    report = None
    if "--json" in args:
        try:
            report = json.loads(out)
        except ValueError as e:
            tap.check("doctor %s prints JSON" % args, False, "%s\n%s" % (e, out[:500]))
    return p.returncode, out, err, report, elapsed


def check_of(report, cid):
    """The last check with this id (identity may carry an info line first)."""
    found = [c for c in (report or {}).get("checks", []) if c["id"] == cid]
    return found[-1] if found else {"status": "missing", "summary": "", "fix": None,
                                    "aws_code": None, "details": []}


def write_home(root, config, credentials):
    home = tempfile.mkdtemp(dir=root)
    os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write(config)
    with open(os.path.join(home, ".aws", "credentials"), "w") as f:
        f.write(credentials)
    return home


def main():
    if not Moto.available():
        tap.skip("doctor against moto", "moto or boto3 is not installed")
        return tap.done()
    root = tempfile.mkdtemp(prefix="tfauth-doctor-")
    with Moto(no_auth_count=12) as moto:
        iam = moto.client("iam")
        alice = moto.create_user(iam, "alice", allow_all=True)       # 2 calls
        akid, secret = moto.create_key(iam, "alice")                 # 1
        bob = moto.create_user(iam, "bob", allow_all=True)           # 2
        bkid, bsecret = moto.create_key(iam, "bob")                  # 1
        r1 = moto.create_role(iam, "deploy", [alice], may_assume_roles=True)   # 2
        r1_session = "arn:aws:sts::123456789012:assumed-role/deploy/doc"
        r2 = moto.create_role(iam, "admin", [r1, r1_session])        # 1
        iam.update_access_key(UserName="bob", AccessKeyId=bkid, Status="Inactive")  # 1
        # 10 of 12 free calls used; burn the rest so auth is on from here.
        iam.list_users()
        iam.list_users()
        secrets.extend([secret, bsecret])

        config = """[profile good]
region = eu-west-1
[profile role]
region = eu-west-1
role_arn = %s
role_session_name = doc
source_profile = good
[profile chain]
region = eu-west-1
role_arn = %s
role_session_name = doc2
source_profile = role
[profile unknown]
region = eu-west-1
[profile wrongsecret]
region = eu-west-1
[profile inactive]
region = us-west-2
[profile noregion]
[profile proc]
region = eu-west-1
credential_process = cat "%s"
""" % (r1, r2, os.path.join(root, "proc.json"))
        creds = """[good]
aws_access_key_id = %s
aws_secret_access_key = %s
[unknown]
aws_access_key_id = AKIAUNKNOWNUNKNOWN00
aws_secret_access_key = unknownsecretunknownsecretunknownsecret0
[wrongsecret]
aws_access_key_id = %s
aws_secret_access_key = wrongwrongwrongwrongwrongwrongwrongwrong
[inactive]
aws_access_key_id = %s
aws_secret_access_key = %s
[noregion]
aws_access_key_id = %s
aws_secret_access_key = %s
""" % (akid, secret, akid, bkid, bsecret, akid, secret)
        with open(os.path.join(root, "proc.json"), "w") as f:
            json.dump({"Version": 1, "AccessKeyId": akid, "SecretAccessKey": secret}, f)
        home = write_home(root, config, creds)

        rc, out, err, rep, took = doctor(moto, home, ["good", "--json"])
        tap.check("valid key: exit 0", rc == 0, out + err)
        tap.check("valid key: identity is alice",
                  check_of(rep, "identity")["status"] == "ok" and alice in check_of(rep, "identity")["summary"],
                  check_of(rep, "identity"))
        tap.check("valid key: the report names the account", rep and rep.get("account") == "123456789012", rep)
        tap.check("valid key: IAM says the key is Active",
                  check_of(rep, "access-key")["status"] == "ok" and "Active" in check_of(rep, "access-key")["summary"],
                  check_of(rep, "access-key"))
        tap.check("valid key: clock checked against STS's Date",
                  check_of(rep, "clock")["status"] == "ok", check_of(rep, "clock"))
        tap.check("valid key: region and STS endpoint named",
                  check_of(rep, "region")["status"] == "ok" and
                  any(moto.url in d for d in check_of(rep, "region")["details"]), check_of(rep, "region"))
        tap.note("doctor (all checks passing) took %.0f ms" % (took * 1000))

        rc, out, err, rep, _ = doctor(moto, home, ["good"])
        tap.check("text report: one line per check, exit 0",
                  rc == 0 and "  ok    identity" in out and "all checks passed" in out, out + err)

        rc, out, err, rep, _ = doctor(moto, home, ["unknown", "--json"])
        idc = check_of(rep, "identity")
        tap.check("unknown key: exit 1", rc == 1, out + err)
        tap.check("unknown key: InvalidClientTokenId", idc["status"] == "fail" and idc["aws_code"] == "InvalidClientTokenId", idc)
        tap.check("unknown key: the fix is set-keys", "tfauth-profile set-keys unknown" in (idc["fix"] or ""), idc)
        tap.check("unknown key: IAM does not know it either",
                  check_of(rep, "access-key")["status"] == "fail", check_of(rep, "access-key"))

        rc, out, err, rep, _ = doctor(moto, home, ["wrongsecret", "--json"])
        idc = check_of(rep, "identity")
        tap.check("wrong secret: SignatureDoesNotMatch", rc == 1 and idc["aws_code"] == "SignatureDoesNotMatch", idc)
        tap.check("wrong secret: the fix names the profile", "wrongsecret" in (idc["fix"] or ""), idc)

        rc, out, err, rep, _ = doctor(moto, home, ["--json"], {
            "AWS_PROFILE": "good", "AWS_ACCESS_KEY_ID": "AKIASTALESTALESTALE1",
            "AWS_SECRET_ACCESS_KEY": "stalestalestalestalestalestalestale12345"})
        env = check_of(rep, "environment")
        tap.check("stale env keys: the environment check fails", rc == 1 and env["status"] == "fail", env)
        tap.check("stale env keys: fix is tfauth-env", 'tfauth-env good' in (env["fix"] or ""), env)
        tap.check("stale env keys: the profile itself is still checked and valid",
                  check_of(rep, "identity")["status"] == "ok", check_of(rep, "identity"))
        src = {s["name"]: s for s in rep["sources"]} if rep else {}
        tap.check("stale env keys: sources show the env key Terraform would use",
                  src.get("access_key", {}).get("type") == "env", rep and rep.get("sources"))

        rc, out, err, rep, _ = doctor(moto, home, ["role", "--json"])
        idc = check_of(rep, "identity")
        tap.check("assume-role profile: identity is the assumed role",
                  rc == 0 and "assumed-role/deploy/doc" in idc["summary"], out + err)

        rc, out, err, rep, _ = doctor(moto, home, ["chain", "--json"])
        idc = check_of(rep, "identity")
        tap.check("role chain: identity is the second role",
                  rc == 0 and "assumed-role/admin/doc2" in idc["summary"], out + err)

        rc, out, err, rep, _ = doctor(moto, home, ["inactive", "--json"])
        kc = check_of(rep, "access-key")
        tap.check("inactive key: the key check fails and says Inactive",
                  rc == 1 and kc["status"] == "fail" and "Inactive" in kc["summary"], kc)
        tap.check("inactive key: the fix shows how to reactivate",
                  "update-access-key" in (kc["fix"] or "") and "--status Active" in (kc["fix"] or ""), kc)

        rc, out, err, rep, _ = doctor(moto, home, ["proc", "--json"])
        idc = check_of(rep, "identity")
        tap.check("credential_process profile: the process's identity",
                  rc == 0 and alice in idc["summary"] and
                  any("process" in x for x in idc["details"]), out + err)

        rc, out, err, rep, _ = doctor(moto, home, ["role", "--json"])
        idc = check_of(rep, "identity")
        tap.check("assume-role profile, second run: the session from the cache",
                  rc == 0 and any("from the cache" in x for x in idc["details"]), idc)

        rc, out, err, rep, _ = doctor(moto, home, ["noregion", "--json"])
        tap.check("no region: the region check fails", rc == 1 and check_of(rep, "region")["status"] == "fail",
                  check_of(rep, "region"))

        closed = "http://127.0.0.1:%d" % free_port()
        start = time.monotonic()
        rc, out, err, rep, _ = doctor(moto, home, ["good", "--json"], url=closed)
        took = time.monotonic() - start
        idc = check_of(rep, "identity")
        tap.check("closed port: identity fails with 'cannot connect'",
                  rc == 1 and "cannot connect" in idc["summary"], idc)
        tap.check("closed port: within the timeout (%.1f s)" % took, took < 10, took)

        rc, out, err, rep, _ = doctor(moto, home, ["good", "--json", "--offline"], url=closed)
        tap.check("--offline: no network check, exit 0",
                  rc == 0 and check_of(rep, "identity")["status"] == "skip", out + err)

        # CI's OIDC: no profile, no keys, web identity in the environment.
        wi_home = write_home(root, "", "")
        token = os.path.join(wi_home, "web-token")
        with open(token, "w") as f:
            f.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln")
        wi_env = {"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci-plan",
                  "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_REGION": "us-east-1"}
        with moto.setup_calls(1):  # AssumeRoleWithWebIdentity is unsigned
            rc, out, err, rep, _ = doctor(moto, wi_home, ["--json"], extra=wi_env)
        idc = check_of(rep, "identity")
        tap.check("web identity in the environment: the role's identity, exit 0",
                  rc == 0 and "assumed-role/ci-plan/" in idc["summary"] and
                  check_of(rep, "profile")["status"] == "info" and
                  "web identity" in check_of(rep, "environment")["summary"],
                  "%s\n%s" % (rep and rep.get("checks"), err))
        rc, out, err, rep, _ = doctor(moto, wi_home, ["--json", "--offline"],
                                      extra=dict(wi_env, AWS_ROLE_ARN=""))
        envc = check_of(rep, "environment")
        tap.check("web identity without AWS_ROLE_ARN: the environment check "
                  "fails and says to export it",
                  rc == 1 and envc["status"] == "fail" and
                  "AWS_ROLE_ARN" in (envc["fix"] or ""), envc)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
