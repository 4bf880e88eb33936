/*
 * config — see config.h.
 *
 * How the pieces fit: load_file() reads a whole file into memory and checks
 * it (size, NUL bytes, UTF-8).  ini_parse_stream() pulls lines from
 * read_line(), our reader, which lexes one physical line the way
 * aws-sdk-go-v2 does and hands inih a short stand-in: "[\1N]" for a section,
 * "\1K=\1V" for a property, " \1N" for an indented line, where \1N is an
 * index into a table of the real bytes.  inih then drives on_entry(), which
 * swaps the stand-ins back and builds the sections.  Because inih asks for
 * exactly one line before each handler call, the reader's line counter is
 * the line the handler is looking at.
 */
#include "config.h"
#include "config_priv.h"
#include "buf.h"
#include "fs_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- arena */

/* Strings live in an arena; it may hold secrets, so it is wiped on free. */
struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(16) char data[];
};

struct arena {
	struct chunk *head;
};

static char *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	char *p;

	n = (n + 15) & ~(size_t)15; /* every block aligned for any struct */
	if (!c || c->size - c->used < n) {
		size_t size = n > 65536 ? n : 65536;
		c = tfa_xmalloc(sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		tfa_wipe(c->data, c->used);
		free(c);
	}
	a->head = NULL;
}

/* ------------------------------------------------------------- the config */

struct section_rec {
	struct tfa_section pub;
	size_t salloc;
};

struct tfa_config {
	struct arena arena;
	char *config_path, *credentials_path;
	struct section_rec **all;      /* every section, for freeing */
	size_t nall, allalloc;
	struct section_rec **table;    /* open addressing on (kind, name) */
	size_t tsize, tused;
	const struct tfa_section **profiles; /* sorted, built after loading */
	size_t nprofiles;
	struct tfa_buf data[2];        /* the files' bytes: names and values point here */
	const char *both_defaults;     /* where [default] lost to [profile default] */
	unsigned both_defaults_line;
};

