#!/bin/sh
# integration.sh — the shell integration, as `tfauth init SHELL` prints it,
# in real bash, zsh and fish: tfp switches this shell's profile (and back
# with `tfp -`; lists without a terminal; runs the picker on one, in tmux),
# terraform and tofu run through tfauth-run (or directly: TFAUTH_DISABLE=1,
# no tfauth-run),
# tfauth_prompt_info shows the profile and minutes left and forks nothing,
# and `tfauth init` itself: its usage errors, and that the integration is
# compiled into the binary.
#
# terraform, tofu and tfauth-run are stand-ins (stubs/, first on PATH)
# that record their arguments in $STUB_LOG; tfauth-run's stand-in then
# runs the command after "--", so the contract tested is the wrapper's
# argv: `tfauth-run -- terraform ARGS`.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
cat >"$HOME/.aws/config" <<'EOF'
[default]
region = us-east-1
[profile prod]
region = eu-west-1
[profile staging]
region = us-west-2
[profile with space]
region = ap-south-1
EOF

stubs=$t_tmp/stubs
mkdir -p "$stubs" "$t_tmp/tfonly"
cat >"$stubs/terraform" <<'EOF'
#!/bin/sh
# Stand-in terraform (and tofu): records its name, arguments and
# AWS_PROFILE in $STUB_LOG; exits $STUB_RC.
{
	printf '%s' "${0##*/}"
	for a; do printf ' [%s]' "$a"; done
	printf ' profile=%s\n' "${AWS_PROFILE-}"
} >>"$STUB_LOG"
exit "${STUB_RC:-0}"
EOF
cat >"$stubs/tfauth-run" <<'EOF'
#!/bin/sh
# Stand-in tfauth-run: records its arguments, runs what follows "--".
{
	printf 'tfauth-run'
	for a; do printf ' [%s]' "$a"; done
	printf '\n'
} >>"$STUB_LOG"
while [ $# -gt 0 ]; do
	a=$1
	shift
	[ "$a" = -- ] && break
done
exec "$@"
EOF
chmod +x "$stubs/terraform" "$stubs/tfauth-run"
ln -s terraform "$stubs/tofu"
# tfonly: terraform and every tfauth tool but tfauth-run.
cp "$stubs/terraform" "$t_tmp/tfonly/terraform"
for f in "$TFAUTH_BIN"/tfauth*; do
	case $f in */tfauth-run) ;; *) ln -s "$f" "$t_tmp/tfonly/" ;; esac
done

STUB_LOG=$t_tmp/stub.log
export STUB_LOG
base_path=/usr/bin:/bin
PATH=$stubs:$TFAUTH_BIN:$base_path
export PATH

# in_sh SHELL CODE [VAR=VALUE...]: CODE in SHELL after the init line, with
# the VARs set and stdin not a terminal; sets rc, out, err and log (what
# the stubs recorded).  $PRE runs before the init line; $WRAP (strace ...)
# goes in front of the shell.
in_sh() {
	i_sh=$1 i_code=$2
	shift 2
	: >"$STUB_LOG"
	case $i_sh in
	bash)
		set -- "$@" ${WRAP-} bash --norc --noprofile -c "${PRE-}
eval \"\$(tfauth init bash)\"
type tfp >/dev/null 2>&1 || exit 99
$i_code"
		;;
	zsh)
		set -- "$@" ${WRAP-} zsh -f -c "${PRE-}
eval \"\$(tfauth init zsh)\"
type tfp >/dev/null 2>&1 || exit 99
$i_code"
		;;
	fish)
		set -- "$@" ${WRAP-} fish --no-config -c "${PRE-}
tfauth init fish | source
functions -q tfp; or exit 99
$i_code"
		;;
	esac
	env "$@" </dev/null >"$t_tmp/out" 2>"$t_tmp/err"
	rc=$?
	out=$(cat "$t_tmp/out")
	err=$(cat "$t_tmp/err")
	log=$(cat "$STUB_LOG")
}

# Shell code, per shell: the variables one a line ("unset" for unset:
# printenv is a program, the same in each); the last status.
vars() {
	v='AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE'
	case $1 in
	fish) echo "for v in $v; printenv \$v; or echo unset; end" ;;
	*) echo "for v in $v; do printenv \$v || echo unset; done" ;;
	esac
}
st() { case $1 in fish) echo '$status' ;; *) echo '$?' ;; esac; }

