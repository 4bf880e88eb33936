/*
 * http — HTTP requests over libcurl, behind a transport interface.
 *
 * A struct tfa_http_request is built by a service module (sts, iam, sso),
 * signed by sigv4, and sent through the context's transport.  The default
 * transport (tfa_http_transport_curl) uses libcurl; unit tests install their
 * own that answers with canned replies.
 *
 * The curl transport: connect and total timeouts (TFAUTH_HTTP_TIMEOUT,
 * seconds, default 10), retries with exponential backoff and full jitter on
 * throttling, 5xx and dropped connections, HTTPS_PROXY/HTTP_PROXY/NO_PROXY,
 * AWS_CA_BUNDLE, TLS verification always on, a User-Agent naming tfauth and
 * its version, one connection reused per host within a run, and a cap on
 * the reply body size.
 */
#ifndef TFA_HTTP_H
#define TFA_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "ctx.h"
#include "err.h"

struct tfa_http_header {
	char *name;   /* owned */
	char *value;  /* owned; may be a secret (wiped on dispose) */
};

struct tfa_http_request {
	char *method;  /* owned: "GET", "POST" */
	char *url;     /* owned: scheme://host[:port]/path[?query] */
	struct tfa_http_header *headers; /* owned */
	size_t nheaders, halloc;
	struct tfa_buf body;             /* secret buffer: bodies carry tokens */
};

struct tfa_http_response {
	long status;
	struct tfa_http_header *headers; /* owned, names lower-cased */
	size_t nheaders, halloc;
	struct tfa_buf body;             /* secret buffer */
};

void tfa_http_request_init(struct tfa_http_request *r, const char *method,
			   const char *url);
void tfa_http_request_dispose(struct tfa_http_request *r);
/* Add (or, with set, replace) a header. */
void tfa_http_request_add_header(struct tfa_http_request *r, const char *name,
				 const char *value);
void tfa_http_request_set_header(struct tfa_http_request *r, const char *name,
				 const char *value);
const char *tfa_http_request_header(const struct tfa_http_request *r,
				    const char *name);

void tfa_http_response_init(struct tfa_http_response *r);
void tfa_http_response_dispose(struct tfa_http_response *r);
/* Case-insensitive header look-up; NULL when absent. */
const char *tfa_http_response_header(const struct tfa_http_response *r,
				     const char *name);

/*
 * The transport interface.  send() fills resp (already initialised) and
 * returns 0 when a reply arrived, whatever its status; a negative TFA_E*
 * (TFA_ENET, TFA_ETOOBIG) with err filled when none did.  Retries are the
 * transport's business: send() returns the last attempt's result.
 */
struct tfa_transport {
	int (*send)(struct tfa_transport *t, const struct tfa_http_request *req,
		    struct tfa_http_response *resp, struct tfa_err *err);
	void (*free)(struct tfa_transport *t);
};

/* Send through ctx->transport, creating the curl transport on first use. */
int tfa_http_send(struct tfa_ctx *ctx, const struct tfa_http_request *req,
		  struct tfa_http_response *resp, struct tfa_err *err);

#endif
