/*
 * iam — the AWS IAM calls the doctor makes (Query API, Version 2010-05-08):
 * ListAccessKeys and GetAccessKeyLastUsed.
 *
 * The promise: each call is a signed POST to the endpoint the caller
 * resolved (IAM is global: https://iam.amazonaws.com signed for us-east-1
 * in the aws partition), read with awsquery, so errors are one clear
 * tfa_err as described in awsquery.h and sts.h.  ListAccessKeys follows
 * IsTruncated/Marker pagination up to TFA_IAM_MAX_PAGES pages.  Out
 * parameters are written only on success; the caller initialises them
 * first and disposes them after.  Nothing returned here is a secret.
 */
#ifndef TFA_IAM_H
#define TFA_IAM_H

#include <stddef.h>
#include <time.h>

#include "creds.h"
#include "ctx.h"
#include "err.h"

#define TFA_IAM_VERSION "2010-05-08"
/* A user has at most two access keys; 20 pages of 100 is plenty. */
#define TFA_IAM_MAX_PAGES 20

/* Where to send a call; the strings are borrowed. */
struct tfa_iam_target {
	const char *endpoint; /* "https://iam.amazonaws.com" */
	const char *region;   /* SigV4 signing region: "us-east-1" */
	const char *profile;  /* optional: named in hints; NULL says "PROFILE" */
};

enum tfa_iam_key_status {
	TFA_IAM_KEY_UNKNOWN = 0, /* a status this version does not know */
	TFA_IAM_KEY_ACTIVE,
	TFA_IAM_KEY_INACTIVE
};

struct tfa_iam_access_key {
	char *user_name;                /* owned */
	char *access_key_id;            /* owned */
	enum tfa_iam_key_status status;
	char *status_text;              /* owned: as AWS wrote it, "Active" */
	time_t create_date;             /* 0 when the reply had none */
};

struct tfa_iam_access_key_list {
	struct tfa_iam_access_key *keys; /* owned, in the order AWS listed */
	size_t n;
	char *user_name;                 /* owned: ListAccessKeysResult/UserName
					    when AWS said it, else the name
					    asked for, else NULL */
	int pages;                       /* requests it took */
	char request_id[80];             /* of the last page */
};

void tfa_iam_access_key_list_init(struct tfa_iam_access_key_list *l);
void tfa_iam_access_key_list_dispose(struct tfa_iam_access_key_list *l);

/* "Active", "Inactive", or "unknown". */
const char *tfa_iam_key_status_name(enum tfa_iam_key_status s);

/*
 * ListAccessKeys of user_name, or (NULL) of the user owning the signing
 * long-term key; temporary credentials must name the user.  0, or a
 * negative TFA_E*: TFA_ETOOBIG past TFA_IAM_MAX_PAGES pages, TFA_EINVAL for
 * a page that says IsTruncated without a Marker or a key without an id.
 */
int tfa_iam_list_access_keys(struct tfa_iam_access_key_list *out,
			     struct tfa_ctx *ctx,
			     const struct tfa_iam_target *t,
			     const struct tfa_creds *creds,
			     const char *user_name, struct tfa_err *err);

struct tfa_iam_key_last_used {
	char *user_name;       /* owned */
	time_t last_used_date; /* 0: never used */
	char *service_name;    /* owned: "s3", or "N/A" when never used */
	char *region;          /* owned: "us-east-1", or "N/A" */
	char request_id[80];
};

void tfa_iam_key_last_used_init(struct tfa_iam_key_last_used *u);
void tfa_iam_key_last_used_dispose(struct tfa_iam_key_last_used *u);

/* GetAccessKeyLastUsed of access_key_id.  0, or a negative TFA_E*. */
int tfa_iam_get_access_key_last_used(struct tfa_iam_key_last_used *out,
				     struct tfa_ctx *ctx,
				     const struct tfa_iam_target *t,
				     const struct tfa_creds *creds,
				     const char *access_key_id,
				     struct tfa_err *err);

#endif
