/* sso — see sso.h. */
#include "sso.h"
#include "sso_priv.h"
#include "buf.h"
#include "cache.h"
#include "endpoint.h"
#include "http.h"
#include "sigv4.h"
#include "timeutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
/* botocore reuses a cached registration until 15 minutes before it expires. */
#define REGISTRATION_WINDOW 900
/* RFC 8628 §3.5, and botocore's _DEFAULT_INTERVAL / _SLOW_DOWN_DELAY. */
#define DEFAULT_INTERVAL 5
#define SLOW_DOWN_STEP 5
#define MAX_INTERVAL 300
/* When StartDeviceAuthorization names no expiresIn: the service's 10 min. */
#define DEFAULT_DEVICE_EXPIRES 600
#define MAX_DEVICE_EXPIRES 86400
#define MAX_TOKEN_LIFETIME (366L * 86400)
#define MAX_EPOCH 253402300799LL /* 9999-12-31T23:59:59Z */
/* A device login may take minutes: wait that long for another one. */
#define LOCK_WAIT 600
/* No token, id or code that AWS issues comes near this. */
#define MAX_FIELD ((size_t)64 << 10)

/* ------------------------------------------------------------- helpers */

/* See cache.c: jansson fails only when memory runs out. */
static void
json_oom(void)
{
	tfa_xmalloc(SIZE_MAX);
}

/*
 * Wipe every string in a JSON tree before it is freed: the tree holds
 * tokens and secrets, and jansson's free may not wipe (process.c installs
 * a wiping one only once it has parsed a credential_process reply).
 */
static void
wipe_json(json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_string(v)) {
		tfa_wipe((char *)json_string_value(v), json_string_length(v));
	} else if (json_is_object(v)) {
		json_object_foreach (v, key, m)
			wipe_json(m);
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, m)
			wipe_json(m);
	}
}

static void
json_free_wiped(json_t *v)
{
	if (!v)
		return;
	wipe_json(v);
	json_decref(v);
}

/* A member that is a non-empty string without NUL, at most MAX_FIELD
 * bytes; else NULL. */
static const char *
str_member(const json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	return s && n && n <= MAX_FIELD && strlen(s) == n ? s : NULL;
}

