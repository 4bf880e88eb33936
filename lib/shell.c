/* shell — see shell.h. */
#include "shell.h"

#include <string.h>

static const struct {
	const char *name;
	enum tfa_shell sh;
} shell_names[] = {
	{ "sh", TFA_SHELL_POSIX },
	{ "bash", TFA_SHELL_BASH },
	{ "zsh", TFA_SHELL_ZSH },
	{ "fish", TFA_SHELL_FISH },
	{ "dash", TFA_SHELL_POSIX },
	{ "ksh", TFA_SHELL_POSIX },
	{ "mksh", TFA_SHELL_POSIX },
	{ "ash", TFA_SHELL_POSIX },
};

#define VALID_NAMES "bash, zsh, fish, sh (or dash, ksh, mksh, ash)"

/* "/usr/bin/zsh" -> "zsh", "-bash" (a login shell's argv[0]) -> "bash". */
static const char *
shell_basename(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (slash)
		name = slash + 1;
	if (name[0] == '-' && name[1] != '\0')
		name++;
	return name;
}

static int
lookup(enum tfa_shell *out, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(shell_names) / sizeof(shell_names[0]); i++) {
		if (strcmp(shell_names[i].name, name) == 0) {
			*out = shell_names[i].sh;
			return 0;
		}
	}
	return TFA_EUSAGE;
}

int
tfa_shell_parse(enum tfa_shell *out, const char *name, struct tfa_err *err)
{
	if (!name || !*name) {
		tfa_err_set(err, TFA_EUSAGE, "no shell named");
		tfa_err_hint(err, "name one of: " VALID_NAMES);
		return TFA_EUSAGE;
	}
	if (lookup(out, shell_basename(name)) == 0)
		return 0;
	/* %.200s: a hostile argument must not push the hint out of msg. */
	tfa_err_set(err, TFA_EUSAGE, "unknown shell '%.200s'", name);
	tfa_err_hint(err, "name one of: " VALID_NAMES);
	return TFA_EUSAGE;
}

enum tfa_shell
tfa_shell_from_env(const struct tfa_ctx *ctx)
{
	const char *shell = tfa_ctx_getenv_nonempty(ctx, "SHELL");
	enum tfa_shell sh;

	if (shell && lookup(&sh, shell_basename(shell)) == 0)
		return sh;
	return TFA_SHELL_POSIX;
}

const char *
tfa_shell_name(enum tfa_shell sh)
{
	switch (sh) {
	case TFA_SHELL_BASH:
		return "bash";
	case TFA_SHELL_ZSH:
		return "zsh";
	case TFA_SHELL_FISH:
		return "fish";
	case TFA_SHELL_POSIX:
	default:
		return "sh";
	}
}

int
tfa_shell_valid_name(const char *name)
{
	const char *p;

	if (!name || !((name[0] >= 'A' && name[0] <= 'Z') ||
		       (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return 0;
	/* Not isalnum(): its answer depends on the locale. */
	for (p = name + 1; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	}
	return 1;
}

/*
 * 'run' for every run of non-quote bytes, \' for every quote.  Quoting each
 * run separately, rather than the usual '...'\''...', means no quoted run is
 * ever empty and no closing quote is followed by an opening one: under zsh's
 * RC_QUOTES a '' inside quotes would become a literal quote.
 */
static int
quote_posix(struct tfa_buf *out, const char *s)
{
	size_t n;
	int rc;

	if (!*s)
		return tfa_buf_add(out, "''", 2);
	while (*s) {
		n = strcspn(s, "'");
		if (n) {
			if ((rc = tfa_buf_addch(out, '\'')) ||
			    (rc = tfa_buf_add(out, s, n)) ||
			    (rc = tfa_buf_addch(out, '\'')))
				return rc;
			s += n;
		}
		for (; *s == '\''; s++) {
			if ((rc = tfa_buf_add(out, "\\'", 2)))
				return rc;
		}
	}
	return 0;
}

/* In fish's single quotes only \\ and \' are escapes; all else is literal. */
static int
quote_fish(struct tfa_buf *out, const char *s)
{
	size_t n;
	int rc;

	if ((rc = tfa_buf_addch(out, '\'')))
		return rc;
	while (*s) {
		n = strcspn(s, "\\'");
		if ((rc = tfa_buf_add(out, s, n)))
			return rc;
		s += n;
		if (*s) {
			if ((rc = tfa_buf_addch(out, '\\')) ||
			    (rc = tfa_buf_addch(out, *s)))
				return rc;
			s++;
		}
	}
	return tfa_buf_addch(out, '\'');
}

static int
quote(struct tfa_buf *out, enum tfa_shell sh, const char *s)
{
	switch (sh) {
	case TFA_SHELL_POSIX:
	case TFA_SHELL_BASH:
	case TFA_SHELL_ZSH:
		return quote_posix(out, s);
	case TFA_SHELL_FISH:
		return quote_fish(out, s);
	}
	return TFA_EINVAL;
}

int
tfa_shell_quote(struct tfa_buf *out, enum tfa_shell sh, const char *s)
{
	size_t len = out->len;
	int rc = quote(out, sh, s);

	if (rc)
		tfa_buf_setlen(out, len);
	return rc;
}

int
tfa_shell_export(struct tfa_buf *out, enum tfa_shell sh, const char *name,
		 const char *value)
{
	size_t len = out->len;
	int rc;

	if (!tfa_shell_valid_name(name))
		return TFA_EINVAL;
	switch (sh) {
	case TFA_SHELL_POSIX:
	case TFA_SHELL_BASH:
	case TFA_SHELL_ZSH:
		if ((rc = tfa_buf_adds(out, "export ")) ||
		    (rc = tfa_buf_adds(out, name)) ||
		    (rc = tfa_buf_addch(out, '=')))
			goto out;
		break;
	case TFA_SHELL_FISH:
		if ((rc = tfa_buf_adds(out, "set -gx ")) ||
		    (rc = tfa_buf_adds(out, name)) ||
		    (rc = tfa_buf_addch(out, ' ')))
			goto out;
		break;
	default:
		return TFA_EINVAL;
	}
	if ((rc = quote(out, sh, value)))
		goto out;
	rc = tfa_buf_addch(out, '\n');
out:
	if (rc)
		tfa_buf_setlen(out, len);
	return rc;
}

int
tfa_shell_unset(struct tfa_buf *out, enum tfa_shell sh, const char *name)
{
	int rc;

	if (!tfa_shell_valid_name(name))
		return TFA_EINVAL;
	switch (sh) {
	case TFA_SHELL_POSIX:
	case TFA_SHELL_BASH:
	case TFA_SHELL_ZSH:
		rc = tfa_buf_addf(out, "unset %s\n", name);
		break;
	case TFA_SHELL_FISH:
		/* "set -e" of an unset variable exits 4, which would fail the
		 * "| source" when it is the last line; the "if" exits 0. */
		rc = tfa_buf_addf(out, "if set -q %s; set -e %s; end\n", name,
				  name);
		break;
	default:
		return TFA_EINVAL;
	}
	/* addf appends all or nothing. */
	return rc;
}
