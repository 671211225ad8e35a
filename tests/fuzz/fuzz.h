/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture of the libFuzzer harnesses and of mkseeds: fixed test
 * keys made from fixed seeds (FUZZ ONLY, never used anywhere else), a fixed
 * clock, and a few hand-written protobuf wire helpers.
 *
 * The wire helpers let a harness re-sign (and for envelopes re-seal) a
 * mutated inner message, so that mutations reach the checks that run after
 * the signature, which a plain mutated byte string never gets past.  They
 * are written here by hand, without the generated protobuf-c code, so that
 * the harness does not share its parser with the code under test.
 *
 * Everything is static: each harness is one translation unit.
 */
#ifndef CAIRN_TESTS_FUZZ_FUZZ_H
#define CAIRN_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/envelope.h"
#include "proto/reply.h"
#include "proto/sig.h"

#define FX_NOW		1795000000000LL		/* 2026-11-19 */
#define FX_DAY		86400000LL
#define FX_SENDER_ORG	"lerum.elevhalsa"
#define FX_RCPT_ORG	"alingsas.uph"
#define FX_SEAL_TAG	"cairn.v1/seal"		/* as proto/envelope.c */

/* Fuzz-only test keys, derived from these fixed seeds. */
struct fx_keys {
	uint8_t		sender_sign_sk[64];	/* FX_SENDER_ORG signs */
	struct cairn_pubkey sender_sign;
	uint8_t		rcpt_sign_sk[64];	/* FX_RCPT_ORG signs replies */
	struct cairn_pubkey rcpt_sign;
	uint8_t		rcpt_box_sk[32];	/* envelopes are sealed to it */
	struct cairn_pubkey rcpt_box;
	uint8_t		fed_sk[64];		/* federation: signs books */
	uint8_t		fed_pk[32];
	struct cairn_signer sender_signer;
	struct cairn_signer rcpt_signer;
	struct cairn_signer fed_signer;
	struct cairn_unsealer unsealer;
};

static struct fx_keys fx;

static inline void
fx_seed(uint8_t seed[static 32], const char *label)
{
	crypto_generichash(seed, 32, (const uint8_t *)label, strlen(label),
	    NULL, 0);
}

static inline void
fx_sign_key(uint8_t sk[static 64], struct cairn_pubkey *pub,
    const char *label)
{
	uint8_t	seed[32];

	fx_seed(seed, label);
	crypto_sign_seed_keypair(pub->pk, sk, seed);
	cairn_sig_keyid(pub->key_id, pub->pk);
	pub->valid_from_ms = FX_NOW - 365 * FX_DAY;
	pub->valid_until_ms = FX_NOW + 365 * FX_DAY;
}

static inline int
fx_sign(void *arg, uint8_t sig[static CAIRN_SIG_BYTES],
    const uint8_t digest[static CAIRN_DIGEST_BYTES])
{
	crypto_sign_detached(sig, NULL, digest, CAIRN_DIGEST_BYTES, arg);
	return 0;
}

