/* SPDX-License-Identifier: MIT */
/*
 * Envelope, payload and reply tests: round trips for every payload kind,
 * every single-bit flip refused with the right code, wrong keys, expiry,
 * truncation and garbage.  Keys are made here with libsodium directly, so
 * that this suite tests proto/ alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sodium.h>

#include "proto/envelope.h"
#include "proto/cairn.pb-c.h"
#include "proto/random.h"
#include "proto/reply.h"

#define NOW	1795000000000LL		/* 2026-11-19 */
#define DAY	86400000LL

struct party {
	uint8_t		 sign_pk[32], sign_sk[64];
	uint8_t		 box_pk[32], box_sk[32];
	struct cairn_pubkey sign, box;
	struct cairn_signer signer;
	struct cairn_unsealer unsealer;
};

static struct party school, clinic, mallory;

static int
test_sign(void *arg, uint8_t sig[static CAIRN_SIG_BYTES],
    const uint8_t digest[static CAIRN_DIGEST_BYTES])
{
	struct party *p = arg;

	crypto_sign_detached(sig, NULL, digest, CAIRN_DIGEST_BYTES,
	    p->sign_sk);
	return 0;
}

static int
test_shared(void *arg, uint8_t shared[static 32], uint8_t rpk[static 32],
    const uint8_t key_id[static CAIRN_KEY_ID_BYTES],
    const uint8_t epk[static 32])
{
	struct party *p = arg;

	if (memcmp(key_id, p->box.key_id, CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_ENORECIPIENTKEY;
	if (crypto_scalarmult(shared, p->box_sk, epk) != 0)
		return CAIRN_EDECRYPT;
	memcpy(rpk, p->box_pk, 32);
	return 0;
}

static void
party_init(struct party *p)
{
	crypto_sign_keypair(p->sign_pk, p->sign_sk);
	crypto_box_keypair(p->box_pk, p->box_sk);
	memcpy(p->sign.pk, p->sign_pk, 32);
	cairn_sig_keyid(p->sign.key_id, p->sign_pk);
	p->sign.valid_from_ms = NOW - 365 * DAY;
	p->sign.valid_until_ms = NOW + 365 * DAY;
	memcpy(p->box.pk, p->box_pk, 32);
	cairn_sig_keyid(p->box.key_id, p->box_pk);
	p->box.valid_from_ms = p->sign.valid_from_ms;
	p->box.valid_until_ms = p->sign.valid_until_ms;
	p->signer.sign = test_sign;
	p->signer.arg = p;
	memcpy(p->signer.key_id, p->sign.key_id, CAIRN_KEY_ID_BYTES);
	p->unsealer.shared = test_shared;
	p->unsealer.arg = p;
}

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	party_init(&school);
	party_init(&clinic);
	party_init(&mallory);
	return 0;
}

static void
header_init(struct cairn_header *h, enum cairn_kind kind)
{
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	strcpy(h->from_org, "lerum.elevhalsa");
	strcpy(h->from_function, "skolskoterska");
	strcpy(h->to_org, "alingsas.uph");
	strcpy(h->to_function, "konsultation");
	h->created_ms = NOW;
	h->expires_ms = NOW + 30 * DAY;
	cairn_envelope_new_id(h->msg_id);
	cairn_envelope_new_id(h->conversation_id);
}

static struct cairn_payload *
make_request(void)
{
	struct cairn_payload *p = cairn_payload_new(CAIRN_KIND_REQUEST);

	assert_non_null(p);
	p->u.request.subject = strdup("19121212-1212");
	p->u.request.age_band = CAIRN_AGE_13_15;
	p->u.request.consent_by = CAIRN_CONSENT_BOTH;
	strcpy(p->u.request.consent_date, "2026-11-02");
	p->u.request.consent_scope = strdup("konsultation UPH");
	p->u.request.urgency = CAIRN_URGENCY_SOON;
	p->u.request.question = strdup("Eleven mår dåligt sedan i höstas.\n"
	    "Hur går vi vidare?");
	p->u.request.wanted_channel = CAIRN_CHANNEL_VIDEO;
	assert_int_equal(cairn_payload_attach(p, "plan.txt", "text/plain",
	    (const uint8_t *)"elevhälsoplan", 14), 0);
	return p;
}

static struct cairn_payload *
make_kind(enum cairn_kind kind)
{
	struct cairn_payload *p;

	if (kind == CAIRN_KIND_REQUEST)
		return make_request();
	p = cairn_payload_new(kind);
	assert_non_null(p);
	switch (kind) {
	case CAIRN_KIND_GUARANTEE:
		memset(p->u.guarantee.request_id, 7, CAIRN_MSG_ID_BYTES);
		strcpy(p->u.guarantee.contact_by, "2026-11-25");
		p->u.guarantee.channel = CAIRN_CHANNEL_PHONE;
		strcpy(p->u.guarantee.responsible_org, "alingsas.uph");
		strcpy(p->u.guarantee.responsible_function, "konsultation");
		p->u.guarantee.note = strdup("Vi ringer vårdnadshavare.");
		break;
	case CAIRN_KIND_RESPONSE:
		memset(p->u.response.request_id, 7, CAIRN_MSG_ID_BYTES);
		p->u.response.advice = strdup("Boka samtal med kurator.");
		p->u.response.level = CAIRN_LEVEL_FIRST_LINE;
		p->u.response.has_meeting = true;
		p->u.response.meeting_start_ms = NOW + 3 * DAY;
		p->u.response.meeting_minutes = 45;
		p->u.response.meeting_join_ref = strdup("room-4711");
		break;
	case CAIRN_KIND_WITHDRAWAL:
		memset(p->u.withdrawal.request_id, 7, CAIRN_MSG_ID_BYTES);
		p->u.withdrawal.reason = strdup("Samtycket återkallat.");
		break;
	default:
		fail();
	}
	return p;
}

static void
seal(enum cairn_kind kind, uint8_t **out, size_t *outlen,
    struct cairn_header *h)
{
	struct cairn_payload *p = make_kind(kind);

	header_init(h, kind);
	assert_int_equal(cairn_envelope_seal(h, p, &clinic.box,
	    &school.signer, out, outlen), 0);
	cairn_payload_free(p);
}

/* Runs every receiving step; returns the first error. */
static int
open_all(const uint8_t *buf, size_t len, const struct cairn_pubkey *key,
    const char *org, const struct cairn_unsealer *u, int64_t now,
    struct cairn_payload **out)
{
	struct cairn_envelope *e;
	int	rc;

	*out = NULL;
	if ((rc = cairn_envelope_parse(&e, buf, len)) != 0)
		return rc;
	if ((rc = cairn_envelope_verify(e, key, org)) == 0 &&
	    (rc = cairn_envelope_check_time(e, now)) == 0)
		rc = cairn_envelope_decrypt(e, u, now, out);
	cairn_envelope_free(e);
	return rc;
}

static void
test_envelope_roundtrip_every_kind(void **state)
{
	enum cairn_kind kind;
	struct cairn_header h;
	struct cairn_envelope *e;
	struct cairn_payload *p;
	const struct cairn_header *got;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	for (kind = CAIRN_KIND_REQUEST; kind <= CAIRN_KIND_MAX; kind++) {
		seal(kind, &buf, &len, &h);
		assert_int_equal(cairn_envelope_parse(&e, buf, len), 0);
		assert_memory_equal(cairn_envelope_signer_key_id(e),
		    school.sign.key_id, CAIRN_KEY_ID_BYTES);
		assert_null(cairn_envelope_header(e));
		assert_int_equal(cairn_envelope_verify(e, &school.sign,
		    "lerum.elevhalsa"), 0);
		got = cairn_envelope_header(e);
		assert_non_null(got);
		assert_memory_equal(got->msg_id, h.msg_id, CAIRN_MSG_ID_BYTES);
		assert_int_equal(got->kind, kind);
		assert_string_equal(got->to_org, "alingsas.uph");
		assert_string_equal(got->to_function, "konsultation");
		assert_string_equal(got->from_function, "skolskoterska");
		assert_memory_equal(got->recipient_key_id, clinic.box.key_id,
		    CAIRN_KEY_ID_BYTES);
		assert_int_equal(cairn_envelope_check_time(e, NOW + DAY), 0);
		assert_int_equal(cairn_envelope_decrypt(e, &clinic.unsealer,
		    NOW, &p), 0);
		assert_int_equal(p->kind, kind);
		if (kind == CAIRN_KIND_REQUEST) {
			assert_string_equal(p->u.request.subject,
			    "19121212-1212");
			assert_int_equal(p->u.request.consent_by,
			    CAIRN_CONSENT_BOTH);
			assert_string_equal(p->u.request.consent_date,
			    "2026-11-02");
			assert_int_equal(p->nattachments, 1);
			assert_string_equal(p->attachments[0].name,
			    "plan.txt");
			assert_int_equal(p->attachments[0].len, 14);
		} else if (kind == CAIRN_KIND_RESPONSE) {
			assert_true(p->u.response.has_meeting);
			assert_int_equal(p->u.response.meeting_minutes, 45);
			assert_string_equal(p->u.response.meeting_join_ref,
			    "room-4711");
		} else if (kind == CAIRN_KIND_GUARANTEE) {
			assert_string_equal(p->u.guarantee.contact_by,
			    "2026-11-25");
			assert_int_equal(p->u.guarantee.channel,
			    CAIRN_CHANNEL_PHONE);
		} else {
			assert_string_equal(p->u.withdrawal.reason,
			    "Samtycket återkallat.");
		}
		cairn_payload_free(p);
		cairn_envelope_free(e);
		free(buf);
	}
}

static void
test_envelope_peek_header(void **state)
{
	struct cairn_header h, got;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	seal(CAIRN_KIND_REQUEST, &buf, &len, &h);
	assert_int_equal(cairn_envelope_peek_header(buf, len, &got), 0);
	assert_memory_equal(got.msg_id, h.msg_id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(got.expires_ms, h.expires_ms);
	free(buf);
}

/* Offsets of the header, ciphertext and signature fields in the bytes. */
static size_t
varint(const uint8_t *b, size_t *off)
{
	size_t	v = 0;
	int	shift = 0;

	while (b[*off] & 0x80) {
		v |= (size_t)(b[*off] & 0x7f) << shift;
		shift += 7;
		(*off)++;
	}
	v |= (size_t)b[*off] << shift;
	(*off)++;
	return v;
}

static void
test_envelope_every_bit_flip_refused(void **state)
{
	struct cairn_header h;
	struct cairn_payload *p;
	uint8_t	*buf;
	size_t	 len, off = 0, hoff, hlen, coff, clen, soff, koff, i;
	int	 bit, rc;

	(void)state;
	seal(CAIRN_KIND_REQUEST, &buf, &len, &h);
	assert_int_equal(buf[off++], 0x0a);
	hlen = varint(buf, &off);
	hoff = off;
	off += hlen;
	assert_int_equal(buf[off++], 0x12);
	clen = varint(buf, &off);
	coff = off;
	off += clen;
	assert_int_equal(buf[off++], 0x1a);
	assert_int_equal(varint(buf, &off), CAIRN_SIG_BYTES);
	soff = off;
	off += CAIRN_SIG_BYTES;
	assert_int_equal(buf[off++], 0x22);
	assert_int_equal(varint(buf, &off), CAIRN_KEY_ID_BYTES);
	koff = off;
	assert_int_equal(koff + CAIRN_KEY_ID_BYTES, len);

	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1 << bit);
			rc = open_all(buf, len, &school.sign,
			    "lerum.elevhalsa", &clinic.unsealer, NOW, &p);
			buf[i] ^= (uint8_t)(1 << bit);
			assert_null(p);
			if ((i >= hoff && i < hoff + hlen) ||
			    (i >= coff && i < coff + clen) ||
			    (i >= soff && i < soff + CAIRN_SIG_BYTES)) {
				if (rc != CAIRN_EBADSIG)
					fail_msg("flip %zu.%d: %s", i, bit,
					    cairn_strerror(rc));
			} else if (i >= koff) {
				assert_int_equal(rc, CAIRN_EKEYMISMATCH);
			} else {
				assert_true(rc < 0);
			}
		}
	}
	/* and the original still opens */
	assert_int_equal(open_all(buf, len, &school.sign, "lerum.elevhalsa",
	    &clinic.unsealer, NOW, &p), 0);
	cairn_payload_free(p);
	free(buf);
}

