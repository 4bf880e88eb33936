#!/bin/sh
# pick.sh — `tfauth-profile pick` in a real terminal.
#
# Each case runs the picker in its own tmux session (a private server, -L,
# no config, 100x24) with stdout and stderr redirected to files: the prompt,
# the list and the completions must show on the terminal, and stdout must
# hold only the chosen name.  A wrapper (case.sh) records the exit status and
# `stty -a` right after the tool ends, then keeps the pane open.  Keys go in
# with send-keys, the screen comes back with capture-pane, every wait is a
# poll with a deadline.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
prof=$TFAUTH_BIN/tfauth-profile
if ! [ -x "$prof" ]; then
	check "tfauth-profile is built ($prof)" false
	t_done
	exit
fi
if ! command -v tmux >/dev/null 2>&1; then
	check "tmux is installed (tests/deps.sh installs it)" false
	t_done
	exit
fi

t_tmux_init pick

cat >"$HOME/.aws/config" <<'EOF'
[profile prod]
region = eu-west-1

[profile dev]
region = us-east-2

[profile staging]
role_arn = arn:aws:iam::210987654321:role/deploy
source_profile = prod

[profile me@corp:admin]
region = ap-south-1
EOF
cat >"$HOME/.aws/credentials" <<'EOF'
[prod]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
EOF
chmod 600 "$HOME/.aws/config" "$HOME/.aws/credentials"

cat >"$t_tmp/case.sh" <<'EOF'
# case.sh DIR CMD ARGS...
dir=$1
shift
INPUTRC=/dev/null
export INPUTRC
# ':' and not '': the shell outlives a Ctrl-C meant for the tool.
trap : INT
"$@" >"$dir/out" 2>"$dir/err"
echo $? >"$dir/rc.tmp"
stty -a >"$dir/stty" 2>&1
mv "$dir/rc.tmp" "$dir/rc"
exec sleep 600
EOF

# start NAME CMD ARGS...: CMD in session NAME; files in $d.
start() {
	c=$1
	shift
	d=$t_tmp/$c
	mkdir -p "$d"
	t_tmux new-session -d -s "$c" -x 100 -y 24 env HOME="$HOME" \
		sh "$t_tmp/case.sh" "$d" "$@"
}

has_flag() { tr ' ;' '\n\n' <"$d/stty" | grep -qx -- "$1"; }
out_is() { printf '%s\n' "$1" | cmp -s - "$d/out"; }
done_case() { t_tmux kill-session -t "$c" >/dev/null 2>&1; }

# --- pr<Tab> Enter ------------------------------------------------------
start tab "$prof" pick
check "the prompt shows on the terminal" t_tmux_wait "profile:"
check "few profiles: they are listed above the prompt" t_tmux_wait "  staging"
t_tmux send-keys -t "$c" pr Tab
check "pr<Tab> completes to prod" t_tmux_wait "profile: prod"
t_tmux send-keys -t "$c" Enter
t_tmux_done
check "Enter: exit 0" test "$rc" = 0
check "stdout is exactly the name and a newline" out_is prod
check "nothing on stderr" test -z "$err"
check "the prompt never went to stdout" not_contains "$out" "profile:"
check "echo on afterwards" has_flag echo
check "canonical mode afterwards" has_flag icanon
done_case

# --- names with @ and : complete whole; no blank after a completion -----
start word "$prof" pick
t_tmux_wait "profile:"
t_tmux send-keys -t "$c" me@ Tab
check "me@<Tab> completes the whole name (no word break at @ or :)" \
	t_tmux_wait "profile: me@corp:admin"
t_tmux send-keys -t "$c" X Enter
check "a completion adds no blank (me@corp:adminX is asked about)" \
	t_tmux_wait "no profile 'me@corp:adminX'"
t_tmux send-keys -t "$c" C-u me@corp:admin Enter
t_tmux_done
check "the name with @ and : on stdout" out_is "me@corp:admin"
done_case

# --- Ctrl-C -------------------------------------------------------------
start int "$prof" pick
t_tmux_wait "profile:"
t_tmux send-keys -t "$c" de
t_tmux_wait "profile: de"
t_tmux send-keys -t "$c" C-c
t_tmux_done
check "Ctrl-C: exit 130" test "$rc" = 130
check "Ctrl-C: stdout is empty" test ! -s "$d/out"
check "Ctrl-C: \"interrupted\" on stderr" contains "$err" "interrupted"
check "Ctrl-C: echo on afterwards" has_flag echo
check "Ctrl-C: canonical mode afterwards" has_flag icanon
done_case

# --- empty input, Ctrl-D --------------------------------------------------
start empty "$prof" pick
t_tmux_wait "profile:"
t_tmux send-keys -t "$c" Enter
t_tmux_done
check "empty Enter: exit 1" test "$rc" = 1
check "empty Enter: stdout is empty" test ! -s "$d/out"
check "empty Enter: says no profile was picked" contains "$err" "no profile picked"
done_case

