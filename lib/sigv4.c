/* sigv4 — see sigv4.h. */
#include "sigv4.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One header as the signer sees it: a view into the request, or our own. */
struct hdr {
	const char *name;
	size_t nlen;
	const char *value;
	size_t vlen;
	size_t index; /* request order, so repeated headers keep theirs */
};

struct hdrlist {
	struct hdr *v;
	size_t n, alloc;
};

/* The parts of "scheme://[userinfo@]host[:port]/path?query#fragment". */
struct url {
	size_t prefix_len;     /* bytes of "scheme://authority" */
	struct tfa_span host;  /* host[:port] without a default port */
	struct tfa_span path;  /* may be empty */
	struct tfa_span query; /* without the '?'; may be empty */
};

/*
 * Headers that are never signed: proxies, curl and load balancers may add or
 * change them (aws-c-auth's s_skipped_headers), and Authorization is what we
 * are computing.
 */
static const char *const never_signed[] = {
	"authorization", "connection", "sec-websocket-key",
	"sec-websocket-protocol", "sec-websocket-version", "upgrade",
	"user-agent", "x-amzn-trace-id",
};

/* Query parameters that only a signer writes (aws-c-auth's s_forbidden_params). */
static const char *const signing_params[] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-Security-Token", "X-Amz-Signature", "X-Amz-SignedHeaders",
};

static void
crypto_failed(const char *what)
{
	/*
	 * OpenSSL's default provider fails a digest only when memory runs out:
	 * treat it like tfa_xmalloc treats that.
	 */
	fprintf(stderr, "tfauth: OpenSSL %s failed\n", what);
	abort();
}

static void
to_hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
hmac_sha256(unsigned char out[32], const void *key, size_t klen,
	    const void *data, size_t n)
{
	unsigned int len = 0;

	if (klen > INT_MAX || !HMAC(EVP_sha256(), key, (int)klen,
				    (const unsigned char *)data, n, out, &len) ||
	    len != 32)
		crypto_failed("HMAC-SHA256");
}

void
tfa_sha256_hex(char out[65], const void *data, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) || len != 32)
		crypto_failed("SHA-256");
	to_hex(out, md, 32);
}

void
tfa_sigv4_signing_key(unsigned char out[32], const char *secret,
		      const char *date8, const char *region,
		      const char *service)
{
	size_t n = strlen(secret);
	char *k = tfa_xmalloc(n + 4);
	unsigned char a[32], b[32];

	memcpy(k, "AWS4", 4);
	memcpy(k + 4, secret, n);
	/* date8 may be a whole X-Amz-Date: its first 8 bytes are the day. */
	hmac_sha256(a, k, n + 4, date8, strnlen(date8, 8));
	hmac_sha256(b, a, sizeof(a), region, strlen(region));
	hmac_sha256(a, b, sizeof(b), service, strlen(service));
	hmac_sha256(out, a, sizeof(a), "aws4_request", 12);
	OPENSSL_cleanse(k, n + 4);
	free(k);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
}

void
tfa_sigv4_signature(char out[65], const unsigned char key[32],
		    const char *sts, size_t n)
{
	unsigned char mac[32];

	hmac_sha256(mac, key, 32, sts, n);
	to_hex(out, mac, sizeof(mac));
}

int
tfa_sigv4_amz_date(char out[TFA_SIGV4_DATE_LEN], time_t t)
{
	char tmp[32];
	struct tm tm;

	/* %Y of a year before 1000 or after 9999 is not four digits. */
	if (!gmtime_r(&t, &tm) ||
	    strftime(tmp, sizeof(tmp), "%Y%m%dT%H%M%SZ", &tm) !=
		    TFA_SIGV4_DATE_LEN - 1)
		return TFA_EINVAL;
	memcpy(out, tmp, TFA_SIGV4_DATE_LEN);
	return 0;
}

int
tfa_sigv4_string_to_sign(struct tfa_buf *out, const char *amz_date,
			 const char *region, const char *service,
			 const char *creq, size_t creq_len)
{
	char h[65];

	tfa_sha256_hex(h, creq, creq_len);
	return tfa_buf_addf(out, "%s\n%s\n%.8s/%s/%s/aws4_request\n%s",
			    TFA_SIGV4_ALGORITHM, amz_date, amz_date, region,
			    service, h);
}

/*
 * Encoding and canonical pieces.
 */

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~';
}

