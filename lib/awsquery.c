/*
 * awsquery — see awsquery.h.
 *
 * The reply parser is a small expat-driven collector: every start tag adds
 * an element (path, depth, empty secret text) to a flat list, character
 * data goes to the innermost open element, and an end tag trims that
 * element's text.  expat itself runs on a memory suite that wipes every
 * block it frees, since its buffers hold the same secrets as ours.
 */
#include "awsquery.h"
#include "buf.h"
#include "http.h"
#include "sigv4.h"

#include <expat.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------- expat's memory, wiped */

/* Each block carries its size in front, so that free can wipe it. */
union blockhead {
	size_t size;
	max_align_t align;
};

static void *
wiped_malloc(size_t n)
{
	union blockhead *h;

	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->size = n;
	return h + 1;
}

static void
wiped_free(void *p)
{
	union blockhead *h;

	if (!p)
		return;
	h = (union blockhead *)p - 1;
	OPENSSL_cleanse(p, h->size);
	free(h);
}

static void *
wiped_realloc(void *p, size_t n)
{
	union blockhead *h;
	void *q;

	if (!p)
		return wiped_malloc(n);
	h = (union blockhead *)p - 1;
	q = wiped_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, h->size < n ? h->size : n);
	wiped_free(p);
	return q;
}

static const XML_Memory_Handling_Suite wiped_suite = {
	wiped_malloc, wiped_realloc, wiped_free
};

/* -------------------------------------------------------- the document */

void
tfa_awsquery_doc_init(struct tfa_awsquery_doc *d)
{
	memset(d, 0, sizeof(*d));
}

void
tfa_awsquery_doc_dispose(struct tfa_awsquery_doc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->elems[i].path);
		tfa_buf_dispose(&d->elems[i].text);
	}
	free(d->elems);
	memset(d, 0, sizeof(*d));
}

const char *
tfa_awsquery_root(const struct tfa_awsquery_doc *d)
{
	return d->n ? d->elems[0].path : "";
}

const struct tfa_awsquery_elem *
tfa_awsquery_find(const struct tfa_awsquery_doc *d, const char *path,
		  size_t from, size_t *index)
{
	size_t i;

	for (i = from; i < d->n; i++) {
		if (strcmp(d->elems[i].path, path) == 0) {
			if (index)
				*index = i;
			return &d->elems[i];
		}
	}
	return NULL;
}

const char *
tfa_awsquery_get(const struct tfa_awsquery_doc *d, const char *path)
{
	const struct tfa_awsquery_elem *e = tfa_awsquery_find(d, path, 0, NULL);

	return e ? e->text.ptr : NULL;
}

/* ------------------------------------------------------------ the parser */

struct collector {
	XML_Parser parser;
	struct tfa_awsquery_doc *doc;
	size_t open[TFA_AWSQUERY_MAX_DEPTH]; /* element index per open level */
	unsigned depth;
	size_t total;       /* bytes of text and paths so far */
	int code;           /* our reason to stop, 0 while none */
	struct tfa_err *err;
};

