/*
 * fuzz_shell — lib/shell's quoting, against a model of the shells.
 *
 * The value is the input up to its first NUL (a shell variable cannot hold
 * one).  For each dialect the quoted word is read back by a small, strict
 * model of the shell's quoting rules, which must give the value back:
 *
 *   POSIX, bash, zsh: '...' holds anything but a quote; \c outside quotes
 *   is c (not a newline: that would be a line continuation); a few plain
 *   characters ([A-Za-z0-9_@%+,./:-]) stand for themselves; anything else
 *   outside quotes could split, expand or glob, and fails the model.  Also,
 *   for zsh's RC_QUOTES: no quoted run is empty (but in the word '') or
 *   followed directly by another.
 *
 *   fish: in '...' only \\ and \' are escapes, any other \ is literal;
 *   outside quotes the same plain characters as above.
 *
 * The export line is "export NAME=WORD\n" (fish: "set -gx NAME WORD\n"),
 * unset lines are fixed; a name is accepted exactly when it is an
 * identifier, and a refused one leaves the buffer as it was.
 *
 * tests/cli/fuzz_replay.sh also evaluates what this target emits in the
 * real bash, zsh, dash and fish: with FUZZ_SHELL_EMIT=DIR set, each input
 * appends a line to DIR/posix.sh and DIR/fish.fish that exports the value
 * and writes it to DIR/N.got-posix and DIR/N.got-fish (printf %s), and the
 * value itself to DIR/N.want.
 */
#include "fuzz.h"

#include "shell.h"

static int
plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("_@%+,./:-", c));
}

/* The value of one POSIX word, or -1 when the model refuses it. */
static int
posix_word(struct tfa_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	const char *q;

	if (!n)
		return -1;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\'') {
			if (!(q = memchr(s + i + 1, '\'', n - i - 1)))
				return -1;
			/* zsh RC_QUOTES: '' inside quotes is a quote, so no
			 * run may be empty (but the empty word) nor be
			 * followed at once by another. */
			if ((q == s + i + 1 && n != 2) ||
			    ((size_t)(q - s) + 1 < n && q[1] == '\''))
				return -1;
			tfa_buf_add(out, s + i + 1, (size_t)(q - s - i - 1));
			i = (size_t)(q - s) + 1;
		} else if (c == '\\') {
			if (i + 1 >= n || s[i + 1] == '\n')
				return -1;
			tfa_buf_addch(out, s[i + 1]);
			i += 2;
		} else if (plain(c)) {
			tfa_buf_addch(out, c);
			i++;
		} else {
			return -1;
		}
	}
	return 0;
}

static int
fish_word(struct tfa_buf *out, const char *s, size_t n)
{
	size_t i = 0;

	if (!n)
		return -1;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\'') {
			for (i++;; i++) {
				if (i >= n)
					return -1;
				if (s[i] == '\\' && i + 1 < n &&
				    (s[i + 1] == '\\' || s[i + 1] == '\'')) {
					tfa_buf_addch(out, s[++i]);
				} else if (s[i] == '\'') {
					break;
				} else {
					tfa_buf_addch(out, s[i]);
				}
			}
			i++;
		} else if (plain(c)) {
			tfa_buf_addch(out, c);
			i++;
		} else {
			return -1;
		}
	}
	return 0;
}

