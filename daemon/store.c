/* SPDX-License-Identifier: MIT */
/*
 * store: the daemon's durable state in LMDB (see store.h).
 *
 * Values are encoded field by field into versioned little-endian byte
 * strings that end in a BLAKE2b checksum of everything before it, and are
 * decoded and checked on every read, since LMDB 0.9 checks nothing.  Audit
 * records are stored in their own encoding (proto/audit.h), whose hash
 * serves as their checksum.  Only the first operation of a multi-put call
 * can fail with CAIRN_EEXIST or CAIRN_ENOTFOUND, so that those leave the
 * transaction untouched and usable; every other failure leaves LMDB's
 * transaction in its error state, to be aborted.
 *
 * What to keep and when is for the workflow to decide, not this file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "daemon/store.h"

#define STORE_FORMAT		1
#define REC_VERSION		1
#define CSUM_BYTES		CAIRN_HASH_BYTES
#define SCHED_KEY_BYTES		(8 + CAIRN_MSG_ID_BYTES)
#define REC_MAX_BYTES		512
#define META_KEY_MAX		64
#define META_FORMAT		"format"
#define META_AUDIT_HEAD		"audit.head"

enum db {
	DB_OUTBOX,
	DB_OUTENV,
	DB_SCHED,
	DB_RECEIPTS,
	DB_INBOX,
	DB_INENV,
	DB_DEDUP,
	DB_DEDUPEXP,
	DB_AUDIT,
	DB_META,
	DB_CASES,
	DB_CHECKPOINTS,
	DB_COUNT
};

static const char *db_names[DB_COUNT] = {
	[DB_OUTBOX] = "outbox",
	[DB_OUTENV] = "outenv",
	[DB_SCHED] = "sched",
	[DB_RECEIPTS] = "receipts",
	[DB_INBOX] = "inbox",
	[DB_INENV] = "inenv",
	[DB_DEDUP] = "dedup",
	[DB_DEDUPEXP] = "dedupexp",
	[DB_AUDIT] = "audit",
	[DB_META] = "meta",
	[DB_CASES] = "cases",
	[DB_CHECKPOINTS] = "checkpoints",
};

struct store_txn {
	struct store	*st;
	MDB_txn		*txn;
};

struct store {
	MDB_env		*env;
	MDB_dbi		 dbi[DB_COUNT];
	struct store_txn wtxn;		/* txn == NULL when none is open */
};

struct enc {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 len;
	bool		 over;
};

struct dec {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	bool		 bad;
};

static int	mdb_code(int rc);
static void	put_be64(uint8_t *p, uint64_t v);
static uint64_t	get_be64(const uint8_t *p);
static void	put_le(uint8_t *p, uint64_t v, size_t n);
static uint64_t	get_le(const uint8_t *p, size_t n);
static void	enc_bytes(struct enc *e, const void *p, size_t n);
static void	enc_u8(struct enc *e, uint8_t v);
static void	enc_u32(struct enc *e, uint32_t v);
static void	enc_u64(struct enc *e, uint64_t v);
static void	enc_str(struct enc *e, const char *s);
static int	enc_seal(struct enc *e);
static void	dec_bytes(struct dec *d, void *out, size_t n);
static uint8_t	dec_u8(struct dec *d);
static uint32_t	dec_u32(struct dec *d);
static uint64_t	dec_u64(struct dec *d);
static void	dec_str(struct dec *d, char *dst, size_t size);
static int	dec_open(struct dec *d, const MDB_val *v);
static int	dec_close(struct dec *d);
static bool	str_ok(const char *s, size_t size);
static int	check_out(const struct store_out *o);
static int	check_in(const struct store_in *m);
static int	encode_out(const struct store_out *o, struct enc *e);
static int	decode_out(const MDB_val *v, const uint8_t *id,
		    struct store_out *o);
static int	encode_in(const struct store_in *m, struct enc *e);
static int	decode_in(const MDB_val *v, const uint8_t *id,
		    struct store_in *m);
static int	put_blob(MDB_txn *t, MDB_dbi dbi, const uint8_t *id,
		    const uint8_t *pre, size_t prelen, const uint8_t *buf,
		    size_t len, unsigned int flags);
static int	get_blob(const MDB_val *v, uint8_t *pre, size_t prelen,
		    uint8_t **out, size_t *outlen);
static int	read_blob(struct store *st, struct store_txn *txn,
		    enum db db, const uint8_t *id, uint8_t *pre,
		    size_t prelen, uint8_t **out, size_t *outlen);
static void	sched_key(uint8_t k[static SCHED_KEY_BYTES], int64_t when,
		    const uint8_t *id);
static int	meta_get(MDB_txn *t, struct store *st, const char *key,
		    MDB_val *v);
static int	meta_put(MDB_txn *t, struct store *st, const char *key,
		    struct enc *e);
static int	u64_decode(const MDB_val *v, uint64_t *value);
static int	u64_put(MDB_txn *t, struct store *st, const char *key,
		    uint64_t value);
static int	check_format(struct store *st, MDB_txn *t);
static int	head_read(struct store *st, MDB_txn *t, uint64_t *seq,
		    uint8_t hash[static CAIRN_HASH_BYTES]);
static int	head_write(struct store *st, MDB_txn *t, uint64_t seq,
		    const uint8_t hash[static CAIRN_HASH_BYTES]);
static int	rd_begin(struct store *st, struct store_txn *txn,
		    MDB_txn **t);
static void	rd_end(struct store_txn *txn, MDB_txn *t);
static int	wr_txn(struct store_txn *txn, MDB_txn **t);
static int	scan(struct store *st, enum db db,
		    int (*fn)(void *, const MDB_val *, const MDB_val *),
		    void *ctx);
static int	out_visit(void *ctx, const MDB_val *k, const MDB_val *v);
static int	in_visit(void *ctx, const MDB_val *k, const MDB_val *v);
static int	stats_visit(void *ctx, const MDB_val *k, const MDB_val *v);
static int	checkpoint_decode(const MDB_val *k, const MDB_val *v,
		    struct cairn_audit_checkpoint *cp);
static int	cp_visit(void *ctx, const MDB_val *k, const MDB_val *v);

/* --- errors and byte order --- */