int
tfa_uri_encode(struct tfa_buf *out, const char *s, size_t n, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i, extra = 0;
	char *p;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!unreserved(c) && !(keep_slash && c == '/'))
			extra += 2;
	}
	/* Grow once, so that a failure leaves out as it was. */
	if (extra > SIZE_MAX - n)
		return TFA_ETOOBIG;
	if ((rc = tfa_buf_grow(out, n + extra)) < 0)
		return rc;
	p = out->ptr + out->len;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = digits[c >> 4];
			*p++ = digits[c & 15];
		}
	}
	out->len += n + extra;
	out->ptr[out->len] = '\0';
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoding; a '%' not followed by two hex digits stays as it is. */
static int
uri_decode(struct tfa_buf *out, const char *s, size_t n)
{
	size_t i;
	char *p;
	int rc;

	if ((rc = tfa_buf_grow(out, n)) < 0)
		return rc;
	p = out->ptr + out->len;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			*p++ = (char)(hexval((unsigned char)s[i + 1]) * 16 +
				      hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	out->len = (size_t)(p - out->ptr);
	out->ptr[out->len] = '\0';
	return 0;
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

int
tfa_sigv4_canonical_header_value(struct tfa_buf *out, const char *v, size_t n)
{
	size_t i = 0;
	char *p;
	int rc, in_ws = 0;

	while (n > 0 && is_ws((unsigned char)v[n - 1]))
		n--;
	while (i < n && is_ws((unsigned char)v[i]))
		i++;
	if ((rc = tfa_buf_grow(out, n - i)) < 0)
		return rc;
	p = out->ptr + out->len;
	/* A folded line (obs-fold) is a space too, as RFC 7230 says. */
	for (; i < n; i++) {
		if (is_ws((unsigned char)v[i])) {
			if (!in_ws)
				*p++ = ' ';
			in_ws = 1;
		} else {
			*p++ = v[i];
			in_ws = 0;
		}
	}
	out->len = (size_t)(p - out->ptr);
	out->ptr[out->len] = '\0';
	return 0;
}

/*
 * aws-c-auth's normalisation: drop empty and "." segments, let ".." pop one,
 * start with '/', and end with '/' when the path did.
 */
static int
normalize_path(struct tfa_buf *out, const char *path, size_t n)
{
	struct tfa_span *seg = NULL;
	size_t nseg = 0, alloc = 0, i = 0, j, k;
	int rc = 0;

	while (i <= n) {
		j = i;
		while (j < n && path[j] != '/')
			j++;
		if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg > 0)
				nseg--;
		} else if (j > i && !(j - i == 1 && path[i] == '.')) {
			seg = tfa_xgrow(seg, &alloc, nseg + 1, sizeof(*seg));
			seg[nseg].ptr = path + i;
			seg[nseg].len = j - i;
			nseg++;
		}
		i = j + 1;
	}
	if ((rc = tfa_buf_addch(out, '/')) < 0)
		goto out;
	for (k = 0; k < nseg; k++) {
		if ((rc = tfa_buf_add(out, seg[k].ptr, seg[k].len)) < 0)
			goto out;
		if ((k + 1 < nseg || (n > 0 && path[n - 1] == '/')) &&
		    (rc = tfa_buf_addch(out, '/')) < 0)
			goto out;
	}
out:
	free(seg);
	return rc;
}

int
tfa_sigv4_canonical_uri(struct tfa_buf *out, const char *path, size_t n,
			int normalize, int double_encode)
{
	struct tfa_buf norm;
	int rc;

	tfa_buf_init(&norm, out->cap);
	if (normalize) {
		if ((rc = normalize_path(&norm, path, n)) < 0)
			goto out;
		path = norm.ptr;
		n = norm.len;
	}
	if (n == 0) {
		path = "/";
		n = 1;
	}
	rc = double_encode ? tfa_uri_encode(out, path, n, 1)
			   : tfa_buf_add(out, path, n);
out:
	tfa_buf_dispose(&norm);
	return rc;
}

struct qparam {
	const char *name;
	size_t nlen;
	const char *value;
	size_t vlen;
};

static int
bytes_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c != 0)
		return c;
	return na < nb ? -1 : na > nb;
}

static int
qparam_cmp(const void *pa, const void *pb)
{
	const struct qparam *a = pa, *b = pb;
	int c = bytes_cmp(a->name, a->nlen, b->name, b->nlen);

	return c ? c : bytes_cmp(a->value, a->vlen, b->value, b->vlen);
}

/* Decode then encode s[0..n) onto enc. */
static int
reencode(struct tfa_buf *enc, struct tfa_buf *tmp, const char *s, size_t n)
{
	int rc;

	tfa_buf_reset(tmp);
	if ((rc = uri_decode(tmp, s, n)) < 0)
		return rc;
	return tfa_uri_encode(enc, tmp->ptr, tmp->len, 0);
}