static void
stop(struct collector *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
stop(struct collector *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (c->code)
		return;
	va_start(ap, fmt);
	tfa_err_vset(c->err, code, fmt, ap);
	va_end(ap);
	c->code = code;
	XML_StopParser(c->parser, XML_FALSE);
}

static int
count_bytes(struct collector *c, size_t n)
{
	if (n > TFA_AWSQUERY_MAX_TEXT || c->total > TFA_AWSQUERY_MAX_TEXT - n) {
		stop(c, TFA_ETOOBIG, "the reply holds more than %zu bytes of text",
		     TFA_AWSQUERY_MAX_TEXT);
		return -1;
	}
	c->total += n;
	return 0;
}

static void XMLCALL
on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct collector *c = data;
	struct tfa_awsquery_doc *d = c->doc;
	struct tfa_awsquery_elem *e;
	const char *local = strrchr(name, ':');
	size_t nlen, plen = 0;
	char *path;

	(void)attrs;
	/* "a:x" is x; a name that ends in ':' has no prefix to drop (expat
	 * runs without namespace rules, so "a:" is a name), and an empty
	 * step would make the root "", the empty document's. */
	local = local && local[1] ? local + 1 : name;
	nlen = strlen(local);
	if (c->code)
		return;
	if (c->depth >= TFA_AWSQUERY_MAX_DEPTH) {
		stop(c, TFA_EINVAL, "the reply nests elements deeper than %d levels",
		     TFA_AWSQUERY_MAX_DEPTH);
		return;
	}
	if (nlen > TFA_AWSQUERY_MAX_NAME) {
		stop(c, TFA_ETOOBIG, "the reply has an element name longer than "
		     "%d bytes", TFA_AWSQUERY_MAX_NAME);
		return;
	}
	if (d->n >= TFA_AWSQUERY_MAX_ELEMS) {
		stop(c, TFA_ETOOBIG, "the reply has more than %d elements",
		     TFA_AWSQUERY_MAX_ELEMS);
		return;
	}
	if (c->depth)
		plen = strlen(d->elems[c->open[c->depth - 1]].path) + 1;
	if (count_bytes(c, plen + nlen) < 0)
		return;
	path = tfa_xmalloc(plen + nlen + 1);
	if (plen) {
		memcpy(path, d->elems[c->open[c->depth - 1]].path, plen - 1);
		path[plen - 1] = '/';
	}
	memcpy(path + plen, local, nlen + 1);
	d->elems = tfa_xgrow(d->elems, &d->alloc, d->n + 1, sizeof(*d->elems));
	e = &d->elems[d->n];
	e->path = path;
	e->depth = c->depth + 1;
	tfa_buf_init_secret(&e->text, TFA_AWSQUERY_MAX_TEXT);
	c->open[c->depth++] = d->n++;
}

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void XMLCALL
on_end(void *data, const XML_Char *name)
{
	struct collector *c = data;
	struct tfa_buf *t;
	size_t a = 0, z;

	(void)name;
	if (c->code || c->depth == 0)
		return;
	t = &c->doc->elems[c->open[--c->depth]].text;
	z = t->len;
	while (a < z && is_space((unsigned char)t->ptr[a]))
		a++;
	while (z > a && is_space((unsigned char)t->ptr[z - 1]))
		z--;
	if (a || z < t->len) {
		/* In place: the tail left behind is wiped when t is disposed. */
		memmove(t->ptr, t->ptr + a, z - a);
		tfa_buf_setlen(t, z - a);
	}
}

static void XMLCALL
on_text(void *data, const XML_Char *s, int len)
{
	struct collector *c = data;

	if (c->code || c->depth == 0 || len <= 0)
		return;
	if (count_bytes(c, (size_t)len) < 0)
		return;
	if (tfa_buf_add(&c->doc->elems[c->open[c->depth - 1]].text, s,
			(size_t)len) < 0)
		stop(c, TFA_ETOOBIG, "the reply holds more than %zu bytes of text",
		     TFA_AWSQUERY_MAX_TEXT);
}

static void XMLCALL
on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
	   const XML_Char *pubid, int has_internal_subset)
{
	struct collector *c = data;

	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	if (name && strcasecmp(name, "html") == 0)
		stop(c, TFA_EINVAL, "the reply is an HTML page, not XML");
	else
		stop(c, TFA_EINVAL, "the reply has a DOCTYPE, which AWS never sends");
}

