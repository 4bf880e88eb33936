/*
 * fuzz_serve — the pure pieces of lib/serve, the loopback credentials
 * endpoint of tfauth-run --serve-credentials: what the child (or anything
 * else on the machine that reaches the port) sends, and what is built
 * from files the user wrote.
 *
 * The input up to its first line "%%" is what a connection sends: it is
 * parsed request after request (pipelining), as the server does.  Each
 * further chunk (see fuzz.h) starts with a line naming what it is:
 *
 *     creds        then AccessKeyId, SecretAccessKey, Token, AccountId,
 *                  Expiration (seconds) lines; a missing line is NULL
 *     token        then a line compared with the rest (the token)
 *     error        then the code line, the message is the rest
 *     config       the rest is the shared config file
 *     credentials  the rest is the shared credentials file
 *     profile      the rest names the profile of the config view
 *
 * Checks: tfa_serve_parse takes a request only with an empty line within
 * TFA_SERVE_MAX_REQUEST bytes, and its method (A-Z), target (no blank)
 * and trimmed Authorization lie in the bytes it takes; it needs more
 * bytes only when the input has no end of a header and no control byte;
 * a prefix of the input parses as "need more" or as the same request, a
 * refusal stays a refusal; the status is 200 only for GET /credentials
 * with the exact token, 401 first for any other token, else 405 or 404;
 * no CR but at a line's end; token comparison is exact; responses have the documented status line,
 * a Content-Length equal to the body, the Connection asked for, and a
 * body of printable ASCII that jansson parses back to exactly the fields
 * given (bytes that are not UTF-8 come back as the \udcXX of Python's
 * surrogateescape); the config view parses back as [default] with the
 * profile's settings less those tfa_serve_credential_key names, and the
 * [services] section it names; TFAUTH_SERVE is 0, 1 or TFA_EINVAL.
 */
#include "fuzz.h"

#include <jansson.h>
#include <strings.h>

#include "config.h"
#include "creds.h"
#include "serve.h"
#include "timeutil.h"

#define TOKEN "4f3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e"

/* ------------------------------------------------------------- requests */

static int
all_upper(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return 0;
	return 1;
}

static int
same_request(const struct tfa_serve_request *a, const struct tfa_serve_request *b)
{
	return a->method == b->method && a->method_len == b->method_len &&
	       a->target == b->target && a->target_len == b->target_len &&
	       a->auth == b->auth && a->auth_len == b->auth_len &&
	       a->keep_alive == b->keep_alive;
}

/* Whether [p, p+n) lies in [b, b+len). */
static int
within(const char *p, size_t n, const char *b, size_t len)
{
	return p >= b && n <= len && (size_t)(p - b) <= len - n;
}

