/* err — see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

void
tfa_err_clear(struct tfa_err *e)
{
	memset(e, 0, sizeof(*e));
}

int
tfa_err_vset(struct tfa_err *e, int code, const char *fmt, va_list ap)
{
	tfa_err_clear(e);
	e->code = code;
	/* A message longer than msg is cut; that is safe, and it is rare. */
	if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) < 0)
		e->msg[0] = '\0';
	return code;
}

int
tfa_err_set(struct tfa_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tfa_err_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void
tfa_err_hint(struct tfa_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(e->hint, sizeof(e->hint), fmt, ap) < 0)
		e->hint[0] = '\0';
	va_end(ap);
}

int
tfa_err_exit_status(const struct tfa_err *e)
{
	switch (e->code) {
	case TFA_OK:
		return 0;
	case TFA_EUSAGE:
		return 2;
	case TFA_ELOGIN:
		return 3;
	default:
		return 1;
	}
}
