/* imds — see imds.h. */
#include "imds.h"
#include "buf.h"
#include "http.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROLE_LIST_PATH "/latest/meta-data/iam/security-credentials/"
#define TOKEN_PATH "/latest/api/token"
/* An AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE larger than this is not a token. */
#define TOKEN_FILE_CAP ((size_t)64 << 10)
/* IAM role names: [\w+=,.@-]{1,64}. */
#define ROLE_NAME_MAX 64

#define ENV_RELATIVE "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
#define ENV_FULL "AWS_CONTAINER_CREDENTIALS_FULL_URI"
#define ENV_TOKEN_FILE "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
#define ENV_TOKEN "AWS_CONTAINER_AUTHORIZATION_TOKEN"

/* botocore ContainerMetadataFetcher._ALLOWED_HOSTS, in its order. */
#define ALLOWED_HOSTS "169.254.170.2, localhost, 169.254.170.23, fd00:ec2::23"

/* ----------------------------------------------------------- small helpers */

/* botocore and go-v2 switch on only for "true", in any case. */
static int
env_true(const struct tfa_ctx *ctx, const char *name)
{
	const char *v = tfa_ctx_getenv(ctx, name);

	return v && strcasecmp(v, "true") == 0;
}


/*
 * Copy s into out for a message: at most outsz - 1 bytes, anything that is
 * not printable ASCII as '?' (a reply may hold terminal escapes).
 */
static void
printable(char *out, size_t outsz, const char *s, size_t n)
{
	size_t i;

	if (!outsz)
		return;
	for (i = 0; i < n && i + 1 < outsz; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

/* "PREFIX: <the message err holds>", keeping code, status and AWS code. */
static void
err_prefix(struct tfa_err *err, const char *prefix)
{
	struct tfa_buf b = TFA_BUF_INIT;
	struct tfa_err was = *err;

	tfa_buf_addf(&b, "%s: %s", prefix, was.msg);
	/* A message over the 512 bytes of err->msg is cut: safe, and rare. */
	tfa_err_set(err, was.code, "%s", b.ptr);
	err->sys_errno = was.sys_errno;
	err->http_status = was.http_status;
	memcpy(err->aws_code, was.aws_code, sizeof(err->aws_code));
	memcpy(err->request_id, was.request_id, sizeof(err->request_id));
	memcpy(err->hint, was.hint, sizeof(err->hint));
	tfa_buf_dispose(&b);
}

/*
 * A private context for the metadata calls: the caller's environment with
 * TFAUTH_HTTP_TIMEOUT and AWS_MAX_ATTEMPTS set to the metadata values, so
 * that tfa_http_send makes a transport with those limits (http.c reads them
 * once, when it makes one).  A transport the caller installed itself (a
 * test's) is shared, not replaced.  Dispose with tfa_ctx_dispose: it frees
 * the transport only when it made it.
 */
static void
meta_ctx_init(struct tfa_ctx *priv, const struct tfa_ctx *ctx, long timeout_s,
	      long attempts)
{
	char **envp = tfa_xcalloc(ctx->nenv + 1, sizeof(*envp));
	char num[24];
	long budget = timeout_s * attempts;
	int n;

	if (ctx->nenv)
		memcpy(envp, ctx->env, ctx->nenv * sizeof(*envp));
	tfa_ctx_init(priv, envp);
	free(envp);
	priv->clock = ctx->clock;
	priv->clock_data = ctx->clock_data;
	/*
	 * http.c's timeout bounds a whole call, every attempt included; the
	 * SDKs' metadata timeout is per attempt.  http.c caps it at 3600.
	 */
	if (budget > 3600)
		budget = 3600;
	n = snprintf(num, sizeof(num), "%ld", budget);
	if (n > 0 && (size_t)n < sizeof(num))
		tfa_ctx_setenv(priv, "TFAUTH_HTTP_TIMEOUT", num);
	n = snprintf(num, sizeof(num), "%ld", attempts);
	if (n > 0 && (size_t)n < sizeof(num))
		tfa_ctx_setenv(priv, "AWS_MAX_ATTEMPTS", num);
	if (ctx->transport && !ctx->owns_transport)
		priv->transport = ctx->transport;
}

/* Wipe every string of a parsed document before jansson frees it. */
static void
json_wipe(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j)) {
		/* jansson's own copy: writable memory behind a const pointer */
		tfa_wipe((char *)json_string_value(j), json_string_length(j));
	} else if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			json_wipe(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			json_wipe(v);
	}
}

