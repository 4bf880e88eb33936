#include "ctx.h"
#include "err.h"
#include "http.h"
#include "tap.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* snprintf with its truncation checked: a cut string fails a test. */
__attribute__((format(printf, 3, 4))) static void
fmt(char *out, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, size, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		ok(0, "test string fits its buffer (%d bytes)", n);
}

/* A transport that answers every request with one canned reply. */
struct canned {
	struct tfa_transport base;
	long status;
	const char *body;
	int fail;            /* return TFA_ENET instead of a reply */
	int calls, freed;
	char method[16], url[128], auth[128];
};

static int
canned_send(struct tfa_transport *t, const struct tfa_http_request *req,
	    struct tfa_http_response *resp, struct tfa_err *err)
{
	struct canned *c = (struct canned *)t;
	const char *auth = tfa_http_request_header(req, "authorization");

	c->calls++;
	fmt(c->method, sizeof(c->method), "%s", req->method);
	fmt(c->url, sizeof(c->url), "%s", req->url);
	fmt(c->auth, sizeof(c->auth), "%s", auth ? auth : "");
	if (c->fail)
		return tfa_err_set(err, TFA_ENET, "canned failure");
	resp->status = c->status;
	tfa_http_response_add_header(resp, "X-Amzn-RequestId", "req-42");
	tfa_buf_adds(&resp->body, c->body);
	return 0;
}

static void
canned_free(struct tfa_transport *t)
{
	((struct canned *)t)->freed++;
}

static void
ctx_with(struct tfa_ctx *ctx, const char *name, const char *value)
{
	static char *const env[] = { "HOME=/nonexistent", NULL };

	tfa_ctx_init(ctx, env);
	if (name)
		tfa_ctx_setenv(ctx, name, value);
}

static void
bad_value(const char *name, const char *value)
{
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_transport *t;
	char want[128];

	ctx_with(&ctx, name, value);
	tfa_err_clear(&err);
	t = tfa_http_transport_curl_new(&ctx, &err);
	fmt(want, sizeof(want), "bad value '%s' for %s", value, name);
	ok(!t && err.code == TFA_EINVAL && strstr(err.msg, want) &&
		   strstr(err.hint, name),
	   "%s='%s' is refused with a clear message", name, value);
	if (t)
		t->free(t);
	tfa_ctx_dispose(&ctx);
}

static void
good_value(const char *name, const char *value)
{
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_transport *t;

	ctx_with(&ctx, name, value);
	tfa_err_clear(&err);
	t = tfa_http_transport_curl_new(&ctx, &err);
	ok(t && err.code == 0, "%s='%s' is accepted", name, value);
	if (t)
		t->free(t);
	tfa_ctx_dispose(&ctx);
}

static int
retryable(long status, const char *type, const char *body, size_t len)
{
	struct tfa_http_response r;
	int rc;

	tfa_http_response_init(&r);
	r.status = status;
	if (type)
		tfa_http_response_add_header(&r, "X-Amzn-ErrorType", type);
	tfa_buf_add(&r.body, body, len);
	rc = tfa_http_retryable(&r);
	tfa_http_response_dispose(&r);
	return rc;
}

#define RETRYABLE(status, type, body) retryable(status, type, body, strlen(body))

static void
display(const char *url, const char *want)
{
	char *got = tfa_http_display_url(url);

	is_str(got, want, "display URL of '%s'", url);
	free(got);
}

