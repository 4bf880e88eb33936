/*
 * Unit tests of sigv4: the published vectors of aws-reference.md §6, the
 * self-computed STS vectors, the canonical pieces' edge cases, and signing
 * a struct tfa_http_request end to end.  The whole AWS suite runs in
 * tests/cli/sigv4_suite.sh.
 */
#include "buf.h"
#include "creds.h"
#include "err.h"
#include "http.h"
#include "sigv4.h"
#include "tap.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_20150830 ((time_t)1440938160) /* 2015-08-30T12:36:00Z */
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define STS_BODY "Action=GetCallerIdentity&Version=2011-06-15"
#define FORM_UTF8 "application/x-www-form-urlencoded; charset=utf-8"

static void
creds_set(struct tfa_creds *c, const char *akid, const char *secret,
	  const char *token)
{
	tfa_creds_dispose(c);
	c->access_key_id = akid ? tfa_xstrdup(akid) : NULL;
	c->secret_access_key = secret ? tfa_xstrdup(secret) : NULL;
	c->session_token = token ? tfa_xstrdup(token) : NULL;
}

static struct tfa_sigv4_params
params(const char *region, const char *service)
{
	struct tfa_sigv4_params p;

	memset(&p, 0, sizeof(p));
	p.region = region;
	p.service = service;
	p.now = T_20150830;
	p.normalize_path = 1;
	return p;
}

/* The last line of s: the canonical request hash of a string to sign. */
static const char *
last_line(const char *s)
{
	const char *nl = strrchr(s, '\n');

	return nl ? nl + 1 : s;
}

/* The value of "name:" in a canonical request, copied into out. */
static const char *
creq_header(char *out, size_t outsz, const char *creq, const char *name)
{
	size_t n = strlen(name), len;
	const char *p = creq;

	while ((p = strstr(p, name))) {
		if ((p == creq || p[-1] == '\n') && p[n] == ':') {
			p += n + 1;
			len = strcspn(p, "\n");
			if (len >= outsz)
				len = outsz - 1;
			memcpy(out, p, len);
			out[len] = '\0';
			return out;
		}
		p += n;
	}
	return NULL;
}

static size_t
count_headers(const struct tfa_http_request *r, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			n++;
	return n;
}

static void
key_hex(char out[65], const unsigned char key[32])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[key[i] >> 4];
		out[2 * i + 1] = digits[key[i] & 15];
	}
	out[64] = '\0';
}

static void
test_primitives(void)
{
	unsigned char key[32];
	char hex[65], date[TFA_SIGV4_DATE_LEN];
	struct tfa_buf b = TFA_BUF_INIT;

	tfa_sha256_hex(hex, "", 0);
	is_str(hex, EMPTY_SHA, "sha256 of nothing");
	tfa_sha256_hex(hex, "abc", 3);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of 'abc'");
	tfa_sha256_hex(hex, STS_BODY, strlen(STS_BODY));
	is_str(hex, "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843",
	       "sha256 of the GetCallerIdentity body");

	tfa_sigv4_signing_key(key, SECRET, "20150830", "us-east-1", "iam");
	key_hex(hex, key);
	is_str(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
	       "signing key of the IAM docs example");
	tfa_sigv4_signing_key(key, SECRET, "20150830T123600Z", "us-east-1", "iam");
	key_hex(hex, key);
	is_str(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
	       "signing key from a whole X-Amz-Date uses its day");
	OPENSSL_cleanse(key, sizeof(key));

	is_int(tfa_sigv4_amz_date(date, T_20150830), 0, "amz date of a normal time");
	is_str(date, "20150830T123600Z", "amz date is YYYYMMDDTHHMMSSZ in UTC");
	is_int(tfa_sigv4_amz_date(date, (time_t)0), 0, "amz date of the epoch");
	is_str(date, "19700101T000000Z", "the epoch");
	memcpy(date, "unchanged", 10);
	is_int(tfa_sigv4_amz_date(date, (time_t)253402300800LL), TFA_EINVAL,
	       "year 10000 is refused");
	is_str(date, "unchanged", "a refused date writes nothing");

	is_int(tfa_sigv4_string_to_sign(&b, "20150830T123600Z", "us-east-1",
					"service", "x", 1), 0, "string to sign");
	is_str(b.ptr, "AWS4-HMAC-SHA256\n20150830T123600Z\n"
		      "20150830/us-east-1/service/aws4_request\n"
		      "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
	       "string to sign: algorithm, date, scope, hash");
	tfa_buf_dispose(&b);
}

