# tfauth shell integration for bash.  In ~/.bashrc:
#
#     eval "$(tfauth init bash)"
#
# Thin functions only; the logic lives in the tfauth binaries:
#   terraform, tofu      run through tfauth-run (TFAUTH_DISABLE=1: directly;
#                        export TFAUTH_SERVE=1: it serves them refreshing
#                        credentials, see tfauth-run --help)
#   tfp [PROFILE|-]      switch this shell's profile (tfauth-env); no name:
#                        the picker on a terminal, else the list; -: back
#   tfauth_prompt_info   "PROFILE" or "PROFILE 42m" for PS1, with no fork:
#                        PROMPT_COMMAND='tfauth_prompt_info -v tfauth_ps1'
#                        PS1='${tfauth_ps1:+($tfauth_ps1) }\$ '
# followed by the completions (completions/tfauth.bash).

# An alias would win over the functions.  `function NAME` is never alias-
# expanded, whatever this file is eval'ed with.
unalias terraform tofu tfp 2>/dev/null || true

function terraform { __tfauth_wrap terraform "$@"; }
function tofu { __tfauth_wrap tofu "$@"; }

# The command itself when tfauth is disabled or not installed, so that the
# wrapper never stands between the user and terraform.
function __tfauth_wrap {
	if [[ ${TFAUTH_DISABLE-} == 1 ]] || ! type -P tfauth-run >/dev/null; then
		command "$@"
	else
		command tfauth-run -- "$@"
	fi
}

function tfp {
	local __tfa_name __tfa_code
	case $# in
	0)
		# The picker talks on the terminal; in a pipe, the list is the answer.
		if [[ -t 0 && -t 2 ]]; then
			__tfa_name=$(command tfauth-profile pick) || return
			[[ -n $__tfa_name ]] || return 1
		else
			command tfauth-profile list
			return
		fi
		;;
	1)
		case $1 in
		-h | --help)
			printf 'usage: tfp [PROFILE|-]\n' >&2
			return 0
			;;
		-)
			if [[ -z ${__tfauth_prev_profile-} ]]; then
				printf 'tfp: no previous profile\n' >&2
				return 1
			fi
			__tfa_name=$__tfauth_prev_profile
			;;
		*) __tfa_name=$1 ;;
		esac
		;;
	*)
		printf 'usage: tfp [PROFILE|-]\n' >&2
		return 2
		;;
	esac
	__tfa_code=$(command tfauth-env --shell bash -- "$__tfa_name") || return
	# What tfauth-profile current would say: AWS_PROFILE, AWS_DEFAULT_PROFILE,
	# else the SDKs' default.
	__tfauth_prev_profile=${AWS_PROFILE:-${AWS_DEFAULT_PROFILE:-default}}
	eval "$__tfa_code"
}

# __tfauth_epoch TIME: seconds since the epoch of an RFC 3339 time
# (2024-05-01T12:00:00Z, fractions and +hh:mm offsets too) in __tfauth_r.
# Arithmetic only (days from the civil date, as in Howard Hinnant's
# algorithm): date(1) would fork on every prompt.
__tfauth_time_re='^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):?([0-9]{2}))$'
function __tfauth_epoch {
	[[ $1 =~ $__tfauth_time_re ]] || return 1
	local y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]}))
	local d=$((10#${BASH_REMATCH[3]})) era yoe doy doe off=0
	if ((m <= 2)); then
		y=$((y - 1))
	fi
	era=$((y / 400))
	yoe=$((y - era * 400))
	doy=$(((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1))
	doe=$((yoe * 365 + yoe / 4 - yoe / 100 + doy))
	if [[ -n ${BASH_REMATCH[9]} ]]; then
		off=$(((10#${BASH_REMATCH[10]} * 60 + 10#${BASH_REMATCH[11]}) * 60))
		[[ ${BASH_REMATCH[9]} == + ]] && off=$((-off))
	fi
	__tfauth_r=$((((era * 146097 + doe - 719468) * 24 + 10#${BASH_REMATCH[4]}) * 3600 +
		10#${BASH_REMATCH[5]} * 60 + 10#${BASH_REMATCH[6]} + off))
}

# tfauth_prompt_info [-v VAR]: the profile, then the minutes left before
# AWS_CREDENTIAL_EXPIRATION ("prod 42m", "prod expired"); nothing when no
# profile is chosen.  Printed, or stored in VAR with -v: PS1='$(...)' costs
# a subshell, PROMPT_COMMAND with -v costs nothing.  Variables and builtins
# only: no process is started.
function tfauth_prompt_info {
	local __tfa_s=${AWS_PROFILE:-${AWS_DEFAULT_PROFILE-}} __tfa_now __tfa_left
	if [[ -n ${AWS_CREDENTIAL_EXPIRATION-} ]] && __tfauth_epoch "$AWS_CREDENTIAL_EXPIRATION"; then
		__tfa_now=${EPOCHSECONDS-}
		[[ -n $__tfa_now ]] || printf -v __tfa_now '%(%s)T' -1
		__tfa_left=$((__tfauth_r - __tfa_now))
		if ((__tfa_left > 0)); then
			__tfa_left="$((__tfa_left / 60))m"
		else
			__tfa_left=expired
		fi
		__tfa_s=${__tfa_s:+$__tfa_s }$__tfa_left
	fi
	if [[ ${1-} == -v && -n ${2-} ]]; then
		printf -v "$2" '%s' "$__tfa_s"
	elif [[ -n $__tfa_s ]]; then
		printf '%s\n' "$__tfa_s"
	fi
}