/* The first end of a header (LF LF or LF CR LF) in s[0..n): its end, or 0. */
static size_t
header_end(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (s[i] != '\n')
			continue;
		if (s[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* A control byte in s[0..n), or a CR followed (within len) by no LF. */
static int
has_control(const char *s, size_t n, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
			return 1;
		if (c == '\r' && i + 1 < len && s[i + 1] != '\n')
			return 1;
	}
	return 0;
}

/* The Content-Length of an HTTP/1.1 response, its body, the Connection. */
static void
check_response(const struct tfa_buf *r, int status, const char *body, size_t n,
	       int keep_alive)
{
	static const struct {
		int status;
		const char *reason;
	} known[] = {
		{ 200, "OK" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
	};
	char line[64], len[48];
	const char *hend;
	size_t i, hl;

	for (i = 0; i < sizeof(known) / sizeof(known[0]) && known[i].status != status; i++)
		;
	FUZZ_CHECK(i < sizeof(known) / sizeof(known[0]));
	snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status, known[i].reason);
	FUZZ_CHECK(r->len > strlen(line) && memcmp(r->ptr, line, strlen(line)) == 0);
	hend = memmem(r->ptr, r->len, "\r\n\r\n", 4);
	FUZZ_CHECK(hend != NULL);
	hl = (size_t)(hend - r->ptr) + 4;
	FUZZ_CHECK(!has_control(r->ptr, hl, hl));
	FUZZ_CHECK(r->len - hl == n && memcmp(r->ptr + hl, body, n) == 0);
	snprintf(len, sizeof(len), "\r\nContent-Length: %zu\r\n", n);
	FUZZ_CHECK(memmem(r->ptr, hl, len, strlen(len)) != NULL);
	FUZZ_CHECK(memmem(r->ptr, hl, "\r\nContent-Type: application/json\r\n", 34) != NULL);
	FUZZ_CHECK(memmem(r->ptr, hl, keep_alive ? "\r\nConnection: keep-alive\r\n" :
			  "\r\nConnection: close\r\n", keep_alive ? 26 : 21) != NULL);
	FUZZ_CHECK(!memmem(r->ptr, hl, "\r\nAllow: GET\r\n", 14) == (status != 405));
}

/* A JSON body: printable ASCII only (whatever the strings held). */
static void
check_ascii(const struct tfa_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		FUZZ_CHECK(b->ptr[i] >= 0x20 && b->ptr[i] <= 0x7e);
}

/* ---------------------------------------------------------------- JSON */

/* The valid UTF-8 sequence at s (n bytes left): its length, or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return k;
}

/*
 * What a string comes back as from the JSON once lone surrogates are
 * mapped as in lone_surrogates(): a byte that starts no valid sequence
 * becomes U+10FFXX (4 bytes), the rest is copied.
 */
static char *
expected(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, k;
	char *out = malloc(4 * n + 1), *o = out;

	FUZZ_CHECK(out != NULL);
	for (i = 0; i < n; i += k) {
		k = utf8_len(p + i, n - i);
		if (k) {
			memcpy(o, p + i, k);
			o += k;
			continue;
		}
		k = 1;
		*o++ = (char)0xf4;
		*o++ = (char)0x8f;
		*o++ = (char)(0xbc | (p[i] >> 6));
		*o++ = (char)(0x80 | (p[i] & 0x3f));
	}
	*o = '\0';
	return out;
}

static int
hex4(const char *p, unsigned *v)
{
	unsigned x = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*v = x;
	return 0;
}

/*
 * The JSON text b with each lone \udcXX (Python's surrogateescape of the
 * byte XX, which jansson refuses) written as \udbff\udfXX, U+10FFXX.
 */
static char *
lone_surrogates(const struct tfa_buf *b, size_t *len)
{
	char *out = malloc(2 * b->len + 1), *o = out;
	size_t i;
	unsigned v, prev = 0;
	int in_str = 0;

	FUZZ_CHECK(out != NULL);
	for (i = 0; i < b->len;) {
		char c = b->ptr[i];
		if (!in_str || c != '\\') {
			if (c == '"')
				in_str = !in_str;
			prev = 0;
			*o++ = c;
			i++;
			continue;
		}
		FUZZ_CHECK(i + 1 < b->len);
		if (b->ptr[i + 1] != 'u') {
			*o++ = c;
			*o++ = b->ptr[i + 1];
			i += 2;
			prev = 0;
			continue;
		}
		FUZZ_CHECK(i + 6 <= b->len && hex4(b->ptr + i + 2, &v) == 0);
		if (v >= 0xdc00 && v <= 0xdcff && !(prev >= 0xd800 && prev <= 0xdbff)) {
			FUZZ_CHECK(v >= 0xdc80);   /* only bytes past ASCII are escaped */
			memcpy(o, "\\udbff\\udf", 10);
			o += 10;
			memcpy(o, b->ptr + i + 4, 2);
			o += 2;
			prev = 0;
		} else {
			memcpy(o, b->ptr + i, 6);
			o += 6;
			prev = (prev >= 0xd800 && prev <= 0xdbff) ? 0 : v;
		}
		i += 6;
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

/* Parse a body, which must be one object; NULL never. */
static json_t *
load(const struct tfa_buf *b)
{
	json_error_t jerr;
	json_t *j;
	size_t n;
	char *text;

	check_ascii(b);
	text = lone_surrogates(b, &n);
	j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		fprintf(stderr, "jansson: %s at %d: %s\n", jerr.text, jerr.position, text);
	free(text);
	FUZZ_CHECK(j != NULL && json_is_object(j));
	return j;
}

static void
check_member(json_t *j, const char *key, const char *want)
{
	json_t *v = json_object_get(j, key);
	char *e = expected(want);

	FUZZ_CHECK(json_is_string(v));
	FUZZ_CHECK(strlen(e) == json_string_length(v));
	FUZZ_CHECK(strcmp(json_string_value(v), e) == 0);
	free(e);
}

static void
check_error_body(const char *code, const char *msg)
{
	struct tfa_buf b = TFA_BUF_INIT;
	json_t *j;

	tfa_serve_error_body(&b, code, msg);
	j = load(&b);
	FUZZ_CHECK(json_object_size(j) == 2);
	check_member(j, "code", code);
	check_member(j, "message", msg ? msg : "");
	json_decref(j);
	tfa_buf_dispose(&b);
}

/* ----------------------------------------------------------- the stream */

static void
check_requests(const char *buf, size_t len, size_t cut)
{
	struct tfa_serve_request rq, again;
	struct tfa_buf body, resp;
	const char *why;
	ssize_t n, m;
	size_t h, lim;
	int status, k;

	/* At most as many requests as the server answers in a full buffer. */
	for (k = 0; k < 64; k++) {
		memset(&rq, 0, sizeof(rq));
		n = tfa_serve_parse(&rq, buf, len);
		lim = len < TFA_SERVE_MAX_REQUEST ? len : TFA_SERVE_MAX_REQUEST;
		h = header_end(buf, lim);
		/* No end of a header within the bounds, no control byte: more. */
		if (h == 0 && !has_control(buf, lim, len))
			FUZZ_CHECK(n == (len < TFA_SERVE_MAX_REQUEST ? 0 : TFA_ETOOBIG));
		if (n == 0) {
			FUZZ_CHECK(len < TFA_SERVE_MAX_REQUEST && h == 0);
		} else if (n == TFA_ETOOBIG) {
			FUZZ_CHECK(len >= TFA_SERVE_MAX_REQUEST && h == 0);
		} else if (n < 0) {
			FUZZ_CHECK(n == TFA_EINVAL);
		} else {
			FUZZ_CHECK((size_t)n == h && (size_t)n <= TFA_SERVE_MAX_REQUEST);
			FUZZ_CHECK(!has_control(buf, (size_t)n, (size_t)n));
			FUZZ_CHECK(rq.method == buf && rq.method_len > 0);
			FUZZ_CHECK(all_upper(rq.method, rq.method_len));
			FUZZ_CHECK(rq.target == buf + rq.method_len + 1 && rq.target_len > 0);
			FUZZ_CHECK(within(rq.target, rq.target_len, buf, (size_t)n));
			FUZZ_CHECK(!memchr(rq.target, ' ', rq.target_len) &&
				   !memchr(rq.target, '\r', rq.target_len) &&
				   !memchr(rq.target, '\n', rq.target_len) &&
				   !memchr(rq.target, '\t', rq.target_len));
			FUZZ_CHECK(memcmp(rq.target + rq.target_len, " HTTP/1.", 8) == 0);
			FUZZ_CHECK(rq.keep_alive == 0 || rq.keep_alive == 1);
			if (rq.auth) {
				FUZZ_CHECK(within(rq.auth, rq.auth_len, buf, (size_t)n));
				FUZZ_CHECK(!memchr(rq.auth, '\n', rq.auth_len) &&
					   !memchr(rq.auth, '\r', rq.auth_len));
				FUZZ_CHECK(rq.auth_len == 0 ||
					   (rq.auth[0] != ' ' && rq.auth[0] != '\t' &&
					    rq.auth[rq.auth_len - 1] != ' ' &&
					    rq.auth[rq.auth_len - 1] != '\t'));
			}
		}

		/* Bytes arrive in pieces: a prefix agrees with the whole. */
		if (cut < len) {
			m = tfa_serve_parse(&again, buf, cut);
			if (m > 0)
				FUZZ_CHECK(m == n && same_request(&again, &rq));
			else if (m < 0)
				FUZZ_CHECK(n == m);
			/* The request alone is the same request. */
			if (n > 0) {
				m = tfa_serve_parse(&again, buf, (size_t)n);
				FUZZ_CHECK(m == n && same_request(&again, &rq));
			}
		}
		if (n <= 0)
			break;

		status = tfa_serve_status(&rq, TOKEN, &why);
		FUZZ_CHECK(why != NULL);
		if (!rq.auth || !tfa_serve_token_equal(rq.auth, rq.auth_len, TOKEN)) {
			FUZZ_CHECK(status == 401);
		} else {
			const char *q = memchr(rq.target, '?', rq.target_len);
			size_t plen = q ? (size_t)(q - rq.target) : rq.target_len;
			FUZZ_CHECK(rq.auth_len == strlen(TOKEN) &&
				   memcmp(rq.auth, TOKEN, rq.auth_len) == 0);
			if (rq.method_len != 3 || memcmp(rq.method, "GET", 3) != 0)
				FUZZ_CHECK(status == 405);
			else if (plen != strlen(TFA_SERVE_PATH) ||
				 memcmp(rq.target, TFA_SERVE_PATH, plen) != 0)
				FUZZ_CHECK(status == 404);
			else
				FUZZ_CHECK(status == 200);
		}
		FUZZ_CHECK((status == 200) == (why[0] == '\0'));

		/* The refusal as the server sends it. */
		tfa_buf_init(&body, 0);
		tfa_buf_init(&resp, 0);
		tfa_serve_error_body(&body, "Refused", why);
		tfa_serve_response(&resp, status, body.ptr, body.len, rq.keep_alive);
		check_response(&resp, status, body.ptr, body.len, rq.keep_alive);
		tfa_buf_dispose(&body);
		tfa_buf_dispose(&resp);

		buf += n;
		len -= (size_t)n;
		cut = cut > (size_t)n ? cut - (size_t)n : len / 2;
	}
}

/* ---------------------------------------------------------- the chunks */

/* The next line of [*p, end) as a new string (NULL past the end). */
static char *
next_line(const char **p, const char *end)
{
	const char *nl;
	char *s;
	size_t n;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	s = strndup(*p, n);
	FUZZ_CHECK(s != NULL);
	*p = nl ? nl + 1 : end;
	return s;
}

static void
check_creds(const char *p, const char *end)
{
	char *f[5], when[TFA_TIME_LEN];
	struct tfa_creds c;
	struct tfa_buf b;
	json_t *j;
	int i, rc;
	long long t;

	for (i = 0; i < 5; i++)
		f[i] = next_line(&p, end);
	tfa_creds_init(&c);
	c.access_key_id = f[0];
	c.secret_access_key = f[1];
	c.session_token = f[2];
	c.account_id = f[3];
	t = f[4] ? strtoll(f[4], NULL, 10) : 0;
	/* Times the caches can hold: years 0000-9999. */
	c.expiration = t >= -62167219200LL && t <= 253402300799LL ? (time_t)t : 0;

	tfa_buf_init_secret(&b, 0);
	rc = tfa_serve_creds_body(&b, &c, FUZZ_NOW);
	if (!f[0] || !f[0][0] || !f[1] || !f[1][0]) {
		FUZZ_CHECK(rc == TFA_EINVAL && b.len == 0);
	} else {
		FUZZ_CHECK(rc == 0);
		j = load(&b);
		check_member(j, "AccessKeyId", f[0]);
		check_member(j, "SecretAccessKey", f[1]);
		check_member(j, "Token", f[2] ? f[2] : "");
		tfa_time_format(when, c.expiration ? c.expiration :
				FUZZ_NOW + TFA_SERVE_STATIC_LIFETIME);
		check_member(j, "Expiration", when);
		if (f[3] && f[3][0])
			check_member(j, "AccountId", f[3]);
		FUZZ_CHECK(json_object_size(j) == (f[3] && f[3][0] ? 5u : 4u));
		json_decref(j);
	}
	tfa_buf_dispose(&b);
	for (i = 0; i < 5; i++)
		free(f[i]);
}

static void
check_token(const char *p, const char *end)
{
	char *a = next_line(&p, end);
	char *tok = strndup(p, (size_t)(end - p));
	size_t n = a ? strlen(a) : 0;
	int eq;

	FUZZ_CHECK(tok != NULL);
	eq = tfa_serve_token_equal(a ? a : "", n, tok);
	FUZZ_CHECK(eq == (strlen(tok) == n && memcmp(a ? a : "", tok, n) == 0));
	/* A prefix of the token is not the token. */
	if (n)
		FUZZ_CHECK(!tfa_serve_token_equal(tok, strlen(tok), a) ||
			   strcmp(tok, a) == 0);
	free(a);
	free(tok);
}

static void
check_error(const char *p, const char *end)
{
	char *code = next_line(&p, end);
	char *msg = p < end ? strndup(p, (size_t)(end - p)) : NULL;

	check_error_body(code ? code : "", msg);
	free(code);
	free(msg);
}

static void
check_setting(const struct tfa_setting *got, const struct tfa_setting *want)
{
	size_t i;

	FUZZ_CHECK(strcmp(got->key, want->key) == 0);
	FUZZ_CHECK(strcmp(got->value, want->value) == 0);
	FUZZ_CHECK(got->nsub == want->nsub);
	for (i = 0; i < want->nsub; i++) {
		FUZZ_CHECK(strcmp(got->sub[i].key, want->sub[i].key) == 0);
		FUZZ_CHECK(strcmp(got->sub[i].value, want->sub[i].value) == 0);
	}
}

static void
check_view(const char *config, size_t clen, const char *creds, size_t crlen,
	   const char *profile)
{
	struct tfa_config *cfg = NULL, *view = NULL;
	const struct tfa_section *s, *d, *svc, *vsvc;
	struct tfa_buf b = TFA_BUF_INIT;
	struct tfa_err err;
	const char *services;
	size_t i, k;
	int rc;

	tfa_err_clear(&err);
	if (tfa_config_parse(&cfg, config, clen, creds, crlen, &err) < 0)
		return;
	if (!profile && tfa_config_profile_count(cfg))
		profile = tfa_config_profile_at(cfg, 0)->name;
	if (!profile)
		profile = "default";
	s = tfa_config_profile(cfg, profile);
	tfa_serve_config_view(&b, cfg, profile);
	rc = tfa_config_parse(&view, b.ptr, b.len, NULL, 0, &err);
	if (rc < 0)
		fprintf(stderr, "view of '%s': %s\n%s", profile, err.msg, b.ptr);
	FUZZ_CHECK(rc == 0);
	d = tfa_config_profile(view, "default");
	FUZZ_CHECK(d != NULL && tfa_config_profile_count(view) == 1);
	for (i = k = 0; s && i < s->nsettings; i++) {
		if (tfa_serve_credential_key(s->settings[i].key))
			continue;
		FUZZ_CHECK(k < d->nsettings);
		check_setting(&d->settings[k++], &s->settings[i]);
	}
	FUZZ_CHECK(k == d->nsettings);
	for (i = 0; i < d->nsettings; i++)
		FUZZ_CHECK(!tfa_serve_credential_key(d->settings[i].key));
	services = s ? tfa_section_value(s, "services") : NULL;
	svc = services && *services ? tfa_config_services(cfg, services) : NULL;
	vsvc = services && *services ? tfa_config_services(view, services) : NULL;
	FUZZ_CHECK(!svc == !vsvc);
	if (svc) {
		FUZZ_CHECK(vsvc->nsettings == svc->nsettings);
		for (i = 0; i < svc->nsettings; i++)
			check_setting(&vsvc->settings[i], &svc->settings[i]);
	}
	tfa_config_free(view);
	tfa_config_free(cfg);
	tfa_buf_dispose(&b);
}

static void
check_setting_env(const char *p, const char *end)
{
	char *v = strndup(p, (size_t)(end - p));
	const char *on[] = { "1", "true", "yes", "on" };
	const char *off[] = { "", "0", "false", "no", "off" };
	struct tfa_ctx ctx;
	struct tfa_err err;
	char *env[] = { NULL };
	size_t i;
	int want = -1, got = 7, rc;

	FUZZ_CHECK(v != NULL);
	tfa_ctx_init(&ctx, env);
	tfa_ctx_setenv(&ctx, "TFAUTH_SERVE", v);
	for (i = 0; i < 4; i++)
		if (strcasecmp(v, on[i]) == 0)
			want = 1;
	for (i = 0; i < 5; i++)
		if (strcasecmp(v, off[i]) == 0)
			want = 0;
	tfa_err_clear(&err);
	rc = tfa_serve_setting(&got, &ctx, &err);
	fuzz_check_err(rc, &err);
	if (want < 0) {
		FUZZ_CHECK(rc == TFA_EINVAL && got == 7);
		FUZZ_CHECK(strstr(err.msg, "TFAUTH_SERVE") != NULL);
	} else {
		FUZZ_CHECK(rc == 0 && got == want);
	}
	tfa_ctx_dispose(&ctx);
	free(v);
}

#define MAXC 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ptr[MAXC], *s = (const char *)data, *config = NULL, *creds = NULL;
	size_t len[MAXC], clen = 0, crlen = 0, n, i;
	char *profile = NULL;

	n = fuzz_split(ptr, len, MAXC, s, size);
	check_requests(ptr[0], len[0], size ? data[size - 1] * len[0] / 256 : 0);
	for (i = 1; i < n; i++) {
		const char *p = ptr[i], *end = p + len[i], *nl = memchr(p, '\n', len[i]);
		size_t w = nl ? (size_t)(nl - p) : len[i];
		const char *rest = nl ? nl + 1 : end;

#define IS(word) (w == strlen(word) && memcmp(p, word, w) == 0)
		if (IS("creds")) {
			check_creds(rest, end);
		} else if (IS("token")) {
			check_token(rest, end);
		} else if (IS("error")) {
			check_error(rest, end);
		} else if (IS("env")) {
			check_setting_env(rest, end);
		} else if (IS("config")) {
			config = rest;
			clen = (size_t)(end - rest);
		} else if (IS("credentials")) {
			creds = rest;
			crlen = (size_t)(end - rest);
		} else if (IS("profile") && !profile) {
			profile = strndup(rest, (size_t)(end - rest));
		}
#undef IS
	}
	if (config || creds)
		check_view(config, clen, creds, crlen, profile);
	free(profile);
	return 0;
}
