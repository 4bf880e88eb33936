/*
 * test_sso — lib/sso against a canned transport and a fake clock: the
 * profile checks and their messages, the AWS CLI's cache keys (§7.6,
 * §7.7), the device flow end to end (every request on the wire, the ui
 * calls, the files written), slow_down, the endings of a device
 * authorization, the refresh grant, the non-interactive rules, the token
 * cache's trust rules, GetRoleCredentials, and replies broken on purpose.
 */
#include "buf.h"
#include "cache.h"
#include "config.h"
#include "creds.h"
#include "ctx.h"
#include "err.h"
#include "http.h"
#include "sso.h"
#include "tap.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0 ((time_t)1700000000) /* 2023-11-14T22:13:20Z */
#define START_URL "https://my-sso-portal.awsapps.com/start"
#define OIDC "https://oidc.us-east-1.amazonaws.com"
#define PORTAL "https://portal.sso.us-east-1.amazonaws.com"
#define SESSION_FILE "0ad374308c5a4e22f723adf10145eafad7c4031c.json"
#define LEGACY_FILE "c7aaaf71fcc8777ae2475525ed049d39fe16c484.json"
#define CLIENT_SECRET "CLIENTsecretVALUE0123456789"
#define ACCESS_TOKEN "aoaACCESStokenVALUE0123456789"
#define REFRESH_TOKEN "aorREFRESHtokenVALUE0123456789"
#define DEVICE_CODE "DEVICEcodeVALUE0123456789"

static const char CONFIG[] =
	"[profile dev]\n"
	"sso_session = my-sso\n"
	"sso_account_id = 123456789012\n"
	"sso_role_name = Admin\n"
	"\n"
	"[sso-session my-sso]\n"
	"sso_start_url = " START_URL "\n"
	"sso_region = us-east-1\n"
	"\n"
	"[profile legacy]\n"
	"sso_start_url = " START_URL "\n"
	"sso_region = us-east-1\n"
	"sso_account_id = 123456789012\n"
	"sso_role_name = Admin\n";

/* ------------------------------------------------------ canned transport */

#define MAXR 48

struct reply {
	long status;
	const char *body;
	const char *etype;  /* x-amzn-ErrorType, or NULL */
	size_t len;         /* 0: strlen(body) */
};

struct canned {
	struct tfa_transport base;
	struct reply replies[MAXR];
	int nreplies;
	int calls;
	int fail;                               /* answer TFA_ENET */
	struct tfa_http_request reqs[MAXR];     /* deep copies */
};

static struct canned C;
static struct tfa_ctx CTX;
static time_t NOW;
static char home[] = "/tmp/tfa-sso-XXXXXX";
static struct tfa_config *CFG;

static int
canned_send(struct tfa_transport *t, const struct tfa_http_request *req,
	    struct tfa_http_response *resp, struct tfa_err *err)
{
	struct canned *c = (struct canned *)t;
	const struct reply *r;
	struct tfa_http_request *copy;
	size_t i;
	int n = c->calls++;

	if (n < MAXR) {
		copy = &c->reqs[n];
		tfa_http_request_init(copy, req->method, req->url);
		for (i = 0; i < req->nheaders; i++)
			tfa_http_request_add_header(copy, req->headers[i].name,
						    req->headers[i].value);
		tfa_buf_add(&copy->body, req->body.ptr, req->body.len);
	}
	if (c->fail)
		return tfa_err_set(err, TFA_ENET, "canned failure");
	if (n >= c->nreplies) {
		resp->status = 599;
		return 0;
	}
	r = &c->replies[n];
	resp->status = r->status;
	if (r->etype)
		tfa_http_response_add_header(resp, "x-amzn-ErrorType", r->etype);
	tfa_http_response_add_header(resp, "x-amzn-RequestId", "rid-1");
	if (tfa_buf_add(&resp->body, r->body, r->len ? r->len : strlen(r->body)) < 0)
		return tfa_err_set(err, TFA_ETOOBIG, "canned body over the cap");
	return 0;
}

static void
canned_free(struct tfa_transport *t)
{
	(void)t;
}

static time_t
fake_clock(void *data)
{
	(void)data;
	return NOW;
}

static void
reset_transport(void)
{
	int i;

	for (i = 0; i < MAXR && i < C.calls; i++)
		tfa_http_request_dispose(&C.reqs[i]);
	memset(&C, 0, sizeof(C));
	C.base.send = canned_send;
	C.base.free = canned_free;
}

static void
script(int n, ...)
{
	va_list ap;
	int i;

	reset_transport();
	va_start(ap, n);
	for (i = 0; i < n; i++)
		C.replies[i] = va_arg(ap, struct reply);
	va_end(ap);
	C.nreplies = n;
}

static struct reply
R(long status, const char *body)
{
	struct reply r = { status, body, NULL, 0 };
	return r;
}

static struct reply
RE(long status, const char *etype, const char *body)
{
	struct reply r = { status, body, etype, 0 };
	return r;
}

/* ------------------------------------------------------------ fixtures */

