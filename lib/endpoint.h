/*
 * endpoint — which URL to call for STS, IAM, the IAM Identity Center (SSO)
 * portal and SSO OIDC, which region to sign for, and where that came from.
 *
 * The promise: given the environment, the profile and a region, return the
 * same endpoint Terraform (aws-sdk-go-v2) would use, plus a line saying why,
 * or one clear error naming the variable or file:line at fault.  No network,
 * no printing.
 *
 * Configured endpoints follow the SDKs' "service-specific endpoints" feature
 * (aws-reference.md §3; the order is the one aws-cli's conformance data
 * tests/functional/configured_endpoint_urls/profile-tests.json checks):
 *
 *   1. AWS_ENDPOINT_URL_<SVC>     (STS, IAM, SSO, SSO_OIDC)
 *   2. AWS_ENDPOINT_URL
 *   3. the profile's `services = NAME`, then in `[services NAME]` the
 *      sub-property `<svc> =` / `  endpoint_url = URL`
 *      (svc: sts, iam, sso, sso_oidc)
 *   4. the profile's own `endpoint_url`
 *   5. the default endpoint
 *
 * All of 1-4 are skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true"
 * (any case), or, with that variable unset or empty, when the profile says
 * `ignore_configured_endpoint_urls = true`.  As in go-v2 the variable beats
 * the profile either way ("false" turns a profile's true off), and a value
 * other than true/false is an error, as Terraform makes it.  Empty values
 * count as unset everywhere.  A profile that names a services section that
 * does not exist is an error (botocore's rule; go-v2 would silently read
 * whichever services section it finds).
 *
 * Defaults:
 *   STS       regional, https://sts.<region>.<dns suffix>, signed for the
 *             region: go-v2 always calls the regional endpoint.  The global
 *             https://sts.amazonaws.com (signed us-east-1) is used for region
 *             aws-global, and when the user asked for it with
 *             sts_regional_endpoints = legacy (AWS_STS_REGIONAL_ENDPOINTS
 *             beats the profile) and the region is one of the 16 legacy
 *             regions — botocore's rule, which Terraform ignores, honoured
 *             because it is an explicit request.
 *   IAM       global per partition: aws https://iam.amazonaws.com
 *             (us-east-1), aws-cn https://iam.cn-north-1.amazonaws.com.cn
 *             (cn-north-1), aws-us-gov https://iam.us-gov.amazonaws.com
 *             (us-gov-west-1), aws-iso/aws-iso-b the IAM host of their east
 *             region.  No region means the aws partition.
 *   SSO       https://portal.sso.<region>.<dns suffix>
 *   SSO_OIDC  https://oidc.<region>.<dns suffix>
 * The partition comes from the region's prefix, as in the SDKs' partition
 * table: cn- aws-cn (amazonaws.com.cn), us-gov- aws-us-gov, us-iso-
 * aws-iso (c2s.ic.gov), us-isob- aws-iso-b (sc2s.sgov.gov), anything else
 * aws (amazonaws.com); also the pseudo-regions aws-global, aws-cn-global,
 * aws-us-gov-global, aws-iso-global, aws-iso-b-global.
 *
 * Signing region with a configured URL: the region in use (a pseudo-region
 * such as aws-global signs as its partition's home region, us-east-1); for
 * IAM, always the partition's IAM signing region, because IAM only accepts
 * signatures scoped to it, and a custom IAM URL is a proxy or emulator in
 * front of that.  The SSO portal and OIDC calls are not SigV4-signed; their
 * signing_region is the region, or "" when none.
 *
 * Validation: a region must be 1-31 of [a-z0-9-], not starting or ending
 * with '-'.  STS needs a region always (Terraform requires one); SSO and SSO
 * OIDC need one for their default endpoints; IAM does not.  An endpoint URL
 * must be http:// or https:// (any case), have a host (name, IPv4 or
 * [IPv6]) and an optional port 1-65535, no user info, query or fragment, no
 * space, control or non-ASCII byte, and be at most TFA_ENDPOINT_MAX_URL
 * bytes.  Bytes of hostile values are escaped in messages.
 */
