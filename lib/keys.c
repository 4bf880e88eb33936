/* keys — see keys.h. */
#include "keys.h"
#include "config_priv.h"
#include "fs_priv.h"

#include "shell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long tfa_keys_save waits for another tfauth writing the folder. */
#define LOCK_WAIT_MS 10000
#define LOCK_POLL_MS 25

/* ------------------------------------------------------------ checks */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Append s with control bytes and non-ASCII-safe bytes as \xNN. */
static void
add_escaped(struct tfa_buf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; p[i] && i < max; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\'' || p[i] == '\\')
			tfa_buf_addf(b, "\\x%02x", p[i]);
		else
			tfa_buf_addch(b, p[i]);
	}
	if (p[i])
		tfa_buf_adds(b, "...");
}

static int
bad_name(struct tfa_err *err, const char *name, const char *why)
{
	struct tfa_buf q = TFA_BUF_INIT;

	add_escaped(&q, name, 64);
	tfa_err_set(err, TFA_EUSAGE, "cannot write profile '%s' to the "
		    "credentials file: %s", q.ptr, why);
	tfa_err_hint(err, "use a name of letters, digits and - _ . / @ : + "
			  "(the AWS CRT reads no others)");
	tfa_buf_dispose(&q);
	return TFA_EUSAGE;
}

int
tfa_keys_check_profile(const char *name, struct tfa_err *err)
{
	size_t n, i, k;

	if (!name || !*name)
		return bad_name(err, "", "the name is empty");
	n = strlen(name);
	if (n > TFA_KEYS_MAX_NAME)
		return bad_name(err, name, "the name is too long");
	for (i = 0; i < n; i += k) {
		unsigned char c = (unsigned char)name[i];

		if (!(k = tfa_utf8_seq_len(name + i, n - i)))
			return bad_name(err, name, "the name is not valid UTF-8");
		if (c < 0x20 || c == 0x7f)
			return bad_name(err, name, "it holds a control character");
		/* C1 controls, U+0080..U+009F, as UTF-8. */
		if (c == 0xc2 && (unsigned char)name[i + 1] <= 0x9f)
			return bad_name(err, name, "it holds a control character");
		if (c == '[' || c == ']')
			return bad_name(err, name, "'[' and ']' end a section header");
		if (c == '#' || c == ';')
			return bad_name(err, name, "'#' and ';' start a comment in a "
					"section header");
		if (c == ' ' && (i == 0 || i + 1 == n || name[i + 1] == ' '))
			return bad_name(err, name, "a blank at either end, or two in a "
					"row, does not survive a reading of the file");
	}
	if (strncmp(name, "profile ", 8) == 0)
		return bad_name(err, name, "the credentials file ignores "
				"[profile NAME] sections: name it without 'profile '");
	return 0;
}

