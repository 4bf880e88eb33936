#include "buf.h"
#include "err.h"
#include "tap.h"

#include <stdlib.h>

int
main(void)
{
	struct tfa_buf b = TFA_BUF_INIT, s;
	char *p;
	int i;

	ok(b.ptr && b.ptr[0] == '\0' && b.len == 0, "new buffer is empty and not NULL");
	tfa_buf_adds(&b, "abc");
	tfa_buf_addch(&b, 'd');
	tfa_buf_addf(&b, "-%d-%s", 42, "x");
	is_str(b.ptr, "abcd-42-x", "add, addch, addf append");
	tfa_buf_setlen(&b, 2);
	is_str(b.ptr, "ab", "setlen truncates and terminates");
	tfa_buf_setlen(&b, 10);
	is_int(b.len, 2, "setlen never grows");
	tfa_buf_reset(&b);
	is_int(b.len, 0, "reset empties");
	for (i = 0; i < 10000; i++)
		tfa_buf_add(&b, "0123456789", 10);
	is_int(b.len, 100000, "grows across many reallocations");
	tfa_buf_dispose(&b);
	tfa_buf_dispose(&b);
	ok(b.ptr[0] == '\0', "dispose twice is safe");

	tfa_buf_init(&b, 8);
	is_int(tfa_buf_add(&b, "12345678", 8), 0, "fills exactly to the cap");
	is_int(tfa_buf_addch(&b, 'x'), TFA_ETOOBIG, "one byte past the cap fails");
	is_str(b.ptr, "12345678", "a failed add changes nothing");
	is_int(tfa_buf_add(&b, "x", (size_t)-1), TFA_ETOOBIG, "size overflow is refused");
	is_int(tfa_buf_addf(&b, "%s", "toolong"), TFA_ETOOBIG, "addf respects the cap");
	tfa_buf_dispose(&b);

	tfa_buf_init_secret(&s, 0);
	for (i = 0; i < 100; i++)
		tfa_buf_adds(&s, "SECRETSECRET");
	is_int(s.len, 1200, "secret buffer grows");
	p = tfa_buf_detach(&s);
	is_int((long long)strlen(p), 1200, "detach hands over the bytes");
	tfa_secret_free(p);
	tfa_secret_free(NULL);
	ok(s.len == 0 && s.ptr[0] == '\0', "detached buffer is empty again");

	p = tfa_buf_detach(&s);
	is_str(p, "", "detach of an empty buffer gives an owned empty string");
	free(p);
	return tap_done();
}
