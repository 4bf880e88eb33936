# bash completion for tfauth, tfauth-env, tfauth-profile, tfauth-refresh,
# tfauth-doctor, tfauth-run and tfp (the function of `tfauth init bash`,
# which includes this file).  Plain `complete -F`: it works with and
# without the bash-completion package.  Profile names come from
# `tfauth-profile __complete PREFIX`, which reads the config files and
# never the network.  Installed on its own, it can be sourced, or linked
# under each command's name in bash-completion's completions directory.

# _tfauth_reply WORD...: those that start with $cur, into COMPREPLY (with
# the "--opt=" the word began with, when bash did not split it off).
_tfauth_reply() {
	local w
	for w; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$_tfauth_eq$w")
	done
	return 0
}

# _tfauth_dequote WORD: the word as the shell will read it, into
# _tfauth_dq: enough to take a prefix the user typed with quotes or
# backslashes (wi\ th, 'wi th) to tfauth-profile.
_tfauth_dequote() {
	local s=$1 c q=
	_tfauth_dq=
	while [[ -n $s ]]; do
		c=${s:0:1}
		s=${s:1}
		if [[ $q == "'" ]]; then
			if [[ $c == "'" ]]; then q=; else _tfauth_dq+=$c; fi
		elif [[ $c == '\' && ( -z $q || $s == [\"\\\$\`]* ) ]]; then
			_tfauth_dq+=${s:0:1}
			s=${s:1}
		elif [[ $c == "$q" ]]; then
			q=
		elif [[ -z $q && ( $c == "'" || $c == '"' ) ]]; then
			q=$c
		else
			_tfauth_dq+=$c
		fi
	done
}

# _tfauth_profiles: the profiles that start with $cur, quoted for the line.
# No loop over the names: 5,000 profiles complete in a few milliseconds.
_tfauth_profiles() {
	local -a names
	local q
	_tfauth_dequote "$cur"
	mapfile -t names < <(command tfauth-profile __complete -- "$_tfauth_dq" 2>/dev/null)
	((${#names[@]})) || return 0
	printf -v q -- "${_tfauth_eq//%/%%}%q\n" "${names[@]}"
	mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY <<<"${q%$'\n'}"
}

# _tfauth_args "OPTIONS THAT TAKE A VALUE": the operands before the cursor,
# into _tfauth_pos; options and their values are skipped, "--" ends options.
_tfauth_args() {
	local i w skip=0 dd=0
	_tfauth_pos=()
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if ((skip)); then
			# --opt=value comes as "--opt" "=" "value" (COMP_WORDBREAKS).
			[[ $w == = ]] || skip=0
			continue
		fi
		if ((dd)); then
			_tfauth_pos+=("$w")
			continue
		fi
		case $w in
		--) dd=1 ;;
		-?*) [[ " $1 " == *" $w "* ]] && skip=1 ;;
		*) _tfauth_pos+=("$w") ;;
		esac
	done
	return 0
}

_tfauth_c_tfauth() {
	if [[ $cur == -* ]]; then
		_tfauth_reply --help --version
	else
		_tfauth_reply doctor env init profile refresh run
	fi
}

_tfauth_c_init() {
	((cword == 1)) || return 0
	if [[ $cur == -* ]]; then _tfauth_reply --help; else _tfauth_reply bash zsh fish; fi
}

_tfauth_c_env() {
	case $prev in
	-s | --shell) _tfauth_reply bash zsh fish sh; return ;;
	-f | --format) _tfauth_reply process json dotenv; return ;;
	esac
	if [[ $cur == -* ]]; then
		_tfauth_reply --shell --credentials --format --help --version
		return
	fi
	_tfauth_args "-s --shell -f --format"
	((${#_tfauth_pos[@]} == 0)) && _tfauth_profiles
	return 0
}

_tfauth_c_profile() {
	_tfauth_args ""
	if ((${#_tfauth_pos[@]} == 0)); then
		if [[ $cur == -* ]]; then
			_tfauth_reply --help --version
		else
			_tfauth_reply list current show pick set-keys
		fi
		return
	fi
	case ${_tfauth_pos[0]} in
	list) [[ $cur == -* ]] && _tfauth_reply --long --json ;;
	pick) [[ $cur == -* ]] && _tfauth_reply --long ;;
	show | set-keys)
		if [[ $cur == -* ]]; then
			if [[ ${_tfauth_pos[0]} == show ]]; then
				_tfauth_reply --json
			else
				_tfauth_reply --stdin --no-verify
			fi
		elif ((${#_tfauth_pos[@]} == 1)); then
			_tfauth_profiles
		fi
		;;
	esac
	return 0
}

_tfauth_c_refresh() {
	case $prev in
	-F | --format) _tfauth_reply process json dotenv shell; return ;;
	-s | --shell) _tfauth_reply bash zsh fish sh; return ;;
	-m | --mfa-code) return ;;
	esac
	if [[ $cur == -* ]]; then
		_tfauth_reply --force --non-interactive --check --mfa-code --no-browser \
			--format --shell --quiet --help --version
		return
	fi
	_tfauth_args "-m --mfa-code -F --format -s --shell"
	((${#_tfauth_pos[@]} == 0)) && _tfauth_profiles
	return 0
}

_tfauth_c_doctor() {
	case $prev in
	-e | --explain)
		_tfauth_reply -
		COMPREPLY+=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		_tfauth_reply --json --offline --explain --help --version
		return
	fi
	_tfauth_args "-e --explain"
	((${#_tfauth_pos[@]} == 0)) && _tfauth_profiles
	return 0
}

_tfauth_c_run() {
	local i dd=0
	for ((i = 1; i < cword; i++)); do
		[[ ${words[i]} == -- ]] && { dd=$i; break; }
	done
	if ((dd == 0)); then
		if [[ $prev == -p || $prev == --profile ]]; then
			_tfauth_profiles
		elif [[ $cur == -* ]]; then
			_tfauth_reply -- --profile --no-retry --retry --quiet --serve-credentials \
				--no-serve-credentials --help --version
		fi
		return 0
	fi
	if ((cword == dd + 1)); then
		COMPREPLY=($(compgen -c -- "$cur"))
		return 0
	fi
	# CMD's own completion: complete -C PROG (terraform's) is run here, with
	# the line from CMD on, since _command_offset cannot run it.
	local spec i
	spec=$(complete -p -- "${words[dd + 1]}" 2>/dev/null)
	if [[ $spec == *" -C "* ]]; then
		local -a a
		eval "a=($spec)"
		for ((i = 1; i < ${#a[@]} - 1; i++)); do
			if [[ ${a[i]} == -C ]]; then
				local line="${words[*]:dd+1:cword-dd}"
				COMPREPLY=($(COMP_LINE=$line COMP_POINT=${#line} "${a[i + 1]}" \
					"${words[dd + 1]}" "$cur" "${words[cword - 1]}" 2>/dev/null))
				return 0
			fi
		done
	fi
	if declare -F _command_offset >/dev/null; then
		# bash-completion: complete CMD ARGS as if typed alone.
		_command_offset $((dd + 1 + _tfauth_shift))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
	fi
	return 0
}

_tfauth_c_tfp() {
	((cword == 1)) && _tfauth_profiles
	return 0
}

_tfauth_complete() {
	local words=("${COMP_WORDS[@]}") cword=$COMP_CWORD cmd=${1##*/}
	local cur prev _tfauth_eq= _tfauth_dq _tfauth_shift=0
	local -a _tfauth_pos
	COMPREPLY=()
	# `tfauth NAME ARGS` completes as `tfauth-NAME ARGS`.
	if [[ $cmd == tfauth ]] && ((cword > 1)); then
		cmd=tfauth-${words[1]}
		words=("$cmd" "${words[@]:2}")
		cword=$((cword - 1))
		_tfauth_shift=1
	fi
	cur=${words[cword]}
	prev=${words[cword - 1]}
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((cword > 1)); then
		prev=${words[cword - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		_tfauth_eq=$prev=
		cur=${cur#*=}
	fi
	case $cmd in
	tfauth) _tfauth_c_tfauth ;;
	tfauth-init) _tfauth_c_init ;;
	tfauth-env) _tfauth_c_env ;;
	tfauth-profile) _tfauth_c_profile ;;
	tfauth-refresh) _tfauth_c_refresh ;;
	tfauth-doctor) _tfauth_c_doctor ;;
	tfauth-run) _tfauth_c_run ;;
	tfp) _tfauth_c_tfp ;;
	esac
	return 0
}

complete -F _tfauth_complete tfauth tfauth-env tfauth-profile tfauth-refresh \
	tfauth-doctor tfauth-run tfp
