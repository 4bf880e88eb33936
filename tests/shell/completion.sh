#!/bin/sh
# completion.sh — tab completion in a real terminal, in bash (alone and with
# the bash-completion package), zsh and fish, after the init line.
#
# Each shell runs in its own tmux session (a private server, -L, with no
# config; 120x30) with a clean environment: HOME is the fixture, PATH the
# stubs and $TFAUTH_BIN.  Keys go in with send-keys, the screen comes back
# with capture-pane, every wait is a poll with a deadline.  Between cases
# the line is cancelled (C-c), the screen cleared (C-l) and the history
# dropped, so that each case reads a clean screen.
#
# terraform is a stand-in that speaks the completion protocol of the real
# one (posener/complete: with COMP_LINE set, print the completions of the
# line), registered the way `terraform -install-autocomplete` does it in
# each shell, and it notes every completion request in $STUB_COMP_LOG: so
# `terraform pl<Tab>` proves that terraform's own completion still runs
# through the terraform function (fish ships a terraform completion of its
# own, which the note tells apart).
#
# First, without a terminal: tfauth-profile __complete itself.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
cat >"$HOME/.aws/config" <<'EOF'
[default]
region = us-east-1
[profile prod]
region = eu-west-1
[profile staging]
[profile sandbox]
[profile dev]
[profile with space]
[profile -dash]
EOF

# --- tfauth-profile __complete -------------------------------------------
run tfauth-profile __complete
check "__complete: every profile, as list prints them" \
	test "$rc:$out" = "0:$("$TFAUTH_BIN/tfauth-profile" list)"
check "__complete: nothing on stderr" test -z "$err"
run tfauth-profile __complete s
check "__complete s: sandbox and staging" test "$rc:$out" = "0:sandbox
staging"
run tfauth-profile __complete -- -d
check "__complete -- -d: a name that starts with '-'" test "$rc:$out" = "0:-dash"
run tfauth-profile __complete -d
check "__complete -d: the same without '--'" test "$rc:$out" = "0:-dash"
run tfauth-profile __complete 'with '
check "__complete 'with ': a prefix with a space" test "$rc:$out" = "0:with space"
run tfauth-profile __complete zz
check "__complete zz: nothing, exit 0" test "$rc:$out:$err" = "0::"
AWS_CONFIG_FILE=$t_tmp/broken
printf '[profile x\nregion\n' >"$AWS_CONFIG_FILE"
export AWS_CONFIG_FILE
run tfauth-profile __complete
check "__complete with a broken config: exit 1, silent" test "$rc:$out:$err" = "1::"
unset AWS_CONFIG_FILE
if command -v strace >/dev/null 2>&1 && strace -f -qq -o /dev/null true 2>/dev/null; then
	AWS_ENDPOINT_URL=http://127.0.0.1:9 strace -f -qq -e trace=socket,connect \
		-o "$t_tmp/net" "$TFAUTH_BIN/tfauth-profile" __complete p >/dev/null 2>&1
	check "__complete opens no network socket" test "$(grep -c 'AF_INET' "$t_tmp/net")" = 0
else
	echo "# strace is missing or cannot trace here: the no-network check is left out"
fi

# --- the terminal ---------------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	check "tmux is installed (tests/deps.sh installs it)" false
	t_done
	exit
fi

stubs=$t_tmp/stubs
mkdir -p "$stubs"
cat >"$stubs/terraform" <<'EOF'
#!/bin/sh
# Stand-in terraform: with COMP_LINE set, the completion protocol of the
# real one (posener/complete): the subcommands that start with the word
# after "terraform", one a line.
if [ -n "${COMP_LINE+x}" ]; then
	printf '%s\n' "$COMP_LINE" >>"$STUB_COMP_LOG"
	rest=${COMP_LINE#* }
	case $rest in *" "*) exit 0 ;; esac
	for c in apply console destroy fmt import init output plan providers refresh show state validate version; do
		case $c in "$rest"*) echo "$c" ;; esac
	done
	exit 0
fi
echo "terraform $*"
EOF
chmod +x "$stubs/terraform"
# What `terraform -install-autocomplete` writes for fish, pointing at the stub.
cat >"$stubs/terraform.fish" <<EOF
function __complete_terraform
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "\$COMP_LINE "
    $stubs/terraform
end
complete -f -c terraform -a "(__complete_terraform)"
EOF
STUB_COMP_LOG=$t_tmp/comp.log

