/*
 * test_profile — selection, classification, region and the source_profile
 * walk of lib/profile.c, against real config files in a temporary directory.
 */
#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "profile.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/tfa-profile-XXXXXX";
static char cpath[256], kpath[256];
static struct tfa_config *cur; /* the config of the last load() */

static void
put(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return;
	fwrite(data, 1, strlen(data), f);
	fclose(f);
}

/* Load a config and credentials text (NULL: no such file) as cur. */
static struct tfa_config *
load(const char *config, const char *creds)
{
	struct tfa_err err;

	tfa_config_free(cur);
	cur = NULL;
	unlink(cpath);
	unlink(kpath);
	if (config)
		put(cpath, config);
	if (creds)
		put(kpath, creds);
	tfa_err_clear(&err);
	if (tfa_config_load_files(&cur, cpath, kpath, &err) < 0) {
		ok(0, "fixture loads");
		printf("#   %s\n", err.msg);
		cur = NULL;
	}
	return cur;
}

static void
ctx_with(struct tfa_ctx *ctx, const char *const *env)
{
	tfa_ctx_init(ctx, (char *const *)env);
}

/* ---------------------------------------------------------------- select */

static void
test_select(void)
{
	struct tfa_ctx ctx;
	struct tfa_selection sel;
	static const char *const both[] = { "HOME=/h", "AWS_PROFILE=envp",
					    "AWS_DEFAULT_PROFILE=dflt", NULL };
	static const char *const same[] = { "HOME=/h", "AWS_PROFILE=x",
					    "AWS_DEFAULT_PROFILE=x", NULL };
	static const char *const empty_p[] = { "HOME=/h", "AWS_PROFILE=",
					       "AWS_DEFAULT_PROFILE=dflt", NULL };
	static const char *const empties[] = { "HOME=/h", "AWS_PROFILE=",
					       "AWS_DEFAULT_PROFILE=", NULL };
	static const char *const none[] = { "HOME=/h", NULL };
	static const char *const only_p[] = { "HOME=/h", "AWS_PROFILE=p", NULL };

	ctx_with(&ctx, both);
	tfa_profile_select(&sel, &ctx, "cli");
	is_str(sel.name, "cli", "an argument beats AWS_PROFILE");
	is_int(sel.origin, TFA_ORIGIN_ARGUMENT, "origin: argument");
	ok(sel.shadowed_default_profile == NULL,
	   "no shadowed AWS_DEFAULT_PROFILE reported when an argument won");
	tfa_profile_select(&sel, &ctx, "");
	is_str(sel.name, "envp", "an empty argument is skipped: AWS_PROFILE");
	is_int(sel.origin, TFA_ORIGIN_AWS_PROFILE, "origin: AWS_PROFILE");
	is_str(sel.shadowed_default_profile, "dflt",
	       "AWS_DEFAULT_PROFILE shadowed by a different AWS_PROFILE is reported");
	tfa_profile_select(&sel, &ctx, NULL);
	is_str(sel.name, "envp", "NULL argument: AWS_PROFILE");
	tfa_ctx_dispose(&ctx);

	ctx_with(&ctx, same);
	tfa_profile_select(&sel, &ctx, NULL);
	is_str(sel.name, "x", "AWS_PROFILE equal to AWS_DEFAULT_PROFILE");
	ok(sel.shadowed_default_profile == NULL, "an equal AWS_DEFAULT_PROFILE shadows nothing");
	tfa_ctx_dispose(&ctx);

	ctx_with(&ctx, empty_p);
	tfa_profile_select(&sel, &ctx, NULL);
	is_str(sel.name, "dflt", "an empty AWS_PROFILE is skipped: AWS_DEFAULT_PROFILE");
	is_int(sel.origin, TFA_ORIGIN_AWS_DEFAULT_PROFILE, "origin: AWS_DEFAULT_PROFILE");
	ok(sel.shadowed_default_profile == NULL, "nothing shadowed when AWS_DEFAULT_PROFILE is used");
	tfa_ctx_dispose(&ctx);

	ctx_with(&ctx, empties);
	tfa_profile_select(&sel, &ctx, "");
	is_str(sel.name, "default", "everything empty: \"default\"");
	is_int(sel.origin, TFA_ORIGIN_DEFAULT, "origin: default");
	tfa_ctx_dispose(&ctx);

	ctx_with(&ctx, none);
	tfa_profile_select(&sel, &ctx, NULL);
	is_str(sel.name, "default", "nothing set: \"default\"");
	tfa_ctx_dispose(&ctx);

	ctx_with(&ctx, only_p);
	tfa_profile_select(&sel, &ctx, NULL);
	is_str(sel.name, "p", "AWS_PROFILE alone");
	ok(sel.shadowed_default_profile == NULL, "no AWS_DEFAULT_PROFILE: nothing shadowed");
	tfa_ctx_dispose(&ctx);

	is_str(tfa_profile_origin_name(TFA_ORIGIN_ARGUMENT), "the command line", "origin name: argument");
	is_str(tfa_profile_origin_name(TFA_ORIGIN_AWS_PROFILE), "AWS_PROFILE", "origin name: AWS_PROFILE");
	is_str(tfa_profile_origin_name(TFA_ORIGIN_AWS_DEFAULT_PROFILE), "AWS_DEFAULT_PROFILE",
	       "origin name: AWS_DEFAULT_PROFILE");
	is_str(tfa_profile_origin_name(TFA_ORIGIN_DEFAULT), "the default", "origin name: default");
}