# Expected by vars: profile, region twice, then four unset.
want_vars() { printf '%s\n%s\n%s\nunset\nunset\nunset\nunset' "$1" "$2" "$2"; }

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# prompt_is WANT[|WANT2] [VAR=VALUE...]: tfauth_prompt_info prints WANT
# (or WANT2) and returns 0.
prompt_is() {
	p_want=$1
	shift
	in_sh $sh "tfauth_prompt_info; echo rc=$(st $sh)" "$@"
	p_got=$(printf '%s' "$out" | sed '$d')
	case "|$p_want|" in
	*"|$p_got|"*) [ "$(printf '%s' "$out" | tail -n 1)" = rc=0 ] && [ -z "$err" ] && return 0 ;;
	esac
	echo "#   prompt: got [$p_got] want [$p_want]; out [$out] err [$err]"
	return 1
}

# No fork in the prompt: strace follows the shell and every child and
# counts the process creations (fork, vfork, execve, and clone without
# CLONE_THREAD: fish has threads) between two markers, files the shell
# opens just before and just after CODE.  A control run with /bin/true in
# CODE shows that the count sees a fork.  Without a working strace, a PATH
# trap: PATH is a folder of trap programs for the CODE (seeing programs,
# not subshells).
if command -v strace >/dev/null 2>&1 && strace -f -qq -o /dev/null true 2>/dev/null; then
	fork_method=strace
else
	fork_method=trap
	echo "# strace is missing or cannot trace here: the no-fork checks use a PATH trap," \
		"which sees programs started, not subshells"
	mkdir -p "$t_tmp/trap"
	for p in date cat sed awk expr env tfauth tfauth-env tfauth-profile tfauth-run python3 perl true; do
		printf '#!/bin/sh\necho "$0" >>"%s/trapped"\n' "$t_tmp" >"$t_tmp/trap/$p"
		chmod +x "$t_tmp/trap/$p"
	done
fi
: >"$t_tmp/mark-begin"
: >"$t_tmp/mark-end"

# forks SHELL CODE VAR=VALUE...: the number of processes started while
# CODE runs, or "no-markers" when the trace missed the markers.
forks() {
	f_sh=$1 f_code=$2
	shift 2
	case $f_sh in fish) f_mark='true <' f_path='set PATH' ;; *) f_mark=': <' f_path='PATH=' ;; esac
	if [ $fork_method = strace ]; then
		WRAP="strace -f -qq -e trace=fork,vfork,clone,clone3,execve,openat -o $t_tmp/strace"
		in_sh "$f_sh" "$f_mark '$t_tmp/mark-begin'
$f_code
$f_mark '$t_tmp/mark-end'" "$@"
		WRAP=
		awk -v b="$t_tmp/mark-begin" -v e="$t_tmp/mark-end" '
			index($0, b) { on = 1; seen++; next }
			index($0, e) { on = 0; seen++; next }
			on && /(fork|vfork|clone|clone3|execve)\(/ && !/CLONE_THREAD/ { n++ }
			END { print seen == 2 ? n + 0 : "no-markers" }' "$t_tmp/strace"
	else
		rm -f "$t_tmp/trapped"
		if [ $f_sh = fish ]; then f_set="set PATH '$t_tmp/trap'"; else f_set="PATH='$t_tmp/trap'"; fi
		in_sh "$f_sh" "$f_set
$f_code" "$@"
		if [ -e "$t_tmp/trapped" ] || [ -n "$err" ]; then echo 1; else echo 0; fi
	fi
}

stale='AWS_ACCESS_KEY_ID=AKIASTALEKEY00001234 AWS_SECRET_ACCESS_KEY=stale AWS_SESSION_TOKEN=stale AWS_DEFAULT_PROFILE=old'

