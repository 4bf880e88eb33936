/*
 * test_run — tfauth-run's logic without terraform: the bounded tail, the
 * profile in play, the child's environment, what a command is, the cause
 * of a failure in its stderr, the retry decision; and, with /bin/sh as
 * the child, the supervision (stderr through a sink, exit statuses,
 * signals).
 */
#include "buf.h"
#include "chain.h"
#include "config.h"
#include "ctx.h"
#include "run.h"
#include "tap.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/tfa-run-XXXXXX";
static char cpath[256];
static struct tfa_config *cfg;

#define KEY_ID "AKIAIOSFODNN7EXAWZFK"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define TOKEN "FwoGZXIvYXdzEXAMPLETOKENVALUE"
#define RKEY "ASIAROLEEXAMPLE7QRST"
#define RSECRET "roleSecretEXAMPLEroleSecretEXAMPLE12345"
#define RTOKEN "IQoJb3JpZ2luX2VjEXAMPLEROLETOKEN"

static int
load(const char *config)
{
	FILE *f;
	struct tfa_err err;

	tfa_config_free(cfg);
	cfg = NULL;
	if (!(f = fopen(cpath, "wb")))
		return 0;
	fputs(config, f);
	fclose(f);
	tfa_err_clear(&err);
	if (tfa_config_load_files(&cfg, cpath, NULL, &err) < 0) {
		ok(0, "fixture loads");
		printf("#   %s\n", err.msg);
		return 0;
	}
	return 1;
}

static const char fixture[] =
	"[profile prod]\nregion = eu-west-1\naws_access_key_id = AKIAPROD\n"
	"aws_secret_access_key = s\n"
	"[profile noregion]\naws_access_key_id = AKIANOREG\naws_secret_access_key = s\n"
	"[profile mfa-static]\naws_access_key_id = AKIAMFA\naws_secret_access_key = s\n"
	"mfa_serial = arn:aws:iam::123456789012:mfa/alice\n"
	"[profile role]\nregion = us-west-2\nrole_arn = arn:aws:iam::123456789012:role/deploy\n"
	"source_profile = prod\n"
	"[profile sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
	"sso_account_id = 123456789012\nsso_role_name = Admin\n"
	"[profile proc]\ncredential_process = /bin/creds\n"
	"[profile web]\nrole_arn = arn:aws:iam::123456789012:role/web\n"
	"web_identity_token_file = /tmp/token\n"
	"[profile bare]\nregion = us-east-1\n"
	"[default]\nregion = ap-south-1\nrole_arn = arn:aws:iam::123456789012:role/deploy\n"
	"source_profile = prod\n";

/* ---- tail ------------------------------------------------------------ */

static void
test_tail(void)
{
	struct tfa_run_tail t;
	char big[40];

	tfa_run_tail_init(&t, 8);
	ok(t.ptr == NULL && t.len == 0 && !tfa_run_tail_cut(&t), "tail: empty, nothing allocated");
	tfa_run_tail_add(&t, "abc", 3);
	tfa_run_tail_add(&t, "", 0);
	ok(t.len == 3 && memcmp(t.ptr, "abc", 3) == 0 && !tfa_run_tail_cut(&t),
	   "tail: under the cap, all kept");
	tfa_run_tail_add(&t, "defgh", 5);
	ok(t.len == 8 && memcmp(t.ptr, "abcdefgh", 8) == 0 && !tfa_run_tail_cut(&t),
	   "tail: exactly the cap, all kept");
	tfa_run_tail_add(&t, "ij", 2);
	ok(t.len == 8 && memcmp(t.ptr, "cdefghij", 8) == 0, "tail: over the cap, the oldest dropped");
	ok(tfa_run_tail_cut(&t) && t.seen == 10, "tail: cut, 10 bytes seen");
	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 8, "LASTBYTE", 8);
	tfa_run_tail_add(&t, big, sizeof(big));
	ok(t.len == 8 && memcmp(t.ptr, "LASTBYTE", 8) == 0,
	   "tail: a chunk larger than the cap leaves its last cap bytes");
	tfa_run_tail_reset(&t);
	ok(t.len == 0 && t.seen == 0 && !tfa_run_tail_cut(&t) && t.cap == 8,
	   "tail: reset empties it, keeps the cap");
	tfa_run_tail_add(&t, "zz", 2);
	ok(t.len == 2 && memcmp(t.ptr, "zz", 2) == 0, "tail: usable after a reset");
	tfa_run_tail_dispose(&t);
	tfa_run_tail_dispose(&t);
	ok(t.ptr == NULL && t.len == 0, "tail: dispose twice is fine");
	tfa_run_tail_init(&t, 0);
	is_int(t.cap, TFA_RUN_TAIL_MAX, "tail: cap 0 means the default 256 KiB");
	is_int(TFA_RUN_TAIL_MAX, 262144, "... which is 262144 bytes");
	tfa_run_tail_dispose(&t);
}

/* ---- selection ------------------------------------------------------- */

static int
sel(struct tfa_run_profile *p, const char *const *env, const char *name, struct tfa_err *err)
{
	struct tfa_ctx ctx;
	int rc;

	tfa_err_clear(err);
	tfa_ctx_init(&ctx, (char *const *)env);
	rc = tfa_run_select(p, &ctx, cfg, name, err);
	tfa_ctx_dispose(&ctx);
	return rc;
}

