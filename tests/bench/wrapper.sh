#!/bin/sh
# Benchmark: what the shell integration costs.
#  - tfauth-run around a stand-in terraform that exits at once (/bin/true),
#    against calling it directly.  Goal (issue 6): under 5 ms more.
#  - `tfp <Tab>`'s work, `tfauth-profile __complete PREFIX`, on a generated
#    5,000-profile config.  Goal: under 20 ms.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TFAUTH_BIN:-$top/bin}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$tmp/home"
mkdir -p "$HOME/.aws"
printf '[profile static]\nregion = us-east-1\n' >"$HOME/.aws/config"
printf '[static]\naws_access_key_id = AKIABENCHBENCHBENCH1\naws_secret_access_key = benchsecretbenchsecretbenchsecret000001\n' \
	>"$HOME/.aws/credentials"
hyperfine -N --warmup 10 --min-runs 100 --export-json "$tmp/w.json" \
	-n "true (direct)" "/bin/true" \
	-n "tfauth-run --profile static -- true" "$bin/tfauth-run --profile static -- /bin/true"
python3 "$top/tests/bench/gen-config.py" "$tmp/big" --profiles 5000 >/dev/null
export AWS_CONFIG_FILE="$tmp/big/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$tmp/big/.aws/credentials"
hyperfine -N --warmup 5 --min-runs 50 --export-json "$tmp/c.json" \
	-n "tfauth-profile __complete p25 (5,000 profiles)" "$bin/tfauth-profile __complete p25"
python3 - "$tmp/w.json" "$tmp/c.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))["results"]
c = json.load(open(sys.argv[2]))["results"]
d = (w[1]["median"] - w[0]["median"]) * 1000
print("\n== summary (medians)")
for r in w + c:
    print("%-50s %8.2f ms" % (r["command"], r["median"] * 1000))
print("goal: wrapper overhead under 5 ms: %s (%.2f ms)" % ("MET" if d < 5 else "MISSED", d))
t = c[0]["median"] * 1000
print("goal: tfp <Tab> with 5,000 profiles under 20 ms: %s (%.2f ms)" % ("MET" if t < 20 else "MISSED", t))
PY
