/*
 * tfauth-env — print shell code that selects a profile in this shell.
 *
 *   eval "$(tfauth-env prod)"
 */
#include "cli.h"

#include "buf.h"
#include "chain.h"
#include "config.h"
#include "ctx.h"
#include "env.h"
#include "export.h"
#include "shell.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char usage[] =
	"usage: tfauth-env [PROFILE] [--shell bash|zsh|fish|sh] [--credentials]\n"
	"       tfauth-env [PROFILE] --format process|json|dotenv\n";

static const char help[] =
	"Print shell code that selects PROFILE (default: the current profile):\n"
	"it unsets stale AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
	"AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION and\n"
	"AWS_DEFAULT_PROFILE, exports AWS_PROFILE, and AWS_REGION and\n"
	"AWS_DEFAULT_REGION when the profile has a region.\n"
	"\n"
	"  eval \"$(tfauth-env prod)\"        bash, zsh, sh\n"
	"  tfauth-env prod | source         fish\n"
	"\n"
	"options:\n"
	"  -s, --shell SHELL   bash, zsh, fish or sh (default: from $SHELL)\n"
	"  -c, --credentials   also export the resolved credentials and\n"
	"                      AWS_CREDENTIAL_EXPIRATION\n"
	"  -f, --format FMT    print the resolved credentials instead: process (the\n"
	"                      credential_process JSON), json or dotenv; a profile\n"
	"                      can say: credential_process = tfauth-env --format process OTHER\n"
	"  -h, --help          this text\n"
	"  -V, --version       the version\n"
	"\n"
	"Only shell code goes to stdout; what was cleared is said on stderr.\n"
	"With --credentials or --format, cached credentials are used while fresh\n"
	"(no network); otherwise tfauth-refresh takes over to renew them.\n"
	"Exit status: 0 ok, 1 failure (nothing on stdout), 2 usage.\n";

/*
 * The credentials, from the caches and files only: this path loads no
 * libcurl.  When they need the network (a role to assume, a session to
 * renew), tfauth-refresh takes over and prints the same output.
 */
static int
credentials_out(struct tfa_buf *code, struct tfa_buf *notes, struct tfa_ctx *ctx,
		const struct tfa_config *cfg, const char *name,
		enum tfa_export_format fmt, enum tfa_shell sh, char **argv)
{
	struct tfa_chain_opts o;
	struct tfa_resolved res;
	struct tfa_err err;
	int rc, status;

	memset(&o, 0, sizeof(o));
	tfa_err_clear(&err);
	tfa_resolved_init(&res);
	tfa_buf_init_secret(code, 0);
	rc = tfa_chain_resolve(&res, ctx, cfg, name, &o, &err);
	if (rc == TFA_EOFFLINE) {
		char *args[10];
		int n = 0;
		args[n++] = "tfauth-refresh";
		args[n++] = "--quiet";
		args[n++] = "--format";
		args[n++] = (char *)tfa_export_name(fmt);
		if (fmt == TFA_EXPORT_SHELL) {
			args[n++] = "--shell";
			args[n++] = (char *)tfa_shell_name(sh);
		}
		args[n++] = "--";
		if (name)
			args[n++] = (char *)name;
		args[n] = NULL;
		tfa_resolved_dispose(&res);
		fflush(NULL);
		return cli_exec_sibling("tfauth-refresh", args);
	}
	if (rc < 0) {
		tfa_resolved_dispose(&res);
		return cli_error(&err);
	}
	status = tfa_export(code, notes, fmt, sh, &res, ctx, cfg, &err) < 0 ?
		 cli_error(&err) : CLI_EXIT_OK;
	tfa_resolved_dispose(&res);
	(void)argv;
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shell", required_argument, NULL, 's' },
		{ "credentials", no_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_config *cfg = NULL;
	struct tfa_buf code = TFA_BUF_INIT, notes = TFA_BUF_INIT;
	const char *shell_name = NULL, *name = NULL, *format = NULL;
	enum tfa_export_format fmt = TFA_EXPORT_SHELL;
	enum tfa_shell sh;
	int c, status = CLI_EXIT_FAIL, credentials = 0;

	cli_init(argv[0]);
	tfa_err_clear(&err);
	while ((c = getopt_long(argc, argv, ":s:cf:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			shell_name = optarg;
			break;
		case 'c':
			credentials = 1;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			printf("%s\n%s", usage, help);
			return CLI_EXIT_OK;
		case 'V':
			return cli_version();
		default:
			return cli_bad_option(usage, argv, c);
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return cli_usage_error(usage, "too many arguments");
	if (name && !*name)
		return cli_usage_error(usage, "the profile name is empty");
	if (format) {
		if (tfa_export_parse(&fmt, format, &err) < 0 || fmt == TFA_EXPORT_SHELL)
			return cli_usage_error(usage, "unknown format '%s' (process, json or dotenv)",
					       format);
		if (credentials || shell_name)
			return cli_usage_error(usage, "--format goes without --credentials and --shell");
	}

	tfa_ctx_init(&ctx, environ);
	if (shell_name) {
		if (tfa_shell_parse(&sh, shell_name, &err) < 0) {
			status = cli_error(&err);
			goto out;
		}
	} else {
		sh = tfa_shell_from_env(&ctx);
	}
	if (tfa_config_load(&cfg, &ctx, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	if (format || credentials) {
		status = credentials_out(&code, &notes, &ctx, cfg, name, fmt, sh, argv);
		goto print;
	}
	if (tfa_env_select_code(&code, &notes, &ctx, cfg, name, sh, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	status = CLI_EXIT_OK;
print:
	fputs(notes.ptr, stderr);
	if (status == CLI_EXIT_OK)
		status = cli_write_stdout(code.ptr, code.len);
out:
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
	tfa_config_free(cfg);
	tfa_ctx_dispose(&ctx);
	return status;
}