/* Printable ASCII without space: fit for a header value or a terminal. */
static int
visible_ascii(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* An integer member in [lo, hi]: 1 and *out set, else 0. */
static int
int_member(long long *out, const json_t *o, const char *name, long long lo,
	   long long hi)
{
	json_t *v = json_object_get(o, name);
	long long n;

	if (!json_is_integer(v))
		return 0;
	n = (long long)json_integer_value(v);
	if (n < lo || n > hi)
		return 0;
	*out = n;
	return 1;
}

static void
put_str(json_t *o, const char *name, const char *s)
{
	json_t *v = json_stringn(s, strlen(s));

	/* Config values are UTF-8 (config.c checks); reply values came
	 * through jansson; so only memory can fail here. */
	if (!v || json_object_set_new(o, name, v) < 0)
		json_oom();
}

/* Replace a member that may hold a secret, wiping the old value first. */
static void
put_secret(json_t *o, const char *name, const char *s)
{
	wipe_json(json_object_get(o, name));
	put_str(o, name, s);
}

static void
put_time(json_t *o, const char *name, time_t t)
{
	char s[TFA_TIME_LEN];

	tfa_time_format(s, t);
	put_str(o, name, s);
}

static int
dump_to_buf(const char *buffer, size_t size, void *data)
{
	return tfa_buf_add(data, buffer, size) < 0 ? -1 : 0;
}

/* Put "PREFIX: " in front of err's message. */
static void
prefix_err(struct tfa_err *err, const char *service, const char *action)
{
	char tmp[sizeof(err->msg)];
	int n;

	memcpy(tmp, err->msg, sizeof(tmp));
	n = snprintf(err->msg, sizeof(err->msg), "%s %s: %s", service, action, tmp);
	if (n < 0)
		memcpy(err->msg, tmp, sizeof(tmp));
	else if ((size_t)n >= sizeof(err->msg))
		tfa__sso_mark_cut(err->msg, sizeof(err->msg));
}

static void
copy_small(char *out, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(out, s, n);
	out[n] = '\0';
}

static const char *
profile_name(const struct tfa_sso_config *sc)
{
	return sc->profile_name ? sc->profile_name : "";
}

/* -------------------------------------------------------------- config */

/* ---------------------------------------------------------------- keys */

/* "<home>/.aws/sso/cache/<key>.json" into a fresh out. */
static int
cache_path(struct tfa_buf *out, const struct tfa_ctx *ctx, const char *key,
	   struct tfa_err *err)
{
	int rc;

	tfa_buf_init(out, 8192);
	if ((rc = tfa_cache_dir(out, ctx, "sso/cache", err)) < 0)
		goto out;
	if (tfa_buf_addf(out, "/%s.json", key) < 0)
		rc = tfa_err_set(err, TFA_ETOOBIG, "the path of the SSO cache is too long");
out:
	return rc;
}

/* --------------------------------------------------------------- tokens */

static char *
dup_or_null(const char *s)
{
	return s ? tfa_xstrdup(s) : NULL;
}

/* Read a JSON cache file into *root (an object): 0 and *root NULL when
 * missing or not a JSON object. */
static int
read_json(json_t **root, const char *path, struct tfa_err *err)
{
	struct tfa_buf b;
	json_error_t jerr;
	json_t *r = NULL;
	int rc, missing = 1;

	*root = NULL;
	tfa_buf_init_secret(&b, TFA_CACHE_MAX_FILE + 4096);
	if ((rc = tfa_cache_read(&b, path, &missing, err)) < 0 || missing)
		goto out;
	r = json_loadb(b.ptr, b.len, 0, &jerr);
	if (!json_is_object(r)) {
		json_free_wiped(r);
		goto out;
	}
	*root = r;
out:
	tfa_buf_dispose(&b);
	return rc;
}

/*
 * Parse a token entry.  1 and *out filled when it can be trusted, else 0
 * with *why saying what is wrong.
 */
static int
parse_token(struct tfa_sso_token *out, const char **why, const json_t *root,
	    const struct tfa_sso_config *sc)
{
	struct tfa_sso_token t;
	const char *at, *exp, *s;
	time_t when;

	tfa_sso_token_init(&t);
	at = str_member(root, "accessToken");
	exp = str_member(root, "expiresAt");
	if (!at || !visible_ascii(at)) {
		*why = "it has no valid accessToken";
		return 0;
	}
	if (!exp || tfa_time_parse(&when, exp) < 0) {
		*why = "it has no valid expiresAt";
		return 0;
	}
	s = str_member(root, "startUrl");
	if (s && sc->start_url && strcmp(s, sc->start_url) != 0) {
		*why = "it was issued for another sso_start_url";
		return 0;
	}
	t.start_url = dup_or_null(s);
	t.region = dup_or_null(str_member(root, "region"));
	t.access_token = tfa_xstrdup(at);
	t.expires_at = when;
	t.refresh_token = dup_or_null(str_member(root, "refreshToken"));
	t.client_id = dup_or_null(str_member(root, "clientId"));
	t.client_secret = dup_or_null(str_member(root, "clientSecret"));
	s = str_member(root, "registrationExpiresAt");
	if (!s || tfa_time_parse(&t.registration_expires_at, s) < 0)
		t.registration_expires_at = 0;
	*out = t;
	return 1;
}

/*
 * Load the token entry at path: 0 with *found 1 and *out filled (and, when
 * keep is not NULL, the parsed entry in *keep for a rewrite), or 0 with
 * *found 0 and *why; < 0 on tfa_cache_read's errors.
 */
static int
load_token(struct tfa_sso_token *out, json_t **keep, int *found, const char **why,
	   const char *path, const struct tfa_sso_config *sc, struct tfa_err *err)
{
	json_t *root = NULL;
	int rc;

	*found = 0;
	*why = "there is no such file";
	if ((rc = read_json(&root, path, err)) < 0)
		goto out;
	if (!root) {
		*why = "the file is missing or is not a JSON object";
		goto out;
	}
	*found = parse_token(out, why, root, sc);
	if (*found && keep) {
		*keep = root;
		root = NULL;
	}
out:
	json_free_wiped(root);
	return rc;
}

int
tfa_sso_token_load(struct tfa_sso_token *token, const struct tfa_ctx *ctx,
		   const struct tfa_sso_config *sc, struct tfa_err *err)
{
	struct tfa_buf path;
	const char *why = "";
	int rc, found = 0;

	if ((rc = cache_path(&path, ctx, sc->cache_key, err)) < 0)
		goto out;
	if ((rc = load_token(token, NULL, &found, &why, path.ptr, sc, err)) < 0)
		goto out;
	if (!found) {
		rc = tfa_err_set(err, TFA_ENOTFOUND, "no usable SSO token for '%s' in "
				 "'%s': %s", tfa__sso_login_name(sc), path.ptr, why);
		tfa_err_hint(err, "log in with 'tfauth-refresh %s'", profile_name(sc));
	}
out:
	tfa_buf_dispose(&path);
	return rc;
}

/* Write t to path in the AWS CLI's format; base (may be NULL) is the
 * entry read before, whose other fields are kept. */
static int
store_token(const char *path, json_t *base, const struct tfa_sso_token *t,
	    struct tfa_err *err)
{
	struct tfa_buf text;
	json_t *root = base ? base : json_object();
	int rc;

	tfa_buf_init_secret(&text, TFA_CACHE_MAX_FILE);
	if (!root)
		json_oom();
	if (t->start_url)
		put_str(root, "startUrl", t->start_url);
	if (t->region)
		put_str(root, "region", t->region);
	put_secret(root, "accessToken", t->access_token);
	put_time(root, "expiresAt", t->expires_at);
	if (t->client_id)
		put_str(root, "clientId", t->client_id);
	if (t->client_secret)
		put_secret(root, "clientSecret", t->client_secret);
	/* A refresh keeps the registration's expiry as it was written. */
	if (t->registration_expires_at &&
	    !json_is_string(json_object_get(root, "registrationExpiresAt")))
		put_time(root, "registrationExpiresAt", t->registration_expires_at);
	if (t->refresh_token)
		put_secret(root, "refreshToken", t->refresh_token);
	/* Python's json.dumps: ", " and ": ", non-ASCII as \u escapes. */
	if (json_dump_callback(root, dump_to_buf, &text, JSON_ENSURE_ASCII) < 0) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "cannot cache the SSO token in '%s': "
				 "too large", path);
		goto out;
	}
	rc = tfa_cache_write(path, text.ptr, text.len, err);
out:
	if (!base)
		json_free_wiped(root);
	tfa_buf_dispose(&text);
	return rc;
}

/* --------------------------------------------------------- registration */

struct registration {
	char *client_id;
	char *client_secret; /* secret */
	time_t expires_at;
};

static void
registration_dispose(struct registration *r)
{
	tfa_secret_free(r->client_id);
	tfa_secret_free(r->client_secret);
	memset(r, 0, sizeof(*r));
}

/* A cached registration the device flow may use: 1 and *out filled. */
static int
load_registration(struct registration *out, const char *path, time_t now,
		  struct tfa_err *err, int *rc)
{
	json_t *root = NULL, *gt, *v;
	const char *id, *secret, *exp;
	time_t when;
	size_t i;
	int ok = 0;

	if ((*rc = read_json(&root, path, err)) < 0 || !root)
		goto out;
	id = str_member(root, "clientId");
	secret = str_member(root, "clientSecret");
	exp = str_member(root, "expiresAt");
	if (!id || !secret || !exp || tfa_time_parse(&when, exp) < 0)
		goto out;
	/* botocore: the device flow never uses an authorization-code client. */
	gt = json_object_get(root, "grantTypes");
	json_array_foreach (gt, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), "authorization_code") == 0)
			goto out;
	if ((long long)when - (long long)now < REGISTRATION_WINDOW)
		goto out;
	out->client_id = tfa_xstrdup(id);
	out->client_secret = tfa_xstrdup(secret);
	out->expires_at = when;
	ok = 1;
out:
	json_free_wiped(root);
	return ok;
}

