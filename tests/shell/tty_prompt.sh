#!/bin/sh
# tty_prompt.sh — lib/tty's prompts in a real terminal.
#
# Each case runs tests/tools/tty-prompt in its own tmux session (a private
# server, -L, with no config; 80x24), with stdout and stderr redirected to
# files: the prompt must show on the terminal and never in the file.  A
# wrapper (case.sh) records the exit status and `stty -a` of the terminal
# right after the tool ends, then reads a line so that the test can see
# whether typing still echoes.  Keys go in with send-keys; the screen comes
# back with capture-pane; every wait is a poll with a deadline.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
tool=$TFAUTH_TESTBIN/tools/tty-prompt
if ! [ -x "$tool" ]; then
	check "tty-prompt is built ($tool)" false
	t_done
	exit
fi
if ! command -v tmux >/dev/null 2>&1; then
	check "tmux is installed (tests/deps.sh installs it)" false
	t_done
	exit
fi

t_tmux_init tty

serial=arn:aws:iam::123456789012:mfa/alice
# capture-pane drops trailing blanks: the prompt as the screen shows it.
prompt="Enter MFA code for $serial:"

cat >"$t_tmp/case.sh" <<'EOF'
# case.sh DIR CMD ARGS...
dir=$1
shift
INPUTRC=/dev/null
export INPUTRC
# ':' and not '': the shell outlives a Ctrl-C meant for the tool, and the
# tool does not inherit an ignored SIGINT.
trap : INT
"$@" >"$dir/out" 2>"$dir/err"
echo $? >"$dir/rc.tmp"
stty -a >"$dir/stty" 2>&1
mv "$dir/rc.tmp" "$dir/rc"
printf 'after> '
IFS= read -r line
printf '%s\n' "$line" >"$dir/after"
exec sleep 600
EOF

# start NAME ARGS...: a session NAME running tty-prompt ARGS; files in $d.
start() {
	c=$1
	shift
	d=$t_tmp/$c
	mkdir -p "$d"
	t_tmux new-session -d -s "$c" -x 80 -y 24 sh "$t_tmp/case.sh" "$d" "$tool" "$@"
}

# The terminal's settings after the tool have FLAG (echo, icanon...).
has_flag() { tr ' ;' '\n\n' <"$d/stty" | grep -qx -- "$1"; }

# Typing after the tool shows on the screen.
echoes_after() {
	t_tmux send-keys -t "$c" typed-after
	t_tmux_wait "after> typed-after"
}

done_case() { t_tmux kill-session -t "$c" >/dev/null 2>&1; }

# --- an MFA code -------------------------------------------------------
start ok mfa "$serial"
check "mfa: the prompt shows on the terminal" t_tmux_wait "$prompt"
t_tmux send-keys -t "$c" 123456 Enter
t_tmux_done
check "mfa: 123456 Enter: exit 0" test "$rc" = 0
check "mfa: stdout is exactly the code" sh -c 'printf "123456\n" | cmp -s - "$1"' sh "$d/out"
check "mfa: the prompt never went to stdout" not_contains "$out" "Enter MFA"
check "mfa: nothing on stderr" test -z "$err"
check "mfa: the digits were echoed as typed" t_tmux_wait "$prompt 123456"
check "mfa: echo on afterwards" has_flag echo
check "mfa: canonical mode afterwards" has_flag icanon
check "mfa: typing shows afterwards" echoes_after
done_case

start retry mfa "$serial"
t_tmux_wait "$prompt"
t_tmux send-keys -t "$c" 12ab Enter
check "mfa: 12ab is answered \"the code is six digits\"" t_tmux_wait "the code is six digits"
check "mfa: and asked again" t_tmux_wait "$prompt" 2
t_tmux send-keys -t "$c" 654321 Enter
t_tmux_done
check "mfa: the second try: exit 0" test "$rc" = 0
check "mfa: the second try's code on stdout" test "$out" = 654321
done_case

start tries mfa "$serial" 2
t_tmux_wait "$prompt"
t_tmux send-keys -t "$c" abc Enter
t_tmux_wait "$prompt" 2
t_tmux send-keys -t "$c" 1234567 Enter
t_tmux_done
check "mfa: two wrong tries of two: exit 1" test "$rc" = 1
check "mfa: the error counts the tries" contains "$err" "no valid MFA code after 2 tries"
check "mfa: nothing on stdout" test -z "$out"
done_case

