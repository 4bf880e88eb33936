/*
 * test_env — the shell code and notes tfa_env_select_code writes for a
 * profile switch, against a fixed environment and real config files.
 */
#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "env.h"
#include "shell.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/tfa-env-XXXXXX";
static char cpath[256];
static struct tfa_config *cfg;

#define KEY_ID "AKIAIOSFODNN7EXAWZFK"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define TOKEN "FwoGZXIvYXdzEXAMPLETOKENVALUE"

static const char *const stale_posix =
	"unset AWS_ACCESS_KEY_ID\n"
	"unset AWS_SECRET_ACCESS_KEY\n"
	"unset AWS_SESSION_TOKEN\n"
	"unset AWS_SECURITY_TOKEN\n"
	"unset AWS_CREDENTIAL_EXPIRATION\n"
	"unset AWS_DEFAULT_PROFILE\n";

static int
load(const char *config)
{
	FILE *f;
	struct tfa_err err;

	tfa_config_free(cfg);
	cfg = NULL;
	f = fopen(cpath, "wb");
	if (!f)
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

/* Run select_code for name in env; code and notes start empty. */
static int
run(struct tfa_buf *code, struct tfa_buf *notes, const char *const *env,
    const char *name, enum tfa_shell sh, struct tfa_err *err)
{
	struct tfa_ctx ctx;
	int rc;

	tfa_buf_init(code, 0);
	tfa_buf_init(notes, 0);
	tfa_err_clear(err);
	tfa_ctx_init(&ctx, (char *const *)env);
	rc = tfa_env_select_code(code, notes, &ctx, cfg, name, sh, err);
	tfa_ctx_dispose(&ctx);
	return rc;
}

static void
test_lists(void)
{
	size_t n;

	for (n = 0; tfa_env_stale_vars[n]; n++)
		;
	is_int(n, 6, "six stale variables");
	is_str(tfa_env_stale_vars[0], "AWS_ACCESS_KEY_ID", "the key id first");
	is_str(tfa_env_stale_vars[5], "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_PROFILE last");
	is_str(tfa_env_legacy_vars[0], "AWS_ACCESS_KEY", "legacy: AWS_ACCESS_KEY");
	is_str(tfa_env_legacy_vars[1], "AWS_SECRET_KEY", "legacy: AWS_SECRET_KEY");
	ok(tfa_env_legacy_vars[2] == NULL, "two legacy names");
}

static void
test_posix(void)
{
	struct tfa_buf code, notes, want = TFA_BUF_INIT;
	struct tfa_err err;
	static const char *const stale[] = {
		"HOME=/h", "AWS_ACCESS_KEY_ID=" KEY_ID, "AWS_SECRET_ACCESS_KEY=" SECRET,
		"AWS_SESSION_TOKEN=" TOKEN, NULL
	};
	static const char *const all[] = {
		"HOME=/h", "AWS_ACCESS_KEY_ID=" KEY_ID, "AWS_SECRET_ACCESS_KEY=" SECRET,
		"AWS_SESSION_TOKEN=" TOKEN, "AWS_SECURITY_TOKEN=" TOKEN "2",
		"AWS_CREDENTIAL_EXPIRATION=2026-01-02T03:04:05Z", "AWS_DEFAULT_PROFILE=dev",
		"AWS_PROFILE=dev", NULL
	};
	static const char *const clean[] = { "HOME=/h", NULL };
	static const char *const empties[] = {
		"HOME=/h", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_DEFAULT_PROFILE=", NULL
	};
	static const char *const same_default[] = { "HOME=/h", "AWS_DEFAULT_PROFILE=prod", NULL };
	static const char *const short_key[] = { "HOME=/h", "AWS_ACCESS_KEY_ID=AKIA123", NULL };

	if (!load("[profile prod]\nregion = eu-west-1\naws_access_key_id = AKIAPROD\n"
		  "aws_secret_access_key = s\n[profile dev]\nregion = us-east-1\n"
		  "credential_process = /bin/creds\n"))
		return;

	ok(run(&code, &notes, stale, "prod", TFA_SHELL_POSIX, &err) == 0, "prod selects (%s)", err.msg);
	tfa_buf_addf(&want, "%sexport AWS_PROFILE='prod'\nexport AWS_REGION='eu-west-1'\n"
		     "export AWS_DEFAULT_REGION='eu-west-1'\n", stale_posix);
	is_str(code.ptr, want.ptr, "POSIX code: every stale name unset in order, then the exports");
	is_str(notes.ptr,
	       "tfauth-env: cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed profile 'prod'\n"
	       "tfauth-env: cleared AWS_SECRET_ACCESS_KEY that shadowed profile 'prod'\n"
	       "tfauth-env: cleared AWS_SESSION_TOKEN that shadowed profile 'prod'\n",
	       "a note for each stale variable that was set, the key id masked");
	ok(!strstr(notes.ptr, SECRET) && !strstr(notes.ptr, TOKEN) && !strstr(notes.ptr, "AKIAIOSF"),
	   "the notes hold no secret, token or unmasked key id");
	ok(!strstr(code.ptr, SECRET) && !strstr(code.ptr, TOKEN) && !strstr(code.ptr, KEY_ID),
	   "nor does the code");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	/* NULL name: AWS_PROFILE picks dev; AWS_DEFAULT_PROFILE=dev is not news. */
	ok(run(&code, &notes, all, NULL, TFA_SHELL_BASH, &err) == 0, "the current profile selects");
	tfa_buf_reset(&want);
	tfa_buf_addf(&want, "%sexport AWS_PROFILE='dev'\nexport AWS_REGION='us-east-1'\n"
		     "export AWS_DEFAULT_REGION='us-east-1'\n", stale_posix);
	is_str(code.ptr, want.ptr, "bash code for AWS_PROFILE's profile");
	is_str(notes.ptr,
	       "tfauth-env: cleared AWS_ACCESS_KEY_ID (****WZFK) that shadowed profile 'dev'\n"
	       "tfauth-env: cleared AWS_SECRET_ACCESS_KEY that shadowed profile 'dev'\n"
	       "tfauth-env: cleared AWS_SESSION_TOKEN that shadowed profile 'dev'\n"
	       "tfauth-env: cleared AWS_SECURITY_TOKEN that shadowed profile 'dev'\n"
	       "tfauth-env: cleared AWS_CREDENTIAL_EXPIRATION ('2026-01-02T03:04:05Z') that "
	       "shadowed profile 'dev'\n",
	       "every stale variable noted; AWS_DEFAULT_PROFILE equal to the profile is not");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, all, "prod", TFA_SHELL_POSIX, &err) == 0, "a named profile selects");
	ok(strstr(notes.ptr, "tfauth-env: cleared AWS_DEFAULT_PROFILE ('dev') that shadowed profile 'prod'\n")
	   != NULL, "a different AWS_DEFAULT_PROFILE is noted with its value");
	ok(strstr(code.ptr, "export AWS_PROFILE='prod'\n") != NULL, "the argument beats AWS_PROFILE");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, same_default, NULL, TFA_SHELL_POSIX, &err) == 0,
	   "AWS_DEFAULT_PROFILE selects");
	is_str(notes.ptr, "", "AWS_DEFAULT_PROFILE naming the profile itself is not reported");
	ok(strstr(code.ptr, "unset AWS_DEFAULT_PROFILE\n") != NULL, "but still unset");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, clean, "prod", TFA_SHELL_POSIX, &err) == 0, "a clean environment");
	tfa_buf_reset(&want);
	tfa_buf_addf(&want, "%sexport AWS_PROFILE='prod'\nexport AWS_REGION='eu-west-1'\n"
		     "export AWS_DEFAULT_REGION='eu-west-1'\n", stale_posix);
	is_str(code.ptr, want.ptr, "the same unsets even when nothing is set");
	is_str(notes.ptr, "", "and no notes");
	ok(!strstr(code.ptr, "AWS_ACCESS_KEY\n") && !strstr(code.ptr, "AWS_SECRET_KEY\n"),
	   "legacy names are not unset when not set");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, empties, "prod", TFA_SHELL_POSIX, &err) == 0, "empty stale values");
	is_str(notes.ptr, "", "empty values are not reported");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, short_key, "prod", TFA_SHELL_POSIX, &err) == 0, "a 7-character key id");
	is_str(notes.ptr, "tfauth-env: cleared AWS_ACCESS_KEY_ID (****) that shadowed profile 'prod'\n",
	       "a key id under 8 characters is not shown at all");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
	tfa_buf_dispose(&want);
}