static void
test_select(void)
{
	static const char *const none[] = { "HOME=/h", NULL };
	static const char *const awsp[] = { "HOME=/h", "AWS_PROFILE=role", NULL };
	static const char *const awsdp[] = { "HOME=/h", "AWS_DEFAULT_PROFILE=sso", NULL };
	static const char *const both[] = { "HOME=/h", "AWS_PROFILE=proc",
					    "AWS_DEFAULT_PROFILE=sso", NULL };
	static const char *const keys[] = { "HOME=/h", "AWS_ACCESS_KEY_ID=" KEY_ID,
					    "AWS_SECRET_ACCESS_KEY=" SECRET, NULL };
	static const char *const legacy[] = { "HOME=/h", "AWS_SECRET_KEY=" SECRET, NULL };
	static const char *const empty_keys[] = { "HOME=/h", "AWS_ACCESS_KEY_ID=",
						  "AWS_PROFILE=", NULL };
	static const char *const web[] = { "HOME=/h", "AWS_WEB_IDENTITY_TOKEN_FILE=/t",
					   "AWS_ROLE_ARN=arn:aws:iam::1:role/x", NULL };
	static const char *const typo[] = { "HOME=/h", "AWS_PROFILE=prdo", NULL };
	struct tfa_run_profile p;
	struct tfa_err err;
	static const struct {
		const char *name;
		enum tfa_profile_kind kind;
		int refreshable;
	} kinds[] = {
		{ "prod", TFA_PROFILE_STATIC, 0 },
		{ "mfa-static", TFA_PROFILE_STATIC, 1 },
		{ "role", TFA_PROFILE_ASSUME_ROLE, 1 },
		{ "sso", TFA_PROFILE_SSO, 1 },
		{ "proc", TFA_PROFILE_PROCESS, 1 },
		{ "web", TFA_PROFILE_WEB_IDENTITY, 1 },
		{ "bare", TFA_PROFILE_NONE, 0 },
	};
	size_t i;

	if (!load(fixture))
		return;
	ok(sel(&p, keys, "prod", &err) == 0 && p.name && strcmp(p.name, "prod") == 0 &&
	   p.chosen && p.origin == TFA_ORIGIN_ARGUMENT, "select: the argument wins over keys");
	is_str(p.region, "eu-west-1", "select: the profile's own region");
	ok(sel(&p, awsp, NULL, &err) == 0 && p.name && strcmp(p.name, "role") == 0 &&
	   p.chosen && p.origin == TFA_ORIGIN_AWS_PROFILE, "select: AWS_PROFILE");
	ok(sel(&p, awsdp, NULL, &err) == 0 && p.name && strcmp(p.name, "sso") == 0 &&
	   p.chosen && p.origin == TFA_ORIGIN_AWS_DEFAULT_PROFILE, "select: AWS_DEFAULT_PROFILE");
	ok(sel(&p, both, NULL, &err) == 0 && p.name && strcmp(p.name, "proc") == 0,
	   "select: AWS_PROFILE before AWS_DEFAULT_PROFILE (go-v2)");
	ok(sel(&p, keys, NULL, &err) == 0 && p.name == NULL && !p.chosen,
	   "select: none chosen, keys in the environment: no profile in play");
	ok(sel(&p, legacy, NULL, &err) == 0 && p.name == NULL,
	   "select: ... also for the old AWS_SECRET_KEY");
	ok(sel(&p, web, NULL, &err) == 0 && p.name == NULL,
	   "select: none chosen, web identity in the environment: no profile in play");
	ok(sel(&p, none, NULL, &err) == 0 && p.name && strcmp(p.name, "default") == 0 &&
	   !p.chosen && p.origin == TFA_ORIGIN_DEFAULT && p.refreshable,
	   "select: nothing at all: the default profile, not chosen, a refreshable role");
	ok(sel(&p, empty_keys, NULL, &err) == 0 && p.name && strcmp(p.name, "default") == 0,
	   "select: empty AWS_ACCESS_KEY_ID and AWS_PROFILE count as unset");
	ok(sel(&p, typo, NULL, &err) == TFA_ENOTFOUND, "select: an unknown AWS_PROFILE fails");
	ok(strstr(err.msg, "prdo") != NULL, "... naming it (%s)", err.msg);
	ok(err.hint[0] != 0, "... with a hint (%s)", err.hint);
	ok(sel(&p, none, "nosuch", &err) == TFA_ENOTFOUND, "select: an unknown --profile fails");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		ok(sel(&p, none, kinds[i].name, &err) == 0 && p.kind == kinds[i].kind &&
		   p.refreshable == kinds[i].refreshable,
		   "select: '%s' is refreshable: %s", kinds[i].name,
		   kinds[i].refreshable ? "yes" : "no");
	}
	if (!load("[profile only]\nregion = us-east-1\naws_access_key_id = A\n"
		  "aws_secret_access_key = s\n"))
		return;
	ok(sel(&p, none, NULL, &err) == 0 && p.name == NULL,
	   "select: no default profile: none in play (the SDK's chain)");
	if (!load("[default]\nrole_arn = arn:aws:iam::1:role/x\n"))
		return;
	ok(sel(&p, none, NULL, &err) == 0 && p.name == NULL,
	   "select: a broken default profile: none in play (the child's SDK says why)");
}

/* ---- the child's environment ----------------------------------------- */

static int
child(struct tfa_ctx *out, struct tfa_buf *notes, const char *const *env, const char *name,
      const struct tfa_resolved *res)
{
	struct tfa_ctx ctx;
	struct tfa_run_profile p;
	struct tfa_err err;
	int rc;

	tfa_ctx_init(&ctx, (char *const *)env);
	tfa_buf_init(notes, 0);
	rc = tfa_run_select(&p, &ctx, cfg, name, &err);
	if (rc == 0)
		tfa_run_child_env(out, notes, &ctx, &p, res);
	else
		tfa_ctx_copy(out, &ctx);
	tfa_ctx_dispose(&ctx);
	return rc;
}

static int
unset(const struct tfa_ctx *c, const char *const *names)
{
	for (; *names; names++)
		if (tfa_ctx_getenv(c, *names))
			return 0;
	return 1;
}

static void
role_creds(struct tfa_resolved *r, enum tfa_cred_source src, int token, time_t exp)
{
	tfa_resolved_init(r);
	r->source = src;
	r->creds.access_key_id = tfa_xstrdup(RKEY);
	r->creds.secret_access_key = tfa_xstrdup(RSECRET);
	r->creds.session_token = token ? tfa_xstrdup(RTOKEN) : NULL;
	r->creds.expiration = exp;
	r->profile = tfa_xstrdup("role");
	r->refreshable = 1;
}

