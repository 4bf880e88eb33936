/* run — see run.h. */
#include "run.h"
#include "env.h"
#include "explain.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the bounded tail ------------------------------------------------ */

void
tfa_run_tail_init(struct tfa_run_tail *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap ? cap : TFA_RUN_TAIL_MAX;
}

void
tfa_run_tail_add(struct tfa_run_tail *t, const char *p, size_t n)
{
	size_t keep;

	t->seen += n;
	if (!n)
		return;
	if (!t->ptr)
		t->ptr = tfa_xmalloc(t->cap);
	if (n >= t->cap) {
		memcpy(t->ptr, p + (n - t->cap), t->cap);
		t->len = t->cap;
		return;
	}
	if (t->len + n > t->cap) {
		/* Drop the oldest bytes; the error that matters is at the end. */
		keep = t->cap - n;
		memmove(t->ptr, t->ptr + (t->len - keep), keep);
		t->len = keep;
	}
	memcpy(t->ptr + t->len, p, n);
	t->len += n;
}

void
tfa_run_tail_reset(struct tfa_run_tail *t)
{
	if (t->ptr)
		tfa_wipe(t->ptr, t->cap);
	t->len = 0;
	t->seen = 0;
}

void
tfa_run_tail_dispose(struct tfa_run_tail *t)
{
	size_t cap = t->cap;

	if (t->ptr) {
		tfa_wipe(t->ptr, t->cap);
		free(t->ptr);
	}
	memset(t, 0, sizeof(*t));
	t->cap = cap;
}

int
tfa_run_tail_cut(const struct tfa_run_tail *t)
{
	return t->seen > (unsigned long long)t->len;
}

/* ---- the profile in play and the child's environment ----------------- */

static const char *
value(const struct tfa_section *s, const char *key)
{
	const char *v = s ? tfa_section_value(s, key) : NULL;

	return v && *v ? v : NULL;
}

/* Whether a login can give p new credentials. */
static int
refreshable(const struct tfa_profile *p)
{
	switch (p->kind) {
	case TFA_PROFILE_ASSUME_ROLE:
	case TFA_PROFILE_WEB_IDENTITY:
	case TFA_PROFILE_SSO:
	case TFA_PROFILE_PROCESS:
		return 1;
	case TFA_PROFILE_STATIC:
		/* Long-term keys with a device: tfauth makes an MFA session. */
		return value(p->section, "mfa_serial") != NULL;
	case TFA_PROFILE_NONE:
	default:
		return 0;
	}
}

static void
from_profile(struct tfa_run_profile *out, const struct tfa_profile *p, int chosen,
	     enum tfa_profile_origin origin)
{
	memset(out, 0, sizeof(*out));
	out->name = p->name;
	out->chosen = chosen;
	out->origin = origin;
	out->kind = p->kind;
	out->region = p->region;
	out->refreshable = refreshable(p);
}

