/*
 * tty_priv — lib/tty's terminal layer for other library modules (the
 * picker): a readline prompt with tab completion, and writing on the
 * terminal.  The promises of tty.h hold for every call here: nothing is
 * written but to the terminal, the terminal's, readline's and the signal
 * settings are put back on every path, signals end or suspend the prompt
 * as described there.  cmd/ never includes this.
 */
#ifndef TFA_TTY_PRIV_H
#define TFA_TTY_PRIV_H

#include "buf.h"
#include "err.h"
#include "tty.h"

/*
 * Tab completion for tfa__tty_ask.  The whole line is the word (names may
 * hold '@', ':', '/', '='); a unique completion adds no blank; there is never
 * a fallback to file names.  Readline's hooks take no argument, so what the
 * functions need is the caller's (static) state, set for one call.
 */
struct tfa__tty_complete {
	/*
	 * Readline's generator (rl_compentry_func_t): state 0 starts over
	 * for text, each call returns the next match as a new string
	 * (malloc) or NULL when there are no more.
	 */
	char *(*generator)(const char *text, int state);
	/*
	 * Lists matches[1..num] (matches[0] is their common prefix;
	 * max_length the longest) on t, for Tab twice; the prompt and line
	 * are drawn again after it.  NULL: readline's own listing.
	 */
	void (*display)(struct tfa_tty *t, char **matches, int num,
			int max_length);
};

/*
 * Read one line with readline on t: prompt (control characters as '?'),
 * echoed and editable, no history, Tab completing with complete or doing
 * nothing when complete is NULL.  *out gets the line, blanks at both ends
 * removed, as a new string (free()): "" for an empty line or end of input
 * (Ctrl-D, or the terminal went away; a newline then ends the prompt's
 * line).  Readline's copies of the typed text are wiped before they are
 * freed.  Errors: TFA_ELOGIN "interrupted" on a signal (tfa_tty_signal).
 */
int tfa__tty_ask(char **out, struct tfa_tty *t, const char *prompt,
		 const struct tfa__tty_complete *complete,
		 struct tfa_err *err);

/* Append s to b with control characters (C0, DEL, C1) written as '?'. */
void tfa__tty_add_clean(struct tfa_buf *b, const char *s);

/* Write b on the terminal as it is, and flush. */
void tfa__tty_put(struct tfa_tty *t, const struct tfa_buf *b);

/* The terminal's size; 24 rows of 80 columns when it does not say. */
void tfa__tty_size(const struct tfa_tty *t, int *rows, int *cols);

#endif
