/*
 * keys — replace one profile's static keys in the shared credentials file,
 * safely: the safe replacement for "delete ~/.aws/credentials and run aws
 * configure" (tfauth-profile set-keys).
 *
 * The rewrite (tfa_keys_rewrite) works on text, so it is tested on strings.
 * It reads the file the way lib/config does (go-v2's rules, config.h) and
 * promises:
 *
 *   - Every line outside the profile's sections, and every line inside them
 *     other than the ones named below, is kept byte for byte: other
 *     profiles, comments, blank lines, order, CRLF line ends, a missing
 *     newline at the end of the file.
 *   - In every [PROFILE] section of the file (the name compared exactly,
 *     case-sensitive, as the SDKs do), each aws_access_key_id and
 *     aws_secret_access_key line (keys compared case-insensitively:
 *     AWS_Access_Key_ID counts) gets the new value in place: the key as it
 *     was spelled, its separator and the blanks around it, and a trailing
 *     comment stay; an old quoted value is replaced whole.  The indented
 *     lines that continued the old value are removed with it.
 *   - aws_session_token and aws_security_token lines of those sections (and
 *     their continuation lines) are removed: a session token belongs to the
 *     temporary key it came with, and next to new long-term keys it would
 *     make every request fail (botocore and go-v2 send it).
 *   - Duplicate sections: go-v2 (Terraform) and the CRT merge a repeated
 *     [PROFILE] into one, a later key replacing an earlier one; botocore
 *     (the AWS CLI) refuses the whole file.  So the keys are replaced in
 *     every copy of the section, and whichever copy a reader takes, it gets
 *     the new keys.  edit->sections counts the copies, so that the tool can
 *     warn that the AWS CLI will not read the file.
 *   - A key the profile's sections lack is added next to its partner when
 *     the partner is there (the key id before the secret), else after the
 *     last setting (and its continuation lines) of the first section.
 *   - A profile with no section in the file gets one at the end, after a
 *     blank line.  Lines added use the file's line end (CRLF when its first
 *     line ends so).
 *   - Input the config loader would refuse (a NUL byte, a '[' line without
 *     ']', a setting before any section, a line without '=' or ':', an
 *     indented line with nothing to continue) is TFA_EINVAL with the line
 *     number: a file tfauth cannot read is not rewritten.
 *
 * The file (tfa_keys_save):
 *
 *   - The credentials file is opened with O_NOFOLLOW and checked with fstat:
 *     a symbolic link, anything but a regular file, a file not owned by the
 *     user, or one group- or world-writable is refused (TFA_EPERM) with a
 *     hint; tfa_keys_check_file does the same checks, for a tool to run
 *     before it asks for keys.
 *   - The folder is created 0700 when missing (each missing parent too); an
 *     existing one must belong to the user and not be world-writable.
 *   - An exclusive flock(2) on the folder serialises tfauth writers (the file
 *     itself is replaced, so it cannot carry the lock).  Other writers (the
 *     AWS CLI) take no lock: if the file changed between the read and the
 *     rename (its inode, size or mtime), nothing is written and the call
 *     fails with TFA_EIO "changed while ...".
 *   - The previous file, when there was one, is first copied to
 *     "<path>.bak", written the same atomic way (mode 0600).
 *   - The new file is written atomically: "<path>.tmp.XXXXXX" created O_EXCL
 *     with mode 0600, written, fsync'ed, renamed over the file, and the
 *     folder fsync'ed.  On any failure (a full disk, RLIMIT_FSIZE) the temp
 *     file is removed and the old file is left as it was.  The new file is
 *     0600 whatever the old one's mode was.
 *
 * Secrets: the file's text, old and new, lives in secret buffers, and no
 * message holds a key or secret (nor the key id: a user who pasted the
 * secret in its place would see it printed).
 */
#ifndef TFA_KEYS_H
#define TFA_KEYS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define TFA_KEYS_ID_LEN 20      /* AKIA + 16 */
#define TFA_KEYS_SECRET_LEN 40
#define TFA_KEYS_MAX_NAME 256   /* bytes of a profile name set-keys writes */
#define TFA_KEYS_MAX_FILE ((size_t)8 << 20) /* as TFA_CONFIG_MAX_FILE */

/* What a rewrite did. */
struct tfa_keys_edit {
	unsigned sections;       /* [PROFILE] sections found (before adding) */
	unsigned replaced;       /* key lines whose value was replaced */
	unsigned inserted;       /* key lines added to an existing section */
	unsigned tokens_removed; /* aws_session_token/aws_security_token lines */
	unsigned lines_removed;  /* continuation lines removed with them all */
	unsigned section_added : 1; /* a new [PROFILE] section at the end */
	/* set by tfa_keys_save: */
	unsigned created : 1;    /* there was no file: no backup */
	unsigned old_mode;       /* the old file's permission bits */
	unsigned old_links;      /* the old file's link count (> 1: another
				    name for it keeps the old keys) */
};

/*
 * A profile name set-keys may write as "[NAME]" so that every reader gets
 * NAME back: 1 to TFA_KEYS_MAX_NAME bytes of valid UTF-8; no control
 * character, '[', ']', '#', ';' or tab; no blank at either end and no run of
 * blanks (go-v2 splits a section name at blanks and joins it with one);
 * not "profile NAME" (the credentials file ignores such sections).
 * 0, or TFA_EUSAGE with a message that quotes the name with its control
 * characters escaped.
 */
int tfa_keys_check_profile(const char *name, struct tfa_err *err);

/*
 * An access key id: "AKIA" (long-term) or "ASIA" (temporary) and 16
 * upper-case letters or digits.  0, or TFA_EINVAL; the message never
 * quotes the input (it may be a secret pasted in the wrong place).
 */
int tfa_keys_check_key_id(const char *id, struct tfa_err *err);

/*
 * A secret access key: 40 characters of A-Z a-z 0-9 + /.  A line break,
 * carriage return, blank or other character is named in the message with
 * its position; the secret itself never is.  0, or TFA_EINVAL.
 */
int tfa_keys_check_secret(const char *secret, struct tfa_err *err);

/*
 * Rewrite the credentials file text (len bytes) so that profile has key_id
 * and secret (see the top).  The new text is appended to out, which must be
 * a secret buffer (TFA_EUSAGE otherwise); *edit says what changed.  Both
 * are written only on success.  profile, key_id and secret must pass the
 * checks above (TFA_EUSAGE otherwise); TFA_EINVAL "line N: ..." for text
 * the config loader would refuse.
 */
int tfa_keys_rewrite(struct tfa_buf *out, struct tfa_keys_edit *edit,
		     const char *text, size_t len, const char *profile,
		     const char *key_id, const char *secret,
		     struct tfa_err *err);

/*
 * Check the credentials file at path without changing anything: *exists
 * is 0 (and 0 returned) when there is no file; else the fstat checks above
 * (TFA_EPERM with a hint, TFA_EIO).
 */
int tfa_keys_check_file(int *exists, const char *path, struct tfa_err *err);

/*
 * Set profile's keys in the credentials file at path: lock, read and check
 * the file, rewrite it, keep "<path>.bak", replace it atomically (see the
 * top).  *edit (may be NULL) is written on success.  Nothing is changed on
 * failure, except that a "<path>.bak" written just before a failed write
 * of the new file stays (it holds the old file, which is intact too).
 * Waits at most 10 s for another tfauth writing the same folder.
 */
int tfa_keys_save(struct tfa_keys_edit *edit, const char *path,
		  const char *profile, const char *key_id, const char *secret,
		  struct tfa_err *err);

#endif
