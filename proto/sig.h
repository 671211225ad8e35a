/* SPDX-License-Identifier: MIT */
/*
 * Signatures, key ids and domain-separated digests.
 *
 * Everything cairn signs (envelopes, receipts and nacks, the address book,
 * audit checkpoints) is signed as a 32-byte BLAKE2b digest over a domain
 * tag and the exact bytes, so that a signature made for one purpose can
 * never be replayed as another.  The signer is an interface: proto/ never
 * holds a secret signing key, keys/ fills in a struct cairn_signer.
 */
#ifndef CAIRN_PROTO_SIG_H
#define CAIRN_PROTO_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"

#define CAIRN_KEY_ID_BYTES	8
#define CAIRN_SIGN_PK_BYTES	32
#define CAIRN_SIG_BYTES		64
#define CAIRN_DIGEST_BYTES	32
#define CAIRN_HASH_BYTES	32
#define CAIRN_BOX_PK_BYTES	32
#define CAIRN_CURVE_KEY_BYTES	32

enum cairn_domain {
	CAIRN_DOMAIN_ENVELOPE = 1,
	CAIRN_DOMAIN_REPLY = 2,
	CAIRN_DOMAIN_BOOK = 3,
	CAIRN_DOMAIN_CHECKPOINT = 4,
	CAIRN_DOMAIN_AUDIT = 5
};

/*
 * A signing operation.  sign() writes an Ed25519 signature over digest and
 * returns 0, or a negative code.  key_id names the key it signs with.
 */
struct cairn_signer {
	int	(*sign)(void *arg, uint8_t sig[static CAIRN_SIG_BYTES],
		    const uint8_t digest[static CAIRN_DIGEST_BYTES]);
	void	 *arg;
	uint8_t	  key_id[CAIRN_KEY_ID_BYTES];
};

/*
 * An unsealing operation for envelopes sealed to one of our X25519
 * encryption keys.  shared() looks up the key named key_id, computes
 * X25519(secret, epk) into shared and copies that key's public half into
 * rpk.  Returns 0, CAIRN_ENORECIPIENTKEY (no such key) or CAIRN_EDECRYPT
 * (degenerate epk).  The caller wipes shared.
 */
struct cairn_unsealer {
	int	(*shared)(void *arg, uint8_t shared[static 32],
		    uint8_t rpk[static CAIRN_BOX_PK_BYTES],
		    const uint8_t key_id[static CAIRN_KEY_ID_BYTES],
		    const uint8_t epk[static 32]);
	void	 *arg;
};

/*
 * digest = BLAKE2b-256("cairn.v1/<domain>" || u64le(alen) || a ||
 * u64le(blen) || b).  b may be NULL with blen 0.
 */
void	cairn_sig_digest(uint8_t digest[static CAIRN_DIGEST_BYTES],
	    enum cairn_domain domain, const uint8_t *a, size_t alen,
	    const uint8_t *b, size_t blen);

/* The same digest with b given in two parts, b = b1 || b2. */
void	cairn_sig_digest2(uint8_t digest[static CAIRN_DIGEST_BYTES],
	    enum cairn_domain domain, const uint8_t *a, size_t alen,
	    const uint8_t *b1, size_t b1len, const uint8_t *b2,
	    size_t b2len);

/* Key id: the first 8 bytes of BLAKE2b-256 of a public key. */
void	cairn_sig_keyid(uint8_t id[static CAIRN_KEY_ID_BYTES],
	    const uint8_t pk[static 32]);

/* Plain BLAKE2b-256 of some bytes (envelope hashes, record hashes). */
void	cairn_sig_hash(uint8_t out[static CAIRN_HASH_BYTES],
	    const uint8_t *buf, size_t len);

/*
 * Verifies an Ed25519 signature over a digest.
 * Returns 0 or CAIRN_EBADSIG.
 */
int	cairn_sig_verify(const uint8_t sig[static CAIRN_SIG_BYTES],
	    const uint8_t digest[static CAIRN_DIGEST_BYTES],
	    const uint8_t pk[static CAIRN_SIGN_PK_BYTES]) CAIRN_MUSTCHECK;

/* Lowercase hex of len bytes into out (2 * len + 1 bytes). */
void	cairn_sig_hex(char *out, const uint8_t *buf, size_t len);

/*
 * Parses exactly 2 * len hex digits into buf.
 * Returns 0 or CAIRN_EMALFORMED.
 */
int	cairn_sig_unhex(uint8_t *buf, size_t len, const char *hex)
	    CAIRN_MUSTCHECK;

#endif
