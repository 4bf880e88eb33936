#!/bin/sh
# CLI tests of tfauth-profile and the tfauth dispatcher: stdout, stderr and
# exit codes against a fixture HOME.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
cat >"$HOME/.aws/config" <<'CFG'
[default]
region = us-east-1

[profile prod]
region = eu-west-1

[profile prod-admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = prod
region = eu-west-1

[profile sso-dev]
sso_session = corp
sso_account_id = 210987654321
sso_role_name = Dev

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/B
source_profile = loop-a

[profile proc]
credential_process = /usr/bin/env true
CFG
cat >"$HOME/.aws/credentials" <<'CRED'
[prod]
aws_access_key_id = AKIAIOSFODNN7EXAMWZFK
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1
[zz-creds-only]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE2
aws_secret_access_key = secretsecretsecretsecretsecretsecret0002
CRED
secret1=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1

run tfauth-profile list
check "list exits 0" test "$rc" = 0
check "list prints every profile once, sorted" test "$out" = "default
loop-a
loop-b
proc
prod
prod-admin
sso-dev
zz-creds-only"
check "list says nothing on stderr" test -z "$err"

run tfauth-profile list --long
check "list --long exits 0" test "$rc" = 0
check "list --long has a header" contains "$out" "NAME"
check "list --long marks the current profile" contains "$out" "* default"
row() { printf '%s\n' "$out" | grep -E "$1" >/dev/null; }
check "list --long shows a role's account" row '^  prod-admin +assume-role +eu-west-1 +123456789012 +-$'
check "list --long marks a broken chain invalid" row '^  loop-a +invalid '
check "list --long shows an sso profile" row '^  sso-dev +sso +- +210987654321 '
check "list --long shows a static profile" row '^  prod +static +eu-west-1 +- +-$'


AWS_PROFILE=prod run tfauth-profile list --json
check "list --json exits 0" test "$rc" = 0
check "list --json is JSON with the current profile" \
	sh -c 'printf "%s" "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); assert [p[\"name\"] for p in d if p[\"current\"]]==[\"prod\"], d; assert len(d)==8"' _ "$out"

run tfauth-profile current
check "current: 'default' when nothing is set" test "$rc/$out" = "0/default"
check "current: says what selected it" contains "$err" "selected by the default"
AWS_DEFAULT_PROFILE=proc run tfauth-profile current
check "current: AWS_DEFAULT_PROFILE" test "$out" = proc
AWS_PROFILE=prod AWS_DEFAULT_PROFILE=proc run tfauth-profile current
check "current: AWS_PROFILE beats AWS_DEFAULT_PROFILE (Terraform's order)" test "$out" = prod
check "current: names the ignored AWS_DEFAULT_PROFILE" contains "$err" "AWS_DEFAULT_PROFILE='proc' is ignored"
AWS_PROFILE=prod AWS_ACCESS_KEY_ID=AKIASTALESTALESTAL9999 run tfauth-profile current
check "current: warns about a stale key in the environment, masked" contains "$err" "AWS_ACCESS_KEY_ID (****9999)"
check "current: never prints the whole key" not_contains "$err" "AKIASTALE"
AWS_PROFILE=prdo run tfauth-profile current
check "current: a missing AWS_PROFILE profile fails" test "$rc" = 1
check "current: ... and suggests the close name" contains "$err" "did you mean 'prod'"

run tfauth-profile show prod
check "show exits 0" test "$rc" = 0
check "show masks the secret key" contains "$out" "****************KEY1"
check "show masks the key id" contains "$out" "****************WZFK"
check "show never prints a secret" not_contains "$out$err" "$secret1"
check "show gives file:line" contains "$out" "~/.aws/credentials:2"
check "show gives the region's line" contains "$out" "~/.aws/config:5"

run tfauth-profile show prod-admin
check "show prints a role's chain" contains "$out" "chain    prod-admin -> prod (static)"

run tfauth-profile show prod --json
check "show --json is JSON with masked secrets" \
	sh -c 'printf "%s" "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); s={x[\"key\"]:x for x in d[\"settings\"]}; assert s[\"aws_secret_access_key\"][\"value\"].endswith(\"KEY1\") and s[\"aws_secret_access_key\"][\"value\"].startswith(\"****\"); assert s[\"region\"][\"line\"]==5"' _ "$out"

AWS_PROFILE=sso-dev run tfauth-profile show
check "show without a name shows the current profile" contains "$out" "profile  sso-dev"

run tfauth-profile show prdo
check "show of an unknown profile fails with 1" test "$rc" = 1
check "... and prints nothing on stdout" test -z "$out"
check "... and suggests close names" contains "$err" "hint: did you mean 'prod'"

run tfauth-profile show loop-a
check "a source_profile loop fails" test "$rc" = 1
check "... and names the loop" contains "$err" "source_profile loop: 'loop-a' -> 'loop-b' -> 'loop-a'"

run tfauth-profile
check "no subcommand is a usage error" test "$rc" = 2
run tfauth-profile frobnicate
check "an unknown subcommand is a usage error" test "$rc" = 2
check "... naming it" contains "$err" "unknown subcommand 'frobnicate'"
run tfauth-profile list --bogus
check "an unknown option is a usage error" test "$rc" = 2
check "... naming it" contains "$err" "unknown option '--bogus'"
run tfauth-profile current extra
check "current takes no argument" test "$rc" = 2
run tfauth-profile --help
check "--help exits 0 and prints usage" test "$rc" = 0 -a -n "$out"
run tfauth-profile --version
check "--version" test "$rc/$out" = "0/tfauth-profile 0.1.0"

# Bad files: one message naming file:line, exit 1, nothing on stdout.
bad() {
	desc=$1 want=$2
	run tfauth-profile list
	check "$desc: exit 1" test "$rc" = 1
	check "$desc: nothing on stdout" test -z "$out"
	check "$desc: says '$want'" contains "$err" "$want"
}
cp "$HOME/.aws/config" "$t_tmp/good-config"
printf '[default]\nregion = x\n[profile broken\n' >"$HOME/.aws/config"
bad "missing ]" "tfauth-profile: ~/.aws/config:3: missing ']'"
printf '[default]\njust words\n' >"$HOME/.aws/config"
bad "no =" "~/.aws/config:2: expected 'key = value'"
printf 'region = x\n[default]\n' >"$HOME/.aws/config"
bad "property before a section" "~/.aws/config:1: a setting before any section"
printf '[default]\nregion = \001\002\000\377garbage\n' >"$HOME/.aws/config"
bad "binary garbage" "~/.aws/config:2: a NUL byte"
printf '[default]\nregion = caf\351\n' >"$HOME/.aws/config"
bad "Latin-1 bytes" "~/.aws/config:2: not valid UTF-8"
head -c 10485760 /dev/zero | tr '\0' '#' >"$HOME/.aws/config"
bad "a 10 MB file" "'~/.aws/config' is too large"
rm -f "$HOME/.aws/config"; ln -s config "$HOME/.aws/config"
bad "a symlink loop" "Too many levels of symbolic links"
rm -f "$HOME/.aws/config"; mkdir "$HOME/.aws/config"
bad "a directory" "'~/.aws/config' is not a regular file"
rmdir "$HOME/.aws/config"
cp "$t_tmp/good-config" "$HOME/.aws/config"
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$HOME/.aws/credentials"
	bad "an unreadable file" "cannot open '~/.aws/credentials': Permission denied"
	chmod 600 "$HOME/.aws/credentials"
elif command -v setpriv >/dev/null; then
	# root reads anything: drop to nobody for this one check.
	chmod 755 "$t_tmp" "$HOME"; chmod 711 "$HOME/.aws"; chmod 644 "$HOME/.aws/config"; chmod 000 "$HOME/.aws/credentials"
	rc=0; err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$HOME" "$TFAUTH_BIN/tfauth-profile" list 2>&1 >/dev/null) || rc=$?
	check "an unreadable file: exit 1" test "$rc" = 1
	check "an unreadable file: says so" contains "$err" "cannot open '~/.aws/credentials': Permission denied"
	chmod 600 "$HOME/.aws/credentials" "$HOME/.aws/config"; chmod 700 "$HOME/.aws" "$HOME" "$t_tmp"
fi

AWS_CONFIG_FILE="$t_tmp/nowhere/config" AWS_SHARED_CREDENTIALS_FILE="$t_tmp/nowhere/credentials" run tfauth-profile list
check "missing files are empty, not an error" test "$rc/$out" = "0/"
printf '[profile elsewhere]\n' >"$t_tmp/other-config"
AWS_CONFIG_FILE="$t_tmp/other-config" run tfauth-profile list
check "AWS_CONFIG_FILE is honoured" contains "$out" "elsewhere"
cp "$t_tmp/other-config" "$HOME/alt-config"
AWS_CONFIG_FILE="~/alt-config" run tfauth-profile list
check "AWS_CONFIG_FILE expands ~" contains "$out" "elsewhere"

# The dispatcher.
run tfauth profile list
check "tfauth profile list runs tfauth-profile" test "$rc" = 0 -a "$(printf '%s\n' "$out" | head -n 1)" = default
run tfauth nosuch
check "tfauth: an unknown command exits 2" test "$rc" = 2
check "tfauth: ... naming it" contains "$err" "'nosuch' is not a tfauth command"
run tfauth
check "tfauth without a command exits 2 with usage" test "$rc" = 2 -a -n "$err"
run tfauth --version
check "tfauth --version" test "$out" = "tfauth 0.1.0"
run tfauth ../tfauth-env
check "tfauth refuses a path as a command" test "$rc" = 2

t_done
