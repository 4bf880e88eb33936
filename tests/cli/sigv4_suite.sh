#!/bin/sh
# The AWS SigV4 test suite (tests/data/sigv4/v4, 38 cases from aws-c-auth)
# through tests/tools/sigv4-suite: its TAP lines are this suite's, one per
# case, way of signing (header, query) and artifact.  Then checks that the
# runner can fail: a broken expectation, a missing folder, a bad call.
. "$TFAUTH_TOP/tests/lib.sh"

tool=$TFAUTH_TESTBIN/tools/sigv4-suite
suite=$TFAUTH_TOP/tests/data/sigv4/v4

if [ ! -x "$tool" ]; then
	echo "not ok 1 - $tool is not built (run 'make tests')"
	exit 1
fi

"$tool" "$suite" >"$t_tmp/suite.out" 2>&1
suite_rc=$?
# Forward everything but the runner's plan line; ours comes at the end.
grep -v '^1\.\.' "$t_tmp/suite.out"
t_n=$(grep -c '^\(not \)\{0,1\}ok ' "$t_tmp/suite.out")
t_failed=$(grep -c '^not ok ' "$t_tmp/suite.out")

check "the suite runner exits 0" test "$suite_rc" = 0
check "it ran 38 cases, 4 artifacts each way" \
	grep -q '^# 38 cases, 304 checks, 0 failed$' "$t_tmp/suite.out"

not_grep() { ! grep -q "$@"; }

# run_tool DIR: the runner on DIR; sets $rc, and its output in $t_tmp/out.
run_tool() {
	"$tool" "$@" >"$t_tmp/out" 2>"$t_tmp/err"
	rc=$?
	out=$(head -n 20 "$t_tmp/out")
	err=$(cat "$t_tmp/err")
}

# A copy of get-vanilla whose expected header signature is wrong.
mkdir "$t_tmp/broken"
cp -R "$suite/get-vanilla" "$t_tmp/broken/"
printf '%s' 0000000000000000000000000000000000000000000000000000000000000000 \
	>"$t_tmp/broken/get-vanilla/header-signature.txt"
run_tool "$t_tmp/broken"
check "a wrong expected signature: exits 1" test "$rc" = 1
check "a wrong expected signature: reported as not ok" \
	grep -q '^not ok [0-9]* - get-vanilla header: signature$' "$t_tmp/out"
check "a wrong expected signature: with the expected value" \
	grep -q '^#   want: 0000000000000000000000000000000000000000000000000000000000000000$' "$t_tmp/out"
check "a wrong expected signature: the other 7 checks pass" \
	test "$(grep -c '^ok ' "$t_tmp/out")" = 7

# A failing case with a session token: the diagnostics do not show it.
mkdir "$t_tmp/token"
cp -R "$suite/post-sts-header-before" "$t_tmp/token/"
sed 's/^POST$/PUT/' "$suite/post-sts-header-before/query-canonical-request.txt" \
	>"$t_tmp/token/post-sts-header-before/query-canonical-request.txt"
run_tool "$t_tmp/token"
check "a broken canonical request: exits 1" test "$rc" = 1
check "a broken canonical request: reported as not ok" \
	grep -q '^not ok [0-9]* - post-sts-header-before query: canonical request$' "$t_tmp/out"
check "a broken canonical request: the token is masked" \
	grep -q '<session token>' "$t_tmp/out"
check "a broken canonical request: the token itself never shows" \
	not_grep 'AQoDYXdzEPT' "$t_tmp/out"

# A case that cannot be read.
mkdir -p "$t_tmp/bad/no-context"
cp "$suite/get-vanilla/request.txt" "$t_tmp/bad/no-context/"
run_tool "$t_tmp/bad"
check "a case without context.json: exits 1" test "$rc" = 1
check "a case without context.json: not ok, both ways" \
	test "$(grep -c '^not ok [0-9]* - no-context \(header\|query\): ' "$t_tmp/out")" = 2

mkdir "$t_tmp/empty"
run_tool "$t_tmp/empty"
check "a folder without cases fails" test "$rc" = 1
run_tool "$t_tmp/does-not-exist"
check "a missing folder fails" test "$rc" = 1
run_tool
check "no folder: usage error, exit 2" test "$rc" = 2

t_done
