/* process — see process.h. */
#include "process.h"
#include "buf.h"
#include "ctx.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 50          /* how often a running child is checked on */
#define READ_CHUNK 65536

/* ------------------------------------------------------------ messages */

/*
 * The profile name for messages, with control characters shown as '?' so
 * that a hostile name cannot drive the terminal the message is printed
 * on; NULL stays NULL.
 */
static const char *
shown_name(char *out, size_t n, const char *profile)
{
	size_t i;

	if (!profile)
		return NULL;
	if (snprintf(out, n, "%s", profile) < 0)
		out[0] = '\0';
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	return out;
}

/* "credential_process for profile 'NAME'": the subject of every message. */
static void
subject(char *out, size_t n, const char *name)
{
	if (snprintf(out, n, name ? "credential_process for profile '%s'" :
		     "credential_process", name) < 0)
		out[0] = '\0';
}

#define JSON_SHAPE "{\"Version\": 1, \"AccessKeyId\": \"...\", " \
		   "\"SecretAccessKey\": \"...\"}"

static void
hint_by_hand(struct tfa_err *err, const char *name)
{
	if (name)
		tfa_err_hint(err, "run the credential_process command that "
			     "'tfauth-profile show %s' shows by hand to see its error",
			     name);
	else
		tfa_err_hint(err, "run the credential_process command by hand "
			     "to see its error");
}

/* ---------------------------------------------------------------- parse */

enum field { F_VERSION, F_AKID, F_SECRET, F_TOKEN, F_EXPIRATION, F_ACCOUNT, F_N };

static const char *const field_names[F_N] = {
	"Version", "AccessKeyId", "SecretAccessKey", "SessionToken",
	"Expiration", "AccountId",
};

static void
wiping_free(void *p)
{
	if (p)
		tfa_wipe(p, malloc_usable_size(p));
	free(p);
}

static void
jansson_wipes(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}

static pthread_once_t jansson_once = PTHREAD_ONCE_INIT;

/*
 * ASCII case-insensitive equality, as encoding/json matches keys to
 * fields (it also folds the Kelvin sign and long s; no one writes those).
 */
