/*
 * cache-tool — lib/cache from the command line, for
 * tests/integration/cache_interop.py.
 *
 *   cache-tool key ROLE_ARN [SESSION [EXTERNAL_ID [SERIAL [DURATION]]]]
 *   cache-tool json STRING
 *   cache-tool store PATH
 *   cache-tool load PATH
 *
 * key prints the AWS CLI's AssumeRole cache key; an argument "-" means
 * "not set" (so "" can be tested as a value).  json prints Python's
 * json.dumps(STRING).  store writes an entry from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION
 * (ISO 8601) and, when set, AWS_ACCOUNT_ID, TFAUTH_CACHE_ARN and
 * TFAUTH_CACHE_ROLE_ID, all read through the context's snapshot of the
 * environment.  load prints "missing=1", or key=value lines: access_key_id,
 * the secret key's and token's length and SHA-256 (never the secrets),
 * expiration (ISO and epoch), account_id and arn when known.
 *
 * On error: "cache-tool: MESSAGE" and "hint: HINT" on stderr, exit 1
 * (2 on a usage error).
 */
#include "buf.h"
#include "cache.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "sigv4.h"
#include "timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int
usage(void)
{
	fprintf(stderr,
		"usage: cache-tool key ROLE_ARN [SESSION [EXTERNAL_ID [SERIAL [DURATION]]]]\n"
		"       cache-tool json STRING\n"
		"       cache-tool store PATH\n"
		"       cache-tool load PATH\n");
	return 2;
}

static const char *
arg(int argc, char **argv, int i)
{
	return i < argc && strcmp(argv[i], "-") != 0 ? argv[i] : NULL;
}

static void
print_secret(const char *name, const char *s)
{
	char hex[65];

	if (!s) {
		printf("%s_len=0\n", name);
		return;
	}
	tfa_sha256_hex(hex, s, strlen(s));
	printf("%s_len=%zu\n%s_sha256=%s\n", name, strlen(s), name, hex);
}

static int
cmd_key(int argc, char **argv)
{
	struct tfa_cache_role_key k = { NULL, NULL, NULL, NULL, 0 };
	const char *d;
	char key[41], *end;

	if (argc < 3 || argc > 7)
		return usage();
	k.role_arn = argv[2];
	k.role_session_name = arg(argc, argv, 3);
	k.external_id = arg(argc, argv, 4);
	k.serial_number = arg(argc, argv, 5);
	if ((d = arg(argc, argv, 6))) {
		errno = 0;
		k.duration_seconds = strtol(d, &end, 10);
		if (errno || end == d || *end)
			return usage();
	}
	tfa_cache_key_assume_role(key, &k);
	printf("%s\n", key);
	return 0;
}

static int
cmd_json(int argc, char **argv)
{
	struct tfa_buf b = TFA_BUF_INIT;
	int rc;

	if (argc != 3)
		return usage();
	rc = tfa_cache_py_json_string(&b, argv[2]);
	if (rc == 0)
		printf("%s\n", b.ptr);
	tfa_buf_dispose(&b);
	return rc == 0 ? 0 : 1;
}

static int
cmd_store(struct tfa_ctx *ctx, int argc, char **argv, struct tfa_err *err)
{
	struct tfa_creds c;
	const char *v;
	int rc = 0;

	tfa_creds_init(&c);
	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_ACCESS_KEY_ID")))
		c.access_key_id = tfa_xstrdup(v);
	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_SECRET_ACCESS_KEY")))
		c.secret_access_key = tfa_xstrdup(v);
	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_SESSION_TOKEN")))
		c.session_token = tfa_xstrdup(v);
	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_ACCOUNT_ID")))
		c.account_id = tfa_xstrdup(v);
	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_CREDENTIAL_EXPIRATION")) &&
	    tfa_time_parse(&c.expiration, v) < 0) {
		rc = tfa_err_set(err, TFA_EUSAGE, "AWS_CREDENTIAL_EXPIRATION is not a time: '%s'",
				 v);
		goto out;
	}
	rc = tfa_cache_store_creds(argv[2], &c, tfa_ctx_getenv_nonempty(ctx, "TFAUTH_CACHE_ARN"),
				   tfa_ctx_getenv_nonempty(ctx, "TFAUTH_CACHE_ROLE_ID"), err);
out:
	tfa_creds_dispose(&c);
	return rc;
}

static int
cmd_load(int argc, char **argv, struct tfa_err *err)
{
	struct tfa_creds c;
	char *arn = NULL, iso[TFA_TIME_LEN];
	int missing = 0, rc;

	tfa_creds_init(&c);
	rc = tfa_cache_load_creds(&c, &arn, argv[2], &missing, err);
	if (rc < 0)
		goto out;
	if (missing) {
		printf("missing=1\n");
		goto out;
	}
	printf("access_key_id=%s\n", c.access_key_id);
	print_secret("secret_access_key", c.secret_access_key);
	print_secret("session_token", c.session_token);
	tfa_time_format(iso, c.expiration);
	printf("expiration=%s\nexpiration_epoch=%lld\n", iso, (long long)c.expiration);
	if (c.account_id)
		printf("account_id=%s\n", c.account_id);
	if (arn)
		printf("arn=%s\n", arn);
out:
	free(arn);
	tfa_creds_dispose(&c);
	return rc;
}

int
main(int argc, char **argv)
{
	struct tfa_ctx ctx;
	struct tfa_err err;
	int rc = 0, status = 0;

	tfa_ctx_init(&ctx, environ);
	tfa_err_clear(&err);
	if (argc < 2) {
		status = usage();
		goto out;
	}
	if (strcmp(argv[1], "key") == 0) {
		status = cmd_key(argc, argv);
	} else if (strcmp(argv[1], "json") == 0) {
		status = cmd_json(argc, argv);
	} else if (strcmp(argv[1], "store") == 0 && argc == 3) {
		rc = cmd_store(&ctx, argc, argv, &err);
	} else if (strcmp(argv[1], "load") == 0 && argc == 3) {
		rc = cmd_load(argc, argv, &err);
	} else {
		status = usage();
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "cache-tool: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		status = tfa_err_exit_status(&err);
	}
out:
	fflush(stdout);
	tfa_ctx_dispose(&ctx);
	return status;
}
