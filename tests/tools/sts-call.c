/*
 * sts-call — make one STS or IAM call through lib/sts or lib/iam, for
 * tests/integration/moto_sts.py.
 *
 *   sts-call [-w FILE] identity
 *   sts-call [-w FILE] assume-role ROLE_ARN SESSION [EXTERNAL_ID]
 *   sts-call [-w FILE] session-token [DURATION]
 *   sts-call [-w FILE] web-identity ROLE_ARN SESSION
 *   sts-call list-keys [USER]
 *   sts-call last-used KEYID
 *
 * Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN; the endpoints from AWS_ENDPOINT_URL_STS and
 * AWS_ENDPOINT_URL_IAM; the signing region from AWS_REGION (default
 * us-east-1); web-identity's token from TFAUTH_WEB_IDENTITY_TOKEN.  All
 * through the context's snapshot of the environment.
 *
 * Results are "key=value" lines on stdout.  Secrets are never printed: a
 * secret key or session token shows as its length and SHA-256.  With -w,
 * the credentials a call handed out are written to FILE (created 0600,
 * must not exist) as AWS_ACCESS_KEY_ID=, AWS_SECRET_ACCESS_KEY= and
 * AWS_SESSION_TOKEN= lines, so that a test can use them in the next call.
 *
 * On error: "sts-call: MESSAGE", "hint: HINT", then aws_code=, http_status=
 * and request_id= lines on stderr; exit 1 (2 on a usage error).
 */
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "iam.h"
#include "sigv4.h"
#include "sts.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int
usage(void)
{
	fprintf(stderr,
		"usage: sts-call [-w FILE] identity\n"
		"       sts-call [-w FILE] assume-role ROLE_ARN SESSION [EXTERNAL_ID]\n"
		"       sts-call [-w FILE] session-token [DURATION]\n"
		"       sts-call [-w FILE] web-identity ROLE_ARN SESSION\n"
		"       sts-call list-keys [USER]\n"
		"       sts-call last-used KEYID\n");
	return 2;
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

static void
print_time(const char *name, time_t t)
{
	char iso[TFA_TIME_LEN];

	if (!t) {
		printf("%s=0\n", name);
		return;
	}
	tfa_time_format(iso, t);
	printf("%s=%s\n", name, iso);
}

/* Write creds to path, 0600, refusing an existing file or a symlink. */
static int
write_creds(const char *path, const struct tfa_creds *c)
{
	FILE *f;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "sts-call: cannot create '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	if (fprintf(f, "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n",
		    c->access_key_id, c->secret_access_key) < 0 ||
	    (c->session_token &&
	     fprintf(f, "AWS_SESSION_TOKEN=%s\n", c->session_token) < 0))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "sts-call: cannot write '%s'\n", path);
	return rc;
}

static void
print_session(const struct tfa_sts_session *s)
{
	printf("access_key_id=%s\n", s->creds.access_key_id);
	print_secret("secret_access_key", s->creds.secret_access_key);
	print_secret("session_token", s->creds.session_token);
	print_time("expiration", s->creds.expiration);
	if (s->assumed_role_arn)
		printf("assumed_role_arn=%s\n", s->assumed_role_arn);
	if (s->assumed_role_id)
		printf("assumed_role_id=%s\n", s->assumed_role_id);
	if (s->creds.account_id)
		printf("account_id=%s\n", s->creds.account_id);
	printf("server_time=%lld\nrequest_id=%s\n", (long long)s->server_time,
	       s->request_id);
}

