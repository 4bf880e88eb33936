/*
 * shell — quoting and code emission per shell dialect.
 *
 * tfauth prints shell code that users eval ("eval "$(tfauth-env)"" in bash,
 * zsh and sh; "tfauth-env | source" in fish), and the values in it come from
 * profile names, regions and credentials that tfauth does not control.  This
 * module is the one place that turns such a value into a shell word.  It
 * promises:
 *
 *   - Whatever the value (quotes, backslashes, newlines, $(...), backticks,
 *     ';', glob characters, a leading '-', any non-NUL byte), evaluating the
 *     emitted code sets the variable to exactly those bytes and runs nothing
 *     else.  tests/shell/quote_eval.sh holds that in real bash, zsh, fish and
 *     dash.
 *   - POSIX/bash/zsh: the value is single-quoted, and a single quote in it is
 *     written outside the quotes as \'.  No quoted run is empty and a closing
 *     quote is never followed directly by an opening one, so zsh's RC_QUOTES
 *     option (where '' inside quotes means one quote) cannot change the
 *     meaning.  The only empty run is '' for the empty string.
 *         a'b -> 'a'\''b'      ' -> \'      (empty) -> ''
 *   - fish: the value is single-quoted with \\ and \' inside, fish's only
 *     escapes in single quotes.
 *   - Code emitters refuse (TFA_EINVAL) a variable name that is not an
 *     identifier, [A-Za-z_][A-Za-z0-9_]*, and never emit a partial line: on
 *     any error the buffer is left as it was.
 *
 * Everything is appended to a caller-owned struct tfa_buf; pass a secret
 * buffer (tfa_buf_init_secret) when the value is a credential.  Functions
 * returning int give 0, TFA_EINVAL for a bad name or dialect, or the buffer's
 * TFA_ETOOBIG.
 */
#ifndef TFA_SHELL_H
#define TFA_SHELL_H

#include "buf.h"
#include "ctx.h"
#include "err.h"

enum tfa_shell {
	TFA_SHELL_POSIX, /* sh, dash, ksh, ash; an unknown $SHELL too */
	TFA_SHELL_BASH,
	TFA_SHELL_ZSH,
	TFA_SHELL_FISH
};

/*
 * Parse a shell name: "sh", "bash", "zsh", "fish", and "dash", "ksh", "mksh",
 * "ash" as POSIX.  A path (/usr/bin/zsh) counts by its last component and a
 * login shell's leading '-' (-bash) is ignored.  Anything else is TFA_EUSAGE
 * with a message naming the valid names.
 */
int tfa_shell_parse(enum tfa_shell *out, const char *name, struct tfa_err *err);

/* The dialect of the context's $SHELL; POSIX when it is unset or unknown. */
enum tfa_shell tfa_shell_from_env(const struct tfa_ctx *ctx);

/* The canonical name of a dialect: "sh", "bash", "zsh", "fish". */
const char *tfa_shell_name(enum tfa_shell sh);

/* 1 when name is [A-Za-z_][A-Za-z0-9_]*, else 0 (NULL and "" included). */
int tfa_shell_valid_name(const char *name);

/* Append s as one shell word that evaluates to exactly s. */
int tfa_shell_quote(struct tfa_buf *out, enum tfa_shell sh, const char *s);

/*
 * Append one line that sets and exports name to value:
 *     export NAME='value'          (POSIX, bash, zsh)
 *     set -gx NAME 'value'         (fish)
 */
int tfa_shell_export(struct tfa_buf *out, enum tfa_shell sh, const char *name,
		     const char *value);

/*
 * Append one line that removes name from the shell and the environment, and
 * succeeds silently when it was not set:
 *     unset NAME                             (POSIX, bash, zsh)
 *     if set -q NAME; set -e NAME; end       (fish: a bare "set -e" of an
 *                                             unset variable exits 4)
 */
int tfa_shell_unset(struct tfa_buf *out, enum tfa_shell sh, const char *name);

#endif