static void
test_envelope_truncated_and_garbage(void **state)
{
	struct cairn_header h;
	struct cairn_payload *p;
	uint8_t	*buf, *big, junk[512];
	size_t	 len, i;

	(void)state;
	seal(CAIRN_KIND_GUARANTEE, &buf, &len, &h);
	for (i = 0; i < len; i++)
		assert_true(open_all(buf, i, &school.sign, "lerum.elevhalsa",
		    &clinic.unsealer, NOW, &p) < 0);
	assert_int_equal(open_all(buf, 0, &school.sign, "lerum.elevhalsa",
	    &clinic.unsealer, NOW, &p), CAIRN_ETRUNCATED);
	/* trailing garbage changes the protobuf: refused somewhere */
	big = malloc(len + 3);
	memcpy(big, buf, len);
	memcpy(big + len, "\xff\xff\xff", 3);
	assert_true(open_all(big, len + 3, &school.sign, "lerum.elevhalsa",
	    &clinic.unsealer, NOW, &p) < 0);
	free(big);
	for (i = 0; i < 200; i++) {
		randombytes_buf(junk, sizeof(junk));
		assert_true(open_all(junk, 1 + i * 2, &school.sign,
		    "lerum.elevhalsa", &clinic.unsealer, NOW, &p) < 0);
	}
	assert_int_equal(open_all(buf, CAIRN_ENVELOPE_MAX_BYTES + 1,
	    &school.sign, "lerum.elevhalsa", &clinic.unsealer, NOW, &p),
	    CAIRN_ETOOBIG);
	free(buf);
}

