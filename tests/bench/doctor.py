"""Benchmark: tfauth-doctor against moto's server, all checks passing,
side by side with the AWS CLI's `aws sts get-caller-identity` (one of the
checks the doctor makes) on the same server.

    python3 tests/bench/doctor.py        (make bench runs it)

Prints hyperfine's table and the medians; the goal is tfauth-doctor under
100 ms wall.  Not a test: nothing here asserts a time.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from harness import Moto, clean_env, TOP  # noqa: E402

BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")


def main():
    if not shutil.which("hyperfine"):
        print("bench: hyperfine is not installed (apt-get install hyperfine)")
        return 1
    aws = shutil.which("aws")
    out = tempfile.mkdtemp(prefix="tfauth-bench-doctor-")
    with Moto(no_auth_count=3) as moto:
        iam = moto.client("iam")
        moto.create_user(iam, "alice", allow_all=True)
        akid, secret = moto.create_key(iam, "alice")
        home = os.path.join(out, "home")
        os.makedirs(os.path.join(home, ".aws"), mode=0o700)
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[profile good]\nregion = us-east-1\n")
        with open(os.path.join(home, ".aws", "credentials"), "w") as f:
            f.write("[good]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (akid, secret))
        env = clean_env({"HOME": home, "AWS_ENDPOINT_URL_STS": moto.url,
                         "AWS_ENDPOINT_URL_IAM": moto.url, "AWS_PROFILE": "good"})
        check = subprocess.run([os.path.join(BIN, "tfauth-doctor")], env=env,
                               capture_output=True, timeout=60)
        if check.returncode != 0:
            print("bench: tfauth-doctor does not pass against moto:\n" + check.stdout.decode())
            return 1
        cmds = ["-n", "tfauth-doctor", os.path.join(BIN, "tfauth-doctor")]
        if aws:
            # The AWS CLI v1 (botocore) honours AWS_ENDPOINT_URL_STS.
            cmds += ["-n", "aws sts get-caller-identity (v1)", aws + " sts get-caller-identity"]
        res = os.path.join(out, "doctor.json")
        subprocess.run(["hyperfine", "-N", "--warmup", "3", "--min-runs", "10",
                        "--export-json", res] + cmds, env=env, check=True, timeout=600)
        with open(res) as f:
            data = json.load(f)
        print("\n== summary (medians)")
        for r in data["results"]:
            print("%-40s %8.1f ms" % (r["command"], r["median"] * 1000))
        med = data["results"][0]["median"] * 1000
        print("goal: tfauth-doctor under 100 ms: %s (%.1f ms)" % ("MET" if med < 100 else "MISSED", med))
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