int
tfa_sigv4_canonical_query(struct tfa_buf *out, const char *query, size_t n)
{
	/* Secret buffers: a presigned query carries the session token. */
	struct tfa_buf enc, tmp;
	struct qparam *qp = NULL;
	size_t *off = NULL; /* 4 per parameter: name offset, length, value... */
	size_t np = 0, alloc = 0, i = 0, j, total = 0, k;
	const char *eq;
	int rc = 0;

	tfa_buf_init_secret(&enc, out->cap);
	tfa_buf_init_secret(&tmp, out->cap);
	while (i < n) {
		j = i;
		while (j < n && query[j] != '&')
			j++;
		if (j > i) {
			eq = memchr(query + i, '=', j - i);
			off = tfa_xgrow(off, &alloc, 4 * (np + 1), sizeof(*off));
			off[4 * np] = enc.len;
			if ((rc = reencode(&enc, &tmp, query + i,
					   (eq ? (size_t)(eq - query) : j) - i)) < 0)
				goto out;
			off[4 * np + 1] = enc.len - off[4 * np];
			off[4 * np + 2] = enc.len;
			if (eq && (rc = reencode(&enc, &tmp, eq + 1,
						 j - (size_t)(eq + 1 - query))) < 0)
				goto out;
			off[4 * np + 3] = enc.len - off[4 * np + 2];
			np++;
		}
		i = j + 1;
	}
	qp = tfa_xcalloc(np, sizeof(*qp));
	for (k = 0; k < np; k++) {
		qp[k].name = enc.ptr + off[4 * k];
		qp[k].nlen = off[4 * k + 1];
		qp[k].value = enc.ptr + off[4 * k + 2];
		qp[k].vlen = off[4 * k + 3];
		total += qp[k].nlen + qp[k].vlen + 2;
	}
	if (np > 1)
		qsort(qp, np, sizeof(*qp), qparam_cmp);
	/* Grow once: the adds below cannot fail, so out changes all or not. */
	if (np > 0 && (rc = tfa_buf_grow(out, total - 1)) < 0)
		goto out;
	for (k = 0; k < np; k++) {
		if (k > 0)
			tfa_buf_addch(out, '&');
		tfa_buf_add(out, qp[k].name, qp[k].nlen);
		tfa_buf_addch(out, '=');
		tfa_buf_add(out, qp[k].value, qp[k].vlen);
	}
out:
	free(qp);
	free(off);
	tfa_buf_dispose(&enc);
	tfa_buf_dispose(&tmp);
	return rc;
}

/*
 * Headers.
 */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Does name[0..n) equal the lower-case want, ignoring case? */
static int
name_is(const char *name, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (want[i] == '\0' || lower((unsigned char)name[i]) != want[i])
			return 0;
	return want[n] == '\0';
}

static int
is_never_signed(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(never_signed) / sizeof(*never_signed); i++)
		if (name_is(name, n, never_signed[i]))
			return 1;
	return 0;
}