static void
test_envelope_wrong_keys(void **state)
{
	struct cairn_header h;
	struct cairn_payload *p;
	struct cairn_pubkey forged;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	seal(CAIRN_KIND_REQUEST, &buf, &len, &h);
	/* a signer key the book does not name */
	assert_int_equal(open_all(buf, len, &mallory.sign, "lerum.elevhalsa",
	    &clinic.unsealer, NOW, &p), CAIRN_EKEYMISMATCH);
	/* right key id, wrong public key */
	forged = mallory.sign;
	memcpy(forged.key_id, school.sign.key_id, CAIRN_KEY_ID_BYTES);
	assert_int_equal(open_all(buf, len, &forged, "lerum.elevhalsa",
	    &clinic.unsealer, NOW, &p), CAIRN_EBADSIG);
	/* signed by the school but claimed for another organisation */
	assert_int_equal(open_all(buf, len, &school.sign, "alingsas.soc",
	    &clinic.unsealer, NOW, &p), CAIRN_ESENDER);
	/* sealed to the clinic, opened by someone else */
	assert_int_equal(open_all(buf, len, &school.sign, "lerum.elevhalsa",
	    &mallory.unsealer, NOW, &p), CAIRN_ENORECIPIENTKEY);
	free(buf);
}

static void
test_envelope_wrong_recipient_key_material(void **state)
{
	struct cairn_header h;
	struct cairn_payload *p;
	struct party imposter = mallory;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	/* same key id as the clinic's box key, different secret */
	seal(CAIRN_KIND_REQUEST, &buf, &len, &h);
	memcpy(imposter.box.key_id, clinic.box.key_id, CAIRN_KEY_ID_BYTES);
	imposter.unsealer.arg = &imposter;
	assert_int_equal(open_all(buf, len, &school.sign, "lerum.elevhalsa",
	    &imposter.unsealer, NOW, &p), CAIRN_EDECRYPT);
	free(buf);
}