int
tfa_awsquery_parse(struct tfa_awsquery_doc *out, const char *xml, size_t n,
		   struct tfa_err *err)
{
	struct collector c;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.doc = out;
	c.err = err;
	if (n > INT_MAX)
		return tfa_err_set(err, TFA_ETOOBIG, "the reply is too big to parse");
	c.parser = XML_ParserCreate_MM(NULL, &wiped_suite, NULL);
	if (!c.parser) {
		/* expat fails only for want of memory; tfa_x* would abort. */
		fprintf(stderr, "tfauth: out of memory creating an XML parser\n");
		abort();
	}
	XML_SetUserData(c.parser, &c);
	XML_SetElementHandler(c.parser, on_start, on_end);
	XML_SetCharacterDataHandler(c.parser, on_text);
	XML_SetStartDoctypeDeclHandler(c.parser, on_doctype);
	if (XML_Parse(c.parser, xml, (int)n, XML_TRUE) == XML_STATUS_ERROR) {
		if (c.code) {
			rc = c.code;
			goto out;
		}
		rc = tfa_err_set(err, TFA_EINVAL,
				 "the reply is not well-formed XML (%s at line %lu, "
				 "column %lu)",
				 XML_ErrorString(XML_GetErrorCode(c.parser)),
				 (unsigned long)XML_GetCurrentLineNumber(c.parser),
				 (unsigned long)XML_GetCurrentColumnNumber(c.parser) + 1);
		goto out;
	}
	if (c.code)
		rc = c.code;
out:
	XML_ParserFree(c.parser);
	if (rc < 0)
		tfa_awsquery_doc_dispose(out);
	return rc;
}

/* ------------------------------------------------------------ HTTP dates */

int
tfa_awsquery_parse_date(time_t *out, const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	const char *m;
	int v[6], i, k;
	time_t t;
	/* Offsets of day, year, hour, minute, second in "Sun, 06 Nov 1994 08:49:37 GMT". */
	static const struct {
		int off, len;
	} f[] = { { 5, 2 }, { 12, 4 }, { 17, 2 }, { 20, 2 }, { 23, 2 } };

	if (!s || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    strcmp(s + 25, " GMT") != 0)
		return -1;
	for (i = 0; i < 5; i++) {
		v[i] = 0;
		for (k = 0; k < f[i].len; k++) {
			char ch = s[f[i].off + k];
			if (ch < '0' || ch > '9')
				return -1;
			v[i] = v[i] * 10 + (ch - '0');
		}
	}
	for (m = months; *m; m += 3)
		if (strncmp(m, s + 8, 3) == 0)
			break;
	if (!*m || v[0] < 1 || v[0] > 31 || v[2] > 23 || v[3] > 59 || v[4] > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = v[0];
	tm.tm_mon = (int)((m - months) / 3);
	tm.tm_year = v[1] - 1900;
	tm.tm_hour = v[2];
	tm.tm_min = v[3];
	tm.tm_sec = v[4] > 59 ? 59 : v[4];
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != v[0])
		return -1; /* timegm normalised a 31 Feb */
	*out = t;
	return 0;
}

/* ---------------------------------------------------------- the request */

void
tfa_awsquery_reply_init(struct tfa_awsquery_reply *r)
{
	memset(r, 0, sizeof(*r));
	tfa_awsquery_doc_init(&r->doc);
}

void
tfa_awsquery_reply_dispose(struct tfa_awsquery_reply *r)
{
	tfa_awsquery_doc_dispose(&r->doc);
	memset(r, 0, sizeof(*r));
}

/* End a message that snprintf cut with "...", so the cut shows. */
static void
mark_cut(char *msg, size_t size)
{
	memcpy(msg + size - 4, "...", 4);
}

/* Put "STS GetCallerIdentity: " in front of err's message. */
static void
prefix_err(struct tfa_err *err, const struct tfa_awsquery_call *call)
{
	char tmp[sizeof(err->msg)];
	int n;

	memcpy(tmp, err->msg, sizeof(tmp));
	n = snprintf(err->msg, sizeof(err->msg), "%s %s: %s", call->service,
		     call->action, tmp);
	if (n < 0)
		memcpy(err->msg, tmp, sizeof(tmp)); /* keep it unprefixed */
	else if ((size_t)n >= sizeof(err->msg))
		mark_cut(err->msg, sizeof(err->msg));
}

static int
add_param(struct tfa_buf *body, const char *name, const char *value)
{
	if (body->len && tfa_buf_addch(body, '&') < 0)
		return TFA_ETOOBIG;
	if (tfa_uri_encode(body, name, strlen(name), 0) < 0 ||
	    tfa_buf_addch(body, '=') < 0 ||
	    tfa_uri_encode(body, value, strlen(value), 0) < 0)
		return TFA_ETOOBIG;
	return 0;
}

