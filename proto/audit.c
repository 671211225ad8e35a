/* SPDX-License-Identifier: MIT */
/*
 * Audit records and their hash chain (see audit.h).  A record's hash is
 * the digest, in the audit domain, of prev_hash and the record's own
 * encoding with the hash field left empty.  Opening accepts only the
 * canonical encoding (what cairn_audit_seal() would write for the same
 * fields), so that each record has exactly one byte form: a changed byte
 * either breaks the parse, the canonical form or the hash.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "proto/audit.h"
#include "proto/cairn.pb-c.h"
#include "proto/pbutil.h"

struct item_text;
struct fields;
struct msg;

static int	check_text(const char *s, size_t size);
static void	to_pb(Cairn__V1__AuditRecord *pb,
		    const struct cairn_audit_record *rec);
static int	record_hash(uint8_t hash[static CAIRN_HASH_BYTES],
		    Cairn__V1__AuditRecord *pb);
static int	checkpoint_fields_ok(const struct cairn_audit_checkpoint *cp);
static int	checkpoint_digest(uint8_t digest[static CAIRN_DIGEST_BYTES],
		    const struct cairn_audit_checkpoint *cp);
static void	set_fault(struct cairn_audit_verifier *v,
		    enum cairn_audit_fault f, uint64_t seq, int code);
static int	cp_cmp(const void *a, const void *b);
static void	verifier_begin(struct cairn_audit_verifier *v);
static int	chain_fault(struct cairn_audit_verifier *v,
		    enum cairn_audit_fault f, uint64_t seq, int code);
static int	check_org(const char *org, size_t size);
static int	event_parse(const char *name, enum cairn_audit_event *ev);
static int	item_text(struct item_text *t,
		    const struct cairn_audit_item *it);
static json_t	*item_json(const struct cairn_audit_item *it,
		    const struct item_text *t);
static int	csv_put(FILE *f, const char *s, bool last);
static int	item_csv(const struct cairn_audit_item *it,
		    const struct item_text *t, char **out, size_t *outlen);
static int	parse_int(const char *s, int64_t min, uint64_t max,
		    uint64_t *out);
static int	parse_i64(const char *s, int64_t *out);
static int	parse_seq(const char *s, bool zero_ok, uint64_t *out);
static int	parse_hex(uint8_t *buf, size_t len, const char *hex);
static int	parse_text(char *dst, size_t size, const char *s);
static int	fields_to_item(struct cairn_audit_item *it,
		    const struct fields *f);
static int	item_type_of(const char *name);
static int	csv_split(char *buf, struct fields *f);
static const char *json_key(int type, int col);
static int	json_split(json_t *o, int type, struct fields *f,
		    char num[][24]);
static int	json_fields_ok(char num[][24], int type);
static size_t	msg_slot(const struct cairn_audit_reconcile *r,
		    const struct msg *tab, size_t cap, const uint8_t *id);
static struct msg *msg_get(struct cairn_audit_reconcile *r,
		    const uint8_t *id);
static bool	addr_in_org(const char *addr, const char *org);
static int	msg_cmp(const void *a, const void *b);
static int	check_reply(const struct cairn_audit_reconcile *r,
		    const struct msg *m, int s, enum cairn_reply_type type);
static const char *sender_outcome(uint32_t ev);
static const char *receiver_outcome(uint32_t ev);
static void	judge(const struct cairn_audit_reconcile *r,
		    const struct msg *m, int s, struct cairn_audit_finding *f);

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

int
cairn_audit_check(const struct cairn_audit_record *rec)
{
	Cairn__V1__AuditRecord pb;
	uint8_t	hash[CAIRN_HASH_BYTES];
	int	rc;

	if ((int)rec->event < CAIRN_AUDIT_STARTED ||
	    rec->event > CAIRN_AUDIT_EVENT_MAX)
		return CAIRN_EFIELD;
	if (check_text(rec->local, sizeof(rec->local)) != 0 ||
	    check_text(rec->remote, sizeof(rec->remote)) != 0)
		return CAIRN_EFIELD;
	to_pb(&pb, rec);
	if ((rc = record_hash(hash, &pb)) != 0)
		return rc;
	if (sodium_memcmp(hash, rec->hash, CAIRN_HASH_BYTES) != 0)
		return CAIRN_ECORRUPT;
	return 0;
}

/* ---- checkpoints --------------------------------------------------------- */

static int
checkpoint_fields_ok(const struct cairn_audit_checkpoint *cp)
{
	if (cp->seq == 0 || cp->seq > INT64_MAX)
		return CAIRN_EFIELD;
	if (strnlen(cp->org, sizeof(cp->org)) == sizeof(cp->org) ||
	    cairn_valid_org_id(cp->org) != 0)
		return CAIRN_EFIELD;
	return 0;
}

/* The digest a checkpoint signature covers: fields 1-4, encoded. */
static int
checkpoint_digest(uint8_t digest[static CAIRN_DIGEST_BYTES],
    const struct cairn_audit_checkpoint *cp)
{
	Cairn__V1__AuditCheckpoint pb;
	uint8_t	*body;
	size_t	 len;
	int	 rc;

	cairn__v1__audit_checkpoint__init(&pb);
	pb.seq = cp->seq;
	pb.head_hash.data = (uint8_t *)cp->head_hash;
	pb.head_hash.len = CAIRN_HASH_BYTES;
	pb.time_ms = cp->time_ms;
	pb.org = (char *)cp->org;
	if ((rc = cairn_pb_pack(&pb.base, &body, &len)) != 0)
		return rc;
	cairn_sig_digest(digest, CAIRN_DOMAIN_CHECKPOINT, body, len, NULL, 0);
	free(body);
	return 0;
}

int
cairn_audit_checkpoint_sign(struct cairn_audit_checkpoint *cp,
    const struct cairn_signer *s, uint8_t **out, size_t *outlen)
{
	Cairn__V1__AuditCheckpoint pb;
	uint8_t	digest[CAIRN_DIGEST_BYTES];
	int	rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = checkpoint_fields_ok(cp)) != 0)
		return rc;
	if ((rc = checkpoint_digest(digest, cp)) != 0)
		return rc;
	if ((rc = s->sign(s->arg, cp->signature, digest)) != 0)
		return rc;
	memcpy(cp->signer_key_id, s->key_id, CAIRN_KEY_ID_BYTES);
	cairn__v1__audit_checkpoint__init(&pb);
	pb.seq = cp->seq;
	pb.head_hash.data = cp->head_hash;
	pb.head_hash.len = CAIRN_HASH_BYTES;
	pb.time_ms = cp->time_ms;
	pb.org = cp->org;
	pb.signer_key_id.data = cp->signer_key_id;
	pb.signer_key_id.len = CAIRN_KEY_ID_BYTES;
	pb.signature.data = cp->signature;
	pb.signature.len = CAIRN_SIG_BYTES;
	return cairn_pb_pack(&pb.base, out, outlen);
}

