#!/bin/sh
# CLI tests of tfauth-doctor that need no network: --offline reports,
# --explain, usage errors.  tests/integration/doctor.py covers STS and IAM.
. "$TFAUTH_TOP/tests/lib.sh"

t_home
cat >"$HOME/.aws/config" <<'CFG'
[default]
region = us-east-1
[profile prod]
region = eu-west-1
[profile nokeys]
region = eu-west-1
[profile expired]
region = eu-west-1
[profile both]
region = eu-west-1
credential_process = /bin/echo | cat
aws_access_key_id = AKIACONFIGCONFIGCONF
aws_secret_access_key = configconfigconfigconfigconfigconfig1234
CFG
cat >"$HOME/.aws/credentials" <<'CRED'
[prod]
aws_access_key_id = AKIAIOSFODNN7EXAMWZFK
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1
[expired]
aws_access_key_id = ASIAEXPIREDEXPIRED01
aws_secret_access_key = expiredexpiredexpiredexpiredexpired12345
aws_session_token = FQoGZXIvYXdzEXAMPLETOKENEXAMPLETOKEN
x_security_token_expires = 2020-01-01T00:00:00Z
CRED
chmod 600 "$HOME/.aws/credentials" # as aws configure leaves it; 0644 is a warning
secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1

run tfauth-doctor prod --offline
check "offline, healthy profile: exit 0" test "$rc" = 0
check "offline: the profile line" contains "$out" "ok    profile           'prod' (static, selected by the command line) in ~/.aws/config:3"
check "offline: a sources table like aws configure list" contains "$out" "access_key     ****************WZFK  shared-credentials-file    ~/.aws/credentials:2"
check "offline: the region and where it came from" contains "$out" "ok    region            eu-west-1 (profile 'prod', ~/.aws/config:4)"
check "offline: identity skipped" contains "$out" "skip  identity          offline"
check "offline: ends with a verdict" contains "$out" "all checks passed."
check "offline: no secret" not_contains "$out$err" "$secret"

AWS_PROFILE=prod AWS_ACCESS_KEY_ID=AKIASTALESTALESTAL9999 AWS_SECRET_ACCESS_KEY=stale run tfauth-doctor --offline
check "stale key: exit 1" test "$rc" = 1
check "stale key: the environment check fails, masked" contains "$out" "FAIL  environment       AWS_ACCESS_KEY_ID (****9999) in the environment overrides profile 'prod'"
check "stale key: the fix" contains "$out" "fix: eval \"\$(tfauth-env prod)\""
check "stale key: never the whole key" not_contains "$out" "AKIASTALE"

AWS_PROFILE=prod AWS_DEFAULT_PROFILE=nokeys AWS_REGION=ap-south-1 run tfauth-doctor --offline
check "AWS_PROFILE and AWS_DEFAULT_PROFILE disagree: a warning" contains "$out" "WARN  environment       AWS_PROFILE='prod' and AWS_DEFAULT_PROFILE='nokeys' disagree"
check "cli-vs-terraform: names the profile difference" contains "$out" "profile: Terraform uses AWS_PROFILE='prod', the AWS CLI v1 AWS_DEFAULT_PROFILE='nokeys'"
check "cli-vs-terraform: names the region difference" contains "$out" "region: Terraform uses AWS_REGION='ap-south-1'"
check "the region from AWS_REGION wins" contains "$out" "ok    region            ap-south-1 (AWS_REGION)"

run tfauth-doctor both --offline
check "keys in the config file plus credential_process: a difference" contains "$out" "Terraform uses the keys, the AWS CLI runs the process"
check "... and shell syntax in credential_process" contains "$out" "credential_process uses shell syntax"

run tfauth-doctor nokeys --offline
check "a profile without credentials fails" test "$rc" = 1
check "... and says so" contains "$out" "profile 'nokeys' has no credentials of its own"

run tfauth-doctor expired --offline
check "expired session credentials fail" contains "$out" "FAIL  expiry            the session credentials expired at 2020-01-01T00:00:00Z"

run tfauth-doctor prdo --offline
check "unknown profile: exit 1" test "$rc" = 1
check "unknown profile: did you mean" contains "$out" "fix: did you mean 'prod'?"

run tfauth-doctor prod --offline --json
check "--json: valid, with checks and sources" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] is True and d["profile"]=="prod"; assert {c["id"] for c in d["checks"]} >= {"config","environment","profile","sources","region","identity","expiry","cli-vs-terraform"}; assert d["sources"][1]["value"].endswith("WZFK")' "$out"

cp "$HOME/.aws/config" "$t_tmp/config.good"
printf '[profile broken\n' >>"$HOME/.aws/config"
run tfauth-doctor prod --offline
check "a broken config: the config check fails with file:line" contains "$out" "FAIL  config            ~/.aws/config:14: missing ']'"
check "... exit 1" test "$rc" = 1
cp "$t_tmp/config.good" "$HOME/.aws/config"

