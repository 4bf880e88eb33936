/*
 * fs — the file-system steps that the cache (lib/cache) and the
 * credentials-file writer (lib/keys) share: folder creation and checks,
 * full writes, messages about paths.  Library only: see fs_priv.h.
 */
#include "fs_priv.h"
#include "buf.h"
#include "shell.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
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
tfa__fs_others_can_write(const struct stat *st)
{
	const struct passwd *pw;
	const struct group *gr;
	char user[256];
	size_t i;

	if (st->st_mode & S_IWOTH)
		return 1;
	if (!(st->st_mode & S_IWGRP))
		return 0;
	/* The rare case only: these read /etc/passwd and /etc/group. */
	if (!(pw = getpwuid(st->st_uid)) || pw->pw_gid != st->st_gid ||
	    strlen(pw->pw_name) >= sizeof(user))
		return 1;
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	if (!(gr = getgrgid(st->st_gid)) || strcmp(gr->gr_name, user) != 0)
		return 1;
	for (i = 0; gr->gr_mem && gr->gr_mem[i]; i++)
		if (strcmp(gr->gr_mem[i], user) != 0)
			return 1;
	return 0;
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

int
tfa__fs_make_temp(struct tfa_buf *tmp, int *fd, const char *target,
		  struct tfa_err *err)
{
	int f;

	tfa_buf_reset(tmp);
	if (tfa_buf_addf(tmp, "%s.tmp.XXXXXX", target) < 0) {
		tfa_buf_reset(tmp);
		return tfa_err_set(err, TFA_ETOOBIG, "cannot write '%s': the path is too long",
				   target);
	}
	/* mkostemp: O_CREAT|O_EXCL (never through a symlink), mode 0600. */
	f = mkostemp(tmp->ptr, O_CLOEXEC);
	if (f < 0) {
		tfa__fs_sys_err(err, TFA_EIO, errno, "cannot create a temporary file beside",
				target);
		tfa_buf_reset(tmp);
		return TFA_EIO;
	}
	/* Nobody else knows the name yet: the lock is ours at once.  Where
	 * flock is not supported the age alone protects the file. */
	(void)flock(f, LOCK_EX | LOCK_NB);
	if (fchmod(f, 0600) < 0) {
		int e = errno;

		close(f);
		unlink(tmp->ptr);
		tfa_buf_reset(tmp);
		return tfa__fs_write_err(err, e, target);
	}
	*fd = f;
	return 0;
}

/* NAME is BASE.tmp.XXXXXX (the six characters of mkostemp). */
static int
is_temp_of(const char *name, const char *base, size_t blen)
{
	return strncmp(name, base, blen) == 0 && strncmp(name + blen, ".tmp.", 5) == 0 &&
	       strlen(name + blen + 5) == 6;
}

void
tfa__fs_clean_temps(const char *target)
{
	char *dir = tfa__fs_parent_of(target);
	const char *slash = strrchr(target, '/'), *base = slash ? slash + 1 : target;
	size_t blen = strlen(base);
	struct dirent *e;
	struct stat st, again;
	time_t now = time(NULL);
	DIR *d = opendir(dir);
	int fd;

	if (!d)
		goto out;
	while ((e = readdir(d))) {
		if (!is_temp_of(e->d_name, base, blen))
			continue;
		fd = openat(dirfd(d), e->d_name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Ours, old enough, and no live writer holds it; and the name
		 * still is that file (it was not renamed in the meantime). */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    (long long)st.st_mtime <= (long long)now - TFA__FS_TEMP_AGE &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    fstatat(dirfd(d), e->d_name, &again, AT_SYMLINK_NOFOLLOW) == 0 &&
		    again.st_dev == st.st_dev && again.st_ino == st.st_ino)
			(void)unlinkat(dirfd(d), e->d_name, 0);
		close(fd);
	}
	closedir(d);
out:
	free(dir);
}

int
tfa__fs_write_err(struct tfa_err *err, int errnum, const char *target)
{
	char *dir;

	tfa__fs_sys_err(err, TFA_EIO, errnum, "cannot write", target);
	switch (errnum) {
	case ENOSPC:
#ifdef EDQUOT
	case EDQUOT:
#endif
		dir = tfa__fs_parent_of(target);
		tfa__fs_hint_path(err, "the disk (or your quota) is full; the file was not "
				  "changed: free some space ('df -h ", dir,
				  "' shows it) and run the command again");
		free(dir);
		break;
	case EFBIG:
		tfa_err_hint(err, "a file size limit is in force ('ulimit -f' shows it); "
			     "the file was not changed: raise the limit and run the "
			     "command again");
		break;
	default:
		tfa_err_hint(err, "the file was not changed");
		break;
	}
	return TFA_EIO;
}
