/*
 * fuzz.h — what the fuzz targets share: the invariant check, a transport
 * that answers with replies cut from the fuzz input, a fixed clock, and a
 * private HOME for the targets that read cache files.
 *
 * With FUZZ_DEBUG set in the environment, each checked call prints its
 * result on stderr (to see what a corpus entry reaches).
 *
 * A target is one LLVMFuzzerTestOneInput; built with clang and libFuzzer
 * (make fuzz) it is fuzzed, built with tests/fuzz/replay.c (make tests) it
 * replays its corpus under any compiler.  An invariant that does not hold
 * aborts, so both see it as a crash.
 *
 * Replies in an input (tests/fuzz/README.md shows examples): chunks
 * separated by a line "%%"; a chunk that starts with a digit is
 *
 *     STATUS[ anything]\n
 *     Name: value\n        (headers, until an empty line)
 *     \n
 *     BODY
 *
 * and any other chunk is a 200 reply whose body is the whole chunk.  Calls
 * past the last reply get HTTP 599 with no body; with FUZZ_NET_FAIL in the
 * first chunk's headers they fail as TFA_ENET instead.
 */
#ifndef TFA_FUZZ_H
#define TFA_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctx.h"
#include "err.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",     \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

/* A failed call says what failed: its code, and a message. */
static inline void
fuzz_check_err(int rc, const struct tfa_err *err)
{
	static int debug = -1;

	if (debug < 0)
		debug = getenv("FUZZ_DEBUG") != NULL;
	if (debug)
		fprintf(stderr, "# rc %d: %s\n", rc, rc < 0 ? err->msg : "");
	if (rc >= 0)
		return;
	FUZZ_CHECK(err->code == rc);
	FUZZ_CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
	FUZZ_CHECK(err->msg[0] != '\0');
	FUZZ_CHECK(memchr(err->hint, '\0', sizeof(err->hint)) != NULL);
	FUZZ_CHECK(memchr(err->aws_code, '\0', sizeof(err->aws_code)) != NULL);
	FUZZ_CHECK(memchr(err->request_id, '\0', sizeof(err->request_id)) != NULL);
}

/* A string the library promised: present and not empty. */
#define FUZZ_STR(s) FUZZ_CHECK((s) != NULL && (s)[0] != '\0')

/* ------------------------------------------------------------- replies */

#define FUZZ_MAX_REPLIES 16

struct fuzz_reply {
	long status;
	const char *hdr;   /* header lines, not NUL-terminated */
	size_t hlen;
	const char *body;
	size_t blen;
};

struct fuzz_net {
	struct tfa_transport base;
	struct fuzz_reply r[FUZZ_MAX_REPLIES];
	int n, calls, fail;
	long last_status;  /* of the last reply sent, 0 before any */
	int max_calls;     /* a loop guard: answer 599 after this many */
};

/* Cut [s, s+n) at lines "%%" into at most max chunks; returns how many. */
static inline size_t
fuzz_split(const char **ptr, size_t *len, size_t max, const char *s, size_t n)
{
	static const char sep[] = "\n%%\n";
	size_t k = 0;
	const char *end = s + n, *p;

	while (k < max) {
		p = k + 1 < max ? memmem(s, (size_t)(end - s), sep, 4) : NULL;
		ptr[k] = s;
		len[k] = p ? (size_t)(p - s) : (size_t)(end - s);
		k++;
		if (!p)
			break;
		s = p + 4;
	}
	return k;
}

static inline void
fuzz_parse_reply(struct fuzz_reply *r, const char *s, size_t n)
{
	const char *end = s + n, *nl, *blank;
	long st = 0;

	r->status = 200;
	r->hdr = NULL;
	r->hlen = 0;
	r->body = s;
	r->blen = n;
	if (!n || s[0] < '0' || s[0] > '9')
		return;
	while (s < end && *s >= '0' && *s <= '9' && st < 1000)
		st = st * 10 + (*s++ - '0');
	r->status = st;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl) {
		r->body = end;
		r->blen = 0;
		return;
	}
	s = nl + 1;
	blank = s < end && *s == '\n' ? s : memmem(s, (size_t)(end - s), "\n\n", 2);
	if (!blank) {
		r->hdr = s;
		r->hlen = (size_t)(end - s);
		r->body = end;
		r->blen = 0;
		return;
	}
	r->hdr = s;
	r->hlen = (size_t)(blank - s);
	r->body = blank == s ? s + 1 : blank + 2;
	r->blen = (size_t)(end - r->body);
}

static inline int
fuzz_net_send(struct tfa_transport *t, const struct tfa_http_request *req,
	      struct tfa_http_response *resp, struct tfa_err *err)
{
	struct fuzz_net *f = (struct fuzz_net *)t;
	const struct fuzz_reply *r;
	const char *p, *end, *nl, *colon;
	char name[64], value[256];
	size_t k;
	int i = f->calls++;

