/*
 * tap.h — the smallest test harness: TAP lines on stdout, one per check.
 * tests/run.sh counts "ok" and "not ok" lines across every suite.
 */
#ifndef TFA_TAP_H
#define TFA_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

/* Compare strings; show both on failure (never use for secrets). */
#define is_str(got, want, ...)                                               \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if (!ok(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_,           \
			__VA_ARGS__))                                        \
			printf("#   got:  '%s'\n#   want: '%s'\n",           \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");      \
	} while (0)

#define is_int(got, want, ...)                                               \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (!ok(g_ == w_, __VA_ARGS__))                              \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_);     \
	} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/*
 * Give path a group that is not the user's private group, so that its
 * group bits count (lib/fs.c: tfa__fs_others_can_write): root takes a gid
 * no group has; others one of their supplementary groups.  0 or -1.
 */
__attribute__((unused)) static int
tap_share_group(const char *path)
{
	gid_t g[64];
	int i, n;

	if (geteuid() == 0)
		return chown(path, (uid_t)-1, 4242);
	n = getgroups(64, g);
	for (i = 0; i < n; i++)
		if (g[i] != getgid() && chown(path, (uid_t)-1, g[i]) == 0)
			return 0;
	return -1;
}

#endif
