#include "buf.h"
#include "config.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/tfa-config-XXXXXX";
static char cpath[256], kpath[256];

static void
put(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, n, f);
	fclose(f);
}

/* Load a config and credentials text (NULL: no such file). */
static struct tfa_config *
load2(const char *config, const char *creds, struct tfa_err *err)
{
	struct tfa_config *cfg = NULL;

	unlink(cpath);
	unlink(kpath);
	if (config)
		put(cpath, config, strlen(config));
	if (creds)
		put(kpath, creds, strlen(creds));
	tfa_err_clear(err);
	if (tfa_config_load_files(&cfg, cpath, kpath, err) < 0)
		return NULL;
	return cfg;
}

static const char *
val(const struct tfa_config *cfg, const char *profile, const char *key)
{
	return tfa_section_value(tfa_config_profile(cfg, profile), key);
}

/* Expect a load failure whose message contains want. */
static void
fails(const char *config, const char *creds, const char *want, const char *desc)
{
	struct tfa_err err;
	struct tfa_config *cfg = load2(config, creds, &err);

	if (!ok(!cfg && err.code < 0 && strstr(err.msg, want), "%s", desc))
		printf("#   message: '%s' (wanted '%s')\n", err.msg, want);
	tfa_config_free(cfg);
}

static void
test_sections(void)
{
	struct tfa_err err;
	struct tfa_config *cfg;

	cfg = load2("[default]\nregion = us-east-1\n"
		    "[profile prod]\nregion=eu-west-1\n"
		    "[foo]\nregion = ignored\n"
		    "[profile   spaced  name  ]\nregion = x\n"
		    "[sso-session corp]\nsso_region = us-east-2\n"
		    "[services dev]\nsts =\n  endpoint_url = http://localhost:4566\n"
		    "[profilefoo]\nregion = no\n",
		    "[prod]\naws_access_key_id = AKIA1\n"
		    "[profile bad]\naws_access_key_id = nope\n"
		    "[onlycreds]\naws_access_key_id = AKIA2\n", &err);
	ok(cfg != NULL, "a normal pair of files loads (%s)", err.msg);
	if (!cfg)
		return;
	is_str(val(cfg, "default", "region"), "us-east-1", "[default] in config");
	is_str(val(cfg, "prod", "region"), "eu-west-1", "[profile prod] in config");
	is_str(val(cfg, "prod", "aws_access_key_id"), "AKIA1", "credentials merged into the same profile");
	ok(tfa_config_profile(cfg, "foo") == NULL, "[foo] in the config file is ignored");
	ok(tfa_config_profile(cfg, "profilefoo") == NULL, "[profilefoo] is not a profile prefix");
	is_str(val(cfg, "spaced  name", "region"), "x", "name after the first run of blanks, inner blanks kept");
	ok(tfa_config_profile(cfg, "bad") == NULL && tfa_config_profile(cfg, "profile bad") == NULL,
	   "[profile bad] in the credentials file is ignored");
	is_str(val(cfg, "onlycreds", "aws_access_key_id"), "AKIA2", "a profile only in credentials");
	is_str(tfa_section_value(tfa_config_sso_session(cfg, "corp"), "sso_region"), "us-east-2",
	       "[sso-session] section");
	{
		const struct tfa_setting *sts = tfa_section_get(tfa_config_services(cfg, "dev"), "sts");
		is_str(sts ? sts->value : NULL, "", "sub-property parent has an empty value");
		is_str(tfa_setting_sub(sts, "endpoint_url") ? tfa_setting_sub(sts, "endpoint_url")->value : NULL,
		       "http://localhost:4566", "[services] sub-property");
	}
	is_int(tfa_config_profile_count(cfg), 4, "four profiles");
	is_str(tfa_config_profile_at(cfg, 0)->name, "default", "sorted: default");
	is_str(tfa_config_profile_at(cfg, 1)->name, "onlycreds", "sorted: onlycreds");
	is_str(tfa_config_profile_at(cfg, 2)->name, "prod", "sorted: prod");
	is_str(tfa_config_profile_at(cfg, 3)->name, "spaced  name", "sorted: spaced name");
	ok(tfa_config_profile_at(cfg, 4) == NULL, "past the end is NULL");
	tfa_config_free(cfg);
}

