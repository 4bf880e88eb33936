/*
 * sso_config — the offline half of lib/sso: a profile's SSO settings,
 * the cache keys, the token struct.  Kept apart from sso.c so that code
 * that only reads caches (tfauth-env) links no HTTP and loads no libcurl.
 */
#include "sso.h"
#include "sso_priv.h"
#include "buf.h"
#include "cache.h"
#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void
tfa__sso_mark_cut(char *msg, size_t size)
{
	memcpy(msg + size - 4, "...", 4);
}

/* The name a session or legacy profile goes by in messages. */
const char *
tfa__sso_login_name(const struct tfa_sso_config *sc)
{
	return sc->session_name ? sc->session_name : sc->start_url;
}

static const char *
value_of(const struct tfa_section *s, const char *key)
{
	const char *v = s ? tfa_section_value(s, key) : NULL;

	return v && *v ? v : NULL;
}

void
tfa__sso_where(char *out, size_t size, const struct tfa_section *s, const char *key)
{
	const struct tfa_setting *set = s ? tfa_section_get(s, key) : NULL;
	int n;

	if (set)
		n = snprintf(out, size, "%s:%u", set->file, set->line);
	else if (s)
		n = snprintf(out, size, "%s:%u", s->file, s->line);
	else
		n = snprintf(out, size, "the config file");
	if (n < 0)
		out[0] = '\0';
	else if ((size_t)n >= size)
		tfa__sso_mark_cut(out, size);
}

static void
add_missing(struct tfa_buf *b, const char *key)
{
	if (b->len)
		tfa_buf_adds(b, ", ");
	tfa_buf_adds(b, key);
}

int
tfa__sso_is_url(const char *u)
{
	if (strncasecmp(u, "https://", 8) == 0)
		return u[8] != '\0';
	if (strncasecmp(u, "http://", 7) == 0)
		return u[7] != '\0';
	return 0;
}

/* go-v2: "sso_region in profile "P" must match sso_region in sso-session ". */
static int
conflict(struct tfa_err *err, const struct tfa_sso_config *c, const char *key,
	 const char *mine)
{
	char a[160], b[160], wa[300], wb[300];

	tfa_clean_text(a, sizeof(a), mine);
	tfa_clean_text(b, sizeof(b), value_of(c->session, key));
	tfa__sso_where(wa, sizeof(wa), c->profile, key);
	tfa__sso_where(wb, sizeof(wb), c->session, key);
	tfa_err_set(err, TFA_EINVAL, "%s in profile \"%s\" must match %s in sso-session "
		    "\"%s\"", key, c->profile_name, key, c->session_name);
	tfa_err_hint(err, "the profile says '%s' (%s), the sso-session '%s' (%s); "
		     "remove %s from the profile", a, wa, b, wb, key);
	return TFA_EINVAL;
}

/* The missing-settings check of go-v2's validateSSOConfiguration. */
static int
check_missing(struct tfa_err *err, const struct tfa_sso_config *c)
{
	struct tfa_buf all = TFA_BUF_INIT, in_sess = TFA_BUF_INIT, in_prof = TFA_BUF_INIT;
	char ws[300], wp[300];
	int rc = 0;

	if (!c->region)
		add_missing(c->session ? &in_sess : &in_prof, "sso_region");
	if (!c->start_url)
		add_missing(c->session ? &in_sess : &in_prof, "sso_start_url");
	if (!c->account_id)
		add_missing(&in_prof, "sso_account_id");
	if (!c->role_name)
		add_missing(&in_prof, "sso_role_name");
	if (!in_sess.len && !in_prof.len)
		goto out;
	tfa_buf_adds(&all, in_sess.ptr);
	if (in_sess.len && in_prof.len)
		tfa_buf_adds(&all, ", ");
	tfa_buf_adds(&all, in_prof.ptr);
	rc = tfa_err_set(err, TFA_EINVAL, "profile \"%s\" is configured to use SSO "
			 "but is missing required configuration: %s",
			 c->profile_name, all.ptr);
	tfa__sso_where(ws, sizeof(ws), c->session, "sso_start_url");
	tfa__sso_where(wp, sizeof(wp), c->profile, "sso_session");
	if (in_sess.len && in_prof.len)
		tfa_err_hint(err, "add %s to [sso-session %s] (%s) and %s to the "
			     "profile (%s)", in_sess.ptr, c->session_name, ws,
			     in_prof.ptr, wp);
	else if (in_sess.len)
		tfa_err_hint(err, "add %s to [sso-session %s] (%s)", in_sess.ptr,
			     c->session_name, ws);
	else
		tfa_err_hint(err, "add %s to profile '%s' (%s)", in_prof.ptr,
			     c->profile_name, wp);
out:
	tfa_buf_dispose(&all);
	tfa_buf_dispose(&in_sess);
	tfa_buf_dispose(&in_prof);
	return rc;
}