# SSO: the cached sign-in, read offline.
cat >>"$HOME/.aws/config" <<'CFG'
[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Dev
region = eu-west-1
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
CFG
run tfauth-doctor sso --offline
check "sso, never signed in: the sso check fails" contains "$out" "FAIL  sso               no sign-in to sso-session 'corp' is cached"
check "... the fix is tfauth-refresh" contains "$out" "fix: tfauth-refresh sso"
ssotok() {   # expiresAt, refreshToken or ""
	mkdir -p "$HOME/.aws/sso/cache"
	python3 - "$HOME/.aws/sso/cache/$(printf corp | sha1sum | cut -c1-40).json" "$1" "$2" <<'PY'
import json, os, sys
d = {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
     "accessToken": "tok-not-a-real-one", "expiresAt": sys.argv[2],
     "clientId": "cid", "clientSecret": "csecret",
     "registrationExpiresAt": "2099-01-01T00:00:00Z"}
if sys.argv[3]:
    d["refreshToken"] = sys.argv[3]
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, json.dumps(d).encode()); os.close(fd)
PY
}
ssotok 2099-01-01T00:00:00Z ""
run tfauth-doctor sso --offline
check "sso, a valid token: ok, with the start URL and expiry" contains "$out" "ok    sso               signed in to https://corp.awsapps.com/start: the token is valid until 2099-01-01T00:00:00Z"
check "... not refreshable without a refresh token" contains "$out" "sso-session corp, region us-east-1, refreshable: no"
ssotok 2020-01-01T00:00:00Z refresh-not-a-real-one
run tfauth-doctor sso --offline
check "sso, expired but refreshable: a warning" contains "$out" "WARN  sso               the SSO token for https://corp.awsapps.com/start expired at 2020-01-01T00:00:00Z; its refresh token renews it"
ssotok 2020-01-01T00:00:00Z ""
run tfauth-doctor sso --offline
check "sso, expired for good: fails with Terraform's words" contains "$out" "cannot be refreshed: Terraform fails with \"the SSO session has expired or is invalid\""
check "... exit 1" test "$rc" = 1
check "no token in the doctor's output" not_contains "$out$err" "not-a-real-one"

# --explain
cat >"$t_tmp/tf.txt" <<'TXT'
╷
│ Error: configuring Terraform AWS Provider: validating provider credentials: retrieving caller identity from STS: operation error STS: GetCallerIdentity, https response error StatusCode: 403, RequestID: f0babba4-d772-436b-9391-6e617d4efc0a, api error
│ InvalidClientTokenId: The security token included in the request is invalid.
│
│   with provider["registry.terraform.io/hashicorp/aws"],
│   on main.tf line 14, in provider "aws":
│   14: provider "aws" {
│
╵
TXT
run tfauth-doctor --explain "$t_tmp/tf.txt"
check "--explain FILE: exit 0 when it knows the error" test "$rc" = 0
check "--explain: names the code across a wrapped line" contains "$out" "InvalidClientTokenId"
check "--explain: gives the HTTP status and operation" contains "$out" "in GetCallerIdentity (HTTP 403)"
check "--explain: gives a fix" contains "$out" "fix:"
check "--explain: gives the request id" contains "$out" "f0babba4-d772-436b-9391-6e617d4efc0a"
rc=0; out=$(printf '%s\n' "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired" | "$TFAUTH_BIN/tfauth-doctor" --explain - 2>/dev/null) || rc=$?
check "--explain -: reads stdin" test "$rc/$(printf '%s' "$out" | head -n 1 | cut -c1-12)" = "0/ExpiredToken"
run tfauth-doctor --explain "$t_tmp/tf.txt" --json
check "--explain --json is JSON" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d' "$out"
printf 'Plan: 3 to add, 0 to change, 0 to destroy.\n' >"$t_tmp/ok.txt"
run tfauth-doctor --explain "$t_tmp/ok.txt"
check "--explain on output with no known error: exit 1" test "$rc" = 1
check "... and says so" contains "$err" "no AWS credential error that tfauth knows was found"
run tfauth-doctor --explain "$t_tmp/missing.txt"
check "--explain of a missing file: exit 1 with a message" test "$rc" = 1 -a -n "$err"

run tfauth-doctor --explain
check "--explain without a file is a usage error" test "$rc" = 2
run tfauth-doctor prod --explain "$t_tmp/tf.txt"
check "--explain with a profile is a usage error" test "$rc" = 2
run tfauth-doctor a b
check "two profiles: usage error" test "$rc" = 2
run tfauth-doctor --frob
check "unknown option: usage error" test "$rc" = 2
run tfauth-doctor --help
check "--help" test "$rc" = 0
run tfauth doctor prod --offline
check "tfauth doctor runs tfauth-doctor" test "$rc" = 0

t_done
