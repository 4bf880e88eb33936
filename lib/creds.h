/*
 * creds — a set of AWS credentials.
 *
 * The secret key and session token are secrets: they are wiped when the
 * struct is disposed and never appear in messages (use tfa_creds_mask for
 * the access key id).
 */
#ifndef TFA_CREDS_H
#define TFA_CREDS_H

#include <stddef.h>
#include <time.h>

struct tfa_creds {
	char *access_key_id;     /* owned */
	char *secret_access_key; /* owned, secret */
	char *session_token;     /* owned, secret; NULL for long-term keys */
	time_t expiration;       /* 0: does not expire */
	char *account_id;        /* owned; NULL when unknown */
};

void tfa_creds_init(struct tfa_creds *c);
/* Wipe and free every member; safe to call twice. */
void tfa_creds_dispose(struct tfa_creds *c);
/* Deep copy (dst is initialised here). */
void tfa_creds_copy(struct tfa_creds *dst, const struct tfa_creds *src);
/*
 * Mask a secret or key id for display: all but the last four characters
 * become '*' (at most 16 of them), e.g. "****************WZFK".
 * Writes at most outsz bytes, always NUL-terminated.
 */
void tfa_mask(char *out, size_t outsz, const char *s);

#endif