static int
key_matches(const char *key, const char *name)
{
	unsigned char a, b;

	for (;; key++, name++) {
		a = (unsigned char)*key;
		b = (unsigned char)*name;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
		if (!a)
			return 1;
	}
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* jansson's own text can quote the input; say what is wrong in our words. */
static const char *
syntax_reason(const json_error_t *jerr)
{
	switch (json_error_code(jerr)) {
	case json_error_stack_overflow:
		return "it is nested too deeply";
	case json_error_invalid_utf8:
		return "it is not valid UTF-8";
	case json_error_premature_end_of_input:
		return "it ends before the JSON does";
	case json_error_end_of_input_expected:
		return "there is more after the JSON value";
	case json_error_null_character:
		return "a string holds a NUL character (\\u0000)";
	case json_error_null_byte_in_key:
		return "a key holds a NUL character (\\u0000)";
	case json_error_numeric_overflow:
		return "a number is too large";
	default:
		return "it is not valid JSON";
	}
}

static int
only_space(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

int
tfa_process_parse(struct tfa_creds *out, const char *json, size_t n,
		  const char *profile, struct tfa_err *err)
{
	const json_t *f[F_N] = { NULL };
	const char *bad_type = NULL;
	struct tfa_creds c;
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *key;
	char who[300], name[256];
	int rc = TFA_EINVAL, i, bad = -1;
	time_t t = 0;

	tfa_creds_init(&c);
	memset(&jerr, 0, sizeof(jerr));
	subject(who, sizeof(who), shown_name(name, sizeof(name), profile));
	pthread_once(&jansson_once, jansson_wipes);
	if (only_space(json, n)) {
		tfa_err_set(err, rc, "%s: parse failed of process output: it printed "
			    "nothing on stdout", who);
		tfa_err_hint(err, "it must print its credentials as JSON on stdout: "
			     JSON_SHAPE);
		goto out;
	}
	root = json_loadb(json, n, JSON_DECODE_ANY, &jerr);
	if (!root) {
		tfa_err_set(err, rc, "%s: parse failed of process output: %s "
			    "(line %d, column %d)", who, syntax_reason(&jerr),
			    jerr.line, jerr.column);
		tfa_err_hint(err, "it must print one JSON object on stdout and "
			     "nothing else (messages belong on stderr): " JSON_SHAPE);
		goto out;
	}
	if (!json_is_object(root)) {
		tfa_err_set(err, rc, "%s: parse failed of process output: it is %s, "
			    "not a JSON object", who, type_name(root));
		tfa_err_hint(err, "it must print one JSON object: " JSON_SHAPE);
		goto out;
	}
	/*
	 * encoding/json: a key matches its field in any case, and each key
	 * in turn sets its field, so the last one wins; null leaves the field
	 * as it was; a value of the wrong type fails the parse (go-v2: the
	 * first such error is the one reported).
	 */
	json_object_foreach(root, key, v) {
		for (i = 0; i < F_N && !key_matches(key, field_names[i]); i++)
			;
		if (i == F_N || json_is_null(v))
			continue;
		if (i != F_VERSION && !json_is_string(v) && bad < 0) {
			bad = i;
			bad_type = type_name(v);
		}
		f[i] = v;
	}
	if (bad >= 0) {
		tfa_err_set(err, rc, "%s: parse failed of process output: %s is %s, "
			    "not a string", who, field_names[bad], bad_type);
		tfa_err_hint(err, "print it as a JSON string: " JSON_SHAPE);
		goto out;
	}
	if (f[F_EXPIRATION] &&
	    tfa_time_parse(&t, json_string_value(f[F_EXPIRATION])) < 0) {
		tfa_err_set(err, rc, "%s: parse failed of process output: "
			    "Expiration is not an RFC 3339 time", who);
		tfa_err_hint(err, "print it in UTC like \"Expiration\": "
			     "\"2026-01-02T03:04:05Z\", or leave it out for "
			     "credentials that do not expire");
		goto out;
	}
	if (!f[F_VERSION] || !json_is_integer(f[F_VERSION]) ||
	    json_integer_value(f[F_VERSION]) != 1) {
		tfa_err_set(err, rc, "%s: wrong version in process output (not 1)", who);
		if (!f[F_VERSION])
			tfa_err_hint(err, "add \"Version\": 1 to the JSON it prints");
		else if (json_is_integer(f[F_VERSION]))
			tfa_err_hint(err, "it printed \"Version\": %" JSON_INTEGER_FORMAT
				     "; Terraform and the AWS CLI know only "
				     "\"Version\": 1", json_integer_value(f[F_VERSION]));
		else
			tfa_err_hint(err, "its Version is %s; it must be the "
				     "number 1, written \"Version\": 1",
				     json_is_real(f[F_VERSION]) ? "a fraction" :
				     type_name(f[F_VERSION]));
		goto out;
	}
	for (i = F_AKID; i <= F_SECRET; i++) {
		if (f[i] && json_string_length(f[i]) > 0)
			continue;
		tfa_err_set(err, rc, "%s: missing %s in process output", who,
			    field_names[i]);
		tfa_err_hint(err, "it must print both keys: " JSON_SHAPE);
		goto out;
	}
	c.access_key_id = tfa_xstrdup(json_string_value(f[F_AKID]));
	c.secret_access_key = tfa_xstrdup(json_string_value(f[F_SECRET]));
	if (f[F_TOKEN] && json_string_length(f[F_TOKEN]) > 0)
		c.session_token = tfa_xstrdup(json_string_value(f[F_TOKEN]));
	if (f[F_ACCOUNT] && json_string_length(f[F_ACCOUNT]) > 0)
		c.account_id = tfa_xstrdup(json_string_value(f[F_ACCOUNT]));
	/* 0 means "does not expire": 1970-01-01T00:00:00Z must stay expired. */
	if (f[F_EXPIRATION])
		c.expiration = t == 0 ? 1 : t;
	*out = c;
	tfa_creds_init(&c);
	rc = 0;
out:
	json_decref(root);      /* wiped by wiping_free */
	tfa_wipe(&jerr, sizeof(jerr));
	tfa_creds_dispose(&c);
	return rc;
}

/* ------------------------------------------------------------------ run */

static void
sleep_ms(long long ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);   /* EINTR: the caller's loop looks again */
}

static int
timeout_seconds(int *out, const struct tfa_ctx *ctx, struct tfa_err *err)
{
	long s;
	int rc = tfa_ctx_getenv_long(ctx, "TFAUTH_PROCESS_TIMEOUT", TFA_PROCESS_TIMEOUT,
				     1, TFA_PROCESS_TIMEOUT_MAX, "seconds", &s, err);

	if (rc == 0)
		*out = (int)s;
	return rc;
}

/* Keep fd off 0, 1 and 2, which the child's stdio would overwrite. */
static int
above_stdio(int fd)
{
	int nfd;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return nfd;
}

/*
 * Our controlling terminal, when we are its foreground job (so the child
 * should be, to read a prompt from it), else -1.
 */
static int
foreground_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (tcgetpgrp(fd) != getpgrp()) {
		close(fd);
		return -1;
	}
	fd = above_stdio(fd);
	return fd;
}

