/*
 * imds — credentials from the machine tfauth runs on: the ECS/EKS container
 * credentials endpoint and the EC2 instance metadata service (IMDSv2, with
 * the IMDSv1 fallback).  The credential chain uses them for
 * `credential_source = EcsContainer | Ec2InstanceMetadata` and as its last
 * resort, so both must be quick to say "not here" off ECS/EKS/EC2.
 *
 * The promise: one call gives a full set of temporary credentials (key id,
 * secret key, session token, expiration) or one clear tfa_err.  TFA_ENOTFOUND
 * means the source is not configured or switched off, and the chain may move
 * on.  Out-parameters are written only on success; the caller initialises
 * them first and disposes them after.  Replies that are not JSON, lack a
 * field, carry a Code other than "Success" or an Expiration that is not an
 * RFC 3339 time are TFA_EINVAL.
 *
 * HTTP: the calls go through tfa_http_send, but not with the context's own
 * timeout.  Unless the caller installed its own transport (ctx->transport
 * set, ctx->owns_transport clear: what the unit tests do, and then it is
 * used as it is), each provider call makes a private libcurl transport from
 * a copy of the context's environment in which TFAUTH_HTTP_TIMEOUT is the
 * metadata timeout times the attempts and AWS_MAX_ATTEMPTS the attempts,
 * and frees it before returning.  Proxy settings (HTTP_PROXY, NO_PROXY, ...)
 * apply as they do for the SDKs, so on a machine with a proxy, 169.254.169.254
 * and 169.254.170.2 belong in NO_PROXY.
 *
 * Secrets: reply bodies are secret buffers; SecretAccessKey and Token go
 * from the parsed JSON into the struct tfa_creds, and the JSON strings are
 * wiped before they are freed (jansson's own parse buffer is freed
 * unwiped: jansson has no per-call allocator).  The container authorization
 * token and the IMDSv2 session token live in secret buffers and header
 * values; no message ever quotes a secret or a reply body.
 */
#ifndef TFA_IMDS_H
#define TFA_IMDS_H

#include "creds.h"
#include "ctx.h"
#include "err.h"

/* The ECS task-role endpoint that AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 * is relative to. */
#define TFA_CONTAINER_HOST "http://169.254.170.2"
#define TFA_IMDS_IPV4 "http://169.254.169.254"
#define TFA_IMDS_IPV6 "http://[fd00:ec2::254]"
/* The lifetime asked for an IMDSv2 session token (the SDKs' value). */
#define TFA_IMDS_TOKEN_TTL "21600"
/* botocore's ContainerMetadataFetcher: 2 s a try, 3 tries. */
#define TFA_CONTAINER_TIMEOUT 2
#define TFA_CONTAINER_ATTEMPTS 3

/*
 * Container credentials (aws-reference.md §2.7), read from the context's
 * environment:
 *
 *   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  GET http://169.254.170.2<uri>;
 *                                           must start with '/'; wins over
 *   AWS_CONTAINER_CREDENTIALS_FULL_URI      GET <uri>: https to any host, or
 *                                           http to a loopback address
 *                                           (127.0.0.0/8, ::1, localhost)
 *                                           or 169.254.170.2,
 *                                           169.254.170.23 (EKS Pod
 *                                           Identity), fd00:ec2::23; any
 *                                           other host is refused in
 *                                           botocore's words
 *   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE  the Authorization header: the
 *                                           file's raw contents (preferred)
 *   AWS_CONTAINER_AUTHORIZATION_TOKEN       else this value
 *
 * An empty variable counts as unset (go-v2).  The token may not hold CR or
 * LF, not even a trailing newline (botocore and go-v2 refuse it too).  The
 * token file is read following symlinks and without an owner check: EKS
 * mounts it as a symlink into a root-owned projected volume.  It must be a
 * regular file of at most 64 KiB.
 *
 * The reply: 200 with {"AccessKeyId", "SecretAccessKey", "Token",
 * "Expiration", "AccountId" (optional)}; anything else is botocore's
 * "received non 200 response N from container metadata", with the reply's
 * JSON code and message when it has them.  2 s a try, 3 tries.
 *
 * TFA_ENOTFOUND when neither URI variable is set.
 */
int tfa_container_credentials(struct tfa_creds *out, struct tfa_ctx *ctx,
			      struct tfa_err *err);

/*
 * EC2 instance-role credentials (aws-reference.md §2.8):
 *
 *   1. PUT  BASE/latest/api/token with X-aws-ec2-metadata-token-ttl-seconds:
 *      21600 -> the session token (IMDSv2);
 *   2. GET  BASE/latest/meta-data/iam/security-credentials/ -> the role name
 *      (the first non-empty line);
 *   3. GET  BASE/latest/meta-data/iam/security-credentials/ROLE -> {"Code",
 *      "AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...}.
 *
 * Calls 2 and 3 carry X-aws-ec2-metadata-token when step 1 gave a token.
 * Step 1 answered 400 stops here; any other failure (403, 404, 405, no
 * reply in time: a container behind a hop limit of 1) falls back to IMDSv1,
 * as botocore does, unless AWS_EC2_METADATA_V1_DISABLED is "true" (then
 * botocore's "unable to retrieve token for use in IMDSv2 call and IMDSv1 has
 * been disabled").
 *
 * The environment:
 *
 *   AWS_EC2_METADATA_DISABLED            "true" in any case: TFA_ENOTFOUND,
 *                                        "access disabled to EC2 IMDS" (any
 *                                        other value leaves it on, like
 *                                        botocore and go-v2)
 *   AWS_EC2_METADATA_SERVICE_ENDPOINT    BASE, http or https; wins over
 *   AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE  IPv4 (default,
 *                                        http://169.254.169.254) or IPv6
 *                                        (http://[fd00:ec2::254])
 *   AWS_EC2_METADATA_V1_DISABLED         "true": no IMDSv1 fallback
 *   AWS_METADATA_SERVICE_TIMEOUT         whole seconds a try, 1 to 3600,
 *                                        default 1
 *   AWS_METADATA_SERVICE_NUM_ATTEMPTS    tries per call, 1 to 100, default 1
 *
 * The profile's ec2_metadata_* keys are the caller's business: it may set
 * the matching variables in the context.  A bad value of any variable is
 * TFA_EINVAL naming it.
 *
 * A role list that cannot be had is go-v2's "no EC2 IMDS role found",
 * followed by the cause: TFA_ENOTFOUND for a 404 or an empty list (no role
 * attached), TFA_ENET when IMDS could not be reached (off EC2), TFA_EAWS
 * for another status; each with a hint.  Off EC2 it gives up after at
 * most two calls' worth of timeout x attempts (the token, then the IMDSv1
 * try), as botocore does.
 */
int tfa_imds_credentials(struct tfa_creds *out, struct tfa_ctx *ctx,
			 struct tfa_err *err);

#endif