static int
mdb_code(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
		return CAIRN_ENOSPACE;
	case MDB_NOTFOUND:
		return CAIRN_ENOTFOUND;
	case MDB_KEYEXIST:
		return CAIRN_EEXIST;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
		return CAIRN_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return CAIRN_EVERSION;
	default:
		return CAIRN_ESTORE;
	}
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t	 i;

	for (i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return v;
}

/* --- encoding of values --- */

static void
enc_bytes(struct enc *e, const void *p, size_t n)
{
	if (e->over || n > e->cap - e->len) {
		e->over = true;
		return;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

static void
enc_u8(struct enc *e, uint8_t v)
{
	enc_bytes(e, &v, 1);
}

static void
enc_u32(struct enc *e, uint32_t v)
{
	uint8_t	b[4];

	put_le(b, v, sizeof(b));
	enc_bytes(e, b, sizeof(b));
}

static void
enc_u64(struct enc *e, uint64_t v)
{
	uint8_t	b[8];

	put_le(b, v, sizeof(b));
	enc_bytes(e, b, sizeof(b));
}

/* s has been checked with str_ok(), so it is shorter than 256 bytes. */
static void
enc_str(struct enc *e, const char *s)
{
	size_t	len = strlen(s);

	enc_u8(e, (uint8_t)len);
	enc_bytes(e, s, len);
}

static int
enc_seal(struct enc *e)
{
	uint8_t	csum[CSUM_BYTES];

	if (e->over)
		return CAIRN_EINVAL;
	cairn_sig_hash(csum, e->buf, e->len);
	enc_bytes(e, csum, sizeof(csum));
	return e->over ? CAIRN_EINVAL : 0;
}

static void
dec_bytes(struct dec *d, void *out, size_t n)
{
	if (n == 0)
		return;
	if (d->bad || n > d->len - d->off) {
		d->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, d->p + d->off, n);
	d->off += n;
}

static uint8_t
dec_u8(struct dec *d)
{
	uint8_t	v;

	dec_bytes(d, &v, 1);
	return v;
}

static uint32_t
dec_u32(struct dec *d)
{
	uint8_t	b[4];

	dec_bytes(d, b, sizeof(b));
	return (uint32_t)get_le(b, sizeof(b));
}

static uint64_t
dec_u64(struct dec *d)
{
	uint8_t	b[8];

	dec_bytes(d, b, sizeof(b));
	return get_le(b, sizeof(b));
}

static void
dec_str(struct dec *d, char *dst, size_t size)
{
	size_t	len;

	len = dec_u8(d);
	if (d->bad || len >= size) {
		d->bad = true;
		dst[0] = '\0';
		return;
	}
	dec_bytes(d, dst, len);
	dst[len] = '\0';
	if (memchr(dst, '\0', len) != NULL)
		d->bad = true;
}

/*
 * Checks the checksum and version of a stored value and prepares d to read
 * its fields.  A bad checksum is corruption; a good checksum over another
 * version is a format this code does not know.
 */
static int
dec_open(struct dec *d, const MDB_val *v)
{
	uint8_t	csum[CSUM_BYTES];

	memset(d, 0, sizeof(*d));
	if (v->mv_size < 1 + CSUM_BYTES)
		return CAIRN_ECORRUPT;
	d->p = v->mv_data;
	d->len = v->mv_size - CSUM_BYTES;
	cairn_sig_hash(csum, d->p, d->len);
	if (sodium_memcmp(csum, d->p + d->len, CSUM_BYTES) != 0)
		return CAIRN_ECORRUPT;
	if (dec_u8(d) != REC_VERSION)
		return CAIRN_EVERSION;
	return 0;
}

static int
dec_close(struct dec *d)
{
	if (d->bad || d->off != d->len)
		return CAIRN_ECORRUPT;
	return 0;
}

/* --- records --- */

static bool
str_ok(const char *s, size_t size)
{
	return size <= 256 && strnlen(s, size) < size;
}

static int
check_out(const struct store_out *o)
{
	if (o->state < STORE_OUT_QUEUED || o->state > STORE_OUT_FAILED)
		return CAIRN_EINVAL;
	if (o->kind <= CAIRN_KIND_NONE || o->kind > CAIRN_KIND_MAX)
		return CAIRN_EINVAL;
	if (!str_ok(o->from_function, sizeof(o->from_function)) ||
	    !str_ok(o->to_org, sizeof(o->to_org)) ||
	    !str_ok(o->to_function, sizeof(o->to_function)))
		return CAIRN_EINVAL;
	/* Schedule keys are unsigned big-endian times. */
	if (o->state == STORE_OUT_QUEUED && o->next_ms < 0)
		return CAIRN_EINVAL;
	return 0;
}

static int
check_in(const struct store_in *m)
{
	if (m->state < STORE_IN_NEW || m->state > STORE_IN_READ)
		return CAIRN_EINVAL;
	if (m->kind <= CAIRN_KIND_NONE || m->kind > CAIRN_KIND_MAX)
		return CAIRN_EINVAL;
	if (!str_ok(m->from_org, sizeof(m->from_org)) ||
	    !str_ok(m->from_function, sizeof(m->from_function)) ||
	    !str_ok(m->to_function, sizeof(m->to_function)))
		return CAIRN_EINVAL;
	return 0;
}

static int
encode_out(const struct store_out *o, struct enc *e)
{
	enc_u8(e, REC_VERSION);
	enc_bytes(e, o->msg_id, CAIRN_MSG_ID_BYTES);
	enc_u8(e, (uint8_t)o->state);
	enc_u8(e, (uint8_t)o->kind);
	enc_str(e, o->from_function);
	enc_str(e, o->to_org);
	enc_str(e, o->to_function);
	enc_bytes(e, o->conversation_id, CAIRN_MSG_ID_BYTES);
	enc_u8(e, o->has_reply_to ? 1 : 0);
	enc_bytes(e, o->in_reply_to, CAIRN_MSG_ID_BYTES);
	enc_u64(e, (uint64_t)o->created_ms);
	enc_u64(e, (uint64_t)o->expires_ms);
	enc_u64(e, (uint64_t)o->next_ms);
	enc_u64(e, (uint64_t)o->receipt_ms);
	enc_u32(e, o->attempts);
	enc_u32(e, (uint32_t)o->last_error);
	enc_u32(e, (uint32_t)o->nack_reason);
	enc_bytes(e, o->envelope_hash, CAIRN_HASH_BYTES);
	return enc_seal(e);
}

static int
decode_out(const MDB_val *v, const uint8_t *id, struct store_out *o)
{
	struct dec d;
	uint8_t	 state, kind, reply;
	int	 rc;

	memset(o, 0, sizeof(*o));
	if ((rc = dec_open(&d, v)) != 0)
		return rc;
	dec_bytes(&d, o->msg_id, CAIRN_MSG_ID_BYTES);
	state = dec_u8(&d);
	kind = dec_u8(&d);
	dec_str(&d, o->from_function, sizeof(o->from_function));
	dec_str(&d, o->to_org, sizeof(o->to_org));
	dec_str(&d, o->to_function, sizeof(o->to_function));
	dec_bytes(&d, o->conversation_id, CAIRN_MSG_ID_BYTES);
	reply = dec_u8(&d);
	dec_bytes(&d, o->in_reply_to, CAIRN_MSG_ID_BYTES);
	o->created_ms = (int64_t)dec_u64(&d);
	o->expires_ms = (int64_t)dec_u64(&d);
	o->next_ms = (int64_t)dec_u64(&d);
	o->receipt_ms = (int64_t)dec_u64(&d);
	o->attempts = dec_u32(&d);
	o->last_error = (int32_t)dec_u32(&d);
	o->nack_reason = (int32_t)dec_u32(&d);
	dec_bytes(&d, o->envelope_hash, CAIRN_HASH_BYTES);
	if ((rc = dec_close(&d)) != 0)
		goto fail;
	rc = CAIRN_ECORRUPT;
	if (reply > 1 || memcmp(o->msg_id, id, CAIRN_MSG_ID_BYTES) != 0)
		goto fail;
	o->state = (enum store_out_state)state;
	o->kind = (enum cairn_kind)kind;
	o->has_reply_to = reply;
	if (check_out(o) != 0)
		goto fail;
	return 0;
fail:
	memset(o, 0, sizeof(*o));
	return rc;
}

static int
encode_in(const struct store_in *m, struct enc *e)
{
	enc_u8(e, REC_VERSION);
	enc_bytes(e, m->msg_id, CAIRN_MSG_ID_BYTES);
	enc_u8(e, (uint8_t)m->state);
	enc_u8(e, (uint8_t)m->kind);
	enc_str(e, m->from_org);
	enc_str(e, m->from_function);
	enc_str(e, m->to_function);
	enc_bytes(e, m->conversation_id, CAIRN_MSG_ID_BYTES);
	enc_u8(e, m->has_reply_to ? 1 : 0);
	enc_bytes(e, m->in_reply_to, CAIRN_MSG_ID_BYTES);
	enc_u64(e, (uint64_t)m->created_ms);
	enc_u64(e, (uint64_t)m->expires_ms);
	enc_u64(e, (uint64_t)m->received_ms);
	enc_bytes(e, m->envelope_hash, CAIRN_HASH_BYTES);
	return enc_seal(e);
}

static int
decode_in(const MDB_val *v, const uint8_t *id, struct store_in *m)
{
	struct dec d;
	uint8_t	 state, kind, reply;
	int	 rc;

	memset(m, 0, sizeof(*m));
	if ((rc = dec_open(&d, v)) != 0)
		return rc;
	dec_bytes(&d, m->msg_id, CAIRN_MSG_ID_BYTES);
	state = dec_u8(&d);
	kind = dec_u8(&d);
	dec_str(&d, m->from_org, sizeof(m->from_org));
	dec_str(&d, m->from_function, sizeof(m->from_function));
	dec_str(&d, m->to_function, sizeof(m->to_function));
	dec_bytes(&d, m->conversation_id, CAIRN_MSG_ID_BYTES);
	reply = dec_u8(&d);
	dec_bytes(&d, m->in_reply_to, CAIRN_MSG_ID_BYTES);
	m->created_ms = (int64_t)dec_u64(&d);
	m->expires_ms = (int64_t)dec_u64(&d);
	m->received_ms = (int64_t)dec_u64(&d);
	dec_bytes(&d, m->envelope_hash, CAIRN_HASH_BYTES);
	if ((rc = dec_close(&d)) != 0)
		goto fail;
	rc = CAIRN_ECORRUPT;
	if (reply > 1 || memcmp(m->msg_id, id, CAIRN_MSG_ID_BYTES) != 0)
		goto fail;
	m->state = (enum store_in_state)state;
	m->kind = (enum cairn_kind)kind;
	m->has_reply_to = reply;
	if (check_in(m) != 0)
		goto fail;
	return 0;
fail:
	memset(m, 0, sizeof(*m));
	return rc;
}

/*
 * Byte strings (envelopes, replies, dedup receipts) are stored as
 * [version][pre][u32 len][bytes][checksum], written in place through
 * MDB_RESERVE so that a large envelope is copied once.
 */
static int
put_blob(MDB_txn *t, MDB_dbi dbi, const uint8_t *id, const uint8_t *pre,
    size_t prelen, const uint8_t *buf, size_t len, unsigned int flags)
{
	MDB_val	 k, v;
	uint8_t	*p;
	size_t	 head;
	int	 rc;

	head = 1 + prelen + 4;
	if (len > UINT32_MAX || (len > 0 && buf == NULL))
		return CAIRN_EINVAL;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	v.mv_size = head + len + CSUM_BYTES;
	v.mv_data = NULL;
	if ((rc = mdb_put(t, dbi, &k, &v, flags | MDB_RESERVE)) != 0)
		return mdb_code(rc);
	p = v.mv_data;
	p[0] = REC_VERSION;
	if (prelen > 0)
		memcpy(p + 1, pre, prelen);
	put_le(p + 1 + prelen, len, 4);
	if (len > 0)
		memcpy(p + head, buf, len);
	cairn_sig_hash(p + head + len, p, head + len);
	return 0;
}

static int
get_blob(const MDB_val *v, uint8_t *pre, size_t prelen, uint8_t **out,
    size_t *outlen)
{
	struct dec d;
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	if ((rc = dec_open(&d, v)) != 0)
		return rc;
	dec_bytes(&d, pre, prelen);
	len = dec_u32(&d);
	if (d.bad || len != d.len - d.off)
		return CAIRN_ECORRUPT;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return -ENOMEM;
	dec_bytes(&d, buf, len);
	if ((rc = dec_close(&d)) != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static int
read_blob(struct store *st, struct store_txn *txn, enum db db,
    const uint8_t *id, uint8_t *pre, size_t prelen, uint8_t **out,
    size_t *outlen)
{
	MDB_txn	*t = NULL;
	MDB_val	 k, v;
	int	 rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[db], &k, &v)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	rc = get_blob(&v, pre, prelen, out, outlen);
out:
	rd_end(txn, t);
	return rc;
}

static void
sched_key(uint8_t k[static SCHED_KEY_BYTES], int64_t when, const uint8_t *id)
{
	put_be64(k, (uint64_t)when);
	memcpy(k + 8, id, CAIRN_MSG_ID_BYTES);
}

/* --- meta --- */

static int
meta_get(MDB_txn *t, struct store *st, const char *key, MDB_val *v)
{
	MDB_val	k;

	k.mv_size = strlen(key);
	k.mv_data = (void *)key;
	return mdb_code(mdb_get(t, st->dbi[DB_META], &k, v));
}

static int
meta_put(MDB_txn *t, struct store *st, const char *key, struct enc *e)
{
	MDB_val	k, v;

	k.mv_size = strlen(key);
	k.mv_data = (void *)key;
	v.mv_size = e->len;
	v.mv_data = e->buf;
	return mdb_code(mdb_put(t, st->dbi[DB_META], &k, &v, 0));
}

static int
u64_decode(const MDB_val *v, uint64_t *value)
{
	struct dec d;
	uint64_t x;
	int	 rc;

	if ((rc = dec_open(&d, v)) != 0)
		return rc;
	x = dec_u64(&d);
	if ((rc = dec_close(&d)) != 0)
		return rc;
	*value = x;
	return 0;
}

static int
u64_put(MDB_txn *t, struct store *st, const char *key, uint64_t value)
{
	uint8_t	buf[1 + 8 + CSUM_BYTES];
	struct enc e = { buf, sizeof(buf), 0, false };
	int	rc;

	enc_u8(&e, REC_VERSION);
	enc_u64(&e, value);
	if ((rc = enc_seal(&e)) != 0)
		return rc;
	return meta_put(t, st, key, &e);
}

static int
check_format(struct store *st, MDB_txn *t)
{
	MDB_val	 v;
	uint64_t format;
	int	 rc;

	rc = meta_get(t, st, META_FORMAT, &v);
	if (rc == CAIRN_ENOTFOUND)
		return u64_put(t, st, META_FORMAT, STORE_FORMAT);
	if (rc != 0)
		return rc;
	if ((rc = u64_decode(&v, &format)) != 0)
		return rc;
	return format == STORE_FORMAT ? 0 : CAIRN_EVERSION;
}

static int
head_read(struct store *st, MDB_txn *t, uint64_t *seq,
    uint8_t hash[static CAIRN_HASH_BYTES])
{
	struct dec d;
	MDB_val	 v;
	int	 rc;

	*seq = 0;
	memset(hash, 0, CAIRN_HASH_BYTES);
	rc = meta_get(t, st, META_AUDIT_HEAD, &v);
	if (rc == CAIRN_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if ((rc = dec_open(&d, &v)) != 0)
		return rc;
	*seq = dec_u64(&d);
	dec_bytes(&d, hash, CAIRN_HASH_BYTES);
	if ((rc = dec_close(&d)) != 0 || *seq == 0) {
		*seq = 0;
		memset(hash, 0, CAIRN_HASH_BYTES);
		return CAIRN_ECORRUPT;
	}
	return 0;
}

static int
head_write(struct store *st, MDB_txn *t, uint64_t seq,
    const uint8_t hash[static CAIRN_HASH_BYTES])
{
	uint8_t	buf[1 + 8 + CAIRN_HASH_BYTES + CSUM_BYTES];
	struct enc e = { buf, sizeof(buf), 0, false };
	int	rc;

	enc_u8(&e, REC_VERSION);
	enc_u64(&e, seq);
	enc_bytes(&e, hash, CAIRN_HASH_BYTES);
	if ((rc = enc_seal(&e)) != 0)
		return rc;
	return meta_put(t, st, META_AUDIT_HEAD, &e);
}

/* --- transactions --- */

static int
rd_begin(struct store *st, struct store_txn *txn, MDB_txn **t)
{
	*t = NULL;
	if (txn != NULL) {
		if (txn->st != st || txn->txn == NULL)
			return CAIRN_EINVAL;
		*t = txn->txn;
		return 0;
	}
	if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, t) != 0) {
		*t = NULL;
		return CAIRN_ESTORE;
	}
	return 0;
}

static void
rd_end(struct store_txn *txn, MDB_txn *t)
{
	if (txn == NULL && t != NULL)
		mdb_txn_abort(t);
}

static int
wr_txn(struct store_txn *txn, MDB_txn **t)
{
	if (txn == NULL || txn->txn == NULL)
		return CAIRN_EINVAL;
	*t = txn->txn;
	return 0;
}

/* Calls fn for each entry of db in key order, in one read transaction. */
static int
scan(struct store *st, enum db db,
    int (*fn)(void *, const MDB_val *, const MDB_val *), void *ctx)
{
	MDB_txn		*t = NULL;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 rc;

	if ((rc = rd_begin(st, NULL, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[db], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if ((rc = fn(ctx, &k, &v)) != 0)
			goto out;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(NULL, t);
	return rc;
}

int
store_open(struct store **out, const char *dir, size_t map_size)
{
	struct store	*st;
	struct stat	 sb;
	MDB_txn		*t = NULL;
	int		 rc, dead, i;

	*out = NULL;
	if (map_size == 0)
		map_size = STORE_DEFAULT_MAP_SIZE;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -errno;
	if (stat(dir, &sb) == -1)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	if ((rc = mdb_env_create(&st->env)) != 0) {
		free(st);
		return CAIRN_ESTORE;
	}
	/*
	 * MDB_NOTLS ties reader slots to transactions rather than threads, so
	 * that a callback of store_*_each() may read through a transaction
	 * of its own.  Never MDB_NOSYNC, MDB_NOMETASYNC or MDB_WRITEMAP.
	 */
	if ((rc = mdb_env_set_maxdbs(st->env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, map_size)) != 0 ||
	    (rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_reader_check(st->env, &dead)) != 0) {
		rc = rc > 0 && rc != ENOSPC ? -rc : mdb_code(rc);
		goto fail;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &t)) != 0) {
		t = NULL;
		rc = mdb_code(rc);
		goto fail;
	}
	for (i = 0; i < DB_COUNT; i++) {
		if ((rc = mdb_dbi_open(t, db_names[i], MDB_CREATE,
		    &st->dbi[i])) != 0) {
			rc = mdb_code(rc);
			goto fail;
		}
	}
	if ((rc = check_format(st, t)) != 0)
		goto fail;
	rc = mdb_txn_commit(t);
	t = NULL;
	if (rc != 0) {
		rc = mdb_code(rc);
		goto fail;
	}
	st->wtxn.st = st;
	*out = st;
	return 0;
fail:
	if (t != NULL)
		mdb_txn_abort(t);
	mdb_env_close(st->env);
	free(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	/* A transaction left open by a caller is a bug; do not leak it. */
	if (st->wtxn.txn != NULL)
		mdb_txn_abort(st->wtxn.txn);
	mdb_env_close(st->env);
	free(st);
}

int
store_begin(struct store *st, struct store_txn **out)
{
	*out = NULL;
	/* A second write txn in this thread would wait on itself forever. */
	if (st->wtxn.txn != NULL)
		return CAIRN_ESTORE;
	if (mdb_txn_begin(st->env, NULL, 0, &st->wtxn.txn) != 0) {
		st->wtxn.txn = NULL;
		return CAIRN_ESTORE;
	}
	*out = &st->wtxn;
	return 0;
}

int
store_commit(struct store_txn *txn)
{
	int	rc;

	if (txn == NULL || txn->txn == NULL)
		return CAIRN_EINVAL;
	/* mdb_txn_commit() frees the transaction whatever it returns. */
	rc = mdb_txn_commit(txn->txn);
	txn->txn = NULL;
	if (rc == 0)
		return 0;
	return mdb_code(rc) == CAIRN_ENOSPACE ? CAIRN_ENOSPACE : CAIRN_ESTORE;
}

void
store_abort(struct store_txn *txn)
{
	if (txn == NULL || txn->txn == NULL)
		return;
	mdb_txn_abort(txn->txn);
	txn->txn = NULL;
}

/* --- outbox --- */

int
store_out_add(struct store_txn *txn, const struct store_out *o,
    const uint8_t *env, size_t envlen)
{
	uint8_t	 buf[REC_MAX_BYTES], sk[SCHED_KEY_BYTES];
	struct enc e = { buf, sizeof(buf), 0, false };
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 || (rc = check_out(o)) != 0)
		return rc;
	if (envlen > UINT32_MAX || (envlen > 0 && env == NULL))
		return CAIRN_EINVAL;
	if ((rc = encode_out(o, &e)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)o->msg_id;
	v.mv_size = e.len;
	v.mv_data = buf;
	if ((rc = mdb_put(t, txn->st->dbi[DB_OUTBOX], &k, &v,
	    MDB_NOOVERWRITE)) != 0)
		return mdb_code(rc);
	if ((rc = put_blob(t, txn->st->dbi[DB_OUTENV], o->msg_id, NULL, 0,
	    env, envlen, 0)) != 0)
		return rc;
	if (o->state != STORE_OUT_QUEUED)
		return 0;
	sched_key(sk, o->next_ms, o->msg_id);
	k.mv_size = sizeof(sk);
	k.mv_data = sk;
	v.mv_size = 0;
	v.mv_data = NULL;
	return mdb_code(mdb_put(t, txn->st->dbi[DB_SCHED], &k, &v, 0));
}

int
store_out_update(struct store_txn *txn, const struct store_out *o)
{
	struct store_out old;
	uint8_t	 buf[REC_MAX_BYTES], sk[SCHED_KEY_BYTES];
	struct enc e = { buf, sizeof(buf), 0, false };
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 || (rc = check_out(o)) != 0)
		return rc;
	if ((rc = encode_out(o, &e)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)o->msg_id;
	if ((rc = mdb_get(t, txn->st->dbi[DB_OUTBOX], &k, &v)) != 0)
		return mdb_code(rc);
	if ((rc = decode_out(&v, o->msg_id, &old)) != 0)
		return rc;
	if (old.state == STORE_OUT_QUEUED) {
		sched_key(sk, old.next_ms, o->msg_id);
		k.mv_size = sizeof(sk);
		k.mv_data = sk;
		rc = mdb_del(t, txn->st->dbi[DB_SCHED], &k, NULL);
		/* A missing entry is repaired by the put below. */
		if (rc != 0 && rc != MDB_NOTFOUND)
			return mdb_code(rc);
	}
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)o->msg_id;
	v.mv_size = e.len;
	v.mv_data = buf;
	if ((rc = mdb_put(t, txn->st->dbi[DB_OUTBOX], &k, &v, 0)) != 0)
		return mdb_code(rc);
	if (o->state != STORE_OUT_QUEUED)
		return 0;
	sched_key(sk, o->next_ms, o->msg_id);
	k.mv_size = sizeof(sk);
	k.mv_data = sk;
	v.mv_size = 0;
	v.mv_data = NULL;
	return mdb_code(mdb_put(t, txn->st->dbi[DB_SCHED], &k, &v, 0));
}

int
store_out_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_out *o)
{
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	memset(o, 0, sizeof(*o));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[DB_OUTBOX], &k, &v)) != 0)
		rc = mdb_code(rc);
	else
		rc = decode_out(&v, id, o);
	rd_end(txn, t);
	return rc;
}