/* Take the terminal back from the child's group, if it still has it. */
static void
tty_back(int fd, pid_t pgid)
{
	sigset_t ttou, old;

	if (fd < 0)
		return;
	/* A background group setting the foreground gets SIGTTOU unless blocked. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	pthread_sigmask(SIG_BLOCK, &ttou, &old);
	if (tcgetpgrp(fd) == pgid)
		tcsetpgrp(fd, getpgrp());
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fd);
}

/*
 * Between fork and exec: only async-signal-safe calls.  Every signal is
 * blocked here (the parent blocked them before fork), so no handler of
 * the parent runs in the child and tcsetpgrp gets no SIGTTOU.
 */
__attribute__((noreturn)) static void
exec_child(char *const *argv, char *const *envp, int rfd, int wfd, int tty_fd)
{
	struct sigaction dfl, old;
	sigset_t none;
	int sig;

	setpgid(0, 0);
	if (tty_fd >= 0)
		tcsetpgrp(tty_fd, getpid());
	if (dup2(wfd, STDOUT_FILENO) < 0)
		_exit(127);
	close(wfd);
	close(rfd);
	if (tty_fd >= 0)
		close(tty_fd);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &old) < 0)
			continue;
		/* Handlers do not survive exec anyway; an ignored SIGPIPE would. */
		if (old.sa_handler != SIG_IGN || sig == SIGPIPE)
			sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The user's program gets the user's core limit, not ours. */
	tfa_core_limit_restore();
	execve("/bin/sh", argv, envp);
	_exit(127);
}

/*
 * Has the child exited?  It is not reaped here (WNOWAIT): while it is a
 * zombie its pid, the id of its process group, cannot go to another
 * process, so kill(-pid) reaches only what it started.
 */
static int
child_exited(pid_t pid)
{
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0)
			return si.si_pid == pid;
		if (errno != EINTR)
			return 1;       /* ECHILD: reaped behind our back */
	}
}

static int
reap(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r == pid ? 0 : -1;
}

/*
 * Stop the child's whole process group and reap the child: SIGTERM to
 * every member, SIGCONT for one stopped at a terminal prompt (it acts on
 * SIGTERM only once running), then TFA_PROCESS_KILL_GRACE_MS for all of
 * them to finish, then SIGKILL to what is left.
 *
 * Once the leader is reaped, its group id stays reserved only while a
 * member lives, so kill(-pid, 0) failing means the group is gone.  A
 * member could die and its pid be reused as a new group's id between that
 * check and the SIGKILL only if every pid were used up in between; shells
 * signal their jobs' groups on the same terms.
 */
static int
stop_group(pid_t pid, int *status)
{
	long long end = tfa_monotonic_ms() + TFA_PROCESS_KILL_GRACE_MS, nap = 1;
	int reaped = 0;

	kill(-pid, SIGTERM);
	kill(-pid, SIGCONT);
	while (tfa_monotonic_ms() < end) {
		if (!reaped && child_exited(pid)) {
			if (reap(pid, status) < 0)
				return -1;
			reaped = 1;
		}
		if (reaped && kill(-pid, 0) < 0)
			return 0;
		sleep_ms(nap);
		nap = nap * 2 > TICK_MS ? TICK_MS : nap * 2;
	}
	kill(-pid, SIGKILL);
	return reaped ? 0 : reap(pid, status);
}

