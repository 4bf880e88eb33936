/*
 * buf — growable byte buffers and borrowed views.
 *
 * struct tfa_buf is never NULL-pointed and always NUL-terminated (like git's
 * strbuf and curl's dynbuf).  Every buffer has a size cap: growth past the cap
 * fails with TFA_ETOOBIG instead of eating memory on hostile input.  A secret
 * buffer (tfa_buf_init_secret) is wiped (tfa_wipe, explicit_bzero) whenever
 * its storage is released: on grow, reset and dispose.
 *
 * Allocation failure aborts with one line (tfa_xmalloc and friends), so every
 * other error path is a real, testable one.
 */
#ifndef TFA_BUF_H
#define TFA_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* Default cap for a buffer whose user did not choose one: 16 MiB. */
#define TFA_BUF_DEFAULT_CAP ((size_t)16 << 20)

struct tfa_buf {
	char *ptr;      /* never NULL; points at "" until something is added */
	size_t len;     /* bytes used, not counting the terminating NUL */
	size_t alloc;   /* bytes allocated, 0 while ptr is the shared "" */
	size_t cap;     /* the most len may grow to */
	unsigned secret : 1;
};

/* A borrowed, not necessarily NUL-terminated view into someone's bytes. */
struct tfa_span {
	const char *ptr;
	size_t len;
};

#define TFA_BUF_INIT { tfa__buf_empty, 0, 0, TFA_BUF_DEFAULT_CAP, 0 }
extern char tfa__buf_empty[1];

void tfa_buf_init(struct tfa_buf *b, size_t cap);
void tfa_buf_init_secret(struct tfa_buf *b, size_t cap);
/* Release the storage (wiped first if secret); the buffer stays usable. */
void tfa_buf_dispose(struct tfa_buf *b);
/* Empty the buffer but keep its storage (wiped first if secret). */
void tfa_buf_reset(struct tfa_buf *b);
/* Make room for n more bytes. 0, or TFA_ETOOBIG past the cap. */
int tfa_buf_grow(struct tfa_buf *b, size_t n);
int tfa_buf_add(struct tfa_buf *b, const void *data, size_t n);
int tfa_buf_adds(struct tfa_buf *b, const char *s);
int tfa_buf_addch(struct tfa_buf *b, int c);
int tfa_buf_addf(struct tfa_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int tfa_buf_vaddf(struct tfa_buf *b, const char *fmt, va_list ap);
void tfa_buf_setlen(struct tfa_buf *b, size_t len);
/* Hand the storage to the caller (free() it; tfa_secret_free() if secret). */
char *tfa_buf_detach(struct tfa_buf *b);

/* Wipe n bytes so that the compiler cannot skip it (explicit_bzero). */
void tfa_wipe(void *p, size_t n);
/* Wipe and free a NUL-terminated secret string. NULL is fine. */
void tfa_secret_free(char *s);

/*
 * The length of the valid UTF-8 sequence at s (1 to 4), or 0 when the
 * bytes there are not valid UTF-8 (overlong, surrogate, truncated...).
 * n is how many bytes may be read.
 */
size_t tfa_utf8_seq_len(const char *s, size_t n);

/*
 * Copy s into out (size bytes with the NUL) fit for a message or a
 * terminal: line breaks and tabs become spaces; other control characters
 * (C0, DEL, C1 as UTF-8) and bytes that are not valid UTF-8 become '?';
 * a longer text is cut, never inside a character.
 */
void tfa_clean_text(char *out, size_t size, const char *s);

/* Allocation that cannot fail: aborts with one line when memory runs out. */
void *tfa_xmalloc(size_t n);
void *tfa_xcalloc(size_t nmemb, size_t size);
void *tfa_xrealloc(void *p, size_t n);
/* Grow an array of nmemb elements of size size to hold at least want. */
void *tfa_xgrow(void *p, size_t *alloc, size_t want, size_t size);
char *tfa_xstrdup(const char *s);
char *tfa_xstrndup(const char *s, size_t n);

#endif