static void
test_rules(void)
{
	struct tfa_err err;
	struct tfa_config *cfg;
	const struct tfa_setting *set;

	cfg = load2("[profile default]\nregion = a\n[default]\nregion = b\noutput = json\n", NULL, &err);
	is_str(val(cfg, "default", "region"), "a", "[profile default] beats a later [default]");
	ok(val(cfg, "default", "output") == NULL, "nothing of [default] is merged in");
	tfa_config_free(cfg);
	cfg = load2("[default]\nregion = b\noutput = json\n[profile default]\nregion = a\n", NULL, &err);
	is_str(val(cfg, "default", "region"), "a", "[profile default] beats an earlier [default]");
	ok(val(cfg, "default", "output") == NULL, "the earlier [default] is dropped whole");
	tfa_config_free(cfg);

	cfg = load2("[profile p]\nRegion = us-east-1\nAWS_Access_Key_ID = AKIA\n", NULL, &err);
	is_str(val(cfg, "p", "region"), "us-east-1", "keys are lower-cased");
	is_str(val(cfg, "p", "aws_access_key_id"), "AKIA", "mixed-case key lower-cased");
	tfa_config_free(cfg);

	cfg = load2("[profile P]\nregion = upper\n[profile p]\nregion = lower\n", NULL, &err);
	is_str(val(cfg, "P", "region"), "upper", "profile names are case-sensitive (P)");
	is_str(val(cfg, "p", "region"), "lower", "profile names are case-sensitive (p)");
	tfa_config_free(cfg);

	cfg = load2("[profile c] ; a comment\n"
		    "region = us-east-1 ; comment\n"
		    "output = json # comment\n"
		    "a = x#y\n"
		    "b = x;y\n"
		    "c = \"quoted value\"\n"
		    "d = 'single'\n"
		    "e = \"\n"
		    "e2 = \"\"\n"
		    "e3 = ''\n"
		    "f =\n"
		    "g: colon\n"
		    "h = url=with=equals\n"
		    "  # indented comment-looking line\n"
		    "  ; also\n"
		    "i = http://x:80\n"
		    "region2 = \tspaced\t \n", NULL, &err);
	ok(cfg != NULL, "comments and values (%s)", err.msg);
	is_str(val(cfg, "c", "region"), "us-east-1", "'; comment' after a space is stripped");
	is_str(val(cfg, "c", "output"), "json", "'# comment' after a space is stripped");
	is_str(val(cfg, "c", "a"), "x#y", "'#' inside a value is kept");
	is_str(val(cfg, "c", "b"), "x;y", "';' inside a value is kept");
	is_str(val(cfg, "c", "c"), "quoted value", "double quotes removed");
	is_str(val(cfg, "c", "d"), "single", "single quotes removed");
	is_str(val(cfg, "c", "e"), "\"", "a lone quote is kept");
	is_str(val(cfg, "c", "e2"), "\"\"", "\"\" is kept (go-v2 unquotes only longer values)");
	is_str(val(cfg, "c", "e3"), "''", "'' is kept");
	is_str(val(cfg, "c", "f"), "", "an empty value");
	is_str(val(cfg, "c", "g"), "colon", "'key: value' works");
	is_str(val(cfg, "c", "h"), "url=with=equals", "split at the first '='");
	is_str(val(cfg, "c", "i"), "http://x:80", "':' after '=' stays in the value");
	is_str(val(cfg, "c", "region2"), "spaced", "values are trimmed");
	tfa_config_free(cfg);

	cfg = load2("[profile m]\ncredential_process = /bin/tool\n  --flag ; kept\n  --other\nregion = r\n"
		    "[profile m]\noutput = json\nregion = later\n", NULL, &err);
	is_str(val(cfg, "m", "credential_process"), "/bin/tool\n--flag ; kept\n--other",
	       "continuation lines join with newlines, comments kept");
	is_str(val(cfg, "m", "region"), "later", "a repeated section merges, later key wins");
	is_str(val(cfg, "m", "output"), "json", "the repeated section's new key is there");
	set = tfa_section_get(tfa_config_profile(cfg, "m"), "region");
	is_int(set ? set->line : 0, 8, "provenance line of the replaced key");
	tfa_config_free(cfg);

	cfg = load2("[profile x]\nregion = config-region\naws_access_key_id = FROMCONFIG\n",
		    "[x]\naws_access_key_id = FROMCREDS\n", &err);
	is_str(val(cfg, "x", "aws_access_key_id"), "FROMCREDS", "credentials file wins per key");
	is_str(val(cfg, "x", "region"), "config-region", "other config keys stay");
	set = tfa_section_get(tfa_config_profile(cfg, "x"), "aws_access_key_id");
	ok(set && strstr(set->file, "credentials") && set->line == 2, "provenance names the credentials file, line 2");
	set = tfa_section_get(tfa_config_profile(cfg, "x"), "region");
	ok(set && strstr(set->file, "config") && set->line == 2, "provenance names the config file, line 2");
	tfa_config_free(cfg);

	cfg = load2("\xef\xbb\xbf[default]\r\nregion = crlf\r\n", NULL, &err);
	is_str(val(cfg, "default", "region"), "crlf", "BOM and CRLF line ends");
	tfa_config_free(cfg);

	cfg = load2("[profile empty]\n[profile e2]\n", NULL, &err);
	ok(cfg && tfa_config_profile(cfg, "empty") && tfa_config_profile(cfg, "e2"), "empty sections exist");
	tfa_config_free(cfg);

	cfg = load2(NULL, NULL, &err);
	ok(cfg && tfa_config_profile_count(cfg) == 0, "missing files are empty");
	tfa_config_free(cfg);

	cfg = load2("[weird]\n  indented under ignored = 1\nk = v\n  cont\n[default]\n", NULL, &err);
	ok(cfg && tfa_config_profile(cfg, "default"), "lines inside an ignored section are ignored (%s)", err.msg);
	tfa_config_free(cfg);
}