int
cairn_audit_checkpoint_open(struct cairn_audit_checkpoint *cp,
    const uint8_t *buf, size_t len)
{
	struct cairn_pb_budget budget;
	Cairn__V1__AuditCheckpoint *pb;
	uint8_t	*canon = NULL;
	size_t	 canonlen;
	int	 rc;

	memset(cp, 0, sizeof(*cp));
	if (len > CAIRN_AUDIT_CHECKPOINT_MAX_BYTES)
		return CAIRN_ETOOBIG;
	pb = (Cairn__V1__AuditCheckpoint *)cairn_pb_unpack(
	    &cairn__v1__audit_checkpoint__descriptor, &budget, buf, len);
	if (pb == NULL)
		return CAIRN_EMALFORMED;
	rc = CAIRN_EFIELD;
	if (strlen(pb->org) > CAIRN_ORG_ID_MAX)
		goto out;
	if (cairn_pb_exact(cp->head_hash, &pb->head_hash,
	    CAIRN_HASH_BYTES) != 0 ||
	    cairn_pb_exact(cp->signer_key_id, &pb->signer_key_id,
	    CAIRN_KEY_ID_BYTES) != 0 ||
	    cairn_pb_exact(cp->signature, &pb->signature,
	    CAIRN_SIG_BYTES) != 0)
		goto out;
	strcpy(cp->org, pb->org);
	cp->seq = pb->seq;
	cp->time_ms = pb->time_ms;
	if ((rc = checkpoint_fields_ok(cp)) != 0)
		goto out;
	if ((rc = cairn_pb_pack(&pb->base, &canon, &canonlen)) != 0)
		goto out;
	if (canonlen != len || memcmp(canon, buf, len) != 0)
		rc = CAIRN_EMALFORMED;
out:
	if (rc != 0)
		memset(cp, 0, sizeof(*cp));
	free(canon);
	cairn_pb_free(&pb->base, &budget);
	return rc;
}