enum end { END_OK, END_TIMEOUT, END_TOOBIG, END_IOERR };

/* 1: read something, 0: end of file, else an END_* to stop with. */
static int
read_some(struct tfa_buf *b, int fd, int *sys_errno)
{
	size_t room = b->cap - b->len;
	ssize_t r;
	char probe;

	if (room == 0) {
		/* Full: one more byte means the output is over the cap. */
		r = read(fd, &probe, 1);
		tfa_wipe(&probe, 1);
		if (r > 0)
			return -END_TOOBIG;
	} else {
		if (room > READ_CHUNK)
			room = READ_CHUNK;
		if (tfa_buf_grow(b, room) < 0)
			return -END_TOOBIG;
		r = read(fd, b->ptr + b->len, room);
		if (r > 0) {
			b->len += (size_t)r;
			b->ptr[b->len] = '\0';
		}
	}
	if (r > 0)
		return 1;
	if (r == 0)
		return 0;
	if (errno == EINTR || errno == EAGAIN)
		return 1;
	*sys_errno = errno;
	return -END_IOERR;
}

/*
 * Read the child's stdout until end of file and the child's exit, or the
 * deadline.  After the child exits, stdout gets TFA_PROCESS_LEFTOVER_MS
 * more to reach end of file (something it left in the background may hold
 * it open: see process.h).
 */
static enum end
collect(struct tfa_buf *b, pid_t pid, int fd, long long deadline, int *sys_errno)
{
	long long now, until, left_until = 0, nap = 1;
	struct pollfd pfd;
	int eof = 0, exited = 0, r;

	for (;;) {
		if (!exited && child_exited(pid)) {
			exited = 1;
			left_until = tfa_monotonic_ms() + TFA_PROCESS_LEFTOVER_MS;
		}
		if (eof && exited)
			return END_OK;
		now = tfa_monotonic_ms();
		if (exited && now >= left_until)
			return END_OK;
		if (!exited && now >= deadline)
			return END_TIMEOUT;
		until = exited ? left_until : deadline;
		if (!exited && until > now + TICK_MS)
			until = now + TICK_MS;  /* look at the child again soon */
		if (eof) {
			/* stdout is closed but the child lives on: back off up to a tick. */
			sleep_ms(nap < until - now ? nap : until - now);
			nap = nap * 2 > TICK_MS ? TICK_MS : nap * 2;
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(until - now));
		if (r < 0 && errno != EINTR) {
			*sys_errno = errno;
			return END_IOERR;
		}
		if (r <= 0)
			continue;
		r = read_some(b, fd, sys_errno);
		if (r < 0)
			return (enum end)-r;
		if (r == 0)
			eof = 1;
	}
}

static int
spawn_failed(struct tfa_err *err, const char *who, int e)
{
	tfa_err_set(err, TFA_EIO, "cannot start %s: %s", who, strerror(e));
	err->sys_errno = e;
	tfa_err_hint(err, "check that /bin/sh exists and that this system "
		     "allows more processes and open files ('ulimit -a')");
	return TFA_EIO;
}

static int
status_error(struct tfa_err *err, const char *who, const char *name, int status)
{
	if (WIFSIGNALED(status)) {
		tfa_err_set(err, TFA_EIO, "%s was killed by signal %d", who,
			    WTERMSIG(status));
		hint_by_hand(err, name);
	} else if (WEXITSTATUS(status) == 127) {
		tfa_err_set(err, TFA_EIO, "%s exited with status 127: the shell "
			    "did not find the command", who);
		tfa_err_hint(err, "check the program name in credential_process and "
			     "that it is installed on the PATH Terraform sees "
			     "('tfauth-profile show %s' shows the command)",
			     name ? name : "PROFILE");
	} else if (WEXITSTATUS(status) == 126) {
		tfa_err_set(err, TFA_EIO, "%s exited with status 126: the shell "
			    "found the command but could not run it", who);
		tfa_err_hint(err, "make the program executable (chmod +x) "
			     "('tfauth-profile show %s' shows the command)",
			     name ? name : "PROFILE");
	} else {
		tfa_err_set(err, TFA_EIO, "%s exited with status %d", who,
			    WEXITSTATUS(status));
		hint_by_hand(err, name);
	}
	return TFA_EIO;
}

