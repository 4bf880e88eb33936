/*
 * env — what switching a shell to a profile means, as shell code.
 *
 * The profile the user chose wins over static keys sitting in the
 * environment: those are stale (the "environment variable override" cause
 * of InvalidClientTokenId), so the code unsets them and the notes say which
 * were cleared, with the key id masked.
 */
#ifndef TFA_ENV_H
#define TFA_ENV_H

#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "shell.h"

/* The variables that must not outlive a profile switch, in output order. */
extern const char *const tfa_env_stale_vars[];
/* Older names go-v2 still reads; unset only when present. */
extern const char *const tfa_env_legacy_vars[];

/*
 * Build into code the shell code that selects profile name (NULL: the
 * current one, see tfa_profile_select) and into notes one line per thing
 * the user should know ("cleared AWS_ACCESS_KEY_ID (****WZFK) that
 * shadowed profile 'prod'"), each ending in '\n' and prefixed with
 * "tfauth-env: ".  Fails, writing nothing, when the profile does not
 * exist or cannot be resolved.
 */
int tfa_env_select_code(struct tfa_buf *code, struct tfa_buf *notes,
			const struct tfa_ctx *ctx, const struct tfa_config *cfg,
			const char *name, enum tfa_shell sh, struct tfa_err *err);

#endif
