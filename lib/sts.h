/*
 * sts — the AWS STS calls tfauth makes (Query API, Version 2011-06-15):
 * GetCallerIdentity, AssumeRole, GetSessionToken and
 * AssumeRoleWithWebIdentity.
 *
 * The promise: each call is one signed POST to the endpoint the caller
 * resolved (this module does no endpoint resolution), read with awsquery,
 * so a failure is one clear tfa_err — for an AWS error document with
 * err->aws_code ("InvalidClientTokenId", "ExpiredToken", ...),
 * err->request_id, err->http_status and a hint naming the fix; for a reply
 * that cannot be read (not XML, truncated, fields missing, an Expiration
 * that is not a time) TFA_EINVAL.  Out-parameters are written only on
 * success; the caller initialises them first and disposes them after.
 *
 * Secrets: SecretAccessKey and SessionToken go from the reply's secret
 * buffers straight into a struct tfa_creds; nothing else keeps a copy, and
 * nothing here puts them in a message.  Request bodies that carry a
 * TokenCode or WebIdentityToken live in secret buffers too.
 */
#ifndef TFA_STS_H
#define TFA_STS_H

#include <time.h>

#include "creds.h"
#include "ctx.h"
#include "err.h"

#define TFA_STS_VERSION "2011-06-15"

/* Where to send a call; the strings are borrowed. */
struct tfa_sts_target {
	const char *endpoint; /* "https://sts.eu-west-1.amazonaws.com" */
	const char *region;   /* SigV4 signing region: "eu-west-1" */
	const char *profile;  /* optional: named in hints ("tfauth-refresh
				 PROFILE"); NULL says "PROFILE" */
};

struct tfa_sts_identity {
	char *account;        /* owned: "222222222222" */
	char *arn;            /* owned: "arn:aws:iam::222222222222:user/Alice" */
	char *user_id;        /* owned: "AIDA..." or "AROA...:session" */
	time_t server_time;   /* the reply's Date header; 0 when absent */
	char request_id[80];
};

void tfa_sts_identity_init(struct tfa_sts_identity *id);
void tfa_sts_identity_dispose(struct tfa_sts_identity *id);

/* The credentials a call handed out. */
struct tfa_sts_session {
	struct tfa_creds creds;   /* expiration set; account_id set when the
				     assumed-role ARN names it */
	char *assumed_role_arn;   /* owned: AssumedRoleUser/Arn,
				     "arn:aws:sts::ACCT:assumed-role/ROLE/SESSION";
				     NULL for GetSessionToken */
	char *assumed_role_id;    /* owned: AssumedRoleUser/AssumedRoleId, or NULL */
	time_t server_time;       /* the reply's Date header; 0 when absent */
	char request_id[80];
};

void tfa_sts_session_init(struct tfa_sts_session *s);
/* Wipes the credentials; safe to call twice. */
void tfa_sts_session_dispose(struct tfa_sts_session *s);

/*
 * Parameters of the calls below, borrowed.  NULL strings and a 0 duration
 * are left out of the request, so AWS's defaults apply (3600 s for the
 * role calls, 43200 s for GetSessionToken).  Ranges are AWS's to enforce.
 */
struct tfa_sts_assume_role_params {
	const char *role_arn;          /* required */
	const char *role_session_name; /* required */
	const char *external_id;
	const char *serial_number;     /* MFA device ARN (mfa_serial) */
	const char *token_code;        /* the 6-digit MFA code: a secret */
	long duration_seconds;         /* 900..43200, or 0 */
};

struct tfa_sts_session_token_params {
	const char *serial_number;     /* optional MFA device */
	const char *token_code;        /* required with serial_number */
	long duration_seconds;         /* 900..129600, or 0 */
};

struct tfa_sts_web_identity_params {
	const char *role_arn;           /* required */
	const char *role_session_name;  /* required */
	const char *web_identity_token; /* required: the OIDC token, a secret */
	long duration_seconds;          /* 900..43200, or 0 */
};

/*
 * Who are these credentials?  GetCallerIdentity, signed with creds.
 * 0, or a negative TFA_E* with err filled.
 */
int tfa_sts_get_caller_identity(struct tfa_sts_identity *out,
				struct tfa_ctx *ctx,
				const struct tfa_sts_target *t,
				const struct tfa_creds *creds,
				struct tfa_err *err);

/*
 * AssumeRole, signed with creds.  TFA_EINVAL, before any request, for a
 * missing role ARN or session name, or a serial number without a code.
 */
int tfa_sts_assume_role(struct tfa_sts_session *out, struct tfa_ctx *ctx,
			const struct tfa_sts_target *t,
			const struct tfa_creds *creds,
			const struct tfa_sts_assume_role_params *p,
			struct tfa_err *err);

/* GetSessionToken, signed with creds (long-term keys). */
int tfa_sts_get_session_token(struct tfa_sts_session *out, struct tfa_ctx *ctx,
			      const struct tfa_sts_target *t,
			      const struct tfa_creds *creds,
			      const struct tfa_sts_session_token_params *p,
			      struct tfa_err *err);

/* AssumeRoleWithWebIdentity: UNSIGNED, no credentials needed. */
int tfa_sts_assume_role_with_web_identity(
	struct tfa_sts_session *out, struct tfa_ctx *ctx,
	const struct tfa_sts_target *t,
	const struct tfa_sts_web_identity_params *p, struct tfa_err *err);

#endif