int
store_out_envelope(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **env,
    size_t *envlen)
{
	return read_blob(st, txn, DB_OUTENV, id, NULL, 0, env, envlen);
}

int
store_out_due(struct store *st, struct store_txn *txn, int64_t now_ms,
    struct store_out *out, size_t max, size_t *n, int64_t *next_ms)
{
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v, ok, ov;
	MDB_cursor_op	 op;
	const uint8_t	*id;
	int64_t		 when;
	size_t		 got = 0;
	int		 rc;

	*n = 0;
	*next_ms = INT64_MAX;
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[DB_SCHED], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != SCHED_KEY_BYTES || v.mv_size != 0) {
			rc = CAIRN_ECORRUPT;
			goto out;
		}
		when = (int64_t)get_be64(k.mv_data);
		if (when < 0) {
			rc = CAIRN_ECORRUPT;
			goto out;
		}
		if (when > now_ms || got == max) {
			*next_ms = when;
			break;
		}
		id = (const uint8_t *)k.mv_data + 8;
		ok.mv_size = CAIRN_MSG_ID_BYTES;
		ok.mv_data = (void *)id;
		if ((rc = mdb_get(t, st->dbi[DB_OUTBOX], &ok, &ov)) != 0) {
			rc = rc == MDB_NOTFOUND ? CAIRN_ECORRUPT :
			    mdb_code(rc);
			goto out;
		}
		if ((rc = decode_out(&ov, id, &out[got])) != 0)
			goto out;
		if (out[got].state != STORE_OUT_QUEUED ||
		    out[got].next_ms != when) {
			rc = CAIRN_ECORRUPT;
			goto out;
		}
		got++;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc != 0)
		rc = mdb_code(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(txn, t);
	if (rc != 0)
		*next_ms = INT64_MAX;
	else
		*n = got;
	return rc;
}

