/* SPDX-License-Identifier: MIT */
/*
 * Signed receipts and nacks (see reply.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/cairn.pb-c.h"
#include "proto/pbutil.h"
#include "proto/reply.h"

struct cairn_reply_msg {
	struct cairn_pb_budget	 budget;
	Cairn__V1__SignedReply	*pb;
};

static const char *reason_names[] = {
	[CAIRN_NACK_NONE] = "unspecified",
	[CAIRN_NACK_MALFORMED] = "malformed envelope",
	[CAIRN_NACK_UNKNOWN_SENDER] = "sender not in the address book",
	[CAIRN_NACK_BAD_SIGNATURE] = "bad signature",
	[CAIRN_NACK_WRONG_RECIPIENT] = "not addressed to this organisation",
	[CAIRN_NACK_UNKNOWN_FUNCTION] = "no such function at the recipient",
	[CAIRN_NACK_KIND_NOT_ACCEPTED] = "function does not accept this kind",
	[CAIRN_NACK_EXPIRED] = "expired",
	[CAIRN_NACK_UNKNOWN_RECIPIENT_KEY] = "sealed to an unknown key",
	[CAIRN_NACK_CANNOT_DECRYPT] = "cannot decrypt",
	[CAIRN_NACK_BAD_PAYLOAD] = "invalid payload",
	[CAIRN_NACK_SENDER_MISMATCH] = ("sender does not match its "
	    "transport identity"),
	[CAIRN_NACK_NOT_IN_CASE] = ("does not fit the state of the "
	    "request it answers"),
};

const char *
cairn_nack_reason_name(enum cairn_nack_reason reason)
{
	if ((int)reason < 0 || reason > CAIRN_NACK_MAX)
		return "unknown reason";
	return reason_names[reason];
}

enum cairn_nack_reason
cairn_nack_reason_for(int code)
{
	switch (code) {
	case CAIRN_EUNKNOWNKEY:
	case CAIRN_EKEYEXPIRED:
		return CAIRN_NACK_UNKNOWN_SENDER;
	case CAIRN_EBADSIG:
	case CAIRN_EKEYMISMATCH:
		return CAIRN_NACK_BAD_SIGNATURE;
	case CAIRN_EWRONGRECIPIENT:
		return CAIRN_NACK_WRONG_RECIPIENT;
	case CAIRN_ENOTFOUND:
		return CAIRN_NACK_UNKNOWN_FUNCTION;
	case CAIRN_ENOTACCEPTED:
	case CAIRN_EKIND:
		return CAIRN_NACK_KIND_NOT_ACCEPTED;
	case CAIRN_EEXPIRED:
	case CAIRN_EFUTURE:
		return CAIRN_NACK_EXPIRED;
	case CAIRN_ENORECIPIENTKEY:
		return CAIRN_NACK_UNKNOWN_RECIPIENT_KEY;
	case CAIRN_EDECRYPT:
		return CAIRN_NACK_CANNOT_DECRYPT;
	case CAIRN_EBADPAYLOAD:
		return CAIRN_NACK_BAD_PAYLOAD;
	case CAIRN_ESENDER:
		return CAIRN_NACK_SENDER_MISMATCH;
	case CAIRN_ESTATE:
		return CAIRN_NACK_NOT_IN_CASE;
	default:
		return CAIRN_NACK_MALFORMED;
	}
}

int
cairn_reply_sign(struct cairn_reply *r, const struct cairn_signer *s,
    uint8_t **out, size_t *outlen)
{
	Cairn__V1__Receipt rc_pb = CAIRN__V1__RECEIPT__INIT;
	Cairn__V1__Nack nk = CAIRN__V1__NACK__INIT;
	Cairn__V1__SignedReply sr = CAIRN__V1__SIGNED_REPLY__INIT;
	uint8_t	 digest[CAIRN_DIGEST_BYTES], sig[CAIRN_SIG_BYTES];
	uint8_t	*body = NULL;
	size_t	 bodylen;
	int	 rc;

	*out = NULL;
	if (cairn_valid_org_id(r->org) != 0)
		return CAIRN_EFIELD;
	memcpy(r->signer_key_id, s->key_id, CAIRN_KEY_ID_BYTES);
	switch (r->type) {
	case CAIRN_REPLY_RECEIPT:
		rc_pb.msg_id.data = r->msg_id;
		rc_pb.msg_id.len = CAIRN_MSG_ID_BYTES;
		rc_pb.envelope_hash.data = r->envelope_hash;
		rc_pb.envelope_hash.len = CAIRN_HASH_BYTES;
		rc_pb.received_ms = r->time_ms;
		rc_pb.receiver_org = r->org;
		rc = cairn_pb_pack(&rc_pb.base, &body, &bodylen);
		break;
	case CAIRN_REPLY_NACK:
		if (r->reason <= CAIRN_NACK_NONE || r->reason > CAIRN_NACK_MAX)
			return CAIRN_EFIELD;
		nk.msg_id.data = r->msg_id;
		nk.msg_id.len = CAIRN_MSG_ID_BYTES;
		nk.envelope_hash.data = r->envelope_hash;
		nk.envelope_hash.len = CAIRN_HASH_BYTES;
		nk.refused_ms = r->time_ms;
		nk.refuser_org = r->org;
		nk.reason = (Cairn__V1__NackReason)r->reason;
		rc = cairn_pb_pack(&nk.base, &body, &bodylen);
		break;
	default:
		return CAIRN_EFIELD;
	}
	if (rc != 0)
		return rc;
	/* The type is bound into the digest along with the body. */
	cairn_sig_digest(digest, CAIRN_DOMAIN_REPLY,
	    (const uint8_t *)(r->type == CAIRN_REPLY_RECEIPT ? "R" : "N"), 1,
	    body, bodylen);
	if ((rc = s->sign(s->arg, sig, digest)) != 0)
		goto out;
	sr.type = (Cairn__V1__ReplyType)r->type;
	sr.body.data = body;
	sr.body.len = bodylen;
	sr.signature.data = sig;
	sr.signature.len = sizeof(sig);
	sr.signer_key_id.data = r->signer_key_id;
	sr.signer_key_id.len = CAIRN_KEY_ID_BYTES;
	rc = cairn_pb_pack(&sr.base, out, outlen);