for sh in bash zsh fish; do
	if ! command -v $sh >/dev/null 2>&1; then
		check "$sh is installed (tests/deps.sh installs it)" false
		continue
	fi

	in_sh $sh 'echo ready'
	check "$sh: the init line evaluates silently" test "$rc:$out:$err" = "0:ready:"

	# --- tfp -----------------------------------------------------------
	in_sh $sh "tfp prod; $(vars $sh)" $stale
	check "$sh: tfp prod: exit 0" test "$rc" = 0
	check "$sh: tfp prod sets AWS_PROFILE and the region, clears the stale keys" \
		test "$out" = "$(want_vars prod eu-west-1)"
	check "$sh: tfp prod says what it cleared (masked)" contains "$err" "****1234"

	in_sh $sh "tfp prod; tfp staging; tfp -; $(vars $sh)"
	check "$sh: tfp - goes back to the previous profile" \
		test "$out" = "$(want_vars prod eu-west-1)"
	in_sh $sh 'tfp prod; tfp staging; tfp -; tfp -; printenv AWS_PROFILE'
	check "$sh: tfp - twice: back again, as cd - does" test "$out" = staging

	in_sh $sh 'tfp prod; tfp -; printenv AWS_PROFILE AWS_REGION' AWS_PROFILE=staging
	check "$sh: tfp - returns to the profile the shell started with" \
		test "$out" = "staging
us-west-2"

	in_sh $sh "tfp -; echo rc=$(st $sh)"
	check "$sh: tfp - with no previous profile: status 1, a message" \
		test "$out:$err" = "rc=1:tfp: no previous profile"

	in_sh $sh "tfp prod; tfp nosuch; echo rc=$(st $sh); printenv AWS_PROFILE"
	check "$sh: tfp of an unknown profile fails and changes nothing" \
		test "$out" = "rc=1
prod"
	check "$sh: ... with tfauth-env's message" contains "$err" "'nosuch' not found"

	in_sh $sh "tfp 'with space'; printenv AWS_PROFILE AWS_REGION"
	check "$sh: tfp of a name with a space" test "$out" = "with space
ap-south-1"

	in_sh $sh 'tfp'
	check "$sh: tfp with no terminal lists the profiles" \
		test "$rc:$out" = "0:$("$TFAUTH_BIN/tfauth-profile" list)"
	check "$sh: ... and says nothing else" test -z "$err"

	in_sh $sh 'tfp a b'
	check "$sh: tfp with two names: usage, status 2" \
		test "$rc:$err" = "2:usage: tfp [PROFILE|-]"

	# --- terraform and tofu ----------------------------------------------
	in_sh $sh "tfp prod 2>/dev/null; terraform plan -var 'a=b c' -out=x"
	check "$sh: terraform runs tfauth-run -- terraform ARGS" \
		test "$log" = "tfauth-run [--] [terraform] [plan] [-var] [a=b c] [-out=x]
terraform [plan] [-var] [a=b c] [-out=x] profile=prod"
	check "$sh: ... exit 0" test "$rc" = 0

	in_sh $sh 'tofu version'
	check "$sh: tofu runs tfauth-run -- tofu ARGS" \
		test "$log" = "tfauth-run [--] [tofu] [version]
tofu [version] profile="

	in_sh $sh 'terraform apply' STUB_RC=7
	check "$sh: terraform's exit status comes back (7)" test "$rc" = 7

	in_sh $sh 'TFAUTH_DISABLE=1 terraform plan'
	check "$sh: TFAUTH_DISABLE=1 terraform: the real terraform, directly" \
		test "$log" = "terraform [plan] profile="

	in_sh $sh 'terraform plan' PATH="$t_tmp/tfonly:$base_path"
	check "$sh: no tfauth-run on PATH: terraform runs directly" \
		test "$rc:$log" = "0:terraform [plan] profile="

	case $sh in
	bash) PRE="shopt -s expand_aliases
alias terraform='echo ALIASED' tfp='echo ALIASED'" ;;
	zsh) PRE="alias terraform='echo ALIASED' tfp='echo ALIASED'" ;;
	fish) PRE="alias terraform 'echo ALIASED'; alias tfp 'echo ALIASED'" ;;
	esac
	in_sh $sh 'terraform plan; tfp prod 2>/dev/null; printenv AWS_PROFILE'
	PRE=
	check "$sh: an alias terraform or tfp does not shadow the functions" \
		test "$out:$log" = "prod:tfauth-run [--] [terraform] [plan]
