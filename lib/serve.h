/*
 * serve — a loopback container-credentials endpoint (aws-reference.md
 * §2.7) that tfauth-run serves its child for exactly as long as the child
 * runs, so that the AWS SDK inside it (Terraform's provider, botocore)
 * fetches the profile's credentials again before they expire instead of
 * failing halfway through a long apply.
 *
 * The server:
 *   - listens on 127.0.0.1 only, on a port the kernel picks, and serves
 *     only peers in 127.0.0.0/8;
 *   - requires an Authorization header equal to a 256-bit random token
 *     (getrandom(2), hex), compared in constant time; the token is given
 *     to the child in a 0600 file in a 0700 private folder, removed when
 *     the server stops;
 *   - answers GET /credentials with {"AccessKeyId", "SecretAccessKey",
 *     "Token", "Expiration", "AccountId"?}; anything else with 400, 401,
 *     404, 405, 431 or 500 and a small JSON body {"code", "message"}; requests
 *     are bounded (TFA_SERVE_MAX_REQUEST bytes, no bodies), a partial
 *     request is dropped after TFA_SERVE_READ_TIMEOUT_MS; keep-alive works;
 *   - reads the credentials from the caches on every request (no process,
 *     no network: the warm path costs a file read); when they are inside
 *     the refresh window, runs tfauth-refresh for the profile — the same
 *     code as the command, with its prompts on the terminal — and reads the
 *     caches again.  Requests are handled one at a time by one thread, so
 *     however many arrive while a refresh is due there is one refresh and
 *     at most one prompt; other processes are kept out by lib/cache's
 *     locks.  When a refresh fails, credentials that have not yet expired
 *     are served still, and no new refresh is tried for
 *     TFA_SERVE_RETRY_AFTER seconds (a cancelled prompt does not come back
 *     for every request);
 *   - says what it refused, and refreshes it ran, through a log callback:
 *     never a token or a secret.
 *
 * The child's environment (tfa_serve_child_env) names the endpoint and
 * the token file, and leaves no other way to credentials that the SDK
 * would try first: see there.
 *
 * The pure pieces (request parsing, responses, the config view) are
 * public for the unit tests.  Nothing here prints; the thread is the only
 * state, and it lives from tfa_serve_start to tfa_serve_stop.
 */
#ifndef TFA_SERVE_H
#define TFA_SERVE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"

#define TFA_SERVE_PATH "/credentials"
#define TFA_SERVE_MAX_REQUEST 8192
#define TFA_SERVE_MAX_CONNECTIONS 64
#define TFA_SERVE_READ_TIMEOUT_MS 5000   /* a request must arrive whole within */
#define TFA_SERVE_IDLE_TIMEOUT_MS 60000  /* an idle keep-alive connection is closed */
#define TFA_SERVE_RETRY_AFTER 60         /* seconds between failed refreshes */
/* Credentials without an expiry (static keys) are served as lasting this
 * long: botocore's container provider requires an Expiration. */
#define TFA_SERVE_STATIC_LIFETIME 3600
#define TFA_SERVE_TOKEN_BYTES 32

/* ---- requests and responses (pure) ----------------------------------- */

struct tfa_serve_request {
	const char *method;     /* spans into the parsed bytes */
	size_t method_len;
	const char *target;
	size_t target_len;
	const char *auth;       /* the Authorization value, trimmed; NULL: none */
	size_t auth_len;
	int keep_alive;         /* HTTP/1.1 without "Connection: close" */
};

/*
 * Parse one request from buf[0..len).  Returns the bytes it takes (> 0)
 * with out filled, 0 when more bytes are needed, TFA_ETOOBIG when no
 * request ends within TFA_SERVE_MAX_REQUEST bytes, or TFA_EINVAL for a
 * malformed one: a bad request line, a version other than HTTP/1.0 or
 * 1.1, a header line without ':', two Authorization headers, a body
 * (Content-Length other than 0, Transfer-Encoding), a NUL or control
 * byte, a CR that does not end a line.  Lines end with CRLF or LF.
 */
ssize_t tfa_serve_parse(struct tfa_serve_request *out, const char *buf, size_t len);

/* Whether a (n bytes) equals the NUL-terminated token, in time that
 * depends only on n and the token's length. */
int tfa_serve_token_equal(const char *a, size_t n, const char *token);