static int
long_arg(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_creds creds;
	struct tfa_sts_identity id;
	struct tfa_sts_session sess;
	struct tfa_iam_access_key_list keys;
	struct tfa_iam_key_last_used used;
	struct tfa_sts_target st;
	struct tfa_iam_target it;
	const char *region, *op, *write_to = NULL, *v;
	int opt, rc = 0, status = 0, nargs;
	size_t i;

	tfa_ctx_init(&ctx, environ);
	tfa_err_clear(&err);
	tfa_creds_init(&creds);
	tfa_sts_identity_init(&id);
	tfa_sts_session_init(&sess);
	tfa_iam_access_key_list_init(&keys);
	tfa_iam_key_last_used_init(&used);
	while ((opt = getopt(argc, argv, "w:")) != -1) {
		if (opt != 'w') {
			status = usage();
			goto out;
		}
		write_to = optarg;
	}
	if (optind >= argc) {
		status = usage();
		goto out;
	}
	op = argv[optind];
	nargs = argc - optind - 1;
	region = tfa_ctx_getenv_nonempty(&ctx, "AWS_REGION");
	if (!region)
		region = "us-east-1";
	st.endpoint = tfa_ctx_getenv_nonempty(&ctx, "AWS_ENDPOINT_URL_STS");
	st.region = region;
	st.profile = NULL;
	it.endpoint = tfa_ctx_getenv_nonempty(&ctx, "AWS_ENDPOINT_URL_IAM");
	it.region = region;
	it.profile = NULL;
	if ((v = tfa_ctx_getenv_nonempty(&ctx, "AWS_ACCESS_KEY_ID")))
		creds.access_key_id = tfa_xstrdup(v);
	if ((v = tfa_ctx_getenv_nonempty(&ctx, "AWS_SECRET_ACCESS_KEY")))
		creds.secret_access_key = tfa_xstrdup(v);
	if ((v = tfa_ctx_getenv_nonempty(&ctx, "AWS_SESSION_TOKEN")))
		creds.session_token = tfa_xstrdup(v);

	if (strcmp(op, "identity") == 0 && nargs == 0) {
		rc = tfa_sts_get_caller_identity(&id, &ctx, &st, &creds, &err);
		if (rc == 0)
			printf("account=%s\narn=%s\nuser_id=%s\nserver_time=%lld\n"
			       "request_id=%s\n", id.account, id.arn, id.user_id,
			       (long long)id.server_time, id.request_id);
	} else if (strcmp(op, "assume-role") == 0 && (nargs == 2 || nargs == 3)) {
		struct tfa_sts_assume_role_params p = {
			argv[optind + 1], argv[optind + 2],
			nargs == 3 ? argv[optind + 3] : NULL, NULL, NULL, 0
		};
		rc = tfa_sts_assume_role(&sess, &ctx, &st, &creds, &p, &err);
	} else if (strcmp(op, "session-token") == 0 && nargs <= 1) {
		struct tfa_sts_session_token_params p = { NULL, NULL, 0 };
		if (nargs == 1 && long_arg(argv[optind + 1], &p.duration_seconds) < 0) {
			status = usage();
			goto out;
		}
		rc = tfa_sts_get_session_token(&sess, &ctx, &st, &creds, &p, &err);
	} else if (strcmp(op, "web-identity") == 0 && nargs == 2) {
		struct tfa_sts_web_identity_params p = {
			argv[optind + 1], argv[optind + 2],
			tfa_ctx_getenv(&ctx, "TFAUTH_WEB_IDENTITY_TOKEN"), 0
		};
		rc = tfa_sts_assume_role_with_web_identity(&sess, &ctx, &st, &p, &err);
	} else if (strcmp(op, "list-keys") == 0 && nargs <= 1) {
		rc = tfa_iam_list_access_keys(&keys, &ctx, &it, &creds,
					      nargs ? argv[optind + 1] : NULL, &err);
		if (rc == 0) {
			printf("user_name=%s\ncount=%zu\npages=%d\n",
			       keys.user_name ? keys.user_name : "", keys.n, keys.pages);
			for (i = 0; i < keys.n; i++) {
				printf("key.%zu.access_key_id=%s\nkey.%zu.status=%s\n"
				       "key.%zu.user_name=%s\n", i,
				       keys.keys[i].access_key_id, i,
				       tfa_iam_key_status_name(keys.keys[i].status), i,
				       keys.keys[i].user_name);
				printf("key.%zu.", i);
				print_time("create_date", keys.keys[i].create_date);
			}
			printf("request_id=%s\n", keys.request_id);
		}
	} else if (strcmp(op, "last-used") == 0 && nargs == 1) {
		rc = tfa_iam_get_access_key_last_used(&used, &ctx, &it, &creds,
						      argv[optind + 1], &err);
		if (rc == 0) {
			printf("user_name=%s\n", used.user_name);
			print_time("last_used_date", used.last_used_date);
			printf("service_name=%s\nregion=%s\nrequest_id=%s\n",
			       used.service_name, used.region, used.request_id);
		}
	} else {
		status = usage();
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "sts-call: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		fprintf(stderr, "aws_code=%s\nhttp_status=%d\nrequest_id=%s\n",
			err.aws_code, err.http_status, err.request_id);
		status = tfa_err_exit_status(&err);
		goto out;
	}
	if (sess.creds.access_key_id) {
		print_session(&sess);
		if (write_to && write_creds(write_to, &sess.creds) < 0)
			status = 1;
	}
out:
	fflush(stdout);
	tfa_iam_key_last_used_dispose(&used);
	tfa_iam_access_key_list_dispose(&keys);
	tfa_sts_session_dispose(&sess);
	tfa_sts_identity_dispose(&id);
	tfa_creds_dispose(&creds);
	tfa_ctx_dispose(&ctx);
	return status;
}
