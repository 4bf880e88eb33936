/* http — see http.h. */
#include "http.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef TFA_VERSION
#define TFA_VERSION "unknown"
#endif

#define DEFAULT_TIMEOUT_S     10
#define DEFAULT_MAX_ATTEMPTS  3
#define DEFAULT_RETRY_BASE_MS 100
/* The longest wait between attempts, in steps of the base: 100 ms -> 2 s. */
#define RETRY_CAP_STEPS       20
/* More reply headers than this is not an AWS endpoint talking. */
#define MAX_REPLY_HEADERS     256
/* Go's net/http never proxies loopback; Terraform users expect the same. */
#define ALWAYS_DIRECT         "localhost,127.0.0.1,::1"

/*
 * The throttling error codes of aws-sdk-go-v2 (aws/retry/throttle_error.go),
 * which Terraform's provider uses: a 4xx naming one is retried.
 */
static const char *const throttle_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
	NULL
};

/* Headers: shared by requests and responses. */

static void
headers_free(struct tfa_http_header **h, size_t *n, size_t *alloc)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free((*h)[i].name);
		tfa_secret_free((*h)[i].value); /* Authorization, tokens */
	}
	free(*h);
	*h = NULL;
	*n = 0;
	*alloc = 0;
}

/* Append a header, taking ownership of name and value. */
static void
headers_push(struct tfa_http_header **h, size_t *n, size_t *alloc, char *name,
	     char *value)
{
	*h = tfa_xgrow(*h, alloc, *n + 1, sizeof(**h));
	(*h)[*n].name = name;
	(*h)[*n].value = value;
	(*n)++;
}

static const char *
headers_find(const struct tfa_http_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void
tfa_http_request_init(struct tfa_http_request *r, const char *method,
		      const char *url)
{
	memset(r, 0, sizeof(*r));
	r->method = tfa_xstrdup(method);
	r->url = tfa_xstrdup(url);
	tfa_buf_init_secret(&r->body, 0);
}

void
tfa_http_request_dispose(struct tfa_http_request *r)
{
	free(r->method);
	r->method = NULL;
	tfa_secret_free(r->url); /* a presigned URL carries the session token */
	r->url = NULL;
	headers_free(&r->headers, &r->nheaders, &r->halloc);
	tfa_buf_dispose(&r->body);
}

void
tfa_http_request_add_header(struct tfa_http_request *r, const char *name,
			    const char *value)
{
	headers_push(&r->headers, &r->nheaders, &r->halloc, tfa_xstrdup(name),
		     tfa_xstrdup(value));
}

void
tfa_http_request_set_header(struct tfa_http_request *r, const char *name,
			    const char *value)
{
	size_t i = 0;

	while (i < r->nheaders) {
		if (strcasecmp(r->headers[i].name, name) != 0) {
			i++;
			continue;
		}
		free(r->headers[i].name);
		tfa_secret_free(r->headers[i].value);
		memmove(&r->headers[i], &r->headers[i + 1],
			(r->nheaders - i - 1) * sizeof(*r->headers));
		r->nheaders--;
	}
	tfa_http_request_add_header(r, name, value);
}

const char *
tfa_http_request_header(const struct tfa_http_request *r, const char *name)
{
	return headers_find(r->headers, r->nheaders, name);
}

void
tfa_http_response_init(struct tfa_http_response *r)
{
	memset(r, 0, sizeof(*r));
	tfa_buf_init_secret(&r->body, TFA_HTTP_BODY_CAP);
}

void
tfa_http_response_dispose(struct tfa_http_response *r)
{
	headers_free(&r->headers, &r->nheaders, &r->halloc);
	tfa_buf_dispose(&r->body);
	r->status = 0;
	r->attempts = 0;
}

const char *
tfa_http_response_header(const struct tfa_http_response *r, const char *name)
{
	return headers_find(r->headers, r->nheaders, name);
}

void
tfa_http_response_add_header(struct tfa_http_response *r, const char *name,
			     const char *value)
{
	char *n = tfa_xstrdup(name);

	lower(n);
	headers_push(&r->headers, &r->nheaders, &r->halloc, n,
		     tfa_xstrdup(value));
}

/* Forget a reply (before another attempt, or after a failed one). */
static void
response_clear(struct tfa_http_response *r)
{
	headers_free(&r->headers, &r->nheaders, &r->halloc);
	tfa_buf_reset(&r->body);
	r->status = 0;
}

/* Classifying replies. */

static int
body_names(const struct tfa_buf *body, const char *code)
{
	/* <Code>X</Code> (query/XML protocols), "X" and #X" (JSON __type). */
	static const char *const forms[][2] = {
		{ "<Code>", "</Code>" }, { "\"", "\"" }, { "#", "\"" },
	};
	char pat[96];
	size_t i, a, n = strlen(code), z;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		a = strlen(forms[i][0]);
		z = strlen(forms[i][1]);
		if (a + n + z > sizeof(pat))
			continue;
		memcpy(pat, forms[i][0], a);
		memcpy(pat + a, code, n);
		memcpy(pat + a + n, forms[i][1], z);
		if (memmem(body->ptr, body->len, pat, a + n + z))
			return 1;
	}
	return 0;
}