static void
test_fish(void)
{
	struct tfa_buf code, notes;
	struct tfa_err err;
	static const char *const stale[] = {
		"HOME=/h", "AWS_SECRET_ACCESS_KEY=" SECRET, "AWS_ACCESS_KEY=AKIALEGACY00000ABCD", NULL
	};

	if (!load("[profile prod]\nregion = eu-west-1\naws_access_key_id = AKIAPROD\n"
		  "aws_secret_access_key = s\n"))
		return;
	ok(run(&code, &notes, stale, "prod", TFA_SHELL_FISH, &err) == 0, "fish selects");
	is_str(code.ptr,
	       "if set -q AWS_ACCESS_KEY_ID; set -e AWS_ACCESS_KEY_ID; end\n"
	       "if set -q AWS_SECRET_ACCESS_KEY; set -e AWS_SECRET_ACCESS_KEY; end\n"
	       "if set -q AWS_SESSION_TOKEN; set -e AWS_SESSION_TOKEN; end\n"
	       "if set -q AWS_SECURITY_TOKEN; set -e AWS_SECURITY_TOKEN; end\n"
	       "if set -q AWS_CREDENTIAL_EXPIRATION; set -e AWS_CREDENTIAL_EXPIRATION; end\n"
	       "if set -q AWS_DEFAULT_PROFILE; set -e AWS_DEFAULT_PROFILE; end\n"
	       "if set -q AWS_ACCESS_KEY; set -e AWS_ACCESS_KEY; end\n"
	       "set -gx AWS_PROFILE 'prod'\n"
	       "set -gx AWS_REGION 'eu-west-1'\n"
	       "set -gx AWS_DEFAULT_REGION 'eu-west-1'\n",
	       "fish code: guarded erases, the legacy name that is set, set -gx");
	is_str(notes.ptr,
	       "tfauth-env: cleared AWS_SECRET_ACCESS_KEY that shadowed profile 'prod'\n"
	       "tfauth-env: cleared AWS_ACCESS_KEY (****ABCD) that shadowed profile 'prod'\n",
	       "legacy AWS_ACCESS_KEY noted masked, after the stale ones");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
}

