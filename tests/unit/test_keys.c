/*
 * test_keys — lib/keys: the credentials-file rewrite on strings, the checks
 * of names, key ids and secrets, and the file: refusals, the backup, and
 * atomicity under RLIMIT_FSIZE.
 *
 * Every rewrite is also read back with lib/config, so a case checks what
 * Terraform's reader would get, not only the bytes.  No test prints a
 * secret: the fake secrets here are the only ones, and failures show the
 * rewritten text, which holds only those.
 */
#include "buf.h"
#include "config.h"
#include "keys.h"
#include "tap.h"

#include <grp.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define OLD_ID "AKIAOLDOLDOLDOLDOLD1"
#define OLD_SECRET "0ld5ecret0ld5ecret0ld5ecret0ld5ecret0ld5"

static char dir[] = "/tmp/tfa-keys-XXXXXX";
static const uid_t NOBODY = 65534;

/* dir + "/" + rel, in one of four static buffers. */
static const char *
at(const char *rel)
{
	static char paths[4][512];
	static int i;
	char *p = paths[i++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, rel);
	return p;
}

static void
put(const char *path, const char *data, size_t n, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

static void
puts_file(const char *path, const char *data, mode_t mode)
{
	put(path, data, strlen(data), mode);
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

	return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Whether folder d holds a name with ".tmp." in it. */
static int
has_temp(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "ls -a '%s' 2>/dev/null | grep -q '\\.tmp\\.'", d);
	return system(cmd) == 0;
}

/* ------------------------------------------------------------ rewrite */

static struct tfa_keys_edit ed;
static struct tfa_err err;

/* Rewrite in for profile; the new text (caller frees) or NULL on error. */
static char *
rw_n(const char *in, size_t n, const char *profile)
{
	struct tfa_buf out;
	char *res = NULL;

	tfa_buf_init_secret(&out, 0);
	tfa_err_clear(&err);
	memset(&ed, 0x5a, sizeof(ed));
	if (tfa_keys_rewrite(&out, &ed, in, n, profile, ID, SECRET, &err) == 0)
		res = tfa_xstrndup(out.ptr, out.len);
	tfa_buf_dispose(&out);
	return res;
}

static char *
rw(const char *in, const char *profile)
{
	return rw_n(in, strlen(in), profile);
}

/*
 * Read text back with lib/config as a credentials file: 1 when profile has
 * exactly the new keys and no session token.
 */
static int
reads_back(const char *text, const char *profile)
{
	struct tfa_config *cfg = NULL;
	const struct tfa_section *s;
	struct tfa_err e;
	const char *id, *secret;
	int good = 0;

	if (!text)
		return 0;
	puts_file(at("readback"), text, 0600);
	tfa_err_clear(&e);
	if (tfa_config_load_files(&cfg, NULL, at("readback"), &e) < 0) {
		printf("#   config: %s\n", e.msg);
		return 0;
	}
	s = tfa_config_profile(cfg, profile);
	id = s ? tfa_section_value(s, "aws_access_key_id") : NULL;
	secret = s ? tfa_section_value(s, "aws_secret_access_key") : NULL;
	good = id && secret && strcmp(id, ID) == 0 && strcmp(secret, SECRET) == 0 &&
	       !tfa_section_value(s, "aws_session_token") &&
	       !tfa_section_value(s, "aws_security_token");
	if (!good)
		printf("#   read back: id=%s secret=%s\n", id ? id : "(none)",
		       secret ? (strcmp(secret, SECRET) == 0 ? "new" : "other") : "(none)");
	tfa_config_free(cfg);
	return good;
}

/* One case: in -> want for profile, and it reads back. */
static void
case_is(const char *desc, const char *in, const char *profile, const char *want)
{
	char *got = rw(in, profile);

	if (!got)
		printf("#   error: %s\n", err.msg);
	is_str(got, want, "%s", desc);
	ok(reads_back(got, profile), "%s: lib/config reads the new keys", desc);
	free(got);
}

static void
test_positions(void)
{
	const char *others =
		"[b]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\n"
		"aws_secret_access_key = bbbb\n";

	case_is("first of three",
		"[a]\naws_access_key_id = " OLD_ID "\naws_secret_access_key = "
		OLD_SECRET "\n\n[b]\nregion = x\n\n[c]\nregion = y\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET
		"\n\n[b]\nregion = x\n\n[c]\nregion = y\n");
	is_int(ed.sections, 1, "first: one section");
	is_int(ed.replaced, 2, "first: two lines replaced");
	is_int(ed.inserted, 0, "first: none inserted");
	ok(!ed.section_added, "first: no section added");

	case_is("middle",
		"[x]\nregion = x\n\n[a]\naws_access_key_id=" OLD_ID
		"\naws_secret_access_key=" OLD_SECRET "\n\n[c]\nregion = y\n", "a",
		"[x]\nregion = x\n\n[a]\naws_access_key_id=" ID
		"\naws_secret_access_key=" SECRET "\n\n[c]\nregion = y\n");

	{
		struct tfa_buf in = TFA_BUF_INIT, want = TFA_BUF_INIT;
		tfa_buf_addf(&in, "%s\n[a]\naws_secret_access_key   =   %s\n"
			     "aws_access_key_id =\t%s", others, OLD_SECRET, OLD_ID);
		tfa_buf_addf(&want, "%s\n[a]\naws_secret_access_key   =   %s\n"
			     "aws_access_key_id =\t%s", others, SECRET, ID);
		case_is("last, keys in the other order, odd spacing, no final newline",
			in.ptr, "a", want.ptr);
		tfa_buf_dispose(&in);
		tfa_buf_dispose(&want);
	}

	case_is("absent: a section at the end after a blank line",
		"[b]\nregion = x\n", "a",
		"[b]\nregion = x\n\n[a]\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");
	ok(ed.section_added && ed.sections == 0, "absent: section_added, 0 sections");

	case_is("absent, the file ends without a newline",
		"[b]\nregion = x", "a",
		"[b]\nregion = x\n\n[a]\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("absent, the file ends with a blank line: no second one",
		"[b]\nregion = x\n\n", "a",
		"[b]\nregion = x\n\n[a]\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("empty file",
		"", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET "\n");

	case_is("only comments",
		"# keys\n; more\n", "a",
		"# keys\n; more\n\n[a]\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");
}

static void
test_format(void)
{
	case_is("CRLF: replaced lines keep CRLF, added ones use it",
		"[a]\r\nregion = x\r\naws_access_key_id = " OLD_ID "\r\n\r\n[b]\r\n"
		"region = y\r\n", "a",
		"[a]\r\nregion = x\r\naws_access_key_id = " ID "\r\n"
		"aws_secret_access_key = " SECRET "\r\n\r\n[b]\r\nregion = y\r\n");

	case_is("CRLF: a new section with CRLF",
		"[b]\r\nregion = y\r\n", "a",
		"[b]\r\nregion = y\r\n\r\n[a]\r\naws_access_key_id = " ID "\r\n"
		"aws_secret_access_key = " SECRET "\r\n");

	/* Found by fuzz_keys: the CR was taken for the line's end, and the
	 * secret added after it was glued onto the key id's line. */
	case_is("a bare CR at the very end is not a line end (kept as text, "
		"like anything after the value)",
		"[a]\naws_access_key_id = " OLD_ID "\r", "a",
		"[a]\naws_access_key_id = " ID "\r\naws_secret_access_key = " SECRET "\n");

	case_is("comments, blank lines and inline comments stay",
		"# top\n\n[a] # the main one\n; before the key\naws_access_key_id = "
		OLD_ID " # rotated 2023\n  # indented comment\n\naws_secret_access_key"
		" = " OLD_SECRET "\n# trailing\n\n[b]\nregion = x ; c\n", "a",
		"# top\n\n[a] # the main one\n; before the key\naws_access_key_id = "
		ID " # rotated 2023\n  # indented comment\n\naws_secret_access_key"
		" = " SECRET "\n# trailing\n\n[b]\nregion = x ; c\n");

	case_is("odd case keys keep their spelling",
		"[a]\nAWS_Access_Key_ID=" OLD_ID "\nAws_Secret_Access_Key=" OLD_SECRET
		"\n", "a",
		"[a]\nAWS_Access_Key_ID=" ID "\nAws_Secret_Access_Key=" SECRET "\n");

	case_is("'key: value' (go-v2's legacy separator)",
		"[a]\naws_access_key_id: " OLD_ID "\naws_secret_access_key : "
		OLD_SECRET "\n", "a",
		"[a]\naws_access_key_id: " ID "\naws_secret_access_key : " SECRET "\n");

	case_is("quoted old values are replaced whole",
		"[a]\naws_access_key_id = \"" OLD_ID "\"\naws_secret_access_key = '"
		OLD_SECRET "'\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET "\n");

	case_is("empty old values",
		"[a]\naws_access_key_id =\naws_secret_access_key=\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key= " SECRET "\n");

	case_is("continuation lines of old values go (one after a blank line)",
		"[a]\naws_access_key_id = " OLD_ID "\n  more\n\tand more\n"
		"aws_secret_access_key = " OLD_SECRET "\n\n  after-blank\nregion = x\n"
		"  region-cont\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET
		"\n\nregion = x\n  region-cont\n");
	is_int(ed.lines_removed, 3, "continuations: 3 lines removed");

	case_is("sub-properties of an empty old value go",
		"[a]\naws_access_key_id =\n  x = 1\n  y = 2\naws_secret_access_key = "
		OLD_SECRET "\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET "\n");

	case_is("a BOM stays, the first section still matches",
		"\xef\xbb\xbf[a]\naws_access_key_id = " OLD_ID "\naws_secret_access_key"
		" = " OLD_SECRET "\n", "a",
		"\xef\xbb\xbf[a]\naws_access_key_id = " ID "\naws_secret_access_key"
		" = " SECRET "\n");

	case_is("a longer key name is another setting",
		"[a]\naws_access_key_id_old = x\naws_access_key_id = " OLD_ID
		"\naws_secret_access_key = " OLD_SECRET "\n", "a",
		"[a]\naws_access_key_id_old = x\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");
}

static void
test_tokens_and_inserts(void)
{
	case_is("a session token is removed, with its continuation",
		"[a]\naws_access_key_id = ASIAOLDOLDOLDOLDOLD1\naws_secret_access_key"
		" = " OLD_SECRET "\naws_session_token = FwoGZXIv\n  ZXhhbXBsZQ==\n"
		"region = x\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET
		"\nregion = x\n");
	is_int(ed.tokens_removed, 1, "token: 1 removed");
	is_int(ed.lines_removed, 1, "token: its continuation removed");

	case_is("aws_security_token (botocore's old name) too; other profiles' "
		"tokens stay",
		"[b]\naws_session_token = keep-me\n\n[a]\nAWS_SECURITY_TOKEN = old\n"
		"aws_session_token = old\naws_access_key_id = " OLD_ID "\n"
		"aws_secret_access_key = " OLD_SECRET "\n", "a",
		"[b]\naws_session_token = keep-me\n\n[a]\naws_access_key_id = " ID "\n"
		"aws_secret_access_key = " SECRET "\n");
	is_int(ed.tokens_removed, 2, "two tokens removed");

	case_is("no keys yet: added after the last setting and its continuation",
		"[a]\nregion = eu-west-1\noutput = json\n  cont\n\n# next\n[b]\n"
		"region = x\n", "a",
		"[a]\nregion = eu-west-1\noutput = json\n  cont\naws_access_key_id = "
		ID "\naws_secret_access_key = " SECRET "\n\n# next\n[b]\nregion = x\n");
	is_int(ed.inserted, 2, "no keys: two inserted");

	case_is("an empty section: right after its header",
		"[a]\n\n[b]\nregion = x\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET
		"\n\n[b]\nregion = x\n");

	case_is("an empty last section without a newline",
		"[b]\nregion = x\n[a]", "a",
		"[b]\nregion = x\n[a]\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("only the key id: the secret goes after it",
		"[a]\naws_access_key_id = " OLD_ID "\n  junk\nregion = x\n", "a",
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET
		"\nregion = x\n");
	is_int(ed.inserted, 1, "only the id: one inserted");

	case_is("only the secret: the key id goes before it",
		"[a]\nregion = x\n# the secret\naws_secret_access_key = " OLD_SECRET
		"\n", "a",
		"[a]\nregion = x\n# the secret\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("only a token, at the end of the section",
		"[a]\nregion = x\naws_session_token = t\n  t2\n\n[b]\n", "a",
		"[a]\nregion = x\naws_access_key_id = " ID "\naws_secret_access_key = "
		SECRET "\n\n[b]\n");
}

static void
test_sections(void)
{
	/*
	 * go-v2 and the CRT merge repeated sections (a later key wins);
	 * botocore refuses the file.  Every copy gets the new keys.
	 */
	case_is("duplicate sections: keys replaced in each copy",
		"[a]\naws_access_key_id = " OLD_ID "\n\n[b]\nregion = x\n\n[a]\n"
		"aws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = "
		OLD_SECRET "\n", "a",
		"[a]\naws_access_key_id = " ID "\n\n[b]\nregion = x\n\n[a]\n"
		"aws_access_key_id = " ID "\naws_secret_access_key = " SECRET "\n");
	is_int(ed.sections, 2, "duplicates: 2 sections counted");
	is_int(ed.replaced, 3, "duplicates: 3 lines replaced");
	is_int(ed.inserted, 0, "duplicates: nothing inserted (the secret is in one)");

	case_is("duplicate sections without keys: added to the first",
		"[a]\nregion = x\n[a]\noutput = json\n", "a",
		"[a]\nregion = x\naws_access_key_id = " ID "\naws_secret_access_key = "
		SECRET "\n[a]\noutput = json\n");

	case_is("names are case-sensitive: [A] is another profile",
		"[A]\naws_access_key_id = " OLD_ID "\n", "a",
		"[A]\naws_access_key_id = " OLD_ID "\n\n[a]\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("[ab] and [a b] are not [a]",
		"[ab]\nregion = x\n[a b]\nregion = y\n", "a",
		"[ab]\nregion = x\n[a b]\nregion = y\n\n[a]\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("[profile a] is ignored in a credentials file, and left alone",
		"[profile a]\naws_access_key_id = " OLD_ID "\n  cont\n", "a",
		"[profile a]\naws_access_key_id = " OLD_ID "\n  cont\n\n[a]\n"
		"aws_access_key_id = " ID "\naws_secret_access_key = " SECRET "\n");

	case_is("blanks inside the brackets, and a comment after the header",
		"[  a  ] ; main\nregion = x\n", "a",
		"[  a  ] ; main\nregion = x\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("a name with a blank: [team   dev] is read as 'team dev'",
		"[team   dev]\naws_access_key_id = " OLD_ID "\n", "team dev",
		"[team   dev]\naws_access_key_id = " ID "\naws_secret_access_key = "
		SECRET "\n");

	case_is("UTF-8 names",
		"[prod]\nregion = x\n[prød]\naws_access_key_id = " OLD_ID "\n"
		"aws_secret_access_key = " OLD_SECRET "\n", "prød",
		"[prod]\nregion = x\n[prød]\naws_access_key_id = " ID "\n"
		"aws_secret_access_key = " SECRET "\n");

	case_is("names with @ : / + = .",
		"[me@corp:role/x+y=z.1]\nregion = x\n", "me@corp:role/x+y=z.1",
		"[me@corp:role/x+y=z.1]\nregion = x\naws_access_key_id = " ID
		"\naws_secret_access_key = " SECRET "\n");

	case_is("keys in other sections stay; indented lines of ignored sections too",
		"[b]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\n[profile x]\n  odd\n"
		"[a]\naws_access_key_id = " OLD_ID "\n", "a",
		"[b]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\n[profile x]\n  odd\n"
		"[a]\naws_access_key_id = " ID "\naws_secret_access_key = " SECRET "\n");
}

static void
bad_input(const char *desc, const char *in, size_t n, const char *want_msg)
{
	char *got = rw_n(in, n ? n : strlen(in), "a");

	ok(!got && err.code == TFA_EINVAL && strstr(err.msg, want_msg),
	   "refused: %s (%s)", desc, err.msg);
	free(got);
}

static void
test_bad_files(void)
{
	struct tfa_buf out, plain = TFA_BUF_INIT;
	char *got;

	bad_input("a '[' line without ']'", "[a]\nx = 1\n[b\n", 0, "line 3: missing ']'");
	bad_input("a setting before any section", "x = 1\n[a]\n", 0,
		  "line 1: a setting before any section");
	bad_input("a line without '='", "[a]\njunk\n", 0, "line 2: expected 'key = value'");
	bad_input("a setting without a name", "[a]\n= v\n", 0,
		  "line 2: a setting without a name");
	bad_input("an indented line with nothing above", "[a]\n  x\n", 0,
		  "line 2: an indented line");
	bad_input("a NUL byte", "[a]\nx = 1\0\n", 10, "line 2: a NUL byte");
	bad_input("invalid UTF-8", "[a]\n\nx = \xff\n", 0, "line 3: not valid UTF-8");

	/* The same file fails the config loader, so they agree. */
	puts_file(at("bad"), "[a]\njunk\n", 0600);
	{
		struct tfa_config *cfg = NULL;
		struct tfa_err e;
		tfa_err_clear(&e);
		ok(tfa_config_load_files(&cfg, NULL, at("bad"), &e) < 0,
		   "lib/config refuses that file too");
		tfa_config_free(cfg);
	}

	tfa_err_clear(&err);
	ok(tfa_keys_rewrite(&plain, NULL, "", 0, "a", ID, SECRET, &err) == TFA_EUSAGE &&
	   plain.len == 0, "out must be a secret buffer");
	tfa_buf_dispose(&plain);

	tfa_buf_init_secret(&out, 0);
	tfa_buf_adds(&out, "kept");
	tfa_err_clear(&err);
	ok(tfa_keys_rewrite(&out, NULL, "[a]\njunk\n", 9, "a", ID, SECRET, &err) < 0 &&
	   strcmp(out.ptr, "kept") == 0, "on error out is unchanged");
	tfa_err_clear(&err);
	ok(tfa_keys_rewrite(&out, NULL, "", 0, "a", "AKIA", SECRET, &err) == TFA_EUSAGE,
	   "a bad key id is TFA_EUSAGE for rewrite");
	tfa_err_clear(&err);
	ok(tfa_keys_rewrite(&out, NULL, "", 0, "a]", ID, SECRET, &err) == TFA_EUSAGE,
	   "a bad profile name is TFA_EUSAGE for rewrite");
	tfa_buf_dispose(&out);

	got = rw("[a]\naws_access_key_id = " OLD_ID "\n", "a");
	ok(got && !strstr(got, OLD_ID), "the old key id is gone");
	free(got);
}

/* ------------------------------------------------------------- checks */

static void
name_refused(const char *name, const char *desc)
{
	tfa_err_clear(&err);
	ok(tfa_keys_check_profile(name, &err) == TFA_EUSAGE &&
	   !strchr(err.msg, '\n') && !strchr(err.msg, '\033'),
	   "name refused: %s (%s)", desc, err.msg);
}

static void
test_names(void)
{
	char longname[TFA_KEYS_MAX_NAME + 2];
	const char *good[] = { "default", "prod", "a b", "prød", "me@corp:x/y+z=1.2",
			       "日本", "a-b_c" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		tfa_err_clear(&err);
		ok(tfa_keys_check_profile(good[i], &err) == 0, "name ok: '%s'", good[i]);
	}
	name_refused("", "empty");
	name_refused("a]b", "']'");
	name_refused("a[b", "'['");
	name_refused("a#b", "'#'");
	name_refused("a;b", "';'");
	name_refused("a\nb", "a newline");
	name_refused("a\rb", "a carriage return");
	name_refused("a\tb", "a tab");
	name_refused("\033[31mred", "an escape sequence");
	name_refused("a\xc2\x9b" "31m", "a C1 control (CSI)");
	name_refused("a\x7f", "DEL");
	name_refused(" a", "a leading blank");
	name_refused("a ", "a trailing blank");
	name_refused("a  b", "two blanks in a row");
	name_refused("profile x", "'profile x'");
	name_refused("\xff\xfe", "invalid UTF-8");
	name_refused("a\xc3", "truncated UTF-8");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	name_refused(longname, "too long");
	tfa_err_clear(&err);
	tfa_keys_check_profile("\033]2;pwned\007", &err);
	ok(!strchr(err.msg, '\033') && !strchr(err.msg, '\007') &&
	   strstr(err.msg, "\\x1b"), "a hostile name is escaped in the message");
	ok(tfa_keys_check_profile("profilex", &err) == 0, "'profilex' is a name");
}

static void
id_refused(const char *id, const char *desc)
{
	tfa_err_clear(&err);
	ok(tfa_keys_check_key_id(id, &err) == TFA_EINVAL &&
	   (!*id || (!strstr(err.msg, id) && !strstr(err.hint, id))),
	   "key id refused: %s (%s)", desc, err.msg);
}

static void
secret_refused(const char *s, const char *desc, const char *want)
{
	tfa_err_clear(&err);
	ok(tfa_keys_check_secret(s, &err) == TFA_EINVAL && strstr(err.msg, want) &&
	   (!*s || (!strstr(err.msg, s) && !strstr(err.hint, s))),
	   "secret refused: %s (%s)", desc, err.msg);
}

static void
test_keys_format(void)
{
	tfa_err_clear(&err);
	ok(tfa_keys_check_key_id(ID, &err) == 0, "key id ok: AKIA...");
	ok(tfa_keys_check_key_id("ASIAIOSFODNN7EXAMPLE", &err) == 0,
	   "key id format ok: ASIA... (set-keys refuses it for other reasons)");
	ok(tfa_keys_check_key_id("AKIA0123456789ABCDEF", &err) == 0, "digits ok");
	id_refused("", "empty");
	id_refused("AKIAIOSFODNN7EXAMPL", "19 characters");
	id_refused("AKIAIOSFODNN7EXAMPLEX", "21 characters");
	id_refused("AKIAiosfodnn7example", "lower case");
	id_refused("AKIAIOSFODNN7EXAMPL ", "a blank");
	id_refused("AKIAIOSFODNN7EXAMP\nE", "a newline");
	id_refused("ABIAIOSFODNN7EXAMPLE", "another prefix");
	id_refused("AIDAIOSFODNN7EXAMPLE", "a user id (AIDA)");
	tfa_err_clear(&err);
	tfa_keys_check_key_id(SECRET, &err);
	ok(strstr(err.msg, "looks like the secret") && !strstr(err.msg, SECRET) &&
	   !strstr(err.hint, SECRET), "a secret given as key id: said, not shown");

	tfa_err_clear(&err);
	ok(tfa_keys_check_secret(SECRET, &err) == 0, "secret ok");
	ok(tfa_keys_check_secret("++++////0000aaaaZZZZ++++////0000aaaaZZZZ", &err) == 0,
	   "secret of + / digits ok");
	secret_refused("", "empty", "empty");
	secret_refused("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE", "39 characters",
		       "39 characters");
	secret_refused("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX", "41 characters",
		       "41 characters");
	secret_refused("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE\n", "a trailing LF",
		       "a line break (character 40)");
	secret_refused("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE\r", "a trailing CR",
		       "a line break");
	secret_refused("wJalrXUtnFEMI/K7MDENG bPxRfiCYEXAMPLEKEY", "a space",
		       "a blank (character 22)");
	secret_refused("\twJalrXUtnFEMI/K7MDENGbPxRfiCYEXAMPLEKEY", "a tab", "a blank");
	secret_refused("wJalrXUtnFEMI=K7MDENG/bPxRfiCYEXAMPLEKEY", "'='",
		       "a character other than");
	secret_refused("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKé", "non-ASCII",
		       "a character other than");
	tfa_err_clear(&err);
	tfa_keys_check_secret(ID, &err);
	ok(strstr(err.hint, "looks like the key id") != NULL,
	   "a key id given as secret: the hint says so");
}

/* -------------------------------------------------------------- files */

static void
test_check_file(void)
{
	int exists = -1;

	tfa_err_clear(&err);
	ok(tfa_keys_check_file(&exists, at("none"), &err) == 0 && exists == 0,
	   "check: a missing file is fine (exists 0)");
	puts_file(at("c600"), "[a]\n", 0600);
	ok(tfa_keys_check_file(&exists, at("c600"), &err) == 0 && exists == 1,
	   "check: a 0600 file is fine (exists 1)");
	puts_file(at("c644"), "[a]\n", 0644);
	ok(tfa_keys_check_file(&exists, at("c644"), &err) == 0,
	   "check: 0644 is fine (only writers are refused)");
	puts_file(at("c666"), "[a]\n", 0666);
	ok(tfa_keys_check_file(&exists, at("c666"), &err) == TFA_EPERM &&
	   strstr(err.msg, "other users can write") && strstr(err.hint, "chmod 600"),
	   "check: 0666 is refused with a chmod hint");
	puts_file(at("c620"), "[a]\n", 0620);
	tfa_err_clear(&err);
	ok(tap_share_group(at("c620")) == 0 &&
	   tfa_keys_check_file(&exists, at("c620"), &err) == TFA_EPERM,
	   "check: writable by a group not the user's own (0620) is refused");
	puts_file(at("c620p"), "[a]\n", 0620);
	tfa_err_clear(&err);
	ok(chown(at("c620p"), (uid_t)-1, getgid()) == 0 &&
	   tfa_keys_check_file(&exists, at("c620p"), &err) ==
	   (getgrgid(getgid()) && getpwuid(getuid()) &&
	    strcmp(getgrgid(getgid())->gr_name, getpwuid(getuid())->pw_name) == 0 &&
	    !getgrgid(getgid())->gr_mem[0] ? 0 : TFA_EPERM),
	   "check: 0620 in the user's primary group: fine when it is a private "
	   "group (named like the user, no members), else refused (%s)", err.msg);
	unlink(at("link"));
	if (symlink(at("c600"), at("link")) == 0) {
		tfa_err_clear(&err);
		ok(tfa_keys_check_file(&exists, at("link"), &err) == TFA_EPERM &&
		   strstr(err.msg, "symbolic link"), "check: a symlink is refused");
	}
	mkdir(at("adir"), 0700);
	tfa_err_clear(&err);
	ok(tfa_keys_check_file(&exists, at("adir"), &err) == TFA_EPERM &&
	   strstr(err.msg, "not a regular file"), "check: a folder is refused");
	if (geteuid() == 0) {
		puts_file(at("theirs"), "[a]\n", 0600);
		if (chown(at("theirs"), NOBODY, NOBODY) == 0) {
			tfa_err_clear(&err);
			ok(tfa_keys_check_file(&exists, at("theirs"), &err) == TFA_EPERM &&
			   strstr(err.msg, "belongs to uid 65534"),
			   "check: another user's file is refused");
		}
	} else {
		ok(1, "check: another user's file # SKIP not root, cannot chown");
	}
}

static int
save(const char *path, const char *profile)
{
	tfa_err_clear(&err);
	memset(&ed, 0, sizeof(ed));
	return tfa_keys_save(&ed, path, profile, ID, SECRET, &err);
}

static void
test_save(void)
{
	const char *old =
		"# mine\n[b]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\n"
		"aws_secret_access_key = bbbb\n\n[a]\naws_access_key_id = " OLD_ID
		"\naws_secret_access_key = " OLD_SECRET "\naws_session_token = t\n";
	char path[512], bak[600];
	char *s;

	/* A new file in new folders. */
	snprintf(path, sizeof(path), "%s", at("new/deeper/credentials"));
	ok(save(path, "a") == 0, "save: creates a missing file (%s)", err.msg);
	ok(ed.created && ed.section_added, "save: edit says created, section added");
	is_int(mode_of(path), 0600, "save: the new file is 0600");
	is_int(mode_of(at("new/deeper")), 0700, "save: a new folder is 0700");
	is_int(mode_of(at("new")), 0700, "save: each new parent is 0700");
	ok(access(at("new/deeper/credentials.bak"), F_OK) != 0,
	   "save: no backup when there was no file");
	ok(reads_back(s = slurp(path), "a"), "save: the new file has the keys");
	free(s);
	ok(!has_temp(at("new/deeper")), "save: no temp file left");

	/* Over an old file: the backup, the other profiles, the mode. */
	mkdir(at("home"), 0700);
	snprintf(path, sizeof(path), "%s", at("home/credentials"));
	snprintf(bak, sizeof(bak), "%s.bak", path);
	puts_file(path, old, 0644);
	ok(save(path, "a") == 0, "save: over an existing file (%s)", err.msg);
	s = slurp(bak);
	is_str(s, old, "save: the .bak is the old file, byte for byte");
	free(s);
	is_int(mode_of(bak), 0600, "save: the .bak is 0600");
	is_int(mode_of(path), 0600, "save: the new file is 0600 (was 0644)");
	is_int(ed.old_mode, 0644, "save: edit reports the old mode");
	ok(!ed.created && ed.tokens_removed == 1, "save: token removed, not created");
	s = slurp(path);
	ok(s && strncmp(s, old, 99) == 0, "save: the lines before [a] are unchanged");
	ok(reads_back(s, "a"), "save: the new keys read back");
	free(s);
	ok(!has_temp(at("home")), "save: no temp file left");

	/* A second save: the backup is the first result. */
	s = slurp(path);
	ok(save(path, "b") == 0, "save: a second profile");
	{
		char *b = slurp(bak);
		is_str(b, s, "save: the .bak is now the previous version");
		free(b);
	}
	free(s);

	/* A .bak that is a symlink is replaced, its target left alone. */
	puts_file(at("victim"), "victim", 0600);
	unlink(bak);
	if (symlink(at("victim"), bak) == 0) {
		ok(save(path, "a") == 0, "save: with a symlinked .bak");
		s = slurp(at("victim"));
		is_str(s, "victim", "save: the .bak link's target is untouched");
		free(s);
		ok(mode_of(bak) == 0600, "save: the .bak is a regular 0600 file now");
	}
}

static void
test_refusals(void)
{
	char path[512];
	char *s;

	mkdir(at("r"), 0700);
	puts_file(at("r/real"), "[a]\nregion = x\n", 0600);
	snprintf(path, sizeof(path), "%s", at("r/credentials"));
	unlink(path);
	if (symlink(at("r/real"), path) == 0) {
		ok(save(path, "a") == TFA_EPERM && strstr(err.msg, "symbolic link"),
		   "save: a symlinked credentials file is refused");
		s = slurp(at("r/real"));
		is_str(s, "[a]\nregion = x\n", "save: the link's target is untouched");
		free(s);
		ok(access(at("r/credentials.bak"), F_OK) != 0, "save: no .bak");
		unlink(path);
	}
	puts_file(path, "[a]\nregion = x\n", 0666);
	ok(save(path, "a") == TFA_EPERM, "save: a 0666 file is refused");
	s = slurp(path);
	is_str(s, "[a]\nregion = x\n", "save: the 0666 file is untouched");
	free(s);
	if (geteuid() == 0 && chmod(path, 0600) == 0 && chown(path, NOBODY, NOBODY) == 0) {
		ok(save(path, "a") == TFA_EPERM && strstr(err.msg, "belongs to uid"),
		   "save: another user's file is refused");
		chown(path, 0, 0);
	} else {
		ok(1, "save: another user's file # SKIP not root");
	}
	puts_file(path, "[a]\njunk\n", 0600);
	ok(save(path, "a") == TFA_EINVAL && strstr(err.msg, "credentials:2: expected"),
	   "save: an unreadable file is refused with file:line (%s)", err.msg);
	s = slurp(path);
	is_str(s, "[a]\njunk\n", "save: ... and untouched");
	free(s);

	mkdir(at("open"), 0777);
	chmod(at("open"), 0777);
	ok(save(at("open/credentials"), "a") == TFA_EPERM &&
	   strstr(err.msg, "any user can write"), "save: a world-writable folder is refused");
	ok(access(at("open/credentials"), F_OK) != 0, "save: ... nothing written there");

	tfa_err_clear(&err);
	ok(tfa_keys_save(NULL, at("r/x"), "a", ID, "short", &err) == TFA_EUSAGE &&
	   access(at("r/x"), F_OK) != 0, "save: a bad secret writes nothing");
	ok(!strstr(err.msg, "short"), "save: ... and is not in the message");
}

/*
 * A write cut short (RLIMIT_FSIZE) leaves the old file intact and no temp
 * file.  limit: bytes a file may grow to in the child.
 */
static int
save_limited(const char *path, rlim_t limit, int *sys_errno)
{
	int fds[2], status = -1, res[2] = { -1, 0 };
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { limit, limit };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		tfa_err_clear(&err);
		res[0] = tfa_keys_save(NULL, path, "a", ID, SECRET, &err);
		res[1] = err.sys_errno;
		if (write(fds[1], res, sizeof(res)) < 0)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], res, sizeof(res)) != sizeof(res))
		res[0] = -100;
	close(fds[0]);
	waitpid(pid, &status, 0);
	*sys_errno = res[1];
	return res[0];
}

