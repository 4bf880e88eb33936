/* browser — see browser.h. */
#include "browser.h"
#include "buf.h"
#include "ctx.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 16

/* Split cmd at blanks into argv (no quoting: $BROWSER is a command name
 * plus simple flags), putting url where "%s" is or at the end. */
static int
build_argv(char **argv, char *cmd, const char *url)
{
	int n = 0, placed = 0;
	char *p = cmd, *w;

	while (*p && n < MAX_ARGS - 2) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		if (strcmp(w, "%s") == 0) {
			argv[n++] = (char *)url;
			placed = 1;
		} else {
			argv[n++] = w;
		}
	}
	if (n == 0)
		return 0;
	if (!placed)
		argv[n++] = (char *)url;
	argv[n] = NULL;
	return n;
}

static int
spawn_detached(char **argv, const struct tfa_ctx *ctx)
{
	char **envp = tfa_xcalloc(ctx->nenv + 1, sizeof(*envp));
	pid_t pid;
	int status = 0, fd;

	if (ctx->nenv)
		memcpy(envp, ctx->env, ctx->nenv * sizeof(*envp));
	pid = fork();
	if (pid == 0) {
		/* Double fork: the browser is nobody's child of ours to reap. */
		setsid();
		if (fork() != 0)
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* The browser gets the user's core limit, not ours. */
		tfa_core_limit_restore();
		execvpe(argv[0], argv, envp);
		_exit(127);
	}
	free(envp);
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		;
	return 0;
}

/* Whether name is a program on PATH (or a path to one). */
static int
on_path(const struct tfa_ctx *ctx, const char *name)
{
	const char *path = tfa_ctx_getenv_nonempty(ctx, "PATH"), *p, *colon;
	struct tfa_buf b = TFA_BUF_INIT;
	int found = 0;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	for (p = path ? path : "/usr/bin:/bin"; p && !found; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		tfa_buf_reset(&b);
		tfa_buf_add(&b, p, colon ? (size_t)(colon - p) : strlen(p));
		tfa_buf_addf(&b, "/%s", name);
		found = access(b.ptr, X_OK) == 0;
	}
	tfa_buf_dispose(&b);
	return found;
}

int
tfa_browser_open(const struct tfa_ctx *ctx, const char *url, struct tfa_err *err)
{
	const char *browser = tfa_ctx_getenv_nonempty(ctx, "BROWSER");
	char *argv[MAX_ARGS], *cmd = NULL;
	int rc = TFA_ENOTFOUND;

	if (browser) {
		const char *colon = strchr(browser, ':');
		cmd = tfa_xstrndup(browser, colon ? (size_t)(colon - browser) : strlen(browser));
	} else if ((tfa_ctx_getenv_nonempty(ctx, "DISPLAY") ||
		    tfa_ctx_getenv_nonempty(ctx, "WAYLAND_DISPLAY")) && on_path(ctx, "xdg-open")) {
		cmd = tfa_xstrdup("xdg-open");
	} else if (on_path(ctx, "open") && access("/System/Library", F_OK) == 0) {
		cmd = tfa_xstrdup("open"); /* macOS */
	}
	if (!cmd || !build_argv(argv, cmd, url) || !on_path(ctx, argv[0])) {
		tfa_err_set(err, TFA_ENOTFOUND, "no browser to open here");
		tfa_err_hint(err, "open the address by hand, or set BROWSER");
		goto out;
	}
	if (spawn_detached(argv, ctx) < 0) {
		tfa_err_set(err, TFA_EIO, "cannot start the browser '%s'", argv[0]);
		goto out;
	}
	rc = 0;
out:
	free(cmd);
	return rc;
}
