/*
 * err — what went wrong, for the user.
 *
 * A fallible library function returns 0 or a negative TFA_E* code and fills a
 * caller-owned struct tfa_err.  The message follows git's style: lowercase,
 * no trailing full stop, the subject quoted; the hint is the exact command or
 * step that fixes it.  There is no hidden "last error".
 */
#ifndef TFA_ERR_H
#define TFA_ERR_H

#include <stdarg.h>

enum tfa_errcode {
	TFA_OK = 0,
	TFA_EINVAL = -1,     /* bad input: malformed file, bad value */
	TFA_ENOTFOUND = -2,  /* a profile, section or file that does not exist */
	TFA_EIO = -3,        /* reading or writing a file failed */
	TFA_ETOOBIG = -4,    /* input over a size cap */
	TFA_ELOOP = -5,      /* a source_profile loop */
	TFA_ENET = -6,       /* connecting, timing out, TLS */
	TFA_EAWS = -7,       /* AWS answered with an error document */
	TFA_EPERM = -8,      /* unsafe file permissions, refused */
	TFA_ELOGIN = -9,     /* a login is needed but not allowed to prompt */
	TFA_EUSAGE = -10,    /* the caller's arguments are wrong */
	TFA_EUNSUPPORTED = -11
};

struct tfa_err {
	int code;              /* a TFA_E* value, 0 when clear */
	int sys_errno;         /* errno behind an EIO, else 0 */
	int http_status;       /* HTTP status of a failed call, else 0 */
	char msg[512];
	char hint[512];
	char aws_code[64];     /* e.g. "InvalidClientTokenId" */
	char request_id[80];
};

void tfa_err_clear(struct tfa_err *e);
/* Set code and message; returns code so callers can `return tfa_err_set(...)`. */
int tfa_err_set(struct tfa_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tfa_err_vset(struct tfa_err *e, int code, const char *fmt, va_list ap);
void tfa_err_hint(struct tfa_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The exit status a tool should use for this error: 1, 2 or 3. */
int tfa_err_exit_status(const struct tfa_err *e);

#endif