/* -------------------------------------------------------------- classify */

static enum tfa_profile_kind
kind_of(const char *name)
{
	const struct tfa_section *s = tfa_config_profile(cur, name);

	if (!s) {
		printf("#   no profile '%s' in the fixture\n", name);
		return (enum tfa_profile_kind)-1;
	}
	return tfa_profile_classify(s);
}

static void
test_classify(void)
{
	if (!load("[profile static]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n"
		  "[profile idonly]\naws_access_key_id = AKIA1\n"
		  "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = static\n"
		  "[profile rolekeys]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = static\n"
		  "aws_access_key_id = AKIA1\naws_secret_access_key = s\n"
		  "[profile csrc]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment\n"
		  "[profile rolealone]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
		  "[profile roleempty]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile =\n"
		  "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/r\nweb_identity_token_file = /t\n"
		  "[profile webkeys]\nweb_identity_token_file = /t\naws_access_key_id = AKIA1\n"
		  "aws_secret_access_key = s\n"
		  "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = R\n"
		  "[profile ssolegacy]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
		  "[profile ssokeys]\nsso_session = corp\naws_access_key_id = AKIA1\naws_secret_access_key = s\n"
		  "[profile proc]\ncredential_process = /bin/creds\n"
		  "[profile ssoproc]\nsso_session = corp\ncredential_process = /bin/creds\n"
		  "[profile emptykeys]\naws_access_key_id =\naws_secret_access_key =\n"
		  "[profile none]\nregion = us-east-1\n"
		  "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
		  NULL))
		return;
	is_int(kind_of("static"), TFA_PROFILE_STATIC, "both keys: static");
	is_int(kind_of("idonly"), TFA_PROFILE_STATIC, "one key alone still classifies as static (resolve rejects it)");
	is_int(kind_of("role"), TFA_PROFILE_ASSUME_ROLE, "role_arn + source_profile: assume-role");
	is_int(kind_of("rolekeys"), TFA_PROFILE_ASSUME_ROLE,
	       "role_arn + source_profile beats static keys in the same profile");
	is_int(kind_of("csrc"), TFA_PROFILE_ASSUME_ROLE, "role_arn + credential_source: assume-role");
	is_int(kind_of("rolealone"), TFA_PROFILE_NONE, "role_arn alone: none");
	is_int(kind_of("roleempty"), TFA_PROFILE_NONE, "role_arn + empty source_profile: none");
	is_int(kind_of("web"), TFA_PROFILE_WEB_IDENTITY, "web_identity_token_file: web identity");
	is_int(kind_of("webkeys"), TFA_PROFILE_STATIC,
	       "static keys before web identity (go-v2's order)");
	is_int(kind_of("sso"), TFA_PROFILE_SSO, "sso_session: sso");
	is_int(kind_of("ssolegacy"), TFA_PROFILE_SSO, "legacy sso_start_url: sso");
	is_int(kind_of("ssokeys"), TFA_PROFILE_STATIC, "static keys before sso");
	is_int(kind_of("proc"), TFA_PROFILE_PROCESS, "credential_process: process");
	is_int(kind_of("ssoproc"), TFA_PROFILE_SSO, "sso before credential_process");
	is_int(kind_of("emptykeys"), TFA_PROFILE_NONE, "empty key values count as unset");
	is_int(kind_of("none"), TFA_PROFILE_NONE, "region only: none");

	is_str(tfa_profile_kind_name(TFA_PROFILE_NONE), "none", "kind name none");
	is_str(tfa_profile_kind_name(TFA_PROFILE_STATIC), "static", "kind name static");
	is_str(tfa_profile_kind_name(TFA_PROFILE_ASSUME_ROLE), "assume-role", "kind name assume-role");
	is_str(tfa_profile_kind_name(TFA_PROFILE_WEB_IDENTITY), "web-identity", "kind name web-identity");
	is_str(tfa_profile_kind_name(TFA_PROFILE_SSO), "sso", "kind name sso");
	is_str(tfa_profile_kind_name(TFA_PROFILE_PROCESS), "process", "kind name process");
	is_str(tfa_profile_kind_name((enum tfa_profile_kind)99), "none", "an unknown kind is named none");
}