static int
store_registration(const char *path, const struct registration *r,
		   char **scopes, size_t nscopes, struct tfa_err *err)
{
	struct tfa_buf text;
	json_t *root = json_object(), *list;
	size_t i;
	int rc;

	tfa_buf_init_secret(&text, TFA_CACHE_MAX_FILE);
	if (!root)
		json_oom();
	put_str(root, "clientId", r->client_id);
	put_str(root, "clientSecret", r->client_secret);
	put_time(root, "expiresAt", r->expires_at);
	if (nscopes) {
		if (!(list = json_array()) || json_object_set_new(root, "scopes", list) < 0)
			json_oom();
		for (i = 0; i < nscopes; i++)
			if (json_array_append_new(list, json_string(scopes[i])) < 0)
				json_oom();
	}
	if (json_dump_callback(root, dump_to_buf, &text, JSON_ENSURE_ASCII) < 0) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "cannot cache the SSO client "
				 "registration in '%s': too large", path);
		goto out;
	}
	rc = tfa_cache_write(path, text.ptr, text.len, err);
out:
	json_free_wiped(root);
	tfa_buf_dispose(&text);
	return rc;
}

/* ------------------------------------------------------------ the calls */

/* The OAuth errors of the OIDC service: body "error" and exception name. */
enum oauth_kind {
	K_NONE,
	K_PENDING,
	K_SLOW_DOWN,
	K_EXPIRED,
	K_DENIED,
	K_INVALID_GRANT,
	K_INVALID_CLIENT,
	K_OTHER
};

static const struct {
	const char *oauth, *exception;
	enum oauth_kind kind;
} oauth_errors[] = {
	{ "authorization_pending", "AuthorizationPendingException", K_PENDING },
	{ "slow_down", "SlowDownException", K_SLOW_DOWN },
	{ "expired_token", "ExpiredTokenException", K_EXPIRED },
	{ "access_denied", "AccessDeniedException", K_DENIED },
	{ "invalid_grant", "InvalidGrantException", K_INVALID_GRANT },
	{ "invalid_client", "InvalidClientException", K_INVALID_CLIENT },
	{ "unauthorized_client", "UnauthorizedClientException", K_OTHER },
	{ "invalid_request", "InvalidRequestException", K_OTHER },
	{ "invalid_scope", "InvalidScopeException", K_OTHER },
	{ "unsupported_grant_type", "UnsupportedGrantTypeException", K_OTHER },
	{ "invalid_client_metadata", "InvalidClientMetadataException", K_OTHER },
	{ "invalid_redirect_uri", "InvalidRedirectUriException", K_OTHER },
};

struct call {
	struct tfa_ctx *ctx;
	const char *service;  /* "SSO OIDC", "SSO" */
	const char *action;   /* "CreateToken" */
	const char *what;     /* "the SSO OIDC service" */
	const char *env;      /* "AWS_ENDPOINT_URL_SSO_OIDC" */
	const char *hide[3];  /* secrets sent: never quoted back in a message */
	enum oauth_kind kind; /* out: the OAuth error, K_NONE when none */
};

/* Whether s (as the reply sent it, before any cut) quotes a secret that
 * the call sent. */
static int
quotes_secret(const struct call *c, const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(c->hide) / sizeof(c->hide[0]); i++)
		if (c->hide[i] && *c->hide[i] && strstr(s, c->hide[i]))
			return 1;
	return 0;
}

/* Whether code is one of the OAuth errors or their exception names: our
 * own words, whatever a short secret may match in them. */
static int
known_code(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(oauth_errors) / sizeof(oauth_errors[0]); i++)
		if (strcmp(code, oauth_errors[i].oauth) == 0 ||
		    strcmp(code, oauth_errors[i].exception) == 0)
			return 1;
	return 0;
}

/* The error code of a failed reply: x-amzn-ErrorType without its ":..."
 * suffix, else the body's "error" (OAuth), "__type" (after '#') or "code".
 * A code (other than a known one) or a description that quotes a secret
 * the call sent is left out: checked on the reply's text, since the copies
 * here are cut short and a token is longer than they are. */
static void
error_code(char code[64], char desc[256], const struct call *c,
	   const struct tfa_http_response *resp, const json_t *body)
{
	const char *h = tfa_http_response_header(resp, "x-amzn-errortype");
	const char *s = NULL;
	char tmp[64];

	code[0] = desc[0] = '\0';
	if (h && *h && *h != ':') {
		copy_small(tmp, sizeof(tmp), h);
		tmp[strcspn(tmp, ":")] = '\0';
		if (known_code(tmp) || !quotes_secret(c, h))
			tfa_clean_text(code, 64, tmp);
	} else if ((s = str_member(body, "error")) || (s = str_member(body, "__type")) ||
		   (s = str_member(body, "code"))) {
		if (strchr(s, '#'))
			s = strrchr(s, '#') + 1;
		if (known_code(s) || !quotes_secret(c, s))
			tfa_clean_text(code, 64, s);
	}
	if (((s = str_member(body, "error_description")) ||
	     (s = str_member(body, "message")) || (s = str_member(body, "Message"))) &&
	    !quotes_secret(c, s))
		tfa_clean_text(desc, 256, s);
}

static enum oauth_kind
classify(const char *code, const char **exception)
{
	size_t i;

	*exception = code;
	for (i = 0; i < sizeof(oauth_errors) / sizeof(oauth_errors[0]); i++)
		if (strcmp(code, oauth_errors[i].oauth) == 0 ||
		    strcmp(code, oauth_errors[i].exception) == 0) {
			*exception = oauth_errors[i].exception;
			return oauth_errors[i].kind;
		}
	return K_OTHER;
}

static void
endpoint_hint(struct tfa_err *err, const struct call *c,
	      const struct tfa_http_request *req, long status)
{
	char *shown = tfa_http_display_url(req->url);

	tfa_err_hint(err, "the reply came from '%s' with HTTP %ld; is a proxy in "
		     "the way? check HTTPS_PROXY, HTTP_PROXY and %s", shown, status,
		     c->env);
	free(shown);
}

static int
not_json(struct tfa_err *err, const struct call *c,
	 const struct tfa_http_request *req, long status)
{
	tfa_err_set(err, TFA_EINVAL, "%s %s: %s answered with something that is not "
		    "JSON (HTTP %ld)", c->service, c->action, c->what, status);
	err->http_status = (int)status;
	endpoint_hint(err, c, req, status);
	return TFA_EINVAL;
}

