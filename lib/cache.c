/* cache — see cache.h. */
#include "cache.h"
#include "fs_priv.h"
#include "sha1.h"
#include "shell.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_POLL_MS 25

int
tfa_cache_refresh_window(long *out, const struct tfa_ctx *ctx, struct tfa_err *err)
{
	return tfa_ctx_getenv_long(ctx, "TFAUTH_REFRESH_WINDOW", TFA_CACHE_REFRESH_WINDOW,
				   0, TFA_CACHE_REFRESH_WINDOW_MAX, "seconds", out, err);
}

int
tfa_cache_dir(struct tfa_buf *out, const struct tfa_ctx *ctx, const char *sub,
	      struct tfa_err *err)
{
	const char *home = ctx->home ? ctx->home : "";
	size_t n = strlen(home), len = out->len;
	int rc = 0;

	if (!n) {
		rc = tfa_err_set(err, TFA_ENOTFOUND,
				 "cannot find the home directory for '~/.aws/%s'", sub);
		tfa_err_hint(err, "set HOME to your home directory");
		goto out;
	}
	if (home[n - 1] == '/')
		n--;
	if (tfa_buf_add(out, home, n) < 0 || tfa_buf_addf(out, "/.aws/%s", sub) < 0) {
		tfa_buf_setlen(out, len);
		rc = tfa_err_set(err, TFA_ETOOBIG, "the path of '~/.aws/%s' is too long", sub);
	}
out:
	return rc;
}

/* ---- cache keys ---- */

/* SHA-1 names files here; see sha1.h for why it is not OpenSSL's. */
static void
sha1_hex(char out[41], const void *data, size_t n)
{
	tfa_sha1_hex(out, data, n);
}

