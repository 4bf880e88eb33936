#!/bin/sh
# Eval tests: the code tfauth-env prints, eval'ed in real bash, zsh, fish and
# sh, sets exactly the profile and region, clears the stale variables, and
# runs nothing else — whatever the profile and region are called.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
work=$t_tmp/work
mkdir -p "$work"
cd "$work" || exit 1

# Hostile names, one per profile; region values equally hostile.  Section
# names cannot hold '#' or ';' (they start a comment there in every SDK),
# so those characters are tested in the region values.
cat >"$HOME/.aws/config" <<'CFG'
[profile it's]
region = it's-region
[profile say "hi"]
region = "double"quoted"
[profile $(touch canary1)]
region = $(touch canary2)
[profile `touch canary3`]
region = `touch canary4`
[profile with space]
region = us-east-1;touch canary5
[profile back\slash]
region = back\slash\n\\
[profile prod-ünïcodé-日本]
region = ünï-1
[profile -dash]
region = *
[profile ''quotes''']
region = a'b''c'''
[profile x&&y||z|>w<]
region = !$HOME{}[]?~
CFG

names="it's
say \"hi\"
\$(touch canary1)
\`touch canary3\`
with space
back\\slash
prod-ünïcodé-日本
-dash
''quotes'''
x&&y||z|>w<"

# Expected region for each profile, read back by the tool itself (botocore
# and tfauth agree on these: no inline comment, surrounding quotes only
# where noted), so the test compares eval results with the parser's view.
shells="bash zsh fish sh"
for sh in $shells; do
	command -v "$sh" >/dev/null || { check "$sh is installed" false; continue; }
	while IFS= read -r name; do
		case $sh in fish) dialect=fish ;; *) dialect=$sh ;; esac
		"$TFAUTH_BIN/tfauth-env" --shell "$dialect" -- "$name" >"$t_tmp/code" 2>"$t_tmp/err"
		rc=$?
		check "$sh: tfauth-env [$name] exits 0" test "$rc" = 0
		want_region=$("$TFAUTH_BIN/tfauth-profile" show --json -- "$name" |
			python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["region"])')
		rm -f "$t_tmp/got-profile" "$t_tmp/got-region" "$t_tmp/got-stale"
		case $sh in
		fish)
			AWS_ACCESS_KEY_ID=AKIASTALE AWS_SESSION_TOKEN=stale AWS_DEFAULT_PROFILE=old \
			fish --no-config -c 'source $argv[1]
				printf "%s" "$AWS_PROFILE" >$argv[2]
				printf "%s" "$AWS_REGION|$AWS_DEFAULT_REGION" >$argv[3]
				set -q AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE; and echo set >$argv[4]
				true' "$t_tmp/code" "$t_tmp/got-profile" "$t_tmp/got-region" "$t_tmp/got-stale"
			;;
		zsh)
			AWS_ACCESS_KEY_ID=AKIASTALE AWS_SESSION_TOKEN=stale AWS_DEFAULT_PROFILE=old \
			zsh -f -c 'setopt RC_QUOTES; eval "$(cat "$1")"
				printf "%s" "$AWS_PROFILE" >"$2"
				printf "%s" "$AWS_REGION|$AWS_DEFAULT_REGION" >"$3"
				if [ -n "${AWS_ACCESS_KEY_ID+x}${AWS_SESSION_TOKEN+x}${AWS_DEFAULT_PROFILE+x}" ]; then echo set >"$4"; fi' \
				zsh "$t_tmp/code" "$t_tmp/got-profile" "$t_tmp/got-region" "$t_tmp/got-stale"
			;;
		*)
			AWS_ACCESS_KEY_ID=AKIASTALE AWS_SESSION_TOKEN=stale AWS_DEFAULT_PROFILE=old \
			$sh -c 'eval "$(cat "$1")"
				printf "%s" "$AWS_PROFILE" >"$2"
				printf "%s" "$AWS_REGION|$AWS_DEFAULT_REGION" >"$3"
				if [ -n "${AWS_ACCESS_KEY_ID+x}${AWS_SESSION_TOKEN+x}${AWS_DEFAULT_PROFILE+x}" ]; then echo set >"$4"; fi' \
				$sh "$t_tmp/code" "$t_tmp/got-profile" "$t_tmp/got-region" "$t_tmp/got-stale"
			;;
		esac
		printf '%s' "$name" >"$t_tmp/want-profile"
		printf '%s' "$want_region|$want_region" >"$t_tmp/want-region"
		check "$sh: AWS_PROFILE is exactly [$name]" cmp -s "$t_tmp/got-profile" "$t_tmp/want-profile"
		check "$sh: AWS_REGION and AWS_DEFAULT_REGION exactly [$want_region]" \
			cmp -s "$t_tmp/got-region" "$t_tmp/want-region"
		check "$sh: the stale variables are gone [$name]" test ! -e "$t_tmp/got-stale"
		check "$sh: nothing else ran [$name]" sh -c '! ls "$1"/canary* >/dev/null 2>&1' _ "$work"
	done <<NAMES
$names
NAMES
done

# The corpus itself must be able to catch a break: the region with a
# backslash must really contain one.
"$TFAUTH_BIN/tfauth-profile" show --json 'back\slash' >"$t_tmp/json"
check "the corpus holds a literal backslash region" \
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["region"] == "back\\slash\\n\\\\"' "$t_tmp/json"

t_done