int
cairn_audit_checkpoint_verify(const struct cairn_audit_checkpoint *cp,
    const struct cairn_pubkey *key)
{
	uint8_t	digest[CAIRN_DIGEST_BYTES];
	int	rc;

	if ((rc = checkpoint_fields_ok(cp)) != 0)
		return rc;
	if (memcmp(key->key_id, cp->signer_key_id, CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_EKEYMISMATCH;
	if ((rc = checkpoint_digest(digest, cp)) != 0)
		return rc;
	if ((rc = cairn_sig_verify(cp->signature, digest, key->pk)) != 0)
		return rc;
	if (cp->time_ms < key->valid_from_ms ||
	    cp->time_ms >= key->valid_until_ms)
		return CAIRN_EKEYEXPIRED;
	return 0;
}

/* ---- chain verification -------------------------------------------------- */

struct cairn_audit_verifier {
	struct cairn_audit_keys	 keys;
	char			 org[CAIRN_ORG_ID_MAX + 1];
	uint64_t		 first_seq;
	struct cairn_audit_checkpoint *cps;	/* good signatures only */
	size_t			 ncps, capcps, nextcp;
	bool			 started;	/* a record came */
	bool			 broken;	/* a fault among records */
	uint64_t		 next_seq;
	bool			 have_prev;
	uint8_t			 prev[CAIRN_HASH_BYTES];
	uint64_t		 records, first, last;
	uint64_t		 matched;
	bool			 has_good;
	struct cairn_audit_checkpoint good;
	bool			 has_head;
	uint64_t		 head_seq;
	uint8_t			 head_hash[CAIRN_HASH_BYTES];
	enum cairn_audit_fault	 fault;
	uint64_t		 bad_seq;
	int			 code;
};

static const char *fault_names[] = {
	[CAIRN_AUDIT_FAULT_NONE] = "sound",
	[CAIRN_AUDIT_FAULT_RECORD] = "record does not decode",
	[CAIRN_AUDIT_FAULT_HASH] = "record hash does not match its fields",
	[CAIRN_AUDIT_FAULT_LINK] = "record does not link to the one before",
	[CAIRN_AUDIT_FAULT_SEQ] = "sequence number missing, repeated or "
	    "out of order",
	[CAIRN_AUDIT_FAULT_CHECKPOINT] = "signed checkpoint names another "
	    "head hash",
	[CAIRN_AUDIT_FAULT_SIGNATURE] = "checkpoint signature does not "
	    "verify",
	[CAIRN_AUDIT_FAULT_TRUNCATED] = "records missing after a checkpoint "
	    "or the head",
	[CAIRN_AUDIT_FAULT_HEAD] = "stored head disagrees with the last "
	    "record",
};

const char *
cairn_audit_fault_name(enum cairn_audit_fault f)
{
	if ((int)f < 0 || f > CAIRN_AUDIT_FAULT_MAX)
		return "unknown";
	return fault_names[f];
}

/* Keeps the fault with the lowest sequence number. */
static void
set_fault(struct cairn_audit_verifier *v, enum cairn_audit_fault f,
    uint64_t seq, int code)
{
	if (v->fault != CAIRN_AUDIT_FAULT_NONE && v->bad_seq <= seq)
		return;
	v->fault = f;
	v->bad_seq = seq;
	v->code = code;
}

int
cairn_audit_verifier_new(struct cairn_audit_verifier **out,
    const struct cairn_audit_keys *keys, const char *org)
{
	struct cairn_audit_verifier *v;

	*out = NULL;
	if (org != NULL && (strlen(org) > CAIRN_ORG_ID_MAX ||
	    cairn_valid_org_id(org) != 0))
		return CAIRN_EINVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -ENOMEM;
	v->keys = *keys;
	if (org != NULL)
		strcpy(v->org, org);
	v->first_seq = 1;
	*out = v;
	return 0;
}

void
cairn_audit_verifier_free(struct cairn_audit_verifier *v)
{
	if (v == NULL)
		return;
	free(v->cps);
	free(v);
}

void
cairn_audit_verifier_start(struct cairn_audit_verifier *v, uint64_t first_seq)
{
	if (!v->started && first_seq > 0)
		v->first_seq = first_seq;
}

int
cairn_audit_verifier_checkpoint(struct cairn_audit_verifier *v,
    const struct cairn_audit_checkpoint *cp)
{
	struct cairn_audit_checkpoint *n;
	struct cairn_pubkey key;
	size_t	cap;
	int	rc;

	if (v->started)
		return CAIRN_ESTATE;
	if (cp->seq < v->first_seq)
		return 0;
	if (v->org[0] != '\0' && strcmp(cp->org, v->org) != 0) {
		set_fault(v, CAIRN_AUDIT_FAULT_SIGNATURE, cp->seq,
		    CAIRN_ESENDER);
		return CAIRN_ESENDER;
	}
	if ((rc = v->keys.lookup(v->keys.arg, cp->org, cp->signer_key_id,
	    &key)) != 0 || (rc = cairn_audit_checkpoint_verify(cp,
	    &key)) != 0) {
		set_fault(v, CAIRN_AUDIT_FAULT_SIGNATURE, cp->seq, rc);
		return rc;
	}
	if (v->org[0] == '\0')
		strcpy(v->org, cp->org);
	if (v->ncps == v->capcps) {
		cap = v->capcps ? 2 * v->capcps : 64;
		if ((n = reallocarray(v->cps, cap, sizeof(*n))) == NULL)
			return -ENOMEM;
		v->cps = n;
		v->capcps = cap;
	}
	v->cps[v->ncps++] = *cp;
	return 0;
}

static int
cp_cmp(const void *a, const void *b)
{
	const struct cairn_audit_checkpoint *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
verifier_begin(struct cairn_audit_verifier *v)
{
	if (v->started)
		return;
	v->started = true;
	if (v->ncps > 1)
		qsort(v->cps, v->ncps, sizeof(*v->cps), cp_cmp);
	v->next_seq = v->first_seq;
	/* A whole chain starts from 32 zero bytes; a slice from its own. */
	v->have_prev = v->first_seq == 1;
	memset(v->prev, 0, sizeof(v->prev));
}

static int
chain_fault(struct cairn_audit_verifier *v, enum cairn_audit_fault f,
    uint64_t seq, int code)
{
	set_fault(v, f, seq, code);
	v->broken = true;
	return CAIRN_ECORRUPT;
}

int
cairn_audit_verifier_record(struct cairn_audit_verifier *v,
    const struct cairn_audit_record *rec)
{
	struct cairn_audit_checkpoint *cp;
	int	rc;

	verifier_begin(v);
	if (v->broken)
		return CAIRN_ECORRUPT;
	if (rec->seq != v->next_seq)
		return chain_fault(v, CAIRN_AUDIT_FAULT_SEQ, v->next_seq,
		    CAIRN_ECORRUPT);
	if ((rc = cairn_audit_check(rec)) != 0)
		return chain_fault(v, CAIRN_AUDIT_FAULT_HASH, rec->seq, rc);
	if (v->have_prev && memcmp(rec->prev_hash, v->prev,
	    CAIRN_HASH_BYTES) != 0)
		return chain_fault(v, CAIRN_AUDIT_FAULT_LINK, rec->seq,
		    CAIRN_ECORRUPT);
	for (; v->nextcp < v->ncps; v->nextcp++) {
		cp = &v->cps[v->nextcp];
		if (cp->seq > rec->seq)
			break;
		if (cp->seq < rec->seq)
			continue;	/* unreachable: seqs are contiguous */
		if (memcmp(cp->head_hash, rec->hash, CAIRN_HASH_BYTES) != 0)
			return chain_fault(v, CAIRN_AUDIT_FAULT_CHECKPOINT,
			    rec->seq, CAIRN_ECORRUPT);
		v->matched++;
		if (v->fault == CAIRN_AUDIT_FAULT_NONE || cp->seq < v->bad_seq) {
			v->has_good = true;
			v->good = *cp;
		}
	}
	if (v->records == 0)
		v->first = rec->seq;
	v->records++;
	v->last = rec->seq;
	v->next_seq = rec->seq + 1;
	memcpy(v->prev, rec->hash, CAIRN_HASH_BYTES);
	v->have_prev = true;
	return 0;
}

int
cairn_audit_verifier_bad_record(struct cairn_audit_verifier *v,
    uint64_t at_seq, int code)
{
	verifier_begin(v);
	if (v->broken)
		return CAIRN_ECORRUPT;
	return chain_fault(v, code == CAIRN_ECORRUPT ? CAIRN_AUDIT_FAULT_HASH :
	    CAIRN_AUDIT_FAULT_RECORD, at_seq != 0 ? at_seq : v->next_seq,
	    code);
}

int
cairn_audit_verifier_bad_checkpoint(struct cairn_audit_verifier *v,
    uint64_t at_seq, int code)
{
	set_fault(v, CAIRN_AUDIT_FAULT_SIGNATURE, at_seq, code);
	return code;
}

void
cairn_audit_verifier_head(struct cairn_audit_verifier *v, uint64_t seq,
    const uint8_t hash[static CAIRN_HASH_BYTES])
{
	v->has_head = true;
	v->head_seq = seq;
	memcpy(v->head_hash, hash, CAIRN_HASH_BYTES);
}

int
cairn_audit_verifier_finish(struct cairn_audit_verifier *v,
    struct cairn_audit_result *res)
{
	uint64_t end;

	verifier_begin(v);
	end = v->records > 0 ? v->last : v->first_seq - 1;
	if (!v->broken) {
		/* A signed checkpoint past the last record: its tail is gone. */
		if (v->nextcp < v->ncps)
			set_fault(v, CAIRN_AUDIT_FAULT_TRUNCATED, end + 1,
			    CAIRN_ETRUNCATED);
		if (v->has_head && v->head_seq > end)
			set_fault(v, CAIRN_AUDIT_FAULT_TRUNCATED, end + 1,
			    CAIRN_ETRUNCATED);
		else if (v->has_head && v->head_seq < end)
			set_fault(v, CAIRN_AUDIT_FAULT_HEAD, v->head_seq + 1,
			    CAIRN_ECORRUPT);
		else if (v->has_head && end > 0 && memcmp(v->head_hash,
		    v->prev, CAIRN_HASH_BYTES) != 0)
			set_fault(v, CAIRN_AUDIT_FAULT_HEAD, end,
			    CAIRN_ECORRUPT);
	}
	memset(res, 0, sizeof(*res));
	res->records = v->records;
	res->first_seq = v->first;
	res->last_seq = v->last;
	res->checkpoints = v->matched;
	res->has_checkpoint = v->has_good;
	if (v->has_good) {
		res->last_checkpoint = v->good;
		res->unsigned_records = v->last - v->good.seq;
	} else
		res->unsigned_records = v->records;
	res->fault = v->fault;
	res->bad_seq = v->bad_seq;
	res->code = v->code;
	return v->fault == CAIRN_AUDIT_FAULT_NONE ? 0 : CAIRN_ECORRUPT;
}

/* ---- exports ------------------------------------------------------------- */

#define CSV_COLUMNS	18
#define HEX_HASH_BYTES	(2 * CAIRN_HASH_BYTES + 1)
#define HEX_SIG_BYTES	(2 * CAIRN_SIG_BYTES + 1)
#define HEX_KEYID_BYTES	(2 * CAIRN_KEY_ID_BYTES + 1)
#define HEX_ID_BYTES	(2 * CAIRN_MSG_ID_BYTES + 1)
#define B64_REPLY_BYTES	sodium_base64_ENCODED_LEN(CAIRN_REPLY_MAX_BYTES, \
			    sodium_base64_VARIANT_ORIGINAL)

enum csv_col {
	COL_TYPE, COL_SEQ, COL_TIME, COL_EVENT, COL_MSGID, COL_LOCAL,
	COL_REMOTE, COL_ENVHASH, COL_CODE, COL_UID, COL_PREV, COL_HASH,
	COL_ORG, COL_KEYID, COL_SIG, COL_REPLY, COL_VERSION, COL_LASTSEQ
};

static const char csv_columns[] = "type,seq,time_ms,event,msg_id,local,"
    "remote,envelope_hash,code,uid,prev_hash,hash,org,signer_key_id,"
    "signature,reply,version,last_seq\n";

static const char *item_names[] = {
	[CAIRN_AUDIT_ITEM_HEADER] = "header",
	[CAIRN_AUDIT_ITEM_CHECKPOINT] = "checkpoint",
	[CAIRN_AUDIT_ITEM_RECORD] = "record",
	[CAIRN_AUDIT_ITEM_RECEIPT] = "receipt",
};

const char *
cairn_audit_csv_columns(void)
{
	return csv_columns;
}

/* Text fields of an export hold what a record allows and nothing else. */
static int
check_org(const char *org, size_t size)
{
	if (strnlen(org, size) == size || cairn_valid_org_id(org) != 0)
		return CAIRN_EFIELD;
	return 0;
}

static int
event_parse(const char *name, enum cairn_audit_event *ev)
{
	int	i;

	for (i = CAIRN_AUDIT_STARTED; i <= CAIRN_AUDIT_EVENT_MAX; i++) {
		if (strcmp(name, event_names[i]) == 0) {
			*ev = (enum cairn_audit_event)i;
			return 0;
		}
	}
	return CAIRN_EFIELD;
}

/* The item's fields as text, shared by both formats. */
struct item_text {
	char	seq[24], time[24], code[16], uid[24], version[16];
	char	last[24];
	char	msg_id[HEX_ID_BYTES], envhash[HEX_HASH_BYTES];
	char	prev[HEX_HASH_BYTES], hash[HEX_HASH_BYTES];
	char	keyid[HEX_KEYID_BYTES], sig[HEX_SIG_BYTES];
	char	reply[B64_REPLY_BYTES];
};

static int
item_text(struct item_text *t, const struct cairn_audit_item *it)
{
	const struct cairn_audit_header *h = &it->u.header;
	const struct cairn_audit_checkpoint *cp = &it->u.checkpoint;
	const struct cairn_audit_record *r = &it->u.record;
	const struct cairn_audit_receipt *rc = &it->u.receipt;

	memset(t, 0, sizeof(*t));
	switch (it->type) {
	case CAIRN_AUDIT_ITEM_HEADER:
		if (check_org(h->org, sizeof(h->org)) != 0)
			return CAIRN_EFIELD;
		if (h->first_seq == 0 || h->first_seq > INT64_MAX ||
		    h->last_seq > INT64_MAX)
			return CAIRN_EINVAL;
		snprintf(t->seq, sizeof(t->seq), "%" PRIu64, h->first_seq);
		snprintf(t->last, sizeof(t->last), "%" PRIu64, h->last_seq);
		snprintf(t->time, sizeof(t->time), "%" PRId64, h->created_ms);
		snprintf(t->version, sizeof(t->version), "%" PRIu32,
		    h->version);
		return 0;
	case CAIRN_AUDIT_ITEM_CHECKPOINT:
		if (checkpoint_fields_ok(cp) != 0)
			return CAIRN_EFIELD;
		snprintf(t->seq, sizeof(t->seq), "%" PRIu64, cp->seq);
		snprintf(t->time, sizeof(t->time), "%" PRId64, cp->time_ms);
		cairn_sig_hex(t->hash, cp->head_hash, CAIRN_HASH_BYTES);
		cairn_sig_hex(t->keyid, cp->signer_key_id, CAIRN_KEY_ID_BYTES);
		cairn_sig_hex(t->sig, cp->signature, CAIRN_SIG_BYTES);
		return 0;
	case CAIRN_AUDIT_ITEM_RECORD:
		if ((int)r->event < CAIRN_AUDIT_STARTED ||
		    r->event > CAIRN_AUDIT_EVENT_MAX ||
		    check_text(r->local, sizeof(r->local)) != 0 ||
		    check_text(r->remote, sizeof(r->remote)) != 0)
			return CAIRN_EFIELD;
		if (r->seq == 0 || r->seq > INT64_MAX)
			return CAIRN_EINVAL;
		snprintf(t->seq, sizeof(t->seq), "%" PRIu64, r->seq);
		snprintf(t->time, sizeof(t->time), "%" PRId64, r->time_ms);
		snprintf(t->code, sizeof(t->code), "%" PRId32, r->code);
		snprintf(t->uid, sizeof(t->uid), "%" PRId64, r->uid);
		if (r->has_msg_id)
			cairn_sig_hex(t->msg_id, r->msg_id,
			    CAIRN_MSG_ID_BYTES);
		if (r->has_envelope_hash)
			cairn_sig_hex(t->envhash, r->envelope_hash,
			    CAIRN_HASH_BYTES);
		cairn_sig_hex(t->prev, r->prev_hash, CAIRN_HASH_BYTES);
		cairn_sig_hex(t->hash, r->hash, CAIRN_HASH_BYTES);
		return 0;
	case CAIRN_AUDIT_ITEM_RECEIPT:
		if (rc->len == 0 || rc->len > CAIRN_REPLY_MAX_BYTES)
			return CAIRN_EINVAL;
		cairn_sig_hex(t->msg_id, rc->msg_id, CAIRN_MSG_ID_BYTES);
		sodium_bin2base64(t->reply, sizeof(t->reply), rc->reply,
		    rc->len, sodium_base64_VARIANT_ORIGINAL);
		return 0;
	}
	return CAIRN_EINVAL;
}

static json_t *
item_json(const struct cairn_audit_item *it, const struct item_text *t)
{
	const struct cairn_audit_header *h = &it->u.header;
	const struct cairn_audit_checkpoint *cp = &it->u.checkpoint;
	const struct cairn_audit_record *r = &it->u.record;

	switch (it->type) {
	case CAIRN_AUDIT_ITEM_HEADER:
		return json_pack("{s:s, s:I, s:s, s:I, s:I, s:I}",
		    "type", "header",
		    "version", (json_int_t)h->version,
		    "org", h->org,
		    "created_ms", (json_int_t)h->created_ms,
		    "first_seq", (json_int_t)h->first_seq,
		    "last_seq", (json_int_t)h->last_seq);
	case CAIRN_AUDIT_ITEM_CHECKPOINT:
		return json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:s}",
		    "type", "checkpoint",
		    "seq", (json_int_t)cp->seq,
		    "head_hash", t->hash,
		    "time_ms", (json_int_t)cp->time_ms,
		    "org", cp->org,
		    "signer_key_id", t->keyid,
		    "signature", t->sig);
	case CAIRN_AUDIT_ITEM_RECORD:
		return json_pack("{s:s, s:I, s:I, s:s, s:s?, s:s, s:s, s:s?, "
		    "s:i, s:I, s:s, s:s}",
		    "type", "record",
		    "seq", (json_int_t)r->seq,
		    "time_ms", (json_int_t)r->time_ms,
		    "event", cairn_audit_event_name(r->event),
		    "msg_id", r->has_msg_id ? t->msg_id : NULL,
		    "local", r->local,
		    "remote", r->remote,
		    "envelope_hash", r->has_envelope_hash ? t->envhash : NULL,
		    "code", (int)r->code,
		    "uid", (json_int_t)r->uid,
		    "prev_hash", t->prev,
		    "hash", t->hash);
	case CAIRN_AUDIT_ITEM_RECEIPT:
		return json_pack("{s:s, s:s, s:s}",
		    "type", "receipt",
		    "msg_id", t->msg_id,
		    "reply", t->reply);
	}
	return NULL;
}

