/* endpoint — see endpoint.h. */
#include "endpoint.h"
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------- partitions */

struct partition {
	const char *name;
	const char *prefix;      /* region prefix; NULL for the fallback */
	const char *global;      /* the partition's pseudo-region */
	const char *dns_suffix;
	const char *iam_host;
	const char *iam_region;  /* IAM's signing region */
};

/*
 * The SDKs' partition table (go-v2 internal/endpoints/awsrulesfn
 * partitions.json), cut to what tfauth calls.  The last row is the
 * fallback: a region of no known prefix is in the aws partition.
 */
static const struct partition partitions[] = {
	{ "aws-cn", "cn-", "aws-cn-global", "amazonaws.com.cn",
	  "iam.cn-north-1.amazonaws.com.cn", "cn-north-1" },
	{ "aws-us-gov", "us-gov-", "aws-us-gov-global", "amazonaws.com",
	  "iam.us-gov.amazonaws.com", "us-gov-west-1" },
	{ "aws-iso", "us-iso-", "aws-iso-global", "c2s.ic.gov",
	  "iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1" },
	{ "aws-iso-b", "us-isob-", "aws-iso-b-global", "sc2s.sgov.gov",
	  "iam.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1" },
	{ "aws", NULL, "aws-global", "amazonaws.com",
	  "iam.amazonaws.com", "us-east-1" },
};

#define NPARTITIONS (sizeof(partitions) / sizeof(partitions[0]))

static const struct partition *
partition_of(const char *region)
{
	size_t i;

	if (region) {
		for (i = 0; i < NPARTITIONS; i++) {
			const struct partition *p = &partitions[i];
			if (strcmp(region, p->global) == 0 ||
			    (p->prefix && strncmp(region, p->prefix, strlen(p->prefix)) == 0))
				return p;
		}
	}
	return &partitions[NPARTITIONS - 1];
}

const char *
tfa_endpoint_partition(const char *region)
{
	return partition_of(region)->name;
}

/* A partition's pseudo-region ("aws-cn-global"): a name, not a place. */
static int
is_pseudo_region(const char *region)
{
	return region && strcmp(region, partition_of(region)->global) == 0;
}

/*
 * With sts_regional_endpoints = legacy, botocore sends these regions to
 * https://sts.amazonaws.com signed for us-east-1 (aws-sdk-go CHANGELOG for
 * PR #2779; aws-reference.md §3).
 */
static const char *const sts_legacy_regions[] = {
	"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
	"aws-global", "ca-central-1", "eu-central-1", "eu-north-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
};

int
tfa_endpoint_sts_legacy_region(const char *region)
{
	size_t i;

	if (!region)
		return 0;
	for (i = 0; i < sizeof(sts_legacy_regions) / sizeof(sts_legacy_regions[0]); i++)
		if (strcmp(region, sts_legacy_regions[i]) == 0)
			return 1;
	return 0;
}

/* --------------------------------------------------------------- services */

const char *
tfa_endpoint_service_key(enum tfa_service svc)
{
	switch (svc) {
	case TFA_SERVICE_IAM:
		return "iam";
	case TFA_SERVICE_SSO:
		return "sso";
	case TFA_SERVICE_SSO_OIDC:
		return "sso_oidc";
	case TFA_SERVICE_STS:
	default:
		return "sts";
	}
}

const char *
tfa_endpoint_service_env(enum tfa_service svc)
{
	switch (svc) {
	case TFA_SERVICE_IAM:
		return "AWS_ENDPOINT_URL_IAM";
	case TFA_SERVICE_SSO:
		return "AWS_ENDPOINT_URL_SSO";
	case TFA_SERVICE_SSO_OIDC:
		return "AWS_ENDPOINT_URL_SSO_OIDC";
	case TFA_SERVICE_STS:
	default:
		return "AWS_ENDPOINT_URL_STS";
	}
}

