/*
 * test_iam — lib/iam against a canned transport: the requests
 * (ListAccessKeys with and without a user, Marker pagination,
 * GetAccessKeyLastUsed), the documents of aws-reference.md §5, and broken
 * or endless replies.  The canned transport is tests/unit/canned.h.
 */
#include "awsquery.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "http.h"
#include "iam.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_20150830 ((time_t)1440938160) /* 2015-08-30T12:36:00Z */
#define CT_FORM "application/x-www-form-urlencoded; charset=utf-8"
#define NS "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""

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

static const struct tfa_iam_target IAM = { "https://iam.amazonaws.com",
					   "us-east-1", NULL };

static int
contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

#define KEY(user, id, status, date)                                          \
	"<member><UserName>" user "</UserName><AccessKeyId>" id                \
	"</AccessKeyId><Status>" status "</Status><CreateDate>" date           \
	"</CreateDate></member>"

#define LIST(keys, tail)                                                     \
	"<ListAccessKeysResponse " NS "><ListAccessKeysResult><UserName>bob"   \
	"</UserName><AccessKeyMetadata>" keys "</AccessKeyMetadata>" tail      \
	"</ListAccessKeysResult><ResponseMetadata><RequestId>7a62c49f-347e-"   \
	"4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>"                 \
	"</ListAccessKeysResponse>"