static int
model_name_ok(const char *s)
{
	const char *p;

	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static void
check_dialect(enum tfa_shell sh, const char *value, size_t vlen)
{
	struct tfa_buf q, back, line, want;
	const char *prefix;
	int fish = sh == TFA_SHELL_FISH;

	tfa_buf_init(&q, (size_t)1 << 24);
	tfa_buf_init(&back, (size_t)1 << 24);
	tfa_buf_init(&line, (size_t)1 << 24);
	tfa_buf_init(&want, (size_t)1 << 24);

	FUZZ_CHECK(tfa_shell_quote(&q, sh, value) == 0);
	FUZZ_CHECK(strlen(q.ptr) == q.len);
	if (fish)
		FUZZ_CHECK(fish_word(&back, q.ptr, q.len) == 0);
	else
		FUZZ_CHECK(posix_word(&back, q.ptr, q.len) == 0);
	FUZZ_CHECK(back.len == vlen && memcmp(back.ptr, value, vlen) == 0);

	prefix = fish ? "set -gx TFA_V " : "export TFA_V=";
	FUZZ_CHECK(tfa_shell_export(&line, sh, "TFA_V", value) == 0);
	tfa_buf_adds(&want, prefix);
	tfa_buf_add(&want, q.ptr, q.len);
	tfa_buf_addch(&want, '\n');
	FUZZ_CHECK(line.len == want.len && memcmp(line.ptr, want.ptr, want.len) == 0);

	tfa_buf_dispose(&q);
	tfa_buf_dispose(&back);
	tfa_buf_dispose(&line);
	tfa_buf_dispose(&want);
}

/* The input as a variable name: accepted exactly when it is one. */
static void
check_name(enum tfa_shell sh, const char *name)
{
	struct tfa_buf b;
	int ok = model_name_ok(name), rc;

	FUZZ_CHECK(tfa_shell_valid_name(name) == ok);
	tfa_buf_init(&b, 4096);
	tfa_buf_adds(&b, "kept\n");
	rc = tfa_shell_export(&b, sh, name, "v");
	FUZZ_CHECK(ok ? rc == 0 || rc == TFA_ETOOBIG : rc == TFA_EINVAL);
	if (rc < 0)
		FUZZ_CHECK(strcmp(b.ptr, "kept\n") == 0);
	tfa_buf_reset(&b);
	tfa_buf_adds(&b, "kept\n");
	rc = tfa_shell_unset(&b, sh, name);
	FUZZ_CHECK(ok ? rc == 0 || rc == TFA_ETOOBIG : rc == TFA_EINVAL);
	if (rc < 0)
		FUZZ_CHECK(strcmp(b.ptr, "kept\n") == 0);
	tfa_buf_dispose(&b);
}

/* FUZZ_SHELL_EMIT: the scripts tests/cli/fuzz_replay.sh runs. */
static void
emit(const char *dir, const char *value, size_t vlen)
{
	static unsigned long seq;
	char path[4096], out[4096];
	struct tfa_buf b;
	FILE *f;
	unsigned long n = seq++;

	snprintf(path, sizeof(path), "%s/%06lu.want", dir, n);
	f = fopen(path, "wb");
	FUZZ_CHECK(f && fwrite(value, 1, vlen, f) == vlen && fclose(f) == 0);

	tfa_buf_init(&b, (size_t)1 << 24);
	snprintf(out, sizeof(out), "%s/%06lu.got-", dir, n);
	/* The word of the directory is quoted by the library under test
	 * too; the test makes DIR a plain path. */
	FUZZ_CHECK(tfa_shell_export(&b, TFA_SHELL_POSIX, "TFA_V", value) == 0);
	tfa_buf_addf(&b, "printf %%s \"$TFA_V\" >'%sposix'\n", out);
	snprintf(path, sizeof(path), "%s/posix.sh", dir);
	f = fopen(path, "ab");
	FUZZ_CHECK(f && fwrite(b.ptr, 1, b.len, f) == b.len && fclose(f) == 0);

	tfa_buf_reset(&b);
	FUZZ_CHECK(tfa_shell_export(&b, TFA_SHELL_FISH, "TFA_V", value) == 0);
	tfa_buf_addf(&b, "printf %%s \"$TFA_V\" >'%sfish'\n", out);
	snprintf(path, sizeof(path), "%s/fish.fish", dir);
	f = fopen(path, "ab");
	FUZZ_CHECK(f && fwrite(b.ptr, 1, b.len, f) == b.len && fclose(f) == 0);
	tfa_buf_dispose(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *emit_dir;
	static int emit_checked;
	static const enum tfa_shell all[] = { TFA_SHELL_POSIX, TFA_SHELL_BASH,
					      TFA_SHELL_ZSH, TFA_SHELL_FISH };
	char *value = tfa_xstrndup((const char *)data, size);
	size_t vlen = strlen(value), i;
	enum tfa_shell sh;
	struct tfa_err err;
	int rc;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		check_dialect(all[i], value, vlen);
		check_name(all[i], value);
	}

	/* The input as a shell name: one of the four, or a usage error. */
	tfa_err_clear(&err);
	rc = tfa_shell_parse(&sh, value, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0)
		FUZZ_CHECK(strcmp(tfa_shell_name(sh), "sh") == 0 ||
			   strcmp(tfa_shell_name(sh), "bash") == 0 ||
			   strcmp(tfa_shell_name(sh), "zsh") == 0 ||
			   strcmp(tfa_shell_name(sh), "fish") == 0);
	else
		FUZZ_CHECK(rc == TFA_EUSAGE);

	if (!emit_checked) {
		emit_checked = 1;
		emit_dir = getenv("FUZZ_SHELL_EMIT");
	}
	if (emit_dir && *emit_dir)
		emit(emit_dir, value, vlen);
	free(value);
	return 0;
}
