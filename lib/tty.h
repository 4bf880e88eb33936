/*
 * tty — prompts on the user's terminal, never on stdout.
 *
 * A login that needs the user (an MFA code, the keys for set-keys, a profile
 * to pick) talks on /dev/tty, so that stdout stays for what the tool prints (shell code to
 * eval, credential_process JSON) and a prompt works even when stdin and
 * stdout are pipes.  This module promises:
 *
 *   - Nothing is written anywhere but the terminal it opened.  Text that comes
 *     from a config file (an mfa_serial, a profile name) is written with
 *     control characters replaced by '?', so a hostile value cannot drive
 *     the terminal.
 *   - The terminal's settings, readline's settings (streams, completion,
 *     history, signal handling) and the caller's signal dispositions and mask
 *     are as they were when a prompt returns, on every path: a good answer,
 *     end of input, Ctrl-C, SIGTERM/SIGHUP/SIGQUIT, Ctrl-Z.
 *   - Ctrl-C (SIGINT) while reading ends the prompt with TFA_ELOGIN
 *     "interrupted" and tfa_tty_signal() says SIGINT, so the tool exits 130
 *     (128 + the signal) like a shell would.  SIGTERM, SIGHUP and SIGQUIT
 *     are re-raised once the terminal is restored, with the caller's own
 *     disposition (by default they end the process); if the caller survives
 *     them, the prompt returns as for SIGINT.  A signal the caller ignores
 *     (SIG_IGN) stays ignored.  Ctrl-Z restores the terminal and stops;
 *     after `fg` a readline prompt is drawn again with what was typed, and
 *     the secret prompt asks again with echo off (a shell puts its own settings
 *     back while a job is stopped).  Restoring never stops the process on
 *     SIGTTOU when the shell already took the terminal back (Ctrl-Z or
 *     Ctrl-C in a job of several processes, as under terraform).
 *   - Typed input is wiped from every buffer this module or readline's
 *     returned line held before it is freed.
 *
 * Readline and signal handlers are process-wide, so a prompt is not
 * thread-safe: one prompt at a time, from one thread.  (lib/picker builds on
 * this module through tty_priv.h.)
 */
#ifndef TFA_TTY_H
#define TFA_TTY_H

#include "buf.h"
#include "err.h"

/* An open /dev/tty; opaque. */
struct tfa_tty;

/*
 * Open /dev/tty for reading and writing (O_CLOEXEC, O_NOCTTY).  With no
 * controlling terminal (a cron job, setsid, Terraform's credential_process
 * under a daemon) this is TFA_ELOGIN: the caller exits 3 or falls back to
 * --mfa-code, TFAUTH_MFA_CODE or --stdin.  *out is set only on success;
 * close it with tfa_tty_close().
 */
int tfa_tty_open(struct tfa_tty **out, struct tfa_err *err);
/* Close the terminal and free t.  NULL is fine. */
void tfa_tty_close(struct tfa_tty *t);

/*
 * Ask for an MFA code with GNU readline on the terminal: the prompt is
 * "Enter MFA code for SERIAL: " (botocore's wording), with no history, no
 * completion (Tab does nothing) and readline's own signal handling off
 * (this module handles signals as described above).  A line that is exactly
 * six ASCII digits once leading and trailing blanks are trimmed is the code;
 * anything else says "the code is six digits" and asks again, `tries` times
 * in all (at least once).  The digits go to out (NUL-terminated), written
 * only on success.
 *
 * Returns 0; TFA_ELOGIN "no MFA code entered" at end of input (Ctrl-D on an
 * empty line, or the terminal went away); TFA_ELOGIN "interrupted" on a
 * signal (see tfa_tty_signal); TFA_EINVAL when every try was wrong; TFA_EIO
 * when the terminal cannot be read or set up.
 */
int tfa_tty_mfa_code(char out[7], struct tfa_tty *t, const char *serial,
		     int tries, struct tfa_err *err);

/*
 * Read one plain line with readline (echoed, editable; no history, Tab does
 * nothing), for input that is not a secret, such as an access key id.  *out
 * gets the line typed, blanks at both ends removed, as a new string (free()):
 * "" for an empty line or end of input (Ctrl-D).  The typed text is wiped
 * from readline's buffers before they are freed, because a user may paste a
 * secret in the wrong place.  Returns 0, or TFA_ELOGIN "interrupted" on a
 * signal as for tfa_tty_mfa_code.
 */
int tfa_tty_ask(char **out, struct tfa_tty *t, const char *prompt,
		struct tfa_err *err);

/*
 * Read one secret line with echo off (termios on the terminal, not readline,
 * which echoes as it edits): turn echo off, write prompt, read up to a
 * newline, write the newline the user's Enter did not echo.  Whatever was
 * typed before the prompt showed is dropped (it was typed under echo).  The
 * line, without its newline, is appended to out, which must be a secret
 * buffer (tfa_buf_init_secret, else TFA_EUSAGE); lines over 4096 bytes are
 * TFA_ETOOBIG.  Nothing is appended unless the call succeeds.  End of input
 * on an empty line is TFA_ELOGIN "nothing entered"; signals as for
 * tfa_tty_mfa_code.
 */
int tfa_tty_read_secret(struct tfa_buf *out, struct tfa_tty *t,
			const char *prompt, struct tfa_err *err);

/*
 * The signal that interrupted the last prompt on t (SIGINT for Ctrl-C), or 0.
 * A tool exits with 128 + this when it is not 0.
 */
int tfa_tty_signal(const struct tfa_tty *t);

/*
 * Write one line on the terminal, for example "wrong code, try again" after
 * AWS refused a code.  A newline is added; control characters in the result
 * are written as '?'.
 */
void tfa_tty_say(struct tfa_tty *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Check a code given without a prompt (--mfa-code, TFAUTH_MFA_CODE): exactly
 * six ASCII digits, else TFA_EUSAGE "TFAUTH_MFA_CODE must be six digits"
 * (a hint names the option too).  The code itself never goes in the message.
 */
int tfa_tty_check_code(const char *code, struct tfa_err *err);

#endif