/* The endpoint as a request URL: http(s), no query, "/" when no path. */
static int
request_url(char **out, const struct tfa_awsquery_call *call,
	    struct tfa_err *err)
{
	const char *e = call->endpoint, *host;
	struct tfa_buf b = TFA_BUF_INIT;

	if (!e || !*e)
		return tfa_err_set(err, TFA_EINVAL, "no %s endpoint", call->service);
	if (strncasecmp(e, "https://", 8) == 0)
		host = e + 8;
	else if (strncasecmp(e, "http://", 7) == 0)
		host = e + 7;
	else
		return tfa_err_set(err, TFA_EINVAL,
				   "%s endpoint '%s' is not an http:// or https:// URL",
				   call->service, e);
	if (!*host || *host == '/' || strpbrk(e, "?# \t\r\n"))
		return tfa_err_set(err, TFA_EINVAL,
				   "%s endpoint '%s' is not a plain URL "
				   "(scheme://host[:port][/path])", call->service, e);
	tfa_buf_adds(&b, e);
	if (!strchr(host, '/'))
		tfa_buf_addch(&b, '/');
	*out = tfa_buf_detach(&b);
	return 0;
}

int
tfa_awsquery_build(struct tfa_http_request *req, struct tfa_ctx *ctx,
		   const struct tfa_awsquery_call *call, struct tfa_err *err)
{
	struct tfa_sigv4_params sp;
	char *url = NULL;
	size_t i;
	int rc;

	tfa_http_request_init(req, "POST", "");
	if ((rc = request_url(&url, call, err)) < 0)
		goto out;
	free(req->url);
	req->url = url;
	url = NULL;
	tfa_http_request_add_header(req, "Content-Type",
				    "application/x-www-form-urlencoded; charset=utf-8");
	rc = add_param(&req->body, "Action", call->action);
	if (rc == 0)
		rc = add_param(&req->body, "Version", call->version);
	for (i = 0; rc == 0 && i < call->nparams; i++)
		if (call->params[i].value)
			rc = add_param(&req->body, call->params[i].name,
				       call->params[i].value);
	if (rc < 0) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "the request is too big");
		goto out;
	}
	if (!call->creds)
		goto out; /* unsigned: AssumeRoleWithWebIdentity */
	if (!call->creds->access_key_id || !*call->creds->access_key_id ||
	    !call->creds->secret_access_key || !*call->creds->secret_access_key) {
		rc = tfa_err_set(err, TFA_EINVAL, "no credentials to sign the "
				 "request with");
		tfa_err_hint(err, "run 'tfauth-doctor' to see which credentials "
			     "were found");
		goto out;
	}
	if (!call->region || !*call->region) {
		rc = tfa_err_set(err, TFA_EINVAL, "no region to sign the request "
				 "for");
		tfa_err_hint(err, "set AWS_REGION or the profile's region");
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.region = call->region;
	sp.service = call->signing_name;
	sp.now = tfa_ctx_now(ctx);
	sp.normalize_path = 1;
	rc = tfa_sigv4_sign_request(req, call->creds, &sp, err);
out:
	if (rc < 0)
		prefix_err(err, call);
	return rc;
}

/* ------------------------------------------------------------ the reply */


static int
status_ok(long status)
{
	return status >= 200 && status <= 299;
}

/* "the reply came from 'URL' (HTTP 200)" and the endpoint variable. */
static void
proxy_hint(struct tfa_err *err, const struct tfa_awsquery_call *call,
	   const struct tfa_http_request *req, long status)
{
	char *shown = tfa_http_display_url(req->url);

	tfa_err_hint(err, "the reply came from '%s' with HTTP %ld; check "
		     "HTTPS_PROXY, HTTP_PROXY and AWS_ENDPOINT_URL_%s", shown,
		     status, call->service);
	free(shown);
}