static void
test_envelope_expiry_and_key_window(void **state)
{
	struct cairn_header h;
	struct cairn_payload *p;
	struct cairn_pubkey old;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	seal(CAIRN_KIND_WITHDRAWAL, &buf, &len, &h);
	assert_int_equal(open_all(buf, len, &school.sign, "lerum.elevhalsa",
	    &clinic.unsealer, h.expires_ms, &p), CAIRN_EEXPIRED);
	assert_int_equal(open_all(buf, len, &school.sign, "lerum.elevhalsa",
	    &clinic.unsealer, NOW - DAY, &p), CAIRN_EFUTURE);
	old = school.sign;
	old.valid_until_ms = NOW;	/* expired when the message was made */
	assert_int_equal(open_all(buf, len, &old, "lerum.elevhalsa",
	    &clinic.unsealer, NOW, &p), CAIRN_EKEYEXPIRED);
	old.valid_until_ms = NOW + DAY;
	old.valid_from_ms = NOW + 1;	/* not yet valid */
	assert_int_equal(open_all(buf, len, &old, "lerum.elevhalsa",
	    &clinic.unsealer, NOW, &p), CAIRN_EKEYEXPIRED);
	free(buf);
}

static void
test_envelope_seal_refuses_bad_input(void **state)
{
	struct cairn_header h;
	struct cairn_payload *p;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	/* no consent basis */
	p = make_request();
	p->u.request.consent_by = CAIRN_CONSENT_NONE;
	header_init(&h, CAIRN_KIND_REQUEST);
	assert_int_equal(cairn_envelope_seal(&h, p, &clinic.box,
	    &school.signer, &buf, &len), CAIRN_ECONSENT);
	p->u.request.consent_by = CAIRN_CONSENT_GUARDIAN;
	p->u.request.consent_date[0] = '\0';
	assert_int_equal(cairn_envelope_seal(&h, p, &clinic.box,
	    &school.signer, &buf, &len), CAIRN_ECONSENT);
	strcpy(p->u.request.consent_date, "2026-11-02");
	/* invalid identity number */
	free(p->u.request.subject);
	p->u.request.subject = strdup("19121212-1213");
	assert_int_equal(cairn_envelope_seal(&h, p, &clinic.box,
	    &school.signer, &buf, &len), CAIRN_EPNRCHECK);
	/* a pseudonym is fine */
	p->u.request.subject_is_pseudonym = true;
	assert_int_equal(cairn_envelope_seal(&h, p, &clinic.box,
	    &school.signer, &buf, &len), 0);
	free(buf);
	/* kind mismatch, bad address, bad times */
	h.kind = CAIRN_KIND_RESPONSE;
	assert_int_equal(cairn_envelope_seal(&h, p, &clinic.box,
	    &school.signer, &buf, &len), CAIRN_EKIND);
	h.kind = CAIRN_KIND_REQUEST;
	strcpy(h.to_org, "Alingsas");
	assert_int_equal(cairn_envelope_seal(&h, p, &clinic.box,
	    &school.signer, &buf, &len), CAIRN_EADDRESS);
	strcpy(h.to_org, "alingsas.uph");
	h.expires_ms = h.created_ms;
	assert_int_equal(cairn_envelope_seal(&h, p, &clinic.box,
	    &school.signer, &buf, &len), CAIRN_EFIELD);
	cairn_payload_free(p);
	/* attachments only where they belong */
	p = make_kind(CAIRN_KIND_WITHDRAWAL);
	assert_int_equal(cairn_payload_attach(p, "x", "", NULL, 0),
	    CAIRN_EKIND);
	cairn_payload_free(p);
	p = make_request();
	assert_int_equal(cairn_payload_attach(p, "../etc", "", NULL, 0),
	    CAIRN_ESTRING);
	cairn_payload_free(p);
}

static void
test_envelope_payload_decode_garbage(void **state)
{
	struct cairn_payload *p;
	uint8_t	junk[300];
	int	i, rc;

	(void)state;
	for (i = 0; i < 300; i++) {
		randombytes_buf(junk, sizeof(junk));
		rc = cairn_payload_decode(&p, junk, (size_t)i, NOW);
		if (rc == 0)
			fail_msg("random payload of %d bytes accepted", i);
		assert_null(p);
	}
	assert_int_equal(cairn_payload_decode(&p, junk,
	    CAIRN_PAYLOAD_MAX_BYTES + 1, NOW), CAIRN_ETOOBIG);
}

