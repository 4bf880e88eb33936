/*
 * explain — name the cause and the fix of an AWS credential error in text.
 *
 * `tfauth-doctor --explain FILE|-` feeds this module what Terraform, OpenTofu,
 * Terragrunt or the AWS CLI printed.  tfa_explain() finds the known AWS
 * credential errors in it and returns one finding per cause: a stable id, a
 * one-line cause, the fix in tfauth commands, and the facts the text gives
 * (AWS error code, HTTP status, request id, operation, profile, role ARN).
 *
 * It promises:
 *
 *   - Matching is on error codes and short stable phrases, never on whole
 *     sentences, and it survives Terraform's layout: the diagnostic frame
 *     (│ ╷ ╵ and the rest of the box-drawing block), ANSI colours, CI
 *     timestamp prefixes, and line wrapping.  A phrase or code split across
 *     lines still matches whether the break replaced a space (word wrap) or
 *     fell inside a word (a hard wrap of a word longer than the width, or a
 *     terminal's wrap in copied text): matching runs on the text with every
 *     space and line break removed.  A CI log's timestamp at the start of a
 *     line ("2024-03-15T10:10:10.1234567Z ") is dropped first.  Extracted values (an ARN, a cache file
 *     name) are rejoined across a break when the line before it is as wide
 *     as the widest line of its kind, which is what a hard wrap leaves.
 *   - Several causes in one text give several findings, each id once, most
 *     specific first (the fixed order of tfa_explain_kind()): a sub-cause
 *     such as "SSO session expired" or "no EC2 IMDS role found" comes before
 *     the "no valid credential sources" that wraps it.  A wrapper that adds
 *     nothing (Terraform's "IAM Role (...) cannot be assumed" around an
 *     AccessDenied) is folded into the specific finding.
 *   - Secrets are never echoed.  Before anything is extracted, the value
 *     after a secret's name (aws_secret_access_key, AWS_SESSION_TOKEN,
 *     SecretAccessKey, X-Amz-Security-Token, accessToken, secret_key, ...)
 *     and every run of 40 or more base64 characters mixing upper case, lower
 *     case and digits (a secret key, a session token) is overwritten.  No
 *     output field can hold a byte of them.
 *   - Any bytes are fine: NULs, binary, invalid UTF-8, no final newline.
 *     Output strings are NUL-terminated, valid UTF-8, without control
 *     characters.  Time and memory are linear in the input: a few passes,
 *     then one forward memmem walk per pattern and per condition marker,
 *     and facts are looked for only in a bounded window; only the last
 *     TFA_EXPLAIN_MAX_INPUT bytes of a longer input are examined, since the
 *     error that stopped a run is at its end.
 *   - No state, no allocation kept, no printing: safe to call from anywhere.
 */
#ifndef TFA_EXPLAIN_H
#define TFA_EXPLAIN_H

#include <stddef.h>

#include "buf.h"

/* Bytes examined at most: the last 32 MiB of a longer input. */
#define TFA_EXPLAIN_MAX_INPUT ((size_t)32 << 20)

/* The most findings one text can give (every kind once). */
#define TFA_EXPLAIN_MAX_FINDINGS 32

struct tfa_finding {
	const char *id;        /* stable, e.g. "expired-token"; static */
	const char *cause;     /* one line, lowercase start, no full stop; static */
	const char *fix;       /* the commands that fix it; PROFILE is a placeholder */
	/* Facts from the text; "" or 0 when it does not show them. */
	char code[64];         /* AWS error code as printed: "ExpiredToken" */
	char operation[64];    /* "GetCallerIdentity", "AssumeRole", ... */
	char profile[128];     /* the profile the error names */
	char role_arn[256];    /* the role that could not be assumed */
	char caller_arn[256];  /* who tried to assume it */
	char detail[256];      /* anything else: host, cache file, missing key */
	int http_status;       /* 403, ...; 0 when absent (or StatusCode: 0) */
	char request_id[80];
};

/*
 * Explain text[0..len): write up to max findings to out, most specific
 * first, and return how many distinct findings the text holds (possibly
 * more than max, like snprintf).  0 means no known AWS credential error;
 * what to do then (exit status, message) is the caller's choice.  text may
 * be NULL when len is 0; out may be NULL when max is 0.
 */
size_t tfa_explain(struct tfa_finding *out, size_t max, const char *text,
		   size_t len);

/* One kind of finding this module knows. */
struct tfa_explain_kind {
	const char *id;
	const char *cause;
	const char *fix;
};

/*
 * The catalogue, in rank order (the order findings are returned in):
 * kind i for i = 0, 1, ... and NULL past the end.
 */
const struct tfa_explain_kind *tfa_explain_kind(size_t i);

/*
 * Append findings f[0..n) to out as a JSON array of objects with the keys
 * "id", "cause", "fix" and, when present, "code", "operation", "profile",
 * "role_arn", "caller_arn", "detail", "http_status" (a number) and
 * "request_id".  0, or TFA_ETOOBIG when out's cap is reached (out is then
 * left as it was).
 */
int tfa_explain_json(struct tfa_buf *out, const struct tfa_finding *f,
		     size_t n);

/*
 * The fix of f with its PROFILE placeholder filled: the profile the text
 * named, else fallback (the user's current profile), else left as is.
 * 0, or TFA_ETOOBIG.
 */
int tfa_explain_fix(struct tfa_buf *out, const struct tfa_finding *f,
		    const char *fallback);

#endif
