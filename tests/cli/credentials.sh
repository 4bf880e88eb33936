#!/bin/sh
# CLI tests of tfauth-env --credentials/--format and tfauth-refresh that need
# no AWS: static keys, the environment, credential_process, cached roles,
# the recursion guard, exit codes.  tests/integration/chain.py covers STS.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
tool=$TFAUTH_TESTBIN/tools/cache-tool
closed=http://127.0.0.1:9   # discard port: nothing listens, refused at once
cat >"$HOME/.aws/config" <<CFG
[profile static]
region = eu-west-1
[profile role]
region = eu-west-1
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = static
[profile mfa]
region = eu-west-1
role_arn = arn:aws:iam::123456789012:role/Mfa
source_profile = static
mfa_serial = arn:aws:iam::123456789012:mfa/alice
[profile proc]
credential_process = sh -c 'printf "%s" "{\\"Version\\": 1, \\"AccessKeyId\\": \\"AKIAPROCPROCPROC0001\\", \\"SecretAccessKey\\": \\"procsecretprocsecretprocsecret00000001\\"}"'
[profile self]
credential_process = $TFAUTH_BIN/tfauth-env --format process self
[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Dev
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
CFG
cat >"$HOME/.aws/credentials" <<'CRED'
[static]
aws_access_key_id = AKIASTATICSTATIC0001
aws_secret_access_key = staticsecretstaticsecretstaticsecret0001
CRED
secret=staticsecretstaticsecretstaticsecret0001

run tfauth-env static --format process
check "process format: exit 0" test "$rc" = 0
check "process format: the credential_process JSON" test "$out" = '{
  "Version": 1,
  "AccessKeyId": "AKIASTATICSTATIC0001",
  "SecretAccessKey": "staticsecretstaticsecretstaticsecret0001"
}'
run tfauth-env static --format json
check "json format names the profile and source" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["Profile"]=="static" and d["Source"]=="static" and d["AccessKeyId"].endswith("0001")' "$out"
run tfauth-env static --format dotenv
check "dotenv format" test "$out" = "AWS_ACCESS_KEY_ID=AKIASTATICSTATIC0001
AWS_SECRET_ACCESS_KEY=$secret"
run tfauth-env static --credentials --shell bash
got=$(printf '%s\n' "$out" | bash -c 'eval "$(cat)"; printf "%s|%s|%s" "$AWS_PROFILE" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"')
check "--credentials: eval sets the profile and the keys" test "$got" = "static|AKIASTATICSTATIC0001|$secret"
check "--credentials: unsets a stale session token" contains "$out" "unset AWS_SESSION_TOKEN"
AWS_ACCESS_KEY_ID=AKIAENVENVENVENV0001 AWS_SECRET_ACCESS_KEY=envsecretenvsecretenvsecretenvsecret01 run tfauth-env --format process
check "no profile chosen: the environment's keys" contains "$out" '"AccessKeyId": "AKIAENVENVENVENV0001"'
AWS_PROFILE=static AWS_ACCESS_KEY_ID=AKIAENVENVENVENV0001 AWS_SECRET_ACCESS_KEY=x run tfauth-env --format process
check "a chosen profile beats keys in the environment" contains "$out" '"AccessKeyId": "AKIASTATICSTATIC0001"'

run tfauth-env proc --format process
check "credential_process: runs it" contains "$out" '"AccessKeyId": "AKIAPROCPROCPROC0001"'
run tfauth-env self --format process
check "a profile whose credential_process calls tfauth for itself: exit 1" test "$rc" = 1
check "... nothing on stdout" test -z "$out"
check "... says so" contains "$err" "resolves through itself"

# A role whose session is cached: no network at all (STS points nowhere).
key=$("$tool" key arn:aws:iam::123456789012:role/Admin)
mkdir -p "$HOME/.aws/cli/cache"
AWS_ACCESS_KEY_ID=ASIACACHEDCACHED0001 AWS_SECRET_ACCESS_KEY=cachedsecretcachedsecretcachedsecret01 \
AWS_SESSION_TOKEN=cachedtoken AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00Z \
	"$tool" store "$HOME/.aws/cli/cache/$key.json" >/dev/null
