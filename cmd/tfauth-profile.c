/*
 * tfauth-profile — list, show and report the current AWS profile; pick one
 * on the terminal; set a profile's static keys safely.
 */
#include "cli.h"

#include "buf.h"
#include "config.h"
#include "creds.h"
#include "ctx.h"
#include "endpoint.h"
#include "keys.h"
#include "picker.h"
#include "profile.h"
#include "timeutil.h"
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char usage[] =
	"usage: tfauth-profile list [--long] [--json]\n"
	"       tfauth-profile current\n"
	"       tfauth-profile show [PROFILE] [--json]\n"
	"       tfauth-profile pick [--long]\n"
	"       tfauth-profile set-keys PROFILE [--stdin] [--no-verify]\n";

static const char help[] =
	"Profiles of the shared config and credentials files (AWS_CONFIG_FILE,\n"
	"AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials).\n"
	"\n"
	"  list      every profile, once each, sorted by name\n"
	"    -l, --long   add type, region, account and expiry; '*' marks the current one\n"
	"    -j, --json   a JSON array\n"
	"  current   the active profile (stdout) and what selected it (stderr):\n"
	"            AWS_PROFILE, then AWS_DEFAULT_PROFILE, then 'default'\n"
	"  show      the merged settings of PROFILE (default: the current one) with\n"
	"            the file:line each came from; keys and secrets masked\n"
	"    -j, --json   as JSON\n"
	"  pick      choose a profile on the terminal (/dev/tty; GNU readline, Tab\n"
	"            completes names) and print its name, and only that, on stdout;\n"
	"            an unknown name is answered \"did you mean\" and asked again;\n"
	"            an empty line or Ctrl-D exits 1, Ctrl-C 130, no terminal 3\n"
	"    -l, --long   show type, region and account beside each name\n"
	"  set-keys  replace PROFILE's aws_access_key_id and aws_secret_access_key\n"
	"            in the credentials file, keeping every other line byte for\n"
	"            byte; its old session token is removed; the previous file is\n"
	"            kept as FILE.bak; the file is written atomically, mode 0600.\n"
	"            Keys are asked on the terminal (the secret is not echoed)\n"
	"            and checked with STS GetCallerIdentity before anything is\n"
	"            written.  A symlink, or a file others can write, is refused.\n"
	"    --stdin      read the key id and the secret as two lines of stdin\n"
	"    --no-verify  do not ask STS (nothing leaves the machine)\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage, 3 no terminal to ask on,\n"
	"130 interrupted.\n";

struct opts {
	int is_long, json;
	int use_stdin, no_verify;   /* set-keys */
};

/* ---------------------------------------------------------------- list */

struct row {
	const char *name, *type, *region;
	char account[16];
	char expiry[TFA_TIME_LEN];
	int current, broken;
};

static void
fill_row(struct row *r, const struct tfa_config *cfg, const struct tfa_section *s,
	 const char *current)
{
	struct tfa_profile p;
	struct tfa_err err;

	memset(r, 0, sizeof(*r));
	r->name = s->name;
	r->current = strcmp(s->name, current) == 0;
	tfa_err_clear(&err);
	if (tfa_profile_resolve(&p, cfg, s->name, &err) < 0) {
		r->type = "invalid";
		r->broken = 1;
		r->region = tfa_section_value(s, "region");
		return;
	}
	r->type = tfa_profile_kind_name(p.kind);
	r->region = p.region;
	memcpy(r->account, p.account_id, sizeof(r->account));
	if (p.expiration)
		tfa_time_format(r->expiry, p.expiration);
}

