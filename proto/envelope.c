/* SPDX-License-Identifier: MIT */
/*
 * Envelope sealing and opening (see envelope.h).  The header is kept as
 * the exact bytes that were signed and parsed only after the signature
 * over them has verified.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "proto/cairn.pb-c.h"
#include "proto/envelope.h"
#include "proto/pbutil.h"
#include "proto/random.h"

#define SEAL_KEY_BYTES	crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SEAL_TAG	"cairn.v1/seal"

/* Borrows the bytes it was parsed from: the fields point into them. */
struct cairn_envelope {
	const uint8_t		*buf;
	const uint8_t		*hb, *ct, *sig, *kid;
	size_t			 hblen, ctlen, siglen, kidlen;
	uint8_t			 hash[CAIRN_HASH_BYTES];
	bool			 verified;
	struct cairn_header	 hdr;
	uint8_t			 epk[32];
	uint8_t			 nonce[CAIRN_NONCE_BYTES];
};

static void
seal_key(uint8_t key[static SEAL_KEY_BYTES], const uint8_t shared[32],
    const uint8_t epk[32], const uint8_t rpk[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SEAL_KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)SEAL_TAG,
	    sizeof(SEAL_TAG));
	crypto_generichash_update(&st, shared, 32);
	crypto_generichash_update(&st, epk, 32);
	crypto_generichash_update(&st, rpk, 32);
	crypto_generichash_final(&st, key, SEAL_KEY_BYTES);
	sodium_memzero(&st, sizeof(st));
}

void
cairn_envelope_new_id(uint8_t id[static CAIRN_MSG_ID_BYTES])
{
	struct timespec ts;
	uint64_t ms;
	int	 i;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (i = 5; i >= 0; i--, ms >>= 8)
		id[i] = (uint8_t)ms;
	cairn_random_buf(id + 6, CAIRN_MSG_ID_BYTES - 6);
}

static int
check_header_fields(const struct cairn_header *h)
{
	if (h->kind <= CAIRN_KIND_NONE || h->kind > CAIRN_KIND_MAX)
		return CAIRN_EKIND;
	if (cairn_valid_org_id(h->from_org) != 0 ||
	    cairn_valid_function(h->from_function) != 0 ||
	    cairn_valid_org_id(h->to_org) != 0 ||
	    cairn_valid_function(h->to_function) != 0)
		return CAIRN_EADDRESS;
	if (h->created_ms <= 0 || h->expires_ms <= h->created_ms)
		return CAIRN_EFIELD;
	return 0;
}

/* Appends a protobuf varint; returns its length (at most 10). */
static size_t
put_varint(uint8_t *b, uint64_t v)
{
	size_t	n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	return n;
}

/* Tag and length of a bytes field (wire type 2) of number field. */
static size_t
put_bytes_field(uint8_t *b, unsigned int field, size_t len)
{
	b[0] = (uint8_t)(field << 3 | 2);
	return 1 + put_varint(b + 1, len);
}

