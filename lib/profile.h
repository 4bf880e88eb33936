/*
 * profile — which profile is selected, what kind it is, and where its
 * credentials come from, resolved from a loaded config without any network.
 *
 * Selection follows Terraform (aws-sdk-go-v2): a name given by the user,
 * else AWS_PROFILE, else AWS_DEFAULT_PROFILE (first non-empty), else
 * "default".  Region: AWS_REGION, then AWS_DEFAULT_REGION, then the
 * profile's `region`.
 *
 * Classification is go-v2's order for a top-level profile: role_arn with
 * source_profile or credential_source is a role; then static keys,
 * web_identity_token_file, SSO, credential_process.  source_profile
 * chains are walked the way the SDKs do (aws-reference.md §2.4): a source
 * profile with static keys ends the chain, one without keys but with
 * role_arn chains on, and any revisit except a keyed profile naming itself
 * is a loop, reported with its path.
 */
#ifndef TFA_PROFILE_H
#define TFA_PROFILE_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ctx.h"
#include "err.h"

enum tfa_profile_kind {
	TFA_PROFILE_NONE,         /* no credentials of its own */
	TFA_PROFILE_STATIC,       /* aws_access_key_id + aws_secret_access_key */
	TFA_PROFILE_ASSUME_ROLE,  /* role_arn + source_profile | credential_source */
	TFA_PROFILE_WEB_IDENTITY, /* role_arn + web_identity_token_file */
	TFA_PROFILE_SSO,          /* sso_session or sso_start_url/... */
	TFA_PROFILE_PROCESS       /* credential_process */
};

const char *tfa_profile_kind_name(enum tfa_profile_kind kind);
/* Classify one section by its own settings; never fails. */
enum tfa_profile_kind tfa_profile_classify(const struct tfa_section *s);

enum tfa_profile_origin {
	TFA_ORIGIN_ARGUMENT,
	TFA_ORIGIN_AWS_PROFILE,
	TFA_ORIGIN_AWS_DEFAULT_PROFILE,
	TFA_ORIGIN_DEFAULT
};

struct tfa_selection {
	const char *name;              /* borrowed from the argument or ctx */
	enum tfa_profile_origin origin;
	/* AWS_DEFAULT_PROFILE when AWS_PROFILE won over a different value */
	const char *shadowed_default_profile;
};

void tfa_profile_select(struct tfa_selection *out, const struct tfa_ctx *ctx,
			const char *name);
/* "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "the command line", "the default" */
const char *tfa_profile_origin_name(enum tfa_profile_origin origin);

#define TFA_PROFILE_MAX_CHAIN 32

struct tfa_profile {
	const struct tfa_section *section;
	const char *name;
	enum tfa_profile_kind kind;
	const char *region;                 /* the profile's own, or NULL */
	const struct tfa_setting *region_setting;
	char account_id[16];                /* "" when unknown */
	time_t expiration;                  /* 0 when unknown */
	/* The source_profile walk: chain[0] is this profile; the last one
	 * supplies the base credentials (kind base_kind). */
	const struct tfa_section *chain[TFA_PROFILE_MAX_CHAIN];
	size_t nchain;
	enum tfa_profile_kind base_kind;
	const char *credential_source;      /* at the end of the chain, or NULL */
	const struct tfa_section *sso_session; /* for SSO profiles with sso_session */
};

/*
 * Resolve name in cfg.  Fails (with the fix in err) for an unknown profile
 * (suggesting close names), a source_profile loop, a missing source
 * profile, source_profile together with credential_source, an invalid
 * credential_source, role_arn without a source, only one of the two static
 * keys, an sso_session that names no section.
 */
int tfa_profile_resolve(struct tfa_profile *out, const struct tfa_config *cfg,
			const char *name, struct tfa_err *err);

/*
 * The profiles whose role_arn is assumed, in order: the one next to the
 * base credentials first, the resolved profile last.  That is each profile
 * of the chain but the base, and the base too when its own role is
 * assumed (credential_source, or a keyed profile naming itself).  out must
 * hold TFA_PROFILE_MAX_CHAIN entries.  Returns how many.
 */
size_t tfa_profile_roles(const struct tfa_profile *p, const struct tfa_section **out);

/* Fill err for a profile that does not exist, with "did you mean". */
int tfa_profile_not_found(struct tfa_err *err, const struct tfa_config *cfg,
			  const char *name);

/*
 * Up to max profile names closest to name (edit distance, case-insensitive
 * prefix), best first.  Returns how many were written.
 */
size_t tfa_profile_suggest(const char **out, size_t max,
			   const struct tfa_config *cfg, const char *name);

/*
 * The region in effect for a profile: AWS_REGION, AWS_DEFAULT_REGION, then
 * the profile's region (section may be NULL).  *origin (if not NULL) gets
 * "AWS_REGION", "AWS_DEFAULT_REGION", "profile" or NULL when none.
 */
const char *tfa_profile_region(const struct tfa_ctx *ctx,
			       const struct tfa_section *section,
			       const char **origin);

#endif
