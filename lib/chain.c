/* chain — see chain.h. */
#include "chain.h"
#include "buf.h"
#include "cache.h"
#include "endpoint.h"
#include "process.h"
#include "profile.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a refresh waits for another process's refresh of one entry:
 * long enough for someone to type an MFA code. */
#define LOCK_WAIT 300

const char *
tfa_cred_source_name(enum tfa_cred_source s)
{
	switch (s) {
	case TFA_SOURCE_ENVIRONMENT:
		return "environment";
	case TFA_SOURCE_STATIC:
		return "static";
	case TFA_SOURCE_MFA_SESSION:
		return "mfa-session";
	case TFA_SOURCE_ASSUME_ROLE:
		return "assume-role";
	case TFA_SOURCE_WEB_IDENTITY:
		return "web-identity";
	case TFA_SOURCE_PROCESS:
		return "process";
	case TFA_SOURCE_CONTAINER:
		return "container";
	case TFA_SOURCE_SSO:
		return "sso";
	case TFA_SOURCE_IMDS:
	default:
		return "imds";
	}
}

void
tfa_resolved_init(struct tfa_resolved *r)
{
	memset(r, 0, sizeof(*r));
	tfa_creds_init(&r->creds);
}

void
tfa_resolved_dispose(struct tfa_resolved *r)
{
	tfa_creds_dispose(&r->creds);
	free(r->profile);
	free(r->arn);
	memset(r, 0, sizeof(*r));
}

struct run {
	struct tfa_ctx *ctx;
	const struct tfa_config *cfg;
	const struct tfa_chain_opts *o;
	struct tfa_err *err;
	long window;
	struct tfa_buf cachedir;
	/* STS for the profile being resolved */
	struct tfa_endpoint sts;
	int have_sts;
	const char *profile;     /* for messages and hints */
	const struct tfa_section *top; /* its section: region, endpoints */
	int mfa_done;            /* the credentials carry an MFA session already */
};

static const char *
val(const struct tfa_section *s, const char *key)
{
	const char *v = tfa_section_value(s, key);
	return v && *v ? v : NULL;
}

static int
need_net(struct run *r, const char *what)
{
	if (r->o->net && !(r->o->flags & TFA_CHAIN_CACHE_ONLY))
		return 0;
	tfa_err_set(r->err, TFA_EOFFLINE, "%s needs the network", what);
	tfa_err_hint(r->err, "run 'tfauth-refresh %s'", r->profile ? r->profile : "");
	return TFA_EOFFLINE;
}

static int
creds_from(struct tfa_creds *c, const char *id, const char *secret, const char *token)
{
	c->access_key_id = tfa_xstrdup(id);
	c->secret_access_key = tfa_xstrdup(secret);
	c->session_token = token && *token ? tfa_xstrdup(token) : NULL;
	return 0;
}

