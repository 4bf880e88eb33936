/* env — see env.h. */
#include "env.h"
#include "profile.h"

#include <string.h>

const char *const tfa_env_stale_vars[] = {
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION",
	"AWS_DEFAULT_PROFILE",
	NULL
};

const char *const tfa_env_legacy_vars[] = { "AWS_ACCESS_KEY", "AWS_SECRET_KEY", NULL };

static void
note_cleared(struct tfa_buf *notes, const char *var, const char *value,
	     const char *profile)
{
	size_t n = strlen(value);

	tfa_buf_addf(notes, "tfauth-env: cleared %s", var);
	if (strcmp(var, "AWS_ACCESS_KEY_ID") == 0 || strcmp(var, "AWS_ACCESS_KEY") == 0) {
		/* "****WZFK": enough to recognise the key, nothing more. */
		tfa_buf_addf(notes, " (****%s)", n >= 8 ? value + n - 4 : "");
	} else if (strcmp(var, "AWS_DEFAULT_PROFILE") == 0 ||
		   strcmp(var, "AWS_CREDENTIAL_EXPIRATION") == 0) {
		tfa_buf_addf(notes, " ('%s')", value);
	}
	tfa_buf_addf(notes, " that shadowed profile '%s'\n", profile);
}

int
tfa_env_select_code(struct tfa_buf *code, struct tfa_buf *notes,
		    const struct tfa_ctx *ctx, const struct tfa_config *cfg,
		    const char *name, enum tfa_shell sh, struct tfa_err *err)
{
	struct tfa_selection sel;
	struct tfa_profile p;
	struct tfa_buf c = TFA_BUF_INIT, n = TFA_BUF_INIT;
	const char *const *var;
	const char *v;
	int rc;

	tfa_profile_select(&sel, ctx, name);
	if ((rc = tfa_profile_resolve(&p, cfg, sel.name, err)) < 0) {
		if (rc == TFA_ENOTFOUND && sel.origin != TFA_ORIGIN_ARGUMENT &&
		    !strstr(err->msg, "source_profile") && !strstr(err->msg, "sso_session")) {
			/* Say where the missing name came from. */
			tfa_err_hint(err, "%s is set to '%s'; name a profile: "
				     "'tfauth-env PROFILE' ('tfauth-profile list' shows them)",
				     tfa_profile_origin_name(sel.origin), sel.name);
		}
		return rc;
	}

	for (var = tfa_env_stale_vars; *var; var++) {
		if ((rc = tfa_shell_unset(&c, sh, *var)) < 0)
			goto fail;
		v = tfa_ctx_getenv(ctx, *var);
		if (!v || !*v)
			continue;
		/* AWS_DEFAULT_PROFILE naming the same profile shadows nothing. */
		if (strcmp(*var, "AWS_DEFAULT_PROFILE") == 0 && strcmp(v, p.name) == 0)
			continue;
		note_cleared(&n, *var, v, p.name);
	}
	/* go-v2 (Terraform) also reads these two old names; clear them when set. */
	for (var = tfa_env_legacy_vars; *var; var++) {
		if (!(v = tfa_ctx_getenv(ctx, *var)))
			continue;
		if ((rc = tfa_shell_unset(&c, sh, *var)) < 0)
			goto fail;
		if (*v)
			note_cleared(&n, *var, v, p.name);
	}
	if ((rc = tfa_shell_export(&c, sh, "AWS_PROFILE", p.name)) < 0)
		goto fail;
	if (p.region) {
		if ((rc = tfa_shell_export(&c, sh, "AWS_REGION", p.region)) < 0 ||
		    (rc = tfa_shell_export(&c, sh, "AWS_DEFAULT_REGION", p.region)) < 0)
			goto fail;
	} else if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_REGION")) ||
		   (v = tfa_ctx_getenv_nonempty(ctx, "AWS_DEFAULT_REGION"))) {
		tfa_buf_addf(&n, "tfauth-env: profile '%s' sets no region; the region "
			     "stays '%s' from the environment\n", p.name, v);
	}
	{
		/* Both or neither: the code must not arrive without its notes. */
		size_t code_len = code->len;
		if (tfa_buf_add(code, c.ptr, c.len) < 0) {
			rc = TFA_ETOOBIG;
			goto fail;
		}
		if (tfa_buf_add(notes, n.ptr, n.len) < 0) {
			tfa_buf_setlen(code, code_len);
			tfa_buf_dispose(&c);
			tfa_buf_dispose(&n);
			return tfa_err_set(err, TFA_ETOOBIG, "the notes for profile '%s' "
					   "are too large", p.name);
		}
	}
	tfa_buf_dispose(&c);
	tfa_buf_dispose(&n);
	return 0;
fail:
	tfa_buf_dispose(&c);
	tfa_buf_dispose(&n);
	if (rc == TFA_EINVAL)
		return tfa_err_set(err, rc, "cannot write shell code for profile '%s'", p.name);
	return tfa_err_set(err, rc, "the shell code for profile '%s' is too large", p.name);
}
