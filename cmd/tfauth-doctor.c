/*
 * tfauth-doctor — the checklist people run by hand when Terraform says
 * InvalidClientTokenId, as one command; and --explain, which names the
 * cause and fix of an error in Terraform or AWS CLI output.
 */
#include "cli.h"

#include "buf.h"
#include "ctx.h"
#include "diagnose.h"
#include "explain.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char usage[] =
	"usage: tfauth-doctor [PROFILE] [--json] [--offline]\n"
	"       tfauth-doctor --explain FILE|- [--json]\n";

static const char help[] =
	"Check everything that makes Terraform fail with InvalidClientTokenId,\n"
	"ExpiredToken and friends, and say how to fix what is wrong:\n"
	"  config            the config and credentials files load\n"
	"  permissions       a credentials file other users can read\n"
	"  environment       stale AWS_* keys that shadow the profile\n"
	"  profile           the profile, where it is defined, its chain\n"
	"  sources           where each value comes from (like aws configure list)\n"
	"  region            the region, where it came from, the STS endpoint\n"
	"  identity          what STS says of the credentials\n"
	"  clock             clock skew against STS\n"
	"  access-key        the IAM key's status and last use\n"
	"  expiry            when session credentials expire\n"
	"  cli-vs-terraform  where the AWS CLI and Terraform disagree\n"
	"\n"
	"options:\n"
	"      --offline         skip the checks that need the network\n"
	"  -j, --json            the report as JSON\n"
	"  -e, --explain FILE    read Terraform or AWS CLI output (- for stdin)\n"
	"                        and name the cause and fix of its errors\n"
	"  -h, --help            this text\n"
	"  -V, --version         the version\n"
	"\n"
	"  terraform plan 2>&1 | tfauth-doctor --explain -\n"
	"\n"
	"Exit status: 0 every check passed (or --explain found an error it\n"
	"knows), 1 a check failed (or nothing known was found), 2 usage.\n";

#define EXPLAIN_MAX TFA_EXPLAIN_MAX_INPUT

/* A JSON string of s; bytes that are not UTF-8 (from a hostile reply)
 * become '?' rather than losing the member. */
static json_t *
jstr(const char *s)
{
	struct tfa_buf b = TFA_BUF_INIT;
	json_t *j = json_string(s);
	size_t i, n, len;

	if (j)
		return j;
	n = strlen(s);
	for (i = 0; i < n; i += len) {
		len = tfa_utf8_seq_len(s + i, n - i);
		if (len)
			tfa_buf_add(&b, s + i, len);
		else
			tfa_buf_addch(&b, '?');
		if (!len)
			len = 1;
	}
	j = json_string(b.ptr);
	tfa_buf_dispose(&b);
	return j ? j : json_string("");
}

static json_t *
str_or_null(const char *s)
{
	return s && *s ? jstr(s) : json_null();
}

static int
print_json(json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int status;

	json_decref(root);
	if (!text) {
		cli_note("cannot encode the report as JSON");
		return CLI_EXIT_FAIL;
	}
	status = cli_write_stdout(text, strlen(text));
	if (status == 0)
		status = cli_write_stdout("\n", 1);
	free(text);
	return status;
}

static int
report_json(const struct tfa_report *r)
{
	json_t *root = json_object(), *checks = json_array(), *sources = json_array();
	size_t i, j;

	json_object_set_new(root, "profile", str_or_null(r->profile));
	json_object_set_new(root, "selected_by", str_or_null(r->profile_origin));
	json_object_set_new(root, "ok", json_boolean(tfa_report_ok(r)));
	json_object_set_new(root, "account", str_or_null(r->account));
	json_object_set_new(root, "arn", str_or_null(r->arn));
	for (i = 0; i < r->nchecks; i++) {
		const struct tfa_check *c = &r->checks[i];
		json_t *o = json_object(), *det = json_array();
		json_object_set_new(o, "id", json_string(c->id));
		json_object_set_new(o, "status", json_string(tfa_check_status_name(c->status)));
		json_object_set_new(o, "summary", jstr(c->summary));
		json_object_set_new(o, "fix", str_or_null(c->fix));
		json_object_set_new(o, "aws_code", str_or_null(c->aws_code));
		for (j = 0; j < c->ndetails; j++)
			json_array_append_new(det, jstr(c->details[j]));
		json_object_set_new(o, "details", det);
		json_array_append_new(checks, o);
	}
	json_object_set_new(root, "checks", checks);
	for (i = 0; i < 4; i++) {
		const struct tfa_source *s = &r->sources[i];
		json_t *o;
		if (!s->name)
			continue;
		o = json_object();
		json_object_set_new(o, "name", json_string(s->name));
		json_object_set_new(o, "value", jstr(s->value));
		json_object_set_new(o, "type", json_string(s->type));
		json_object_set_new(o, "location", jstr(s->location));
		json_array_append_new(sources, o);
	}
	json_object_set_new(root, "sources", sources);
	return print_json(root);
}

