/* SPDX-License-Identifier: MIT */
/*
 * The envelope: sealing a payload for one recipient organisation and
 * opening what a peer sent.
 *
 * Sealing: a fresh X25519 key pair per message against the recipient's
 * encryption key; key = BLAKE2b-256(shared || epk || rpk) under a domain
 * tag; XChaCha20-Poly1305 over the Payload bytes with the exact Header
 * bytes as associated data; then an Ed25519 signature (struct
 * cairn_signer) over the domain-separated digest of header and
 * ciphertext.
 *
 * Opening runs in the order a receiver must check, one call per step, so
 * that the daemon can put its own checks (recipient function, duplicates)
 * between them:
 *
 *   cairn_envelope_parse()    size, outer structure, field lengths
 *   cairn_envelope_verify()   signature with the signer's key, then the
 *                             header is parsed and checked field by field
 *   cairn_envelope_check_time()  expiry and clock skew
 *   cairn_envelope_decrypt()  recipient key, authenticated decryption,
 *                             payload decoded and checked
 *
 * Nothing in the header is personal data; everything personal is in the
 * payload.
 */
#ifndef CAIRN_PROTO_ENVELOPE_H
#define CAIRN_PROTO_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/bookwire.h"
#include "proto/error.h"
#include "proto/kind.h"
#include "proto/payload.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define CAIRN_WIRE_VERSION	1
#define CAIRN_ENVELOPE_MAX_BYTES (CAIRN_PAYLOAD_MAX_BYTES + 65536)
#define CAIRN_HEADER_MAX_BYTES	1024
#define CAIRN_NONCE_BYTES	24
#define CAIRN_CLOCK_SKEW_MS	(5 * 60 * 1000)	/* tolerated future skew */

struct cairn_header {
	uint32_t	version;
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	enum cairn_kind	kind;
	char		from_org[CAIRN_ORG_ID_MAX + 1];
	char		from_function[CAIRN_FUNCTION_MAX + 1];
	char		to_org[CAIRN_ORG_ID_MAX + 1];
	char		to_function[CAIRN_FUNCTION_MAX + 1];
	int64_t		created_ms;
	int64_t		expires_ms;
	uint8_t		conversation_id[CAIRN_MSG_ID_BYTES];
	bool		has_reply_to;
	uint8_t		in_reply_to[CAIRN_MSG_ID_BYTES];
	uint8_t		sender_key_id[CAIRN_KEY_ID_BYTES];
	uint8_t		recipient_key_id[CAIRN_KEY_ID_BYTES];
};

struct cairn_envelope;

/* Bytes of an envelope around its ciphertext, from seal_inplace(). */
#define CAIRN_SEALED_PRE_MAX	(1 + 10 + CAIRN_HEADER_MAX_BYTES + 1 + 10)
#define CAIRN_SEALED_POST_BYTES	(16 + 2 + CAIRN_SIG_BYTES + 2 + \
				    CAIRN_KEY_ID_BYTES)

/*
 * An envelope sealed in place: its bytes are pre[0..prelen), the caller's
 * buffer (now ciphertext), then post[0..postlen); len is the total and hash
 * the BLAKE2b-256 of all of it (cairn_envelope_hash() on the receiver).
 */
struct cairn_sealed {
	uint8_t		pre[CAIRN_SEALED_PRE_MAX];
	size_t		prelen;
	uint8_t		post[CAIRN_SEALED_POST_BYTES];
	size_t		postlen;
	size_t		len;
	uint8_t		hash[CAIRN_HASH_BYTES];
};

/*
 * Seals payload p for the recipient key rcpt and signs it with signer.
 * The caller fills in hdr: kind (must equal p->kind), addresses, times,
 * msg_id and conversation_id (cairn_envelope_new_id() makes them), and
 * in_reply_to if any.  Seal sets hdr->version and both key ids.  *out is
 * malloc'ed Envelope bytes, caller frees.
 * Returns 0, CAIRN_EKIND, CAIRN_EADDRESS, CAIRN_EFIELD (times), any code
 * of cairn_payload_encode(), the signer's error, or -ENOMEM.
 */
int	cairn_envelope_seal(struct cairn_header *hdr,
	    const struct cairn_payload *p, const struct cairn_pubkey *rcpt,
	    const struct cairn_signer *signer, uint8_t **out, size_t *outlen)
	    CAIRN_MUSTCHECK;

/*
 * Makes a new message id: the current time in milliseconds (48 bits, big
 * endian), then 80 random bits.  Ids made close in time sort close
 * together, so a store keyed by them appends to a few B-tree pages instead
 * of touching one page per message; the time is no secret (the header
 * carries created_ms), and 80 random bits keep ids unguessable and
 * unique.
 */
void	cairn_envelope_new_id(uint8_t id[static CAIRN_MSG_ID_BYTES]);

