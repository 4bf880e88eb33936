/*
 * test_explain — the error-text classifier: each fixture of
 * tests/data/explain (captured-shape Terraform and AWS CLI output) gives
 * the expected findings and facts; then texts for the kinds no fixture
 * shows, and hostile input: empty, frames only, NULs, invalid UTF-8, 5 MB
 * of noise, dense near-misses, secrets.
 */
#include "buf.h"
#include "err.h"
#include "explain.h"
#include "tap.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXF TFA_EXPLAIN_MAX_FINDINGS

static struct tfa_finding f[MAXF];
static size_t nf;
static struct tfa_buf idb = TFA_BUF_INIT;
#define idbuf (idb.ptr)

/* The ids found, comma-separated, in order. */
static const char *
ids(void)
{
	size_t i, n = nf < MAXF ? nf : MAXF;

	tfa_buf_reset(&idb);
	for (i = 0; i < n; i++)
		tfa_buf_addf(&idb, "%s%s", i ? "," : "", f[i].id);
	return idb.ptr;
}

static const char *
explain_n(const char *text, size_t len)
{
	memset(f, 0, sizeof(f));
	nf = tfa_explain(f, MAXF, text, len);
	return ids();
}

static const char *
explain(const char *text)
{
	return explain_n(text, strlen(text));
}

/* The finding with this id, or NULL. */
static const struct tfa_finding *
get(const char *id)
{
	size_t i;

	for (i = 0; i < nf && i < MAXF; i++)
		if (strcmp(f[i].id, id) == 0)
			return &f[i];
	return NULL;
}

/* A field of the finding id, "(no finding)" when there is none. */
#define FIELD(id, member) (get(id) ? get(id)->member : "(no finding)")
#define STATUS(id) (get(id) ? get(id)->http_status : -1)