static void
test_envelope_receipt_and_nack(void **state)
{
	struct cairn_reply r, got;
	struct cairn_reply_msg *m;
	uint8_t	*buf;
	size_t	 len, i;
	int	 bit;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = CAIRN_REPLY_RECEIPT;
	memset(r.msg_id, 1, sizeof(r.msg_id));
	memset(r.envelope_hash, 2, sizeof(r.envelope_hash));
	r.time_ms = NOW;
	strcpy(r.org, "alingsas.uph");
	assert_int_equal(cairn_reply_sign(&r, &clinic.signer, &buf, &len), 0);
	assert_int_equal(cairn_reply_parse(&m, buf, len), 0);
	assert_memory_equal(cairn_reply_signer_key_id(m), clinic.sign.key_id,
	    CAIRN_KEY_ID_BYTES);
	assert_int_equal(cairn_reply_verify(m, &clinic.sign, "alingsas.uph",
	    &got), 0);
	assert_int_equal(got.type, CAIRN_REPLY_RECEIPT);
	assert_memory_equal(got.envelope_hash, r.envelope_hash, 32);
	assert_int_equal(got.time_ms, NOW);
	assert_int_equal(cairn_reply_verify(m, &clinic.sign, "lerum.elevhalsa",
	    &got), CAIRN_ESENDER);
	assert_int_equal(cairn_reply_verify(m, &school.sign, "alingsas.uph",
	    &got), CAIRN_EKEYMISMATCH);
	cairn_reply_free(m);
	/* every bit flip is refused at some step */
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			int	rc;

			buf[i] ^= (uint8_t)(1 << bit);
			rc = cairn_reply_parse(&m, buf, len);
			if (rc == 0) {
				rc = cairn_reply_verify(m, &clinic.sign,
				    "alingsas.uph", &got);
				cairn_reply_free(m);
			}
			buf[i] ^= (uint8_t)(1 << bit);
			if (rc == 0)
				fail_msg("flip %zu.%d accepted", i, bit);
		}
	}
	free(buf);

	/* a nack with a reason */
	r.type = CAIRN_REPLY_NACK;
	r.reason = CAIRN_NACK_UNKNOWN_FUNCTION;
	assert_int_equal(cairn_reply_sign(&r, &clinic.signer, &buf, &len), 0);
	assert_int_equal(cairn_reply_parse(&m, buf, len), 0);
	assert_int_equal(cairn_reply_verify(m, &clinic.sign, "alingsas.uph",
	    &got), 0);
	assert_int_equal(got.type, CAIRN_REPLY_NACK);
	assert_int_equal(got.reason, CAIRN_NACK_UNKNOWN_FUNCTION);
	cairn_reply_free(m);
	free(buf);
	r.reason = CAIRN_NACK_NONE;
	assert_int_equal(cairn_reply_sign(&r, &clinic.signer, &buf, &len),
	    CAIRN_EFIELD);
	for (i = 0; i < 8; i++)
		assert_true(cairn_reply_parse(&m, (const uint8_t *)
		    "\x08\x01\x12\x03" "abc", i) < 0);
	assert_int_equal(cairn_nack_reason_for(CAIRN_ENOTFOUND),
	    CAIRN_NACK_UNKNOWN_FUNCTION);
	assert_string_equal(cairn_nack_reason_name(CAIRN_NACK_EXPIRED),
	    "expired");
}

/* Verifies one batch member; returns the code, fills *got. */
static int
batch_verify(const uint8_t *buf, size_t len, struct cairn_reply *got,
    struct cairn_reply_cache *cache)
{
	struct cairn_reply_msg *m;
	int	rc;

	if ((rc = cairn_reply_parse(&m, buf, len)) != 0)
		return rc;
	rc = cairn_reply_verify_cached(m, &clinic.sign, "alingsas.uph", got,
	    cache);
	cairn_reply_free(m);
	return rc;
}

/* Re-encodes a batch member after edit() changed its unpacked form. */
static int
batch_edited(const uint8_t *buf, size_t len,
    void (*edit)(Cairn__V1__SignedReply *, void *), void *arg)
{
	Cairn__V1__SignedReply *pb;
	struct cairn_reply got;
	uint8_t	*out;
	size_t	 outlen;
	int	 rc;

	pb = cairn__v1__signed_reply__unpack(NULL, len, buf);
	assert_non_null(pb);
	edit(pb, arg);
	outlen = cairn__v1__signed_reply__get_packed_size(pb);
	out = malloc(outlen);
	assert_non_null(out);
	cairn__v1__signed_reply__pack(pb, out);
	cairn__v1__signed_reply__free_unpacked(pb, NULL);
	rc = batch_verify(out, outlen, &got, NULL);
	free(out);
	return rc;
}

static void
edit_msg_id(Cairn__V1__SignedReply *pb, void *arg)
{
	memcpy(pb->msg_id.data, arg, CAIRN_MSG_ID_BYTES);
}

static void
edit_hash(Cairn__V1__SignedReply *pb, void *arg)
{
	(void)arg;
	pb->envelope_hash.data[0] ^= 1;
}

static void
edit_index(Cairn__V1__SignedReply *pb, void *arg)
{
	pb->index = *(uint32_t *)arg;
}

static void
edit_drop_path(Cairn__V1__SignedReply *pb, void *arg)
{
	(void)arg;
	/* unpacked with the default allocator: the dropped one is ours */
	free(pb->path[--pb->n_path].data);
}

static void
edit_path(Cairn__V1__SignedReply *pb, void *arg)
{
	memcpy(pb->path[0].data, arg, 32);
}

/*
 * Batched receipts: every member proves its own message's delivery, and
 * nothing else: not another message, not another place in the batch.
 */