int
tfa_keys_check_key_id(const char *id, struct tfa_err *err)
{
	size_t n = id ? strlen(id) : 0, i;

	if (n == 0) {
		tfa_err_set(err, TFA_EINVAL, "the access key id is empty");
		tfa_err_hint(err, "it is the 20 characters starting AKIA that IAM "
				  "showed when the key was created");
		return TFA_EINVAL;
	}
	if (n == TFA_KEYS_SECRET_LEN && strncmp(id, "AKIA", 4) != 0 &&
	    strncmp(id, "ASIA", 4) != 0) {
		tfa_err_set(err, TFA_EINVAL, "the access key id is 40 characters "
			    "long: it looks like the secret access key");
		tfa_err_hint(err, "give the key id (AKIA...) first, then the "
				  "secret");
		return TFA_EINVAL;
	}
	if (n != TFA_KEYS_ID_LEN || (strncmp(id, "AKIA", 4) != 0 &&
				     strncmp(id, "ASIA", 4) != 0)) {
		tfa_err_set(err, TFA_EINVAL, "the access key id is not AKIA or "
			    "ASIA followed by 16 letters and digits (it is %zu "
			    "characters long)", n);
		tfa_err_hint(err, "copy the key id again from where the key was "
				  "created (IAM shows it as 'Access key')");
		return TFA_EINVAL;
	}
	for (i = 4; i < n; i++) {
		if (!((id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9'))) {
			tfa_err_set(err, TFA_EINVAL, "character %zu of the access "
				    "key id is not an upper-case letter or a "
				    "digit", i + 1);
			tfa_err_hint(err, "copy the key id again; it has no "
					  "blanks or lower-case letters");
			return TFA_EINVAL;
		}
	}
	return 0;
}

int
tfa_keys_check_secret(const char *secret, struct tfa_err *err)
{
	size_t n = secret ? strlen(secret) : 0, i;
	const char *what = NULL;

	for (i = 0; i < n && !what; i++) {
		char c = secret[i];

		if (c == '\n' || c == '\r')
			what = "a line break";
		else if (is_blank(c))
			what = "a blank";
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '+' || c == '/'))
			what = "a character other than A-Z a-z 0-9 + /";
	}
	if (what) {
		tfa_err_set(err, TFA_EINVAL, "the secret access key holds %s "
			    "(character %zu)", what, i);
		tfa_err_hint(err, "copy the secret again, without blanks or "
				  "line breaks");
		return TFA_EINVAL;
	}
	if (n == 0) {
		tfa_err_set(err, TFA_EINVAL, "the secret access key is empty");
		tfa_err_hint(err, "it is the 40 characters IAM showed once, when "
				  "the key was created");
		return TFA_EINVAL;
	}
	if (n != TFA_KEYS_SECRET_LEN) {
		tfa_err_set(err, TFA_EINVAL, "the secret access key is %zu "
			    "characters long, not 40", n);
		if (n == TFA_KEYS_ID_LEN && (strncmp(secret, "AKIA", 4) == 0 ||
					     strncmp(secret, "ASIA", 4) == 0))
			tfa_err_hint(err, "that looks like the key id: give the "
					  "key id first, then the secret");
		else
			tfa_err_hint(err, "copy the whole secret again");
		return TFA_EINVAL;
	}
	return 0;
}

/* ----------------------------------------------------------- rewrite */

enum line_kind {
	L_OTHER,    /* blank, comment, or in an ignored section */
	L_SECTION,
	L_PROPERTY,
	L_CONT      /* indented: continues the property above */
};

enum key_role { K_NONE, K_ID, K_SECRET, K_TOKEN };

struct line {
	size_t off;          /* start in the text */
	size_t len;          /* content, without the line end */
	size_t eol;          /* bytes of line end: 0, 1 or 2 */
	enum line_kind kind;
	enum key_role role;  /* for properties of the profile's sections */
	size_t vstart, vend; /* the value, offsets in the line */
	long owner;          /* L_CONT: the property line it continues */
	long section;        /* the section header above it, or -1 */
	unsigned in_profile : 1;
	unsigned drop : 1;
	unsigned replace : 1;
};

struct lexed {
	struct line *l;
	size_t n, alloc;
};




static enum key_role
role_of(const char *k, size_t n)
{
	static const struct {
		const char *name;
		enum key_role role;
	} keys[] = {
		{ "aws_access_key_id", K_ID },
		{ "aws_secret_access_key", K_SECRET },
		{ "aws_session_token", K_TOKEN },
		{ "aws_security_token", K_TOKEN },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == n && strncasecmp(keys[i].name, k, n) == 0)
			return keys[i].role;
	return K_NONE;
}

/*
 * Whether a section header's inner text (trimmed) names profile in the
 * credentials file: config.c splits it at the first run of blanks into a
 * type and a name, drops "profile NAME", and joins the two with one blank.
 */
static int
section_is(const char *inner, size_t n, const char *profile, int *valid)
{
	size_t tn, i, pn = strlen(profile);

	for (i = 0; i < n && !is_blank(inner[i]); i++)
		;
	*valid = n > 0;
	if (i == n)
		return n == pn && memcmp(inner, profile, n) == 0;
	tn = i;
	while (i < n && is_blank(inner[i]))
		i++;
	if (tn == 7 && memcmp(inner, "profile", 7) == 0) {
		*valid = 0;
		return 0;
	}
	/* "type name" == profile */
	return tn + 1 + (n - i) == pn && memcmp(inner, profile, tn) == 0 &&
	       profile[tn] == ' ' && memcmp(inner + i, profile + tn + 1, n - i) == 0;
}