static char *
slurp(const char *name, size_t *len)
{
	const char *top = getenv("TFAUTH_TOP");
	struct tfa_buf b = TFA_BUF_INIT, path = TFA_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *fp;

	/* tests/run.sh sets TFAUTH_TOP; by hand, run from the top directory. */
	tfa_buf_addf(&path, "%s%stests/data/explain/%s", top && *top ? top : "",
		     top && *top ? "/" : "", name);
	fp = fopen(path.ptr, "rb");
	if (!fp) {
		printf("# cannot open %s\n", path.ptr);
		tfa_buf_dispose(&path);
		*len = 0;
		return tfa_buf_detach(&b);
	}
	tfa_buf_dispose(&path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		tfa_buf_add(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return tfa_buf_detach(&b);
}

static const char *
explain_file(const char *name)
{
	size_t len;
	char *text = slurp(name, &len);

	explain_n(text, len);
	free(text);
	return idbuf;
}

static int
contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* ------------------------------------------------------------- fixtures */

static void
test_fixtures(void)
{
	is_str(explain_file("v5-invalid-client-token-id.txt"),
	       "invalid-client-token-id", "v5 boxed, 'api error' / 'InvalidClientTokenId' across a wrap");
	is_str(FIELD("invalid-client-token-id", code), "InvalidClientTokenId", "v5: code");
	is_int(STATUS("invalid-client-token-id"), 403, "v5: HTTP status");
	is_str(FIELD("invalid-client-token-id", request_id),
	       "f0babba4-d772-436b-9391-6e617d4efc0a", "v5: request id");
	is_str(FIELD("invalid-client-token-id", operation), "GetCallerIdentity",
	       "v5: operation");
	ok(contains(FIELD("invalid-client-token-id", fix), "tfauth-env PROFILE") &&
	   contains(FIELD("invalid-client-token-id", fix), "tfauth-profile set-keys PROFILE"),
	   "v5: the fix names tfauth-env and set-keys");

	is_str(explain_file("v4-expired-token.txt"), "expired-token",
	       "v4 with ANSI colours: expired token");
	is_str(FIELD("expired-token", code), "ExpiredToken", "v4: code");
	is_int(STATUS("expired-token"), 403, "v4: status");
	is_str(FIELD("expired-token", request_id), "0b1c7ab4-5d3f-4a8e-9e3c-2f3b1d9c6a71",
	       "v4: request id");
	is_str(FIELD("expired-token", operation), "GetCallerIdentity", "v4: operation");
	ok(contains(FIELD("expired-token", fix), "tfauth-refresh PROFILE"),
	   "v4: the fix is tfauth-refresh");

	is_str(explain_file("v3-invalid-client-token-id.txt"), "invalid-client-token-id",
	       "v2/v3 (aws-sdk-go v1) unframed form");
	is_int(STATUS("invalid-client-token-id"), 403, "v3: 'status code: 403' after the message");
	is_str(FIELD("invalid-client-token-id", request_id),
	       "4f1b2a4e-7c0d-4e59-9d53-2f8a9c3e5b61", "v3: 'request id:' after the message");
	is_str(FIELD("invalid-client-token-id", operation), "GetCallerIdentity",
	       "v3: operation from 'error calling sts:GetCallerIdentity'");

	is_str(explain_file("cli-signature-mismatch.txt"), "signature-mismatch",
	       "AWS CLI SignatureDoesNotMatch");
	is_str(FIELD("signature-mismatch", code), "SignatureDoesNotMatch", "CLI: code");
	is_str(FIELD("signature-mismatch", operation), "GetCallerIdentity",
	       "CLI: operation from 'when calling the ... operation'");
	is_int(STATUS("signature-mismatch"), 0, "CLI: no status printed, none made up");

	is_str(explain_file("cli-assume-role-denied.txt"), "assume-role-denied",
	       "AWS CLI AccessDenied on AssumeRole");
	is_str(FIELD("assume-role-denied", code), "AccessDenied", "CLI assume: code");
	is_str(FIELD("assume-role-denied", operation), "AssumeRole", "CLI assume: operation");
	is_str(FIELD("assume-role-denied", caller_arn), "arn:aws:iam::123456789012:user/aws-user",
	       "CLI assume: caller ARN");
	is_str(FIELD("assume-role-denied", role_arn),
	       "arn:aws:iam::210987654321:role/cross-account-assume-role", "CLI assume: role ARN");

	is_str(explain_file("tf-role-cannot-be-assumed.txt"), "assume-role-denied",
	       "'IAM Role (...) cannot be assumed' around AccessDenied: one finding");
	is_str(FIELD("assume-role-denied", role_arn),
	       "arn:aws:iam::210987654321:role/terraform-deployer", "TF assume: role ARN");
	is_str(FIELD("assume-role-denied", caller_arn),
	       "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_abcdef0123456789/alice@example.com",
	       "TF assume: assumed-role caller ARN longer than the width");
	is_int(STATUS("assume-role-denied"), 403, "TF assume: status");
	is_str(FIELD("assume-role-denied", request_id), "8d3a0f6c-2f1e-4f5b-9a57-0c9e2b7d41aa",
	       "TF assume: request id");
	is_str(FIELD("assume-role-denied", operation), "AssumeRole", "TF assume: operation");

	is_str(explain_file("v5-no-credential-sources-imds.txt"),
	       "imds-fallthrough,no-credential-sources",
	       "v5 no credential sources: the IMDS sub-cause first, no network finding");
	is_str(FIELD("imds-fallthrough", operation), "GetMetadata", "IMDS: operation");
	is_str(FIELD("no-credential-sources", detail), "Terraform AWS Provider",
	       "v5: which component");

	is_str(explain_file("v4-sso-expired-hardwrap.txt"),
	       "sso-session-expired,no-credential-sources", "v4 SSO expired, sub-cause first");
	is_str(FIELD("sso-session-expired", detail),
	       "SSO token cache file 16ff4db39347b47fc9cda3379ea14fce4c2e2c17.json is missing",
	       "v4 SSO: cache file name rejoined across a hard wrap inside it");
	ok(contains(FIELD("sso-session-expired", fix), "tfauth-refresh PROFILE") &&
	   contains(FIELD("sso-session-expired", fix), "aws sso login"),
	   "v4 SSO: the fix is tfauth-refresh or aws sso login");

	is_str(explain_file("profile-not-found.txt"), "profile-not-found",
	       "failed to get shared config profile");
	is_str(FIELD("profile-not-found", profile), "aws-terraform-example", "profile name");
	ok(contains(FIELD("profile-not-found", fix), "tfauth-profile list"),
	   "profile: the fix lists the profiles");

	is_str(explain_file("network-no-such-host.txt"), "network", "v5 'no such host' tail");
	is_str(FIELD("network", detail), "no such host (sts.us-west-2.amazonaws.com)",
	       "network: symptom and host");
	is_str(FIELD("network", operation), "GetCallerIdentity", "network: operation");
	is_int(STATUS("network"), 0, "network: StatusCode 0 stays 0");
	is_str(FIELD("network", request_id), "", "network: the empty RequestID stays empty");

	is_str(explain_file("request-expired.txt"), "clock-skew", "RequestExpired from EC2");
	is_str(FIELD("clock-skew", code), "RequestExpired", "RequestExpired: code");
	is_int(STATUS("clock-skew"), 400, "RequestExpired: status");
	is_str(FIELD("clock-skew", operation), "DescribeInstances", "RequestExpired: operation");
	ok(contains(FIELD("clock-skew", fix), "date -u"), "clock: the fix checks the date");

	is_str(explain_file("s3-backend-no-sources.txt"), "no-credentials,no-credential-sources",
	       "S3 backend (aws-sdk-go v1): NoCredentialProviders and no valid sources");
	is_str(FIELD("no-credential-sources", detail), "S3 backend", "S3 backend named");

	is_str(explain_file("cli-sso-expired.txt"), "sso-session-expired",
	       "AWS CLI: Token has expired and refresh failed");
	is_str(explain_file("cli-no-credentials.txt"), "no-credentials",
	       "AWS CLI: Unable to locate credentials");

	is_str(explain_file("terminal-copy-invalid-token.txt"), "invalid-client-token-id",
	       "copied from an 80-column terminal: code split mid-word, no frame on the rest");
	is_str(FIELD("invalid-client-token-id", code), "InvalidClientTokenId",
	       "terminal copy: code");
	is_str(FIELD("invalid-client-token-id", request_id),
	       "3e1f9a7c-5b2d-4c8e-9f0a-1b2c3d4e5f60", "terminal copy: request id");
	is_int(STATUS("invalid-client-token-id"), 403, "terminal copy: status");

	is_str(explain_file("plan-ok.txt"), "", "a successful plan: no finding");
	is_int(nf, 0, "a successful plan: count 0");
}

/* ------------------------------------------------------- the other kinds */

static void
test_kinds(void)
{
	is_str(explain("The config profile (dev-admin) could not be found"),
	       "profile-not-found", "botocore ProfileNotFound");
	is_str(FIELD("profile-not-found", profile), "dev-admin", "botocore: profile name");

	is_str(explain("The source_profile \"base\" referenced in the profile \"prod\" does not exist."),
	       "profile-not-found", "botocore missing source_profile");
	is_str(FIELD("profile-not-found", profile), "base", "source_profile: the missing name");
	is_str(FIELD("profile-not-found", detail), "source_profile of profile \"prod\"",
	       "source_profile: who refers to it");

	is_str(explain("Error: failed to refresh cached credentials, operation error SSO: "
		       "GetRoleCredentials, https response error StatusCode: 401, RequestID: "
		       "9c0e3c1a-1111-2222-3333-444455556666, UnauthorizedException: Session "
		       "token not found or invalid"),
	       "sso-session-expired", "go-v2 SSO UnauthorizedException");
	is_str(FIELD("sso-session-expired", code), "UnauthorizedException", "SSO 401: code");
	is_int(STATUS("sso-session-expired"), 401, "SSO 401: status");
	is_str(FIELD("sso-session-expired", operation), "GetRoleCredentials", "SSO 401: operation");

	is_str(explain("UnauthorizedException: the caller is not allowed (AppSync)"), "",
	       "UnauthorizedException without SSO nearby: nothing");
	is_str(explain("Error loading SSO Token: Token for my-sso does not exist"),
	       "sso-session-expired", "botocore SSOTokenLoadError");
	is_str(FIELD("sso-session-expired", detail), "no SSO token for my-sso",
	       "SSOTokenLoadError: the session name");
	is_str(explain("The SSO session associated with this profile has expired or is otherwise "
		       "invalid. To refresh this SSO session run aws sso login with the "
		       "corresponding profile."),
	       "sso-session-expired", "botocore UnauthorizedSSOTokenError text");
	is_str(explain("The pending authorization to retrieve an SSO token has expired. The "
		       "device authorization flow to retrieve an SSO token must be restarted."),
	       "sso-login-timed-out", "PendingAuthorizationExpiredError");
	is_str(explain("An error occurred (ExpiredTokenException) when calling the CreateToken "
		       "operation: Token is expired"),
	       "sso-session-expired", "ExpiredTokenException from CreateToken is SSO, not STS");

	is_str(explain("Infinite loop in credential configuration detected. Attempting to load "
		       "from profile a which has already been visited. Visited profiles: a, b"),
	       "source-profile-loop", "botocore InfiniteLoopConfigError");
	is_str(FIELD("source-profile-loop", profile), "a", "loop: the profile visited twice");
	is_str(explain("tfauth-env: source_profile loop: 'a' -> 'b' -> 'a'"),
	       "source-profile-loop", "tfauth's own loop message");

	is_str(explain("credential_source values must be EcsContainer, Ec2InstanceMetadata, or "
		       "Environment"),
	       "invalid-credential-source", "go-v2 credential_source values");
	is_str(explain("The credential source \"ecscontainer\" referenced in profile \"prod\" is "
		       "not valid."),
	       "invalid-credential-source", "botocore invalid credential source");
	is_str(FIELD("invalid-credential-source", detail),
	       "credential_source \"ecscontainer\" is not valid", "credential source: the value");

	is_str(explain("operation error STS: AssumeRole, assume role with MFA enabled, but "
		       "AssumeRoleTokenProvider session option not set."),
	       "mfa-required", "go-v2 MFA without a token provider");
	is_str(FIELD("mfa-required", operation), "AssumeRole", "MFA: operation");

	is_str(explain("Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"),
	       "partial-credentials", "botocore PartialCredentialsError");
	is_str(FIELD("partial-credentials", detail), "found in env, missing AWS_SECRET_ACCESS_KEY",
	       "partial: where and what");

	is_str(explain("Error: configuring Terraform AWS Provider: validating provider "
		       "credentials: retrieving caller identity from STS: operation error STS: "
		       "GetCallerIdentity, decomposing request: net/http: invalid header field "
		       "value for \"Authorization\""),
	       "invalid-header-value", "CR/LF in a credential");
	is_str(FIELD("invalid-header-value", operation), "GetCallerIdentity", "header: operation");

	is_str(explain("api error RegionDisabledException: STS is not activated in this region "
		       "for account:123456789012."),
	       "region-disabled", "RegionDisabledException");
	is_str(explain("An error occurred (OptInRequired) when calling the DescribeInstances "
		       "operation: You are not subscribed to this service."),
	       "region-disabled", "OptInRequired");
	is_str(explain("An error occurred (MissingAuthenticationToken) when calling the "
		       "GetCallerIdentity operation: Request is missing Authentication Token"),
	       "missing-auth-token", "MissingAuthenticationToken");

	is_str(explain("operation error STS: GetCallerIdentity, https response error StatusCode: "
		       "403, RequestID: 11111111-2222-3333-4444-555555555555, api error "
		       "SignatureDoesNotMatch: Signature expired: 20240315T101010Z is now earlier "
		       "than 20240315T102512Z (20240315T103012Z - 5 min.)"),
	       "clock-skew", "SignatureDoesNotMatch 'Signature expired' is the clock, only");
	is_str(FIELD("clock-skew", detail),
	       "Signature expired: 20240315T101010Z is now earlier than 20240315T102512Z "
	       "(20240315T103012Z - 5 min.)", "clock: the times");
	is_str(FIELD("clock-skew", code), "", "clock: no code made up");
	is_str(explain("An error occurred (RequestTimeTooSkewed) when calling the ListBuckets "
		       "operation: The difference between the request time and the current time "
		       "is too large."),
	       "clock-skew", "S3 RequestTimeTooSkewed");
	is_str(explain("Signature not yet current: 20300101T000000Z is still later than "
		       "20240101T000500Z (20240101T000000Z + 5 min.)"),
	       "clock-skew", "Signature not yet current");

	is_str(explain("An error occurred (ExpiredTokenException) when calling the "
		       "GetCallerIdentity operation: The security token included in the request "
		       "is expired"),
	       "expired-token", "botocore ExpiredTokenException");
	is_str(FIELD("expired-token", code), "ExpiredTokenException", "the modelled code as printed");

	is_str(explain("Error: NoCredentialProviders: no valid providers in chain\ncaused by: "
		       "EnvAccessKeyNotFound: failed to find credentials in the environment.\n"
		       "SharedCredsLoad: failed to load profile, .\nEC2RoleRequestError: no EC2 "
		       "instance role found\ncaused by: RequestError: send request failed\ncaused "
		       "by: Get http://169.254.169.254/latest/meta-data/iam/security-credentials/: "
		       "dial tcp 169.254.169.254:80: i/o timeout"),
	       "imds-fallthrough,no-credentials", "aws-sdk-go v1 chain ending at IMDS: no network");

	is_str(explain("Error: failed to refresh cached credentials, no EC2 IMDS role found, "
		       "operation error ec2imds: GetMetadata, exceeded maximum number of "
		       "attempts, 3, request send failed, Get "
		       "\"http://169.254.169.254/latest/meta-data/iam/security-credentials/\": "
		       "dial tcp 169.254.169.254:80: connect: connection refused\n\n"
		       "Error: retrieving caller identity from STS: operation error STS: "
		       "GetCallerIdentity, https response error StatusCode: 0, RequestID: , "
		       "request send failed, Post \"https://sts.us-east-1.amazonaws.com/\": dial "
		       "tcp: lookup sts.us-east-1.amazonaws.com: no such host"),
	       "imds-fallthrough,network", "IMDS and a real network error in one text");
	is_str(FIELD("network", detail), "no such host (sts.us-east-1.amazonaws.com)",
	       "the network finding is the STS one");

	is_str(explain("request send failed, Post \"https://sts.us-east-1.amazonaws.com/\": tls: "
		       "failed to verify certificate: x509: certificate signed by unknown "
		       "authority"),
	       "tls-certificate", "x509 behind 'request send failed': TLS only");
	is_str(FIELD("tls-certificate", detail),
	       "certificate signed by unknown authority (sts.us-east-1.amazonaws.com)",
	       "TLS: symptom and host");
	is_str(explain("Could not connect to the endpoint URL: "
		       "\"https://sts.eu-west-9.amazonaws.com/\""),
	       "network", "botocore EndpointConnectionError");
	is_str(FIELD("network", detail),
	       "Could not connect to the endpoint URL (sts.eu-west-9.amazonaws.com)",
	       "botocore network: host");

	is_str(explain("Error: error configuring Terraform AWS Provider: IAM Role "
		       "(arn:aws:iam::111111111111:role/x) cannot be assumed.\n\nThere are a "
		       "number of possible causes of this - the most common are:\n  * The "
		       "credentials used in order to assume the role are invalid\n\nError: "
		       "operation error STS: AssumeRole, https response error StatusCode: 403, "
		       "RequestID: 22222222-3333-4444-5555-666666666666, api error "
		       "InvalidClientTokenId: The security token included in the request is "
		       "invalid."),
	       "invalid-client-token-id,assume-role-failed",
	       "role cannot be assumed because the source key is invalid: both");
	is_str(FIELD("assume-role-failed", role_arn), "arn:aws:iam::111111111111:role/x",
	       "assume-role-failed: role ARN");
	is_str(FIELD("invalid-client-token-id", operation), "AssumeRole",
	       "the invalid key was seen on AssumeRole");

	is_str(explain("api error ValidationError: The requested DurationSeconds exceeds the 1 "
		       "hour session limit for roles assumed by role chaining."),
	       "assume-role-duration", "DurationSeconds over the chained limit");
	is_str(FIELD("assume-role-duration", code), "ValidationError", "duration: code nearby");
	is_str(explain("Error when retrieving credentials from custom-process: Unsupported "
		       "version '2' for credential process provider, supported versions: 1"),
	       "credential-process-failed", "credential_process failure");
	is_str(explain("Error: invalid AWS Region: us-east1"), "bad-region", "invalid region");
	is_str(FIELD("bad-region", detail), "invalid region \"us-east1\"", "the bad region");
	is_str(explain("You must specify a region. You can also configure your region by running "
		       "\"aws configure\"."),
	       "bad-region", "botocore NoRegionError");
	is_str(explain("Error: profile \"dev\" is configured to use SSO but is missing required "
		       "configuration: sso_region, sso_start_url"),
	       "sso-config-invalid", "SSO configuration incomplete");
	is_str(explain("Error: No valid credential sources found\n\nPlease see "
		       "https://developer.hashicorp.com/terraform/language/settings/backends/s3\n"
		       "for more information about providing credentials.\n\nError: failed to "
		       "get shared config profile, ci"),
	       "profile-not-found,no-credential-sources", "S3 backend (1.6+) with missing profile");
	is_str(FIELD("no-credential-sources", detail), "S3 backend", "1.6+ S3 backend named");
	is_str(FIELD("profile-not-found", profile), "ci", "1.6+ S3 backend: profile");
	is_str(explain("Error acquiring the state lock: 2 errors occurred:\n\t* "
		       "UnrecognizedClientException: The security token included in the "
		       "request is invalid.\n\tstatus code: 400, request id: "
		       "ABCDEFGHIJ0123456789KLMNOPQRSTUVWXYZ"),
	       "invalid-client-token-id", "DynamoDB lock table UnrecognizedClientException");
	is_str(FIELD("invalid-client-token-id", code), "UnrecognizedClientException",
	       "DynamoDB: its own code");
	is_int(STATUS("invalid-client-token-id"), 400, "DynamoDB: status 400");

	/* Wording drifts: codes still match. */
	is_str(explain("api error InvalidClientTokenId: some future wording"),
	       "invalid-client-token-id", "the code alone is enough");
	is_str(explain("the security token included in the request is invalid"),
	       "invalid-client-token-id", "the phrase alone is enough, any case");
	is_str(FIELD("invalid-client-token-id", code), "", "phrase alone: no code made up");
	is_str(explain("│ Error: No valid credential\n│ sources found"), "no-credential-sources",
	       "a phrase across a framed wrap");

	/* A GitHub Actions log: a timestamp before every line. */
	is_str(explain("2024-03-15T10:10:10.1234567Z ╷\n"
		       "2024-03-15T10:10:10.1234567Z │ Error: No valid credential\n"
		       "2024-03-15T10:10:10.1234568Z │ sources found\n"
		       "[2024-03-15 10:10:11] failed to get shared config profile, ci\n"),
	       "profile-not-found,no-credential-sources", "CI timestamps are dropped");
	is_str(FIELD("profile-not-found", profile), "ci", "CI timestamps: profile");
	is_str(explain("\x1b[ api error \x1b[1mExpiredToken\x1b[0m: x"), "expired-token",
	       "a malformed escape does not swallow the line");

	/* Network trouble of another provider is not an AWS finding. */
	is_str(explain("Error: Get \"https://10.0.0.1:6443/api\": dial tcp 10.0.0.1:6443: i/o "
		       "timeout\n\n  with provider[\"registry.terraform.io/hashicorp/kubernetes\"]"),
	       "", "a kubernetes provider timeout: nothing");
	is_str(explain("Error: x509: certificate signed by unknown authority (vault.example.com)"),
	       "", "a TLS error away from any AWS call: nothing");

	/* An ARN with a long mixed-case name is a name, not a secret. */
	is_str(explain("An error occurred (AccessDenied) when calling the AssumeRole operation: "
		       "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
		       "sts:AssumeRole on resource: "
		       "arn:aws:iam::210987654321:role/TerraformDeployerRoleForProduction2024Account"),
	       "assume-role-denied", "a long role name");
	is_str(FIELD("assume-role-denied", role_arn),
	       "arn:aws:iam::210987654321:role/TerraformDeployerRoleForProduction2024Account",
	       "a long mixed-case role name survives the secret filter");
}

/* -------------------------------------------------------- order and API */

static void
test_api(void)
{
	struct tfa_finding one[1];
	const struct tfa_explain_kind *k, *k2;
	struct tfa_buf b = TFA_BUF_INIT, tiny;
	json_t *j;
	size_t i, i2, n;
	const char *text = "no valid credential sources for Terraform AWS Provider found. "
			   "Error: failed to refresh cached credentials, the SSO session has "
			   "expired or is invalid";
	int good = 1;

	n = tfa_explain(one, 1, text, strlen(text));
	is_int(n, 2, "the count is of every finding, more than max");
	is_str(one[0].id, "sso-session-expired", "max 1: the most specific one");
	is_int(tfa_explain(NULL, 0, text, strlen(text)), 2, "max 0 and NULL out: just count");
	is_int(tfa_explain(f, MAXF, NULL, 0), 0, "NULL text, length 0");

	for (i = 0; (k = tfa_explain_kind(i)) != NULL; i++) {
		if (!k->id[0] || !k->cause[0] || !k->fix[0] ||
		    k->cause[strlen(k->cause) - 1] == '.')
			good = 0;
		if (!contains(k->fix, "tfauth") && !contains(k->fix, "date"))
			good = 0;
		for (i2 = 0; i2 < i; i2++)
			if (strcmp(tfa_explain_kind(i2)->id, k->id) == 0)
				good = 0;
	}
	ok(good, "catalogue: %zu kinds, ids unique, cause and fix set, each fix a command", i);
	ok(i <= MAXF, "catalogue fits TFA_EXPLAIN_MAX_FINDINGS");
	k = NULL;
	k2 = NULL;
	for (i = 0; tfa_explain_kind(i); i++) {
		if (strcmp(tfa_explain_kind(i)->id, "imds-fallthrough") == 0)
			k = tfa_explain_kind(i);
		if (strcmp(tfa_explain_kind(i)->id, "no-credential-sources") == 0)
			k2 = tfa_explain_kind(i);
	}
	ok(k && k2 && k < k2, "catalogue order: the sub-cause before the wrapper");

	explain_file("tf-role-cannot-be-assumed.txt");
	ok(tfa_explain_json(&b, f, nf < MAXF ? nf : MAXF) == 0, "JSON written");
	j = json_loads(b.ptr, 0, NULL);
	ok(j && json_is_array(j) && json_array_size(j) == 1, "JSON: an array of one");
	is_str(json_string_value(json_object_get(json_array_get(j, 0), "id")),
	       "assume-role-denied", "JSON: id");
	is_int(json_integer_value(json_object_get(json_array_get(j, 0), "http_status")), 403,
	       "JSON: http_status is a number");
	is_str(json_string_value(json_object_get(json_array_get(j, 0), "caller_arn")),
	       "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_abcdef0123456789/alice@example.com",
	       "JSON: caller_arn");
	ok(json_object_get(json_array_get(j, 0), "profile") == NULL, "JSON: empty fields left out");
	json_decref(j);
	tfa_buf_dispose(&b);
	tfa_buf_init(&tiny, 16);
	tfa_buf_adds(&tiny, "keep");
	is_int(tfa_explain_json(&tiny, f, 1), TFA_ETOOBIG, "JSON: over the cap is TFA_ETOOBIG");
	is_str(tiny.ptr, "keep", "JSON: over the cap leaves the buffer as it was");
	tfa_buf_dispose(&tiny);
	tfa_buf_init(&tiny, 0);
	ok(tfa_explain_json(&tiny, f, 0) == 0 && strcmp(tiny.ptr, "[]") == 0, "JSON: no findings");
	tfa_buf_dispose(&tiny);
}

/* ------------------------------------------------------------- hostile */

/* Is s valid UTF-8 without control characters? */
static int
clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t need;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		need = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc2 ? 1 : 9;
		if (need == 9)
			return 0;
		for (p++; need; need--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

static int
all_clean(void)
{
	size_t i;

	for (i = 0; i < nf && i < MAXF; i++)
		if (!clean_utf8(f[i].code) || !clean_utf8(f[i].operation) ||
		    !clean_utf8(f[i].profile) || !clean_utf8(f[i].role_arn) ||
		    !clean_utf8(f[i].caller_arn) || !clean_utf8(f[i].detail) ||
		    !clean_utf8(f[i].request_id))
			return 0;
	return 1;
}

/* Does any output field hold any 8-byte piece of secret? */
static int
leaks(const char *secret)
{
	size_t i, j, n = strlen(secret);
	char piece[9];
	const char *fields[7];

	for (i = 0; i < nf && i < MAXF; i++) {
		fields[0] = f[i].code;
		fields[1] = f[i].operation;
		fields[2] = f[i].profile;
		fields[3] = f[i].role_arn;
		fields[4] = f[i].caller_arn;
		fields[5] = f[i].detail;
		fields[6] = f[i].request_id;
		for (j = 0; j + 8 <= n; j++) {
			memcpy(piece, secret + j, 8);
			piece[8] = '\0';
			if (strstr(fields[0], piece) || strstr(fields[1], piece) ||
			    strstr(fields[2], piece) || strstr(fields[3], piece) ||
			    strstr(fields[4], piece) || strstr(fields[5], piece) ||
			    strstr(fields[6], piece))
				return 1;
		}
	}
	return 0;
}

static double
seconds_since(clock_t t0)
{
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

static void
test_hostile(void)
{
	static const char nul[] = "garbage\0\0\0 more \0 api error Expired\0Token: the end\0 "
				  "api error InvalidClientTokenId: x";
	static const char bad[] = "\xff\xfe\xc3\x28 \xe2\x82 failed to get shared config "
				  "profile, pro\xff\xc0\xafname\xed\xa0\x80x\x01y \xf0\x9f\x98\x80";
	static const char secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	static const char token[] =
		"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6m2Ex"
		"AmPLEtokenFQoGZXIvYXdzEBYaDHhBC1k7Qm8oZ3NjUSKvAXmBq9ReallyLong"
		"SessionToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN";
	struct tfa_buf b = TFA_BUF_INIT;
	char *big;
	size_t n, i;
	clock_t t0;
	double secs;

	is_str(explain(""), "", "empty input");
	is_int(tfa_explain(f, MAXF, "", 0), 0, "empty input: count 0");
	is_str(explain("╷\n│\n│ \n│   \n╵\n\xe2\x94\x80\xe2\x94\x80\n"), "", "frames only");
	is_str(explain("\n\n\n   \t\r\n"), "", "blank lines only");
	is_str(explain("\xe2\x94"), "", "a cut UTF-8 box character at the end");
	is_str(explain("\x1b[31"), "", "a cut ANSI escape at the end");

	explain_n(nul, sizeof(nul) - 1);
	ok(get("invalid-client-token-id") != NULL, "NULs inside len: text after them is read");
	ok(get("expired-token") != NULL, "a NUL inside a code is a blank");

	explain_n(bad, sizeof(bad) - 1);
	ok(get("profile-not-found") != NULL, "invalid UTF-8 around: still found");
	ok(all_clean(), "invalid UTF-8: every field valid UTF-8 without control bytes ('%s')",
	   FIELD("profile-not-found", profile));
	ok(contains(FIELD("profile-not-found", profile), "pro?"), "invalid bytes shown as '?'");

	/* Secrets: named values, bare keys and tokens, one hard-wrapped in a frame. */
	tfa_buf_addf(&b, "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
		     "export AWS_SECRET_ACCESS_KEY=%s\nexport AWS_SESSION_TOKEN=%s\n"
		     "Error: failed to get shared config profile, %s\n"
		     "An error occurred (AccessDenied) when calling the AssumeRole operation: "
		     "User: %s is not authorized to perform: sts:AssumeRole on resource: %s\n"
		     "The config profile (secret_key=hunter2hunter2) could not be found\n"
		     "Partial credentials found in env, missing: %s\n",
		     secret, token, secret, token, secret, token);
	tfa_buf_addf(&b, "{\"SecretAccessKey\": \"shortsecretvalue\", \"SessionToken\": \"tok/en+short\"}\n");
	tfa_buf_addf(&b, "Signature expired: %s (x)\noperation error STS: GetCallerIdentity, "
		     "request send failed, Get \"https://%s/\": dial tcp: lookup %s: no such "
		     "host\n", secret, token, secret);
	explain_n(b.ptr, b.len);
	is_str(idbuf, "profile-not-found,partial-credentials,clock-skew,assume-role-denied,network",
	       "secrets: the errors around them are still found");
	ok(!leaks(secret), "secrets: no piece of the secret key in any field");
	ok(!leaks(token), "secrets: no piece of the session token in any field");
	ok(!leaks("hunter2hunter2"), "secrets: a short value after secret_key= is not echoed");
	ok(!leaks("shortsecretvalue") && !leaks("tok/en+short"),
	   "secrets: short JSON SecretAccessKey / SessionToken values are not echoed");
	ok(all_clean(), "secrets: fields are clean");
	tfa_buf_reset(&b);
	/* The key hard-wrapped 20 + 20 at the end of the widest framed line. */
	tfa_buf_addf(&b, "│ failed to get shared config profile, %.20s\n│ %s\n│\n",
		     secret, secret + 20);
	explain_n(b.ptr, b.len);
	ok(get("profile-not-found") != NULL, "a hard-wrapped secret: the error is found");
	ok(!leaks(secret), "a hard-wrapped secret: neither half is echoed");
	tfa_buf_dispose(&b);

	/* 5 MB of noise, the error at the very end. */
	n = (size_t)5 << 20;
	big = malloc(n + 200);
	srand(7);
	for (i = 0; i < n; i++) {
		int r = rand() % 64;
		big[i] = r < 52 ? (char)('a' + r % 26) : r < 60 ? ' ' : r < 62 ? '\n' : (char)(rand() & 0xff);
	}
	memcpy(big + n, " api error InvalidClientTokenId: x", 34);
	t0 = clock();
	explain_n(big, n + 34);
	secs = seconds_since(t0);
	ok(get("invalid-client-token-id") != NULL, "5 MB of noise: the code at the very end");
	ok(secs < 10, "5 MB of noise: %.2f s", secs);

	/* Dense near-misses: every occurrence fails its condition. */
	for (i = 0; i + 40 <= n; i += 40)
		memcpy(big + i, "AccessDenied 169.254.169.254 i/o timeout", 40);
	for (; i < n; i++)
		big[i] = ' ';
	t0 = clock();
	explain_n(big, n);
	secs = seconds_since(t0);
	is_str(idbuf, "imds-fallthrough",
	       "dense near-misses: 131072 AccessDenied without AssumeRole, as many "
	       "i/o timeouts each claimed by IMDS");
	ok(secs < 10, "dense near-misses, 5 MB: %.2f s", secs);

	for (i = 0; i + 6 <= n; i += 6)
		memcpy(big + i, "User: ", 6);
	memcpy(big + n - 60, " is not authorized to perform: sts:AssumeRole on resource: x", 60);
	t0 = clock();
	explain_n(big, n);
	secs = seconds_since(t0);
	is_str(idbuf, "assume-role-denied", "5 MB of 'User: ' then the denial");
	ok(secs < 10, "5 MB of 'User: ': %.2f s", secs);

	memset(big, '\n', n);
	memcpy(big + n - 30, "Unable to locate credentials\n", 29);
	explain_n(big, n);
	is_str(idbuf, "no-credentials", "5 MB of newlines then the error");
	memset(big, 'A', n);
	explain_n(big, n);
	is_str(idbuf, "", "5 MB in one line of one letter: nothing, no crash");
	for (i = 0; i + 3 <= n; i += 3)
		memcpy(big + i, "\xe2\x94\x82", 3);
	explain_n(big, n);
	is_str(idbuf, "", "5 MB of frame characters: nothing");
	free(big);

	/* Over the cap: only the last TFA_EXPLAIN_MAX_INPUT bytes count. */
	n = TFA_EXPLAIN_MAX_INPUT + 1000;
	big = malloc(n);
	memset(big, ' ', n);
	memcpy(big, "api error ExpiredToken", 22);
	memcpy(big + n - 40, "api error InvalidClientTokenId", 30);
	explain_n(big, n);
	is_str(idbuf, "invalid-client-token-id", "over the cap: the end is read, the start is not");
	free(big);
}

int
main(void)
{
	test_fixtures();
	test_kinds();
	test_api();
	test_hostile();
	tfa_buf_dispose(&idb);
	return tap_done();
}
