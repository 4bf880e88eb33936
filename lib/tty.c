/* tty — see tty.h and tty_priv.h. */
#include "tty.h"
#include "tty_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

/* A canonical-mode line holds at most 4095 bytes on Linux anyway. */
#define SECRET_MAX 4096

struct tfa_tty {
	int fd;       /* /dev/tty, owned by in */
	FILE *in;     /* rl_instream; readline reads fd through tty_getc */
	FILE *out;    /* rl_outstream and every message; a dup of fd */
	int sig;      /* the signal that ended the last prompt, else 0 */
};

/*
 * Signals.  A prompt catches these; the handler only records them.  They are
 * blocked except inside ppoll() while waiting for a key, so a signal is seen
 * either before a wait or by ending it, never lost between a check and a
 * blocking read (the race a plain read() loop has).  The flags are static
 * because signal handlers are process-wide.
 */
static const int guarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
#define NGUARDED (sizeof(guarded) / sizeof(guarded[0]))
static volatile sig_atomic_t caught[NGUARDED];

struct guard {
	struct sigaction old[NGUARDED];
	unsigned char on[NGUARDED];   /* 0: the caller ignores it; left alone */
	sigset_t oldmask;
};

enum wait_result {
	WAIT_READY,    /* input, or a hang-up: read() tells which */
	WAIT_AGAIN,    /* a signal that is not ours ended the wait */
	WAIT_SUSPEND,  /* Ctrl-Z */
	WAIT_SIGNAL,   /* SIGINT, SIGTERM, SIGHUP or SIGQUIT: stop reading */
	WAIT_ERROR
};

static void
on_signal(int sig)
{
	size_t i;

	for (i = 0; i < NGUARDED; i++)
		if (guarded[i] == sig)
			caught[i] = 1;
}

static void
guard_on(struct guard *g)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < NGUARDED; i++) {
		caught[i] = 0;
		g->on[i] = sigaction(guarded[i], NULL, &g->old[i]) == 0 &&
			   ((g->old[i].sa_flags & SA_SIGINFO) ||
			    g->old[i].sa_handler != SIG_IGN);
		if (g->on[i]) {
			sigaddset(&block, guarded[i]);
			sigaddset(&sa.sa_mask, guarded[i]);
		}
	}
	pthread_sigmask(SIG_BLOCK, &block, &g->oldmask);
	for (i = 0; i < NGUARDED; i++)
		if (g->on[i])
			sigaction(guarded[i], &sa, NULL);
}

static void
guard_off(struct guard *g)
{
	size_t i;

	/* Unblock first: a pending signal lands in on_signal, and counts. */
	pthread_sigmask(SIG_SETMASK, &g->oldmask, NULL);
	for (i = 0; i < NGUARDED; i++)
		if (g->on[i])
			sigaction(guarded[i], &g->old[i], NULL);
}

/* The first caught signal that ends a prompt (not SIGTSTP), or 0. */
static int
caught_stop(void)
{
	size_t i;

	for (i = 0; i < NGUARDED; i++)
		if (caught[i] && guarded[i] != SIGTSTP)
			return guarded[i];
	return 0;
}

static enum wait_result
wait_input(int fd, const struct guard *g)
{
	struct pollfd p;
	size_t i;

	if (caught_stop())
		return WAIT_SIGNAL;
	for (i = 0; i < NGUARDED; i++) {
		if (caught[i] && guarded[i] == SIGTSTP) {
			caught[i] = 0;
			return WAIT_SUSPEND;
		}
	}
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	/* The caller's mask, so our signals (only) can end the wait. */
	if (ppoll(&p, 1, NULL, &g->oldmask) > 0)
		return WAIT_READY;
	return errno == EINTR ? WAIT_AGAIN : WAIT_ERROR;
}

/*
 * Stop for a Ctrl-Z as the default action would, once the caller has put the
 * terminal back; returns after SIGCONT.  (In an orphaned process group the
 * kernel drops the stop and this returns at once.)
 */
static void
stop_self(void)
{
	struct sigaction dfl, ours;
	sigset_t tstp;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &ours);
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	raise(SIGTSTP);
	pthread_sigmask(SIG_UNBLOCK, &tstp, NULL);
	pthread_sigmask(SIG_BLOCK, &tstp, NULL);
	sigaction(SIGTSTP, &ours, NULL);
}

/*
 * Restore terminal settings with SIGTTOU blocked.  After Ctrl-Z in a job of
 * several processes the shell may own the terminal already (it took it back
 * when the first of them stopped), and a tcsetattr() from the background
 * would stop us on SIGTTOU before we could stop properly; readline does the
 * same for its own cleanup.
 */