static int
lex_fail(struct tfa_err *err, const char *display, size_t lineno, const char *what,
	 const char *hint)
{
	if (display)
		tfa_err_set(err, TFA_EINVAL, "%s:%zu: %s", display, lineno, what);
	else
		tfa_err_set(err, TFA_EINVAL, "line %zu: %s", lineno, what);
	tfa_err_hint(err, "%s; set-keys rewrites only a file that AWS tools "
			  "can read", hint);
	return TFA_EINVAL;
}

static size_t
line_number(const char *text, size_t off)
{
	size_t n = 1, i;

	for (i = 0; i < off; i++)
		if (text[i] == '\n')
			n++;
	return n;
}

/*
 * Split text into lines and classify them as config.c would (credentials
 * file).  0, or TFA_EINVAL "DISPLAY:N: ..." (or "line N: ...").
 */
static int
lex(struct lexed *lx, const char *text, size_t len, const char *profile,
    const char *display, struct tfa_err *err)
{
	size_t p = 0, n, i, k;
	int in_section = 0, sec_valid = 0, in_profile = 0;
	long cur_prop = -1, section = -1;

	if (memchr(text, '\0', len))
		return lex_fail(err, display, line_number(text, (size_t)((const char *)
				memchr(text, '\0', len) - text)), "a NUL byte",
				"a credentials file is text");
	for (i = 0; i < len; i += k)
		if (!(k = tfa_utf8_seq_len(text + i, len - i)))
			return lex_fail(err, display, line_number(text, i),
					"not valid UTF-8", "save the file as UTF-8 text");
	/* A BOM stays in the output; it is not part of the first line. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p = 3;
	while (p < len) {
		const char *line = text + p, *nl, *s;
		struct line *l;

		lx->l = tfa_xgrow(lx->l, &lx->alloc, lx->n + 1, sizeof(*lx->l));
		l = &lx->l[lx->n];
		memset(l, 0, sizeof(*l));
		nl = memchr(line, '\n', len - p);
		n = nl ? (size_t)(nl - line) : len - p;
		l->off = p;
		l->eol = nl ? 1 : 0;
		/* CRLF ends a line; a bare CR at the end of the file is text. */
		if (nl && n && line[n - 1] == '\r') {
			n--;
			l->eol++;
		}
		l->len = n;
		l->owner = -1;
		l->section = section;
		l->in_profile = in_profile;
		p += n + l->eol;

		s = line;
		k = n;
		tfa__ini_trim(&s, &k);
		if (k == 0 || *s == '#' || *s == ';') {
			l->kind = L_OTHER;
		} else if (is_blank(line[0]) && in_section && !sec_valid) {
			l->kind = L_OTHER;
		} else if (is_blank(line[0])) {
			if (cur_prop < 0)
				return lex_fail(err, display, lx->n + 1, "an indented "
						"line with no setting above it to continue",
						"remove the leading blanks");
			l->kind = L_CONT;
			l->owner = cur_prop;
		} else if (line[0] == '[') {
			for (i = 0; i < k && s[i] != '#' && s[i] != ';'; i++)
				;
			k = i;
			while (k && is_blank(s[k - 1]))
				k--;
			if (k < 2 || s[k - 1] != ']')
				return lex_fail(err, display, lx->n + 1, "missing ']' at "
						"the end of the section header",
						"a section header looks like [NAME]");
			s++;
			k -= 2;
			tfa__ini_trim(&s, &k);
			in_section = 1;
			in_profile = section_is(s, k, profile, &sec_valid);
			cur_prop = -1;
			section = (long)lx->n;
			l->kind = L_SECTION;
			l->section = section;
			l->in_profile = in_profile;
		} else {
			size_t sep, kn, vs, vn;
			const char *ks, *v;

			if (!in_section)
				return lex_fail(err, display, lx->n + 1, "a setting "
						"before any section",
						"put it under a section header such as [default]");
			k = tfa__ini_property_comment(s, k);
			while (k && is_blank(s[k - 1]))
				k--;
			if (tfa__ini_split_property(s, k, &sep) < 0)
				return lex_fail(err, display, lx->n + 1, "expected "
						"'key = value'", "indent a line to continue "
						"the value above it, or start it with '#'");
			ks = s;
			kn = sep;
			tfa__ini_trim(&ks, &kn);
			if (!kn)
				return lex_fail(err, display, lx->n + 1, "a setting "
						"without a name", "write it as 'key = value'");
			v = s + sep + 1;
			vn = k - sep - 1;
			tfa__ini_trim(&v, &vn);
			vs = (size_t)(v - line);
			l->kind = L_PROPERTY;
			l->vstart = vs;
			l->vend = vs + vn;
			if (in_profile)
				l->role = role_of(ks, kn);
			cur_prop = (long)lx->n;
		}
		lx->n++;
	}
	return 0;
}