static void
test_uri_encode(void)
{
	struct tfa_buf b = TFA_BUF_INIT;
	static const char all_unreserved[] =
		"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	tfa_uri_encode(&b, all_unreserved, strlen(all_unreserved), 0);
	is_str(b.ptr, all_unreserved, "unreserved characters are kept");
	tfa_buf_reset(&b);
	tfa_uri_encode(&b, "a b+c*d%e/f=g&h", 15, 0);
	is_str(b.ptr, "a%20b%2Bc%2Ad%25e%2Ff%3Dg%26h",
	       "space is %%20; + * %% / = & are encoded");
	tfa_buf_reset(&b);
	tfa_uri_encode(&b, "/a b/c", 6, 1);
	is_str(b.ptr, "/a%20b/c", "keep_slash keeps '/'");
	tfa_buf_reset(&b);
	tfa_uri_encode(&b, "\xe1\x88\xb4\xff", 4, 0);
	is_str(b.ptr, "%E1%88%B4%FF", "UTF-8 and high bytes: upper-case hex");
	tfa_buf_reset(&b);
	tfa_uri_encode(&b, "a\0b", 3, 0);
	is_int(b.len, 5, "a NUL byte inside n is encoded");
	is_str(b.ptr, "a%00b", "as %%00");
	tfa_buf_reset(&b);
	is_int(tfa_uri_encode(&b, "", 0, 0), 0, "empty input");
	is_str(b.ptr, "", "gives nothing");
	tfa_buf_dispose(&b);

	tfa_buf_init(&b, 4);
	tfa_buf_adds(&b, "ab");
	is_int(tfa_uri_encode(&b, " ", 1, 0), TFA_ETOOBIG, "encoding past the cap fails");
	is_str(b.ptr, "ab", "and leaves the buffer as it was");
	tfa_buf_dispose(&b);
}

struct uri_case {
	const char *path;
	int normalize, double_encode;
	const char *want;
};

static void
test_canonical_uri(void)
{
	static const struct uri_case cases[] = {
		{ "", 1, 1, "/" },
		{ "", 0, 0, "/" },
		{ "/", 1, 1, "/" },
		{ "/example/..", 1, 1, "/" },
		{ "/example/..", 0, 1, "/example/.." },
		{ "/a/b/..", 1, 1, "/a" },
		{ "/a/b/../", 1, 1, "/a/" },
		{ "/../..", 1, 1, "/" },
		{ "/./", 1, 1, "/" },
		{ "//example//", 1, 1, "/example/" },
		{ "//example//", 0, 1, "//example//" },
		{ "/a/./b/.//c", 1, 1, "/a/b/c" },
		{ "/example space/", 1, 1, "/example%20space/" },
		{ "/%2F%20", 1, 1, "/%252F%2520" },
		{ "/%2F%20", 0, 0, "/%2F%20" },
		{ "/\xe1\x88\xb4", 1, 1, "/%E1%88%B4" },
		{ "/...", 1, 1, "/..." },
	};
	struct tfa_buf b = TFA_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		tfa_buf_reset(&b);
		tfa_sigv4_canonical_uri(&b, cases[i].path, strlen(cases[i].path),
					cases[i].normalize, cases[i].double_encode);
		is_str(b.ptr, cases[i].want,
		       "canonical URI of '%s' (normalize %d, double encode %d)",
		       cases[i].path, cases[i].normalize, cases[i].double_encode);
	}
	tfa_buf_dispose(&b);
}

static void
test_canonical_query(void)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "Param2=value2&Param1=value1", "Param1=value1&Param2=value2" },
		{ "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
		  "%E1%88%B4=Value1&Param=Value2&Param-3=Value3" },
		{ "\xe1\x88\xb4=bar", "%E1%88%B4=bar" },
		{ "b=2&a=3&b=1", "a=3&b=1&b=2" },
		{ "a=z&A=y", "A=y&a=z" },
		{ "key", "key=" },
		{ "key=", "key=" },
		{ "a=1&&b=2&", "a=1&b=2" },
		{ "a=x%20y&b=x y", "a=x%20y&b=x%20y" },
		{ "a=x+y", "a=x%2By" },
		{ "a=%zz%4", "a=%25zz%254" },
		{ "a=b=c", "a=b%3Dc" },
		{ "=v", "=v" },
		{ "p=%2f", "p=%2F" },
		{ "Action=ListUsers&Version=2010-05-08",
		  "Action=ListUsers&Version=2010-05-08" },
	};
	struct tfa_buf b = TFA_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		tfa_buf_reset(&b);
		tfa_sigv4_canonical_query(&b, cases[i][0], strlen(cases[i][0]));
		is_str(b.ptr, cases[i][1], "canonical query of '%s'", cases[i][0]);
	}
	tfa_buf_dispose(&b);
}

