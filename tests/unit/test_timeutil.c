/*
 * test_timeutil — parsing and formatting the UTC timestamps AWS writes.
 */
#include "tap.h"
#include "timeutil.h"

#include <string.h>
#include <time.h>

#define T_2026 1767323045 /* 2026-01-02T03:04:05Z */

static void
parses(const char *s, long long want, const char *desc)
{
	time_t t = (time_t)-12345;
	int rc = tfa_time_parse(&t, s);

	if (!ok(rc == 0 && (long long)t == want, "%s", desc))
		printf("#   '%s': rc %d, got %lld, want %lld\n", s, rc, (long long)t, want);
}

static void
rejects(const char *s, const char *desc)
{
	time_t t = (time_t)-12345;
	int rc = tfa_time_parse(&t, s);

	if (!ok(rc == -1, "%s", desc))
		printf("#   '%s': rc %d, t %lld\n", s, rc, (long long)t);
}

static void
test_zones(void)
{
	parses("2026-01-02T03:04:05Z", T_2026, "Z");
	parses("2026-01-02T03:04:05z", T_2026, "z");
	parses("2026-01-02T03:04:05UTC", T_2026, "UTC (botocore's cache files)");
	parses("2026-01-02T03:04:05+00:00", T_2026, "+00:00");
	parses("2026-01-02T03:04:05-00:00", T_2026, "-00:00");
	parses("2026-01-02T08:34:05+05:30", T_2026, "+05:30 is 5h30 ahead of UTC");
	parses("2026-01-01T19:04:05-08:00", T_2026, "-08:00, across midnight and the year");
	parses("2026-01-02T03:04:05+23:59", T_2026 - 23 * 3600 - 59 * 60, "+23:59, the largest offset");
	parses("2026-01-02T03:04:05.123Z", T_2026, "fractional seconds are dropped");
	parses("2026-01-02T03:04:05.999999999Z", T_2026, "nine fractional digits, not rounded up");
	parses("2026-01-02T03:04:05.5+01:00", T_2026 - 3600, "fraction and offset");
	parses("2026-01-02t03:04:05Z", T_2026, "a lower-case 't' is accepted");
	parses("2026-01-02 03:04:05Z", T_2026, "a space separator is accepted (RFC 3339 allows it)");

	rejects("2026-01-02T03:04:05", "no zone");
	rejects("2026-01-02T03:04:05utc", "lower-case utc");
	rejects("2026-01-02T03:04:05 Z", "a space before Z");
	rejects("2026-01-02T03:04:05ZZ", "trailing junk after Z");
	rejects("2026-01-02T03:04:05Z ", "a trailing space");
	rejects("2026-01-02T03:04:05Z\n", "a trailing newline");
	rejects("2026-01-02T03:04:05+0530", "+0530 without the colon");
	rejects("2026-01-02T03:04:05+05", "+05 alone");
	rejects("2026-01-02T03:04:05+05:30:00", "an offset with seconds");
	rejects("2026-01-02T03:04:05+5:30", "a one-digit offset hour");
	rejects("2026-01-02T03:04:05+24:00", "offset hour 24");
	rejects("2026-01-02T03:04:05+05:60", "offset minute 60");
	rejects("2026-01-02T03:04:05+ab:cd", "letters in the offset");
	rejects("2026-01-02T03:04:05.Z", "a '.' with no digits");
	rejects("2026-01-02T03:04:05.", "a '.' at the end");
	rejects("2026-01-02T03:04:05.12a4Z", "a letter in the fraction");
	rejects("2026-01-02T03:04:05,123Z", "a comma fraction");
	rejects("2026-01-02T03:04:05GMT", "GMT");
}

