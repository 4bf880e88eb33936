/*
 * fuzz_cache — the JSON cache files tfauth shares with the AWS CLI: role
 * credentials in ~/.aws/cli/cache (tfa_cache_load_creds) and SSO tokens
 * in ~/.aws/sso/cache (tfa_sso_token_load).  Both are read from files, as
 * in use: the input is written to the file first.
 *
 * The first byte picks the file: 's' (or any odd byte but 'r') an SSO
 * token, anything else role credentials.
 *
 * Checks: role credentials that load have a key id, secret key, session
 * token and an expiration; written back with tfa_cache_store_creds they
 * load again with the same fields and role ARN (a round trip through the
 * AWS CLI's format).  An SSO token that loads has an access token of
 * printable ASCII, and a start URL that is absent or the configured one;
 * one that does not is TFA_ENOTFOUND with a hint to log in.
 */
#include "fuzz.h"

#include "cache.h"
#include "config.h"
#include "creds.h"
#include "sso.h"

#define START_URL "https://corp.awsapps.com/start"

static int
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void
role(const char *data, size_t n)
{
	struct tfa_creds c, d;
	struct tfa_err err;
	char *arn = NULL, *arn2 = NULL;
	int rc, missing = -1;

	fuzz_put(".aws/cli/cache/fuzz.json", data, n);
	tfa_creds_init(&c);
	tfa_creds_init(&d);
	tfa_err_clear(&err);
	rc = tfa_cache_load_creds(&c, &arn, fuzz_path(".aws/cli/cache/fuzz.json"),
				  &missing, &err);
	fuzz_check_err(rc, &err);
	FUZZ_CHECK(rc == 0); /* the file is ours and sound: only JSON can fail */
	FUZZ_CHECK(missing == 0 || missing == 1);
	if (missing) {
		FUZZ_CHECK(!c.access_key_id && !arn);
		return;
	}
	FUZZ_CHECK(c.access_key_id && c.secret_access_key && c.session_token);

	/* The round trip: what we write, we (and the AWS CLI) read back. */
	tfa_err_clear(&err);
	rc = tfa_cache_store_creds(fuzz_path(".aws/cli/cache/again.json"), &c, arn, NULL,
				   &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		missing = -1;
		rc = tfa_cache_load_creds(&d, &arn2, fuzz_path(".aws/cli/cache/again.json"),
					  &missing, &err);
		FUZZ_CHECK(rc == 0 && missing == 0);
		FUZZ_CHECK(same(c.access_key_id, d.access_key_id));
		FUZZ_CHECK(same(c.secret_access_key, d.secret_access_key));
		FUZZ_CHECK(same(c.session_token, d.session_token));
		FUZZ_CHECK(c.expiration == d.expiration);
		FUZZ_CHECK(same(c.account_id, d.account_id));
		FUZZ_CHECK(same(arn, arn2));
	} else {
		/* Only text JSON cannot hold (not UTF-8) is refused. */
		FUZZ_CHECK(rc == TFA_EINVAL);
	}
	fuzz_unlink(".aws/cli/cache/again.json");
	free(arn);
	free(arn2);
	tfa_creds_dispose(&c);
	tfa_creds_dispose(&d);
}

static void
sso_token(const char *data, size_t n)
{
	static const char conf[] =
		"[profile dev]\nsso_session = corp\nsso_account_id = 1\n"
		"sso_role_name = R\n[sso-session corp]\nsso_start_url = " START_URL
		"\nsso_region = us-east-1\n";
	static struct tfa_config *cfg;
	static struct tfa_sso_config sc;
	static struct tfa_ctx ctx;
	struct tfa_sso_token t;
	struct tfa_err err;
	char rel[128];
	const char *p;
	int rc;

	if (!cfg) {
		FUZZ_CHECK(tfa_config_parse(&cfg, conf, sizeof(conf) - 1, NULL, 0, &err) == 0);
		FUZZ_CHECK(tfa_sso_config(&sc, cfg, tfa_config_profile(cfg, "dev"), &err) == 0);
		fuzz_ctx_init(&ctx, NULL, NULL);
	}
	snprintf(rel, sizeof(rel), ".aws/sso/cache/%s.json", sc.cache_key);
	fuzz_put(rel, data, n);
	tfa_sso_token_init(&t);
	tfa_err_clear(&err);
	rc = tfa_sso_token_load(&t, &ctx, &sc, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_STR(t.access_token);
		for (p = t.access_token; *p; p++)
			FUZZ_CHECK(*p > 0x20 && *p < 0x7f);
		FUZZ_CHECK(!t.start_url || strcmp(t.start_url, START_URL) == 0);
	} else {
		FUZZ_CHECK(rc == TFA_ENOTFOUND && err.hint[0]);
	}
	tfa_sso_token_dispose(&t);
	tfa_sso_token_dispose(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] == 's' || (data[0] != 'r' && (data[0] & 1)))
		sso_token((const char *)data + 1, size - 1);
	else
		role((const char *)data + 1, size - 1);
	return 0;
}
