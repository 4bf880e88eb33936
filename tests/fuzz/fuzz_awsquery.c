/*
 * fuzz_awsquery — the XML replies of the Query APIs: lib/awsquery's expat
 * parser and error documents, and what lib/sts and lib/iam read from them.
 *
 * The first byte picks what runs ((byte - '0') modulo 7: the seeds use the
 * digits): 0 parses the rest as a document; 1-6 make a call through a
 * transport that answers with replies cut from the rest (see fuzz.h): 1
 * GetCallerIdentity, 2 AssumeRole, 3 GetSessionToken, 4
 * AssumeRoleWithWebIdentity, 5 ListAccessKeys, 6 GetAccessKeyLastUsed.
 *
 * Checks on a parsed document: the first element is the root at depth 1;
 * each element's depth is at most one more than the one before it, its
 * path is its parent's path, '/', its name (with depth - 1 slashes); its
 * text is NUL-terminated, has no NUL, and is trimmed; tfa_awsquery_get
 * finds the first element at a path.  On a call that succeeds, the fields
 * the headers promise are present (identity: account, ARN, user id;
 * session: key id, secret key, token, an expiration; keys: each has an
 * id); one that fails has a message and the HTTP status of the reply, and
 * never quotes a secret key or token that the reply carried, nor the web
 * identity token we sent (even when the reply echoes it).
 */
#include "fuzz.h"

#include "awsquery.h"
#include "creds.h"
#include "iam.h"
#include "sts.h"

#define WEB_TOKEN "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6In0.c2lnbmF0dXJl"

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
check_doc(const struct tfa_awsquery_doc *d)
{
	size_t i, j, slashes;
	const char *p;

	if (!d->n) {
		FUZZ_CHECK(strcmp(tfa_awsquery_root(d), "") == 0);
		return;
	}
	FUZZ_CHECK(d->elems[0].depth == 1);
	FUZZ_CHECK(strcmp(tfa_awsquery_root(d), d->elems[0].path) == 0);
	for (i = 0; i < d->n; i++) {
		const struct tfa_awsquery_elem *e = &d->elems[i];
		const struct tfa_buf *t = &e->text;

		FUZZ_CHECK(e->path && e->path[0]);
		for (slashes = 0, p = e->path; *p; p++)
			slashes += *p == '/';
		FUZZ_CHECK(slashes + 1 == e->depth);
		FUZZ_CHECK(e->depth >= 1 && e->depth <= TFA_AWSQUERY_MAX_DEPTH);
		if (i) {
			FUZZ_CHECK(e->depth <= d->elems[i - 1].depth + 1);
			FUZZ_CHECK(e->depth >= 2); /* one root */
			/* The parent: the last element one level up. */
			for (j = i; j-- > 0 && d->elems[j].depth != e->depth - 1;)
				;
			FUZZ_CHECK(j < i);
			FUZZ_CHECK(strncmp(e->path, d->elems[j].path,
					   strlen(d->elems[j].path)) == 0 &&
				   e->path[strlen(d->elems[j].path)] == '/');
		}
		FUZZ_CHECK(t->ptr[t->len] == '\0' && strlen(t->ptr) == t->len);
		if (t->len)
			FUZZ_CHECK(!is_space(t->ptr[0]) && !is_space(t->ptr[t->len - 1]));
		/* The first element at this path is at or before i. */
		{
			size_t k;
			FUZZ_CHECK(tfa_awsquery_find(d, e->path, 0, &k) && k <= i);
			FUZZ_CHECK(tfa_awsquery_get(d, e->path) == d->elems[k].text.ptr);
		}
	}
}

/* Secrets of the replies: texts of SecretAccessKey and SessionToken
 * elements, long enough and occurring once in the input, so that
 * finding one in a message can only mean it was copied there. */
struct secrets {
	char *s[64];
	size_t n;
};

static void
collect(struct secrets *sec, const struct fuzz_net *net, const char *all, size_t alen)
{
	struct tfa_awsquery_doc d;
	struct tfa_err err;
	size_t i;
	int k;

	for (k = 0; k < net->n; k++) {
		tfa_awsquery_doc_init(&d);
		if (tfa_awsquery_parse(&d, net->r[k].body, net->r[k].blen, &err) == 0) {
			for (i = 0; i < d.n && sec->n < 64; i++) {
				const char *p = d.elems[i].path, *t = d.elems[i].text.ptr;
				size_t pl = strlen(p), tl = d.elems[i].text.len;
				const char *first;

				if (!((pl >= 15 && strcmp(p + pl - 15, "SecretAccessKey") == 0) ||
				      (pl >= 12 && strcmp(p + pl - 12, "SessionToken") == 0)))
					continue;
				if (tl < 12)
					continue;
				first = memmem(all, alen, t, tl);
				if (!first || memmem(first + 1, alen - (size_t)(first + 1 - all),
						     t, tl))
					continue;
				sec->s[sec->n++] = tfa_xstrdup(t);
			}
		}
		tfa_awsquery_doc_dispose(&d);
	}
}