static const char *
at(const char *rel)
{
	static char paths[4][600];
	static int i;
	char *p = paths[i++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", home, rel);
	return p;
}

static const char *
cache_file(const char *name)
{
	static char p[600];

	snprintf(p, sizeof(p), "%s/.aws/sso/cache/%s", home, name);
	return p;
}

static void
put(const char *path, const char *data, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

static void
clear_cache(void)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/.aws/sso'", home);
	if (system(cmd) != 0)
		printf("# cannot clear the cache\n");
	mkdir(at(".aws"), 0700);
	mkdir(at(".aws/sso"), 0700);
	mkdir(at(".aws/sso/cache"), 0700);
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* A fresh context: HOME is the temp folder, the fake clock at T0. */
static void
setup(void)
{
	char envhome[600];
	char *env[] = { envhome, NULL };

	snprintf(envhome, sizeof(envhome), "HOME=%s", home);
	reset_transport();
	tfa_ctx_dispose(&CTX);
	tfa_ctx_init(&CTX, env);
	NOW = T0;
	CTX.clock = fake_clock;
	CTX.transport = &C.base;
	clear_cache();
}

/* Load a config text and resolve profile's SSO settings. */
static int
load_sc(struct tfa_sso_config *sc, const char *text, const char *profile,
	struct tfa_err *err)
{
	const struct tfa_section *s;
	int rc;

	tfa_config_free(CFG);
	CFG = NULL;
	put(at("config"), text, 0600);
	if ((rc = tfa_config_load_files(&CFG, at("config"), NULL, err)) < 0)
		return rc;
	s = tfa_config_profile(CFG, profile);
	if (!s)
		return tfa_err_set(err, TFA_ENOTFOUND, "test: no profile %s", profile);
	return tfa_sso_config(sc, CFG, s, err);
}

/* ------------------------------------------------------------------- UI */

struct uistate {
	int shows, ticks, calls_at_show;
	long slept_ms, last_left, expires;
	char uri[256], full[256], code[64];
};

static struct uistate U;

static void
ui_show(void *d, const char *uri, const char *full, const char *code, long expires)
{
	struct uistate *s = d;

	s->shows++;
	s->calls_at_show = C.calls;
	snprintf(s->uri, sizeof(s->uri), "%s", uri);
	snprintf(s->full, sizeof(s->full), "%s", full);
	snprintf(s->code, sizeof(s->code), "%s", code);
	s->expires = expires;
}

static void
ui_tick(void *d, long left)
{
	struct uistate *s = d;

	s->ticks++;
	s->last_left = left;
}

static void
ui_sleep(void *d, long ms)
{
	struct uistate *s = d;

	s->slept_ms += ms;
	NOW += ms / 1000;
}

static void
no_sleep(void *d, long ms)
{
	(void)d;
	(void)ms;
}

static const struct tfa_sso_ui UI = { ui_show, ui_tick, ui_sleep, &U };

/* ----------------------------------------------------------- JSON peeks */

/* A member of a JSON text as a string ("(absent)", "(null)", or the JSON
 * text of a non-string), in a static buffer picked round-robin. */
static const char *
jfield(const char *text, const char *key)
{
	static char bufs[8][512];
	static int i;
	char *out = bufs[i++ % 8];
	json_error_t e;
	json_t *root = json_loads(text ? text : "", 0, &e), *v;
	char *dump;

	v = json_object_get(root, key);
	if (!root)
		snprintf(out, 512, "(not json)");
	else if (!v)
		snprintf(out, 512, "(absent)");
	else if (json_is_string(v))
		snprintf(out, 512, "%s", json_string_value(v));
	else {
		dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(out, 512, "%s", dump ? dump : "?");
		free(dump);
	}
	json_decref(root);
	return out;
}

static const char *
body(int i)
{
	return i < C.calls && i < MAXR ? C.reqs[i].body.ptr : "";
}

static const char *
url(int i)
{
	return i < C.calls && i < MAXR ? C.reqs[i].url : "(no request)";
}

static const char *
hdr(int i, const char *name)
{
	return i < C.calls && i < MAXR ? tfa_http_request_header(&C.reqs[i], name) : NULL;
}

static int
json_keys(const char *text)
{
	json_error_t e;
	json_t *root = json_loads(text, 0, &e);
	int n = json_is_object(root) ? (int)json_object_size(root) : -1;

	json_decref(root);
	return n;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct tfa_buf b = TFA_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tfa_buf_add(&b, chunk, n);
	fclose(f);
	return tfa_buf_detach(&b);
}

static int
contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

/* No secret of these tests in a message or hint. */
static int
clean_err(const struct tfa_err *e)
{
	static const char *const secrets[] = { CLIENT_SECRET, ACCESS_TOKEN,
					       REFRESH_TOKEN, DEVICE_CODE, "NEWtoken",
					       "NEWrefresh", "SECRETkey", NULL };
	int i;

	for (i = 0; secrets[i]; i++)
		if (strstr(e->msg, secrets[i]) || strstr(e->hint, secrets[i]))
			return 0;
	return 1;
}

static const char *
fmt_time(time_t t)
{
	static char bufs[4][TFA_TIME_LEN];
	static int i;
	char *b = bufs[i++ % 4];

	tfa_time_format(b, t);
	return b;
}

/* A token entry as the AWS CLI writes it. */
static void
put_token(const char *file, const char *access, time_t expires, const char *refresh,
	  time_t reg_expires)
{
	char text[2048];
	int n;

	n = snprintf(text, sizeof(text),
		     "{\"startUrl\": \"" START_URL "\", \"region\": \"us-east-1\", "
		     "\"accessToken\": \"%s\", \"expiresAt\": \"%s\", "
		     "\"clientId\": \"cid-old\", \"clientSecret\": \"" CLIENT_SECRET "\", "
		     "\"registrationExpiresAt\": \"%s\"%s%s%s, \"x_custom\": \"keep\"}",
		     access, fmt_time(expires), fmt_time(reg_expires),
		     refresh ? ", \"refreshToken\": \"" : "", refresh ? refresh : "",
		     refresh ? "\"" : "");
	if (n < 0 || (size_t)n >= sizeof(text))
		printf("# token text cut\n");
	put(cache_file(file), text, 0600);
}

/* ------------------------------------------------------------- replies */

#define REGISTER_OK                                                         \
	"{\"clientId\": \"cid-1\", \"clientSecret\": \"" CLIENT_SECRET "\", " \
	"\"clientIdIssuedAt\": 1700000000, \"clientSecretExpiresAt\": 1707776000}"
#define AUTHORIZE_OK                                                           \
	"{\"deviceCode\": \"" DEVICE_CODE "\", \"userCode\": \"ABCD-EFGH\", "  \
	"\"verificationUri\": \"https://device.sso.us-east-1.amazonaws.com/\", " \
	"\"verificationUriComplete\": "                                         \
	"\"https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH\", " \
	"\"expiresIn\": 600}"
#define AUTHORIZE_FAST                                                         \
	"{\"deviceCode\": \"" DEVICE_CODE "\", \"userCode\": \"ABCD-EFGH\", "  \
	"\"verificationUri\": \"https://device.sso.us-east-1.amazonaws.com/\", " \
	"\"expiresIn\": 600, \"interval\": 1}"
#define TOKEN_OK                                                              \
	"{\"accessToken\": \"" ACCESS_TOKEN "\", \"tokenType\": \"Bearer\", " \
	"\"expiresIn\": 28800, \"refreshToken\": \"" REFRESH_TOKEN "\"}"
#define PENDING_BODY "{\"error\": \"authorization_pending\", \"error_description\": null}"

static struct reply
pending(void)
{
	return R(400, PENDING_BODY);
}

/* ------------------------------------------------------------ the tests */

#define CONFLICT "sso_region in profile \"p\" must match sso_region in sso-session "

static void
test_config(void)
{
	struct tfa_sso_config sc;
	struct tfa_err err;

	setup();
	is_int(load_sc(&sc, CONFIG, "dev", &err), 0, "config: sso-session profile resolves");
	is_str(sc.session_name, "my-sso", "session name");
	is_str(sc.start_url, START_URL, "start URL from the session");
	is_str(sc.region, "us-east-1", "sso_region from the session");
	is_str(sc.account_id, "123456789012", "account");
	is_str(sc.role_name, "Admin", "role");
	is_str(sc.profile_name, "dev", "profile name");
	ok(sc.session != NULL && sc.profile != NULL, "sections kept for endpoints");
	is_str(sc.scopes, TFA_SSO_DEFAULT_SCOPE, "an sso-session without scopes: the default");
	ok(sc.scopes_default, "scopes_default set");
	/* §7.6 vector */
	is_str(sc.cache_key, "0ad374308c5a4e22f723adf10145eafad7c4031c",
	       "cache key = sha1(\"my-sso\")");

	is_int(load_sc(&sc, CONFIG, "legacy", &err), 0, "config: legacy profile resolves");
	ok(sc.session_name == NULL && sc.session == NULL, "legacy: no session");
	ok(sc.scopes == NULL, "legacy: no scopes");
	is_str(sc.cache_key, "c7aaaf71fcc8777ae2475525ed049d39fe16c484",
	       "legacy cache key = sha1(start URL)");

	is_int(load_sc(&sc, "[profile p]\nsso_session = s\nsso_account_id = 1\n"
		       "sso_role_name = R\n[sso-session s]\nsso_start_url = https://x/start\n"
		       "sso_region = eu-west-1\nsso_registration_scopes = sso:account:access, extra\n",
		       "p", &err), 0, "configured scopes");
	is_str(sc.scopes, "sso:account:access, extra", "scopes as written");
	ok(!sc.scopes_default, "not the default");

	/* Errors, each; out untouched on failure. */
	memset(&sc, 0x5a, sizeof(sc));
	is_int(load_sc(&sc, "[profile p]\nsso_session = nope\nsso_account_id = 1\n"
		       "sso_role_name = R\n", "p", &err), TFA_ENOTFOUND,
	       "missing sso-session section: TFA_ENOTFOUND");
	is_str(err.msg, "failed to find SSO session section, nope", "go-v2's wording");
	ok(contains(err.hint, "[sso-session nope]") && contains(err.hint, "config:2"),
	   "hint names the section and file:line (%s)", err.hint);
	ok(sc.start_url == (const char *)0x5a5a5a5a5a5a5a5aULL, "out untouched on failure");

	is_int(load_sc(&sc, "[profile p]\nsso_session = s\n[sso-session s]\n"
		       "sso_start_url = https://x/start\nsso_region = eu-west-1\n", "p", &err),
	       TFA_EINVAL, "missing account and role: TFA_EINVAL");
	is_str(err.msg, "profile \"p\" is configured to use SSO but is missing required "
	       "configuration: sso_account_id, sso_role_name", "go-v2's missing wording");

	is_int(load_sc(&sc, "[profile p]\nsso_session = s\nsso_account_id = 1\n"
		       "sso_role_name = R\n[sso-session s]\nsso_start_url = https://x/start\n",
		       "p", &err), TFA_EINVAL, "session without sso_region");
	is_str(err.msg, "profile \"p\" is configured to use SSO but is missing required "
	       "configuration: sso_region", "names sso_region");
	ok(contains(err.hint, "[sso-session s]"), "hint: the session (%s)", err.hint);

	is_int(load_sc(&sc, "[profile p]\nsso_region = us-east-1\nsso_account_id = 1\n"
		       "sso_role_name = \n", "p", &err), TFA_EINVAL,
	       "legacy without start URL, empty role");
	is_str(err.msg, "profile \"p\" is configured to use SSO but is missing required "
	       "configuration: sso_start_url, sso_role_name", "empty counts as missing");

	is_int(load_sc(&sc, "[profile p]\nsso_start_url = my-sso-portal.awsapps.com/start\n"
		       "sso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n",
		       "p", &err), TFA_EINVAL, "start URL without a scheme");
	is_str(err.msg, "sso_start_url 'my-sso-portal.awsapps.com/start' is not a URL",
	       "says so");
	is_int(load_sc(&sc, "[profile p]\nsso_start_url = https://\n"
		       "sso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n",
		       "p", &err), TFA_EINVAL, "a scheme alone is no URL");
	is_int(load_sc(&sc, "[profile p]\nsso_start_url = HTTP://x/start\n"
		       "sso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n",
		       "p", &err), 0, "http:// in any case is a URL");

	is_int(load_sc(&sc, "[profile p]\nsso_session = s\nsso_region = us-west-2\n"
		       "sso_account_id = 1\nsso_role_name = R\n[sso-session s]\n"
		       "sso_start_url = https://x/start\nsso_region = eu-west-1\n", "p", &err),
	       TFA_EINVAL, "sso_region disagreeing with the session's");
	ok(!strncmp(err.msg, CONFLICT, strlen(CONFLICT)), "go-v2's wording (%s)", err.msg);
	ok(contains(err.hint, "us-west-2") && contains(err.hint, "eu-west-1"),
	   "hint shows both values (%s)", err.hint);

	is_int(load_sc(&sc, "[profile p]\nsso_session = s\nsso_start_url = https://y/\n"
		       "sso_account_id = 1\nsso_role_name = R\n[sso-session s]\n"
		       "sso_start_url = https://x/start\nsso_region = eu-west-1\n", "p", &err),
	       TFA_EINVAL, "sso_start_url disagreeing with the session's");
	ok(contains(err.msg, "sso_start_url in profile \"p\" must match sso_start_url"),
	   "start URL conflict named (%s)", err.msg);

	is_int(load_sc(&sc, "[profile p]\nsso_start_url = https://x/\n"
		       "sso_region = US East\nsso_account_id = 1\nsso_role_name = R\n",
		       "p", &err), TFA_EINVAL, "a bad sso_region");
	ok(contains(err.msg, "'US East' is not a region"), "says so (%s)", err.msg);
}

static void
test_keys(void)
{
	struct tfa_sso_config sc;
	char key[41], key2[41];

	memset(&sc, 0, sizeof(sc));
	sc.account_id = "123456789012";
	sc.role_name = "Admin";
	sc.session_name = "my-sso";
	sc.start_url = START_URL;
	sc.region = "us-east-1";
	tfa_sso_role_cache_key(key, &sc);
	is_str(key, "c30b99aca80d8f5b3178e353f05b2abcc9a4ccd3", "role key, sso-session (§7.7)");
	/* §7.7 registration vector: scopes null */
	tfa_sso_registration_cache_key(key, &sc);
	is_str(key, "5d2ad48f7ce068c072924f44a42fb81ca0fd6b99",
	       "registration key with scopes null (§7.7)");
	sc.scopes = "sso:account:access";
	tfa_sso_registration_cache_key(key2, &sc);
	ok(strcmp(key, key2) != 0 && strlen(key2) == 40, "scopes change the registration key");
	sc.scopes = " sso:account:access ,, ";
	tfa_sso_registration_cache_key(key, &sc);
	is_str(key, key2, "scopes split and trimmed as aws-cli does");
	sc.session_name = NULL;
	sc.scopes = NULL;
	tfa_sso_role_cache_key(key, &sc);
	is_str(key, "e76f0bbe0d2ea5ae004af5dc5d309516a2a334bf", "role key, legacy (§7.7)");
}

/* The device flow, end to end, for the sso-session profile. */
static void
test_device_flow(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	char regkey[41], regfile[64];
	char *text;
	time_t done_at;

	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	script(6, R(200, REGISTER_OK), R(200, AUTHORIZE_OK), pending(),
	       RE(400, "AuthorizationPendingException:http://internal.amazon.com/coral/",
		  "{}"),
	       R(200, TOKEN_OK), R(200, "{}"));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "device flow: success (%s)", err.msg);
	done_at = NOW;
	is_int(C.calls, 5, "register, authorize, three CreateToken");

	is_str(C.reqs[0].method, "POST", "RegisterClient is a POST");
	is_str(url(0), OIDC "/client/register", "RegisterClient URL");
	is_str(hdr(0, "Content-Type"), "application/json", "JSON content type");
	ok(hdr(0, "Authorization") == NULL, "unsigned");
	is_str(jfield(body(0), "clientName"), "botocore-client-my-sso", "clientName");
	is_str(jfield(body(0), "clientType"), "public", "clientType");
	is_str(jfield(body(0), "scopes"), "[\"sso:account:access\"]", "default scope sent");
	is_str(jfield(body(0), "grantTypes"), "(absent)", "no grantTypes, as botocore");
	is_int(json_keys(body(0)), 3, "nothing else in RegisterClient");

	is_str(url(1), OIDC "/device_authorization", "StartDeviceAuthorization URL");
	is_str(jfield(body(1), "clientId"), "cid-1", "clientId");
	is_str(jfield(body(1), "clientSecret"), CLIENT_SECRET, "clientSecret");
	is_str(jfield(body(1), "startUrl"), START_URL, "startUrl");
	is_int(json_keys(body(1)), 3, "nothing else in StartDeviceAuthorization");

	is_str(url(2), OIDC "/token", "CreateToken URL");
	is_str(jfield(body(2), "grantType"), "urn:ietf:params:oauth:grant-type:device_code",
	       "device-code grant");
	is_str(jfield(body(2), "deviceCode"), DEVICE_CODE, "deviceCode");
	is_str(jfield(body(2), "clientId"), "cid-1", "clientId in CreateToken");
	is_str(jfield(body(4), "deviceCode"), DEVICE_CODE, "later polls: same code");

	is_int(U.shows, 1, "ui->show once");
	is_int(U.calls_at_show, 3, "shown after one immediate CreateToken attempt");
	is_str(U.uri, "https://device.sso.us-east-1.amazonaws.com/", "verification URI");
	is_str(U.full, "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
	       "verification URI complete");
	is_str(U.code, "ABCD-EFGH", "user code");
	is_int(U.expires, 600, "expires_in");
	is_int(U.slept_ms, 10000, "two waits of the default 5 s");
	ok(U.ticks >= 10, "ticks about once a second (%d)", U.ticks);
	ok(U.last_left > 0 && U.last_left <= 600, "tick gets seconds left (%ld)", U.last_left);

	is_str(tok.access_token, ACCESS_TOKEN, "token: access token");
	is_int(tok.expires_at, done_at + 28800, "token: expiry = now + expiresIn");
	is_str(tok.refresh_token, REFRESH_TOKEN, "token: refresh token");
	is_str(tok.client_id, "cid-1", "token: client id");
	is_int(tok.registration_expires_at, 1707776000, "token: registration expiry");

	text = slurp(cache_file(SESSION_FILE));
	ok(text != NULL, "token file written under sha1(session)");
	is_int(mode_of(cache_file(SESSION_FILE)), 0600, "token file mode 0600");
	is_str(jfield(text, "startUrl"), START_URL, "file: startUrl");
	is_str(jfield(text, "region"), "us-east-1", "file: region");
	ok(!strcmp(jfield(text, "accessToken"), ACCESS_TOKEN), "file: accessToken");
	is_str(jfield(text, "expiresAt"), fmt_time(done_at + 28800), "file: expiresAt ...Z");
	is_str(jfield(text, "clientId"), "cid-1", "file: clientId");
	ok(!strcmp(jfield(text, "clientSecret"), CLIENT_SECRET), "file: clientSecret");
	is_str(jfield(text, "registrationExpiresAt"), "2024-02-12T22:13:20Z",
	       "file: registrationExpiresAt");
	ok(!strcmp(jfield(text, "refreshToken"), REFRESH_TOKEN), "file: refreshToken");
	is_int(json_keys(text), 8, "file: the AWS CLI's eight fields");
	ok(contains(text, "\"startUrl\": \""), "file: Python's separators");
	free(text);

	tfa_sso_registration_cache_key(regkey, &sc);
	snprintf(regfile, sizeof(regfile), "%s.json", regkey);
	text = slurp(cache_file(regfile));
	ok(text != NULL, "registration file written under botocore's key");
	is_int(mode_of(cache_file(regfile)), 0600, "registration file mode 0600");
	is_str(jfield(text, "clientId"), "cid-1", "registration: clientId");
	ok(!strcmp(jfield(text, "clientSecret"), CLIENT_SECRET), "registration: clientSecret");
	is_str(jfield(text, "expiresAt"), "2024-02-12T22:13:20Z", "registration: expiresAt");
	is_str(jfield(text, "scopes"), "[\"sso:account:access\"]", "registration: scopes");
	free(text);
	tfa_sso_token_dispose(&tok);

	/* Now cached and valid: no network, no prompt. */
	script(0);
	memset(&U, 0, sizeof(U));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "cached token: success");
	is_int(C.calls, 0, "cached token: no network");
	is_int(U.shows, 0, "cached token: no prompt");
	ok(tok.access_token && !strcmp(tok.access_token, ACCESS_TOKEN), "cached token returned");
	tfa_sso_token_dispose(&tok);
	is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), 0, "token_load reads it");
	is_int(tok.expires_at, done_at + 28800, "token_load: expiry");
	tfa_sso_token_dispose(&tok);
	tfa_sso_token_dispose(&tok); /* twice is fine */

	/* The registration written above serves the next login. */
	unlink(cache_file(SESSION_FILE));
	script(2, R(200, AUTHORIZE_OK), R(200, TOKEN_OK));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "second login: success (%s)", err.msg);
	is_str(url(0), OIDC "/device_authorization", "second login: no RegisterClient");
	is_str(jfield(body(0), "clientId"), "cid-1", "second login: the cached client");
	tfa_sso_token_dispose(&tok);
}