static void
test_fields(void)
{
	parses("1970-01-01T00:00:00Z", 0, "the epoch");
	parses("1969-12-31T23:59:59Z", -1, "one second before the epoch");
	parses("1970-01-01T00:00:00+01:00", -3600, "before the epoch by offset");
	parses("2024-02-29T00:00:00Z", 1709164800, "2024-02-29, a leap day");
	parses("2000-02-29T12:00:00Z", 951825600, "2000-02-29 (divisible by 400)");
	/* February 29 only in leap years. */
	rejects("2023-02-29T00:00:00Z", "2023-02-29 is not a date");
	rejects("2100-02-29T00:00:00Z", "2100-02-29 is not a date (centuries are not leap years)");
	parses("2100-01-01T00:00:00Z", 4102444800, "year 2100");
	parses("2038-01-19T03:14:08Z", 2147483648LL, "past 2^31");
	parses("9999-12-31T23:59:59Z", 253402300799LL, "year 9999");
	parses("2026-12-31T23:59:59Z", 1798761599, "the last second of a year");
	/* A leap second is accepted and counted as :59. */
	parses("2016-12-31T23:59:60Z", 1483228799, "23:59:60 is read as 23:59:59");

	rejects("", "the empty string");
	rejects(NULL, "NULL");
	rejects("2026-01-02", "a date alone");
	rejects("2026-01-02T03:04:0", "one digit short");
	rejects("2026-01-02T03:04Z", "no seconds");
	rejects("abcd-ef-ghTij:kl:mnZ", "letters");
	rejects("2026-13-01T00:00:00Z", "month 13");
	rejects("2026-00-01T00:00:00Z", "month 00");
	rejects("2026-01-00T00:00:00Z", "day 00");
	rejects("2026-01-32T00:00:00Z", "day 32");
	rejects("2026-04-31T00:00:00Z", "April 31");
	rejects("2026-02-30T00:00:00Z", "February 30");
	rejects("2026-01-01T24:00:00Z", "hour 24");
	rejects("2026-01-01T00:60:00Z", "minute 60");
	rejects("2026-01-01T00:00:61Z", "second 61");
	rejects("2026/01/01T00:00:00Z", "slashes");
	rejects("2026-01-01X00:00:00Z", "an 'X' separator");
	rejects("2026-01-01T00-00-00Z", "dashes in the time");
	rejects("+2026-01-01T00:00:00Z", "a signed year");
	rejects("12026-01-01T00:00:00Z", "a five-digit year");
	rejects("2026-1-01T00:00:00Z", "a one-digit month");
	rejects(" 2026-01-01T00:00:00Z", "a leading space");
	rejects("1767323045", "epoch seconds");
}

static void
round_trip(time_t t, const char *want)
{
	char buf[TFA_TIME_LEN];
	time_t back = 0;

	tfa_time_format(buf, t);
	is_str(buf, want, "format %lld", (long long)t);
	ok(tfa_time_parse(&back, buf) == 0 && back == t, "and parse back %s", buf);
}

static void
test_format(void)
{
	char buf[TFA_TIME_LEN + 8];
	time_t t, back;
	struct tm tm;
	int all_format, all_parse;

	round_trip(0, "1970-01-01T00:00:00Z");
	round_trip(T_2026, "2026-01-02T03:04:05Z");
	round_trip(1709164800, "2024-02-29T00:00:00Z");
	round_trip(4102444800LL, "2100-01-01T00:00:00Z");
	round_trip(4107542399LL, "2100-02-28T23:59:59Z");
	round_trip(4107542400LL, "2100-03-01T00:00:00Z");
	round_trip(-1, "1969-12-31T23:59:59Z");
	round_trip(253402300799LL, "9999-12-31T23:59:59Z");
	/* Found by fuzz_cache: a cached Expiration in the year 316 was
	 * written back as "316-01-02..." (glibc's %Y) and then unreadable. */
	round_trip(-52542420955LL, "0304-12-31T03:04:05Z");
	round_trip(-62167219200LL, "0000-01-01T00:00:00Z");
	is_int(strlen("2026-01-02T03:04:05Z") + 1, TFA_TIME_LEN, "TFA_TIME_LEN holds a time and its NUL");

	/* Past year 9999 the text would not fit: the fallback, within bounds. */
	memset(buf, '#', sizeof(buf));
	tfa_time_format(buf, 253402300800LL);
	is_str(buf, "1970-01-01T00:00:00Z", "year 10000 does not fit: the fallback text");
	ok(buf[TFA_TIME_LEN] == '#', "and nothing is written past TFA_TIME_LEN");

	/* Every 7919th minute-ish from 1970 to 2106 agrees with gmtime/timegm. */
	all_format = all_parse = 1;
	for (t = 0; t < 4294967296LL; t += 7919 * 61 + 17) {
		char want[32];

		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		tfa_time_format(buf, t);
		if (strcmp(buf, want) != 0) {
			if (all_format)
				printf("#   %lld: '%s' want '%s'\n", (long long)t, buf, want);
			all_format = 0;
		}
		if (tfa_time_parse(&back, want) != 0 || back != t) {
			if (all_parse)
				printf("#   '%s' parsed as %lld\n", want, (long long)back);
			all_parse = 0;
		}
	}
	ok(all_format, "format agrees with gmtime over 1970..2106");
	ok(all_parse, "parse inverts it over 1970..2106");
}

int
main(void)
{
	test_zones();
	test_fields();
	test_format();
	return tap_done();
}
