/*
 * config_priv — the line lexing rules of lib/config (go-v2's), shared with
 * lib/keys, which rewrites credentials files line by line and must read
 * them exactly as the loader does.  Library only.
 */
#ifndef TFA_CONFIG_PRIV_H
#define TFA_CONFIG_PRIV_H

#include <stddef.h>

/* Drop blanks (space, tab) at both ends and a '\r' at the end. */
void tfa__ini_trim(const char **s, size_t *n);
/* Where a property line's comment starts: a '#' or ';' after a blank. */
size_t tfa__ini_property_comment(const char *s, size_t n);
/* go-v2 splitProperty: '=' unless a ':' comes first; 0, or -1 for none. */
int tfa__ini_split_property(const char *s, size_t n, size_t *sep);

#endif
