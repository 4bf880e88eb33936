/*
 * sigv4-suite — run the AWS SigV4 test suite through lib/sigv4.
 *
 *   sigv4-suite DIR
 *
 * DIR holds one folder per case, in the format of awslabs/aws-c-auth's
 * tests/aws-signing-test-suite/v4 (see tests/data/sigv4/README.md):
 * context.json, request.txt and the expected header-* and query-* artifacts.
 * Every case is signed both ways, and each artifact (canonical request,
 * string to sign, signature, signed request) is one TAP line; a mismatch
 * shows the lines that differ, with the session token masked.  An artifact
 * whose expected file is missing is skipped.  Exit 0 only when all pass.
 */
#include "buf.h"
#include "creds.h"
#include "err.h"
#include "http.h"
#include "sigv4.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FILE_CAP ((size_t)1 << 20)

static int tap_n, tap_failed;

struct suite_case {
	const char *dir;   /* the case folder */
	const char *name;  /* its last component */
	struct tfa_creds creds;
	struct tfa_sigv4_params params;
	char region[64], service[64];
	struct tfa_buf request; /* request.txt */
	struct tfa_buf masked;  /* the session token as diagnostics show it */
};

/* Read a whole file; 0, or -1 with errno set. */
static int
read_file(struct tfa_buf *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;
	int rc = -1;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (tfa_buf_add(out, chunk, n) < 0) {
			errno = EFBIG;
			goto out;
		}
	}
	if (ferror(f))
		goto out;
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int
path_of(char *out, size_t outsz, const char *dir, const char *file)
{
	int n = snprintf(out, outsz, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/*
 * Replace every occurrence of the session token (raw or URI-encoded) with a
 * marker, so that a failure never prints it.
 */
static void
mask_token(struct tfa_buf *s, const struct tfa_creds *creds)
{
	struct tfa_buf enc, out;
	const char *forms[2], *p, *hit;
	size_t lens[2], i;

	if (!creds->session_token || !creds->session_token[0])
		return;
	tfa_buf_init_secret(&enc, 0);
	tfa_buf_init_secret(&out, 0);
	tfa_uri_encode(&enc, creds->session_token,
		       strlen(creds->session_token), 0);
	forms[0] = creds->session_token;
	lens[0] = strlen(forms[0]);
	forms[1] = enc.ptr;
	lens[1] = enc.len;
	for (i = 0; i < 2; i++) {
		tfa_buf_reset(&out);
		p = s->ptr;
		while ((hit = strstr(p, forms[i]))) {
			tfa_buf_add(&out, p, (size_t)(hit - p));
			tfa_buf_adds(&out, "<session token>");
			p = hit + lens[i];
		}
		tfa_buf_adds(&out, p);
		tfa_buf_reset(s);
		tfa_buf_add(s, out.ptr, out.len);
	}
	tfa_buf_dispose(&enc);
	tfa_buf_dispose(&out);
}

/* Print a text as TAP diagnostics, each line prefixed. */
static void
show(const char *label, const char *s, size_t n)
{
	size_t i = 0, j, lines = 0;

	while (i <= n && lines < 40) {
		j = i;
		while (j < n && s[j] != '\n')
			j++;
		printf("#   %s %.*s\n", label, (int)(j - i), s + i);
		lines++;
		i = j + 1;
	}
	if (i <= n)
		printf("#   %s ...\n", label);
}

/*
 * One TAP line: got against the expected file VARIANT-SUFFIX (e.g.
 * "header-signature.txt").
 */
static void
check(struct suite_case *c, const char *variant, const char *artifact,
      const char *suffix, const char *got, size_t glen)
{
	struct tfa_buf want, g;
	char file[64], path[4096];
	size_t line = 1, i;
	int n;

	tfa_buf_init(&want, FILE_CAP);
	tfa_buf_init_secret(&g, 0);
	tap_n++;
	n = snprintf(file, sizeof(file), "%s-%s", variant, suffix);
	if (n < 0 || (size_t)n >= sizeof(file) ||
	    path_of(path, sizeof(path), c->dir, file) < 0 ||
	    read_file(&want, path) < 0) {
		printf("ok %d - %s %s: %s # SKIP no %s\n", tap_n, c->name, variant,
		       artifact, file);
		goto out;
	}
	if (want.len == glen && memcmp(want.ptr, got, glen) == 0) {
		printf("ok %d - %s %s: %s\n", tap_n, c->name, variant, artifact);
		goto out;
	}
	tap_failed++;
	printf("not ok %d - %s %s: %s\n", tap_n, c->name, variant, artifact);
	for (i = 0; i < glen && i < want.len && got[i] == want.ptr[i]; i++)
		if (got[i] == '\n')
			line++;
	printf("#   differs from %s at line %zu (byte offset %zu)\n", file, line, i);
	tfa_buf_add(&g, got, glen);
	mask_token(&g, &c->creds);
	mask_token(&want, &c->creds);
	show("want:", want.ptr, want.len);
	show("got: ", g.ptr, g.len);
out:
	fflush(stdout);
	tfa_buf_dispose(&want);
	tfa_buf_dispose(&g);
}

/* One failing TAP line for a case that could not be run. */
static void
broken(struct suite_case *c, const char *variant, const char *why)
{
	tap_n++;
	tap_failed++;
	printf("not ok %d - %s %s: %s\n", tap_n, c->name, variant, why);
	fflush(stdout);
}

static int
json_str(char **out, json_t *obj, const char *key, int required)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return required ? -1 : 0;
	if (!json_is_string(v))
		return -1;
	*out = tfa_xstrdup(json_string_value(v));
	return 0;
}

static int
json_flag(int *out, json_t *obj, const char *key, int dflt)
{
	json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return -1;
	*out = json_is_true(v);
	return 0;
}

/* "2015-08-30T12:36:00Z" in UTC. */
static int
parse_timestamp(time_t *out, const char *s)
{
	struct tm tm;
	char z = 0;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
	    z != 'Z' || s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

static int
copy_name(char *out, size_t outsz, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	int n;

	if (!json_is_string(v))
		return -1;
	n = snprintf(out, outsz, "%s", json_string_value(v));
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* Load context.json into c; NULL, or why not. */
static const char *
load_context(struct suite_case *c)
{
	json_t *root = NULL, *creds, *v;
	json_error_t jerr;
	char path[4096];
	const char *why = "context.json: bad or missing field";

	if (path_of(path, sizeof(path), c->dir, "context.json") < 0)
		return "path too long";
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		why = "context.json: not readable JSON";
		goto out;
	}
	creds = json_object_get(root, "credentials");
	if (!json_is_object(creds) ||
	    json_str(&c->creds.access_key_id, creds, "access_key_id", 1) < 0 ||
	    json_str(&c->creds.secret_access_key, creds, "secret_access_key", 1) < 0 ||
	    json_str(&c->creds.session_token, creds, "token", 0) < 0 ||
	    copy_name(c->region, sizeof(c->region), root, "region") < 0 ||
	    copy_name(c->service, sizeof(c->service), root, "service") < 0 ||
	    json_flag(&c->params.normalize_path, root, "normalize", 1) < 0 ||
	    json_flag(&c->params.sign_body, root, "sign_body", 0) < 0 ||
	    json_flag(&c->params.omit_session_token, root, "omit_session_token", 0) < 0)
		goto out;
	c->params.region = c->region;
	c->params.service = c->service;
	v = json_object_get(root, "timestamp");
	if (!json_is_string(v) ||
	    parse_timestamp(&c->params.now, json_string_value(v)) < 0) {
		why = "context.json: bad timestamp";
		goto out;
	}
	v = json_object_get(root, "expiration_in_seconds");
	c->params.expires = 3600;
	if (v && !json_is_integer(v))
		goto out;
	if (v)
		c->params.expires = (long)json_integer_value(v);
	why = NULL;
out:
	json_decref(root);
	return why;
}

/* Add the header being read, if any. */
static void
flush_header(struct tfa_http_request *req, struct tfa_buf *name,
	     struct tfa_buf *value)
{
	if (name->len > 0)
		tfa_http_request_add_header(req, name->ptr, value->ptr);
	tfa_buf_reset(name);
	tfa_buf_reset(value);
}

/*
 * Build the request of request.txt: the request line, headers (a line that
 * starts with a space or tab continues the previous value, kept with its
 * line break so that the signed request shows it as sent), a blank line,
 * the body.  The URL is https://HOST/TARGET, where TARGET may hold raw
 * spaces and UTF-8, as in the suite.  NULL, or why not.
 */
static const char *
load_request(struct tfa_http_request *req, struct suite_case *c)
{
	struct tfa_buf url, name, value;
	const char *s = c->request.ptr, *end = s + c->request.len;
	const char *eol, *next, *sp1, *sp2, *colon, *host, *why = NULL;
	int started = 0;

	tfa_buf_init(&url, 0);
	tfa_buf_init(&name, 0);
	tfa_buf_init_secret(&value, 0);
	eol = memchr(s, '\n', (size_t)(end - s));
	if (!eol)
		eol = end;
	/* METHOD SP TARGET SP HTTP/1.1, where TARGET may hold spaces. */
	sp1 = memchr(s, ' ', (size_t)(eol - s));
	for (sp2 = eol; sp2 > s && sp2[-1] != ' '; sp2--)
		;
	if (!sp1 || sp2 - 1 <= sp1) {
		why = "request.txt: bad request line";
		goto out;
	}
	tfa_buf_adds(&url, "https://");
	tfa_buf_add(&name, s, (size_t)(sp1 - s));
	tfa_http_request_init(req, name.ptr, "");
	started = 1;
	tfa_buf_reset(&name);
	for (s = eol < end ? eol + 1 : end; s < end && *s != '\n'; s = next) {
		eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			eol = end;
		next = eol < end ? eol + 1 : end;
		if (*s == ' ' || *s == '\t') {
			if (name.len == 0) {
				why = "request.txt: continuation line without a header";
				goto out;
			}
			tfa_buf_addch(&value, '\n');
			tfa_buf_add(&value, s, (size_t)(eol - s));
			continue;
		}
		flush_header(req, &name, &value);
		colon = memchr(s, ':', (size_t)(eol - s));
		if (!colon || colon == s) {
			why = "request.txt: header line without a name and ':'";
			goto out;
		}
		tfa_buf_add(&name, s, (size_t)(colon - s));
		tfa_buf_add(&value, colon + 1, (size_t)(eol - colon - 1));
	}
	flush_header(req, &name, &value);
	if (s < end)
		s++; /* the blank line */
	tfa_buf_add(&req->body, s, (size_t)(end - s));
	host = tfa_http_request_header(req, "Host");
	if (!host) {
		why = "request.txt: no Host header";
		goto out;
	}
	host += strspn(host, " \t");
	tfa_buf_adds(&url, host);
	tfa_buf_add(&url, sp1 + 1, (size_t)(sp2 - 1 - (sp1 + 1)));
	free(req->url);
	req->url = tfa_buf_detach(&url);
out:
	if (why && started)
		tfa_http_request_dispose(req);
	tfa_buf_dispose(&url);
	tfa_buf_dispose(&name);
	tfa_buf_dispose(&value);
	return why;
}

/* The request as the suite writes it: request line, headers, blank line, body. */
static void
serialize(struct tfa_buf *out, const struct tfa_http_request *req)
{
	const char *target = strstr(req->url, "://");
	size_t i;

	target = target ? target + 3 + strcspn(target + 3, "/?") : req->url;
	tfa_buf_addf(out, "%s %s HTTP/1.1\n", req->method, target);
	for (i = 0; i < req->nheaders; i++)
		tfa_buf_addf(out, "%s:%s\n", req->headers[i].name,
			     req->headers[i].value);
	tfa_buf_addch(out, '\n');
	tfa_buf_add(out, req->body.ptr, req->body.len);
}

static void
run_variant(struct suite_case *c, int query)
{
	const char *variant = query ? "query" : "header", *why;
	struct tfa_http_request req;
	struct tfa_sigv4_trace trace;
	struct tfa_sigv4_params p = c->params;
	struct tfa_buf signed_req;
	struct tfa_err err;
	int rc;

	tfa_sigv4_trace_init(&trace);
	tfa_buf_init_secret(&signed_req, 0);
	tfa_err_clear(&err);
	if ((why = load_request(&req, c))) {
		broken(c, variant, why);
		goto out;
	}
	p.trace = &trace;
	rc = query ? tfa_sigv4_presign_request(&req, &c->creds, &p, &err)
		   : tfa_sigv4_sign_request(&req, &c->creds, &p, &err);
	if (rc < 0) {
		broken(c, variant, "signing failed");
		printf("#   %s\n", err.msg);
		tfa_http_request_dispose(&req);
		goto out;
	}
	serialize(&signed_req, &req);
	check(c, variant, "canonical request", "canonical-request.txt",
	      trace.canonical_request.ptr, trace.canonical_request.len);
	check(c, variant, "string to sign", "string-to-sign.txt",
	      trace.string_to_sign.ptr, trace.string_to_sign.len);
	check(c, variant, "signature", "signature.txt", trace.signature,
	      strlen(trace.signature));
	check(c, variant, "signed request", "signed-request.txt", signed_req.ptr,
	      signed_req.len);
	tfa_http_request_dispose(&req);
out:
	tfa_sigv4_trace_dispose(&trace);
	tfa_buf_dispose(&signed_req);
}

static void
run_case(const char *dir, const char *name)
{
	struct suite_case c;
	char path[4096];
	const char *why = NULL;

	memset(&c, 0, sizeof(c));
	c.dir = dir;
	c.name = name;
	tfa_creds_init(&c.creds);
	tfa_buf_init(&c.request, FILE_CAP);
	if (path_of(path, sizeof(path), dir, "request.txt") < 0 ||
	    read_file(&c.request, path) < 0)
		why = "cannot read request.txt";
	else
		why = load_context(&c);
	if (why) {
		broken(&c, "header", why);
		broken(&c, "query", why);
		goto out;
	}
	run_variant(&c, 0);
	run_variant(&c, 1);
out:
	tfa_creds_dispose(&c.creds);
	tfa_buf_dispose(&c.request);
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	struct dirent **ents = NULL;
	struct stat st;
	char dir[4096];
	int n, i, cases = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: sigv4-suite DIR\n");
		return 2;
	}
	n = scandir(argv[1], &ents, NULL, name_cmp);
	if (n < 0) {
		fprintf(stderr, "sigv4-suite: cannot read '%s': %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' &&
		    path_of(dir, sizeof(dir), argv[1], ents[i]->d_name) == 0 &&
		    stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			run_case(dir, ents[i]->d_name);
			cases++;
		}
		free(ents[i]);
	}
	free(ents);
	if (cases == 0) {
		tap_n++;
		tap_failed++;
		printf("not ok %d - no case folders in '%s'\n", tap_n, argv[1]);
	}
	printf("1..%d\n", tap_n);
	printf("# %d cases, %d checks, %d failed\n", cases, tap_n, tap_failed);
	return tap_failed ? 1 : 0;
}
