#!/bin/sh
# quote_eval.sh — the code lib/shell emits, evaluated by the real shells.
#
# For every value of a hostile corpus, tfa-shellcode prints `export` code for
# each dialect; bash, zsh (plain, with RC_QUOTES, as sh), fish and dash eval
# it the way users do (eval "$(...)" / ... | source).  A check passes when the
# eval exits 0 and prints nothing, the variable holds exactly the value's
# bytes both in the shell and in a child's environment, and the canary file
# that the corpus tries to create does not exist.  Then unset, and a whole
# tfauth-env-like block, in each shell.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
tool=$TFAUTH_TESTBIN/tools/tfa-shellcode
unset BASH_ENV ENV ZDOTDIR CDPATH TFA_T TFA_U TFA_V
CANARY=$t_tmp/canary
T_CODE=$t_tmp/code T_OUT=$t_tmp/got T_ENV=$t_tmp/got-env T_PRINTENV=$t_tmp/printenv
export CANARY T_CODE T_OUT T_ENV T_PRINTENV
# A child process that shows TFA_T as it reached the environment.
printf '#!/bin/sh\nprintf %%s "${TFA_T-<unset>}"\n' >"$T_PRINTENV"
chmod +x "$T_PRINTENV"

if ! [ -x "$tool" ]; then
	check "tfa-shellcode is built ($tool)" false
	t_done
	exit
fi

# Shell configurations: label, dialect, locale, how to start it.  Each one
# evals $T_CODE, then writes TFA_T to $T_OUT with a builtin and to $T_ENV
# from a child process.
posix_body='eval "$(cat "$T_CODE")" || exit 9
printf %s "${TFA_T-<unset>}" >"$T_OUT"
"$T_PRINTENV" >"$T_ENV"'
fish_body='cat $T_CODE | source; or exit 9
if set -q TFA_T; printf %s "$TFA_T"; else; printf %s "<unset>"; end >$T_OUT
$T_PRINTENV >$T_ENV'

shells="bash bash-posix zsh zsh-rcquotes zsh-as-sh dash fish"
have() { command -v "$1" >/dev/null 2>&1; }

# run_shell LABEL: run the configuration on $T_CODE; sets rc, err.
run_shell() {
	rm -f "$T_OUT" "$T_ENV"
	case $1 in
	bash) LC_ALL=C.UTF-8 bash --norc --noprofile -c "$posix_body" ;;
	bash-posix) LC_ALL=C bash --posix --norc --noprofile -c "$posix_body" ;;
	zsh) LC_ALL=C.UTF-8 zsh -f -c "$posix_body" ;;
	zsh-rcquotes) LC_ALL=C.UTF-8 zsh -f -o rcquotes -c "$posix_body" ;;
	zsh-as-sh) LC_ALL=C zsh -f -c "emulate sh; $posix_body" ;;
	dash) LC_ALL=C.UTF-8 dash -c "$posix_body" ;;
	fish) LC_ALL=C.UTF-8 fish --no-config -c "$fish_body" ;;
	esac </dev/null >"$t_tmp/stdout" 2>"$t_tmp/err"
	rc=$?
	err=$(cat "$t_tmp/stdout" "$t_tmp/err")
}

dialect_of() {
	case $1 in
	bash*) echo bash ;;
	zsh-as-sh | dash) echo sh ;;
	zsh*) echo zsh ;;
	fish) echo fish ;;
	esac
}

hex() { od -An -tx1 "$1" 2>/dev/null | tr -s ' \n' '  '; }

# roundtrip: the last run_shell left exactly $t_tmp/want in both outputs,
# quietly, and ran nothing.
roundtrip() {
	out="code: $(cat "$T_CODE")
want: $(hex "$t_tmp/want")
got:  $(hex "$T_OUT")
env:  $(hex "$T_ENV")"
	if [ -e "$CANARY" ]; then
		rm -f "$CANARY"
		out="the canary was created! $out"
		return 1
	fi
	[ "$rc" = 0 ] && [ -z "$err" ] &&
		cmp -s "$t_tmp/want" "$T_OUT" && cmp -s "$t_tmp/want" "$T_ENV"
}