static void
test_child_env(void)
{
	static const char *const stale[] = {
		"HOME=/h", "PATH=/usr/bin", "AWS_ACCESS_KEY_ID=" KEY_ID,
		"AWS_SECRET_ACCESS_KEY=" SECRET, "AWS_SESSION_TOKEN=" TOKEN,
		"AWS_SECURITY_TOKEN=" TOKEN, "AWS_CREDENTIAL_EXPIRATION=2026-01-02T03:04:05Z",
		"AWS_DEFAULT_PROFILE=dev", "AWS_ACCESS_KEY=AKIALEGACY9876", "AWS_SECRET_KEY=" SECRET,
		"TF_VAR_x=1", NULL
	};
	static const char *const gone[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_DEFAULT_PROFILE",
		"AWS_ACCESS_KEY", "AWS_SECRET_KEY", NULL
	};
	static const char *const same_default[] = { "HOME=/h", "AWS_DEFAULT_PROFILE=prod", NULL };
	static const char *const region_set[] = { "HOME=/h", "AWS_REGION=us-east-2", NULL };
	static const char *const dregion_set[] = { "HOME=/h", "AWS_DEFAULT_REGION=us-east-2", NULL };
	static const char *const empty[] = { "HOME=/h", "AWS_ACCESS_KEY_ID=", NULL };
	static const char *const keys[] = { "HOME=/h", "AWS_ACCESS_KEY_ID=" KEY_ID,
					    "AWS_SECRET_ACCESS_KEY=" SECRET, "AWS_REGION=x", NULL };
	static const char *const none[] = { "HOME=/h", "AWS_SESSION_TOKEN=" TOKEN, NULL };
	struct tfa_ctx c;
	struct tfa_buf notes;
	struct tfa_resolved r;
	time_t exp = 1767323045; /* 2026-01-02T03:04:05Z */
	char **envp;
	size_t i;

	if (!load(fixture))
		return;
	ok(child(&c, &notes, stale, "prod", NULL) == 0, "env: prod");
	ok(unset(&c, gone), "env: every stale and legacy variable removed");
	is_str(tfa_ctx_getenv(&c, "AWS_PROFILE"), "prod", "env: AWS_PROFILE set");
	is_str(tfa_ctx_getenv(&c, "AWS_REGION"), "eu-west-1", "env: AWS_REGION from the profile");
	is_str(tfa_ctx_getenv(&c, "AWS_DEFAULT_REGION"), "eu-west-1", "env: AWS_DEFAULT_REGION too");
	is_str(tfa_ctx_getenv(&c, "TF_VAR_x"), "1", "env: other variables stay");
	is_str(tfa_ctx_getenv(&c, "PATH"), "/usr/bin", "env: PATH stays");
	is_str(notes.ptr,
	       "cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed profile 'prod'\n"
	       "cleared AWS_SECRET_ACCESS_KEY that shadowed profile 'prod'\n"
	       "cleared AWS_SESSION_TOKEN that shadowed profile 'prod'\n"
	       "cleared AWS_SECURITY_TOKEN that shadowed profile 'prod'\n"
	       "cleared AWS_CREDENTIAL_EXPIRATION ('2026-01-02T03:04:05Z') that shadowed profile 'prod'\n"
	       "cleared AWS_DEFAULT_PROFILE ('dev') that shadowed profile 'prod'\n"
	       "cleared AWS_ACCESS_KEY (****9876) that shadowed profile 'prod'\n"
	       "cleared AWS_SECRET_KEY that shadowed profile 'prod'\n",
	       "env: a note per variable cleared, in order, key ids masked");
	ok(!strstr(notes.ptr, SECRET) && !strstr(notes.ptr, TOKEN) && !strstr(notes.ptr, "AKIAIOSF"),
	   "env: the notes hold no secret, token or whole key id");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);

	child(&c, &notes, same_default, "prod", NULL);
	ok(!tfa_ctx_getenv(&c, "AWS_DEFAULT_PROFILE") && notes.len == 0,
	   "env: AWS_DEFAULT_PROFILE naming the same profile: removed without a note");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);

	child(&c, &notes, empty, "prod", NULL);
	ok(!tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID") && notes.len == 0,
	   "env: an empty AWS_ACCESS_KEY_ID: removed without a note");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);

	child(&c, &notes, region_set, "prod", NULL);
	ok(strcmp(tfa_ctx_getenv(&c, "AWS_REGION"), "us-east-2") == 0 &&
	   !tfa_ctx_getenv(&c, "AWS_DEFAULT_REGION"),
	   "env: AWS_REGION already set: the region is left alone");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);
	child(&c, &notes, dregion_set, "prod", NULL);
	ok(!tfa_ctx_getenv(&c, "AWS_REGION") &&
	   strcmp(tfa_ctx_getenv(&c, "AWS_DEFAULT_REGION"), "us-east-2") == 0,
	   "env: AWS_DEFAULT_REGION already set: left alone, AWS_REGION not added");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);
	child(&c, &notes, stale, "noregion", NULL);
	ok(!tfa_ctx_getenv(&c, "AWS_REGION") && !tfa_ctx_getenv(&c, "AWS_DEFAULT_REGION"),
	   "env: a profile without a region sets none");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);

	/* No profile chosen, keys in the environment: exactly as it was. */
	child(&c, &notes, keys, NULL, NULL);
	ok(c.nenv == 4 && strcmp(tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID"), KEY_ID) == 0 &&
	   strcmp(tfa_ctx_getenv(&c, "AWS_SECRET_ACCESS_KEY"), SECRET) == 0 &&
	   !tfa_ctx_getenv(&c, "AWS_PROFILE") && notes.len == 0,
	   "env: no profile chosen, keys in the environment: left as it is, no note");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);

	/* A role: the resolved credentials go in. */
	role_creds(&r, TFA_SOURCE_ASSUME_ROLE, 1, exp);
	ok(tfa_run_exports(&r), "exports: an assumed role");
	child(&c, &notes, stale, "role", &r);
	is_str(tfa_ctx_getenv(&c, "AWS_PROFILE"), "role", "env role: AWS_PROFILE set");
	ok(tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID") &&
	   strcmp(tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID"), RKEY) == 0,
	   "env role: AWS_ACCESS_KEY_ID is the role's");
	ok(tfa_ctx_getenv(&c, "AWS_SECRET_ACCESS_KEY") &&
	   strcmp(tfa_ctx_getenv(&c, "AWS_SECRET_ACCESS_KEY"), RSECRET) == 0 &&
	   tfa_ctx_getenv(&c, "AWS_SESSION_TOKEN") &&
	   strcmp(tfa_ctx_getenv(&c, "AWS_SESSION_TOKEN"), RTOKEN) == 0,
	   "env role: its secret and session token");
	is_str(tfa_ctx_getenv(&c, "AWS_CREDENTIAL_EXPIRATION"), "2026-01-02T03:04:05Z",
	       "env role: AWS_CREDENTIAL_EXPIRATION in RFC 3339");
	ok(!tfa_ctx_getenv(&c, "AWS_SECURITY_TOKEN") && !tfa_ctx_getenv(&c, "AWS_ACCESS_KEY") &&
	   !tfa_ctx_getenv(&c, "AWS_SECRET_KEY") && !tfa_ctx_getenv(&c, "AWS_DEFAULT_PROFILE"),
	   "env role: the old names are gone");
	is_str(tfa_ctx_getenv(&c, "AWS_REGION"), "us-west-2", "env role: the role profile's region");
	ok(strstr(notes.ptr, "cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed profile 'role'") &&
	   !strstr(notes.ptr, RSECRET) && !strstr(notes.ptr, RKEY),
	   "env role: the stale key still noted; nothing of the new credentials in the notes");
	envp = tfa_run_envp(&c);
	for (i = 0; envp[i]; i++)
		;
	ok(i == c.nenv && envp[c.nenv] == NULL, "envp: every variable, NULL-terminated");
	free(envp);
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);
	tfa_resolved_dispose(&r);

	/* No token, no expiry: those two are removed, not left stale. */
	role_creds(&r, TFA_SOURCE_PROCESS, 0, 0);
	child(&c, &notes, stale, "proc", &r);
	ok(tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID") &&
	   strcmp(tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID"), RKEY) == 0 &&
	   !tfa_ctx_getenv(&c, "AWS_SESSION_TOKEN") &&
	   !tfa_ctx_getenv(&c, "AWS_CREDENTIAL_EXPIRATION"),
	   "env process: keys exported, no session token, no expiration");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);
	tfa_resolved_dispose(&r);

	/* The implicit default profile (a role): credentials in, no AWS_PROFILE. */
	role_creds(&r, TFA_SOURCE_ASSUME_ROLE, 1, exp);
	child(&c, &notes, none, NULL, &r);
	ok(!tfa_ctx_getenv(&c, "AWS_PROFILE") && tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID") &&
	   strcmp(tfa_ctx_getenv(&c, "AWS_SESSION_TOKEN"), RTOKEN) == 0 && notes.len == 0,
	   "env default: the default role's credentials, no AWS_PROFILE, no note");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);
	tfa_resolved_dispose(&r);

	/* Static keys: AWS_PROFILE is enough. */
	role_creds(&r, TFA_SOURCE_STATIC, 0, 0);
	child(&c, &notes, stale, "prod", &r);
	ok(!tfa_ctx_getenv(&c, "AWS_ACCESS_KEY_ID") && !tfa_ctx_getenv(&c, "AWS_SECRET_ACCESS_KEY"),
	   "env static: no keys exported");
	tfa_ctx_dispose(&c);
	tfa_buf_dispose(&notes);
	tfa_resolved_dispose(&r);

	{
		static const struct {
			enum tfa_cred_source s;
			int want;
		} t[] = {
			{ TFA_SOURCE_ENVIRONMENT, 0 }, { TFA_SOURCE_STATIC, 0 },
			{ TFA_SOURCE_MFA_SESSION, 1 }, { TFA_SOURCE_ASSUME_ROLE, 1 },
			{ TFA_SOURCE_WEB_IDENTITY, 1 }, { TFA_SOURCE_PROCESS, 1 },
			{ TFA_SOURCE_CONTAINER, 0 }, { TFA_SOURCE_IMDS, 0 },
			{ TFA_SOURCE_SSO, 1 },
		};
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			role_creds(&r, t[i].s, 1, exp);
			is_int(tfa_run_exports(&r), t[i].want, "exports: %s", tfa_cred_source_name(t[i].s));
			tfa_resolved_dispose(&r);
		}
		tfa_resolved_init(&r);
		r.source = TFA_SOURCE_ASSUME_ROLE;
		ok(!tfa_run_exports(&r), "exports: not without keys");
	}
}