/* ---------------------------------------------------------------- region */

static void
test_region(void)
{
	struct tfa_ctx ctx;
	const char *origin;
	const struct tfa_section *s, *bare, *emptyreg;
	static const char *const both[] = { "HOME=/h", "AWS_REGION=r1",
					    "AWS_DEFAULT_REGION=r2", NULL };
	static const char *const dflt[] = { "HOME=/h", "AWS_REGION=",
					    "AWS_DEFAULT_REGION=r2", NULL };
	static const char *const empty[] = { "HOME=/h", "AWS_REGION=",
					     "AWS_DEFAULT_REGION=", NULL };

	if (!load("[profile p]\nregion = eu-west-1\n[profile bare]\noutput = json\n"
		  "[profile emptyreg]\nregion =\n", NULL))
		return;
	s = tfa_config_profile(cur, "p");
	bare = tfa_config_profile(cur, "bare");
	emptyreg = tfa_config_profile(cur, "emptyreg");

	ctx_with(&ctx, both);
	origin = "unset";
	is_str(tfa_profile_region(&ctx, s, &origin), "r1", "AWS_REGION first");
	is_str(origin, "AWS_REGION", "origin AWS_REGION");
	is_str(tfa_profile_region(&ctx, s, NULL), "r1", "origin may be NULL");
	tfa_ctx_dispose(&ctx);

	ctx_with(&ctx, dflt);
	is_str(tfa_profile_region(&ctx, s, &origin), "r2", "empty AWS_REGION skipped: AWS_DEFAULT_REGION");
	is_str(origin, "AWS_DEFAULT_REGION", "origin AWS_DEFAULT_REGION");
	tfa_ctx_dispose(&ctx);

	ctx_with(&ctx, empty);
	is_str(tfa_profile_region(&ctx, s, &origin), "eu-west-1", "both empty: the profile's region");
	is_str(origin, "profile", "origin profile");
	origin = "unset";
	ok(tfa_profile_region(&ctx, bare, &origin) == NULL, "no region anywhere: NULL");
	ok(origin == NULL, "and origin NULL");
	origin = "unset";
	ok(tfa_profile_region(&ctx, emptyreg, &origin) == NULL && origin == NULL,
	   "an empty region setting counts as none");
	origin = "unset";
	ok(tfa_profile_region(&ctx, NULL, &origin) == NULL && origin == NULL,
	   "a NULL section is allowed");
	tfa_ctx_dispose(&ctx);
}

/* --------------------------------------------------------------- resolve */

/* Expect resolve to fail with code and a message containing want. */
static void
fails(const char *name, int code, const char *want, const char *desc)
{
	struct tfa_profile p;
	struct tfa_err err;
	int rc;

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, name, &err);
	if (!ok(rc == code && err.code == code && strstr(err.msg, want), "%s", desc))
		printf("#   rc %d, message: '%s' (wanted %d, '%s')\n", rc, err.msg, code, want);
}

static int
resolves(struct tfa_profile *p, const char *name, const char *desc)
{
	struct tfa_err err;
	int rc;

	tfa_err_clear(&err);
	memset(p, 0, sizeof(*p));
	rc = tfa_profile_resolve(p, cur, name, &err);
	if (!ok(rc == 0, "%s", desc))
		printf("#   rc %d: %s\n", rc, err.msg);
	return rc == 0;
}