static int
aws_error(struct tfa_err *err, struct call *c, const char *code, char *desc,
	  long status)
{
	const char *exception;
	size_t n;

	/* error_code left out a code or description that echoed a secret. */
	c->kind = classify(code, &exception);
	n = strlen(desc);
	if (n && desc[n - 1] == '.')
		desc[n - 1] = '\0';
	if (desc[0])
		tfa_err_set(err, TFA_EAWS, "%s %s: %s: %s", c->service, c->action,
			    exception, desc);
	else
		tfa_err_set(err, TFA_EAWS, "%s %s: %s (HTTP %ld)", c->service,
			    c->action, exception, status);
	copy_small(err->aws_code, sizeof(err->aws_code), exception);
	err->http_status = (int)status;
	return TFA_EAWS;
}

/*
 * Send req; 0 and *out (a JSON object; free with json_free_wiped) on a 2xx
 * JSON reply.  An error reply is TFA_EAWS with c->kind set; a 2xx reply
 * that is not a JSON object, or a 4xx one that is not JSON, TFA_EINVAL.
 */
static int
do_call(json_t **out, struct call *c, const struct tfa_http_request *req,
	struct tfa_err *err)
{
	struct tfa_http_response resp;
	json_error_t jerr;
	json_t *root = NULL;
	const char *v;
	char rid[80] = "", code[64], desc[256];
	long status;
	int rc;

	c->kind = K_NONE;
	tfa_http_response_init(&resp);
	if ((rc = tfa_http_send(c->ctx, req, &resp, err)) < 0) {
		prefix_err(err, c->service, c->action);
		goto out;
	}
	status = resp.status;
	if ((v = tfa_http_response_header(&resp, "x-amzn-requestid")))
		tfa_clean_text(rid, sizeof(rid), v);
	if (resp.body.len)
		root = json_loadb(resp.body.ptr, resp.body.len, 0, &jerr);
	if (status >= 200 && status <= 299) {
		if (!json_is_object(root)) {
			rc = not_json(err, c, req, status);
		} else {
			*out = root;
			root = NULL;
		}
	} else {
		error_code(code, desc, c, &resp, json_is_object(root) ? root : NULL);
		if (code[0]) {
			rc = aws_error(err, c, code, desc, status);
			if (tfa_http_retryable(&resp))
				tfa_http_busy_hint(err, req, &resp);
		} else if (resp.body.len && !root && !tfa_http_retryable(&resp)) {
			rc = not_json(err, c, req, status);
		} else {
			rc = tfa_http_status_err(err, req, &resp);
			prefix_err(err, c->service, c->action);
		}
	}
	if (rc < 0)
		memcpy(err->request_id, rid, sizeof(rid));
out:
	json_free_wiped(root);
	tfa_http_response_dispose(&resp);
	return rc;
}

/* A reply that lacks what it must have. */
static int
bad_reply(struct tfa_err *err, const struct call *c, const char *url,
	  const char *what)
{
	char *shown = tfa_http_display_url(url);

	tfa_err_set(err, TFA_EINVAL, "%s %s: the reply has no valid %s", c->service,
		    c->action, what);
	tfa_err_hint(err, "is %s pointing at the real IAM Identity Center? (the "
		     "reply came from '%s')", c->env, shown);
	free(shown);
	return TFA_EINVAL;
}

/* ---------------------------------------------------------------- OIDC */

struct flow {
	struct tfa_ctx *ctx;
	const struct tfa_config *cfg;
	const struct tfa_sso_config *sc;
	const struct tfa_sso_ui *ui;
	struct tfa_endpoint oidc;
	unsigned have_oidc : 1;
};

/* "sso_region in sso-session 'corp' (~/.aws/config:9)" */
static char *
region_origin(const struct tfa_sso_config *sc)
{
	struct tfa_buf b = TFA_BUF_INIT;
	char w[300];

	tfa__sso_where(w, sizeof(w), sc->session ? sc->session : sc->profile, "sso_region");
	if (sc->session)
		tfa_buf_addf(&b, "sso_region in sso-session '%s' (%s)", sc->session_name, w);
	else
		tfa_buf_addf(&b, "sso_region in profile '%s' (%s)", profile_name(sc), w);
	return tfa_buf_detach(&b);
}

static int
resolve(struct tfa_endpoint *out, struct tfa_ctx *ctx, const struct tfa_config *cfg,
	const struct tfa_sso_config *sc, enum tfa_service svc, struct tfa_err *err)
{
	char *origin = region_origin(sc);
	int rc;

	rc = tfa_endpoint_resolve(out, ctx, cfg, sc->profile, svc, sc->region, origin, err);
	free(origin);
	return rc;
}

/* POST body (a JSON object, wiped and freed here) to the OIDC path. */
static int
oidc_call(json_t **out, struct flow *f, struct call *c, const char *path,
	  json_t *body, struct tfa_err *err)
{
	struct tfa_http_request req;
	struct tfa_buf url = TFA_BUF_INIT;
	int rc;

	c->ctx = f->ctx;
	c->service = "SSO OIDC";
	c->what = "the SSO OIDC service";
	c->env = "AWS_ENDPOINT_URL_SSO_OIDC";
	c->kind = K_NONE;
	tfa_http_request_init(&req, "POST", "");
	if (!f->have_oidc) {
		if ((rc = resolve(&f->oidc, f->ctx, f->cfg, f->sc, TFA_SERVICE_SSO_OIDC,
				  err)) < 0)
			goto out;
		f->have_oidc = 1;
	}
	tfa_buf_adds(&url, f->oidc.url);
	tfa_buf_adds(&url, path);
	free(req.url);
	req.url = tfa_buf_detach(&url);
	tfa_http_request_add_header(&req, "Content-Type", "application/json");
	if (json_dump_callback(body, dump_to_buf, &req.body, JSON_COMPACT) < 0) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "%s %s: the request is too large",
				 c->service, c->action);
		goto out;
	}
	rc = do_call(out, c, &req, err);
out:
	json_free_wiped(body);
	tfa_http_request_dispose(&req);
	tfa_buf_dispose(&url);
	return rc;
}