/* ---- what the command is --------------------------------------------- */

static void
test_classify(void)
{
	static const struct {
		const char *argv[6];
		enum tfa_run_kind kind;
		const char *sub;
		int creds;
	} t[] = {
		{ { "terraform", "plan" }, TFA_RUN_READ_ONLY, "plan", 1 },
		{ { "/usr/local/bin/terraform", "init", "-upgrade" }, TFA_RUN_READ_ONLY, "init", 1 },
		{ { "terraform", "-chdir=infra", "plan", "-out", "x" }, TFA_RUN_READ_ONLY, "plan", 1 },
		{ { "terraform", "apply" }, TFA_RUN_CHANGES, "apply", 1 },
		{ { "terraform", "-chdir=x", "destroy", "-auto-approve" }, TFA_RUN_CHANGES, "destroy", 1 },
		{ { "terraform", "plan", "-destroy" }, TFA_RUN_READ_ONLY, "plan", 1 },
		{ { "tofu", "apply", "plan.tfplan" }, TFA_RUN_CHANGES, "apply", 1 },
		{ { "tofu", "validate" }, TFA_RUN_READ_ONLY, "validate", 0 },
		{ { "terraform", "validate" }, TFA_RUN_READ_ONLY, "validate", 0 },
		{ { "terraform", "fmt", "-recursive" }, TFA_RUN_READ_ONLY, "fmt", 0 },
		{ { "terraform", "version" }, TFA_RUN_READ_ONLY, "version", 0 },
		{ { "terraform", "-version" }, TFA_RUN_READ_ONLY, NULL, 0 },
		{ { "terraform" }, TFA_RUN_READ_ONLY, NULL, 0 },
		{ { "terraform", "refresh" }, TFA_RUN_READ_ONLY, "refresh", 1 },
		{ { "terraform", "output", "-json" }, TFA_RUN_READ_ONLY, "output", 1 },
		{ { "terraform", "show" }, TFA_RUN_READ_ONLY, "show", 1 },
		{ { "terraform", "providers", "lock" }, TFA_RUN_READ_ONLY, "providers", 1 },
		{ { "terraform", "import", "aws_s3_bucket.b", "b" }, TFA_RUN_READ_ONLY, "import", 1 },
		{ { "terraform", "graph" }, TFA_RUN_READ_ONLY, "graph", 1 },
		{ { "terraform", "console" }, TFA_RUN_READ_ONLY, "console", 1 },
		{ { "terraform", "get" }, TFA_RUN_READ_ONLY, "get", 1 },
		{ { "terraform", "state", "list" }, TFA_RUN_READ_ONLY, "state", 1 },
		{ { "terraform", "state", "show", "aws_s3_bucket.b" }, TFA_RUN_READ_ONLY, "state", 1 },
		{ { "terraform", "state", "rm", "aws_s3_bucket.b" }, TFA_RUN_OTHER, "state", 1 },
		{ { "terraform", "state", "mv", "a", "b" }, TFA_RUN_OTHER, "state", 1 },
		{ { "terraform", "state" }, TFA_RUN_OTHER, "state", 1 },
		{ { "terraform", "workspace", "list" }, TFA_RUN_READ_ONLY, "workspace", 1 },
		{ { "terraform", "workspace", "show" }, TFA_RUN_READ_ONLY, "workspace", 1 },
		{ { "terraform", "workspace", "new", "dev" }, TFA_RUN_OTHER, "workspace", 1 },
		{ { "terraform", "workspace", "select", "list" }, TFA_RUN_OTHER, "workspace", 1 },
		{ { "terraform", "taint", "x" }, TFA_RUN_OTHER, "taint", 1 },
		{ { "terraform", "test" }, TFA_RUN_OTHER, "test", 1 },
		{ { "terraform", "force-unlock", "id" }, TFA_RUN_OTHER, "force-unlock", 1 },
		{ { "terragrunt", "plan" }, TFA_RUN_READ_ONLY, "plan", 1 },
		{ { "terragrunt", "run-all", "apply" }, TFA_RUN_CHANGES, "apply", 1 },
		{ { "terragrunt", "run-all", "plan" }, TFA_RUN_READ_ONLY, "plan", 1 },
		{ { "terragrunt", "run", "--all", "--", "destroy" }, TFA_RUN_CHANGES, "destroy", 1 },
		{ { "terragrunt", "validate" }, TFA_RUN_READ_ONLY, "validate", 1 },
		{ { "terragrunt", "hclfmt" }, TFA_RUN_OTHER, "hclfmt", 1 },
		{ { "terragrunt", "--working-dir", "plan", "apply" }, TFA_RUN_CHANGES, "plan", 1 },
		{ { "terraform", "import", "aws_x.apply", "apply" }, TFA_RUN_READ_ONLY, "import", 1 },
		{ { "aws", "s3", "ls" }, TFA_RUN_UNKNOWN, NULL, 1 },
		{ { "sh", "-c", "terraform plan" }, TFA_RUN_UNKNOWN, NULL, 1 },
		{ { "terraform-docs", "plan" }, TFA_RUN_UNKNOWN, NULL, 1 },
		{ { "make", "apply" }, TFA_RUN_UNKNOWN, NULL, 1 },
	};
	struct tfa_run_command c;
	size_t i;
	char name[128];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t j;
		name[0] = '\0';
		for (j = 0; t[i].argv[j]; j++) {
			size_t k = strlen(name);
			snprintf(name + k, sizeof(name) - k, "%s%s", j ? " " : "", t[i].argv[j]);
		}
		tfa_run_classify_command(&c, (char *const *)t[i].argv);
		ok(c.kind == t[i].kind && c.needs_credentials == t[i].creds &&
		   ((!c.sub && !t[i].sub) || (c.sub && t[i].sub && strcmp(c.sub, t[i].sub) == 0)),
		   "classify '%s': kind %d, sub %s, credentials %d", name, t[i].kind,
		   t[i].sub ? t[i].sub : "-", t[i].creds);
	}
	tfa_run_classify_command(&c, NULL);
	ok(c.kind == TFA_RUN_UNKNOWN && !c.tool, "classify: NULL argv is unknown");
	{
		const char *v[] = { "tofu", "plan", NULL };
		tfa_run_classify_command(&c, (char *const *)v);
		is_str(c.tool, "tofu", "classify: the tool's name");
	}
}