static void
test_resolve_chains(void)
{
	struct tfa_profile p;
	struct tfa_err err;
	struct tfa_buf b = TFA_BUF_INIT;
	char want[256];
	int i, rc;

	if (!load("[profile st]\naws_access_key_id = AKIA1\naws_secret_access_key = s\nregion = us-east-2\n"
		  "[profile r1]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = st\n"
		  "[profile r2]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = r1\n"
		  "[profile r3]\nrole_arn = arn:aws:iam::333333333333:role/c\nsource_profile = r2\n"
		  "[profile kr]\nrole_arn = arn:aws:iam::444444444444:role/d\nsource_profile = nowhere\n"
		  "aws_access_key_id = AKIA2\naws_secret_access_key = s2\n"
		  "[profile viakr]\nrole_arn = arn:aws:iam::555555555555:role/e\nsource_profile = kr\n"
		  "[profile self]\nrole_arn = arn:aws:iam::666666666666:role/f\nsource_profile = self\n"
		  "aws_access_key_id = AKIA3\naws_secret_access_key = s3\n"
		  "[profile selfloop]\nrole_arn = arn:aws:iam::666666666666:role/f\nsource_profile = selfloop\n"
		  "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
		  "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n"
		  "[profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n"
		  "[profile x]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = y\n"
		  "[profile y]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = z\n"
		  "[profile z]\nrole_arn = arn:aws:iam::1:role/z\nsource_profile = y\n"
		  "[profile viaselfkeyed]\nrole_arn = arn:aws:iam::1:role/v\nsource_profile = self\n",
		  NULL))
		return;

	if (resolves(&p, "st", "a static profile resolves")) {
		is_int(p.kind, TFA_PROFILE_STATIC, "kind static");
		is_int(p.nchain, 1, "a chain of one");
		ok(p.chain[0] == tfa_config_profile(cur, "st") && p.section == p.chain[0],
		   "chain[0] is the profile itself");
		is_int(p.base_kind, TFA_PROFILE_STATIC, "base kind static");
		is_str(p.name, "st", "name");
		is_str(p.region, "us-east-2", "its region");
		ok(p.region_setting && p.region_setting->line == 4, "region setting with its line");
		ok(p.credential_source == NULL && p.sso_session == NULL, "no credential_source, no sso_session");
		is_str(p.account_id, "", "no account known");
		is_int(p.expiration, 0, "no expiration known");
	}
	if (resolves(&p, "r1", "a role on a static profile resolves")) {
		is_int(p.kind, TFA_PROFILE_ASSUME_ROLE, "kind assume-role");
		is_int(p.nchain, 2, "chain of two");
		is_str(p.chain[1]->name, "st", "chain[1] is the source");
		is_int(p.base_kind, TFA_PROFILE_STATIC, "base static");
		is_str(p.account_id, "111111111111", "account from role_arn");
		ok(p.region == NULL, "the source's region is not the profile's");
	}
	if (resolves(&p, "r3", "a chain of four resolves")) {
		is_int(p.nchain, 4, "chain of four");
		ok(strcmp(p.chain[0]->name, "r3") == 0 && strcmp(p.chain[1]->name, "r2") == 0 &&
		   strcmp(p.chain[2]->name, "r1") == 0 && strcmp(p.chain[3]->name, "st") == 0,
		   "in walk order r3 r2 r1 st");
		is_str(p.account_id, "333333333333", "account of the top profile");
	}
	if (resolves(&p, "viakr", "a keyed source profile with role_arn ends the chain")) {
		is_int(p.nchain, 2, "the chain stops at the keyed profile");
		is_int(p.base_kind, TFA_PROFILE_STATIC, "base static");
	}
	/* At the top, role_arn + source_profile win over the profile's own keys
	 * (aws-reference.md 2.4), so the missing source profile is an error. */
	fails("kr", TFA_ENOTFOUND, "source_profile 'nowhere' of profile 'kr' does not exist",
	      "top-level keys do not hide a missing source_profile");
	if (resolves(&p, "self", "a keyed profile naming itself is allowed")) {
		is_int(p.kind, TFA_PROFILE_ASSUME_ROLE, "kind assume-role");
		is_int(p.nchain, 1, "chain of one");
		is_int(p.base_kind, TFA_PROFILE_STATIC, "its own keys are the base");
	}
	if (resolves(&p, "viaselfkeyed", "a profile whose source names itself with keys")) {
		is_int(p.nchain, 2, "the keyed source ends the chain");
	}

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "selfloop", &err);
	is_int(rc, TFA_ELOOP, "a keyless self-reference is a loop");
	is_str(err.msg, "source_profile loop: 'selfloop' -> 'selfloop'", "the loop message names it");
	ok(err.hint[0] != '\0', "with a hint");

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "a", &err);
	is_int(rc, TFA_ELOOP, "a 3-cycle is a loop");
	is_str(err.msg, "source_profile loop: 'a' -> 'b' -> 'c' -> 'a'", "with its path");
	is_int(tfa_err_exit_status(&err), 1, "exit status 1");

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "x", &err);
	is_int(rc, TFA_ELOOP, "a loop not through the start");
	is_str(err.msg, "source_profile loop: 'x' -> 'y' -> 'z' -> 'y'", "with its path");

	/* TFA_PROFILE_MAX_CHAIN profiles, the last with keys: fine; one more fails. */
	for (i = 0; i < TFA_PROFILE_MAX_CHAIN + 1; i++) {
		tfa_buf_addf(&b, "[profile c%d]\nrole_arn = arn:aws:iam::1:role/r\n", i);
		if (i == TFA_PROFILE_MAX_CHAIN - 1)
			tfa_buf_addf(&b, "aws_access_key_id = AKIA\naws_secret_access_key = s\n");
		tfa_buf_addf(&b, "source_profile = c%d\n", i + 1);
	}
	tfa_buf_addf(&b, "[profile c%d]\naws_access_key_id = AKIA\naws_secret_access_key = s\n", i);
	tfa_buf_addf(&b, "[profile long0]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = c0\n");
	if (load(b.ptr, NULL)) {
		if (resolves(&p, "c0", "a chain of exactly TFA_PROFILE_MAX_CHAIN profiles resolves"))
			is_int(p.nchain, TFA_PROFILE_MAX_CHAIN, "all of them in chain[]");
		tfa_err_clear(&err);
		rc = tfa_profile_resolve(&p, cur, "long0", &err);
		is_int(rc, TFA_ELOOP, "one more is ELOOP");
		snprintf(want, sizeof(want), "the source_profile chain of 'long0' is longer than %d profiles",
			 TFA_PROFILE_MAX_CHAIN);
		is_str(err.msg, want, "naming the profile and the limit");
	}
	tfa_buf_dispose(&b);
}

