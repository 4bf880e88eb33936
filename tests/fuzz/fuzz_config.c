/*
 * fuzz_config — the shared config and credentials files (lib/config, fed
 * through inih), and what is read from them without a network: profile
 * resolution (lib/profile), SSO settings (lib/sso_config) and endpoint
 * resolution (lib/endpoint: endpoint_url, [services] sections).
 *
 * The input is the config file, then a line "%%", then the credentials
 * file; without that line it is parsed as either file in turn.
 *
 * Checks on a config that loads: every section has a kind, a name and a
 * file:line; every setting a lower-case key, a value and a line, and
 * tfa_section_get finds it (the last of a repeated key wins, so the one
 * found is an equal key); profiles come sorted, each once, and the
 * look-up by name gives the same section.  Then, for up to 16 profiles:
 * resolve (a chain within TFA_PROFILE_MAX_CHAIN, starting at the profile),
 * tfa_sso_config (on success: start URL, region, account and role present,
 * a 40-hex cache key), each service's endpoint (on success: an http(s)
 * URL without a trailing '/' and a source).  A failure anywhere has a
 * message.
 */
#include "fuzz.h"

#include "config.h"
#include "endpoint.h"
#include "profile.h"
#include "sso.h"

static void
check_setting(const struct tfa_setting *s, int top)
{
	const char *p;
	size_t i;

	FUZZ_CHECK(s->key && s->value && s->file);
	FUZZ_CHECK(s->line >= 1);
	for (p = s->key; *p; p++)
		FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'));
	FUZZ_CHECK(s->nsub == 0 || s->sub != NULL);
	FUZZ_CHECK(top || s->nsub == 0);
	for (i = 0; i < s->nsub; i++) {
		check_setting(&s->sub[i], 0);
		FUZZ_CHECK(tfa_setting_sub(s, s->sub[i].key) != NULL);
	}
}

static void
check_section(const struct tfa_section *s)
{
	const struct tfa_setting *g;
	size_t i;

	FUZZ_CHECK(s->name && s->file && s->line >= 1);
	FUZZ_CHECK(s->in_config || s->in_credentials);
	FUZZ_CHECK(s->nsettings == 0 || s->settings != NULL);
	for (i = 0; i < s->nsettings; i++) {
		check_setting(&s->settings[i], 1);
		g = tfa_section_get(s, s->settings[i].key);
		FUZZ_CHECK(g && strcmp(g->key, s->settings[i].key) == 0);
		FUZZ_CHECK(tfa_section_value(s, s->settings[i].key) == g->value);
	}
}

static void
check_endpoints(const struct tfa_ctx *ctx, const struct tfa_config *cfg,
		const struct tfa_section *p)
{
	static const enum tfa_service svcs[] = { TFA_SERVICE_STS, TFA_SERVICE_IAM,
						 TFA_SERVICE_SSO, TFA_SERVICE_SSO_OIDC };
	const char *origin, *region = tfa_profile_region(ctx, p, &origin);
	struct tfa_endpoint e;
	struct tfa_err err;
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		memset(&e, 0, sizeof(e));
		tfa_err_clear(&err);
		rc = tfa_endpoint_resolve(&e, ctx, cfg, p, svcs[i], region, origin, &err);
		fuzz_check_err(rc, &err);
		if (rc < 0)
			continue;
		FUZZ_STR(e.url);
		FUZZ_STR(e.source);
		FUZZ_CHECK(strncasecmp(e.url, "http://", 7) == 0 ||
			   strncasecmp(e.url, "https://", 8) == 0);
		n = strlen(e.url);
		FUZZ_CHECK(e.url[n - 1] != '/');
		FUZZ_CHECK(memchr(e.signing_region, '\0', sizeof(e.signing_region)));
		FUZZ_CHECK(svcs[i] == TFA_SERVICE_SSO || svcs[i] == TFA_SERVICE_SSO_OIDC ||
			   e.signing_region[0]);
		FUZZ_STR(e.partition);
		tfa_endpoint_dispose(&e);
		tfa_endpoint_dispose(&e);
	}
}

