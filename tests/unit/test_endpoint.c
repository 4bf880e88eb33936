#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "endpoint.h"
#include "err.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fake environment: HOME plus the given "NAME=value" strings. */
#define ENV(...) ((char *[]){ "HOME=/nonexistent", __VA_ARGS__, NULL })
#define NOENV ((char *[]){ "HOME=/nonexistent", NULL })

static char dir[] = "/tmp/tfa-endpoint-XXXXXX";
static char cpath[256];
static struct tfa_config *cfg;

/* Every profile and services section the tests use, in one config file. */
static const char fixture[] =
	"[profile dev]\n"
	"region = us-west-2\n"
	"services = dev\n"
	"endpoint_url = http://profile.example:1000\n"
	"[services dev]\n"
	"sts =\n"
	"  endpoint_url = http://services-sts.example:2000/\n"
	"iam =\n"
	"  endpoint_url = http://services-iam.example:2001\n"
	"sso =\n"
	"  endpoint_url = http://services-sso.example:2002\n"
	"sso_oidc =\n"
	"  endpoint_url = http://services-oidc.example:2003\n"
	"[profile plain]\n"
	"endpoint_url = http://profile-plain.example:3000/base/\n"
	"[profile ignoring]\n"
	"services = dev\n"
	"endpoint_url = http://ignored.example\n"
	"ignore_configured_endpoint_urls = TRUE\n"
	"[profile ignoreyes]\n"
	"ignore_configured_endpoint_urls = yes\n"
	"endpoint_url = http://not-ignored.example\n"
	"[profile legacy]\n"
	"region = eu-west-1\n"
	"sts_regional_endpoints = legacy\n"
	"[profile legacybad]\n"
	"sts_regional_endpoints = sometimes\n"
	"[profile lonely]\n"
	"services = missing\n"
	"[profile flat]\n"
	"services = flat\n"
	"[services flat]\n"
	"sts = http://flat.example\n"
	"[profile badurl]\n"
	"endpoint_url = localhost:5000\n"
	"[profile badsvcurl]\n"
	"services = badsvcurl\n"
	"[services badsvcurl]\n"
	"sts =\n"
	"  endpoint_url = ftp://files.example\n"
	"[profile onlyiam]\n"
	"services = iamonly\n"
	"endpoint_url = http://profile-onlyiam.example\n"
	"[services iamonly]\n"
	"iam =\n"
	"  endpoint_url = http://iam-only.example\n"
	"[profile upper]\n"
	"region = US-EAST-1\n"
	"[profile emptyurl]\n"
	"endpoint_url =\n"
	"services =\n";

/* The line of the fixture that contains needle (1-based). */
static unsigned
line_of(const char *needle)
{
	const char *p = strstr(fixture, needle), *q;
	unsigned n = 1;

	if (!p)
		return 0;
	for (q = fixture; q < p; q++)
		n += *q == '\n';
	return n;
}

/* A formatted string in one of a few rotating buffers; a cut fails. */
__attribute__((format(printf, 1, 2))) static const char *
f(const char *fmt, ...)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(bufs[0]))
		ok(0, "test string fits its buffer (%d bytes)", n);
	return b;
}

static int
run(struct tfa_endpoint *e, struct tfa_err *err, char **envp, const char *profile,
    enum tfa_service svc, const char *region, const char *origin)
{
	struct tfa_ctx ctx;
	int rc;

	tfa_ctx_init(&ctx, envp);
	tfa_err_clear(err);
	rc = tfa_endpoint_resolve(e, &ctx, cfg, profile ? tfa_config_profile(cfg, profile) : NULL,
				  svc, region, origin, err);
	tfa_ctx_dispose(&ctx);
	return rc;
}

static void
expect(char **envp, const char *profile, enum tfa_service svc, const char *region,
       const char *url, const char *signing, const char *source, const char *desc)
{
	struct tfa_endpoint e;
	struct tfa_err err;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = run(&e, &err, envp, profile, svc, region, NULL);
	if (!ok(rc == 0, "%s: resolves", desc)) {
		printf("#   error: %s\n#   hint: %s\n", err.msg, err.hint);
		return;
	}
	is_str(e.url, url, "%s: url", desc);
	is_str(e.signing_region, signing, "%s: signing region", desc);
	if (source)
		is_str(e.source, source, "%s: source", desc);
	tfa_endpoint_dispose(&e);
}

