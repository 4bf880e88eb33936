/*
 * test_sts — lib/sts and lib/awsquery against a canned transport: the
 * request on the wire (method, URL, headers, exact body, signature), the
 * success documents of aws-reference.md §4, every error code the hints
 * know, and replies that are broken on purpose.
 */
#include "awsquery.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "http.h"
#include "sts.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_20150830 ((time_t)1440938160) /* 2015-08-30T12:36:00Z */
#define CT_FORM "application/x-www-form-urlencoded; charset=utf-8"
#define NS "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""
#define RID "01234567-89ab-cdef-0123-456789abcdef"
#define SECRET_OUT "SECRETkeyFROMsts+/0123456789abcdefghijklmn"
#define TOKEN_OUT "FwoGZXIvYXdzEXAMPLETOKEN+/=="

#define T_NOW T_20150830
#include "canned.h"
static struct reply
xml(long status, const char *body)
{
	struct reply r = { status, "text/xml", body, 0,
			   "Sun, 30 Aug 2015 12:36:05 GMT", NULL };
	return r;
}

static void
creds_set(struct tfa_creds *c, const char *akid, const char *secret,
	  const char *token)
{
	tfa_creds_dispose(c);
	c->access_key_id = tfa_xstrdup(akid);
	c->secret_access_key = tfa_xstrdup(secret);
	c->session_token = token ? tfa_xstrdup(token) : NULL;
}

static const struct tfa_sts_target GLOBAL = { "https://sts.amazonaws.com",
					      "us-east-1", NULL };

#define GCI_OK                                                                  \
	"<GetCallerIdentityResponse " NS "><GetCallerIdentityResult>"             \
	"<Arn>arn:aws:iam::222222222222:user/Alice</Arn>"                         \
	"<UserId>AKIAI44QH8DHBEXAMPLE</UserId><Account>222222222222</Account>"    \
	"</GetCallerIdentityResult><ResponseMetadata><RequestId>" RID             \
	"</RequestId></ResponseMetadata></GetCallerIdentityResponse>"

static int
contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

/* ------------------------------------------------------------ the tests */

static void
test_identity(void)
{
	struct tfa_sts_identity id;
	struct tfa_creds cr;
	struct tfa_err err;
	struct reply r = xml(200, GCI_OK);
	const struct tfa_sts_target eu = { "https://sts.eu-west-1.amazonaws.com/",
					   "eu-west-1", NULL };

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	r.rid = "hdr-request-id";
	setup(1, r);
	tfa_sts_identity_init(&id);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), 0,
	       "GetCallerIdentity: success");
	is_int(C.calls, 1, "one request");
	is_str(C.last.method, "POST", "method POST");
	is_str(C.last.url, "https://sts.amazonaws.com/", "URL gets its '/'");
	is_str(hdr("Content-Type"), CT_FORM, "Content-Type of the Query API");
	is_str(C.last.body.ptr, "Action=GetCallerIdentity&Version=2011-06-15",
	       "exact body");
	is_str(hdr("X-Amz-Date"), "20150830T123600Z", "signed at the ctx clock");
	ok(hdr("X-Amz-Security-Token") == NULL, "no token header for long-term keys");
	/* aws-reference.md §6, self-computed STS vector */
	is_str(hdr("Authorization"),
	       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/"
	       "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
	       "Signature=6fb20d31f734d876c5682fdd2678d194cf68b862755f83b7ba1373c0874be25c",
	       "Authorization matches the reference signature");
	is_str(id.account, "222222222222", "account");
	is_str(id.arn, "arn:aws:iam::222222222222:user/Alice", "arn");
	is_str(id.user_id, "AKIAI44QH8DHBEXAMPLE", "user id");
	is_int(id.server_time, T_20150830 + 5, "server time from the Date header");
	is_str(id.request_id, "hdr-request-id", "request id from the header first");
	tfa_sts_identity_dispose(&id);
	tfa_sts_identity_dispose(&id); /* twice is fine */

	/* A regional endpoint, its region in the scope; request id from the body. */
	r = xml(200, GCI_OK);
	r.date = NULL;
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &eu, &cr, &err), 0,
	       "regional endpoint: success");
	is_str(C.last.url, "https://sts.eu-west-1.amazonaws.com/", "URL as given");
	ok(contains(hdr("Authorization"),
		    "Signature=d9ce7d87516e54d16bce0dfaec690a00a86d0c6a4505e7fbaf9081d93ffcbc1f"),
	   "eu-west-1 signature matches the reference");
	is_str(id.request_id, RID, "request id from ResponseMetadata");
	is_int(id.server_time, 0, "no Date header: server time 0");
	tfa_sts_identity_dispose(&id);

	/* Session token: sent and signed. */
	creds_set(&cr, AKID, SECRET, "AQoDYXdzEJr...EXAMPLETOKEN");
	setup(1, xml(200, GCI_OK));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), 0,
	       "with a session token: success");
	is_str(hdr("X-Amz-Security-Token"), "AQoDYXdzEJr...EXAMPLETOKEN",
	       "X-Amz-Security-Token sent");
	ok(contains(hdr("Authorization"),
		    "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
		    "Signature=82160a73760f73c19191d4218a578b31dc7a7fb89dbb8002d6636e16a229885d"),
	   "token signed; signature matches the reference");
	tfa_sts_identity_dispose(&id);

	/* Fields in another order, namespace prefixes, white space around. */
	creds_set(&cr, AKID, SECRET, NULL);
	setup(1, xml(200,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<sts:GetCallerIdentityResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		     "  <sts:GetCallerIdentityResult>\n"
		     "    <sts:Account>\n 111111111111 \n</sts:Account>\n"
		     "    <sts:UserId>AROAEXAMPLE:sess</sts:UserId>\n"
		     "    <sts:Arn>arn:aws:sts::111111111111:assumed-role/R/sess</sts:Arn>\n"
		     "  </sts:GetCallerIdentityResult>\n"
		     "</sts:GetCallerIdentityResponse>\n"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), 0,
	       "prefixed names, other order: success");
	is_str(id.account, "111111111111", "text is trimmed");
	is_str(id.user_id, "AROAEXAMPLE:sess", "user id of an assumed role");
	tfa_sts_identity_dispose(&id);

	/* Endpoints: a path kept; bad ones refused before any request. */
	{
		const struct tfa_sts_target path = { "http://127.0.0.1:4566/sts/",
						     "us-east-1", NULL };
		const struct tfa_sts_target bad[] = {
			{ "ftp://sts.amazonaws.com", "us-east-1", NULL },
			{ "sts.amazonaws.com", "us-east-1", NULL },
			{ "https://", "us-east-1", NULL },
			{ "https://sts.amazonaws.com/?x=1", "us-east-1", NULL },
			{ "", "us-east-1", NULL },
			{ NULL, "us-east-1", NULL },
			{ "https://sts.amazonaws.com", "", NULL },
		};
		size_t i;

		setup(1, xml(200, GCI_OK));
		is_int(tfa_sts_get_caller_identity(&id, &CTX, &path, &cr, &err), 0,
		       "endpoint with a path: success");
		is_str(C.last.url, "http://127.0.0.1:4566/sts/", "path kept");
		tfa_sts_identity_dispose(&id);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			setup(1, xml(200, GCI_OK));
			is_int(tfa_sts_get_caller_identity(&id, &CTX, &bad[i], &cr, &err),
			       TFA_EINVAL, "bad target %zu refused", i);
			ok(C.calls == 0 && id.arn == NULL, "  ... without a request");
			ok(strncmp(err.msg, "STS GetCallerIdentity: ", 23) == 0,
			   "  ... message names the call: %s", err.msg);
		}
	}

	/* A message too long for err->msg ends in "...". */
	{
		char url[700];
		struct tfa_sts_target longurl = { url, "us-east-1", NULL };

		memcpy(url, "ftp://", 6);
		memset(url + 6, 'h', sizeof(url) - 7);
		url[sizeof(url) - 1] = '\0';
		setup(1, xml(200, GCI_OK));
		is_int(tfa_sts_get_caller_identity(&id, &CTX, &longurl, &cr, &err),
		       TFA_EINVAL, "a 700-byte bad endpoint: TFA_EINVAL");
		ok(strlen(err.msg) == sizeof(err.msg) - 1 &&
		   strcmp(err.msg + sizeof(err.msg) - 4, "...") == 0 &&
		   strncmp(err.msg, "STS GetCallerIdentity: STS endpoint 'ftp://hhh", 46) == 0,
		   "  ... the message is cut with '...'");
	}

	/* No credentials. */
	{
		struct tfa_creds empty;

		tfa_creds_init(&empty);
		setup(1, xml(200, GCI_OK));
		is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &empty, &err),
		       TFA_EINVAL, "no credentials: refused");
		ok(C.calls == 0 && contains(err.hint, "tfauth-doctor"),
		   "  ... without a request, hint names tfauth-doctor");
	}

	/* The transport fails. */
	setup(1, xml(200, GCI_OK));
	C.fail = 1;
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_ENET,
	       "transport failure passed on");
	is_str(err.msg, "STS GetCallerIdentity: canned failure",
	       "transport message prefixed with the call");
	ok(id.arn == NULL, "out untouched on failure");
	tfa_creds_dispose(&cr);
}

