/* profile — see profile.h. */
#include "profile.h"
#include "buf.h"
#include "timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *
tfa_profile_kind_name(enum tfa_profile_kind kind)
{
	switch (kind) {
	case TFA_PROFILE_STATIC:
		return "static";
	case TFA_PROFILE_ASSUME_ROLE:
		return "assume-role";
	case TFA_PROFILE_WEB_IDENTITY:
		return "web-identity";
	case TFA_PROFILE_SSO:
		return "sso";
	case TFA_PROFILE_PROCESS:
		return "process";
	case TFA_PROFILE_NONE:
	default:
		return "none";
	}
}

static int
has(const struct tfa_section *s, const char *key)
{
	const char *v = tfa_section_value(s, key);
	return v && *v;
}

static int
has_static_keys(const struct tfa_section *s)
{
	return has(s, "aws_access_key_id") && has(s, "aws_secret_access_key");
}

enum tfa_profile_kind
tfa_profile_classify(const struct tfa_section *s)
{
	if (has(s, "role_arn") && (has(s, "source_profile") || has(s, "credential_source")))
		return TFA_PROFILE_ASSUME_ROLE;
	if (has(s, "aws_access_key_id") || has(s, "aws_secret_access_key"))
		return TFA_PROFILE_STATIC;
	if (has(s, "web_identity_token_file"))
		return TFA_PROFILE_WEB_IDENTITY;
	if (has(s, "sso_session") || has(s, "sso_start_url") ||
	    has(s, "sso_account_id") || has(s, "sso_role_name"))
		return TFA_PROFILE_SSO;
	if (has(s, "credential_process"))
		return TFA_PROFILE_PROCESS;
	return TFA_PROFILE_NONE;
}

void
tfa_profile_select(struct tfa_selection *out, const struct tfa_ctx *ctx,
		   const char *name)
{
	const char *p = tfa_ctx_getenv_nonempty(ctx, "AWS_PROFILE");
	const char *dp = tfa_ctx_getenv_nonempty(ctx, "AWS_DEFAULT_PROFILE");

	memset(out, 0, sizeof(*out));
	if (name && *name) {
		out->name = name;
		out->origin = TFA_ORIGIN_ARGUMENT;
	} else if (p) {
		out->name = p;
		out->origin = TFA_ORIGIN_AWS_PROFILE;
		if (dp && strcmp(dp, p) != 0)
			out->shadowed_default_profile = dp;
	} else if (dp) {
		out->name = dp;
		out->origin = TFA_ORIGIN_AWS_DEFAULT_PROFILE;
	} else {
		out->name = "default";
		out->origin = TFA_ORIGIN_DEFAULT;
	}
}

const char *
tfa_profile_origin_name(enum tfa_profile_origin origin)
{
	switch (origin) {
	case TFA_ORIGIN_ARGUMENT:
		return "the command line";
	case TFA_ORIGIN_AWS_PROFILE:
		return "AWS_PROFILE";
	case TFA_ORIGIN_AWS_DEFAULT_PROFILE:
		return "AWS_DEFAULT_PROFILE";
	case TFA_ORIGIN_DEFAULT:
	default:
		return "the default";
	}
}

const char *
tfa_profile_region(const struct tfa_ctx *ctx, const struct tfa_section *section,
		   const char **origin)
{
	const char *v;

	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_REGION"))) {
		if (origin)
			*origin = "AWS_REGION";
		return v;
	}
	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_DEFAULT_REGION"))) {
		if (origin)
			*origin = "AWS_DEFAULT_REGION";
		return v;
	}
	v = section ? tfa_section_value(section, "region") : NULL;
	if (v && *v) {
		if (origin)
			*origin = "profile";
		return v;
	}
	if (origin)
		*origin = NULL;
	return NULL;
}

/* ------------------------------------------------------------ suggestions */

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

/*
 * Optimal string alignment distance, case-insensitive: a swap of two
 * neighbours costs 1, so "prdo" is closer to "prod" than to "proc".
 * Stops early once every cell of a row is over limit.
 */
