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
 *
 * The environment it reads, from the context (never getenv()), once, when
 * the transport is created:
 *
 *   TFAUTH_HTTP_TIMEOUT        whole seconds, 1 to 3600, default 10.  It
 *                              bounds one tfa_http_send() as a whole:
 *                              connecting, every attempt and the waits
 *                              between them.  A request is never retried
 *                              past it.
 *   AWS_MAX_ATTEMPTS           attempts per request, 1 to 100, default 3 (the
 *                              AWS SDKs' "standard" retry mode).
 *   TFAUTH_HTTP_RETRY_BASE_MS  a tuning knob: the first backoff step in
 *                              milliseconds, 0 to 10000, default 100.  The
 *                              wait before attempt n+1 is a random number of
 *                              milliseconds in [0, min(20 * base, base * 2^(n-1))]
 *                              (full jitter), so 100 ms caps waits at 2 s.
 *   HTTPS_PROXY, https_proxy   proxy for https URLs (upper case first, like
 *   HTTP_PROXY, http_proxy     Go's net/http, hence Terraform); for http URLs
 *   NO_PROXY, no_proxy         hosts reached directly; localhost, 127.0.0.1
 *                              and ::1 always are (Go does the same)
 *   AWS_CA_BUNDLE              CA certificates (PEM) trusted instead of the
 *                              system's, for the server and an HTTPS proxy
 *
 * libcurl's own reading of proxy variables from the process environment is
 * switched off: what the context says is what is used.  A bad value of any
 * of these is a TFA_EINVAL naming the variable.
 *
 * Retried: HTTP 429, 500, 502, 503, 504; a 4xx whose body or
 * x-amzn-ErrorType header names a throttling error (Throttling,
 * ThrottlingException, RequestLimitExceeded, TooManyRequestsException, ...);
 * a connection dropped before a complete reply.  Not retried: a refused
 * connection, a name that does not resolve, TLS failures, a timeout (it has
 * used up the whole budget), a reply over the body cap.
 */
#ifndef TFA_HTTP_H
#define TFA_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "ctx.h"
#include "err.h"

/* The most reply body the curl transport accepts: over it, TFA_ETOOBIG. */
#define TFA_HTTP_BODY_CAP ((size_t)1 << 20)

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
	struct tfa_buf body;             /* secret buffer, TFA_HTTP_BODY_CAP */
	int attempts;                    /* how many tries the reply took; 0 when
					    the transport does not count */
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
/* Add a reply header, name lower-cased (transports, canned test replies). */
void tfa_http_response_add_header(struct tfa_http_response *r,
				  const char *name, const char *value);

/*
 * 1 when a reply is one the curl transport retries: HTTP 429, 500, 502, 503,
 * 504, or a 4xx naming a throttling error code; else 0.
 */
int tfa_http_retryable(const struct tfa_http_response *resp);

/*
 * A URL fit for messages: scheme://host[:port]/path, without user
 * information, query or fragment (a query may carry a signature).  The
 * caller frees it.
 */
char *tfa_http_display_url(const char *url);

/*
 * Fill err for a reply whose status is not a success, when the caller has
 * nothing better (no AWS error document): "'URL' answered HTTP 503 after 3
 * attempts", with a hint.  Sets err->http_status; returns TFA_EAWS.
 */
int tfa_http_status_err(struct tfa_err *err, const struct tfa_http_request *req,
			const struct tfa_http_response *resp);

/*
 * Set err's hint for a reply tfa_http_retryable() calls busy (throttling,
 * 5xx), after the retries: it names the endpoint, the status and the
 * attempts, and AWS_MAX_ATTEMPTS.  For callers that made their message from
 * the reply's AWS error document.
 */
void tfa_http_busy_hint(struct tfa_err *err, const struct tfa_http_request *req,
			const struct tfa_http_response *resp);

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

/*
 * The libcurl transport, configured from ctx's environment (see the top of
 * this file); ctx is not kept.  NULL with err filled (TFA_EINVAL) when a
 * variable has a bad value.  Free it with t->free(t).
 */
struct tfa_transport *tfa_http_transport_curl_new(const struct tfa_ctx *ctx,
						  struct tfa_err *err);

/*
 * Send through ctx->transport.  When there is none, create the curl
 * transport, store it in ctx->transport and set ctx->owns_transport, so that
 * tfa_ctx_dispose() frees it.  A test installs its own transport by setting
 * ctx->transport (owns_transport stays 0, the test frees it).
 */
int tfa_http_send(struct tfa_ctx *ctx, const struct tfa_http_request *req,
		  struct tfa_http_response *resp, struct tfa_err *err);

#endif
