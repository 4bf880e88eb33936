# tfauth shell integration for zsh.  In ~/.zshrc:
#
#     eval "$(tfauth init zsh)"
#
# Thin functions only; the logic lives in the tfauth binaries:
#   terraform, tofu      run through tfauth-run (TFAUTH_DISABLE=1: directly;
#                        export TFAUTH_SERVE=1: it serves them refreshing
#                        credentials, see tfauth-run --help)
#   tfp [PROFILE|-]      switch this shell's profile (tfauth-env); no name:
#                        the picker on a terminal, else the list; -: back
#   tfauth_prompt_info   "PROFILE" or "PROFILE 42m" for the prompt, with no
#                        fork: precmd_functions+=(_tfauth_rprompt) and
#                        setopt prompt_subst; RPROMPT='$tfauth_rprompt'
#                        with _tfauth_rprompt() { tfauth_prompt_info -v tfauth_rprompt }
# followed by the completions (completions/_tfauth).

# An alias would win over the functions.  zsh parses all of an eval before
# it runs any of it, so the unalias alone is not enough: `function NAME` is
# never alias-expanded.
unalias terraform tofu tfp 2>/dev/null

# $EPOCHSECONDS for the prompt, without a fork.
zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null

function terraform { __tfauth_wrap terraform "$@" }
function tofu { __tfauth_wrap tofu "$@" }

# The command itself when tfauth is disabled or not installed, so that the
# wrapper never stands between the user and terraform.
function __tfauth_wrap {
	if [[ ${TFAUTH_DISABLE-} == 1 ]] || ! whence -p tfauth-run >/dev/null; then
		command "$@"
	else
		command tfauth-run -- "$@"
	fi
}

function tfp {
	emulate -L zsh
	local name code
	case $# in
	0)
		# The picker talks on the terminal; in a pipe, the list is the answer.
		if [[ -t 0 && -t 2 ]]; then
			# Ctrl-C is the picker's to answer (exit 130): without a trap,
			# zsh would abandon the whole command line with status 2.
			setopt local_traps
			trap : INT
			name=$(command tfauth-profile pick) || return
			[[ -n $name ]] || return 1
		else
			command tfauth-profile list
			return
		fi
		;;
	1)
		case $1 in
		-h | --help)
			print -ru2 -- 'usage: tfp [PROFILE|-]'
			return 0
			;;
		-)
			if [[ -z ${__tfauth_prev_profile-} ]]; then
				print -ru2 -- 'tfp: no previous profile'
				return 1
			fi
			name=$__tfauth_prev_profile
			;;
		*) name=$1 ;;
		esac
		;;
	*)
		print -ru2 -- 'usage: tfp [PROFILE|-]'
		return 2
		;;
	esac
	code=$(command tfauth-env --shell zsh -- "$name") || return
	# What tfauth-profile current would say: AWS_PROFILE, AWS_DEFAULT_PROFILE,
	# else the SDKs' default.
	typeset -g __tfauth_prev_profile=${AWS_PROFILE:-${AWS_DEFAULT_PROFILE:-default}}
	eval "$code"
}

# __tfauth_epoch TIME: seconds since the epoch of an RFC 3339 time
# (2024-05-01T12:00:00Z, fractions and +hh:mm offsets too) in __tfauth_r.
# Arithmetic only (days from the civil date, as in Howard Hinnant's
# algorithm): date(1) would fork on every prompt, and strftime -r reads
# local time.
function __tfauth_epoch {
	emulate -L zsh
	setopt extended_glob
	local -a match mbegin mend
	# (#b) keeps nine groups at most: the zone is taken apart below.
	[[ $1 == (#b)([0-9](#c4))-([0-9](#c2))-([0-9](#c2))[Tt\ ]([0-9](#c2)):([0-9](#c2)):([0-9](#c2))(.[0-9]##|)([Zz]|[+-][0-9](#c2)(:|)[0-9](#c2)) ]] ||
		return 1
	local -i y=10#$match[1] m=10#$match[2] d=10#$match[3] era yoe doy doe off=0
	local zone=$match[8]
	((m <= 2)) && ((y -= 1))
	((era = y / 400, yoe = y - era * 400))
	((doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1))
	((doe = yoe * 365 + yoe / 4 - yoe / 100 + doy))
	if [[ $zone == [+-]* ]]; then
		((off = (10#${zone[2,3]} * 60 + 10#${zone[-2,-1]}) * 60))
		[[ $zone == +* ]] && ((off = -off))
	fi
	typeset -gi __tfauth_r
	((__tfauth_r = ((era * 146097 + doe - 719468) * 24 + 10#$match[4]) * 3600 +
		10#$match[5] * 60 + 10#$match[6] + off))
}

# tfauth_prompt_info [-v VAR]: the profile, then the minutes left before
# AWS_CREDENTIAL_EXPIRATION ("prod 42m", "prod expired"); nothing when no
# profile is chosen.  Printed, or stored in VAR with -v: '$(...)' in a
# prompt costs a subshell, a precmd hook with -v costs nothing.  Variables
# and builtins only: no process is started.
function tfauth_prompt_info {
	emulate -L zsh
	local __tfa_s=${AWS_PROFILE:-${AWS_DEFAULT_PROFILE-}} __tfa_left
	local -i __tfa_now
	if [[ -n ${AWS_CREDENTIAL_EXPIRATION-} ]] && __tfauth_epoch "$AWS_CREDENTIAL_EXPIRATION"; then
		# Without zsh/datetime, the prompt escape %D{%s} asks strftime.
		__tfa_now=${EPOCHSECONDS:-${(%):-%D{%s}}}
		if ((__tfauth_r > __tfa_now)); then
			__tfa_left="$(((__tfauth_r - __tfa_now) / 60))m"
		else
			__tfa_left=expired
		fi
		__tfa_s=${__tfa_s:+$__tfa_s }$__tfa_left
	fi
	if [[ ${1-} == -v && -n ${2-} ]]; then
		typeset -g "$2=$__tfa_s"
	elif [[ -n $__tfa_s ]]; then
		print -r -- "$__tfa_s"
	fi
}
