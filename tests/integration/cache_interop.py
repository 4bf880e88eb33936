#!/usr/bin/env python3
"""cache_interop — lib/cache against the AWS CLI's own code on this machine.

botocore (and the AWS CLI, when installed) is the reference: tfauth and the
AWS CLI share ~/.aws/cli/cache, so each must find and accept the other's
entries.  Drives tests/tools/cache-tool; prints TAP.

 1. Keys: for many argument sets, cache-tool's key equals
    sha1(json.dumps(args, sort_keys=True)) and botocore's own
    AssumeRoleCredentialFetcher._create_cache_key(); cache-tool's
    json.dumps of random strings (random bytes too, which Python sees
    through surrogateescape) equals Python's.
 2. An entry written by tfauth is loaded by botocore: JSONFileCache returns
    it, parse_timestamp accepts its Expiration, AssumeRoleCredentialFetcher
    and a whole botocore Session (the AWS CLI's path) use it without calling
    STS, and `aws configure list` shows its key.
 3. An entry written by botocore (JSONFileCache's default serializer writes
    "...UTC"; isoformat "+00:00" too) is loaded by cache-tool with the right
    expiration; and one the real AWS CLI wrote after assuming a role on
    moto's server is found under cache-tool's key and loaded.

Nothing here prints a secret: cache-tool prints SHA-256 digests of them.
"""
import datetime
import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOOLS, Moto, MotoError, Tap, clean_env, run_tool  # noqa: E402

TOOL = "cache-tool"
ROLE = "arn:aws:iam::123456789012:role/Admin"
UNSET = "-"   # cache-tool's "not set"

try:
    import botocore
    import botocore.session
    from botocore.credentials import AssumeRoleCredentialFetcher
    from botocore.utils import JSONFileCache, parse_timestamp
    from dateutil.tz import tzutc
    NO_BOTOCORE = None
except Exception as e:  # ImportError, or a broken install
    NO_BOTOCORE = "botocore is not importable: %s" % e


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def py_key(args):
    """The AWS CLI's key, as aws-reference.md §7.7 gives it."""
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()


def botocore_key(args):
    """botocore's own: the fetcher computes its key in __init__."""
    extra = {k: v for k, v in args.items() if k != "RoleArn"}
    f = AssumeRoleCredentialFetcher(client_creator=None, source_credentials=None,
                                    role_arn=args["RoleArn"], extra_args=extra)
    return f._create_cache_key()


def tool_args(args):
    """cache-tool key's arguments for an args dict ("-" = not set)."""
    out = [args["RoleArn"]]
    for name in ("RoleSessionName", "ExternalId", "SerialNumber"):
        v = args.get(name)
        out.append(UNSET if v is None else os.fsencode(v))
    d = args.get("DurationSeconds")
    out.append(UNSET if d is None else str(d))
    return [os.fsencode(a) if isinstance(a, str) else a for a in out]


def tool_key(args):
    r = run_tool(TOOL, ["key"] + tool_args(args), clean_env())
    return r.out.strip() if r.rc == 0 else "(failed: %s)" % r


def random_text(rng, n):
    """A string mixing ASCII, controls, BMP, astral; bytes when raw."""
    pools = [(0x20, 0x7e), (0x01, 0x1f), (0x7f, 0x7f), (0x80, 0x7ff),
             (0x800, 0xd7ff), (0xe000, 0xffff), (0x10000, 0x10ffff)]
    out = []
    for _ in range(n):
        lo, hi = rng.choice(pools)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def random_bytes(rng, n):
    """Bytes (no NUL) that are often not valid UTF-8."""
    b = bytearray()
    while len(b) < n:
        c = rng.choice([rng.randint(1, 0x7f), rng.randint(0x80, 0xff),
                        0xc0, 0xed, 0xf4, 0xf5])
        b.append(c)
        if rng.random() < 0.3:
            b += random_text(rng, 1).encode("utf-8", "surrogatepass")
    return bytes(b.replace(b"\0", b"x"))


