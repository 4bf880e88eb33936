/*
 * tfauth-env — print shell code that selects a profile in this shell.
 *
 *   eval "$(tfauth-env prod)"
 */
#include "cli.h"

#include "buf.h"
#include "config.h"
#include "creds.h"
#include "ctx.h"
#include "env.h"
#include "profile.h"
#include "shell.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char usage[] =
	"usage: tfauth-env [PROFILE] [--shell bash|zsh|fish|sh]\n";

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
	"  -h, --help          this text\n"
	"  -V, --version       the version\n"
	"\n"
	"Only shell code goes to stdout; what was cleared is said on stderr.\n"
	"Exit status: 0 ok, 1 failure (nothing on stdout), 2 usage.\n";

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shell", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_config *cfg = NULL;
	struct tfa_buf code = TFA_BUF_INIT, notes = TFA_BUF_INIT;
	const char *shell_name = NULL, *name = NULL;
	enum tfa_shell sh;
	int c, status = CLI_EXIT_FAIL;

	cli_init(argv[0]);
	tfa_err_clear(&err);
	while ((c = getopt_long(argc, argv, ":s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			shell_name = optarg;
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

	tfa_ctx_init(&ctx, environ);
	if (shell_name) {
		if (tfa_shell_parse(&sh, shell_name, &err) < 0) {
			status = cli_error(&err);
			goto out;
		}
	} else {
		sh = tfa_shell_from_env(&ctx);
	}
	if (tfa_config_load(&cfg, &ctx, &err) < 0 ||
	    tfa_env_select_code(&code, &notes, &ctx, cfg, name, sh, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	fputs(notes.ptr, stderr);
	status = cli_write_stdout(code.ptr, code.len);
out:
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
	tfa_config_free(cfg);
	tfa_ctx_dispose(&ctx);
	return status;
}