struct out_each {
	int	(*fn)(void *, const struct store_out *);
	void	*arg;
};

static int
out_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct out_each *oe = ctx;
	struct store_out o;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = decode_out(v, k->mv_data, &o)) != 0)
		return rc;
	return oe->fn(oe->arg, &o);
}

int
store_out_each(struct store *st,
    int (*fn)(void *arg, const struct store_out *o), void *arg)
{
	struct out_each oe = { fn, arg };

	return scan(st, DB_OUTBOX, out_visit, &oe);
}

int
store_receipt_put(struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
    size_t len)
{
	MDB_txn	*t;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	return put_blob(t, txn->st->dbi[DB_RECEIPTS], id, NULL, 0, buf, len,
	    0);
}

int
store_receipt_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **buf,
    size_t *len)
{
	return read_blob(st, txn, DB_RECEIPTS, id, NULL, 0, buf, len);
}

/* --- inbox --- */

int
store_in_add(struct store_txn *txn, const struct store_in *m,
    const uint8_t *env, size_t envlen)
{
	uint8_t	 buf[REC_MAX_BYTES];
	struct enc e = { buf, sizeof(buf), 0, false };
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 || (rc = check_in(m)) != 0)
		return rc;
	if (envlen > UINT32_MAX || (envlen > 0 && env == NULL))
		return CAIRN_EINVAL;
	if ((rc = encode_in(m, &e)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)m->msg_id;
	v.mv_size = e.len;
	v.mv_data = buf;
	if ((rc = mdb_put(t, txn->st->dbi[DB_INBOX], &k, &v,
	    MDB_NOOVERWRITE)) != 0)
		return mdb_code(rc);
	return put_blob(t, txn->st->dbi[DB_INENV], m->msg_id, NULL, 0, env,
	    envlen, 0);
}

