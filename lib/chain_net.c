/*
 * chain_net — the credential chain's network operations, in their own
 * file: only the tools that link it load libcurl (tfauth-env does not).
 */
#include "chain.h"
#include "imds.h"
#include "sso.h"
#include "sts.h"

const struct tfa_chain_net tfa_chain_net_aws = {
	tfa_sts_assume_role,
	tfa_sts_get_session_token,
	tfa_sts_assume_role_with_web_identity,
	tfa_container_credentials,
	tfa_imds_credentials,
	tfa_sso_token_get,
	tfa_sso_role_credentials,
};