int
tfa_http_retryable(const struct tfa_http_response *resp)
{
	const char *type;
	size_t i, n;

	switch (resp->status) {
	case 429:
	case 500:
	case 502:
	case 503:
	case 504:
		return 1;
	}
	if (resp->status < 400 || resp->status > 499)
		return 0;
	/* JSON protocols: "x-amzn-ErrorType: ThrottlingException:http://..." */
	type = tfa_http_response_header(resp, "x-amzn-errortype");
	for (i = 0; throttle_codes[i]; i++) {
		n = strlen(throttle_codes[i]);
		if (type && strncmp(type, throttle_codes[i], n) == 0 &&
		    (type[n] == '\0' || type[n] == ':'))
			return 1;
		if (body_names(&resp->body, throttle_codes[i]))
			return 1;
	}
	return 0;
}

char *
tfa_http_display_url(const char *url)
{
	struct tfa_buf b = TFA_BUF_INIT;
	const char *scheme = strstr(url, "://"), *auth, *end, *at;

	if (!scheme || scheme != url + strcspn(url, ":/?#")) {
		tfa_buf_add(&b, url, strcspn(url, "?#"));
		goto out;
	}
	auth = scheme + 3;
	end = auth + strcspn(auth, "/?#");
	tfa_buf_add(&b, url, (size_t)(auth - url));
	/* user:password@ never reaches a message */
	at = memrchr(auth, '@', (size_t)(end - auth));
	if (at)
		auth = at + 1;
	tfa_buf_add(&b, auth, (size_t)(end - auth));
	tfa_buf_add(&b, end, strcspn(end, "?#"));
out:
	return tfa_buf_detach(&b);
}

int
tfa_http_status_err(struct tfa_err *err, const struct tfa_http_request *req,
		    const struct tfa_http_response *resp)
{
	char *shown = tfa_http_display_url(req->url);

	if (resp->attempts > 1)
		tfa_err_set(err, TFA_EAWS, "'%s' answered HTTP %ld after %d attempts",
			    shown, resp->status, resp->attempts);
	else
		tfa_err_set(err, TFA_EAWS, "'%s' answered HTTP %ld", shown,
			    resp->status);
	err->http_status = (int)resp->status;
	if (tfa_http_retryable(resp))
		tfa_err_hint(err, "the service is busy or failing; try again in "
			     "a minute (AWS_MAX_ATTEMPTS sets how many times "
			     "tfauth tries)");
	else if (resp->status >= 300 && resp->status <= 399)
		tfa_err_hint(err, "tfauth does not follow redirects: check the "
			     "region and AWS_ENDPOINT_URL");
	else if (resp->status == 404)
		tfa_err_hint(err, "check the region and AWS_ENDPOINT_URL");
	free(shown);
	return TFA_EAWS;
}