static json_t *
new_object(void)
{
	json_t *o = json_object();

	if (!o)
		json_oom();
	return o;
}

static int
register_client(struct registration *out, struct flow *f, char **scopes,
		size_t nscopes, struct tfa_err *err)
{
	struct call c = { 0 };
	struct tfa_buf name = TFA_BUF_INIT;
	json_t *body = new_object(), *reply = NULL, *list;
	const char *id, *secret;
	long long exp;
	size_t i;
	int rc;

	c.action = "RegisterClient";
	if (f->sc->session_name)
		tfa_buf_addf(&name, "botocore-client-%s", f->sc->session_name);
	else
		tfa_buf_addf(&name, "botocore-client-%lld", (long long)tfa_ctx_now(f->ctx));
	put_str(body, "clientName", name.ptr);
	put_str(body, "clientType", "public");
	if (nscopes) {
		if (!(list = json_array()) || json_object_set_new(body, "scopes", list) < 0)
			json_oom();
		for (i = 0; i < nscopes; i++)
			if (json_array_append_new(list, json_string(scopes[i])) < 0)
				json_oom();
	}
	if ((rc = oidc_call(&reply, f, &c, "/client/register", body, err)) < 0)
		goto out;
	id = str_member(reply, "clientId");
	secret = str_member(reply, "clientSecret");
	if (!id || !secret) {
		rc = bad_reply(err, &c, f->oidc.url, id ? "clientSecret" : "clientId");
		goto out;
	}
	if (!int_member(&exp, reply, "clientSecretExpiresAt", 1, MAX_EPOCH)) {
		rc = bad_reply(err, &c, f->oidc.url, "clientSecretExpiresAt");
		goto out;
	}
	out->client_id = tfa_xstrdup(id);
	out->client_secret = tfa_xstrdup(secret);
	out->expires_at = (time_t)exp;
out:
	json_free_wiped(reply);
	tfa_buf_dispose(&name);
	return rc;
}

/* The cached registration, or a new one (then cached). */
static int
get_registration(struct registration *out, int *cached, struct flow *f, int fresh,
		 struct tfa_err *err)
{
	struct tfa_buf path;
	struct registration r = { 0 };
	char key[41], **scopes = NULL;
	size_t n = 0;
	int rc;

	*cached = 0;
	tfa_sso_registration_cache_key(key, f->sc);
	if ((rc = cache_path(&path, f->ctx, key, err)) < 0)
		goto out;
	if (!fresh && load_registration(&r, path.ptr, tfa_ctx_now(f->ctx), err, &rc)) {
		*cached = 1;
		*out = r;
		goto out;
	}
	if (rc < 0)
		goto out;
	n = tfa__sso_split_scopes(&scopes, f->sc->scopes);
	if ((rc = register_client(&r, f, scopes, n, err)) < 0)
		goto out;
	if ((rc = store_registration(path.ptr, &r, scopes, n, err)) < 0) {
		registration_dispose(&r);
		goto out;
	}
	*out = r;
out:
	tfa__sso_free_list(scopes, n);
	tfa_buf_dispose(&path);
	return rc;
}

struct device_auth {
	char *device_code; /* secret */
	char *user_code;
	char *uri, *uri_complete;
	long expires_in, interval;
};

static void
device_auth_dispose(struct device_auth *a)
{
	tfa_secret_free(a->device_code);
	free(a->user_code);
	free(a->uri);
	free(a->uri_complete);
	memset(a, 0, sizeof(*a));
}

static int
is_http_url(const char *u)
{
	return visible_ascii(u) && tfa__sso_is_url(u);
}

static int
start_authorization(struct device_auth *out, struct flow *f,
		    const struct registration *r, struct tfa_err *err)
{
	struct call c = { 0 };
	json_t *body = new_object(), *reply = NULL;
	const char *code, *user, *uri, *full, *bad = NULL;
	long long n;
	int rc;

	c.action = "StartDeviceAuthorization";
	c.hide[0] = r->client_secret;
	put_str(body, "clientId", r->client_id);
	put_str(body, "clientSecret", r->client_secret);
	put_str(body, "startUrl", f->sc->start_url);
	if ((rc = oidc_call(&reply, f, &c, "/device_authorization", body, err)) < 0)
		goto out;
	code = str_member(reply, "deviceCode");
	user = str_member(reply, "userCode");
	uri = str_member(reply, "verificationUri");
	full = str_member(reply, "verificationUriComplete");
	out->expires_in = DEFAULT_DEVICE_EXPIRES;
	out->interval = DEFAULT_INTERVAL;
	if (!code)
		bad = "deviceCode";
	else if (!visible_ascii(user))
		bad = "userCode";
	else if (!is_http_url(uri))
		bad = "verificationUri";
	else if (json_object_get(reply, "verificationUriComplete") && !is_http_url(full))
		bad = "verificationUriComplete";
	else if (json_object_get(reply, "expiresIn") &&
		 !int_member(&n, reply, "expiresIn", 1, MAX_DEVICE_EXPIRES))
		bad = "expiresIn";
	if (bad) {
		rc = bad_reply(err, &c, f->oidc.url, bad);
		goto out;
	}
	if (int_member(&n, reply, "expiresIn", 1, MAX_DEVICE_EXPIRES))
		out->expires_in = (long)n;
	/* An interval of 0 or less would poll without pause: keep the default. */
	if (int_member(&n, reply, "interval", 1, LLONG_MAX))
		out->interval = n > MAX_INTERVAL ? MAX_INTERVAL : (long)n;
	out->device_code = tfa_xstrdup(code);
	out->user_code = tfa_xstrdup(user);
	out->uri = tfa_xstrdup(uri);
	out->uri_complete = tfa_xstrdup(full ? full : uri);
out:
	json_free_wiped(reply);
	return rc;
}

/*
 * CreateToken with body (freed here): 0 and out's access_token,
 * expires_at and refresh_token (when returned) set; TFA_EAWS with *kind.
 */