int
store_in_update(struct store_txn *txn, const struct store_in *m)
{
	uint8_t	 buf[REC_MAX_BYTES];
	struct enc e = { buf, sizeof(buf), 0, false };
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 || (rc = check_in(m)) != 0)
		return rc;
	if ((rc = encode_in(m, &e)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)m->msg_id;
	if ((rc = mdb_get(t, txn->st->dbi[DB_INBOX], &k, &v)) != 0)
		return mdb_code(rc);
	v.mv_size = e.len;
	v.mv_data = buf;
	return mdb_code(mdb_put(t, txn->st->dbi[DB_INBOX], &k, &v, 0));
}

int
store_in_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_in *m)
{
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	memset(m, 0, sizeof(*m));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[DB_INBOX], &k, &v)) != 0)
		rc = mdb_code(rc);
	else
		rc = decode_in(&v, id, m);
	rd_end(txn, t);
	return rc;
}

int
store_in_envelope(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **env,
    size_t *envlen)
{
	return read_blob(st, txn, DB_INENV, id, NULL, 0, env, envlen);
}

struct in_each {
	int	(*fn)(void *, const struct store_in *);
	void	*arg;
};

static int
in_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct in_each *ie = ctx;
	struct store_in m;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = decode_in(v, k->mv_data, &m)) != 0)
		return rc;
	return ie->fn(ie->arg, &m);
}