static void
test_header_values(void)
{
	static const char *const cases[][2] = {
		{ "value1", "value1" },
		{ " value1 ", "value1" },
		{ "\t value1\t\r\n", "value1" },
		{ "\"a   b   c\"", "\"a b c\"" },
		{ "a\t\tb", "a b" },
		{ "value1\n  value2\n     value3", "value1 value2 value3" },
		{ "value1\r\n value2", "value1 value2" },
		{ "", "" },
		{ "   ", "" },
		{ "VALUE1", "VALUE1" },
	};
	struct tfa_buf b = TFA_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		tfa_buf_reset(&b);
		tfa_sigv4_canonical_header_value(&b, cases[i][0], strlen(cases[i][0]));
		is_str(b.ptr, cases[i][1], "header value %zu trimmed and collapsed", i);
	}
	tfa_buf_dispose(&b);
}

/* The IAM example of the AWS docs, and two cases of the suite. */
static void
test_published_vectors(void)
{
	struct tfa_http_request req;
	struct tfa_creds c;
	struct tfa_sigv4_trace t;
	struct tfa_sigv4_params p = params("us-east-1", "iam");
	struct tfa_err err;

	tfa_creds_init(&c);
	creds_set(&c, AKID, SECRET, NULL);
	tfa_sigv4_trace_init(&t);
	p.trace = &t;

	tfa_http_request_init(&req, "GET",
			      "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08");
	tfa_http_request_add_header(&req, "Content-Type", FORM_UTF8);
	is_int(tfa_sigv4_sign_request(&req, &c, &p, &err), 0, "IAM docs example: signs");
	is_str(t.canonical_request.ptr,
	       "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
	       "content-type:" FORM_UTF8 "\nhost:iam.amazonaws.com\n"
	       "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n" EMPTY_SHA,
	       "IAM docs example: canonical request");
	is_str(last_line(t.string_to_sign.ptr),
	       "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
	       "IAM docs example: canonical request hash");
	is_str(t.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
	       "IAM docs example: signature");
	is_str(tfa_http_request_header(&req, "Authorization"),
	       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
	       "SignedHeaders=content-type;host;x-amz-date, "
	       "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
	       "IAM docs example: Authorization header");
	is_str(tfa_http_request_header(&req, "X-Amz-Date"), "20150830T123600Z",
	       "IAM docs example: X-Amz-Date header");
	ok(!tfa_http_request_header(&req, "X-Amz-Security-Token"),
	   "long-term keys: no X-Amz-Security-Token");
	ok(!tfa_http_request_header(&req, "x-amz-content-sha256"),
	   "no x-amz-content-sha256 unless asked");
	ok(t.canonical_request.secret, "the traced canonical request is a secret buffer");
	tfa_http_request_dispose(&req);

	p.service = "service";
	tfa_http_request_init(&req, "GET", "https://example.amazonaws.com/");
	tfa_sigv4_sign_request(&req, &c, &p, &err);
	is_str(last_line(t.string_to_sign.ptr),
	       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
	       "get-vanilla: canonical request hash");
	is_str(t.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	       "get-vanilla: signature");
	tfa_http_request_dispose(&req);

	tfa_http_request_init(&req, "POST", "https://example.amazonaws.com/");
	tfa_http_request_add_header(&req, "Content-Type", "application/x-www-form-urlencoded");
	tfa_buf_adds(&req.body, "Param1=value1");
	tfa_sigv4_sign_request(&req, &c, &p, &err);
	is_str(last_line(t.canonical_request.ptr),
	       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
	       "post-x-www-form-urlencoded: payload hash");
	is_str(t.signature, "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
	       "post-x-www-form-urlencoded, body not in a header: signature");
	tfa_http_request_dispose(&req);

	tfa_sigv4_trace_dispose(&t);
	tfa_sigv4_trace_dispose(&t);
	tfa_creds_dispose(&c);
}