terraform [plan] profile="

	# --- tfauth_prompt_info ----------------------------------------------
	# 42 minutes and 50 seconds: the test has 50 seconds to see "42m".
	now=$(date +%s)
	check "$sh: prompt: the profile alone" prompt_is prod AWS_PROFILE=prod
	check "$sh: prompt: 42 minutes left (Z)" prompt_is "prod 42m" AWS_PROFILE=prod \
		"AWS_CREDENTIAL_EXPIRATION=$(iso $((now + 42 * 60 + 50)))"
	t=$(date -u -d "@$((now + 2 * 3600 + 42 * 60 + 50))" +%Y-%m-%dT%H:%M:%S)
	check "$sh: prompt: 42 minutes left (+02:00, fractions)" prompt_is "prod 42m" \
		AWS_PROFILE=prod "AWS_CREDENTIAL_EXPIRATION=$t.123+02:00"
	t=$(date -u -d "@$((now - 5 * 3600 - 30 * 60 + 42 * 60 + 50))" +%Y-%m-%dT%H:%M:%S)
	check "$sh: prompt: 42 minutes left (-0530)" prompt_is "prod 42m" \
		AWS_PROFILE=prod "AWS_CREDENTIAL_EXPIRATION=${t}-0530"
	check "$sh: prompt: expired" prompt_is "prod expired" AWS_PROFILE=prod \
		"AWS_CREDENTIAL_EXPIRATION=$(iso $((now - 60)))"
	# Leap days and centuries: the arithmetic against date(1).
	for when in 2028-02-29T12:34:56Z 2100-03-01T00:00:00Z 2399-12-31T23:59:59Z; do
		left=$((($(date -u -d "$when" +%s) - $(date +%s)) / 60))
		check "$sh: prompt: $when is ${left}m away (or a minute less)" \
			prompt_is "dev ${left}m|dev $((left - 1))m" AWS_PROFILE=dev \
			"AWS_CREDENTIAL_EXPIRATION=$when"
	done
	check "$sh: prompt: an unreadable expiration is left out" \
		prompt_is prod AWS_PROFILE=prod AWS_CREDENTIAL_EXPIRATION=tomorrow
	check "$sh: prompt: AWS_DEFAULT_PROFILE when AWS_PROFILE is unset" \
		prompt_is old AWS_DEFAULT_PROFILE=old
	check "$sh: prompt: keys without a profile: the minutes alone" prompt_is 42m \
		"AWS_CREDENTIAL_EXPIRATION=$(iso $(($(date +%s) + 42 * 60 + 50)))"
	check "$sh: prompt: nothing chosen: nothing printed, status 0" prompt_is ""
	if [ $sh != fish ]; then
		in_sh $sh 'p=unset; tfauth_prompt_info -v p; echo "[$p]"' AWS_PROFILE=prod \
			"AWS_CREDENTIAL_EXPIRATION=$(iso $(($(date +%s) + 42 * 60 + 50)))"
		check "$sh: prompt: -v VAR stores it in VAR and prints nothing" \
			test "$out" = "[prod 42m]"
	fi
	exp="AWS_CREDENTIAL_EXPIRATION=$(iso $(($(date +%s) + 3600)))"
	if [ $sh = fish ]; then
		code='set x (tfauth_prompt_info); tfauth_prompt_info >/dev/null'
	else
		code='tfauth_prompt_info -v x; tfauth_prompt_info >/dev/null'
	fi
	if [ $fork_method = strace ]; then control=/bin/true; else control=date; fi
	n=$(forks $sh "$code
$control" AWS_PROFILE=prod "$exp")
	check "$sh: no fork: the count sees $control ($fork_method: $n)" test "$n" = 1 -o "$n" = 2
	n=$(forks $sh "$code" AWS_PROFILE=prod "$exp")
	check "$sh: no fork: tfauth_prompt_info starts no process ($fork_method: $n)" test "$n" = 0
	n=$(forks $sh "$code" AWS_PROFILE=prod "AWS_CREDENTIAL_EXPIRATION=2020-01-01T00:00:00.5-07:00")
	check "$sh: no fork: ... expired, with a zone ($fork_method: $n)" test "$n" = 0
	n=$(forks $sh "$code")
	check "$sh: no fork: ... with no profile ($fork_method: $n)" test "$n" = 0
	if [ $sh = fish ]; then
		# Before fish 3.5 (no `path` builtin, so no clock): the expiry time.
		t=$(($(date +%s) + 3 * 3600))
		in_sh fish 'set __tfauth_clock none; tfauth_prompt_info' AWS_PROFILE=prod \
			"AWS_CREDENTIAL_EXPIRATION=$(date -u -d "@$((t + 2 * 3600))" +%Y-%m-%dT%H:%M:%S)+02:00"
		check "fish: prompt: without path mtime: the expiry time, UTC" \
			test "$out:$err" = "prod until $(date -u -d "@$t" +%H:%M)Z:"
		n=$(forks fish 'set __tfauth_clock none; set x (tfauth_prompt_info)' AWS_PROFILE=prod "$exp")
		check "fish: no fork: ... without path mtime either ($fork_method: $n)" test "$n" = 0
	fi
	if [ $sh = zsh ]; then
		# Without zsh/datetime: the clock from the prompt escape %D{%s}.
		in_sh zsh 'zmodload -u zsh/datetime; tfauth_prompt_info' AWS_PROFILE=prod \
			"AWS_CREDENTIAL_EXPIRATION=$(iso $(($(date +%s) + 42 * 60 + 50)))"
		check "zsh: prompt: without zsh/datetime too" test "$out:$err" = "prod 42m:"
	fi
done

# --- tfp on a terminal: the picker ------------------------------------------
# tmux as in completion.sh: a private server, fixed size, bounded polls.
if command -v tmux >/dev/null 2>&1; then
	unset TMUX TMUX_PANE
	sock=tfauth-integ-$$
	tm() { tmux -L "$sock" -f /dev/null "$@"; }
	trap 'tm kill-server >/dev/null 2>&1; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$t_tmp"' EXIT
	# A session that lasts: killing the last one ends the server, and a
	# session started while it ends can fail.
	tm new-session -d -s hold -x 20 -y 5 sleep 600
	pane() { tm capture-pane -p -t "$c" 2>/dev/null; }
	wait_line() { # wait_line LINE: the screen has exactly LINE, 10 s at most
		w_end=$(($(date +%s) + 10))
		until pane | grep -Fxq -- "$1"; do
			[ "$(date +%s)" -lt "$w_end" ] || return 1
			sleep 0.1
		done
	}
	for sh in bash zsh fish; do
		command -v $sh >/dev/null 2>&1 || continue
		c=$sh
		case $sh in
		bash) set -- bash --norc --noprofile -i ;;
		zsh) set -- zsh -f -i ;;
		fish) set -- fish --no-config -i ;;
		esac
		tm new-session -d -s "$c" -x 100 -y 30 env -i HOME="$HOME" \
			PATH="$stubs:$TFAUTH_BIN:/usr/bin:/bin" TERM=screen LANG=C.UTF-8 \
			PS1='$ ' INPUTRC=/dev/null "$@"
		case $sh in
		fish) init='tfauth init fish | source' ;;
		*) init="eval \"\$(tfauth init $sh)\"" ;;
		esac
		tm send-keys -t "$c" "$init; tfp" Enter
		check "$sh: tfp on a terminal: the picker asks" wait_line 'profile:'
		tm send-keys -t "$c" pr Tab
		wait_line 'profile: prod'
		tm send-keys -t "$c" Enter
		tm send-keys -t "$c" "printf '%s=%s\\n' P \"\$AWS_PROFILE\"" Enter
		check "$sh: tfp, pr<Tab>, Enter: this shell's profile is prod" wait_line P=prod
		tm send-keys -t "$c" tfp Enter
		wait_line '* prod'
		tm send-keys -t "$c" C-c
		# Type the next line only once the picker is gone: leaving, it
		# flushes the terminal's input (slow under make check-valgrind).
		wait_line 'tfauth-profile: interrupted'
		tm send-keys -t "$c" "printf '%s=%s:%s\\n' rc $(st $sh) \"\$AWS_PROFILE\"" Enter
		check "$sh: tfp, Ctrl-C: status 130, the profile unchanged" wait_line rc=130:prod
		pane | grep -v '^ *$' >"$t_tmp/screen"
		check "$sh: ... and the picker said nothing on stdout" \
			test "$(grep -c '^prod$' "$t_tmp/screen")" = 0
		tm kill-session -t "$c" >/dev/null 2>&1
	done