static void
test_resolve_errors(void)
{
	struct tfa_profile p;
	struct tfa_err err;
	char want[512];
	int rc;

	if (!load("[profile prod]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n"
		  "[profile typo]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = prdo\n"
		  "[profile both]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = prod\n"
		  "credential_source = Environment\n"
		  "[profile badcs]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = environment\n"
		  "[profile env]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment\n"
		  "[profile ec2]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n"
		  "[profile ecs]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n"
		  "[profile rolealone]\nrole_arn = arn:aws:iam::1:role/r\n"
		  "[profile srconly]\nsource_profile = prod\n"
		  "[profile csonly]\ncredential_source = Environment\n"
		  "[profile idonly]\nregion = x\naws_access_key_id = AKIA1\n"
		  "[profile chainpartial]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = idonly\n"
		  "[profile nosso]\nsso_session = ghost\nsso_account_id = 123456789012\n"
		  "[profile okso]\nsso_session = corp\nsso_account_id = 210987654321\n"
		  "[profile web]\nweb_identity_token_file = /tok\nrole_arn = arn:aws:iam::1:role/w\n"
		  "[profile proc]\ncredential_process = /bin/x\n"
		  "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
		  "[secretonly]\naws_secret_access_key = s\n"))
		return;

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "typo", &err);
	is_int(rc, TFA_ENOTFOUND, "a missing source profile is ENOTFOUND");
	is_str(err.msg, "source_profile 'prdo' of profile 'typo' does not exist", "message names both");
	ok(strstr(err.hint, "did you mean 'prod'") != NULL, "the hint suggests 'prod' (%s)", err.hint);

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "both", &err);
	is_int(rc, TFA_EINVAL, "source_profile and credential_source together are EINVAL");
	is_str(err.msg, "profile 'both' sets both source_profile and credential_source", "message");
	snprintf(want, sizeof(want), "keep only one of them (%s:10)", cpath);
	is_str(err.hint, want, "the hint names the credential_source line");

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "badcs", &err);
	is_int(rc, TFA_EINVAL, "credential_source 'environment' (wrong case) is EINVAL");
	is_str(err.msg, "credential_source 'environment' in profile 'badcs' is not valid", "message");
	ok(strstr(err.hint, "Environment, Ec2InstanceMetadata or EcsContainer") != NULL,
	   "the hint lists the exact spellings");

	if (resolves(&p, "env", "credential_source = Environment resolves")) {
		is_str(p.credential_source, "Environment", "credential_source kept");
		is_int(p.base_kind, TFA_PROFILE_NONE, "base none");
		is_int(p.nchain, 1, "chain of one");
		is_str(p.account_id, "123456789012", "account from role_arn");
	}
	if (resolves(&p, "ec2", "credential_source = Ec2InstanceMetadata resolves"))
		is_str(p.credential_source, "Ec2InstanceMetadata", "kept");
	if (resolves(&p, "ecs", "credential_source = EcsContainer resolves"))
		is_str(p.credential_source, "EcsContainer", "kept");

	fails("rolealone", TFA_EINVAL, "profile 'rolealone' has role_arn but no source_profile or credential_source",
	      "role_arn alone is EINVAL");
	snprintf(want, sizeof(want), "near %s:24", cpath);
	tfa_err_clear(&err);
	tfa_profile_resolve(&p, cur, "rolealone", &err);
	ok(strstr(err.hint, want) != NULL, "the role_arn hint names %s (%s)", want, err.hint);
	fails("srconly", TFA_EINVAL, "profile 'srconly' sets source_profile but no role_arn",
	      "source_profile without role_arn is EINVAL");
	fails("csonly", TFA_EINVAL, "profile 'csonly' sets credential_source but no role_arn",
	      "credential_source without role_arn is EINVAL");

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "idonly", &err);
	is_int(rc, TFA_EINVAL, "aws_access_key_id alone is EINVAL");
	is_str(err.msg, "partial credentials found for profile 'idonly': aws_access_key_id "
	       "without aws_secret_access_key", "message names the missing half");
	snprintf(want, sizeof(want), "add the missing key next to %s:31, or set both with "
		 "'tfauth-profile set-keys idonly'", cpath);
	is_str(err.hint, want, "the hint names file:line of the half that is there");

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "secretonly", &err);
	is_int(rc, TFA_EINVAL, "aws_secret_access_key alone is EINVAL");
	is_str(err.msg, "partial credentials found for profile 'secretonly': aws_secret_access_key "
	       "without aws_access_key_id", "message names the missing half");
	snprintf(want, sizeof(want), "add the missing key next to %s:2, or set both with "
		 "'tfauth-profile set-keys secretonly'", kpath);
	is_str(err.hint, want, "the hint names the credentials file and line");

	fails("chainpartial", TFA_EINVAL, "partial credentials found for profile 'idonly'",
	      "partial keys in a source profile fail the chain");

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "nosso", &err);
	is_int(rc, TFA_ENOTFOUND, "an sso_session naming no section is ENOTFOUND");
	is_str(err.msg, "sso_session 'ghost' of profile 'nosso' names no [sso-session ghost] section",
	       "message");
	snprintf(want, sizeof(want), "add [sso-session ghost] with sso_start_url and sso_region "
		 "to the config file, or fix %s:36", cpath);
	is_str(err.hint, want, "the hint names the sso_session line");

	if (resolves(&p, "okso", "an sso profile with its session resolves")) {
		is_int(p.kind, TFA_PROFILE_SSO, "kind sso");
		ok(p.sso_session && strcmp(p.sso_session->name, "corp") == 0, "sso_session section found");
		is_str(p.account_id, "210987654321", "account from sso_account_id");
	}
	if (resolves(&p, "web", "a web identity profile resolves")) {
		is_int(p.kind, TFA_PROFILE_WEB_IDENTITY, "kind web identity");
		is_int(p.base_kind, TFA_PROFILE_WEB_IDENTITY, "base web identity");
	}
	if (resolves(&p, "proc", "a process profile resolves"))
		is_int(p.base_kind, TFA_PROFILE_PROCESS, "base process");

	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "prdo", &err);
	is_int(rc, TFA_ENOTFOUND, "an unknown profile is ENOTFOUND");
	snprintf(want, sizeof(want), "profile 'prdo' not found in '%s'", cpath);
	is_str(err.msg, want, "message names the profile and the file");
	ok(strncmp(err.hint, "did you mean 'prod'", 19) == 0, "hint: did you mean 'prod' (%s)", err.hint);
}

