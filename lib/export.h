/*
 * export — resolved credentials in the formats tools consume.
 *
 *   process  the credential_process JSON (Version 1, RFC 3339 Expiration),
 *            so a profile can say
 *            `credential_process = tfauth-env --format process OTHER`
 *   json     the same keys plus Profile, Source and Arn when known
 *   dotenv   AWS_ACCESS_KEY_ID=... lines for .env files
 *   shell    code for eval: selects the profile like tfauth-env, then
 *            exports the keys and AWS_CREDENTIAL_EXPIRATION
 * Output holds secrets: out should be a secret buffer.
 */
#ifndef TFA_EXPORT_H
#define TFA_EXPORT_H

#include "buf.h"
#include "chain.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "shell.h"

enum tfa_export_format {
	TFA_EXPORT_PROCESS,
	TFA_EXPORT_JSON,
	TFA_EXPORT_DOTENV,
	TFA_EXPORT_SHELL
};

int tfa_export_parse(enum tfa_export_format *out, const char *name, struct tfa_err *err);
const char *tfa_export_name(enum tfa_export_format f);

/*
 * Write r's credentials as f.  For TFA_EXPORT_SHELL, notes gets what was
 * cleared (as tfauth-env says it) and cfg/ctx select the profile.
 */
int tfa_export(struct tfa_buf *out, struct tfa_buf *notes, enum tfa_export_format f,
	       enum tfa_shell sh, const struct tfa_resolved *r,
	       const struct tfa_ctx *ctx, const struct tfa_config *cfg,
	       struct tfa_err *err);

#endif