static void
expect_fail(char **envp, const char *profile, enum tfa_service svc, const char *region,
	    const char *origin, int code, const char *msg, const char *hint, const char *desc)
{
	struct tfa_endpoint e;
	struct tfa_err err;
	char *sentinel = "untouched";
	int rc;

	memset(&e, 0, sizeof(e));
	e.url = sentinel;
	rc = run(&e, &err, envp, profile, svc, region, origin);
	if (!ok(rc == code && err.code == code && strstr(err.msg, msg) &&
		(!hint || strstr(err.hint, hint)), "%s", desc))
		printf("#   rc %d code %d\n#   msg:  '%s' (wanted '%s')\n#   hint: '%s' (wanted '%s')\n",
		       rc, err.code, err.msg, msg, err.hint, hint ? hint : "");
	ok(e.url == sentinel, "%s: out untouched", desc);
	if (rc == 0 && e.url != sentinel)
		tfa_endpoint_dispose(&e);
}

/* The error message for one resolve, in a static buffer. */
static const char *
msg_of(char **envp, const char *profile, enum tfa_service svc, const char *region,
       const char *origin)
{
	static struct tfa_err err;
	struct tfa_endpoint e;

	memset(&e, 0, sizeof(e));
	if (run(&e, &err, envp, profile, svc, region, origin) == 0) {
		tfa_endpoint_dispose(&e);
		return "(no error)";
	}
	return err.msg;
}

static void
test_precedence(void)
{
	expect(ENV("AWS_ENDPOINT_URL_STS=http://env-sts.example:1",
		   "AWS_ENDPOINT_URL=http://env-all.example:2"),
	       "dev", TFA_SERVICE_STS, "us-west-2", "http://env-sts.example:1", "us-west-2",
	       "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_STS beats everything");
	expect(ENV("AWS_ENDPOINT_URL=http://env-all.example:2"),
	       "dev", TFA_SERVICE_STS, "us-west-2", "http://env-all.example:2", "us-west-2",
	       "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL beats the services section and endpoint_url");
	expect(ENV("AWS_ENDPOINT_URL_IAM=http://env-iam.example",
		   "AWS_ENDPOINT_URL=http://env-all.example:2"),
	       "dev", TFA_SERVICE_STS, "us-west-2", "http://env-all.example:2", "us-west-2",
	       "AWS_ENDPOINT_URL", "another service's variable does not count");
	expect(ENV("AWS_ENDPOINT_URL_STS=", "AWS_ENDPOINT_URL="),
	       "dev", TFA_SERVICE_STS, "us-west-2", "http://services-sts.example:2000", "us-west-2",
	       f("services section 'dev' (%s:%u)", cpath, line_of("services-sts")),
	       "empty variables are unset; services section beats endpoint_url, slash trimmed");
	expect(NOENV, "onlyiam", TFA_SERVICE_STS, "us-west-2", "http://profile-onlyiam.example",
	       "us-west-2", f("profile endpoint_url (%s:%u)", cpath, line_of("profile-onlyiam")),
	       "a services section without sts falls to the profile's endpoint_url");
	expect(NOENV, "onlyiam", TFA_SERVICE_IAM, "us-west-2", "http://iam-only.example",
	       "us-east-1", NULL, "the same section serves iam");
	expect(NOENV, "plain", TFA_SERVICE_STS, "us-west-2",
	       "http://profile-plain.example:3000/base", "us-west-2",
	       f("profile endpoint_url (%s:%u)", cpath, line_of("profile-plain")),
	       "profile endpoint_url, path kept, trailing slash trimmed");
	expect(NOENV, NULL, TFA_SERVICE_STS, "us-west-2", "https://sts.us-west-2.amazonaws.com",
	       "us-west-2", "default", "no profile: the default");
	expect(NOENV, "emptyurl", TFA_SERVICE_STS, "us-west-2",
	       "https://sts.us-west-2.amazonaws.com", "us-west-2", "default",
	       "empty endpoint_url and services are unset");

	/* each service's variable and services key */
	expect(ENV("AWS_ENDPOINT_URL_IAM=http://env-iam.example"), "dev", TFA_SERVICE_IAM,
	       "us-west-2", "http://env-iam.example", "us-east-1", "AWS_ENDPOINT_URL_IAM",
	       "AWS_ENDPOINT_URL_IAM");
	expect(ENV("AWS_ENDPOINT_URL_SSO=http://env-sso.example"), "dev", TFA_SERVICE_SSO,
	       "us-west-2", "http://env-sso.example", "us-west-2", "AWS_ENDPOINT_URL_SSO",
	       "AWS_ENDPOINT_URL_SSO");
	expect(ENV("AWS_ENDPOINT_URL_SSO_OIDC=http://env-oidc.example",
		   "AWS_ENDPOINT_URL_SSO=http://env-sso.example"), "dev", TFA_SERVICE_SSO_OIDC,
	       "us-west-2", "http://env-oidc.example", "us-west-2", "AWS_ENDPOINT_URL_SSO_OIDC",
	       "AWS_ENDPOINT_URL_SSO_OIDC, not AWS_ENDPOINT_URL_SSO");
	expect(NOENV, "dev", TFA_SERVICE_IAM, "us-west-2", "http://services-iam.example:2001",
	       "us-east-1", f("services section 'dev' (%s:%u)", cpath, line_of("services-iam")),
	       "services key iam");
	expect(NOENV, "dev", TFA_SERVICE_SSO, "us-west-2", "http://services-sso.example:2002",
	       "us-west-2", f("services section 'dev' (%s:%u)", cpath, line_of("services-sso")),
	       "services key sso");
	expect(NOENV, "dev", TFA_SERVICE_SSO_OIDC, "us-west-2", "http://services-oidc.example:2003",
	       "us-west-2", f("services section 'dev' (%s:%u)", cpath, line_of("services-oidc")),
	       "services key sso_oidc");

	is_str(tfa_endpoint_service_key(TFA_SERVICE_SSO_OIDC), "sso_oidc", "service key");
	is_str(tfa_endpoint_service_env(TFA_SERVICE_IAM), "AWS_ENDPOINT_URL_IAM", "service env");
}

