/* diagnose — see diagnose.h. */
#include "diagnose.h"
#include "buf.h"
#include "chain.h"
#include "config.h"
#include "creds.h"
#include "endpoint.h"
#include "http.h"
#include "iam.h"
#include "profile.h"
#include "sso.h"
#include "sts.h"
#include "timeutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *
tfa_check_status_name(enum tfa_check_status s)
{
	switch (s) {
	case TFA_CHECK_OK:
		return "ok";
	case TFA_CHECK_INFO:
		return "info";
	case TFA_CHECK_WARN:
		return "warn";
	case TFA_CHECK_FAIL:
		return "fail";
	case TFA_CHECK_SKIP:
	default:
		return "skip";
	}
}

static char *
vfmt(const char *fmt, va_list ap)
{
	struct tfa_buf b = TFA_BUF_INIT;

	tfa_buf_vaddf(&b, fmt, ap);
	return tfa_buf_detach(&b);
}

static __attribute__((format(printf, 4, 5))) struct tfa_check *
add_check(struct tfa_report *r, const char *id, enum tfa_check_status st,
	  const char *fmt, ...)
{
	struct tfa_check *c;
	va_list ap;

	r->checks = tfa_xgrow(r->checks, &r->calloc_, r->nchecks + 1, sizeof(*r->checks));
	c = &r->checks[r->nchecks++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->status = st;
	va_start(ap, fmt);
	c->summary = vfmt(fmt, ap);
	va_end(ap);
	return c;
}

static __attribute__((format(printf, 2, 3))) void
set_fix(struct tfa_check *c, const char *fmt, ...)
{
	va_list ap;

	free(c->fix);
	va_start(ap, fmt);
	c->fix = vfmt(fmt, ap);
	va_end(ap);
}

static __attribute__((format(printf, 2, 3))) void
set_summary(struct tfa_check *c, const char *fmt, ...)
{
	va_list ap;

	free(c->summary);
	va_start(ap, fmt);
	c->summary = vfmt(fmt, ap);
	va_end(ap);
}

static __attribute__((format(printf, 2, 3))) void
add_detail(struct tfa_check *c, const char *fmt, ...)
{
	va_list ap;

	c->details = tfa_xrealloc(c->details, (c->ndetails + 1) * sizeof(*c->details));
	va_start(ap, fmt);
	c->details[c->ndetails++] = vfmt(fmt, ap);
	va_end(ap);
}

/* "****WZFK" for a key id: enough to recognise it. */
static void
short_mask(char out[16], const char *key)
{
	size_t n = key ? strlen(key) : 0;

	memcpy(out, "****", 5);
	if (n >= 8)
		memcpy(out + 4, key + n - 4, 5);
}

static char *
where(const struct tfa_setting *s)
{
	struct tfa_buf b = TFA_BUF_INIT;

	if (s)
		tfa_buf_addf(&b, "%s:%u", s->file, s->line);
	return tfa_buf_detach(&b);
}

/* ------------------------------------------------------------ the checks */

struct diag {
	struct tfa_report *r;
	struct tfa_ctx *ctx;
	struct tfa_config *cfg;
	struct tfa_selection sel;
	struct tfa_profile prof;
	int have_profile;        /* prof is resolved */
	int env_keys;            /* AWS_ACCESS_KEY_ID set */
	int env_keys_used;       /* ... and they are what the check uses */
	int env_web_identity;    /* no profile, no keys: AWS_WEB_IDENTITY_TOKEN_FILE */
	unsigned flags;
};

static void
check_environment(struct diag *d)
{
	struct tfa_ctx *ctx = d->ctx;
	const char *key = tfa_ctx_getenv_nonempty(ctx, "AWS_ACCESS_KEY_ID");
	const char *p = tfa_ctx_getenv_nonempty(ctx, "AWS_PROFILE");
	const char *dp = tfa_ctx_getenv_nonempty(ctx, "AWS_DEFAULT_PROFILE");
	const char *secret = tfa_ctx_getenv_nonempty(ctx, "AWS_SECRET_ACCESS_KEY");
	const char *token = tfa_ctx_getenv_nonempty(ctx, "AWS_SESSION_TOKEN");
	struct tfa_check *c;
	char masked[16];
	int problems = 0;

	d->env_keys = key != NULL;
	if (key && d->sel.origin != TFA_ORIGIN_DEFAULT) {
		/* The user chose a profile; keys in the environment are stale. */
		short_mask(masked, key);
		c = add_check(d->r, "environment", TFA_CHECK_FAIL,
			      "AWS_ACCESS_KEY_ID (%s) in the environment overrides profile '%s' "
			      "for Terraform and the AWS CLI", masked, d->sel.name);
		set_fix(c, "eval \"$(tfauth-env %s)\"   (clears the stale AWS_* keys)", d->sel.name);
		problems++;
	} else if (key) {
		d->env_keys_used = 1;
		short_mask(masked, key);
		if (!secret) {
			c = add_check(d->r, "environment", TFA_CHECK_FAIL,
				      "AWS_ACCESS_KEY_ID (%s) is set but AWS_SECRET_ACCESS_KEY is not",
				      masked);
			set_fix(c, "export AWS_SECRET_ACCESS_KEY, or unset AWS_ACCESS_KEY_ID and "
				"use a profile: eval \"$(tfauth-env PROFILE)\"");
			problems++;
		} else {
			add_check(d->r, "environment", TFA_CHECK_INFO,
				  "credentials come from the environment: AWS_ACCESS_KEY_ID (%s)%s",
				  masked, token ? " with AWS_SESSION_TOKEN" : "");
		}
	} else if (!key && (secret || token)) {
		c = add_check(d->r, "environment", TFA_CHECK_WARN,
			      "%s is set without AWS_ACCESS_KEY_ID; it is ignored",
			      secret ? "AWS_SECRET_ACCESS_KEY" : "AWS_SESSION_TOKEN");
		set_fix(c, "eval \"$(tfauth-env %s)\"", d->sel.name);
		problems++;
	}
	if (!key && d->sel.origin == TFA_ORIGIN_DEFAULT &&
	    tfa_ctx_getenv_nonempty(ctx, "AWS_WEB_IDENTITY_TOKEN_FILE")) {
		/* The SDKs' next step after keys: web identity (CI's OIDC). */
		const char *role = tfa_ctx_getenv_nonempty(ctx, "AWS_ROLE_ARN");

		d->env_web_identity = 1;
		if (!role) {
			c = add_check(d->r, "environment", TFA_CHECK_FAIL,
				      "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
			set_fix(c, "export AWS_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME (the "
				"role the token may assume)");
			problems++;
		} else {
			add_check(d->r, "environment", TFA_CHECK_INFO,
				  "credentials come from web identity: role %s, token in %s",
				  role, tfa_ctx_getenv(ctx, "AWS_WEB_IDENTITY_TOKEN_FILE"));
		}
	}
	if (p && dp && strcmp(p, dp) != 0) {
		c = add_check(d->r, "environment", TFA_CHECK_WARN,
			      "AWS_PROFILE='%s' and AWS_DEFAULT_PROFILE='%s' disagree: Terraform "
			      "uses AWS_PROFILE, the AWS CLI v1 AWS_DEFAULT_PROFILE", p, dp);
		set_fix(c, "eval \"$(tfauth-env %s)\"   (unsets AWS_DEFAULT_PROFILE)", p);
		problems++;
	}
	if (!problems && !d->env_keys_used && !d->env_web_identity)
		add_check(d->r, "environment", TFA_CHECK_OK,
			  "no stale AWS_* credentials in the environment");
}

static void
check_profile(struct diag *d)
{
	struct tfa_err err;
	struct tfa_check *c;
	struct tfa_buf chain = TFA_BUF_INIT;
	const struct tfa_section *s;
	size_t i;

	tfa_err_clear(&err);
	if (d->env_keys_used) {
		add_check(d->r, "profile", TFA_CHECK_INFO, "no profile selected: the "
			  "environment's keys are used");
		return;
	}
	if (d->env_web_identity) {
		add_check(d->r, "profile", TFA_CHECK_INFO, "no profile selected: web "
			  "identity from the environment is used");
		return;
	}
	if (tfa_profile_resolve(&d->prof, d->cfg, d->sel.name, &err) < 0) {
		if (err.code == TFA_ENOTFOUND && d->sel.origin == TFA_ORIGIN_DEFAULT &&
		    !tfa_config_profile(d->cfg, d->sel.name)) {
			c = add_check(d->r, "profile", TFA_CHECK_FAIL,
				      "no profile is selected and there is no 'default' profile: "
				      "Terraform will look for instance credentials and fail");
			set_fix(c, "pick one: eval \"$(tfauth-env PROFILE)\" "
				"('tfauth-profile list' shows them)");
			return;
		}
		c = add_check(d->r, "profile", TFA_CHECK_FAIL, "%s", err.msg);
		if (err.hint[0])
			set_fix(c, "%s", err.hint);
		return;
	}
	d->have_profile = 1;
	s = d->prof.section;
	for (i = 0; i < d->prof.nchain; i++)
		tfa_buf_addf(&chain, "%s'%s'", i ? " -> " : "", d->prof.chain[i]->name);
	if (d->prof.credential_source)
		tfa_buf_addf(&chain, " -> %s", d->prof.credential_source);
	c = add_check(d->r, "profile", TFA_CHECK_OK, "'%s' (%s, selected by %s) in %s:%u",
		      d->prof.name, tfa_profile_kind_name(d->prof.kind),
		      tfa_profile_origin_name(d->sel.origin), s->file, s->line);
	if (d->prof.nchain > 1 || d->prof.credential_source)
		add_detail(c, "chain: %s", chain.ptr);
	tfa_buf_dispose(&chain);
	if (d->prof.kind == TFA_PROFILE_NONE) {
		c->status = TFA_CHECK_FAIL;
		set_summary(c, "profile '%s' has no credentials of its own (no keys, "
			    "role, SSO or credential_process)", d->prof.name);
		set_fix(c, "add keys with 'tfauth-profile set-keys %s', or a role_arn and "
			"source_profile", d->prof.name);
	}
}

static void
set_source(struct tfa_source *src, const char *name, const char *value,
	   const char *type, char *location)
{
	src->name = name;
	src->value = tfa_xstrdup(value ? value : "<not set>");
	src->type = type ? type : "None";
	src->location = location ? location : tfa_xstrdup("");
}

static void
check_sources(struct diag *d)
{
	struct tfa_report *r = d->r;
	struct tfa_ctx *ctx = d->ctx;
	struct tfa_check *c;
	char masked[32];
	const char *origin, *region, *kind_type = NULL;
	const struct tfa_section *base = NULL;
	size_t i;

	/* profile */
	if (d->env_keys_used || d->env_web_identity)
		set_source(&r->sources[0], "profile", NULL, NULL, NULL);
	else if (d->sel.origin == TFA_ORIGIN_DEFAULT)
		set_source(&r->sources[0], "profile", d->sel.name, "default", NULL);
	else
		set_source(&r->sources[0], "profile", d->sel.name,
			   d->sel.origin == TFA_ORIGIN_ARGUMENT ? "manual" : "env",
			   tfa_xstrdup(d->sel.origin == TFA_ORIGIN_ARGUMENT ? "--profile" :
				       tfa_profile_origin_name(d->sel.origin)));

	/* keys: what Terraform would use (environment keys win over AWS_PROFILE) */
	if (d->env_keys) {
		const char *k = tfa_ctx_getenv(ctx, "AWS_ACCESS_KEY_ID");
		const char *s = tfa_ctx_getenv_nonempty(ctx, "AWS_SECRET_ACCESS_KEY");
		tfa_mask(masked, sizeof(masked), k);
		set_source(&r->sources[1], "access_key", masked, "env",
			   tfa_xstrdup("AWS_ACCESS_KEY_ID"));
		tfa_mask(masked, sizeof(masked), s);
		set_source(&r->sources[2], "secret_key", s ? masked : NULL, s ? "env" : NULL,
			   tfa_xstrdup(s ? "AWS_SECRET_ACCESS_KEY" : ""));
	} else if (d->have_profile) {
		base = d->prof.chain[d->prof.nchain - 1];
		switch (d->prof.kind) {
		case TFA_PROFILE_ASSUME_ROLE:
			kind_type = "assume-role";
			break;
		case TFA_PROFILE_SSO:
			kind_type = "sso";
			break;
		case TFA_PROFILE_PROCESS:
			kind_type = "custom-process";
			break;
		case TFA_PROFILE_WEB_IDENTITY:
			kind_type = "assume-role-with-web-identity";
			break;
		default:
			break;
		}
		if (kind_type) {
			const struct tfa_setting *set = tfa_section_get(d->prof.section,
				d->prof.kind == TFA_PROFILE_SSO ? "sso_role_name" :
				d->prof.kind == TFA_PROFILE_PROCESS ? "credential_process" : "role_arn");
			set_source(&r->sources[1], "access_key", "****************", kind_type, where(set));
			set_source(&r->sources[2], "secret_key", "****************", kind_type, where(set));
		} else {
			const struct tfa_setting *k = tfa_section_get(base, "aws_access_key_id");
			const struct tfa_setting *s = tfa_section_get(base, "aws_secret_access_key");
			const char *type;
			if (k) {
				tfa_mask(masked, sizeof(masked), k->value);
				type = strstr(k->file, "credentials") ? "shared-credentials-file" : "config-file";
				set_source(&r->sources[1], "access_key", masked, type, where(k));
			} else {
				set_source(&r->sources[1], "access_key", NULL, NULL, NULL);
			}
			if (s) {
				tfa_mask(masked, sizeof(masked), s->value);
				type = strstr(s->file, "credentials") ? "shared-credentials-file" : "config-file";
				set_source(&r->sources[2], "secret_key", masked, type, where(s));
			} else {
				set_source(&r->sources[2], "secret_key", NULL, NULL, NULL);
			}
		}
	} else {
		set_source(&r->sources[1], "access_key", NULL, NULL, NULL);
		set_source(&r->sources[2], "secret_key", NULL, NULL, NULL);
	}

	region = tfa_profile_region(ctx, d->have_profile ? d->prof.section : NULL, &origin);
	if (origin && strcmp(origin, "profile") == 0)
		set_source(&r->sources[3], "region", region, "config-file",
			   where(tfa_section_get(d->prof.section, "region")));
	else
		set_source(&r->sources[3], "region", region, region ? "env" : NULL,
			   origin ? tfa_xstrdup(origin) : NULL);

	c = add_check(r, "sources", TFA_CHECK_INFO, "where each value comes from "
		      "(what Terraform would use)");
	add_detail(c, "%10s %24s %24s    %s", "Name", "Value", "Type", "Location");
	add_detail(c, "%10s %24s %24s    %s", "----", "-----", "----", "--------");
	for (i = 0; i < 4; i++)
		add_detail(c, "%10s %24s %24s    %s", r->sources[i].name, r->sources[i].value,
			   r->sources[i].type, r->sources[i].location);
}

/* The IAM Identity Center login behind an SSO profile, from the cache. */
static void
check_sso(struct diag *d)
{
	const struct tfa_section *s;
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	struct tfa_check *c;
	char when[TFA_TIME_LEN];
	time_t now = tfa_ctx_now(d->ctx);
	int refreshable;

	if (!d->have_profile || d->env_keys_used)
		return;
	s = d->prof.kind == TFA_PROFILE_SSO ? d->prof.section :
	    d->prof.base_kind == TFA_PROFILE_SSO ? d->prof.chain[d->prof.nchain - 1] : NULL;
	if (!s)
		return;
	tfa_err_clear(&err);
	tfa_sso_token_init(&tok);
	if (tfa_sso_config(&sc, d->cfg, s, &err) < 0) {
		c = add_check(d->r, "sso", TFA_CHECK_FAIL, "%s", err.msg);
		if (err.hint[0])
			set_fix(c, "%s", err.hint);
		return;
	}
	if (tfa_sso_token_load(&tok, d->ctx, &sc, &err) < 0) {
		if (err.code == TFA_ENOTFOUND) {
			c = add_check(d->r, "sso", TFA_CHECK_FAIL, "no sign-in to %s '%s' "
				      "is cached", sc.session_name ? "sso-session" : "start URL",
				      sc.session_name ? sc.session_name : sc.start_url);
			set_fix(c, "tfauth-refresh %s (signs in once in the browser; the AWS "
				"CLI and Terraform use the same login)", d->prof.name);
		} else {
			c = add_check(d->r, "sso", TFA_CHECK_FAIL, "%s", err.msg);
			if (err.hint[0])
				set_fix(c, "%s", err.hint);
		}
		goto out;
	}
	refreshable = tok.refresh_token && tok.client_id && tok.client_secret &&
		      (!tok.registration_expires_at || tok.registration_expires_at > now);
	tfa_time_format(when, tok.expires_at);
	if (tok.expires_at > now) {
		c = add_check(d->r, "sso", TFA_CHECK_OK, "signed in to %s: the token is "
			      "valid until %s (%ld min)", sc.start_url, when,
			      (long)((tok.expires_at - now) / 60));
	} else if (refreshable) {
		c = add_check(d->r, "sso", TFA_CHECK_WARN, "the SSO token for %s expired at "
			      "%s; its refresh token renews it without a new sign-in",
			      sc.start_url, when);
		set_fix(c, "tfauth-refresh %s", d->prof.name);
	} else {
		c = add_check(d->r, "sso", TFA_CHECK_FAIL, "the SSO token for %s expired at "
			      "%s and cannot be refreshed: Terraform fails with \"the SSO "
			      "session has expired or is invalid\"", sc.start_url, when);
		set_fix(c, "tfauth-refresh %s (a new sign-in in the browser)", d->prof.name);
	}
	add_detail(c, "%s%s, region %s, refreshable: %s",
		   sc.session_name ? "sso-session " : "legacy start URL ",
		   sc.session_name ? sc.session_name : sc.start_url, sc.region,
		   refreshable ? "yes" : "no");
out:
	tfa_sso_token_dispose(&tok);
}

static void
check_expiry(struct diag *d)
{
	struct tfa_ctx *ctx = d->ctx;
	const char *v;
	time_t exp = 0, now = tfa_ctx_now(ctx);
	const char *from = NULL;
	char when[TFA_TIME_LEN];
	struct tfa_check *c;
	int session = 0;

	if (d->env_keys_used) {
		session = tfa_ctx_getenv_nonempty(ctx, "AWS_SESSION_TOKEN") != NULL;
		if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_CREDENTIAL_EXPIRATION")) &&
		    tfa_time_parse(&exp, v) == 0)
			from = "AWS_CREDENTIAL_EXPIRATION";
	} else if (d->have_profile && d->prof.kind == TFA_PROFILE_STATIC) {
		session = tfa_section_value(d->prof.section, "aws_session_token") != NULL;
		if (d->prof.expiration) {
			exp = d->prof.expiration;
			from = "the credentials file";
		}
	} else {
		return; /* roles, SSO, processes: their sessions are fetched when used */
	}
	if (!session) {
		add_check(d->r, "expiry", TFA_CHECK_OK, "long-term key: does not expire");
		return;
	}
	if (!from) {
		add_check(d->r, "expiry", TFA_CHECK_INFO, "session credentials with no "
			  "recorded expiry; STS will say when they have expired");
		return;
	}
	tfa_time_format(when, exp);
	if (exp <= now) {
		c = add_check(d->r, "expiry", TFA_CHECK_FAIL, "the session credentials expired "
			      "at %s (%ld min ago, per %s)", when, (long)((now - exp) / 60), from);
		set_fix(c, "get a new session (aws sts get-session-token, or your login tool), "
			"then eval \"$(tfauth-env %s)\"", d->sel.name);
	} else {
		add_check(d->r, "expiry", exp - now < 900 ? TFA_CHECK_WARN : TFA_CHECK_OK,
			  "the session credentials expire at %s (in %ld min, per %s)", when,
			  (long)((exp - now) / 60), from);
	}
}

static int
has(const struct tfa_section *s, const char *key)
{
	const char *v = tfa_section_value(s, key);
	return v && *v;
}

/* aws-reference.md Appendix B, the differences this environment can show. */
static void
check_cli_vs_terraform(struct diag *d)
{
	struct tfa_ctx *ctx = d->ctx;
	const char *p = tfa_ctx_getenv_nonempty(ctx, "AWS_PROFILE");
	const char *dp = tfa_ctx_getenv(ctx, "AWS_DEFAULT_PROFILE");
	const char *reg = tfa_ctx_getenv_nonempty(ctx, "AWS_REGION");
	const char *dreg = tfa_ctx_getenv_nonempty(ctx, "AWS_DEFAULT_REGION");
	const char *file, *v;
	unsigned line;
	struct tfa_check *c = add_check(d->r, "cli-vs-terraform", TFA_CHECK_OK,
					"the AWS CLI and Terraform resolve the same things");
	int n = 0;

	if (p && dp && strcmp(p, dp) != 0) {
		add_detail(c, "profile: Terraform uses AWS_PROFILE='%s', the AWS CLI v1 "
			   "AWS_DEFAULT_PROFILE='%s'", p, dp);
		n++;
	}
	if (reg && (!dreg || strcmp(reg, dreg) != 0)) {
		add_detail(c, "region: Terraform uses AWS_REGION='%s', the AWS CLI v1 %s", reg,
			   dreg ? "AWS_DEFAULT_REGION" : "the profile's region");
		n++;
	}
	if ((file = tfa_config_both_defaults(d->cfg, &line))) {
		add_detail(c, "[default] at %s:%u: Terraform uses [profile default] instead, "
			   "the AWS CLI whichever comes later", file, line);
		n++;
	}
	if (d->have_profile) {
		const struct tfa_section *s = d->prof.section;
		const struct tfa_setting *k = tfa_section_get(s, "aws_access_key_id");
		if (k && has(s, "credential_process") && !strstr(k->file, "credentials")) {
			add_detail(c, "profile '%s' has keys in the config file and a "
				   "credential_process: Terraform uses the keys, the AWS CLI runs "
				   "the process", s->name);
			n++;
		}
		if (k && (has(s, "sso_session") || has(s, "sso_start_url")) &&
		    !has(s, "role_arn")) {
			add_detail(c, "profile '%s' has static keys and SSO settings: Terraform "
				   "uses the keys, the AWS CLI SSO", s->name);
			n++;
		}
		if ((v = tfa_section_value(s, "duration_seconds")) && *v && atol(v) <= 900) {
			add_detail(c, "duration_seconds = %s: Terraform asks for 15 minutes "
				   "instead, the AWS CLI passes it on", v);
			n++;
		}
		if ((v = tfa_section_value(s, "sts_regional_endpoints")) && strcmp(v, "legacy") == 0) {
			add_detail(c, "sts_regional_endpoints = legacy: the AWS CLI may use the "
				   "global STS endpoint, Terraform always the regional one");
			n++;
		}
		if ((v = tfa_section_value(s, "credential_process")) &&
		    strpbrk(v, "|&;<>$`*?~")) {
			add_detail(c, "credential_process uses shell syntax: Terraform runs it "
				   "with sh -c, the AWS CLI without a shell");
			n++;
		}
	}
	if ((v = tfa_ctx_getenv(ctx, "AWS_EC2_METADATA_DISABLED")) && *v &&
	    strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0) {
		add_detail(c, "AWS_EC2_METADATA_DISABLED='%s' disables nothing for Terraform "
			   "or the AWS CLI: only 'true' does", v);
		n++;
	}
	if (n) {
		c->status = TFA_CHECK_WARN;
		set_summary(c, "%d difference%s between what the AWS CLI and Terraform "
			    "would use", n, n == 1 ? "" : "s");
		set_fix(c, "trust Terraform's view (tfauth follows it); "
			"eval \"$(tfauth-env PROFILE)\" aligns the environment");
	}
}


/* -------------------------------------------------------- network checks */

/*
 * One network job on its own thread with its own connection and its own
 * copy of the context (the credential chain writes to its environment).
 * When a test installed a transport, the jobs share it and run in turn.
 */
struct job {
	void (*fn)(struct job *);
	struct tfa_ctx ctx;
	const struct tfa_config *cfg;
	const char *profile;          /* identity: resolve this one (NULL: the selection) */
	const struct tfa_creds *creds; /* IAM: the long-term key */
	const char *endpoint, *region, *key_id;
	int rc, resolve_failed;
	struct tfa_err err;
	struct tfa_resolved res;
	struct tfa_sts_identity id;
	struct tfa_iam_access_key_list keys;
	struct tfa_iam_key_last_used used;
	time_t asked;
	pthread_t tid;
	int threaded;
};

/* Resolve the credentials as Terraform would (no prompt), then ask STS. */
static void
job_identity(struct job *j)
{
	struct tfa_chain_opts o;
	struct tfa_sts_target t = { j->endpoint, j->region, j->profile };

	memset(&o, 0, sizeof(o));
	o.net = &tfa_chain_net_aws;
	o.flags = TFA_CHAIN_NONINTERACTIVE;
	j->rc = tfa_chain_resolve(&j->res, &j->ctx, j->cfg, j->profile, &o, &j->err);
	if (j->rc < 0) {
		j->resolve_failed = 1;
		return;
	}
	j->asked = tfa_ctx_now(&j->ctx);
	j->rc = tfa_sts_get_caller_identity(&j->id, &j->ctx, &t, &j->res.creds, &j->err);
}

static void
job_list_keys(struct job *j)
{
	struct tfa_iam_target t = { j->endpoint, j->region, j->profile };

	j->rc = tfa_iam_list_access_keys(&j->keys, &j->ctx, &t, j->creds, NULL, &j->err);
}

static void
job_last_used(struct job *j)
{
	struct tfa_iam_target t = { j->endpoint, j->region, j->profile };

	j->rc = tfa_iam_get_access_key_last_used(&j->used, &j->ctx, &t, j->creds,
						 j->key_id, &j->err);
}

static void *
job_thread(void *arg)
{
	struct job *j = arg;

	j->fn(j);
	return NULL;
}

static void
job_init(struct job *j, const struct tfa_ctx *ctx, void (*fn)(struct job *))
{
	memset(j, 0, sizeof(*j));
	j->fn = fn;
	tfa_ctx_copy(&j->ctx, ctx);
	j->ctx.transport = ctx->transport; /* a test's, shared; else made per job */
	j->ctx.owns_transport = 0;
	tfa_err_clear(&j->err);
	tfa_resolved_init(&j->res);
	tfa_sts_identity_init(&j->id);
	tfa_iam_access_key_list_init(&j->keys);
	tfa_iam_key_last_used_init(&j->used);
}

static void
job_start(struct job *j, const struct tfa_ctx *ctx)
{
	if (!ctx->transport && pthread_create(&j->tid, NULL, job_thread, j) == 0) {
		j->threaded = 1;
		return;
	}
	j->fn(j);
}

static void
job_wait(struct job *j)
{
	if (j->threaded)
		pthread_join(j->tid, NULL);
	j->threaded = 0;
}

static void
job_dispose(struct job *j)
{
	if (j->ctx.transport && !j->ctx.owns_transport)
		j->ctx.transport = NULL; /* the test's: not ours to free */
	tfa_ctx_dispose(&j->ctx);
	tfa_resolved_dispose(&j->res);
	tfa_sts_identity_dispose(&j->id);
	tfa_iam_access_key_list_dispose(&j->keys);
	tfa_iam_key_last_used_dispose(&j->used);
}

static int
creds_from(struct tfa_creds *c, const char *id, const char *secret, const char *token)
{
	if (!id || !*id || !secret || !*secret)
		return -1;
	c->access_key_id = tfa_xstrdup(id);
	c->secret_access_key = tfa_xstrdup(secret);
	c->session_token = token && *token ? tfa_xstrdup(token) : NULL;
	return 0;
}

/* The long-term key behind the credentials, for IAM's status of it. */
static int
base_key(struct tfa_creds *c, struct diag *d)
{
	const struct tfa_section *s;
	const char *token;

	if (d->env_keys_used) {
		token = tfa_ctx_getenv_nonempty(d->ctx, "AWS_SESSION_TOKEN");
		return creds_from(c, tfa_ctx_getenv(d->ctx, "AWS_ACCESS_KEY_ID"),
				  tfa_ctx_getenv(d->ctx, "AWS_SECRET_ACCESS_KEY"), token);
	}
	if (!d->have_profile || d->prof.credential_source ||
	    (d->prof.kind != TFA_PROFILE_STATIC && d->prof.base_kind != TFA_PROFILE_STATIC))
		return -1;
	s = d->prof.chain[d->prof.nchain - 1];
	token = tfa_section_value(s, "aws_session_token");
	return creds_from(c, tfa_section_value(s, "aws_access_key_id"),
			  tfa_section_value(s, "aws_secret_access_key"), token);
}

static void
fail_from_err(struct tfa_check *c, const struct tfa_err *err)
{
	c->status = TFA_CHECK_FAIL;
	if (err->aws_code[0])
		snprintf(c->aws_code, sizeof(c->aws_code), "%s", err->aws_code);
	if (err->hint[0])
		set_fix(c, "%s", err->hint);
}

static void
report_identity(struct diag *d, struct job *j, struct tfa_check *region_check,
		const char *region)
{
	struct tfa_check *c;
	const char *name = d->have_profile ? d->prof.name : "PROFILE";
	char masked[16];

	if (j->resolve_failed) {
		switch (j->err.code) {
		case TFA_ELOGIN:
			/* Terraform would fail here too: its SDK cannot prompt. */
			c = add_check(d->r, "identity", TFA_CHECK_WARN, "%s", j->err.msg);
			set_fix(c, "tfauth-refresh %s (asks once; the session is cached for "
				"Terraform and the AWS CLI)", name);
			return;
		case TFA_EUNSUPPORTED:
			c = add_check(d->r, "identity", TFA_CHECK_SKIP, "%s", j->err.msg);
			if (j->err.hint[0])
				set_fix(c, "%s", j->err.hint);
			return;
		default:
			c = add_check(d->r, "identity", TFA_CHECK_FAIL, "cannot get the "
				      "credentials: %s", j->err.msg);
			fail_from_err(c, &j->err);
			return;
		}
	}
	short_mask(masked, j->res.creds.access_key_id);
	if (j->rc < 0) {
		/* A throttled or failing STS (429, 5xx) rejected nothing. */
		if (j->err.code == TFA_EAWS && j->err.aws_code[0] &&
		    j->err.http_status != 429 && j->err.http_status < 500)
			c = add_check(d->r, "identity", TFA_CHECK_FAIL, "STS rejects the %s "
				      "credentials (%s): %s", tfa_cred_source_name(j->res.source),
				      masked, j->err.msg);
		else
			c = add_check(d->r, "identity", TFA_CHECK_FAIL, "cannot ask STS about "
				      "the %s credentials (%s): %s",
				      tfa_cred_source_name(j->res.source), masked, j->err.msg);
		fail_from_err(c, &j->err);
		if (strcmp(j->err.aws_code, "InvalidClientTokenId") == 0 &&
		    !j->res.creds.session_token)
			set_fix(c, "the key %s is unknown to AWS or deactivated: create or "
				"reactivate one, then 'tfauth-profile set-keys %s'", masked, name);
		else if (strcmp(j->err.aws_code, "ExpiredToken") == 0 && j->res.refreshable)
			set_fix(c, "tfauth-refresh %s --force", name);
		if (region_check && (strcmp(j->err.aws_code, "RegionDisabledException") == 0 ||
				     strcmp(j->err.aws_code, "OptInRequired") == 0)) {
			region_check->status = TFA_CHECK_FAIL;
			set_summary(region_check, "region '%s' is not enabled for this account", region);
			set_fix(region_check, "enable it (AWS console: Account > AWS Regions), "
				"or choose an enabled region");
		}
		return;
	}
	/* Clock skew: the Date of the reply against our clock. */
	if (j->id.server_time) {
		long skew = (long)(j->id.server_time - j->asked);
		long mag = skew < 0 ? -skew : skew;
		c = add_check(d->r, "clock", mag > 300 ? TFA_CHECK_FAIL :
			      mag > 60 ? TFA_CHECK_WARN : TFA_CHECK_OK,
			      "this machine's clock is %ld s %s STS's", mag,
			      skew > 0 ? "behind" : "ahead of");
		if (mag > 60)
			set_fix(c, "synchronise the clock (e.g. 'sudo timedatectl set-ntp "
				"true'); SigV4 rejects requests more than 5 minutes off");
	} else {
		add_check(d->r, "clock", TFA_CHECK_SKIP, "STS sent no Date header");
	}
	c = add_check(d->r, "identity", TFA_CHECK_OK, "%s (account %s)", j->id.arn,
		      j->id.account);
	add_detail(c, "credentials: %s%s", tfa_cred_source_name(j->res.source),
		   j->res.from_cache ? ", from the cache" : "");
	snprintf(d->r->account, sizeof(d->r->account), "%s", j->id.account);
	d->r->arn = tfa_xstrdup(j->id.arn);
}

static void
report_key(struct diag *d, const struct tfa_creds *base, struct job *keyj,
	   struct job *usedj)
{
	const char *name = d->have_profile ? d->prof.name : "PROFILE";
	const struct tfa_iam_access_key *k = NULL;
	struct tfa_check *c;
	char masked[16];
	size_t i;

	short_mask(masked, base->access_key_id);
	if (keyj->rc == 0) {
		for (i = 0; i < keyj->keys.n; i++)
			if (strcmp(keyj->keys.keys[i].access_key_id, base->access_key_id) == 0)
				k = &keyj->keys.keys[i];
		if (!k) {
			add_check(d->r, "access-key", TFA_CHECK_WARN, "IAM lists no key %s for "
				  "user '%s'", masked, keyj->keys.user_name ? keyj->keys.user_name : "?");
		} else if (k->status != TFA_IAM_KEY_ACTIVE) {
			c = add_check(d->r, "access-key", TFA_CHECK_FAIL, "key %s of user '%s' "
				      "is %s", masked, k->user_name, k->status_text);
			set_fix(c, "reactivate it: aws iam update-access-key --user-name %s "
				"--access-key-id %s --status Active (with other credentials), or "
				"create a new key and run 'tfauth-profile set-keys %s'",
				k->user_name, k->access_key_id, name);
		} else {
			char created[TFA_TIME_LEN], used[TFA_TIME_LEN];
			tfa_time_format(created, k->create_date);
			c = add_check(d->r, "access-key", TFA_CHECK_OK, "key %s of user '%s' is "
				      "Active, created %s", masked, k->user_name, created);
			if (usedj->rc == 0 && usedj->used.last_used_date) {
				tfa_time_format(used, usedj->used.last_used_date);
				add_detail(c, "last used %s (%s, %s)", used,
					   usedj->used.service_name ? usedj->used.service_name : "?",
					   usedj->used.region ? usedj->used.region : "?");
			} else if (usedj->rc == 0) {
				add_detail(c, "never used");
			}
		}
	} else if (strcmp(keyj->err.aws_code, "InvalidClientTokenId") == 0) {
		c = add_check(d->r, "access-key", TFA_CHECK_FAIL, "IAM does not accept key %s "
			      "either: it was deleted, deactivated, or never existed", masked);
		set_fix(c, "look it up with credentials that work: aws iam list-access-keys "
			"--user-name USER; then 'tfauth-profile set-keys %s'", name);
	} else {
		c = add_check(d->r, "access-key", TFA_CHECK_WARN, "cannot read the key's "
			      "status from IAM: %s", keyj->err.msg);
		if (keyj->err.aws_code[0])
			snprintf(c->aws_code, sizeof(c->aws_code), "%s", keyj->err.aws_code);
	}
}

static void
check_identity_and_key(struct diag *d, struct tfa_check *region_check)
{
	struct tfa_ctx *ctx = d->ctx;
	const struct tfa_section *sec = d->have_profile ? d->prof.section : NULL;
	struct tfa_creds base;
	struct tfa_endpoint sts, iam;
	struct tfa_err err;
	struct tfa_check *c;
	struct job idj, keyj, usedj;
	const char *region, *origin;
	int long_term = 0, have_iam = 0;

	tfa_creds_init(&base);
	memset(&sts, 0, sizeof(sts));
	memset(&iam, 0, sizeof(iam));
	tfa_err_clear(&err);
	if (!d->env_keys_used && !d->have_profile && !d->env_web_identity) {
		add_check(d->r, "identity", TFA_CHECK_SKIP, "no profile to ask STS about");
		return;
	}
	region = tfa_profile_region(ctx, sec, &origin);
	if (!region)
		region = "us-east-1"; /* the region check says what is missing */
	if (tfa_endpoint_resolve(&sts, ctx, d->cfg, sec, TFA_SERVICE_STS, region, origin,
				 &err) < 0) {
		c = add_check(d->r, "identity", TFA_CHECK_FAIL, "%s", err.msg);
		fail_from_err(c, &err);
		goto out;
	}
	if (region_check)
		add_detail(region_check, "STS endpoint: %s (%s)", sts.url, sts.source);
	long_term = base_key(&base, d) == 0 && !base.session_token &&
		    strncmp(base.access_key_id, "AKIA", 4) == 0;
	if (long_term && tfa_endpoint_resolve(&iam, ctx, d->cfg, sec, TFA_SERVICE_IAM,
					      region, origin, &err) == 0)
		have_iam = 1;

	/* The independent calls go out together. */
	job_init(&idj, ctx, job_identity);
	idj.cfg = d->cfg;
	idj.profile = d->env_keys_used || d->env_web_identity ? NULL : d->prof.name;
	idj.endpoint = sts.url;
	idj.region = sts.signing_region;
	job_init(&keyj, ctx, job_list_keys);
	job_init(&usedj, ctx, job_last_used);
	if (have_iam) {
		keyj.creds = usedj.creds = &base;
		keyj.endpoint = usedj.endpoint = iam.url;
		keyj.region = usedj.region = iam.signing_region;
		keyj.profile = usedj.profile = idj.profile;
		usedj.key_id = base.access_key_id;
		job_start(&keyj, ctx);
		job_start(&usedj, ctx);
	}
	job_start(&idj, ctx);
	job_wait(&idj);
	job_wait(&keyj);
	job_wait(&usedj);

	report_identity(d, &idj, region_check, region);
	if (have_iam)
		report_key(d, &base, &keyj, &usedj);
	else if (long_term)
		add_check(d->r, "access-key", TFA_CHECK_SKIP, "no IAM endpoint: %s", err.msg);
	else if (idj.rc == 0 && idj.res.creds.session_token)
		add_check(d->r, "access-key", TFA_CHECK_SKIP, "session credentials: IAM "
			  "keeps no status for them");
	job_dispose(&idj);
	job_dispose(&keyj);
	job_dispose(&usedj);
out:
	tfa_endpoint_dispose(&sts);
	tfa_endpoint_dispose(&iam);
	tfa_creds_dispose(&base);
}

static struct tfa_check *
check_region(struct diag *d)
{
	const char *origin, *region;
	struct tfa_check *c;

	region = tfa_profile_region(d->ctx, d->have_profile ? d->prof.section : NULL, &origin);
	if (!region) {
		c = add_check(d->r, "region", TFA_CHECK_FAIL, "no region: Terraform's AWS "
			      "provider needs one");
		set_fix(c, "set 'region = ...' in the profile, or export AWS_REGION");
		return c;
	}
	if (!tfa_endpoint_region_valid(region)) {
		if (strcmp(origin, "profile") == 0) {
			const struct tfa_setting *s = tfa_section_get(d->prof.section, "region");
			c = add_check(d->r, "region", TFA_CHECK_FAIL, "'%s' (profile '%s', "
				      "%s:%u) is not a region name", region, d->prof.name,
				      s->file, s->line);
		} else {
			c = add_check(d->r, "region", TFA_CHECK_FAIL, "'%s' (from %s) is "
				      "not a region name", region, origin);
		}
		set_fix(c, "use a name like eu-west-1, with no blanks");
		return c;
	}
	if (strcmp(origin, "profile") == 0) {
		const struct tfa_setting *s = tfa_section_get(d->prof.section, "region");
		return add_check(d->r, "region", TFA_CHECK_OK, "%s (profile '%s', %s:%u)",
				 region, d->prof.name, s->file, s->line);
	}
	return add_check(d->r, "region", TFA_CHECK_OK, "%s (%s)", region, origin);
}

static void
diagnose_network(struct diag *d)
{
	struct tfa_check *rc = check_region(d);

	if (d->flags & TFA_DIAG_OFFLINE) {
		add_check(d->r, "identity", TFA_CHECK_SKIP, "offline: STS not asked");
		return;
	}
	check_identity_and_key(d, rc->status == TFA_CHECK_FAIL ? NULL : rc);
}

/*
 * A credentials file others can read: loaded (the SDKs read it, and "aws
 * configure" leaves it 0644 on some systems), but worth a warning.  One
 * others can write to never gets here: loading it failed (config.h).
 */
static void
check_file_modes(struct diag *d)
{
	const char *path = d->ctx->credentials_path;
	struct tfa_check *c;
	struct stat st;
	char *shown;

	if (!path || !*path || stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(st.st_mode & (S_IRGRP | S_IROTH)))
		return;
	shown = tfa_ctx_display_path(d->ctx, path);
	c = add_check(d->r, "permissions", TFA_CHECK_WARN,
		      "'%s' holds secret keys and other users can read it (mode %04o)",
		      shown, (unsigned)(st.st_mode & 07777));
	set_fix(c, "chmod 600 %s", shown);
	free(shown);
}

void
tfa_diagnose(struct tfa_report *out, struct tfa_ctx *ctx, const char *profile,
	     unsigned flags)
{
	struct diag d;
	struct tfa_err err;
	struct tfa_check *c;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	d.r = out;
	d.ctx = ctx;
	d.flags = flags;
	tfa_err_clear(&err);

	if (tfa_config_load(&d.cfg, ctx, &err) < 0) {
		c = add_check(out, "config", TFA_CHECK_FAIL, "%s", err.msg);
		if (err.hint[0])
			set_fix(c, "%s", err.hint);
		return;
	}
	add_check(out, "config", TFA_CHECK_OK, "%s and %s load (%zu profiles)",
		  tfa_config_config_path(d.cfg), tfa_config_credentials_path(d.cfg),
		  tfa_config_profile_count(d.cfg));
	check_file_modes(&d);
	tfa_profile_select(&d.sel, ctx, profile);
	out->profile = tfa_xstrdup(d.sel.name);
	out->profile_origin = tfa_profile_origin_name(d.sel.origin);

	check_environment(&d);
	check_profile(&d);
	check_sources(&d);
	check_sso(&d);
	diagnose_network(&d);
	check_expiry(&d);
	check_cli_vs_terraform(&d);
	tfa_config_free(d.cfg);
}

int
tfa_report_ok(const struct tfa_report *r)
{
	size_t i;

	for (i = 0; i < r->nchecks; i++)
		if (r->checks[i].status == TFA_CHECK_FAIL)
			return 0;
	return 1;
}

void
tfa_report_dispose(struct tfa_report *r)
{
	size_t i, j;

	for (i = 0; i < r->nchecks; i++) {
		free(r->checks[i].summary);
		free(r->checks[i].fix);
		for (j = 0; j < r->checks[i].ndetails; j++)
			free(r->checks[i].details[j]);
		free(r->checks[i].details);
	}
	free(r->checks);
	for (i = 0; i < 4; i++) {
		free(r->sources[i].value);
		free(r->sources[i].location);
	}
	free(r->profile);
	free(r->arn);
	memset(r, 0, sizeof(*r));
}