/*
 * The status for a parsed request: 200 for GET of TFA_SERVE_PATH (a
 * query string is ignored) with the exact token, else
 * 401 (no or a wrong Authorization: checked first, so that nothing is
 * learnt without the token), 405 (another method), 404 (another path).
 * *why (may be NULL) gets a short reason for the log.
 */
int tfa_serve_status(const struct tfa_serve_request *rq, const char *token,
		     const char **why);

/* Append a whole HTTP/1.1 response with a JSON body to out. */
void tfa_serve_response(struct tfa_buf *out, int status, const char *body, size_t n,
			int keep_alive);
/* Append {"code":CODE,"message":MSG} (msg escaped; may be NULL). */
void tfa_serve_error_body(struct tfa_buf *out, const char *code, const char *msg);
/*
 * Append the container-credentials JSON of c (pass a secret buffer):
 * Expiration is c's, or now + TFA_SERVE_STATIC_LIFETIME when c does not
 * expire; Token is "" without a session token; AccountId when known.
 * TFA_EINVAL when c lacks a key id or secret.
 */
int tfa_serve_creds_body(struct tfa_buf *out, const struct tfa_creds *c, time_t now);

/*
 * The shared config file the child sees: one [default] profile with
 * profile's settings less every way to credentials (keys, roles,
 * source_profile, credential_source, credential_process, web identity,
 * SSO, MFA, login sessions: every aws_* and sso_* key and the role keys),
 * so region, endpoints, retries, s3 and the rest stay; plus the
 * [services NAME] section it names; every value reads back as itself (a
 * value that needed quotes in the user's file gets them here too).
 * Appended to out.
 */
void tfa_serve_config_view(struct tfa_buf *out, const struct tfa_config *cfg,
			   const char *profile);
/* Whether key (lower-case) is one the view leaves out. */
int tfa_serve_credential_key(const char *key);

/*
 * TFAUTH_SERVE: unset, "", 0, false, no, off: *out = 0; 1, true, yes, on
 * (any case): 1; else TFA_EINVAL naming the variable.
 */
int tfa_serve_setting(int *out, const struct tfa_ctx *ctx, struct tfa_err *err);

/* ---- the server ------------------------------------------------------ */

typedef void tfa_serve_log(const char *line, void *data);

struct tfa_serve_opts {
	const struct tfa_ctx *ctx;      /* copied: the environment refreshes run with */
	const struct tfa_config *cfg;   /* borrowed: must outlive the server */
	const char *profile;            /* copied */
	const char *region;             /* the profile's region or NULL (copied) */
	const char *refresh_path;       /* tfauth-refresh (a path, or a name for PATH) */
	int quiet;                      /* log no refresh, only refusals and failures */
	tfa_serve_log *log;             /* one line, no program name, no '\n'; any thread */
	void *log_data;
};

struct tfa_serve;

/*
 * Make the private folder (under TMPDIR, else /tmp), the token and the
 * files, bind, and start the thread.  *out is written only on success;
 * TFA_EIO with the reason otherwise (nothing is left behind).
 */
int tfa_serve_start(struct tfa_serve **out, const struct tfa_serve_opts *o,
		    struct tfa_err *err);

/*
 * Point env (the child's environment, prepared by tfa_run_child_env
 * without credentials) at the server:
 *   - AWS_CONTAINER_CREDENTIALS_FULL_URI and
 *     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE set;
 *   - removed: AWS_PROFILE, AWS_DEFAULT_PROFILE, the keys
 *     (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ACCESS_KEY,
 *     AWS_SECRET_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN,
 *     AWS_CREDENTIAL_EXPIRATION), web identity (AWS_WEB_IDENTITY_TOKEN_FILE,
 *     AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME),
 *     AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (it beats FULL_URI) and
 *     AWS_CONTAINER_AUTHORIZATION_TOKEN;
 *   - AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE set to the view
 *     (tfa_serve_config_view) and an empty file;
 *   - AWS_REGION and AWS_DEFAULT_REGION set to the profile's region when
 *     neither is set.
 */
void tfa_serve_child_env(struct tfa_ctx *env, const struct tfa_serve *s);

const char *tfa_serve_url(const struct tfa_serve *s);
const char *tfa_serve_token_file(const struct tfa_serve *s);

/* Stop the thread (a refresh under way is ended with SIGTERM), close
 * every connection, remove the files and the folder, wipe the token,
 * free.  NULL is ignored. */
void tfa_serve_stop(struct tfa_serve *s);

#endif