static void
test_list(void)
{
	struct tfa_iam_access_key_list l;
	struct tfa_creds cr;
	struct tfa_err err;

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	tfa_iam_access_key_list_init(&l);
	setup(1, xml(200, LIST(KEY("bob", "AKIAIOSFODNN7EXAMPLE", "Active",
				   "2012-05-08T23:34:01Z")
			       KEY("bob", "AKIAI44QH8DHBEXAMPLE", "Inactive",
				   "2012-05-08T23:34:01.123Z"),
			       "<IsTruncated>false</IsTruncated>")));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), 0,
	       "ListAccessKeys: success");
	is_str(C.last.method, "POST", "method POST");
	is_str(C.last.url, "https://iam.amazonaws.com/", "URL");
	is_str(hdr("Content-Type"), CT_FORM, "Content-Type");
	is_str(C.last.body.ptr, "Action=ListAccessKeys&Version=2010-05-08",
	       "no user: exact body");
	ok(contains(hdr("Authorization"),
		    "Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		    "SignedHeaders=content-type;host;x-amz-date, Signature="),
	   "signed for iam in us-east-1");
	is_int(l.n, 2, "two keys");
	is_int(l.pages, 1, "one page");
	is_str(l.user_name, "bob", "user name from the result");
	is_str(l.keys[0].access_key_id, "AKIAIOSFODNN7EXAMPLE", "first key id");
	is_str(l.keys[0].user_name, "bob", "first key's user");
	is_int(l.keys[0].status, TFA_IAM_KEY_ACTIVE, "first key Active");
	is_str(tfa_iam_key_status_name(l.keys[0].status), "Active", "  ... its name");
	is_int(l.keys[0].create_date, 1336520041, "create date 2012-05-08T23:34:01Z");
	is_int(l.keys[1].status, TFA_IAM_KEY_INACTIVE, "second key Inactive");
	is_str(l.keys[1].status_text, "Inactive", "  ... as AWS wrote it");
	is_int(l.keys[1].create_date, 1336520041, "fractional create date");
	is_str(l.request_id, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE", "request id");
	tfa_iam_access_key_list_dispose(&l);
	tfa_iam_access_key_list_dispose(&l);

	/* A user named; a temporary key sends its token. */
	creds_set(&cr, "ASIAEXAMPLE", SECRET, "TOKEN");
	setup(1, xml(200, "<ListAccessKeysResponse><ListAccessKeysResult>"
			  "<AccessKeyMetadata/><IsTruncated>false</IsTruncated>"
			  "</ListAccessKeysResult></ListAccessKeysResponse>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, "alice+ops@example", &err),
	       0, "ListAccessKeys of a named user, none: success");
	is_str(C.last.body.ptr, "Action=ListAccessKeys&Version=2010-05-08&UserName="
				"alice%2Bops%40example", "user name encoded in the body");
	is_str(hdr("X-Amz-Security-Token"), "TOKEN", "session token sent");
	is_int(l.n, 0, "no keys");
	ok(l.keys == NULL, "  ... no array");
	is_str(l.user_name, "alice+ops@example", "user name: the one asked for");
	tfa_iam_access_key_list_dispose(&l);

	/* Unknown status; no IsTruncated at all means the end. */
	creds_set(&cr, AKID, SECRET, NULL);
	setup(1, xml(200, LIST(KEY("bob", "AKIA1", "Expired", "2012-05-08T23:34:01Z")
			       "<member><AccessKeyId>AKIA2</AccessKeyId></member>", "")));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), 0,
	       "odd status, bare member: success");
	is_int(l.n, 2, "  ... two keys");
	is_int(l.keys[0].status, TFA_IAM_KEY_UNKNOWN, "  ... unknown status");
	is_str(tfa_iam_key_status_name(l.keys[0].status), "unknown", "  ... named unknown");
	is_str(l.keys[0].status_text, "Expired", "  ... text kept");
	is_int(l.keys[1].create_date, 0, "  ... no CreateDate: 0");
	is_str(l.keys[1].user_name, "", "  ... no UserName: ''");
	tfa_iam_access_key_list_dispose(&l);

	/* Members are told apart by depth: a nested member is not a key. */
	setup(1, xml(200, "<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata>"
			  "<member><AccessKeyId>AKIA1</AccessKeyId><Tags><member>"
			  "<AccessKeyId>NOTAKEY</AccessKeyId></member></Tags></member>"
			  "</AccessKeyMetadata></ListAccessKeysResult></ListAccessKeysResponse>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), 0,
	       "nested member: success");
	ok(l.n == 1 && strcmp(l.keys[0].access_key_id, "AKIA1") == 0,
	   "  ... one key, its own id");
	tfa_iam_access_key_list_dispose(&l);
	tfa_creds_dispose(&cr);
}

static void
test_pagination(void)
{
	struct tfa_iam_access_key_list l;
	struct tfa_creds cr;
	struct tfa_err err;

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	tfa_iam_access_key_list_init(&l);
	setup(3,
	      xml(200, LIST(KEY("bob", "AKIA1", "Active", "2020-01-01T00:00:00Z"),
			    "<IsTruncated>true</IsTruncated><Marker>page+2/=</Marker>")),
	      xml(200, LIST(KEY("bob", "AKIA2", "Inactive", "2020-01-02T00:00:00Z"),
			    "<IsTruncated>true</IsTruncated><Marker>page3</Marker>")),
	      xml(200, LIST(KEY("bob", "AKIA3", "Active", "2020-01-03T00:00:00Z"),
			    "<IsTruncated>false</IsTruncated>")));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, "bob", &err), 0,
	       "three pages: success");
	is_int(C.calls, 3, "three requests");
	is_int(l.pages, 3, "three pages counted");
	is_str(C.bodies[0], "Action=ListAccessKeys&Version=2010-05-08&UserName=bob",
	       "first page: no Marker");
	is_str(C.bodies[1], "Action=ListAccessKeys&Version=2010-05-08&UserName=bob"
			    "&Marker=page%2B2%2F%3D", "second page: the Marker, encoded");
	is_str(C.bodies[2], "Action=ListAccessKeys&Version=2010-05-08&UserName=bob"
			    "&Marker=page3", "third page: the next Marker");
	is_int(l.n, 3, "three keys in all");
	ok(l.n == 3 && strcmp(l.keys[0].access_key_id, "AKIA1") == 0 &&
	   strcmp(l.keys[1].access_key_id, "AKIA2") == 0 &&
	   strcmp(l.keys[2].access_key_id, "AKIA3") == 0, "  ... in order");
	ok(l.n == 3 && l.keys[1].status == TFA_IAM_KEY_INACTIVE, "  ... statuses kept");
	tfa_iam_access_key_list_dispose(&l);

	/* IsTruncated without a Marker. */
	setup(1, xml(200, LIST(KEY("bob", "AKIA1", "Active", "2020-01-01T00:00:00Z"),
			       "<IsTruncated>true</IsTruncated>")));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EINVAL,
	       "IsTruncated without Marker: TFA_EINVAL");
	ok(contains(err.msg, "IAM ListAccessKeys: the reply says IsTruncated but has "
			     "no Marker"), "  ... %s", err.msg);
	ok(l.n == 0 && l.keys == NULL, "  ... out untouched");

	/* A server that always has more: stopped at the page cap. */
	setup(1, xml(200, LIST(KEY("bob", "AKIA1", "Active", "2020-01-01T00:00:00Z"),
			       "<IsTruncated>true</IsTruncated><Marker>again</Marker>")));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_ETOOBIG,
	       "endless pages: TFA_ETOOBIG");
	is_int(C.calls, TFA_IAM_MAX_PAGES, "  ... after TFA_IAM_MAX_PAGES requests");
	ok(contains(err.msg, "more than 20 pages"), "  ... %s", err.msg);
	ok(l.n == 0, "  ... out untouched");

	/* An error on page two fails the whole call. */
	setup(2, xml(200, LIST(KEY("bob", "AKIA1", "Active", "2020-01-01T00:00:00Z"),
			       "<IsTruncated>true</IsTruncated><Marker>m</Marker>")),
	      xml(400, "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>"
		       "Throttling</Code><Message>Rate exceeded</Message></Error>"
		       "<RequestId>p2</RequestId></ErrorResponse>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EAWS,
	       "error on page two: TFA_EAWS");
	is_str(err.aws_code, "Throttling", "  ... its code");
	is_str(err.request_id, "p2", "  ... its request id");
	ok(l.n == 0, "  ... out untouched");
	tfa_creds_dispose(&cr);
}