static void
check_failure(int rc, const struct tfa_err *err, const struct fuzz_net *net,
	      const char *all, size_t alen)
{
	struct secrets sec = { { NULL }, 0 };
	size_t i;

	fuzz_check_err(rc, err);
	if (rc >= 0)
		return;
	collect(&sec, net, all, alen);
	for (i = 0; i < sec.n; i++) {
		FUZZ_CHECK(!strstr(err->msg, sec.s[i]));
		FUZZ_CHECK(!strstr(err->hint, sec.s[i]));
		free(sec.s[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tfa_sts_target sts = { "https://sts.us-east-1.amazonaws.com",
						   "us-east-1", "dev" };
	static const struct tfa_iam_target iam = { "https://iam.amazonaws.com",
						   "us-east-1", NULL };
	struct tfa_creds creds = { "AKIDEXAMPLE", "SECRETEXAMPLEKEY", NULL, 0, NULL };
	const char *rest = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	struct tfa_awsquery_doc doc;
	struct fuzz_net net;
	struct tfa_ctx ctx;
	struct tfa_err err;
	int rc, op;

	if (!size)
		return 0;
	op = (uint8_t)(data[0] - '0') % 7;
	tfa_err_clear(&err);
	if (op == 0) {
		tfa_awsquery_doc_init(&doc);
		rc = tfa_awsquery_parse(&doc, rest, n, &err);
		fuzz_check_err(rc, &err);
		if (rc == 0)
			check_doc(&doc);
		else
			FUZZ_CHECK(doc.n == 0);
		tfa_awsquery_doc_dispose(&doc);
		tfa_awsquery_doc_dispose(&doc);
		return 0;
	}

	fuzz_net_init(&net, rest, n);
	fuzz_ctx_init(&ctx, &net.base, NULL);
	switch (op) {
	case 1: {
		struct tfa_sts_identity id;
		tfa_sts_identity_init(&id);
		rc = tfa_sts_get_caller_identity(&id, &ctx, &sts, &creds, &err);
		if (rc == 0) {
			FUZZ_STR(id.account);
			FUZZ_STR(id.arn);
			FUZZ_STR(id.user_id);
		}
		tfa_sts_identity_dispose(&id);
		tfa_sts_identity_dispose(&id);
		break;
	}
	case 2:
	case 3:
	case 4: {
		struct tfa_sts_session s;
		tfa_sts_session_init(&s);
		if (op == 2) {
			struct tfa_sts_assume_role_params p = {
				"arn:aws:iam::123456789012:role/R", "s", "ext",
				"arn:aws:iam::123456789012:mfa/u", "123456", 3600
			};
			rc = tfa_sts_assume_role(&s, &ctx, &sts, &creds, &p, &err);
		} else if (op == 3) {
			struct tfa_sts_session_token_params p = { NULL, NULL, 0 };
			rc = tfa_sts_get_session_token(&s, &ctx, &sts, &creds, &p, &err);
		} else {
			struct tfa_sts_web_identity_params p = {
				"arn:aws:iam::123456789012:role/R", "s", WEB_TOKEN, 0
			};
			rc = tfa_sts_assume_role_with_web_identity(&s, &ctx, &sts, &p, &err);
			/* The token we sent, even echoed by a reply. */
			FUZZ_CHECK(!strstr(err.msg, WEB_TOKEN) && !strstr(err.hint, WEB_TOKEN));
		}
		if (rc == 0) {
			FUZZ_STR(s.creds.access_key_id);
			FUZZ_STR(s.creds.secret_access_key);
			FUZZ_STR(s.creds.session_token);
			FUZZ_CHECK(op == 3 || s.assumed_role_arn);
			FUZZ_CHECK(!s.creds.account_id || s.assumed_role_arn);
		}
		tfa_sts_session_dispose(&s);
		tfa_sts_session_dispose(&s);
		break;
	}
	case 5: {
		struct tfa_iam_access_key_list l;
		size_t i;
		tfa_iam_access_key_list_init(&l);
		rc = tfa_iam_list_access_keys(&l, &ctx, &iam, &creds,
					      n & 1 ? "Alice" : NULL, &err);
		if (rc == 0) {
			FUZZ_CHECK(l.pages >= 1 && l.pages <= TFA_IAM_MAX_PAGES);
			FUZZ_CHECK(l.pages <= net.calls);
			for (i = 0; i < l.n; i++) {
				FUZZ_STR(l.keys[i].access_key_id);
				FUZZ_CHECK(l.keys[i].user_name && l.keys[i].status_text);
				FUZZ_CHECK((l.keys[i].status == TFA_IAM_KEY_ACTIVE) ==
					   (strcmp(l.keys[i].status_text, "Active") == 0));
				(void)tfa_iam_key_status_name(l.keys[i].status);
			}
		}
		tfa_iam_access_key_list_dispose(&l);
		tfa_iam_access_key_list_dispose(&l);
		break;
	}
	default: {
		struct tfa_iam_key_last_used u;
		tfa_iam_key_last_used_init(&u);
		rc = tfa_iam_get_access_key_last_used(&u, &ctx, &iam, &creds,
						      "AKIDEXAMPLE", &err);
		if (rc == 0) {
			FUZZ_CHECK(u.user_name);
			FUZZ_STR(u.service_name);
			FUZZ_STR(u.region);
		}
		tfa_iam_key_last_used_dispose(&u);
		tfa_iam_key_last_used_dispose(&u);
		break;
	}
	}
	check_failure(rc, &err, &net, rest, n);
	/* An AWS error names the status of the reply that carried it. */
	if (rc == TFA_EAWS && net.calls > 0)
		FUZZ_CHECK(err.http_status == net.last_status);
	ctx.transport = NULL;
	tfa_ctx_dispose(&ctx);
	return 0;
}
