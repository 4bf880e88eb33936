/*
 * ctx — everything outside the process that the library looks at.
 *
 * struct tfa_ctx holds a snapshot of the environment, the home directory, the
 * resolved paths of the shared config and credentials files, the clock and
 * (once the http module sets one) the HTTP transport.  Nothing in lib/ calls
 * getenv() or time() itself, so a test builds a context with a fake
 * environment and a fixed clock.
 */
#ifndef TFA_CTX_H
#define TFA_CTX_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct tfa_transport;

struct tfa_ctx {
	char **env;            /* owned "NAME=value" strings */
	size_t nenv, envalloc;
	char *home;            /* owned; "" when unknown */
	char *config_path;     /* owned: AWS_CONFIG_FILE or ~/.aws/config, expanded */
	char *credentials_path;/* owned: AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials */
	time_t (*clock)(void *clock_data);
	void *clock_data;
	struct tfa_transport *transport; /* NULL until set */
	unsigned owns_transport : 1;     /* dispose frees transport */
};

/*
 * Snapshot envp (NULL-terminated, e.g. `environ`).  HOME comes from the
 * environment, else from the password database.
 */
void tfa_ctx_init(struct tfa_ctx *ctx, char *const *envp);
void tfa_ctx_dispose(struct tfa_ctx *ctx);
/* A deep copy (environment, paths, clock) with no transport of its own. */
void tfa_ctx_copy(struct tfa_ctx *dst, const struct tfa_ctx *src);

/* The value of NAME, or NULL when unset. */
const char *tfa_ctx_getenv(const struct tfa_ctx *ctx, const char *name);
/* The value of NAME when set and non-empty, else NULL. */
const char *tfa_ctx_getenv_nonempty(const struct tfa_ctx *ctx, const char *name);
/*
 * A whole number from variable name: def when unset or empty; else it
 * must be digits only, from min to max, or TFA_EINVAL with a message that
 * names the variable and the range ("expected WHAT from MIN to MAX").
 */
int tfa_ctx_getenv_long(const struct tfa_ctx *ctx, const char *name, long def,
			long min, long max, const char *what, long *out,
			struct tfa_err *err);
/* Change the snapshot (tests, and tools preparing a child's environment). */
void tfa_ctx_setenv(struct tfa_ctx *ctx, const char *name, const char *value);
void tfa_ctx_unsetenv(struct tfa_ctx *ctx, const char *name);
/* Recompute config_path and credentials_path after the environment changed. */
void tfa_ctx_refresh_paths(struct tfa_ctx *ctx);

time_t tfa_ctx_now(const struct tfa_ctx *ctx);

/*
 * Expand a leading "~" or "~/" with the context's home directory.  Returns a
 * new string the caller frees.
 */
char *tfa_ctx_expand_path(const struct tfa_ctx *ctx, const char *path);

/*
 * Shorten a path under the home directory to "~/..." for messages.  Returns
 * a new string the caller frees.
 */
char *tfa_ctx_display_path(const struct tfa_ctx *ctx, const char *path);

/*
 * Core dumps.  A core file of a tfauth process would hold the secrets it
 * read, so every tool calls tfa_core_dumps_off (through cli_init) before it
 * reads one: it remembers the process's RLIMIT_CORE and lowers the soft
 * limit to 1 byte (0 when the hard limit is 0).  Why 1 and not 0: the
 * kernel writes no core file smaller than a page, so 1 is as good as 0 for
 * files, and when kernel.core_pattern pipes cores to a program (apport,
 * systemd-coredump) the kernel ignores RLIMIT_CORE except for the value 1,
 * which stops the dump (the sanitizers use 1 for the same reason).  The
 * hard limit is left alone, so the limit can be given back.  Not
 * prctl(PR_SET_DUMPABLE, 0): that would also forbid ptrace and hide
 * /proc/PID/environ from the user's own debugging tools.
 *
 * tfa_core_limit_restore sets the remembered limit again, for a child that
 * runs the user's programs (terraform, credential_process, a browser, a
 * sibling tool that lowers it again itself): call it between fork and exec
 * (it is async-signal-safe), or around posix_spawn.  It returns 1 when it
 * changed the limit (then call tfa_core_dumps_off again after a spawn), 0
 * when tfa_core_dumps_off was never called.
 *
 * The limit is process state, and so is what these remember: the one
 * exception to "no global state" in lib/, because the thing it mirrors is
 * global.
 */
void tfa_core_dumps_off(void);
int tfa_core_limit_restore(void);

#endif
