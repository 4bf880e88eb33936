/*
 * fuzz_fields — the small parsers of single values read from files,
 * replies and the environment: RFC 3339 times (lib/timeutil: every
 * Expiration, expiresAt), HTTP dates (awsquery: the Date header), endpoint
 * URLs and region names (lib/endpoint: AWS_ENDPOINT_URL*, endpoint_url,
 * region).  The value is the input up to its first NUL.
 *
 * Checks: a time that parses equals what timegm() makes of its fields less
 * its offset, and formats and parses back to itself; a parsed HTTP date
 * has its fields (gmtime); a URL that passes is http(s)://, ASCII without
 * blanks or controls, at most TFA_ENDPOINT_MAX_URL bytes, with a host and
 * no user info, query or fragment; a refused one has a message; a region
 * is valid exactly when it matches [a-z0-9-]{1,31} without a '-' at
 * either end.  Also the URL pieces lib/sigv4 and lib/http take apart:
 * tfa_uri_encode decodes back to its input and writes only unreserved
 * bytes and %XX; the canonical URI of a path starts with '/'; a canonical header
 * value has no blank at either end nor two in a row; a URL shown in a
 * message has no query, fragment or user information.  And a number
 * from the environment (tfa_ctx_getenv_long) is accepted only as digits
 * within its range, with its value.
 */
#include "fuzz.h"

#include <strings.h>

#include "awsquery.h"
#include "ctx.h"
#include "endpoint.h"
#include "http.h"
#include "sigv4.h"
#include "timeutil.h"

static int
num(const char *s, int n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

static void
check_time(const char *s)
{
	char again[TFA_TIME_LEN];
	time_t t, t2, want;
	struct tm tm;
	const char *z;
	long off = 0;

	if (tfa_time_parse(&t, s) < 0)
		return;
	/* The parser promised the shape; the model does the arithmetic. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	tm.tm_sec = num(s + 17, 2);
	FUZZ_CHECK(tm.tm_sec <= 60);
	if (tm.tm_sec == 60)
		tm.tm_sec = 59;
	want = timegm(&tm);
	z = s + 19;
	if (*z == '.')
		z += 1 + strspn(z + 1, "0123456789");
	if (*z == '+' || *z == '-') {
		off = num(z + 1, 2) * 3600L + num(z + 4, 2) * 60L;
		if (*z == '-')
			off = -off;
	} else {
		FUZZ_CHECK(strcmp(z, "Z") == 0 || strcmp(z, "z") == 0 ||
			   strcmp(z, "UTC") == 0);
	}
	FUZZ_CHECK(t == want - off);
	/* The mday is real: timegm did not roll a 31 April over. */
	FUZZ_CHECK(gmtime_r(&want, &tm) && tm.tm_mday == num(s + 8, 2));
	if (num(s, 4) >= 1000 && num(s, 4) <= 9998) {
		tfa_time_format(again, t);
		FUZZ_CHECK(tfa_time_parse(&t2, again) == 0 && t2 == t);
	}
}

static void
check_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	time_t t;
	int sec;

	if (tfa_awsquery_parse_date(&t, s) < 0)
		return;
	FUZZ_CHECK(strlen(s) == 29 && strcmp(s + 25, " GMT") == 0);
	FUZZ_CHECK(gmtime_r(&t, &tm) != NULL);
	FUZZ_CHECK(tm.tm_year + 1900 == num(s + 12, 4));
	FUZZ_CHECK(strncmp(months + 3 * tm.tm_mon, s + 8, 3) == 0);
	FUZZ_CHECK(tm.tm_mday == num(s + 5, 2));
	FUZZ_CHECK(tm.tm_hour == num(s + 17, 2) && tm.tm_min == num(s + 20, 2));
	sec = num(s + 23, 2);
	FUZZ_CHECK(tm.tm_sec == (sec > 59 ? 59 : sec));
}

