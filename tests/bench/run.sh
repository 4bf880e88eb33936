#!/bin/sh
# Benchmarks tfauth against the AWS CLI on a generated 5,000-profile config.
# See tests/bench/README.md.  `make bench` builds, then runs this.
#
#   sh tests/bench/run.sh
#
# Knobs (environment):
#   TFAUTH_BIN              where the binaries are (default: ./bin)
#   TFAUTH_BENCH_PROFILES   profiles to generate (default 5000)
#   TFAUTH_BENCH_AWS_RUNS   minimum runs of each command; the AWS CLI gets
#                           exactly this many (default 10), tfauth gets as
#                           many as fit in hyperfine's 3 s budget
#   TFAUTH_BENCH_OUT        a directory to copy the JSON/markdown exports to
#   TFAUTH_BENCH_STRICT=1   exit 1 when a goal is missed
#
# Goals (the issue): median < 5 ms for `tfauth-profile list` and
# `tfauth-env PROFILE`, >= 100x faster than the AWS CLI v2, peak RSS < 8 MiB.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TFAUTH_BIN:-$top/bin}
nprof=${TFAUTH_BENCH_PROFILES:-5000}
minruns=${TFAUTH_BENCH_AWS_RUNS:-10}
mid=p$((nprof / 2))
aws2=/usr/bin/aws