static void
test_envelope_receipt_batch(void **state)
{
	static const size_t sizes[] = { 2, 3, 5, 8, 9, 33, 256 };
	struct cairn_reply_leaf leaves[256];
	struct cairn_reply_cache cache;
	struct cairn_reply got;
	uint8_t	*out[256], other[CAIRN_MSG_ID_BYTES];
	size_t	 outlen[256], n, i, k;
	uint32_t idx;
	int	 bit, rc;

	(void)state;
	for (i = 0; i < 256; i++) {
		cairn_envelope_new_id(leaves[i].msg_id);
		randombytes_buf(leaves[i].envelope_hash, 32);
	}
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n = sizes[k];
		assert_int_equal(cairn_reply_sign_batch(leaves, n, NOW,
		    "alingsas.uph", &clinic.signer, out, outlen), 0);
		memset(&cache, 0, sizeof(cache));
		for (i = 0; i < n; i++) {
			assert_true(outlen[i] <= CAIRN_REPLY_MAX_BYTES);
			assert_int_equal(batch_verify(out[i], outlen[i], &got,
			    &cache), 0);
			assert_int_equal(got.type, CAIRN_REPLY_RECEIPT);
			assert_int_equal(got.batch_count, n);
			assert_int_equal(got.time_ms, NOW);
			assert_string_equal(got.org, "alingsas.uph");
			assert_memory_equal(got.msg_id, leaves[i].msg_id, 16);
			assert_memory_equal(got.envelope_hash,
			    leaves[i].envelope_hash, 32);
			/* the same without the cache */
			assert_int_equal(batch_verify(out[i], outlen[i], &got,
			    NULL), 0);
		}
		/* member 0's proof for another message of the batch */
		assert_int_equal(batch_edited(out[0], outlen[0], edit_msg_id,
		    leaves[n - 1].msg_id), CAIRN_EBADSIG);
		/* for a message outside the batch */
		randombytes_buf(other, sizeof(other));
		assert_int_equal(batch_edited(out[n - 1], outlen[n - 1],
		    edit_msg_id, other), CAIRN_EBADSIG);
		assert_int_equal(batch_edited(out[n / 2], outlen[n / 2],
		    edit_hash, NULL), CAIRN_EBADSIG);
		/* another place, a path cut short, a sibling replaced */
		idx = (uint32_t)(n - 1 - n / 2 == n / 2 ? 0 : n - 1 - n / 2);
		assert_int_equal(batch_edited(out[n / 2], outlen[n / 2],
		    edit_index, &idx), CAIRN_EBADSIG);
		idx = (uint32_t)n;
		assert_int_not_equal(batch_edited(out[0], outlen[0],
		    edit_index, &idx), 0);
		assert_int_equal(batch_edited(out[1], outlen[1],
		    edit_drop_path, NULL), CAIRN_EBADSIG);
		assert_int_equal(batch_edited(out[1], outlen[1], edit_path,
		    leaves[0].envelope_hash), CAIRN_EBADSIG);
		/* signed by the clinic, claimed for another org */
		{
			struct cairn_reply_msg *m;

			assert_int_equal(cairn_reply_parse(&m, out[0],
			    outlen[0]), 0);
			assert_int_equal(cairn_reply_verify(m, &clinic.sign,
			    "lerum.elevhalsa", &got), CAIRN_ESENDER);
			assert_int_equal(cairn_reply_verify(m, &school.sign,
			    "alingsas.uph", &got), CAIRN_EKEYMISMATCH);
			cairn_reply_free(m);
		}
		/* every bit flip of a member refused, the cache warm */
		if (n == 5) {
			for (i = 0; i < outlen[3]; i++) {
				for (bit = 0; bit < 8; bit++) {
					out[3][i] ^= (uint8_t)(1 << bit);
					rc = batch_verify(out[3], outlen[3],
					    &got, &cache);
					out[3][i] ^= (uint8_t)(1 << bit);
					if (rc == 0)
						fail_msg("flip %zu.%d accepted",
						    i, bit);
				}
			}
		}
		for (i = 0; i < n; i++)
			free(out[i]);
	}
	/* one message: a plain receipt */
	assert_int_equal(cairn_reply_sign_batch(leaves, 1, NOW, "alingsas.uph",
	    &clinic.signer, out, outlen), 0);
	assert_int_equal(batch_verify(out[0], outlen[0], &got, NULL), 0);
	assert_int_equal(got.batch_count, 1);
	assert_memory_equal(got.msg_id, leaves[0].msg_id, 16);
	free(out[0]);
	assert_int_equal(cairn_reply_sign_batch(leaves, 0, NOW, "alingsas.uph",
	    &clinic.signer, out, outlen), CAIRN_EFIELD);
	assert_int_equal(cairn_reply_sign_batch(leaves, CAIRN_BATCH_MAX + 1,
	    NOW, "alingsas.uph", &clinic.signer, out, outlen), CAIRN_EFIELD);
	assert_int_equal(cairn_reply_sign_batch(leaves, 2, NOW, "Not An Org",
	    &clinic.signer, out, outlen), CAIRN_EFIELD);
}

/*
 * Sealing in place gives an envelope that opens like any other, with the
 * hash a receiver computes; opening in place gives back the very bytes
 * and a payload whose attachments carry no data.
 */
