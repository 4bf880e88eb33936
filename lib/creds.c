/* creds — see creds.h. */
#include "creds.h"
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void
tfa_creds_init(struct tfa_creds *c)
{
	memset(c, 0, sizeof(*c));
}

void
tfa_creds_dispose(struct tfa_creds *c)
{
	free(c->access_key_id);
	tfa_secret_free(c->secret_access_key);
	tfa_secret_free(c->session_token);
	free(c->account_id);
	memset(c, 0, sizeof(*c));
}

static char *
dup_or_null(const char *s)
{
	return s ? tfa_xstrdup(s) : NULL;
}

void
tfa_creds_copy(struct tfa_creds *dst, const struct tfa_creds *src)
{
	dst->access_key_id = dup_or_null(src->access_key_id);
	dst->secret_access_key = dup_or_null(src->secret_access_key);
	dst->session_token = dup_or_null(src->session_token);
	dst->expiration = src->expiration;
	dst->account_id = dup_or_null(src->account_id);
}

void
tfa_mask(char *out, size_t outsz, const char *s)
{
	size_t n = s ? strlen(s) : 0, stars, tail, i = 0;

	if (outsz == 0)
		return;
	tail = n > 4 ? 4 : n / 2;   /* never show most of a short string */
	stars = n - tail;
	if (stars > 16)
		stars = 16;
	while (stars-- && i + 1 < outsz)
		out[i++] = '*';
	while (tail && i + 1 < outsz) {
		out[i++] = s[n - tail];
		tail--;
	}
	out[i] = '\0';
}
