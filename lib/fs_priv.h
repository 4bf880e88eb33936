/*
 * fs_priv — file-system helpers shared inside the library by lib/cache and
 * lib/keys (lib/fs.c).  Not for cmd/.
 */
#ifndef TFA_FS_PRIV_H
#define TFA_FS_PRIV_H

#include <stddef.h>
#include <sys/types.h>

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
/* write(2) all of p, retrying on EINTR and short writes: 0 or -1 (errno). */
int tfa__fs_write_all(int fd, const char *p, size_t n);

#endif