void
tfa_http_busy_hint(struct tfa_err *err, const struct tfa_http_request *req,
		   const struct tfa_http_response *resp)
{
	char *shown = tfa_http_display_url(req->url);

	if (resp->attempts > 1)
		tfa_err_hint(err, "'%s' is throttling these calls or failing (HTTP "
			     "%ld, %d attempts): wait a minute and try again "
			     "(AWS_MAX_ATTEMPTS sets how many times tfauth tries)",
			     shown, resp->status, resp->attempts);
	else
		tfa_err_hint(err, "'%s' is throttling these calls or failing (HTTP "
			     "%ld): wait a minute and try again (AWS_MAX_ATTEMPTS "
			     "sets how many times tfauth tries)", shown, resp->status);
	free(shown);
}

/* The curl transport. */

struct curl_transport {
	struct tfa_transport base; /* first: the interface */
	CURL *curl;                /* one handle, so connections are reused */
	unsigned global_init : 1;
	long timeout_s;
	long max_attempts;
	long retry_base_ms;
	size_t max_body;
	/* Proxy URLs may hold a password: wiped on free. NULL when none. */
	char *https_proxy, *http_proxy;
	const char *https_proxy_var, *http_proxy_var;
	char *no_proxy;
	char *ca_bundle;           /* NULL: the system's CA certificates */
	char *user_agent;
	char errbuf[CURL_ERROR_SIZE];
};

/* What one attempt saw besides the reply itself. */
struct attempt {
	struct tfa_http_response *resp;
	size_t max_body;
	unsigned too_big : 1;       /* body over the cap, or too many headers */
	unsigned many_headers : 1;
	unsigned sent : 1;         /* the request went out: a reply was due */
	long os_errno;
	long connect_code;         /* a proxy's answer to CONNECT, else 0 */
	const char *proxy;         /* the proxy URL used, NULL when direct */
	const char *proxy_var;
};


static char *
env_first(const struct tfa_ctx *ctx, const char *upper, const char *lowercase,
	  const char **var)
{
	const char *v = tfa_ctx_getenv_nonempty(ctx, upper);

	*var = upper;
	if (!v) {
		v = tfa_ctx_getenv_nonempty(ctx, lowercase);
		*var = lowercase;
	}
	if (!v) {
		*var = NULL;
		return NULL;
	}
	return tfa_xstrdup(v);
}

/*
 * curl's NOPROXY from NO_PROXY/no_proxy plus loopback.  curl honours "*"
 * only as the whole list, Go anywhere in it: a "*" entry becomes "*".
 */
static char *
make_no_proxy(const struct tfa_ctx *ctx)
{
	const char *var, *p;
	char *user = env_first(ctx, "NO_PROXY", "no_proxy", &var);
	struct tfa_buf b = TFA_BUF_INIT;
	size_t n;

	for (p = user; p && *p; p += n) {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 1 && *p == '*') {
			tfa_buf_adds(&b, "*");
			goto out;
		}
	}
	if (user) {
		tfa_buf_adds(&b, user);
		tfa_buf_addch(&b, ',');
	}
	tfa_buf_adds(&b, ALWAYS_DIRECT);
out:
	free(user);
	return tfa_buf_detach(&b);
}

static void
curl_transport_free(struct tfa_transport *base)
{
	struct curl_transport *t = (struct curl_transport *)base;

	if (!t)
		return;
	if (t->curl)
		curl_easy_cleanup(t->curl);
	tfa_secret_free(t->https_proxy);
	tfa_secret_free(t->http_proxy);
	free(t->no_proxy);
	free(t->ca_bundle);
	free(t->user_agent);
	if (t->global_init)
		curl_global_cleanup();
	free(t);
}