/* The last line of property i's block: its last continuation line. */
static size_t
block_end(const struct lexed *lx, size_t i)
{
	size_t j, end = i;

	for (j = i + 1; j < lx->n; j++) {
		if (lx->l[j].kind == L_CONT && lx->l[j].owner == (long)i)
			end = j;
		else if (lx->l[j].kind == L_PROPERTY || lx->l[j].kind == L_SECTION)
			break;
	}
	return end;
}

struct emit {
	struct tfa_buf *out;
	const char *eol;      /* the file's line end for added lines */
	int open_line;        /* the last line written has no line end */
	int last_blank;       /* the last line written is blank */
	int any;
	int rc;
};

static void
put(struct emit *e, const char *s, size_t n)
{
	if (e->rc == 0)
		e->rc = tfa_buf_add(e->out, s, n);
}

static void
put_line_end(struct emit *e, const char *eol, size_t n, int blank)
{
	put(e, eol, n);
	e->open_line = n == 0;
	e->last_blank = blank;
	e->any = 1;
}

/* An added line "key = value" with the file's line end. */
static void
put_setting(struct emit *e, const char *key, const char *value)
{
	if (e->open_line)
		put(e, e->eol, strlen(e->eol));
	put(e, key, strlen(key));
	put(e, " = ", 3);
	put(e, value, strlen(value));
	put_line_end(e, e->eol, strlen(e->eol), 0);
}

static int
all_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return 0;
	return 1;
}

