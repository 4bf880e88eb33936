/*
 * process — run a profile's credential_process, the way Terraform does.
 *
 * go-v2 runs the command with `sh -c` (aws-reference.md §2.6), and so do we:
 * `/bin/sh -c COMMAND`, so pipes, quotes and $VARS work as they do for
 * Terraform (botocore splits the words itself and runs no shell).  The
 * child gets:
 *   - the environment of ctx's snapshot (ctx->env), not the real one;
 *   - the caller's stdin and stderr, so a prompt (an MFA code) reaches the
 *     user and the process's own error messages are printed as it runs;
 *   - a pipe as stdout, read as JSON:
 *       {"Version": 1, "AccessKeyId", "SecretAccessKey",
 *        "SessionToken"?, "Expiration"? (RFC 3339), "AccountId"?}
 *     at most TFA_PROCESS_OUTPUT_MAX bytes;
 *   - no other descriptor of ours (they are close-on-exec), default
 *     handlers for every signal it is not told to ignore (SIGPIPE always
 *     default), an empty signal mask;
 *   - a process group of its own, so that stopping it reaches everything
 *     it started.  When we are the foreground job of a terminal, the
 *     terminal's foreground goes to the child's group while it runs and
 *     comes back after (as a shell does for its jobs): without that, a
 *     process reading a prompt from the terminal would be stopped by
 *     SIGTTIN, and Ctrl-C reaches the process, not us.
 *
 * Timeout: TFAUTH_PROCESS_TIMEOUT seconds from ctx (1 to 3600; unset or
 * empty: TFA_PROCESS_TIMEOUT, go-v2's one minute).  Past it the group gets
 * SIGTERM (and SIGCONT, for a member stopped at a prompt), and whatever
 * of it still runs after TFA_PROCESS_KILL_GRACE_MS gets SIGKILL.  The
 * monotonic clock measures it, not ctx's clock (a test's fixed clock would
 * never time out).
 *
 * The output is complete at end of file on stdout.  A process that starts
 * something in the background which keeps stdout open (`daemon & echo
 * {...}`) would make go-v2 and botocore wait for that background job; we
 * read on for TFA_PROCESS_LEFTOVER_MS after the command itself exits,
 * then use what it printed and leave the background job alone (it is the
 * user's; it gets SIGPIPE if it writes again).
 *
 * Whatever happens, the child is reaped before the call returns: no
 * zombie is left.  The caller must not ignore SIGCHLD (SIG_IGN or
 * SA_NOCLDWAIT): the kernel would reap the child itself, and its exit
 * could not be told from a running child's.
 *
 * Parsing follows go-v2's encoding/json: keys match their field in any
 * case ("accessKeyId" works; botocore would say it is missing), the last
 * key for a field wins, a null value leaves the field as it was, unknown
 * keys are ignored, a string field given another type fails the parse, an
 * empty AccessKeyId or SecretAccessKey is missing, an empty SessionToken or
 * AccountId is none, and Version must be the integer 1 (1.0 and "1" are
 * not).  Stricter than
 * go-v2: invalid UTF-8, "\u0000" in a string and numbers beyond a double
 * fail the parse (go-v2 replaces the first, keeps the second, skips the
 * third in unknown keys).  Expiration also accepts the "UTC" suffix and
 * other spellings tfa_time_parse takes.  An Expiration in the past is
 * returned as it is: deciding that credentials are stale is the caller's
 * job.
 *
 * Errors name the profile and say what was wrong, in go-v2's words where
 * it has some ("wrong version in process output (not 1)", "missing
 * AccessKeyId in process output", "parse failed of process output: ..."),
 * with a hint.  The output is never quoted (it holds secrets), nor is the
 * command (it may hold a password in an argument), nor what the process
 * wrote to stderr (the user has seen it already).
 *
 * Secrets: the output is read into a secret tfa_buf; JSON parsing makes
 * jansson wipe the memory it frees (see tfa_process_parse).
 */
#ifndef TFA_PROCESS_H
#define TFA_PROCESS_H

#include <stddef.h>

#include "creds.h"
#include "ctx.h"
#include "err.h"

#define TFA_PROCESS_TIMEOUT 60          /* seconds, when unset */
#define TFA_PROCESS_TIMEOUT_MAX 3600
#define TFA_PROCESS_OUTPUT_MAX ((size_t)1 << 20)
#define TFA_PROCESS_KILL_GRACE_MS 1000  /* SIGTERM, then SIGKILL */
#define TFA_PROCESS_LEFTOVER_MS 250     /* stdout open after the exit */

/*
 * Run COMMAND, the credential_process of PROFILE (PROFILE names it in
 * messages; NULL: none), and parse what it prints.
 *
 * On success fills *out (every string owned by out: tfa_creds_dispose
 * wipes and frees them; out's old contents are overwritten, not freed, so
 * pass an initialised or disposed struct) and returns 0.  On error out is
 * untouched and:
 *   TFA_EINVAL  COMMAND is NULL, empty or blank; TFAUTH_PROCESS_TIMEOUT is
 *               not a number from 1 to 3600; the output is not valid
 *               credential JSON (see tfa_process_parse)
 *   TFA_ETOOBIG the output went past TFA_PROCESS_OUTPUT_MAX (the process
 *               group is stopped)
 *   TFA_EIO     the process could not be started (sys_errno set), exited
 *               with a status other than 0 (127: the shell did not find the
 *               command), was killed by a signal, or did not finish in
 *               time (its process group is stopped)
 */
int tfa_process_run(struct tfa_creds *out, const struct tfa_ctx *ctx,
		    const char *command, const char *profile, struct tfa_err *err);

/*
 * Parse credential_process output: the n bytes at json (need not be
 * NUL-terminated).  Same contract for out and PROFILE as tfa_process_run;
 * errors are TFA_EINVAL.  Exposed for tests and fuzzing.
 *
 * jansson copies what it parses, the secret key among it, into memory it
 * frees without wiping.  The first call therefore sets jansson's
 * allocator, once for the whole process, to malloc and a free that wipes
 * the block first (json_set_alloc_funcs).  Blocks from before that stay compatible: they
 * are plain malloc blocks either way.
 */
int tfa_process_parse(struct tfa_creds *out, const char *json, size_t n,
		      const char *profile, struct tfa_err *err);

#endif