struct sts_case {
	const char *url, *region, *token, *creq_hash, *signature;
};

/* Self-computed with Python's hmac (aws-reference.md §6), not from AWS. */
static void
test_sts_vectors(void)
{
	static const struct sts_case cases[] = {
		{ "https://sts.amazonaws.com/", "us-east-1", NULL,
		  "db0f231bd5fb16e6f5461c322c611c18d360f776c1ec9aea36032f7469ea7559",
		  "6fb20d31f734d876c5682fdd2678d194cf68b862755f83b7ba1373c0874be25c" },
		{ "https://sts.eu-west-1.amazonaws.com/", "eu-west-1", NULL,
		  "755ff102db5f75bc32eb2dbce3531f83b778bd2dec5f5b344fc26c7020f8365f",
		  "d9ce7d87516e54d16bce0dfaec690a00a86d0c6a4505e7fbaf9081d93ffcbc1f" },
		{ "https://sts.amazonaws.com/", "us-east-1", "AQoDYXdzEJr...EXAMPLETOKEN",
		  "3533fd43a13e0ce8de7a467c47859c4cdcef074341132b960ef017d6af755f7e",
		  "82160a73760f73c19191d4218a578b31dc7a7fb89dbb8002d6636e16a229885d" },
	};
	struct tfa_http_request req;
	struct tfa_creds c;
	struct tfa_sigv4_trace t;
	struct tfa_sigv4_params p;
	struct tfa_err err;
	struct tfa_buf want = TFA_BUF_INIT;
	size_t i;

	tfa_creds_init(&c);
	tfa_sigv4_trace_init(&t);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct sts_case *k = &cases[i];
		p = params(k->region, "sts");
		p.trace = &t;
		creds_set(&c, AKID, SECRET, k->token);
		tfa_http_request_init(&req, "POST", k->url);
		tfa_http_request_add_header(&req, "Content-Type", FORM_UTF8);
		tfa_buf_adds(&req.body, STS_BODY);
		is_int(tfa_sigv4_sign_request(&req, &c, &p, &err), 0,
		       "STS %s%s: signs", k->region, k->token ? " + token" : "");
		is_str(last_line(t.string_to_sign.ptr), k->creq_hash,
		       "STS %s%s: canonical request hash", k->region,
		       k->token ? " + token" : "");
		is_str(t.signature, k->signature, "STS %s%s: signature", k->region,
		       k->token ? " + token" : "");
		tfa_buf_reset(&want);
		tfa_buf_addf(&want,
			     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/%s/sts/aws4_request, "
			     "SignedHeaders=content-type;host;x-amz-date%s, Signature=%s",
			     k->region, k->token ? ";x-amz-security-token" : "", k->signature);
		is_str(tfa_http_request_header(&req, "Authorization"), want.ptr,
		       "STS %s%s: Authorization header", k->region,
		       k->token ? " + token" : "");
		if (k->token)
			is_str(tfa_http_request_header(&req, "X-Amz-Security-Token"),
			       k->token, "STS + token: X-Amz-Security-Token header");
		else
			ok(!tfa_http_request_header(&req, "X-Amz-Security-Token"),
			   "STS %s: no X-Amz-Security-Token header", k->region);
		tfa_http_request_dispose(&req);
	}
	tfa_buf_dispose(&want);
	tfa_sigv4_trace_dispose(&t);
	tfa_creds_dispose(&c);
}

