/*
 * canned.h — a transport that answers with scripted replies and keeps the
 * last request, for the unit tests of the modules that talk HTTP (sts,
 * iam).  Define T_NOW (the fixed clock) before including it.
 */
#ifndef TFA_TEST_CANNED_H
#define TFA_TEST_CANNED_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctx.h"
#include "http.h"


struct reply {
	long status;
	const char *ctype;  /* NULL: no Content-Type */
	const char *body;
	size_t len;         /* 0: strlen(body) */
	const char *date;   /* Date header, or NULL */
	const char *rid;    /* x-amzn-RequestId header, or NULL */
};

struct canned {
	struct tfa_transport base;
	struct reply replies[32];
	int nreplies;
	int calls;
	int fail;                       /* answer TFA_ENET */
	struct tfa_http_request last;   /* a deep copy of the last request */
	char *bodies[32];               /* every request body, in order */
};

static int
canned_send(struct tfa_transport *t, const struct tfa_http_request *req,
	    struct tfa_http_response *resp, struct tfa_err *err)
{
	struct canned *c = (struct canned *)t;
	const struct reply *r;
	size_t i;

	tfa_http_request_dispose(&c->last);
	tfa_http_request_init(&c->last, req->method, req->url);
	for (i = 0; i < req->nheaders; i++)
		tfa_http_request_add_header(&c->last, req->headers[i].name,
					    req->headers[i].value);
	tfa_buf_add(&c->last.body, req->body.ptr, req->body.len);
	if (c->calls < 32)
		c->bodies[c->calls] = tfa_xstrdup(req->body.ptr);
	c->calls++;
	if (c->fail)
		return tfa_err_set(err, TFA_ENET, "canned failure");
	r = &c->replies[c->nreplies ? (c->calls - 1) % c->nreplies : 0];
	resp->status = r->status;
	if (r->ctype)
		tfa_http_response_add_header(resp, "Content-Type", r->ctype);
	if (r->date)
		tfa_http_response_add_header(resp, "Date", r->date);
	if (r->rid)
		tfa_http_response_add_header(resp, "X-Amzn-RequestId", r->rid);
	if (tfa_buf_add(&resp->body, r->body, r->len ? r->len : strlen(r->body)) < 0)
		return tfa_err_set(err, TFA_ETOOBIG, "canned body over the cap");
	return 0;
}

static void
canned_free(struct tfa_transport *t)
{
	(void)t;
}

static time_t
fixed_clock(void *data)
{
	(void)data;
	return T_NOW;
}

static struct canned C;
static struct tfa_ctx CTX;

/* Start a test: a fresh context answering with the given replies. */
static void
setup(int n, ...)
{
	static char *const env[] = { "HOME=/nonexistent", NULL };
	va_list ap;
	int i;

	for (i = 0; i < 32 && i < C.calls; i++)
		free(C.bodies[i]);
	tfa_http_request_dispose(&C.last);
	memset(&C, 0, sizeof(C));
	tfa_http_request_init(&C.last, "", "");
	C.base.send = canned_send;
	C.base.free = canned_free;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		C.replies[i] = va_arg(ap, struct reply);
	va_end(ap);
	C.nreplies = n;
	tfa_ctx_dispose(&CTX);
	tfa_ctx_init(&CTX, env);
	CTX.clock = fixed_clock;
	CTX.transport = &C.base;
}

static void
teardown(void)
{
	setup(0);
	tfa_http_request_dispose(&C.last);
	tfa_ctx_dispose(&CTX);
}

static const char *
hdr(const char *name)
{
	return tfa_http_request_header(&C.last, name);
}

#endif