out:
	free(body);
	return rc;
}

int
cairn_reply_parse(struct cairn_reply_msg **out, const uint8_t *buf,
    size_t len)
{
	struct cairn_reply_msg *m;
	Cairn__V1__SignedReply *pb;

	*out = NULL;
	if (len > CAIRN_REPLY_MAX_BYTES)
		return CAIRN_ETOOBIG;
	if (len == 0)
		return CAIRN_ETRUNCATED;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	pb = (Cairn__V1__SignedReply *)cairn_pb_unpack(
	    &cairn__v1__signed_reply__descriptor, &m->budget, buf, len);
	if (pb == NULL) {
		free(m);
		return CAIRN_EMALFORMED;
	}
	m->pb = pb;
	if ((pb->type != CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT &&
	    pb->type != CAIRN__V1__REPLY_TYPE__REPLY_NACK) ||
	    pb->body.len == 0 || pb->signature.len != CAIRN_SIG_BYTES ||
	    pb->signer_key_id.len != CAIRN_KEY_ID_BYTES) {
		cairn_reply_free(m);
		return CAIRN_EFIELD;
	}
	*out = m;
	return 0;
}

const uint8_t *
cairn_reply_signer_key_id(const struct cairn_reply_msg *m)
{
	return m->pb->signer_key_id.data;
}

static int
copy_org(char *dst, const char *src)
{
	if (strlen(src) > CAIRN_ORG_ID_MAX || cairn_valid_org_id(src) != 0)
		return CAIRN_EFIELD;
	strcpy(dst, src);
	return 0;
}

static int
parse_body(const Cairn__V1__SignedReply *pb, struct cairn_reply *r)
{
	struct cairn_pb_budget budget;
	Cairn__V1__Receipt *rc_pb;
	Cairn__V1__Nack *nk;
	int	rc = CAIRN_EFIELD;

	if (pb->type == CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT) {
		rc_pb = (Cairn__V1__Receipt *)cairn_pb_unpack(
		    &cairn__v1__receipt__descriptor, &budget, pb->body.data,
		    pb->body.len);
		if (rc_pb == NULL)
			return CAIRN_EMALFORMED;
		r->type = CAIRN_REPLY_RECEIPT;
		r->time_ms = rc_pb->received_ms;
		if (cairn_pb_exact(r->msg_id, &rc_pb->msg_id,
		    CAIRN_MSG_ID_BYTES) == 0 &&
		    cairn_pb_exact(r->envelope_hash, &rc_pb->envelope_hash,
		    CAIRN_HASH_BYTES) == 0)
			rc = copy_org(r->org, rc_pb->receiver_org);
		cairn_pb_free((ProtobufCMessage *)rc_pb, &budget);
		return rc;
	}
	nk = (Cairn__V1__Nack *)cairn_pb_unpack(&cairn__v1__nack__descriptor,
	    &budget, pb->body.data, pb->body.len);
	if (nk == NULL)
		return CAIRN_EMALFORMED;
	r->type = CAIRN_REPLY_NACK;
	r->time_ms = nk->refused_ms;
	r->reason = (enum cairn_nack_reason)nk->reason;
	if (cairn_pb_exact(r->msg_id, &nk->msg_id, CAIRN_MSG_ID_BYTES) == 0 &&
	    cairn_pb_exact(r->envelope_hash, &nk->envelope_hash,
	    CAIRN_HASH_BYTES) == 0 &&
	    r->reason > CAIRN_NACK_NONE && r->reason <= CAIRN_NACK_MAX)
		rc = copy_org(r->org, nk->refuser_org);
	cairn_pb_free((ProtobufCMessage *)nk, &budget);
	return rc;
}

int
cairn_reply_verify(const struct cairn_reply_msg *m,
    const struct cairn_pubkey *key, const char *signer_org,
    struct cairn_reply *r)
{
	uint8_t	digest[CAIRN_DIGEST_BYTES];
	int	rc;

	memset(r, 0, sizeof(*r));
	if (sodium_memcmp(key->key_id, m->pb->signer_key_id.data,
	    CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_EKEYMISMATCH;
	cairn_sig_digest(digest, CAIRN_DOMAIN_REPLY,
	    (const uint8_t *)(m->pb->type ==
	    CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT ? "R" : "N"), 1,
	    m->pb->body.data, m->pb->body.len);
	if ((rc = cairn_sig_verify(m->pb->signature.data, digest,
	    key->pk)) != 0)
		return rc;
	if ((rc = parse_body(m->pb, r)) != 0)
		return rc;
	memcpy(r->signer_key_id, key->key_id, CAIRN_KEY_ID_BYTES);
	if (strcmp(r->org, signer_org) != 0)
		return CAIRN_ESENDER;
	if (r->time_ms < key->valid_from_ms || r->time_ms >= key->valid_until_ms)
		return CAIRN_EKEYEXPIRED;
	return 0;
}

void
cairn_reply_free(struct cairn_reply_msg *m)
{
	if (m == NULL)
		return;
	cairn_pb_free((ProtobufCMessage *)m->pb, &m->budget);
	free(m);
}
