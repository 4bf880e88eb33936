/*
 * test_imds — lib/imds against a canned transport: the exact requests of
 * the container provider and of IMDSv2 (method, URL, headers), the IMDSv1
 * fallback, the environment switches, the FULL_URI host allow-list, and
 * replies that are broken on purpose.  No message may quote a secret.
 */
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "http.h"
#include "imds.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#define AKID "ASIAIMDSEXAMPLE12345"
#define SECRET "SECRETfromIMDS+/0123456789abcdefghijklmnop"
#define TOKEN "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN+/=="
#define SESSION "AQAEAIMDSv2SESSIONTOKENxyz=="
#define EXP "2026-01-02T03:04:05Z"
#define EXP_T ((time_t)1767323045)
#define AUTH "Bearer eks-pod-identity-JWT.abc.def"

#define CREDS_JSON                                                           \
	"{\"Code\":\"Success\",\"LastUpdated\":\"2026-01-01T21:00:00Z\","    \
	"\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"" AKID "\","                \
	"\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN "\","        \
	"\"Expiration\":\"" EXP "\"}"
#define ECS_JSON                                                             \
	"{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SECRET "\","  \
	"\"Token\":\"" TOKEN "\",\"Expiration\":\"" EXP "\","                \
	"\"AccountId\":\"123456789012\","                                    \
	"\"RoleArn\":\"arn:aws:iam::123456789012:role/task\"}"

#define V4 "http://169.254.169.254"
#define LIST_URL V4 "/latest/meta-data/iam/security-credentials/"

/* ------------------------------------------------------ canned transport */

struct reply {
	long status;
	const char *body;
	int fail; /* answer TFA_ENET, no reply */
};

#define MAXREQ 8

struct canned {
	struct tfa_transport base;
	struct reply replies[MAXREQ];
	int nreplies;
	int calls;
	struct tfa_http_request reqs[MAXREQ]; /* deep copies, in order */
};

static int
canned_send(struct tfa_transport *t, const struct tfa_http_request *req,
	    struct tfa_http_response *resp, struct tfa_err *err)
{
	struct canned *c = (struct canned *)t;
	const struct reply *r;
	size_t i;
	int k = c->calls++;

	if (k >= MAXREQ || k >= c->nreplies)
		return tfa_err_set(err, TFA_ENET, "canned: no reply left");
	tfa_http_request_init(&c->reqs[k], req->method, req->url);
	for (i = 0; i < req->nheaders; i++)
		tfa_http_request_add_header(&c->reqs[k], req->headers[i].name,
					    req->headers[i].value);
	r = &c->replies[k];
	if (r->fail)
		return tfa_err_set(err, TFA_ENET,
				   "no reply from '%s' within 1 s", req->url);
	resp->status = r->status;
	tfa_buf_adds(&resp->body, r->body);
	return 0;
}

static void
canned_free(struct tfa_transport *t)
{
	(void)t;
}

static time_t
fixed_clock(void *data)
{
	(void)data;
	return (time_t)1767300000;
}

static struct canned C;
static struct tfa_ctx CTX;
static struct tfa_err ERR;
static struct tfa_creds CR;

static void
clear_canned(void)
{
	int i;

	for (i = 0; i < MAXREQ && i < C.calls; i++)
		tfa_http_request_dispose(&C.reqs[i]);
	memset(&C, 0, sizeof(C));
}

/* Start a test: a fresh context (no AWS variables) and these replies. */
static void
setup(int n, ...)
{
	static char *const env[] = { "HOME=/nonexistent", NULL };
	va_list ap;
	int i;

	clear_canned();
	C.base.send = canned_send;
	C.base.free = canned_free;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		C.replies[i] = va_arg(ap, struct reply);
	va_end(ap);
	C.nreplies = n;
	tfa_ctx_dispose(&CTX);
	tfa_ctx_init(&CTX, env);
	CTX.clock = fixed_clock;
	CTX.transport = &C.base;
	tfa_creds_dispose(&CR);
	tfa_err_clear(&ERR);
}

static struct reply
R(long status, const char *body)
{
	struct reply r = { status, body, 0 };
	return r;
}

static struct reply
FAIL(void)
{
	struct reply r = { 0, "", 1 };
	return r;
}

static const char *
hdr(int k, const char *name)
{
	return k < C.calls ? tfa_http_request_header(&C.reqs[k], name) : NULL;
}