static void
test_long_values(void)
{
	struct tfa_buf text = TFA_BUF_INIT, token = TFA_BUF_INIT, name = TFA_BUF_INIT;
	struct tfa_err err;
	struct tfa_config *cfg;
	int i;

	for (i = 0; i < 4096; i++)
		tfa_buf_addch(&token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="[i % 65]);
	for (i = 0; i < 300; i++)
		tfa_buf_addch(&name, 'a' + i % 26);
	tfa_buf_addf(&text, "[%s]\naws_access_key_id = ASIAEXAMPLE\naws_session_token = %s\nafter = yes\n",
		     name.ptr, token.ptr);
	cfg = load2(NULL, text.ptr, &err);
	ok(cfg != NULL, "a 4 KiB session token loads (%s)", err.msg);
	ok(cfg && val(cfg, name.ptr, "aws_session_token") &&
	   strcmp(val(cfg, name.ptr, "aws_session_token"), token.ptr) == 0,
	   "the 4 KiB token comes back byte for byte");
	is_str(cfg ? val(cfg, name.ptr, "after") : NULL, "yes", "the line after a long one is read");
	ok(cfg && tfa_config_profile(cfg, name.ptr), "a 300-byte profile name survives inih's 50");
	tfa_config_free(cfg);
	tfa_buf_dispose(&text);
	tfa_buf_dispose(&token);
	tfa_buf_dispose(&name);
}

static void
test_bad(void)
{
	char *big;
	struct tfa_err err;
	struct tfa_config *cfg;

	fails("[profile x\nregion = a\n", NULL, "config:1: missing ']'", "missing ']' names file:line");
	fails("[default]\nregion = a\njunk line\n", NULL, ":3: expected 'key = value'", "a line without '='");
	fails("region = a\n[default]\n", NULL, ":1: a setting before any section", "property before any section");
	fails("  indented = 1\n[default]\n", NULL, ":1: an indented line with no setting", "indented first line");
	fails("[default]\n  indented\n", NULL, ":2: an indented line with no setting", "indented line after a header");
	fails("[services s]\nsts =\n  no equals here\n", NULL, ":3: expected an indented 'key = value'",
	      "a sub-property without '='");
	fails("[default]\n= value\n", NULL, ":2: a setting without a name", "empty key");
	fails(NULL, "[x]\nk = v\n\n[y]\nk = \xff\xfe\n", "credentials:5: not valid UTF-8", "invalid UTF-8 names the line");
	fails("[x]\nk = \xed\xa0\x80\n", NULL, ":2: not valid UTF-8", "a UTF-16 surrogate is not UTF-8");
	fails("[x]\nk = \xc0\xaf\n", NULL, ":2: not valid UTF-8", "an overlong encoding is not UTF-8");
	{
		static const char bin[] = "[x]\nk = v\n\0\x01\x02garbage";
		unlink(cpath);
		put(cpath, bin, sizeof(bin) - 1);
		tfa_err_clear(&err);
		cfg = NULL;
		ok(tfa_config_load_files(&cfg, cpath, NULL, &err) < 0 && strstr(err.msg, ":3: a NUL byte"),
		   "binary garbage: a NUL byte names the line (%s)", err.msg);
		tfa_config_free(cfg);
	}
	big = malloc(TFA_CONFIG_MAX_FILE + 2);
	memset(big, '#', TFA_CONFIG_MAX_FILE + 1);
	big[TFA_CONFIG_MAX_FILE + 1] = '\0';
	fails(big, NULL, "too large", "a file over the size cap");
	free(big);

	/* Unreadable (as root this cannot be tested by mode bits). */
	put(cpath, "[default]\n", 10);
	chmod(cpath, 0);
	if (geteuid() != 0) {
		cfg = NULL;
		tfa_err_clear(&err);
		ok(tfa_config_load_files(&cfg, cpath, NULL, &err) < 0 && strstr(err.msg, "Permission denied"),
		   "an unreadable file is an error");
		tfa_config_free(cfg);
	} else {
		ok(1, "an unreadable file is an error (skipped: running as root; tests/cli covers it)");
	}
	chmod(cpath, 0600);

	unlink(cpath);
	symlink(cpath, cpath); /* points at itself */
	cfg = NULL;
	tfa_err_clear(&err);
	ok(tfa_config_load_files(&cfg, cpath, NULL, &err) < 0 && strstr(err.msg, "symbolic links"),
	   "a symlink loop is an error (%s)", err.msg);
	ok(strstr(err.hint, "symbolic link") != NULL, "with a hint");
	tfa_config_free(cfg);
	unlink(cpath);

	cfg = NULL;
	tfa_err_clear(&err);
	ok(tfa_config_load_files(&cfg, dir, NULL, &err) < 0 && strstr(err.msg, "not a regular file"),
	   "a directory is an error");
	tfa_config_free(cfg);
}

/* tfa_config_parse: the loader's rules on bytes in memory (fuzzing). */
static void
test_parse_memory(void)
{
	static const char conf[] = "[profile dev]\nregion = eu-west-1\n";
	static const char cred[] = "[dev]\naws_access_key_id = AKIDEXAMPLE\n";
	struct tfa_config *cfg = NULL;
	const struct tfa_section *s;
	struct tfa_err err;

	ok(tfa_config_parse(&cfg, conf, sizeof(conf) - 1, cred, sizeof(cred) - 1,
			    &err) == 0, "parse from memory");
	s = tfa_config_profile(cfg, "dev");
	is_str(s ? tfa_section_value(s, "region") : NULL, "eu-west-1",
	       "from memory: the config's value");
	is_str(s ? tfa_section_value(s, "aws_access_key_id") : NULL, "AKIDEXAMPLE",
	       "from memory: the credentials' value");
	is_str(s ? s->file : NULL, "config", "from memory: the file is named 'config'");
	tfa_config_free(cfg);
	cfg = NULL;
	ok(tfa_config_parse(&cfg, "[profile x\n", 11, NULL, 0, &err) < 0 && !cfg,
	   "from memory: a bad line fails");
	is_str(err.msg, "config:1: missing ']' at the end of the section header",
	       "from memory: with file:line");
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(cpath, sizeof(cpath), "%s/config", dir);
	snprintf(kpath, sizeof(kpath), "%s/credentials", dir);
	test_sections();
	test_rules();
	test_long_values();
	test_bad();
	test_parse_memory();
	unlink(cpath);
	unlink(kpath);
	rmdir(dir);
	return tap_done();
}
