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

#define HASH	CAIRN_HASH_BYTES

static const char LEAF_TAG[] = "cairn.v1/receipt-leaf";
static const char NODE_TAG[] = "cairn.v1/receipt-node";

/* The letter bound into a reply's digest with its body. */
static const uint8_t *
type_tag(int type)
{
	switch (type) {
	case CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT:
		return (const uint8_t *)"R";
	case CAIRN__V1__REPLY_TYPE__REPLY_NACK:
		return (const uint8_t *)"N";
	default:
		return (const uint8_t *)"B";
	}
}

static void
leaf_hash(uint8_t out[static HASH], const uint8_t *id, const uint8_t *hash)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, HASH);
	crypto_generichash_update(&st, (const uint8_t *)LEAF_TAG,
	    sizeof(LEAF_TAG));
	crypto_generichash_update(&st, id, CAIRN_MSG_ID_BYTES);
	crypto_generichash_update(&st, hash, HASH);
	crypto_generichash_final(&st, out, HASH);
}

/* out may be left or right. */
static void
node_hash(uint8_t out[static HASH], const uint8_t *left,
    const uint8_t *right)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, HASH);
	crypto_generichash_update(&st, (const uint8_t *)NODE_TAG,
	    sizeof(NODE_TAG));
	crypto_generichash_update(&st, left, HASH);
	crypto_generichash_update(&st, right, HASH);
	crypto_generichash_final(&st, out, HASH);
}

/*
 * Folds a leaf up its path: at each level a node at an odd place hashes
 * after its left sibling, one at an even place before its right sibling,
 * and the last node of a level of odd size is lifted unchanged.  The
 * path must be used up exactly and end at root.
 */