int
store_in_each(struct store *st,
    int (*fn)(void *arg, const struct store_in *m), void *arg)
{
	struct in_each ie = { fn, arg };

	return scan(st, DB_INBOX, in_visit, &ie);
}

/* --- cases --- */

static int
check_case(const struct store_case *c)
{
	if (c->state < STORE_CASE_QUEUED || c->state > STORE_CASE_STATE_MAX ||
	    c->channel > CAIRN_CHANNEL_MAX)
		return CAIRN_EINVAL;
	if (!str_ok(c->function, sizeof(c->function)) ||
	    !str_ok(c->peer_org, sizeof(c->peer_org)) ||
	    !str_ok(c->peer_function, sizeof(c->peer_function)) ||
	    !str_ok(c->contact_by, sizeof(c->contact_by)) ||
	    !str_ok(c->redirect_org, sizeof(c->redirect_org)) ||
	    !str_ok(c->redirect_function, sizeof(c->redirect_function)))
		return CAIRN_EINVAL;
	return 0;
}

static int
encode_case(const struct store_case *c, struct enc *e)
{
	enc_u8(e, REC_VERSION);
	enc_bytes(e, c->request_id, CAIRN_MSG_ID_BYTES);
	enc_u8(e, c->sent ? 1 : 0);
	enc_u8(e, (uint8_t)c->state);
	enc_str(e, c->function);
	enc_str(e, c->peer_org);
	enc_str(e, c->peer_function);
	enc_u64(e, (uint64_t)c->created_ms);
	enc_u64(e, (uint64_t)c->delivered_ms);
	enc_u64(e, (uint64_t)c->due_ms);
	enc_u32(e, c->guarantee_days);
	enc_str(e, c->contact_by);
	enc_u8(e, c->channel);
	enc_str(e, c->redirect_org);
	enc_str(e, c->redirect_function);
	enc_u64(e, (uint64_t)c->updated_ms);
	return enc_seal(e);
}

