/*
 * fuzz_keys — tfauth-profile set-keys' rewrite of the credentials file
 * (tfa_keys_rewrite), which must read the file exactly as lib/config does.
 *
 * The input's first line is the profile name (when tfa_keys_check_profile
 * refuses it, "dev" is used), the rest the credentials file.
 *
 * Checks, against lib/config as the oracle: the rewrite takes every file
 * tfa_config_parse takes (and fails only with TFA_EINVAL); for such a file
 * the new file loads, the profile has the new key id and secret and no session or
 * security token, every other profile has the same settings as before
 * (keys, values, sub-settings), and rewriting the new file with the same
 * keys changes nothing (byte for byte).
 */
#include "fuzz.h"

#include "config.h"
#include "keys.h"

#define KEY_ID "AKIAFUZZFUZZFUZZFUZZ"
#define SECRET "fuzzSECRETfuzzSECRETfuzzSECRETfuzz0123+/"

static int
same_setting(const struct tfa_setting *a, const struct tfa_setting *b)
{
	size_t i;

	if (strcmp(a->key, b->key) || strcmp(a->value, b->value) || a->nsub != b->nsub)
		return 0;
	for (i = 0; i < a->nsub; i++)
		if (!same_setting(&a->sub[i], &b->sub[i]))
			return 0;
	return 1;
}

static void
same_section(const struct tfa_section *a, const struct tfa_section *b)
{
	size_t i;

	FUZZ_CHECK(a && b);
	FUZZ_CHECK(a->nsettings == b->nsettings);
	for (i = 0; i < a->nsettings; i++)
		FUZZ_CHECK(same_setting(&a->settings[i], &b->settings[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	struct tfa_config *before = NULL, *after = NULL;
	const struct tfa_section *p, *q;
	struct tfa_keys_edit edit, edit2;
	struct tfa_buf out, again;
	struct tfa_err err, perr;
	const char *text = nl ? nl + 1 : s + size;
	size_t len = (size_t)(s + size - text), i, n;
	char *name;
	int rc, prc;

	name = tfa_xstrndup(s, nl ? (size_t)(nl - s) : 0);
	tfa_err_clear(&err);
	if (tfa_keys_check_profile(name, &err) < 0) {
		free(name);
		name = tfa_xstrdup("dev");
	}
	tfa_buf_init_secret(&out, TFA_KEYS_MAX_FILE + 4096);
	tfa_buf_init_secret(&again, TFA_KEYS_MAX_FILE + 4096);
	tfa_err_clear(&err);
	rc = tfa_keys_rewrite(&out, &edit, text, len, name, KEY_ID, SECRET, &err);
	fuzz_check_err(rc, &err);
	prc = tfa_config_parse(&before, NULL, 0, text, len, &perr);
	/* What the loader reads, the rewrite takes.  (Not the converse yet:
	 * the rewrite takes an indented line without '=' under an empty
	 * "key =" as a continuation, which the loader refuses; reported.) */
	if (rc < 0) {
		FUZZ_CHECK(prc < 0 && rc == TFA_EINVAL);
		FUZZ_CHECK(!memmem(err.msg, strlen(err.msg), SECRET, 8));
		goto out;
	}
	if (prc < 0)
		goto out;

	tfa_err_clear(&perr);
	FUZZ_CHECK(tfa_config_parse(&after, NULL, 0, out.ptr, out.len, &perr) == 0);
	p = tfa_config_profile(after, name);
	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(tfa_section_value(p, "aws_access_key_id") &&
		   strcmp(tfa_section_value(p, "aws_access_key_id"), KEY_ID) == 0);
	FUZZ_CHECK(tfa_section_value(p, "aws_secret_access_key") &&
		   strcmp(tfa_section_value(p, "aws_secret_access_key"), SECRET) == 0);
	FUZZ_CHECK(!tfa_section_get(p, "aws_session_token"));
	FUZZ_CHECK(!tfa_section_get(p, "aws_security_token"));
	/* Every other profile, as it was. */
	n = tfa_config_profile_count(before);
	for (i = 0; i < n; i++) {
		p = tfa_config_profile_at(before, i);
		if (strcmp(p->name, name) == 0)
			continue;
		q = tfa_config_profile(after, p->name);
		same_section(p, q);
	}
	FUZZ_CHECK(tfa_config_profile_count(after) ==
		   n + (tfa_config_profile(before, name) ? 0 : 1));

	/* Once more with the same keys: nothing changes. */
	tfa_err_clear(&err);
	FUZZ_CHECK(tfa_keys_rewrite(&again, &edit2, out.ptr, out.len, name, KEY_ID,
				    SECRET, &err) == 0);
	FUZZ_CHECK(again.len == out.len && memcmp(again.ptr, out.ptr, out.len) == 0);
	FUZZ_CHECK(!edit2.section_added && edit2.tokens_removed == 0);
out:
	tfa_config_free(before);
	tfa_config_free(after);
	tfa_buf_dispose(&out);
	tfa_buf_dispose(&again);
	free(name);
	return 0;
}