int
tfa_run_select(struct tfa_run_profile *out, const struct tfa_ctx *ctx,
	       const struct tfa_config *cfg, const char *name, struct tfa_err *err)
{
	static const char *const env_keys[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
						"AWS_ACCESS_KEY", "AWS_SECRET_KEY", NULL };
	struct tfa_selection sel;
	struct tfa_profile p;
	struct tfa_err ignored;
	size_t i;
	int rc;

	tfa_profile_select(&sel, ctx, name);
	if (sel.origin != TFA_ORIGIN_DEFAULT) {
		if ((rc = tfa_profile_resolve(&p, cfg, sel.name, err)) < 0) {
			if (rc == TFA_ENOTFOUND && sel.origin != TFA_ORIGIN_ARGUMENT &&
			    !err->hint[0])
				tfa_err_hint(err, "%s is set to '%s'; 'tfauth-profile list' "
					     "shows the profiles there are",
					     tfa_profile_origin_name(sel.origin), sel.name);
			return rc;
		}
		from_profile(out, &p, 1, sel.origin);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->origin = TFA_ORIGIN_DEFAULT;
	/* The SDK's order: keys in the environment, then web identity, then
	 * the default profile.  The first two are the user's own business. */
	for (i = 0; env_keys[i]; i++)
		if (tfa_ctx_getenv_nonempty(ctx, env_keys[i]))
			return 0;
	if (tfa_ctx_getenv_nonempty(ctx, "AWS_WEB_IDENTITY_TOKEN_FILE"))
		return 0;
	if (!tfa_config_profile(cfg, "default"))
		return 0;
	tfa_err_clear(&ignored);
	if (tfa_profile_resolve(&p, cfg, "default", &ignored) < 0)
		return 0;
	from_profile(out, &p, 0, TFA_ORIGIN_DEFAULT);
	return 0;
}

int
tfa_run_exports(const struct tfa_resolved *res)
{
	switch (res->source) {
	case TFA_SOURCE_MFA_SESSION:
	case TFA_SOURCE_ASSUME_ROLE:
	case TFA_SOURCE_WEB_IDENTITY:
	case TFA_SOURCE_PROCESS:
	case TFA_SOURCE_SSO:
		return res->creds.access_key_id && res->creds.secret_access_key;
	case TFA_SOURCE_ENVIRONMENT:
	case TFA_SOURCE_STATIC:
	case TFA_SOURCE_CONTAINER:
	case TFA_SOURCE_IMDS:
	default:
		return 0;
	}
}

static void
note_cleared(struct tfa_buf *notes, const char *var, const char *v, const char *profile)
{
	size_t n = strlen(v);

	if (!notes)
		return;
	tfa_buf_addf(notes, "cleared %s", var);
	if (strcmp(var, "AWS_ACCESS_KEY_ID") == 0 || strcmp(var, "AWS_ACCESS_KEY") == 0) {
		/* "****WZFK": enough to recognise the key, nothing more. */
		tfa_buf_addf(notes, " (****%s)", n >= 8 ? v + n - 4 : "");
	} else if (strcmp(var, "AWS_DEFAULT_PROFILE") == 0 ||
		   strcmp(var, "AWS_CREDENTIAL_EXPIRATION") == 0) {
		tfa_buf_addf(notes, " ('%.100s')", v);
	}
	tfa_buf_addf(notes, " that shadowed profile '%s'\n", profile);
}

static void
clear_var(struct tfa_ctx *out, struct tfa_buf *notes, const char *var, const char *profile)
{
	const char *v = tfa_ctx_getenv(out, var);

	if (!v)
		return;
	/* AWS_DEFAULT_PROFILE naming the same profile shadows nothing. */
	if (*v && !(strcmp(var, "AWS_DEFAULT_PROFILE") == 0 && strcmp(v, profile) == 0))
		note_cleared(notes, var, v, profile);
	tfa_ctx_unsetenv(out, var);
}

void
tfa_run_child_env(struct tfa_ctx *out, struct tfa_buf *notes, const struct tfa_ctx *ctx,
		  const struct tfa_run_profile *p, const struct tfa_resolved *res)
{
	const char *const *var;

	tfa_ctx_copy(out, ctx);
	if (p && p->name && p->chosen) {
		for (var = tfa_env_stale_vars; *var; var++)
			clear_var(out, notes, *var, p->name);
		for (var = tfa_env_legacy_vars; *var; var++)
			clear_var(out, notes, *var, p->name);
		tfa_ctx_setenv(out, "AWS_PROFILE", p->name);
		/* go-v2 reads AWS_REGION, then AWS_DEFAULT_REGION, then the
		 * profile: a region the user set stays, both of them. */
		if (p->region && !tfa_ctx_getenv_nonempty(out, "AWS_REGION") &&
		    !tfa_ctx_getenv_nonempty(out, "AWS_DEFAULT_REGION")) {
			tfa_ctx_setenv(out, "AWS_REGION", p->region);
			tfa_ctx_setenv(out, "AWS_DEFAULT_REGION", p->region);
		}
	}
	if (res && tfa_run_exports(res)) {
		const struct tfa_creds *c = &res->creds;
		/* Keys in the environment beat AWS_PROFILE in go-v2 and botocore,
		 * so the child uses exactly these. */
		tfa_ctx_setenv(out, "AWS_ACCESS_KEY_ID", c->access_key_id);
		tfa_ctx_setenv(out, "AWS_SECRET_ACCESS_KEY", c->secret_access_key);
		if (c->session_token)
			tfa_ctx_setenv(out, "AWS_SESSION_TOKEN", c->session_token);
		else
			tfa_ctx_unsetenv(out, "AWS_SESSION_TOKEN");
		tfa_ctx_unsetenv(out, "AWS_SECURITY_TOKEN");
		tfa_ctx_unsetenv(out, "AWS_ACCESS_KEY");
		tfa_ctx_unsetenv(out, "AWS_SECRET_KEY");
		if (c->expiration) {
			char when[TFA_TIME_LEN];
			tfa_time_format(when, c->expiration);
			tfa_ctx_setenv(out, "AWS_CREDENTIAL_EXPIRATION", when);
		} else {
			tfa_ctx_unsetenv(out, "AWS_CREDENTIAL_EXPIRATION");
		}
	}
}

char **
tfa_run_envp(const struct tfa_ctx *env)
{
	char **v = tfa_xcalloc(env->nenv + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < env->nenv; i++)
		v[i] = env->env[i];
	v[env->nenv] = NULL;
	return v;
}

/* ---- what the command is --------------------------------------------- */

static int
in(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(word, *list) == 0)
			return 1;
	return 0;
}