static void
test_resolve_details(void)
{
	struct tfa_profile p;

	if (!load("[profile arn]\nrole_arn = arn:aws-cn:iam::123456789012:role/x\ncredential_source = Environment\n"
		  "sso_account_id = 999999999999\n"
		  "[profile shortarn]\nrole_arn = arn:aws:iam::12345678901:role/x\ncredential_source = Environment\n"
		  "[profile longarn]\nrole_arn = arn:aws:iam::1234567890123:role/x\ncredential_source = Environment\n"
		  "[profile junkarn]\nrole_arn = not-an-arn\ncredential_source = Environment\n"
		  "aws_account_id = 111122223333\n"
		  "[profile letters]\nrole_arn = arn:aws:iam::12345678901x:role/x\ncredential_source = Environment\n"
		  "[profile acct]\naws_access_key_id = AKIA\naws_secret_access_key = s\naws_account_id = 444455556666\n"
		  "[profile badacct]\naws_access_key_id = AKIA\naws_secret_access_key = s\naws_account_id = 4444-5555-6666\n"
		  "[profile acct13]\naws_access_key_id = AKIA\naws_secret_access_key = s\naws_account_id = 123456789012x\n"
		  "[profile exp]\naws_access_key_id = AKIA\naws_secret_access_key = s\naws_session_token = t\n"
		  "x_security_token_expires = 2026-01-02T03:04:05Z\n"
		  "[profile exp2]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"
		  "aws_expiration = 2026-01-02T03:04:05+01:00\n"
		  "[profile badexp]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"
		  "x_security_token_expires = tomorrow\n"
		  "[profile emptyregion]\naws_access_key_id = AKIA\naws_secret_access_key = s\nregion =\n",
		  NULL))
		return;
	if (resolves(&p, "arn", "an aws-cn role"))
		is_str(p.account_id, "123456789012", "account from role_arn beats sso_account_id");
	if (resolves(&p, "shortarn", "a role_arn with 11 digits"))
		is_str(p.account_id, "", "no account from an 11-digit field");
	if (resolves(&p, "longarn", "a role_arn with 13 digits"))
		is_str(p.account_id, "", "no account from a 13-digit field");
	if (resolves(&p, "junkarn", "a role_arn that is not an ARN"))
		is_str(p.account_id, "111122223333", "falls back to aws_account_id");
	if (resolves(&p, "letters", "a role_arn account with a letter"))
		is_str(p.account_id, "", "no account");
	if (resolves(&p, "acct", "aws_account_id"))
		is_str(p.account_id, "444455556666", "account from aws_account_id");
	if (resolves(&p, "badacct", "a dashed aws_account_id"))
		is_str(p.account_id, "", "not taken");
	if (resolves(&p, "acct13", "12 digits and a letter in aws_account_id"))
		is_str(p.account_id, "", "not taken");
	if (resolves(&p, "exp", "x_security_token_expires"))
		is_int(p.expiration, 1767323045, "expiration parsed");
	if (resolves(&p, "exp2", "aws_expiration with an offset"))
		is_int(p.expiration, 1767323045 - 3600, "expiration parsed with its offset");
	if (resolves(&p, "badexp", "an unparsable expiry does not fail"))
		is_int(p.expiration, 0, "expiration unknown");
	if (resolves(&p, "emptyregion", "an empty region"))
		ok(p.region == NULL && p.region_setting != NULL, "region NULL, setting still there");
}