static int
cmd_list(const struct tfa_ctx *ctx, const struct tfa_config *cfg, const struct opts *o)
{
	size_t n = tfa_config_profile_count(cfg), i, w[4] = { 4, 4, 6, 7 };
	struct tfa_selection sel;
	struct tfa_buf out = TFA_BUF_INIT;
	struct row *rows;
	int status;

	tfa_buf_init(&out, 0);
	tfa_profile_select(&sel, ctx, NULL);
	if (!o->is_long && !o->json) {
		for (i = 0; i < n; i++) {
			tfa_buf_adds(&out, tfa_config_profile_at(cfg, i)->name);
			tfa_buf_addch(&out, '\n');
		}
		status = cli_write_stdout(out.ptr, out.len);
		tfa_buf_dispose(&out);
		return status;
	}
	rows = tfa_xcalloc(n ? n : 1, sizeof(*rows));
	for (i = 0; i < n; i++)
		fill_row(&rows[i], cfg, tfa_config_profile_at(cfg, i), sel.name);

	if (o->json) {
		json_t *arr = json_array();
		char *text;
		for (i = 0; i < n; i++) {
			json_t *obj = json_object();
			json_object_set_new(obj, "name", json_string(rows[i].name));
			json_object_set_new(obj, "type", json_string(rows[i].type));
			json_object_set_new(obj, "region", rows[i].region ? json_string(rows[i].region) : json_null());
			json_object_set_new(obj, "account", rows[i].account[0] ? json_string(rows[i].account) : json_null());
			json_object_set_new(obj, "expiration", rows[i].expiry[0] ? json_string(rows[i].expiry) : json_null());
			json_object_set_new(obj, "current", json_boolean(rows[i].current));
			json_array_append_new(arr, obj);
		}
		text = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(arr);
		if (!text) {
			/* Only invalid UTF-8 could do this, and config refuses that. */
			cli_note("cannot encode the list as JSON");
			free(rows);
			return CLI_EXIT_FAIL;
		}
		tfa_buf_adds(&out, text);
		tfa_buf_addch(&out, '\n');
		free(text);
	} else {
		for (i = 0; i < n; i++) {
			size_t l[4] = { strlen(rows[i].name), strlen(rows[i].type),
					rows[i].region ? strlen(rows[i].region) : 1,
					rows[i].account[0] ? 12 : 1 };
			size_t k;
			for (k = 0; k < 4; k++)
				if (l[k] > w[k])
					w[k] = l[k];
		}
		tfa_buf_addf(&out, "  %-*s  %-*s  %-*s  %-*s  %s\n", (int)w[0], "NAME",
			     (int)w[1], "TYPE", (int)w[2], "REGION", (int)w[3], "ACCOUNT", "EXPIRES");
		for (i = 0; i < n; i++) {
			struct row *r = &rows[i];
			tfa_buf_addf(&out, "%c %-*s  %-*s  %-*s  %-*s  %s\n", r->current ? '*' : ' ',
				     (int)w[0], r->name, (int)w[1], r->type, (int)w[2],
				     r->region ? r->region : "-", (int)w[3],
				     r->account[0] ? r->account : "-", r->expiry[0] ? r->expiry : "-");
		}
	}
	free(rows);
	status = cli_write_stdout(out.ptr, out.len);
	tfa_buf_dispose(&out);
	return status;
}

/* ------------------------------------------------------------- current */