static void
hl_add(struct hdrlist *l, const char *name, const char *value, size_t vlen)
{
	l->v = tfa_xgrow(l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	l->v[l->n].name = name;
	l->v[l->n].nlen = strlen(name);
	l->v[l->n].value = value;
	l->v[l->n].vlen = vlen;
	l->v[l->n].index = l->n;
	l->n++;
}

static int
hdr_cmp(const void *pa, const void *pb)
{
	const struct hdr *a = pa, *b = pb;
	size_t i, n = a->nlen < b->nlen ? a->nlen : b->nlen;
	int ca, cb;

	for (i = 0; i < n; i++) {
		ca = lower((unsigned char)a->name[i]);
		cb = lower((unsigned char)b->name[i]);
		if (ca != cb)
			return ca - cb;
	}
	if (a->nlen != b->nlen)
		return a->nlen < b->nlen ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int
same_name(const struct hdr *a, const struct hdr *b)
{
	size_t i;

	if (a->nlen != b->nlen)
		return 0;
	for (i = 0; i < a->nlen; i++)
		if (lower((unsigned char)a->name[i]) != lower((unsigned char)b->name[i]))
			return 0;
	return 1;
}

static int
add_lower(struct tfa_buf *b, const char *s, size_t n)
{
	size_t start = b->len, i;

	if (tfa_buf_add(b, s, n) < 0)
		return TFA_ETOOBIG;
	for (i = start; i < b->len; i++)
		b->ptr[i] = (char)lower((unsigned char)b->ptr[i]);
	return 0;
}

/*
 * The canonical header block ("name:value\n" each) and the signed header
 * list ("a;b;c") of l, which this sorts.
 */
static int
canonical_headers(struct tfa_buf *block, struct tfa_buf *signed_hdrs,
		  struct hdrlist *l)
{
	size_t i;

	qsort(l->v, l->n, sizeof(*l->v), hdr_cmp);
	for (i = 0; i < l->n; i++) {
		const struct hdr *h = &l->v[i];
		if (i > 0 && same_name(h, &h[-1])) {
			/* The same header again: values joined with ','. */
			if (tfa_buf_addch(block, ',') < 0)
				return TFA_ETOOBIG;
		} else {
			if (i > 0 && (tfa_buf_addch(block, '\n') < 0 ||
				      tfa_buf_addch(signed_hdrs, ';') < 0))
				return TFA_ETOOBIG;
			if (add_lower(block, h->name, h->nlen) < 0 ||
			    add_lower(signed_hdrs, h->name, h->nlen) < 0 ||
			    tfa_buf_addch(block, ':') < 0)
				return TFA_ETOOBIG;
		}
		if (tfa_sigv4_canonical_header_value(block, h->value, h->vlen) < 0)
			return TFA_ETOOBIG;
	}
	if (l->n > 0 && tfa_buf_addch(block, '\n') < 0)
		return TFA_ETOOBIG;
	return 0;
}

/*
 * Method, URI, query, headers, signed headers and payload hash, joined by
 * newlines, appended to creq.
 */
static int
assemble(struct tfa_buf *creq, const char *method, const struct url *u,
	 const char *query, size_t qlen, const struct tfa_buf *block,
	 const struct tfa_buf *signed_hdrs, const char *payload,
	 const struct tfa_sigv4_params *p)
{
	if (tfa_buf_adds(creq, method) < 0 || tfa_buf_addch(creq, '\n') < 0 ||
	    tfa_sigv4_canonical_uri(creq, u->path.ptr, u->path.len,
				    p->normalize_path,
				    !p->no_double_encode) < 0 ||
	    tfa_buf_addch(creq, '\n') < 0 ||
	    tfa_sigv4_canonical_query(creq, query, qlen) < 0 ||
	    tfa_buf_addch(creq, '\n') < 0 ||
	    tfa_buf_add(creq, block->ptr, block->len) < 0 ||
	    tfa_buf_addch(creq, '\n') < 0 ||
	    tfa_buf_add(creq, signed_hdrs->ptr, signed_hdrs->len) < 0 ||
	    tfa_buf_addch(creq, '\n') < 0 || tfa_buf_adds(creq, payload) < 0)
		return TFA_ETOOBIG;
	return 0;
}

/*
 * URLs.
 */

static int
parse_url(struct url *u, const char *url)
{
	const char *p = url, *a, *ae, *h, *colon = NULL, *q;
	size_t slen;
	int https;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		p++;
	slen = (size_t)(p - url);
	if (strncmp(p, "://", 3) != 0)
		return -1;
	if (slen == 5 && strncasecmp(url, "https", 5) == 0)
		https = 1;
	else if (slen == 4 && strncasecmp(url, "http", 4) == 0)
		https = 0;
	else
		return -1;
	a = p + 3;
	ae = a + strcspn(a, "/?#");
	/* Drop userinfo: the last '@' ends it. */
	for (h = a, q = a; q < ae; q++)
		if (*q == '@')
			h = q + 1;
	if (h == ae || *h == ':')
		return -1;
	for (q = h; q < ae; q++) {
		if (*q == ':')
			colon = q;
		else if (*q == ']')
			colon = NULL; /* an IPv6 literal's colons are not a port */
	}
	u->host.ptr = h;
	u->host.len = (size_t)(ae - h);
	/* curl leaves a default port out of its Host header: so do we. */
	if (colon) {
		size_t plen = (size_t)(ae - colon - 1);
		if (plen == 0 || (https && plen == 3 && !memcmp(colon + 1, "443", 3)) ||
		    (!https && plen == 2 && !memcmp(colon + 1, "80", 2)))
			u->host.len = (size_t)(colon - h);
	}
	u->prefix_len = (size_t)(ae - url);
	u->path.ptr = ae;
	u->path.len = strcspn(ae, "?#");
	q = ae + u->path.len;
	u->query.ptr = q;
	u->query.len = 0;
	if (*q == '?') {
		u->query.ptr = q + 1;
		u->query.len = strcspn(q + 1, "#");
	}
	return 0;
}

/*
 * Checks shared by both ways of signing.
 */

/* A copy of s for a message: at most 64 bytes, no control characters. */
static const char *
shown(char out[72], const char *s)
{
	size_t i;

	for (i = 0; s[i] && s[i] != '?' && i < 64; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i] && s[i] != '?') {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

/* Printable ASCII without space and without any byte of forbid. */
static int
graphic(const char *s, const char *forbid)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr(forbid, *s))
			return 0;
	return 1;
}

/* A region or signing name: letters, digits, '-', '_', '.'. */
static int
scope_part_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!unreserved((unsigned char)s[i]) || s[i] == '~')
			return 0;
	return i > 0;
}

