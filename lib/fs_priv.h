/*
 * fs_priv — file-system helpers shared inside the library by lib/cache and
 * lib/keys (lib/fs.c).  Not for cmd/.
 */
#ifndef TFA_FS_PRIV_H
#define TFA_FS_PRIV_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/* Set the hint to BEFORE 'PATH' AFTER, the path quoted for a shell. */
void tfa__fs_hint_path(struct tfa_err *err, const char *before, const char *path,
		       const char *after);
/* "WHAT 'PATH': strerror(ERRNUM)", errno kept in err; returns code. */
int tfa__fs_sys_err(struct tfa_err *err, int code, int errnum, const char *what,
		    const char *path);
/* The folder part of path ("." when there is none); caller frees. */
char *tfa__fs_parent_of(const char *path);
/* mkdir -p dir, each new folder 0700; then refuse a folder that is not
 * the user's or that anyone can write to (TFA_EPERM), with a fix. */
int tfa__fs_prepare_dir(const char *dir, struct tfa_err *err);
/*
 * Whether users other than the file's owner can write to it: world-
 * writable, or group-writable by a group that is not the owner's private
 * group.  A user private group (Debian's and Fedora's USERGROUPS: the
 * owner's primary group, named like the owner, with no other members)
 * adds nobody, and umask 002 gives it write access to every file the
 * user makes with an editor: OpenSSH as Debian builds it accepts it too.
 */
int tfa__fs_others_can_write(const struct stat *st);
/* write(2) all of p, retrying on EINTR and short writes: 0 or -1 (errno). */
int tfa__fs_write_all(int fd, const char *p, size_t n);

/*
 * Temp files beside a target, "TARGET.tmp.XXXXXX".  tfa__fs_make_temp
 * creates one (O_EXCL, never through a symlink, mode 0600) and holds an
 * flock on it for as long as *fd is open: close *fd only after the rename
 * (or the unlink).  A writer killed mid-write (SIGKILL, a crash, SIGXFSZ)
 * leaves its temp file behind, unlocked; tfa__fs_clean_temps, which every
 * writer calls before it makes its own, removes those of the same target
 * that nobody holds and that are older than TFA__FS_TEMP_AGE seconds (the
 * age covers the instant between a writer's mkostemp and its flock).
 * Cleaning is best effort: it never fails.
 */
#define TFA__FS_TEMP_AGE 2
int tfa__fs_make_temp(struct tfa_buf *tmp, int *fd, const char *target,
		      struct tfa_err *err);
void tfa__fs_clean_temps(const char *target);
/*
 * "cannot write 'TARGET': strerror(ERRNUM)" (the target, not its temp
 * file), errno kept in err, with a hint for a full disk, a quota or a file
 * size limit that says the file was not changed; returns TFA_EIO.
 */
int tfa__fs_write_err(struct tfa_err *err, int errnum, const char *target);

#endif
