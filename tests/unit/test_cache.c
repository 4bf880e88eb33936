#include "buf.h"
#include "cache.h"
#include "creds.h"
#include "ctx.h"
#include "tap.h"
#include "timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/tfa-cache-XXXXXX";
static const char *const ROLE = "arn:aws:iam::123456789012:role/Admin";
static const uid_t NOBODY = 65534;

/* dir + "/" + rel, in a static buffer picked round-robin (4 at a time). */
static const char *
at(const char *rel)
{
	static char paths[4][512];
	static int i;
	char *p = paths[i++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, rel);
	return p;
}

/* The same, into the caller's buffer, for a path used all through a test. */
static void
path_to(char out[512], const char *rel)
{
	snprintf(out, 512, "%s/%s", dir, rel);
}

static void
put(const char *path, const char *data, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

/* The whole file, or NULL; caller frees. */
static char *
slurp(const char *path)
{
	struct tfa_buf b = TFA_BUF_INIT;
	char chunk[4096];
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		tfa_buf_add(&b, chunk, (size_t)r);
	close(fd);
	return tfa_buf_detach(&b);
}

static int
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

/* Whether a folder holds a leftover "*.tmp.*" file. */
static int
has_temp(const char *folder)
{
	DIR *d = opendir(folder);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			found = 1;
	closedir(d);
	return found;
}

/* ---- keys ---- */

static void
key_is(const struct tfa_cache_role_key *k, const char *want, const char *desc)
{
	char got[41];

	tfa_cache_key_assume_role(got, k);
	is_str(got, want, "key: %s", desc);
}

static void
test_keys(void)
{
	char hex[41];

	/* aws-reference.md §7.7. */
	{
		struct tfa_cache_role_key k = { ROLE, NULL, NULL, NULL, 0 };
		key_is(&k, "51e7b105b5040ce662656c8dc6ab4de70c4de7ad", "role only (§7.7)");
	}
	{
		struct tfa_cache_role_key k = { ROLE, "alice", "ext-1",
						"arn:aws:iam::123456789012:mfa/alice", 3600 };
		key_is(&k, "536a94a3bd5ea3143e53b5287c0c4ac83c7dc409", "every member (§7.7)");
	}
	{
		/* botocore leaves an empty session name out, like a generated one. */
		struct tfa_cache_role_key k = { ROLE, "", NULL, NULL, 0 };
		key_is(&k, "51e7b105b5040ce662656c8dc6ab4de70c4de7ad", "empty session name left out");
	}
	{
		struct tfa_cache_role_key k = { ROLE, NULL, NULL, NULL, -5 };
		key_is(&k, "51e7b105b5040ce662656c8dc6ab4de70c4de7ad", "duration <= 0 left out");
	}

	/*
	 * The vectors below were computed with CPython 3.11:
	 *   hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
	 * with args as in each comment.  Invalid UTF-8 was decoded with
	 * errors="surrogateescape" first.  tests/integration/cache_interop.py
	 * checks the same and more against python3 and botocore at run time.
	 */
	{
		/* {"RoleArn": "arn:aws:iam::123456789012:role/Ünïcødé-rôle"} */
		struct tfa_cache_role_key k = {
			"arn:aws:iam::123456789012:role/\xc3\x9cn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9-r\xc3\xb4le",
			NULL, NULL, NULL, 0 };
		key_is(&k, "b88be363d9928913d93f8da6ff7eab1bed44360d", "UTF-8 in the ARN");
	}
	{
		/* {"RoleArn": ROLE, "RoleSessionName": 'say "hi" \\ bye'} */
		struct tfa_cache_role_key k = { ROLE, "say \"hi\" \\ bye", NULL, NULL, 0 };
		key_is(&k, "12e001a3ada30fdbe837efb2cf464ee2d3975acf", "quotes and backslash");
	}
	{
		/* {"RoleArn": ROLE, "ExternalId": "tab\there\nnl\r\b\f\x01\x1f\x7f end"} */
		struct tfa_cache_role_key k = { ROLE, NULL,
						"tab\there\nnl\r\b\f\x01\x1f\x7f end", NULL, 0 };
		key_is(&k, "c038b2550547e156be85a730f5b5809e9b8437c5", "control characters");
	}
	{
		/* {"RoleArn": ROLE, "ExternalId": "smile \U0001F600 </script>&"} */
		struct tfa_cache_role_key k = { ROLE, NULL,
						"smile \xf0\x9f\x98\x80 </script>&", NULL, 0 };
		key_is(&k, "623bdda36c33bc2c2a396bc6219f5ac88eeb8df6", "a surrogate pair, '/' as is");
	}
	{
		/* {"RoleArn": ROLE, "ExternalId": ""} */
		struct tfa_cache_role_key k = { ROLE, NULL, "", NULL, 0 };
		key_is(&k, "fc3d347cd6c2e4cbe20b1eaa39c8f4be1171e4e0", "empty external id kept");
	}
	{
		/* {"RoleArn": ROLE, "DurationSeconds": 43200} */
		struct tfa_cache_role_key k = { ROLE, NULL, NULL, NULL, 43200 };
		key_is(&k, "4212376dc7fc0623c810044f8360338a3ccb1b88", "duration only");
	}
	{
		/* ExternalId b"bad\xff\xe2\x82A\xed\xa0\x80" (surrogateescape) */
		struct tfa_cache_role_key k = { ROLE, NULL, "bad\xff\xe2\x82" "A\xed\xa0\x80",
						NULL, 0 };
		key_is(&k, "234c431591871d9467d75d01ab4bc349310f951f", "invalid UTF-8 as \\udcXX");
	}

	/* aws-reference.md §7.6. */
	tfa_cache_sha1_hex(hex, "my-sso");
	is_str(hex, "0ad374308c5a4e22f723adf10145eafad7c4031c", "sha1 of an sso-session name");
	tfa_cache_sha1_hex(hex, "https://my-sso-portal.awsapps.com/start");
	is_str(hex, "c7aaaf71fcc8777ae2475525ed049d39fe16c484", "sha1 of a start URL");
	/* §7.7's SSO role-credential key is sha1 of compact JSON. */
	tfa_cache_sha1_hex(hex, "{\"accountId\":\"123456789012\",\"roleName\":\"Admin\","
			   "\"sessionName\":\"my-sso\"}");
	is_str(hex, "c30b99aca80d8f5b3178e353f05b2abcc9a4ccd3", "sha1 of an SSO role key");
}

static void
json_is(const char *in, const char *want, const char *desc)
{
	struct tfa_buf b = TFA_BUF_INIT;

	tfa_buf_adds(&b, "x");
	ok(tfa_cache_py_json_string(&b, in) == 0, "py_json_string: %s: ok", desc);
	is_str(b.ptr + 1, want, "py_json_string: %s", desc);
	tfa_buf_dispose(&b);
}

static void
test_py_json(void)
{
	struct tfa_buf b;

	/* Expected values: print(json.dumps(s)) in CPython 3.11. */
	json_is("", "\"\"", "empty");
	json_is("a/b", "\"a/b\"", "'/' not escaped");
	json_is("\xc3\xa9", "\"\\u00e9\"", "U+00E9 lowercase hex");
	json_is("\xe2\x82\xac", "\"\\u20ac\"", "U+20AC");
	json_is("\xef\xbf\xbf", "\"\\uffff\"", "U+FFFF");
	json_is("\xe2\x80\xa8", "\"\\u2028\"", "U+2028");
	json_is("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"", "U+1F600 as a pair");
	json_is("\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"", "U+10FFFF");
	json_is("\x7f", "\"\\u007f\"", "DEL");
	json_is("\"\\", "\"\\\"\\\\\"", "quote and backslash");
	json_is("\n\r\t\b\f\x01\x1f", "\"\\n\\r\\t\\b\\f\\u0001\\u001f\"", "control characters");
	json_is(" ~<>&'", "\" ~<>&'\"", "printable ASCII as is");
	/* b"...".decode("utf-8", "surrogateescape") then json.dumps. */
	json_is("\xc0\xaf", "\"\\udcc0\\udcaf\"", "overlong '/' is two bad bytes");
	json_is("\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"", "an encoded surrogate is bad");
	json_is("\xf4\x90\x80\x80", "\"\\udcf4\\udc90\\udc80\\udc80\"", "past U+10FFFF is bad");
	json_is("\xf0\x9f\x98" "A", "\"\\udcf0\\udc9f\\udc98A\"", "a truncated sequence");
	json_is("\x80x\xff", "\"\\udc80x\\udcff\"", "lone continuation and 0xFF");

	tfa_buf_init(&b, 8);
	tfa_buf_adds(&b, "ab");
	ok(tfa_cache_py_json_string(&b, "\xc3\xa9\xc3\xa9") == TFA_ETOOBIG,
	   "py_json_string: past the cap is TFA_ETOOBIG");
	is_str(b.ptr, "ab", "py_json_string: and the buffer is as it was");
	tfa_buf_dispose(&b);
}

/* ---- context ---- */

static void
test_ctx(void)
{
	char *env[] = { "HOME=/home/alice/", "PATH=/bin", NULL };
	struct tfa_ctx ctx;
	struct tfa_buf b = TFA_BUF_INIT;
	struct tfa_err err;
	long w = -1;

	tfa_ctx_init(&ctx, env);
	tfa_err_clear(&err);
	ok(tfa_cache_dir(&b, &ctx, "cli/cache", &err) == 0, "cache_dir: ok");
	is_str(b.ptr, "/home/alice/.aws/cli/cache", "cache_dir: ~/.aws/cli/cache");
	tfa_buf_reset(&b);
	tfa_cache_dir(&b, &ctx, "sso/cache", &err);
	is_str(b.ptr, "/home/alice/.aws/sso/cache", "cache_dir: ~/.aws/sso/cache");
	free(ctx.home);
	ctx.home = tfa_xstrdup("");
	tfa_buf_reset(&b);
	ok(tfa_cache_dir(&b, &ctx, "cli/cache", &err) == TFA_ENOTFOUND && b.len == 0 &&
	   strstr(err.hint, "HOME"), "cache_dir: no home is TFA_ENOTFOUND (%s)", err.msg);

	ok(tfa_cache_refresh_window(&w, &ctx, &err) == 0 && w == 900,
	   "refresh window: 900 by default");
	tfa_ctx_setenv(&ctx, "TFAUTH_REFRESH_WINDOW", "");
	ok(tfa_cache_refresh_window(&w, &ctx, &err) == 0 && w == 900,
	   "refresh window: empty is the default");
	tfa_ctx_setenv(&ctx, "TFAUTH_REFRESH_WINDOW", "0");
	ok(tfa_cache_refresh_window(&w, &ctx, &err) == 0 && w == 0, "refresh window: 0");
	tfa_ctx_setenv(&ctx, "TFAUTH_REFRESH_WINDOW", "43200");
	ok(tfa_cache_refresh_window(&w, &ctx, &err) == 0 && w == 43200,
	   "refresh window: 43200");
	w = 7;
	tfa_ctx_setenv(&ctx, "TFAUTH_REFRESH_WINDOW", "43201");
	ok(tfa_cache_refresh_window(&w, &ctx, &err) == TFA_EINVAL && w == 7 &&
	   strstr(err.msg, "TFAUTH_REFRESH_WINDOW") && strstr(err.msg, "'43201'"),
	   "refresh window: 43201 is refused (%s)", err.msg);
	tfa_ctx_setenv(&ctx, "TFAUTH_REFRESH_WINDOW", "99999999999999999999999");
	ok(tfa_cache_refresh_window(&w, &ctx, &err) == TFA_EINVAL,
	   "refresh window: a huge number is refused, no overflow");
	tfa_ctx_setenv(&ctx, "TFAUTH_REFRESH_WINDOW", "-1");
	ok(tfa_cache_refresh_window(&w, &ctx, &err) == TFA_EINVAL, "refresh window: -1 refused");
	tfa_ctx_setenv(&ctx, "TFAUTH_REFRESH_WINDOW", "15m");
	ok(tfa_cache_refresh_window(&w, &ctx, &err) == TFA_EINVAL && err.hint[0],
	   "refresh window: '15m' refused, with a hint");
	tfa_buf_dispose(&b);
	tfa_ctx_dispose(&ctx);
}

static void
test_fresh(void)
{
	struct tfa_creds c;

	tfa_creds_init(&c);
	ok(tfa_cache_fresh(&c, 1000, 900), "fresh: no expiration is always fresh");
	c.expiration = 1000 + 901;
	ok(tfa_cache_fresh(&c, 1000, 900), "fresh: 901 s left > 900");
	c.expiration = 1000 + 900;
	ok(!tfa_cache_fresh(&c, 1000, 900), "fresh: 900 s left is not more than 900");
	c.expiration = 1000 - 1;
	ok(!tfa_cache_fresh(&c, 1000, 0), "fresh: expired is never fresh");
	c.expiration = 1001;
	ok(tfa_cache_fresh(&c, 1000, 0), "fresh: window 0, 1 s left");
}

/* ---- files ---- */

static void
test_write_read(void)
{
	struct tfa_buf b;
	struct tfa_err err;
	char p[512];
	int missing = -1;
	char *s;

	path_to(p, "new/deeper/cache/x.json");
	tfa_buf_init_secret(&b, 0);
	tfa_err_clear(&err);
	ok(tfa_cache_read(&b, p, &missing, &err) == 0 && missing == 1 && b.len == 0,
	   "read: a missing file is a miss");
	ok(tfa_cache_read(&b, at("new/x.json/y.json"), &missing, &err) == 0 && missing == 1,
	   "read: a missing folder is a miss");

	tfa_err_clear(&err);
	ok(tfa_cache_write(p, "{\"a\": 1}", 8, &err) == 0, "write: creates the folders (%s)",
	   err.msg);
	is_int(mode_of(at("new")), 0700, "write: a new folder is 0700 (umask 022)");
	is_int(mode_of(at("new/deeper/cache")), 0700, "write: the innermost folder too");
	is_int(mode_of(p), 0600, "write: the file is 0600");
	ok(tfa_cache_read(&b, p, &missing, &err) == 0 && missing == 0, "read: ok");
	is_str(b.ptr, "{\"a\": 1}", "read: the bytes written");

	/* read appends, and replacing works. */
	ok(tfa_cache_write(p, "second", 6, &err) == 0, "write: replaces a file");
	ok(tfa_cache_read(&b, p, &missing, &err) == 0, "read: appends");
	is_str(b.ptr, "{\"a\": 1}second", "read: after what was there");
	ok(!has_temp(at("new/deeper/cache")), "write: no temp file left");

	/* An existing folder is not chmod'ed; 0775 (umask 002) is fine. */
	mkdir(at("shared"), 0775);
	chmod(at("shared"), 0775);
	tfa_err_clear(&err);
	ok(tfa_cache_write(at("shared/x.json"), "x", 1, &err) == 0,
	   "write: into an existing group-writable folder (%s)", err.msg);
	is_int(mode_of(at("shared")), 0775, "write: an existing folder keeps its mode");

	mkdir(at("world"), 0777);
	chmod(at("world"), 0777);
	tfa_err_clear(&err);
	ok(tfa_cache_write(at("world/x.json"), "x", 1, &err) == TFA_EPERM &&
	   strstr(err.msg, "any user can write") && strstr(err.hint, "chmod 700"),
	   "write: refused in a world-writable folder (%s)", err.msg);
	ok(mode_of(at("world/x.json")) < 0, "write: and nothing is written there");

	/* A path under a file: mkdir fails. */
	put(at("afile"), "x", 0600);
	tfa_err_clear(&err);
	ok(tfa_cache_write(at("afile/sub/x.json"), "x", 1, &err) == TFA_EIO &&
	   strstr(err.msg, "cannot create the folder") && err.sys_errno == ENOTDIR,
	   "write: a folder that cannot be made is TFA_EIO (%s)", err.msg);

	/* A directory where the file should be: rename fails. */
	mkdir(at("shared/d.json"), 0700);
	tfa_err_clear(&err);
	ok(tfa_cache_write(at("shared/d.json"), "x", 1, &err) == TFA_EIO &&
	   strstr(err.msg, "cannot replace"),
	   "write: a directory at the path is an error (%s)", err.msg);
	ok(!has_temp(at("shared")), "write: and the temp file is removed");

	/* The written bytes, exactly; size 0 too. */
	ok(tfa_cache_write(at("shared/empty.json"), "", 0, &err) == 0, "write: 0 bytes");
	s = slurp(at("shared/empty.json"));
	ok(s && !*s, "write: an empty file");
	free(s);

	/* Caller's cap: TFA_ETOOBIG and out unchanged. */
	tfa_buf_dispose(&b);
	tfa_buf_init(&b, 3);
	tfa_buf_adds(&b, "ab");
	tfa_err_clear(&err);
	ok(tfa_cache_read(&b, p, &missing, &err) == TFA_ETOOBIG && strcmp(b.ptr, "ab") == 0,
	   "read: past out's cap is TFA_ETOOBIG, out unchanged (%s)", err.msg);
	tfa_buf_dispose(&b);
}

static void
test_refused(void)
{
	struct tfa_buf b = TFA_BUF_INIT;
	struct tfa_err err;
	char p[512];
	int missing = -1;
	char *s, *big;

	path_to(p, "r/x.json");
	mkdir(at("r"), 0700);
	put(at("r/target"), "{\"secret\": 1}", 0600);
	symlink(at("r/target"), p);
	tfa_err_clear(&err);
	ok(tfa_cache_read(&b, p, &missing, &err) == TFA_EPERM && missing == -1 &&
	   strstr(err.msg, "it is a symbolic link") && strstr(err.msg, p) &&
	   strstr(err.hint, "rm "), "read: a symlink is refused (%s / %s)", err.msg, err.hint);
	ok(b.len == 0, "read: and nothing is read");

	symlink("nowhere", at("r/dangling.json"));
	tfa_err_clear(&err);
	ok(tfa_cache_read(&b, at("r/dangling.json"), &missing, &err) == TFA_EPERM,
	   "read: a dangling symlink is refused, not a miss");

	/* Writing over a symlink replaces the link, never its target. */
	tfa_err_clear(&err);
	ok(tfa_cache_write(p, "new", 3, &err) == 0, "write: over a symlink (%s)", err.msg);
	s = slurp(at("r/target"));
	is_str(s, "{\"secret\": 1}", "write: the link's target is untouched");
	free(s);
	is_int(mode_of(p), 0600, "write: the link is now a 0600 regular file");
	ok(tfa_cache_read(&b, p, &missing, &err) == 0 && strcmp(b.ptr, "new") == 0,
	   "read: which reads back");
	tfa_buf_reset(&b);

	put(p, "{}", 0660);
	tfa_err_clear(&err);
	ok(tap_share_group(p) == 0 && tfa_cache_read(&b, p, &missing, &err) == TFA_EPERM &&
	   strstr(err.msg, "other users can write") && strstr(err.msg, "0660") &&
	   strstr(err.hint, "chmod 600"), "read: a group-writable file is refused (%s)", err.msg);
	put(p, "{}", 0602);
	tfa_err_clear(&err);
	ok(tfa_cache_read(&b, p, &missing, &err) == TFA_EPERM,
	   "read: a world-writable file is refused");
	put(p, "{}", 0644);
	ok(tfa_cache_read(&b, p, &missing, &err) == 0 && missing == 0,
	   "read: 0644 is fine (readable is the user's choice)");
	tfa_buf_reset(&b);

	unlink(p);
	mkfifo(p, 0600);
	tfa_err_clear(&err);
	ok(tfa_cache_read(&b, p, &missing, &err) == TFA_EPERM &&
	   strstr(err.msg, "not a regular file"), "read: a FIFO is refused, without hanging");
	unlink(p);
	mkdir(p, 0700);
	tfa_err_clear(&err);
	ok(tfa_cache_read(&b, p, &missing, &err) < 0, "read: a directory is refused");
	rmdir(p);

	if (geteuid() == 0) {
		put(p, "{}", 0600);
		chown(p, NOBODY, NOBODY);
		tfa_err_clear(&err);
		ok(tfa_cache_read(&b, p, &missing, &err) == TFA_EPERM &&
		   strstr(err.msg, "belongs to uid 65534"),
		   "read: another user's file is refused (%s)", err.msg);
		mkdir(at("theirs"), 0700);
		chown(at("theirs"), NOBODY, NOBODY);
		tfa_err_clear(&err);
		ok(tfa_cache_write(at("theirs/x.json"), "x", 1, &err) == TFA_EPERM &&
		   strstr(err.msg, "refusing to write in"),
		   "write: refused in another user's folder (%s)", err.msg);
	} else {
		ok(1, "read: another user's file is refused # SKIP not root, cannot chown");
		ok(1, "write: refused in another user's folder # SKIP not root");
	}

	/* Over TFA_CACHE_MAX_FILE: corrupt, a miss. */
	big = tfa_xmalloc(TFA_CACHE_MAX_FILE + 2);
	memset(big, ' ', TFA_CACHE_MAX_FILE + 1);
	big[TFA_CACHE_MAX_FILE + 1] = '\0';
	tfa_err_clear(&err);
	tfa_err_clear(&err);
	ok(tfa_cache_write(p, big, TFA_CACHE_MAX_FILE + 1, &err) == 0, "write: 1 MiB + 1 (%s)",
	   err.msg);
	missing = -1;
	ok(tfa_cache_read(&b, p, &missing, &err) == 0 && missing == 1 && b.len == 0,
	   "read: a file over 1 MiB is a miss (%s)", err.msg);
	tfa_cache_write(p, big, TFA_CACHE_MAX_FILE, &err);
	ok(tfa_cache_read(&b, p, &missing, &err) == 0 && missing == 0 &&
	   b.len == TFA_CACHE_MAX_FILE, "read: exactly 1 MiB is read (%s)", err.msg);
	free(big);
	tfa_buf_dispose(&b);
}

/* A write that fails half-way (RLIMIT_FSIZE) leaves the old file alone. */
static void
test_failed_write(void)
{
	char p[512];
	struct tfa_err err;
	char data[8192];
	char *s;
	pid_t pid;
	int status = -1;

	path_to(p, "f/x.json");
	tfa_cache_write(p, "old contents", 12, &err);
	memset(data, 'x', sizeof(data));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 100, 100 };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		tfa_err_clear(&err);
		_exit(tfa_cache_write(p, data, sizeof(data), &err) == TFA_EIO &&
		      err.sys_errno == EFBIG ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "write: over RLIMIT_FSIZE fails with EFBIG");
	s = slurp(p);
	is_str(s, "old contents", "write: the old file is intact");
	free(s);
	ok(!has_temp(at("f")), "write: the temp file is removed");
}

/* An old file (mtime a minute ago) at path; its fd when keep, else -1. */
static int
put_old(const char *path, int keep)
{
	struct timespec t[2];
	int fd;

	put(path, "half", 0600);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= 60;
	t[1] = t[0];
	utimensat(AT_FDCWD, path, t, 0);
	if (!keep)
		return -1;
	fd = open(path, O_RDONLY);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	return fd;
}

/* What killed writers left: the next write of the same file removes it. */
static void
test_stale_temps(void)
{
	struct tfa_err err;
	char p[512];
	int held;

	path_to(p, "stale/x.json");
	tfa_err_clear(&err);
	tfa_cache_write(p, "old", 3, &err);
	put_old(at("stale/x.json.tmp.AAAAAA"), 0);
	held = put_old(at("stale/x.json.tmp.BBBBBB"), 1);
	put(at("stale/x.json.tmp.CCCCCC"), "new", 0600);
	put_old(at("stale/y.json.tmp.DDDDDD"), 0);
	put_old(at("stale/x.json.tmp.EEEEEEE"), 0);
	put_old(at("stale/target"), 0);
	if (symlink("target", at("stale/x.json.tmp.FFFFFF")) < 0)
		printf("# cannot make a symlink\n");
	ok(tfa_cache_write(p, "new", 3, &err) == 0, "stale temps: the write works (%s)",
	   err.msg);
	ok(mode_of(at("stale/x.json.tmp.AAAAAA")) < 0,
	   "stale temps: an old, unlocked temp file of the same entry is removed");
	ok(mode_of(at("stale/x.json.tmp.BBBBBB")) >= 0,
	   "stale temps: one a live writer holds (flock) is kept");
	ok(mode_of(at("stale/x.json.tmp.CCCCCC")) >= 0,
	   "stale temps: one younger than TFA__FS_TEMP_AGE is kept");
	ok(mode_of(at("stale/y.json.tmp.DDDDDD")) >= 0,
	   "stale temps: another entry's is kept");
	ok(mode_of(at("stale/x.json.tmp.EEEEEEE")) >= 0,
	   "stale temps: a name mkostemp cannot make is kept");
	ok(lstat(at("stale/x.json.tmp.FFFFFF"), &(struct stat){ 0 }) == 0 &&
	   mode_of(at("stale/target")) >= 0,
	   "stale temps: a symbolic link is neither followed nor removed");
	if (held >= 0)
		close(held);
	unlink(at("stale/x.json.tmp.FFFFFF"));
}

/* ---- credentials ---- */

static const char *const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
static const char *const TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDA==";

static int
load(struct tfa_creds *c, char **arn, const char *json, int *missing)
{
	struct tfa_err err;
	char p[512];

	path_to(p, "c/entry.json");
	put(p, json, 0600);
	tfa_creds_init(c);
	tfa_err_clear(&err);
	*missing = -1;
	return tfa_cache_load_creds(c, arn, p, missing, &err);
}

static void
miss_is(const char *json, const char *desc)
{
	struct tfa_creds c;
	int missing;

	ok(load(&c, NULL, json, &missing) == 0 && missing == 1 && !c.access_key_id,
	   "load: %s is a miss", desc);
	tfa_creds_dispose(&c);
}

static void
exp_is(const char *exp, time_t want, const char *desc)
{
	struct tfa_buf j = TFA_BUF_INIT;
	struct tfa_creds c;
	int missing, rc;

	tfa_buf_addf(&j, "{\"Credentials\": {\"AccessKeyId\": \"ASIAX\", \"SecretAccessKey\": "
		     "\"s\", \"SessionToken\": \"t\", \"Expiration\": \"%s\"}}", exp);
	rc = load(&c, NULL, j.ptr, &missing);
	if (!ok(rc == 0 && missing == 0 && c.expiration == want, "load: Expiration %s (%s)",
		exp, desc))
		printf("#   got %lld, want %lld\n", (long long)c.expiration, (long long)want);
	tfa_creds_dispose(&c);
	tfa_buf_dispose(&j);
}

static void
test_creds(void)
{
	char p[512];
	struct tfa_creds c, got;
	struct tfa_err err;
	time_t when;
	char *arn = NULL, *s;
	int missing = -1;
	size_t i, n;
	struct tfa_buf j = TFA_BUF_INIT;
	static const char *fields[] = { "AccessKeyId", "SecretAccessKey", "SessionToken",
					"Expiration" };

	path_to(p, "c/x.json");
	tfa_time_parse(&when, "2030-05-06T07:08:09Z");
	tfa_creds_init(&c);
	c.access_key_id = tfa_xstrdup("ASIAEXAMPLE");
	c.secret_access_key = tfa_xstrdup(SECRET);
	c.session_token = tfa_xstrdup(TOKEN);
	c.expiration = when;
	c.account_id = tfa_xstrdup("123456789012");
	tfa_err_clear(&err);
	ok(tfa_cache_store_creds(p, &c, "arn:aws:sts::123456789012:assumed-role/Admin/alice",
				 "AROAEXAMPLE:alice", &err) == 0, "store: ok (%s)", err.msg);
	is_int(mode_of(p), 0600, "store: the file is 0600");
	s = slurp(p);
	ok(s && strstr(s, "\"Expiration\": \"2030-05-06T07:08:09Z\""), "store: Expiration as ...Z");
	ok(s && strstr(s, "\"AssumedRoleUser\"") && strstr(s, "\"AssumedRoleId\": \"AROAEXAMPLE:alice\""),
	   "store: AssumedRoleUser");
	ok(s && strstr(s, "\"AccountId\": \"123456789012\""), "store: AccountId");
	free(s);

	tfa_creds_init(&got);
	ok(tfa_cache_load_creds(&got, &arn, p, &missing, &err) == 0 && missing == 0,
	   "load: round trip");
	is_str(got.access_key_id, "ASIAEXAMPLE", "load: AccessKeyId");
	ok(got.secret_access_key && strcmp(got.secret_access_key, SECRET) == 0,
	   "load: SecretAccessKey");
	ok(got.session_token && strcmp(got.session_token, TOKEN) == 0, "load: SessionToken");
	is_int(got.expiration, when, "load: Expiration");
	is_str(got.account_id, "123456789012", "load: AccountId");
	is_str(arn, "arn:aws:sts::123456789012:assumed-role/Admin/alice", "load: the ARN");
	free(arn);
	arn = NULL;
	tfa_creds_dispose(&got);

	/* Without arn/role_id/account: no AssumedRoleUser. */
	free(c.account_id);
	c.account_id = NULL;
	ok(tfa_cache_store_creds(p, &c, NULL, NULL, &err) == 0, "store: without the ARN");
	s = slurp(p);
	ok(s && !strstr(s, "AssumedRoleUser") && !strstr(s, "AccountId"),
	   "store: no AssumedRoleUser, no AccountId");
	free(s);
	tfa_creds_init(&got);
	arn = (char *)"x";
	ok(tfa_cache_load_creds(&got, &arn, p, &missing, &err) == 0 && missing == 0 &&
	   arn == NULL && got.account_id == NULL, "load: no ARN gives NULL");
	tfa_creds_dispose(&got);

	/* Refused: no token, no expiration; the old file stays. */
	tfa_secret_free(c.session_token);
	c.session_token = NULL;
	tfa_err_clear(&err);
	ok(tfa_cache_store_creds(at("c/no.json"), &c, NULL, NULL, &err) == TFA_EINVAL &&
	   mode_of(at("c/no.json")) < 0, "store: no session token is TFA_EINVAL (%s)", err.msg);
	ok(!strstr(err.msg, SECRET), "store: the message holds no secret");
	c.session_token = tfa_xstrdup(TOKEN);
	c.expiration = 0;
	ok(tfa_cache_store_creds(at("c/no.json"), &c, NULL, NULL, &err) == TFA_EINVAL,
	   "store: no expiration is TFA_EINVAL");
	c.expiration = when;
	ok(tfa_cache_store_creds(at("c/no.json"), &c, NULL, "bad\xff", &err) == TFA_EINVAL &&
	   mode_of(at("c/no.json")) < 0, "store: invalid UTF-8 is TFA_EINVAL, nothing written");

	/* The AWS CLI's own shape (botocore, "UTC" and ResponseMetadata). */
	ok(load(&got, &arn,
		"{\"Credentials\": {\"AccessKeyId\": \"ASIA1\", \"SecretAccessKey\": \"s\", "
		"\"SessionToken\": \"t\", \"Expiration\": \"2019-08-13T13:03:59UTC\"}, "
		"\"AssumedRoleUser\": {\"AssumedRoleId\": \"AROA:x\", "
		"\"Arn\": \"arn:aws:sts::210987654321:assumed-role/r/x\"}, "
		"\"ResponseMetadata\": {\"RequestId\": \"r\", \"HTTPStatusCode\": 200}}",
		&missing) == 0 && missing == 0, "load: an AWS CLI entry");
	is_str(got.account_id, "210987654321", "load: account from AssumedRoleUser.Arn");
	free(arn);
	arn = NULL;
	tfa_creds_dispose(&got);

	tfa_time_parse(&when, "2019-08-13T13:03:59Z");
	exp_is("2019-08-13T13:03:59Z", when, "Z");
	exp_is("2019-08-13T13:03:59UTC", when, "botocore's writer");
	exp_is("2019-08-13T13:03:59+00:00", when, "isoformat");
	exp_is("2019-08-13T15:03:59.123456+02:00", when, "an offset and fractions");

	miss_is("", "an empty file");
	miss_is("not json", "not JSON");
	miss_is("[]", "an array");
	miss_is("{\"Credentials\": []}", "Credentials not an object");
	miss_is("{\"Credentials\": {\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\", "
		"\"SessionToken\": \"t\", \"Expiration\": \"tomorrow\"}}", "a bad Expiration");
	miss_is("{\"Credentials\": {\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\", "
		"\"SessionToken\": \"t\", \"Expiration\": 1700000000}}", "a number Expiration");
	miss_is("{\"Credentials\": {\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\\u0000x\", "
		"\"SessionToken\": \"t\", \"Expiration\": \"2030-01-01T00:00:00Z\"}}", "a NUL in a value");
	for (i = 0; i < 4; i++) {
		size_t k;
		char desc[80];

		for (k = 0; k < 3; k++) {
			size_t f;

			tfa_buf_reset(&j);
			tfa_buf_adds(&j, "{\"Credentials\": {");
			for (f = 0; f < 4; f++) {
				const char *v = f == 3 ? "\"2030-01-01T00:00:00Z\"" : "\"v\"";

				if (f == i && k == 0)
					continue;       /* missing */
				if (f == i)
					v = k == 1 ? "\"\"" : "null";  /* empty, wrong type */
				tfa_buf_addf(&j, "%s\"%s\": %s", j.ptr[j.len - 1] == '{' ? "" : ", ",
					     fields[f], v);
			}
			tfa_buf_adds(&j, "}}");
			snprintf(desc, sizeof(desc), "%s %s", fields[i],
				 k == 0 ? "missing" : k == 1 ? "empty" : "null");
			miss_is(j.ptr, desc);
		}
	}

	/* Every truncation of a real entry is a miss, never a crash. */
	tfa_cache_store_creds(p, &c, "arn:aws:sts::123456789012:assumed-role/Admin/alice",
			      "AROAEXAMPLE:alice", &err);
	s = slurp(p);
	n = s ? strlen(s) : 0;
	{
		int all = 1;

		for (i = 0; i + 1 < n; i++) {
			tfa_cache_write(at("c/t.json"), s, i, &err);
			tfa_creds_init(&got);
			if (tfa_cache_load_creds(&got, NULL, at("c/t.json"), &missing, &err) != 0 ||
			    missing != 1)
				all = 0;
			tfa_creds_dispose(&got);
		}
		ok(n > 100 && all, "load: each of %zu truncations is a miss", n ? n - 1 : 0);
	}
	free(s);

	/* Errors pass through: a symlink. */
	unlink(at("c/l.json"));
	symlink(p, at("c/l.json"));
	tfa_err_clear(&err);
	missing = -1;
	ok(tfa_cache_load_creds(&got, NULL, at("c/l.json"), &missing, &err) == TFA_EPERM &&
	   missing == -1, "load: a symlink is TFA_EPERM");
	ok(tfa_cache_load_creds(&got, NULL, at("c/none.json"), &missing, &err) == 0 &&
	   missing == 1, "load: a missing file is a miss");

	tfa_buf_dispose(&j);
	tfa_creds_dispose(&c);
}

/* ---- locks ---- */

/* In a child: try to lock p within timeout s; exit 0 on success, 3 on
 * the timeout message, 1 otherwise. */
static pid_t
try_lock_child(const char *p, int timeout)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct tfa_err err;
		int fd = -1, rc;

		tfa_err_clear(&err);
		rc = tfa_cache_lock(&fd, p, timeout, &err);
		if (rc == 0)
			_exit(0);
		_exit(rc == TFA_EIO && strstr(err.msg, "another tfauth is refreshing") &&
		      strstr(err.msg, "waited 1 s") ? 3 : 1);
	}
	return pid;
}

static int
wait_child(pid_t pid)
{
	int status = -1;

	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_lock(void)
{
	char p[512];
	struct tfa_err err;
	struct timespec t0, t1;
	pid_t pid;
	double waited;
	int fd = -1, fd2 = -1;

	path_to(p, "lk/sub/x.json");
	tfa_err_clear(&err);
	ok(tfa_cache_lock(&fd, p, 1, &err) == 0 && fd >= 0, "lock: taken (%s)", err.msg);
	is_int(mode_of(at("lk/sub/x.json.lock")), 0600, "lock: the lock file is 0600");
	is_int(mode_of(at("lk/sub")), 0700, "lock: its new folder is 0700");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = try_lock_child(p, 1);
	is_int(wait_child(pid), 3, "lock: a second process times out with the message");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(waited >= 0.9 && waited < 5, "lock: after about 1 s (%.2f s)", waited);

	tfa_err_clear(&err);
	ok(tfa_cache_lock(&fd2, p, 0, &err) == TFA_EIO && fd2 == -1 && err.hint[0],
	   "lock: timeout 0 tries once (%s)", err.msg);

	/* A waiter gets the lock once it is released. */
	pid = try_lock_child(p, 10);
	usleep(200 * 1000);
	tfa_cache_unlock(fd);
	is_int(wait_child(pid), 0, "lock: a waiting process gets it after unlock");
	ok(mode_of(at("lk/sub/x.json.lock")) == 0600, "lock: the lock file stays");

	pid = try_lock_child(p, 1);
	is_int(wait_child(pid), 0, "lock: free again once its holder exited");
	tfa_cache_unlock(-1);

	unlink(at("lk/sub/y.json.lock"));
	symlink(at("lk/elsewhere"), at("lk/sub/y.json.lock"));
	tfa_err_clear(&err);
	ok(tfa_cache_lock(&fd, at("lk/sub/y.json"), 1, &err) == TFA_EPERM &&
	   strstr(err.msg, "symbolic link") && mode_of(at("lk/elsewhere")) < 0,
	   "lock: a symlinked lock file is refused, nothing created (%s)", err.msg);
	mkdir(at("lk/sub/z.json.lock"), 0700);
	tfa_err_clear(&err);
	ok(tfa_cache_lock(&fd, at("lk/sub/z.json"), 1, &err) < 0,
	   "lock: a directory as the lock file is an error (%s)", err.msg);
}

/* rm -r dir, for the test's own temp tree. */
static void
cleanup(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		wait_child(pid);
}

int
main(void)
{
	umask(022);
	if (!mkdtemp(dir))
		return 1;
	test_keys();
	test_py_json();
	test_ctx();
	test_fresh();
	test_write_read();
	test_refused();
	test_failed_write();
	test_stale_temps();
	test_creds();
	test_lock();
	cleanup();
	return tap_done();
}