static void
test_request(void)
{
	struct tfa_http_request r;

	tfa_http_request_init(&r, "POST", "https://sts.amazonaws.com/");
	is_str(r.method, "POST", "request: method kept");
	is_str(r.url, "https://sts.amazonaws.com/", "request: URL kept");
	ok(r.body.secret, "request: body is a secret buffer");
	tfa_http_request_add_header(&r, "Content-Type", "text/plain");
	tfa_http_request_add_header(&r, "X-Amz-Date", "20240101T000000Z");
	tfa_http_request_add_header(&r, "x-amz-date", "duplicate");
	is_str(tfa_http_request_header(&r, "content-type"), "text/plain",
	       "request: header look-up ignores case");
	is_str(tfa_http_request_header(&r, "X-AMZ-DATE"), "20240101T000000Z",
	       "request: look-up finds the first of duplicates");
	ok(tfa_http_request_header(&r, "Authorization") == NULL,
	   "request: absent header is NULL");
	tfa_http_request_set_header(&r, "X-AMZ-DATE", "20250101T000000Z");
	is_int(r.nheaders, 2, "request: set replaces every duplicate");
	is_str(tfa_http_request_header(&r, "x-amz-date"), "20250101T000000Z",
	       "request: set stores the new value");
	tfa_http_request_set_header(&r, "Authorization", "AWS4-HMAC-SHA256 x");
	is_int(r.nheaders, 3, "request: set adds an absent header");
	tfa_http_request_dispose(&r);
	tfa_http_request_dispose(&r);
	ok(r.method == NULL && r.nheaders == 0 && r.body.len == 0,
	   "request: dispose twice is safe");
}

static void
test_response(void)
{
	struct tfa_http_response r;

	tfa_http_response_init(&r);
	ok(r.status == 0 && r.nheaders == 0 && r.attempts == 0,
	   "response: starts empty");
	ok(r.body.secret && r.body.cap == TFA_HTTP_BODY_CAP,
	   "response: body is a secret buffer capped at TFA_HTTP_BODY_CAP");
	tfa_http_response_add_header(&r, "X-Amzn-RequestId", "abc");
	is_str(r.headers[0].name, "x-amzn-requestid",
	       "response: add_header lower-cases the name");
	is_str(tfa_http_response_header(&r, "X-AMZN-REQUESTID"), "abc",
	       "response: header look-up ignores case");
	ok(tfa_http_response_header(&r, "etag") == NULL,
	   "response: absent header is NULL");
	tfa_http_response_dispose(&r);
	tfa_http_response_dispose(&r);
	ok(r.nheaders == 0 && r.headers == NULL, "response: dispose twice is safe");
}

static void
test_canned(void)
{
	struct tfa_ctx ctx;
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_err err;
	struct canned c;

	memset(&c, 0, sizeof(c));
	c.base.send = canned_send;
	c.base.free = canned_free;
	c.status = 200;
	c.body = "<GetCallerIdentityResponse/>";
	ctx_with(&ctx, NULL, NULL);
	ctx.transport = &c.base;
	tfa_http_request_init(&req, "POST", "https://sts.us-east-1.amazonaws.com/");
	tfa_http_request_add_header(&req, "Authorization", "AWS4-HMAC-SHA256 sig");
	tfa_http_response_init(&resp);
	tfa_err_clear(&err);
	is_int(tfa_http_send(&ctx, &req, &resp, &err), 0,
	       "canned: tfa_http_send goes through ctx->transport");
	is_int(c.calls, 1, "canned: one call");
	is_str(c.method, "POST", "canned: transport sees the method");
	is_str(c.url, "https://sts.us-east-1.amazonaws.com/",
	       "canned: transport sees the URL");
	ok(strcmp(c.auth, "AWS4-HMAC-SHA256 sig") == 0,
	   "canned: transport sees the headers");
	is_int(resp.status, 200, "canned: status comes back");
	is_str(resp.body.ptr, "<GetCallerIdentityResponse/>",
	       "canned: body comes back");
	is_str(tfa_http_response_header(&resp, "x-amzn-requestid"), "req-42",
	       "canned: headers come back");
	ok(ctx.transport == &c.base && !ctx.owns_transport,
	   "canned: an installed transport is not replaced or owned");
	tfa_http_response_dispose(&resp);

	c.fail = 1;
	tfa_http_response_init(&resp);
	is_int(tfa_http_send(&ctx, &req, &resp, &err), TFA_ENET,
	       "canned: a transport failure is returned");
	is_str(err.msg, "canned failure", "canned: with the transport's message");
	tfa_http_response_dispose(&resp);

	c.fail = 0;
	c.status = 503;
	tfa_http_response_init(&resp);
	tfa_http_send(&ctx, &req, &resp, &err);
	resp.attempts = 3; /* as the curl transport would count them */
	is_int(tfa_http_status_err(&err, &req, &resp), TFA_EAWS,
	       "status_err: returns TFA_EAWS");
	is_str(err.msg,
	       "'https://sts.us-east-1.amazonaws.com/' answered HTTP 503 after 3 attempts",
	       "status_err: names the URL, status and attempts");
	ok(err.http_status == 503 && strstr(err.hint, "AWS_MAX_ATTEMPTS"),
	   "status_err: sets http_status and a hint");
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	tfa_ctx_dispose(&ctx);
	is_int(c.freed, 0, "canned: ctx dispose leaves a borrowed transport alone");
}