# The corpus: a label, then the value as a printf %b argument (\n, \t, \\,
# \0NNN octal).  Leading and trailing spaces are written \040 because read
# trims them.  $CANARY is never expanded here: the value holds the text.
corpus='empty
plain prod
region eu-west-1
quote it'"'"'s
lone-quote '"'"'
two-quotes '"''"'
three-quotes '"'''"'
quote-start '"'"'a
quote-end a'"'"'
quote-both '"'"'a'"'"'
quote-run a'"''''"'b
rc-quotes-bait it'"''"'s '"''"'
double-quotes "double" "
backslash a\\b
backslash-end a\\
backslash-quote \\'"'"'
quote-backslash '"'"'\\
backslash-n a\\nb
newline line1\nline2
trailing-newlines a\n\n
only-newline \n
cr-lf a\r\nb
tab a\tb
cmdsubst $(touch $CANARY)
cmdsubst-quoted '"'"'$(touch $CANARY)'"'"'
backticks `touch $CANARY`
semicolon ; touch $CANARY
quote-breakout '"'"'; touch $CANARY; echo '"'"'
backslash-breakout \\'"'"'; touch $CANARY; echo \\'"'"'
dquote-breakout "; touch $CANARY; echo "
fish-cmdsubst (touch $CANARY)
and-or x && touch $CANARY || y
pipe-amp x | touch $CANARY & y
newline-cmd x\ntouch $CANARY\n
redirect >$CANARY
variables $HOME ${HOME} $$ $? $1 $@ %self $argv
arith $((1+1))
spaces \040two\040\040spaces\040
only-space \040
utf8 h\0303\0251llo \0342\0202\0254 \0360\0237\0224\0221
latin1 caf\0351 \0377\0376
control \001\033[31m\177
dash -e
dash-n -n
dashdash --
glob-star *
glob-mixed *.tf ? [ab] **/x
tilde ~
tilde-path ~/x:~root
hash #comment
bang !! !$ !-1
braces {a,b} {1..3}
percent 100% %s %d
equals A=B=C
long-ish AKIAIOSFODNN7EXAMPLE/wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=='

# The corpus as files: $t_tmp/corpus/N.label and N.want.
mkdir "$t_tmp/corpus"
n=0
while read -r label spec; do
	n=$((n + 1))
	printf %s "$label" >"$t_tmp/corpus/$n.label"
	printf %b "$spec" >"$t_tmp/corpus/$n.want"
done <<EOF
$corpus
EOF
ncorpus=$n

for sh in $shells; do
	bin=${sh%%-*}
	if ! have "$bin"; then
		check "$sh is installed (tests/deps.sh installs it)" false
		continue
	fi
	dialect=$(dialect_of "$sh")
	i=0
	while [ $i -lt "$ncorpus" ]; do
		i=$((i + 1))
		label=$(cat "$t_tmp/corpus/$i.label")
		cp "$t_tmp/corpus/$i.want" "$t_tmp/want"
		# $(...) drops trailing newlines: keep them behind a guard.
		v=$(cat "$t_tmp/want"; echo x)
		v=${v%x}
		"$tool" "$dialect" export TFA_T "$v" >"$T_CODE" 2>"$t_tmp/err" || {
			rc=$? err=$(cat "$t_tmp/err")
			check "$sh: tfa-shellcode emits code for $label" false
			continue
		}
		run_shell "$sh"
		check "$sh: export $label is byte-exact" roundtrip
	done

	# A 10 KB value of quotes, backslashes and newlines.
	awk 'BEGIN { for (i = 0; i < 1024; i++) printf "a'"'"'\\\n$(x)"; }' \
		</dev/null >"$t_tmp/want"
	v=$(cat "$t_tmp/want"; echo x)
	v=${v%x}
	"$tool" "$dialect" export TFA_T "$v" >"$T_CODE"
	run_shell "$sh"
	check "$sh: export of a 10 KB hostile value is byte-exact" roundtrip

	# unset: a variable the shell inherited is gone, in the shell and for
	# its children, and unsetting an absent one is silent and succeeds
	# (it is the last line, so its status is the eval's status).
	printf '<unset>' >"$t_tmp/want"
	"$tool" "$dialect" unset TFA_T >"$T_CODE"
	TFA_T=stale
	export TFA_T
	run_shell "$sh"
	unset TFA_T
	check "$sh: unset removes an inherited variable" roundtrip
	run_shell "$sh"
	check "$sh: unset of an absent variable succeeds silently" roundtrip
	"$tool" "$dialect" export TFA_T "x'y" unset TFA_T >"$T_CODE"
	run_shell "$sh"
	check "$sh: export then unset leaves it unset" roundtrip

	# A tfauth-env-like block: unset stale keys, export the profile.
	"$tool" "$dialect" unset TFA_U unset TFA_V export TFA_T "it's; \$(x)" \
		unset TFA_NEVER_SET >"$T_CODE"
	printf %s "it's; \$(x)" >"$t_tmp/want"
	TFA_U=stale-key TFA_V=stale-token
	export TFA_U TFA_V
	run_shell "$sh"
	unset TFA_U TFA_V
	check "$sh: a block of unsets and an export evals cleanly" roundtrip
done

# The test tool's own contract, which the checks above depend on.
"$tool" sh export 'A;B' x >"$t_tmp/stdout" 2>"$t_tmp/err"
rc=$? out=$(cat "$t_tmp/stdout") err=$(cat "$t_tmp/err")
check "a bad variable name is refused with nothing printed" \
	test "$rc" = 1 -a -z "$out" -a -n "$err"
"$tool" tcsh name >"$t_tmp/stdout" 2>"$t_tmp/err"
rc=$? out=$(cat "$t_tmp/stdout") err=$(cat "$t_tmp/err")
q="'"
check "an unknown shell is a usage error naming the valid ones" eval \
	'test "$rc" = 2 && contains "$err" "unknown shell ${q}tcsh$q" &&
	contains "$err" fish'
out=$(SHELL=/usr/bin/fish "$tool" - name)
check "'-' takes the dialect from \$SHELL" test "$out" = fish
out=$(SHELL=/bin/tcsh "$tool" - name)
check "an unknown \$SHELL falls back to sh" test "$out" = sh

t_done