static int
rewrite(struct tfa_buf *out, struct tfa_keys_edit *edit, const char *text,
	size_t len, const char *profile, const char *key_id, const char *secret,
	const char *display, struct tfa_err *err)
{
	struct lexed lx = { NULL, 0, 0 };
	struct tfa_keys_edit ed;
	struct tfa_buf res;
	struct emit e;
	long first_section = -1, first_id = -1, first_secret = -1;
	long id_after = -1, secret_after = -1, id_before = -1, last_prop = -1;
	size_t i, j, start;
	int rc;

	memset(&ed, 0, sizeof(ed));
	tfa_buf_init_secret(&res, TFA_KEYS_MAX_FILE + 4096);
	if (!out->secret) {
		rc = tfa_err_set(err, TFA_EUSAGE, "the new credentials file goes in "
				 "a secret buffer (tfa_buf_init_secret)");
		goto out;
	}
	if ((rc = tfa_keys_check_profile(profile, err)) < 0 ||
	    (rc = tfa_keys_check_key_id(key_id, err)) < 0 ||
	    (rc = tfa_keys_check_secret(secret, err)) < 0) {
		rc = err->code = TFA_EUSAGE;
		goto out;
	}
	if ((rc = lex(&lx, text, len, profile, display, err)) < 0)
		goto out;

	/* What to replace and drop. */
	for (i = 0; i < lx.n; i++) {
		struct line *l = &lx.l[i];

		if (l->kind == L_SECTION && l->in_profile) {
			ed.sections++;
			if (first_section < 0)
				first_section = (long)i;
		}
		if (l->kind == L_CONT && l->owner >= 0 &&
		    (lx.l[l->owner].replace || lx.l[l->owner].drop)) {
			l->drop = 1;
			ed.lines_removed++;
		}
		if (l->kind != L_PROPERTY || !l->in_profile)
			continue;
		if (l->section == first_section)
			last_prop = (long)i;
		switch (l->role) {
		case K_ID:
			l->replace = 1;
			ed.replaced++;
			if (first_id < 0)
				first_id = (long)i;
			break;
		case K_SECRET:
			l->replace = 1;
			ed.replaced++;
			if (first_secret < 0)
				first_secret = (long)i;
			break;
		case K_TOKEN:
			l->drop = 1;
			ed.tokens_removed++;
			break;
		case K_NONE:
			break;
		}
	}
	/* Where missing keys go (see keys.h). */
	if (first_section >= 0) {
		if (first_id >= 0 && first_secret < 0) {
			secret_after = (long)block_end(&lx, (size_t)first_id);
		} else if (first_id < 0 && first_secret >= 0) {
			id_before = first_secret;
		} else if (first_id < 0 && first_secret < 0) {
			id_after = last_prop >= 0 ?
				(long)block_end(&lx, (size_t)last_prop) : first_section;
			secret_after = id_after;
		}
		ed.inserted = (first_id < 0) + (first_secret < 0);
	}

	memset(&e, 0, sizeof(e));
	e.out = &res;
	e.eol = lx.n && lx.l[0].eol == 2 && text[lx.l[0].off + lx.l[0].len] == '\r' ?
		"\r\n" : "\n";
	start = lx.n ? lx.l[0].off : len; /* a BOM, or "" */
	put(&e, text, start);
	for (i = 0; i < lx.n; i++) {
		const struct line *l = &lx.l[i];
		const char *s = text + l->off;

		if (id_before == (long)i)
			put_setting(&e, "aws_access_key_id", key_id);
		if (l->replace) {
			const char *value = l->role == K_ID ? key_id : secret;
			put(&e, s, l->vstart);
			/* "key =" had no value: "key = NEW", not "key =NEW". */
			if (l->vstart == l->vend && !is_blank(s[l->vstart - 1]))
				put(&e, " ", 1);
			put(&e, value, strlen(value));
			put(&e, s + l->vend, l->len - l->vend);
			put_line_end(&e, s + l->len, l->eol, 0);
		} else if (!l->drop) {
			put(&e, s, l->len);
			put_line_end(&e, s + l->len, l->eol, all_blank(s, l->len));
		}
		if (id_after == (long)i)
			put_setting(&e, "aws_access_key_id", key_id);
		if (secret_after == (long)i)
			put_setting(&e, "aws_secret_access_key", secret);
	}
	if (first_section < 0) {
		if (e.open_line)
			put(&e, e.eol, strlen(e.eol));
		if (e.any && !e.last_blank)
			put(&e, e.eol, strlen(e.eol));
		put(&e, "[", 1);
		put(&e, profile, strlen(profile));
		put(&e, "]", 1);
		put_line_end(&e, e.eol, strlen(e.eol), 0);
		put_setting(&e, "aws_access_key_id", key_id);
		put_setting(&e, "aws_secret_access_key", secret);
		ed.section_added = 1;
	}
	if ((rc = e.rc) < 0) {
		tfa_err_set(err, rc, "the new credentials file would be too large");
		goto out;
	}
	j = out->len;
	if ((rc = tfa_buf_add(out, res.ptr, res.len)) < 0) {
		tfa_buf_setlen(out, j);
		tfa_err_set(err, rc, "the new credentials file does not fit in its "
			    "buffer");
		goto out;
	}
	if (edit)
		*edit = ed;
out:
	free(lx.l);
	tfa_buf_dispose(&res);
	return rc;
}

int
tfa_keys_rewrite(struct tfa_buf *out, struct tfa_keys_edit *edit,
		 const char *text, size_t len, const char *profile,
		 const char *key_id, const char *secret, struct tfa_err *err)
{
	return rewrite(out, edit, text, len, profile, key_id, secret, NULL, err);
}

/* ------------------------------------------------------------- files */





/* The fstat checks of keys.h on an open credentials file. */
static int
check_open_file(struct stat *st, int fd, const char *path, struct tfa_err *err)
{
	int rc = 0;

	if (fstat(fd, st) < 0) {
		rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot read", path);
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		rc = tfa_err_set(err, TFA_EPERM, "refusing '%s': it is not a "
				 "regular file", path);
		tfa__fs_hint_path(err, "point AWS_SHARED_CREDENTIALS_FILE at a file, or "
			  "move this away: mv ", path, " SOMEWHERE");
		goto out;
	}
	if (st->st_uid != geteuid()) {
		rc = tfa_err_set(err, TFA_EPERM, "refusing '%s': it belongs to uid "
				 "%u, not to you (uid %u)", path,
				 (unsigned)st->st_uid, (unsigned)geteuid());
		tfa__fs_hint_path(err, "run it as the file's owner, or make it yours: sudo "
			  "chown \"$(id -u)\" ", path, "");
		goto out;
	}
	if (tfa__fs_others_can_write(st)) {
		rc = tfa_err_set(err, TFA_EPERM, "refusing '%s': other users can "
				 "write to it (mode %04o), so its keys may not be "
				 "yours", path, (unsigned)(st->st_mode & 07777));
		tfa__fs_hint_path(err, "check its contents, then: chmod 600 ", path, "");
		goto out;
	}
out:
	return rc;
}