void
tfa_cache_sha1_hex(char out[41], const char *s)
{
	sha1_hex(out, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (code point in *cp), or 0. */
static size_t
utf8_seq(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t v, lo = 0x80, hi = 0xbf;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;      /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;      /* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;      /* nothing past U+10FFFF */
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		/* The NUL terminator fails this test, so s is never overrun. */
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

int
tfa_cache_py_json_string(struct tfa_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = out->len, n;
	uint32_t cp;
	int rc = tfa_buf_addch(out, '"');

	while (rc == 0 && *p) {
		n = utf8_seq(p, &cp);
		if (n == 0) {
			/* Python's surrogateescape: byte 0xXX is U+DCXX. */
			cp = 0xdc00 + *p;
			n = 1;
		}
		p += n;
		switch (cp) {
		case '"':
			rc = tfa_buf_adds(out, "\\\"");
			break;
		case '\\':
			rc = tfa_buf_adds(out, "\\\\");
			break;
		case '\n':
			rc = tfa_buf_adds(out, "\\n");
			break;
		case '\r':
			rc = tfa_buf_adds(out, "\\r");
			break;
		case '\t':
			rc = tfa_buf_adds(out, "\\t");
			break;
		case '\b':
			rc = tfa_buf_adds(out, "\\b");
			break;
		case '\f':
			rc = tfa_buf_adds(out, "\\f");
			break;
		default:
			if (cp >= 0x20 && cp <= 0x7e)
				rc = tfa_buf_addch(out, (int)cp);
			else if (cp < 0x10000)
				rc = tfa_buf_addf(out, "\\u%04x", (unsigned)cp);
			else
				rc = tfa_buf_addf(out, "\\u%04x\\u%04x",
						  (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
						  (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
			break;
		}
	}
	if (rc == 0)
		rc = tfa_buf_addch(out, '"');
	if (rc < 0)
		tfa_buf_setlen(out, len);
	return rc;
}

/* Add `, "name": <json string>` (no comma for the first member). */
static void
add_member(struct tfa_buf *b, const char *name, const char *value)
{
	if (b->len > 1)
		tfa_buf_adds(b, ", ");
	tfa_buf_addf(b, "\"%s\": ", name);
	tfa_cache_py_json_string(b, value);
}

void
tfa_cache_key_assume_role(char out[41], const struct tfa_cache_role_key *k)
{
	struct tfa_buf b;

	/*
	 * No cap: the text is as long as the caller's strings allow, so none
	 * of the appends below can fail.  Members in sort_keys order.
	 */
	tfa_buf_init(&b, SIZE_MAX / 2);
	tfa_buf_addch(&b, '{');
	if (k->duration_seconds > 0) {
		tfa_buf_addf(&b, "\"DurationSeconds\": %ld", k->duration_seconds);
	}
	if (k->external_id)
		add_member(&b, "ExternalId", k->external_id);
	add_member(&b, "RoleArn", k->role_arn ? k->role_arn : "");
	if (k->role_session_name && k->role_session_name[0])
		add_member(&b, "RoleSessionName", k->role_session_name);
	if (k->serial_number)
		add_member(&b, "SerialNumber", k->serial_number);
	tfa_buf_addch(&b, '}');
	sha1_hex(out, b.ptr, b.len);
	tfa_buf_dispose(&b);
}

/* ---- files ---- */





/* fstat checks shared by entries and lock files (see cache.h). */
static int
check_file(struct stat *st, int fd, const char *path, int check_mode, struct tfa_err *err)
{
	int rc = 0;

	if (fstat(fd, st) < 0) {
		rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot read", path);
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		rc = tfa_err_set(err, TFA_EPERM, "refusing '%s': it is not a regular file", path);
		tfa__fs_hint_path(err, "remove it (tfauth writes a new one when it refreshes): rm -r ",
			  path, "");
		goto out;
	}
	if (st->st_uid != geteuid()) {
		rc = tfa_err_set(err, TFA_EPERM,
				 "refusing '%s': it belongs to uid %u, not to you (uid %u)",
				 path, (unsigned)st->st_uid, (unsigned)geteuid());
		tfa__fs_hint_path(err, "remove it (tfauth writes a new one when it refreshes): rm -f ",
			  path, "");
		goto out;
	}
	if (check_mode && tfa__fs_others_can_write(st)) {
		rc = tfa_err_set(err, TFA_EPERM,
				 "refusing '%s': other users can write to it (mode %04o)",
				 path, (unsigned)(st->st_mode & 07777));
		tfa__fs_hint_path(err, "if you trust its contents, chmod 600 ", path,
			  "; else remove it");
		goto out;
	}
out:
	return rc;
}

/* An open(O_NOFOLLOW) failure: a symlink is TFA_EPERM, the rest TFA_EIO. */
static int
open_err(struct tfa_err *err, int errnum, const char *what, const char *path)
{
	struct stat st;

	if (errnum == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		tfa_err_set(err, TFA_EPERM, "refusing '%s': it is a symbolic link", path);
		tfa__fs_hint_path(err, "remove it (tfauth writes a new file when it refreshes): rm ",
			  path, "");
		return TFA_EPERM;
	}
	return tfa__fs_sys_err(err, TFA_EIO, errnum, what, path);
}

int
tfa_cache_read(struct tfa_buf *out, const char *path, int *missing,
	       struct tfa_err *err)
{
	struct stat st;
	size_t len = out->len, total = 0, room;
	ssize_t r;
	int fd, rc = 0, miss = 0;

	/* O_NONBLOCK: a FIFO planted here must not hang the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			miss = 1;
		else
			rc = open_err(err, errno, "cannot read", path);
		goto out;
	}
	if ((rc = check_file(&st, fd, path, 1, err)) < 0)
		goto out;
	/* No writer of these files makes one this big: it is corrupt. */
	miss = st.st_size < 0 || (unsigned long long)st.st_size > TFA_CACHE_MAX_FILE;
	while (!miss) {
		if ((rc = tfa_buf_grow(out, 4096)) < 0) {
			tfa_err_set(err, rc, "cannot read '%s': it is too large", path);
			goto out;
		}
		room = out->alloc - out->len - 1;
		if (room > TFA_CACHE_MAX_FILE + 1 - total)
			room = TFA_CACHE_MAX_FILE + 1 - total;
		r = read(fd, out->ptr + out->len, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot read", path);
			goto out;
		}
		if (r == 0)
			break;
		total += (size_t)r;
		out->len += (size_t)r;
		out->ptr[out->len] = '\0';
		miss = total > TFA_CACHE_MAX_FILE; /* it grew while we read */
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 || miss)
		tfa_buf_setlen(out, len);
	if (rc == 0)
		*missing = miss;
	return rc;
}


int
tfa_cache_write(const char *path, const char *data, size_t n,
		struct tfa_err *err)
{
	struct tfa_buf tmp = TFA_BUF_INIT;
	char *dir = tfa__fs_parent_of(path);
	int fd = -1, dfd, made = 0, rc;

	if ((rc = tfa__fs_prepare_dir(dir, err)) < 0)
		goto out;
	/* What writers killed mid-write left beside this entry. */
	tfa__fs_clean_temps(path);
	if ((rc = tfa__fs_make_temp(&tmp, &fd, path, err)) < 0)
		goto out;
	made = 1;
	if (tfa__fs_write_all(fd, data, n) < 0 || fsync(fd) < 0) {
		rc = tfa__fs_write_err(err, errno, path);
		goto out;
	}
	/* Renamed while still open, so still locked: see fs_priv.h. */
	if (rename(tmp.ptr, path) < 0) {
		rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot replace", path);
		goto out;
	}
	made = 0;
	/*
	 * Make the rename durable.  The new file is in place whatever this
	 * says (its data was fsync'ed), so a failure here, or of the close,
	 * is not reported as a failed write.
	 */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
out:
	if (made)
		unlink(tmp.ptr);
	if (fd >= 0)
		close(fd);
	tfa_buf_dispose(&tmp);
	free(dir);
	return rc;
}

int
tfa_cache_lock(int *fd, const char *path, int timeout, struct tfa_err *err)
{
	struct tfa_buf lp = TFA_BUF_INIT;
	struct timespec pause = { 0, LOCK_POLL_MS * 1000000L };
	struct stat st;
	char *dir = tfa__fs_parent_of(path);
	long long deadline;
	int lfd = -1, rc;

	if (timeout < 0)
		timeout = 0;
	if ((rc = tfa__fs_prepare_dir(dir, err)) < 0)
		goto out;
	if (tfa_buf_addf(&lp, "%s.lock", path) < 0) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "cannot lock '%s': the path is too long", path);
		goto out;
	}
	lfd = open(lp.ptr, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		   0600);
	if (lfd < 0) {
		rc = open_err(err, errno, "cannot open the lock file", lp.ptr);
		goto out;
	}
	/* Its mode does not matter: it holds nothing. */
	if ((rc = check_file(&st, lfd, lp.ptr, 0, err)) < 0)
		goto out;
	deadline = tfa_monotonic_ms() + timeout * 1000LL;
	while (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot lock", lp.ptr);
			goto out;
		}
		if (tfa_monotonic_ms() >= deadline) {
			rc = tfa_err_set(err, TFA_EIO,
					 "another tfauth is refreshing '%s' (waited %d s)",
					 path, timeout);
			tfa__fs_hint_path(err, "try again when it is done; 'fuser -v ", lp.ptr,
				  "' shows which process holds the lock");
			goto out;
		}
		nanosleep(&pause, NULL);
	}
	*fd = lfd;
	lfd = -1;
out:
	if (lfd >= 0)
		close(lfd);
	tfa_buf_dispose(&lp);
	free(dir);
	return rc;
}

void
tfa_cache_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

/* ---- credentials ---- */

/* See explain.c: jansson fails only when memory runs out. */
static void
json_oom(void)
{
	tfa_xmalloc(SIZE_MAX);
}

/* Wipe every string value of a JSON object, in place, before it is freed. */
static void
wipe_strings(json_t *o)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o))
		return;
	json_object_foreach (o, key, v) {
		if (json_is_string(v))
			tfa_wipe((char *)json_string_value(v), json_string_length(v));
	}
}