static inline int
fx_shared(void *arg, uint8_t shared[static 32], uint8_t rpk[static 32],
    const uint8_t key_id[static CAIRN_KEY_ID_BYTES],
    const uint8_t epk[static 32])
{
	(void)arg;
	if (memcmp(key_id, fx.rcpt_box.key_id, CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_ENORECIPIENTKEY;
	if (crypto_scalarmult(shared, fx.rcpt_box_sk, epk) != 0)
		return CAIRN_EDECRYPT;
	memcpy(rpk, fx.rcpt_box.pk, 32);
	return 0;
}

/* Returns 0, or -1 if libsodium cannot start. */
static inline int
fx_init(void)
{
	uint8_t	seed[32], fed[64];
	struct cairn_pubkey fedpub;

	if (sodium_init() < 0)
		return -1;
	fx_sign_key(fx.sender_sign_sk, &fx.sender_sign, "cairn-fuzz sender");
	fx_sign_key(fx.rcpt_sign_sk, &fx.rcpt_sign, "cairn-fuzz recipient");
	fx_sign_key(fed, &fedpub, "cairn-fuzz federation");
	memcpy(fx.fed_sk, fed, 64);
	memcpy(fx.fed_pk, fedpub.pk, 32);
	fx_seed(seed, "cairn-fuzz recipient box");
	crypto_box_seed_keypair(fx.rcpt_box.pk, fx.rcpt_box_sk, seed);
	cairn_sig_keyid(fx.rcpt_box.key_id, fx.rcpt_box.pk);
	fx.rcpt_box.valid_from_ms = fx.sender_sign.valid_from_ms;
	fx.rcpt_box.valid_until_ms = fx.sender_sign.valid_until_ms;

	fx.sender_signer.sign = fx_sign;
	fx.sender_signer.arg = fx.sender_sign_sk;
	memcpy(fx.sender_signer.key_id, fx.sender_sign.key_id,
	    CAIRN_KEY_ID_BYTES);
	fx.rcpt_signer.sign = fx_sign;
	fx.rcpt_signer.arg = fx.rcpt_sign_sk;
	memcpy(fx.rcpt_signer.key_id, fx.rcpt_sign.key_id, CAIRN_KEY_ID_BYTES);
	fx.fed_signer.sign = fx_sign;
	fx.fed_signer.arg = fx.fed_sk;
	cairn_sig_keyid(fx.fed_signer.key_id, fx.fed_pk);
	fx.unsealer.shared = fx_shared;
	fx.unsealer.arg = NULL;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(fed, sizeof(fed));
	return 0;
}

/* ---- protobuf wire, by hand ---------------------------------------------- */

struct fx_buf {
	uint8_t	*p;
	size_t	 len, cap;
	int	 oom;
};

static inline void
fx_put(struct fx_buf *b, const void *data, size_t n)
{
	uint8_t	*np;
	size_t	 ncap;

	if (b->oom || n == 0)
		return;
	if (b->cap - b->len < n) {
		ncap = b->cap ? b->cap : 256;
		while (ncap - b->len < n)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static inline void
fx_put_varint(struct fx_buf *b, uint64_t v)
{
	uint8_t	tmp[10];
	size_t	n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v != 0)
			tmp[n] |= 0x80;
		n++;
	} while (v != 0);
	fx_put(b, tmp, n);
}

/* A length-delimited field; empty fields are left out, as proto3 does. */
static inline void
fx_put_bytes(struct fx_buf *b, unsigned field, const uint8_t *data,
    size_t n)
{
	if (n == 0)
		return;
	fx_put_varint(b, (uint64_t)field << 3 | 2);
	fx_put_varint(b, n);
	fx_put(b, data, n);
}

static inline void
fx_put_uint(struct fx_buf *b, unsigned field, uint64_t v)
{
	if (v == 0)
		return;
	fx_put_varint(b, (uint64_t)field << 3);
	fx_put_varint(b, v);
}

static inline int
fx_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	unsigned shift;

	*v = 0;
	for (shift = 0; shift < 64 && *p < end; shift += 7) {
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if ((*(*p)++ & 0x80) == 0)
			return 0;
	}
	return -1;
}

/*
 * Finds the last occurrence of length-delimited field `field` in a
 * message (protobuf's rule for a repeated singular field).  Returns 0 and
 * sets *data, *n, or -1 if absent or the walk fails.
 */
static inline int
fx_find_bytes(const uint8_t *buf, size_t len, unsigned field,
    const uint8_t **data, size_t *n)
{
	const uint8_t	*p = buf, *end = buf + len;
	uint64_t	 key, v;
	int		 found = -1;

	while (p < end) {
		if (fx_get_varint(&p, end, &key) != 0)
			break;
		switch (key & 7) {
		case 0:
			if (fx_get_varint(&p, end, &v) != 0)
				return found;
			break;
		case 1:
			if (end - p < 8)
				return found;
			p += 8;
			break;
		case 2:
			if (fx_get_varint(&p, end, &v) != 0 ||
			    v > (uint64_t)(end - p))
				return found;
			if ((key >> 3) == field) {
				*data = p;
				*n = (size_t)v;
				found = 0;
			}
			p += v;
			break;
		case 5:
			if (end - p < 4)
				return found;
			p += 4;
			break;
		default:
			return found;
		}
	}
	return found;
}

/*
 * Seals pt to the fixture recipient under the exact header bytes hdr, with
 * the ephemeral key and nonce that hdr names (zeros where it names none),
 * signs as the fixture sender, and builds Envelope bytes.  This mirrors
 * cairn_envelope_seal() so that a mutated header or payload still gets a
 * valid signature and ciphertext; mkseeds checks that the mirror still
 * opens.  *out is malloc'ed.  Returns 0 or -1 (out of memory).
 */
static inline int
fx_envelope_build(const uint8_t *hdr, size_t hdrlen, const uint8_t *pt,
    size_t ptlen, uint8_t **out, size_t *outlen)
{
	crypto_generichash_state st;
	struct fx_buf	 b = { 0 };
	const uint8_t	*f;
	size_t		 n;
	uint8_t		 epk[32] = { 0 }, nonce[CAIRN_NONCE_BYTES] = { 0 };
	uint8_t		 shared[32] = { 0 }, key[32];
	uint8_t		 digest[CAIRN_DIGEST_BYTES], sig[CAIRN_SIG_BYTES];
	uint8_t		*ct;
	size_t		 ctlen = ptlen + crypto_aead_xchacha20poly1305_ietf_ABYTES;

	*out = NULL;
	if (fx_find_bytes(hdr, hdrlen, 12, &f, &n) == 0)
		memcpy(epk, f, n < 32 ? n : 32);
	if (fx_find_bytes(hdr, hdrlen, 13, &f, &n) == 0)
		memcpy(nonce, f, n < sizeof(nonce) ? n : sizeof(nonce));
	if (crypto_scalarmult(shared, fx.rcpt_box_sk, epk) != 0)
		memset(shared, 0, sizeof(shared));
	crypto_generichash_init(&st, NULL, 0, sizeof(key));
	crypto_generichash_update(&st, (const uint8_t *)FX_SEAL_TAG,
	    sizeof(FX_SEAL_TAG));
	crypto_generichash_update(&st, shared, 32);
	crypto_generichash_update(&st, epk, 32);
	crypto_generichash_update(&st, fx.rcpt_box.pk, 32);
	crypto_generichash_final(&st, key, sizeof(key));

	if ((ct = malloc(ctlen)) == NULL)
		return -1;
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, pt, ptlen,
	    hdr, hdrlen, NULL, nonce, key);
	cairn_sig_digest(digest, CAIRN_DOMAIN_ENVELOPE, hdr, hdrlen, ct, ctlen);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest),
	    fx.sender_sign_sk);

	fx_put_bytes(&b, 1, hdr, hdrlen);
	fx_put_bytes(&b, 2, ct, ctlen);
	fx_put_bytes(&b, 3, sig, sizeof(sig));
	fx_put_bytes(&b, 4, fx.sender_sign.key_id, CAIRN_KEY_ID_BYTES);
	free(ct);
	if (b.oom) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/*
 * Runs every receiving step on Envelope bytes as cairnd does, with the
 * fixture keys; returns the first error.  A payload that opens is freed.
 */
