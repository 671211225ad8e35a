/* SPDX-License-Identifier: MIT */
/*
 * Audit records and their hash chain (see audit.h).  A record's hash is
 * the digest, in the audit domain, of prev_hash and the record's own
 * encoding with the hash field left empty.  Opening accepts only the
 * canonical encoding (what cairn_audit_seal() would write for the same
 * fields), so that each record has exactly one byte form: a changed byte
 * either breaks the parse, the canonical form or the hash.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/audit.h"
#include "proto/cairn.pb-c.h"
#include "proto/pbutil.h"

static int	check_text(const char *s, size_t size);
static void	to_pb(Cairn__V1__AuditRecord *pb,
		    const struct cairn_audit_record *rec);
static int	record_hash(uint8_t hash[static CAIRN_HASH_BYTES],
		    Cairn__V1__AuditRecord *pb);

static const char *event_names[] = {
	[CAIRN_AUDIT_STARTED] = "started",
	[CAIRN_AUDIT_STOPPED] = "stopped",
	[CAIRN_AUDIT_SUBMITTED] = "submitted",
	[CAIRN_AUDIT_SUBMIT_REFUSED] = "submit-refused",
	[CAIRN_AUDIT_SENT] = "sent",
	[CAIRN_AUDIT_DELIVERED] = "delivered",
	[CAIRN_AUDIT_REJECTED] = "rejected",
	[CAIRN_AUDIT_FAILED] = "failed",
	[CAIRN_AUDIT_RECEIVED] = "received",
	[CAIRN_AUDIT_REFUSED] = "refused",
	[CAIRN_AUDIT_DUPLICATE] = "duplicate",
	[CAIRN_AUDIT_READ] = "read",
	[CAIRN_AUDIT_BOOK_LOADED] = "book-loaded",
	[CAIRN_AUDIT_BOOK_REFUSED] = "book-refused",
	[CAIRN_AUDIT_DENIED] = "denied",
	[CAIRN_AUDIT_BAD_REPLY] = "bad-reply",
};

const char *
cairn_audit_event_name(enum cairn_audit_event ev)
{
	if ((int)ev < CAIRN_AUDIT_STARTED || ev > CAIRN_AUDIT_EVENT_MAX)
		return "unknown";
	return event_names[ev];
}

/* A NUL-terminated single line of text within size bytes, or "". */
static int
check_text(const char *s, size_t size)
{
	size_t	len;

	len = strnlen(s, size);
	if (len == size)
		return CAIRN_EFIELD;
	if (cairn_valid_text(s, len, CAIRN_ADDRESS_MAX, 0) != 0)
		return CAIRN_EFIELD;
	return 0;
}

/* Points pb at rec's fields (no copies); the hash field is left empty. */
static void
to_pb(Cairn__V1__AuditRecord *pb, const struct cairn_audit_record *rec)
{
	cairn__v1__audit_record__init(pb);
	pb->seq = rec->seq;
	pb->time_ms = rec->time_ms;
	pb->event = (uint32_t)rec->event;
	if (rec->has_msg_id) {
		pb->msg_id.data = (uint8_t *)rec->msg_id;
		pb->msg_id.len = CAIRN_MSG_ID_BYTES;
	}
	pb->local = (char *)rec->local;
	pb->remote = (char *)rec->remote;
	if (rec->has_envelope_hash) {
		pb->envelope_hash.data = (uint8_t *)rec->envelope_hash;
		pb->envelope_hash.len = CAIRN_HASH_BYTES;
	}
	pb->code = rec->code;
	pb->uid = rec->uid;
	pb->prev_hash.data = (uint8_t *)rec->prev_hash;
	pb->prev_hash.len = CAIRN_HASH_BYTES;
}

/*
 * Hashes pb as it would be encoded with an empty hash field; pb->hash is
 * restored before returning.
 */
static int
record_hash(uint8_t hash[static CAIRN_HASH_BYTES], Cairn__V1__AuditRecord *pb)
{
	ProtobufCBinaryData saved = pb->hash;
	uint8_t	*body = NULL;
	size_t	 bodylen;
	int	 rc;

	pb->hash.data = NULL;
	pb->hash.len = 0;
	rc = cairn_pb_pack(&pb->base, &body, &bodylen);
	pb->hash = saved;
	if (rc != 0)
		return rc;
	cairn_sig_digest(hash, CAIRN_DOMAIN_AUDIT, pb->prev_hash.data,
	    pb->prev_hash.len, body, bodylen);
	free(body);
	return 0;
}