/* FORCE with a refresh token uses the refresh grant; a registration in the
 * cache is reused for a device login. */
static void
test_registration_reuse(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	char regkey[41], regfile[64], text[512];

	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	tfa_sso_registration_cache_key(regkey, &sc);
	snprintf(regfile, sizeof(regfile), "%s.json", regkey);
	snprintf(text, sizeof(text), "{\"clientId\": \"cid-cached\", \"clientSecret\": \""
		 CLIENT_SECRET "\", \"expiresAt\": \"%s\", \"scopes\": [\"sso:account:access\"]}",
		 fmt_time(T0 + 86400));
	put(cache_file(regfile), text, 0600);
	script(2, R(200, AUTHORIZE_OK), R(200, TOKEN_OK));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "cached registration: success (%s)", err.msg);
	is_int(C.calls, 2, "no RegisterClient");
	is_str(url(0), OIDC "/device_authorization", "first call authorizes");
	is_str(jfield(body(0), "clientId"), "cid-cached", "with the cached client");
	is_int(U.shows, 0, "pre-approved: the first attempt succeeded, no prompt");
	is_str(tok.client_id, "cid-cached", "token carries the cached client");
	tfa_sso_token_dispose(&tok);

	/* Expiring within 15 minutes: a new registration. */
	clear_cache();
	snprintf(text, sizeof(text), "{\"clientId\": \"cid-cached\", \"clientSecret\": \"s\", "
		 "\"expiresAt\": \"%s\"}", fmt_time(T0 + 899));
	put(cache_file(regfile), text, 0600);
	script(3, R(200, REGISTER_OK), R(200, AUTHORIZE_OK), R(200, TOKEN_OK));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "registration near expiry: success");
	is_str(url(0), OIDC "/client/register", "re-registered");
	tfa_sso_token_dispose(&tok);

	/* An authorization-code registration (aws-cli's PKCE): not for us. */
	clear_cache();
	snprintf(text, sizeof(text), "{\"clientId\": \"cid-pkce\", \"clientSecret\": \"s\", "
		 "\"expiresAt\": \"%s\", \"grantTypes\": [\"authorization_code\", "
		 "\"refresh_token\"]}", fmt_time(T0 + 86400));
	put(cache_file(regfile), text, 0600);
	script(3, R(200, REGISTER_OK), R(200, AUTHORIZE_OK), R(200, TOKEN_OK));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "PKCE registration: success");
	is_str(url(0), OIDC "/client/register", "PKCE registration not reused");
	tfa_sso_token_dispose(&tok);

	/* A cached registration the service no longer knows: registered anew. */
	clear_cache();
	snprintf(text, sizeof(text), "{\"clientId\": \"cid-gone\", \"clientSecret\": \"s\", "
		 "\"expiresAt\": \"%s\"}", fmt_time(T0 + 86400));
	put(cache_file(regfile), text, 0600);
	script(5, RE(400, "InvalidClientException", "{\"error\": \"invalid_client\"}"),
	       R(200, REGISTER_OK), R(200, AUTHORIZE_OK), R(200, TOKEN_OK), R(200, "{}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "invalid_client with a cached registration: success (%s)", err.msg);
	is_int(C.calls, 4, "authorize, register, authorize, token");
	is_str(url(1), OIDC "/client/register", "registered after invalid_client");
	is_str(jfield(body(2), "clientId"), "cid-1", "then authorized with the new client");
	tfa_sso_token_dispose(&tok);
}

static void
test_legacy_flow(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	char name[64], *text;

	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "legacy", &err);
	script(3, R(200, REGISTER_OK), R(200, AUTHORIZE_OK),
	       R(200, "{\"accessToken\": \"" ACCESS_TOKEN "\", \"expiresIn\": 3600}"));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "legacy device flow: success (%s)", err.msg);
	snprintf(name, sizeof(name), "botocore-client-%lld", (long long)T0);
	is_str(jfield(body(0), "clientName"), name, "legacy clientName: unix time");
	is_str(jfield(body(0), "scopes"), "(absent)", "legacy: no scopes");
	ok(tok.refresh_token == NULL, "no refresh token returned, none kept");
	text = slurp(cache_file(LEGACY_FILE));
	ok(text != NULL, "token file under sha1(start URL)");
	is_str(jfield(text, "refreshToken"), "(absent)", "file: no refreshToken");
	is_int(json_keys(text), 7, "file: seven fields");
	free(text);
	tfa_sso_token_dispose(&tok);
}

