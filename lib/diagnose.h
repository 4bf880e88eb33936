/*
 * diagnose — the troubleshooting checklist that people run by hand when
 * Terraform says InvalidClientTokenId, as one report.
 *
 * Each check has an id, a verdict, a one-line summary and, when it fails,
 * the exact fix.  The checks, in order:
 *
 *   config       the config and credentials files load (else file:line)
 *   environment  stale keys that shadow the chosen profile; AWS_PROFILE and
 *                AWS_DEFAULT_PROFILE disagreeing; a profile that is missing
 *   profile      the profile, where it is defined, its kind and chain
 *   sources      where each value comes from, like `aws configure list`
 *   identity     what STS GetCallerIdentity says of the credentials, or
 *                the classified error                          (network)
 *   access-key   for long-term keys: status and last use from IAM (network)
 *   region       the region and where it came from, the STS endpoint in
 *                use, and whether STS answered there (region enabled)
 *   clock        skew against the Date of the STS reply          (network)
 *   expiry       when session credentials expire
 *   cli-vs-terraform  where the AWS CLI (botocore) and Terraform (go-v2)
 *                would resolve something different from this environment
 *
 * A report never fails as a whole: whatever goes wrong is a failing check.
 * The network checks run concurrently, each with its own connection.
 */
#ifndef TFA_DIAGNOSE_H
#define TFA_DIAGNOSE_H

#include <stddef.h>
#include <time.h>

#include "ctx.h"

enum tfa_check_status {
	TFA_CHECK_OK,
	TFA_CHECK_INFO,
	TFA_CHECK_WARN,
	TFA_CHECK_FAIL,
	TFA_CHECK_SKIP
};

struct tfa_check {
	const char *id;          /* static: "identity" */
	enum tfa_check_status status;
	char *summary;           /* owned: one line */
	char *fix;               /* owned or NULL: what to run or change */
	char **details;          /* owned lines, e.g. the sources table */
	size_t ndetails;
	char aws_code[64];       /* the AWS error code behind a failure */
};

struct tfa_source {
	const char *name;        /* "profile", "access_key", "secret_key", "region" */
	char *value;             /* owned, masked where secret; "<not set>" */
	const char *type;        /* "env", "shared-credentials-file", ... or "None" */
	char *location;          /* owned: "AWS_PROFILE", "~/.aws/config:5", "" */
};

struct tfa_report {
	struct tfa_check *checks;
	size_t nchecks, calloc_;
	struct tfa_source sources[4];
	char *profile;           /* owned: the profile examined, or NULL */
	const char *profile_origin;
	char account[16];        /* from STS, "" when unknown */
	char *arn;               /* owned, from STS, or NULL */
};

#define TFA_DIAG_OFFLINE 0x1u

const char *tfa_check_status_name(enum tfa_check_status s);

/*
 * Run the checks for profile (NULL: the selected one).  ctx's transport is
 * used for nothing: each network check makes its own connection.
 */
void tfa_diagnose(struct tfa_report *out, struct tfa_ctx *ctx, const char *profile,
		  unsigned flags);
/* 1 when no check failed. */
int tfa_report_ok(const struct tfa_report *r);
void tfa_report_dispose(struct tfa_report *r);

#endif