static int
decode_case(const MDB_val *v, const uint8_t *id, struct store_case *c)
{
	struct dec d;
	uint8_t	 sent, state;
	int	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = dec_open(&d, v)) != 0)
		return rc;
	dec_bytes(&d, c->request_id, CAIRN_MSG_ID_BYTES);
	sent = dec_u8(&d);
	state = dec_u8(&d);
	dec_str(&d, c->function, sizeof(c->function));
	dec_str(&d, c->peer_org, sizeof(c->peer_org));
	dec_str(&d, c->peer_function, sizeof(c->peer_function));
	c->created_ms = (int64_t)dec_u64(&d);
	c->delivered_ms = (int64_t)dec_u64(&d);
	c->due_ms = (int64_t)dec_u64(&d);
	c->guarantee_days = dec_u32(&d);
	dec_str(&d, c->contact_by, sizeof(c->contact_by));
	c->channel = dec_u8(&d);
	dec_str(&d, c->redirect_org, sizeof(c->redirect_org));
	dec_str(&d, c->redirect_function, sizeof(c->redirect_function));
	c->updated_ms = (int64_t)dec_u64(&d);
	if ((rc = dec_close(&d)) != 0)
		goto fail;
	rc = CAIRN_ECORRUPT;
	if (sent > 1 || memcmp(c->request_id, id, CAIRN_MSG_ID_BYTES) != 0)
		goto fail;
	c->sent = sent;
	c->state = (enum store_case_state)state;
	if (check_case(c) != 0)
		goto fail;
	return 0;
fail:
	memset(c, 0, sizeof(*c));
	return rc;
}

int
store_case_put(struct store_txn *txn, const struct store_case *c)
{
	uint8_t	 buf[REC_MAX_BYTES];
	struct enc e = { buf, sizeof(buf), 0, false };
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 || (rc = check_case(c)) != 0)
		return rc;
	if ((rc = encode_case(c, &e)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)c->request_id;
	v.mv_size = e.len;
	v.mv_data = buf;
	return mdb_code(mdb_put(t, txn->st->dbi[DB_CASES], &k, &v, 0));
}

int
store_case_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_case *c)
{
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[DB_CASES], &k, &v)) != 0)
		rc = mdb_code(rc);
	else
		rc = decode_case(&v, id, c);
	rd_end(txn, t);
	return rc;
}

struct case_each {
	int	(*fn)(void *, const struct store_case *);
	void	*arg;
};

static int
case_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct case_each *ce = ctx;
	struct store_case c;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = decode_case(v, k->mv_data, &c)) != 0)
		return rc;
	return ce->fn(ce->arg, &c);
}

int
store_case_each(struct store *st,
    int (*fn)(void *arg, const struct store_case *c), void *arg)
{
	struct case_each ce = { fn, arg };

	return scan(st, DB_CASES, case_visit, &ce);
}

/* --- dedup --- */

/*
 * dedup holds [version][u64 expires_ms][u32 len][receipt][checksum];
 * dedupexp indexes it by u64be(expires_ms) || msg_id so that expiry reads
 * only what it drops.
 */
int
store_dedup_put(struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], int64_t expires_ms,
    const uint8_t *receipt, size_t len)
{
	uint8_t	 pre[8], xk[SCHED_KEY_BYTES];
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if (expires_ms < 0)
		return CAIRN_EINVAL;
	put_le(pre, (uint64_t)expires_ms, sizeof(pre));
	if ((rc = put_blob(t, txn->st->dbi[DB_DEDUP], id, pre, sizeof(pre),
	    receipt, len, MDB_NOOVERWRITE)) != 0)
		return rc;
	sched_key(xk, expires_ms, id);
	k.mv_size = sizeof(xk);
	k.mv_data = xk;
	v.mv_size = 0;
	v.mv_data = NULL;
	return mdb_code(mdb_put(t, txn->st->dbi[DB_DEDUPEXP], &k, &v, 0));
}

int
store_dedup_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **receipt,
    size_t *len)
{
	uint8_t	pre[8];

	return read_blob(st, txn, DB_DEDUP, id, pre, sizeof(pre), receipt,
	    len);
}