static int
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

int
tfa_process_run(struct tfa_creds *out, const struct tfa_ctx *ctx,
		const char *command, const char *profile, struct tfa_err *err)
{
	struct tfa_buf output;
	char **envp = NULL, *argv[4];
	int pipefd[2] = { -1, -1 }, tty_fd = -1, status = 0, sys_errno = 0, e;
	int secs = TFA_PROCESS_TIMEOUT;
	sigset_t all, old;
	enum end end;
	char who[300], namebuf[256];
	const char *name = shown_name(namebuf, sizeof(namebuf), profile);
	pid_t pid = -1;
	size_t i;
	int rc;

	tfa_buf_init_secret(&output, TFA_PROCESS_OUTPUT_MAX);
	subject(who, sizeof(who), name);
	if (!command || blank(command)) {
		rc = tfa_err_set(err, TFA_EINVAL, "%s is empty", who);
		tfa_err_hint(err, "set credential_process to the command that prints "
			     "the credentials, or remove it");
		goto out;
	}
	if ((rc = timeout_seconds(&secs, ctx, err)) < 0)
		goto out;

	/* Everything the child needs is made before fork: it may not malloc. */
	envp = tfa_xcalloc(ctx->nenv + 1, sizeof(*envp));
	for (i = 0; i < ctx->nenv; i++)
		envp[i] = ctx->env[i];
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)command;
	argv[3] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = spawn_failed(err, who, errno);
		goto out;
	}
	pipefd[0] = above_stdio(pipefd[0]);
	pipefd[1] = above_stdio(pipefd[1]);
	if (pipefd[0] < 0 || pipefd[1] < 0) {
		rc = spawn_failed(err, who, errno);
		goto out;
	}
	tty_fd = foreground_tty();

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		exec_child(argv, envp, pipefd[0], pipefd[1], tty_fd);
	e = errno;
	if (pid > 0) {
		/* Also here, so that neither order of parent and child races. */
		setpgid(pid, pid);
		if (tty_fd >= 0)
			tcsetpgrp(tty_fd, pid);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (pid < 0) {
		rc = spawn_failed(err, who, e);
		goto out;
	}

	end = collect(&output, pid, pipefd[0], tfa_monotonic_ms() + secs * 1000LL, &sys_errno);
	close(pipefd[0]);
	pipefd[0] = -1;
	if (end != END_OK) {
		stop_group(pid, &status);  /* the error is why it was stopped */
	} else if (reap(pid, &status) < 0) {
		end = END_IOERR;
		sys_errno = errno;
	}
	tty_back(tty_fd, pid);
	tty_fd = -1;

	switch (end) {
	case END_TIMEOUT:
		rc = tfa_err_set(err, TFA_EIO, "%s did not finish within %d s; "
				 "it was stopped", who, secs);
		tfa_err_hint(err, "if it waits for you (an MFA code, a browser "
			     "login), answer sooner, or allow it more time: export "
			     "TFAUTH_PROCESS_TIMEOUT=300 (seconds, at most %d)",
			     TFA_PROCESS_TIMEOUT_MAX);
		goto out;
	case END_TOOBIG:
		rc = tfa_err_set(err, TFA_ETOOBIG, "%s printed more than %zu MiB on "
				 "stdout; it was stopped", who,
				 TFA_PROCESS_OUTPUT_MAX >> 20);
		tfa_err_hint(err, "it must print only its credentials as JSON on "
			     "stdout; messages belong on stderr");
		goto out;
	case END_IOERR:
		rc = tfa_err_set(err, TFA_EIO, "cannot read the output of %s: %s",
				 who, strerror(sys_errno));
		err->sys_errno = sys_errno;
		hint_by_hand(err, name);
		goto out;
	case END_OK:
		break;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = status_error(err, who, name, status);
		goto out;
	}
	rc = tfa_process_parse(out, output.ptr, output.len, profile, err);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (tty_fd >= 0)
		close(tty_fd);
	free(envp);
	tfa_buf_dispose(&output);
	return rc;
}
