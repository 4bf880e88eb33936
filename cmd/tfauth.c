/*
 * tfauth — the dispatcher, in the style of git: `tfauth NAME ARGS` runs
 * `tfauth-NAME ARGS`, found next to this binary first, then on PATH.
 */
#include "cli.h"

#include "buf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "usage: tfauth COMMAND [ARGS]\n";

static const char *const commands[][2] = {
	{ "doctor", "check everything that breaks Terraform's AWS credentials" },
	{ "env", "print shell code that selects a profile" },
	{ "profile", "list, show and report the current profile" },
	{ NULL, NULL }
};

static const char help[] =
	"\n"
	"'tfauth COMMAND ARGS' runs 'tfauth-COMMAND ARGS'; 'tfauth COMMAND --help'\n"
	"explains a command.\n";

int
main(int argc, char **argv)
{
	struct tfa_buf name = TFA_BUF_INIT;
	const char *cmd;
	size_t i;
	int status;

	cli_init(argv[0]);
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;
		fputs(usage, f);
		fputs("\ncommands:\n", f);
		for (i = 0; commands[i][0]; i++)
			fprintf(f, "  %-10s %s\n", commands[i][0], commands[i][1]);
		fputs(help, f);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return cli_version();
	cmd = argv[1];
	if (cmd[0] == '-')
		return cli_usage_error(usage, "unknown option '%s'", cmd);
	if (strchr(cmd, '/') || !*cmd)
		return cli_usage_error(usage, "'%s' is not a tfauth command", cmd);

	tfa_buf_addf(&name, "tfauth-%s", cmd);
	argv[1] = name.ptr;
	cli_exec_sibling(name.ptr, argv + 1);
	if (errno == ENOENT) {
		fprintf(stderr, "%s: '%s' is not a tfauth command\n", cli_prog, cmd);
		fprintf(stderr, "hint: the commands are:");
		for (i = 0; commands[i][0]; i++)
			fprintf(stderr, " %s", commands[i][0]);
		fprintf(stderr, " ('tfauth --help')\n");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	fprintf(stderr, "%s: cannot run '%s': %s\n", cli_prog, name.ptr, strerror(errno));
	status = CLI_EXIT_FAIL;
out:
	tfa_buf_dispose(&name);
	return status;
}