def check_keys(tap):
    sets = [
        {"RoleArn": ROLE},
        {"RoleArn": ROLE, "RoleSessionName": "alice", "ExternalId": "ext-1",
         "SerialNumber": "arn:aws:iam::123456789012:mfa/alice", "DurationSeconds": 3600},
        {"RoleArn": "arn:aws:iam::123456789012:role/\u00dcn\u00efc\u00f8d\u00e9-r\u00f4le"},
        {"RoleArn": ROLE, "RoleSessionName": 'say "hi" \\ bye'},
        {"RoleArn": ROLE, "ExternalId": "tab\there\nnl\r\b\f\x01\x1f\x7f end"},
        {"RoleArn": ROLE, "ExternalId": "smile \U0001F600 </script>&"},
        {"RoleArn": ROLE, "ExternalId": ""},
        {"RoleArn": ROLE, "DurationSeconds": 43200},
        {"RoleArn": ROLE, "SerialNumber": "arn:aws:iam::123456789012:mfa/\u00e9"},
        {"RoleArn": "arn:aws-cn:iam::123456789012:role/path/to/role",
         "RoleSessionName": "x" * 64, "DurationSeconds": 900},
        {"RoleArn": ROLE, "ExternalId": b"bad\xff\xe2\x82A\xed\xa0\x80".decode(
            "utf-8", "surrogateescape")},
    ]
    for args in sets:
        want = py_key(args)
        got = tool_key(args)
        tap.check("key matches python for %s" % ascii(args), got == want,
                  "got:  %s\nwant: %s\njson: %s" % (got, want,
                                                     ascii(json.dumps(args, sort_keys=True))))
        if NO_BOTOCORE:
            tap.skip("key matches botocore for %s" % ascii(args), NO_BOTOCORE)
        else:
            b = botocore_key(args)
            tap.check("key matches botocore's _create_cache_key for %s" % ascii(args),
                      got == b, "got:  %s\nbotocore: %s" % (got, b))

    # botocore drops an empty session name (it generates one then).
    if not NO_BOTOCORE:
        b = botocore_key({"RoleArn": ROLE, "RoleSessionName": ""})
        got = tool_key({"RoleArn": ROLE, "RoleSessionName": ""})
        tap.check("an empty RoleSessionName is left out, as botocore does", got == b,
                  "got: %s botocore: %s" % (got, b))

    rng = random.Random(7)
    bad = []
    for i in range(60):
        args = {"RoleArn": "arn:aws:iam::%012d:role/%s" % (rng.randint(0, 10**12 - 1),
                                                           random_text(rng, rng.randint(1, 12)))}
        if rng.random() < 0.6:
            args["RoleSessionName"] = random_text(rng, rng.randint(1, 16))
        if rng.random() < 0.5:
            args["ExternalId"] = random_text(rng, rng.randint(0, 16))
        if rng.random() < 0.3:
            args["SerialNumber"] = random_text(rng, rng.randint(1, 16))
        if rng.random() < 0.5:
            args["DurationSeconds"] = rng.randint(1, 43200)
        want = py_key(args)
        got = tool_key(args)
        if got != want or (not NO_BOTOCORE and botocore_key(args) != want):
            bad.append("%s: got %s want %s" % (ascii(args), got, want))
    tap.check("60 random argument sets: the same key as python%s" %
              ("" if NO_BOTOCORE else " and botocore"), not bad, "\n".join(bad[:5]))

    bad = []
    for i in range(150):
        if i % 3 == 2:
            raw = random_bytes(rng, rng.randint(1, 24))
            text = raw.decode("utf-8", "surrogateescape")
        else:
            text = random_text(rng, rng.randint(0, 24))
            raw = text.encode("utf-8")
        r = run_tool(TOOL, ["json", raw], clean_env())
        want = json.dumps(text)
        if r.rc != 0 or r.out != want + "\n":
            bad.append("%r: got %r want %r" % (raw, r.out, want))
    tap.check("150 random strings (a third invalid UTF-8): json.dumps byte for byte",
              not bad, "\n".join(bad[:5]))


def store(path, **env):
    base = {"AWS_ACCESS_KEY_ID": "ASIATFAUTHWROTE1234",
            "AWS_SECRET_ACCESS_KEY": "tfauth/secret+key/EXAMPLE0123456789abcdef",
            "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE//tfauth==" * 8}
    base.update(env)
    return run_tool(TOOL, ["store", path], clean_env(base)), base