static void
check_profile(const struct tfa_ctx *ctx, const struct tfa_config *cfg,
	      const struct tfa_section *s)
{
	struct tfa_profile p;
	struct tfa_sso_config sc;
	const struct tfa_section *roles[TFA_PROFILE_MAX_CHAIN];
	struct tfa_err err;
	size_t i, n;
	int rc;

	(void)tfa_profile_kind_name(tfa_profile_classify(s));
	tfa_err_clear(&err);
	rc = tfa_profile_resolve(&p, cfg, s->name, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_CHECK(p.section == s && p.nchain >= 1 &&
			   p.nchain <= TFA_PROFILE_MAX_CHAIN && p.chain[0] == s);
		for (i = 0; i < p.nchain; i++)
			FUZZ_CHECK(p.chain[i] != NULL);
		n = tfa_profile_roles(&p, roles);
		FUZZ_CHECK(n <= p.nchain);
		FUZZ_CHECK(memchr(p.account_id, '\0', sizeof(p.account_id)));
	}

	tfa_err_clear(&err);
	rc = tfa_sso_config(&sc, cfg, s, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_STR(sc.start_url);
		FUZZ_STR(sc.region);
		FUZZ_STR(sc.account_id);
		FUZZ_STR(sc.role_name);
		FUZZ_CHECK(strlen(sc.cache_key) == 40 &&
			   strspn(sc.cache_key, "0123456789abcdef") == 40);
		FUZZ_CHECK(tfa_endpoint_region_valid(sc.region));
	}
	check_endpoints(ctx, cfg, s);
}

static void
check(const struct tfa_ctx *ctx, const char *conf, size_t clen, const char *cred,
      size_t klen)
{
	struct tfa_config *cfg = NULL;
	const struct tfa_section *s, *prev = NULL;
	struct tfa_err err;
	const char *names[2];
	size_t i, n;
	unsigned line;
	int rc;

	tfa_err_clear(&err);
	rc = tfa_config_parse(&cfg, conf, clen, cred, klen, &err);
	fuzz_check_err(rc, &err);
	if (rc < 0) {
		FUZZ_CHECK(cfg == NULL);
		return;
	}
	FUZZ_CHECK(cfg != NULL);
	n = tfa_config_profile_count(cfg);
	for (i = 0; i < n; i++) {
		s = tfa_config_profile_at(cfg, i);
		FUZZ_CHECK(s && s->kind == TFA_SECTION_PROFILE);
		check_section(s);
		FUZZ_CHECK(!prev || strcmp(prev->name, s->name) < 0);
		FUZZ_CHECK(tfa_config_profile(cfg, s->name) == s);
		prev = s;
		if (i < 16)
			check_profile(ctx, cfg, s);
	}
	FUZZ_CHECK(tfa_config_profile_at(cfg, n) == NULL);
	/* Every profile's sso_session and services name, looked up. */
	for (i = 0; i < n && i < 16; i++) {
		s = tfa_config_profile_at(cfg, i);
		names[0] = tfa_section_value(s, "sso_session");
		names[1] = tfa_section_value(s, "services");
		if (names[0] && (s = tfa_config_sso_session(cfg, names[0]))) {
			FUZZ_CHECK(s->kind == TFA_SECTION_SSO_SESSION);
			check_section(s);
		}
		s = tfa_config_profile_at(cfg, i);
		if (names[1] && (s = tfa_config_services(cfg, names[1]))) {
			FUZZ_CHECK(s->kind == TFA_SECTION_SERVICES);
			check_section(s);
		}
	}
	if (tfa_config_both_defaults(cfg, &line))
		FUZZ_CHECK(line >= 1);
	tfa_config_free(cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tfa_ctx ctx;
	static int ready;
	const char *s = (const char *)data, *sep;

	if (!ready) {
		fuzz_ctx_init(&ctx, NULL, NULL);
		ready = 1;
	}
	sep = memmem(s, size, "\n%%\n", 4);
	if (sep) {
		check(&ctx, s, (size_t)(sep - s), sep + 4, size - (size_t)(sep - s) - 4);
	} else {
		check(&ctx, s, size, NULL, 0);
		check(&ctx, NULL, 0, s, size);
	}
	return 0;
}