/*
 * A string member of a JSON object: *out is NULL when it is absent, null
 * or empty; TFA_EINVAL when it is there with another type.
 */
static int
json_str(const char **out, json_t *obj, const char *name, const char *what,
	 struct tfa_err *err)
{
	json_t *v = json_object_get(obj, name);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		tfa_err_set(err, TFA_EINVAL,
			    "field '%s' of the credentials from %s is not a string",
			    name, what);
		return TFA_EINVAL;
	}
	if (json_string_length(v) && !memchr(json_string_value(v), '\0',
					     json_string_length(v)))
		*out = json_string_value(v);
	return 0;
}

/*
 * The credentials document both services send: {"AccessKeyId",
 * "SecretAccessKey", "Token", "Expiration"} required, "Code" (IMDS) must be
 * "Success" when present, "AccountId" taken when present.  what names the
 * source in messages: "EC2 IMDS role 'R'".
 */
static int
parse_creds(struct tfa_creds *out, const struct tfa_buf *body,
	    const char *what, struct tfa_err *err)
{
	static const char *const required[] = {
		"AccessKeyId", "SecretAccessKey", "Token", "Expiration",
	};
	const char *val[4], *code, *msg, *account;
	char shown_code[65], shown_msg[201], shown_exp[41];
	struct tfa_creds c;
	json_error_t jerr;
	json_t *root;
	time_t exp;
	size_t i;
	int rc = 0;

	tfa_creds_init(&c);
	/* jerr.text can quote the reply, a secret: only its position is shown. */
	root = json_loadb(body->ptr, body->len, 0, &jerr);
	if (!root) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "credentials from %s are not valid JSON "
				 "(line %d, column %d)",
				 what, jerr.line, jerr.column);
		tfa_err_hint(err, "something else answered: check the endpoint "
			     "settings and that no proxy intercepts the call "
			     "(NO_PROXY)");
		goto out;
	}
	if (!json_is_object(root)) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "credentials from %s are not a JSON object", what);
		tfa_err_hint(err, "something else answered: check the endpoint "
			     "settings and that no proxy intercepts the call "
			     "(NO_PROXY)");
		goto out;
	}
	if (json_object_get(root, "Code")) {
		if ((rc = json_str(&code, root, "Code", what, err)) < 0 ||
		    (rc = json_str(&msg, root, "Message", what, err)) < 0)
			goto out;
		if (!code || strcmp(code, "Success") != 0) {
			printable(shown_code, sizeof(shown_code),
				  code ? code : "", code ? strlen(code) : 0);
			printable(shown_msg, sizeof(shown_msg), msg ? msg : "",
				  msg ? strlen(msg) : 0);
			rc = tfa_err_set(err, TFA_EAWS,
					 "%s could not supply credentials: "
					 "Code '%s'%s%s",
					 what, shown_code, msg ? ": " : "",
					 shown_msg);
			memcpy(err->aws_code, shown_code,
			       sizeof(err->aws_code) - 1);
			tfa_err_hint(err, "the role's credentials are not ready "
				     "(a role just attached, or its trust policy "
				     "does not allow ec2.amazonaws.com): check "
				     "with 'aws iam get-role --role-name ROLE' "
				     "and try again in a minute");
			goto out;
		}
	}
	for (i = 0; i < 4; i++) {
		if ((rc = json_str(&val[i], root, required[i], what, err)) < 0)
			goto out;
		if (!val[i]) {
			/* botocore: "Retrieved credentials is missing required field" */
			rc = tfa_err_set(err, TFA_EINVAL,
					 "credentials from %s are missing "
					 "required field '%s'",
					 what, required[i]);
			tfa_err_hint(err, "something else answered: check the "
				     "endpoint settings and that no proxy "
				     "intercepts the call (NO_PROXY)");
			goto out;
		}
	}
	if (tfa_time_parse(&exp, val[3]) < 0) {
		printable(shown_exp, sizeof(shown_exp), val[3], strlen(val[3]));
		rc = tfa_err_set(err, TFA_EINVAL,
				 "credentials from %s have an Expiration that "
				 "is not an RFC 3339 time: '%s'",
				 what, shown_exp);
		goto out;
	}
	if ((rc = json_str(&account, root, "AccountId", what, err)) < 0)
		goto out;
	c.access_key_id = tfa_xstrdup(val[0]);
	c.secret_access_key = tfa_xstrdup(val[1]);
	c.session_token = tfa_xstrdup(val[2]);
	c.expiration = exp;
	if (account)
		c.account_id = tfa_xstrdup(account);
	*out = c;
	tfa_creds_init(&c);