struct errcase {
	long status;
	const char *code;
	const char *message;
	const char *action;  /* "GCI", "AR", "GST" or "WEB" */
	const char *hint;    /* a substring of the hint, "" for none wanted */
	const char *akid;
	const char *token;
};

static int
call_action(const char *action, const struct tfa_creds *cr, struct tfa_err *err)
{
	struct tfa_sts_identity id;
	struct tfa_sts_session s;
	struct tfa_sts_assume_role_params ar = {
		"arn:aws:iam::123456789012:role/deploy", "tfauth", NULL, NULL, NULL, 0
	};
	struct tfa_sts_session_token_params st = { NULL, NULL, 0 };
	struct tfa_sts_web_identity_params web = {
		"arn:aws:iam::123456789012:role/ci", "ci", "eyJhbGciOi.JWT.sig", 0
	};
	int rc;

	tfa_sts_identity_init(&id);
	tfa_sts_session_init(&s);
	if (strcmp(action, "AR") == 0)
		rc = tfa_sts_assume_role(&s, &CTX, &GLOBAL, cr, &ar, err);
	else if (strcmp(action, "GST") == 0)
		rc = tfa_sts_get_session_token(&s, &CTX, &GLOBAL, cr, &st, err);
	else if (strcmp(action, "WEB") == 0)
		rc = tfa_sts_assume_role_with_web_identity(&s, &CTX, &GLOBAL, &web, err);
	else
		rc = tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, cr, err);
	if (rc < 0 && (id.arn || s.creds.access_key_id))
		ok(0, "out written on failure");
	tfa_sts_identity_dispose(&id);
	tfa_sts_session_dispose(&s);
	return rc;
}