static uint64_t
hash_name(enum tfa_section_kind kind, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct section_rec **
slot(const struct tfa_config *cfg, enum tfa_section_kind kind, const char *name)
{
	size_t i = (size_t)hash_name(kind, name) & (cfg->tsize - 1);

	for (;; i = (i + 1) & (cfg->tsize - 1)) {
		struct section_rec *r = cfg->table[i];
		if (!r || (r->pub.kind == kind && strcmp(r->pub.name, name) == 0))
			return &cfg->table[i];
	}
}

static void
table_grow(struct tfa_config *cfg)
{
	struct section_rec **old = cfg->table;
	size_t oldsize = cfg->tsize, i;

	cfg->tsize = oldsize ? oldsize * 2 : 256;
	cfg->table = tfa_xcalloc(cfg->tsize, sizeof(*cfg->table));
	for (i = 0; i < oldsize; i++)
		if (old[i])
			*slot(cfg, old[i]->pub.kind, old[i]->pub.name) = old[i];
	free(old);
}

static struct section_rec *
find_section(const struct tfa_config *cfg, enum tfa_section_kind kind,
	     const char *name)
{
	if (!cfg->tsize)
		return NULL;
	return *slot(cfg, kind, name);
}

static struct section_rec *
add_section(struct tfa_config *cfg, enum tfa_section_kind kind,
	    const char *name, const char *file, unsigned line)
{
	struct section_rec *r = find_section(cfg, kind, name);

	if (r)
		return r;
	if ((cfg->tused + 1) * 2 > cfg->tsize)
		table_grow(cfg);
	/* From the arena: thousands of small records, freed all at once. */
	r = (struct section_rec *)(void *)arena_alloc(&cfg->arena, sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->pub.kind = kind;
	r->pub.name = name; /* in cfg's file bytes or arena, like every string */
	r->pub.file = file;
	r->pub.line = line;
	*slot(cfg, kind, name) = r;
	cfg->tused++;
	cfg->all = tfa_xgrow(cfg->all, &cfg->allalloc, cfg->nall + 1,
			     sizeof(*cfg->all));
	cfg->all[cfg->nall++] = r;
	return r;
}

static void
free_settings(struct tfa_setting *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(s[i].sub);
	free(s);
}

static void
free_section(struct section_rec *r)
{
	free_settings(r->pub.settings, r->pub.nsettings);
	free(r);
}

void
tfa_config_free(struct tfa_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nall; i++)
		free_settings(cfg->all[i]->pub.settings, cfg->all[i]->pub.nsettings);
	free(cfg->all);
	free(cfg->table);
	free((void *)cfg->profiles);
	free(cfg->config_path);
	free(cfg->credentials_path);
	tfa_buf_dispose(&cfg->data[0]);
	tfa_buf_dispose(&cfg->data[1]);
	arena_free(&cfg->arena);
	free(cfg);
}

/* ------------------------------------------------------------ the reader */

enum line_kind { LINE_NONE, LINE_SECTION, LINE_PROPERTY, LINE_INDENTED };

struct piece {
	const char *ptr;
	size_t len;
};

struct parse {
	struct tfa_config *cfg;
	struct tfa_err *err;
	int is_credentials;
	const char *display;       /* file name for messages and provenance */
	const char *p, *end;       /* the unread rest of the file */
	unsigned lineno;
	enum line_kind kind;       /* of the line inih is handling */
	struct piece *pieces;      /* the stand-ins' real bytes */
	size_t npieces, palloc;
	/* where properties go: */
	struct section_rec *section; /* NULL: an ignored section */
	int in_section;            /* any section seen yet */
	long cur_setting;          /* index of the last property, -1 none */
	struct section_rec *bare_default; /* [default] of the config file */
	int prefixed_default;      /* [profile default] seen */
};

static int
fail(struct parse *ps, int code, const char *what)
{
	if (!ps->err->code) {
		tfa_err_set(ps->err, code, "%s:%u: %s", ps->display, ps->lineno,
			    what);
	}
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}


static size_t
add_piece(struct parse *ps, const char *s, size_t n)
{
	ps->pieces = tfa_xgrow(ps->pieces, &ps->palloc, ps->npieces + 1,
			       sizeof(*ps->pieces));
	ps->pieces[ps->npieces].ptr = s;
	ps->pieces[ps->npieces].len = n;
	return ps->npieces++;
}

static void open_section(struct parse *ps, const char *inner, size_t n);



/* Write "\1N" at p; returns the end.  N < 2^64 fits in 20 digits. */
static char *
put_standin(char *p, size_t n)
{
	char digits[24];
	int i = 0;

	*p++ = '\001';
	do {
		digits[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (i)
		*p++ = digits[--i];
	return p;
}

/*
 * Lex one physical line into buf (at most num bytes with the NUL).  The
 * stand-ins are short, so num (inih's 200) is never a limit for us.
 */
static char *
read_line(char *buf, int num, void *stream)
{
	struct parse *ps = stream;
	const char *line, *nl, *s;
	size_t n, sep, k, v;
	char *w = buf;

	/* Our stand-ins are at most 2 * 21 + 4 bytes; inih asks for 200. */
	if (num < 64 || ps->p >= ps->end || ps->err->code)
		return NULL;
	/* inih hands the handler only the current line's stand-ins. */
	ps->npieces = 0;
	line = ps->p;
	nl = memchr(line, '\n', (size_t)(ps->end - line));
	n = nl ? (size_t)(nl - line) : (size_t)(ps->end - line);
	ps->p = nl ? nl + 1 : ps->end;
	ps->lineno++;
	if (n && line[n - 1] == '\r')
		n--;
	ps->kind = LINE_NONE;

	s = line;
	k = n;
	tfa__ini_trim(&s, &k);
	if (k == 0 || *s == '#' || *s == ';') {
		*w++ = '\n';
	} else if (is_space(line[0]) && ps->in_section && !ps->section) {
		*w++ = '\n'; /* inside an ignored section */
	} else if (is_space(line[0])) {
		if (ps->cur_setting < 0) {
			fail(ps, TFA_EINVAL, "an indented line with no setting above it to continue");
			tfa_err_hint(ps->err, "remove the leading spaces, or put 'key =' above it");
			return NULL;
		}
		ps->kind = LINE_INDENTED;
		*w++ = ' ';
		w = put_standin(w, add_piece(ps, s, k));
		*w++ = '\n';
	} else if (line[0] == '[') {
		/* A section line's comment starts at any '#' or ';'. */
		size_t i;
		for (i = 0; i < k && s[i] != '#' && s[i] != ';'; i++)
			;
		k = i;
		while (k && is_space(s[k - 1]))
			k--;
		if (k < 2 || s[k - 1] != ']') {
			fail(ps, TFA_EINVAL, "missing ']' at the end of the section header");
			tfa_err_hint(ps->err, "a section header looks like [profile NAME]%s",
				     ps->is_credentials ? " (in the credentials file: [NAME])" : "");
			return NULL;
		}
		s++;
		k -= 2;
		tfa__ini_trim(&s, &k);
		ps->kind = LINE_SECTION;
		/* inih does not report a new section; an empty one must exist too. */
		open_section(ps, s, k);
		*w++ = '[';
		w = put_standin(w, add_piece(ps, s, k));
		*w++ = ']';
		*w++ = '\n';
	} else {
		if (!ps->in_section) {
			fail(ps, TFA_EINVAL, "a setting before any section");
			tfa_err_hint(ps->err, "put it under a section header such as %s",
				     ps->is_credentials ? "[default]" : "[profile NAME]");
			return NULL;
		}
		k = tfa__ini_property_comment(s, k);
		while (k && is_space(s[k - 1]))
			k--;
		if (tfa__ini_split_property(s, k, &sep) < 0) {
			fail(ps, TFA_EINVAL, "expected 'key = value'");
			tfa_err_hint(ps->err, "indent a line to continue the value above it, "
				     "or start it with '#' to make it a comment");
			return NULL;
		}
		{
			/* Trimmed here, once: the handler takes the pieces as they are. */
			const char *ks = s, *vs = s + sep + 1;
			size_t kn = sep, vn = k - sep - 1;
			tfa__ini_trim(&ks, &kn);
			tfa__ini_trim(&vs, &vn);
			v = add_piece(ps, ks, kn);
			add_piece(ps, vs, vn);
		}
		ps->kind = LINE_PROPERTY;
		w = put_standin(w, v);
		*w++ = '=';
		w = put_standin(w, v + 1);
		*w++ = '\n';
	}
	*w = '\0';
	return buf;
}

/* Decode a stand-in "\1N" back to its piece; NULL when malformed. */
static const struct piece *
piece_of(const struct parse *ps, const char *standin)
{
	size_t i = 0;

	if (!standin || standin[0] != '\001' || !standin[1])
		return NULL;
	for (standin++; *standin; standin++) {
		if (*standin < '0' || *standin > '9' || i > SIZE_MAX / 10)
			return NULL;
		i = i * 10 + (size_t)(*standin - '0');
	}
	return i < ps->npieces ? &ps->pieces[i] : NULL;
}

/*
 * One pair of surrounding quotes is removed (go-v2 legacyStrconv), from a
 * value longer than the two quotes: "" and '' stay as they are.
 */
static void
unquote(const char **s, size_t *n)
{
	if (*n > 2 && ((**s == '"' && (*s)[*n - 1] == '"') ||
			(**s == '\'' && (*s)[*n - 1] == '\''))) {
		(*s)++;
		*n -= 2;
	}
}

/*
 * Names and values stay where they are in the file's bytes, cut with a NUL:
 * the byte after one is a blank, a comment, ']', '=' or the line's end, all
 * of which inih and the reader are done with once the handler runs (the
 * reader has moved past the line before inih calls the handler).
 */
static const char *
cut(const char *s, size_t n)
{
	((char *)s)[n] = '\0';
	return s;
}

static const char *
lower_in_place(const char *s, size_t n)
{
	char *p = (char *)s;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
	return cut(s, n);
}

/*
 * The keys nearly every profile has, shared instead of copied: with
 * thousands of profiles this is a good part of the allocations.
 */
#define KEY(k) { k, sizeof(k) - 1 }
static const struct {
	const char *name;
	size_t len;
} common_keys[] = {
	KEY("region"), KEY("output"), KEY("aws_access_key_id"),
	KEY("aws_secret_access_key"), KEY("aws_session_token"), KEY("role_arn"),
	KEY("source_profile"), KEY("sso_session"), KEY("sso_account_id"),
	KEY("sso_role_name"), KEY("sso_start_url"), KEY("sso_region"),
	KEY("credential_process"), KEY("mfa_serial"), KEY("external_id"),
	KEY("role_session_name"), KEY("duration_seconds"), KEY("credential_source"),
	KEY("web_identity_token_file"), KEY("endpoint_url"), KEY("services"),
};
#undef KEY

static const char *
key_of(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(common_keys) / sizeof(common_keys[0]); i++)
		if (common_keys[i].len == n && memcmp(common_keys[i].name, s, n) == 0)
			return common_keys[i].name;
	return lower_in_place(s, n);
}

/* Set key in r (replacing an earlier one); returns its index. */
static size_t
set_value(struct parse *ps, struct section_rec *r, const char *key,
	  const char *value)
{
	struct tfa_section *s = &r->pub;
	size_t i;

	for (i = 0; i < s->nsettings; i++)
		if (strcmp(s->settings[i].key, key) == 0)
			break;
	if (i == s->nsettings) {
		/* Most profiles have two to four settings: start small. */
		if (s->nsettings == r->salloc) {
			r->salloc = r->salloc ? r->salloc * 2 : 4;
			s->settings = tfa_xrealloc(s->settings,
						   r->salloc * sizeof(*s->settings));
		}
		s->nsettings++;
		s->settings[i].key = key;
	} else {
		free(s->settings[i].sub);
	}
	s->settings[i].value = value;
	s->settings[i].file = ps->display;
	s->settings[i].line = ps->lineno;
	s->settings[i].sub = NULL;
	s->settings[i].nsub = 0;
	return i;
}

static void
open_section(struct parse *ps, const char *inner, size_t n)
{
	struct tfa_config *cfg = ps->cfg;
	struct arena *a = &cfg->arena;
	const char *name = inner;
	size_t tn = 0, i;
	char *full;

	ps->in_section = 1;
	ps->section = NULL;
	ps->cur_setting = -1;
	/* go-v2 splitProfile: type, a run of blanks, name. */
	for (i = 0; i < n && !is_space(inner[i]); i++)
		;
	if (i < n) {
		tn = i;
		while (i < n && is_space(inner[i]))
			i++;
		name = inner + i;
		n -= i;
	} else {
		tn = 0;
	}

	if (ps->is_credentials) {
		/* [NAME] only; "[profile x]" is not valid here. */
		if (tn == 7 && memcmp(inner, "profile", 7) == 0)
			return;
		if (tn) {
			struct tfa_buf b = TFA_BUF_INIT;
			tfa_buf_add(&b, inner, tn);
			tfa_buf_addch(&b, ' ');
			tfa_buf_add(&b, name, n);
			full = arena_strndup(a, b.ptr, b.len);
			tfa_buf_dispose(&b);
		} else {
			full = (char *)cut(name, n);
		}
		if (!*full)
			return;
		ps->section = add_section(cfg, TFA_SECTION_PROFILE, full,
					  ps->display, ps->lineno);
		ps->section->pub.in_credentials = 1;
		return;
	}

	full = (char *)cut(name, n);
	if (!tn) {
		if (strcmp(full, "default") != 0)
			return; /* [foo] in the config file is ignored */
		if (ps->prefixed_default) {
			/* [profile default] always wins; remember for the doctor. */
			if (!cfg->both_defaults) {
				cfg->both_defaults = ps->display;
				cfg->both_defaults_line = ps->lineno;
			}
			return;
		}
		if (!ps->bare_default) {
			ps->bare_default = tfa_xcalloc(1, sizeof(*ps->bare_default));
			ps->bare_default->pub.kind = TFA_SECTION_PROFILE;
			ps->bare_default->pub.name = "default";
			ps->bare_default->pub.file = ps->display;
			ps->bare_default->pub.line = ps->lineno;
			ps->bare_default->pub.in_config = 1;
		}
		ps->section = ps->bare_default;
		return;
	}
	if (!*full)
		return;
	if (tn == 7 && memcmp(inner, "profile", 7) == 0) {
		if (strcmp(full, "default") == 0 && ps->bare_default) {
			if (!cfg->both_defaults) {
				cfg->both_defaults = ps->display;
				cfg->both_defaults_line = ps->bare_default->pub.line;
			}
			free_section(ps->bare_default);
			ps->bare_default = NULL;
		}
		if (strcmp(full, "default") == 0)
			ps->prefixed_default = 1;
		ps->section = add_section(cfg, TFA_SECTION_PROFILE, full,
					  ps->display, ps->lineno);
	} else if (tn == 11 && memcmp(inner, "sso-session", 11) == 0) {
		ps->section = add_section(cfg, TFA_SECTION_SSO_SESSION, full,
					  ps->display, ps->lineno);
	} else if (tn == 8 && memcmp(inner, "services", 8) == 0) {
		ps->section = add_section(cfg, TFA_SECTION_SERVICES, full,
					  ps->display, ps->lineno);
	} else {
		return; /* an unknown section type: ignored, as by the SDKs */
	}
	ps->section->pub.in_config = 1;
}

static void
indented(struct parse *ps, const struct piece *pc)
{
	struct arena *a = &ps->cfg->arena;
	struct tfa_setting *set;
	size_t sep, kn, vn;
	const char *k, *v;

	if (!ps->section)
		return; /* inside an ignored section */
	set = &ps->section->pub.settings[ps->cur_setting];
	if (set->value[0] == '\0') {
		/* `key =` then indented `sub = value` lines. */
		struct tfa_setting *sub;
		if (tfa__ini_split_property(pc->ptr, pc->len, &sep) < 0) {
			fail(ps, TFA_EINVAL, "expected an indented 'key = value'");
			tfa_err_hint(ps->err, "under '%s =' every indented line sets "
				     "a sub-property, like '  endpoint_url = URL'", set->key);
			return;
		}
		k = pc->ptr;
		kn = sep;
		tfa__ini_trim(&k, &kn);
		v = pc->ptr + sep + 1;
		vn = pc->len - sep - 1;
		tfa__ini_trim(&v, &vn);
		unquote(&v, &vn);
		set->sub = tfa_xrealloc(set->sub, (set->nsub + 1) * sizeof(*set->sub));
		sub = &set->sub[set->nsub++];
		memset(sub, 0, sizeof(*sub));
		sub->key = key_of(k, kn);
		sub->value = cut(v, vn);
		sub->file = ps->display;
		sub->line = ps->lineno;
	} else {
		/* A continuation: "old\nnew" (comments are part of it). */
		size_t on = strlen(set->value);
		char *nv = arena_alloc(a, on + 1 + pc->len + 1);
		memcpy(nv, set->value, on);
		nv[on] = '\n';
		memcpy(nv + on + 1, pc->ptr, pc->len);
		nv[on + 1 + pc->len] = '\0';
		set->value = nv;
	}
}

static int
on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	const struct piece *kp, *vp;
	const char *k, *v;
	size_t kn, vn;

	(void)section; /* the reader tracks sections itself */
	if (ps->err->code)
		return 0;
	switch (ps->kind) {
	case LINE_PROPERTY:
		kp = piece_of(ps, name);
		vp = piece_of(ps, value);
		if (!kp || !vp)
			return fail(ps, TFA_EINVAL, "cannot parse this line");
		k = kp->ptr;
		kn = kp->len;
		if (!kn) {
			fail(ps, TFA_EINVAL, "a setting without a name");
			tfa_err_hint(ps->err, "write it as 'key = value'");
			return 0;
		}
		v = vp->ptr;
		vn = vp->len;
		unquote(&v, &vn);
		if (ps->section)
			ps->cur_setting = (long)set_value(ps, ps->section,
				key_of(k, kn), cut(v, vn));
		else
			ps->cur_setting = 0; /* in an ignored section */
		return 1;
	case LINE_INDENTED:
		vp = piece_of(ps, value);
		if (!vp)
			return fail(ps, TFA_EINVAL, "cannot parse this line");
		indented(ps, vp);
		return ps->err->code ? 0 : 1;
	default:
		return fail(ps, TFA_EINVAL, "cannot parse this line");
	}
}

/* ----------------------------------------------------------- loading */

/* The line number of offset off, for messages. */
static unsigned
line_at(const char *data, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

/* Offset of the first byte that is not valid UTF-8, or n. */
static size_t
utf8_invalid_at(const unsigned char *s, size_t n)
{
	size_t i = 0, len, j;
	uint32_t cp;

	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			/* Text is mostly ASCII: step over 8 bytes at a time. */
			while (i + 8 <= n) {
				uint64_t w;
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
			}
			if (i < n && s[i] < 0x80)
				i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (n - i < len)
			return i;
		for (j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		i += len;
	}
	return n;
}

/*
 * Read path into data.  *missing is set when there is no such file, which
 * is not an error: the SDKs treat a missing file as empty.
 */
static int
read_file(struct tfa_buf *data, const char *path, const char *display,
	  int is_credentials, int *missing, struct tfa_err *err)
{
	struct stat st;
	int fd = -1, rc = 0;
	ssize_t r;

	*missing = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			*missing = 1;
			return 0;
		}
		rc = tfa_err_set(err, TFA_EIO, "cannot open '%s': %s", display,
				 strerror(e));
		err->sys_errno = e;
		if (e == EACCES)
			tfa_err_hint(err, "make it readable by you: chmod 600 '%s'", display);
		else if (e == ELOOP)
			tfa_err_hint(err, "a symbolic link points at itself: "
				     "check 'ls -l %s'", display);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		rc = tfa_err_set(err, TFA_EIO, "cannot stat '%s': %s", display,
				 strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = tfa_err_set(err, TFA_EINVAL, "'%s' is not a regular file", display);
		tfa_err_hint(err, "point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE "
			     "at a file");
		goto out;
	}
	/* Who else may write it decides who we trust: see config.h. */
	if (is_credentials ? tfa__fs_others_can_write(&st) : (st.st_mode & S_IWOTH) != 0) {
		rc = tfa_err_set(err, TFA_EPERM,
				 "refusing '%s': other users can write to it (mode %04o)",
				 display, (unsigned)(st.st_mode & 07777));
		tfa__fs_hint_path(err, "check that it holds only your keys, then: chmod 600 ",
				  path, "");
		goto out;
	}
	if ((size_t)st.st_size > TFA_CONFIG_MAX_FILE) {
		rc = tfa_err_set(err, TFA_ETOOBIG,
				 "'%s' is too large (%lld bytes; the limit is %zu MiB)",
				 display, (long long)st.st_size, TFA_CONFIG_MAX_FILE >> 20);
		tfa_err_hint(err, "is this really an AWS config file?");
		goto out;
	}
	/* Read straight into the (secret) buffer: no copies to wipe. */
	for (;;) {
		size_t room;
		if (tfa_buf_grow(data, data->len < (size_t)st.st_size ?
				 (size_t)st.st_size - data->len + 1 : 4096) < 0) {
			rc = tfa_err_set(err, TFA_ETOOBIG,
					 "'%s' is too large (the limit is %zu MiB)",
					 display, TFA_CONFIG_MAX_FILE >> 20);
			goto out;
		}
		room = data->alloc - data->len - 1;
		r = read(fd, data->ptr + data->len, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = tfa_err_set(err, TFA_EIO, "cannot read '%s': %s", display,
					 strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		data->len += (size_t)r;
		data->ptr[data->len] = '\0';
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Parse the bytes in cfg->data[is_credentials], read or copied there. */
static int
parse_data(struct tfa_config *cfg, const char *display, int is_credentials,
	   struct tfa_err *err)
{
	struct tfa_buf *data = &cfg->data[is_credentials];
	struct parse ps;
	int rc, line;
	size_t bad;
	const char *nul;

	memset(&ps, 0, sizeof(ps));
	if ((nul = memchr(data->ptr, '\0', data->len))) {
		rc = tfa_err_set(err, TFA_EINVAL, "%s:%u: a NUL byte; is this a binary file?",
				 display, line_at(data->ptr, (size_t)(nul - data->ptr)));
		tfa_err_hint(err, "AWS config and credentials files are text");
		goto out;
	}
	bad = utf8_invalid_at((const unsigned char *)data->ptr, data->len);
	if (bad < data->len) {
		rc = tfa_err_set(err, TFA_EINVAL, "%s:%u: not valid UTF-8", display,
				 line_at(data->ptr, bad));
		tfa_err_hint(err, "save the file as UTF-8 text");
		goto out;
	}

	ps.cfg = cfg;
	ps.err = err;
	ps.is_credentials = is_credentials;
	ps.display = display;
	ps.p = data->ptr;
	ps.end = data->ptr + data->len;
	ps.cur_setting = -1;
	/* inih skips a BOM itself, but our reader sees the bytes first. */
	if (data->len >= 3 && memcmp(data->ptr, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;

	line = ini_parse_stream(read_line, &ps, on_entry, &ps);
	if (err->code) {
		rc = err->code;
		goto out;
	}
	if (line != 0) {
		rc = tfa_err_set(err, TFA_EINVAL, "%s:%d: cannot parse this line",
				 display, line);
		goto out;
	}
	/* [default] counts only when there is no [profile default]. */
	if (ps.bare_default) {
		struct section_rec *r = find_section(cfg, TFA_SECTION_PROFILE, "default");
		if (!r) {
			r = add_section(cfg, TFA_SECTION_PROFILE, "default",
					ps.bare_default->pub.file,
					ps.bare_default->pub.line);
			r->pub.in_config = 1;
			r->pub.settings = ps.bare_default->pub.settings;
			r->pub.nsettings = ps.bare_default->pub.nsettings;
			r->salloc = ps.bare_default->salloc;
			ps.bare_default->pub.settings = NULL;
			ps.bare_default->pub.nsettings = 0;
		}
		free_section(ps.bare_default);
		ps.bare_default = NULL;
	}
	rc = 0;
out:
	if (ps.bare_default)
		free_section(ps.bare_default);
	free(ps.pieces);
	return rc;
}

static int
parse_file(struct tfa_config *cfg, const char *path, const char *display,
	   int is_credentials, struct tfa_err *err)
{
	struct tfa_buf *data = &cfg->data[is_credentials];
	int missing, rc;

	tfa_buf_init_secret(data, TFA_CONFIG_MAX_FILE);
	if ((rc = read_file(data, path, display, is_credentials, &missing, err)) < 0 || missing)
		return rc;
	return parse_data(cfg, display, is_credentials, err);
}

/* The same from memory (tfa_config_parse); text NULL: no such file. */
static int
parse_text(struct tfa_config *cfg, const char *text, size_t n,
	   const char *display, int is_credentials, struct tfa_err *err)
{
	struct tfa_buf *data = &cfg->data[is_credentials];

	tfa_buf_init_secret(data, TFA_CONFIG_MAX_FILE);
	if (tfa_buf_add(data, text, n) < 0)
		return tfa_err_set(err, TFA_ETOOBIG,
				   "'%s' is too large (the limit is %zu MiB)",
				   display, TFA_CONFIG_MAX_FILE >> 20);
	return parse_data(cfg, display, is_credentials, err);
}

static int
cmp_section(const void *a, const void *b)
{
	const struct tfa_section *x = *(const struct tfa_section *const *)a;
	const struct tfa_section *y = *(const struct tfa_section *const *)b;

	return strcmp(x->name, y->name);
}

/* A loaded configuration: its profiles counted. */
static struct tfa_config *
finish(struct tfa_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nall; i++)
		if (cfg->all[i]->pub.kind == TFA_SECTION_PROFILE)
			cfg->nprofiles++;
	return cfg;
}

static int
load(struct tfa_config **out, const char *config_path, const char *config_display,
     const char *cred_path, const char *cred_display, struct tfa_err *err)
{
	struct tfa_config *cfg = tfa_xcalloc(1, sizeof(*cfg));
	int rc;

	tfa_err_clear(err); /* the parser stops at the first err->code */
	cfg->config_path = config_path ? tfa_xstrdup(config_display) : NULL;
	cfg->credentials_path = cred_path ? tfa_xstrdup(cred_display) : NULL;
	if (config_path &&
	    (rc = parse_file(cfg, config_path,
			     arena_strndup(&cfg->arena, config_display, strlen(config_display)),
			     0, err)) < 0)
		goto fail;
	if (cred_path &&
	    (rc = parse_file(cfg, cred_path,
			     arena_strndup(&cfg->arena, cred_display, strlen(cred_display)),
			     1, err)) < 0)
		goto fail;

	*out = finish(cfg);
	return 0;
fail:
	tfa_config_free(cfg);
	return rc;
}

int
tfa_config_parse(struct tfa_config **out, const char *config, size_t config_len,
		 const char *credentials, size_t credentials_len,
		 struct tfa_err *err)
{
	struct tfa_config *cfg = tfa_xcalloc(1, sizeof(*cfg));
	int rc;

	tfa_err_clear(err);
	cfg->config_path = config ? tfa_xstrdup("config") : NULL;
	cfg->credentials_path = credentials ? tfa_xstrdup("credentials") : NULL;
	if (config && (rc = parse_text(cfg, config, config_len, "config", 0, err)) < 0)
		goto fail;
	if (credentials &&
	    (rc = parse_text(cfg, credentials, credentials_len, "credentials", 1,
			     err)) < 0)
		goto fail;
	*out = finish(cfg);
	return 0;
fail:
	tfa_config_free(cfg);
	return rc;
}

int
tfa_config_load_files(struct tfa_config **out, const char *config_path,
		      const char *credentials_path, struct tfa_err *err)
{
	return load(out, config_path, config_path, credentials_path,
		    credentials_path, err);
}

int
tfa_config_load(struct tfa_config **out, const struct tfa_ctx *ctx,
		struct tfa_err *err)
{
	char *cd = tfa_ctx_display_path(ctx, ctx->config_path);
	char *kd = tfa_ctx_display_path(ctx, ctx->credentials_path);
	int rc;

	rc = load(out, ctx->config_path, cd, ctx->credentials_path, kd, err);
	free(cd);
	free(kd);
	return rc;
}

const struct tfa_section *
tfa_config_profile(const struct tfa_config *cfg, const char *name)
{
	struct section_rec *r = find_section(cfg, TFA_SECTION_PROFILE, name);
	return r ? &r->pub : NULL;
}

const struct tfa_section *
tfa_config_sso_session(const struct tfa_config *cfg, const char *name)
{
	struct section_rec *r = find_section(cfg, TFA_SECTION_SSO_SESSION, name);
	return r ? &r->pub : NULL;
}

const struct tfa_section *
tfa_config_services(const struct tfa_config *cfg, const char *name)
{
	struct section_rec *r = find_section(cfg, TFA_SECTION_SERVICES, name);
	return r ? &r->pub : NULL;
}

size_t
tfa_config_profile_count(const struct tfa_config *cfg)
{
	return cfg->nprofiles;
}

const struct tfa_section *
tfa_config_profile_at(const struct tfa_config *ccfg, size_t i)
{
	/* Sorted on first use: tfauth-env never needs the list. */
	struct tfa_config *cfg = (struct tfa_config *)ccfg;
	size_t j, n = 0;

	if (i >= cfg->nprofiles)
		return NULL;
	if (!cfg->profiles) {
		cfg->profiles = tfa_xcalloc(cfg->nprofiles, sizeof(*cfg->profiles));
		for (j = 0; j < cfg->nall; j++)
			if (cfg->all[j]->pub.kind == TFA_SECTION_PROFILE)
				cfg->profiles[n++] = &cfg->all[j]->pub;
		qsort((void *)cfg->profiles, n, sizeof(*cfg->profiles), cmp_section);
	}
	return cfg->profiles[i];
}

const char *
tfa_config_config_path(const struct tfa_config *cfg)
{
	return cfg->config_path;
}

const char *
tfa_config_credentials_path(const struct tfa_config *cfg)
{
	return cfg->credentials_path;
}

const struct tfa_setting *
tfa_section_get(const struct tfa_section *s, const char *key)
{
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < s->nsettings; i++)
		if (strcmp(s->settings[i].key, key) == 0)
			return &s->settings[i];
	return NULL;
}

const char *
tfa_section_value(const struct tfa_section *s, const char *key)
{
	const struct tfa_setting *set = tfa_section_get(s, key);
	return set ? set->value : NULL;
}

const struct tfa_setting *
tfa_setting_sub(const struct tfa_setting *s, const char *key)
{
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < s->nsub; i++)
		if (strcmp(s->sub[i].key, key) == 0)
			return &s->sub[i];
	return NULL;
}

int
tfa_config_key_is_secret(const char *key)
{
	return strcmp(key, "aws_secret_access_key") == 0 ||
	       strcmp(key, "aws_session_token") == 0 ||
	       strcmp(key, "aws_security_token") == 0;
}

int
tfa_config_key_is_masked(const char *key)
{
	return tfa_config_key_is_secret(key) || strcmp(key, "aws_access_key_id") == 0;
}

const char *
tfa_config_both_defaults(const struct tfa_config *cfg, unsigned *line)
{
	if (line)
		*line = cfg->both_defaults_line;
	return cfg->both_defaults;
}
