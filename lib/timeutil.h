/*
 * timeutil — the timestamps AWS writes: ISO 8601 / RFC 3339 in UTC.
 */
#ifndef TFA_TIMEUTIL_H
#define TFA_TIMEUTIL_H

#include <stddef.h>
#include <time.h>

/*
 * Parse "2026-01-02T03:04:05Z", with optional fractional seconds, and the
 * zone as "Z", "UTC" (botocore's cache files), or "+HH:MM"/"-HH:MM".
 * 0, or -1 when s is not such a time.
 */
int tfa_time_parse(time_t *out, const char *s);
/* "2026-01-02T03:04:05Z", the year in four digits (0000-9999; a time
 * outside those years is written as 1970-01-01T00:00:00Z); out must hold
 * TFA_TIME_LEN bytes.  What it writes, tfa_time_parse reads back. */
#define TFA_TIME_LEN 21
void tfa_time_format(char out[TFA_TIME_LEN], time_t t);

/* Milliseconds of the monotonic clock, for timeouts (not the ctx's clock,
 * which tells the time of day and which tests fake). */
long long tfa_monotonic_ms(void);

#endif