/* The next word of argv from i on that is not an option, or NULL. */
static const char *
next_word(char *const *argv, size_t *i, int terragrunt)
{
	static const char *const tg_skip[] = { "run-all", "run", "--", NULL };
	const char *a;

	for (; (a = argv[*i]); (*i)++) {
		if (a[0] == '-' && strcmp(a, "--") != 0)
			continue;
		if (terragrunt && in(a, tg_skip))
			continue;
		if (strcmp(a, "--") == 0)
			continue;
		(*i)++;
		return a;
	}
	return NULL;
}

void
tfa_run_classify_command(struct tfa_run_command *out, char *const *argv)
{
	static const char *const tools[] = { "terraform", "tofu", "terragrunt", NULL };
	static const char *const read_only[] = {
		"init", "plan", "validate", "refresh", "output", "show", "providers",
		"import", "graph", "console", "fmt", "version", "get", "help", NULL
	};
	static const char *const no_credentials[] = { "fmt", "version", "help", NULL };
	const char *base, *second;
	size_t i = 1;
	int tg;

	memset(out, 0, sizeof(out[0]));
	out->kind = TFA_RUN_UNKNOWN;
	out->needs_credentials = 1;
	if (!argv || !argv[0])
		return;
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (!in(base, tools))
		return;
	out->tool = strcmp(base, "terraform") == 0 ? "terraform" :
		    strcmp(base, "tofu") == 0 ? "tofu" : "terragrunt";
	tg = strcmp(out->tool, "terragrunt") == 0;
	out->sub = next_word(argv, &i, tg);
	if (!out->sub) {
		/* terraform -version, terraform -help, or nothing at all */
		out->kind = TFA_RUN_READ_ONLY;
		out->needs_credentials = 0;
		return;
	}
	if (in(out->sub, read_only)) {
		out->kind = TFA_RUN_READ_ONLY;
		out->needs_credentials = !in(out->sub, no_credentials) &&
			/* terragrunt may run init (a backend) before validate */
			!(strcmp(out->sub, "validate") == 0 && !tg);
	} else if (strcmp(out->sub, "apply") == 0 || strcmp(out->sub, "destroy") == 0) {
		out->kind = TFA_RUN_CHANGES;
	} else if (strcmp(out->sub, "state") == 0 || strcmp(out->sub, "workspace") == 0) {
		second = next_word(argv, &i, 0);
		out->kind = second && (strcmp(second, "list") == 0 || strcmp(second, "show") == 0) ?
			    TFA_RUN_READ_ONLY : TFA_RUN_OTHER;
	} else {
		out->kind = TFA_RUN_OTHER;
	}
	/* terragrunt's own options may take a separate value, so the word taken
	 * for the subcommand could be one: an "apply" or "destroy" anywhere
	 * makes a read-only-looking command one that changes things. */
	if (tg && out->kind == TFA_RUN_READ_ONLY) {
		for (; argv[i]; i++)
			if (strcmp(argv[i], "apply") == 0 || strcmp(argv[i], "destroy") == 0)
				out->kind = TFA_RUN_CHANGES;
	}
}