static int
not_xml(struct tfa_err *err, const struct tfa_awsquery_call *call,
	const struct tfa_http_request *req, const struct tfa_http_response *resp,
	const char *what)
{
	char what_clean[96];

	tfa_clean_text(what_clean, sizeof(what_clean), what);
	tfa_err_set(err, status_ok(resp->status) ? TFA_EINVAL : TFA_EAWS,
		    "%s %s: %s answered with something that is not XML (%s); "
		    "is a proxy in the way?", call->service, call->action,
		    call->service, what_clean);
	proxy_hint(err, call, req, resp->status);
	return err->code;
}

/* A Content-Type that says the body is not XML. */
static int
ct_not_xml(const char *ct)
{
	return ct && (strcasestr(ct, "html") || strcasestr(ct, "json"));
}

/*
 * What the reply looks like, when its first bytes show it is not XML (an
 * HTML page, JSON, text); NULL otherwise.  The body decides, not the
 * Content-Type: moto labels its XML errors text/html.
 */
static const char *
non_xml_kind(const struct tfa_http_response *resp)
{
	const char *ct = tfa_http_response_header(resp, "content-type");
	const char *p = resp->body.ptr, *end = p + resp->body.len;

	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end && is_space((unsigned char)*p))
		p++;
	if ((end - p >= 5 && strncasecmp(p, "<html", 5) == 0) ||
	    (end - p >= 14 && strncasecmp(p, "<!doctype html", 14) == 0))
		return ct && strcasestr(ct, "html") ? ct : "an HTML page";
	if (p < end && *p != '<')
		return ct ? ct : "no Content-Type";
	return NULL;
}

/* An error for a non-2xx reply that is not an AWS error document. */
static int
status_err(struct tfa_err *err, const struct tfa_awsquery_call *call,
	   const struct tfa_http_request *req,
	   const struct tfa_http_response *resp)
{
	char rid[sizeof(err->request_id)];

	memcpy(rid, err->request_id, sizeof(rid));
	tfa_http_status_err(err, req, resp);
	memcpy(err->request_id, rid, sizeof(rid));
	prefix_err(err, call);
	return err->code;
}

static int
has_prefix(const char *s, const char *p)
{
	return s && strncmp(s, p, strlen(p)) == 0;
}