/* Signing a struct tfa_http_request: what it adds, and what it leaves. */
static void
test_sign_request(void)
{
	struct tfa_http_request req;
	struct tfa_creds c;
	struct tfa_sigv4_trace t;
	struct tfa_sigv4_params p = params("us-east-1", "sts");
	struct tfa_err err;
	struct tfa_buf b = TFA_BUF_INIT, sh = TFA_BUF_INIT;
	char v[256], *first;

	tfa_creds_init(&c);
	creds_set(&c, AKID, SECRET, "TOKEN/with+base64==");
	tfa_sigv4_trace_init(&t);
	p.trace = &t;

	/* sign_body adds x-amz-content-sha256, signed. */
	p.sign_body = 1;
	tfa_http_request_init(&req, "POST", "https://sts.amazonaws.com/");
	tfa_http_request_add_header(&req, "Content-Type", FORM_UTF8);
	tfa_http_request_add_header(&req, "User-Agent", "tfauth/0.1.0");
	tfa_http_request_add_header(&req, "X-Amzn-Trace-Id", "Root=1-abc");
	tfa_buf_adds(&req.body, STS_BODY);
	is_int(tfa_sigv4_sign_request(&req, &c, &p, &err), 0, "sign_body: signs");
	is_str(tfa_http_request_header(&req, "x-amz-content-sha256"),
	       "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843",
	       "sign_body: x-amz-content-sha256 is the body's hash");
	ok(strstr(tfa_http_request_header(&req, "Authorization"),
		  "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
		  "x-amz-security-token, ") != NULL,
	   "sign_body: it is signed; User-Agent and X-Amzn-Trace-Id are not");
	is_str(tfa_http_request_header(&req, "X-Amz-Security-Token"),
	       "TOKEN/with+base64==", "the session token is sent as is");
	is_str(req.headers[req.nheaders - 1].name, "Authorization",
	       "Authorization comes last");
	is_int(req.nheaders, 7, "3 headers of ours + 4 added");

	/* Signing again (a retry) replaces, never duplicates. */
	first = tfa_xstrdup(tfa_http_request_header(&req, "Authorization"));
	p.now = T_20150830 + 60;
	p.sign_body = 0;
	creds_set(&c, AKID, SECRET, "OTHERTOKEN");
	is_int(tfa_sigv4_sign_request(&req, &c, &p, &err), 0, "signing again works");
	is_int(count_headers(&req, "Authorization"), 1, "one Authorization");
	is_int(count_headers(&req, "X-Amz-Date"), 1, "one X-Amz-Date");
	is_str(tfa_http_request_header(&req, "X-Amz-Date"), "20150830T123700Z",
	       "with the new time");
	is_int(count_headers(&req, "X-Amz-Security-Token"), 1, "one X-Amz-Security-Token");
	is_str(tfa_http_request_header(&req, "X-Amz-Security-Token"), "OTHERTOKEN",
	       "with the new token");
	ok(strcmp(first, tfa_http_request_header(&req, "Authorization")) != 0,
	   "and a new signature");
	free(first);
	/* A caller's x-amz-content-sha256 (from the first signing) is the payload. */
	is_str(last_line(t.canonical_request.ptr),
	       "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843",
	       "a caller's x-amz-content-sha256 is the payload hash");

	/* Keys without a token, on a request that still carries one: refused. */
	creds_set(&c, AKID, SECRET, NULL);
	is_int(tfa_sigv4_sign_request(&req, &c, &p, &err), TFA_EINVAL,
	       "a stale X-Amz-Security-Token with token-less keys is refused");
	ok(strstr(err.msg, "X-Amz-Security-Token") != NULL, "and says why: %s", err.msg);
	tfa_http_request_dispose(&req);

	/* omit_session_token: sent, not signed. */
	creds_set(&c, AKID, SECRET, "TOKEN");
	p.omit_session_token = 1;
	tfa_http_request_init(&req, "POST", "https://sts.amazonaws.com/");
	tfa_sigv4_sign_request(&req, &c, &p, &err);
	is_str(tfa_http_request_header(&req, "X-Amz-Security-Token"), "TOKEN",
	       "omit_session_token: the token is sent");
	ok(strstr(tfa_http_request_header(&req, "Authorization"),
		  "SignedHeaders=host;x-amz-date,") != NULL,
	   "omit_session_token: but not signed");
	p.omit_session_token = 0;
	tfa_http_request_dispose(&req);

	/* Host from the URL, as curl sends it. */
	{
		static const char *const hosts[][2] = {
			{ "https://sts.amazonaws.com", "sts.amazonaws.com" },
			{ "https://sts.amazonaws.com:443/", "sts.amazonaws.com" },
			{ "HTTPS://sts.amazonaws.com:8443/x", "sts.amazonaws.com:8443" },
			{ "http://127.0.0.1:5000/", "127.0.0.1:5000" },
			{ "http://localhost:80/", "localhost" },
			{ "http://localhost:443/", "localhost:443" },
			{ "https://user:pw@example.com/", "example.com" },
			{ "http://[::1]:5000/", "[::1]:5000" },
			{ "https://[::1]/", "[::1]" },
			{ "https://[::1]:443/", "[::1]" },
			{ "https://example.com?a=b", "example.com" },
		};
		size_t i;

		for (i = 0; i < sizeof(hosts) / sizeof(*hosts); i++) {
			tfa_http_request_init(&req, "GET", hosts[i][0]);
			tfa_buf_reset(&b);
			tfa_sigv4_canonical_request(&b, NULL, &req, &p, &err);
			is_str(creq_header(v, sizeof(v), b.ptr, "host"), hosts[i][1],
			       "host of '%s'", hosts[i][0]);
			tfa_http_request_dispose(&req);
		}
	}
	tfa_http_request_init(&req, "GET", "https://example.com/");
	tfa_http_request_add_header(&req, "Host", " other.example ");
	tfa_buf_reset(&b);
	tfa_sigv4_canonical_request(&b, &sh, &req, &p, &err);
	is_str(creq_header(v, sizeof(v), b.ptr, "host"), "other.example",
	       "a Host header wins over the URL");
	is_str(sh.ptr, "host", "canonical_request gives the signed headers");
	ok(!tfa_http_request_header(&req, "Authorization"),
	   "canonical_request changes nothing");
	is_str(b.ptr, "GET\n/\n\nhost:other.example\n\nhost\n" EMPTY_SHA,
	       "canonical_request of a bare GET");
	tfa_http_request_dispose(&req);

	/* A fragment is not part of the path or the query. */
	tfa_http_request_init(&req, "GET", "https://example.com/a%20b?x=1#frag");
	tfa_buf_reset(&b);
	tfa_sigv4_canonical_request(&b, NULL, &req, &p, &err);
	ok(strncmp(b.ptr, "GET\n/a%2520b\nx=1\n", 17) == 0,
	   "the path is encoded again, the fragment dropped: %.20s", b.ptr);
	tfa_http_request_dispose(&req);

	tfa_buf_dispose(&b);
	tfa_buf_dispose(&sh);
	tfa_sigv4_trace_dispose(&t);
	tfa_creds_dispose(&c);
}

