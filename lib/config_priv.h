/*
 * config_priv — the line lexing rules of lib/config (go-v2's), shared with
 * lib/keys, which rewrites credentials files line by line and must read
 * them exactly as the loader does.  Library only.
 */
#ifndef TFA_CONFIG_PRIV_H
#define TFA_CONFIG_PRIV_H

#include <stddef.h>

#include <string.h>

/* Inline: the loader calls these for every line of files with thousands
 * of profiles. */

static inline int
tfa__ini_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline void
tfa__ini_trim(const char **s, size_t *n)
{
	while (*n && tfa__ini_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && (tfa__ini_blank((*s)[*n - 1]) || (*s)[*n - 1] == '\r'))
		(*n)--;
}

/* A property line's comment starts at a '#' or ';' after a space or tab. */
static inline size_t
tfa__ini_property_comment(const char *s, size_t n)
{
	const char *p = s, *end = s + n, *h, *c;

	while (p < end) {
		/* memchr is fast over the long tokens most values are. */
		h = memchr(p, '#', (size_t)(end - p));
		c = memchr(p, ';', (size_t)(h ? h - p : end - p));
		if (c)
			h = c;
		if (!h)
			break;
		if (h > s && tfa__ini_blank(h[-1]))
			return (size_t)(h - s);
		p = h + 1;
	}
	return n;
}

/* go-v2 splitProperty: '=' unless a ':' comes first (or there is no '='). */
static inline int
tfa__ini_split_property(const char *s, size_t n, size_t *sep)
{
	const char *eq = memchr(s, '=', n), *colon = memchr(s, ':', n);

	if (!eq && !colon)
		return -1;
	if (!eq || (colon && colon < eq))
		*sep = (size_t)(colon - s);
	else
		*sep = (size_t)(eq - s);
	return 0;
}

#endif
