/*
 * sigv4 — AWS Signature Version 4 (HMAC-SHA256, OpenSSL).
 *
 * The promise: tfa_sigv4_sign_request() signs a struct tfa_http_request the
 * way the AWS SDKs do, so that STS, IAM and every other SigV4 service accept
 * it; tfa_sigv4_presign_request() does the same in the query string (a
 * presigned URL).  Both pass every case of the AWS test suite
 * (tests/data/sigv4/v4, from awslabs/aws-c-auth) for the canonical request,
 * the string to sign, the signature and the signed request.
 *
 * The canonical request follows aws-c-auth (CRT), the C reference:
 *   - path: "/" when empty; with normalize_path, "." and empty segments are
 *     dropped and ".." pops one (a trailing "/" is kept); then the path is
 *     URI-encoded once more ("double encoding"), except with
 *     no_double_encode (S3), where it is used as sent;
 *   - query: each name and value is percent-decoded, then encoded with
 *     tfa_uri_encode (so a raw "a b" and "a%20b" sign alike), and the
 *     pairs are sorted by name, then value; "key" alone becomes "key=".
 *     '+' is a literal plus (encoded %2B), as in CRT: build queries with
 *     tfa_uri_encode, which never writes '+';
 *   - headers: names lower-cased, values trimmed, runs of spaces, tabs and
 *     line breaks (obsolete line folding) collapsed to one space, repeated
 *     headers joined with ',' in request order, sorted by name.  Never
 *     signed: Authorization, User-Agent, X-Amzn-Trace-Id, Connection,
 *     Upgrade and Sec-WebSocket-* (proxies and curl may change them);
 *   - payload: hex SHA-256 of the body, or the value of an
 *     x-amz-content-sha256 header the caller set (S3's UNSIGNED-PAYLOAD).
 *
 * Secrets: the secret key, the keys derived from it and the session token
 * live only in buffers that are wiped (OPENSSL_cleanse) before release, and
 * never appear in a tfa_err message.  The canonical request holds the
 * session token, so trace buffers are secret buffers too.
 *
 * Nothing here reads the clock: the caller passes the time in params.
 */
#ifndef TFA_SIGV4_H
#define TFA_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "creds.h"
#include "err.h"
#include "http.h"

#define TFA_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
/* A presigned URL lives at most 7 days (SigV4 limit). */
#define TFA_SIGV4_MAX_EXPIRES 604800L
/* "20150830T123600Z" plus NUL. */
#define TFA_SIGV4_DATE_LEN 17

/*
 * The intermediate artifacts of one signing, for tests, the suite runner
 * and debugging.  Owned by the caller: init before use, dispose after.
 */
struct tfa_sigv4_trace {
	struct tfa_buf canonical_request; /* secret: may hold the session token */
	struct tfa_buf string_to_sign;
	char signature[65];               /* lower-case hex */
};

void tfa_sigv4_trace_init(struct tfa_sigv4_trace *t);
void tfa_sigv4_trace_dispose(struct tfa_sigv4_trace *t);

struct tfa_sigv4_params {
	const char *region;     /* "us-east-1" */
	const char *service;    /* signing name: "sts", "iam", "s3" */
	time_t now;             /* the signing time, from tfa_ctx_now() */
	int normalize_path;     /* 1 for every service but S3 */
	int no_double_encode;   /* 1 for S3 only: the path is used as sent */
	int sign_body;          /* header signing: add x-amz-content-sha256 */
	int omit_session_token; /* send X-Amz-Security-Token but do not sign
				   it (some services want that; see the
				   suite's post-sts-header-after case) */
	long expires;           /* presigning: seconds, 1..TFA_SIGV4_MAX_EXPIRES */
	struct tfa_sigv4_trace *trace; /* optional: receives the artifacts */
};

/*
 * Sign req in its headers.  Adds (or replaces) X-Amz-Security-Token (when
 * creds carry a session token), X-Amz-Date, x-amz-content-sha256 (only with
 * sign_body) and Authorization, in that order.  Host is signed from the
 * request's Host header when it has one, else from the URL with the default
 * port left out, as curl sends it; no Host header is added.
 *
 * 0, or TFA_EINVAL (bad URL, region, service, credentials, or a stale
 * X-Amz-Security-Token header while the credentials have no session token),
 * TFA_ETOOBIG.  On error req is unchanged.
 */