static int
check_inputs(struct url *u, char date[TFA_SIGV4_DATE_LEN],
	     const struct tfa_http_request *req, const struct tfa_creds *creds,
	     const struct tfa_sigv4_params *p, struct tfa_err *err)
{
	static const char keys_hint[] =
		"a stray quote, space or Windows line ending in "
		"~/.aws/credentials does that; 'tfauth-profile set-keys "
		"PROFILE' rewrites the keys";
	char s[72];
	int rc = TFA_EINVAL;

	if (!req->method || !req->method[0] || !graphic(req->method, "")) {
		tfa_err_set(err, rc, "cannot sign request: bad HTTP method");
		goto out;
	}
	if (!req->url || parse_url(u, req->url) < 0) {
		tfa_err_set(err, rc, "cannot sign request to '%s': not an http or https URL",
			    shown(s, req->url ? req->url : ""));
		goto out;
	}
	if (!creds || !creds->access_key_id || !creds->access_key_id[0] ||
	    !creds->secret_access_key || !creds->secret_access_key[0]) {
		tfa_err_set(err, rc, "cannot sign request: no access key id or no secret access key");
		tfa_err_hint(err, "'tfauth-doctor' shows where the credentials should come from");
		goto out;
	}
	if (!graphic(creds->access_key_id, "/,;=")) {
		tfa_err_set(err, rc, "cannot sign request: the access key id contains a space, "
			    "a control character or one of '/,;='");
		tfa_err_hint(err, "%s", keys_hint);
		goto out;
	}
	if (!graphic(creds->secret_access_key, "")) {
		tfa_err_set(err, rc, "cannot sign request: the secret access key contains a "
			    "space or a control character");
		tfa_err_hint(err, "%s", keys_hint);
		goto out;
	}
	if (creds->session_token && !graphic(creds->session_token, "")) {
		tfa_err_set(err, rc, "cannot sign request: the session token contains a space "
			    "or a control character");
		tfa_err_hint(err, "refresh the session: 'tfauth-refresh --force'");
		goto out;
	}
	if (!p->region || !scope_part_ok(p->region)) {
		if (!p->region || !p->region[0])
			tfa_err_set(err, rc, "cannot sign request: no region");
		else
			tfa_err_set(err, rc, "cannot sign request: '%s' is not a region name",
				    shown(s, p->region));
		tfa_err_hint(err, "set one: 'region = us-east-1' in the profile, or "
			     "'export AWS_REGION=us-east-1'");
		goto out;
	}
	if (!p->service || !scope_part_ok(p->service)) {
		tfa_err_set(err, rc, "cannot sign request: '%s' is not a signing name",
			    shown(s, p->service ? p->service : ""));
		goto out;
	}
	if (tfa_sigv4_amz_date(date, p->now) < 0) {
		tfa_err_set(err, rc, "cannot sign request: time %lld is out of range",
			    (long long)p->now);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

static const char *
session_token(const struct tfa_creds *creds)
{
	return creds->session_token && creds->session_token[0]
		       ? creds->session_token
		       : NULL;
}

/* The value of the first header called name, or NULL. */
static const struct tfa_http_header *
find_header(const struct tfa_http_request *req, const char *lname)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (name_is(req->headers[i].name, strlen(req->headers[i].name), lname))
			return &req->headers[i];
	return NULL;
}

/*
 * The request's own headers as signed: all but the never-signed ones and
 * those named in drop (lower-case, NULL-terminated); the Host header from
 * the URL when the request has none.
 */
static void
request_headers(struct hdrlist *l, const struct tfa_http_request *req,
		const struct url *u, const char *const *drop)
{
	const char *const *d;
	size_t i, n;
	int has_host = 0;

	for (i = 0; i < req->nheaders; i++) {
		const struct tfa_http_header *h = &req->headers[i];
		n = strlen(h->name);
		if (is_never_signed(h->name, n))
			continue;
		for (d = drop; *d; d++)
			if (name_is(h->name, n, *d))
				break;
		if (*d)
			continue;
		if (name_is(h->name, n, "host"))
			has_host = 1;
		hl_add(l, h->name, h->value ? h->value : "",
		       h->value ? strlen(h->value) : 0);
	}
	if (!has_host)
		hl_add(l, "host", u->host.ptr, u->host.len);
}

/*
 * The payload hash: the value of an x-amz-content-sha256 header the caller
 * set (S3's UNSIGNED-PAYLOAD), else the body's SHA-256.
 */
static int
payload_hash(struct tfa_buf *out, const struct tfa_http_request *req)
{
	const struct tfa_http_header *h = find_header(req, "x-amz-content-sha256");
	char hex[65];

	if (h && h->value)
		return tfa_sigv4_canonical_header_value(out, h->value,
							strlen(h->value));
	tfa_sha256_hex(hex, req->body.ptr, req->body.len);
	return tfa_buf_add(out, hex, 64);
}

static void
swap_buf(struct tfa_buf *a, struct tfa_buf *b)
{
	struct tfa_buf t = *a;

	*a = *b;
	*b = t;
}

/* Hand the artifacts to the trace; cannot fail. */
static void
fill_trace(struct tfa_sigv4_trace *t, struct tfa_buf *creq,
	   struct tfa_buf *sts, const char *sig)
{
	if (!t)
		return;
	swap_buf(&t->canonical_request, creq);
	swap_buf(&t->string_to_sign, sts);
	memcpy(t->signature, sig, 65);
}

void
tfa_sigv4_trace_init(struct tfa_sigv4_trace *t)
{
	tfa_buf_init_secret(&t->canonical_request, 0);
	tfa_buf_init(&t->string_to_sign, 0);
	t->signature[0] = '\0';
}

void
tfa_sigv4_trace_dispose(struct tfa_sigv4_trace *t)
{
	tfa_buf_dispose(&t->canonical_request);
	tfa_buf_dispose(&t->string_to_sign);
	t->signature[0] = '\0';
}

/*
 * Signing.
 */

static int
too_big(struct tfa_err *err, const char *verb)
{
	/* Every buffer's cap is 16 MiB: only a hostile request gets here. */
	return tfa_err_set(err, TFA_ETOOBIG, "cannot %s request: it is too big",
			   verb);
}

int
tfa_sigv4_canonical_request(struct tfa_buf *out, struct tfa_buf *signed_headers,
			    const struct tfa_http_request *req,
			    const struct tfa_sigv4_params *p, struct tfa_err *err)
{
	static const char *const drop_none[] = { NULL };
	static const char *const drop_token[] = { "x-amz-security-token", NULL };
	struct hdrlist hl = { NULL, 0, 0 };
	struct tfa_buf block, sh, payload, creq;
	struct url u;
	char s[72];
	int rc;

	tfa_buf_init_secret(&block, out->cap);
	tfa_buf_init(&sh, out->cap);
	tfa_buf_init(&payload, out->cap);
	tfa_buf_init_secret(&creq, out->cap);
	if (!req->method || !req->url || parse_url(&u, req->url) < 0) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "cannot sign request to '%s': not an http or https URL",
				 shown(s, req->url ? req->url : ""));
		goto out;
	}
	request_headers(&hl, req, &u,
			p->omit_session_token ? drop_token : drop_none);
	if (payload_hash(&payload, req) < 0 ||
	    canonical_headers(&block, &sh, &hl) < 0 ||
	    assemble(&creq, req->method, &u, u.query.ptr, u.query.len, &block,
		     &sh, payload.ptr, p) < 0 ||
	    tfa_buf_add(out, creq.ptr, creq.len) < 0) {
		rc = too_big(err, "sign");
		goto out;
	}
	if (signed_headers && tfa_buf_add(signed_headers, sh.ptr, sh.len) < 0) {
		tfa_buf_setlen(out, out->len - creq.len);
		rc = too_big(err, "sign");
		goto out;
	}
	rc = 0;