/* ----------------------------------------------------------- suggestions */

static int
suggest_is(const char *name, size_t max, const char *want, const char *desc)
{
	const char *out[16];
	struct tfa_buf b = TFA_BUF_INIT;
	size_t n = tfa_profile_suggest(out, max, cur, name), i;
	int pass;

	for (i = 0; i < n; i++)
		tfa_buf_addf(&b, "%s%s", i ? "," : "", out[i]);
	pass = ok(strcmp(b.ptr, want) == 0 && n <= max, "%s", desc);
	if (!pass)
		printf("#   got:  '%s'\n#   want: '%s'\n", b.ptr, want);
	tfa_buf_dispose(&b);
	return pass;
}

static void
test_suggest(void)
{
	struct tfa_err err;
	struct tfa_buf b = TFA_BUF_INIT, big = TFA_BUF_INIT;
	const char *out[4];
	char *longname;
	size_t n;
	int rc;

	if (!load("[profile prod]\n[profile proc]\n[profile production]\n[profile dev]\n"
		  "[profile staging]\n[profile caf\xc3\xa9-prod]\n", NULL))
		return;
	suggest_is("prdo", 5, "prod,proc", "a transposition ranks first (prdo -> prod)");
	suggest_is("prdo", 1, "prod", "max 1 keeps only the best");
	suggest_is("Prod", 1, "prod", "a name that differs only in case ranks first");
	suggest_is("PROD", 1, "prod", "... in any case");
	suggest_is("prdo", 0, "", "max 0 writes nothing");
	suggest_is("PRDO", 1, "prod", "case-insensitive distance");
	suggest_is("stag", 5, "staging", "a prefix match");
	suggest_is("pr", 5, "proc,prod,production", "a 2-letter prefix matches them all, in name order");
	suggest_is("pr", 2, "proc,prod", "max honoured");
	suggest_is("p", 5, "", "a one-letter name matches nothing by prefix or distance");
	suggest_is("zzzzzzzz", 5, "", "no suggestions for a far name");
	suggest_is("", 5, "", "an empty name suggests nothing here (every name is over 2 long)");
	suggest_is("cafe-prod", 5, "caf\xc3\xa9-prod", "a UTF-8 name is suggested for its ASCII spelling");
	suggest_is("caf\xc3\xa9-prdo", 5, "caf\xc3\xa9-prod", "a UTF-8 name with a transposition");
	suggest_is("\xff\xfe\xfd", 5, "", "invalid UTF-8 typed: no crash, nothing close");
	suggest_is("de\xff", 5, "dev", "a high byte counts as one substitution");

	tfa_err_clear(&err);
	rc = tfa_profile_not_found(&err, cur, "prdo");
	is_int(rc, TFA_ENOTFOUND, "not_found returns ENOTFOUND");
	is_int(err.code, TFA_ENOTFOUND, "and sets the code");
	is_str(err.hint, "did you mean 'prod' or 'proc'? ('tfauth-profile list' shows them all)",
	       "two suggestions joined with 'or'");
	tfa_err_clear(&err);
	tfa_profile_not_found(&err, cur, "pr");
	is_str(err.hint, "did you mean 'proc', 'prod' or 'production'? ('tfauth-profile list' shows them all)",
	       "three suggestions: commas and 'or'");
	tfa_err_clear(&err);
	tfa_profile_not_found(&err, cur, "qqqqqqqqqq");
	is_str(err.hint, "'tfauth-profile list' shows the profiles there are", "no suggestion: point at list");

	/* Hostile names: quotes, spaces, $(...), format directives. */
	tfa_err_clear(&err);
	tfa_profile_not_found(&err, cur, "it's \"$(rm -rf ~)\" %s%n%x");
	tfa_buf_addf(&b, "profile 'it's \"$(rm -rf ~)\" %%s%%n%%x' not found in '%s'", cpath);
	is_str(err.msg, b.ptr, "a hostile name is quoted verbatim, never formatted");
	tfa_buf_dispose(&b);

	/* An empty config, and no config file at all. */
	if (load("", NULL)) {
		is_int(tfa_profile_suggest(out, 4, cur, "prod"), 0, "an empty config suggests nothing");
		tfa_err_clear(&err);
		tfa_profile_not_found(&err, cur, "prod");
		is_str(err.hint, "there are no profiles yet: add one with 'aws configure --profile NAME'",
		       "an empty config says how to add one");
	}
	tfa_config_free(cur);
	cur = NULL;
	unlink(cpath);
	unlink(kpath);
	tfa_err_clear(&err);
	if (ok(tfa_config_load_files(&cur, NULL, NULL, &err) == 0, "no files at all loads")) {
		tfa_err_clear(&err);
		tfa_profile_not_found(&err, cur, "prod");
		is_str(err.msg, "profile 'prod' not found in '~/.aws/config'",
		       "no config path: the default is named");
	}

	/* 10 KB names: a profile name and the name typed. */
	longname = malloc(10241);
	memset(longname, 'n', 10240);
	longname[10240] = '\0';
	tfa_buf_addf(&big, "[profile %s]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"
		     "[profile short]\nregion = x\n", longname);
	if (load(big.ptr, NULL)) {
		struct tfa_profile p;

		ok(tfa_config_profile(cur, longname) != NULL, "a 10 KB profile name loads");
		if (resolves(&p, longname, "and resolves"))
			is_int(strlen(p.name), 10240, "with its whole name");
		longname[5000] = 'm';
		longname[5001] = 'x';
		n = tfa_profile_suggest(out, 4, cur, longname);
		ok(n == 1 && out[0] && strlen(out[0]) == 10240, "a 10 KB name two edits away is suggested");
		tfa_err_clear(&err);
		rc = tfa_profile_resolve(&p, cur, longname, &err);
		is_int(rc, TFA_ENOTFOUND, "the misspelt 10 KB name is not found");
		is_int(strlen(err.msg), sizeof(err.msg) - 1, "the message is cut to msg[]");
		ok(strncmp(err.msg, "profile 'nnnn", 13) == 0, "and starts as it should");
		is_int(strlen(err.hint), sizeof(err.hint) - 1, "the hint is cut to hint[]");
		ok(strncmp(err.hint, "did you mean 'nnn", 17) == 0, "and starts with the suggestion");
	}
	free(longname);
	tfa_buf_dispose(&big);
}