t_tmux_init compl
# A session that lasts: killing the last one ends the server, and a
# session started while it ends can fail.
t_tmux new-session -d -s hold -x 20 -y 5 sleep 600

# The screen, as a diagnostic after a failed check.
screen() { t_tmux_screen | grep -v '^ *$' | sed 's/^/#   screen: /'; }

# wait_for grep-ARGS...: until a line of the screen matches, 10 s at most.
wait_for() {
	w_end=$(($(date +%s) + 10))
	while :; do
		t_tmux_screen | grep -q "$@" && return 0
		[ "$(date +%s)" -lt "$w_end" ] || return 1
		sleep 0.1
	done
}
# wait_line LINE: the screen has exactly LINE (trailing blanks aside).
wait_line() { wait_for -Fx -- "$1"; }
# wait_text TEXT: TEXT is somewhere on the screen.
wait_text() { wait_for -F -- "$1"; }
# The screen is the prompt alone.
prompt_only() { [ "$(t_tmux_screen | grep -v '^ *$')" = '$' ]; }

# clean: cancel the line, clear the screen and the history; the next case
# starts on a screen with the prompt alone.  The completion log is emptied.
clean() {
	t_tmux send-keys -t "$c" C-c
	sleep 0.2
	t_tmux send-keys -t "$c" C-l
	t_tmux clear-history -t "$c"
	: >"$STUB_COMP_LOG"
	w_end=$(($(date +%s) + 10))
	until prompt_only; do
		[ "$(date +%s)" -lt "$w_end" ] || return 1
		sleep 0.1
	done
}

# start NAME SHELL ARGS...: a session running SHELL, with a clean
# environment; waits for its first prompt.
start() {
	c=$1
	shift
	t_tmux new-session -d -s "$c" -x 120 -y 30 env -i HOME="$HOME" \
		PATH="$stubs:$TFAUTH_BIN:/usr/bin:/bin" TERM=screen LANG=C.UTF-8 \
		STUB_COMP_LOG="$STUB_COMP_LOG" PS1='$ ' INPUTRC=/dev/null "$@"
}

# setup LINE: type LINE and wait until it has run: it prints a line that
# no typed line shows, numbered so that each setup waits for its own.
n_setup=0
setup() {
	n_setup=$((n_setup + 1))
	t_tmux send-keys -t "$c" "$1; printf '%s-%s\\n' setup $n_setup" Enter
	wait_line "setup-$n_setup" || { screen; echo "# $c: the setup line did not finish"; }
}

# tab DESC KEYS...: send KEYS (ending in Tab), then check WANT with
# CHECK (wait_line or wait_text); set by the caller in $want and $how.
tab() {
	t_d=$1
	shift
	t_tmux send-keys -t "$c" "$@"
	if $how "$want"; then t_ok=true; else t_ok=false; fi
	check "$c: $t_d" $t_ok
	$t_ok || screen
	clean || echo "# $c: the screen did not come back to the prompt"
}