/* ---- scanning -------------------------------------------------------- */

#define FRAME_TOP "\xe2\x95\xb7\n"
#define BAR "\xe2\x94\x82 "
#define FRAME_END "\xe2\x95\xb5\n"

static const char v5_invalid[] =
	FRAME_TOP
	BAR "Error: configuring Terraform AWS Provider: validating provider credentials: "
	"retrieving caller identity from STS: operation error STS: GetCallerIdentity, https "
	"response error StatusCode: 403, RequestID: f0babba4-d772-436b-9391-6e617d4efc0a, "
	"api error InvalidClientTokenId: The security token included in the request is invalid.\n"
	BAR "\n" BAR "  with provider[\"registry.terraform.io/hashicorp/aws\"],\n"
	BAR "  on main.tf line 14, in provider \"aws\":\n" BAR "  14: provider \"aws\" {\n"
	BAR "\n" FRAME_END;

static const char v5_expired[] =
	BAR "Error: Retrieving AWS account details: validating provider credentials: "
	"retrieving caller identity from STS: operation error STS: GetCallerIdentity, https "
	"response error StatusCode: 403, RequestID: 1, api error ExpiredToken: The security "
	"token included in the request is expired\n";

static const char signature[] =
	BAR "Error: configuring Terraform AWS Provider: validating provider credentials: "
	"retrieving caller identity from STS: operation error STS: GetCallerIdentity, https "
	"response error StatusCode: 403, RequestID: 2, api error SignatureDoesNotMatch: The "
	"request signature we calculated does not match the signature you provided. Check "
	"your AWS Secret Access Key and signing method. Consult the service documentation "
	"for details.\n";