static void
test_hostile_names(void)
{
	struct tfa_profile p;
	struct tfa_err err;
	int rc;

	if (!load("[profile it's \"q\"]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"
		  "[profile $(touch pwned)]\nrole_arn = arn:aws:iam::1:role/r\n"
		  "source_profile = it's \"q\"\n"
		  "[profile   two  words  ]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = $(touch pwned)\n"
		  "[profile `id`]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = `id`\n",
		  NULL))
		return;
	if (resolves(&p, "two  words", "a name with inner spaces, via $(...) and quotes")) {
		is_int(p.nchain, 3, "chain of three");
		is_str(p.chain[1]->name, "$(touch pwned)", "$(...) name kept as bytes");
		is_str(p.chain[2]->name, "it's \"q\"", "quoted name kept as bytes");
	}
	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cur, "`id`", &err);
	is_int(rc, TFA_ELOOP, "a backquoted keyless self-reference loops");
	is_str(err.msg, "source_profile loop: '`id`' -> '`id`'", "named verbatim");
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(cpath, sizeof(cpath), "%s/config", dir);
	snprintf(kpath, sizeof(kpath), "%s/credentials", dir);
	test_select();
	test_classify();
	test_region();
	test_resolve_chains();
	test_resolve_errors();
	test_resolve_details();
	test_suggest();
	test_hostile_names();
	tfa_config_free(cur);
	unlink(cpath);
	unlink(kpath);
	rmdir(dir);
	return tap_done();
}