out:
	free(hl.v);
	tfa_buf_dispose(&block);
	tfa_buf_dispose(&sh);
	tfa_buf_dispose(&payload);
	tfa_buf_dispose(&creq);
	return rc;
}

int
tfa_sigv4_sign_request(struct tfa_http_request *req,
		       const struct tfa_creds *creds,
		       const struct tfa_sigv4_params *p, struct tfa_err *err)
{
	static const char *const drop[] = { "x-amz-date", "x-amz-security-token",
					    NULL };
	static const char *const drop_sha[] = { "x-amz-date", "x-amz-security-token",
						"x-amz-content-sha256", NULL };
	struct hdrlist hl = { NULL, 0, 0 };
	struct tfa_buf block, sh, payload, creq, sts, auth;
	struct url u;
	char date[TFA_SIGV4_DATE_LEN], sig[65];
	unsigned char key[32];
	const char *token;
	int rc;

	tfa_buf_init_secret(&block, 0);
	tfa_buf_init(&sh, 0);
	tfa_buf_init(&payload, 0);
	tfa_buf_init_secret(&creq, 0);
	tfa_buf_init(&sts, 0);
	tfa_buf_init(&auth, 0);
	if ((rc = check_inputs(&u, date, req, creds, p, err)) < 0)
		goto out;
	token = session_token(creds);
	if (!token && find_header(req, "x-amz-security-token")) {
		/* Signed or not, AWS would read it as these keys' token. */
		rc = tfa_err_set(err, TFA_EINVAL,
				 "cannot sign request: it carries an X-Amz-Security-Token "
				 "header but the credentials have no session token");
		goto out;
	}
	request_headers(&hl, req, &u, p->sign_body ? drop_sha : drop);
	if (token && !p->omit_session_token)
		hl_add(&hl, "X-Amz-Security-Token", token, strlen(token));
	hl_add(&hl, "X-Amz-Date", date, strlen(date));
	if (p->sign_body) {
		char hex[65];
		tfa_sha256_hex(hex, req->body.ptr, req->body.len);
		rc = tfa_buf_add(&payload, hex, 64);
		hl_add(&hl, "x-amz-content-sha256", payload.ptr, payload.len);
	} else {
		rc = payload_hash(&payload, req);
	}
	if (rc < 0 || canonical_headers(&block, &sh, &hl) < 0 ||
	    assemble(&creq, req->method, &u, u.query.ptr, u.query.len, &block,
		     &sh, payload.ptr, p) < 0 ||
	    tfa_sigv4_string_to_sign(&sts, date, p->region, p->service,
				     creq.ptr, creq.len) < 0) {
		rc = too_big(err, "sign");
		goto out;
	}
	tfa_sigv4_signing_key(key, creds->secret_access_key, date, p->region,
			      p->service);
	tfa_sigv4_signature(sig, key, sts.ptr, sts.len);
	if (tfa_buf_addf(&auth, "%s Credential=%s/%.8s/%s/%s/aws4_request, "
			 "SignedHeaders=%s, Signature=%s",
			 TFA_SIGV4_ALGORITHM, creds->access_key_id, date,
			 p->region, p->service, sh.ptr, sig) < 0) {
		rc = too_big(err, "sign");
		goto out;
	}
	/*
	 * Nothing can fail past this point, so req changes all or not at all.
	 * The order matches aws-c-auth's signed requests.
	 */
	if (token)
		tfa_http_request_set_header(req, "X-Amz-Security-Token", token);
	tfa_http_request_set_header(req, "X-Amz-Date", date);
	if (p->sign_body)
		tfa_http_request_set_header(req, "x-amz-content-sha256", payload.ptr);
	tfa_http_request_set_header(req, "Authorization", auth.ptr);
	fill_trace(p->trace, &creq, &sts, sig);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(hl.v);
	tfa_buf_dispose(&block);
	tfa_buf_dispose(&sh);
	tfa_buf_dispose(&payload);
	tfa_buf_dispose(&creq);
	tfa_buf_dispose(&sts);
	tfa_buf_dispose(&auth);
	return rc;
}

