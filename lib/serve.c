/* serve — see serve.h. */
#include "serve.h"
#include "cache.h"
#include "chain.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- requests -------------------------------------------------------- */

static int
span_is(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

static int
span_is_ci(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(p, s, n) == 0;
}

/* Whether the comma-separated list p[0..n) has token tok (any case). */
static int
has_token(const char *p, size_t n, const char *tok)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		for (j = i; j < n && p[j] != ','; j++)
			;
		{
			size_t e = j;
			while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t'))
				e--;
			if (span_is_ci(p + i, e - i, tok))
				return 1;
		}
		i = j;
	}
	return 0;
}

ssize_t
tfa_serve_parse(struct tfa_serve_request *out, const char *buf, size_t len)
{
	struct tfa_serve_request rq;
	size_t i, hlen = 0, end, sp1, sp2, eol;
	const char *line;
	int minor, conn_close = 0, conn_keep = 0;

	for (i = 0; i < len && i < TFA_SERVE_MAX_REQUEST; i++) {
		unsigned char c = (unsigned char)buf[i];
		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
			return TFA_EINVAL;
		/* A CR only ends a line (RFC 9112 §2.2: a bare CR is invalid);
		 * kept, it became part of a header value ("Authorization: T\rx"). */
		if (c == '\r' && i + 1 < len && buf[i + 1] != '\n')
			return TFA_EINVAL;
		if (c != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n') {
			hlen = i + 2;
			break;
		}
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			hlen = i + 3;
			break;
		}
	}
	if (!hlen)
		return len >= TFA_SERVE_MAX_REQUEST ? TFA_ETOOBIG : 0;
	if (hlen > TFA_SERVE_MAX_REQUEST)
		return TFA_ETOOBIG;

	memset(&rq, 0, sizeof(rq));
	/* The request line: METHOD SP TARGET SP HTTP/1.x */
	eol = (size_t)((const char *)memchr(buf, '\n', hlen) - buf);
	end = eol > 0 && buf[eol - 1] == '\r' ? eol - 1 : eol;
	for (sp1 = 0; sp1 < end && buf[sp1] != ' '; sp1++)
		;
	for (sp2 = sp1 + 1; sp2 < end && buf[sp2] != ' '; sp2++)
		;
	if (sp1 == 0 || sp1 >= end || sp2 >= end || sp2 == sp1 + 1 ||
	    end - sp2 - 1 != 8 || memcmp(buf + sp2 + 1, "HTTP/1.", 7) != 0)
		return TFA_EINVAL;
	minor = buf[sp2 + 8];
	if (minor != '0' && minor != '1')
		return TFA_EINVAL;
	for (i = 0; i < sp1; i++)
		if (buf[i] < 'A' || buf[i] > 'Z')
			return TFA_EINVAL;
	for (i = sp1 + 1; i < sp2; i++)
		if (buf[i] == '\t' || buf[i] == '\r')
			return TFA_EINVAL;
	rq.method = buf;
	rq.method_len = sp1;
	rq.target = buf + sp1 + 1;
	rq.target_len = sp2 - sp1 - 1;

	/* Header lines, up to the empty one. */
	for (i = eol + 1; i < hlen;) {
		size_t colon, vs, ve;

		line = buf + i;
		eol = (size_t)((const char *)memchr(line, '\n', hlen - i) - buf);
		end = eol > i && buf[eol - 1] == '\r' ? eol - 1 : eol;
		if (end == i)
			break;   /* the empty line */
		for (colon = i; colon < end && buf[colon] != ':'; colon++)
			if (buf[colon] == ' ' || buf[colon] == '\t')
				return TFA_EINVAL;   /* also obsolete line folding */
		if (colon == i || colon >= end)
			return TFA_EINVAL;
		for (vs = colon + 1; vs < end && (buf[vs] == ' ' || buf[vs] == '\t'); vs++)
			;
		for (ve = end; ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'); ve--)
			;
		if (span_is_ci(line, colon - i, "authorization")) {
			if (rq.auth)
				return TFA_EINVAL;
			rq.auth = buf + vs;
			rq.auth_len = ve - vs;
		} else if (span_is_ci(line, colon - i, "content-length")) {
			size_t k;
			for (k = vs; k < ve; k++)
				if (buf[k] != '0')
					return TFA_EINVAL;   /* no bodies here */
			if (ve == vs)
				return TFA_EINVAL;
		} else if (span_is_ci(line, colon - i, "transfer-encoding")) {
			return TFA_EINVAL;
		} else if (span_is_ci(line, colon - i, "connection")) {
			conn_close |= has_token(buf + vs, ve - vs, "close");
			conn_keep |= has_token(buf + vs, ve - vs, "keep-alive");
		}
		i = eol + 1;
	}
	rq.keep_alive = conn_close ? 0 : minor == '1' ? 1 : conn_keep;
	*out = rq;
	return (ssize_t)hlen;
}