static void
code_hint(struct tfa_err *err, const struct tfa_awsquery_call *call,
	  const char *code, const char *msg)
{
	const char *profile = call->profile && *call->profile ? call->profile :
							      "PROFILE";
	const struct tfa_creds *cr = call->creds;
	char masked[32] = "";
	int web = strcmp(call->action, "AssumeRoleWithWebIdentity") == 0;

	if (cr && cr->access_key_id && *cr->access_key_id)
		tfa_mask(masked, sizeof(masked), cr->access_key_id);
	else
		memcpy(masked, "(none)", 7);
	if (strstr(msg, "Signature expired") || strcmp(code, "RequestExpired") == 0 ||
	    strcmp(code, "RequestTimeTooSkewed") == 0 ||
	    strcmp(code, "InvalidSignatureException") == 0) {
		tfa_err_hint(err, "this machine's clock is more than 5 minutes off "
			     "AWS's: check it ('timedatectl status'; 'tfauth-doctor' "
			     "measures the skew)");
	} else if (strcmp(code, "InvalidClientTokenId") == 0 ||
		   strcmp(code, "UnrecognizedClientException") == 0) {
		if (cr && has_prefix(cr->access_key_id, "ASIA") && !cr->session_token)
			tfa_err_hint(err, "key %s is a temporary key (ASIA...) sent "
				     "without its session token: set "
				     "AWS_SESSION_TOKEN, or get fresh credentials "
				     "with 'tfauth-refresh %s'", masked, profile);
		else
			tfa_err_hint(err, "AWS does not know access key %s: it was "
				     "deleted or deactivated, or it is a temporary "
				     "key without its session token; run "
				     "'tfauth-doctor' to see where it comes from",
				     masked);
	} else if (strcmp(code, "SignatureDoesNotMatch") == 0) {
		tfa_err_hint(err, "the secret access key is not the one of key %s: "
			     "set the right pair with 'tfauth-profile set-keys %s'",
			     masked, profile);
	} else if (strcmp(code, "IncompleteSignature") == 0) {
		tfa_err_hint(err, "something changed the signed request on its way "
			     "(a proxy?); check HTTPS_PROXY and AWS_ENDPOINT_URL_%s",
			     call->service);
	} else if (web && (strcmp(code, "ExpiredTokenException") == 0 ||
			   strcmp(code, "ExpiredToken") == 0)) {
		tfa_err_hint(err, "the web identity token has expired: get a fresh "
			     "one (AWS_WEB_IDENTITY_TOKEN_FILE) and try again");
	} else if (strcmp(code, "ExpiredToken") == 0 ||
		   strcmp(code, "ExpiredTokenException") == 0 ||
		   strcmp(code, "TokenRefreshRequired") == 0) {
		tfa_err_hint(err, "the session has expired: get fresh credentials "
			     "with 'tfauth-refresh %s'", profile);
	} else if (strcmp(code, "InvalidIdentityToken") == 0 ||
		   strcmp(code, "IDPRejectedClaim") == 0) {
		tfa_err_hint(err, "the identity provider's token was refused: check "
			     "AWS_WEB_IDENTITY_TOKEN_FILE and the role's OIDC "
			     "provider and audience");
	} else if (strcmp(code, "AccessDenied") == 0 && strstr(msg, "MultiFactor")) {
		tfa_err_hint(err, "the MFA code was wrong or already used: wait for "
			     "the next one and run 'tfauth-refresh %s'", profile);
	} else if (strcmp(code, "AccessDenied") == 0 &&
		   strcmp(call->action, "AssumeRole") == 0) {
		tfa_err_hint(err, "the caller lacks sts:AssumeRole on the role, or "
			     "the role's trust policy does not trust the caller; "
			     "check both in IAM ('tfauth-doctor %s' shows the caller)",
			     profile);
	} else if (strcmp(code, "AccessDenied") == 0 && web) {
		tfa_err_hint(err, "the role's trust policy does not trust this "
			     "identity provider, audience or subject");
	} else if (strcmp(code, "AccessDenied") == 0 &&
		   strcmp(call->action, "GetSessionToken") == 0 &&
		   strstr(msg, "session credentials")) {
		tfa_err_hint(err, "GetSessionToken needs long-term keys: use the "
			     "source profile's keys, not temporary ones");
	} else if (strcmp(code, "AccessDenied") == 0) {
		tfa_err_hint(err, "these credentials lack %s:%s; use a profile that "
			     "has it or ask an administrator",
			     call->signing_name, call->action);
	} else if (strcmp(code, "MissingAuthenticationToken") == 0) {
		tfa_err_hint(err, "the request carried no credentials; run "
			     "'tfauth-doctor'");
	} else if (strcmp(code, "RegionDisabledException") == 0) {
		tfa_err_hint(err, "STS is not activated in region '%s': activate "
			     "it in IAM (Account settings), or use another region",
			     call->region ? call->region : "");
	} else if (strcmp(code, "Throttling") == 0 ||
		   strcmp(code, "ThrottlingException") == 0 ||
		   strcmp(code, "RequestLimitExceeded") == 0) {
		tfa_err_hint(err, "AWS is throttling these calls: wait a minute and "
			     "try again");
	} else if (strcmp(code, "InternalFailure") == 0 ||
		   strcmp(code, "InternalError") == 0 ||
		   strcmp(code, "ServiceUnavailable") == 0) {
		tfa_err_hint(err, "AWS failed to answer: try again in a minute");
	} else if (strcmp(code, "NoSuchEntity") == 0) {
		tfa_err_hint(err, "check the name; 'tfauth-doctor %s' shows whose "
			     "keys these are", profile);
	}
}

/*
 * The AWS error document in doc, when it is one: fill err and return
 * TFA_EAWS; else 0.
 */
/*
 * Whether s quotes a secret the call sent: a WebIdentityToken (an OIDC
 * token, valid for hours).  A TokenCode is not looked for: it is six
 * digits, good for seconds, and would match account ids in the very
 * AccessDenied messages the user needs.
 */