static void
test_slow_down(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;

	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	script(7, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), pending(),
	       RE(400, "SlowDownException", "{\"error\": \"slow_down\"}"), pending(),
	       R(200, TOKEN_OK), R(200, "{}"));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "slow_down: success (%s)", err.msg);
	is_int(C.calls, 6, "register, authorize, four CreateToken");
	/* waits: 1 s (interval), then slow_down: 6 s, 6 s */
	is_int(U.slept_ms, 13000, "slow_down adds 5 s to the interval");
	is_str(U.full, "https://device.sso.us-east-1.amazonaws.com/",
	       "no verificationUriComplete: the URI is passed");
	tfa_sso_token_dispose(&tok);

	/* slow_down on the immediate attempt counts too. */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	script(4, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST),
	       R(400, "{\"error\": \"slow_down\"}"), R(200, TOKEN_OK));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "slow_down first: success");
	is_int(U.slept_ms, 6000, "then waits 1 + 5 s (body error code alone)");
	tfa_sso_token_dispose(&tok);
}

static void
test_flow_failures(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	int i;

	/* expired_token */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	script(4, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), pending(),
	       R(400, "{\"error\": \"expired_token\", \"error_description\": \"x\"}"));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "expired_token: TFA_EAWS");
	is_str(err.msg, "the device authorization expired before it was approved", "message");
	is_str(err.aws_code, "ExpiredTokenException", "aws_code");
	ok(contains(err.hint, "tfauth-refresh dev"), "hint: run it again (%s)", err.hint);
	ok(!exists(cache_file(SESSION_FILE)), "expired_token: no token file");
	ok(tok.access_token == NULL, "token untouched");

	/* access_denied, named only by the header */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	script(4, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), pending(),
	       RE(400, "AccessDeniedException", ""));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "access_denied: TFA_EAWS");
	is_str(err.msg, "the login was denied in the browser", "message");
	is_str(err.aws_code, "AccessDeniedException", "aws_code");
	ok(!exists(cache_file(SESSION_FILE)), "access_denied: no token file");

	/* The device code runs out while the service keeps saying pending. */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	reset_transport();
	C.replies[0] = R(200, REGISTER_OK);
	C.replies[1] = R(200, "{\"deviceCode\": \"d\", \"userCode\": \"U-1\", "
			 "\"verificationUri\": \"https://device.example/\", "
			 "\"expiresIn\": 4, \"interval\": 1}");
	for (i = 2; i < MAXR; i++)
		C.replies[i] = pending();
	C.nreplies = MAXR;
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "expiresIn passed: TFA_EAWS");
	is_str(err.msg, "the device authorization expired before it was approved",
	       "same message as expired_token");
	/* polls at T0 (at once), T0+1, T0+2, T0+3; at T0+4 it is over */
	is_int(C.calls, 2 + 4, "polling stopped at the deadline");
	ok(NOW <= T0 + 5, "no waiting past the deadline");
	ok(!exists(cache_file(SESSION_FILE)), "deadline: no token file");

	/* A clock that stands still cannot make it poll forever. */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	C.nreplies = MAXR;
	C.replies[0] = R(200, REGISTER_OK);
	C.replies[1] = R(200, "{\"deviceCode\": \"d\", \"userCode\": \"U-1\", "
			 "\"verificationUri\": \"https://device.example/\", "
			 "\"expiresIn\": 5, \"interval\": 1}");
	for (i = 2; i < MAXR; i++)
		C.replies[i] = pending();
	{
		/* a sleep that does not move the clock */
		struct tfa_sso_ui frozen = { ui_show, NULL, no_sleep, &U };
		is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &frozen, &err), TFA_EAWS,
		       "stuck clock: still ends");
		is_int(C.calls, 2 + 1 + 6, "stuck clock: polls bounded by expiresIn");
	}

	/* Other OIDC errors end the login with the service's words. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(2, R(200, REGISTER_OK),
	       RE(400, "InvalidRequestException", "{\"error\": \"invalid_request\", "
		  "\"error_description\": \"Bad start URL.\"}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "invalid_request: TFA_EAWS");
	is_str(err.msg, "SSO OIDC StartDeviceAuthorization: InvalidRequestException: "
	       "Bad start URL", "service, action, code, description");
	is_str(err.request_id, "rid-1", "request id kept");
	is_int(err.http_status, 400, "HTTP status kept");

	/* A description that quotes a secret is left out. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(2, R(200, REGISTER_OK),
	       R(400, "{\"error\": \"invalid_client\", \"error_description\": "
		 "\"bad secret " CLIENT_SECRET "\"}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "invalid_client on a fresh registration: TFA_EAWS");
	is_str(err.msg, "SSO OIDC StartDeviceAuthorization: InvalidClientException (HTTP 400)",
	       "the secret-quoting description is dropped");
	ok(clean_err(&err), "no secret in the message");

	/* Found by fuzz_sso: the check ran on the description cut to 255
	 * bytes, so a long one kept the start of the secret; and the error
	 * code (body or x-amzn-ErrorType) was not checked at all. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(2, R(200, REGISTER_OK),
	       R(400, "{\"error\": \"invalid_client\", \"error_description\": \""
		 "0123456789012345678901234567890123456789012345678901234567890123456789"
		 "0123456789012345678901234567890123456789012345678901234567890123456789"
		 "0123456789012345678901234567890123456789012345678901234567890123456789"
		 "0123456789 bad secret " CLIENT_SECRET "\"}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "a long description quoting the secret: TFA_EAWS");
	is_str(err.msg, "SSO OIDC StartDeviceAuthorization: InvalidClientException (HTTP 400)",
	       "the long description is dropped too");
	ok(clean_err(&err) && !strstr(err.msg, "CLIENTsecret"),
	   "not even the start of the secret in the message");
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(2, R(200, REGISTER_OK), R(400, "{\"error\": \"" CLIENT_SECRET "\"}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "an error code echoing the secret: TFA_EAWS");
	ok(clean_err(&err) && !strstr(err.aws_code, "CLIENTsecret"),
	   "the code is left out of the message and aws_code");
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(2, R(200, REGISTER_OK),
	       RE(400, CLIENT_SECRET ":http://internal.amazon.com/coral/", "{}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "an x-amzn-ErrorType echoing the secret: TFA_EAWS");
	ok(clean_err(&err) && !strstr(err.aws_code, "CLIENTsecret"),
	   "that code is left out too");
	tfa_sso_token_dispose(&tok);
}

static void
test_refresh(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	char *text;

	/* Stale (5 min left, window 15), refresh token good: no device flow. */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 + 300, REFRESH_TOKEN, T0 + 86400);
	script(1, R(200, "{\"accessToken\": \"NEWtoken\", \"expiresIn\": 3600, "
		    "\"refreshToken\": \"NEWrefresh\", \"tokenType\": \"Bearer\"}"));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "refresh grant: success (%s)", err.msg);
	is_int(C.calls, 1, "one CreateToken");
	is_str(url(0), OIDC "/token", "CreateToken URL");
	is_str(jfield(body(0), "grantType"), "refresh_token", "refresh_token grant");
	ok(!strcmp(jfield(body(0), "refreshToken"), REFRESH_TOKEN), "sends the refresh token");
	is_str(jfield(body(0), "clientId"), "cid-old", "with the entry's client");
	ok(!strcmp(jfield(body(0), "clientSecret"), CLIENT_SECRET), "and its secret");
	is_str(jfield(body(0), "scope"), "(absent)", "no scope, as botocore and go-v2");
	is_int(U.shows, 0, "no device flow");
	ok(tok.access_token && !strcmp(tok.access_token, "NEWtoken"), "new access token");
	is_int(tok.expires_at, T0 + 3600, "new expiry");
	text = slurp(cache_file(SESSION_FILE));
	ok(!strcmp(jfield(text, "accessToken"), "NEWtoken"), "file: new access token");
	ok(!strcmp(jfield(text, "refreshToken"), "NEWrefresh"), "file: refresh token replaced");
	is_str(jfield(text, "expiresAt"), fmt_time(T0 + 3600), "file: new expiresAt");
	is_str(jfield(text, "registrationExpiresAt"), fmt_time(T0 + 86400),
	       "file: registration kept");
	is_str(jfield(text, "clientId"), "cid-old", "file: client kept");
	is_str(jfield(text, "x_custom"), "keep", "file: unknown field kept");
	is_int(mode_of(cache_file(SESSION_FILE)), 0600, "file: 0600");
	free(text);
	tfa_sso_token_dispose(&tok);

	/* No refresh token in the reply: the old one stays. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 - 10, REFRESH_TOKEN, T0 + 86400);
	script(1, R(200, "{\"accessToken\": \"NEWtoken\", \"expiresIn\": 3600}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err), 0,
	       "refresh while non-interactive: allowed");
	text = slurp(cache_file(SESSION_FILE));
	ok(!strcmp(jfield(text, "refreshToken"), REFRESH_TOKEN), "old refresh token kept");
	ok(tok.refresh_token && !strcmp(tok.refresh_token, REFRESH_TOKEN),
	   "... in the token returned too");
	free(text);
	tfa_sso_token_dispose(&tok);

	/* A revoked refresh token: device flow. */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 - 10, REFRESH_TOKEN, T0 + 86400);
	script(5, RE(400, "InvalidGrantException", "{\"error\": \"invalid_grant\"}"),
	       R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), pending(), R(200, TOKEN_OK));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "revoked refresh token: device flow succeeds (%s)", err.msg);
	is_int(C.calls, 5, "refresh, register, authorize, two CreateToken");
	is_str(jfield(body(0), "grantType"), "refresh_token", "refresh tried first");
	is_str(url(1), OIDC "/client/register", "then the device flow");
	is_int(U.shows, 1, "prompted once");
	text = slurp(cache_file(SESSION_FILE));
	ok(!strcmp(jfield(text, "accessToken"), ACCESS_TOKEN), "file: device-flow token");
	is_str(jfield(text, "x_custom"), "(absent)", "file: a new login writes a new entry");
	free(text);
	tfa_sso_token_dispose(&tok);

	/* Revoked, non-interactive, expired: TFA_ELOGIN naming the refusal. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 - 10, REFRESH_TOKEN, T0 + 86400);
	script(1, RE(400, "InvalidGrantException", "{\"error\": \"invalid_grant\"}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ELOGIN, "revoked, non-interactive: TFA_ELOGIN");
	is_str(err.msg, "the SSO session for 'my-sso' has expired and could not be "
	       "refreshed (InvalidGrantException)", "message names the refusal");
	is_str(err.hint, "log in with 'tfauth-refresh dev'", "hint");
	is_int(C.calls, 1, "no device flow");

	/* Revoked, non-interactive, not yet expired: the old token still serves. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 + 300, REFRESH_TOKEN, T0 + 86400);
	script(1, R(400, "{\"error\": \"invalid_grant\"}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err), 0,
	       "refresh failed, token still valid: returned");
	ok(tok.access_token && !strcmp(tok.access_token, "OLDaccess"), "the old token");
	tfa_sso_token_dispose(&tok);

	/* Registration expired: no refresh attempt. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 - 10, REFRESH_TOKEN, T0 - 1);
	script(0);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ELOGIN, "registration expired: TFA_ELOGIN");
	is_int(C.calls, 0, "no refresh attempted");

	/* The network down during a refresh: that error, no device flow. */
	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 - 10, REFRESH_TOKEN, T0 + 86400);
	script(0);
	C.fail = 1;
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_ENET,
	       "network failure: TFA_ENET");
	is_str(err.msg, "SSO OIDC CreateToken: canned failure", "prefixed message");
	is_int(C.calls, 1, "no device flow after a network failure");
	is_int(U.shows, 0, "no prompt");

	/* Network down, non-interactive, 5 min left: the token still serves. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 + 300, REFRESH_TOKEN, T0 + 86400);
	script(0);
	C.fail = 1;
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err), 0,
	       "refresh unreachable, token unexpired, non-interactive: the token");
	ok(tok.access_token && !strcmp(tok.access_token, "OLDaccess"), "the old token");
	is_int(C.calls, 1, "the refresh was tried");
	tfa_sso_token_dispose(&tok);
	/* ... and once expired, the network error itself. */
	put_token(SESSION_FILE, "OLDaccess", T0 - 1, REFRESH_TOKEN, T0 + 86400);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ENET, "refresh unreachable, token expired: TFA_ENET");

	/* FORCE, non-interactive, nothing to refresh with: not "expired". */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 + 7200, NULL, T0 + 86400);
	script(0);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc,
				 TFA_SSO_FORCE | TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ELOGIN, "FORCE without a way to refresh, non-interactive: TFA_ELOGIN");
	is_str(err.msg, "a new SSO session for 'my-sso' needs a login in the browser",
	       "says a login is needed, not that it expired");

	/* FORCE with a valid token: refreshed anyway. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 + 7200, REFRESH_TOKEN, T0 + 86400);
	script(1, R(200, "{\"accessToken\": \"NEWtoken\", \"expiresIn\": 3600}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_FORCE, &UI, &err), 0,
	       "FORCE: success");
	is_int(C.calls, 1, "FORCE ignores the valid token");
	ok(tok.access_token && !strcmp(tok.access_token, "NEWtoken"), "FORCE: new token");
	tfa_sso_token_dispose(&tok);

	/* TFAUTH_REFRESH_WINDOW moves the line. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	tfa_ctx_setenv(&CTX, "TFAUTH_REFRESH_WINDOW", "60");
	put_token(SESSION_FILE, "OLDaccess", T0 + 300, REFRESH_TOKEN, T0 + 86400);
	script(0);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "window 60 s, 300 s left: cached");
	is_int(C.calls, 0, "no refresh");
	tfa_sso_token_dispose(&tok);
}

static void
test_noninteractive(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;

	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(0);
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ELOGIN, "no token, non-interactive: TFA_ELOGIN");
	is_str(err.msg, "there is no SSO login for 'my-sso' yet", "message");
	is_str(err.hint, "log in with 'tfauth-refresh dev'", "hint");
	is_int(C.calls, 0, "no network");
	is_int(tfa_err_exit_status(&err), 3, "exit status 3");

	put_token(SESSION_FILE, ACCESS_TOKEN, T0 - 1, NULL, T0 + 86400);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ELOGIN, "expired, no refresh token: TFA_ELOGIN");
	is_str(err.msg, "the SSO session for 'my-sso' has expired", "message");
	is_int(C.calls, 0, "no network");
	ok(clean_err(&err), "no secret in the message");

	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, NULL, &err), TFA_ELOGIN,
	       "no ui: non-interactive");
	is_int(C.calls, 0, "no network");

	/* Inside the window but not expired, no refresh token: served. */
	put_token(SESSION_FILE, ACCESS_TOKEN, T0 + 60, NULL, T0 + 86400);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err), 0,
	       "60 s left, non-interactive: the token");
	is_int(C.calls, 0, "no network");
	tfa_sso_token_dispose(&tok);

	/* Legacy profile: named by its start URL. */
	load_sc(&sc, CONFIG, "legacy", &err);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ELOGIN, "legacy: TFA_ELOGIN");
	is_str(err.msg, "there is no SSO login for '" START_URL "' yet", "legacy message");
}