#ifndef TFA_ENDPOINT_H
#define TFA_ENDPOINT_H

#include "config.h"
#include "ctx.h"
#include "err.h"

#define TFA_ENDPOINT_MAX_URL 2048
#define TFA_REGION_MAX 31

enum tfa_service {
	TFA_SERVICE_STS,
	TFA_SERVICE_IAM,
	TFA_SERVICE_SSO,      /* the IAM Identity Center portal API */
	TFA_SERVICE_SSO_OIDC
};

struct tfa_endpoint {
	/* owned: scheme://host[:port][/path], without a trailing '/'; the
	 * caller appends the request path ("/" for STS and IAM) */
	char *url;
	char signing_region[TFA_REGION_MAX + 1]; /* "" only for SSO/OIDC */
	/* owned: where url came from, for tfauth-doctor: "AWS_ENDPOINT_URL_STS",
	 * "AWS_ENDPOINT_URL", "services section 'dev' (~/.aws/config:12)",
	 * "profile endpoint_url (~/.aws/config:5)", "default", or for the
	 * legacy global STS endpoint "default (sts_regional_endpoints = legacy
	 * from AWS_STS_REGIONAL_ENDPOINTS)" or "default (... legacy from
	 * profile 'dev' (~/.aws/config:7))" */
	char *source;
	char partition[16];      /* "aws", "aws-cn", "aws-us-gov", ... */
	unsigned is_global : 1;  /* the default global STS or IAM endpoint */
	unsigned is_custom : 1;  /* a configured URL, not a default */
};

/*
 * Resolve svc's endpoint.  profile may be NULL (no such profile): only the
 * environment and the defaults count then.  cfg may be NULL: [services]
 * sections are then not consulted.  region may be NULL; region_origin (may
 * be NULL) names where it came from for messages: "profile" (shown as
 * profile 'NAME' (file:line) from profile's region setting), or any text
 * such as "AWS_REGION" or "sso_region in sso-session 'corp'".  Take region
 * and origin from tfa_profile_region(); this module sits below profile and
 * does not call it.  err need not be cleared first.
 *
 * 0 and *out filled (release with tfa_endpoint_dispose), or TFA_EINVAL (bad
 * URL, region, flag value, or no region where one is needed), TFA_ENOTFOUND
 * (the profile's services section does not exist), with err filled and
 * *out untouched.
 */
int tfa_endpoint_resolve(struct tfa_endpoint *out, const struct tfa_ctx *ctx,
			 const struct tfa_config *cfg,
			 const struct tfa_section *profile,
			 enum tfa_service svc, const char *region,
			 const char *region_origin, struct tfa_err *err);
/* Free what resolve allocated; NULL is fine, so is a second call. */
void tfa_endpoint_dispose(struct tfa_endpoint *e);

/* "sts", "iam", "sso", "sso_oidc": the [services] sub-section key. */
const char *tfa_endpoint_service_key(enum tfa_service svc);
/* "AWS_ENDPOINT_URL_STS", ... */
const char *tfa_endpoint_service_env(enum tfa_service svc);

/*
 * The partition of a region: "aws", "aws-cn", "aws-us-gov", "aws-iso",
 * "aws-iso-b"; "aws" for NULL or an unknown prefix.  Static string.
 */
const char *tfa_endpoint_partition(const char *region);

/* 1 when region is a well-formed region name (see the top), else 0. */
int tfa_endpoint_region_valid(const char *region);

/* 1 when region is one the legacy STS setting sends to the global endpoint. */
int tfa_endpoint_sts_legacy_region(const char *region);

/*
 * Check an endpoint URL; source names where it came from in the message
 * ("AWS_ENDPOINT_URL_STS").  0, or TFA_EINVAL with err filled.
 */
int tfa_endpoint_check_url(const char *url, const char *source,
			   struct tfa_err *err);

#endif