out:
	tfa_creds_dispose(&c);
	if (root) {
		json_wipe(root);
		json_decref(root);
	}
	return rc;
}

/* ------------------------------------------------------------- container */

/* 1 when host (no brackets) is a loopback address, "localhost" or one of
 * the ECS/EKS addresses botocore allows over plain http. */
static int
container_host_allowed(const char *host)
{
	static const char *const v4[] = { "169.254.170.2", "169.254.170.23" };
	struct in_addr a4, b4;
	struct in6_addr a6, b6;
	size_t i;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1) {
		if ((ntohl(a4.s_addr) >> 24) == 127)
			return 1;
		for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
			if (inet_pton(AF_INET, v4[i], &b4) == 1 &&
			    a4.s_addr == b4.s_addr)
				return 1;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		if (memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0)
			return 1;
		return inet_pton(AF_INET6, "fd00:ec2::23", &b6) == 1 &&
		       memcmp(&a6, &b6, sizeof(a6)) == 0;
	}
	return 0;
}

/*
 * Check AWS_CONTAINER_CREDENTIALS_FULL_URI: an http(s) URL whose host is one
 * botocore allows.  The host is found the way curl finds it (after the last
 * '@' of the authority), and anything curl might read differently
 * (backslashes, spaces, control bytes) is refused outright.
 */
static int
check_full_uri(const char *url, struct tfa_err *err)
{
	char *shown = tfa_http_display_url(url);
	const char *p, *end, *at, *h, *hend, *s;
	char host[256];
	int https = 0, rc = 0;

	if (strncasecmp(url, "https://", 8) == 0) {
		https = 1;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "%s '%s' is not an http or https URL",
				 ENV_FULL, shown);
		tfa_err_hint(err, "set it to the credentials endpoint, e.g. "
			     "export %s=http://127.0.0.1:PORT/creds", ENV_FULL);
		goto out;
	}
	for (s = url; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '\\')
			break;
	end = p + strcspn(p, "/?#");
	at = memrchr(p, '@', (size_t)(end - p));
	h = at ? at + 1 : p;
	if (*s) {
		h = end; /* refused below, as a bad URL */
	} else if (*h == '[') {
		h++;
		hend = memchr(h, ']', (size_t)(end - h));
		if (!hend || (hend + 1 != end && hend[1] != ':'))
			h = hend = end;
	} else {
		hend = memchr(h, ':', (size_t)(end - h));
		if (!hend)
			hend = end;
	}
	if (h == end || hend == h || (size_t)(hend - h) >= sizeof(host)) {
		rc = tfa_err_set(err, TFA_EINVAL, "%s '%s' is not a usable URL",
				 ENV_FULL, shown);
		tfa_err_hint(err, "set it to the credentials endpoint, e.g. "
			     "export %s=http://127.0.0.1:PORT/creds", ENV_FULL);
		goto out;
	}
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	if (https || container_host_allowed(host))
		goto out;
	/* botocore ContainerMetadataFetcher._validate_allowed_url's words */
	rc = tfa_err_set(err, TFA_EINVAL,
			 "unsupported host '%s' in %s: can only retrieve metadata "
			 "from a loopback address or one of these hosts: %s",
			 host, ENV_FULL, ALLOWED_HOSTS);
	tfa_err_hint(err, "use an https URL, or a loopback address; on ECS set "
		     "%s instead (the agent does)", ENV_RELATIVE);
out:
	free(shown);
	return rc;
}