int tfa_sigv4_sign_request(struct tfa_http_request *req,
			   const struct tfa_creds *creds,
			   const struct tfa_sigv4_params *p,
			   struct tfa_err *err);

/*
 * Presign req: rewrite req->url, appending X-Amz-Algorithm, -Credential,
 * -Date, -SignedHeaders, -Expires, [-Security-Token] and -Signature to its
 * query (any fragment is dropped).  Headers are signed as they are (at least
 * host); no header is added.  The payload is signed as in the canonical
 * request above; sign_body is ignored.
 *
 * 0, or TFA_EINVAL (as for sign_request, an expires out of range, or a URL
 * that already carries X-Amz-* signing parameters), TFA_ETOOBIG.  On error
 * req is unchanged.
 */
int tfa_sigv4_presign_request(struct tfa_http_request *req,
			      const struct tfa_creds *creds,
			      const struct tfa_sigv4_params *p,
			      struct tfa_err *err);

/*
 * The lower-level pieces.
 */

/*
 * The canonical request of req as it stands: every header it carries is
 * signed (but for the never-signed ones above, and X-Amz-Security-Token with
 * omit_session_token), so header signing must have added X-Amz-Date first.
 * Uses p's normalize_path, no_double_encode and omit_session_token.  out and
 * signed_headers (may be NULL) are appended to.  0, TFA_EINVAL for a bad
 * URL, TFA_ETOOBIG.
 */
int tfa_sigv4_canonical_request(struct tfa_buf *out,
				struct tfa_buf *signed_headers,
				const struct tfa_http_request *req,
				const struct tfa_sigv4_params *p,
				struct tfa_err *err);

/*
 * "AWS4-HMAC-SHA256\n" amz_date "\n" date8/region/service/aws4_request "\n"
 * hex(SHA-256(canonical request)), appended to out.  0 or TFA_ETOOBIG.
 */
int tfa_sigv4_string_to_sign(struct tfa_buf *out, const char *amz_date,
			     const char *region, const char *service,
			     const char *creq, size_t creq_len);

/*
 * kSigning = the HMAC chain over "AWS4" secret, date8, region, service,
 * "aws4_request".  date8 is "YYYYMMDD"; a whole X-Amz-Date will do (only
 * its first 8 bytes count).  out is a secret: OPENSSL_cleanse it after use.
 */
void tfa_sigv4_signing_key(unsigned char out[32], const char *secret,
			   const char *date8, const char *region,
			   const char *service);

/* hex(HMAC-SHA256(key, string to sign)). */
void tfa_sigv4_signature(char out[65], const unsigned char key[32],
			 const char *sts, size_t n);

/* "YYYYMMDDTHHMMSSZ" in UTC.  0, or TFA_EINVAL for a time past year 9999. */
int tfa_sigv4_amz_date(char out[TFA_SIGV4_DATE_LEN], time_t t);

/* The canonical URI of a path as sent ("" means "/"); appended to out. */
int tfa_sigv4_canonical_uri(struct tfa_buf *out, const char *path, size_t n,
			    int normalize, int double_encode);

/* The canonical query string of a raw query (no leading '?'); appended. */
int tfa_sigv4_canonical_query(struct tfa_buf *out, const char *query,
			      size_t n);

/* A header value trimmed and with its white-space runs collapsed; appended. */
int tfa_sigv4_canonical_header_value(struct tfa_buf *out, const char *v,
				     size_t n);

/* Lower-case hex SHA-256 of n bytes. */
void tfa_sha256_hex(char out[65], const void *data, size_t n);

/*
 * RFC 3986 encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ kept, '/' kept
 * when keep_slash, every other byte %XX with upper-case hex (space is %20,
 * never '+').  Also right for application/x-www-form-urlencoded bodies of
 * the AWS query APIs (STS, IAM).  Appended to out: 0 or TFA_ETOOBIG.
 */
int tfa_uri_encode(struct tfa_buf *out, const char *s, size_t n,
		   int keep_slash);

#endif
