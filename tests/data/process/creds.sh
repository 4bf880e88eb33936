#!/bin/sh
# A credential_process helper written the way people write them: what it
# does goes to stderr, the credentials JSON to stdout.  test_process copies
# it to a temporary folder and makes it executable there.
#
#   creds.sh static    long-term keys
#   creds.sh session   keys, session token, expiration and account id
#   creds.sh fail      says why on stderr and exits 3
mode=${1:-static}
echo "creds.sh: fetching $mode credentials" >&2
case $mode in
static)
	cat <<'JSON'
{
  "Version": 1,
  "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
  "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
}
JSON
	;;
session)
	cat <<'JSON'
{
  "Version": 1,
  "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
  "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
  "SessionToken": "FwoGZXIvYXdzEXAMPLE+TOKEN/==",
  "Expiration": "2030-01-02T03:04:05Z",
  "AccountId": "123456789012"
}
JSON
	;;
*)
	echo "creds.sh: no credentials for '$mode'" >&2
	exit 3
	;;
esac