static void
test_legacy(void)
{
	struct tfa_buf code, notes, want = TFA_BUF_INIT;
	struct tfa_err err;
	static const char *const legacy[] = {
		"HOME=/h", "AWS_SECRET_KEY=" SECRET, "AWS_ACCESS_KEY=AKIALEGACY00000ABCD", NULL
	};
	static const char *const empty_legacy[] = { "HOME=/h", "AWS_SECRET_KEY=", NULL };

	if (!load("[profile p]\naws_access_key_id = AKIAP\naws_secret_access_key = s\n"))
		return;
	ok(run(&code, &notes, legacy, "p", TFA_SHELL_ZSH, &err) == 0, "legacy names set");
	tfa_buf_addf(&want, "%sunset AWS_ACCESS_KEY\nunset AWS_SECRET_KEY\nexport AWS_PROFILE='p'\n",
		     stale_posix);
	is_str(code.ptr, want.ptr, "both legacy names unset, in list order, before the export");
	is_str(notes.ptr,
	       "tfauth-env: cleared AWS_ACCESS_KEY (****ABCD) that shadowed profile 'p'\n"
	       "tfauth-env: cleared AWS_SECRET_KEY that shadowed profile 'p'\n",
	       "both noted, the secret without its value");
	ok(!strstr(notes.ptr, SECRET), "no secret in the notes");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, empty_legacy, "p", TFA_SHELL_POSIX, &err) == 0, "an empty legacy name");
	ok(strstr(code.ptr, "unset AWS_SECRET_KEY\n") != NULL, "set but empty: still unset");
	is_str(notes.ptr, "", "but not noted");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
	tfa_buf_dispose(&want);
}

static void
test_region(void)
{
	struct tfa_buf code, notes, want = TFA_BUF_INIT;
	struct tfa_err err;
	static const char *const region[] = { "HOME=/h", "AWS_REGION=us-west-2",
					      "AWS_DEFAULT_REGION=ap-south-1", NULL };
	static const char *const dregion[] = { "HOME=/h", "AWS_REGION=",
					       "AWS_DEFAULT_REGION=ap-south-1", NULL };
	static const char *const none[] = { "HOME=/h", NULL };

	if (!load("[profile noreg]\naws_access_key_id = AKIAP\naws_secret_access_key = s\n"
		  "[profile emptyreg]\nregion =\ncredential_process = /bin/x\n"
		  "[profile reg]\nregion = eu-north-1\ncredential_process = /bin/x\n"))
		return;
	ok(run(&code, &notes, region, "noreg", TFA_SHELL_POSIX, &err) == 0, "a profile without region");
	tfa_buf_addf(&want, "%sexport AWS_PROFILE='noreg'\n", stale_posix);
	is_str(code.ptr, want.ptr, "no region exported");
	is_str(notes.ptr, "tfauth-env: profile 'noreg' sets no region; the region stays "
	       "'us-west-2' from the environment\n", "a note names the region kept (AWS_REGION first)");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, dregion, "emptyreg", TFA_SHELL_POSIX, &err) == 0, "an empty region setting");
	is_str(notes.ptr, "tfauth-env: profile 'emptyreg' sets no region; the region stays "
	       "'ap-south-1' from the environment\n", "AWS_DEFAULT_REGION when AWS_REGION is empty");
	ok(!strstr(code.ptr, "AWS_REGION"), "no region exported");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, none, "noreg", TFA_SHELL_POSIX, &err) == 0, "no region anywhere");
	is_str(notes.ptr, "", "no note");
	is_str(code.ptr, want.ptr, "and no region exported");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, region, "reg", TFA_SHELL_POSIX, &err) == 0, "a profile with a region");
	ok(strstr(code.ptr, "export AWS_REGION='eu-north-1'\nexport AWS_DEFAULT_REGION='eu-north-1'\n")
	   != NULL, "the profile's region replaces the environment's");
	is_str(notes.ptr, "", "silently");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
	tfa_buf_dispose(&want);
}