static void
test_cache_trust(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	char text[1024];
	struct {
		const char *json, *what;
	} bad[] = {
		{ "{\"accessToken\": \"a\", \"region\": \"us-east-1\"}", "no expiresAt" },
		{ "{\"expiresAt\": \"2030-01-01T00:00:00Z\"}", "no accessToken" },
		{ "{\"accessToken\": 42, \"expiresAt\": \"2030-01-01T00:00:00Z\"}",
		  "accessToken a number" },
		{ "{\"accessToken\": \"\", \"expiresAt\": \"2030-01-01T00:00:00Z\"}",
		  "accessToken empty" },
		{ "{\"accessToken\": \"a b\", \"expiresAt\": \"2030-01-01T00:00:00Z\"}",
		  "accessToken with a space (header injection)" },
		{ "{\"accessToken\": \"a\\r\\nX: y\", \"expiresAt\": \"2030-01-01T00:00:00Z\"}",
		  "accessToken with CR LF" },
		{ "{\"accessToken\": \"a\", \"expiresAt\": \"tomorrow\"}", "expiresAt garbage" },
		{ "{\"accessToken\": \"a\", \"expiresAt\": 1900000000}", "expiresAt a number" },
		{ "{\"accessToken\": \"a\", \"expiresAt\": \"2030-01-01T00:00:00Z\", "
		  "\"startUrl\": \"https://other.awsapps.com/start\"}", "another start URL" },
		{ "[\"accessToken\"]", "an array" },
		{ "{\"accessToken\": \"a\", \"expiresAt\": \"2030-01-01T00:00:00Z\"",
		  "truncated" },
		{ "", "empty" },
	};
	size_t i;

	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), TFA_ENOTFOUND, "no file: TFA_ENOTFOUND");
	ok(contains(err.hint, "tfauth-refresh dev"), "hint to log in (%s)", err.hint);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(cache_file(SESSION_FILE), bad[i].json, 0600);
		is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), TFA_ENOTFOUND,
		       "cache file with %s: no token", bad[i].what);
		script(0);
		is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI,
					 &err), TFA_ELOGIN, "... and token_get: login needed");
		is_int(C.calls, 0, "... without network");
	}
	ok(tok.access_token == NULL, "token never filled");

	/* The expiry forms botocore and others write. */
	snprintf(text, sizeof(text), "{\"accessToken\": \"a\", \"expiresAt\": "
		 "\"2030-01-01T00:00:00+00:00\"}");
	put(cache_file(SESSION_FILE), text, 0600);
	is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), 0, "+00:00 expiry: read");
	is_int(tok.expires_at, 1893456000, "+00:00 parsed");
	ok(tok.refresh_token == NULL && tok.client_id == NULL, "absent fields NULL");
	tfa_sso_token_dispose(&tok);
	put(cache_file(SESSION_FILE), "{\"accessToken\": \"a\", \"expiresAt\": "
	    "\"2030-01-01T00:00:00UTC\", \"refreshToken\": 7}", 0600);
	is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), 0, "UTC expiry: read");
	is_int(tok.expires_at, 1893456000, "UTC parsed");
	ok(tok.refresh_token == NULL, "a refresh token of the wrong type is ignored");
	tfa_sso_token_dispose(&tok);

	/* A file others may write is refused, not trusted. */
	put(cache_file(SESSION_FILE), "{\"accessToken\": \"a\", \"expiresAt\": "
	    "\"2030-01-01T00:00:00Z\"}", 0666);
	is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), TFA_EPERM,
	       "world-writable cache file: TFA_EPERM");
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EPERM,
	       "token_get: TFA_EPERM too");
	unlink(cache_file(SESSION_FILE));
	if (symlink(at("config"), cache_file(SESSION_FILE)) == 0) {
		is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), TFA_EPERM,
		       "symlinked cache file: TFA_EPERM");
		unlink(cache_file(SESSION_FILE));
	}
}