else
	check "tmux is installed (tests/deps.sh installs it)" false
fi

# --- the real tfauth-run, once it is built --------------------------------
if [ -x "$TFAUTH_BIN/tfauth-run" ]; then
	mkdir -p "$t_tmp/realrun"
	cp "$stubs/terraform" "$t_tmp/realrun/terraform"
	ln -s "$TFAUTH_BIN"/tfauth* "$t_tmp/realrun/"
	printf '[prod]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = %s\n' \
		wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
	# Loopback only, whatever tfauth-run does before terraform.
	in_sh bash 'tfp prod 2>/dev/null; terraform version' PATH="$t_tmp/realrun:$base_path" \
		AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_EC2_METADATA_DISABLED=true
	check "bash: through the real tfauth-run, terraform gets its arguments and the profile" \
		test "$rc:$log" = "0:terraform [version] profile=prod"
	rm -f "$HOME/.aws/credentials"
else
	echo "# $TFAUTH_BIN/tfauth-run is not built yet: the functions were tested against a stand-in only"
fi

# --- tfauth init ---------------------------------------------------------
init() { # init SHELL-VARIABLE ARGS...
	i_shell=$1
	shift
	SHELL=$i_shell "$TFAUTH_BIN/tfauth" init "$@" >"$t_tmp/out" 2>"$t_tmp/err"
	rc=$?
	out=$(cat "$t_tmp/out")
	err=$(cat "$t_tmp/err")
}
has_line() { printf '%s\n' "$1" | grep -Fxq -- "$2"; }
has_text() { printf '%s\n' "$1" | grep -Fq -- "$2"; }