def load(path):
    return run_tool(TOOL, ["load", path], clean_env())


def check_tfauth_to_botocore(tap, tmp):
    cache = os.path.join(tmp, "home", ".aws", "cli", "cache")
    expires = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) +
               datetime.timedelta(hours=1))
    args = {"RoleArn": ROLE, "RoleSessionName": "tfauth-interop"}
    key = tool_key(args)
    path = os.path.join(cache, key + ".json")
    r, env = store(path, AWS_CREDENTIAL_EXPIRATION=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   TFAUTH_CACHE_ARN="arn:aws:sts::123456789012:assumed-role/Admin/tfauth-interop",
                   TFAUTH_CACHE_ROLE_ID="AROAEXAMPLE:tfauth-interop")
    if not tap.check("cache-tool store writes an entry", r.rc == 0, r):
        return
    st = os.stat(path)
    tap.check("the entry is 0600", stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode))
    tap.check("its new folders are 0700",
              stat.S_IMODE(os.stat(cache).st_mode) == 0o700 and
              stat.S_IMODE(os.stat(os.path.dirname(cache)).st_mode) == 0o700)
    r = load(path)
    tap.check("cache-tool loads it back", r.rc == 0 and
              r["access_key_id"] == env["AWS_ACCESS_KEY_ID"] and
              r["secret_access_key_sha256"] == sha(env["AWS_SECRET_ACCESS_KEY"]) and
              r["session_token_sha256"] == sha(env["AWS_SESSION_TOKEN"]) and
              r["expiration_epoch"] == str(int(expires.timestamp())) and
              r["account_id"] == "123456789012", r)

    if NO_BOTOCORE:
        for what in ("JSONFileCache returns it", "parse_timestamp accepts its Expiration",
                     "AssumeRoleCredentialFetcher uses it without calling STS",
                     "a botocore Session with the AWS CLI's cache uses it"):
            tap.skip(what, NO_BOTOCORE)
        return
    try:
        entry = JSONFileCache(cache)[key]
        ok = entry["Credentials"]["AccessKeyId"] == env["AWS_ACCESS_KEY_ID"]
    except Exception as e:
        entry, ok = None, False
        tap.note("JSONFileCache: %r" % e)
    tap.check("JSONFileCache returns it", ok)
    try:
        when = parse_timestamp(entry["Credentials"]["Expiration"]) if entry else None
    except Exception as e:
        when = None
        tap.note("parse_timestamp: %r" % e)
    tap.check("parse_timestamp accepts its Expiration", when == expires,
              "got %s want %s" % (when, expires))

    def no_sts(*a, **k):
        raise AssertionError("botocore called STS: the cache entry was not used")
    try:
        f = AssumeRoleCredentialFetcher(client_creator=no_sts, source_credentials=None,
                                        role_arn=ROLE,
                                        extra_args={"RoleSessionName": "tfauth-interop"},
                                        cache=JSONFileCache(cache))
        got = f.fetch_credentials()
        ok = (got["access_key"] == env["AWS_ACCESS_KEY_ID"] and
              got["secret_key"] == env["AWS_SECRET_ACCESS_KEY"] and
              got["token"] == env["AWS_SESSION_TOKEN"] and
              parse_timestamp(got["expiry_time"]) == expires)
        diag = "access_key=%s expiry=%s" % (got["access_key"], got["expiry_time"])
    except Exception as e:
        ok, diag = False, repr(e)
    tap.check("AssumeRoleCredentialFetcher uses it without calling STS", ok, diag)

    # The AWS CLI's path: a profile with role_arn, the assume-role provider
    # given JSONFileCache(~/.aws/cli/cache) (awscli/customizations/assumerole.py).
    # STS points at a closed port, so a cache miss fails loudly.
    cfg = os.path.join(tmp, "botocore-config")
    with open(cfg, "w") as f:
        f.write("[profile src]\naws_access_key_id = AKIASOURCE\n"
                "aws_secret_access_key = source-secret\n"
                "[profile r]\nrole_arn = %s\nsource_profile = src\n"
                "role_session_name = tfauth-interop\nregion = us-east-1\n" % ROLE)
    saved = dict(os.environ)
    try:
        for k in list(os.environ):
            if k.startswith("AWS_"):
                del os.environ[k]
        os.environ.update({"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": cfg + ".none",
                           "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
                           "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true"})
        s = botocore.session.Session(profile="r")
        s.get_component("credential_provider").get_provider("assume-role").cache = \
            JSONFileCache(cache)
        fc = s.get_credentials().get_frozen_credentials()
        ok = fc.access_key == env["AWS_ACCESS_KEY_ID"] and fc.token == env["AWS_SESSION_TOKEN"]
        diag = "access_key=%s" % fc.access_key
    except Exception as e:
        ok, diag = False, repr(e)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    tap.check("a botocore Session with the AWS CLI's cache uses it", ok, diag)