# The cases every shell must pass.  $list: the keys that list the choices
# (bash: Tab Tab; zsh and fish list on the first, and a second would
# start cycling through them).
common_cases() {
	how=wait_line want='$ tfp prod'
	tab "tfp pr<Tab> completes to the profile" "tfp pr" Tab
	how=wait_text want=--non-interactive
	tab "tfauth-refresh --<Tab> lists the options (--non-interactive)" "tfauth-refresh --" $list
	how=wait_text want=--no-browser
	tab "tfauth-refresh --<Tab> lists the options (--no-browser)" "tfauth-refresh --" $list
	how=wait_text want=sandbox
	tab "tfauth-doctor <Tab> offers the profiles (sandbox)" "tfauth-doctor " $list
	how=wait_text want=staging
	tab "tfauth-doctor <Tab> offers the profiles (staging)" "tfauth-doctor " $list
	how=wait_line want='$ tfp with\ space'
	tab "tfp wi<Tab>: a name with a space, quoted" "tfp wi" Tab
	how=wait_line want='$ tfauth-env --shell fish'
	tab "tfauth-env --shell f<Tab>: the shells" "tfauth-env --shell f" Tab
	how=wait_line want='$ tfauth-run --profile prod'
	tab "tfauth-run --profile pr<Tab>: the profiles" "tfauth-run --profile pr" Tab
	how=wait_line want='$ tfauth-run --retry'
	tab "tfauth-run --r<Tab>: its options" "tfauth-run --r" Tab
	how=wait_line want='$ tfauth-profile pick --long'
	tab "tfauth-profile pick --<Tab>: the options of the subcommand" "tfauth-profile pick --" Tab
	how=wait_line want='$ tfauth-run -- terraform plan'
	tab "tfauth-run -- terraform pl<Tab>: the command's own completion" \
		"tfauth-run -- terraform pl" Tab
	how=wait_line want='$ tfauth init'
	tab "tfauth i<Tab>: the subcommand init" "tfauth i" Tab
	how=wait_line want='$ tfauth init zsh'
	tab "tfauth init z<Tab>: the shells" "tfauth init z" Tab
	how=wait_line want='$ tfauth profile show staging'
	tab "tfauth profile show st<Tab>: tfauth NAME completes as tfauth-NAME" \
		"tfauth profile show st" Tab
	t_tmux send-keys -t "$c" "terraform pl" Tab
	check "$c: terraform pl<Tab> completes to plan" wait_line '$ terraform plan'
	check "$c: ... through terraform's own completion (it was asked)" \
		grep -q '^terraform pl' "$STUB_COMP_LOG"
	clean
	t_tmux send-keys -t "$c" "tfp " $list
	check "$c: tfp <Tab> lists every profile" wait_text sandbox
	check "$c: ... and asks no terraform" test ! -s "$STUB_COMP_LOG"
	clean
}

# --- bash ---------------------------------------------------------------------
bash_setup="eval \"\$(tfauth init bash)\"; complete -C '$stubs/terraform' terraform"
list="Tab Tab"
start bash bash --norc --noprofile -i
if wait_for .; then
	setup "$bash_setup"
	clean
	common_cases
else
	check "bash: the shell starts in tmux" false
fi
t_tmux kill-session -t bash >/dev/null 2>&1

bc=/usr/share/bash-completion/bash_completion
if [ -f "$bc" ]; then
	start bash-completion bash --norc --noprofile -i
	if wait_for .; then
		setup ". $bc; $bash_setup"
		clean
		common_cases
	else
		check "bash-completion: the shell starts in tmux" false
	fi
	t_tmux kill-session -t bash-completion >/dev/null 2>&1
else
	echo "# $bc is not installed (Debian: bash-completion): bash was tested without it only"
fi

# --- zsh ----------------------------------------------------------------------
# As in a ~/.zshrc: compinit, then terraform's line (what -install-autocomplete
# writes for zsh: bashcompinit and complete -C), then the init line.
list=Tab
if command -v zsh >/dev/null 2>&1; then
	start zsh zsh -f -i
	if wait_for .; then
		setup "PS1='\$ '; autoload -Uz compinit && compinit -u -D; autoload -U +X bashcompinit && bashcompinit; complete -o nospace -C '$stubs/terraform' terraform; eval \"\$(tfauth init zsh)\""
		clean
		common_cases
	else
		check "zsh: the shell starts in tmux" false
	fi
	t_tmux kill-session -t zsh >/dev/null 2>&1

	# The init line before compinit: compdef comes at the next prompt.
	start zsh-late zsh -f -i
	if wait_for .; then
		setup "PS1='\$ '; eval \"\$(tfauth init zsh)\""
		setup "autoload -Uz compinit && compinit -u -D"
		clean
		how=wait_line want='$ tfp prod'
		tab "init before compinit: tfp pr<Tab> completes at the next prompt" "tfp pr" Tab
	else
		check "zsh-late: the shell starts in tmux" false
	fi
	t_tmux kill-session -t zsh-late >/dev/null 2>&1
else
	check "zsh is installed (tests/deps.sh installs it)" false
fi

# --- fish ---------------------------------------------------------------------
# Autosuggestions off: they would show the completion before the Tab.
if command -v fish >/dev/null 2>&1; then
	start fish fish --no-config -i
	if wait_for .; then
		setup "function fish_prompt; echo -n '\$ '; end; set -g fish_greeting; set -g fish_autosuggestion_enabled 0; tfauth init fish | source; source '$stubs/terraform.fish'"
		clean
		common_cases
	else
		check "fish: the shell starts in tmux" false
	fi
	t_tmux kill-session -t fish >/dev/null 2>&1
else
	check "fish is installed (tests/deps.sh installs it)" false
fi

t_done
