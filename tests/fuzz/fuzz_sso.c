/*
 * fuzz_sso — the JSON replies of IAM Identity Center: the portal's
 * GetRoleCredentials and the OIDC calls of a login (RegisterClient,
 * StartDeviceAuthorization, CreateToken with the device code or a refresh
 * token), through lib/sso, with the token and registration caches written
 * and read back on a private HOME.  Replies are cut from the input (see
 * fuzz.h); the clock is fake and moves when the login waits.
 *
 * The first byte picks the flow: 'p' GetRoleCredentials with a cached
 * token; 'r' a forced renewal of a cached token that has a refresh token
 * (the refresh grant, and a device login when the service refuses it);
 * anything else a device login with no cache.
 *
 * Checks: role credentials have a key id, secret key and token, an
 * expiration and the profile's account; a token has a printable access
 * token and, after a login, is in the cache (tfa_sso_token_load reads it
 * back equal); ui->show gets printable ASCII; a failure has a message, and
 * no message or hint holds a secret we sent (the cached access and refresh
 * tokens, the client secret), even one the reply to that call echoes, nor
 * its first 12 bytes unless the replies hold them.
 */
#include "fuzz.h"

#include "config.h"
#include "creds.h"
#include "sso.h"
#include "timeutil.h"

#define START_URL "https://corp.awsapps.com/start"
#define ACCESS "aoaACCESStokenSECRETvalue0123456789"
#define REFRESH "aorREFRESHtokenSECRETvalue0123456789"
#define CSECRET "CLIENTsecretSECRETvalue0123456789"

static const char *const secrets[] = { ACCESS, REFRESH, CSECRET };

static void
printable(const char *s)
{
	FUZZ_CHECK(s != NULL);
	for (; *s; s++)
		FUZZ_CHECK(*s >= 0x20 && *s < 0x7f);
}

static void
ui_show(void *data, const char *uri, const char *complete, const char *code,
	long expires_in)
{
	(void)data;
	(void)expires_in;
	printable(uri);
	printable(complete);
	printable(code);
}

static void
ui_sleep(void *data, long ms)
{
	(void)data;
	fuzz_now += ms >= 1000 ? ms / 1000 : 1;
}

/*
 * No secret in a message: not even the start of one (cut by a length
 * limit) unless the replies carry those bytes; and not the whole of one
 * that the failing call sent, even when its reply echoes it.  sent[i]
 * says whether the error came from the one call that sent secrets[i]
 * (a reply to another call may hold the same bytes by chance: they are no
 * secret there).
 */
static void
no_secret(const struct tfa_err *err, const uint8_t *data, size_t size,
	  const int sent[3])
{
	size_t i;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (sent[i]) {
			FUZZ_CHECK(!strstr(err->msg, secrets[i]));
			FUZZ_CHECK(!strstr(err->hint, secrets[i]));
		}
		if (memmem(data, size, secrets[i], 12))
			continue;
		FUZZ_CHECK(!memmem(err->msg, strlen(err->msg), secrets[i], 12));
		FUZZ_CHECK(!memmem(err->hint, strlen(err->hint), secrets[i], 12));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char conf[] =
		"[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
		"sso_role_name = Admin\n[sso-session corp]\nsso_start_url = " START_URL
		"\nsso_region = us-east-1\n";
	static struct tfa_config *cfg;
	static struct tfa_sso_config sc;
	static char rel[128];
	struct tfa_sso_ui ui = { ui_show, NULL, ui_sleep, NULL };
	struct tfa_sso_token tok, back;
	struct fuzz_net net;
	struct tfa_creds c;
	struct tfa_ctx ctx;
	struct tfa_err err;
	char cached[512], exp[TFA_TIME_LEN], reg[TFA_TIME_LEN];
	int rc, n;

	if (!size)
		return 0;
	if (!cfg) {
		FUZZ_CHECK(tfa_config_parse(&cfg, conf, sizeof(conf) - 1, NULL, 0, &err) == 0);
		FUZZ_CHECK(tfa_sso_config(&sc, cfg, tfa_config_profile(cfg, "dev"), &err) == 0);
		snprintf(rel, sizeof(rel), ".aws/sso/cache/%s.json", sc.cache_key);
	}
	fuzz_now = FUZZ_NOW;
	fuzz_clear(".aws/sso/cache");
	fuzz_net_init(&net, (const char *)data + 1, size - 1);
	fuzz_ctx_init(&ctx, &net.base, NULL);
	tfa_sso_token_init(&tok);
	tfa_sso_token_init(&back);
	tfa_creds_init(&c);
	tfa_err_clear(&err);

	/* The cached token: valid for 'p', about to expire for 'r'. */
	tfa_time_format(exp, FUZZ_NOW + (data[0] == 'p' ? 3600 : 60));
	tfa_time_format(reg, FUZZ_NOW + 86400 * 30);
	n = snprintf(cached, sizeof(cached),
		     "{\"startUrl\": \"" START_URL "\", \"region\": \"us-east-1\", "
		     "\"accessToken\": \"" ACCESS "\", \"expiresAt\": \"%s\", "
		     "\"refreshToken\": \"" REFRESH "\", \"clientId\": \"cid\", "
		     "\"clientSecret\": \"" CSECRET "\", \"registrationExpiresAt\": \"%s\"}",
		     exp, reg);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(cached));

	if (data[0] == 'p') {
		fuzz_put(rel, cached, (size_t)n);
		FUZZ_CHECK(tfa_sso_token_load(&tok, &ctx, &sc, &err) == 0);
		rc = tfa_sso_role_credentials(&c, &ctx, cfg, &sc, &tok, &err);
		if (rc == 0) {
			FUZZ_STR(c.access_key_id);
			FUZZ_CHECK(c.secret_access_key && c.session_token);
			FUZZ_CHECK(c.expiration > 0);
			FUZZ_CHECK(c.account_id && strcmp(c.account_id, "123456789012") == 0);
		}
	} else {
		if (data[0] == 'r')
			fuzz_put(rel, cached, (size_t)n);
		rc = tfa_sso_token_get(&tok, &ctx, cfg, &sc, TFA_SSO_FORCE, &ui, &err);
		if (rc == 0) {
			printable(tok.access_token);
			FUZZ_STR(tok.access_token);
			/* What the login got is what the next run reads. */
			FUZZ_CHECK(tfa_sso_token_load(&back, &ctx, &sc, &err) == 0);
			FUZZ_CHECK(strcmp(back.access_token, tok.access_token) == 0);
			FUZZ_CHECK(back.expires_at == tok.expires_at);
		}
	}
	fuzz_check_err(rc, &err);
	if (rc < 0) {
		/* 'p': one call, with the access token; 'r': when the refresh
		 * grant was the only call, it sent the refresh token and the
		 * client secret. */
		int sent[3] = { data[0] == 'p', data[0] == 'r' && net.calls == 1,
				data[0] == 'r' && net.calls == 1 };
		no_secret(&err, data, size, sent);
	}
	tfa_creds_dispose(&c);
	tfa_sso_token_dispose(&tok);
	tfa_sso_token_dispose(&back);
	ctx.transport = NULL;
	tfa_ctx_dispose(&ctx);
	return 0;
}