int
tfa_serve_token_equal(const char *a, size_t n, const char *token)
{
	size_t tl = strlen(token), i;
	unsigned char d = (unsigned char)(n != tl);

	for (i = 0; i < tl; i++)
		d |= (unsigned char)((i < n ? (unsigned char)a[i] : 0) ^ (unsigned char)token[i]);
	return d == 0;
}

int
tfa_serve_status(const struct tfa_serve_request *rq, const char *token, const char **why)
{
	const char *q;
	size_t plen;
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!rq->auth || !rq->auth_len) {
		*why = "no Authorization header";
		return 401;
	}
	if (!tfa_serve_token_equal(rq->auth, rq->auth_len, token)) {
		*why = "wrong authorization token";
		return 401;
	}
	if (!span_is(rq->method, rq->method_len, "GET")) {
		*why = "method not allowed";
		return 405;
	}
	q = memchr(rq->target, '?', rq->target_len);
	plen = q ? (size_t)(q - rq->target) : rq->target_len;
	if (!span_is(rq->target, plen, TFA_SERVE_PATH)) {
		*why = "no such path";
		return 404;
	}
	*why = "";
	return 200;
}

/* ---- responses ------------------------------------------------------- */

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void
tfa_serve_response(struct tfa_buf *out, int status, const char *body, size_t n,
		   int keep_alive)
{
	tfa_buf_addf(out, "HTTP/1.1 %d %s\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\n"
		     "Cache-Control: no-store\r\n"
		     "%s"
		     "Connection: %s\r\n\r\n", status, reason(status), n,
		     status == 405 ? "Allow: GET\r\n" : "", keep_alive ? "keep-alive" : "close");
	tfa_buf_add(out, body, n);
}

void
tfa_serve_error_body(struct tfa_buf *out, const char *code, const char *msg)
{
	tfa_buf_adds(out, "{\"code\":");
	tfa_cache_py_json_string(out, code);
	tfa_buf_adds(out, ",\"message\":");
	tfa_cache_py_json_string(out, msg ? msg : "");
	tfa_buf_adds(out, "}");
}

int
tfa_serve_creds_body(struct tfa_buf *out, const struct tfa_creds *c, time_t now)
{
	char when[TFA_TIME_LEN];

	if (!c->access_key_id || !*c->access_key_id || !c->secret_access_key ||
	    !*c->secret_access_key)
		return TFA_EINVAL;
	tfa_time_format(when, c->expiration ? c->expiration : now + TFA_SERVE_STATIC_LIFETIME);
	tfa_buf_adds(out, "{\"AccessKeyId\":");
	tfa_cache_py_json_string(out, c->access_key_id);
	tfa_buf_adds(out, ",\"SecretAccessKey\":");
	tfa_cache_py_json_string(out, c->secret_access_key);
	tfa_buf_adds(out, ",\"Token\":");
	tfa_cache_py_json_string(out, c->session_token ? c->session_token : "");
	tfa_buf_addf(out, ",\"Expiration\":\"%s\"", when);
	if (c->account_id && *c->account_id) {
		tfa_buf_adds(out, ",\"AccountId\":");
		tfa_cache_py_json_string(out, c->account_id);
	}
	tfa_buf_adds(out, "}");
	return 0;
}

/* ---- the config view ------------------------------------------------- */

