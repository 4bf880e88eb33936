/*
 * tfa-shellcode — print what lib/shell emits, for tests/shell/quote_eval.sh.
 *
 *   tfa-shellcode SHELL OP...
 *
 * SHELL is a name tfa_shell_parse() takes, or "-" for the dialect of $SHELL
 * (tfa_shell_from_env).  Each OP appends to one buffer:
 *
 *   export NAME VALUE    tfa_shell_export
 *   unset NAME           tfa_shell_unset
 *   quote VALUE          tfa_shell_quote, then a newline
 *   name                 the dialect's canonical name, then a newline
 *
 * The buffer is printed only when every OP succeeded, so a refused name
 * prints nothing.  Exit 0, 1 when the library refuses an OP, 2 on bad usage.
 */
#include "buf.h"
#include "ctx.h"
#include "err.h"
#include "shell.h"

#include <stdio.h>
#include <string.h>

extern char **environ;

static int
usage(void)
{
	fprintf(stderr, "usage: tfa-shellcode SHELL|- [export NAME VALUE | "
			"unset NAME | quote VALUE | name]...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct tfa_buf out = TFA_BUF_INIT;
	struct tfa_err err;
	struct tfa_ctx ctx;
	enum tfa_shell sh;
	int i, rc = 0, status = 0;

	tfa_err_clear(&err);
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "-") == 0) {
		tfa_ctx_init(&ctx, environ);
		sh = tfa_shell_from_env(&ctx);
		tfa_ctx_dispose(&ctx);
	} else if (tfa_shell_parse(&sh, argv[1], &err) < 0) {
		fprintf(stderr, "tfa-shellcode: %s\nhint: %s\n", err.msg, err.hint);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		const char *op = argv[i];

		if (strcmp(op, "export") == 0 && i + 2 < argc) {
			rc = tfa_shell_export(&out, sh, argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (strcmp(op, "unset") == 0 && i + 1 < argc) {
			rc = tfa_shell_unset(&out, sh, argv[++i]);
		} else if (strcmp(op, "quote") == 0 && i + 1 < argc) {
			if (!(rc = tfa_shell_quote(&out, sh, argv[++i])))
				rc = tfa_buf_addch(&out, '\n');
		} else if (strcmp(op, "name") == 0) {
			rc = tfa_buf_addf(&out, "%s\n", tfa_shell_name(sh));
		} else {
			status = usage();
			goto out;
		}
		if (rc < 0) {
			fprintf(stderr, "tfa-shellcode: '%s' refused (error %d)\n",
				op, rc);
			status = 1;
			goto out;
		}
	}
	if (fwrite(out.ptr, 1, out.len, stdout) != out.len || fflush(stdout)) {
		perror("tfa-shellcode: write");
		status = 1;
	}
out:
	tfa_buf_dispose(&out);
	return status;
}