int
cairn_audit_seal(struct cairn_audit_record *rec, uint8_t **out,
    size_t *outlen)
{
	Cairn__V1__AuditRecord pb;
	int	rc;

	*out = NULL;
	*outlen = 0;
	if ((int)rec->event < CAIRN_AUDIT_STARTED ||
	    rec->event > CAIRN_AUDIT_EVENT_MAX)
		return CAIRN_EFIELD;
	if (check_text(rec->local, sizeof(rec->local)) != 0 ||
	    check_text(rec->remote, sizeof(rec->remote)) != 0)
		return CAIRN_EFIELD;
	to_pb(&pb, rec);
	if ((rc = record_hash(rec->hash, &pb)) != 0)
		return rc;
	pb.hash.data = rec->hash;
	pb.hash.len = CAIRN_HASH_BYTES;
	return cairn_pb_pack(&pb.base, out, outlen);
}

int
cairn_audit_open(struct cairn_audit_record *rec, const uint8_t *buf,
    size_t len)
{
	struct cairn_pb_budget budget;
	Cairn__V1__AuditRecord *pb;
	uint8_t	 hash[CAIRN_HASH_BYTES];
	uint8_t	*canon = NULL;
	size_t	 canonlen;
	int	 rc;

	memset(rec, 0, sizeof(*rec));
	if (len > CAIRN_AUDIT_MAX_BYTES)
		return CAIRN_ETOOBIG;
	pb = (Cairn__V1__AuditRecord *)cairn_pb_unpack(
	    &cairn__v1__audit_record__descriptor, &budget, buf, len);
	if (pb == NULL)
		return CAIRN_EMALFORMED;

	rc = CAIRN_EFIELD;
	if (pb->event < CAIRN_AUDIT_STARTED ||
	    pb->event > CAIRN_AUDIT_EVENT_MAX)
		goto out;
	if (pb->msg_id.len != 0 && pb->msg_id.len != CAIRN_MSG_ID_BYTES)
		goto out;
	if (pb->envelope_hash.len != 0 &&
	    pb->envelope_hash.len != CAIRN_HASH_BYTES)
		goto out;
	if (pb->prev_hash.len != CAIRN_HASH_BYTES ||
	    pb->hash.len != CAIRN_HASH_BYTES)
		goto out;
	if (strlen(pb->local) > CAIRN_ADDRESS_MAX ||
	    strlen(pb->remote) > CAIRN_ADDRESS_MAX)
		goto out;
	strcpy(rec->local, pb->local);
	strcpy(rec->remote, pb->remote);
	if (check_text(rec->local, sizeof(rec->local)) != 0 ||
	    check_text(rec->remote, sizeof(rec->remote)) != 0)
		goto out;

	/* Unknown fields, repeats, odd varints or a NUL inside a string. */
	if ((rc = cairn_pb_pack(&pb->base, &canon, &canonlen)) != 0)
		goto out;
	if (canonlen != len || memcmp(canon, buf, len) != 0) {
		rc = CAIRN_EMALFORMED;
		goto out;
	}

	if ((rc = record_hash(hash, pb)) != 0)
		goto out;
	if (sodium_memcmp(hash, pb->hash.data, CAIRN_HASH_BYTES) != 0) {
		rc = CAIRN_ECORRUPT;
		goto out;
	}

	rec->seq = pb->seq;
	rec->time_ms = pb->time_ms;
	rec->event = (enum cairn_audit_event)pb->event;
	rec->has_msg_id = pb->msg_id.len != 0;
	if (rec->has_msg_id)
		memcpy(rec->msg_id, pb->msg_id.data, CAIRN_MSG_ID_BYTES);
	rec->has_envelope_hash = pb->envelope_hash.len != 0;
	if (rec->has_envelope_hash)
		memcpy(rec->envelope_hash, pb->envelope_hash.data,
		    CAIRN_HASH_BYTES);
	rec->code = pb->code;
	rec->uid = pb->uid;
	memcpy(rec->prev_hash, pb->prev_hash.data, CAIRN_HASH_BYTES);
	memcpy(rec->hash, pb->hash.data, CAIRN_HASH_BYTES);
	rc = 0;
out:
	if (rc != 0)
		memset(rec, 0, sizeof(*rec));
	free(canon);
	cairn_pb_free(&pb->base, &budget);
	return rc;
}