static int
quotes_secret(const struct tfa_awsquery_call *call, const char *s)
{
	size_t i;

	for (i = 0; s && i < call->nparams; i++)
		if (strcmp(call->params[i].name, "WebIdentityToken") == 0 &&
		    call->params[i].value && *call->params[i].value &&
		    strstr(s, call->params[i].value))
			return 1;
	return 0;
}

static int
aws_error(struct tfa_err *err, const struct tfa_awsquery_call *call,
	  const struct tfa_awsquery_doc *doc, long status)
{
	const char *root = tfa_awsquery_root(doc), *base, *code, *msg, *rid;
	char path[64], code_c[64], msg_c[400], rid_c[80];
	size_t n;

	/*
	 * AWS: ErrorResponse/Error; moto: ErrorResponse/Errors/Error; EC2:
	 * Response/Errors/Error.
	 */
	if (strcmp(root, "ErrorResponse") == 0)
		base = tfa_awsquery_find(doc, "ErrorResponse/Error", 0, NULL) ?
			       "ErrorResponse/Error" : "ErrorResponse/Errors/Error";
	else if (strcmp(root, "Response") == 0)
		base = "Response/Errors/Error";
	else
		return 0;
	n = (size_t)snprintf(path, sizeof(path), "%s/Code", base);
	code = n < sizeof(path) ? tfa_awsquery_get(doc, path) : NULL;
	/* A code or message that echoes a secret we sent stays out. */
	if (!code || !*code || quotes_secret(call, code))
		return 0;
	n = (size_t)snprintf(path, sizeof(path), "%s/Message", base);
	msg = n < sizeof(path) ? tfa_awsquery_get(doc, path) : NULL;
	if (quotes_secret(call, msg))
		msg = NULL;
	n = (size_t)snprintf(path, sizeof(path), "%s/RequestId", root);
	rid = n < sizeof(path) ? tfa_awsquery_get(doc, path) : NULL;
	if (!rid) {
		n = (size_t)snprintf(path, sizeof(path), "%s/RequestID", root);
		rid = n < sizeof(path) ? tfa_awsquery_get(doc, path) : NULL;
	}
	tfa_clean_text(code_c, sizeof(code_c), code);
	tfa_clean_text(msg_c, sizeof(msg_c), msg ? msg : "");
	n = strlen(msg_c);
	if (n && msg_c[n - 1] == '.')
		msg_c[n - 1] = '\0'; /* git style; AWS is inconsistent anyway */
	if (msg_c[0])
		tfa_err_set(err, TFA_EAWS, "%s %s: %s: %s", call->service,
			    call->action, code_c, msg_c);
	else
		tfa_err_set(err, TFA_EAWS, "%s %s: %s (HTTP %ld)", call->service,
			    call->action, code_c, status);
	memcpy(err->aws_code, code_c, sizeof(err->aws_code));
	err->aws_code[sizeof(err->aws_code) - 1] = '\0';
	if (rid && *rid) {
		tfa_clean_text(rid_c, sizeof(rid_c), rid);
		memcpy(err->request_id, rid_c, sizeof(err->request_id));
	}
	code_hint(err, call, code_c, msg_c);
	return TFA_EAWS;
}

int
tfa_awsquery_bad_reply(struct tfa_err *err, const struct tfa_awsquery_call *call,
		       const struct tfa_awsquery_reply *reply, const char *fmt, ...)
{
	char what[300];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0)
		what[0] = '\0';
	else if ((size_t)n >= sizeof(what))
		mark_cut(what, sizeof(what));
	tfa_err_set(err, TFA_EINVAL, "%s %s: %s", call->service, call->action,
		    what);
	err->http_status = (int)reply->http_status;
	memcpy(err->request_id, reply->request_id, sizeof(err->request_id));
	tfa_err_hint(err, "is AWS_ENDPOINT_URL_%s pointing at the real %s? "
		     "(request id '%s')", call->service, call->service,
		     reply->request_id[0] ? reply->request_id : "none");
	return TFA_EINVAL;
}

