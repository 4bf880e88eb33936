/*
 * picker — choose a name on the user's terminal with GNU readline and tab
 * completion (tfauth-profile pick), and read one plain, echoed line (the
 * access key id of tfauth-profile set-keys).
 *
 * Like lib/tty, this talks only to /dev/tty (readline's input and output
 * both), so that stdout stays for the one thing the tool prints, and it
 * works when stdin and stdout are pipes (`tfp` runs it in "$(...)").  It
 * keeps lib/tty's promises (tty.h), for the same reasons and with the same
 * code shape:
 *
 *   - Nothing is written but to the terminal it opened; names and hints
 *     from config files are written with control characters as '?'.
 *   - The terminal's settings, readline's settings (streams, completion
 *     functions, word breaks, history, signal handling) and the caller's
 *     signal dispositions and mask are as they were when a call returns, on
 *     every path: Enter, end of input, Ctrl-C, SIGTERM/SIGHUP/SIGQUIT,
 *     Ctrl-Z.
 *   - Ctrl-C ends the call with TFA_ELOGIN "interrupted" and
 *     tfa_picker_signal() says SIGINT, so that the tool exits 130.  SIGTERM,
 *     SIGHUP and SIGQUIT are raised again once the terminal is restored,
 *     with the caller's disposition.  Ctrl-Z restores the terminal and
 *     stops; after `fg` the prompt is drawn again with what was typed.
 *
 * (lib/tty keeps its readline set-up private; this module has its own copy
 * of the signal guard rather than reaching into tty.c.  One prompt at a
 * time, from one thread: readline's state is process-wide.)
 */
#ifndef TFA_PICKER_H
#define TFA_PICKER_H

#include <stddef.h>

#include "err.h"

struct tfa_picker;

struct tfa_picker_item {
	const char *name;     /* what Tab completes and the call returns */
	const char *hint;     /* shown after the name in lists, or NULL */
	unsigned current : 1; /* marked '*' in lists */
};

/* Flags of tfa_picker_choose. */
#define TFA_PICKER_LIST 1u /* list the items above the prompt when they fit */

/* The most items listed above the prompt (fewer on a short terminal). */
#define TFA_PICKER_LIST_MAX 20

/*
 * Open /dev/tty (O_RDWR, O_CLOEXEC, O_NOCTTY).  No controlling terminal is
 * TFA_ELOGIN "no terminal to ask on" with a hint the caller may replace.
 * *out is set only on success; close with tfa_picker_close().
 */
int tfa_picker_open(struct tfa_picker **out, struct tfa_err *err);
void tfa_picker_close(struct tfa_picker *p);

/*
 * Ask for one of items (n of them, sorted by name in byte order, as
 * tfa_config_profile_at gives them) with prompt.  Tab completes a name from
 * what is typed (the whole line is the word: names may hold '@', ':', '/');
 * a unique completion adds no blank.  Listing the matches (Tab twice) shows
 * each with its hint when the items have hints; at most a screenful, then
 * how many more.  With TFA_PICKER_LIST and at most TFA_PICKER_LIST_MAX items
 * (and room on the terminal) the items are listed above the first prompt;
 * otherwise one line says how many there are and that Tab completes.
 *
 * *out gets the line typed, blanks at both ends removed, as a new string
 * (free()): possibly "" (an empty line, or Ctrl-D).  Whether it names an
 * item is the caller's question, so that it can say "did you mean" and ask
 * again with the same picker.  Errors: TFA_ELOGIN "interrupted" (see
 * tfa_picker_signal), TFA_EIO when the terminal fails.
 */
int tfa_picker_choose(char **out, struct tfa_picker *p, const char *prompt,
		      const struct tfa_picker_item *items, size_t n,
		      unsigned flags, struct tfa_err *err);

/*
 * Read one plain line with readline (echoed, editable; Tab does nothing),
 * for input that is not a secret.  *out as for tfa_picker_choose; the typed
 * text is wiped from readline's buffers before they are freed, because a
 * user may paste a secret in the wrong place.
 */
int tfa_picker_ask(char **out, struct tfa_picker *p, const char *prompt,
		   struct tfa_err *err);

/* Write one line on the terminal; control characters as '?'. */
void tfa_picker_say(struct tfa_picker *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The signal that ended the last call on p (SIGINT for Ctrl-C), or 0. */
int tfa_picker_signal(const struct tfa_picker *p);

#endif
