/*
 * cache — credential and token caches on disk, shared with the AWS CLI.
 *
 * Assumed-role credentials live where the AWS CLI keeps them,
 * ~/.aws/cli/cache/<sha1>.json, in its format, so the two reuse each
 * other's sessions (aws-reference.md §7.7); SSO tokens in ~/.aws/sso/cache.
 *
 * Every file is read with O_NOFOLLOW and checked with fstat: a regular
 * file, owned by the user, not group- or world-writable — anything else is
 * refused with a message, never trusted.  A corrupt or truncated entry is
 * treated as absent (and replaced by the next write).  Every write is
 * atomic: a 0600 temp file in the same folder, fsync, rename, fsync of the
 * folder; a failed write leaves the old file as it was.
 *
 * Folders: a missing folder (and each missing parent) is created 0700.  An
 * existing one is used as it is, never chmod'ed: the AWS CLI creates
 * ~/.aws/cli/cache with os.makedirs, so it is 0755 under umask 022 and
 * 0775 under the umask 002 of Debian's user-private groups, and refusing
 * those would end the sharing.  That is safe because the entries are 0600
 * and every read checks the file's owner and mode.  The folder must still
 * be owned by the user and not world-writable (TFA_EPERM otherwise): a
 * folder where anyone can rename entries is no place for a write.
 *
 * A refresh takes an exclusive flock on "<entry>.lock" beside the entry,
 * so that parallel processes that all find the entry stale make one call
 * between them: the first refreshes and writes, the others wait on the
 * lock, then find the fresh entry.  The lock file is left in place after
 * use: removing it would let a third process lock a new file while a
 * second still waits on the old one.
 *
 * Messages quote paths in full, as given (no "~"), so that the command in
 * a hint works when pasted into a shell.
 */
#ifndef TFA_CACHE_H
#define TFA_CACHE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"

/* Default refresh window: reuse cached credentials only while more than
 * this many seconds remain (botocore: 15 minutes). TFAUTH_REFRESH_WINDOW
 * overrides it (seconds, 0 to 43200). */
#define TFA_CACHE_REFRESH_WINDOW 900
#define TFA_CACHE_REFRESH_WINDOW_MAX 43200
#define TFA_CACHE_MAX_FILE ((size_t)1 << 20)

/* The refresh window in effect for ctx (TFAUTH_REFRESH_WINDOW when set and
 * not empty, else the default); a bad value is TFA_EINVAL naming the
 * variable. */
int tfa_cache_refresh_window(long *out, const struct tfa_ctx *ctx, struct tfa_err *err);

/* Append "<home>/.aws/<sub>" to out: sub = "cli/cache" for role
 * credentials, "sso/cache" for SSO tokens.  The AWS CLI has no variable
 * that moves these folders.  TFA_ENOTFOUND when ctx knows no home. */
int tfa_cache_dir(struct tfa_buf *out, const struct tfa_ctx *ctx, const char *sub,
		  struct tfa_err *err);

/*
 * The AWS CLI's AssumeRole cache key (aws-reference.md §7.7): hex SHA-1 of
 * Python's json.dumps(args, sort_keys=True), args built as botocore's
 * AssumeRoleProvider builds them: RoleArn always; RoleSessionName only
 * when the user set one (NULL or "" is left out: botocore generates a name
 * then and keeps it out of the key); ExternalId and SerialNumber when not
 * NULL ("" counts, as in botocore); DurationSeconds when > 0.  A Policy is
 * not supported: a profile cannot set one (botocore _get_role_config).
 */
struct tfa_cache_role_key {
	const char *role_arn;
	const char *role_session_name;
	const char *external_id;
	const char *serial_number; /* mfa_serial */
	long duration_seconds;
};
void tfa_cache_key_assume_role(char out[41], const struct tfa_cache_role_key *k);
/* Lowercase hex SHA-1 of a string (SSO token file names). */
void tfa_cache_sha1_hex(char out[41], const char *s);
/*
 * Append Python's json.dumps(s) of one string to out, as the AWS CLI's
 * keys use it: '"' and '\' escaped; \n \r \t \b \f; other bytes below
 * 0x20 and DEL as \u00XX; '/' not escaped; non-ASCII as \uXXXX with
 * lowercase hex, beyond U+FFFF as a surrogate pair.  s is UTF-8; a byte
 * that is not part of a valid UTF-8 sequence becomes \udcXX, as Python
 * sees such bytes (surrogateescape, as in os.environ).  0, or TFA_ETOOBIG
 * past out's cap (out is then left as it was).
 */
