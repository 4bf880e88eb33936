/*
 * tfauth-profile — list, show and report the current AWS profile.
 */
#include "cli.h"

#include "buf.h"
#include "config.h"
#include "creds.h"
#include "ctx.h"
#include "profile.h"
#include "timeutil.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char usage[] =
	"usage: tfauth-profile list [--long] [--json]\n"
	"       tfauth-profile current\n"
	"       tfauth-profile show [PROFILE] [--json]\n";

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
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage.\n";

struct opts {
	int is_long, json;
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

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0, 0 };
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
		return cli_usage_error(usage, "which subcommand: list, current or show?");
	sub = argv[optind++];
	if (optind < argc)
		arg = argv[optind++];
	if (optind < argc)
		return cli_usage_error(usage, "too many arguments");

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
	} else {
		return cli_usage_error(usage, "unknown subcommand '%s'", sub);
	}

	tfa_ctx_init(&ctx, environ);
	if (tfa_config_load(&cfg, &ctx, &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	if (strcmp(sub, "list") == 0)
		status = cmd_list(&ctx, cfg, &o);
	else if (strcmp(sub, "current") == 0)
		status = cmd_current(&ctx, cfg);
	else
		status = cmd_show(&ctx, cfg, arg, &o);
out:
	tfa_config_free(cfg);
	tfa_ctx_dispose(&ctx);
	return status;
}