/* A CSV field; quoted when it holds a comma, a quote or edge spaces. */
static int
csv_put(FILE *f, const char *s, bool last)
{
	size_t	n = strlen(s);
	bool	quote;

	quote = strpbrk(s, ",\"") != NULL ||
	    (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
	if (quote) {
		fputc('"', f);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else
		fputs(s, f);
	return fputc(last ? '\n' : ',', f) == EOF ? -ENOMEM : 0;
}

static int
item_csv(const struct cairn_audit_item *it, const struct item_text *t,
    char **out, size_t *outlen)
{
	const char *col[CSV_COLUMNS];
	FILE	*f;
	int	 i, rc = 0;

	for (i = 0; i < CSV_COLUMNS; i++)
		col[i] = "";
	col[COL_TYPE] = item_names[it->type];
	switch (it->type) {
	case CAIRN_AUDIT_ITEM_HEADER:
		col[COL_SEQ] = t->seq;
		col[COL_TIME] = t->time;
		col[COL_ORG] = it->u.header.org;
		col[COL_VERSION] = t->version;
		col[COL_LASTSEQ] = t->last;
		break;
	case CAIRN_AUDIT_ITEM_CHECKPOINT:
		col[COL_SEQ] = t->seq;
		col[COL_TIME] = t->time;
		col[COL_HASH] = t->hash;
		col[COL_ORG] = it->u.checkpoint.org;
		col[COL_KEYID] = t->keyid;
		col[COL_SIG] = t->sig;
		break;
	case CAIRN_AUDIT_ITEM_RECORD:
		col[COL_SEQ] = t->seq;
		col[COL_TIME] = t->time;
		col[COL_EVENT] = cairn_audit_event_name(it->u.record.event);
		col[COL_MSGID] = t->msg_id;
		col[COL_LOCAL] = it->u.record.local;
		col[COL_REMOTE] = it->u.record.remote;
		col[COL_ENVHASH] = t->envhash;
		col[COL_CODE] = t->code;
		col[COL_UID] = t->uid;
		col[COL_PREV] = t->prev;
		col[COL_HASH] = t->hash;
		break;
	case CAIRN_AUDIT_ITEM_RECEIPT:
		col[COL_MSGID] = t->msg_id;
		col[COL_REPLY] = t->reply;
		break;
	}
	if ((f = open_memstream(out, outlen)) == NULL)
		return -ENOMEM;
	for (i = 0; i < CSV_COLUMNS && rc == 0; i++)
		rc = csv_put(f, col[i], i == CSV_COLUMNS - 1);
	if (fclose(f) != 0 || rc != 0) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return -ENOMEM;
	}
	return 0;
}

int
cairn_audit_item_format(const struct cairn_audit_item *it,
    enum cairn_audit_format fmt, char **out, size_t *outlen)
{
	struct item_text t;
	json_t	*j;
	char	*s;
	size_t	 n;
	int	 rc;

	*out = NULL;
	*outlen = 0;
	if (fmt != CAIRN_AUDIT_JSONL && fmt != CAIRN_AUDIT_CSV)
		return CAIRN_EINVAL;
	if ((rc = item_text(&t, it)) != 0)
		return rc;
	if (fmt == CAIRN_AUDIT_CSV)
		return item_csv(it, &t, out, outlen);
	if ((j = item_json(it, &t)) == NULL)
		return -ENOMEM;
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return -ENOMEM;
	n = strlen(s);
	/* json_dumps() memory is malloc'ed: make room for the newline. */
	if ((*out = realloc(s, n + 2)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	(*out)[n] = '\n';
	(*out)[n + 1] = '\0';
	*outlen = n + 1;
	return 0;
}

/* ---- parsing ---- */

/* A decimal integer in [min, max], nothing else (no sign for min >= 0). */
static int
parse_int(const char *s, int64_t min, uint64_t max, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0, lim;
	bool	neg = false;

	if (*p == '-' && min < 0) {
		neg = true;
		p++;
	}
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
		return CAIRN_EFIELD;
	lim = neg ? (uint64_t)(-(min + 1)) + 1 : max;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return CAIRN_EFIELD;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0' || (neg && v == 0))
		return CAIRN_EFIELD;
	*out = neg ? (uint64_t)0 - v : v;
	return 0;
}

static int
parse_i64(const char *s, int64_t *out)
{
	uint64_t v;

	if (parse_int(s, INT64_MIN, INT64_MAX, &v) != 0)
		return CAIRN_EFIELD;
	*out = (int64_t)v;
	return 0;
}

static int
parse_seq(const char *s, bool zero_ok, uint64_t *out)
{
	if (parse_int(s, 0, INT64_MAX, out) != 0 || (*out == 0 && !zero_ok))
		return CAIRN_EFIELD;
	return 0;
}

static int
parse_hex(uint8_t *buf, size_t len, const char *hex)
{
	return cairn_sig_unhex(buf, len, hex) == 0 ? 0 : CAIRN_EFIELD;
}

static int
parse_text(char *dst, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return CAIRN_EFIELD;
	strcpy(dst, s);
	return check_text(dst, size);
}

/* The fields of one line, by CSV column, whatever the format. */
struct fields {
	const char	*col[CSV_COLUMNS];
	bool		 has[CSV_COLUMNS];
};

static int
fields_to_item(struct cairn_audit_item *it, const struct fields *f)
{
	struct cairn_audit_header *h = &it->u.header;
	struct cairn_audit_checkpoint *cp = &it->u.checkpoint;
	struct cairn_audit_record *r = &it->u.record;
	struct cairn_audit_receipt *rc = &it->u.receipt;
	const char *b64end;
	uint64_t v;
	int	 i;

	memset(it, 0, sizeof(*it));
	for (i = CAIRN_AUDIT_ITEM_HEADER; i <= CAIRN_AUDIT_ITEM_RECEIPT; i++)
		if (strcmp(f->col[COL_TYPE], item_names[i]) == 0)
			it->type = (enum cairn_audit_item_type)i;
	switch (it->type) {
	case CAIRN_AUDIT_ITEM_HEADER:
		if (parse_int(f->col[COL_VERSION], 0, UINT32_MAX, &v) != 0)
			return CAIRN_EFIELD;
		if (v != CAIRN_AUDIT_EXPORT_VERSION)
			return CAIRN_EVERSION;
		h->version = (uint32_t)v;
		if (strlen(f->col[COL_ORG]) >= sizeof(h->org))
			return CAIRN_EFIELD;
		strcpy(h->org, f->col[COL_ORG]);
		if (check_org(h->org, sizeof(h->org)) != 0 ||
		    parse_i64(f->col[COL_TIME], &h->created_ms) != 0 ||
		    parse_seq(f->col[COL_SEQ], false, &h->first_seq) != 0 ||
		    parse_seq(f->col[COL_LASTSEQ], true, &h->last_seq) != 0)
			return CAIRN_EFIELD;
		return 0;
	case CAIRN_AUDIT_ITEM_CHECKPOINT:
		if (strlen(f->col[COL_ORG]) >= sizeof(cp->org))
			return CAIRN_EFIELD;
		strcpy(cp->org, f->col[COL_ORG]);
		if (check_org(cp->org, sizeof(cp->org)) != 0 ||
		    parse_seq(f->col[COL_SEQ], false, &cp->seq) != 0 ||
		    parse_i64(f->col[COL_TIME], &cp->time_ms) != 0 ||
		    parse_hex(cp->head_hash, CAIRN_HASH_BYTES,
		    f->col[COL_HASH]) != 0 ||
		    parse_hex(cp->signer_key_id, CAIRN_KEY_ID_BYTES,
		    f->col[COL_KEYID]) != 0 ||
		    parse_hex(cp->signature, CAIRN_SIG_BYTES,
		    f->col[COL_SIG]) != 0)
			return CAIRN_EFIELD;
		return 0;
	case CAIRN_AUDIT_ITEM_RECORD:
		if (parse_seq(f->col[COL_SEQ], false, &r->seq) != 0 ||
		    parse_i64(f->col[COL_TIME], &r->time_ms) != 0 ||
		    event_parse(f->col[COL_EVENT], &r->event) != 0 ||
		    parse_text(r->local, sizeof(r->local),
		    f->col[COL_LOCAL]) != 0 ||
		    parse_text(r->remote, sizeof(r->remote),
		    f->col[COL_REMOTE]) != 0 ||
		    parse_int(f->col[COL_CODE], INT32_MIN, INT32_MAX,
		    &v) != 0 ||
		    parse_i64(f->col[COL_UID], &r->uid) != 0 ||
		    parse_hex(r->prev_hash, CAIRN_HASH_BYTES,
		    f->col[COL_PREV]) != 0 ||
		    parse_hex(r->hash, CAIRN_HASH_BYTES, f->col[COL_HASH]) != 0)
			return CAIRN_EFIELD;
		r->code = (int32_t)(int64_t)v;
		r->has_msg_id = f->has[COL_MSGID];
		if (r->has_msg_id && parse_hex(r->msg_id, CAIRN_MSG_ID_BYTES,
		    f->col[COL_MSGID]) != 0)
			return CAIRN_EFIELD;
		r->has_envelope_hash = f->has[COL_ENVHASH];
		if (r->has_envelope_hash && parse_hex(r->envelope_hash,
		    CAIRN_HASH_BYTES, f->col[COL_ENVHASH]) != 0)
			return CAIRN_EFIELD;
		return 0;
	case CAIRN_AUDIT_ITEM_RECEIPT:
		if (parse_hex(rc->msg_id, CAIRN_MSG_ID_BYTES,
		    f->col[COL_MSGID]) != 0)
			return CAIRN_EFIELD;
		if (strlen(f->col[COL_REPLY]) >= B64_REPLY_BYTES ||
		    sodium_base642bin(rc->reply, sizeof(rc->reply),
		    f->col[COL_REPLY], strlen(f->col[COL_REPLY]), NULL,
		    &rc->len, &b64end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    *b64end != '\0' || rc->len == 0)
			return CAIRN_EFIELD;
		return 0;
	}
	return CAIRN_EFIELD;
}

/* Which columns each item type has: the rest must be empty in CSV. */
static const uint32_t item_cols[] = {
	[CAIRN_AUDIT_ITEM_HEADER] = 1u << COL_TYPE | 1u << COL_SEQ |
	    1u << COL_TIME | 1u << COL_ORG | 1u << COL_VERSION |
	    1u << COL_LASTSEQ,
	[CAIRN_AUDIT_ITEM_CHECKPOINT] = 1u << COL_TYPE | 1u << COL_SEQ |
	    1u << COL_TIME | 1u << COL_HASH | 1u << COL_ORG |
	    1u << COL_KEYID | 1u << COL_SIG,
	[CAIRN_AUDIT_ITEM_RECORD] = 1u << COL_TYPE | 1u << COL_SEQ |
	    1u << COL_TIME | 1u << COL_EVENT | 1u << COL_MSGID |
	    1u << COL_LOCAL | 1u << COL_REMOTE | 1u << COL_ENVHASH |
	    1u << COL_CODE | 1u << COL_UID | 1u << COL_PREV | 1u << COL_HASH,
	[CAIRN_AUDIT_ITEM_RECEIPT] = 1u << COL_TYPE | 1u << COL_MSGID |
	    1u << COL_REPLY,
};

/* JSON key of each column; see json_key() for the exceptions. */
static const char *col_keys[CSV_COLUMNS] = {
	"type", "seq", "time_ms", "event", "msg_id", "local", "remote",
	"envelope_hash", "code", "uid", "prev_hash", "hash", "org",
	"signer_key_id", "signature", "reply", "version", "last_seq"
};

static int
item_type_of(const char *name)
{
	int	i;

	for (i = CAIRN_AUDIT_ITEM_HEADER; i <= CAIRN_AUDIT_ITEM_RECEIPT; i++)
		if (strcmp(name, item_names[i]) == 0)
			return i;
	return 0;
}

/*
 * Splits a CSV line into its columns (in place, in buf).  Quoted fields
 * are unquoted; an empty unquoted field counts as absent.
 */
static int
csv_split(char *buf, struct fields *f)
{
	char	*p = buf, *w;
	int	 n = 0;

	for (;;) {
		if (n == CSV_COLUMNS)
			return CAIRN_EMALFORMED;
		f->col[n] = w = p;
		if (*p == '"') {
			for (p++;; p++) {
				if (*p == '\0')
					return CAIRN_EMALFORMED;
				if (*p == '"' && p[1] == '"')
					p++;
				else if (*p == '"')
					break;
				*w++ = *p;
			}
			p++;
			f->has[n] = true;
		} else {
			for (; *p != ',' && *p != '\0'; p++) {
				if (*p == '"')
					return CAIRN_EMALFORMED;
				*w++ = *p;
			}
			f->has[n] = w != f->col[n];
		}
		n++;
		if (*p == '\0') {
			*w = '\0';
			break;
		}
		if (*p != ',')
			return CAIRN_EMALFORMED;
		*w = '\0';
		p++;
	}
	return n == CSV_COLUMNS ? 0 : CAIRN_EMALFORMED;
}

/* The JSON key of a column in an item of this type. */
static const char *
json_key(int type, int col)
{
	if (type == CAIRN_AUDIT_ITEM_HEADER && col == COL_SEQ)
		return "first_seq";
	if (type == CAIRN_AUDIT_ITEM_HEADER && col == COL_TIME)
		return "created_ms";
	if (type == CAIRN_AUDIT_ITEM_CHECKPOINT && col == COL_HASH)
		return "head_hash";
	return col_keys[col];
}

/* Fills f from one JSON object; numbers become text like in CSV. */
static int
json_split(json_t *o, int type, struct fields *f, char num[][24])
{
	const char *key;
	json_t	*val;
	int	 i;

	json_object_foreach(o, key, val) {
		for (i = 0; i < CSV_COLUMNS; i++)
			if (strcmp(key, json_key(type, i)) == 0)
				break;
		if (i == CSV_COLUMNS || f->has[i])
			return CAIRN_EFIELD;
		if (json_is_null(val)) {
			f->has[i] = false;
			f->col[i] = "";
			num[i][0] = 'n';	/* seen, null */
			continue;
		}
		if (json_is_integer(val)) {
			snprintf(num[i], 24, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(val));
			f->col[i] = num[i];
		} else if (json_is_string(val)) {
			if (strlen(json_string_value(val)) !=
			    json_string_length(val))
				return CAIRN_EFIELD;
			f->col[i] = json_string_value(val);
		} else
			return CAIRN_EFIELD;
		f->has[i] = true;
		num[i][0] = num[i][0] ? num[i][0] : 's';
	}
	return 0;
}

static int
json_fields_ok(char num[][24], int type)
{
	static const uint32_t numeric = 1u << COL_SEQ | 1u << COL_TIME |
	    1u << COL_CODE | 1u << COL_UID | 1u << COL_VERSION |
	    1u << COL_LASTSEQ;
	static const uint32_t nullable = 1u << COL_MSGID |
	    1u << COL_ENVHASH;
	uint32_t want = item_cols[type];
	int	 i;

	for (i = 0; i < CSV_COLUMNS; i++) {
		bool	present = num[i][0] != '\0';
		bool	isnum = num[i][0] != '\0' && num[i][0] != 's' &&
			    num[i][0] != 'n';

		if (!(want & (1u << i))) {
			if (present)
				return CAIRN_EFIELD;
			continue;
		}
		if (!present)
			return CAIRN_EFIELD;
		if (num[i][0] == 'n' && (type != CAIRN_AUDIT_ITEM_RECORD ||
		    !(nullable & (1u << i))))
			return CAIRN_EFIELD;
		if (num[i][0] != 'n' && isnum != !!(numeric & (1u << i)))
			return CAIRN_EFIELD;
	}
	return 0;
}

int
cairn_audit_item_parse(struct cairn_audit_item *it,
    enum cairn_audit_format fmt, const char *line, size_t len)
{
	struct fields f;
	char	 buf[CAIRN_AUDIT_LINE_MAX + 1];
	char	 num[CSV_COLUMNS][24];
	json_t	*o = NULL, *val;
	int	 i, type, rc;

	memset(it, 0, sizeof(*it));
	memset(&f, 0, sizeof(f));
	memset(num, 0, sizeof(num));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CAIRN_AUDIT_LINE_MAX)
		return CAIRN_ETOOBIG;
	if (memchr(line, '\0', len) != NULL || memchr(line, '\n', len) != NULL)
		return CAIRN_EMALFORMED;
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (i = 0; i < CSV_COLUMNS; i++)
		f.col[i] = "";

	if (fmt == CAIRN_AUDIT_CSV) {
		if ((rc = csv_split(buf, &f)) != 0)
			return rc;
		if ((type = item_type_of(f.col[COL_TYPE])) == 0)
			return CAIRN_EFIELD;
		for (i = 0; i < CSV_COLUMNS; i++) {
			bool	optional = type == CAIRN_AUDIT_ITEM_RECORD &&
				    (i == COL_MSGID || i == COL_ENVHASH ||
				    i == COL_LOCAL || i == COL_REMOTE);

			if (!(item_cols[type] & (1u << i)) && f.has[i])
				return CAIRN_EFIELD;
			if ((item_cols[type] & (1u << i)) && !f.has[i] &&
			    !optional)
				return CAIRN_EFIELD;
		}
	} else if (fmt == CAIRN_AUDIT_JSONL) {
		if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
		    NULL)) == NULL || !json_is_object(o)) {
			json_decref(o);
			return CAIRN_EMALFORMED;
		}
		val = json_object_get(o, "type");
		type = json_is_string(val) ?
		    item_type_of(json_string_value(val)) : 0;
		rc = type == 0 ? CAIRN_EFIELD : json_split(o, type, &f, num);
		if (rc == 0)
			rc = json_fields_ok(num, type);
		if (rc != 0) {
			json_decref(o);
			return rc;
		}
	} else
		return CAIRN_EINVAL;
	rc = fields_to_item(it, &f);
	json_decref(o);
	if (rc != 0)
		memset(it, 0, sizeof(*it));
	return rc;
}