/* Open path for reading (O_NOFOLLOW) and check it; *fd = -1 when missing. */
static int
open_checked(int *fd, struct stat *st, const char *path, struct tfa_err *err)
{
	struct stat lst;
	int rc = 0;

	/* O_NONBLOCK: a FIFO planted here must not hang the open. */
	*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (*fd < 0) {
		int e = errno;

		if (e == ENOENT)
			goto out;
		if (e == ELOOP && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			rc = tfa_err_set(err, TFA_EPERM, "refusing '%s': it is a "
					 "symbolic link", path);
			tfa__fs_hint_path(err, "tfauth replaces the file, which would break "
				  "the link; point AWS_SHARED_CREDENTIALS_FILE at the "
				  "real file, or replace the link with it: cp --remove-"
				  "destination \"$(readlink -f ", path, ")\" THE-LINK");
			goto out;
		}
		rc = tfa__fs_sys_err(err, TFA_EIO, e, "cannot read", path);
		goto out;
	}
	if ((rc = check_open_file(st, *fd, path, err)) < 0) {
		close(*fd);
		*fd = -1;
	}
out:
	return rc;
}

int
tfa_keys_check_file(int *exists, const char *path, struct tfa_err *err)
{
	struct stat st;
	int fd, rc;

	if ((rc = open_checked(&fd, &st, path, err)) < 0)
		goto out;
	*exists = fd >= 0;
	if (fd >= 0)
		close(fd);
out:
	return rc;
}