static void
test_list_errors(void)
{
	struct tfa_iam_access_key_list l;
	struct tfa_creds cr;
	struct tfa_err err;

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	tfa_iam_access_key_list_init(&l);

	setup(1, xml(404, "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>"
			  "NoSuchEntity</Code><Message>The user with name carol cannot "
			  "be found.</Message></Error><RequestId>nse-1</RequestId>"
			  "</ErrorResponse>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, "carol", &err), TFA_EAWS,
	       "NoSuchEntity: TFA_EAWS");
	is_str(err.msg, "IAM ListAccessKeys: NoSuchEntity: The user with name carol "
			"cannot be found", "  ... message");
	is_int(err.http_status, 404, "  ... status 404");
	is_str(err.request_id, "nse-1", "  ... request id");
	ok(contains(err.hint, "check the name"), "  ... hint: %s", err.hint);

	setup(1, xml(403, "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>"
			  "AccessDenied</Code><Message>User: arn:aws:iam::123456789012:"
			  "user/bob is not authorized to perform: iam:ListAccessKeys on "
			  "resource: user bob</Message></Error><RequestId>ad-1"
			  "</RequestId></ErrorResponse>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EAWS,
	       "AccessDenied: TFA_EAWS");
	ok(contains(err.hint, "iam:ListAccessKeys"), "  ... hint names the action: %s",
	   err.hint);

	setup(1, xml(403, "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>"
			  "InvalidClientTokenId</Code><Message>The security token "
			  "included in the request is invalid.</Message></Error>"
			  "<RequestId>ict</RequestId></ErrorResponse>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EAWS,
	       "IAM InvalidClientTokenId: TFA_EAWS");
	is_str(err.msg, "IAM ListAccessKeys: InvalidClientTokenId: The security token "
			"included in the request is invalid", "  ... message");

	setup(1, xml(200, LIST("<member><UserName>bob</UserName><Status>Active</Status>"
			       "</member>", "")));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EINVAL,
	       "a key without an id: TFA_EINVAL");
	ok(contains(err.msg, "without an AccessKeyId"), "  ... %s", err.msg);

	setup(1, xml(200, LIST(KEY("bob", "AKIA1", "Active", "last year"), "")));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EINVAL,
	       "a bad CreateDate: TFA_EINVAL");
	ok(contains(err.msg, "CreateDate 'last year' is not a time"), "  ... %s", err.msg);

	setup(1, xml(200, "<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata>"
			  "<member><AccessKeyId>AKIA1</AccessKeyId>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EINVAL,
	       "truncated list: TFA_EINVAL");
	ok(contains(err.msg, "IAM ListAccessKeys: the reply is not well-formed XML"),
	   "  ... %s", err.msg);

	setup(1, xml(200, "<GetUserResponse/>"));
	is_int(tfa_iam_list_access_keys(&l, &CTX, &IAM, &cr, NULL, &err), TFA_EINVAL,
	       "another call's document: TFA_EINVAL");
	ok(contains(err.hint, "AWS_ENDPOINT_URL_IAM"), "  ... hint: %s", err.hint);
	ok(l.n == 0 && l.keys == NULL && l.user_name == NULL, "out untouched throughout");
	tfa_creds_dispose(&cr);
}

#define LAST_USED(inner)                                                     \
	"<GetAccessKeyLastUsedResponse " NS "><GetAccessKeyLastUsedResult>"    \
	"<UserName>alice</UserName><AccessKeyLastUsed>" inner                  \
	"</AccessKeyLastUsed></GetAccessKeyLastUsedResult><ResponseMetadata>"  \
	"<RequestId>510a6abf-d8e8-11e4-9d0d-EXAMPLE</RequestId>"               \
	"</ResponseMetadata></GetAccessKeyLastUsedResponse>"

static void
test_last_used(void)
{
	struct tfa_iam_key_last_used u;
	struct tfa_creds cr;
	struct tfa_err err;

	tfa_creds_init(&cr);
	creds_set(&cr, AKID, SECRET, NULL);
	tfa_iam_key_last_used_init(&u);
	setup(1, xml(200, LAST_USED("<LastUsedDate>2024-11-30T12:00:00Z</LastUsedDate>"
				    "<ServiceName>s3</ServiceName><Region>us-east-1"
				    "</Region>")));
	is_int(tfa_iam_get_access_key_last_used(&u, &CTX, &IAM, &cr,
						"AKIAIOSFODNN7EXAMPLE", &err), 0,
	       "GetAccessKeyLastUsed: success");
	is_str(C.last.body.ptr, "Action=GetAccessKeyLastUsed&Version=2010-05-08"
				"&AccessKeyId=AKIAIOSFODNN7EXAMPLE", "exact body");
	ok(contains(hdr("Authorization"), "/us-east-1/iam/aws4_request"),
	   "signed for iam");
	is_str(u.user_name, "alice", "user name");
	is_int(u.last_used_date, 1732968000, "last used 2024-11-30T12:00:00Z");
	is_str(u.service_name, "s3", "service");
	is_str(u.region, "us-east-1", "region");
	is_str(u.request_id, "510a6abf-d8e8-11e4-9d0d-EXAMPLE", "request id");
	tfa_iam_key_last_used_dispose(&u);
	tfa_iam_key_last_used_dispose(&u);

	setup(1, xml(200, LAST_USED("<ServiceName>N/A</ServiceName><Region>N/A</Region>")));
	is_int(tfa_iam_get_access_key_last_used(&u, &CTX, &IAM, &cr, "AKIA1", &err), 0,
	       "never used: success");
	is_int(u.last_used_date, 0, "  ... last used 0");
	is_str(u.service_name, "N/A", "  ... service N/A");
	is_str(u.region, "N/A", "  ... region N/A");
	tfa_iam_key_last_used_dispose(&u);

	setup(1, xml(200, LAST_USED("<LastUsedDate/>")));
	is_int(tfa_iam_get_access_key_last_used(&u, &CTX, &IAM, &cr, "AKIA1", &err), 0,
	       "empty LastUsedDate, no service: success");
	ok(u.last_used_date == 0 && strcmp(u.service_name, "N/A") == 0,
	   "  ... 0 and N/A");
	tfa_iam_key_last_used_dispose(&u);

	setup(1, xml(200, LAST_USED("<LastUsedDate>soon</LastUsedDate>")));
	is_int(tfa_iam_get_access_key_last_used(&u, &CTX, &IAM, &cr, "AKIA1", &err),
	       TFA_EINVAL, "a bad LastUsedDate: TFA_EINVAL");
	ok(contains(err.msg, "LastUsedDate 'soon' is not a time"), "  ... %s", err.msg);

	setup(1, xml(200, "<GetAccessKeyLastUsedResponse><GetAccessKeyLastUsedResult>"
			  "<UserName>alice</UserName></GetAccessKeyLastUsedResult>"
			  "</GetAccessKeyLastUsedResponse>"));
	is_int(tfa_iam_get_access_key_last_used(&u, &CTX, &IAM, &cr, "AKIA1", &err),
	       TFA_EINVAL, "no AccessKeyLastUsed: TFA_EINVAL");
	ok(contains(err.msg, "lacks GetAccessKeyLastUsedResult/AccessKeyLastUsed"),
	   "  ... %s", err.msg);

	setup(1, xml(400, "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>"
			  "NoSuchEntity</Code><Message>The Access Key with id AKIA9 "
			  "cannot be found</Message></Error><RequestId>x</RequestId>"
			  "</ErrorResponse>"));
	is_int(tfa_iam_get_access_key_last_used(&u, &CTX, &IAM, &cr, "AKIA9", &err),
	       TFA_EAWS, "unknown key: TFA_EAWS");
	is_str(err.aws_code, "NoSuchEntity", "  ... NoSuchEntity");

	setup(1, xml(200, ""));
	is_int(tfa_iam_get_access_key_last_used(&u, &CTX, &IAM, &cr, "", &err),
	       TFA_EINVAL, "no key id: TFA_EINVAL");
	ok(C.calls == 0, "  ... no request");
	ok(u.user_name == NULL && u.service_name == NULL, "out untouched throughout");
	tfa_creds_dispose(&cr);
}

int
main(void)
{
	test_list();
	test_pagination();
	test_list_errors();
	test_last_used();
	teardown();
	return tap_done();
}