int
tfa_awsquery_call(struct tfa_awsquery_reply *out, struct tfa_ctx *ctx,
		  const struct tfa_awsquery_call *call, struct tfa_err *err)
{
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_awsquery_reply r;
	const char *v, *kind;
	char want[128], rid[80] = "";
	long status = 0;
	int rc, n;

	tfa_http_response_init(&resp);
	tfa_awsquery_reply_init(&r);
	if ((rc = tfa_awsquery_build(&req, ctx, call, err)) < 0)
		goto out;
	if ((rc = tfa_http_send(ctx, &req, &resp, err)) < 0) {
		prefix_err(err, call);
		goto out;
	}
	status = resp.status;
	r.http_status = status;
	if ((v = tfa_http_response_header(&resp, "x-amzn-requestid")))
		tfa_clean_text(rid, sizeof(rid), v);
	if ((v = tfa_http_response_header(&resp, "date")) &&
	    tfa_awsquery_parse_date(&r.server_time, v) < 0)
		r.server_time = 0;
	tfa_err_clear(err);
	memcpy(err->request_id, rid, sizeof(rid));
	if (resp.body.len == 0) {
		if (status_ok(status))
			rc = tfa_err_set(err, TFA_EINVAL, "%s %s: %s answered HTTP "
					 "%ld with an empty body", call->service,
					 call->action, call->service, status);
		else
			rc = status_err(err, call, &req, &resp);
		if (status_ok(status))
			proxy_hint(err, call, &req, status);
		goto out;
	}
	if ((kind = non_xml_kind(&resp))) {
		rc = tfa_http_retryable(&resp) ? status_err(err, call, &req, &resp)
					       : not_xml(err, call, &req, &resp, kind);
		goto out;
	}
	if ((rc = tfa_awsquery_parse(&r.doc, resp.body.ptr, resp.body.len, err)) < 0) {
		v = tfa_http_response_header(&resp, "content-type");
		if (tfa_http_retryable(&resp)) {
			rc = status_err(err, call, &req, &resp);
		} else if (strstr(err->msg, "HTML") || ct_not_xml(v)) {
			rc = not_xml(err, call, &req, &resp,
				     ct_not_xml(v) ? v : "an HTML page");
		} else if (!status_ok(status)) {
			rc = status_err(err, call, &req, &resp);
		} else {
			prefix_err(err, call);
			proxy_hint(err, call, &req, status);
		}
		goto out;
	}
	if (strcasecmp(tfa_awsquery_root(&r.doc), "html") == 0) {
		rc = not_xml(err, call, &req, &resp, "an HTML page");
		goto out;
	}
	if ((rc = aws_error(err, call, &r.doc, status)) < 0) {
		/* Throttled or failing after the retries: say where, how often. */
		if (tfa_http_retryable(&resp))
			tfa_http_busy_hint(err, &req, &resp);
		goto out;
	}
	if (!status_ok(status)) {
		rc = status_err(err, call, &req, &resp);
		goto out;
	}
	if (!rid[0] && (n = snprintf(want, sizeof(want), "%sResponse/"
				     "ResponseMetadata/RequestId", call->action)) > 0 &&
	    (size_t)n < sizeof(want) && (v = tfa_awsquery_get(&r.doc, want)))
		tfa_clean_text(rid, sizeof(rid), v);
	memcpy(r.request_id, rid, sizeof(rid));
	n = snprintf(want, sizeof(want), "%sResponse", call->action);
	if (n < 0 || (size_t)n >= sizeof(want) ||
	    strcmp(tfa_awsquery_root(&r.doc), want) != 0) {
		char root[80];
		tfa_clean_text(root, sizeof(root), tfa_awsquery_root(&r.doc));
		rc = tfa_awsquery_bad_reply(err, call, &r, "the reply's root is "
					    "'%s', not '%s'", root, want);
		goto out;
	}
	*out = r;
	tfa_awsquery_reply_init(&r);
	rc = 0;
out:
	if (rc < 0) {
		if (!err->http_status)
			err->http_status = (int)status;
		if (!err->request_id[0])
			memcpy(err->request_id, rid, sizeof(rid));
	}
	tfa_awsquery_reply_dispose(&r);
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	return rc;
}