/* Another process holds the lock and logs in: we wait, then use its token. */
static void
test_lock(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	int p[2], fd = -1, status = 0;
	char c = 0;
	pid_t pid;
	time_t t;

	setup();
	memset(&U, 0, sizeof(U));
	load_sc(&sc, CONFIG, "dev", &err);
	put_token(SESSION_FILE, "OLDaccess", T0 - 10, NULL, T0 + 86400);
	if (pipe(p) < 0) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct tfa_err e;
		close(p[0]);
		if (tfa_cache_lock(&fd, cache_file(SESSION_FILE), 5, &e) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		put_token(SESSION_FILE, "OTHERprocess", T0 + 28800, NULL, T0 + 86400);
		tfa_cache_unlock(fd);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		printf("# the child did not take the lock\n");
	close(p[0]);
	script(0);
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "waited on the lock: success (%s)", err.msg);
	ok(tok.access_token && !strcmp(tok.access_token, "OTHERprocess"),
	   "the other process's token, read again after the lock");
	is_int(C.calls, 0, "no network: one login between them");
	is_int(U.shows, 0, "no prompt");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child ran");
	tfa_sso_token_dispose(&tok);

	/* Non-interactive with nothing to refresh: TFA_ELOGIN at once, not
	 * after waiting for another process's login. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	if (pipe(p) < 0) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct tfa_err e;
		close(p[0]);
		if (tfa_cache_lock(&fd, cache_file(SESSION_FILE), 5, &e) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		sleep(3);
		tfa_cache_unlock(fd);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		printf("# the child did not take the lock\n");
	close(p[0]);
	script(0);
	t = time(NULL);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, TFA_SSO_NONINTERACTIVE, &UI, &err),
	       TFA_ELOGIN, "locked by another, non-interactive: TFA_ELOGIN");
	ok(time(NULL) - t < 2, "... without waiting on the lock");
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

static void
test_malformed_oidc(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	struct {
		int at;             /* which reply is broken: 0 register, 1 authorize, 2 token */
		struct reply r;
		int rc;
		const char *msg;    /* a part of the message */
	} cases[] = {
		{ 0, { 200, "not json", NULL, 0 }, TFA_EINVAL,
		  "the SSO OIDC service answered with something that is not JSON" },
		{ 0, { 200, "[1, 2]", NULL, 0 }, TFA_EINVAL, "not JSON" },
		{ 0, { 200, "", NULL, 0 }, TFA_EINVAL, "not JSON" },
		{ 0, { 200, "{\"clientId\": \"c\"", NULL, 0 }, TFA_EINVAL, "not JSON" },
		{ 0, { 200, "{\"clientId\": \"c\", \"clientSecretExpiresAt\": 1}", NULL, 0 },
		  TFA_EINVAL, "no valid clientSecret" },
		{ 0, { 200, "{\"clientId\": 5, \"clientSecret\": \"s\", "
		       "\"clientSecretExpiresAt\": 1}", NULL, 0 }, TFA_EINVAL,
		  "no valid clientId" },
		{ 0, { 200, "{\"clientId\": \"c\", \"clientSecret\": \"s\", "
		       "\"clientSecretExpiresAt\": \"1707776000\"}", NULL, 0 }, TFA_EINVAL,
		  "clientSecretExpiresAt" },
		{ 0, { 200, "{\"clientId\": \"c\", \"clientSecret\": \"s\", "
		       "\"clientSecretExpiresAt\": 99999999999999999}", NULL, 0 }, TFA_EINVAL,
		  "clientSecretExpiresAt" },
		{ 0, { 400, "<html>Bad Request</html>", NULL, 0 }, TFA_EINVAL,
		  "not JSON (HTTP 400)" },
		{ 0, { 503, "<html>busy</html>", NULL, 0 }, TFA_EAWS, "answered HTTP 503" },
		{ 1, { 200, "{\"deviceCode\": \"d\", \"userCode\": \"U\", "
		       "\"verificationUri\": \"https://x/\\u001b[2J\"}", NULL, 0 },
		  TFA_EINVAL, "verificationUri" },
		{ 1, { 200, "{\"deviceCode\": \"d\", \"userCode\": \"U\\nV\", "
		       "\"verificationUri\": \"https://x/\"}", NULL, 0 },
		  TFA_EINVAL, "userCode" },
		{ 1, { 200, "{\"deviceCode\": \"d\", \"userCode\": \"U\", "
		       "\"verificationUri\": \"javascript:alert(1)\"}", NULL, 0 },
		  TFA_EINVAL, "verificationUri" },
		{ 1, { 200, "{\"userCode\": \"U\", \"verificationUri\": \"https://x/\"}",
		       NULL, 0 }, TFA_EINVAL, "deviceCode" },
		{ 1, { 200, "{\"deviceCode\": \"d\", \"userCode\": \"U\", "
		       "\"verificationUri\": \"https://x/\", \"expiresIn\": \"600\"}", NULL, 0 },
		  TFA_EINVAL, "expiresIn" },
		{ 2, { 200, "{\"accessToken\": 1, \"expiresIn\": 3600}", NULL, 0 },
		  TFA_EINVAL, "accessToken" },
		{ 2, { 200, "{\"accessToken\": \"a\", \"expiresIn\": \"3600\"}", NULL, 0 },
		  TFA_EINVAL, "expiresIn" },
		{ 2, { 200, "{\"accessToken\": \"a\", \"expiresIn\": 0}", NULL, 0 },
		  TFA_EINVAL, "expiresIn" },
		{ 2, { 200, "{\"accessToken\": \"a\", \"expiresIn\": 1e300}", NULL, 0 },
		  TFA_EINVAL, "expiresIn" },
		{ 2, { 200, "{\"accessToken\": \"a\", \"expiresIn\": 9223372036854775807}",
		       NULL, 0 }, TFA_EINVAL, "expiresIn" },
		{ 2, { 200, "{\"accessToken\": \"a\\u0000b\", \"expiresIn\": 3600}", NULL, 0 },
		  TFA_EINVAL, "not JSON" },
		{ 2, { 400, "{\"error\": 5}", NULL, 0 }, TFA_EAWS, "answered HTTP 400" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		memset(&U, 0, sizeof(U));
		load_sc(&sc, CONFIG, "dev", &err);
		script(3, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), R(200, TOKEN_OK));
		C.replies[cases[i].at] = cases[i].r;
		tfa_sso_token_init(&tok);
		is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), cases[i].rc,
		       "broken reply %zu: error code", i);
		ok(contains(err.msg, cases[i].msg), "broken reply %zu: '%s' in '%s'", i,
		   cases[i].msg, err.msg);
		ok(!exists(cache_file(SESSION_FILE)), "broken reply %zu: no token file", i);
		ok(clean_err(&err), "broken reply %zu: no secret in the message", i);
		ok(tok.access_token == NULL, "broken reply %zu: no token", i);
		tfa_sso_token_dispose(&tok);
	}
}

