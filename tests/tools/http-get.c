/*
 * http-get — send a request through tfa_http_send and print the reply, for
 * tests/integration/http_faults.py.
 *
 *   http-get [-i] [-n COUNT] [-u NAME]... [-H 'Name: value']... METHOD URL [BODY]
 *
 * The context's environment is the process's, less each -u NAME (so a test
 * can show that libcurl does not read the process environment by itself).
 * -n sends the request COUNT times through one context (one transport).
 * For each reply it prints "status N", "attempts N", with -i one
 * "header name: value" line per header, an empty line, then the body.
 * Exit 1 with the message on stderr when a request fails or a status is 400
 * or more; 2 on a usage error.
 */
#include "ctx.h"
#include "err.h"
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void
print_err(const struct tfa_err *err)
{
	fprintf(stderr, "http-get: %s\n", err->msg);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
}

static int
usage(void)
{
	fprintf(stderr, "usage: http-get [-i] [-n COUNT] [-u NAME]... "
			"[-H 'Name: value']... METHOD URL [BODY]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct tfa_ctx ctx;
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_err err;
	const char *hdrs[32];
	size_t nhdrs = 0, i;
	long count = 1, k;
	int opt, show_headers = 0, status = 0, rc;
	char *end, *name;
	const char *colon;

	tfa_ctx_init(&ctx, environ);
	tfa_err_clear(&err);
	while ((opt = getopt(argc, argv, "in:u:H:")) != -1) {
		switch (opt) {
		case 'i':
			show_headers = 1;
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1 || count > 100) {
				status = usage();
				goto out;
			}
			break;
		case 'u':
			tfa_ctx_unsetenv(&ctx, optarg);
			break;
		case 'H':
			if (nhdrs == sizeof(hdrs) / sizeof(hdrs[0]) ||
			    !strchr(optarg, ':')) {
				status = usage();
				goto out;
			}
			hdrs[nhdrs++] = optarg;
			break;
		default:
			status = usage();
			goto out;
		}
	}
	if (argc - optind < 2 || argc - optind > 3) {
		status = usage();
		goto out;
	}
	for (k = 0; k < count && status == 0; k++) {
		tfa_http_request_init(&req, argv[optind], argv[optind + 1]);
		if (argc - optind == 3)
			tfa_buf_adds(&req.body, argv[optind + 2]);
		for (i = 0; i < nhdrs; i++) {
			colon = strchr(hdrs[i], ':');
			name = tfa_xstrndup(hdrs[i], (size_t)(colon - hdrs[i]));
			colon++;
			while (*colon == ' ')
				colon++;
			tfa_http_request_add_header(&req, name, colon);
			free(name);
		}
		tfa_http_response_init(&resp);
		rc = tfa_http_send(&ctx, &req, &resp, &err);
		if (rc < 0) {
			print_err(&err);
			status = tfa_err_exit_status(&err);
		} else {
			printf("status %ld\nattempts %d\n", resp.status,
			       resp.attempts);
			for (i = 0; show_headers && i < resp.nheaders; i++)
				printf("header %s: %s\n", resp.headers[i].name,
				       resp.headers[i].value);
			printf("\n");
			fwrite(resp.body.ptr, 1, resp.body.len, stdout);
			if (resp.body.len && resp.body.ptr[resp.body.len - 1] != '\n')
				printf("\n");
			if (resp.status >= 400) {
				tfa_http_status_err(&err, &req, &resp);
				print_err(&err);
				status = 1;
			}
		}
		tfa_http_response_dispose(&resp);
		tfa_http_request_dispose(&req);
	}
out:
	fflush(stdout);
	tfa_ctx_dispose(&ctx);
	return status;
}
