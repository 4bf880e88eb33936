/* export — see export.h. */
#include "export.h"
#include "cache.h"
#include "env.h"
#include "timeutil.h"

#include <string.h>

static const char *const names[] = { "process", "json", "dotenv", "shell" };

int
tfa_export_parse(enum tfa_export_format *out, const char *name, struct tfa_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum tfa_export_format)i;
			return 0;
		}
	tfa_err_set(err, TFA_EUSAGE, "unknown format '%s'", name);
	tfa_err_hint(err, "use process, json, dotenv or shell");
	return TFA_EUSAGE;
}

const char *
tfa_export_name(enum tfa_export_format f)
{
	return names[f];
}

/* "Key": "value" in JSON; the strings are escaped like Python's json. */
static void
member(struct tfa_buf *b, int *first, const char *key, const char *value)
{
	if (!value)
		return;
	tfa_buf_adds(b, *first ? "{\n  \"" : ",\n  \"");
	*first = 0;
	tfa_buf_adds(b, key);
	tfa_buf_adds(b, "\": ");
	tfa_cache_py_json_string(b, value);
}

static int
dotenv_value_ok(const char *v)
{
	/* Keys, secrets and tokens are base64: anything else is refused
	 * rather than quoted in one of the many dotenv dialects. */
	return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789+/=_.:-") == strlen(v);
}

int
tfa_export(struct tfa_buf *out, struct tfa_buf *notes, enum tfa_export_format f,
	   enum tfa_shell sh, const struct tfa_resolved *r,
	   const struct tfa_ctx *ctx, const struct tfa_config *cfg,
	   struct tfa_err *err)
{
	const struct tfa_creds *c = &r->creds;
	char exp[TFA_TIME_LEN] = "";
	int first = 1, rc = 0;

	if (c->expiration)
		tfa_time_format(exp, c->expiration);
	switch (f) {
	case TFA_EXPORT_PROCESS:
		tfa_buf_adds(out, "{\n  \"Version\": 1");
		first = 0;
		member(out, &first, "AccessKeyId", c->access_key_id);
		member(out, &first, "SecretAccessKey", c->secret_access_key);
		member(out, &first, "SessionToken", c->session_token);
		member(out, &first, "Expiration", exp[0] ? exp : NULL);
		member(out, &first, "AccountId", c->account_id);
		rc = tfa_buf_adds(out, "\n}\n");
		break;
	case TFA_EXPORT_JSON:
		member(out, &first, "AccessKeyId", c->access_key_id);
		member(out, &first, "SecretAccessKey", c->secret_access_key);
		member(out, &first, "SessionToken", c->session_token);
		member(out, &first, "Expiration", exp[0] ? exp : NULL);
		member(out, &first, "AccountId", c->account_id);
		member(out, &first, "Profile", r->profile);
		member(out, &first, "Source", tfa_cred_source_name(r->source));
		member(out, &first, "Arn", r->arn);
		rc = tfa_buf_adds(out, "\n}\n");
		break;
	case TFA_EXPORT_DOTENV:
		if (!dotenv_value_ok(c->access_key_id) || !dotenv_value_ok(c->secret_access_key) ||
		    (c->session_token && !dotenv_value_ok(c->session_token)))
			return tfa_err_set(err, TFA_EINVAL, "the credentials hold characters a "
					   ".env file cannot carry unquoted; use --format json");
		tfa_buf_addf(out, "AWS_ACCESS_KEY_ID=%s\n", c->access_key_id);
		tfa_buf_addf(out, "AWS_SECRET_ACCESS_KEY=%s\n", c->secret_access_key);
		if (c->session_token)
			tfa_buf_addf(out, "AWS_SESSION_TOKEN=%s\n", c->session_token);
		if (exp[0])
			tfa_buf_addf(out, "AWS_CREDENTIAL_EXPIRATION=%s\n", exp);
		break;
	case TFA_EXPORT_SHELL:
		if (r->profile) {
			/* Select the profile, clearing stale keys, then add its keys. */
			if ((rc = tfa_env_select_code(out, notes, ctx, cfg, r->profile, sh, err)) < 0)
				return rc;
		}
		if ((rc = tfa_shell_export(out, sh, "AWS_ACCESS_KEY_ID", c->access_key_id)) < 0 ||
		    (rc = tfa_shell_export(out, sh, "AWS_SECRET_ACCESS_KEY", c->secret_access_key)) < 0)
			break;
		if (c->session_token)
			rc = tfa_shell_export(out, sh, "AWS_SESSION_TOKEN", c->session_token);
		else if (!r->profile)
			rc = tfa_shell_unset(out, sh, "AWS_SESSION_TOKEN");
		if (rc == 0 && exp[0])
			rc = tfa_shell_export(out, sh, "AWS_CREDENTIAL_EXPIRATION", exp);
		else if (rc == 0 && !r->profile)
			rc = tfa_shell_unset(out, sh, "AWS_CREDENTIAL_EXPIRATION");
		break;
	}
	if (rc < 0)
		return tfa_err_set(err, rc, "cannot write the credentials as %s", names[f]);
	return 0;
}