static void
test_envelope_inplace_seal_and_open(void **state)
{
	struct cairn_header h;
	struct cairn_sealed sealed;
	struct cairn_envelope *e;
	struct cairn_payload *p = make_request(), *got;
	uint8_t	*pt, *env, *copy;
	size_t	 ptlen;

	(void)state;
	header_init(&h, CAIRN_KIND_REQUEST);
	assert_int_equal(cairn_payload_encode(p, NOW, &pt, &ptlen), 0);
	assert_int_equal(cairn_envelope_seal_inplace(&h, pt, ptlen,
	    &clinic.box, &school.signer, &sealed), 0);
	assert_int_equal(sealed.len, sealed.prelen + ptlen + sealed.postlen);
	assert_non_null(env = malloc(sealed.len));
	memcpy(env, sealed.pre, sealed.prelen);
	memcpy(env + sealed.prelen, pt, ptlen);
	memcpy(env + sealed.prelen + ptlen, sealed.post, sealed.postlen);
	assert_non_null(copy = malloc(sealed.len));
	memcpy(copy, env, sealed.len);

	assert_int_equal(cairn_envelope_parse(&e, env, sealed.len), 0);
	assert_memory_equal(cairn_envelope_hash(e), sealed.hash,
	    CAIRN_HASH_BYTES);
	assert_int_equal(cairn_envelope_verify(e, &school.sign,
	    "lerum.elevhalsa"), 0);
	/* not the bytes it was parsed from */
	assert_int_equal(cairn_envelope_decrypt_inplace(e, copy,
	    &clinic.unsealer, NOW, CAIRN_PAYLOAD_META, &got), CAIRN_EINVAL);
	assert_null(got);
	assert_int_equal(cairn_envelope_decrypt_inplace(e, env,
	    &clinic.unsealer, NOW, CAIRN_PAYLOAD_META, &got), 0);
	assert_memory_equal(env, copy, sealed.len);
	assert_int_equal(got->kind, CAIRN_KIND_REQUEST);
	assert_string_equal(got->u.request.subject, "19121212-1212");
	assert_int_equal(got->nattachments, 1);
	assert_string_equal(got->attachments[0].name, "plan.txt");
	assert_int_equal(got->attachments[0].len, 14);
	assert_null(got->attachments[0].data);
	cairn_payload_free(got);
	/* the ordinary way still opens the same bytes, with the data */
	assert_int_equal(cairn_envelope_decrypt(e, &clinic.unsealer, NOW,
	    &got), 0);
	assert_memory_equal(got->attachments[0].data, "elevhälsoplan", 14);
	cairn_payload_free(got);
	/* someone else's key: refused, and no plaintext is left behind */
	assert_int_equal(cairn_envelope_decrypt_inplace(e, env,
	    &mallory.unsealer, NOW, 0, &got), CAIRN_ENORECIPIENTKEY);
	assert_null(got);
	assert_memory_equal(env, copy, sealed.len);
	cairn_envelope_free(e);
	free(copy);
	free(env);
	free(pt);
	cairn_payload_free(p);
}

/* The outer envelope is read strictly: no field twice, none unknown. */
static void
test_envelope_outer_fields_strict(void **state)
{
	struct cairn_header h;
	struct cairn_envelope *e;
	uint8_t	*buf, *big;
	size_t	 len;

	(void)state;
	seal(CAIRN_KIND_WITHDRAWAL, &buf, &len, &h);
	assert_non_null(big = malloc(len + 10));
	memcpy(big, buf, len);
	/* signer_key_id again */
	memcpy(big + len, buf + len - 10, 10);
	assert_int_equal(cairn_envelope_parse(&e, big, len + 10),
	    CAIRN_EMALFORMED);
	/* field 5, a varint */
	big[len] = 5 << 3;
	big[len + 1] = 1;
	assert_int_equal(cairn_envelope_parse(&e, big, len + 2),
	    CAIRN_EMALFORMED);
	/* field 4 as a varint */
	big[len] = 4 << 3;
	assert_int_equal(cairn_envelope_parse(&e, big, len + 2),
	    CAIRN_EMALFORMED);
	/* a length beyond the end */
	big[len] = 5 << 3 | 2;
	big[len + 1] = 9;
	assert_int_equal(cairn_envelope_parse(&e, big, len + 2),
	    CAIRN_EMALFORMED);
	/* an 11-byte varint */
	memset(big + len, 0xff, 10);
	assert_int_equal(cairn_envelope_parse(&e, big, len + 10),
	    CAIRN_EMALFORMED);
	/* a missing field: its length is 0 */
	assert_int_equal(cairn_envelope_parse(&e, buf, len - 10),
	    CAIRN_EFIELD);
	free(big);
	free(buf);
}

/* What a daemon seals as the client sent it must carry no unknown field. */
static void
test_envelope_payload_strict_unknown_fields(void **state)
{
	struct cairn_payload *p = make_request(), *got;
	uint8_t	*pt, *more;
	size_t	 ptlen;

	(void)state;
	assert_int_equal(cairn_payload_encode(p, NOW, &pt, &ptlen), 0);
	assert_int_equal(cairn_payload_decode_flags(&got, pt, ptlen, NOW,
	    CAIRN_PAYLOAD_STRICT), 0);
	cairn_payload_free(got);
	/* field 15 (varint 1) after the body: unknown at the top */
	assert_non_null(more = malloc(ptlen + 2));
	memcpy(more, pt, ptlen);
	more[ptlen] = 15 << 3;
	more[ptlen + 1] = 1;
	assert_int_equal(cairn_payload_decode_flags(&got, more, ptlen + 2,
	    NOW, 0), 0);
	cairn_payload_free(got);
	assert_int_equal(cairn_payload_decode_flags(&got, more, ptlen + 2,
	    NOW, CAIRN_PAYLOAD_STRICT), CAIRN_EBADPAYLOAD);
	assert_null(got);
	free(more);
	free(pt);
	cairn_payload_free(p);
}

