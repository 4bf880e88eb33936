/*
 * test_ctx — the environment snapshot, home and paths of lib/ctx.c, and the
 * error record of lib/err.c.
 */
#include "ctx.h"
#include "err.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
init(struct tfa_ctx *ctx, const char *const *env)
{
	tfa_ctx_init(ctx, (char *const *)env);
}

/* ------------------------------------------------------------------- env */

static void
test_env(void)
{
	struct tfa_ctx ctx;
	static const char *const env[] = {
		"HOME=/home/u", "NOEQUALS", "AB=long", "A=1", "A=2", "EMPTY=",
		"EQ=x=y=z", "", "LAST=end", NULL
	};
	char name[32], value[32];
	int i, all;

	init(&ctx, env);
	is_int(ctx.nenv, 7, "entries without '=' are dropped (\"NOEQUALS\", \"\")");
	is_str(tfa_ctx_getenv(&ctx, "HOME"), "/home/u", "getenv HOME");
	is_str(tfa_ctx_getenv(&ctx, "A"), "1", "a duplicate: the first one wins (as in glibc getenv)");
	is_str(tfa_ctx_getenv(&ctx, "AB"), "long", "AB is not A's prefix match");
	ok(tfa_ctx_getenv(&ctx, "NOEQUALS") == NULL, "an entry without '=' is not a variable");
	ok(tfa_ctx_getenv(&ctx, "ABC") == NULL, "a longer name does not match a shorter one");
	ok(tfa_ctx_getenv(&ctx, "a") == NULL, "names are case-sensitive");
	is_str(tfa_ctx_getenv(&ctx, "EMPTY"), "", "getenv of an empty value is \"\"");
	ok(tfa_ctx_getenv_nonempty(&ctx, "EMPTY") == NULL, "getenv_nonempty of an empty value is NULL");
	ok(tfa_ctx_getenv_nonempty(&ctx, "UNSET") == NULL, "getenv_nonempty of an unset name is NULL");
	is_str(tfa_ctx_getenv_nonempty(&ctx, "LAST"), "end", "getenv_nonempty of a set value");
	is_str(tfa_ctx_getenv(&ctx, "EQ"), "x=y=z", "the value is everything after the first '='");

	tfa_ctx_setenv(&ctx, "LAST", "changed");
	is_str(tfa_ctx_getenv(&ctx, "LAST"), "changed", "setenv replaces");
	is_int(ctx.nenv, 7, "replacing adds no entry");
	tfa_ctx_setenv(&ctx, "NEW", "v=1 'q' $(x)");
	is_str(tfa_ctx_getenv(&ctx, "NEW"), "v=1 'q' $(x)", "setenv adds, value bytes kept");
	is_int(ctx.nenv, 8, "adding adds one entry");
	tfa_ctx_setenv(&ctx, "NEW", "");
	is_str(tfa_ctx_getenv(&ctx, "NEW"), "", "setenv to the empty string");
	ok(tfa_ctx_getenv_nonempty(&ctx, "NEW") == NULL, "which getenv_nonempty treats as unset");
	tfa_ctx_setenv(&ctx, "A", "3");
	is_str(tfa_ctx_getenv(&ctx, "A"), "3", "setenv of a duplicated name changes the one getenv sees");

	tfa_ctx_unsetenv(&ctx, "A");
	ok(tfa_ctx_getenv(&ctx, "A") == NULL, "unsetenv removes every copy of a duplicated name");
	tfa_ctx_setenv(&ctx, "A", "1");
	tfa_ctx_unsetenv(&ctx, "EMPTY");
	ok(tfa_ctx_getenv(&ctx, "EMPTY") == NULL, "unsetenv removes");
	is_int(ctx.nenv, 6, "one entry fewer (and the duplicate gone)");
	is_str(tfa_ctx_getenv(&ctx, "EQ"), "x=y=z", "the entry after it is still there");
	is_str(tfa_ctx_getenv(&ctx, "HOME"), "/home/u", "and the first one");
	tfa_ctx_unsetenv(&ctx, "NEW");
	ok(tfa_ctx_getenv(&ctx, "NEW") == NULL, "unsetenv of the last entry");
	tfa_ctx_unsetenv(&ctx, "NEVER");
	is_int(ctx.nenv, 5, "unsetenv of an unset name changes nothing");

	/* Growth: many variables, each still found. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "V%d", i);
		snprintf(value, sizeof(value), "%d", i * 7);
		tfa_ctx_setenv(&ctx, name, value);
	}
	all = 1;
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "V%d", i);
		snprintf(value, sizeof(value), "%d", i * 7);
		if (!tfa_ctx_getenv(&ctx, name) || strcmp(tfa_ctx_getenv(&ctx, name), value) != 0)
			all = 0;
	}
	ok(all, "300 added variables are each found with their value");
	is_int(ctx.nenv, 305, "and counted");
	tfa_ctx_dispose(&ctx);
	ok(ctx.env == NULL && ctx.nenv == 0 && ctx.home == NULL, "dispose clears the context");

	tfa_ctx_init(&ctx, NULL);
	is_int(ctx.nenv, 0, "a NULL envp is an empty environment");
	ok(tfa_ctx_getenv(&ctx, "HOME") == NULL, "with no HOME");
	tfa_ctx_setenv(&ctx, "X", "1");
	is_str(tfa_ctx_getenv(&ctx, "X"), "1", "setenv into an empty environment");
	tfa_ctx_dispose(&ctx);
}

/* ------------------------------------------------------- home and paths */

static void
test_home(void)
{
	struct tfa_ctx ctx;
	static const char *const nohome[] = { "PATH=/bin", NULL };
	static const char *const emptyhome[] = { "HOME=", NULL };

	init(&ctx, nohome);
	ok(ctx.home && ctx.home[0] != '\0', "HOME unset: home from the password database ('%s')",
	   ctx.home ? ctx.home : "(null)");
	ok(ctx.config_path && strncmp(ctx.config_path, ctx.home, strlen(ctx.home)) == 0,
	   "and the default config path is under it");
	tfa_ctx_dispose(&ctx);

	init(&ctx, emptyhome);
	ok(ctx.home && ctx.home[0] != '\0', "HOME empty: the password database too");
	tfa_ctx_dispose(&ctx);
}

static void
expands(const struct tfa_ctx *ctx, const char *in, const char *want, const char *desc)
{
	char *got = tfa_ctx_expand_path(ctx, in);

	is_str(got, want, "%s", desc);
	free(got);
}

static void
displays(const struct tfa_ctx *ctx, const char *in, const char *want, const char *desc)
{
	char *got = tfa_ctx_display_path(ctx, in);

	is_str(got, want, "%s", desc);
	free(got);
}

static void
test_paths(void)
{
	struct tfa_ctx ctx;
	static const char *const h[] = { "HOME=/h", NULL };
	static const char *const root[] = { "HOME=/", NULL };
	static const char *const slash[] = { "HOME=/home/u/", NULL };
	static const char *const files[] = {
		"HOME=/home/u", "AWS_CONFIG_FILE=~/cfg/config",
		"AWS_SHARED_CREDENTIALS_FILE=/abs/creds", NULL
	};
	static const char *const emptyfiles[] = {
		"HOME=/home/u", "AWS_CONFIG_FILE=", "AWS_SHARED_CREDENTIALS_FILE=", NULL
	};

	init(&ctx, h);
	expands(&ctx, "~", "/h", "\"~\" is home");
	expands(&ctx, "~/x", "/h/x", "\"~/x\"");
	expands(&ctx, "~/", "/h/", "\"~/\"");
	expands(&ctx, "~user/x", "~user/x", "\"~user/x\" is left alone");
	expands(&ctx, "~~", "~~", "\"~~\" is left alone");
	expands(&ctx, "/abs", "/abs", "an absolute path is left alone");
	expands(&ctx, "rel/~/x", "rel/~/x", "a '~' inside is left alone");
	expands(&ctx, "", "", "the empty path");

	displays(&ctx, "/h/.aws/config", "~/.aws/config", "a path under home is shortened");
	displays(&ctx, "/h/", "~/", "home with a slash");
	displays(&ctx, "/h", "/h", "home itself is not shortened");
	displays(&ctx, "/hx/y", "/hx/y", "a path that merely starts with home's string is untouched");
	displays(&ctx, "/other/h/x", "/other/h/x", "home elsewhere in the path is untouched");
	displays(&ctx, "", "", "the empty path");
	is_str(ctx.config_path, "/h/.aws/config", "default config path");
	is_str(ctx.credentials_path, "/h/.aws/credentials", "default credentials path");

	tfa_ctx_setenv(&ctx, "AWS_CONFIG_FILE", "~/elsewhere");
	is_str(ctx.config_path, "/h/.aws/config", "setenv alone does not move the paths");
	tfa_ctx_refresh_paths(&ctx);
	is_str(ctx.config_path, "/h/elsewhere", "refresh_paths after setenv, with ~ expanded");
	is_str(ctx.credentials_path, "/h/.aws/credentials", "the other path unchanged");
	tfa_ctx_setenv(&ctx, "AWS_SHARED_CREDENTIALS_FILE", "~");
	tfa_ctx_refresh_paths(&ctx);
	is_str(ctx.credentials_path, "/h", "AWS_SHARED_CREDENTIALS_FILE=~");
	tfa_ctx_unsetenv(&ctx, "AWS_CONFIG_FILE");
	tfa_ctx_unsetenv(&ctx, "AWS_SHARED_CREDENTIALS_FILE");
	tfa_ctx_refresh_paths(&ctx);
	is_str(ctx.config_path, "/h/.aws/config", "back to the default after unsetenv");
	is_str(ctx.credentials_path, "/h/.aws/credentials", "both");
	tfa_ctx_dispose(&ctx);

	init(&ctx, root);
	displays(&ctx, "/etc/x", "/etc/x", "home \"/\" shortens nothing");
	displays(&ctx, "//x", "//x", "home \"/\" does not shorten \"//x\" either");
	expands(&ctx, "~/x", "//x", "home \"/\": \"~/x\" is \"//x\"");
	tfa_ctx_dispose(&ctx);

	init(&ctx, slash);
	is_str(ctx.config_path, "/home/u//.aws/config", "HOME with a trailing slash: path keeps both");
	displays(&ctx, ctx.config_path, "~/.aws/config", "and still displays as ~/.aws/config");
	tfa_ctx_dispose(&ctx);

	init(&ctx, files);
	is_str(ctx.config_path, "/home/u/cfg/config", "AWS_CONFIG_FILE with ~ expanded");
	is_str(ctx.credentials_path, "/abs/creds", "AWS_SHARED_CREDENTIALS_FILE absolute");
	tfa_ctx_dispose(&ctx);

	init(&ctx, emptyfiles);
	is_str(ctx.config_path, "/home/u/.aws/config", "an empty AWS_CONFIG_FILE is the default");
	is_str(ctx.credentials_path, "/home/u/.aws/credentials",
	       "an empty AWS_SHARED_CREDENTIALS_FILE is the default");
	tfa_ctx_dispose(&ctx);
}

/* ----------------------------------------------------------------- clock */

static time_t
fixed_clock(void *data)
{
	return *(time_t *)data;
}

static void
test_clock(void)
{
	struct tfa_ctx ctx;
	time_t fixed = 1767323045, before, now;
	static const char *const env[] = { "HOME=/h", NULL };

	init(&ctx, env);
	before = time(NULL);
	now = tfa_ctx_now(&ctx);
	ok(now >= before && now <= time(NULL), "the default clock is the real one");
	ctx.clock = fixed_clock;
	ctx.clock_data = &fixed;
	is_int(tfa_ctx_now(&ctx), 1767323045, "a fixed clock through ctx.clock");
	fixed += 3600;
	is_int(tfa_ctx_now(&ctx), 1767323045 + 3600, "clock_data reaches the clock");
	tfa_ctx_dispose(&ctx);
}

/* ------------------------------------------------------------------- err */

static int
vset(struct tfa_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = tfa_err_vset(e, code, fmt, ap);
	va_end(ap);
	return rc;
}

static void
test_err(void)
{
	struct tfa_err e;
	char big[2000];
	static const struct {
		int code, status;
	} st[] = {
		{ TFA_OK, 0 },        { TFA_EINVAL, 1 }, { TFA_ENOTFOUND, 1 },
		{ TFA_EIO, 1 },       { TFA_ETOOBIG, 1 }, { TFA_ELOOP, 1 },
		{ TFA_ENET, 1 },      { TFA_EAWS, 1 },   { TFA_EPERM, 1 },
		{ TFA_ELOGIN, 3 },    { TFA_EUSAGE, 2 }, { TFA_EUNSUPPORTED, 1 },
	};
	size_t i;

	memset(&e, 'x', sizeof(e));
	tfa_err_clear(&e);
	ok(e.code == 0 && e.sys_errno == 0 && e.http_status == 0 && e.msg[0] == '\0' &&
	   e.hint[0] == '\0' && e.aws_code[0] == '\0' && e.request_id[0] == '\0',
	   "clear empties every field");

	is_int(tfa_err_set(&e, TFA_ENOTFOUND, "profile '%s' not found (%d)", "p", 42), TFA_ENOTFOUND,
	       "set returns the code");
	is_int(e.code, TFA_ENOTFOUND, "and stores it");
	is_str(e.msg, "profile 'p' not found (42)", "and formats the message");
	tfa_err_hint(&e, "run '%s'", "aws sso login");
	is_str(e.hint, "run 'aws sso login'", "hint formats");
	is_str(e.msg, "profile 'p' not found (42)", "hint leaves the message");
	is_int(e.code, TFA_ENOTFOUND, "and the code");

	e.sys_errno = 2;
	e.http_status = 403;
	snprintf(e.aws_code, sizeof(e.aws_code), "AccessDenied");
	tfa_err_set(&e, TFA_EIO, "again");
	ok(e.hint[0] == '\0' && e.sys_errno == 0 && e.http_status == 0 && e.aws_code[0] == '\0',
	   "set starts from a clear record (old hint, errno, status, aws_code gone)");

	is_int(vset(&e, TFA_EAWS, "%s-%s", "a", "b"), TFA_EAWS, "vset returns the code");
	is_str(e.msg, "a-b", "vset formats");

	tfa_err_set(&e, TFA_EINVAL, "%s", "100% literal %s %n");
	is_str(e.msg, "100% literal %s %n", "a value with %% is not formatted again");

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tfa_err_set(&e, TFA_EINVAL, "start %s end", big);
	is_int(strlen(e.msg), sizeof(e.msg) - 1, "a message longer than msg[] is cut to fit");
	ok(strncmp(e.msg, "start mmm", 9) == 0, "keeping its start");
	is_int(e.hint[0], 0, "without spilling into hint");
	tfa_err_hint(&e, "%s%s", big, big);
	is_int(strlen(e.hint), sizeof(e.hint) - 1, "a hint longer than hint[] is cut to fit");
	is_int(e.aws_code[0], 0, "without spilling into aws_code");

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		tfa_err_clear(&e);
		e.code = st[i].code;
		is_int(tfa_err_exit_status(&e), st[i].status, "exit status of code %d", st[i].code);
	}
	e.code = -99;
	is_int(tfa_err_exit_status(&e), 1, "an unknown code exits 1");
}

int
main(void)
{
	test_env();
	test_home();
	test_paths();
	test_clock();
	test_err();
	return tap_done();
}