static const char clock_skew[] =
	BAR "Error: configuring Terraform AWS Provider: validating provider credentials: "
	"retrieving caller identity from STS: operation error STS: GetCallerIdentity, https "
	"response error StatusCode: 403, RequestID: 3, api error RequestExpired: Request "
	"has expired.\n";

static const char denied[] =
	BAR "Error: Cannot assume IAM Role\n" BAR "\n"
	BAR "IAM Role (arn:aws:iam::123456789012:role/deploy) cannot be assumed.\n" BAR "\n"
	BAR "Error: operation error STS: AssumeRole, https response error StatusCode: 403, "
	"RequestID: 4, api error AccessDenied: User: arn:aws:iam::123456789012:user/alice is "
	"not authorized to perform: sts:AssumeRole on resource: "
	"arn:aws:iam::123456789012:role/deploy\n";

static const char sso[] =
	BAR "Error: No valid credential sources found\n" BAR "\n"
	BAR "Please see https://registry.terraform.io/providers/hashicorp/aws\n"
	BAR "for more information about providing credentials.\n" BAR "\n"
	BAR "Error: failed to refresh cached credentials, the SSO session has expired or is "
	"invalid: open /home/u/.aws/sso/cache/abc.json: no such file or directory\n";

static const char no_sources_imds[] =
	BAR "Error: No valid credential sources found\n" BAR "\n"
	BAR "Error: failed to refresh cached credentials, no EC2 IMDS role found, operation "
	"error ec2imds: GetMetadata, request canceled, context deadline exceeded\n";

static const char no_sources[] =
	"Error: error configuring Terraform AWS Provider: no valid credential sources for "
	"Terraform AWS Provider found.\n\nPlease see https://registry.terraform.io/providers/"
	"hashicorp/aws\nfor more information about providing credentials.\n\n"
	"Error: failed to refresh cached credentials, some custom error\n";

static const char after_create[] =
	"aws_instance.x: Creating...\n"
	BAR "Error: configuring Terraform AWS Provider: validating provider credentials: "
	"retrieving caller identity from STS: operation error STS: GetCallerIdentity, https "
	"response error StatusCode: 403, RequestID: 5, api error InvalidClientTokenId: The "
	"security token included in the request is invalid.\n";

static const char resource_error[] =
	BAR "Error: creating EC2 Instance: operation error EC2: RunInstances, https response "
	"error StatusCode: 403, RequestID: 6, api error ExpiredToken: The security token "
	"included in the request is expired\n";

/* ANSI colours and a hard wrap of 40 columns inside the frame. */
static const char coloured[] =
	"\x1b[31m" BAR "\x1b[0m\x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mconfiguring Terraf\n"
	BAR "orm AWS Provider: validating provider c\n"
	BAR "redentials: retrieving caller identity\n"
	BAR " from STS: operation error STS: GetCall\n"
	BAR "erIdentity, https response error Status\n"
	BAR "Code: 403, RequestID: 7, api error Inva\n"
	BAR "lidClientTokenId: The security token in\n"
	BAR "cluded in the request is invalid.\x1b[0m\n";

static void
scan_is(const char *text, size_t len, const char *id, int login, int config, int changes,
	const char *what)
{
	struct tfa_run_failure f;

	tfa_run_scan(&f, text, len);
	ok(((!f.id && !id) || (f.id && id && strcmp(f.id, id) == 0)) &&
	   f.login_fixes == login && f.provider_config == config &&
	   f.changes_started == changes,
	   "scan %s: %s, login %s, provider config %d, changes %d", what, id ? id : "nothing",
	   login ? "fixes it" : "does not", config, changes);
	if (id && (!f.id || strcmp(f.id, id) != 0))
		printf("#   got id %s\n", f.id ? f.id : "(none)");
}

