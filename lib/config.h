/*
 * config — the shared config and credentials files, as Terraform reads them.
 *
 * Both files are tokenized by inih (ini_parse_stream) fed by a reader of our
 * own: the packaged inih cuts lines at 200 bytes and names at 50, and session
 * tokens are far longer, so the reader hands inih short stand-ins for section
 * names and values and keeps the real bytes; it also counts lines, so every
 * setting carries the file:line it came from.
 *
 * The rules are aws-sdk-go-v2's (Terraform's), aws-reference.md §1:
 *   - config file: [default], [profile NAME], [sso-session NAME],
 *     [services NAME]; any other section is ignored.  [profile default]
 *     beats [default] wherever it stands.
 *   - credentials file: [NAME] only; [profile NAME] there is ignored.
 *   - a section line's comment starts at any '#' or ';'; a property line's
 *     only at a '#' or ';' after a space or tab; whole-line comments may be
 *     indented.  Keys are lower-cased; names are case-sensitive.  One pair of
 *     surrounding quotes is removed from a value.  `k: v` works like `k = v`.
 *   - an indented line after `key =` (empty value) is a sub-property
 *     `sub = value`; after a non-empty value it continues the value
 *     ("old\nnew").  A repeated key replaces the earlier one; a repeated
 *     section merges into the first.
 *   - the same profile in both files merges per key, the credentials file
 *     winning.
 * A missing file is empty.  A file that is not a regular file, is larger
 * than TFA_CONFIG_MAX_FILE, holds a NUL byte or invalid UTF-8, has a line
 * without '=', a '[' without ']', a property before any section, or an
 * indented line with nothing to continue, fails to load with file:line.
 *
 * Permissions (TFA_EPERM, with "chmod 600 PATH" as the fix): a credentials
 * file that other users can write to (world-writable, or group-writable
 * by a group other than the owner's private group: tfa__fs_others_can_write)
 * is refused: it holds secrets, and whoever can rewrite it chooses whose
 * account terraform talks to.  The config file is refused only when
 * world-writable: it may name a credential_process command, so anyone who
 * can edit it runs code as you; group-writable is left alone because
 * user-private groups (umask 002) make it common and harmless there.  A
 * credentials file that others can only read is loaded (tfauth-doctor
 * warns about it): "aws configure" on some systems leaves it 0644, and the
 * SDKs read it.
 */
#ifndef TFA_CONFIG_H
#define TFA_CONFIG_H

#include <stddef.h>

#include "ctx.h"
#include "err.h"

#define TFA_CONFIG_MAX_FILE ((size_t)8 << 20)

enum tfa_section_kind {
	TFA_SECTION_PROFILE,
	TFA_SECTION_SSO_SESSION,
	TFA_SECTION_SERVICES
};

struct tfa_setting {
	const char *key;        /* lower-cased */
	const char *value;      /* "" for a parent of sub-properties */
	const char *file;       /* path as given (owned by the config) */
	unsigned line;
	struct tfa_setting *sub;/* sub-properties, in file order */
	size_t nsub;
};

struct tfa_section {
	enum tfa_section_kind kind;
	const char *name;
	const char *file;       /* where the section was first declared */
	unsigned line;
	unsigned in_config : 1; /* declared in the config file */
	unsigned in_credentials : 1;
	struct tfa_setting *settings; /* in file order, credentials' last */
	size_t nsettings;
};

struct tfa_config;

/*
 * Load ctx->config_path and ctx->credentials_path.  *out is a new config the
 * caller frees with tfa_config_free, written only on success.
 */
int tfa_config_load(struct tfa_config **out, const struct tfa_ctx *ctx,
		    struct tfa_err *err);
/* Load from explicit paths (either may be NULL: no such file). */
int tfa_config_load_files(struct tfa_config **out, const char *config_path,
			  const char *credentials_path, struct tfa_err *err);
/*
 * Parse from memory (either text may be NULL: no such file), with the
 * rules of a load; messages name the files "config" and "credentials".
 * For tests and fuzzing.
 */
int tfa_config_parse(struct tfa_config **out, const char *config,
		     size_t config_len, const char *credentials,
		     size_t credentials_len, struct tfa_err *err);
void tfa_config_free(struct tfa_config *cfg);

/* Look-ups; NULL when absent.  Returned pointers live as long as cfg. */
const struct tfa_section *tfa_config_profile(const struct tfa_config *cfg,
					     const char *name);
const struct tfa_section *tfa_config_sso_session(const struct tfa_config *cfg,
						 const char *name);
const struct tfa_section *tfa_config_services(const struct tfa_config *cfg,
					      const char *name);

/* Profiles sorted by name (byte order), each once. */
size_t tfa_config_profile_count(const struct tfa_config *cfg);
const struct tfa_section *tfa_config_profile_at(const struct tfa_config *cfg,
						size_t i);

/* The files' paths as shown to the user ("~/.aws/config"); NULL if none. */
const char *tfa_config_config_path(const struct tfa_config *cfg);
const char *tfa_config_credentials_path(const struct tfa_config *cfg);

const struct tfa_setting *tfa_section_get(const struct tfa_section *s,
					  const char *key);
/* The value of key, or NULL; "" counts as set. */
const char *tfa_section_value(const struct tfa_section *s, const char *key);
const struct tfa_setting *tfa_setting_sub(const struct tfa_setting *s,
					  const char *key);

/*
 * When the config file has both [default] and [profile default], the file
 * and line of the [default] that was dropped (Terraform keeps [profile
 * default]; the AWS CLI keeps whichever comes later); else NULL.
 */
const char *tfa_config_both_defaults(const struct tfa_config *cfg, unsigned *line);

/* Whether a setting holds a secret that must be masked when shown. */
int tfa_config_key_is_secret(const char *key);
/* Whether a setting is shown masked (secrets and aws_access_key_id). */
int tfa_config_key_is_masked(const char *key);

#endif
