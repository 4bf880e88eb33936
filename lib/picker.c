/* picker — see picker.h. */
#include "picker.h"

#include "buf.h"

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

struct tfa_picker {
	int fd;       /* /dev/tty, owned by in */
	FILE *in;     /* rl_instream */
	FILE *out;    /* rl_outstream and every message; a dup of fd */
	int sig;      /* the signal that ended the last call, else 0 */
	int introduced; /* the list or the count was shown */
};

/*
 * Signals, as in tty.c: the handler only records; they are blocked except
 * inside ppoll() while waiting for a key, so none is lost between a check
 * and a blocking read.
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
	WAIT_READY,
	WAIT_AGAIN,    /* a signal that is not ours ended the wait */
	WAIT_SUSPEND,  /* Ctrl-Z */
	WAIT_SIGNAL,   /* SIGINT, SIGTERM, SIGHUP or SIGQUIT */
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
	if (ppoll(&p, 1, NULL, &g->oldmask) > 0)
		return WAIT_READY;
	return errno == EINTR ? WAIT_AGAIN : WAIT_ERROR;
}

/* Stop for a Ctrl-Z as the default action would; returns after SIGCONT. */
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

/* Terminal restores never stop us on SIGTTOU (see tty.c). */
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

/* After guard_off: SIGINT ends the call, the others are raised again. */
static int
settle(struct tfa_picker *p, int rc, struct tfa_err *err)
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
	p->sig = sig;
	return tfa_err_set(err, TFA_ELOGIN, "interrupted");
}

/* Append s with control characters (C0, DEL, C1) as '?'. */
static void
add_clean(struct tfa_buf *b, const char *s)
{
	const unsigned char *q = (const unsigned char *)s;

	for (; *q; q++) {
		if (*q == 0xc2 && q[1] >= 0x80 && q[1] <= 0x9f) {
			tfa_buf_addch(b, '?');
			q++;
		} else if (*q < 0x20 || *q == 0x7f || (*q >= 0x80 && *q <= 0x9f)) {
			tfa_buf_addch(b, '?');
		} else {
			tfa_buf_addch(b, *q);
		}
	}
}

static void
put(struct tfa_picker *p, const struct tfa_buf *b)
{
	if (b->len)
		fwrite(b->ptr, 1, b->len, p->out);
	fflush(p->out);
}