static void
test_scan(void)
{
	struct tfa_run_failure f;
	static const char markers[][40] = {
		"aws_instance.x: Creating...", "aws_instance.x: Modifying... [id=i-1]",
		"aws_instance.x: Destroying... [id=i-1]", "aws_instance.x: Still creating... [10s]",
		"aws_instance.x: Still destroying...", "aws_instance.x: Creation complete",
		"Apply complete! Resources: 1 added", "Destroy complete! Resources: 1",
		"aws_instance.x: Provisioning with 'x'", "Error: updating S3 Bucket",
		"Error: deleting EC2 Instance",
	};
	char buf[1024];
	size_t i;
	int n;

#define S(x) x, sizeof(x) - 1
	scan_is(S(v5_invalid), "invalid-client-token-id", 1, 1, 0, "v5 InvalidClientTokenId");
	tfa_run_scan(&f, S(v5_invalid));
	is_str(f.code, "InvalidClientTokenId", "scan: the AWS code");
	ok(f.cause && *f.cause, "scan: a cause (%s)", f.cause ? f.cause : "");
	scan_is(S(v5_expired), "expired-token", 1, 1, 0, "ExpiredToken (Retrieving AWS account details)");
	scan_is(S(signature), "signature-mismatch", 0, 1, 0, "SignatureDoesNotMatch");
	tfa_run_scan(&f, S(signature));
	is_str(f.code, "SignatureDoesNotMatch", "scan: SignatureDoesNotMatch's code");
	scan_is(S(clock_skew), "clock-skew", 0, 1, 0, "RequestExpired");
	scan_is(S(denied), "assume-role-denied", 0, 1, 0, "AccessDenied on AssumeRole");
	scan_is(S(sso), "sso-session-expired", 1, 1, 0, "an expired SSO session");
	scan_is(S(no_sources), "no-credential-sources", 1, 1, 0, "v4 no valid credential sources");
	scan_is(S(no_sources_imds), "imds-fallthrough", 0, 1, 0, "no sources, IMDS the last resort");
	scan_is(S(after_create), "invalid-client-token-id", 1, 1, 1,
		"Creating... then a provider error");
	scan_is(S(resource_error), "expired-token", 1, 0, 1, "a resource's ExpiredToken");
	scan_is(S(coloured), "invalid-client-token-id", 1, 1, 0, "ANSI colours, hard-wrapped");
	scan_is(S("Error: Unsupported argument\n\nAn argument named \"x\" is not expected here.\n"),
		NULL, 0, 0, 0, "a configuration error");
	scan_is("", 0, NULL, 0, 0, 0, "empty text");
	scan_is(NULL, 0, NULL, 0, 0, 0, "NULL text");
	scan_is(S("\0\xff\xfe\x1b[\x1b" "abc\xe2\x94"), NULL, 0, 0, 0, "binary garbage");
	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		n = snprintf(buf, sizeof(buf), "%s\n%s", markers[i], v5_invalid);
		tfa_run_scan(&f, buf, (size_t)n);
		ok(f.changes_started && f.provider_config,
		   "scan: '%s' counts as a change started", markers[i]);
	}
	n = snprintf(buf, sizeof(buf), "data.aws_caller_identity.me: Reading...\n%s", v5_invalid);
	tfa_run_scan(&f, buf, (size_t)n);
	ok(!f.changes_started, "scan: a data source Reading... is no change");
#undef S
}

/* ---- deciding -------------------------------------------------------- */

static void
test_decide(void)
{
	struct tfa_run_failure login = { "invalid-client-token-id", "c", "InvalidClientTokenId", 1, 1, 0 };
	struct tfa_run_failure late = { "expired-token", "c", "ExpiredToken", 1, 0, 1 };
	struct tfa_run_failure both = { "invalid-client-token-id", "c", "", 1, 1, 1 };
	struct tfa_run_failure noconf = { "expired-token", "c", "", 1, 0, 0 };
	struct tfa_run_failure sig = { "signature-mismatch", "c", "SignatureDoesNotMatch", 0, 1, 0 };
	struct tfa_run_failure nothing = { NULL, NULL, "", 0, 0, 0 };
	struct tfa_run_command ro = { TFA_RUN_READ_ONLY, "terraform", "plan", 1 };
	struct tfa_run_command ch = { TFA_RUN_CHANGES, "terraform", "apply", 1 };
	struct tfa_run_command other = { TFA_RUN_OTHER, "terraform", "state", 1 };
	struct tfa_run_command unk = { TFA_RUN_UNKNOWN, NULL, NULL, 1 };
	const unsigned R = TFA_RUN_REFRESHABLE;

	is_int(tfa_run_decide(&login, &ro, R), TFA_RUN_RERUN, "decide: plan, InvalidClientTokenId: rerun");
	is_int(tfa_run_decide(&login, &ch, R), TFA_RUN_RERUN,
	       "decide: apply, provider failed to configure, no change: rerun");
	is_int(tfa_run_decide(&both, &ch, R), TFA_RUN_REFRESH_ONLY,
	       "decide: apply, a change shows: refresh only");
	is_int(tfa_run_decide(&late, &ch, R), TFA_RUN_REFRESH_ONLY,
	       "decide: apply, a resource failed: refresh only");
	is_int(tfa_run_decide(&noconf, &ch, R), TFA_RUN_REFRESH_ONLY,
	       "decide: apply, no sign of the provider configuration: refresh only");
	is_int(tfa_run_decide(&late, &ro, R), TFA_RUN_RERUN,
	       "decide: plan, a data source failed mid-way: rerun (plan changes nothing)");
	is_int(tfa_run_decide(&login, &ch, R | TFA_RUN_TAIL_CUT), TFA_RUN_REFRESH_ONLY,
	       "decide: apply, the tail lost the start of stderr: refresh only");
	is_int(tfa_run_decide(&login, &other, R), TFA_RUN_REFRESH_ONLY,
	       "decide: state rm: refresh only");
	is_int(tfa_run_decide(&login, &unk, R), TFA_RUN_REFRESH_ONLY,
	       "decide: an unknown command: refresh only");
	is_int(tfa_run_decide(&login, &unk, R | TFA_RUN_RETRY_UNKNOWN), TFA_RUN_RERUN,
	       "decide: an unknown command with --retry: rerun");
	is_int(tfa_run_decide(&both, &ch, R | TFA_RUN_RETRY_UNKNOWN), TFA_RUN_REFRESH_ONLY,
	       "decide: --retry does not make apply after a change safe");
	is_int(tfa_run_decide(&login, &ro, R | TFA_RUN_NO_RETRY), TFA_RUN_ADVISE,
	       "decide: --no-retry: advise");
	is_int(tfa_run_decide(&login, &ro, R | TFA_RUN_RETRIED), TFA_RUN_DOCTOR,
	       "decide: the rerun failed too: doctor");
	is_int(tfa_run_decide(&login, &ro, R | TFA_RUN_INTERRUPTED), TFA_RUN_DONE,
	       "decide: interrupted: nothing");
	is_int(tfa_run_decide(&login, &ro, 0), TFA_RUN_DOCTOR,
	       "decide: static keys (not refreshable): doctor");
	is_int(tfa_run_decide(&sig, &ro, R), TFA_RUN_DOCTOR, "decide: SignatureDoesNotMatch: doctor");
	is_int(tfa_run_decide(&sig, &ro, R | TFA_RUN_NO_RETRY), TFA_RUN_DOCTOR,
	       "decide: SignatureDoesNotMatch with --no-retry: doctor");
	is_int(tfa_run_decide(&sig, &ro, R | TFA_RUN_INTERRUPTED), TFA_RUN_DONE,
	       "decide: interrupted beats everything");
	is_int(tfa_run_decide(&nothing, &ro, R), TFA_RUN_DONE, "decide: no known cause: nothing");
}