static void
test_env(void)
{
	struct tfa_ctx ctx;
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_err err;

	bad_value("TFAUTH_HTTP_TIMEOUT", "abc");
	bad_value("TFAUTH_HTTP_TIMEOUT", "0");
	bad_value("TFAUTH_HTTP_TIMEOUT", "-5");
	bad_value("TFAUTH_HTTP_TIMEOUT", "10s");
	bad_value("TFAUTH_HTTP_TIMEOUT", " 10");
	bad_value("TFAUTH_HTTP_TIMEOUT", "+10");
	bad_value("TFAUTH_HTTP_TIMEOUT", "1.5");
	bad_value("TFAUTH_HTTP_TIMEOUT", "3601");
	bad_value("TFAUTH_HTTP_TIMEOUT", "99999999999999999999999");
	good_value("TFAUTH_HTTP_TIMEOUT", "1");
	good_value("TFAUTH_HTTP_TIMEOUT", "3600");
	good_value("TFAUTH_HTTP_TIMEOUT", "");
	bad_value("AWS_MAX_ATTEMPTS", "0");
	bad_value("AWS_MAX_ATTEMPTS", "three");
	bad_value("AWS_MAX_ATTEMPTS", "101");
	good_value("AWS_MAX_ATTEMPTS", "1");
	bad_value("TFAUTH_HTTP_RETRY_BASE_MS", "-1");
	bad_value("TFAUTH_HTTP_RETRY_BASE_MS", "10001");
	good_value("TFAUTH_HTTP_RETRY_BASE_MS", "0");
	good_value("HTTPS_PROXY", "http://user:pw@proxy.example:3128");
	good_value("NO_PROXY", "*");
	good_value("AWS_CA_BUNDLE", "~/ca.pem");

	/* A bad value reaches tfa_http_send's caller; nothing is installed. */
	ctx_with(&ctx, "TFAUTH_HTTP_TIMEOUT", "soon");
	tfa_http_request_init(&req, "GET", "http://127.0.0.1:1/");
	tfa_http_response_init(&resp);
	tfa_err_clear(&err);
	is_int(tfa_http_send(&ctx, &req, &resp, &err), TFA_EINVAL,
	       "send: bad TFAUTH_HTTP_TIMEOUT fails the call");
	ok(strstr(err.msg, "TFAUTH_HTTP_TIMEOUT") != NULL,
	   "send: the message names the variable");
	ok(ctx.transport == NULL && !ctx.owns_transport,
	   "send: no transport installed after a bad value");
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	tfa_ctx_dispose(&ctx);
}