static void
test_ignore(void)
{
	expect(ENV("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
		   "AWS_ENDPOINT_URL_STS=http://env-sts.example",
		   "AWS_ENDPOINT_URL=http://env-all.example"),
	       "dev", TFA_SERVICE_STS, "us-west-2", "https://sts.us-west-2.amazonaws.com",
	       "us-west-2", "default", "env ignore flag skips every configured endpoint");
	expect(ENV("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=True"), "dev", TFA_SERVICE_IAM, "us-west-2",
	       "https://iam.amazonaws.com", "us-east-1", "default", "env flag is case-insensitive");
	expect(ENV("AWS_ENDPOINT_URL=http://env-all.example"), "ignoring", TFA_SERVICE_STS,
	       "us-west-2", "https://sts.us-west-2.amazonaws.com", "us-west-2", "default",
	       "profile ignore flag skips env variables too");
	expect(ENV("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false"), "ignoring", TFA_SERVICE_STS,
	       "us-west-2", "http://services-sts.example:2000", "us-west-2", NULL,
	       "env false beats the profile's true");
	expect(ENV("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="), "ignoring", TFA_SERVICE_STS,
	       "us-west-2", "https://sts.us-west-2.amazonaws.com", "us-west-2", "default",
	       "an empty env flag leaves the profile's");
	expect(NOENV, "ignoreyes", TFA_SERVICE_STS, "us-west-2", "http://not-ignored.example",
	       "us-west-2", NULL, "a profile flag other than true is false");
	expect_fail(ENV("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=yes"), "dev", TFA_SERVICE_STS,
		    "us-west-2", NULL, TFA_EINVAL,
		    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is 'yes', not true or false",
		    "unset AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "env flag other than true/false fails");
	expect(ENV("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
		   "AWS_ENDPOINT_URL=localhost:5000"), NULL, TFA_SERVICE_STS, "us-west-2",
	       "https://sts.us-west-2.amazonaws.com", "us-west-2", "default",
	       "an ignored bad URL is not checked");
}

static void
test_sts_defaults(void)
{
	struct tfa_endpoint e;
	struct tfa_err err;

	expect(NOENV, NULL, TFA_SERVICE_STS, "us-east-1", "https://sts.us-east-1.amazonaws.com",
	       "us-east-1", "default", "us-east-1 is regional by default (go-v2)");
	memset(&e, 0, sizeof(e));
	if (ok(run(&e, &err, NOENV, NULL, TFA_SERVICE_STS, "eu-west-1", NULL) == 0,
	       "regional resolve")) {
		ok(!e.is_global && !e.is_custom, "regional: not global, not custom");
		is_str(e.partition, "aws", "regional: partition aws");
		tfa_endpoint_dispose(&e);
	}
	expect(ENV("AWS_STS_REGIONAL_ENDPOINTS=legacy"), NULL, TFA_SERVICE_STS, "us-east-1",
	       "https://sts.amazonaws.com", "us-east-1",
	       "default (sts_regional_endpoints = legacy from AWS_STS_REGIONAL_ENDPOINTS)",
	       "env legacy + legacy region: global");
	expect(ENV("AWS_STS_REGIONAL_ENDPOINTS=LEGACY"), NULL, TFA_SERVICE_STS, "ap-southeast-2",
	       "https://sts.amazonaws.com", "us-east-1", NULL, "legacy is case-insensitive");
	expect(NOENV, "legacy", TFA_SERVICE_STS, "eu-west-1", "https://sts.amazonaws.com",
	       "us-east-1",
	       f("default (sts_regional_endpoints = legacy from profile 'legacy' (%s:%u))", cpath,
		 line_of("sts_regional_endpoints = legacy")),
	       "profile legacy + legacy region: global, signed us-east-1");
	expect(NOENV, "legacy", TFA_SERVICE_STS, "ap-east-1", "https://sts.ap-east-1.amazonaws.com",
	       "ap-east-1", "default", "legacy + a region not in the legacy list: regional");
	expect(NOENV, "legacy", TFA_SERVICE_STS, "eu-south-1",
	       "https://sts.eu-south-1.amazonaws.com", "eu-south-1", "default",
	       "legacy + eu-south-1 (opt-in region): regional");
	expect(ENV("AWS_STS_REGIONAL_ENDPOINTS=regional"), "legacy", TFA_SERVICE_STS, "eu-west-1",
	       "https://sts.eu-west-1.amazonaws.com", "eu-west-1", "default",
	       "env regional beats the profile's legacy");
	expect(ENV("AWS_STS_REGIONAL_ENDPOINTS=legacy"), NULL, TFA_SERVICE_STS, "cn-north-1",
	       "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1", "default",
	       "legacy does not apply in aws-cn");
	expect(ENV("AWS_STS_REGIONAL_ENDPOINTS=legacy", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:5000"),
	       NULL, TFA_SERVICE_STS, "us-east-1", "http://127.0.0.1:5000", "us-east-1",
	       "AWS_ENDPOINT_URL_STS", "a configured endpoint beats legacy");
	expect(ENV("AWS_STS_REGIONAL_ENDPOINTS=legacy"), NULL, TFA_SERVICE_IAM, "us-east-1",
	       "https://iam.amazonaws.com", "us-east-1", "default", "legacy does not touch IAM");
	expect_fail(NOENV, "legacybad", TFA_SERVICE_STS, "us-east-1", NULL, TFA_EINVAL,
		    f("sts_regional_endpoints 'sometimes' from profile 'legacybad' (%s:%u) is not "
		      "'legacy' or 'regional'", cpath, line_of("sometimes")),
		    "regional", "a bad sts_regional_endpoints fails with its file:line");
	expect_fail(ENV("AWS_STS_REGIONAL_ENDPOINTS=global"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL, "'global' from AWS_STS_REGIONAL_ENDPOINTS", NULL,
		    "a bad AWS_STS_REGIONAL_ENDPOINTS fails");

	expect(NOENV, NULL, TFA_SERVICE_STS, "aws-global", "https://sts.amazonaws.com",
	       "us-east-1", "default", "aws-global: the global endpoint, no legacy needed");
	memset(&e, 0, sizeof(e));
	if (ok(run(&e, &err, NOENV, NULL, TFA_SERVICE_STS, "aws-global", NULL) == 0,
	       "aws-global resolve")) {
		ok(e.is_global && !e.is_custom, "aws-global: is_global");
		is_str(e.partition, "aws", "aws-global: partition aws");
		tfa_endpoint_dispose(&e);
	}
	expect(ENV("AWS_ENDPOINT_URL_STS=http://localhost:4566"), NULL, TFA_SERVICE_STS,
	       "aws-global", "http://localhost:4566", "us-east-1", NULL,
	       "aws-global with a custom endpoint signs as us-east-1");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "aws-cn-global", "AWS_REGION", TFA_EINVAL,
		    "region 'aws-cn-global' from AWS_REGION names a partition", "cn-north-1",
		    "another partition's pseudo-region is no STS region");
}

static void
test_partitions(void)
{
	struct tfa_endpoint e;
	struct tfa_err err;

	expect(NOENV, NULL, TFA_SERVICE_STS, "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn",
	       "cn-north-1", "default", "STS cn-north-1");
	expect(NOENV, NULL, TFA_SERVICE_STS, "cn-northwest-1",
	       "https://sts.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", "default",
	       "STS cn-northwest-1");
	expect(NOENV, NULL, TFA_SERVICE_STS, "us-gov-west-1",
	       "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1", "default",
	       "STS us-gov-west-1");
	expect(NOENV, NULL, TFA_SERVICE_STS, "us-gov-east-1",
	       "https://sts.us-gov-east-1.amazonaws.com", "us-gov-east-1", "default",
	       "STS us-gov-east-1");
	expect(NOENV, NULL, TFA_SERVICE_STS, "us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov",
	       "us-iso-east-1", "default", "STS us-iso-east-1");
	expect(NOENV, NULL, TFA_SERVICE_STS, "us-isob-east-1",
	       "https://sts.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1", "default",
	       "STS us-isob-east-1");
	expect(NOENV, NULL, TFA_SERVICE_STS, "fake-region-10",
	       "https://sts.fake-region-10.amazonaws.com", "fake-region-10", "default",
	       "an unknown region is in the aws partition");

	memset(&e, 0, sizeof(e));
	if (ok(run(&e, &err, NOENV, NULL, TFA_SERVICE_STS, "us-gov-west-1", NULL) == 0,
	       "gov resolve")) {
		is_str(e.partition, "aws-us-gov", "us-gov-west-1: partition aws-us-gov");
		tfa_endpoint_dispose(&e);
	}
	is_str(tfa_endpoint_partition("cn-north-1"), "aws-cn", "partition cn-north-1");
	is_str(tfa_endpoint_partition("us-gov-east-1"), "aws-us-gov", "partition us-gov-east-1");
	is_str(tfa_endpoint_partition("us-iso-west-1"), "aws-iso", "partition us-iso-west-1");
	is_str(tfa_endpoint_partition("us-isob-east-1"), "aws-iso-b", "partition us-isob-east-1");
	is_str(tfa_endpoint_partition("eu-central-1"), "aws", "partition eu-central-1");
	is_str(tfa_endpoint_partition("aws-us-gov-global"), "aws-us-gov", "partition aws-us-gov-global");
	is_str(tfa_endpoint_partition("cnn-1"), "aws", "partition: 'cnn-1' is not cn-");
	is_str(tfa_endpoint_partition(NULL), "aws", "partition of no region");
	ok(tfa_endpoint_sts_legacy_region("eu-north-1"), "eu-north-1 is a legacy region");
	ok(!tfa_endpoint_sts_legacy_region("eu-south-1"), "eu-south-1 is not");
	ok(!tfa_endpoint_sts_legacy_region(NULL), "no region is not");
}

static void
test_iam(void)
{
	struct tfa_endpoint e;
	struct tfa_err err;

	expect(NOENV, NULL, TFA_SERVICE_IAM, "eu-west-1", "https://iam.amazonaws.com", "us-east-1",
	       "default", "IAM aws: global, signed us-east-1");
	expect(NOENV, NULL, TFA_SERVICE_IAM, NULL, "https://iam.amazonaws.com", "us-east-1",
	       "default", "IAM without a region: aws");
	expect(NOENV, NULL, TFA_SERVICE_IAM, "cn-northwest-1", "https://iam.cn-north-1.amazonaws.com.cn",
	       "cn-north-1", "default", "IAM aws-cn");
	expect(NOENV, NULL, TFA_SERVICE_IAM, "us-gov-east-1", "https://iam.us-gov.amazonaws.com",
	       "us-gov-west-1", "default", "IAM aws-us-gov");
	expect(NOENV, NULL, TFA_SERVICE_IAM, "aws-cn-global", "https://iam.cn-north-1.amazonaws.com.cn",
	       "cn-north-1", "default", "IAM aws-cn-global");
	expect(NOENV, NULL, TFA_SERVICE_IAM, "aws-global", "https://iam.amazonaws.com",
	       "us-east-1", "default", "IAM aws-global");
	expect(ENV("AWS_ENDPOINT_URL=http://localhost:5000"), NULL, TFA_SERVICE_IAM, "eu-west-1",
	       "http://localhost:5000", "us-east-1", "AWS_ENDPOINT_URL",
	       "custom IAM endpoint: signed for the partition's IAM region");
	expect(ENV("AWS_ENDPOINT_URL=http://localhost:5000"), NULL, TFA_SERVICE_IAM, "cn-north-1",
	       "http://localhost:5000", "cn-north-1", NULL, "custom IAM endpoint in aws-cn");
	memset(&e, 0, sizeof(e));
	if (ok(run(&e, &err, NOENV, NULL, TFA_SERVICE_IAM, "us-gov-west-1", NULL) == 0,
	       "IAM gov resolve")) {
		ok(e.is_global && !e.is_custom, "IAM default is global");
		is_str(e.partition, "aws-us-gov", "IAM gov partition");
		tfa_endpoint_dispose(&e);
	}
	memset(&e, 0, sizeof(e));
	if (ok(run(&e, &err, ENV("AWS_ENDPOINT_URL_IAM=https://iam.proxy"), NULL, TFA_SERVICE_IAM,
		   NULL, NULL) == 0, "IAM custom resolve")) {
		ok(!e.is_global && e.is_custom, "IAM custom is custom, not global");
		tfa_endpoint_dispose(&e);
	}
}

static void
test_sso(void)
{
	expect(NOENV, NULL, TFA_SERVICE_SSO, "eu-west-1", "https://portal.sso.eu-west-1.amazonaws.com",
	       "eu-west-1", "default", "SSO portal");
	expect(NOENV, NULL, TFA_SERVICE_SSO_OIDC, "eu-west-1", "https://oidc.eu-west-1.amazonaws.com",
	       "eu-west-1", "default", "SSO OIDC");
	expect(NOENV, NULL, TFA_SERVICE_SSO, "cn-north-1",
	       "https://portal.sso.cn-north-1.amazonaws.com.cn", "cn-north-1", "default",
	       "SSO portal in aws-cn");
	expect(NOENV, NULL, TFA_SERVICE_SSO_OIDC, "cn-northwest-1",
	       "https://oidc.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", "default",
	       "SSO OIDC in aws-cn");
	expect(NOENV, NULL, TFA_SERVICE_SSO_OIDC, "us-gov-west-1",
	       "https://oidc.us-gov-west-1.amazonaws.com", "us-gov-west-1", "default",
	       "SSO OIDC in aws-us-gov");
	expect_fail(NOENV, NULL, TFA_SERVICE_SSO, NULL, NULL, TFA_EINVAL, "no region set for SSO",
		    "sso_region", "SSO without a region fails");
	expect_fail(NOENV, NULL, TFA_SERVICE_SSO_OIDC, NULL, NULL, TFA_EINVAL,
		    "no region set for SSO OIDC", "sso_region", "SSO OIDC without a region fails");
	expect(ENV("AWS_ENDPOINT_URL_SSO=http://127.0.0.1:9000"), NULL, TFA_SERVICE_SSO, NULL,
	       "http://127.0.0.1:9000", "", "AWS_ENDPOINT_URL_SSO",
	       "a custom SSO endpoint needs no region");
	expect_fail(NOENV, NULL, TFA_SERVICE_SSO, "aws-global", "sso_region in sso-session 'corp'",
		    TFA_EINVAL, "region 'aws-global' from sso_region in sso-session 'corp' names a partition",
		    NULL, "SSO in a pseudo-region fails, naming the origin");
}

static void
test_no_region(void)
{
	expect_fail(NOENV, "plain", TFA_SERVICE_STS, NULL, NULL, TFA_EINVAL, "no region set for STS",
		    "tfauth-env plain", "STS without a region fails, hint names the profile");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, NULL, NULL, TFA_EINVAL, "no region",
		    "AWS_REGION", "STS without a profile or region fails");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost:4566"), NULL, TFA_SERVICE_STS, NULL,
		    NULL, TFA_EINVAL, "no region", "AWS_REGION",
		    "STS with a custom endpoint still needs a region");
}

