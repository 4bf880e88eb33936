/* buf — see buf.h. */
#include "buf.h"
#include "err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char tfa__buf_empty[1];

void
tfa_wipe(void *p, size_t n)
{
	/*
	 * explicit_bzero is OPENSSL_cleanse's guarantee (the compiler may not
	 * drop it) without linking libcrypto into the tools that need nothing
	 * else of OpenSSL: tfauth-env and tfauth-profile start faster.
	 */
	if (p && n)
		explicit_bzero(p, n);
}

static void
oom(size_t n)
{
	fprintf(stderr, "tfauth: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
tfa_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *
tfa_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *
tfa_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void *
tfa_xgrow(void *p, size_t *alloc, size_t want, size_t size)
{
	size_t n = *alloc;

	if (want <= n)
		return p;
	n = n < 8 ? 8 : n;
	while (n < want) {
		if (n > SIZE_MAX / 2)
			oom(SIZE_MAX);
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		oom(SIZE_MAX);
	p = tfa_xrealloc(p, n * size);
	*alloc = n;
	return p;
}

char *
tfa_xstrdup(const char *s)
{
	return tfa_xstrndup(s, strlen(s));
}

char *
tfa_xstrndup(const char *s, size_t n)
{
	char *p = tfa_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
tfa_buf_init(struct tfa_buf *b, size_t cap)
{
	b->ptr = tfa__buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : TFA_BUF_DEFAULT_CAP;
	b->secret = 0;
}

void
tfa_buf_init_secret(struct tfa_buf *b, size_t cap)
{
	tfa_buf_init(b, cap);
	b->secret = 1;
}

void
tfa_buf_dispose(struct tfa_buf *b)
{
	if (b->alloc) {
		/* Bytes past len never hold data: reset and setlen wipe them. */
		if (b->secret)
			tfa_wipe(b->ptr, b->len);
		free(b->ptr);
	}
	b->ptr = tfa__buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void
tfa_buf_reset(struct tfa_buf *b)
{
	if (b->alloc) {
		if (b->secret)
			tfa_wipe(b->ptr, b->len);
		b->ptr[0] = '\0';
	}
	b->len = 0;
}

int
tfa_buf_grow(struct tfa_buf *b, size_t n)
{
	size_t want, nalloc;
	char *p;

	if (n > b->cap || b->len > b->cap - n)
		return TFA_ETOOBIG;
	want = b->len + n + 1;
	if (want <= b->alloc)
		return 0;
	nalloc = b->alloc < 64 ? 64 : b->alloc;
	while (nalloc < want)
		nalloc = nalloc > SIZE_MAX / 2 ? want : nalloc * 2;
	if (nalloc > b->cap + 1)
		nalloc = want > b->cap + 1 ? want : b->cap + 1;
	if (b->secret) {
		/* realloc could leave a copy of the secret behind: move it by hand. */
		p = tfa_xmalloc(nalloc);
		memcpy(p, b->ptr, b->len + 1);
		if (b->alloc) {
			tfa_wipe(b->ptr, b->len);
			free(b->ptr);
		}
	} else {
		p = b->alloc ? tfa_xrealloc(b->ptr, nalloc) : tfa_xmalloc(nalloc);
		if (!b->alloc)
			p[0] = '\0';
	}
	b->ptr = p;
	b->alloc = nalloc;
	return 0;
}

int
tfa_buf_add(struct tfa_buf *b, const void *data, size_t n)
{
	int rc;

	if (n == 0)
		return 0;
	if ((rc = tfa_buf_grow(b, n)) < 0)
		return rc;
	memmove(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int
tfa_buf_adds(struct tfa_buf *b, const char *s)
{
	return tfa_buf_add(b, s, strlen(s));
}

int
tfa_buf_addch(struct tfa_buf *b, int c)
{
	char ch = (char)c;
	return tfa_buf_add(b, &ch, 1);
}

int
tfa_buf_vaddf(struct tfa_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return TFA_EINVAL;
	if ((rc = tfa_buf_grow(b, (size_t)n)) < 0)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
tfa_buf_addf(struct tfa_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = tfa_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
tfa_buf_setlen(struct tfa_buf *b, size_t len)
{
	if (len > b->len)
		return;
	if (b->secret && b->alloc)
		tfa_wipe(b->ptr + len, b->len - len);
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

char *
tfa_buf_detach(struct tfa_buf *b)
{
	char *p = b->alloc ? b->ptr : tfa_xstrdup("");
	b->ptr = tfa__buf_empty;
	b->len = 0;
	b->alloc = 0;
	return p;
}

void
tfa_secret_free(char *s)
{
	if (!s)
		return;
	tfa_wipe(s, strlen(s));
	free(s);
}

size_t
tfa_utf8_seq_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, j;
	unsigned long cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (j = 1; j < len; j++) {
		if ((s[j] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[j] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * See buf.h.
 */
void
tfa_clean_text(char *out, size_t size, const char *s)
{
	size_t i = 0, o = 0;

	if (!size)
		return;
	while (s && s[i] && o + 1 < size) {
		unsigned char ch = (unsigned char)s[i];
		size_t len;
		if (ch == '\n' || ch == '\r' || ch == '\t') {
			out[o++] = ' ';
		} else if (ch < 0x20 || ch == 0x7f) {
			out[o++] = '?';
		} else if (ch == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			out[o++] = '?'; /* C1 controls */
			i++;
		} else if (ch >= 0x80) {
			/* Only whole, valid UTF-8 goes into a message. */
			len = tfa_utf8_seq_len(s + i, strnlen(s + i, 4));
			if (!len) {
				out[o++] = '?';
			} else if (o + len < size) {
				memcpy(out + o, s + i, len);
				o += len;
				i += len - 1;
			} else {
				break;
			}
		} else {
			out[o++] = (char)ch;
		}
		i++;
	}
	out[o] = '\0';
}