static void
ttou_block(sigset_t *old)
{
	sigset_t ttou;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	pthread_sigmask(SIG_BLOCK, &ttou, old);
}

static void
ttou_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/*
 * After guard_off, with the terminal restored: hand the caller what the
 * prompt caught.  SIGINT ends the prompt ("interrupted", tfa_tty_signal);
 * the others are raised again for the caller's disposition.  Returns rc, or
 * TFA_ELOGIN when a signal ended the prompt.
 */
static int
settle(struct tfa_tty *t, int rc, struct tfa_err *err)
{
	int sig = caught_stop();
	size_t i;

	for (i = 0; i < NGUARDED; i++) {
		if (!caught[i])
			continue;
		caught[i] = 0;
		if (guarded[i] != SIGINT)
			raise(guarded[i]);
	}
	if (!sig)
		return rc;
	t->sig = sig;
	return tfa_err_set(err, TFA_ELOGIN, "interrupted");
}

/*
 * Append s with control characters (C0, DEL, and C1 as UTF-8 or raw bytes)
 * written as '?': an mfa_serial or a profile name from a config file must
 * not move the cursor, recolour the terminal, or carry readline's \001/\002
 * prompt markers.
 */
void
tfa__tty_add_clean(struct tfa_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			tfa_buf_addch(b, '?');
			p++;
		} else if (*p < 0x20 || *p == 0x7f ||
			   (*p >= 0x80 && *p <= 0x9f)) {
			tfa_buf_addch(b, '?');
		} else {
			tfa_buf_addch(b, *p);
		}
	}
}

void
tfa__tty_put(struct tfa_tty *t, const struct tfa_buf *b)
{
	/* A terminal that went away is reported by the next read. */
	if (b->len)
		fwrite(b->ptr, 1, b->len, t->out);
	fflush(t->out);
}

void
tfa__tty_size(const struct tfa_tty *t, int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

int
tfa_tty_open(struct tfa_tty **out, struct tfa_err *err)
{
	struct tfa_tty *t;
	FILE *in = NULL, *o = NULL;
	int fd, fd2 = -1, rc = 0;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = tfa_err_set(err, TFA_ELOGIN,
				 "no terminal to ask on: cannot open "
				 "'/dev/tty' (%s)", strerror(errno));
		tfa_err_hint(err, "run it in a terminal, or give the input "
				  "another way (--mfa-code or TFAUTH_MFA_CODE "
				  "for an MFA code)");
		goto out;
	}
	fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (fd2 < 0 || !(in = fdopen(fd, "r")) || !(o = fdopen(fd2, "w"))) {
		int e = errno;

		rc = tfa_err_set(err, TFA_EIO, "cannot use '/dev/tty': %s",
				 strerror(e));
		err->sys_errno = e;
		goto out;
	}
	t = tfa_xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->in = in;
	t->out = o;
	*out = t;
out:
	if (rc < 0) {
		if (in)
			fclose(in);
		else if (fd >= 0)
			close(fd);
		if (fd2 >= 0)
			close(fd2);
	}
	return rc;
}

void
tfa_tty_close(struct tfa_tty *t)
{
	if (!t)
		return;
	fclose(t->out);
	fclose(t->in);
	free(t);
}

int
tfa_tty_signal(const struct tfa_tty *t)
{
	return t ? t->sig : 0;
}

void
tfa_tty_say(struct tfa_tty *t, const char *fmt, ...)
{
	struct tfa_buf raw = TFA_BUF_INIT, clean = TFA_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	tfa_buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	tfa__tty_add_clean(&clean, raw.ptr);
	tfa_buf_addch(&clean, '\n');
	tfa__tty_put(t, &clean);
	tfa_buf_dispose(&raw);
	tfa_buf_dispose(&clean);
}