/* A member that is a non-empty string, else NULL. */
static const char *
str_member(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	const char *s = json_string_value(v);

	return s && s[0] && strlen(s) == json_string_length(v) ? s : NULL;
}

/* The account field of "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE". */
static char *
account_of_arn(const char *arn)
{
	const char *p = arn, *end;
	int i;

	if (!arn || strncmp(arn, "arn:", 4) != 0)
		return NULL;
	for (i = 0; i < 4; i++) {
		p = strchr(p, ':');
		if (!p)
			return NULL;
		p++;
	}
	end = strchr(p, ':');
	return end && end > p ? tfa_xstrndup(p, (size_t)(end - p)) : NULL;
}

int
tfa_cache_load_creds(struct tfa_creds *out, char **arn, const char *path,
		     int *missing, struct tfa_err *err)
{
	struct tfa_buf b;
	struct tfa_creds c;
	json_t *root = NULL, *cr = NULL;
	json_error_t jerr;
	const char *akid, *secret, *token, *exp, *acct, *role_arn;
	time_t when;
	int rc, miss = 1;

	tfa_buf_init_secret(&b, TFA_CACHE_MAX_FILE + 4096);
	tfa_creds_init(&c);
	if ((rc = tfa_cache_read(&b, path, &miss, err)) < 0 || miss)
		goto out;
	miss = 1;
	root = json_loadb(b.ptr, b.len, 0, &jerr);
	cr = json_object_get(root, "Credentials");
	if (!json_is_object(cr))
		goto out;
	akid = str_member(cr, "AccessKeyId");
	secret = str_member(cr, "SecretAccessKey");
	token = str_member(cr, "SessionToken");
	exp = str_member(cr, "Expiration");
	if (!akid || !secret || !token || !exp || tfa_time_parse(&when, exp) < 0)
		goto out;
	role_arn = str_member(json_object_get(root, "AssumedRoleUser"), "Arn");
	c.access_key_id = tfa_xstrdup(akid);
	c.secret_access_key = tfa_xstrdup(secret);
	c.session_token = tfa_xstrdup(token);
	c.expiration = when;
	acct = str_member(cr, "AccountId");
	c.account_id = acct ? tfa_xstrdup(acct) : account_of_arn(role_arn);
	if (arn)
		*arn = role_arn ? tfa_xstrdup(role_arn) : NULL;
	*out = c;
	tfa_creds_init(&c);
	miss = 0;
out:
	if (rc == 0)
		*missing = miss;
	wipe_strings(cr);
	json_decref(root);
	tfa_creds_dispose(&c);
	tfa_buf_dispose(&b);
	return rc;
}