static void
sleep_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Full jitter (the AWS SDKs' choice): the wait before attempt n+1 is uniform
 * in [0, min(cap, base * 2^(n-1))].
 */
static long long
backoff_ms(const struct curl_transport *t, int attempt)
{
	unsigned long long ceiling = (unsigned long long)t->retry_base_ms;
	unsigned long long cap = ceiling * RETRY_CAP_STEPS;
	uint32_t r;
	int i;

	for (i = 1; i < attempt && ceiling < cap; i++)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	if (ceiling == 0)
		return 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return (long long)(ceiling / 2);
	return (long long)(r % (ceiling + 1));
}

static size_t
on_body(char *data, size_t size, size_t n, void *p)
{
	struct attempt *a = p;
	size_t len = size * n; /* curl: size is always 1 */

	if (len > a->max_body - a->resp->body.len ||
	    tfa_buf_add(&a->resp->body, data, len) < 0) {
		a->too_big = 1;
		return 0; /* curl stops: CURLE_WRITE_ERROR */
	}
	return len;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t
on_header(char *data, size_t size, size_t n, void *p)
{
	struct attempt *a = p;
	struct tfa_http_response *r = a->resp;
	size_t len = size * n;
	const char *end = data + len, *colon, *v, *name_end;
	struct tfa_buf joined;
	char *name;

	while (end > data && is_space(end[-1]))
		end--;
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A new reply (1xx, a proxy's CONNECT answer, the real one). */
		headers_free(&r->headers, &r->nheaders, &r->halloc);
		return len;
	}
	if (end == data)
		return len;
	if (data[0] == ' ' || data[0] == '\t') {
		/* Obsolete line folding: continue the previous value. */
		if (!r->nheaders)
			return len;
		for (v = data; v < end && is_space(*v); v++)
			;
		tfa_buf_init_secret(&joined, 0);
		tfa_buf_adds(&joined, r->headers[r->nheaders - 1].value);
		tfa_buf_addch(&joined, ' ');
		tfa_buf_add(&joined, v, (size_t)(end - v));
		tfa_secret_free(r->headers[r->nheaders - 1].value);
		r->headers[r->nheaders - 1].value = tfa_buf_detach(&joined);
		return len;
	}
	colon = memchr(data, ':', (size_t)(end - data));
	if (!colon || colon == data)
		return len;
	if (r->nheaders >= MAX_REPLY_HEADERS) {
		a->too_big = 1;
		a->many_headers = 1;
		return 0;
	}
	for (name_end = colon; name_end > data && is_space(name_end[-1]);
	     name_end--)
		;
	for (v = colon + 1; v < end && is_space(*v); v++)
		;
	name = tfa_xstrndup(data, (size_t)(name_end - data));
	lower(name);
	headers_push(&r->headers, &r->nheaders, &r->halloc, name,
		     tfa_xstrndup(v, (size_t)(end - v)));
	return len;
}

static int
is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Refuse what would let a header value inject lines into the request. */
static int
check_request(const struct tfa_http_request *req, const char *shown,
	      struct tfa_err *err)
{
	const char *s;
	size_t i;

	if (!req->method || !*req->method || !req->url || !*req->url)
		return tfa_err_set(err, TFA_EUSAGE,
				   "HTTP request without a method or URL");
	for (s = req->method; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return tfa_err_set(err, TFA_EINVAL,
					   "bad HTTP method for '%s'", shown);
	for (i = 0; i < req->nheaders; i++) {
		s = req->headers[i].name;
		if (!*s)
			return tfa_err_set(err, TFA_EINVAL,
					   "empty header name in the request to '%s'",
					   shown);
		for (; *s; s++)
			if (!is_tchar((unsigned char)*s))
				return tfa_err_set(err, TFA_EINVAL,
						   "bad header name in the request to '%s'",
						   shown);
		/* Never the value in a message: it may be a token. */
		for (s = req->headers[i].value; *s; s++)
			if (*s == '\r' || *s == '\n')
				return tfa_err_set(err, TFA_EINVAL,
						   "header '%s' of the request to '%s' "
						   "holds a line break",
						   req->headers[i].name, shown);
	}
	return 0;
}

static void
slist_free_wiped(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static int
build_headers(const struct tfa_http_request *req, const char *shown,
	      struct curl_slist **out, struct tfa_err *err)
{
	struct curl_slist *list = NULL, *l;
	struct tfa_buf line;
	size_t i;
	int rc = 0;

	tfa_buf_init_secret(&line, 0);
	for (i = 0; i <= req->nheaders; i++) {
		tfa_buf_reset(&line);
		if (i == req->nheaders) {
			/* No "Expect: 100-continue" round trip on POST. */
			if (tfa_http_request_header(req, "Expect"))
				break;
			rc = tfa_buf_adds(&line, "Expect:");
		} else if (*req->headers[i].value) {
			rc = tfa_buf_addf(&line, "%s: %s", req->headers[i].name,
					  req->headers[i].value);
		} else {
			/* curl's way of sending a header with an empty value */
			rc = tfa_buf_addf(&line, "%s;", req->headers[i].name);
		}
		if (rc < 0) {
			tfa_err_set(err, TFA_ETOOBIG,
				    "header '%s' of the request to '%s' is too long",
				    i < req->nheaders ? req->headers[i].name
						      : "Expect",
				    shown);
			goto out;
		}
		l = curl_slist_append(list, line.ptr);
		if (!l) {
			rc = tfa_err_set(err, TFA_ENET,
					 "out of memory building the request to '%s'",
					 shown);
			goto out;
		}
		list = l;
	}
	*out = list;
	list = NULL;
out:
	slist_free_wiped(list);
	tfa_buf_dispose(&line);
	return rc;
}

#define SET(opt, val)                                                        \
	do {                                                                 \
		if ((cc = curl_easy_setopt(c, opt, val)) != CURLE_OK)        \
			goto out;                                            \
	} while (0)

/* One attempt.  Options are set afresh; the connection cache survives. */
static CURLcode
perform(struct curl_transport *t, const struct tfa_http_request *req,
	struct curl_slist *headers, long long budget_ms, struct attempt *a)
{
	CURL *c = t->curl;
	CURLcode cc = CURLE_OK;
	curl_off_t pretransfer = 0;
	int https = strncasecmp(req->url, "https://", 8) == 0;
	int http = strncasecmp(req->url, "http://", 7) == 0;

	curl_easy_reset(c);
	t->errbuf[0] = '\0';
	a->proxy = https ? t->https_proxy : http ? t->http_proxy : NULL;
	a->proxy_var = https ? t->https_proxy_var : t->http_proxy_var;
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, t->user_agent);
	SET(CURLOPT_HTTPHEADER, headers);
	if (strcmp(req->method, "GET") == 0 && !req->body.len) {
		SET(CURLOPT_HTTPGET, 1L);
	} else if (strcmp(req->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else {
		if (req->body.len || strcmp(req->method, "POST") == 0 ||
		    strcmp(req->method, "PUT") == 0) {
			/* POSTFIELDS borrows the bytes: no copy of a secret. */
			SET(CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->body.len);
			SET(CURLOPT_POSTFIELDS, req->body.ptr);
		}
		if (strcmp(req->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, req->method);
	}
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)budget_ms);
	SET(CURLOPT_TIMEOUT_MS, (long)budget_ms);
	/* Explicit, even when empty: libcurl would read the real environment. */
	SET(CURLOPT_PROXY, a->proxy ? a->proxy : "");
	SET(CURLOPT_NOPROXY, t->no_proxy);
	SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	if (t->ca_bundle) {
		SET(CURLOPT_CAINFO, t->ca_bundle);
		SET(CURLOPT_PROXY_CAINFO, t->ca_bundle);
	}
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)a->max_body);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, a);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, a);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->resp->status);
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &a->os_errno);
	curl_easy_getinfo(c, CURLINFO_HTTP_CONNECTCODE, &a->connect_code);
	curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
	a->sent = pretransfer > 0;
