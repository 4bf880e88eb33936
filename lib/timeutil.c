/* timeutil — see timeutil.h. */
#include "timeutil.h"

#include <stdio.h>
#include <string.h>

static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
tfa_time_parse(time_t *out, const char *s)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (!s || strlen(s) < 19)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1; /* not a leap year */
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0 || strcmp(s, "UTC") == 0) {
		sign = 0;
	} else if ((s[0] == '+' || s[0] == '-') && strlen(s) == 6 && s[3] == ':' &&
		   !digits(s + 1, 2, &oh) && !digits(s + 4, 2, &om) && oh < 24 && om < 60) {
		sign = s[0] == '+' ? 1 : -1;
	} else {
		return -1;
	}
	*out = (time_t)(days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL +
			(sec > 59 ? 59 : sec) - sign * (oh * 3600LL + om * 60LL));
	return 0;
}

void
tfa_time_format(char out[TFA_TIME_LEN], time_t t)
{
	struct tm tm;

	/* Not strftime's %Y: glibc writes the year 999 as "999", which no
	 * RFC 3339 reader (ours included) takes back. */
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 ||
	    snprintf(out, TFA_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec) != TFA_TIME_LEN - 1)
		snprintf(out, TFA_TIME_LEN, "1970-01-01T00:00:00Z");
}

long long
tfa_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
