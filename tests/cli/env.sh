#!/bin/sh
# CLI tests of tfauth-env (offline): the code it prints, what it says on
# stderr, and its exit codes.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
cat >"$HOME/.aws/config" <<'CFG'
[default]
region = us-east-1
[profile prod]
region = eu-west-1
[profile noregion]
output = json
[profile loop]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = loop
[profile half]
aws_access_key_id = AKIAHALFHALFHALFHALF
CFG

run tfauth-env prod --shell bash
check "exits 0" test "$rc" = 0
check "prints the exact code" test "$out" = "unset AWS_ACCESS_KEY_ID
unset AWS_SECRET_ACCESS_KEY
unset AWS_SESSION_TOKEN
unset AWS_SECURITY_TOKEN
unset AWS_CREDENTIAL_EXPIRATION
unset AWS_DEFAULT_PROFILE
export AWS_PROFILE='prod'
export AWS_REGION='eu-west-1'
export AWS_DEFAULT_REGION='eu-west-1'"
check "says nothing when nothing was stale" test -z "$err"

AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMWZFK AWS_SECRET_ACCESS_KEY=topsecretvalue1234567890 \
AWS_SESSION_TOKEN=tokentokentoken AWS_DEFAULT_PROFILE=old run tfauth-env prod --shell bash
check "stale keys: exits 0" test "$rc" = 0
check "stale keys: says what it cleared, masked" contains "$err" "cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed profile 'prod'"
check "stale keys: names the secret without its value" contains "$err" "cleared AWS_SECRET_ACCESS_KEY that shadowed profile 'prod'"
check "stale keys: the session token too" contains "$err" "cleared AWS_SESSION_TOKEN that shadowed"
check "stale keys: AWS_DEFAULT_PROFILE" contains "$err" "cleared AWS_DEFAULT_PROFILE ('old')"
check "stale keys: no secret on stderr" not_contains "$err" "topsecretvalue"
check "stale keys: no token on stderr" not_contains "$err" "tokentokentoken"
check "stale keys: no full key id on stderr" not_contains "$err" "AKIAIOSFODNN7"
check "stale keys: nothing secret on stdout" not_contains "$out" "topsecret"

AWS_ACCESS_KEY=AKIAOLDNAMEOLDNAME12 run tfauth-env prod --shell bash
check "go-v2's old AWS_ACCESS_KEY is cleared when set" contains "$out" "unset AWS_ACCESS_KEY
"
check "... and said" contains "$err" "cleared AWS_ACCESS_KEY (****ME12)"

AWS_PROFILE=prod run tfauth-env --shell bash
check "no argument: the current profile" contains "$out" "export AWS_PROFILE='prod'"
run tfauth-env --shell bash
check "nothing selected: default" contains "$out" "export AWS_PROFILE='default'
export AWS_REGION='us-east-1'"

AWS_REGION=ap-south-1 run tfauth-env noregion --shell bash
check "a profile without a region leaves AWS_REGION alone" not_contains "$out" "AWS_REGION"
check "... and says so" contains "$err" "profile 'noregion' sets no region; the region stays 'ap-south-1'"

run tfauth-env prod --shell fish
check "fish code" contains "$out" "set -gx AWS_PROFILE 'prod'"
SHELL=/usr/bin/fish run tfauth-env prod
check "the dialect comes from \$SHELL" contains "$out" "set -gx AWS_REGION 'eu-west-1'"
SHELL=/bin/zsh run tfauth-env prod
check "zsh uses POSIX code" contains "$out" "export AWS_REGION='eu-west-1'"
run tfauth-env prod --shell=sh
check "--shell=sh" contains "$out" "export AWS_PROFILE='prod'"

run tfauth-env prdo
check "unknown profile: exit 1" test "$rc" = 1
check "unknown profile: nothing on stdout" test -z "$out"
check "unknown profile: did you mean" contains "$err" "hint: did you mean 'prod'?"
AWS_PROFILE=gone run tfauth-env
check "AWS_PROFILE naming no profile: exit 1" test "$rc" = 1
check "... says where the name came from" contains "$err" "AWS_PROFILE is set to 'gone'"
run tfauth-env loop
check "a self loop without keys: exit 1, nothing on stdout" test "$rc/$out" = "1/"
check "... names the loop" contains "$err" "source_profile loop: 'loop' -> 'loop'"
run tfauth-env half
check "partial static keys: exit 1" test "$rc" = 1
check "... says which key is missing" contains "$err" "partial credentials found for profile 'half': aws_access_key_id without aws_secret_access_key"
run tfauth-env prod --shell tcsh
check "an unknown shell is a usage error" test "$rc" = 2
check "... nothing on stdout" test -z "$out"
run tfauth-env prod extra
check "too many arguments: 2" test "$rc" = 2
run tfauth-env --shell
check "--shell without a value: 2" test "$rc" = 2
check "... says so" contains "$err" "option '--shell' needs a value"
run tfauth-env ""
check "an empty profile name: 2" test "$rc" = 2
run tfauth-env --help
check "--help: 0" test "$rc" = 0
run tfauth env prod --shell bash
check "tfauth env runs tfauth-env" contains "$out" "export AWS_PROFILE='prod'"

printf '[profile broken\n' >"$HOME/.aws/config"
run tfauth-env prod
check "a broken config: exit 1, nothing on stdout" test "$rc/$out" = "1/"
check "... file:line" contains "$err" "~/.aws/config:1: missing ']'"

t_done