int
cairn_envelope_seal_inplace(struct cairn_header *hdr, uint8_t *pt,
    size_t ptlen, const struct cairn_pubkey *rcpt,
    const struct cairn_signer *signer, struct cairn_sealed *out)
{
	Cairn__V1__Header h = CAIRN__V1__HEADER__INIT;
	Cairn__V1__Address from = CAIRN__V1__ADDRESS__INIT;
	Cairn__V1__Address to = CAIRN__V1__ADDRESS__INIT;
	crypto_generichash_state st;
	uint8_t	 esk[32], epk[32], shared[32], key[SEAL_KEY_BYTES];
	uint8_t	 nonce[CAIRN_NONCE_BYTES], digest[CAIRN_DIGEST_BYTES];
	uint8_t	 sig[CAIRN_SIG_BYTES], *tag, *q;
	uint8_t	*hb = NULL;
	size_t	 hblen, ctlen;
	int	 rc;

	memset(out, 0, sizeof(*out));
	if (ptlen > CAIRN_PAYLOAD_MAX_BYTES)
		return CAIRN_ETOOBIG;
	if ((rc = check_header_fields(hdr)) != 0)
		return rc;

	hdr->version = CAIRN_WIRE_VERSION;
	memcpy(hdr->sender_key_id, signer->key_id, CAIRN_KEY_ID_BYTES);
	memcpy(hdr->recipient_key_id, rcpt->key_id, CAIRN_KEY_ID_BYTES);

	cairn_random_buf(esk, sizeof(esk));
	crypto_scalarmult_base(epk, esk);
	if (crypto_scalarmult(shared, esk, rcpt->pk) != 0) {
		rc = CAIRN_EINVAL;
		goto out;
	}
	seal_key(key, shared, epk, rcpt->pk);
	cairn_random_buf(nonce, sizeof(nonce));

	h.version = hdr->version;
	h.msg_id.data = hdr->msg_id;
	h.msg_id.len = CAIRN_MSG_ID_BYTES;
	h.kind = (Cairn__V1__Kind)hdr->kind;
	from.org = hdr->from_org;
	from.function = hdr->from_function;
	to.org = hdr->to_org;
	to.function = hdr->to_function;
	h.from = &from;
	h.to = &to;
	h.created_ms = hdr->created_ms;
	h.expires_ms = hdr->expires_ms;
	h.conversation_id.data = hdr->conversation_id;
	h.conversation_id.len = CAIRN_MSG_ID_BYTES;
	if (hdr->has_reply_to) {
		h.in_reply_to.data = hdr->in_reply_to;
		h.in_reply_to.len = CAIRN_MSG_ID_BYTES;
	}
	h.sender_key_id.data = hdr->sender_key_id;
	h.sender_key_id.len = CAIRN_KEY_ID_BYTES;
	h.recipient_key_id.data = hdr->recipient_key_id;
	h.recipient_key_id.len = CAIRN_KEY_ID_BYTES;
	h.ephemeral_pk.data = epk;
	h.ephemeral_pk.len = sizeof(epk);
	h.nonce.data = nonce;
	h.nonce.len = sizeof(nonce);
	if ((rc = cairn_pb_pack(&h.base, &hb, &hblen)) != 0)
		goto out;
	if (hblen > CAIRN_HEADER_MAX_BYTES) {
		rc = CAIRN_EFIELD;
		goto out;
	}

	/*
	 * Envelope fields in number order, as protobuf-c packs them:
	 * header (pre), ciphertext = the payload encrypted where it lies
	 * followed by its tag, signature and signer key id (post).
	 */
	ctlen = ptlen + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	q = out->pre;
	q += put_bytes_field(q, 1, hblen);
	memcpy(q, hb, hblen);
	q += hblen;
	q += put_bytes_field(q, 2, ctlen);
	out->prelen = (size_t)(q - out->pre);
	tag = out->post;
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(pt, tag, NULL,
	    pt, ptlen, hb, hblen, NULL, nonce, key);

	cairn_sig_digest2(digest, CAIRN_DOMAIN_ENVELOPE, hb, hblen, pt, ptlen,
	    tag, crypto_aead_xchacha20poly1305_ietf_ABYTES);
	if ((rc = signer->sign(signer->arg, sig, digest)) != 0)
		goto out;
	q = out->post + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	q += put_bytes_field(q, 3, sizeof(sig));
	memcpy(q, sig, sizeof(sig));
	q += sizeof(sig);
	q += put_bytes_field(q, 4, CAIRN_KEY_ID_BYTES);
	memcpy(q, hdr->sender_key_id, CAIRN_KEY_ID_BYTES);
	q += CAIRN_KEY_ID_BYTES;
	out->postlen = (size_t)(q - out->post);
	out->len = out->prelen + ptlen + out->postlen;

	crypto_generichash_init(&st, NULL, 0, CAIRN_HASH_BYTES);
	crypto_generichash_update(&st, out->pre, out->prelen);
	crypto_generichash_update(&st, pt, ptlen);
	crypto_generichash_update(&st, out->post, out->postlen);
	crypto_generichash_final(&st, out->hash, CAIRN_HASH_BYTES);
out:
	sodium_memzero(esk, sizeof(esk));
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(key, sizeof(key));
	free(hb);
	return rc;
}

