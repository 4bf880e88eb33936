/*
 * tty-prompt — drive lib/tty's prompts, for tests/shell/tty_prompt.sh.
 *
 *   tty-prompt mfa SERIAL [TRIES]   ask for an MFA code on /dev/tty (3 tries
 *                                   by default) and print it on stdout (a
 *                                   used code is no secret; fine for a test)
 *   tty-prompt secret PROMPT        read a line with echo off and print
 *                                   "SHA256-HEX LENGTH" of it, never the line
 *
 * Exit 0; 128 + the signal that interrupted a prompt (130 for Ctrl-C); else
 * the error's exit status (3 without a terminal or at end of input, 1 when
 * every try was wrong).  Errors go to stderr as "tty-prompt: MESSAGE".
 */
#include "buf.h"
#include "err.h"
#include "tty.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
usage(void)
{
	fprintf(stderr, "usage: tty-prompt mfa SERIAL [TRIES] | "
			"tty-prompt secret PROMPT\n");
	return 2;
}

static int
print_digest(const struct tfa_buf *b)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(b->ptr, b->len, md, &mdlen, EVP_sha256(), NULL))
		return -1;
	for (i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
	printf(" %zu\n", b->len);
	return 0;
}

int
main(int argc, char **argv)
{
	struct tfa_buf secret;
	struct tfa_tty *t = NULL;
	struct tfa_err err;
	char code[7], *end;
	long tries = 3;
	int rc, status = 0;

	tfa_err_clear(&err);
	tfa_buf_init_secret(&secret, 0);
	if (argc == 4 && strcmp(argv[1], "mfa") == 0) {
		tries = strtol(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end || tries < 1 || tries > 100)
			return usage();
	} else if (argc != 3 || (strcmp(argv[1], "mfa") != 0 &&
				 strcmp(argv[1], "secret") != 0)) {
		return usage();
	}
	if ((rc = tfa_tty_open(&t, &err)) < 0)
		goto out;
	if (strcmp(argv[1], "mfa") == 0) {
		rc = tfa_tty_mfa_code(code, t, argv[2], (int)tries, &err);
		if (rc == 0)
			printf("%s\n", code);
	} else {
		rc = tfa_tty_read_secret(&secret, t, argv[2], &err);
		if (rc == 0 && print_digest(&secret) < 0) {
			fprintf(stderr, "tty-prompt: sha256 failed\n");
			status = 1;
		}
	}
out:
	if (rc < 0) {
		fprintf(stderr, "tty-prompt: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		status = tfa_tty_signal(t) ? 128 + tfa_tty_signal(t)
					   : tfa_err_exit_status(&err);
	}
	tfa_tty_close(t);
	tfa_buf_dispose(&secret);
	if (fflush(stdout) != 0) {
		perror("tty-prompt: write");
		status = 1;
	}
	return status;
}