/* The first signing parameter in a raw query, or NULL. */
static const char *
signing_param_in(const char *query, size_t n, struct tfa_buf *tmp)
{
	size_t i = 0, j, k, len;
	const char *eq;

	while (i < n) {
		j = i;
		while (j < n && query[j] != '&')
			j++;
		eq = memchr(query + i, '=', j - i);
		len = (eq ? (size_t)(eq - query) : j) - i;
		tfa_buf_reset(tmp);
		if (uri_decode(tmp, query + i, len) == 0)
			for (k = 0; k < sizeof(signing_params) / sizeof(*signing_params); k++)
				if (strcmp(tmp->ptr, signing_params[k]) == 0)
					return signing_params[k];
		i = j + 1;
	}
	return NULL;
}

static int
add_token_param(struct tfa_buf *query, const char *token)
{
	if (tfa_buf_adds(query, "&X-Amz-Security-Token=") < 0)
		return TFA_ETOOBIG;
	return tfa_uri_encode(query, token, strlen(token), 0);
}

int
tfa_sigv4_presign_request(struct tfa_http_request *req,
			  const struct tfa_creds *creds,
			  const struct tfa_sigv4_params *p, struct tfa_err *err)
{
	static const char *const drop_none[] = { NULL };
	struct hdrlist hl = { NULL, 0, 0 };
	struct tfa_buf block, sh, payload, query, creq, sts, url, tmp;
	struct url u;
	char date[TFA_SIGV4_DATE_LEN], sig[65];
	unsigned char key[32];
	const char *token, *bad;
	int rc;

	tfa_buf_init_secret(&block, 0);
	tfa_buf_init(&sh, 0);
	tfa_buf_init(&payload, 0);
	tfa_buf_init_secret(&query, 0);
	tfa_buf_init_secret(&creq, 0);
	tfa_buf_init(&sts, 0);
	tfa_buf_init_secret(&url, 0);
	tfa_buf_init_secret(&tmp, 0);
	if ((rc = check_inputs(&u, date, req, creds, p, err)) < 0)
		goto out;
	if (p->expires < 1 || p->expires > TFA_SIGV4_MAX_EXPIRES) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "cannot presign request: expiry of %ld seconds is not "
				 "between 1 and %ld", p->expires, TFA_SIGV4_MAX_EXPIRES);
		goto out;
	}
	if ((bad = signing_param_in(u.query.ptr, u.query.len, &tmp))) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "cannot presign request: its URL already has '%s'", bad);
		goto out;
	}
	token = session_token(creds);
	request_headers(&hl, req, &u, drop_none);
	tfa_buf_reset(&tmp);
	/* The request's own query, then ours, in aws-c-auth's order. */
	if (payload_hash(&payload, req) < 0 ||
	    canonical_headers(&block, &sh, &hl) < 0 ||
	    tfa_buf_add(&query, u.query.ptr, u.query.len) < 0 ||
	    (query.len > 0 && tfa_buf_addch(&query, '&') < 0) ||
	    tfa_buf_addf(&query, "X-Amz-Algorithm=%s&X-Amz-Credential=",
			 TFA_SIGV4_ALGORITHM) < 0 ||
	    tfa_buf_addf(&tmp, "%s/%.8s/%s/%s/aws4_request", creds->access_key_id,
			 date, p->region, p->service) < 0 ||
	    tfa_uri_encode(&query, tmp.ptr, tmp.len, 0) < 0 ||
	    tfa_buf_addf(&query, "&X-Amz-Date=%s&X-Amz-SignedHeaders=", date) < 0 ||
	    tfa_uri_encode(&query, sh.ptr, sh.len, 0) < 0 ||
	    tfa_buf_addf(&query, "&X-Amz-Expires=%ld", p->expires) < 0 ||
	    (token && !p->omit_session_token &&
	     add_token_param(&query, token) < 0) ||
	    assemble(&creq, req->method, &u, query.ptr, query.len, &block, &sh,
		     payload.ptr, p) < 0 ||
	    tfa_sigv4_string_to_sign(&sts, date, p->region, p->service,
				     creq.ptr, creq.len) < 0) {
		rc = too_big(err, "presign");
		goto out;
	}
	tfa_sigv4_signing_key(key, creds->secret_access_key, date, p->region,
			      p->service);
	tfa_sigv4_signature(sig, key, sts.ptr, sts.len);
	/* An unsigned token still goes along, before the signature. */
	if ((token && p->omit_session_token && add_token_param(&query, token) < 0) ||
	    tfa_buf_add(&url, req->url, u.prefix_len) < 0 ||
	    (u.path.len ? tfa_buf_add(&url, u.path.ptr, u.path.len)
			: tfa_buf_addch(&url, '/')) < 0 ||
	    tfa_buf_addch(&url, '?') < 0 ||
	    tfa_buf_add(&url, query.ptr, query.len) < 0 ||
	    tfa_buf_addf(&url, "&X-Amz-Signature=%s", sig) < 0) {
		rc = too_big(err, "presign");
		goto out;
	}
	/* Nothing can fail past this point. */
	tfa_secret_free(req->url);
	req->url = tfa_buf_detach(&url);
	fill_trace(p->trace, &creq, &sts, sig);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(hl.v);
	tfa_buf_dispose(&block);
	tfa_buf_dispose(&sh);
	tfa_buf_dispose(&payload);
	tfa_buf_dispose(&query);
	tfa_buf_dispose(&creq);
	tfa_buf_dispose(&sts);
	tfa_buf_dispose(&url);
	tfa_buf_dispose(&tmp);
	return rc;
}