int
tfa_serve_credential_key(const char *key)
{
	static const char *const keys[] = {
		"role_arn", "source_profile", "credential_source", "credential_process",
		"web_identity_token_file", "role_session_name", "external_id",
		"mfa_serial", "duration_seconds", "login_session", NULL
	};
	const char *const *k;

	/* aws_access_key_id, aws_secret_access_key, aws_session_token,
	 * aws_security_token, aws_account_id, aws_credential_expiration...;
	 * sso_session, sso_start_url, sso_account_id, sso_role_name... */
	if (strncmp(key, "aws_", 4) == 0 || strncmp(key, "sso_", 4) == 0)
		return 1;
	for (k = keys; *k; k++)
		if (strcmp(key, *k) == 0)
			return 1;
	return 0;
}

/*
 * Whether the first line of a value (n bytes) reads back as itself only in
 * quotes: lib/config trims blanks, takes a '#' or ';' after "= " for a
 * comment, removes a pair of quotes and a line's last CR.  Such a value
 * was quoted in the user's file too ("#fff", " x"), so no SDK sees
 * anything new.  (Found by fuzz_serve: `cli_pager = "#less"` lost its
 * value in the view.)
 */
static int
needs_quotes(const char *v, size_t n)
{
	return n > 0 && (strchr(" \t#;\"'", v[0]) || strchr(" \t\r\"'", v[n - 1]));
}

/* "key = value", a multi-line value continued on indented lines. */
static void
put_value(struct tfa_buf *out, const char *indent, const char *key, const char *value)
{
	const char *nl = strchr(value, '\n');
	size_t n = nl ? (size_t)(nl - value) : strlen(value);

	tfa_buf_addf(out, "%s%s = ", indent, key);
	if (needs_quotes(value, n)) {
		tfa_buf_addch(out, '"');
		tfa_buf_add(out, value, n);
		tfa_buf_addch(out, '"');
		value += n;
		if (!*value) {
			tfa_buf_addch(out, '\n');
			return;
		}
		tfa_buf_addf(out, "\n%s  ", indent);
		value++;
	}
	while ((nl = strchr(value, '\n'))) {
		tfa_buf_add(out, value, (size_t)(nl - value));
		tfa_buf_addf(out, "\n%s  ", indent);
		value = nl + 1;
	}
	tfa_buf_addf(out, "%s\n", value);
}

static void
put_settings(struct tfa_buf *out, const struct tfa_section *s, int drop_credentials)
{
	size_t i, j;

	for (i = 0; i < s->nsettings; i++) {
		const struct tfa_setting *st = &s->settings[i];
		if (drop_credentials && tfa_serve_credential_key(st->key))
			continue;
		if (st->nsub) {
			tfa_buf_addf(out, "%s =\n", st->key);
			for (j = 0; j < st->nsub; j++)
				put_value(out, "  ", st->sub[j].key, st->sub[j].value);
		} else {
			put_value(out, "", st->key, st->value);
		}
	}
}

void
tfa_serve_config_view(struct tfa_buf *out, const struct tfa_config *cfg, const char *profile)
{
	const struct tfa_section *s = tfa_config_profile(cfg, profile), *svc;
	const char *services;

	tfa_buf_adds(out, "# written by tfauth-run --serve-credentials: profile settings "
		     "without credentials;\n# the credentials come from "
		     "AWS_CONTAINER_CREDENTIALS_FULL_URI\n[default]\n");
	if (!s)
		return;
	put_settings(out, s, 1);
	services = tfa_section_value(s, "services");
	if (services && *services && (svc = tfa_config_services(cfg, services))) {
		tfa_buf_addf(out, "\n[services %s]\n", services);
		put_settings(out, svc, 0);
	}
}