/* A loopback port bound but not listening: a connection is refused. */
static int
refusing_port(int *fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(*fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	return ntohs(sa.sin_port);
}

static void
test_owned(void)
{
	struct tfa_ctx ctx;
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_err err;
	char url[64], want[128];
	int fd, port = refusing_port(&fd);

	fmt(url, sizeof(url), "http://127.0.0.1:%d/", port);
	ctx_with(&ctx, "AWS_MAX_ATTEMPTS", "1");
	tfa_http_request_init(&req, "GET", url);
	tfa_http_request_add_header(&req, "X-Amz-Security-Token", "SECRET\r\nX: 1");
	tfa_http_response_init(&resp);
	tfa_err_clear(&err);
	is_int(tfa_http_send(&ctx, &req, &resp, &err), TFA_EINVAL,
	       "curl: a header value with a line break is refused");
	ok(strstr(err.msg, "X-Amz-Security-Token") && !strstr(err.msg, "SECRET"),
	   "curl: the message names the header, never its value");
	ok(ctx.transport && ctx.owns_transport,
	   "send: creates the curl transport and owns it");

	tfa_http_request_set_header(&req, "X-Amz-Security-Token", "SECRET");
	is_int(tfa_http_send(&ctx, &req, &resp, &err), TFA_ENET,
	       "curl: a refused connection is TFA_ENET");
	fmt(want, sizeof(want), "cannot connect to '%s': Connection refused",
		 url);
	is_str(err.msg, want, "curl: git-style message with the reason");
	ok(err.hint[0] != '\0', "curl: with a hint");
	ok(!strstr(err.msg, "SECRET") && !strstr(err.hint, "SECRET"),
	   "curl: no header value in the message");
	ok(resp.status == 0 && resp.body.len == 0, "curl: no partial reply");
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	tfa_ctx_dispose(&ctx); /* frees the transport: the sanitizers check */
	ok(ctx.transport == NULL, "ctx dispose frees an owned transport");
	if (fd >= 0)
		close(fd);
}

static void
test_retryable(void)
{
	static const char nul_then_code[] = "junk\0<Code>Throttling</Code>";

	ok(!RETRYABLE(200, NULL, ""), "retryable: 200 no");
	ok(RETRYABLE(429, NULL, ""), "retryable: 429");
	ok(RETRYABLE(500, NULL, ""), "retryable: 500");
	ok(RETRYABLE(502, NULL, ""), "retryable: 502");
	ok(RETRYABLE(503, NULL, ""), "retryable: 503");
	ok(RETRYABLE(504, NULL, ""), "retryable: 504");
	ok(!RETRYABLE(501, NULL, ""), "retryable: 501 no");
	ok(!RETRYABLE(404, NULL, ""), "retryable: 404 no");
	ok(RETRYABLE(400, NULL, "<ErrorResponse><Error><Code>Throttling</Code>"
				"</Error></ErrorResponse>"),
	   "retryable: 400 <Code>Throttling</Code>");
	ok(RETRYABLE(400, NULL, "<Response><Errors><Error><Code>RequestLimitExceeded"
				"</Code></Error></Errors></Response>"),
	   "retryable: 400 RequestLimitExceeded (EC2 style)");
	ok(RETRYABLE(400, NULL, "{\"__type\":\"ThrottlingException\"}"),
	   "retryable: 400 JSON __type");
	ok(RETRYABLE(429, NULL, "{\"__type\":\"com.amazonaws.sso#TooManyRequestsException\"}"),
	   "retryable: JSON namespaced __type");
	ok(RETRYABLE(400, "ThrottlingException:http://internal.amazon.com/", "{}"),
	   "retryable: x-amzn-ErrorType header");
	ok(!RETRYABLE(400, "ThrottlingExceptionNot", "{}"),
	   "retryable: x-amzn-ErrorType must name the code exactly");
	ok(!RETRYABLE(403, NULL, "<Code>InvalidClientTokenId</Code>"),
	   "retryable: InvalidClientTokenId no");
	ok(!RETRYABLE(400, NULL, "<Message>Throttling is not the issue</Message>"),
	   "retryable: the word in a message is not a code");
	ok(!RETRYABLE(400, NULL, "<Code>ThrottlingX</Code>"),
	   "retryable: a longer code does not match");
	ok(!RETRYABLE(200, NULL, "<Code>Throttling</Code>"),
	   "retryable: a 200 is never retried");
	ok(retryable(400, NULL, nul_then_code, sizeof(nul_then_code) - 1),
	   "retryable: a NUL byte does not hide the code");
}

static void
test_display(void)
{
	display("https://sts.us-east-1.amazonaws.com/",
		"https://sts.us-east-1.amazonaws.com/");
	display("https://sts.amazonaws.com", "https://sts.amazonaws.com");
	display("https://s3.amazonaws.com/b/k?X-Amz-Signature=abc&X-Amz-Credential=AKID",
		"https://s3.amazonaws.com/b/k");
	display("http://user:secret@localhost:4566/path#frag",
		"http://localhost:4566/path");
	display("https://a@b@host/?q", "https://host/");
	display("not a url?query", "not a url");
	display("", "");
}

int
main(void)
{
	test_request();
	test_response();
	test_canned();
	test_env();
	test_owned();
	test_retryable();
	test_display();
	return tap_done();
}
