/*
 * sts_types — constructors and destructors of sts.h's result structs, in
 * a file of their own: code that only holds STS results (the credential
 * chain in tfauth-env) links no HTTP, so tfauth-env does not load libcurl.
 */
#include "sts.h"

#include <stdlib.h>
#include <string.h>

void
tfa_sts_identity_init(struct tfa_sts_identity *id)
{
	memset(id, 0, sizeof(*id));
}

void
tfa_sts_identity_dispose(struct tfa_sts_identity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}

void
tfa_sts_session_init(struct tfa_sts_session *s)
{
	memset(s, 0, sizeof(*s));
	tfa_creds_init(&s->creds);
}

void
tfa_sts_session_dispose(struct tfa_sts_session *s)
{
	tfa_creds_dispose(&s->creds);
	free(s->assumed_role_arn);
	free(s->assumed_role_id);
	memset(s, 0, sizeof(*s));
}
