/* sts — see sts.h. */
#include "sts.h"
#include "awsquery.h"
#include "buf.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
call_init(struct tfa_awsquery_call *c, const struct tfa_sts_target *t,
	  const char *action, const struct tfa_creds *creds)
{
	memset(c, 0, sizeof(*c));
	c->service = "STS";
	c->signing_name = "sts";
	c->endpoint = t->endpoint;
	c->region = t->region;
	c->action = action;
	c->version = TFA_STS_VERSION;
	c->creds = creds;
	c->profile = t->profile;
}

/*
 * The text at "<Op>Response/<Op>Result/<rel>", non-empty; NULL with err
 * filled otherwise.  The text stays in the reply's (secret) buffer.
 */
static const char *
field(const struct tfa_awsquery_call *c, const struct tfa_awsquery_reply *r,
      const char *rel, struct tfa_err *err)
{
	char path[160];
	const char *v;
	int n;

	n = snprintf(path, sizeof(path), "%sResponse/%sResult/%s", c->action,
		     c->action, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL; /* our own paths are short: cannot happen */
	v = tfa_awsquery_get(&r->doc, path);
	if (!v || !*v) {
		tfa_awsquery_bad_reply(err, c, r, "the reply lacks %sResult/%s",
				       c->action, rel);
		return NULL;
	}
	return v;
}

/* Move the text at a result path out of the reply (secret stays secret). */
static char *
take(const struct tfa_awsquery_call *c, struct tfa_awsquery_reply *r,
     const char *rel)
{
	char path[160];
	size_t i;
	int n;

	n = snprintf(path, sizeof(path), "%sResponse/%sResult/%s", c->action,
		     c->action, rel);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    !tfa_awsquery_find(&r->doc, path, 0, &i))
		return NULL;
	return tfa_buf_detach(&r->doc.elems[i].text);
}

/* "arn:aws:sts::123456789012:assumed-role/R/S" -> "123456789012", or NULL. */
static char *
arn_account(const char *arn)
{
	const char *p = arn;
	int i;

	for (i = 0; i < 4 && p; i++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (!p || !strchr(p, ':') || strchr(p, ':') == p)
		return NULL;
	return tfa_xstrndup(p, (size_t)(strchr(p, ':') - p));
}

int
tfa_sts_get_caller_identity(struct tfa_sts_identity *out, struct tfa_ctx *ctx,
			    const struct tfa_sts_target *t,
			    const struct tfa_creds *creds, struct tfa_err *err)
{
	struct tfa_awsquery_call c;
	struct tfa_awsquery_reply r;
	const char *account, *arn, *user_id;
	int rc;

	tfa_awsquery_reply_init(&r);
	call_init(&c, t, "GetCallerIdentity", creds);
	if ((rc = tfa_awsquery_call(&r, ctx, &c, err)) < 0)
		goto out;
	if (!(account = field(&c, &r, "Account", err)) ||
	    !(arn = field(&c, &r, "Arn", err)) ||
	    !(user_id = field(&c, &r, "UserId", err))) {
		rc = err->code;
		goto out;
	}
	out->account = tfa_xstrdup(account);
	out->arn = tfa_xstrdup(arn);
	out->user_id = tfa_xstrdup(user_id);
	out->server_time = r.server_time;
	memcpy(out->request_id, r.request_id, sizeof(out->request_id));
out:
	tfa_awsquery_reply_dispose(&r);
	return rc;
}

/*
 * Read Credentials{...} and AssumedRoleUser{...} of a successful reply into
 * out.  want_user: the reply must name the assumed role.
 */
static int
read_session(struct tfa_sts_session *out, const struct tfa_awsquery_call *c,
	     struct tfa_awsquery_reply *r, int want_user, struct tfa_err *err)
{
	static const char *const need[] = {
		"Credentials/AccessKeyId", "Credentials/SecretAccessKey",
		"Credentials/SessionToken", "Credentials/Expiration",
	};
	const char *exp;
	time_t expiration;
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!field(c, r, need[i], err))
			return err->code;
	if (want_user && !field(c, r, "AssumedRoleUser/Arn", err))
		return err->code;
	exp = field(c, r, "Credentials/Expiration", err);
	if (tfa_time_parse(&expiration, exp) < 0) {
		char shown[64];
		size_t n = strlen(exp) < sizeof(shown) - 1 ? strlen(exp) : sizeof(shown) - 1;
		for (i = 0; i < n; i++)
			shown[i] = exp[i] < 0x20 || exp[i] == 0x7f ? '?' : exp[i];
		shown[n] = '\0';
		return tfa_awsquery_bad_reply(err, c, r, "the reply's Expiration "
					      "'%s' is not a time", shown);
	}
	tfa_sts_session_init(out);
	out->creds.access_key_id = take(c, r, "Credentials/AccessKeyId");
	out->creds.secret_access_key = take(c, r, "Credentials/SecretAccessKey");
	out->creds.session_token = take(c, r, "Credentials/SessionToken");
	out->creds.expiration = expiration;
	out->assumed_role_arn = take(c, r, "AssumedRoleUser/Arn");
	out->assumed_role_id = take(c, r, "AssumedRoleUser/AssumedRoleId");
	if (out->assumed_role_arn)
		out->creds.account_id = arn_account(out->assumed_role_arn);
	out->server_time = r->server_time;
	memcpy(out->request_id, r->request_id, sizeof(out->request_id));
	return 0;
}