static void
test_errors(void)
{
	static const struct errcase cases[] = {
		{ 403, "InvalidClientTokenId",
		  "The security token included in the request is invalid.", "GCI",
		  "'tfauth-doctor'", AKID, NULL },
		{ 403, "InvalidClientTokenId",
		  "The security token included in the request is invalid", "GCI",
		  "sent without its session token: set AWS_SESSION_TOKEN",
		  "ASIAEXAMPLE123456789", NULL },
		{ 403, "SignatureDoesNotMatch",
		  "The request signature we calculated does not match the signature "
		  "you provided. Check your AWS Secret Access Key and signing method. "
		  "Consult the service documentation for details.", "GCI",
		  "'tfauth-profile set-keys PROFILE'", AKID, NULL },
		{ 403, "SignatureDoesNotMatch",
		  "Signature expired: 20150830T123600Z is now earlier than "
		  "20150830T124600Z (20150830T125100Z - 15 min.)", "GCI", "clock",
		  AKID, NULL },
		{ 403, "ExpiredToken",
		  "The security token included in the request is expired", "GCI",
		  "'tfauth-refresh PROFILE'", AKID, "TOKEN" },
		{ 400, "RequestExpired", "Request has expired.", "GCI", "clock", AKID,
		  NULL },
		{ 403, "AccessDenied",
		  "User: arn:aws:iam::123456789012:user/aws-user is not authorized to "
		  "perform: sts:AssumeRole on resource: "
		  "arn:aws:iam::210987654321:role/cross-account-assume-role", "AR",
		  "trust policy", AKID, NULL },
		{ 403, "AccessDenied",
		  "MultiFactorAuthentication failed with invalid MFA one time pass "
		  "code.", "AR", "MFA code", AKID, NULL },
		{ 403, "AccessDenied",
		  "Cannot call GetSessionToken with session credentials", "GST",
		  "long-term keys", "ASIAEXAMPLE", "TOKEN" },
		{ 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity",
		  "WEB", "trust policy", NULL, NULL },
		{ 400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider",
		  "WEB", "AWS_WEB_IDENTITY_TOKEN_FILE", NULL, NULL },
		{ 400, "ExpiredTokenException", "Token expired: current date/time 1440938160 must be before the expiration date/time 1440930000",
		  "WEB", "web identity token has expired", NULL, NULL },
		{ 403, "MissingAuthenticationToken",
		  "Request is missing Authentication Token", "GCI", "tfauth-doctor",
		  AKID, NULL },
		{ 403, "RegionDisabledException",
		  "STS is not activated in this region for account:123456789012.",
		  "GCI", "activate", AKID, NULL },
		{ 400, "Throttling", "Rate exceeded", "GCI", "throttling", AKID, NULL },
		{ 500, "InternalFailure", "We encountered an internal error.", "GCI",
		  "try again", AKID, NULL },
		{ 400, "ValidationError", "1 validation error detected", "AR", "", AKID,
		  NULL },
	};
	struct tfa_creds cr;
	struct tfa_err err;
	char body[1024], want[600];
	size_t i;
	int n, rc;

	tfa_creds_init(&cr);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct errcase *c = &cases[i];
		size_t mlen = strlen(c->message);

		n = snprintf(body, sizeof(body),
			     "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>%s"
			     "</Code><Message>%s</Message></Error><RequestId>err-%zu"
			     "</RequestId></ErrorResponse>\n", c->code, c->message, i);
		ok(n > 0 && (size_t)n < sizeof(body), "error body fits");
		creds_set(&cr, c->akid ? c->akid : AKID, SECRET, c->token);
		setup(1, xml(c->status, body));
		rc = call_action(c->action, &cr, &err);
		is_int(rc, TFA_EAWS, "%s %s: TFA_EAWS", c->action, c->code);
		is_str(err.aws_code, c->code, "  ... aws_code");
		n = snprintf(want, sizeof(want), "err-%zu", i);
		is_str(err.request_id, want, "  ... request id from the error document");
		is_int(err.http_status, c->status, "  ... http status");
		n = snprintf(want, sizeof(want), ": %s: %.*s", c->code,
			     (int)(c->message[mlen - 1] == '.' ? mlen - 1 : mlen),
			     c->message);
		ok(n > 0 && (size_t)n < sizeof(want) && contains(err.msg, want) &&
		   err.msg[strlen(err.msg) - 1] != '.',
		   "  ... message has code and AWS text, no final stop: %s", err.msg);
		if (c->hint[0])
			ok(contains(err.hint, c->hint), "  ... hint '%s': %s", c->hint,
			   err.hint);
		ok(!contains(err.msg, SECRET) && !contains(err.hint, SECRET) &&
		   !contains(err.hint, "EXAMPLE123456789"),
		   "  ... no secret, key id masked");
	}

	/* The exact wording of the commonest one. */
	creds_set(&cr, AKID, SECRET, NULL);
	setup(1, xml(403, "<ErrorResponse " NS "><Error><Type>Sender</Type>"
			  "<Code>InvalidClientTokenId</Code><Message>The security "
			  "token included in the request is invalid</Message>"
			  "</Error><RequestId>r1</RequestId></ErrorResponse>"));
	call_action("GCI", &cr, &err);
	is_str(err.msg, "STS GetCallerIdentity: InvalidClientTokenId: The security "
			"token included in the request is invalid",
	       "InvalidClientTokenId: the exact message");
	ok(contains(err.hint, "*******MPLE"), "hint shows the masked key id: %s",
	   err.hint);

	/* The profile named in the target shows in hints. */
	{
		const struct tfa_sts_target named = { "https://sts.amazonaws.com",
						      "us-east-1", "prod" };
		struct tfa_sts_identity id;

		tfa_sts_identity_init(&id);
		setup(1, xml(403, "<ErrorResponse><Error><Code>ExpiredToken</Code>"
				  "<Message>expired</Message></Error></ErrorResponse>"));
		tfa_sts_get_caller_identity(&id, &CTX, &named, &cr, &err);
		ok(contains(err.hint, "'tfauth-refresh prod'"),
		   "hint names the target's profile: %s", err.hint);
		is_str(err.request_id, "", "no request id anywhere: empty");
	}

	/* Request id from the header when the document has none. */
	{
		struct reply r = xml(403, "<ErrorResponse><Error><Code>AccessDenied"
					  "</Code></Error></ErrorResponse>");
		r.rid = "hdr-rid";
		setup(1, r);
		call_action("GCI", &cr, &err);
		is_str(err.request_id, "hdr-rid", "request id from the header");
		is_str(err.msg, "STS GetCallerIdentity: AccessDenied (HTTP 403)",
		       "no Message: code and status");
		ok(contains(err.hint, "sts:GetCallerIdentity"),
		   "generic AccessDenied hint names the action: %s", err.hint);
	}

	/* EC2-style <Response><Errors><Error>. */
	setup(1, xml(401, "<Response><Errors><Error><Code>AuthFailure</Code>"
			  "<Message>AWS was not able to validate the provided access "
			  "credentials</Message></Error></Errors><RequestID>ec2-rid"
			  "</RequestID></Response>"));
	is_int(call_action("GCI", &cr, &err), TFA_EAWS, "EC2 error shape: TFA_EAWS");
	is_str(err.aws_code, "AuthFailure", "  ... its code");
	is_str(err.request_id, "ec2-rid", "  ... its request id");

	/* moto's shape, labelled text/html, request id in the header only. */
	{
		struct reply r = xml(403, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
					  "<ErrorResponse><Errors><Error><Code>"
					  "SignatureDoesNotMatch</Code><Message>The request "
					  "signature we calculated does not match the "
					  "signature you provided.</Message><Type>Sender"
					  "</Type></Error></Errors></ErrorResponse>");
		r.ctype = "text/html; charset=utf-8";
		r.rid = "moto-rid";
		setup(1, r);
		is_int(call_action("GCI", &cr, &err), TFA_EAWS,
		       "moto's error shape under text/html: TFA_EAWS");
		is_str(err.aws_code, "SignatureDoesNotMatch", "  ... its code");
		is_str(err.request_id, "moto-rid", "  ... request id from the header");
		/* text/html that is not well-formed: the proxy message. */
		r.body = "<p>Blocked by policy<br></p>";
		setup(1, r);
		is_int(call_action("GCI", &cr, &err), TFA_EAWS,
		       "403 text/html fragment: TFA_EAWS");
		ok(contains(err.msg, "not XML (text/html; charset=utf-8); is a proxy"),
		   "  ... the proxy message: %s", err.msg);
	}

	/* Hostile text cannot reach the terminal raw. */
	setup(1, xml(403, "<ErrorResponse><Error><Code>Bad\xc2\x9b" "31mCode</Code>"
			  "<Message>red \xc2\x9b" "31m text&#10;next&#13;line&#9;"
			  "\x7f.</Message></Error></ErrorResponse>"));
	is_int(call_action("GCI", &cr, &err), TFA_EAWS, "hostile error text: TFA_EAWS");
	is_str(err.msg, "STS GetCallerIdentity: Bad?31mCode: red ?31m text next "
			"line ?", "control characters in AWS text are neutralised");
	is_str(err.aws_code, "Bad?31mCode", "  ... in aws_code too");
	setup(1, xml(403, "<ErrorResponse><Error><Code>X</Code><Message>&#x1b;[31m"
			  "</Message></Error></ErrorResponse>"));
	is_int(call_action("GCI", &cr, &err), TFA_EAWS,
	       "a raw ESC is not XML at all: status error");
	ok(!strchr(err.msg, '\x1b'), "  ... no ESC in the message: %s", err.msg);
	tfa_creds_dispose(&cr);
}

