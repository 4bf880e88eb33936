/*
 * fuzz_imds — the replies of the machine's credential endpoints: the
 * ECS/EKS container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) and EC2
 * IMDS (the IMDSv2 token, the role list, the role's credentials), through
 * lib/imds with replies cut from the input (see fuzz.h).
 *
 * The first byte picks the source: 'c' (or any even byte but 'i') the
 * container endpoint, else IMDS.
 *
 * Checks: credentials have a key id, secret key, session token and an
 * expiration (the header's promise: a full set or an error); a failure
 * has a message and never quotes the secret key or token of the reply.
 */
#include "fuzz.h"

#include "creds.h"
#include "imds.h"

static void
no_secret(const struct tfa_err *err, const struct fuzz_net *net, const char *all,
	  size_t alen)
{
	static const char *const names[] = { "\"SecretAccessKey\"", "\"Token\"" };
	const struct fuzz_reply *r;
	const char *p, *q, *end;
	size_t i, n;
	int k;

	/* A long plain value of those keys, once in its reply: it must not
	 * show up in the message. */
	for (k = 0; k < net->n; k++) {
		r = &net->r[k];
		end = r->body + r->blen;
		for (i = 0; i < 2; i++) {
			p = memmem(r->body, r->blen, names[i], strlen(names[i]));
			if (!p)
				continue;
			p += strlen(names[i]);
			while (p < end && (*p == ' ' || *p == ':'))
				p++;
			if (p >= end || *p != '"')
				continue;
			q = ++p;
			while (q < end && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
					   (*q >= '0' && *q <= '9')))
				q++;
			n = (size_t)(q - p);
			if (q >= end || *q != '"' || n < 12)
				continue;
			/* Once in the whole input: found in a message, it
			 * can only have come from this value. */
			if (memmem(q, (size_t)(all + alen - q), p, n) ||
			    memmem(all, (size_t)(p - all), p, n))
				continue;
			FUZZ_CHECK(!memmem(err->msg, strlen(err->msg), p, n));
			FUZZ_CHECK(!memmem(err->hint, strlen(err->hint), p, n));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const container_env[] = {
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=Bearer abc",
		NULL
	};
	static const char *const imds_env[] = {
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:8081",
		NULL
	};
	struct fuzz_net net;
	struct tfa_creds c;
	struct tfa_ctx ctx;
	struct tfa_err err;
	int rc, container;

	if (!size)
		return 0;
	container = data[0] == 'c' || (data[0] != 'i' && !(data[0] & 1));
	fuzz_net_init(&net, (const char *)data + 1, size - 1);
	fuzz_ctx_init(&ctx, &net.base, container ? container_env : imds_env);
	tfa_creds_init(&c);
	tfa_err_clear(&err);
	if (container)
		rc = tfa_container_credentials(&c, &ctx, &err);
	else
		rc = tfa_imds_credentials(&c, &ctx, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_STR(c.access_key_id);
		FUZZ_STR(c.secret_access_key);
		FUZZ_STR(c.session_token);
		FUZZ_CHECK(c.expiration != 0);
	} else {
		no_secret(&err, &net, (const char *)data + 1, size - 1);
	}
	tfa_creds_dispose(&c);
	ctx.transport = NULL;
	tfa_ctx_dispose(&ctx);
	return 0;
}
