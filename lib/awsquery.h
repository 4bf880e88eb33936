/*
 * awsquery — one call of an AWS Query-protocol API (STS, IAM): build the
 * form-encoded POST, sign it, send it, and read the XML reply.
 *
 * The promise:
 *
 *   - The request is `POST <endpoint>` with
 *     `Content-Type: application/x-www-form-urlencoded; charset=utf-8` and
 *     the body `Action=<Op>&Version=<V>&<name>=<value>...`, names and values
 *     encoded with tfa_uri_encode, in the order given.  The body lives in
 *     the request's secret buffer (it may carry a TokenCode or a
 *     WebIdentityToken).  It is signed with SigV4 for the given signing name
 *     and region at tfa_ctx_now(ctx), or sent unsigned when the call has no
 *     credentials (AssumeRoleWithWebIdentity).
 *
 *   - The reply is parsed with expat into a flat list of elements in
 *     document order, each with its path from the root ("A/B/C", namespace
 *     prefixes dropped) and its own text, trimmed.  Every element's text is
 *     a secret buffer (replies carry SecretAccessKey and SessionToken), wiped
 *     on dispose.  Depth, element count, name length and the total of text
 *     are capped; a DOCTYPE is refused (AWS never sends one, and entity
 *     tricks need one).
 *
 *   - A 2xx reply whose root is `<Op>Response` is a success.  An AWS error
 *     document (`<ErrorResponse><Error><Type/><Code/><Message/></Error>
 *     <RequestId/></ErrorResponse>`; also moto's `<ErrorResponse><Errors>
 *     <Error>` and EC2's `<Response><Errors><Error>`), whatever its
 *     Content-Type says (moto labels its errors text/html), is TFA_EAWS with err->aws_code, err->request_id, err->http_status, the
 *     message "STS GetCallerIdentity: InvalidClientTokenId: The security
 *     token included in the request is invalid" (AWS's text as AWS wrote
 *     it, less a final full stop) and a hint that names the fix for that
 *     code.  Any other reply — not XML (an HTML page from a proxy: told
 *     by its first bytes, or by a text/html or JSON Content-Type on a body
 *     that does not parse), an empty
 *     body, truncated or malformed XML, the wrong root, over a cap — is a
 *     clear error, never a crash: a non-2xx status without an error document
 *     is TFA_EAWS (as tfa_http_status_err words it), a 2xx that cannot be
 *     read is TFA_EINVAL, a cap is TFA_ETOOBIG.  err->http_status and
 *     err->request_id are set whenever a reply arrived.
 */
#ifndef TFA_AWSQUERY_H
#define TFA_AWSQUERY_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "http.h"

/* Caps on a reply document. */
#define TFA_AWSQUERY_MAX_DEPTH 32
#define TFA_AWSQUERY_MAX_ELEMS 20000
#define TFA_AWSQUERY_MAX_NAME 256            /* one element name */
#define TFA_AWSQUERY_MAX_TEXT ((size_t)1 << 20) /* text and paths, in all */

struct tfa_awsquery_elem {
	char *path;          /* owned: "GetCallerIdentityResponse/.../Arn" */
	unsigned depth;      /* 1 for the root */
	struct tfa_buf text; /* secret: the element's own text, trimmed */
};

/* A parsed document. */
struct tfa_awsquery_doc {
	struct tfa_awsquery_elem *elems; /* owned, in document order */
	size_t n, alloc;
};

void tfa_awsquery_doc_init(struct tfa_awsquery_doc *d);
/* Wipe and free; safe to call twice. */
void tfa_awsquery_doc_dispose(struct tfa_awsquery_doc *d);

/*
 * Parse n bytes of XML into out (initialised by the caller; on error it is
 * left empty).  0; TFA_EINVAL for XML that is not well-formed, carries a
 * DOCTYPE or nests deeper than the cap; TFA_ETOOBIG over the other caps.
 * The message says what is wrong, without a "SERVICE Op: " prefix.
 */
int tfa_awsquery_parse(struct tfa_awsquery_doc *out, const char *xml,
		       size_t n, struct tfa_err *err);

/* The root element's name, "" for an empty document. */
const char *tfa_awsquery_root(const struct tfa_awsquery_doc *d);
/* The text of the first element at path; NULL when there is none. */
const char *tfa_awsquery_get(const struct tfa_awsquery_doc *d,
			     const char *path);
/*
 * The first element at path whose index is from or more, its index stored
 * in *index (may be NULL); NULL when there is none.  Repeated elements (the
 * `member`s of an IAM list) are found one after the other this way; the
 * fields of one are the elements after it with a greater depth.
 */
const struct tfa_awsquery_elem *
tfa_awsquery_find(const struct tfa_awsquery_doc *d, const char *path,
		  size_t from, size_t *index);

/* One name=value of a request; a NULL value leaves the parameter out. */
struct tfa_awsquery_param {
	const char *name;
	const char *value;
};

struct tfa_awsquery_call {
	const char *service;      /* for messages: "STS", "IAM" */
	const char *signing_name; /* SigV4 service: "sts", "iam" */
	const char *endpoint;     /* "https://sts.eu-west-1.amazonaws.com" */
	const char *region;       /* SigV4 signing region */
	const char *action;       /* "GetCallerIdentity" */
	const char *version;      /* "2011-06-15" */
	const struct tfa_creds *creds; /* NULL: send unsigned */
	const struct tfa_awsquery_param *params;
	size_t nparams;
	const char *profile;      /* for hints; NULL: "PROFILE" */
};

struct tfa_awsquery_reply {
	long http_status;
	struct tfa_awsquery_doc doc; /* the whole reply, secret texts */
	char request_id[80];         /* header x-amzn-requestid, else the body's */
	time_t server_time;          /* the Date header, 0 when absent or bad */
};

void tfa_awsquery_reply_init(struct tfa_awsquery_reply *r);
void tfa_awsquery_reply_dispose(struct tfa_awsquery_reply *r);

/*
 * Make the call.  On success out (initialised by the caller) holds the
 * parsed `<Op>Response` document; the caller reads its fields with
 * tfa_awsquery_get.  On error out is left empty and err says why (see the
 * top of this file).
 */
int tfa_awsquery_call(struct tfa_awsquery_reply *out, struct tfa_ctx *ctx,
		      const struct tfa_awsquery_call *call, struct tfa_err *err);

/*
 * Build (but do not send) the request of a call: URL, headers, body,
 * signature.  req is initialised here; dispose it after.  For tests and
 * for tfa_awsquery_call.
 */
int tfa_awsquery_build(struct tfa_http_request *req, struct tfa_ctx *ctx,
		       const struct tfa_awsquery_call *call,
		       struct tfa_err *err);

/*
 * "STS AssumeRole: the reply lacks AssumeRoleResult/Credentials/Expiration"
 * — the error for a 2xx reply that cannot be used: TFA_EINVAL, with the
 * reply's HTTP status and request id, and a hint.  fmt words what is
 * wrong.
 */
int tfa_awsquery_bad_reply(struct tfa_err *err,
			   const struct tfa_awsquery_call *call,
			   const struct tfa_awsquery_reply *reply,
			   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Parse an HTTP Date header in the IMF-fixdate form every AWS endpoint (and
 * moto) sends: "Sun, 06 Nov 1994 08:49:37 GMT".  0, or -1 when s is not
 * one.
 */
int tfa_awsquery_parse_date(time_t *out, const char *s);

#endif
