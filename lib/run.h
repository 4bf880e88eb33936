/*
 * run — what tfauth-run does around a command (terraform, tofu,
 * terragrunt...): the child's environment, the supervision of the child,
 * and the decision to log in again and run it once more.
 *
 * The pieces, each usable alone:
 *
 *   tfa_run_select       which profile is in play: the one chosen
 *                        (argument, AWS_PROFILE, AWS_DEFAULT_PROFILE), else
 *                        the "default" profile when the SDK would reach it
 *                        (no keys and no web identity in the environment),
 *                        else none (the SDK's own chain: environment keys,
 *                        web identity, container, IMDS; tfauth-run leaves
 *                        those alone)
 *   tfa_run_child_env    the child's environment: a chosen profile wins
 *                        over keys in the environment (they are removed,
 *                        and the notes say so with the key id masked),
 *                        AWS_PROFILE is set, the region too when none is
 *                        set; credentials tfauth resolved from its caches
 *                        are exported (tfa_run_exports says which)
 *   tfa_run_classify_command  what CMD is: read-only, changes resources
 *                        (apply, destroy), another terraform subcommand,
 *                        or unknown
 *   tfa_run_scan         the cause of a failure in the tail of the child's
 *                        stderr (lib/explain), and whether it came before
 *                        any resource change
 *   tfa_run_decide       refresh and rerun, refresh only, or just say why
 *   tfa_run_spawn        run the child: stdin and stdout are its own,
 *                        stderr goes through a pipe to a sink, live, and
 *                        into a bounded tail; SIGINT and SIGQUIT reach it
 *                        from the terminal (tfauth-run only notes them),
 *                        SIGTERM and SIGHUP are forwarded
 *
 * The first five are pure: no process, no file, no clock.  tfa_run_spawn
 * is the one place with process-wide state (signal handlers, installed
 * for the duration of the call and restored after it); it writes nothing
 * itself: the child's stderr goes to the caller's sink.
 */
#ifndef TFA_RUN_H
#define TFA_RUN_H

#include <stddef.h>

#include "buf.h"
#include "chain.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "profile.h"

/* ---- the bounded tail ------------------------------------------------ */

/* The tail kept of the child's stderr by default: the last 256 KiB. */
#define TFA_RUN_TAIL_MAX ((size_t)256 << 10)

/*
 * The last cap bytes of a stream, oldest first.  The child's stderr may
 * hold secrets (TF_LOG=DEBUG prints signed requests), so the storage is
 * wiped whenever it is released.
 */
struct tfa_run_tail {
	char *ptr;          /* NULL until something is added; not NUL-terminated */
	size_t len;         /* bytes kept, at most cap */
	size_t cap;
	unsigned long long seen;    /* bytes added in all */
};

void tfa_run_tail_init(struct tfa_run_tail *t, size_t cap);
void tfa_run_tail_add(struct tfa_run_tail *t, const char *p, size_t n);
/* Forget what was kept (wiped); keep the cap. */
void tfa_run_tail_reset(struct tfa_run_tail *t);
/* Wipe and free; safe to call twice. */
void tfa_run_tail_dispose(struct tfa_run_tail *t);
/* Whether bytes were dropped from the front (the tail is not the whole). */
int tfa_run_tail_cut(const struct tfa_run_tail *t);

/* ---- the profile in play and the child's environment ----------------- */

struct tfa_run_profile {
	const char *name;       /* NULL: no profile in play; else borrowed from cfg */
	int chosen;             /* named by the user (not the implicit "default") */
	enum tfa_profile_origin origin;
	enum tfa_profile_kind kind;
	const char *region;     /* the profile's own region, or NULL (from cfg) */
	/* A new login gives new credentials: roles, MFA sessions, SSO,
	 * credential_process, web identity.  Not static keys, not a profile
	 * without credentials of its own. */
	int refreshable;
};

/*
 * Which profile is in play for a command run with profile name (NULL: the
 * selection rules of lib/profile).  A chosen profile must exist and
 * resolve: TFA_ENOTFOUND (with "did you mean") or the profile's error
 * otherwise.  With none chosen, the "default" profile is in play when the
 * SDK would reach it: no access key or secret in the environment (also
 * the old AWS_ACCESS_KEY/AWS_SECRET_KEY) and no AWS_WEB_IDENTITY_TOKEN_FILE;
 * a broken or absent default profile leaves none in play (the child's SDK
 * says what is wrong).
 */
