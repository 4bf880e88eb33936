/* iam — see iam.h. */
#include "iam.h"
#include "awsquery.h"
#include "buf.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAK "ListAccessKeysResponse/ListAccessKeysResult"
#define GAKLU "GetAccessKeyLastUsedResponse/GetAccessKeyLastUsedResult"

void
tfa_iam_access_key_list_init(struct tfa_iam_access_key_list *l)
{
	memset(l, 0, sizeof(*l));
}

void
tfa_iam_access_key_list_dispose(struct tfa_iam_access_key_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->keys[i].user_name);
		free(l->keys[i].access_key_id);
		free(l->keys[i].status_text);
	}
	free(l->keys);
	free(l->user_name);
	memset(l, 0, sizeof(*l));
}

const char *
tfa_iam_key_status_name(enum tfa_iam_key_status s)
{
	switch (s) {
	case TFA_IAM_KEY_ACTIVE:
		return "Active";
	case TFA_IAM_KEY_INACTIVE:
		return "Inactive";
	default:
		return "unknown";
	}
}

void
tfa_iam_key_last_used_init(struct tfa_iam_key_last_used *u)
{
	memset(u, 0, sizeof(*u));
}

void
tfa_iam_key_last_used_dispose(struct tfa_iam_key_last_used *u)
{
	free(u->user_name);
	free(u->service_name);
	free(u->region);
	memset(u, 0, sizeof(*u));
}

static void
call_init(struct tfa_awsquery_call *c, const struct tfa_iam_target *t,
	  const char *action, const struct tfa_creds *creds)
{
	memset(c, 0, sizeof(*c));
	c->service = "IAM";
	c->signing_name = "iam";
	c->endpoint = t->endpoint;
	c->region = t->region;
	c->action = action;
	c->version = TFA_IAM_VERSION;
	c->creds = creds;
	c->profile = t->profile;
}

/* A time field: "" or absent is 0; anything else must parse. */
static int
read_time(time_t *out, const struct tfa_awsquery_call *c,
	  const struct tfa_awsquery_reply *r, const char *name, const char *v,
	  struct tfa_err *err)
{
	char shown[64];
	size_t i, n;

	*out = 0;
	if (!v || !*v)
		return 0;
	if (tfa_time_parse(out, v) == 0)
		return 0;
	n = strlen(v) < sizeof(shown) - 1 ? strlen(v) : sizeof(shown) - 1;
	for (i = 0; i < n; i++)
		shown[i] = v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
	shown[n] = '\0';
	return tfa_awsquery_bad_reply(err, c, r, "the reply's %s '%s' is not a "
				      "time", name, shown);
}

/* The text of the child NAME of element i (a member), or NULL. */
static const char *
child(const struct tfa_awsquery_doc *d, size_t i, const char *name)
{
	size_t plen = strlen(d->elems[i].path), j;

	for (j = i + 1; j < d->n && d->elems[j].depth > d->elems[i].depth; j++) {
		const char *p = d->elems[j].path;
		if (d->elems[j].depth == d->elems[i].depth + 1 &&
		    strncmp(p, d->elems[i].path, plen) == 0 && p[plen] == '/' &&
		    strcmp(p + plen + 1, name) == 0)
			return d->elems[j].text.ptr;
	}
	return NULL;
}

/* Append the members of one ListAccessKeys page to l. */
static int
read_keys(struct tfa_iam_access_key_list *l, size_t *alloc,
	  const struct tfa_awsquery_call *c, const struct tfa_awsquery_reply *r,
	  struct tfa_err *err)
{
	const struct tfa_awsquery_doc *d = &r->doc;
	struct tfa_iam_access_key *k;
	const char *id, *st;
	size_t i = 0;
	time_t created;
	int rc;

	while (tfa_awsquery_find(d, LAK "/AccessKeyMetadata/member", i, &i)) {
		id = child(d, i, "AccessKeyId");
		if (!id || !*id)
			return tfa_awsquery_bad_reply(err, c, r, "the reply lists an "
						      "access key without an "
						      "AccessKeyId");
		if ((rc = read_time(&created, c, r, "CreateDate",
				    child(d, i, "CreateDate"), err)) < 0)
			return rc;
		l->keys = tfa_xgrow(l->keys, alloc, l->n + 1, sizeof(*l->keys));
		k = &l->keys[l->n++];
		memset(k, 0, sizeof(*k));
		k->access_key_id = tfa_xstrdup(id);
		k->user_name = tfa_xstrdup(child(d, i, "UserName") ?
						   child(d, i, "UserName") : "");
		st = child(d, i, "Status");
		k->status_text = tfa_xstrdup(st ? st : "");
		k->status = st && strcmp(st, "Active") == 0     ? TFA_IAM_KEY_ACTIVE
			    : st && strcmp(st, "Inactive") == 0 ? TFA_IAM_KEY_INACTIVE
								: TFA_IAM_KEY_UNKNOWN;
		k->create_date = created;
		i++;
	}
	return 0;
}