int tfa_cache_py_json_string(struct tfa_buf *out, const char *s);

/*
 * Read a cache file, appending its bytes to out (pass a secret buffer).
 * *missing is set to 1 (and 0 returned) when it does not exist, a folder
 * on the way is not one, or it is larger than TFA_CACHE_MAX_FILE: a cache
 * miss; else to 0.  Whether the bytes are valid JSON is the caller's
 * question (tfa_cache_load_creds makes corrupt JSON a miss too).
 * A symlink, anything but a regular file, a file not owned by the user,
 * or one group/world-writable is TFA_EPERM with a hint that fixes it;
 * other failures are TFA_EIO (sys_errno set).  On error out is unchanged.
 */
int tfa_cache_read(struct tfa_buf *out, const char *path, int *missing,
		   struct tfa_err *err);
/*
 * Write atomically (see above), creating the folder if needed.  The temp
 * file is "<path>.tmp.XXXXXX", created O_EXCL with mode 0600, removed on
 * any failure.  When path is a symbolic link, the link itself is replaced
 * by the new file (rename(2) never follows it), so nothing outside the
 * folder is written; a directory at path is an error.
 */
int tfa_cache_write(const char *path, const char *data, size_t n,
		    struct tfa_err *err);

/*
 * Exclusive lock on "<path>.lock" (created 0600, and its folder 0700, when
 * missing), polling every 25 ms for at most timeout seconds (0: try once).
 * *fd receives the lock; release with tfa_cache_unlock.  Timing out is
 * TFA_EIO "another tfauth is refreshing '<path>' (waited N s)"; a lock
 * file that is a symlink, not a regular file or not the user's is
 * TFA_EPERM.  The lock also ends when the process exits.
 */
int tfa_cache_lock(int *fd, const char *path, int timeout, struct tfa_err *err);
/* Release a lock from tfa_cache_lock; a negative fd is ignored. */
void tfa_cache_unlock(int fd);

/*
 * Credentials in the AWS CLI's cache format:
 *   {"Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken",
 *    "Expiration", "AccountId"?}, "AssumedRoleUser": {"AssumedRoleId", "Arn"}}
 * Expiration is read as "...Z", "...UTC" (botocore's writer) or "+HH:MM",
 * fractional seconds allowed; written as "...Z".
 *
 * load: *missing (and 0) when absent, corrupt, or lacking one of the four
 * Credentials fields as a non-empty string (or when Expiration does not
 * parse): such an entry is never trusted.  account_id comes from
 * Credentials.AccountId, else from the account field of
 * AssumedRoleUser.Arn.  arn (if not NULL) gets AssumedRoleUser.Arn, or
 * NULL when absent (caller frees).  Errors are tfa_cache_read's.
 *
 * store: c must have a session token and an expiration (the AWS CLI's
 * reader needs both), else TFA_EINVAL; AccountId is written when known,
 * AssumedRoleUser with whichever of arn and role_id is not NULL.
 *
 * Secrets: the file's bytes and the serialised text live in secret
 * buffers, and the JSON strings holding the secret key and token are wiped
 * before jansson frees them.  jansson's parser keeps its own short-lived
 * copies of each token that cannot be wiped without replacing its
 * allocator, which is process-global and so left alone.
 */
int tfa_cache_load_creds(struct tfa_creds *out, char **arn, const char *path,
			 int *missing, struct tfa_err *err);
int tfa_cache_store_creds(const char *path, const struct tfa_creds *c,
			  const char *arn, const char *role_id, struct tfa_err *err);
/* The same with a leading "ProviderType" (the AWS CLI writes "sso" for SSO
 * role credentials); provider_type NULL leaves it out. */
int tfa_cache_store_provider_creds(const char *path, const char *provider_type,
				   const struct tfa_creds *c, const char *arn,
				   const char *role_id, struct tfa_err *err);

/* Whether c is usable now with more than window seconds left (credentials
 * without an expiry always are). */
int tfa_cache_fresh(const struct tfa_creds *c, time_t now, long window);

#endif