/* Every error leaves the request as it was and never names the secret. */
static void
expect_refused(const char *what, const char *url, const char *akid,
	       const char *secret, const char *token, struct tfa_sigv4_params p)
{
	struct tfa_http_request req;
	struct tfa_creds c;
	struct tfa_err err;
	int rc;

	tfa_creds_init(&c);
	creds_set(&c, akid, secret, token);
	tfa_http_request_init(&req, "POST", url);
	tfa_http_request_add_header(&req, "Content-Type", FORM_UTF8);
	tfa_err_clear(&err);
	rc = tfa_sigv4_sign_request(&req, &c, &p, &err);
	is_int(rc, TFA_EINVAL, "refused: %s", what);
	ok(err.code == TFA_EINVAL && err.msg[0], "refused: %s: says why: %s", what,
	   err.msg);
	ok(req.nheaders == 1 && strcmp(req.url, url) == 0,
	   "refused: %s: request unchanged", what);
	ok(!secret || !secret[0] ||
		   (!strstr(err.msg, secret) && !strstr(err.hint, secret)),
	   "refused: %s: the secret is not in the message", what);
	if (p.expires == 0)
		p.expires = 60;
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), TFA_EINVAL,
	       "refused when presigning too: %s", what);
	ok(strcmp(req.url, url) == 0, "refused presign: %s: URL unchanged", what);
	tfa_http_request_dispose(&req);
	tfa_creds_dispose(&c);
}

static void
test_errors(void)
{
	struct tfa_sigv4_params p = params("us-east-1", "sts"), q;
	const char *u = "https://sts.amazonaws.com/";

	expect_refused("an ftp URL", "ftp://example.com/", AKID, SECRET, NULL, p);
	expect_refused("a relative URL", "/just/a/path", AKID, SECRET, NULL, p);
	expect_refused("a URL without a host", "https:///x", AKID, SECRET, NULL, p);
	expect_refused("no access key id", u, NULL, SECRET, NULL, p);
	expect_refused("no secret", u, AKID, NULL, NULL, p);
	expect_refused("an empty secret", u, AKID, "", NULL, p);
	expect_refused("an access key id with a CR", u, "AKIDEXAMPLE\r", SECRET, NULL, p);
	expect_refused("an access key id with a space", u, "AKID EXAMPLE", SECRET, NULL, p);
	expect_refused("an access key id with a comma", u, "AKID,X", SECRET, NULL, p);
	expect_refused("a secret with a line break", u, AKID, SECRET "\n", NULL, p);
	expect_refused("a secret with quotes and a space", u, AKID, "\"" SECRET " \"", NULL, p);
	expect_refused("a token with a CR", u, AKID, SECRET, "TOKEN\r", p);
	q = p;
	q.region = NULL;
	expect_refused("no region", u, AKID, SECRET, NULL, q);
	q.region = "";
	expect_refused("an empty region", u, AKID, SECRET, NULL, q);
	q.region = "us east 1";
	expect_refused("a region with spaces", u, AKID, SECRET, NULL, q);
	q.region = "us-east-1/x";
	expect_refused("a region with a slash", u, AKID, SECRET, NULL, q);
	q = p;
	q.service = "";
	expect_refused("an empty service", u, AKID, SECRET, NULL, q);
	q = p;
	q.now = (time_t)253402300800LL;
	expect_refused("a time past year 9999", u, AKID, SECRET, NULL, q);
}

