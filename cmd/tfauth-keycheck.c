/*
 * tfauth-keycheck — a hidden helper of `tfauth-profile set-keys`: ask STS
 * GetCallerIdentity whether a pair of long-term keys works, before they are
 * written.
 *
 * It is a binary of its own so that tfauth-profile, which runs on every tab
 * and prompt, never loads libcurl or libcrypto.  Everything comes from the
 * environment, never argv (a secret in argv shows in ps):
 *
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   the keys to check
 *   AWS_REGION             the signing region (default us-east-1)
 *   AWS_ENDPOINT_URL_STS   the endpoint set-keys resolved for the profile
 *                          (else AWS_ENDPOINT_URL, else the regional default)
 *   TFAUTH_HTTP_TIMEOUT, AWS_CA_BUNDLE, proxies ...   as lib/http reads them
 *
 * No config file is read and no session token is sent.  On success the
 * caller's ARN goes to stdout and the exit status is 0; otherwise the STS
 * error goes to stderr ("tfauth-keycheck: MESSAGE", "hint: ...") with exit
 * status 1, or 2 when the environment lacks the keys or an argument was
 * given.
 */
#include "cli.h"

#include "buf.h"
#include "creds.h"
#include "ctx.h"
#include "endpoint.h"
#include "err.h"
#include "sts.h"

#include <stdio.h>
#include <string.h>

extern char **environ;

static const char usage[] =
	"usage: AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... tfauth-keycheck\n";

/* Hints for someone who just typed the keys (the library's name other fixes). */
static void
set_keys_hint(struct tfa_err *err, const struct tfa_creds *c)
{
	char masked[32];

	tfa_mask(masked, sizeof(masked), c->access_key_id);
	if (strcmp(err->aws_code, "InvalidClientTokenId") == 0)
		tfa_err_hint(err, "AWS does not know key %s: check the key id, and "
			     "that the key is Active in IAM (aws iam "
			     "list-access-keys --user-name USER)", masked);
	else if (strcmp(err->aws_code, "SignatureDoesNotMatch") == 0 &&
		 !strstr(err->msg, "Signature expired"))
		tfa_err_hint(err, "the secret is not the one of key %s: copy it "
			     "again (IAM shows a secret only once; if it is lost, "
			     "create a new key)", masked);
}

int
main(int argc, char **argv)
{
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_creds creds;
	struct tfa_sts_identity id;
	struct tfa_endpoint ep;
	struct tfa_sts_target t;
	const char *region, *v;
	int status = CLI_EXIT_OK;

	cli_init(argv[0]);
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("%s\nCheck keys with STS GetCallerIdentity; a helper of "
		       "'tfauth-profile set-keys'.\n", usage);
		return CLI_EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		return cli_version();
	if (argc > 1)
		return cli_usage_error(usage, "no arguments: the keys come from "
				       "the environment");
	tfa_ctx_init(&ctx, environ);
	tfa_err_clear(&err);
	tfa_creds_init(&creds);
	tfa_sts_identity_init(&id);
	memset(&ep, 0, sizeof(ep));
	if (!(v = tfa_ctx_getenv_nonempty(&ctx, "AWS_ACCESS_KEY_ID")) ||
	    !tfa_ctx_getenv_nonempty(&ctx, "AWS_SECRET_ACCESS_KEY")) {
		status = cli_usage_error(usage, "AWS_ACCESS_KEY_ID and "
					 "AWS_SECRET_ACCESS_KEY must be set");
		goto out;
	}
	creds.access_key_id = tfa_xstrdup(v);
	creds.secret_access_key =
		tfa_xstrdup(tfa_ctx_getenv(&ctx, "AWS_SECRET_ACCESS_KEY"));
	region = tfa_ctx_getenv_nonempty(&ctx, "AWS_REGION");
	if (!region)
		region = "us-east-1";
	if (tfa_endpoint_resolve(&ep, &ctx, NULL, NULL, TFA_SERVICE_STS, region,
				 "AWS_REGION", &err) < 0) {
		status = cli_error(&err);
		goto out;
	}
	t.endpoint = ep.url;
	t.region = ep.signing_region;
	t.profile = NULL;
	if (tfa_sts_get_caller_identity(&id, &ctx, &t, &creds, &err) < 0) {
		set_keys_hint(&err, &creds);
		status = cli_error(&err);
		goto out;
	}
	status = cli_write_stdout(id.arn, strlen(id.arn));
	if (status == CLI_EXIT_OK)
		status = cli_write_stdout("\n", 1);
out:
	tfa_sts_identity_dispose(&id);
	tfa_endpoint_dispose(&ep);
	tfa_creds_dispose(&creds);
	tfa_ctx_dispose(&ctx);
	return status;
}