static int
create_token(struct tfa_sso_token *out, enum oauth_kind *kind, struct flow *f,
	     json_t *body, const char *hide1, const char *hide2, struct tfa_err *err)
{
	struct call c = { 0 };
	json_t *reply = NULL;
	const char *at, *rt;
	long long in;
	int rc;

	c.action = "CreateToken";
	c.hide[0] = hide1;
	c.hide[1] = hide2;
	rc = oidc_call(&reply, f, &c, "/token", body, err);
	*kind = c.kind;
	if (rc < 0)
		goto out;
	at = str_member(reply, "accessToken");
	rt = str_member(reply, "refreshToken");
	if (!at || !visible_ascii(at)) {
		rc = bad_reply(err, &c, f->oidc.url, "accessToken");
		goto out;
	}
	if (!int_member(&in, reply, "expiresIn", 1, MAX_TOKEN_LIFETIME)) {
		rc = bad_reply(err, &c, f->oidc.url, "expiresIn");
		goto out;
	}
	out->access_token = tfa_xstrdup(at);
	out->expires_at = tfa_ctx_now(f->ctx) + (time_t)in;
	out->refresh_token = dup_or_null(rt);
out:
	json_free_wiped(reply);
	return rc;
}

static int
can_refresh(const struct tfa_sso_token *t, time_t now)
{
	return t->refresh_token && t->client_id && t->client_secret &&
	       t->registration_expires_at > now;
}

/* The refresh-token grant (botocore SSOTokenProvider._attempt_create_token). */
static int
refresh(struct tfa_sso_token *out, enum oauth_kind *kind, struct flow *f,
	const struct tfa_sso_token *old, struct tfa_err *err)
{
	struct tfa_sso_token t;
	json_t *body = new_object();
	int rc;

	tfa_sso_token_init(&t);
	put_str(body, "clientId", old->client_id);
	put_str(body, "clientSecret", old->client_secret);
	put_str(body, "grantType", "refresh_token");
	put_str(body, "refreshToken", old->refresh_token);
	if ((rc = create_token(&t, kind, f, body, old->client_secret,
			       old->refresh_token, err)) < 0)
		goto out;
	if (!t.refresh_token)
		t.refresh_token = tfa_xstrdup(old->refresh_token);
	t.client_id = tfa_xstrdup(old->client_id);
	t.client_secret = tfa_xstrdup(old->client_secret);
	t.registration_expires_at = old->registration_expires_at;
	t.start_url = tfa_xstrdup(f->sc->start_url);
	t.region = tfa_xstrdup(f->sc->region);
	*out = t;
	tfa_sso_token_init(&t);
out:
	tfa_sso_token_dispose(&t);
	return rc;
}

/* ----------------------------------------------------------- the login */