static int
missing(struct tfa_err *err, const char *action, const char *what)
{
	return tfa_err_set(err, TFA_EINVAL, "STS %s: no %s given", action, what);
}

/* The decimal form of a duration, or NULL for 0 (AWS's default). */
static const char *
duration(char buf[24], long seconds)
{
	int n;

	if (seconds <= 0)
		return NULL;
	n = snprintf(buf, 24, "%ld", seconds);
	return n > 0 && n < 24 ? buf : NULL;
}

/* Make the call and read the session; shared by the three calls. */
static int
session_call(struct tfa_sts_session *out, struct tfa_ctx *ctx,
	     struct tfa_awsquery_call *c, int want_user, struct tfa_err *err)
{
	struct tfa_awsquery_reply r;
	struct tfa_sts_session s;
	int rc;

	tfa_awsquery_reply_init(&r);
	if ((rc = tfa_awsquery_call(&r, ctx, c, err)) < 0)
		goto out;
	if ((rc = read_session(&s, c, &r, want_user, err)) < 0)
		goto out;
	*out = s;
out:
	tfa_awsquery_reply_dispose(&r);
	return rc;
}

int
tfa_sts_assume_role(struct tfa_sts_session *out, struct tfa_ctx *ctx,
		    const struct tfa_sts_target *t, const struct tfa_creds *creds,
		    const struct tfa_sts_assume_role_params *p,
		    struct tfa_err *err)
{
	struct tfa_awsquery_call c;
	struct tfa_awsquery_param params[6];
	char dur[24];

	if (!p->role_arn || !*p->role_arn)
		return missing(err, "AssumeRole", "role ARN");
	if (!p->role_session_name || !*p->role_session_name)
		return missing(err, "AssumeRole", "role session name");
	if (p->duration_seconds < 0)
		return tfa_err_set(err, TFA_EINVAL, "STS AssumeRole: bad duration "
				   "%ld", p->duration_seconds);
	if (p->serial_number && (!p->token_code || !*p->token_code))
		return missing(err, "AssumeRole", "MFA code for the MFA device");
	call_init(&c, t, "AssumeRole", creds);
	params[0] = (struct tfa_awsquery_param){ "RoleArn", p->role_arn };
	params[1] = (struct tfa_awsquery_param){ "RoleSessionName",
						 p->role_session_name };
	params[2] = (struct tfa_awsquery_param){ "ExternalId", p->external_id };
	params[3] = (struct tfa_awsquery_param){ "SerialNumber", p->serial_number };
	params[4] = (struct tfa_awsquery_param){
		"TokenCode", p->serial_number ? p->token_code : NULL
	};
	params[5] = (struct tfa_awsquery_param){
		"DurationSeconds", duration(dur, p->duration_seconds)
	};
	c.params = params;
	c.nparams = 6;
	return session_call(out, ctx, &c, 1, err);
}

int
tfa_sts_get_session_token(struct tfa_sts_session *out, struct tfa_ctx *ctx,
			  const struct tfa_sts_target *t,
			  const struct tfa_creds *creds,
			  const struct tfa_sts_session_token_params *p,
			  struct tfa_err *err)
{
	struct tfa_awsquery_call c;
	struct tfa_awsquery_param params[3];
	char dur[24];

	if (p->duration_seconds < 0)
		return tfa_err_set(err, TFA_EINVAL, "STS GetSessionToken: bad "
				   "duration %ld", p->duration_seconds);
	if (p->serial_number && (!p->token_code || !*p->token_code))
		return missing(err, "GetSessionToken", "MFA code for the MFA device");
	call_init(&c, t, "GetSessionToken", creds);
	params[0] = (struct tfa_awsquery_param){
		"DurationSeconds", duration(dur, p->duration_seconds)
	};
	params[1] = (struct tfa_awsquery_param){ "SerialNumber", p->serial_number };
	params[2] = (struct tfa_awsquery_param){
		"TokenCode", p->serial_number ? p->token_code : NULL
	};
	c.params = params;
	c.nparams = 3;
	return session_call(out, ctx, &c, 0, err);
}

int
tfa_sts_assume_role_with_web_identity(struct tfa_sts_session *out,
				      struct tfa_ctx *ctx,
				      const struct tfa_sts_target *t,
				      const struct tfa_sts_web_identity_params *p,
				      struct tfa_err *err)
{
	static const char action[] = "AssumeRoleWithWebIdentity";
	struct tfa_awsquery_call c;
	struct tfa_awsquery_param params[4];
	char dur[24];

	if (!p->role_arn || !*p->role_arn)
		return missing(err, action, "role ARN");
	if (!p->role_session_name || !*p->role_session_name)
		return missing(err, action, "role session name");
	if (!p->web_identity_token || !*p->web_identity_token)
		return missing(err, action, "web identity token");
	if (p->duration_seconds < 0)
		return tfa_err_set(err, TFA_EINVAL, "STS %s: bad duration %ld",
				   action, p->duration_seconds);
	call_init(&c, t, action, NULL);
	params[0] = (struct tfa_awsquery_param){ "RoleArn", p->role_arn };
	params[1] = (struct tfa_awsquery_param){ "RoleSessionName",
						 p->role_session_name };
	params[2] = (struct tfa_awsquery_param){ "WebIdentityToken",
						 p->web_identity_token };
	params[3] = (struct tfa_awsquery_param){
		"DurationSeconds", duration(dur, p->duration_seconds)
	};
	c.params = params;
	c.nparams = 4;
	return session_call(out, ctx, &c, 1, err);
}
