#include "buf.h"
#include "ctx.h"
#include "err.h"
#include "shell.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static struct tfa_buf qbuf = TFA_BUF_INIT;

/* s quoted for sh, in a buffer reused by the next call. */
static const char *
quoted(enum tfa_shell sh, const char *s)
{
	tfa_buf_reset(&qbuf);
	if (tfa_shell_quote(&qbuf, sh, s) != 0)
		return "(error)";
	return qbuf.ptr;
}

/*
 * Undo POSIX quoting the way sh's lexer does, for the only forms quote_posix
 * may emit: 'quoted runs' and \' outside them.  Anything else (a bare byte,
 * an unterminated run) fails, and so does an empty run other than the whole
 * word ''.  rc_quotes reads '' inside a run as one quote, like zsh with
 * RC_QUOTES set: a word that decodes the same both ways is safe under it.
 */
static int
decode_posix(struct tfa_buf *out, const char *s, int rc_quotes)
{
	const char *start;

	tfa_buf_reset(out);
	if (strcmp(s, "''") == 0)
		return 0;
	while (*s) {
		if (*s == '\\') {
			if (s[1] != '\'')
				return -1;
			tfa_buf_addch(out, '\'');
			s += 2;
		} else if (*s == '\'') {
			start = ++s;
			for (;;) {
				while (*s && *s != '\'')
					tfa_buf_addch(out, *s++);
				if (!*s)
					return -1;
				s++;
				if (rc_quotes && *s == '\'') {
					tfa_buf_addch(out, '\'');
					s++;
					continue;
				}
				break;
			}
			if (s - start == 1)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Undo fish quoting: one '...' word with \\ and \' inside. */
static int
decode_fish(struct tfa_buf *out, const char *s)
{
	size_t n = strlen(s), i;

	tfa_buf_reset(out);
	if (n < 2 || s[0] != '\'' || s[n - 1] != '\'')
		return -1;
	for (i = 1; i < n - 1; i++) {
		if (s[i] == '\'')
			return -1;
		if (s[i] == '\\' && (s[i + 1] == '\\' || s[i + 1] == '\'')) {
			if (i + 1 == n - 1)
				return -1; /* the closing quote was escaped */
			i++;
		}
		tfa_buf_addch(out, s[i]);
	}
	return 0;
}

struct qcase {
	const char *in, *posix, *fish;
};

static const struct qcase qcases[] = {
	{ "", "''", "''" },
	{ "prod", "'prod'", "'prod'" },
	{ "a'b", "'a'\\''b'", "'a\\'b'" },
	{ "'", "\\'", "'\\''" },
	{ "''", "\\'\\'", "'\\'\\''" },
	{ "'''", "\\'\\'\\'", "'\\'\\'\\''" },
	{ "'a", "\\''a'", "'\\'a'" },
	{ "a'", "'a'\\'", "'a\\''" },
	{ "'a'", "\\''a'\\'", "'\\'a\\''" },
	{ "a''b", "'a'\\'\\''b'", "'a\\'\\'b'" },
	{ "it's a 'test'", "'it'\\''s a '\\''test'\\'", "'it\\'s a \\'test\\''" },
	{ "\\", "'\\'", "'\\\\'" },
	{ "\\\\", "'\\\\'", "'\\\\\\\\'" },
	{ "a\\", "'a\\'", "'a\\\\'" },
	{ "\\'", "'\\'\\'", "'\\\\\\''" },
	{ "'\\", "\\''\\'", "'\\'\\\\'" },
	{ "a\\nb", "'a\\nb'", "'a\\\\nb'" },
	{ "line1\nline2", "'line1\nline2'", "'line1\nline2'" },
	{ "\n", "'\n'", "'\n'" },
	{ "trailing\n\n", "'trailing\n\n'", "'trailing\n\n'" },
	{ "tab\there", "'tab\there'", "'tab\there'" },
	{ "$(touch x)", "'$(touch x)'", "'$(touch x)'" },
	{ "`touch x`", "'`touch x`'", "'`touch x`'" },
	{ "; touch x", "'; touch x'", "'; touch x'" },
	{ "a && b || c | d & e", "'a && b || c | d & e'",
	  "'a && b || c | d & e'" },
	{ "$HOME ${HOME} $1 $$ $?", "'$HOME ${HOME} $1 $$ $?'",
	  "'$HOME ${HOME} $1 $$ $?'" },
	{ "(fish) {a,b} %self", "'(fish) {a,b} %self'",
	  "'(fish) {a,b} %self'" },
	{ "  two  spaces  ", "'  two  spaces  '", "'  two  spaces  '" },
	{ "*.tf ? [ab] ~ ~/x", "'*.tf ? [ab] ~ ~/x'", "'*.tf ? [ab] ~ ~/x'" },
	{ "-e", "'-e'", "'-e'" },
	{ "--", "'--'", "'--'" },
	{ "\"double\"", "'\"double\"'", "'\"double\"'" },
	{ "!event #comment", "'!event #comment'", "'!event #comment'" },
	{ "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\x91",
	  "'h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\x91'",
	  "'h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\x91'" },
	{ "\xff\xfe latin1 \xe9", "'\xff\xfe latin1 \xe9'",
	  "'\xff\xfe latin1 \xe9'" },
	{ "\x01\x1b[31m\x7f", "'\x01\x1b[31m\x7f'", "'\x01\x1b[31m\x7f'" },
	{ "eu-west-1", "'eu-west-1'", "'eu-west-1'" },
	{ "'; rm -rf ~; echo '", "\\''; rm -rf ~; echo '\\'",
	  "'\\'; rm -rf ~; echo \\''" },
	{ "\\'; touch x; echo \\'", "'\\'\\''; touch x; echo \\'\\'",
	  "'\\\\\\'; touch x; echo \\\\\\''" },
};

static void
test_quote_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(qcases) / sizeof(qcases[0]); i++) {
		is_str(quoted(TFA_SHELL_POSIX, qcases[i].in), qcases[i].posix,
		       "sh quotes case %zu", i);
		is_str(quoted(TFA_SHELL_BASH, qcases[i].in), qcases[i].posix,
		       "bash quotes case %zu like sh", i);
		is_str(quoted(TFA_SHELL_ZSH, qcases[i].in), qcases[i].posix,
		       "zsh quotes case %zu like sh", i);
		is_str(quoted(TFA_SHELL_FISH, qcases[i].in), qcases[i].fish,
		       "fish quotes case %zu", i);
	}
}

/* Every '' in POSIX output must be an escaped quote followed by a run. */
static int
no_rc_quotes_trap(const char *q)
{
	const char *p;

	if (strcmp(q, "''") == 0)
		return 1;
	for (p = strstr(q, "''"); p; p = strstr(p + 1, "''")) {
		if (p == q || p[-1] != '\\')
			return 0;
	}
	return 1;
}

static void
test_quote_invariants(void)
{
	struct tfa_buf d = TFA_BUF_INIT;
	size_t i;
	int bad;

	bad = 0;
	for (i = 0; i < sizeof(qcases) / sizeof(qcases[0]); i++) {
		const char *q = quoted(TFA_SHELL_POSIX, qcases[i].in);

		if (!no_rc_quotes_trap(q) || decode_posix(&d, q, 0) ||
		    strcmp(d.ptr, qcases[i].in) != 0 || decode_posix(&d, q, 1) ||
		    strcmp(d.ptr, qcases[i].in) != 0) {
			bad++;
			printf("# posix case %zu: '%s'\n", i, q);
		}
		q = quoted(TFA_SHELL_FISH, qcases[i].in);
		if (decode_fish(&d, q) || strcmp(d.ptr, qcases[i].in) != 0) {
			bad++;
			printf("# fish case %zu: '%s'\n", i, q);
		}
	}
	is_int(bad, 0, "every table case decodes back, with and without RC_QUOTES");

	/* The decoders themselves must catch the bugs they are here for. */
	ok(decode_posix(&d, "'a''b'", 0) == 0 && strcmp(d.ptr, "ab") == 0 &&
		   decode_posix(&d, "'a''b'", 1) == 0 &&
		   strcmp(d.ptr, "a'b") == 0,
	   "decoder: 'a''b' differs under RC_QUOTES");
	ok(decode_posix(&d, "'a'''\\''b'", 0) != 0,
	   "decoder: an empty quoted run is refused");
	ok(decode_posix(&d, "'a'x", 0) != 0 && decode_posix(&d, "'a", 0) != 0,
	   "decoder: bare bytes and unterminated runs are refused");
	ok(decode_fish(&d, "'a'b'") != 0 && decode_fish(&d, "'a\\'") != 0,
	   "fish decoder: inner and escaped closing quotes are refused");
	tfa_buf_dispose(&d);
}

/* Random strings over the dangerous alphabet, decoded back. */
static void
test_quote_random(void)
{
	static const char alphabet[] = "''\\\\a $`\"\n;*?-\xc3\xa9";
	struct tfa_buf d = TFA_BUF_INIT;
	unsigned long seed = 12345;
	char s[24];
	int i, j, n, bad_posix = 0, bad_rc = 0, bad_fish = 0, bad_trap = 0;
	const char *q;

	for (i = 0; i < 20000; i++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		n = (int)((seed >> 33) % (sizeof(s) - 1));
		for (j = 0; j < n; j++) {
			seed = seed * 6364136223846793005UL +
			       1442695040888963407UL;
			s[j] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
		}
		s[n] = '\0';
		q = quoted(TFA_SHELL_POSIX, s);
		if (decode_posix(&d, q, 0) || strcmp(d.ptr, s) != 0)
			bad_posix++;
		if (decode_posix(&d, q, 1) || strcmp(d.ptr, s) != 0)
			bad_rc++;
		if (!no_rc_quotes_trap(q))
			bad_trap++;
		q = quoted(TFA_SHELL_FISH, s);
		if (decode_fish(&d, q) || strcmp(d.ptr, s) != 0)
			bad_fish++;
	}
	is_int(bad_posix, 0, "20000 random strings round-trip through sh quoting");
	is_int(bad_rc, 0, "... and through sh quoting read with RC_QUOTES");
	is_int(bad_trap, 0, "... and never hold '' but as an escaped quote");
	is_int(bad_fish, 0, "... and through fish quoting");
	tfa_buf_dispose(&d);
}

static void
test_big_values(void)
{
	struct tfa_buf b = TFA_BUF_INIT, d = TFA_BUF_INIT;
	char *v = malloc(10241), *want;
	size_t i;

	for (i = 0; i < 10240; i++)
		v[i] = "ab'\\\n$"[i % 6];
	v[10240] = '\0';
	is_int(tfa_shell_quote(&b, TFA_SHELL_POSIX, v), 0, "10 KB value quotes (sh)");
	ok(decode_posix(&d, b.ptr, 0) == 0 && strcmp(d.ptr, v) == 0 &&
		   decode_posix(&d, b.ptr, 1) == 0 && strcmp(d.ptr, v) == 0,
	   "10 KB value decodes back (sh, %zu bytes)", b.len);
	tfa_buf_reset(&b);
	is_int(tfa_shell_quote(&b, TFA_SHELL_FISH, v), 0, "10 KB value quotes (fish)");
	ok(decode_fish(&d, b.ptr) == 0 && strcmp(d.ptr, v) == 0,
	   "10 KB value decodes back (fish, %zu bytes)", b.len);

	/* All quotes: the worst case, 2 bytes out per byte in. */
	memset(v, '\'', 10240);
	tfa_buf_reset(&b);
	tfa_shell_quote(&b, TFA_SHELL_POSIX, v);
	is_int(b.len, 20480, "10 KB of quotes becomes 20 KB of \\'");
	tfa_buf_reset(&b);
	tfa_shell_export(&b, TFA_SHELL_FISH, "X", v);
	is_int(b.len, strlen("set -gx X ''\n") + 20480, "... and 20 KB in fish");

	/* A value that does not fit leaves the buffer as it was. */
	memset(v, 'a', 10240);
	tfa_buf_dispose(&b);
	tfa_buf_init(&b, 4096);
	tfa_buf_adds(&b, "keep\n");
	is_int(tfa_shell_quote(&b, TFA_SHELL_POSIX, v), TFA_ETOOBIG,
	       "quote past the buffer cap is TFA_ETOOBIG");
	is_str(b.ptr, "keep\n", "... and leaves the buffer untouched");
	is_int(tfa_shell_export(&b, TFA_SHELL_ZSH, "X", v), TFA_ETOOBIG,
	       "export past the cap is TFA_ETOOBIG");
	is_str(b.ptr, "keep\n", "... and emits no partial line");
	is_int(tfa_shell_export(&b, TFA_SHELL_FISH, "X", v), TFA_ETOOBIG,
	       "fish export past the cap is TFA_ETOOBIG");
	is_str(b.ptr, "keep\n", "... and emits no partial line");

	/* Exactly at the cap: "export X='" + 4080 + "'\n" = 4092 + "keep\n". */
	want = malloc(4081);
	memset(want, 'a', 4080);
	want[4080] = '\0';
	tfa_buf_dispose(&b);
	tfa_buf_init(&b, 4097);
	tfa_buf_adds(&b, "keep\n");
	is_int(tfa_shell_export(&b, TFA_SHELL_BASH, "X", want), 0,
	       "export that fills the buffer exactly to its cap");
	is_int(b.len, 4097, "... uses every byte");
	tfa_buf_dispose(&b);
	tfa_buf_init(&b, 4096);
	tfa_buf_adds(&b, "keep\n");
	is_int(tfa_shell_export(&b, TFA_SHELL_BASH, "X", want), TFA_ETOOBIG,
	       "one byte more fails (the newline)");
	is_str(b.ptr, "keep\n", "... without the partial line");
	tfa_buf_dispose(&b);
	tfa_buf_init(&b, 40);
	is_int(tfa_shell_unset(&b, TFA_SHELL_FISH, "ABCDEFGHIJKLMNOP"), TFA_ETOOBIG,
	       "fish unset past the cap is TFA_ETOOBIG");
	is_int(b.len, 0, "... and appends nothing");
	free(want);
	free(v);
	tfa_buf_dispose(&b);
	tfa_buf_dispose(&d);
}

static void
test_secret_buffer(void)
{
	struct tfa_buf s;

	tfa_buf_init_secret(&s, 0);
	is_int(tfa_shell_export(&s, TFA_SHELL_BASH, "AWS_SECRET_ACCESS_KEY",
				"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
	       0, "export into a secret buffer");
	is_str(s.ptr,
	       "export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'\n",
	       "... gives the same line");
	ok(s.secret, "... and the buffer is still secret");
	tfa_buf_dispose(&s);
}

static void
test_export_unset(void)
{
	struct tfa_buf b = TFA_BUF_INIT;
	static const char *bad_names[] = {
		"", "1ABC", "A-B", "A B", "A=B", "A;B", "$A", "A'", "a.b",
		"\xc3\xa9", "A\n", "-A", "A\\", "$(touch x)", "`x`", "PATH=x",
	};
	enum tfa_shell all[] = { TFA_SHELL_POSIX, TFA_SHELL_BASH, TFA_SHELL_ZSH,
				 TFA_SHELL_FISH };
	size_t i, j;
	int bad;

	tfa_shell_export(&b, TFA_SHELL_POSIX, "AWS_PROFILE", "prod");
	is_str(b.ptr, "export AWS_PROFILE='prod'\n", "sh export");
	tfa_buf_reset(&b);
	tfa_shell_export(&b, TFA_SHELL_BASH, "AWS_PROFILE", "it's");
	is_str(b.ptr, "export AWS_PROFILE='it'\\''s'\n", "bash export with a quote");
	tfa_buf_reset(&b);
	tfa_shell_export(&b, TFA_SHELL_ZSH, "_x9", "");
	is_str(b.ptr, "export _x9=''\n", "zsh export of an empty value");
	tfa_buf_reset(&b);
	tfa_shell_export(&b, TFA_SHELL_ZSH, "X", "'");
	is_str(b.ptr, "export X=\\'\n", "zsh export of a lone quote");
	tfa_buf_reset(&b);
	tfa_shell_export(&b, TFA_SHELL_FISH, "AWS_PROFILE", "it's a\\b");
	is_str(b.ptr, "set -gx AWS_PROFILE 'it\\'s a\\\\b'\n", "fish export");
	tfa_buf_reset(&b);
	tfa_shell_export(&b, TFA_SHELL_FISH, "X", "");
	is_str(b.ptr, "set -gx X ''\n", "fish export of an empty value");
	tfa_buf_reset(&b);
	tfa_shell_export(&b, TFA_SHELL_FISH, "X", "-e");
	is_str(b.ptr, "set -gx X '-e'\n", "fish export of a leading dash");
	tfa_buf_reset(&b);

	tfa_shell_unset(&b, TFA_SHELL_POSIX, "AWS_SESSION_TOKEN");
	tfa_shell_unset(&b, TFA_SHELL_BASH, "A");
	tfa_shell_unset(&b, TFA_SHELL_ZSH, "_");
	is_str(b.ptr, "unset AWS_SESSION_TOKEN\nunset A\nunset _\n",
	       "sh, bash, zsh unset");
	tfa_buf_reset(&b);
	tfa_shell_unset(&b, TFA_SHELL_FISH, "AWS_SESSION_TOKEN");
	is_str(b.ptr, "if set -q AWS_SESSION_TOKEN; set -e AWS_SESSION_TOKEN; end\n",
	       "fish unset");
	tfa_buf_reset(&b);

	tfa_shell_unset(&b, TFA_SHELL_POSIX, "A");
	tfa_shell_export(&b, TFA_SHELL_POSIX, "B", "b");
	tfa_shell_quote(&b, TFA_SHELL_POSIX, "c");
	is_str(b.ptr, "unset A\nexport B='b'\n'c'", "calls append");
	tfa_buf_reset(&b);

	bad = 0;
	tfa_buf_adds(&b, "keep");
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		for (j = 0; j < 4; j++) {
			if (tfa_shell_export(&b, all[j], bad_names[i], "v") !=
				    TFA_EINVAL ||
			    tfa_shell_unset(&b, all[j], bad_names[i]) != TFA_EINVAL) {
				bad++;
				printf("# accepted name %zu in dialect %zu\n", i, j);
			}
		}
	}
	is_int(bad, 0, "export and unset refuse %zu bad names in every dialect",
	       sizeof(bad_names) / sizeof(bad_names[0]));
	is_str(b.ptr, "keep", "... and append nothing");
	is_int(tfa_shell_export(&b, TFA_SHELL_BASH, NULL, "v"), TFA_EINVAL,
	       "export refuses a NULL name");
	is_int(tfa_shell_export(&b, (enum tfa_shell)42, "X", "v"), TFA_EINVAL,
	       "export refuses an unknown dialect");
	is_int(tfa_shell_unset(&b, (enum tfa_shell)42, "X"), TFA_EINVAL,
	       "unset refuses an unknown dialect");
	is_int(tfa_shell_quote(&b, (enum tfa_shell)-1, "X"), TFA_EINVAL,
	       "quote refuses an unknown dialect");
	is_str(b.ptr, "keep", "... and append nothing");
	tfa_buf_dispose(&b);

	ok(tfa_shell_valid_name("A") && tfa_shell_valid_name("_") &&
		   tfa_shell_valid_name("aws_profile") &&
		   tfa_shell_valid_name("AWS_ACCESS_KEY_ID") &&
		   tfa_shell_valid_name("x0_9Z"),
	   "valid names");
	ok(!tfa_shell_valid_name(NULL) && !tfa_shell_valid_name("") &&
		   !tfa_shell_valid_name("9") && !tfa_shell_valid_name("A-1") &&
		   !tfa_shell_valid_name("A\xc3\xa9"),
	   "invalid names");
}

static void
test_parse(void)
{
	static const struct {
		const char *name;
		enum tfa_shell want;
	} good[] = {
		{ "sh", TFA_SHELL_POSIX },     { "bash", TFA_SHELL_BASH },
		{ "zsh", TFA_SHELL_ZSH },      { "fish", TFA_SHELL_FISH },
		{ "dash", TFA_SHELL_POSIX },   { "ksh", TFA_SHELL_POSIX },
		{ "mksh", TFA_SHELL_POSIX },   { "ash", TFA_SHELL_POSIX },
		{ "/usr/bin/zsh", TFA_SHELL_ZSH },
		{ "/bin/bash", TFA_SHELL_BASH },
		{ "/opt/homebrew/bin/fish", TFA_SHELL_FISH },
		{ "/bin/sh", TFA_SHELL_POSIX }, { "-bash", TFA_SHELL_BASH },
		{ "-zsh", TFA_SHELL_ZSH },     { "relative/dir/fish", TFA_SHELL_FISH },
	};
	static const char *bad[] = {
		"tcsh", "csh", "Bash", "BASH", "bash ", " zsh", "zsh5", "powershell",
		"/usr/bin/", "-", "--bash", "/", "fish/", "bas", "bashh", "-bash/x",
	};
	struct tfa_err err;
	enum tfa_shell sh;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		sh = (enum tfa_shell)99;
		tfa_err_clear(&err);
		ok(tfa_shell_parse(&sh, good[i].name, &err) == 0 &&
			   sh == good[i].want && err.code == 0,
		   "parse '%s'", good[i].name);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sh = (enum tfa_shell)99;
		ok(tfa_shell_parse(&sh, bad[i], &err) == TFA_EUSAGE &&
			   err.code == TFA_EUSAGE && sh == (enum tfa_shell)99,
		   "parse refuses '%s' and leaves out alone", bad[i]);
	}
	tfa_shell_parse(&sh, "tcsh", &err);
	is_str(err.msg, "unknown shell 'tcsh'", "message names the shell");
	ok(strstr(err.hint, "bash") && strstr(err.hint, "zsh") &&
		   strstr(err.hint, "fish") && strstr(err.hint, "sh"),
	   "hint lists the valid names: %s", err.hint);
	is_int(tfa_err_exit_status(&err), 2, "an unknown shell is a usage error");
	ok(tfa_shell_parse(&sh, NULL, &err) == TFA_EUSAGE &&
		   tfa_shell_parse(&sh, "", &err) == TFA_EUSAGE,
	   "parse refuses NULL and empty");
	{
		char longname[2000];

		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		ok(tfa_shell_parse(&sh, longname, &err) == TFA_EUSAGE &&
			   strlen(err.msg) < sizeof(err.msg) && err.hint[0],
		   "a 2000-byte name gives a cut message and a hint");
	}

	is_str(tfa_shell_name(TFA_SHELL_POSIX), "sh", "name of POSIX");
	is_str(tfa_shell_name(TFA_SHELL_BASH), "bash", "name of bash");
	is_str(tfa_shell_name(TFA_SHELL_ZSH), "zsh", "name of zsh");
	is_str(tfa_shell_name(TFA_SHELL_FISH), "fish", "name of fish");
	for (i = 0; i < 4; i++) {
		sh = (enum tfa_shell)99;
		ok(tfa_shell_parse(&sh, tfa_shell_name((enum tfa_shell)i), &err) == 0 &&
			   sh == (enum tfa_shell)i,
		   "name %zu parses back", i);
	}
}

