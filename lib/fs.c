/*
 * fs — the file-system steps that the cache (lib/cache) and the
 * credentials-file writer (lib/keys) share: folder creation and checks,
 * full writes, messages about paths.  Library only: see fs_priv.h.
 */
#include "fs_priv.h"
#include "buf.h"
#include "shell.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* hint: before + path quoted for a POSIX shell + after. */
void
tfa__fs_hint_path(struct tfa_err *err, const char *before, const char *path, const char *after)
{
	struct tfa_buf q = TFA_BUF_INIT;

	if (tfa_shell_quote(&q, TFA_SHELL_POSIX, path) < 0)
		tfa_err_hint(err, "%s'%s'%s", before, path, after);
	else
		tfa_err_hint(err, "%s%s%s", before, q.ptr, after);
	tfa_buf_dispose(&q);
}

int
tfa__fs_sys_err(struct tfa_err *err, int code, int errnum, const char *what, const char *path)
{
	tfa_err_set(err, code, "%s '%s': %s", what, path, strerror(errnum));
	err->sys_errno = errnum;
	return code;
}

/* The folder part of path ("." when there is none); caller frees. */
char *
tfa__fs_parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return tfa_xstrdup(".");
	while (slash > path && slash[-1] == '/')
		slash--;
	if (slash == path)
		return tfa_xstrdup("/");
	return tfa_xstrndup(path, (size_t)(slash - path));
}

/* mkdir -p dir, each new folder 0700; then check it (see cache.h). */
int
tfa__fs_prepare_dir(const char *dir, struct tfa_err *err)
{
	char *p = tfa_xstrdup(dir), *s, c;
	struct stat st;
	int rc = 0;

	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		/* An existing folder may fail with EACCES or EROFS: fine too. */
		if (s[-1] != '/' && mkdir(p, 0700) < 0 && errno != EEXIST) {
			int e = errno;

			if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
				rc = tfa__fs_sys_err(err, TFA_EIO, e, "cannot create the folder", p);
				goto out;
			}
		}
		*s = c;
		if (!c)
			break;
	}
	if (stat(dir, &st) < 0) {
		rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot use the folder", dir);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = tfa_err_set(err, TFA_EIO, "cannot use the folder '%s': it is not a folder", dir);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		rc = tfa_err_set(err, TFA_EPERM,
				 "refusing to write in '%s': it belongs to uid %u, not to you (uid %u)",
				 dir, (unsigned)st.st_uid, (unsigned)geteuid());
		tfa__fs_hint_path(err, "run tfauth as the folder's owner, or make it yours: sudo chown \"$(id -u)\" ",
			  dir, "");
		goto out;
	}
	if (st.st_mode & S_IWOTH) {
		rc = tfa_err_set(err, TFA_EPERM,
				 "refusing to write in '%s': any user can write to it (mode %04o)",
				 dir, (unsigned)(st.st_mode & 07777));
		tfa__fs_hint_path(err, "chmod 700 ", dir, "");
		goto out;
	}
out:
	free(p);
	return rc;
}

int
tfa__fs_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