start eof mfa "$serial"
t_tmux_wait "$prompt"
t_tmux send-keys -t "$c" C-d
t_tmux_done
check "mfa: Ctrl-D: exit 3" test "$rc" = 3
check "mfa: Ctrl-D: \"no MFA code entered\"" contains "$err" "no MFA code entered"
check "mfa: Ctrl-D: echo on afterwards" has_flag echo
check "mfa: Ctrl-D: typing shows afterwards" echoes_after
done_case

start int mfa "$serial"
t_tmux_wait "$prompt"
t_tmux send-keys -t "$c" 12
t_tmux_wait "$prompt 12"
t_tmux send-keys -t "$c" C-c
t_tmux_done
check "mfa: Ctrl-C: exit 130" test "$rc" = 130
check "mfa: Ctrl-C: \"interrupted\"" contains "$err" "interrupted"
check "mfa: Ctrl-C: echo on afterwards" has_flag echo
check "mfa: Ctrl-C: canonical mode afterwards" has_flag icanon
check "mfa: Ctrl-C: typing shows afterwards" echoes_after
done_case

# A serial from a hostile config cannot drive the terminal.
start hostile mfa "$(printf 'arn\033[31mRED\033]2;pwned\007x')"
check "mfa: control characters of the serial show as '?'" \
	t_tmux_wait "Enter MFA code for arn?[31mRED?]2;pwned?x:"
check "mfa: the serial did not set the pane's title" \
	not_contains "$(t_tmux display-message -p -t "$c" '#{pane_title}')" pwned
t_tmux send-keys -t "$c" C-d
t_tmux_done
done_case

# --- a secret line -----------------------------------------------------
secret=s3cr3t-Value/xyz
want=$(printf %s "$secret" | sha256sum | cut -d' ' -f1)
start secret secret "Secret access key: "
check "secret: the prompt shows on the terminal" t_tmux_wait "Secret access key:"
t_tmux send-keys -t "$c" "$secret"
sleep 0.3
check "secret: typed characters do not show" not_contains "$(t_tmux_screen)" s3cr3t
t_tmux send-keys -t "$c" Enter
t_tmux_done
check "secret: exit 0" test "$rc" = 0
check "secret: sha256 and length of exactly what was typed" test "$out" = "$want 16"
check "secret: not shown after Enter either" not_contains "$(t_tmux_screen)" s3cr3t
check "secret: the prompt never went to stdout" not_contains "$out" Secret
check "secret: echo on afterwards" has_flag echo
check "secret: typing shows afterwards" echoes_after
done_case

start secret-int secret "Secret access key: "
t_tmux_wait "Secret access key:"
t_tmux send-keys -t "$c" abc C-c
t_tmux_done
check "secret: Ctrl-C: exit 130" test "$rc" = 130
check "secret: Ctrl-C: \"interrupted\"" contains "$err" "interrupted"
check "secret: Ctrl-C: echo on afterwards" has_flag echo
check "secret: Ctrl-C: typing shows afterwards" echoes_after
check "secret: Ctrl-C: what was typed never showed" not_contains "$(t_tmux_screen)" abc
done_case

start secret-eof secret "Secret access key: "
t_tmux_wait "Secret access key:"
t_tmux send-keys -t "$c" C-d
t_tmux_done
check "secret: Ctrl-D: exit 3" test "$rc" = 3
check "secret: Ctrl-D: echo on afterwards" has_flag echo
done_case

# Ctrl-Z under a job-control shell, the tool inside `sh -c` as terraform
# runs tfauth: the shell takes the terminal back as soon as sh stops, maybe
# before the tool has restored it.  Echo must be on while stopped; after fg
# the secret prompt asks again with echo off (bash puts its own settings back
# when a job stops), and the MFA prompt is drawn again with what was typed.
# jobs_start NAME MODE ARG: bash in session NAME runs `tty-prompt MODE ARG`.
# T, D, M and A reach bash through its environment: the command line stays
# short, and the prompt's text is not on it for t_tmux_wait to see.
jobs_start() {
	c=$1 d=$t_tmp/$1
	mkdir -p "$d"
	t_tmux new-session -d -s "$c" -x 80 -y 24 env PS1='$ ' INPUTRC=/dev/null \
		T="$tool" D="$d" M="$2" A="$3" bash --norc --noprofile -i
	t_tmux_wait '$'
	# One job: bash alone would run the echo as soon as the tool stops.
	t_tmux send-keys -t "$c" "sh -c '\"\$T\" \"\$M\" \"\$A\" >\"\$D/out\" 2>\"\$D/err\"; echo \$? >\"\$D/rc\"'" Enter
}