int
tfa_iam_list_access_keys(struct tfa_iam_access_key_list *out,
			 struct tfa_ctx *ctx, const struct tfa_iam_target *t,
			 const struct tfa_creds *creds, const char *user_name,
			 struct tfa_err *err)
{
	struct tfa_iam_access_key_list l;
	struct tfa_awsquery_call c;
	struct tfa_awsquery_reply r;
	struct tfa_awsquery_param params[2];
	const char *trunc, *v;
	char *marker = NULL;
	size_t alloc = 0;
	int rc = 0;

	tfa_iam_access_key_list_init(&l);
	tfa_awsquery_reply_init(&r);
	call_init(&c, t, "ListAccessKeys", creds);
	params[0] = (struct tfa_awsquery_param){
		"UserName", user_name && *user_name ? user_name : NULL
	};
	c.params = params;
	c.nparams = 2;
	for (;;) {
		if (l.pages == TFA_IAM_MAX_PAGES) {
			rc = tfa_err_set(err, TFA_ETOOBIG, "IAM ListAccessKeys: more "
					 "than %d pages of access keys; giving up",
					 TFA_IAM_MAX_PAGES);
			goto out;
		}
		params[1] = (struct tfa_awsquery_param){ "Marker", marker };
		tfa_awsquery_reply_dispose(&r);
		tfa_awsquery_reply_init(&r);
		if ((rc = tfa_awsquery_call(&r, ctx, &c, err)) < 0)
			goto out;
		l.pages++;
		if ((rc = read_keys(&l, &alloc, &c, &r, err)) < 0)
			goto out;
		if (!l.user_name && (v = tfa_awsquery_get(&r.doc, LAK "/UserName")) && *v)
			l.user_name = tfa_xstrdup(v);
		memcpy(l.request_id, r.request_id, sizeof(l.request_id));
		trunc = tfa_awsquery_get(&r.doc, LAK "/IsTruncated");
		if (!trunc || strcmp(trunc, "true") != 0)
			break;
		v = tfa_awsquery_get(&r.doc, LAK "/Marker");
		if (!v || !*v) {
			rc = tfa_awsquery_bad_reply(err, &c, &r, "the reply says "
						    "IsTruncated but has no Marker");
			goto out;
		}
		free(marker);
		marker = tfa_xstrdup(v);
	}
	if (!l.user_name && user_name && *user_name)
		l.user_name = tfa_xstrdup(user_name);
	*out = l;
	tfa_iam_access_key_list_init(&l);
out:
	free(marker);
	tfa_awsquery_reply_dispose(&r);
	tfa_iam_access_key_list_dispose(&l);
	return rc;
}

int
tfa_iam_get_access_key_last_used(struct tfa_iam_key_last_used *out,
				 struct tfa_ctx *ctx,
				 const struct tfa_iam_target *t,
				 const struct tfa_creds *creds,
				 const char *access_key_id, struct tfa_err *err)
{
	struct tfa_awsquery_call c;
	struct tfa_awsquery_reply r;
	struct tfa_awsquery_param param;
	const char *user, *svc, *region;
	time_t when;
	int rc;

	if (!access_key_id || !*access_key_id)
		return tfa_err_set(err, TFA_EINVAL, "IAM GetAccessKeyLastUsed: no "
				   "access key id given");
	tfa_awsquery_reply_init(&r);
	call_init(&c, t, "GetAccessKeyLastUsed", creds);
	param = (struct tfa_awsquery_param){ "AccessKeyId", access_key_id };
	c.params = &param;
	c.nparams = 1;
	if ((rc = tfa_awsquery_call(&r, ctx, &c, err)) < 0)
		goto out;
	if (!tfa_awsquery_find(&r.doc, GAKLU "/AccessKeyLastUsed", 0, NULL)) {
		rc = tfa_awsquery_bad_reply(err, &c, &r, "the reply lacks "
					    "GetAccessKeyLastUsedResult/"
					    "AccessKeyLastUsed");
		goto out;
	}
	if ((rc = read_time(&when, &c, &r, "LastUsedDate",
			    tfa_awsquery_get(&r.doc, GAKLU "/AccessKeyLastUsed/"
							   "LastUsedDate"),
			    err)) < 0)
		goto out;
	user = tfa_awsquery_get(&r.doc, GAKLU "/UserName");
	svc = tfa_awsquery_get(&r.doc, GAKLU "/AccessKeyLastUsed/ServiceName");
	region = tfa_awsquery_get(&r.doc, GAKLU "/AccessKeyLastUsed/Region");
	out->user_name = tfa_xstrdup(user ? user : "");
	out->last_used_date = when;
	out->service_name = tfa_xstrdup(svc && *svc ? svc : "N/A");
	out->region = tfa_xstrdup(region && *region ? region : "N/A");
	memcpy(out->request_id, r.request_id, sizeof(out->request_id));
out:
	tfa_awsquery_reply_dispose(&r);
	return rc;
}