init /bin/bash
check "init without a shell: exit 2, nothing on stdout" test "$rc:$out" = "2:"
check "init without a shell, \$SHELL bash: ~/.bashrc" has_text "$err" '~/.bashrc'
check "init without a shell, \$SHELL bash: the eval line" has_line "$err" '    eval "$(tfauth init bash)"'
check "init without a shell, \$SHELL bash: no other shell" not_contains "$err" zsh
init /usr/bin/zsh
check "init without a shell, \$SHELL zsh: exit 2" test "$rc:$out" = "2:"
check "init without a shell, \$SHELL zsh: ~/.zshrc" has_text "$err" '~/.zshrc'
check "init without a shell, \$SHELL zsh: the eval line" has_line "$err" '    eval "$(tfauth init zsh)"'
init /usr/local/bin/fish
check "init without a shell, \$SHELL fish: exit 2" test "$rc:$out" = "2:"
check "init without a shell, \$SHELL fish: config.fish" has_text "$err" '~/.config/fish/config.fish'
check "init without a shell, \$SHELL fish: the source line" has_line "$err" '    tfauth init fish | source'
init /bin/tcsh
check "init without a shell, \$SHELL tcsh: exit 2, the three lines" \
	test "$rc:$(printf '%s\n' "$err" | grep -c 'tfauth init')" = 2:3
init ''
check "init without a shell, no \$SHELL: exit 2, the three lines" \
	test "$rc:$(printf '%s\n' "$err" | grep -c 'tfauth init')" = 2:3
init /bin/bash tcsh
check "init tcsh: exit 2, nothing on stdout" test "$rc:$out" = "2:"
check "init tcsh: says so" contains "$err" "no integration for the shell 'tcsh'"
init /bin/bash bash zsh
check "init bash zsh: exit 2" test "$rc:$out" = "2:"
init /bin/bash --bogus
check "init --bogus: exit 2" test "$rc:$out" = "2:"
init /bin/bash --help
check "init --help: exit 0" test "$rc" = 0
check "init --help: the usage on stdout" has_line "$out" 'usage: tfauth init bash|zsh|fish'
run tfauth --help
check "tfauth --help names init" sh -c 'printf "%s\n" "$1" | grep -q "^  init "' _ "$out"

# The integration is compiled in: a copy of the binary alone prints it.
mkdir -p "$t_tmp/copy"
cp "$TFAUTH_BIN/tfauth" "$t_tmp/copy/tfauth"
for sh in bash zsh fish; do
	case $sh in
	bash) files="shell/tfauth.bash completions/tfauth.bash" ;;
	zsh) files="shell/tfauth.zsh completions/_tfauth" ;;
	fish) files="shell/tfauth.fish completions/tfauth.fish" ;;
	esac
	(cd "$TFAUTH_TOP" && cat $files) >"$t_tmp/want"
	(cd / && "$t_tmp/copy/tfauth" init $sh) >"$t_tmp/got" 2>"$t_tmp/err"
	rc=$?
	check "init $sh: exit 0, nothing on stderr" test "$rc" = 0 -a ! -s "$t_tmp/err"
	check "init $sh: shell/ and completions/, byte for byte, from a copied binary" \
		cmp -s "$t_tmp/want" "$t_tmp/got"
done

t_done