start blanks "$prof" pick
t_tmux_wait "profile:"
t_tmux send-keys -t "$c" "   " Enter
t_tmux_done
check "only blanks: exit 1, stdout empty" sh -c '[ "$1" = 1 ] && ! [ -s "$2" ]' sh "$rc" "$d/out"
done_case

start eof "$prof" pick
t_tmux_wait "profile:"
t_tmux send-keys -t "$c" C-d
t_tmux_done
check "Ctrl-D: exit 1, stdout empty" sh -c '[ "$1" = 1 ] && ! [ -s "$2" ]' sh "$rc" "$d/out"
check "Ctrl-D: echo on afterwards" has_flag echo
done_case

# --- an unknown name: did you mean, asked again ---------------------------
start unknown "$prof" pick
t_tmux_wait "profile:"
t_tmux send-keys -t "$c" prid Enter
check "an unknown name: \"did you mean 'prod'\" on the terminal" \
	t_tmux_wait "no profile 'prid'; did you mean 'prod'"
check "... and the question again" t_tmux_wait "profile:" 2
t_tmux send-keys -t "$c" "  dev " Enter
t_tmux_done
check "the second answer (blanks trimmed): exit 0, dev on stdout" \
	sh -c '[ "$1" = 0 ] && printf "dev\n" | cmp -s - "$2"' sh "$rc" "$d/out"
check "the did-you-mean went to the terminal, not stderr" not_contains "$err" "did you mean"
done_case

# --- --long: hints above the prompt and with the matches -----------------
start long "$prof" pick --long
check "--long: type, region and account beside the names" \
	t_tmux_wait "staging        assume-role"
check "--long: prod's region" t_tmux_wait "prod           static       eu-west-1"
check "--long: staging's account" t_tmux_wait "210987654321"
t_tmux send-keys -t "$c" Tab Tab
check "--long: Tab Tab lists the matches with their hints" \
	t_tmux_wait "dev            none         us-east-2" 2
t_tmux send-keys -t "$c" sta Tab Enter
t_tmux_done
check "--long: stdout is only the name" out_is staging
done_case

# --- many profiles: a count, not a list; a screenful of matches ----------
i=0
{
	while [ $i -lt 60 ]; do
		printf '[profile team%02d]\nregion = eu-west-1\n' $i
		i=$((i + 1))
	done
} >"$t_tmp/many.config"
start many env AWS_CONFIG_FILE="$t_tmp/many.config" "$prof" pick --long
check "many profiles: a count and how to complete" \
	t_tmux_wait "61 names: type the start of a name and press Tab"
check "many profiles: no list" sh -c '! tmux -L "$1" -f /dev/null capture-pane -p -t many | grep -q team05' sh "$sock"
# The first Tab inserts "team"; the next one beeps, the third lists.
t_tmux send-keys -t "$c" te Tab
t_tmux_wait "profile: team"
t_tmux send-keys -t "$c" Tab Tab
check "many matches: a screenful, then how many more" t_tmux_wait "more: type more of the name"
t_tmux send-keys -t "$c" 4 Tab 2 Enter
t_tmux_done
check "many profiles: team42" out_is team42
done_case

# --- a hostile name cannot drive the terminal ------------------------------
printf '[profile evil\033[7mRED\007x]\nregion = us-east-1\n[profile ok]\n' >"$t_tmp/evil.config"
start evil env AWS_CONFIG_FILE="$t_tmp/evil.config" "$prof" pick
check "a name with escape sequences is listed with '?'" t_tmux_wait "evil?[7mRED?x"
t_tmux send-keys -t "$c" C-c
t_tmux_done
done_case

# --- no terminal, usage ------------------------------------------------------
t0=$(date +%s)
timeout 10 setsid -w "$prof" pick </dev/null >"$t_tmp/nt.out" 2>"$t_tmp/nt.err"
rc=$?
out=$(cat "$t_tmp/nt.out")
err=$(cat "$t_tmp/nt.err")
check "no terminal: exit 3" test "$rc" = 3
check "no terminal: at once" test $(($(date +%s) - t0)) -le 2
check "no terminal: the error names /dev/tty" contains "$err" "'/dev/tty'"
check "no terminal: the hint says to name the profile" contains "$err" "tfp NAME"
check "no terminal: nothing on stdout" test -z "$out"

run tfauth-profile pick --json
check "pick --json: usage error (2)" test "$rc" = 2
run tfauth-profile pick prod
check "pick NAME: usage error (2)" test "$rc" = 2
printf '' >"$t_tmp/empty.config"
env AWS_CONFIG_FILE="$t_tmp/empty.config" AWS_SHARED_CREDENTIALS_FILE="$t_tmp/empty.config" \
	"$prof" pick >"$t_tmp/out" 2>"$t_tmp/err"
rc=$? out=$(cat "$t_tmp/out") err=$(cat "$t_tmp/err")
check "no profiles at all: exit 1 with a hint" sh -c '[ "$1" = 1 ]' sh "$rc"
check "... saying how to create one" contains "$err" "set-keys"

t_done