static const char *
url(int k)
{
	return k < C.calls ? C.reqs[k].url : NULL;
}

static const char *
method(int k)
{
	return k < C.calls ? C.reqs[k].method : NULL;
}

static int
contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

/* No secret of the test in the error's message or hint. */
static int
no_secret(void)
{
	static const char *const s[] = { SECRET, TOKEN, SESSION, AUTH,
					 "SECRETfrom", "IQoJb3Jp", "eks-pod" };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (contains(ERR.msg, s[i]) || contains(ERR.hint, s[i]))
			return 0;
	return 1;
}

static int
imds(void)
{
	return tfa_imds_credentials(&CR, &CTX, &ERR);
}

static int
container(void)
{
	return tfa_container_credentials(&CR, &CTX, &ERR);
}

static void
check_creds(const char *what)
{
	is_str(CR.access_key_id, AKID, "%s: AccessKeyId", what);
	ok(CR.secret_access_key && strcmp(CR.secret_access_key, SECRET) == 0,
	   "%s: SecretAccessKey", what);
	ok(CR.session_token && strcmp(CR.session_token, TOKEN) == 0,
	   "%s: Token", what);
	is_int(CR.expiration, EXP_T, "%s: Expiration parsed", what);
}

/* ------------------------------------------------------------- IMDS tests */

static void
test_imds_v2(void)
{
	setup(3, R(200, SESSION), R(200, "ec2-role\n"), R(200, CREDS_JSON));
	is_int(imds(), 0, "IMDSv2: success");
	is_int(C.calls, 3, "IMDSv2: three requests");
	is_str(method(0), "PUT", "token: PUT");
	is_str(url(0), V4 "/latest/api/token", "token: URL");
	is_str(hdr(0, "X-aws-ec2-metadata-token-ttl-seconds"), "21600",
	       "token: TTL header 21600");
	ok(hdr(0, "X-aws-ec2-metadata-token") == NULL, "token: no token header");
	is_str(method(1), "GET", "role list: GET");
	is_str(url(1), LIST_URL, "role list: URL with its trailing '/'");
	ok(hdr(1, "X-aws-ec2-metadata-token") &&
		   strcmp(hdr(1, "X-aws-ec2-metadata-token"), SESSION) == 0,
	   "role list: X-aws-ec2-metadata-token is the session token");
	is_str(method(2), "GET", "credentials: GET");
	is_str(url(2), LIST_URL "ec2-role", "credentials: URL names the role");
	ok(hdr(2, "X-aws-ec2-metadata-token") &&
		   strcmp(hdr(2, "X-aws-ec2-metadata-token"), SESSION) == 0,
	   "credentials: token header");
	ok(hdr(2, "X-aws-ec2-metadata-token-ttl-seconds") == NULL,
	   "credentials: no TTL header");
	check_creds("IMDSv2");
	ok(CR.account_id == NULL, "IMDSv2: no account id in the document");

	/* A token with a trailing newline; several roles, CRLF, blank lines. */
	setup(3, R(200, SESSION "\n"), R(200, "\r\n  first-role \r\nsecond\r\n"),
	      R(200, CREDS_JSON));
	is_int(imds(), 0, "role list with blank lines and CRLF: success");
	is_str(url(2), LIST_URL "first-role", "the first role named is used");
	ok(hdr(1, "X-aws-ec2-metadata-token") &&
		   strcmp(hdr(1, "X-aws-ec2-metadata-token"), SESSION) == 0,
	   "token's trailing newline dropped");

	/* No Code at all is fine (the container document has none). */
	setup(3, R(200, SESSION), R(200, "r"),
	      R(200, "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SECRET
		     "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"2026-01-02T03:04:05.000+00:00\"}"));
	is_int(imds(), 0, "no Code, fractional seconds and +00:00: success");
	is_int(CR.expiration, EXP_T, "Expiration with offset parsed");
}