/* ---- reconciliation ------------------------------------------------------ */

#define EV(e)		(1u << (e))
#define EV_SENDER	(EV(CAIRN_AUDIT_SUBMITTED) | EV(CAIRN_AUDIT_SENT) | \
			 EV(CAIRN_AUDIT_DELIVERED) | EV(CAIRN_AUDIT_REJECTED) | \
			 EV(CAIRN_AUDIT_FAILED))
#define EV_RECEIVED	(EV(CAIRN_AUDIT_RECEIVED) | EV(CAIRN_AUDIT_DUPLICATE))
#define EV_RECEIVER	(EV_RECEIVED | EV(CAIRN_AUDIT_REFUSED) | \
			 EV(CAIRN_AUDIT_READ))

/* What one side's records say about one message. */
struct view {
	uint32_t	 events;
	bool		 has_hash;
	bool		 hash_differs;	/* its records name two hashes */
	uint8_t		 hash[CAIRN_HASH_BYTES];
	char		 local[CAIRN_ADDRESS_MAX + 1];
	char		 remote[CAIRN_ADDRESS_MAX + 1];
	uint8_t		*reply;
	size_t		 replylen;
};

struct msg {
	uint8_t		 id[CAIRN_MSG_ID_BYTES];
	bool		 used;
	struct view	 v[2];
};

