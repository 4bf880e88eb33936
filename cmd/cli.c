/* cli — see cli.h. */
#include "cli.h"
#include "ctx.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *cli_prog = "tfauth";

static void
on_sigxfsz(int sig)
{
	(void)sig;
}

/*
 * A write past RLIMIT_FSIZE ('ulimit -f') raises SIGXFSZ, whose default
 * action kills the process without a word (the file being replaced stays
 * intact: it is written through a temp file).  Caught, the write fails with
 * EFBIG instead and the user reads which file could not be written.  A
 * handler, not SIG_IGN: exec resets it, so terraform, credential_process
 * and the browser start with the default.
 */
static void
catch_sigxfsz(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigxfsz;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGXFSZ, &sa, NULL);
}

void
cli_init(const char *argv0)
{
	const char *slash;

	tfa_core_dumps_off();
	catch_sigxfsz();
	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	cli_prog = slash ? slash + 1 : argv0;
}

int
cli_error(const struct tfa_err *err)
{
	fprintf(stderr, "%s: %s\n", cli_prog, err->msg[0] ? err->msg : "failed");
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	return tfa_err_exit_status(err) ? tfa_err_exit_status(err) : CLI_EXIT_FAIL;
}

int
cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	fprintf(stderr, "('%s --help' explains every option)\n", cli_prog);
	return CLI_EXIT_USAGE;
}

void
cli_note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_version(void)
{
	printf("%s %s\n", cli_prog, TFA_VERSION);
	return CLI_EXIT_OK;
}

int
cli_write_stdout(const char *s, size_t n)
{
	if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0) {
		fprintf(stderr, "%s: cannot write to standard output: %s\n", cli_prog,
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int
cli_bad_option(const char *usage, char **argv, int c)
{
	/* Call with getopt_long's ':' (missing value) or '?' (unknown). */
	if (c == ':')
		return cli_usage_error(usage, "option '%s' needs a value", argv[optind - 1]);
	if (optopt)
		return cli_usage_error(usage, "unknown option '-%c'", optopt);
	return cli_usage_error(usage, "unknown option '%s'", argv[optind - 1]);
}

void
cli_sibling_path(char *out, size_t n, const char *name)
{
	char self[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	int w;

	if (k > 0) {
		self[k] = '\0';
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			w = snprintf(out, n, "%s/%s", self, name);
			if (w > 0 && (size_t)w < n && access(out, X_OK) == 0)
				return;
			/* Installed, helpers live in PREFIX/libexec/tfauth. */
			w = snprintf(out, n, "%s/../libexec/tfauth/%s", self, name);
			if (w > 0 && (size_t)w < n && access(out, X_OK) == 0)
				return;
		}
	}
	/* Not beside us: the bare name, for a PATH search. */
	if (snprintf(out, n, "%s", name) >= (int)n)
		out[0] = '\0';
}

int
cli_exec_sibling(const char *name, char **argv)
{
	char path[PATH_MAX];
	int e;

	cli_sibling_path(path, sizeof(path), name);
	/* The next tool must see the user's limit, not ours (see cli.h). */
	tfa_core_limit_restore();
	if (strchr(path, '/'))
		execv(path, argv);
	else
		execvp(name, argv);
	e = errno;
	tfa_core_dumps_off();
	errno = e;
	return -1;
}