# jobs_stop: Ctrl-Z, then `stty -a` from bash while the tool is stopped.
jobs_stop() {
	t_tmux send-keys -t "$c" C-z
	check "$c: Ctrl-Z stops the tool" t_tmux_wait Stopped
	t_tmux send-keys -t "$c" 'stty -a >"$D/stty"' Enter
	w_end=$(($(date +%s) + 10))
	while ! [ -s "$d/stty" ] && [ "$(date +%s)" -lt "$w_end" ]; do
		sleep 0.1
	done
	check "$c: echo is on while the tool is stopped" has_flag echo
	t_tmux send-keys -t "$c" fg Enter
}

if command -v bash >/dev/null 2>&1; then
	jobs_start jobs-secret secret "Jobs key: "
	check "jobs-secret: the prompt shows under bash" t_tmux_wait 'Jobs key:'
	t_tmux send-keys -t "$c" before
	jobs_stop
	check "jobs-secret: after fg the prompt asks again" t_tmux_wait 'Jobs key:' 2
	t_tmux send-keys -t "$c" after-stop
	sleep 0.3
	check "jobs-secret: after fg typing is not echoed" not_contains "$(t_tmux_screen)" after-stop
	t_tmux send-keys -t "$c" Enter
	t_tmux_done
	want=$(printf %s after-stop | sha256sum | cut -d' ' -f1)
	check "jobs-secret: after fg: exit 0" test "$rc" = 0
	check "jobs-secret: only the line typed after fg counts" test "$out" = "$want 10"
	check "jobs-secret: nothing typed showed" not_contains "$(t_tmux_screen)" before
	done_case

	jobs_start jobs-mfa mfa arn:aws:iam::123456789012:mfa/jobs
	check "jobs-mfa: the prompt shows under bash" t_tmux_wait 'mfa/jobs:'
	t_tmux send-keys -t "$c" 12
	t_tmux_wait 'mfa/jobs: 12'
	jobs_stop
	check "jobs-mfa: after fg the prompt and the digits are drawn again" \
		t_tmux_wait 'mfa/jobs: 12' 2
	t_tmux send-keys -t "$c" 3456 Enter
	t_tmux_done
	check "jobs-mfa: after fg: exit 0" test "$rc" = 0
	check "jobs-mfa: the digits before and after Ctrl-Z make the code" test "$out" = 123456
	done_case

	# Ctrl-C: sh dies at once and bash takes the terminal back while the
	# tool is still restoring it; that must not stop the tool on SIGTTOU.
	for mode in mfa secret; do
		jobs_start jobs-int-$mode $mode "Jobs $mode: "
		t_tmux_wait "Jobs $mode:"
		t_tmux send-keys -t "$c" 12 C-c
		w_end=$(($(date +%s) + 10))
		while ! grep -q interrupted "$d/err" 2>/dev/null &&
			[ "$(date +%s)" -lt "$w_end" ]; do
			sleep 0.1
		done
		check "$c: Ctrl-C with the shell back first: the tool ends" \
			grep -q interrupted "$d/err"
		t_tmux send-keys -t "$c" 'stty -a >"$D/stty"' Enter
		w_end=$(($(date +%s) + 10))
		while ! [ -s "$d/stty" ] && [ "$(date +%s)" -lt "$w_end" ]; do
			sleep 0.1
		done
		check "$c: echo is on afterwards" has_flag echo
		done_case
	done
else
	check "bash is installed (for the job-control cases)" false
fi

# --- no terminal ---------------------------------------------------------
t0=$(date +%s)
timeout 10 setsid -w "$tool" mfa "$serial" </dev/null >"$t_tmp/nt.out" 2>"$t_tmp/nt.err"
rc=$?
out=$(cat "$t_tmp/nt.out")
err=$(cat "$t_tmp/nt.err")
check "no terminal: exit 3" test "$rc" = 3
check "no terminal: at once" test $(($(date +%s) - t0)) -le 2
check "no terminal: the error names /dev/tty" contains "$err" "'/dev/tty'"
check "no terminal: nothing on stdout" test -z "$out"
timeout 10 setsid -w "$tool" secret "Key: " </dev/null >"$t_tmp/nt.out" 2>"$t_tmp/nt.err"
rc=$?
check "no terminal: secret: exit 3" test "$rc" = 3

t_done
