/*
 * browser — open a URL in the user's browser for a login, without waiting
 * for it: $BROWSER (the first of a ':'-separated list; "%s" stands for the
 * URL, else the URL is the last argument), else xdg-open where there is a
 * display (DISPLAY or WAYLAND_DISPLAY), else open(1) on macOS.  The
 * browser runs detached, its output discarded, with no shell involved.
 */
#ifndef TFA_BROWSER_H
#define TFA_BROWSER_H

#include "ctx.h"
#include "err.h"

/* 0 when a browser was started; TFA_ENOTFOUND when there is none to use. */
int tfa_browser_open(const struct tfa_ctx *ctx, const char *url, struct tfa_err *err);

#endif