/* On failure code and notes keep exactly what they held. */
static void
untouched(const char *const *env, const char *name, int want_rc, const char *want_msg,
	  const char *desc)
{
	struct tfa_ctx ctx;
	struct tfa_buf code = TFA_BUF_INIT, notes = TFA_BUF_INIT;
	struct tfa_err err;
	int rc;

	tfa_buf_adds(&code, "# before\n");
	tfa_buf_adds(&notes, "note before\n");
	tfa_err_clear(&err);
	tfa_ctx_init(&ctx, (char *const *)env);
	rc = tfa_env_select_code(&code, &notes, &ctx, cfg, name, TFA_SHELL_POSIX, &err);
	tfa_ctx_dispose(&ctx);
	if (!ok(rc == want_rc && err.code == want_rc && strstr(err.msg, want_msg), "%s", desc))
		printf("#   rc %d: '%s'\n", rc, err.msg);
	is_str(code.ptr, "# before\n", "code untouched");
	is_str(notes.ptr, "note before\n", "notes untouched");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
}

static void
test_errors(void)
{
	struct tfa_ctx ctx;
	struct tfa_buf code = TFA_BUF_INIT, notes = TFA_BUF_INIT;
	struct tfa_err err;
	static const char *const stale[] = { "HOME=/h", "AWS_ACCESS_KEY_ID=" KEY_ID, NULL };
	static const char *const envprof[] = { "HOME=/h", "AWS_PROFILE=prdo", NULL };

	if (!load("[profile prod]\nregion = eu-west-1\naws_access_key_id = AKIAPROD\n"
		  "aws_secret_access_key = s\n"
		  "[profile loop]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop\n"
		  "[profile a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n"
		  "[profile b]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = a\n"
		  "[profile lost]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nobody\n"))
		return;
	untouched(stale, "nosuch", TFA_ENOTFOUND, "profile 'nosuch' not found", "an unknown profile fails");
	untouched(stale, "loop", TFA_ELOOP, "source_profile loop: 'loop' -> 'loop'", "a self-loop fails");
	untouched(stale, "a", TFA_ELOOP, "source_profile loop: 'a' -> 'b' -> 'a'", "a 2-cycle fails");
	untouched(stale, "lost", TFA_ENOTFOUND, "source_profile 'nobody'", "a missing source profile fails");

	/* An unknown profile from AWS_PROFILE: the hint says where it came from. */
	tfa_err_clear(&err);
	tfa_ctx_init(&ctx, (char *const *)envprof);
	ok(tfa_env_select_code(&code, &notes, &ctx, cfg, NULL, TFA_SHELL_POSIX, &err) == TFA_ENOTFOUND,
	   "AWS_PROFILE naming no profile fails");
	is_str(err.hint, "AWS_PROFILE is set to 'prdo'; name a profile: 'tfauth-env PROFILE' "
	       "('tfauth-profile list' shows them)", "the hint names AWS_PROFILE");
	ok(code.len == 0 && notes.len == 0, "nothing written");
	tfa_ctx_dispose(&ctx);

	/* Given as an argument, the did-you-mean hint stays. */
	untouched(envprof, "prdo", TFA_ENOTFOUND, "profile 'prdo' not found", "an unknown argument fails");
	tfa_err_clear(&err);
	tfa_ctx_init(&ctx, (char *const *)envprof);
	tfa_env_select_code(&code, &notes, &ctx, cfg, "prdo", TFA_SHELL_POSIX, &err);
	ok(strncmp(err.hint, "did you mean 'prod'", 19) == 0, "with did you mean (%s)", err.hint);

	/* A missing source profile from AWS_PROFILE keeps its own hint. */
	tfa_ctx_setenv(&ctx, "AWS_PROFILE", "lost");
	tfa_err_clear(&err);
	tfa_env_select_code(&code, &notes, &ctx, cfg, NULL, TFA_SHELL_POSIX, &err);
	ok(!strstr(err.hint, "AWS_PROFILE is set"), "a missing source profile is not blamed on AWS_PROFILE");
	tfa_ctx_dispose(&ctx);

	/* An invalid shell dialect fails and writes nothing. */
	tfa_err_clear(&err);
	tfa_ctx_init(&ctx, (char *const *)stale);
	ok(tfa_env_select_code(&code, &notes, &ctx, cfg, "prod", (enum tfa_shell)42, &err) == TFA_EINVAL,
	   "an unknown dialect is EINVAL");
	is_str(err.msg, "cannot write shell code for profile 'prod'", "with a message");
	ok(code.len == 0 && notes.len == 0, "nothing written");

	/* A code buffer too small: ETOOBIG, nothing written. */
	tfa_buf_init(&code, 16);
	tfa_err_clear(&err);
	ok(tfa_env_select_code(&code, &notes, &ctx, cfg, "prod", TFA_SHELL_POSIX, &err) == TFA_ETOOBIG,
	   "a capped code buffer is ETOOBIG");
	is_str(err.msg, "the shell code for profile 'prod' is too large", "with a message");
	ok(code.len == 0 && notes.len == 0, "nothing written");
	tfa_buf_dispose(&code);

	/* A notes buffer too small: ETOOBIG, and the code not written either. */
	tfa_buf_init(&code, 0);
	tfa_buf_init(&notes, 16);
	tfa_err_clear(&err);
	ok(tfa_env_select_code(&code, &notes, &ctx, cfg, "prod", TFA_SHELL_POSIX, &err) == TFA_ETOOBIG,
	   "a capped notes buffer is ETOOBIG");
	is_str(err.msg, "the notes for profile 'prod' are too large", "naming the notes");
	ok(code.len == 0 && notes.len == 0, "no code without its notes");
	tfa_ctx_dispose(&ctx);
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);
}

