/*
 * sso — IAM Identity Center: the OIDC device-authorization login, refresh
 * tokens, the token cache shared with the AWS CLI, and the portal's role
 * credentials (aws-reference.md §7).
 *
 * Configuration: a profile with sso_session = NAME and a [sso-session NAME]
 * section (sso_start_url, sso_region, sso_registration_scopes), or the
 * legacy sso_start_url / sso_region in the profile; both with
 * sso_account_id and sso_role_name.  Endpoints: AWS_ENDPOINT_URL_SSO_OIDC
 * and AWS_ENDPOINT_URL_SSO like every other service (lib/endpoint), with
 * the profile's services section and endpoint_url; the region is
 * sso_region.
 *
 * Token cache: ~/.aws/sso/cache/<sha1>.json, sha1 of the session name
 * (sso-session) or of the start URL (legacy), with the AWS CLI's fields
 * (startUrl, region, accessToken, expiresAt, clientId, clientSecret,
 * registrationExpiresAt, refreshToken); the client registration is cached
 * beside it the way botocore does (tfa_sso_registration_cache_key).
 * Written atomically, 0600, and only from a complete, good reply.  An
 * entry without accessToken and expiresAt (strings, expiresAt a time), or
 * whose startUrl names another start URL than the one configured, is no
 * token: it is never trusted.  A refresh rewrites the entry keeping the
 * fields tfauth does not know (go-v2 does the same).
 *
 * Requests follow aws-cli v2's device flow (botocore SSOTokenFetcher):
 * RegisterClient with clientName "botocore-client-<session>" (legacy:
 * "botocore-client-<unix time>"), clientType "public", no grantTypes, and
 * scopes only when there are some; StartDeviceAuthorization; one CreateToken
 * attempt at once, then ui->show, then CreateToken every `interval` seconds
 * (default 5, +5 on slow_down) until the device code's expiresIn runs out.
 * The refresh grant sends no scope (neither botocore nor go-v2 does).
 *
 * Secrets: tokens, the client secret, the device code and role credentials
 * live in secret buffers or are wiped before they are freed, and never
 * appear in messages; an AWS error description that quotes one of them is
 * left out of the message.  jansson's parser keeps short-lived copies of
 * the tokens it reads that cannot be wiped (see cache.h).
 */
#ifndef TFA_SSO_H
#define TFA_SSO_H

#include <time.h>

#include "config.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"

/* The scope an sso-session profile registers with when it sets none:
 * aws-cli's default for sso-session logins, and the one that makes
 * IAM Identity Center issue refresh tokens. */
#define TFA_SSO_DEFAULT_SCOPE "sso:account:access"

/* What a profile's SSO settings resolve to.  Every pointer is borrowed
 * from the config (or is a static string) and lives as long as it. */
struct tfa_sso_config {
	const char *profile_name;
	const struct tfa_section *profile;  /* for endpoints: services, endpoint_url */
	const struct tfa_section *session;  /* [sso-session NAME], NULL for legacy */
	const char *session_name;  /* NULL for legacy profiles */
	const char *start_url;
	const char *region;        /* sso_region */
	const char *account_id;
	const char *role_name;
	/* sso_registration_scopes, comma-separated as written (split on ',',
	 * blanks trimmed, empty items dropped, as aws-cli does); for an
	 * sso-session that sets none, TFA_SSO_DEFAULT_SCOPE with
	 * scopes_default set; NULL for legacy profiles. */
	const char *scopes;
	unsigned scopes_default : 1;
	char cache_key[41];        /* sha1 of session_name or start_url */
};

/*
 * Read and check a profile's SSO settings, with go-v2's messages:
 *   - sso_session naming no section: TFA_ENOTFOUND "failed to find SSO
 *     session section, NAME", with a hint naming file:line;
 *   - sso_region, sso_start_url (from the session, or the profile for
 *     legacy ones), sso_account_id, sso_role_name missing or empty:
 *     TFA_EINVAL 'profile "P" is configured to use SSO but is missing
 *     required configuration: a, b';
 *   - sso_region or sso_start_url in the profile disagreeing with the
 *     session's: TFA_EINVAL 'sso_region in profile "P" must match sso_region
 *     in sso-session "NAME"';
 *   - a start URL that is not http:// or https://, an sso_region that is
 *     not a region name: TFA_EINVAL.
 * *out is written only on success.
 */
int tfa_sso_config(struct tfa_sso_config *out, const struct tfa_config *cfg,
		   const struct tfa_section *profile, struct tfa_err *err);

/* The cached token, as the AWS CLI writes it. */
struct tfa_sso_token {
	char *access_token;        /* secret */
	time_t expires_at;
	char *refresh_token;       /* secret, or NULL */
	char *client_id;           /* or NULL */
	char *client_secret;       /* secret, or NULL */
	time_t registration_expires_at; /* 0 when unknown */
	char *start_url, *region;  /* or NULL */
};
void tfa_sso_token_init(struct tfa_sso_token *t);
/* Wipe and free every member; safe to call twice. */
void tfa_sso_token_dispose(struct tfa_sso_token *t);

/* How a login talks to the user (the device flow needs no typing). */
struct tfa_sso_ui {
	/* Show the verification URL and code; open the browser unless told
	 * not to.  Called once per device authorization, and not at all when
	 * the first CreateToken attempt already succeeds (a pre-approved
	 * client, as in aws-cli).  The strings are printable ASCII (checked);
	 * verification_uri_complete is verification_uri when the service
	 * sent none. */
	void (*show)(void *data, const char *verification_uri,
		     const char *verification_uri_complete, const char *user_code,
		     long expires_in);
	/* Called while waiting, about once a second, with seconds left.
	 * May be NULL. */
	void (*tick)(void *data, long seconds_left);
	/* Wait ms milliseconds (at most 1000 at a time).  NULL: nanosleep.
	 * Tests pass one that moves their clock (ctx->clock) instead. */
	void (*sleep)(void *data, long ms);
	void *data;
};