int
tfa_sso_config(struct tfa_sso_config *out, const struct tfa_config *cfg,
	       const struct tfa_section *profile, struct tfa_err *err)
{
	struct tfa_sso_config c;
	const char *p_url, *p_region, *sec;
	char shown[160], w[300], wn[300];
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.profile = profile;
	c.profile_name = profile->name;
	c.session_name = value_of(profile, "sso_session");
	p_url = value_of(profile, "sso_start_url");
	p_region = value_of(profile, "sso_region");
	if (c.session_name) {
		c.session = cfg ? tfa_config_sso_session(cfg, c.session_name) : NULL;
		if (!c.session) {
			tfa_clean_text(shown, sizeof(shown), c.session_name);
			tfa__sso_where(w, sizeof(w), profile, "sso_session");
			rc = tfa_err_set(err, TFA_ENOTFOUND, "failed to find SSO session "
					 "section, %s", shown);
			tfa_err_hint(err, "add a [sso-session %s] section with sso_start_url "
				     "and sso_region to the config file, or fix "
				     "sso_session in %s", shown, w);
			goto out;
		}
		c.start_url = value_of(c.session, "sso_start_url");
		c.region = value_of(c.session, "sso_region");
		sec = tfa_section_value(c.session, "sso_registration_scopes");
		c.scopes = sec ? sec : TFA_SSO_DEFAULT_SCOPE;
		c.scopes_default = !sec;
	} else {
		c.start_url = p_url;
		c.region = p_region;
	}
	c.account_id = value_of(profile, "sso_account_id");
	c.role_name = value_of(profile, "sso_role_name");
	if ((rc = check_missing(err, &c)) < 0)
		goto out;
	if (c.session && p_region && strcmp(p_region, c.region) != 0) {
		rc = conflict(err, &c, "sso_region", p_region);
		goto out;
	}
	if (c.session && p_url && strcmp(p_url, c.start_url) != 0) {
		rc = conflict(err, &c, "sso_start_url", p_url);
		goto out;
	}
	if (!tfa__sso_is_url(c.start_url)) {
		tfa_clean_text(shown, sizeof(shown), c.start_url);
		tfa__sso_where(wn, sizeof(wn), c.session ? c.session : profile, "sso_start_url");
		rc = tfa_err_set(err, TFA_EINVAL, "sso_start_url '%s' is not a URL", shown);
		tfa_err_hint(err, "write the whole start URL, such as "
			     "https://my-sso-portal.awsapps.com/start (%s)", wn);
		goto out;
	}
	if (!tfa_endpoint_region_valid(c.region)) {
		tfa_clean_text(shown, sizeof(shown), c.region);
		tfa__sso_where(wn, sizeof(wn), c.session ? c.session : profile, "sso_region");
		rc = tfa_err_set(err, TFA_EINVAL, "sso_region '%s' is not a region name",
				 shown);
		tfa_err_hint(err, "use the region of IAM Identity Center, such as "
			     "us-east-1 (%s)", wn);
		goto out;
	}
	tfa_cache_sha1_hex(c.cache_key, tfa__sso_login_name(&c));
	*out = c;
out:
	return rc;
}