static size_t
edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, d;
	size_t *r0, *r1, *r2, *tmp;

	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	r0 = tfa_xcalloc(lb + 1, sizeof(*r0)); /* row i-2 */
	r1 = tfa_xcalloc(lb + 1, sizeof(*r1)); /* row i-1 */
	r2 = tfa_xcalloc(lb + 1, sizeof(*r2)); /* row i */
	for (j = 0; j <= lb; j++)
		r1[j] = j;
	d = la == 0 ? lb : limit + 1;
	for (i = 1; i <= la; i++) {
		r2[0] = i;
		best = i;
		for (j = 1; j <= lb; j++) {
			int ca = fold(a[i - 1]), cb = fold(b[j - 1]);
			d = r1[j - 1] + (ca != cb);
			if (r1[j] + 1 < d)
				d = r1[j] + 1;
			if (r2[j - 1] + 1 < d)
				d = r2[j - 1] + 1;
			if (i > 1 && j > 1 && ca == fold(b[j - 2]) && fold(a[i - 2]) == cb &&
			    r0[j - 2] + 1 < d)
				d = r0[j - 2] + 1;
			r2[j] = d;
			if (d < best)
				best = d;
		}
		tmp = r0;
		r0 = r1;
		r1 = r2;
		r2 = tmp;
		if (best > limit) {
			d = limit + 1;
			goto out;
		}
	}
	d = r1[lb];
out:
	free(r0);
	free(r1);
	free(r2);
	return d;
}

size_t
tfa_profile_suggest(const char **out, size_t max, const struct tfa_config *cfg,
		    const char *name)
{
	size_t n = tfa_config_profile_count(cfg), i, j, k = 0, nlen = strlen(name);
	size_t limit = nlen < 6 ? 2 : nlen / 3;
	size_t *score = tfa_xcalloc(max ? max : 1, sizeof(*score));

	for (i = 0; i < n && max; i++) {
		const char *cand = tfa_config_profile_at(cfg, i)->name;
		size_t d;
		/* A name that starts with what was typed is a good guess. */
		if (strcasecmp(cand, name) == 0)
			d = 0; /* only the case differs */
		else if (nlen >= 2 && strncasecmp(cand, name, nlen) == 0)
			d = 1;
		else
			d = edit_distance(name, cand, limit);
		if (d > limit)
			continue;
		/* insert sorted by score, keeping the best max */
		for (j = k; j > 0 && score[j - 1] > d; j--) {
			if (j < max) {
				score[j] = score[j - 1];
				out[j] = out[j - 1];
			}
		}
		if (j < max) {
			score[j] = d;
			out[j] = cand;
			if (k < max)
				k++;
		}
	}
	free(score);
	return k;
}

int
tfa_profile_not_found(struct tfa_err *err, const struct tfa_config *cfg,
		      const char *name)
{
	const char *sugg[3];
	size_t n = tfa_profile_suggest(sugg, 3, cfg, name), i;
	struct tfa_buf b = TFA_BUF_INIT;
	int rc;

	rc = tfa_err_set(err, TFA_ENOTFOUND, "profile '%s' not found in '%s'", name,
			 tfa_config_config_path(cfg) ? tfa_config_config_path(cfg) : "~/.aws/config");
	if (n) {
		tfa_buf_adds(&b, "did you mean ");
		for (i = 0; i < n; i++)
			tfa_buf_addf(&b, "%s'%s'", i == 0 ? "" : i + 1 == n ? " or " : ", ", sugg[i]);
		tfa_buf_adds(&b, "? ('tfauth-profile list' shows them all)");
	} else if (tfa_config_profile_count(cfg)) {
		tfa_buf_adds(&b, "'tfauth-profile list' shows the profiles there are");
	} else {
		tfa_buf_adds(&b, "there are no profiles yet: add one with 'aws configure --profile NAME'");
	}
	tfa_err_hint(err, "%s", b.ptr);
	tfa_buf_dispose(&b);
	return rc;
}

/* -------------------------------------------------------------- resolving */