static void
check_url(const char *s)
{
	struct tfa_err err;
	const char *auth, *end, *p;
	int rc;

	tfa_err_clear(&err);
	rc = tfa_endpoint_check_url(s, "FUZZ", &err);
	fuzz_check_err(rc, &err);
	if (rc < 0) {
		FUZZ_CHECK(rc == TFA_EINVAL);
		return;
	}
	FUZZ_CHECK(strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
	FUZZ_CHECK(strlen(s) <= TFA_ENDPOINT_MAX_URL);
	for (p = s; *p; p++)
		FUZZ_CHECK(*p > 0x20 && *p < 0x7f);
	auth = strstr(s, "://") + 3;
	end = auth + strcspn(auth, "/?#");
	FUZZ_CHECK(end > auth && *auth != ':');
	FUZZ_CHECK(!memchr(auth, '@', (size_t)(end - auth)));
	FUZZ_CHECK(!strpbrk(s, "?#"));
}

static void
check_region(const char *s)
{
	size_t n = strlen(s), i;
	int want = n >= 1 && n <= TFA_REGION_MAX && s[0] != '-' && s[n - 1] != '-';
	const char *part;

	for (i = 0; want && i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			want = 0;
	FUZZ_CHECK(tfa_endpoint_region_valid(s) == want);
	part = tfa_endpoint_partition(s);
	FUZZ_STR(part);
	FUZZ_CHECK(strncmp(part, "aws", 3) == 0);
	(void)tfa_endpoint_sts_legacy_region(s);
}

static int
unhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void
check_pieces(const char *data, size_t size, const char *s)
{
	struct tfa_buf b, back;
	const char *p, *auth;
	char *shown;
	size_t i;
	int keep = size & 1;

	tfa_buf_init(&b, (size_t)1 << 24);
	tfa_buf_init(&back, (size_t)1 << 24);
	FUZZ_CHECK(tfa_uri_encode(&b, data, size, keep) == 0);
	for (i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.ptr[i];
		if (c == '%') {
			FUZZ_CHECK(i + 2 < b.len);
			FUZZ_CHECK(unhex(b.ptr[i + 1]) >= 0 && unhex(b.ptr[i + 2]) >= 0);
			tfa_buf_addch(&back, unhex(b.ptr[i + 1]) * 16 + unhex(b.ptr[i + 2]));
			i += 2;
		} else {
			FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				   (c >= '0' && c <= '9') || c == '-' || c == '_' ||
				   c == '.' || c == '~' || (keep && c == '/'));
			tfa_buf_addch(&back, c);
		}
	}
	FUZZ_CHECK(back.len == size && memcmp(back.ptr, data, size) == 0);

	tfa_buf_reset(&b);
	if (tfa_sigv4_canonical_uri(&b, data, size, size & 2, size & 4) == 0 &&
	    (!size || data[0] == '/'))
		FUZZ_CHECK(b.len >= 1 && b.ptr[0] == '/');
	tfa_buf_reset(&b);
	(void)tfa_sigv4_canonical_query(&b, data, size);
	tfa_buf_reset(&b);
	if (tfa_sigv4_canonical_header_value(&b, data, size) == 0 && b.len) {
		FUZZ_CHECK(b.ptr[0] != ' ' && b.ptr[b.len - 1] != ' ');
		FUZZ_CHECK(!memmem(b.ptr, b.len, "  ", 2));
	}
	tfa_buf_dispose(&b);
	tfa_buf_dispose(&back);

	shown = tfa_http_display_url(s);
	FUZZ_CHECK(shown && !strpbrk(shown, "?#"));
	if ((p = strstr(shown, "://")) && p == shown + strcspn(shown, ":/?#")) {
		auth = p + 3;
		FUZZ_CHECK(!memchr(auth, '@', strcspn(auth, "/")));
	}
	free(shown);
}

static void
check_env_number(const char *s)
{
	static struct tfa_ctx ctx;
	static int ready;
	struct tfa_err err;
	long v = -7;
	int rc;

	if (!ready) {
		fuzz_ctx_init(&ctx, NULL, NULL);
		ready = 1;
	}
	tfa_ctx_setenv(&ctx, "TFA_FUZZ_N", s);
	tfa_err_clear(&err);
	rc = tfa_ctx_getenv_long(&ctx, "TFA_FUZZ_N", 42, 1, 3600, "seconds", &v, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		if (!*s) {
			FUZZ_CHECK(v == 42);
		} else {
			FUZZ_CHECK(strspn(s, "0123456789") == strlen(s));
			FUZZ_CHECK(v >= 1 && v <= 3600 && v == strtol(s, NULL, 10));
		}
	} else {
		FUZZ_CHECK(rc == TFA_EINVAL && v == -7);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = tfa_xstrndup((const char *)data, size);

	check_time(s);
	check_date(s);
	check_url(s);
	check_region(s);
	check_pieces((const char *)data, size, s);
	check_env_number(s);
	free(s);
	return 0;
}