/* Split sso_registration_scopes as aws-cli does: on ',', whitespace
 * trimmed, empty items dropped.  Returns the count; free with free_list. */
size_t
tfa__sso_split_scopes(char ***out, const char *scopes)
{
	char **list = NULL;
	size_t n = 0, alloc = 0;
	const char *p = scopes, *b, *e;

	while (p && *p) {
		e = p + strcspn(p, ",");
		b = p;
		while (b < e && (*b == ' ' || (*b >= '\t' && *b <= '\r')))
			b++;
		p = *e ? e + 1 : e;
		while (e > b && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r')))
			e--;
		if (e == b)
			continue;
		list = tfa_xgrow(list, &alloc, n + 1, sizeof(*list));
		list[n++] = tfa_xstrndup(b, (size_t)(e - b));
	}
	*out = list;
	return n;
}

void
tfa__sso_free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void
py_str_or_null(struct tfa_buf *b, const char *s)
{
	if (s)
		tfa_cache_py_json_string(b, s);
	else
		tfa_buf_adds(b, "null");
}

void
tfa_sso_registration_cache_key(char out[41], const struct tfa_sso_config *sc)
{
	struct tfa_buf b = TFA_BUF_INIT;
	char **scopes = NULL;
	size_t n = 0, i;

	/* json.dumps(args, sort_keys=True): ", " and ": " separators */
	tfa_buf_adds(&b, "{\"region\": ");
	py_str_or_null(&b, sc->region);
	tfa_buf_adds(&b, ", \"scopes\": ");
	if (sc->scopes) {
		n = tfa__sso_split_scopes(&scopes, sc->scopes);
		tfa_buf_addch(&b, '[');
		for (i = 0; i < n; i++) {
			if (i)
				tfa_buf_adds(&b, ", ");
			tfa_cache_py_json_string(&b, scopes[i]);
		}
		tfa_buf_addch(&b, ']');
	} else {
		tfa_buf_adds(&b, "null");
	}
	tfa_buf_adds(&b, ", \"session_name\": ");
	py_str_or_null(&b, sc->session_name);
	tfa_buf_adds(&b, ", \"startUrl\": ");
	py_str_or_null(&b, sc->start_url);
	tfa_buf_adds(&b, ", \"tool\": \"botocore\"}");
	tfa_cache_sha1_hex(out, b.ptr);
	tfa__sso_free_list(scopes, n);
	tfa_buf_dispose(&b);
}

void
tfa_sso_role_cache_key(char out[41], const struct tfa_sso_config *sc)
{
	struct tfa_buf b = TFA_BUF_INIT;

	/* separators=(",", ":"): compact */
	tfa_buf_adds(&b, "{\"accountId\":");
	py_str_or_null(&b, sc->account_id);
	tfa_buf_adds(&b, ",\"roleName\":");
	py_str_or_null(&b, sc->role_name);
	if (sc->session_name) {
		tfa_buf_adds(&b, ",\"sessionName\":");
		py_str_or_null(&b, sc->session_name);
	} else {
		tfa_buf_adds(&b, ",\"startUrl\":");
		py_str_or_null(&b, sc->start_url);
	}
	tfa_buf_addch(&b, '}');
	tfa_cache_sha1_hex(out, b.ptr);
	tfa_buf_dispose(&b);
}

void
tfa_sso_token_init(struct tfa_sso_token *t)
{
	memset(t, 0, sizeof(*t));
}

void
tfa_sso_token_dispose(struct tfa_sso_token *t)
{
	if (!t)
		return;
	tfa_secret_free(t->access_token);
	tfa_secret_free(t->refresh_token);
	tfa_secret_free(t->client_id);
	tfa_secret_free(t->client_secret);
	free(t->start_url);
	free(t->region);
	tfa_sso_token_init(t);
}