static void
account_from_arn(char out[16], const char *arn)
{
	const char *p = arn;
	int field;
	size_t n;

	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
	for (field = 0; field < 4 && p; field++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (!p)
		return;
	n = strcspn(p, ":");
	if (n == 12 && strspn(p, "0123456789") >= 12) {
		memcpy(out, p, 12);
		out[12] = '\0';
	}
}

static void
set_account(char out[16], const char *v)
{
	if (v && strlen(v) == 12 && strspn(v, "0123456789") == 12)
		memcpy(out, v, 13);
}

static int
check_partial_keys(const struct tfa_section *s, struct tfa_err *err)
{
	int id = has(s, "aws_access_key_id"), secret = has(s, "aws_secret_access_key");
	const struct tfa_setting *set;

	if (id == secret)
		return 0;
	set = tfa_section_get(s, id ? "aws_access_key_id" : "aws_secret_access_key");
	tfa_err_set(err, TFA_EINVAL, "partial credentials found for profile '%s': "
		    "%s without %s", s->name,
		    id ? "aws_access_key_id" : "aws_secret_access_key",
		    id ? "aws_secret_access_key" : "aws_access_key_id");
	tfa_err_hint(err, "add the missing key next to %s:%u, or set both with "
		     "'tfauth-profile set-keys %s'", set->file, set->line, s->name);
	return TFA_EINVAL;
}

static int
is_valid_credential_source(const char *v)
{
	/* Exact spelling: botocore and go-v2 both reject any other case. */
	return strcmp(v, "Environment") == 0 || strcmp(v, "Ec2InstanceMetadata") == 0 ||
	       strcmp(v, "EcsContainer") == 0;
}

static int
loop_error(struct tfa_err *err, struct tfa_profile *p, const char *again)
{
	struct tfa_buf b = TFA_BUF_INIT;
	size_t i;

	for (i = 0; i < p->nchain; i++)
		tfa_buf_addf(&b, "'%s' -> ", p->chain[i]->name);
	tfa_buf_addf(&b, "'%s'", again);
	tfa_err_set(err, TFA_ELOOP, "source_profile loop: %s", b.ptr);
	tfa_err_hint(err, "give one profile in the loop static keys or a "
		     "credential_source instead of source_profile");
	tfa_buf_dispose(&b);
	return TFA_ELOOP;
}

int
tfa_profile_resolve(struct tfa_profile *out, const struct tfa_config *cfg,
		    const char *name, struct tfa_err *err)
{
	struct tfa_profile p;
	const struct tfa_section *s, *next;
	const char *src, *csrc, *v;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	s = tfa_config_profile(cfg, name);
	if (!s)
		return tfa_profile_not_found(err, cfg, name);
	p.section = s;
	p.name = s->name;
	p.kind = tfa_profile_classify(s);
	p.region = tfa_section_value(s, "region");
	if (p.region && !*p.region)
		p.region = NULL;
	p.region_setting = tfa_section_get(s, "region");

	/* Walk source_profile: chain[0] is s. */
	p.chain[p.nchain++] = s;
	for (;;) {
		int top = p.nchain == 1;
		src = tfa_section_value(s, "source_profile");
		csrc = tfa_section_value(s, "credential_source");
		if (src && !*src)
			src = NULL;
		if (csrc && !*csrc)
			csrc = NULL;
		if ((rc = check_partial_keys(s, err)) < 0)
			return rc;
		/* In a source profile, static keys end the chain. */
		if (!top && has_static_keys(s)) {
			p.base_kind = TFA_PROFILE_STATIC;
			break;
		}
		if (!has(s, "role_arn") || (!src && !csrc)) {
			if ((src || csrc) && !has(s, "role_arn")) {
				const struct tfa_setting *set =
					tfa_section_get(s, src ? "source_profile" : "credential_source");
				tfa_err_set(err, TFA_EINVAL, "profile '%s' sets %s but no role_arn",
					    s->name, src ? "source_profile" : "credential_source");
				tfa_err_hint(err, "add 'role_arn = arn:aws:iam::ACCOUNT:role/NAME' "
					     "to the profile (%s:%u)", set->file, set->line);
				return TFA_EINVAL;
			}
			if (has(s, "role_arn") && !has(s, "web_identity_token_file")) {
				const struct tfa_setting *set = tfa_section_get(s, "role_arn");
				tfa_err_set(err, TFA_EINVAL, "profile '%s' has role_arn but no "
					    "source_profile or credential_source", s->name);
				tfa_err_hint(err, "add 'source_profile = PROFILE' (the profile whose "
					     "credentials assume the role) near %s:%u",
					     set->file, set->line);
				return TFA_EINVAL;
			}
			p.base_kind = tfa_profile_classify(s);
			break;
		}
		if (src && csrc) {
			tfa_err_set(err, TFA_EINVAL, "profile '%s' sets both source_profile "
				    "and credential_source", s->name);
			tfa_err_hint(err, "keep only one of them (%s:%u)",
				     tfa_section_get(s, "credential_source")->file,
				     tfa_section_get(s, "credential_source")->line);
			return TFA_EINVAL;
		}
		if (csrc) {
			if (!is_valid_credential_source(csrc)) {
				const struct tfa_setting *set = tfa_section_get(s, "credential_source");
				tfa_err_set(err, TFA_EINVAL, "credential_source '%s' in profile '%s' "
					    "is not valid", csrc, s->name);
				tfa_err_hint(err, "use Environment, Ec2InstanceMetadata or "
					     "EcsContainer, spelled exactly so (%s:%u)",
					     set->file, set->line);
				return TFA_EINVAL;
			}
			p.credential_source = csrc;
			p.base_kind = TFA_PROFILE_NONE;
			break;
		}
		/* A keyed profile may name itself: its keys assume its role. */
		if (strcmp(src, s->name) == 0 && has_static_keys(s)) {
			p.base_kind = TFA_PROFILE_STATIC;
			break;
		}
		for (i = 0; i < p.nchain; i++)
			if (strcmp(p.chain[i]->name, src) == 0)
				return loop_error(err, &p, src);
		next = tfa_config_profile(cfg, src);
		if (!next) {
			struct tfa_err nf;
			tfa_err_clear(&nf);
			tfa_profile_not_found(&nf, cfg, src);
			tfa_err_set(err, TFA_ENOTFOUND, "source_profile '%s' of profile '%s' "
				    "does not exist", src, s->name);
			tfa_err_hint(err, "%s", nf.hint);
			return TFA_ENOTFOUND;
		}
		if (p.nchain == TFA_PROFILE_MAX_CHAIN) {
			tfa_err_set(err, TFA_ELOOP, "the source_profile chain of '%s' is "
				    "longer than %d profiles", name, TFA_PROFILE_MAX_CHAIN);
			return TFA_ELOOP;
		}
		p.chain[p.nchain++] = next;
		s = next;
	}

	if (p.kind == TFA_PROFILE_SSO && (v = tfa_section_value(p.section, "sso_session")) && *v) {
		p.sso_session = tfa_config_sso_session(cfg, v);
		if (!p.sso_session) {
			const struct tfa_setting *set = tfa_section_get(p.section, "sso_session");
			tfa_err_set(err, TFA_ENOTFOUND, "sso_session '%s' of profile '%s' names "
				    "no [sso-session %s] section", v, p.name, v);
			tfa_err_hint(err, "add [sso-session %s] with sso_start_url and "
				     "sso_region to the config file, or fix %s:%u", v,
				     set->file, set->line);
			return TFA_ENOTFOUND;
		}
	}

	/* The account, where the files tell it. */
	if ((v = tfa_section_value(p.section, "role_arn")) && *v)
		account_from_arn(p.account_id, v);
	if (!p.account_id[0])
		set_account(p.account_id, tfa_section_value(p.section, "sso_account_id"));
	if (!p.account_id[0])
		set_account(p.account_id, tfa_section_value(p.section, "aws_account_id"));
	/* Tools such as saml2aws write the session's expiry next to it. */
	if ((v = tfa_section_value(p.section, "x_security_token_expires")) ||
	    (v = tfa_section_value(p.section, "aws_expiration")))
		if (tfa_time_parse(&p.expiration, v) < 0)
			p.expiration = 0;
	*out = p;
	return 0;
}

size_t
tfa_profile_roles(const struct tfa_profile *p, const struct tfa_section **out)
{
	size_t n = 0, i, last;

	if (p->kind != TFA_PROFILE_ASSUME_ROLE || p->nchain == 0)
		return 0;
	last = p->nchain - 1;
	if (p->credential_source || last == 0)
		out[n++] = p->chain[last];
	for (i = last; i-- > 0;)
		out[n++] = p->chain[i];
	return n;
}
