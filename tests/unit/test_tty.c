/*
 * test_tty — lib/tty on a real pseudo-terminal.
 *
 * Each prompt runs in a child that starts a new session and takes a fresh
 * pty as its controlling terminal, so /dev/tty is that pty; its stdin is
 * /dev/null and its stdout and stderr go to a pipe that must stay empty.  The
 * parent plays the user on the master side (keys, Ctrl-C, Ctrl-D, Ctrl-Z)
 * and keeps everything the child wrote on the terminal ("the screen").  The
 * child reports what the call returned as "key=value" lines on another pipe.
 * tests/shell/tty_prompt.sh does the same in a real terminal (tmux).
 */
#include "buf.h"
#include "err.h"
#include "tty.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

/* ------------------------------------------------------------------ */
/* tfa_tty_check_code                                                 */

static void
test_check_code(void)
{
	static const char *const bad[] = {
		"", "12345", "1234567", "12a456", " 123456", "123456 ",
		"123456\n", "-12345", "+12345", "12 456", "0x1234",
		"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95"
		"\xef\xbc\x96", /* full-width digits */
		"١٢٣٤٥٦",       /* Arabic-Indic digits */
	};
	struct tfa_err err;
	size_t i;

	tfa_err_clear(&err);
	is_int(tfa_tty_check_code("123456", &err), 0, "check_code: 123456");
	is_int(tfa_tty_check_code("000000", &err), 0, "check_code: 000000");
	is_int(err.code, 0, "check_code: err untouched on success");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tfa_err_clear(&err);
		is_int(tfa_tty_check_code(bad[i], &err), TFA_EUSAGE,
		       "check_code: bad code #%zu refused", i);
		is_int(err.code, TFA_EUSAGE, "check_code: #%zu err.code", i);
		is_str(err.msg, "TFAUTH_MFA_CODE must be six digits",
		       "check_code: #%zu message", i);
		ok(bad[i][0] == '\0' || (!strstr(err.msg, bad[i]) &&
					 !strstr(err.hint, bad[i])),
		   "check_code: #%zu the code is not in the message", i);
	}
	tfa_err_clear(&err);
	is_int(tfa_tty_check_code(NULL, &err), TFA_EUSAGE,
	       "check_code: NULL refused");
	ok(strstr(err.hint, "--mfa-code") != NULL,
	   "check_code: the hint names --mfa-code");
}

/* ------------------------------------------------------------------ */
/* No controlling terminal                                            */