static int
report_text(const struct tfa_report *r)
{
	struct tfa_buf out = TFA_BUF_INIT;
	size_t i, j, failed = 0, warned = 0;
	int status;

	if (r->profile)
		tfa_buf_addf(&out, "profile '%s' (selected by %s)\n\n", r->profile,
			     r->profile_origin);
	for (i = 0; i < r->nchecks; i++) {
		const struct tfa_check *c = &r->checks[i];
		const char *tag = c->status == TFA_CHECK_FAIL ? "FAIL" :
				  c->status == TFA_CHECK_WARN ? "WARN" :
				  tfa_check_status_name(c->status);
		failed += c->status == TFA_CHECK_FAIL;
		warned += c->status == TFA_CHECK_WARN;
		tfa_buf_addf(&out, "  %-4s  %-16s  %s\n", tag, c->id, c->summary);
		for (j = 0; j < c->ndetails; j++)
			tfa_buf_addf(&out, "        %-16s    %s\n", "", c->details[j]);
		if (c->fix)
			tfa_buf_addf(&out, "        %-16s  fix: %s\n", "", c->fix);
	}
	if (failed)
		tfa_buf_addf(&out, "\n%zu check%s failed%s.\n", failed, failed == 1 ? "" : "s",
			     warned ? ", see the warnings too" : "");
	else
		tfa_buf_addf(&out, "\nall checks passed%s.\n", warned ? " (with warnings)" : "");
	status = cli_write_stdout(out.ptr, out.len);
	tfa_buf_dispose(&out);
	return status;
}

static int
read_input(struct tfa_buf *in, const char *path)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	ssize_t r;

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open '%s': %s\n", cli_prog, path, strerror(errno));
		return -1;
	}
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "%s: cannot read '%s': %s\n", cli_prog, path,
				strerror(errno));
			break;
		}
		if (r == 0)
			break;
		if (tfa_buf_add(in, chunk, (size_t)r) < 0) {
			/* Keep what fits: errors come early in Terraform's output. */
			tfa_buf_add(in, chunk, in->cap - in->len);
			cli_note("read only the first %zu MiB of '%s'", EXPLAIN_MAX >> 20, path);
			break;
		}
	}
	if (fd > 0)
		close(fd);
	return r < 0 ? -1 : 0;
}

static int
explain(const char *path, const char *profile, int json)
{
	struct tfa_buf in;
	struct tfa_finding f[TFA_EXPLAIN_MAX_FINDINGS];
	size_t n, i;
	int status;

	/* The output may hold secrets (a stray key in a log): wipe it after. */
	tfa_buf_init_secret(&in, EXPLAIN_MAX);
	if (read_input(&in, path) < 0) {
		tfa_buf_dispose(&in);
		return CLI_EXIT_FAIL;
	}
	n = tfa_explain(f, sizeof(f) / sizeof(f[0]), in.ptr, in.len);
	tfa_buf_dispose(&in);
	if (json) {
		struct tfa_buf out = TFA_BUF_INIT;
		tfa_explain_json(&out, f, n);
		tfa_buf_addch(&out, '\n');
		status = cli_write_stdout(out.ptr, out.len);
		tfa_buf_dispose(&out);
	} else {
		struct tfa_buf out = TFA_BUF_INIT;
		for (i = 0; i < n; i++) {
			tfa_buf_addf(&out, "%s%s", i ? "\n" : "", f[i].code[0] ? f[i].code : f[i].id);
			if (f[i].operation[0])
				tfa_buf_addf(&out, " in %s", f[i].operation);
			if (f[i].http_status)
				tfa_buf_addf(&out, " (HTTP %d)", f[i].http_status);
			tfa_buf_addch(&out, '\n');
			tfa_buf_addf(&out, "  cause: %s\n", f[i].cause);
			if (f[i].profile[0])
				tfa_buf_addf(&out, "  profile: %s\n", f[i].profile);
			if (f[i].role_arn[0])
				tfa_buf_addf(&out, "  role: %s\n", f[i].role_arn);
			if (f[i].caller_arn[0])
				tfa_buf_addf(&out, "  caller: %s\n", f[i].caller_arn);
			if (f[i].detail[0])
				tfa_buf_addf(&out, "  detail: %s\n", f[i].detail);
			tfa_buf_adds(&out, "  fix:   ");
			tfa_explain_fix(&out, &f[i], profile);
			tfa_buf_addch(&out, '\n');
			if (f[i].request_id[0])
				tfa_buf_addf(&out, "  request id: %s\n", f[i].request_id);
		}
		status = cli_write_stdout(out.ptr, out.len);
		tfa_buf_dispose(&out);
	}
	if (n == 0) {
		cli_note("no AWS credential error that tfauth knows was found in '%s'", path);
		fprintf(stderr, "hint: run 'tfauth-doctor' to check the credentials themselves\n");
		return CLI_EXIT_FAIL;
	}
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "offline", no_argument, NULL, 'o' },
		{ "explain", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct tfa_ctx ctx;
	struct tfa_report report;
	const char *profile = NULL, *explain_path = NULL;
	int c, json = 0, offline = 0, status;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":je:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'o':
			offline = 1;
			break;
		case 'e':
			explain_path = optarg;
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
	if (optind < argc)
		profile = argv[optind++];
	if (optind < argc)
		return cli_usage_error(usage, "too many arguments");
	if (explain_path) {
		if (profile || offline)
			return cli_usage_error(usage, "--explain takes no profile or --offline");
		/* The profile in effect fills the fixes' PROFILE placeholder. */
		const char *cur = getenv("AWS_PROFILE");
		if (!cur || !*cur)
			cur = getenv("AWS_DEFAULT_PROFILE");
		return explain(explain_path, cur, json);
	}
	if (profile && !*profile)
		return cli_usage_error(usage, "the profile name is empty");

	tfa_ctx_init(&ctx, environ);
	tfa_diagnose(&report, &ctx, profile, offline ? TFA_DIAG_OFFLINE : 0);
	status = json ? report_json(&report) : report_text(&report);
	if (status == CLI_EXIT_OK && !tfa_report_ok(&report))
		status = CLI_EXIT_FAIL;
	tfa_report_dispose(&report);
	tfa_ctx_dispose(&ctx);
	return status;
}