static enum tfa_shell
from_env(const char *shell)
{
	struct tfa_ctx ctx;
	char buf[256];
	char *env[] = { "HOME=/nonexistent", buf, NULL };
	enum tfa_shell sh;

	if (!shell)
		env[1] = NULL;
	else if (snprintf(buf, sizeof(buf), "SHELL=%s", shell) >= (int)sizeof(buf))
		abort();
	tfa_ctx_init(&ctx, env);
	sh = tfa_shell_from_env(&ctx);
	tfa_ctx_dispose(&ctx);
	return sh;
}

static void
test_from_env(void)
{
	is_int(from_env("/bin/bash"), TFA_SHELL_BASH, "$SHELL=/bin/bash");
	is_int(from_env("/usr/bin/zsh"), TFA_SHELL_ZSH, "$SHELL=/usr/bin/zsh");
	is_int(from_env("/usr/local/bin/fish"), TFA_SHELL_FISH,
	       "$SHELL=/usr/local/bin/fish");
	is_int(from_env("/bin/dash"), TFA_SHELL_POSIX, "$SHELL=/bin/dash");
	is_int(from_env("zsh"), TFA_SHELL_ZSH, "$SHELL=zsh");
	is_int(from_env("/bin/tcsh"), TFA_SHELL_POSIX, "unknown $SHELL is POSIX");
	is_int(from_env(""), TFA_SHELL_POSIX, "empty $SHELL is POSIX");
	is_int(from_env(NULL), TFA_SHELL_POSIX, "unset $SHELL is POSIX");
}

int
main(void)
{
	test_quote_table();
	test_quote_invariants();
	test_quote_random();
	test_big_values();
	test_secret_buffer();
	test_export_unset();
	test_parse();
	test_from_env();
	tfa_buf_dispose(&qbuf);
	return tap_done();
}