static inline int
fx_envelope_open(const uint8_t *buf, size_t len)
{
	struct cairn_envelope	*e;
	struct cairn_payload	*p = NULL;
	const struct cairn_header *h;
	int			 rc;

	if ((rc = cairn_envelope_parse(&e, buf, len)) != 0)
		return rc;
	(void)cairn_envelope_signer_key_id(e);
	(void)cairn_envelope_hash(e);
	if ((rc = cairn_envelope_verify(e, &fx.sender_sign,
	    FX_SENDER_ORG)) == 0) {
		h = cairn_envelope_header(e);
		if (h == NULL)
			abort();
		if ((rc = cairn_envelope_check_time(e, FX_NOW)) == 0)
			rc = cairn_envelope_decrypt(e, &fx.unsealer, FX_NOW,
			    &p);
		if (rc == 0 && (p == NULL || p->kind != h->kind))
			abort();
	} else if (cairn_envelope_header(e) != NULL)
		abort();
	cairn_payload_free(p);
	cairn_envelope_free(e);
	return rc;
}

/*
 * Signs body as a reply of the given wire type (1 receipt, 2 nack) with
 * the fixture recipient's key and builds SignedReply bytes.  The digest
 * binds "R" for receipts and "N" otherwise, as proto/reply.c does.
 */
static inline int
fx_reply_build(uint8_t type, const uint8_t *body, size_t bodylen,
    uint8_t **out, size_t *outlen)
{
	struct fx_buf	b = { 0 };
	uint8_t		digest[CAIRN_DIGEST_BYTES], sig[CAIRN_SIG_BYTES];

	*out = NULL;
	/* as reply.c: batches sign their ReceiptBatch body under "B" */
	cairn_sig_digest(digest, CAIRN_DOMAIN_REPLY,
	    (const uint8_t *)(type == CAIRN_REPLY_RECEIPT ? "R" :
	    type == CAIRN_REPLY_NACK ? "N" : "B"), 1, body, bodylen);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest),
	    fx.rcpt_sign_sk);
	fx_put_uint(&b, 1, type);
	fx_put_bytes(&b, 2, body, bodylen);
	fx_put_bytes(&b, 3, sig, sizeof(sig));
	fx_put_bytes(&b, 4, fx.rcpt_sign.key_id, CAIRN_KEY_ID_BYTES);
	if (b.oom) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

#endif