static int
merkle_check(const uint8_t leaf[static HASH], uint32_t index, uint32_t count,
    const ProtobufCBinaryData *path, size_t npath,
    const uint8_t root[static HASH])
{
	uint8_t	 h[HASH];
	uint32_t pos = index, n = count;
	size_t	 k = 0;

	if (count < 2 || count > CAIRN_BATCH_MAX || index >= count)
		return CAIRN_EFIELD;
	memcpy(h, leaf, HASH);
	while (n > 1) {
		if ((pos & 1) || pos + 1 < n) {
			if (k == npath)
				return CAIRN_EBADSIG;
			if (pos & 1)
				node_hash(h, path[k].data, h);
			else
				node_hash(h, h, path[k].data);
			k++;
		}
		pos >>= 1;
		n = (n + 1) / 2;
	}
	if (k != npath || sodium_memcmp(h, root, HASH) != 0)
		return CAIRN_EBADSIG;
	return 0;
}

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
cairn_reply_sign_batch(const struct cairn_reply_leaf *leaves, size_t n,
    int64_t time_ms, const char *org, const struct cairn_signer *s,
    uint8_t **out, size_t *outlen)
{
	Cairn__V1__ReceiptBatch b = CAIRN__V1__RECEIPT_BATCH__INIT;
	Cairn__V1__SignedReply sr = CAIRN__V1__SIGNED_REPLY__INIT;
	ProtobufCBinaryData path[CAIRN_BATCH_DEPTH];
	struct cairn_reply r;
	uint8_t	 digest[CAIRN_DIGEST_BYTES], sig[CAIRN_SIG_BYTES];
	uint8_t	 key_id[CAIRN_KEY_ID_BYTES];
	uint8_t	(*nodes)[HASH] = NULL, *body = NULL;
	size_t	 off[CAIRN_BATCH_DEPTH + 2], size[CAIRN_BATCH_DEPTH + 2];
	size_t	 bodylen, i, j, lv, nlv, pos;
	int	 rc;

	if (n == 0 || n > CAIRN_BATCH_MAX)
		return CAIRN_EFIELD;
	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (cairn_valid_org_id(org) != 0)
		return CAIRN_EFIELD;
	if (n == 1) {
		memset(&r, 0, sizeof(r));
		r.type = CAIRN_REPLY_RECEIPT;
		memcpy(r.msg_id, leaves[0].msg_id, CAIRN_MSG_ID_BYTES);
		memcpy(r.envelope_hash, leaves[0].envelope_hash, HASH);
		r.time_ms = time_ms;
		snprintf(r.org, sizeof(r.org), "%s", org);
		return cairn_reply_sign(&r, s, &out[0], &outlen[0]);
	}
	/* every level, leaves first: n + n/2 + ... + one lifted per level */
	if ((nodes = calloc(2 * n + CAIRN_BATCH_DEPTH + 1, HASH)) == NULL)
		return -ENOMEM;
	off[0] = 0;
	size[0] = n;
	for (i = 0; i < n; i++)
		leaf_hash(nodes[i], leaves[i].msg_id, leaves[i].envelope_hash);
	for (lv = 0; size[lv] > 1; lv++) {
		off[lv + 1] = off[lv] + size[lv];
		size[lv + 1] = (size[lv] + 1) / 2;
		for (j = 0; j < size[lv + 1]; j++) {
			if (2 * j + 1 < size[lv])
				node_hash(nodes[off[lv + 1] + j],
				    nodes[off[lv] + 2 * j],
				    nodes[off[lv] + 2 * j + 1]);
			else
				memcpy(nodes[off[lv + 1] + j],
				    nodes[off[lv] + 2 * j], HASH);
		}
	}
	nlv = lv;
	b.root.data = nodes[off[nlv]];
	b.root.len = HASH;
	b.count = (uint32_t)n;
	b.received_ms = time_ms;
	b.receiver_org = (char *)org;
	if ((rc = cairn_pb_pack(&b.base, &body, &bodylen)) != 0)
		goto out;
	cairn_sig_digest(digest, CAIRN_DOMAIN_REPLY,
	    type_tag(CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT_BATCH), 1, body,
	    bodylen);
	if ((rc = s->sign(s->arg, sig, digest)) != 0)
		goto out;
	memcpy(key_id, s->key_id, CAIRN_KEY_ID_BYTES);
	sr.type = CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT_BATCH;
	sr.body.data = body;
	sr.body.len = bodylen;
	sr.signature.data = sig;
	sr.signature.len = sizeof(sig);
	sr.signer_key_id.data = key_id;
	sr.signer_key_id.len = CAIRN_KEY_ID_BYTES;
	sr.path = path;
	for (i = 0; i < n; i++) {
		sr.msg_id.data = (uint8_t *)leaves[i].msg_id;
		sr.msg_id.len = CAIRN_MSG_ID_BYTES;
		sr.envelope_hash.data = (uint8_t *)leaves[i].envelope_hash;
		sr.envelope_hash.len = HASH;
		sr.index = (uint32_t)i;
		sr.n_path = 0;
		for (lv = 0, pos = i; lv < nlv; lv++, pos >>= 1) {
			if ((pos ^ 1) >= size[lv])
				continue;	/* lifted: no sibling here */
			path[sr.n_path].data = nodes[off[lv] + (pos ^ 1)];
			path[sr.n_path++].len = HASH;
		}
		if ((rc = cairn_pb_pack(&sr.base, &out[i], &outlen[i])) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		for (i = 0; i < n; i++) {
			free(out[i]);
			out[i] = NULL;
		}
	free(body);
	free(nodes);
	return rc;
}

/* A batch member carries its leaf and path; the other forms carry none. */
static int
leaf_fields_fit(const Cairn__V1__SignedReply *pb)
{
	size_t	i;

	if (pb->type != CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT_BATCH)
		return pb->msg_id.len == 0 && pb->envelope_hash.len == 0 &&
		    pb->index == 0 && pb->n_path == 0;
	if (pb->msg_id.len != CAIRN_MSG_ID_BYTES ||
	    pb->envelope_hash.len != HASH || pb->n_path > CAIRN_BATCH_DEPTH)
		return 0;
	for (i = 0; i < pb->n_path; i++)
		if (pb->path[i].len != HASH)
			return 0;
	return 1;
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
	    pb->type != CAIRN__V1__REPLY_TYPE__REPLY_NACK &&
	    pb->type != CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT_BATCH) ||
	    pb->body.len == 0 || pb->signature.len != CAIRN_SIG_BYTES ||
	    pb->signer_key_id.len != CAIRN_KEY_ID_BYTES ||
	    !leaf_fields_fit(pb)) {
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

/* A batch member: the signed batch, then the leaf's path to its root. */
static int
parse_batch(const Cairn__V1__SignedReply *pb, struct cairn_reply *r)
{
	struct cairn_pb_budget budget;
	Cairn__V1__ReceiptBatch *b;
	uint8_t	leaf[HASH];
	int	rc = CAIRN_EFIELD;

	b = (Cairn__V1__ReceiptBatch *)cairn_pb_unpack(
	    &cairn__v1__receipt_batch__descriptor, &budget, pb->body.data,
	    pb->body.len);
	if (b == NULL)
		return CAIRN_EMALFORMED;
	r->type = CAIRN_REPLY_RECEIPT;
	r->time_ms = b->received_ms;
	r->batch_count = b->count;
	memcpy(r->msg_id, pb->msg_id.data, CAIRN_MSG_ID_BYTES);
	memcpy(r->envelope_hash, pb->envelope_hash.data, HASH);
	if (b->root.len == HASH &&
	    (rc = copy_org(r->org, b->receiver_org)) == 0) {
		leaf_hash(leaf, r->msg_id, r->envelope_hash);
		rc = merkle_check(leaf, pb->index, b->count, pb->path,
		    pb->n_path, b->root.data);
	}
	cairn_pb_free((ProtobufCMessage *)b, &budget);
	return rc;
}

static int
parse_body(const Cairn__V1__SignedReply *pb, struct cairn_reply *r)
{
	struct cairn_pb_budget budget;
	Cairn__V1__Receipt *rc_pb;
	Cairn__V1__Nack *nk;
	int	rc = CAIRN_EFIELD;

	if (pb->type == CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT_BATCH)
		return parse_batch(pb, r);
	r->batch_count = 1;

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
	return cairn_reply_verify_cached(m, key, signer_org, r, NULL);
}

/* Whether the cache holds this signature as checked; *tag is its name. */
static int
cache_seen(const struct cairn_reply_cache *c, uint8_t tag[static HASH],
    const uint8_t *pk, const uint8_t *digest, const uint8_t *sig)
{
	crypto_generichash_state st;
	size_t	i;

	crypto_generichash_init(&st, NULL, 0, HASH);
	crypto_generichash_update(&st, pk, 32);
	crypto_generichash_update(&st, digest, CAIRN_DIGEST_BYTES);
	crypto_generichash_update(&st, sig, CAIRN_SIG_BYTES);
	crypto_generichash_final(&st, tag, HASH);
	for (i = 0; i < sizeof(c->seen) / sizeof(c->seen[0]); i++)
		if (sodium_memcmp(c->seen[i], tag, HASH) == 0)
			return 1;
	return 0;
}

int
cairn_reply_verify_cached(const struct cairn_reply_msg *m,
    const struct cairn_pubkey *key, const char *signer_org,
    struct cairn_reply *r, struct cairn_reply_cache *c)
{
	uint8_t	digest[CAIRN_DIGEST_BYTES], tag[HASH];
	int	rc, batch, seen = 0;

	memset(r, 0, sizeof(*r));
	if (sodium_memcmp(key->key_id, m->pb->signer_key_id.data,
	    CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_EKEYMISMATCH;
	batch = m->pb->type == CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT_BATCH;
	cairn_sig_digest(digest, CAIRN_DOMAIN_REPLY, type_tag(m->pb->type), 1,
	    m->pb->body.data, m->pb->body.len);
	if (batch && c != NULL)
		seen = cache_seen(c, tag, key->pk, digest,
		    m->pb->signature.data);
	if (!seen) {
		if ((rc = cairn_sig_verify(m->pb->signature.data, digest,
		    key->pk)) != 0)
			return rc;
		if (batch && c != NULL) {
			memcpy(c->seen[c->next], tag, HASH);
			c->next = (c->next + 1) %
			    (sizeof(c->seen) / sizeof(c->seen[0]));
		}
	}
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
