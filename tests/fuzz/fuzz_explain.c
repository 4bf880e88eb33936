/*
 * fuzz_explain — lib/explain over any bytes (what tfauth-doctor --explain
 * reads from a file or a pipe).
 *
 * Checks the promises of explain.h: findings are kinds of the catalogue,
 * each once, in catalogue order; every text field is NUL-terminated, valid
 * UTF-8 and free of control characters; the count does not depend on max
 * (snprintf-like) and a shorter out gets the same first findings; the JSON
 * form parses back to as many objects; the fix with a profile filled in is
 * a string.
 */
#include "fuzz.h"

#include <jansson.h>

#include "explain.h"

#define MAXF TFA_EXPLAIN_MAX_FINDINGS

static void
check_text(const char *s, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i, len;

	FUZZ_CHECK(memchr(s, '\0', size) != NULL);
	n = strlen(s);
	for (i = 0; i < n; i += len) {
		unsigned char c = p[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f);
		if (c < 0x80) {
			len = 1;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			FUZZ_CHECK(!"a byte that starts no UTF-8 sequence");
		FUZZ_CHECK(i + len <= n);
		for (size_t j = 1; j < len; j++)
			FUZZ_CHECK((p[i + j] & 0xc0) == 0x80);
		if (len == 3)
			FUZZ_CHECK(!(c == 0xe0 && p[i + 1] < 0xa0) &&
				   !(c == 0xed && p[i + 1] >= 0xa0));
		if (len == 4)
			FUZZ_CHECK(!(c == 0xf0 && p[i + 1] < 0x90) &&
				   !(c == 0xf4 && p[i + 1] >= 0x90));
		/* C1 controls (U+0080..U+009F) are control characters too. */
		FUZZ_CHECK(!(c == 0xc2 && p[i + 1] < 0xa0));
	}
}

static size_t
rank(const char *id)
{
	const struct tfa_explain_kind *k;
	size_t i;

	for (i = 0; (k = tfa_explain_kind(i)); i++)
		if (strcmp(k->id, id) == 0)
			return i;
	FUZZ_CHECK(!"an id that is not in the catalogue");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tfa_finding f[MAXF], g[MAXF];
	const char *text = (const char *)data;
	struct tfa_buf json, fix;
	json_error_t jerr;
	json_t *arr;
	size_t n, m, k, i, last = 0;

	n = tfa_explain(f, MAXF, text, size);
	FUZZ_CHECK(n <= MAXF);
	for (i = 0; i < n; i++) {
		size_t r;

		FUZZ_STR(f[i].id);
		FUZZ_STR(f[i].cause);
		FUZZ_STR(f[i].fix);
		r = rank(f[i].id);
		FUZZ_CHECK(i == 0 || r > last);
		last = r;
		check_text(f[i].code, sizeof(f[i].code));
		check_text(f[i].operation, sizeof(f[i].operation));
		check_text(f[i].profile, sizeof(f[i].profile));
		check_text(f[i].role_arn, sizeof(f[i].role_arn));
		check_text(f[i].caller_arn, sizeof(f[i].caller_arn));
		check_text(f[i].detail, sizeof(f[i].detail));
		check_text(f[i].request_id, sizeof(f[i].request_id));
		FUZZ_CHECK(f[i].http_status >= 0);
	}

	/* Like snprintf: the count whatever max is, the same first ones. */
	FUZZ_CHECK(tfa_explain(NULL, 0, text, size) == n);
	k = size & 3;
	m = tfa_explain(g, k, text, size);
	FUZZ_CHECK(m == n);
	for (i = 0; i < k && i < n; i++)
		FUZZ_CHECK(strcmp(g[i].id, f[i].id) == 0 &&
			   strcmp(g[i].role_arn, f[i].role_arn) == 0 &&
			   strcmp(g[i].profile, f[i].profile) == 0);

	tfa_buf_init(&json, (size_t)1 << 20);
	FUZZ_CHECK(tfa_explain_json(&json, f, n) == 0);
	arr = json_loadb(json.ptr, json.len, 0, &jerr);
	FUZZ_CHECK(json_is_array(arr) && json_array_size(arr) == n);
	json_decref(arr);
	tfa_buf_dispose(&json);

	tfa_buf_init(&fix, (size_t)1 << 16);
	for (i = 0; i < n; i++) {
		tfa_buf_reset(&fix);
		FUZZ_CHECK(tfa_explain_fix(&fix, &f[i], "fallback") == 0);
		FUZZ_CHECK(strlen(fix.ptr) == fix.len);
	}
	tfa_buf_dispose(&fix);
	return 0;
}