	/* A request is well formed whatever the replies said. */
	FUZZ_CHECK(req->method && req->url);
	FUZZ_CHECK(req->body.ptr && req->body.ptr[req->body.len] == '\0');
	if (i >= f->n || i >= f->max_calls) {
		if (f->fail)
			return tfa_err_set(err, TFA_ENET, "fuzz: no more replies");
		resp->status = f->last_status = 599;
		return 0;
	}
	r = &f->r[i];
	resp->status = f->last_status = r->status;
	for (p = r->hdr, end = p ? p + r->hlen : NULL; p && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon && colon > p) {
			k = (size_t)(colon - p);
			if (k >= sizeof(name))
				k = sizeof(name) - 1;
			memcpy(name, p, k);
			name[k] = '\0';
			for (colon++; colon < nl && *colon == ' '; colon++)
				;
			k = (size_t)(nl - colon);
			if (k >= sizeof(value))
				k = sizeof(value) - 1;
			memcpy(value, colon, k);
			value[k] = '\0';
			tfa_http_response_add_header(resp, name, value);
		}
	}
	if (tfa_buf_add(&resp->body, r->body, r->blen) < 0)
		return tfa_err_set(err, TFA_ETOOBIG, "fuzz: body over the cap");
	return 0;
}

static inline void
fuzz_net_free(struct tfa_transport *t)
{
	(void)t;
}

/* Replies from the whole of [s, s+n). */
static inline void
fuzz_net_init(struct fuzz_net *f, const char *s, size_t n)
{
	const char *ptr[FUZZ_MAX_REPLIES];
	size_t len[FUZZ_MAX_REPLIES], i;

	memset(f, 0, sizeof(*f));
	f->base.send = fuzz_net_send;
	f->base.free = fuzz_net_free;
	f->max_calls = 64;
	f->n = (int)fuzz_split(ptr, len, FUZZ_MAX_REPLIES, s, n);
	for (i = 0; i < (size_t)f->n; i++)
		fuzz_parse_reply(&f->r[i], ptr[i], len[i]);
	if (f->n && f->r[0].hdr && memmem(f->r[0].hdr, f->r[0].hlen, "FUZZ_NET_FAIL", 13))
		f->fail = 1;
}

/* -------------------------------------------------------- clock, home */

#define FUZZ_NOW ((time_t)1700000000) /* 2023-11-14T22:13:20Z */

static time_t fuzz_now = FUZZ_NOW;

static inline time_t
fuzz_clock(void *data)
{
	(void)data;
	return fuzz_now;
}

static inline int
fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static char fuzz_home_dir[64];

static inline void
fuzz_home_remove(void)
{
	if (fuzz_home_dir[0])
		nftw(fuzz_home_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A private HOME, made once per process and removed at exit: under /dev/shm when there is one
 * (targets that write cache files run thousands of times a second).
 */
static inline const char *
fuzz_home(void)
{
	static const char *const bases[] = { "/dev/shm", "/tmp" };
	char *dir = fuzz_home_dir;
	size_t i;

	if (dir[0])
		return dir;
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		snprintf(dir, sizeof(fuzz_home_dir), "%s/tfa-fuzz-XXXXXX", bases[i]);
		if (mkdtemp(dir)) {
			atexit(fuzz_home_remove);
			return dir;
		}
	}
	dir[0] = '\0';
	fprintf(stderr, "fuzz: cannot make a temporary HOME\n");
	abort();
}

/* A context on the fixed clock with HOME = fuzz_home() and envp's extra
 * variables (NULL-terminated "NAME=value" strings, may be NULL). */
static inline void
fuzz_ctx_init(struct tfa_ctx *ctx, struct tfa_transport *t, const char *const *extra)
{
	char home[96];
	char *env[] = { home, NULL };
	size_t i;

	snprintf(home, sizeof(home), "HOME=%s", fuzz_home());
	tfa_ctx_init(ctx, env);
	for (i = 0; extra && extra[i]; i++) {
		const char *eq = strchr(extra[i], '=');
		char name[128];
		size_t k = (size_t)(eq - extra[i]);

		memcpy(name, extra[i], k);
		name[k] = '\0';
		tfa_ctx_setenv(ctx, name, eq + 1);
	}
	tfa_ctx_refresh_paths(ctx);
	ctx->clock = fuzz_clock;
	ctx->transport = t;
}

/* Write a file under HOME (folders made 0700), mode 0600. */
static inline void
fuzz_put(const char *rel, const void *data, size_t n)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_home(), rel);
	for (p = path + strlen(fuzz_home()) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	unlink(path);
	f = fopen(path, "wx");
	FUZZ_CHECK(f != NULL);
	chmod(path, 0600);
	if (n)
		FUZZ_CHECK(fwrite(data, 1, n, f) == n);
	FUZZ_CHECK(fclose(f) == 0);
}

static inline void
fuzz_unlink(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fuzz_home(), rel);
	unlink(path);
}

/* Remove everything under HOME/rel (not rel itself). */
static inline void
fuzz_clear(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", fuzz_home(), rel);
	if (stat(path, &st) < 0)
		return;
	nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(path, 0700);
}

/* A full path under HOME (a static buffer, one of four in turn). */
static inline const char *
fuzz_path(const char *rel)
{
	static char paths[4][512];
	static int i;
	char *p = paths[i++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", fuzz_home(), rel);
	return p;
}

#endif