out:
	return cc;
}

#undef SET

/* Dropped connections: the request may be sent again. */
static int
retryable_failure(CURLcode cc, const struct attempt *a)
{
	if (a->too_big || (a->connect_code && a->connect_code != 200))
		return 0;
	switch (cc) {
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* "through proxy 'http://proxy:3128' (HTTPS_PROXY)", or "". */
static void
via_proxy(const struct attempt *a, char *out, size_t size)
{
	char *shown;
	int n;

	out[0] = '\0';
	if (!a->proxy)
		return;
	shown = tfa_http_display_url(a->proxy);
	n = snprintf(out, size, " through proxy '%s' (%s)", shown, a->proxy_var);
	if (n < 0 || (size_t)n >= size)
		out[0] = '\0';
	free(shown);
}

static int
fail(const struct curl_transport *t, CURLcode cc, const struct attempt *a,
     const char *shown, int tries, struct tfa_err *err)
{
	const char *why = t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc);
	char via[320], tried[48] = "";
	int n;

	via_proxy(a, via, sizeof(via));
	if (tries > 1) {
		n = snprintf(tried, sizeof(tried), " after %d attempts", tries);
		if (n < 0 || (size_t)n >= sizeof(tried))
			tried[0] = '\0';
	}
	if (a->many_headers) {
		tfa_err_set(err, TFA_ETOOBIG,
			    "reply from '%s' has more than %d headers", shown,
			    MAX_REPLY_HEADERS);
		tfa_err_hint(err, "an AWS API never sends that many: check "
			     "AWS_ENDPOINT_URL and any proxy settings");
		return TFA_ETOOBIG;
	}
	if (a->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		if (t->max_body % ((size_t)1 << 20) == 0)
			tfa_err_set(err, TFA_ETOOBIG,
				    "reply from '%s' is over the %zu MiB limit",
				    shown, t->max_body >> 20);
		else
			tfa_err_set(err, TFA_ETOOBIG,
				    "reply from '%s' is over the %zu KiB limit",
				    shown, t->max_body >> 10);
		tfa_err_hint(err, "an AWS API never sends that much: check "
			     "AWS_ENDPOINT_URL and any proxy settings");
		return TFA_ETOOBIG;
	}
	if (a->connect_code && a->connect_code != 200) {
		tfa_err_set(err, TFA_ENET,
			    "cannot connect to '%s'%s: the proxy answered HTTP %ld",
			    shown, via, a->connect_code);
		tfa_err_hint(err, "check %s, or list the host in NO_PROXY",
			     a->proxy_var);
		return TFA_ENET;
	}
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (a->sent)
			tfa_err_set(err, TFA_ENET, "no reply from '%s'%s within %ld s",
				    shown, via, t->timeout_s);
		else
			tfa_err_set(err, TFA_ENET,
				    "cannot connect to '%s'%s within %ld s", shown,
				    via, t->timeout_s);
		tfa_err_hint(err, "check the network, the proxy settings "
			     "(HTTPS_PROXY, NO_PROXY) and AWS_ENDPOINT_URL; "
			     "TFAUTH_HTTP_TIMEOUT sets the limit in seconds");
		return TFA_ENET;
	case CURLE_COULDNT_CONNECT:
		if (a->os_errno)
			why = strerror((int)a->os_errno);
		tfa_err_set(err, TFA_ENET, "cannot connect to '%s'%s: %s", shown,
			    via, why);
		tfa_err_hint(err, "check the network, the proxy settings "
			     "(HTTPS_PROXY, NO_PROXY) and AWS_ENDPOINT_URL");
		return TFA_ENET;
	case CURLE_COULDNT_RESOLVE_HOST:
		tfa_err_set(err, TFA_ENET,
			    "cannot connect to '%s': host name not found", shown);
		tfa_err_hint(err, "check the region, AWS_ENDPOINT_URL and that "
			     "DNS works on this network");
		return TFA_ENET;
	case CURLE_COULDNT_RESOLVE_PROXY:
		tfa_err_set(err, TFA_ENET,
			    "cannot connect to '%s'%s: proxy host name not found",
			    shown, via);
		tfa_err_hint(err, "check %s", a->proxy_var ? a->proxy_var
							 : "HTTPS_PROXY");
		return TFA_ENET;
	case CURLE_PEER_FAILED_VERIFICATION:
		tfa_err_set(err, TFA_ENET,
			    "TLS certificate of '%s'%s is not trusted: %s", shown,
			    via, why);
		if (t->ca_bundle)
			tfa_err_hint(err, "check that AWS_CA_BUNDLE ('%s') holds "
				     "the CA certificate that signed it",
				     t->ca_bundle);
		else
			tfa_err_hint(err, "behind a proxy that inspects TLS, set "
				     "AWS_CA_BUNDLE to its CA certificate file "
				     "(PEM)");
		return TFA_ENET;
	case CURLE_SSL_CACERT_BADFILE:
		tfa_err_set(err, TFA_EINVAL,
			    "cannot use the CA bundle '%s' named by AWS_CA_BUNDLE: %s",
			    t->ca_bundle ? t->ca_bundle : "", why);
		tfa_err_hint(err, "point AWS_CA_BUNDLE at a readable PEM file, "
			     "or unset it");
		return TFA_EINVAL;
	case CURLE_SSL_CONNECT_ERROR:
		tfa_err_set(err, TFA_ENET, "TLS handshake with '%s'%s failed: %s",
			    shown, via, why);
		tfa_err_hint(err, "check AWS_ENDPOINT_URL (https to a plain "
			     "http port?) and the proxy settings");
		return TFA_ENET;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		tfa_err_set(err, TFA_EINVAL, "bad URL '%s': %s", shown, why);
		tfa_err_hint(err, "check AWS_ENDPOINT_URL and the region");
		return TFA_EINVAL;
	default:
		break;
	}
	if (retryable_failure(cc, a)) {
		tfa_err_set(err, TFA_ENET,
			    "connection to '%s'%s dropped before a complete reply%s: %s",
			    shown, via, tried, why);
		tfa_err_hint(err, "check the network and the proxy settings; "
			     "AWS_MAX_ATTEMPTS sets how many times tfauth tries");
		return TFA_ENET;
	}
	tfa_err_set(err, TFA_ENET, "request to '%s'%s failed: %s", shown, via,
		    why);
	return TFA_ENET;
}