/* ---- why it failed --------------------------------------------------- */

/*
 * text lower-cased, without ASCII white space, ANSI escape sequences and
 * the box-drawing characters (U+2500..U+257F) of Terraform's diagnostic
 * frame, so that a phrase matches however it was framed and wrapped.
 */
static char *
squeeze(const char *text, size_t len, size_t *outlen)
{
	char *o = tfa_xmalloc(len + 1);
	size_t i = 0, n = 0;
	unsigned char c;

	while (i < len) {
		c = (unsigned char)text[i];
		if (c == 0x1b) {
			i++;
			if (i < len && text[i] == '[') {
				/* CSI: parameters and intermediates, then a final byte */
				for (i++; i < len && !((unsigned char)text[i] >= 0x40 &&
						       (unsigned char)text[i] <= 0x7e); i++)
					;
			}
			i++;
			continue;
		}
		if (c == 0xe2 && i + 2 < len && ((unsigned char)text[i + 1] == 0x94 ||
						 (unsigned char)text[i + 1] == 0x95)) {
			i += 3;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
			i++;
			continue;
		}
		o[n++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		i++;
	}
	o[n] = '\0';
	*outlen = n;
	return o;
}

static int
has_any(const char *s, size_t n, const char *const *needles)
{
	for (; *needles; needles++)
		if (memmem(s, n, *needles, strlen(*needles)))
			return 1;
	return 0;
}

void
tfa_run_scan(struct tfa_run_failure *out, const char *text, size_t len)
{
	/* Written squeezed: lower case, no spaces. */
	static const char *const config_markers[] = {
		"configuringterraformawsprovider",   /* v4, v5 */
		"validatingprovidercredentials",
		"retrievingawsaccountdetails",       /* newer v5 */
		"novalidcredentialsourcesfound",     /* v5 summary */
		"novalidcredentialsourcesfor",       /* v4: "... for Terraform AWS Provider found" */
		"configurings3backend",              /* the S3 backend, before any change */
		"cannotbeassumed",                   /* the provider's assume_role block */
		NULL
	};
	static const char *const change_markers[] = {
		"creating...", "modifying...", "destroying...",
		"stillcreating", "stillmodifying", "stilldestroying",
		"creationcomplete", "modificationscomplete", "destructioncomplete",
		"applycomplete", "destroycomplete", "provisioningwith",
		"error:creating", "error:updating", "error:deleting", "error:modifying",
		NULL
	};
	static const char *const login_fixes[] = {
		"invalid-client-token-id", "expired-token", "sso-session-expired",
		"no-credential-sources", NULL
	};
	struct tfa_finding f;
	char *s;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!text || !len)
		return;
	if (tfa_explain(&f, 1, text, len) > 0) {
		out->id = f.id;
		out->cause = f.cause;
		memcpy(out->code, f.code, sizeof(out->code));
		out->code[sizeof(out->code) - 1] = '\0';
		out->login_fixes = in(f.id, login_fixes);
	}
	s = squeeze(text, len, &n);
	out->provider_config = has_any(s, n, config_markers);
	out->changes_started = has_any(s, n, change_markers);
	tfa_wipe(s, n);
	free(s);
}

/* ---- what to do ------------------------------------------------------ */

