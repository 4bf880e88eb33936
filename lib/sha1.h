/*
 * sha1 — SHA-1 (FIPS 180-4) for cache file names, not for security.
 *
 * The AWS CLI names its cache files by the SHA-1 of their key, so tfauth
 * must compute it on the hot path (tfauth-env --format process with a warm
 * cache).  OpenSSL 3 spends about 1.4 ms per process loading libcrypto and
 * initialising its providers before the first digest — half the hot
 * path's budget — for 20 bytes that only pick a file name.  This small
 * implementation is checked against OpenSSL in tests/unit/test_sha1.c.
 * Anything that needs a cryptographic guarantee (SigV4, HMAC) uses OpenSSL.
 */
#ifndef TFA_SHA1_H
#define TFA_SHA1_H

#include <stddef.h>

void tfa_sha1(unsigned char out[20], const void *data, size_t n);
/* Lowercase hex of the digest. */
void tfa_sha1_hex(char out[41], const void *data, size_t n);

#endif