static void
test_bad_urls(void)
{
	struct tfa_endpoint e;
	struct tfa_err err;
	struct tfa_ctx ctx;
	char *longurl;
	size_t i;
	int rc;

	expect_fail(ENV("AWS_ENDPOINT_URL_STS=localhost:5000"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL,
		    "endpoint URL 'localhost:5000' from AWS_ENDPOINT_URL_STS has no scheme",
		    "write it as http://localhost:5000", "host:port without a scheme");
	expect_fail(ENV("AWS_ENDPOINT_URL=://localhost:5000"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL, "has no scheme", "write it as http://localhost:5000",
		    "'://host' has no scheme");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=ftp://files.example"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL,
		    "endpoint URL 'ftp://files.example' from AWS_ENDPOINT_URL_STS has scheme 'ftp'",
		    "https://files.example", "ftp:// is refused");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://"), NULL, TFA_SERVICE_STS, "us-east-1", NULL,
		    TFA_EINVAL, "has no host", NULL, "http:// has no host");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=https:///path"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL, "has no host", NULL, "https:///path has no host");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://:4566"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL, "has no host", NULL, "a port alone has no host");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost:0"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has a bad port", NULL, "port 0");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost:65536"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has a bad port", NULL, "port 65536");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost:99999999999999999999"), NULL,
		    TFA_SERVICE_STS, "us-east-1", NULL, TFA_EINVAL, "has a bad port", NULL,
		    "a port that overflows");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost:"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has a bad port", NULL, "an empty port");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost:45a"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has a bad port", NULL, "a port with a letter");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://user:pw@localhost"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has user info", NULL, "user info is refused");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost/?Action=x"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has a query or fragment", NULL, "a query");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost#frag"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has a query or fragment", NULL, "a fragment");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://local*host"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "has a bad host", NULL, "a bad host character");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://[zz]:80"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL, "bad IPv6 host", NULL, "a bad IPv6 literal");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://[::1"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL, "bad IPv6 host", NULL, "an unclosed IPv6 literal");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://[::1]x"), NULL, TFA_SERVICE_STS, "us-east-1",
		    NULL, TFA_EINVAL, "has a bad host", NULL, "junk after an IPv6 literal");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS= http://localhost"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "contains a blank", NULL, "a leading blank");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://localhost\r\nX-Evil: 1"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "contains a control character", NULL,
		    "CR LF (header injection) is refused");
	expect_fail(ENV("AWS_ENDPOINT_URL_STS=http://h\xc3\xa9.example"), NULL, TFA_SERVICE_STS,
		    "us-east-1", NULL, TFA_EINVAL, "'http://h\\xc3\\xa9.example' from "
		    "AWS_ENDPOINT_URL_STS contains a non-ASCII byte", NULL,
		    "a non-ASCII host, shown escaped");
	ok(!strchr(msg_of(ENV("AWS_ENDPOINT_URL_STS=\x1b]0;pwned\x07"), NULL, TFA_SERVICE_STS,
			  "us-east-1", NULL), '\x1b'),
	   "a terminal escape in a URL never reaches the message");

	expect(ENV("AWS_ENDPOINT_URL_STS=HTTPS://LOCALHOST:4566"), NULL, TFA_SERVICE_STS,
	       "us-east-1", "HTTPS://LOCALHOST:4566", "us-east-1", NULL,
	       "scheme and host are case-insensitive");
	expect(ENV("AWS_ENDPOINT_URL_STS=http://[::1]:4566/"), NULL, TFA_SERVICE_STS, "us-east-1",
	       "http://[::1]:4566", "us-east-1", NULL, "an IPv6 literal with a port");
	expect(ENV("AWS_ENDPOINT_URL_STS=http://127.0.0.1:65535"), NULL, TFA_SERVICE_STS,
	       "us-east-1", "http://127.0.0.1:65535", "us-east-1", NULL, "IPv4 and port 65535");
	expect(ENV("AWS_ENDPOINT_URL_STS=http://moto_server:5000//"), NULL, TFA_SERVICE_STS,
	       "us-east-1", "http://moto_server:5000", "us-east-1", NULL,
	       "an underscore host (docker service name), slashes trimmed");

	expect_fail(NOENV, "badurl", TFA_SERVICE_STS, "us-east-1", NULL, TFA_EINVAL,
		    f("endpoint URL 'localhost:5000' from profile endpoint_url (%s:%u) has no scheme",
		      cpath, line_of("= localhost:5000")),
		    "write it as http://localhost:5000", "a bad endpoint_url names its file:line");
	expect_fail(NOENV, "badsvcurl", TFA_SERVICE_STS, "us-east-1", NULL, TFA_EINVAL,
		    f("from services section 'badsvcurl' (%s:%u) has scheme 'ftp'", cpath,
		      line_of("ftp://files")),
		    NULL, "a bad services endpoint_url names its file:line");
	expect_fail(NOENV, "lonely", TFA_SERVICE_STS, "us-east-1", NULL, TFA_ENOTFOUND,
		    f("services section 'missing' named by profile 'lonely' (%s:%u) does not exist",
		      cpath, line_of("services = missing")),
		    "[services missing]", "a missing services section fails");
	expect_fail(NOENV, "flat", TFA_SERVICE_STS, "us-east-1", NULL, TFA_EINVAL,
		    f("%s:%u: 'sts = http://flat.example' in services section 'flat' needs an "
		      "endpoint_url sub-property", cpath, line_of("sts = http://flat")),
		    "  endpoint_url = http://flat.example", "'sts = URL' without endpoint_url fails");
	expect(ENV("AWS_ENDPOINT_URL=http://env.example"), "lonely", TFA_SERVICE_STS, "us-east-1",
	       "http://env.example", "us-east-1", NULL,
	       "a missing services section does not matter when a variable wins");

	/* size limits */
	longurl = malloc(100000 + 32);
	memcpy(longurl, "AWS_ENDPOINT_URL_STS=http://", 28);
	for (i = 28; i < 100000; i++)
		longurl[i] = 'a';
	longurl[i] = '\0';
	tfa_ctx_init(&ctx, NOENV);
	tfa_ctx_setenv(&ctx, "AWS_ENDPOINT_URL_STS", longurl + 21);
	memset(&e, 0, sizeof(e));
	rc = tfa_endpoint_resolve(&e, &ctx, NULL, NULL, TFA_SERVICE_STS, "us-east-1", NULL, &err);
	ok(rc == TFA_EINVAL && strstr(err.msg, "is too long") && strlen(err.msg) < 300,
	   "a 100 kB URL fails briefly (%s)", err.msg);
	longurl[21 + TFA_ENDPOINT_MAX_URL] = '\0';
	tfa_ctx_setenv(&ctx, "AWS_ENDPOINT_URL_STS", longurl + 21);
	rc = tfa_endpoint_resolve(&e, &ctx, NULL, NULL, TFA_SERVICE_STS, "us-east-1", NULL, &err);
	if (ok(rc == 0, "a URL of exactly %d bytes is fine", TFA_ENDPOINT_MAX_URL))
		tfa_endpoint_dispose(&e);
	longurl[21 + TFA_ENDPOINT_MAX_URL] = 'a';
	longurl[21 + TFA_ENDPOINT_MAX_URL + 1] = '\0';
	tfa_ctx_setenv(&ctx, "AWS_ENDPOINT_URL_STS", longurl + 21);
	rc = tfa_endpoint_resolve(&e, &ctx, NULL, NULL, TFA_SERVICE_STS, "us-east-1", NULL, &err);
	ok(rc == TFA_EINVAL && strstr(err.msg, "too long"), "one byte more is too long");
	tfa_ctx_dispose(&ctx);
	free(longurl);

	ok(tfa_endpoint_check_url("http://localhost:4566", "test", &err) == 0, "check_url: ok");
	ok(tfa_endpoint_check_url("", "test", &err) == TFA_EINVAL && strstr(err.msg, "is empty"),
	   "check_url: empty");
}