int
store_dedup_expire(struct store_txn *txn, int64_t now_ms, size_t max,
    size_t *n)
{
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v, dk;
	size_t		 dropped = 0;
	int		 rc;

	*n = 0;
	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, txn->st->dbi[DB_DEDUPEXP], &c)) != 0)
		return mdb_code(rc);
	/* Each pass drops the first entry, so the next one is first again. */
	while (dropped < max &&
	    (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0) {
		if (k.mv_size != SCHED_KEY_BYTES) {
			rc = CAIRN_ECORRUPT;
			goto out;
		}
		if ((int64_t)get_be64(k.mv_data) >= now_ms)
			break;
		dk.mv_size = CAIRN_MSG_ID_BYTES;
		dk.mv_data = (uint8_t *)k.mv_data + 8;
		rc = mdb_del(t, txn->st->dbi[DB_DEDUP], &dk, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			rc = mdb_code(rc);
			goto out;
		}
		if ((rc = mdb_cursor_del(c, 0)) != 0) {
			rc = mdb_code(rc);
			goto out;
		}
		dropped++;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
out:
	mdb_cursor_close(c);
	*n = dropped;
	return rc;
}

/* --- audit --- */

int
store_audit_append(struct store_txn *txn, struct cairn_audit_record *rec)
{
	uint8_t	 prev[CAIRN_HASH_BYTES], kb[8];
	uint8_t	*buf = NULL;
	size_t	 len;
	uint64_t seq;
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if ((rc = head_read(txn->st, t, &seq, prev)) != 0)
		return rc;
	if (seq == UINT64_MAX)
		return CAIRN_ESTORE;
	rec->seq = seq + 1;
	memcpy(rec->prev_hash, prev, CAIRN_HASH_BYTES);
	if ((rc = cairn_audit_seal(rec, &buf, &len)) != 0)
		return rc;
	put_be64(kb, rec->seq);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	v.mv_size = len;
	v.mv_data = buf;
	rc = mdb_put(t, txn->st->dbi[DB_AUDIT], &k, &v, MDB_NOOVERWRITE);
	if (rc != 0) {
		/* A record past the head: the head was lost or rolled back. */
		rc = rc == MDB_KEYEXIST ? CAIRN_ECORRUPT : mdb_code(rc);
		goto out;
	}
	rc = head_write(txn->st, t, rec->seq, rec->hash);
out:
	free(buf);
	return rc;
}

int
store_audit_head(struct store *st, struct store_txn *txn, uint64_t *seq,
    uint8_t hash[static CAIRN_HASH_BYTES])
{
	MDB_txn	*t;
	int	 rc;

	*seq = 0;
	memset(hash, 0, CAIRN_HASH_BYTES);
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	rc = head_read(st, t, seq, hash);
	rd_end(txn, t);
	return rc;
}

int
store_audit_each(struct store *st, uint64_t from,
    int (*fn)(void *arg, const struct cairn_audit_record *rec), void *arg)
{
	struct cairn_audit_record rec;
	uint8_t		 kb[8], prev[CAIRN_HASH_BYTES];
	uint64_t	 seq, want, prev_seq = 0;
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 rc;

	if ((rc = rd_begin(st, NULL, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[DB_AUDIT], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	put_be64(kb, from);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		rc = CAIRN_ECORRUPT;
		if (k.mv_size != sizeof(kb))
			goto out;
		seq = get_be64(k.mv_data);
		if (cairn_audit_open(&rec, v.mv_data, v.mv_size) != 0 ||
		    rec.seq != seq)
			goto out;
		/* Records read here must link up as well as verify. */
		want = prev_seq != 0 ? prev_seq + 1 : from > 0 ? from : 1;
		if (seq != want || (prev_seq != 0 &&
		    memcmp(rec.prev_hash, prev, CAIRN_HASH_BYTES) != 0))
			goto out;
		prev_seq = seq;
		memcpy(prev, rec.hash, CAIRN_HASH_BYTES);
		if ((rc = fn(arg, &rec)) != 0)
			goto out;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(NULL, t);
	return rc;
}

/* --- meta --- */

int
store_meta_put_u64(struct store_txn *txn, const char *key, uint64_t value)
{
	MDB_txn	*t;
	size_t	 len;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	len = strnlen(key, META_KEY_MAX + 1);
	if (len == 0 || len > META_KEY_MAX ||
	    strcmp(key, META_FORMAT) == 0 || strcmp(key, META_AUDIT_HEAD) == 0)
		return CAIRN_EINVAL;
	return u64_put(t, txn->st, key, value);
}

int
store_meta_get_u64(struct store *st, const char *key, uint64_t *value)
{
	MDB_txn	*t;
	MDB_val	 v;
	size_t	 len;
	int	 rc;

	len = strnlen(key, META_KEY_MAX + 1);
	if (len == 0 || len > META_KEY_MAX)
		return CAIRN_EINVAL;
	if ((rc = rd_begin(st, NULL, &t)) != 0)
		return rc;
	if ((rc = meta_get(t, st, key, &v)) == 0)
		rc = u64_decode(&v, value);
	rd_end(NULL, t);
	return rc;
}

/* --- counts --- */

static int
stats_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct store_stats *s = ctx;
	struct store_out o;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = decode_out(v, k->mv_data, &o)) != 0)
		return rc;
	s->out_total++;
	switch (o.state) {
	case STORE_OUT_QUEUED:
		s->out_queued++;
		break;
	case STORE_OUT_DELIVERED:
		s->out_delivered++;
		break;
	case STORE_OUT_REJECTED:
		s->out_rejected++;
		break;
	case STORE_OUT_FAILED:
		s->out_failed++;
		break;
	}
	return 0;
}

int
store_stats(struct store *st, struct store_stats *s)
{
	MDB_txn	*t;
	MDB_stat ms;
	int	 rc;

	memset(s, 0, sizeof(*s));
	if ((rc = scan(st, DB_OUTBOX, stats_visit, s)) != 0)
		goto fail;
	if ((rc = rd_begin(st, NULL, &t)) != 0)
		goto fail;
	if ((rc = mdb_stat(t, st->dbi[DB_INBOX], &ms)) != 0)
		goto abort;
	s->in_total = ms.ms_entries;
	if ((rc = mdb_stat(t, st->dbi[DB_DEDUP], &ms)) != 0)
		goto abort;
	s->dedup = ms.ms_entries;
	if ((rc = mdb_stat(t, st->dbi[DB_AUDIT], &ms)) != 0)
		goto abort;
	s->audit = ms.ms_entries;
	rd_end(NULL, t);
	return 0;
abort:
	rd_end(NULL, t);
	rc = mdb_code(rc);
fail:
	memset(s, 0, sizeof(*s));
	return rc;
}

/* --- checkpoints --- */

int
store_checkpoint_put(struct store_txn *txn, uint64_t seq, const uint8_t *buf,
    size_t len)
{
	struct cairn_audit_checkpoint cp;
	uint8_t	 kb[8];
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if (cairn_audit_checkpoint_open(&cp, buf, len) != 0 || cp.seq != seq)
		return CAIRN_EINVAL;
	put_be64(kb, seq);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	v.mv_size = len;
	v.mv_data = (void *)buf;
	return mdb_code(mdb_put(t, txn->st->dbi[DB_CHECKPOINTS], &k, &v,
	    MDB_NOOVERWRITE));
}

/* A stored checkpoint decodes and sits under its own seq. */
static int
checkpoint_decode(const MDB_val *k, const MDB_val *v,
    struct cairn_audit_checkpoint *cp)
{
	if (k->mv_size != 8 ||
	    cairn_audit_checkpoint_open(cp, v->mv_data, v->mv_size) != 0 ||
	    cp->seq != get_be64(k->mv_data)) {
		memset(cp, 0, sizeof(*cp));
		return CAIRN_ECORRUPT;
	}
	return 0;
}

int
store_checkpoint_last(struct store *st, struct store_txn *txn,
    struct cairn_audit_checkpoint *cp)
{
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	int		 rc;

	memset(cp, 0, sizeof(*cp));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[DB_CHECKPOINTS], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_LAST)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	rc = checkpoint_decode(&k, &v, cp);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(txn, t);
	return rc;
}

struct cp_each {
	int	(*fn)(void *, const struct cairn_audit_checkpoint *);
	void	*arg;
};

static int
cp_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct cp_each *ce = ctx;
	struct cairn_audit_checkpoint cp;
	int	rc;

	if ((rc = checkpoint_decode(k, v, &cp)) != 0)
		return rc;
	return ce->fn(ce->arg, &cp);
}

int
store_checkpoint_each(struct store *st,
    int (*fn)(void *arg, const struct cairn_audit_checkpoint *cp), void *arg)
{
	struct cp_each ce = { fn, arg };

	return scan(st, DB_CHECKPOINTS, cp_visit, &ce);
}
