# tests/lib.sh — shared helpers for shell test suites (sourced by sh/bash).
#
#   . "$TFAUTH_TOP/tests/lib.sh"
#   t_home                      # fresh fixture HOME in $HOME, clean AWS_* env
#   run tfauth-env prod         # runs $TFAUTH_BIN/tfauth-env; sets $rc, $out, $err
#   check "desc" test "$rc" = 0 # one TAP line
#   t_done                      # plan line; exit status
#
# Every suite runs in its own temporary folder, removed at exit.

: "${TFAUTH_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TFAUTH_BIN:=$TFAUTH_TOP/bin}"
t_n=0
t_failed=0
t_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tfauth-test.XXXXXX") || exit 1
trap 'rm -rf "$t_tmp"' EXIT
trap 'exit 130' INT TERM

# Leave no AWS or tfauth setting of the machine's own in a test.
t_clean_env() {
	for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(TFAUTH_[A-Za-z0-9_]*\)=.*/\1/p'); do
		case $v in TFAUTH_BIN|TFAUTH_TESTBIN|TFAUTH_TOP|TFAUTH_SANITIZE|TFAUTH_SECRETS_LOG) ;; *) unset "$v" ;; esac
	done
}

t_home() {
	t_clean_env
	HOME=$t_tmp/home
	rm -rf "$HOME"
	mkdir -p "$HOME/.aws"
	chmod 700 "$HOME/.aws"
	export HOME
}

# run PROG ARGS...: PROG is looked up in $TFAUTH_BIN.
run() {
	t_prog=$1
	shift
	"$TFAUTH_BIN/$t_prog" "$@" >"$t_tmp/out" 2>"$t_tmp/err"
	rc=$?
	out=$(cat "$t_tmp/out")
	err=$(cat "$t_tmp/err")
}

check() {
	t_desc=$1
	shift
	t_n=$((t_n + 1))
	if "$@"; then
		echo "ok $t_n - $t_desc"
	else
		t_failed=$((t_failed + 1))
		echo "not ok $t_n - $t_desc"
		echo "#   rc=${rc-} cmd: $*" | t_mask
		printf '%s\n' "${out-}" | head -n 20 | t_mask | sed 's/^/#   out: /'
		printf '%s\n' "${err-}" | head -n 20 | t_mask | sed 's/^/#   err: /'
	fi
}

# Secrets.  tests/run.sh lists every secret the tests use in the file
# $TFAUTH_SECRETS_LOG and, after the last suite, fails if any suite's
# output holds one.  t_secret VALUE... adds secrets a suite makes up at
# run time; t_mask (a filter) shows each listed secret as ****LAST4, for
# diagnostics that may quote a tool's output.
t_secret() {
	[ -n "${TFAUTH_SECRETS_LOG-}" ] || return 0
	for t_s in "$@"; do
		[ ${#t_s} -ge 8 ] && printf '%s\n' "$t_s" >>"$TFAUTH_SECRETS_LOG"
	done
	return 0
}

t_mask() {
	if [ -n "${TFAUTH_SECRETS_LOG-}" ] && [ -s "$TFAUTH_SECRETS_LOG" ]; then
		awk -v f="$TFAUTH_SECRETS_LOG" '
		BEGIN { while ((getline s < f) > 0) if (length(s) >= 8) sec[++n] = s }
		{
			for (i = 1; i <= n; i++)
				while ((j = index($0, sec[i])) > 0)
					$0 = substr($0, 1, j - 1) "****" \
					    substr(sec[i], length(sec[i]) - 3) \
					    substr($0, j + length(sec[i]))
			print
		}'
	else
		cat
	fi
}

# Helpers for `check`.
contains() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
not_contains() { ! contains "$1" "$2"; }
lines() { printf '%s\n' "$1" | grep -c ''; }

t_done() {
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
}

# --- tmux, for suites that drive a terminal -------------------------------
#   t_tmux_init NAME     # private server: tmux -L tfauth-NAME-$$ ($sock)
#   t_tmux ARGS...       # a tmux command to it, with no config
#   t_tmux_screen        # the screen of session $c
#   t_tmux_wait TEXT [N] # until the screen shows TEXT on N lines, 10 s at most
#   t_tmux_done          # until the tool in $d has ended (10 s at most);
#                        # sets rc, out, err from $d/rc, $d/out, $d/err
t_tmux_init() {
	unset TMUX TMUX_PANE
	sock=tfauth-$1-$$
	# kill-server leaves its socket behind: remove it too.
	trap 't_tmux kill-server >/dev/null 2>&1; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$t_tmp"' EXIT
}

t_tmux() { tmux -L "$sock" -f /dev/null "$@"; }

t_tmux_screen() { t_tmux capture-pane -p -t "$c" 2>/dev/null; }

t_tmux_wait() {
	w_end=$(($(date +%s) + 10))
	while :; do
		w_n=$(t_tmux_screen | grep -cF -- "$1")
		[ "$w_n" -ge "${2:-1}" ] && return 0
		[ "$(date +%s)" -lt "$w_end" ] || return 1
		sleep 0.1
	done
}

t_tmux_done() {
	w_end=$(($(date +%s) + 10))
	while ! [ -f "$d/rc" ]; do
		if [ "$(date +%s)" -ge "$w_end" ]; then
			rc=timeout out= err=
			return 1
		fi
		sleep 0.1
	done
	rc=$(cat "$d/rc")
	out=$(cat "$d/out")
	err=$(cat "$d/err")
}