static int
curl_send(struct tfa_transport *base, const struct tfa_http_request *req,
	  struct tfa_http_response *resp, struct tfa_err *err)
{
	struct curl_transport *t = (struct curl_transport *)base;
	struct curl_slist *headers = NULL;
	struct attempt a;
	char *shown = tfa_http_display_url(req->url ? req->url : "");
	long long deadline, left, delay;
	CURLcode cc = CURLE_OK;
	int rc, tries = 0;

	response_clear(resp);
	resp->attempts = 0;
	if ((rc = check_request(req, shown, err)) < 0 ||
	    (rc = build_headers(req, shown, &headers, err)) < 0)
		goto out;
	/* TFAUTH_HTTP_TIMEOUT bounds the whole call, waits included. */
	deadline = tfa_monotonic_ms() + t->timeout_s * 1000;
	for (;;) {
		response_clear(resp);
		memset(&a, 0, sizeof(a));
		a.resp = resp;
		a.max_body = t->max_body;
		left = deadline - tfa_monotonic_ms();
		cc = perform(t, req, headers, left > 1 ? left : 1, &a);
		resp->attempts = ++tries;
		if (cc == CURLE_OK ? !tfa_http_retryable(resp)
				   : !retryable_failure(cc, &a))
			break;
		if (tries >= t->max_attempts)
			break;
		delay = backoff_ms(t, tries);
		/* Leave the next attempt some of the budget, or stop here. */
		if (tfa_monotonic_ms() + delay + 100 >= deadline)
			break;
		sleep_ms(delay);
	}
	if (cc != CURLE_OK) {
		rc = fail(t, cc, &a, shown, tries, err);
		response_clear(resp); /* no partial reply */
	}
out:
	slist_free_wiped(headers);
	free(shown);
	return rc;
}