/* Six ASCII digits, with the blanks around them (if trim) dropped. */
static int
parse_code(char out[7], const char *s, int trim)
{
	size_t len, i;

	if (trim)
		while (*s == ' ' || *s == '\t')
			s++;
	len = strlen(s);
	if (trim)
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
	if (len != 6)
		return -1;
	for (i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(out, s, 6);
	out[6] = '\0';
	return 0;
}

int
tfa_tty_check_code(const char *code, struct tfa_err *err)
{
	char digits[7];

	if (!code || parse_code(digits, code, 0) < 0) {
		tfa_err_set(err, TFA_EUSAGE,
			    "TFAUTH_MFA_CODE must be six digits");
		tfa_err_hint(err, "give the six digits your MFA device shows "
				  "now, in TFAUTH_MFA_CODE or with --mfa-code");
		return TFA_EUSAGE;
	}
	return 0;
}

/*
 * Readline.  Its settings are globals: rl_enter saves the ones a prompt
 * changes and rl_leave puts them back, history included (the prompt runs
 * with an empty one, so Up cannot recall another prompt's lines and no code
 * is added to the caller's).
 */
struct rl_saved {
	FILE *in, *out;
	rl_getc_func_t *getc;
	rl_completion_func_t *attempted;
	rl_compentry_func_t *entry;
	rl_compdisp_func_t *display;
	const char *breaks;
	const char *name;
	int catch_signals, change_environment;
	HISTORY_STATE *history;
};

/* The prompt in progress: readline's hooks take no argument for it. */
static struct {
	const struct guard *guard;
	struct tfa_tty *t;
	const struct tfa__tty_complete *complete;
} rl_cur;

static char *
no_completion(const char *text, int state)
{
	return NULL;
}

static char **
no_completions(const char *text, int start, int end)
{
	/* No fallback to filename completion either. */
	rl_attempted_completion_over = 1;
	return NULL;
}

static char **
complete_line(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1; /* never file names */
	/* Readline resets this before every completion. */
	rl_completion_append_character = '\0';
	return rl_completion_matches(text, rl_cur.complete->generator);
}

/* Readline's rl_completion_display_matches_hook. */
static void
show_matches(char **matches, int num, int max_length)
{
	rl_cur.complete->display(rl_cur.t, matches, num, max_length);
	rl_forced_update_display();
}

/*
 * Readline's rl_getc_function: a key from the terminal, waiting with our
 * signals deliverable.  A signal that ends the prompt returns READERR, which
 * makes readline return NULL at once even on a non-empty line (EOF would be
 * taken as ^D there).
 */
static int
tty_getc(FILE *f)
{
	int fd = fileno(f), stop = RL_ISSTATE(RL_STATE_READCMD) ? READERR : EOF;
	unsigned char c;
	sigset_t old;
	ssize_t n;

	for (;;) {
		switch (wait_input(fd, rl_cur.guard)) {
		case WAIT_READY:
			break;
		case WAIT_AGAIN:
			/* readline's SIGWINCH handler only notes the signal. */
			if (rl_pending_signal())
				rl_check_signals();
			continue;
		case WAIT_SUSPEND:
			ttou_block(&old);
			rl_cleanup_after_signal();
			ttou_restore(&old);
			stop_self();
			rl_reset_after_signal();
			rl_forced_update_display();
			continue;
		case WAIT_SIGNAL:
			/*
			 * Ctrl-C reached the whole job: the shell may take
			 * the terminal back before readline's cleanup and
			 * ours run.  guard_off unblocks SIGTTOU again.
			 */
			ttou_block(&old);
			return stop;
		case WAIT_ERROR:
			return stop;
		}
		n = read(fd, &c, 1);
		if (n == 1)
			return c;
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			return stop;
	}
}

static void
rl_enter(struct rl_saved *s, struct tfa_tty *t, const struct guard *g,
	 const struct tfa__tty_complete *complete)
{
	HISTORY_STATE empty;

	s->in = rl_instream;
	s->out = rl_outstream;
	s->getc = rl_getc_function;
	s->attempted = rl_attempted_completion_function;
	s->entry = rl_completion_entry_function;
	s->display = rl_completion_display_matches_hook;
	s->breaks = rl_completer_word_break_characters;
	s->name = rl_readline_name;
	s->catch_signals = rl_catch_signals;
	s->change_environment = rl_change_environment;
	s->history = history_get_history_state();
	memset(&empty, 0, sizeof(empty));
	history_set_history_state(&empty);

	rl_instream = t->in;
	rl_outstream = t->out;
	rl_getc_function = tty_getc;
	rl_attempted_completion_function =
		complete ? complete_line : no_completions;
	rl_completion_entry_function = no_completion;
	rl_completion_display_matches_hook =
		complete && complete->display ? show_matches : NULL;
	/* The whole line is the word: names hold '@', ':', '/', '='. */
	rl_completer_word_break_characters = "";
	rl_readline_name = "tfauth";
	rl_catch_signals = 0;
	/* Readline would export LINES and COLUMNS behind the context's back. */
	rl_change_environment = 0;
	rl_cur.guard = g;
	rl_cur.t = t;
	rl_cur.complete = complete;
}

static void
rl_leave(struct rl_saved *s)
{
	rl_instream = s->in;
	rl_outstream = s->out;
	rl_getc_function = s->getc;
	rl_attempted_completion_function = s->attempted;
	rl_completion_entry_function = s->entry;
	rl_completion_display_matches_hook = s->display;
	rl_completer_word_break_characters = s->breaks;
	rl_readline_name = s->name;
	rl_catch_signals = s->catch_signals;
	rl_change_environment = s->change_environment;
	history_set_history_state(s->history);
	free(s->history);
	memset(&rl_cur, 0, sizeof(rl_cur));
}

/*
 * A readline prompt on t: prompt_begin saves the terminal's settings, takes
 * the signals and sets readline up; prompt_line reads lines (one or more);
 * prompt_end puts everything back and settles what was caught.
 */
struct prompt {
	struct rl_saved saved;
	struct termios tio;
	int have_tio;
	struct guard g;
};

static void
prompt_begin(struct prompt *pr, struct tfa_tty *t,
	     const struct tfa__tty_complete *complete)
{
	t->sig = 0;
	pr->have_tio = tcgetattr(t->fd, &pr->tio) == 0;
	guard_on(&pr->g);
	rl_enter(&pr->saved, t, &pr->g, complete);
}

/*
 * One line (wipe and free it with tfa_secret_free), or NULL at end of input
 * or on a signal; then a newline ends the prompt's line for what follows.
 */
static char *
prompt_line(struct tfa_tty *t, const char *prompt)
{
	char *line = readline(prompt);

	/* readline keeps its own copy of the line in rl_line_buffer. */
	if (rl_line_buffer)
		tfa_wipe(rl_line_buffer, strlen(rl_line_buffer));
	if (!line) {
		fputc('\n', t->out);
		fflush(t->out);
	}
	return line;
}

static int
prompt_end(struct prompt *pr, struct tfa_tty *t, int rc, struct tfa_err *err)
{
	rl_leave(&pr->saved);
	if (pr->have_tio)
		tcsetattr(t->fd, TCSANOW, &pr->tio);
	/* The caller's mask again: SIGTTOU too, if tty_getc blocked it. */
	guard_off(&pr->g);
	return settle(t, rc, err);
}

int
tfa_tty_mfa_code(char out[7], struct tfa_tty *t, const char *serial,
		 int tries, struct tfa_err *err)
{
	struct tfa_buf prompt = TFA_BUF_INIT;
	struct prompt pr;
	char code[7], *line;
	int rc = 0, i, got = 0;

	tfa_buf_adds(&prompt, "Enter MFA code");
	if (serial && *serial) {
		tfa_buf_adds(&prompt, " for ");
		tfa__tty_add_clean(&prompt, serial);
	}
	tfa_buf_adds(&prompt, ": ");
	prompt_begin(&pr, t, NULL);
	for (i = 0; i < (tries < 1 ? 1 : tries) && !got; i++) {
		if (!(line = prompt_line(t, prompt.ptr))) {
			rc = tfa_err_set(err, TFA_ELOGIN,
					 "no MFA code entered");
			break;
		}
		got = parse_code(code, line, 1) == 0;
		tfa_secret_free(line);
		if (!got)
			tfa_tty_say(t, "the code is six digits");
	}
	rc = prompt_end(&pr, t, rc, err);
	if (rc < 0)
		goto out;
	if (!got) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "no valid MFA code after %d %s", i,
				 i == 1 ? "try" : "tries");
		tfa_err_hint(err, "the code is the six digits your MFA device "
				  "shows now");
		goto out;
	}
	memcpy(out, code, sizeof(code));