int tfa_run_select(struct tfa_run_profile *out, const struct tfa_ctx *ctx,
		   const struct tfa_config *cfg, const char *name, struct tfa_err *err);

/*
 * Whether resolved credentials go into the child's environment: yes for
 * every source Terraform's SDK cannot use as tfauth did (an assumed role,
 * possibly with MFA — go-v2 fails with "AssumeRoleTokenProvider session
 * option not set" —, an MFA session, SSO, credential_process, web
 * identity), so that the child uses exactly the credentials tfauth
 * checked and cached; no for static keys (AWS_PROFILE is enough), the
 * environment's own keys, container and IMDS credentials.
 */
int tfa_run_exports(const struct tfa_resolved *res);

/*
 * Build in out (initialised here; tfa_ctx_dispose it) the environment of
 * the child: a copy of ctx's, then
 *   - with a chosen profile: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *     AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION,
 *     AWS_DEFAULT_PROFILE, AWS_ACCESS_KEY and AWS_SECRET_KEY removed (a
 *     note for each one that was set, but AWS_DEFAULT_PROFILE naming the
 *     same profile), AWS_PROFILE set, and AWS_REGION and AWS_DEFAULT_REGION
 *     set to the profile's region when it has one and neither is set;
 *   - when res is not NULL and tfa_run_exports(res): AWS_ACCESS_KEY_ID,
 *     AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (removed when there is
 *     none), AWS_CREDENTIAL_EXPIRATION (RFC 3339; removed when they do not
 *     expire) set to res's credentials, AWS_SECURITY_TOKEN removed.
 * With no profile in play and res NULL, the copy is unchanged.  notes (may
 * be NULL) gets one line per variable cleared, without a program name,
 * ending in '\n': "cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed
 * profile 'prod'".  Never fails.
 */
void tfa_run_child_env(struct tfa_ctx *out, struct tfa_buf *notes,
		       const struct tfa_ctx *ctx, const struct tfa_run_profile *p,
		       const struct tfa_resolved *res);

/*
 * A NULL-terminated array of env's "NAME=value" strings, for execve and
 * posix_spawn.  The strings are borrowed from env; free() the array.
 */
char **tfa_run_envp(const struct tfa_ctx *env);

/* ---- what the command is --------------------------------------------- */

enum tfa_run_kind {
	TFA_RUN_READ_ONLY,  /* changes nothing: rerun after a login, always */
	TFA_RUN_CHANGES,    /* apply, destroy: rerun only before a change started */
	TFA_RUN_OTHER,      /* terraform-like, any other subcommand: never rerun */
	TFA_RUN_UNKNOWN     /* not terraform, tofu or terragrunt: rerun with --retry */
};

struct tfa_run_command {
	enum tfa_run_kind kind;
	const char *tool;   /* "terraform", "tofu", "terragrunt"; NULL: unknown */
	const char *sub;    /* the subcommand, borrowed from argv; NULL: none */
	int needs_credentials; /* 0 for fmt, version, help, terraform validate */
};

/*
 * Classify argv (argv[0] the command, by its base name).  Read-only: init,
 * plan, validate, refresh, output, show, state list|show, providers (and
 * its subcommands), import, graph, console, fmt, version, workspace
 * list|show, get, help; no subcommand at all (-version, -help).  Options
 * before the subcommand (-chdir=DIR) are skipped; for terragrunt so are
 * "run-all", "run" and "--", and since its options may take a separate
 * value, a read-only-looking terragrunt command with a bare "apply" or
 * "destroy" anywhere after it counts as changing things.
 */
void tfa_run_classify_command(struct tfa_run_command *out, char *const *argv);

/* ---- why it failed, and what to do ----------------------------------- */

struct tfa_run_failure {
	const char *id;         /* the most specific finding (static); NULL: none */
	const char *cause;      /* its cause, one line (static) */
	char code[64];          /* the AWS error code the text shows, or "" */
	int login_fixes;        /* a new login can fix it (see tfa_run_scan) */
	int provider_config;    /* the text shows a provider or backend failed to configure */
	int changes_started;    /* the text shows a resource change */
};