#define TFA_SSO_NONINTERACTIVE 0x1u /* a device login needed: TFA_ELOGIN */
#define TFA_SSO_FORCE          0x2u /* ignore a valid cached token */

/*
 * A valid access token for sc, in this order:
 *   1. the cached one while more than the refresh window
 *      (tfa_cache_refresh_window) remains (not with TFA_SSO_FORCE, which
 *      goes on to step 3: a forced renewal still prefers the refresh
 *      grant to a browser login);
 *   2. under an exclusive lock on the token file (waiting up to 600 s, as
 *      long as a device login may take), the cache read again: another
 *      process may have logged in meanwhile — so parallel callers for one
 *      session make one refresh or device authorization between them
 *      (with TFA_SSO_FORCE, a token that changed while we waited is
 *      taken as that renewal);
 *   3. the refresh-token grant, when the entry has refreshToken, clientId,
 *      clientSecret and an unexpired registrationExpiresAt;
 *   4. when that fails with an error reply from the service
 *      (invalid_grant, invalid_client, HTTP 5xx...) or cannot be tried: a
 *      device authorization (RegisterClient, reused from the registration
 *      cache until 15 minutes before it expires, and made anew once when
 *      StartDeviceAuthorization calls the cached one invalid_client;
 *      StartDeviceAuthorization; CreateToken polled).
 * A refresh that fails otherwise (network, a reply that is not JSON) is
 * that error, except as below.
 *
 * With TFA_SSO_NONINTERACTIVE, or when ui or ui->show is NULL, step 4 is
 * not taken, and no lock is waited for unless a refresh can be tried.  A
 * token that has not expired yet (inside the refresh window, its refresh
 * failed or impossible) is still returned (not with TFA_SSO_FORCE), as
 * botocore keeps a token whose early refresh failed; otherwise TFA_ELOGIN
 * "the SSO session for 'NAME' has expired" (with " and could not be
 * refreshed (CODE)" after a refused refresh; "there is no SSO login for
 * 'NAME' yet" without a token; "a new SSO session for 'NAME' needs a login
 * in the browser" for TFA_SSO_FORCE), hint "log in with 'tfauth-refresh
 * PROFILE'" — with no network call when the entry cannot be refreshed.
 * NAME is the session name, or the start URL for a legacy profile.
 *
 * Device-flow endings: expired_token, or expiresIn passed, is TFA_EAWS
 * "the device authorization expired before it was approved"; access_denied
 * is TFA_EAWS "the login was denied in the browser"; aws_code holds the
 * OIDC exception name.  The token file is written only after a complete,
 * good CreateToken reply, never on failure.  A new client registration is
 * cached as soon as RegisterClient answers, as botocore does, so that the
 * next login reuses it even when this one fails later.  *token is filled
 * on success (dispose it).
 */
int tfa_sso_token_get(struct tfa_sso_token *token, struct tfa_ctx *ctx,
		      const struct tfa_config *cfg, const struct tfa_sso_config *sc,
		      unsigned flags, const struct tfa_sso_ui *ui, struct tfa_err *err);

/*
 * The token from the cache only (no network, no lock, whatever its
 * expiry): 0 and *token filled, or TFA_ENOTFOUND when there is none or it
 * is not to be trusted (corrupt JSON, a missing or mistyped field, another
 * start URL), with a hint to log in.  A cache file that is refused
 * (symlink, another owner, group/world-writable: TFA_EPERM) or unreadable
 * (TFA_EIO) is tfa_cache_read's error.
 */
int tfa_sso_token_load(struct tfa_sso_token *token, const struct tfa_ctx *ctx,
		       const struct tfa_sso_config *sc, struct tfa_err *err);

/*
 * The portal's GetRoleCredentials for sc's account and role, with token's
 * access token (GET /federation/credentials, header
 * x-amz-sso_bearer_token, unsigned).  out gets the keys, the expiration
 * (the reply's epoch milliseconds) and account_id = sso_account_id.
 * HTTP 401 is TFA_EAWS with aws_code "UnauthorizedException" and botocore's
 * message, "the SSO session associated with this profile has expired or is
 * otherwise invalid", hint "run 'tfauth-refresh PROFILE'".  A reply that is
 * not JSON or lacks a field is TFA_EINVAL.
 */
int tfa_sso_role_credentials(struct tfa_creds *out, struct tfa_ctx *ctx,
			     const struct tfa_config *cfg, const struct tfa_sso_config *sc,
			     const struct tfa_sso_token *token, struct tfa_err *err);

/* The AWS CLI's cache key for SSO role credentials (§7.7): sha1 of the
 * compact JSON {"accountId","roleName","sessionName"|"startUrl"}. */
void tfa_sso_role_cache_key(char out[41], const struct tfa_sso_config *sc);

/* botocore's file name (without ".json") for the client registration of
 * sc (§7.2): sha1 of json.dumps({"region", "scopes", "session_name",
 * "startUrl", "tool": "botocore"}, sort_keys=True), scopes being the list
 * sc->scopes splits into (null when NULL). */
void tfa_sso_registration_cache_key(char out[41], const struct tfa_sso_config *sc);

#endif
