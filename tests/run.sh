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
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
for s in $suites; do
	name=${s#"$top"/}; name=${name#"$TFAUTH_TESTBIN"/}
	if [ -n "$filters" ]; then
		want=0
		for w in $filters; do case ${name#tests/} in *"$w"*) want=1 ;; esac; done
		[ $want = 1 ] || continue
	fi
	case $s in
	*.sh) set -- sh "$s" ;;
	*.py) set -- python3 "$s" ;;
	*.bats) set -- bats --tap "$s" ;;
	*) set -- "$s" ;;
	esac
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
		awk '/^not ok/ {show=1} /^ok / {show=0} show' "$out" | head -n 60 | sed 's/^/    /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