/*
 * Scan text (the tail of the child's stderr; any bytes) for the cause of
 * the failure.  A login fixes invalid-client-token-id, expired-token,
 * sso-session-expired and no-credential-sources; not signature-mismatch,
 * assume-role-denied, clock-skew (RequestExpired) or any other finding.
 * provider_config: "configuring Terraform AWS Provider", "validating
 * provider credentials", "Retrieving AWS account details", "No valid
 * credential sources found" and the S3 backend's equivalents.
 * changes_started: "Creating...", "Modifying...", "Destroying...", "Still
 * creating", "Apply complete", "Destroy complete" and kin, or an
 * "Error: creating|updating|deleting" from a resource.  Matching ignores
 * case, spaces, line breaks, Terraform's box frame and ANSI colours.
 */
void tfa_run_scan(struct tfa_run_failure *out, const char *text, size_t len);

enum tfa_run_action {
	TFA_RUN_DONE,           /* nothing to do or say */
	TFA_RUN_RERUN,          /* refresh the profile (--force), run the command again */
	TFA_RUN_REFRESH_ONLY,   /* refresh, and say to rerun: it is not safe to */
	TFA_RUN_ADVISE,         /* say the cause and that a refresh fixes it (--no-retry) */
	TFA_RUN_DOCTOR          /* say the cause and point at tfauth-doctor */
};

#define TFA_RUN_NO_RETRY      0x01u /* --no-retry */
#define TFA_RUN_RETRY_UNKNOWN 0x02u /* --retry: rerun unknown commands too */
#define TFA_RUN_RETRIED       0x04u /* this was already the rerun */
#define TFA_RUN_INTERRUPTED   0x08u /* a signal stopped the run (Ctrl-C...) */
#define TFA_RUN_REFRESHABLE   0x10u /* the profile in play can be refreshed */
#define TFA_RUN_TAIL_CUT      0x20u /* the tail lost the start of the output */

/*
 * What to do after the command failed with f.  Interrupted, or no known
 * cause: DONE.  A cause a login does not fix, a profile that cannot be
 * refreshed, or a failure of the rerun: DOCTOR.  --no-retry: ADVISE.
 * Then RERUN when rerunning is safe — a read-only command; apply or
 * destroy whose provider configuration failed with no change shown and a
 * tail that holds the whole output; an unknown command with --retry —,
 * else REFRESH_ONLY.
 */
enum tfa_run_action tfa_run_decide(const struct tfa_run_failure *f,
				   const struct tfa_run_command *cmd, unsigned flags);

/* ---- running the child ----------------------------------------------- */

struct tfa_run_result {
	int status;         /* to exit with: the exit code, 128+N after signal N,
			       127 not found, 126 not executable */
	int term_signal;    /* the signal that ended the child, else 0 */
	int interrupted;    /* SIGINT or SIGQUIT arrived while it ran */
	int forwarded;      /* the SIGTERM or SIGHUP passed on to it, else 0 */
	int spawn_errno;    /* it could not be started: the errno, else 0 */
};

/* Where the child's stderr goes, chunk by chunk, as it arrives. */
typedef void tfa_run_sink(const char *p, size_t n, void *data);

/*
 * Run argv[0] (looked up in PATH when it has no '/', as execvp does) with
 * envp, and wait for it.  stdin and stdout are inherited.  With a sink,
 * stderr is a pipe whose bytes go to sink as read() returns them and into
 * tail (may be NULL); without one, stderr is inherited too.  While the
 * child runs, SIGINT and SIGQUIT do not stop this process (the terminal
 * sends them to the whole foreground group, so the child gets them; a
 * caller that found them ignored keeps them ignored for the child too),
 * SIGTERM and SIGHUP are passed on to the child, and SIGPIPE is ignored
 * (a closed stderr must not stop the copying); the previous handlers come
 * back before returning.  When the child has ended, what it wrote is
 * drained, but not what a process it left behind writes later.
 *
 * 0 once the child ran, whatever its status.  When it cannot be started:
 * TFA_ENOTFOUND ("'CMD': command not found", status 127) or TFA_EPERM
 * (status 126), with spawn_errno; TFA_EIO when a pipe cannot be made.
 */
int tfa_run_spawn(struct tfa_run_result *out, char *const *argv, char *const *envp,
		  struct tfa_run_tail *tail, tfa_run_sink *sink, void *sink_data,
		  struct tfa_err *err);

#endif