/* The raw contents of the token file, into a secret buffer. */
static int
read_token_file(struct tfa_buf *out, const char *path, struct tfa_err *err)
{
	struct stat st;
	char chunk[4096];
	ssize_t n;
	int fd, rc = 0;

	/* No O_NOFOLLOW: EKS mounts the token as a symlink (see imds.h). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = tfa_err_set(err, TFA_EIO, "cannot read %s '%s': %s",
				 ENV_TOKEN_FILE, path, strerror(errno));
		err->sys_errno = errno;
		tfa_err_hint(err, "check the path in %s (on EKS the Pod "
			     "Identity webhook sets it), or unset it",
			     ENV_TOKEN_FILE);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > TOKEN_FILE_CAP) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "%s '%s' is not a regular file of at most %zu KiB",
				 ENV_TOKEN_FILE, path, TOKEN_FILE_CAP >> 10);
		tfa_err_hint(err, "point %s at the file that holds the token",
			     ENV_TOKEN_FILE);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = tfa_err_set(err, TFA_EIO, "cannot read %s '%s': %s",
					 ENV_TOKEN_FILE, path, strerror(errno));
			err->sys_errno = errno;
			goto out;
		}
		if (n == 0)
			break;
		if (tfa_buf_add(out, chunk, (size_t)n) < 0) {
			rc = tfa_err_set(err, TFA_ETOOBIG,
					 "%s '%s' is over %zu KiB",
					 ENV_TOKEN_FILE, path, TOKEN_FILE_CAP >> 10);
			goto out;
		}
	}
out:
	tfa_wipe(chunk, sizeof(chunk));
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * The Authorization value, if any: *have is 0 when neither variable is
 * set.  *from names its source for messages.
 */
static int
container_token(struct tfa_buf *out, int *have, const char **from,
		const struct tfa_ctx *ctx, struct tfa_err *err)
{
	const char *file = tfa_ctx_getenv_nonempty(ctx, ENV_TOKEN_FILE);
	const char *v = tfa_ctx_getenv_nonempty(ctx, ENV_TOKEN);
	int rc = 0;

	*have = 0;
	*from = NULL;
	if (file) {
		*from = ENV_TOKEN_FILE;
		if ((rc = read_token_file(out, file, err)) < 0)
			goto out;
	} else if (v) {
		*from = ENV_TOKEN;
		tfa_buf_adds(out, v);
	} else {
		goto out;
	}
	*have = 1;
	if (memchr(out->ptr, '\r', out->len) ||
	    memchr(out->ptr, '\n', out->len) ||
	    memchr(out->ptr, '\0', out->len)) {
		/* botocore: "Auth token value is not a legal header value" */
		rc = tfa_err_set(err, TFA_EINVAL,
				 "auth token value is not a legal header value: "
				 "the token from %s holds a line break",
				 *from);
		if (file)
			tfa_err_hint(err, "write the token without a trailing "
				     "newline: printf '%%s' \"$TOKEN\" > '%s'",
				     file);
		else
			tfa_err_hint(err, "set it without a newline: export "
				     "%s=\"$(printf '%%s' \"$TOKEN\")\"",
				     ENV_TOKEN);
	}
out:
	return rc;
}

/*
 * A non-200 reply from the container endpoint, in botocore's words, with the
 * reply's own "code"/"message" when it is a JSON object that has them and
 * they do not quote the token.
 */
static int
container_status_err(struct tfa_err *err, const char *shown,
		     const struct tfa_http_response *resp, const char *var,
		     const char *token_from, const struct tfa_buf *token)
{
	char detail[260] = "", code[64] = "", msg[201] = "";
	const char *c = NULL, *m = NULL;
	json_error_t jerr;
	json_t *root = json_loadb(resp->body.ptr, resp->body.len, 0, &jerr);
	int n;

	if (root && json_is_object(root)) {
		c = json_string_value(json_object_get(root, "code"));
		if (!c)
			c = json_string_value(json_object_get(root, "Code"));
		m = json_string_value(json_object_get(root, "message"));
		if (!m)
			m = json_string_value(json_object_get(root, "Message"));
		if (token->len && ((c && strstr(c, token->ptr)) ||
				   (m && strstr(m, token->ptr))))
			c = m = NULL;
		if (c)
			printable(code, sizeof(code), c, strlen(c));
		if (m)
			printable(msg, sizeof(msg), m, strlen(m));
		n = snprintf(detail, sizeof(detail), "%s%s%s%s",
			     c || m ? ": " : "", code, c && m ? ": " : "", msg);
		if (n < 0 || (size_t)n >= sizeof(detail))
			detail[0] = '\0'; /* cannot happen: the parts fit */
	}
	if (root) {
		json_wipe(root);
		json_decref(root);
	}
	tfa_err_set(err, TFA_EAWS,
		    "received non 200 response %ld from container metadata "
		    "at '%s'%s", resp->status, shown, detail);
	err->http_status = (int)resp->status;
	memcpy(err->aws_code, code, sizeof(err->aws_code));
	if ((resp->status == 401 || resp->status == 403) && token_from)
		tfa_err_hint(err, "the endpoint refused the authorization token "
			     "from %s: check that it is the current one",
			     token_from);
	else if (resp->status == 401 || resp->status == 403)
		tfa_err_hint(err, "the endpoint wants an authorization token: set "
			     "%s (or %s)", ENV_TOKEN_FILE, ENV_TOKEN);
	else if (tfa_http_retryable(resp))
		tfa_err_hint(err, "the credentials endpoint is busy or failing; "
			     "try again in a minute");
	else if (resp->status == 404 && strcmp(var, ENV_RELATIVE) == 0)
		tfa_err_hint(err, "check %s; on ECS the task needs a task role "
			     "(taskRoleArn in the task definition)", var);
	else
		tfa_err_hint(err, "check %s", var);
	return TFA_EAWS;
}

int
tfa_container_credentials(struct tfa_creds *out, struct tfa_ctx *ctx,
			  struct tfa_err *err)
{
	const char *rel = tfa_ctx_getenv_nonempty(ctx, ENV_RELATIVE);
	const char *full = tfa_ctx_getenv_nonempty(ctx, ENV_FULL);
	const char *var = rel ? ENV_RELATIVE : ENV_FULL, *token_from = NULL;
	struct tfa_buf url = TFA_BUF_INIT, token, what = TFA_BUF_INIT;
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_ctx priv;
	char *shown = NULL;
	int rc, have_token = 0, have_priv = 0;

	tfa_err_clear(err);
	tfa_buf_init_secret(&token, TOKEN_FILE_CAP);
	tfa_http_request_init(&req, "GET", "");
	tfa_http_response_init(&resp);
	if (!rel && !full) {
		rc = tfa_err_set(err, TFA_ENOTFOUND,
				 "no container credentials: neither %s nor %s is set",
				 ENV_RELATIVE, ENV_FULL);
		tfa_err_hint(err, "ECS sets %s for a task with a task role, EKS "
			     "Pod Identity sets %s; outside them use a profile "
			     "(aws configure)", ENV_RELATIVE, ENV_FULL);
		goto out;
	}
	if (rel) {
		/* botocore pastes it after the host: it must be a path. */
		if (rel[0] != '/') {
			rc = tfa_err_set(err, TFA_EINVAL,
					 "%s does not start with '/'", ENV_RELATIVE);
			tfa_err_hint(err, "it is a path on %s, e.g. "
				     "/v2/credentials/ID; ECS sets it for you",
				     TFA_CONTAINER_HOST);
			goto out;
		}
		tfa_buf_adds(&url, TFA_CONTAINER_HOST);
		tfa_buf_adds(&url, rel);
	} else {
		if ((rc = check_full_uri(full, err)) < 0)
			goto out;
		tfa_buf_adds(&url, full);
	}
	if ((rc = container_token(&token, &have_token, &token_from, ctx,
				  err)) < 0)
		goto out;
	shown = tfa_http_display_url(url.ptr);
	tfa_http_request_dispose(&req);
	tfa_http_request_init(&req, "GET", url.ptr);
	tfa_http_request_add_header(&req, "Accept", "application/json");
	if (have_token)
		tfa_http_request_add_header(&req, "Authorization", token.ptr);
	meta_ctx_init(&priv, ctx, TFA_CONTAINER_TIMEOUT, TFA_CONTAINER_ATTEMPTS);
	have_priv = 1;
	rc = tfa_http_send(&priv, &req, &resp, err);
	if (rc == TFA_ENET || rc == TFA_ETOOBIG) {
		err_prefix(err, "cannot get container credentials");
		tfa_err_hint(err, "check that the credentials endpoint in %s is "
			     "up and reachable (and not behind a proxy: "
			     "NO_PROXY)", var);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (resp.status != 200) {
		rc = container_status_err(err, shown, &resp, var, token_from,
					  &token);
		goto out;
	}
	tfa_buf_addf(&what, "container metadata at '%s'", shown);
	rc = parse_creds(out, &resp.body, what.ptr, err);
out:
	if (have_priv)
		tfa_ctx_dispose(&priv);
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	tfa_buf_dispose(&token);
	tfa_buf_dispose(&url);
	tfa_buf_dispose(&what);
	free(shown);
	return rc;
}

/* ------------------------------------------------------------------- IMDS */

/* BASE: AWS_EC2_METADATA_SERVICE_ENDPOINT, else by the endpoint mode. */
static int
imds_base(struct tfa_buf *out, const struct tfa_ctx *ctx, struct tfa_err *err)
{
	const char *v, *mode;
	char *shown;
	size_t skip;
	int rc = 0;

	v = tfa_ctx_getenv_nonempty(ctx, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	mode = tfa_ctx_getenv_nonempty(ctx,
				       "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	if (v) {
		if (strncasecmp(v, "http://", 7) == 0)
			skip = 7;
		else if (strncasecmp(v, "https://", 8) == 0)
			skip = 8;
		else
			skip = 0;
		if (!skip || !v[skip] || strchr("/?#", v[skip]) ||
		    v[strcspn(v, " \t\r\n\\")]) {
			shown = tfa_http_display_url(v);
			rc = tfa_err_set(err, TFA_EINVAL,
					 "bad value '%s' for "
					 "AWS_EC2_METADATA_SERVICE_ENDPOINT: "
					 "expected an http or https URL",
					 shown);
			tfa_err_hint(err, "set it like %s, or unset it to use "
				     "the default", TFA_IMDS_IPV4);
			free(shown);
			goto out;
		}
		tfa_buf_adds(out, v);
		while (out->len > skip && out->ptr[out->len - 1] == '/')
			tfa_buf_setlen(out, out->len - 1);
	} else if (!mode || strcasecmp(mode, "IPv4") == 0) {
		tfa_buf_adds(out, TFA_IMDS_IPV4);
	} else if (strcasecmp(mode, "IPv6") == 0) {
		tfa_buf_adds(out, TFA_IMDS_IPV6);
	} else {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "bad value '%s' for "
				 "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "
				 "expected IPv4 or IPv6", mode);
		tfa_err_hint(err, "unset AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE "
			     "to use IPv4");
	}
out:
	return rc;
}

/* The hint for an IMDS that could not be reached, or answered oddly. */
static void
hint_off_ec2(struct tfa_err *err, int timed)
{
	tfa_err_hint(err, "not on EC2? set AWS_EC2_METADATA_DISABLED=true to "
		     "skip IMDS and configure credentials (aws configure)%s",
		     timed ? "; on EC2, AWS_METADATA_SERVICE_TIMEOUT sets the "
			     "limit in seconds"
			   : "");
}

/* A GET that IMDS answered with another status than 200. */
static int
imds_status_err(struct tfa_err *err, const struct tfa_http_request *req,
		const struct tfa_http_response *resp, const char *prefix)
{
	tfa_http_status_err(err, req, resp);
	err_prefix(err, prefix);
	if (resp->status == 403)
		tfa_err_hint(err, "on EC2, turn the metadata endpoint on (aws ec2 "
			     "modify-instance-metadata-options --instance-id ID "
			     "--http-endpoint enabled) and keep proxies out of "
			     "the way (NO_PROXY=169.254.169.254); off EC2, set "
			     "AWS_EC2_METADATA_DISABLED=true and configure "
			     "credentials (aws configure)");
	else if (tfa_http_retryable(resp))
		tfa_err_hint(err, "IMDS is busy or failing; try again in a minute "
			     "(AWS_METADATA_SERVICE_NUM_ATTEMPTS sets how many "
			     "times tfauth tries)");
	else
		hint_off_ec2(err, 0);
	return TFA_EAWS;
}

/*
 * Step 1, the IMDSv2 session token: out gets it, or stays empty for the
 * IMDSv1 fallback.
 */
static int
imds_token(struct tfa_buf *out, struct tfa_ctx *priv, const char *base,
	   int v1_disabled, struct tfa_err *err)
{
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_buf url = TFA_BUF_INIT;
	char *shown = NULL;
	size_t n;
	int rc;

	tfa_buf_adds(&url, base);
	tfa_buf_adds(&url, TOKEN_PATH);
	shown = tfa_http_display_url(url.ptr);
	tfa_http_request_init(&req, "PUT", url.ptr);
	tfa_http_request_add_header(&req, "X-aws-ec2-metadata-token-ttl-seconds",
				    TFA_IMDS_TOKEN_TTL);
	tfa_http_response_init(&resp);
	rc = tfa_http_send(priv, &req, &resp, err);
	if (rc < 0 && rc != TFA_ENET)
		goto out;
	if (rc == 0 && resp.status == 200) {
		n = resp.body.len;
		while (n && isspace((unsigned char)resp.body.ptr[n - 1]))
			n--;
		if (n) {
			tfa_buf_add(out, resp.body.ptr, n);
			goto out;
		}
	}
	if (rc == 0 && resp.status == 400) {
		/* botocore stops here (BadIMDSRequestError) */
		rc = tfa_err_set(err, TFA_EAWS,
				 "IMDS refused the token request: '%s' "
				 "answered HTTP 400", shown);
		err->http_status = 400;
		tfa_err_hint(err, "check AWS_EC2_METADATA_SERVICE_ENDPOINT and "
			     "that no proxy rewrites the request (NO_PROXY)");
		goto out;
	}
	if (v1_disabled) {
		if (rc == 0) {
			tfa_http_status_err(err, &req, &resp);
			rc = TFA_EAWS;
		}
		/* botocore's words */
		err_prefix(err, "unable to retrieve token for use in IMDSv2 "
			   "call and IMDSv1 has been disabled");
		tfa_err_hint(err, "on EC2, check the instance's metadata options "
			     "(aws ec2 describe-instances --instance-ids ID "
			     "--query 'Reservations[].Instances[].MetadataOptions'); "
			     "in a container, allow 2 hops (aws ec2 "
			     "modify-instance-metadata-options --instance-id ID "
			     "--http-put-response-hop-limit 2)");
		goto out;
	}
	/* 403/404/405, no reply, anything else: IMDSv1, as botocore does. */
	tfa_err_clear(err);
	rc = 0;
out:
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	tfa_buf_dispose(&url);
	free(shown);
	return rc;
}

/* One GET with the session token, if there is one. */
static int
imds_get(struct tfa_http_response *resp, struct tfa_http_request *req,
	 struct tfa_ctx *priv, const char *url, const struct tfa_buf *token,
	 struct tfa_err *err)
{
	tfa_http_request_init(req, "GET", url);
	if (token->len)
		tfa_http_request_add_header(req, "X-aws-ec2-metadata-token",
					    token->ptr);
	return tfa_http_send(priv, req, resp, err);
}

static int
valid_role_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > ROLE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_+=,.@-", s[i]))
			return 0;
	return 1;
}

/* Step 2: the instance's role name (the first non-empty line). */
static int
imds_role(struct tfa_buf *out, struct tfa_ctx *priv, const char *base,
	  const struct tfa_buf *token, struct tfa_err *err)
{
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_buf url = TFA_BUF_INIT;
	const char *p, *end, *eol, *s = NULL, *e = NULL;
	char *shown = NULL;
	int rc, found = 0;

	tfa_buf_adds(&url, base);
	tfa_buf_adds(&url, ROLE_LIST_PATH);
	shown = tfa_http_display_url(url.ptr);
	tfa_http_response_init(&resp);
	rc = imds_get(&resp, &req, priv, url.ptr, token, err);
	if (rc == TFA_ENET || rc == TFA_ETOOBIG) {
		/* go-v2: "no EC2 IMDS role found, <the GetMetadata error>" */
		err_prefix(err, "no EC2 IMDS role found");
		hint_off_ec2(err, 1);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (resp.status == 404) {
		rc = tfa_err_set(err, TFA_ENOTFOUND,
				 "no EC2 IMDS role found: '%s' answered HTTP 404",
				 shown);
		err->http_status = 404;
		tfa_err_hint(err, "attach an IAM role to the instance (aws ec2 "
			     "associate-iam-instance-profile --instance-id ID "
			     "--iam-instance-profile Name=PROFILE), or use a "
			     "profile instead (aws configure)");
		goto out;
	}
	if (resp.status == 401 && token->len) {
		rc = tfa_err_set(err, TFA_EAWS,
				 "IMDS refused its own session token: '%s' "
				 "answered HTTP 401", shown);
		err->http_status = 401;
		tfa_err_hint(err, "check that AWS_EC2_METADATA_SERVICE_ENDPOINT "
			     "names one IMDS and no proxy stands in between "
			     "(NO_PROXY)");
		goto out;
	}
	if (resp.status != 200) {
		rc = imds_status_err(err, &req, &resp, "no EC2 IMDS role found");
		goto out;
	}
	/* go-v2 and botocore take the first role the list names. */
	for (p = resp.body.ptr, end = p + resp.body.len; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		for (s = p, e = eol; s < e && isspace((unsigned char)*s); s++)
			;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			found = 1;
			break;
		}
	}
	if (!found) {
		rc = tfa_err_set(err, TFA_ENOTFOUND,
				 "no EC2 IMDS role found: the role list from '%s' "
				 "is empty", shown);
		tfa_err_hint(err, "attach an IAM role to the instance (aws ec2 "
			     "associate-iam-instance-profile --instance-id ID "
			     "--iam-instance-profile Name=PROFILE)");
		goto out;
	}
	if (!valid_role_name(s, (size_t)(e - s))) {
		rc = tfa_err_set(err, TFA_EINVAL,
				 "the role list from '%s' does not start with a "
				 "valid IAM role name", shown);
		tfa_err_hint(err, "something else answered: check "
			     "AWS_EC2_METADATA_SERVICE_ENDPOINT and that no proxy "
			     "intercepts the call (NO_PROXY)");
		goto out;
	}
	tfa_buf_add(out, s, (size_t)(e - s));
out:
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	tfa_buf_dispose(&url);
	free(shown);
	return rc;
}

/* Step 3: the role's credentials. */
static int
imds_role_creds(struct tfa_creds *out, struct tfa_ctx *priv, const char *base,
		const struct tfa_buf *token, const char *role,
		struct tfa_err *err)
{
	struct tfa_http_request req;
	struct tfa_http_response resp;
	struct tfa_buf url = TFA_BUF_INIT, what = TFA_BUF_INIT;
	int rc;

	tfa_buf_addf(&url, "%s%s%s", base, ROLE_LIST_PATH, role);
	tfa_buf_addf(&what, "EC2 IMDS role '%s'", role);
	tfa_http_response_init(&resp);
	rc = imds_get(&resp, &req, priv, url.ptr, token, err);
	if (rc == TFA_ENET || rc == TFA_ETOOBIG) {
		err_prefix(err, "cannot get the credentials of EC2 IMDS role");
		hint_off_ec2(err, 1);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (resp.status != 200) {
		rc = imds_status_err(err, &req, &resp,
				     "cannot get the credentials of EC2 IMDS role");
		if (resp.status == 404)
			tfa_err_hint(err, "the instance's role changed or is "
				     "being attached: try again in a minute");
		goto out;
	}
	rc = parse_creds(out, &resp.body, what.ptr, err);
out:
	tfa_http_response_dispose(&resp);
	tfa_http_request_dispose(&req);
	tfa_buf_dispose(&url);
	tfa_buf_dispose(&what);
	return rc;
}

int
tfa_imds_credentials(struct tfa_creds *out, struct tfa_ctx *ctx,
		     struct tfa_err *err)
{
	struct tfa_buf base = TFA_BUF_INIT, token, role = TFA_BUF_INIT;
	struct tfa_ctx priv;
	long timeout_s, attempts;
	int rc, have_priv = 0;

	tfa_err_clear(err);
	tfa_buf_init_secret(&token, 0);
	if (env_true(ctx, "AWS_EC2_METADATA_DISABLED")) {
		/* go-v2: "access disabled to EC2 IMDS via client option, or
		 * \"AWS_EC2_METADATA_DISABLED\" environment variable" */
		rc = tfa_err_set(err, TFA_ENOTFOUND,
				 "access disabled to EC2 IMDS: "
				 "AWS_EC2_METADATA_DISABLED is '%s'",
				 tfa_ctx_getenv(ctx, "AWS_EC2_METADATA_DISABLED"));
		tfa_err_hint(err, "unset AWS_EC2_METADATA_DISABLED to use the "
			     "instance's IAM role (Terraform: "
			     "skip_metadata_api_check)");
		goto out;
	}
	if ((rc = tfa_ctx_getenv_long(ctx, "AWS_METADATA_SERVICE_TIMEOUT", 1, 1, 3600,
			   "whole seconds", &timeout_s, err)) < 0 ||
	    (rc = tfa_ctx_getenv_long(ctx, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, 1, 100,
			   "a whole number", &attempts, err)) < 0 ||
	    (rc = imds_base(&base, ctx, err)) < 0)
		goto out;
	meta_ctx_init(&priv, ctx, timeout_s, attempts);
	have_priv = 1;
	if ((rc = imds_token(&token, &priv, base.ptr,
			     env_true(ctx, "AWS_EC2_METADATA_V1_DISABLED"),
			     err)) < 0 ||
	    (rc = imds_role(&role, &priv, base.ptr, &token, err)) < 0)
		goto out;
	rc = imds_role_creds(out, &priv, base.ptr, &token, role.ptr, err);
out:
	if (have_priv)
		tfa_ctx_dispose(&priv);
	tfa_buf_dispose(&base);
	tfa_buf_dispose(&token);
	tfa_buf_dispose(&role);
	return rc;
}