def check_botocore_to_tfauth(tap, tmp):
    if NO_BOTOCORE:
        tap.skip("cache-tool loads botocore's entries", NO_BOTOCORE)
        return
    cache = os.path.join(tmp, "botocore-made", "cli", "cache")
    expires = datetime.datetime(2031, 2, 3, 4, 5, 6, tzinfo=tzutc())
    epoch = str(int(expires.timestamp()))
    # An STS AssumeRole response as botocore parses it.
    resp = {
        "Credentials": {"AccessKeyId": "ASIABOTOCOREWROTE99",
                        "SecretAccessKey": "botocore/secret+key/EXAMPLE",
                        "SessionToken": "FwoGZXIvYXdzBOTOCORE//token==", "Expiration": expires},
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:s",
                            "Arn": "arn:aws:sts::210987654321:assumed-role/Admin/s"},
        "ResponseMetadata": {"RequestId": "c6104cbe-af31-11e0-8154-cbc7ccf896c7",
                             "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0},
    }
    key = tool_key({"RoleArn": ROLE, "RoleSessionName": "s"})
    c = JSONFileCache(cache)
    c[key] = resp
    path = os.path.join(cache, key + ".json")
    with open(path) as f:
        text = f.read()
    tap.check("botocore's serializer writes \"...UTC\"",
              '"Expiration": "2031-02-03T04:05:06UTC"' in text, text[:300].replace(
                  resp["Credentials"]["SecretAccessKey"], "(secret)"))
    r = load(path)
    tap.check("cache-tool loads botocore's \"UTC\" entry", r.rc == 0 and
              r["access_key_id"] == "ASIABOTOCOREWROTE99" and
              r["expiration_epoch"] == epoch and r["expiration"] == "2031-02-03T04:05:06Z" and
              r["secret_access_key_sha256"] == sha("botocore/secret+key/EXAMPLE") and
              r["session_token_sha256"] == sha("FwoGZXIvYXdzBOTOCORE//token==") and
              r["account_id"] == "210987654321" and
              r["arn"] == "arn:aws:sts::210987654321:assumed-role/Admin/s", r)

    iso = JSONFileCache(cache, dumps_func=lambda o: json.dumps(
        o, default=lambda v: v.isoformat()))
    iso[key + "-iso"] = resp
    r = load(os.path.join(cache, key + "-iso.json"))
    tap.check("cache-tool loads an isoformat \"+00:00\" entry",
              r.rc == 0 and r["expiration_epoch"] == epoch, r)

    # tfauth writes into the folder botocore made (os.makedirs: 0755 here),
    # without changing its mode.
    before = stat.S_IMODE(os.stat(cache).st_mode)
    r, _ = store(os.path.join(cache, key + ".json"),
                 AWS_CREDENTIAL_EXPIRATION="2031-02-03T04:05:06Z")
    tap.check("cache-tool replaces an entry in botocore's folder (mode %o kept)" % before,
              r.rc == 0 and stat.S_IMODE(os.stat(cache).st_mode) == before, r)