static void
test_hostile(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_err err;
	struct tfa_buf big = TFA_BUF_INIT;
	size_t i;

	/* 800 KB of nesting, under the 1 MiB body cap: jansson's depth
	 * limit, no crash. */
	for (i = 0; i < 400000; i++)
		tfa_buf_adds(&big, "[");
	for (i = 0; i < 400000; i++)
		tfa_buf_adds(&big, "]");
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(1, R(200, big.ptr));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EINVAL,
	       "deeply nested reply: TFA_EINVAL");
	ok(contains(err.msg, "not JSON"), "says not JSON (%s)", err.msg);

	/* A 100 KiB access token: refused. */
	tfa_buf_reset(&big);
	tfa_buf_adds(&big, "{\"accessToken\": \"");
	for (i = 0; i < 100 * 1024; i++)
		tfa_buf_addch(&big, 'a');
	tfa_buf_adds(&big, "\", \"expiresIn\": 3600}");
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(3, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), R(200, big.ptr));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EINVAL,
	       "100 KiB access token: TFA_EINVAL");
	ok(!exists(cache_file(SESSION_FILE)), "no token file");

	/* A huge cache file: a miss, not a crash. */
	tfa_buf_reset(&big);
	tfa_buf_adds(&big, "{\"accessToken\": \"a\", \"expiresAt\": \"2030-01-01T00:00:00Z\", "
		     "\"pad\": \"");
	for (i = 0; i < ((size_t)1 << 21); i++)
		tfa_buf_addch(&big, 'p');
	tfa_buf_adds(&big, "\"}");
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	put(cache_file(SESSION_FILE), big.ptr, 0600);
	is_int(tfa_sso_token_load(&tok, &CTX, &sc, &err), TFA_ENOTFOUND,
	       "2 MiB cache file: no token");

	/* Wrong types everywhere in an error reply. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(1, R(400, "{\"error\": [\"x\"], \"error_description\": {\"a\": 1}, "
		    "\"__type\": 7}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "error reply of wrong types: a status error");
	ok(contains(err.msg, "HTTP 400"), "names the status (%s)", err.msg);

	/* Control bytes in an error code and description are cleaned. */
	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	script(1, RE(400, "Evil\033[2JException:x", "{\"error_description\": \"a\\u001bb\\nc\"}"));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EAWS,
	       "hostile error code: TFA_EAWS");
	ok(!strchr(err.msg, '\033') && !strchr(err.msg, '\n'), "no control bytes (%s)", err.msg);
	tfa_buf_dispose(&big);
}

