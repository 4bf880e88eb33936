#!/usr/bin/env python3
"""Benchmark: a warm fetch from tfauth-run --serve-credentials's endpoint,
measured from the client side.  Goal (issue 9): p50 under 2 ms.

A temp HOME holds a role profile whose cached credentials are fresh (so
every fetch is the warm path: the cache read, no process, no network).
tfauth-run serves them to a stand-in child that only waits; this process
reads the endpoint and the token from the child's environment and fetches
  - over one keep-alive connection (what an SDK's HTTP client does), and
  - on a new connection each time,
timing each request to its whole answer, and prints p50/p90/p99.

    python3 tests/bench/serve.py [N]
"""
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
ROLE = "arn:aws:iam::123456789012:role/bench"

CHILD = r'''
import json, os, sys, time
state = sys.argv[1]
with open(os.path.join(state, "env.json.tmp"), "w") as f:
    json.dump({k: os.environ.get(k) for k in ("AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                              "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")}, f)
os.rename(os.path.join(state, "env.json.tmp"), os.path.join(state, "env.json"))
deadline = time.monotonic() + 600
while not os.path.exists(os.path.join(state, "stop")) and time.monotonic() < deadline:
    time.sleep(0.05)
'''


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def main():
    root = tempfile.mkdtemp(prefix="tfauth-bench-serve.")
    os.chmod(root, 0o700)
    p = None
    try:
        home = os.path.join(root, "home")
        os.makedirs(os.path.join(home, ".aws", "cli", "cache"), mode=0o700)
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[profile keys]\nregion = us-east-1\n\n[profile role]\nregion = us-east-1\n"
                    "role_arn = %s\nsource_profile = keys\nrole_session_name = bench\n" % ROLE)
        fd = os.open(os.path.join(home, ".aws", "credentials"),
                     os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("[keys]\naws_access_key_id = AKIABENCHBENCHBENCH1\n"
                    "aws_secret_access_key = benchsecretbenchsecretbenchsecret000001\n")
        key = hashlib.sha1(json.dumps({"RoleArn": ROLE, "RoleSessionName": "bench"},
                                      sort_keys=True).encode()).hexdigest()
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3 * 3600))
        fd = os.open(os.path.join(home, ".aws", "cli", "cache", key + ".json"),
                     os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"Credentials": {"AccessKeyId": "ASIABENCHBENCHBENCH2",
                                       "SecretAccessKey": "benchrolesecret" * 3,
                                       "SessionToken": "benchroletoken" * 40,
                                       "Expiration": exp},
                       "AssumedRoleUser": {"Arn": "arn:aws:sts::123456789012:"
                                           "assumed-role/bench/bench",
                                           "AssumedRoleId": "AROABENCH:bench"}}, f)
        state = os.path.join(root, "state")
        os.mkdir(state, 0o700)
        child = os.path.join(root, "child.py")
        with open(child, "w") as f:
            f.write(CHILD)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and
               not k.startswith("TFAUTH_")}
        env.update(HOME=home, TMPDIR=root, AWS_EC2_METADATA_DISABLED="true")
        p = subprocess.Popen([os.path.join(BIN, "tfauth-run"), "--serve-credentials",
                              "--quiet", "--profile", "role", "--", sys.executable, child,
                              state], env=env, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        deadline = time.monotonic() + 30
        path = os.path.join(state, "env.json")
        while not os.path.exists(path):
            if time.monotonic() > deadline or p.poll() is not None:
                print("bench: the endpoint did not come up")
                return 1
            time.sleep(0.02)
        with open(path) as f:
            info = json.load(f)
        url = urllib.parse.urlsplit(info["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
        with open(info["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]) as f:
            token = f.read()
        headers = {"Authorization": token, "Accept": "application/json"}

        def fetch(c):
            c.request("GET", url.path, headers=headers)
            r = c.getresponse()
            body = r.read()
            if r.status != 200 or b"AccessKeyId" not in body:
                raise SystemExit("bench: a fetch failed: %d" % r.status)

        results = {}
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        for _ in range(50):
            fetch(c)
        ts = []
        for _ in range(N):
            t0 = time.perf_counter()
            fetch(c)
            ts.append(time.perf_counter() - t0)
        c.close()
        results["keep-alive"] = ts
        ts = []
        for _ in range(max(N // 2, 1)):
            t0 = time.perf_counter()
            c = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
            fetch(c)
            c.close()
            ts.append(time.perf_counter() - t0)
        results["new connection"] = ts

        print("== tfauth-run --serve-credentials: a warm fetch, client side")
        for name, ts in results.items():
            print("%-32s n=%-5d p50 %6.3f ms  p90 %6.3f ms  p99 %6.3f ms" % (
                name, len(ts), pct(ts, 50) * 1000, pct(ts, 90) * 1000, pct(ts, 99) * 1000))
        worst = max(pct(ts, 50) for ts in results.values()) * 1000
        print("goal: a warm served fetch under 2 ms at p50: %s (%.3f ms)" % (
            "MET" if worst < 2 else "MISSED", worst))
        open(os.path.join(state, "stop"), "w").close()
        p.wait(timeout=30)
        return 0 if worst < 2 else 1
    finally:
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