static int
read_all(struct tfa_buf *out, int fd, const char *path, struct tfa_err *err)
{
	ssize_t r;
	int rc = 0;

	for (;;) {
		if ((rc = tfa_buf_grow(out, 4096)) < 0) {
			tfa_err_set(err, rc, "cannot read '%s': it is larger than "
				    "%zu bytes", path, TFA_KEYS_MAX_FILE);
			goto out;
		}
		r = read(fd, out->ptr + out->len, out->alloc - out->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot read", path);
			goto out;
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		out->ptr[out->len] = '\0';
		if (out->len > TFA_KEYS_MAX_FILE) {
			rc = tfa_err_set(err, TFA_ETOOBIG, "cannot read '%s': it is "
					 "larger than %zu bytes", path,
					 TFA_KEYS_MAX_FILE);
			goto out;
		}
	}
out:
	return rc;
}


/*
 * Write data to a new 0600 temp file beside target; *tmp gets its name and
 * *fd stays open (and the file locked, see fs_priv.h) until the caller has
 * renamed it.  On failure the temp file is gone and *fd is -1.
 */
static int
write_temp(struct tfa_buf *tmp, int *fd, const char *target, const char *data,
	   size_t n, struct tfa_err *err)
{
	int rc;

	*fd = -1;
	if ((rc = tfa__fs_make_temp(tmp, fd, target, err)) < 0)
		return rc;
	if (tfa__fs_write_all(*fd, data, n) < 0 || fsync(*fd) < 0) {
		rc = tfa__fs_write_err(err, errno, target);
		unlink(tmp->ptr);
		tfa_buf_reset(tmp);
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/* An exclusive flock on the folder, polling for LOCK_WAIT_MS. */
static int
lock_dir(int fd, const char *dir, struct tfa_err *err)
{
	struct timespec pause = { 0, LOCK_POLL_MS * 1000000L };
	int waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return tfa__fs_sys_err(err, TFA_EIO, errno, "cannot lock the folder", dir);
		if (waited >= LOCK_WAIT_MS) {
			tfa_err_set(err, TFA_EIO, "another tfauth is writing in '%s' "
				    "(waited %d s)", dir, LOCK_WAIT_MS / 1000);
			tfa_err_hint(err, "wait for it to finish, then run the "
					  "command again");
			return TFA_EIO;
		}
		nanosleep(&pause, NULL);
		waited += LOCK_POLL_MS;
	}
	return 0;
}

/* Whether path is still the file we read (or still absent). */
static int
unchanged(const char *path, int existed, const struct stat *before)
{
	struct stat now;

	if (lstat(path, &now) < 0)
		return !existed && errno == ENOENT;
	return existed && now.st_dev == before->st_dev &&
	       now.st_ino == before->st_ino && now.st_size == before->st_size &&
	       now.st_mtim.tv_sec == before->st_mtim.tv_sec &&
	       now.st_mtim.tv_nsec == before->st_mtim.tv_nsec;
}

int
tfa_keys_save(struct tfa_keys_edit *edit, const char *path,
	      const char *profile, const char *key_id, const char *secret,
	      struct tfa_err *err)
{
	struct tfa_buf old, new, tmp = TFA_BUF_INIT, bak = TFA_BUF_INIT;
	struct tfa_keys_edit ed;
	struct stat st;
	char *dir = tfa__fs_parent_of(path);
	int fd = -1, dfd = -1, tfd = -1, rc;

	tfa_buf_init_secret(&old, TFA_KEYS_MAX_FILE + 1);
	tfa_buf_init_secret(&new, TFA_KEYS_MAX_FILE + 4096);
	memset(&st, 0, sizeof(st));
	if ((rc = tfa__fs_prepare_dir(dir, err)) < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot open the folder", dir);
		goto out;
	}
	if ((rc = lock_dir(dfd, dir, err)) < 0)
		goto out;
	/* Every writer holds the folder's lock: what is left was killed. */
	tfa__fs_clean_temps(path);
	if ((rc = open_checked(&fd, &st, path, err)) < 0)
		goto out;
	if (fd >= 0 && (rc = read_all(&old, fd, path, err)) < 0)
		goto out;
	if ((rc = rewrite(&new, &ed, old.ptr, old.len, profile, key_id, secret,
			  path, err)) < 0)
		goto out;
	ed.created = fd < 0;
	ed.old_mode = fd >= 0 ? (unsigned)(st.st_mode & 07777) : 0;
	ed.old_links = fd >= 0 ? (unsigned)st.st_nlink : 0;

	if (fd >= 0) {
		if (tfa_buf_addf(&bak, "%s.bak", path) < 0) {
			rc = tfa_err_set(err, TFA_ETOOBIG, "cannot write '%s': the "
					 "path is too long", path);
			goto out;
		}
		tfa__fs_clean_temps(bak.ptr);
		if ((rc = write_temp(&tmp, &tfd, bak.ptr, old.ptr, old.len, err)) < 0)
			goto out;
		if (rename(tmp.ptr, bak.ptr) < 0) {
			rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot write the backup",
				     bak.ptr);
			unlink(tmp.ptr);
			goto out;
		}
		close(tfd);
		tfd = -1;
	}
	if ((rc = write_temp(&tmp, &tfd, path, new.ptr, new.len, err)) < 0)
		goto out;
	if (!unchanged(path, fd >= 0, &st)) {
		unlink(tmp.ptr);
		rc = tfa_err_set(err, TFA_EIO, "'%s' changed while tfauth was "
				 "writing it: nothing written", path);
		tfa_err_hint(err, "another program wrote it just now; run the "
				  "command again");
		goto out;
	}
	if (rename(tmp.ptr, path) < 0) {
		rc = tfa__fs_sys_err(err, TFA_EIO, errno, "cannot replace", path);
		unlink(tmp.ptr);
		goto out;
	}
	/* Make the renames durable; the new file is in place either way. */
	(void)fsync(dfd);
	if (edit)
		*edit = ed;
out:
	if (tfd >= 0)
		close(tfd); /* after the rename or the unlink: see fs_priv.h */
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd); /* and the lock with it */
	tfa_buf_dispose(&old);
	tfa_buf_dispose(&new);
	tfa_buf_dispose(&tmp);
	tfa_buf_dispose(&bak);
	free(dir);
	return rc;
}