static void
test_bad_regions(void)
{
	char long_region[64];

	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "us east 1", "AWS_REGION", TFA_EINVAL,
		    "region 'us east 1' from AWS_REGION is not a valid region name",
		    "lowercase letters", "a region with inner spaces");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "us-east-1 ", "AWS_DEFAULT_REGION", TFA_EINVAL,
		    "region 'us-east-1 ' from AWS_DEFAULT_REGION", "write it as 'us-east-1'",
		    "a trailing blank: the hint repairs it");
	expect_fail(NOENV, "upper", TFA_SERVICE_STS, "US-EAST-1", "profile", TFA_EINVAL,
		    f("region 'US-EAST-1' from profile 'upper' (%s:%u) is not a valid region name",
		      cpath, line_of("US-EAST-1")),
		    "write it as 'us-east-1'", "uppercase from the profile: file:line and the fix");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "", "AWS_REGION", TFA_EINVAL,
		    "empty region from AWS_REGION", NULL, "an empty region");
	expect_fail(NOENV, NULL, TFA_SERVICE_IAM, "Eu-West-1", NULL, TFA_EINVAL,
		    "region 'Eu-West-1' is not a valid region name", "'eu-west-1'",
		    "IAM checks a given region too; no origin, no 'from'");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "eu-w\xc3\xa9st-1", "AWS_REGION", TFA_EINVAL,
		    "region 'eu-w\\xc3\\xa9st-1' from AWS_REGION", "lowercase letters",
		    "a non-ASCII region is shown escaped");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "us-east-1\n", "AWS_REGION", TFA_EINVAL,
		    "region 'us-east-1\\x0a'", NULL, "a newline in a region");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "-us-east-1", NULL, TFA_EINVAL,
		    "not a valid region name", NULL, "a leading '-'");
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, "us-east-1.evil.com/", NULL, TFA_EINVAL,
		    "not a valid region name", NULL, "a region cannot redirect the host");
	memset(long_region, 'a', 40);
	long_region[40] = '\0';
	expect_fail(NOENV, NULL, TFA_SERVICE_STS, long_region, NULL, TFA_EINVAL,
		    "not a valid region name", "at most 31", "a 40-character region");
	memset(long_region, 'a', 31);
	long_region[31] = '\0';
	expect(NOENV, NULL, TFA_SERVICE_STS, long_region,
	       f("https://sts.%s.amazonaws.com", long_region), long_region, "default",
	       "a 31-character region fits");
	ok(tfa_endpoint_region_valid("ap-southeast-5"), "region_valid: ap-southeast-5");
	ok(!tfa_endpoint_region_valid(NULL), "region_valid: NULL");
	ok(!tfa_endpoint_region_valid("us-east-1-"), "region_valid: trailing '-'");
}

static void
test_dispose(void)
{
	struct tfa_endpoint e;
	struct tfa_err err;

	tfa_endpoint_dispose(NULL);
	memset(&e, 0, sizeof(e));
	if (ok(run(&e, &err, NOENV, NULL, TFA_SERVICE_STS, "us-east-1", NULL) == 0, "resolve")) {
		tfa_endpoint_dispose(&e);
		tfa_endpoint_dispose(&e);
		ok(e.url == NULL && e.source == NULL, "dispose twice is safe");
	}
}

int
main(void)
{
	struct tfa_err err;
	FILE *fp;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	snprintf(cpath, sizeof(cpath), "%s/config", dir);
	fp = fopen(cpath, "w");
	fputs(fixture, fp);
	fclose(fp);
	tfa_err_clear(&err);
	if (!ok(tfa_config_load_files(&cfg, cpath, NULL, &err) == 0, "fixture loads (%s)", err.msg))
		return tap_done();

	test_precedence();
	test_ignore();
	test_sts_defaults();
	test_partitions();
	test_iam();
	test_sso();
	test_no_region();
	test_bad_urls();
	test_bad_regions();
	test_dispose();

	tfa_config_free(cfg);
	unlink(cpath);
	rmdir(dir);
	return tap_done();
}
