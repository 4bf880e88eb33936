/*
 * picker — choose a name on the user's terminal with GNU readline and tab
 * completion (tfauth-profile pick).
 *
 * It asks on a terminal opened with tfa_tty_open and is built on lib/tty's
 * readline prompt (tty_priv.h), so it keeps lib/tty's promises (tty.h):
 * nothing is written but to the terminal, where names and hints from config
 * files are written with control characters as '?'; the terminal's,
 * readline's (completion functions and word breaks included) and the
 * caller's signal settings are as they were when a call returns, on every
 * path; Ctrl-C ends the call with TFA_ELOGIN "interrupted" and
 * tfa_tty_signal() says SIGINT, so that the tool exits 130; Ctrl-Z stops
 * and, after `fg`, draws the prompt again with what was typed.  Like every
 * prompt, one at a time, from one thread.
 */
#ifndef TFA_PICKER_H
#define TFA_PICKER_H

#include <stddef.h>

#include "err.h"
#include "tty.h"

struct tfa_picker_item {
	const char *name;     /* what Tab completes and the call returns */
	const char *hint;     /* shown after the name in lists, or NULL */
	unsigned current : 1; /* marked '*' in lists */
};

/* Flags of tfa_picker_choose. */
#define TFA_PICKER_LIST 1u  /* list the items above the prompt when they fit */
#define TFA_PICKER_AGAIN 2u /* asking again: no list, no count line */

/* The most items listed above the prompt (fewer on a short terminal). */
#define TFA_PICKER_LIST_MAX 20

/*
 * Ask on t for one of items (n of them, sorted by name in byte order, as
 * tfa_config_profile_at gives them) with prompt.  Tab completes a name from
 * what is typed (the whole line is the word: names may hold '@', ':', '/');
 * a unique completion adds no blank.  Listing the matches (Tab twice) shows
 * each with its hint when the items have hints; at most a screenful, then
 * how many more.  Unless TFA_PICKER_AGAIN, the question is introduced: with
 * TFA_PICKER_LIST and at most TFA_PICKER_LIST_MAX items (and room on the
 * terminal) the items are listed above the prompt; otherwise one line says
 * how many there are and that Tab completes.
 *
 * *out gets the line typed, blanks at both ends removed, as a new string
 * (free()): possibly "" (an empty line, or Ctrl-D).  Whether it names an
 * item is the caller's question, so that it can say "did you mean"
 * (tfa_tty_say) and ask again with TFA_PICKER_AGAIN.  Errors: TFA_ELOGIN
 * "interrupted" (see tfa_tty_signal).
 */
int tfa_picker_choose(char **out, struct tfa_tty *t, const char *prompt,
		      const struct tfa_picker_item *items, size_t n,
		      unsigned flags, struct tfa_err *err);

#endif
