/* sha1: the FIPS vectors, and agreement with OpenSSL on many inputs. */
#include "sha1.h"
#include "tap.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void
vector(const char *in, size_t n, const char *want, const char *desc)
{
	char hex[41];

	tfa_sha1_hex(hex, in, n);
	is_str(hex, want, "%s", desc);
}

int
main(void)
{
	static unsigned char buf[4096];
	unsigned char a[20], b[20];
	unsigned int blen;
	char *million;
	size_t n;
	int same = 1;

	vector("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "empty");
	vector("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d", "abc");
	vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	       "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "448 bits (padding spills a block)");
	vector("my-sso", 6, "0ad374308c5a4e22f723adf10145eafad7c4031c",
	       "aws-reference.md's SSO token file vector");
	million = malloc(1000000);
	memset(million, 'a', 1000000);
	vector(million, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f", "a million 'a'");
	free(million);

	/* Every length across two blocks, and random bytes, against OpenSSL. */
	srand(7);
	for (n = 0; n < sizeof(buf); n++)
		buf[n] = (unsigned char)rand();
	for (n = 0; n < sizeof(buf) && same; n += n < 300 ? 1 : 97) {
		tfa_sha1(a, buf, n);
		EVP_Digest(buf, n, b, &blen, EVP_sha1(), NULL);
		if (memcmp(a, b, 20) != 0) {
			same = 0;
			printf("# differs from OpenSSL at length %zu\n", n);
		}
	}
	ok(same, "agrees with OpenSSL for lengths 0..300 and more up to 4 KiB");
	return tap_done();
}