static void
test_envelope_strerror_distinct(void **state)
{
	int	a, b;

	(void)state;
	for (a = CAIRN_ELAST; a <= CAIRN_EFIRST; a++) {
		if (strcmp(cairn_strerror(a), "unknown error") == 0)
			continue;
		for (b = a + 1; b <= CAIRN_EFIRST; b++)
			assert_string_not_equal(cairn_strerror(a),
			    cairn_strerror(b));
	}
	assert_string_equal(cairn_strerror(-2), "No such file or directory");
}

/* New ids start with the time in ms and differ in their random part. */
static void
test_envelope_new_id_time_ordered(void **state)
{
	uint8_t	 prev[CAIRN_MSG_ID_BYTES], id[CAIRN_MSG_ID_BYTES];
	struct timespec ts;
	uint64_t ms, t;
	int	 i, k;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	cairn_envelope_new_id(prev);
	for (t = 0, k = 0; k < 6; k++)
		t = t << 8 | prev[k];
	assert_true(t >= ms && t < ms + 5000);
	for (i = 0; i < 1000; i++) {
		cairn_envelope_new_id(id);
		/* never sorts before an earlier one by its time part */
		assert_true(memcmp(prev, id, 6) <= 0);
		assert_memory_not_equal(prev + 6, id + 6, 10);
		memcpy(prev, id, sizeof(id));
	}
}

/*
 * The per-thread pool of random bytes: no two requests get the same
 * bytes (across refills too), every value of a small range comes up,
 * a forked child and its parent never hand out the same bytes, and
 * large requests still work.
 */
static void
test_envelope_random_pool(void **state)
{
	static uint8_t seen[2000][24];
	uint8_t	 big[CAIRN_RANDOM_BULK_MAX + 100], zero[sizeof(big)];
	uint8_t	 parent[32], child[32];
	unsigned hits[7] = { 0 };
	int	 fds[2], i, j, st;
	pid_t	 pid;

	(void)state;
	/* 2000 x 24 bytes: several refills of the 4 KiB pool */
	for (i = 0; i < 2000; i++) {
		cairn_random_buf(seen[i], sizeof(seen[i]));
		for (j = 0; j < i; j++)
			assert_memory_not_equal(seen[i], seen[j], 24);
	}
	memset(zero, 0, sizeof(zero));
	memset(big, 0, sizeof(big));
	cairn_random_buf(big, sizeof(big));
	assert_memory_not_equal(big, zero, sizeof(big));
	cairn_random_buf(big, 0);		/* nothing to do */
	assert_int_equal(cairn_random_uniform(0), 0);
	assert_int_equal(cairn_random_uniform(1), 0);
	for (i = 0; i < 7000; i++) {
		j = (int)cairn_random_uniform(7);
		assert_true(j >= 0 && j < 7);
		hits[j]++;
	}
	for (i = 0; i < 7; i++)
		assert_true(hits[i] > 700);	/* ~1000 each */

	/* the pool now holds bytes: a child must not hand them out again */
	cairn_random_buf(parent, 1);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cairn_random_buf(child, sizeof(child));
		_exit(write(fds[1], child, sizeof(child)) ==
		    (ssize_t)sizeof(child) ? 0 : 1);
	}
	cairn_random_buf(parent, sizeof(parent));
	assert_int_equal(read(fds[0], child, sizeof(child)),
	    (ssize_t)sizeof(child));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_memory_not_equal(parent, child, sizeof(child));
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_roundtrip_every_kind),
		cmocka_unit_test(test_envelope_new_id_time_ordered),
		cmocka_unit_test(test_envelope_peek_header),
		cmocka_unit_test(test_envelope_every_bit_flip_refused),
		cmocka_unit_test(test_envelope_truncated_and_garbage),
		cmocka_unit_test(test_envelope_wrong_keys),
		cmocka_unit_test(test_envelope_wrong_recipient_key_material),
		cmocka_unit_test(test_envelope_expiry_and_key_window),
		cmocka_unit_test(test_envelope_seal_refuses_bad_input),
		cmocka_unit_test(test_envelope_payload_decode_garbage),
		cmocka_unit_test(test_envelope_receipt_and_nack),
		cmocka_unit_test(test_envelope_receipt_batch),
		cmocka_unit_test(test_envelope_inplace_seal_and_open),
		cmocka_unit_test(test_envelope_outer_fields_strict),
		cmocka_unit_test(test_envelope_payload_strict_unknown_fields),
		cmocka_unit_test(test_envelope_strerror_distinct),
		cmocka_unit_test(test_envelope_random_pool),
	};

	return cmocka_run_group_tests_name("envelope", tests, setup, NULL);
}
