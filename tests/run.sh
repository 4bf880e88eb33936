#!/bin/sh
# Runs every test suite and ends with one line: "N passed, N failed".
#
# A suite is any of: a unit-test binary ($TFAUTH_TESTBIN/test_*), a shell
# script tests/{cli,shell,integration,diff}/*.sh, or a Python script
# tests/{integration,diff}/*.py.  Each prints TAP lines ("ok N - ...",
# "not ok N - ..."); a suite that exits non-zero without a "not ok" line
# counts as one failure, so a crash cannot pass.
#
#   tests/run.sh                 every suite
#   tests/run.sh config cli      only suites whose path contains a word
#   tests/run.sh cli/ -man       ... and none whose path contains -'s word
#
# After the last suite, one more result: no secret the tests used appears
# in any suite's output.  The secrets are the fixtures' (found in the test
# sources: the values of aws_secret_access_key, aws_session_token,
# SecretAccessKey, accessToken... and the AWS documentation's example
# keys), and those the suites register at run time in $TFAUTH_SECRETS_LOG
# (tests/lib.sh t_secret, harness.register_secret: moto's keys and
# sessions, the SSO emulator's tokens).  A match is reported with the
# suite's name and the secret masked, never the secret.
#
# TFAUTH_VALGRIND_LOGS=DIR (make check-valgrind) adds one result more:
# every valgrind log in DIR (tests/valgrind/wrap.sh) is free of errors
# and of definitely lost blocks.  TFAUTH_KEEP_LOGS=1 keeps the suites'
# output (the folder is named at the end).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${TFAUTH_BIN:=$top/bin}" "${TFAUTH_TESTBIN:=$top/build/rel/tests}"
export TFAUTH_BIN TFAUTH_TESTBIN TFAUTH_TOP="$top"
timeout_s=${TFAUTH_TEST_TIMEOUT:-300}