/* Set o[name] = s; -1 when s is not valid UTF-8. */
static int
put_str(json_t *o, const char *name, const char *s)
{
	json_t *v = json_string(s);

	if (!v)
		return -1;
	if (json_object_set_new(o, name, v) < 0)
		json_oom();
	return 0;
}

static int
dump_to_buf(const char *buffer, size_t size, void *data)
{
	return tfa_buf_add(data, buffer, size) < 0 ? -1 : 0;
}

/* Fill the Credentials and AssumedRoleUser objects; -1 on invalid UTF-8. */
static int
build_entry(json_t *cr, json_t *user, const struct tfa_creds *c, const char *exp,
	    const char *arn, const char *role_id)
{
	if (put_str(cr, "AccessKeyId", c->access_key_id) < 0 ||
	    put_str(cr, "SecretAccessKey", c->secret_access_key) < 0 ||
	    put_str(cr, "SessionToken", c->session_token) < 0 ||
	    put_str(cr, "Expiration", exp) < 0 ||
	    (c->account_id && put_str(cr, "AccountId", c->account_id) < 0) ||
	    (role_id && put_str(user, "AssumedRoleId", role_id) < 0) ||
	    (arn && put_str(user, "Arn", arn) < 0))
		return -1;
	return 0;
}

int
tfa_cache_store_creds(const char *path, const struct tfa_creds *c,
		      const char *arn, const char *role_id, struct tfa_err *err)
{
	return tfa_cache_store_provider_creds(path, NULL, c, arn, role_id, err);
}

int
tfa_cache_store_provider_creds(const char *path, const char *provider_type,
			       const struct tfa_creds *c, const char *arn,
			       const char *role_id, struct tfa_err *err)
{
	struct tfa_buf text;
	char exp[TFA_TIME_LEN];
	json_t *root = json_object(), *cr = json_object(), *user = json_object();
	int rc = 0;

	tfa_buf_init_secret(&text, TFA_CACHE_MAX_FILE);
	if (!root || !cr || !user)
		json_oom();
	if (!c->access_key_id || !c->access_key_id[0] || !c->secret_access_key ||
	    !c->secret_access_key[0] || !c->session_token || !c->session_token[0] ||
	    !c->expiration) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "cannot cache credentials in '%s' without a key, a session "
				 "token and an expiration", path);
		goto out;
	}
	tfa_time_format(exp, c->expiration);
	if (build_entry(cr, user, c, exp, arn, role_id) < 0) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "cannot cache credentials in '%s': a value is not valid UTF-8",
				 path);
		goto out;
	}
	if (provider_type &&
	    json_object_set_new(root, "ProviderType", json_string(provider_type)) < 0)
		json_oom();
	if (json_object_set(root, "Credentials", cr) < 0 ||
	    (json_object_size(user) && json_object_set(root, "AssumedRoleUser", user) < 0))
		json_oom();
	/* A callback, not json_dumps: its growing buffer is freed unwiped. */
	if (json_dump_callback(root, dump_to_buf, &text, JSON_PRESERVE_ORDER) < 0) {
		rc = tfa_err_set(err, TFA_ETOOBIG, "cannot cache credentials in '%s': too large",
				 path);
		goto out;
	}
	rc = tfa_cache_write(path, text.ptr, text.len, err);
out:
	wipe_strings(cr);
	json_decref(user);
	json_decref(cr);
	json_decref(root);
	tfa_buf_dispose(&text);
	return rc;
}

int
tfa_cache_fresh(const struct tfa_creds *c, time_t now, long window)
{
	return c->expiration == 0 || (long long)c->expiration - (long long)now > window;
}