say() { printf '%s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------ tools
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
apt_install() {
	say "bench: installing $* (apt-get)"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 ||
	{ $SUDO apt-get update >/dev/null 2>&1 &&
	  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null; }
}
need=
command -v hyperfine >/dev/null 2>&1 || need="$need hyperfine"
[ -x /usr/bin/time ] || need="$need time"
command -v python3 >/dev/null 2>&1 || need="$need python3"
[ -x "$aws2" ] || need="$need awscli"
[ -z "$need" ] || apt_install $need || die "could not install:$need"
command -v hyperfine >/dev/null 2>&1 || die "hyperfine is missing"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing"

for b in tfauth-profile tfauth-env; do
	[ -x "$bin/$b" ] || die "no $bin/$b: run 'make' first (or set TFAUTH_BIN)"
done

# -N (no shell, no shell-spawn correction) came in hyperfine 1.13; before
# it, --shell=none.
if hyperfine --help 2>&1 | grep -Eq '^[[:space:]]*-N([,[:space:]]|$)'; then
	noshell=-N
else
	noshell=--shell=none
fi
hfver=$(hyperfine --version)

# The AWS CLI v1 from PATH (e.g. pip's, behind a pyenv shim) as a second
# reference.  A pyenv shim is resolved to the real script so the shim's own
# bash start-up is not counted against the CLI.
aws1=
if p=$(command -v aws 2>/dev/null); then
	case $p in
	*/.pyenv/shims/*) p=$(pyenv which aws 2>/dev/null) || p= ;;
	esac
	if [ -n "$p" ] && [ "$p" != "$aws2" ] &&
	   "$p" --version 2>&1 | grep -q '^aws-cli/1\.'; then
		aws1=$p
	fi
fi

# ------------------------------------------------------------ config
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tfauth-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
home=$tmp/home
mkdir "$home"
python3 "$top/tests/bench/gen-config.py" "$home" --profiles "$nprof"

# Only the generated files count: drop every AWS_* variable that could
# point elsewhere or pick a profile, and keep the CLI from paging.
for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
HOME=$home SHELL=/bin/bash AWS_PAGER= LC_ALL=C.UTF-8
export HOME SHELL AWS_PAGER LC_ALL

# ------------------------------------------------------------ sanity
# Every command must succeed and say the right thing before it is timed.
out=$("$bin/tfauth-profile" list) || die "tfauth-profile list failed"
[ "$(printf '%s\n' "$out" | wc -l)" -eq $((nprof + 1)) ] ||
	die "tfauth-profile list: expected $((nprof + 1)) names"
"$bin/tfauth-profile" list --long >/dev/null || die "tfauth-profile list --long failed"
out=$("$bin/tfauth-env" "$mid" 2>/dev/null) || die "tfauth-env $mid failed"
printf '%s\n' "$out" | grep -q "AWS_PROFILE='$mid'" || die "tfauth-env $mid: no AWS_PROFILE"
region=$(printf '%s\n' "$out" | sed -n "s/^export AWS_REGION='\(.*\)'$/\1/p")
[ -n "$region" ] || die "tfauth-env $mid: no AWS_REGION"
[ "$("$aws2" configure list-profiles | wc -l)" -eq $((nprof + 1)) ] ||
	die "$aws2 configure list-profiles: expected $((nprof + 1)) names"
[ "$("$aws2" configure get region --profile "$mid")" = "$region" ] ||
	die "$aws2 configure get region disagrees with tfauth-env"
if [ -n "$aws1" ] && [ "$("$aws1" configure get region --profile "$mid")" != "$region" ]; then
	say "bench: $aws1 disagrees on the region of $mid; leaving it out"
	aws1=
fi

say "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr)"
say "bench: $hfver ($noshell); AWS CLI v2: $("$aws2" --version 2>&1 | cut -d' ' -f1)" \
    "$aws2${aws1:+; v1: $("$aws1" --version 2>&1 | cut -d' ' -f1) $aws1}"
say "bench: tfauth binaries: $bin"

# ------------------------------------------------------------ timing
# One hyperfine run per workload, tfauth and the CLI side by side.  With
# --min-runs and no --runs, hyperfine runs each command for ~3 s but at
# least $minruns times: thousands of runs for tfauth, $minruns for the CLI.
hf() {
	w=$1
	shift
	say ""
	say "== workload $w"
	hyperfine $noshell --warmup 3 --min-runs "$minruns" --style basic \
		--export-json "$tmp/$w.json" --export-markdown "$tmp/$w.md" "$@"
}
hf list \
	-n "tfauth-profile list" "$bin/tfauth-profile list" \
	-n "aws v2 configure list-profiles" "$aws2 configure list-profiles"
if [ -n "$aws1" ]; then
	hf env \
		-n "tfauth-env $mid" "$bin/tfauth-env $mid" \
		-n "aws v2 configure get region --profile $mid" "$aws2 configure get region --profile $mid" \
		-n "aws v1 configure get region --profile $mid" "$aws1 configure get region --profile $mid"
else
	hf env \
		-n "tfauth-env $mid" "$bin/tfauth-env $mid" \
		-n "aws v2 configure get region --profile $mid" "$aws2 configure get region --profile $mid"
fi
hf long -n "tfauth-profile list --long" "$bin/tfauth-profile list --long"

# Peak RSS: the largest of 5 runs, in KiB.
rss() {
	max=0
	for _ in 1 2 3 4 5; do
		k=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
		[ "$k" -gt "$max" ] && max=$k
	done
	echo "$max"
}
rss_list=$(rss "$bin/tfauth-profile" list)
rss_env=$(rss "$bin/tfauth-env" "$mid")
rss_long=$(rss "$bin/tfauth-profile" list --long)

if [ -n "${TFAUTH_BENCH_OUT:-}" ]; then
	mkdir -p "$TFAUTH_BENCH_OUT"
	cp "$tmp"/*.json "$tmp"/*.md "$TFAUTH_BENCH_OUT"/
fi

# ------------------------------------------------------------ summary
say ""
python3 - "$tmp" "$rss_list" "$rss_env" "$rss_long" "${TFAUTH_BENCH_STRICT:-0}" <<'EOF'
import json, os, sys

tmp, rss_list, rss_env, rss_long, strict = sys.argv[1:6]
rss = {"list": int(rss_list), "env": int(rss_env), "long": int(rss_long)}

def load(w):
    with open(os.path.join(tmp, w + ".json")) as f:
        return json.load(f)["results"]

def ms(x):
    return "%.2f ms" % (x * 1000) if x < 1 else "%.3f s" % x

missed = 0
def verdict(ok, text):
    global missed
    missed += not ok
    print("  %-7s %s" % ("MET" if ok else "MISSED", text))

print("== summary (medians from hyperfine's JSON; RSS = max of 5 runs of /usr/bin/time -f %M)")
print("%-48s %11s %11s %6s %9s" % ("command", "median", "mean", "runs", "peak RSS"))
res = {w: load(w) for w in ("list", "env", "long")}
for w in ("list", "env", "long"):
    for r in res[w]:
        tf = r["command"].startswith("tfauth")
        print("%-48s %11s %11s %6d %9s" % (
            r["command"], ms(r["median"]), ms(r["mean"]), len(r["times"]),
            "%d KiB" % rss[w] if tf else ""))
print()
print("goals:")
for w in ("list", "env"):
    t = res[w][0]
    verdict(t["median"] < 0.005, "%s: median %s (goal < 5 ms)" % (t["command"], ms(t["median"])))
for w in ("list", "env"):
    t = res[w][0]
    for r in res[w][1:]:
        ratio = r["median"] / t["median"]
        if " v2 " in r["command"]:
            verdict(ratio >= 100, "%s: %.1fx faster than %s (goal >= 100x)"
                    % (t["command"], ratio, r["command"]))
        else:
            print("  (info)  %s: %.1fx faster than %s" % (t["command"], ratio, r["command"]))
for w in ("list", "env"):
    verdict(rss[w] < 8192, "%s: peak RSS %d KiB = %.2f MiB (goal < 8 MiB)"
            % (res[w][0]["command"], rss[w], rss[w] / 1024))
t = res["long"][0]
print("  (info)  %s: median %s, peak RSS %.2f MiB"
      % (t["command"], ms(t["median"]), rss["long"] / 1024))
print()
print("%d goal(s) missed" % missed if missed else "every goal met")
sys.exit(1 if missed and strict == "1" else 0)
EOF