AWS_ENDPOINT_URL_STS=$closed run tfauth-env role --format process
check "cached role: served from the AWS CLI's cache" contains "$out" '"AccessKeyId": "ASIACACHEDCACHED0001"'
check "cached role: with its expiry" contains "$out" '"Expiration": "2099-01-01T00:00:00Z"'
AWS_ENDPOINT_URL_STS=$closed run tfauth-refresh role --check
check "refresh --check: fresh cache: exit 0" test "$rc" = 0
check "refresh --check: says until when" contains "$err" "is fresh: valid until 2099-01-01T00:00:00Z"
AWS_ENDPOINT_URL_STS=$closed TFAUTH_REFRESH_WINDOW=abc run tfauth-refresh role --check
check "a bad TFAUTH_REFRESH_WINDOW is an error naming it" contains "$err" "TFAUTH_REFRESH_WINDOW"

AWS_ACCESS_KEY_ID=ASIASTALESTALESTAL01 AWS_SECRET_ACCESS_KEY=stalesecretstalesecretstalesecret0001 \
AWS_SESSION_TOKEN=staletoken AWS_CREDENTIAL_EXPIRATION=2001-01-01T00:00:00Z \
	"$tool" store "$HOME/.aws/cli/cache/$key.json" >/dev/null
AWS_ENDPOINT_URL_STS=$closed run tfauth-refresh role --check
check "refresh --check: an expired entry: exit 3" test "$rc" = 3
AWS_ENDPOINT_URL_STS=$closed TFAUTH_HTTP_TIMEOUT=2 run tfauth-env role --format process
check "expired entry, STS unreachable: tfauth-refresh takes over and fails: exit 1" test "$rc" = 1
check "... nothing on stdout" test -z "$out"
check "... the reason" contains "$err" "cannot connect"

chmod 666 "$HOME/.aws/cli/cache/$key.json"
AWS_ENDPOINT_URL_STS=$closed run tfauth-env role --format process
check "a world-writable cache file is refused: exit 1" test "$rc" = 1
check "... naming it" contains "$err" "$key.json"
rm -f "$HOME/.aws/cli/cache/$key.json"
ln -s /etc/passwd "$HOME/.aws/cli/cache/$key.json"
AWS_ENDPOINT_URL_STS=$closed run tfauth-env role --format process
check "a symlinked cache file is refused: exit 1" test "$rc" = 1 -a -z "$out"
rm -f "$HOME/.aws/cli/cache/$key.json"

run tfauth-refresh static
check "refresh of static keys: exit 1" test "$rc" = 1
check "... points at the doctor and set-keys" contains "$err" "'tfauth-doctor static' says whether they work; 'tfauth-profile set-keys static' replaces them"
run tfauth-refresh static --check
check "refresh --check of static keys: exit 0" test "$rc" = 0
AWS_ENDPOINT_URL_STS=$closed run tfauth-refresh mfa --non-interactive
check "MFA needed, --non-interactive: exit 3" test "$rc" = 3
check "... says how to give the code" contains "$err" "--mfa-code CODE"
run tfauth-refresh mfa --mfa-code 12ab56
check "a malformed --mfa-code is a usage error" test "$rc" = 2
AWS_ENDPOINT_URL_STS=$closed TFAUTH_MFA_CODE=123 run tfauth-refresh mfa
check "a malformed TFAUTH_MFA_CODE fails" test "$rc" != 0 -a -n "$err"
AWS_ENDPOINT_URL_SSO_OIDC=$closed AWS_ENDPOINT_URL_SSO=$closed run tfauth-refresh sso --non-interactive
check "SSO with no token, --non-interactive: exit 3" test "$rc" = 3
check "... says how to log in" contains "$err" "tfauth-refresh sso"
AWS_ENDPOINT_URL_SSO_OIDC=$closed AWS_ENDPOINT_URL_SSO=$closed run tfauth-env sso --format process
check "SSO with no token and the service unreachable: exit 1, nothing on stdout" test "$rc/$out" = "1/"
check "... names the OIDC call that failed" contains "$err" "SSO OIDC RegisterClient: cannot connect"
run tfauth-refresh nosuch
check "an unknown profile: exit 1 with did-you-mean" test "$rc" = 1
run tfauth-refresh --check --force
check "--check with --force: usage" test "$rc" = 2
run tfauth-env static --format yaml
check "an unknown format: usage" test "$rc" = 2
run tfauth-env static --format json --credentials
check "--format with --credentials: usage" test "$rc" = 2
check "no secret in any message" not_contains "$err" "$secret"

t_done