out:
	tfa_wipe(code, sizeof(code));
	tfa_buf_dispose(&prompt);
	return rc;
}

/* s without the blanks at both ends, as a new string. */
static char *
trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return tfa_xstrndup(s, n);
}

int
tfa__tty_ask(char **out, struct tfa_tty *t, const char *prompt,
	     const struct tfa__tty_complete *complete, struct tfa_err *err)
{
	struct tfa_buf clean = TFA_BUF_INIT;
	struct prompt pr;
	char *line, *res;
	int rc;

	tfa__tty_add_clean(&clean, prompt);
	prompt_begin(&pr, t, complete);
	if ((line = prompt_line(t, clean.ptr))) {
		res = trimmed(line);
		tfa_secret_free(line);
	} else {
		res = tfa_xstrdup("");
	}
	rc = prompt_end(&pr, t, 0, err);
	if (rc < 0)
		tfa_secret_free(res);
	else
		*out = res;
	tfa_buf_dispose(&clean);
	return rc;
}

int
tfa_tty_ask(char **out, struct tfa_tty *t, const char *prompt,
	    struct tfa_err *err)
{
	return tfa__tty_ask(out, t, prompt, NULL, err);
}

/* secret_once asks again after a Ctrl-Z. */
#define SECRET_RESTART 1

