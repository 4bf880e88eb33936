/*
 * explain — see explain.h.
 *
 * How it works.  normalise() reads the input line by line into t: ANSI
 * escapes dropped; box-drawing characters, control bytes and runs of blanks
 * turned into one space; lines trimmed and joined with '\n', or with '\v'
 * when the line before is as wide as the widest line of its kind (framed by
 * Terraform or not), which is what a hard wrap inside a word leaves behind.
 * redact() then overwrites secrets in t with '*'.  squeeze() derives ns (t
 * without ' ', '\n' and '\v'), lc (ns in ASCII lower case) and map (ns
 * index -> t index).  Patterns are matched in ns (error codes, case
 * matters) or lc (phrases) with memmem, so a phrase matches however it was
 * wrapped; values are read from t, where word boundaries survive, and are
 * rejoined across a '\v'.
 *
 * Each kind of finding is a rule: its patterns are tried in order and the
 * first that occurs, and passes its near / not-near conditions, anchors the
 * finding; the facts (status, request id, operation...) are looked for in a
 * bounded window around the anchor.  Conditions use cursors that only move
 * forward, so a text with a million candidate matches still costs one pass
 * per pattern.
 */
#include "explain.h"
#include "buf.h"
#include "err.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

/* Pattern flags. */
#define P_CASE 0x01     /* match case-sensitively: an error code */
#define P_CODE 0x02     /* an AWS error code: report it in code */
#define P_SHOW 0x04     /* report the pattern itself as the detail */
#define P_TAIL 0x08     /* report the text from the match up to ')' */
#define P_NOT_IMDS 0x10 /* skip occurrences that belong to an IMDS error */

/* Windows, in bytes of ns (text without blanks). */
#define NEAR_W 200      /* near / not-near conditions, either side */
#define IMDS_W 400      /* how far back an IMDS marker claims a network error */
#define FACT_BEFORE 400 /* facts looked for before the anchor */
#define FACT_AFTER 300  /* and after it */
#define MIN_FULL 40     /* a line narrower than this is never a hard wrap */
#define MAX_MARKERS 8

/* ------------------------------------------------------------ the rules */

struct pat {
	const char *s;                /* blanks in it are ignored */
	unsigned flags;
	const char *label;            /* the detail when this pattern anchors */
	const char *const *near;      /* one of these must be within NEAR_W */
	const char *const *not_near;  /* none of these may be within NEAR_W */
};

struct rule {
	struct tfa_explain_kind kind;
	const struct pat *pats;       /* ends with { NULL } */
	int facts;                    /* an API call failed: look for status, id, operation */
	const char *code;             /* the code to look for near a phrase match */
};

enum kind {
	K_HEADER,
	K_LOOP,
	K_CRED_SOURCE,
	K_PROFILE,
	K_SSO_CONFIG,
	K_MFA,
	K_SSO_TIMEOUT,
	K_SSO_EXPIRED,
	K_PARTIAL,
	K_PROCESS,
	K_CLOCK,
	K_SIGNATURE,
	K_EXPIRED,
	K_INVALID_TOKEN,
	K_DURATION,
	K_ASSUME_DENIED,
	K_ASSUME_FAILED,
	K_REGION_DISABLED,
	K_MISSING_AUTH,
	K_TLS,
	K_IMDS,
	K_NETWORK,
	K_BAD_REGION,
	K_NO_CREDS,
	K_NO_SOURCES,
	K_COUNT
};

static const char *const near_not_valid[] = { "is not valid", NULL };
static const char *const near_not_found[] = { "could not be found", NULL };
static const char *const near_not_exist[] = { "does not exist", NULL };
/* go-v2 "operation error SSO: GetRoleCredentials", botocore "GetRoleCredentials operation". */
static const char *const near_sso_api[] = { "sso:", "getrolecredentials",
					    "listaccounts", NULL };
static const char *const near_no_file[] = { "no such file", "cannot find the",
					    "does not exist", NULL };
static const char *const near_create_token[] = { "createtoken", NULL };
/* ExpiredTokenException from sso-oidc CreateToken is the SSO login, not STS. */
static const char *const not_sso_flow[] = { "createtoken",
					    "pending authorization", NULL };
/* STS answers a skewed clock with SignatureDoesNotMatch "Signature expired". */
static const char *const not_skew[] = { "signature expired",
					"signature not yet current", NULL };
static const char *const near_assume[] = { "assumerole", NULL };
/* "request send failed, Post ...: x509: ..." is the TLS finding alone. */
static const char *const not_tls[] = { "x509", "certificate", "ssl:",
				       "sslerror", NULL };

/* Network and TLS errors count only in an AWS call, not another provider's. */
static const char *const near_aws[] = { "amazonaws", "operation error",
					"endpoint url", "RequestError", NULL };

static const char *const imds_markers[] = {
	"169.254.169.254", "ec2imds", "fd00:ec2::254", "EC2RoleRequestError",
	"no EC2 instance role found", "ec2metadata", NULL
};
static const char *const other_markers[] = {
	"https://", "operation error", "lookup", NULL
};