static void
test_presign(void)
{
	struct tfa_http_request req;
	struct tfa_creds c;
	struct tfa_sigv4_trace t;
	struct tfa_sigv4_params p = params("us-east-1", "service");
	struct tfa_err err;
	const char *u;

	tfa_creds_init(&c);
	creds_set(&c, AKID, SECRET, NULL);
	tfa_sigv4_trace_init(&t);
	p.trace = &t;
	p.expires = 3600;

	tfa_http_request_init(&req, "GET", "https://example.amazonaws.com");
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), 0, "presign get-vanilla");
	is_str(req.url,
	       "https://example.amazonaws.com/?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	       "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request"
	       "&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600"
	       "&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d",
	       "presign: the URL of the suite's get-vanilla (path '/' added)");
	is_int(req.nheaders, 0, "presign adds no header");
	is_str(t.signature, "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d",
	       "presign: traced signature");
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), TFA_EINVAL,
	       "presigning a presigned URL is refused");
	ok(strstr(err.msg, "X-Amz-") != NULL, "and names the parameter: %s", err.msg);
	tfa_http_request_dispose(&req);

	creds_set(&c, AKID, SECRET, "A/B+C=");
	tfa_http_request_init(&req, "GET", "https://example.amazonaws.com/p?b=2&a=1#frag");
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), 0, "presign with a query and a token");
	u = req.url;
	ok(strncmp(u, "https://example.amazonaws.com/p?b=2&a=1&X-Amz-Algorithm=", 56) == 0,
	   "the request's query comes first, as it was: %.60s", u);
	ok(strstr(u, "&X-Amz-Expires=3600&X-Amz-Security-Token=A%2FB%2BC%3D&X-Amz-Signature=") != NULL,
	   "the token is encoded, before the signature");
	ok(!strchr(u, '#'), "the fragment is dropped");
	ok(strstr(t.canonical_request.ptr, "\nX-Amz-Algorithm=") != NULL &&
		   strstr(t.canonical_request.ptr, "&X-Amz-SignedHeaders=host&a=1&b=2\n") != NULL,
	   "the canonical query sorts the request's and the signing parameters");
	tfa_http_request_dispose(&req);

	tfa_http_request_init(&req, "GET", "https://example.amazonaws.com/");
	p.expires = 0;
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), TFA_EINVAL, "expires 0 is refused");
	p.expires = TFA_SIGV4_MAX_EXPIRES + 1;
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), TFA_EINVAL,
	       "expires over 7 days is refused");
	p.expires = TFA_SIGV4_MAX_EXPIRES;
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), 0, "expires of 7 days is fine");
	tfa_http_request_dispose(&req);

	tfa_http_request_init(&req, "GET", "https://example.amazonaws.com/?x-amz-signature=1");
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), 0,
	       "only the exact parameter names are signing parameters");
	tfa_http_request_dispose(&req);
	tfa_http_request_init(&req, "GET", "https://example.amazonaws.com/?X%2DAmz%2DDate=1");
	is_int(tfa_sigv4_presign_request(&req, &c, &p, &err), TFA_EINVAL,
	       "an encoded signing parameter is one too");
	tfa_http_request_dispose(&req);

	tfa_sigv4_trace_dispose(&t);
	tfa_creds_dispose(&c);
}

int
main(void)
{
	test_primitives();
	test_uri_encode();
	test_canonical_uri();
	test_canonical_query();
	test_header_values();
	test_published_vectors();
	test_sts_vectors();
	test_sign_request();
	test_errors();
	test_presign();
	return tap_done();
}