struct cairn_audit_reconcile {
	struct cairn_audit_keys	 keys;
	char			 org[2][CAIRN_ORG_ID_MAX + 1];
	uint8_t			 hkey[crypto_shorthash_KEYBYTES];
	struct msg		*tab;
	size_t			 cap, n;
};

static const char *finding_names[] = {
	[CAIRN_AUDIT_MATCHED] = "matched",
	[CAIRN_AUDIT_MISSING] = "missing",
	[CAIRN_AUDIT_HASH_MISMATCH] = "hash mismatch",
	[CAIRN_AUDIT_BAD_RECEIPT] = "bad receipt",
	[CAIRN_AUDIT_ADDRESS_MISMATCH] = "address mismatch",
	[CAIRN_AUDIT_CONFLICT] = "conflict",
	[CAIRN_AUDIT_UNCONFIRMED] = "unconfirmed",
};

const char *
cairn_audit_finding_name(enum cairn_audit_finding_kind k)
{
	if ((int)k < 0 || k > CAIRN_AUDIT_UNCONFIRMED)
		return "unknown";
	return finding_names[k];
}

int
cairn_audit_reconcile_new(struct cairn_audit_reconcile **out,
    const struct cairn_audit_keys *keys, const char *org_a, const char *org_b)
{
	struct cairn_audit_reconcile *r;

	*out = NULL;
	if (strlen(org_a) > CAIRN_ORG_ID_MAX ||
	    strlen(org_b) > CAIRN_ORG_ID_MAX ||
	    cairn_valid_org_id(org_a) != 0 || cairn_valid_org_id(org_b) != 0 ||
	    strcmp(org_a, org_b) == 0)
		return CAIRN_EINVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->keys = *keys;
	strcpy(r->org[0], org_a);
	strcpy(r->org[1], org_b);
	/* A keyed hash: ids come from files someone else wrote. */
	crypto_shorthash_keygen(r->hkey);
	*out = r;
	return 0;
}