static void
test_open_no_terminal(void)
{
	struct tfa_tty *sentinel = (struct tfa_tty *)&sentinel, *t;
	struct tfa_err err;
	char buf[600];
	int p[2], status = -1;
	ssize_t n;
	pid_t pid;

	if (pipe(p) < 0) {
		ok(0, "open without a terminal: pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int rc;

		close(p[0]);
		setsid(); /* a new session has no controlling terminal */
		t = sentinel;
		tfa_err_clear(&err);
		rc = tfa_tty_open(&t, &err);
		n = snprintf(buf, sizeof(buf), "%d %d %s|%s", rc,
			     t == sentinel, err.msg, err.hint);
		if (n >= (ssize_t)sizeof(buf))
			n = (ssize_t)sizeof(buf) - 1; /* cut; enough to check */
		if (n > 0 && write(p[1], buf, (size_t)n) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	n = 0;
	if (pid > 0) {
		ssize_t m;

		while (n < (ssize_t)sizeof(buf) - 1 &&
		       (m = read(p[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
			n += m;
		waitpid(pid, &status, 0);
	}
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "open without a terminal: the child ran");
	ok(strncmp(buf, "-9 1 ", 5) == 0,
	   "open without a terminal: TFA_ELOGIN, *out untouched (%s)", buf);
	ok(strstr(buf, "'/dev/tty'") != NULL,
	   "open without a terminal: the message names /dev/tty");
	ok(strstr(buf, "TFAUTH_MFA_CODE") != NULL,
	   "open without a terminal: the hint says how else to give a code");
	tfa_tty_close(NULL);
	ok(1, "tfa_tty_close(NULL) is fine");
}

/* ------------------------------------------------------------------ */
/* A child on a pty                                                    */

struct run {
	pid_t pid;
	int master, res, out;
	struct tfa_buf screen;  /* what the child wrote on the terminal */
	struct tfa_buf result;  /* its key=value report */
	struct tfa_buf output;  /* its stdout and stderr: must stay empty */
	int status;
};

/* Parameters for the child (set before the fork). */
static const char *g_serial = "arn:aws:iam::123456789012:mfa/alice";
static const char *g_prompt = "Secret access key: ";
static const char *g_expect = "";
static int g_tries = 3;
static const char *g_dir;   /* the child's working folder, if set */
static int g_slave = -1;
static FILE *g_res;

typedef void child_fn(void);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
start(struct run *r, child_fn *fn)
{
	int res[2], out[2], null;
	struct winsize ws = { 24, 80, 0, 0 };
	char *name;

	memset(r, 0, sizeof(*r));
	r->master = -1;
	r->res = r->out = -1;
	tfa_buf_init(&r->screen, 0);
	tfa_buf_init(&r->result, 0);
	tfa_buf_init(&r->output, 0);
	r->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r->master < 0 || grantpt(r->master) < 0 ||
	    unlockpt(r->master) < 0 || !(name = ptsname(r->master)))
		return -1;
	if (pipe2(res, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		setsid();
		/* The first terminal a session leader opens becomes its own. */
		g_slave = open(name, O_RDWR);
		if (g_slave < 0 || ioctl(g_slave, TIOCSWINSZ, &ws) < 0)
			_exit(3);
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(out[1], 2) < 0)
			_exit(3);
		if (g_dir && chdir(g_dir) < 0)
			_exit(3);
		setenv("TERM", "dumb", 1);
		setenv("INPUTRC", "/dev/null", 1);
		g_res = fdopen(res[1], "w");
		if (!g_res)
			_exit(3);
		fn();
		fclose(g_res);
		_exit(0);
	}
	close(res[1]);
	close(out[1]);
	r->res = res[0];
	r->out = out[0];
	return 0;
}

/* Read what arrives for up to ms milliseconds (less once everything ends). */
static void
pump(struct run *r, int ms)
{
	struct pollfd p[3];
	struct tfa_buf *dst[3];
	char buf[4096];
	long long end = now_ms() + ms;
	int i, n, left;
	ssize_t got;

	for (;;) {
		n = 0;
		if (r->master >= 0) {
			p[n].fd = r->master;
			dst[n++] = &r->screen;
		}
		if (r->res >= 0) {
			p[n].fd = r->res;
			dst[n++] = &r->result;
		}
		if (r->out >= 0) {
			p[n].fd = r->out;
			dst[n++] = &r->output;
		}
		left = (int)(end - now_ms());
		if (n == 0 || left <= 0)
			return;
		for (i = 0; i < n; i++) {
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		if (poll(p, (nfds_t)n, left) <= 0)
			return;
		for (i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			got = read(p[i].fd, buf, sizeof(buf));
			if (got > 0) {
				tfa_buf_add(dst[i], buf, (size_t)got);
			} else if (p[i].fd != r->master) {
				close(p[i].fd);
				if (p[i].fd == r->res)
					r->res = -1;
				else
					r->out = -1;
			} else if (r->res < 0 && r->out < 0) {
				return; /* the child is gone: EIO */
			} else {
				/* Slave side closed for now; do not spin. */
				poll(NULL, 0, 10);
			}
		}
	}
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Wait (5 s at most) until the screen shows text n times. */
static int
expect_n(struct run *r, const char *text, int n)
{
	long long end = now_ms() + 5000;

	while (count(r->screen.ptr, text) < n) {
		if (now_ms() >= end)
			return 0;
		pump(r, 50);
	}
	return 1;
}

static int
expect(struct run *r, const char *text)
{
	return expect_n(r, text, 1);
}

static void
keys(struct run *r, const char *s)
{
	size_t len = strlen(s);

	if (write(r->master, s, len) != (ssize_t)len)
		fprintf(stderr, "test_tty: cannot type on the pty\n");
	pump(r, 20);
}

/* Wait for the child to end (10 s at most, then kill it); 0 if it exited 0. */
static int
finish(struct run *r)
{
	long long end = now_ms() + 10000;

	while ((r->res >= 0 || r->out >= 0) && now_ms() < end)
		pump(r, 100);
	if (r->res >= 0 || r->out >= 0)
		kill(r->pid, SIGKILL);
	waitpid(r->pid, &r->status, 0);
	pump(r, 0);
	if (r->master >= 0)
		close(r->master);
	if (r->res >= 0)
		close(r->res);
	if (r->out >= 0)
		close(r->out);
	r->master = r->res = r->out = -1;
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0 ? 0 : -1;
}

static void
dispose(struct run *r)
{
	tfa_buf_dispose(&r->screen);
	tfa_buf_dispose(&r->result);
	tfa_buf_dispose(&r->output);
}

/* The value of "key=" in the child's report, or "(none)". */
static const char *
field(struct run *r, const char *key)
{
	static char val[512];
	const char *p = r->result.ptr;
	size_t klen = strlen(key), n;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			n = strcspn(p, "\n");
			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, p, n);
			val[n] = '\0';
			return val;
		}
	}
	return "(none)";
}

static int
same_tio(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	       a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	       memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

/* Child side: report err, the signal and whether the terminal is as before. */
static void
report(int rc, struct tfa_tty *t, const struct tfa_err *err,
       const struct termios *before)
{
	struct termios after;

	fprintf(g_res, "rc=%d\nsig=%d\nmsg=%s\n", rc, tfa_tty_signal(t),
		err->msg);
	if (before && tcgetattr(g_slave, &after) == 0)
		fprintf(g_res, "tio=%s\n",
			same_tio(before, &after) ? "same" : "changed");
}

static void
child_mfa(void)
{
	struct tfa_tty *t = NULL;
	struct termios before;
	struct tfa_err err;
	char code[7] = "unset";
	int rc;

	tfa_err_clear(&err);
	tcgetattr(g_slave, &before);
	if ((rc = tfa_tty_open(&t, &err)) == 0)
		rc = tfa_tty_mfa_code(code, t, g_serial, g_tries, &err);
	report(rc, t, &err, &before);
	fprintf(g_res, "code=%s\n", code);
	tfa_tty_close(t);
}

static volatile sig_atomic_t got_int, got_term;

static void
on_int(int sig)
{
	got_int++;
}

static void
on_term(int sig)
{
	got_term++;
}

/*
 * A caller with its own readline settings, history, SIGINT handler, ignored
 * SIGHUP and a blocked SIGUSR1: all of it must be as before afterwards, and
 * Up must not recall the caller's history inside the prompt.
 */
static void
child_state(void)
{
	struct sigaction sa, now;
	sigset_t mask, mask_after;
	struct tfa_tty *t = NULL;
	struct tfa_err err;
	char code[7] = "unset";
	HIST_ENTRY *h;
	int rc, okay = 1;

	tfa_err_clear(&err);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigprocmask(SIG_BLOCK, NULL, &mask);
	using_history();
	add_history("999999");
	rl_instream = stdin;
	rl_outstream = stderr;
	rl_readline_name = "caller";
	rl_catch_signals = 1;
	if ((rc = tfa_tty_open(&t, &err)) == 0)
		rc = tfa_tty_mfa_code(code, t, g_serial, g_tries, &err);
	report(rc, t, &err, NULL);
	fprintf(g_res, "code=%s\n", code);
	okay &= rl_instream == stdin && rl_outstream == stderr;
	fprintf(g_res, "streams=%d\n", okay);
	okay = strcmp(rl_readline_name, "caller") == 0 && rl_catch_signals == 1 &&
	       rl_getc_function == rl_getc &&
	       rl_attempted_completion_function == NULL &&
	       rl_completion_entry_function == NULL;
	fprintf(g_res, "settings=%d\n", okay);
	h = history_get(history_base);
	fprintf(g_res, "history=%d %s\n", history_length,
		h ? h->line : "(none)");
	sigaction(SIGINT, NULL, &now);
	okay = now.sa_handler == on_int;
	sigaction(SIGHUP, NULL, &now);
	okay &= now.sa_handler == SIG_IGN;
	sigprocmask(SIG_BLOCK, NULL, &mask_after);
	okay &= sigismember(&mask_after, SIGUSR1) &&
		!sigismember(&mask_after, SIGINT) &&
		!sigismember(&mask_after, SIGTERM);
	fprintf(g_res, "signals=%d\ngot_int=%d\n", okay, (int)got_int);
	tfa_tty_close(t);
}

static void
child_secret(void)
{
	struct tfa_buf secret;
	struct tfa_tty *t = NULL;
	struct termios before;
	struct tfa_err err;
	int rc;

	tfa_err_clear(&err);
	tfa_buf_init_secret(&secret, 0);
	tfa_buf_adds(&secret, "kept:");
	tcgetattr(g_slave, &before);
	if ((rc = tfa_tty_open(&t, &err)) == 0)
		rc = tfa_tty_read_secret(&secret, t, g_prompt, &err);
	report(rc, t, &err, &before);
	/* The test's made-up secret is compared here, not sent back. */
	fprintf(g_res, "len=%zu\nmatch=%d\n", secret.len,
		secret.len == 5 + strlen(g_expect) &&
		memcmp(secret.ptr, "kept:", 5) == 0 &&
		strcmp(secret.ptr + 5, g_expect) == 0);
	tfa_buf_dispose(&secret);
	tfa_tty_close(t);
}

/* SIGTERM with a handler of the caller's: it runs, the prompt ends. */
static void
child_secret_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	child_secret();
	fprintf(g_res, "got_term=%d\n", (int)got_term);
}

static void
child_secret_plain_buf(void)
{
	struct tfa_buf plain = TFA_BUF_INIT;
	struct tfa_tty *t = NULL;
	struct tfa_err err;
	int rc;

	tfa_err_clear(&err);
	if ((rc = tfa_tty_open(&t, &err)) == 0)
		rc = tfa_tty_read_secret(&plain, t, g_prompt, &err);
	report(rc, t, &err, NULL);
	fprintf(g_res, "len=%zu\n", plain.len);
	tfa_tty_close(t);
}

static void
child_say(void)
{
	struct tfa_tty *t = NULL;
	struct tfa_err err;
	int rc;

	tfa_err_clear(&err);
	if ((rc = tfa_tty_open(&t, &err)) == 0)
		tfa_tty_say(t, "wrong code for %s, try again",
			    "evil\x1b]0;title\x07\r\xc2\x9b" "2J");
	report(rc, t, &err, NULL);
	tfa_tty_close(t);
}

#define PROMPT_ALICE "Enter MFA code for arn:aws:iam::123456789012:mfa/alice: "

/* Start fn, type keys once the screen shows `wait`, then finish. */
static int
session(struct run *r, child_fn *fn, const char *wait, const char *typed)
{
	int shown;

	if (start(r, fn) < 0) {
		ok(0, "start a child on a pty: %s", strerror(errno));
		return -1;
	}
	shown = !wait || expect(r, wait);
	if (shown && typed)
		keys(r, typed);
	finish(r);
	return shown ? 0 : -1;
}

static void
test_mfa(void)
{
	char dir[] = "/tmp/test_tty.XXXXXX", canary[64];
	struct run r;
	int fd, n;

	ok(session(&r, child_mfa, PROMPT_ALICE, "123456\r") == 0,
	   "mfa: botocore's prompt with the serial shows on the terminal");
	is_str(field(&r, "rc"), "0", "mfa: 123456 accepted");
	is_str(field(&r, "code"), "123456", "mfa: the code comes back");
	is_str(field(&r, "tio"), "same", "mfa: terminal settings restored");
	is_int(r.output.len, 0, "mfa: nothing on stdout or stderr");
	ok(strstr(r.screen.ptr, "123456") != NULL,
	   "mfa: readline echoed the digits on the terminal");
	dispose(&r);

	ok(session(&r, child_mfa, PROMPT_ALICE, " \t 654321  \r") == 0,
	   "mfa (blanks): prompt");
	is_str(field(&r, "code"), "654321", "mfa: blanks around the code trimmed");
	dispose(&r);

	if (start(&r, child_mfa) == 0) {
		expect(&r, PROMPT_ALICE);
		keys(&r, "12ab\r");
		ok(expect(&r, "the code is six digits"),
		   "mfa: 12ab is refused with \"the code is six digits\"");
		ok(expect_n(&r, PROMPT_ALICE, 2), "mfa: and asked again");
		keys(&r, "654321\r");
		finish(&r);
		is_str(field(&r, "rc"), "0", "mfa: the second try succeeds");
		is_str(field(&r, "code"), "654321", "mfa: second try's code");
		is_int(r.output.len, 0, "mfa retry: nothing on stdout/stderr");
	}
	dispose(&r);

	g_tries = 2;
	if (start(&r, child_mfa) == 0) {
		expect(&r, PROMPT_ALICE);
		keys(&r, "\r");
		expect_n(&r, PROMPT_ALICE, 2);
		keys(&r, "1234567\r");
		finish(&r);
		is_str(field(&r, "rc"), "-1", "mfa: two wrong tries of two: EINVAL");
		is_str(field(&r, "msg"), "no valid MFA code after 2 tries",
		       "mfa: the message counts the tries");
		is_str(field(&r, "code"), "unset", "mfa: out untouched on failure");
		is_int(count(r.screen.ptr, "the code is six digits"), 2,
		       "mfa: each wrong line is answered");
		is_int(count(r.screen.ptr, PROMPT_ALICE), 2,
		       "mfa: asked exactly `tries` times");
	}
	dispose(&r);
	g_tries = 3;

	ok(session(&r, child_mfa, PROMPT_ALICE, "\x04") == 0, "mfa (Ctrl-D): prompt");
	is_str(field(&r, "rc"), "-9", "mfa: Ctrl-D is TFA_ELOGIN");
	is_str(field(&r, "msg"), "no MFA code entered", "mfa: Ctrl-D message");
	is_str(field(&r, "sig"), "0", "mfa: Ctrl-D is no signal");
	is_str(field(&r, "tio"), "same", "mfa: Ctrl-D restores the terminal");
	dispose(&r);

	ok(session(&r, child_mfa, PROMPT_ALICE, "12\x03") == 0, "mfa (Ctrl-C): prompt");
	is_str(field(&r, "rc"), "-9", "mfa: Ctrl-C is TFA_ELOGIN");
	is_str(field(&r, "msg"), "interrupted", "mfa: Ctrl-C message");
	is_str(field(&r, "sig"), "2", "mfa: tfa_tty_signal says SIGINT");
	is_str(field(&r, "tio"), "same", "mfa: Ctrl-C restores the terminal");
	is_str(field(&r, "code"), "unset", "mfa: Ctrl-C leaves out untouched");
	ok(WIFEXITED(r.status), "mfa: Ctrl-C does not kill the caller");
	dispose(&r);

	/* Ctrl-Z: the child's process group is orphaned, so it goes on. */
	if (start(&r, child_mfa) == 0) {
		expect(&r, PROMPT_ALICE);
		keys(&r, "12");
		/* The tty drops unread input on ^Z: let readline take "12". */
		expect(&r, PROMPT_ALICE "12");
		keys(&r, "\x1a");
		ok(expect_n(&r, PROMPT_ALICE "12", 2),
		   "mfa: after Ctrl-Z the prompt and line are drawn again");
		keys(&r, "3456\r");
		finish(&r);
		is_str(field(&r, "code"), "123456",
		       "mfa: Ctrl-Z then more digits: the line survives");
		is_str(field(&r, "tio"), "same", "mfa: Ctrl-Z: terminal restored");
	}
	dispose(&r);

	/* Tab completes nothing: no file name from the working folder. */
	canary[0] = '\0';
	if (mkdtemp(dir)) {
		n = snprintf(canary, sizeof(canary), "%s/canary-file", dir);
		if (n > 0 && (size_t)n < sizeof(canary) &&
		    (fd = open(canary, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
			close(fd);
	}
	g_dir = dir;
	if (start(&r, child_mfa) == 0) {
		expect(&r, PROMPT_ALICE);
		keys(&r, "canary\t\t");
		pump(&r, 200);
		keys(&r, "\x15" "111111\r");
		finish(&r);
		is_str(field(&r, "code"), "111111", "mfa: Tab, Ctrl-U, then a code");
		ok(access(canary, F_OK) == 0 &&
		   !strstr(r.screen.ptr, "canary-file"),
		   "mfa: Tab completes no file name");
	}
	dispose(&r);
	g_dir = NULL;
	unlink(canary);
	rmdir(dir);

	g_serial = "arn\x1b[31mRED\x01\x02\x7f\xc2\x9b" "2J";
	ok(session(&r, child_mfa, "Enter MFA code for arn", "123456\r") == 0,
	   "mfa (hostile serial): prompt");
	ok(strstr(r.screen.ptr, "Enter MFA code for arn?[31mRED????2J: ") != NULL,
	   "mfa: control characters of the serial show as '?'");
	ok(!strstr(r.screen.ptr, "\x1b[31m"),
	   "mfa: no escape sequence of the serial reaches the terminal");
	dispose(&r);
	g_serial = "";
	ok(session(&r, child_mfa, "Enter MFA code: ", "123456\r") == 0,
	   "mfa: no serial: \"Enter MFA code: \"");
	dispose(&r);
	g_serial = "arn:aws:iam::123456789012:mfa/alice";
}

static void
test_state(void)
{
	struct run r;

	if (start(&r, child_state) < 0) {
		ok(0, "state: start");
		return;
	}
	expect(&r, PROMPT_ALICE);
	keys(&r, "\x1b[A"); /* Up */
	pump(&r, 100);
	keys(&r, "222222\r");
	finish(&r);
	is_str(field(&r, "code"), "222222",
	       "state: Up recalls nothing of the caller's history");
	is_str(field(&r, "streams"), "1", "state: rl_instream/rl_outstream restored");
	is_str(field(&r, "settings"), "1",
	       "state: readline name, signals, getc, completion restored");
	is_str(field(&r, "history"), "1 999999",
	       "state: the caller's history is intact, the code not added");
	is_str(field(&r, "signals"), "1",
	       "state: SIGINT handler, ignored SIGHUP and signal mask restored");
	dispose(&r);

	/* Ctrl-C with a handler of the caller's: we report, it is not run. */
	if (start(&r, child_state) == 0) {
		expect(&r, PROMPT_ALICE);
		keys(&r, "\x03");
		finish(&r);
		is_str(field(&r, "msg"), "interrupted",
		       "state: Ctrl-C ends the prompt under a caller's handler");
		is_str(field(&r, "got_int"), "0",
		       "state: the prompt took the SIGINT, the caller decides");
		is_str(field(&r, "signals"), "1", "state: signals restored after Ctrl-C");
	}
	dispose(&r);
}

static void
test_secret(void)
{
	struct run r;

	g_expect = "s3cr3t-Value/xyz";
	ok(session(&r, child_secret, "Secret access key: ",
		   "s3cr3t-Value/xyz\r") == 0, "secret: the prompt shows");
	is_str(field(&r, "rc"), "0", "secret: read");
	is_str(field(&r, "match"), "1", "secret: appended exactly, no newline");
	ok(!strstr(r.screen.ptr, "s3cr3t"), "secret: not echoed");
	is_str(field(&r, "tio"), "same", "secret: echo back on afterwards");
	is_int(r.output.len, 0, "secret: nothing on stdout or stderr");
	ok(r.screen.len > 0 && r.screen.ptr[r.screen.len - 1] == '\n',
	   "secret: the unechoed Enter is written as a newline");
	dispose(&r);

	g_expect = "abc";
	ok(session(&r, child_secret, "Secret access key: ", "abx\x7f" "c\r") == 0,
	   "secret (Backspace): prompt");
	is_str(field(&r, "match"), "1", "secret: Backspace edits the line");
	dispose(&r);

	g_expect = "";
	ok(session(&r, child_secret, "Secret access key: ", "\r") == 0,
	   "secret (empty): prompt");
	is_str(field(&r, "rc"), "0", "secret: an empty line is read as empty");
	is_str(field(&r, "match"), "1", "secret: nothing appended");
	dispose(&r);

	ok(session(&r, child_secret, "Secret access key: ", "\x04") == 0,
	   "secret (Ctrl-D): prompt");
	is_str(field(&r, "rc"), "-9", "secret: Ctrl-D is TFA_ELOGIN");
	is_str(field(&r, "msg"), "nothing entered", "secret: Ctrl-D message");
	is_str(field(&r, "len"), "5", "secret: out untouched");
	is_str(field(&r, "tio"), "same", "secret: Ctrl-D restores echo");
	dispose(&r);

	ok(session(&r, child_secret, "Secret access key: ", "abc\x03") == 0,
	   "secret (Ctrl-C): prompt");
	is_str(field(&r, "rc"), "-9", "secret: Ctrl-C is TFA_ELOGIN");
	is_str(field(&r, "msg"), "interrupted", "secret: Ctrl-C message");
	is_str(field(&r, "sig"), "2", "secret: tfa_tty_signal says SIGINT");
	is_str(field(&r, "len"), "5", "secret: Ctrl-C leaves out untouched");
	is_str(field(&r, "tio"), "same", "secret: Ctrl-C restores echo");
	ok(!strstr(r.screen.ptr, "abc"), "secret: Ctrl-C: typed text not shown");
	dispose(&r);

	/* Ctrl-Z: echo comes back while stopped; then asked again. */
	g_expect = "after-stop";
	if (start(&r, child_secret) == 0) {
		expect(&r, "Secret access key: ");
		keys(&r, "before\x1a");
		ok(expect_n(&r, "Secret access key: ", 2),
		   "secret: Ctrl-Z asks again");
		keys(&r, "after-stop\r");
		finish(&r);
		is_str(field(&r, "match"), "1",
		       "secret: after Ctrl-Z only the new line counts");
		is_str(field(&r, "tio"), "same", "secret: Ctrl-Z: echo restored");
		ok(!strstr(r.screen.ptr, "after-stop") &&
		   !strstr(r.screen.ptr, "before"),
		   "secret: Ctrl-Z: neither line echoed");
	}
	dispose(&r);

	if (start(&r, child_secret_term) == 0) {
		expect(&r, "Secret access key: ");
		keys(&r, "abc");
		kill(r.pid, SIGTERM);
		finish(&r);
		is_str(field(&r, "msg"), "interrupted",
		       "secret: SIGTERM under a caller's handler ends the prompt");
		is_str(field(&r, "sig"), "15", "secret: tfa_tty_signal says SIGTERM");
		is_str(field(&r, "got_term"), "1",
		       "secret: SIGTERM raised again for the caller's handler");
		is_str(field(&r, "tio"), "same", "secret: SIGTERM restores echo");
	}
	dispose(&r);

	if (start(&r, child_secret) == 0) {
		expect(&r, "Secret access key: ");
		kill(r.pid, SIGTERM);
		finish(&r);
		ok(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM,
		   "secret: SIGTERM by default still ends the process");
		is_str(field(&r, "rc"), "(none)",
		       "secret: SIGTERM by default: the call never returned");
	}
	dispose(&r);

	ok(session(&r, child_secret_plain_buf, NULL, NULL) == 0,
	   "secret (plain buffer): ran");
	is_str(field(&r, "rc"), "-10", "secret: a non-secret buffer is TFA_EUSAGE");
	is_str(field(&r, "len"), "0", "secret: nothing read into it");
	ok(!strstr(r.screen.ptr, "Secret"), "secret: and nothing asked");
	dispose(&r);
}

static void
test_say(void)
{
	struct run r;

	ok(session(&r, child_say, "wrong code", NULL) == 0, "say: shows");
	ok(strstr(r.screen.ptr, "wrong code for evil?]0;title???2J, try again") != NULL,
	   "say: control characters written as '?'");
	ok(r.screen.len > 0 && r.screen.ptr[r.screen.len - 1] == '\n',
	   "say: ends the line");
	is_int(r.output.len, 0, "say: nothing on stdout or stderr");
	dispose(&r);
}

int
main(void)
{
	test_check_code();
	test_open_no_terminal();
	test_mfa();
	test_state();
	test_secret();
	test_say();
	return tap_done();
}