int
cairn_envelope_seal(struct cairn_header *hdr, const struct cairn_payload *p,
    const struct cairn_pubkey *rcpt, const struct cairn_signer *signer,
    uint8_t **out, size_t *outlen)
{
	struct cairn_sealed sealed;
	uint8_t	*pt = NULL, *env;
	size_t	 ptlen = 0;
	int	 rc;

	*out = NULL;
	if (hdr->kind != p->kind)
		return CAIRN_EKIND;
	if ((rc = check_header_fields(hdr)) != 0)
		return rc;
	if ((rc = cairn_payload_encode(p, hdr->created_ms, &pt, &ptlen)) != 0)
		return rc;
	if ((rc = cairn_envelope_seal_inplace(hdr, pt, ptlen, rcpt, signer,
	    &sealed)) != 0)
		goto out;
	if ((env = malloc(sealed.len)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(env, sealed.pre, sealed.prelen);
	memcpy(env + sealed.prelen, pt, ptlen);
	memcpy(env + sealed.prelen + ptlen, sealed.post, sealed.postlen);
	*out = env;
	*outlen = sealed.len;
out:
	/* pt is ciphertext once sealed, but not on every failure path */
	sodium_memzero(pt, ptlen);
	free(pt);
	return rc;
}

/* Reads a protobuf varint of at most 64 bits; 0 or -1 (truncated/long). */
static int
get_varint(const uint8_t *b, size_t len, size_t *off, uint64_t *v)
{
	unsigned int shift;

	*v = 0;
	for (shift = 0; shift < 64; shift += 7) {
		if (*off >= len)
			return -1;
		*v |= (uint64_t)(b[*off] & 0x7f) << shift;
		if ((b[(*off)++] & 0x80) == 0)
			return shift == 63 && b[*off - 1] > 1 ? -1 : 0;
	}
	return -1;
}

/*
 * The outer Envelope is four bytes fields.  It is read here rather than
 * through protobuf-c, which would copy the ciphertext (up to 32 MiB); the
 * fields point into buf.  Stricter than protobuf: a field that repeats,
 * has another wire type or an unknown number is refused.
 */
int
cairn_envelope_parse(struct cairn_envelope **out, const uint8_t *buf,
    size_t len)
{
	struct cairn_envelope *e;
	const uint8_t **ptr[5];
	size_t	*plen[5], off = 0;
	uint64_t tag, flen;
	unsigned int field, seen = 0;

	*out = NULL;
	if (len > CAIRN_ENVELOPE_MAX_BYTES)
		return CAIRN_ETOOBIG;
	if (len == 0)
		return CAIRN_ETRUNCATED;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	ptr[1] = &e->hb;
	plen[1] = &e->hblen;
	ptr[2] = &e->ct;
	plen[2] = &e->ctlen;
	ptr[3] = &e->sig;
	plen[3] = &e->siglen;
	ptr[4] = &e->kid;
	plen[4] = &e->kidlen;
	while (off < len) {
		if (get_varint(buf, len, &off, &tag) != 0 ||
		    (tag & 7) != 2 || (field = (unsigned int)(tag >> 3)) < 1 ||
		    tag >> 3 > 4 || (seen & 1u << field) ||
		    get_varint(buf, len, &off, &flen) != 0 ||
		    flen > len - off) {
			free(e);
			return CAIRN_EMALFORMED;
		}
		seen |= 1u << field;
		*ptr[field] = buf + off;
		*plen[field] = (size_t)flen;
		off += (size_t)flen;
	}
	e->buf = buf;
	if (e->hblen == 0 || e->hblen > CAIRN_HEADER_MAX_BYTES ||
	    e->ctlen < crypto_aead_xchacha20poly1305_ietf_ABYTES ||
	    e->siglen != CAIRN_SIG_BYTES ||
	    e->kidlen != CAIRN_KEY_ID_BYTES) {
		cairn_envelope_free(e);
		return CAIRN_EFIELD;
	}
	cairn_sig_hash(e->hash, buf, len);
	*out = e;
	return 0;
}

const uint8_t *
cairn_envelope_signer_key_id(const struct cairn_envelope *e)
{
	return e->kid;
}

const uint8_t *
cairn_envelope_hash(const struct cairn_envelope *e)
{
	return e->hash;
}

static int
copy_addr(char *org, char *fn, const Cairn__V1__Address *a)
{
	if (a == NULL || strlen(a->org) > CAIRN_ORG_ID_MAX ||
	    strlen(a->function) > CAIRN_FUNCTION_MAX)
		return CAIRN_EADDRESS;
	strcpy(org, a->org);
	strcpy(fn, a->function);
	return 0;
}

/*
 * Parses Header bytes into hdr (and the sealing parameters), checking
 * every length.  Shared by verify and peek.
 */
static int
parse_header(const uint8_t *buf, size_t len, struct cairn_header *hdr,
    uint8_t epk[static 32], uint8_t nonce[static CAIRN_NONCE_BYTES])
{
	struct cairn_pb_budget budget;
	Cairn__V1__Header *h;
	int	rc = CAIRN_EFIELD;

	memset(hdr, 0, sizeof(*hdr));
	if (len > CAIRN_HEADER_MAX_BYTES)
		return CAIRN_ETOOBIG;
	h = (Cairn__V1__Header *)cairn_pb_unpack(
	    &cairn__v1__header__descriptor, &budget, buf, len);
	if (h == NULL)
		return CAIRN_EMALFORMED;
	if (h->version != CAIRN_WIRE_VERSION) {
		rc = CAIRN_EVERSION;
		goto out;
	}
	hdr->version = h->version;
	if (cairn_pb_exact(hdr->msg_id, &h->msg_id, CAIRN_MSG_ID_BYTES) ||
	    cairn_pb_exact(hdr->conversation_id, &h->conversation_id,
	    CAIRN_MSG_ID_BYTES) ||
	    cairn_pb_exact(hdr->sender_key_id, &h->sender_key_id,
	    CAIRN_KEY_ID_BYTES) ||
	    cairn_pb_exact(hdr->recipient_key_id, &h->recipient_key_id,
	    CAIRN_KEY_ID_BYTES) ||
	    cairn_pb_exact(epk, &h->ephemeral_pk, 32) ||
	    cairn_pb_exact(nonce, &h->nonce, CAIRN_NONCE_BYTES))
		goto out;
	if (h->in_reply_to.len != 0) {
		if (cairn_pb_exact(hdr->in_reply_to, &h->in_reply_to,
		    CAIRN_MSG_ID_BYTES))
			goto out;
		hdr->has_reply_to = true;
	}
	hdr->kind = (enum cairn_kind)h->kind;
	hdr->created_ms = h->created_ms;
	hdr->expires_ms = h->expires_ms;
	if ((rc = copy_addr(hdr->from_org, hdr->from_function, h->from)) ||
	    (rc = copy_addr(hdr->to_org, hdr->to_function, h->to)))
		goto out;
	rc = check_header_fields(hdr);
out:
	cairn_pb_free((ProtobufCMessage *)h, &budget);
	return rc;
}

int
cairn_envelope_verify(struct cairn_envelope *e, const struct cairn_pubkey *key,
    const char *signer_org)
{
	uint8_t	digest[CAIRN_DIGEST_BYTES];
	int	rc;

	e->verified = false;
	if (sodium_memcmp(key->key_id, e->kid, CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_EKEYMISMATCH;
	cairn_sig_digest(digest, CAIRN_DOMAIN_ENVELOPE, e->hb, e->hblen,
	    e->ct, e->ctlen);
	if ((rc = cairn_sig_verify(e->sig, digest, key->pk)) != 0)
		return rc;
	if ((rc = parse_header(e->hb, e->hblen, &e->hdr, e->epk,
	    e->nonce)) != 0)
		return rc;
	if (memcmp(e->hdr.sender_key_id, key->key_id,
	    CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_EKEYMISMATCH;
	if (strcmp(e->hdr.from_org, signer_org) != 0)
		return CAIRN_ESENDER;
	if (e->hdr.created_ms < key->valid_from_ms ||
	    e->hdr.created_ms >= key->valid_until_ms)
		return CAIRN_EKEYEXPIRED;
	e->verified = true;
	return 0;
}

const struct cairn_header *
cairn_envelope_header(const struct cairn_envelope *e)
{
	return e->verified ? &e->hdr : NULL;
}

int
cairn_envelope_check_time(const struct cairn_envelope *e, int64_t now_ms)
{
	if (!e->verified)
		return CAIRN_EINVAL;
	if (now_ms >= e->hdr.expires_ms)
		return CAIRN_EEXPIRED;
	if (e->hdr.created_ms > now_ms + CAIRN_CLOCK_SKEW_MS)
		return CAIRN_EFUTURE;
	return 0;
}

int
cairn_envelope_decrypt(const struct cairn_envelope *e,
    const struct cairn_unsealer *unsealer, int64_t now_ms,
    struct cairn_payload **out)
{
	uint8_t	 shared[32], rpk[32], key[SEAL_KEY_BYTES];
	uint8_t	*pt = NULL;
	size_t	 ptlen;
	unsigned long long plen;
	int	 rc;

	*out = NULL;
	if (!e->verified)
		return CAIRN_EINVAL;
	if ((rc = unsealer->shared(unsealer->arg, shared, rpk,
	    e->hdr.recipient_key_id, e->epk)) != 0)
		goto out;
	seal_key(key, shared, e->epk, rpk);
	ptlen = e->ctlen - crypto_aead_xchacha20poly1305_ietf_ABYTES;
	if ((pt = malloc(ptlen ? ptlen : 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL,
	    e->ct, e->ctlen, e->hb, e->hblen, e->nonce, key) != 0) {
		rc = CAIRN_EDECRYPT;
		goto out;
	}
	if ((rc = cairn_payload_decode(out, pt, ptlen, now_ms)) != 0) {
		if (rc != -ENOMEM)
			rc = CAIRN_EBADPAYLOAD;
		goto out;
	}
	if ((*out)->kind != e->hdr.kind) {
		cairn_payload_free(*out);
		*out = NULL;
		rc = CAIRN_EKIND;
	}
out:
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(key, sizeof(key));
	if (pt != NULL) {
		sodium_memzero(pt, ptlen);
		free(pt);
	}
	return rc;
}

int
cairn_envelope_decrypt_inplace(const struct cairn_envelope *e, uint8_t *buf,
    const struct cairn_unsealer *unsealer, int64_t now_ms,
    unsigned int flags, struct cairn_payload **out)
{
	uint8_t	 shared[32], rpk[32], key[SEAL_KEY_BYTES];
	uint8_t	 tag[crypto_aead_xchacha20poly1305_ietf_ABYTES];
	uint8_t	 again[crypto_aead_xchacha20poly1305_ietf_ABYTES];
	uint8_t	*pt;
	size_t	 ptlen;
	int	 rc;

	*out = NULL;
	if (!e->verified || buf != e->buf)
		return CAIRN_EINVAL;
	if ((rc = unsealer->shared(unsealer->arg, shared, rpk,
	    e->hdr.recipient_key_id, e->epk)) != 0)
		goto out;
	seal_key(key, shared, e->epk, rpk);
	pt = buf + (e->ct - e->buf);
	ptlen = e->ctlen - sizeof(tag);
	memcpy(tag, pt + ptlen, sizeof(tag));
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(pt, NULL, pt,
	    ptlen, tag, e->hb, e->hblen, e->nonce, key) != 0) {
		rc = CAIRN_EDECRYPT;
		goto out;
	}
	if ((rc = cairn_payload_decode_flags(out, pt, ptlen, now_ms,
	    flags)) != 0) {
		if (rc != -ENOMEM)
			rc = CAIRN_EBADPAYLOAD;
	} else if ((*out)->kind != e->hdr.kind) {
		cairn_payload_free(*out);
		*out = NULL;
		rc = CAIRN_EKIND;
	}
	/*
	 * The same key, nonce and associated data give back the same
	 * ciphertext and tag: buf holds the envelope as received again, and
	 * no plaintext.
	 */
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(pt, again, NULL,
	    pt, ptlen, e->hb, e->hblen, NULL, e->nonce, key);
	if (sodium_memcmp(again, tag, sizeof(tag)) != 0) {
		sodium_memzero(pt, ptlen);
		cairn_payload_free(*out);
		*out = NULL;
		rc = CAIRN_EDECRYPT;
	}
out:
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(key, sizeof(key));
	return rc;
}

void
cairn_envelope_free(struct cairn_envelope *e)
{
	if (e == NULL)
		return;
	free(e);
}

int
cairn_envelope_peek_header(const uint8_t *buf, size_t len,
    struct cairn_header *hdr)
{
	struct cairn_envelope *e;
	uint8_t	epk[32], nonce[CAIRN_NONCE_BYTES];
	int	rc;

	if ((rc = cairn_envelope_parse(&e, buf, len)) != 0)
		return rc;
	rc = parse_header(e->hb, e->hblen, hdr, epk, nonce);
	cairn_envelope_free(e);
	return rc;
}
