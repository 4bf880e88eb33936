/*
 * test_serve — the credentials endpoint of tfauth-run --serve-credentials:
 * request parsing (whole, partial, pipelined, over-long, malformed), the
 * token compare, the status of a request, the responses and their JSON,
 * the config view the child reads, TFAUTH_SERVE; then a real server on
 * loopback against a fixture HOME, with a shell script standing in for
 * tfauth-refresh: the warm path, 401, one refresh for many requests, a
 * failed refresh (the cached credentials still served, no second try
 * at once), the child's environment, and nothing left after the stop.
 */
#include "buf.h"
#include "cache.h"
#include "config.h"
#include "ctx.h"
#include "serve.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static ssize_t
parse(struct tfa_serve_request *rq, const char *s)
{
	return tfa_serve_parse(rq, s, strlen(s));
}

static void
test_parse(void)
{
	struct tfa_serve_request rq;
	const char *two = "GET /credentials HTTP/1.1\r\nAuthorization: abc\r\n\r\n"
			  "GET /x HTTP/1.1\r\n\r\n";
	char big[TFA_SERVE_MAX_REQUEST + 100];
	ssize_t n;

	n = parse(&rq, "GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		  "Authorization:   " TOKEN "  \r\nAccept: application/json\r\n\r\n");
	ok(n > 0, "a whole request parses");
	ok(rq.method_len == 3 && memcmp(rq.method, "GET", 3) == 0, "... the method");
	ok(rq.target_len == 12 && memcmp(rq.target, "/credentials", 12) == 0, "... the target");
	ok(rq.auth && rq.auth_len == 64 && memcmp(rq.auth, TOKEN, 64) == 0,
	   "... the Authorization value, without the spaces around it");
	ok(rq.keep_alive, "... HTTP/1.1 keeps the connection");

	n = parse(&rq, "GET /credentials HTTP/1.1\nauthorization: abc\n\n");
	ok(n > 0 && rq.auth_len == 3, "bare LF lines, a lower-case header name");
	is_int(parse(&rq, "GET /credentials HTTP/1.1\r\nAuthorization: abc\r\n"), 0,
	       "no empty line yet: more is needed");
	is_int(parse(&rq, "GET /cred"), 0, "half a request line: more is needed");
	is_int(parse(&rq, "GET /credentials HTTP/1.1\r"), 0,
	       "a CR at the end: more is needed (the LF may follow)");
	is_int(parse(&rq, ""), 0, "nothing: more is needed");
	n = tfa_serve_parse(&rq, two, strlen(two));
	ok(n > 0 && (size_t)n == strlen("GET /credentials HTTP/1.1\r\nAuthorization: "
					 "abc\r\n\r\n"), "two pipelined requests: the first one's bytes");
	ok(tfa_serve_parse(&rq, two + n, strlen(two) - (size_t)n) > 0 && !rq.auth &&
	   rq.target_len == 2, "... then the second");

	ok(parse(&rq, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n") > 0 && !rq.keep_alive,
	   "Connection: close");
	ok(parse(&rq, "GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n") > 0 &&
	   !rq.keep_alive, "Connection: Upgrade, Close");
	ok(parse(&rq, "GET / HTTP/1.0\r\n\r\n") > 0 && !rq.keep_alive, "HTTP/1.0 closes");
	ok(parse(&rq, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") > 0 && rq.keep_alive,
	   "HTTP/1.0 with keep-alive keeps");
	ok(parse(&rq, "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n") > 0,
	   "Content-Length: 0 is fine");

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	is_int(tfa_serve_parse(&rq, big, sizeof(big)), TFA_ETOOBIG, "no end within 8 KiB: too big");
	is_int(tfa_serve_parse(&rq, big, TFA_SERVE_MAX_REQUEST), TFA_ETOOBIG,
	       "exactly 8 KiB without an end: too big");
	is_int(tfa_serve_parse(&rq, big, 4000), 0, "4 KiB without an end: more is needed");

	{
		static const char *const bad[] = {
			"GET /credentials\r\n\r\n",
			"GET  /credentials HTTP/1.1\r\n\r\n",
			"GET /credentials HTTP/2.0\r\n\r\n",
			"GET /credentials HTTP/1.1x\r\n\r\n",
			"get /credentials HTTP/1.1\r\n\r\n",
			" GET /credentials HTTP/1.1\r\n\r\n",
			"GET /credentials HTTP/1.1\r\nNoColon\r\n\r\n",
			"GET /credentials HTTP/1.1\r\nName : v\r\n\r\n",
			"GET /credentials HTTP/1.1\r\n: v\r\n\r\n",
			"GET /credentials HTTP/1.1\r\n folded: v\r\n\r\n",
			"GET /credentials HTTP/1.1\r\nAuthorization: a\r\nAuthorization: a\r\n\r\n",
			"GET /credentials HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
			"GET /credentials HTTP/1.1\r\nContent-Length:\r\n\r\n",
			"GET /credentials HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
			"GET /credentials HTTP/1.1\r\nX: \x01\r\n\r\n",
			"GET /credentials HTTP/1.1\r\nX: \x7f\r\n\r\n",
			/* found by fuzz_serve: the CR was kept in the value */
			"GET /credentials HTTP/1.1\r\nAuthorization: " TOKEN "\r==\n\r\n",
			"GET /credentials HTTP/1.1\r\nX: a\rb\r\n\r\n",
			"GET /credentials HTTP/1.1\r\r\n\r\n",
			NULL
		};
		size_t i;
		for (i = 0; bad[i]; i++)
			is_int(parse(&rq, bad[i]), TFA_EINVAL, "malformed %zu is refused", i);
	}
	{
		const char nul[] = "GET /credentials HTTP/1.1\r\nX: a\0b\r\n\r\n";
		is_int(tfa_serve_parse(&rq, nul, sizeof(nul) - 1), TFA_EINVAL,
		       "a NUL byte is refused");
		is_int(tfa_serve_parse(&rq, nul, 33), TFA_EINVAL,
		       "... even before the request is whole");
	}
}

/* Random bytes and mutated requests: no crash (ASan watches), and never
 * more taken than given. */
static void
test_parse_random(void)
{
	static const char seed[] = "GET /credentials HTTP/1.1\r\nAuthorization: abc\r\n"
				   "Connection: keep-alive\r\nContent-Length: 0\r\n\r\n";
	struct tfa_serve_request rq;
	unsigned state = 12345;
	char buf[512];
	int i, bad = 0;
	size_t j, n;
	ssize_t r;

	for (i = 0; i < 20000; i++) {
		memcpy(buf, seed, sizeof(seed) - 1);
		n = sizeof(seed) - 1;
		for (j = 0; j < 1 + (size_t)(i % 6); j++) {
			state = state * 1103515245u + 12345u;
			buf[(state >> 8) % n] = (char)(state >> 20);
		}
		if (i % 3 == 0) {
			state = state * 1103515245u + 12345u;
			n = (state >> 8) % n;
		}
		r = tfa_serve_parse(&rq, buf, n);
		if (r > (ssize_t)n || (r > 0 && (rq.method + rq.method_len > buf + n ||
						 rq.target + rq.target_len > buf + n ||
						 (rq.auth && rq.auth + rq.auth_len > buf + n))))
			bad++;
	}
	is_int(bad, 0, "20,000 mutated requests: nothing taken past the end");
}

static void
test_status(void)
{
	struct tfa_serve_request rq;
	const char *why = NULL;

	ok(tfa_serve_token_equal(TOKEN, 64, TOKEN), "the token equals itself");
	ok(!tfa_serve_token_equal(TOKEN, 63, TOKEN), "one byte short differs");
	ok(!tfa_serve_token_equal(TOKEN "0", 65, TOKEN), "one byte more differs");
	ok(!tfa_serve_token_equal("10112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
				  64, TOKEN), "the first byte differs");
	ok(!tfa_serve_token_equal("00112233445566778899aabbccddeeff00112233445566778899aabbccddeef0",
				  64, TOKEN), "the last byte differs");
	ok(!tfa_serve_token_equal("", 0, TOKEN), "empty differs");

	parse(&rq, "GET /credentials HTTP/1.1\r\nAuthorization: " TOKEN "\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 200, "GET /credentials with the token: 200");
	parse(&rq, "GET /credentials?x=1 HTTP/1.1\r\nAuthorization: " TOKEN "\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, NULL), 200, "a query string is ignored");
	parse(&rq, "GET /credentials HTTP/1.1\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 401, "no Authorization: 401");
	is_str(why, "no Authorization header", "... and why");
	parse(&rq, "GET /credentials HTTP/1.1\r\nAuthorization:\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 401, "an empty Authorization: 401");
	parse(&rq, "GET /credentials HTTP/1.1\r\nAuthorization: Bearer " TOKEN "\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 401, "'Bearer TOKEN': 401 (the exact value)");
	is_str(why, "wrong authorization token", "... and why");
	parse(&rq, "POST /credentials HTTP/1.1\r\nAuthorization: " TOKEN "\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 405, "POST with the token: 405");
	parse(&rq, "HEAD /credentials HTTP/1.1\r\nAuthorization: " TOKEN "\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 405, "HEAD with the token: 405");
	parse(&rq, "GET /credentialsx HTTP/1.1\r\nAuthorization: " TOKEN "\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 404, "another path with the token: 404");
	parse(&rq, "DELETE /other HTTP/1.1\r\n\r\n");
	is_int(tfa_serve_status(&rq, TOKEN, &why), 401,
	       "another method and path without the token: 401 first");
}

static void
test_responses(void)
{
	struct tfa_buf b = TFA_BUF_INIT, body = TFA_BUF_INIT;
	struct tfa_creds c;
	json_t *j;
	json_error_t je;
	const char *p;

	tfa_serve_response(&b, 200, "{}", 2, 1);
	ok(strncmp(b.ptr, "HTTP/1.1 200 OK\r\n", 17) == 0, "200: the status line");
	ok(strstr(b.ptr, "\r\nContent-Length: 2\r\n") && strstr(b.ptr, "Connection: keep-alive") &&
	   strstr(b.ptr, "Content-Type: application/json") &&
	   strstr(b.ptr, "Cache-Control: no-store"), "... length, type, no-store, keep-alive");
	p = strstr(b.ptr, "\r\n\r\n");
	ok(p && strcmp(p + 4, "{}") == 0, "... then the body");
	tfa_buf_reset(&b);
	tfa_serve_response(&b, 405, "", 0, 0);
	ok(strncmp(b.ptr, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0 &&
	   strstr(b.ptr, "Allow: GET\r\n") && strstr(b.ptr, "Connection: close"),
	   "405: Allow: GET, Connection: close");
	tfa_buf_reset(&b);
	tfa_serve_response(&b, 401, "", 0, 0);
	ok(strncmp(b.ptr, "HTTP/1.1 401 Unauthorized\r\n", 27) == 0, "401 Unauthorized");

	tfa_serve_error_body(&body, "Bad\"Code", "line\nwith \"quotes\" \\");
	j = json_loads(body.ptr, 0, &je);
	ok(j && strcmp(json_string_value(json_object_get(j, "code")), "Bad\"Code") == 0 &&
	   strcmp(json_string_value(json_object_get(j, "message")),
		  "line\nwith \"quotes\" \\") == 0, "the error body is JSON, escaped");
	json_decref(j);

	tfa_creds_init(&c);
	tfa_buf_reset(&body);
	is_int(tfa_serve_creds_body(&body, &c, 1000), TFA_EINVAL, "no key id: refused");
	c.access_key_id = strdup("ASIAEXAMPLE0000000001");
	c.secret_access_key = strdup("se\"cret/+=");
	c.session_token = strdup("tok");
	c.expiration = 1767323045;   /* 2026-01-02T03:04:05Z */
	c.account_id = strdup("123456789012");
	ok(tfa_serve_creds_body(&body, &c, 1000) == 0, "credentials: a body");
	j = json_loads(body.ptr, 0, &je);
	ok(j && strcmp(json_string_value(json_object_get(j, "AccessKeyId")),
		       "ASIAEXAMPLE0000000001") == 0 &&
	   strcmp(json_string_value(json_object_get(j, "SecretAccessKey")), "se\"cret/+=") == 0 &&
	   strcmp(json_string_value(json_object_get(j, "Token")), "tok") == 0 &&
	   strcmp(json_string_value(json_object_get(j, "AccountId")), "123456789012") == 0,
	   "... the four fields and AccountId, as JSON");
	is_str(j ? json_string_value(json_object_get(j, "Expiration")) : NULL,
	       "2026-01-02T03:04:05Z", "... Expiration in RFC 3339");
	json_decref(j);

	free(c.session_token);
	c.session_token = NULL;
	free(c.account_id);
	c.account_id = NULL;
	c.expiration = 0;
	tfa_buf_reset(&body);
	tfa_serve_creds_body(&body, &c, 1767323045 - 3600);
	j = json_loads(body.ptr, 0, &je);
	ok(j && strcmp(json_string_value(json_object_get(j, "Token")), "") == 0 &&
	   !json_object_get(j, "AccountId"), "static keys: Token \"\", no AccountId");
	is_str(j ? json_string_value(json_object_get(j, "Expiration")) : NULL,
	       "2026-01-02T03:04:05Z", "... and an Expiration an hour on (botocore needs one)");
	json_decref(j);
	tfa_creds_dispose(&c);
	tfa_buf_dispose(&b);
	tfa_buf_dispose(&body);
}

static char dir[] = "/tmp/tfa-serve-XXXXXX";

static void
put(const char *name, const char *text, int mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

static void
test_view(void)
{
	struct tfa_config *cfg = NULL, *view = NULL;
	struct tfa_err err;
	struct tfa_buf b = TFA_BUF_INIT;
	const struct tfa_section *d;
	char cpath[512], kpath[512], vpath[512];
	size_t i;
	int bad = 0;

	snprintf(cpath, sizeof(cpath), "%s/vconfig", dir);
	snprintf(kpath, sizeof(kpath), "%s/vcredentials", dir);
	snprintf(vpath, sizeof(vpath), "%s/view", dir);
	put("vconfig",
	    "[default]\nregion = eu-west-3\naws_access_key_id = AKIADEFAULT\n"
	    "credential_process = /bin/false\n\n"
	    "[profile p]\nregion = us-east-2\nrole_arn = arn:aws:iam::1:role/r\n"
	    "source_profile = s\nmfa_serial = arn:aws:iam::1:mfa/x\nexternal_id = e\n"
	    "role_session_name = n\nduration_seconds = 3600\ncredential_source = Environment\n"
	    "web_identity_token_file = /t\nsso_session = s\nsso_account_id = 1\n"
	    "sso_role_name = r\nsso_start_url = https://x\nsso_region = us-east-1\n"
	    "login_session = arn:aws:iam::1:user/u\n"
	    "aws_session_token = tok\naws_account_id = 1\n"
	    "output = json\nretry_mode = adaptive\nmax_attempts = 7\n"
	    "services = mine\ns3 =\n  addressing_style = path\n  use_arn_region = true\n\n"
	    "[services mine]\nsts =\n  endpoint_url = http://127.0.0.1:1\n\n"
	    "[services other]\ns3 =\n  endpoint_url = http://127.0.0.1:2\n", 0600);
	put("vcredentials", "[p]\naws_access_key_id = AKIAP\naws_secret_access_key = sec\n"
	    "[default]\naws_access_key_id = AKIAD\naws_secret_access_key = secd\n", 0600);
	tfa_err_clear(&err);
	if (tfa_config_load_files(&cfg, cpath, kpath, &err) < 0) {
		ok(0, "view fixture loads: %s", err.msg);
		return;
	}
	tfa_serve_config_view(&b, cfg, "p");
	ok(!strstr(b.ptr, "sec") && !strstr(b.ptr, "AKIA") && !strstr(b.ptr, "role_arn") &&
	   !strstr(b.ptr, "sso_") && !strstr(b.ptr, "source") && !strstr(b.ptr, "mfa") &&
	   !strstr(b.ptr, "login_session") && !strstr(b.ptr, "web_identity") &&
	   !strstr(b.ptr, "external_id") && !strstr(b.ptr, "duration") &&
	   !strstr(b.ptr, "credential_") && !strstr(b.ptr, "aws_"),
	   "the view has no credential setting");
	ok(strstr(b.ptr, "[default]\n") && strstr(b.ptr, "region = us-east-2\n") &&
	   strstr(b.ptr, "retry_mode = adaptive\n") && strstr(b.ptr, "max_attempts = 7\n") &&
	   strstr(b.ptr, "output = json\n") && strstr(b.ptr, "services = mine\n") &&
	   strstr(b.ptr, "s3 =\n  addressing_style = path\n  use_arn_region = true\n"),
	   "... and the profile's other settings, sub-properties too");
	ok(strstr(b.ptr, "[services mine]\nsts =\n  endpoint_url = http://127.0.0.1:1\n") &&
	   !strstr(b.ptr, "other") && !strstr(b.ptr, "eu-west-3"),
	   "... the services section it names, nothing of the real default or other sections");
	put("view", b.ptr, 0600);
	if (tfa_config_load_files(&view, vpath, NULL, &err) < 0) {
		ok(0, "the view loads back: %s", err.msg);
	} else {
		d = tfa_config_profile(view, "default");
		ok(d && tfa_config_profile_count(view) == 1, "the view loads back: one profile, "
		   "default");
		for (i = 0; d && i < d->nsettings; i++)
			bad |= tfa_serve_credential_key(d->settings[i].key);
		ok(d && !bad && strcmp(tfa_section_value(d, "region"), "us-east-2") == 0,
		   "... with the region and no credential key");
		ok(tfa_config_services(view, "mine") != NULL, "... and the services section");
	}
	{
		/* found by fuzz_serve: a value that only reads back in quotes */
		static const char text[] =
			"[profile q]\ncli_pager = \"#less -R\"\nnote = \";x\"\n"
			"pad = \"  spaced \"\nquoted = \"\"twice\"\"\nlast = \"cr\r\"\n"
			"multi = \"#first\"\n  second\nplain = a \"b\"\ns3 =\n  k = \"#v\"\n";
		static const char *const want[][2] = {
			{ "cli_pager", "#less -R" }, { "note", ";x" }, { "pad", "  spaced " },
			{ "quoted", "\"twice\"" }, { "last", "cr\r" },
			{ "multi", "#first\nsecond" }, { "plain", "a \"b\"" },
		};
		struct tfa_config *qc = NULL, *qv = NULL;
		const struct tfa_setting *st;
		size_t j;
		int same = 1;

		tfa_buf_reset(&b);
		if (tfa_config_parse(&qc, text, sizeof(text) - 1, NULL, 0, &err) == 0) {
			tfa_serve_config_view(&b, qc, "q");
			if (tfa_config_parse(&qv, b.ptr, b.len, NULL, 0, &err) == 0 &&
			    (d = tfa_config_profile(qv, "default"))) {
				for (j = 0; j < sizeof(want) / sizeof(want[0]); j++) {
					const char *v = tfa_section_value(d, want[j][0]);
					same &= v && strcmp(v, want[j][1]) == 0;
				}
				st = tfa_section_get(d, "s3");
				same &= st && st->nsub == 1 && strcmp(st->sub[0].value, "#v") == 0;
				ok(same, "values that need their quotes keep them in the view");
			} else {
				ok(0, "the quoted view loads back: %s", err.msg);
			}
		} else {
			ok(0, "the quoted fixture parses: %s", err.msg);
		}
		tfa_config_free(qv);
		tfa_config_free(qc);
	}
	tfa_buf_reset(&b);
	tfa_serve_config_view(&b, cfg, "nonesuch");
	ok(strstr(b.ptr, "[default]\n") && !strstr(b.ptr, "region"),
	   "an unknown profile: an empty [default]");
	ok(tfa_serve_credential_key("aws_access_key_id") && tfa_serve_credential_key("sso_session") &&
	   tfa_serve_credential_key("credential_process") && !tfa_serve_credential_key("region") &&
	   !tfa_serve_credential_key("ca_bundle") && !tfa_serve_credential_key("endpoint_url"),
	   "credential keys: aws_*, sso_*, credential_process; not region, ca_bundle, "
	   "endpoint_url");
	tfa_config_free(view);
	tfa_config_free(cfg);
	tfa_buf_dispose(&b);
}

static void
test_setting(void)
{
	static const struct {
		const char *v;
		int rc, on;
	} cases[] = {
		{ NULL, 0, 0 }, { "", 0, 0 }, { "0", 0, 0 }, { "false", 0, 0 }, { "NO", 0, 0 },
		{ "off", 0, 0 }, { "1", 0, 1 }, { "true", 0, 1 }, { "Yes", 0, 1 }, { "on", 0, 1 },
		{ "2", TFA_EINVAL, 0 }, { "maybe", TFA_EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char var[64];
		char *env[] = { var, NULL };
		struct tfa_ctx ctx;
		struct tfa_err err;
		int on = -1, rc;

		snprintf(var, sizeof(var), "TFAUTH_SERVE=%s", cases[i].v ? cases[i].v : "");
		if (!cases[i].v)
			env[0] = NULL;
		tfa_ctx_init(&ctx, env);
		tfa_err_clear(&err);
		rc = tfa_serve_setting(&on, &ctx, &err);
		ok(rc == cases[i].rc && (rc < 0 || on == cases[i].on), "TFAUTH_SERVE=%s: %s",
		   cases[i].v ? cases[i].v : "(unset)", rc < 0 ? "refused" : on ? "on" : "off");
		if (rc < 0)
			ok(strstr(err.msg, "TFAUTH_SERVE") != NULL, "... the message names it");
		tfa_ctx_dispose(&ctx);
	}
}

/* ---- a real server ---------------------------------------------------- */

static char logs[8192];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void
collect(const char *line, void *data)
{
	(void)data;
	pthread_mutex_lock(&log_lock);
	if (strlen(logs) + strlen(line) + 2 < sizeof(logs)) {
		strcat(logs, line);
		strcat(logs, "\n");
	}
	pthread_mutex_unlock(&log_lock);
}

static int
port_of(const char *url)
{
	const char *p = strrchr(url, ':');
	return p ? atoi(p + 1) : 0;
}

/* One request on a new connection: the status, body into out. */
static int
request(int port, const char *req, char *out, size_t n)
{
	struct sockaddr_in a;
	size_t got = 0;
	ssize_t k;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	struct timeval tv = { 20, 0 };

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		status = errno == ECONNREFUSED ? -2 : -1;
		close(fd);
		return status;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		goto out;
	/* The server's refresh ends a child of this process: its SIGCHLD
	 * interrupts a recv with a timeout, even while ignored. */
	while (got + 1 < n && ((k = recv(fd, out + got, n - got - 1, 0)) > 0 ||
			       (k < 0 && errno == EINTR)))
		got += k > 0 ? (size_t)k : 0;
	out[got] = '\0';
	if (sscanf(out, "HTTP/1.1 %d", &status) != 1)
		status = -1;
out:
	close(fd);
	return status;
}

struct par {
	int port;
	const char *req;
	int status;
	char akid[32];
};

static void *
one(void *arg)
{
	struct par *p = arg;
	char buf[4096], *k;

	p->status = request(p->port, p->req, buf, sizeof(buf));
	if ((k = strstr(buf, "\"AccessKeyId\":\"")))
		snprintf(p->akid, sizeof(p->akid), "%.20s", k + 15);
	tfa_wipe(buf, sizeof(buf));
	return NULL;
}

static void
write_role_cache(const char *path, const char *akid, long left)
{
	char when[32], text[1024];
	time_t t = time(NULL) + left;
	struct tm tm;
	FILE *f;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(text, sizeof(text),
		 "{\"Credentials\": {\"AccessKeyId\": \"%s\", \"SecretAccessKey\": "
		 "\"secretsecretsecret\", \"SessionToken\": \"tokentokentoken\", "
		 "\"Expiration\": \"%s\"}, \"AssumedRoleUser\": {\"Arn\": "
		 "\"arn:aws:sts::123456789012:assumed-role/r/s\", \"AssumedRoleId\": \"AROA:s\"}}",
		 akid, when);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, 0600);
}

static void
test_server(void)
{
	struct tfa_cache_role_key rk;
	struct tfa_serve_opts o;
	struct tfa_serve *s = NULL;
	struct tfa_config *cfg = NULL;
	struct tfa_ctx ctx, child;
	struct tfa_err err;
	struct par par[12];
	pthread_t th[12];
	char home[300], cache[600], fresh[600], script[600], count[600], req[512];
	char buf[4096], key[41], env0[400], *envp[4];
	const char *tokfile, *url;
	char token[80] = "";
	struct stat st;
	FILE *f;
	int port, i, all, same;

	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(env0, sizeof(env0), "HOME=%s", home);
	envp[0] = env0;
	envp[1] = "TMPDIR=/tmp";
	envp[2] = "AWS_PROFILE=stale-one";
	envp[3] = NULL;
	mkdir(home, 0700);
	snprintf(buf, sizeof(buf), "%s/.aws", home);
	mkdir(buf, 0700);
	snprintf(buf, sizeof(buf), "%s/.aws/cli", home);
	mkdir(buf, 0700);
	snprintf(buf, sizeof(buf), "%s/.aws/cli/cache", home);
	mkdir(buf, 0700);
	put("home/.aws/config", "[profile r]\nregion = us-west-2\n"
	    "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n"
	    "role_session_name = s\n\n[profile k]\nregion = us-west-2\n", 0600);
	put("home/.aws/credentials", "[k]\naws_access_key_id = AKIAKEYEXAMPLE000001\n"
	    "aws_secret_access_key = keysecretkeysecret\n", 0600);
	memset(&rk, 0, sizeof(rk));
	rk.role_arn = "arn:aws:iam::123456789012:role/r";
	rk.role_session_name = "s";
	tfa_cache_key_assume_role(key, &rk);
	snprintf(cache, sizeof(cache), "%s/.aws/cli/cache/%s.json", home, key);
	snprintf(fresh, sizeof(fresh), "%s/fresh.json", dir);
	snprintf(count, sizeof(count), "%s/refreshes", dir);
	snprintf(script, sizeof(script), "%s/refresh.sh", dir);
	write_role_cache(cache, "ASIAOLDEXAMPLE000001", 3000);
	write_role_cache(fresh, "ASIANEWEXAMPLE000002", 3000);
	/* The stand-in tfauth-refresh: counts itself, takes a while, writes
	 * the fresh entry atomically; exits with the status in ./fail if any. */
	f = fopen(script, "w");
	if (f) {
		fprintf(f, "#!/bin/sh\necho \"$*\" >>'%s'\nsleep 0.3\n"
			"if [ -f '%s/fail' ]; then exit $(cat '%s/fail'); fi\n"
			"cp '%s' '%s.tmp' && mv '%s.tmp' '%s'\n", count, dir, dir, fresh,
			cache, cache, cache);
		fclose(f);
	}
	chmod(script, 0700);

	tfa_ctx_init(&ctx, envp);
	tfa_err_clear(&err);
	if (tfa_config_load(&cfg, &ctx, &err) < 0) {
		ok(0, "server fixture loads: %s", err.msg);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.ctx = &ctx;
	o.cfg = cfg;
	o.profile = "r";
	o.region = "us-west-2";
	o.refresh_path = script;
	o.log = collect;
	if (!ok(tfa_serve_start(&s, &o, &err) == 0, "the server starts")) {
		printf("#   %s\n", err.msg);
		return;
	}
	url = tfa_serve_url(s);
	tokfile = tfa_serve_token_file(s);
	port = port_of(url);
	ok(strncmp(url, "http://127.0.0.1:", 17) == 0 && strstr(url, "/credentials") && port > 0,
	   "its URL: http://127.0.0.1:PORT/credentials");
	ok(stat(tokfile, &st) == 0 && (st.st_mode & 0777) == 0600, "the token file is 0600");
	f = fopen(tokfile, "r");
	if (f) {
		if (!fgets(token, sizeof(token), f))
			token[0] = '\0';
		fclose(f);
	}
	ok(strlen(token) == 64, "the token: 64 characters, no newline");

	tfa_ctx_init(&child, envp);
	tfa_ctx_setenv(&child, "AWS_ACCESS_KEY_ID", "AKIASTALE");
	tfa_ctx_setenv(&child, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x");
	tfa_ctx_setenv(&child, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "old");
	tfa_ctx_setenv(&child, "AWS_ROLE_ARN", "arn:x");
	tfa_ctx_setenv(&child, "AWS_WEB_IDENTITY_TOKEN_FILE", "/x");
	tfa_serve_child_env(&child, s);
	ok(!tfa_ctx_getenv(&child, "AWS_PROFILE") && !tfa_ctx_getenv(&child, "AWS_ACCESS_KEY_ID") &&
	   !tfa_ctx_getenv(&child, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") &&
	   !tfa_ctx_getenv(&child, "AWS_CONTAINER_AUTHORIZATION_TOKEN") &&
	   !tfa_ctx_getenv(&child, "AWS_ROLE_ARN") &&
	   !tfa_ctx_getenv(&child, "AWS_WEB_IDENTITY_TOKEN_FILE"),
	   "child env: AWS_PROFILE, keys, RELATIVE_URI, the token variable, web identity gone");
	is_str(tfa_ctx_getenv(&child, "AWS_CONTAINER_CREDENTIALS_FULL_URI"), url,
	       "child env: FULL_URI");
	is_str(tfa_ctx_getenv(&child, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), tokfile,
	       "child env: the token file");
	is_str(tfa_ctx_getenv(&child, "AWS_REGION"), "us-west-2", "child env: the region");
	ok(tfa_ctx_getenv(&child, "AWS_CONFIG_FILE") &&
	   strcmp(child.config_path, tfa_ctx_getenv(&child, "AWS_CONFIG_FILE")) == 0 &&
	   stat(child.credentials_path, &st) == 0 && st.st_size == 0,
	   "child env: the config view and an empty credentials file");
	tfa_ctx_setenv(&child, "AWS_REGION", "ap-south-1");
	tfa_ctx_unsetenv(&child, "AWS_DEFAULT_REGION");
	tfa_serve_child_env(&child, s);
	is_str(tfa_ctx_getenv(&child, "AWS_REGION"), "ap-south-1", "a region already set stays");
	tfa_ctx_dispose(&child);

	/* The warm path. */
	snprintf(req, sizeof(req), "GET /credentials HTTP/1.1\r\nAuthorization: %s\r\n"
		 "Connection: close\r\n\r\n", token);
	is_int(request(port, req, buf, sizeof(buf)), 200, "with the token: 200");
	ok(strstr(buf, "\"AccessKeyId\":\"ASIAOLDEXAMPLE000001\"") != NULL,
	   "... the cached credentials");
	ok(access(count, F_OK) != 0, "... no refresh");
	is_int(request(port, "GET /credentials HTTP/1.1\r\nAuthorization: nope\r\n"
		       "Connection: close\r\n\r\n", buf, sizeof(buf)), 401, "a wrong token: 401");
	ok(strstr(buf, "ASIA") == NULL, "... no credentials in it");
	ok(strstr(logs, "refused a credentials request from 127.0.0.1:") &&
	   strstr(logs, "wrong authorization token (401)") && !strstr(logs, token),
	   "the refusal is logged, without the token");
	is_int(request(port, "GARBAGE\r\n\r\n", buf, sizeof(buf)), 400, "garbage: 400");

	/* Keep-alive: two requests on one connection. */
	{
		char two[400];
		snprintf(two, sizeof(two), "GET /credentials HTTP/1.1\r\nAuthorization: %s\r\n\r\n"
			 "GET /credentials HTTP/1.1\r\nAuthorization: %s\r\nConnection: close"
			 "\r\n\r\n", token, token);
		request(port, two, buf, sizeof(buf));
		ok(strstr(buf, "HTTP/1.1 200") && strstr(strstr(buf, "HTTP/1.1 200") + 5,
							   "HTTP/1.1 200"),
		   "two pipelined requests on one connection: two answers");
	}

	/* Due: 12 concurrent requests, one refresh. */
	write_role_cache(cache, "ASIAOLDEXAMPLE000001", 120);
	for (i = 0; i < 12; i++) {
		par[i].port = port;
		par[i].req = req;
		par[i].akid[0] = '\0';
		pthread_create(&th[i], NULL, one, &par[i]);
	}
	for (i = 0; i < 12; i++)
		pthread_join(th[i], NULL);
	for (all = 1, same = 1, i = 0; i < 12; i++) {
		all &= par[i].status == 200;
		same &= strcmp(par[i].akid, "ASIANEWEXAMPLE000002") == 0;
	}
	ok(all && same, "due: 12 concurrent requests, all 200 with the refreshed credentials");
	{
		int lines = 0;
		char line[256];
		f = fopen(count, "r");
		while (f && fgets(line, sizeof(line), f))
			lines++;
		if (f)
			fclose(f);
		is_int(lines, 1, "... one refresh between them");
		f = fopen(count, "r");
		ok(f && fgets(line, sizeof(line), f) && strcmp(line, "--quiet -- r\n") == 0,
		   "... run as 'tfauth-refresh --quiet -- r'");
		if (f)
			fclose(f);
	}

	/* A failed refresh: the cached credentials are served while they
	 * last, and no refresh is tried again at once. */
	unlink(count);
	put("fail", "3\n", 0600);
	write_role_cache(cache, "ASIASTALEEXAMPLE0003", 120);
	is_int(request(port, req, buf, sizeof(buf)), 200, "refresh fails: still 200");
	ok(strstr(buf, "ASIASTALEEXAMPLE0003") != NULL, "... with the credentials that still work");
	is_int(request(port, req, buf, sizeof(buf)), 200, "again: 200");
	{
		int lines = 0;
		char line[256];
		f = fopen(count, "r");
		while (f && fgets(line, sizeof(line), f))
			lines++;
		if (f)
			fclose(f);
		is_int(lines, 1, "... one refresh tried, not one per request");
	}
	ok(strstr(logs, "could not be refreshed (tfauth-refresh exited with 3)") != NULL,
	   "the failed refresh is logged");
	write_role_cache(cache, "ASIASTALEEXAMPLE0003", -10);
	is_int(request(port, req, buf, sizeof(buf)), 500, "expired and not refreshable: 500");
	ok(strstr(buf, "\"code\":\"CredentialsUnavailable\"") && strstr(buf, "expired"),
	   "... saying why");

	{
		char tdir[600], tfile[600];
		/* tokfile lives in s, which the stop frees. */
		snprintf(tfile, sizeof(tfile), "%s", tokfile);
		snprintf(tdir, sizeof(tdir), "%s", tokfile);
		*strrchr(tdir, '/') = '\0';
		tfa_serve_stop(s);
		ok(access(tfile, F_OK) != 0 && access(tdir, F_OK) != 0,
		   "stopped: the token file and its folder are gone");
	}
	is_int(request(port, req, buf, sizeof(buf)), -2, "stopped: connection refused");

	/* The command ends while a refresh waits (on a prompt): the stop ends
	 * the refresh and does not wait for it. */
	{
		char slow[600], pidfile[600];
		struct timespec t0, t1;
		pthread_t t;
		long pid = 0;
		double secs;

		snprintf(slow, sizeof(slow), "%s/slow.sh", dir);
		snprintf(pidfile, sizeof(pidfile), "%s/slow.pid", dir);
		f = fopen(slow, "w");
		if (f) {
			fprintf(f, "#!/bin/sh\necho $$ >'%s.tmp'\nmv '%s.tmp' '%s'\n"
				"exec sleep 30\n", pidfile, pidfile, pidfile);
			fclose(f);
		}
		chmod(slow, 0700);
		o.refresh_path = slow;
		write_role_cache(cache, "ASIAOLDEXAMPLE000001", 120);
		s = NULL;
		if (!ok(tfa_serve_start(&s, &o, &err) == 0, "a second server starts"))
			goto done;
		f = fopen(tfa_serve_token_file(s), "r");
		if (f) {
			if (!fgets(token, sizeof(token), f))
				token[0] = '\0';
			fclose(f);
		}
		snprintf(req, sizeof(req), "GET /credentials HTTP/1.1\r\nAuthorization: %s\r\n"
			 "Connection: close\r\n\r\n", token);
		par[0].port = port_of(tfa_serve_url(s));
		par[0].req = req;
		pthread_create(&t, NULL, one, &par[0]);
		for (i = 0; i < 500 && access(pidfile, F_OK) != 0; i++)
			usleep(10000);
		f = fopen(pidfile, "r");
		if (f) {
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		ok(pid > 0, "a request started the (slow) refresh");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		tfa_serve_stop(s);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		pthread_join(t, NULL);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		ok(secs < 5, "stopped in %.2f s, not after the refresh's 30", secs);
		ok(pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH,
		   "... the refresh was ended (and reaped)");
	}
done:
	tfa_serve_stop(NULL);
	tfa_config_free(cfg);
	tfa_ctx_dispose(&ctx);
}

int
main(void)
{
	char cmd[300];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_parse_random();
	test_status();
	test_responses();
	test_view();
	test_setting();
	test_server();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
