/* SPDX-License-Identifier: MIT */
/*
 * Digests, key ids and signature verification (see sig.h).
 * Signing itself lives in keys/, which holds the secret keys.
 */
#include <string.h>

#include <sodium.h>

#include "proto/sig.h"

static const char *domain_tag[] = {
	[CAIRN_DOMAIN_ENVELOPE] = "cairn.v1/envelope",
	[CAIRN_DOMAIN_REPLY] = "cairn.v1/reply",
	[CAIRN_DOMAIN_BOOK] = "cairn.v1/address-book",
	[CAIRN_DOMAIN_CHECKPOINT] = "cairn.v1/audit-checkpoint",
	[CAIRN_DOMAIN_AUDIT] = "cairn.v1/audit-record",
};

static void
put_len(crypto_generichash_state *st, size_t len)
{
	uint8_t	b[8];
	int	i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)len >> (8 * i));
	crypto_generichash_update(st, b, sizeof(b));
}

void
cairn_sig_digest(uint8_t digest[static CAIRN_DIGEST_BYTES],
    enum cairn_domain domain, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	cairn_sig_digest2(digest, domain, a, alen, b, blen, NULL, 0);
}

void
cairn_sig_digest2(uint8_t digest[static CAIRN_DIGEST_BYTES],
    enum cairn_domain domain, const uint8_t *a, size_t alen,
    const uint8_t *b1, size_t b1len, const uint8_t *b2, size_t b2len)
{
	crypto_generichash_state st;
	const char	*tag = domain_tag[domain];

	crypto_generichash_init(&st, NULL, 0, CAIRN_DIGEST_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)tag, strlen(tag) + 1);
	put_len(&st, alen);
	if (alen)
		crypto_generichash_update(&st, a, alen);
	put_len(&st, b1len + b2len);
	if (b1len)
		crypto_generichash_update(&st, b1, b1len);
	if (b2len)
		crypto_generichash_update(&st, b2, b2len);
	crypto_generichash_final(&st, digest, CAIRN_DIGEST_BYTES);
}

void
cairn_sig_keyid(uint8_t id[static CAIRN_KEY_ID_BYTES],
    const uint8_t pk[static 32])
{
	uint8_t	h[32];

	crypto_generichash(h, sizeof(h), pk, 32, NULL, 0);
	memcpy(id, h, CAIRN_KEY_ID_BYTES);
}

void
cairn_sig_hash(uint8_t out[static CAIRN_HASH_BYTES], const uint8_t *buf,
    size_t len)
{
	crypto_generichash(out, CAIRN_HASH_BYTES, buf, len, NULL, 0);
}

int
cairn_sig_verify(const uint8_t sig[static CAIRN_SIG_BYTES],
    const uint8_t digest[static CAIRN_DIGEST_BYTES],
    const uint8_t pk[static CAIRN_SIGN_PK_BYTES])
{
	if (crypto_sign_verify_detached(sig, digest, CAIRN_DIGEST_BYTES,
	    pk) != 0)
		return CAIRN_EBADSIG;
	return 0;
}

void
cairn_sig_hex(char *out, const uint8_t *buf, size_t len)
{
	sodium_bin2hex(out, 2 * len + 1, buf, len);
}

int
cairn_sig_unhex(uint8_t *buf, size_t len, const char *hex)
{
	size_t	got;
	const char *end;

	if (strlen(hex) != 2 * len)
		return CAIRN_EMALFORMED;
	if (sodium_hex2bin(buf, len, hex, 2 * len, NULL, &got, &end) != 0 ||
	    got != len || *end != '\0')
		return CAIRN_EMALFORMED;
	return 0;
}