static const struct pat pats_header[] = {
	/* go: net/http: invalid header field value for "Authorization" */
	{ "invalid header field value", 0,
	  "a credential holds a line break or control character", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_loop[] = {
	{ "InfiniteLoopConfigError", P_CASE, NULL, NULL, NULL },
	{ "infinite loop in credential configuration", 0, NULL, NULL, NULL },
	{ "chain contains a circular reference", 0, NULL, NULL, NULL },
	{ "source_profile loop", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_cred_source[] = {
	{ "credential_source values must be", 0,
	  "credential_source is not Environment, Ec2InstanceMetadata or EcsContainer",
	  NULL, NULL },
	{ "the credential source \"", 0, NULL, near_not_valid, NULL },
	{ "was specified as the credential_source", 0,
	  "EcsContainer needs AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", NULL, NULL },
	{ "no credentials found in credential_source", 0,
	  "the credential_source gave no credentials", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_profile[] = {
	{ "failed to get shared config profile", 0, NULL, NULL, NULL },
	{ "the config profile (", 0, NULL, near_not_found, NULL },
	{ "the source_profile \"", 0, NULL, near_not_exist, NULL },
	{ "SharedConfigProfileNotExistsError", P_CASE, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_sso_config[] = {
	{ "is configured to use SSO but is missing required configuration", 0,
	  NULL, NULL, NULL },
	{ "failed to find SSO session section", 0, NULL, NULL, NULL },
	{ "the specified sso-session does not exist", 0, NULL, NULL, NULL },
	{ "is inconsistent between profile", 0, NULL, NULL, NULL },
	{ "must match sso_region in sso-session", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_mfa[] = {
	{ "AssumeRoleTokenProvider session option not set", 0, NULL, NULL, NULL },
	{ "AssumeRoleTokenProviderNotSetError", 0, NULL, NULL, NULL },
	{ "MFA token required", 0, NULL, NULL, NULL },
	{ "MultiFactorAuthentication failed", 0,
	  "the MFA code was wrong or already used", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_sso_timeout[] = {
	{ "pending authorization to retrieve an SSO token has expired", 0, NULL,
	  NULL, NULL },
	{ "PendingAuthorizationExpiredError", P_CASE, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_sso_expired[] = {
	{ "the SSO session has expired or is invalid", 0, NULL, NULL, NULL },
	{ "SSO session associated with this profile has expired", 0, NULL, NULL,
	  NULL },
	{ "Token has expired and refresh failed", 0, NULL, NULL, NULL },
	{ "Error loading SSO Token", 0, NULL, NULL, NULL },
	{ "cached SSO token is expired", 0, NULL, NULL, NULL },
	{ "refresh cached SSO token failed", 0, NULL, NULL, NULL },
	{ "UnauthorizedSSOTokenError", P_CASE, NULL, NULL, NULL },
	{ "SSOTokenLoadError", P_CASE, NULL, NULL, NULL },
	{ "UnauthorizedException", P_CASE | P_CODE, NULL, near_sso_api, NULL },
	{ "Session token not found or invalid", 0, NULL, NULL, NULL },
	{ "sso/cache/", 0, "the SSO token cache file is missing", near_no_file,
	  NULL },
	{ "ExpiredTokenException", P_CASE | P_CODE,
	  "the SSO refresh token has expired", near_create_token, NULL },
	{ "InvalidGrantException", P_CASE | P_CODE,
	  "the SSO refresh token was refused", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_partial[] = {
	{ "Partial credentials found in", 0, NULL, NULL, NULL },
	{ "static credentials are empty", 0,
	  "an access key id or secret access key is empty", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_process[] = {
	{ "Error when retrieving credentials from custom-process", 0, NULL, NULL,
	  NULL },
	{ "process provider error", 0, NULL, NULL, NULL },
	{ "error in credential_process", 0, NULL, NULL, NULL },
	{ "credential process timed out", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_clock[] = {
	{ "RequestTimeTooSkewed", P_CASE | P_CODE, NULL, NULL, NULL },
	{ "RequestExpired", P_CASE | P_CODE, NULL, NULL, NULL },
	{ "Signature expired", P_TAIL, NULL, NULL, NULL },
	{ "Signature not yet current", P_TAIL, NULL, NULL, NULL },
	{ "request time and the current time is too large", 0,
	  "the request time is too far from the server's", NULL, NULL },
	{ "Request has expired", P_SHOW, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_signature[] = {
	{ "SignatureDoesNotMatch", P_CASE | P_CODE, NULL, NULL, not_skew },
	{ "request signature we calculated does not match", 0, NULL, NULL,
	  not_skew },
	{ "InvalidSignatureException", P_CASE | P_CODE, NULL, NULL, not_skew },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_expired[] = {
	{ "ExpiredTokenException", P_CASE | P_CODE, NULL, NULL, not_sso_flow },
	{ "ExpiredToken", P_CASE | P_CODE, NULL, NULL, not_sso_flow },
	{ "security token included in the request is expired", 0, NULL, NULL,
	  NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_invalid_token[] = {
	{ "InvalidClientTokenId", P_CASE | P_CODE, NULL, NULL, NULL },
	/* DynamoDB (the S3 backend's lock table) and S3 say it their way. */
	{ "UnrecognizedClientException", P_CASE | P_CODE, NULL, NULL, NULL },
	{ "InvalidAccessKeyId", P_CASE | P_CODE, NULL, NULL, NULL },
	{ "security token included in the request is invalid", 0, NULL, NULL,
	  NULL },
	{ "AWS Access Key Id you provided does not exist in our records", 0,
	  NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_duration[] = {
	{ "DurationSeconds exceeds", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_assume_denied[] = {
	{ "is not authorized to perform: sts:AssumeRole", 0, NULL, NULL, NULL },
	{ "is not authorized to perform: sts:TagSession", 0,
	  "session tags need sts:TagSession in the role's trust policy", NULL,
	  NULL },
	{ "AccessDenied", P_CASE | P_CODE, NULL, near_assume, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_assume_failed[] = {
	{ ") cannot be assumed", 0, NULL, NULL, NULL },
	{ "cannot assume IAM role", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_region_disabled[] = {
	{ "RegionDisabledException", P_CASE | P_CODE, NULL, NULL, NULL },
	{ "OptInRequired", P_CASE | P_CODE, NULL, NULL, NULL },
	{ "STS is not activated in this region", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_missing_auth[] = {
	{ "MissingAuthenticationToken", P_CASE | P_CODE, NULL, NULL, NULL },
	{ "Missing Authentication Token", 0, NULL, NULL, NULL },
	{ "must contain either a valid (registered) AWS access key ID", 0, NULL,
	  NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_tls[] = {
	{ "certificate signed by unknown authority", P_SHOW, NULL, near_aws, NULL },
	{ "x509: certificate has expired", P_SHOW, NULL, near_aws, NULL },
	{ "x509: certificate is valid for", P_SHOW, NULL, near_aws, NULL },
	{ "CERTIFICATE_VERIFY_FAILED", P_SHOW, NULL, near_aws, NULL },
	{ "SSL validation failed", P_SHOW, NULL, near_aws, NULL },
	{ "tls: failed to verify certificate", P_SHOW, NULL, near_aws, NULL },
	{ "x509:", 0, "x509 certificate error", near_aws, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_imds[] = {
	{ "no EC2 IMDS role found", P_SHOW, NULL, NULL, NULL },
	{ "ec2imds", 0, "the EC2 instance metadata service did not answer", NULL,
	  NULL },
	{ "EC2RoleRequestError", P_CASE, "no EC2 instance role found", NULL,
	  NULL },
	{ "no EC2 instance role found", P_SHOW, NULL, NULL, NULL },
	{ "169.254.169.254", 0,
	  "the EC2 instance metadata service did not answer", NULL, NULL },
	{ "fd00:ec2::254", 0,
	  "the EC2 instance metadata service did not answer", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_network[] = {
	{ "no such host", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "Temporary failure in name resolution", P_SHOW | P_NOT_IMDS, NULL,
	  near_aws, NULL },
	{ "connection refused", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "connection reset by peer", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "network is unreachable", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "no route to host", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "i/o timeout", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "TLS handshake timeout", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "Could not connect to the endpoint URL", P_SHOW | P_NOT_IMDS, NULL,
	  near_aws, NULL },
	{ "Connect timeout on endpoint URL", P_SHOW | P_NOT_IMDS, NULL,
	  near_aws, NULL },
	{ "Read timeout on endpoint URL", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "context deadline exceeded", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "proxyconnect tcp", P_SHOW | P_NOT_IMDS, NULL, near_aws, NULL },
	{ "EndpointConnectionError", P_CASE | P_SHOW | P_NOT_IMDS, NULL,
	  near_aws, NULL },
	{ "request send failed", P_SHOW | P_NOT_IMDS, NULL, near_aws, not_tls },
	{ "send request failed", P_SHOW | P_NOT_IMDS, NULL, near_aws, not_tls },
	{ "dial tcp", P_SHOW | P_NOT_IMDS, NULL, near_aws, not_tls },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_bad_region[] = {
	{ "invalid AWS Region:", 0, NULL, NULL, NULL },
	{ "You must specify a region", 0, "no region is set", NULL, NULL },
	{ "NoRegionError", P_CASE, "no region is set", NULL, NULL },
	{ "an AWS region is required", 0, "no region is set", NULL, NULL },
	{ "MissingRegion", P_CASE, "no region is set", NULL, NULL },
	{ "The argument \"region\" is required", 0, "no region is set", NULL,
	  NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_no_creds[] = {
	{ "Unable to locate credentials", 0, NULL, NULL, NULL },
	{ "NoCredentialsError", P_CASE, NULL, NULL, NULL },
	{ "NoCredentialProviders", P_CASE, NULL, NULL, NULL },
	{ "no valid providers in chain", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct pat pats_no_sources[] = {
	{ "no valid credential sources", 0, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

/* In rank order: most specific first.  Index = enum kind. */
static const struct rule rules[K_COUNT] = {
	[K_HEADER] = { { "invalid-header-value",
		"a credential contains a line break or another control "
		"character (often a Windows CR from a copied file), so it cannot "
		"be sent in an HTTP header",
		"clear the variables with 'eval \"$(tfauth-env PROFILE)\"' and "
		"enter the keys again with 'tfauth-profile set-keys PROFILE'" },
		pats_header, 1, NULL },
	[K_LOOP] = { { "source-profile-loop",
		"the profile's source_profile chain comes back to a profile it "
		"already visited",
		"'tfauth-profile show PROFILE' shows the chain; end it at a "
		"profile with static keys, SSO or a credential_source" },
		pats_loop, 0, NULL },
	[K_CRED_SOURCE] = { { "invalid-credential-source",
		"credential_source is not exactly Environment, "
		"Ec2InstanceMetadata or EcsContainer (case matters), or what it "
		"names gave no credentials",
		"set credential_source to Environment, Ec2InstanceMetadata or "
		"EcsContainer, spelt exactly so ('tfauth-profile show PROFILE' "
		"shows the file and line)" },
		pats_cred_source, 0, NULL },
	[K_PROFILE] = { { "profile-not-found",
		"the profile named by AWS_PROFILE, the provider's profile "
		"argument, --profile or a source_profile is in neither "
		"~/.aws/config nor ~/.aws/credentials",
		"'tfauth-profile list' shows the profiles there are; select one "
		"with 'eval \"$(tfauth-env PROFILE)\"' (or 'tfp PROFILE'), or "
		"correct the name where it is set" },
		pats_profile, 0, NULL },
	[K_SSO_CONFIG] = { { "sso-config-invalid",
		"the profile's IAM Identity Center (SSO) settings are incomplete "
		"or name an [sso-session] section that does not exist",
		"'tfauth-profile show PROFILE' shows the SSO settings; set "
		"sso_session (or sso_start_url and sso_region), sso_account_id "
		"and sso_role_name, e.g. with 'aws configure sso --profile "
		"PROFILE'" },
		pats_sso_config, 0, NULL },
	[K_MFA] = { { "mfa-required",
		"the role needs an MFA code (the profile has mfa_serial) and "
		"Terraform cannot ask for one",
		"run 'tfauth-refresh PROFILE', which asks for the code and caches "
		"the session, then run terraform through tfauth (or 'eval "
		"\"$(tfauth-env --credentials PROFILE)\"' first)" },
		pats_mfa, 1, NULL },
	[K_SSO_TIMEOUT] = { { "sso-login-timed-out",
		"the SSO login was not approved in the browser before its code "
		"expired",
		"run 'tfauth-refresh PROFILE' (or 'aws sso login --profile "
		"PROFILE') again and approve the request in the browser within "
		"a few minutes" },
		pats_sso_timeout, 0, NULL },
	[K_SSO_EXPIRED] = { { "sso-session-expired",
		"the IAM Identity Center (SSO) session has expired or was never "
		"started, so there is no valid SSO token in ~/.aws/sso/cache",
		"log in again with 'tfauth-refresh PROFILE' (or 'aws sso login "
		"--profile PROFILE') and rerun; if it fails again right after a "
		"login, the AWS provider is too old for sso-session profiles: "
		"upgrade it" },
		pats_sso_expired, 1, "UnauthorizedException" },
	[K_PARTIAL] = { { "partial-credentials",
		"only half of a credential was found: an access key id without "
		"its secret key (or the reverse), or a role_arn without "
		"source_profile or credential_source",
		"write both keys with 'tfauth-profile set-keys PROFILE', clear "
		"stray AWS_* variables with 'eval \"$(tfauth-env PROFILE)\"', and "
		"give a role_arn its source_profile or credential_source" },
		pats_partial, 0, NULL },
	[K_PROCESS] = { { "credential-process-failed",
		"the profile's credential_process command failed or printed "
		"something other than the credential JSON",
		"run the credential_process command that 'tfauth-profile show "
		"PROFILE' shows by hand and fix its error; it must print JSON "
		"with \"Version\": 1, AccessKeyId and SecretAccessKey" },
		pats_process, 0, NULL },
	[K_CLOCK] = { { "clock-skew",
		"this computer's clock is more than 5 minutes off, so AWS "
		"rejects the request signature as expired or not yet valid",
		"set the clock right: compare 'date -u' with the real UTC time "
		"and turn on NTP ('sudo timedatectl set-ntp true'; macOS: 'sudo "
		"sntp -sS time.apple.com'), then rerun; 'tfauth-doctor' measures "
		"the skew" },
		pats_clock, 1, NULL },
	[K_SIGNATURE] = { { "signature-mismatch",
		"the secret access key does not belong to the access key id "
		"(mistyped, cut short, or paired with another key id), or a "
		"proxy changed the request",
		"enter the key pair again with 'tfauth-profile set-keys "
		"PROFILE'; if the keys come from the environment clear them with "
		"'eval \"$(tfauth-env PROFILE)\"'; 'tfauth-doctor' shows which "
		"key id was used" },
		pats_signature, 1, "SignatureDoesNotMatch" },
	[K_EXPIRED] = { { "expired-token",
		"the temporary credentials (an assumed role, an MFA or SSO "
		"session, a credential_process result) have expired",
		"get fresh ones with 'tfauth-refresh PROFILE' (terraform run "
		"through tfauth refreshes them itself); if AWS_SESSION_TOKEN is "
		"set in the shell, clear it with 'eval \"$(tfauth-env "
		"PROFILE)\"'" },
		pats_expired, 1, "ExpiredToken" },
	[K_INVALID_TOKEN] = { { "invalid-client-token-id",
		"AWS does not know the access key id that signed the request: "
		"the key was deleted or deactivated, a stale AWS_ACCESS_KEY_ID in "
		"the environment shadows the profile, or temporary keys were sent "
		"without their session token",
		"run 'tfauth-doctor' to see which key was used and where it came "
		"from; clear stale variables with 'eval \"$(tfauth-env "
		"PROFILE)\"'; after a key rotation enter the new key with "
		"'tfauth-profile set-keys PROFILE'; for temporary keys run "
		"'tfauth-refresh PROFILE'" },
		pats_invalid_token, 1, "InvalidClientTokenId" },
	[K_DURATION] = { { "assume-role-duration",
		"the session duration asked for is longer than the role allows: "
		"its MaxSessionDuration, or 1 hour when one role assumes another",
		"lower duration_seconds in the profile (or duration in the "
		"provider's assume_role block) to the role's maximum, at most "
		"3600 for chained roles ('tfauth-profile show PROFILE' shows it)" },
		pats_duration, 1, "ValidationError" },
	[K_ASSUME_DENIED] = { { "assume-role-denied",
		"the caller may not assume the role: the role's trust policy does "
		"not allow this caller, the caller's policy does not allow "
		"sts:AssumeRole on it, or the role ARN is wrong",
		"check role_arn and source_profile with 'tfauth-profile show "
		"PROFILE' and the caller with 'tfauth-doctor PROFILE'; the role's "
		"trust policy must allow the caller ARN shown (ask the role's "
		"owner)" },
		pats_assume_denied, 1, "AccessDenied" },
	[K_ASSUME_FAILED] = { { "assume-role-failed",
		"Terraform could not assume the IAM role of the provider's "
		"assume_role block or the profile's role_arn",
		"fix the finding listed with it first (often the credentials used "
		"to assume the role: 'tfauth-doctor PROFILE'), then check "
		"role_arn with 'tfauth-profile show PROFILE'" },
		pats_assume_failed, 1, NULL },
	[K_REGION_DISABLED] = { { "region-disabled",
		"the region is not enabled for this account (an opt-in region) "
		"or STS is deactivated there",
		"use an enabled region (region in the profile, see 'tfauth-profile "
		"show PROFILE', or AWS_REGION), or enable it under Account > AWS "
		"Regions in the console; for opt-in regions also set "
		"sts_regional_endpoints = regional" },
		pats_region_disabled, 1, NULL },
	[K_MISSING_AUTH] = { { "missing-auth-token",
		"the request reached AWS unsigned: no credentials were found, or "
		"an endpoint override points at the wrong URL",
		"select a profile with 'eval \"$(tfauth-env PROFILE)\"' and run "
		"'tfauth-doctor', which checks the credentials and any "
		"AWS_ENDPOINT_URL* or endpoints {} override" },
		pats_missing_auth, 1, NULL },
	[K_TLS] = { { "tls-certificate",
		"the TLS connection to AWS failed: a proxy or firewall that "
		"inspects TLS shows a certificate this machine does not trust",
		"point AWS_CA_BUNDLE (and the provider's custom_ca_bundle) at your "
		"organisation's CA bundle, or exempt amazonaws.com in NO_PROXY; "
		"'tfauth-doctor' tests the connection" },
		pats_tls, 1, NULL },
	[K_IMDS] = { { "imds-fallthrough",
		"no credentials were found anywhere, so the SDK tried the EC2 "
		"instance metadata service (169.254.169.254) as a last resort, "
		"and this is not an EC2 instance with a role",
		"select a profile that has credentials with 'eval \"$(tfauth-env "
		"PROFILE)\"' (or 'tfp PROFILE'); 'tfauth-doctor' shows which "
		"sources are empty; off EC2, AWS_EC2_METADATA_DISABLED=true makes "
		"this fail fast" },
		pats_imds, 1, NULL },
	[K_NETWORK] = { { "network",
		"the request never reached AWS: DNS, proxy, firewall or VPN "
		"trouble, or a region or endpoint that does not exist",
		"check the region (a misspelt one gives 'no such host') and "
		"endpoint overrides with 'tfauth-doctor', and HTTPS_PROXY / "
		"NO_PROXY; then rerun" },
		pats_network, 1, NULL },
	[K_BAD_REGION] = { { "bad-region",
		"no AWS region is set, or the region name is not valid",
		"set region in the profile ('tfauth-profile show PROFILE' shows "
		"it) and export it with 'eval \"$(tfauth-env PROFILE)\"', or set "
		"AWS_REGION" },
		pats_bad_region, 0, NULL },
	[K_NO_CREDS] = { { "no-credentials",
		"no credentials were found: no keys in the environment, no "
		"profile selected, or the selected profile has none",
		"select a profile with 'eval \"$(tfauth-env PROFILE)\"' (or 'tfp "
		"PROFILE'); 'tfauth-profile list' shows them and 'tfauth-doctor' "
		"checks the result" },
		pats_no_creds, 0, NULL },
	[K_NO_SOURCES] = { { "no-credential-sources",
		"Terraform found no usable credentials: none in the provider "
		"block or the environment, and the profile gave none (a finding "
		"listed before this one says why)",
		"select a profile that has credentials with 'eval \"$(tfauth-env "
		"PROFILE)\"' (or 'tfp PROFILE'), refresh it with 'tfauth-refresh "
		"PROFILE' if it uses SSO or a role, and check it with "
		"'tfauth-doctor'" },
		pats_no_sources, 0, NULL },
};

const struct tfa_explain_kind *
tfa_explain_kind(size_t i)
{
	return i < K_COUNT ? &rules[i].kind : NULL;
}

/* ------------------------------------------------------ character classes */

static int
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_upper(c) || is_lower(c) || is_digit(c);
}

static int
to_lower(int c)
{
	return is_upper(c) ? c - 'A' + 'a' : c;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\n' || c == '\v';
}

/* The alphabet of secret keys and session tokens. */
static int
is_b64(int c)
{
	return is_alnum(c) || c == '/' || c == '+' || c == '=';
}

static int
is_ident(int c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

/* What a secret's value may hold, up to a quote or separator. */
static int
is_value(int c)
{
	return c > 0x20 && c != 0x7f && !strchr("\"'`,;&<>()[]{}", c);
}

/* A profile or sso-session name as printed in an error. */
static int
is_name(int c)
{
	return c > 0x20 && c != 0x7f && !strchr("\"'`,()", c);
}

static int
is_arn(int c)
{
	return is_alnum(c) || (c && strchr(":/_+=,.@-", c));
}

static int
is_host(int c)
{
	return is_alnum(c) || c == '.' || c == '-';
}

static int
is_file(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

static int
is_request_id(int c)
{
	return is_alnum(c) || c == '-';
}

/* ------------------------------------------------------------ normalising */

struct text {
	char *t;        /* normalised and redacted */
	size_t tlen;
	char *ns;       /* t without blanks */
	char *lc;       /* ns in lower case */
	uint32_t *map;  /* ns index -> t index */
	size_t nlen;
};

/* Bytes of an ANSI escape sequence at s[i], 0 if there is none. */
static size_t
escape_len(const unsigned char *s, size_t i, size_t n)
{
	size_t j;

	if (s[i] != 0x1b)
		return 0;
	if (i + 1 >= n)
		return 1;
	if (s[i + 1] == '[') {
		/* CSI: parameter and intermediate bytes, then one final byte. */
		for (j = i + 2; j < n && s[j] >= 0x20 && s[j] <= 0x3f; j++)
			;
		return j < n && s[j] >= 0x40 && s[j] <= 0x7e ? j + 1 - i : j - i;
	}
	if (s[i + 1] == ']') {
		for (j = i + 2; j < n; j++) {
			if (s[j] == 0x07)
				return j + 1 - i;
			if (s[j] == 0x1b && j + 1 < n && s[j + 1] == '\\')
				return j + 2 - i;
		}
		return n - i;
	}
	return 2;
}

/*
 * Bytes of a blank at s[i], 0 if it is not one: a space, a control byte,
 * NBSP, or a box-drawing character (U+2500..U+257F: Terraform's │ ╷ ╵),
 * which also marks the line as framed.
 */
static size_t
blank_len(const unsigned char *s, size_t i, size_t n, int *framed)
{
	if (s[i] <= 0x20 || s[i] == 0x7f)
		return 1;
	if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0xa0)
		return 2;
	if (s[i] == 0xe2 && i + 2 < n && (s[i + 1] == 0x94 || s[i + 1] == 0x95) &&
	    s[i + 2] >= 0x80 && s[i + 2] <= 0xbf) {
		*framed = 1;
		return 3;
	}
	return 0;
}

static size_t
digits(const unsigned char *s, size_t i, size_t n, size_t want)
{
	size_t k;

	for (k = 0; k < want; k++)
		if (i + k >= n || !is_digit(s[i + k]))
			return 0;
	return want;
}

/*
 * Bytes of a CI log's timestamp at the start of a line, 0 if there is none:
 * "2024-03-15T10:10:10.1234567Z " (GitHub Actions), "[2024-03-15 10:10:10]
 * " and the like.  Dropping it lets a phrase wrapped across lines match.
 */
static size_t
timestamp_len(const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '[')
		i++;
	if (!digits(s, i, n, 4) || i + 4 >= n || s[i + 4] != '-' ||
	    !digits(s, i + 5, n, 2) || i + 7 >= n || s[i + 7] != '-' ||
	    !digits(s, i + 8, n, 2) || i + 10 >= n ||
	    (s[i + 10] != 'T' && s[i + 10] != ' ') || !digits(s, i + 11, n, 2) ||
	    i + 13 >= n || s[i + 13] != ':' || !digits(s, i + 14, n, 2) ||
	    i + 16 >= n || s[i + 16] != ':' || !digits(s, i + 17, n, 2))
		return 0;
	i += 19;
	if (i < n && (s[i] == '.' || s[i] == ','))
		for (i++; i < n && is_digit(s[i]); i++)
			;
	if (i < n && s[i] == 'Z')
		i++;
	else if (i + 5 < n && (s[i] == '+' || s[i] == '-') && digits(s, i + 1, n, 2) &&
		 s[i + 3] == ':' && digits(s, i + 4, n, 2))
		i += 6;
	if (i < n && s[i] == ']')
		i++;
	return i < n && (s[i] == ' ' || s[i] == '\t') ? i + 1 : 0;
}

/*
 * One line s[0..n), after any CI timestamp: its width in characters from
 * the first to the last non-blank, and whether Terraform framed it.  When t
 * is not NULL its words are appended to t at *tlen, one space between them.
 */
static size_t
scan_line(const unsigned char *s, size_t n, int *framed, char *t, size_t *tlen)
{
	size_t i = timestamp_len(s, n), k, col = 0, first = NONE, width = 0;
	int space = 0, any = 0;

	*framed = 0;
	while (i < n) {
		if ((k = escape_len(s, i, n)) != 0) {
			i += k;
			continue;
		}
		if ((k = blank_len(s, i, n, framed)) != 0) {
			i += k;
			col++;
			space = 1;
			continue;
		}
		if (t) {
			if (space && any)
				t[(*tlen)++] = ' ';
			t[(*tlen)++] = (char)s[i];
		}
		if ((s[i] & 0xc0) != 0x80) {
			if (first == NONE)
				first = col;
			col++;
			width = col - first;
		}
		any = 1;
		space = 0;
		i++;
	}
	return width;
}

static size_t
line_end(const unsigned char *s, size_t i, size_t n)
{
	const unsigned char *e = memchr(s + i, '\n', n - i);

	return e ? (size_t)(e - s) : n;
}

static void
normalise(struct text *x, const unsigned char *s, size_t n)
{
	size_t maxw[2] = { 0, 0 }, i, e, w, before, mark;
	int framed, pending = 0;

	for (i = 0; i < n; i = e + 1) {
		e = line_end(s, i, n);
		w = scan_line(s + i, e - i, &framed, NULL, NULL);
		if (w > maxw[framed])
			maxw[framed] = w;
	}
	/* Every byte written stands for at least one byte read. */
	x->t = tfa_xmalloc(n + 1);
	x->tlen = 0;
	for (i = 0; i < n; i = e + 1) {
		e = line_end(s, i, n);
		before = x->tlen;
		if (pending)
			x->t[x->tlen++] = (char)pending;
		mark = x->tlen;
		w = scan_line(s + i, e - i, &framed, x->t, &x->tlen);
		if (x->tlen == mark) {
			/* A blank line ends a paragraph: never a hard wrap. */
			x->tlen = before;
			if (pending)
				pending = '\n';
			continue;
		}
		pending = w >= maxw[framed] && w >= MIN_FULL ? '\v' : '\n';
	}
	x->t[x->tlen] = '\0';
}

/* ------------------------------------------------------------- redacting */

/* Names of secrets, lower case, without '_' and '-'. */
static const char *const secret_names[] = {
	"awssecretaccesskey", "secretaccesskey", "awssecretkey", "secretkey",
	"awssessiontoken", "sessiontoken", "awssecuritytoken", "securitytoken",
	"xamzsecuritytoken", "xamzssobearertoken", "ssobearertoken",
	"accesstoken", "refreshtoken", "clientsecret", NULL
};

static int
is_secret_name(const char *w, size_t n)
{
	char buf[24];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (w[i] == '_' || w[i] == '-')
			continue;
		if (k == sizeof(buf) - 1)
			return 0;
		buf[k++] = (char)to_lower((unsigned char)w[i]);
	}
	buf[k] = '\0';
	for (i = 0; secret_names[i]; i++)
		if (strcmp(buf, secret_names[i]) == 0)
			return 1;
	return 0;
}

static size_t
skip_quotes(const char *t, size_t k, size_t n)
{
	while (k < n && (t[k] == ' ' || t[k] == '"' || t[k] == '\''))
		k++;
	return k;
}

/* Overwrite the value after NAME = / NAME: / "NAME": / <NAME>. */
static void
redact_named(char *t, size_t n)
{
	size_t i = 0, j, k;

	while (i < n) {
		if (!is_ident((unsigned char)t[i]) ||
		    (i > 0 && is_ident((unsigned char)t[i - 1]))) {
			i++;
			continue;
		}
		for (j = i; j < n && is_ident((unsigned char)t[j]); j++)
			;
		k = skip_quotes(t, j, n);
		if (is_secret_name(t + i, j - i) && k < n &&
		    (t[k] == '=' || t[k] == ':' || t[k] == '>')) {
			for (k = skip_quotes(t, k + 1, n); k < n; k++) {
				if (is_value((unsigned char)t[k]))
					t[k] = '*';
				else if (!(t[k] == '\v' && k + 1 < n &&
					   is_value((unsigned char)t[k + 1])))
					break;
			}
		}
		i = j;
	}
}

/* Does the word starting at t[ws] (after an opening '(' or quote) start "arn:"? */
static int
word_is_arn(const char *t, size_t ws, size_t start)
{
	if (ws < start && strchr("(\"'", t[ws]))
		ws++;
	return start - ws >= 4 && memcmp(t + ws, "arn:", 4) == 0;
}

/*
 * Overwrite every run of 40 or more base64 characters that mixes upper
 * case, lower case and digits: a secret access key is 40 of them, a session
 * token hundreds.  Hex digests (the SSO cache file names) and request ids
 * do not qualify, and an ARN (arn:aws:iam::1:role/ALongRoleName2024...) is
 * a name, not a secret.
 */
static void
redact_runs(char *t, size_t n)
{
	size_t i = 0, ws = 0, start, count, j;
	int up, low, dig;

	while (i < n) {
		if (!is_b64((unsigned char)t[i])) {
			if (is_blank((unsigned char)t[i]))
				ws = i + 1;
			i++;
			continue;
		}
		start = i;
		count = 0;
		up = low = dig = 0;
		while (i < n) {
			unsigned char c = (unsigned char)t[i];
			if (is_b64(c)) {
				count++;
				up |= is_upper(c);
				low |= is_lower(c);
				dig |= is_digit(c);
			} else if (!(c == '\v' && i + 1 < n &&
				     is_b64((unsigned char)t[i + 1]))) {
				break;
			}
			i++;
		}
		if (count >= 40 && up && low && dig && !word_is_arn(t, ws, start))
			for (j = start; j < i; j++)
				if (t[j] != '\v')
					t[j] = '*';
	}
}

static void
squeeze(struct text *x)
{
	size_t i, k = 0;

	x->ns = tfa_xmalloc(x->tlen + 1);
	x->lc = tfa_xmalloc(x->tlen + 1);
	x->map = tfa_xmalloc((x->tlen + 1) * sizeof(*x->map));
	for (i = 0; i < x->tlen; i++) {
		unsigned char c = (unsigned char)x->t[i];
		if (is_blank(c))
			continue;
		x->ns[k] = (char)c;
		x->lc[k] = (char)to_lower(c);
		x->map[k] = (uint32_t)i;
		k++;
	}
	x->ns[k] = x->lc[k] = '\0';
	x->nlen = k;
}

static void
text_dispose(struct text *x)
{
	/* They are copies of the input, which may hold secrets we missed. */
	if (x->t)
		tfa_wipe(x->t, x->tlen);
	if (x->ns)
		tfa_wipe(x->ns, x->nlen);
	if (x->lc)
		tfa_wipe(x->lc, x->nlen);
	free(x->t);
	free(x->ns);
	free(x->lc);
	free(x->map);
	memset(x, 0, sizeof(*x));
}

/* -------------------------------------------------------------- searching */

struct cpat {
	char s[128];
	size_t n;
	int fold;
};

static void
compile(struct cpat *c, const char *pat, int fold)
{
	size_t n = 0;

	for (; *pat && n < sizeof(c->s) - 1; pat++) {
		if (*pat == ' ')
			continue;
		c->s[n++] = fold ? (char)to_lower((unsigned char)*pat) : *pat;
	}
	c->s[n] = '\0';
	c->n = n;
	c->fold = fold;
}

/* The first occurrence of c starting in [from, to - c->n], or NONE. */
static size_t
find_in(const struct text *x, const struct cpat *c, size_t from, size_t to)
{
	const char *hay = c->fold ? x->lc : x->ns;
	const char *p;

	if (to > x->nlen)
		to = x->nlen;
	if (c->n == 0 || from >= to || to - from < c->n)
		return NONE;
	p = memmem(hay + from, to - from, c->s, c->n);
	return p ? (size_t)(p - hay) : NONE;
}

/* Occurrences of a marker, walked forward only: prev < the last seek <= next. */
struct cursor {
	struct cpat p;
	size_t prev, next;
	int started;
};

static size_t
cursors_init(struct cursor *cs, const char *const *markers)
{
	size_t n = 0;

	for (; markers && *markers && n < MAX_MARKERS; markers++, n++) {
		compile(&cs[n].p, *markers, 1);
		cs[n].prev = cs[n].next = NONE;
		cs[n].started = 0;
	}
	return n;
}

static void
cursor_seek(const struct text *x, struct cursor *c, size_t pos)
{
	if (!c->started) {
		c->started = 1;
		c->next = find_in(x, &c->p, 0, x->nlen);
	}
	while (c->next != NONE && c->next < pos) {
		c->prev = c->next;
		c->next = find_in(x, &c->p, c->next + 1, x->nlen);
	}
}

/* Does one of the markers occur within NEAR_W of pos?  pos must not go back. */
static int
any_near(const struct text *x, struct cursor *cs, size_t n, size_t pos)
{
	size_t lo = pos > NEAR_W ? pos - NEAR_W : 0, i;

	for (i = 0; i < n; i++) {
		cursor_seek(x, &cs[i], lo);
		if (cs[i].next != NONE && cs[i].next <= pos + NEAR_W)
			return 1;
	}
	return 0;
}

/* The last occurrence before pos and within IMDS_W of it, over the markers. */
static size_t
last_before(const struct text *x, struct cursor *cs, size_t n, size_t pos)
{
	size_t best = NONE, i;

	for (i = 0; i < n; i++) {
		cursor_seek(x, &cs[i], pos);
		if (cs[i].prev != NONE && cs[i].prev + IMDS_W >= pos &&
		    (best == NONE || cs[i].prev > best))
			best = cs[i].prev;
	}
	return best;
}

/*
 * A network error belongs to the IMDS fall-through when the target named
 * last before it is the metadata service ("ec2imds", 169.254.169.254)
 * rather than something else ("https://...", "operation error STS").
 */
static int
belongs_to_imds(const struct text *x, struct cursor *im, size_t nim,
		struct cursor *ot, size_t not, size_t pos)
{
	size_t i = last_before(x, im, nim, pos), o = last_before(x, ot, not, pos);

	return i != NONE && (o == NONE || i > o);
}

/* The first occurrence of p that passes its conditions, or NONE. */
static size_t
match_pat(const struct text *x, const struct pat *p)
{
	struct cpat c;
	struct cursor nr[MAX_MARKERS], nn[MAX_MARKERS], im[MAX_MARKERS],
		ot[MAX_MARKERS];
	size_t nnr, nnn, nim = 0, not = 0, pos;

	compile(&c, p->s, !(p->flags & P_CASE));
	nnr = cursors_init(nr, p->near);
	nnn = cursors_init(nn, p->not_near);
	if (p->flags & P_NOT_IMDS) {
		nim = cursors_init(im, imds_markers);
		not = cursors_init(ot, other_markers);
	}
	for (pos = find_in(x, &c, 0, x->nlen); pos != NONE;
	     pos = find_in(x, &c, pos + 1, x->nlen)) {
		if (nnr && !any_near(x, nr, nnr, pos))
			continue;
		if (nnn && any_near(x, nn, nnn, pos))
			continue;
		if (nim && belongs_to_imds(x, im, nim, ot, not, pos))
			continue;
		return pos;
	}
	return NONE;
}

/*
 * The occurrence of pat nearest to pos in [pos - before, pos + after], or
 * NONE; *end gets the t index just after it.  The search never leaves the
 * window, so looking for facts costs the same on any size of input.
 */
static size_t
nearest(const struct text *x, const char *pat, int fold, size_t pos,
	size_t before, size_t after, size_t *end)
{
	struct cpat c;
	size_t lo = pos > before ? pos - before : 0, hi, o, best = NONE,
	       bd = NONE, d;

	compile(&c, pat, fold);
	hi = pos + after + c.n;
	for (o = find_in(x, &c, lo, hi); o != NONE; o = find_in(x, &c, o + 1, hi)) {
		d = o > pos ? o - pos : pos - o;
		if (d < bd) {
			bd = d;
			best = o;
		}
	}
	if (best != NONE && end)
		*end = (size_t)x->map[best + c.n - 1] + 1;
	return best;
}

/* ---------------------------------------------------------------- fields */

/* Length of the valid, printable UTF-8 character at s[0..n), 0 if none. */
static size_t
char_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t need, i;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 1;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 2;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 3;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n <= need)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
		return 0;
	return need + 1;
}

/*
 * Append src[0..n) to the field dst (size dstsz, NUL-terminated): valid
 * printable UTF-8 as it is, anything else as '?'; a character that does not
 * fit whole is left out, with everything after it.
 */
static void
field_add(char *dst, size_t dstsz, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len = strlen(dst), i = 0, k;

	while (i < n) {
		k = char_len(s + i, n - i);
		if (len + (k ? k : 1) >= dstsz)
			break;
		if (k) {
			memcpy(dst + len, s + i, k);
			len += k;
			i += k;
		} else {
			dst[len++] = '?';
			i++;
		}
	}
	dst[len] = '\0';
}

static void
field_adds(char *dst, size_t dstsz, const char *s)
{
	field_add(dst, dstsz, s, strlen(s));
}

static void
field_set(char *dst, size_t dstsz, const char *src, size_t n)
{
	dst[0] = '\0';
	field_add(dst, dstsz, src, n);
}

/* Copy into dst the run of in() bytes at t[i..], rejoined across a '\v'. */
static size_t
grab(const struct text *x, size_t i, int (*in)(int), char *dst, size_t dstsz)
{
	char tmp[512];
	size_t n = 0;

	while (i < x->tlen && n < sizeof(tmp)) {
		unsigned char c = (unsigned char)x->t[i];
		if (in(c))
			tmp[n++] = (char)c;
		else if (!(c == '\v' && n > 0 && i + 1 < x->tlen &&
			   in((unsigned char)x->t[i + 1])))
			break;
		i++;
	}
	field_set(dst, dstsz, tmp, n);
	return i;
}

/*
 * Copy t[a..b) into dst: a '\v' joins, a '\n' is a space, the ends are
 * trimmed; stop after ')' when upto_paren.
 */
static void
copy_range(const struct text *x, size_t a, size_t b, int upto_paren,
	   char *dst, size_t dstsz)
{
	char tmp[512];
	size_t n = 0;

	if (b > x->tlen)
		b = x->tlen;
	for (; a < b && n < sizeof(tmp); a++) {
		char c = x->t[a];
		if (c == '\v')
			continue;
		tmp[n++] = c == '\n' ? ' ' : c;
		if (upto_paren && c == ')')
			break;
	}
	while (n > 0 && tmp[n - 1] == ' ')
		n--;
	a = 0;
	while (a < n && tmp[a] == ' ')
		a++;
	field_set(dst, dstsz, tmp + a, n - a);
}

static size_t
skip_blanks(const struct text *x, size_t i)
{
	while (i < x->tlen && is_blank((unsigned char)x->t[i]))
		i++;
	return i;
}

/* Drop one trailing '.', ',' or ':' (the end of the sentence around it). */
static void
trim_punct(char *s)
{
	size_t n = strlen(s);

	if (n > 0 && strchr(".,:", s[n - 1]))
		s[n - 1] = '\0';
}

/* ----------------------------------------------------------------- facts */

static void
find_status(const struct text *x, size_t pos, struct tfa_finding *f)
{
	size_t o, i;
	struct cpat c;
	int st = 0;

	/* go-v2 "StatusCode: 403", aws-sdk-go "status code: 403" */
	compile(&c, "status code:", 1);
	o = nearest(x, "status code:", 1, pos, FACT_BEFORE, FACT_AFTER, NULL);
	if (o == NONE)
		return;
	for (i = o + c.n; i < x->nlen && i < o + c.n + 3 && is_digit(x->ns[i]); i++)
		st = st * 10 + (x->ns[i] - '0');
	f->http_status = st;
}

static void
find_request_id(const struct text *x, size_t pos, struct tfa_finding *f)
{
	size_t end;

	/* "RequestID: <id>", "request id: <id>", "<RequestId><id>" */
	if (nearest(x, "request id:", 1, pos, FACT_BEFORE, FACT_AFTER, &end) == NONE &&
	    nearest(x, "<requestid>", 1, pos, FACT_BEFORE, FACT_AFTER, &end) == NONE)
		return;
	grab(x, skip_blanks(x, end), is_request_id, f->request_id,
	     sizeof(f->request_id));
}

static void
find_operation(const struct text *x, size_t pos, struct tfa_finding *f)
{
	static const char *const svc_marks[] = { "operation error", "error calling",
						 NULL };
	size_t o, end, best = NONE, bd = NONE, d, i;
	int with_svc = 0;
	char svc[32];

	/*
	 * go-v2 "operation error STS: AssumeRole," (before the code, or after
	 * a summary such as "no EC2 IMDS role found"); aws-sdk-go era
	 * "error calling sts:GetCallerIdentity:".
	 */
	for (i = 0; svc_marks[i]; i++) {
		o = nearest(x, svc_marks[i], 1, pos, FACT_BEFORE, 80, &end);
		d = o == NONE ? NONE : o > pos ? o - pos : pos - o;
		if (d < bd) {
			bd = d;
			best = end;
			with_svc = 1;
		}
	}
	/* botocore "when calling the AssumeRole operation" */
	o = nearest(x, "when calling the", 1, pos, 0, 120, &end);
	if (o != NONE && o - pos < bd) {
		best = end;
		with_svc = 0;
	}
	if (best == NONE)
		return;
	i = skip_blanks(x, best);
	if (with_svc) {
		i = grab(x, i, is_alnum, svc, sizeof(svc));
		if (!svc[0] || i >= x->tlen || x->t[i] != ':')
			return;
		i = skip_blanks(x, i + 1);
	}
	grab(x, i, is_alnum, f->operation, sizeof(f->operation));
}

/* The host a network or TLS error names: lookup HOST, https://HOST, dial tcp HOST. */
static void
find_host(const struct text *x, size_t pos, char *host, size_t n)
{
	size_t end;

	host[0] = '\0';
	if (nearest(x, "lookup", 1, pos, FACT_BEFORE, 60, &end) != NONE)
		grab(x, skip_blanks(x, end), is_host, host, n);
	if (!host[0] && nearest(x, "://", 1, pos, FACT_BEFORE, FACT_AFTER, &end) != NONE)
		grab(x, end, is_host, host, n);
	if (!host[0] && nearest(x, "dial tcp", 1, pos, FACT_BEFORE, 60, &end) != NONE)
		grab(x, skip_blanks(x, end), is_host, host, n);
}

/* The t index just after the match of p at pos. */
static size_t
match_end(const struct text *x, const struct pat *p, size_t pos)
{
	struct cpat c;

	compile(&c, p->s, !(p->flags & P_CASE));
	return (size_t)x->map[pos + c.n - 1] + 1;
}

/* The facts only some kinds have. */
static void
describe_kind(const struct text *x, enum kind k, const struct pat *p,
	      size_t pos, struct tfa_finding *f)
{
	char tmp[256];
	size_t o, end, e;

	switch (k) {
	case K_PROFILE:
		end = match_end(x, p, pos);
		if (p == &pats_profile[0]) {
			/* go-v2: "failed to get shared config profile, NAME" */
			end = skip_blanks(x, end);
			if (end < x->tlen && x->t[end] == ',')
				end++;
			grab(x, skip_blanks(x, end), is_name, f->profile,
			     sizeof(f->profile));
			trim_punct(f->profile);
		} else if (p == &pats_profile[1]) {
			/* botocore: "The config profile (NAME) could not be found" */
			o = nearest(x, ") could not be found", 1, pos, 0, 300, NULL);
			if (o != NONE)
				copy_range(x, end, x->map[o], 0, f->profile,
					   sizeof(f->profile));
		} else if (p == &pats_profile[2]) {
			/*
			 * botocore: 'The source_profile "S" referenced in the
			 * profile "P" does not exist.'
			 */
			grab(x, end, is_name, f->profile, sizeof(f->profile));
			if (nearest(x, "referenced in the profile \"", 1, pos, 0,
				    300, &end) != NONE) {
				grab(x, end, is_name, tmp, sizeof(tmp));
				field_adds(f->detail, sizeof(f->detail),
					   "source_profile of profile \"");
				field_adds(f->detail, sizeof(f->detail), tmp);
				field_adds(f->detail, sizeof(f->detail), "\"");
			}
		}
		break;
	case K_LOOP:
		if (nearest(x, "attempting to load from profile", 1, pos, 0,
			    FACT_AFTER, &end) != NONE) {
			grab(x, skip_blanks(x, end), is_name, f->profile,
			     sizeof(f->profile));
			trim_punct(f->profile);
		}
		break;
	case K_CRED_SOURCE:
		if (p == &pats_cred_source[1]) {
			grab(x, match_end(x, p, pos), is_name, tmp, sizeof(tmp));
			field_adds(f->detail, sizeof(f->detail), "credential_source \"");
			field_adds(f->detail, sizeof(f->detail), tmp);
			field_adds(f->detail, sizeof(f->detail), "\" is not valid");
		}
		break;
	case K_SSO_EXPIRED:
		if (nearest(x, "sso/cache/", 1, pos, 600, 600, &end) != NONE) {
			grab(x, end, is_file, tmp, sizeof(tmp));
			if (tmp[0]) {
				field_adds(f->detail, sizeof(f->detail),
					   "SSO token cache file ");
				field_adds(f->detail, sizeof(f->detail), tmp);
				if (nearest(x, "no such file", 1, pos, 600, 600, NULL) != NONE)
					field_adds(f->detail, sizeof(f->detail),
						   " is missing");
			}
		} else if (nearest(x, "token for", 1, pos, 0, FACT_AFTER, &end) != NONE) {
			/* botocore: "Error loading SSO Token: Token for NAME does not exist" */
			grab(x, skip_blanks(x, end), is_name, tmp, sizeof(tmp));
			field_adds(f->detail, sizeof(f->detail), "no SSO token for ");
			field_adds(f->detail, sizeof(f->detail), tmp);
		}
		break;
	case K_PARTIAL:
		if (p != &pats_partial[0])
			break;
		/* "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY" */
		grab(x, skip_blanks(x, match_end(x, p, pos)), is_name, tmp,
		     sizeof(tmp));
		field_adds(f->detail, sizeof(f->detail), "found in ");
		field_adds(f->detail, sizeof(f->detail), tmp);
		if (nearest(x, "missing:", 1, pos, 0, 120, &end) != NONE) {
			grab(x, skip_blanks(x, end), is_name, tmp, sizeof(tmp));
			field_adds(f->detail, sizeof(f->detail), ", missing ");
			field_adds(f->detail, sizeof(f->detail), tmp);
		}
		break;
	case K_ASSUME_DENIED:
		/* "User: CALLER is not authorized to perform: sts:AssumeRole
		 * on resource: ROLE" */
		if (nearest(x, "user:", 1, pos, 600, 0, &end) != NONE) {
			copy_range(x, end, x->map[pos], 0, f->caller_arn,
				   sizeof(f->caller_arn));
			if (strncmp(f->caller_arn, "arn:", 4) != 0)
				f->caller_arn[0] = '\0';
		}
		if (nearest(x, "on resource:", 1, pos, 0, 200, &end) != NONE) {
			grab(x, skip_blanks(x, end), is_arn, f->role_arn,
			     sizeof(f->role_arn));
			trim_punct(f->role_arn);
		}
		if (!f->operation[0] &&
		    nearest(x, "perform: sts:", 1, pos, 0, 40, &end) != NONE)
			grab(x, end, is_alnum, f->operation, sizeof(f->operation));
		break;
	case K_ASSUME_FAILED:
		/* "IAM Role (ARN) cannot be assumed." */
		o = nearest(x, "iam role (", 1, pos, 2100, 600, &end);
		if (o == NONE)
			break;
		e = nearest(x, ") cannot be assumed", 1, o, 0, 2100, NULL);
		if (e != NONE)
			copy_range(x, end, x->map[e], 0, f->role_arn,
				   sizeof(f->role_arn));
		else
			grab(x, end, is_arn, f->role_arn, sizeof(f->role_arn));
		if (!f->operation[0])
			field_adds(f->operation, sizeof(f->operation), "AssumeRole");
		break;
	case K_CLOCK:
		if (p->flags & P_TAIL)
			/* "Signature expired: 20240315T101010Z is now earlier
			 * than ... (20240315T103012Z - 5 min.)" */
			copy_range(x, x->map[pos], x->map[pos] + 200, 1, f->detail,
				   sizeof(f->detail));
		break;
	case K_NETWORK:
	case K_TLS:
		find_host(x, pos, tmp, sizeof(tmp));
		if (tmp[0]) {
			if (!f->detail[0] && p->label)
				field_adds(f->detail, sizeof(f->detail), p->label);
			if (!f->detail[0] && (p->flags & P_SHOW))
				field_adds(f->detail, sizeof(f->detail), p->s);
			field_adds(f->detail, sizeof(f->detail), " (");
			field_adds(f->detail, sizeof(f->detail), tmp);
			field_adds(f->detail, sizeof(f->detail), ")");
		}
		break;
	case K_BAD_REGION:
		if (p == &pats_bad_region[0]) {
			grab(x, skip_blanks(x, match_end(x, p, pos)), is_name, tmp,
			     sizeof(tmp));
			trim_punct(tmp);
			field_adds(f->detail, sizeof(f->detail), "invalid region \"");
			field_adds(f->detail, sizeof(f->detail), tmp);
			field_adds(f->detail, sizeof(f->detail), "\"");
		}
		break;
	case K_NO_SOURCES:
		if (nearest(x, "s3 backend", 1, pos, 600, 600, NULL) != NONE ||
		    nearest(x, "backends/s3", 1, pos, 600, 600, NULL) != NONE)
			field_adds(f->detail, sizeof(f->detail), "S3 backend");
		else if (nearest(x, "terraform aws provider", 1, pos, 600, 600,
				 NULL) != NONE ||
			 nearest(x, "providers/hashicorp/aws", 1, pos, 600, 600,
				 NULL) != NONE)
			field_adds(f->detail, sizeof(f->detail),
				   "Terraform AWS Provider");
		break;
	default:
		break;
	}
}

static void
describe(const struct text *x, enum kind k, const struct pat *p, size_t pos,
	 struct tfa_finding *f)
{
	const struct rule *r = &rules[k];

	memset(f, 0, sizeof(*f));
	f->id = r->kind.id;
	f->cause = r->kind.cause;
	f->fix = r->kind.fix;
	if (p->flags & P_CODE)
		field_adds(f->code, sizeof(f->code), p->s);
	else if (r->code && nearest(x, r->code, 0, pos, FACT_BEFORE, FACT_AFTER,
				    NULL) != NONE)
		field_adds(f->code, sizeof(f->code), r->code);
	if (r->facts) {
		find_status(x, pos, f);
		find_request_id(x, pos, f);
		find_operation(x, pos, f);
	}
	describe_kind(x, k, p, pos, f);
	if (!f->detail[0] && p->label)
		field_adds(f->detail, sizeof(f->detail), p->label);
	if (!f->detail[0] && (p->flags & P_SHOW))
		field_adds(f->detail, sizeof(f->detail), p->s);
}

/* ------------------------------------------------------------ the API */

size_t
tfa_explain(struct tfa_finding *out, size_t max, const char *text, size_t len)
{
	struct text x;
	struct tfa_finding *fs = NULL;
	int found[K_COUNT];
	size_t k, n = 0, pos;
	const struct pat *p;

	memset(&x, 0, sizeof(x));
	memset(found, 0, sizeof(found));
	if (!text || !len)
		goto out;
	if (len > TFA_EXPLAIN_MAX_INPUT) {
		text += len - TFA_EXPLAIN_MAX_INPUT;
		len = TFA_EXPLAIN_MAX_INPUT;
	}
	normalise(&x, (const unsigned char *)text, len);
	redact_named(x.t, x.tlen);
	redact_runs(x.t, x.tlen);
	squeeze(&x);
	if (!x.nlen)
		goto out;
	fs = tfa_xcalloc(K_COUNT, sizeof(*fs));
	for (k = 0; k < K_COUNT; k++) {
		for (p = rules[k].pats; p->s; p++) {
			if ((pos = match_pat(&x, p)) == NONE)
				continue;
			found[k] = 1;
			describe(&x, (enum kind)k, p, pos, &fs[k]);
			break;
		}
	}
	/* "IAM Role (...) cannot be assumed" around an AccessDenied adds only the ARN. */
	if (found[K_ASSUME_DENIED] && found[K_ASSUME_FAILED]) {
		if (!fs[K_ASSUME_DENIED].role_arn[0])
			memcpy(fs[K_ASSUME_DENIED].role_arn, fs[K_ASSUME_FAILED].role_arn,
			       sizeof(fs[K_ASSUME_DENIED].role_arn));
		found[K_ASSUME_FAILED] = 0;
	}
	for (k = 0; k < K_COUNT; k++) {
		if (!found[k])
			continue;
		if (n < max)
			out[n] = fs[k];
		n++;
	}
out:
	free(fs);
	text_dispose(&x);
	return n;
}

/*
 * jansson fails only when memory runs out; end the way tfa_xmalloc does
 * (one line, abort) by asking it for more than can be had.
 */
static void
json_oom(void)
{
	tfa_xmalloc(SIZE_MAX);
}

static int
json_put(json_t *o, const char *key, const char *value)
{
	if (!value || !value[0])
		return 0;
	return json_object_set_new(o, key, json_string(value));
}

int
tfa_explain_json(struct tfa_buf *out, const struct tfa_finding *f, size_t n)
{
	json_t *arr = json_array(), *o;
	char *s = NULL;
	size_t i;
	int rc = 0;

	if (!arr)
		json_oom();
	for (i = 0; i < n; i++) {
		if (!(o = json_object()))
			json_oom();
		json_put(o, "id", f[i].id);
		json_put(o, "cause", f[i].cause);
		json_put(o, "fix", f[i].fix);
		json_put(o, "code", f[i].code);
		json_put(o, "operation", f[i].operation);
		json_put(o, "profile", f[i].profile);
		json_put(o, "role_arn", f[i].role_arn);
		json_put(o, "caller_arn", f[i].caller_arn);
		json_put(o, "detail", f[i].detail);
		if (f[i].http_status)
			json_object_set_new(o, "http_status",
					    json_integer(f[i].http_status));
		json_put(o, "request_id", f[i].request_id);
		json_array_append_new(arr, o);
	}
	s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		json_oom();
	rc = tfa_buf_adds(out, s);
	free(s);
	json_decref(arr);
	return rc;
}

int
tfa_explain_fix(struct tfa_buf *out, const struct tfa_finding *f, const char *fallback)
{
	const char *name = f->profile[0] ? f->profile : fallback;
	const char *p = f->fix, *hit;
	int rc = 0;

	if (!name || !*name)
		return tfa_buf_adds(out, f->fix);
	while (rc == 0 && (hit = strstr(p, "PROFILE"))) {
		rc = tfa_buf_add(out, p, (size_t)(hit - p));
		if (rc == 0)
			rc = tfa_buf_adds(out, name);
		p = hit + 7;
	}
	return rc ? rc : tfa_buf_adds(out, p);
}