static void
test_bad_replies(void)
{
	struct tfa_sts_identity id;
	struct tfa_creds cr;
	struct tfa_err err;
	struct reply r;
	char *big, *deep;
	size_t i, n;
	int rc;

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	tfa_sts_identity_init(&id);

	/* Truncated XML. */
	setup(1, xml(200, "<GetCallerIdentityResponse " NS "><GetCallerIdentityResult>"
			  "<Arn>arn:aws:iam::222222222222:user/Al"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "truncated XML: TFA_EINVAL");
	ok(contains(err.msg, "STS GetCallerIdentity: the reply is not well-formed XML"),
	   "  ... says so: %s", err.msg);
	is_int(err.http_status, 200, "  ... with the status");
	ok(id.arn == NULL, "  ... out untouched");

	/* An HTML page from a proxy, with 200 and with 403. */
	r = xml(200, "<!DOCTYPE html>\n<html><head><title>Blocked</title></head>"
		     "<body>Access to this site is blocked</body></html>\n");
	r.ctype = "text/html";
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "HTML page with 200: TFA_EINVAL");
	is_str(err.msg, "STS GetCallerIdentity: STS answered with something that is "
			"not XML (text/html); is a proxy in the way?",
	       "  ... the proxy message");
	ok(contains(err.hint, "HTTPS_PROXY") && contains(err.hint, "'https://sts.amazonaws.com/'"),
	   "  ... hint names the proxy variables and URL: %s", err.hint);
	r.status = 403;
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EAWS,
	       "HTML page with 403: TFA_EAWS");
	ok(contains(err.msg, "not XML (text/html)") && err.http_status == 403,
	   "  ... proxy message, status 403: %s", err.msg);
	r.ctype = NULL;
	r.status = 200;
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "HTML page without a Content-Type: TFA_EINVAL");
	ok(contains(err.msg, "not XML (an HTML page)"), "  ... %s", err.msg);
	r = xml(200, "<html><body>hi</body></html>");
	r.ctype = "text/xml";
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "HTML labelled text/xml: TFA_EINVAL");
	ok(contains(err.msg, "not XML (an HTML page)"), "  ... %s", err.msg);
	r = xml(200, "<HTML><BODY>hi</BODY></HTML>");
	r.ctype = "application/xml";
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "HTML (upper case) labelled application/xml: TFA_EINVAL");

	/* JSON and plain text. */
	r = xml(200, "{\"GetCallerIdentityResponse\":{}}");
	r.ctype = "application/json";
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "JSON: TFA_EINVAL");
	ok(contains(err.msg, "not XML (application/json)"), "  ... %s", err.msg);
	r = xml(200, "hello\n");
	r.ctype = NULL;
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "plain text without a Content-Type: TFA_EINVAL");
	ok(contains(err.msg, "not XML (no Content-Type)"), "  ... %s", err.msg);

	/* Empty bodies. */
	setup(1, xml(200, ""));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "empty 200: TFA_EINVAL");
	is_str(err.msg, "STS GetCallerIdentity: STS answered HTTP 200 with an empty body",
	       "  ... says so");
	setup(1, xml(403, ""));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EAWS,
	       "empty 403: TFA_EAWS");
	is_str(err.msg, "STS GetCallerIdentity: 'https://sts.amazonaws.com/' answered "
			"HTTP 403", "  ... the status message");
	is_int(err.http_status, 403, "  ... status 403");

	/* 5xx pages: the status, and the retry hint. */
	r = xml(503, "<html><body>Service Unavailable</body></html>");
	r.ctype = "text/html";
	r.rid = "rid-503";
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EAWS,
	       "503 HTML: TFA_EAWS");
	ok(contains(err.msg, "answered HTTP 503") && contains(err.hint, "try again"),
	   "  ... status message and retry hint: %s / %s", err.msg, err.hint);
	is_str(err.request_id, "rid-503", "  ... request id kept");
	setup(1, xml(500, "<ErrorResponse><Error><Code>InternalFailure"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EAWS,
	       "500 with truncated XML: TFA_EAWS");
	ok(contains(err.msg, "HTTP 500"), "  ... %s", err.msg);
	setup(1, xml(400, "<Other/>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EAWS,
	       "400 with XML that is no error document: TFA_EAWS");
	ok(contains(err.msg, "HTTP 400"), "  ... %s", err.msg);
	setup(1, xml(403, "<ErrorResponse><Error><Message>no code</Message></Error>"
			  "</ErrorResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EAWS,
	       "error document without a Code: TFA_EAWS");
	ok(contains(err.msg, "HTTP 403") && err.aws_code[0] == '\0', "  ... %s", err.msg);

	/* 200 documents that are not the answer. */
	setup(1, xml(200, "<GetCallerIdentityResponse " NS "><GetCallerIdentityResult>"
			  "<UserId>AIDA</UserId><Account>1</Account>"
			  "</GetCallerIdentityResult></GetCallerIdentityResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "200 without Arn: TFA_EINVAL");
	is_str(err.msg, "STS GetCallerIdentity: the reply lacks GetCallerIdentityResult/Arn",
	       "  ... names the field");
	setup(1, xml(200, "<GetCallerIdentityResponse><GetCallerIdentityResult>"
			  "<Arn></Arn><UserId>AIDA</UserId><Account>1</Account>"
			  "</GetCallerIdentityResult></GetCallerIdentityResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "200 with an empty Arn: TFA_EINVAL");
	setup(1, xml(200, "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "200 with another call's document: TFA_EINVAL");
	ok(contains(err.msg, "the reply's root is 'AssumeRoleResponse', not "
		    "'GetCallerIdentityResponse'"),
	   "  ... %s", err.msg);
	setup(1, xml(200, "<GetCallerIdentityResponse><Arn>x</Arn><UserId>u</UserId>"
			  "<Account>1</Account></GetCallerIdentityResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "fields outside the Result: TFA_EINVAL");
	setup(1, xml(200, "<?xml version=\"1.0\"?>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "an XML declaration only: TFA_EINVAL");
	setup(1, xml(200, GCI_OK "<extra/>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "junk after the document: TFA_EINVAL");

	/* Huge text: a body over the transport's cap (as the curl one has). */
	n = TFA_HTTP_BODY_CAP + 100;
	big = tfa_xmalloc(n + 200);
	memcpy(big, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>", 57);
	memset(big + 57, 'A', n);
	memcpy(big + 57 + n, "</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>", 61);
	r = xml(200, big);
	r.len = 57 + n + 60;
	setup(1, r);
	rc = tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err);
	is_int(rc, TFA_ETOOBIG, "body over the cap: TFA_ETOOBIG");
	ok(strncmp(err.msg, "STS GetCallerIdentity: ", 23) == 0, "  ... %s", err.msg);
	/* Text over the collector's own cap, parsed directly. */
	{
		struct tfa_awsquery_doc d;

		tfa_awsquery_doc_init(&d);
		is_int(tfa_awsquery_parse(&d, big, 57 + n + 60, &err), TFA_ETOOBIG,
		       "text over the collector's cap: TFA_ETOOBIG");
		ok(contains(err.msg, "more than 1048576 bytes of text"), "  ... %s", err.msg);
		ok(d.n == 0, "  ... document left empty");
	}
	free(big);

	/* Paths add up: long names nested deep, under the body cap. */
	{
		struct tfa_buf b = TFA_BUF_INIT;
		char name[201];

		memset(name, 'n', 200);
		name[200] = '\0';
		tfa_buf_adds(&b, "<GetCallerIdentityResponse>");
		for (i = 0; i < 30; i++)
			tfa_buf_addf(&b, "<%s>", name);
		for (i = 0; i < 1000; i++)
			tfa_buf_addf(&b, "<%s/>", name);
		for (i = 0; i < 30; i++)
			tfa_buf_addf(&b, "</%s>", name);
		tfa_buf_adds(&b, "</GetCallerIdentityResponse>");
		ok(b.len < TFA_HTTP_BODY_CAP, "path test body is under the body cap");
		setup(1, xml(200, b.ptr));
		is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err),
		       TFA_ETOOBIG, "paths over the cap: TFA_ETOOBIG");
		tfa_buf_dispose(&b);
	}

	/* Many small elements: over the element cap. */
	n = (size_t)TFA_AWSQUERY_MAX_ELEMS + 10;
	big = tfa_xmalloc(n * 4 + 100);
	memcpy(big, "<GetCallerIdentityResponse>", 27);
	for (i = 0; i < n; i++)
		memcpy(big + 27 + i * 4, "<a/>", 4);
	memcpy(big + 27 + n * 4, "</GetCallerIdentityResponse>", 29);
	setup(1, xml(200, big));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_ETOOBIG,
	       "too many elements: TFA_ETOOBIG");
	free(big);

	/* A long element name. */
	big = tfa_xmalloc(2000);
	memcpy(big, "<GetCallerIdentityResponse><", 28);
	memset(big + 28, 'N', 1000);
	memcpy(big + 1028, "/></GetCallerIdentityResponse>", 31);
	setup(1, xml(200, big));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_ETOOBIG,
	       "an element name over the cap: TFA_ETOOBIG");
	free(big);

	/* Deeply nested XML. */
	n = 10000;
	deep = tfa_xmalloc(n * 7 + 100);
	for (i = 0; i < n; i++)
		memcpy(deep + i * 3, "<a>", 3);
	for (i = 0; i < n; i++)
		memcpy(deep + n * 3 + i * 4, "</a>", 4);
	deep[n * 7] = '\0';
	setup(1, xml(200, deep));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "10000 levels deep: TFA_EINVAL");
	ok(contains(err.msg, "deeper than 32 levels"), "  ... %s", err.msg);
	free(deep);

	/* Entities: a DOCTYPE is refused (billion laughs, external entities). */
	setup(1, xml(200, "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
			  "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
			  "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>&lol2;"
			  "</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "DOCTYPE with entities: TFA_EINVAL");
	ok(contains(err.msg, "DOCTYPE"), "  ... %s", err.msg);
	setup(1, xml(200, "<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><x>&ext;</x>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "external DTD: TFA_EINVAL");
	setup(1, xml(200, "<GetCallerIdentityResponse><GetCallerIdentityResult>"
			  "<Arn>&undefined;</Arn></GetCallerIdentityResult>"
			  "</GetCallerIdentityResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "undefined entity: TFA_EINVAL");
	/* Not UTF-8. */
	setup(1, xml(200, "<GetCallerIdentityResponse><GetCallerIdentityResult>"
			  "<Arn>\xff\xfe</Arn></GetCallerIdentityResult>"
			  "</GetCallerIdentityResponse>"));
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "invalid UTF-8: TFA_EINVAL");
	/* NUL inside the body. */
	r = xml(200, "<GetCallerIdentityResponse>\0</GetCallerIdentityResponse>");
	r.len = 57;
	setup(1, r);
	is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), TFA_EINVAL,
	       "a NUL byte: TFA_EINVAL");
	ok(id.arn == NULL, "no bad reply wrote out");
	tfa_creds_dispose(&cr);
}

#define CREDS_XML(exp)                                                       \
	"<Credentials><AccessKeyId>ASIAEXAMPLEOUT</AccessKeyId>"             \
	"<SecretAccessKey>" SECRET_OUT "</SecretAccessKey>"                  \
	"<SessionToken>" TOKEN_OUT "</SessionToken>"                         \
	"<Expiration>" exp "</Expiration></Credentials>"

#define AR_OK(exp)                                                           \
	"<AssumeRoleResponse " NS "><AssumeRoleResult>" CREDS_XML(exp)       \
	"<AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example"\
	"</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/demo/"  \
	"tfauth</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize>"\
	"</AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe</RequestId>"\
	"</ResponseMetadata></AssumeRoleResponse>"

static void
test_assume_role(void)
{
	struct tfa_sts_session s;
	struct tfa_creds cr;
	struct tfa_err err;
	struct tfa_sts_assume_role_params p = {
		"arn:aws:iam::123456789012:role/demo", "tfauth", NULL, NULL, NULL, 0
	};

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	tfa_sts_session_init(&s);
	setup(1, xml(200, AR_OK("2015-08-30T13:36:00Z")));
	is_int(tfa_sts_assume_role(&s, &CTX, &GLOBAL, &cr, &p, &err), 0,
	       "AssumeRole: success");
	is_str(C.last.body.ptr,
	       "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
	       "123456789012%3Arole%2Fdemo&RoleSessionName=tfauth",
	       "AssumeRole: minimal body");
	ok(contains(hdr("Authorization"), "/us-east-1/sts/aws4_request"),
	   "signed for sts");
	is_str(s.creds.access_key_id, "ASIAEXAMPLEOUT", "access key id");
	ok(s.creds.secret_access_key && strcmp(s.creds.secret_access_key, SECRET_OUT) == 0,
	   "secret access key");
	ok(s.creds.session_token && strcmp(s.creds.session_token, TOKEN_OUT) == 0,
	   "session token");
	is_int(s.creds.expiration, T_20150830 + 3600, "expiration parsed");
	is_str(s.assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/demo/tfauth",
	       "assumed-role ARN");
	is_str(s.assumed_role_id, "AROA3XFRBF535PLBIFPI4:s3-access-example",
	       "assumed-role id");
	is_str(s.creds.account_id, "123456789012", "account from the ARN");
	is_str(s.request_id, "c6104cbe", "request id");
	is_int(s.server_time, T_20150830 + 5, "server time");
	tfa_sts_session_dispose(&s);
	tfa_sts_session_dispose(&s);

	/* Every parameter, encoded; a fractional Expiration. */
	p.external_id = "ext id/with+plus=";
	p.serial_number = "arn:aws:iam::123456789012:mfa/alice";
	p.token_code = "123456";
	p.duration_seconds = 900;
	p.role_session_name = "alice@example.com";
	creds_set(&cr, AKID, SECRET, "SESSIONTOKEN");
	setup(1, xml(200, AR_OK("2015-08-30T12:51:00.123Z")));
	is_int(tfa_sts_assume_role(&s, &CTX, &GLOBAL, &cr, &p, &err), 0,
	       "AssumeRole with MFA and external id: success");
	is_str(C.last.body.ptr,
	       "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
	       "123456789012%3Arole%2Fdemo&RoleSessionName=alice%40example.com"
	       "&ExternalId=ext%20id%2Fwith%2Bplus%3D&SerialNumber=arn%3Aaws%3Aiam"
	       "%3A%3A123456789012%3Amfa%2Falice&TokenCode=123456&DurationSeconds=900",
	       "AssumeRole: full body, every value encoded");
	is_str(hdr("X-Amz-Security-Token"), "SESSIONTOKEN",
	       "chained: the caller's session token is sent");
	is_int(s.creds.expiration, T_20150830 + 900, "fractional expiration parsed");
	tfa_sts_session_dispose(&s);

	/* Refused before a request. */
	p.token_code = NULL;
	setup(1, xml(200, AR_OK("2015-08-30T13:36:00Z")));
	is_int(tfa_sts_assume_role(&s, &CTX, &GLOBAL, &cr, &p, &err), TFA_EINVAL,
	       "MFA serial without a code: TFA_EINVAL");
	ok(C.calls == 0, "  ... no request");
	p.token_code = "123456";
	p.role_arn = "";
	is_int(tfa_sts_assume_role(&s, &CTX, &GLOBAL, &cr, &p, &err), TFA_EINVAL,
	       "no role ARN: TFA_EINVAL");
	is_str(err.msg, "STS AssumeRole: no role ARN given", "  ... says so");
	p.role_arn = "arn:aws:iam::123456789012:role/demo";
	p.role_session_name = NULL;
	is_int(tfa_sts_assume_role(&s, &CTX, &GLOBAL, &cr, &p, &err), TFA_EINVAL,
	       "no session name: TFA_EINVAL");
	p.role_session_name = "tfauth";
	p.duration_seconds = -1;
	is_int(tfa_sts_assume_role(&s, &CTX, &GLOBAL, &cr, &p, &err), TFA_EINVAL,
	       "negative duration: TFA_EINVAL");
	p.duration_seconds = 0;
	ok(C.calls == 0 && s.creds.access_key_id == NULL, "  ... no request, no output");

	/* Replies lacking what we need; secrets never in the message. */
	{
		static const char *const broken[] = {
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>" SECRET_OUT
			"</SecretAccessKey><Expiration>2015-08-30T13:36:00Z</Expiration>"
			"</Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s"
			"</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>",
			"<AssumeRoleResponse><AssumeRoleResult>" CREDS_XML("tomorrow")
			"<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
			"</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>",
			"<AssumeRoleResponse><AssumeRoleResult>" CREDS_XML("2015-08-30T13:36:00Z")
			"</AssumeRoleResult></AssumeRoleResponse>",
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<SecretAccessKey>" SECRET_OUT "</SecretAccessKey>"
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		};
		static const char *const why[] = {
			"lacks AssumeRoleResult/Credentials/SessionToken",
			"Expiration 'tomorrow' is not a time",
			"lacks AssumeRoleResult/AssumedRoleUser/Arn",
			"lacks AssumeRoleResult/Credentials/AccessKeyId",
		};
		size_t i;

		for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
			setup(1, xml(200, broken[i]));
			is_int(tfa_sts_assume_role(&s, &CTX, &GLOBAL, &cr, &p, &err),
			       TFA_EINVAL, "AssumeRole broken reply %zu: TFA_EINVAL", i);
			ok(contains(err.msg, why[i]), "  ... %s", err.msg);
			ok(!contains(err.msg, SECRET_OUT) && !contains(err.hint, SECRET_OUT)
			   && !contains(err.msg, TOKEN_OUT),
			   "  ... no secret in the message");
			ok(s.creds.access_key_id == NULL && s.creds.secret_access_key == NULL,
			   "  ... out untouched");
		}
	}
	tfa_creds_dispose(&cr);
}

static void
test_session_token(void)
{
	struct tfa_sts_session s;
	struct tfa_creds cr;
	struct tfa_err err;
	struct tfa_sts_session_token_params p = { NULL, NULL, 0 };

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	tfa_sts_session_init(&s);
	setup(1, xml(200, "<GetSessionTokenResponse " NS "><GetSessionTokenResult>"
			  CREDS_XML("2015-08-31T00:36:00Z") "</GetSessionTokenResult>"
			  "<ResponseMetadata><RequestId>58c5dbae</RequestId>"
			  "</ResponseMetadata></GetSessionTokenResponse>"));
	is_int(tfa_sts_get_session_token(&s, &CTX, &GLOBAL, &cr, &p, &err), 0,
	       "GetSessionToken: success");
	is_str(C.last.body.ptr, "Action=GetSessionToken&Version=2011-06-15",
	       "GetSessionToken: minimal body");
	is_str(s.creds.access_key_id, "ASIAEXAMPLEOUT", "access key id");
	ok(s.creds.session_token && strcmp(s.creds.session_token, TOKEN_OUT) == 0,
	   "session token");
	is_int(s.creds.expiration, T_20150830 + 12 * 3600, "expiration");
	ok(s.assumed_role_arn == NULL && s.creds.account_id == NULL,
	   "no assumed role, no account");
	is_str(s.request_id, "58c5dbae", "request id");
	tfa_sts_session_dispose(&s);

	p.duration_seconds = 129600;
	p.serial_number = "arn:aws:iam::123456789012:mfa/alice";
	p.token_code = "654321";
	setup(1, xml(200, "<GetSessionTokenResponse><GetSessionTokenResult>"
			  CREDS_XML("2015-08-31T00:36:00Z") "</GetSessionTokenResult>"
			  "</GetSessionTokenResponse>"));
	is_int(tfa_sts_get_session_token(&s, &CTX, &GLOBAL, &cr, &p, &err), 0,
	       "GetSessionToken with MFA: success");
	is_str(C.last.body.ptr,
	       "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129600"
	       "&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice"
	       "&TokenCode=654321", "GetSessionToken: full body");
	ok(C.last.body.secret, "the request body is a secret buffer");
	tfa_sts_session_dispose(&s);

	p.token_code = "";
	setup(1, xml(200, ""));
	is_int(tfa_sts_get_session_token(&s, &CTX, &GLOBAL, &cr, &p, &err), TFA_EINVAL,
	       "MFA serial with an empty code: TFA_EINVAL");
	ok(C.calls == 0, "  ... no request");
	tfa_creds_dispose(&cr);
}

static void
test_web_identity(void)
{
	struct tfa_sts_session s;
	struct tfa_err err;
	struct tfa_sts_web_identity_params p = {
		"arn:aws:iam::123456789012:role/FederatedWebIdentityRole", "app1",
		"Atza|IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIUFAHZwXZXXXXXXXXJnrulxKDHwy87oGKPznh0D6bEQZTSCzyoCtL_8S07pLpr0zMbn6w1lfVZKNTBdDansFBmtGnIsIapjI6xKR02Yc_2bQ8LZbUXSGm6Ry6_BG7PrtLZtj_dfCTj92xNGed-CrKqjG7nPBjNIL016GGvuS5gSvPRUxWES3VYfm1wl7WTI7jn-Pcb6M-buCgHhFOzTQxod27L9CqnOLio7N3gZAGpsp6n1-AJBOCJckcyXe2c6uD0srOJeZlKUm2eTDVMf8IehDVI0r1QOnTV6KzzAI3OY87Vd_cVMQ",
		3600
	};

	tfa_sts_session_init(&s);
	setup(1, xml(200,
		     "<AssumeRoleWithWebIdentityResponse " NS "><AssumeRoleWithWebIdentityResult>"
		     "<SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A"
		     "</SubjectFromWebIdentityToken><Audience>client.5498841531868486423.1548@apps.example.com"
		     "</Audience><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/"
		     "FederatedWebIdentityRole/app1</Arn><AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1"
		     "</AssumedRoleId></AssumedRoleUser>" CREDS_XML("2014-10-24T23:00:23Z")
		     "<SourceIdentity>SourceIdentityValue</SourceIdentity>"
		     "<Provider>www.amazon.com</Provider></AssumeRoleWithWebIdentityResult>"
		     "<ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>"
		     "</ResponseMetadata></AssumeRoleWithWebIdentityResponse>"));
	is_int(tfa_sts_assume_role_with_web_identity(&s, &CTX, &GLOBAL, &p, &err), 0,
	       "AssumeRoleWithWebIdentity: success (AWS's sample)");
	ok(hdr("Authorization") == NULL, "unsigned: no Authorization header");
	ok(hdr("X-Amz-Date") == NULL && hdr("X-Amz-Security-Token") == NULL,
	   "unsigned: no X-Amz-Date, no token header");
	is_str(hdr("Content-Type"), CT_FORM, "Content-Type");
	{
		static const char start[] =
			"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn="
			"arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FFederatedWebIdentity"
			"Role&RoleSessionName=app1&WebIdentityToken=Atza%7CIQEBLjAsAhRFi";
		ok(strncmp(C.last.body.ptr, start, strlen(start)) == 0,
		   "body starts right; the token is encoded");
	}
	ok(contains(C.last.body.ptr, "Vd_cVMQ&DurationSeconds=3600"),
	   "body ends with the duration");
	is_str(s.assumed_role_arn,
	       "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1",
	       "assumed-role ARN");
	is_int(s.creds.expiration, 1414191623, "expiration 2014-10-24T23:00:23Z");
	is_str(s.request_id, "ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE", "request id");
	tfa_sts_session_dispose(&s);

	/* Found by fuzz_awsquery: an error that echoes the token we sent
	 * put it in the message. */
	setup(1, xml(400, "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>"
		     "InvalidIdentityToken</Code><Message>Couldn't verify token Atza|"
		     "IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIUFAHZwXZXXXXXXXXJnrulxKDHwy87oGKPznh0D6bEQZTSCzyoCtL_8S07pLpr0zMbn6w1lfVZKNTBdDansFBmtGnIsIapjI6xKR02Yc_2bQ8LZbUXSGm6Ry6_BG7PrtLZtj_dfCTj92xNGed-CrKqjG7nPBjNIL016GGvuS5gSvPRUxWES3VYfm1wl7WTI7jn-Pcb6M-buCgHhFOzTQxod27L9CqnOLio7N3gZAGpsp6n1-AJBOCJckcyXe2c6uD0srOJeZlKUm2eTDVMf8IehDVI0r1QOnTV6KzzAI3OY87Vd_cVMQ"
		     "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"));
	is_int(tfa_sts_assume_role_with_web_identity(&s, &CTX, &GLOBAL, &p, &err),
	       TFA_EAWS, "an error echoing the token: TFA_EAWS");
	is_str(err.msg, "STS AssumeRoleWithWebIdentity: InvalidIdentityToken (HTTP 400)",
	       "  ... the message that quotes the token is left out");
	ok(!strstr(err.msg, "Atza|") && !strstr(err.hint, "Atza|"), "  ... no token anywhere");
	is_str(err.aws_code, "InvalidIdentityToken", "  ... the code is kept");

	p.web_identity_token = "";
	setup(1, xml(200, ""));
	is_int(tfa_sts_assume_role_with_web_identity(&s, &CTX, &GLOBAL, &p, &err),
	       TFA_EINVAL, "no token: TFA_EINVAL");
	ok(C.calls == 0, "  ... no request");
}

static void
test_parse_and_dates(void)
{
	struct tfa_awsquery_doc d;
	struct tfa_err err;
	const struct tfa_awsquery_elem *e;
	size_t i = 0;
	time_t t;
	static const char doc[] =
		"<R><L><member><N>a</N></member><member><N> b </N><X><N>inner</N></X>"
		"</member></L><T>x&amp;y&#65;<![CDATA[<z>]]></T></R>";

	/* Found by fuzz_awsquery: an element named "a:" had the empty path,
	 * so the root was "", as for an empty document. */
	tfa_awsquery_doc_init(&d);
	is_int(tfa_awsquery_parse(&d, "<a: x=''><b:c>u</b:c></a:>", 26, &err), 0,
	       "a name ending in ':' parses");
	is_str(tfa_awsquery_root(&d), "a:", "  ... and is its own path");
	is_str(tfa_awsquery_get(&d, "a:/c"), "u", "  ... its child's prefix is dropped");
	tfa_awsquery_doc_dispose(&d);

	tfa_awsquery_doc_init(&d);
	is_int(tfa_awsquery_parse(&d, doc, strlen(doc), &err), 0, "parse a document");
	is_str(tfa_awsquery_root(&d), "R", "root");
	is_int(d.n, 9, "nine elements");
	is_str(tfa_awsquery_get(&d, "R/T"), "x&yA<z>", "entities and CDATA decoded");
	e = tfa_awsquery_find(&d, "R/L/member", 0, &i);
	ok(e && i == 2 && e->depth == 3, "first member at index 2, depth 3");
	e = tfa_awsquery_find(&d, "R/L/member", i + 1, &i);
	ok(e && i == 4, "second member at index 4");
	is_str(d.elems[5].text.ptr, "b", "member text trimmed");
	ok(d.elems[5].text.secret, "element text is a secret buffer");
	is_str(d.elems[7].path, "R/L/member/X/N", "nested path");
	ok(tfa_awsquery_find(&d, "R/L/member", i + 1, NULL) == NULL, "no third member");
	ok(tfa_awsquery_get(&d, "R/missing") == NULL, "missing path: NULL");
	tfa_awsquery_doc_dispose(&d);
	tfa_awsquery_doc_dispose(&d);
	is_str(tfa_awsquery_root(&d), "", "empty document: root ''");

	is_int(tfa_awsquery_parse(&d, "<a><b></a>", 10, &err), TFA_EINVAL,
	       "mismatched tag: TFA_EINVAL");
	ok(contains(err.msg, "mismatched tag") && contains(err.msg, "line 1"),
	   "  ... expat's reason and place: %s", err.msg);
	ok(d.n == 0 && d.elems == NULL, "  ... document left empty");
	is_int(tfa_awsquery_parse(&d, "", 0, &err), TFA_EINVAL, "nothing: TFA_EINVAL");

	is_int(tfa_awsquery_parse_date(&t, "Sun, 30 Aug 2015 12:36:00 GMT"), 0,
	       "HTTP date");
	is_int(t, T_20150830, "  ... its time");
	is_int(tfa_awsquery_parse_date(&t, "Thu, 29 Feb 2024 23:59:59 GMT"), 0,
	       "leap day");
	is_int(tfa_awsquery_parse_date(&t, "Fri, 31 Feb 2024 00:00:00 GMT"), -1,
	       "31 Feb refused");
	is_int(tfa_awsquery_parse_date(&t, "Sun, 30 Aug 2015 12:36:00 UTC"), -1,
	       "not GMT refused");
	is_int(tfa_awsquery_parse_date(&t, "Sun, 30 Foo 2015 12:36:00 GMT"), -1,
	       "bad month refused");
	is_int(tfa_awsquery_parse_date(&t, "Sunday, 30-Aug-15 12:36:00 GMT"), -1,
	       "RFC 850 form refused");
	is_int(tfa_awsquery_parse_date(&t, "2015-08-30T12:36:00Z"), -1,
	       "ISO 8601 refused");
	is_int(tfa_awsquery_parse_date(&t, NULL), -1, "NULL refused");

	{
		struct tfa_sts_identity id;
		struct tfa_creds cr;
		struct reply r = xml(200, GCI_OK);

		tfa_creds_init(&cr);
		creds_set(&cr, AKID, SECRET, NULL);
		tfa_sts_identity_init(&id);
		r.date = "yesterday";
		setup(1, r);
		is_int(tfa_sts_get_caller_identity(&id, &CTX, &GLOBAL, &cr, &err), 0,
		       "a bad Date header is no error");
		is_int(id.server_time, 0, "  ... server time 0");
		tfa_sts_identity_dispose(&id);
		tfa_creds_dispose(&cr);
	}
}

int
main(void)
{
	test_identity();
	test_errors();
	test_bad_replies();
	test_assume_role();
	test_session_token();
	test_web_identity();
	test_parse_and_dates();
	teardown();
	return tap_done();
}