def aws_cli():
    """The AWS CLI's executable, or None."""
    exe = shutil.which("aws")
    if not exe:
        return None
    try:
        p = subprocess.run([exe, "--version"], capture_output=True, timeout=60,
                           env=clean_env())
        return exe if p.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def check_aws_cli(tap, tmp):
    """The real AWS CLI: it reads tfauth's entry, and tfauth reads its."""
    exe = aws_cli()
    names = ("the AWS CLI uses tfauth's entry (aws configure list)",
             "the AWS CLI writes its entry under cache-tool's key",
             "cache-tool loads the AWS CLI's entry")
    if not exe:
        for n in names:
            tap.skip(n, "the aws command is not installed")
        return
    home = os.path.join(tmp, "cli-home")
    os.makedirs(os.path.join(home, ".aws"))
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[profile src]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                "region = us-east-1\n"
                "[profile cached]\nrole_arn = %s\nsource_profile = src\n"
                "role_session_name = from-tfauth\n"
                "[profile fresh]\nrole_arn = %s\nsource_profile = src\n"
                "role_session_name = from-cli\nexternal_id = ext \u00e9\n"
                "duration_seconds = 1800\n" % (ROLE, ROLE))
    cache = os.path.join(home, ".aws", "cli", "cache")
    base = {"HOME": home, "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1",
            "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9", "LC_ALL": "C.UTF-8",
            "AWS_DEFAULT_REGION": "us-east-1"}

    key = tool_key({"RoleArn": ROLE, "RoleSessionName": "from-tfauth"})
    exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    store(os.path.join(cache, key + ".json"),
          AWS_ACCESS_KEY_ID="ASIATFAUTHKEYWXYZ",
          AWS_CREDENTIAL_EXPIRATION=exp.strftime("%Y-%m-%dT%H:%M:%SZ"))
    p = subprocess.run([exe, "configure", "list", "--profile", "cached"],
                       capture_output=True, text=True, timeout=120, env=clean_env(base))
    tap.check(names[0], p.returncode == 0 and "WXYZ" in p.stdout and "assume-role" in p.stdout,
              "rc=%s\n%s\n%s" % (p.returncode, p.stdout, p.stderr[-1500:]))

    ok, why = Moto.available()
    if not ok:
        tap.skip(names[1], "moto is not available: %s" % why)
        tap.skip(names[2], "moto is not available")
        return
    try:
        with Moto() as moto:
            env = clean_env(dict(base, AWS_ENDPOINT_URL_STS=moto.url))
            p = subprocess.run([exe, "sts", "get-caller-identity", "--profile", "fresh"],
                               capture_output=True, text=True, timeout=120, env=env)
    except MotoError as e:
        tap.check(names[1], False, str(e))
        return
    key = tool_key({"RoleArn": ROLE, "RoleSessionName": "from-cli",
                    "ExternalId": "ext \u00e9", "DurationSeconds": 1800})
    path = os.path.join(cache, key + ".json")
    tap.check(names[1], p.returncode == 0 and os.path.isfile(path),
              "rc=%s key=%s\nfiles: %s\n%s" % (p.returncode, key, os.listdir(cache)
                                               if os.path.isdir(cache) else "-",
                                               p.stderr[-1500:]))
    if not os.path.isfile(path):
        tap.check(names[2], False, "no entry")
        return
    with open(path) as f:
        entry = json.load(f)
    creds = entry["Credentials"]
    r = load(path)
    tap.check(names[2], r.rc == 0 and r["access_key_id"] == creds["AccessKeyId"] and
              r["secret_access_key_sha256"] == sha(creds["SecretAccessKey"]) and
              r["expiration_epoch"] == str(int(parse_timestamp(
                  creds["Expiration"]).timestamp())) if not NO_BOTOCORE else r.rc == 0,
              "%s\nExpiration as written: %s" % (r, creds["Expiration"]))


def main():
    tap = Tap()
    if not os.access(os.path.join(TOOLS, TOOL), os.X_OK):
        tap.check("%s is built" % TOOL, False, "run: make tests")
        return tap.done()
    if NO_BOTOCORE:
        tap.note(NO_BOTOCORE + "; comparing with python only")
    else:
        tap.note("botocore %s" % botocore.__version__)
    tmp = tempfile.mkdtemp(prefix="tfauth-cache-interop.")
    old = os.umask(0o022)
    try:
        check_keys(tap)
        check_tfauth_to_botocore(tap, tmp)
        check_botocore_to_tfauth(tap, tmp)
        check_aws_cli(tap, tmp)
    finally:
        os.umask(old)
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