/*
 * Seals ptlen bytes of an encoded Payload of kind hdr->kind where they
 * lie: pt is encrypted in place, and out says what goes before and after
 * it (so that a large payload is never copied).  The caller must have
 * decoded and validated pt as a payload of that kind
 * (cairn_payload_decode_flags() with CAIRN_PAYLOAD_STRICT); hdr as for
 * cairn_envelope_seal().  On failure pt may be partly encrypted: the
 * caller wipes it as it would the plaintext.
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EKIND, CAIRN_EADDRESS, CAIRN_EFIELD,
 * CAIRN_EINVAL (unusable recipient key), a signer error or -ENOMEM.
 */
int	cairn_envelope_seal_inplace(struct cairn_header *hdr, uint8_t *pt,
	    size_t ptlen, const struct cairn_pubkey *rcpt,
	    const struct cairn_signer *signer, struct cairn_sealed *out)
	    CAIRN_MUSTCHECK;

/*
 * Step 1: checks the size (<= CAIRN_ENVELOPE_MAX_BYTES), parses the outer
 * Envelope and checks field lengths; remembers the hash of the bytes.
 * *out borrows buf, which must stay as it is until cairn_envelope_free().
 * A field that repeats, has an unknown number or is not length-delimited
 * makes the bytes CAIRN_EMALFORMED.
 * Returns 0, CAIRN_ETOOBIG, CAIRN_ETRUNCATED (empty), CAIRN_EMALFORMED,
 * CAIRN_EFIELD or -ENOMEM.
 */
int	cairn_envelope_parse(struct cairn_envelope **out, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/* The unsigned signer key id, to look the key up before step 2. */
const uint8_t *cairn_envelope_signer_key_id(const struct cairn_envelope *e);

/* BLAKE2b-256 of the whole envelope as received (for receipts, audit). */
const uint8_t *cairn_envelope_hash(const struct cairn_envelope *e);

/*
 * Step 2: verifies the signature with key (which belongs to org
 * signer_org), then parses and checks the header: version, lengths,
 * addresses, kind, times, sender_key_id equal to the signer key id and
 * from_org equal to signer_org, created_ms within key's validity window.
 * Returns 0, CAIRN_EKEYMISMATCH (key is not the one named), CAIRN_EBADSIG,
 * CAIRN_EMALFORMED, CAIRN_EVERSION, CAIRN_EFIELD, CAIRN_EADDRESS,
 * CAIRN_EKIND, CAIRN_ESENDER or CAIRN_EKEYEXPIRED.
 */
int	cairn_envelope_verify(struct cairn_envelope *e,
	    const struct cairn_pubkey *key, const char *signer_org)
	    CAIRN_MUSTCHECK;

/* The verified header, or NULL before cairn_envelope_verify() succeeded. */
const struct cairn_header *cairn_envelope_header(const struct cairn_envelope *e);

/*
 * Step 3: now_ms >= expires_ms -> CAIRN_EEXPIRED; created more than
 * CAIRN_CLOCK_SKEW_MS in the future -> CAIRN_EFUTURE.  Needs step 2.
 */
int	cairn_envelope_check_time(const struct cairn_envelope *e,
	    int64_t now_ms) CAIRN_MUSTCHECK;

/*
 * Step 4: opens the ciphertext with unsealer (finds our key by the
 * header's recipient key id), decodes and validates the payload, and
 * checks that its kind matches the header's.  *out is freed with
 * cairn_payload_free().  Needs step 2.
 * Returns 0, CAIRN_EINVAL (not verified), CAIRN_ENORECIPIENTKEY,
 * CAIRN_EDECRYPT, CAIRN_EBADPAYLOAD, CAIRN_EKIND, or -ENOMEM.
 */
int	cairn_envelope_decrypt(const struct cairn_envelope *e,
	    const struct cairn_unsealer *unsealer, int64_t now_ms,
	    struct cairn_payload **out) CAIRN_MUSTCHECK;

/*
 * Step 4 without a copy of the payload: buf must be the (writable) bytes e
 * was parsed from.  The ciphertext is opened where it lies, decoded with
 * cairn_payload_decode_flags(flags) and sealed again with the same key and
 * nonce, which gives back the same bytes: on return buf holds the
 * envelope as received and no plaintext, except after CAIRN_EDECRYPT,
 * when its ciphertext may be zeroed.  Returns the codes of
 * cairn_envelope_decrypt().
 */
int	cairn_envelope_decrypt_inplace(const struct cairn_envelope *e,
	    uint8_t *buf, const struct cairn_unsealer *unsealer,
	    int64_t now_ms, unsigned int flags, struct cairn_payload **out)
	    CAIRN_MUSTCHECK;

/* Frees; NULL is allowed. */
void	cairn_envelope_free(struct cairn_envelope *e);

/*
 * Parses only the header of Envelope bytes WITHOUT verifying the
 * signature: for a sender reading back its own stored envelopes, which it
 * verified when it sealed them.  Never use it on bytes from a peer.
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EFIELD, ...
 */
int	cairn_envelope_peek_header(const uint8_t *buf, size_t len,
	    struct cairn_header *hdr) CAIRN_MUSTCHECK;

#endif