int
tfa_serve_setting(int *out, const struct tfa_ctx *ctx, struct tfa_err *err)
{
	static const char *const on[] = { "1", "true", "yes", "on", NULL };
	static const char *const off[] = { "", "0", "false", "no", "off", NULL };
	const char *v = tfa_ctx_getenv(ctx, "TFAUTH_SERVE");
	size_t i;

	if (!v) {
		*out = 0;
		return 0;
	}
	for (i = 0; on[i]; i++)
		if (strcasecmp(v, on[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; off[i]; i++)
		if (strcasecmp(v, off[i]) == 0) {
			*out = 0;
			return 0;
		}
	tfa_err_set(err, TFA_EINVAL, "TFAUTH_SERVE is '%.40s': expected 1 or 0", v);
	tfa_err_hint(err, "'export TFAUTH_SERVE=1' serves credentials to terraform, "
		     "'unset TFAUTH_SERVE' does not");
	return TFA_EINVAL;
}

/* ---- the server ------------------------------------------------------ */

struct conn {
	int fd;
	char peer[64];
	char *buf;              /* TFA_SERVE_MAX_REQUEST bytes; holds the token: wiped */
	size_t len;
	long long deadline;     /* monotonic ms */
};

struct tfa_serve {
	struct tfa_ctx ctx;     /* the environment refreshes run with */
	const struct tfa_config *cfg;
	char *profile, *region, *refresh_path;
	int quiet;
	tfa_serve_log *log;
	void *log_data;

	char token[2 * TFA_SERVE_TOKEN_BYTES + 1];
	char dir[PATH_MAX], token_path[PATH_MAX], config_path[PATH_MAX],
	     credentials_path[PATH_MAX];
	char url[64];
	int lfd;
	int stop[2];
	pthread_t thread;
	int running;
	long long retry_after;  /* monotonic ms: no refresh before */
	struct conn conns[TFA_SERVE_MAX_CONNECTIONS];
	size_t nconns;
};

__attribute__((format(printf, 2, 3))) static void
say(struct tfa_serve *s, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->log(line, s->log_data);
}

static int
stopping(struct tfa_serve *s)
{
	struct pollfd pf = { s->stop[0], POLLIN, 0 };

	return poll(&pf, 1, 0) > 0;
}

/*
 * Run tfauth-refresh for the profile: its prompts go to the terminal
 * (it opens /dev/tty), its stdin and stdout are /dev/null (they belong to
 * the command).  The exit status, or -1 when it could not start or the
 * server is stopping (then it is ended with SIGTERM).
 */
static int
run_refresh(struct tfa_serve *s)
{
	static const int reset[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	struct sigaction sa;
	char *argv[6], **envp;
	pid_t pid;
	size_t i;
	int rc, st = 0;

	argv[0] = s->refresh_path;
	argv[1] = "--quiet";
	argv[2] = "--";
	argv[3] = s->profile;
	argv[4] = NULL;
	envp = tfa_xcalloc(s->ctx.nenv + 1, sizeof(*envp));
	for (i = 0; i < s->ctx.nenv; i++)
		envp[i] = s->ctx.env[i];
	sigemptyset(&none);
	sigemptyset(&dflt);
	/* tfauth-run catches these while the command runs; the refresh gets
	 * the defaults (an ignored SIGINT stays ignored, as for the command). */
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		if (sigaction(reset[i], NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
		    (sa.sa_handler != SIG_IGN || reset[i] == SIGPIPE))
			sigaddset(&dflt, reset[i]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(envp);
	if (rc != 0) {
		say(s, "cannot run '%s': %s", s->refresh_path, strerror(rc));
		return -1;
	}
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -1;
		if (stopping(s)) {
			/* The command has ended: nobody waits for this refresh. */
			kill(pid, SIGTERM);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		{
			struct pollfd pf = { s->stop[0], POLLIN, 0 };
			poll(&pf, 1, 10);
		}
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int
resolve(struct tfa_serve *s, struct tfa_resolved *out, struct tfa_err *err)
{
	struct tfa_chain_opts co;

	/* No network, so no libcurl in tfauth-run: a refresh is a process. */
	memset(&co, 0, sizeof(co));
	tfa_resolved_init(out);
	return tfa_chain_resolve(out, &s->ctx, s->cfg, s->profile, &co, err);
}

/* The cached credentials while they have not expired, refresh window or
 * not (a refresh failed: they still work until then). */
static int
still_valid(struct tfa_serve *s, struct tfa_resolved *out, struct tfa_err *err)
{
	const char *v = tfa_ctx_getenv(&s->ctx, "TFAUTH_REFRESH_WINDOW");
	char *saved = v ? tfa_xstrdup(v) : NULL;
	int rc;

	tfa_ctx_setenv(&s->ctx, "TFAUTH_REFRESH_WINDOW", "0");
	rc = resolve(s, out, err);
	if (saved)
		tfa_ctx_setenv(&s->ctx, "TFAUTH_REFRESH_WINDOW", saved);
	else
		tfa_ctx_unsetenv(&s->ctx, "TFAUTH_REFRESH_WINDOW");
	free(saved);
	if (rc == TFA_EOFFLINE) {
		tfa_err_set(err, TFA_ELOGIN, "the credentials of profile '%s' have expired and "
			    "could not be refreshed", s->profile);
		tfa_err_hint(err, "run 'tfauth-refresh %s' in another terminal", s->profile);
		return TFA_ELOGIN;
	}
	return rc;
}

static int
credentials(struct tfa_serve *s, struct tfa_resolved *out, struct tfa_err *err)
{
	int rc, st;

	if ((rc = resolve(s, out, err)) != TFA_EOFFLINE)
		return rc;
	tfa_resolved_dispose(out);
	if (tfa_monotonic_ms() >= s->retry_after) {
		if (!s->quiet)
			say(s, "the credentials of profile '%s' are due; refreshing them for "
			    "the running command", s->profile);
		st = run_refresh(s);
		if (st == 0) {
			if ((rc = resolve(s, out, err)) != TFA_EOFFLINE) {
				if (rc == 0 && !s->quiet)
					say(s, "profile '%s' refreshed", s->profile);
				return rc;
			}
			tfa_resolved_dispose(out);
			/* Refreshed, yet inside the window (a lifetime shorter than
			 * TFAUTH_REFRESH_WINDOW): serve them, refresh again later. */
		} else if (st > 0) {
			say(s, "profile '%s' could not be refreshed (tfauth-refresh exited "
			    "with %d); trying again in %d s", s->profile, st,
			    TFA_SERVE_RETRY_AFTER);
		}
		s->retry_after = tfa_monotonic_ms() + TFA_SERVE_RETRY_AFTER * 1000LL;
	}
	return still_valid(s, out, err);
}

static void
close_conn(struct tfa_serve *s, size_t i)
{
	struct conn *c = &s->conns[i];

	close(c->fd);
	tfa_wipe(c->buf, TFA_SERVE_MAX_REQUEST);
	free(c->buf);
	s->conns[i] = s->conns[--s->nconns];
}

/* Send all of p, waiting at most 2 s for room; 0 or -1. */
static int
send_all(int fd, const char *p, size_t n)
{
	long long until = tfa_monotonic_ms() + 2000;
	ssize_t k;

	while (n > 0) {
		k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			long long left = until - tfa_monotonic_ms();
			if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

static int
reply(int fd, int status, const char *code, const char *msg, int keep_alive)
{
	struct tfa_buf body = TFA_BUF_INIT, resp = TFA_BUF_INIT;
	int rc;

	tfa_serve_error_body(&body, code, msg);
	tfa_serve_response(&resp, status, body.ptr, body.len, keep_alive);
	rc = send_all(fd, resp.ptr, resp.len);
	tfa_buf_dispose(&body);
	tfa_buf_dispose(&resp);
	return rc;
}

/* Answer one request; whether the connection stays open. */
static int
answer(struct tfa_serve *s, struct conn *c, const struct tfa_serve_request *rq)
{
	static const struct {
		int status;
		const char *code, *msg;
	} refusals[] = {
		{ 401, "Unauthorized", "the Authorization header must hold the token of "
			"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" },
		{ 404, "NotFound", "the credentials are at " TFA_SERVE_PATH },
		{ 405, "MethodNotAllowed", "only GET is served" },
	};
	struct tfa_resolved res;
	struct tfa_buf body, resp;
	struct tfa_err err;
	const char *why;
	size_t i;
	int status, rc;

	status = tfa_serve_status(rq, s->token, &why);
	if (status != 200) {
		say(s, "refused a credentials request from %s: %s (%d)", c->peer, why, status);
		for (i = 0; i + 1 < sizeof(refusals) / sizeof(refusals[0]) &&
			    refusals[i].status != status; i++)
			;
		return reply(c->fd, status, refusals[i].code, refusals[i].msg,
			     rq->keep_alive) == 0 && rq->keep_alive;
	}
	tfa_err_clear(&err);
	if ((rc = credentials(s, &res, &err)) < 0) {
		tfa_resolved_dispose(&res);
		say(s, "could not serve the credentials of profile '%s': %s", s->profile,
		    err.msg);
		return reply(c->fd, 500, "CredentialsUnavailable", err.msg,
			     rq->keep_alive) == 0 && rq->keep_alive;
	}
	tfa_buf_init_secret(&body, 0);
	tfa_buf_init_secret(&resp, 0);
	if (tfa_serve_creds_body(&body, &res.creds, tfa_ctx_now(&s->ctx)) < 0) {
		rc = reply(c->fd, 500, "CredentialsUnavailable", "the profile resolved to "
			   "no credentials", rq->keep_alive);
	} else {
		tfa_serve_response(&resp, 200, body.ptr, body.len, rq->keep_alive);
		rc = send_all(c->fd, resp.ptr, resp.len);
	}
	tfa_buf_dispose(&body);
	tfa_buf_dispose(&resp);
	tfa_resolved_dispose(&res);
	return rc == 0 && rq->keep_alive;
}

/*
 * Before closing on a refused request: read away what has arrived (at
 * most 64 KiB), so that the close does not send a reset that makes the
 * client lose the answer.
 */
static void
linger_out(int fd)
{
	char junk[4096];
	int i;

	shutdown(fd, SHUT_WR);
	for (i = 0; i < 16 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
}

/* Read what conn i has sent and answer every whole request in it;
 * whether it stays open. */
static int
serve_conn(struct tfa_serve *s, struct conn *c)
{
	struct tfa_serve_request rq;
	ssize_t n;

	n = recv(c->fd, c->buf + c->len, TFA_SERVE_MAX_REQUEST - c->len, MSG_DONTWAIT);
	if (n == 0)
		return 0;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK;
	if (c->len == 0)
		c->deadline = tfa_monotonic_ms() + TFA_SERVE_READ_TIMEOUT_MS;
	c->len += (size_t)n;
	for (;;) {
		n = tfa_serve_parse(&rq, c->buf, c->len);
		if (n == 0)
			return 1;
		if (n < 0) {
			int big = n == TFA_ETOOBIG;
			say(s, "refused a credentials request from %s: %s (%d)", c->peer,
			    big ? "too large" : "malformed", big ? 431 : 400);
			reply(c->fd, big ? 431 : 400, big ? "RequestTooLarge" : "BadRequest",
			      big ? "the request is too large" : "the request is malformed", 0);
			linger_out(c->fd);
			return 0;
		}
		if (!answer(s, c, &rq))
			return 0;
		memmove(c->buf, c->buf + n, c->len - (size_t)n);
		tfa_wipe(c->buf + c->len - (size_t)n, (size_t)n);
		c->len -= (size_t)n;
		c->deadline = tfa_monotonic_ms() + (c->len ? TFA_SERVE_READ_TIMEOUT_MS :
						  TFA_SERVE_IDLE_TIMEOUT_MS);
	}
}

static void
accept_all(struct tfa_serve *s)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len;
	char ip[INET6_ADDRSTRLEN];
	int fd;

	while (s->nconns < TFA_SERVE_MAX_CONNECTIONS) {
		len = sizeof(ss);
		fd = accept4(s->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;   /* EAGAIN, or out of descriptors: later */
		}
		/* Bound to 127.0.0.1, so only loopback can reach us; checked all
		 * the same, in case the binding ever changes. */
		if (ss.ss_family != AF_INET || (ntohl(sin->sin_addr.s_addr) >> 24) != 127) {
			if (ss.ss_family == AF_INET)
				inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
			else
				snprintf(ip, sizeof(ip), "a non-IPv4 peer");
			say(s, "refused a connection from %s: not a loopback address", ip);
			close(fd);
			continue;
		}
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		{
			struct conn *c = &s->conns[s->nconns++];
			memset(c, 0, sizeof(*c));
			c->fd = fd;
			snprintf(c->peer, sizeof(c->peer), "%s:%u", ip, ntohs(sin->sin_port));
			c->buf = tfa_xmalloc(TFA_SERVE_MAX_REQUEST);
			c->deadline = tfa_monotonic_ms() + TFA_SERVE_READ_TIMEOUT_MS;
		}
	}
}

static void *
serve_main(void *arg)
{
	struct tfa_serve *s = arg;
	struct pollfd pf[2 + TFA_SERVE_MAX_CONNECTIONS];
	long long now, wait;
	size_t i, base;
	nfds_t n;
	int listening;

	for (;;) {
		n = 0;
		pf[n].fd = s->stop[0];
		pf[n++].events = POLLIN;
		listening = s->nconns < TFA_SERVE_MAX_CONNECTIONS;
		if (listening) {
			pf[n].fd = s->lfd;
			pf[n++].events = POLLIN;
		}
		base = n;
		now = tfa_monotonic_ms();
		wait = -1;
		for (i = 0; i < s->nconns; i++) {
			long long left = s->conns[i].deadline - now;
			pf[n].fd = s->conns[i].fd;
			pf[n++].events = POLLIN;
			if (wait < 0 || left < wait)
				wait = left < 0 ? 0 : left;
		}
		for (i = 0; i < n; i++)
			pf[i].revents = 0;
		if (poll(pf, n, (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		now = tfa_monotonic_ms();
		/* From the last: closing i moves the last connection into i. */
		for (i = s->nconns; i-- > 0;) {
			struct conn *c = &s->conns[i];
			if (pf[base + i].revents) {
				if (!serve_conn(s, c))
					close_conn(s, i);
			} else if (now >= c->deadline) {
				if (c->len)
					say(s, "dropped a request from %s: not complete within "
					    "%d s", c->peer, TFA_SERVE_READ_TIMEOUT_MS / 1000);
				close_conn(s, i);
			}
		}
		if (listening && pf[1].revents)
			accept_all(s);
	}
	while (s->nconns)
		close_conn(s, s->nconns - 1);
	return NULL;
}

static int
write_file(const char *path, const char *data, size_t n, struct tfa_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ssize_t k;

	if (fd < 0)
		goto fail;
	while (n > 0) {
		k = write(fd, data, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			goto fail;
		}
		data += k;
		n -= (size_t)k;
	}
	if (close(fd) < 0)
		goto fail;
	return 0;
fail:
	tfa_err_set(err, TFA_EIO, "cannot write '%s': %s", path, strerror(errno));
	err->sys_errno = errno;
	return TFA_EIO;
}

static int
join_path(char *out, const char *dir, const char *name, struct tfa_err *err)
{
	int k = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (k < 0 || k >= PATH_MAX)
		return tfa_err_set(err, TFA_ETOOBIG, "the folder '%s' has too long a path", dir);
	return 0;
}

/* The folder, the token and the files. */
static int
make_files(struct tfa_serve *s, struct tfa_err *err)
{
	unsigned char raw[TFA_SERVE_TOKEN_BYTES];
	const char *tmp = tfa_ctx_getenv_nonempty(&s->ctx, "TMPDIR");
	struct tfa_buf view = TFA_BUF_INIT;
	size_t got = 0, i;
	ssize_t k;
	int rc, n;

	while (got < sizeof(raw)) {
		k = getrandom(raw + got, sizeof(raw) - got, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = tfa_err_set(err, TFA_EIO, "cannot get random bytes: %s",
					 strerror(errno));
			goto out;
		}
		got += (size_t)k;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(s->token + 2 * i, 3, "%02x", raw[i]);
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	n = snprintf(s->dir, sizeof(s->dir), "%s/tfauth-run.XXXXXX", tmp);
	if (n < 0 || n >= (int)sizeof(s->dir)) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "TMPDIR is too long a path");
		s->dir[0] = '\0';
		goto out;
	}
	/* mkdtemp makes it 0700, and only ours. */
	if (!mkdtemp(s->dir)) {
		rc = tfa_err_set(err, TFA_EIO, "cannot make a private folder in '%s': %s",
				 tmp, strerror(errno));
		err->sys_errno = errno;
		s->dir[0] = '\0';
		goto out;
	}
	if ((rc = join_path(s->token_path, s->dir, "token", err)) < 0 ||
	    (rc = join_path(s->config_path, s->dir, "config", err)) < 0 ||
	    (rc = join_path(s->credentials_path, s->dir, "credentials", err)) < 0)
		goto out;
	/* No newline: the SDKs send the file's bytes as the header value. */
	if ((rc = write_file(s->token_path, s->token, strlen(s->token), err)) < 0)
		goto out;
	tfa_serve_config_view(&view, s->cfg, s->profile);
	if ((rc = write_file(s->config_path, view.ptr, view.len, err)) < 0 ||
	    (rc = write_file(s->credentials_path, "", 0, err)) < 0)
		goto out;
	rc = 0;
out:
	tfa_wipe(raw, sizeof(raw));
	tfa_buf_dispose(&view);
	return rc;
}

static int
listen_loopback(struct tfa_serve *s, struct tfa_err *err)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto fail;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s->lfd, 128) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &len) < 0)
		goto fail;
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u" TFA_SERVE_PATH,
		 ntohs(a.sin_port));
	return 0;
fail:
	tfa_err_set(err, TFA_EIO, "cannot listen on 127.0.0.1: %s", strerror(errno));
	err->sys_errno = errno;
	return TFA_EIO;
}

static void
dispose(struct tfa_serve *s)
{
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop[0] >= 0)
		close(s->stop[0]);
	if (s->stop[1] >= 0)
		close(s->stop[1]);
	if (s->dir[0]) {
		unlink(s->token_path);
		unlink(s->config_path);
		unlink(s->credentials_path);
		rmdir(s->dir);
	}
	tfa_wipe(s->token, sizeof(s->token));
	tfa_ctx_dispose(&s->ctx);
	free(s->profile);
	free(s->region);
	free(s->refresh_path);
	free(s);
}

int
tfa_serve_start(struct tfa_serve **out, const struct tfa_serve_opts *o, struct tfa_err *err)
{
	struct tfa_serve *s = tfa_xcalloc(1, sizeof(*s));
	sigset_t all, old;
	int rc;

	s->lfd = s->stop[0] = s->stop[1] = -1;
	tfa_ctx_copy(&s->ctx, o->ctx);
	s->cfg = o->cfg;
	s->profile = tfa_xstrdup(o->profile);
	s->region = o->region ? tfa_xstrdup(o->region) : NULL;
	s->refresh_path = tfa_xstrdup(o->refresh_path);
	s->quiet = o->quiet;
	s->log = o->log;
	s->log_data = o->log_data;
	if (pipe2(s->stop, O_CLOEXEC) < 0) {
		rc = tfa_err_set(err, TFA_EIO, "cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	if ((rc = make_files(s, err)) < 0 || (rc = listen_loopback(s, err)) < 0)
		goto fail;
	/* Signals are the main thread's business (it supervises the command). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, serve_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		rc = tfa_err_set(err, TFA_EIO, "cannot start a thread: %s", strerror(rc));
		goto fail;
	}
	s->running = 1;
	*out = s;
	return 0;
fail:
	dispose(s);
	return rc;
}

void
tfa_serve_child_env(struct tfa_ctx *env, const struct tfa_serve *s)
{
	static const char *const gone[] = {
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		NULL
	};
	const char *const *v;

	for (v = gone; *v; v++)
		tfa_ctx_unsetenv(env, *v);
	tfa_ctx_setenv(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", s->url);
	tfa_ctx_setenv(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", s->token_path);
	/*
	 * With AWS_PROFILE gone, go-v2 and botocore both read the "default"
	 * profile of the shared files before they reach the container
	 * provider (aws-reference.md §2.1, §2.2): keys, a role, SSO or a
	 * credential_process there would win over the endpoint.  So the child
	 * sees files of its own: a config whose [default] is the served
	 * profile's settings without any credential setting (region,
	 * endpoints, retries, s3... stay as the profile had them) and an empty
	 * credentials file.  Pointing at the real files and hoping [default]
	 * is empty would break silently on the machines where it is not.
	 */
	tfa_ctx_setenv(env, "AWS_CONFIG_FILE", s->config_path);
	tfa_ctx_setenv(env, "AWS_SHARED_CREDENTIALS_FILE", s->credentials_path);
	if (s->region && !tfa_ctx_getenv_nonempty(env, "AWS_REGION") &&
	    !tfa_ctx_getenv_nonempty(env, "AWS_DEFAULT_REGION")) {
		tfa_ctx_setenv(env, "AWS_REGION", s->region);
		tfa_ctx_setenv(env, "AWS_DEFAULT_REGION", s->region);
	}
	tfa_ctx_refresh_paths(env);
}

const char *
tfa_serve_url(const struct tfa_serve *s)
{
	return s->url;
}

const char *
tfa_serve_token_file(const struct tfa_serve *s)
{
	return s->token_path;
}

void
tfa_serve_stop(struct tfa_serve *s)
{
	ssize_t k;

	if (!s)
		return;
	if (s->running) {
		do
			k = write(s->stop[1], "x", 1);
		while (k < 0 && errno == EINTR);
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	dispose(s);
}
