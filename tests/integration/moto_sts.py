#!/usr/bin/env python3
"""moto_sts — lib/sts and lib/iam against moto's server with its
authentication on: every request after the seeding is checked for a known
key, a matching SigV4 signature and IAM permission, as AWS would.  Drives
tests/tools/sts-call; prints TAP.

Seeding makes exactly SEED_CALLS requests, which the server (started with
INITIAL_NO_AUTH_ACTION_COUNT=SEED_CALLS) serves without checks; later
seeding reopens free calls with POST /moto-api/reset-auth (harness.py).

Credentials handed out by a call go from sts-call -w to a 0600 file in the
harness's private folder and from there into the next call's environment;
nothing here prints a secret.
"""
import calendar
import hashlib
import os
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ACCOUNT, TOOLS, Moto, MotoError, Tap, free_port,  # noqa: E402
                     read_env_file, run_tool)

SEED_CALLS = 12
TOOL = "sts-call"


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def epoch(iso):
    """'2026-01-02T03:04:05Z' -> seconds, 0 when it is not such a time."""
    try:
        return calendar.timegm(time.strptime(iso or "", "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return 0


class World:
    """What the seeding made."""


def seed(moto, w):
    iam = moto.client("iam")
    before = moto.requests_sent
    w.alice_arn = moto.create_user(iam, "alice", allow_all=True)        # 2
    w.akid, w.secret = moto.create_key(iam, "alice")                     # 3
    w.akid2, w.secret2 = moto.create_key(iam, "alice")                   # 4
    w.session_arn = "arn:aws:sts::%s:assumed-role/deploy/tfauth-test" % ACCOUNT
    w.deploy_arn = moto.create_role(iam, "deploy", [w.alice_arn],
                                    may_assume_roles=True)               # 6
    # moto matches a trust policy's principal against the caller's ARN as a
    # string, so the chained role trusts the session ARN (AWS would also
    # accept the role ARN; both are listed).
    w.admin_arn = moto.create_role(iam, "admin", [w.deploy_arn,
                                                  w.session_arn])        # 7
    w.locked_arn = moto.create_role(
        iam, "locked", ["arn:aws:iam::%s:user/someone-else" % ACCOUNT])  # 8
    moto.create_user(iam, "bob")                                         # 9
    w.bob_akid, _ = moto.create_key(iam, "bob")                          # 10
    moto.create_user(iam, "carol")                                       # 11
    w.carol_akid, w.carol_secret = moto.create_key(iam, "carol")         # 12
    return moto.requests_sent - before


def tool(moto, args, akid=None, secret=None, token=None, **extra):
    return run_tool(TOOL, args, moto.tool_env(akid, secret, token, **extra))


def assume(moto, tap, w, creds, role_arn, session, name):
    """assume-role with creds (akid, secret, token); returns the new creds
    as a tuple, or None."""
    path = os.path.join(moto.tmp, name + ".env")
    r = tool(moto, ["-w", path, "assume-role", role_arn, session], *creds)
    want_arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (
        ACCOUNT, role_arn.rsplit("/", 1)[1], session)
    good = (r.rc == 0 and r["assumed_role_arn"] == want_arn and
            (r["access_key_id"] or "").startswith("ASIA") and
            r["account_id"] == ACCOUNT and os.path.exists(path))
    tap.check("%s: AssumeRole %s -> credentials of %s" % (name, role_arn, want_arn),
              good, r)
    if not good:
        return None
    st = os.lstat(path)
    env = read_env_file(path)
    new = (env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"),
           env.get("AWS_SESSION_TOKEN"))
    tap.check("%s: written 0600, the printed digests match the file" % name,
              stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and
              None not in new and
              r["secret_access_key_sha256"] == sha(new[1]) and
              r["session_token_sha256"] == sha(new[2]) and
              int(r["session_token_len"]) == len(new[2]), r)
    tap.check("%s: no secret on stdout or stderr" % name,
              new[1] not in r.out + r.err and new[2] not in r.out + r.err)
    now = time.time()
    tap.check("%s: expiration about an hour away (%s)" % (name, r["expiration"]),
              now + 3000 < epoch(r["expiration"]) < now + 4200, r)
    return new


def scenarios(moto, tap, w):
    # Valid long-term key.
    r = tool(moto, ["identity"], w.akid, w.secret)
    tap.check("valid key: GetCallerIdentity names the IAM user",
              r.rc == 0 and r["arn"] == w.alice_arn and r["account"] == ACCOUNT
              and r["user_id"], r)
    tap.check("valid key: request id and server time (Date) reported",
              r.rc == 0 and r["request_id"] and
              abs(int(r["server_time"] or 0) - time.time()) < 300, r)
    tap.check("valid key: no secret printed", w.secret not in r.out + r.err)

    # Unknown key.
    r = tool(moto, ["identity"], "AKIAUNKNOWNKEY000000", w.secret)
    tap.check("unknown key: InvalidClientTokenId, exit 1",
              r.rc == 1 and r.aws_code() == "InvalidClientTokenId" and
              r.ekv.get("http_status") == "403", r)
    tap.check("unknown key: one message and a hint naming tfauth-doctor",
              "sts-call: STS GetCallerIdentity: InvalidClientTokenId: The "
              "security token included in the request is invalid\n" in r.err and
              "hint: " in r.err and "tfauth-doctor" in r.err, r)

    # Wrong secret.
    r = tool(moto, ["identity"], w.akid, "not-the-secret-" + "x" * 25)
    tap.check("wrong secret: SignatureDoesNotMatch, exit 1",
              r.rc == 1 and r.aws_code() == "SignatureDoesNotMatch", r)
    tap.check("wrong secret: hint names tfauth-profile set-keys",
              "tfauth-profile set-keys" in r.err, r)
    r = tool(moto, ["list-keys"], w.akid, "not-the-secret-" + "x" * 25)
    tap.check("wrong secret on IAM: IAM ListAccessKeys: SignatureDoesNotMatch",
              r.rc == 1 and r.aws_code() == "SignatureDoesNotMatch" and
              "IAM ListAccessKeys: SignatureDoesNotMatch" in r.err, r)

    # AssumeRole, and the credentials it handed out.
    alice = (w.akid, w.secret, None)
    sess = assume(moto, tap, w, alice, w.deploy_arn, "tfauth-test", "assume")
    if sess:
        r = tool(moto, ["identity"], *sess)
        tap.check("assumed-role creds: GetCallerIdentity names the session",
                  r.rc == 0 and r["arn"] == w.session_arn and
                  (r["user_id"] or "").endswith(":tfauth-test"), r)
        r = tool(moto, ["identity"], sess[0], sess[1])
        tap.check("assumed-role creds without the session token: "
                  "InvalidClientTokenId",
                  r.rc == 1 and r.aws_code() == "InvalidClientTokenId", r)
        tap.check("... hint says the ASIA key lacks its session token",
                  "AWS_SESSION_TOKEN" in r.err and "ASIA" in r.err, r)
        r = tool(moto, ["identity"], sess[0], sess[1], sess[2][:-4] + "AAAA")
        tap.check("assumed-role creds with a wrong session token: "
                  "InvalidClientTokenId",
                  r.rc == 1 and r.aws_code() == "InvalidClientTokenId", r)

        # Role chain: the session assumes a second role.
        chained = assume(moto, tap, w, sess, w.admin_arn, "chain-1", "chain")
        if chained:
            r = tool(moto, ["identity"], *chained)
            tap.check("chained creds: GetCallerIdentity names the second role",
                      r.rc == 0 and r["arn"] ==
                      "arn:aws:sts::%s:assumed-role/admin/chain-1" % ACCOUNT, r)
    else:
        tap.check("assumed-role scenarios", False, "AssumeRole failed")

    # A role that does not trust alice.
    r = tool(moto, ["assume-role", w.locked_arn, "nope"], w.akid, w.secret)
    tap.check("untrusting role: AccessDenied, exit 1",
              r.rc == 1 and r.aws_code() == "AccessDenied" and
              "STS AssumeRole: AccessDenied: User: %s is not authorized" %
              w.alice_arn in r.err, r)
    tap.check("untrusting role: hint names the trust policy",
              "trust policy" in r.err, r)
    # A user with no policy at all (carol) cannot assume roles.
    r = tool(moto, ["identity"], w.carol_akid, w.carol_secret)
    tap.check("user without policies: GetCallerIdentity still works",
              r.rc == 0 and r["arn"] == "arn:aws:iam::%s:user/carol" % ACCOUNT, r)
    r = tool(moto, ["assume-role", w.deploy_arn, "carol"], w.carol_akid,
             w.carol_secret)
    tap.check("user without sts:AssumeRole: AccessDenied",
              r.rc == 1 and r.aws_code() == "AccessDenied", r)
    tap.check("... hint: the caller lacks sts:AssumeRole or is not trusted",
              "lacks sts:AssumeRole" in r.err, r)

    # GetSessionToken.
    path = os.path.join(moto.tmp, "gst.env")
    r = tool(moto, ["-w", path, "session-token", "3600"], w.akid, w.secret)
    tap.check("GetSessionToken: credentials with an expiration",
              r.rc == 0 and r["access_key_id"] and
              int(r["secret_access_key_len"] or 0) > 0 and
              int(r["session_token_len"] or 0) > 0 and
              r["expiration"] not in (None, "0") and
              r["assumed_role_arn"] is None, r)
    if r.rc == 0:
        env = read_env_file(path)
        r2 = tool(moto, ["identity"], env["AWS_ACCESS_KEY_ID"],
                  env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"])
        tap.note("moto: GetSessionToken hands out the fixed example key %s; "
                 "GetCallerIdentity with it: %s" % (
                     r["access_key_id"],
                     "ok" if r2.rc == 0 else "exit %d, %s" % (r2.rc, r2.aws_code())))
        tap.check("GetSessionToken's creds get a clean answer (moto does not "
                  "know them)", r2.rc in (0, 1) and
                  (r2.rc == 0 or r2.aws_code()), r2)

    # ListAccessKeys and an Inactive key.
    with moto.setup_calls(1):
        moto.client("iam").update_access_key(UserName="alice",
                                             AccessKeyId=w.akid2,
                                             Status="Inactive")
    r = tool(moto, ["list-keys"], w.akid, w.secret)
    keys = {r["key.%d.access_key_id" % i]: r["key.%d.status" % i]
            for i in range(int(r["count"] or 0))}
    tap.check("ListAccessKeys (own user): both keys, one Inactive",
              r.rc == 0 and keys == {w.akid: "Active", w.akid2: "Inactive"} and
              r["pages"] == "1", r)
    tap.check("ListAccessKeys: users and create dates",
              r.rc == 0 and r["key.0.user_name"] == "alice" and
              r["key.1.user_name"] == "alice" and
              abs(epoch(r["key.0.create_date"]) - time.time()) < 600, r)
    r = tool(moto, ["list-keys", "bob"], w.akid, w.secret)
    tap.check("ListAccessKeys bob: his one key",
              r.rc == 0 and r["count"] == "1" and
              r["key.0.access_key_id"] == w.bob_akid and
              r["key.0.status"] == "Active", r)
    r = tool(moto, ["list-keys", "nobody"], w.akid, w.secret)
    tap.check("ListAccessKeys of an unknown user: NoSuchEntity, HTTP 404",
              r.rc == 1 and r.aws_code() == "NoSuchEntity" and
              r.ekv.get("http_status") == "404", r)

    r = tool(moto, ["identity"], w.akid2, w.secret2)
    # AWS answers InvalidClientTokenId (403) for a deactivated key; moto
    # 5.x does not look at a key's status when it authenticates.
    tap.note("moto: GetCallerIdentity with the Inactive key: %s" % (
        "succeeds (arn %s): moto ignores a key's status" % r["arn"]
        if r.rc == 0 else "exit %d, %s" % (r.rc, r.aws_code())))
    tap.check("Inactive key: a clean answer either way",
              (r.rc == 0 and r["arn"] == w.alice_arn) or
              (r.rc == 1 and r.aws_code() == "InvalidClientTokenId"), r)

    # GetAccessKeyLastUsed.
    r = tool(moto, ["last-used", w.akid], w.akid, w.secret)
    tap.check("GetAccessKeyLastUsed of a used key: user, recent date, "
              "service and region",
              r.rc == 0 and r["user_name"] == "alice" and
              r["last_used_date"] not in (None, "0") and
              abs(epoch(r["last_used_date"]) - time.time()) < 600 and
              r["service_name"] in ("iam", "sts") and
              r["region"] == "us-east-1", r)
    r = tool(moto, ["last-used", w.bob_akid], w.akid, w.secret)
    tap.check("GetAccessKeyLastUsed of a never-used key: 0 and N/A",
              r.rc == 0 and r["user_name"] == "bob" and
              r["last_used_date"] == "0" and r["service_name"] == "N/A" and
              r["region"] == "N/A", r)
    r = tool(moto, ["last-used", "AKIANOSUCHKEY0000000"], w.akid, w.secret)
    tap.check("GetAccessKeyLastUsed of an unknown key: an AWS error, exit 1",
              r.rc == 1 and r.aws_code(), r)
    tap.note("moto: GetAccessKeyLastUsed of an unknown key: %s, HTTP %s" % (
        r.aws_code(), r.ekv.get("http_status")))

    # AssumeRoleWithWebIdentity is unsigned.  moto 5.x cannot authenticate
    # an unsigned request (it reads the Authorization header: HTTP 500), so
    # the call gets one free slot.
    r = tool(moto, ["web-identity", w.deploy_arn, "web-1"],
             TFAUTH_WEB_IDENTITY_TOKEN="eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
             AWS_MAX_ATTEMPTS="1")
    tap.note("moto: unsigned AssumeRoleWithWebIdentity with authentication "
             "on: exit %d, HTTP %s" % (r.rc, r.ekv.get("http_status")))
    with moto.setup_calls(1):
        r = tool(moto, ["web-identity", w.deploy_arn, "web-1"],
                 TFAUTH_WEB_IDENTITY_TOKEN="eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    tap.check("AssumeRoleWithWebIdentity (unsigned): credentials of the role",
              r.rc == 0 and r["assumed_role_arn"] ==
              "arn:aws:sts::%s:assumed-role/deploy/web-1" % ACCOUNT and
              int(r["session_token_len"] or 0) > 0, r)
    r = tool(moto, ["identity"], "AKIAUNKNOWNKEY000000", w.secret)
    tap.check("after the free call, moto verifies again",
              r.rc == 1 and r.aws_code() == "InvalidClientTokenId", r)

    # An endpoint where nothing listens.
    closed = free_port()
    r = run_tool(TOOL, ["identity"], moto.tool_env(
        w.akid, w.secret, TFAUTH_HTTP_TIMEOUT="2",
        AWS_ENDPOINT_URL_STS="http://127.0.0.1:%d" % closed))
    tap.check("closed port: exit 1 within TFAUTH_HTTP_TIMEOUT=2",
              r.rc == 1 and r.elapsed < 5, r)
    tap.check("closed port: the message names the call and the URL",
              "sts-call: STS GetCallerIdentity: " in r.err and
              "127.0.0.1:%d" % closed in r.err and r.aws_code() == "", r)


def main():
    tap = Tap()
    if not os.access(os.path.join(TOOLS, TOOL), os.X_OK):
        tap.check("%s is built (run 'make tests')" % os.path.join(TOOLS, TOOL), False)
        return tap.done()
    ok, version = Moto.available()
    if not ok:
        tap.skip("STS and IAM against moto", "moto or boto3 is not installed (%s)"
                 % version)
        return tap.done()
    tap.note("moto %s" % version)
    moto = Moto(no_auth_count=SEED_CALLS)
    try:
        moto.start()
    except MotoError as e:
        tap.check("moto's server starts", False, e)
        return tap.done()
    try:
        w = World()
        n = seed(moto, w)
        tap.check("seeding made exactly INITIAL_NO_AUTH_ACTION_COUNT=%d calls"
                  % SEED_CALLS, n == SEED_CALLS, n)
        scenarios(moto, tap, w)
        if moto.proc.poll() is not None:
            tap.check("moto stayed up", False, moto.log_tail())
    finally:
        moto.stop()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