/* go-v2: AWS_ACCESS_KEY_ID or AWS_ACCESS_KEY, AWS_SECRET_ACCESS_KEY or AWS_SECRET_KEY. */
static int
env_keys(struct tfa_creds *out, struct run *r, int required)
{
	struct tfa_ctx *ctx = r->ctx;
	const char *id = tfa_ctx_getenv_nonempty(ctx, "AWS_ACCESS_KEY_ID");
	const char *secret = tfa_ctx_getenv_nonempty(ctx, "AWS_SECRET_ACCESS_KEY");

	if (!id)
		id = tfa_ctx_getenv_nonempty(ctx, "AWS_ACCESS_KEY");
	if (!secret)
		secret = tfa_ctx_getenv_nonempty(ctx, "AWS_SECRET_KEY");
	if (!id && !secret) {
		if (!required)
			return TFA_ENOTFOUND;
		tfa_err_set(r->err, TFA_ENOTFOUND, "credential_source = Environment in "
			    "profile '%s', but AWS_ACCESS_KEY_ID is not set", r->profile);
		tfa_err_hint(r->err, "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
		return TFA_ENOTFOUND;
	}
	if (!id || !secret) {
		tfa_err_set(r->err, TFA_EINVAL, "partial credentials in the environment: %s "
			    "without %s", id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		tfa_err_hint(r->err, "set both, or clear them with 'eval \"$(tfauth-env PROFILE)\"'");
		return TFA_EINVAL;
	}
	return creds_from(out, id, secret, tfa_ctx_getenv_nonempty(ctx, "AWS_SESSION_TOKEN"));
}

static int
section_keys(struct tfa_creds *out, const struct tfa_section *s)
{
	const char *token = val(s, "aws_session_token");

	if (!token)
		token = val(s, "aws_security_token");
	return creds_from(out, val(s, "aws_access_key_id"), val(s, "aws_secret_access_key"),
			  token);
}

static int
sts_endpoint(struct run *r)
{
	const struct tfa_section *profile = r->top;
	const char *origin, *region;

	if (r->have_sts)
		return 0;
	region = tfa_profile_region(r->ctx, profile, &origin);
	if (!region) {
		/* Terraform needs a region for its own calls; for STS alone, the
		 * SDKs' home region keeps a role working (documented). */
		region = "us-east-1";
		origin = "the default for STS";
	}
	if (tfa_endpoint_resolve(&r->sts, r->ctx, r->cfg, profile, TFA_SERVICE_STS,
				 region, origin, r->err) < 0)
		return r->err->code;
	r->have_sts = 1;
	return 0;
}

static void
cache_path(struct tfa_buf *out, struct run *r, const char key[41])
{
	tfa_buf_reset(out);
	tfa_buf_addf(out, "%s/%s.json", r->cachedir.ptr, key);
}

/*
 * Load path into out when it holds fresh credentials: 1 when it did, 0 when
 * the entry is missing, corrupt or stale, < 0 (err filled) when the file
 * may not be trusted (a symlink, another owner, writable by others).
 */
static int
cached(struct tfa_creds *out, char **arn, struct run *r, const char *path)
{
	struct tfa_creds c;
	int missing = 0, rc;

	if (r->o->flags & TFA_CHAIN_FORCE)
		return 0;
	tfa_creds_init(&c);
	if ((rc = tfa_cache_load_creds(&c, arn, path, &missing, r->err)) < 0)
		return rc;
	if (missing || !tfa_cache_fresh(&c, tfa_ctx_now(r->ctx), r->window)) {
		tfa_creds_dispose(&c);
		if (arn) {
			free(*arn);
			*arn = NULL;
		}
		return 0;
	}
	tfa_creds_dispose(out);
	*out = c;
	return 1;
}

static long
duration_of(const struct tfa_section *s)
{
	const char *v = val(s, "duration_seconds");
	char *end;
	long d;

	if (!v)
		return 0;
	d = strtol(v, &end, 10);
	if (*end || d <= 0)
		return 0;           /* botocore too ignores what is not a number */
	return d < 900 ? 900 : d;   /* go-v2: no less than 15 minutes */
}

/* The code for serial: --mfa-code, TFAUTH_MFA_CODE, else the terminal. */
static int
mfa_code(char out[7], struct run *r, const char *serial, int attempt)
{
	const char *c = r->o->mfa_code;

	if (!c)
		c = tfa_ctx_getenv_nonempty(r->ctx, "TFAUTH_MFA_CODE");
	if (c) {
		if (attempt > 1)
			return tfa_err_set(r->err, TFA_EAWS, "the MFA code given for %s was "
					   "not accepted", serial);
		if (strlen(c) != 6 || strspn(c, "0123456789") != 6) {
			tfa_err_set(r->err, TFA_EUSAGE, "the MFA code must be six digits");
			return TFA_EUSAGE;
		}
		memcpy(out, c, 7);
		return 0;
	}
	if ((r->o->flags & TFA_CHAIN_NONINTERACTIVE) || !r->o->ask_mfa) {
		tfa_err_set(r->err, TFA_ELOGIN, "profile '%s' needs an MFA code for %s",
			    r->profile, serial);
		tfa_err_hint(r->err, "run 'tfauth-refresh %s' on a terminal, or pass "
			     "--mfa-code CODE (or TFAUTH_MFA_CODE)", r->profile);
		return TFA_ELOGIN;
	}
	return r->o->ask_mfa(out, serial, attempt, r->o->ask_data, r->err);
}

static int
is_mfa_rejection(const struct tfa_err *e)
{
	return e->code == TFA_EAWS && strcmp(e->aws_code, "AccessDenied") == 0 &&
	       strstr(e->msg, "MultiFactorAuthentication");
}

/*
 * An MFA session for long-term keys and the device serial: cached by
 * device and key, so that every role naming the device reuses it.
 */
static int
mfa_session(struct tfa_creds *io, struct run *r, const struct tfa_section *s,
	    const char *serial)
{
	struct tfa_buf key = TFA_BUF_INIT, path = TFA_BUF_INIT;
	struct tfa_sts_session sess;
	struct tfa_sts_session_token_params p;
	struct tfa_creds c;
	char hex[41], code[7] = "";
	int fd = -1, rc, attempt;

	tfa_creds_init(&c);
	tfa_sts_session_init(&sess);
	/* Not an AWS CLI key: the CLI keeps no MFA sessions. */
	tfa_buf_adds(&key, "{\"AccessKeyId\": ");
	tfa_cache_py_json_string(&key, io->access_key_id);
	tfa_buf_adds(&key, ", \"SerialNumber\": ");
	tfa_cache_py_json_string(&key, serial);
	tfa_buf_adds(&key, ", \"tfauth\": \"GetSessionToken\"}");
	tfa_cache_sha1_hex(hex, key.ptr);
	cache_path(&path, r, hex);
	if ((rc = cached(&c, NULL, r, path.ptr)) != 0)
		goto hit;
	if ((rc = need_net(r, "an MFA session")) < 0)
		goto out;
	if ((rc = tfa_cache_lock(&fd, path.ptr, LOCK_WAIT, r->err)) < 0)
		goto out;
	if ((rc = cached(&c, NULL, r, path.ptr)) != 0)
		goto hit;
	if ((rc = sts_endpoint(r)) < 0)
		goto out;
	for (attempt = 1; attempt <= 3; attempt++) {
		struct tfa_sts_target t = { r->sts.url, r->sts.signing_region, r->profile };
		if ((rc = mfa_code(code, r, serial, attempt)) < 0)
			goto out;
		memset(&p, 0, sizeof(p));
		p.serial_number = serial;
		p.token_code = code;
		rc = r->o->net->get_session_token(&sess, r->ctx, &t, io, &p, r->err);
		tfa_wipe(code, sizeof(code));
		if (rc == 0 || !is_mfa_rejection(r->err) || r->o->mfa_code ||
		    tfa_ctx_getenv_nonempty(r->ctx, "TFAUTH_MFA_CODE"))
			break;
	}
	if (rc < 0)
		goto out;
	if ((rc = tfa_cache_store_creds(path.ptr, &sess.creds, NULL, NULL, r->err)) < 0)
		goto out;
	tfa_creds_copy(&c, &sess.creds);
	rc = 1;
hit:
	if (rc < 0)
		goto out;
	tfa_creds_dispose(io);
	*io = c;
	tfa_creds_init(&c);
	r->mfa_done = 1;
	rc = 0;
out:
	if (fd >= 0)
		tfa_cache_unlock(fd);
	tfa_sts_session_dispose(&sess);
	tfa_creds_dispose(&c);
	tfa_buf_dispose(&key);
	tfa_buf_dispose(&path);
	return rc;
}

static void
role_key(char out[41], const struct tfa_section *s)
{
	struct tfa_cache_role_key k;

	memset(&k, 0, sizeof(k));
	k.role_arn = val(s, "role_arn");
	k.role_session_name = val(s, "role_session_name");
	k.external_id = val(s, "external_id");
	k.serial_number = val(s, "mfa_serial");
	k.duration_seconds = duration_of(s);
	tfa_cache_key_assume_role(out, &k);
}

/* Assume the role of profile s with io's credentials; io becomes the role's. */
static int
assume(struct tfa_creds *io, char **arn, struct run *r, const struct tfa_section *s,
       const char *path)
{
	struct tfa_sts_session sess;
	struct tfa_sts_assume_role_params p;
	struct tfa_sts_target t;
	char session[48], code[7] = "";
	const char *serial = val(s, "mfa_serial");
	int rc, attempt;

	if ((rc = need_net(r, "assuming a role")) < 0)
		return rc;
	if ((rc = sts_endpoint(r)) < 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.role_arn = val(s, "role_arn");
	p.role_session_name = val(s, "role_session_name");
	if (!p.role_session_name) {
		snprintf(session, sizeof(session), "tfauth-%lld", (long long)tfa_ctx_now(r->ctx));
		p.role_session_name = session;
	}
	p.external_id = val(s, "external_id");
	p.duration_seconds = duration_of(s);
	t.endpoint = r->sts.url;
	t.region = r->sts.signing_region;
	t.profile = r->profile;
	for (attempt = 1; attempt <= 3; attempt++) {
		tfa_sts_session_init(&sess);
		/* Session credentials cannot make an MFA session: send the code here. */
		if (serial && io->session_token && !r->mfa_done) {
			if ((rc = mfa_code(code, r, serial, attempt)) < 0)
				return rc;
			p.serial_number = serial;
			p.token_code = code;
		}
		rc = r->o->net->assume_role(&sess, r->ctx, &t, io, &p, r->err);
		tfa_wipe(code, sizeof(code));
		if (rc == 0 || !p.token_code || !is_mfa_rejection(r->err))
			break;
		tfa_sts_session_dispose(&sess);
	}
	if (rc < 0) {
		tfa_sts_session_dispose(&sess);
		return rc;
	}
	if ((rc = tfa_cache_store_creds(path, &sess.creds, sess.assumed_role_arn,
					sess.assumed_role_id, r->err)) < 0) {
		tfa_sts_session_dispose(&sess);
		return rc;
	}
	tfa_creds_dispose(io);
	tfa_creds_copy(io, &sess.creds);
	if (arn) {
		free(*arn);
		*arn = sess.assumed_role_arn ? tfa_xstrdup(sess.assumed_role_arn) : NULL;
	}
	tfa_sts_session_dispose(&sess);
	return 0;
}

static int
web_identity(struct tfa_creds *out, char **arn, struct run *r, const char *role_arn,
	     const char *token_file, const char *session_name, const struct tfa_section *s)
{
	struct tfa_sts_session sess;
	struct tfa_sts_web_identity_params p;
	struct tfa_sts_target t;
	struct tfa_buf token, key = TFA_BUF_INIT, path = TFA_BUF_INIT;
	char session[48], hex[41];
	int rc, missing = 0, fd = -1;

	if (!role_arn) {
		tfa_err_set(r->err, TFA_EINVAL, "web identity for %s has no role ARN",
			    r->profile ? r->profile : "the environment");
		tfa_err_hint(r->err, "set role_arn in the profile, or AWS_ROLE_ARN");
		return TFA_EINVAL;
	}
	/*
	 * Cached like a role, so that tfauth-run, its credentials endpoint
	 * and credential_process answer from a file; the key is tfauth's own
	 * (the AWS CLI's holds a session name made from the clock).
	 */
	tfa_buf_adds(&key, "{\"RoleArn\": ");
	tfa_cache_py_json_string(&key, role_arn);
	tfa_buf_adds(&key, ", \"RoleSessionName\": ");
	tfa_cache_py_json_string(&key, session_name ? session_name : "");
	tfa_buf_adds(&key, ", \"WebIdentityTokenFile\": ");
	tfa_cache_py_json_string(&key, token_file ? token_file : "");
	tfa_buf_adds(&key, ", \"tfauth\": \"AssumeRoleWithWebIdentity\"}");
	tfa_cache_sha1_hex(hex, key.ptr);
	tfa_buf_dispose(&key);
	cache_path(&path, r, hex);
	tfa_buf_init_secret(&token, (size_t)1 << 20);
	if ((rc = cached(out, arn, r, path.ptr)) != 0)
		goto done;
	if ((rc = need_net(r, "a web identity login")) < 0)
		goto done;
	if ((rc = tfa_cache_lock(&fd, path.ptr, LOCK_WAIT, r->err)) < 0)
		goto done;
	if ((rc = cached(out, arn, r, path.ptr)) != 0)
		goto done;
	/* The token file is read fresh each time, as the SDKs do. */
	if ((rc = tfa_cache_read(&token, token_file, &missing, r->err)) < 0 || missing) {
		if (missing)
			rc = tfa_err_set(r->err, TFA_ENOTFOUND, "cannot read the web identity "
					 "token file '%s'", token_file);
		goto done;
	}
	while (token.len && (token.ptr[token.len - 1] == '\n' || token.ptr[token.len - 1] == '\r'))
		tfa_buf_setlen(&token, token.len - 1);
	(void)s;
	if ((rc = sts_endpoint(r)) < 0)
		goto done;
	memset(&p, 0, sizeof(p));
	p.role_arn = role_arn;
	if (!session_name) {
		snprintf(session, sizeof(session), "tfauth-%lld", (long long)tfa_ctx_now(r->ctx));
		session_name = session;
	}
	p.role_session_name = session_name;
	p.web_identity_token = token.ptr;
	t.endpoint = r->sts.url;
	t.region = r->sts.signing_region;
	t.profile = r->profile;
	tfa_sts_session_init(&sess);
	rc = r->o->net->web_identity(&sess, r->ctx, &t, &p, r->err);
	if (rc == 0)
		rc = tfa_cache_store_creds(path.ptr, &sess.creds, sess.assumed_role_arn,
					   sess.assumed_role_id, r->err);
	if (rc == 0) {
		tfa_creds_dispose(out);
		tfa_creds_copy(out, &sess.creds);
		if (arn) {
			free(*arn);
			*arn = sess.assumed_role_arn ? tfa_xstrdup(sess.assumed_role_arn) : NULL;
		}
	}
	tfa_sts_session_dispose(&sess);
done:
	if (fd >= 0)
		tfa_cache_unlock(fd);
	tfa_buf_dispose(&token);
	tfa_buf_dispose(&path);
	return rc < 0 ? rc : 0;
}

/*
 * IAM Identity Center role credentials: from the AWS CLI's cache while
 * fresh; else a token (cache, refresh token, or a device login: lib/sso)
 * and the portal's GetRoleCredentials, cached for the next call.
 */
static int
sso_creds(struct tfa_resolved *res, struct run *r, const struct tfa_section *s)
{
	struct tfa_creds *out = &res->creds;
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_buf path = TFA_BUF_INIT;
	struct tfa_creds c;
	unsigned flags = 0;
	char key[41];
	int rc, fd = -1;

	tfa_sso_token_init(&tok);
	tfa_creds_init(&c);
	if ((rc = tfa_sso_config(&sc, r->cfg, s, r->err)) < 0)
		goto out;
	tfa_sso_role_cache_key(key, &sc);
	cache_path(&path, r, key);
	if ((rc = cached(out, NULL, r, path.ptr)) != 0) {
		res->from_cache = rc > 0;
		goto out;
	}
	if ((rc = need_net(r, "an SSO login")) < 0)
		goto out;
	if ((rc = tfa_cache_lock(&fd, path.ptr, LOCK_WAIT, r->err)) < 0)
		goto out;
	if ((rc = cached(out, NULL, r, path.ptr)) != 0) {
		res->from_cache = rc > 0;
		goto out;
	}
	if ((r->o->flags & TFA_CHAIN_NONINTERACTIVE) || !r->o->sso_ui)
		flags |= TFA_SSO_NONINTERACTIVE;
	if ((rc = r->o->net->sso_token(&tok, r->ctx, r->cfg, &sc, flags, r->o->sso_ui,
				       r->err)) < 0)
		goto out;
	rc = r->o->net->sso_role_credentials(&c, r->ctx, r->cfg, &sc, &tok, r->err);
	if (rc < 0 && strcmp(r->err->aws_code, "UnauthorizedException") == 0 &&
	    !(flags & TFA_SSO_NONINTERACTIVE)) {
		/* The portal no longer takes the token (signed out, revoked):
		 * one new login, then the role again. */
		tfa_sso_token_dispose(&tok);
		tfa_sso_token_init(&tok);
		if ((rc = r->o->net->sso_token(&tok, r->ctx, r->cfg, &sc,
					       flags | TFA_SSO_FORCE, r->o->sso_ui, r->err)) < 0)
			goto out;
		rc = r->o->net->sso_role_credentials(&c, r->ctx, r->cfg, &sc, &tok, r->err);
	}
	if (rc < 0)
		goto out;
	if ((rc = tfa_cache_store_provider_creds(path.ptr, "sso", &c, NULL, NULL,
						 r->err)) < 0)
		goto out;
	tfa_creds_dispose(out);
	*out = c;
	tfa_creds_init(&c);
	rc = 0;
out:
	if (fd >= 0)
		tfa_cache_unlock(fd);
	tfa_sso_token_dispose(&tok);
	tfa_creds_dispose(&c);
	tfa_buf_dispose(&path);
	return rc < 0 ? rc : 0;
}

/* A profile's own credentials, before any role_arn on top. */
static int
own_creds(struct tfa_resolved *out, struct run *r, const struct tfa_section *s,
	  enum tfa_profile_kind kind, const char *credential_source)
{
	int rc;

	if (credential_source) {
		if (strcmp(credential_source, "Environment") == 0) {
			out->source = TFA_SOURCE_ENVIRONMENT;
			return env_keys(&out->creds, r, 1);
		}
		if ((rc = need_net(r, credential_source)) < 0)
			return rc;
		if (strcmp(credential_source, "EcsContainer") == 0) {
			out->source = TFA_SOURCE_CONTAINER;
			return r->o->net->container(&out->creds, r->ctx, r->err);
		}
		out->source = TFA_SOURCE_IMDS;
		return r->o->net->imds(&out->creds, r->ctx, r->err);
	}
	switch (kind) {
	case TFA_PROFILE_STATIC:
	case TFA_PROFILE_ASSUME_ROLE: /* a keyed profile naming itself */
		out->source = TFA_SOURCE_STATIC;
		return section_keys(&out->creds, s);
	case TFA_PROFILE_WEB_IDENTITY:
		out->source = TFA_SOURCE_WEB_IDENTITY;
		out->refreshable = 1;
		return web_identity(&out->creds, &out->arn, r, val(s, "role_arn"),
				    val(s, "web_identity_token_file"),
				    val(s, "role_session_name"), s);
	case TFA_PROFILE_SSO:
		out->source = TFA_SOURCE_SSO;
		out->refreshable = 1;
		return sso_creds(out, r, s);
	case TFA_PROFILE_PROCESS:
		if (r->o->flags & TFA_CHAIN_CACHE_ONLY)
			return need_net(r, "credential_process");
		out->source = TFA_SOURCE_PROCESS;
		out->refreshable = 1;
		return tfa_process_run(&out->creds, r->ctx, val(s, "credential_process"),
				       s->name, r->err);
	case TFA_PROFILE_NONE:
	default:
		if ((rc = need_net(r, "instance or container credentials")) < 0)
			return rc;
		if (tfa_ctx_getenv_nonempty(r->ctx, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
		    tfa_ctx_getenv_nonempty(r->ctx, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
			out->source = TFA_SOURCE_CONTAINER;
			return r->o->net->container(&out->creds, r->ctx, r->err);
		}
		out->source = TFA_SOURCE_IMDS;
		return r->o->net->imds(&out->creds, r->ctx, r->err);
	}
}

static int
resolve_profile(struct tfa_resolved *out, struct run *r, const char *name)
{
	const struct tfa_section *roles[TFA_PROFILE_MAX_CHAIN];
	struct tfa_buf path = TFA_BUF_INIT;
	struct tfa_profile p;
	const struct tfa_section *base;
	const char *serial = NULL;
	char key[41];
	size_t nroles, i, start = 0;
	int rc, fd = -1;

	if ((rc = tfa_profile_resolve(&p, r->cfg, name, r->err)) < 0)
		return rc;
	r->profile = p.name;
	r->top = p.section;
	out->profile = tfa_xstrdup(p.name);
	nroles = tfa_profile_roles(&p, roles);
	base = p.chain[p.nchain - 1];

	if (nroles == 0) {
		if ((rc = own_creds(out, r, base, p.kind, NULL)) < 0)
			goto out;
		/* Long-term keys with a device: an MFA session (tfauth's addition). */
		if (p.kind == TFA_PROFILE_STATIC && (serial = val(base, "mfa_serial")) &&
		    !out->creds.session_token) {
			if ((rc = mfa_session(&out->creds, r, base, serial)) < 0)
				goto out;
			out->source = TFA_SOURCE_MFA_SESSION;
			out->refreshable = 1;
		}
		goto out;
	}

	/* The outermost role, fresh in the cache: no base, no network. */
	role_key(key, roles[nroles - 1]);
	cache_path(&path, r, key);
	out->source = TFA_SOURCE_ASSUME_ROLE;
	out->refreshable = 1;
	if ((rc = cached(&out->creds, &out->arn, r, path.ptr)) != 0) {
		out->from_cache = rc > 0;
		goto out;
	}
	if ((rc = need_net(r, "assuming a role")) < 0)
		goto out;
	/* One refresh at a time per entry; whoever waited finds it fresh. */
	if ((rc = tfa_cache_lock(&fd, path.ptr, LOCK_WAIT, r->err)) < 0)
		goto out;
	if ((rc = cached(&out->creds, &out->arn, r, path.ptr)) != 0) {
		out->from_cache = rc > 0;
		goto out;
	}
	/* The deepest role still fresh saves the rest of the chain. */
	for (i = nroles - 1; i-- > 0;) {
		struct tfa_buf ip = TFA_BUF_INIT;
		role_key(key, roles[i]);
		cache_path(&ip, r, key);
		rc = cached(&out->creds, &out->arn, r, ip.ptr);
		tfa_buf_dispose(&ip);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			/* Its session was made with any MFA the chain needed. */
			start = i + 1;
			r->mfa_done = 1;
			break;
		}
	}
	if (start == 0) {
		struct tfa_resolved b;
		tfa_resolved_init(&b);
		rc = own_creds(&b, r, base, p.base_kind, p.credential_source);
		if (rc == 0) {
			out->creds = b.creds;
			tfa_creds_init(&b.creds);
		}
		tfa_resolved_dispose(&b);
		if (rc < 0)
			goto out;
		/* A device on any role: one MFA session for the whole chain. */
		for (i = 0; i < nroles && !serial; i++)
			serial = val(roles[i], "mfa_serial");
		if (serial && !out->creds.session_token &&
		    (rc = mfa_session(&out->creds, r, base, serial)) < 0)
			goto out;
	}
	for (i = start; i < nroles; i++) {
		struct tfa_buf rp = TFA_BUF_INIT;
		role_key(key, roles[i]);
		cache_path(&rp, r, key);
		rc = assume(&out->creds, &out->arn, r, roles[i], rp.ptr);
		tfa_buf_dispose(&rp);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		tfa_cache_unlock(fd);
	tfa_buf_dispose(&path);
	return rc;
}

/* TFAUTH_RESOLVING lists the profiles being resolved up the process tree,
 * so that credential_process = tfauth-env --format process SELF stops. */
static int
check_recursion(struct run *r, const char *name)
{
	const char *list = tfa_ctx_getenv(r->ctx, "TFAUTH_RESOLVING"), *p;
	size_t n = strlen(name), depth = 0;

	for (p = list; p && *p; depth++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == n && memcmp(p, name, n) == 0) {
			tfa_err_set(r->err, TFA_ELOOP, "profile '%s' resolves through itself: "
				    "its credential_process calls tfauth for the same profile", name);
			tfa_err_hint(r->err, "point credential_process at another profile");
			return TFA_ELOOP;
		}
		p = nl ? nl + 1 : p + len;
	}
	if (depth >= 8) {
		tfa_err_set(r->err, TFA_ELOOP, "credential_process calls nest %zu deep", depth);
		return TFA_ELOOP;
	}
	return 0;
}

int
tfa_chain_resolve(struct tfa_resolved *out, struct tfa_ctx *ctx,
		  const struct tfa_config *cfg, const char *profile,
		  const struct tfa_chain_opts *opts, struct tfa_err *err)
{
	struct tfa_resolved res;
	struct tfa_selection sel;
	struct run r;
	const char *name = NULL, *prev;
	int rc;

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.cfg = cfg;
	r.o = opts;
	r.err = err;
	tfa_buf_init(&r.cachedir, 0);
	tfa_err_clear(err);
	tfa_resolved_init(&res);
	if ((rc = tfa_cache_refresh_window(&r.window, ctx, err)) < 0)
		return rc;
	if ((rc = tfa_cache_dir(&r.cachedir, ctx, "cli/cache", err)) < 0) {
		tfa_buf_dispose(&r.cachedir);
		return rc;
	}

	tfa_profile_select(&sel, ctx, profile);
	if (sel.origin != TFA_ORIGIN_DEFAULT) {
		name = sel.name;
	} else if ((rc = env_keys(&res.creds, &r, 0)) == 0) {
		res.source = TFA_SOURCE_ENVIRONMENT;
		goto done;
	} else if (rc != TFA_ENOTFOUND) {
		goto fail;
	} else if (tfa_ctx_getenv_nonempty(ctx, "AWS_WEB_IDENTITY_TOKEN_FILE")) {
		res.source = TFA_SOURCE_WEB_IDENTITY;
		res.refreshable = 1;
		rc = web_identity(&res.creds, &res.arn, &r,
				  tfa_ctx_getenv_nonempty(ctx, "AWS_ROLE_ARN"),
				  tfa_ctx_getenv_nonempty(ctx, "AWS_WEB_IDENTITY_TOKEN_FILE"),
				  tfa_ctx_getenv_nonempty(ctx, "AWS_ROLE_SESSION_NAME"), NULL);
		if (rc < 0)
			goto fail;
		goto done;
	} else if (tfa_config_profile(cfg, "default")) {
		name = "default";
	} else {
		rc = own_creds(&res, &r, NULL, TFA_PROFILE_NONE, NULL);
		if (rc < 0) {
			if (rc != TFA_EOFFLINE) {
				char why[sizeof(err->msg)], fix[sizeof(err->hint)];
				snprintf(why, sizeof(why), "%s", err->msg);
				snprintf(fix, sizeof(fix), "%s", err->hint);
				tfa_err_set(err, TFA_ENOTFOUND, "no credentials: no profile is "
					    "selected, no keys are in the environment, and %s", why);
				/* Keep what the container or IMDS provider said to do
				 * about its endpoint (unreachable, slow, failing). */
				if (fix[0])
					tfa_err_hint(err, "select a profile (eval \"$(tfauth-env "
						     "PROFILE)\"), or %s", fix);
				else
					tfa_err_hint(err, "select a profile: eval \"$(tfauth-env PROFILE)\"");
				rc = TFA_ENOTFOUND;
			}
			goto fail;
		}
		res.refreshable = 1;
		goto done;
	}
	if ((rc = check_recursion(&r, name)) < 0)
		goto fail;
	/* A credential_process below us sees this profile in the list. */
	prev = tfa_ctx_getenv(ctx, "TFAUTH_RESOLVING");
	{
		struct tfa_buf list = TFA_BUF_INIT;
		char *saved = prev ? tfa_xstrdup(prev) : NULL;
		if (prev && *prev)
			tfa_buf_addf(&list, "%s\n", prev);
		tfa_buf_adds(&list, name);
		tfa_ctx_setenv(ctx, "TFAUTH_RESOLVING", list.ptr);
		tfa_buf_dispose(&list);
		rc = resolve_profile(&res, &r, name);
		if (saved)
			tfa_ctx_setenv(ctx, "TFAUTH_RESOLVING", saved);
		else
			tfa_ctx_unsetenv(ctx, "TFAUTH_RESOLVING");
		free(saved);
	}
	if (rc < 0)
		goto fail;
done:
	tfa_endpoint_dispose(&r.sts);
	tfa_buf_dispose(&r.cachedir);
	*out = res;
	return 0;
fail:
	tfa_endpoint_dispose(&r.sts);
	tfa_buf_dispose(&r.cachedir);
	tfa_resolved_dispose(&res);
	return rc ? rc : err->code;
}