static void
test_hostile(void)
{
	struct tfa_buf code, notes, big = TFA_BUF_INIT;
	struct tfa_err err;
	static const char *const env[] = { "HOME=/h", "AWS_REGION=x'; rm -rf ~; '",
					   "AWS_DEFAULT_PROFILE=$(id)", NULL };
	char *name;

	if (!load("[profile it's $(id) `x`]\naws_access_key_id = AKIAP\naws_secret_access_key = s\n"
		  "region = eu'west\n"))
		return;
	ok(run(&code, &notes, env, "it's $(id) `x`", TFA_SHELL_POSIX, &err) == 0, "a hostile name");
	ok(strstr(code.ptr, "export AWS_PROFILE='it'\\''s $(id) `x`'\n") != NULL,
	   "POSIX: the name single-quoted");
	ok(strstr(code.ptr, "export AWS_REGION='eu'\\''west'\n") != NULL, "the region too");
	ok(strstr(notes.ptr, "cleared AWS_DEFAULT_PROFILE ('$(id)') that shadowed profile "
		  "'it's $(id) `x`'") != NULL, "notes carry the bytes (they are text, not code)");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	ok(run(&code, &notes, env, "it's $(id) `x`", TFA_SHELL_FISH, &err) == 0, "a hostile name in fish");
	ok(strstr(code.ptr, "set -gx AWS_PROFILE 'it\\'s $(id) `x`'\n") != NULL, "fish: \\' inside quotes");
	tfa_buf_dispose(&code);
	tfa_buf_dispose(&notes);

	name = malloc(10241);
	memset(name, 'n', 10240);
	name[10240] = '\0';
	tfa_buf_addf(&big, "[profile %s]\ncredential_process = /bin/x\n", name);
	if (load(big.ptr)) {
		ok(run(&code, &notes, env, name, TFA_SHELL_POSIX, &err) == 0, "a 10 KB profile name");
		tfa_buf_reset(&big);
		tfa_buf_addf(&big, "export AWS_PROFILE='%s'\n", name);
		ok(strstr(code.ptr, big.ptr) != NULL, "exported whole");
		tfa_buf_dispose(&code);
		tfa_buf_dispose(&notes);
	}
	free(name);
	tfa_buf_dispose(&big);
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(cpath, sizeof(cpath), "%s/config", dir);
	test_lists();
	test_posix();
	test_fish();
	test_legacy();
	test_region();
	test_errors();
	test_hostile();
	tfa_config_free(cfg);
	unlink(cpath);
	rmdir(dir);
	return tap_done();
}
