/*
 * cli — what every tfauth tool shares: its name, error printing in git's
 * style, --help/--version, and exit codes (0 ok, 1 failure, 2 usage,
 * 3 login needed but not allowed to prompt).
 */
#ifndef TFA_CLI_H
#define TFA_CLI_H

#include <stddef.h>

#include "err.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_LOGIN 3

extern const char *cli_prog;

/* Set cli_prog from argv[0] and turn core dumps off (tfa_core_dumps_off:
 * a core file would hold the secrets the tool reads); every tool calls it
 * first, before it reads anything. */
void cli_init(const char *argv0);
/* "PROG: MSG" and "hint: HINT" on stderr; returns the exit status for err. */
int cli_error(const struct tfa_err *err);
/* A usage error: the message, the usage line, exit status 2. */
int cli_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "PROG: MSG" on stderr (a note, a warning). */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print --version. */
int cli_version(void);
/* Write s to stdout in full; 0, or 1 after a message when it fails. */
int cli_write_stdout(const char *s, size_t n);
/*
 * Report getopt_long's ':' (an option without its value) or '?' (an
 * unknown option); optstrings start with ':' so the two differ.
 */
int cli_bad_option(const char *usage, char **argv, int c);

/*
 * Replace this process with tfauth tool NAME (argv[0] should be NAME):
 * found next to this binary first, then on PATH.  The tool gets the
 * user's core limit back, to remember and lower again in its own
 * cli_init.  Returns only on failure: -1 with errno set, nothing printed.
 */
int cli_exec_sibling(const char *name, char **argv);
/* Where tool NAME is: beside this binary when it is there, else in
 * ../libexec/tfauth/ from it (an installed helper), else just NAME (for a
 * PATH search).  out should hold PATH_MAX bytes. */
void cli_sibling_path(char *out, size_t n, const char *name);

#endif
