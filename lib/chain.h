/*
 * chain — the credentials a profile resolves to, the way Terraform's SDK
 * (aws-sdk-go-v2) finds them, plus caching, so that a warm call costs a
 * file read and no network.
 *
 * Order (aws-reference.md §2.2, with DESIGN.md's rule that a chosen
 * profile beats keys in the environment):
 *   1. a profile chosen by name, AWS_PROFILE or AWS_DEFAULT_PROFILE;
 *   2. else AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 *   3. else AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN;
 *   4. else the "default" profile, else container credentials, else IMDS.
 * Inside a profile: a source_profile chain (static keys end it), static
 * keys, credential_source (Environment, Ec2InstanceMetadata,
 * EcsContainer), web_identity_token_file, SSO, credential_process,
 * container, IMDS; then each role_arn on top.
 *
 * Assumed-role credentials are cached in the AWS CLI's place and format
 * (lib/cache) and reused while more than the refresh window remains; a
 * refresh holds the entry's lock, so parallel processes make one call.
 * mfa_serial: one GetSessionToken session per device, cached, reused by
 * every role that names the device — one code for many profiles.  SSO
 * role credentials are cached like the AWS CLI's (§7.7); the token comes
 * from the shared SSO cache, its refresh token, or a device login.
 *
 * Network calls go through opts->net; with none, a resolution that needs
 * the network fails with TFA_EOFFLINE (the caller hands over to
 * tfauth-refresh), so the hot path never loads libcurl.
 */
#ifndef TFA_CHAIN_H
#define TFA_CHAIN_H

#include "config.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "sso.h"
#include "sts.h"

/* Returned when the network is needed and opts->net is NULL. */
#define TFA_EOFFLINE (-20)

enum tfa_cred_source {
	TFA_SOURCE_ENVIRONMENT,
	TFA_SOURCE_STATIC,
	TFA_SOURCE_MFA_SESSION,
	TFA_SOURCE_ASSUME_ROLE,
	TFA_SOURCE_WEB_IDENTITY,
	TFA_SOURCE_PROCESS,
	TFA_SOURCE_CONTAINER,
	TFA_SOURCE_IMDS,
	TFA_SOURCE_SSO
};
const char *tfa_cred_source_name(enum tfa_cred_source s);

/* The network operations; tfa_chain_net_aws (chain_net.c) is the real one. */
struct tfa_chain_net {
	int (*assume_role)(struct tfa_sts_session *out, struct tfa_ctx *ctx,
			   const struct tfa_sts_target *t, const struct tfa_creds *creds,
			   const struct tfa_sts_assume_role_params *p, struct tfa_err *err);
	int (*get_session_token)(struct tfa_sts_session *out, struct tfa_ctx *ctx,
				 const struct tfa_sts_target *t, const struct tfa_creds *creds,
				 const struct tfa_sts_session_token_params *p, struct tfa_err *err);
	int (*web_identity)(struct tfa_sts_session *out, struct tfa_ctx *ctx,
			    const struct tfa_sts_target *t,
			    const struct tfa_sts_web_identity_params *p, struct tfa_err *err);
	int (*container)(struct tfa_creds *out, struct tfa_ctx *ctx, struct tfa_err *err);
	int (*imds)(struct tfa_creds *out, struct tfa_ctx *ctx, struct tfa_err *err);
	int (*sso_token)(struct tfa_sso_token *token, struct tfa_ctx *ctx,
			 const struct tfa_config *cfg, const struct tfa_sso_config *sc,
			 unsigned flags, const struct tfa_sso_ui *ui, struct tfa_err *err);
	int (*sso_role_credentials)(struct tfa_creds *out, struct tfa_ctx *ctx,
				    const struct tfa_config *cfg,
				    const struct tfa_sso_config *sc,
				    const struct tfa_sso_token *token, struct tfa_err *err);
};
extern const struct tfa_chain_net tfa_chain_net_aws;

#define TFA_CHAIN_FORCE          0x1u /* refresh what can be, ignore fresh caches */
#define TFA_CHAIN_NONINTERACTIVE 0x2u /* never prompt: TFA_ELOGIN instead */
#define TFA_CHAIN_CACHE_ONLY     0x4u /* run nothing, call nothing: caches and files only */

struct tfa_chain_opts {
	unsigned flags;
	const struct tfa_chain_net *net;   /* NULL: no network */
	const char *mfa_code;              /* --mfa-code; else TFAUTH_MFA_CODE; else ask */
	/* Ask the user for an MFA code (tty); NULL: cannot ask (TFA_ELOGIN). */
	int (*ask_mfa)(char out[7], const char *serial, int attempt, void *data,
		       struct tfa_err *err);
	void *ask_data;
	/* How an SSO device login talks to the user; NULL: it may not. */
	const struct tfa_sso_ui *sso_ui;
};

struct tfa_resolved {
	struct tfa_creds creds;
	enum tfa_cred_source source;
	char *profile;          /* owned: the profile, NULL for the environment */
	char *arn;              /* owned: the assumed role's ARN when known */
	unsigned from_cache : 1;
	unsigned refreshable : 1; /* 0 for static keys and the environment's */
};

void tfa_resolved_init(struct tfa_resolved *r);
void tfa_resolved_dispose(struct tfa_resolved *r);

/*
 * Resolve the credentials for profile (NULL: the selection rules above).
 * Fails with the fix in err: TFA_ENOTFOUND (no profile, no credentials
 * anywhere), TFA_EINVAL (a broken profile), TFA_ELOGIN (an MFA code is
 * needed and none may be asked for), TFA_EOFFLINE (the network is needed
 * and opts->net is NULL), TFA_EAWS / TFA_ENET from the calls.
 */
int tfa_chain_resolve(struct tfa_resolved *out, struct tfa_ctx *ctx,
		      const struct tfa_config *cfg, const char *profile,
		      const struct tfa_chain_opts *opts, struct tfa_err *err);

#endif
