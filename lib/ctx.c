/* ctx — see ctx.h. */
#include "ctx.h"
#include "buf.h"
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static time_t
real_clock(void *unused)
{
	(void)unused;
	return time(NULL);
}

static long
find(const struct tfa_ctx *ctx, const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; i < ctx->nenv; i++)
		if (strncmp(ctx->env[i], name, n) == 0 && ctx->env[i][n] == '=')
			return (long)i;
	return -1;
}

void
tfa_ctx_init(struct tfa_ctx *ctx, char *const *envp)
{
	const char *home;

	memset(ctx, 0, sizeof(*ctx));
	ctx->clock = real_clock;
	for (; envp && *envp; envp++) {
		if (!strchr(*envp, '='))
			continue;
		ctx->env = tfa_xgrow(ctx->env, &ctx->envalloc, ctx->nenv + 1,
				     sizeof(*ctx->env));
		ctx->env[ctx->nenv++] = tfa_xstrdup(*envp);
	}
	home = tfa_ctx_getenv_nonempty(ctx, "HOME");
	if (!home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "";
	}
	ctx->home = tfa_xstrdup(home);
	tfa_ctx_refresh_paths(ctx);
}

void
tfa_ctx_dispose(struct tfa_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nenv; i++)
		tfa_secret_free(ctx->env[i]); /* the environment may hold keys */
	free(ctx->env);
	free(ctx->home);
	free(ctx->config_path);
	free(ctx->credentials_path);
	/* Through the pointer: ctx.c does not link against libcurl. */
	if (ctx->owns_transport && ctx->transport)
		ctx->transport->free(ctx->transport);
	memset(ctx, 0, sizeof(*ctx));
}

void
tfa_ctx_copy(struct tfa_ctx *dst, const struct tfa_ctx *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->env = tfa_xcalloc(src->nenv ? src->nenv : 1, sizeof(*dst->env));
	dst->envalloc = src->nenv ? src->nenv : 1;
	for (i = 0; i < src->nenv; i++)
		dst->env[i] = tfa_xstrdup(src->env[i]);
	dst->nenv = src->nenv;
	dst->home = tfa_xstrdup(src->home);
	dst->config_path = tfa_xstrdup(src->config_path);
	dst->credentials_path = tfa_xstrdup(src->credentials_path);
	dst->clock = src->clock;
	dst->clock_data = src->clock_data;
}

const char *
tfa_ctx_getenv(const struct tfa_ctx *ctx, const char *name)
{
	long i = find(ctx, name);

	return i < 0 ? NULL : ctx->env[i] + strlen(name) + 1;
}

const char *
tfa_ctx_getenv_nonempty(const struct tfa_ctx *ctx, const char *name)
{
	const char *v = tfa_ctx_getenv(ctx, name);

	return v && *v ? v : NULL;
}

int
tfa_ctx_getenv_long(const struct tfa_ctx *ctx, const char *name, long def, long min,
		    long max, const char *what, long *out, struct tfa_err *err)
{
	const char *v = tfa_ctx_getenv_nonempty(ctx, name);
	char *end;
	long n;

	if (!v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || errno || *end || n < min || n > max) {
		tfa_err_set(err, TFA_EINVAL, "bad value '%.40s' for %s: expected %s "
			    "from %ld to %ld", v, name, what, min, max);
		tfa_err_hint(err, "unset %s to use the default of %ld", name, def);
		return TFA_EINVAL;
	}
	*out = n;
	return 0;
}

void
tfa_ctx_setenv(struct tfa_ctx *ctx, const char *name, const char *value)
{
	struct tfa_buf b = TFA_BUF_INIT;
	long i = find(ctx, name);

	tfa_buf_init_secret(&b, 0);
	tfa_buf_adds(&b, name);
	tfa_buf_addch(&b, '=');
	tfa_buf_adds(&b, value);
	if (i >= 0) {
		tfa_secret_free(ctx->env[i]);
		ctx->env[i] = tfa_buf_detach(&b);
		return;
	}
	ctx->env = tfa_xgrow(ctx->env, &ctx->envalloc, ctx->nenv + 1,
			     sizeof(*ctx->env));
	ctx->env[ctx->nenv++] = tfa_buf_detach(&b);
}

void
tfa_ctx_unsetenv(struct tfa_ctx *ctx, const char *name)
{
	long i;

	/* Every copy: an environment may hold a name twice. */
	while ((i = find(ctx, name)) >= 0) {
		tfa_secret_free(ctx->env[i]);
		memmove(&ctx->env[i], &ctx->env[i + 1],
			(ctx->nenv - (size_t)i - 1) * sizeof(*ctx->env));
		ctx->nenv--;
	}
}

char *
tfa_ctx_expand_path(const struct tfa_ctx *ctx, const char *path)
{
	struct tfa_buf b = TFA_BUF_INIT;

	if (path[0] == '~' && (path[1] == '\0' || path[1] == '/')) {
		tfa_buf_adds(&b, ctx->home);
		tfa_buf_adds(&b, path + 1);
		return tfa_buf_detach(&b);
	}
	return tfa_xstrdup(path);
}

char *
tfa_ctx_display_path(const struct tfa_ctx *ctx, const char *path)
{
	size_t n = strlen(ctx->home);
	struct tfa_buf b = TFA_BUF_INIT;

	if (n > 1 && strncmp(path, ctx->home, n) == 0 && path[n] == '/') {
		tfa_buf_addch(&b, '~');
		tfa_buf_adds(&b, path + n);
		return tfa_buf_detach(&b);
	}
	return tfa_xstrdup(path);
}

void
tfa_ctx_refresh_paths(struct tfa_ctx *ctx)
{
	const char *v;

	free(ctx->config_path);
	free(ctx->credentials_path);
	v = tfa_ctx_getenv_nonempty(ctx, "AWS_CONFIG_FILE");
	ctx->config_path = tfa_ctx_expand_path(ctx, v ? v : "~/.aws/config");
	v = tfa_ctx_getenv_nonempty(ctx, "AWS_SHARED_CREDENTIALS_FILE");
	ctx->credentials_path =
		tfa_ctx_expand_path(ctx, v ? v : "~/.aws/credentials");
}

time_t
tfa_ctx_now(const struct tfa_ctx *ctx)
{
	return ctx->clock(ctx->clock_data);
}

/* RLIMIT_CORE as the process had it before tfa_core_dumps_off (see ctx.h). */
static struct rlimit core_saved;
static int core_saved_set;

void
tfa_core_dumps_off(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_CORE, &rl) < 0)
		return;
	/* Only the first call sees the user's limit: a later one (after a
	 * spawn) must not remember our own 1. */
	if (!core_saved_set) {
		core_saved = rl;
		core_saved_set = 1;
	}
	rl.rlim_cur = rl.rlim_max == 0 ? 0 : 1;
	setrlimit(RLIMIT_CORE, &rl);
}

int
tfa_core_limit_restore(void)
{
	if (!core_saved_set)
		return 0;
	setrlimit(RLIMIT_CORE, &core_saved);
	return 1;
}