static void
test_endpoints(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_creds cr;
	struct tfa_err err;

	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	tfa_ctx_setenv(&CTX, "AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:4566/oidc");
	tfa_ctx_setenv(&CTX, "AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:4567");
	script(3, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), R(200, TOKEN_OK));
	tfa_sso_token_init(&tok);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0,
	       "custom OIDC endpoint: success (%s)", err.msg);
	is_str(url(0), "http://127.0.0.1:4566/oidc/client/register", "AWS_ENDPOINT_URL_SSO_OIDC");
	is_str(url(2), "http://127.0.0.1:4566/oidc/token", "all OIDC calls there");
	script(1, R(200, "{\"roleCredentials\": {\"accessKeyId\": \"ASIAEXAMPLE\", "
		    "\"secretAccessKey\": \"SECRETkey\", \"sessionToken\": \"tok\", "
		    "\"expiration\": 1700003600000}}"));
	tfa_creds_init(&cr);
	is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), 0,
	       "custom portal endpoint: success");
	ok(!strncmp(url(0), "http://127.0.0.1:4567/federation/credentials?", 45),
	   "AWS_ENDPOINT_URL_SSO (%s)", url(0));
	tfa_creds_dispose(&cr);
	tfa_sso_token_dispose(&tok);

	/* A bad endpoint variable stops the login before any request. */
	tfa_ctx_setenv(&CTX, "AWS_ENDPOINT_URL_SSO_OIDC", "ftp://x");
	clear_cache();
	script(0);
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), TFA_EINVAL,
	       "bad AWS_ENDPOINT_URL_SSO_OIDC: TFA_EINVAL");
	ok(contains(err.msg, "AWS_ENDPOINT_URL_SSO_OIDC"), "names it (%s)", err.msg);
	is_int(C.calls, 0, "no request");

	/* sso_region drives the default endpoints. */
	setup();
	load_sc(&sc, "[profile p]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n"
		"sso_account_id = 1\nsso_role_name = R\n", "p", &err);
	script(3, R(200, REGISTER_OK), R(200, AUTHORIZE_FAST), R(200, TOKEN_OK));
	is_int(tfa_sso_token_get(&tok, &CTX, CFG, &sc, 0, &UI, &err), 0, "eu-west-1 login");
	is_str(url(0), "https://oidc.eu-west-1.amazonaws.com/client/register",
	       "OIDC in sso_region");
	tfa_sso_token_dispose(&tok);
}

static void
test_role_credentials(void)
{
	struct tfa_sso_config sc;
	struct tfa_sso_token tok;
	struct tfa_creds cr;
	struct tfa_err err;
	const char *good = "{\"roleCredentials\": {\"accessKeyId\": \"ASIAEXAMPLE\", "
			   "\"secretAccessKey\": \"SECRETkey\", \"sessionToken\": \"SESSIONtok\", "
			   "\"expiration\": 1700003600123}}";
	struct {
		struct reply r;
		int rc;
		const char *msg;
	} bad[] = {
		{ { 200, "garbage", NULL, 0 }, TFA_EINVAL,
		  "the SSO portal answered with something that is not JSON" },
		{ { 200, "{}", NULL, 0 }, TFA_EINVAL, "no valid roleCredentials" },
		{ { 200, "{\"roleCredentials\": []}", NULL, 0 }, TFA_EINVAL,
		  "no valid roleCredentials" },
		{ { 200, "{\"roleCredentials\": {\"accessKeyId\": \"A\", \"secretAccessKey\": "
		    "\"S\", \"expiration\": 1}}", NULL, 0 }, TFA_EINVAL, "sessionToken" },
		{ { 200, "{\"roleCredentials\": {\"accessKeyId\": \"A\", \"secretAccessKey\": "
		    "\"S\", \"sessionToken\": \"T\", \"expiration\": \"soon\"}}", NULL, 0 },
		  TFA_EINVAL, "expiration" },
		{ { 200, "{\"roleCredentials\": {\"accessKeyId\": 1, \"secretAccessKey\": "
		    "\"S\", \"sessionToken\": \"T\", \"expiration\": 1}}", NULL, 0 },
		  TFA_EINVAL, "accessKeyId" },
		{ { 403, "{\"message\": \"No access\"}", "ForbiddenException", 0 }, TFA_EAWS,
		  "SSO GetRoleCredentials: ForbiddenException: No access" },
		{ { 500, "", NULL, 0 }, TFA_EAWS, "answered HTTP 500" },
	};
	size_t i;

	setup();
	load_sc(&sc, CONFIG, "dev", &err);
	tfa_sso_token_init(&tok);
	tok.access_token = tfa_xstrdup(ACCESS_TOKEN);
	tfa_creds_init(&cr);
	script(1, R(200, good));
	is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), 0,
	       "GetRoleCredentials: success (%s)", err.msg);
	is_str(C.reqs[0].method, "GET", "GET");
	is_str(url(0), PORTAL "/federation/credentials?role_name=Admin&account_id=123456789012",
	       "URL with role_name and account_id");
	ok(hdr(0, "x-amz-sso_bearer_token") &&
	   !strcmp(hdr(0, "x-amz-sso_bearer_token"), ACCESS_TOKEN), "bearer token header");
	ok(hdr(0, "Authorization") == NULL, "unsigned");
	is_int(C.reqs[0].body.len, 0, "no body");
	is_str(cr.access_key_id, "ASIAEXAMPLE", "access key");
	ok(cr.secret_access_key && !strcmp(cr.secret_access_key, "SECRETkey"), "secret key");
	ok(cr.session_token && !strcmp(cr.session_token, "SESSIONtok"), "session token");
	is_int(cr.expiration, 1700003600, "expiration from epoch milliseconds");
	is_str(cr.account_id, "123456789012", "account id from sso_account_id");
	tfa_creds_dispose(&cr);

	/* A role name that needs encoding. */
	load_sc(&sc, "[profile p]\nsso_start_url = https://x/start\nsso_region = us-east-1\n"
		"sso_account_id = 123456789012\nsso_role_name = Admin Role+&x\n", "p", &err);
	script(1, R(200, good));
	is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), 0, "encoded: success");
	is_str(url(0), PORTAL "/federation/credentials?role_name=Admin%20Role%2B%26x"
	       "&account_id=123456789012", "role name percent-encoded");
	tfa_creds_dispose(&cr);
	load_sc(&sc, CONFIG, "dev", &err);

	/* 401: the session is over. */
	script(1, RE(401, "UnauthorizedException", "{\"message\": \"Session token not "
		     "found or invalid\"}"));
	is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), TFA_EAWS,
	       "401: TFA_EAWS");
	is_str(err.aws_code, "UnauthorizedException", "aws_code");
	is_str(err.msg, "the SSO session associated with this profile has expired or is "
	       "otherwise invalid", "botocore's message");
	is_str(err.hint, "run 'tfauth-refresh dev'", "hint");
	is_int(err.http_status, 401, "status");
	is_str(err.request_id, "rid-1", "request id");
	ok(cr.access_key_id == NULL, "out untouched");
	script(1, R(401, ""));
	is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), TFA_EAWS,
	       "401 without a body: TFA_EAWS");
	is_str(err.aws_code, "UnauthorizedException", "still UnauthorizedException");
	script(1, R(401, "{\"__type\": \"com.amazonaws.switchboard#UnauthorizedException\", "
		    "\"message\": \"bad " ACCESS_TOKEN "\"}"));
	is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), TFA_EAWS,
	       "401 named by __type: TFA_EAWS");
	is_str(err.aws_code, "UnauthorizedException", "__type after '#'");
	ok(clean_err(&err), "the token is not quoted back");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		script(1, bad[i].r);
		is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), bad[i].rc,
		       "portal reply %zu: error code", i);
		ok(contains(err.msg, bad[i].msg), "portal reply %zu: '%s' in '%s'", i,
		   bad[i].msg, err.msg);
		ok(cr.access_key_id == NULL, "portal reply %zu: no credentials", i);
		ok(clean_err(&err), "portal reply %zu: no secret in the message", i);
	}

	script(1, RE(403, "ForbiddenException", "{\"message\": \"No access\"}"));
	tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err);
	ok(contains(err.hint, "sso_account_id '123456789012'") && contains(err.hint, "Admin"),
	   "403: hint names account and role (%s)", err.hint);

	/* A token unfit for a header is refused before sending. */
	tfa_secret_free(tok.access_token);
	tok.access_token = tfa_xstrdup("a\r\nX-Evil: 1");
	script(0);
	is_int(tfa_sso_role_credentials(&cr, &CTX, CFG, &sc, &tok, &err), TFA_EINVAL,
	       "token with CR LF: TFA_EINVAL");
	is_int(C.calls, 0, "nothing sent");
	tfa_sso_token_dispose(&tok);
}

int
main(void)
{
	if (!mkdtemp(home)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_config();
	test_keys();
	test_device_flow();
	test_registration_reuse();
	test_legacy_flow();
	test_slow_down();
	test_flow_failures();
	test_refresh();
	test_noninteractive();
	test_cache_trust();
	test_lock();
	test_malformed_oidc();
	test_hostile();
	test_endpoints();
	test_role_credentials();

	reset_transport();
	tfa_ctx_dispose(&CTX);
	tfa_config_free(CFG);
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
		if (system(cmd) != 0)
			printf("# cannot remove %s\n", home);
	}
	return tap_done();
}