void
cairn_audit_reconcile_free(struct cairn_audit_reconcile *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->cap; i++) {
		free(r->tab[i].v[0].reply);
		free(r->tab[i].v[1].reply);
	}
	free(r->tab);
	free(r);
}

static size_t
msg_slot(const struct cairn_audit_reconcile *r, const struct msg *tab,
    size_t cap, const uint8_t *id)
{
	uint8_t	 h[crypto_shorthash_BYTES];
	uint64_t x;
	size_t	 i;

	crypto_shorthash(h, id, CAIRN_MSG_ID_BYTES, r->hkey);
	memcpy(&x, h, sizeof(x));
	for (i = (size_t)x & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!tab[i].used ||
		    memcmp(tab[i].id, id, CAIRN_MSG_ID_BYTES) == 0)
			return i;
}

static struct msg *
msg_get(struct cairn_audit_reconcile *r, const uint8_t *id)
{
	struct msg *nt;
	size_t	 i, j, cap;

	if (2 * (r->n + 1) > r->cap) {
		cap = r->cap ? 2 * r->cap : 1024;
		if ((nt = calloc(cap, sizeof(*nt))) == NULL)
			return NULL;
		for (i = 0; i < r->cap; i++) {
			if (!r->tab[i].used)
				continue;
			j = msg_slot(r, nt, cap, r->tab[i].id);
			nt[j] = r->tab[i];
		}
		free(r->tab);
		r->tab = nt;
		r->cap = cap;
	}
	i = msg_slot(r, r->tab, r->cap, id);
	if (!r->tab[i].used) {
		r->tab[i].used = true;
		memcpy(r->tab[i].id, id, CAIRN_MSG_ID_BYTES);
		r->n++;
	}
	return &r->tab[i];
}

/* The organisation part of "ORG/FUNCTION" or "ORG" equals org. */
static bool
addr_in_org(const char *addr, const char *org)
{
	size_t	n = strlen(org);

	return strncmp(addr, org, n) == 0 &&
	    (addr[n] == '\0' || addr[n] == '/');
}

int
cairn_audit_reconcile_add(struct cairn_audit_reconcile *r, int side,
    const struct cairn_audit_item *it)
{
	const struct cairn_audit_record *rec = &it->u.record;
	struct msg *m;
	struct view *v;
	uint8_t	*copy;

	if (side != 0 && side != 1)
		return CAIRN_EINVAL;
	if (it->type == CAIRN_AUDIT_ITEM_RECEIPT) {
		if (it->u.receipt.len == 0 ||
		    it->u.receipt.len > CAIRN_REPLY_MAX_BYTES)
			return CAIRN_EINVAL;
		if ((m = msg_get(r, it->u.receipt.msg_id)) == NULL ||
		    (copy = malloc(it->u.receipt.len)) == NULL)
			return -ENOMEM;
		memcpy(copy, it->u.receipt.reply, it->u.receipt.len);
		free(m->v[side].reply);
		m->v[side].reply = copy;
		m->v[side].replylen = it->u.receipt.len;
		return 0;
	}
	if (it->type != CAIRN_AUDIT_ITEM_RECORD || !rec->has_msg_id ||
	    (int)rec->event < CAIRN_AUDIT_STARTED ||
	    rec->event > CAIRN_AUDIT_EVENT_MAX ||
	    !(EV(rec->event) & (EV_SENDER | EV_RECEIVER)))
		return 0;
	/* only what passed between these two organisations */
	if (!addr_in_org(rec->remote, r->org[1 - side]))
		return 0;
	if ((m = msg_get(r, rec->msg_id)) == NULL)
		return -ENOMEM;
	v = &m->v[side];
	if (v->events == 0) {
		snprintf(v->local, sizeof(v->local), "%s", rec->local);
		snprintf(v->remote, sizeof(v->remote), "%s", rec->remote);
	}
	v->events |= EV(rec->event);
	if (rec->has_envelope_hash) {
		if (!v->has_hash) {
			v->has_hash = true;
			memcpy(v->hash, rec->envelope_hash, CAIRN_HASH_BYTES);
		} else if (memcmp(v->hash, rec->envelope_hash,
		    CAIRN_HASH_BYTES) != 0)
			v->hash_differs = true;
	}
	return 0;
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct msg *const *x = a, *const *y = b;

	return memcmp((*x)->id, (*y)->id, CAIRN_MSG_ID_BYTES);
}