static void
test_imds_v1_fallback(void)
{
	static const long codes[] = { 403, 404, 405 };
	size_t i;

	for (i = 0; i < 3; i++) {
		setup(3, R(codes[i], ""), R(200, "ec2-role"), R(200, CREDS_JSON));
		is_int(imds(), 0, "token %ld: IMDSv1 fallback succeeds", codes[i]);
		is_int(C.calls, 3, "token %ld: three requests", codes[i]);
		is_str(method(1), "GET", "token %ld: then GET", codes[i]);
		ok(hdr(1, "X-aws-ec2-metadata-token") == NULL &&
			   hdr(2, "X-aws-ec2-metadata-token") == NULL,
		   "token %ld: IMDSv1 requests carry no token", codes[i]);
		check_creds("IMDSv1");
	}

	setup(3, FAIL(), R(200, "ec2-role"), R(200, CREDS_JSON));
	is_int(imds(), 0, "token request times out: IMDSv1 (a hop limit of 1)");
	ok(hdr(1, "X-aws-ec2-metadata-token") == NULL, "no reply: no token sent");

	setup(3, R(200, ""), R(200, "ec2-role"), R(200, CREDS_JSON));
	is_int(imds(), 0, "empty token: IMDSv1");

	setup(3, R(400, ""), R(200, "ec2-role"), R(200, CREDS_JSON));
	is_int(imds(), TFA_EAWS, "token 400: stops (botocore)");
	is_int(C.calls, 1, "token 400: no further request");
	ok(contains(ERR.msg, "HTTP 400") && ERR.hint[0], "token 400: message and hint");

	setup(3, R(403, ""), R(200, "ec2-role"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_V1_DISABLED", "true");
	is_int(imds(), TFA_EAWS, "v1 disabled, token 403: error");
	is_int(C.calls, 1, "v1 disabled: no IMDSv1 request");
	ok(contains(ERR.msg, "unable to retrieve token for use in IMDSv2 call and "
			     "IMDSv1 has been disabled"),
	   "v1 disabled: botocore's words");
	ok(contains(ERR.msg, "HTTP 403"), "v1 disabled: the status is named");
	is_int(ERR.http_status, 403, "v1 disabled: http_status");
	ok(contains(ERR.hint, "hop-limit"), "v1 disabled: hint names the hop limit");
	ok(CR.access_key_id == NULL, "v1 disabled: out untouched");

	setup(1, FAIL());
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_V1_DISABLED", "TRUE");
	is_int(imds(), TFA_ENET, "v1 disabled (TRUE), no reply: TFA_ENET");
	ok(contains(ERR.msg, "IMDSv1 has been disabled: no reply from"),
	   "v1 disabled, no reply: the cause follows");

	setup(3, R(403, ""), R(200, "ec2-role"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_V1_DISABLED", "yes");
	is_int(imds(), 0, "AWS_EC2_METADATA_V1_DISABLED=yes is not 'true': fallback");
}

static void
test_imds_env(void)
{
	static const char *const on[] = { "true", "TRUE", "True" };
	static const char *const off[] = { "false", "blah", "1", "" };
	size_t i;

	for (i = 0; i < 3; i++) {
		setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
		tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_DISABLED", on[i]);
		is_int(imds(), TFA_ENOTFOUND, "AWS_EC2_METADATA_DISABLED=%s: "
		       "TFA_ENOTFOUND", on[i]);
		is_int(C.calls, 0, "disabled (%s): no request", on[i]);
		ok(contains(ERR.msg, "disabled") &&
			   contains(ERR.msg, "AWS_EC2_METADATA_DISABLED") &&
			   contains(ERR.hint, "unset AWS_EC2_METADATA_DISABLED"),
		   "disabled (%s): message says so, hint says how", on[i]);
	}
	for (i = 0; i < 4; i++) {
		setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
		tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_DISABLED", off[i]);
		is_int(imds(), 0, "AWS_EC2_METADATA_DISABLED='%s' leaves IMDS on "
		       "(go-v2, botocore)", off[i]);
	}

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
	is_int(imds(), 0, "IPv6 mode: success");
	is_str(url(0), "http://[fd00:ec2::254]/latest/api/token", "IPv6 mode: token URL");
	is_str(url(2), "http://[fd00:ec2::254]/latest/meta-data/iam/"
		       "security-credentials/r", "IPv6 mode: credentials URL");

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv4");
	is_int(imds(), 0, "ipv4 (any case): success");
	is_str(url(0), V4 "/latest/api/token", "ipv4 mode: default address");

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		       "http://127.0.0.1:1338//");
	is_int(imds(), 0, "custom endpoint: success");
	is_str(url(0), "http://127.0.0.1:1338/latest/api/token",
	       "custom endpoint wins over the mode; trailing '/' dropped");

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5");
	is_int(imds(), TFA_EINVAL, "bad endpoint mode: TFA_EINVAL");
	ok(contains(ERR.msg, "'IPv5'") &&
		   contains(ERR.msg, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"),
	   "bad endpoint mode: names value and variable");
	is_int(C.calls, 0, "bad endpoint mode: no request");

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254");
	is_int(imds(), TFA_EINVAL, "endpoint without a scheme: TFA_EINVAL");
	ok(contains(ERR.msg, "AWS_EC2_METADATA_SERVICE_ENDPOINT"),
	   "bad endpoint: names the variable");

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_METADATA_SERVICE_TIMEOUT", "1.5");
	is_int(imds(), TFA_EINVAL, "AWS_METADATA_SERVICE_TIMEOUT=1.5: TFA_EINVAL");
	ok(contains(ERR.msg, "bad value '1.5' for AWS_METADATA_SERVICE_TIMEOUT"),
	   "bad timeout: names value and variable");

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "0");
	is_int(imds(), TFA_EINVAL, "AWS_METADATA_SERVICE_NUM_ATTEMPTS=0: TFA_EINVAL");

	setup(3, R(200, SESSION), R(200, "r"), R(200, CREDS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_METADATA_SERVICE_TIMEOUT", "5");
	tfa_ctx_setenv(&CTX, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
	is_int(imds(), 0, "good timeout and attempts: success");
	ok(CTX.transport == &C.base && !CTX.owns_transport,
	   "the caller's transport is used and left in place");
}

static void
test_imds_role(void)
{
	setup(3, R(200, SESSION), R(404, "Not Found"), R(200, CREDS_JSON));
	is_int(imds(), TFA_ENOTFOUND, "role list 404: TFA_ENOTFOUND");
	ok(contains(ERR.msg, "no EC2 IMDS role found"), "role list 404: go-v2's words");
	is_int(ERR.http_status, 404, "role list 404: http_status");
	ok(contains(ERR.hint, "associate-iam-instance-profile"),
	   "role list 404: hint attaches a role");
	is_int(C.calls, 2, "role list 404: no third request");

	setup(3, R(200, SESSION), R(200, " \n\r\n"), R(200, CREDS_JSON));
	is_int(imds(), TFA_ENOTFOUND, "empty role list: TFA_ENOTFOUND");
	ok(contains(ERR.msg, "no EC2 IMDS role found"), "empty role list: go-v2's words");

	setup(2, R(200, SESSION), FAIL());
	is_int(imds(), TFA_ENET, "role list unreachable: TFA_ENET");
	ok(strncmp(ERR.msg, "no EC2 IMDS role found: no reply from", 37) == 0,
	   "role list unreachable: go-v2's words, then the cause");
	ok(contains(ERR.hint, "AWS_EC2_METADATA_DISABLED=true") &&
		   contains(ERR.hint, "AWS_METADATA_SERVICE_TIMEOUT") &&
		   !contains(ERR.hint, "TFAUTH_HTTP_TIMEOUT"),
	   "role list unreachable: hint names the metadata knobs");

	setup(2, FAIL(), FAIL());
	is_int(imds(), TFA_ENET, "off EC2 (nothing answers): TFA_ENET");
	is_int(C.calls, 2, "off EC2: token, then one IMDSv1 try");

	setup(3, R(200, SESSION), R(500, "oops"), R(200, CREDS_JSON));
	is_int(imds(), TFA_EAWS, "role list 500: TFA_EAWS");
	ok(contains(ERR.msg, "no EC2 IMDS role found: '" LIST_URL "' answered HTTP 500"),
	   "role list 500: message");

	ok(contains(ERR.hint, "AWS_METADATA_SERVICE_NUM_ATTEMPTS") &&
		   !contains(ERR.hint, "AWS_MAX_ATTEMPTS"),
	   "role list 500: hint names the metadata attempts knob");

	setup(3, R(200, SESSION), R(403, ""), R(200, CREDS_JSON));
	is_int(imds(), TFA_EAWS, "role list 403: TFA_EAWS");
	ok(contains(ERR.msg, "no EC2 IMDS role found") &&
		   contains(ERR.hint, "--http-endpoint enabled") &&
		   contains(ERR.hint, "AWS_EC2_METADATA_DISABLED=true"),
	   "role list 403: hint for on and off EC2");

	setup(3, R(200, SESSION), R(401, ""), R(200, CREDS_JSON));
	is_int(imds(), TFA_EAWS, "role list 401 with a token: TFA_EAWS");
	ok(contains(ERR.msg, "401"), "role list 401: status named");

	setup(3, R(200, SESSION), R(200, "../../latest/user-data"), R(200, CREDS_JSON));
	is_int(imds(), TFA_EINVAL, "role name with '/': refused");
	is_int(C.calls, 2, "bad role name: never put in a URL");

	setup(3, R(200, SESSION), R(200, "role?x=1"), R(200, CREDS_JSON));
	is_int(imds(), TFA_EINVAL, "role name with '?': refused");

	setup(3, R(200, SESSION),
	      R(200, "r12345678901234567890123456789012345678901234567890123456789012345"),
	      R(200, CREDS_JSON));
	is_int(imds(), TFA_EINVAL, "role name of 65 characters: refused");

	setup(3, R(200, SESSION), R(200, "My_Role+=,.@-1"), R(200, CREDS_JSON));
	is_int(imds(), 0, "role name with every allowed punctuation: accepted");

	setup(3, R(200, SESSION), R(200, "r"), R(404, ""));
	is_int(imds(), TFA_EAWS, "credentials 404: TFA_EAWS");
	ok(contains(ERR.msg, "HTTP 404") && ERR.hint[0], "credentials 404: message, hint");

	setup(3, R(200, SESSION), R(200, "r"), FAIL());
	is_int(imds(), TFA_ENET, "credentials unreachable: TFA_ENET");
}

static void
test_imds_bad_json(void)
{
	static const struct {
		const char *body, *what, *want;
		int rc;
	} cases[] = {
		{ "not json " SECRET, "not JSON", "not valid JSON", TFA_EINVAL },
		{ "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SECRET,
		  "truncated JSON", "not valid JSON", TFA_EINVAL },
		{ "[1,2]", "an array", "not a JSON object", TFA_EINVAL },
		{ "", "empty body", "not valid JSON", TFA_EINVAL },
		{ "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":"
		  "\"EC2 cannot assume the role\",\"LastUpdated\":\"x\"}",
		  "Code AssumeRoleUnauthorizedAccess",
		  "could not supply credentials: Code "
		  "'AssumeRoleUnauthorizedAccess': EC2 cannot assume the role",
		  TFA_EAWS },
		{ "{\"Code\":\"success\",\"AccessKeyId\":\"" AKID "\","
		  "\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN "\","
		  "\"Expiration\":\"" EXP "\"}",
		  "Code 'success' (not 'Success')", "Code 'success'", TFA_EAWS },
		{ "{\"Code\":7}", "Code a number", "is not a string", TFA_EINVAL },
		{ "{\"Code\":\"Success\",\"SecretAccessKey\":\"" SECRET "\","
		  "\"Token\":\"" TOKEN "\",\"Expiration\":\"" EXP "\"}",
		  "no AccessKeyId", "missing required field 'AccessKeyId'",
		  TFA_EINVAL },
		{ "{\"Code\":\"Success\",\"AccessKeyId\":\"" AKID "\","
		  "\"Token\":\"" TOKEN "\",\"Expiration\":\"" EXP "\"}",
		  "no SecretAccessKey", "missing required field 'SecretAccessKey'",
		  TFA_EINVAL },
		{ "{\"Code\":\"Success\",\"AccessKeyId\":\"" AKID "\","
		  "\"SecretAccessKey\":\"" SECRET "\",\"Expiration\":\"" EXP "\"}",
		  "no Token", "missing required field 'Token'", TFA_EINVAL },
		{ "{\"Code\":\"Success\",\"AccessKeyId\":\"" AKID "\","
		  "\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"\","
		  "\"Expiration\":\"" EXP "\"}",
		  "empty Token", "missing required field 'Token'", TFA_EINVAL },
		{ "{\"Code\":\"Success\",\"AccessKeyId\":\"" AKID "\","
		  "\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN "\"}",
		  "no Expiration", "missing required field 'Expiration'",
		  TFA_EINVAL },
		{ "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SECRET
		  "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"tomorrow\"}",
		  "Expiration not a time", "is not an RFC 3339 time: 'tomorrow'",
		  TFA_EINVAL },
		{ "{\"AccessKeyId\":42,\"SecretAccessKey\":\"" SECRET
		  "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"" EXP "\"}",
		  "AccessKeyId a number", "field 'AccessKeyId'", TFA_EINVAL },
		{ "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":[\"" SECRET
		  "\"],\"Token\":\"" TOKEN "\",\"Expiration\":\"" EXP "\"}",
		  "SecretAccessKey an array", "field 'SecretAccessKey'", TFA_EINVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(3, R(200, SESSION), R(200, "r"), R(200, cases[i].body));
		is_int(imds(), cases[i].rc, "%s: error", cases[i].what);
		ok(contains(ERR.msg, cases[i].want), "%s: message says '%s'",
		   cases[i].what, cases[i].want);
		ok(contains(ERR.msg, "EC2 IMDS role 'r'"), "%s: names the role",
		   cases[i].what);
		ok(no_secret(), "%s: no secret in the message", cases[i].what);
		ok(CR.access_key_id == NULL && CR.secret_access_key == NULL,
		   "%s: out untouched", cases[i].what);
	}
	setup(3, R(200, SESSION), R(200, "r"),
	      R(200, "{\"Code\":\"Fail\\u001b[31m\",\"Message\":\"x\"}"));
	is_int(imds(), TFA_EAWS, "Code with an escape sequence: error");
	ok(!strchr(ERR.msg, 0x1b), "control bytes of a reply are not printed");
}

/* A loopback port nobody listens on. */
static int
closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Without a transport of the caller's: a private one, freed, ctx untouched. */
static void
test_imds_private_transport(void)
{
	char ep[64];
	int port = closed_port();

	setup(0);
	CTX.transport = NULL;
	if (!port || snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port) < 0) {
		ok(1, "# SKIP no loopback port");
		return;
	}
	tfa_ctx_setenv(&CTX, "AWS_EC2_METADATA_SERVICE_ENDPOINT", ep);
	tfa_ctx_setenv(&CTX, "TFAUTH_HTTP_TIMEOUT", "bogus");
	is_int(imds(), TFA_ENET, "closed port: TFA_ENET (the context's "
	       "TFAUTH_HTTP_TIMEOUT is not used)");
	ok(contains(ERR.msg, "no EC2 IMDS role found: cannot connect to"),
	   "closed port: message");
	ok(CTX.transport == NULL && !CTX.owns_transport,
	   "the private transport is not left in the caller's context");
	is_str(tfa_ctx_getenv(&CTX, "TFAUTH_HTTP_TIMEOUT"), "bogus",
	       "the caller's environment is unchanged");
}

/* -------------------------------------------------------- container tests */

static void
test_container_basic(void)
{
	setup(1, R(200, ECS_JSON));
	is_int(container(), TFA_ENOTFOUND, "neither variable: TFA_ENOTFOUND");
	is_int(C.calls, 0, "neither variable: no request");
	ok(contains(ERR.msg, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") &&
		   contains(ERR.msg, "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
	   "neither variable: both named");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "");
	is_int(container(), TFA_ENOTFOUND, "empty variables count as unset");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		       "/v2/credentials/0f1e2d");
	is_int(container(), 0, "relative URI: success");
	is_int(C.calls, 1, "relative URI: one request");
	is_str(method(0), "GET", "relative URI: GET");
	is_str(url(0), "http://169.254.170.2/v2/credentials/0f1e2d",
	       "relative URI: on 169.254.170.2");
	is_str(hdr(0, "Accept"), "application/json", "Accept: application/json");
	ok(hdr(0, "Authorization") == NULL, "no token: no Authorization header");
	check_creds("container");
	is_str(CR.account_id, "123456789012", "container: AccountId");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/rel");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		       "http://127.0.0.1:9/full");
	is_int(container(), 0, "both set: success");
	is_str(url(0), "http://169.254.170.2/rel", "relative URI wins over full");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		       "@evil.example/x");
	is_int(container(), TFA_EINVAL, "relative URI without '/': refused");
	is_int(C.calls, 0, "relative URI without '/': no request");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		       "http://127.0.0.1:8080/creds?id=1");
	is_int(container(), 0, "full URI: success");
	is_str(url(0), "http://127.0.0.1:8080/creds?id=1", "full URI: as given");
}

static void
test_container_hosts(void)
{
	static const char *const good[] = {
		"http://127.0.0.1/creds",
		"http://127.0.0.1:1234/creds",
		"http://127.10.20.30/creds",
		"http://localhost:80/creds",
		"http://LOCALHOST/creds",
		"http://[::1]:8080/creds",
		"http://169.254.170.2/v2/credentials/x",
		"http://169.254.170.23/v1/credentials",
		"http://[fd00:ec2::23]/v1/credentials",
		"http://[fd00:0ec2:0::0023]/v1/credentials",
		"https://example.com/creds",
		"HTTPS://creds.example.com:8443/x",
		"http://user:pw@127.0.0.1/creds",
	};
	static const struct {
		const char *url, *host;
	} bad[] = {
		{ "http://example.com/creds", "example.com" },
		{ "http://169.254.169.254/latest", "169.254.169.254" },
		{ "http://169.254.170.3/x", "169.254.170.3" },
		{ "http://127.0.0.1@evil.example/x", "evil.example" },
		{ "http://127.0.0.1:80@evil.example/x", "evil.example" },
		{ "http://evil.example#@127.0.0.1/", "evil.example" },
		{ "http://127.0.0.1.nip.io/x", "127.0.0.1.nip.io" },
		{ "http://2130706433/x", "2130706433" },
		{ "http://[fd00:ec2::254]/x", "fd00:ec2::254" },
		{ "http://10.0.0.1:80/creds", "10.0.0.1" },
	};
	static const char *const malformed[] = {
		"ftp://127.0.0.1/x", "127.0.0.1:80/creds", "http:///x",
		"http://evil.example\\@127.0.0.1/", "http://127.0.0.1 /x",
		"http://[::1/x", "http://[::1]x/y", "file:///etc/passwd",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		setup(1, R(200, ECS_JSON));
		tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", good[i]);
		is_int(container(), 0, "full URI %s: allowed", good[i]);
		is_int(C.calls, 1, "full URI %s: requested", good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[160];

		setup(1, R(200, ECS_JSON));
		tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
			       bad[i].url);
		is_int(container(), TFA_EINVAL, "full URI %s: refused", bad[i].url);
		is_int(C.calls, 0, "full URI %s: no request", bad[i].url);
		snprintf(want, sizeof(want), "unsupported host '%s'", bad[i].host);
		ok(contains(ERR.msg, want) &&
			   contains(ERR.msg, "can only retrieve metadata from a "
					     "loopback address or one of these "
					     "hosts: 169.254.170.2, localhost, "
					     "169.254.170.23, fd00:ec2::23"),
		   "full URI %s: botocore's words, host '%s'", bad[i].url,
		   bad[i].host);
		ok(ERR.hint[0] != '\0', "full URI %s: a hint", bad[i].url);
	}
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		setup(1, R(200, ECS_JSON));
		tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
			       malformed[i]);
		is_int(container(), TFA_EINVAL, "full URI '%s': refused",
		       malformed[i]);
		is_int(C.calls, 0, "full URI '%s': no request", malformed[i]);
	}
}

static char *
write_file(const char *content, size_t n)
{
	char *path = tfa_xstrdup("/tmp/test_imds.XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, content, n) != (ssize_t)n) {
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static void
test_container_token(void)
{
	char *file = write_file(AUTH, strlen(AUTH));
	char *nl = write_file(AUTH "\n", strlen(AUTH) + 1);

	ok(file && nl, "token files written");
	if (!file || !nl)
		goto out;

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		       "http://169.254.170.23/v1/credentials");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token");
	is_int(container(), 0, "token from the variable: success");
	is_str(hdr(0, "Authorization"), "env-token", "Authorization: the variable");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		       "http://169.254.170.23/v1/credentials");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file);
	is_int(container(), 0, "token file and variable: success");
	ok(hdr(0, "Authorization") && strcmp(hdr(0, "Authorization"), AUTH) == 0,
	   "Authorization: the file's contents win");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token");
	is_int(container(), 0, "relative URI with a token: success");
	is_str(hdr(0, "Authorization"), "env-token",
	       "relative URI: the token is sent too");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", nl);
	is_int(container(), TFA_EINVAL, "token file with a trailing newline: refused");
	is_int(C.calls, 0, "token file with a newline: no request");
	ok(contains(ERR.msg, "not a legal header value") &&
		   contains(ERR.msg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
	   "newline in the file: botocore's words, names the variable");
	ok(contains(ERR.hint, "printf '%s'"), "newline in the file: hint shows printf");
	ok(no_secret(), "newline in the file: token not shown");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		       AUTH "\r\nX-Injected: 1");
	is_int(container(), TFA_EINVAL, "CR/LF in the token variable: refused");
	is_int(C.calls, 0, "CR/LF in the token: no request");
	ok(no_secret() && !contains(ERR.msg, "X-Injected"),
	   "CR/LF in the token: token not shown");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\nb");
	is_int(container(), TFA_EINVAL, "LF alone in the token: refused");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		       "/nonexistent/token");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token");
	is_int(container(), TFA_EIO, "missing token file: TFA_EIO (no fallback "
	       "to the variable)");
	ok(contains(ERR.msg, "/nonexistent/token") && ERR.sys_errno != 0,
	   "missing token file: path and errno");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/tmp");
	is_int(container(), TFA_EINVAL, "token file is a folder: refused");

	setup(1, R(200, ECS_JSON));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/c");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file);
	is_int(container(), TFA_EINVAL, "bad host checked before the token is read");
out:
	if (file)
		unlink(file);
	if (nl)
		unlink(nl);
	free(file);
	free(nl);
}

static void
test_container_replies(void)
{
	setup(1, R(403, "{\"code\":\"AccessDeniedException\","
			"\"message\":\"token is not valid\"}"));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		       "http://127.0.0.1:9911/creds");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH);
	is_int(container(), TFA_EAWS, "403: TFA_EAWS");
	is_str(ERR.msg, "received non 200 response 403 from container metadata "
			"at 'http://127.0.0.1:9911/creds': AccessDeniedException: "
			"token is not valid",
	       "403: botocore's words with the reply's code and message");
	is_int(ERR.http_status, 403, "403: http_status");
	is_str(ERR.aws_code, "AccessDeniedException", "403: aws_code");
	ok(contains(ERR.hint, "AWS_CONTAINER_AUTHORIZATION_TOKEN") &&
		   contains(ERR.hint, "refused"),
	   "403: hint names the token's variable");
	ok(no_secret(), "403: token not shown");

	setup(1, R(401, "{\"message\":\"echo " AUTH "\"}"));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		       "http://127.0.0.1:9911/creds");
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH);
	is_int(container(), TFA_EAWS, "401 echoing the token: TFA_EAWS");
	ok(no_secret(), "a reply that quotes the token is not shown");

	setup(1, R(401, "plain text"));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		       "http://127.0.0.1:9911/creds");
	is_int(container(), TFA_EAWS, "401 without a token: TFA_EAWS");
	ok(contains(ERR.hint, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
	   "401 without a token: hint says to set one");

	setup(1, R(404, ""));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/gone");
	is_int(container(), TFA_EAWS, "404: TFA_EAWS");
	ok(contains(ERR.hint, "task role"), "404 on ECS: hint names the task role");

	setup(1, R(200, "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\""
			SECRET "\",\"Expiration\":\"" EXP "\"}"));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x");
	is_int(container(), TFA_EINVAL, "container reply without Token: refused");
	ok(contains(ERR.msg, "missing required field 'Token'") &&
		   contains(ERR.msg, "container metadata at "
				     "'http://169.254.170.2/v2/x'"),
	   "no Token: message names the field and the endpoint");
	ok(no_secret(), "no Token: no secret shown");

	setup(1, R(200, "{\"AccessKeyId\":\"" AKID "\""));
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x");
	is_int(container(), TFA_EINVAL, "container reply truncated: refused");

	setup(1, FAIL());
	tfa_ctx_setenv(&CTX, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c");
	is_int(container(), TFA_ENET, "endpoint unreachable: TFA_ENET");
	ok(strncmp(ERR.msg, "cannot get container credentials: ", 34) == 0 &&
		   contains(ERR.hint, "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
	   "unreachable: message and hint name the variable");
}

int
main(void)
{
	tfa_creds_init(&CR);
	test_imds_v2();
	test_imds_v1_fallback();
	test_imds_env();
	test_imds_role();
	test_imds_bad_json();
	test_imds_private_transport();
	test_container_basic();
	test_container_hosts();
	test_container_token();
	test_container_replies();
	clear_canned();
	tfa_ctx_dispose(&CTX);
	tfa_creds_dispose(&CR);
	return tap_done();
}