enum tfa_run_action
tfa_run_decide(const struct tfa_run_failure *f, const struct tfa_run_command *cmd,
	       unsigned flags)
{
	int safe;

	if ((flags & TFA_RUN_INTERRUPTED) || !f->id)
		return TFA_RUN_DONE;
	if (!f->login_fixes || !(flags & TFA_RUN_REFRESHABLE) || (flags & TFA_RUN_RETRIED))
		return TFA_RUN_DOCTOR;
	if (flags & TFA_RUN_NO_RETRY)
		return TFA_RUN_ADVISE;
	switch (cmd->kind) {
	case TFA_RUN_READ_ONLY:
		safe = 1;
		break;
	case TFA_RUN_CHANGES:
		/* Only a failure before anything changed: the provider could not
		 * even be configured, nothing shows a change, and the tail holds
		 * the whole of stderr (stdout, where Terraform reports progress,
		 * is not seen). */
		safe = f->provider_config && !f->changes_started &&
		       !(flags & TFA_RUN_TAIL_CUT);
		break;
	case TFA_RUN_UNKNOWN:
		safe = (flags & TFA_RUN_RETRY_UNKNOWN) != 0;
		break;
	case TFA_RUN_OTHER:
	default:
		safe = 0;
		break;
	}
	return safe ? TFA_RUN_RERUN : TFA_RUN_REFRESH_ONLY;
}

/* ---- running the child ----------------------------------------------- */

/*
 * The write end of the self-pipe the handlers report signals through.
 * Signal handlers need process-wide state; it lives only while
 * tfa_run_spawn runs.
 */
static volatile sig_atomic_t sig_wfd = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (sig_wfd >= 0 && write(sig_wfd, &c, 1) < 0) {
		/* full pipe: enough bytes are waiting already */
	}
	errno = saved;
}

enum { S_INT, S_QUIT, S_TERM, S_HUP, S_CHLD, S_PIPE, S_COUNT };
static const int watched[S_COUNT] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE };

struct supervise {
	struct sigaction old[S_COUNT];
	int installed[S_COUNT];
	int sigfd[2];
	int errfd[2];
};

static void
install(struct supervise *s, sigset_t *dflt)
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < S_COUNT; i++) {
		if (sigaction(watched[i], NULL, &s->old[i]) < 0)
			continue;
		/* Ignored by whoever started us (nohup, a background job): the
		 * child inherits that, as it would without tfauth-run. */
		if (s->old[i].sa_handler == SIG_IGN && watched[i] != SIGCHLD)
			continue;
		sa.sa_handler = watched[i] == SIGPIPE ? SIG_IGN : on_signal;
		/* No SA_RESTART: poll() returns at once to act on it. */
		sa.sa_flags = watched[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
		if (sigaction(watched[i], &sa, NULL) == 0) {
			s->installed[i] = 1;
			sigaddset(dflt, watched[i]);
		}
	}
}

static void
restore(struct supervise *s)
{
	int i;

	for (i = 0; i < S_COUNT; i++)
		if (s->installed[i])
			sigaction(watched[i], &s->old[i], NULL);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Copy what is waiting on fd; 0 at end of file, 1 when more may come. */
static int
pump(int fd, char *buf, size_t size, struct tfa_run_tail *tail, tfa_run_sink *sink,
     void *data, int drain)
{
	size_t total = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, size);
		if (n > 0) {
			sink(buf, (size_t)n, data);
			if (tail)
				tfa_run_tail_add(tail, buf, (size_t)n);
			total += (size_t)n;
			/* A child that left a writer behind must not hold us. */
			if (!drain || total >= ((size_t)16 << 20))
				return 1;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return drain ? 0 : 1;
		return 0;
	}
}