static void
nap(const struct tfa_sso_ui *ui, long ms)
{
	struct timespec ts, rem;

	if (ui->sleep) {
		ui->sleep(ui->data, ms);
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
}

/* Wait seconds, in steps of a second so that tick runs, never past deadline. */
static void
wait_for(const struct flow *f, long seconds, time_t deadline)
{
	time_t now;
	long i;

	for (i = 0; i < seconds; i++) {
		now = tfa_ctx_now(f->ctx);
		if (now >= deadline)
			break;
		if (f->ui->tick)
			f->ui->tick(f->ui->data, (long)(deadline - now));
		nap(f->ui, 1000);
	}
}

static int
authorization_expired(struct tfa_err *err, const struct tfa_sso_config *sc,
		      const char *aws_code)
{
	tfa_err_set(err, TFA_EAWS, "the device authorization expired before it was "
		    "approved");
	tfa_err_hint(err, "run the login again: 'tfauth-refresh %s'", profile_name(sc));
	copy_small(err->aws_code, sizeof(err->aws_code), aws_code);
	return TFA_EAWS;
}

/* One device-code CreateToken: 0 with a token, 1 to keep polling. */
static int
poll_once(struct tfa_sso_token *out, long *interval, struct flow *f,
	  const struct registration *r, const struct device_auth *a,
	  struct tfa_err *err)
{
	enum oauth_kind kind = K_NONE;
	json_t *body = new_object();
	int rc;

	put_str(body, "clientId", r->client_id);
	put_str(body, "clientSecret", r->client_secret);
	put_str(body, "grantType", DEVICE_GRANT);
	put_str(body, "deviceCode", a->device_code);
	rc = create_token(out, &kind, f, body, r->client_secret, a->device_code, err);
	if (rc == 0)
		goto out;
	switch (rc == TFA_EAWS ? kind : K_NONE) {
	case K_PENDING:
		rc = 1;
		break;
	case K_SLOW_DOWN:
		*interval += SLOW_DOWN_STEP;
		if (*interval > MAX_INTERVAL)
			*interval = MAX_INTERVAL;
		rc = 1;
		break;
	case K_EXPIRED:
		rc = authorization_expired(err, f->sc, "ExpiredTokenException");
		break;
	case K_DENIED:
		tfa_err_set(err, TFA_EAWS, "the login was denied in the browser");
		tfa_err_hint(err, "run 'tfauth-refresh %s' again and choose Allow on the "
			     "page it opens", profile_name(f->sc));
		copy_small(err->aws_code, sizeof(err->aws_code), "AccessDeniedException");
		break;
	default:
		break;
	}
out:
	return rc;
}

/*
 * The device authorization, as aws-cli's SSOTokenFetcher._poll_for_token:
 * one CreateToken at once (a pre-approved client needs no prompt), then
 * show, then poll.  Unlike aws-cli, the loop waits an interval before each
 * later attempt (RFC 8628 §3.5: the first poll after show would otherwise
 * come with no pause) and stops at the device code's expiresIn instead of
 * relying on the service to end it.
 */
static int
device_flow(struct tfa_sso_token *out, struct flow *f, struct tfa_err *err)
{
	struct registration r = { 0 };
	struct device_auth a = { 0 };
	struct tfa_sso_token t;
	time_t deadline;
	long interval, polls, max_polls;
	int rc, cached;

	tfa_sso_token_init(&t);
	if ((rc = get_registration(&r, &cached, f, 0, err)) < 0)
		goto out;
	rc = start_authorization(&a, f, &r, err);
	if (rc == TFA_EAWS && cached && strcmp(err->aws_code, "InvalidClientException") == 0) {
		/* A cached registration the service no longer knows: a new one. */
		registration_dispose(&r);
		if ((rc = get_registration(&r, &cached, f, 1, err)) < 0)
			goto out;
		rc = start_authorization(&a, f, &r, err);
	}
	if (rc < 0)
		goto out;
	deadline = tfa_ctx_now(f->ctx) + a.expires_in;
	interval = a.interval;
	rc = poll_once(&t, &interval, f, &r, &a, err);
	if (rc > 0)
		f->ui->show(f->ui->data, a.uri, a.uri_complete, a.user_code,
			    a.expires_in);
	/* With interval >= 1 s, expiresIn bounds the polls even if the clock
	 * stood still. */
	max_polls = a.expires_in + 1;
	for (polls = 0; rc > 0; polls++) {
		wait_for(f, interval, deadline);
		if (tfa_ctx_now(f->ctx) >= deadline || polls >= max_polls) {
			rc = authorization_expired(err, f->sc, "");
			break;
		}
		rc = poll_once(&t, &interval, f, &r, &a, err);
	}
	if (rc < 0)
		goto out;
	t.client_id = tfa_xstrdup(r.client_id);
	t.client_secret = tfa_xstrdup(r.client_secret);
	t.registration_expires_at = r.expires_at;
	t.start_url = tfa_xstrdup(f->sc->start_url);
	t.region = tfa_xstrdup(f->sc->region);
	*out = t;
	tfa_sso_token_init(&t);
out:
	tfa_sso_token_dispose(&t);
	device_auth_dispose(&a);
	registration_dispose(&r);
	return rc;
}

/* t: the cached token, or NULL when there is none. */
static int
login_needed(struct tfa_err *err, const struct tfa_sso_config *sc,
	     const struct tfa_sso_token *t, time_t now, const char *refresh_code)
{
	if (!t)
		tfa_err_set(err, TFA_ELOGIN, "there is no SSO login for '%s' yet",
			    tfa__sso_login_name(sc));
	else if (t->expires_at > now) /* TFA_SSO_FORCE */
		tfa_err_set(err, TFA_ELOGIN, "a new SSO session for '%s' needs a login "
			    "in the browser", tfa__sso_login_name(sc));
	else if (refresh_code && *refresh_code)
		tfa_err_set(err, TFA_ELOGIN, "the SSO session for '%s' has expired and "
			    "could not be refreshed (%s)", tfa__sso_login_name(sc), refresh_code);
	else
		tfa_err_set(err, TFA_ELOGIN, "the SSO session for '%s' has expired",
			    tfa__sso_login_name(sc));
	tfa_err_hint(err, "log in with 'tfauth-refresh %s'", profile_name(sc));
	return TFA_ELOGIN;
}

static void
take(struct tfa_sso_token *dst, struct tfa_sso_token *src)
{
	*dst = *src;
	tfa_sso_token_init(src);
}

int
tfa_sso_token_get(struct tfa_sso_token *token, struct tfa_ctx *ctx,
		  const struct tfa_config *cfg, const struct tfa_sso_config *sc,
		  unsigned flags, const struct tfa_sso_ui *ui, struct tfa_err *err)
{
	struct flow f;
	struct tfa_buf path;
	struct tfa_sso_token first, cur, fresh;
	json_t *base = NULL;
	enum oauth_kind kind = K_NONE;
	const char *why;
	char refresh_code[64] = "";
	int rc, found = 0, found2 = 0, lock = -1;
	int force = !!(flags & TFA_SSO_FORCE);
	int interactive = !(flags & TFA_SSO_NONINTERACTIVE) && ui && ui->show;
	long window;
	time_t now;

	memset(&f, 0, sizeof(f));
	f.ctx = ctx;
	f.cfg = cfg;
	f.sc = sc;
	f.ui = ui;
	tfa_sso_token_init(&first);
	tfa_sso_token_init(&cur);
	tfa_sso_token_init(&fresh);
	if ((rc = cache_path(&path, ctx, sc->cache_key, err)) < 0)
		goto out;
	if ((rc = tfa_cache_refresh_window(&window, ctx, err)) < 0)
		goto out;
	if ((rc = load_token(&first, NULL, &found, &why, path.ptr, sc, err)) < 0)
		goto out;
	now = tfa_ctx_now(ctx);
	if (found && !force && (long long)first.expires_at - (long long)now > window) {
		take(token, &first);
		goto out;
	}
	/* Nothing this call may do without prompting: say so, no network. */
	if (!interactive && !(found && can_refresh(&first, now))) {
		if (found && !force && first.expires_at > now)
			take(token, &first);
		else
			rc = login_needed(err, sc, found ? &first : NULL, now, NULL);
		goto out;
	}

	if ((rc = tfa_cache_lock(&lock, path.ptr, LOCK_WAIT, err)) < 0)
		goto out;
	/* Another process may have logged in or refreshed while we waited. */
	if ((rc = load_token(&cur, &base, &found2, &why, path.ptr, sc, err)) < 0)
		goto out;
	now = tfa_ctx_now(ctx);
	if (found2 && (long long)cur.expires_at - (long long)now > window &&
	    (!force || !found || strcmp(cur.access_token, first.access_token) != 0)) {
		take(token, &cur);
		goto out;
	}
	if (found2 && can_refresh(&cur, now)) {
		rc = refresh(&fresh, &kind, &f, &cur, err);
		if (rc == 0) {
			if ((rc = store_token(path.ptr, base, &fresh, err)) == 0)
				take(token, &fresh);
			goto out;
		}
		/* Only an answer from the service (a revoked or expired refresh
		 * token, an unknown client) calls for a new login; other
		 * failures are returned, except to a caller that cannot prompt
		 * and still holds an unexpired token (botocore, too, keeps a
		 * token whose early refresh failed).  A throttled or failing
		 * service (429, 5xx) said nothing about the token: a new login
		 * would only meet the same storm, after a client registration
		 * written for nothing. */
		if ((rc != TFA_EAWS || err->http_status == 429 ||
		     err->http_status >= 500) &&
		    (interactive || force || cur.expires_at <= now))
			goto out;
		copy_small(refresh_code, sizeof(refresh_code), err->aws_code);
	}
	if (!interactive) {
		if (found2 && !force && cur.expires_at > now) {
			rc = 0;
			take(token, &cur);
		} else {
			rc = login_needed(err, sc, found2 ? &cur : NULL, now, refresh_code);
		}
		goto out;
	}
	tfa_sso_token_dispose(&fresh);
	if ((rc = device_flow(&fresh, &f, err)) < 0)
		goto out;
	if ((rc = store_token(path.ptr, NULL, &fresh, err)) == 0)
		take(token, &fresh);
out:
	tfa_cache_unlock(lock);
	json_free_wiped(base);
	tfa_sso_token_dispose(&first);
	tfa_sso_token_dispose(&cur);
	tfa_sso_token_dispose(&fresh);
	if (f.have_oidc)
		tfa_endpoint_dispose(&f.oidc);
	tfa_buf_dispose(&path);
	return rc;
}

/* --------------------------------------------------------------- portal */

static void
unauthorized(struct tfa_err *err, const struct tfa_sso_config *sc)
{
	char rid[sizeof(err->request_id)];

	memcpy(rid, err->request_id, sizeof(rid));
	/* botocore's UnauthorizedSSOTokenError, in tfauth's words */
	tfa_err_set(err, TFA_EAWS, "the SSO session associated with this profile has "
		    "expired or is otherwise invalid");
	tfa_err_hint(err, "run 'tfauth-refresh %s'", profile_name(sc));
	copy_small(err->aws_code, sizeof(err->aws_code), "UnauthorizedException");
	memcpy(err->request_id, rid, sizeof(rid));
	err->http_status = 401;
}

static int
portal_url(struct tfa_buf *url, const struct tfa_endpoint *ep,
	   const struct tfa_sso_config *sc)
{
	if (tfa_buf_adds(url, ep->url) < 0 ||
	    tfa_buf_adds(url, "/federation/credentials?role_name=") < 0 ||
	    tfa_uri_encode(url, sc->role_name, strlen(sc->role_name), 0) < 0 ||
	    tfa_buf_adds(url, "&account_id=") < 0 ||
	    tfa_uri_encode(url, sc->account_id, strlen(sc->account_id), 0) < 0)
		return -1;
	return 0;
}

int
tfa_sso_role_credentials(struct tfa_creds *out, struct tfa_ctx *ctx,
			 const struct tfa_config *cfg, const struct tfa_sso_config *sc,
			 const struct tfa_sso_token *token, struct tfa_err *err)
{
	struct call c = { 0 };
	struct tfa_endpoint ep;
	struct tfa_buf url = TFA_BUF_INIT;
	struct tfa_http_request req;
	struct tfa_creds cr;
	json_t *reply = NULL, *rc_obj;
	const char *akid, *secret, *st;
	char acct[64], role[128];
	long long ms;
	int rc, have_ep = 0;

	c.ctx = ctx;
	c.service = "SSO";
	c.action = "GetRoleCredentials";
	c.what = "the SSO portal";
	c.env = "AWS_ENDPOINT_URL_SSO";
	c.hide[0] = token->access_token;
	tfa_creds_init(&cr);
	tfa_http_request_init(&req, "GET", "");
	if (!token->access_token || !visible_ascii(token->access_token)) {
		rc = tfa_err_set(err, TFA_EINVAL, "the SSO token for '%s' has no valid "
				 "access token", tfa__sso_login_name(sc));
		tfa_err_hint(err, "log in with 'tfauth-refresh %s'", profile_name(sc));
		goto out;
	}
	if ((rc = resolve(&ep, ctx, cfg, sc, TFA_SERVICE_SSO, err)) < 0)
		goto out;
	have_ep = 1;
	if (portal_url(&url, &ep, sc) < 0) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "SSO GetRoleCredentials: the URL is "
				 "too long");
		goto out;
	}
	free(req.url);
	req.url = tfa_buf_detach(&url);
	tfa_http_request_add_header(&req, "x-amz-sso_bearer_token", token->access_token);
	rc = do_call(&reply, &c, &req, err);
	if (rc == TFA_EAWS && (strcmp(err->aws_code, "UnauthorizedException") == 0 ||
			       (!err->aws_code[0] && err->http_status == 401))) {
		unauthorized(err, sc);
		goto out;
	}
	if (rc == TFA_EAWS && (strcmp(err->aws_code, "ForbiddenException") == 0 ||
			       strcmp(err->aws_code, "ResourceNotFoundException") == 0)) {
		tfa_clean_text(acct, sizeof(acct), sc->account_id);
		tfa_clean_text(role, sizeof(role), sc->role_name);
		tfa_err_hint(err, "check sso_account_id '%s' and sso_role_name '%s' of "
			     "profile '%s': the SSO user must be assigned that role "
			     "in that account", acct, role, profile_name(sc));
		goto out;
	}
	if (rc < 0)
		goto out;
	rc_obj = json_object_get(reply, "roleCredentials");
	akid = str_member(rc_obj, "accessKeyId");
	secret = str_member(rc_obj, "secretAccessKey");
	st = str_member(rc_obj, "sessionToken");
	if (!json_is_object(rc_obj)) {
		rc = bad_reply(err, &c, req.url, "roleCredentials");
	} else if (!akid || !visible_ascii(akid)) {
		rc = bad_reply(err, &c, req.url, "roleCredentials.accessKeyId");
	} else if (!secret) {
		rc = bad_reply(err, &c, req.url, "roleCredentials.secretAccessKey");
	} else if (!st) {
		rc = bad_reply(err, &c, req.url, "roleCredentials.sessionToken");
	} else if (!int_member(&ms, rc_obj, "expiration", 1, MAX_EPOCH * 1000)) {
		rc = bad_reply(err, &c, req.url, "roleCredentials.expiration");
	}
	if (rc < 0)
		goto out;
	cr.access_key_id = tfa_xstrdup(akid);
	cr.secret_access_key = tfa_xstrdup(secret);
	cr.session_token = tfa_xstrdup(st);
	cr.expiration = (time_t)(ms / 1000);
	cr.account_id = tfa_xstrdup(sc->account_id);
	*out = cr;
	tfa_creds_init(&cr);
out:
	json_free_wiped(reply);
	tfa_creds_dispose(&cr);
	tfa_http_request_dispose(&req);
	tfa_buf_dispose(&url);
	if (have_ep)
		tfa_endpoint_dispose(&ep);
	return rc;
}