static void
test_atomic(void)
{
	struct tfa_buf big = TFA_BUF_INIT;
	char path[512], bak[600];
	int e = 0, rc, i;
	char *s;

	mkdir(at("atom"), 0700);
	snprintf(path, sizeof(path), "%s", at("atom/credentials"));
	snprintf(bak, sizeof(bak), "%s.bak", path);
	/* The new text is longer than the old: the limit falls between. */
	for (i = 0; i < 100; i++)
		tfa_buf_addf(&big, "[p%d]\nregion = eu-west-1\n\n", i);
	tfa_buf_adds(&big, "[a]\naws_access_key_id = AKIAOLD\n");
	put(path, big.ptr, big.len, 0600);
	rc = save_limited(path, (rlim_t)big.len + 20, &e);
	ok(rc == TFA_EIO && e == EFBIG,
	   "atomic: the new file's write fails with EFBIG (rc %d, errno %d)", rc, e);
	s = slurp(path);
	ok(s && strcmp(s, big.ptr) == 0, "atomic: the old file is intact");
	free(s);
	ok(!has_temp(at("atom")), "atomic: no temp file left");
	s = slurp(bak);
	ok(s && strcmp(s, big.ptr) == 0, "atomic: the .bak (written first) is the "
	   "old file too");
	free(s);

	unlink(bak);
	rc = save_limited(path, 100, &e);
	ok(rc == TFA_EIO && e == EFBIG, "atomic: the backup's write fails first");
	s = slurp(path);
	ok(s && strcmp(s, big.ptr) == 0, "atomic: ... the old file is intact");
	free(s);
	ok(access(bak, F_OK) != 0, "atomic: ... no .bak");
	ok(!has_temp(at("atom")), "atomic: ... no temp file left");

	ok(save(path, "a") == 0, "atomic: without the limit it works");
	tfa_buf_dispose(&big);
}

int
main(void)
{
	char cmd[600];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_positions();
	test_format();
	test_tokens_and_inserts();
	test_sections();
	test_bad_files();
	test_names();
	test_keys_format();
	test_check_file();
	test_save();
	test_refusals();
	test_atomic();
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return tap_done();
}
