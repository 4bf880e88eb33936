/*
 * sso_priv — what sso.c (the network half) and sso_config.c (the offline
 * half, which tfauth-env links without libcurl) share.  Library only.
 */
#ifndef TFA_SSO_PRIV_H
#define TFA_SSO_PRIV_H

#include <stddef.h>

#include "config.h"
#include "sso.h"

void tfa__sso_mark_cut(char *msg, size_t size);
const char *tfa__sso_login_name(const struct tfa_sso_config *sc);
void tfa__sso_where(char *out, size_t size, const struct tfa_section *s, const char *key);
int tfa__sso_is_url(const char *u);
size_t tfa__sso_split_scopes(char ***out, const char *scopes);
void tfa__sso_free_list(char **list, size_t n);

#endif
