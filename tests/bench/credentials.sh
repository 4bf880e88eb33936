#!/bin/sh
# Benchmark: the credential_process hot path.  `tfauth-env --format process`
# for a role whose session is cached (the AWS CLI's cache, written by
# tests/tools/cache-tool), side by side with the AWS CLI's
# `aws configure export-credentials --format process` on the same cache.
# Goal (issue 4): median under 3 ms, no network, >= 100x faster.
# STS points at a closed port: a network call would fail the check below.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TFAUTH_BIN:-$top/bin}
tool=${TFAUTH_TESTBIN:-$top/build/rel/tests}/tools/cache-tool
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed"; exit 1; }
[ -x "$tool" ] || { echo "bench: build the test tools first: make tests"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" AWS_ENDPOINT_URL_STS=http://127.0.0.1:9
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do
	[ "$v" = AWS_ENDPOINT_URL_STS ] || unset "$v"
done
mkdir -p "$HOME/.aws/cli/cache"
cat >"$HOME/.aws/config" <<'CFG'
[profile base]
region = us-east-1
[profile role]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/Bench
source_profile = base
CFG
printf '[base]\naws_access_key_id = AKIABENCHBENCHBENCH1\naws_secret_access_key = benchsecretbenchsecretbenchsecret000001\n' \
	>"$HOME/.aws/credentials"
key=$("$tool" key arn:aws:iam::123456789012:role/Bench)
AWS_ACCESS_KEY_ID=ASIABENCHBENCHBENC01 AWS_SECRET_ACCESS_KEY=benchsessionsecretbenchsessionsecret01 \
AWS_SESSION_TOKEN=benchtoken AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00Z \
	"$tool" store "$HOME/.aws/cli/cache/$key.json" >/dev/null
"$bin/tfauth-env" role --format process | grep -q ASIABENCHBENCHBENC01 ||
	{ echo "bench: tfauth-env did not serve the cached session"; exit 1; }
cmds="$bin/tfauth-env role --format process"
if /usr/bin/aws configure export-credentials --profile role --format process 2>/dev/null |
	grep -q ASIABENCHBENCHBENC01; then
	set -- -n "aws v2 configure export-credentials" \
		"/usr/bin/aws configure export-credentials --profile role --format process"
else
	echo "bench: the AWS CLI v2 does not serve the cached session; timing tfauth alone"
	set --
fi
hyperfine -N --warmup 5 --min-runs 10 --export-json "$tmp/c.json" \
	-n "tfauth-env --format process (warm)" "$cmds" "$@"
python3 - "$tmp/c.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
t = r[0]["median"] * 1000
print("\n== summary (medians)")
for x in r:
    print("%-45s %9.2f ms" % (x["command"], x["median"] * 1000))
print("goal: median under 3 ms: %s (%.2f ms)" % ("MET" if t < 3 else "MISSED", t))
if len(r) > 1:
    ratio = r[1]["median"] * 1000 / t
    print("goal: at least 100x faster than the AWS CLI: %s (%.0fx)" % ("MET" if ratio >= 100 else "MISSED", ratio))
PY