/*
 * One try at a secret line, echo off.  The terminal's settings are restored
 * before this returns, whatever happened.
 */
static int
secret_once(struct tfa_buf *line, struct tfa_tty *t, const char *prompt,
	    const struct guard *g, struct tfa_err *err)
{
	struct tfa_buf text = TFA_BUF_INIT;
	struct termios saved, quiet;
	unsigned char c = 0;
	int rc = 0, quiet_set = 0, toobig = 0, done = 0;
	sigset_t old;
	ssize_t n;

	if (tcgetattr(t->fd, &saved) < 0) {
		rc = tfa_err_set(err, TFA_EIO, "cannot read the settings of "
				 "'/dev/tty': %s", strerror(errno));
		goto out;
	}
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	/* The line discipline edits (Backspace, Ctrl-U) without echoing. */
	quiet.c_lflag |= ICANON;
	/*
	 * Echo off before the prompt shows, so nothing typed after it can
	 * echo; TCSAFLUSH drops what was typed ahead, under echo.
	 */
	if (tcsetattr(t->fd, TCSAFLUSH, &quiet) < 0) {
		rc = tfa_err_set(err, TFA_EIO, "cannot turn echo off on "
				 "'/dev/tty': %s", strerror(errno));
		goto out;
	}
	quiet_set = 1;
	tfa__tty_add_clean(&text, prompt);
	tfa__tty_put(t, &text);
	while (!done && rc == 0) {
		switch (wait_input(t->fd, g)) {
		case WAIT_READY:
			break;
		case WAIT_AGAIN:
			continue;
		case WAIT_SUSPEND:
			rc = SECRET_RESTART;
			continue;
		case WAIT_SIGNAL:
			rc = tfa_err_set(err, TFA_ELOGIN, "interrupted");
			continue;
		case WAIT_ERROR:
			rc = tfa_err_set(err, TFA_EIO, "cannot wait for "
					 "'/dev/tty': %s", strerror(errno));
			continue;
		}
		n = read(t->fd, &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			rc = tfa_err_set(err, TFA_EIO,
					 "cannot read '/dev/tty': %s",
					 strerror(errno));
		} else if (n == 0) {
			/* Ctrl-D: on an empty line it is the end. */
			if (line->len == 0 && !toobig)
				rc = tfa_err_set(err, TFA_ELOGIN,
						 "nothing entered");
			done = 1;
		} else if (c == '\n' || c == '\r') {
			done = 1;
		} else if (!toobig && tfa_buf_addch(line, c) < 0) {
			toobig = 1;   /* read on to the newline, then refuse */
		}
	}
	if (rc == 0 && toobig)
		rc = tfa_err_set(err, TFA_ETOOBIG, "the input is longer than "
				 "%d bytes", SECRET_MAX);
out:
	if (quiet_set) {
		ttou_block(&old);
		tcsetattr(t->fd, TCSANOW, &saved);
		ttou_restore(&old);
		/* The user's Enter was not echoed. */
		tfa_buf_reset(&text);
		tfa_buf_addch(&text, '\n');
		tfa__tty_put(t, &text);
	}
	tfa_wipe(&c, sizeof(c));
	tfa_buf_dispose(&text);
	if (rc == SECRET_RESTART)
		stop_self();
	return rc;
}

int
tfa_tty_read_secret(struct tfa_buf *out, struct tfa_tty *t,
		    const char *prompt, struct tfa_err *err)
{
	struct tfa_buf line;
	struct guard g;
	int rc;

	t->sig = 0;
	tfa_buf_init_secret(&line, SECRET_MAX);
	if (!out->secret) {
		rc = tfa_err_set(err, TFA_EUSAGE, "a secret is read into a "
				 "secret buffer (tfa_buf_init_secret)");
		goto out;
	}
	guard_on(&g);
	while ((rc = secret_once(&line, t, prompt, &g, err)) == SECRET_RESTART)
		tfa_buf_reset(&line);
	guard_off(&g);
	rc = settle(t, rc, err);
	if (rc < 0)
		goto out;
	if ((rc = tfa_buf_add(out, line.ptr, line.len)) < 0)
		tfa_err_set(err, rc, "the input does not fit in its buffer");
out:
	tfa_buf_dispose(&line);
	return rc;
}
