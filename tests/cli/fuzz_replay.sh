#!/bin/sh
# fuzz_replay.sh — every fuzz corpus, replayed under the compiler of this
# build (gcc, or the sanitizer build with make check SANITIZE=...).
#
# For each folder tests/fuzz/corpus/NAME, $TFAUTH_TESTBIN/fuzz/fuzz_NAME
# (the target linked with tests/fuzz/replay.c) runs every file once; a
# crash, a sanitizer report or a failed invariant fails the check and
# shows the input it stopped at.  Then the shell target's quoted words are
# evaluated by the real shells: each corpus value is exported by the code
# lib/shell emits, evaluated by bash, zsh (plain and with RC_QUOTES), dash
# and fish, and must come back byte for byte.
. "$TFAUTH_TOP/tests/lib.sh"

t_clean_env
corpus=$TFAUTH_TOP/tests/fuzz/corpus
bin=$TFAUTH_TESTBIN/fuzz

names=$(cd "$corpus" && for d in */; do printf '%s\n' "${d%/}"; done)
check "there are fuzz corpora in tests/fuzz/corpus" test -n "$names"

for t in $names; do
	n=$(find "$corpus/$t" -type f | wc -l | tr -d ' ')
	if ! [ -x "$bin/fuzz_$t" ]; then
		check "fuzz_$t is built ($bin/fuzz_$t)" false
		continue
	fi
	"$bin/fuzz_$t" "$corpus/$t" >"$t_tmp/out" 2>"$t_tmp/err"
	rc=$?
	out=$(cat "$t_tmp/out")
	# The input it stopped at, and what the sanitizer or invariant said.
	err=$(grep -v '^# replay: ' "$t_tmp/err" | head -n 30)
	if [ "$rc" -ne 0 ]; then
		err="stopped at: $(grep '^# replay: ' "$t_tmp/err" | tail -n 1 | sed 's/^# replay: //')
$err"
	fi
	check "fuzz_$t replays its corpus ($n inputs)" \
		test "$rc" = 0 -a "$n" -gt 0 -a "$(printf '%s\n' "$out" | grep -c '^ok ')" = 1
done

# --- the shell target's words, evaluated by the shells themselves ---
emit=$t_tmp/emit
mkdir "$emit"
rc=1
[ -x "$bin/fuzz_shell" ] && FUZZ_SHELL_EMIT=$emit "$bin/fuzz_shell" "$corpus/shell" \
	>"$t_tmp/out" 2>"$t_tmp/err" && rc=0
out=$(cat "$t_tmp/out")
err=$(grep -v '^# replay: ' "$t_tmp/err" | head -n 20)
nwant=$(ls "$emit" | grep -c '\.want$')
check "fuzz_shell wrote code for every shell value ($nwant values)" \
	test "$rc" = 0 -a "$nwant" -gt 0 -a -s "$emit/posix.sh" -a -s "$emit/fish.fish"

# compare KIND: each N.want against N.got-KIND; sets bad to the names that
# differ or are missing.
compare() {
	bad=
	for w in "$emit"/*.want; do
		g=${w%.want}.got-$1
		if ! [ -f "$g" ] || ! cmp -s "$w" "$g"; then
			bad="$bad $(basename "${w%.want}")"
		fi
	done
}

# eval_in LABEL KIND LOCALE SHELL ARGS...: run the script of KIND with
# SHELL in LOCALE, compare.
eval_in() {
	label=$1 kind=$2 loc=$3
	shift 3
	if ! command -v "$1" >/dev/null 2>&1; then
		check "# SKIP $label is not installed" true
		return
	fi
	rm -f "$emit"/*.got-"$kind"
	LC_ALL=$loc "$@" >"$t_tmp/out" 2>"$t_tmp/err" </dev/null
	rc=$?
	out=$(head -n 20 "$t_tmp/out")
	err=$(head -n 20 "$t_tmp/err")
	compare "$kind"
	[ -z "$bad" ] || err="values that did not come back:$bad (tests/fuzz/corpus/shell, in name order from 000000)
$err"
	check "$label evaluates every quoted corpus value back ($nwant values)" \
		test "$rc" = 0 -a -z "$bad" -a -z "$(cat "$t_tmp/err")"
}

unset BASH_ENV ENV ZDOTDIR
eval_in bash posix C.UTF-8 bash --norc --noprofile "$emit/posix.sh"
eval_in "bash (C locale)" posix C bash --norc --noprofile "$emit/posix.sh"
eval_in zsh posix C.UTF-8 zsh -f "$emit/posix.sh"
eval_in "zsh -o rcquotes" posix C.UTF-8 zsh -f -o rcquotes "$emit/posix.sh"
eval_in dash posix C.UTF-8 dash "$emit/posix.sh"
eval_in fish fish C.UTF-8 fish --no-config "$emit/fish.fish"

t_done