int
tfa_picker_open(struct tfa_picker **out, struct tfa_err *err)
{
	struct tfa_picker *p;
	FILE *in = NULL, *o = NULL;
	int fd, fd2 = -1, rc = 0;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = tfa_err_set(err, TFA_ELOGIN, "no terminal to ask on: cannot "
				 "open '/dev/tty' (%s)", strerror(errno));
		tfa_err_hint(err, "run it in a terminal");
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
	p = tfa_xcalloc(1, sizeof(*p));
	p->fd = fd;
	p->in = in;
	p->out = o;
	*out = p;
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
tfa_picker_close(struct tfa_picker *p)
{
	if (!p)
		return;
	fclose(p->out);
	fclose(p->in);
	free(p);
}

int
tfa_picker_signal(const struct tfa_picker *p)
{
	return p ? p->sig : 0;
}

void
tfa_picker_say(struct tfa_picker *p, const char *fmt, ...)
{
	struct tfa_buf raw = TFA_BUF_INIT, clean = TFA_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	tfa_buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	add_clean(&clean, raw.ptr);
	tfa_buf_addch(&clean, '\n');
	put(p, &clean);
	tfa_buf_dispose(&raw);
	tfa_buf_dispose(&clean);
}

/* ---------------------------------------------------------- readline */

/* The call in progress: readline's hooks take no argument for it. */
static struct {
	const struct guard *guard;
	struct tfa_picker *p;
	const struct tfa_picker_item *items;
	size_t n;
	int hints;
	size_t next;  /* the completion generator's position */
} cur;

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

static char *
no_completion(const char *text, int state)
{
	return NULL;
}

static char **
no_completions(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	return NULL;
}

/* The first item whose name is >= s (items are sorted). */
static size_t
lower_bound(const char *s)
{
	size_t lo = 0, hi = cur.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(cur.items[mid].name, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static char *
name_generator(const char *text, int state)
{
	size_t len = strlen(text);
	const char *name;

	if (state == 0)
		cur.next = lower_bound(text);
	if (cur.next >= cur.n)
		return NULL;
	name = cur.items[cur.next].name;
	if (strncmp(name, text, len) != 0)
		return NULL;
	cur.next++;
	return tfa_xstrdup(name);
}

static char **
complete_names(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1; /* never file names */
	rl_completion_append_character = '\0';
	return rl_completion_matches(text, name_generator);
}

static const struct tfa_picker_item *
find_item(const char *name)
{
	size_t i = lower_bound(name);

	return i < cur.n && strcmp(cur.items[i].name, name) == 0 ?
		&cur.items[i] : NULL;
}

static void
screen_size(const struct tfa_picker *p, int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* "* name   hint" lines for items[0..n) (or the matches), aligned. */
static void
add_row(struct tfa_buf *b, const struct tfa_picker_item *it, const char *name,
	size_t width)
{
	size_t len;

	tfa_buf_adds(b, it && it->current ? "* " : "  ");
	len = b->len;
	add_clean(b, name);
	len = b->len - len;
	if (it && it->hint && *it->hint) {
		while (len++ < width + 2)
			tfa_buf_addch(b, ' ');
		add_clean(b, it->hint);
	}
	tfa_buf_addch(b, '\n');
}

/*
 * Readline's rl_completion_display_matches_hook: the matches with their
 * hints, at most a screenful.  matches[0] is the common prefix.
 */
static void
show_matches(char **matches, int num, int max_length)
{
	struct tfa_buf b = TFA_BUF_INIT;
	int rows, cols, room, i;

	screen_size(cur.p, &rows, &cols);
	room = rows > 4 ? rows - 3 : 1;
	tfa_buf_addch(&b, '\n');
	for (i = 1; i <= num && i <= room; i++)
		add_row(&b, find_item(matches[i]), matches[i], (size_t)max_length);
	if (num > room)
		tfa_buf_addf(&b, "... and %d more: type more of the name\n",
			     num - room);
	put(cur.p, &b);
	tfa_buf_dispose(&b);
	rl_forced_update_display();
}

/* Readline's rl_getc_function: tty.c's tty_getc. */
static int
picker_getc(FILE *f)
{
	int fd = fileno(f), stop = RL_ISSTATE(RL_STATE_READCMD) ? READERR : EOF;
	unsigned char c;
	sigset_t old;
	ssize_t n;

	for (;;) {
		switch (wait_input(fd, cur.guard)) {
		case WAIT_READY:
			break;
		case WAIT_AGAIN:
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
			/* guard_off unblocks SIGTTOU again. */
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
rl_enter(struct rl_saved *s, struct tfa_picker *p, const struct guard *g,
	 int complete)
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

	rl_instream = p->in;
	rl_outstream = p->out;
	rl_getc_function = picker_getc;
	rl_attempted_completion_function = complete ? complete_names : no_completions;
	rl_completion_entry_function = no_completion;
	rl_completion_display_matches_hook = complete && cur.hints ? show_matches : NULL;
	/* The whole line is the word: names hold '@', ':', '/', '='. */
	rl_completer_word_break_characters = "";
	rl_readline_name = "tfauth";
	rl_catch_signals = 0;
	rl_change_environment = 0;
	cur.guard = g;
	cur.p = p;
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
	memset(&cur, 0, sizeof(cur));
}

/* Trim blanks at both ends: a new string. */
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

/* One readline call on p with the hooks set for complete (or not). */
static int
read_one(char **out, struct tfa_picker *p, const char *prompt, int complete,
	 struct tfa_err *err)
{
	struct tfa_buf clean = TFA_BUF_INIT, nl = TFA_BUF_INIT;
	struct rl_saved saved;
	struct termios tio;
	struct guard g;
	char *line, *res = NULL;
	int rc = 0, have_tio;

	p->sig = 0;
	add_clean(&clean, prompt);
	tfa_buf_addch(&nl, '\n');
	have_tio = tcgetattr(p->fd, &tio) == 0;
	guard_on(&g);
	rl_enter(&saved, p, &g, complete);
	line = readline(clean.ptr);
	if (rl_line_buffer)
		tfa_wipe(rl_line_buffer, strlen(rl_line_buffer));
	if (line) {
		res = trimmed(line);
		tfa_secret_free(line);
	} else {
		/* End of input: end the prompt's line. */
		put(p, &nl);
		res = tfa_xstrdup("");
	}
	rl_leave(&saved);
	if (have_tio)
		tcsetattr(p->fd, TCSANOW, &tio);
	guard_off(&g);
	rc = settle(p, rc, err);
	if (rc < 0) {
		tfa_secret_free(res);
		goto out;
	}
	*out = res;
out:
	tfa_buf_dispose(&clean);
	tfa_buf_dispose(&nl);
	return rc;
}

static void
intro(struct tfa_picker *p, const struct tfa_picker_item *items, size_t n,
      unsigned flags)
{
	struct tfa_buf b = TFA_BUF_INIT;
	size_t i, w = 0;
	int rows, cols;

	screen_size(p, &rows, &cols);
	if ((flags & TFA_PICKER_LIST) && n <= TFA_PICKER_LIST_MAX &&
	    (int)n + 3 <= rows) {
		for (i = 0; i < n; i++)
			if (strlen(items[i].name) > w)
				w = strlen(items[i].name);
		for (i = 0; i < n; i++)
			add_row(&b, &items[i], items[i].name, w);
	} else {
		tfa_buf_addf(&b, "%zu %s: type the start of a name and press Tab "
			     "(Tab twice lists the matches)\n", n,
			     n == 1 ? "name" : "names");
	}
	put(p, &b);
	tfa_buf_dispose(&b);
}

int
tfa_picker_choose(char **out, struct tfa_picker *p, const char *prompt,
		  const struct tfa_picker_item *items, size_t n,
		  unsigned flags, struct tfa_err *err)
{
	size_t i;

	if (!p->introduced)
		intro(p, items, n, flags);
	p->introduced = 1;
	memset(&cur, 0, sizeof(cur));
	cur.items = items;
	cur.n = n;
	for (i = 0; i < n && !cur.hints; i++)
		cur.hints = items[i].hint != NULL;
	return read_one(out, p, prompt, 1, err);
}

int
tfa_picker_ask(char **out, struct tfa_picker *p, const char *prompt,
	       struct tfa_err *err)
{
	memset(&cur, 0, sizeof(cur));
	return read_one(out, p, prompt, 0, err);
}