static int
cmd_current(const struct tfa_ctx *ctx, const struct tfa_config *cfg)
{
	struct tfa_selection sel;
	struct tfa_profile p;
	struct tfa_err err;
	const char *key;

	tfa_err_clear(&err);
	tfa_profile_select(&sel, ctx, NULL);
	printf("%s\n", sel.name);
	fflush(stdout);
	fprintf(stderr, "%s: selected by %s\n", cli_prog, tfa_profile_origin_name(sel.origin));
	if (sel.shadowed_default_profile)
		cli_note("AWS_DEFAULT_PROFILE='%s' is ignored: AWS_PROFILE wins for Terraform "
			 "(the AWS CLI v1 would use AWS_DEFAULT_PROFILE)", sel.shadowed_default_profile);
	if ((key = tfa_ctx_getenv_nonempty(ctx, "AWS_ACCESS_KEY_ID"))) {
		size_t n = strlen(key);
		cli_note("AWS_ACCESS_KEY_ID (****%s) in the environment overrides this profile "
			 "for Terraform and the AWS CLI", n >= 8 ? key + n - 4 : "");
		fprintf(stderr, "hint: eval \"$(tfauth-env)\" clears it\n");
	}
	if (tfa_profile_resolve(&p, cfg, sel.name, &err) < 0) {
		if (err.code == TFA_ENOTFOUND && sel.origin == TFA_ORIGIN_DEFAULT &&
		    !tfa_config_profile(cfg, sel.name)) {
			/* No default profile is normal: the SDKs fall through. */
			cli_note("there is no 'default' profile: credentials come from the "
				 "environment or the instance");
			return CLI_EXIT_OK;
		}
		return cli_error(&err);
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- show */

static const char *
shown_value(char *buf, size_t n, const struct tfa_setting *s)
{
	if (tfa_config_key_is_masked(s->key)) {
		tfa_mask(buf, n, s->value);
		return buf;
	}
	return s->value;
}

static json_t *
setting_json(const struct tfa_setting *s)
{
	char masked[32];
	json_t *obj = json_object();
	size_t i;

	json_object_set_new(obj, "key", json_string(s->key));
	json_object_set_new(obj, "value", json_string(shown_value(masked, sizeof(masked), s)));
	json_object_set_new(obj, "file", json_string(s->file));
	json_object_set_new(obj, "line", json_integer(s->line));
	if (s->nsub) {
		json_t *sub = json_object();
		for (i = 0; i < s->nsub; i++)
			json_object_set_new(sub, s->sub[i].key, setting_json(&s->sub[i]));
		json_object_set_new(obj, "sub", sub);
	}
	return obj;
}

static int
cmd_show(const struct tfa_ctx *ctx, const struct tfa_config *cfg, const char *name,
	 const struct opts *o)
{
	struct tfa_selection sel;
	struct tfa_profile p;
	struct tfa_err err;
	struct tfa_buf out = TFA_BUF_INIT;
	const struct tfa_section *s;
	char masked[32];
	size_t i, j, w = 0;
	int status;

	tfa_err_clear(&err);
	tfa_profile_select(&sel, ctx, name);
	if (tfa_profile_resolve(&p, cfg, sel.name, &err) < 0)
		return cli_error(&err);
	s = p.section;
	if (o->json) {
		json_t *obj = json_object(), *arr = json_array(), *chain = json_array();
		char *text;
		json_object_set_new(obj, "name", json_string(p.name));
		json_object_set_new(obj, "type", json_string(tfa_profile_kind_name(p.kind)));
		json_object_set_new(obj, "region", p.region ? json_string(p.region) : json_null());
		json_object_set_new(obj, "account", p.account_id[0] ? json_string(p.account_id) : json_null());
		for (i = 0; i < p.nchain; i++)
			json_array_append_new(chain, json_string(p.chain[i]->name));
		json_object_set_new(obj, "chain", chain);
		for (i = 0; i < s->nsettings; i++)
			json_array_append_new(arr, setting_json(&s->settings[i]));
		json_object_set_new(obj, "settings", arr);
		text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(obj);
		if (!text) {
			cli_note("cannot encode the profile as JSON");
			return CLI_EXIT_FAIL;
		}
		tfa_buf_adds(&out, text);
		tfa_buf_addch(&out, '\n');
		free(text);
	} else {
		tfa_buf_addf(&out, "profile  %s\n", p.name);
		tfa_buf_addf(&out, "type     %s\n", tfa_profile_kind_name(p.kind));
		tfa_buf_addf(&out, "region   %s\n", p.region ? p.region : "-");
		tfa_buf_addf(&out, "account  %s\n", p.account_id[0] ? p.account_id : "-");
		if (p.nchain > 1 || p.credential_source) {
			tfa_buf_adds(&out, "chain    ");
			for (i = 0; i < p.nchain; i++)
				tfa_buf_addf(&out, "%s%s", i ? " -> " : "", p.chain[i]->name);
			if (p.credential_source)
				tfa_buf_addf(&out, " -> %s", p.credential_source);
			else
				tfa_buf_addf(&out, " (%s)", tfa_profile_kind_name(p.base_kind));
			tfa_buf_addch(&out, '\n');
		}
		for (i = 0; i < s->nsettings; i++)
			if (strlen(s->settings[i].key) > w)
				w = strlen(s->settings[i].key);
		if (s->nsettings)
			tfa_buf_adds(&out, "\n");
		for (i = 0; i < s->nsettings; i++) {
			const struct tfa_setting *set = &s->settings[i];
			const char *v = shown_value(masked, sizeof(masked), set);
			/* A multi-line value is shown on one line. */
			tfa_buf_addf(&out, "%-*s = ", (int)w, set->key);
			for (; *v; v++)
				tfa_buf_adds(&out, *v == '\n' ? "\\n" : (char[]){ *v, 0 });
			tfa_buf_addf(&out, "    # %s:%u\n", set->file, set->line);
			for (j = 0; j < set->nsub; j++)
				tfa_buf_addf(&out, "  %s = %s    # %s:%u\n", set->sub[j].key,
					     shown_value(masked, sizeof(masked), &set->sub[j]),
					     set->sub[j].file, set->sub[j].line);
		}
	}
	status = cli_write_stdout(out.ptr, out.len);
	tfa_buf_dispose(&out);
	return status;
}

/* ---------------------------------------------------------- __complete */

/*
 * `tfauth-profile __complete [--] [PREFIX]`, hidden: the profile names that
 * start with PREFIX, one a line, for the shell completions.  The config
 * files only, never the network; silent on errors, since whatever it says
 * would land in the middle of the user's command line.
 */
static int
cmd_complete(int argc, char **argv)
{
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_config *cfg = NULL;
	struct tfa_buf out = TFA_BUF_INIT;
	const char *prefix = "";
	size_t i, n, plen;
	int status = CLI_EXIT_FAIL;

	if (argc > 0 && strcmp(argv[0], "--") == 0)
		argc--, argv++;
	if (argc > 1)
		return CLI_EXIT_USAGE;
	if (argc == 1)
		prefix = argv[0];
	plen = strlen(prefix);
	tfa_err_clear(&err);
	tfa_ctx_init(&ctx, environ);
	if (tfa_config_load(&cfg, &ctx, &err) < 0)
		goto out;
	n = tfa_config_profile_count(cfg);
	for (i = 0; i < n; i++) {
		const char *name = tfa_config_profile_at(cfg, i)->name;
		if (strncmp(name, prefix, plen) == 0) {
			tfa_buf_adds(&out, name);
			tfa_buf_addch(&out, '\n');
		}
	}
	status = fwrite(out.ptr, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ?
		 CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	tfa_buf_dispose(&out);
	tfa_config_free(cfg);
	tfa_ctx_dispose(&ctx);
	return status;
}

/* ---------------------------------------------------------------- pick */

/*
 * The --long hints of pick: "TYPE  REGION  ACCOUNT" per profile, the
 * columns aligned across all of them.  Caller frees each and the array.
 */
static char **
pick_hints(const struct tfa_config *cfg, const char *current, size_t n)
{
	struct row *rows = tfa_xcalloc(n ? n : 1, sizeof(*rows));
	char **hints = tfa_xcalloc(n ? n : 1, sizeof(*hints));
	struct tfa_buf b = TFA_BUF_INIT;
	size_t i, w[2] = { 4, 6 };

	for (i = 0; i < n; i++) {
		fill_row(&rows[i], cfg, tfa_config_profile_at(cfg, i), current);
		if (strlen(rows[i].type) > w[0])
			w[0] = strlen(rows[i].type);
		if (rows[i].region && strlen(rows[i].region) > w[1])
			w[1] = strlen(rows[i].region);
	}
	for (i = 0; i < n; i++) {
		tfa_buf_reset(&b);
		tfa_buf_addf(&b, "%-*s  %-*s  %s", (int)w[0], rows[i].type, (int)w[1],
			     rows[i].region ? rows[i].region : "-",
			     rows[i].account[0] ? rows[i].account : "-");
		hints[i] = tfa_xstrdup(b.ptr);
	}
	tfa_buf_dispose(&b);
	free(rows);
	return hints;
}

/*
 * pick: readline on /dev/tty, Tab completes names; the name goes to stdout,
 * nothing else does.  An unknown name gets "did you mean" and the question
 * again; an empty line or Ctrl-D ends with 1, Ctrl-C with 130, no terminal
 * with 3.
 */
static int
cmd_pick(const struct tfa_ctx *ctx, const struct tfa_config *cfg, const struct opts *o)
{
	size_t n = tfa_config_profile_count(cfg), i, k;
	struct tfa_picker_item *items = NULL;
	struct tfa_tty *t = NULL;
	struct tfa_selection sel;
	struct tfa_buf msg = TFA_BUF_INIT;
	struct tfa_err err;
	const char *sugg[3];
	char **hints = NULL, *line = NULL;
	unsigned flags = TFA_PICKER_LIST;
	int status;

	tfa_err_clear(&err);
	tfa_profile_select(&sel, ctx, NULL);
	if (n == 0) {
		cli_note("there is no profile to pick from");
		fprintf(stderr, "hint: create one with 'tfauth-profile set-keys NAME' or "
			"'aws configure sso'\n");
		status = CLI_EXIT_FAIL;
		goto out;
	}
	if (tfa_tty_open(&t, &err) < 0) {
		if (err.code == TFA_ELOGIN)
			tfa_err_hint(&err, "name the profile instead: tfp NAME, or eval "
				     "\"$(tfauth-env NAME)\" ('tfauth-profile list' shows them)");
		status = cli_error(&err);
		goto out;
	}
	if (o->is_long)
		hints = pick_hints(cfg, sel.name, n);
	items = tfa_xcalloc(n, sizeof(*items));
	for (i = 0; i < n; i++) {
		items[i].name = tfa_config_profile_at(cfg, i)->name;
		items[i].hint = hints ? hints[i] : NULL;
		items[i].current = strcmp(items[i].name, sel.name) == 0;
	}
	for (;;) {
		free(line);
		line = NULL;
		if (tfa_picker_choose(&line, t, "profile: ", items, n, flags, &err) < 0) {
			status = cli_error(&err);
			if (tfa_tty_signal(t))
				status = 128 + tfa_tty_signal(t);
			goto out;
		}
		if (!*line) {
			cli_note("no profile picked");
			status = CLI_EXIT_FAIL;
			goto out;
		}
		if (tfa_config_profile(cfg, line))
			break;
		tfa_buf_reset(&msg);
		tfa_buf_addf(&msg, "no profile '%s'", line);
		k = tfa_profile_suggest(sugg, 3, cfg, line);
		for (i = 0; i < k; i++)
			tfa_buf_addf(&msg, "%s'%s'", i == 0 ? "; did you mean " :
				     i + 1 == k ? " or " : ", ", sugg[i]);
		tfa_buf_adds(&msg, k ? "? (Tab completes)" : " (Tab completes a name)");
		tfa_tty_say(t, "%s", msg.ptr);
		flags |= TFA_PICKER_AGAIN;
	}
	tfa_buf_reset(&msg);
	tfa_buf_addf(&msg, "%s\n", line);
	/* The terminal first: the caller reads stdout once we are done. */
	tfa_tty_close(t);
	t = NULL;
	status = cli_write_stdout(msg.ptr, msg.len);
out:
	tfa_tty_close(t);
	for (i = 0; hints && i < n; i++)
		free(hints[i]);
	free(hints);
	free(items);
	free(line);
	tfa_buf_dispose(&msg);
	return status;
}

/* ------------------------------------------------------------ set-keys */

#define KEYS_STDIN_MAX 8192  /* two lines of 20 and 40 bytes, and slack */
#define KEYS_OUTPUT_MAX 16384 /* what is kept of tfauth-keycheck's output */

/* Long-term keys only: a temporary key (ASIA) is useless without its token. */
static int
check_key_id(const char *id, struct tfa_err *err)
{
	int rc = tfa_keys_check_key_id(id, err);

	if (rc == 0 && strncmp(id, "ASIA", 4) == 0) {
		rc = tfa_err_set(err, TFA_EINVAL, "the access key id starts with ASIA: "
				 "it is a temporary key, which works only with its "
				 "session token");
		tfa_err_hint(err, "set-keys stores long-term keys (AKIA...); "
			     "temporary credentials come from 'tfauth-refresh'");
	}
	return rc;
}

/*
 * The key id and the secret from stdin: two lines ("\n" or "\r\n" ends a
 * line), then nothing but empty lines.  Blanks around the key id (no
 * secret) are dropped; the secret is taken as it is, for the checks.
 */
static int
keys_from_stdin(struct tfa_buf *id, struct tfa_buf *secret, struct tfa_err *err)
{
	struct tfa_buf in;
	const char *p, *end, *nl, *s;
	size_t n, part;
	ssize_t r;
	int rc = 0;

	tfa_buf_init_secret(&in, KEYS_STDIN_MAX);
	for (;;) {
		if (tfa_buf_grow(&in, 512) < 0) {
			rc = tfa_err_set(err, TFA_EINVAL, "standard input holds more "
					 "than the two lines expected");
			goto out;
		}
		r = read(0, in.ptr + in.len, in.alloc - in.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = tfa_err_set(err, TFA_EIO, "cannot read standard input: %s",
					 strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		in.len += (size_t)r;
		in.ptr[in.len] = '\0';
	}
	p = in.ptr;
	end = in.ptr + in.len;
	for (part = 0; part < 2; part++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (nl && n && p[n - 1] == '\r')
			n--;
		if (part == 0) {
			s = p;
			while (n && (*s == ' ' || *s == '\t'))
				s++, n--;
			while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			tfa_buf_add(id, s, n);
		} else {
			tfa_buf_add(secret, p, n);
		}
		p = nl ? nl + 1 : end;
		if (part == 0 && p == end) {
			rc = tfa_err_set(err, TFA_EINVAL, "standard input holds %s, not "
					 "two lines", in.len ? "one line" : "nothing");
			tfa_err_hint(err, "give the key id on the first line and the "
				     "secret access key on the second");
			goto out;
		}
	}
	for (; p < end; p++) {
		if (*p != '\n' && *p != '\r') {
			rc = tfa_err_set(err, TFA_EINVAL, "standard input holds more "
					 "than the two lines expected");
			tfa_err_hint(err, "give the key id on the first line and the "
				     "secret access key on the second, and nothing more");
			goto out;
		}
	}
out:
	tfa_buf_dispose(&in);
	return rc;
}

/*
 * The key id (readline, echoed) and the secret (no echo) from /dev/tty,
 * each asked up to three times while it fails the checks.  *sig: the
 * signal that ended a prompt.
 */
static int
keys_from_tty(struct tfa_buf *id, struct tfa_buf *secret, const char *profile,
	      const char *display, int *sig, struct tfa_err *err)
{
	struct tfa_tty *t = NULL;
	char *line = NULL;
	int rc, tries;

	if ((rc = tfa_tty_open(&t, err)) < 0) {
		if (rc == TFA_ELOGIN)
			tfa_err_hint(err, "give the keys on standard input instead, the "
				     "key id on the first line and the secret on the "
				     "second: tfauth-profile set-keys %s --stdin <FILE",
				     profile);
		goto out;
	}
	tfa_tty_say(t, "New keys for profile '%s' (in %s):", profile, display);
	for (tries = 1;; tries++) {
		tfa_secret_free(line);
		line = NULL;
		if ((rc = tfa_tty_ask(&line, t, "AWS Access Key ID: ", err)) < 0) {
			*sig = tfa_tty_signal(t);
			goto out;
		}
		if (!*line) {
			rc = tfa_err_set(err, TFA_EINVAL, "no access key id entered: "
					 "nothing written");
			goto out;
		}
		if ((rc = check_key_id(line, err)) == 0)
			break;
		if (tries == 3)
			goto out;
		tfa_tty_say(t, "%s; try again", err->msg);
	}
	tfa_buf_adds(id, line);
	for (tries = 1;; tries++) {
		tfa_buf_reset(secret);
		rc = tfa_tty_read_secret(secret, t, "AWS Secret Access Key (not shown): ",
					 err);
		if (rc < 0 && (*sig = tfa_tty_signal(t)))
			goto out;
		if (rc == TFA_ELOGIN || (rc == 0 && secret->len == 0)) {
			rc = tfa_err_set(err, TFA_EINVAL, "no secret access key "
					 "entered: nothing written");
			goto out;
		}
		if (rc < 0 || (rc = tfa_keys_check_secret(secret->ptr, err)) == 0 ||
		    tries == 3)
			goto out;
		tfa_tty_say(t, "%s; try again", err->msg);
	}
out:
	tfa_secret_free(line);
	tfa_tty_close(t);
	return rc;
}

/* "NAME=value" into b, which is appended to env. */
static void
env_add(char **env, size_t *n, struct tfa_buf *b, const char *name, const char *value)
{
	tfa_buf_addf(b, "%s=%s", name, value);
	env[(*n)++] = b->ptr;
}

/* Read what fd has into b, keeping at most KEYS_OUTPUT_MAX bytes; -1 at EOF. */
static int
drain(int fd, struct tfa_buf *b)
{
	char chunk[4096];
	ssize_t r = read(fd, chunk, sizeof(chunk));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0)
		return -1;
	if (b->len + (size_t)r <= KEYS_OUTPUT_MAX)
		tfa_buf_add(b, chunk, (size_t)r);
	return 0;
}

/*
 * Run tfauth-keycheck (next to this binary, else on PATH) with the keys,
 * the region and the STS endpoint in its environment only, the
 * environment's other AWS_ settings left out.  *arn gets its stdout,
 * *msgs its stderr.  Returns its exit status (127: it could not run), or
 * -1 when it could not be started or ended on a signal.
 */
static int
run_keycheck(struct tfa_buf *arn, struct tfa_buf *msgs, const struct tfa_ctx *ctx,
	     const struct tfa_endpoint *ep, const char *id, const char *secret)
{
	static const char *const keep[] = { "AWS_CA_BUNDLE=", "AWS_MAX_ATTEMPTS=" };
	char *argv[] = { "tfauth-keycheck", NULL };
	struct tfa_buf vars[4];
	struct pollfd pf[2];
	char **env;
	size_t i, k, n = 0;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, status = -1, ws, open_fds;
	pid_t pid = -1;

	for (i = 0; i < 4; i++)
		tfa_buf_init_secret(&vars[i], 4096);
	env = tfa_xcalloc(ctx->nenv + 5, sizeof(*env));
	for (i = 0; i < ctx->nenv; i++) {
		int drop = strncmp(ctx->env[i], "AWS_", 4) == 0;
		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (strncmp(ctx->env[i], keep[k], strlen(keep[k])) == 0)
				drop = 0;
		if (!drop)
			env[n++] = ctx->env[i];
	}
	env_add(env, &n, &vars[0], "AWS_ACCESS_KEY_ID", id);
	env_add(env, &n, &vars[1], "AWS_SECRET_ACCESS_KEY", secret);
	env_add(env, &n, &vars[2], "AWS_REGION", ep->signing_region);
	env_add(env, &n, &vars[3], "AWS_ENDPOINT_URL_STS", ep->url);
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		goto out;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		goto out;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		environ = env;
		cli_exec_sibling("tfauth-keycheck", argv);
		dprintf(2, "tfauth-keycheck: cannot run it: %s\n", strerror(errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	pf[0].fd = outp[0];
	pf[1].fd = errp[0];
	for (open_fds = 2; open_fds;) {
		pf[0].events = pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    drain(pf[i].fd, i ? msgs : arn) < 0) {
				close(pf[i].fd);
				pf[i].fd = -1; /* poll skips it from now on */
				open_fds--;
			}
		}
	}
	outp[0] = pf[0].fd;
	errp[0] = pf[1].fd;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws))
		status = WEXITSTATUS(ws);
out:
	for (i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	for (i = 0; i < 4; i++)
		tfa_buf_dispose(&vars[i]);
	free(env);
	return status;
}

/* Check the keys with STS (through tfauth-keycheck); say what it said. */
static int
verify_keys(const struct tfa_ctx *ctx, const struct tfa_config *cfg,
	    const struct tfa_section *sec, const char *id, const char *secret,
	    const char *display)
{
	struct tfa_buf arn = TFA_BUF_INIT, msgs = TFA_BUF_INIT;
	struct tfa_endpoint ep;
	struct tfa_err err;
	const char *region, *origin = NULL, *p, *nl;
	int status = CLI_EXIT_FAIL, rc;

	tfa_err_clear(&err);
	memset(&ep, 0, sizeof(ep));
	region = tfa_profile_region(ctx, sec, &origin);
	if (!region) {
		/* GetCallerIdentity answers in any region. */
		region = "us-east-1";
		origin = "the default for this check";
	}
	if (tfa_endpoint_resolve(&ep, ctx, cfg, sec, TFA_SERVICE_STS, region, origin,
				 &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	rc = run_keycheck(&arn, &msgs, ctx, &ep, id, secret);
	while (arn.len && (arn.ptr[arn.len - 1] == '\n' || arn.ptr[arn.len - 1] == '\r'))
		tfa_buf_setlen(&arn, arn.len - 1);
	if (rc == 0 && arn.len) {
		fprintf(stderr, "%s: the keys work (STS at %s): %s\n", cli_prog, ep.url,
			arn.ptr);
		status = CLI_EXIT_OK;
		goto out;
	}
	if (rc == 127 || rc < 0) {
		cli_note("cannot run tfauth-keycheck to check the keys: nothing written "
			 "to '%s'", display);
		if (msgs.len)
			fprintf(stderr, "%s", msgs.ptr);
		fprintf(stderr, "hint: install it next to %s, or save the keys "
			"unchecked with --no-verify\n", cli_prog);
		goto out;
	}
	/* Its lines, under our name. */
	for (p = msgs.ptr; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (strncmp(p, "tfauth-keycheck: ", 17) == 0) {
			fprintf(stderr, "%s: ", cli_prog);
			p += 17;
		}
		fprintf(stderr, "%.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
	}
	cli_note("nothing written to '%s': the keys did not pass the check "
		 "(--no-verify skips it)", display);
out:
	tfa_endpoint_dispose(&ep);
	tfa_buf_dispose(&arn);
	tfa_buf_dispose(&msgs);
	return status;
}

/* Say what tfa_keys_save did, on stderr. */
static void
report_save(const struct tfa_keys_edit *ed, const char *profile, const char *display)
{
	if (ed->created)
		fprintf(stderr, "%s: created '%s' (mode 0600) with the keys of '%s'\n",
			cli_prog, display, profile);
	else
		fprintf(stderr, "%s: saved the keys of '%s' in '%s'; the previous file "
			"is '%s.bak'\n", cli_prog, profile, display, display);
	if (ed->section_added && !ed->created)
		cli_note("'%s' had no [%s] section: it was added at the end", display,
			 profile);
	if (ed->tokens_removed)
		cli_note("removed the session token of [%s]: it belonged to the old "
			 "keys, and sent with new long-term keys it would make every "
			 "call fail", profile);
	if (ed->sections > 1)
		cli_note("[%s] appears %u times in '%s': the keys were set in each, since "
			 "Terraform merges them; the AWS CLI refuses a file with a "
			 "repeated section, so merge them into one", profile, ed->sections,
			 display);
	if (!ed->created && (ed->old_mode & 077))
		cli_note("'%s' was readable by others (mode %04o); it is 0600 now",
			 display, ed->old_mode);
	if (ed->old_links > 1)
		cli_note("'%s' had another name (a hard link): that name keeps the old "
			 "keys", display);
}

/*
 * set-keys: check the file, ask for the keys (or read --stdin), check them
 * with STS unless --no-verify, then rewrite only PROFILE's key lines.
 */
static int
cmd_set_keys(const struct tfa_ctx *ctx, const char *profile, const struct opts *o)
{
	struct tfa_config *cfg = NULL;
	const struct tfa_section *sec = NULL;
	struct tfa_keys_edit ed;
	struct tfa_buf id, secret;
	struct tfa_profile prof;
	struct tfa_err err;
	const char *path = ctx->credentials_path;
	char *display = NULL;
	int status = CLI_EXIT_FAIL, exists = 0, sig = 0, rc;

	tfa_err_clear(&err);
	/* A key id is no secret, but a secret may be pasted in its place. */
	tfa_buf_init_secret(&id, 4096);
	tfa_buf_init_secret(&secret, 4096);
	if (tfa_keys_check_profile(profile, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	if (o->use_stdin && isatty(0)) {
		status = cli_usage_error(usage, "--stdin reads a terminal: the secret "
					 "would show as you type it; leave --stdin out "
					 "to be asked without echo");
		goto out;
	}
	if (!path || !*path) {
		cli_note("no credentials file: HOME is unknown and "
			 "AWS_SHARED_CREDENTIALS_FILE is not set");
		goto out;
	}
	display = tfa_ctx_display_path(ctx, path);
	/* Refuse an unsafe file before anyone types a secret. */
	if (tfa_keys_check_file(&exists, path, &err) < 0 ||
	    tfa_config_load(&cfg, ctx, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	if ((sec = tfa_config_profile(cfg, profile)) &&
	    tfa_profile_resolve(&prof, cfg, profile, &err) == 0 &&
	    prof.kind != TFA_PROFILE_STATIC && prof.kind != TFA_PROFILE_NONE)
		cli_note("profile '%s' is a %s profile: static keys in the credentials "
			 "file take its place for Terraform", profile,
			 tfa_profile_kind_name(prof.kind));
	if (o->use_stdin) {
		rc = keys_from_stdin(&id, &secret, &err);
		if (rc == 0)
			rc = check_key_id(id.ptr, &err);
		if (rc == 0)
			rc = tfa_keys_check_secret(secret.ptr, &err);
	} else {
		rc = keys_from_tty(&id, &secret, profile, display, &sig, &err);
	}
	if (rc < 0) {
		status = sig ? 128 + sig : cli_error(&err);
		if (sig)
			cli_note("interrupted: nothing written");
		goto out;
	}
	if (!o->no_verify &&
	    (status = verify_keys(ctx, cfg, sec, id.ptr, secret.ptr, display)) != 0)
		goto out;
	if (tfa_keys_save(&ed, path, profile, id.ptr, secret.ptr, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	report_save(&ed, profile, display);
	if (o->no_verify)
		fprintf(stderr, "hint: not checked with STS; 'tfauth-doctor %s' checks "
			"them\n", profile);
	if (tfa_ctx_getenv_nonempty(ctx, "AWS_ACCESS_KEY_ID"))
		cli_note("AWS_ACCESS_KEY_ID in the environment still overrides profiles "
			 "for Terraform and the AWS CLI; eval \"$(tfauth-env %s)\" "
			 "clears it", profile);
	status = CLI_EXIT_OK;
out:
	tfa_buf_dispose(&id);
	tfa_buf_dispose(&secret);
	tfa_config_free(cfg);
	free(display);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "stdin", no_argument, NULL, 'S' },
		{ "no-verify", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0, 0, 0, 0 };
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_config *cfg = NULL;
	const char *sub = NULL, *arg = NULL;
	int c, status;

	cli_init(argv[0]);
	/* Before getopt: a prefix may start with '-'. */
	if (argc > 1 && strcmp(argv[1], "__complete") == 0)
		return cmd_complete(argc - 2, argv + 2);
	tfa_err_clear(&err);
	while ((c = getopt_long(argc, argv, ":ljhV", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.is_long = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'S':
			o.use_stdin = 1;
			break;
		case 'N':
			o.no_verify = 1;
			break;
		case 'h':
			printf("%s\n%s", usage, help);
			return CLI_EXIT_OK;
		case 'V':
			return cli_version();
		default:
			return cli_bad_option(usage, argv, c);
		}
	}
	if (optind >= argc)
		return cli_usage_error(usage, "which subcommand: list, current, show, pick "
				       "or set-keys?");
	sub = argv[optind++];
	if (optind < argc)
		arg = argv[optind++];
	if (optind < argc)
		return cli_usage_error(usage, "too many arguments");

	if ((o.use_stdin || o.no_verify) && strcmp(sub, "set-keys") != 0)
		return cli_usage_error(usage, "--stdin and --no-verify are options of "
				       "'set-keys'");
	if (strcmp(sub, "list") == 0) {
		if (arg)
			return cli_usage_error(usage, "'list' takes no argument");
	} else if (strcmp(sub, "current") == 0) {
		if (arg || o.is_long || o.json)
			return cli_usage_error(usage, "'current' takes no argument or option");
	} else if (strcmp(sub, "show") == 0) {
		if (o.is_long)
			return cli_usage_error(usage, "'show' has no --long");
		if (arg && !*arg)
			return cli_usage_error(usage, "the profile name is empty");
	} else if (strcmp(sub, "pick") == 0) {
		if (arg || o.json)
			return cli_usage_error(usage, "'pick' takes no argument and no --json");
	} else if (strcmp(sub, "set-keys") == 0) {
		if (!arg)
			return cli_usage_error(usage, "'set-keys' needs the profile's name");
		if (o.is_long || o.json)
			return cli_usage_error(usage, "'set-keys' has no --long or --json");
	} else {
		return cli_usage_error(usage, "unknown subcommand '%s'", sub);
	}

	tfa_ctx_init(&ctx, environ);
	/* set-keys checks the credentials file before it loads the config. */
	if (strcmp(sub, "set-keys") == 0) {
		status = cmd_set_keys(&ctx, arg, &o);
		goto out;
	}
	if (tfa_config_load(&cfg, &ctx, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	if (strcmp(sub, "list") == 0)
		status = cmd_list(&ctx, cfg, &o);
	else if (strcmp(sub, "current") == 0)
		status = cmd_current(&ctx, cfg);
	else if (strcmp(sub, "pick") == 0)
		status = cmd_pick(&ctx, cfg, &o);
	else
		status = cmd_show(&ctx, cfg, arg, &o);
out:
	tfa_config_free(cfg);
	tfa_ctx_dispose(&ctx);
	return status;
}