/*
 * The reply the sender keeps must be signed by the receiving organisation
 * for this message and this envelope hash, of the expected type.
 */
static int
check_reply(const struct cairn_audit_reconcile *r, const struct msg *m,
    int s, enum cairn_reply_type type)
{
	const struct view *v = &m->v[s];
	struct cairn_reply_msg *rm = NULL;
	struct cairn_reply rep;
	struct cairn_pubkey key;
	int	rc;

	if (v->replylen == 0)
		return CAIRN_ENOTFOUND;
	if ((rc = cairn_reply_parse(&rm, v->reply, v->replylen)) != 0)
		return rc;
	if ((rc = r->keys.lookup(r->keys.arg, r->org[1 - s],
	    cairn_reply_signer_key_id(rm), &key)) != 0)
		goto out;
	if ((rc = cairn_reply_verify(rm, &key, r->org[1 - s], &rep)) != 0)
		goto out;
	if (rep.type != type ||
	    memcmp(rep.msg_id, m->id, CAIRN_MSG_ID_BYTES) != 0 ||
	    !v->has_hash || memcmp(rep.envelope_hash, v->hash,
	    CAIRN_HASH_BYTES) != 0)
		rc = CAIRN_EFIELD;
out:
	cairn_reply_free(rm);
	return rc;
}

static const char *
sender_outcome(uint32_t ev)
{
	if (ev & EV(CAIRN_AUDIT_DELIVERED))
		return "delivered";
	if (ev & EV(CAIRN_AUDIT_REJECTED))
		return "rejected";
	if (ev & EV(CAIRN_AUDIT_FAILED))
		return "failed";
	if (ev & EV(CAIRN_AUDIT_SENT))
		return "sent";
	if (ev & EV(CAIRN_AUDIT_SUBMITTED))
		return "submitted";
	return "-";
}

static const char *
receiver_outcome(uint32_t ev)
{
	if (ev & EV_RECEIVED)
		return "received";
	if (ev & EV(CAIRN_AUDIT_REFUSED))
		return "refused";
	if (ev & EV(CAIRN_AUDIT_READ))
		return "read";
	return "-";
}

/* Decides one message; s is the sending side. */
static void
judge(const struct cairn_audit_reconcile *r, const struct msg *m, int s,
    struct cairn_audit_finding *f)
{
	const struct view *S = &m->v[s], *R = &m->v[1 - s];
	int	rc, d = 1 - s;

	f->side = -1;
	if (S->hash_differs || R->hash_differs) {
		f->kind = CAIRN_AUDIT_HASH_MISMATCH;
		f->side = S->hash_differs ? s : d;
		return;
	}
	if ((S->events & EV_SENDER) == 0) {
		f->kind = CAIRN_AUDIT_MISSING;
		f->side = s;
		return;
	}
	if (S->events & (EV(CAIRN_AUDIT_DELIVERED) |
	    EV(CAIRN_AUDIT_REJECTED))) {
		bool	delivered = S->events & EV(CAIRN_AUDIT_DELIVERED);

		if ((R->events & EV_RECEIVER) == 0) {
			f->kind = CAIRN_AUDIT_MISSING;
			f->side = d;
			return;
		}
		if (delivered ? !(R->events & EV_RECEIVED) :
		    (R->events & EV_RECEIVED) != 0 ||
		    !(R->events & EV(CAIRN_AUDIT_REFUSED))) {
			f->kind = CAIRN_AUDIT_CONFLICT;
			return;
		}
		if (S->has_hash != R->has_hash || (S->has_hash &&
		    memcmp(S->hash, R->hash, CAIRN_HASH_BYTES) != 0)) {
			f->kind = CAIRN_AUDIT_HASH_MISMATCH;
			return;
		}
		if (strcmp(S->local, R->remote) != 0 ||
		    strcmp(S->remote, R->local) != 0) {
			f->kind = CAIRN_AUDIT_ADDRESS_MISMATCH;
			return;
		}
		if ((rc = check_reply(r, m, s, delivered ?
		    CAIRN_REPLY_RECEIPT : CAIRN_REPLY_NACK)) != 0) {
			f->kind = CAIRN_AUDIT_BAD_RECEIPT;
			f->side = s;
			f->code = rc;
			return;
		}
		f->kind = CAIRN_AUDIT_MATCHED;
		return;
	}
	/* submitted, sent or failed: nothing may have arrived */
	if (R->events & (EV_RECEIVED | EV(CAIRN_AUDIT_REFUSED))) {
		f->kind = CAIRN_AUDIT_UNCONFIRMED;
		f->side = s;
		return;
	}
	f->kind = CAIRN_AUDIT_MATCHED;
}

int
cairn_audit_reconcile_run(struct cairn_audit_reconcile *r,
    void (*fn)(void *arg, const struct cairn_audit_finding *f), void *arg,
    struct cairn_audit_summary *sum)
{
	struct cairn_audit_finding f;
	struct msg **list;
	const struct msg *m;
	size_t	 i, n = 0;
	int	 s, k;

	memset(sum, 0, sizeof(*sum));
	if ((list = calloc(r->n + 1, sizeof(*list))) == NULL)
		return -ENOMEM;
	for (i = 0; i < r->cap; i++)
		if (r->tab[i].used && (r->tab[i].v[0].events |
		    r->tab[i].v[1].events) != 0)
			list[n++] = &r->tab[i];
	qsort(list, n, sizeof(*list), msg_cmp);
	for (i = 0; i < n; i++) {
		m = list[i];
		memset(&f, 0, sizeof(f));
		memcpy(f.msg_id, m->id, CAIRN_MSG_ID_BYTES);
		/* the sender is the side with sending records, else the
		 * side opposite the one that received it */
		if ((m->v[0].events & EV_SENDER) &&
		    (m->v[1].events & EV_SENDER))
			s = -1;
		else if (m->v[0].events & EV_SENDER)
			s = 0;
		else if (m->v[1].events & EV_SENDER)
			s = 1;
		else if ((m->v[0].events & EV_RECEIVER) &&
		    (m->v[1].events & EV_RECEIVER))
			s = -1;
		else
			s = (m->v[0].events & EV_RECEIVER) ? 1 : 0;
		if (s < 0) {
			f.kind = CAIRN_AUDIT_CONFLICT;
			f.side = -1;
			s = 0;
		} else
			judge(r, m, s, &f);
		if (m->v[s].events != 0) {
			snprintf(f.from, sizeof(f.from), "%s", m->v[s].local);
			snprintf(f.to, sizeof(f.to), "%s", m->v[s].remote);
		} else {
			snprintf(f.from, sizeof(f.from), "%s",
			    m->v[1 - s].remote);
			snprintf(f.to, sizeof(f.to), "%s", m->v[1 - s].local);
		}
		for (k = 0; k < 2; k++) {
			snprintf(f.outcome[k], sizeof(f.outcome[k]), "%s",
			    k == s ? sender_outcome(m->v[k].events) :
			    receiver_outcome(m->v[k].events));
			f.has_hash[k] = m->v[k].has_hash;
			memcpy(f.hash[k], m->v[k].hash, CAIRN_HASH_BYTES);
		}
		sum->messages++;
		if (f.kind == CAIRN_AUDIT_MATCHED)
			sum->matched++;
		else
			sum->mismatched++;
		if (fn != NULL)
			fn(arg, &f);
	}
	free(list);
	return 0;
}