/* The service as the AWS documentation names it, for messages. */
static const char *
service_title(enum tfa_service svc)
{
	switch (svc) {
	case TFA_SERVICE_IAM:
		return "IAM";
	case TFA_SERVICE_SSO:
		return "SSO";
	case TFA_SERVICE_SSO_OIDC:
		return "SSO OIDC";
	case TFA_SERVICE_STS:
	default:
		return "STS";
	}
}

/* ---------------------------------------------------------------- helpers */

/* A new string from a format: measured first, so it is never cut. */
__attribute__((format(printf, 1, 2))) static char *
dupf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return tfa_xstrdup("");
	s = tfa_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	if (vsnprintf(s, (size_t)n + 1, fmt, ap) != n)
		s[0] = '\0';
	va_end(ap);
	return s;
}

#define SHOWN_MAX 96

/*
 * A value as it may appear in a message: printable ASCII kept, any other
 * byte as \xNN (a hostile variable must not drive the terminal), and cut
 * with "..." past SHOWN_MAX bytes.
 */
static const char *
shown(char out[SHOWN_MAX + 8], const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t need = c >= 0x20 && c < 0x7f && c != '\\' ? 1 : 4;

		if (o + need > SHOWN_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

static void
set_small(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		n = 0; /* cannot happen: regions are checked to fit */
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* "profile 'dev' (~/.aws/config:3)": where a profile setting lives. */
static char *
profile_where(const struct tfa_section *profile, const char *key)
{
	const struct tfa_setting *set = tfa_section_get(profile, key);

	if (set && set->file)
		return dupf("profile '%s' (%s:%u)", profile->name, set->file, set->line);
	return dupf("profile '%s'", profile ? profile->name : "?");
}

/* " from AWS_REGION", " from profile 'dev' (~/.aws/config:3)", or "". */
static char *
region_from(const struct tfa_section *profile, const char *origin)
{
	char *where, *s;

	if (!origin)
		return tfa_xstrdup("");
	if (strcmp(origin, "profile") != 0 || !profile)
		return dupf(" from %s", origin);
	where = profile_where(profile, "region");
	s = dupf(" from %s", where);
	free(where);
	return s;
}

static int
region_char_ok(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int
tfa_endpoint_region_valid(const char *region)
{
	size_t i, n;

	if (!region)
		return 0;
	n = strlen(region);
	if (n == 0 || n > TFA_REGION_MAX || region[0] == '-' || region[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!region_char_ok((unsigned char)region[i]))
			return 0;
	return 1;
}

/*
 * Fill err for a bad region.  The hint offers the repaired name when case
 * or blanks around it are all that is wrong, the usual slips in an export.
 */
static int
bad_region(const char *region, const char *from, struct tfa_err *err)
{
	char show[SHOWN_MAX + 8], fix[TFA_REGION_MAX + 1];
	size_t start = strspn(region, " \t"), end = strlen(region), i;

	if (!*region) {
		tfa_err_set(err, TFA_EINVAL, "empty region%s", from);
		tfa_err_hint(err, "set a region such as 'us-east-1', or unset the empty one");
		return TFA_EINVAL;
	}
	while (end > start && (region[end - 1] == ' ' || region[end - 1] == '\t'))
		end--;
	tfa_err_set(err, TFA_EINVAL, "region '%s'%s is not a valid region name",
		    shown(show, region), from);
	if (end > start && end - start <= TFA_REGION_MAX) {
		for (i = start; i < end; i++) {
			char c = region[i];
			fix[i - start] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		fix[end - start] = '\0';
		if (tfa_endpoint_region_valid(fix)) {
			tfa_err_hint(err, "write it as '%s': region names are lowercase, "
				     "without blanks", fix);
			return TFA_EINVAL;
		}
	}
	tfa_err_hint(err, "region names look like 'us-east-1': lowercase letters, digits "
		     "and '-', at most %d characters", TFA_REGION_MAX);
	return TFA_EINVAL;
}

/* ------------------------------------------------------------------- URLs */

static int
host_char_ok(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static int
ipv6_char_ok(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* Where the authority (host[:port]) of url starts and ends; 0 if no "://". */
static int
authority(const char *url, const char **start, const char **end)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	*start = p + 3;
	*end = *start + strcspn(*start, "/?#");
	return 1;
}

/* Fill err: "endpoint URL 'URL' from SOURCE <what>" and a hint. */
__attribute__((format(printf, 5, 6))) static int
bad_url(struct tfa_err *err, const char *show, const char *source,
	const char *what, const char *hint, ...)
{
	char h[sizeof(err->hint)];
	va_list ap;

	/* err_set first: it clears the hint. */
	va_start(ap, hint);
	if (vsnprintf(h, sizeof(h), hint, ap) < 0)
		h[0] = '\0';
	va_end(ap);
	tfa_err_set(err, TFA_EINVAL, "endpoint URL '%s' from %s %s", show, source, what);
	tfa_err_hint(err, "%s", h);
	return TFA_EINVAL;
}

/* The port after "host:", up to end: 1-65535, digits only. */
static int
port_ok(const char *p, const char *end)
{
	unsigned long port = 0;

	if (p == end)
		return 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return 0;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	return port >= 1 && port <= 65535;
}

int
tfa_endpoint_check_url(const char *url, const char *source, struct tfa_err *err)
{
	static const char example[] = "like http://localhost:4566";
	char show[SHOWN_MAX + 8], rest[SHOWN_MAX + 8], what[64];
	const char *auth, *end, *host_end, *p;
	size_t len = strlen(url), i, slen;

	if (len == 0) {
		tfa_err_set(err, TFA_EINVAL, "endpoint URL from %s is empty", source);
		tfa_err_hint(err, "set a URL %s, or remove the setting", example);
		return TFA_EINVAL;
	}
	shown(show, url);
	if (len > TFA_ENDPOINT_MAX_URL) {
		if (snprintf(what, sizeof(what), "is too long (%zu bytes, at most %d)", len,
			     TFA_ENDPOINT_MAX_URL) >= (int)sizeof(what))
			what[0] = '\0';
		return bad_url(err, show, source, what, "an endpoint URL is a scheme and a "
			       "host, like https://sts.us-east-1.amazonaws.com");
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c > 0x20 && c < 0x7f)
			continue;
		return bad_url(err, show, source,
			       c == ' ' || c == '\t' ? "contains a blank" :
			       c < 0x20 || c == 0x7f ? "contains a control character" :
			       "contains a non-ASCII byte",
			       "an endpoint URL is plain ASCII without blanks, %s", example);
	}
	/* "localhost:5000" reads as scheme "localhost" to a URL parser, but
	 * the user meant a host: say that the scheme is missing. */
	if (!authority(url, &auth, &end))
		return bad_url(err, show, source, "has no scheme", "write it as http://%s", show);
	if (auth - 3 == url)
		return bad_url(err, show, source, "has no scheme", "write it as http://%s",
			       shown(rest, auth));
	slen = (size_t)(auth - 3 - url);
	if (!((slen == 4 && strncasecmp(url, "http", 4) == 0) ||
	      (slen == 5 && strncasecmp(url, "https", 5) == 0))) {
		if (snprintf(what, sizeof(what), "has scheme '%.*s'; only http and https work",
			     slen > 16 ? 16 : (int)slen, url) >= (int)sizeof(what))
			what[0] = '\0';
		return bad_url(err, show, source, what, "write it as https://%s",
			       shown(rest, auth));
	}
	if (memchr(auth, '@', (size_t)(end - auth)))
		return bad_url(err, show, source, "has user info before its host",
			       "remove the 'user@' part: an endpoint takes no credentials");
	if (*auth == '[') {
		p = memchr(auth, ']', (size_t)(end - auth));
		host_end = p ? p + 1 : NULL;
		for (p = auth + 1; host_end && p < host_end - 1; p++)
			if (!ipv6_char_ok((unsigned char)*p))
				host_end = NULL;
		if (!host_end || host_end - auth < 4 ||
		    !memchr(auth, ':', (size_t)(host_end - auth)))
			return bad_url(err, show, source, "has a bad IPv6 host",
				       "write an IPv6 host in brackets, like http://[::1]:4566");
	} else {
		host_end = auth;
		while (host_end < end && host_char_ok((unsigned char)*host_end))
			host_end++;
	}
	if (host_end == auth)
		return bad_url(err, show, source, "has no host",
			       "write it as http://HOST[:PORT], %s", example);
	if (host_end < end && *host_end != ':')
		return bad_url(err, show, source, "has a bad host",
			       "a host is letters, digits, '-', '.' and '_', %s", example);
	if (host_end < end && !port_ok(host_end + 1, end))
		return bad_url(err, show, source, "has a bad port",
			       "a port is a number from 1 to 65535, %s", example);
	if (strpbrk(end, "?#"))
		return bad_url(err, show, source, "has a query or fragment",
			       "remove everything from the '?' or '#' on");
	return 0;
}

/* url without trailing slashes after its host, as a new string. */
static char *
trimmed_url(const char *url)
{
	const char *auth, *end;
	size_t n = strlen(url);

	if (authority(url, &auth, &end))
		while ((size_t)(end - url) < n && url[n - 1] == '/')
			n--;
	return tfa_xstrndup(url, n);
}

/* --------------------------------------------------------------- settings */

/*
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's
 * ignore_configured_endpoint_urls.  go-v2 takes the variable whenever it is
 * non-empty (so "false" beats a profile's true) and rejects values other
 * than true/false; the profile's value is true only when it says "true".
 */
static int
ignore_configured(int *out, const struct tfa_ctx *ctx,
		  const struct tfa_section *profile, struct tfa_err *err)
{
	char show[SHOWN_MAX + 8];
	const char *v = tfa_ctx_getenv_nonempty(ctx, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

	if (v) {
		if (strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0) {
			*out = strcasecmp(v, "true") == 0;
			return 0;
		}
		tfa_err_set(err, TFA_EINVAL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is '%s', "
			    "not true or false", shown(show, v));
		tfa_err_hint(err, "export AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or false), "
			     "or unset AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
		return TFA_EINVAL;
	}
	v = tfa_section_value(profile, "ignore_configured_endpoint_urls");
	*out = v && strcasecmp(v, "true") == 0;
	return 0;
}

/*
 * The configured endpoint URL for svc, steps 1-4 of endpoint.h.  *url is
 * NULL when nothing is configured; *source is set when *url is.
 */
static int
configured_url(const char **url, char **source, const struct tfa_ctx *ctx,
	       const struct tfa_config *cfg, const struct tfa_section *profile,
	       enum tfa_service svc, struct tfa_err *err)
{
	char show[SHOWN_MAX + 8];
	const char *name, *v, *key = tfa_endpoint_service_key(svc);
	const struct tfa_section *services;
	const struct tfa_setting *set, *sub;
	char *where = NULL;
	int rc = 0;

	*url = NULL;
	if ((v = tfa_ctx_getenv_nonempty(ctx, tfa_endpoint_service_env(svc)))) {
		*url = v;
		*source = tfa_xstrdup(tfa_endpoint_service_env(svc));
		goto out;
	}
	if ((v = tfa_ctx_getenv_nonempty(ctx, "AWS_ENDPOINT_URL"))) {
		*url = v;
		*source = tfa_xstrdup("AWS_ENDPOINT_URL");
		goto out;
	}
	name = tfa_section_value(profile, "services");
	if (cfg && name && *name) {
		services = tfa_config_services(cfg, name);
		if (!services) {
			const char *file = tfa_config_config_path(cfg);

			where = profile_where(profile, "services");
			rc = tfa_err_set(err, TFA_ENOTFOUND, "services section '%s' named by %s "
					 "does not exist", shown(show, name), where);
			tfa_err_hint(err, "add '[services %s]' to %s, or remove 'services = %s' "
				     "from the profile", show, file ? file : "the config file", show);
			goto out;
		}
		set = tfa_section_get(services, key);
		if (set && *set->value) {
			rc = tfa_err_set(err, TFA_EINVAL, "%s:%u: '%s = %s' in services section '%s' "
					 "needs an endpoint_url sub-property", set->file, set->line,
					 key, shown(show, set->value), services->name);
			tfa_err_hint(err, "write '%s =' and on the next line '  endpoint_url = %s'",
				     key, show);
			goto out;
		}
		sub = tfa_setting_sub(set, "endpoint_url");
		if (sub && *sub->value) {
			*url = sub->value;
			*source = dupf("services section '%s' (%s:%u)", services->name,
				       sub->file, sub->line);
			goto out;
		}
	}
	set = tfa_section_get(profile, "endpoint_url");
	if (set && *set->value) {
		*url = set->value;
		*source = dupf("profile endpoint_url (%s:%u)", set->file, set->line);
	}
out:
	free(where);
	return rc;
}

/*
 * Whether the user asked for the legacy (global) STS endpoint:
 * AWS_STS_REGIONAL_ENDPOINTS, else the profile's sts_regional_endpoints.
 * *why says where the "legacy" came from.
 */
static int
sts_legacy(int *out, char **why, const struct tfa_ctx *ctx,
	   const struct tfa_section *profile, struct tfa_err *err)
{
	char show[SHOWN_MAX + 8];
	const struct tfa_setting *set;
	const char *v = tfa_ctx_getenv_nonempty(ctx, "AWS_STS_REGIONAL_ENDPOINTS");
	char *where;

	if (v) {
		where = tfa_xstrdup("AWS_STS_REGIONAL_ENDPOINTS");
	} else {
		set = tfa_section_get(profile, "sts_regional_endpoints");
		if (!set || !*set->value) {
			*out = 0;
			return 0;
		}
		v = set->value;
		where = profile_where(profile, "sts_regional_endpoints");
	}
	if (strcasecmp(v, "legacy") == 0 || strcasecmp(v, "regional") == 0) {
		*out = strcasecmp(v, "legacy") == 0;
		*why = where;
		return 0;
	}
	tfa_err_set(err, TFA_EINVAL, "sts_regional_endpoints '%s' from %s is not "
		    "'legacy' or 'regional'", shown(show, v), where);
	tfa_err_hint(err, "use 'regional' (what Terraform always does) or remove the setting");
	free(where);
	return TFA_EINVAL;
}

/* ---------------------------------------------------------------- resolve */

static int
no_region(enum tfa_service svc, const struct tfa_section *profile,
	  struct tfa_err *err)
{
	tfa_err_set(err, TFA_EINVAL, "no region set for %s", service_title(svc));
	if (svc == TFA_SERVICE_SSO || svc == TFA_SERVICE_SSO_OIDC)
		tfa_err_hint(err, "add 'sso_region = us-east-1' (your IAM Identity Center "
			     "region) to the sso-session or the profile");
	else if (profile)
		tfa_err_hint(err, "export AWS_REGION=us-east-1, or add 'region = us-east-1' to "
			     "profile '%s' and run: eval \"$(tfauth-env %s)\"",
			     profile->name, profile->name);
	else
		tfa_err_hint(err, "export AWS_REGION=us-east-1, or add 'region = us-east-1' to "
			     "your profile and run: eval \"$(tfauth-env PROFILE)\"");
	return TFA_EINVAL;
}

static int
pseudo_region(const char *region, const char *from, enum tfa_service svc,
	      struct tfa_err *err)
{
	tfa_err_set(err, TFA_EINVAL, "region '%s'%s names a partition, not a region %s can use",
		    region, from, service_title(svc));
	tfa_err_hint(err, "use a real region of that partition, such as '%s'",
		     partition_of(region)->iam_region);
	return TFA_EINVAL;
}

/* A configured URL: checked, and signed for the region (IAM: its own). */
static int
custom_endpoint(struct tfa_endpoint *e, const char *url, const char *source,
		enum tfa_service svc, const char *region,
		const struct tfa_section *profile, struct tfa_err *err)
{
	int rc;

	if ((rc = tfa_endpoint_check_url(url, source, err)) < 0)
		return rc;
	if (svc == TFA_SERVICE_STS && !region)
		return no_region(svc, profile, err);
	e->url = trimmed_url(url);
	e->source = tfa_xstrdup(source);
	e->is_custom = 1;
	/* A pseudo-region is no signing scope: use its partition's home. */
	if (svc == TFA_SERVICE_IAM || is_pseudo_region(region))
		region = partition_of(region)->iam_region;
	set_small(e->signing_region, sizeof(e->signing_region), region ? region : "");
	return 0;
}

/* The endpoint AWS runs for svc in region's partition. */
static int
default_endpoint(struct tfa_endpoint *e, const struct tfa_ctx *ctx,
		 const struct tfa_section *profile, enum tfa_service svc,
		 const char *region, const char *from, struct tfa_err *err)
{
	const struct partition *part = partition_of(region);
	char *why = NULL;
	int legacy = 0, rc = 0;

	if (svc == TFA_SERVICE_IAM) {
		e->url = dupf("https://%s", part->iam_host);
		e->source = tfa_xstrdup("default");
		e->is_global = 1;
		set_small(e->signing_region, sizeof(e->signing_region), part->iam_region);
		goto out;
	}
	if (!region) {
		rc = no_region(svc, profile, err);
		goto out;
	}
	/* go-v2's endpoint table: aws-global is STS's global endpoint. */
	if (svc == TFA_SERVICE_STS && strcmp(region, "aws-global") == 0)
		legacy = 1;
	else if (is_pseudo_region(region))
		rc = pseudo_region(region, from, svc, err);
	else if (svc == TFA_SERVICE_STS)
		rc = sts_legacy(&legacy, &why, ctx, profile, err);
	if (rc < 0)
		goto out;
	if (svc == TFA_SERVICE_STS && legacy && tfa_endpoint_sts_legacy_region(region)) {
		e->url = tfa_xstrdup("https://sts.amazonaws.com");
		e->source = why ? dupf("default (sts_regional_endpoints = legacy from %s)", why)
				: tfa_xstrdup("default");
		e->is_global = 1;
		set_small(e->signing_region, sizeof(e->signing_region), "us-east-1");
		goto out;
	}
	e->url = dupf("https://%s%s.%s", svc == TFA_SERVICE_STS ? "sts." :
		      svc == TFA_SERVICE_SSO ? "portal.sso." : "oidc.",
		      region, part->dns_suffix);
	e->source = tfa_xstrdup("default");
	set_small(e->signing_region, sizeof(e->signing_region), region);
out:
	free(why);
	return rc;
}

int
tfa_endpoint_resolve(struct tfa_endpoint *out, const struct tfa_ctx *ctx,
		     const struct tfa_config *cfg, const struct tfa_section *profile,
		     enum tfa_service svc, const char *region,
		     const char *region_origin, struct tfa_err *err)
{
	struct tfa_endpoint e;
	const char *url = NULL;
	char *from = region_from(profile, region_origin), *source = NULL;
	int ignore = 0, rc;

	memset(&e, 0, sizeof(e));
	if (region && !tfa_endpoint_region_valid(region)) {
		rc = bad_region(region, from, err);
		goto out;
	}
	if ((rc = ignore_configured(&ignore, ctx, profile, err)) < 0)
		goto out;
	if (!ignore && (rc = configured_url(&url, &source, ctx, cfg, profile, svc, err)) < 0)
		goto out;
	if (url)
		rc = custom_endpoint(&e, url, source, svc, region, profile, err);
	else
		rc = default_endpoint(&e, ctx, profile, svc, region, from, err);
	if (rc < 0) {
		tfa_endpoint_dispose(&e);
		goto out;
	}
	set_small(e.partition, sizeof(e.partition), tfa_endpoint_partition(region));
	*out = e;
out:
	free(from);
	free(source);
	return rc;
}

void
tfa_endpoint_dispose(struct tfa_endpoint *e)
{
	if (!e)
		return;
	free(e->url);
	free(e->source);
	e->url = NULL;
	e->source = NULL;
}
