/*
 * imds-get — get credentials through lib/imds, for
 * tests/integration/imds_container.py.
 *
 *   imds-get container    tfa_container_credentials
 *   imds-get imds         tfa_imds_credentials
 *
 * The context is the process's environment (AWS_CONTAINER_*,
 * AWS_EC2_METADATA_*, AWS_METADATA_SERVICE_*).  Results are "key=value"
 * lines on stdout: access_key_id, secret_access_key_sha256,
 * session_token_sha256, expiration (RFC 3339) and account_id when known.
 * Secrets are never printed, only their SHA-256.
 *
 * On error: "imds-get: MESSAGE", "hint: HINT" and "code=N" on stderr;
 * exit 1 (2 on a usage error).
 */
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "imds.h"
#include "sigv4.h"
#include "timeutil.h"

#include <stdio.h>
#include <string.h>

extern char **environ;

static void
print_secret(const char *name, const char *s)
{
	char hex[65];

	if (!s) {
		printf("%s_sha256=\n", name);
		return;
	}
	tfa_sha256_hex(hex, s, strlen(s));
	printf("%s_sha256=%s\n", name, hex);
}

int
main(int argc, char **argv)
{
	struct tfa_ctx ctx;
	struct tfa_creds creds;
	struct tfa_err err;
	char iso[TFA_TIME_LEN];
	int rc, status = 0;

	if (argc != 2 || (strcmp(argv[1], "container") != 0 &&
			  strcmp(argv[1], "imds") != 0)) {
		fprintf(stderr, "usage: imds-get container|imds\n");
		return 2;
	}
	tfa_ctx_init(&ctx, environ);
	tfa_creds_init(&creds);
	tfa_err_clear(&err);
	if (strcmp(argv[1], "container") == 0)
		rc = tfa_container_credentials(&creds, &ctx, &err);
	else
		rc = tfa_imds_credentials(&creds, &ctx, &err);
	if (rc < 0) {
		fprintf(stderr, "imds-get: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		fprintf(stderr, "code=%d\n", err.code);
		status = 1;
		goto out;
	}
	printf("access_key_id=%s\n", creds.access_key_id);
	print_secret("secret_access_key", creds.secret_access_key);
	print_secret("session_token", creds.session_token);
	tfa_time_format(iso, creds.expiration);
	printf("expiration=%s\n", iso);
	if (creds.account_id)
		printf("account_id=%s\n", creds.account_id);
out:
	fflush(stdout);
	tfa_creds_dispose(&creds);
	tfa_ctx_dispose(&ctx);
	return status;
}