int
tfa_run_spawn(struct tfa_run_result *out, char *const *argv, char *const *envp,
	      struct tfa_run_tail *tail, tfa_run_sink *sink, void *sink_data,
	      struct tfa_err *err)
{
	struct supervise s;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dflt, mask;
	char buf[32768];
	unsigned char sigs[64];
	pid_t pid = -1;
	int rc = 0, st = 0, done = 0, have_fa = 0, have_attr = 0, core, i;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.sigfd[0] = s.sigfd[1] = s.errfd[0] = s.errfd[1] = -1;
	sigemptyset(&dflt);
	if (pipe2(s.sigfd, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    (sink && pipe2(s.errfd, O_CLOEXEC) < 0)) {
		rc = tfa_err_set(err, TFA_EIO, "cannot make a pipe: %s", strerror(errno));
		err->sys_errno = errno;
		out->status = 1;
		goto out;
	}
	if (sink && fcntl(s.errfd[0], F_SETFL, O_NONBLOCK) < 0) {
		rc = tfa_err_set(err, TFA_EIO, "cannot set up the pipe: %s", strerror(errno));
		out->status = 1;
		goto out;
	}
	sig_wfd = s.sigfd[1];
	install(&s, &dflt);

	posix_spawn_file_actions_init(&fa);
	have_fa = 1;
	if (sink)
		posix_spawn_file_actions_adddup2(&fa, s.errfd[1], 2);
	posix_spawnattr_init(&attr);
	have_attr = 1;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	posix_spawnattr_setsigmask(&attr, &mask);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	/* The child gets the user's core limit (posix_spawn has no attribute
	 * for it); ours is lowered again at once (ctx.h). */
	core = tfa_core_limit_restore();
	i = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
	if (core)
		tfa_core_dumps_off();
	if (i != 0) {
		out->spawn_errno = i;
		if (i == ENOENT || i == ENOTDIR) {
			out->status = 127;
			rc = tfa_err_set(err, TFA_ENOTFOUND, "'%s': command not found", argv[0]);
			if (!strchr(argv[0], '/'))
				tfa_err_hint(err, "is it installed and on PATH?");
		} else {
			out->status = 126;
			rc = tfa_err_set(err, TFA_EPERM, "cannot run '%s': %s", argv[0],
					 strerror(i));
		}
		err->sys_errno = i;
		goto out;
	}
	close_fd(&s.errfd[1]);

	while (!done || s.errfd[0] >= 0) {
		struct pollfd pf[2];
		nfds_t n = 0;
		ssize_t k;

		pf[n].fd = s.sigfd[0];
		pf[n++].events = POLLIN;
		if (s.errfd[0] >= 0) {
			pf[n].fd = s.errfd[0];
			pf[n++].events = POLLIN;
		}
		pf[0].revents = pf[1].revents = 0;
		if (!done && poll(pf, n, 1000) < 0 && errno != EINTR)
			close_fd(&s.errfd[0]);   /* cannot wait on it: stop copying */
		while ((k = read(s.sigfd[0], sigs, sizeof(sigs))) > 0) {
			for (i = 0; i < k; i++) {
				if (sigs[i] == SIGINT || sigs[i] == SIGQUIT) {
					out->interrupted = 1;
				} else if ((sigs[i] == SIGTERM || sigs[i] == SIGHUP) && !done) {
					out->forwarded = sigs[i];
					kill(pid, sigs[i]);
				}
			}
		}
		if (!done) {
			pid_t w = waitpid(pid, &st, WNOHANG);
			if (w == pid || (w < 0 && errno == ECHILD))
				done = 1;
		}
		if (s.errfd[0] >= 0 && (done || (n > 1 && pf[1].revents))) {
			if (!pump(s.errfd[0], buf, sizeof(buf), tail, sink, sink_data, done))
				close_fd(&s.errfd[0]);
			else if (done)
				close_fd(&s.errfd[0]);
		}
	}
	if (WIFSIGNALED(st)) {
		out->term_signal = WTERMSIG(st);
		out->status = 128 + out->term_signal;
		if (out->term_signal == SIGINT || out->term_signal == SIGQUIT)
			out->interrupted = 1;
	} else {
		out->status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
out:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (have_attr)
		posix_spawnattr_destroy(&attr);
	restore(&s);
	sig_wfd = -1;
	close_fd(&s.sigfd[0]);
	close_fd(&s.sigfd[1]);
	close_fd(&s.errfd[0]);
	close_fd(&s.errfd[1]);
	tfa_wipe(buf, sizeof(buf));
	return rc;
}