struct tfa_transport *
tfa_http_transport_curl_new(const struct tfa_ctx *ctx, struct tfa_err *err)
{
	struct curl_transport *t = NULL;
	const curl_version_info_data *vi;
	struct tfa_buf ua = TFA_BUF_INIT;
	long timeout_s, attempts, base_ms;
	const char *v;
	int ok = 0;

	if (tfa_ctx_getenv_long(ctx, "TFAUTH_HTTP_TIMEOUT", DEFAULT_TIMEOUT_S, 1, 3600,
		     "whole seconds", &timeout_s, err) < 0 ||
	    tfa_ctx_getenv_long(ctx, "AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, 1, 100,
		     "a whole number", &attempts, err) < 0 ||
	    tfa_ctx_getenv_long(ctx, "TFAUTH_HTTP_RETRY_BASE_MS", DEFAULT_RETRY_BASE_MS, 0,
		     10000, "milliseconds", &base_ms, err) < 0)
		goto out;
	t = tfa_xcalloc(1, sizeof(*t));
	t->base.send = curl_send;
	t->base.free = curl_transport_free;
	t->timeout_s = timeout_s;
	t->max_attempts = attempts;
	t->retry_base_ms = base_ms;
	t->max_body = TFA_HTTP_BODY_CAP;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		tfa_err_set(err, TFA_ENET, "cannot initialise libcurl");
		goto out;
	}
	t->global_init = 1;
	t->curl = curl_easy_init();
	if (!t->curl) {
		tfa_err_set(err, TFA_ENET, "cannot initialise libcurl");
		goto out;
	}
	t->https_proxy = env_first(ctx, "HTTPS_PROXY", "https_proxy",
				   &t->https_proxy_var);
	t->http_proxy = env_first(ctx, "HTTP_PROXY", "http_proxy",
				  &t->http_proxy_var);
	t->no_proxy = make_no_proxy(ctx);
	v = tfa_ctx_getenv_nonempty(ctx, "AWS_CA_BUNDLE");
	if (v)
		t->ca_bundle = tfa_ctx_expand_path(ctx, v);
	vi = curl_version_info(CURLVERSION_NOW);
	tfa_buf_addf(&ua, "tfauth/%s libcurl/%s", TFA_VERSION,
		     vi && vi->version ? vi->version : "unknown");
	t->user_agent = tfa_buf_detach(&ua);
	ok = 1;
out:
	if (!ok && t) {
		curl_transport_free(&t->base);
		t = NULL;
	}
	return t ? &t->base : NULL;
}

int
tfa_http_send(struct tfa_ctx *ctx, const struct tfa_http_request *req,
	      struct tfa_http_response *resp, struct tfa_err *err)
{
	struct tfa_transport *t = ctx->transport;

	if (!t) {
		t = tfa_http_transport_curl_new(ctx, err);
		if (!t)
			return err->code ? err->code : TFA_ENET;
		ctx->transport = t;
		ctx->owns_transport = 1;
	}
	return t->send(t, req, resp, err);
}