/* ---- supervision, with /bin/sh as the child -------------------------- */

struct sink {
	struct tfa_buf b;
	int calls;
};

static void
collect(const char *p, size_t n, void *data)
{
	struct sink *s = data;

	tfa_buf_add(&s->b, p, n);
	s->calls++;
}

static int
sh(struct tfa_run_result *r, struct sink *s, struct tfa_run_tail *tail, const char *script)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", "TFA_MARK=child-env", NULL };
	struct tfa_err err;

	tfa_err_clear(&err);
	if (s) {
		tfa_buf_init(&s->b, 0);
		s->calls = 0;
	}
	return tfa_run_spawn(r, argv, envp, tail, s ? collect : NULL, s, &err);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_spawn(void)
{
	struct tfa_run_result r;
	struct tfa_run_tail tail;
	struct sink s;
	struct tfa_err err;
	struct sigaction before, after;
	char *missing[] = { "tfauth-no-such-command-here", NULL };
	char *notexec[] = { cpath, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	double t0;

	tfa_run_tail_init(&tail, 16);
	sigaction(SIGINT, NULL, &before);
	ok(sh(&r, &s, &tail, "printf 'to stderr: %s\\n' \"$TFA_MARK\" >&2; exit 3") == 0 &&
	   r.status == 3 && !r.term_signal && !r.interrupted && !r.spawn_errno,
	   "spawn: exit 3 is status 3");
	is_str(s.b.ptr, "to stderr: child-env\n", "spawn: stderr went to the sink, envp was used");
	ok(tail.len == 16 && memcmp(tail.ptr, "derr: child-env\n", 16) == 0 &&
	   tfa_run_tail_cut(&tail), "spawn: the tail kept the last 16 bytes");
	tfa_buf_dispose(&s.b);
	sigaction(SIGINT, NULL, &after);
	ok(before.sa_handler == after.sa_handler, "spawn: SIGINT's handler restored");

	tfa_run_tail_reset(&tail);
	ok(sh(&r, &s, &tail, "echo one >&2; sleep 0.2; echo two >&2") == 0 && r.status == 0 &&
	   strcmp(s.b.ptr, "one\ntwo\n") == 0 && s.calls >= 2,
	   "spawn: output arriving in two bursts reaches the sink in two calls (%d)", s.calls);
	tfa_buf_dispose(&s.b);

	ok(sh(&r, &s, NULL, "kill -TERM $$") == 0 && r.status == 128 + SIGTERM &&
	   r.term_signal == SIGTERM && !r.interrupted,
	   "spawn: killed by SIGTERM: status 143");
	tfa_buf_dispose(&s.b);
	ok(sh(&r, &s, NULL, "kill -INT $$") == 0 && r.status == 130 && r.term_signal == SIGINT &&
	   r.interrupted, "spawn: killed by SIGINT: status 130, interrupted");
	tfa_buf_dispose(&s.b);

	/* SIGINT at this process (as a terminal sends it to the group): we
	 * live on, the child decides. */
	ok(sh(&r, &s, NULL, "kill -INT $PPID; sleep 0.2; exit 7") == 0 && r.status == 7 &&
	   r.interrupted, "spawn: SIGINT to the supervisor: noted, the child's status kept");
	tfa_buf_dispose(&s.b);
	ok(sh(&r, &s, NULL, "trap 'exit 42' TERM; kill -TERM $PPID; sleep 5 & wait") == 0 &&
	   r.status == 42 && r.forwarded == SIGTERM,
	   "spawn: SIGTERM to the supervisor is passed on to the child");
	tfa_buf_dispose(&s.b);

	t0 = now();
	ok(sh(&r, &s, NULL, "echo bye >&2; sleep 3 & exit 0") == 0 && r.status == 0 &&
	   strcmp(s.b.ptr, "bye\n") == 0 && now() - t0 < 2.5,
	   "spawn: a process left holding stderr does not hold the supervisor (%.2f s)", now() - t0);
	tfa_buf_dispose(&s.b);

	ok(sh(&r, &s, NULL, "exec 2>&-; exit 5") == 0 && r.status == 5,
	   "spawn: a child that closes stderr early still ends with its status");
	tfa_buf_dispose(&s.b);

	ok(sh(&r, NULL, NULL, "exit 9") == 0 && r.status == 9, "spawn: without a sink, inherited stderr");

	tfa_err_clear(&err);
	ok(tfa_run_spawn(&r, missing, envp, NULL, collect, &s, &err) == TFA_ENOTFOUND &&
	   r.status == 127 && r.spawn_errno, "spawn: a missing command: 127");
	ok(strstr(err.msg, "tfauth-no-such-command-here") && strstr(err.msg, "not found"),
	   "... '%s'", err.msg);
	tfa_err_clear(&err);
	ok(tfa_run_spawn(&r, notexec, envp, NULL, NULL, NULL, &err) == TFA_EPERM &&
	   r.status == 126, "spawn: not executable: 126 (%s)", err.msg);
	tfa_run_tail_dispose(&tail);
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(cpath, sizeof(cpath), "%s/config", dir);
	test_tail();
	test_select();
	test_child_env();
	test_classify();
	test_scan();
	test_decide();
	test_spawn();
	tfa_config_free(cfg);
	unlink(cpath);
	rmdir(dir);
	return tap_done();
}