suites=""
for f in "$TFAUTH_TESTBIN"/test_*; do [ -x "$f" ] && suites="$suites $f"; done
for d in cli shell diff integration; do
	for f in "$top/tests/$d"/*.sh "$top/tests/$d"/*.py "$top/tests/$d"/*.bats; do
		[ -f "$f" ] && suites="$suites $f"
	done
done

filters="$*"
passed=0 failed=0
logs=$(mktemp -d "${TMPDIR:-/tmp}/tfauth-logs.XXXXXX") || exit 1
chmod 700 "$logs"
if [ "${TFAUTH_KEEP_LOGS:-}" = 1 ]; then
	trap 'echo "# the suites'"'"' output is in $logs"' EXIT
else
	trap 'rm -rf "$logs"' EXIT
fi
trap 'exit 130' INT TERM

# --- the fixtures' secrets ---------------------------------------------
# One per line, longest first (so that masking a secret that contains
# another masks all of it).  Values shorter than 8 characters, and
# placeholders (%s, {x}, $x, names like f.secret_key or new_secret), are
# left out: too common to grep for.
TFAUTH_SECRETS_LOG=$logs/secrets
export TFAUTH_SECRETS_LOG
: >"$TFAUTH_SECRETS_LOG"
fixture_secrets() {
	python3 - "$top/tests" <<'PY'
import os, re, sys
NAMES = ("aws_secret_access_key|aws_session_token|aws_security_token|"
         "secret_access_key|session_token|secretaccesskey|sessiontoken|"
         "accesstoken|refreshtoken|clientsecret|client_secret|access_token|"
         "refresh_token|secret_key|secret")
VALUE = r"([A-Za-z0-9/+=_.\-]{8,})"
pats = [
    # name = value (INI, env, shell), name="value" (Python, C)
    re.compile(r"""\b(?:%s)["']?\s*=\s*b?["']?%s""" % (NAMES, VALUE), re.I),
    # "name": "value" (JSON, Python dicts)
    re.compile(r"""["'](?:%s)["']\s*:\s*b?["']%s""" % (NAMES, VALUE), re.I),
    re.compile(r"<(?:SecretAccessKey|SessionToken)>%s<" % VALUE, re.I),
]
# Not secrets: names (f.secret_key, new_secret, AWS_X), assignments,
# elisions, numbers and timestamps, key ids, CamelCase words (error codes,
# JSON field names).
not_secret = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+|[a-z0-9]*_[a-z0-9_]*|"
    r"[A-Z0-9]*_[A-Z0-9_]*|.*=[^=].*|.*\.\..*|.*\.|[0-9]+|[0-9]{8}T[0-9]{6}Z|"
    r"(AKIA|ASIA)[A-Z0-9]+|[A-Za-z][a-z]+([A-Z][a-z]+)+|[A-Z][a-z]+")
found = {
    # The AWS documentation's example secrets (README, the SigV4 suite).
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
}
for root, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if d not in ("__pycache__", "fuzz", "bench")]
    for name in files:
        path = os.path.join(root, name)
        try:
            if os.path.getsize(path) > 4 << 20:
                continue
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        for p in pats:
            for m in p.finditer(text):
                v = m.group(1)
                if not not_secret.fullmatch(v):
                    found.add(v)
for v in sorted(found, key=lambda s: (-len(s), s)):
    print(v)
PY
}
if command -v python3 >/dev/null 2>&1; then
	fixture_secrets >"$TFAUTH_SECRETS_LOG"
else
	printf '%s\n' 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' \
	    'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' >"$TFAUTH_SECRETS_LOG"
fi

# A filter: every secret listed so far shown as ****LAST4.
mask() {
	awk -v f="$TFAUTH_SECRETS_LOG" '
	BEGIN { while ((getline s < f) > 0) if (length(s) >= 8) sec[++n] = s }
	{
		for (i = 1; i <= n; i++)
			while ((j = index($0, sec[i])) > 0)
				$0 = substr($0, 1, j - 1) "****" substr(sec[i], length(sec[i]) - 3) \
				    substr($0, j + length(sec[i]))
		print
	}'
}

# --- the suites ----------------------------------------------------------
nsuites=0
for s in $suites; do
	name=${s#"$top"/}; name=${name#"$TFAUTH_TESTBIN"/}
	if [ -n "$filters" ]; then
		want=0 some=0 drop=0
		for w in $filters; do
			case $w in
			-*) case ${name#tests/} in *"${w#-}"*) drop=1 ;; esac ;;
			*) some=1; case ${name#tests/} in *"$w"*) want=1 ;; esac ;;
			esac
		done
		[ $some = 1 ] || want=1
		[ $want = 1 ] && [ $drop = 0 ] || continue
	fi
	case $s in
	*.sh) set -- sh "$s" ;;
	*.py) set -- python3 "$s" ;;
	*.bats) set -- bats --tap "$s" ;;
	*) set -- "$s" ;;
	esac
	nsuites=$((nsuites + 1))
	out=$logs/$(printf '%s' "$name" | tr '/' '_').log
	start=$(date +%s)
	timeout -k 5 "$timeout_s" "$@" </dev/null >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name ran no test" >>"$out"
	fi
	passed=$((passed + p)); failed=$((failed + f))
	printf '%-40s %4d passed, %d failed (%ss)\n' "$name" "$p" "$f" "$(( $(date +%s) - start ))"
	if [ "$f" -gt 0 ]; then
		# Show the failures with their diagnostics, not the whole log.
		awk '/^not ok/ {show=1} /^ok / {show=0} show' "$out" | head -n 60 | mask | sed 's/^/    /'
	fi
done

# --- no secret in any output ----------------------------------------------
if [ "$nsuites" -gt 0 ]; then
	sec=$logs/secrets.all
	awk 'length($0) >= 8' "$TFAUTH_SECRETS_LOG" | sort -u >"$sec"
	nsec=$(grep -c '' "$sec")
	hits=""
	for l in "$logs"/*.log; do
		[ -f "$l" ] || continue
		if grep -q -F -f "$sec" "$l"; then
			hit=$(grep -o -F -f "$sec" "$l" | head -n 1)
			n=$(grep -c -F -f "$sec" "$l")
			sname=$(basename "$l" .log)
			hits="$hits    $sname: $n line(s), e.g. the secret ****$(printf '%s' "$hit" | tail -c 4) (${#hit} characters)
"
		fi
	done
	if [ -z "$hits" ]; then
		passed=$((passed + 1))
		printf '%-40s %4d passed, %d failed (%d secrets, %d suites)\n' \
		    "no secret in any suite's output" 1 0 "$nsec" "$nsuites"
	else
		failed=$((failed + 1))
		printf '%-40s %4d passed, %d failed\n' "no secret in any suite's output" 0 1
		echo "    not ok - a secret in the output of:"
		printf '%s' "$hits"
	fi
fi

# --- valgrind ---------------------------------------------------------------
# One log per process.  A log with a summary must say 0 errors and nothing
# definitely lost (with --errors-for-leak-kinds=definite a definite leak
# is an error too).  A log without one is a process that exec'd another
# (tfauth -> tfauth-NAME) or was killed: it fails only if it reports an
# error (a stack trace).
if [ -n "${TFAUTH_VALGRIND_LOGS:-}" ]; then
	vn=0 vdone=0 bad=""
	for l in "$TFAUTH_VALGRIND_LOGS"/*; do
		[ -f "$l" ] || continue
		vn=$((vn + 1))
		if grep -q 'ERROR SUMMARY:' "$l"; then
			vdone=$((vdone + 1))
			if ! grep -q 'ERROR SUMMARY: 0 errors' "$l" ||
			    grep -q 'definitely lost: [1-9]' "$l"; then
				bad="$bad $l"
			fi
		elif grep -q '^==[0-9]*== *\(at\|by\) 0x' "$l"; then
			bad="$bad $l"
		fi
	done
	vname="valgrind: no error, no leak"
	vwhat="$vn processes, $vdone ran to the end"
	if [ "$vn" -gt 0 ] && [ -z "$bad" ]; then
		passed=$((passed + 1))
		printf '%-40s %4d passed, %d failed (%s)\n' "$vname" 1 0 "$vwhat"
	else
		failed=$((failed + 1))
		printf '%-40s %4d passed, %d failed (%s)\n' "$vname" 0 1 "$vwhat"
		[ "$vn" -gt 0 ] || echo "    not ok - no valgrind log in $TFAUTH_VALGRIND_LOGS"
		nb=0
		for l in $bad; do
			nb=$((nb + 1))
			[ $nb -le 20 ] || continue
			echo "    not ok - $l:"
			grep -E 'Command:|ERROR SUMMARY|definitely lost' "$l" | head -n 3 |
			    mask | sed 's/^/      /'
		done
		[ $nb -le 20 ] || echo "    ... and $((nb - 20)) more"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
